/*
 * device.c - opening a GPU for the tools and moving random operands onto it (see device.h).
 * Everything goes through the public API and the driver table of cuda_driver.h; no kernels.
 */
#include "device.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"

#define DEVICE_POINTER(p) ((void *)(uintptr_t)(p))

int bb_tool_gpu_open(int ordinal, bb_tool_gpu *gpu, bitblas_status *status) {
  memset(gpu, 0, sizeof *gpu);
  gpu->ordinal = ordinal;
  *status = bitblas_context_create(ordinal, &gpu->context);
  if (*status != BITBLAS_OK) {
    if (*status == BITBLAS_NO_DRIVER || *status == BITBLAS_NO_DEVICE)
      bb_tool_fail("%s", bitblas_last_error());
    else
      bb_tool_fail_status("bitblas_context_create", *status);
    gpu->context = NULL;
    return -1;
  }
  const bb_cuda_api *cu = bb_cuda_load(status);
  if (!cu) {
    bb_tool_fail("%s", bitblas_last_error());
    bitblas_context_destroy(gpu->context);
    memset(gpu, 0, sizeof *gpu);
    return -1;
  }
  gpu->cu = cu;
  *status = BITBLAS_CUDA_ERROR;
  int failed = 0;
  BB_TOOL_CU_GOTO(cu, cu->DeviceGet(&gpu->device, ordinal), failed, fail);
  BB_TOOL_CU_GOTO(cu, cu->DevicePrimaryCtxRetain(&gpu->primary, gpu->device), failed, fail);
  BB_TOOL_CU_GOTO(cu, cu->CtxPushCurrent(gpu->primary), failed, fail_release);
  BB_TOOL_CU_GOTO(cu, cu->StreamCreate(&gpu->stream, BB_CU_STREAM_NON_BLOCKING), failed, fail_pop);
  BB_TOOL_CU_GOTO(cu, cu->DeviceGetName(gpu->name, (int)sizeof gpu->name, gpu->device), failed,
                  fail_stream);
  BB_TOOL_CU_GOTO(cu, cu->DeviceGetAttribute(&gpu->l2_bytes, BB_CU_ATTR_L2_CACHE_SIZE, gpu->device),
                  failed, fail_stream);
  BB_TOOL_CU_GOTO(
      cu, cu->DeviceGetAttribute(&gpu->sm_count, BB_CU_ATTR_MULTIPROCESSOR_COUNT, gpu->device),
      failed, fail_stream);
  BB_TOOL_CU_GOTO(
      cu,
      cu->DeviceGetAttribute(&gpu->compute_major, BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, gpu->device),
      failed, fail_stream);
  BB_TOOL_CU_GOTO(
      cu,
      cu->DeviceGetAttribute(&gpu->compute_minor, BB_CU_ATTR_COMPUTE_CAPABILITY_MINOR, gpu->device),
      failed, fail_stream);
  *status = BITBLAS_OK;
  return 0;

fail_stream:
  cu->StreamDestroy(gpu->stream);
fail_pop : {
  CUcontext popped;
  cu->CtxPopCurrent(&popped);
}
fail_release:
  cu->DevicePrimaryCtxRelease(gpu->device);
fail:
  bitblas_context_destroy(gpu->context);
  memset(gpu, 0, sizeof *gpu);
  return failed;
}

void bb_tool_gpu_close(bb_tool_gpu *gpu) {
  if (gpu->cu) {
    if (gpu->stream) gpu->cu->StreamDestroy(gpu->stream);
    if (gpu->primary) {
      CUcontext popped;
      gpu->cu->CtxPopCurrent(&popped);
      gpu->cu->DevicePrimaryCtxRelease(gpu->device);
    }
  }
  bitblas_context_destroy(gpu->context);
  memset(gpu, 0, sizeof *gpu);
}

int bb_tool_device_alloc(const bb_tool_gpu *gpu, size_t bytes, CUdeviceptr *out) {
  *out = 0;
  CUresult result = gpu->cu->MemAlloc(out, bytes ? bytes : 1);
  if (result != BB_CUDA_SUCCESS) {
    *out = 0;
    const char *name = NULL;
    gpu->cu->GetErrorName(result, &name);
    return bb_tool_fail("cuMemAlloc of %zu bytes of device memory failed with CUDA error %d (%s)",
                        bytes, (int)result, name ? name : "unknown");
  }
  return 0;
}

void bb_tool_device_free(const bb_tool_gpu *gpu, CUdeviceptr *pointer) {
  if (*pointer) gpu->cu->MemFree(*pointer);
  *pointer = 0;
}

/* Allocates and copies `bytes` of host data (synchronous). */
static int upload(const bb_tool_gpu *gpu, const void *host, size_t bytes, CUdeviceptr *out) {
  if (bb_tool_device_alloc(gpu, bytes, out) != 0) return -1;
  CUresult result = gpu->cu->MemcpyHtoD(*out, host, bytes);
  if (result != BB_CUDA_SUCCESS) {
    bb_tool_device_free(gpu, out);
    return bb_tool_fail_cuda(gpu->cu, result, "cuMemcpyHtoD", __FILE__, __LINE__);
  }
  return 0;
}

int bb_tool_device_fill_random(const bb_tool_gpu *gpu, bitblas_dtype dtype, CUdeviceptr pointer,
                               size_t count, bb_rng *rng) {
  const bb_cuda_api *cu = gpu->cu;
  size_t element = (size_t)bitblas_dtype_bits(dtype) / 8;
  if (element == 0)
    return bb_tool_fail("device fill: %s has no element size", bitblas_dtype_name(dtype));
  size_t total = count * element;
  size_t block_elements = ((size_t)32 << 20) / element;
  if (block_elements > count) block_elements = count;
  size_t block = block_elements * element;
  void *host = malloc(block ? block : 1);
  if (!host) return bb_tool_fail("device fill: out of host memory for %zu bytes", block);
  if (bb_tool_fill_random(dtype, host, block_elements, rng) != 0) {
    free(host);
    return -1;
  }
  CUresult result = cu->MemcpyHtoD(pointer, host, block);
  free(host);
  if (result != BB_CUDA_SUCCESS)
    return bb_tool_fail_cuda(cu, result, "cuMemcpyHtoD", __FILE__, __LINE__);
  /* Double the filled prefix with device copies until the buffer is full. */
  for (size_t filled = block; filled < total;) {
    size_t chunk = filled < total - filled ? filled : total - filled;
    BB_TOOL_CU(cu, cu->MemcpyDtoDAsync(pointer + filled, pointer, chunk, gpu->stream));
    filled += chunk;
  }
  BB_TOOL_CU(cu, cu->StreamSynchronize(gpu->stream));
  return 0;
}

int bb_tool_device_weights_load(const bb_tool_gpu *gpu, const bitblas_op *op,
                                const bb_tool_host_weights *host, bb_tool_device_weights *device) {
  size_t W_bytes = bitblas_op_weight_bytes(op);
  if (W_bytes == 0) return bb_tool_fail("bitblas_op_weight_bytes returned 0");
  if (device->W && device->W_bytes != W_bytes) bb_tool_device_free(gpu, &device->W);
  if (!device->W) {
    if (bb_tool_device_alloc(gpu, W_bytes, &device->W) != 0) return -1;
    device->W_bytes = W_bytes;
  }
  bitblas_status status =
      bitblas_op_transform_weight(op, host->W, DEVICE_POINTER(device->W), gpu->stream);
  if (status != BITBLAS_OK) return bb_tool_fail_status("bitblas_op_transform_weight", status);
  if (host->scales && !device->scales) {
    if (upload(gpu, host->scales, host->scales_bytes, &device->scales) != 0) return -1;
    device->scales_bytes = host->scales_bytes;
  }
  if (host->zeros && !device->zeros) {
    if (upload(gpu, host->zeros, host->zeros_bytes, &device->zeros) != 0) return -1;
    device->zeros_bytes = host->zeros_bytes;
  }
  if (host->bias && !device->bias) {
    if (upload(gpu, host->bias, host->bias_bytes, &device->bias) != 0) return -1;
    device->bias_bytes = host->bias_bytes;
  }
  return 0;
}

void bb_tool_device_weights_free(const bb_tool_gpu *gpu, bb_tool_device_weights *device) {
  bb_tool_device_free(gpu, &device->W);
  bb_tool_device_free(gpu, &device->scales);
  bb_tool_device_free(gpu, &device->zeros);
  bb_tool_device_free(gpu, &device->bias);
  memset(device, 0, sizeof *device);
}

int bb_tool_device_activations_load(const bb_tool_gpu *gpu, const bb_tool_host_activations *host,
                                    int64_t N, bitblas_dtype out_dtype,
                                    bb_tool_device_activations *device) {
  memset(device, 0, sizeof *device);
  device->rows = host->rows;
  device->A_bytes = host->A_bytes;
  device->a_scale_bytes = host->a_scale_bytes;
  device->C_bytes = (size_t)host->rows * (size_t)N * (size_t)(bitblas_dtype_bits(out_dtype) / 8);
  if (upload(gpu, host->A, host->A_bytes, &device->A) != 0 ||
      (host->a_scale && upload(gpu, host->a_scale, host->a_scale_bytes, &device->a_scale) != 0) ||
      bb_tool_device_alloc(gpu, device->C_bytes, &device->C) != 0) {
    bb_tool_device_activations_free(gpu, device);
    return -1;
  }
  return 0;
}

void bb_tool_device_activations_free(const bb_tool_gpu *gpu, bb_tool_device_activations *device) {
  bb_tool_device_free(gpu, &device->A);
  bb_tool_device_free(gpu, &device->a_scale);
  bb_tool_device_free(gpu, &device->C);
  memset(device, 0, sizeof *device);
}

void bb_tool_matmul_args(const bb_tool_device_weights *weights,
                         const bb_tool_device_activations *activations, int64_t m,
                         bitblas_matmul_args *args) {
  memset(args, 0, sizeof *args);
  args->m = m;
  args->A = DEVICE_POINTER(activations->A);
  args->W = DEVICE_POINTER(weights->W);
  args->scales = weights->scales ? DEVICE_POINTER(weights->scales) : NULL;
  args->zeros = weights->zeros ? DEVICE_POINTER(weights->zeros) : NULL;
  args->bias = weights->bias ? DEVICE_POINTER(weights->bias) : NULL;
  args->a_scale = activations->a_scale ? (const float *)DEVICE_POINTER(activations->a_scale) : NULL;
  args->C = DEVICE_POINTER(activations->C);
}
