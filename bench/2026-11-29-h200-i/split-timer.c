/* Times schedules of one config, each with and without thread-block-cluster split, in one
 * process; every kernel is checked against the float64 reference by the tuner's measurement
 * first (bb_measure_candidate), and all are compiled up front on the host's cores.
 *   split-timer FORMAT M N K SCHEDULE...   (FORMAT as bitblas-bench's --formats)
 * For each SCHEDULE it times: the schedule; with split=2 and split=4; and, where its warps allow,
 * half the warps with split=2 and a quarter with split=4 (the same warps per block of rows).
 * ROUNDS (default 2) passes over the list. Needs the library with cluster-split.patch applied.
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-29-h200-i/split-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/split-timer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bitblas.h"
#include "compile.h"
#include "cuda_driver.h"
#include "formats.h"
#include "measure.h"
#include "schedule.h"

#define MAX_SCHEDULES 64

int main(int argc, char **argv) {
  if (argc < 6) return 2;
  bitblas_status status;
  const bb_cuda_api *cu = bb_cuda_load(&status);
  CUdevice device;
  CUcontext context;
  if (!cu || cu->DeviceGet(&device, 0) || cu->DevicePrimaryCtxRetain(&context, device) ||
      cu->CtxPushCurrent(context)) {
    fprintf(stderr, "no CUDA device: %s\n", bitblas_last_error());
    return 1;
  }
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), &cfg);
  bb_measure *m = NULL;
  if (bb_measure_create(cu, &cfg, 50 << 20, &m)) {
    fprintf(stderr, "%s\n", bitblas_last_error());
    return 1;
  }
  bb_schedule schedules[MAX_SCHEDULES];
  int count = 0;
  for (int i = 5; i < argc && count + 5 <= MAX_SCHEDULES; i++) {
    bb_schedule s;
    if (bb_schedule_parse(argv[i], &s)) {
      fprintf(stderr, "%s\n", bitblas_last_error());
      return 1;
    }
    s.split = 1;
    schedules[count++] = s;
    for (int split = 2; split <= 4; split *= 2) {
      bb_schedule v = s;
      v.split = split;
      schedules[count++] = v;
      if (s.warps >= 2 * split) {
        v.warps = s.warps / split;
        schedules[count++] = v;
      }
    }
  }
  char *sources[MAX_SCHEDULES];
  bb_compiled compiled[MAX_SCHEDULES];
  for (int i = 0; i < count; i++) sources[i] = bb_emit_source(&cfg, &schedules[i], BB_FAULT_NONE);
  if (bb_compile_all(sources, count, 90, compiled)) return 1;
  const int rounds = getenv("ROUNDS") ? atoi(getenv("ROUNDS")) : 2;
  for (int i = 0; i < count; i++) {
    char text[160];
    bb_schedule_format(&schedules[i], text, sizeof text);
    printf("%s %s %s %s | %-88s", argv[1], argv[2], argv[3], argv[4], text);
    if (compiled[i].status) {
      printf(" compile failed: %.200s\n", compiled[i].message);
      continue;
    }
    for (int round = 0; round < rounds; round++) {
      double us = 0;
      char message[512];
      const bb_candidate_outcome o = bb_measure_candidate(m, compiled[i].cubin, &schedules[i], 50,
                                                          &us, message, sizeof message);
      printf(" %s %.2f", bb_candidate_outcome_name(o), us);
      if (o != 0) printf(" (%s)", message);
    }
    printf(" us\n");
    fflush(stdout);
  }
  bb_compiled_free(compiled, count);
  for (int i = 0; i < count; i++) free(sources[i]);
  return 0;
}
