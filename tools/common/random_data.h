/*
 * random_data.h - fresh random operands for the tools, on the host: the weights side (W, scales,
 * zeros) and the activations side (A, a_scale) of a config, both cut from bb_host_operands_make
 * (operands.h), which holds every value rule; and plain random arrays for timing inputs. Host
 * memory only; device.h uploads.
 */
#ifndef BITBLAS_TOOL_RANDOM_DATA_H
#define BITBLAS_TOOL_RANDOM_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"
#include "operands.h"

/* Fills `count` elements of `dtype` with random values for timing inputs (cuBLAS's B):
 * float16/bfloat16/float32 uniform in [-1, 1) (never exactly zero: a zero draw is replaced by
 * the smallest step), int8 uniform in [-127, 127] without 0, int32 uniform in [-1000, 1000]
 * without 0. Other dtypes are not elements of an array; returns -1 with bb_tool_error() set for
 * them. */
int bb_tool_fill_random(bitblas_dtype dtype, void *data, size_t count, bb_rng *rng);

/* The weights side of one operator: W in the plain packed layout of SPEC section 2 (N rows of
 * K*b/8 bytes; N*K 16-bit values for float16/bfloat16 W), scales [N, K/g], zeros and bias [N]
 * as the config asks (NULL with 0 bytes when it has none). All malloc'd; free with _free. */
typedef struct bb_tool_host_weights {
  void *W;
  size_t W_bytes;
  void *scales;
  size_t scales_bytes;
  void *zeros;
  size_t zeros_bytes;
  void *bias;
  size_t bias_bytes;
} bb_tool_host_weights;

/* Makes random weights for cfg with bb_host_operands_make's values (`ternary` keeps int2 codes
 * at -1, 0, +1) and keeps W, scales, zeros and bias. 0, or -1 with bb_tool_error() set (out of
 * memory, a config the library refuses). On failure *out is zeroed and nothing is left
 * allocated. */
int bb_tool_host_weights_make(const bitblas_matmul_config *cfg, int ternary, bb_rng *rng,
                              bb_tool_host_weights *out);

/* Frees what _make allocated and zeroes *weights; a zeroed struct is fine. */
void bb_tool_host_weights_free(bb_tool_host_weights *weights);

/* The activations side of a run of `rows` rows: A [rows, K] of A_dtype, and for with_a_scale a
 * float32 scale per row. */
typedef struct bb_tool_host_activations {
  int64_t rows;
  void *A;
  size_t A_bytes;
  float *a_scale; /* NULL when cfg has no a_scale */
  size_t a_scale_bytes;
} bb_tool_host_activations;

/* Makes random activations for cfg with `rows` rows with bb_host_operands_make's values and
 * keeps A and a_scale. 0, or -1 with the message (rows < 1, out of memory, a config the library
 * refuses); on failure *out is zeroed and nothing is left allocated. */
int bb_tool_host_activations_make(const bitblas_matmul_config *cfg, int64_t rows, bb_rng *rng,
                                  bb_tool_host_activations *out);

void bb_tool_host_activations_free(bb_tool_host_activations *activations);

#endif
