/*
 * stream_hold.h - holds a stream while timed runs are enqueued behind it, so that they meet the
 * GPU back to back, as they do in a CUDA graph or a model's stream of layers; and the empty
 * kernel whose time, taken the same way, is the launch floor.
 *
 * Timing a short kernel with events right after the host enqueues it measures the host's enqueue
 * rate as much as the kernel: when the host takes longer to launch a run than the GPU takes to
 * do it, the GPU sits idle between the start event and the kernel; and a run launched on an idle
 * GPU, as when each run is waited for, takes longer than one that follows another. A hold is a
 * one-thread kernel that spins until the host sets a flag in mapped host memory (or a timeout
 * passes), launched first; every run is enqueued behind it, then the flag is set, and the runs
 * meet the GPU back to back. Setting the flag needs no GPU work, so a hold is released even where
 * the GPU runs one kernel at a time (as under some compute-sanitizer tools). The tuner times
 * candidates this way (measure.c) and so does bitblas-bench (tools/common/timing.c).
 *
 * Both kernels are PTX text, compiled by the driver: no NVRTC and no toolkit needed. The context
 * they were created in must be current for every call.
 */
#ifndef BITBLAS_STREAM_HOLD_H
#define BITBLAS_STREAM_HOLD_H

#include "cuda_driver.h"

/* How long a hold waits for its flag before it lets the stream go on by itself. */
#define BB_HOLD_TIMEOUT_NS 2000000000ull

typedef struct bb_stream_hold {
  const bb_cuda_api *cu;
  CUmodule module;
  CUfunction hold_kernel, empty_kernel;
  volatile unsigned *host_words; /* [0]: release flag, [1]: set by a hold that timed out */
  CUdeviceptr device_words;      /* the same two words as the GPU sees them */
} bb_stream_hold;

/* Loads the two kernels and allocates the mapped flag words in the current context. BITBLAS_OK,
 * or a CUDA error status with the failing call named; nothing is left allocated on failure
 * (*hold is zeroed). */
bitblas_status bb_stream_hold_create(const bb_cuda_api *cu, bb_stream_hold *hold);

/* Frees what create made; a zeroed struct is fine. Call with no hold pending. */
void bb_stream_hold_destroy(bb_stream_hold *hold);

/* Clears the flag words and launches the hold on `stream`: work enqueued on it afterwards waits
 * until bb_stream_hold_release (or BB_HOLD_TIMEOUT_NS). Every begin must be followed by a release
 * before the next begin. Returns the CUresult of the launch. */
CUresult bb_stream_hold_begin(const bb_stream_hold *hold, CUstream stream);

/* Sets the flag: the held stream goes on. */
void bb_stream_hold_release(const bb_stream_hold *hold);

/* After the held stream has been synchronized: whether its hold gave up waiting. */
int bb_stream_hold_timed_out(const bb_stream_hold *hold);

/* Enqueues the empty kernel (one block of 32 threads) on stream. Returns the CUresult. */
CUresult bb_stream_hold_launch_empty(const bb_stream_hold *hold, CUstream stream);

#endif
