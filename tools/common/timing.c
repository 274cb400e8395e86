/*
 * timing.c - event timing with L2 flushes and the copy-bandwidth measurement (see timing.h).
 * The timed work is a callback; the only kernels of this file's own are the hold and the empty
 * kernel of the library's stream_hold.h and the read kernel of read_kernel.h, besides driver
 * memsets and copies.
 */
#include "timing.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bb_tool_median(double *values, size_t count) {
  if (count == 0) return 0.0;
  qsort(values, count, sizeof *values, compare_doubles);
  return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

int bb_tool_timer_create(const bb_tool_gpu *gpu, int hold_runs, bb_tool_timer *timer) {
  memset(timer, 0, sizeof *timer);
  timer->gpu = gpu;
  timer->hold_runs = hold_runs;
  /* Twice the L2 size evicts everything a run left there; 4-byte words for cuMemsetD32. */
  size_t l2 = gpu->l2_bytes > 0 ? (size_t)gpu->l2_bytes : (size_t)64 << 20;
  timer->flush_bytes = 2 * l2;
  timer->flush_bytes -= timer->flush_bytes % 4;
  if (bb_tool_device_alloc(gpu, timer->flush_bytes, &timer->flush_buffer) != 0) return -1;
  const bitblas_status held = bb_stream_hold_create(gpu->cu, &timer->hold);
  if (held != BITBLAS_OK) {
    bb_tool_device_free(gpu, &timer->flush_buffer);
    return bb_tool_fail_status("the stream hold", held);
  }
  if (bb_tool_read_kernel_create(gpu, &timer->read) != 0) {
    bb_stream_hold_destroy(&timer->hold);
    bb_tool_device_free(gpu, &timer->flush_buffer);
    return -1;
  }
  return 0;
}

void bb_tool_timer_destroy(bb_tool_timer *timer) {
  if (timer->gpu) {
    for (int i = 0; i < timer->event_count; i++) timer->gpu->cu->EventDestroy(timer->events[i]);
    bb_tool_device_free(timer->gpu, &timer->flush_buffer);
    bb_stream_hold_destroy(&timer->hold);
    bb_tool_read_kernel_destroy(&timer->read);
  }
  free(timer->events);
  memset(timer, 0, sizeof *timer);
}

/* Makes sure the timer holds at least `count` events. */
static int ensure_events(bb_tool_timer *timer, int count) {
  if (timer->event_count >= count) return 0;
  CUevent *events = realloc(timer->events, (size_t)count * sizeof *events);
  if (!events) return bb_tool_fail("out of memory for %d CUDA events", count);
  timer->events = events;
  const bb_cuda_api *cu = timer->gpu->cu;
  while (timer->event_count < count) {
    BB_TOOL_CU(cu, cu->EventCreate(&timer->events[timer->event_count], BB_CU_EVENT_DEFAULT));
    timer->event_count++;
  }
  return 0;
}

static int flush_l2(bb_tool_timer *timer) {
  const bb_cuda_api *cu = timer->gpu->cu;
  timer->flush_value = timer->flush_value * 1664525u + 1013904223u;
  BB_TOOL_CU(cu, cu->MemsetD32Async(timer->flush_buffer, timer->flush_value, timer->flush_bytes / 4,
                                    timer->gpu->stream));
  return 0;
}

int bb_tool_timer_median_us(bb_tool_timer *timer, bb_tool_launch_fn launch, void *user, int runs,
                            int flush, double *median_us) {
  const bb_cuda_api *cu = timer->gpu->cu;
  CUstream stream = timer->gpu->stream;
  *median_us = 0.0;
  if (runs < BB_TOOL_TIMING_MIN_RUNS)
    return bb_tool_fail("timing: %d runs; at least %d are needed for a median", runs,
                        BB_TOOL_TIMING_MIN_RUNS);
  if (ensure_events(timer, 2 * runs) != 0) return -1;
  double *times_us = malloc((size_t)runs * sizeof *times_us);
  if (!times_us) return bb_tool_fail("out of memory for %d timings", runs);

  int failed = 0;
  int run = 0;
  const int held = timer->hold_runs;
  /* Held: one run first, to its end. A library's first launch of a kernel may load it then
   * (CUDA's lazy loading), which waits for the device, and the hold would keep the device busy
   * until it gave up: the later runs would then meet the GPU one launch at a time. */
  if (held) {
    const int launched = !(flush && flush_l2(timer) != 0) && launch(user, stream, run++) == 0;
    const CUresult first = cu->StreamSynchronize(stream);
    if (!launched || first != BB_CUDA_SUCCESS) {
      if (launched)
        bb_tool_fail_cuda(cu, first, "cuStreamSynchronize (after the first run)", __FILE__,
                          __LINE__);
      free(times_us);
      return -1;
    }
    const CUresult begun = bb_stream_hold_begin(&timer->hold, stream);
    if (begun != BB_CUDA_SUCCESS) {
      free(times_us);
      return bb_tool_fail_cuda(cu, begun, "bb_stream_hold_begin", __FILE__, __LINE__);
    }
  }
  for (int i = 0; i < BB_TOOL_TIMING_WARMUP_RUNS && !failed; i++)
    failed = (flush && flush_l2(timer) != 0) || launch(user, stream, run++) != 0 ? -1 : 0;
  for (int i = 0; i < runs && !failed; i++) {
    if (flush && flush_l2(timer) != 0) {
      failed = -1;
      break;
    }
    BB_TOOL_CU_GOTO(cu, cu->EventRecord(timer->events[2 * i], stream), failed, done);
    if (launch(user, stream, run++) != 0) {
      failed = -1;
      break;
    }
    BB_TOOL_CU_GOTO(cu, cu->EventRecord(timer->events[2 * i + 1], stream), failed, done);
  }
done:
  if (held) bb_stream_hold_release(&timer->hold);
  CUresult synchronized = cu->StreamSynchronize(stream);
  if (held && bb_stream_hold_timed_out(&timer->hold)) timer->holds_timed_out++;
  if (!failed && synchronized != BB_CUDA_SUCCESS)
    failed = bb_tool_fail_cuda(cu, synchronized, "cuStreamSynchronize (after the timed runs)",
                               __FILE__, __LINE__);
  for (int i = 0; i < runs && !failed; i++) {
    float ms = 0.0f;
    BB_TOOL_CU_GOTO(cu, cu->EventElapsedTime(&ms, timer->events[2 * i], timer->events[2 * i + 1]),
                    failed, elapsed_failed);
    times_us[i] = 1000.0 * (double)ms;
  }
elapsed_failed:
  if (!failed) *median_us = bb_tool_median(times_us, (size_t)runs);
  free(times_us);
  return failed;
}

static int launch_empty(void *user, CUstream stream, int run) {
  (void)run;
  bb_tool_timer *timer = user;
  BB_TOOL_CU(timer->gpu->cu, bb_stream_hold_launch_empty(&timer->hold, stream));
  return 0;
}

int bb_tool_timer_launch_floor_us(bb_tool_timer *timer, int runs, int flush_l2, double *median_us) {
  return bb_tool_timer_median_us(timer, launch_empty, timer, runs, flush_l2, median_us);
}

typedef struct read_launch {
  const bb_tool_read_kernel *kernel;
  const bb_tool_rotation *inputs;
} read_launch;

static int launch_read(void *user, CUstream stream, int run) {
  const read_launch *read = user;
  CUdeviceptr buffers[BB_TOOL_READ_SPANS];
  for (int b = 0; b < read->inputs->buffer_count; b++)
    buffers[b] = bb_tool_rotation_buffer(read->inputs, run, b);
  return bb_tool_read_kernel_launch(read->kernel, stream, read->inputs->buffer_count, buffers,
                                    read->inputs->bytes, 0);
}

int bb_tool_timer_read_floor_us(bb_tool_timer *timer, const bb_tool_rotation *inputs, int runs,
                                int flush_l2, double *median_us) {
  *median_us = 0.0;
  if (inputs->buffer_count > BB_TOOL_READ_SPANS)
    return bb_tool_fail("read floor: %d buffers; at most %d", inputs->buffer_count,
                        BB_TOOL_READ_SPANS);
  read_launch read = {&timer->read, inputs};
  return bb_tool_timer_median_us(timer, launch_read, &read, runs, flush_l2, median_us);
}

int bb_tool_copy_bandwidth(const bb_tool_gpu *gpu, size_t bytes, int repeats,
                           double *bytes_per_second) {
  const bb_cuda_api *cu = gpu->cu;
  CUstream stream = gpu->stream;
  *bytes_per_second = 0.0;
  if (bytes < BB_TOOL_COPY_BANDWIDTH_BYTES)
    return bb_tool_fail("copy bandwidth: %zu bytes is less than the %zu the measurement needs",
                        bytes, BB_TOOL_COPY_BANDWIDTH_BYTES);
  if (repeats < 3) return bb_tool_fail("copy bandwidth: %d repeats; at least 3", repeats);
  bytes -= bytes % 4;
  CUdeviceptr source = 0, destination = 0;
  CUevent *events = calloc((size_t)repeats * 2, sizeof *events);
  double *times_us = calloc((size_t)repeats, sizeof *times_us);
  int created = 0;
  int failed = 0;
  if (!events || !times_us) {
    failed = bb_tool_fail("copy bandwidth: out of host memory");
    goto done;
  }
  if (bb_tool_device_alloc(gpu, bytes, &source) != 0 ||
      bb_tool_device_alloc(gpu, bytes, &destination) != 0) {
    failed = -1;
    goto done;
  }
  for (; created < 2 * repeats; created++)
    BB_TOOL_CU_GOTO(cu, cu->EventCreate(&events[created], BB_CU_EVENT_DEFAULT), failed, done);
  /* Nonzero contents, so nothing can shortcut a copy of zeros. */
  BB_TOOL_CU_GOTO(cu, cu->MemsetD32Async(source, 0x3C003C00u, bytes / 4, stream), failed, done);
  for (int i = 0; i < 2; i++)
    BB_TOOL_CU_GOTO(cu, cu->MemcpyDtoDAsync(destination, source, bytes, stream), failed, done);
  for (int i = 0; i < repeats; i++) {
    BB_TOOL_CU_GOTO(cu, cu->EventRecord(events[2 * i], stream), failed, done);
    BB_TOOL_CU_GOTO(cu, cu->MemcpyDtoDAsync(destination, source, bytes, stream), failed, done);
    BB_TOOL_CU_GOTO(cu, cu->EventRecord(events[2 * i + 1], stream), failed, done);
  }
  BB_TOOL_CU_GOTO(cu, cu->StreamSynchronize(stream), failed, done);
  for (int i = 0; i < repeats; i++) {
    float ms = 0.0f;
    BB_TOOL_CU_GOTO(cu, cu->EventElapsedTime(&ms, events[2 * i], events[2 * i + 1]), failed, done);
    times_us[i] = 1000.0 * (double)ms;
  }
  double median_us = bb_tool_median(times_us, (size_t)repeats);
  if (median_us <= 0.0)
    failed = bb_tool_fail("copy bandwidth: a %zu-byte copy took no measurable time", bytes);
  else
    *bytes_per_second = 2.0 * (double)bytes / (median_us * 1e-6);
done:
  if (source || destination) cu->StreamSynchronize(stream);
  for (int i = 0; i < created; i++) cu->EventDestroy(events[i]);
  bb_tool_device_free(gpu, &source);
  bb_tool_device_free(gpu, &destination);
  free(events);
  free(times_us);
  return failed;
}
