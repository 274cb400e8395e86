/*
 * pack.h - the plain weight layout of SPEC section 2 from the inside: reading one b-bit code out
 * of a packed row, the value <-> stored-code rules of each weight dtype, decoding codes without
 * touching the error state, and the packed layout of quantized zeros ([K/g, ceil(N*b/8)] bytes).
 * Physical reorderings for particular kernels (interleaving, fragment order) are not here.
 */
#ifndef BITBLAS_PACK_H
#define BITBLAS_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* The stored code of element `index` of a row packed `bits` (1, 2, 4 or 8) per element,
 * little-endian within each byte: byte index*bits/8, bit (index*bits) mod 8. */
static inline uint32_t bb_pack_code_at(const uint8_t *row, int64_t index, int bits) {
  const int64_t bit = index * bits;
  return ((uint32_t)row[bit >> 3] >> (bit & 7)) & ((1u << bits) - 1u);
}

/* Whether the dtype is a weight format stored in 1, 2, 4 or 8 bits, which pack/unpack take
 * (everything but float16, bfloat16, float32 and int32). */
int bb_pack_is_packed_weight(bitblas_dtype W_dtype);

/* The stored code of a value as bitblas_weight_pack takes it (int4 -8..7 -> v+8, int2 -> v+2,
 * int1 +-1 -> (v+1)/2, unsigned formats as they are, int8/uint8/float8 the byte's bit pattern,
 * nf4/fp4_e2m1 the code 0..15). Returns 0 and writes *code, or -1 when the value is out of the
 * dtype's range (or the dtype is not a packed weight format). */
int bb_pack_value_to_code(bitblas_dtype W_dtype, int8_t value, uint32_t *code);

/* The inverse of bb_pack_value_to_code for a code below 2^bits. */
int8_t bb_pack_code_to_value(bitblas_dtype W_dtype, uint32_t code);

/* The valid values of bitblas_weight_pack's input for a dtype, in words ("-8..7"). */
const char *bb_pack_value_range(bitblas_dtype W_dtype);

/* The decoded value of stored code u, as bitblas_weight_decode but without touching this
 * thread's error message: NaN for a dtype that is not a weight format or a u out of range. */
double bb_decode_code(bitblas_dtype W_dtype, uint32_t u);

/* Packs quantized zeros `zeros` [groups, N] (one code per byte, 0 .. 2^b - 1) of an unsigned
 * weight dtype (uint8/uint4/uint2/uint1) into `packed` [groups, ceil(N*b/8)] bytes: element n of
 * a row in byte n*b/8 at bit (n*b) mod 8, the unused high bits of a row's last byte zero.
 * Errors: BITBLAS_INVALID_ARGUMENT for a NULL pointer, a non-positive size, a dtype without
 * quantized zeros, or a code out of range (naming group, column, value and range). */
bitblas_status bb_pack_qzeros(bitblas_dtype W_dtype, int64_t groups, int64_t N,
                              const uint8_t *zeros, uint8_t *packed);

/* The inverse of bb_pack_qzeros: packed [groups, ceil(N*b/8)] bytes -> zeros [groups, N]. */
bitblas_status bb_unpack_qzeros(bitblas_dtype W_dtype, int64_t groups, int64_t N,
                                const uint8_t *packed, uint8_t *zeros);

#endif
