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

/* Takes `bytes` of device memory for work enqueued on `stream`, on the device of the current
 * context, from a pool of bitblas's own for that device (made on first use, kept for the life of
 * the process). The context must be current. Returns the CUresult of the first failing call. */
CUresult bb_workspace_take(const bb_cuda_api *cu, size_t bytes, CUstream stream,
                           CUdeviceptr *pointer);

/* Hands `pointer` back once the work enqueued on `stream` before this call is done. */
CUresult bb_workspace_give_back(const bb_cuda_api *cu, CUdeviceptr pointer, CUstream stream);

#endif
