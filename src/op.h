/*
 * op.h - what the rest of the runtime needs of operators: freeing the ones a context's memo
 * holds when it is destroyed, and launching the row quantizer and the one-kernel layer their
 * modules hold for the BitNet layer (src/bitnet.c). The public operator API is in bitblas.h;
 * its implementation in op.c.
 */
#ifndef BITBLAS_OP_H
#define BITBLAS_OP_H

#include "bitblas.h"

/* Unloads an operator's modules and frees it, whatever its reference count (context teardown). */
void bb_op_destroy_from_memo(bitblas_op *op);

/* Enqueues the row quantizer of op's kernels (bb_config_quantizes_rows) on stream: x [m, K] of
 * the output type -> x_q [m, K] int8 and a_scale [m] float32. The caller has checked op, m and
 * the pointers (src/bitnet.c). BITBLAS_CUDA_ERROR when the launch fails. */
bitblas_status bb_op_quantize_rows(const bitblas_op *op, int64_t m, const void *x, void *x_q,
                                   float *a_scale, struct CUstream_st *stream);

/* bitblas_op_run for the product that follows bb_op_quantize_rows on the same stream: on Hopper
 * its kernel starts while the quantizer runs (programmatic dependent launch: tuner/launch.h)
 * and waits for A inside. Any other use must go through bitblas_op_run. */
bitblas_status bb_op_run_after_quantizer(const bitblas_op *op, const bitblas_matmul_args *args,
                                         struct CUstream_st *stream);

/* The rule for the rows of one run of op (bitblas_op_run, bitblas_bitnet_run): m between 1 and
 * INT32_MAX, and at most M where op is static. BITBLAS_INVALID_ARGUMENT with a message that names
 * args.m otherwise. */
bitblas_status bb_op_check_rows(const bitblas_op *op, int64_t m);

/* Whether op's kernel for m rows has the BitNet layer in one kernel (tuner/launch.h) and m's
 * rows fit it: within the shared memory the kernel was given where `forced`, else within the
 * rule bitblas_bitnet_run follows (bb_fused_layer_fits). */
int bb_op_fused_layer_runs(const bitblas_op *op, int64_t m, int forced);

/* Enqueues the BitNet layer as one kernel on stream: x [m, K] of the output type -> y [m, N],
 * with the product's W, weight scales and bias (bitblas_bitnet_args). The caller has checked
 * op, m and the pointers (src/bitnet.c), and that bb_op_fused_layer_runs(op, m, 1) holds.
 * BITBLAS_INVALID_ARGUMENT where m's rows need more than one launch; BITBLAS_CUDA_ERROR when the
 * launch fails. */
bitblas_status bb_op_run_fused_layer(const bitblas_op *op, int64_t m, const void *x, const void *W,
                                     const float *weight_scale, const void *bias, void *y,
                                     struct CUstream_st *stream);

#endif
