// quantize_rows.cu - the activation quantizer of the BitNet b1.58 layer (SPEC section 2): each row
// (token) x of K values in the output's float type becomes int8 codes and one float32 scale,
//   si = 127 / max(max |x|, 1e-5),  x_q = clamp(rint(x * si), -128, 127),
//   a_scale = max(max |x|, 1e-5) / 127   (so that C = a_scale * sum(x_q w) undoes si),
// each a float32 operation rounded to nearest (rint: half to even, as PyTorch's round), so the
// CPU reference (src/bitnet.c) gives the same bytes. The emitter appends this file to the
// product kernel's source for every config with int8 A, a per-row a_scale and a float output
// (bb_config_quantizes_rows): the operator's module then holds both kernels, and one cache row
// serves the whole layer. It is not a candidate and is not tuned: one block per row.
// (common.cuh and the family's template come before this text.)
#if BB_OUT_KIND == 3
#error "the row quantizer reads activations of the output's float type"
#endif
#if BB_K % 8 != 0
#error "K must be a multiple of 8"
#endif

#define BB_QR_THREADS 256
#define BB_QR_VECTOR (BB_OUT_KIND == 2 ? 4 : 8)  // values per 16-byte load of x (float32: 4)
#define BB_QR_VECTORS (BB_K / BB_QR_VECTOR)      // per row: K is a multiple of 8

// The block's largest value of v, in every thread. Needs BB_QR_THREADS / 32 floats of shared.
__device__ __forceinline__ float bb_block_max(float v, float *shared) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = shared[0];
#pragma unroll
  for (int w = 1; w < BB_QR_THREADS / 32; w++) v = fmaxf(v, shared[w]);
  return v;
}

// One 16-byte load of x as floats.
__device__ __forceinline__ void bb_qr_load(float (&values)[BB_QR_VECTOR], const bb_out_t *p) {
  union {
    uint4 raw;
    bb_out_t v[BB_QR_VECTOR];
  } loaded;
  loaded.raw = *(const uint4 *)p;
#pragma unroll
  for (int i = 0; i < BB_QR_VECTOR; i++) values[i] = bb_out_to_float(loaded.v[i]);
}

// x [m, K] (16-byte aligned rows), x_q [m, K] int8 (rows 8-byte aligned: K is a multiple of 8),
// a_scale [m]. Grid: one block per row.
extern "C" __global__ void __launch_bounds__(BB_QR_THREADS)
    bitblas_quantize_rows(const bb_out_t *__restrict__ x, bb_i8 *__restrict__ x_q,
                          float *__restrict__ a_scale) {
  // The product behind this kernel (bitblas_bitnet_run) may be launched now; it waits for this
  // grid to finish before it reads x_q (bb_wait_for_quantizer, common.cuh).
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
  __shared__ float partial[BB_QR_THREADS / 32];
  const size_t row = blockIdx.x;
  const bb_out_t *x_row = x + row * BB_K;
  float largest = 0.0f;
  for (int v = threadIdx.x; v < BB_QR_VECTORS; v += BB_QR_THREADS) {
    float values[BB_QR_VECTOR];
    bb_qr_load(values, x_row + v * BB_QR_VECTOR);
#pragma unroll
    for (int i = 0; i < BB_QR_VECTOR; i++) largest = fmaxf(largest, fabsf(values[i]));
  }
  const float bound = fmaxf(bb_block_max(largest, partial), 1e-5f);
  const float si = __fdiv_rn(127.0f, bound);
  if (threadIdx.x == 0) a_scale[row] = __fdiv_rn(bound, 127.0f);
  // The second pass reads the row again (from L1/L2: a row is at most a few hundred KiB).
  bb_i8 *q_row = x_q + row * BB_K;
  for (int v = threadIdx.x; v < BB_QR_VECTORS; v += BB_QR_THREADS) {
    float values[BB_QR_VECTOR];
    bb_qr_load(values, x_row + v * BB_QR_VECTOR);
    union {
      bb_i8 q[BB_QR_VECTOR];
      bb_u32 words[BB_QR_VECTOR / 4];
    } codes;
#pragma unroll
    for (int i = 0; i < BB_QR_VECTOR; i++) {
      const int q = __float2int_rn(__fmul_rn(values[i], si));
      codes.q[i] = (bb_i8)min(max(q, -128), 127);
    }
#if BB_QR_VECTOR == 8
    uint2 pair;
    pair.x = codes.words[0];
    pair.y = codes.words[1];
    *(uint2 *)(q_row + v * 8) = pair;
#else
    *(bb_u32 *)(q_row + v * 4) = codes.words[0];
#endif
  }
}
