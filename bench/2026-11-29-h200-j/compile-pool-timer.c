/* Wall time of compiling a dynamic operator's candidates (the 8 default M buckets) with the
 * worker's memo, bucket by bucket as the tuner does, against all distinct sources in one pool.
 * No GPU is used; NVRTC compiles for sm_90 on $BITBLAS_COMPILE_THREADS threads (default: the
 * CPUs, at most 16).
 *   compile-pool-timer N K [ROUNDS]    (float16 x uint4, g128, original zeros)
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-29-h200-j/compile-pool-timer.c -Iinclude -Ituner -Isrc \
 *     -Icache build-gpu/libbitblas_static.a -lsqlite3 -ldl -lpthread -lm \
 *     -o build-gpu/compile-pool-timer */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bitblas.h"
#include "compile.h"
#include "cubin_memo.h"
#include "schedule.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  const int rounds = argc > 3 ? atoi(argv[3]) : 2;
  static const int buckets[8] = {1, 16, 32, 64, 128, 256, 512, 1024};
  static bb_schedule schedules[8][BB_MAX_CANDIDATES];
  static char *sources[8][BB_MAX_CANDIDATES];
  int counts[8];
  char *all[8 * BB_MAX_CANDIDATES];
  bb_schedule all_schedules[8 * BB_MAX_CANDIDATES];
  int distinct = 0, total = 0;
  for (int b = 0; b < 8; b++) {
    bitblas_matmul_config cfg;
    bitblas_matmul_config_init(&cfg);
    cfg.M = buckets[b];
    cfg.N = atoll(argv[1]);
    cfg.K = atoll(argv[2]);
    cfg.dynamic_m = 1;
    cfg.group_size = 128;
    cfg.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
    counts[b] = bb_candidates_enumerate(&cfg, schedules[b]);
    for (int i = 0; i < counts[b]; i++) {
      sources[b][i] = bb_emit_source(&cfg, &schedules[b][i], BB_FAULT_NONE);
      int seen = 0;
      for (int j = 0; j < distinct && !seen; j++) seen = strcmp(all[j], sources[b][i]) == 0;
      if (!seen) {
        all_schedules[distinct] = schedules[b][i];
        all[distinct++] = sources[b][i];
      }
      total++;
    }
  }
  printf("N=%s K=%s: %d candidates over 8 buckets, %d distinct sources\n", argv[1], argv[2], total,
         distinct);
  static bb_compiled out[8 * BB_MAX_CANDIDATES];
  for (int r = 0; r < rounds; r++) {
    bb_cubin_memo *memo = bb_cubin_memo_create((size_t)64 << 20);
    const double start = now();
    printf("round %d, bucket by bucket:", r + 1);
    for (int b = 0; b < 8; b++) {
      int order[BB_MAX_CANDIDATES], reused = 0;
      bb_schedules_compile_order(schedules[b], counts[b], order);
      const double t = now();
      bb_compile_all_remembered(memo, sources[b], counts[b], 90, order, out, &reused);
      printf(" %.2f", now() - t);
      bb_compiled_free(out, counts[b]);
    }
    printf(" s, %.2f s in all\n", now() - start);
    bb_cubin_memo_destroy(memo);
    int order[8 * BB_MAX_CANDIDATES];
    bb_schedules_compile_order(all_schedules, distinct, order);
    const double t = now();
    bb_compile_all_ordered(all, distinct, 90, order, out);
    printf("round %d, one pool: %.2f s\n", r + 1, now() - t);
    bb_compiled_free(out, distinct);
  }
  return 0;
}
