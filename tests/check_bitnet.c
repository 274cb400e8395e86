/*
 * check_bitnet.c - the BitNet b1.58 layer's host side (src/bitnet.c): its config, the weight
 * quantizer (per block of rows, ties to even, clamped to -1 .. 1), the activation quantizer's
 * reference (float32 steps, ties to even, NaN to 0), and refused inputs with the words that
 * name the field and the rule. The GPU side is check_gpu_bitnet.c; argument checks of the GPU
 * calls run against a fake driver in check_op.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "operands.h"
#include "test_support.h"

static void assert_refused(bitblas_status status, const char *words) {
  ck_assert_int_eq(status, BITBLAS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(bitblas_last_error(), words) != NULL, "message \"%s\" lacks \"%s\"",
                bitblas_last_error(), words);
}

START_TEST(test_config_is_a_valid_int8_ternary_operator) {
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, 3840, 2560);
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  ck_assert_int_eq(cfg.A_dtype, BITBLAS_DTYPE_INT8);
  ck_assert_int_eq(cfg.W_dtype, BITBLAS_DTYPE_INT2);
  ck_assert_int_eq(cfg.accum_dtype, BITBLAS_DTYPE_INT32);
  ck_assert_int_eq(cfg.out_dtype, BITBLAS_DTYPE_FLOAT16);
  ck_assert_int_eq(cfg.group_size, -1);
  ck_assert_int_eq(cfg.with_scaling, 1);
  ck_assert_int_eq(cfg.zeros_mode, BITBLAS_ZEROS_NONE);
  ck_assert_int_eq(cfg.with_a_scale, 1);
  ck_assert_int_eq(cfg.dynamic_m, 1);
  cfg.out_dtype = BITBLAS_DTYPE_BFLOAT16;
  cfg.with_bias = 1;
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  bitblas_bitnet_config_init(NULL, 1, 8); /* harmless */
}
END_TEST

START_TEST(test_weights_by_hand) {
  /* One block of 2 x 4 with mean |W| exactly 1: W * sw = W. 0.5 and -2.5 are ties (to even:
   * 0 and -2, then clamped); 1.5 rounds to 2 and clamps. */
  const float W[8] = {0.5f, -2.5f, 1.5f, 0.0f, -0.25f, 0.75f, -1.0f, 1.5f};
  int8_t q[8];
  float scale[2];
  ck_assert_int_eq(bitblas_bitnet_weight_quantize(2, 4, W, 0, NULL, q, scale), BITBLAS_OK);
  const int8_t want[8] = {0, -1, 1, 0, 0, 1, -1, 1};
  for (int i = 0; i < 8; i++) ck_assert_msg(q[i] == want[i], "q[%d] = %d", i, q[i]);
  ck_assert(scale[0] == 1.0f && scale[1] == 1.0f);
  /* Two blocks: a row of zeros (mean clamped to 1e-5: all zeros) and a row of its own. */
  const float W2[8] = {0, 0, 0, 0, 3.0f, -3.0f, 1.0f, 0.0f};
  const int64_t rows[2] = {1, 1};
  ck_assert_int_eq(bitblas_bitnet_weight_quantize(2, 4, W2, 2, rows, q, scale), BITBLAS_OK);
  const int8_t want2[8] = {0, 0, 0, 0, 1, -1, 1, 0}; /* mean 1.75: 1 / 1.75 = 0.57 -> 1 */
  for (int i = 0; i < 8; i++) ck_assert_msg(q[i] == want2[i], "q[%d] = %d", i, q[i]);
  ck_assert(scale[0] == (float)1e-5);
  ck_assert(scale[1] == 1.75f);
}
END_TEST

START_TEST(test_weights_random_blocks) {
  bb_rng rng;
  bb_test_rng_seed(&rng);
  const int64_t N = 37, K = 24, rows[3] = {20, 9, 8};
  float W[37 * 24];
  for (int i = 0; i < N * K; i++) {
    const int block = i / K < 20 ? 0 : i / K < 29 ? 1 : 2;
    W[i] = (float)bb_rng_uniform(&rng, -1.0, 1.0) * (float)(1 << (2 * block));
  }
  int8_t q[37 * 24];
  float scale[37];
  ck_assert_int_eq(bitblas_bitnet_weight_quantize(N, K, W, 3, rows, q, scale), BITBLAS_OK);
  int64_t first = 0;
  for (int b = 0; b < 3; b++) {
    double sum = 0;
    for (int64_t i = first * K; i < (first + rows[b]) * K; i++) sum += fabs((double)W[i]);
    const double mean = sum / (double)(rows[b] * K);
    for (int64_t r = first; r < first + rows[b]; r++) {
      ck_assert_msg(scale[r] == (float)mean, "row %lld: scale %g, mean %g", (long long)r,
                    (double)scale[r], mean);
      for (int64_t k = 0; k < K; k++) {
        const double v = (double)W[r * K + k] / mean;
        const int want = v > 1.5 ? 1 : v < -1.5 ? -1 : (int)bb_round_half_even(v);
        ck_assert_msg(q[r * K + k] == want, "q[%lld, %lld] = %d, want %d (W / mean %g)",
                      (long long)r, (long long)k, q[r * K + k], want, v);
      }
    }
    first += rows[b];
  }
}
END_TEST

START_TEST(test_weights_refused) {
  const float W[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  int8_t q[8];
  float scale[2];
  assert_refused(bitblas_bitnet_weight_quantize(0, 4, W, 0, NULL, q, scale), "N = 0");
  assert_refused(bitblas_bitnet_weight_quantize(2, -1, W, 0, NULL, q, scale), "K = -1");
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, NULL, 0, NULL, q, scale), "W, q and");
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, W, 0, NULL, q, NULL), "weight_scale");
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, W, -1, NULL, q, scale), "block_count = -1");
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, W, 1, NULL, q, scale), "block_rows = NULL");
  const int64_t empty[2] = {2, 0}, short_rows[1] = {1}, long_rows[2] = {1, 2};
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, W, 2, empty, q, scale),
                 "block_rows[1] = 0: a block must have at least one row");
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, W, 1, short_rows, q, scale),
                 "must add up to N = 2");
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, W, 2, long_rows, q, scale),
                 "block_rows[1] = 2: the blocks' rows pass N = 2");
  float bad[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  bad[6] = NAN;
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, bad, 0, NULL, q, scale),
                 "W[1, 2] = nan: weights must be finite");
  bad[6] = INFINITY;
  assert_refused(bitblas_bitnet_weight_quantize(2, 4, bad, 0, NULL, q, scale), "W[1, 2] = inf");
}
END_TEST

START_TEST(test_activations_by_hand) {
  /* Row 0: max |x| = 2, si = 63.5: 1 -> 63.5 (a tie: 64), -2 -> -127, 0.5 -> 31.75 -> 32,
   * -0.25 -> -15.875 -> -16. Row 1: zeros (bound 1e-5). Row 2: a NaN (passed over by the max,
   * quantized to 0) beside 3 -> 127 and -0.75 -> -31.75 -> -32. */
  const float rows[12] = {1.0f, -2.0f, 0.5f, -0.25f, 0, 0, 0, 0, NAN, 3.0f, -0.75f, 0.0f};
  uint16_t halves[12], bhalves[12];
  for (int i = 0; i < 12; i++) {
    halves[i] = bb_float_to_half(rows[i]);
    bhalves[i] = bb_float_to_bfloat16(rows[i]);
  }
  const int8_t want[12] = {64, -127, 32, -16, 0, 0, 0, 0, 0, 127, -32, 0};
  const float want_scale[3] = {2.0f / 127.0f, 1e-5f / 127.0f, 3.0f / 127.0f};
  const struct {
    bitblas_dtype dtype;
    const void *x;
  } inputs[3] = {{BITBLAS_DTYPE_FLOAT16, halves},
                 {BITBLAS_DTYPE_BFLOAT16, bhalves},
                 {BITBLAS_DTYPE_FLOAT32, rows}};
  for (int d = 0; d < 3; d++) {
    int8_t q[12];
    float scale[3];
    ck_assert_int_eq(
        bitblas_reference_activation_quantize(inputs[d].dtype, 3, 4, inputs[d].x, q, scale),
        BITBLAS_OK);
    for (int i = 0; i < 12; i++)
      ck_assert_msg(q[i] == want[i], "%s: q[%d] = %d, want %d", bitblas_dtype_name(inputs[d].dtype),
                    i, q[i], want[i]);
    for (int r = 0; r < 3; r++)
      ck_assert_msg(scale[r] == want_scale[r], "%s: a_scale[%d] = %.9g",
                    bitblas_dtype_name(inputs[d].dtype), r, (double)scale[r]);
  }
}
END_TEST

START_TEST(test_activations_clamp_and_round_trip) {
  /* Random rows: |x_q| <= 127 with the row's largest magnitude at +-127, and x_q * a_scale
   * within half a step of x. */
  bb_rng rng;
  bb_test_rng_seed(&rng);
  enum { ROWS = 5, K = 64 };
  float x[ROWS * K];
  for (int i = 0; i < ROWS * K; i++)
    x[i] = (float)bb_rng_uniform(&rng, -1.0, 1.0) * (float)(1 << (i / K));
  int8_t q[ROWS * K];
  float scale[ROWS];
  ck_assert_int_eq(
      bitblas_reference_activation_quantize(BITBLAS_DTYPE_FLOAT32, ROWS, K, x, q, scale),
      BITBLAS_OK);
  for (int r = 0; r < ROWS; r++) {
    int largest = 0;
    for (int k = 0; k < K; k++) {
      const int v = q[r * K + k];
      ck_assert(v >= -127 && v <= 127);
      if (abs(v) > largest) largest = abs(v);
      ck_assert_msg(fabs((double)v * scale[r] - (double)x[r * K + k]) <= 0.5001 * scale[r],
                    "row %d k %d: %d * %g vs %g", r, k, v, (double)scale[r], (double)x[r * K + k]);
    }
    ck_assert_int_eq(largest, 127);
  }
}
END_TEST

START_TEST(test_activations_refused) {
  const float x[8] = {0};
  int8_t q[8];
  float scale[1];
  assert_refused(bitblas_reference_activation_quantize(BITBLAS_DTYPE_INT8, 1, 8, x, q, scale),
                 "x_dtype = int8");
  assert_refused(bitblas_reference_activation_quantize(BITBLAS_DTYPE_FLOAT32, 0, 8, x, q, scale),
                 "m = 0");
  assert_refused(bitblas_reference_activation_quantize(BITBLAS_DTYPE_FLOAT32, 1, 8, x, NULL, scale),
                 "must not be NULL");
}
END_TEST

START_TEST(test_gpu_calls_refuse_a_null_operator) {
  ck_assert_uint_eq(bitblas_bitnet_workspace_bytes(NULL, 4), 0);
  int8_t q[8];
  float scale[1];
  const float x[8] = {0};
  assert_refused(bitblas_bitnet_activation_quantize(NULL, 1, x, q, scale, NULL), "op");
  assert_refused(bitblas_bitnet_run(NULL, NULL, NULL), "args");
  const bitblas_bitnet_args args = {1, x, x, scale, NULL, q, q};
  assert_refused(bitblas_bitnet_run(NULL, &args, NULL), "op: must not be NULL");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bitnet");
  TCase *tc = tcase_create("host");
  tcase_add_test(tc, test_config_is_a_valid_int8_ternary_operator);
  tcase_add_test(tc, test_weights_by_hand);
  tcase_add_test(tc, test_weights_random_blocks);
  tcase_add_test(tc, test_weights_refused);
  tcase_add_test(tc, test_activations_by_hand);
  tcase_add_test(tc, test_activations_clamp_and_round_trip);
  tcase_add_test(tc, test_activations_refused);
  tcase_add_test(tc, test_gpu_calls_refuse_a_null_operator);
  suite_add_tcase(suite, tc);
  return bb_test_run_suite(suite);
}
