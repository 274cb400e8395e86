/*
 * fake_libcuda.c - a stand-in for libcuda.so.1 (loaded through BITBLAS_LIBCUDA) so that operators
 * can be tested without a GPU: one device of compute capability 8.0, calls that succeed and do
 * nothing, and module loads that fail on request:
 *   FAKE_CUDA_MODULE_LOAD_RESULT    the CUresult cuModuleLoadData returns (default 0)
 *   FAKE_CUDA_GET_FUNCTION_RESULT   the CUresult cuModuleGetFunction returns (default 0)
 *   FAKE_CUDA_POOL_CREATE_RESULT    the CUresult cuMemPoolCreate returns (default 0)
 *   FAKE_CUDA_POOL_ALLOC_RESULT     the CUresult cuMemAllocFromPoolAsync returns (default 0)
 *   FAKE_CUDA_FAILURES              "N ..." : the first N calls, counted over all, fail so
 *                                   (default: all); a new value starts a new count
 * It runs no kernel and holds no memory: a launch does nothing.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each entry point is defined with a prototype of its own (the driver's ABI has no header here). */
#define FAKE_CU(name, params)                                                                      \
  int name params;                                                                                 \
  int name params

static pthread_mutex_t failures_lock = PTHREAD_MUTEX_INITIALIZER;
static int failures_made;
static char failures_counted_for[256]; /* the FAKE_CUDA_FAILURES that failures_made counts for */
static int dummy_context, dummy_module, dummy_function, dummy_stream, dummy_event;

/* The failure asked for by `variable`, within FAKE_CUDA_FAILURES; else 0. */
static int requested_failure(const char *variable) {
  const char *value = getenv(variable);
  const int result = value ? atoi(value) : 0;
  if (result == 0) return 0;
  const char *limit_text = getenv("FAKE_CUDA_FAILURES");
  pthread_mutex_lock(&failures_lock);
  if (limit_text && strcmp(limit_text, failures_counted_for) != 0) {
    snprintf(failures_counted_for, sizeof failures_counted_for, "%s", limit_text);
    failures_made = 0;
  }
  const int fail = !limit_text || failures_made < atoi(limit_text);
  if (fail) failures_made++;
  pthread_mutex_unlock(&failures_lock);
  return fail ? result : 0;
}

FAKE_CU(cuInit, (unsigned flags)) { return (int)(flags != 0); }
FAKE_CU(cuDriverGetVersion, (int *version)) {
  *version = 12040;
  return 0;
}
FAKE_CU(cuGetErrorName, (int error, const char **name)) {
  *name = error == 2 ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUDA_ERROR_FAKE";
  return 0;
}
FAKE_CU(cuGetErrorString, (int error, const char **text)) {
  *text = error ? "fake failure" : "no error";
  return 0;
}
FAKE_CU(cuDeviceGetCount, (int *count)) {
  *count = 1;
  return 0;
}
FAKE_CU(cuDeviceGet, (int *device, int ordinal)) {
  *device = ordinal;
  return ordinal == 0 ? 0 : 101;
}
FAKE_CU(cuDeviceGetName, (char *name, int length, int device)) {
  snprintf(name, (size_t)length, "Fake GPU %d", device);
  return 0;
}
FAKE_CU(cuDeviceGetAttribute, (int *value, int attribute, int device)) {
  /* {attribute, value}, the attribute numbers of src/cuda_driver.h; any other reads 0. */
  static const int attributes[][2] = {
      {1, 1024},              /* max threads per block */
      {8, 48 * 1024},         /* shared memory per block */
      {16, 108},              /* SMs */
      {38, 40 * 1024 * 1024}, /* L2 bytes */
      {75, 8},                /* compute capability 8.0 */
      {76, 0},
      {97, 163 * 1024}, /* opt-in shared memory per block */
  };
  *value = 0;
  for (size_t i = 0; i < sizeof attributes / sizeof attributes[0]; i++)
    if (attributes[i][0] == attribute) *value = attributes[i][1];
  return device == 0 ? 0 : 101;
}
FAKE_CU(cuDevicePrimaryCtxRetain, (void **context, int device)) {
  (void)device;
  *context = &dummy_context;
  return 0;
}
FAKE_CU(cuDevicePrimaryCtxRelease_v2, (int device)) { return device == 0 ? 0 : 101; }
FAKE_CU(cuCtxPushCurrent_v2, (void *context)) { return context ? 0 : 201; }
FAKE_CU(cuCtxPopCurrent_v2, (void **context)) {
  *context = &dummy_context;
  return 0;
}
FAKE_CU(cuCtxSynchronize, (void)) { return 0; }
FAKE_CU(cuCtxGetDevice, (int *device)) {
  *device = 0;
  return 0;
}
FAKE_CU(cuModuleLoadData, (void **module, const void *image)) {
  *module = NULL;
  if (!image) return 200;
  const int failure = requested_failure("FAKE_CUDA_MODULE_LOAD_RESULT");
  if (failure) return failure;
  *module = &dummy_module;
  return 0;
}
FAKE_CU(cuModuleUnload, (void *module)) { return module ? 0 : 400; }
FAKE_CU(cuModuleGetFunction, (void **function, void *module, const char *name)) {
  (void)module;
  (void)name;
  const int failure = requested_failure("FAKE_CUDA_GET_FUNCTION_RESULT");
  *function = failure ? NULL : &dummy_function;
  return failure;
}
FAKE_CU(cuFuncGetAttribute, (int *value, int attribute, void *function)) {
  (void)attribute;
  (void)function;
  *value = 0;
  return 0;
}
FAKE_CU(cuFuncSetAttribute, (void *function, int attribute, int value)) {
  (void)function;
  (void)attribute;
  (void)value;
  return 0;
}
FAKE_CU(cuLaunchKernel, (void *f, unsigned grid_x, unsigned grid_y, unsigned grid_z,
                         unsigned block_x, unsigned block_y, unsigned block_z,
                         unsigned shared_bytes, void *stream, void **params, void **extra)) {
  (void)grid_x, (void)grid_y, (void)grid_z, (void)block_x, (void)block_y, (void)block_z;
  (void)shared_bytes, (void)stream, (void)params, (void)extra;
  return f ? 0 : 400;
}
FAKE_CU(cuMemAlloc_v2, (unsigned long long *pointer, size_t bytes)) {
  *pointer = 0x1000;
  return bytes ? 0 : 1;
}
FAKE_CU(cuMemFree_v2, (unsigned long long pointer)) { return pointer ? 0 : 1; }
static int dummy_pool;
FAKE_CU(cuMemPoolCreate, (void **pool, const void *props)) {
  const int failure = requested_failure("FAKE_CUDA_POOL_CREATE_RESULT");
  *pool = props && !failure ? &dummy_pool : NULL;
  return failure ? failure : props ? 0 : 1;
}
FAKE_CU(cuMemPoolSetAttribute, (void *pool, int attribute, void *value)) {
  (void)attribute;
  return pool && value ? 0 : 1;
}
FAKE_CU(cuMemAllocFromPoolAsync,
        (unsigned long long *pointer, size_t bytes, void *pool, void *stream)) {
  (void)stream;
  const int failure = requested_failure("FAKE_CUDA_POOL_ALLOC_RESULT");
  *pointer = failure ? 0 : 0x1000;
  return failure ? failure : bytes && pool ? 0 : 1;
}
FAKE_CU(cuMemFreeAsync, (unsigned long long pointer, void *stream)) {
  (void)stream;
  return pointer ? 0 : 1;
}
FAKE_CU(cuMemHostAlloc, (void **pointer, size_t bytes, unsigned flags)) {
  (void)flags;
  *pointer = bytes ? calloc(1, bytes) : NULL;
  return *pointer ? 0 : 2;
}
FAKE_CU(cuMemHostGetDevicePointer_v2, (unsigned long long *device, void *host, unsigned flags)) {
  (void)flags;
  *device = (unsigned long long)(uintptr_t)host;
  return host ? 0 : 1;
}
FAKE_CU(cuMemFreeHost, (void *pointer)) {
  free(pointer);
  return 0;
}
FAKE_CU(cuMemcpyHtoD_v2, (unsigned long long destination, const void *source, size_t bytes)) {
  (void)destination, (void)source, (void)bytes;
  return 0;
}
FAKE_CU(cuMemcpyDtoH_v2, (void *destination, unsigned long long source, size_t bytes)) {
  (void)source;
  memset(destination, 0, bytes);
  return 0;
}
FAKE_CU(cuMemcpyHtoDAsync_v2,
        (unsigned long long destination, const void *source, size_t bytes, void *stream)) {
  (void)destination, (void)source, (void)bytes, (void)stream;
  return 0;
}
FAKE_CU(cuMemcpyDtoDAsync_v2,
        (unsigned long long destination, unsigned long long source, size_t bytes, void *stream)) {
  (void)destination, (void)source, (void)bytes, (void)stream;
  return 0;
}
FAKE_CU(cuMemsetD8_v2, (unsigned long long pointer, unsigned char value, size_t n)) {
  (void)pointer, (void)value, (void)n;
  return 0;
}
FAKE_CU(cuMemsetD8Async, (unsigned long long pointer, unsigned char value, size_t n, void *s)) {
  (void)pointer, (void)value, (void)n, (void)s;
  return 0;
}
FAKE_CU(cuMemsetD16Async, (unsigned long long pointer, unsigned short value, size_t n, void *s)) {
  (void)pointer, (void)value, (void)n, (void)s;
  return 0;
}
FAKE_CU(cuMemsetD32Async, (unsigned long long pointer, unsigned value, size_t n, void *s)) {
  (void)pointer, (void)value, (void)n, (void)s;
  return 0;
}
FAKE_CU(cuStreamCreate, (void **stream, unsigned flags)) {
  (void)flags;
  *stream = &dummy_stream;
  return 0;
}
FAKE_CU(cuStreamDestroy_v2, (void *stream)) { return stream ? 0 : 400; }
FAKE_CU(cuStreamSynchronize, (void *stream)) {
  (void)stream;
  return 0;
}
FAKE_CU(cuEventCreate, (void **event, unsigned flags)) {
  (void)flags;
  *event = &dummy_event;
  return 0;
}
FAKE_CU(cuEventDestroy_v2, (void *event)) { return event ? 0 : 400; }
FAKE_CU(cuEventRecord, (void *event, void *stream)) {
  (void)stream;
  return event ? 0 : 400;
}
FAKE_CU(cuEventSynchronize, (void *event)) { return event ? 0 : 400; }
FAKE_CU(cuEventElapsedTime, (float *ms, void *start, void *end)) {
  (void)start, (void)end;
  *ms = 0.001f;
  return 0;
}
