/*
 * context.c - opening a device for bitblas: driver load, primary context, device facts, cache.
 * Operators are op.c's; the worker is started lazily by the tuner and stopped here.
 */
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "nvrtc_loader.h"
#include "op.h"
#include "schedule.h"
#include "weight_order.h"

const char *bitblas_version(void) { return BITBLAS_VERSION_STRING; }

int bitblas_version_number(void) { return BITBLAS_VERSION_NUMBER; }

static bitblas_status read_device(bitblas_context *ctx) {
  const bb_cuda_api *cu = ctx->cu;
  int count = 0;
  BB_CU_CHECK(cu->DeviceGetCount(&count));
  if (ctx->ordinal < 0 || ctx->ordinal >= count)
    return bb_fail(BITBLAS_NO_DEVICE, "device_ordinal = %d: %d CUDA device(s) present",
                   ctx->ordinal, count);
  BB_CU_CHECK(cu->DeviceGet(&ctx->device, ctx->ordinal));
  BB_CU_CHECK(cu->DeviceGetName(ctx->device_name, sizeof ctx->device_name, ctx->device));
  BB_CU_CHECK(cu->DeviceGetAttribute(&ctx->compute_major, BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR,
                                     ctx->device));
  BB_CU_CHECK(cu->DeviceGetAttribute(&ctx->compute_minor, BB_CU_ATTR_COMPUTE_CAPABILITY_MINOR,
                                     ctx->device));
  BB_CU_CHECK(cu->DeviceGetAttribute(&ctx->sm_count, BB_CU_ATTR_MULTIPROCESSOR_COUNT, ctx->device));
  BB_CU_CHECK(cu->DeviceGetAttribute(&ctx->l2_bytes, BB_CU_ATTR_L2_CACHE_SIZE, ctx->device));
  BB_CU_CHECK(cu->DriverGetVersion(&ctx->driver_version));
  if (ctx->compute_major < 8)
    return bb_fail(BITBLAS_UNSUPPORTED,
                   "device %d (%s) has compute capability %d.%d: bitblas needs 8.0 or newer",
                   ctx->ordinal, ctx->device_name, ctx->compute_major, ctx->compute_minor);
  BB_CU_CHECK(cu->DevicePrimaryCtxRetain(&ctx->cu_context, ctx->device));
  return BITBLAS_OK;
}

bitblas_status bitblas_context_create(int device_ordinal, bitblas_context **out) {
  bb_error_clear();
  if (!out) return bb_fail(BITBLAS_INVALID_ARGUMENT, "out: must not be NULL");
  *out = NULL;
  bitblas_status status;
  const bb_cuda_api *cu = bb_cuda_load(&status);
  if (!cu) return status;
  bitblas_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for a context");
  ctx->cu = cu;
  ctx->ordinal = device_ordinal;
  pthread_mutex_init(&ctx->lock, NULL);
  pthread_cond_init(&ctx->memo_changed, NULL);
  pthread_mutex_init(&ctx->tuning_lock, NULL);
  status = read_device(ctx);
  if (status == BITBLAS_OK)
    status = bb_cache_open(NULL, &ctx->cache, ctx->cache_warning, sizeof ctx->cache_warning);
  if (status != BITBLAS_OK) {
    char message[4096];
    snprintf(message, sizeof message, "%s", bb_error_message());
    bitblas_context_destroy(ctx);
    return bb_fail(status, "%s", message);
  }
  *out = ctx;
  return BITBLAS_OK;
}

void bitblas_context_destroy(bitblas_context *ctx) {
  if (!ctx) return;
  bb_worker_stop(&ctx->worker);
  for (bb_memo_entry *entry = ctx->memo, *next; entry; entry = next) {
    next = entry->next;
    bb_op_destroy_from_memo(entry->op);
    free(entry);
  }
  bb_cache_close(ctx->cache);
  if (ctx->cu_context) ctx->cu->DevicePrimaryCtxRelease(ctx->device);
  pthread_mutex_destroy(&ctx->lock);
  pthread_cond_destroy(&ctx->memo_changed);
  pthread_mutex_destroy(&ctx->tuning_lock);
  free(ctx);
}

const char *bitblas_context_device_name(const bitblas_context *ctx) {
  return ctx ? ctx->device_name : "";
}

const char *bitblas_context_cache_path(const bitblas_context *ctx) {
  return ctx && ctx->cache ? bb_cache_path(ctx->cache) : "";
}

const char *bitblas_context_cache_warning(const bitblas_context *ctx) {
  return ctx ? ctx->cache_warning : "";
}

void bb_context_cache_key(const bitblas_context *ctx, const bitblas_matmul_config *cfg, int64_t m,
                          bb_cache_key *key) {
  memset(key, 0, sizeof *key);
  snprintf(key->device_name, sizeof key->device_name, "%s", ctx->device_name);
  key->compute_major = ctx->compute_major;
  key->compute_minor = ctx->compute_minor;
  key->sm_count = ctx->sm_count;
  key->driver_version = ctx->driver_version;
  key->nvrtc_version = bb_nvrtc_version();
  snprintf(key->library_version, sizeof key->library_version, "%s", BITBLAS_VERSION_STRING);
  snprintf(key->source_hash, sizeof key->source_hash, "%s", bb_source_hash());
  key->config = *cfg;
  key->config.M = m;
  key->config.dynamic_m = 0;
  /* A dynamic operator's bucket keeps the plain weight order where a static operator of the
   * same M trades words: the flag stays for that case only (bb_config_weight_order). */
  if (cfg->dynamic_m && bb_config_weight_order(&key->config)) key->config.dynamic_m = 1;
  key->config.m_bucket_count = 0;
  memset(key->config.m_buckets, 0, sizeof key->config.m_buckets);
}
