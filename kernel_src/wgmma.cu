// wgmma.cu - the Hopper tile family (sm_90a only): each block computes a BM x BN tile of C over K
// in steps of BK with warpgroup mma (wgmma.mma_async), the tensor cores reading both operands from
// shared memory: A's BM x BK tile copied there with cp.async (no registers), W's BN x BK tile
// loaded into registers, dequantized into A's type (tile_units.cuh) and stored there. Warpgroup
// (i, j) of a BB_GROUPS_M x BB_GROUPS_N grid multiplies rows 64 i .. 64 i + 63 of the tile by its
// BB_BN / BB_GROUPS_N columns: m64nNk16 with float32 accumulators for float16/bfloat16
// activations, m64nNk32 with exact int32 ones for int8 activations. The wgmma of step s is
// asynchronous: while it runs, the same warps copy step s + BB_A_STAGES - 1's activations,
// dequantize step s + 1's weights into the other W tile, fence for the tensor cores and then load
// step s + BB_W_AHEAD's weights; then they wait for it, and one barrier ends the step. Handles
// every integer, table and float8 weight format of 1 to 8 bits with float activations, and every
// integer format with int8 ones where K is a multiple of 16 (the tuner's rules). (common.cuh and
// tile_units.cuh first.)
//
// Schedule parameters (from the emitter):
//   BB_BM, BB_BN, BB_BK        block tile; BM = 64 x BB_GROUPS_M, BK whole mma steps (16 or 32)
//   BB_GROUPS_M, BB_GROUPS_N   warpgroup grid; BN / GROUPS_N is 64, 128 or 256 (the wgmma's N)
//   BB_A_STAGES                tiles of A in the ring, 2 to 4
//   BB_DYNAMIC_SHARED          the tiles' bytes: always dynamic shared memory
//                              (tuner/schedule.c, bb_schedule_dynamic_shared)
//
// Shared layout: wgmma's "no swizzle" layout of K-major operands. A tile is cut into core
// matrices of 8 rows x 16 bytes, each stored as 128 contiguous bytes (row r at byte 16 r); the
// core matrices of a band of 8 rows follow one another along k, 128 bytes apart (the
// descriptors' leading byte offset), and the bands follow one another BB_BAND_BYTES apart (the
// stride byte offset). So the 16-byte vector c of tile row r is at byte
// (r / 8) x BB_BAND_BYTES + 128 c + 16 (r % 8). Copies give 8 consecutive rows of one vector to 8
// consecutive threads: each quarter warp's 16-byte stores fill one core matrix, without bank
// conflicts.
//
// Bounds: rows past M and N and k past K are zeros in shared memory, and C is stored inside M
// and N only. K is a multiple of BB_VEC_K, so every vector of a row is wholly inside or outside
// [0, K).

#if !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#error "the wgmma family needs sm_90a (wgmma.mma_async)"
#endif

#define BB_THREADS (128 * BB_GROUPS_M * BB_GROUPS_N)
#define BB_GROUP_N (BB_BN / BB_GROUPS_N)  // a warpgroup's columns: the N of its wgmma
#define BB_STEPS ((BB_K + BB_BK - 1) / BB_BK)
#define BB_ROW_STEP_BYTES (BB_BK * BB_A_BYTES)  // one tile row
#define BB_ROW_VECTORS (BB_ROW_STEP_BYTES / 16)
#define BB_BAND_BYTES (8 * BB_ROW_STEP_BYTES)  // 8 tile rows: the descriptors' stride byte offset
#define BB_A_TILE_BYTES (BB_BM * BB_ROW_STEP_BYTES)
#define BB_W_TILE_BYTES (BB_BN * BB_ROW_STEP_BYTES)
#define BB_SHARED_BYTES (BB_A_STAGES * BB_A_TILE_BYTES + 2 * BB_W_TILE_BYTES)
#if BB_BM != 64 * BB_GROUPS_M || BB_BN % BB_GROUPS_N != 0
#error "a warpgroup takes 64 rows of the tile and an equal share of its columns"
#endif
#if BB_BK % BB_MMA_K != 0 || BB_ROW_VECTORS < 2 || (BB_INT8_A && BB_K % BB_VEC_K != 0)
#error "BK must be whole mma steps, and K whole vectors"
#endif
#if BB_A_STAGES < 2 || BB_A_STAGES > 4
#error "2 to 4 tiles of A"
#endif
#if !defined(BB_DYNAMIC_SHARED) || BB_DYNAMIC_SHARED != BB_SHARED_BYTES
#error "the dynamic shared memory must be the tiles' bytes"
#endif
#if BB_DYNAMIC_SHARED > 227 * 1024  // BB_WGMMA_SHARED_MAX (tuner/schedule.h): what sm_90 gives
#error "the tiles may take at most 227 KiB of shared memory"
#endif
// Slots of W loads in registers (the accumulators take BB_GROUP_N / 2 per thread): step s stores
// step s + 1's from one slot and then loads step s + BB_W_AHEAD's into another, so at least 2. On
// an H200, 3 ran level with 2 (bench/RESULTS.md, thirty-eighth section).
#ifndef BB_W_AHEAD
#define BB_W_AHEAD 2
#endif
#if BB_W_AHEAD < 2
#error "at least 2 slots of W loads"
#endif

// The copies of A: BB_A_PASSES vectors per thread and step, 8 rows of one vector to 8 threads.
#define BB_A_PASSES (BB_BM * BB_ROW_VECTORS / BB_THREADS)
#if BB_A_PASSES * BB_THREADS != BB_BM * BB_ROW_VECTORS
#error "A's tile must be whole passes of the block's threads"
#endif
// The loads of W: a thread takes a run of BB_RUN_UNITS consecutive units (k) of one tile row per
// pass, of the row's BB_W_ROW_THREADS runs (one per row, or as many as the block has threads per
// row). Pass p's item i = tid + p x BB_THREADS is run (i / 8) % BB_W_ROW_THREADS of tile row
// 8 (i / 8 / BB_W_ROW_THREADS) + i % 8: 8 consecutive threads take 8 consecutive rows of one run
// (their 16-byte stores fill one core matrix, above), and where a row has several runs a warp's
// loads read them side by side (on an H200, 256 x 128 on 4 warpgroups took 10-40 % less time
// than with 32 rows of one run per warp: bench/RESULTS.md, thirty-ninth section).
#define BB_W_ROW_THREADS (BB_THREADS > BB_BN ? BB_THREADS / BB_BN : 1)
#define BB_W_PASSES (BB_BN * BB_W_ROW_THREADS / BB_THREADS)
#define BB_RUN_UNITS (BB_ROW_VECTORS / BB_W_ROW_THREADS)
#if BB_W_PASSES * BB_THREADS != BB_BN * BB_W_ROW_THREADS || BB_BN % 8 != 0 || \
    BB_ROW_VECTORS % BB_W_ROW_THREADS != 0
#error "W's tile rows must be whole passes of the block's threads, and their runs whole units"
#endif
#define BB_RUN_K (BB_RUN_UNITS * BB_VEC_K)
#define BB_RUN_BYTES (BB_RUN_UNITS * BB_UNIT_BYTES)
#define BB_RUN_WORDS (BB_RUN_BYTES >= 4 ? BB_RUN_BYTES / 4 : 1)
// A run is read in pieces of the largest power of two (at most 16 bytes) that divides both its
// bytes and a row's, so that every piece is aligned and none crosses the end of a row.
#define BB_ALIGNMENT(x) \
  ((x) % 16 == 0 ? 16 : (x) % 8 == 0 ? 8 : (x) % 4 == 0 ? 4 : (x) % 2 == 0 ? 2 : 1)
#define BB_PIECE_BYTES                                                                            \
  (BB_ALIGNMENT(BB_RUN_BYTES) < BB_ALIGNMENT(BB_ROW_BYTES) ? BB_ALIGNMENT(BB_RUN_BYTES)           \
                                                           : BB_ALIGNMENT(BB_ROW_BYTES))
#define BB_PIECES (BB_RUN_BYTES / BB_PIECE_BYTES)
// Scales and zeros per run: one where the run lies inside one group (runs start at multiples of
// BB_RUN_K), else one per unit (every unit lies inside one: groups are multiples of 8); none for
// int8 A, whose column scales apply to the exact sums at the end.
#define BB_RUN_GROUPS (BB_INT8_A ? 1 : BB_GROUP % BB_RUN_K == 0 ? 1 : BB_RUN_UNITS)

// ---- the warpgroup mma ------------------------------------------------------------------------
// One m64nNk16 (float activations) or m64nNk32 (int8) per BB_MMA_K of a step, N = BB_GROUP_N, A
// and W from shared memory through descriptors, the accumulators in registers: for float ones
// d[4 j + e] is row 16 w + lane / 4 (+ 8 for e >= 2) of the warpgroup's 64, where w is the warp's
// place in its warpgroup, and column 8 j + 2 (lane % 4) + (e & 1) of its BB_GROUP_N; the same
// for int32 ones.
#if BB_INT8_A
typedef int bb_acc_t;  // exact sums
#define BB_ACC8(i)                                                                               \
  "+r"(d[i]), "+r"(d[i + 1]), "+r"(d[i + 2]), "+r"(d[i + 3]), "+r"(d[i + 4]), "+r"(d[i + 5]),     \
      "+r"(d[i + 6]), "+r"(d[i + 7])
#if BB_W_KIND == BB_WK_UINT && BB_W_BITS == 8
#define BB_WGMMA_SHAPE_TYPES "k32.s32.s8.u8"  // uint8 codes are unsigned bytes
#else
#define BB_WGMMA_SHAPE_TYPES "k32.s32.s8.s8"
#endif
#define BB_WGMMA_SCALES ""  // integer wgmma has no scale or transpose arguments
#else
typedef float bb_acc_t;
#define BB_ACC8(i)                                                                               \
  "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), "+f"(d[i + 4]), "+f"(d[i + 5]),     \
      "+f"(d[i + 6]), "+f"(d[i + 7])
#if BB_A_KIND == 1
#define BB_WGMMA_SHAPE_TYPES "k16.f32.bf16.bf16"
#else
#define BB_WGMMA_SHAPE_TYPES "k16.f32.f16.f16"
#endif
#define BB_WGMMA_SCALES ", 1, 1, 0, 0"  // A and W unscaled, both K-major (not transposed)
#endif
// The asm operand list: the accumulators %0 .. %(N/2 - 1), then the two descriptors and scale-d
// (1: d is added to).
#if BB_GROUP_N == 64
#define BB_WGMMA_N "64"
#define BB_WGMMA_REGS \
  "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, " \
  "%12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, " \
  "%24, %25, %26, %27, %28, %29, %30, %31"
#define BB_WGMMA_DESCRIPTORS "%32, %33"  // of A and of W
#define BB_WGMMA_SCALE_D "%34"
#define BB_WGMMA_ACCUMULATORS \
  BB_ACC8(0), BB_ACC8(8), BB_ACC8(16), BB_ACC8(24)
#elif BB_GROUP_N == 128
#define BB_WGMMA_N "128"
#define BB_WGMMA_REGS \
  "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, " \
  "%12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, " \
  "%24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, " \
  "%36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, " \
  "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, " \
  "%60, %61, %62, %63"
#define BB_WGMMA_DESCRIPTORS "%64, %65"  // of A and of W
#define BB_WGMMA_SCALE_D "%66"
#define BB_WGMMA_ACCUMULATORS \
  BB_ACC8(0), BB_ACC8(8), BB_ACC8(16), BB_ACC8(24), BB_ACC8(32), BB_ACC8(40), \
  BB_ACC8(48), BB_ACC8(56)
#elif BB_GROUP_N == 256
#define BB_WGMMA_N "256"
#define BB_WGMMA_REGS \
  "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, " \
  "%12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, " \
  "%24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, " \
  "%36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, " \
  "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, " \
  "%60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, " \
  "%72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, " \
  "%84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, " \
  "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, " \
  "%108, %109, %110, %111, %112, %113, %114, %115, %116, %117, %118, %119, " \
  "%120, %121, %122, %123, %124, %125, %126, %127"
#define BB_WGMMA_DESCRIPTORS "%128, %129"  // of A and of W
#define BB_WGMMA_SCALE_D "%130"
#define BB_WGMMA_ACCUMULATORS \
  BB_ACC8(0), BB_ACC8(8), BB_ACC8(16), BB_ACC8(24), BB_ACC8(32), BB_ACC8(40), \
  BB_ACC8(48), BB_ACC8(56), BB_ACC8(64), BB_ACC8(72), BB_ACC8(80), BB_ACC8(88), \
  BB_ACC8(96), BB_ACC8(104), BB_ACC8(112), BB_ACC8(120)
#else
#error "a warpgroup's columns (BB_BN / BB_GROUPS_N) must be 64, 128 or 256"
#endif

// d += A x W^T over one mma step: the warpgroup's 64 rows of A and BB_GROUP_N rows of W, at the
// shared-memory descriptors a and w. Asynchronous: it only starts here (bb_wgmma_commit, _wait).
__device__ __forceinline__ void bb_wgmma(bb_acc_t (&d)[BB_GROUP_N / 2], bb_u64 a, bb_u64 w) {
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, " BB_WGMMA_SCALE_D ", 0;\n"
               "wgmma.mma_async.sync.aligned.m64n" BB_WGMMA_N BB_WGMMA_SHAPE_TYPES
               " {" BB_WGMMA_REGS "}, " BB_WGMMA_DESCRIPTORS ", p" BB_WGMMA_SCALES ";\n}\n"
               : BB_WGMMA_ACCUMULATORS
               : "l"(a), "l"(w), "r"(1));
}

// Orders the async proxy's wgmma after this thread's earlier register and shared-memory work:
// before the first wgmma of a step (the accumulators were last touched by the one before).
__device__ __forceinline__ void bb_wgmma_fence() {
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void bb_wgmma_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
}
// Waits until this warpgroup's committed wgmma are done.
__device__ __forceinline__ void bb_wgmma_wait_all() {
  asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
}
// Keeps the compiler from moving accesses to the accumulators across the wgmma that own them
// (the asm above names them; code before and after must not be reordered around it).
__device__ __forceinline__ void bb_accumulators_pin(bb_acc_t (&d)[BB_GROUP_N / 2]) {
#pragma unroll
  for (int i = 0; i < BB_GROUP_N / 2; i++) {
#if BB_INT8_A
    asm volatile("" : "+r"(d[i])::"memory");
#else
    asm volatile("" : "+f"(d[i])::"memory");
#endif
  }
}
// Makes this thread's writes to shared memory (its stores, and its copies once waited for)
// visible to the tensor cores' reads, which go through the async proxy; a barrier follows.
__device__ __forceinline__ void bb_shared_fence_for_wgmma() {
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}

// The descriptor of a K-major operand in the layout above, starting at shared-window address
// `address` (a band's first row, at one mma step's k): no swizzle (bits 62-63 zero), leading
// byte offset 128 (the next core matrix along k), stride byte offset BB_BAND_BYTES (the next
// band of 8 rows); each field in units of 16 bytes.
__device__ __forceinline__ bb_u64 bb_tile_descriptor(bb_u32 address) {
  return (bb_u64)((address & 0x3ffffu) >> 4) | ((bb_u64)(128 >> 4) << 16) |
         ((bb_u64)(BB_BAND_BYTES >> 4) << 32);
}

// Byte offset of the 16-byte vector c of tile row r.
__device__ __forceinline__ bb_u32 bb_vector_offset(int r, int c) {
  return (bb_u32)((r >> 3) * BB_BAND_BYTES + c * 128 + (r & 7) * 16);
}

// ---- the copies of A --------------------------------------------------------------------------

// What each thread copies of A, fixed for the whole kernel (only the k step moves). Pass p's
// vector: index i = tid + p x BB_THREADS, row 8 (i / 8 / BB_ROW_VECTORS) + i % 8, vector
// (i / 8) % BB_ROW_VECTORS. Each pass keeps its own source pointer, so that no copy waits for the
// one before it to release an address register.
struct bb_a_plan {
  const bb_u8 *source[BB_A_PASSES];  // A at (row, vector) of pass p, or at row 0 outside M
  bb_u32 offset[BB_A_PASSES];        // byte offset of (row, vector) in a tile
  int k[BB_A_PASSES];                // the vector's first k within a step
  bb_u32 rows;                       // bit p: pass p's row is inside M
};

__device__ __forceinline__ bb_a_plan bb_a_plan_make(const bb_u8 *A, int M, int m_block, int tid) {
  bb_a_plan plan;
  plan.rows = 0;
#pragma unroll
  for (int p = 0; p < BB_A_PASSES; p++) {
    const int i = tid + p * BB_THREADS;
    const int c = (i >> 3) % BB_ROW_VECTORS, r = ((i >> 3) / BB_ROW_VECTORS) * 8 + (i & 7);
    const bool inside = m_block + r < M;
    plan.rows |= (inside ? 1u : 0u) << p;
    plan.k[p] = c * BB_VEC_K;
    plan.source[p] = A + ((inside ? (size_t)(m_block + r) * BB_K : 0) + plan.k[p]) * BB_A_BYTES;
    plan.offset[p] = bb_vector_offset(r, c);
  }
  return plan;
}

// Starts the copies of A's tile at k_block into the shared tile at a_tile (zeros for rows past M
// and k past K, whose copies read nothing); the caller commits them.
__device__ __forceinline__ void bb_a_tile_copy(const bb_a_plan &plan, bb_u32 a_tile, int k_block) {
#pragma unroll
  for (int p = 0; p < BB_A_PASSES; p++) {
    const bool inside = ((plan.rows >> p) & 1u) && k_block + plan.k[p] < BB_K;
    bb_copy16_async_or_zero(a_tile + plan.offset[p], plan.source[p] + k_block * BB_A_BYTES,
                            inside);
  }
}

// ---- the loads, dequantization and stores of W -------------------------------------------------

// This thread's runs of W's tile at one k step, as loaded, with their groups' scales and zeros.
struct bb_w_runs {
  bb_u32 words[BB_W_PASSES][BB_RUN_WORDS];
  bb_group_raw params[BB_W_PASSES][BB_RUN_GROUPS];
};

// Pass p's tile row, and the run of it this thread takes (both fixed for the kernel). With one run
// per row, item i is simply row i % BB_BN (written so, ptxas needs fewer registers for it).
__device__ __forceinline__ int bb_w_row(int tid, int p) {
  const int i = tid + p * BB_THREADS;
  return BB_W_ROW_THREADS == 1 ? i % BB_BN : (i >> 3) / BB_W_ROW_THREADS * 8 + (i & 7);
}
__device__ __forceinline__ int bb_w_run(int tid, int p) {
  const int i = tid + p * BB_THREADS;
  return BB_W_ROW_THREADS == 1 ? i / BB_BN : (i >> 3) % BB_W_ROW_THREADS;
}

// Loads one piece of a run (BB_PIECE_BYTES at p, aligned to that) into the run's words.
__device__ __forceinline__ void bb_piece_load(bb_u32 (&words)[BB_RUN_WORDS], int piece,
                                              const bb_u8 *p) {
#if BB_PIECE_BYTES == 16
  const uint4 v = *(const uint4 *)p;
  words[4 * piece] = v.x, words[4 * piece + 1] = v.y;
  words[4 * piece + 2] = v.z, words[4 * piece + 3] = v.w;
#elif BB_PIECE_BYTES == 8
  const uint2 v = *(const uint2 *)p;
  words[2 * piece] = v.x, words[2 * piece + 1] = v.y;
#elif BB_PIECE_BYTES == 4
  words[piece] = *(const bb_u32 *)p;
#elif BB_PIECE_BYTES == 2
  words[piece >> 1] |= (bb_u32)(*(const bb_u16 *)p) << (16 * (piece & 1));
#else
  words[piece >> 2] |= (bb_u32)(*p) << (8 * (piece & 3));
#endif
}

// Loads this thread's runs of the tile at k_block (zeros for rows past N and k past K).
__device__ __forceinline__ void bb_w_runs_issue(bb_w_runs &t, const bb_u8 *__restrict__ W,
                                                const bb_scale_t *scales, const void *zeros,
                                                int n_block, int k_block, int tid) {
#pragma unroll
  for (int p = 0; p < BB_W_PASSES; p++) {
    const int n = n_block + bb_w_row(tid, p), k_run = k_block + bb_w_run(tid, p) * BB_RUN_K;
#pragma unroll
    for (int w = 0; w < BB_RUN_WORDS; w++) t.words[p][w] = 0;
#pragma unroll
    for (int g = 0; g < BB_RUN_GROUPS; g++) {
      t.params[p][g].scale = t.params[p][g].zero = 0;
      t.params[p][g].quantized_zero = 0;
    }
    if (n >= BB_N) continue;
    const size_t run_byte = (size_t)k_run * BB_W_BITS / 8;  // inside the row
    const bb_u8 *source = W + (size_t)n * BB_ROW_BYTES + run_byte;
#pragma unroll
    for (int i = 0; i < BB_PIECES; i++)
      if (run_byte + i * BB_PIECE_BYTES < BB_ROW_BYTES)
        bb_piece_load(t.words[p], i, source + i * BB_PIECE_BYTES);
#if !BB_INT8_A  // (int8 A: the column's scale applies to the exact sum, at the end)
#pragma unroll
    for (int g = 0; g < BB_RUN_GROUPS; g++) {
      const int k = k_run + g * (BB_RUN_K / BB_RUN_GROUPS);
      if (k < BB_K) t.params[p][g] = bb_load_group_raw(scales, zeros, n, k / BB_GROUP);
    }
#endif
  }
  (void)scales, (void)zeros;
}

// Dequantizes the loaded runs into the shared tile at w_tile, one unit per 16-byte store (zeros
// outside N and K).
__device__ __forceinline__ void bb_w_tile_store(const bb_w_runs &t, bb_u32 w_tile, int n_block,
                                                int k_block, int tid) {
#pragma unroll
  for (int p = 0; p < BB_W_PASSES; p++) {
    const int r = bb_w_row(tid, p), run = bb_w_run(tid, p);
    const bool row_inside = n_block + r < BB_N;
#pragma unroll
    for (int u = 0; u < BB_RUN_UNITS; u++) {
      bb_u32 unit[BB_UNIT_WORDS];
#if BB_UNIT_BYTES >= 4
#pragma unroll
      for (int w = 0; w < BB_UNIT_WORDS; w++) unit[w] = t.words[p][u * BB_UNIT_WORDS + w];
#else
      const int bit = u * BB_UNIT_BYTES * 8;  // 1- and 2-byte units: the unit's bits alone
      unit[0] = (t.words[p][bit >> 5] >> (bit & 31)) & ((1u << (8 * BB_UNIT_BYTES)) - 1u);
#endif
      bb_u32 packed[4];
      bb_unit_dequant(packed, unit, t.params[p][BB_RUN_GROUPS == 1 ? 0 : u]);
      const int c = run * BB_RUN_UNITS + u;
      const bool inside = row_inside && k_block + c * BB_VEC_K < BB_K;
#pragma unroll
      for (int j = 0; j < 4; j++) packed[j] = inside ? packed[j] : 0u;
      bb_store_shared16(w_tile + bb_vector_offset(r, c), packed);
    }
  }
}

// ---- the kernel -------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(BB_THREADS, 1)
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
  extern __shared__ __align__(128) bb_u8 bb_dynamic_tiles[];
  const bb_u32 a_base = bb_shared_address(bb_dynamic_tiles);
  const bb_u32 w_base = a_base + BB_A_STAGES * BB_A_TILE_BYTES;
  const bb_u8 *A = (const bb_u8 *)A_;
  const bb_scale_t *scales = (const bb_scale_t *)scales_;
  const bb_out_t *bias = (const bb_out_t *)bias_;
  bb_out_t *C = (bb_out_t *)C_;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int group = warp >> 2, group_m = group / BB_GROUPS_N, group_n = group % BB_GROUPS_N;
  const int m_block = blockIdx.y * BB_BM, n_block = blockIdx.x * BB_BN;
  // The warpgroup's first band of A (64 rows: 8 bands) and of W (BB_GROUP_N rows).
  const bb_u32 a_rows = (bb_u32)(group_m * 8 * BB_BAND_BYTES);
  const bb_u32 w_rows = (bb_u32)(group_n * (BB_GROUP_N / 8) * BB_BAND_BYTES);

  const bb_a_plan a_plan = bb_a_plan_make(A, M, m_block, tid);
  bb_acc_t acc[BB_GROUP_N / 2];
#pragma unroll
  for (int i = 0; i < BB_GROUP_N / 2; i++) acc[i] = 0;

  // Step s: its W loads in slot s % BB_W_AHEAD, its A in A tile s % BB_A_STAGES, its dequantized
  // W in W tile s % 2. One group of copies is committed per step (some empty), so that waiting
  // for all but the newest BB_A_STAGES - 2 groups always means step s + 1's A.
  bb_w_runs loads[BB_W_AHEAD];
#pragma unroll
  for (int t = 0; t < BB_W_AHEAD; t++)
    if (t < BB_STEPS) bb_w_runs_issue(loads[t], W, scales, zeros, n_block, t * BB_BK, tid);
#pragma unroll
  for (int t = 0; t < BB_A_STAGES - 1; t++) {
    if (t < BB_STEPS) bb_a_tile_copy(a_plan, a_base + t * BB_A_TILE_BYTES, t * BB_BK);
    asm volatile("cp.async.commit_group;" ::: "memory");
  }
  asm volatile("cp.async.wait_group %0;" ::"n"(BB_A_STAGES - 2) : "memory");
  bb_w_tile_store(loads[0], w_base, n_block, 0, tid);
  bb_shared_fence_for_wgmma();
  __syncthreads();
  int a_read = 0, a_write = BB_A_STAGES - 1;  // A tiles of steps s and s + BB_A_STAGES - 1
  // Unrolled by BB_W_AHEAD, so that every slot index is a constant (registers).
  for (int s0 = 0; s0 < BB_STEPS; s0 += BB_W_AHEAD) {
#pragma unroll
    for (int u = 0; u < BB_W_AHEAD; u++) {
      const int s = s0 + u;
      if (s >= BB_STEPS) break;
      // Step s's tiles are complete and visible (the barrier that ended step s - 1).
      const bb_u32 a_tile = a_base + a_read * BB_A_TILE_BYTES + a_rows;
      const bb_u32 w_tile = w_base + (s & 1) * BB_W_TILE_BYTES + w_rows;
      bb_accumulators_pin(acc);
      bb_wgmma_fence();
#pragma unroll
      for (int kk = 0; kk < BB_BK / BB_MMA_K; kk++)  // one mma step: 2 core matrices along k
        bb_wgmma(acc, bb_tile_descriptor(a_tile + kk * 256), bb_tile_descriptor(w_tile + kk * 256));
      bb_wgmma_commit();
      // While it runs: the copies of step s + BB_A_STAGES - 1's A into the tile step s - 1's
      // wgmma read (every warpgroup waited for it before the barrier); step s + 1's W tile (last
      // read by step s - 1's wgmma too) from slot (u + 1) % BB_W_AHEAD, once this thread's copies
      // of step s + 1's A have landed; then the fence for the tensor cores. The fence waits for
      // this thread's loads still in flight (on an H200 it held every step for the loads issued
      // just before it: bench/RESULTS.md, thirty-eighth section), so the next loads go after it:
      // slot u (step s's, stored at step s - 1) takes step s + BB_W_AHEAD's.
      if (s + BB_A_STAGES - 1 < BB_STEPS)
        bb_a_tile_copy(a_plan, a_base + a_write * BB_A_TILE_BYTES, (s + BB_A_STAGES - 1) * BB_BK);
      asm volatile("cp.async.commit_group;" ::: "memory");
      if (s + 1 < BB_STEPS) {
        asm volatile("cp.async.wait_group %0;" ::"n"(BB_A_STAGES - 2) : "memory");
        bb_w_tile_store(loads[(u + 1) % BB_W_AHEAD], w_base + ((s + 1) & 1) * BB_W_TILE_BYTES,
                        n_block, (s + 1) * BB_BK, tid);
        bb_shared_fence_for_wgmma();
      }
      if (s + BB_W_AHEAD < BB_STEPS)
        bb_w_runs_issue(loads[u], W, scales, zeros, n_block, (s + BB_W_AHEAD) * BB_BK, tid);
      bb_wgmma_wait_all();
      bb_accumulators_pin(acc);
      a_read = a_read + 1 == BB_A_STAGES ? 0 : a_read + 1;
      a_write = a_write + 1 == BB_A_STAGES ? 0 : a_write + 1;
      // Step s + 1's tiles are complete, and no warpgroup still reads step s's.
      __syncthreads();
    }
  }

  // Accumulator 4 j + e: row 16 (warp % 4) + lane / 4 (+ 8 for e >= 2) of the warpgroup's 64,
  // column 8 j + 2 (lane % 4) + (e & 1) of its BB_GROUP_N.
#pragma unroll
  for (int j = 0; j < BB_GROUP_N / 8; j++) {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      const int m = m_block + group_m * 64 + (warp & 3) * 16 + (lane >> 2) + (e >= 2 ? 8 : 0);
      const int n = n_block + group_n * BB_GROUP_N + j * 8 + 2 * (lane & 3) + (e & 1);
      if (m >= M || n >= BB_N) continue;
#if BB_INT8_A
      bb_store_exact_sum(C, n, m, acc[4 * j + e], scales_, a_scale, bias);
#else
      float value = acc[4 * j + e];
#if BB_BIAS
      value += bb_out_to_float(bias[n]);
#endif
      C[(size_t)m * BB_N + n] = bb_float_to_out(value);
#endif
    }
  }
}
