/*
 * read_kernel.h - the read floor's kernel: a plain read of up to three device buffers, 16 bytes
 * per load and four loads in flight per thread, over one short-lived thread per 64 bytes. Its
 * time, taken the way a run's is, is the least a kernel needs to read those bytes on this device
 * with no arithmetic: the launch, the first bytes' latency, the stream and the tail, which the
 * launch floor (an empty kernel) and the bytes floor (bytes / copy bandwidth) each leave out.
 *
 * The kernel is PTX text, compiled by the driver: no NVRTC and no toolkit needed.
 */
#ifndef BITBLAS_TOOL_READ_KERNEL_H
#define BITBLAS_TOOL_READ_KERNEL_H

#include <stddef.h>

#include "cuda_driver.h"
#include "device.h"

/* Threads per block of the read kernel; each reads 4 x 16 bytes. */
#define BB_TOOL_READ_THREADS 256

/* The spans one launch reads. */
#define BB_TOOL_READ_SPANS 3

typedef struct bb_tool_read_kernel {
  const bb_tool_gpu *gpu;
  CUmodule module;
  CUfunction function;
  CUdeviceptr sink; /* 4 bytes the kernel writes only if its sum hits a 1-in-2^32 value */
} bb_tool_read_kernel;

/* Loads the kernel and allocates its sink. 0, or -1 with the message (nothing left open). */
int bb_tool_read_kernel_create(const bb_tool_gpu *gpu, bb_tool_read_kernel *kernel);

/* Frees what create made; a zeroed struct is fine. */
void bb_tool_read_kernel_destroy(bb_tool_read_kernel *kernel);

/* Enqueues on `stream` a read of `count` (<= BB_TOOL_READ_SPANS) spans: the whole 16-byte pieces
 * of bytes[i] bytes at buffers[i] (16-byte aligned; a 0 pointer or size is skipped; the last
 * bytes[i] % 16 bytes are not read). With `sums` nonzero, thread t also writes the XOR of the
 * 32-bit words it read to sums[t] (bb_tool_read_threads of them), so a test can check that every
 * piece was read once; with sums 0, the words' XOR reaches memory only by chance, but no compiler
 * can drop the loads. 0, or -1 with the message (a span not 16-byte aligned included). */
int bb_tool_read_kernel_launch(const bb_tool_read_kernel *kernel, CUstream stream, int count,
                               const CUdeviceptr *buffers, const size_t *bytes, CUdeviceptr sums);

/* The threads a launch over these `count` spans runs (the size `sums` needs, in 32-bit words): one
 * per 64 bytes, rounded up to whole blocks (at least one). */
size_t bb_tool_read_threads(int count, const CUdeviceptr *buffers, const size_t *bytes);

#endif
