/*
 * cuda_driver.h - the few CUDA Driver API types and entry points bitblas uses, declared here so
 * that building needs no CUDA toolkit, and loaded from libcuda.so.1 with dlopen at run time.
 * BB_CU_CHECK turns a failed call into a status naming the call, function, file and line.
 */
#ifndef BITBLAS_CUDA_DRIVER_H
#define BITBLAS_CUDA_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef unsigned long long CUdeviceptr;
typedef struct CUmemPoolHandle_st *CUmemoryPool;

/* cuMemPoolCreate's description (cuda.h's CUmemPoolProps, same layout): a pool of pinned device
 * memory on one device, no export handles; the rest zero. */
typedef struct bb_cu_mem_pool_props {
  int alloc_type;    /* CU_MEM_ALLOCATION_TYPE_PINNED: 1 */
  int handle_types;  /* CU_MEM_HANDLE_TYPE_NONE: 0 */
  int location_type; /* CU_MEM_LOCATION_TYPE_DEVICE: 1 */
  int location_id;   /* the device ordinal */
  void *win32_security_attributes;
  size_t max_size; /* 0: the system's limit */
  unsigned short usage;
  unsigned char reserved[54];
} bb_cu_mem_pool_props;
_Static_assert(sizeof(bb_cu_mem_pool_props) == 88, "CUmemPoolProps is 88 bytes");

/* CUmemPool_attribute: the bytes a pool keeps reserved at a synchronization instead of handing
 * them back to the system (a cuuint64_t). */
#define BB_CU_MEMPOOL_ATTR_RELEASE_THRESHOLD 4

/* CUresult values used here (stable numbers of the Driver API, as in cuda.h's cudaError_enum). */
enum {
  BB_CUDA_SUCCESS = 0,
  BB_CUDA_ERROR_OUT_OF_MEMORY = 2,
  BB_CUDA_ERROR_NOT_INITIALIZED = 3,
  BB_CUDA_ERROR_NO_DEVICE = 100,
  BB_CUDA_ERROR_INVALID_DEVICE = 101,
  BB_CUDA_ERROR_INVALID_IMAGE = 200,
  BB_CUDA_ERROR_INVALID_CONTEXT = 201,
  BB_CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
  BB_CUDA_ERROR_INVALID_PTX = 218,
  BB_CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
  BB_CUDA_ERROR_INVALID_SOURCE = 300,
  BB_CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND = 302,
  BB_CUDA_ERROR_NOT_FOUND = 500,
  BB_CUDA_ERROR_NOT_READY = 600,
  BB_CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  BB_CUDA_ERROR_LAUNCH_TIMEOUT = 702,
  BB_CUDA_ERROR_ASSERT = 710,
  BB_CUDA_ERROR_HARDWARE_STACK_ERROR = 714,
  BB_CUDA_ERROR_ILLEGAL_INSTRUCTION = 715,
  BB_CUDA_ERROR_MISALIGNED_ADDRESS = 716,
  BB_CUDA_ERROR_INVALID_ADDRESS_SPACE = 717,
  BB_CUDA_ERROR_INVALID_PC = 718,
  BB_CUDA_ERROR_LAUNCH_FAILED = 719,
  BB_CUDA_ERROR_UNKNOWN = 999,
};

/* CUdevice_attribute values used here (stable numbers of the Driver API). */
enum {
  BB_CU_ATTR_MAX_THREADS_PER_BLOCK = 1,
  BB_CU_ATTR_MAX_SHARED_PER_BLOCK = 8,
  BB_CU_ATTR_MULTIPROCESSOR_COUNT = 16,
  BB_CU_ATTR_L2_CACHE_SIZE = 38,
  BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR = 75,
  BB_CU_ATTR_COMPUTE_CAPABILITY_MINOR = 76,
  BB_CU_ATTR_MAX_SHARED_PER_BLOCK_OPTIN = 97,
};

/* CUfunction_attribute values used here. */
enum {
  BB_CU_FUNC_ATTR_MAX_THREADS_PER_BLOCK = 0,
  BB_CU_FUNC_ATTR_NUM_REGS = 4,
  BB_CU_FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
};

/* cuMemHostAlloc flags. */
#define BB_CU_MEMHOSTALLOC_PORTABLE 0x01u
#define BB_CU_MEMHOSTALLOC_DEVICEMAP 0x02u

#define BB_CU_EVENT_DEFAULT 0
#define BB_CU_STREAM_NON_BLOCKING 1

/* X(return type, field name, symbol in libcuda, parameter list) */
#define BB_CUDA_FUNCTIONS(X)                                                                       \
  X(CUresult, Init, "cuInit", (unsigned int flags))                                                \
  X(CUresult, DriverGetVersion, "cuDriverGetVersion", (int *version))                              \
  X(CUresult, GetErrorName, "cuGetErrorName", (CUresult error, const char **name))                 \
  X(CUresult, GetErrorString, "cuGetErrorString", (CUresult error, const char **text))             \
  X(CUresult, DeviceGetCount, "cuDeviceGetCount", (int *count))                                    \
  X(CUresult, DeviceGet, "cuDeviceGet", (CUdevice * device, int ordinal))                          \
  X(CUresult, DeviceGetName, "cuDeviceGetName", (char *name, int length, CUdevice device))         \
  X(CUresult, DeviceGetAttribute, "cuDeviceGetAttribute",                                          \
    (int *value, int attribute, CUdevice device))                                                  \
  X(CUresult, DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain",                                  \
    (CUcontext * context, CUdevice device))                                                        \
  X(CUresult, DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", (CUdevice device))          \
  X(CUresult, CtxPushCurrent, "cuCtxPushCurrent_v2", (CUcontext context))                          \
  X(CUresult, CtxPopCurrent, "cuCtxPopCurrent_v2", (CUcontext * context))                          \
  X(CUresult, CtxSynchronize, "cuCtxSynchronize", (void))                                          \
  X(CUresult, CtxGetDevice, "cuCtxGetDevice", (CUdevice * device))                                 \
  X(CUresult, ModuleLoadData, "cuModuleLoadData", (CUmodule * module, const void *image))          \
  X(CUresult, ModuleUnload, "cuModuleUnload", (CUmodule module))                                   \
  X(CUresult, ModuleGetFunction, "cuModuleGetFunction",                                            \
    (CUfunction * function, CUmodule module, const char *name))                                    \
  X(CUresult, FuncGetAttribute, "cuFuncGetAttribute",                                              \
    (int *value, int attribute, CUfunction function))                                              \
  X(CUresult, FuncSetAttribute, "cuFuncSetAttribute",                                              \
    (CUfunction function, int attribute, int value))                                               \
  X(CUresult, LaunchKernel, "cuLaunchKernel",                                                      \
    (CUfunction f, unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x,            \
     unsigned block_y, unsigned block_z, unsigned shared_bytes, CUstream stream, void **params,    \
     void **extra))                                                                                \
  X(CUresult, MemAlloc, "cuMemAlloc_v2", (CUdeviceptr * pointer, size_t bytes))                    \
  X(CUresult, MemFree, "cuMemFree_v2", (CUdeviceptr pointer))                                      \
  X(CUresult, MemPoolCreate, "cuMemPoolCreate",                                                    \
    (CUmemoryPool * pool, const bb_cu_mem_pool_props *props))                                      \
  X(CUresult, MemPoolSetAttribute, "cuMemPoolSetAttribute",                                        \
    (CUmemoryPool pool, int attribute, void *value))                                               \
  X(CUresult, MemAllocFromPoolAsync, "cuMemAllocFromPoolAsync",                                    \
    (CUdeviceptr * pointer, size_t bytes, CUmemoryPool pool, CUstream stream))                     \
  X(CUresult, MemFreeAsync, "cuMemFreeAsync", (CUdeviceptr pointer, CUstream stream))              \
  X(CUresult, MemHostAlloc, "cuMemHostAlloc", (void **pointer, size_t bytes, unsigned int flags))  \
  X(CUresult, MemHostGetDevicePointer, "cuMemHostGetDevicePointer_v2",                             \
    (CUdeviceptr * device, void *host, unsigned int flags))                                        \
  X(CUresult, MemFreeHost, "cuMemFreeHost", (void *pointer))                                       \
  X(CUresult, MemcpyHtoD, "cuMemcpyHtoD_v2",                                                       \
    (CUdeviceptr destination, const void *source, size_t bytes))                                   \
  X(CUresult, MemcpyDtoH, "cuMemcpyDtoH_v2",                                                       \
    (void *destination, CUdeviceptr source, size_t bytes))                                         \
  X(CUresult, MemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2",                                             \
    (CUdeviceptr destination, const void *source, size_t bytes, CUstream stream))                  \
  X(CUresult, MemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2",                                             \
    (CUdeviceptr destination, CUdeviceptr source, size_t bytes, CUstream stream))                  \
  X(CUresult, MemsetD8, "cuMemsetD8_v2", (CUdeviceptr pointer, unsigned char value, size_t n))     \
  X(CUresult, MemsetD8Async, "cuMemsetD8Async",                                                    \
    (CUdeviceptr pointer, unsigned char value, size_t n, CUstream stream))                         \
  X(CUresult, MemsetD16Async, "cuMemsetD16Async",                                                  \
    (CUdeviceptr pointer, unsigned short value, size_t n, CUstream stream))                        \
  X(CUresult, MemsetD32Async, "cuMemsetD32Async",                                                  \
    (CUdeviceptr pointer, unsigned int value, size_t n, CUstream stream))                          \
  X(CUresult, StreamCreate, "cuStreamCreate", (CUstream * stream, unsigned int flags))             \
  X(CUresult, StreamDestroy, "cuStreamDestroy_v2", (CUstream stream))                              \
  X(CUresult, StreamSynchronize, "cuStreamSynchronize", (CUstream stream))                         \
  X(CUresult, EventCreate, "cuEventCreate", (CUevent * event, unsigned int flags))                 \
  X(CUresult, EventDestroy, "cuEventDestroy_v2", (CUevent event))                                  \
  X(CUresult, EventRecord, "cuEventRecord", (CUevent event, CUstream stream))                      \
  X(CUresult, EventSynchronize, "cuEventSynchronize", (CUevent event))                             \
  X(CUresult, EventElapsedTime, "cuEventElapsedTime", (float *ms, CUevent start, CUevent end))

/* cuLaunchKernelEx's launch description (cuda.h's CUlaunchConfig and CUlaunchAttribute, same
 * layout), for the one attribute bitblas sets: programmatic stream serialization, Hopper's
 * programmatic dependent launch (the kernel may start before the one ahead of it in the stream
 * has finished, and waits for it with griddepcontrol.wait: kernel_src/common.cuh). */
#define BB_CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION 6

typedef struct bb_cu_launch_attribute {
  int id;
  char pad[4];
  union {
    char pad[64];
    int programmatic_stream_serialization_allowed;
    void *align; /* the union holds pointers in cuda.h */
  } value;
} bb_cu_launch_attribute;

typedef struct bb_cu_launch_config {
  unsigned grid_x, grid_y, grid_z;
  unsigned block_x, block_y, block_z;
  unsigned shared_bytes;
  CUstream stream;
  bb_cu_launch_attribute *attributes;
  unsigned attribute_count;
} bb_cu_launch_config;

_Static_assert(sizeof(bb_cu_launch_attribute) == 72, "CUlaunchAttribute is 72 bytes");
_Static_assert(sizeof(bb_cu_launch_config) == 56, "CUlaunchConfig is 56 bytes");

typedef struct bb_cuda_api {
#define BB_CUDA_FIELD_(ret, field, symbol, params) ret(*field) params;
  BB_CUDA_FUNCTIONS(BB_CUDA_FIELD_)
#undef BB_CUDA_FIELD_
  /* cuLaunchKernelEx, or NULL where the driver has none (before CUDA 12.0): optional. */
  CUresult (*LaunchKernelEx)(const bb_cu_launch_config *config, CUfunction function, void **params,
                             void **extra);
} bb_cuda_api;

/* Loads libcuda.so.1 (once, thread-safe) and calls cuInit(0). Returns the table, or NULL with
 * BITBLAS_NO_DRIVER / BITBLAS_NO_DEVICE in *status and the reason in the error message. */
const bb_cuda_api *bb_cuda_load(bitblas_status *status);

/* Turns a failed CUresult into a status and message with the call, function, file and line. */
bitblas_status bb_cuda_fail(CUresult result, const char *call, const char *function,
                            const char *file, int line);

/* Whether `result` leaves the CUDA context unusable, so that every later call in it fails: a
 * kernel that faulted (illegal or misaligned address, illegal instruction, invalid PC or address
 * space, hardware stack error), trapped or failed an assert, ran past the display watchdog, or
 * an unknown error. The only way on is a new process (the tuning worker exits). */
int bb_cuda_error_is_sticky(CUresult result);

/* Whether a failed cuModuleLoadData / cuModuleGetFunction says the image itself cannot serve on
 * this device: a bad or foreign binary, PTX this driver cannot take, or the kernel name missing.
 * Any other failure (out of memory, a context error, ...) says nothing about the image: the same
 * image may load later, so a cached copy must be kept. */
int bb_cuda_error_is_bad_image(CUresult result);

/* Fills `bytes` bytes at `pointer` (4-byte aligned) with the 32-bit `pattern` repeated in memory
 * order (little-endian, as cuMemsetD32 writes it), on `stream`: 32-bit words for the bulk, then
 * 16- and 8-bit sets for a tail that is not a whole word, so no byte is left out. Returns the
 * first failing call's result, or BB_CUDA_SUCCESS. */
CUresult bb_cuda_fill_pattern32_async(const bb_cuda_api *cu, CUdeviceptr pointer,
                                      unsigned int pattern, size_t bytes, CUstream stream);

/* Evaluates a driver call through the table `cu`; on failure returns its status. */
#define BB_CU_CHECK(call)                                                                          \
  do {                                                                                             \
    CUresult bb_cu_result_ = (call);                                                               \
    if (bb_cu_result_ != BB_CUDA_SUCCESS)                                                          \
      return bb_cuda_fail(bb_cu_result_, #call, __func__, __FILE__, __LINE__);                     \
  } while (0)

/* Like BB_CU_CHECK but stores the status in `status` and jumps to `label`. */
#define BB_CU_CHECK_GOTO(call, status, label)                                                      \
  do {                                                                                             \
    CUresult bb_cu_result_ = (call);                                                               \
    if (bb_cu_result_ != BB_CUDA_SUCCESS) {                                                        \
      (status) = bb_cuda_fail(bb_cu_result_, #call, __func__, __FILE__, __LINE__);                 \
      goto label;                                                                                  \
    }                                                                                              \
  } while (0)

#endif
