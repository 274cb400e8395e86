/*
 * random_data.c - random host operands for the tools (see random_data.h). Sizes come from the
 * public API (bitblas_weight_bytes, bitblas_scales_bytes, ...); nothing here touches a GPU.
 */
#include "random_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "half.h"

void bb_tool_rng_seed(bb_tool_rng *rng, uint64_t seed) {
  rng->state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

uint64_t bb_tool_seed_from_clock(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return ((uint64_t)now.tv_sec * 1000000007ull) ^ (uint64_t)now.tv_nsec ^
         ((uint64_t)getpid() << 40);
}

uint64_t bb_tool_rng_next(bb_tool_rng *rng) {
  uint64_t x = rng->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng->state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

double bb_tool_rng_uniform(bb_tool_rng *rng, double low, double high) {
  double unit = (double)(bb_tool_rng_next(rng) >> 11) / 9007199254740992.0;
  return low + (high - low) * unit;
}

/* Uniform in [-1, 1) but at least 2^-10 in magnitude, so it survives rounding to any 16-bit
 * float type as a nonzero value. */
static float nonzero_unit(bb_tool_rng *rng) {
  float value = (float)bb_tool_rng_uniform(rng, -1.0, 1.0);
  const float smallest = 1.0f / 1024.0f;
  if (fabsf(value) < smallest) value = value < 0 ? -smallest : smallest;
  return value;
}

/* Uniform over [-127, 127] without 0. */
static int8_t nonzero_int8(bb_tool_rng *rng) {
  int value = (int)(bb_tool_rng_next(rng) % 254u) - 127; /* -127 .. 126 */
  if (value >= 0) value++;
  return (int8_t)value;
}

int bb_tool_fill_random(bitblas_dtype dtype, void *data, size_t count, bb_tool_rng *rng) {
  switch (dtype) {
    case BITBLAS_DTYPE_FLOAT16:
      for (size_t i = 0; i < count; i++)
        ((uint16_t *)data)[i] = bb_float_to_half(nonzero_unit(rng));
      return 0;
    case BITBLAS_DTYPE_BFLOAT16:
      for (size_t i = 0; i < count; i++)
        ((uint16_t *)data)[i] = bb_float_to_bfloat16(nonzero_unit(rng));
      return 0;
    case BITBLAS_DTYPE_FLOAT32:
      for (size_t i = 0; i < count; i++) ((float *)data)[i] = nonzero_unit(rng);
      return 0;
    case BITBLAS_DTYPE_INT8:
      for (size_t i = 0; i < count; i++) ((int8_t *)data)[i] = nonzero_int8(rng);
      return 0;
    case BITBLAS_DTYPE_INT32:
      for (size_t i = 0; i < count; i++) {
        int32_t value = (int32_t)(bb_tool_rng_next(rng) % 2000u) - 1000; /* -1000 .. 999 */
        ((int32_t *)data)[i] = value >= 0 ? value + 1 : value;
      }
      return 0;
    default:
      return bb_tool_fail("bb_tool_fill_random: %s is not an array element type",
                          bitblas_dtype_name(dtype));
  }
}

static void fill_random_bytes(uint8_t *data, size_t size, bb_tool_rng *rng) {
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t bits = bb_tool_rng_next(rng);
    memcpy(data + i, &bits, 8);
  }
  if (i < size) {
    uint64_t bits = bb_tool_rng_next(rng);
    memcpy(data + i, &bits, size - i);
  }
}

/* int2 codes u with u - 2 in {-1, 0, +1}: u in {1, 2, 3}, four to a byte. */
static void fill_ternary_int2(uint8_t *data, size_t size, bb_tool_rng *rng) {
  for (size_t i = 0; i < size; i++) {
    uint64_t bits = bb_tool_rng_next(rng);
    uint8_t byte = 0;
    for (int field = 0; field < 4; field++) {
      unsigned code = 1u + (unsigned)((bits >> (16 * field)) % 3u);
      byte |= (uint8_t)(code << (2 * field));
    }
    data[i] = byte;
  }
}

/* float8 codes with a random sign and mantissa and an exponent field in [low, high], so values
 * stay between about 2^-4 and 2^5 in magnitude: finite, never NaN, and small enough that sums
 * over K fit float16. */
static void fill_float8(uint8_t *data, size_t size, int mantissa_bits, unsigned exponent_low,
                        unsigned exponent_high, bb_tool_rng *rng) {
  unsigned span = exponent_high - exponent_low + 1;
  for (size_t i = 0; i < size; i++) {
    uint64_t bits = bb_tool_rng_next(rng);
    unsigned sign = (unsigned)(bits & 1u);
    unsigned mantissa = (unsigned)((bits >> 1) & ((1u << mantissa_bits) - 1u));
    unsigned exponent = exponent_low + (unsigned)((bits >> 8) % span);
    data[i] = (uint8_t)((sign << 7) | (exponent << mantissa_bits) | mantissa);
  }
}

static int is_unsigned_integer(bitblas_dtype dtype) {
  return dtype == BITBLAS_DTYPE_UINT8 || dtype == BITBLAS_DTYPE_UINT4 ||
         dtype == BITBLAS_DTYPE_UINT2 || dtype == BITBLAS_DTYPE_UINT1;
}

/* Writes `count` values uniform in [low, high] as the scale dtype (16-bit float or float32). */
static void fill_uniform(bitblas_dtype dtype, void *data, size_t count, double low, double high,
                         bb_tool_rng *rng) {
  for (size_t i = 0; i < count; i++) {
    float value = (float)bb_tool_rng_uniform(rng, low, high);
    if (dtype == BITBLAS_DTYPE_FLOAT16)
      ((uint16_t *)data)[i] = bb_float_to_half(value);
    else if (dtype == BITBLAS_DTYPE_BFLOAT16)
      ((uint16_t *)data)[i] = bb_float_to_bfloat16(value);
    else
      ((float *)data)[i] = value;
  }
}

int bb_tool_host_weights_make(const bitblas_matmul_config *cfg, int ternary, bb_tool_rng *rng,
                              bb_tool_host_weights *out) {
  memset(out, 0, sizeof *out);
  bitblas_status status = bitblas_matmul_config_validate(cfg);
  if (status != BITBLAS_OK) return bb_tool_fail_status("random weights", status);
  if (ternary && cfg->W_dtype != BITBLAS_DTYPE_INT2)
    return bb_tool_fail("random weights: ternary weights need W_dtype int2, not %s",
                        bitblas_dtype_name(cfg->W_dtype));
  int bits = bitblas_dtype_bits(cfg->W_dtype);
  bitblas_dtype scale_dtype =
      cfg->A_dtype == BITBLAS_DTYPE_INT8 ? BITBLAS_DTYPE_FLOAT32 : cfg->A_dtype;
  int scale_size = bitblas_dtype_bits(scale_dtype) / 8;
  out->W_bytes = bitblas_weight_bytes(cfg->W_dtype, cfg->N, cfg->K);
  out->scales_bytes = bitblas_scales_bytes(cfg);
  out->zeros_bytes = bitblas_zeros_bytes(cfg);
  out->W = malloc(out->W_bytes);
  out->scales = out->scales_bytes ? malloc(out->scales_bytes) : NULL;
  out->zeros = out->zeros_bytes ? malloc(out->zeros_bytes) : NULL;
  if (!out->W || (out->scales_bytes && !out->scales) || (out->zeros_bytes && !out->zeros)) {
    size_t total = out->W_bytes + out->scales_bytes + out->zeros_bytes;
    bb_tool_host_weights_free(out);
    return bb_tool_fail("random weights: out of host memory for %zu bytes", total);
  }

  switch (cfg->W_dtype) {
    case BITBLAS_DTYPE_FLOAT16:
    case BITBLAS_DTYPE_BFLOAT16:
      bb_tool_fill_random(cfg->W_dtype, out->W, out->W_bytes / 2, rng);
      break;
    case BITBLAS_DTYPE_FLOAT8_E4M3: /* bias 7: fields 3 .. 11 are 2^-4 .. 2^4 */
      fill_float8(out->W, out->W_bytes, 3, 3, 11, rng);
      break;
    case BITBLAS_DTYPE_FLOAT8_E5M2: /* bias 15: fields 11 .. 19 are 2^-4 .. 2^4 */
      fill_float8(out->W, out->W_bytes, 2, 11, 19, rng);
      break;
    default:
      if (ternary)
        fill_ternary_int2(out->W, out->W_bytes, rng);
      else
        fill_random_bytes(out->W, out->W_bytes, rng);
      break;
  }

  if (out->scales)
    fill_uniform(scale_dtype, out->scales, out->scales_bytes / (size_t)scale_size, 0.001, 0.02,
                 rng);
  double levels = ldexp(1.0, bits) - 1.0; /* largest unsigned code */
  switch (cfg->zeros_mode) {
    case BITBLAS_ZEROS_ORIGINAL: /* w = (q - z) * s: z somewhere in the code range */
      if (is_unsigned_integer(cfg->W_dtype))
        fill_uniform(scale_dtype, out->zeros, out->zeros_bytes / (size_t)scale_size, 0.0, levels,
                     rng);
      else
        fill_uniform(scale_dtype, out->zeros, out->zeros_bytes / (size_t)scale_size, -1.0, 1.0,
                     rng);
      break;
    case BITBLAS_ZEROS_RESCALE: /* w = q * s - z: z about half the range times a scale */
      fill_uniform(scale_dtype, out->zeros, out->zeros_bytes / (size_t)scale_size, 0.0,
                   0.02 * (levels + 1.0) / 2.0, rng);
      break;
    case BITBLAS_ZEROS_QUANTIZED: /* b-bit codes packed along N: any bytes are valid codes */
      fill_random_bytes(out->zeros, out->zeros_bytes, rng);
      break;
    default:
      break;
  }
  return 0;
}

void bb_tool_host_weights_free(bb_tool_host_weights *weights) {
  free(weights->W);
  free(weights->scales);
  free(weights->zeros);
  memset(weights, 0, sizeof *weights);
}

int bb_tool_host_activations_make(const bitblas_matmul_config *cfg, int64_t rows, bb_tool_rng *rng,
                                  bb_tool_host_activations *out) {
  memset(out, 0, sizeof *out);
  if (rows < 1)
    return bb_tool_fail("random activations: rows = %lld: must be >= 1", (long long)rows);
  size_t count = (size_t)rows * (size_t)cfg->K;
  out->rows = rows;
  out->A_bytes = count * (size_t)(bitblas_dtype_bits(cfg->A_dtype) / 8);
  out->A = malloc(out->A_bytes ? out->A_bytes : 1);
  if (cfg->with_a_scale) {
    out->a_scale_bytes = (size_t)rows * sizeof(float);
    out->a_scale = malloc(out->a_scale_bytes);
  }
  if (!out->A || (cfg->with_a_scale && !out->a_scale)) {
    size_t total = out->A_bytes + out->a_scale_bytes;
    bb_tool_host_activations_free(out);
    return bb_tool_fail("random activations: out of host memory for %zu bytes", total);
  }
  if (bb_tool_fill_random(cfg->A_dtype, out->A, count, rng) != 0) {
    bb_tool_host_activations_free(out);
    return -1;
  }
  if (out->a_scale)
    for (int64_t i = 0; i < rows; i++)
      out->a_scale[i] = (float)bb_tool_rng_uniform(rng, 0.001, 0.02);
  return 0;
}

void bb_tool_host_activations_free(bb_tool_host_activations *activations) {
  free(activations->A);
  free(activations->a_scale);
  memset(activations, 0, sizeof *activations);
}
