/*
 * check_tools.c - the command-line tools as a user meets them: the built bitblas-tune and
 * bitblas-bench run with posix_spawn, their exit status, stdout and stderr checked for --help,
 * bad arguments (exit 64), --list without a GPU, and the no-device exit (2, forced with
 * BITBLAS_LIBCUDA pointing nowhere, so it holds on GPU machines too). When the suite is linked
 * with bitblas_tool_common, the preset, shape, format, table and random-data helpers are also
 * tested directly. CPU only: no test here touches a GPU.
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bitblas.h"
#include "cache.h"
#include "test_support.h"

#include "errors.h"
#include "formats.h"
#include "operands.h"
#include "presets.h"
#include "random_data.h"
#include "rotation.h"
#include "table.h"
#include "timing.h"

extern char **environ;

#define TUNE BITBLAS_TEST_BINARY_DIR "/bitblas-tune"
#define BENCH BITBLAS_TEST_BINARY_DIR "/bitblas-bench"
#define NO_CUDA "BITBLAS_LIBCUDA=/nonexistent/libcuda.so.1"
#define OUTPUT_LIMIT (256 * 1024)

typedef struct tool_run {
  int exit_status; /* the program's exit status, or -1 if it did not exit normally */
  char out[OUTPUT_LIMIT];
  char err[OUTPUT_LIMIT];
} tool_run;

static char temp_dir[1024];

static void make_temp_dir(void) { bb_test_temp_dir(temp_dir, sizeof temp_dir); }

static void remove_temp_dir(void) { bb_test_remove_tree(temp_dir); }

static void read_file(const char *path, char *buf, size_t size) {
  FILE *file = fopen(path, "r");
  ck_assert_msg(file != NULL, "cannot read %s", path);
  size_t length = fread(buf, 1, size - 1, file);
  buf[length] = '\0';
  fclose(file);
}

static int env_overridden(const char *entry, const char *const *overrides) {
  for (size_t i = 0; overrides && overrides[i]; i++) {
    const char *equals = strchr(overrides[i], '=');
    size_t name_length = (size_t)(equals - overrides[i]);
    if (strncmp(entry, overrides[i], name_length) == 0 && entry[name_length] == '=') return 1;
  }
  return 0;
}

/* Runs `program` with `args` (NULL-terminated, without argv[0]) and the environment plus
 * `overrides` ("NAME=value", NULL-terminated), capturing stdout and stderr through files in
 * the temp dir. Every run gets BITBLAS_CACHE in the temp dir unless overridden, so no test
 * touches the user's cache. */
static tool_run *run_tool(const char *program, const char *const *args,
                          const char *const *overrides) {
  static tool_run result;
  memset(&result, 0, sizeof result);
  char out_path[1200], err_path[1200], cache_setting[1200];
  snprintf(out_path, sizeof out_path, "%s/stdout", temp_dir);
  snprintf(err_path, sizeof err_path, "%s/stderr", temp_dir);
  snprintf(cache_setting, sizeof cache_setting, "BITBLAS_CACHE=%s/default-cache.db", temp_dir);

  const char *argv[64];
  size_t argc = 0;
  argv[argc++] = program;
  for (size_t i = 0; args && args[i]; i++) argv[argc++] = args[i];
  argv[argc] = NULL;

  size_t env_count = 0;
  while (environ[env_count]) env_count++;
  const char **envp = calloc(env_count + 16, sizeof *envp);
  ck_assert_ptr_nonnull(envp);
  size_t used = 0;
  int cache_overridden = 0;
  for (size_t i = 0; overrides && overrides[i]; i++)
    cache_overridden |= strncmp(overrides[i], "BITBLAS_CACHE=", 14) == 0;
  for (size_t i = 0; i < env_count; i++) {
    if (env_overridden(environ[i], overrides)) continue;
    if (strncmp(environ[i], "BITBLAS_CACHE=", 14) == 0) continue;
    envp[used++] = environ[i];
  }
  for (size_t i = 0; overrides && overrides[i]; i++) envp[used++] = overrides[i];
  if (!cache_overridden) envp[used++] = cache_setting;
  envp[used] = NULL;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path, O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid;
  int error = posix_spawn(&pid, program, &actions, NULL, (char *const *)argv, (char *const *)envp);
  posix_spawn_file_actions_destroy(&actions);
  free(envp);
  ck_assert_msg(error == 0, "posix_spawn %s: %s", program, strerror(error));
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  read_file(out_path, result.out, sizeof result.out);
  read_file(err_path, result.err, sizeof result.err);
  return &result;
}

#define ASSERT_CONTAINS(haystack, needle)                                                          \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "expected \"%s\" in:\n%s", (needle),         \
                (haystack))

static const char *const tools[] = {TUNE, BENCH};
static const char *const no_cuda[] = {NO_CUDA, NULL};

/* ---- --help ---------------------------------------------------------------------------------- */

START_TEST(test_help_prints_usage_and_exits_0) {
  const char *args[] = {"--help", NULL};
  for (int t = 0; t < 2; t++) {
    tool_run *run = run_tool(tools[t], args, no_cuda);
    ck_assert_int_eq(run->exit_status, 0);
    ASSERT_CONTAINS(run->out, "usage: bitblas-");
    ASSERT_CONTAINS(run->out, "--preset");
    ASSERT_CONTAINS(run->out, "--shapes");
    ASSERT_CONTAINS(run->out, "--formats");
    ASSERT_CONTAINS(run->out, "llama-3-8b");
    ASSERT_CONTAINS(run->out, "bitnet-b1.58-2b");
    ASSERT_CONTAINS(run->out, "w4a16");
    ck_assert_str_eq(run->err, "");
  }
  tool_run *run = run_tool(TUNE, args, no_cuda);
  ASSERT_CONTAINS(run->out, "--list");
  ASSERT_CONTAINS(run->out, "--check");
  run = run_tool(BENCH, args, no_cuda);
  ASSERT_CONTAINS(run->out, "--runs");
  ASSERT_CONTAINS(run->out, "--csv");
}
END_TEST

/* ---- bad arguments: exit 64 with a message naming the problem -------------------------------- */

/* Runs both tools with args; each must exit 64, print nothing on stdout, and say `needle` (and
 * `needle2` when not NULL) on stderr. */
static void expect_usage_error(const char *const *args, const char *needle, const char *needle2) {
  for (int t = 0; t < 2; t++) {
    tool_run *run = run_tool(tools[t], args, no_cuda);
    ck_assert_msg(run->exit_status == 64, "%s: exit %d, stderr:\n%s", tools[t], run->exit_status,
                  run->err);
    ck_assert_str_eq(run->out, "");
    ASSERT_CONTAINS(run->err, needle);
    if (needle2) ASSERT_CONTAINS(run->err, needle2);
    ASSERT_CONTAINS(run->err, "usage:");
  }
}

START_TEST(test_unknown_option_exits_64_naming_it) {
  const char *args[] = {"--frobnicate", NULL};
  expect_usage_error(args, "--frobnicate", NULL);
  const char *positional[] = {"llama", NULL};
  expect_usage_error(positional, "\"llama\"", NULL);
}
END_TEST

START_TEST(test_option_without_value_exits_64) {
  const char *args[] = {"--shapes", NULL};
  expect_usage_error(args, "--shapes", "needs a value");
  const char *device[] = {"--device", "zero", NULL};
  expect_usage_error(device, "--device", "not an integer");
}
END_TEST

START_TEST(test_malformed_shapes_exit_64_naming_the_problem) {
  const char *two_fields[] = {"--shapes", "1,2", NULL};
  expect_usage_error(two_fields, "\"1,2\"", "M,N,K");
  const char *not_a_number[] = {"--shapes=1,x,4096", NULL};
  expect_usage_error(not_a_number, "N in \"1,x,4096\"", "not an integer");
  const char *bad_k[] = {"--shapes", "1,4096,4095", NULL};
  expect_usage_error(bad_k, "K = 4095", "multiple of 8");
  const char *zero_m[] = {"--shapes", "0,4096,4096", NULL};
  expect_usage_error(zero_m, "M in \"0,4096,4096\"", "between 1 and");
  const char *second_bad[] = {"--shapes", "1,4096,4096;1,2,3,4", NULL};
  expect_usage_error(second_bad, "\"1,2,3,4\"", "4 fields");
  const char *empty[] = {"--shapes", "", NULL};
  expect_usage_error(empty, "no shapes", NULL);
}
END_TEST

START_TEST(test_unknown_preset_exits_64_listing_presets) {
  const char *args[] = {"--preset", "llama-9", NULL};
  expect_usage_error(args, "unknown preset \"llama-9\"", "llama-3-8b");
  const char *names[] = {"llama-3-70b", "bitblas", "bitnet-b1.58-2b", "awkward"};
  tool_run *run = run_tool(TUNE, args, no_cuda);
  for (size_t i = 0; i < 4; i++) ASSERT_CONTAINS(run->err, names[i]);
  const char *second[] = {"--preset", "llama-3-8b,nope", NULL};
  expect_usage_error(second, "\"nope\"", "valid presets");
}
END_TEST

START_TEST(test_unknown_format_exits_64_listing_formats) {
  const char *args[] = {"--formats", "w3a16", NULL};
  expect_usage_error(args, "unknown format \"w3a16\"", "w4a16");
  tool_run *run = run_tool(BENCH, args, no_cuda);
  ASSERT_CONTAINS(run->err, "w2a8");
  ASSERT_CONTAINS(run->err, "bitnet");
  ASSERT_CONTAINS(run->err, "nf4");
  ASSERT_CONTAINS(run->err, "fp8");
  const char *second[] = {"--formats", "w4a16,bogus", NULL};
  expect_usage_error(second, "\"bogus\"", "valid formats");
}
END_TEST

START_TEST(test_invalid_generic_format_exits_64_with_the_rule) {
  const char *bad_group[] = {"--formats", "A=float16,W=uint4,g=12", NULL};
  expect_usage_error(bad_group, "group_size = 12", "multiple of 8");
  const char *bad_dtype[] = {"--formats", "A=float16,W=uint3", NULL};
  expect_usage_error(bad_dtype, "uint3", "valid names");
  const char *int8_zeros[] = {"--formats", "A=int8,W=int4,zeros=original", NULL};
  expect_usage_error(int8_zeros, "zeros_mode = original", "int32");
  const char *unknown_key[] = {"--formats", "A=float16,W=uint4,bits=4", NULL};
  expect_usage_error(unknown_key, "unknown key \"bits\"", NULL);
}
END_TEST

START_TEST(test_bad_m_lists_exit_64) {
  const char *zero[] = {"--m", "1,0", NULL};
  expect_usage_error(zero, "--m value", "between 1 and");
  const char *word[] = {"--m", "one", NULL};
  expect_usage_error(word, "\"one\"", "not an integer");
  const char *with_shapes[] = {"--shapes", "1,4096,4096", "--m", "1,16", NULL};
  expect_usage_error(with_shapes, "--m applies to --preset shapes", NULL);
}
END_TEST

START_TEST(test_bench_refuses_fewer_than_50_runs) {
  const char *args[] = {"--runs", "10", NULL};
  tool_run *run = run_tool(BENCH, args, no_cuda);
  ck_assert_int_eq(run->exit_status, 64);
  ASSERT_CONTAINS(run->err, "--runs = 10");
  ASSERT_CONTAINS(run->err, "between 50 and");
  const char *csv[] = {"--csv", "", NULL};
  run = run_tool(BENCH, csv, no_cuda);
  ck_assert_int_eq(run->exit_status, 64);
  ASSERT_CONTAINS(run->err, "--csv");
  const char *cold[] = {"--cold-l2", "evict", NULL};
  run = run_tool(BENCH, cold, no_cuda);
  ck_assert_int_eq(run->exit_status, 64);
  ASSERT_CONTAINS(run->err, "--cold-l2 \"evict\": must be rotate or flush");
  const char *enqueue[] = {"--enqueue", "later", NULL};
  run = run_tool(BENCH, enqueue, no_cuda);
  ck_assert_int_eq(run->exit_status, 64);
  ASSERT_CONTAINS(run->err, "--enqueue \"later\": must be held or direct");
}
END_TEST

START_TEST(test_shapes_file_errors_name_the_line) {
  char path[1200];
  snprintf(path, sizeof path, "%s/shapes.txt", temp_dir);
  FILE *file = fopen(path, "w");
  ck_assert_ptr_nonnull(file);
  fputs("# M,N,K\n1,4096,4096   # qkv\n\n16,4096,44\n", file);
  fclose(file);
  const char *args[] = {"--shapes-file", path, NULL};
  char where[1300];
  snprintf(where, sizeof where, "%s:4", path);
  expect_usage_error(args, where, "K = 44");

  const char *missing[] = {"--shapes-file", "/nonexistent/shapes.txt", NULL};
  expect_usage_error(missing, "/nonexistent/shapes.txt", NULL);

  file = fopen(path, "w");
  ck_assert_ptr_nonnull(file);
  fputs("# only comments\n\n", file);
  fclose(file);
  const char *empty[] = {"--shapes-file", path, NULL};
  expect_usage_error(empty, "no shapes", NULL);
}
END_TEST

/* ---- no GPU: exit 2 with one clear line ------------------------------------------------------ */

static void expect_no_device(const char *program, const char *const *args) {
  tool_run *run = run_tool(program, args, no_cuda);
  ck_assert_msg(run->exit_status == 2, "%s: exit %d, stderr:\n%s", program, run->exit_status,
                run->err);
  ASSERT_CONTAINS(run->err, "no CUDA device found: ");
  ASSERT_CONTAINS(run->err, "/nonexistent/libcuda.so.1"); /* the library's words follow */
  ck_assert_str_eq(run->out, "");
}

START_TEST(test_no_gpu_exits_2) {
  expect_no_device(TUNE, NULL);
  expect_no_device(BENCH, NULL);
  const char *check[] = {"--check", NULL};
  expect_no_device(TUNE, check);
}
END_TEST

START_TEST(test_every_option_parses_then_no_gpu_exits_2) {
  char shapes_path[1200], cache_path[1200], csv_path[1200];
  snprintf(shapes_path, sizeof shapes_path, "%s/shapes.txt", temp_dir);
  snprintf(cache_path, sizeof cache_path, "%s/c.db", temp_dir);
  snprintf(csv_path, sizeof csv_path, "%s/out.csv", temp_dir);
  FILE *file = fopen(shapes_path, "w");
  ck_assert_ptr_nonnull(file);
  fputs("1,4096,4096\n", file);
  fclose(file);
  const char *tune_args[] = {"--preset",      "llama-3-8b,awkward",
                             "--m",           "1,16",
                             "--shapes",      " 1, 8, 8 ; 4,1,4096;",
                             "--shapes-file", shapes_path,
                             "--formats",     "w4a16,bitnet;A=float16,W=int4,g=64",
                             "--dynamic-m",   "--device=0",
                             "--cache",       cache_path,
                             "--check",       NULL};
  expect_no_device(TUNE, tune_args);
  const char *bench_args[] = {
      "--preset", "bitblas", "--m",       "all",   "--formats", "w2a8,nf4,fp8", "--runs", "50",
      "--csv",    csv_path,  "--cold-l2", "flush", "--check",   "--enqueue",    "direct", NULL};
  expect_no_device(BENCH, bench_args);
  struct stat info;
  ck_assert_msg(stat(csv_path, &info) != 0, "no CSV is written without a device");
}
END_TEST

/* ---- --list ---------------------------------------------------------------------------------- */

START_TEST(test_list_of_missing_cache_exits_0_without_gpu) {
  char setting[1300], path[1200];
  snprintf(path, sizeof path, "%s/c.db", temp_dir);
  snprintf(setting, sizeof setting, "BITBLAS_CACHE=%s", path);
  const char *env[] = {NO_CUDA, setting, NULL};
  const char *args[] = {"--list", NULL};
  tool_run *run = run_tool(TUNE, args, env);
  ck_assert_msg(run->exit_status == 0, "exit %d, stderr:\n%s", run->exit_status, run->err);
  ASSERT_CONTAINS(run->out, path);
  ASSERT_CONTAINS(run->out, "nothing tuned");
  struct stat info;
  ck_assert_msg(stat(path, &info) != 0, "--list must not create the cache file");

  const char *with_option[] = {"--list", "--cache", path, NULL};
  run = run_tool(TUNE, with_option, no_cuda);
  ck_assert_int_eq(run->exit_status, 0);
  ASSERT_CONTAINS(run->out, path);
}
END_TEST

/* Stores one made-up kernel for "Test GPU 9000" with N = n in the cache at path (created). */
static void store_test_kernel(const char *path, int64_t n) {
  char warning[512];
  bb_cache *cache = NULL;
  ck_assert_int_eq(bb_cache_open(path, &cache, warning, sizeof warning), BITBLAS_OK);
  ck_assert_str_eq(bb_cache_path(cache), path);
  bb_cache_key key;
  memset(&key, 0, sizeof key);
  snprintf(key.device_name, sizeof key.device_name, "Test GPU 9000");
  key.compute_major = 9;
  key.sm_count = 132;
  key.driver_version = 13000;
  key.nvrtc_version = 13000;
  snprintf(key.library_version, sizeof key.library_version, "%s", BITBLAS_VERSION_STRING);
  snprintf(key.source_hash, sizeof key.source_hash, "0123456789abcdef");
  bitblas_matmul_config_init(&key.config);
  key.config.N = n;
  key.config.K = 4096;
  key.config.group_size = 128;
  key.config.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
  bb_cache_entry entry;
  memset(&entry, 0, sizeof entry);
  static const unsigned char cubin[16] = {0x7f, 'E', 'L', 'F'};
  snprintf(entry.schedule, sizeof entry.schedule, "test-schedule-xyz");
  snprintf(entry.kernel_name, sizeof entry.kernel_name, "test_kernel");
  entry.cubin = (void *)cubin;
  entry.cubin_size = sizeof cubin;
  entry.kernel_us = 41.25;
  entry.candidates_tried = 7;
  entry.nvrtc_version = 13000;
  snprintf(entry.tuned_at, sizeof entry.tuned_at, "2026-01-01T00:00:00Z");
  ck_assert_int_eq(bb_cache_store(cache, &key, &entry, NULL, 0), BITBLAS_OK);
  bb_cache_close(cache);
}

START_TEST(test_list_prints_stored_kernels) {
  char path[1200];
  snprintf(path, sizeof path, "%s/c.db", temp_dir);
  char warning[512];
  bb_cache *cache = NULL;
  ck_assert_int_eq(bb_cache_open(path, &cache, warning, sizeof warning), BITBLAS_OK);
  bb_cache_close(cache);

  const char *args[] = {"--list", "--cache", path, NULL};
  tool_run *run = run_tool(TUNE, args, no_cuda);
  ck_assert_msg(run->exit_status == 0, "exit %d, stderr:\n%s", run->exit_status, run->err);
  ASSERT_CONTAINS(run->out, "no kernels stored");

  store_test_kernel(path, 28672);
  run = run_tool(TUNE, args, no_cuda);
  ck_assert_msg(run->exit_status == 0, "exit %d, stderr:\n%s", run->exit_status, run->err);
  ASSERT_CONTAINS(run->out, "Test GPU 9000");
  ASSERT_CONTAINS(run->out, "test-schedule-xyz");
  ASSERT_CONTAINS(run->out, "N=28672");
  ASSERT_CONTAINS(run->out, "1 kernel");
}
END_TEST

/* --export and --import without a GPU: counts printed, the copy listed like the original, a
 * second import keeps what is there, and the refusals name the file and the rule. */
START_TEST(test_export_import_without_gpu) {
  char path[1200], copy[1200], other[1200];
  snprintf(path, sizeof path, "%s/c.db", temp_dir);
  snprintf(copy, sizeof copy, "%s/shipped.db", temp_dir);
  snprintf(other, sizeof other, "%s/other.db", temp_dir);
  store_test_kernel(path, 28672);
  store_test_kernel(path, 6144);
  const char *export_args[] = {"--cache", path, "--export", copy, NULL};
  tool_run *run = run_tool(TUNE, export_args, no_cuda);
  ck_assert_msg(run->exit_status == 0, "exit %d, stderr:\n%s", run->exit_status, run->err);
  ASSERT_CONTAINS(run->out, "exported 2 kernels");
  ASSERT_CONTAINS(run->out, copy);
  run = run_tool(TUNE, export_args, no_cuda); /* the file now exists */
  ck_assert_int_eq(run->exit_status, 1);
  ASSERT_CONTAINS(run->err, "already exists");
  ASSERT_CONTAINS(run->err, copy);

  store_test_kernel(other, 6144);
  const char *import_args[] = {"--import", copy, "--cache", other, NULL};
  run = run_tool(TUNE, import_args, no_cuda);
  ck_assert_msg(run->exit_status == 0, "exit %d, stderr:\n%s", run->exit_status, run->err);
  ASSERT_CONTAINS(run->out, "imported 1 kernel from");
  ASSERT_CONTAINS(run->out, "(1 already stored, kept)");
  const char *list_args[] = {"--list", "--cache", other, NULL};
  run = run_tool(TUNE, list_args, no_cuda);
  ck_assert_int_eq(run->exit_status, 0);
  ASSERT_CONTAINS(run->out, "N=28672");
  ASSERT_CONTAINS(run->out, "2 kernels");

  char missing[1300];
  snprintf(missing, sizeof missing, "%s/missing.db", temp_dir);
  const char *bad_import[] = {"--import", missing, "--cache", other, NULL};
  run = run_tool(TUNE, bad_import, no_cuda);
  ck_assert_int_eq(run->exit_status, 1);
  ASSERT_CONTAINS(run->err, "cannot import");
  ASSERT_CONTAINS(run->err, missing);
  const char *two_actions[] = {"--list", "--import", copy, NULL};
  run = run_tool(TUNE, two_actions, no_cuda);
  ck_assert_int_eq(run->exit_status, 64);
  ASSERT_CONTAINS(run->err, "separate actions");
  const char *empty_name[] = {"--export", "", NULL};
  run = run_tool(TUNE, empty_name, no_cuda);
  ck_assert_int_eq(run->exit_status, 64);
  ASSERT_CONTAINS(run->err, "--export: the path is empty");
}
END_TEST

START_TEST(test_list_of_unreadable_cache_fails) {
  char path[1200];
  snprintf(path, sizeof path, "%s/not-a-cache.db", temp_dir);
  FILE *file = fopen(path, "w");
  ck_assert_ptr_nonnull(file);
  for (int i = 0; i < 4096; i++) fputc("garbage!"[i % 8], file);
  fclose(file);
  const char *args[] = {"--list", "--cache", path, NULL};
  tool_run *run = run_tool(TUNE, args, no_cuda);
  ck_assert_int_eq(run->exit_status, 1);
  ASSERT_CONTAINS(run->err, "cannot list");
  ASSERT_CONTAINS(run->err, path);
}
END_TEST

/* ---- the parsers and helpers, called directly ------------------------------------------------ */

START_TEST(test_m_list_parser) {
  int64_t values[BB_TOOL_M_LIST_MAX];
  size_t count = 0;
  ck_assert_int_eq(bb_tool_m_list_parse("1,4,16", values, &count), 0);
  ck_assert_uint_eq(count, 3);
  ck_assert(values[0] == 1 && values[1] == 4 && values[2] == 16);
  ck_assert_int_eq(bb_tool_m_list_parse(" 8 , 8,1", values, &count), 0);
  ck_assert_uint_eq(count, 2); /* duplicates dropped, order kept */
  ck_assert(values[0] == 8 && values[1] == 1);
  ck_assert_int_eq(bb_tool_m_list_parse("all", values, &count), 0);
  ck_assert_uint_eq(count, 11);
  ck_assert(values[0] == 1 && values[10] == 8192);
  ck_assert_int_eq(bb_tool_m_list_parse("1,,2", values, &count), -1);
  ck_assert_uint_eq(count, 0);
  ck_assert_int_eq(bb_tool_m_list_parse("", values, &count), -1);
  ck_assert_int_eq(bb_tool_m_list_parse("-4", values, &count), -1);
  ASSERT_CONTAINS(bb_tool_error(), "between 1 and");
  ck_assert_int_eq(bb_tool_m_list_parse("4x", values, &count), -1);
  ASSERT_CONTAINS(bb_tool_error(), "\"4x\"");
}
END_TEST

START_TEST(test_shapes_parser) {
  bb_tool_shape_list list = {0};
  ck_assert_int_eq(bb_tool_shapes_parse(" 1, 4096 ,14336; 16,1,8;", "--shapes", &list), 0);
  ck_assert_uint_eq(list.count, 2);
  ck_assert(list.items[0].M == 1 && list.items[0].N == 4096 && list.items[0].K == 14336);
  ck_assert(list.items[1].M == 16 && list.items[1].N == 1 && list.items[1].K == 8);
  ck_assert_int_eq(list.items[0].from_preset, 0);
  /* a bad entry appends nothing, even after good ones */
  ck_assert_int_eq(bb_tool_shapes_parse("2,8,8;1,2", "--shapes", &list), -1);
  ck_assert_uint_eq(list.count, 2);
  ASSERT_CONTAINS(bb_tool_error(), "\"1,2\"");
  ASSERT_CONTAINS(bb_tool_error(), "2 fields");
  ck_assert_int_eq(bb_tool_shapes_parse("1,8,12", "--shapes", &list), -1);
  ASSERT_CONTAINS(bb_tool_error(), "K = 12");
  ck_assert_int_eq(bb_tool_shapes_parse("1,8,8;;2,8,8", "--shapes", &list), -1);
  ASSERT_CONTAINS(bb_tool_error(), "empty entry");
  ck_assert_int_eq(bb_tool_shapes_parse("1,99999999999,8", "--shapes", &list), -1);
  ASSERT_CONTAINS(bb_tool_error(), "between 1 and");
  ck_assert_uint_eq(list.count, 2);
  bb_tool_shape_list_free(&list);
  ck_assert_uint_eq(list.count, 0);
}
END_TEST

START_TEST(test_presets_match_the_spec) {
  const bb_tool_preset *llama = bb_tool_preset_find("llama-3-8b");
  ck_assert_ptr_nonnull(llama);
  ck_assert_uint_eq(llama->shape_count, 4);
  const int64_t expected[4][2] = {{6144, 4096}, {4096, 4096}, {28672, 4096}, {4096, 14336}};
  for (int i = 0; i < 4; i++)
    ck_assert(llama->shapes[i].N == expected[i][0] && llama->shapes[i].K == expected[i][1]);
  ck_assert_uint_eq(bb_tool_preset_find("llama-3-70b")->shape_count, 4);
  ck_assert_uint_eq(bb_tool_preset_find("bitblas")->shape_count, 13);
  ck_assert_uint_eq(bb_tool_preset_find("bitnet-b1.58-2b")->shape_count, 4);
  const bb_tool_preset *awkward = bb_tool_preset_find("awkward");
  ck_assert_uint_eq(awkward->shape_count, 5);
  ck_assert(awkward->shapes[3].N == 1 && awkward->shapes[4].K == 8);
  ck_assert_ptr_null(bb_tool_preset_find("llama"));
  /* every preset shape is one the library accepts */
  for (size_t p = 0; p < bb_tool_preset_count(); p++) {
    const bb_tool_preset *preset = bb_tool_preset_at(p);
    for (size_t s = 0; s < preset->shape_count; s++) {
      ck_assert_int_eq(preset->shapes[s].K % 8, 0);
      ck_assert_int_ge(preset->shapes[s].N, 1);
    }
  }

  bb_tool_shape_list list = {0};
  const int64_t ms[] = {1, 16};
  ck_assert_int_eq(bb_tool_presets_add("llama-3-8b, bitnet-b1.58-2b", ms, 2, &list), 0);
  ck_assert_uint_eq(list.count, 16);
  ck_assert(list.items[0].M == 1 && list.items[1].M == 16 && list.items[1].N == 6144);
  ck_assert_str_eq(list.items[0].label, "llama-3-8b qkv");
  ck_assert_int_eq(list.items[0].from_preset, 1);
  ck_assert_int_eq(bb_tool_presets_add("bitblas,nope", ms, 2, &list), -1);
  ck_assert_uint_eq(list.count, 16);
  ASSERT_CONTAINS(bb_tool_error(), "awkward");
  bb_tool_shape_list_free(&list);
}
END_TEST

START_TEST(test_format_presets_make_valid_configs) {
  const int64_t Ks[] = {4096, 14336, 2880, 1024, 8};
  ck_assert_uint_ge(bb_tool_format_preset_count(), 10);
  for (size_t i = 0; i < bb_tool_format_preset_count(); i++) {
    const bb_tool_format *format = bb_tool_format_preset_at(i);
    bb_tool_format parsed;
    ck_assert_int_eq(bb_tool_format_parse(format->name, &parsed), 0);
    ck_assert_str_eq(parsed.name, format->name);
    for (size_t k = 0; k < sizeof Ks / sizeof Ks[0]; k++) {
      bitblas_matmul_config cfg;
      bb_tool_format_config(format, 1, 4096, Ks[k], &cfg);
      bitblas_status status = bitblas_matmul_config_validate(&cfg);
      ck_assert_msg(status == BITBLAS_OK, "%s at K=%lld: %s", format->name, (long long)Ks[k],
                    bitblas_last_error());
    }
  }
  bb_tool_format w4a16, bitnet;
  ck_assert_int_eq(bb_tool_format_parse("w4a16", &w4a16), 0);
  ck_assert(w4a16.A_dtype == BITBLAS_DTYPE_FLOAT16 && w4a16.W_dtype == BITBLAS_DTYPE_UINT4);
  ck_assert(w4a16.group_size == 128 && w4a16.with_scaling &&
            w4a16.zeros_mode == BITBLAS_ZEROS_ORIGINAL);
  ck_assert_int_eq(bb_tool_format_group_for(&w4a16, 4096), 128);
  ck_assert_int_eq(bb_tool_format_group_for(&w4a16, 2880), 120); /* 2880 = 24 x 120 */
  ck_assert_int_eq(bb_tool_format_group_for(&w4a16, 8), 8);
  char label[128];
  bb_tool_format_label(&w4a16, 2880, label, sizeof label);
  ck_assert_str_eq(label, "w4a16/g120");
  bb_tool_format_label(&w4a16, 4096, label, sizeof label);
  ck_assert_str_eq(label, "w4a16");
  ck_assert_int_eq(bb_tool_format_parse("bitnet", &bitnet), 0);
  ck_assert(bitnet.A_dtype == BITBLAS_DTYPE_INT8 && bitnet.W_dtype == BITBLAS_DTYPE_INT2);
  ck_assert(bitnet.ternary && bitnet.with_a_scale && bitnet.group_size == -1);
  bitblas_matmul_config cfg;
  bb_tool_format_config(&bitnet, 1, 2560, 6912, &cfg);
  ck_assert(cfg.accum_dtype == BITBLAS_DTYPE_INT32 && cfg.out_dtype == BITBLAS_DTYPE_FLOAT16);
  ck_assert_int_eq(cfg.with_bias, 0);

  /* "+bias" after a name: the same format with a bias. */
  bb_tool_format with_bias;
  ck_assert_int_eq(bb_tool_format_parse("w4a16+bias", &with_bias), 0);
  ck_assert_int_eq(with_bias.with_bias, 1);
  ck_assert_str_eq(with_bias.name, "w4a16+bias");
  ck_assert(with_bias.W_dtype == w4a16.W_dtype && with_bias.group_size == w4a16.group_size &&
            with_bias.zeros_mode == w4a16.zeros_mode);
  ck_assert_int_eq(w4a16.with_bias, 0);
  bb_tool_format_config(&with_bias, 1, 4096, 4096, &cfg);
  ck_assert_int_eq(cfg.with_bias, 1);
  ck_assert_int_eq(bb_tool_format_parse("bitnet+bias", &with_bias), 0);
  ck_assert(with_bias.with_bias && with_bias.ternary);
  ck_assert_int_eq(bb_tool_format_parse("w4a16+bias+bias", &with_bias), -1);
  ASSERT_CONTAINS(bb_tool_error(), "unknown format \"w4a16+bias+bias\"");
  ck_assert_int_eq(bb_tool_format_parse("+bias", &with_bias), -1);
  ASSERT_CONTAINS(bb_tool_error(), "+bias");
}
END_TEST

START_TEST(test_generic_formats) {
  bb_tool_format format;
  ck_assert_int_eq(bb_tool_format_parse("A=int8,W=int2", &format), 0);
  ck_assert(format.A_dtype == BITBLAS_DTYPE_INT8 && format.with_scaling == 1);
  ck_assert(format.group_size == -1 && format.zeros_mode == BITBLAS_ZEROS_NONE);
  ck_assert_int_eq(bb_tool_format_parse(" A=float16, W=float16 ", &format), 0);
  ck_assert_int_eq(format.with_scaling, 0); /* plain float weights take no scales */
  ck_assert_int_eq(bb_tool_format_parse("A=bfloat16,W=uint4,g=64,zeros=rescale", &format), 0);
  ck_assert(format.out_dtype == BITBLAS_DTYPE_BFLOAT16 && format.group_size == 64);
  ck_assert(format.zeros_mode == BITBLAS_ZEROS_RESCALE);
  ck_assert_str_eq(format.name, "A=bfloat16,W=uint4,g=64,zeros=rescale");
  ck_assert_int_eq(bb_tool_format_parse("A=e4m3_float8,W=uint4", &format), -1);
  ASSERT_CONTAINS(bb_tool_error(), "A_dtype = float8_e4m3");
  ck_assert_int_eq(bb_tool_format_parse("A=float16", &format), -1);
  ASSERT_CONTAINS(bb_tool_error(), "needs at least A= and W=");
  ck_assert_int_eq(bb_tool_format_parse("A=float16,W=uint4,zeros=bogus", &format), -1);
  ASSERT_CONTAINS(bb_tool_error(), "bogus");
  ck_assert_int_eq(bb_tool_format_parse("A=float16,W=uint4,ternary=1", &format), -1);
  ASSERT_CONTAINS(bb_tool_error(), "ternary=1 needs W=int2");
  ck_assert_int_eq(bb_tool_format_parse("A=float16,W=uint4,scale=2", &format), -1);
  ASSERT_CONTAINS(bb_tool_error(), "must be 0 or 1");
  ck_assert_int_eq(bb_tool_format_parse("A=float16,W=uint4,g=128,bias=1", &format), 0);
  ck_assert_int_eq(format.with_bias, 1);
  ck_assert_int_eq(bb_tool_format_parse("A=float16,W=uint4,bias=2", &format), -1);
  ASSERT_CONTAINS(bb_tool_error(), "bias");
  ck_assert_int_eq(bb_tool_format_parse("A=float16,W=uint4,biases=1", &format), -1);
  ASSERT_CONTAINS(bb_tool_error(), "unknown key \"biases\"");

  bb_tool_format formats[BB_TOOL_FORMAT_LIST_MAX];
  size_t count = 0;
  ck_assert_int_eq(
      bb_tool_format_list_parse("w4a16, w2a16;A=float16,W=int4,g=64; nf4", formats, &count), 0);
  ck_assert_uint_eq(count, 4);
  ck_assert_str_eq(formats[1].name, "w2a16");
  ck_assert(formats[2].W_dtype == BITBLAS_DTYPE_INT4 && formats[2].group_size == 64);
  ck_assert_str_eq(formats[3].name, "nf4");
  ck_assert_int_eq(bb_tool_format_list_parse(" ; ", formats, &count), -1);
  ck_assert_uint_eq(count, 0);
}
END_TEST

START_TEST(test_table_alignment_and_csv) {
  const char *headers[] = {"name", "µs", "note"};
  bb_tool_table *table = bb_tool_table_create(3, headers);
  ck_assert_ptr_nonnull(table);
  ck_assert_int_eq(bb_tool_table_row(table), 0);
  bb_tool_table_cell(table, "%s", "a,b");
  bb_tool_table_cell(table, "%.2f", 1.5);
  bb_tool_table_cell(table, "%s", "say \"hi\"");
  bb_tool_table_row(table);
  bb_tool_table_cell(table, "%s", "longer-name");
  bb_tool_table_cell(table, "%.2f", 123.25);
  ck_assert_uint_eq(bb_tool_table_rows(table), 2);

  char path[1200], text[4096];
  snprintf(path, sizeof path, "%s/table.txt", temp_dir);
  FILE *file = fopen(path, "w");
  bb_tool_table_print(table, file);
  fclose(file);
  read_file(path, text, sizeof text);
  /* numbers right-aligned under a 6-wide column ("123.25"); "µs" counts as 2 characters */
  ck_assert_str_eq(text, "name             µs  note\n"
                         "-----------------------------\n"
                         "a,b            1.50  say \"hi\"\n"
                         "longer-name  123.25\n");

  snprintf(path, sizeof path, "%s/table.csv", temp_dir);
  file = fopen(path, "w");
  ck_assert_int_eq(bb_tool_table_write_csv(table, file), 0);
  fclose(file);
  read_file(path, text, sizeof text);
  ck_assert_str_eq(text, "name,µs,note\n\"a,b\",1.50,\"say \"\"hi\"\"\"\nlonger-name,123.25,\n");
  bb_tool_table_destroy(table);

  /* a column of gaps only ("-") stays left-aligned; numbers with gaps align right */
  const char *gap_headers[] = {"layer", "n"};
  table = bb_tool_table_create(2, gap_headers);
  bb_tool_table_row(table);
  bb_tool_table_cell(table, "-");
  bb_tool_table_cell(table, "-");
  bb_tool_table_row(table);
  bb_tool_table_cell(table, "-");
  bb_tool_table_cell(table, "22");
  snprintf(path, sizeof path, "%s/gaps.txt", temp_dir);
  file = fopen(path, "w");
  bb_tool_table_print(table, file);
  fclose(file);
  read_file(path, text, sizeof text);
  ck_assert_str_eq(text, "layer   n\n---------\n-       -\n-      22\n");
  bb_tool_table_destroy(table);
}
END_TEST

START_TEST(test_random_operands) {
  bb_rng rng;
  bb_rng_seed(&rng, 12345);
  bitblas_matmul_config cfg;
  bb_tool_format bitnet;
  ck_assert_int_eq(bb_tool_format_parse("bitnet", &bitnet), 0);
  bb_tool_format_config(&bitnet, 4, 64, 256, &cfg);
  bb_tool_host_weights weights;
  ck_assert_int_eq(bb_tool_host_weights_make(&cfg, 1, &rng, &weights), 0);
  ck_assert_uint_eq(weights.W_bytes, 64 * 256 / 4);
  ck_assert_uint_eq(weights.scales_bytes, 64 * sizeof(float)); /* one float32 per column */
  ck_assert_ptr_null(weights.zeros);
  int8_t values[64 * 256];
  ck_assert_int_eq(bitblas_weight_unpack(cfg.W_dtype, 64, 256, weights.W, values), BITBLAS_OK);
  int seen[3] = {0, 0, 0};
  for (size_t i = 0; i < sizeof values; i++) {
    ck_assert_msg(values[i] >= -1 && values[i] <= 1, "ternary weight %d", values[i]);
    seen[values[i] + 1] = 1;
  }
  ck_assert(seen[0] && seen[1] && seen[2]);
  for (int i = 0; i < 64; i++) {
    float scale = ((const float *)weights.scales)[i];
    ck_assert(scale >= 0.001f && scale <= 0.02f);
  }
  /* int8 activations stay within [-127, 127] and are not zero-filled (operands.h; a single 0
   * is a value like any other) */
  bb_tool_host_activations activations;
  ck_assert_int_eq(bb_tool_host_activations_make(&cfg, 4, &rng, &activations), 0);
  ck_assert_uint_eq(activations.A_bytes, 4 * 256);
  ck_assert_ptr_nonnull(activations.a_scale);
  int signs[2] = {0, 0};
  for (size_t i = 0; i < activations.A_bytes; i++) {
    int8_t value = ((const int8_t *)activations.A)[i];
    ck_assert_msg(value >= -127, "int8 activation %d", value);
    if (value != 0) signs[value > 0] = 1;
  }
  ck_assert(signs[0] && signs[1]);
  bb_tool_host_activations_free(&activations);
  bb_tool_host_weights_free(&weights);
  ck_assert_ptr_null(weights.W);

  /* float8 e4m3 weights are any code but NaN: subnormals (below 2^-6) up to 448 both occur;
   * float16 activations are finite, within [-1, 1] (uniform in [-1, 1), rounded) and not
   * zero-filled */
  bb_tool_format fp8;
  ck_assert_int_eq(bb_tool_format_parse("fp8", &fp8), 0);
  bb_tool_format_config(&fp8, 2, 32, 512, &cfg);
  ck_assert_int_eq(bb_tool_host_weights_make(&cfg, 0, &rng, &weights), 0);
  int subnormal = 0, top_binade = 0;
  for (size_t i = 0; i < weights.W_bytes; i++) {
    double value = bitblas_weight_decode(cfg.W_dtype, ((const uint8_t *)weights.W)[i]);
    ck_assert_msg(value == value && fabs(value) <= 448.0, "float8 code %u -> %g",
                  ((const uint8_t *)weights.W)[i], value);
    subnormal |= value != 0 && fabs(value) < 1.0 / 64;
    top_binade |= fabs(value) >= 256.0;
  }
  ck_assert(subnormal && top_binade);
  ck_assert_int_eq(bb_tool_host_activations_make(&cfg, 2, &rng, &activations), 0);
  ck_assert_uint_eq(activations.A_bytes, 2 * 512 * 2);
  ck_assert_ptr_null(activations.a_scale);
  int nonzero = 0;
  for (size_t i = 0; i < activations.A_bytes / 2; i++) {
    uint16_t bits = ((const uint16_t *)activations.A)[i];
    ck_assert_msg((bits & 0x7C00) != 0x7C00 && (bits & 0x7FFF) <= 0x3C00, "float16 %04x", bits);
    nonzero += (bits & 0x7FFF) != 0;
  }
  ck_assert_int_gt(nonzero, 0);
  bb_tool_host_activations_free(&activations);
  bb_tool_host_weights_free(&weights);

  /* a config the library refuses makes nothing and says why */
  cfg.accum_dtype = BITBLAS_DTYPE_INT32;
  ck_assert_int_eq(bb_tool_host_activations_make(&cfg, 2, &rng, &activations), -1);
  ck_assert_ptr_null(activations.A);
  ck_assert_ptr_nonnull(strstr(bb_tool_error(), "random activations"));
  ck_assert_ptr_nonnull(strstr(bb_tool_error(), "accum_dtype"));
}
END_TEST

START_TEST(test_median) {
  double odd[] = {5.0, 1.0, 3.0};
  ck_assert_double_eq(bb_tool_median(odd, 3), 3.0);
  double even[] = {4.0, 1.0, 3.0, 2.0};
  ck_assert_double_eq(bb_tool_median(even, 4), 2.5);
  ck_assert_double_eq(bb_tool_median(NULL, 0), 0.0);
}
END_TEST

/* Copies of 1000 + 0 + 40 bytes for a 1 MiB L2: many copies, every buffer 256-byte aligned and
 * inside its own copy, the copies apart from any one adding up to twice the L2; copy 0 is the
 * caller's buffers and a buffer of no bytes stays 0. */
START_TEST(test_rotation_plan) {
  const CUdeviceptr buffers[] = {0x7000000, 0, 0x9000000};
  const size_t bytes[] = {1000, 0, 40};
  const size_t l2 = (size_t)1 << 20;
  bb_tool_rotation rotation;
  ck_assert_int_eq(bb_tool_rotation_plan(3, buffers, bytes, l2, &rotation), 0);
  ck_assert_int_eq(rotation.evicts_l2, 1);
  ck_assert_uint_eq(rotation.stride, 1024 + 256);
  ck_assert((size_t)(rotation.copy_count - 1) * 1040 >= 2 * l2);
  ck_assert((size_t)(rotation.copy_count - 2) * 1040 < 2 * l2);
  rotation.arena = 0x40000000; /* as if allocated */
  ck_assert_uint_eq(bb_tool_rotation_buffer(&rotation, 0, 0), buffers[0]);
  ck_assert_uint_eq(bb_tool_rotation_buffer(&rotation, 0, 2), buffers[2]);
  ck_assert_uint_eq(bb_tool_rotation_buffer(&rotation, (int)rotation.copy_count, 0), buffers[0]);
  for (int run = 1; run < 300; run++) {
    const CUdeviceptr w = bb_tool_rotation_buffer(&rotation, run, 0);
    const CUdeviceptr z = bb_tool_rotation_buffer(&rotation, run, 2);
    ck_assert_uint_eq(bb_tool_rotation_buffer(&rotation, run, 1), 0);
    ck_assert_uint_eq(w % 256, 0);
    ck_assert_uint_eq(z % 256, 0);
    ck_assert_uint_eq(w, rotation.arena + (CUdeviceptr)(run - 1) * rotation.stride);
    ck_assert(z >= w + 1000 && z + 40 <= w + rotation.stride);
  }
  /* A few bytes: as many copies as four times the L2 holds, not the millions that would read
   * twice the L2. */
  const size_t tiny[] = {4, 0, 2};
  ck_assert_int_eq(bb_tool_rotation_plan(3, buffers, tiny, l2, &rotation), 0);
  ck_assert_uint_eq(rotation.stride, 512);
  ck_assert_int_eq(rotation.copy_count, 4 * l2 / 512 + 1);
  ck_assert_int_eq(rotation.evicts_l2, 1);
  /* Inputs larger than twice the L2: one more copy. No bytes: nothing to rotate. */
  const size_t big[] = {3 * l2, 0, 0};
  ck_assert_int_eq(bb_tool_rotation_plan(1, buffers, big, l2, &rotation), 0);
  ck_assert_int_eq(rotation.copy_count, 2);
  const size_t none[] = {0, 0, 0};
  ck_assert_int_eq(bb_tool_rotation_plan(3, buffers, none, l2, &rotation), 0);
  ck_assert_int_eq(rotation.copy_count, 1);
  ck_assert_int_eq(rotation.evicts_l2, 0);
  ck_assert_int_eq(bb_tool_rotation_plan(5, buffers, bytes, l2, &rotation), -1);
  ck_assert_ptr_nonnull(strstr(bb_tool_error(), "1 to 4"));
}
END_TEST

static Suite *tools_suite(void) {
  Suite *suite = suite_create("tools");
  TCase *binaries = tcase_create("binaries");
  tcase_add_checked_fixture(binaries, make_temp_dir, remove_temp_dir);
  tcase_set_timeout(binaries, 120);
  tcase_add_test(binaries, test_help_prints_usage_and_exits_0);
  tcase_add_test(binaries, test_unknown_option_exits_64_naming_it);
  tcase_add_test(binaries, test_option_without_value_exits_64);
  tcase_add_test(binaries, test_malformed_shapes_exit_64_naming_the_problem);
  tcase_add_test(binaries, test_unknown_preset_exits_64_listing_presets);
  tcase_add_test(binaries, test_unknown_format_exits_64_listing_formats);
  tcase_add_test(binaries, test_invalid_generic_format_exits_64_with_the_rule);
  tcase_add_test(binaries, test_bad_m_lists_exit_64);
  tcase_add_test(binaries, test_bench_refuses_fewer_than_50_runs);
  tcase_add_test(binaries, test_shapes_file_errors_name_the_line);
  tcase_add_test(binaries, test_no_gpu_exits_2);
  tcase_add_test(binaries, test_every_option_parses_then_no_gpu_exits_2);
  tcase_add_test(binaries, test_list_of_missing_cache_exits_0_without_gpu);
  tcase_add_test(binaries, test_list_prints_stored_kernels);
  tcase_add_test(binaries, test_list_of_unreadable_cache_fails);
  tcase_add_test(binaries, test_export_import_without_gpu);
  suite_add_tcase(suite, binaries);
  TCase *helpers = tcase_create("helpers");
  tcase_add_checked_fixture(helpers, make_temp_dir, remove_temp_dir);
  tcase_add_test(helpers, test_m_list_parser);
  tcase_add_test(helpers, test_shapes_parser);
  tcase_add_test(helpers, test_presets_match_the_spec);
  tcase_add_test(helpers, test_format_presets_make_valid_configs);
  tcase_add_test(helpers, test_generic_formats);
  tcase_add_test(helpers, test_table_alignment_and_csv);
  tcase_add_test(helpers, test_random_operands);
  tcase_add_test(helpers, test_median);
  tcase_add_test(helpers, test_rotation_plan);
  suite_add_tcase(suite, helpers);
  return suite;
}

int main(void) { return bb_test_run_suite(tools_suite()); }
