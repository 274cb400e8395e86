/*
 * check_cache.c - the SQLite kernel cache (cache/): store and lookup, every key field, bad rows,
 * schema rebuilds, the in-memory fallback, listing, claims, and several processes writing at
 * once or being killed mid-write. CPU only: the processes are fork()s, no CUDA is touched.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "config.h"
#include "error.h"
#include "test_support.h"
#include "weight_order.h"

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                  */
/* ---------------------------------------------------------------------------------------- */

#define TEST_BLOB_SIZE 4096

/* A key as the runtime would make it for an H100 and a W4A16 g128 config. */
static void make_key(bb_cache_key *key) {
  memset(key, 0, sizeof *key);
  snprintf(key->device_name, sizeof key->device_name, "NVIDIA H100 80GB HBM3");
  key->compute_major = 9;
  key->compute_minor = 0;
  key->sm_count = 132;
  key->driver_version = 13000;
  key->nvrtc_version = 13000;
  snprintf(key->library_version, sizeof key->library_version, "0.1.0");
  snprintf(key->source_hash, sizeof key->source_hash, "0123456789abcdef");
  bitblas_matmul_config_init(&key->config);
  key->config.M = 1;
  key->config.N = 4096;
  key->config.K = 4096;
  key->config.group_size = 128;
  key->config.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
}

/* Deterministic bytes from a seed, so that a reader can tell which writer wrote a blob. */
static void fill_blob(unsigned char *blob, size_t size, uint64_t seed) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    blob[i] = (unsigned char)(state >> 24);
  }
}

static int blob_matches(const void *blob, size_t size, uint64_t seed) {
  unsigned char *expected = malloc(size);
  fill_blob(expected, size, seed);
  int same = memcmp(blob, expected, size) == 0;
  free(expected);
  return same;
}

static void make_entry(bb_cache_entry *entry, void *blob, size_t size, uint64_t seed) {
  memset(entry, 0, sizeof *entry);
  snprintf(entry->schedule, sizeof entry->schedule, "gemv tile_n=4 split_k=2 stages=2");
  snprintf(entry->kernel_name, sizeof entry->kernel_name, "bb_gemv_%llu", (unsigned long long)seed);
  fill_blob(blob, size, seed);
  entry->cubin = blob;
  entry->cubin_size = size;
  entry->kernel_us = 12.5;
  entry->candidates_tried = 3;
}

static const bb_candidate_result test_candidates[3] = {
    {"gemv tile_n=4 split_k=2 stages=2", BB_CANDIDATE_OK, 12.5, ""},
    {"gemv tile_n=8 split_k=1 stages=2", BB_CANDIDATE_COMPILE_FAILED, 0, "too many registers"},
    {"gemv tile_n=2 split_k=4 stages=3", BB_CANDIDATE_WRONG, 0, "max error 0.5 at (0, 17)"},
};

/* Stores key with a blob made from seed; asserts success. */
static void store_seeded(bb_cache *cache, const bb_cache_key *key, uint64_t seed) {
  unsigned char blob[TEST_BLOB_SIZE];
  bb_cache_entry entry;
  make_entry(&entry, blob, sizeof blob, seed);
  bitblas_status status = bb_cache_store(cache, key, &entry, test_candidates, 3);
  ck_assert_msg(status == BITBLAS_OK, "store: %s", bitblas_last_error());
}

static bb_cache *open_cache_at(const char *path) {
  bb_cache *cache = NULL;
  char warning[1024];
  bitblas_status status = bb_cache_open(path, &cache, warning, sizeof warning);
  ck_assert_msg(status == BITBLAS_OK, "open %s: %s", path, bitblas_last_error());
  ck_assert_msg(warning[0] == '\0', "unexpected warning: %s", warning);
  ck_assert_str_eq(bb_cache_path(cache), path);
  return cache;
}

/* --- raw SQLite, to see what a person with the sqlite3 shell sees ----------------------- */

static sqlite3 *raw_open(const char *path) {
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  return db;
}

static void raw_exec(const char *path, const char *sql) {
  sqlite3 *db = raw_open(path);
  char *message = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &message);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, message ? message : "?");
  sqlite3_free(message);
  sqlite3_close(db);
}

/* The first column of the first row as text ("NULL" for NULL). */
static void raw_text(const char *path, const char *sql, char *buf, size_t size) {
  sqlite3 *db = raw_open(path);
  sqlite3_stmt *stmt = NULL;
  ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK, "%s: %s", sql,
                sqlite3_errmsg(db));
  ck_assert_msg(sqlite3_step(stmt) == SQLITE_ROW, "%s: no row", sql);
  const unsigned char *text = sqlite3_column_text(stmt, 0);
  snprintf(buf, size, "%s", text ? (const char *)text : "NULL");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

static void assert_integrity_ok(const char *path) {
  char result[256];
  raw_text(path, "PRAGMA integrity_check", result, sizeof result);
  ck_assert_str_eq(result, "ok");
}

/* --- processes --------------------------------------------------------------------------- */

/* A child's exit status, or 128 + signal if a signal ended it. */
static int wait_for_child(pid_t pid) {
  int wait_status = 0;
  ck_assert_int_eq(waitpid(pid, &wait_status, 0), pid);
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

/* A pipe whose write end the parent closes to let every child go at once. */
typedef struct start_gate {
  int read_fd, write_fd;
} start_gate;

static void gate_create(start_gate *gate) {
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  gate->read_fd = fds[0];
  gate->write_fd = fds[1];
}

/* In a child: forget the parent's end, then block until the parent opens the gate. */
static void gate_wait(start_gate *gate) {
  char byte;
  close(gate->write_fd);
  while (read(gate->read_fd, &byte, 1) < 0 && errno == EINTR) {
  }
  close(gate->read_fd);
}

static void gate_open(start_gate *gate) {
  close(gate->write_fd);
  close(gate->read_fd);
}

/* A child that claims key in its own connection, tells the parent through notify_fd, then
 * waits to be killed. */
static pid_t spawn_claim_holder(const char *path, const bb_cache_key *key) {
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    bb_cache *cache = NULL;
    char result = 'x';
    if (bb_cache_open(path, &cache, NULL, 0) == BITBLAS_OK &&
        bb_cache_claim(cache, key, 3600) == BITBLAS_OK)
      result = 'y';
    if (write(fds[1], &result, 1) != 1) _exit(2);
    for (;;) pause();
  }
  close(fds[1]);
  char result = 0;
  ck_assert_int_eq(read(fds[0], &result, 1), 1);
  close(fds[0]);
  ck_assert_msg(result == 'y', "the claim-holding child could not claim");
  return pid;
}

/* --- the log ----------------------------------------------------------------------------- */

/* stderr redirected into a file, to count what the library logs. main() sets BITBLAS_LOG=warn. */
typedef struct stderr_capture {
  char log_path[700];
  int saved_stderr;
} stderr_capture;

static void capture_stderr(stderr_capture *capture, const char *dir) {
  ck_assert_msg(bb_log_enabled(BB_LOG_WARN), "BITBLAS_LOG does not enable warnings");
  snprintf(capture->log_path, sizeof capture->log_path, "%s/stderr.log", dir);
  fflush(stderr);
  capture->saved_stderr = dup(STDERR_FILENO);
  int log_fd = open(capture->log_path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
  ck_assert_int_ge(log_fd, 0);
  dup2(log_fd, STDERR_FILENO);
  close(log_fd);
}

/* Restores stderr; returns how many "bitblas warn:" lines were written meanwhile. */
static int count_captured_warnings(stderr_capture *capture) {
  fflush(stderr);
  dup2(capture->saved_stderr, STDERR_FILENO);
  close(capture->saved_stderr);
  FILE *log = fopen(capture->log_path, "r");
  ck_assert_ptr_nonnull(log);
  char line[4096];
  int warnings = 0;
  while (fgets(line, sizeof line, log))
    if (strstr(line, "bitblas warn:")) warnings++;
  fclose(log);
  return warnings;
}

static void collect_line(void *user, const char *line);

/* ---------------------------------------------------------------------------------------- */
/* Hash and names                                                                           */
/* ---------------------------------------------------------------------------------------- */

START_TEST(test_hash64_is_fnv1a) {
  /* Published FNV-1a 64-bit test vectors. */
  ck_assert_uint_eq(bb_hash64("", 0, 0), 0xcbf29ce484222325ull);
  ck_assert_uint_eq(bb_hash64("a", 1, 0), 0xaf63dc4c8601ec8cull);
  ck_assert_uint_eq(bb_hash64("foobar", 6, 0), 0x85944171f73967e8ull);
  /* The seed changes the hash; the same seed gives the same hash. */
  ck_assert_uint_ne(bb_hash64("foobar", 6, 1), bb_hash64("foobar", 6, 0));
  ck_assert_uint_eq(bb_hash64("foobar", 6, 77), bb_hash64("foobar", 6, 77));
}
END_TEST

START_TEST(test_outcome_names) {
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_OK), "ok");
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_COMPILE_FAILED), "compile_failed");
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_LAUNCH_FAILED), "launch_failed");
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_WRONG), "wrong");
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_CRASHED), "crashed");
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_HUNG), "hung");
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_NOT_RUN), "not_run");
  ck_assert_str_eq(bb_candidate_outcome_name(BB_CANDIDATE_SKIPPED), "skipped");
  ck_assert_str_eq(bb_candidate_outcome_name((bb_candidate_outcome)99), "unknown");
}
END_TEST

START_TEST(test_key_text_names_every_field) {
  bb_cache_key key;
  make_key(&key);
  char text[1024], config_text[512], expected[1024];
  bb_config_key_text(&key.config, 1, config_text, sizeof config_text);
  snprintf(expected, sizeof expected,
           "NVIDIA H100 80GB HBM3|9.0|132|13000|13000|0.1.0|0123456789abcdef|%s", config_text);
  int length = bb_cache_key_text(&key, text, sizeof text);
  ck_assert_str_eq(text, expected);
  ck_assert_int_eq(length, (int)strlen(expected));
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Location                                                                                 */
/* ---------------------------------------------------------------------------------------- */

START_TEST(test_default_path_order) {
  char dir[512], path[4096], expected[4200];
  bb_test_temp_dir(dir, sizeof dir);
  char *saved_cache = getenv("BITBLAS_CACHE") ? strdup(getenv("BITBLAS_CACHE")) : NULL;
  char *saved_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
  char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

  setenv("BITBLAS_CACHE", "/explicit/place.db", 1);
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  setenv("HOME", "/home/someone", 1);
  bb_cache_default_path(path, sizeof path);
  ck_assert_str_eq(path, "/explicit/place.db");
  unsetenv("BITBLAS_CACHE");
  bb_cache_default_path(path, sizeof path);
  ck_assert_str_eq(path, "/xdg/bitblas/cache.db");
  setenv("XDG_CACHE_HOME", "", 1); /* empty counts as unset */
  bb_cache_default_path(path, sizeof path);
  ck_assert_str_eq(path, "/home/someone/.cache/bitblas/cache.db");

  /* The default location is created with its folders (mkdir -p). */
  char xdg[600];
  snprintf(xdg, sizeof xdg, "%s/deep/er", dir);
  setenv("XDG_CACHE_HOME", xdg, 1);
  bb_cache *cache = NULL;
  char warning[1024];
  ck_assert_int_eq(bb_cache_open(NULL, &cache, warning, sizeof warning), BITBLAS_OK);
  ck_assert_str_eq(warning, "");
  snprintf(expected, sizeof expected, "%s/bitblas/cache.db", xdg);
  ck_assert_str_eq(bb_cache_path(cache), expected);
  struct stat info;
  ck_assert_int_eq(stat(expected, &info), 0);
  ck_assert(S_ISREG(info.st_mode));
  bb_cache_close(cache);

  if (saved_cache)
    setenv("BITBLAS_CACHE", saved_cache, 1);
  else
    unsetenv("BITBLAS_CACHE");
  if (saved_xdg)
    setenv("XDG_CACHE_HOME", saved_xdg, 1);
  else
    unsetenv("XDG_CACHE_HOME");
  if (saved_home)
    setenv("HOME", saved_home, 1);
  else
    unsetenv("HOME");
  free(saved_cache);
  free(saved_xdg);
  free(saved_home);
  bb_test_remove_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Store and lookup                                                                         */
/* ---------------------------------------------------------------------------------------- */

START_TEST(test_store_then_lookup) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache *cache = open_cache_at(path);
  bb_cache_key key;
  make_key(&key);
  bb_cache_entry entry;
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  ck_assert_ptr_null(entry.cubin);
  ck_assert_msg(strstr(bitblas_last_error(), "NVIDIA H100") != NULL, "miss message: %s",
                bitblas_last_error());

  store_seeded(cache, &key, 42);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  ck_assert_uint_eq(entry.cubin_size, TEST_BLOB_SIZE);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 42));
  ck_assert_str_eq(entry.schedule, "gemv tile_n=4 split_k=2 stages=2");
  ck_assert_str_eq(entry.kernel_name, "bb_gemv_42");
  ck_assert_double_eq(entry.kernel_us, 12.5);
  ck_assert_int_eq(entry.candidates_tried, 3);
  ck_assert_int_eq(entry.nvrtc_version, 13000);
  /* "YYYY-MM-DDTHH:MM:SSZ", written now. */
  ck_assert_uint_eq(strlen(entry.tuned_at), 20);
  ck_assert_int_eq(entry.tuned_at[10], 'T');
  ck_assert_int_eq(entry.tuned_at[19], 'Z');
  bb_cache_entry_free(&entry);
  ck_assert_ptr_null(entry.cubin);
  ck_assert_uint_eq(entry.cubin_size, 0);

  /* What a person sees with the sqlite3 shell. */
  char text[1024], config_text[512];
  raw_text(path,
           "SELECT device_name || '|' || compute_capability || '|' || sm_count || '|' ||"
           " driver_version || '|' || nvrtc_version || '|' || library_version || '|' ||"
           " source_hash FROM kernels",
           text, sizeof text);
  ck_assert_str_eq(text, "NVIDIA H100 80GB HBM3|9.0|132|13000|13000|0.1.0|0123456789abcdef");
  raw_text(path,
           "SELECT M || ' ' || N || ' ' || K || ' ' || A_dtype || ' ' || W_dtype || ' ' ||"
           " accum_dtype || ' ' || out_dtype || ' ' || group_size || ' ' || with_scaling ||"
           " ' ' || zeros_mode || ' ' || with_bias || ' ' || with_a_scale FROM kernels",
           text, sizeof text);
  ck_assert_str_eq(text, "1 4096 4096 float16 uint4 float32 float16 128 1 original 0 0");
  raw_text(path, "SELECT config FROM kernels", text, sizeof text);
  bb_config_key_text(&key.config, 1, config_text, sizeof config_text);
  ck_assert_str_eq(text, config_text);
  raw_text(path,
           "SELECT typeof(compute_capability) || ' ' || typeof(A_dtype) || ' ' ||"
           " typeof(kernel_us) || ' ' || typeof(cubin) FROM kernels",
           text, sizeof text);
  ck_assert_str_eq(text, "text text real blob");
  raw_text(path,
           "SELECT schedule || ' | ' || kernel_us || ' | ' || cubin_size FROM"
           " kernels_readable",
           text, sizeof text);
  ck_assert_str_eq(text, "gemv tile_n=4 split_k=2 stages=2 | 12.5 | 4096");
  raw_text(path,
           "SELECT group_concat(outcome || ':' || coalesce(us, 'none') || ':' || message,"
           " ';') FROM (SELECT * FROM candidates ORDER BY rowid)",
           text, sizeof text);
  ck_assert_str_eq(text, "ok:12.5:;compile_failed:none:too many registers;"
                         "wrong:none:max error 0.5 at (0, 17)");
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM candidates c JOIN kernels k"
                                     " ON c.kernel_id = k.id"),
                   3);
  ck_assert_int_eq(bb_test_sql_integer(path, "PRAGMA user_version"), BB_CACHE_SCHEMA_VERSION);
  raw_text(path, "PRAGMA journal_mode", text, sizeof text);
  ck_assert_str_eq(text, "wal");

  /* Storing the same key again replaces the row and its candidates. */
  store_seeded(cache, &key, 43);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"), 1);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM candidates"), 3);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 43));
  bb_cache_entry_free(&entry);

  /* A second connection (another process's view) reads the same row. */
  bb_cache *other = open_cache_at(path);
  ck_assert_int_eq(bb_cache_lookup(other, &key, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 43));
  bb_cache_entry_free(&entry);
  bb_cache_close(other);

  bb_cache_close(cache);
  bb_test_remove_tree(dir);
}
END_TEST

/* Changes one field of the key; returns its name, or NULL past the last field. */
static const char *change_key_field(bb_cache_key *key, int field) {
  bitblas_matmul_config *config = &key->config;
  switch (field) {
  case 0:
    snprintf(key->device_name, sizeof key->device_name, "NVIDIA A100-SXM4-80GB");
    return "device_name";
  case 1:
    key->compute_major = 8;
    return "compute_major";
  case 2:
    key->compute_minor = 9;
    return "compute_minor";
  case 3:
    key->sm_count = 114;
    return "sm_count";
  case 4:
    key->driver_version = 12080;
    return "driver_version";
  case 5:
    key->nvrtc_version = 12040;
    return "nvrtc_version";
  case 6:
    snprintf(key->library_version, sizeof key->library_version, "0.2.0");
    return "library_version";
  case 7:
    snprintf(key->source_hash, sizeof key->source_hash, "fedcba9876543210");
    return "source_hash";
  case 8:
    config->M = 16;
    return "M";
  case 9:
    config->N = 6144;
    return "N";
  case 10:
    config->K = 8192;
    return "K";
  case 11:
    config->A_dtype = BITBLAS_DTYPE_BFLOAT16;
    return "A_dtype";
  case 12:
    config->W_dtype = BITBLAS_DTYPE_INT4;
    return "W_dtype";
  case 13:
    config->accum_dtype = BITBLAS_DTYPE_FLOAT16;
    return "accum_dtype";
  case 14:
    config->out_dtype = BITBLAS_DTYPE_FLOAT32;
    return "out_dtype";
  case 15:
    config->group_size = 64;
    return "group_size";
  case 16:
    config->with_scaling = 0;
    return "with_scaling";
  case 17:
    config->zeros_mode = BITBLAS_ZEROS_RESCALE;
    return "zeros_mode";
  case 18:
    config->with_bias = 1;
    return "with_bias";
  case 19:
    config->with_a_scale = 1;
    return "with_a_scale";
  default:
    return NULL;
  }
}

START_TEST(test_miss_on_each_key_field) {
  bb_cache *cache = open_cache_at(":memory:");
  bb_cache_key key;
  make_key(&key);
  store_seeded(cache, &key, 7);
  bb_cache_entry entry;
  int fields = 0;
  for (int field = 0;; field++) {
    bb_cache_key changed = key;
    const char *name = change_key_field(&changed, field);
    if (!name) break;
    fields++;
    bitblas_status status = bb_cache_lookup(cache, &changed, &entry);
    ck_assert_msg(status == BITBLAS_NOT_FOUND, "changing %s still hit (%s)", name,
                  bitblas_status_name(status));
    ck_assert_ptr_null(entry.cubin);
  }
  ck_assert_int_eq(fields, 20);
  /* The unchanged key still hits: the misses above were the changes, not a broken cache. */
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  bb_cache_entry_free(&entry);
  /* The bucket list is not part of the key: a key with one set still hits. */
  bb_cache_key bucketed = key;
  bucketed.config.m_bucket_count = 2;
  bucketed.config.m_buckets[0] = 1;
  bucketed.config.m_buckets[1] = 16;
  ck_assert_int_eq(bb_cache_lookup(cache, &bucketed, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 7));
  bb_cache_entry_free(&entry);
  /* dynamic_m is, where it changes the weight order: this static config reads traded words, a
   * dynamic operator's bucket of it the plain layout, so their kernels differ. */
  ck_assert_int_gt(bb_config_weight_order(&key.config), 0);
  bucketed.config.dynamic_m = 1;
  ck_assert_int_eq(bb_cache_lookup(cache, &bucketed, &entry), BITBLAS_NOT_FOUND);
  bb_cache_close(cache);
}
END_TEST

START_TEST(test_any_nvrtc_version_finds_newest) {
  bb_cache *cache = open_cache_at(":memory:");
  bb_cache_key key;
  make_key(&key);
  unsigned char blob[TEST_BLOB_SIZE];
  bb_cache_entry entry;
  const int versions[3] = {12040, 12080, 12060};
  const char *tuned_at[3] = {"2024-03-01T10:00:00Z", "2025-07-01T10:00:00Z",
                             "2025-01-01T10:00:00Z"};
  for (int i = 0; i < 3; i++) {
    key.nvrtc_version = versions[i];
    make_entry(&entry, blob, sizeof blob, 100 + (uint64_t)i);
    snprintf(entry.tuned_at, sizeof entry.tuned_at, "%s", tuned_at[i]);
    ck_assert_int_eq(bb_cache_store(cache, &key, &entry, NULL, 0), BITBLAS_OK);
  }
  key.nvrtc_version = -1;
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  ck_assert_int_eq(entry.nvrtc_version, 12080);
  ck_assert_str_eq(entry.tuned_at, "2025-07-01T10:00:00Z");
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 101));
  bb_cache_entry_free(&entry);
  /* An exact version still picks its own row. */
  key.nvrtc_version = 12040;
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 100));
  bb_cache_entry_free(&entry);
  key.nvrtc_version = 11000;
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  /* Removing with -1 removes every version. */
  key.nvrtc_version = 12060;
  ck_assert_int_eq(bb_cache_remove(cache, &key), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  key.nvrtc_version = 12040;
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  bb_cache_entry_free(&entry);
  key.nvrtc_version = -1;
  ck_assert_int_eq(bb_cache_remove(cache, &key), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  bb_cache_close(cache);
}
END_TEST

START_TEST(test_store_refuses_bad_arguments) {
  bb_cache *cache = open_cache_at(":memory:");
  bb_cache_key key;
  make_key(&key);
  unsigned char blob[TEST_BLOB_SIZE];
  bb_cache_entry entry;
  make_entry(&entry, blob, sizeof blob, 1);
  entry.cubin = NULL;
  ck_assert_int_eq(bb_cache_store(cache, &key, &entry, NULL, 0), BITBLAS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(bitblas_last_error(), "cubin") != NULL, "%s", bitblas_last_error());
  make_entry(&entry, blob, sizeof blob, 1);
  entry.cubin_size = 0;
  ck_assert_int_eq(bb_cache_store(cache, &key, &entry, NULL, 0), BITBLAS_INVALID_ARGUMENT);
  make_entry(&entry, blob, sizeof blob, 1);
  key.nvrtc_version = -1;
  ck_assert_int_eq(bb_cache_store(cache, &key, &entry, NULL, 0), BITBLAS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(bitblas_last_error(), "nvrtc_version") != NULL, "%s", bitblas_last_error());
  key.nvrtc_version = 13000;
  ck_assert_int_eq(bb_cache_store(cache, &key, &entry, NULL, 2), BITBLAS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(bitblas_last_error(), "candidate_count") != NULL, "%s",
                bitblas_last_error());
  ck_assert_int_eq(bb_cache_store(cache, &key, &entry, test_candidates, -1),
                   BITBLAS_INVALID_ARGUMENT);
  /* Nothing of the refused stores landed. */
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  ck_assert_int_eq(bb_cache_open(NULL, NULL, NULL, 0), BITBLAS_INVALID_ARGUMENT);
  bb_cache_close(cache);
  bb_cache_close(NULL);
  bb_cache_entry_free(NULL);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Bad rows and old schemas                                                                 */
/* ---------------------------------------------------------------------------------------- */

START_TEST(test_bad_rows_are_deleted) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  static const char *const corruptions[] = {
      "UPDATE kernels SET cubin = NULL",
      "UPDATE kernels SET cubin = substr(cubin, 1, 100)", /* truncated blob */
      "UPDATE kernels SET cubin_size = cubin_size + 1",   /* size column disagrees */
      "UPDATE kernels SET cubin = zeroblob(0), cubin_size = 0",
      "UPDATE kernels SET cubin = 'text, not a blob'",
  };
  bb_cache *cache = open_cache_at(path);
  bb_cache_key key;
  make_key(&key);
  bb_cache_entry entry;
  for (size_t i = 0; i < sizeof corruptions / sizeof corruptions[0]; i++) {
    store_seeded(cache, &key, 500 + i);
    raw_exec(path, corruptions[i]);
    stderr_capture capture;
    capture_stderr(&capture, dir);
    bitblas_status status = bb_cache_lookup(cache, &key, &entry);
    ck_assert_int_eq(count_captured_warnings(&capture), 1); /* a person is told, once */
    ck_assert_msg(status == BITBLAS_NOT_FOUND, "after \"%s\"", corruptions[i]);
    ck_assert_ptr_null(entry.cubin);
    ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"), 0);
    ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM candidates"), 0);
    /* A fresh store works again. */
    store_seeded(cache, &key, 600 + i);
    ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
    ck_assert(blob_matches(entry.cubin, entry.cubin_size, 600 + i));
    bb_cache_entry_free(&entry);
  }
  /* The lookup deletes only the bad row, not the other rows of the table. */
  bb_cache_key other = key;
  other.config.N = 1024;
  store_seeded(cache, &other, 9);
  raw_exec(path, "UPDATE kernels SET cubin = NULL WHERE N = 4096");
  stderr_capture capture;
  capture_stderr(&capture, dir);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  ck_assert_int_eq(count_captured_warnings(&capture), 1);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"), 1);
  ck_assert_int_eq(bb_cache_lookup(cache, &other, &entry), BITBLAS_OK);
  bb_cache_entry_free(&entry);
  bb_cache_close(cache);
  assert_integrity_ok(path);
  bb_test_remove_tree(dir);
}
END_TEST

START_TEST(test_schema_mismatch_rebuilds) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache_key key;
  make_key(&key);
  bb_cache_entry entry;

  /* A file of a newer (or older) schema version: its rows are dropped. */
  bb_cache *cache = open_cache_at(path);
  store_seeded(cache, &key, 1);
  bb_cache_close(cache);
  raw_exec(path, "PRAGMA user_version = 99");
  cache = open_cache_at(path);
  ck_assert_int_eq(bb_test_sql_integer(path, "PRAGMA user_version"), BB_CACHE_SCHEMA_VERSION);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"), 0);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  store_seeded(cache, &key, 2);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 2));
  bb_cache_entry_free(&entry);
  bb_cache_close(cache);

  /* A file with an old layout under the same table names, and a view over it. */
  snprintf(path, sizeof path, "%s/old.db", dir);
  sqlite3 *db = NULL; /* raw_open() opens existing files only */
  ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db,
                                "CREATE TABLE kernels (k TEXT, v BLOB);"
                                "INSERT INTO kernels VALUES ('x', x'00');"
                                "CREATE VIEW kernels_readable AS SELECT k FROM kernels;"
                                "CREATE TABLE claims (key TEXT);"
                                "CREATE TABLE \"a \"\"quoted\"\" table\" (x);"
                                "CREATE INDEX old_index ON kernels (k);",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  cache = open_cache_at(path);
  ck_assert_int_eq(bb_test_sql_integer(path, "PRAGMA user_version"), BB_CACHE_SCHEMA_VERSION);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"), 0);
  /* Only this schema is left: kernels, candidates, claims and the one view. */
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 3);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM sqlite_master WHERE name ="
                                     " 'kernels_readable' AND sql LIKE '%cubin_size%'"),
                   1);
  store_seeded(cache, &key, 3);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  bb_cache_entry_free(&entry);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 60), BITBLAS_OK);
  bb_cache_close(cache);

  /* A person dropping a table by hand is repaired on the next open too. */
  raw_exec(path, "DROP TABLE candidates");
  cache = open_cache_at(path);
  store_seeded(cache, &key, 4);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM candidates"), 3);
  bb_cache_close(cache);
  assert_integrity_ok(path);
  bb_test_remove_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Unwritable locations and the in-memory cache                                             */
/* ---------------------------------------------------------------------------------------- */

/* Checks that a cache works end to end: store, lookup, claim, list, remove. */
static void assert_cache_works(bb_cache *cache) {
  bb_cache_key key;
  make_key(&key);
  bb_cache_entry entry;
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
  store_seeded(cache, &key, 77);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 77));
  bb_cache_entry_free(&entry);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 60), BITBLAS_OK);
  bb_cache_release(cache, &key);
  char lines[4][2048];
  int count = 0;
  void *collector[2] = {lines, &count};
  ck_assert_int_eq(bb_cache_list(cache, collect_line, collector), BITBLAS_OK);
  ck_assert_int_eq(count, 1);
  ck_assert_int_eq(bb_cache_remove(cache, &key), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_NOT_FOUND);
}

START_TEST(test_memory_cache_works) {
  bb_cache *cache = NULL;
  char warning[256] = "untouched";
  ck_assert_int_eq(bb_cache_open(":memory:", &cache, warning, sizeof warning), BITBLAS_OK);
  ck_assert_str_eq(warning, "");
  ck_assert_str_eq(bb_cache_path(cache), ":memory:");
  assert_cache_works(cache);
  bb_cache_close(cache);
}
END_TEST

/* Opens path with stderr captured; returns how many warnings were logged. */
static int open_counting_warnings(const char *path, const char *dir, bb_cache **cache,
                                  char *warning, size_t warning_size) {
  stderr_capture capture;
  capture_stderr(&capture, dir);
  bitblas_status status = bb_cache_open(path, cache, warning, warning_size);
  int warnings = count_captured_warnings(&capture);
  ck_assert_msg(status == BITBLAS_OK, "open %s: %s", path, bitblas_last_error());
  return warnings;
}

START_TEST(test_unwritable_location_falls_back_to_memory) {
  char dir[512], blocker[600], path[700];
  bb_test_temp_dir(dir, sizeof dir);
  /* A folder that cannot be made, even by root: its parent is a regular file. */
  snprintf(blocker, sizeof blocker, "%s/not-a-folder", dir);
  FILE *file = fopen(blocker, "w");
  ck_assert_ptr_nonnull(file);
  fclose(file);
  snprintf(path, sizeof path, "%s/sub/cache.db", blocker);
  bb_cache *cache = NULL;
  char warning[2048] = "";
  int logged = open_counting_warnings(path, dir, &cache, warning, sizeof warning);
  ck_assert_int_eq(logged, 1);
  ck_assert_str_eq(bb_cache_path(cache), ":memory:");
  ck_assert_msg(strstr(warning, path) && strstr(warning, "in-memory"), "warning: %s", warning);
  ck_assert_ptr_null(strchr(warning, '\n'));
  assert_cache_works(cache);
  bb_cache_close(cache);

  /* A file that is not an SQLite database is left alone, with the same fallback. */
  snprintf(path, sizeof path, "%s/garbage.db", dir);
  file = fopen(path, "w");
  ck_assert_ptr_nonnull(file);
  for (int i = 0; i < 2000; i++) fputs("not sqlite ", file);
  fclose(file);
  logged = open_counting_warnings(path, dir, &cache, warning, sizeof warning);
  ck_assert_int_eq(logged, 1);
  ck_assert_str_eq(bb_cache_path(cache), ":memory:");
  ck_assert_msg(strstr(warning, path) != NULL, "warning: %s", warning);
  assert_cache_works(cache);
  bb_cache_close(cache);
  struct stat info;
  ck_assert_int_eq(stat(path, &info), 0);
  ck_assert_int_eq(info.st_size, 2000 * 11);
  bb_test_remove_tree(dir);
}
END_TEST

START_TEST(test_read_only_folder) {
  char dir[512], folder[600], path[700];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(folder, sizeof folder, "%s/locked", dir);
  ck_assert_int_eq(mkdir(folder, 0500), 0);
  ck_assert_int_eq(chmod(folder, 0500), 0);
  snprintf(path, sizeof path, "%s/cache.db", folder);
  bb_cache *cache = NULL;
  char warning[2048] = "";
  ck_assert_int_eq(bb_cache_open(path, &cache, warning, sizeof warning), BITBLAS_OK);
  if (geteuid() != 0) {
    /* Permissions hold: the folder cannot take the file. */
    ck_assert_str_eq(bb_cache_path(cache), ":memory:");
    ck_assert_msg(strstr(warning, path) != NULL, "warning: %s", warning);
  } else {
    /* Root writes through the permissions, so the file itself is used (the fallback is
     * exercised as root by test_unwritable_location_falls_back_to_memory). */
    ck_assert_str_eq(bb_cache_path(cache), path);
    ck_assert_str_eq(warning, "");
  }
  assert_cache_works(cache);
  bb_cache_close(cache);
  bb_test_remove_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Listing                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* user is {char lines[][2048], int *count}; keeps up to 4 lines, counts all. */
static void collect_line(void *user, const char *line) {
  void **collector = user;
  char(*lines)[2048] = collector[0];
  int *count = collector[1];
  if (*count < 4) snprintf(lines[*count], sizeof lines[0], "%s", line);
  (*count)++;
}

START_TEST(test_list_lines) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache *cache = open_cache_at(path);
  bb_cache_key key;
  make_key(&key);
  unsigned char blob[TEST_BLOB_SIZE];
  bb_cache_entry entry;
  make_entry(&entry, blob, sizeof blob, 1);
  snprintf(entry.schedule, sizeof entry.schedule, "old schedule");
  snprintf(entry.tuned_at, sizeof entry.tuned_at, "2024-05-01T10:00:00Z");
  ck_assert_int_eq(bb_cache_store(cache, &key, &entry, NULL, 0), BITBLAS_OK);
  bb_cache_key newer = key;
  newer.config.N = 6144;
  snprintf(entry.schedule, sizeof entry.schedule, "new schedule");
  snprintf(entry.tuned_at, sizeof entry.tuned_at, "2025-06-01T10:00:00Z");
  entry.kernel_us = 8.25;
  entry.candidates_tried = 7;
  ck_assert_int_eq(bb_cache_store(cache, &newer, &entry, NULL, 0), BITBLAS_OK);

  char lines[4][2048];
  int count = 0;
  void *collector[2] = {lines, &count};
  ck_assert_int_eq(bb_cache_list(cache, collect_line, collector), BITBLAS_OK);
  ck_assert_int_eq(count, 2);
  char config_text[512], expected[2048];
  bb_config_key_text(&newer.config, 1, config_text, sizeof config_text);
  snprintf(expected, sizeof expected,
           "NVIDIA H100 80GB HBM3 (sm 9.0, 132 SMs) | %s | new schedule | 8.250 us | "
           "7 candidates | 2025-06-01T10:00:00Z",
           config_text);
  ck_assert_str_eq(lines[0], expected);
  ck_assert_msg(strstr(lines[1], "old schedule") && strstr(lines[1], "2024-05-01T10:00:00Z") &&
                    strstr(lines[1], "N=4096") && strstr(lines[1], "12.500 us"),
                "second line: %s", lines[1]);
  bb_cache_close(cache);

  /* The public listing of the file gives the same lines. */
  char public_lines[4][2048];
  int public_count = 0;
  void *public_collector[2] = {public_lines, &public_count};
  ck_assert_int_eq(bitblas_cache_list(path, collect_line, public_collector), BITBLAS_OK);
  ck_assert_int_eq(public_count, 2);
  ck_assert_str_eq(public_lines[0], lines[0]);
  ck_assert_str_eq(public_lines[1], lines[1]);
  ck_assert_str_eq(bitblas_last_error(), "");

  /* A missing file is an error naming it, and listing does not create it. */
  char missing[700];
  snprintf(missing, sizeof missing, "%s/nothing-here.db", dir);
  ck_assert_int_eq(bitblas_cache_list(missing, collect_line, public_collector),
                   BITBLAS_CACHE_ERROR);
  ck_assert_msg(strstr(bitblas_last_error(), missing) != NULL, "%s", bitblas_last_error());
  struct stat info;
  ck_assert_int_ne(stat(missing, &info), 0);
  /* A file of another schema version is not listed as if it were ours. */
  raw_exec(path, "PRAGMA user_version = 99");
  ck_assert_int_eq(bitblas_cache_list(path, collect_line, public_collector), BITBLAS_CACHE_ERROR);
  ck_assert_msg(strstr(bitblas_last_error(), "schema version 99") != NULL, "%s",
                bitblas_last_error());
  ck_assert_int_eq(bitblas_cache_list(path, NULL, NULL), BITBLAS_INVALID_ARGUMENT);
  bb_test_remove_tree(dir);
}
END_TEST

/* Export writes a new cache file with the kernels and their candidates and no claims; import
 * adds the kernels it lacks (candidates included) and keeps the ones it has; both refuse bad
 * input with the field and the rule, and a failed import changes nothing. */
START_TEST(test_export_import) {
  char dir[512], path[600], copy[600], other[600], garbage[600], missing[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  snprintf(copy, sizeof copy, "%s/export.db", dir);
  snprintf(other, sizeof other, "%s/other/cache.db", dir);
  snprintf(garbage, sizeof garbage, "%s/garbage.db", dir);
  snprintf(missing, sizeof missing, "%s/missing.db", dir);
  bb_cache *cache = open_cache_at(path);
  bb_cache_key first, second;
  make_key(&first);
  second = first;
  second.config.N = 6144;
  store_seeded(cache, &first, 1);
  store_seeded(cache, &second, 2);
  ck_assert_int_eq(bb_cache_claim(cache, &second, 600.0), BITBLAS_OK);
  bb_cache_close(cache);

  int exported = -1;
  ck_assert_int_eq(bitblas_cache_export(path, copy, &exported), BITBLAS_OK);
  ck_assert_int_eq(exported, 2);
  ck_assert_int_eq(bb_test_sql_integer(copy, "SELECT count(*) FROM kernels"), 2);
  ck_assert_int_eq(bb_test_sql_integer(copy, "SELECT count(*) FROM candidates"), 6);
  ck_assert_int_eq(bb_test_sql_integer(copy, "SELECT count(*) FROM claims"), 0);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 1); /* source untouched */
  assert_integrity_ok(copy);
  /* An export never overwrites, and needs a source. */
  ck_assert_int_eq(bitblas_cache_export(path, copy, &exported), BITBLAS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(bitblas_last_error(), copy) && strstr(bitblas_last_error(), "exists"), "%s",
                bitblas_last_error());
  ck_assert_int_eq(exported, 0);
  ck_assert_int_eq(bitblas_cache_export(path, NULL, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "out_path"));
  char fresh[700];
  snprintf(fresh, sizeof fresh, "%s/fresh.db", dir);
  ck_assert_int_eq(bitblas_cache_export(missing, fresh, NULL), BITBLAS_CACHE_ERROR);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), missing));
  struct stat info;
  ck_assert_int_ne(stat(fresh, &info), 0);
  /* Into a folder that does not exist: refused, naming the file. */
  char nowhere[700];
  snprintf(nowhere, sizeof nowhere, "%s/no/such/folder/x.db", dir);
  ck_assert_int_eq(bitblas_cache_export(path, nowhere, NULL), BITBLAS_CACHE_ERROR);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), nowhere));
  /* An existing empty file is refused too, and left in place (not removed as a failed copy). */
  char empty[700];
  snprintf(empty, sizeof empty, "%s/empty.db", dir);
  FILE *empty_file = fopen(empty, "w");
  ck_assert_ptr_nonnull(empty_file);
  fclose(empty_file);
  ck_assert_int_eq(bitblas_cache_export(path, empty, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(stat(empty, &info), 0);
  ck_assert_int_eq((int)info.st_size, 0);

  /* Import into a new cache: both kernels, their blobs and candidates. */
  int imported = -1, skipped = -1;
  ck_assert_int_eq(bitblas_cache_import(other, copy, &imported, &skipped), BITBLAS_OK);
  ck_assert_int_eq(imported, 2);
  ck_assert_int_eq(skipped, 0);
  ck_assert_int_eq(bb_test_sql_integer(other, "SELECT count(*) FROM candidates"), 6);
  ck_assert_int_eq(bb_test_sql_integer(other, "SELECT count(*) FROM candidates c JOIN kernels k"
                                      " ON c.kernel_id = k.id WHERE k.N = 6144"),
                   3);
  bb_cache *imported_cache = open_cache_at(other);
  bb_cache_entry entry;
  memset(&entry, 0, sizeof entry);
  ck_assert_int_eq(bb_cache_lookup(imported_cache, &second, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 2));
  bb_cache_entry_free(&entry);
  /* A kernel the cache already has keeps its row; the new one is added. */
  bb_cache_key third = first;
  third.config.N = 1000;
  cache = open_cache_at(path);
  store_seeded(cache, &third, 3);
  bb_cache_close(cache);
  store_seeded(imported_cache, &first, 9); /* the other cache's own tuning of `first` */
  bb_cache_close(imported_cache);
  ck_assert_int_eq(bitblas_cache_import(other, path, &imported, &skipped), BITBLAS_OK);
  ck_assert_int_eq(imported, 1);
  ck_assert_int_eq(skipped, 2);
  /* Each kernel has its own three candidates, the kept one included. */
  ck_assert_int_eq(bb_test_sql_integer(other, "SELECT count(*) FROM kernels k WHERE (SELECT count(*)"
                                      " FROM candidates c WHERE c.kernel_id = k.id) = 3"),
                   3);
  ck_assert_int_eq(bb_test_sql_integer(other, "SELECT count(*) FROM candidates"), 9);
  /* Counts are optional; nothing new the third time. */
  ck_assert_int_eq(bitblas_cache_import(other, path, NULL, NULL), BITBLAS_OK);
  ck_assert_int_eq(bb_test_sql_integer(other, "SELECT count(*) FROM kernels"), 3);
  imported_cache = open_cache_at(other);
  ck_assert_int_eq(bb_cache_lookup(imported_cache, &first, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 9));
  bb_cache_entry_free(&entry);
  ck_assert_int_eq(bb_cache_lookup(imported_cache, &third, &entry), BITBLAS_OK);
  ck_assert(blob_matches(entry.cubin, entry.cubin_size, 3));
  bb_cache_entry_free(&entry);
  bb_cache_close(imported_cache);
  assert_integrity_ok(other);

  /* Bad sources: missing, not a cache, another schema version. Nothing changes. */
  FILE *file = fopen(garbage, "w");
  ck_assert_ptr_nonnull(file);
  for (int i = 0; i < 4096; i++) fputc("garbage!"[i % 8], file);
  fclose(file);
  const char *bad_sources[] = {missing, garbage};
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(bitblas_cache_import(other, bad_sources[i], &imported, &skipped),
                     BITBLAS_CACHE_ERROR);
    ck_assert_msg(strstr(bitblas_last_error(), bad_sources[i]) != NULL, "%s", bitblas_last_error());
    ck_assert_int_eq(imported, 0);
  }
  raw_exec(copy, "PRAGMA user_version = 99");
  ck_assert_int_eq(bitblas_cache_import(other, copy, &imported, &skipped), BITBLAS_CACHE_ERROR);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "schema version 99"));
  ck_assert_int_eq(bitblas_cache_import(other, "", NULL, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "in_path"));
  ck_assert_int_eq(bitblas_cache_import(":memory:", path, NULL, NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), ":memory:"));
  /* A cache that cannot be written (its folder would be inside a file) would fall back to
   * memory: the import is refused instead of lost. */
  char unwritable[700];
  snprintf(unwritable, sizeof unwritable, "%s/cache.db", garbage);
  ck_assert_int_eq(bitblas_cache_import(unwritable, path, &imported, NULL), BITBLAS_CACHE_ERROR);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "cannot be written, nothing imported"));
  ck_assert_int_eq(imported, 0);
  /* A malformed row fails the whole import: the row before it is not kept either. The source is
   * a copy made with CREATE TABLE ... AS, which keeps no NOT NULL constraint, with new keys and
   * a NULL in its last row. */
  char loose[700], sql[2048];
  snprintf(loose, sizeof loose, "%s/loose.db", dir);
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open(loose, &db), SQLITE_OK);
  snprintf(sql, sizeof sql,
           "ATTACH '%s' AS source; CREATE TABLE kernels AS SELECT * FROM source.kernels;"
           " CREATE TABLE candidates AS SELECT * FROM source.candidates;"
           " CREATE TABLE claims AS SELECT * FROM source.claims; PRAGMA user_version = 1;"
           " UPDATE kernels SET config = config || ' x';"
           " UPDATE kernels SET tuned_at = NULL WHERE id = (SELECT max(id) FROM kernels);",
           path);
  char *message = NULL;
  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &message) == SQLITE_OK, "%s", message);
  sqlite3_close(db);
  ck_assert_int_eq(bb_test_sql_integer(loose, "SELECT count(*) FROM kernels"), 3);
  ck_assert_int_eq(bitblas_cache_import(other, loose, &imported, &skipped), BITBLAS_CACHE_ERROR);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "cannot import a kernel row"));
  ck_assert_int_eq(bb_test_sql_integer(other, "SELECT count(*) FROM kernels"), 3);
  ck_assert_int_eq(bb_test_sql_integer(other, "SELECT count(*) FROM claims"), 0);
  assert_integrity_ok(other);
  bb_test_remove_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Claims                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* In a child: opens path, claims key and exits with 0 when the claim's status is `expected`
 * (after releasing when `release` is set); 10 + n on anything else. */
static void child_claim_expecting(const char *path, const bb_cache_key *key,
                                  bitblas_status expected, int release) {
  bb_cache *cache = NULL;
  if (bb_cache_open(path, &cache, NULL, 0) != BITBLAS_OK) _exit(10);
  bitblas_status status = bb_cache_claim(cache, key, 3600);
  if (status != expected) {
    fprintf(stderr, "child claim: %s, expected %s: %s\n", bitblas_status_name(status),
            bitblas_status_name(expected), bitblas_last_error());
    _exit(11);
  }
  if (release) bb_cache_release(cache, key);
  bb_cache_close(cache);
  _exit(0);
}

static pid_t fork_claimer(const char *path, const bb_cache_key *key, bitblas_status expected,
                          int release) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) child_claim_expecting(path, key, expected, release);
  return pid;
}

START_TEST(test_claim_between_processes) {
  char dir[512], path[600], sql[2048], key_text[1024];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache *cache = open_cache_at(path);
  bb_cache_key key;
  make_key(&key);
  bb_cache_key_text(&key, key_text, sizeof key_text);

  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_OK); /* ours already */
  snprintf(sql, sizeof sql, "SELECT pid FROM claims WHERE key = '%s'", key_text);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), getpid());

  /* Another process is refused at once; its release does not drop our claim. */
  ck_assert_int_eq(wait_for_child(fork_claimer(path, &key, BITBLAS_TIMEOUT, 1)), 0);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), getpid());
  /* A different key is free for it. */
  bb_cache_key other = key;
  other.config.N = 1024;
  ck_assert_int_eq(wait_for_child(fork_claimer(path, &other, BITBLAS_OK, 1)), 0);

  bb_cache_release(cache, &key);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 0);
  ck_assert_int_eq(wait_for_child(fork_claimer(path, &key, BITBLAS_OK, 1)), 0);

  /* Storing the row drops the storing process's claim with it. */
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 1);
  store_seeded(cache, &key, 5);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 0);

  /* The TIMEOUT's message names the holder. */
  pid_t holder = spawn_claim_holder(path, &key);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_TIMEOUT);
  char holder_text[32];
  snprintf(holder_text, sizeof holder_text, "process %d", (int)holder);
  ck_assert_msg(strstr(bitblas_last_error(), holder_text) != NULL, "%s", bitblas_last_error());
  kill(holder, SIGKILL);
  ck_assert_int_eq(wait_for_child(holder), 128 + SIGKILL);
  bb_cache_close(cache);
  bb_test_remove_tree(dir);
}
END_TEST

/* Two connections of one process on one file (contexts on two devices): the claim belongs to
 * the connection that took it; the other waits as another process would, and its store or
 * release leaves that claim alone. */
START_TEST(test_claim_between_connections_of_one_process) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache *first = open_cache_at(path), *second = open_cache_at(path);
  bb_cache_key key;
  make_key(&key);

  ck_assert_int_eq(bb_cache_claim(first, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_claim(second, &key, 3600), BITBLAS_TIMEOUT);
  ck_assert_msg(strstr(bitblas_last_error(), "another context of this process") != NULL, "%s",
                bitblas_last_error());
  ck_assert_int_eq(bb_cache_claim(first, &key, 3600), BITBLAS_OK); /* the holder's own */
  /* A different key is free for the second connection. */
  bb_cache_key other = key;
  other.config.N = 1024;
  ck_assert_int_eq(bb_cache_claim(second, &other, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_claim(first, &other, 3600), BITBLAS_TIMEOUT);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 2);

  /* The second's release and store do not drop the first's claim. */
  bb_cache_release(second, &key);
  ck_assert_int_eq(bb_cache_claim(second, &key, 3600), BITBLAS_TIMEOUT);
  store_seeded(second, &key, 7);
  ck_assert_int_eq(bb_cache_claim(second, &key, 3600), BITBLAS_TIMEOUT);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 2);

  /* Released by its holder, the claim is free for the other connection. */
  bb_cache_release(first, &key);
  ck_assert_int_eq(bb_cache_claim(second, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_claim(first, &key, 3600), BITBLAS_TIMEOUT);
  /* Closing a connection forgets what it held: the process's next claim takes its row over. */
  bb_cache_close(second);
  ck_assert_int_eq(bb_cache_claim(first, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_cache_claim(first, &other, 3600), BITBLAS_OK);
  bb_cache_release(first, &key);
  bb_cache_release(first, &other);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 0);
  bb_cache_close(first);
  bb_test_remove_tree(dir);
}
END_TEST

START_TEST(test_claim_of_dead_process_is_taken_over) {
  char dir[512], path[600], sql[2048], key_text[1024];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache *cache = open_cache_at(path);
  bb_cache_key key;
  make_key(&key);
  bb_cache_key_text(&key, key_text, sizeof key_text);
  snprintf(sql, sizeof sql, "SELECT pid FROM claims WHERE key = '%s'", key_text);

  /* A child that claims and exits without releasing. */
  pid_t child = fork_claimer(path, &key, BITBLAS_OK, 0);
  ck_assert_int_eq(wait_for_child(child), 0);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), child);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), getpid());
  bb_cache_release(cache, &key);

  /* A child that is SIGKILLed while holding the claim: refused while it lives, taken after. */
  pid_t holder = spawn_claim_holder(path, &key);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_TIMEOUT);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), holder);
  kill(holder, SIGKILL);
  ck_assert_int_eq(wait_for_child(holder), 128 + SIGKILL);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), getpid());
  bb_cache_close(cache);
  bb_test_remove_tree(dir);
}
END_TEST

START_TEST(test_old_claim_is_taken_over) {
  char dir[512], path[600], sql[2048], key_text[1024];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache *cache = open_cache_at(path);
  bb_cache_key key;
  make_key(&key);
  bb_cache_key_text(&key, key_text, sizeof key_text);
  snprintf(sql, sizeof sql, "SELECT pid FROM claims WHERE key = '%s'", key_text);

  /* A live holder's claim is taken once older than stale_seconds. */
  pid_t holder = spawn_claim_holder(path, &key);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_TIMEOUT);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 0), BITBLAS_TIMEOUT); /* 0: age never counts */
  bb_test_sleep_seconds(0.3);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 5), BITBLAS_TIMEOUT);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 0.2), BITBLAS_OK);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), getpid());
  kill(holder, SIGKILL);
  ck_assert_int_eq(wait_for_child(holder), 128 + SIGKILL);
  bb_cache_release(cache, &key);

  /* Another host's claim: its pid cannot be checked from here (this pid does not exist on
   * this host, which must not matter), so only its age frees it. */
  char insert[2400];
  snprintf(insert, sizeof insert,
           "INSERT INTO claims (key, pid, host, claimed_at) VALUES ('%s', 2147483000,"
           " 'a-host-that-is-not-this-one', CAST(strftime('%%s', 'now') AS REAL) - 100)",
           key_text);
  raw_exec(path, insert);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_TIMEOUT);
  ck_assert_msg(strstr(bitblas_last_error(), "a-host-that-is-not-this-one") != NULL, "%s",
                bitblas_last_error());
  ck_assert_int_eq(bb_cache_claim(cache, &key, 60), BITBLAS_OK);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), getpid());

  /* A claim row with a nonsense pid on this host is stale, never a kill(0) or kill(-1). */
  bb_cache_release(cache, &key);
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  char *escaped_host = sqlite3_mprintf("%q", host);
  snprintf(insert, sizeof insert,
           "INSERT INTO claims (key, pid, host, claimed_at) VALUES ('%s', 0, '%s',"
           " CAST(strftime('%%s', 'now') AS REAL))",
           key_text, escaped_host);
  sqlite3_free(escaped_host);
  raw_exec(path, insert);
  ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_OK);
  ck_assert_int_eq(bb_test_sql_integer(path, sql), getpid());
  bb_cache_close(cache);
  bb_test_remove_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Several processes and threads                                                            */
/* ---------------------------------------------------------------------------------------- */

#define SAME_KEY_WRITERS 2
#define SAME_KEY_ROUNDS 30

START_TEST(test_two_processes_store_the_same_key) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache_close(open_cache_at(path)); /* schema in place before the race */
  bb_cache_key key;
  make_key(&key);
  start_gate gate;
  gate_create(&gate);
  pid_t children[SAME_KEY_WRITERS];
  for (int writer = 0; writer < SAME_KEY_WRITERS; writer++) {
    children[writer] = fork();
    ck_assert_int_ge(children[writer], 0);
    if (children[writer] == 0) {
      bb_cache *cache = NULL;
      if (bb_cache_open(path, &cache, NULL, 0) != BITBLAS_OK) _exit(10);
      gate_wait(&gate);
      unsigned char blob[TEST_BLOB_SIZE];
      for (int round = 0; round < SAME_KEY_ROUNDS; round++) {
        bb_cache_entry entry;
        make_entry(&entry, blob, sizeof blob, 1000 + (uint64_t)writer);
        if (bb_cache_store(cache, &key, &entry, test_candidates, 3) != BITBLAS_OK) {
          fprintf(stderr, "writer %d: %s\n", writer, bitblas_last_error());
          _exit(11);
        }
        bb_cache_entry found;
        if (bb_cache_lookup(cache, &key, &found) != BITBLAS_OK) _exit(12);
        bb_cache_entry_free(&found);
      }
      bb_cache_close(cache);
      _exit(0);
    }
  }
  gate_open(&gate);
  for (int writer = 0; writer < SAME_KEY_WRITERS; writer++)
    ck_assert_int_eq(wait_for_child(children[writer]), 0);

  assert_integrity_ok(path);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"), 1);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM candidates"), 3);
  bb_cache *cache = open_cache_at(path);
  bb_cache_entry entry;
  ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
  ck_assert_msg(blob_matches(entry.cubin, entry.cubin_size, 1000) ||
                    blob_matches(entry.cubin, entry.cubin_size, 1001),
                "the stored blob is neither writer's");
  bb_cache_entry_free(&entry);
  bb_cache_close(cache);
  bb_test_remove_tree(dir);
}
END_TEST

#define MANY_WRITERS 8
#define KEYS_PER_WRITER 12

static void key_of_writer(bb_cache_key *key, int writer, int index) {
  make_key(key);
  key->config.N = 1024 * (writer + 1);
  key->config.M = index + 1;
}

START_TEST(test_many_processes_store_different_keys) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir); /* created by the racing writers */
  start_gate gate;
  gate_create(&gate);
  pid_t children[MANY_WRITERS];
  for (int writer = 0; writer < MANY_WRITERS; writer++) {
    children[writer] = fork();
    ck_assert_int_ge(children[writer], 0);
    if (children[writer] == 0) {
      gate_wait(&gate);
      bb_cache *cache = NULL;
      char warning[1024];
      if (bb_cache_open(path, &cache, warning, sizeof warning) != BITBLAS_OK) _exit(10);
      if (warning[0]) {
        fprintf(stderr, "writer %d: %s\n", writer, warning);
        _exit(11);
      }
      unsigned char blob[TEST_BLOB_SIZE];
      for (int index = 0; index < KEYS_PER_WRITER; index++) {
        bb_cache_key key;
        key_of_writer(&key, writer, index);
        bb_cache_entry entry;
        make_entry(&entry, blob, sizeof blob, (uint64_t)(writer * 100 + index));
        if (bb_cache_claim(cache, &key, 60) != BITBLAS_OK ||
            bb_cache_store(cache, &key, &entry, test_candidates, 3) != BITBLAS_OK) {
          fprintf(stderr, "writer %d: %s\n", writer, bitblas_last_error());
          _exit(12);
        }
      }
      bb_cache_close(cache);
      _exit(0);
    }
  }
  gate_open(&gate);
  for (int writer = 0; writer < MANY_WRITERS; writer++)
    ck_assert_int_eq(wait_for_child(children[writer]), 0);

  assert_integrity_ok(path);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"),
                   MANY_WRITERS * KEYS_PER_WRITER);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM candidates"),
                   MANY_WRITERS * KEYS_PER_WRITER * 3);
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM claims"), 0);
  bb_cache *cache = open_cache_at(path);
  for (int writer = 0; writer < MANY_WRITERS; writer++) {
    for (int index = 0; index < KEYS_PER_WRITER; index++) {
      bb_cache_key key;
      key_of_writer(&key, writer, index);
      bb_cache_entry entry;
      ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
      ck_assert(blob_matches(entry.cubin, entry.cubin_size, (uint64_t)(writer * 100 + index)));
      bb_cache_entry_free(&entry);
    }
  }
  bb_cache_close(cache);
  bb_test_remove_tree(dir);
}
END_TEST

#define KILL_TEST_KEYS 16
#define KILL_TEST_BLOB_SIZE (512 * 1024)

/* The child of the kill test: claims key 0, then stores keys round after round, each blob
 * seeded by (key, round) and the round written into kernel_name, until it is killed. */
static void store_until_killed(const char *path, int ready_fd) {
  bb_cache *cache = NULL;
  if (bb_cache_open(path, &cache, NULL, 0) != BITBLAS_OK) _exit(10);
  bb_cache_key key;
  key_of_writer(&key, 0, 0);
  if (bb_cache_claim(cache, &key, 3600) != BITBLAS_OK) _exit(11);
  unsigned char *blob = malloc(KILL_TEST_BLOB_SIZE);
  for (int round = 0;; round++) {
    for (int index = 0; index < KILL_TEST_KEYS; index++) {
      key_of_writer(&key, 0, index);
      bb_cache_entry entry;
      uint64_t seed = (uint64_t)round * 1000 + (uint64_t)index;
      make_entry(&entry, blob, KILL_TEST_BLOB_SIZE, seed);
      if (bb_cache_store(cache, &key, &entry, test_candidates, 3) != BITBLAS_OK) _exit(12);
      if (round == 0 && index == 0 && write(ready_fd, "r", 1) != 1) _exit(13);
    }
  }
}

START_TEST(test_kill_during_writes_leaves_a_sound_file) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_rng rng;
  bb_test_rng_seed(&rng);
  for (int attempt = 0; attempt < 3; attempt++) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
      close(fds[0]);
      store_until_killed(path, fds[1]);
    }
    close(fds[1]);
    char byte;
    ck_assert_int_eq(read(fds[0], &byte, 1), 1);
    close(fds[0]);
    bb_test_sleep_seconds(bb_rng_uniform(&rng, 0.02, 0.12));
    kill(child, SIGKILL);
    ck_assert_int_eq(wait_for_child(child), 128 + SIGKILL);

    assert_integrity_ok(path);
    /* Every row that is there is whole: its blob is the one its kernel_name says. */
    bb_cache *cache = open_cache_at(path);
    int found = 0;
    for (int index = 0; index < KILL_TEST_KEYS; index++) {
      bb_cache_key key;
      key_of_writer(&key, 0, index);
      bb_cache_entry entry;
      bitblas_status status = bb_cache_lookup(cache, &key, &entry);
      ck_assert(status == BITBLAS_OK || status == BITBLAS_NOT_FOUND);
      if (status != BITBLAS_OK) continue;
      found++;
      unsigned long long seed = 0;
      ck_assert_int_eq(sscanf(entry.kernel_name, "bb_gemv_%llu", &seed), 1);
      ck_assert_uint_eq(seed % 1000, (unsigned long long)index);
      ck_assert_uint_eq(entry.cubin_size, KILL_TEST_BLOB_SIZE);
      ck_assert(blob_matches(entry.cubin, entry.cubin_size, seed));
      bb_cache_entry_free(&entry);
    }
    ck_assert_int_ge(found, 1); /* the child said it had stored key 0 */
    /* The dead child's claim is taken over, and storing works. */
    bb_cache_key key;
    key_of_writer(&key, 0, 0);
    ck_assert_int_eq(bb_cache_claim(cache, &key, 3600), BITBLAS_OK);
    store_seeded(cache, &key, 4242);
    bb_cache_entry entry;
    ck_assert_int_eq(bb_cache_lookup(cache, &key, &entry), BITBLAS_OK);
    ck_assert(blob_matches(entry.cubin, entry.cubin_size, 4242));
    bb_cache_entry_free(&entry);
    bb_cache_close(cache);
  }
  bb_test_remove_tree(dir);
}
END_TEST

#define SHARING_THREADS 4
#define SHARING_ROUNDS 25

typedef struct sharing_thread {
  bb_cache *cache;
  int index;
  int failures;
} sharing_thread;

static void *store_and_lookup_in_thread(void *arg) {
  sharing_thread *thread = arg;
  unsigned char blob[TEST_BLOB_SIZE];
  for (int round = 0; round < SHARING_ROUNDS; round++) {
    bb_cache_key key;
    key_of_writer(&key, thread->index, round);
    bb_cache_entry entry, found;
    uint64_t seed = (uint64_t)(thread->index * 1000 + round);
    make_entry(&entry, blob, sizeof blob, seed);
    if (bb_cache_store(thread->cache, &key, &entry, test_candidates, 3) != BITBLAS_OK ||
        bb_cache_lookup(thread->cache, &key, &found) != BITBLAS_OK) {
      thread->failures++;
      continue;
    }
    if (!blob_matches(found.cubin, found.cubin_size, seed)) thread->failures++;
    bb_cache_entry_free(&found);
  }
  return NULL;
}

START_TEST(test_threads_share_one_cache) {
  char dir[512], path[600];
  bb_test_temp_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/cache.db", dir);
  bb_cache *cache = open_cache_at(path);
  pthread_t threads[SHARING_THREADS];
  sharing_thread state[SHARING_THREADS];
  for (int i = 0; i < SHARING_THREADS; i++) {
    state[i] = (sharing_thread){cache, i, 0};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, store_and_lookup_in_thread, &state[i]), 0);
  }
  for (int i = 0; i < SHARING_THREADS; i++) {
    pthread_join(threads[i], NULL);
    ck_assert_int_eq(state[i].failures, 0);
  }
  ck_assert_int_eq(bb_test_sql_integer(path, "SELECT count(*) FROM kernels"),
                   SHARING_THREADS * SHARING_ROUNDS);
  bb_cache_close(cache);
  assert_integrity_ok(path);
  bb_test_remove_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

static Suite *cache_suite(void) {
  Suite *suite = suite_create("cache");
  TCase *basics = tcase_create("basics");
  tcase_add_test(basics, test_hash64_is_fnv1a);
  tcase_add_test(basics, test_outcome_names);
  tcase_add_test(basics, test_key_text_names_every_field);
  tcase_add_test(basics, test_default_path_order);
  tcase_add_test(basics, test_store_then_lookup);
  tcase_add_test(basics, test_miss_on_each_key_field);
  tcase_add_test(basics, test_any_nvrtc_version_finds_newest);
  tcase_add_test(basics, test_store_refuses_bad_arguments);
  tcase_add_test(basics, test_bad_rows_are_deleted);
  tcase_add_test(basics, test_schema_mismatch_rebuilds);
  tcase_add_test(basics, test_memory_cache_works);
  tcase_add_test(basics, test_unwritable_location_falls_back_to_memory);
  tcase_add_test(basics, test_read_only_folder);
  tcase_add_test(basics, test_list_lines);
  tcase_add_test(basics, test_export_import);
  tcase_set_timeout(basics, 60);
  suite_add_tcase(suite, basics);

  TCase *claims = tcase_create("claims");
  tcase_add_test(claims, test_claim_between_processes);
  tcase_add_test(claims, test_claim_between_connections_of_one_process);
  tcase_add_test(claims, test_claim_of_dead_process_is_taken_over);
  tcase_add_test(claims, test_old_claim_is_taken_over);
  tcase_set_timeout(claims, 60);
  suite_add_tcase(suite, claims);

  TCase *concurrency = tcase_create("concurrency");
  tcase_add_test(concurrency, test_two_processes_store_the_same_key);
  tcase_add_test(concurrency, test_many_processes_store_different_keys);
  tcase_add_test(concurrency, test_kill_during_writes_leaves_a_sound_file);
  tcase_add_test(concurrency, test_threads_share_one_cache);
  tcase_set_timeout(concurrency, 120);
  suite_add_tcase(suite, concurrency);
  return suite;
}

int main(void) {
  /* Warnings on, so the fallback test can count them on stderr; a louder level set by the
   * person running the tests is kept. */
  const char *log_level = getenv("BITBLAS_LOG");
  if (!log_level || (strcmp(log_level, "info") != 0 && strcmp(log_level, "debug") != 0))
    setenv("BITBLAS_LOG", "warn", 1);
  return bb_test_run_suite(cache_suite());
}
