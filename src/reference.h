/*
 * reference.h - the float64 CPU reference of the whole operation on chosen rows and columns
 * only, so that large GPU outputs can be checked on a sample. The full product is the public
 * bitblas_reference_matmul(); both follow SPEC section 2 exactly.
 */
#ifndef BITBLAS_REFERENCE_H
#define BITBLAS_REFERENCE_H

#include <stdint.h>

#include "bitblas.h"

/* out[i, j] (row-major [row_count, col_count] doubles) = the exact float64 value of output
 * element (rows[i], cols[j]) of the operation cfg describes, on host buffers laid out as in
 * bitblas_matmul_args (W in the plain packed layout, 16-bit floats as raw bits, host_args->m rows
 * of A). rows / cols may be NULL to mean 0 .. row_count-1 / 0 .. col_count-1. Needs a valid cfg,
 * host_args->m >= 1, every buffer the config uses, every row in [0, m) and every column in
 * [0, N), and counts >= 1. Errors: BITBLAS_INVALID_ARGUMENT / BITBLAS_UNSUPPORTED (config, as
 * bitblas_matmul_config_validate), BITBLAS_INVALID_ARGUMENT naming the NULL buffer or the index
 * out of range, BITBLAS_OUT_OF_MEMORY. Allocates O((row_count + 1) * K) scratch at most 64 MiB
 * beyond one decoded row of W. Thread-safe. */
bitblas_status bb_reference_subset(const bitblas_matmul_config *cfg,
                                   const bitblas_matmul_args *host_args, const int64_t *rows,
                                   int64_t row_count, const int64_t *cols, int64_t col_count,
                                   double *out);

/* As bb_reference_subset, and also magnitude[i, j] = sum over k of |a w| (plus |bias|) for the
 * same output: the size of the terms that its rounding errors grow with. */
bitblas_status bb_reference_subset_sized(const bitblas_matmul_config *cfg,
                                         const bitblas_matmul_args *host_args, const int64_t *rows,
                                         int64_t row_count, const int64_t *cols, int64_t col_count,
                                         double *out, double *magnitude);

/* The relative error the checks use, summed output by output:
 *   ||got - want|| / max(||want||, ||magnitude|| / sqrt(K)).
 * A sum of K random-signed terms is typically about ||terms|| / sqrt(K); one that cancels far
 * below that (a single output can) is measured against that size instead, so that its own
 * smallness does not make ordinary rounding look like an error. A NaN or infinite output makes
 * the error infinite. Start from a zeroed struct. */
typedef struct bb_error_sum {
  double error, norm, magnitude; /* sums of squares */
} bb_error_sum;

void bb_error_sum_add(bb_error_sum *sum, double got, double want, double magnitude);

double bb_error_sum_relative(const bb_error_sum *sum, int64_t K);

#endif
