/*
 * rotation.c - copies of read-only inputs used in turn by timed runs (see rotation.h).
 */
#include "rotation.h"

#include <string.h>

#include "errors.h"

/* Copies needed so that the others add up to at least twice the L2 size. */
static int copies_needed(size_t total_bytes, size_t l2_bytes) {
  if (total_bytes == 0) return BB_TOOL_ROTATION_MAX_COPIES;
  const size_t others = (2 * l2_bytes + total_bytes - 1) / total_bytes;
  return others + 1 > BB_TOOL_ROTATION_MAX_COPIES ? BB_TOOL_ROTATION_MAX_COPIES : (int)others + 1;
}

int bb_tool_rotation_make(const bb_tool_gpu *gpu, int buffer_count, const CUdeviceptr *buffers,
                          const size_t *bytes, bb_tool_rotation *rotation) {
  memset(rotation, 0, sizeof *rotation);
  if (buffer_count < 1 || buffer_count > BB_TOOL_ROTATION_MAX_BUFFERS)
    return bb_tool_fail("rotation: %d buffers; 1 to %d", buffer_count,
                        BB_TOOL_ROTATION_MAX_BUFFERS);
  size_t total = 0;
  for (int b = 0; b < buffer_count; b++) {
    rotation->bytes[b] = buffers[b] ? bytes[b] : 0;
    rotation->copies[0][b] = rotation->bytes[b] ? buffers[b] : 0;
    total += rotation->bytes[b];
  }
  rotation->buffer_count = buffer_count;
  rotation->copy_count = 1;
  const size_t l2 = gpu->l2_bytes > 0 ? (size_t)gpu->l2_bytes : (size_t)64 << 20;
  const int wanted = copies_needed(total, l2);
  int failed = 0;
  rotation->evicts_l2 = (size_t)(wanted - 1) * total >= 2 * l2;
  for (int c = 1; c < wanted; c++) {
    for (int b = 0; b < buffer_count; b++) {
      if (!rotation->bytes[b]) continue;
      if (bb_tool_device_alloc(gpu, rotation->bytes[b], &rotation->copies[c][b]) != 0) {
        failed = -1;
        goto undo;
      }
      BB_TOOL_CU_GOTO(gpu->cu,
                      gpu->cu->MemcpyDtoDAsync(rotation->copies[c][b], buffers[b],
                                               rotation->bytes[b], gpu->stream),
                      failed, undo);
    }
    rotation->copy_count = c + 1;
  }
  BB_TOOL_CU_GOTO(gpu->cu, gpu->cu->StreamSynchronize(gpu->stream), failed, undo);
  return 0;
undo:
  /* Frees every copy allocated so far, the partly made one included. */
  rotation->copy_count = wanted;
  bb_tool_rotation_free(gpu, rotation);
  return failed;
}

void bb_tool_rotation_free(const bb_tool_gpu *gpu, bb_tool_rotation *rotation) {
  for (int c = 1; c < rotation->copy_count && c < BB_TOOL_ROTATION_MAX_COPIES; c++)
    for (int b = 0; b < rotation->buffer_count; b++)
      bb_tool_device_free(gpu, &rotation->copies[c][b]);
  memset(rotation, 0, sizeof *rotation);
}

CUdeviceptr bb_tool_rotation_buffer(const bb_tool_rotation *rotation, int run, int buffer) {
  if (rotation->copy_count < 1) return 0;
  return rotation->copies[run % rotation->copy_count][buffer];
}
