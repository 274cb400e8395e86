/* Times every tcgemv candidate of a config that may take given sums (bb_tcgemv_given_sums_fit)
 * as it is and with sums=given, through the tuner's own check and timing (bb_measure_candidate:
 * two runs on poisoned outputs checked against the float64 reference, then the median of 50
 * timed runs that do not find the weights in L2; with sums=given a run is the sums kernel and
 * the product, with the workspace taken and handed back, as bitblas_op_run enqueues them).
 * ROUNDS rounds, each candidate's two forms in turn.
 *   sums-timer FORMAT M N K [ROUNDS]   (FORMAT as bitblas-bench's --formats)
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-n/sums-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/sums-timer
 * COMPILE_ONLY=1: compile the pairs for sm_90 only (no GPU needed). */
#include <stdio.h>
#include <stdlib.h>
#include "bitblas.h"
#include "compile.h"
#include "device.h"
#include "errors.h"
#include "formats.h"
#include "measure.h"
#include "schedule.h"

#define MAX_ROUNDS 8

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  const int rounds = argc > 5 && atoi(argv[5]) > 0 && atoi(argv[5]) <= MAX_ROUNDS ? atoi(argv[5]) : 3;
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), &cfg);
  bb_schedule all[BB_MAX_CANDIDATES], schedules[2 * BB_MAX_CANDIDATES];
  const int candidates = bb_candidates_enumerate(&cfg, all);
  int count = 0;
  for (int i = 0; i < candidates; i++) {
    if (!bb_tcgemv_given_sums_fit(&cfg, &all[i])) continue;
    schedules[count] = all[i];
    schedules[count + 1] = all[i];
    schedules[count + 1].given_sums = 1;
    count += 2;
  }
  printf("%s M=%s N=%s K=%s: %d of %d candidates may take given sums\n", argv[1], argv[2],
         argv[3], argv[4], count / 2, candidates);
  if (count == 0) return 0;
  char *sources[2 * BB_MAX_CANDIDATES];
  for (int i = 0; i < count; i++)
    if (!(sources[i] = bb_emit_source(&cfg, &schedules[i], BB_FAULT_NONE))) return 1;
  bb_compiled compiled[2 * BB_MAX_CANDIDATES];
  if (bb_compile_all(sources, count, 90, compiled) != BITBLAS_OK) return 1;
  int failed = 0;
  for (int i = 0; i < count; i++)
    if (compiled[i].status != BITBLAS_OK) {
      char text[160];
      bb_schedule_format(&schedules[i], text, sizeof text);
      fprintf(stderr, "%s: %s\n", text, compiled[i].message);
      failed = 1;
    }
  if (failed) return 1;
  if (getenv("COMPILE_ONLY")) {
    printf("  %d sources compiled for sm_90\n", count);
    return 0;
  }
  bb_tool_gpu gpu;
  bitblas_status status;
  if (bb_tool_gpu_open(0, &gpu, &status) != 0) {
    fprintf(stderr, "%s\n", bb_tool_error());
    return 1;
  }
  bb_measure *measure = NULL;
  if (bb_measure_create(gpu.cu, &cfg, gpu.l2_bytes, &measure) != BITBLAS_OK) {
    fprintf(stderr, "measure: %s\n", bitblas_last_error());
    return 1;
  }
  static double us[2 * BB_MAX_CANDIDATES][MAX_ROUNDS];
  static char message[2 * BB_MAX_CANDIDATES][512];
  bb_candidate_outcome outcome[2 * BB_MAX_CANDIDATES];
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < count; i++) {
      outcome[i] = bb_measure_candidate(measure, compiled[i].cubin, &schedules[i], 50, 0,
                                        &us[i][r], message[i], sizeof message[i]);
      if (outcome[i] == BB_CANDIDATE_CRASHED) {
        fprintf(stderr, "crashed: %s\n", message[i]);
        return 1;
      }
    }
  double best[2] = {0, 0};
  int best_index[2] = {-1, -1};
  for (int i = 0; i < count; i++) {
    char text[160];
    bb_schedule_format(&schedules[i], text, sizeof text);
    double low = 0;
    for (int r = 0; r < rounds; r++)
      if (outcome[i] == BB_CANDIDATE_OK && (r == 0 || us[i][r] < low)) low = us[i][r];
    printf("  %-86s %-5s", text, bb_candidate_outcome_name(outcome[i]));
    for (int r = 0; r < rounds; r++) printf(" %8.2f", us[i][r]);
    if (outcome[i] != BB_CANDIDATE_OK) printf("  %s", message[i]);
    if (i % 2 == 1 && outcome[i] == BB_CANDIDATE_OK && outcome[i - 1] == BB_CANDIDATE_OK) {
      double plain = 0;
      for (int r = 0; r < rounds; r++)
        if (r == 0 || us[i - 1][r] < plain) plain = us[i - 1][r];
      printf("  given/plain %.3f", low / plain);
    }
    printf("\n");
    const int v = i % 2;
    if (outcome[i] == BB_CANDIDATE_OK && (best_index[v] < 0 || low < best[v])) {
      best[v] = low;
      best_index[v] = i;
    }
  }
  if (best_index[0] >= 0 && best_index[1] >= 0)
    printf("  best: plain %.2f us, given %.2f us, given/plain %.3f\n", best[0], best[1],
           best[1] / best[0]);
  bb_measure_destroy(measure);
  fflush(stdout);
  return 0;
}
