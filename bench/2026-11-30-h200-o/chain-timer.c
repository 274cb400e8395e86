/* What dependent launches give a sequence of operators: times the layers of one model block
 * (tuned operators from the cache, through bitblas_op_run) three ways, REPS rounds, the ways in
 * turn each round, each after a 256 MiB memset that leaves no weights in L2 (and keeps the GPU
 * busy while the host enqueues what follows it):
 *   alone: each operator between its own two events (and its own memset), the times added up;
 *   chain: the operators one after another between two events;
 *   between: the same with a one-block kernel of another library (plain PTX, launched the
 *            ordinary way, never letting anything launch early) after each operator, as a norm
 *            or an activation kernel would be in a model; its own time is in the figure.
 * Run it with and without BITBLAS_DEPENDENT_LAUNCH=1 (dependent runs, tuner/launch.h) to compare;
 * each setting has its own cache rows. (In calls 1-3 of this folder the tree always made
 * dependent runs and BITBLAS_DEPENDENT_LAUNCH=0 launched the same kernels the ordinary way:
 * bench/RESULTS.md, twenty-ninth section.)
 *   chain-timer FORMAT M REPS NxK [NxK ...]   (FORMAT as bitblas-bench's --formats)
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-o/chain-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/chain-timer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bitblas.h"
#include "device.h"
#include "errors.h"
#include "formats.h"
#include "random_data.h"

#define MAX_LAYERS 8
#define FLUSH_BYTES ((size_t)256 << 20)

static const char other_ptx[] =
    ".version 7.0\n.target sm_70\n.address_size 64\n"
    ".visible .entry other_kernel(.param .u64 out)\n{\n"
    "  .reg .b32 %r<3>;\n  .reg .b64 %rd<4>;\n"
    "  ld.param.u64 %rd1, [out];\n  cvta.to.global.u64 %rd1, %rd1;\n"
    "  mov.u32 %r1, %tid.x;\n  mul.wide.u32 %rd2, %r1, 4;\n  add.u64 %rd3, %rd1, %rd2;\n"
    "  st.global.u32 [%rd3], %r1;\n  ret;\n}\n";

typedef struct layer {
  bitblas_op *op;
  bb_tool_device_weights weights;
  bb_tool_device_activations activations;
  bitblas_matmul_args args;
} layer;

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define CU(call)                                                                                   \
  do {                                                                                             \
    CUresult r_ = (call);                                                                          \
    if (r_) {                                                                                      \
      fprintf(stderr, "%s:%d: %s = %d\n", __FILE__, __LINE__, #call, (int)r_);                     \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: chain-timer FORMAT M REPS NxK [NxK ...]\n");
    return 2;
  }
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  const int64_t M = atoll(argv[2]);
  const int reps = atoi(argv[3]);
  const int count = argc - 4 > MAX_LAYERS ? MAX_LAYERS : argc - 4;
  bb_tool_gpu gpu;
  bitblas_status status;
  if (bb_tool_gpu_open(0, &gpu, &status) != 0) {
    fprintf(stderr, "%s\n", bb_tool_error());
    return 1;
  }
  const bb_cuda_api *cu = gpu.cu;
  bb_rng rng;
  bb_rng_seed(&rng, 20261130u);
  layer layers[MAX_LAYERS];
  memset(layers, 0, sizeof layers);
  for (int i = 0; i < count; i++) {
    long long N = 0, K = 0;
    if (sscanf(argv[4 + i], "%lldx%lld", &N, &K) != 2) return 2;
    bitblas_matmul_config cfg;
    bb_tool_format_config(&format, M, N, K, &cfg);
    if (bitblas_op_get(gpu.context, &cfg, &layers[i].op) != BITBLAS_OK) {
      fprintf(stderr, "op_get %lldx%lld: %s\n", N, K, bitblas_last_error());
      return 1;
    }
    bb_tool_host_weights host_w;
    bb_tool_host_activations host_a;
    if (bb_tool_host_weights_make(&cfg, format.ternary, &rng, &host_w) ||
        bb_tool_device_weights_load(&gpu, layers[i].op, &host_w, &layers[i].weights) ||
        bb_tool_host_activations_make(&cfg, M, &rng, &host_a) ||
        bb_tool_device_activations_load(&gpu, &host_a, N, cfg.out_dtype, &layers[i].activations)) {
      fprintf(stderr, "%s\n", bb_tool_error());
      return 1;
    }
    bb_tool_host_weights_free(&host_w);
    bb_tool_host_activations_free(&host_a);
    bb_tool_matmul_args(&layers[i].weights, &layers[i].activations, M, &layers[i].args);
    bitblas_op_info info;
    bitblas_op_info_get(layers[i].op, &info);
    printf("layer %lld x %lld: %s\n", N, K, info.schedule);
  }
  CUmodule module;
  CUfunction other;
  CU(cu->ModuleLoadData(&module, other_ptx));
  CU(cu->ModuleGetFunction(&other, module, "other_kernel"));
  CUdeviceptr flush = 0, scratch = 0;
  if (bb_tool_device_alloc(&gpu, FLUSH_BYTES, &flush) || bb_tool_device_alloc(&gpu, 4096, &scratch))
    return 1;
  CUevent events[2 * MAX_LAYERS + 2];
  for (int i = 0; i < 2 * MAX_LAYERS + 2; i++) CU(cu->EventCreate(&events[i], 0));
  double *alone = calloc((size_t)reps, sizeof(double));
  double *chain = calloc((size_t)reps, sizeof(double));
  double *between = calloc((size_t)reps, sizeof(double));
  double *each[MAX_LAYERS];
  for (int i = 0; i < count; i++) each[i] = calloc((size_t)reps, sizeof(double));
  CUstream s = gpu.stream;
  void *other_params[] = {&scratch};
  for (int r = -3; r < reps; r++) { /* three rounds of warm-up */
    for (int i = 0; i < count; i++) {
      CU(cu->MemsetD32Async(flush, (unsigned)(r + i), FLUSH_BYTES / 4, s));
      CU(cu->EventRecord(events[2 * i], s));
      if (bitblas_op_run(layers[i].op, &layers[i].args, s) != BITBLAS_OK) return 1;
      CU(cu->EventRecord(events[2 * i + 1], s));
    }
    CU(cu->StreamSynchronize(s));
    double sum = 0;
    for (int i = 0; i < count; i++) {
      float ms = 0;
      CU(cu->EventElapsedTime(&ms, events[2 * i], events[2 * i + 1]));
      sum += 1000.0 * ms;
      if (r >= 0) each[i][r] = 1000.0 * ms;
    }
    for (int way = 0; way < 2; way++) {
      CU(cu->MemsetD32Async(flush, (unsigned)(r + 7 + way), FLUSH_BYTES / 4, s));
      CU(cu->EventRecord(events[0], s));
      for (int i = 0; i < count; i++) {
        if (bitblas_op_run(layers[i].op, &layers[i].args, s) != BITBLAS_OK) return 1;
        if (way == 1) CU(cu->LaunchKernel(other, 1, 1, 1, 32, 1, 1, 0, s, other_params, NULL));
      }
      CU(cu->EventRecord(events[1], s));
      CU(cu->StreamSynchronize(s));
      float ms = 0;
      CU(cu->EventElapsedTime(&ms, events[0], events[1]));
      if (r >= 0) (way ? between : chain)[r] = 1000.0 * ms;
    }
    if (r >= 0) alone[r] = sum;
  }
  /* The other kernel alone, for reference. */
  double *others = calloc((size_t)reps, sizeof(double));
  for (int r = 0; r < reps; r++) {
    CU(cu->MemsetD32Async(flush, (unsigned)r, FLUSH_BYTES / 4, s));
    CU(cu->EventRecord(events[0], s));
    CU(cu->LaunchKernel(other, 1, 1, 1, 32, 1, 1, 0, s, other_params, NULL));
    CU(cu->EventRecord(events[1], s));
    CU(cu->StreamSynchronize(s));
    float ms = 0;
    CU(cu->EventElapsedTime(&ms, events[0], events[1]));
    others[r] = 1000.0 * ms;
  }
  const char *env = getenv("BITBLAS_DEPENDENT_LAUNCH");
  printf("%s M=%lld dependent_launch=%s reps=%d\n", argv[1], (long long)M, env ? env : "(unset)",
         reps);
  for (int i = 0; i < count; i++)
    printf("  alone %-12s %8.2f us\n", argv[4 + i], median(each[i], reps));
  printf("  alone, added %8.2f us\n  chain        %8.2f us\n  between      %8.2f us (other kernel "
         "alone %.2f us, x %d)\n",
         median(alone, reps), median(chain, reps), median(between, reps), median(others, reps),
         count);
  for (int i = 0; i < count; i++) bitblas_op_release(layers[i].op);
  return 0;
}
