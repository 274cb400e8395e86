/* Times every candidate of one config two ways, in one process, to see whether the tuner's way
 * of timing picks what the benchmark's way finds fastest:
 *   tuner: bb_measure_candidate, as the worker calls it (15 timed runs, each launched on its own
 *          and waited for, weights rotated or L2 flushed; the median);
 *   held:  the way bitblas-bench times an operator (tools/common/timing.c): 100 runs enqueued
 *          behind a hold and released together, each reading its own copy of the weights.
 * Each way runs ROUNDS rounds over all candidates in turn. The tuner's own pick (bitblas_op_get
 * on an empty cache) is printed too.
 *   candidate-modes FORMAT M N K [ROUNDS]   (FORMAT as bitblas-bench's --formats)
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-j/candidate-modes.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/candidate-modes */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "bitblas.h"
#include "compile.h"
#include "device.h"
#include "errors.h"
#include "formats.h"
#include "launch.h"
#include "measure.h"
#include "random_data.h"
#include "rotation.h"
#include "schedule.h"
#include "timing.h"

typedef struct held_launch {
  const bb_cuda_api *cu;
  CUfunction function;
  const bb_schedule *schedule;
  const bitblas_matmul_config *cfg;
  bb_launch_args args;
  const bb_tool_rotation *weights;
} held_launch;

static int launch_held(void *user, CUstream stream, int run) {
  held_launch *h = user;
  h->args.W = bb_tool_rotation_buffer(h->weights, run, 0);
  h->args.scales = bb_tool_rotation_buffer(h->weights, run, 1);
  h->args.zeros = bb_tool_rotation_buffer(h->weights, run, 2);
  CUresult r = bb_launch(h->cu, h->function, h->schedule, h->cfg, &h->args, stream, 0);
  return r == 0 ? 0 : bb_tool_fail("launch %d", (int)r);
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  const int rounds = argc > 5 ? atoi(argv[5]) : 2;
  bb_tool_gpu gpu;
  bitblas_status status;
  if (bb_tool_gpu_open(0, &gpu, &status) != 0) {
    fprintf(stderr, "%s\n", bb_tool_error());
    return 1;
  }
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), &cfg);
  bitblas_op *op = NULL;
  if (bitblas_op_get(gpu.context, &cfg, &op) != BITBLAS_OK) {
    fprintf(stderr, "op_get: %s\n", bitblas_last_error());
    return 1;
  }
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  printf("config %s %s %s %s | tuner pick %s | %.2f us\n", argv[1], argv[2], argv[3], argv[4],
         info.schedule, info.kernel_us);

  bb_rng rng;
  bb_rng_seed(&rng, 2411);
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
  if (bb_tool_rotation_make(&gpu, 3, buffers, bytes, &rotation) != 0 ||
      bb_tool_timer_create(&gpu, 1, &timer) != 0) {
    fprintf(stderr, "timing setup: %s\n", bb_tool_error());
    return 1;
  }
  bb_measure *measure = NULL;
  if (bb_measure_create(gpu.cu, &cfg, gpu.l2_bytes, &measure) != BITBLAS_OK) {
    fprintf(stderr, "measure: %s\n", bitblas_last_error());
    return 1;
  }

  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(&cfg, schedules);
  char *sources[BB_MAX_CANDIDATES];
  for (int i = 0; i < count; i++) sources[i] = bb_emit_source(&cfg, &schedules[i], BB_FAULT_NONE);
  bb_compiled compiled[BB_MAX_CANDIDATES];
  if (bb_compile_all(sources, count, 10 * gpu.compute_major + gpu.compute_minor, compiled) !=
      BITBLAS_OK)
    return 1;
  CUmodule modules[BB_MAX_CANDIDATES] = {0};
  CUfunction functions[BB_MAX_CANDIDATES] = {0};
  double tuner_us[BB_MAX_CANDIDATES][8] = {{0}}, held_us[BB_MAX_CANDIDATES][8] = {{0}};
  for (int i = 0; i < count; i++)
    if (compiled[i].status == BITBLAS_OK)
      bb_function_load(gpu.cu, compiled[i].cubin, &modules[i], &functions[i]);
  for (int r = 0; r < rounds && r < 8; r++) {
    for (int i = 0; i < count; i++) {
      if (!functions[i]) continue;
      char message[512];
      if (bb_measure_candidate(measure, compiled[i].cubin, &schedules[i], 15, 0, &tuner_us[i][r],
                               message, sizeof message) != BB_CANDIDATE_OK)
        tuner_us[i][r] = -1;
    }
    for (int i = 0; i < count; i++) {
      if (!functions[i]) continue;
      held_launch h = {gpu.cu, functions[i], &schedules[i], &cfg, {0}, &rotation};
      h.args.A = acts.A;
      h.args.C = acts.C;
      h.args.m = (int)cfg.M;
      if (bb_tool_timer_median_us(&timer, launch_held, &h, 100, !rotation.evicts_l2,
                                  &held_us[i][r]) != 0)
        held_us[i][r] = -1;
    }
  }
  for (int i = 0; i < count; i++) {
    char text[128];
    bb_schedule_format(&schedules[i], text, sizeof text);
    printf("candidate %-84s | tuner", text);
    for (int r = 0; r < rounds && r < 8; r++) printf(" %.2f", tuner_us[i][r]);
    printf(" | held");
    for (int r = 0; r < rounds && r < 8; r++) printf(" %.2f", held_us[i][r]);
    printf("\n");
  }
  fflush(stdout);
  return 0;
}
