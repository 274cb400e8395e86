/*
 * operands.c - random host operands for any config (see operands.h). Knows the formats only
 * through the packing rules and the element helpers of half.h; no GPU here.
 */
#include "operands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "half.h"

void bb_rng_seed(bb_rng *rng, uint64_t seed) { rng->state = seed ? seed : 0x9E3779B97F4A7C15ull; }

uint64_t bb_rng_seed_from_clock(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return ((uint64_t)t.tv_sec * 1000000007ull) ^ (uint64_t)t.tv_nsec ^ ((uint64_t)getpid() << 40);
}

uint64_t bb_rng_next(bb_rng *rng) {
  uint64_t x = rng->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng->state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

double bb_rng_uniform(bb_rng *rng, double low, double high) {
  return low + (high - low) * ((double)(bb_rng_next(rng) >> 11) / 9007199254740992.0);
}

int64_t bb_sample_indices(int64_t extent, int64_t limit, bb_rng *rng, int64_t *out) {
  if (extent <= limit) {
    for (int64_t i = 0; i < extent; i++) out[i] = i;
    return extent;
  }
  out[0] = 0;
  out[1] = extent - 1;
  for (int64_t i = 2; i < limit; i++) out[i] = (int64_t)(bb_rng_next(rng) % (uint64_t)extent);
  return limit;
}

/* Random bytes made float8 codes in place: e4m3 any but NaN (S.1111.111 becomes S.1111.110, up
 * to 448; subnormals too), e5m2 with the byte's sign and mantissa and an exponent within
 * 2^-4 .. 2^4 from its other 5 bits. Byte by byte without branches, which the compiler turns
 * into vector code: one draw and a division per code took 1.2 s more than uint8 codes to make
 * the weights of 57344 x 8192. */
static void bytes_to_float8(bitblas_dtype dtype, uint8_t *w, size_t bytes) {
  if (dtype == BITBLAS_DTYPE_FLOAT8_E4M3) {
    for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t)(w[i] - ((w[i] & 0x7fu) == 0x7fu));
    return;
  }
  for (size_t i = 0; i < bytes; i++) /* exponent 15 - 4 + (0 .. 8) */
    w[i] = (uint8_t)((w[i] & 0x83u) | (11u + ((((unsigned)w[i] >> 2) & 31u) * 9u >> 5)) << 2);
}

static void fill_weights(const bitblas_matmul_config *cfg, int ternary, bb_rng *rng, uint8_t *w,
                         size_t bytes) {
  const bitblas_dtype dtype = cfg->W_dtype;
  if (bb_dtype_is_float_weight(dtype)) {
    /* the 2048 multiples of 2^-10 in [-1, 1) (exact in float16, rounded once to bfloat16), five
     * per draw from a table of their bits: one draw and one double conversion per weight took
     * 7 s here (2 cores) for the 117 million weights of 28672 x 4096, 30 s for 57344 x 8192 */
    uint16_t values[2048];
    for (int i = 0; i < 2048; i++) {
      const float value = (float)(i - 1024) / 1024.0f;
      values[i] =
          dtype == BITBLAS_DTYPE_FLOAT16 ? bb_float_to_half(value) : bb_float_to_bfloat16(value);
    }
    uint16_t *out = (uint16_t *)(void *)w;
    const size_t count = bytes / 2;
    for (size_t i = 0; i < count; i += 5) {
      const uint64_t r = bb_rng_next(rng);
      for (size_t j = 0; j < 5 && i + j < count; j++) out[i + j] = values[(r >> (11 * j)) & 2047u];
    }
  } else if (ternary && dtype == BITBLAS_DTYPE_INT2) {
    /* int2 codes 1, 2, 3 decode to -1, 0, +1. */
    for (size_t i = 0; i < bytes; i++) {
      unsigned byte = 0;
      for (int j = 0; j < 4; j++) byte |= (unsigned)(1 + bb_rng_next(rng) % 3) << (2 * j);
      w[i] = (uint8_t)byte;
    }
  } else {
    /* eight random bytes per draw: the tuner makes these for every M bucket it tunes, and one
     * draw per byte took 0.17 s for a 28672 x 4096 layer of 4-bit codes */
    for (size_t i = 0; i < bytes; i += 8) {
      const uint64_t r = bb_rng_next(rng);
      memcpy(w + i, &r, bytes - i < 8 ? bytes - i : 8);
    }
    if (bb_dtype_is_float8_weight(dtype)) bytes_to_float8(dtype, w, bytes);
  }
}

static void fill_uniform(bitblas_dtype dtype, void *data, size_t count, bb_rng *rng, double low,
                         double high) {
  /* 16-bit floats through float: the exact double conversion of bb_element_write (any
   * minifloat) is several times slower, and random data does not care about a second rounding */
  if (dtype == BITBLAS_DTYPE_FLOAT16 || dtype == BITBLAS_DTYPE_BFLOAT16) {
    /* two values per draw, from 24 random bits each (exact in float; a 16-bit float keeps at
     * most 11): activations of M = 1024 rows of 28672 k are 29 million of them */
    uint16_t *out = data;
    const float base = (float)low, step = (float)(high - low) / 16777216.0f;
    for (size_t i = 0; i < count; i += 2) {
      const uint64_t r = bb_rng_next(rng);
      const float pair[2] = {base + step * (float)(r >> 40),
                             base + step * (float)((r >> 8) & 0xFFFFFFu)};
      for (size_t j = 0; j < 2 && i + j < count; j++)
        out[i + j] = dtype == BITBLAS_DTYPE_FLOAT16 ? bb_float_to_half(pair[j])
                                                    : bb_float_to_bfloat16(pair[j]);
    }
    return;
  }
  for (size_t i = 0; i < count; i++)
    bb_element_write(dtype, data, i, bb_rng_uniform(rng, low, high));
}

/* Frees A and its per-row scales and zeroes their fields. */
static void free_activations(bb_host_operands *out) {
  free(out->A);
  free(out->a_scale);
  out->A = NULL;
  out->a_scale = NULL;
  out->m = 0;
  out->A_bytes = out->a_scale_bytes = 0;
}

/* Allocates and fills A (m rows) and its per-row scales; on failure frees them and returns
 * BITBLAS_OUT_OF_MEMORY. */
static bitblas_status make_activations(const bitblas_matmul_config *cfg, int64_t m, bb_rng *rng,
                                       bb_host_operands *out) {
  out->m = m;
  out->A_bytes = bb_config_a_bytes(cfg, m);
  out->a_scale_bytes = cfg->with_a_scale ? (size_t)m * sizeof(float) : 0;
  out->A = malloc(out->A_bytes);
  out->a_scale = out->a_scale_bytes ? malloc(out->a_scale_bytes) : NULL;
  if (!out->A || (out->a_scale_bytes && !out->a_scale)) {
    free_activations(out);
    return bb_fail(BITBLAS_OUT_OF_MEMORY, "no host memory for activations of M=%lld K=%lld",
                   (long long)m, (long long)cfg->K);
  }
  const size_t a_count = (size_t)m * (size_t)cfg->K;
  if (cfg->A_dtype == BITBLAS_DTYPE_INT8) {
    /* Raw int32 sums of K products reach K * 127 * 255; where nothing scales them down before
     * a 16-bit float output, keep typical sums near 1000 so the output is finite. */
    int amplitude = 127;
    if (!cfg->with_scaling && !cfg->with_a_scale &&
        (cfg->out_dtype == BITBLAS_DTYPE_FLOAT16 || cfg->out_dtype == BITBLAS_DTYPE_BFLOAT16)) {
      const double largest_weight = (double)((1u << bitblas_dtype_bits(cfg->W_dtype)) - 1u);
      amplitude = (int)(1000.0 / (sqrt((double)cfg->K) * largest_weight));
      amplitude = amplitude < 1 ? 1 : amplitude > 127 ? 127 : amplitude;
    }
    for (size_t i = 0; i < a_count; i++)
      ((int8_t *)out->A)[i] =
          (int8_t)((int)(bb_rng_next(rng) % (uint64_t)(2 * amplitude + 1)) - amplitude);
  } else {
    fill_uniform(cfg->A_dtype, out->A, a_count, rng, -1.0, 1.0);
  }
  for (int64_t i = 0; out->a_scale && i < m; i++)
    out->a_scale[i] = (float)bb_rng_uniform(rng, 0.001, 0.01);
  return BITBLAS_OK;
}

bitblas_status bb_host_operands_make(const bitblas_matmul_config *cfg, int64_t m, int ternary,
                                     bb_rng *rng, bb_host_operands *out) {
  memset(out, 0, sizeof *out);
  bitblas_status status = bitblas_matmul_config_validate(cfg);
  if (status != BITBLAS_OK) return status;
  out->W_bytes = bb_config_w_bytes(cfg);
  out->scales_bytes = bb_config_scales_bytes(cfg);
  out->zeros_bytes = bb_config_zeros_bytes(cfg);
  out->bias_bytes = bb_config_bias_bytes(cfg);
  out->W = malloc(out->W_bytes);
  out->scales = out->scales_bytes ? malloc(out->scales_bytes) : NULL;
  out->zeros = out->zeros_bytes ? malloc(out->zeros_bytes) : NULL;
  out->bias = out->bias_bytes ? malloc(out->bias_bytes) : NULL;
  if (!out->W || (out->scales_bytes && !out->scales) || (out->zeros_bytes && !out->zeros) ||
      (out->bias_bytes && !out->bias)) {
    bb_host_operands_free(out);
    return bb_fail(BITBLAS_OUT_OF_MEMORY, "no host memory for operands of M=%lld N=%lld K=%lld",
                   (long long)m, (long long)cfg->N, (long long)cfg->K);
  }
  if ((status = make_activations(cfg, m, rng, out)) != BITBLAS_OK) {
    bb_host_operands_free(out);
    return status;
  }
  fill_weights(cfg, ternary, rng, out->W, out->W_bytes);
  const bitblas_dtype scale_dtype = bb_config_scale_dtype(cfg);
  const size_t scale_width = (size_t)bitblas_dtype_bits(scale_dtype) / 8;
  if (out->scales)
    fill_uniform(scale_dtype, out->scales, out->scales_bytes / scale_width, rng, 0.001,
                 cfg->A_dtype == BITBLAS_DTYPE_INT8 ? 0.01 : 0.02);
  const double top_code = (double)((1u << bitblas_dtype_bits(cfg->W_dtype)) - 1u);
  switch (cfg->zeros_mode) {
  case BITBLAS_ZEROS_ORIGINAL:
    fill_uniform(scale_dtype, out->zeros, out->zeros_bytes / scale_width, rng, 0.0, top_code);
    break;
  case BITBLAS_ZEROS_RESCALE:
    fill_uniform(scale_dtype, out->zeros, out->zeros_bytes / scale_width, rng, -0.05, 0.05);
    break;
  case BITBLAS_ZEROS_QUANTIZED:
    for (size_t i = 0; i < out->zeros_bytes; i++)
      ((uint8_t *)out->zeros)[i] = (uint8_t)bb_rng_next(rng);
    break;
  default:
    break;
  }
  if (out->bias) {
    if (cfg->out_dtype == BITBLAS_DTYPE_INT32) {
      for (int64_t n = 0; n < cfg->N; n++)
        ((int32_t *)out->bias)[n] = (int32_t)(bb_rng_next(rng) % 2001) - 1000;
    } else {
      fill_uniform(cfg->out_dtype, out->bias, (size_t)cfg->N, rng, -1.0, 1.0);
    }
  }
  return BITBLAS_OK;
}

bitblas_status bb_host_operands_remake_activations(const bitblas_matmul_config *cfg, int64_t m,
                                                   bb_rng *rng, bb_host_operands *operands) {
  free_activations(operands);
  return make_activations(cfg, m, rng, operands);
}

void bb_host_operands_free(bb_host_operands *operands) {
  if (!operands) return;
  free(operands->A);
  free(operands->W);
  free(operands->scales);
  free(operands->zeros);
  free(operands->bias);
  free(operands->a_scale);
  memset(operands, 0, sizeof *operands);
}

bitblas_matmul_args bb_host_operands_args(const bb_host_operands *operands) {
  bitblas_matmul_args args = {operands->m,     operands->A,    operands->W,       operands->scales,
                              operands->zeros, operands->bias, operands->a_scale, NULL};
  return args;
}
