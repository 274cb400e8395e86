/*
 * bitnet.h - the BitNet layer's two GPU paths, for the tests and bitblas-bench to compare:
 * bitblas_bitnet_run takes BB_BITNET_AUTO.
 */
#ifndef BITBLAS_BITNET_H
#define BITBLAS_BITNET_H

#include "bitblas.h"

typedef enum bb_bitnet_path {
  BB_BITNET_AUTO,        /* one kernel where bb_fused_layer_fits (tuner/launch.h), else two */
  BB_BITNET_TWO_KERNELS, /* the row quantizer into the workspace, then the product */
  BB_BITNET_ONE_KERNEL,  /* quantize and multiply in one kernel: BITBLAS_UNSUPPORTED where the
                          * kernel for m has no such form (bb_op_fused_layer_runs(op, m, 1)) */
} bb_bitnet_path;

/* bitblas_bitnet_run along `path`: the same checks, the same output. */
bitblas_status bb_bitnet_run_path(const bitblas_op *op, const bitblas_bitnet_args *args,
                                  bb_bitnet_path path, struct CUstream_st *stream);

#endif
