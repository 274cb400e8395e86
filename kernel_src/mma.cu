// mma.cu - the tiled tensor-core family for float16/bfloat16 activations: each block loads a
// BM x BK tile of A and a BN x BK tile of W, dequantizes W into shared memory in A's type, and
// its warps multiply with mma.sync m16n8k16 (float32 accumulators) fed by ldmatrix. The next
// tiles' loads go out into registers before the current tiles' mma, so that their latency is
// spent multiplying. Handles every weight format and shape; int8 activations use gemv.cu.
// (common.cuh first.)
//
// Schedule parameters (from the emitter):
//   BB_BM, BB_BN, BB_BK        block tile; BK a multiple of 16
//   BB_WARPS_M, BB_WARPS_N     warp grid; BM / WARPS_M and BN / WARPS_N are multiples of 16
//
// Bounds: rows past M, columns past N and k past K are loaded as zeros and never stored; K is a
// multiple of 8, so every 8-element vector is wholly inside or outside [0, K), and the group
// size is a multiple of 8, so every 8 weights share one scale.

#define BB_THREADS (32 * BB_WARPS_M * BB_WARPS_N)
#define BB_WARP_TILE_M (BB_BM / BB_WARPS_M)
#define BB_WARP_TILE_N (BB_BN / BB_WARPS_N)
#define BB_MMA_TILES_M (BB_WARP_TILE_M / 16)
#define BB_MMA_TILES_N (BB_WARP_TILE_N / 8)
// Row stride of the shared tiles, in 16-bit elements: 16 extra bytes per row put the 8 rows one
// ldmatrix reads in 8 different 16-byte bank groups (stride 80 or 144 bytes, both conflict-free).
#define BB_SMEM_STRIDE (BB_BK + 8)
#define BB_UNIT_WORDS (BB_W_BITS >= 4 ? BB_W_BITS / 4 : 1)  // 8 weights = BB_W_BITS bytes

__device__ __forceinline__ bb_u32 bb_shared_address(const void *pointer) {
  bb_u32 address;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }"
      : "=r"(address)
      : "l"(pointer));
  return address;
}

__device__ __forceinline__ void bb_ldmatrix_x4(bb_u32 (&r)[4], const bb_u16 *pointer) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(bb_shared_address(pointer)));
}

__device__ __forceinline__ bb_u16 bb_float_to_activation(float f) {
#if BB_A_KIND == 1
  return bb_float_to_bfloat16(f);
#else
  return bb_float_to_half(f);
#endif
}

// Loads 8 packed weights (BB_W_BITS bytes, aligned to that size) as little-endian words.
__device__ __forceinline__ void bb_load_unit(bb_u32 (&word)[BB_UNIT_WORDS], const bb_u8 *p) {
#if BB_W_BITS == 16
  const uint4 v = *(const uint4 *)p;
  word[0] = v.x; word[1] = v.y; word[2] = v.z; word[3] = v.w;
#elif BB_W_BITS == 8
  const uint2 v = *(const uint2 *)p;
  word[0] = v.x; word[1] = v.y;
#elif BB_W_BITS == 4
  word[0] = *(const bb_u32 *)p;
#elif BB_W_BITS == 2
  word[0] = *(const bb_u16 *)p;
#else
  word[0] = *p;
#endif
}

// One k step's tiles as loaded from global memory, before they are stored into shared memory:
// each thread's 16-byte vectors of A and 8-weight units of W (with their group's scale and zero),
// those of index tid, tid + BB_THREADS, ... Entries past the tile or outside M, N or K hold
// zeros (and are stored as zeros).
#define BB_A_VECTORS (BB_BM * (BB_BK / 8))
#define BB_W_UNITS (BB_BN * (BB_BK / 8))
#define BB_A_STEPS ((BB_A_VECTORS + BB_THREADS - 1) / BB_THREADS)
#define BB_W_STEPS ((BB_W_UNITS + BB_THREADS - 1) / BB_THREADS)
struct bb_tile_loads {
  uint4 a[BB_A_STEPS];
  bb_u32 w[BB_W_STEPS][BB_UNIT_WORDS];
  bb_group_raw params[BB_W_STEPS];
};

__device__ __forceinline__ void bb_tile_loads_issue(bb_tile_loads &t, const bb_u16 *__restrict__ A,
                                                    const bb_u8 *__restrict__ W,
                                                    const bb_scale_t *scales, const void *zeros,
                                                    int M, int m_block, int n_block, int k_block,
                                                    int tid) {
#pragma unroll
  for (int i = 0; i < BB_A_STEPS; i++) {
    const int v = tid + i * BB_THREADS;
    const int m = m_block + v / (BB_BK / 8), k = k_block + (v % (BB_BK / 8)) * 8;
    t.a[i] = make_uint4(0, 0, 0, 0);
    if (v < BB_A_VECTORS && m < M && k < BB_K) t.a[i] = *(const uint4 *)(A + (size_t)m * BB_K + k);
  }
#pragma unroll
  for (int i = 0; i < BB_W_STEPS; i++) {
    const int v = tid + i * BB_THREADS;
    const int n = n_block + v / (BB_BK / 8), k = k_block + (v % (BB_BK / 8)) * 8;
#pragma unroll
    for (int u = 0; u < BB_UNIT_WORDS; u++) t.w[i][u] = 0;
    t.params[i].scale = t.params[i].zero = 0;
    t.params[i].quantized_zero = 0;
    if (v < BB_W_UNITS && n < BB_N && k < BB_K) {
      bb_load_unit(t.w[i], W + (size_t)n * BB_ROW_BYTES + (size_t)k * BB_W_BITS / 8);
      t.params[i] = bb_load_group_raw(scales, zeros, n, k / BB_GROUP);
    }
  }
}

// Stores the loaded tiles into shared memory: A as loaded; W decoded, scaled and rounded to A's
// type, 8 weights per 16-byte store (zeros outside N and K).
__device__ __forceinline__ void bb_tile_loads_store(const bb_tile_loads &t, bb_u16 *a_tile,
                                                    bb_u16 *w_tile, int n_block, int k_block,
                                                    int tid) {
#pragma unroll
  for (int i = 0; i < BB_A_STEPS; i++) {
    const int v = tid + i * BB_THREADS;
    if (v < BB_A_VECTORS)
      *(uint4 *)(a_tile + (v / (BB_BK / 8)) * BB_SMEM_STRIDE + (v % (BB_BK / 8)) * 8) = t.a[i];
  }
#pragma unroll
  for (int i = 0; i < BB_W_STEPS; i++) {
    const int v = tid + i * BB_THREADS;
    if (v >= BB_W_UNITS) continue;
    const int row = v / (BB_BK / 8), col = (v % (BB_BK / 8)) * 8;
    const int n = n_block + row, k = k_block + col;
    bb_u32 packed[4] = {0, 0, 0, 0};
    if (n < BB_N && k < BB_K) {
      const bb_group_affine affine = bb_group_affine_make(t.params[i]);
#pragma unroll
      for (int j = 0; j < 8; j++) {
        const int bit = j * BB_W_BITS;
        const bb_u32 code = (t.w[i][bit >> 5] >> (bit & 31)) & BB_W_MASK;
#if BB_SCALING
        const float value = fmaf(bb_decode(code), affine.scale, affine.offset);
#else
        const float value = bb_decode(code);
#endif
        packed[j >> 1] |= (bb_u32)bb_float_to_activation(value) << (16 * (j & 1));
      }
      (void)affine;
    }
    *(uint4 *)(w_tile + row * BB_SMEM_STRIDE + col) =
        make_uint4(packed[0], packed[1], packed[2], packed[3]);
  }
}

extern "C" __global__ void __launch_bounds__(BB_THREADS)
    bitblas_kernel(const void *__restrict__ A_, const bb_u8 *__restrict__ W,
                   const void *__restrict__ scales_, const void *__restrict__ zeros,
                   const void *__restrict__ bias_, const float *__restrict__ a_scale,
                   void *__restrict__ C_, int M) {
  bb_fault_point();
  __shared__ __align__(16) bb_u16 a_tile[BB_BM * BB_SMEM_STRIDE];
  __shared__ __align__(16) bb_u16 w_tile[BB_BN * BB_SMEM_STRIDE];
  const bb_u16 *A = (const bb_u16 *)A_;
  const bb_scale_t *scales = (const bb_scale_t *)scales_;
  const bb_out_t *bias = (const bb_out_t *)bias_;
  bb_out_t *C = (bb_out_t *)C_;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = warp / BB_WARPS_N, warp_n = warp % BB_WARPS_N;
  const int m_block = blockIdx.y * BB_BM, n_block = blockIdx.x * BB_BN;

  float acc[BB_MMA_TILES_M][BB_MMA_TILES_N][4];
#pragma unroll
  for (int i = 0; i < BB_MMA_TILES_M; i++)
#pragma unroll
    for (int j = 0; j < BB_MMA_TILES_N; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) acc[i][j][e] = 0.0f;

  bb_tile_loads loads;
  bb_tile_loads_issue(loads, A, W, scales, zeros, M, m_block, n_block, 0, tid);
  for (int k_block = 0; k_block < BB_K; k_block += BB_BK) {
    bb_tile_loads_store(loads, a_tile, w_tile, n_block, k_block, tid);
    __syncthreads();
    // The next tiles' loads, in flight while this one is multiplied.
    if (k_block + BB_BK < BB_K)
      bb_tile_loads_issue(loads, A, W, scales, zeros, M, m_block, n_block, k_block + BB_BK, tid);

#pragma unroll
    for (int kk = 0; kk < BB_BK; kk += 16) {
      bb_u32 a_frag[BB_MMA_TILES_M][4];
#pragma unroll
      for (int i = 0; i < BB_MMA_TILES_M; i++) {
        // Lanes 0-15 address rows 0-15 at kk, lanes 16-31 rows 0-15 at kk + 8: the four
        // 8x8 matrices come back in the a0..a3 order of the m16n8k16 A fragment.
        const int row = warp_m * BB_WARP_TILE_M + i * 16 + (lane & 15);
        bb_ldmatrix_x4(a_frag[i], a_tile + row * BB_SMEM_STRIDE + kk + (lane >> 4) * 8);
      }
      bb_u32 b_frag[BB_MMA_TILES_N][2];
#pragma unroll
      for (int j = 0; j < BB_MMA_TILES_N; j += 2) {
        // W is [n][k] in shared memory, i.e. B in "col" order: no transpose. Lanes 0-7 / 8-15
        // address n 0-7 at kk / kk + 8 (tile j), lanes 16-31 the same for n 8-15 (tile j + 1).
        const int row = warp_n * BB_WARP_TILE_N + j * 8 + (lane & 7) + ((lane >> 4) << 3);
        bb_u32 r[4];
        bb_ldmatrix_x4(r, w_tile + row * BB_SMEM_STRIDE + kk + ((lane >> 3) & 1) * 8);
        b_frag[j][0] = r[0];
        b_frag[j][1] = r[1];
        b_frag[j + 1][0] = r[2];
        b_frag[j + 1][1] = r[3];
      }
#pragma unroll
      for (int i = 0; i < BB_MMA_TILES_M; i++)
#pragma unroll
        for (int j = 0; j < BB_MMA_TILES_N; j++)
          bb_mma_16816(acc[i][j], a_frag[i], b_frag[j][0], b_frag[j][1]);
    }
    __syncthreads();
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
        float value = acc[i][j][e];
#if BB_BIAS
        value += bb_out_to_float(bias[n]);
#endif
        C[(size_t)m * BB_N + n] = bb_float_to_out(value);
      }
    }
  }
}
