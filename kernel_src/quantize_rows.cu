// quantize_rows.cu - the activation quantizer of the BitNet b1.58 layer (SPEC section 2): each row
// (token) x of K values in the output's float type becomes int8 codes and one float32 scale,
//   si = 127 / max(max |x|, 1e-5),  x_q = clamp(rint(x * si), -128, 127),
//   a_scale = max(max |x|, 1e-5) / 127   (so that C = a_scale * sum(x_q w) undoes si),
// each a float32 operation rounded to nearest (rint: half to even, as PyTorch's round), so the
// CPU reference (src/bitnet.c) gives the same bytes. The emitter puts this file between
// common.cuh and the product's template for every config with int8 A, a per-row a_scale and a
// float output (bb_config_quantizes_rows): the operator's module then holds both kernels, and
// one cache row serves the whole layer. The quantizer is not a candidate and is not tuned: one
// block per row. bb_quantize_rows_to_shared below does the same inside a product's block
// (tcgemv_int8.cu's bitblas_quantize_and_multiply), so that small layers run as one kernel.
#if BB_OUT_KIND == 3
#error "the row quantizer reads activations of the output's float type"
#endif
#if BB_K % 8 != 0
#error "K must be a multiple of 8"
#endif

#define BB_ROW_QUANTIZER 1  // the product's template may build on what is below
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

// One 16-byte load of x: BB_QR_VECTOR values of the output's float type.
__device__ __forceinline__ uint4 bb_qr_load(const bb_out_t *p) { return *(const uint4 *)p; }

// The values of one load as floats.
__device__ __forceinline__ void bb_qr_floats(float (&values)[BB_QR_VECTOR], uint4 raw) {
  union {
    uint4 raw;
    bb_out_t v[BB_QR_VECTOR];
  } loaded;
  loaded.raw = raw;
#pragma unroll
  for (int i = 0; i < BB_QR_VECTOR; i++) values[i] = bb_out_to_float(loaded.v[i]);
}

#if BB_OUT_KIND != 2
// The larger of two pairs of 16-bit floats of the output's type, lane by lane; a NaN lane gives
// the other operand's (max.f16x2 / max.bf16x2, as fmaxf).
__device__ __forceinline__ bb_u32 bb_qr_max2(bb_u32 a, bb_u32 b) {
  bb_u32 d;
#if BB_OUT_KIND == 0
  asm("max.f16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
#else
  asm("max.bf16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
#endif
  return d;
}
#endif

// The largest magnitude of one load's values, from +0 up; NaN is passed over (fmaxf). 16-bit
// values are compared two at a time with their sign bits cleared, before any conversion: the
// conversion to float is exact and keeps their order.
__device__ __forceinline__ float bb_qr_largest(uint4 raw) {
#if BB_OUT_KIND == 2
  const float a = fmaxf(fabsf(__uint_as_float(raw.x)), fabsf(__uint_as_float(raw.y)));
  const float b = fmaxf(fabsf(__uint_as_float(raw.z)), fabsf(__uint_as_float(raw.w)));
  return fmaxf(fmaxf(a, b), 0.0f);
#else
  const bb_u32 magnitudes = 0x7fff7fffu;
  const bb_u32 pairs = bb_qr_max2(bb_qr_max2(raw.x & magnitudes, raw.y & magnitudes),
                                  bb_qr_max2(raw.z & magnitudes, raw.w & magnitudes));
  // A lane that was NaN in all four words is still NaN: fmaxf passes over it.
  return fmaxf(fmaxf(bb_out_to_float((bb_out_t)(pairs & 0xffffu)),
                     bb_out_to_float((bb_out_t)(pairs >> 16))),
               0.0f);
#endif
}

// The code clamp(rint(scaled), -128, 127) of scaled = x * si, as the low byte of a word. One
// addition of 1.5 * 2^23 leaves rint(scaled) (half to even) in the low bits of the sum's
// significand, so no conversion instruction is needed. No clamp is needed either: |x| is at most
// the row's bound, so |scaled| <= 127 (1 + 2^-24) before its rounding and the code is within
// -127 .. 127. NaN (x NaN, or x infinite, which makes si 0) must give 0, as cvt.rni does: its
// sum is a NaN, whose bits (unsigned) lie above every other sum's, and the min turns them into a
// word whose low byte is 0.
__device__ __forceinline__ bb_u32 bb_qr_code(float scaled) {
  const bb_u32 sum = __float_as_uint(__fadd_rn(scaled, 12582912.0f));
  return min(sum, 0x4b400100u);  // 0x4b400000 + 256: above the sum of any code, low byte 0
}

// One load's values as codes clamp(rint(x * si), -128, 127), stored at q (8- or 4-byte aligned).
__device__ __forceinline__ void bb_qr_store(bb_i8 *q, uint4 raw, float si) {
  float values[BB_QR_VECTOR];
  bb_qr_floats(values, raw);
  bb_u32 words[BB_QR_VECTOR / 4];
#pragma unroll
  for (int w = 0; w < BB_QR_VECTOR / 4; w++) {
    bb_u32 codes[4];
#pragma unroll
    for (int i = 0; i < 4; i++) codes[i] = bb_qr_code(__fmul_rn(values[4 * w + i], si));
    // Byte 0 of each: 0x0040 picks (a.0, b.0) into bytes 0 and 1, 0x5410 joins the two halves.
    words[w] = bb_prmt(bb_prmt(codes[0], codes[1], 0x0040u), bb_prmt(codes[2], codes[3], 0x0040u),
                       0x5410u);
  }
#if BB_QR_VECTOR == 8
  uint2 pair;
  pair.x = words[0];
  pair.y = words[1];
  *(uint2 *)q = pair;
#else
  *(bb_u32 *)q = words[0];
#endif
}

// si and a_scale of a row from its largest magnitude.
__device__ __forceinline__ float bb_qr_bound(float largest) { return fmaxf(largest, 1e-5f); }

// x [m, K] (16-byte aligned rows), x_q [m, K] int8 (rows 8-byte aligned: K is a multiple of 8),
// a_scale [m]. Grid: one block per row.
extern "C" __global__ void __launch_bounds__(BB_QR_THREADS)
    bitblas_quantize_rows(const bb_out_t *__restrict__ x, bb_i8 *__restrict__ x_q,
                          float *__restrict__ a_scale) {
  // The product behind this kernel (bitblas_bitnet_run) may be launched now; it waits for this
  // grid to finish before it reads x_q (bb_wait_for_quantizer, common.cuh).
  bb_pair_start();
  __shared__ float partial[BB_QR_THREADS / 32];
  const size_t row = blockIdx.x;
  const bb_out_t *x_row = x + row * BB_K;
  float largest = 0.0f;
  for (int v = threadIdx.x; v < BB_QR_VECTORS; v += BB_QR_THREADS)
    largest = fmaxf(largest, bb_qr_largest(bb_qr_load(x_row + v * BB_QR_VECTOR)));
  const float bound = bb_qr_bound(bb_block_max(largest, partial));
  const float si = __fdiv_rn(127.0f, bound);
  if (threadIdx.x == 0) a_scale[row] = __fdiv_rn(bound, 127.0f);
  // The second pass reads the row again (from L1/L2: a row is at most a few hundred KiB).
  bb_i8 *q_row = x_q + row * BB_K;
  for (int v = threadIdx.x; v < BB_QR_VECTORS; v += BB_QR_THREADS)
    bb_qr_store(q_row + v * BB_QR_VECTOR, bb_qr_load(x_row + v * BB_QR_VECTOR), si);
}

// ---- the same quantization inside a product's block ----------------------------------------------
// bitblas_quantize_and_multiply (tcgemv_int8.cu) quantizes the rows of x that its block multiplies
// into shared memory itself, so that the layer is one kernel rather than the quantizer and then
// the product. Every block reads its rows whole (the largest magnitude needs all of K), so it
// pays where the rows are few and short (tuner/launch.h: bb_fused_layer_fits). The steps are the
// ones above, so the codes and scales are the same bytes.
// Rows of codes in shared memory lie BB_FUSED_PITCH bytes apart: the 16 bytes beyond K move
// each row's banks, so that the product's loads of 8 rows at once conflict less.
#define BB_FUSED_PITCH (BB_K + 16)
#define BB_FUSED_LOADS 4  // loads of x in flight per thread in the first pass

// The largest of v over the 32 lanes (v is the bit pattern of a float >= +0, whose order is the
// floats'), in every lane. Needs sm_80.
__device__ __forceinline__ bb_u32 bb_warp_max_u32(bb_u32 v) {
  bb_u32 out;
  asm volatile("redux.sync.max.u32 %0, %1, 0xffffffff;" : "=r"(out) : "r"(v));
  return out;
}

// Rows 0 .. rows - 1 of x (K values each) -> codes at a_rows (BB_FUSED_PITCH bytes per row) and
// a_scale per row at row_scale, both in shared memory; row_bits is shared scratch of `rows`
// words (each row's largest magnitude, then its si). Called by every thread of the block
// (THREADS of them, a multiple of 32); returns with the block synchronized. Needs
// BB_QR_VECTORS >= 32, so that the 32 loads of one warp step touch at most two rows.
template <int THREADS>
__device__ __forceinline__ void bb_quantize_rows_to_shared(const bb_out_t *__restrict__ x, int rows,
                                                           bb_i8 *a_rows, float *row_scale,
                                                           bb_u32 *row_bits) {
  for (int r = threadIdx.x; r < rows; r += THREADS) row_bits[r] = 0u;
  __syncthreads();
  // First pass: each row's largest magnitude. The rows' loads are one run of rows * VECTORS;
  // a warp reduces its 32 loads per row it touches and adds them in with one atomic each.
  const int total = rows * BB_QR_VECTORS;
  const int lane = threadIdx.x & 31;
  for (int base = threadIdx.x - lane; base < total; base += BB_FUSED_LOADS * THREADS) {
    uint4 loaded[BB_FUSED_LOADS];
#pragma unroll
    for (int u = 0; u < BB_FUSED_LOADS; u++) {
      const int f = min(base + u * THREADS + lane, total - 1);
      const int row = f / BB_QR_VECTORS, v = f % BB_QR_VECTORS;
      loaded[u] = bb_qr_load(x + (size_t)row * BB_K + v * BB_QR_VECTOR);
    }
#pragma unroll
    for (int u = 0; u < BB_FUSED_LOADS; u++) {
      const int first = base + u * THREADS;  // the same in every lane of the warp
      if (first >= total) break;
      const int f = first + lane;
      const bb_u32 bits = f < total ? __float_as_uint(bb_qr_largest(loaded[u])) : 0u;
      const int first_row = first / BB_QR_VECTORS;
      const bool next_row = f / BB_QR_VECTORS != first_row;
      const bb_u32 in_first = bb_warp_max_u32(next_row ? 0u : bits);
      const bb_u32 in_next = bb_warp_max_u32(next_row ? bits : 0u);
      if (lane == 0) {
        atomicMax(&row_bits[first_row], in_first);
        if (first_row + 1 < rows) atomicMax(&row_bits[first_row + 1], in_next);
      }
    }
  }
  __syncthreads();
  // Each row's a_scale, and its si once (a division is dozens of instructions) in place of its
  // largest magnitude.
  for (int r = threadIdx.x; r < rows; r += THREADS) {
    row_scale[r] = __fdiv_rn(bb_qr_bound(__uint_as_float(row_bits[r])), 127.0f);
    row_bits[r] = __float_as_uint(__fdiv_rn(127.0f, bb_qr_bound(__uint_as_float(row_bits[r]))));
  }
  __syncthreads();
  // Second pass: the codes (x again, mostly from L1).
  for (int f = threadIdx.x; f < total; f += THREADS) {
    const int row = f / BB_QR_VECTORS, v = f % BB_QR_VECTORS;
    const float si = __uint_as_float(row_bits[row]);
    const uint4 loaded = bb_qr_load(x + (size_t)row * BB_K + v * BB_QR_VECTOR);
    bb_qr_store(a_rows + row * BB_FUSED_PITCH + v * BB_QR_VECTOR, loaded, si);
  }
  __syncthreads();
}
