/*
 * launch.h - one place that loads and launches a bitblas kernel: parameters in the order every
 * family's bitblas_kernel takes them, grid and block from the schedule; and the row quantizer
 * that rides in the modules of int8 operators.
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

/* The row quantizer (kernel_src/quantize_rows.cu) that modules of configs with
 * bb_config_quantizes_rows also hold. */
#define BB_ROW_QUANTIZER_NAME "bitblas_quantize_rows"

/* Finds the row quantizer in a loaded module; the context must be current. */
CUresult bb_row_quantizer_find(const bb_cuda_api *cu, CUmodule module, CUfunction *function);

/* Enqueues the row quantizer on stream for m rows: x [m, K] of the config's output type ->
 * x_q [m, K] int8 and a_scale [m] float32. The context must be current. Returns the CUresult. */
CUresult bb_row_quantizer_launch(const bb_cuda_api *cu, CUfunction function, int m, CUdeviceptr x,
                                 CUdeviceptr x_q, CUdeviceptr a_scale, CUstream stream);

/* Whether a kernel of `schedule` that follows the row quantizer on a device of compute
 * capability `compute_major`.x is launched as the quantizer's programmatic dependent (bb_launch's
 * after_producer): on 9.0 and later, for every family but the tiled mma. Its blocks are few and
 * long: launched while the quantizer's blocks still held part of the SMs, they were placed
 * unevenly, and on an H200 at M = 256 five of eight Llama-3 layers took 1.28-1.76 times as long
 * as the quantizer and the product launched one after the other; at M = 1024 and 8192 the
 * dependent launch gained nothing (bench/RESULTS.md, twenty-first section). */
int bb_launch_follows_quantizer(int compute_major, const bb_schedule *schedule);

/* Enqueues the kernel on stream; the context must be current. Returns the CUresult.
 * With `after_producer` (a device of compute capability 9.0 or more, and the row quantizer just
 * ahead of it in the stream) the kernel is launched as a programmatic dependent of that kernel
 * where the driver can (cuLaunchKernelEx): its blocks start while the quantizer runs and wait
 * for the quantizer's output (griddepcontrol.wait) before they read A. */
CUresult bb_launch(const bb_cuda_api *cu, CUfunction function, const bb_schedule *schedule,
                   const bitblas_matmul_config *cfg, const bb_launch_args *args, CUstream stream,
                   int after_producer);

#endif
