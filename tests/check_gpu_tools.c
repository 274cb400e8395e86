/*
 * check_gpu_tools.c - the tools' own kernel that needs a device to test: the read floor's kernel
 * (tools/common/read_kernel.h) reads every whole 16-byte piece of its spans exactly once, in the
 * order it documents, and refuses spans it cannot read; its timing through the timer works on a
 * rotation. GPU suite: exits 77 without a device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "errors.h"
#include "read_kernel.h"
#include "rotation.h"
#include "test_support.h"
#include "timing.h"

static bb_tool_gpu gpu;
static bb_rng rng;

/* Random bytes on the host and the same bytes on the device. */
typedef struct span {
  unsigned char *host;
  CUdeviceptr device;
  size_t bytes;
} span;

static span span_make(size_t bytes) {
  span s = {malloc(bytes), 0, bytes};
  ck_assert_ptr_nonnull(s.host);
  for (size_t i = 0; i < bytes; i++) s.host[i] = (unsigned char)bb_rng_next(&rng);
  ck_assert_int_eq(bb_tool_device_alloc(&gpu, bytes, &s.device), 0);
  ck_assert_int_eq(gpu.cu->MemcpyHtoD(s.device, s.host, bytes), 0);
  return s;
}

static void span_free(span *s) {
  free(s->host);
  bb_tool_device_free(&gpu, &s->device);
}

/* The XOR of the four 32-bit words of piece `piece` of the spans laid end to end (whole pieces
 * only), or 0 past the last. */
static unsigned piece_xor(const span *spans, int count, size_t piece) {
  for (int i = 0; i < count; i++) {
    const size_t pieces = spans[i].bytes / 16;
    if (piece < pieces) {
      unsigned words[4];
      memcpy(words, spans[i].host + 16 * piece, sizeof words);
      return words[0] ^ words[1] ^ words[2] ^ words[3];
    }
    piece -= pieces;
  }
  return 0;
}

/* Each thread's XOR as the kernel reports it equals the XOR of the pieces read_kernel.h gives it:
 * block b, thread t reads pieces 4 b T + t + j T, j = 0..3 (T threads per block). The sizes
 * leave partial pieces at each span's end and a partial last block. */
START_TEST(test_read_kernel_reads_each_piece_once) {
  span spans[BB_TOOL_READ_SPANS] = {span_make((1u << 20) + 48 + 7), span_make(16000 + 9),
                                    span_make(4096)};
  CUdeviceptr buffers[BB_TOOL_READ_SPANS];
  size_t bytes[BB_TOOL_READ_SPANS];
  for (int i = 0; i < BB_TOOL_READ_SPANS; i++) {
    buffers[i] = spans[i].device;
    bytes[i] = spans[i].bytes;
  }
  const size_t threads = bb_tool_read_threads(BB_TOOL_READ_SPANS, buffers, bytes);
  const size_t pieces = (bytes[0] / 16) + (bytes[1] / 16) + (bytes[2] / 16);
  ck_assert_uint_eq(threads % BB_TOOL_READ_THREADS, 0);
  ck_assert_uint_ge(4 * threads, pieces);
  ck_assert_uint_lt(4 * threads, pieces + 4 * BB_TOOL_READ_THREADS);

  CUdeviceptr sums = 0;
  ck_assert_int_eq(bb_tool_device_alloc(&gpu, threads * 4, &sums), 0);
  ck_assert_int_eq(gpu.cu->MemsetD32Async(sums, 0xDEADBEEFu, threads, gpu.stream), 0);
  bb_tool_read_kernel kernel;
  ck_assert_msg(bb_tool_read_kernel_create(&gpu, &kernel) == 0, "%s", bb_tool_error());
  ck_assert_msg(bb_tool_read_kernel_launch(&kernel, gpu.stream, BB_TOOL_READ_SPANS, buffers, bytes,
                                           sums) == 0,
                "%s", bb_tool_error());
  ck_assert_int_eq(gpu.cu->StreamSynchronize(gpu.stream), 0);
  unsigned *got = malloc(threads * 4);
  ck_assert_ptr_nonnull(got);
  ck_assert_int_eq(gpu.cu->MemcpyDtoH(got, sums, threads * 4), 0);
  const size_t T = BB_TOOL_READ_THREADS;
  for (size_t thread = 0; thread < threads; thread++) {
    const size_t b = thread / T, t = thread % T;
    unsigned want = 0;
    for (size_t j = 0; j < 4; j++)
      want ^= piece_xor(spans, BB_TOOL_READ_SPANS, 4 * b * T + t + j * T);
    ck_assert_msg(got[thread] == want, "thread %zu: 0x%08x, want 0x%08x", thread, got[thread],
                  want);
  }

  /* A span with pointer 0 is skipped: the same threads cover the other two. */
  buffers[1] = 0;
  const size_t fewer = bb_tool_read_threads(BB_TOOL_READ_SPANS, buffers, bytes);
  ck_assert_uint_lt(fewer, threads);
  ck_assert_int_eq(
      bb_tool_read_kernel_launch(&kernel, gpu.stream, BB_TOOL_READ_SPANS, buffers, bytes, sums), 0);
  ck_assert_int_eq(gpu.cu->StreamSynchronize(gpu.stream), 0);
  ck_assert_int_eq(gpu.cu->MemcpyDtoH(got, sums, fewer * 4), 0);
  span skipped[2] = {spans[0], spans[2]};
  for (size_t thread = 0; thread < fewer; thread++) {
    const size_t b = thread / T, t = thread % T;
    unsigned want = 0;
    for (size_t j = 0; j < 4; j++) want ^= piece_xor(skipped, 2, 4 * b * T + t + j * T);
    ck_assert_msg(got[thread] == want, "without span 1, thread %zu: 0x%08x, want 0x%08x", thread,
                  got[thread], want);
  }
  free(got);
  bb_tool_device_free(&gpu, &sums);
  bb_tool_read_kernel_destroy(&kernel);
  for (int i = 0; i < BB_TOOL_READ_SPANS; i++) span_free(&spans[i]);
}
END_TEST

/* A span that is not 16-byte aligned, or more spans than the kernel takes, is refused by name,
 * with nothing launched. */
START_TEST(test_read_kernel_refuses_what_it_cannot_read) {
  span s = span_make(4096);
  bb_tool_read_kernel kernel;
  ck_assert_msg(bb_tool_read_kernel_create(&gpu, &kernel) == 0, "%s", bb_tool_error());
  CUdeviceptr buffers[4] = {s.device + 4, 0, 0, 0};
  size_t bytes[4] = {64, 0, 0, 0};
  ck_assert_int_ne(bb_tool_read_kernel_launch(&kernel, gpu.stream, 1, buffers, bytes, 0), 0);
  ck_assert_msg(strstr(bb_tool_error(), "span 0") && strstr(bb_tool_error(), "16-byte aligned"),
                "%s", bb_tool_error());
  buffers[0] = s.device;
  ck_assert_int_ne(bb_tool_read_kernel_launch(&kernel, gpu.stream, 4, buffers, bytes, 0), 0);
  ck_assert_msg(strstr(bb_tool_error(), "4 spans"), "%s", bb_tool_error());
  ck_assert_int_eq(bb_tool_read_kernel_launch(&kernel, gpu.stream, 1, buffers, bytes, 0), 0);
  ck_assert_int_eq(gpu.cu->StreamSynchronize(gpu.stream), 0);
  bb_tool_read_kernel_destroy(&kernel);
  span_free(&s);
}
END_TEST

/* The timer's read floor over a rotation of three buffers gives a time; over four buffers it
 * says why not. */
START_TEST(test_read_floor_over_a_rotation) {
  span spans[3] = {span_make(1u << 20), span_make(32768), span_make(32768)};
  CUdeviceptr buffers[4] = {spans[0].device, spans[1].device, spans[2].device, spans[2].device};
  size_t bytes[4] = {spans[0].bytes, spans[1].bytes, spans[2].bytes, spans[2].bytes};
  bb_tool_timer timer;
  ck_assert_msg(bb_tool_timer_create(&gpu, 1, &timer) == 0, "%s", bb_tool_error());
  bb_tool_rotation rotation;
  ck_assert_msg(bb_tool_rotation_make(&gpu, 3, buffers, bytes, &rotation) == 0, "%s",
                bb_tool_error());
  ck_assert(rotation.copy_count > 1);
  double us = 0;
  ck_assert_msg(bb_tool_timer_read_floor_us(&timer, &rotation, BB_TOOL_TIMING_MIN_RUNS, 0, &us) ==
                    0,
                "%s", bb_tool_error());
  ck_assert_msg(us > 0.0, "read floor %.3f µs", us);
  bb_tool_rotation_free(&gpu, &rotation);
  ck_assert_msg(bb_tool_rotation_make(&gpu, 4, buffers, bytes, &rotation) == 0, "%s",
                bb_tool_error());
  ck_assert_int_ne(bb_tool_timer_read_floor_us(&timer, &rotation, BB_TOOL_TIMING_MIN_RUNS, 0, &us),
                   0);
  ck_assert_msg(strstr(bb_tool_error(), "4 buffers"), "%s", bb_tool_error());
  bb_tool_rotation_free(&gpu, &rotation);
  bb_tool_timer_destroy(&timer);
  for (int i = 0; i < 3; i++) span_free(&spans[i]);
}
END_TEST

int main(void) {
  bitblas_status status;
  if (bb_tool_gpu_open(0, &gpu, &status) != 0) {
    fprintf(stderr, "SKIP: %s\n", bb_tool_error());
    return status == BITBLAS_NO_DRIVER || status == BITBLAS_NO_DEVICE ? BB_TEST_SKIP : 1;
  }
  bb_test_rng_seed(&rng);
  Suite *suite = suite_create("gpu_tools");
  TCase *tc = tcase_create("read kernel");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_read_kernel_reads_each_piece_once);
  tcase_add_test(tc, test_read_kernel_refuses_what_it_cannot_read);
  tcase_add_test(tc, test_read_floor_over_a_rotation);
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite_in_process(suite);
  bb_tool_gpu_close(&gpu);
  return failed;
}
