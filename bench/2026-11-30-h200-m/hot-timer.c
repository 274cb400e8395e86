/* Times one tcgemv schedule of one config with its loads made to hit the caches, to see how long
 * its arithmetic takes when memory is not what it waits for. Only the first variant (the
 * schedule as it is) computes the right product, and it alone is checked against the float64
 * reference (bb_measure_candidate). Every variant is timed the way bitblas-bench times an operator
 * (tools/common/timing.c: 100 runs behind a hold, each reading its own copy of the weights),
 * ROUNDS rounds, the variants in turn each round.
 *   hot-timer FORMAT M N K SCHEDULE [ROUNDS]   (FORMAT as bitblas-bench's --formats)
 * Variants (each the emitted source with lines replaced, below):
 *   as-is     the schedule's source;
 *   codes-L2  the codes of row n read from row n mod 96 (at most 96 rows of codes: L2 hits);
 *   all-L1    also segment s read as s mod 8, and the activations at k mod 1024 (every block's
 *             codes within 96 rows x 8 segments, A within 32 KiB per 16 rows: mostly L1 hits);
 *   no-apply  loads as they are, and no scales and zeros per group (below; only for scales after
 *             the mma with groups shorter than the row);
 *   no-act-sums  no mma for the activations' sums;
 *   one-m-mma    the codes' mma for the first 8 rows of A only.
 * Scales and zeros are read as they are. ONLY=v times variant v alone (for a profiler). BLOCKS=B
 * asks ptxas for B blocks per SM in every variant (so that the variants keep one occupancy). CUBIN_DIR=dir keeps each variant's cubin as dir/v.cubin;
 * COMPILE_ONLY=1 only compiles (no GPU needed).
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-m/hot-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/hot-timer */
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
} held_launch;

static int launch_held(void *user, CUstream stream, int run) {
  held_launch *h = user;
  h->args.W = bb_tool_rotation_buffer(h->weights, run, 0);
  h->args.scales = bb_tool_rotation_buffer(h->weights, run, 1);
  h->args.zeros = bb_tool_rotation_buffer(h->weights, run, 2);
  const CUresult r = bb_launch(h->cu, h->function, h->schedule, h->cfg, &h->args, stream, 0);
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

#define VARIANTS 6
#define EDITS 4
static const char *const names[VARIANTS] = {"as-is",    "codes-L2",    "all-L1",
                                            "no-apply", "no-act-sums", "one-m-mma"};
static const char *const codes_row[2] = {"W + (size_t)n * BB_ROW_BYTES + (size_t)seg * BB_SEG_BYTES",
                                         "W + (size_t)(n % 96) * BB_ROW_BYTES + (size_t)seg * BB_SEG_BYTES"};
static const char *const codes_seg[2] = {"W + (size_t)(n % 96) * BB_ROW_BYTES + (size_t)seg * BB_SEG_BYTES",
                                         "W + (size_t)(n % 96) * BB_ROW_BYTES + (size_t)(seg % 8) * BB_SEG_BYTES"};
static const char *const act_window[2] = {"const bb_u16 *row = A + (size_t)m * BB_K + k;",
                                          "const bb_u16 *row = A + (size_t)m * BB_K + (k & 1023);"};
/* no-apply: scales after the mma with groups shorter than the row run the whole row's sums on,
 * as where one group spans the row, and scale them once after the main loop with each row's
 * first group's scale and zero: the per-group scaling is gone, the mma work stays. */
static const char *const group_apply[2] = {
    "  bb_raw_sums_clear(sums);\n  bb_segment_sums(codes, seg, h, A, M, m_block, lane, sums);\n"
    "  bb_row_params params[BB_N_TILES][2];\n"
    "  bb_segment_params(params, stage, u, seg, h, table, lane);\n"
    "  bb_raw_sums_apply(sums, params, acc);",
    "  (void)stage, (void)u, (void)table;\n"
    "  bb_segment_sums(codes, seg, h, A, M, m_block, lane, sums);"};
static const char *const sums_clear[2] = {"#if BB_POST_SCALE && BB_ROW_WISE\n  bb_raw_sums_clear(sums);",
                                          "#if BB_POST_SCALE\n  bb_raw_sums_clear(sums);"};
static const char *const sums_apply[2] = {
    "#if BB_POST_SCALE && BB_ROW_WISE\n  bb_raw_sums_apply(sums, row_params, acc);",
    "#if BB_POST_SCALE\n  bb_raw_sums_apply(sums, row_params, acc);"};
static const char *const row_params_load[2] = {"#if !BB_STAGE_PARAMS\n      const int n = min(",
                                               "#if 1\n      const int n = min("};
/* no-act-sums: no mma for the activations' sums (their sums stay zero). one-m-mma: the codes'
 * mma for the first m tile only (the other tiles' sums stay zero). */
static const char *const act_sums[2] = {
    "#define BB_ACT_SUMS (BB_ZEROS != 0 || BB_CODE_OFFSET != 0 || BB_W_KIND == BB_WK_INT1)",
    "#define BB_ACT_SUMS 0"};
static const char *const m_tiles_mma[2] = {
    "      for (int i = 0; i < BB_M_TILES; i++)\n        bb_mma_16816(sums.codes[j][i][position]",
    "      for (int i = 0; i < 1; i++)\n        bb_mma_16816(sums.codes[j][i][position]"};
/* The edits of each variant, applied in order. */
static const char *const *const edits[VARIANTS][EDITS] = {
    {NULL},
    {codes_row, NULL},
    {codes_row, codes_seg, act_window, NULL},
    {group_apply, sums_clear, sums_apply, row_params_load},
    {act_sums, NULL},
    {m_tiles_mma, NULL}};

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
  const int variants = VARIANTS;
  for (int v = 0; v < variants; v++) {
    sources[v] = malloc(strlen(base) + 1);
    strcpy(sources[v], base);
    for (int e = 0; e < EDITS && edits[v][e] && sources[v]; e++) {
      char *next = replace_once(sources[v], edits[v][e][0], edits[v][e][1]);
      free(sources[v]);
      sources[v] = next;
    }
    if (!sources[v]) {
      fprintf(stderr, "variant %s: a line to replace is not there once\n", names[v]);
      return 1;
    }
    if (getenv("BLOCKS")) {
      char bounds[64];
      snprintf(bounds, sizeof bounds, "__launch_bounds__(BB_THREADS, %d)", atoi(getenv("BLOCKS")));
      char *next = replace_once(sources[v], "__launch_bounds__(BB_THREADS)", bounds);
      if (!next) {
        fprintf(stderr, "variant %s: no plain launch bounds to replace\n", names[v]);
        return 1;
      }
      free(sources[v]);
      sources[v] = next;
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
  outcome[0] = bb_measure_candidate(measure, compiled[0].cubin, &schedule, 25, 0, &check_us,
                                    message[0], sizeof message[0]);
  double us[VARIANTS][8] = {{0}};
  const int only = getenv("ONLY") ? atoi(getenv("ONLY")) : -1;
  for (int r = 0; r < rounds && r < 8; r++)
    for (int v = 0; v < variants; v++) {
      if (only >= 0 && v != only) continue;
      held_launch h = {gpu.cu, functions[v], &schedule, &cfg, {0}, &rotation};
      h.args.A = acts.A;
      h.args.a_scale = acts.a_scale;
      h.args.C = acts.C;
      h.args.m = (int)cfg.M;
      if (bb_tool_timer_median_us(&timer, launch_held, &h, 100, !rotation.evicts_l2, &us[v][r]))
        us[v][r] = -1;
    }
  printf("%s M=%s N=%s K=%s | %s | check %s %s\n", argv[1], argv[2], argv[3], argv[4], argv[5],
         bb_candidate_outcome_name(outcome[0]), message[0]);
  for (int v = 0; v < variants; v++) {
    int regs = 0;
    gpu.cu->FuncGetAttribute(&regs, 4 /* CU_FUNC_ATTRIBUTE_NUM_REGS */, functions[v]);
    printf("  %-9s", names[v]);
    for (int r = 0; r < rounds && r < 8; r++) printf(" %8.2f", us[v][r]);
    printf(" us  regs=%d\n", regs);
  }
  fflush(stdout);
  return 0;
}
