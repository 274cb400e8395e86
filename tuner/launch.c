/*
 * launch.c - the single kernel load and launch shared by the tuner's measurements and
 * bitblas_op_run, and the row quantizer's lookup and launch (bitblas_bitnet_run).
 */
#include "launch.h"

#include <string.h>

CUresult bb_function_load(const bb_cuda_api *cu, const void *cubin, CUmodule *module,
                          CUfunction *function) {
  *module = NULL;
  CUresult result = cu->ModuleLoadData(module, cubin);
  if (result == BB_CUDA_SUCCESS) result = cu->ModuleGetFunction(function, *module, BB_KERNEL_NAME);
  if (result != BB_CUDA_SUCCESS && *module) {
    cu->ModuleUnload(*module);
    *module = NULL;
  }
  return result;
}

int bb_launch_follows_quantizer(int compute_major, const bb_schedule *schedule) {
  return compute_major >= 9 && schedule->family != BB_FAMILY_MMA;
}

CUresult bb_launch(const bb_cuda_api *cu, CUfunction function, const bb_schedule *schedule,
                   const bitblas_matmul_config *cfg, const bb_launch_args *args, CUstream stream,
                   int after_producer) {
  unsigned grid[3];
  bb_schedule_grid(schedule, cfg, args->m, grid);
  CUdeviceptr A = args->A, W = args->W, scales = args->scales, zeros = args->zeros;
  CUdeviceptr bias = args->bias, a_scale = args->a_scale, C = args->C;
  int m = args->m;
  void *params[] = {&A, &W, &scales, &zeros, &bias, &a_scale, &C, &m};
  const unsigned threads = (unsigned)bb_schedule_threads(schedule);
  if (after_producer && cu->LaunchKernelEx) {
    bb_cu_launch_attribute attribute;
    memset(&attribute, 0, sizeof attribute);
    attribute.id = BB_CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attribute.value.programmatic_stream_serialization_allowed = 1;
    const bb_cu_launch_config config = {grid[0], grid[1], grid[2], threads,    1,
                                        1,       0,       stream,  &attribute, 1};
    return cu->LaunchKernelEx(&config, function, params, NULL);
  }
  return cu->LaunchKernel(function, grid[0], grid[1], grid[2], threads, 1, 1, 0, stream, params,
                          NULL);
}

CUresult bb_row_quantizer_find(const bb_cuda_api *cu, CUmodule module, CUfunction *function) {
  return cu->ModuleGetFunction(function, module, BB_ROW_QUANTIZER_NAME);
}

/* Threads per block of kernel_src/quantize_rows.cu (BB_QR_THREADS): one block per row. */
#define BB_ROW_QUANTIZER_THREADS 256

CUresult bb_row_quantizer_launch(const bb_cuda_api *cu, CUfunction function, int m, CUdeviceptr x,
                                 CUdeviceptr x_q, CUdeviceptr a_scale, CUstream stream) {
  void *params[] = {&x, &x_q, &a_scale};
  return cu->LaunchKernel(function, (unsigned)m, 1, 1, BB_ROW_QUANTIZER_THREADS, 1, 1, 0, stream,
                          params, NULL);
}
