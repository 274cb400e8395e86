/* Where the blocks of a grid land, with and without griddepcontrol instructions in the kernel:
 * a kernel of 384 blocks x 512 threads whose thread 0 of each block writes its SM (%smid) and
 * then spins for about 20 us (so every block is resident at once), launched the ordinary way,
 * in three forms: plain, with griddepcontrol.wait at the top, with
 * griddepcontrol.launch_dependents at the top. Prints, per form and round, the SMs used and the
 * most blocks on one SM, and the kernel's time.
 *   smid-timer [BLOCKS] [THREADS]
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-o/smid-timer.c -Iinclude -Isrc \
 *     build-gpu/libbitblas_static.a -lsqlite3 -ldl -lpthread -lm -o build-gpu/smid-timer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bitblas.h"
#include "cuda_driver.h"

static const char *ptx(const char *extra, char *buf, size_t size) {
  snprintf(buf, size,
           ".version 8.0\n.target sm_90\n.address_size 64\n"
           ".visible .entry where(.param .u64 out)\n{\n"
           "  .reg .pred %%p<3>;\n  .reg .b32 %%r<6>;\n  .reg .b64 %%rd<8>;\n"
           "%s"
           "  ld.param.u64 %%rd1, [out];\n  cvta.to.global.u64 %%rd1, %%rd1;\n"
           "  mov.u32 %%r1, %%tid.x;\n  setp.ne.u32 %%p1, %%r1, 0;\n"
           "  mov.u64 %%rd5, %%globaltimer;\n"
           "SPIN:\n  mov.u64 %%rd6, %%globaltimer;\n  sub.u64 %%rd7, %%rd6, %%rd5;\n"
           "  setp.lt.u64 %%p2, %%rd7, 20000;\n  @%%p2 bra SPIN;\n"
           "  @%%p1 bra DONE;\n"
           "  mov.u32 %%r2, %%ctaid.x;\n  mov.u32 %%r3, %%smid;\n"
           "  mul.wide.u32 %%rd2, %%r2, 4;\n  add.u64 %%rd3, %%rd1, %%rd2;\n"
           "  st.global.u32 [%%rd3], %%r3;\nDONE:\n  ret;\n}\n",
           extra);
  return buf;
}

int main(int argc, char **argv) {
  const unsigned blocks = argc > 1 ? (unsigned)atoi(argv[1]) : 384;
  const unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 512;
  bitblas_status status;
  const bb_cuda_api *cu = bb_cuda_load(&status);
  CUdevice device;
  CUcontext context;
  if (!cu || cu->DeviceGet(&device, 0) || cu->DevicePrimaryCtxRetain(&context, device) ||
      cu->CtxPushCurrent(context))
    return 1;
  const char *extras[3] = {"", "  griddepcontrol.wait;\n", "  griddepcontrol.launch_dependents;\n"};
  const char *names[3] = {"plain", "wait", "trigger"};
  CUfunction functions[3];
  for (int f = 0; f < 3; f++) {
    char text[4096];
    CUmodule module;
    if (cu->ModuleLoadData(&module, ptx(extras[f], text, sizeof text)) ||
        cu->ModuleGetFunction(&functions[f], module, "where")) {
      fprintf(stderr, "load %s failed\n", names[f]);
      return 1;
    }
  }
  CUdeviceptr out;
  if (cu->MemAlloc(&out, blocks * 4)) return 1;
  unsigned *host = malloc(blocks * 4);
  CUevent start, end;
  cu->EventCreate(&start, 0);
  cu->EventCreate(&end, 0);
  for (int round = 0; round < 3; round++) {
    for (int f = 0; f < 3; f++) {
      void *params[] = {&out};
      cu->EventRecord(start, NULL);
      if (cu->LaunchKernel(functions[f], blocks, 1, 1, threads, 1, 1, 0, NULL, params, NULL))
        return 1;
      cu->EventRecord(end, NULL);
      if (cu->CtxSynchronize()) return 1;
      float ms = 0;
      cu->EventElapsedTime(&ms, start, end);
      cu->MemcpyDtoH(host, out, blocks * 4);
      int per_sm[256];
      memset(per_sm, 0, sizeof per_sm);
      for (unsigned b = 0; b < blocks; b++) per_sm[host[b] & 255]++;
      int used = 0, most = 0;
      for (int s = 0; s < 256; s++) {
        used += per_sm[s] > 0;
        if (per_sm[s] > most) most = per_sm[s];
      }
      printf(
          "%u blocks x %u threads, %-7s round %d: %d SMs used, at most %d blocks on one, %.2f us\n",
          blocks, threads, names[f], round, used, most, 1000.0 * ms);
    }
  }
  return 0;
}
