/* Compiles and times named schedules of one config in one process, each checked against the
 * float64 reference by the tuner's measurement first (bb_measure_candidate).
 *   schedule-timer FORMAT M N K SCHEDULE...   (FORMAT as bitblas-bench's --formats)
 * MIN_BLOCKS=n asks ptxas for n blocks per SM; PREFIX="text" puts text (such as a #define of an
 * experiment's macro) before the source; CUBIN_DIR=dir writes each cubin there (i.cubin, i the
 * schedule's argument index), for cuobjdump. Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-c/schedule-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/schedule-timer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bitblas.h"
#include "compile.h"
#include "cuda_driver.h"
#include "formats.h"
#include "measure.h"
#include "schedule.h"
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
  if (bb_tool_format_parse(argv[1], &format) != 0) {
    fprintf(stderr, "format %s\n", argv[1]);
    return 1;
  }
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), &cfg);
  bb_measure *m = NULL;
  if (bb_measure_create(cu, &cfg, 50 << 20, &m)) {
    fprintf(stderr, "%s\n", bitblas_last_error());
    return 1;
  }
  for (int i = 5; i < argc; i++) {
    bb_schedule s;
    if (bb_schedule_parse(argv[i], &s)) { fprintf(stderr, "%s\n", bitblas_last_error()); return 1; }
    char *src = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
    /* MIN_BLOCKS=n: ask ptxas for n blocks per SM (registers capped to fit them). */
    const char *min_blocks = getenv("MIN_BLOCKS");
    const char *bounds = "__launch_bounds__(BB_THREADS)";
    char *at = src ? strstr(src, bounds) : NULL;
    if (min_blocks && at) {
      char *patched = malloc(strlen(src) + 16);
      sprintf(patched, "%.*s__launch_bounds__(BB_THREADS, %d)%s", (int)(at - src), src,
              atoi(min_blocks), at + strlen(bounds));
      free(src);
      src = patched;
    }
    const char *prefix = getenv("PREFIX");
    if (prefix && src) {
      char *patched = malloc(strlen(prefix) + strlen(src) + 2);
      sprintf(patched, "%s\n%s", prefix, src);
      free(src);
      src = patched;
    }
    bb_compiled c[1];
    if (bb_compile_all(&src, 1, 90, c) || c[0].status) {
      fprintf(stderr, "compile %s\n", c[0].message);
      return 1;
    }
    const char *cubin_dir = getenv("CUBIN_DIR");
    if (cubin_dir) {
      char path[512];
      snprintf(path, sizeof path, "%s/%d.cubin", cubin_dir, i);
      FILE *f = fopen(path, "wb");
      if (f) {
        fwrite(c[0].cubin, 1, c[0].cubin_size, f);
        fclose(f);
      }
    }
    double us = 0;
    char msg[512];
    bb_candidate_outcome o = bb_measure_candidate(m, c[0].cubin, &s, 50, 0, &us, msg, sizeof msg);
    printf("%s %s %s %s min_blocks=%s%s%s | %-80s %s %.2f us %s\n", argv[1], argv[2], argv[3],
           argv[4], min_blocks ? min_blocks : "-", prefix ? " prefix=" : "", prefix ? prefix : "",
           argv[i], bb_candidate_outcome_name(o), us, msg);
    fflush(stdout);
    bb_compiled_free(c, 1);
    free(src);
  }
  return 0;
}
