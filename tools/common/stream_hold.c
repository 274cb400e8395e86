/*
 * stream_hold.c - the hold kernel, the empty kernel and the mapped flag words (see
 * stream_hold.h).
 */
#include "stream_hold.h"

#include <dlfcn.h>
#include <string.h>

#include "errors.h"

/* cuMemHostAlloc flags (cuda.h). */
#define MEMHOSTALLOC_PORTABLE 0x01u
#define MEMHOSTALLOC_DEVICEMAP 0x02u

typedef CUresult (*mem_host_alloc_fn)(void **pointer, size_t bytes, unsigned flags);
typedef CUresult (*mem_host_get_device_pointer_fn)(CUdeviceptr *device, void *host, unsigned flags);

/* bb_tool_hold(flag words, timeout): spins on a volatile load of word 0 until it is nonzero or
 * the timeout in ns (read from %globaltimer) has passed, then writes 1 to word 1 if it timed
 * out. bb_tool_empty: returns. */
static const char kernels_ptx[] =
    ".version 7.0\n"
    ".target sm_70\n"
    ".address_size 64\n"
    ".visible .entry bb_tool_empty()\n"
    "{\n"
    "  ret;\n"
    "}\n"
    ".visible .entry bb_tool_hold(.param .u64 words, .param .u64 timeout_ns)\n"
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

int bb_tool_stream_hold_create(const bb_tool_gpu *gpu, bb_tool_stream_hold *hold) {
  memset(hold, 0, sizeof *hold);
  hold->gpu = gpu;
  const bb_cuda_api *cu = gpu->cu;
  hold->driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!hold->driver) return bb_tool_fail("stream hold: dlopen libcuda.so.1: %s", dlerror());
  mem_host_alloc_fn host_alloc = (mem_host_alloc_fn)dlsym(hold->driver, "cuMemHostAlloc");
  mem_host_get_device_pointer_fn device_pointer =
      (mem_host_get_device_pointer_fn)dlsym(hold->driver, "cuMemHostGetDevicePointer_v2");
  *(void **)&hold->free_host = dlsym(hold->driver, "cuMemFreeHost");
  int failed = 0;
  void *words = NULL;
  if (!host_alloc || !device_pointer || !hold->free_host) {
    failed = bb_tool_fail("stream hold: libcuda.so.1 lacks cuMemHostAlloc, "
                          "cuMemHostGetDevicePointer_v2 or cuMemFreeHost");
    goto fail;
  }
  BB_TOOL_CU_GOTO(cu, host_alloc(&words, 64, MEMHOSTALLOC_PORTABLE | MEMHOSTALLOC_DEVICEMAP),
                  failed, fail);
  hold->host_words = words;
  hold->host_words[0] = hold->host_words[1] = 0;
  BB_TOOL_CU_GOTO(cu, device_pointer(&hold->device_words, words, 0), failed, fail);
  BB_TOOL_CU_GOTO(cu, cu->ModuleLoadData(&hold->module, kernels_ptx), failed, fail);
  BB_TOOL_CU_GOTO(cu, cu->ModuleGetFunction(&hold->hold_kernel, hold->module, "bb_tool_hold"),
                  failed, fail);
  BB_TOOL_CU_GOTO(cu, cu->ModuleGetFunction(&hold->empty_kernel, hold->module, "bb_tool_empty"),
                  failed, fail);
  return 0;
fail:
  bb_tool_stream_hold_destroy(hold);
  return failed;
}

void bb_tool_stream_hold_destroy(bb_tool_stream_hold *hold) {
  if (hold->module) hold->gpu->cu->ModuleUnload(hold->module);
  if (hold->host_words) hold->free_host((void *)hold->host_words);
  if (hold->driver) dlclose(hold->driver);
  memset(hold, 0, sizeof *hold);
}

int bb_tool_stream_hold_begin(bb_tool_stream_hold *hold) {
  const bb_cuda_api *cu = hold->gpu->cu;
  hold->host_words[0] = 0;
  hold->host_words[1] = 0;
  __sync_synchronize();
  unsigned long long timeout_ns = BB_TOOL_HOLD_TIMEOUT_NS;
  void *params[] = {&hold->device_words, &timeout_ns};
  BB_TOOL_CU(cu, cu->LaunchKernel(hold->hold_kernel, 1, 1, 1, 1, 1, 1, 0, hold->gpu->stream, params,
                                  NULL));
  return 0;
}

void bb_tool_stream_hold_release(bb_tool_stream_hold *hold) {
  __sync_synchronize();
  hold->host_words[0] = 1;
  __sync_synchronize();
}

int bb_tool_stream_hold_timed_out(const bb_tool_stream_hold *hold) {
  return hold->host_words[1] != 0;
}

int bb_tool_stream_hold_launch_empty(const bb_tool_stream_hold *hold, CUstream stream) {
  const bb_cuda_api *cu = hold->gpu->cu;
  BB_TOOL_CU(cu, cu->LaunchKernel(hold->empty_kernel, 1, 1, 1, 32, 1, 1, 0, stream, NULL, NULL));
  return 0;
}
