/*
 * matmul_example.c - a complete bitblas program: quantize a float weight matrix to uint4 with
 * group-128 scales and zeros, get a tuned operator (tuned on first use, from the cache after),
 * upload the weights through the library's transform, run C = A . dequant(W)^T + bias on our
 * own stream, and compare with the library's float64 reference.
 *
 *   bitblas-example [M N K]      (default 16 4096 4096)
 * Exit status: 0 correct, 1 wrong or failed, 2 no CUDA device.
 */
#define _POSIX_C_SOURCE 200809L
#include <bitblas.h>
#include <cuda.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_CU(call)                                                                             \
  do {                                                                                             \
    CUresult result_ = (call);                                                                     \
    if (result_ != CUDA_SUCCESS) {                                                                 \
      fprintf(stderr, "%s failed with %d at %s:%d\n", #call, result_, __FILE__, __LINE__);         \
      return 1;                                                                                    \
    }                                                                                              \
  } while (0)

#define CHECK_BB(call)                                                                             \
  do {                                                                                             \
    bitblas_status status_ = (call);                                                               \
    if (status_ != BITBLAS_OK) {                                                                   \
      fprintf(stderr, "%s: %s: %s\n", #call, bitblas_status_string(status_),                       \
              bitblas_last_error());                                                               \
      return 1;                                                                                    \
    }                                                                                              \
  } while (0)

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static unsigned long long rng = 88172645463325252ull;
static float uniform(float low, float high) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return low + (high - low) * (float)((rng >> 11) * (1.0 / 9007199254740992.0));
}

/* float -> IEEE half bits, round to nearest even (inputs here are small and normal). */
static unsigned short to_half(float value) {
  unsigned int bits;
  memcpy(&bits, &value, sizeof bits);
  unsigned int sign = (bits >> 16) & 0x8000u;
  int exponent = (int)((bits >> 23) & 0xff) - 127 + 15;
  unsigned int mantissa = bits & 0x7fffffu;
  if (exponent <= 0) return (unsigned short)sign; /* tiny: flush (not reached here) */
  unsigned int half = sign | ((unsigned int)exponent << 10) | (mantissa >> 13);
  unsigned int rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) half++;
  return (unsigned short)half;
}

static float from_half(unsigned short h) {
  unsigned int sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ffu;
  unsigned int bits;
  if (exponent == 0) {
    float value = (float)mantissa * (1.0f / 16777216.0f);
    return sign ? -value : value;
  }
  bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

int main(int argc, char **argv) {
  long long M = 16, N = 4096, K = 4096;
  if (argc == 4) {
    M = atoll(argv[1]);
    N = atoll(argv[2]);
    K = atoll(argv[3]);
  }
  printf(
      "bitblas %s (header %s): M=%lld N=%lld K=%lld, float16 x uint4 g128 zeros=original + bias\n",
      bitblas_version(), BITBLAS_VERSION_STRING, M, N, K);

  /* The caller's CUDA setup: the device's primary context, which bitblas shares. */
  CUdevice device;
  CUcontext context;
  if (cuInit(0) != CUDA_SUCCESS) {
    fprintf(stderr, "no CUDA device\n");
    return 2;
  }
  CHECK_CU(cuDeviceGet(&device, 0));
  CHECK_CU(cuDevicePrimaryCtxRetain(&context, device));
  CHECK_CU(cuCtxSetCurrent(context));
  CUstream stream;
  CHECK_CU(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));

  bitblas_context *ctx = NULL;
  CHECK_BB(bitblas_context_create(0, &ctx));
  printf("device: %s, cache: %s\n", bitblas_context_device_name(ctx),
         bitblas_context_cache_path(ctx));

  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.M = M;
  cfg.N = N;
  cfg.K = K;
  cfg.A_dtype = BITBLAS_DTYPE_FLOAT16;
  cfg.W_dtype = BITBLAS_DTYPE_UINT4;
  cfg.out_dtype = BITBLAS_DTYPE_FLOAT16;
  cfg.group_size = 128;
  cfg.with_scaling = 1;
  cfg.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
  cfg.with_bias = 1;

  const double get_start = seconds_now();
  bitblas_op *op = NULL;
  CHECK_BB(bitblas_op_get(ctx, &cfg, &op));
  const double get_seconds = seconds_now() - get_start;
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  printf("op_get: %.3f ms, %s, schedule \"%s\", %.2f us when tuned, %d candidates tried now\n",
         get_seconds * 1e3, info.from_cache ? "from the cache" : "tuned now", info.schedule,
         info.kernel_us, info.candidates_tried);

  /* Host data: float weights quantized by the library, float16 activations and bias. */
  const size_t nk = (size_t)N * (size_t)K;
  float *weights = malloc(nk * sizeof(float));
  int8_t *values = malloc(nk);
  void *packed = malloc(bitblas_weight_bytes(cfg.W_dtype, N, K));
  void *scales = malloc(bitblas_scales_bytes(&cfg));
  void *zeros = malloc(bitblas_zeros_bytes(&cfg));
  unsigned short *a = malloc((size_t)M * (size_t)K * 2), *bias = malloc((size_t)N * 2);
  unsigned short *c = malloc((size_t)M * (size_t)N * 2);
  double *reference = malloc((size_t)M * (size_t)N * sizeof(double));
  if (!weights || !values || !packed || !scales || !zeros || !a || !bias || !c || !reference) {
    fprintf(stderr, "out of host memory\n");
    return 1;
  }
  for (size_t i = 0; i < nk; i++) weights[i] = uniform(-0.05f, 0.05f);
  for (long long i = 0; i < M * K; i++) a[i] = to_half(uniform(-1.0f, 1.0f));
  for (long long i = 0; i < N; i++) bias[i] = to_half(uniform(-0.5f, 0.5f));
  CHECK_BB(bitblas_weight_quantize(&cfg, weights, values, scales, zeros));
  CHECK_BB(bitblas_weight_pack(cfg.W_dtype, N, K, values, packed));

  CUdeviceptr dA, dW, dS, dZ, dBias, dC;
  CHECK_CU(cuMemAlloc(&dA, (size_t)M * (size_t)K * 2));
  CHECK_CU(cuMemAlloc(&dW, bitblas_op_weight_bytes(op)));
  CHECK_CU(cuMemAlloc(&dS, bitblas_scales_bytes(&cfg)));
  CHECK_CU(cuMemAlloc(&dZ, bitblas_zeros_bytes(&cfg)));
  CHECK_CU(cuMemAlloc(&dBias, (size_t)N * 2));
  CHECK_CU(cuMemAlloc(&dC, (size_t)M * (size_t)N * 2));
  CHECK_CU(cuMemcpyHtoD(dA, a, (size_t)M * (size_t)K * 2));
  CHECK_CU(cuMemcpyHtoD(dS, scales, bitblas_scales_bytes(&cfg)));
  CHECK_CU(cuMemcpyHtoD(dZ, zeros, bitblas_zeros_bytes(&cfg)));
  CHECK_CU(cuMemcpyHtoD(dBias, bias, (size_t)N * 2));
  CHECK_CU(cuMemsetD8(dC, 0xff, (size_t)M * (size_t)N * 2)); /* poison: NaN everywhere */
  CHECK_BB(bitblas_op_transform_weight(op, packed, (void *)(uintptr_t)dW, stream));

  bitblas_matmul_args args = {M,
                              (const void *)(uintptr_t)dA,
                              (const void *)(uintptr_t)dW,
                              (const void *)(uintptr_t)dS,
                              (const void *)(uintptr_t)dZ,
                              (const void *)(uintptr_t)dBias,
                              NULL,
                              (void *)(uintptr_t)dC};
  CHECK_BB(bitblas_op_run(op, &args, stream));
  CHECK_CU(cuStreamSynchronize(stream));
  CHECK_CU(cuMemcpyDtoH(c, dC, (size_t)M * (size_t)N * 2));

  bitblas_matmul_args host = {M, a, packed, scales, zeros, bias, NULL, NULL};
  CHECK_BB(bitblas_reference_matmul(&cfg, &host, reference));
  double error = 0, norm = 0;
  long long not_finite = 0;
  for (long long i = 0; i < M * N; i++) {
    const double got = from_half(c[i]);
    if (!isfinite(got)) not_finite++;
    error += (got - reference[i]) * (got - reference[i]);
    norm += reference[i] * reference[i];
  }
  const double relative = sqrt(error / norm);
  const int ok = not_finite == 0 && relative < 2e-3;
  printf("relative error vs float64 reference: %.3g (%lld non-finite outputs): %s\n", relative,
         not_finite, ok ? "PASS" : "FAIL");

  cuMemFree(dA);
  cuMemFree(dW);
  cuMemFree(dS);
  cuMemFree(dZ);
  cuMemFree(dBias);
  cuMemFree(dC);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
  cuStreamDestroy(stream);
  cuDevicePrimaryCtxRelease(device);
  free(weights);
  free(values);
  free(packed);
  free(scales);
  free(zeros);
  free(a);
  free(bias);
  free(c);
  free(reference);
  return ok ? 0 : 1;
}
