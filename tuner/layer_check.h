/*
 * layer_check.h - the BitNet layer's other kernels, proven in the tuning worker before a
 * caller's process runs them: the row quantizer (kernel_src/quantize_rows.cu) and the one-kernel
 * layer (tuner/launch.h) ride in every candidate's module of a config that quantizes its rows,
 * but the measurement only runs the product. For such configs bb_measure_candidate also runs
 * them here: the quantizer must give the host reference's bytes, and the one-kernel layer the
 * bytes of the quantizer followed by the candidate's product (which the measurement has checked
 * against the float64 reference).
 */
#ifndef BITBLAS_LAYER_CHECK_H
#define BITBLAS_LAYER_CHECK_H

#include <stddef.h>

#include "bitblas.h"
#include "cache.h"
#include "cuda_driver.h"
#include "operands.h"
#include "schedule.h"

typedef struct bb_layer_check bb_layer_check;

/* Fresh random activations x of cfg's output type, min(cfg->M, 64) rows (the quantizer works
 * row by row; the one-kernel layer only exists up to M = 32), their host quantization, and the
 * device buffers, in the current context. cfg must quantize rows (bb_config_quantizes_rows). */
bitblas_status bb_layer_check_create(const bb_cuda_api *cu, const bitblas_matmul_config *cfg,
                                     CUstream stream, bb_rng *rng, bb_layer_check **out);
void bb_layer_check_destroy(bb_layer_check *check);

/* The device operands of the measured product that the layer shares. */
typedef struct bb_layer_weights {
  CUdeviceptr W, scales, zeros, bias;
} bb_layer_weights;

/* Runs module's row quantizer on x (checking its bytes on the first call only: every module
 * compiles the same quantizer text), then, where module holds the one-kernel layer and the
 * config's M fits it, the product `function` on the quantized rows and the one-kernel layer on
 * x, and compares their outputs byte for byte. Returns the outcome (CRASHED: the context is
 * unusable), with the reason in message. */
bb_candidate_outcome bb_layer_check_run(bb_layer_check *check, CUmodule module, CUfunction function,
                                        const bb_schedule *schedule,
                                        const bb_layer_weights *weights, char *message,
                                        size_t message_size);

#endif
