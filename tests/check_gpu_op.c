/*
 * check_gpu_op.c - the operator life cycle on a GPU: tune on a miss and store; load from the
 * cache (in-process memo, then a new context, then with NVRTC and the worker made unavailable);
 * a candidate that traps or hangs is marked and costs the caller nothing; a kernel with given
 * activation sums runs through bitblas_op_run; bad run arguments are
 * refused with words; many threads share one operator; the example program runs twice.
 * GPU suite: exits 77 without a device.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "gpu_support.h"
#include "test_support.h"
#include "weight_order.h"

static char temp_dir[4096];
static bb_rng rng;

static void use_fresh_cache(const char *name) {
  char path[4300];
  snprintf(path, sizeof path, "%s/%s.db", temp_dir, name);
  setenv("BITBLAS_CACHE", path, 1);
}

static bitblas_matmul_config w4a16(int64_t M, int64_t N, int64_t K) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.M = M;
  cfg.N = N;
  cfg.K = K;
  cfg.group_size = 128;
  cfg.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
  cfg.with_bias = 1;
  return cfg;
}

static void assert_correct(const bitblas_op *op, int64_t m) {
  const bb_test_check check = bb_test_run_and_check(op, m, &rng);
  ck_assert_msg(check.ran, "run failed: %s", check.message);
  ck_assert_msg(!check.poison_differs, "some outputs were not written");
  ck_assert_msg(check.relative_error <= bb_test_tolerance(bitblas_op_config(op)),
                "relative error %g", check.relative_error);
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The outcome stored for candidate `index` of the newest kernel row, via plain SQL. */
static void stored_outcome(int index, char *out, size_t size) {
  sqlite3 *db = NULL;
  out[0] = '\0';
  ck_assert_int_eq(sqlite3_open(getenv("BITBLAS_CACHE"), &db), SQLITE_OK);
  sqlite3_stmt *statement = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db,
                                      "SELECT outcome FROM candidates WHERE kernel_id = (SELECT "
                                      "max(id) FROM kernels) ORDER BY rowid LIMIT 1 OFFSET ?",
                                      -1, &statement, NULL),
                   SQLITE_OK);
  sqlite3_bind_int(statement, 1, index);
  if (sqlite3_step(statement) == SQLITE_ROW)
    snprintf(out, size, "%s", (const char *)sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

START_TEST(test_tune_then_cache) {
  use_fresh_cache("tune_then_cache");
  const bitblas_matmul_config cfg = w4a16(16, 2880, 4096);
  bitblas_context *ctx = NULL;
  ck_assert_msg(bitblas_context_create(0, &ctx) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op *op = NULL;
  double start = seconds_now();
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  const double tune_seconds = seconds_now() - start;
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  ck_assert_int_eq(info.from_cache, 0);
  ck_assert_int_eq(info.tuned_now, 1);
  ck_assert_int_ge(info.candidates_tried, 2);
  fprintf(stderr, "first op_get (empty cache): %.3f s, winner %s, %.2f us\n", tune_seconds,
          info.schedule, info.kernel_us);
  assert_correct(op, 16);
  assert_correct(op, 5); /* fewer rows than the static M */

  /* The memo: the same operator again. */
  bitblas_op *again = NULL;
  ck_assert_int_eq(bitblas_op_get(ctx, &cfg, &again), BITBLAS_OK);
  ck_assert_ptr_eq(again, op);
  bitblas_op_release(again);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);

  /* A new context reads the cache; neither NVRTC nor the worker may be needed. */
  setenv("BITBLAS_LIBNVRTC", "/nonexistent/libnvrtc.so", 1);
  setenv("BITBLAS_WORKER", "/nonexistent/bitblas-worker", 1);
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  start = seconds_now();
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  fprintf(stderr, "op_get from the cache: %.3f ms\n", (seconds_now() - start) * 1e3);
  bitblas_op_info_get(op, &info);
  ck_assert_int_eq(info.from_cache, 1);
  ck_assert_int_eq(info.tuned_now, 0);
  assert_correct(op, 16);
  bitblas_op_release(op);

  /* A miss without the worker is a clear error, not a crash. */
  bitblas_matmul_config other = w4a16(16, 2880, 2048);
  ck_assert_int_eq(bitblas_op_get(ctx, &other, &op), BITBLAS_WORKER_FAILED);
  ck_assert_ptr_null(op);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "bitblas-worker"));
  bitblas_context_destroy(ctx);
  unsetenv("BITBLAS_LIBNVRTC");
  setenv("BITBLAS_WORKER", BITBLAS_TEST_BINARY_DIR "/bitblas-worker", 1);
}
END_TEST

/* An operator whose kernel takes given sums (sums=given: the activations' sums from a kernel of
 * their own, into workspace memory of each run) runs through bitblas_op_run: right outputs at
 * several m, run after run, the workspace taken and handed back on the caller's stream. The
 * layer (2-bit codes, 2880 x 4096) is below the size the candidate list offers such kernels
 * for, so the stored kernel is the twin bb_test_store_given_sums_twin compiles, which a new context
 * loads from the cache. */
START_TEST(test_given_sums_through_op_run) {
  use_fresh_cache("given_sums");
  bitblas_matmul_config cfg =
      bb_test_scaled_config(16, 2880, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL);
  cfg.with_bias = 1;
  char text[160];
  bb_test_store_given_sums_twin(0, &cfg, text, sizeof text);

  bitblas_context *ctx = NULL;
  bitblas_op *op = NULL;
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  ck_assert_int_eq(info.from_cache, 1);
  ck_assert_str_eq(info.schedule, text);
  const int64_t rows[] = {16, 3, 1, 16, 9};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) assert_correct(op, rows[i]);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

#define CHAIN_ROUNDS 8

/* Runs back to back on one stream, each reading what the kernel just before it wrote, with no
 * synchronization between them. Each round, a kernel of another library writes fresh activations
 * into A; op1 (4-bit codes) reads A and writes C1; op2 (2-bit codes, a given-sums kernel: two
 * kernels, the second the first's dependent, and a workspace) reads C1 as its activations and
 * writes C2. Every round's C1 and C2 (poisoned beforehand) match the float64 reference on the
 * activations the round should have read. With dependent runs (ctest's check_gpu_op_dependent:
 * BITBLAS_DEPENDENT_LAUNCH=1) every kernel is launched as the dependent of the one before it and
 * must wait for it before it reads. op1's rows are long (K = 32768) and few (one wave of blocks,
 * all started at once), so a kernel after it that read before waiting would read C1 long before
 * op1 writes it: with kernels that do not wait, this test failed on an H200 (bench/RESULTS.md,
 * twenty-ninth section). */
START_TEST(test_runs_back_to_back_read_what_came_before) {
  use_fresh_cache("back_to_back");
  bb_test_chain chain;
  bb_test_chain_make(&chain, &rng);
  const bb_cuda_api *cu = bb_test_cu();
  const int64_t m = chain.m;
  CUmodule module = NULL;
  CUfunction copy_words = NULL;
  ck_assert_int_eq(bb_test_copy_words_load(&module, &copy_words), 0);
  /* Each round's activations (host and device), and its outputs, poisoned. */
  const size_t a_bytes = chain.host[0].A_bytes, c_bytes = chain.device[0].c_bytes;
  void *sources[CHAIN_ROUNDS];
  CUdeviceptr source_device[CHAIN_ROUNDS], c1[CHAIN_ROUNDS], c2[CHAIN_ROUNDS];
  for (int r = 0; r < CHAIN_ROUNDS; r++) {
    ck_assert_int_eq(bb_host_operands_remake_activations(&chain.cfg[0], m, &rng, &chain.host[0]),
                     BITBLAS_OK);
    sources[r] = malloc(a_bytes);
    ck_assert_ptr_nonnull(sources[r]);
    memcpy(sources[r], chain.host[0].A, a_bytes);
    ck_assert_int_eq(cu->MemAlloc(&source_device[r], a_bytes), 0);
    ck_assert_int_eq(cu->MemcpyHtoD(source_device[r], sources[r], a_bytes), 0);
    ck_assert_int_eq(cu->MemAlloc(&c1[r], c_bytes), 0);
    ck_assert_int_eq(cu->MemAlloc(&c2[r], c_bytes), 0);
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, c1[r], 0x7f817f81u, c_bytes, NULL), 0);
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, c2[r], 0x7f817f81u, c_bytes, NULL), 0);
  }
  ck_assert_int_eq(cu->CtxSynchronize(), 0);

  CUstream stream = NULL;
  ck_assert_int_eq(cu->StreamCreate(&stream, BB_CU_STREAM_NON_BLOCKING), 0);
  for (int r = 0; r < CHAIN_ROUNDS; r++) {
    ck_assert_int_eq(
        bb_test_copy_words(copy_words, chain.device[0].A, source_device[r], a_bytes / 4, stream),
        0);
    bitblas_matmul_args first = bb_test_device_args(&chain.device[0], m);
    first.C = (void *)(uintptr_t)c1[r];
    bitblas_matmul_args second = bb_test_device_args(&chain.device[1], m);
    second.A = (const void *)(uintptr_t)c1[r];
    second.C = (void *)(uintptr_t)c2[r];
    ck_assert_msg(bitblas_op_run(chain.op[0], &first, stream) == BITBLAS_OK, "%s",
                  bitblas_last_error());
    ck_assert_msg(bitblas_op_run(chain.op[1], &second, stream) == BITBLAS_OK, "%s",
                  bitblas_last_error());
  }
  ck_assert_int_eq(cu->StreamSynchronize(stream), 0);

  void *out1 = malloc(c_bytes), *out2 = malloc(c_bytes);
  ck_assert_ptr_nonnull(out1);
  ck_assert_ptr_nonnull(out2);
  for (int r = 0; r < CHAIN_ROUNDS; r++) {
    ck_assert_int_eq(cu->MemcpyDtoH(out1, c1[r], c_bytes), 0);
    ck_assert_int_eq(cu->MemcpyDtoH(out2, c2[r], c_bytes), 0);
    bb_test_chain_check(&chain, sources[r], out1, out2, "round", r, &rng);
    free(sources[r]);
    cu->MemFree(source_device[r]);
    cu->MemFree(c1[r]);
    cu->MemFree(c2[r]);
  }
  free(out1);
  free(out2);
  cu->StreamDestroy(stream);
  cu->ModuleUnload(module);
  bb_test_chain_free(&chain);
}
END_TEST

/* Traded weights larger than one piece of the transform (16 MiB): a static M = 1 operator with
 * 4-bit codes reads traded words, and 5000 rows of 4 KiB go over in two pieces (4096 rows, then
 * 904); every output is right. Dynamic operators of the same shape read the plain layout, from
 * their own cache rows, and are right too. */
START_TEST(test_traded_weights_in_pieces) {
  use_fresh_cache("pieces");
  const bitblas_matmul_config cfg = w4a16(1, 5000, 8192);
  ck_assert_int_eq(bb_config_weight_order(&cfg), 4);
  bitblas_context *ctx = NULL;
  ck_assert_msg(bitblas_context_create(0, &ctx) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  ck_assert_ptr_nonnull(strstr(info.schedule, "order=2"));
  assert_correct(op, 1);
  bitblas_op_release(op);
  bitblas_matmul_config dynamic = cfg;
  dynamic.dynamic_m = 1;
  dynamic.m_bucket_count = 2;
  dynamic.m_buckets[0] = 1;
  dynamic.m_buckets[1] = 16;
  ck_assert_msg(bitblas_op_get(ctx, &dynamic, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_info_get(op, &info);
  ck_assert_int_eq(info.tuned_now, 2); /* the static operator's row is not theirs */
  ck_assert_ptr_null(strstr(info.schedule, "order=2"));
  assert_correct(op, 1);
  assert_correct(op, 16);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

/* A bias needs only its dtype's alignment: one 2 bytes off the 16-byte grid gives the right
 * outputs, as an aligned one does, at M = 1 and 16 (tensor-core gemv winners). */
START_TEST(test_bias_off_the_16_byte_grid) {
  use_fresh_cache("bias-offset");
  bitblas_context *ctx = NULL;
  ck_assert_msg(bitblas_context_create(0, &ctx) == BITBLAS_OK, "%s", bitblas_last_error());
  static const int64_t ms[] = {1, 16};
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
    const bitblas_matmul_config cfg = w4a16(ms[i], 4096, 4096);
    bitblas_op *op = NULL;
    ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
    bitblas_op_info info;
    bitblas_op_info_get(op, &info);
    ck_assert_ptr_nonnull(strstr(info.schedule, "tcgemv"));
    for (size_t offset = 0; offset <= 2; offset += 2) {
      const bb_test_check check = bb_test_run_and_check_bias_at(op, ms[i], &rng, offset);
      ck_assert_msg(check.ran, "M = %lld, offset %zu: %s", (long long)ms[i], offset, check.message);
      ck_assert_msg(!check.poison_differs, "M = %lld, offset %zu: unwritten outputs",
                    (long long)ms[i], offset);
      ck_assert_msg(check.relative_error <= bb_test_tolerance(&cfg),
                    "M = %lld, offset %zu: relative error %g", (long long)ms[i], offset,
                    check.relative_error);
    }
    bitblas_op_release(op);
  }
  bitblas_context_destroy(ctx);
}
END_TEST

START_TEST(test_trapping_candidate_is_contained) {
  use_fresh_cache("trap");
  setenv("BITBLAS_FAULT_INJECT", "trap:0", 1);
  const bitblas_matmul_config cfg = w4a16(1, 4096, 4096);
  bitblas_context *ctx = NULL;
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  unsetenv("BITBLAS_FAULT_INJECT");
  char outcome[64];
  stored_outcome(0, outcome, sizeof outcome);
  ck_assert_str_eq(outcome, "crashed");
  stored_outcome(1, outcome, sizeof outcome);
  ck_assert_str_eq(outcome, "ok");
  /* This process's context is untouched: the operator runs and is right. */
  assert_correct(op, 1);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

START_TEST(test_hanging_candidate_is_contained) {
  use_fresh_cache("hang");
  setenv("BITBLAS_FAULT_INJECT", "hang:1", 1);
  setenv("BITBLAS_TUNE_TIMEOUT", "3", 1);
  const bitblas_matmul_config cfg = w4a16(1, 2048, 2048);
  bitblas_context *ctx = NULL;
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  unsetenv("BITBLAS_FAULT_INJECT");
  unsetenv("BITBLAS_TUNE_TIMEOUT");
  char outcome[64];
  stored_outcome(1, outcome, sizeof outcome);
  ck_assert_str_eq(outcome, "hung");
  assert_correct(op, 1);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

START_TEST(test_run_refuses_bad_arguments) {
  use_fresh_cache("bad_args");
  const bitblas_matmul_config cfg = w4a16(4, 256, 256);
  bitblas_context *ctx = NULL;
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bb_host_operands host;
  ck_assert_int_eq(bb_host_operands_make(&cfg, 4, 0, &rng, &host), BITBLAS_OK);
  bb_test_device_operands device;
  ck_assert_int_eq(bb_test_upload(&cfg, &host, &device), 0);
  bitblas_matmul_args args = bb_test_device_args(&device, 4);

  args.m = 5;
  ck_assert_int_eq(bitblas_op_run(op, &args, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "args.m = 5"));
  args.m = 0;
  ck_assert_int_eq(bitblas_op_run(op, &args, NULL), BITBLAS_INVALID_ARGUMENT);
  args.m = 4;
  args.scales = NULL;
  ck_assert_int_eq(bitblas_op_run(op, &args, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "args.scales"));
  args = bb_test_device_args(&device, 4);
  args.A = (const char *)args.A + 2;
  ck_assert_int_eq(bitblas_op_run(op, &args, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "16-byte aligned"));
  ck_assert_int_eq(bitblas_op_run(NULL, &args, NULL), BITBLAS_INVALID_ARGUMENT);
  args = bb_test_device_args(&device, 4);
  ck_assert_int_eq(bitblas_op_run(op, &args, NULL), BITBLAS_OK);
  ck_assert_int_eq(bb_test_cu()->CtxSynchronize(), 0);

  bb_test_device_free(&device);
  bb_host_operands_free(&host);
  bitblas_op_release(op);
  bitblas_op_release(NULL);
  bitblas_context_destroy(ctx);
  bitblas_context_destroy(NULL);
}
END_TEST

typedef struct thread_job {
  bitblas_context *ctx;
  int failures;
} thread_job;

static void *thread_main(void *argument) {
  thread_job *job = argument;
  /* A new thread has no current CUDA context: the library must make its own current. */
  const bitblas_matmul_config cfg = w4a16(1, 1024, 1024);
  for (int i = 0; i < 3; i++) {
    bitblas_op *op = NULL;
    if (bitblas_op_get(job->ctx, &cfg, &op) != BITBLAS_OK) {
      job->failures++;
      continue;
    }
    bitblas_op_release(op);
  }
  return NULL;
}

START_TEST(test_many_threads_share_operators) {
  use_fresh_cache("threads");
  bitblas_context *ctx = NULL;
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  pthread_t threads[6];
  thread_job jobs[6];
  for (int i = 0; i < 6; i++) {
    jobs[i].ctx = ctx;
    jobs[i].failures = 0;
    ck_assert_int_eq(pthread_create(&threads[i], NULL, thread_main, &jobs[i]), 0);
  }
  for (int i = 0; i < 6; i++) {
    pthread_join(threads[i], NULL);
    ck_assert_int_eq(jobs[i].failures, 0);
  }
  const bitblas_matmul_config cfg = w4a16(1, 1024, 1024);
  bitblas_op *op = NULL;
  ck_assert_int_eq(bitblas_op_get(ctx, &cfg, &op), BITBLAS_OK);
  assert_correct(op, 1);
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);
}
END_TEST

#ifdef BITBLAS_TEST_HAVE_EXAMPLE
static int run_example(const char *expect, char *output, size_t size) {
  FILE *pipe = popen(BITBLAS_TEST_BINARY_DIR "/bitblas-example 16 2880 4096 2>&1", "r");
  ck_assert_ptr_nonnull(pipe);
  size_t used = fread(output, 1, size - 1, pipe);
  output[used] = '\0';
  int status = pclose(pipe);
  fprintf(stderr, "%s", output);
  ck_assert_msg(strstr(output, expect) != NULL, "expected \"%s\" in the example's output", expect);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_example_program) {
  use_fresh_cache("example");
  char output[8192];
  ck_assert_int_eq(run_example("tuned now", output, sizeof output), 0);
  ck_assert_ptr_nonnull(strstr(output, "PASS"));
  ck_assert_int_eq(run_example("from the cache", output, sizeof output), 0);
  ck_assert_ptr_nonnull(strstr(output, "PASS"));
}
END_TEST
#endif

int main(void) {
  if (!bb_test_gpu_open()) return BB_TEST_SKIP;
  bb_test_temp_dir(temp_dir, sizeof temp_dir);
  bb_test_rng_seed(&rng);
  setenv("BITBLAS_WORKER", BITBLAS_TEST_BINARY_DIR "/bitblas-worker", 1);
  Suite *suite = suite_create("gpu_op");
  TCase *tc = tcase_create("op");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_tune_then_cache);
  tcase_add_test(tc, test_traded_weights_in_pieces);
  tcase_add_test(tc, test_given_sums_through_op_run);
  tcase_add_test(tc, test_runs_back_to_back_read_what_came_before);
  tcase_add_test(tc, test_bias_off_the_16_byte_grid);
  tcase_add_test(tc, test_trapping_candidate_is_contained);
  tcase_add_test(tc, test_hanging_candidate_is_contained);
  tcase_add_test(tc, test_run_refuses_bad_arguments);
  tcase_add_test(tc, test_many_threads_share_operators);
#ifdef BITBLAS_TEST_HAVE_EXAMPLE
  tcase_add_test(tc, test_example_program);
#else
  fprintf(stderr, "the example program was not built (no cuda.h at build time): not run\n");
#endif
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite_in_process(suite);
  bb_test_remove_tree(temp_dir);
  return failed;
}
