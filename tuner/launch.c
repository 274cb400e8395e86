/*
 * launch.c - the single kernel load and launch shared by the tuner's measurements and
 * bitblas_op_run, the process's setting of dependent runs, and the lookups and launches of the
 * BitNet layer's row quantizer and of its one-kernel form (bitblas_bitnet_run).
 */
#include "launch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "workspace.h"

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
  return compute_major >= 9 && schedule->family != BB_FAMILY_MMA &&
         schedule->family != BB_FAMILY_WGMMA;
}

int bb_dependent_launch_setting(const char *value) { return value && strcmp(value, "1") == 0; }

static int dependent_launch;
static pthread_once_t dependent_launch_once = PTHREAD_ONCE_INIT;

static void read_dependent_launch(void) {
  dependent_launch = bb_dependent_launch_setting(getenv("BITBLAS_DEPENDENT_LAUNCH"));
}

int bb_dependent_launch_enabled(void) {
  pthread_once(&dependent_launch_once, read_dependent_launch);
  return dependent_launch;
}

int bb_launch_runs_dependent(int enabled, int compute_major, const bb_schedule *schedule) {
  return enabled && bb_launch_follows_quantizer(compute_major, schedule);
}

/* Every launch of this file: with `programmatic`, where the driver has cuLaunchKernelEx, as a
 * programmatic dependent of the kernel before it in the stream; else the ordinary way. */
static CUresult launch_kernel(const bb_cuda_api *cu, CUfunction function, const unsigned grid[3],
                              unsigned threads, unsigned shared_bytes, CUstream stream,
                              void **params, int programmatic) {
  if (!programmatic || !cu->LaunchKernelEx)
    return cu->LaunchKernel(function, grid[0], grid[1], grid[2], threads, 1, 1, shared_bytes,
                            stream, params, NULL);
  bb_cu_launch_attribute attribute;
  memset(&attribute, 0, sizeof attribute);
  attribute.id = BB_CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
  attribute.value.programmatic_stream_serialization_allowed = 1;
  const bb_cu_launch_config config = {grid[0], grid[1],      grid[2], threads,    1,
                                      1,       shared_bytes, stream,  &attribute, 1};
  return cu->LaunchKernelEx(&config, function, params, NULL);
}

CUresult bb_launch(const bb_cuda_api *cu, CUfunction function, const bb_schedule *schedule,
                   const bitblas_matmul_config *cfg, const bb_launch_args *args, CUstream stream,
                   int programmatic) {
  unsigned grid[3];
  bb_schedule_grid(schedule, cfg, args->m, grid);
  CUdeviceptr A = args->A, W = args->W, scales = args->scales, zeros = args->zeros;
  CUdeviceptr bias = args->bias, a_scale = args->a_scale, C = args->C;
  CUdeviceptr given_sums = args->given_sums;
  int m = args->m;
  /* Kernels without the last parameter (every family but tcgemv) never read it. */
  void *params[] = {&A, &W, &scales, &zeros, &bias, &a_scale, &C, &m, &given_sums};
  return launch_kernel(cu, function, grid, (unsigned)bb_schedule_threads(schedule),
                       (unsigned)bb_schedule_dynamic_shared(schedule, cfg), stream, params,
                       programmatic);
}

CUresult bb_product_find(const bb_cuda_api *cu, CUmodule module, CUfunction kernel,
                         const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                         bb_product *product) {
  product->kernel = kernel;
  product->act_sums = NULL;
  product->workspace = NULL;
  CUdevice device = 0;
  int major = 0;
  CUresult result = cu->CtxGetDevice(&device);
  if (result == BB_CUDA_SUCCESS)
    result = cu->DeviceGetAttribute(&major, BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, device);
  /* Tiles past 48 KiB: the kernel may only be launched with that much once allowed to. */
  const size_t dynamic_shared = bb_schedule_dynamic_shared(schedule, cfg);
  if (result == BB_CUDA_SUCCESS && dynamic_shared)
    result = cu->FuncSetAttribute(kernel, BB_CU_FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                  (int)dynamic_shared);
  product->dependent_launch = result == BB_CUDA_SUCCESS && major >= 9 && cu->LaunchKernelEx;
  product->dependent_runs =
      product->dependent_launch &&
      bb_launch_runs_dependent(bb_dependent_launch_enabled(), major, schedule);
  if (result == BB_CUDA_SUCCESS && schedule->given_sums)
    result = cu->ModuleGetFunction(&product->act_sums, module, BB_ACT_SUMS_NAME);
  if (result == BB_CUDA_SUCCESS && schedule->given_sums)
    result = bb_workspace_pool(cu, device, &product->workspace);
  return result;
}

int64_t bb_launch_rows(const bb_schedule *schedule, const bitblas_matmul_config *cfg, int64_t m) {
  unsigned grid[3];
  bb_schedule_grid(schedule, cfg, m, grid);
  return (int64_t)grid[1] * 8 * schedule->m_tiles;
}

size_t bb_given_sums_bytes(const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                           int64_t m) {
  if (!schedule->given_sums) return 0;
  return (size_t)bb_config_groups(cfg) * (size_t)bb_launch_rows(schedule, cfg, m) * sizeof(float);
}

/* Threads per block of bitblas_act_sums (BB_SUMS_THREADS): one warp per group and row. */
#define BB_ACT_SUMS_THREADS 256

CUresult bb_product_launch(const bb_cuda_api *cu, const bb_product *product,
                           const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                           const bb_launch_args *args, CUstream stream, int after_producer) {
  const int first_dependent = after_producer || product->dependent_runs;
  if (!schedule->given_sums)
    return bb_launch(cu, product->kernel, schedule, cfg, args, stream, first_dependent);
  bb_launch_args with_sums = *args;
  CUresult result =
      bb_workspace_take(cu, product->workspace, bb_given_sums_bytes(schedule, cfg, args->m), stream,
                        &with_sums.given_sums);
  if (result != BB_CUDA_SUCCESS) return result;
  CUdeviceptr A = args->A, sums = with_sums.given_sums;
  int m = args->m, rows = (int)bb_launch_rows(schedule, cfg, args->m);
  void *params[] = {&A, &sums, &m, &rows};
  const int64_t warps = bb_config_groups(cfg) * rows;
  const unsigned blocks =
      (unsigned)((warps + BB_ACT_SUMS_THREADS / 32 - 1) / (BB_ACT_SUMS_THREADS / 32));
  const unsigned grid[3] = {blocks, 1, 1};
  result = launch_kernel(cu, product->act_sums, grid, BB_ACT_SUMS_THREADS, 0, stream, params,
                         first_dependent);
  if (result == BB_CUDA_SUCCESS)
    result = bb_launch(cu, product->kernel, schedule, cfg, &with_sums, stream,
                       first_dependent || product->dependent_launch);
  const CUresult given_back = bb_workspace_give_back(cu, with_sums.given_sums, stream);
  return result != BB_CUDA_SUCCESS ? result : given_back;
}

CUresult bb_row_quantizer_find(const bb_cuda_api *cu, CUmodule module, CUfunction *function) {
  return cu->ModuleGetFunction(function, module, BB_ROW_QUANTIZER_NAME);
}

/* Threads per block of kernel_src/quantize_rows.cu (BB_QR_THREADS): one block per row. */
#define BB_ROW_QUANTIZER_THREADS 256

CUresult bb_row_quantizer_launch(const bb_cuda_api *cu, CUfunction function, int m, CUdeviceptr x,
                                 CUdeviceptr x_q, CUdeviceptr a_scale, CUstream stream,
                                 int programmatic) {
  void *params[] = {&x, &x_q, &a_scale};
  const unsigned grid[3] = {(unsigned)m, 1, 1};
  return launch_kernel(cu, function, grid, BB_ROW_QUANTIZER_THREADS, 0, stream, params,
                       programmatic);
}

int bb_fused_layer_in_module(const bb_schedule *schedule, const bitblas_matmul_config *cfg) {
  const int64_t values_per_load = cfg->out_dtype == BITBLAS_DTYPE_FLOAT32 ? 4 : 8;
  return schedule->family == BB_FAMILY_TCGEMV_INT8 && bb_config_quantizes_rows(cfg) &&
         cfg->K / values_per_load >= 32;
}

size_t bb_fused_layer_shared_bytes(const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                                   int64_t m) {
  const int64_t block_rows = 8 * (int64_t)schedule->m_tiles;
  return (size_t)(m < block_rows ? m : block_rows) * (size_t)(cfg->K + 16);
}

int bb_fused_layer_can_run(const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                           int64_t m) {
  return bb_fused_layer_in_module(schedule, cfg) &&
         bb_fused_layer_shared_bytes(schedule, cfg, m) <= BB_FUSED_LAYER_SHARED_MAX;
}

int bb_fused_layer_fits(const bb_schedule *schedule, const bitblas_matmul_config *cfg, int64_t m) {
  if (!bb_fused_layer_can_run(schedule, cfg, m)) return 0;
  unsigned grid[3];
  bb_schedule_grid(schedule, cfg, m, grid);
  const double reads = (double)grid[0] * (double)m * (double)(cfg->K + 16);
  return reads <= BB_FUSED_LAYER_AUTO_BYTES;
}

CUresult bb_fused_layer_find(const bb_cuda_api *cu, CUmodule module, CUfunction *function) {
  *function = NULL;
  CUfunction found = NULL;
  const CUresult result = cu->ModuleGetFunction(&found, module, BB_FUSED_LAYER_NAME);
  if (result != BB_CUDA_SUCCESS) return result;
  /* A device that cannot give this much is left with the two-kernel layer. */
  if (cu->FuncSetAttribute(found, BB_CU_FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                           BB_FUSED_LAYER_SHARED_MAX) == BB_CUDA_SUCCESS)
    *function = found;
  return BB_CUDA_SUCCESS;
}

CUresult bb_fused_layer_launch(const bb_cuda_api *cu, CUfunction function,
                               const bb_schedule *schedule, const bitblas_matmul_config *cfg, int m,
                               CUdeviceptr x, CUdeviceptr W, CUdeviceptr weight_scale,
                               CUdeviceptr bias, CUdeviceptr y, CUstream stream, int programmatic) {
  unsigned grid[3];
  bb_schedule_grid(schedule, cfg, m, grid);
  void *params[] = {&x, &W, &weight_scale, &bias, &y, &m};
  return launch_kernel(cu, function, grid, (unsigned)bb_schedule_threads(schedule),
                       (unsigned)bb_fused_layer_shared_bytes(schedule, cfg, m), stream, params,
                       programmatic);
}
