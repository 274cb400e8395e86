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

CUresult bb_workspace_pool(const bb_cuda_api *cu, CUdevice device, CUmemoryPool *pool) {
  *pool = NULL;
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
    if (result == BB_CUDA_SUCCESS) {
      pools[device] = made;
      /* A pool whose threshold did not take still serves; it only maps memory more often. */
      unsigned long long keep = BB_WORKSPACE_POOL_KEEP_BYTES;
      cu->MemPoolSetAttribute(made, BB_CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
    }
  }
  *pool = pools[device];
  pthread_mutex_unlock(&pools_lock);
  return result;
}

CUresult bb_workspace_take(const bb_cuda_api *cu, CUmemoryPool pool, size_t bytes, CUstream stream,
                           CUdeviceptr *pointer) {
  *pointer = 0;
  return cu->MemAllocFromPoolAsync(pointer, bytes, pool, stream);
}

CUresult bb_workspace_give_back(const bb_cuda_api *cu, CUdeviceptr pointer, CUstream stream) {
  return cu->MemFreeAsync(pointer, stream);
}
