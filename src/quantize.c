/*
 * quantize.c - the reference quantizer, float32 W[N, K] to the values bitblas_weight_pack takes
 * plus scales and zeros per group, and the sizes of the scale and zero buffers. It aims at a
 * sensible, documented result for every format, not at GPTQ/AWQ-style error minimization.
 *
 * Rules, per group of group_size weights along K (the whole row for group_size -1). Every scale
 * and zero is rounded to its storage type (A's float type; float32 for int8 A) first, and codes
 * are then chosen with the stored values, so the dequantized weight is the nearest point of the
 * grid the kernels actually see. "nearest" is ties-to-even for integers, nearest table entry for
 * nf4, round-to-nearest-even with saturation for fp4_e2m1 and float8.
 *   no scaling         value = nearest(w) in the format (integers rounded and clamped).
 *   zeros none:
 *     signed int8/4/2  symmetric absmax: s = max|w| / (2^(b-1) - 1), value = nearest(w / s)
 *                      (clamped to -2^(b-1) .. 2^(b-1)-1; int2 thus yields ternary -1, 0, +1).
 *     int1             s = mean |w| (the scale minimizing the squared error of sign(w) * s),
 *                      value = +1 for w >= 0, else -1.
 *     uint8/4/2/1      weights taken as nonnegative: s = max(w) / (2^b - 1) (1 when max <= 0),
 *                      negative weights clamp to code 0.
 *     nf4/fp4/float8   absmax to the format's largest magnitude T (1, 6, 448, 57344):
 *                      s = max|w| / T, value = nearest code of w / s.
 *   zeros original     asymmetric min/max onto the format's range [qlo, qhi] (integers: their
 *                      range; nf4 [-1, 1]; fp4 [-6, 6]; float8 [-T, T] with T = 1.75, so that Z,
 *                      in units of q, stays small): s = (max - min) / (qhi - qlo),
 *                      Z = qlo - min / s, value = nearest(w / s + Z); so w = (q - Z) * s.
 *   zeros rescale      same s, Z = qlo * s - min, value = nearest((w + Z) / s); w = q * s - Z.
 *   zeros quantized    (unsigned formats) range widened to hold 0: lo = min(min, 0),
 *                      hi = max(max, 0), s = (hi - lo) / (2^b - 1), qz = round(-lo / s) clamped
 *                      to 0 .. 2^b-1, value = clamp(round(w / s) + qz); w = (u - qz) * s.
 * float8's T is 1.75 * 2^e (its largest value, 448 or 57344, or 1.75 with zeros); it is halved
 * while the scale would fall below the smallest normal of the scale type (2^-14 for float16) and
 * T stays a normal of the format. Every such T gives the same grid relative to the group's range,
 * so this only keeps small weights from losing the scale to float16 subnormals.
 * A group whose spread is 0 (a constant c) uses the range [min(c, 0), max(c, 0)], an all-zero
 * group [0, 1]; a scale that underflows to 0 in its storage type is stored as that type's
 * smallest positive value, so every scale is positive and finite.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "config.h"
#include "error.h"
#include "half.h"
#include "pack.h"

/* The decoded values a format's codes span, as the quantizer maps ranges onto them. */
typedef struct quantize_domain {
  double low, high;     /* qlo, qhi */
  double symmetric_max; /* the magnitude absmax maps to with zeros none (signed formats) */
  int is_unsigned;
  double float8_lowest_target; /* float8 only: 1.75 * the smallest normal power of two */
} quantize_domain;

/* float8's target magnitude with zeros original/rescale (1.75 = its largest mantissa). */
#define FLOAT8_ZEROS_TARGET 1.75

static quantize_domain domain_of(bitblas_dtype W_dtype) {
  const int bits = bitblas_dtype_bits(W_dtype);
  quantize_domain domain = {0.0, 0.0, 0.0, 0, 0.0};
  switch (W_dtype) {
  case BITBLAS_DTYPE_UINT8:
  case BITBLAS_DTYPE_UINT4:
  case BITBLAS_DTYPE_UINT2:
  case BITBLAS_DTYPE_UINT1:
    domain.high = ldexp(1.0, bits) - 1.0;
    domain.symmetric_max = domain.high;
    domain.is_unsigned = 1;
    break;
  case BITBLAS_DTYPE_INT8:
  case BITBLAS_DTYPE_INT4:
  case BITBLAS_DTYPE_INT2:
    domain.low = -ldexp(1.0, bits - 1);
    domain.high = ldexp(1.0, bits - 1) - 1.0;
    domain.symmetric_max = domain.high;
    break;
  case BITBLAS_DTYPE_INT1:
    domain.low = -1.0;
    domain.high = 1.0;
    domain.symmetric_max = 1.0;
    break;
  case BITBLAS_DTYPE_NF4:
    domain.low = -1.0;
    domain.high = 1.0;
    domain.symmetric_max = 1.0;
    break;
  case BITBLAS_DTYPE_FP4_E2M1:
    domain.low = -BB_FP4_E2M1_MAX;
    domain.high = BB_FP4_E2M1_MAX;
    domain.symmetric_max = BB_FP4_E2M1_MAX;
    break;
  case BITBLAS_DTYPE_FLOAT8_E4M3:
    domain.low = -BB_FLOAT8_E4M3_MAX;
    domain.high = BB_FLOAT8_E4M3_MAX;
    domain.symmetric_max = BB_FLOAT8_E4M3_MAX;
    domain.float8_lowest_target = FLOAT8_ZEROS_TARGET * ldexp(1.0, -6);
    break;
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    domain.low = -BB_FLOAT8_E5M2_MAX;
    domain.high = BB_FLOAT8_E5M2_MAX;
    domain.symmetric_max = BB_FLOAT8_E5M2_MAX;
    domain.float8_lowest_target = FLOAT8_ZEROS_TARGET * ldexp(1.0, -14);
    break;
  default:
    break;
  }
  return domain;
}

/* The value (as bitblas_weight_pack takes it) whose decoded q is nearest to x. */
static int8_t nearest_value(bitblas_dtype W_dtype, const quantize_domain *domain, double x) {
  switch (W_dtype) {
  case BITBLAS_DTYPE_INT1:
    return x >= 0.0 ? 1 : -1;
  case BITBLAS_DTYPE_NF4:
    return (int8_t)bb_double_to_nf4(x);
  case BITBLAS_DTYPE_FP4_E2M1:
    return (int8_t)bb_double_to_fp4_e2m1(x);
  case BITBLAS_DTYPE_FLOAT8_E4M3:
    return (int8_t)bb_double_to_float8_e4m3(x, 1);
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    return (int8_t)bb_double_to_float8_e5m2(x, 1);
  default: { /* integers: nearest, ties to even, clamped; uint8 as its byte's bit pattern */
    double rounded = bb_round_half_even(x);
    if (rounded < domain->low) rounded = domain->low;
    if (rounded > domain->high) rounded = domain->high;
    return domain->is_unsigned ? (int8_t)(uint8_t)rounded : (int8_t)rounded;
  }
  }
}

/* Where one call's outputs go and what every group shares. */
typedef struct quantize_job {
  const bitblas_matmul_config *cfg;
  quantize_domain domain;
  bitblas_dtype scale_dtype;
  int64_t group_size, groups;
  int8_t *values;
  void *scales;
  void *zeros;     /* float zeros (original, rescale) */
  uint8_t *qzeros; /* [groups, N] unpacked quantized zeros */
} quantize_job;

/* float8's target magnitude for a group of half-range `half_range`: `start` halved while the
 * scale half_range / T would be below the smallest normal of the scale type, as long as T stays
 * a normal of the format. */
static double float8_target(const quantize_job *job, double half_range, double start) {
  const double smallest_normal =
      job->scale_dtype == BITBLAS_DTYPE_FLOAT16 ? ldexp(1.0, -14) : ldexp(1.0, -126);
  double target = start;
  while (target / 2 >= job->domain.float8_lowest_target && half_range / target < smallest_normal)
    target /= 2;
  return target;
}

/* Stores x as scale/zero element `index` and returns the stored value; refuses one that does
 * not fit the storage type. */
static bitblas_status store_rounded(const quantize_job *job, void *array, size_t index, double x,
                                    const char *what, int64_t row, int64_t group, double *stored) {
  bb_element_write(job->scale_dtype, array, index, x);
  *stored = bb_element_read(job->scale_dtype, array, index);
  if (!isfinite(*stored))
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bitblas_weight_quantize: W row %" PRId64 ", group %" PRId64 ": %s = %g does "
                   "not fit %s; scale the weights down (or use another zeros mode)",
                   row, group, what, x, bitblas_dtype_name(job->scale_dtype));
  return BITBLAS_OK;
}

/* The stored scale of a group: s rounded to the storage type, or the type's smallest positive
 * value if that underflows to 0. */
static bitblas_status store_scale(const quantize_job *job, size_t index, double s, int64_t row,
                                  int64_t group, double *stored) {
  bitblas_status status = store_rounded(job, job->scales, index, s, "scale", row, group, stored);
  if (status != BITBLAS_OK || *stored > 0.0) return status;
  const double smallest = job->scale_dtype == BITBLAS_DTYPE_FLOAT16    ? ldexp(1.0, -24)
                          : job->scale_dtype == BITBLAS_DTYPE_BFLOAT16 ? ldexp(1.0, -133)
                                                                       : ldexp(1.0, -149);
  return store_rounded(job, job->scales, index, smallest, "scale", row, group, stored);
}

static bitblas_status quantize_group(const quantize_job *job, const float *w, int64_t row,
                                     int64_t group) {
  const bitblas_matmul_config *cfg = job->cfg;
  const bitblas_dtype W_dtype = cfg->W_dtype;
  const quantize_domain *domain = &job->domain;
  int8_t *values = job->values + row * cfg->K + group * job->group_size;
  const int64_t count = job->group_size;
  if (!cfg->with_scaling) {
    for (int64_t k = 0; k < count; k++) values[k] = nearest_value(W_dtype, domain, w[k]);
    return BITBLAS_OK;
  }
  double low = w[0], high = w[0], absolute_sum = 0.0;
  for (int64_t k = 0; k < count; k++) {
    if (w[k] < low) low = w[k];
    if (w[k] > high) high = w[k];
    absolute_sum += fabs(w[k]);
  }
  const double absmax = fmax(fabs(low), fabs(high));
  const size_t index = (size_t)(row * job->groups + group);
  double scale, zero;
  bitblas_status status;
  switch (cfg->zeros_mode) {
  case BITBLAS_ZEROS_NONE: {
    double s;
    if (W_dtype == BITBLAS_DTYPE_INT1)
      s = absolute_sum > 0.0 ? absolute_sum / (double)count : 1.0;
    else if (domain->is_unsigned)
      s = high > 0.0 ? high / domain->high : 1.0;
    else if (domain->float8_lowest_target > 0.0)
      s = absmax > 0.0 ? absmax / float8_target(job, absmax, domain->symmetric_max) : 1.0;
    else
      s = absmax > 0.0 ? absmax / domain->symmetric_max : 1.0;
    if ((status = store_scale(job, index, s, row, group, &scale)) != BITBLAS_OK) return status;
    for (int64_t k = 0; k < count; k++) values[k] = nearest_value(W_dtype, domain, w[k] / scale);
    return BITBLAS_OK;
  }
  case BITBLAS_ZEROS_ORIGINAL:
  case BITBLAS_ZEROS_RESCALE: {
    if (high - low <= 0.0) { /* a constant group: widen to hold 0, or to [0, 1] */
      low = fmin(low, 0.0);
      high = fmax(high, 0.0);
      if (high - low <= 0.0) high = 1.0;
    }
    const double spread = high - low;
    double q_low = domain->low, q_high = domain->high;
    if (domain->float8_lowest_target > 0.0) {
      q_high = float8_target(job, spread / 2, FLOAT8_ZEROS_TARGET);
      q_low = -q_high;
    }
    if ((status = store_scale(job, index, spread / (q_high - q_low), row, group, &scale)) !=
        BITBLAS_OK)
      return status;
    if (cfg->zeros_mode == BITBLAS_ZEROS_ORIGINAL) { /* (qlo - Z) * s = min */
      status =
          store_rounded(job, job->zeros, index, q_low - low / scale, "zero", row, group, &zero);
      if (status != BITBLAS_OK) return status;
      for (int64_t k = 0; k < count; k++)
        values[k] = nearest_value(W_dtype, domain, w[k] / scale + zero);
    } else { /* qlo * s - Z = min */
      status =
          store_rounded(job, job->zeros, index, q_low * scale - low, "zero", row, group, &zero);
      if (status != BITBLAS_OK) return status;
      for (int64_t k = 0; k < count; k++)
        values[k] = nearest_value(W_dtype, domain, (w[k] + zero) / scale);
    }
    return BITBLAS_OK;
  }
  case BITBLAS_ZEROS_QUANTIZED: {
    const double low_with_zero = fmin(low, 0.0), high_with_zero = fmax(high, 0.0);
    double spread = high_with_zero - low_with_zero;
    if (spread <= 0.0) spread = 1.0;
    if ((status = store_scale(job, index, spread / domain->high, row, group, &scale)) != BITBLAS_OK)
      return status;
    double qzero = bb_round_half_even(-low_with_zero / scale);
    if (qzero < 0.0) qzero = 0.0;
    if (qzero > domain->high) qzero = domain->high;
    job->qzeros[group * cfg->N + row] = (uint8_t)qzero;
    for (int64_t k = 0; k < count; k++)
      values[k] = nearest_value(W_dtype, domain, bb_round_half_even(w[k] / scale) + qzero);
    return BITBLAS_OK;
  }
  default:
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "zeros_mode = %d: unknown", (int)cfg->zeros_mode);
  }
}

bitblas_status bitblas_weight_quantize(const bitblas_matmul_config *cfg, const float *W,
                                       int8_t *values, void *scales, void *zeros) {
  bb_error_clear();
  bitblas_matmul_config normalized;
  bitblas_status status = bb_config_normalize(cfg, &normalized);
  if (status != BITBLAS_OK) return status;
  if (bb_dtype_is_float_weight(normalized.W_dtype))
    return bb_fail(BITBLAS_UNSUPPORTED,
                   "bitblas_weight_quantize: W_dtype = %s: plain float weights are not quantized; "
                   "convert each weight (bb_float_to_half / bb_float_to_bfloat16) and copy them",
                   bitblas_dtype_name(normalized.W_dtype));
  if (!W || !values)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bitblas_weight_quantize: W and values must not be NULL");
  if (normalized.with_scaling && !scales)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bitblas_weight_quantize: scales = NULL, but with_scaling = 1 needs %zu bytes",
                   bb_config_scales_bytes(&normalized));
  if (normalized.zeros_mode != BITBLAS_ZEROS_NONE && !zeros)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bitblas_weight_quantize: zeros = NULL, but zeros_mode = %s needs %zu bytes",
                   bitblas_zeros_mode_name(normalized.zeros_mode),
                   bb_config_zeros_bytes(&normalized));
  const int64_t N = normalized.N, K = normalized.K;
  for (int64_t n = 0; n < N; n++)
    for (int64_t k = 0; k < K; k++)
      if (!isfinite(W[n * K + k]))
        return bb_fail(BITBLAS_INVALID_ARGUMENT,
                       "bitblas_weight_quantize: W[row %" PRId64 ", column %" PRId64
                       "] = %g: weights must be finite",
                       n, k, (double)W[n * K + k]);

  quantize_job job = {
      .cfg = &normalized,
      .domain = domain_of(normalized.W_dtype),
      .scale_dtype = bb_config_scale_dtype(&normalized),
      .group_size = bb_config_group(&normalized),
      .groups = bb_config_groups(&normalized),
      .values = values,
      .scales = scales,
      .zeros = zeros,
      .qzeros = NULL,
  };
  if (normalized.zeros_mode == BITBLAS_ZEROS_QUANTIZED) {
    job.qzeros = malloc((size_t)job.groups * (size_t)N);
    if (!job.qzeros)
      return bb_fail(BITBLAS_OUT_OF_MEMORY,
                     "bitblas_weight_quantize: cannot allocate %" PRId64 " quantized zeros",
                     job.groups * N);
  }
  for (int64_t n = 0; n < N && status == BITBLAS_OK; n++)
    for (int64_t group = 0; group < job.groups && status == BITBLAS_OK; group++)
      status = quantize_group(&job, W + n * K + group * job.group_size, n, group);
  if (status == BITBLAS_OK && job.qzeros)
    status = bb_pack_qzeros(normalized.W_dtype, job.groups, N, job.qzeros, zeros);
  free(job.qzeros);
  return status;
}

size_t bitblas_scales_bytes(const bitblas_matmul_config *cfg) {
  bb_error_clear();
  if (bitblas_matmul_config_validate(cfg) != BITBLAS_OK) return 0; /* the message says why */
  return bb_config_scales_bytes(cfg);
}

size_t bitblas_zeros_bytes(const bitblas_matmul_config *cfg) {
  bb_error_clear();
  if (bitblas_matmul_config_validate(cfg) != BITBLAS_OK) return 0;
  return bb_config_zeros_bytes(cfg);
}
