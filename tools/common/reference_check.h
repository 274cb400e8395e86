/*
 * reference_check.h - the tools' correctness check of an operator: one run on random device
 * operands, the output poisoned first, compared with bitblas_reference_matmul (float64, on the
 * host) on sampled rows and columns, or on all of them for small problems. No timing here.
 */
#ifndef BITBLAS_TOOL_REFERENCE_CHECK_H
#define BITBLAS_TOOL_REFERENCE_CHECK_H

#include <stdint.h>

#include "bitblas.h"
#include "device.h"
#include "random_data.h"

/* Problems with at most this many multiply-adds (m * N * K) are compared in full. */
#define BB_TOOL_CHECK_FULL_MACS ((int64_t)1 << 25)

/* Otherwise at most this many rows and columns are compared. */
#define BB_TOOL_CHECK_SAMPLE_ROWS 4
#define BB_TOOL_CHECK_SAMPLE_COLUMNS 128

typedef struct bb_tool_check_result {
  int64_t rows_checked;
  int64_t columns_checked;
  double relative_l2_error; /* bb_error_sum_relative (src/reference.h) over the compared elements */
  double max_error_ratio;   /* max |C - ref| / max(|ref|, size of the terms / sqrt(K)) */
  double tolerance;         /* bound on relative_l2_error; max_error_ratio may reach 5x it */
  int64_t nonfinite;        /* compared outputs that are NaN or infinite (poison left over) */
  int passed;
} bb_tool_check_result;

/* The relative error allowed for a config: 1e-2 when A or the output is bfloat16 (8-bit
 * mantissa), 2e-3 otherwise (float16 rounding of dequantized weights and of the output). */
double bb_tool_check_tolerance(const bitblas_matmul_config *cfg);

/* Runs `op` for m rows (1 <= m <= host_activations->rows) on the device operands, which must
 * hold the host operands' values, and compares with the CPU reference: every element when
 * m*N*K <= BB_TOOL_CHECK_FULL_MACS, else the first and last rows and columns plus random ones
 * (up to BB_TOOL_CHECK_SAMPLE_ROWS x BB_TOOL_CHECK_SAMPLE_COLUMNS). C is filled with 0xFF bytes
 * (NaN for float outputs) before the run, so unwritten outputs fail. Returns 0 when the
 * comparison was made (result->passed says whether it passed) or -1 with bb_tool_error() set
 * when it could not be made (a failed run, copy or reference). */
int bb_tool_check_op(const bb_tool_gpu *gpu, const bitblas_op *op,
                     const bb_tool_host_weights *host_weights,
                     const bb_tool_host_activations *host_activations,
                     const bb_tool_device_weights *device_weights,
                     const bb_tool_device_activations *device_activations, int64_t m, bb_rng *rng,
                     bb_tool_check_result *result);

#endif
