/*
 * test_support.h - what several test suites share: a seeded random generator, scratch
 * directories, float16 helpers for building inputs, and the GPU-suite skip rule (exit 77).
 */
#ifndef BITBLAS_TEST_SUPPORT_H
#define BITBLAS_TEST_SUPPORT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

#define BB_TEST_SKIP 77

/* xorshift64* generator; seeded from the clock unless BITBLAS_TEST_SEED is set (printed). */
typedef struct bb_test_rng {
  uint64_t state;
} bb_test_rng;
void bb_test_rng_seed(bb_test_rng *rng);
uint64_t bb_test_rng_next(bb_test_rng *rng);
double bb_test_rng_uniform(bb_test_rng *rng, double low, double high);

/* A fresh empty directory under $TMPDIR (or /tmp); the path is written into buf. */
void bb_test_temp_dir(char *buf, size_t size);

/* Removes a directory tree made by bb_test_temp_dir. */
void bb_test_remove_tree(const char *path);

/* Runs the suite with Check; returns the process exit status (0 when all passed). */
int bb_test_run_suite(Suite *suite);

#endif
