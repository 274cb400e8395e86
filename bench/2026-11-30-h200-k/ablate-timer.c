/* Times one tcgemv schedule of one config with parts of its activation work taken away, to see
 * what that work costs. Each variant is the emitted source with one line replaced (below); only
 * the first (the schedule as it is) computes the right product, and it alone is checked against
 * the float64 reference (bb_measure_candidate). Every variant is then timed the way
 * bitblas-bench times an operator (tools/common/timing.c: 100 runs behind a hold, each reading its
 * own copy of the weights), ROUNDS rounds, the variants in turn each round.
 *   ablate-timer FORMAT M N K SCHEDULE [ROUNDS]   (FORMAT as bitblas-bench's --formats)
 * Variants:
 *   as-is     the schedule's source;
 *   window    activations read at k mod 1024 (all of A's reads within 32 KiB per 16 rows: L1);
 *   one-row   each 8-row tile of A reads one row (the warp's A loads cover 1/8 of the bytes);
 *   no-loads  activations made from k in registers (no loads of A at all).
 * With ROW_GROUPS=1 in the environment the variants are instead the schedule with its warps in
 * 1, 2 and 4 row groups (BB_ROW_GROUPS, where the warps allow), each checked against the
 * reference; the launch keeps the schedule's grid, whose blocks past the rows return at once.
 * With CLUSTER=1 the variants are the schedule as it is, launched in thread-block clusters of 1
 * (a plain launch), 2 and 4 blocks (cuLaunchKernelEx; the grid must be whole clusters): what
 * cluster scheduling alone costs.
 * The ROW_GROUPS mode needs row-groups.patch applied to kernel_src/tcgemv.cu before the build (the
 * library embeds the kernel sources); the other variants replace lines of the committed kernel.
 * The variants are compiled for sm_90 (COMPILE_ONLY=1: only that, no GPU needed).
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-k/ablate-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/ablate-timer */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  unsigned cluster; /* > 1: launched in thread-block clusters of this many blocks along x */
} held_launch;

/* cuLaunchKernelEx's cluster dimension attribute (CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION). */
#define CLUSTER_DIMENSION_ATTRIBUTE 4

static CUresult launch_in_clusters(held_launch *h, CUstream stream) {
  unsigned grid[3];
  bb_schedule_grid(h->schedule, h->cfg, h->args.m, grid);
  if (grid[0] % h->cluster) return (CUresult)1; /* invalid value: the grid must be whole clusters */
  bb_launch_args a = h->args;
  void *params[] = {&a.A, &a.W, &a.scales, &a.zeros, &a.bias, &a.a_scale, &a.C, &a.m};
  bb_cu_launch_attribute attribute;
  memset(&attribute, 0, sizeof attribute);
  attribute.id = CLUSTER_DIMENSION_ATTRIBUTE;
  const unsigned dims[3] = {h->cluster, 1, 1};
  memcpy(attribute.value.pad, dims, sizeof dims);
  const bb_cu_launch_config config = {grid[0], grid[1], grid[2], (unsigned)bb_schedule_threads(h->schedule),
                                      1, 1, 0, stream, &attribute, 1};
  return h->cu->LaunchKernelEx(&config, h->function, params, NULL);
}

static int launch_held(void *user, CUstream stream, int run) {
  held_launch *h = user;
  h->args.W = bb_tool_rotation_buffer(h->weights, run, 0);
  h->args.scales = bb_tool_rotation_buffer(h->weights, run, 1);
  h->args.zeros = bb_tool_rotation_buffer(h->weights, run, 2);
  CUresult r = h->cluster > 1 ? launch_in_clusters(h, stream)
                              : bb_launch(h->cu, h->function, h->schedule, h->cfg, &h->args,
                                          stream, 0);
  return r == 0 ? 0 : bb_tool_fail("launch %d", (int)r);
}

/* src with its one occurrence of from replaced by to; NULL where from is not there once. */
static char *replace_once(const char *src, const char *from, const char *to) {
  const char *at = strstr(src, from);
  if (!at || strstr(at + 1, from)) return NULL;
  char *out = malloc(strlen(src) + strlen(to) + 1);
  sprintf(out, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
  return out;
}

#define VARIANTS 4
static const char *const names[VARIANTS] = {"as-is", "window", "one-row", "no-loads"};
static const char *const lines[VARIANTS][2] = {
    {NULL, NULL},
    {"const bb_u16 *row = A + (size_t)m * BB_K + k;",
     "const bb_u16 *row = A + (size_t)m * BB_K + (k & 1023);"},
    {"const int m = min(m_block + 8 * i + g, M - 1);", "const int m = min(m_block + 8 * i, M - 1);"},
    {"const uint4 value = *(const uint4 *)(row + 8 * v);",
     "const uint4 value = {0x3c003c00u ^ (unsigned)(k + v), 0x3c003c00u ^ (unsigned)m, "
     "0x3c003c00u, 0x3c003c00u}; (void)row;"},
};

int main(int argc, char **argv) {
  if (argc < 6) return 2;
  const int rounds = argc > 6 ? atoi(argv[6]) : 3;
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), &cfg);
  bb_schedule schedule;
  if (bb_schedule_parse(argv[5], &schedule)) {
    fprintf(stderr, "%s\n", bitblas_last_error());
    return 1;
  }
  char *base = bb_emit_source(&cfg, &schedule, BB_FAULT_NONE);
  char *sources[VARIANTS];
  const int row_groups = getenv("ROW_GROUPS") != NULL;
  const int clusters = getenv("CLUSTER") != NULL;
  int variants = VARIANTS;
  if (clusters) {
    variants = 3;
    for (int v = 0; v < variants; v++) {
      sources[v] = malloc(strlen(base) + 1);
      strcpy(sources[v], base);
    }
  }
  if (row_groups) {
    variants = schedule.warps % 4 == 0 ? 3 : schedule.warps % 2 == 0 ? 2 : 1;
    for (int v = 0; v < variants; v++) {
      sources[v] = malloc(strlen(base) + 64);
      sprintf(sources[v], "#define BB_ROW_GROUPS %d\n%s", 1 << v, base);
    }
  }
  for (int v = 0; v < VARIANTS && !row_groups && !clusters; v++) {
    if (v == 0) {
      sources[v] = malloc(strlen(base) + 1);
      strcpy(sources[v], base);
    } else {
      sources[v] = replace_once(base, lines[v][0], lines[v][1]);
    }
    if (!sources[v]) {
      fprintf(stderr, "variant %s: line not found once\n", names[v]);
      return 1;
    }
  }
  bb_compiled compiled[VARIANTS];
  if (bb_compile_all(sources, variants, 90, compiled) != BITBLAS_OK) return 1;
  for (int v = 0; v < variants; v++)
    if (compiled[v].status != BITBLAS_OK) {
      fprintf(stderr, "variant %s: %s\n", names[v], compiled[v].message);
      return 1;
    }
  const char *cubin_dir = getenv("CUBIN_DIR"); /* CUBIN_DIR=dir: each variant's cubin, v.cubin */
  for (int v = 0; v < variants && cubin_dir; v++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%d.cubin", cubin_dir, v);
    FILE *f = fopen(path, "wb");
    if (f) {
      fwrite(compiled[v].cubin, 1, compiled[v].cubin_size, f);
      fclose(f);
    }
  }
  if (getenv("COMPILE_ONLY")) {
    printf("%d variants compiled for sm_90\n", variants);
    return 0;
  }
  bb_tool_gpu gpu;
  bitblas_status status;
  if (bb_tool_gpu_open(0, &gpu, &status) != 0) {
    fprintf(stderr, "%s\n", bb_tool_error());
    return 1;
  }
  /* The operator only lays out the weights (its own tuning is not used). */
  bitblas_op *op = NULL;
  if (bitblas_op_get(gpu.context, &cfg, &op) != BITBLAS_OK) {
    fprintf(stderr, "op_get: %s\n", bitblas_last_error());
    return 1;
  }
  bb_rng rng;
  bb_rng_seed(&rng, 2511);
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

  CUmodule modules[VARIANTS] = {0};
  CUfunction functions[VARIANTS] = {0};
  for (int v = 0; v < variants; v++) {
    bb_function_load(gpu.cu, compiled[v].cubin, &modules[v], &functions[v]);
  }
  char message[VARIANTS][512] = {""};
  double check_us = 0;
  bb_candidate_outcome outcome[VARIANTS];
  for (int v = 0; v < (row_groups ? variants : 1); v++)
    outcome[v] = bb_measure_candidate(measure, compiled[v].cubin, &schedule, 25, 0, &check_us,
                                      message[v], sizeof message[v]);
  double us[VARIANTS][8] = {{0}};
  for (int r = 0; r < rounds && r < 8; r++)
    for (int v = 0; v < variants; v++) {
      held_launch h = {gpu.cu, functions[v], &schedule, &cfg, {0}, &rotation,
                       clusters ? 1u << v : 1u};
      h.args.A = acts.A;
      h.args.C = acts.C;
      h.args.m = (int)cfg.M;
      if (bb_tool_timer_median_us(&timer, launch_held, &h, 100, !rotation.evicts_l2, &us[v][r]))
        us[v][r] = -1;
    }
  printf("%s M=%s N=%s K=%s | %s | check %s %s\n", argv[1], argv[2], argv[3], argv[4], argv[5],
         bb_candidate_outcome_name(outcome[0]), message[0]);
  for (int v = 0; v < variants; v++) {
    if (row_groups)
      printf("  rg=%d %-4s", 1 << v, bb_candidate_outcome_name(outcome[v]));
    else if (clusters)
      printf("  cluster=%d", 1 << v);
    else
      printf("  %-9s", names[v]);
    for (int r = 0; r < rounds && r < 8; r++) printf(" %8.2f", us[v][r]);
    printf(" us %s\n", row_groups ? message[v] : "");
  }
  fflush(stdout);
  return 0;
}
