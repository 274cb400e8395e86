/*
 * random_data.c - random host operands for the tools (see random_data.h). The weights and
 * activations are parts of bb_host_operands_make's operands: no value rule of its own here,
 * only the timing-input arrays. Nothing here touches a GPU.
 */
#include "random_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "half.h"

/* Uniform in [-1, 1) but at least 2^-10 in magnitude, so it survives rounding to any 16-bit
 * float type as a nonzero value. */
static float nonzero_unit(bb_rng *rng) {
  float value = (float)bb_rng_uniform(rng, -1.0, 1.0);
  const float smallest = 1.0f / 1024.0f;
  if (fabsf(value) < smallest) value = value < 0 ? -smallest : smallest;
  return value;
}

/* Uniform over [-127, 127] without 0. */
static int8_t nonzero_int8(bb_rng *rng) {
  int value = (int)(bb_rng_next(rng) % 254u) - 127; /* -127 .. 126 */
  if (value >= 0) value++;
  return (int8_t)value;
}

int bb_tool_fill_random(bitblas_dtype dtype, void *data, size_t count, bb_rng *rng) {
  switch (dtype) {
  case BITBLAS_DTYPE_FLOAT16:
    for (size_t i = 0; i < count; i++) ((uint16_t *)data)[i] = bb_float_to_half(nonzero_unit(rng));
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
      int32_t value = (int32_t)(bb_rng_next(rng) % 2000u) - 1000; /* -1000 .. 999 */
      ((int32_t *)data)[i] = value >= 0 ? value + 1 : value;
    }
    return 0;
  default:
    return bb_tool_fail("bb_tool_fill_random: %s is not an array element type",
                        bitblas_dtype_name(dtype));
  }
}

int bb_tool_host_weights_make(const bitblas_matmul_config *cfg, int ternary, bb_rng *rng,
                              bb_tool_host_weights *out) {
  memset(out, 0, sizeof *out);
  /* One row of A is made along and dropped: it costs K elements. */
  bb_host_operands operands;
  bitblas_status status = bb_host_operands_make(cfg, 1, ternary, rng, &operands);
  if (status != BITBLAS_OK) return bb_tool_fail_status("random weights", status);
  out->W = operands.W;
  out->W_bytes = operands.W_bytes;
  out->scales = operands.scales;
  out->scales_bytes = operands.scales_bytes;
  out->zeros = operands.zeros;
  out->zeros_bytes = operands.zeros_bytes;
  out->bias = operands.bias;
  out->bias_bytes = operands.bias_bytes;
  operands.W = operands.scales = operands.zeros = operands.bias = NULL;
  bb_host_operands_free(&operands);
  return 0;
}

void bb_tool_host_weights_free(bb_tool_host_weights *weights) {
  free(weights->W);
  free(weights->scales);
  free(weights->zeros);
  free(weights->bias);
  memset(weights, 0, sizeof *weights);
}

int bb_tool_host_activations_make(const bitblas_matmul_config *cfg, int64_t rows, bb_rng *rng,
                                  bb_tool_host_activations *out) {
  memset(out, 0, sizeof *out);
  if (rows < 1)
    return bb_tool_fail("random activations: rows = %lld: must be >= 1", (long long)rows);
  /* A's values depend on K, the dtypes and the scaling flags, never on N (operands.h): made for
   * one output column, the weights that come along cost K codes, not a whole [N, K] matrix. */
  bitblas_matmul_config one_column = *cfg;
  one_column.N = 1;
  bb_host_operands operands;
  bitblas_status status = bb_host_operands_make(&one_column, rows, 0, rng, &operands);
  if (status != BITBLAS_OK) return bb_tool_fail_status("random activations", status);
  out->rows = rows;
  out->A = operands.A;
  out->A_bytes = operands.A_bytes;
  out->a_scale = operands.a_scale;
  out->a_scale_bytes = operands.a_scale_bytes;
  operands.A = NULL;
  operands.a_scale = NULL;
  bb_host_operands_free(&operands);
  return 0;
}

void bb_tool_host_activations_free(bb_tool_host_activations *activations) {
  free(activations->A);
  free(activations->a_scale);
  memset(activations, 0, sizeof *activations);
}
