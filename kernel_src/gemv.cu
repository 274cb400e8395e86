// gemv.cu - the small-batch family: CUDA-core dot products, one warp per ROWS_PER_WARP rows of
// W, each lane streaming CHUNK_BYTES-wide slices of a row (UNROLL slices in flight) and reusing
// them for M_TILE rows of A. Handles every format and every shape; tensor cores are mma.cu's.
// (common.cuh comes before this text.)
//
// Schedule parameters (from the emitter):
//   BB_WARPS           warps per block
//   BB_ROWS_PER_WARP   rows of W (outputs n) each warp owns
//   BB_M_TILE          rows of A (outputs m) each block owns; grid.y covers M
//   BB_UNROLL          chunks each lane loads before it computes
//   BB_CHUNK_ELEMS     weights per chunk: divides K and the group, a multiple of 8, at most
//                      128 / BB_W_BITS, so a chunk is 1..16 bytes and lies in one group
//
// Layout assumptions: W plain packed (row n at n * BB_ROW_BYTES; element k at bit k*b), so a
// chunk at element k0 starts at byte k0*b/8, aligned to its own size because k0 is a multiple
// of BB_CHUNK_ELEMS. A rows are K elements; K % 8 == 0 keeps each 8-element slice 16-byte
// (float16) or 8-byte (int8) aligned when A itself is 16-byte aligned (checked by op_run).

#define BB_THREADS (32 * BB_WARPS)
#define BB_CHUNK_BYTES ((BB_CHUNK_ELEMS * BB_W_BITS) / 8)
#define BB_CHUNKS ((BB_K) / (BB_CHUNK_ELEMS))
#define BB_CHUNK_WORDS (BB_CHUNK_BYTES >= 4 ? BB_CHUNK_BYTES / 4 : 1)

// One chunk of packed weights, as little-endian 32-bit words (or one narrower word).
struct bb_chunk {
  bb_u32 word[BB_CHUNK_WORDS];
};

// One chunk of a row, streamed past L1 (see bb_stream_load16).
__device__ __forceinline__ bb_chunk bb_load_chunk(const bb_u8 *p) {
  bb_chunk c;
#if BB_CHUNK_BYTES == 16
  bb_stream_load16(c.word, p);
#elif BB_CHUNK_BYTES == 8
  bb_stream_load8(c.word, p);
#elif BB_CHUNK_BYTES == 4
  c.word[0] = *(const bb_u32 *)p;
#elif BB_CHUNK_BYTES == 2
  c.word[0] = *(const bb_u16 *)p;
#else
  c.word[0] = *p;
#endif
  return c;
}

__device__ __forceinline__ bb_chunk bb_zero_chunk() {
  bb_chunk c;
#pragma unroll
  for (int i = 0; i < BB_CHUNK_WORDS; i++) c.word[i] = 0;
  return c;
}

// The stored code of element j of a chunk (b divides 32, so no element straddles two words).
__device__ __forceinline__ bb_u32 bb_chunk_code(const bb_chunk &c, int j) {
  const int bit = j * BB_W_BITS;
  return (c.word[bit >> 5] >> (bit & 31)) & BB_W_MASK;
}

#if BB_A_KIND == 2
typedef int bb_acc_t;
typedef bb_i8 bb_a_t;
#else
typedef float bb_acc_t;
typedef bb_u16 bb_a_t;
#endif

// Eight consecutive activations of one row as float (or int for int8), zero beyond M.
struct bb_a8 {
  bb_acc_t v[8];
};

__device__ __forceinline__ bb_a8 bb_load_a8(const bb_a_t *A, int m, int k) {
  bb_a8 a;
  if (m >= 0) {
#if BB_A_KIND == 2
    const uint2 raw = *(const uint2 *)(A + (size_t)m * BB_K + k);
#pragma unroll
    for (int j = 0; j < 8; j++) {
      const bb_u32 word = j < 4 ? raw.x : raw.y;
      a.v[j] = (int)(bb_i8)((word >> (8 * (j & 3))) & 0xffu);
    }
#else
    const uint4 raw = *(const uint4 *)(A + (size_t)m * BB_K + k);
    const bb_u32 words[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
    for (int j = 0; j < 8; j++)
      a.v[j] = bb_activation_to_float((bb_u16)(words[j >> 1] >> (16 * (j & 1))));
#endif
  } else {
#pragma unroll
    for (int j = 0; j < 8; j++) a.v[j] = 0;
  }
  return a;
}

extern "C" __global__ void __launch_bounds__(BB_THREADS)
    bitblas_kernel(const void *__restrict__ A_, const bb_u8 *__restrict__ W,
                   const void *__restrict__ scales_, const void *__restrict__ zeros,
                   const void *__restrict__ bias_, const float *__restrict__ a_scale,
                   void *__restrict__ C_, int M) {
  bb_fault_point();
  bb_dependent_start();  // before any load: common.cuh
  bb_decode_setup();     // before the warps that have no rows leave
  const bb_a_t *A = (const bb_a_t *)A_;
  const bb_scale_t *scales = (const bb_scale_t *)scales_;
  const bb_out_t *bias = (const bb_out_t *)bias_;
  bb_out_t *C = (bb_out_t *)C_;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int n_base = (blockIdx.x * BB_WARPS + warp) * BB_ROWS_PER_WARP;
  const int m_base = blockIdx.y * BB_M_TILE;
  if (n_base >= BB_N) return;  // the whole warp leaves together; no block barrier follows

  bb_acc_t acc[BB_M_TILE][BB_ROWS_PER_WARP];
#pragma unroll
  for (int i = 0; i < BB_M_TILE; i++)
#pragma unroll
    for (int r = 0; r < BB_ROWS_PER_WARP; r++) acc[i][r] = 0;

  bb_wait_for_quantizer();  // A (and a_scale) may still be on their way: common.cuh
  for (int chunk0 = lane; chunk0 < BB_CHUNKS; chunk0 += 32 * BB_UNROLL) {
    // Issue every load of this step before the first use.
    bb_chunk w[BB_UNROLL][BB_ROWS_PER_WARP];
#pragma unroll
    for (int u = 0; u < BB_UNROLL; u++) {
      const int chunk = chunk0 + 32 * u;
#pragma unroll
      for (int r = 0; r < BB_ROWS_PER_WARP; r++) {
        const int n = n_base + r;
        w[u][r] = (chunk < BB_CHUNKS && n < BB_N)
                      ? bb_load_chunk(W + (size_t)n * BB_ROW_BYTES + (size_t)chunk * BB_CHUNK_BYTES)
                      : bb_zero_chunk();
      }
    }
#pragma unroll
    for (int u = 0; u < BB_UNROLL; u++) {
      const int chunk = chunk0 + 32 * u;
      if (chunk >= BB_CHUNKS) continue;
      const int k0 = chunk * BB_CHUNK_ELEMS;
      bb_acc_t dot[BB_M_TILE][BB_ROWS_PER_WARP];
      bb_acc_t a_sum[BB_M_TILE];
#pragma unroll
      for (int i = 0; i < BB_M_TILE; i++) {
        a_sum[i] = 0;
#pragma unroll
        for (int r = 0; r < BB_ROWS_PER_WARP; r++) dot[i][r] = 0;
      }
#pragma unroll
      for (int s = 0; s < BB_CHUNK_ELEMS / 8; s++) {
#pragma unroll
        for (int i = 0; i < BB_M_TILE; i++) {
          const int m = m_base + i;
          const bb_a8 a = bb_load_a8(A, m < M ? m : -1, k0 + 8 * s);
#pragma unroll
          for (int j = 0; j < 8; j++) a_sum[i] += a.v[j];
#pragma unroll
          for (int r = 0; r < BB_ROWS_PER_WARP; r++) {
#pragma unroll
            for (int j = 0; j < 8; j++) {
              const bb_u32 code = bb_chunk_code(w[u][r], 8 * s + j);
#if BB_A_KIND == 2
              dot[i][r] += a.v[j] * bb_decode_int(code);
#else
              dot[i][r] = fmaf(a.v[j], bb_decode(code), dot[i][r]);
#endif
            }
          }
        }
      }
      // Apply the chunk's group scale once: sum a (q s + o) = s * sum a q + o * sum a.
#pragma unroll
      for (int r = 0; r < BB_ROWS_PER_WARP; r++) {
#if BB_A_KIND != 2 && BB_SCALING
        const int n = n_base + r < BB_N ? n_base + r : BB_N - 1;
        const bb_group_affine affine = bb_load_group_affine(scales, zeros, n, k0 / BB_GROUP);
#endif
#pragma unroll
        for (int i = 0; i < BB_M_TILE; i++) {
#if BB_A_KIND != 2 && BB_SCALING
#if BB_ZEROS
          acc[i][r] += affine.scale * dot[i][r] + affine.offset * a_sum[i];
#else
          acc[i][r] = fmaf(affine.scale, dot[i][r], acc[i][r]);
#endif
#else
          acc[i][r] += dot[i][r];
#endif
        }
      }
      (void)a_sum;
    }
  }

  // Reduce across the warp, then lane 0 finishes each output.
#pragma unroll
  for (int i = 0; i < BB_M_TILE; i++)
#pragma unroll
    for (int r = 0; r < BB_ROWS_PER_WARP; r++)
#pragma unroll
      for (int offset = 16; offset > 0; offset >>= 1)
        acc[i][r] += __shfl_xor_sync(0xffffffffu, acc[i][r], offset);
  if (lane != 0) return;
#pragma unroll
  for (int i = 0; i < BB_M_TILE; i++) {
    const int m = m_base + i;
    if (m >= M) continue;
#pragma unroll
    for (int r = 0; r < BB_ROWS_PER_WARP; r++) {
      const int n = n_base + r;
      if (n >= BB_N) continue;
#if BB_A_KIND == 2
      bb_store_exact_sum(C, n, m, acc[i][r], scales_, a_scale, bias);
#else
      float value = acc[i][r];
#if BB_BIAS
      value += bb_out_to_float(bias[n]);
#endif
      C[(size_t)m * BB_N + n] = bb_float_to_out(value);
#endif
    }
  }
}
