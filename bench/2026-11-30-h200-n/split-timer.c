/* Where the time of a schedule with given sums goes: times one tcgemv schedule of one config as
 * it is (plain), with sums=given as bitblas_op_run enqueues it (sums kernel and product, the
 * workspace taken from the pool and handed back: given), the same two kernels into one buffer
 * allocated beforehand (no-pool), the product alone on sums computed beforehand (product), and
 * the sums kernel alone (sums). Both compiled forms are first checked against the float64
 * reference (bb_measure_candidate); then each variant is timed the way bitblas-bench times an
 * operator (tools/common/timing.c: 100 runs behind a hold, each reading its own copy of the
 * weights), ROUNDS rounds, the variants in turn each round.
 *   split-timer FORMAT M N K SCHEDULE [ROUNDS]   (FORMAT as bitblas-bench's --formats)
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-n/split-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/split-timer */
#include <stdio.h>
#include <stdlib.h>
#include "bitblas.h"
#include "compile.h"
#include "config.h"
#include "device.h"
#include "errors.h"
#include "formats.h"
#include "launch.h"
#include "measure.h"
#include "random_data.h"
#include "rotation.h"
#include "schedule.h"
#include "timing.h"

enum { PLAIN, GIVEN, NO_POOL, PRODUCT, SUMS, VARIANTS };
static const char *const names[VARIANTS] = {"plain", "given", "no-pool", "product", "sums"};

typedef struct held {
  const bb_cuda_api *cu;
  const bitblas_matmul_config *cfg;
  const bb_schedule *schedules[2]; /* plain, given */
  bb_product products[2];
  bb_launch_args args;
  const bb_tool_rotation *weights;
  CUdeviceptr sums; /* filled beforehand */
  int variant;
} held;

static CUresult sums_launch(held *h, CUdeviceptr sums, CUstream stream) {
  CUdeviceptr A = h->args.A;
  int m = h->args.m, rows = (int)bb_launch_rows(h->schedules[1], h->cfg, m);
  void *params[] = {&A, &sums, &m, &rows};
  const unsigned blocks = (unsigned)((bb_config_groups(h->cfg) * rows + 7) / 8);
  return h->cu->LaunchKernel(h->products[1].act_sums, blocks, 1, 1, 256, 1, 1, 0, stream, params,
                             NULL);
}

static int launch_held(void *user, CUstream stream, int run) {
  held *h = user;
  bb_launch_args a = h->args;
  a.W = bb_tool_rotation_buffer(h->weights, run, 0);
  a.scales = bb_tool_rotation_buffer(h->weights, run, 1);
  a.zeros = bb_tool_rotation_buffer(h->weights, run, 2);
  CUresult r = 0;
  switch (h->variant) {
  case PLAIN:
    r = bb_launch(h->cu, h->products[0].kernel, h->schedules[0], h->cfg, &a, stream, 0);
    break;
  case GIVEN:
    r = bb_product_launch(h->cu, &h->products[1], h->schedules[1], h->cfg, &a, stream, 0);
    break;
  case NO_POOL:
    a.given_sums = h->sums;
    r = sums_launch(h, h->sums, stream);
    if (!r) r = bb_launch(h->cu, h->products[1].kernel, h->schedules[1], h->cfg, &a, stream, 1);
    break;
  case PRODUCT:
    a.given_sums = h->sums;
    r = bb_launch(h->cu, h->products[1].kernel, h->schedules[1], h->cfg, &a, stream, 0);
    break;
  default:
    r = sums_launch(h, h->sums, stream);
  }
  return r == 0 ? 0 : bb_tool_fail("launch %d", (int)r);
}

int main(int argc, char **argv) {
  if (argc < 6) return 2;
  const int rounds = argc > 6 && atoi(argv[6]) > 0 && atoi(argv[6]) <= 8 ? atoi(argv[6]) : 3;
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), &cfg);
  bb_schedule schedules[2];
  if (bb_schedule_parse(argv[5], &schedules[0]) || !bb_tcgemv_given_sums_fit(&cfg, &schedules[0])) {
    fprintf(stderr, "%s: not a schedule that may take given sums\n", argv[5]);
    return 1;
  }
  schedules[0].given_sums = 0;
  schedules[1] = schedules[0];
  schedules[1].given_sums = 1;
  char *sources[2] = {bb_emit_source(&cfg, &schedules[0], BB_FAULT_NONE),
                      bb_emit_source(&cfg, &schedules[1], BB_FAULT_NONE)};
  bb_compiled compiled[2];
  if (!sources[0] || !sources[1] || bb_compile_all(sources, 2, 90, compiled) != BITBLAS_OK ||
      compiled[0].status != BITBLAS_OK || compiled[1].status != BITBLAS_OK) {
    fprintf(stderr, "compile failed\n");
    return 1;
  }
  bb_tool_gpu gpu;
  bitblas_status status;
  if (bb_tool_gpu_open(0, &gpu, &status) != 0) {
    fprintf(stderr, "%s\n", bb_tool_error());
    return 1;
  }
  bitblas_op *op = NULL; /* lays out the weights only (its own tuning is not used) */
  if (bitblas_op_get(gpu.context, &cfg, &op) != BITBLAS_OK) {
    fprintf(stderr, "op_get: %s\n", bitblas_last_error());
    return 1;
  }
  bb_rng rng;
  bb_rng_seed(&rng, 2512);
  bb_tool_host_weights host_weights;
  bb_tool_host_activations host_acts;
  bb_tool_device_weights weights = {0};
  bb_tool_device_activations acts;
  if (bb_tool_host_weights_make(&cfg, 0, &rng, &host_weights) != 0 ||
      bb_tool_device_weights_load(&gpu, op, &host_weights, &weights) != 0 ||
      bb_tool_host_activations_make(&cfg, cfg.M, &rng, &host_acts) != 0 ||
      bb_tool_device_activations_load(&gpu, &host_acts, cfg.N, cfg.out_dtype, &acts) != 0) {
    fprintf(stderr, "operands: %s\n", bb_tool_error());
    return 1;
  }
  const CUdeviceptr buffers[3] = {weights.W, weights.scales, weights.zeros};
  const size_t bytes[3] = {weights.W_bytes, weights.scales_bytes, weights.zeros_bytes};
  bb_tool_rotation rotation;
  bb_tool_timer timer;
  bb_measure *measure = NULL;
  if (bb_tool_rotation_make(&gpu, 3, buffers, bytes, &rotation) != 0 ||
      bb_tool_timer_create(&gpu, 1, &timer) != 0 ||
      bb_measure_create(gpu.cu, &cfg, gpu.l2_bytes, &measure) != BITBLAS_OK) {
    fprintf(stderr, "timing setup: %s %s\n", bb_tool_error(), bitblas_last_error());
    return 1;
  }
  char messages[2][512];
  double check_us[2];
  bb_candidate_outcome outcomes[2];
  for (int v = 0; v < 2; v++)
    outcomes[v] = bb_measure_candidate(measure, compiled[v].cubin, &schedules[v], 25, 0,
                                       &check_us[v], messages[v], sizeof messages[v]);
  held h = {gpu.cu, &cfg, {&schedules[0], &schedules[1]}, {{0}}, {0}, &rotation, 0, 0};
  for (int v = 0; v < 2; v++) {
    CUmodule module;
    CUfunction function;
    if (bb_function_load(gpu.cu, compiled[v].cubin, &module, &function) ||
        bb_product_find(gpu.cu, module, function, &schedules[v], &h.products[v])) {
      fprintf(stderr, "module load failed\n");
      return 1;
    }
  }
  h.args.A = acts.A;
  h.args.C = acts.C;
  h.args.m = (int)cfg.M;
  if (gpu.cu->MemAlloc(&h.sums, bb_given_sums_bytes(&schedules[1], &cfg, cfg.M)) ||
      sums_launch(&h, h.sums, gpu.stream) || gpu.cu->StreamSynchronize(gpu.stream)) {
    fprintf(stderr, "sums beforehand failed\n");
    return 1;
  }
  double us[VARIANTS][8] = {{0}};
  for (int r = 0; r < rounds; r++)
    for (int v = 0; v < VARIANTS; v++) {
      h.variant = v;
      if (bb_tool_timer_median_us(&timer, launch_held, &h, 100, !rotation.evicts_l2, &us[v][r]))
        us[v][r] = -1;
    }
  printf("%s M=%s N=%s K=%s | %s | check plain %s %s, given %s %s\n", argv[1], argv[2], argv[3],
         argv[4], argv[5], bb_candidate_outcome_name(outcomes[0]), messages[0],
         bb_candidate_outcome_name(outcomes[1]), messages[1]);
  for (int v = 0; v < VARIANTS; v++) {
    printf("  %-8s", names[v]);
    for (int r = 0; r < rounds; r++) printf(" %8.2f", us[v][r]);
    printf(" us\n");
  }
  fflush(stdout);
  return 0;
}
