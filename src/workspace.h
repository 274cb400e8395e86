/*
 * workspace.h - scratch device memory for one run, stream-ordered: taken from a pool on the
 * run's stream before its kernels and handed back on the same stream after them, so that runs
 * of one operator on several streams at once never share it and nothing waits on the host.
 */
#ifndef BITBLAS_WORKSPACE_H
#define BITBLAS_WORKSPACE_H

#include <stddef.h>

#include "cuda_driver.h"

/* The bytes each device's pool keeps reserved across synchronizations (the driver's default is
 * none, which would hand the memory back at every synchronize and map it again on the next
 * run). Runs take a few KiB each. */
#define BB_WORKSPACE_POOL_KEEP_BYTES (64u << 20)

/* bitblas's own pool for `device` (an ordinal below 64), made on first use and kept for the life
 * of the process; found once per loaded kernel, so that runs take no lock. Returns the CUresult
 * of the first failing call. */
CUresult bb_workspace_pool(const bb_cuda_api *cu, CUdevice device, CUmemoryPool *pool);

/* Takes `bytes` of device memory from `pool` for work enqueued on `stream`. */
CUresult bb_workspace_take(const bb_cuda_api *cu, CUmemoryPool pool, size_t bytes, CUstream stream,
                           CUdeviceptr *pointer);

/* Hands `pointer` back once the work enqueued on `stream` before this call is done. */
CUresult bb_workspace_give_back(const bb_cuda_api *cu, CUdeviceptr pointer, CUstream stream);

#endif
