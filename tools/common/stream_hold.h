/*
 * stream_hold.h - holds a stream while the timed runs are enqueued, and the launch floor.
 *
 * Timing a short kernel with events right after the host enqueues it measures the host's enqueue
 * rate as much as the kernel: when the host takes longer to launch a run than the GPU takes to
 * do it, the GPU sits idle between the start event and the kernel. A hold is a one-thread kernel
 * that spins until the host sets a flag in mapped host memory (or a timeout passes), launched
 * first; every run is enqueued behind it, then the flag is set, and the runs meet the GPU back
 * to back, as they do in a CUDA graph. The same module has an empty kernel, whose time by the
 * same method is the launch floor: the least any kernel can take.
 *
 * Both kernels are PTX text, compiled by the driver: no NVRTC and no toolkit needed.
 */
#ifndef BITBLAS_TOOL_STREAM_HOLD_H
#define BITBLAS_TOOL_STREAM_HOLD_H

#include "cuda_driver.h"
#include "device.h"

/* How long a hold waits for its flag before it lets the stream go on by itself. */
#define BB_TOOL_HOLD_TIMEOUT_NS 2000000000ull

typedef struct bb_tool_stream_hold {
  const bb_tool_gpu *gpu;
  void *driver;                         /* dlopen handle of libcuda for the mapped-memory calls */
  CUresult (*free_host)(void *pointer); /* its cuMemFreeHost */
  CUmodule module;
  CUfunction hold_kernel, empty_kernel;
  volatile unsigned *host_words; /* [0]: release flag, [1]: set by a hold that timed out */
  CUdeviceptr device_words;      /* the same two words as the GPU sees them */
} bb_tool_stream_hold;

/* Loads the two kernels and allocates the mapped flag words. 0, or -1 with the message
 * (nothing left open). */
int bb_tool_stream_hold_create(const bb_tool_gpu *gpu, bb_tool_stream_hold *hold);

/* Frees what create made; a zeroed struct is fine. Call with no hold pending. */
void bb_tool_stream_hold_destroy(bb_tool_stream_hold *hold);

/* Clears the flags and launches the hold on gpu's stream: work enqueued after it waits until
 * bb_tool_stream_hold_release (or BB_TOOL_HOLD_TIMEOUT_NS). 0, or -1 with the message. */
int bb_tool_stream_hold_begin(bb_tool_stream_hold *hold);

/* Sets the flag the pending hold waits for. */
void bb_tool_stream_hold_release(bb_tool_stream_hold *hold);

/* After the stream was synchronized: whether the last hold gave up waiting (the host took longer
 * than BB_TOOL_HOLD_TIMEOUT_NS to enqueue, so later runs may include host time). */
int bb_tool_stream_hold_timed_out(const bb_tool_stream_hold *hold);

/* Enqueues the empty kernel (one block of 32 threads) on `stream`. 0, or -1 with the message. */
int bb_tool_stream_hold_launch_empty(const bb_tool_stream_hold *hold, CUstream stream);

#endif
