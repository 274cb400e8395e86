/*
 * check_formats.c - the host number formats and the plain weight layout: decode tables code by
 * code, float16/bfloat16/float8/fp4 rounding, weight and quantized-zero packing (golden bytes,
 * round trips on random data, refusals). The reference and the quantizer are in check_reference.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "half.h"
#include "pack.h"
#include "test_support.h"

/* ---- Decoding weight codes ---- */

START_TEST(test_decode_nf4_table) {
  /* SPEC section 2, code 0 to 15. */
  static const double expected[16] = {
      -1.0,       -0.6961928, -0.5250731, -0.3949175, -0.2844414, -0.1847734, -0.09105004, 0.0,
      0.07958030, 0.1609302,  0.2461123,  0.3379152,  0.4407098,  0.5626170,  0.7229568,   1.0,
  };
  for (uint32_t code = 0; code < 16; code++) {
    ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_NF4, code), expected[code]);
    ck_assert_double_eq(bb_nf4_to_double((uint8_t)code), expected[code]);
    ck_assert_uint_eq(bb_double_to_nf4(expected[code]), code);
  }
  ck_assert_uint_eq(bb_double_to_nf4(-5.0), 0);
  ck_assert_uint_eq(bb_double_to_nf4(5.0), 15);
  ck_assert_uint_eq(bb_double_to_nf4(0.03), 7);
  ck_assert_uint_eq(bb_double_to_nf4(0.05), 8); /* nearer 0.0795803 than 0 */
  ck_assert_uint_eq(bb_double_to_nf4(-0.9), 0);
  ck_assert_uint_eq(bb_double_to_nf4(-0.8), 1);
}
END_TEST

START_TEST(test_decode_fp4_e2m1_table) {
  static const double expected[16] = {0.0,  0.5,  1.0,  1.5,  2.0,  3.0,  4.0,  6.0,
                                      -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0};
  for (uint32_t code = 0; code < 16; code++) {
    const double value = bitblas_weight_decode(BITBLAS_DTYPE_FP4_E2M1, code);
    ck_assert_double_eq(value, expected[code]);
    ck_assert_int_eq(signbit(value) != 0, code >= 8);
    ck_assert_uint_eq(bb_double_to_fp4_e2m1(expected[code]), code);
  }
  /* Rounding: ties to even mantissa, saturation at 6, NaN to +0. */
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(0.25), 0x0); /* tie 0 / 0.5 -> 0 (even) */
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(0.26), 0x1);
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(1.25), 0x2); /* tie 1 / 1.5 -> 1 */
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(1.75), 0x4); /* tie 1.5 / 2 -> 2 */
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(2.5), 0x4);  /* tie 2 / 3 -> 2 */
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(5.0), 0x6);  /* tie 4 / 6 -> 4 */
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(5.1), 0x7);
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(100.0), 0x7);
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(-INFINITY), 0xF);
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(-0.7), 0x9); /* nearer -0.5 than -1 */
  ck_assert_uint_eq(bb_double_to_fp4_e2m1(-0.8), 0xA);
}
END_TEST

START_TEST(test_decode_float8_e4m3) {
  const bitblas_dtype e4m3 = BITBLAS_DTYPE_FLOAT8_E4M3;
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x00), 0.0);
  ck_assert(signbit(bitblas_weight_decode(e4m3, 0x80)));
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x01), ldexp(1.0, -9)); /* smallest subnormal */
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x07), 7.0 * ldexp(1.0, -9));
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x08), ldexp(1.0, -6)); /* smallest normal */
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x38), 1.0);
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x3C), 1.5);
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x40), 2.0);
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x78), 256.0); /* exponent 1111 is finite */
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0x7E), 448.0);
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0xFE), -448.0);
  ck_assert_double_eq(bitblas_weight_decode(e4m3, 0xB8), -1.0);
  ck_assert(isnan(bitblas_weight_decode(e4m3, 0x7F)));
  ck_assert(isnan(bitblas_weight_decode(e4m3, 0xFF)));
  ck_assert_str_eq(bitblas_last_error(), ""); /* a NaN code is not an error */
  int nan_codes = 0;
  for (uint32_t code = 0; code < 256; code++) {
    const double value = bb_float8_e4m3_to_double((uint8_t)code);
    if (isnan(value)) {
      nan_codes++;
      continue;
    }
    ck_assert(fabs(value) <= BB_FLOAT8_E4M3_MAX);
    ck_assert_uint_eq(bb_double_to_float8_e4m3(value, 0), code); /* every code round trips */
  }
  ck_assert_int_eq(nan_codes, 2);
  /* Rounding and overflow. */
  ck_assert_uint_eq(bb_double_to_float8_e4m3(1.0625, 0), 0x38); /* tie 1 / 1.125 -> even */
  ck_assert_uint_eq(bb_double_to_float8_e4m3(1.1875, 0), 0x3A); /* tie 1.125 / 1.25 -> even */
  ck_assert_uint_eq(bb_double_to_float8_e4m3(ldexp(1.0, -10), 0), 0x00); /* tie 0 / 2^-9 */
  ck_assert_uint_eq(bb_double_to_float8_e4m3(1.5 * ldexp(1.0, -10), 0), 0x01);
  ck_assert_uint_eq(bb_double_to_float8_e4m3(464.0, 0), 0x7E); /* tie 448 / 480 -> 448 */
  ck_assert_uint_eq(bb_double_to_float8_e4m3(470.0, 0), 0x7F); /* overflow: NaN */
  ck_assert_uint_eq(bb_double_to_float8_e4m3(470.0, 1), 0x7E); /* saturated */
  ck_assert_uint_eq(bb_double_to_float8_e4m3(-1e9, 1), 0xFE);
  ck_assert_uint_eq(bb_double_to_float8_e4m3(INFINITY, 1), 0x7E);
  ck_assert_uint_eq(bb_double_to_float8_e4m3(INFINITY, 0), 0x7F);
  ck_assert_uint_eq(bb_double_to_float8_e4m3(NAN, 1) & 0x7F, 0x7F);
}
END_TEST

START_TEST(test_decode_float8_e5m2) {
  const bitblas_dtype e5m2 = BITBLAS_DTYPE_FLOAT8_E5M2;
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0x00), 0.0);
  ck_assert(signbit(bitblas_weight_decode(e5m2, 0x80)));
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0x01), ldexp(1.0, -16));
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0x03), 3.0 * ldexp(1.0, -16));
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0x04), ldexp(1.0, -14));
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0x3C), 1.0);
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0x3E), 1.5);
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0x7B), 57344.0);
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0xFB), -57344.0);
  ck_assert_double_eq(bitblas_weight_decode(e5m2, 0xBC), -1.0);
  ck_assert(isinf(bitblas_weight_decode(e5m2, 0x7C)) && bitblas_weight_decode(e5m2, 0x7C) > 0);
  ck_assert(isinf(bitblas_weight_decode(e5m2, 0xFC)) && bitblas_weight_decode(e5m2, 0xFC) < 0);
  for (uint32_t code = 0x7D; code <= 0x7F; code++) {
    ck_assert(isnan(bitblas_weight_decode(e5m2, code)));
    ck_assert(isnan(bitblas_weight_decode(e5m2, code | 0x80)));
  }
  for (uint32_t code = 0; code < 256; code++) {
    const double value = bb_float8_e5m2_to_double((uint8_t)code);
    if (isnan(value)) continue;
    ck_assert_uint_eq(bb_double_to_float8_e5m2(value, 0), code);
  }
  ck_assert_uint_eq(bb_double_to_float8_e5m2(1.125, 0), 0x3C);   /* tie 1 / 1.25 -> even */
  ck_assert_uint_eq(bb_double_to_float8_e5m2(1.375, 0), 0x3E);   /* tie 1.25 / 1.5 -> even */
  ck_assert_uint_eq(bb_double_to_float8_e5m2(61440.0, 0), 0x7C); /* tie 57344 / 65536: inf */
  ck_assert_uint_eq(bb_double_to_float8_e5m2(61439.0, 0), 0x7B);
  ck_assert_uint_eq(bb_double_to_float8_e5m2(1e6, 0), 0x7C);
  ck_assert_uint_eq(bb_double_to_float8_e5m2(1e6, 1), 0x7B);
  ck_assert_uint_eq(bb_double_to_float8_e5m2(-INFINITY, 1), 0xFB);
  ck_assert_uint_eq(bb_double_to_float8_e5m2(-INFINITY, 0), 0xFC);
  ck_assert(isnan(bb_float8_e5m2_to_double(bb_double_to_float8_e5m2(NAN, 0))));
}
END_TEST

START_TEST(test_decode_integers) {
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT1, 0), -1.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT1, 1), 1.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_UINT1, 1), 1.0);
  for (uint32_t u = 0; u < 16; u++) {
    ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT4, u), (double)u - 8.0);
    ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_UINT4, u), (double)u);
  }
  for (uint32_t u = 0; u < 4; u++) {
    ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT2, u), (double)u - 2.0);
    ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_UINT2, u), (double)u);
  }
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT8, 0x00), 0.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT8, 0x7F), 127.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT8, 0x80), -128.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT8, 0xFF), -1.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_UINT8, 0xC8), 200.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_FLOAT16, 0x3C00), 1.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_FLOAT16, 0xC000), -2.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_BFLOAT16, 0x3F80), 1.0);
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_BFLOAT16, 0xC040), -3.0);
  ck_assert_str_eq(bitblas_last_error(), "");
}
END_TEST

START_TEST(test_decode_refusals) {
  ck_assert(isnan(bitblas_weight_decode(BITBLAS_DTYPE_INT4, 16)));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "u = 16"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "0..15"));
  ck_assert(isnan(bitblas_weight_decode(BITBLAS_DTYPE_UINT1, 2)));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "0..1"));
  ck_assert(isnan(bitblas_weight_decode(BITBLAS_DTYPE_FLOAT32, 0)));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "float32"));
  ck_assert(isnan(bitblas_weight_decode((bitblas_dtype)99, 0)));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "not a weight format"));
  /* The next call clears the message. */
  ck_assert_double_eq(bitblas_weight_decode(BITBLAS_DTYPE_INT4, 15), 7.0);
  ck_assert_str_eq(bitblas_last_error(), "");
}
END_TEST

/* ---- float16 and bfloat16 ---- */

START_TEST(test_half_every_pattern_round_trips) {
  for (uint32_t bits = 0; bits < 0x10000u; bits++) {
    const float value = bb_half_to_float((uint16_t)bits);
    const int is_nan = (bits & 0x7C00u) == 0x7C00u && (bits & 0x3FFu) != 0;
    ck_assert_int_eq(isnan(value) != 0, is_nan);
    if (is_nan) {
      ck_assert_uint_eq(bb_float_to_half(value) & 0x7E00u, 0x7E00u); /* stays a quiet NaN */
      ck_assert(isnan(bb_half_to_float(bb_double_to_half(value))));
      continue;
    }
    ck_assert_uint_eq(bb_float_to_half(value), bits);
    ck_assert_uint_eq(bb_double_to_half(value), bits);
    ck_assert_uint_eq(bb_float_to_bfloat16(bb_bfloat16_to_float((uint16_t)bits)), bits);
    ck_assert_uint_eq(bb_double_to_bfloat16(bb_bfloat16_to_float((uint16_t)bits)), bits);
  }
}
END_TEST

START_TEST(test_half_rounding) {
  ck_assert_double_eq(bb_half_to_float(0x0001), ldexp(1.0, -24));
  ck_assert_double_eq(bb_half_to_float(0x03FF), 1023.0 * ldexp(1.0, -24));
  ck_assert_double_eq(bb_half_to_float(0x0400), ldexp(1.0, -14));
  ck_assert_double_eq(bb_half_to_float(0x7BFF), 65504.0);
  ck_assert(isinf(bb_half_to_float(0x7C00)));
  ck_assert(signbit(bb_half_to_float(0x8000)));
  struct {
    double value;
    uint16_t expected;
  } cases[] = {
      {1.0, 0x3C00},
      {1.0 + ldexp(1.0, -11), 0x3C00},     /* tie 1 / 1+2^-10 -> even */
      {1.0 + 3 * ldexp(1.0, -11), 0x3C02}, /* tie -> even (up) */
      {1.0 + ldexp(1.0, -11) + ldexp(1.0, -20), 0x3C01},
      {65504.0, 0x7BFF},
      {65519.0, 0x7BFF},
      {65520.0, 0x7C00}, /* tie with the next binade: even is inf */
      {1e10, 0x7C00},
      {-1e10, 0xFC00},
      {ldexp(1.0, -24), 0x0001},
      {ldexp(1.0, -25), 0x0000}, /* tie 0 / smallest subnormal -> 0 */
      {3 * ldexp(1.0, -26), 0x0001},
      {3 * ldexp(1.0, -25), 0x0002}, /* tie 1 / 2 units -> 2 */
      {5 * ldexp(1.0, -25), 0x0002}, /* tie 2 / 3 units -> 2 */
      {ldexp(1.0, -26), 0x0000},
      {1023.5 * ldexp(1.0, -24), 0x0400}, /* tie largest subnormal / smallest normal -> even */
      {-0.0, 0x8000},
      {-2.5, 0xC100},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ck_assert_msg(bb_float_to_half((float)cases[i].value) == cases[i].expected,
                  "float %g -> 0x%04x, expected 0x%04x", cases[i].value,
                  bb_float_to_half((float)cases[i].value), cases[i].expected);
    ck_assert_uint_eq(bb_double_to_half(cases[i].value), cases[i].expected);
  }
  ck_assert_uint_eq(bb_float_to_half(INFINITY), 0x7C00);
  ck_assert_uint_eq(bb_float_to_half(-INFINITY), 0xFC00);
  ck_assert(isnan(bb_half_to_float(bb_float_to_half(NAN))));
  /* Every midpoint between neighbouring finite positive halves goes to the even one. */
  for (uint32_t bits = 0; bits < 0x7BFFu; bits++) {
    const double low = bb_half_to_float((uint16_t)bits),
                 high = bb_half_to_float((uint16_t)(bits + 1));
    const uint16_t even = (bits & 1u) ? (uint16_t)(bits + 1) : (uint16_t)bits;
    const float midpoint = (float)((low + high) / 2); /* exact in float */
    ck_assert_uint_eq(bb_float_to_half(midpoint), even);
    ck_assert_uint_eq(bb_double_to_half((low + high) / 2), even);
    ck_assert_uint_eq(bb_float_to_half(nextafterf(midpoint, 0.0f)), bits);
    ck_assert_uint_eq(bb_float_to_half(nextafterf(midpoint, INFINITY)), bits + 1);
  }
}
END_TEST

static float random_float_bits(bb_rng *rng) {
  uint32_t bits = (uint32_t)bb_rng_next(rng);
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

START_TEST(test_half_fast_path_matches_exact) {
  bb_rng rng;
  bb_test_rng_seed(&rng);
  for (int i = 0; i < 1000000; i++) {
    /* Random bit patterns cover every exponent; scaled uniforms cover the half range densely. */
    const float value = (i & 1) ? random_float_bits(&rng)
                                : (float)bb_rng_uniform(&rng, -70000.0, 70000.0) *
                                      (float)ldexp(1.0, -(int)(bb_rng_next(&rng) % 40));
    if (isnan(value)) continue;
    ck_assert_uint_eq(bb_float_to_half(value), bb_double_to_half(value));
    ck_assert_uint_eq(bb_float_to_bfloat16(value), bb_double_to_bfloat16(value));
  }
}
END_TEST

START_TEST(test_bfloat16_rounding) {
  ck_assert_double_eq(bb_bfloat16_to_float(0x3F80), 1.0);
  ck_assert_double_eq(bb_bfloat16_to_float(0x0001), ldexp(1.0, -133));
  ck_assert_double_eq(bb_bfloat16_to_float(0x7F7F), 255.0 * ldexp(1.0, 120));
  ck_assert_uint_eq(bb_float_to_bfloat16(1.0f), 0x3F80);
  ck_assert_uint_eq(bb_float_to_bfloat16(1.0f + 0x1p-8f), 0x3F80);     /* tie -> even */
  ck_assert_uint_eq(bb_float_to_bfloat16(1.0f + 3 * 0x1p-8f), 0x3F82); /* tie -> even */
  ck_assert_uint_eq(bb_float_to_bfloat16(1.0f + 0x1p-8f + 0x1p-20f), 0x3F81);
  ck_assert_uint_eq(bb_float_to_bfloat16(-3.0f), 0xC040);
  ck_assert_uint_eq(bb_float_to_bfloat16(3.4028235e38f), 0x7F80); /* FLT_MAX rounds to inf */
  ck_assert_uint_eq(bb_float_to_bfloat16(INFINITY), 0x7F80);
  ck_assert_uint_eq(bb_float_to_bfloat16(-0.0f), 0x8000);
  ck_assert_uint_eq(bb_float_to_bfloat16(0x1p-134f), 0x0000); /* tie with 0 -> 0 */
  ck_assert_uint_eq(bb_float_to_bfloat16(0x1.8p-134f), 0x0001);
  ck_assert(isnan(bb_bfloat16_to_float(bb_float_to_bfloat16(NAN))));
  ck_assert_uint_eq(bb_double_to_bfloat16(1e300), 0x7F80);
  ck_assert_uint_eq(bb_double_to_bfloat16(1.0 + ldexp(1.0, -8)), 0x3F80);
}
END_TEST

START_TEST(test_elements_and_rounding) {
  ck_assert_double_eq(bb_round_half_even(0.5), 0.0);
  ck_assert_double_eq(bb_round_half_even(1.5), 2.0);
  ck_assert_double_eq(bb_round_half_even(2.5), 2.0);
  ck_assert_double_eq(bb_round_half_even(-0.5), 0.0);
  ck_assert_double_eq(bb_round_half_even(-1.5), -2.0);
  ck_assert_double_eq(bb_round_half_even(2.4999), 2.0);
  ck_assert_double_eq(bb_round_half_even(-2.5001), -3.0);
  ck_assert_double_eq(bb_round_half_even(-0.5 + ldexp(1.0, -54)), 0.0);

  int32_t ints[4];
  bb_element_write(BITBLAS_DTYPE_INT32, ints, 0, 2.5);
  bb_element_write(BITBLAS_DTYPE_INT32, ints, 1, -3.5);
  bb_element_write(BITBLAS_DTYPE_INT32, ints, 2, 1e20);
  bb_element_write(BITBLAS_DTYPE_INT32, ints, 3, NAN);
  ck_assert_int_eq(ints[0], 2);
  ck_assert_int_eq(ints[1], -4);
  ck_assert_int_eq(ints[2], INT32_MAX);
  ck_assert_int_eq(ints[3], 0);
  ck_assert_double_eq(bb_element_read(BITBLAS_DTYPE_INT32, ints, 1), -4.0);

  float floats[2];
  bb_element_write(BITBLAS_DTYPE_FLOAT32, floats, 0, 1e300);
  bb_element_write(BITBLAS_DTYPE_FLOAT32, floats, 1, 0.1);
  ck_assert(isinf(floats[0]));
  ck_assert_float_eq(floats[1], 0.1f);

  uint16_t halves[2];
  bb_element_write(BITBLAS_DTYPE_FLOAT16, halves, 0, -2.5);
  bb_element_write(BITBLAS_DTYPE_BFLOAT16, halves, 1, -3.0);
  ck_assert_uint_eq(halves[0], 0xC100);
  ck_assert_uint_eq(halves[1], 0xC040);
  ck_assert_double_eq(bb_element_read(BITBLAS_DTYPE_FLOAT16, halves, 0), -2.5);
  ck_assert_double_eq(bb_element_read(BITBLAS_DTYPE_BFLOAT16, halves, 1), -3.0);

  int8_t bytes[2];
  bb_element_write(BITBLAS_DTYPE_INT8, bytes, 0, -300.0);
  bb_element_write(BITBLAS_DTYPE_FLOAT8_E4M3, bytes, 1, 1000.0);
  ck_assert_int_eq(bytes[0], -128);
  ck_assert_uint_eq((uint8_t)bytes[1], 0x7E);
  ck_assert_double_eq(bb_element_read(BITBLAS_DTYPE_FLOAT8_E4M3, bytes, 1), 448.0);
  ck_assert(isnan(bb_element_read(BITBLAS_DTYPE_UINT4, bytes, 0)));
}
END_TEST

/* ---- Packing ---- */

static const bitblas_dtype packed_dtypes[] = {
    BITBLAS_DTYPE_INT8,     BITBLAS_DTYPE_UINT8,       BITBLAS_DTYPE_INT4,
    BITBLAS_DTYPE_UINT4,    BITBLAS_DTYPE_INT2,        BITBLAS_DTYPE_UINT2,
    BITBLAS_DTYPE_INT1,     BITBLAS_DTYPE_UINT1,       BITBLAS_DTYPE_NF4,
    BITBLAS_DTYPE_FP4_E2M1, BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT8_E5M2,
};
#define PACKED_DTYPE_COUNT ((int)(sizeof packed_dtypes / sizeof packed_dtypes[0]))

/* A random valid value of bitblas_weight_pack's input for the dtype. */
static int8_t random_weight_value(bitblas_dtype dtype, bb_rng *rng) {
  const uint64_t r = bb_rng_next(rng) >> 8;
  switch (dtype) {
  case BITBLAS_DTYPE_INT4:
    return (int8_t)((int)(r % 16) - 8);
  case BITBLAS_DTYPE_INT2:
    return (int8_t)((int)(r % 4) - 2);
  case BITBLAS_DTYPE_INT1:
    return (r & 1) ? 1 : -1;
  case BITBLAS_DTYPE_UINT4:
  case BITBLAS_DTYPE_NF4:
  case BITBLAS_DTYPE_FP4_E2M1:
    return (int8_t)(r % 16);
  case BITBLAS_DTYPE_UINT2:
    return (int8_t)(r % 4);
  case BITBLAS_DTYPE_UINT1:
    return (int8_t)(r % 2);
  default: /* 8-bit formats: any byte */
    return (int8_t)(uint8_t)(r & 0xFF);
  }
}

START_TEST(test_pack_round_trip_random) {
  static const int64_t shapes[][2] = {{1, 8}, {3, 24}, {17, 64}, {2, 1024}};
  bb_rng rng;
  bb_test_rng_seed(&rng);
  const bitblas_dtype dtype = packed_dtypes[_i];
  const int bits = bitblas_dtype_bits(dtype);
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const int64_t N = shapes[s][0], K = shapes[s][1];
    const size_t bytes = bitblas_weight_bytes(dtype, N, K);
    ck_assert_uint_eq(bytes, (size_t)(N * K * bits / 8));
    int8_t *values = malloc((size_t)(N * K)), *back = malloc((size_t)(N * K));
    uint8_t *packed = malloc(bytes);
    ck_assert(values && back && packed);
    for (int64_t i = 0; i < N * K; i++) values[i] = random_weight_value(dtype, &rng);
    memset(packed, 0xA5, bytes); /* poisoned: pack must write every byte */
    ck_assert_int_eq(bitblas_weight_pack(dtype, N, K, values, packed), BITBLAS_OK);
    ck_assert_str_eq(bitblas_last_error(), "");
    /* Every element sits where SPEC section 2 says: byte k*b/8 of its row, bit (k*b) mod 8. */
    for (int64_t n = 0; n < N; n++)
      for (int64_t k = 0; k < K; k++) {
        uint32_t code;
        ck_assert_int_eq(bb_pack_value_to_code(dtype, values[n * K + k], &code), 0);
        const uint8_t byte = packed[n * (K * bits / 8) + k * bits / 8];
        ck_assert_uint_eq((byte >> ((k * bits) % 8)) & ((1u << bits) - 1u), code);
      }
    memset(back, 0x5A, (size_t)(N * K));
    ck_assert_int_eq(bitblas_weight_unpack(dtype, N, K, packed, back), BITBLAS_OK);
    ck_assert_mem_eq(back, values, (size_t)(N * K));
    free(values);
    free(back);
    free(packed);
  }
}
END_TEST

START_TEST(test_pack_golden_bytes) {
  uint8_t packed[8];
  const int8_t uint4_values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT4, 1, 8, uint4_values, packed),
                   BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0x21);
  ck_assert_uint_eq(packed[1], 0x43);
  ck_assert_uint_eq(packed[2], 0x65);
  ck_assert_uint_eq(packed[3], 0x87);

  const int8_t uint2_values[8] = {0, 1, 2, 3, 3, 2, 1, 0};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT2, 1, 8, uint2_values, packed),
                   BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0xE4);
  ck_assert_uint_eq(packed[1], 0x1B);

  const int8_t int4_values[8] = {-8, 7, 0, -1, 1, -8, 3, 2};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT4, 1, 8, int4_values, packed), BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0xF0); /* -8 -> 0, 7 -> 15 */
  ck_assert_uint_eq(packed[1], 0x78); /* 0 -> 8, -1 -> 7 */
  ck_assert_uint_eq(packed[2], 0x09); /* 1 -> 9, -8 -> 0 */
  ck_assert_uint_eq(packed[3], 0xAB); /* 3 -> 11, 2 -> 10 */

  const int8_t int2_values[8] = {-2, -1, 0, 1, 1, 1, 1, 1};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT2, 1, 8, int2_values, packed), BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0xE4);
  ck_assert_uint_eq(packed[1], 0xFF);

  const int8_t uint1_values[8] = {1, 0, 1, 1, 0, 0, 0, 1};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT1, 1, 8, uint1_values, packed),
                   BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0x8D);
  const int8_t int1_values[8] = {1, -1, 1, 1, -1, -1, -1, 1};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT1, 1, 8, int1_values, packed), BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0x8D);

  const int8_t int8_values[8] = {-1, -128, 127, 0, 1, 2, 3, (int8_t)(uint8_t)200};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT8, 1, 8, int8_values, packed), BITBLAS_OK);
  const uint8_t int8_bytes[8] = {0xFF, 0x80, 0x7F, 0x00, 0x01, 0x02, 0x03, 0xC8};
  ck_assert_mem_eq(packed, int8_bytes, 8);
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT8, 1, 8, int8_values, packed), BITBLAS_OK);
  ck_assert_mem_eq(packed, int8_bytes, 8); /* uint8 200 is passed as its byte, 0xC8 */

  const int8_t nf4_codes[8] = {0, 15, 7, 8, 1, 2, 14, 13};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_NF4, 1, 8, nf4_codes, packed), BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0xF0);
  ck_assert_uint_eq(packed[1], 0x87);
  ck_assert_uint_eq(packed[2], 0x21);
  ck_assert_uint_eq(packed[3], 0xDE);

  /* Two rows of K = 8 uint4: the second row starts at byte 4. */
  const int8_t two_rows[16] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT4, 2, 8, two_rows, packed), BITBLAS_OK);
  const uint8_t two_rows_bytes[8] = {0x01, 0, 0, 0, 0, 0, 0, 0xF0};
  ck_assert_mem_eq(packed, two_rows_bytes, 8);
}
END_TEST

START_TEST(test_pack_refuses_out_of_range) {
  uint8_t packed[64];
  int8_t values[2 * 8] = {0};
  values[8 + 3] = 8; /* row 1, column 3 */
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT4, 2, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  const char *message = bitblas_last_error();
  ck_assert_ptr_nonnull(strstr(message, "row 1"));
  ck_assert_ptr_nonnull(strstr(message, "column 3"));
  ck_assert_ptr_nonnull(strstr(message, "= 8"));
  ck_assert_ptr_nonnull(strstr(message, "-8..7"));
  ck_assert_ptr_nonnull(strstr(message, "int4"));

  memset(values, 0, sizeof values);
  values[5] = -1;
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT2, 2, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "row 0, column 5"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "= -1"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "0..3"));

  for (int i = 0; i < 16; i++) values[i] = 1;
  values[9] = 0; /* int1 takes only -1 and +1 */
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT1, 2, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "row 1, column 1"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "-1 or 1"));

  memset(values, 0, sizeof values);
  values[15] = 16;
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_NF4, 2, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "row 1, column 7"));
  values[15] = -2;
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT2, 2, 8, values, packed), BITBLAS_OK);
  values[15] = 2;
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT2, 2, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "-2..1"));
  values[15] = 2;
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT1, 2, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_pack_refuses_bad_arguments) {
  uint8_t packed[64];
  int8_t values[64] = {0};
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_FLOAT16, 1, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "float16"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "copy"));
  ck_assert_int_eq(bitblas_weight_unpack(BITBLAS_DTYPE_BFLOAT16, 1, 8, packed, values),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "bfloat16"));
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_FLOAT32, 1, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "not a weight format"));
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT1, 1, 4, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "K = 4"));
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT4, 0, 8, values, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "N = 0"));
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT4, 1, 8, NULL, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(bitblas_weight_unpack(BITBLAS_DTYPE_UINT4, 1, 8, packed, NULL),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "NULL"));
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_UINT4, 1, 8, values, packed), BITBLAS_OK);
  ck_assert_str_eq(bitblas_last_error(), "");
}
END_TEST

START_TEST(test_qzeros_golden_and_round_trip) {
  /* uint4, N = 3: one row is ceil(12 / 8) = 2 bytes, the last nibble zero. */
  const uint8_t zeros[2 * 3] = {1, 2, 3, 15, 0, 9};
  uint8_t packed[4];
  memset(packed, 0xFF, sizeof packed);
  ck_assert_int_eq(bb_pack_qzeros(BITBLAS_DTYPE_UINT4, 2, 3, zeros, packed), BITBLAS_OK);
  const uint8_t expected[4] = {0x21, 0x03, 0x0F, 0x09};
  ck_assert_mem_eq(packed, expected, 4);
  uint8_t back[6];
  ck_assert_int_eq(bb_unpack_qzeros(BITBLAS_DTYPE_UINT4, 2, 3, packed, back), BITBLAS_OK);
  ck_assert_mem_eq(back, zeros, 6);

  const uint8_t uint2_zeros[5] = {3, 0, 1, 2, 3};
  ck_assert_int_eq(bb_pack_qzeros(BITBLAS_DTYPE_UINT2, 1, 5, uint2_zeros, packed), BITBLAS_OK);
  ck_assert_uint_eq(packed[0], 0x93); /* 3 | 0<<2 | 1<<4 | 2<<6 */
  ck_assert_uint_eq(packed[1], 0x03);

  bb_rng rng;
  bb_test_rng_seed(&rng);
  static const bitblas_dtype unsigned_dtypes[] = {BITBLAS_DTYPE_UINT8, BITBLAS_DTYPE_UINT4,
                                                  BITBLAS_DTYPE_UINT2, BITBLAS_DTYPE_UINT1};
  static const int64_t columns[] = {1, 3, 5, 9, 64};
  for (size_t d = 0; d < 4; d++)
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
      const bitblas_dtype dtype = unsigned_dtypes[d];
      const int bits = bitblas_dtype_bits(dtype);
      const int64_t groups = 3, N = columns[c], row_bytes = (N * bits + 7) / 8;
      uint8_t random_zeros[3 * 64], random_back[3 * 64], random_packed[3 * 64];
      for (int64_t i = 0; i < groups * N; i++)
        random_zeros[i] = (uint8_t)(bb_rng_next(&rng) % (1u << bits));
      memset(random_packed, 0xFF, sizeof random_packed);
      ck_assert_int_eq(bb_pack_qzeros(dtype, groups, N, random_zeros, random_packed), BITBLAS_OK);
      for (int64_t g = 0; g < groups; g++) {
        for (int64_t n = 0; n < N; n++)
          ck_assert_uint_eq(bb_pack_code_at(random_packed + g * row_bytes, n, bits),
                            random_zeros[g * N + n]);
        /* bits past the last zero of a row are clear */
        const int used_bits = (int)((N * bits) % 8);
        if (used_bits)
          ck_assert_uint_eq(random_packed[g * row_bytes + row_bytes - 1] >> used_bits, 0);
      }
      ck_assert_int_eq(bb_unpack_qzeros(dtype, groups, N, random_packed, random_back), BITBLAS_OK);
      ck_assert_mem_eq(random_back, random_zeros, (size_t)(groups * N));
    }
}
END_TEST

START_TEST(test_qzeros_refusals) {
  uint8_t zeros[8] = {0, 1, 2, 3, 4, 0, 0, 0}, packed[8];
  ck_assert_int_eq(bb_pack_qzeros(BITBLAS_DTYPE_UINT2, 2, 4, zeros, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "group 1, column 0"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "= 4"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "0..3"));
  ck_assert_int_eq(bb_pack_qzeros(BITBLAS_DTYPE_INT4, 2, 4, zeros, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "unsigned"));
  ck_assert_int_eq(bb_pack_qzeros(BITBLAS_DTYPE_UINT4, 0, 4, zeros, packed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(bb_unpack_qzeros(BITBLAS_DTYPE_UINT4, 1, 4, NULL, zeros),
                   BITBLAS_INVALID_ARGUMENT);
}
END_TEST

static Suite *formats_suite(void) {
  Suite *suite = suite_create("formats");
  TCase *decode = tcase_create("decode");
  tcase_add_test(decode, test_decode_nf4_table);
  tcase_add_test(decode, test_decode_fp4_e2m1_table);
  tcase_add_test(decode, test_decode_float8_e4m3);
  tcase_add_test(decode, test_decode_float8_e5m2);
  tcase_add_test(decode, test_decode_integers);
  tcase_add_test(decode, test_decode_refusals);
  suite_add_tcase(suite, decode);

  TCase *floats = tcase_create("half");
  tcase_set_timeout(floats, 120);
  tcase_add_test(floats, test_half_every_pattern_round_trips);
  tcase_add_test(floats, test_half_rounding);
  tcase_add_test(floats, test_half_fast_path_matches_exact);
  tcase_add_test(floats, test_bfloat16_rounding);
  tcase_add_test(floats, test_elements_and_rounding);
  suite_add_tcase(suite, floats);

  TCase *pack = tcase_create("pack");
  tcase_add_loop_test(pack, test_pack_round_trip_random, 0, PACKED_DTYPE_COUNT);
  tcase_add_test(pack, test_pack_golden_bytes);
  tcase_add_test(pack, test_pack_refuses_out_of_range);
  tcase_add_test(pack, test_pack_refuses_bad_arguments);
  tcase_add_test(pack, test_qzeros_golden_and_round_trip);
  tcase_add_test(pack, test_qzeros_refusals);
  suite_add_tcase(suite, pack);
  return suite;
}

int main(void) { return bb_test_run_suite(formats_suite()); }
