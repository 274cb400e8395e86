/* Times one tcgemv schedule of one config with its stages in registers (as-is) and with its
 * stages in a ring of S slots of dynamic shared memory (BB_SMEM_STAGES S, kernel_src/tcgemv.cu),
 * for each S in the environment's SMEM list ("S/B" also asks ptxas for B blocks per SM; none by
 * default). Those need smem-stages.patch applied before the build: the committed kernel has no
 * BB_SMEM_STAGES and would run its register stages with shared memory it does not use.
 *   smem-timer FORMAT M N K SCHEDULE [ROUNDS]   (FORMAT as bitblas-bench's --formats)
 * The as-is kernel is checked against the float64 reference (bb_measure_candidate); each ring
 * variant must then give bit-identical output on the same data (the same arithmetic in the same
 * order; the output poisoned before each run), or it is not timed. Every variant is timed the
 * way bitblas-bench times an operator (tools/common/timing.c: 100 runs behind a hold, each
 * reading its own copy of the weights), ROUNDS rounds, the variants in turn each round.
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-l/smem-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/smem-timer
 * DEFINES="NAME VALUE;..." ("NAME VALUE|B" also asks for B blocks per SM) adds variants with each
 * definition put before the source, each checked against the float64 reference itself (SMEM="" for
 * these alone). COMPILE_ONLY=1: only compile the variants for sm_90 (no GPU needed); CUBIN_DIR=dir
 * keeps them as dir/v.cubin. */
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

#define MAX_VARIANTS 8

typedef struct held_launch {
  const bb_cuda_api *cu;
  CUfunction function;
  const bb_schedule *schedule;
  const bitblas_matmul_config *cfg;
  bb_launch_args args;
  const bb_tool_rotation *weights; /* NULL: the args' own weights */
  unsigned shared_bytes;
} held_launch;

static CUresult launch_once(held_launch *h, CUstream stream) {
  unsigned grid[3];
  bb_schedule_grid(h->schedule, h->cfg, h->args.m, grid);
  bb_launch_args a = h->args;
  void *params[] = {&a.A, &a.W, &a.scales, &a.zeros, &a.bias, &a.a_scale, &a.C, &a.m};
  return h->cu->LaunchKernel(h->function, grid[0], grid[1], grid[2],
                             (unsigned)bb_schedule_threads(h->schedule), 1, 1, h->shared_bytes,
                             stream, params, NULL);
}

static int launch_held(void *user, CUstream stream, int run) {
  held_launch *h = user;
  h->args.W = bb_tool_rotation_buffer(h->weights, run, 0);
  h->args.scales = bb_tool_rotation_buffer(h->weights, run, 1);
  h->args.zeros = bb_tool_rotation_buffer(h->weights, run, 2);
  const CUresult r = launch_once(h, stream);
  return r == 0 ? 0 : bb_tool_fail("launch %d", (int)r);
}

/* The ring's bytes for S stages: S x unroll x n_tiles x 2 rows x threads x the lane's words. */
static unsigned ring_bytes(const bb_schedule *s, int stages) {
  return (unsigned)(stages * s->unroll * s->n_tiles * 2 * 32 * s->warps * s->lane_words * 4);
}

/* One run on the unrotated weights with C poisoned first; C copied to host. 0 or -1. */
static int run_to_host(const bb_tool_gpu *gpu, held_launch *h, const bb_tool_device_weights *w,
                       const bb_tool_device_activations *acts, void *host) {
  h->args.W = w->W;
  h->args.scales = w->scales;
  h->args.zeros = w->zeros;
  if (gpu->cu->MemsetD8(acts->C, 0xff, acts->C_bytes) || launch_once(h, gpu->stream) ||
      gpu->cu->StreamSynchronize(gpu->stream) || gpu->cu->MemcpyDtoH(host, acts->C, acts->C_bytes))
    return -1;
  return 0;
}

/* base with its launch bounds asking for `blocks` blocks per SM (0: unchanged), newly allocated. */
static char *replace_bounds(const char *base, int blocks) {
  const char *from = "__launch_bounds__(BB_THREADS)";
  const char *at = strstr(base, from);
  char *out = malloc(strlen(base) + 32);
  if (!blocks || !at) {
    strcpy(out, base);
    return out;
  }
  sprintf(out, "%.*s__launch_bounds__(BB_THREADS, %d)%s", (int)(at - base), base, blocks,
          at + strlen(from));
  return out;
}

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
  char *sources[MAX_VARIANTS];
  int stages[MAX_VARIANTS] = {0}, blocks[MAX_VARIANTS] = {0};
  int variants = 1;
  sources[0] = base;
  char list[256];
  snprintf(list, sizeof list, "%s", getenv("SMEM") ? getenv("SMEM") : "");
  for (char *word = strtok(list, " ,"); word && variants < MAX_VARIANTS;
       word = strtok(NULL, " ,")) {
    /* "S" or "S/B": S stages in shared memory, and ptxas asked for B blocks per SM. */
    stages[variants] = atoi(word);
    blocks[variants] = strchr(word, '/') ? atoi(strchr(word, '/') + 1) : 0;
    char *text = replace_bounds(base, blocks[variants]);
    sources[variants] = malloc(strlen(text) + 64);
    sprintf(sources[variants], "#define BB_SMEM_STAGES %d\n%s", stages[variants], text);
    free(text);
    variants++;
  }
  /* DEFINES="NAME VALUE;...": variants of other arithmetic, each checked against the float64
   * reference on its own (not against the as-is output). */
  char defines[512];
  int own_check[MAX_VARIANTS] = {0};
  const char *define_names[MAX_VARIANTS] = {0};
  snprintf(defines, sizeof defines, "%s", getenv("DEFINES") ? getenv("DEFINES") : "");
  for (char *d = strtok(defines, ";"); d && variants < MAX_VARIANTS; d = strtok(NULL, ";")) {
    /* "NAME VALUE|B" also asks ptxas for B blocks per SM */
    char *bar = strchr(d, '|');
    char *text = replace_bounds(base, bar ? atoi(bar + 1) : 0);
    sources[variants] = malloc(strlen(text) + strlen(d) + 16);
    sprintf(sources[variants], "#define %.*s\n%s", bar ? (int)(bar - d) : (int)strlen(d), d, text);
    free(text);
    own_check[variants] = 1;
    define_names[variants] = d;
    variants++;
  }
  bb_compiled compiled[MAX_VARIANTS];
  if (bb_compile_all(sources, variants, 90, compiled) != BITBLAS_OK) return 1;
  for (int v = 0; v < variants; v++)
    if (compiled[v].status != BITBLAS_OK) {
      fprintf(stderr, "variant smem=%d: %s\n", stages[v], compiled[v].message);
      return 1;
    }
  const char *cubin_dir = getenv("CUBIN_DIR");
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
  CUmodule modules[MAX_VARIANTS] = {0};
  CUfunction functions[MAX_VARIANTS] = {0};
  held_launch held[MAX_VARIANTS];
  char verdict[MAX_VARIANTS][64];
  void *reference = malloc(acts.C_bytes), *output = malloc(acts.C_bytes);
  char message[512] = "";
  double check_us = 0;
  const bb_candidate_outcome outcome = bb_measure_candidate(
      measure, compiled[0].cubin, &schedule, 25, 0, &check_us, message, sizeof message);
  bb_candidate_outcome own_outcome[MAX_VARIANTS];
  char own_message[MAX_VARIANTS][256];
  for (int v = 1; v < variants; v++)
    if (own_check[v])
      own_outcome[v] = bb_measure_candidate(measure, compiled[v].cubin, &schedule, 25, 0, &check_us,
                                            own_message[v], sizeof own_message[v]);
  for (int v = 0; v < variants; v++) {
    bb_function_load(gpu.cu, compiled[v].cubin, &modules[v], &functions[v]);
    held[v] = (held_launch){gpu.cu,
                            functions[v],
                            &schedule,
                            &cfg,
                            {0},
                            &rotation,
                            v ? ring_bytes(&schedule, stages[v]) : 0};
    held[v].args.A = acts.A;
    held[v].args.a_scale = acts.a_scale;
    held[v].args.C = acts.C;
    held[v].args.m = (int)cfg.M;
    int regs = 0, static_bytes = 0;
    gpu.cu->FuncGetAttribute(&regs, 4 /* CU_FUNC_ATTRIBUTE_NUM_REGS */, functions[v]);
    gpu.cu->FuncGetAttribute(&static_bytes, 1 /* CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES */,
                             functions[v]);
    if (held[v].shared_bytes &&
        gpu.cu->FuncSetAttribute(functions[v], 8 /* MAX_DYNAMIC_SHARED_SIZE_BYTES */,
                                 (int)held[v].shared_bytes)) {
      snprintf(verdict[v], sizeof verdict[v], "no room (%u B)", held[v].shared_bytes);
      held[v].function = NULL;
      continue;
    }
    if (run_to_host(&gpu, &held[v], &weights, &acts, v ? output : reference)) {
      snprintf(verdict[v], sizeof verdict[v], "run failed");
      held[v].function = NULL;
      continue;
    }
    if (own_check[v]) {
      const int ok = own_outcome[v] == BB_CANDIDATE_OK;
      snprintf(verdict[v], sizeof verdict[v], "check %s regs=%d %s",
               bb_candidate_outcome_name(own_outcome[v]), regs, ok ? "" : own_message[v]);
      if (!ok) held[v].function = NULL;
      continue;
    }
    const int same = v == 0 || memcmp(reference, output, acts.C_bytes) == 0;
    snprintf(verdict[v], sizeof verdict[v], "%s regs=%d smem=%d+%u", same ? "same" : "DIFFERENT",
             regs, static_bytes, held[v].shared_bytes);
    if (!same) held[v].function = NULL;
  }
  double us[MAX_VARIANTS][8] = {{0}};
  for (int r = 0; r < rounds && r < 8; r++)
    for (int v = 0; v < variants; v++)
      if (!held[v].function || bb_tool_timer_median_us(&timer, launch_held, &held[v], 100,
                                                       !rotation.evicts_l2, &us[v][r]))
        us[v][r] = -1;
  printf("%s M=%s N=%s K=%s | %s | check %s %s\n", argv[1], argv[2], argv[3], argv[4], argv[5],
         bb_candidate_outcome_name(outcome), message);
  for (int v = 0; v < variants; v++) {
    if (own_check[v])
      printf("  %s", define_names[v]);
    else
      printf("  smem=%d/%d", stages[v], blocks[v]);
    for (int r = 0; r < rounds && r < 8; r++) printf(" %8.2f", us[v][r]);
    printf(" us  %s\n", verdict[v]);
  }
  fflush(stdout);
  return 0;
}
