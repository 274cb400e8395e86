/*
 * measure.h - runs compiled candidates on random data in the worker process: checks each one
 * against the float64 CPU reference (and that it writes every output exactly once), then times
 * it with events, warm-up, an L2 flush before every timed run, and the median.
 */
#ifndef BITBLAS_MEASURE_H
#define BITBLAS_MEASURE_H

#include <stddef.h>

#include "bitblas.h"
#include "cache.h"
#include "cuda_driver.h"
#include "schedule.h"

typedef struct bb_measure bb_measure;

/* Allocates device buffers for cfg (static M) in the current context, fills them with fresh
 * random data, and computes the reference on sampled rows and columns. */
bitblas_status bb_measure_create(const bb_cuda_api *cu, const bitblas_matmul_config *cfg,
                                 int l2_bytes, bb_measure **out);
void bb_measure_destroy(bb_measure *measure);

/* Loads `cubin`, checks the schedule's kernel and times it. Returns the outcome; on OK *us is
 * the median time. CRASHED means the context is now unusable (the caller must exit). */
bb_candidate_outcome bb_measure_candidate(bb_measure *measure, const void *cubin,
                                          const bb_schedule *schedule, int timed_runs, double *us,
                                          char *message, size_t message_size);

/* The relative-error tolerance for an output of cfg (0 for exact integer paths). */
double bb_measure_tolerance(const bitblas_matmul_config *cfg);

#endif
