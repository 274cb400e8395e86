/*
 * half.c - host conversions of float16, bfloat16, float8 e4m3/e5m2, fp4_e2m1 and NF4 (see
 * half.h). One generic encoder/decoder handles every small binary float exactly; float16 and
 * bfloat16 from float also have integer fast paths, which the tests check against the generic one.
 */
#include "half.h"

#include <math.h>
#include <string.h>

/* ---- One description of a small binary float, and exact conversions through double ---- */

typedef enum minifloat_specials {
  MINIFLOAT_IEEE,  /* top exponent reserved: mantissa 0 is +-inf, the rest NaN */
  MINIFLOAT_FN,    /* no infinities; only the all-ones exponent and mantissa is NaN (e4m3) */
  MINIFLOAT_FINITE /* every code is a finite number (e2m1) */
} minifloat_specials;

typedef struct minifloat_format {
  int exponent_bits;
  int mantissa_bits;
  int bias;
  minifloat_specials specials;
} minifloat_format;

static const minifloat_format format_half = {5, 10, 15, MINIFLOAT_IEEE};
static const minifloat_format format_bfloat16 = {8, 7, 127, MINIFLOAT_IEEE};
static const minifloat_format format_e4m3 = {4, 3, 7, MINIFLOAT_FN};
static const minifloat_format format_e5m2 = {5, 2, 15, MINIFLOAT_IEEE};
static const minifloat_format format_e2m1 = {2, 1, 1, MINIFLOAT_FINITE};

static uint32_t minifloat_exponent_field_max(const minifloat_format *format) {
  return (1u << format->exponent_bits) - 1u;
}

static uint32_t minifloat_sign_bit(const minifloat_format *format) {
  return 1u << (format->exponent_bits + format->mantissa_bits);
}

/* The largest finite magnitude: the top exponent field is reserved under IEEE, and under FN its
 * all-ones mantissa is the NaN, so the largest mantissa there is all ones minus one. */
static double minifloat_max_finite(const minifloat_format *format) {
  const uint32_t field_max = minifloat_exponent_field_max(format);
  const double mantissa_scale = ldexp(1.0, format->mantissa_bits);
  const double all_ones = mantissa_scale - 1.0;
  switch (format->specials) {
  case MINIFLOAT_IEEE:
    return (1.0 + all_ones / mantissa_scale) * ldexp(1.0, (int)field_max - 1 - format->bias);
  case MINIFLOAT_FN:
    return (1.0 + (all_ones - 1.0) / mantissa_scale) * ldexp(1.0, (int)field_max - format->bias);
  case MINIFLOAT_FINITE:
  default:
    return (1.0 + all_ones / mantissa_scale) * ldexp(1.0, (int)field_max - format->bias);
  }
}

static double minifloat_decode(const minifloat_format *format, uint32_t code) {
  const uint32_t mantissa_mask = (1u << format->mantissa_bits) - 1u;
  const uint32_t field_max = minifloat_exponent_field_max(format);
  const uint32_t mantissa = code & mantissa_mask;
  const uint32_t exponent = (code >> format->mantissa_bits) & field_max;
  const double sign = (code & minifloat_sign_bit(format)) ? -1.0 : 1.0;
  if (exponent == field_max) {
    if (format->specials == MINIFLOAT_IEEE) return mantissa == 0 ? sign * INFINITY : NAN;
    if (format->specials == MINIFLOAT_FN && mantissa == mantissa_mask) return NAN;
  }
  if (exponent == 0) /* subnormal: mantissa * 2^(1 - bias - mantissa_bits) */
    return sign * ldexp((double)mantissa, 1 - format->bias - format->mantissa_bits);
  return sign * ldexp((double)(mantissa | (mantissa_mask + 1u)),
                      (int)exponent - format->bias - format->mantissa_bits);
}

double bb_round_half_even(double value) {
  /* On the magnitude, floor(m) and m share a binade (m >= 1) or floor(m) is 0, so the fraction
   * is exact and a tie is seen as a tie. */
  const double magnitude = fabs(value);
  double rounded = floor(magnitude);
  const double fraction = magnitude - rounded;
  if (fraction > 0.5 || (fraction == 0.5 && fmod(rounded, 2.0) != 0.0)) rounded += 1.0;
  return signbit(value) ? -rounded : rounded;
}

/* The code nearest to `value`, ties to even. Overflow saturates when asked (or when the format
 * has no special values), else becomes inf (IEEE) or NaN (FN). */
static uint32_t minifloat_encode(const minifloat_format *format, double value, int saturate) {
  const uint32_t sign = signbit(value) ? minifloat_sign_bit(format) : 0u;
  const uint32_t field_max = minifloat_exponent_field_max(format);
  const uint32_t mantissa_mask = (1u << format->mantissa_bits) - 1u;
  const uint32_t all_ones = (field_max << format->mantissa_bits) | mantissa_mask;
  const uint32_t infinity = field_max << format->mantissa_bits;
  if (isnan(value)) {
    if (format->specials == MINIFLOAT_IEEE) /* quiet NaN: top mantissa bit set */
      return sign | infinity | (1u << (format->mantissa_bits - 1));
    if (format->specials == MINIFLOAT_FN) return sign | all_ones;
    return 0u;
  }
  const double magnitude = fabs(value);
  if (magnitude == 0.0) return sign;

  /* Largest finite code: under FN the all-ones code is NaN, under IEEE the top field is special. */
  uint32_t max_code = all_ones;
  if (format->specials == MINIFLOAT_FN) max_code = all_ones - 1u;
  if (format->specials == MINIFLOAT_IEEE) max_code = infinity - 1u;
  const uint32_t overflow_code = saturate || format->specials == MINIFLOAT_FINITE ? max_code
                                 : format->specials == MINIFLOAT_IEEE             ? infinity
                                                                                  : all_ones;
  if (isinf(magnitude)) return sign | overflow_code;

  /* magnitude = f * 2^binary_exponent with f in [0.5, 1): the unbiased exponent is one less;
   * below the smallest normal exponent the quantum stays that of the subnormals. */
  int binary_exponent;
  (void)frexp(magnitude, &binary_exponent);
  int exponent = binary_exponent - 1;
  const int exponent_min = 1 - format->bias;
  if (exponent < exponent_min) exponent = exponent_min;
  /* Scaling by a power of two is exact; the significand in units of the quantum is then below
   * 2^(mantissa_bits + 1), so the rounding below is exact too. */
  double significand = bb_round_half_even(ldexp(magnitude, format->mantissa_bits - exponent));
  const double implicit_one = ldexp(1.0, format->mantissa_bits);
  if (significand >= 2.0 * implicit_one) { /* rounded up into the next binade */
    significand /= 2.0;
    exponent += 1;
  }
  if (ldexp(significand, exponent - format->mantissa_bits) > minifloat_max_finite(format))
    return sign | overflow_code;
  if (significand < implicit_one) return sign | (uint32_t)significand; /* subnormal (field 0) */
  const uint32_t field = (uint32_t)(exponent + format->bias);
  return sign | (field << format->mantissa_bits) | ((uint32_t)(significand - implicit_one));
}

/* ---- float16 ---- */

static uint32_t float_bits(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

static float float_from_bits(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

float bb_half_to_float(uint16_t bits) {
  const uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1Fu;
  const uint32_t mantissa = bits & 0x3FFu;
  if (exponent == 0x1Fu) return float_from_bits(sign | 0x7F800000u | (mantissa << 13));
  if (exponent == 0) { /* zero or subnormal: mantissa * 2^-24, exact in float */
    float magnitude = (float)mantissa * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  /* Rebias the exponent from 15 to 127 (+112) and widen the mantissa from 10 to 23 bits. */
  return float_from_bits(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

/* Shifts `value` right by `shift` (1..31) bits, rounding to nearest, ties to even. */
static uint32_t shift_right_round_even(uint32_t value, int shift) {
  const uint32_t kept = value >> shift;
  const uint32_t remainder = value & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  return kept + (remainder > half || (remainder == half && (kept & 1u)));
}

uint16_t bb_float_to_half(float value) {
  const uint32_t bits = float_bits(value);
  const uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
  const uint32_t magnitude = bits & 0x7FFFFFFFu;
  const uint32_t exponent = magnitude >> 23; /* biased by 127 */
  if (magnitude > 0x7F800000u)               /* NaN: quiet, keeping the top payload bits */
    return (uint16_t)(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
  if (exponent >= 143u) return (uint16_t)(sign | 0x7C00u); /* >= 2^16: inf (or is inf) */
  if (exponent < 113u) {
    /* Below 2^-14, the smallest normal half: a subnormal in units of 2^-24, or zero. Values at
     * or below 2^-25 (half the smallest subnormal, a tie that goes to the even 0) give zero. */
    if (magnitude <= 0x33000000u) return sign;
    const uint32_t significand = (magnitude & 0x7FFFFFu) | 0x800000u;
    /* value / 2^-24 = significand * 2^(exponent - 126): shift right by 126 - exponent (14..24) */
    return (uint16_t)(sign | shift_right_round_even(significand, 126 - (int)exponent));
  }
  /* Normal: rebias (-112) and drop 13 mantissa bits; a carry out of the mantissa moves into the
   * exponent, which also takes 65520 and above (up to 2^16) correctly to inf (0x7C00). */
  const uint32_t unrounded = ((exponent - 112u) << 23) | (magnitude & 0x7FFFFFu);
  return (uint16_t)(sign | shift_right_round_even(unrounded, 13));
}

uint16_t bb_double_to_half(double value) {
  return (uint16_t)minifloat_encode(&format_half, value, 0);
}

/* ---- bfloat16 ---- */

float bb_bfloat16_to_float(uint16_t bits) { return float_from_bits((uint32_t)bits << 16); }

uint16_t bb_float_to_bfloat16(float value) {
  const uint32_t bits = float_bits(value);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) /* NaN: quiet, keeping the top payload bits */
    return (uint16_t)((bits >> 16) | 0x0040u);
  /* Round the low 16 bits away, ties to even; a carry reaches the exponent and, from the largest
   * finite value, gives inf, as IEEE rounding does. */
  return (uint16_t)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

uint16_t bb_double_to_bfloat16(double value) {
  return (uint16_t)minifloat_encode(&format_bfloat16, value, 0);
}

/* ---- float8 ---- */

double bb_float8_e4m3_to_double(uint8_t code) { return minifloat_decode(&format_e4m3, code); }

double bb_float8_e5m2_to_double(uint8_t code) { return minifloat_decode(&format_e5m2, code); }

uint8_t bb_double_to_float8_e4m3(double value, int saturate) {
  return (uint8_t)minifloat_encode(&format_e4m3, value, saturate);
}

uint8_t bb_double_to_float8_e5m2(double value, int saturate) {
  return (uint8_t)minifloat_encode(&format_e5m2, value, saturate);
}

/* ---- fp4_e2m1 ---- */

double bb_fp4_e2m1_to_double(uint8_t code) { return minifloat_decode(&format_e2m1, code & 0xFu); }

uint8_t bb_double_to_fp4_e2m1(double value) {
  return (uint8_t)minifloat_encode(&format_e2m1, value, 1);
}

/* ---- NF4 ---- */

const double bb_nf4_table[16] = {
    -1.0,       -0.6961928, -0.5250731, -0.3949175, -0.2844414, -0.1847734, -0.09105004, 0.0,
    0.07958030, 0.1609302,  0.2461123,  0.3379152,  0.4407098,  0.5626170,  0.7229568,   1.0,
};

double bb_nf4_to_double(uint8_t code) { return bb_nf4_table[code & 0xFu]; }

uint8_t bb_double_to_nf4(double value) {
  if (isnan(value)) return 7;
  uint8_t best = 0;
  double best_distance = INFINITY;
  for (uint8_t code = 0; code < 16; code++) {
    const double distance = fabs(bb_nf4_table[code] - value);
    const int closer = distance < best_distance;
    const int tie_smaller =
        distance == best_distance && fabs(bb_nf4_table[code]) < fabs(bb_nf4_table[best]);
    if (closer || tie_smaller) {
      best = code;
      best_distance = distance;
    }
  }
  return best;
}

/* ---- Typed elements ---- */

double bb_element_read(bitblas_dtype dtype, const void *array, size_t index) {
  switch (dtype) {
  case BITBLAS_DTYPE_FLOAT16:
    return bb_half_to_float(((const uint16_t *)array)[index]);
  case BITBLAS_DTYPE_BFLOAT16:
    return bb_bfloat16_to_float(((const uint16_t *)array)[index]);
  case BITBLAS_DTYPE_FLOAT32:
    return ((const float *)array)[index];
  case BITBLAS_DTYPE_INT32:
    return ((const int32_t *)array)[index];
  case BITBLAS_DTYPE_INT8:
    return ((const int8_t *)array)[index];
  case BITBLAS_DTYPE_UINT8:
    return ((const uint8_t *)array)[index];
  case BITBLAS_DTYPE_FLOAT8_E4M3:
    return bb_float8_e4m3_to_double(((const uint8_t *)array)[index]);
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    return bb_float8_e5m2_to_double(((const uint8_t *)array)[index]);
  default:
    return NAN;
  }
}

/* Nearest integer (ties to even) clamped to [low, high]; NaN gives 0. */
static double round_clamped(double value, double low, double high) {
  if (isnan(value)) return 0.0;
  if (value <= low) return low;
  if (value >= high) return high;
  return bb_round_half_even(value);
}

void bb_element_write(bitblas_dtype dtype, void *array, size_t index, double value) {
  switch (dtype) {
  case BITBLAS_DTYPE_FLOAT16:
    ((uint16_t *)array)[index] = bb_double_to_half(value);
    break;
  case BITBLAS_DTYPE_BFLOAT16:
    ((uint16_t *)array)[index] = bb_double_to_bfloat16(value);
    break;
  case BITBLAS_DTYPE_FLOAT32:
    /* Beyond FLT_MAX plus half its ulp, rounding gives inf; say so rather than leave the
     * out-of-range conversion to the compiler. */
    if (fabs(value) >= 0x1.ffffffp127 && !isnan(value))
      ((float *)array)[index] = signbit(value) ? -INFINITY : INFINITY;
    else
      ((float *)array)[index] = (float)value;
    break;
  case BITBLAS_DTYPE_INT32:
    ((int32_t *)array)[index] = (int32_t)round_clamped(value, INT32_MIN, INT32_MAX);
    break;
  case BITBLAS_DTYPE_INT8:
    ((int8_t *)array)[index] = (int8_t)round_clamped(value, INT8_MIN, INT8_MAX);
    break;
  case BITBLAS_DTYPE_UINT8:
    ((uint8_t *)array)[index] = (uint8_t)round_clamped(value, 0, UINT8_MAX);
    break;
  case BITBLAS_DTYPE_FLOAT8_E4M3:
    ((uint8_t *)array)[index] = bb_double_to_float8_e4m3(value, 1);
    break;
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    ((uint8_t *)array)[index] = bb_double_to_float8_e5m2(value, 1);
    break;
  default:
    break;
  }
}
