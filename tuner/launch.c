/*
 * launch.c - the single kernel load and launch shared by the tuner's measurements and
 * bitblas_op_run.
 */
#include "launch.h"

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

CUresult bb_launch(const bb_cuda_api *cu, CUfunction function, const bb_schedule *schedule,
                   const bitblas_matmul_config *cfg, const bb_launch_args *args, CUstream stream) {
  unsigned grid[3];
  bb_schedule_grid(schedule, cfg, args->m, grid);
  CUdeviceptr A = args->A, W = args->W, scales = args->scales, zeros = args->zeros;
  CUdeviceptr bias = args->bias, a_scale = args->a_scale, C = args->C;
  int m = args->m;
  void *params[] = {&A, &W, &scales, &zeros, &bias, &a_scale, &C, &m};
  return cu->LaunchKernel(function, grid[0], grid[1], grid[2],
                          (unsigned)bb_schedule_threads(schedule), 1, 1, 0, stream, params, NULL);
}
