/*
 * test_support.h - what several test suites share: a seeded random generator, scratch
 * directories, clock and sleep helpers, a config maker, one-number SQL queries on a cache file,
 * and the GPU-suite skip rule (exit 77).
 */
#ifndef BITBLAS_TEST_SUPPORT_H
#define BITBLAS_TEST_SUPPORT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"
#include "operands.h"

#define BB_TEST_SKIP 77

/* Seeds rng (src/operands.h) from BITBLAS_TEST_SEED when set, else from the clock; the seed is
 * printed once to stderr so a failure can be replayed. */
void bb_test_rng_seed(bb_rng *rng);

/* A fresh empty directory under $TMPDIR (or /tmp); the path is written into buf. */
void bb_test_temp_dir(char *buf, size_t size);

/* Removes a directory tree made by bb_test_temp_dir. */
void bb_test_remove_tree(const char *path);

/* Seconds on the monotonic clock, for measuring waits. */
double bb_test_now_seconds(void);

/* Sleeps `seconds` (fractions allowed), resuming after signals. */
void bb_test_sleep_seconds(double seconds);

/* A validated float16-activation config with scales: M rows of A, N x K of W_dtype codes in
 * groups of `group` (-1: one per row), zeros as given. Fails the running test if it does not
 * validate. */
bitblas_matmul_config bb_test_scaled_config(int64_t M, int64_t N, int64_t K, bitblas_dtype W_dtype,
                                            int64_t group, bitblas_zeros_mode zeros);

/* The first column of the first row of `sql` on the SQLite file at path, opened read-write as
 * the sqlite3 shell would (waiting up to 10 s for another process's lock); asserts that the
 * query runs and returns a row. */
int64_t bb_test_sql_integer(const char *path, const char *sql);

/* Runs the suite with Check; returns the process exit status (0 when all passed). */
int bb_test_run_suite(Suite *suite);

/* The same, every test in this process (no fork): for the GPU suites, whose CUDA context and
 * state set up in main would not survive a fork. */
int bb_test_run_suite_in_process(Suite *suite);

#endif
