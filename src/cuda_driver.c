/*
 * cuda_driver.c - loads the CUDA driver with dlopen so the library loads and its CPU parts work
 * on machines without one. Knows nothing of kernels or contexts; only the entry point table.
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
