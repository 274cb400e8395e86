/*
 * cuda_driver.c - loads the CUDA driver with dlopen so the library loads and its CPU parts work
 * on machines without one, and what the callers need to read its results. Knows nothing of
 * kernels or contexts; only the entry point table.
 */
#include "cuda_driver.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

static bb_cuda_api cuda_api;
static bitblas_status cuda_status = BITBLAS_NO_DRIVER;
static char cuda_reason[512];
static pthread_once_t cuda_once = PTHREAD_ONCE_INIT;

static void cuda_load_once(void) {
  const char *path = getenv("BITBLAS_LIBCUDA");
  if (!path || !*path) path = "libcuda.so.1";
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    snprintf(cuda_reason, sizeof cuda_reason, "dlopen(\"%s\") failed: %s", path, dlerror());
    return;
  }
#define BB_CUDA_LOAD_(ret, field, symbol, params)                                                  \
  *(void **)(&cuda_api.field) = dlsym(library, symbol);                                            \
  if (!cuda_api.field) {                                                                           \
    snprintf(cuda_reason, sizeof cuda_reason, "%s has no symbol %s (driver too old?)", path,       \
             symbol);                                                                              \
    return;                                                                                        \
  }
  BB_CUDA_FUNCTIONS(BB_CUDA_LOAD_)
#undef BB_CUDA_LOAD_
  *(void **)(&cuda_api.LaunchKernelEx) = dlsym(library, "cuLaunchKernelEx"); /* may be NULL */
  CUresult result = cuda_api.Init(0);
  if (result != BB_CUDA_SUCCESS) {
    const char *name = "unknown";
    cuda_api.GetErrorName(result, &name);
    snprintf(cuda_reason, sizeof cuda_reason, "cuInit(0) returned %d (%s): no usable CUDA device",
             result, name ? name : "unknown");
    cuda_status = BITBLAS_NO_DEVICE;
    return;
  }
  cuda_status = BITBLAS_OK;
}

const bb_cuda_api *bb_cuda_load(bitblas_status *status) {
  pthread_once(&cuda_once, cuda_load_once);
  *status = cuda_status;
  if (cuda_status != BITBLAS_OK) {
    bb_fail(cuda_status, "%s", cuda_reason);
    return NULL;
  }
  return &cuda_api;
}

bitblas_status bb_cuda_fail(CUresult result, const char *call, const char *function,
                            const char *file, int line) {
  const char *name = "unknown";
  const char *text = "";
  if (cuda_api.GetErrorName) cuda_api.GetErrorName(result, &name);
  if (cuda_api.GetErrorString) cuda_api.GetErrorString(result, &text);
  bitblas_status status =
      result == BB_CUDA_ERROR_OUT_OF_MEMORY ? BITBLAS_OUT_OF_MEMORY : BITBLAS_CUDA_ERROR;
  return bb_fail(status, "%s failed with %d (%s: %s) in %s at %s:%d", call, result,
                 name ? name : "?", text ? text : "", function, file, line);
}

int bb_cuda_error_is_sticky(CUresult result) {
  switch (result) {
  case BB_CUDA_ERROR_ILLEGAL_ADDRESS:
  case BB_CUDA_ERROR_LAUNCH_TIMEOUT:
  case BB_CUDA_ERROR_ASSERT:
  case BB_CUDA_ERROR_HARDWARE_STACK_ERROR:
  case BB_CUDA_ERROR_ILLEGAL_INSTRUCTION:
  case BB_CUDA_ERROR_MISALIGNED_ADDRESS:
  case BB_CUDA_ERROR_INVALID_ADDRESS_SPACE:
  case BB_CUDA_ERROR_INVALID_PC:
  case BB_CUDA_ERROR_LAUNCH_FAILED:
  case BB_CUDA_ERROR_UNKNOWN:
    return 1;
  default:
    return 0;
  }
}

int bb_cuda_error_is_bad_image(CUresult result) {
  switch (result) {
  case BB_CUDA_ERROR_INVALID_IMAGE:
  case BB_CUDA_ERROR_NO_BINARY_FOR_GPU:
  case BB_CUDA_ERROR_INVALID_PTX:
  case BB_CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
  case BB_CUDA_ERROR_INVALID_SOURCE:
  case BB_CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND:
  case BB_CUDA_ERROR_NOT_FOUND: /* cuModuleGetFunction: no kernel of that name in the image */
    return 1;
  default:
    return 0;
  }
}

CUresult bb_cuda_fill_pattern32_async(const bb_cuda_api *cu, CUdeviceptr pointer,
                                      unsigned int pattern, size_t bytes, CUstream stream) {
  const size_t words = bytes / 4;
  CUresult result = words ? cu->MemsetD32Async(pointer, pattern, words, stream) : BB_CUDA_SUCCESS;
  CUdeviceptr tail = pointer + words * 4;
  /* In memory the word's low half comes first, then its low byte: the tail continues the run. */
  if (result == BB_CUDA_SUCCESS && (bytes & 2)) {
    result = cu->MemsetD16Async(tail, (unsigned short)(pattern & 0xffffu), 1, stream);
    tail += 2;
    pattern >>= 16;
  }
  if (result == BB_CUDA_SUCCESS && (bytes & 1))
    result = cu->MemsetD8Async(tail, (unsigned char)(pattern & 0xffu), 1, stream);
  return result;
}
