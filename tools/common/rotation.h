/*
 * rotation.h - copies of a timed run's read-only inputs (weights, scales, zeros), used in turn so
 * that every timed run reads a copy the runs before it pushed out of L2: SPEC section 5's
 * "weights rotated". Unlike an L2 flush by memset, it leaves no dirty lines in L2 for the timed
 * kernel to write back, which would add their bytes to the kernel's time.
 */
#ifndef BITBLAS_TOOL_ROTATION_H
#define BITBLAS_TOOL_ROTATION_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"

#define BB_TOOL_ROTATION_MAX_BUFFERS 4

typedef struct bb_tool_rotation {
  int buffer_count;
  int64_t copy_count; /* copies in turn, the caller's own buffers being copy 0 */
  int evicts_l2;      /* 1: the other copies add up to at least twice the L2 size */
  size_t bytes[BB_TOOL_ROTATION_MAX_BUFFERS];
  CUdeviceptr originals[BB_TOOL_ROTATION_MAX_BUFFERS]; /* copy 0, the caller's */
  size_t offsets[BB_TOOL_ROTATION_MAX_BUFFERS];        /* of each buffer within a copy */
  size_t stride;                                       /* bytes from one copy to the next */
  CUdeviceptr arena; /* copies 1 .. copy_count - 1, one after the other (owned) */
} bb_tool_rotation;

/* Makes enough copies of `buffers` (buffer_count <= BB_TOOL_ROTATION_MAX_BUFFERS; a 0 pointer or
 * 0 bytes stays 0 in every copy) that the copies read between two uses of one copy add up to at
 * least twice the L2 size, however small the inputs (small ones get many copies, in one
 * allocation of at most four times the L2 size); evicts_l2 is 0 only when there are no bytes at
 * all.
 * Copy 0 is the caller's buffers, not owned. 0, or -1 with the message (nothing left
 * allocated). */
int bb_tool_rotation_make(const bb_tool_gpu *gpu, int buffer_count, const CUdeviceptr *buffers,
                          const size_t *bytes, bb_tool_rotation *rotation);

/* The layout bb_tool_rotation_make allocates, without allocating: copy_count, stride, offsets,
 * and evicts_l2 for an L2 of `l2_bytes` (arena stays 0). Exposed for the tests. Same rules for
 * the arguments; 0, or -1 with the message. */
int bb_tool_rotation_plan(int buffer_count, const CUdeviceptr *buffers, const size_t *bytes,
                          size_t l2_bytes, bb_tool_rotation *rotation);

/* A rotation of one copy, the caller's buffers, for timings that flush L2 instead. */
void bb_tool_rotation_single(int buffer_count, const CUdeviceptr *buffers, const size_t *bytes,
                             bb_tool_rotation *rotation);

/* Frees the copies made (not copy 0) and zeroes the struct; a zeroed struct is fine. */
void bb_tool_rotation_free(const bb_tool_gpu *gpu, bb_tool_rotation *rotation);

/* Buffer `buffer` of the copy that run number `run` (0, 1, 2, ...) reads. */
CUdeviceptr bb_tool_rotation_buffer(const bb_tool_rotation *rotation, int run, int buffer);

#endif
