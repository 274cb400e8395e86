/* Compiles and measures a few tcgemv schedules of one config (for profiling under ncu). */
#include <stdio.h>
#include <stdlib.h>
#include "bitblas.h"
#include "compile.h"
#include "cuda_driver.h"
#include "measure.h"
#include "schedule.h"
int main(int argc, char **argv) {
  bitblas_status status;
  const bb_cuda_api *cu = bb_cuda_load(&status);
  CUdevice device; CUcontext context;
  if (!cu || cu->DeviceGet(&device, 0) || cu->DevicePrimaryCtxRetain(&context, device) || cu->CtxPushCurrent(context)) return 1;
  bitblas_matmul_config cfg; bitblas_matmul_config_init(&cfg);
  cfg.M = 1; cfg.N = 57344; cfg.K = 8192; cfg.group_size = 128; cfg.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
  bb_measure *m = NULL;
  if (bb_measure_create(cu, &cfg, 50 << 20, &m)) { fprintf(stderr, "%s\n", bitblas_last_error()); return 1; }
  for (int i = 1; i < argc; i++) {
    bb_schedule s;
    if (bb_schedule_parse(argv[i], &s)) return 1;
    char *src = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
    bb_compiled c[1];
    if (bb_compile_all(&src, 1, 90, c) || c[0].status) { fprintf(stderr, "compile %s\n", c[0].message); return 1; }
    double us = 0; char msg[512];
    bb_candidate_outcome o = bb_measure_candidate(m, c[0].cubin, &s, atoi(getenv("RUNS") ? getenv("RUNS") : "50"), &us, msg, sizeof msg);
    printf("%-90s %s %.2f us %s\n", argv[i], bb_candidate_outcome_name(o), us, msg);
    fflush(stdout);
    bb_compiled_free(c, 1);
  }
  return 0;
}
