/*
 * check_runtime.c - the public entry points on a machine without a usable CUDA driver: the
 * library loads, every GPU call returns a clear status and words, NULL handles are harmless, and
 * the version the library reports is the header's. CPU only; forces "no driver" through
 * BITBLAS_LIBCUDA so it holds on GPU machines too.
 */
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

START_TEST(test_version_matches_the_header) {
  ck_assert_str_eq(bitblas_version(), BITBLAS_VERSION_STRING);
  ck_assert_int_eq(bitblas_version_number(), BITBLAS_VERSION_NUMBER);
  ck_assert_int_eq(BITBLAS_VERSION_NUMBER, BITBLAS_VERSION_MAJOR * 1000000 +
                                               BITBLAS_VERSION_MINOR * 1000 +
                                               BITBLAS_VERSION_PATCH);
}
END_TEST

START_TEST(test_context_without_driver_is_a_clear_status) {
  bitblas_context *ctx = (bitblas_context *)&ctx; /* must be reset to NULL */
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_NO_DRIVER);
  ck_assert_ptr_null(ctx);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "/nonexistent/libcuda.so.1"));
  /* Asking again gives the same answer (the failed load is remembered, not retried badly). */
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_NO_DRIVER);
  ck_assert_ptr_null(ctx);
}
END_TEST

START_TEST(test_null_arguments_are_refused_or_harmless) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.N = 64;
  cfg.K = 64;
  bitblas_op *op = (bitblas_op *)&op;
  ck_assert_int_eq(bitblas_op_get(NULL, &cfg, &op), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_null(op);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "ctx"));
  ck_assert_int_eq(bitblas_context_create(0, NULL), BITBLAS_INVALID_ARGUMENT);
  bitblas_matmul_args args;
  memset(&args, 0, sizeof args);
  ck_assert_int_eq(bitblas_op_run(NULL, &args, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(bitblas_op_transform_weight(NULL, NULL, NULL, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_uint_eq(bitblas_op_weight_bytes(NULL), 0);
  ck_assert_ptr_null(bitblas_op_config(NULL));
  bitblas_op_info info;
  memset(&info, 0xff, sizeof info);
  bitblas_op_info_get(NULL, &info);
  ck_assert_int_eq(info.tuned_now, 0);
  ck_assert_str_eq(bitblas_context_device_name(NULL), "");
  ck_assert_str_eq(bitblas_context_cache_path(NULL), "");
  ck_assert_str_eq(bitblas_context_cache_warning(NULL), "");
  bitblas_op_release(NULL);
  bitblas_context_destroy(NULL);
}
END_TEST

START_TEST(test_success_clears_the_last_error) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.N = 64;
  cfg.K = 60; /* not a multiple of 8 */
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_INVALID_ARGUMENT);
  ck_assert_str_ne(bitblas_last_error(), "");
  cfg.K = 64;
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  ck_assert_str_eq(bitblas_last_error(), "");
}
END_TEST

int main(void) {
  setenv("BITBLAS_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
  Suite *suite = suite_create("runtime");
  TCase *tc = tcase_create("no_driver");
  tcase_add_test(tc, test_version_matches_the_header);
  tcase_add_test(tc, test_context_without_driver_is_a_clear_status);
  tcase_add_test(tc, test_null_arguments_are_refused_or_harmless);
  tcase_add_test(tc, test_success_clears_the_last_error);
  suite_add_tcase(suite, tc);
  return bb_test_run_suite(suite);
}
