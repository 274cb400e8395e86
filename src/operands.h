/*
 * operands.h - fresh random host operands for a config: activations, packed weights, scales,
 * zeros, bias and per-row scales, never zero-filled, sized so no output overflows float16.
 * Used by the tuner's checks, the tests and the tools; uploading is the caller's business.
 */
#ifndef BITBLAS_OPERANDS_H
#define BITBLAS_OPERANDS_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* xorshift64* generator. */
typedef struct bb_rng {
  uint64_t state;
} bb_rng;

/* Seeds the generator (0 is replaced by a fixed odd constant). */
void bb_rng_seed(bb_rng *rng, uint64_t seed);

/* A seed that differs from run to run (clock and process id). */
uint64_t bb_rng_seed_from_clock(void);

uint64_t bb_rng_next(bb_rng *rng);

/* Uniform in [low, high). */
double bb_rng_uniform(bb_rng *rng, double low, double high);

/* Indices to check in [0, extent): all of them when there are at most `limit`, else the first,
 * the last and limit - 2 random ones. Writes them to out (room for limit); returns the count. */
int64_t bb_sample_indices(int64_t extent, int64_t limit, bb_rng *rng, int64_t *out);

typedef struct bb_host_operands {
  int64_t m;
  void *A, *W, *scales, *zeros, *bias;
  float *a_scale;
  size_t A_bytes, W_bytes, scales_bytes, zeros_bytes, bias_bytes, a_scale_bytes;
} bb_host_operands;

/* Makes operands for cfg with m rows of A:
 *  - A uniform in [-1, 1) before rounding to float16/bfloat16 (which may give 1), or in
 *    [-127, 127] (int8; narrower where raw sums would overflow a 16-bit float output);
 *  - W random codes in the plain packed layout; float8 e4m3 codes any but NaN, e5m2 codes with
 *    exponents within 2^-4..2^4 (no NaN or infinity); float16/bfloat16 W uniform over the 2048
 *    multiples of 2^-10 in [-1, 1) (rounded to bfloat16); `ternary` (int2) keeps codes at -1, 0,
 *    +1 like a BitNet b1.58 layer;
 *  - scales uniform in [0.001, 0.02] (float32 for int8 A: [0.001, 0.01]); zeros original
 *    uniform over the unsigned code range, rescale a few scale steps, quantized random codes;
 *  - bias uniform in [-1, 1) (int32: [-1000, 1000]); a_scale uniform in [0.001, 0.01].
 * BITBLAS_OK, or BITBLAS_OUT_OF_MEMORY / the config's validation error; on failure nothing is
 * left allocated. */
bitblas_status bb_host_operands_make(const bitblas_matmul_config *cfg, int64_t m, int ternary,
                                     bb_rng *rng, bb_host_operands *out);

/* Replaces the activations (and per-row scales) of operands made for cfg by fresh ones for m
 * rows, by the rules above; W, scales, zeros and bias stay. BITBLAS_OK, or
 * BITBLAS_OUT_OF_MEMORY (then the operands have no activations: free them). */
bitblas_status bb_host_operands_remake_activations(const bitblas_matmul_config *cfg, int64_t m,
                                                   bb_rng *rng, bb_host_operands *operands);

/* Frees and zeroes; a zeroed struct is fine. */
void bb_host_operands_free(bb_host_operands *operands);

/* The operands as host run arguments (C NULL), for bitblas_reference_matmul. */
bitblas_matmul_args bb_host_operands_args(const bb_host_operands *operands);

#endif
