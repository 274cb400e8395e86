/*
 * read_kernel.c - the read floor's kernel (see read_kernel.h).
 */
#include "read_kernel.h"

#include <string.h>

#include "errors.h"

/* The sum a thread's XOR must equal for it to write the sink when no sums are asked for (PTX
 * text). */
#define SINK_VALUE "0x9E3779B9"

/* Load j of a thread: piece c_j = c_(j-1) + ntid (c_0 is computed first), found in span 0, 1 or
 * 2 by comparing it with the spans' ends, and read (all four words zero past the last piece). */
#define READ_LOAD(j, previous, v0, v1, v2, v3)                                                     \
  "  add.u64 %rd2" #j ", %rd2" #previous ", %rd12;\n"                                              \
  "  setp.lt.u64 %p1" #j ", %rd2" #j ", %rd9;\n"                                                   \
  "  setp.lt.u64 %p2" #j ", %rd2" #j ", %rd2;\n"                                                   \
  "  setp.lt.u64 %p3" #j ", %rd2" #j ", %rd8;\n"                                                   \
  "  sub.u64 %rd3" #j ", %rd2" #j ", %rd2;\n"                                                      \
  "  sub.u64 %rd4" #j ", %rd2" #j ", %rd8;\n"                                                      \
  "  selp.u64 %rd5" #j ", %rd3, %rd5, %p3" #j ";\n"                                                \
  "  selp.u64 %rd4" #j ", %rd3" #j ", %rd4" #j ", %p3" #j ";\n"                                    \
  "  selp.u64 %rd5" #j ", %rd1, %rd5" #j ", %p2" #j ";\n"                                          \
  "  selp.u64 %rd4" #j ", %rd2" #j ", %rd4" #j ", %p2" #j ";\n"                                    \
  "  shl.b64 %rd4" #j ", %rd4" #j ", 4;\n"                                                         \
  "  add.u64 %rd5" #j ", %rd5" #j ", %rd4" #j ";\n"                                                \
  "  mov.u32 %v" #v0 ", 0;\n"                                                                      \
  "  mov.u32 %v" #v1 ", 0;\n"                                                                      \
  "  mov.u32 %v" #v2 ", 0;\n"                                                                      \
  "  mov.u32 %v" #v3 ", 0;\n"                                                                      \
  "  @%p1" #j " ld.global.nc.v4.u32 {%v" #v0 ", %v" #v1 ", %v" #v2 ", %v" #v3 "}, [%rd5" #j "];\n"

/* bb_tool_read(base0, count0, base1, count1, base2, count2, sums): thread t of block b reads
 * pieces (16 bytes) 4 b ntid + t + j ntid, j = 0..3, of the spans laid end to end (count_i
 * pieces at base_i), all four loads issued before any is used; then the XOR of its words goes to
 * sums[b ntid + t] when sums is not 0, else to the sink (params[6] is the sink then, and the
 * store happens only if the XOR equals SINK_VALUE). The first load's piece is computed as the
 * "previous" of load 0 minus one step, so READ_LOAD serves all four. */
/* clang-format off */
static const char read_ptx[] =
    ".version 7.0\n"
    ".target sm_70\n"
    ".address_size 64\n"
    ".visible .entry bb_tool_read(.param .u64 base0, .param .u64 count0, .param .u64 base1,\n"
    "    .param .u64 count1, .param .u64 base2, .param .u64 count2, .param .u64 sums,\n"
    "    .param .u32 each)\n"
    "{\n"
    "  .reg .pred %p<40>;\n"
    "  .reg .b32 %r<8>;\n"
    "  .reg .b32 %v<16>;\n"
    "  .reg .b64 %rd<60>;\n"
    "  ld.param.u64 %rd1, [base0];\n"
    "  ld.param.u64 %rd2, [count0];\n"
    "  ld.param.u64 %rd3, [base1];\n"
    "  ld.param.u64 %rd4, [count1];\n"
    "  ld.param.u64 %rd5, [base2];\n"
    "  ld.param.u64 %rd6, [count2];\n"
    "  ld.param.u64 %rd7, [sums];\n"
    "  ld.param.u32 %r1, [each];\n"
    "  cvta.to.global.u64 %rd1, %rd1;\n"
    "  cvta.to.global.u64 %rd3, %rd3;\n"
    "  cvta.to.global.u64 %rd5, %rd5;\n"
    "  cvta.to.global.u64 %rd7, %rd7;\n"
    "  add.u64 %rd8, %rd2, %rd4;\n" /* end of span 1, in pieces */
    "  add.u64 %rd9, %rd8, %rd6;\n" /* end of span 2: all pieces */
    "  mov.u32 %r2, %ctaid.x;\n"
    "  mov.u32 %r3, %ntid.x;\n"
    "  mov.u32 %r4, %tid.x;\n"
    "  mul.wide.u32 %rd10, %r2, %r3;\n" /* b ntid: also the thread's index base */
    "  cvt.u64.u32 %rd11, %r4;\n"
    "  add.u64 %rd13, %rd10, %rd11;\n" /* the thread's index, b ntid + t */
    "  cvt.u64.u32 %rd12, %r3;\n"      /* ntid: the step between a thread's loads */
    "  shl.b64 %rd10, %rd10, 2;\n"
    "  add.u64 %rd10, %rd10, %rd11;\n"
    "  sub.u64 %rd29, %rd10, %rd12;\n" /* load 0's piece minus one step */
    READ_LOAD(0, 9, 0, 1, 2, 3)
    READ_LOAD(1, 0, 4, 5, 6, 7)
    READ_LOAD(2, 1, 8, 9, 10, 11)
    READ_LOAD(3, 2, 12, 13, 14, 15)
    "  xor.b32 %v0, %v0, %v1;\n"
    "  xor.b32 %v2, %v2, %v3;\n"
    "  xor.b32 %v4, %v4, %v5;\n"
    "  xor.b32 %v6, %v6, %v7;\n"
    "  xor.b32 %v8, %v8, %v9;\n"
    "  xor.b32 %v10, %v10, %v11;\n"
    "  xor.b32 %v12, %v12, %v13;\n"
    "  xor.b32 %v14, %v14, %v15;\n"
    "  xor.b32 %v0, %v0, %v2;\n"
    "  xor.b32 %v4, %v4, %v6;\n"
    "  xor.b32 %v8, %v8, %v10;\n"
    "  xor.b32 %v12, %v12, %v14;\n"
    "  xor.b32 %v0, %v0, %v4;\n"
    "  xor.b32 %v8, %v8, %v12;\n"
    "  xor.b32 %v0, %v0, %v8;\n"
    "  setp.ne.u32 %p1, %r1, 0;\n"
    "  @%p1 bra EACH;\n"
    "  setp.ne.u32 %p2, %v0, " SINK_VALUE ";\n"
    "  @%p2 bra DONE;\n"
    "  st.global.u32 [%rd7], %v0;\n"
    "  bra DONE;\n"
    "EACH:\n"
    "  shl.b64 %rd13, %rd13, 2;\n"
    "  add.u64 %rd13, %rd7, %rd13;\n"
    "  st.global.u32 [%rd13], %v0;\n"
    "DONE:\n"
    "  ret;\n"
    "}\n";
/* clang-format on */

int bb_tool_read_kernel_create(const bb_tool_gpu *gpu, bb_tool_read_kernel *kernel) {
  memset(kernel, 0, sizeof *kernel);
  kernel->gpu = gpu;
  const bb_cuda_api *cu = gpu->cu;
  int failed = 0;
  BB_TOOL_CU_GOTO(cu, cu->ModuleLoadData(&kernel->module, read_ptx), failed, fail);
  BB_TOOL_CU_GOTO(cu, cu->ModuleGetFunction(&kernel->function, kernel->module, "bb_tool_read"),
                  failed, fail);
  if (bb_tool_device_alloc(gpu, 4, &kernel->sink) != 0) {
    failed = -1;
    goto fail;
  }
  return 0;
fail:
  bb_tool_read_kernel_destroy(kernel);
  return failed;
}

void bb_tool_read_kernel_destroy(bb_tool_read_kernel *kernel) {
  if (kernel->module) kernel->gpu->cu->ModuleUnload(kernel->module);
  if (kernel->sink) bb_tool_device_free(kernel->gpu, &kernel->sink);
  memset(kernel, 0, sizeof *kernel);
}

/* Pieces of 16 bytes in all `count` spans (a span at pointer 0 has none). */
static size_t total_pieces(int count, const CUdeviceptr *buffers, const size_t *bytes) {
  size_t pieces = 0;
  for (int i = 0; i < count; i++) pieces += buffers[i] ? bytes[i] / 16 : 0;
  return pieces;
}

size_t bb_tool_read_threads(int count, const CUdeviceptr *buffers, const size_t *bytes) {
  const size_t per_block = 4 * (size_t)BB_TOOL_READ_THREADS;
  const size_t blocks = (total_pieces(count, buffers, bytes) + per_block - 1) / per_block;
  return (blocks ? blocks : 1) * BB_TOOL_READ_THREADS;
}

int bb_tool_read_kernel_launch(const bb_tool_read_kernel *kernel, CUstream stream, int count,
                               const CUdeviceptr *buffers, const size_t *bytes, CUdeviceptr sums) {
  if (count < 0 || count > BB_TOOL_READ_SPANS)
    return bb_tool_fail("read kernel: %d spans; 0 to %d", count, BB_TOOL_READ_SPANS);
  unsigned long long bases[BB_TOOL_READ_SPANS] = {0}, pieces[BB_TOOL_READ_SPANS] = {0};
  for (int i = 0; i < count; i++) {
    if (!buffers[i] || bytes[i] < 16) continue; /* as total_pieces counts */
    if (buffers[i] % 16 != 0)
      return bb_tool_fail("read kernel: span %d at 0x%llx is not 16-byte aligned", i,
                          (unsigned long long)buffers[i]);
    bases[i] = buffers[i];
    pieces[i] = bytes[i] / 16;
  }
  unsigned long long sums_pointer = sums ? sums : kernel->sink;
  unsigned each = sums != 0;
  void *params[] = {&bases[0], &pieces[0], &bases[1],     &pieces[1],
                    &bases[2], &pieces[2], &sums_pointer, &each};
  const size_t threads = bb_tool_read_threads(count, buffers, bytes);
  const unsigned blocks = (unsigned)(threads / BB_TOOL_READ_THREADS);
  const bb_cuda_api *cu = kernel->gpu->cu;
  BB_TOOL_CU(cu, cu->LaunchKernel(kernel->function, blocks, 1, 1, BB_TOOL_READ_THREADS, 1, 1, 0,
                                  stream, params, NULL));
  return 0;
}
