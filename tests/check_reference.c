/*
 * check_reference.c - the float64 CPU reference against small cases computed by hand (every
 * scaling/zeros mode, float16/bfloat16/int8 activations, bias, a_scale), the subset version
 * against the full one, the quantizer's round trip through the reference, format by format, and
 * the random operands the tuner checks kernels on (activations made again for another M).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "half.h"
#include "operands.h"
#include "pack.h"
#include "reference.h"
#include "test_support.h"

/* Host buffers of one case. */
typedef struct host_case {
  bitblas_matmul_config cfg;
  bitblas_matmul_args args;
  void *A, *W, *scales, *zeros, *bias;
  float *a_scale;
} host_case;

static void *checked_calloc(size_t count, size_t size) {
  void *memory = calloc(count ? count : 1, size ? size : 1);
  ck_assert_ptr_nonnull(memory);
  return memory;
}

static void host_case_free(host_case *c) {
  free(c->A);
  free(c->W);
  free(c->scales);
  free(c->zeros);
  free(c->bias);
  free(c->a_scale);
  memset(c, 0, sizeof *c);
}

/* Writes `count` doubles as elements of `dtype` (each exactly representable in these tests). */
static void *make_array(bitblas_dtype dtype, const double *values, size_t count) {
  void *array = checked_calloc(count, (size_t)bitblas_dtype_bits(dtype) / 8);
  for (size_t i = 0; i < count; i++) {
    bb_element_write(dtype, array, i, values[i]);
    ck_assert_double_eq(bb_element_read(dtype, array, i), values[i]);
  }
  return array;
}

static void *make_packed(bitblas_dtype dtype, int64_t N, int64_t K, const int8_t *values) {
  void *packed = checked_calloc(bitblas_weight_bytes(dtype, N, K), 1);
  ck_assert_int_eq(bitblas_weight_pack(dtype, N, K, values, packed), BITBLAS_OK);
  return packed;
}

static void host_case_bind(host_case *c, int64_t m) {
  c->args.m = m;
  c->args.A = c->A;
  c->args.W = c->W;
  c->args.scales = c->scales;
  c->args.zeros = c->zeros;
  c->args.bias = c->bias;
  c->args.a_scale = c->a_scale;
  c->args.C = NULL;
}

static void config_for(bitblas_matmul_config *cfg, bitblas_dtype A_dtype, bitblas_dtype W_dtype,
                       int64_t N, int64_t K, int64_t group_size, int with_scaling,
                       bitblas_zeros_mode zeros_mode) {
  bitblas_matmul_config_init(cfg);
  cfg->M = 2;
  cfg->N = N;
  cfg->K = K;
  cfg->A_dtype = A_dtype;
  cfg->W_dtype = W_dtype;
  cfg->accum_dtype = A_dtype == BITBLAS_DTYPE_INT8 ? BITBLAS_DTYPE_INT32 : BITBLAS_DTYPE_FLOAT32;
  cfg->out_dtype = A_dtype == BITBLAS_DTYPE_INT8 ? BITBLAS_DTYPE_INT32 : BITBLAS_DTYPE_FLOAT32;
  cfg->group_size = group_size;
  cfg->with_scaling = with_scaling;
  cfg->zeros_mode = zeros_mode;
}

/* Runs the full reference and compares with expected[m * N + n] (exact: every value in these
 * cases is a short binary fraction). */
static void expect_reference(host_case *c, int64_t m, const double *expected) {
  host_case_bind(c, m);
  double *out = checked_calloc((size_t)(m * c->cfg.N), sizeof *out);
  ck_assert_msg(bitblas_reference_matmul(&c->cfg, &c->args, out) == BITBLAS_OK, "%s",
                bitblas_last_error());
  ck_assert_str_eq(bitblas_last_error(), "");
  for (int64_t i = 0; i < m * c->cfg.N; i++)
    ck_assert_msg(fabs(out[i] - expected[i]) <= 1e-12 * fmax(1.0, fabs(expected[i])),
                  "out[%d, %d] = %.17g, expected %.17g", (int)(i / c->cfg.N), (int)(i % c->cfg.N),
                  out[i], expected[i]);
  free(out);
}

/* The activations of the K = 16 cases: row 0 all ones, row 1 = 1 at k=1, 4 at k=8, -2 at k=15. */
static void *k16_activations(bitblas_dtype dtype) {
  double a[2 * 16] = {0};
  for (int k = 0; k < 16; k++) a[k] = 1.0;
  a[16 + 1] = 1.0;
  a[16 + 8] = 4.0;
  a[16 + 15] = -2.0;
  return make_array(dtype, a, 32);
}

START_TEST(test_no_scaling_uint4) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 2, 8, -1, 0, BITBLAS_ZEROS_NONE);
  const double a[16] = {1, 1, 1, 1, 1, 1, 1, 1, /* row 1: */ 1, 2, 0, 0, 0, 0, 0, -1};
  const int8_t w[16] = {0, 1, 2, 3, 4, 5, 6, 7, /* row 1: */ 15, 0, 0, 0, 0, 0, 0, 1};
  c.A = make_array(BITBLAS_DTYPE_FLOAT16, a, 16);
  c.W = make_packed(BITBLAS_DTYPE_UINT4, 2, 8, w);
  /* C[0,0] = 0+1+..+7 = 28; C[0,1] = 15+1 = 16; C[1,0] = 0+2-7 = -5; C[1,1] = 15-1 = 14 */
  const double expected[4] = {28, 16, -5, 14};
  expect_reference(&c, 2, expected);
  host_case_free(&c);
}
END_TEST

START_TEST(test_scale_only_int4_group8_bias) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_INT4, 2, 16, 8, 1, BITBLAS_ZEROS_NONE);
  c.cfg.out_dtype = BITBLAS_DTYPE_FLOAT16;
  c.cfg.with_bias = 1;
  double a[32] = {0};
  for (int k = 0; k < 16; k++) a[k] = 1.0;
  a[16 + 3] = 2.0;
  a[16 + 15] = -1.0;
  const int8_t w[32] = {1,  2,  3,  4,  -1, -2, -3, -4, 7, 7, 0, 0, 0, 0, 0, -8,
                        -8, -8, -8, -8, -8, -8, -8, -8, 1, 1, 1, 1, 1, 1, 1, 1};
  const double scales[4] = {0.5, 2, /* row 1: */ 1, 0.25};
  const double bias[2] = {1, -0.5};
  c.A = make_array(BITBLAS_DTYPE_FLOAT16, a, 32);
  c.W = make_packed(BITBLAS_DTYPE_INT4, 2, 16, w);
  c.scales = make_array(BITBLAS_DTYPE_FLOAT16, scales, 4);
  c.bias = make_array(BITBLAS_DTYPE_FLOAT16, bias, 2);
  /* dequant row 0: [0.5 1 1.5 2 -0.5 -1 -1.5 -2 | 14 14 0 0 0 0 0 -16]: sums 0 and 12
   * dequant row 1: [-8 x 8 | 0.25 x 8]: sums -64 and 2
   * C[0,0] = 12 + 1 = 13; C[0,1] = -62 - 0.5 = -62.5
   * C[1,0] = 2*2 + (-1)(-16) + 1 = 21; C[1,1] = 2*(-8) + (-1)(0.25) - 0.5 = -16.75 */
  const double expected[4] = {13, -62.5, 21, -16.75};
  expect_reference(&c, 2, expected);
  host_case_free(&c);
}
END_TEST

/* The uint4 weights, scales and zeros shared by the three zeros modes (K = 16, group 8). */
static const int8_t zeros_case_w[32] = {8, 9, 10, 11, 12, 13, 14, 15, 0,  1, 2,
                                        3, 4, 5,  6,  7,  0,  0,  0,  0,  0, 0,
                                        0, 0, 15, 15, 15, 15, 15, 15, 15, 15};
static const double zeros_case_scales[4] = {0.5, 1, /* row 1: */ 2, 0.25};
static const double zeros_case_zeros[4] = {8, 0.5, /* row 1: */ 1, 4};

START_TEST(test_zeros_original_bfloat16) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_BFLOAT16, BITBLAS_DTYPE_UINT4, 2, 16, 8, 1,
             BITBLAS_ZEROS_ORIGINAL);
  c.A = k16_activations(BITBLAS_DTYPE_BFLOAT16);
  c.W = make_packed(BITBLAS_DTYPE_UINT4, 2, 16, zeros_case_w);
  c.scales = make_array(BITBLAS_DTYPE_BFLOAT16, zeros_case_scales, 4);
  c.zeros = make_array(BITBLAS_DTYPE_BFLOAT16, zeros_case_zeros, 4);
  /* w = (q - Z) * S
   * row 0: [0 .5 1 1.5 2 2.5 3 3.5 | -.5 .5 1.5 2.5 3.5 4.5 5.5 6.5]: sums 14 and 24
   * row 1: [-2 x 8 | 2.75 x 8]: sums -16 and 22
   * C[1,0] = 0.5 + 4(-0.5) - 2(6.5) = -14.5; C[1,1] = -2 + 4(2.75) - 2(2.75) = 3.5 */
  const double expected[4] = {38, 6, -14.5, 3.5};
  expect_reference(&c, 2, expected);
  host_case_free(&c);
}
END_TEST

START_TEST(test_zeros_rescale_float16) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 2, 16, 8, 1,
             BITBLAS_ZEROS_RESCALE);
  c.A = k16_activations(BITBLAS_DTYPE_FLOAT16);
  c.W = make_packed(BITBLAS_DTYPE_UINT4, 2, 16, zeros_case_w);
  c.scales = make_array(BITBLAS_DTYPE_FLOAT16, zeros_case_scales, 4);
  c.zeros = make_array(BITBLAS_DTYPE_FLOAT16, zeros_case_zeros, 4);
  /* w = q * S - Z
   * row 0: [-4 -3.5 -3 -2.5 -2 -1.5 -1 -.5 | -.5 .5 1.5 2.5 3.5 4.5 5.5 6.5]: sums -18 and 24
   * row 1: [-1 x 8 | -0.25 x 8]: sums -8 and -2
   * C[1,0] = -3.5 + 4(-0.5) - 2(6.5) = -18.5; C[1,1] = -1 + 4(-0.25) - 2(-0.25) = -1.5 */
  const double expected[4] = {6, -10, -18.5, -1.5};
  expect_reference(&c, 2, expected);
  host_case_free(&c);
}
END_TEST

START_TEST(test_zeros_quantized_float16) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 2, 16, 8, 1,
             BITBLAS_ZEROS_QUANTIZED);
  c.A = k16_activations(BITBLAS_DTYPE_FLOAT16);
  c.W = make_packed(BITBLAS_DTYPE_UINT4, 2, 16, zeros_case_w);
  c.scales = make_array(BITBLAS_DTYPE_FLOAT16, zeros_case_scales, 4);
  /* QZ[group][n], 4 bits along N: group 0 = {8, 3} -> 0x38, group 1 = {0, 15} -> 0xF0 */
  uint8_t *qzeros = checked_calloc(2, 1);
  qzeros[0] = 0x38;
  qzeros[1] = 0xF0;
  c.zeros = qzeros;
  ck_assert_uint_eq(bb_config_zeros_bytes(&c.cfg), 2);
  /* w = (u - qz) * S
   * row 0: [0 .5 .. 3.5 | 0 1 .. 7]: sums 14 and 28; row 1: [-6 x 8 | 0 x 8]: sums -48 and 0
   * C[1,0] = 0.5 + 4(0) - 2(7) = -13.5; C[1,1] = -6 */
  const double expected[4] = {42, -48, -13.5, -6};
  expect_reference(&c, 2, expected);
  host_case_free(&c);
}
END_TEST

START_TEST(test_nf4_and_float8_and_plain_float16) {
  host_case c = {0};
  /* nf4 with one scale per row: row 0 codes [0 15 7..] * 2, row 1 codes [14 7..] * 0.5 */
  config_for(&c.cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_NF4, 2, 8, -1, 1, BITBLAS_ZEROS_NONE);
  const double a[8] = {3, 1, 0, 0, 0, 0, 0, 0};
  const int8_t nf4_codes[16] = {0, 15, 7, 7, 7, 7, 7, 7, 14, 7, 7, 7, 7, 7, 7, 7};
  const double nf4_scales[2] = {2, 0.5};
  c.A = make_array(BITBLAS_DTYPE_FLOAT16, a, 8);
  c.W = make_packed(BITBLAS_DTYPE_NF4, 2, 8, nf4_codes);
  c.scales = make_array(BITBLAS_DTYPE_FLOAT16, nf4_scales, 2);
  const double nf4_expected[2] = {(3 * -1.0 + 1 * 1.0) * 2, 3 * 0.7229568 * 0.5};
  expect_reference(&c, 1, nf4_expected);
  host_case_free(&c);

  /* float8 e4m3 with bfloat16 A: codes 1.0, 448, -1, 2^-9 times S = 0.5 */
  config_for(&c.cfg, BITBLAS_DTYPE_BFLOAT16, BITBLAS_DTYPE_FLOAT8_E4M3, 1, 8, -1, 1,
             BITBLAS_ZEROS_NONE);
  const double fp8_a[8] = {1, 0.5, 2, 512, 0, 0, 0, 0};
  const int8_t fp8_codes[8] = {0x38, 0x7E, (int8_t)0xB8, 0x01, 0, 0, 0, 0};
  const double fp8_scale[1] = {0.5};
  c.A = make_array(BITBLAS_DTYPE_BFLOAT16, fp8_a, 8);
  c.W = make_packed(BITBLAS_DTYPE_FLOAT8_E4M3, 1, 8, fp8_codes);
  c.scales = make_array(BITBLAS_DTYPE_BFLOAT16, fp8_scale, 1);
  const double fp8_expected[1] = {(1 + 0.5 * 448 - 2 + 512 * ldexp(1.0, -9)) * 0.5}; /* 112 */
  ck_assert_double_eq(fp8_expected[0], 112.0);
  expect_reference(&c, 1, fp8_expected);
  host_case_free(&c);

  /* Plain float16 weights: N*K raw 16-bit values, no scales. */
  config_for(&c.cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_FLOAT16, 2, 8, -1, 0, BITBLAS_ZEROS_NONE);
  const double plain_a[8] = {1, 2, 0, 0, 0, 0, 0, 0.5};
  const double plain_w[16] = {0.25, -1, 0, 0, 0, 0, 0, 8, 3, 3, 3, 3, 3, 3, 3, 3};
  c.A = make_array(BITBLAS_DTYPE_FLOAT16, plain_a, 8);
  c.W = make_array(BITBLAS_DTYPE_FLOAT16, plain_w, 16);
  const double plain_expected[2] = {0.25 - 2 + 4, 3 + 6 + 1.5};
  expect_reference(&c, 1, plain_expected);
  host_case_free(&c);
}
END_TEST

/* int8 activations and int2 weights, K = 8. */
static const double int8_case_a[16] = {127, -128, 1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, -1, -1, -1};
static const int8_t int8_case_w[16] = {1, 1, -1, 0, 1, -2, 0, 1, -2, -2, -2, -2, -2, -2, -2, -2};

START_TEST(test_int8_int32_exact) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_INT8, BITBLAS_DTYPE_INT2, 2, 8, -1, 0, BITBLAS_ZEROS_NONE);
  c.cfg.with_bias = 1;
  const double bias[2] = {5, -5};
  c.A = make_array(BITBLAS_DTYPE_INT8, int8_case_a, 16);
  c.W = make_packed(BITBLAS_DTYPE_INT2, 2, 8, int8_case_w);
  c.bias = make_array(BITBLAS_DTYPE_INT32, bias, 2);
  /* sums: C[0,0] = 127 - 128 - 1 + 0 + 3 - 8 + 0 + 6 = -1; C[0,1] = -2 * 20 = -40;
   *       C[1,0] = -(1 + 1 - 1 + 0 + 1 - 2 + 0 + 1) = -1; C[1,1] = 16; plus bias */
  const double expected[4] = {-1 + 5, -40 - 5, -1 + 5, 16 - 5};
  expect_reference(&c, 2, expected);
  host_case_free(&c);
}
END_TEST

START_TEST(test_int8_scales_a_scale_bias) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_INT8, BITBLAS_DTYPE_INT2, 2, 8, -1, 1, BITBLAS_ZEROS_NONE);
  c.cfg.out_dtype = BITBLAS_DTYPE_FLOAT16;
  c.cfg.with_a_scale = 1;
  c.cfg.with_bias = 1;
  const double scales[2] = {0.5, 0.25}, bias[2] = {1, 0};
  c.A = make_array(BITBLAS_DTYPE_INT8, int8_case_a, 16);
  c.W = make_packed(BITBLAS_DTYPE_INT2, 2, 8, int8_case_w);
  c.scales = make_array(BITBLAS_DTYPE_FLOAT32, scales, 2); /* float32 per column for int8 A */
  c.bias = make_array(BITBLAS_DTYPE_FLOAT16, bias, 2);
  c.a_scale = checked_calloc(2, sizeof(float));
  c.a_scale[0] = 2.0f;
  c.a_scale[1] = -1.0f;
  ck_assert_uint_eq(bb_config_scales_bytes(&c.cfg), 2 * sizeof(float));
  /* C = sum * S[n] * a_scale[m] + bias[n] */
  const double expected[4] = {-1 * 0.5 * 2 + 1, -40 * 0.25 * 2, -1 * 0.5 * -1 + 1, 16 * 0.25 * -1};
  expect_reference(&c, 2, expected);
  host_case_free(&c);
}
END_TEST

START_TEST(test_reference_refusals) {
  host_case c = {0};
  config_for(&c.cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 2, 16, 8, 1,
             BITBLAS_ZEROS_ORIGINAL);
  c.A = k16_activations(BITBLAS_DTYPE_FLOAT16);
  c.W = make_packed(BITBLAS_DTYPE_UINT4, 2, 16, zeros_case_w);
  c.scales = make_array(BITBLAS_DTYPE_FLOAT16, zeros_case_scales, 4);
  host_case_bind(&c, 2);
  double out[4];
  ck_assert_int_eq(bitblas_reference_matmul(&c.cfg, &c.args, out), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "zeros"));
  c.args.zeros = c.scales;
  c.args.m = 0;
  ck_assert_int_eq(bitblas_reference_matmul(&c.cfg, &c.args, out), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "m = 0"));
  c.args.m = 2;
  c.args.scales = NULL;
  ck_assert_int_eq(bitblas_reference_matmul(&c.cfg, &c.args, out), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "scales"));
  c.args.scales = c.scales;
  c.cfg.group_size = 12;
  ck_assert_int_eq(bitblas_reference_matmul(&c.cfg, &c.args, out), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "group_size = 12"));
  c.cfg.group_size = 8;
  const int64_t rows[1] = {2}, cols[1] = {1};
  ck_assert_int_eq(bb_reference_subset(&c.cfg, &c.args, rows, 1, cols, 1, out),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "rows[0] = 2"));
  const int64_t good_rows[1] = {1}, bad_cols[2] = {1, -1};
  ck_assert_int_eq(bb_reference_subset(&c.cfg, &c.args, good_rows, 1, bad_cols, 2, out),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "cols[1] = -1"));
  ck_assert_int_eq(bb_reference_subset(&c.cfg, &c.args, good_rows, 1, cols, 1, out), BITBLAS_OK);
  ck_assert_int_eq(bitblas_reference_matmul(&c.cfg, NULL, out), BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(bitblas_reference_matmul(NULL, &c.args, out), BITBLAS_INVALID_ARGUMENT);
  host_case_free(&c);
}
END_TEST

/* ---- Random data: the subset against the full reference ---- */

/* A random valid value of bitblas_weight_pack's input; float8 codes avoid NaN and inf. */
static int8_t random_value(bitblas_dtype dtype, bb_rng *rng) {
  for (;;) {
    const uint32_t r = (uint32_t)(bb_rng_next(rng) >> 24);
    const int bits = bitblas_dtype_bits(dtype);
    const uint32_t code = r & ((1u << bits) - 1u);
    const double value = bb_decode_code(dtype, code);
    if (!isfinite(value)) continue;
    return bb_pack_code_to_value(dtype, code);
  }
}

/* Fills every buffer cfg needs for m rows with fresh random data. */
static void host_case_random(host_case *c, int64_t m, bb_rng *rng) {
  const bitblas_matmul_config *cfg = &c->cfg;
  const int64_t N = cfg->N, K = cfg->K, groups = bb_config_groups(cfg);
  const bitblas_dtype scale_dtype = bb_config_scale_dtype(cfg);
  c->A = checked_calloc(bb_config_a_bytes(cfg, m), 1);
  for (int64_t i = 0; i < m * K; i++) {
    const double value = cfg->A_dtype == BITBLAS_DTYPE_INT8
                             ? (double)((int64_t)(bb_rng_next(rng) % 256) - 128)
                             : bb_rng_uniform(rng, -1.0, 1.0);
    bb_element_write(cfg->A_dtype, c->A, (size_t)i, value);
  }
  if (bb_dtype_is_float_weight(cfg->W_dtype)) {
    c->W = checked_calloc((size_t)(N * K), 2);
    for (int64_t i = 0; i < N * K; i++)
      bb_element_write(cfg->W_dtype, c->W, (size_t)i, bb_rng_uniform(rng, -1.0, 1.0));
  } else {
    int8_t *values = checked_calloc((size_t)(N * K), 1);
    for (int64_t i = 0; i < N * K; i++) values[i] = random_value(cfg->W_dtype, rng);
    c->W = make_packed(cfg->W_dtype, N, K, values);
    free(values);
  }
  if (cfg->with_scaling) {
    c->scales = checked_calloc(bb_config_scales_bytes(cfg), 1);
    for (int64_t i = 0; i < N * groups; i++)
      bb_element_write(scale_dtype, c->scales, (size_t)i, bb_rng_uniform(rng, 0.25, 2.0));
  }
  if (cfg->zeros_mode == BITBLAS_ZEROS_QUANTIZED) {
    uint8_t *qzeros = checked_calloc((size_t)(groups * N), 1);
    for (int64_t i = 0; i < groups * N; i++)
      qzeros[i] = (uint8_t)(bb_rng_next(rng) % (1u << bitblas_dtype_bits(cfg->W_dtype)));
    c->zeros = checked_calloc(bb_config_zeros_bytes(cfg), 1);
    ck_assert_int_eq(bb_pack_qzeros(cfg->W_dtype, groups, N, qzeros, c->zeros), BITBLAS_OK);
    free(qzeros);
  } else if (cfg->zeros_mode != BITBLAS_ZEROS_NONE) {
    c->zeros = checked_calloc(bb_config_zeros_bytes(cfg), 1);
    for (int64_t i = 0; i < N * groups; i++)
      bb_element_write(scale_dtype, c->zeros, (size_t)i, bb_rng_uniform(rng, -2.0, 2.0));
  }
  if (cfg->with_bias) {
    c->bias = checked_calloc(bb_config_bias_bytes(cfg), 1);
    for (int64_t n = 0; n < N; n++)
      bb_element_write(cfg->out_dtype, c->bias, (size_t)n,
                       cfg->out_dtype == BITBLAS_DTYPE_INT32 ? (double)(n % 7) - 3.0
                                                             : bb_rng_uniform(rng, -1, 1));
  }
  if (cfg->with_a_scale) {
    c->a_scale = checked_calloc((size_t)m, sizeof(float));
    for (int64_t i = 0; i < m; i++) c->a_scale[i] = (float)bb_rng_uniform(rng, 0.01, 0.1);
  }
  host_case_bind(c, m);
}

START_TEST(test_subset_equals_full) {
  struct {
    bitblas_dtype A, W;
    int64_t N, K, group_size;
    int with_scaling;
    bitblas_zeros_mode zeros_mode;
    bitblas_dtype out;
    int with_bias, with_a_scale;
  } cases[] = {
      {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 37, 96, 32, 1, BITBLAS_ZEROS_ORIGINAL,
       BITBLAS_DTYPE_FLOAT16, 1, 0},
      {BITBLAS_DTYPE_BFLOAT16, BITBLAS_DTYPE_INT4, 8, 64, -1, 1, BITBLAS_ZEROS_NONE,
       BITBLAS_DTYPE_FLOAT32, 0, 0},
      {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT2, 13, 128, 64, 1, BITBLAS_ZEROS_QUANTIZED,
       BITBLAS_DTYPE_FLOAT32, 1, 0},
      {BITBLAS_DTYPE_BFLOAT16, BITBLAS_DTYPE_NF4, 5, 32, 16, 1, BITBLAS_ZEROS_RESCALE,
       BITBLAS_DTYPE_BFLOAT16, 1, 0},
      {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_FLOAT8_E5M2, 3, 24, 8, 1, BITBLAS_ZEROS_NONE,
       BITBLAS_DTYPE_FLOAT16, 0, 0},
      {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_FLOAT16, 6, 40, -1, 0, BITBLAS_ZEROS_NONE,
       BITBLAS_DTYPE_FLOAT16, 1, 0},
      {BITBLAS_DTYPE_INT8, BITBLAS_DTYPE_INT2, 11, 64, -1, 1, BITBLAS_ZEROS_NONE,
       BITBLAS_DTYPE_FLOAT16, 1, 1},
      {BITBLAS_DTYPE_INT8, BITBLAS_DTYPE_UINT8, 4, 16, -1, 0, BITBLAS_ZEROS_NONE,
       BITBLAS_DTYPE_INT32, 1, 0},
      {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_INT1, 9, 64, 32, 1, BITBLAS_ZEROS_NONE,
       BITBLAS_DTYPE_FLOAT16, 0, 0},
  };
  bb_rng rng;
  bb_test_rng_seed(&rng);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    host_case c = {0};
    config_for(&c.cfg, cases[i].A, cases[i].W, cases[i].N, cases[i].K, cases[i].group_size,
               cases[i].with_scaling, cases[i].zeros_mode);
    c.cfg.out_dtype = cases[i].out;
    c.cfg.with_bias = cases[i].with_bias;
    c.cfg.with_a_scale = cases[i].with_a_scale;
    const int64_t m = 7, N = c.cfg.N;
    host_case_random(&c, m, &rng);
    double *full = checked_calloc((size_t)(m * N), sizeof(double));
    ck_assert_msg(bitblas_reference_matmul(&c.cfg, &c.args, full) == BITBLAS_OK, "case %zu: %s", i,
                  bitblas_last_error());
    /* Rows and columns out of order, with repeats. */
    const int64_t rows[4] = {6, 0, 3, 6};
    int64_t cols[5] = {N - 1, 0, N / 2, 0, N / 3};
    double subset[4 * 5];
    ck_assert_int_eq(bb_reference_subset(&c.cfg, &c.args, rows, 4, cols, 5, subset), BITBLAS_OK);
    for (int r = 0; r < 4; r++)
      for (int j = 0; j < 5; j++)
        ck_assert_msg(subset[r * 5 + j] == full[rows[r] * N + cols[j]],
                      "case %zu: subset[%d, %d] = %.17g, full = %.17g", i, r, j, subset[r * 5 + j],
                      full[rows[r] * N + cols[j]]);
    /* The sized variant: the same values, and each output's term size bounds it. */
    double sized[4 * 5], size[4 * 5];
    ck_assert_int_eq(bb_reference_subset_sized(&c.cfg, &c.args, rows, 4, cols, 5, sized, size),
                     BITBLAS_OK);
    for (int e = 0; e < 4 * 5; e++) {
      ck_assert(sized[e] == subset[e]);
      ck_assert_msg(size[e] >= fabs(sized[e]) * (1 - 1e-12) && size[e] > 0,
                    "case %zu: size %g of output %g", i, size[e], sized[e]);
    }
    /* NULL lists mean the leading rows and columns. */
    double leading[2 * 3];
    ck_assert_int_eq(bb_reference_subset(&c.cfg, &c.args, NULL, 2, NULL, 3, leading), BITBLAS_OK);
    for (int r = 0; r < 2; r++)
      for (int j = 0; j < 3 && j < N; j++) ck_assert(leading[r * 3 + j] == full[r * N + j]);
    /* A sanity check that the outputs are not all the same value (inputs are random). */
    int distinct = 0;
    for (int64_t e = 1; e < m * N; e++) distinct |= full[e] != full[0];
    ck_assert_msg(distinct, "case %zu: every output equals %g", i, full[0]);
    free(full);
    host_case_free(&c);
  }
}
END_TEST

/* The tuner's random float8 weights (bb_host_operands_make) on 128 x 4096: e4m3 codes are every
 * code but the two NaN ones, each about as often as the others; e5m2 codes are finite, with every
 * exponent from 2^-4 to 2^4 and no other, both signs and all four mantissas. */
START_TEST(test_operands_float8_codes) {
  const bitblas_dtype dtypes[] = {BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT8_E5M2};
  bb_rng rng;
  bb_test_rng_seed(&rng);
  for (size_t d = 0; d < 2; d++) {
    bitblas_matmul_config cfg;
    config_for(&cfg, BITBLAS_DTYPE_FLOAT16, dtypes[d], 128, 4096, -1, 1, BITBLAS_ZEROS_NONE);
    bb_host_operands operands;
    ck_assert_int_eq(bb_host_operands_make(&cfg, 1, 0, &rng, &operands), BITBLAS_OK);
    size_t seen[256] = {0};
    const uint8_t *codes = operands.W;
    for (size_t i = 0; i < operands.W_bytes; i++) seen[codes[i]]++;
    const double mean = (double)operands.W_bytes / (d == 0 ? 254.0 : 72.0);
    for (unsigned c = 0; c < 256; c++) {
      const double value = bitblas_weight_decode(dtypes[d], c);
      const int exponent = (int)((c >> 2) & 31u) - 15;
      const int wanted = d == 0 ? !isnan(value) : exponent >= -4 && exponent <= 4;
      if (!wanted) {
        ck_assert_msg(seen[c] == 0, "dtype %zu code 0x%02x drawn %zu times", d, c, seen[c]);
        continue;
      }
      ck_assert_msg(isfinite(value), "dtype %zu code 0x%02x", d, c);
      /* e4m3's 0x7e and 0xfe also take the NaN codes' draws */
      ck_assert_msg(seen[c] > 0.5 * mean && seen[c] < 2.5 * mean,
                    "dtype %zu code 0x%02x: %zu, mean %g", d, c, seen[c], mean);
    }
    bb_host_operands_free(&operands);
  }
}
END_TEST

/* The tuner's random plain float weights (bb_host_operands_make) on 128 x 4096: float16 ones are
 * the 2048 multiples of 2^-10 in [-1, 1), each about as often as the others; bfloat16 ones are
 * those rounded to bfloat16: in [-1, 1], over 500 distinct values, about as many below zero as
 * above. */
START_TEST(test_operands_float_weights) {
  const bitblas_dtype dtypes[] = {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_BFLOAT16};
  bb_rng rng;
  bb_test_rng_seed(&rng);
  for (size_t d = 0; d < 2; d++) {
    bitblas_matmul_config cfg;
    config_for(&cfg, dtypes[d], dtypes[d], 128, 4096, -1, 0, BITBLAS_ZEROS_NONE);
    cfg.out_dtype = dtypes[d];
    ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
    bb_host_operands operands;
    ck_assert_int_eq(bb_host_operands_make(&cfg, 1, 0, &rng, &operands), BITBLAS_OK);
    const uint16_t *bits = operands.W;
    const size_t count = operands.W_bytes / 2;
    ck_assert_uint_eq(count, 128u * 4096u);
    static size_t seen[2049];
    memset(seen, 0, sizeof seen);
    size_t negative = 0, distinct = 0;
    for (size_t i = 0; i < count; i++) {
      const float value = d == 0 ? bb_half_to_float(bits[i]) : bb_bfloat16_to_float(bits[i]);
      ck_assert_msg(value >= -1.0f && value <= 1.0f, "dtype %zu weight %zu: %g", d, i, value);
      const float steps = value * 1024.0f; /* exact: a power of two times a 16-bit float */
      if (d == 0) ck_assert_msg(steps == floorf(steps) && value < 1.0f, "weight %zu: %g", i, value);
      const size_t slot = (size_t)lrintf(steps + 1024.0f); /* bfloat16: the nearest multiple */
      distinct += seen[slot]++ == 0;
      negative += value < 0.0f;
    }
    ck_assert_msg(distinct > (d == 0 ? 2000u : 500u), "dtype %zu: %zu distinct", d, distinct);
    ck_assert_msg(negative > 0.48 * (double)count && negative < 0.52 * (double)count,
                  "dtype %zu: %zu of %zu below zero", d, negative, count);
    if (d == 0)
      for (size_t slot = 0; slot < 2048; slot++) /* 256 each on average */
        ck_assert_msg(seen[slot] > 128 && seen[slot] < 512, "%g: %zu times",
                      ((double)slot - 1024.0) / 1024.0, seen[slot]);
    bb_host_operands_free(&operands);
  }
}
END_TEST

/* Activations made again for another M (a dynamic operator's next bucket in the tuner): new A
 * and per-row scales of the new size, in their ranges and not all equal; W, scales, zeros and
 * bias untouched. float16 A (uniform in [-1, 1), so [-1, 1] once rounded to float16) and int8 A
 * with per-row scales. */
START_TEST(test_operands_remake_activations) {
  bitblas_matmul_config cfgs[2];
  config_for(&cfgs[0], BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 24, 256, 128, 1,
             BITBLAS_ZEROS_ORIGINAL);
  cfgs[0].with_bias = 1;
  config_for(&cfgs[1], BITBLAS_DTYPE_INT8, BITBLAS_DTYPE_INT2, 16, 64, -1, 1, BITBLAS_ZEROS_NONE);
  cfgs[1].with_a_scale = 1;
  cfgs[1].out_dtype = BITBLAS_DTYPE_FLOAT16;
  bb_rng rng;
  bb_test_rng_seed(&rng);
  for (int c = 0; c < 2; c++) {
    const bitblas_matmul_config *cfg = &cfgs[c];
    bb_host_operands operands;
    ck_assert_int_eq(bb_host_operands_make(cfg, 3, 0, &rng, &operands), BITBLAS_OK);
    void *kept[4] = {operands.W, operands.scales, operands.zeros, operands.bias};
    const size_t kept_bytes[4] = {operands.W_bytes, operands.scales_bytes, operands.zeros_bytes,
                                  operands.bias_bytes};
    void *copies[4];
    for (int b = 0; b < 4; b++) {
      copies[b] = checked_calloc(kept_bytes[b], 1);
      if (kept[b]) memcpy(copies[b], kept[b], kept_bytes[b]);
    }
    const int64_t m = 17;
    ck_assert_int_eq(bb_host_operands_remake_activations(cfg, m, &rng, &operands), BITBLAS_OK);
    ck_assert_int_eq(operands.m, m);
    ck_assert_uint_eq(operands.A_bytes, bb_config_a_bytes(cfg, m));
    ck_assert_uint_eq(operands.a_scale_bytes, cfg->with_a_scale ? m * sizeof(float) : 0);
    ck_assert(cfg->with_a_scale ? operands.a_scale != NULL : operands.a_scale == NULL);
    const void *now[4] = {operands.W, operands.scales, operands.zeros, operands.bias};
    for (int b = 0; b < 4; b++) {
      ck_assert_ptr_eq(now[b], kept[b]);
      if (kept[b]) ck_assert(memcmp(now[b], copies[b], kept_bytes[b]) == 0);
      free(copies[b]);
    }
    const size_t count = (size_t)m * (size_t)cfg->K;
    int distinct = 0;
    for (size_t i = 0; i < count; i++) {
      const double value = bb_element_read(cfg->A_dtype, operands.A, i);
      if (cfg->A_dtype == BITBLAS_DTYPE_INT8)
        ck_assert(value >= -127 && value <= 127);
      else
        ck_assert_msg(value >= -1.0 && value <= 1.0, "A[%zu] = %g", i, value);
      distinct |= value != bb_element_read(cfg->A_dtype, operands.A, 0);
    }
    ck_assert(distinct);
    for (int64_t i = 0; i < (cfg->with_a_scale ? m : 0); i++)
      ck_assert(operands.a_scale[i] >= 0.001f && operands.a_scale[i] <= 0.01f);
    bb_host_operands_free(&operands);
  }
}
END_TEST

START_TEST(test_error_sum_floors_cancelled_outputs) {
  /* Many outputs: the plain relative L2 error. */
  bb_error_sum many = {0, 0, 0};
  for (int i = 0; i < 100; i++) bb_error_sum_add(&many, 10.0 + 0.01, 10.0, 10.0);
  ck_assert_double_eq_tol(bb_error_sum_relative(&many, 100), 1e-3, 1e-12);
  /* One output that cancelled to 1e-6 out of terms of total size 10 (K = 100): measured against
   * 10 / sqrt(100) = 1, not against 1e-6. */
  bb_error_sum one = {0, 0, 0};
  bb_error_sum_add(&one, 1e-6 + 1e-4, 1e-6, 10.0);
  ck_assert_double_eq_tol(bb_error_sum_relative(&one, 100), 1e-4, 1e-12);
  /* Errors as large as the terms still fail any tolerance. */
  bb_error_sum wrong = {0, 0, 0};
  bb_error_sum_add(&wrong, 3.0, 1e-6, 10.0);
  ck_assert(bb_error_sum_relative(&wrong, 100) > 1.0);
  /* NaN and infinity are infinitely wrong. */
  bb_error_sum nan = {0, 0, 0};
  bb_error_sum_add(&nan, NAN, 1.0, 1.0);
  ck_assert(isinf(bb_error_sum_relative(&nan, 4)));
}
END_TEST

/* ---- The quantizer, checked through the reference ---- */

/* Half the largest gap between neighbouring decoded values up to magnitude `target` (the
 * format's largest for integers, nf4 and fp4; for float8, 1.75 * 2^e with 3 or 2 mantissa bits,
 * whose top binade has steps of target / 14 or target / 7). */
static double half_step(bitblas_dtype dtype, double target) {
  switch (dtype) {
  case BITBLAS_DTYPE_NF4:
    return (1.0 - 0.6961928) / 2; /* the widest gap: -1 to -0.6961928 */
  case BITBLAS_DTYPE_FP4_E2M1:
    return 1.0; /* between 4 and 6 */
  case BITBLAS_DTYPE_FLOAT8_E4M3:
    return target / 28; /* 16 at 448: between 416 and 448 */
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    return target / 14; /* 4096 at 57344: between 49152 and 57344 */
  default:
    return 0.5; /* integers */
  }
}

/* The quantizer's documented float8 target: `start` halved while half_range / target is below
 * the scale type's smallest normal and the target stays a normal of the format. */
static double float8_target(bitblas_dtype W_dtype, bitblas_dtype scale_dtype, double half_range,
                            double start) {
  const double lowest = 1.75 * ldexp(1.0, W_dtype == BITBLAS_DTYPE_FLOAT8_E4M3 ? -6 : -14);
  const double smallest_normal = ldexp(1.0, scale_dtype == BITBLAS_DTYPE_FLOAT16 ? -14 : -126);
  double target = start;
  while (target / 2 >= lowest && half_range / target < smallest_normal) target /= 2;
  return target;
}

/* Quantizes random W for cfg, dequantizes it with the reference (A = identity, M = K), and checks
 * (1) each weight's dequantized value is the nearest point of its group's grid (every code under
 * the stored scale and zero), (2) the error is within the format's resolution at that scale, and
 * (3) the scale is the one the documented rule gives. */
static void check_quantizer_round_trip(bitblas_matmul_config *cfg, double magnitude, bb_rng *rng) {
  const int64_t N = cfg->N, K = cfg->K;
  const int64_t group_size = bb_config_group(cfg), groups = bb_config_groups(cfg);
  const bitblas_dtype W_dtype = cfg->W_dtype, scale_dtype = bb_config_scale_dtype(cfg);
  const int bits = bitblas_dtype_bits(W_dtype);
  const int is_unsigned = W_dtype == BITBLAS_DTYPE_UINT8 || W_dtype == BITBLAS_DTYPE_UINT4 ||
                          W_dtype == BITBLAS_DTYPE_UINT2 || W_dtype == BITBLAS_DTYPE_UINT1;
  const int nonnegative = is_unsigned && cfg->zeros_mode == BITBLAS_ZEROS_NONE;
  char description[256];
  bitblas_matmul_config_describe(cfg, description, sizeof description);

  float *W = checked_calloc((size_t)(N * K), sizeof *W);
  for (int64_t i = 0; i < N * K; i++) {
    double value = bb_rng_uniform(rng, nonnegative ? 0.0 : -1.0, 1.0);
    if (!cfg->with_scaling) value *= (double)(1 << (bits < 8 ? bits - 1 : 3)) + 0.4; /* raw */
    if (cfg->with_scaling && i % 3 == 0) value += 0.5; /* asymmetric groups */
    W[i] = (float)(value * magnitude);
  }
  W[0] = 0.0f; /* a zero, and a constant group elsewhere */
  if (N > 1)
    for (int64_t k = 0; k < group_size; k++) W[K + k] = (float)(0.25 * magnitude);

  int8_t *values = checked_calloc((size_t)(N * K), 1);
  void *scales = cfg->with_scaling ? checked_calloc(bitblas_scales_bytes(cfg), 1) : NULL;
  void *zeros = cfg->zeros_mode ? checked_calloc(bitblas_zeros_bytes(cfg), 1) : NULL;
  ck_assert_msg(bitblas_weight_quantize(cfg, W, values, scales, zeros) == BITBLAS_OK, "%s: %s",
                description, bitblas_last_error());

  host_case c = {0};
  c.cfg = *cfg;
  c.cfg.M = K;
  c.cfg.out_dtype = cfg->A_dtype == BITBLAS_DTYPE_INT8 ? BITBLAS_DTYPE_FLOAT32 : cfg->out_dtype;
  c.W = make_packed(W_dtype, N, K, values);
  c.scales = scales;
  c.zeros = zeros;
  double *identity = checked_calloc((size_t)(K * K), sizeof *identity);
  for (int64_t k = 0; k < K; k++) identity[k * K + k] = 1.0;
  c.A = make_array(cfg->A_dtype, identity, (size_t)(K * K));
  free(identity);
  host_case_bind(&c, K);
  double *dequantized = checked_calloc((size_t)(K * N), sizeof *dequantized); /* [k, n] */
  ck_assert_msg(bitblas_reference_matmul(&c.cfg, &c.args, dequantized) == BITBLAS_OK, "%s: %s",
                description, bitblas_last_error());

  uint8_t *qzeros = NULL;
  if (cfg->zeros_mode == BITBLAS_ZEROS_QUANTIZED) {
    qzeros = checked_calloc((size_t)(groups * N), 1);
    ck_assert_int_eq(bb_unpack_qzeros(W_dtype, groups, N, zeros, qzeros), BITBLAS_OK);
  }
  const int codes = 1 << bits;
  for (int64_t n = 0; n < N; n++)
    for (int64_t g = 0; g < groups; g++) {
      const size_t index = (size_t)(n * groups + g);
      const double scale = cfg->with_scaling ? bb_element_read(scale_dtype, scales, index) : 1.0;
      const double zero =
          cfg->zeros_mode == BITBLAS_ZEROS_ORIGINAL || cfg->zeros_mode == BITBLAS_ZEROS_RESCALE
              ? bb_element_read(scale_dtype, zeros, index)
          : qzeros ? (double)qzeros[g * N + n]
                   : 0.0;
      ck_assert_msg(scale > 0 && isfinite(scale), "%s: scale[%d] = %g", description, (int)index,
                    scale);
      double low = INFINITY, high = -INFINITY, absolute_sum = 0;
      for (int64_t k = g * group_size; k < (g + 1) * group_size; k++) {
        low = fmin(low, W[n * K + k]);
        high = fmax(high, W[n * K + k]);
        absolute_sum += fabs(W[n * K + k]);
      }
      /* The documented scale rules, and the target magnitude they map the group onto. */
      const int is_float8 =
          W_dtype == BITBLAS_DTYPE_FLOAT8_E4M3 || W_dtype == BITBLAS_DTYPE_FLOAT8_E5M2;
      const double levels = ldexp(1.0, bits) - 1.0;
      const double absmax = fmax(fabs(low), fabs(high));
      double format_max = ldexp(1.0, bits - 1) - 1.0; /* signed integers */
      if (W_dtype == BITBLAS_DTYPE_NF4) format_max = 1.0;
      if (W_dtype == BITBLAS_DTYPE_FP4_E2M1) format_max = 6.0;
      if (W_dtype == BITBLAS_DTYPE_FLOAT8_E4M3) format_max = 448.0;
      if (W_dtype == BITBLAS_DTYPE_FLOAT8_E5M2) format_max = 57344.0;
      double range_low = low, range_high = high; /* a constant group holds 0, or is [0, 1] */
      if (range_high - range_low <= 0) {
        range_low = fmin(range_low, 0);
        range_high = fmax(range_high, 0);
        if (range_high - range_low <= 0) range_high = 1;
      }
      const double spread = range_high - range_low;
      double expected = 1.0, target = format_max;
      switch (cfg->zeros_mode) {
      case BITBLAS_ZEROS_NONE:
        if (W_dtype == BITBLAS_DTYPE_INT1) {
          expected = absolute_sum / (double)group_size;
        } else if (is_unsigned) {
          expected = high > 0 ? high / levels : 1.0;
        } else {
          if (is_float8) target = float8_target(W_dtype, scale_dtype, absmax, format_max);
          expected = absmax / target;
        }
        break;
      case BITBLAS_ZEROS_QUANTIZED:
        expected = (fmax(high, 0) - fmin(low, 0)) / levels;
        break;
      default:
        if (is_float8) target = float8_target(W_dtype, scale_dtype, spread / 2, 1.75);
        /* qhi - qlo: 2^b - 1 for integers (int1: -1..1), twice the target for the others */
        expected = spread / (W_dtype == BITBLAS_DTYPE_INT1         ? 2.0
                             : bb_dtype_is_integer_weight(W_dtype) ? levels
                                                                   : 2.0 * target);
        break;
      }
      if (expected == 0) expected = 1.0;
      if (cfg->with_scaling)
        /* float16 scales near 2^-16 (e5m2) are subnormal: allow their absolute quantum too */
        ck_assert_msg(fabs(scale - expected) <= 1e-2 * expected + ldexp(1.0, -24),
                      "%s: row %d group %d: scale %g, the rule gives %g", description, (int)n,
                      (int)g, scale, expected);

      /* Rounding the scale and zero to their storage type moves the ends of the grid by up to
       * epsilon * (max|w| + |Z| in weight units), which can push an extreme weight that much
       * further from the grid than half a step. */
      const double epsilon = scale_dtype == BITBLAS_DTYPE_FLOAT16    ? ldexp(1.0, -11)
                             : scale_dtype == BITBLAS_DTYPE_BFLOAT16 ? ldexp(1.0, -8)
                                                                     : ldexp(1.0, -24);
      const double zero_in_weights = cfg->zeros_mode == BITBLAS_ZEROS_ORIGINAL  ? fabs(zero) * scale
                                     : cfg->zeros_mode == BITBLAS_ZEROS_RESCALE ? fabs(zero)
                                                                                : 0.0;
      const double quantum = scale_dtype == BITBLAS_DTYPE_FLOAT16    ? ldexp(1.0, -24)
                             : scale_dtype == BITBLAS_DTYPE_BFLOAT16 ? ldexp(1.0, -133)
                                                                     : ldexp(1.0, -149);
      const double storage_slack =
          2 * (absmax + zero_in_weights) * (epsilon + quantum / (2 * scale)) + 1e-12;
      for (int64_t k = g * group_size; k < (g + 1) * group_size; k++) {
        const double w = W[n * K + k], got = dequantized[k * N + n];
        double nearest = INFINITY;
        for (int code = 0; code < codes; code++) {
          const double q = bb_decode_code(W_dtype, (uint32_t)code);
          if (!isfinite(q)) continue;
          double grid = q;
          if (cfg->with_scaling) {
            switch (cfg->zeros_mode) {
            case BITBLAS_ZEROS_ORIGINAL:
              grid = (q - zero) * scale;
              break;
            case BITBLAS_ZEROS_RESCALE:
              grid = q * scale - zero;
              break;
            case BITBLAS_ZEROS_QUANTIZED:
              grid = ((double)code - zero) * scale;
              break;
            default:
              grid = q * scale;
              break;
            }
          }
          nearest = fmin(nearest, fabs(w - grid));
        }
        const double error = fabs(w - got);
        if (W_dtype != BITBLAS_DTYPE_INT1 || cfg->zeros_mode != BITBLAS_ZEROS_NONE ||
            !cfg->with_scaling)
          ck_assert_msg(error <= nearest + 1e-9 * fmax(1.0, fabs(w)),
                        "%s: W[%d, %d] = %.9g -> %.9g, but the grid has a point %.9g away",
                        description, (int)n, (int)k, w, got, nearest);
        else /* int1 without zeros: the sign of w, times the scale */
          ck_assert_msg(got == (w >= 0 ? scale : -scale), "%s: W[%d, %d] = %g -> %g (scale %g)",
                        description, (int)n, (int)k, w, got, scale);
        if (cfg->with_scaling && W_dtype != BITBLAS_DTYPE_INT1)
          ck_assert_msg(error <= half_step(W_dtype, target) * scale * 1.01 + storage_slack,
                        "%s: W[%d, %d] = %.9g -> %.9g: error beyond the resolution (scale %g)",
                        description, (int)n, (int)k, w, got, scale);
      }
    }
  free(qzeros);
  free(dequantized);
  free(W);
  free(values);
  host_case_free(&c);
}

START_TEST(test_quantizer_round_trip_every_format) {
  static const bitblas_dtype weight_dtypes[] = {
      BITBLAS_DTYPE_UINT8,    BITBLAS_DTYPE_UINT4,       BITBLAS_DTYPE_UINT2,
      BITBLAS_DTYPE_UINT1,    BITBLAS_DTYPE_INT8,        BITBLAS_DTYPE_INT4,
      BITBLAS_DTYPE_INT2,     BITBLAS_DTYPE_INT1,        BITBLAS_DTYPE_NF4,
      BITBLAS_DTYPE_FP4_E2M1, BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT8_E5M2,
  };
  static const bitblas_zeros_mode modes[] = {BITBLAS_ZEROS_NONE, BITBLAS_ZEROS_ORIGINAL,
                                             BITBLAS_ZEROS_RESCALE, BITBLAS_ZEROS_QUANTIZED};
  bb_rng rng;
  bb_test_rng_seed(&rng);
  int checked = 0;
  for (size_t d = 0; d < sizeof weight_dtypes / sizeof weight_dtypes[0]; d++)
    for (int a = 0; a < 2; a++)
      for (size_t z = 0; z < 4; z++)
        for (int grouped = 0; grouped < 2; grouped++) {
          bitblas_matmul_config cfg;
          config_for(&cfg, a ? BITBLAS_DTYPE_BFLOAT16 : BITBLAS_DTYPE_FLOAT16, weight_dtypes[d], 5,
                     64, grouped ? 32 : -1, 1, modes[z]);
          cfg.out_dtype = cfg.A_dtype;
          if (bitblas_matmul_config_validate(&cfg) != BITBLAS_OK) {
            /* only quantized zeros with a signed or float format are refused */
            ck_assert_int_eq(modes[z], BITBLAS_ZEROS_QUANTIZED);
            continue;
          }
          check_quantizer_round_trip(&cfg, 1.0, &rng);
          checked++;
        }
  ck_assert_int_eq(checked, 12 * 2 * 2 * 3 + 4 * 2 * 2);
}
END_TEST

START_TEST(test_quantizer_without_scaling_and_int8) {
  bb_rng rng;
  bb_test_rng_seed(&rng);
  static const bitblas_dtype weight_dtypes[] = {BITBLAS_DTYPE_INT4,     BITBLAS_DTYPE_UINT2,
                                                BITBLAS_DTYPE_INT8,     BITBLAS_DTYPE_NF4,
                                                BITBLAS_DTYPE_FP4_E2M1, BITBLAS_DTYPE_FLOAT8_E4M3};
  for (size_t d = 0; d < sizeof weight_dtypes / sizeof weight_dtypes[0]; d++) {
    bitblas_matmul_config cfg;
    config_for(&cfg, BITBLAS_DTYPE_FLOAT16, weight_dtypes[d], 3, 24, -1, 0, BITBLAS_ZEROS_NONE);
    cfg.out_dtype = BITBLAS_DTYPE_FLOAT32;
    check_quantizer_round_trip(&cfg, 1.0, &rng);
  }
  /* int8 activations: float32 scales, one per column. */
  static const bitblas_dtype integer_dtypes[] = {BITBLAS_DTYPE_INT4, BITBLAS_DTYPE_INT2,
                                                 BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_INT8};
  for (size_t d = 0; d < sizeof integer_dtypes / sizeof integer_dtypes[0]; d++) {
    bitblas_matmul_config cfg;
    config_for(&cfg, BITBLAS_DTYPE_INT8, integer_dtypes[d], 4, 32, -1, 1, BITBLAS_ZEROS_NONE);
    cfg.out_dtype = BITBLAS_DTYPE_FLOAT32;
    ck_assert_uint_eq(bitblas_scales_bytes(&cfg), 4 * sizeof(float));
    check_quantizer_round_trip(&cfg, 1.0, &rng);
  }
}
END_TEST

START_TEST(test_quantizer_small_weights_float16_scales) {
  /* Weights around 1e-4 and 1e-6: float8 scales stay float16 normals (the target shrinks), the
   * others may use float16 subnormal scales; every weight still lands on its nearest grid point. */
  static const bitblas_dtype weight_dtypes[] = {BITBLAS_DTYPE_FLOAT8_E4M3,
                                                BITBLAS_DTYPE_FLOAT8_E5M2, BITBLAS_DTYPE_NF4,
                                                BITBLAS_DTYPE_INT4, BITBLAS_DTYPE_UINT4};
  static const bitblas_zeros_mode modes[] = {BITBLAS_ZEROS_NONE, BITBLAS_ZEROS_ORIGINAL,
                                             BITBLAS_ZEROS_RESCALE};
  static const double magnitudes[] = {1e-4, 1e-6};
  bb_rng rng;
  bb_test_rng_seed(&rng);
  for (size_t d = 0; d < sizeof weight_dtypes / sizeof weight_dtypes[0]; d++)
    for (size_t z = 0; z < 3; z++)
      for (size_t s = 0; s < 2; s++) {
        bitblas_matmul_config cfg;
        config_for(&cfg, BITBLAS_DTYPE_FLOAT16, weight_dtypes[d], 3, 64, 32, 1, modes[z]);
        cfg.out_dtype = BITBLAS_DTYPE_FLOAT16;
        check_quantizer_round_trip(&cfg, magnitudes[s], &rng);
        if (weight_dtypes[d] == BITBLAS_DTYPE_FLOAT8_E5M2 && modes[z] == BITBLAS_ZEROS_NONE &&
            s == 0) {
          /* absmax / 57344 would be a float16 subnormal; the target is halved instead */
          float W[64];
          for (int k = 0; k < 64; k++) W[k] = (float)(1e-4 * (k % 2 ? 1 : -0.5));
          bitblas_matmul_config one_row = cfg;
          one_row.N = 1;
          int8_t values[64];
          uint16_t scales[2];
          ck_assert_int_eq(bitblas_weight_quantize(&one_row, W, values, scales, NULL), BITBLAS_OK);
          ck_assert_double_ge(bb_half_to_float(scales[0]), ldexp(1.0, -14));
          ck_assert_double_ge(bb_half_to_float(scales[1]), ldexp(1.0, -14));
        }
      }
}
END_TEST

START_TEST(test_quantizer_known_values) {
  /* int4, one group of 8, symmetric absmax: s = 7 / 7 = 1, values rounded ties to even. */
  bitblas_matmul_config cfg;
  config_for(&cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_INT4, 1, 8, -1, 1, BITBLAS_ZEROS_NONE);
  const float W[8] = {7, -7, 0.5f, 1.5f, -2.5f, 3.2f, -0.4f, 0};
  int8_t values[8];
  uint16_t scale;
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, &scale, NULL), BITBLAS_OK);
  const int8_t expected[8] = {7, -7, 0, 2, -2, 3, 0, 0};
  ck_assert_mem_eq(values, expected, 8);
  ck_assert_double_eq(bb_half_to_float(scale), 1.0);

  /* uint4 with quantized zeros on [-1, 2]: s = 3/15 = 0.2, qz = round(1/0.2) = 5. */
  config_for(&cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 1, 8, -1, 1,
             BITBLAS_ZEROS_QUANTIZED);
  const float W2[8] = {-1, 2, 0, 0.2f, 0.4f, 1, -0.6f, 1.8f};
  uint8_t qzero;
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W2, values, &scale, &qzero), BITBLAS_OK);
  ck_assert_uint_eq(qzero, 5);
  ck_assert_double_eq_tol(bb_half_to_float(scale), 0.2, 1e-3);
  const int8_t expected2[8] = {0, 15, 5, 6, 7, 10, 2, 14};
  ck_assert_mem_eq(values, expected2, 8);

  /* int1: the signs, scale mean |w| = 1.5. */
  config_for(&cfg, BITBLAS_DTYPE_BFLOAT16, BITBLAS_DTYPE_INT1, 1, 8, -1, 1, BITBLAS_ZEROS_NONE);
  const float W3[8] = {1, -2, 1, -2, 1, -2, 0, -3};
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W3, values, &scale, NULL), BITBLAS_OK);
  const int8_t expected3[8] = {1, -1, 1, -1, 1, -1, 1, -1};
  ck_assert_mem_eq(values, expected3, 8);
  ck_assert_double_eq(bb_bfloat16_to_float(scale), 1.5);
}
END_TEST

START_TEST(test_quantizer_refusals) {
  bitblas_matmul_config cfg;
  float W[16] = {0};
  int8_t values[16];
  uint16_t scales[2], zeros[2];
  config_for(&cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_FLOAT16, 1, 16, -1, 0, BITBLAS_ZEROS_NONE);
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, NULL, NULL), BITBLAS_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "float16"));

  config_for(&cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT4, 1, 16, 8, 1, BITBLAS_ZEROS_ORIGINAL);
  W[9] = NAN;
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, scales, zeros),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "row 0, column 9"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "finite"));
  W[9] = 0;
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, scales, NULL),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "zeros = NULL"));
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, NULL, zeros), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "scales = NULL"));
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, scales, zeros), BITBLAS_OK);
  ck_assert_str_eq(bitblas_last_error(), "");

  /* A scale beyond float16's range. */
  config_for(&cfg, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_INT4, 1, 16, -1, 1, BITBLAS_ZEROS_NONE);
  W[3] = 1e6f;
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, scales, NULL),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "scale"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "does not fit float16"));

  /* An invalid config: the validator's words. */
  cfg.K = 12;
  ck_assert_int_eq(bitblas_weight_quantize(&cfg, W, values, scales, NULL),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "K = 12"));
}
END_TEST

static Suite *reference_suite(void) {
  Suite *suite = suite_create("reference");
  TCase *by_hand = tcase_create("by_hand");
  tcase_add_test(by_hand, test_no_scaling_uint4);
  tcase_add_test(by_hand, test_scale_only_int4_group8_bias);
  tcase_add_test(by_hand, test_zeros_original_bfloat16);
  tcase_add_test(by_hand, test_zeros_rescale_float16);
  tcase_add_test(by_hand, test_zeros_quantized_float16);
  tcase_add_test(by_hand, test_nf4_and_float8_and_plain_float16);
  tcase_add_test(by_hand, test_int8_int32_exact);
  tcase_add_test(by_hand, test_int8_scales_a_scale_bias);
  tcase_add_test(by_hand, test_reference_refusals);
  tcase_add_test(by_hand, test_error_sum_floors_cancelled_outputs);
  suite_add_tcase(suite, by_hand);

  TCase *random = tcase_create("random");
  tcase_set_timeout(random, 120);
  tcase_add_test(random, test_subset_equals_full);
  tcase_add_test(random, test_operands_remake_activations);
  tcase_add_test(random, test_operands_float8_codes);
  tcase_add_test(random, test_operands_float_weights);
  suite_add_tcase(suite, random);

  TCase *quantizer = tcase_create("quantizer");
  tcase_set_timeout(quantizer, 120);
  tcase_add_test(quantizer, test_quantizer_round_trip_every_format);
  tcase_add_test(quantizer, test_quantizer_without_scaling_and_int8);
  tcase_add_test(quantizer, test_quantizer_small_weights_float16_scales);
  tcase_add_test(quantizer, test_quantizer_known_values);
  tcase_add_test(quantizer, test_quantizer_refusals);
  suite_add_tcase(suite, quantizer);
  return suite;
}

int main(void) { return bb_test_run_suite(reference_suite()); }
