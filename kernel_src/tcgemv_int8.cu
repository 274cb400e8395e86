// tcgemv_int8.cu - the tensor-core family for int8 activations and small batches (M <= 32):
// integer weights of 1, 2, 4 or 8 bits go from registers into mma.sync m16n8k32 fragments as
// bytes, exact int32 sums. Like tcgemv.cu it computes C^T = W . A^T (weights the 16-row operand,
// up to 8 rows of activations the 8-column one). (common.cuh comes before this text, and for
// configs that quantize their rows quantize_rows.cu: the fused entry at the end builds on it.)
//
// Schedule parameters (from the emitter):
//   BB_WARPS       warps per block; they split K and add up through shared memory
//   BB_N_TILES     16-row tiles of W per block (each warp does all of them, sharing activations)
//   BB_M_TILES     8-row tiles of A per block
//   BB_UNROLL      segments per pipeline stage (loaded together)
//   BB_STAGES      pipeline stages (2 to 4): loads run BB_STAGES - 1 stages ahead
//   BB_LANE_WORDS  32-bit words of codes each lane loads per row and segment (4 or 2)
//
// Weights stay in the plain packed layout. A segment is 128 * BB_LANE_WORDS / b consecutive k of
// a row; lane t (= lane % 4) loads the t-th quarter of it. A byte of codes holds P = 8 / b codes;
// masking a word with the code mask repeated at bit j*b of every byte ("position" j) leaves four
// bytes 2^(jb) u, the codes j, j + P, j + 2P, j + 3P of the word: one LOP3 makes an mma register
// of four weights. The mma's k order is free as long as W and A agree, so the activations of the
// same four codes are gathered into one register with PRMTs (a 4 x 4 byte transpose for 2 bits).
// Each position keeps its own int32 sums, combined exactly at the end: T = sum_j T_j / 2^(jb).
// Stored codes are unsigned except int8; the offset of int4/int2 (2^(b-1)) and the 2u - 1 of
// int1 come out through S = sum of the activations, from one more mma with a fragment of ones.

#define BB_THREADS (32 * BB_WARPS)
#define BB_WORD_K (32 / BB_W_BITS)             // k per 32-bit word of codes
#define BB_LANE_K (BB_LANE_WORDS * BB_WORD_K)  // k per lane per segment
#define BB_SEG_K (4 * BB_LANE_K)               // k per segment
#define BB_SEG_BYTES (16 * BB_LANE_WORDS)      // bytes of a row per segment
#define BB_SEGMENTS (BB_K / BB_SEG_K)
#if BB_K % BB_SEG_K != 0  // (the tuner offers no such schedule: bb_tcgemv_int8_fits)
#error "K must be whole segments"
#endif
#define BB_OUTPUTS (BB_N_TILES * 16 * BB_M_TILES * 8)                // outputs of a block
#define BB_OUTPUT_SLOTS ((BB_OUTPUTS + BB_THREADS - 1) / BB_THREADS)  // of a thread (warps > 1)
#define BB_POSITIONS (8 / BB_W_BITS)           // codes per byte
#define BB_ACT_REGS (BB_WORD_K / 4)            // registers of activations per word of codes
#define BB_BYTE_MASK (BB_W_MASK * 0x01010101u)
#if BB_W_KIND == BB_WK_INT8
#define BB_W_SIGNED 1  // stored as two's complement bytes: used as they are
#else
#define BB_W_SIGNED 0
#endif
#if BB_W_KIND == BB_WK_INT
#define BB_NEEDS_SUMS 1  // q = u - 2^(b-1)
#elif BB_W_KIND == BB_WK_INT1
#define BB_NEEDS_SUMS 1  // q = 2u - 1
#else
#define BB_NEEDS_SUMS 0  // q = u
#endif

// c += a * b on one m16n8k32 tile: a (16x32, row) weight bytes, b (32x8, col) int8 activations.
__device__ __forceinline__ void bb_weight_imma(int (&c)[4], const bb_u32 (&a)[4], bb_u32 b0,
                                               bb_u32 b1) {
  bb_imma_16832<!BB_W_SIGNED, false>(c, a, b0, b1);
}

// Position j of a word: its codes j, j + P, j + 2P, j + 3P as bytes 2^(jb) u (one LOP3).
__device__ __forceinline__ bb_u32 bb_code_bytes(bb_u32 x, int j) {
  return x & (BB_BYTE_MASK << (j * BB_W_BITS));
}

// The activations of the same codes: bytes j, j + P, j + 2P, j + 3P of the word's span of A
// (act[r] holds bytes 4r .. 4r + 3 of it).
__device__ __forceinline__ void bb_activation_bytes(bb_u32 (&out)[BB_POSITIONS],
                                                    const bb_u32 (&act)[BB_ACT_REGS]) {
#if BB_W_BITS == 8
  out[0] = act[0];
#elif BB_W_BITS == 4
  out[0] = bb_prmt(act[0], act[1], 0x6420u);
  out[1] = bb_prmt(act[0], act[1], 0x7531u);
#else
  // 4 x 4 byte transposes: of registers (0, 1, 2, 3) for 2 bits, (0, 2, 4, 6) and (1, 3, 5, 7)
  // for 1 bit (whose position j < 4 lives in the even registers, j >= 4 in the odd ones).
#pragma unroll
  for (int half = 0; half < BB_POSITIONS / 4; half++) {
    const int stride = BB_POSITIONS / 4;
    const bb_u32 r0 = act[half], r1 = act[half + stride], r2 = act[half + 2 * stride],
                 r3 = act[half + 3 * stride];
    const bb_u32 lo01 = bb_prmt(r0, r1, 0x5140u), hi01 = bb_prmt(r0, r1, 0x7362u);
    const bb_u32 lo23 = bb_prmt(r2, r3, 0x5140u), hi23 = bb_prmt(r2, r3, 0x7362u);
    out[4 * half + 0] = bb_prmt(lo01, lo23, 0x5410u);
    out[4 * half + 1] = bb_prmt(lo01, lo23, 0x7632u);
    out[4 * half + 2] = bb_prmt(hi01, hi23, 0x5410u);
    out[4 * half + 3] = bb_prmt(hi01, hi23, 0x7632u);
  }
#endif
}

// One pipeline stage: the codes of BB_UNROLL segments (rows g and g + 8 of every tile).
struct bb_stage {
  bb_u32 codes[BB_UNROLL][BB_N_TILES][2][BB_LANE_WORDS];
};

// Rows past N and segments past K load the last row's and segment's bytes instead, with no
// branch and no zeroing: their sums only reach outputs that are never stored (rows past N) or are
// never computed (bb_stage_compute skips segments past K).
__device__ __forceinline__ void bb_stage_load(bb_stage &stage, int seg0, const bb_u8 *__restrict__ W,
                                              int n_block, int g, int t) {
#pragma unroll
  for (int u = 0; u < BB_UNROLL; u++) {
    const int seg = min(seg0 + u * BB_WARPS, BB_SEGMENTS - 1);
#pragma unroll
    for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
      for (int half = 0; half < 2; half++) {
        const int n = min(n_block + 16 * j + g + 8 * half, BB_N - 1);
        bb_u32 *words = stage.codes[u][j][half];
        const bb_u8 *p =
            W + (size_t)n * BB_ROW_BYTES + (size_t)seg * BB_SEG_BYTES + t * (4 * BB_LANE_WORDS);
#if BB_LANE_WORDS == 4
        bb_stream_load16(words, p);
#else
        bb_stream_load8(words, p);
#endif
      }
  }
}

// Integer sums per n tile, m tile and position, and the activations' sums per m tile.
struct bb_int_sums {
  int codes[BB_N_TILES][BB_M_TILES][BB_POSITIONS][4];
  int acts[BB_M_TILES][4];
};

// The mma work of one stage: words in pairs (one mma takes two registers of a row), each pair
// position by position. A's rows lie A_PITCH bytes apart.
template <int A_PITCH>
__device__ __forceinline__ void bb_stage_compute(const bb_stage &stage, int seg0,
                                                 const bb_i8 *__restrict__ A, int M, int m_block,
                                                 int g, int t, bb_int_sums &sums) {
  const bb_u32 ones[4] = {0x01010101u, 0x01010101u, 0x01010101u, 0x01010101u};
  (void)ones;
#pragma unroll
  for (int u = 0; u < BB_UNROLL; u++) {
    const int seg = seg0 + u * BB_WARPS;
    if (seg >= BB_SEGMENTS) continue;
    const int k_lane = seg * BB_SEG_K + t * BB_LANE_K;
#pragma unroll
    for (int w = 0; w < BB_LANE_WORDS; w += 2) {
      // Activations of words w and w + 1, per m tile, regrouped by position. Rows past M read
      // row M - 1 (no branch): they only feed output columns that are never stored.
      bb_u32 b[BB_M_TILES][2][BB_POSITIONS];
#pragma unroll
      for (int i = 0; i < BB_M_TILES; i++) {
        const int m = min(m_block + 8 * i + g, M - 1);
#pragma unroll
        for (int x = 0; x < 2; x++) {
          bb_u32 act[BB_ACT_REGS];
          const bb_i8 *row = A + (size_t)m * A_PITCH + k_lane + (w + x) * BB_WORD_K;
#if BB_ACT_REGS == 8
          const uint4 lo = *(const uint4 *)row, hi = *(const uint4 *)(row + 16);
          act[0] = lo.x, act[1] = lo.y, act[2] = lo.z, act[3] = lo.w;
          act[4] = hi.x, act[5] = hi.y, act[6] = hi.z, act[7] = hi.w;
#elif BB_ACT_REGS == 4
          const uint4 v = *(const uint4 *)row;
          act[0] = v.x, act[1] = v.y, act[2] = v.z, act[3] = v.w;
#elif BB_ACT_REGS == 2
          const uint2 v = *(const uint2 *)row;
          act[0] = v.x, act[1] = v.y;
#else
          act[0] = *(const bb_u32 *)row;
#endif
          bb_activation_bytes(b[i][x], act);
        }
      }
#pragma unroll
      for (int p = 0; p < BB_POSITIONS; p++) {
#if BB_NEEDS_SUMS
#pragma unroll
        for (int i = 0; i < BB_M_TILES; i++) bb_weight_imma(sums.acts[i], ones, b[i][0][p], b[i][1][p]);
#endif
#pragma unroll
        for (int j = 0; j < BB_N_TILES; j++) {
          bb_u32 a_frag[4];
          a_frag[0] = bb_code_bytes(stage.codes[u][j][0][w], p);      // row g,     k 4t..
          a_frag[1] = bb_code_bytes(stage.codes[u][j][1][w], p);      // row g + 8, k 4t..
          a_frag[2] = bb_code_bytes(stage.codes[u][j][0][w + 1], p);  // row g,     k 16 + 4t..
          a_frag[3] = bb_code_bytes(stage.codes[u][j][1][w + 1], p);  // row g + 8, k 16 + 4t..
#pragma unroll
          for (int i = 0; i < BB_M_TILES; i++)
            bb_weight_imma(sums.codes[j][i][p], a_frag, b[i][0][p], b[i][1][p]);
        }
      }
    }
  }
}

// sum q x for accumulator element e of tile (j, i): the positions combined (each T_j is an exact
// multiple of 2^(jb)) and the code offset removed.
__device__ __forceinline__ int bb_exact_sum(const bb_int_sums &sums, int j, int i, int e) {
  int total = 0;
#pragma unroll
  for (int p = 0; p < BB_POSITIONS; p++) total += sums.codes[j][i][p][e] >> (p * BB_W_BITS);
#if BB_W_KIND == BB_WK_INT
  total -= (1 << (BB_W_BITS - 1)) * sums.acts[i][e];
#elif BB_W_KIND == BB_WK_INT1
  total = 2 * total - sums.acts[i][e];
#endif
  return total;
}

// The whole product of one block: rows n_block .. of W (from blockIdx.x) with rows m_block ..
// M - 1 of A (A_PITCH bytes apart), stored into C's rows m_block .. with a_scale[m_block ..];
// m_block is the grid's (blockIdx.y) where the caller passes -1.
// prologue() runs once the first stages' weight loads are in flight: the fused entry below
// quantizes its rows of A there; the ordinary kernel passes one that does nothing.
struct bb_no_prologue {
  __device__ void operator()() const {}
};

template <int A_PITCH, class Prologue>
__device__ __forceinline__ void bb_multiply_block(const bb_i8 *__restrict__ A, int M, int m_first,
                                                  const bb_u8 *__restrict__ W,
                                                  const void *__restrict__ scales_,
                                                  const bb_out_t *__restrict__ bias,
                                                  const float *a_scale, bb_out_t *__restrict__ C,
                                                  const Prologue &prologue) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int n_block = blockIdx.x * (16 * BB_N_TILES);
  const int m_block = m_first < 0 ? blockIdx.y * (8 * BB_M_TILES) : m_first;

  bb_int_sums sums;
#pragma unroll
  for (int e = 0; e < 4; e++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++) {
      sums.acts[i][e] = 0;
#pragma unroll
      for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
        for (int p = 0; p < BB_POSITIONS; p++) sums.codes[j][i][p][e] = 0;
    }

  // BB_STAGES stages in turn: while one stage is multiplied, the loads of the next
  // BB_STAGES - 1 are in flight. The inner loop is unrolled, so every stage stays in registers.
  bb_stage stages[BB_STAGES];
  const int step = BB_WARPS * BB_UNROLL;
#pragma unroll
  for (int s = 0; s < BB_STAGES - 1; s++) bb_stage_load(stages[s], warp + s * step, W, n_block, g, t);
  prologue();

  // The factors of this thread's outputs (weight scale, a_scale, bias), asked for now. A weight
  // scale misses in L2 as the weights do; loaded after the block's sum, its latency came on top
  // of a short kernel's time (bench/RESULTS.md, twenty-third section). Rows past N and columns
  // past M read the last ones: those outputs are never stored.
#if BB_WARPS > 1
  bb_row_factors row_factors[BB_OUTPUT_SLOTS];
  float column_factors[BB_OUTPUT_SLOTS];
#pragma unroll
  for (int s = 0; s < BB_OUTPUT_SLOTS; s++) {
    const int index = min((int)threadIdx.x + s * BB_THREADS, BB_OUTPUTS - 1);
    const int n = min(n_block + index / (BB_M_TILES * 8), BB_N - 1);
    const int m = min(m_block + index % (BB_M_TILES * 8), M - 1);
    row_factors[s] = bb_row_factors_load(n, scales_, bias);
    column_factors[s] = bb_column_factor_load(m, a_scale);
  }
#else
  bb_row_factors row_factors[BB_N_TILES][2];  // rows 16j + g and 16j + g + 8
  float column_factors[BB_M_TILES][2];        // columns 8i + 2t and 8i + 2t + 1
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int half = 0; half < 2; half++)
      row_factors[j][half] =
          bb_row_factors_load(min(n_block + 16 * j + g + 8 * half, BB_N - 1), scales_, bias);
#pragma unroll
  for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
    for (int parity = 0; parity < 2; parity++)
      column_factors[i][parity] =
          bb_column_factor_load(min(m_block + 8 * i + 2 * t + parity, M - 1), a_scale);
#endif

  for (int seg0 = warp; seg0 < BB_SEGMENTS; seg0 += BB_STAGES * step) {
#pragma unroll
    for (int s = 0; s < BB_STAGES; s++) {
      const int seg = seg0 + s * step;
      if (seg >= BB_SEGMENTS) break;
      bb_stage_load(stages[(s + BB_STAGES - 1) % BB_STAGES], seg + (BB_STAGES - 1) * step,
                    W, n_block, g, t);
      bb_stage_compute<A_PITCH>(stages[s], seg, A, M, m_block, g, t, sums);
    }
  }

  // Element e of tile (j, i): row n = 16j + g (+8 for e >= 2), column m = 8i + 2t + (e & 1).
#if BB_WARPS > 1
  __shared__ int partial[BB_WARPS][BB_N_TILES * 16][BB_M_TILES * 8];
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++)
        partial[warp][16 * j + g + (e >= 2 ? 8 : 0)][8 * i + 2 * t + (e & 1)] =
            bb_exact_sum(sums, j, i, e);
  __syncthreads();
#pragma unroll
  for (int s = 0; s < BB_OUTPUT_SLOTS; s++) {
    const int index = (int)threadIdx.x + s * BB_THREADS;
    if (index >= BB_OUTPUTS) break;
    const int row = index / (BB_M_TILES * 8), column = index % (BB_M_TILES * 8);
    const int n = n_block + row, m = m_block + column;
    if (n >= BB_N || m >= M) continue;
    int value = 0;
#pragma unroll
    for (int k = 0; k < BB_WARPS; k++) value += partial[k][row][column];
    bb_store_with_factors(C, n, m, value, row_factors[s], column_factors[s]);
  }
#else
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int n = n_block + 16 * j + g + (e >= 2 ? 8 : 0);
        const int m = m_block + 8 * i + 2 * t + (e & 1);
        if (n >= BB_N || m >= M) continue;
        bb_store_with_factors(C, n, m, bb_exact_sum(sums, j, i, e), row_factors[j][e >> 1],
                              column_factors[i][e & 1]);
      }
#endif
}

extern "C" __global__ void __launch_bounds__(BB_THREADS)
    bitblas_kernel(const void *__restrict__ A_, const bb_u8 *__restrict__ W,
                   const void *__restrict__ scales_, const void *__restrict__ zeros,
                   const void *__restrict__ bias_, const float *__restrict__ a_scale,
                   void *__restrict__ C_, int M) {
  bb_fault_point();
  // Before any load: placed after the first weight loads instead, the wait made these kernels
  // 2-5 % slower at M = 16 in ordinary launches (common.cuh).
  bb_dependent_start();
  bb_wait_for_quantizer();  // A (and a_scale) may still be on their way: common.cuh
  (void)zeros;
  bb_multiply_block<BB_K>((const bb_i8 *)A_, M, -1, W, scales_, (const bb_out_t *)bias_, a_scale,
                          (bb_out_t *)C_, bb_no_prologue());
}

// The BitNet layer in one kernel (bitblas_bitnet_run where bb_fused_layer_fits): x [M, K] of the
// output's float type, quantized per row by each block into shared memory as the row quantizer
// would (quantize_rows.cu, which the emitter puts before this file for such configs), then
// multiplied as above. Dynamic shared memory: min(M, 8 * BB_M_TILES) * BB_FUSED_PITCH bytes.
#if defined(BB_ROW_QUANTIZER) && BB_QR_VECTORS >= 32
extern "C" __global__ void __launch_bounds__(BB_THREADS)
    bitblas_quantize_and_multiply(const bb_out_t *__restrict__ x, const bb_u8 *__restrict__ W,
                                  const void *__restrict__ scales_,
                                  const bb_out_t *__restrict__ bias, bb_out_t *__restrict__ C,
                                  int M) {
  bb_dependent_start();  // before any load: common.cuh
  extern __shared__ __align__(16) bb_u8 bb_block_codes[];
  __shared__ bb_u32 row_bits[8 * BB_M_TILES];
  __shared__ float row_scale[8 * BB_M_TILES];
  const int m_block = blockIdx.y * (8 * BB_M_TILES);
  const int rows = min(M - m_block, 8 * BB_M_TILES);
  bb_i8 *a_rows = (bb_i8 *)bb_block_codes;
  const bb_out_t *x_rows = x + (size_t)m_block * BB_K;
  bb_multiply_block<BB_FUSED_PITCH>(a_rows, rows, 0, W, scales_, bias, row_scale,
                                    C + (size_t)m_block * BB_N, [&]() {
                                      bb_quantize_rows_to_shared<BB_THREADS>(x_rows, rows, a_rows,
                                                                             row_scale, row_bits);
                                    });
}
#endif
