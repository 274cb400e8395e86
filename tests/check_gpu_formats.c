/*
 * check_gpu_formats.c - every supported (A, W, scaling/zeros, output) combination through the
 * public API (tuned by the worker, stored, run on our stream) against the float64 reference on
 * every output, with group sizes -1/32/128 and awkward shapes walked across the combinations;
 * and dynamic M: every m from 1 to 70 and a few up to 2000 on one operator.
 * Tolerances: bb_test_tolerance (float16/float32 out 2e-3, bfloat16 1e-2, int32 exact).
 * GPU suite: exits 77 without a device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu_support.h"
#include "test_support.h"

static bitblas_context *ctx;
static bb_rng rng;

static const bitblas_dtype activations[] = {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_BFLOAT16,
                                            BITBLAS_DTYPE_INT8};
static const bitblas_dtype outputs[] = {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_BFLOAT16,
                                        BITBLAS_DTYPE_FLOAT32, BITBLAS_DTYPE_INT32};
/* Scaling variants: no scaling, scale only, then each zeros mode (with scales). */
static const struct {
  int with_scaling;
  bitblas_zeros_mode zeros;
} scalings[] = {{0, BITBLAS_ZEROS_NONE},
                {1, BITBLAS_ZEROS_NONE},
                {1, BITBLAS_ZEROS_ORIGINAL},
                {1, BITBLAS_ZEROS_RESCALE},
                {1, BITBLAS_ZEROS_QUANTIZED}};
static const int64_t sizes_m[] = {1, 7, 16, 33, 128, 1000};
static const int64_t sizes_n[] = {1, 2880, 4096};
static const int64_t sizes_k[] = {4096, 2880};
static const int64_t groups[] = {-1, 32, 128};

static int check_config(const bitblas_matmul_config *cfg) {
  char text[512];
  bitblas_matmul_config_describe(cfg, text, sizeof text);
  bitblas_op *op = NULL;
  bitblas_status status = bitblas_op_get(ctx, cfg, &op);
  if (status != BITBLAS_OK) {
    fprintf(stderr, "FAIL %s: op_get: %s\n", text, bitblas_last_error());
    return 1;
  }
  const bb_test_check check = bb_test_run_and_check(op, cfg->M, &rng);
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  bitblas_op_release(op);
  const double tolerance = bb_test_tolerance(cfg);
  const int ok = check.ran && !check.poison_differs && check.mismatches == 0 &&
                 check.relative_error <= tolerance;
  fprintf(stderr, "%s %s | %s | rel %.2e (tol %.0e) mismatches %lld%s %s\n", ok ? "ok  " : "FAIL",
          text, info.schedule, check.relative_error, tolerance, (long long)check.mismatches,
          check.poison_differs ? " UNWRITTEN" : "", check.message);
  return ok ? 0 : 1;
}

START_TEST(test_every_combination) {
  int index = 0, failures = 0, configs = 0;
  for (size_t a = 0; a < sizeof activations / sizeof activations[0]; a++) {
    for (int w = 0; w < BITBLAS_DTYPE_COUNT; w++) {
      for (size_t s = 0; s < sizeof scalings / sizeof scalings[0]; s++) {
        /* Outputs are walked across the combinations: the first valid one from index on. */
        for (size_t attempt = 0; attempt < sizeof outputs / sizeof outputs[0]; attempt++) {
          bitblas_matmul_config cfg;
          bitblas_matmul_config_init(&cfg);
          cfg.A_dtype = activations[a];
          cfg.W_dtype = (bitblas_dtype)w;
          cfg.accum_dtype =
              activations[a] == BITBLAS_DTYPE_INT8 ? BITBLAS_DTYPE_INT32 : BITBLAS_DTYPE_FLOAT32;
          /* int8 activations without scales: every other weight format takes the raw int32
           * sums, so the exact path is always in the walk. */
          const int raw_sums =
              activations[a] == BITBLAS_DTYPE_INT8 && !scalings[s].with_scaling && w % 2 == 0;
          cfg.out_dtype = raw_sums ? BITBLAS_DTYPE_INT32 : outputs[(index + attempt) % 4];
          cfg.with_scaling = scalings[s].with_scaling;
          cfg.zeros_mode = scalings[s].zeros;
          cfg.with_bias = index & 1;
          cfg.with_a_scale = activations[a] == BITBLAS_DTYPE_INT8 &&
                             cfg.out_dtype != BITBLAS_DTYPE_INT32 && (index & 2);
          cfg.M = sizes_m[index % 6];
          cfg.N = sizes_n[(index / 6) % 3];
          cfg.K = sizes_k[(index / 2) % 2];
          cfg.group_size = groups[(index / 3) % 3];
          if (cfg.K % cfg.group_size != 0) cfg.group_size = 32;
          if (activations[a] == BITBLAS_DTYPE_INT8) cfg.group_size = -1;
          if (bitblas_matmul_config_validate(&cfg) != BITBLAS_OK) continue; /* unsupported */
          index++;
          configs++;
          failures += check_config(&cfg);
          break;
        }
      }
    }
  }
  fprintf(stderr, "format matrix: %d supported combinations, %d failures\n", configs, failures);
  ck_assert_int_ge(configs, 90);
  ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(test_dynamic_m) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.M = 2048;
  cfg.N = 520;
  cfg.K = 1024;
  cfg.group_size = 128;
  cfg.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
  cfg.with_bias = 1;
  cfg.dynamic_m = 1;
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_int_eq(bitblas_op_config(op)->m_bucket_count, 8);
  int64_t ms[80];
  int count = 0;
  for (int64_t m = 1; m <= 70; m++) ms[count++] = m;
  const int64_t larger[] = {100, 255, 256, 257, 513, 1024, 1025, 2000};
  for (size_t i = 0; i < sizeof larger / sizeof larger[0]; i++) ms[count++] = larger[i];
  int failures = 0;
  for (int i = 0; i < count; i++) {
    const bb_test_check check = bb_test_run_and_check(op, ms[i], &rng);
    const int ok =
        check.ran && !check.poison_differs && check.relative_error <= bb_test_tolerance(&cfg);
    if (!ok) {
      failures++;
      fprintf(stderr, "FAIL dynamic m=%lld: rel %.2e%s %s\n", (long long)ms[i],
              check.relative_error, check.poison_differs ? " UNWRITTEN" : "", check.message);
    }
  }
  bitblas_op_release(op);
  ck_assert_int_eq(failures, 0);
}
END_TEST

int main(void) {
  if (!bb_test_gpu_open()) return BB_TEST_SKIP;
  char dir[4096];
  if (!bb_test_gpu_tuning_context(dir, sizeof dir, &ctx)) return 1;
  bb_test_rng_seed(&rng);
  Suite *suite = suite_create("gpu_formats");
  TCase *tc = tcase_create("formats");
  tcase_set_timeout(tc, 1500);
  tcase_add_test(tc, test_every_combination);
  tcase_add_test(tc, test_dynamic_m);
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite_in_process(suite);
  bitblas_context_destroy(ctx);
  bb_test_remove_tree(dir);
  return failed;
}
