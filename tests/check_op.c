/*
 * check_op.c - operators (src/op.c) without a GPU: a fake driver (tests/support/fake_libcuda.c,
 * through BITBLAS_LIBCUDA) and the fake worker (tests/support/fake_worker.sh). A cached kernel
 * that fails to load is deleted and tuned again only when the device refuses the image (or
 * its schedule reads another weight order than its config); memo
 * hits do not wait for another thread's tuning; threads asking for one config tune it once, and
 * threads asking for different ones take turns on the context's worker.
 * A kernel with given sums reports a pool or workspace it cannot have, and loses nothing.
 * The BitNet layer's GPU calls check every argument before they launch anything.
 * Also the driver-layer rules these rest on: which results condemn an image, which kill a
 * context, and an output poisoned to its last byte.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cuda_driver.h"
#include "test_support.h"

#define FAKE_WORKER BITBLAS_TEST_SOURCE_DIR "/tests/support/fake_worker.sh"

static char temp_dir[4096];
static char state_path[4200];

static bitblas_matmul_config config_with_n(int64_t N) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.N = N;
  cfg.K = 64;
  return cfg;
}

/* A fresh cache file (named `name`) and worker state; the fake worker in `mode`. */
static void fresh_setup(const char *name, const char *mode) {
  char cache[4300];
  snprintf(cache, sizeof cache, "%s/%s.db", temp_dir, name);
  snprintf(state_path, sizeof state_path, "%s/%s.state", temp_dir, name);
  remove(cache);
  remove(state_path);
  setenv("BITBLAS_CACHE", cache, 1);
  setenv("FAKE_WORKER_STATE", state_path, 1);
  setenv("FAKE_WORKER_MODE", mode, 1);
  unsetenv("FAKE_CUDA_MODULE_LOAD_RESULT");
  unsetenv("FAKE_CUDA_GET_FUNCTION_RESULT");
  unsetenv("FAKE_CUDA_POOL_CREATE_RESULT");
  unsetenv("FAKE_CUDA_POOL_ALLOC_RESULT");
  unsetenv("FAKE_CUDA_FAILURES");
}

/* How many tunings the fake worker has started since fresh_setup. */
static int tunings_started(void) {
  FILE *f = fopen(state_path, "r");
  if (!f) return 0;
  int lines = 0;
  for (int c; (c = fgetc(f)) != EOF;) lines += c == '\n';
  fclose(f);
  return lines;
}

static bitblas_context *open_context(void) {
  bitblas_context *ctx = NULL;
  ck_assert_msg(bitblas_context_create(0, &ctx) == BITBLAS_OK, "%s", bitblas_last_error());
  return ctx;
}

/* Tunes config N=64 into the cache in a context of its own. */
static void tune_into_cache(void) {
  bitblas_context *ctx = open_context();
  bitblas_op *op = NULL;
  const bitblas_matmul_config cfg = config_with_n(64);
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  ck_assert_int_eq(info.tuned_now, 1);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
  ck_assert_int_eq(tunings_started(), 1);
}

/* A cached kernel whose load fails once with `result` (from cuModuleLoadData, or from
 * cuModuleGetFunction when `in_get_function`): whether the row was condemned and tuned again. */
static void assert_load_failure_handling(CUresult result, int in_get_function, int condemns) {
  char name[64];
  snprintf(name, sizeof name, "load-%d-%d", result, in_get_function);
  fresh_setup(name, "ok");
  tune_into_cache();
  char text[16];
  snprintf(text, sizeof text, "%d", result);
  setenv(in_get_function ? "FAKE_CUDA_GET_FUNCTION_RESULT" : "FAKE_CUDA_MODULE_LOAD_RESULT", text,
         1);
  char failures[128];
  snprintf(failures, sizeof failures, "1 for %s", name);
  setenv("FAKE_CUDA_FAILURES", failures, 1);
  bitblas_context *ctx = open_context();
  const bitblas_matmul_config cfg = config_with_n(64);
  bitblas_op *op = NULL;
  const bitblas_status status = bitblas_op_get(ctx, &cfg, &op);
  bitblas_op_info info;
  if (condemns) {
    /* Deleted and tuned again (the second load succeeds). */
    ck_assert_msg(status == BITBLAS_OK, "result %d: %s", result, bitblas_last_error());
    bitblas_op_info_get(op, &info);
    ck_assert_int_eq(info.tuned_now, 1);
    ck_assert_int_eq(tunings_started(), 2);
  } else {
    /* The failure comes back, clearly, and the row stays: the next call loads it. */
    ck_assert_msg(status != BITBLAS_OK, "result %d: the failure was not returned", result);
    ck_assert_ptr_null(op);
    ck_assert_msg(strstr(bitblas_last_error(), "kept in the cache") != NULL, "%s",
                  bitblas_last_error());
    ck_assert_int_eq(tunings_started(), 1);
    ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
    bitblas_op_info_get(op, &info);
    ck_assert_int_eq(info.from_cache, 1);
    ck_assert_int_eq(info.tuned_now, 0);
    ck_assert_int_eq(tunings_started(), 1);
  }
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}

START_TEST(test_refused_image_is_tuned_again) {
  const CUresult refusals[] = {BB_CUDA_ERROR_INVALID_IMAGE, BB_CUDA_ERROR_NO_BINARY_FOR_GPU,
                               BB_CUDA_ERROR_INVALID_PTX, BB_CUDA_ERROR_UNSUPPORTED_PTX_VERSION,
                               BB_CUDA_ERROR_INVALID_SOURCE};
  for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
    assert_load_failure_handling(refusals[i], 0, 1);
  /* The image loads but has no kernel of the name asked for. */
  assert_load_failure_handling(BB_CUDA_ERROR_NOT_FOUND, 1, 1);
  assert_load_failure_handling(BB_CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND, 1, 1);
}
END_TEST

START_TEST(test_passing_load_failure_keeps_the_row) {
  assert_load_failure_handling(BB_CUDA_ERROR_OUT_OF_MEMORY, 0, 0);
  assert_load_failure_handling(BB_CUDA_ERROR_INVALID_CONTEXT, 0, 0);
  assert_load_failure_handling(BB_CUDA_ERROR_OUT_OF_MEMORY, 1, 0);
}
END_TEST

/* Sets the schedule text of the one kernel row of the current cache ($BITBLAS_CACHE). */
static void set_cached_schedule(const char *schedule) {
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open_v2(getenv("BITBLAS_CACHE"), &db, SQLITE_OPEN_READWRITE, NULL),
                   SQLITE_OK);
  sqlite3_stmt *statement = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE kernels SET schedule = ?", -1, &statement, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(statement, 1, schedule, -1, SQLITE_STATIC);
  ck_assert_int_eq(sqlite3_step(statement), SQLITE_DONE);
  ck_assert_int_eq(sqlite3_changes(db), 1);
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

/* A cached row whose schedule reads another weight order than its key's config (here: traded
 * words for a config whose weights are stored plain) is refused like a bad image: deleted and
 * tuned again, never run on weights it would misread. */
START_TEST(test_row_of_another_weight_order_is_tuned_again) {
  fresh_setup("weight-order", "ok");
  tune_into_cache();
  set_cached_schedule(
      "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=2 post=0 stages=2 order=2");
  bitblas_context *ctx = open_context();
  const bitblas_matmul_config cfg = config_with_n(64);
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  ck_assert_int_eq(info.tuned_now, 1);
  ck_assert_int_eq(tunings_started(), 2);
  ck_assert_ptr_null(strstr(info.schedule, "order=2"));
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

/* A kernel with given sums (sums=given) needs the device's workspace pool when it loads, and
 * workspace memory on every run. A pool that cannot be made (here: out of memory) fails the load
 * with BITBLAS_OUT_OF_MEMORY and keeps the row; memory that cannot be had fails the run the same
 * way, with a message naming the workspace, and the next run goes on. */
START_TEST(test_given_sums_failures_are_reported) {
  fresh_setup("given-sums", "ok");
  tune_into_cache();
  set_cached_schedule("tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 "
                      "order=0 sums=given");
  const bitblas_matmul_config cfg = config_with_n(64);
  bitblas_context *ctx = open_context();
  bitblas_op *op = NULL;
  setenv("FAKE_CUDA_POOL_CREATE_RESULT", "2", 1);
  ck_assert_int_eq(bitblas_op_get(ctx, &cfg, &op), BITBLAS_OUT_OF_MEMORY);
  ck_assert_ptr_null(op);
  ck_assert_msg(strstr(bitblas_last_error(), "kept in the cache") != NULL, "%s",
                bitblas_last_error());
  unsetenv("FAKE_CUDA_POOL_CREATE_RESULT");
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  ck_assert_int_eq(info.from_cache, 1);
  ck_assert_ptr_nonnull(strstr(info.schedule, " sums=given"));
  ck_assert_int_eq(tunings_started(), 1);
  bitblas_matmul_args args;
  memset(&args, 0, sizeof args);
  args.m = 1;
  args.A = (const void *)(uintptr_t)0x10000;
  args.W = (const void *)(uintptr_t)0x20000;
  args.scales = (const void *)(uintptr_t)0x30000;
  args.zeros = (const void *)(uintptr_t)0x40000;
  args.bias = (const void *)(uintptr_t)0x50000;
  args.C = (void *)(uintptr_t)0x60000;
  ck_assert_msg(bitblas_op_run(op, &args, NULL) == BITBLAS_OK, "%s", bitblas_last_error());
  setenv("FAKE_CUDA_POOL_ALLOC_RESULT", "2", 1);
  ck_assert_int_eq(bitblas_op_run(op, &args, NULL), BITBLAS_OUT_OF_MEMORY);
  ck_assert_msg(strstr(bitblas_last_error(), "workspace") != NULL &&
                    strstr(bitblas_last_error(), "CUDA_ERROR_OUT_OF_MEMORY") != NULL,
                "%s", bitblas_last_error());
  unsetenv("FAKE_CUDA_POOL_ALLOC_RESULT");
  ck_assert_msg(bitblas_op_run(op, &args, NULL) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

typedef struct op_request {
  bitblas_context *ctx;
  bitblas_matmul_config cfg;
  bitblas_status status;
  bitblas_op *op;
  pthread_mutex_t lock;
  int done;
} op_request;

static void *get_op_in_thread(void *argument) {
  op_request *request = argument;
  const bitblas_status status = bitblas_op_get(request->ctx, &request->cfg, &request->op);
  pthread_mutex_lock(&request->lock);
  request->status = status;
  request->done = 1;
  pthread_mutex_unlock(&request->lock);
  return NULL;
}

static void start_request(op_request *request, pthread_t *thread, bitblas_context *ctx, int64_t N) {
  memset(request, 0, sizeof *request);
  request->ctx = ctx;
  request->cfg = config_with_n(N);
  pthread_mutex_init(&request->lock, NULL);
  ck_assert_int_eq(pthread_create(thread, NULL, get_op_in_thread, request), 0);
}

static int request_done(op_request *request) {
  pthread_mutex_lock(&request->lock);
  const int done = request->done;
  pthread_mutex_unlock(&request->lock);
  return done;
}

START_TEST(test_memo_hit_does_not_wait_for_a_tuning) {
  /* The first config tunes at once; the next one slowly (3 candidates of 1 s). */
  fresh_setup("memo-hit", "slow-later");
  setenv("FAKE_WORKER_RUN_SECONDS", "1", 1);
  bitblas_context *ctx = open_context();
  const bitblas_matmul_config tuned = config_with_n(64);
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &tuned, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_release(op);

  op_request slow;
  pthread_t thread;
  start_request(&slow, &thread, ctx, 128);
  const double deadline = bb_test_now_seconds() + 20.0;
  while (tunings_started() < 2 && bb_test_now_seconds() < deadline) bb_test_sleep_seconds(0.01);
  ck_assert_int_eq(tunings_started(), 2);

  /* Meanwhile the tuned config comes from the memo at once. */
  const double started = bb_test_now_seconds();
  bitblas_op *again = NULL;
  ck_assert_int_eq(bitblas_op_get(ctx, &tuned, &again), BITBLAS_OK);
  const double waited = bb_test_now_seconds() - started;
  const int tuning_was_running = !request_done(&slow);
  ck_assert_ptr_eq(again, op);
  ck_assert_msg(waited < 0.5 && tuning_was_running, "the memo hit waited %.2f s for a tuning",
                waited);
  bitblas_op_release(again);

  pthread_join(thread, NULL);
  ck_assert_msg(slow.status == BITBLAS_OK, "%s", bitblas_status_name(slow.status));
  bitblas_op_release(slow.op);
  unsetenv("FAKE_WORKER_RUN_SECONDS");
  bitblas_context_destroy(ctx);
}
END_TEST

START_TEST(test_threads_asking_for_one_config_tune_it_once) {
  fresh_setup("same-config", "slow");
  setenv("FAKE_WORKER_RUN_SECONDS", "0.2", 1);
  bitblas_context *ctx = open_context();
  enum { THREADS = 4 };
  op_request requests[THREADS];
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++) start_request(&requests[i], &threads[i], ctx, 256);
  for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  for (int i = 0; i < THREADS; i++) {
    ck_assert_msg(requests[i].status == BITBLAS_OK, "%s", bitblas_status_name(requests[i].status));
    /* One operator, kept by the memo, for every caller. */
    ck_assert_ptr_eq(requests[i].op, requests[0].op);
  }
  ck_assert_int_eq(tunings_started(), 1);
  bitblas_op_info info;
  bitblas_op_info_get(requests[0].op, &info);
  ck_assert_int_eq(info.tuned_now, 1);
  for (int i = 0; i < THREADS; i++) bitblas_op_release(requests[i].op);
  unsetenv("FAKE_WORKER_RUN_SECONDS");
  bitblas_context_destroy(ctx);
}
END_TEST

START_TEST(test_threads_asking_for_different_configs_share_the_worker) {
  /* The context has one worker: tunings take turns on it, each getting its own replies. */
  fresh_setup("different-configs", "slow");
  setenv("FAKE_WORKER_RUN_SECONDS", "0.1", 1);
  bitblas_context *ctx = open_context();
  enum { THREADS = 3 };
  op_request requests[THREADS];
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++) start_request(&requests[i], &threads[i], ctx, 128 << i);
  for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  for (int i = 0; i < THREADS; i++) {
    ck_assert_msg(requests[i].status == BITBLAS_OK, "%s", bitblas_status_name(requests[i].status));
    ck_assert_int_eq(bitblas_op_config(requests[i].op)->N, 128 << i);
    bitblas_op_info info;
    bitblas_op_info_get(requests[i].op, &info);
    ck_assert_int_eq(info.tuned_now, 1);
    bitblas_op_release(requests[i].op);
  }
  ck_assert_int_eq(tunings_started(), THREADS);
  unsetenv("FAKE_WORKER_RUN_SECONDS");
  bitblas_context_destroy(ctx);
}
END_TEST

/* The BitNet layer's GPU calls on a fake driver (which runs nothing): every argument rule, with
 * the words that name it, and calls that pass them reach the launches. */
START_TEST(test_bitnet_calls_check_their_arguments) {
  fresh_setup("bitnet", "ok");
  bitblas_context *ctx = open_context();
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, 64, 64);
  cfg.dynamic_m = 0;
  cfg.M = 4;
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  /* 3 rows: 192 bytes of codes, then 3 scales. */
  ck_assert_uint_eq(bitblas_bitnet_workspace_bytes(op, 3), 192 + 12);
  ck_assert_uint_eq(bitblas_bitnet_workspace_bytes(op, 1), 64 + 4);
  ck_assert_uint_eq(bitblas_bitnet_workspace_bytes(op, 0), 0);
  void *x = (void *)(uintptr_t)0x10000, *W = (void *)(uintptr_t)0x20000;
  float *scales = (float *)(uintptr_t)0x30000;
  void *y = (void *)(uintptr_t)0x40000, *workspace = (void *)(uintptr_t)0x50000;
  const bitblas_bitnet_args good = {3, x, W, scales, NULL, y, workspace};
  ck_assert_msg(bitblas_bitnet_run(op, &good, NULL) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_msg(bitblas_bitnet_activation_quantize(op, 3, x, workspace, scales, NULL) == BITBLAS_OK,
                "%s", bitblas_last_error());
  const struct {
    bitblas_bitnet_args args;
    const char *words;
  } refused[] = {
      {{0, x, W, scales, NULL, y, workspace}, "m = 0: must be between 1 and"},
      {{5, x, W, scales, NULL, y, workspace}, "args.m = 5: this operator was made for M = 4"},
      {{3, NULL, W, scales, NULL, y, workspace}, "args.x: must not be NULL"},
      {{3, x, NULL, scales, NULL, y, workspace}, "args.W: must not be NULL"},
      {{3, x, W, NULL, NULL, y, workspace}, "args.weight_scale: must not be NULL"},
      {{3, x, W, scales, NULL, NULL, workspace}, "args.y: must not be NULL"},
      {{3, x, W, scales, NULL, y, NULL}, "args.workspace: must not be NULL"},
      {{3, (char *)x + 8, W, scales, NULL, y, workspace}, "must be 16-byte aligned"},
      {{3, x, W, scales, NULL, y, (char *)workspace + 4}, "must be 16-byte aligned"},
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    ck_assert_int_eq(bitblas_bitnet_run(op, &refused[i].args, NULL), BITBLAS_INVALID_ARGUMENT);
    ck_assert_msg(strstr(bitblas_last_error(), refused[i].words) != NULL, "case %zu: %s", i,
                  bitblas_last_error());
  }
  ck_assert_int_eq(
      bitblas_bitnet_activation_quantize(op, 3, (char *)x + 2, workspace, scales, NULL),
      BITBLAS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(bitblas_last_error(), "x: must be 16-byte aligned") != NULL, "%s",
                bitblas_last_error());
  ck_assert_int_eq(
      bitblas_bitnet_activation_quantize(op, 3, x, (int8_t *)workspace + 1, scales, NULL),
      BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(bitblas_bitnet_activation_quantize(op, 3, x, NULL, scales, NULL),
                   BITBLAS_INVALID_ARGUMENT);
  bitblas_op_release(op);

  /* A float16 operator has no row quantizer: refused, with the rule. */
  const bitblas_matmul_config plain = config_with_n(64);
  ck_assert_msg(bitblas_op_get(ctx, &plain, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_uint_eq(bitblas_bitnet_workspace_bytes(op, 3), 0);
  ck_assert_int_eq(bitblas_bitnet_run(op, &good, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(bitblas_last_error(), "A_dtype = float16, with_a_scale = 0") != NULL &&
                    strstr(bitblas_last_error(), "needs an operator with int8 A") != NULL,
                "%s", bitblas_last_error());
  ck_assert_int_eq(bitblas_bitnet_activation_quantize(op, 3, x, workspace, scales, NULL),
                   BITBLAS_INVALID_ARGUMENT);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

START_TEST(test_driver_results_that_condemn_an_image) {
  const CUresult condemning[] = {200, 209, 218, 222, 300, 302, 500};
  const CUresult passing[] = {0, 1, 2, 3, 100, 201, 700, 719, 999};
  for (size_t i = 0; i < sizeof condemning / sizeof condemning[0]; i++)
    ck_assert_msg(bb_cuda_error_is_bad_image(condemning[i]), "%d", condemning[i]);
  for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++)
    ck_assert_msg(!bb_cuda_error_is_bad_image(passing[i]), "%d", passing[i]);
}
END_TEST

START_TEST(test_driver_results_that_kill_a_context) {
  const CUresult sticky[] = {700, 702, 710, 714, 715, 716, 717, 718, 719, 999};
  const CUresult recoverable[] = {0, 1, 2, 200, 209, 500, 701, 720};
  for (size_t i = 0; i < sizeof sticky / sizeof sticky[0]; i++)
    ck_assert_msg(bb_cuda_error_is_sticky(sticky[i]), "%d", sticky[i]);
  for (size_t i = 0; i < sizeof recoverable / sizeof recoverable[0]; i++)
    ck_assert_msg(!bb_cuda_error_is_sticky(recoverable[i]), "%d", recoverable[i]);
}
END_TEST

/* Memsets into host memory, with CUdeviceptr the host address; a fill of 0 elements is an error
 * here, to catch a call that is not needed. */
static CUresult host_memset8(CUdeviceptr p, unsigned char value, size_t n, CUstream s) {
  (void)s;
  memset((void *)(uintptr_t)p, value, n);
  return n ? BB_CUDA_SUCCESS : 1;
}
static CUresult host_memset16(CUdeviceptr p, unsigned short value, size_t n, CUstream s) {
  (void)s;
  for (size_t i = 0; i < n; i++) memcpy((char *)(uintptr_t)p + 2 * i, &value, 2);
  return n ? BB_CUDA_SUCCESS : 1;
}
static CUresult host_memset32(CUdeviceptr p, unsigned value, size_t n, CUstream s) {
  (void)s;
  for (size_t i = 0; i < n; i++) memcpy((char *)(uintptr_t)p + 4 * i, &value, 4);
  return n ? BB_CUDA_SUCCESS : 1;
}

START_TEST(test_poison_reaches_every_byte) {
  bb_cuda_api api;
  memset(&api, 0, sizeof api);
  api.MemsetD8Async = host_memset8;
  api.MemsetD16Async = host_memset16;
  api.MemsetD32Async = host_memset32;
  const unsigned pattern = 0x44332211u;
  const unsigned char in_memory[4] = {0x11, 0x22, 0x33, 0x44}; /* little-endian words */
  for (size_t bytes = 0; bytes <= 13; bytes++) {
    _Alignas(4) unsigned char buffer[24];
    memset(buffer, 0xAA, sizeof buffer);
    ck_assert_int_eq(
        bb_cuda_fill_pattern32_async(&api, (CUdeviceptr)(uintptr_t)buffer, pattern, bytes, NULL),
        BB_CUDA_SUCCESS);
    for (size_t i = 0; i < bytes; i++)
      ck_assert_msg(buffer[i] == in_memory[i % 4], "%zu bytes: byte %zu is %02x", bytes, i,
                    buffer[i]);
    for (size_t i = bytes; i < sizeof buffer; i++)
      ck_assert_msg(buffer[i] == 0xAA, "%zu bytes: byte %zu written", bytes, i);
  }
}
END_TEST

int main(void) {
  bb_test_temp_dir(temp_dir, sizeof temp_dir);
  setenv("BITBLAS_LIBCUDA", BITBLAS_TEST_FAKE_LIBCUDA, 1);
  setenv("BITBLAS_WORKER", FAKE_WORKER, 1);
  setenv("BITBLAS_TUNE_TIMEOUT", "10", 1);
  setenv("TMPDIR", temp_dir, 1);
  Suite *suite = suite_create("op");
  TCase *driver = tcase_create("driver_results");
  tcase_add_test(driver, test_driver_results_that_condemn_an_image);
  tcase_add_test(driver, test_driver_results_that_kill_a_context);
  tcase_add_test(driver, test_poison_reaches_every_byte);
  suite_add_tcase(suite, driver);
  TCase *ops = tcase_create("fake_driver");
  tcase_set_timeout(ops, 120);
  tcase_add_test(ops, test_refused_image_is_tuned_again);
  tcase_add_test(ops, test_passing_load_failure_keeps_the_row);
  tcase_add_test(ops, test_row_of_another_weight_order_is_tuned_again);
  tcase_add_test(ops, test_given_sums_failures_are_reported);
  tcase_add_test(ops, test_memo_hit_does_not_wait_for_a_tuning);
  tcase_add_test(ops, test_threads_asking_for_one_config_tune_it_once);
  tcase_add_test(ops, test_threads_asking_for_different_configs_share_the_worker);
  tcase_add_test(ops, test_bitnet_calls_check_their_arguments);
  suite_add_tcase(suite, ops);
  const int failed = bb_test_run_suite(suite);
  bb_test_remove_tree(temp_dir);
  return failed;
}
