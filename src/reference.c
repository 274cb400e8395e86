/*
 * reference.c - the float64 CPU reference of C = A . dequant(W)^T (+ bias), whole or on chosen
 * rows and columns, exactly as SPEC section 2 states each weight format and scale/zeros mode.
 * It models no kernel's rounding (float32 or half arithmetic); callers compare with a tolerance.
 */
#include "reference.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "half.h"
#include "pack.h"

/* Scratch for converted rows of A is kept under this many bytes (at least one row). */
#define REFERENCE_A_CHUNK_BYTES ((size_t)64 << 20)

/* What every column and row of one call shares. */
typedef struct reference_plan {
  const bitblas_matmul_config *cfg;
  const bitblas_matmul_args *args;
  int64_t group_size; /* K for group_size -1 */
  int64_t groups;     /* K / group_size */
  bitblas_dtype scale_dtype;
  int weight_bits;
  int64_t weight_row_bytes; /* 16-bit weights: 2 * K */
  int64_t qzeros_row_bytes;
  double code_values[256]; /* decoded value of each code of a packed format */
} reference_plan;

static bitblas_status check_buffers(const bitblas_matmul_config *cfg,
                                    const bitblas_matmul_args *args) {
  if (!args) return bb_fail(BITBLAS_INVALID_ARGUMENT, "host_args: must not be NULL");
  if (args->m < 1)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "host_args->m = %" PRId64 ": must be >= 1", args->m);
  if (!args->A) return bb_fail(BITBLAS_INVALID_ARGUMENT, "host_args->A: must not be NULL");
  if (!args->W) return bb_fail(BITBLAS_INVALID_ARGUMENT, "host_args->W: must not be NULL");
  if (cfg->with_scaling && !args->scales)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "host_args->scales = NULL: with_scaling = 1 needs scales [N, K/group_size]");
  if (cfg->zeros_mode != BITBLAS_ZEROS_NONE && !args->zeros)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "host_args->zeros = NULL: zeros_mode = %s needs zeros",
                   bitblas_zeros_mode_name(cfg->zeros_mode));
  if (cfg->with_bias && !args->bias)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "host_args->bias = NULL: with_bias = 1 needs bias [N]");
  if (cfg->with_a_scale && !args->a_scale)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "host_args->a_scale = NULL: with_a_scale = 1 needs a_scale [m]");
  return BITBLAS_OK;
}

static void plan_init(reference_plan *plan, const bitblas_matmul_config *cfg,
                      const bitblas_matmul_args *args) {
  plan->cfg = cfg;
  plan->args = args;
  plan->group_size = bb_config_group(cfg);
  plan->groups = bb_config_groups(cfg);
  plan->scale_dtype = bb_config_scale_dtype(cfg);
  plan->weight_bits = bitblas_dtype_bits(cfg->W_dtype);
  plan->weight_row_bytes = cfg->K * plan->weight_bits / 8;
  plan->qzeros_row_bytes = bb_config_qzeros_row_bytes(cfg);
  if (plan->weight_bits <= 8)
    for (uint32_t code = 0; code < (1u << plan->weight_bits); code++)
      plan->code_values[code] = bb_decode_code(cfg->W_dtype, code);
}

/* The stored code of weight (n, k). */
static uint32_t weight_code(const reference_plan *plan, int64_t n, int64_t k) {
  const uint8_t *row = (const uint8_t *)plan->args->W + n * plan->weight_row_bytes;
  if (plan->weight_bits == 16) {
    uint16_t bits;
    memcpy(&bits, row + 2 * k, sizeof bits);
    return bits;
  }
  return bb_pack_code_at(row, k, plan->weight_bits);
}

static double weight_code_value(const reference_plan *plan, uint32_t code) {
  return plan->weight_bits == 16 ? bb_decode_code(plan->cfg->W_dtype, code)
                                 : plan->code_values[code];
}

/* Row n of dequant(W) as doubles, for float activations: the table of SPEC section 2. Scales
 * and float zeros are read once per group (packed quantized zeros per weight). */
static void dequantize_column(const reference_plan *plan, int64_t n, double *w) {
  const bitblas_matmul_config *cfg = plan->cfg;
  const bitblas_matmul_args *args = plan->args;
  for (int64_t group = 0, first = 0; first < cfg->K; group++, first += plan->group_size) {
    const int64_t end = first + plan->group_size < cfg->K ? first + plan->group_size : cfg->K;
    const size_t scale_index = (size_t)(n * plan->groups + group);
    const double scale =
        cfg->with_scaling ? bb_element_read(plan->scale_dtype, args->scales, scale_index) : 1.0;
    double zero = 0.0;
    if (cfg->zeros_mode == BITBLAS_ZEROS_ORIGINAL || cfg->zeros_mode == BITBLAS_ZEROS_RESCALE)
      zero = bb_element_read(plan->scale_dtype, args->zeros, scale_index);
    for (int64_t k = first; k < end; k++) {
      const uint32_t code = weight_code(plan, n, k);
      const double q = weight_code_value(plan, code);
      if (!cfg->with_scaling) {
        w[k] = q;
        continue;
      }
      switch (cfg->zeros_mode) {
      case BITBLAS_ZEROS_ORIGINAL:
        w[k] = (q - zero) * scale;
        break;
      case BITBLAS_ZEROS_RESCALE:
        w[k] = q * scale - zero;
        break;
      case BITBLAS_ZEROS_QUANTIZED: {
        /* QZ[group][n], packed b bits along N; u is the unsigned stored code. */
        const uint8_t *qzeros_row = (const uint8_t *)args->zeros + group * plan->qzeros_row_bytes;
        const uint32_t qzero = bb_pack_code_at(qzeros_row, n, plan->weight_bits);
        w[k] = ((double)code - (double)qzero) * scale;
        break;
      }
      case BITBLAS_ZEROS_NONE:
      default:
        w[k] = q * scale;
        break;
      }
    }
  }
}

/* The dot product of a and w over K and, where `size` is not NULL, the sum of its terms' sizes
 * there; four running sums each, so that the additions do not wait on one another. */
static double dot_product(const double *a, const double *w, int64_t K, double *size) {
  double sums[4] = {0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 4 <= K; k += 4)
    for (int j = 0; j < 4; j++) sums[j] += a[k + j] * w[k + j];
  for (; k < K; k++) sums[0] += a[k] * w[k];
  if (size) {
    double sizes[4] = {0, 0, 0, 0};
    for (k = 0; k + 4 <= K; k += 4)
      for (int j = 0; j < 4; j++) sizes[j] += fabs(a[k + j] * w[k + j]);
    for (; k < K; k++) sizes[0] += fabs(a[k] * w[k]);
    *size = (sizes[0] + sizes[1]) + (sizes[2] + sizes[3]);
  }
  return (sums[0] + sums[1]) + (sums[2] + sums[3]);
}

/* Float activations: rows are converted a chunk at a time, each selected column of W is
 * dequantized once per chunk. */
static bitblas_status reference_float(const reference_plan *plan, const int64_t *rows,
                                      int64_t row_count, const int64_t *cols, int64_t col_count,
                                      double *out, double *magnitude) {
  const bitblas_matmul_config *cfg = plan->cfg;
  const int64_t K = cfg->K;
  int64_t chunk_rows = (int64_t)(REFERENCE_A_CHUNK_BYTES / sizeof(double) / (size_t)K);
  if (chunk_rows < 1) chunk_rows = 1;
  if (chunk_rows > row_count) chunk_rows = row_count;
  double *a = malloc((size_t)chunk_rows * (size_t)K * sizeof *a);
  double *w = malloc((size_t)K * sizeof *w);
  if (!a || !w) {
    free(a);
    free(w);
    return bb_fail(BITBLAS_OUT_OF_MEMORY,
                   "reference: cannot allocate %" PRId64 " x %" PRId64 " doubles of scratch",
                   chunk_rows + 1, K);
  }
  for (int64_t first = 0; first < row_count; first += chunk_rows) {
    const int64_t count = row_count - first < chunk_rows ? row_count - first : chunk_rows;
    for (int64_t i = 0; i < count; i++) {
      const int64_t row = rows ? rows[first + i] : first + i;
      for (int64_t k = 0; k < K; k++)
        a[i * K + k] = bb_element_read(cfg->A_dtype, plan->args->A, (size_t)(row * K + k));
    }
    for (int64_t j = 0; j < col_count; j++) {
      const int64_t n = cols ? cols[j] : j;
      dequantize_column(plan, n, w);
      const double bias =
          cfg->with_bias ? bb_element_read(cfg->out_dtype, plan->args->bias, (size_t)n) : 0.0;
      for (int64_t i = 0; i < count; i++) {
        double size = 0.0;
        out[(first + i) * col_count + j] =
            dot_product(a + i * K, w, K, magnitude ? &size : NULL) + bias;
        if (magnitude) magnitude[(first + i) * col_count + j] = size + fabs(bias);
      }
    }
  }
  free(a);
  free(w);
  return BITBLAS_OK;
}

/* int8 activations with integer weights: exact integer sums, then the float scales. */
static bitblas_status reference_int8(const reference_plan *plan, const int64_t *rows,
                                     int64_t row_count, const int64_t *cols, int64_t col_count,
                                     double *out, double *magnitude) {
  const bitblas_matmul_config *cfg = plan->cfg;
  const bitblas_matmul_args *args = plan->args;
  const int64_t K = cfg->K;
  const int8_t *A = args->A;
  int64_t *q = malloc((size_t)K * sizeof *q);
  if (!q)
    return bb_fail(BITBLAS_OUT_OF_MEMORY, "reference: cannot allocate %" PRId64 " integers", K);
  for (int64_t j = 0; j < col_count; j++) {
    const int64_t n = cols ? cols[j] : j;
    for (int64_t k = 0; k < K; k++)
      q[k] = (int64_t)weight_code_value(plan, weight_code(plan, n, k));
    const double column_scale =
        cfg->with_scaling ? bb_element_read(BITBLAS_DTYPE_FLOAT32, args->scales, (size_t)n) : 1.0;
    const double bias =
        cfg->with_bias ? bb_element_read(cfg->out_dtype, args->bias, (size_t)n) : 0.0;
    for (int64_t i = 0; i < row_count; i++) {
      const int64_t row = rows ? rows[i] : i;
      int64_t sum = 0, size = 0;
      for (int64_t k = 0; k < K; k++) sum += (int64_t)A[row * K + k] * q[k];
      double value = (double)sum;
      if (cfg->with_scaling) value *= column_scale;
      if (cfg->with_a_scale) value *= (double)args->a_scale[row];
      out[i * col_count + j] = value + bias;
      if (!magnitude) continue;
      for (int64_t k = 0; k < K; k++) size += llabs((int64_t)A[row * K + k] * q[k]);
      double factor = cfg->with_scaling ? fabs(column_scale) : 1.0;
      if (cfg->with_a_scale) factor *= fabs((double)args->a_scale[row]);
      magnitude[i * col_count + j] = factor * (double)size + fabs(bias);
    }
  }
  free(q);
  return BITBLAS_OK;
}

bitblas_status bb_reference_subset(const bitblas_matmul_config *cfg,
                                   const bitblas_matmul_args *host_args, const int64_t *rows,
                                   int64_t row_count, const int64_t *cols, int64_t col_count,
                                   double *out) {
  return bb_reference_subset_sized(cfg, host_args, rows, row_count, cols, col_count, out, NULL);
}

bitblas_status bb_reference_subset_sized(const bitblas_matmul_config *cfg,
                                         const bitblas_matmul_args *host_args, const int64_t *rows,
                                         int64_t row_count, const int64_t *cols, int64_t col_count,
                                         double *out, double *magnitude) {
  bb_error_clear();
  bitblas_matmul_config normalized;
  bitblas_status status = bb_config_normalize(cfg, &normalized);
  if (status != BITBLAS_OK) return status;
  if ((status = check_buffers(&normalized, host_args)) != BITBLAS_OK) return status;
  if (!out) return bb_fail(BITBLAS_INVALID_ARGUMENT, "out: must not be NULL");
  if (row_count < 1 || col_count < 1)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "row_count = %" PRId64 ", col_count = %" PRId64 ": both must be >= 1", row_count,
                   col_count);
  if (!rows && row_count > host_args->m)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "row_count = %" PRId64 " with rows = NULL: at most host_args->m = %" PRId64,
                   row_count, host_args->m);
  if (!cols && col_count > normalized.N)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "col_count = %" PRId64 " with cols = NULL: at most N = %" PRId64, col_count,
                   normalized.N);
  for (int64_t i = 0; rows && i < row_count; i++)
    if (rows[i] < 0 || rows[i] >= host_args->m)
      return bb_fail(BITBLAS_INVALID_ARGUMENT,
                     "rows[%" PRId64 "] = %" PRId64 ": must be in 0..%" PRId64
                     " (host_args->m - 1)",
                     i, rows[i], host_args->m - 1);
  for (int64_t j = 0; cols && j < col_count; j++)
    if (cols[j] < 0 || cols[j] >= normalized.N)
      return bb_fail(BITBLAS_INVALID_ARGUMENT,
                     "cols[%" PRId64 "] = %" PRId64 ": must be in 0..%" PRId64 " (N - 1)", j,
                     cols[j], normalized.N - 1);
  reference_plan plan;
  plan_init(&plan, &normalized, host_args);
  if (normalized.A_dtype == BITBLAS_DTYPE_INT8)
    return reference_int8(&plan, rows, row_count, cols, col_count, out, magnitude);
  return reference_float(&plan, rows, row_count, cols, col_count, out, magnitude);
}

void bb_error_sum_add(bb_error_sum *sum, double got, double want, double magnitude) {
  sum->error += isfinite(got) ? (got - want) * (got - want) : INFINITY;
  sum->norm += want * want;
  sum->magnitude += magnitude * magnitude;
}

double bb_error_sum_relative(const bb_error_sum *sum, int64_t K) {
  const double floor = sum->magnitude / (double)(K > 0 ? K : 1);
  const double norm = sum->norm > floor ? sum->norm : floor;
  return norm > 0 ? sqrt(sum->error / norm) : sqrt(sum->error);
}

bitblas_status bitblas_reference_matmul(const bitblas_matmul_config *cfg,
                                        const bitblas_matmul_args *host_args, double *out) {
  bb_error_clear();
  if (!host_args) return bb_fail(BITBLAS_INVALID_ARGUMENT, "host_args: must not be NULL");
  const int64_t columns = cfg ? cfg->N : 0;
  return bb_reference_subset(cfg, host_args, NULL, host_args->m, NULL, columns, out);
}
