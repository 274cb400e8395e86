/*
 * workspace.c - per-device pools of stream-ordered scratch memory (workspace.h).
 */
#include "workspace.h"

#include <pthread.h>
#include <string.h>

/* Devices (ordinals) that can have a pool; others get BB_CUDA_ERROR_INVALID_DEVICE. */
#define BB_WORKSPACE_DEVICES 64

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static CUmemoryPool pools[BB_WORKSPACE_DEVICES];

/* The pool of `device`, made on first use. */
static CUresult pool_of(const bb_cuda_api *cu, CUdevice device, CUmemoryPool *pool) {
  if (device < 0 || device >= BB_WORKSPACE_DEVICES) return BB_CUDA_ERROR_INVALID_DEVICE;
  pthread_mutex_lock(&pools_lock);
  CUresult result = BB_CUDA_SUCCESS;
  if (!pools[device]) {
    bb_cu_mem_pool_props props;
    memset(&props, 0, sizeof props);
    props.alloc_type = 1;    /* pinned device memory */
    props.location_type = 1; /* on a device */
    props.location_id = device;
    CUmemoryPool made = NULL;
    result = cu->MemPoolCreate(&made, &props);
    unsigned long long keep = BB_WORKSPACE_POOL_KEEP_BYTES;
    if (result == BB_CUDA_SUCCESS)
      result = cu->MemPoolSetAttribute(made, BB_CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
    /* A pool whose threshold did not take still serves; it only maps memory more often. */
    if (made) pools[device] = made;
    if (pools[device]) result = BB_CUDA_SUCCESS;
  }
  *pool = pools[device];
  pthread_mutex_unlock(&pools_lock);
  return result;
}

CUresult bb_workspace_take(const bb_cuda_api *cu, size_t bytes, CUstream stream,
                           CUdeviceptr *pointer) {
  *pointer = 0;
  CUdevice device = 0;
  CUresult result = cu->CtxGetDevice(&device);
  CUmemoryPool pool = NULL;
  if (result == BB_CUDA_SUCCESS) result = pool_of(cu, device, &pool);
  if (result == BB_CUDA_SUCCESS) result = cu->MemAllocFromPoolAsync(pointer, bytes, pool, stream);
  return result;
}

CUresult bb_workspace_give_back(const bb_cuda_api *cu, CUdeviceptr pointer, CUstream stream) {
  return cu->MemFreeAsync(pointer, stream);
}
