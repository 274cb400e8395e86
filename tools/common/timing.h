/*
 * timing.h - GPU timing as SPEC section 5 asks: CUDA events around each run, warm-up runs, the L2
 * cache flushed before every timed run, the median of at least 50 runs; and the device's copy
 * bandwidth (read + written bytes of a >= 1 GiB device-to-device copy). No statistics beyond
 * the median, and no knowledge of what is timed.
 */
#ifndef BITBLAS_TOOL_TIMING_H
#define BITBLAS_TOOL_TIMING_H

#include <stddef.h>

#include "cuda_driver.h"
#include "device.h"
#include "read_kernel.h"
#include "rotation.h"
#include "stream_hold.h"

/* The fewest timed runs a median is taken over. */
#define BB_TOOL_TIMING_MIN_RUNS 50

/* Warm-up runs before the timed ones. */
#define BB_TOOL_TIMING_WARMUP_RUNS 10

/* The size of the copy the copy bandwidth is measured with. */
#define BB_TOOL_COPY_BANDWIDTH_BYTES ((size_t)1 << 30)

/* Enqueues run number `run` (0, 1, ... over warm-up and timed runs, so inputs can rotate) of the
 * timed work on `stream` without waiting. 0, or -1 with bb_tool_error() set. */
typedef int (*bb_tool_launch_fn)(void *user, CUstream stream, int run);

typedef struct bb_tool_timer {
  const bb_tool_gpu *gpu;
  CUdeviceptr flush_buffer; /* twice the L2 size, overwritten before every timed run */
  size_t flush_bytes;
  unsigned flush_value; /* changes every flush, so no write is a repeat of the last */
  CUevent *events;      /* start and end of each timed run */
  int event_count;
  bb_stream_hold hold;      /* the hold and the empty kernel (tuner/stream_hold.h) */
  bb_tool_read_kernel read; /* the read floor's kernel (read_kernel.h) */
  int hold_runs;            /* 1: enqueue all runs of a timing behind a hold */
  int holds_timed_out;      /* timings whose hold gave up waiting for the host */
} bb_tool_timer;

/* Allocates the flush buffer (2 x the L2 size read from the device) and loads the hold, empty
 * and read kernels, for timings on gpu's stream. With hold_runs, every timing enqueues its warm-up
 * and timed runs behind a hold and releases it once they are all enqueued, so the runs meet the GPU
 * back to back and no host time lands between two events. 0, or -1 with the message. */
int bb_tool_timer_create(const bb_tool_gpu *gpu, int hold_runs, bb_tool_timer *timer);

void bb_tool_timer_destroy(bb_tool_timer *timer);

/* Runs `launch` BB_TOOL_TIMING_WARMUP_RUNS times, then `runs` (>= BB_TOOL_TIMING_MIN_RUNS) timed
 * times, each bracketed by events recorded on the stream. With flush_l2, every run is preceded
 * by an L2 flush (a cuMemsetD32Async over the flush buffer, not timed); without, the caller keeps
 * L2 cold by rotating its inputs (rotation.h). With the timer's hold_runs, one more run goes
 * first on its own, to its end (a kernel that loads lazily loads then), and the others are
 * enqueued behind a hold (see bb_tool_timer_create). *median_us is the median of the runs in
 * microseconds. 0, or -1 with the message (a failed launch included; the stream is synchronized
 * before returning either way). */
int bb_tool_timer_median_us(bb_tool_timer *timer, bb_tool_launch_fn launch, void *user, int runs,
                            int flush_l2, double *median_us);

/* The launch floor: the median time of an empty kernel (one block of 32 threads) timed exactly
 * as bb_tool_timer_median_us times a run, with or without an L2 flush before each. 0, or -1. */
int bb_tool_timer_launch_floor_us(bb_tool_timer *timer, int runs, int flush_l2, double *median_us);

/* The read floor of a run's inputs: the median time of the read kernel (read_kernel.h) reading,
 * on run number r, the copy of `inputs` (at most BB_TOOL_READ_SPANS buffers) that a run number r
 * reads, timed exactly as bb_tool_timer_median_us times runs with the same rotation and
 * flush_l2. 0, or -1 with the message. */
int bb_tool_timer_read_floor_us(bb_tool_timer *timer, const bb_tool_rotation *inputs, int runs,
                                int flush_l2, double *median_us);

/* Measures the copy bandwidth: `repeats` (>= 3) device-to-device copies of `bytes` (at least
 * BB_TOOL_COPY_BANDWIDTH_BYTES) after two warm-up copies, each timed with events; the result is
 * (bytes read + bytes written) / median time, in bytes per second. 0, or -1 with the message
 * (e.g. not enough device memory for the two buffers). */
int bb_tool_copy_bandwidth(const bb_tool_gpu *gpu, size_t bytes, int repeats,
                           double *bytes_per_second);

/* The median of `count` values (sorts them in place); 0 for count 0. */
double bb_tool_median(double *values, size_t count);

#endif
