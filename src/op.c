/*
 * op.c - operators: bitblas_op_get (memo, then cache, then tuning under a cross-process claim),
 * bitblas_op_run (bucket choice and launch), the row quantizer's launch, weight transform,
 * release. Tuning itself is in tuner/, storage in cache/, the BitNet layer's API in bitnet.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "context.h"
#include "error.h"
#include "launch.h"
#include "op.h"
#include "schedule.h"
#include "tune.h"
#include "weight_order.h"

#define BB_CLAIM_STALE_S 900.0
#define BB_CLAIM_POLL_US 50000

typedef struct bb_op_kernel {
  int64_t bucket_m;
  CUmodule module;
  CUfunction row_quantizer; /* bb_config_quantizes_rows configs: the same module's; else NULL */
  CUfunction fused_layer;   /* the BitNet layer in one kernel (tuner/launch.h), or NULL */
  bb_product product;       /* the kernel, and what its launch needs beside it */
  bb_schedule schedule;
} bb_op_kernel;

struct bitblas_op {
  bitblas_context *ctx;
  int references; /* guarded by ctx->lock; the memo holds one */
  bitblas_matmul_config cfg;
  int weight_words; /* bb_config_weight_order: 0 plain, else the traded order every kernel reads */
  int kernel_count;
  bb_op_kernel kernels[BITBLAS_MAX_M_BUCKETS];
  bitblas_op_info info;
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Loads `cubin` into ctx's context as op's `kernel`, with the schedule parsed from
 * schedule_text: op's weights are in order op->weight_words (bb_config_weight_order), and where
 * op's config quantizes its rows the module must also hold the row quantizer. On failure
 * *image_is_bad says whether the failure condemns the image itself (its schedule does not parse
 * or reads another weight order, or the driver refuses it for this device, or a kernel is
 * missing: bb_cuda_error_is_bad_image) rather than a passing condition such as a lack of
 * memory. */
static bitblas_status load_kernel(bitblas_context *ctx, const void *cubin,
                                  const char *schedule_text, const bitblas_op *op,
                                  bb_op_kernel *kernel, int *image_is_bad) {
  const bb_cuda_api *cu = ctx->cu;
  const int weight_words = op->weight_words;
  *image_is_bad = 0;
  bitblas_status status = bb_schedule_parse(schedule_text, &kernel->schedule);
  if (status != BITBLAS_OK) {
    *image_is_bad = 1;
    return status;
  }
  const bb_schedule *schedule = &kernel->schedule;
  const int reads_words =
      schedule->family == BB_FAMILY_TCGEMV && schedule->lane_order == 2 ? schedule->lane_words : 0;
  if (reads_words != weight_words) {
    *image_is_bad = 1;
    return bb_fail(BITBLAS_CACHE_ERROR,
                   "schedule \"%s\": reads weights in order %d (words traded per lane; 0 plain), "
                   "but the operator's weights are in order %d",
                   schedule_text, reads_words, weight_words);
  }
  BB_CU_CHECK(cu->CtxPushCurrent(ctx->cu_context));
  CUfunction function = NULL;
  CUresult result = bb_function_load(cu, cubin, &kernel->module, &function);
  kernel->row_quantizer = NULL;
  kernel->fused_layer = NULL;
  if (result == BB_CUDA_SUCCESS)
    result = bb_product_find(cu, kernel->module, function, schedule, &op->cfg, &kernel->product);
  if (result == BB_CUDA_SUCCESS && bb_config_quantizes_rows(&op->cfg)) {
    result = bb_row_quantizer_find(cu, kernel->module, &kernel->row_quantizer);
    if (result == BB_CUDA_SUCCESS && bb_fused_layer_in_module(schedule, &op->cfg))
      result = bb_fused_layer_find(cu, kernel->module, &kernel->fused_layer);
  }
  if (result != BB_CUDA_SUCCESS && kernel->module) {
    cu->ModuleUnload(kernel->module);
    kernel->module = NULL;
  }
  CUcontext popped;
  cu->CtxPopCurrent(&popped);
  if (result != BB_CUDA_SUCCESS) {
    *image_is_bad = bb_cuda_error_is_bad_image(result);
    return bb_cuda_fail(result, "cuModuleLoadData/cuModuleGetFunction", __func__, __FILE__,
                        __LINE__);
  }
  return BITBLAS_OK;
}

/* Tunes one bucket, stores it, loads it. The caller holds ctx->tuning_lock (and the claim on
 * key, unless the cache could not give one). */
static bitblas_status tune_bucket(bitblas_context *ctx, bitblas_op *op, bb_cache_key *key,
                                  bb_op_kernel *kernel) {
  bb_tune_result result;
  bitblas_status status =
      bb_tune(&ctx->worker, ctx->ordinal, 10 * ctx->compute_major + ctx->compute_minor,
              &key->config, &result);
  if (status != BITBLAS_OK) {
    bb_tune_result_free(&result);
    return status;
  }
  op->info.tuned_now++;
  op->info.candidates_tried += result.candidate_count;
  op->info.tune_seconds += result.seconds;
  bb_cache_entry entry;
  memset(&entry, 0, sizeof entry);
  snprintf(entry.schedule, sizeof entry.schedule, "%s", result.results[result.winner].schedule);
  snprintf(entry.kernel_name, sizeof entry.kernel_name, "%s", BB_KERNEL_NAME);
  entry.cubin = result.cubin;
  entry.cubin_size = result.cubin_size;
  entry.kernel_us = result.us;
  entry.candidates_tried = result.candidate_count;
  entry.nvrtc_version = result.nvrtc_version;
  bb_cache_key stored_key = *key;
  stored_key.nvrtc_version = result.nvrtc_version;
  int image_is_bad = 0;
  status = load_kernel(ctx, result.cubin, entry.schedule, op, kernel, &image_is_bad);
  if (status == BITBLAS_OK) {
    if (kernel == &op->kernels[0]) {
      op->info.kernel_us = result.us;
      snprintf(op->info.schedule, sizeof op->info.schedule, "%s", entry.schedule);
    }
    /* The cache is a cache: a failed store costs a later retune, not this call. */
    if (bb_cache_store(ctx->cache, &stored_key, &entry, result.results, result.candidate_count) !=
        BITBLAS_OK) {
      bb_log(BB_LOG_WARN, "could not store a tuned kernel: %s", bb_error_message());
      bb_error_clear();
    }
  }
  bb_tune_result_free(&result);
  return status;
}

/* Loads key's row from the cache into kernel. BITBLAS_OK: loaded. BITBLAS_NOT_FOUND: no row,
 * or a row this device refuses (deleted, so the caller tunes it again). *lookup_failed: the
 * cache could not be read (the caller tunes without it). Any other status is a load failure
 * that says nothing against the image (out of memory, a context error): the row is kept and the
 * failure returned, since deleting a good kernel would cost a whole tuning. */
static bitblas_status load_cached(bitblas_context *ctx, bitblas_op *op, const bb_cache_key *key,
                                  bb_op_kernel *kernel, int *lookup_failed) {
  *lookup_failed = 0;
  bb_cache_entry entry;
  bitblas_status status = bb_cache_lookup(ctx->cache, key, &entry);
  if (status == BITBLAS_NOT_FOUND) return status;
  if (status != BITBLAS_OK) {
    *lookup_failed = 1;
    return status;
  }
  int image_is_bad = 0;
  status = load_kernel(ctx, entry.cubin, entry.schedule, op, kernel, &image_is_bad);
  if (status == BITBLAS_OK && kernel == &op->kernels[0]) {
    op->info.kernel_us = entry.kernel_us;
    snprintf(op->info.schedule, sizeof op->info.schedule, "%s", entry.schedule);
  }
  bb_cache_entry_free(&entry);
  if (status == BITBLAS_OK) return BITBLAS_OK;
  if (!image_is_bad) {
    bb_error_append("; the cached kernel (M = %" PRId64
                    ") is kept in the cache: this failure does not say its image is bad",
                    key->config.M);
    return status;
  }
  bb_log(BB_LOG_WARN, "cached kernel refused by the device, tuning again: %s", bb_error_message());
  bb_cache_remove(ctx->cache, key);
  return BITBLAS_NOT_FOUND;
}

/* Tunes key with ctx's worker; the caller holds ctx->tuning_lock. */
static bitblas_status tune_unclaimed(bitblas_context *ctx, bitblas_op *op, bb_cache_key *key,
                                     bb_op_kernel *kernel, const char *why) {
  bb_log(BB_LOG_WARN, "%s, tuning without it: %s", why, bb_error_message());
  return tune_bucket(ctx, op, key, kernel);
}

/* Claims key and tunes it, holding ctx->tuning_lock: one tuning at a time per context (it has
 * one worker), and the claim, which belongs to the process, is never held by two threads of
 * this context at once (two configs may share a kernel: a static M and a dynamic bucket of the
 * same M). BITBLAS_TIMEOUT: another process holds the claim (wait, look again).
 * *row_appeared: the row is there now (stored by the thread or process that held the claim
 * before us): nothing was tuned; look again. */
static bitblas_status claim_and_tune(bitblas_context *ctx, bitblas_op *op, bb_cache_key *key,
                                     bb_op_kernel *kernel, int *row_appeared) {
  *row_appeared = 0;
  pthread_mutex_lock(&ctx->tuning_lock);
  bitblas_status status = bb_cache_claim(ctx->cache, key, BB_CLAIM_STALE_S);
  if (status == BITBLAS_OK) {
    bb_cache_entry entry;
    if (bb_cache_lookup(ctx->cache, key, &entry) == BITBLAS_OK) {
      bb_cache_entry_free(&entry);
      *row_appeared = 1;
    } else {
      status = tune_bucket(ctx, op, key, kernel);
    }
    bb_cache_release(ctx->cache, key);
  } else if (status != BITBLAS_TIMEOUT) {
    status = tune_unclaimed(ctx, op, key, kernel, "cache claim failed");
  }
  pthread_mutex_unlock(&ctx->tuning_lock);
  return status;
}

/* Finds or makes the kernel of one bucket: cache, else claim and tune, else wait for the
 * process that holds the claim. */
static bitblas_status get_bucket(bitblas_context *ctx, bitblas_op *op, int64_t m,
                                 bb_op_kernel *kernel) {
  bb_cache_key key;
  bb_context_cache_key(ctx, &op->cfg, m, &key);
  kernel->bucket_m = m;
  const char *wait_env = getenv("BITBLAS_CLAIM_WAIT");
  const double wait_limit = wait_env ? strtod(wait_env, NULL) : 1800.0;
  const double started = now_seconds();
  for (;;) {
    int lookup_failed = 0, row_appeared = 0;
    bitblas_status status = load_cached(ctx, op, &key, kernel, &lookup_failed);
    if (lookup_failed) {
      pthread_mutex_lock(&ctx->tuning_lock);
      status = tune_unclaimed(ctx, op, &key, kernel, "cache lookup failed");
      pthread_mutex_unlock(&ctx->tuning_lock);
      return status;
    }
    if (status != BITBLAS_NOT_FOUND) return status;
    status = claim_and_tune(ctx, op, &key, kernel, &row_appeared);
    if (row_appeared) continue;
    if (status != BITBLAS_TIMEOUT) return status;
    if (now_seconds() - started > wait_limit)
      return bb_fail(BITBLAS_TIMEOUT,
                     "waited %.0f s for another process to tune this shape (BITBLAS_CLAIM_WAIT)",
                     wait_limit);
    struct timespec pause = {0, BB_CLAIM_POLL_US * 1000L};
    nanosleep(&pause, NULL);
  }
}

static void op_free(bitblas_op *op) {
  if (!op) return;
  const bb_cuda_api *cu = op->ctx->cu;
  for (int i = 0; i < op->kernel_count; i++)
    if (op->kernels[i].module) cu->ModuleUnload(op->kernels[i].module);
  free(op);
}

void bb_op_destroy_from_memo(bitblas_op *op) { op_free(op); }

/* The memo's entry for memo_key, or NULL. Needs ctx->lock. */
static bb_memo_entry *memo_find(bitblas_context *ctx, const char *memo_key) {
  for (bb_memo_entry *entry = ctx->memo; entry; entry = entry->next)
    if (strcmp(entry->key, memo_key) == 0) return entry;
  return NULL;
}

/* Needs ctx->lock. Takes entry out of the memo and frees it (its operator is not touched). */
static void memo_remove(bitblas_context *ctx, bb_memo_entry *entry) {
  for (bb_memo_entry **link = &ctx->memo; *link; link = &(*link)->next) {
    if (*link == entry) {
      *link = entry->next;
      break;
    }
  }
  free(entry);
}

/* Makes an operator for the normalized config: each bucket's kernel from the cache, or tuned. */
static bitblas_status op_make(bitblas_context *ctx, const bitblas_matmul_config *normalized,
                              bitblas_op **out) {
  *out = NULL;
  bitblas_op *op = calloc(1, sizeof *op);
  if (!op) return bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for an operator");
  op->ctx = ctx;
  op->cfg = *normalized;
  op->weight_words = bb_config_weight_order(normalized);
  bitblas_status status = BITBLAS_OK;
  const int buckets = normalized->dynamic_m ? normalized->m_bucket_count : 1;
  for (int i = 0; i < buckets && status == BITBLAS_OK; i++) {
    const int64_t m = normalized->dynamic_m ? normalized->m_buckets[i] : normalized->M;
    status = get_bucket(ctx, op, m, &op->kernels[i]);
    if (status == BITBLAS_OK) op->kernel_count = i + 1;
  }
  if (status != BITBLAS_OK) {
    op_free(op);
    return status;
  }
  op->info.from_cache = op->info.tuned_now == 0;
  if (op->info.tuned_now == 0) op->info.tune_seconds = 0;
  *out = op;
  return BITBLAS_OK;
}

bitblas_status bitblas_op_get(bitblas_context *ctx, const bitblas_matmul_config *cfg,
                              bitblas_op **out) {
  bb_error_clear();
  if (!out) return bb_fail(BITBLAS_INVALID_ARGUMENT, "out: must not be NULL");
  *out = NULL;
  if (!ctx) return bb_fail(BITBLAS_INVALID_ARGUMENT, "ctx: must not be NULL");
  bitblas_matmul_config normalized;
  bitblas_status status = bb_config_normalize(cfg, &normalized);
  if (status != BITBLAS_OK) return status;
  char memo_key[640];
  bitblas_matmul_config_describe(&normalized, memo_key, sizeof memo_key);

  /* ctx->lock is held only to look at and change the memo, so a memo hit never waits for a
   * tuning. An operator is made by one thread at a time: the first to miss leaves an entry
   * without an operator, and others asking for the same config wait for it to be filled (or
   * removed, when making it failed: then they try themselves). Different configs are made at
   * the same time, up to the tuning, which claim_and_tune serializes. */
  pthread_mutex_lock(&ctx->lock);
  bb_memo_entry *entry;
  while ((entry = memo_find(ctx, memo_key)) && !entry->op)
    pthread_cond_wait(&ctx->memo_changed, &ctx->lock);
  if (entry) {
    entry->op->references++;
    *out = entry->op;
    pthread_mutex_unlock(&ctx->lock);
    return BITBLAS_OK;
  }
  entry = calloc(1, sizeof *entry);
  if (entry) {
    snprintf(entry->key, sizeof entry->key, "%s", memo_key);
    entry->next = ctx->memo;
    ctx->memo = entry;
  }
  pthread_mutex_unlock(&ctx->lock);
  if (!entry) return bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for an operator");

  bitblas_op *op = NULL;
  status = op_make(ctx, &normalized, &op);
  pthread_mutex_lock(&ctx->lock);
  if (status == BITBLAS_OK) {
    op->references = 2; /* the memo's and the caller's */
    entry->op = op;
  } else {
    memo_remove(ctx, entry);
  }
  pthread_cond_broadcast(&ctx->memo_changed);
  pthread_mutex_unlock(&ctx->lock);
  if (status != BITBLAS_OK) return status;
  *out = op;
  bb_error_clear(); /* a miss or a wait on the way leaves words that no longer apply */
  return BITBLAS_OK;
}

void bitblas_op_release(bitblas_op *op) {
  if (!op) return;
  /* The memo keeps the last reference until the context is destroyed. */
  pthread_mutex_lock(&op->ctx->lock);
  if (op->references > 1) op->references--;
  pthread_mutex_unlock(&op->ctx->lock);
}

const bitblas_matmul_config *bitblas_op_config(const bitblas_op *op) {
  return op ? &op->cfg : NULL;
}

void bitblas_op_info_get(const bitblas_op *op, bitblas_op_info *info) {
  if (!info) return;
  if (!op) {
    memset(info, 0, sizeof *info);
    return;
  }
  *info = op->info;
}

size_t bitblas_op_weight_bytes(const bitblas_op *op) {
  return op ? bb_config_w_bytes(&op->cfg) : 0;
}

static int misaligned(const void *pointer) { return ((uintptr_t)pointer & 15u) != 0; }

bitblas_status bb_op_check_rows(const bitblas_op *op, int64_t m) {
  if (m < 1 || m > INT32_MAX)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "args.m = %" PRId64 ": must be between 1 and %d", m,
                   INT32_MAX);
  if (!op->cfg.dynamic_m && m > op->cfg.M)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "args.m = %" PRId64 ": this operator was made for M = %" PRId64
                   " (static); use dynamic_m for varying m",
                   m, op->cfg.M);
  return BITBLAS_OK;
}

static bitblas_status check_args(const bitblas_op *op, const bitblas_matmul_args *args) {
  const bitblas_matmul_config *cfg = &op->cfg;
  const bitblas_status status = bb_op_check_rows(op, args->m);
  if (status != BITBLAS_OK) return status;
  struct {
    const char *name;
    const void *pointer;
    int needed;
  } pointers[] = {{"A", args->A, 1},
                  {"W", args->W, 1},
                  {"C", args->C, 1},
                  {"scales", args->scales, cfg->with_scaling},
                  {"zeros", args->zeros, cfg->zeros_mode != BITBLAS_ZEROS_NONE},
                  {"bias", args->bias, cfg->with_bias},
                  {"a_scale", args->a_scale, cfg->with_a_scale}};
  for (size_t i = 0; i < sizeof pointers / sizeof pointers[0]; i++)
    if (pointers[i].needed && !pointers[i].pointer)
      return bb_fail(BITBLAS_INVALID_ARGUMENT, "args.%s: must not be NULL for this config",
                     pointers[i].name);
  if (misaligned(args->A) || misaligned(args->W))
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "args.A and args.W: must be 16-byte aligned (cudaMalloc pointers are)");
  return BITBLAS_OK;
}

/* The kernel that runs m rows: the smallest bucket >= m, else the top one. */
static const bb_op_kernel *kernel_for(const bitblas_op *op, int64_t m) {
  for (int i = 0; i < op->kernel_count; i++)
    if (op->kernels[i].bucket_m >= m) return &op->kernels[i];
  return &op->kernels[op->kernel_count - 1];
}

/* m's rows must fit one launch of kernel: at most 65535 blocks along M. */
static bitblas_status check_blocks_along_m(const bitblas_op *op, const bb_op_kernel *kernel,
                                           int64_t m) {
  unsigned grid[3];
  bb_schedule_grid(&kernel->schedule, &op->cfg, m, grid);
  if (grid[1] <= 65535u) return BITBLAS_OK;
  char schedule[128];
  bb_schedule_format(&kernel->schedule, schedule, sizeof schedule);
  return bb_fail(BITBLAS_INVALID_ARGUMENT,
                 "args.m = %" PRId64 ": more rows than one launch of this operator's kernel covers "
                 "(schedule \"%s\" needs %u blocks along M, at most 65535); split the rows",
                 m, schedule, grid[1]);
}

/* bitblas_op_run, and bb_op_run_after_quantizer with after_quantizer set. */
static bitblas_status op_run(const bitblas_op *op, const bitblas_matmul_args *args,
                             struct CUstream_st *stream, int after_quantizer) {
  bb_error_clear();
  if (!op || !args) return bb_fail(BITBLAS_INVALID_ARGUMENT, "op and args: must not be NULL");
  bitblas_status status = check_args(op, args);
  if (status != BITBLAS_OK) return status;
  const bb_op_kernel *kernel = kernel_for(op, args->m);
  status = check_blocks_along_m(op, kernel, args->m);
  if (status != BITBLAS_OK) return status;
  const bb_cuda_api *cu = op->ctx->cu;
  bb_launch_args launch = {(CUdeviceptr)(uintptr_t)args->A,
                           (CUdeviceptr)(uintptr_t)args->W,
                           (CUdeviceptr)(uintptr_t)args->scales,
                           (CUdeviceptr)(uintptr_t)args->zeros,
                           (CUdeviceptr)(uintptr_t)args->bias,
                           (CUdeviceptr)(uintptr_t)args->a_scale,
                           (CUdeviceptr)(uintptr_t)args->C,
                           (int)args->m,
                           0};
  BB_CU_CHECK(cu->CtxPushCurrent(op->ctx->cu_context));
  const int after_producer =
      after_quantizer && bb_launch_follows_quantizer(op->ctx->compute_major, &kernel->schedule);
  CUresult result = bb_product_launch(cu, &kernel->product, &kernel->schedule, &op->cfg, &launch,
                                      stream, after_producer);
  CUcontext popped;
  cu->CtxPopCurrent(&popped);
  if (result != BB_CUDA_SUCCESS)
    return bb_cuda_fail(result,
                        kernel->schedule.given_sums
                            ? "cuLaunchKernel (activation sums and product, with their workspace)"
                            : "cuLaunchKernel",
                        __func__, __FILE__, __LINE__);
  return BITBLAS_OK;
}

bitblas_status bitblas_op_run(const bitblas_op *op, const bitblas_matmul_args *args,
                              struct CUstream_st *stream) {
  return op_run(op, args, stream, 0);
}

bitblas_status bb_op_run_after_quantizer(const bitblas_op *op, const bitblas_matmul_args *args,
                                         struct CUstream_st *stream) {
  return op_run(op, args, stream, 1);
}

int bb_op_fused_layer_runs(const bitblas_op *op, int64_t m, int forced) {
  const bb_op_kernel *kernel = kernel_for(op, m);
  if (!kernel->fused_layer) return 0;
  return forced ? bb_fused_layer_can_run(&kernel->schedule, &op->cfg, m)
                : bb_fused_layer_fits(&kernel->schedule, &op->cfg, m);
}

bitblas_status bb_op_run_fused_layer(const bitblas_op *op, int64_t m, const void *x, const void *W,
                                     const float *weight_scale, const void *bias, void *y,
                                     struct CUstream_st *stream) {
  const bb_op_kernel *kernel = kernel_for(op, m);
  const bitblas_status status = check_blocks_along_m(op, kernel, m);
  if (status != BITBLAS_OK) return status;
  const bb_cuda_api *cu = op->ctx->cu;
  BB_CU_CHECK(cu->CtxPushCurrent(op->ctx->cu_context));
  const CUresult result = bb_fused_layer_launch(
      cu, kernel->fused_layer, &kernel->schedule, &op->cfg, (int)m, (CUdeviceptr)(uintptr_t)x,
      (CUdeviceptr)(uintptr_t)W, (CUdeviceptr)(uintptr_t)weight_scale, (CUdeviceptr)(uintptr_t)bias,
      (CUdeviceptr)(uintptr_t)y, stream, kernel->product.dependent_runs);
  CUcontext popped;
  cu->CtxPopCurrent(&popped);
  if (result != BB_CUDA_SUCCESS)
    return bb_cuda_fail(result, "cuLaunchKernel(one-kernel layer)", __func__, __FILE__, __LINE__);
  return BITBLAS_OK;
}

bitblas_status bb_op_quantize_rows(const bitblas_op *op, int64_t m, const void *x, void *x_q,
                                   float *a_scale, struct CUstream_st *stream) {
  /* Every bucket's module holds the same quantizer (it depends on K and the output type). With
   * dependent runs it is launched as the run's first kernel. */
  const CUfunction quantizer = op->kernels[0].row_quantizer;
  const int programmatic = kernel_for(op, m)->product.dependent_runs;
  if (!quantizer) return bb_fail(BITBLAS_INVALID_ARGUMENT, "op: its kernels have no row quantizer");
  const bb_cuda_api *cu = op->ctx->cu;
  BB_CU_CHECK(cu->CtxPushCurrent(op->ctx->cu_context));
  const CUresult result = bb_row_quantizer_launch(
      cu, quantizer, (int)m, (CUdeviceptr)(uintptr_t)x, (CUdeviceptr)(uintptr_t)x_q,
      (CUdeviceptr)(uintptr_t)a_scale, stream, programmatic);
  CUcontext popped;
  cu->CtxPopCurrent(&popped);
  if (result != BB_CUDA_SUCCESS)
    return bb_cuda_fail(result, "cuLaunchKernel(row quantizer)", __func__, __FILE__, __LINE__);
  return BITBLAS_OK;
}

bitblas_status bitblas_op_transform_weight(const bitblas_op *op, const void *host_packed,
                                           void *device_W, struct CUstream_st *stream) {
  bb_error_clear();
  if (!op || !host_packed || !device_W)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "op, host_packed and device_W: must not be NULL");
  const bb_cuda_api *cu = op->ctx->cu;
  const size_t bytes = bb_config_w_bytes(&op->cfg);
  /* Traded weights go through a host buffer of whole rows, at most about 16 MiB at a time. */
  const size_t row_bytes = bytes / (size_t)op->cfg.N;
  size_t chunk_rows = op->weight_words ? ((size_t)16 << 20) / row_bytes : (size_t)op->cfg.N;
  if (chunk_rows < 1) chunk_rows = 1;
  if (chunk_rows > (size_t)op->cfg.N) chunk_rows = (size_t)op->cfg.N;
  uint8_t *traded = op->weight_words ? malloc(chunk_rows * row_bytes) : NULL;
  if (op->weight_words && !traded)
    return bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for %zu bytes of traded weights",
                   chunk_rows * row_bytes);
  CUresult result = cu->CtxPushCurrent(op->ctx->cu_context);
  if (result != BB_CUDA_SUCCESS) {
    free(traded);
    return bb_cuda_fail(result, "cuCtxPushCurrent", __func__, __FILE__, __LINE__);
  }
  for (size_t row = 0; row < (size_t)op->cfg.N && result == BB_CUDA_SUCCESS; row += chunk_rows) {
    const size_t rows = (size_t)op->cfg.N - row < chunk_rows ? (size_t)op->cfg.N - row : chunk_rows;
    const uint8_t *source = (const uint8_t *)host_packed + row * row_bytes;
    if (traded) {
      bb_weight_order_trade(source, traded, (int64_t)rows, row_bytes, op->weight_words,
                            bitblas_dtype_bits(op->cfg.W_dtype));
      source = traded;
    }
    result = cu->MemcpyHtoDAsync((CUdeviceptr)(uintptr_t)device_W + row * row_bytes, source,
                                 rows * row_bytes, stream);
    /* The host buffer is reused: each piece lands before the next is written. */
    if (result == BB_CUDA_SUCCESS) result = cu->StreamSynchronize(stream);
  }
  CUcontext popped;
  cu->CtxPopCurrent(&popped);
  free(traded);
  if (result != BB_CUDA_SUCCESS)
    return bb_cuda_fail(result, "cuMemcpyHtoDAsync(weights)", __func__, __FILE__, __LINE__);
  return BITBLAS_OK;
}
