/*
 * tune.h - tuning one static-M config: the caller's side. Candidates are compiled, checked and
 * timed in a separate process, bitblas-worker, started on first use and kept per context, so
 * that a candidate that traps, faults or hangs costs a worker, never the caller's CUDA context.
 */
#ifndef BITBLAS_TUNE_H
#define BITBLAS_TUNE_H

#include <stddef.h>
#include <sys/types.h>

#include "bitblas.h"
#include "cache.h"
#include "schedule.h"

typedef struct bb_worker {
  pid_t pid;       /* 0 when not running */
  int to_worker;   /* our end of the socket pair that is the worker's stdin and stdout */
  int from_worker; /* the same descriptor: requests go out and replies come back on it */
  char buffer[8192];
  size_t buffered;
} bb_worker;

typedef struct bb_tune_result {
  int candidate_count;
  bb_schedule schedules[BB_MAX_CANDIDATES];
  bb_candidate_result results[BB_MAX_CANDIDATES];
  int winner;  /* index into schedules */
  void *cubin; /* the winner's, malloc'd */
  size_t cubin_size;
  double us;
  int nvrtc_version;   /* of the worker that compiled it */
  int workers_started; /* 1, plus one per candidate that killed a worker */
  double seconds;
} bb_tune_result;

/* The path of bitblas-worker: $BITBLAS_WORKER, else the installed one (libexec), else the build
 * tree's, else beside the library. BITBLAS_WORKER_FAILED if none is executable. */
bitblas_status bb_worker_path(char *buf, size_t size);

/* Tunes cfg (static M) on device `device_ordinal` through `worker` (started if needed).
 * BITBLAS_OK with the winner, or BITBLAS_NO_VALID_CANDIDATE (every candidate's outcome in the
 * message), BITBLAS_WORKER_FAILED, BITBLAS_NO_NVRTC. Failed candidates never fail the call when
 * another one works. Free with bb_tune_result_free. */
bitblas_status bb_tune(bb_worker *worker, int device_ordinal, const bitblas_matmul_config *cfg,
                       bb_tune_result *out);

void bb_tune_result_free(bb_tune_result *result);

/* Stops the worker (closes its stdin, waits, kills it if it lingers). No-op if not running. */
void bb_worker_stop(bb_worker *worker);

/* The wire format between the two sides, shared by tune.c and worker_main.c. */
#define BB_WORKER_REQUEST_TUNE "tune"

#endif
