/*
 * gpu_support.h - what the GPU suites share: the skip rule (exit 77 without a device), a
 * tuning context with a cache of its own, device copies of random operands, and one checked run
 * of an operator against the float64 reference with the output poisoned twice (so an unwritten
 * or twice-written element cannot pass); a given-sums kernel stored for any layer, two operators
 * to run back to back, and a kernel of another library to run bitblas after.
 */
#ifndef BITBLAS_GPU_SUPPORT_H
#define BITBLAS_GPU_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"
#include "cuda_driver.h"
#include "operands.h"

/* 1 if device 0 is usable (its primary context is then current on this thread); otherwise
 * prints why to stderr and returns 0: the suite's main then returns BB_TEST_SKIP. */
int bb_test_gpu_open(void);

/* The driver table after bb_test_gpu_open succeeded. */
const bb_cuda_api *bb_test_cu(void);

/* Device compute capability as major*10+minor (e.g. 90). */
int bb_test_gpu_arch(void);

/* For suites that tune through a context of their own, after bb_test_gpu_open: a scratch folder
 * in dir (bb_test_temp_dir) that holds the cache (BITBLAS_CACHE), tuning over the first two
 * candidates only (correctness, not speed: BITBLAS_TUNE_MAX_CANDIDATES), and a context on
 * device 0 in *ctx. 1 on success; else 0, with the reason on stderr. */
int bb_test_gpu_tuning_context(char *dir, size_t dir_size, bitblas_context **ctx);

typedef struct bb_test_device_operands {
  CUdeviceptr A, W, scales, zeros, bias, a_scale, C;
  size_t c_bytes;
} bb_test_device_operands;

/* Uploads host operands (W as given: the plain packed layout) and allocates C for m rows. */
int bb_test_upload(const bitblas_matmul_config *cfg, const bb_host_operands *host,
                   bb_test_device_operands *out);
void bb_test_device_free(bb_test_device_operands *device);

/* Run arguments for the device copies. */
bitblas_matmul_args bb_test_device_args(const bb_test_device_operands *device, int64_t m);

/* The result of one checked run. */
typedef struct bb_test_check {
  int ran;               /* 1 if both runs completed */
  int poison_differs;    /* outputs differ between the two poisons: unwritten elements */
  int64_t mismatches;    /* int32 outputs that differ from the reference (must be 0) */
  double relative_error; /* bb_error_sum_relative over the compared outputs */
  char message[512];
} bb_test_check;

/* Runs op on fresh random operands of m rows (same seed stream as rng) twice, poisoning C with
 * 0xFF bytes and then 0x7F817F81 words (every element must match between the two), and compares
 * with the float64 reference: every element of outputs up to 16 x 512, else 16 sampled rows x
 * 512 sampled columns. The op's weights go through bitblas_op_transform_weight. */
bb_test_check bb_test_run_and_check(const bitblas_op *op, int64_t m, bb_rng *rng);

/* The same with the bias (the op's config must have one) at `bias_offset` bytes past a
 * cuMemAlloc'd address: a multiple of the output dtype's size, so that it can sit off the 16-byte
 * grid, as a user's pointer into a larger buffer may. */
bb_test_check bb_test_run_and_check_bias_at(const bitblas_op *op, int64_t m, bb_rng *rng,
                                            size_t bias_offset);

/* Compares C, the host copy of an output of host_args->m rows, with the float64 reference of
 * cfg on the host operands host_args (sampled as bb_test_run_and_check does). ran is 1 when the
 * reference could be computed; poison_differs stays 0. */
bb_test_check bb_test_compare(const bitblas_matmul_config *cfg,
                              const bitblas_matmul_args *host_args, const void *C, bb_rng *rng);

/* Tunes cfg on device `ordinal` into the current cache (BITBLAS_CACHE; a context of its own),
 * then replaces the schedule and cubin of the cache's newest kernel row (plain SQL) with the
 * given-sums twin (sums=given) of the first candidate that may take one, compiled here for that
 * device; its schedule text goes to text. Layers below the size the candidate list offers such
 * kernels for get one this way. Fails the running test on any error. */
void bb_test_store_given_sums_twin(int ordinal, const bitblas_matmul_config *cfg, char *text,
                                   size_t size);

/* Two operators of one context in the current cache, the second to read the first's output, for
 * suites that run bitblas back to back: op[0] 4-bit codes, m x n x 32768 (long rows in one wave
 * of blocks: a kernel after it that read too early would read long before it writes); op[1] the
 * given-sums twin (bb_test_store_given_sums_twin) of 2-bit codes, m x n x n with a bias: two
 * kernels and a workspace from bitblas's pool. m = 16, n = 2048. Host and device operands of m
 * rows for each, weights transformed. Fails the running test on any error. */
typedef struct bb_test_chain {
  int64_t m;
  bitblas_matmul_config cfg[2];
  bitblas_context *ctx;
  bitblas_op *op[2];
  bb_host_operands host[2];
  bb_test_device_operands device[2];
} bb_test_chain;

void bb_test_chain_make(bb_test_chain *chain, bb_rng *rng);

/* Fails the running test unless out1 (a host copy of op[0]'s output) matches the float64
 * reference on activations A (host), and out2 (op[1]'s) the reference on out1; `what` and
 * `round` name the run in the message. */
void bb_test_chain_check(const bb_test_chain *chain, const void *A, const void *out1,
                         const void *out2, const char *what, int round, bb_rng *rng);

void bb_test_chain_free(bb_test_chain *chain);

/* A kernel of another library (plain PTX, launched the ordinary way) for suites that run
 * bitblas after someone else's kernel: copy_words copies 32-bit words from src to dst, one
 * thread per word. bb_test_copy_words_load loads it into the current context; 0 on success. */
int bb_test_copy_words_load(CUmodule *module, CUfunction *copy_words);

/* Enqueues copy_words of `words` words from src to dst on stream; the launch's CUresult. */
CUresult bb_test_copy_words(CUfunction copy_words, CUdeviceptr dst, CUdeviceptr src, size_t words,
                            CUstream stream);

/* Tolerance on the relative error for an output of cfg, written down once for every suite:
 * float16 out 2e-3, float32 out 2e-3 (weights may be rounded to float16 before the tensor-core
 * product), bfloat16 A or out 1e-2, int32 exact (0). */
double bb_test_tolerance(const bitblas_matmul_config *cfg);

#endif
