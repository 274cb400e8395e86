/*
 * layer_check.c - runs the BitNet layer's row quantizer and one-kernel layer in the tuning worker
 * (layer_check.h), so that no kernel of a cached module first runs in a caller's process.
 */
#include "layer_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "half.h"
#include "launch.h"
#include "measure.h"

#define BB_LAYER_CHECK_ROWS 64

struct bb_layer_check {
  const bb_cuda_api *cu;
  bitblas_matmul_config cfg;
  CUstream stream;
  int64_t rows; /* rows of x: min(cfg.M, BB_LAYER_CHECK_ROWS) */
  size_t x_bytes, q_bytes, y_bytes;
  CUdeviceptr x, x_q, x_scale, y; /* y: rows x N of the output type */
  int8_t *want_q, *got_q;         /* host quantization, and the device's copied back */
  float *want_scale, *got_scale;
  void *y_two, *y_one; /* the layer as two kernels, and as one */
  int quantizer_checked;
};

void bb_layer_check_destroy(bb_layer_check *check) {
  if (!check) return;
  const CUdeviceptr buffers[] = {check->x, check->x_q, check->x_scale, check->y};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
    if (buffers[i]) check->cu->MemFree(buffers[i]);
  free(check->want_q);
  free(check->got_q);
  free(check->want_scale);
  free(check->got_scale);
  free(check->y_two);
  free(check->y_one);
  free(check);
}

bitblas_status bb_layer_check_create(const bb_cuda_api *cu, const bitblas_matmul_config *cfg,
                                     CUstream stream, bb_rng *rng, bb_layer_check **out) {
  *out = NULL;
  bb_layer_check *check = calloc(1, sizeof *check);
  if (!check) return bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for the layer check");
  check->cu = cu;
  check->cfg = *cfg;
  check->stream = stream;
  check->rows = cfg->M < BB_LAYER_CHECK_ROWS ? cfg->M : BB_LAYER_CHECK_ROWS;
  const size_t count = (size_t)check->rows * (size_t)cfg->K;
  const size_t out_bytes = (size_t)bitblas_dtype_bits(cfg->out_dtype) / 8;
  check->x_bytes = count * out_bytes;
  check->q_bytes = count;
  check->y_bytes = (size_t)check->rows * (size_t)cfg->N * out_bytes;
  void *x = malloc(check->x_bytes);
  check->want_q = malloc(count);
  check->got_q = malloc(count);
  check->want_scale = malloc((size_t)check->rows * sizeof(float));
  check->got_scale = malloc((size_t)check->rows * sizeof(float));
  check->y_two = malloc(check->y_bytes);
  check->y_one = malloc(check->y_bytes);
  bitblas_status status = BITBLAS_OK;
  if (!x || !check->want_q || !check->got_q || !check->want_scale || !check->got_scale ||
      !check->y_two || !check->y_one) {
    status = bb_fail(BITBLAS_OUT_OF_MEMORY, "no host memory for the layer check");
    goto done;
  }
  /* Each row its own range (so its own scale), never all zeros. */
  for (int64_t row = 0; row < check->rows; row++) {
    const double range = 1.0 / (double)(1 << (row % 9));
    for (int64_t k = 0; k < cfg->K; k++)
      bb_element_write(cfg->out_dtype, x, (size_t)(row * cfg->K + k),
                       bb_rng_uniform(rng, -range, range));
  }
  status = bitblas_reference_activation_quantize(cfg->out_dtype, check->rows, cfg->K, x,
                                                 check->want_q, check->want_scale);
  if (status != BITBLAS_OK) goto done;
  BB_CU_CHECK_GOTO(cu->MemAlloc(&check->x, check->x_bytes), status, done);
  BB_CU_CHECK_GOTO(cu->MemAlloc(&check->x_q, check->q_bytes), status, done);
  BB_CU_CHECK_GOTO(cu->MemAlloc(&check->x_scale, (size_t)check->rows * sizeof(float)), status,
                   done);
  BB_CU_CHECK_GOTO(cu->MemAlloc(&check->y, check->y_bytes), status, done);
  BB_CU_CHECK_GOTO(cu->MemcpyHtoD(check->x, x, check->x_bytes), status, done);
done:
  free(x);
  if (status != BITBLAS_OK)
    bb_layer_check_destroy(check);
  else
    *out = check;
  return status;
}

/* Runs the quantizer on x into x_q and x_scale (poisoned first); checks the bytes once. */
static bb_candidate_outcome run_quantizer(bb_layer_check *check, CUmodule module, char *message,
                                          size_t message_size) {
  const bb_cuda_api *cu = check->cu;
  CUfunction quantizer = NULL;
  CUresult result = bb_row_quantizer_find(cu, module, &quantizer);
  if (result == BB_CUDA_SUCCESS)
    result = cu->MemsetD8Async(check->x_q, 0x5A, check->q_bytes, check->stream);
  if (result == BB_CUDA_SUCCESS)
    result =
        cu->MemsetD8Async(check->x_scale, 0xFF, (size_t)check->rows * sizeof(float), check->stream);
  if (result == BB_CUDA_SUCCESS)
    result = bb_row_quantizer_launch(cu, quantizer, (int)check->rows, check->x, check->x_q,
                                     check->x_scale, check->stream, 0);
  if (result == BB_CUDA_SUCCESS) result = cu->StreamSynchronize(check->stream);
  bb_candidate_outcome outcome =
      bb_measure_cuda_outcome(cu, result, "row quantizer", message, message_size);
  if (outcome != BB_CANDIDATE_OK || check->quantizer_checked) return outcome;
  result = cu->MemcpyDtoH(check->got_q, check->x_q, check->q_bytes);
  if (result == BB_CUDA_SUCCESS)
    result = cu->MemcpyDtoH(check->got_scale, check->x_scale, (size_t)check->rows * sizeof(float));
  if ((outcome = bb_measure_cuda_outcome(cu, result, "row quantizer: copy back", message,
                                         message_size)) != BB_CANDIDATE_OK)
    return outcome;
  const int64_t K = check->cfg.K;
  for (int64_t i = 0; i < check->rows * K; i++)
    if (check->got_q[i] != check->want_q[i]) {
      snprintf(message, message_size, "row quantizer: x_q[%lld, %lld] = %d, reference %d",
               (long long)(i / K), (long long)(i % K), check->got_q[i], check->want_q[i]);
      return BB_CANDIDATE_WRONG;
    }
  if (memcmp(check->got_scale, check->want_scale, (size_t)check->rows * sizeof(float)) != 0) {
    snprintf(message, message_size, "row quantizer: a_scale differs from the reference");
    return BB_CANDIDATE_WRONG;
  }
  check->quantizer_checked = 1;
  return BB_CANDIDATE_OK;
}

bb_candidate_outcome bb_layer_check_run(bb_layer_check *check, CUmodule module, CUfunction function,
                                        const bb_schedule *schedule,
                                        const bb_layer_weights *weights, char *message,
                                        size_t message_size) {
  const bb_cuda_api *cu = check->cu;
  const bitblas_matmul_config *cfg = &check->cfg;
  bb_candidate_outcome outcome = run_quantizer(check, module, message, message_size);
  if (outcome != BB_CANDIDATE_OK || check->rows != cfg->M ||
      !bb_fused_layer_can_run(schedule, cfg, cfg->M))
    return outcome;
  CUfunction fused = NULL;
  CUresult result = bb_fused_layer_find(cu, module, &fused);
  if ((outcome = bb_measure_cuda_outcome(cu, result, "one-kernel layer: lookup", message,
                                         message_size)) != BB_CANDIDATE_OK ||
      !fused)
    return outcome; /* no fused layer on this device: bitblas_bitnet_run will not take it */
  /* The two kernels: the product on the quantized rows. */
  const bb_launch_args args = {check->x_q,     weights->W,       weights->scales,
                               weights->zeros, weights->bias,    check->x_scale,
                               check->y,       (int)check->rows, 0};
  result = bb_cuda_fill_pattern32_async(cu, check->y, 0xffffffffu, check->y_bytes, check->stream);
  if (result == BB_CUDA_SUCCESS)
    result = bb_launch(cu, function, schedule, cfg, &args, check->stream, 0);
  if (result == BB_CUDA_SUCCESS) result = cu->StreamSynchronize(check->stream);
  if (result == BB_CUDA_SUCCESS) result = cu->MemcpyDtoH(check->y_two, check->y, check->y_bytes);
  if ((outcome = bb_measure_cuda_outcome(cu, result, "product on the quantized rows", message,
                                         message_size)) != BB_CANDIDATE_OK)
    return outcome;
  /* The one kernel, into y poisoned otherwise. */
  result = bb_cuda_fill_pattern32_async(cu, check->y, 0x7f817f81u, check->y_bytes, check->stream);
  if (result == BB_CUDA_SUCCESS)
    result = bb_fused_layer_launch(cu, fused, schedule, cfg, (int)check->rows, check->x, weights->W,
                                   weights->scales, weights->bias, check->y, check->stream, 0);
  if (result == BB_CUDA_SUCCESS) result = cu->StreamSynchronize(check->stream);
  if (result == BB_CUDA_SUCCESS) result = cu->MemcpyDtoH(check->y_one, check->y, check->y_bytes);
  if ((outcome = bb_measure_cuda_outcome(cu, result, "one-kernel layer", message, message_size)) !=
      BB_CANDIDATE_OK)
    return outcome;
  if (memcmp(check->y_one, check->y_two, check->y_bytes) != 0) {
    const size_t width = (size_t)bitblas_dtype_bits(cfg->out_dtype) / 8;
    size_t element = 0;
    while (memcmp((char *)check->y_one + element * width, (char *)check->y_two + element * width,
                  width) == 0)
      element++;
    snprintf(message, message_size,
             "one-kernel layer: y[%zu, %zu] differs from the quantizer and the product's",
             element / (size_t)cfg->N, element % (size_t)cfg->N);
    return BB_CANDIDATE_WRONG;
  }
  return BB_CANDIDATE_OK;
}
