// mma.cu - the tiled tensor-core family: each block computes a BM x BN tile of C over K in steps
// of BK, and its warps multiply with mma.sync fed by ldmatrix from shared memory: m16n8k16 with
// float32 accumulators for float16/bfloat16 activations, m16n8k32 with exact int32 accumulators
// for int8 ones. Per step, A's BM x BK tile is copied into shared memory with cp.async (no
// registers), and W's BN x BK tile is loaded into registers, dequantized into A's type (for int8
// A: the integers the codes stand for, as bytes) and stored into shared memory. The loads of W run
// BB_W_AHEAD steps ahead of their use (a ring of register slots), the copies of A
// BB_A_STAGES - 1 steps ahead (a ring of shared tiles), and the dequantized W has two tiles: while
// the warps multiply step s from one, step s + 1's weights go into the other. One barrier per
// step. Handles every weight format and shape of float activations, and for int8 activations
// every integer format where K is a multiple of 16 (the tuner's rule). (common.cuh and
// tile_units.cuh, the units of W and their dequantization, first.)
//
// Schedule parameters (from the emitter):
//   BB_BM, BB_BN, BB_BK        block tile; BK a multiple of 16 (float A) or 32 (int8 A)
//   BB_WARPS_M, BB_WARPS_N     warp grid; BM / WARPS_M and BN / WARPS_N are multiples of 16
//   BB_A_STAGES                (optional) tiles of A in the ring; left out, as many as fit
//   BB_DYNAMIC_SHARED          (optional) the tiles' bytes, past the 48 KiB of static shared
//                              memory: the launch gives them as dynamic shared memory
//                              (tuner/schedule.c, bb_schedule_dynamic_shared)
//
// A tile row holds BK activations of 2 bytes (float) or 1 byte (int8), and the shared memory and
// copy geometry is in bytes: ldmatrix reads an int8 tile's 32 k as it reads a float tile's 16 k,
// and the fragments it gives are those of m16n8k32 as they are those of m16n8k16.
//
// Bounds: rows past M and k past K are zeros in shared memory, and columns past N are never
// stored; K is a multiple of BB_VEC_K (8, or 16 for int8 A), so every vector of a row is wholly
// inside or outside [0, K), and the group size is a multiple of 8, so every 8 weights share one
// scale (int8 A: one scale per column, applied to the exact sums at the end).

#define BB_THREADS (32 * BB_WARPS_M * BB_WARPS_N)
#define BB_WARP_TILE_M (BB_BM / BB_WARPS_M)
#define BB_WARP_TILE_N (BB_BN / BB_WARPS_N)
#define BB_MMA_TILES_M (BB_WARP_TILE_M / 16)
#define BB_MMA_TILES_N (BB_WARP_TILE_N / 8)
#define BB_STEPS ((BB_K + BB_BK - 1) / BB_BK)
#if BB_BK % BB_MMA_K != 0 || (BB_INT8_A && BB_K % BB_VEC_K != 0)
#error "BK must be whole mma steps, and K whole vectors"
#endif
// Row stride of the shared tiles, in bytes: 16 extra bytes per row put the 8 rows one ldmatrix
// reads in 8 different 16-byte bank groups (stride 80 or 144 bytes, both conflict-free).
#define BB_SMEM_PITCH (BB_BK * BB_A_BYTES + 16)
// Shared memory: BB_A_STAGES tiles of A (the schedule's, or 4, 3 or 2: as many as fit beside two
// tiles of W in the 48 KiB of static shared memory), then the two tiles of W. Past 48 KiB, the
// same tiles in dynamic shared memory, whose size the launch gives: the emitter's BB_DYNAMIC_SHARED
// must be exactly the tiles' bytes.
#define BB_A_TILE_BYTES (BB_BM * BB_SMEM_PITCH)
#define BB_W_TILE_BYTES (BB_BN * BB_SMEM_PITCH)
#define BB_SHARED_BYTES(stages) ((stages) * BB_A_TILE_BYTES + 2 * BB_W_TILE_BYTES)
#define BB_A_STAGES_FIT(stages) (BB_SHARED_BYTES(stages) <= 48 * 1024)
#ifndef BB_A_STAGES  // (the emitter leaves both depths to this file; a definition before it wins)
#define BB_A_STAGES (BB_A_STAGES_FIT(4) ? 4 : BB_A_STAGES_FIT(3) ? 3 : 2)
#endif
#if BB_A_STAGES < 2 || BB_A_STAGES > 4
#error "2 to 4 tiles of A"
#endif
#ifdef BB_DYNAMIC_SHARED
#if BB_DYNAMIC_SHARED != BB_SHARED_BYTES(BB_A_STAGES) || BB_DYNAMIC_SHARED <= 48 * 1024
#error "the dynamic shared memory must be the tiles' bytes, and more than 48 KiB"
#endif
#if BB_DYNAMIC_SHARED > 96 * 1024  // BB_MMA_SHARED_MAX (tuner/schedule.h): every device from sm_80
#error "the tiles may take at most 96 KiB of shared memory"
#endif
#elif !BB_A_STAGES_FIT(BB_A_STAGES)
#error "the tiles of A and the two of W must fit in 48 KiB of static shared memory"
#endif
// Steps of W loads in flight. On an H200, 1 to 4 ran level on the winning tiles, and 2 A tiles
// instead of 3-4 were up to 27 % slower (bench/RESULTS.md, nineteenth section).
#ifndef BB_W_AHEAD
#define BB_W_AHEAD 3
#endif
// The tile copies: the block's threads cover BB_COPY_ROWS rows of a tile per pass, BB_BK /
// BB_VEC_K of them per row, each BB_VEC_K consecutive k (16 bytes of A, one unit of W). Thread tid
// takes k offset (tid % BB_ROW_VECTORS) * BB_VEC_K of rows tid / BB_ROW_VECTORS + p * BB_COPY_ROWS,
// p = 0, 1, ...
#define BB_ROW_VECTORS (BB_BK / BB_VEC_K)
#define BB_COPY_ROWS (BB_THREADS / BB_ROW_VECTORS)
#if BB_THREADS % BB_ROW_VECTORS != 0
#error "a tile row's vectors must divide the block's threads"
#endif
#define BB_A_PASSES ((BB_BM + BB_COPY_ROWS - 1) / BB_COPY_ROWS)
#define BB_W_PASSES ((BB_BN + BB_COPY_ROWS - 1) / BB_COPY_ROWS)
#if BB_A_PASSES > 32 || BB_W_PASSES > 32
#error "a thread's rows of a tile must fit the 32 bits of its row masks"
#endif
__device__ __forceinline__ void bb_ldmatrix_x4(bb_u32 (&r)[4], bb_u32 shared_address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address));
}

// What each thread copies, fixed for the whole kernel (only the k step moves).
struct bb_copy_plan {
  int row, col;                // first tile row; k offset within a step
  const bb_u8 *a_source;       // A at (m_block + row, col)
  const bb_u8 *w_source;       // W at (n_block + row, col)
  int n;                       // n_block + row
  bb_u32 a_rows, w_rows;       // bit p: pass p's row is in the tile and inside M (N)
  bb_u32 offset;               // byte offset of (row, col) in a shared tile
};

__device__ __forceinline__ bb_copy_plan bb_copy_plan_make(const bb_u8 *A, const bb_u8 *W, int M,
                                                          int m_block, int n_block, int tid) {
  bb_copy_plan c;
  c.row = tid / BB_ROW_VECTORS;
  c.col = (tid % BB_ROW_VECTORS) * BB_VEC_K;
  c.a_source = A + ((size_t)(m_block + c.row) * BB_K + c.col) * BB_A_BYTES;
  c.n = n_block + c.row;
  c.w_source = W + (size_t)c.n * BB_ROW_BYTES + c.col * BB_W_BITS / 8;
  c.a_rows = c.w_rows = 0;
#pragma unroll
  for (int p = 0; p < BB_A_PASSES; p++) {
    const int row = c.row + p * BB_COPY_ROWS;
    if (row < BB_BM && m_block + row < M) c.a_rows |= 1u << p;
  }
#pragma unroll
  for (int p = 0; p < BB_W_PASSES; p++) {
    const int row = c.row + p * BB_COPY_ROWS;
    if (row < BB_BN && n_block + row < BB_N) c.w_rows |= 1u << p;
  }
  c.offset = (bb_u32)(c.row * BB_SMEM_PITCH + c.col * BB_A_BYTES);
  return c;
}

// Whether this thread's k of the step at k_block is inside K (always, when K is whole steps).
__device__ __forceinline__ bool bb_k_inside(const bb_copy_plan &c, int k_block) {
  return BB_K % BB_BK == 0 || k_block + c.col < BB_K;
}

// Starts the copies of A's tile at k_block into the shared tile at a_tile (zeros for rows past M
// and k past K); the caller commits them.
__device__ __forceinline__ void bb_a_tile_copy(const bb_copy_plan &c, bb_u32 a_tile,
                                               const bb_u8 *__restrict__ A, int k_block) {
  const bool k_inside = bb_k_inside(c, k_block);
#pragma unroll
  for (int p = 0; p < BB_A_PASSES; p++) {
    if (BB_BM % BB_COPY_ROWS != 0 && c.row + p * BB_COPY_ROWS >= BB_BM) break;
    const bool inside = ((c.a_rows >> p) & 1u) && k_inside;
    bb_copy16_async_or_zero(
        a_tile + c.offset + p * BB_COPY_ROWS * BB_SMEM_PITCH,
        inside ? c.a_source + ((size_t)p * BB_COPY_ROWS * BB_K + k_block) * BB_A_BYTES : A, inside);
  }
}

// This thread's units of W's tile at one k step, as loaded, with their group's scale and zero.
struct bb_w_loads {
  bb_u32 words[BB_W_PASSES][BB_UNIT_WORDS];
  bb_group_raw params[BB_W_PASSES];
};

// Loads the units of the tile at k_block (zeros for rows past N and k past K).
__device__ __forceinline__ void bb_w_loads_issue(bb_w_loads &t, const bb_copy_plan &c,
                                                 const bb_scale_t *scales, const void *zeros,
                                                 int k_block) {
  const bool k_inside = bb_k_inside(c, k_block);
  const int group = (k_block + c.col) / BB_GROUP;
#pragma unroll
  for (int p = 0; p < BB_W_PASSES; p++) {
#pragma unroll
    for (int w = 0; w < BB_UNIT_WORDS; w++) t.words[p][w] = 0;
    t.params[p].scale = t.params[p].zero = 0;
    t.params[p].quantized_zero = 0;
    if (((c.w_rows >> p) & 1u) && k_inside) {
      bb_load_unit(t.words[p], c.w_source + (size_t)p * BB_COPY_ROWS * BB_ROW_BYTES +
                                   (size_t)k_block * BB_W_BITS / 8);
#if !BB_INT8_A  // (int8 A: the column's scale applies to the exact sum, at the end)
      t.params[p] = bb_load_group_raw(scales, zeros, c.n + p * BB_COPY_ROWS, group);
#endif
    }
  }
  (void)group;
}

// Dequantizes the loaded units into the shared tile at w_tile, one unit per 16-byte store
// (zeros outside N and K).
__device__ __forceinline__ void bb_w_tile_store(const bb_w_loads &t, const bb_copy_plan &c,
                                                bb_u32 w_tile, int k_block) {
  const bool k_inside = bb_k_inside(c, k_block);
#pragma unroll
  for (int p = 0; p < BB_W_PASSES; p++) {
    if (BB_BN % BB_COPY_ROWS != 0 && c.row + p * BB_COPY_ROWS >= BB_BN) break;
    bb_u32 packed[4];
    bb_unit_dequant(packed, t.words[p], t.params[p]);
    const bool inside = ((c.w_rows >> p) & 1u) && k_inside;
#pragma unroll
    for (int j = 0; j < 4; j++) packed[j] = inside ? packed[j] : 0u;
    bb_store_shared16(w_tile + c.offset + p * BB_COPY_ROWS * BB_SMEM_PITCH, packed);
  }
}

#if BB_INT8_A
typedef int bb_acc_t;  // exact sums
// c += a * b on one m16n8k32 tile: a (16x32, row) int8 activations, b (32x8, col) weight bytes,
// unsigned for uint8 codes.
__device__ __forceinline__ void bb_tile_mma(int (&c)[4], const bb_u32 (&a)[4], bb_u32 b0,
                                            bb_u32 b1) {
  bb_imma_16832<false, BB_W_KIND == BB_WK_UINT && BB_W_BITS == 8>(c, a, b0, b1);
}
#else
typedef float bb_acc_t;
__device__ __forceinline__ void bb_tile_mma(float (&c)[4], const bb_u32 (&a)[4], bb_u32 b0,
                                            bb_u32 b1) {
  bb_mma_16816(c, a, b0, b1);
}
#endif

// acc += this warp's part of the shared tiles a_tile x w_tile^T over the step's BK; a_lane and
// w_lane are the lane's ldmatrix byte offsets into them (kernel).
__device__ __forceinline__ void bb_tiles_multiply(
    bb_acc_t (&acc)[BB_MMA_TILES_M][BB_MMA_TILES_N][4], bb_u32 a_tile, bb_u32 w_tile,
    bb_u32 a_lane, bb_u32 w_lane) {
#pragma unroll
  for (int kk = 0; kk < BB_BK * BB_A_BYTES; kk += 32) {  // one mma's k: 32 bytes of a row
    bb_u32 a_frag[BB_MMA_TILES_M][4];
#pragma unroll
    for (int i = 0; i < BB_MMA_TILES_M; i++)
      bb_ldmatrix_x4(a_frag[i], a_tile + a_lane + i * 16 * BB_SMEM_PITCH + kk);
    bb_u32 b_frag[BB_MMA_TILES_N][2];
#pragma unroll
    for (int j = 0; j < BB_MMA_TILES_N; j += 2) {
      bb_u32 r[4];
      bb_ldmatrix_x4(r, w_tile + w_lane + j * 8 * BB_SMEM_PITCH + kk);
      b_frag[j][0] = r[0];
      b_frag[j][1] = r[1];
      b_frag[j + 1][0] = r[2];
      b_frag[j + 1][1] = r[3];
    }
#pragma unroll
    for (int i = 0; i < BB_MMA_TILES_M; i++)
#pragma unroll
      for (int j = 0; j < BB_MMA_TILES_N; j++)
        bb_tile_mma(acc[i][j], a_frag[i], b_frag[j][0], b_frag[j][1]);
  }
}

extern "C" __global__ void __launch_bounds__(BB_THREADS)
    bitblas_kernel(const void *__restrict__ A_, const bb_u8 *__restrict__ W,
                   const void *__restrict__ scales_, const void *__restrict__ zeros,
                   const void *__restrict__ bias_, const float *__restrict__ a_scale,
                   void *__restrict__ C_, int M) {
  bb_fault_point();
  // The waits return at once: the tiles are always launched the ordinary way
  // (bb_launch_follows_quantizer, bb_launch_runs_dependent), but the next kernel may be launched
  // as their dependent. common.cuh
  bb_dependent_start();
  bb_wait_for_quantizer();
  bb_decode_setup();
#ifdef BB_DYNAMIC_SHARED
  extern __shared__ __align__(16) bb_u8 bb_dynamic_tiles[];
  const bb_u32 a_base = bb_shared_address(bb_dynamic_tiles);
  const bb_u32 w_base = a_base + BB_A_STAGES * BB_A_TILE_BYTES;
#else
  __shared__ __align__(16) bb_u8 a_tiles[BB_A_STAGES][BB_A_TILE_BYTES];
  __shared__ __align__(16) bb_u8 w_tiles[2][BB_W_TILE_BYTES];
  const bb_u32 a_base = bb_shared_address(a_tiles), w_base = bb_shared_address(w_tiles);
#endif
  const bb_u8 *A = (const bb_u8 *)A_;
  const bb_scale_t *scales = (const bb_scale_t *)scales_;
  const bb_out_t *bias = (const bb_out_t *)bias_;
  bb_out_t *C = (bb_out_t *)C_;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = warp / BB_WARPS_N, warp_n = warp % BB_WARPS_N;
  const int m_block = blockIdx.y * BB_BM, n_block = blockIdx.x * BB_BN;
  const bb_copy_plan plan = bb_copy_plan_make(A, W, M, m_block, n_block, tid);
  // ldmatrix rows: for A, lanes 0-15 address rows 0-15 at byte 0 of the mma's k and lanes 16-31
  // the same rows at byte 16 (the a0..a3 order of the A fragment); for W ([n][k], i.e. B in "col"
  // order), lanes 0-7 / 8-15 address n 0-7 at byte 0 / 16 (one n tile), lanes 16-31 the same for
  // n 8-15.
  const bb_u32 a_lane =
      (bb_u32)((warp_m * BB_WARP_TILE_M + (lane & 15)) * BB_SMEM_PITCH + (lane >> 4) * 16);
  const bb_u32 w_lane =
      (bb_u32)((warp_n * BB_WARP_TILE_N + (lane & 7) + ((lane >> 4) << 3)) * BB_SMEM_PITCH +
               ((lane >> 3) & 1) * 16);

  bb_acc_t acc[BB_MMA_TILES_M][BB_MMA_TILES_N][4];
#pragma unroll
  for (int i = 0; i < BB_MMA_TILES_M; i++)
#pragma unroll
    for (int j = 0; j < BB_MMA_TILES_N; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) acc[i][j][e] = 0;

  // Step s: its W loads in slot s % BB_W_AHEAD, its A in A tile s % BB_A_STAGES, its dequantized
  // W in W tile s % 2. One group of copies is committed per step (some empty), so that waiting
  // for all but the newest BB_A_STAGES - 2 groups always means step s + 1's A.
  bb_w_loads loads[BB_W_AHEAD];
#pragma unroll
  for (int t = 0; t < BB_W_AHEAD; t++)
    if (t < BB_STEPS) bb_w_loads_issue(loads[t], plan, scales, zeros, t * BB_BK);
#pragma unroll
  for (int t = 0; t < BB_A_STAGES - 1; t++) {
    if (t < BB_STEPS) bb_a_tile_copy(plan, a_base + t * BB_A_TILE_BYTES, A, t * BB_BK);
    asm volatile("cp.async.commit_group;" ::: "memory");
  }
  asm volatile("cp.async.wait_group %0;" ::"n"(BB_A_STAGES - 2) : "memory");
  bb_w_tile_store(loads[0], plan, w_base, 0);
  __syncthreads();
  int a_read = 0, a_write = BB_A_STAGES - 1;  // A tiles of steps s and s + BB_A_STAGES - 1
  // Unrolled by BB_W_AHEAD, so that every slot index is a constant (registers).
  for (int s0 = 0; s0 < BB_STEPS; s0 += BB_W_AHEAD) {
#pragma unroll
    for (int u = 0; u < BB_W_AHEAD; u++) {
      const int s = s0 + u;
      if (s >= BB_STEPS) break;
      // Slot u held step s's loads, stored at step s - 1; the A tile refilled here was last read
      // by step s - 1's multiply, before the barrier that ended it.
      if (s + BB_W_AHEAD < BB_STEPS)
        bb_w_loads_issue(loads[u], plan, scales, zeros, (s + BB_W_AHEAD) * BB_BK);
      if (s + BB_A_STAGES - 1 < BB_STEPS)
        bb_a_tile_copy(plan, a_base + a_write * BB_A_TILE_BYTES, A,
                       (s + BB_A_STAGES - 1) * BB_BK);
      asm volatile("cp.async.commit_group;" ::: "memory");
      bb_tiles_multiply(acc, a_base + a_read * BB_A_TILE_BYTES,
                        w_base + (s & 1) * BB_W_TILE_BYTES, a_lane, w_lane);
      if (s + 1 < BB_STEPS) {
        asm volatile("cp.async.wait_group %0;" ::"n"(BB_A_STAGES - 2) : "memory");
        bb_w_tile_store(loads[(u + 1) % BB_W_AHEAD], plan,
                        w_base + ((s + 1) & 1) * BB_W_TILE_BYTES, (s + 1) * BB_BK);
      }
      a_read = a_read + 1 == BB_A_STAGES ? 0 : a_read + 1;
      a_write = a_write + 1 == BB_A_STAGES ? 0 : a_write + 1;
      // Step s + 1's tiles are complete, and no warp still reads step s's.
      __syncthreads();
    }
  }

  // Accumulator e of tile (i, j): row lane/4 (+8 for e >= 2), column 2*(lane%4) + (e & 1).
#pragma unroll
  for (int i = 0; i < BB_MMA_TILES_M; i++) {
#pragma unroll
    for (int j = 0; j < BB_MMA_TILES_N; j++) {
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int m = m_block + warp_m * BB_WARP_TILE_M + i * 16 + (lane >> 2) + (e >= 2 ? 8 : 0);
        const int n = n_block + warp_n * BB_WARP_TILE_N + j * 8 + 2 * (lane & 3) + (e & 1);
        if (m >= M || n >= BB_N) continue;
#if BB_INT8_A
        bb_store_exact_sum(C, n, m, acc[i][j][e], scales_, a_scale, bias);
#else
        float value = acc[i][j][e];
#if BB_BIAS
        value += bb_out_to_float(bias[n]);
#endif
        C[(size_t)m * BB_N + n] = bb_float_to_out(value);
#endif
      }
    }
  }
}
