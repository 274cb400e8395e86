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

/* The path of bitblas-worker for the code loaded from `library_file` (the shared library, or
 * the program bitblas is linked into): $BITBLAS_WORKER when set (BITBLAS_WORKER_FAILED if it is
 * not executable); else the worker that belongs to that file: the installed layout's, libexec
 * relative to its folder (BITBLAS_WORKER_FROM_LIBDIR), or the build tree's, beside it; else the
 * configured install path; else the build tree the library was built in. So an installed
 * library, even a relocated one, runs its own worker, never a build tree's. library_file may be
 * NULL. BITBLAS_WORKER_FAILED, naming every place tried, if none is executable. */
bitblas_status bb_worker_path_for_library(const char *library_file, char *buf, size_t size);

/* bb_worker_path_for_library for the file this code was loaded from (dladdr). */
bitblas_status bb_worker_path(char *buf, size_t size);

/* Tunes cfg (one M: cfg->M; dynamic_m set marks a dynamic operator's bucket whose weights stay
 * in the plain layout, see bb_config_weight_order) on device `device_ordinal`, of compute
 * capability `arch` (major x 10 + minor: the candidate list, bb_candidates_enumerate_for, is the
 * one the worker enumerates for that device), through `worker` (started if needed, and started
 * again if it ended since its last request). The worker
 * inherits no descriptor of this process but its end of the socket pair (as stdin and stdout)
 * and stderr. Time limits, per reply:
 * 300 s while compiling; BITBLAS_TUNE_SETUP_TIMEOUT (default: the larger of 60 s and 4 run
 * limits) while it sets up the test inputs; BITBLAS_TUNE_TIMEOUT (default 60 s) for each
 * candidate's run. Not thread-safe for one worker: callers serialize their use of it.
 * BITBLAS_OK with the winner, or BITBLAS_NO_VALID_CANDIDATE (every candidate's outcome in the
 * message), BITBLAS_WORKER_FAILED, BITBLAS_NO_NVRTC. Failed candidates never fail the call when
 * another one works. Free with bb_tune_result_free. */
bitblas_status bb_tune(bb_worker *worker, int device_ordinal, int arch,
                       const bitblas_matmul_config *cfg, bb_tune_result *out);

void bb_tune_result_free(bb_tune_result *result);

/* Stops the worker (closes its stdin, waits, kills it if it lingers). No-op if not running. */
void bb_worker_stop(bb_worker *worker);

/* The wire format between the two sides, shared by tune.c and worker_main.c. */
#define BB_WORKER_REQUEST_TUNE "tune"

#endif
