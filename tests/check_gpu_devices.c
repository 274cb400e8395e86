/*
 * check_gpu_devices.c - contexts on two devices of one process, side by side: each operator
 * belongs to its context's device and computes right there; a kernel tuned on one card is loaded
 * from the cache by an identical card (one row for both), and two devices asking for the same
 * untuned shape at the same moment tune it once; given-sums kernels take their workspace on their
 * own device. GPU suite: exits 77 with fewer than two devices.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_support.h"
#include "test_support.h"

static char temp_dir[4096];
static int cards_identical; /* devices 0 and 1 have one cache key: name, capability, SMs */

static void use_fresh_cache(const char *name) {
  char path[4300];
  snprintf(path, sizeof path, "%s/%s.db", temp_dir, name);
  setenv("BITBLAS_CACHE", path, 1);
}

/* One integer from the cache file in use, through plain SQL. */
static int64_t cache_integer(const char *sql) {
  return bb_test_sql_integer(getenv("BITBLAS_CACHE"), sql);
}

/* float16 x uint4 in groups of 128 with scales and zeros. */
static bitblas_matmul_config w4a16(int64_t M, int64_t N, int64_t K) {
  return bb_test_scaled_config(M, N, K, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
}

/* What the cache key says of a device: name, compute capability and SM count. */
static void describe_device(int ordinal, char *out, size_t size) {
  const bb_cuda_api *cu = bb_test_cu();
  CUdevice device;
  char name[256] = "";
  int major = 0, minor = 0, sms = 0;
  cu->DeviceGet(&device, ordinal);
  cu->DeviceGetName(name, (int)sizeof name, device);
  cu->DeviceGetAttribute(&major, BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, device);
  cu->DeviceGetAttribute(&minor, BB_CU_ATTR_COMPUTE_CAPABILITY_MINOR, device);
  cu->DeviceGetAttribute(&sms, BB_CU_ATTR_MULTIPROCESSOR_COUNT, device);
  snprintf(out, size, "%s (sm %d%d, %d SMs)", name, major, minor, sms);
}

/* Runs bb_test_run_and_check with device `ordinal`'s primary context current on this thread,
 * so that the operands are allocated on the operator's own device. */
static bb_test_check check_on_device(int ordinal, const bitblas_op *op, int64_t m, bb_rng *rng) {
  const bb_cuda_api *cu = bb_test_cu();
  bb_test_check check;
  memset(&check, 0, sizeof check);
  CUdevice device;
  CUcontext context;
  if (cu->DeviceGet(&device, ordinal) != 0 || cu->DevicePrimaryCtxRetain(&context, device) != 0) {
    snprintf(check.message, sizeof check.message, "device %d: no primary context", ordinal);
    return check;
  }
  if (cu->CtxPushCurrent(context) != 0) {
    snprintf(check.message, sizeof check.message, "device %d: cannot make it current", ordinal);
  } else {
    check = bb_test_run_and_check(op, m, rng);
    CUcontext popped;
    cu->CtxPopCurrent(&popped);
  }
  cu->DevicePrimaryCtxRelease(device);
  return check;
}

static void assert_checked(const bb_test_check *check, const bitblas_op *op, int ordinal) {
  ck_assert_msg(check->ran, "device %d: run failed: %s", ordinal, check->message);
  ck_assert_msg(!check->poison_differs, "device %d: some outputs were not written", ordinal);
  ck_assert_msg(check->relative_error <= bb_test_tolerance(bitblas_op_config(op)),
                "device %d: relative error %g", ordinal, check->relative_error);
}

START_TEST(test_identical_card_loads_the_row) {
  use_fresh_cache("identical_card");
  bb_rng rng;
  bb_test_rng_seed(&rng);
  const bitblas_matmul_config cfg = w4a16(1, 2880, 4096);
  bitblas_context *first = NULL, *second = NULL;
  ck_assert_msg(bitblas_context_create(0, &first) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_msg(bitblas_context_create(1, &second) == BITBLAS_OK, "%s", bitblas_last_error());

  bitblas_op *op0 = NULL, *op1 = NULL;
  bitblas_op_info info;
  ck_assert_msg(bitblas_op_get(first, &cfg, &op0) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_info_get(op0, &info);
  ck_assert_int_eq(info.tuned_now, 1);
  ck_assert_msg(bitblas_op_get(second, &cfg, &op1) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_ptr_ne(op0, op1); /* each context has its own operator, on its own device */
  bitblas_op_info_get(op1, &info);
  /* An identical card reuses the row; a different one tunes its own. */
  ck_assert_int_eq(info.from_cache, cards_identical);
  ck_assert_int_eq(info.tuned_now, !cards_identical);
  ck_assert_int_eq(cache_integer("SELECT count(*) FROM kernels"), cards_identical ? 1 : 2);

  /* Each operator runs on its own device, the two interleaved, whatever context is current. */
  for (int round = 0; round < 2; round++) {
    bb_test_check check = check_on_device(0, op0, 1, &rng);
    assert_checked(&check, op0, 0);
    check = check_on_device(1, op1, 1, &rng);
    assert_checked(&check, op1, 1);
  }
  bitblas_op_release(op0);
  bitblas_op_release(op1);
  bitblas_context_destroy(second);
  bitblas_context_destroy(first);
}
END_TEST

/* Given-sums kernels (sums=given: two kernels per run and workspace memory from bitblas's pool)
 * on both devices: each run's workspace comes from the pool of the operator's own device, so
 * both compute right, runs on the two interleaved. A workspace on the other device would not be
 * reachable from the kernel: the run would fail or read the wrong memory. */
START_TEST(test_given_sums_on_each_device) {
  use_fresh_cache("given_sums");
  bb_rng rng;
  bb_test_rng_seed(&rng);
  bitblas_matmul_config cfg =
      bb_test_scaled_config(16, 2880, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL);
  cfg.with_bias = 1;
  char text[2][160];
  for (int d = 0; d < 2; d++) bb_test_store_given_sums_twin(d, &cfg, text[d], sizeof text[d]);

  bitblas_context *ctx[2] = {NULL, NULL};
  bitblas_op *op[2] = {NULL, NULL};
  for (int d = 0; d < 2; d++) {
    ck_assert_msg(bitblas_context_create(d, &ctx[d]) == BITBLAS_OK, "%s", bitblas_last_error());
    ck_assert_msg(bitblas_op_get(ctx[d], &cfg, &op[d]) == BITBLAS_OK, "%s", bitblas_last_error());
    bitblas_op_info info;
    bitblas_op_info_get(op[d], &info);
    ck_assert_int_eq(info.from_cache, 1);
    ck_assert_str_eq(info.schedule, text[d]);
  }
  const int64_t rows[] = {16, 3, 9};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    for (int d = 0; d < 2; d++) {
      const bb_test_check check = check_on_device(d, op[d], rows[i], &rng);
      assert_checked(&check, op[d], d);
    }
  for (int d = 0; d < 2; d++) {
    bitblas_op_release(op[d]);
    bitblas_context_destroy(ctx[d]);
  }
}
END_TEST

/* One thread per device, each with its own context, asking for the same untuned shape at once. */
typedef struct device_thread {
  int ordinal;
  const bitblas_matmul_config *cfg;
  pthread_barrier_t *start;
  uint64_t seed; /* of this thread's random operands */
  bitblas_status status;
  char error[512];
  bitblas_op_info info;
  bb_test_check check;
} device_thread;

static void *device_thread_main(void *argument) {
  device_thread *self = argument;
  bb_rng rng;
  bb_rng_seed(&rng, self->seed);
  bitblas_context *ctx = NULL;
  bitblas_op *op = NULL;
  self->status = bitblas_context_create(self->ordinal, &ctx);
  pthread_barrier_wait(self->start);
  if (self->status == BITBLAS_OK) self->status = bitblas_op_get(ctx, self->cfg, &op);
  snprintf(self->error, sizeof self->error, "%s", bitblas_last_error());
  if (self->status == BITBLAS_OK) {
    bitblas_op_info_get(op, &self->info);
    self->check = check_on_device(self->ordinal, op, self->cfg->M, &rng);
    bitblas_op_release(op);
  }
  bitblas_context_destroy(ctx);
  return NULL;
}

START_TEST(test_two_devices_tune_a_shape_once) {
  use_fresh_cache("side_by_side");
  const bitblas_matmul_config cfg = w4a16(16, 7392, 4096);
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 2);
  bb_rng rng;
  bb_test_rng_seed(&rng);
  device_thread threads[2];
  pthread_t ids[2];
  for (int i = 0; i < 2; i++) {
    memset(&threads[i], 0, sizeof threads[i]);
    threads[i].ordinal = i;
    threads[i].cfg = &cfg;
    threads[i].start = &start;
    threads[i].seed = bb_rng_next(&rng);
    ck_assert_int_eq(pthread_create(&ids[i], NULL, device_thread_main, &threads[i]), 0);
  }
  for (int i = 0; i < 2; i++) pthread_join(ids[i], NULL);
  pthread_barrier_destroy(&start);

  int tuned = 0;
  for (int i = 0; i < 2; i++) {
    ck_assert_msg(threads[i].status == BITBLAS_OK, "device %d: %s", i, threads[i].error);
    fprintf(stderr, "device %d: tuned_now %d, from_cache %d, %.2f s tuning\n", i,
            threads[i].info.tuned_now, threads[i].info.from_cache, threads[i].info.tune_seconds);
    tuned += threads[i].info.tuned_now;
    ck_assert_msg(threads[i].check.ran, "device %d: run failed: %s", i, threads[i].check.message);
    ck_assert_msg(!threads[i].check.poison_differs, "device %d: outputs not written", i);
    ck_assert_msg(threads[i].check.relative_error <= bb_test_tolerance(&cfg),
                  "device %d: relative error %g", i, threads[i].check.relative_error);
  }
  /* Identical cards: one tuned, the other waited for its row and loaded it. */
  ck_assert_int_eq(tuned, cards_identical ? 1 : 2);
  ck_assert_int_eq(cache_integer("SELECT count(*) FROM kernels"), cards_identical ? 1 : 2);
  ck_assert_int_eq(cache_integer("SELECT count(*) FROM claims"), 0);
}
END_TEST

int main(void) {
  if (!bb_test_gpu_open()) return BB_TEST_SKIP;
  int count = 0;
  bb_test_cu()->DeviceGetCount(&count);
  if (count < 2) {
    fprintf(stderr, "SKIP: %d CUDA device(s); this suite needs two\n", count);
    return BB_TEST_SKIP;
  }
  char first[512], second[512];
  describe_device(0, first, sizeof first);
  describe_device(1, second, sizeof second);
  cards_identical = strcmp(first, second) == 0;
  fprintf(stderr, "device 0: %s; device 1: %s (%s)\n", first, second,
          cards_identical ? "identical" : "different");
  bb_test_temp_dir(temp_dir, sizeof temp_dir);
  setenv("BITBLAS_WORKER", BITBLAS_TEST_BINARY_DIR "/bitblas-worker", 1);
  Suite *suite = suite_create("gpu_devices");
  TCase *tc = tcase_create("devices");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_identical_card_loads_the_row);
  tcase_add_test(tc, test_two_devices_tune_a_shape_once);
  tcase_add_test(tc, test_given_sums_on_each_device);
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite_in_process(suite);
  bb_test_remove_tree(temp_dir);
  return failed;
}
