/*
 * context.h - what a bitblas_context holds: the device and its primary CUDA context, the facts
 * that key the cache, the cache connection, the in-process memo of operators, and the tuning
 * worker. `lock` guards the memo (and operators' reference counts) and is held only for a memo
 * lookup or update, never while an operator is made; `tuning_lock` serializes tuning (the one
 * worker, and the cross-process claim, which cannot tell this process's threads apart). The
 * cache connection has a lock of its own.
 */
#ifndef BITBLAS_CONTEXT_H
#define BITBLAS_CONTEXT_H

#include <pthread.h>

#include "bitblas.h"
#include "cache.h"
#include "cuda_driver.h"
#include "tune.h"

typedef struct bb_memo_entry {
  char key[640];
  bitblas_op *op; /* NULL while one thread makes it; the others wait on memo_changed */
  struct bb_memo_entry *next;
} bb_memo_entry;

struct bitblas_context {
  const bb_cuda_api *cu;
  int ordinal;
  CUdevice device;
  CUcontext cu_context;
  char device_name[256];
  int compute_major, compute_minor;
  int sm_count;
  int driver_version;
  int l2_bytes;
  bb_cache *cache;
  char cache_warning[512];
  pthread_mutex_t lock;        /* the memo */
  pthread_cond_t memo_changed; /* an operator in the making is ready, or failed */
  bb_memo_entry *memo;
  pthread_mutex_t tuning_lock; /* claim-and-tune, and the worker */
  bb_worker worker;
};

/* Fills the device part of a cache key from the context. */
void bb_context_cache_key(const bitblas_context *ctx, const bitblas_matmul_config *cfg, int64_t m,
                          bb_cache_key *key);

#endif
