// tcgemv.cu - the tensor-core family for small batches (M <= 32): integer weights decoded straight
// from registers into mma.sync fragments, float16 activations, float32 accumulators. It computes
// C^T = W . A^T so that the weights are the 16-row "A" operand and up to 8 rows of activations the
// 8-column "B" operand: no tensor-core work is wasted on padding rows at M <= 8.
// (common.cuh comes before this text.) Bit tricks below assume BB_W_BITS in {1, 2, 4, 8}.
//
// Schedule parameters (from the emitter):
//   BB_WARPS     warps per block; they split K and add up through shared memory
//   BB_N_TILES   16-row tiles of W per block (each warp does all of them, sharing activations)
//   BB_M_TILES   8-row tiles of A per block (the W fragments are reused for each)
//   BB_UNROLL    segments whose weights each warp loads before it computes
//
// Weights stay in the plain packed layout. A "segment" is 512/b consecutive k of a row: 4 lanes
// (t = lane % 4) each load 16 bytes of it, lane t bytes [16t, 16t+16). The k order inside the mma
// is free as long as W and A agree, so each lane keeps its own 128/b k and we choose which of them
// are the fragment's "k = 2t, 2t+1" pair: the two codes at bits p*b and p*b + 16 of a 32-bit word,
// which one LOP3 turns into a float16 pair (0x6400 | u is the float16 1024 + u), and the matching
// activations are gathered with one PRMT from the lane's own slice of A.

#define BB_THREADS (32 * BB_WARPS)
#define BB_SEG_K (512 / BB_W_BITS)           // k per segment
#define BB_LANE_K (128 / BB_W_BITS)          // k per lane per segment (16 bytes of codes)
#define BB_SEG_BYTES (BB_SEG_K * BB_W_BITS / 8)
#define BB_SEGMENTS (BB_K / BB_SEG_K)        // the emitter guarantees K % BB_SEG_K == 0
#define BB_WORD_K (32 / BB_W_BITS)           // k per 32-bit word of codes
#define BB_PAIR_STRIDE (16 / BB_W_BITS)      // the second code of a pair sits 16 bits higher
#define BB_CODE_MASK2 (BB_W_MASK * 0x00010001u)
#if BB_W_KIND == BB_WK_INT8
#define BB_MAGIC2 0x64806480u                // 0x6400 | (u ^ 0x80): 1024 + (q + 128)
#define BB_CODE_OFFSET 128
#elif BB_W_KIND == BB_WK_INT
#define BB_MAGIC2 0x64006400u
#define BB_CODE_OFFSET (1 << (BB_W_BITS - 1))  // offset binary: q = u - 2^(b-1)
#else
#define BB_MAGIC2 0x64006400u                // uint and int1 (q = 2u - 1 below)
#define BB_CODE_OFFSET 0
#endif

__device__ __forceinline__ bb_u32 bb_hsub2(bb_u32 a, bb_u32 b) {
  bb_u32 d;
  asm("sub.f16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
  return d;
}

__device__ __forceinline__ bb_u32 bb_hadd2(bb_u32 a, bb_u32 b) {
  bb_u32 d;
  asm("add.f16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
  return d;
}

__device__ __forceinline__ bb_u32 bb_hmul2(bb_u32 a, bb_u32 b) {
  bb_u32 d;
  asm("mul.f16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
  return d;
}

__device__ __forceinline__ bb_u32 bb_hfma2(bb_u32 a, bb_u32 b, bb_u32 c) {
  bb_u32 d;
  asm("fma.rn.f16x2 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}

__device__ __forceinline__ bb_u32 bb_prmt(bb_u32 a, bb_u32 b, bb_u32 selector) {
  bb_u32 d;
  asm("prmt.b32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(selector));
  return d;
}

__device__ __forceinline__ uint4 bb_load_stream16(const bb_u8 *p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

// The codes of one pair p sit at bits p*b and p*b + 16 of a word. Pairs come in positions
// j = p % BB_POSITIONS within a byte: position 0 is read with the mask as is, position 1 with the
// mask shifted left by b (so its float16 is 1024 + 2^b u, still exact), which halves the shifts;
// the 2^-b goes into that position's scale. The next two pairs need the word shifted by 2b.
#define BB_POSITIONS (BB_W_BITS == 8 ? 1 : 2)

// Per row and segment, per position: w = (h - base) * scale + offset, with h = 1024 + 2^(jb) u.
//   base   1024 + 2^(jb) (code offset + quantized zero): an exact integer, removed exactly
//   scale  s * 2^(-jb) (times 2 for int1, whose q = 2u - 1)
//   offset -z s (original), -z (rescale), 0; for int1 also the -1 of 2u - 1, times s
struct bb_row_dequant {
  bb_u32 base2[BB_POSITIONS];
  bb_u32 scale2[BB_POSITIONS];
  bb_u32 offset2;
};

// The raw per-row values loaded with the codes (used after the loads land).
struct bb_row_params {
  bb_u16 scale, zero;  // float16 bits (zero: float zero, or the quantized zero in the low bits)
};

__device__ __forceinline__ bb_u32 bb_dup16(bb_u32 h) { return h | (h << 16); }

__device__ __forceinline__ bb_row_params bb_row_params_load(const bb_u16 *scales,
                                                            const void *zeros, int n, int group) {
  bb_row_params r;
  r.scale = 0x3c00u;  // 1.0
  r.zero = 0;
#if BB_SCALING
  const int index = n * (BB_K / BB_GROUP) + group;
  r.scale = scales[index];
#if BB_ZEROS == 1 || BB_ZEROS == 2
  r.zero = ((const bb_u16 *)zeros)[index];
#elif BB_ZEROS == 3
  const bb_u8 *row = (const bb_u8 *)zeros + (size_t)group * BB_QZ_ROW_BYTES;
  const int bit = n * BB_W_BITS;
  r.zero = (row[bit >> 3] >> (bit & 7)) & BB_W_MASK;
#endif
#endif
  return r;
}

// Built in float16x2 arithmetic, a handful of instructions per row and segment.
__device__ __forceinline__ bb_row_dequant bb_row_dequant_make(const bb_row_params &r) {
  bb_row_dequant d;
  const bb_u32 s2 = bb_dup16(r.scale);
#if BB_W_KIND == BB_WK_INT1
  const bb_u32 q_scale_s2 = bb_hmul2(s2, 0x40004000u);  // q = 2u - 1: 2s per code step
  const bb_u32 q_offset2 = 0xbc00bc00u;                 // and -1
  const int integer_offset = 0;
#else
  const bb_u32 q_scale_s2 = s2;
  const bb_u32 q_offset2 = 0;
  int integer_offset = BB_CODE_OFFSET;  // q = u - offset
#if BB_ZEROS == 3
  integer_offset += r.zero;  // an integer zero joins the exact subtraction
#endif
#endif
  d.base2[0] = bb_dup16(0x6400u + (bb_u32)integer_offset);
  d.scale2[0] = q_scale_s2;
#if BB_POSITIONS == 2
  d.base2[1] = bb_dup16(0x6400u + ((bb_u32)integer_offset << BB_W_BITS));
  d.scale2[1] = bb_hmul2(q_scale_s2, bb_dup16((bb_u32)(15 - BB_W_BITS) << 10));  // times 2^-b
#endif
  const bb_u32 minus_zero2 = bb_dup16(r.zero ^ 0x8000u);
#if BB_ZEROS == 1
  d.offset2 = bb_hmul2(bb_hadd2(q_offset2, minus_zero2), s2);  // (q_offset - z) s
#elif BB_ZEROS == 2
  d.offset2 = bb_hfma2(q_offset2, s2, minus_zero2);  // q_offset s - z
#else
  d.offset2 = bb_hmul2(q_offset2, s2);  // q_offset s
#endif
  (void)minus_zero2;
  return d;
}

// Code pair p of word x as two float16 weights: 1 LOP3, 1 exact subtraction, 1 FMA per pair,
// and a shift for every other pair.
__device__ __forceinline__ bb_u32 bb_decode_pair(bb_u32 x, int p, const bb_row_dequant &d) {
  const int j = p % BB_POSITIONS;
  const bb_u32 shifted = x >> ((p / BB_POSITIONS) * BB_POSITIONS * BB_W_BITS);
  const bb_u32 h = (shifted & (BB_CODE_MASK2 << (j * BB_W_BITS))) ^ BB_MAGIC2;
  const bb_u32 q = bb_hsub2(h, d.base2[j]);  // exact: 2^(jb) (u - offset)
  return bb_hfma2(q, d.scale2[j], d.offset2);
}

// One pipeline stage: the codes of BB_UNROLL segments (rows g and g + 8 of every tile) and their
// rows' scale and zero, loaded together so that all are in flight at once.
struct bb_stage {
  uint4 codes[BB_UNROLL][BB_N_TILES][2];
  bb_row_params params[BB_UNROLL][BB_N_TILES][2];
};

__device__ __forceinline__ void bb_stage_load(bb_stage &stage, int seg0, const bb_u8 *__restrict__ W,
                                              const bb_u16 *scales, const void *zeros,
                                              int n_block, int g, int t) {
#pragma unroll
  for (int u = 0; u < BB_UNROLL; u++) {
    const int seg = seg0 + u * BB_WARPS;
    const int k_lane = seg * BB_SEG_K + t * BB_LANE_K;
#pragma unroll
    for (int j = 0; j < BB_N_TILES; j++) {
#pragma unroll
      for (int half = 0; half < 2; half++) {
        const int n = n_block + 16 * j + g + 8 * half;
        if (seg < BB_SEGMENTS && n < BB_N) {
          stage.codes[u][j][half] = bb_load_stream16(W + (size_t)n * BB_ROW_BYTES +
                                               (size_t)seg * BB_SEG_BYTES + t * 16);
          stage.params[u][j][half] = bb_row_params_load(scales, zeros, n, k_lane / BB_GROUP);
        } else {
          stage.codes[u][j][half] = make_uint4(0, 0, 0, 0);
          stage.params[u][j][half] = bb_row_params_load(scales, zeros, BB_N - 1, 0);
        }
      }
    }
  }
}

// The mma work of one stage: for each segment, word by word, gather the activations of every
// m tile into B fragments and decode each tile's codes into A fragments.
__device__ __forceinline__ void bb_stage_compute(const bb_stage &stage, int seg0,
                                                 const bb_u16 *__restrict__ A, int M, int m_block,
                                                 int g, int t,
                                                 float (&acc)[BB_N_TILES][BB_M_TILES][4]) {
#pragma unroll
  for (int u = 0; u < BB_UNROLL; u++) {
    const int seg = seg0 + u * BB_WARPS;
    if (seg >= BB_SEGMENTS) continue;
    const int k_lane = seg * BB_SEG_K + t * BB_LANE_K;
    bb_row_dequant dequant[BB_N_TILES][2];
#pragma unroll
    for (int j = 0; j < BB_N_TILES; j++) {
      dequant[j][0] = bb_row_dequant_make(stage.params[u][j][0]);
      dequant[j][1] = bb_row_dequant_make(stage.params[u][j][1]);
    }
#pragma unroll
    for (int w = 0; w < 4; w++) {
      // This word's activations for every m tile: BB_WORD_K halves of row m, as half pairs.
      bb_u32 act[BB_M_TILES][BB_WORD_K / 2];
#pragma unroll
      for (int i = 0; i < BB_M_TILES; i++) {
        const int m = m_block + 8 * i + g;
        const bb_u16 *row = A + (size_t)m * BB_K + k_lane + w * BB_WORD_K;
#pragma unroll
        for (int v = 0; v < BB_WORD_K / 8; v++) {
          uint4 value = make_uint4(0, 0, 0, 0);
          if (m < M) value = *(const uint4 *)(row + 8 * v);
          act[i][4 * v + 0] = value.x;
          act[i][4 * v + 1] = value.y;
          act[i][4 * v + 2] = value.z;
          act[i][4 * v + 3] = value.w;
        }
#if BB_WORD_K < 8
        // 8-bit codes: a word holds 4 k, i.e. 4 halves (8 bytes) of A.
        uint2 small = make_uint2(0, 0);
        if (m < M) small = *(const uint2 *)row;
        act[i][0] = small.x;
        act[i][1] = small.y;
#endif
      }
#pragma unroll
      for (int block = 0; block < BB_PAIR_STRIDE / 2; block++) {
        // Two pairs of word w at the same position j (so the word's two shifted copies serve
        // all its pairs): p0 gives the fragment's k 2t, 2t+1 and p1 its k 2t+8, 2t+9.
        const int p0 = BB_POSITIONS == 2 ? 4 * (block / 2) + (block % 2) : 2 * block;
        const int p1 = BB_POSITIONS == 2 ? p0 + 2 : p0 + 1;
        bb_u32 b_frag[BB_M_TILES][2];
#pragma unroll
        for (int i = 0; i < BB_M_TILES; i++) {
          // Activation halves at word positions p and p + BB_PAIR_STRIDE, in one register.
          b_frag[i][0] = bb_prmt(act[i][p0 >> 1], act[i][(p0 + BB_PAIR_STRIDE) >> 1],
                                 (p0 & 1) ? 0x7632u : 0x5410u);
          b_frag[i][1] = bb_prmt(act[i][p1 >> 1], act[i][(p1 + BB_PAIR_STRIDE) >> 1],
                                 (p1 & 1) ? 0x7632u : 0x5410u);
        }
#pragma unroll
        for (int j = 0; j < BB_N_TILES; j++) {
          const bb_u32 word_lo = w == 0   ? stage.codes[u][j][0].x
                                 : w == 1 ? stage.codes[u][j][0].y
                                 : w == 2 ? stage.codes[u][j][0].z
                                          : stage.codes[u][j][0].w;
          const bb_u32 word_hi = w == 0   ? stage.codes[u][j][1].x
                                 : w == 1 ? stage.codes[u][j][1].y
                                 : w == 2 ? stage.codes[u][j][1].z
                                          : stage.codes[u][j][1].w;
          bb_u32 a_frag[4];
          a_frag[0] = bb_decode_pair(word_lo, p0, dequant[j][0]);  // row g,     k 2t..
          a_frag[1] = bb_decode_pair(word_hi, p0, dequant[j][1]);  // row g + 8, k 2t..
          a_frag[2] = bb_decode_pair(word_lo, p1, dequant[j][0]);  // row g,     k 2t+8..
          a_frag[3] = bb_decode_pair(word_hi, p1, dequant[j][1]);  // row g + 8, k 2t+8..
#pragma unroll
          for (int i = 0; i < BB_M_TILES; i++)
            bb_mma_16816(acc[j][i], a_frag, b_frag[i][0], b_frag[i][1]);
        }
      }
    }
  }
}

extern "C" __global__ void __launch_bounds__(BB_THREADS)
    bitblas_kernel(const void *__restrict__ A_, const bb_u8 *__restrict__ W,
                   const void *__restrict__ scales_, const void *__restrict__ zeros,
                   const void *__restrict__ bias_, const float *__restrict__ a_scale,
                   void *__restrict__ C_, int M) {
  bb_fault_point();
  const bb_u16 *A = (const bb_u16 *)A_;
  const bb_u16 *scales = (const bb_u16 *)scales_;
  const bb_out_t *bias = (const bb_out_t *)bias_;
  bb_out_t *C = (bb_out_t *)C_;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int n_block = blockIdx.x * (16 * BB_N_TILES);
  const int m_block = blockIdx.y * (8 * BB_M_TILES);

  float acc[BB_N_TILES][BB_M_TILES][4];
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) acc[j][i][e] = 0.0f;

  // Two stages in turn: the next stage's loads are issued before this stage's arithmetic, so
  // the weights of one step stream in while the previous one is multiplied.
  bb_stage stage_a, stage_b;
  const int step = BB_WARPS * BB_UNROLL;
  int seg0 = warp;
  bb_stage_load(stage_a, seg0, W, scales, zeros, n_block, g, t);
  while (seg0 < BB_SEGMENTS) {
    bb_stage_load(stage_b, seg0 + step, W, scales, zeros, n_block, g, t);
    bb_stage_compute(stage_a, seg0, A, M, m_block, g, t, acc);
    seg0 += step;
    if (seg0 >= BB_SEGMENTS) break;
    bb_stage_load(stage_a, seg0 + step, W, scales, zeros, n_block, g, t);
    bb_stage_compute(stage_b, seg0, A, M, m_block, g, t, acc);
    seg0 += step;
  }

  // acc[j][i][e]: row n = 16j + g (+8 for e >= 2), column m = 8i + 2t + (e & 1) of the block.
#if BB_WARPS > 1
  __shared__ float partial[BB_WARPS][BB_N_TILES * 16][BB_M_TILES * 8];
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++)
        partial[warp][16 * j + g + (e >= 2 ? 8 : 0)][8 * i + 2 * t + (e & 1)] = acc[j][i][e];
  __syncthreads();
  for (int index = threadIdx.x; index < BB_N_TILES * 16 * BB_M_TILES * 8; index += BB_THREADS) {
    const int row = index / (BB_M_TILES * 8), column = index % (BB_M_TILES * 8);
    const int n = n_block + row, m = m_block + column;
    if (n >= BB_N || m >= M) continue;
    float value = 0.0f;
#pragma unroll
    for (int k = 0; k < BB_WARPS; k++) value += partial[k][row][column];
#if BB_BIAS
    value += bb_out_to_float(bias[n]);
#endif
    C[(size_t)m * BB_N + n] = bb_float_to_out(value);
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
        float value = acc[j][i][e];
#if BB_BIAS
        value += bb_out_to_float(bias[n]);
#endif
        C[(size_t)m * BB_N + n] = bb_float_to_out(value);
      }
#endif
}
