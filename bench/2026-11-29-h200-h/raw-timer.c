/* Times schedules of one config without checking their output: for experiments whose kernels
 * read data in a layout the library does not produce yet (an upper bound, not a result).
 *   raw-timer FORMAT M N K SCHEDULE...
 * Each schedule is compiled twice, plain and with PREFIX (text before the source, such as an
 * experiment's #define), and the two are timed alternately, ROUNDS (default 3) rounds of 50
 * runs each, L2 flushed (256 MiB memset) before every run. A holds 8 * ceil(M / 8) rows, so
 * that a kernel may read whole 8-row tiles. Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-29-h200-h/raw-timer.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/raw-timer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bitblas.h"
#include "compile.h"
#include "cuda_driver.h"
#include "formats.h"
#include "launch.h"
#include "operands.h"
#include "schedule.h"

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static CUdeviceptr upload(const bb_cuda_api *cu, const void *host, size_t bytes, size_t room) {
  CUdeviceptr d = 0;
  if (room < bytes) room = bytes;
  if (room == 0) return 0;
  if (cu->MemAlloc(&d, room)) return 0;
  cu->MemsetD8(d, 0, room);
  if (host && bytes) cu->MemcpyHtoD(d, host, bytes);
  return d;
}

int main(int argc, char **argv) {
  if (argc < 6) return 2;
  bitblas_status status;
  const bb_cuda_api *cu = bb_cuda_load(&status);
  CUdevice device;
  CUcontext context;
  if (!cu || cu->DeviceGet(&device, 0) || cu->DevicePrimaryCtxRetain(&context, device) ||
      cu->CtxPushCurrent(context)) {
    fprintf(stderr, "no CUDA device: %s\n", bitblas_last_error());
    return 1;
  }
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  const int64_t M = atoll(argv[2]), N = atoll(argv[3]), K = atoll(argv[4]);
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, M, N, K, &cfg);
  bb_rng rng;
  bb_rng_seed(&rng, bb_rng_seed_from_clock());
  bb_host_operands h;
  if (bb_host_operands_make(&cfg, M, 0, &rng, &h)) {
    fprintf(stderr, "%s\n", bitblas_last_error());
    return 1;
  }
  const size_t a_room = (size_t)((M + 7) / 8) * 8 * K * 2;
  bb_launch_args args = {0};
  args.A = upload(cu, h.A, h.A_bytes, a_room);
  args.W = upload(cu, h.W, h.W_bytes, 0);
  args.scales = upload(cu, h.scales, h.scales_bytes, 0);
  args.zeros = upload(cu, h.zeros, h.zeros_bytes, 0);
  args.bias = upload(cu, h.bias, h.bias_bytes, 0);
  args.a_scale = upload(cu, h.a_scale, h.a_scale_bytes, 0);
  args.C = upload(cu, NULL, 0, (size_t)M * N * 4);
  args.m = (int)M;
  const size_t flush_bytes = 256u << 20;
  CUdeviceptr flush = upload(cu, NULL, 0, flush_bytes);
  CUstream stream;
  CUevent start, stop;
  cu->StreamCreate(&stream, 0);
  cu->EventCreate(&start, 0);
  cu->EventCreate(&stop, 0);
  const char *prefix = getenv("PREFIX") ? getenv("PREFIX") : "";
  const int rounds = getenv("ROUNDS") ? atoi(getenv("ROUNDS")) : 3;
  for (int i = 5; i < argc; i++) {
    bb_schedule s;
    if (bb_schedule_parse(argv[i], &s)) return 1;
    char *sources[2];
    sources[0] = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
    sources[1] = malloc(strlen(prefix) + strlen(sources[0]) + 2);
    sprintf(sources[1], "%s\n%s", prefix, sources[0]);
    bb_compiled c[2];
    if (bb_compile_all(sources, 2, 90, c) || c[0].status || c[1].status) {
      fprintf(stderr, "compile: %s %s\n", c[0].message, c[1].message);
      return 1;
    }
    CUmodule modules[2];
    CUfunction functions[2];
    for (int v = 0; v < 2; v++)
      if (bb_function_load(cu, c[v].cubin, &modules[v], &functions[v])) return 1;
    double medians[2][16] = {{0}};
    for (int round = 0; round < rounds && round < 16; round++)
      for (int v = 0; v < 2; v++) {
        double times[50];
        for (int r = 0; r < 55; r++) {
          cu->MemsetD32Async(flush, (unsigned)r, flush_bytes / 4, stream);
          cu->EventRecord(start, stream);
          if (bb_launch(cu, functions[v], &s, &cfg, &args, stream)) return 1;
          cu->EventRecord(stop, stream);
          cu->EventSynchronize(stop);
          float ms = 0;
          cu->EventElapsedTime(&ms, start, stop);
          if (r >= 5) times[r - 5] = ms * 1000.0;
        }
        qsort(times, 50, sizeof times[0], compare_doubles);
        medians[v][round] = times[25];
      }
    for (int v = 0; v < 2; v++) {
      printf("%s %s %s %s | %s | %s |", argv[1], argv[2], argv[3], argv[4], argv[i],
             v ? prefix : "plain");
      for (int round = 0; round < rounds && round < 16; round++) printf(" %.2f", medians[v][round]);
      printf(" us\n");
    }
    fflush(stdout);
    for (int v = 0; v < 2; v++) cu->ModuleUnload(modules[v]);
    bb_compiled_free(c, 2);
    free(sources[0]);
    free(sources[1]);
  }
  return 0;
}
