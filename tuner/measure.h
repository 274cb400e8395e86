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

/* Whether cfg differs from the measurement's config in M alone, with its weights stored in the
 * same order: the buckets of one dynamic operator, or one layer at several static M. */
int bb_measure_shares_weights(const bb_measure *measure, const bitblas_matmul_config *cfg);

/* Readies the measurement for cfg, which must share its weights (above): fresh random
 * activations of cfg->M rows, a new output and a new reference; the weights, scales, zeros,
 * bias and their copies stay, so a dynamic operator's buckets make them once. BITBLAS_OK;
 * BITBLAS_INVALID_ARGUMENT (or the validation's status) for a cfg that is invalid or does not
 * share the weights, with nothing changed; on any other failure the measurement must be
 * destroyed. */
bitblas_status bb_measure_retarget(bb_measure *measure, const bitblas_matmul_config *cfg);

/* Loads `cubin`, checks the schedule's kernel (and, for configs that quantize their rows, the
 * row quantizer and the one-kernel layer in the same module: layer_check.h) and times the kernel
 * over `timed_runs` runs (at most BB_MEASURE_MAX_RUNS), enqueued behind a stream hold so that
 * they run back to back (stream_hold.h). It stops after BB_MEASURE_RACE_RUNS timed runs, and
 * reports their median, when each of them took longer than `give_up_above_us` (0: never), so
 * that it cannot win, or at least BB_MEASURE_LONG_US: kernels that long differ from each other by
 * more than their runs do, and more runs only cost time.
 * Returns the outcome; on OK *us is the median time. CRASHED means the context is now unusable
 * (the caller must exit). */
bb_candidate_outcome bb_measure_candidate(bb_measure *measure, const void *cubin,
                                          const bb_schedule *schedule, int timed_runs,
                                          double give_up_above_us, double *us, char *message,
                                          size_t message_size);

/* Timed runs after which a candidate clearly slower than the best so far, or a long one, stops. */
#define BB_MEASURE_RACE_RUNS 3
#define BB_MEASURE_LONG_US 1000.0

/* The outcome of a CUDA call made while a candidate is measured: OK on success; otherwise
 * "what: error name (code)" in message, and CRASHED where the error is sticky (the context is
 * unusable), else LAUNCH_FAILED. */
bb_candidate_outcome bb_measure_cuda_outcome(const bb_cuda_api *cu, CUresult result,
                                             const char *what, char *message, size_t message_size);

/* The most timed runs one candidate gets (more are cut to this). */
#define BB_MEASURE_MAX_RUNS 64

/* The relative-error tolerance for an output of cfg (0 for exact integer paths). */
double bb_measure_tolerance(const bitblas_matmul_config *cfg);

#endif
