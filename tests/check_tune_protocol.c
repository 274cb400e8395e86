/*
 * check_tune_protocol.c - the caller's side of tuning (tuner/tune.c) against a fake worker that
 * speaks the worker's line protocol without a GPU (tests/support/fake_worker.sh): the fastest
 * correct candidate wins and its cubin comes back; a worker that dies (silently or after reporting
 * a lost context) or stops answering while a candidate runs costs that candidate only and a new
 * worker finishes the rest; all-wrong, a refused request and a missing worker are clear errors; no
 * child is left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_support.h"
#include "tune.h"

static char temp_dir[4096];

static bitblas_matmul_config small_config(void) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.N = 64;
  cfg.K = 64;
  return cfg;
}

/* Runs bb_tune with the fake worker in `mode`, from a fresh state. */
static bitblas_status tune_with(const char *mode, bb_tune_result *result) {
  char state[4200];
  snprintf(state, sizeof state, "%s/state-%s", temp_dir, mode);
  remove(state);
  setenv("FAKE_WORKER_MODE", mode, 1);
  setenv("FAKE_WORKER_STATE", state, 1);
  setenv("BITBLAS_WORKER", BITBLAS_TEST_SOURCE_DIR "/tests/support/fake_worker.sh", 1);
  setenv("BITBLAS_TUNE_TIMEOUT", "1", 1);
  setenv("TMPDIR", temp_dir, 1);
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  const bitblas_matmul_config cfg = small_config();
  bitblas_status status = bb_tune(&worker, 0, &cfg, result);
  bb_worker_stop(&worker);
  ck_assert_int_eq(worker.pid, 0);
  /* Every worker started was reaped: this process has no children left. */
  ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
  ck_assert_int_eq(errno, ECHILD);
  return status;
}

START_TEST(test_fastest_correct_candidate_wins) {
  bb_tune_result result;
  ck_assert_msg(tune_with("ok", &result) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_int_eq(result.winner, 2);
  ck_assert_uint_eq(result.cubin_size, strlen("cubin-2"));
  ck_assert_int_eq(memcmp(result.cubin, "cubin-2", result.cubin_size), 0);
  ck_assert_double_eq_tol(result.us, 8.0, 1e-9);
  ck_assert_int_eq(result.nvrtc_version, 13000);
  ck_assert_int_eq(result.workers_started, 1);
  for (int i = 0; i < 3; i++) ck_assert_int_eq(result.results[i].outcome, BB_CANDIDATE_OK);
  ck_assert_int_gt(result.candidate_count, 3);
  ck_assert_int_eq(result.results[3].outcome, BB_CANDIDATE_NOT_RUN);
  ck_assert_ptr_nonnull(strstr(result.results[3].message, "not run"));
  bb_tune_result_free(&result);
}
END_TEST

/* Tuning in `mode` loses candidate `lost` only (with `outcome` and `words` in its message),
 * starts a second worker for the rest, and still picks candidate 2. */
static void assert_one_candidate_lost(const char *mode, int lost, bb_candidate_outcome outcome,
                                      const char *words) {
  bb_tune_result result;
  ck_assert_msg(tune_with(mode, &result) == BITBLAS_OK, "%s", bitblas_last_error());
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(result.results[i].outcome, i == lost ? outcome : BB_CANDIDATE_OK);
  ck_assert_ptr_nonnull(strstr(result.results[lost].message, words));
  ck_assert_int_eq(result.winner, 2);
  ck_assert_int_eq(result.workers_started, 2);
  bb_tune_result_free(&result);
}

START_TEST(test_crash_costs_one_candidate) {
  assert_one_candidate_lost("crash", 0, BB_CANDIDATE_CRASHED, "worker");
}
END_TEST

START_TEST(test_reported_crash_costs_one_candidate) {
  assert_one_candidate_lost("trap", 0, BB_CANDIDATE_CRASHED, "ILLEGAL_INSTRUCTION");
}
END_TEST

START_TEST(test_hang_costs_one_candidate) {
  assert_one_candidate_lost("hang", 1, BB_CANDIDATE_HUNG, "BITBLAS_TUNE_TIMEOUT");
}
END_TEST

START_TEST(test_all_wrong_is_an_error_listing_them) {
  bb_tune_result result;
  ck_assert_int_eq(tune_with("wrong", &result), BITBLAS_NO_VALID_CANDIDATE);
  ck_assert_int_eq(result.winner, -1);
  ck_assert_ptr_null(result.cubin);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "wrong relative error"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "not run"));
  bb_tune_result_free(&result);
}
END_TEST

START_TEST(test_refused_request_passes_the_status_on) {
  bb_tune_result result;
  ck_assert_int_eq(tune_with("error", &result), BITBLAS_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "no CUDA device (fake)"));
  bb_tune_result_free(&result);
}
END_TEST

START_TEST(test_missing_worker_is_a_clear_error) {
  setenv("BITBLAS_WORKER", "/nonexistent/bitblas-worker", 1);
  setenv("TMPDIR", temp_dir, 1);
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  bb_tune_result result;
  const bitblas_matmul_config cfg = small_config();
  ck_assert_int_eq(bb_tune(&worker, 0, &cfg, &result), BITBLAS_WORKER_FAILED);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "BITBLAS_WORKER=/nonexistent/bitblas-worker"));
  ck_assert_int_eq(worker.pid, 0);
  bb_tune_result_free(&result);
}
END_TEST

int main(void) {
  bb_test_temp_dir(temp_dir, sizeof temp_dir);
  Suite *suite = suite_create("tune_protocol");
  TCase *tc = tcase_create("protocol");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_fastest_correct_candidate_wins);
  tcase_add_test(tc, test_crash_costs_one_candidate);
  tcase_add_test(tc, test_reported_crash_costs_one_candidate);
  tcase_add_test(tc, test_hang_costs_one_candidate);
  tcase_add_test(tc, test_all_wrong_is_an_error_listing_them);
  tcase_add_test(tc, test_refused_request_passes_the_status_on);
  tcase_add_test(tc, test_missing_worker_is_a_clear_error);
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite(suite);
  bb_test_remove_tree(temp_dir);
  return failed;
}
