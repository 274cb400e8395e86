/*
 * half.h - the small floating-point formats bitblas moves around on the host: float16, bfloat16,
 * float8 (OCP e4m3 and e5m2), fp4_e2m1 (OCP MX) and the NF4 table, converted to and from
 * float/double with round-to-nearest-even, plus typed element reads and writes of host arrays.
 * No vectorized or device code here: these are the host's exact conversions, used to build test
 * and tuning inputs, to read outputs back, and by the reference and the quantizer.
 */
#ifndef BITBLAS_HALF_H
#define BITBLAS_HALF_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* ---- float16 (IEEE binary16: 1 sign, 5 exponent bits, bias 15, 10 mantissa bits) ---- */

/* The value of a float16 bit pattern; exact (subnormals, +-0, +-inf, NaN included). */
float bb_half_to_float(uint16_t bits);

/* Nearest float16 to `value`, ties to even. Magnitudes >= 65520 become +-inf, results below the
 * smallest subnormal (2^-24) round to +-0 or to it, NaN stays a quiet NaN (sign kept). */
uint16_t bb_float_to_half(float value);

/* As bb_float_to_half, rounding once from a double (no double rounding through float). */
uint16_t bb_double_to_half(double value);

/* ---- bfloat16 (1 sign, 8 exponent bits, bias 127, 7 mantissa bits: the top half of a float) ----
 */

/* The value of a bfloat16 bit pattern; exact. */
float bb_bfloat16_to_float(uint16_t bits);

/* Nearest bfloat16 to `value`, ties to even; overflow gives +-inf, NaN stays a quiet NaN. */
uint16_t bb_float_to_bfloat16(float value);

/* As bb_float_to_bfloat16, rounding once from a double. */
uint16_t bb_double_to_bfloat16(double value);

/* ---- float8 (OCP 8-bit floating point) ----
 * e4m3: 1 sign, 4 exponent bits, bias 7, 3 mantissa bits; no infinities; S.1111.111 is NaN;
 *       largest magnitude 448, smallest subnormal 2^-9.
 * e5m2: 1 sign, 5 exponent bits, bias 15, 2 mantissa bits; IEEE-like: S.11111.00 is +-inf,
 *       S.11111.{01,10,11} are NaN; largest finite magnitude 57344, smallest subnormal 2^-16. */

#define BB_FLOAT8_E4M3_MAX 448.0
#define BB_FLOAT8_E5M2_MAX 57344.0

/* The value of an e4m3 / e5m2 code (the byte as stored); NaN codes give NaN. Exact. */
double bb_float8_e4m3_to_double(uint8_t code);
double bb_float8_e5m2_to_double(uint8_t code);

/* The code nearest to `value`, ties to even. With `saturate` nonzero, magnitudes beyond the
 * largest finite value (+-inf included) become +-max (what the quantizer wants); with it zero,
 * overflow becomes NaN (0x7F/0xFF) for e4m3 and +-inf for e5m2, as the OCP non-saturating mode.
 * NaN encodes as a NaN code (0x7F for e4m3, 0x7E for e5m2, sign kept). */
uint8_t bb_double_to_float8_e4m3(double value, int saturate);
uint8_t bb_double_to_float8_e5m2(double value, int saturate);

/* ---- fp4_e2m1 (OCP MX: 1 sign, 2 exponent bits, bias 1, 1 mantissa bit) ----
 * Codes 0..7 are +{0, 0.5, 1, 1.5, 2, 3, 4, 6}, codes 8..15 the same values negated (8 is -0).
 * There is no infinity and no NaN. */

#define BB_FP4_E2M1_MAX 6.0

/* The value of a 4-bit code (only the low 4 bits of `code` are read). */
double bb_fp4_e2m1_to_double(uint8_t code);

/* The code nearest to `value`, ties to even, saturating at +-6 (infinities too). NaN, which the
 * format cannot hold, encodes as +0 (code 0). */
uint8_t bb_double_to_fp4_e2m1(double value);

/* ---- NF4 (QLoRA's 4-bit NormalFloat) ---- */

/* The 16 values of SPEC section 2, code 0 (-1.0) to code 15 (1.0), ascending; code 7 is 0. */
extern const double bb_nf4_table[16];

/* The value of a 4-bit code (only the low 4 bits of `code` are read). */
double bb_nf4_to_double(uint8_t code);

/* The code whose value is nearest to `value` (values beyond +-1 clamp to codes 0 and 15; an
 * exact tie between two neighbours goes to the one of smaller magnitude; NaN gives code 7). */
uint8_t bb_double_to_nf4(double value);

/* ---- Typed elements of host arrays ---- */

/* Element `index` of a host array of `dtype`, as a double. Takes float16 and bfloat16 (raw
 * 16-bit patterns), float32, int32, int8, uint8, float8_e4m3 and float8_e5m2 (one code per
 * byte); any other dtype (the sub-byte formats are not addressable by index) reads as NaN. */
double bb_element_read(bitblas_dtype dtype, const void *array, size_t index);

/* Stores `value` as element `index` of a host array of `dtype`, rounding once to the nearest
 * representable value: float16/bfloat16/float32 ties to even with overflow to +-inf; float8
 * saturating; int32/int8/uint8 to the nearest integer (ties to even), clamped to the type's range
 * (NaN stores 0). Any other dtype stores nothing. */
void bb_element_write(bitblas_dtype dtype, void *array, size_t index, double value);

/* Rounds to the nearest integer, ties to even, without depending on the floating-point
 * environment's rounding mode. Finite input only. */
double bb_round_half_even(double value);

#endif
