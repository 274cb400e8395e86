/*
 * stream_hold.c - the hold kernel, the empty kernel and the mapped flag words (see
 * stream_hold.h).
 */
#include "stream_hold.h"

#include <string.h>

/* bitblas_hold(flag words, timeout): spins on a volatile load of word 0 until it is nonzero or
 * the timeout in ns (read from %globaltimer) has passed, then writes 1 to word 1 if it timed
 * out. bitblas_empty: returns. */
static const char kernels_ptx[] =
    ".version 7.0\n"
    ".target sm_70\n"
    ".address_size 64\n"
    ".visible .entry bitblas_empty()\n"
    "{\n"
    "  ret;\n"
    "}\n"
    ".visible .entry bitblas_hold(.param .u64 words, .param .u64 timeout_ns)\n"
    "{\n"
    "  .reg .pred %p<3>;\n"
    "  .reg .b32 %r<3>;\n"
    "  .reg .b64 %rd<8>;\n"
    "  ld.param.u64 %rd1, [words];\n"
    "  ld.param.u64 %rd2, [timeout_ns];\n"
    "  cvta.to.global.u64 %rd1, %rd1;\n"
    "  mov.u64 %rd3, %globaltimer;\n"
    "WAIT:\n"
    "  ld.volatile.global.u32 %r1, [%rd1];\n"
    "  setp.ne.u32 %p1, %r1, 0;\n"
    "  @%p1 bra DONE;\n"
    "  mov.u64 %rd4, %globaltimer;\n"
    "  sub.u64 %rd5, %rd4, %rd3;\n"
    "  setp.lt.u64 %p2, %rd5, %rd2;\n"
    "  @%p2 bra WAIT;\n"
    "  mov.u32 %r2, 1;\n"
    "  st.volatile.global.u32 [%rd1+4], %r2;\n"
    "DONE:\n"
    "  ret;\n"
    "}\n";

bitblas_status bb_stream_hold_create(const bb_cuda_api *cu, bb_stream_hold *hold) {
  memset(hold, 0, sizeof *hold);
  hold->cu = cu;
  bitblas_status status = BITBLAS_OK;
  void *words = NULL;
  BB_CU_CHECK_GOTO(
      cu->MemHostAlloc(&words, 64, BB_CU_MEMHOSTALLOC_PORTABLE | BB_CU_MEMHOSTALLOC_DEVICEMAP),
      status, fail);
  hold->host_words = words;
  hold->host_words[0] = hold->host_words[1] = 0;
  BB_CU_CHECK_GOTO(cu->MemHostGetDevicePointer(&hold->device_words, words, 0), status, fail);
  BB_CU_CHECK_GOTO(cu->ModuleLoadData(&hold->module, kernels_ptx), status, fail);
  BB_CU_CHECK_GOTO(cu->ModuleGetFunction(&hold->hold_kernel, hold->module, "bitblas_hold"), status,
                   fail);
  BB_CU_CHECK_GOTO(cu->ModuleGetFunction(&hold->empty_kernel, hold->module, "bitblas_empty"),
                   status, fail);
  return BITBLAS_OK;
fail:
  bb_stream_hold_destroy(hold);
  return status;
}

void bb_stream_hold_destroy(bb_stream_hold *hold) {
  const bb_cuda_api *cu = hold->cu;
  if (hold->module) cu->ModuleUnload(hold->module);
  if (hold->host_words) cu->MemFreeHost((void *)hold->host_words);
  memset(hold, 0, sizeof *hold);
}

CUresult bb_stream_hold_begin(const bb_stream_hold *hold, CUstream stream) {
  hold->host_words[0] = 0;
  hold->host_words[1] = 0;
  __sync_synchronize();
  CUdeviceptr words = hold->device_words;
  unsigned long long timeout_ns = BB_HOLD_TIMEOUT_NS;
  void *params[] = {&words, &timeout_ns};
  return hold->cu->LaunchKernel(hold->hold_kernel, 1, 1, 1, 1, 1, 1, 0, stream, params, NULL);
}

void bb_stream_hold_release(const bb_stream_hold *hold) {
  __sync_synchronize();
  hold->host_words[0] = 1;
  __sync_synchronize();
}

int bb_stream_hold_timed_out(const bb_stream_hold *hold) { return hold->host_words[1] != 0; }

CUresult bb_stream_hold_launch_empty(const bb_stream_hold *hold, CUstream stream) {
  return hold->cu->LaunchKernel(hold->empty_kernel, 1, 1, 1, 32, 1, 1, 0, stream, NULL, NULL);
}
