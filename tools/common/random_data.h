/*
 * random_data.h - fresh random operands for the tools, on the host: activations, weights in the
 * plain packed layout, scales and zeros: never zero-filled (activations and scales have no zero
 * element), and sized so that no output overflows float16. Host memory only; device.h uploads.
 */
#ifndef BITBLAS_TOOL_RANDOM_DATA_H
#define BITBLAS_TOOL_RANDOM_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* xorshift64* generator. */
typedef struct bb_tool_rng {
  uint64_t state;
} bb_tool_rng;

/* Seeds the generator; any seed works (0 is replaced by a fixed odd constant). */
void bb_tool_rng_seed(bb_tool_rng *rng, uint64_t seed);

/* A seed that differs from run to run (clock and process id). */
uint64_t bb_tool_seed_from_clock(void);

uint64_t bb_tool_rng_next(bb_tool_rng *rng);

/* Uniform in [low, high). */
double bb_tool_rng_uniform(bb_tool_rng *rng, double low, double high);

/* Fills `count` elements of `dtype` with random values: float16/bfloat16/float32 uniform in
 * [-1, 1) (never exactly zero: a zero draw is replaced by the smallest step), int8 uniform in
 * [-127, 127] without 0, int32 uniform in [-1000, 1000] without 0. Other dtypes are not
 * elements of an array; returns -1 with bb_tool_error() set for them. */
int bb_tool_fill_random(bitblas_dtype dtype, void *data, size_t count, bb_tool_rng *rng);

/* The weights side of one operator: W in the plain packed layout of SPEC section 2 (N rows of
 * K*b/8 bytes; N*K 16-bit values for float16/bfloat16 W), scales [N, K/g] and zeros as the
 * config asks (NULL with 0 bytes when it has none). All malloc'd; free with _free. */
typedef struct bb_tool_host_weights {
  void *W;
  size_t W_bytes;
  void *scales;
  size_t scales_bytes;
  void *zeros;
  size_t zeros_bytes;
} bb_tool_host_weights;

/* Makes random weights for cfg (its N, K, W_dtype, group_size, scales and zeros):
 *  - integer, nf4 and fp4 codes: uniformly random bytes (every code is valid); with `ternary`
 *    (int2 only) each code decodes to -1, 0 or +1, like a BitNet b1.58 layer;
 *  - float8: random sign and mantissa, exponent kept within 2^-4 .. 2^4, no NaN or infinity;
 *  - float16/bfloat16 W: uniform in [-1, 1);
 *  - scales uniform in [0.001, 0.02]; zeros "original" uniform over the code range of unsigned
 *    integer formats (else [-1, 1]); "rescale" of the size of a few scale steps; "quantized"
 *    random codes.
 * 0, or -1 with bb_tool_error() set (out of memory, a config the library refuses). On failure
 * *out is zeroed and nothing is left allocated. */
int bb_tool_host_weights_make(const bitblas_matmul_config *cfg, int ternary, bb_tool_rng *rng,
                              bb_tool_host_weights *out);

/* Frees what _make allocated and zeroes *weights; a zeroed struct is fine. */
void bb_tool_host_weights_free(bb_tool_host_weights *weights);

/* The activations side of a run of `rows` rows: A [rows, K] of A_dtype (bb_tool_fill_random's
 * values), and for with_a_scale a float32 scale per row uniform in [0.001, 0.02]. */
typedef struct bb_tool_host_activations {
  int64_t rows;
  void *A;
  size_t A_bytes;
  float *a_scale; /* NULL when cfg has no a_scale */
  size_t a_scale_bytes;
} bb_tool_host_activations;

/* Makes random activations for cfg with `rows` rows. 0, or -1 with the message; on failure
 * *out is zeroed and nothing is left allocated. */
int bb_tool_host_activations_make(const bitblas_matmul_config *cfg, int64_t rows, bb_tool_rng *rng,
                                  bb_tool_host_activations *out);

void bb_tool_host_activations_free(bb_tool_host_activations *activations);

#endif
