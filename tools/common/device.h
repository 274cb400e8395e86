/*
 * device.h - the tools' hold on one GPU: a bitblas context, the driver table, the device's
 * primary context made current on the calling thread, one stream; and device copies of the
 * random operands (weights through bitblas_op_transform_weight). No timing and no kernels here.
 */
#ifndef BITBLAS_TOOL_DEVICE_H
#define BITBLAS_TOOL_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"
#include "cuda_driver.h"
#include "random_data.h"

typedef struct bb_tool_gpu {
  bitblas_context *context;
  const bb_cuda_api *cu;
  int ordinal;
  CUdevice device;
  CUcontext primary; /* retained here and pushed current on the thread that opened it */
  CUstream stream;   /* a non-blocking stream for every copy, run and timing of the tools */
  char name[256];
  int l2_bytes;
  int sm_count;
  int compute_major, compute_minor;
} bb_tool_gpu;

/* Opens device `ordinal`: bitblas_context_create, then the driver table, the device's primary
 * context (retained and pushed current on this thread, the one the library and cuBLAS use) and a
 * stream. Returns 0, or -1 with bb_tool_error() set and *status saying why: BITBLAS_NO_DRIVER or
 * BITBLAS_NO_DEVICE when there is no usable GPU (the message is then the library's words),
 * another status for anything else. On failure nothing is left open and *gpu is zeroed. */
int bb_tool_gpu_open(int ordinal, bb_tool_gpu *gpu, bitblas_status *status);

/* Destroys the stream, pops and releases the primary context and destroys the bitblas context.
 * Operators must be released first. A zeroed struct is fine. */
void bb_tool_gpu_close(bb_tool_gpu *gpu);

/* cuMemAlloc of `bytes` (at least 1). 0, or -1 with the message. */
int bb_tool_device_alloc(const bb_tool_gpu *gpu, size_t bytes, CUdeviceptr *out);

/* Frees a pointer from bb_tool_device_alloc and sets it to 0; 0 is a no-op. */
void bb_tool_device_free(const bb_tool_gpu *gpu, CUdeviceptr *pointer);

/* Fills `count` elements of `dtype` at `pointer` with random values (bb_tool_fill_random's):
 * one random block of at most 32 MiB is made on the host and repeated to fill the buffer, which
 * is what a timing input needs (random bits, never zeros) without spending seconds on the host
 * for gigabytes. 0, or -1 with the message. Synchronous. */
int bb_tool_device_fill_random(const bb_tool_gpu *gpu, bitblas_dtype dtype, CUdeviceptr pointer,
                               size_t count, bb_rng *rng);

/* Device copies of the weights of one operator. */
typedef struct bb_tool_device_weights {
  CUdeviceptr W; /* bitblas_op_weight_bytes(op) bytes, in the operator's order */
  size_t W_bytes;
  CUdeviceptr scales;
  size_t scales_bytes;
  CUdeviceptr zeros;
  size_t zeros_bytes;
  CUdeviceptr bias;
  size_t bias_bytes;
} bb_tool_device_weights;

/* Makes *device hold `host` for `op`: W through bitblas_op_transform_weight (every operator must
 * transform for itself, so call this again for each op even with the same host weights; W is
 * reallocated only when its size changes), scales, zeros and bias copied as they are (uploaded
 * once: they are already there when their pointers are nonzero). Start from a zeroed struct. 0, or
 * -1 with the message. */
int bb_tool_device_weights_load(const bb_tool_gpu *gpu, const bitblas_op *op,
                                const bb_tool_host_weights *host, bb_tool_device_weights *device);

void bb_tool_device_weights_free(const bb_tool_gpu *gpu, bb_tool_device_weights *device);

/* Device copies of the activations of a run, and its output C [rows, N] of out_dtype. */
typedef struct bb_tool_device_activations {
  int64_t rows;
  CUdeviceptr A;
  size_t A_bytes;
  CUdeviceptr a_scale; /* 0 when the config has none */
  size_t a_scale_bytes;
  CUdeviceptr C;
  size_t C_bytes;
} bb_tool_device_activations;

/* Uploads host activations and allocates C for `N` columns of `out_dtype`. 0, or -1 with the
 * message; on failure *device is zeroed and nothing is left allocated. */
int bb_tool_device_activations_load(const bb_tool_gpu *gpu, const bb_tool_host_activations *host,
                                    int64_t N, bitblas_dtype out_dtype,
                                    bb_tool_device_activations *device);

void bb_tool_device_activations_free(const bb_tool_gpu *gpu, bb_tool_device_activations *device);

/* The run arguments for m rows (m <= activations->rows). */
void bb_tool_matmul_args(const bb_tool_device_weights *weights,
                         const bb_tool_device_activations *activations, int64_t m,
                         bitblas_matmul_args *args);

#endif
