/*
 * launch.h - one place that loads and launches a bitblas kernel: parameters in the order every
 * family's bitblas_kernel takes them, grid and block from the schedule.
 */
#ifndef BITBLAS_LAUNCH_H
#define BITBLAS_LAUNCH_H

#include "bitblas.h"
#include "cuda_driver.h"
#include "schedule.h"

/* Device pointers (as CUdeviceptr) of one run. */
typedef struct bb_launch_args {
  CUdeviceptr A, W, scales, zeros, bias, a_scale, C;
  int m;
} bb_launch_args;

/* Loads a cubin as a module and finds its kernel; the context must be current. On failure
 * nothing stays loaded (*module is NULL). Returns the CUresult of the first failing call. */
CUresult bb_function_load(const bb_cuda_api *cu, const void *cubin, CUmodule *module,
                          CUfunction *function);

/* Enqueues the kernel on stream; the context must be current. Returns the CUresult. */
CUresult bb_launch(const bb_cuda_api *cu, CUfunction function, const bb_schedule *schedule,
                   const bitblas_matmul_config *cfg, const bb_launch_args *args, CUstream stream);

#endif
