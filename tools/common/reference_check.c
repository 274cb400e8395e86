/*
 * reference_check.c - comparing an operator's output with the CPU reference (see
 * reference_check.h). The reference runs on a sub-problem made of the sampled rows of A and the
 * sampled rows of W (columns of C), so its cost stays small for any shape. Only public API calls
 * and driver copies.
 */
#include "reference_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "half.h"
#include "reference.h"

double bb_tool_check_tolerance(const bitblas_matmul_config *cfg) {
  if (cfg->A_dtype == BITBLAS_DTYPE_BFLOAT16 || cfg->out_dtype == BITBLAS_DTYPE_BFLOAT16)
    return 1e-2;
  return 2e-3;
}

/* Picks `count` distinct ascending indices in [0, total): one per equal stretch, at a random
 * place in it, the first and last stretches pinned to 0 and total - 1. */
static void pick_indices(int64_t total, int64_t count, bb_rng *rng, int64_t *indices) {
  if (count >= total) {
    for (int64_t i = 0; i < total; i++) indices[i] = i;
    return;
  }
  for (int64_t i = 0; i < count; i++) {
    int64_t begin = i * total / count, end = (i + 1) * total / count; /* end > begin */
    indices[i] = begin + (int64_t)(bb_rng_next(rng) % (uint64_t)(end - begin));
  }
  indices[0] = 0;
  indices[count - 1] = total - 1;
}

/* Copies the b-bit codes of the chosen columns of each packed row of quantized zeros
 * ([groups, ceil(N*b/8)] bytes, packed along N) into a [groups, ceil(count*b/8)] array.
 * b is 1, 2, 4 or 8, so no code straddles a byte. */
static void select_quantized_zeros(const uint8_t *zeros, int64_t groups, int64_t N, int bits,
                                   const int64_t *columns, int64_t count, uint8_t *out) {
  int64_t row_bytes = (N * bits + 7) / 8, out_row_bytes = (count * bits + 7) / 8;
  unsigned mask = (1u << bits) - 1u;
  memset(out, 0, (size_t)(groups * out_row_bytes));
  for (int64_t g = 0; g < groups; g++) {
    for (int64_t j = 0; j < count; j++) {
      int64_t from_bit = columns[j] * bits, to_bit = j * bits;
      unsigned code = (zeros[g * row_bytes + from_bit / 8] >> (from_bit % 8)) & mask;
      out[g * out_row_bytes + to_bit / 8] |= (uint8_t)(code << (to_bit % 8));
    }
  }
}

int bb_tool_check_op(const bb_tool_gpu *gpu, const bitblas_op *op,
                     const bb_tool_host_weights *host_weights,
                     const bb_tool_host_activations *host_activations,
                     const bb_tool_device_weights *device_weights,
                     const bb_tool_device_activations *device_activations, int64_t m, bb_rng *rng,
                     bb_tool_check_result *result) {
  const bb_cuda_api *cu = gpu->cu;
  memset(result, 0, sizeof *result);
  const bitblas_matmul_config *cfg = bitblas_op_config(op);
  if (m < 1 || m > host_activations->rows || m > device_activations->rows)
    return bb_tool_fail("check: m = %lld is outside the %lld rows of the operands", (long long)m,
                        (long long)host_activations->rows);
  const int64_t N = cfg->N, K = cfg->K;
  const size_t out_size = (size_t)bitblas_dtype_bits(cfg->out_dtype) / 8;
  const size_t a_row_bytes = (size_t)K * (size_t)(bitblas_dtype_bits(cfg->A_dtype) / 8);
  const size_t w_row_bytes = host_weights->W_bytes / (size_t)N;
  const size_t scales_row_bytes = host_weights->scales_bytes / (size_t)N;
  const int full = (double)m * (double)N * (double)K <= (double)BB_TOOL_CHECK_FULL_MACS;
  const int64_t row_count = full || m < BB_TOOL_CHECK_SAMPLE_ROWS ? m : BB_TOOL_CHECK_SAMPLE_ROWS;
  const int64_t column_count =
      full || N < BB_TOOL_CHECK_SAMPLE_COLUMNS ? N : BB_TOOL_CHECK_SAMPLE_COLUMNS;

  /* The sub-problem: rows of A and columns of C (rows of W, scales, zeros) that are compared. */
  bitblas_matmul_config sub = *cfg;
  sub.M = row_count;
  sub.N = column_count;
  sub.dynamic_m = 0;
  sub.m_bucket_count = 0;
  memset(sub.m_buckets, 0, sizeof sub.m_buckets);

  int64_t *rows = malloc((size_t)row_count * sizeof *rows);
  int64_t *columns = malloc((size_t)column_count * sizeof *columns);
  uint8_t *sub_A = malloc((size_t)row_count * a_row_bytes);
  uint8_t *sub_W = malloc((size_t)column_count * w_row_bytes);
  uint8_t *sub_scales =
      host_weights->scales ? malloc((size_t)column_count * scales_row_bytes) : NULL;
  size_t sub_zeros_bytes = bitblas_zeros_bytes(&sub);
  uint8_t *sub_zeros = host_weights->zeros ? malloc(sub_zeros_bytes ? sub_zeros_bytes : 1) : NULL;
  uint8_t *sub_bias = host_weights->bias ? malloc((size_t)column_count * out_size) : NULL;
  float *sub_a_scale = host_activations->a_scale ? malloc((size_t)row_count * sizeof(float)) : NULL;
  double *reference = malloc((size_t)(row_count * column_count) * sizeof *reference);
  double *magnitude = malloc((size_t)(row_count * column_count) * sizeof *magnitude);
  uint8_t *output_row = malloc((size_t)N * out_size);
  int failed = 0;
  if (!rows || !columns || !sub_A || !sub_W || !reference || !magnitude || !output_row ||
      (host_weights->scales && !sub_scales) || (host_weights->zeros && !sub_zeros) ||
      (host_weights->bias && !sub_bias) || (host_activations->a_scale && !sub_a_scale)) {
    failed = bb_tool_fail("check: out of host memory");
    goto done;
  }
  pick_indices(m, row_count, rng, rows);
  pick_indices(N, column_count, rng, columns);
  for (int64_t i = 0; i < row_count; i++) {
    memcpy(sub_A + (size_t)i * a_row_bytes,
           (const uint8_t *)host_activations->A + (size_t)rows[i] * a_row_bytes, a_row_bytes);
    if (sub_a_scale) sub_a_scale[i] = host_activations->a_scale[rows[i]];
  }
  for (int64_t j = 0; j < column_count; j++) {
    memcpy(sub_W + (size_t)j * w_row_bytes,
           (const uint8_t *)host_weights->W + (size_t)columns[j] * w_row_bytes, w_row_bytes);
    if (sub_scales)
      memcpy(sub_scales + (size_t)j * scales_row_bytes,
             (const uint8_t *)host_weights->scales + (size_t)columns[j] * scales_row_bytes,
             scales_row_bytes);
    if (sub_bias) /* bias [N] of the output dtype */
      memcpy(sub_bias + (size_t)j * out_size,
             (const uint8_t *)host_weights->bias + (size_t)columns[j] * out_size, out_size);
  }
  if (sub_zeros) {
    if (cfg->zeros_mode == BITBLAS_ZEROS_QUANTIZED) {
      int64_t groups = cfg->group_size == -1 ? 1 : K / cfg->group_size;
      select_quantized_zeros(host_weights->zeros, groups, N, bitblas_dtype_bits(cfg->W_dtype),
                             columns, column_count, sub_zeros);
    } else {
      for (int64_t j = 0; j < column_count; j++) /* float zeros: [N, K/g] like the scales */
        memcpy(sub_zeros + (size_t)j * scales_row_bytes,
               (const uint8_t *)host_weights->zeros + (size_t)columns[j] * scales_row_bytes,
               scales_row_bytes);
    }
  }

  /* The GPU run, on a poisoned output. cuMemsetD8 runs on the legacy stream, which does not
   * order with our non-blocking stream: synchronize the context in between. */
  BB_TOOL_CU_GOTO(cu, cu->StreamSynchronize(gpu->stream), failed, done);
  BB_TOOL_CU_GOTO(cu, cu->MemsetD8(device_activations->C, 0xFF, (size_t)m * (size_t)N * out_size),
                  failed, done);
  BB_TOOL_CU_GOTO(cu, cu->CtxSynchronize(), failed, done);
  bitblas_matmul_args args;
  bb_tool_matmul_args(device_weights, device_activations, m, &args);
  bitblas_status status = bitblas_op_run(op, &args, gpu->stream);
  if (status != BITBLAS_OK) {
    failed = bb_tool_fail_status("bitblas_op_run", status);
    goto done;
  }
  BB_TOOL_CU_GOTO(cu, cu->StreamSynchronize(gpu->stream), failed, done);

  bitblas_matmul_args host_args = {row_count, sub_A,    sub_W,       sub_scales,
                                   sub_zeros, sub_bias, sub_a_scale, NULL};
  status = bb_reference_subset_sized(&sub, &host_args, NULL, row_count, NULL, column_count,
                                     reference, magnitude);
  if (status != BITBLAS_OK) {
    failed = bb_tool_fail_status("the CPU reference", status);
    goto done;
  }

  /* Errors are measured against the outputs, or against the size of their terms where an
   * output cancels far below it (bb_error_sum_relative). */
  bb_error_sum sum = {0, 0, 0};
  double max_error = 0.0, max_size = 0.0;
  for (int64_t i = 0; i < row_count; i++) {
    BB_TOOL_CU_GOTO(cu,
                    cu->MemcpyDtoH(output_row,
                                   device_activations->C +
                                       (CUdeviceptr)((size_t)rows[i] * (size_t)N * out_size),
                                   (size_t)N * out_size),
                    failed, done);
    for (int64_t j = 0; j < column_count; j++) {
      double got = bb_element_read(cfg->out_dtype, output_row, (size_t)columns[j]);
      double want = reference[i * column_count + j];
      if (!isfinite(got)) {
        result->nonfinite++;
        continue;
      }
      const double size = magnitude[i * column_count + j];
      bb_error_sum_add(&sum, got, want, size);
      const double error = fabs(got - want);
      if (error > max_error) max_error = error;
      if (fabs(want) > max_size) max_size = fabs(want);
      if (size / sqrt((double)K) > max_size) max_size = size / sqrt((double)K);
    }
  }
  result->rows_checked = row_count;
  result->columns_checked = column_count;
  result->tolerance = bb_tool_check_tolerance(cfg);
  result->relative_l2_error = bb_error_sum_relative(&sum, K);
  result->max_error_ratio = max_size > 0.0 ? max_error / max_size : max_error;
  result->passed = result->nonfinite == 0 && result->relative_l2_error <= result->tolerance &&
                   result->max_error_ratio <= 5.0 * result->tolerance;
done:
  free(rows);
  free(columns);
  free(sub_A);
  free(sub_W);
  free(sub_scales);
  free(sub_zeros);
  free(sub_bias);
  free(sub_a_scale);
  free(reference);
  free(magnitude);
  free(output_row);
  return failed;
}
