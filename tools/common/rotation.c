/*
 * rotation.c - copies of read-only inputs used in turn by timed runs (see rotation.h).
 */
#include "rotation.h"

#include <string.h>

#include "errors.h"

/* Each buffer of a copy starts on this boundary (as cuMemAlloc's pointers do, and more than any
 * kernel's vector loads need). */
#define COPY_ALIGNMENT 256

void bb_tool_rotation_single(int buffer_count, const CUdeviceptr *buffers, const size_t *bytes,
                             bb_tool_rotation *rotation) {
  memset(rotation, 0, sizeof *rotation);
  rotation->buffer_count = buffer_count;
  rotation->copy_count = 1;
  for (int b = 0; b < buffer_count && b < BB_TOOL_ROTATION_MAX_BUFFERS; b++) {
    rotation->bytes[b] = buffers[b] ? bytes[b] : 0;
    rotation->originals[b] = rotation->bytes[b] ? buffers[b] : 0;
  }
}

int bb_tool_rotation_plan(int buffer_count, const CUdeviceptr *buffers, const size_t *bytes,
                          size_t l2_bytes, bb_tool_rotation *rotation) {
  memset(rotation, 0, sizeof *rotation);
  if (buffer_count < 1 || buffer_count > BB_TOOL_ROTATION_MAX_BUFFERS)
    return bb_tool_fail("rotation: %d buffers; 1 to %d", buffer_count,
                        BB_TOOL_ROTATION_MAX_BUFFERS);
  bb_tool_rotation_single(buffer_count, buffers, bytes, rotation);
  size_t total = 0;
  for (int b = 0; b < buffer_count; b++) {
    rotation->offsets[b] = rotation->stride;
    rotation->stride += (rotation->bytes[b] + COPY_ALIGNMENT - 1) / COPY_ALIGNMENT * COPY_ALIGNMENT;
    total += rotation->bytes[b];
  }
  if (total == 0) return 0;
  /* The copies other than the one a run reads must add up to twice the L2 size; for inputs of a
   * few bytes, whose aligned copies take far more room than they read, the arena stops at four
   * times the L2 size (more copies than any timing has runs). */
  const size_t wanted = (2 * l2_bytes + total - 1) / total;
  const size_t room = (4 * l2_bytes + rotation->stride - 1) / rotation->stride;
  const size_t others = wanted < room ? wanted : room;
  rotation->copy_count = (int64_t)others + 1;
  rotation->evicts_l2 = 1;
  return 0;
}

int bb_tool_rotation_make(const bb_tool_gpu *gpu, int buffer_count, const CUdeviceptr *buffers,
                          const size_t *bytes, bb_tool_rotation *rotation) {
  const size_t l2 = gpu->l2_bytes > 0 ? (size_t)gpu->l2_bytes : (size_t)64 << 20;
  if (bb_tool_rotation_plan(buffer_count, buffers, bytes, l2, rotation) != 0) return -1;
  if (rotation->copy_count < 2) return 0;
  const size_t others = (size_t)rotation->copy_count - 1;
  if (bb_tool_device_alloc(gpu, others * rotation->stride, &rotation->arena) != 0) {
    bb_tool_rotation_free(gpu, rotation);
    return -1;
  }
  const bb_cuda_api *cu = gpu->cu;
  int failed = 0;
  for (int b = 0; b < buffer_count; b++) {
    if (!rotation->bytes[b]) continue;
    BB_TOOL_CU_GOTO(cu,
                    cu->MemcpyDtoDAsync(rotation->arena + rotation->offsets[b], buffers[b],
                                        rotation->bytes[b], gpu->stream),
                    failed, undo);
  }
  /* The other copies by doubling: a handful of copies however many there are. */
  for (size_t made = 1; made < others;) {
    const size_t count = made < others - made ? made : others - made;
    BB_TOOL_CU_GOTO(cu,
                    cu->MemcpyDtoDAsync(rotation->arena + made * rotation->stride, rotation->arena,
                                        count * rotation->stride, gpu->stream),
                    failed, undo);
    made += count;
  }
  BB_TOOL_CU_GOTO(cu, cu->StreamSynchronize(gpu->stream), failed, undo);
  return 0;
undo:
  cu->StreamSynchronize(gpu->stream);
  bb_tool_rotation_free(gpu, rotation);
  return failed;
}

void bb_tool_rotation_free(const bb_tool_gpu *gpu, bb_tool_rotation *rotation) {
  if (rotation->arena) bb_tool_device_free(gpu, &rotation->arena);
  memset(rotation, 0, sizeof *rotation);
}

CUdeviceptr bb_tool_rotation_buffer(const bb_tool_rotation *rotation, int run, int buffer) {
  if (rotation->copy_count < 1 || buffer < 0 || buffer >= rotation->buffer_count) return 0;
  const int64_t copy = run % rotation->copy_count;
  if (copy == 0 || !rotation->bytes[buffer]) return rotation->originals[buffer];
  return rotation->arena + (size_t)(copy - 1) * rotation->stride + rotation->offsets[buffer];
}
