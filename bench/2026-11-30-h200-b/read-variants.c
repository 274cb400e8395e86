/* read-variants.c - how much the read floor depends on the read kernel's block size: times the
 * read kernel of tools/common/read_kernel.c (4 x 16 B per thread) with 128, 256 (the bench's),
 * 512 and 1024 threads per block over one buffer of each given size, rotated through copies
 * adding up to twice the L2 as bitblas-bench rotates weights, runs held, median of 101.
 *   read-variants MiB...
 * Built against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-b/read-variants.c -Iinclude -Isrc -Itools/common \
 *     build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a -lsqlite3 -ldl -lpthread \
 *     -lm -o build-gpu/read-variants */
#include <stdio.h>
#include <stdlib.h>

#include "device.h"
#include "errors.h"
#include "read_kernel.h"
#include "rotation.h"
#include "timing.h"

typedef struct variant {
  const bb_tool_read_kernel *kernel;
  const bb_tool_rotation *rotation;
  unsigned threads;
} variant;

static int launch(void *user, CUstream stream, int run) {
  const variant *v = user;
  unsigned long long base = bb_tool_rotation_buffer(v->rotation, run, 0);
  unsigned long long pieces = v->rotation->bytes[0] / 16, none = 0;
  unsigned long long sink = v->kernel->sink;
  unsigned each = 0;
  void *params[] = {&base, &pieces, &none, &none, &none, &none, &sink, &each};
  const unsigned long long per_block = 4ull * v->threads;
  const unsigned blocks = (unsigned)((pieces + per_block - 1) / per_block);
  BB_TOOL_CU(v->kernel->gpu->cu, v->kernel->gpu->cu->LaunchKernel(v->kernel->function, blocks, 1, 1,
                                                                  v->threads, 1, 1, 0, stream,
                                                                  params, NULL));
  return 0;
}

int main(int argc, char **argv) {
  bb_tool_gpu gpu;
  bitblas_status status;
  if (bb_tool_gpu_open(0, &gpu, &status) != 0) {
    fprintf(stderr, "%s\n", bb_tool_error());
    return 1;
  }
  bb_tool_timer timer;
  if (bb_tool_timer_create(&gpu, 1, &timer) != 0) return 1;
  double launch_floor = 0;
  bb_tool_timer_launch_floor_us(&timer, 101, 0, &launch_floor);
  printf("launch floor %.2f us\n", launch_floor);
  printf("%10s %8s %8s %8s %8s\n", "MiB", "128", "256", "512", "1024");
  for (int a = 1; a < argc; a++) {
    const size_t bytes = (size_t)(atof(argv[a]) * 1048576.0) / 16 * 16;
    CUdeviceptr buffer = 0;
    bb_rng rng;
    bb_rng_seed(&rng, 7);
    if (bb_tool_device_alloc(&gpu, bytes, &buffer) != 0 ||
        bb_tool_device_fill_random(&gpu, BITBLAS_DTYPE_INT32, buffer, bytes / 4, &rng) != 0) {
      fprintf(stderr, "%s\n", bb_tool_error());
      return 1;
    }
    bb_tool_rotation rotation;
    if (bb_tool_rotation_make(&gpu, 1, &buffer, &bytes, &rotation) != 0) {
      fprintf(stderr, "%s\n", bb_tool_error());
      return 1;
    }
    printf("%10.2f", (double)bytes / 1048576.0);
    for (unsigned threads = 128; threads <= 1024; threads *= 2) {
      variant v = {&timer.read, &rotation, threads};
      double us = 0;
      if (bb_tool_timer_median_us(&timer, launch, &v, 101, !rotation.evicts_l2, &us) != 0) {
        fprintf(stderr, "%s\n", bb_tool_error());
        return 1;
      }
      printf(" %8.2f", us);
    }
    printf("\n");
    fflush(stdout);
    bb_tool_rotation_free(&gpu, &rotation);
    bb_tool_device_free(&gpu, &buffer);
  }
  bb_tool_timer_destroy(&timer);
  bb_tool_gpu_close(&gpu);
  return 0;
}
