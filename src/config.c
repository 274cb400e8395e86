/*
 * config.c - the rules a matmul config must satisfy (each refusal names the field, the value
 * and the rule), its normalized form, buffer sizes and canonical key text. No GPU here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "weight_order.h"

static const int64_t default_buckets[] = {1, 16, 32, 64, 128, 256, 512, 1024};

void bitblas_matmul_config_init(bitblas_matmul_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->M = 1;
  cfg->A_dtype = BITBLAS_DTYPE_FLOAT16;
  cfg->W_dtype = BITBLAS_DTYPE_UINT4;
  cfg->accum_dtype = BITBLAS_DTYPE_FLOAT32;
  cfg->out_dtype = BITBLAS_DTYPE_FLOAT16;
  cfg->group_size = -1;
  cfg->with_scaling = 1;
  cfg->zeros_mode = BITBLAS_ZEROS_NONE;
}

static int is_valid_dtype(bitblas_dtype dtype) {
  return (int)dtype >= 0 && dtype < BITBLAS_DTYPE_COUNT;
}

static int is_unsigned_integer(bitblas_dtype dtype) {
  return dtype == BITBLAS_DTYPE_UINT8 || dtype == BITBLAS_DTYPE_UINT4 ||
         dtype == BITBLAS_DTYPE_UINT2 || dtype == BITBLAS_DTYPE_UINT1;
}

static int is_weight_dtype(bitblas_dtype dtype) {
  return is_valid_dtype(dtype) && dtype != BITBLAS_DTYPE_FLOAT32 && dtype != BITBLAS_DTYPE_INT32;
}

#define REFUSE(status, ...) return bb_fail(status, __VA_ARGS__)

static bitblas_status validate_shape(const bitblas_matmul_config *cfg) {
  const int64_t limit = INT32_MAX;
  if (cfg->M < 1 || cfg->M > limit)
    REFUSE(BITBLAS_INVALID_ARGUMENT, "M = %" PRId64 ": must be between 1 and %" PRId64, cfg->M,
           limit);
  if (cfg->N < 1 || cfg->N > limit)
    REFUSE(BITBLAS_INVALID_ARGUMENT, "N = %" PRId64 ": must be between 1 and %" PRId64, cfg->N,
           limit);
  if (cfg->K < 8 || cfg->K > limit || cfg->K % 8 != 0)
    REFUSE(BITBLAS_INVALID_ARGUMENT,
           "K = %" PRId64 ": must be a positive multiple of 8 (at most %" PRId64 ")", cfg->K,
           limit);
  if (cfg->group_size != -1) {
    if (cfg->group_size < 8 || cfg->group_size % 8 != 0)
      REFUSE(BITBLAS_INVALID_ARGUMENT,
             "group_size = %" PRId64 ": must be -1 (one group per row) or a positive multiple of 8",
             cfg->group_size);
    if (cfg->K % cfg->group_size != 0)
      REFUSE(BITBLAS_INVALID_ARGUMENT,
             "K = %" PRId64 " and group_size = %" PRId64 ": K must be a multiple of group_size",
             cfg->K, cfg->group_size);
  }
  if (cfg->dynamic_m) {
    if (cfg->m_bucket_count < 0 || cfg->m_bucket_count > BITBLAS_MAX_M_BUCKETS)
      REFUSE(BITBLAS_INVALID_ARGUMENT, "m_bucket_count = %d: must be between 0 and %d",
             cfg->m_bucket_count, BITBLAS_MAX_M_BUCKETS);
    for (int i = 0; i < cfg->m_bucket_count; i++) {
      if (cfg->m_buckets[i] < 1 || cfg->m_buckets[i] > limit)
        REFUSE(BITBLAS_INVALID_ARGUMENT,
               "m_buckets[%d] = %" PRId64 ": must be between 1 and %" PRId64, i, cfg->m_buckets[i],
               limit);
      if (i > 0 && cfg->m_buckets[i] <= cfg->m_buckets[i - 1])
        REFUSE(BITBLAS_INVALID_ARGUMENT,
               "m_buckets[%d] = %" PRId64 ": buckets must be strictly ascending (previous %" PRId64
               ")",
               i, cfg->m_buckets[i], cfg->m_buckets[i - 1]);
    }
  } else if (cfg->m_bucket_count != 0) {
    REFUSE(BITBLAS_INVALID_ARGUMENT, "m_bucket_count = %d: buckets need dynamic_m = 1",
           cfg->m_bucket_count);
  }
  return BITBLAS_OK;
}

static bitblas_status validate_dtypes(const bitblas_matmul_config *cfg) {
  const char *a = bitblas_dtype_name(cfg->A_dtype), *w = bitblas_dtype_name(cfg->W_dtype);
  if (cfg->A_dtype != BITBLAS_DTYPE_FLOAT16 && cfg->A_dtype != BITBLAS_DTYPE_BFLOAT16 &&
      cfg->A_dtype != BITBLAS_DTYPE_INT8)
    REFUSE(BITBLAS_UNSUPPORTED, "A_dtype = %s: must be float16, bfloat16 or int8", a);
  if (!is_weight_dtype(cfg->W_dtype))
    REFUSE(BITBLAS_UNSUPPORTED,
           "W_dtype = %s: must be a weight format (int/uint 8/4/2/1, nf4, fp4_e2m1, float8_e4m3, "
           "float8_e5m2, float16, bfloat16)",
           w);
  if (!is_valid_dtype(cfg->out_dtype) || cfg->out_dtype == BITBLAS_DTYPE_INT8 ||
      (cfg->out_dtype != BITBLAS_DTYPE_FLOAT16 && cfg->out_dtype != BITBLAS_DTYPE_BFLOAT16 &&
       cfg->out_dtype != BITBLAS_DTYPE_FLOAT32 && cfg->out_dtype != BITBLAS_DTYPE_INT32))
    REFUSE(BITBLAS_UNSUPPORTED, "out_dtype = %s: must be float16, bfloat16, float32 or int32",
           bitblas_dtype_name(cfg->out_dtype));

  if (cfg->A_dtype == BITBLAS_DTYPE_INT8) {
    if (cfg->accum_dtype != BITBLAS_DTYPE_INT32)
      REFUSE(BITBLAS_UNSUPPORTED,
             "A_dtype = int8 with accum_dtype = %s: int8 activations accumulate in int32",
             bitblas_dtype_name(cfg->accum_dtype));
    if (!bb_dtype_is_integer_weight(cfg->W_dtype))
      REFUSE(BITBLAS_UNSUPPORTED,
             "A_dtype = int8 with W_dtype = %s: int8 activations need integer weights "
             "(int8, uint8, int4, uint4, int2, uint2, int1, uint1)",
             w);
    if (cfg->zeros_mode != BITBLAS_ZEROS_NONE)
      REFUSE(BITBLAS_UNSUPPORTED,
             "A_dtype = int8 with zeros_mode = %s: the exact int32 path takes no zeros",
             bitblas_zeros_mode_name(cfg->zeros_mode));
    if (cfg->with_scaling && cfg->group_size != -1)
      REFUSE(BITBLAS_UNSUPPORTED,
             "A_dtype = int8 with with_scaling = 1 and group_size = %" PRId64
             ": int8 activations take one float32 scale per output column (group_size -1)",
             cfg->group_size);
    if (cfg->out_dtype == BITBLAS_DTYPE_INT32 && (cfg->with_scaling || cfg->with_a_scale))
      REFUSE(
          BITBLAS_UNSUPPORTED,
          "out_dtype = int32 with with_scaling = %d / with_a_scale = %d: int32 output returns the "
          "raw sums; ask for a float output to apply scales",
          cfg->with_scaling, cfg->with_a_scale);
  } else {
    if (cfg->accum_dtype != BITBLAS_DTYPE_FLOAT32)
      REFUSE(BITBLAS_UNSUPPORTED,
             "A_dtype = %s with accum_dtype = %s: float activations accumulate in float32", a,
             bitblas_dtype_name(cfg->accum_dtype));
    if (cfg->out_dtype == BITBLAS_DTYPE_INT32)
      REFUSE(BITBLAS_UNSUPPORTED,
             "A_dtype = %s with out_dtype = int32: int32 output needs int8 activations", a);
    if (cfg->with_a_scale)
      REFUSE(BITBLAS_UNSUPPORTED,
             "A_dtype = %s with with_a_scale = 1: a per-row scale is for int8 activations", a);
    if (cfg->W_dtype == BITBLAS_DTYPE_INT8 || cfg->W_dtype == BITBLAS_DTYPE_UINT8) {
      /* allowed: 8-bit integer weights dequantized to float */
    }
    if (bb_dtype_is_float_weight(cfg->W_dtype)) {
      if (cfg->W_dtype != cfg->A_dtype)
        REFUSE(BITBLAS_UNSUPPORTED,
               "A_dtype = %s with W_dtype = %s: plain float weights must match A", a, w);
      if (cfg->with_scaling || cfg->zeros_mode != BITBLAS_ZEROS_NONE)
        REFUSE(BITBLAS_UNSUPPORTED,
               "W_dtype = %s with with_scaling = %d / zeros_mode = %s: plain float weights are not "
               "quantized, so they take no scales or zeros",
               w, cfg->with_scaling, bitblas_zeros_mode_name(cfg->zeros_mode));
    }
  }
  if ((int)cfg->zeros_mode < 0 || cfg->zeros_mode > BITBLAS_ZEROS_QUANTIZED)
    REFUSE(BITBLAS_INVALID_ARGUMENT,
           "zeros_mode = %d: must be none, original, rescale or quantized", (int)cfg->zeros_mode);
  if (cfg->zeros_mode != BITBLAS_ZEROS_NONE && !cfg->with_scaling)
    REFUSE(BITBLAS_UNSUPPORTED, "zeros_mode = %s with with_scaling = 0: zeros need scales",
           bitblas_zeros_mode_name(cfg->zeros_mode));
  if (cfg->zeros_mode == BITBLAS_ZEROS_QUANTIZED && !is_unsigned_integer(cfg->W_dtype))
    REFUSE(BITBLAS_UNSUPPORTED,
           "zeros_mode = quantized with W_dtype = %s: quantized zeros need an unsigned integer "
           "format (uint8, uint4, uint2, uint1)",
           w);
  return BITBLAS_OK;
}

bitblas_status bitblas_matmul_config_validate(const bitblas_matmul_config *cfg) {
  bb_error_clear();
  if (!cfg) return bb_fail(BITBLAS_INVALID_ARGUMENT, "cfg: must not be NULL");
  bitblas_status status = validate_shape(cfg);
  if (status != BITBLAS_OK) return status;
  return validate_dtypes(cfg);
}

bitblas_status bb_config_normalize(const bitblas_matmul_config *cfg, bitblas_matmul_config *out) {
  bitblas_status status = bitblas_matmul_config_validate(cfg);
  if (status != BITBLAS_OK) return status;
  *out = *cfg;
  out->with_scaling = cfg->with_scaling ? 1 : 0;
  out->with_bias = cfg->with_bias ? 1 : 0;
  out->with_a_scale = cfg->with_a_scale ? 1 : 0;
  out->dynamic_m = cfg->dynamic_m ? 1 : 0;
  if (out->dynamic_m && out->m_bucket_count == 0) {
    out->m_bucket_count = (int)(sizeof default_buckets / sizeof default_buckets[0]);
    memcpy(out->m_buckets, default_buckets, sizeof default_buckets);
  }
  if (!out->dynamic_m) memset(out->m_buckets, 0, sizeof out->m_buckets);
  return BITBLAS_OK;
}

int64_t bb_config_group(const bitblas_matmul_config *cfg) {
  return cfg->group_size == -1 ? cfg->K : cfg->group_size;
}

int64_t bb_config_groups(const bitblas_matmul_config *cfg) { return cfg->K / bb_config_group(cfg); }

bitblas_dtype bb_config_scale_dtype(const bitblas_matmul_config *cfg) {
  return cfg->A_dtype == BITBLAS_DTYPE_INT8 ? BITBLAS_DTYPE_FLOAT32 : cfg->A_dtype;
}

size_t bb_config_a_bytes(const bitblas_matmul_config *cfg, int64_t m) {
  return (size_t)m * (size_t)cfg->K * (size_t)(bitblas_dtype_bits(cfg->A_dtype) / 8);
}

size_t bb_config_w_bytes(const bitblas_matmul_config *cfg) {
  return bitblas_weight_bytes(cfg->W_dtype, cfg->N, cfg->K);
}

size_t bb_config_scales_bytes(const bitblas_matmul_config *cfg) {
  if (!cfg->with_scaling) return 0;
  return (size_t)cfg->N * (size_t)bb_config_groups(cfg) *
         (size_t)(bitblas_dtype_bits(bb_config_scale_dtype(cfg)) / 8);
}

int bb_config_quantizes_rows(const bitblas_matmul_config *cfg) {
  return cfg->A_dtype == BITBLAS_DTYPE_INT8 && cfg->with_a_scale &&
         cfg->out_dtype != BITBLAS_DTYPE_INT32;
}

int64_t bb_config_qzeros_row_bytes(const bitblas_matmul_config *cfg) {
  return (cfg->N * bitblas_dtype_bits(cfg->W_dtype) + 7) / 8;
}

size_t bb_config_zeros_bytes(const bitblas_matmul_config *cfg) {
  switch (cfg->zeros_mode) {
  case BITBLAS_ZEROS_ORIGINAL:
  case BITBLAS_ZEROS_RESCALE:
    return bb_config_scales_bytes(cfg);
  case BITBLAS_ZEROS_QUANTIZED:
    return (size_t)bb_config_groups(cfg) * (size_t)bb_config_qzeros_row_bytes(cfg);
  default:
    return 0;
  }
}

size_t bb_config_c_bytes(const bitblas_matmul_config *cfg, int64_t m) {
  return (size_t)m * (size_t)cfg->N * (size_t)(bitblas_dtype_bits(cfg->out_dtype) / 8);
}

size_t bb_config_bias_bytes(const bitblas_matmul_config *cfg) {
  return cfg->with_bias ? (size_t)cfg->N * (size_t)(bitblas_dtype_bits(cfg->out_dtype) / 8) : 0;
}

size_t bitblas_weight_bytes(bitblas_dtype W_dtype, int64_t N, int64_t K) {
  int bits = bitblas_dtype_bits(W_dtype);
  if (bits == 0 || N < 0 || K < 0 || (K * bits) % 8 != 0) return 0;
  return (size_t)N * (size_t)(K * bits / 8);
}

#define BB_TRADED_SUFFIX " weights=traded"

int bb_config_key_text(const bitblas_matmul_config *cfg, int64_t m, char *buf, size_t size) {
  bitblas_matmul_config at_m = *cfg;
  at_m.M = m;
  return snprintf(
      buf, size,
      "M=%" PRId64 " N=%" PRId64 " K=%" PRId64 " A=%s W=%s accum=%s out=%s group=%" PRId64
      " scaling=%d zeros=%s bias=%d a_scale=%d%s",
      m, cfg->N, cfg->K, bitblas_dtype_name(cfg->A_dtype), bitblas_dtype_name(cfg->W_dtype),
      bitblas_dtype_name(cfg->accum_dtype), bitblas_dtype_name(cfg->out_dtype), cfg->group_size,
      cfg->with_scaling ? 1 : 0, bitblas_zeros_mode_name(cfg->zeros_mode), cfg->with_bias ? 1 : 0,
      cfg->with_a_scale ? 1 : 0, bb_config_weight_order(&at_m) ? BB_TRADED_SUFFIX : "");
}

bitblas_status bb_config_parse_key_text(const char *text, bitblas_matmul_config *out) {
  char a[32], w[32], accum[32], outd[32], zeros[32];
  long long m, n, k, group;
  int scaling, bias, a_scale, end = 0;
  bitblas_matmul_config_init(out);
  if (sscanf(text,
             "M=%lld N=%lld K=%lld A=%31s W=%31s accum=%31s out=%31s group=%lld scaling=%d "
             "zeros=%31s bias=%d a_scale=%d%n",
             &m, &n, &k, a, w, accum, outd, &group, &scaling, zeros, &bias, &a_scale, &end) != 12)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "config text \"%s\": not in the canonical form", text);
  const char *rest = text + end;
  const int traded = strcmp(rest, BB_TRADED_SUFFIX) == 0;
  if (!traded && *rest)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "config text \"%s\": \"%s\" after a_scale: only \"" BB_TRADED_SUFFIX
                   "\" may follow",
                   text, rest);
  out->M = m;
  out->N = n;
  out->K = k;
  out->group_size = group;
  out->with_scaling = scaling;
  out->with_bias = bias;
  out->with_a_scale = a_scale;
  bitblas_status status;
  if ((status = bitblas_dtype_from_name(a, &out->A_dtype)) != BITBLAS_OK ||
      (status = bitblas_dtype_from_name(w, &out->W_dtype)) != BITBLAS_OK ||
      (status = bitblas_dtype_from_name(accum, &out->accum_dtype)) != BITBLAS_OK ||
      (status = bitblas_dtype_from_name(outd, &out->out_dtype)) != BITBLAS_OK ||
      (status = bitblas_zeros_mode_from_name(zeros, &out->zeros_mode)) != BITBLAS_OK)
    return status;
  if ((status = bitblas_matmul_config_validate(out)) != BITBLAS_OK) return status;
  const int static_order = bb_config_weight_order(out);
  if (traded && !static_order)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "config text \"%s\": weights=traded for a config whose weights are read in "
                   "the plain layout",
                   text);
  /* The plain layout where a static operator would trade words: a dynamic operator's bucket. */
  if (!traded && static_order) out->dynamic_m = 1;
  return BITBLAS_OK;
}

int bitblas_matmul_config_describe(const bitblas_matmul_config *cfg, char *buf, size_t size) {
  if (!cfg) return snprintf(buf, size, "(null)");
  char key[512];
  bb_config_key_text(cfg, cfg->M, key, sizeof key);
  if (!cfg->dynamic_m) return snprintf(buf, size, "%s", key);
  char buckets[256] = "";
  size_t used = 0;
  for (int i = 0; i < cfg->m_bucket_count && used < sizeof buckets; i++)
    used += (size_t)snprintf(buckets + used, sizeof buckets - used, "%s%" PRId64, i ? "," : "",
                             cfg->m_buckets[i]);
  return snprintf(buf, size, "%s dynamic_m buckets=%s", key,
                  cfg->m_bucket_count ? buckets : "default");
}
