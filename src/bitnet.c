/*
 * bitnet.c - the BitNet b1.58 layer of SPEC section 2: its config, the host weight quantizer, the
 * host reference of the activation quantizer, and the GPU path from float activations to float
 * outputs: one kernel that quantizes and multiplies where the layer is small
 * (bb_fused_layer_fits), else the row quantizer in the operator's module, then the int8 product.
 * The kernels are kernel_src/quantize_rows.cu and the int8 families; launching is op.c's.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "bitnet.h"
#include "config.h"
#include "error.h"
#include "half.h"
#include "op.h"

void bitblas_bitnet_config_init(bitblas_matmul_config *cfg, int64_t N, int64_t K) {
  if (!cfg) return;
  bitblas_matmul_config_init(cfg);
  cfg->N = N;
  cfg->K = K;
  cfg->A_dtype = BITBLAS_DTYPE_INT8;
  cfg->W_dtype = BITBLAS_DTYPE_INT2;
  cfg->accum_dtype = BITBLAS_DTYPE_INT32;
  cfg->out_dtype = BITBLAS_DTYPE_FLOAT16;
  cfg->group_size = -1;
  cfg->with_scaling = 1;
  cfg->zeros_mode = BITBLAS_ZEROS_NONE;
  cfg->with_a_scale = 1;
  cfg->dynamic_m = 1;
}

/* ---- weights ------------------------------------------------------------------------------ */

/* Checks the row blocks: each at least one row, together N. */
static bitblas_status check_blocks(int64_t N, int block_count, const int64_t *block_rows) {
  if (block_count < 0)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "block_count = %d: must be 0 (one block) or more",
                   block_count);
  if (block_count > 0 && !block_rows)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "block_rows = NULL with block_count = %d: give the rows of every block",
                   block_count);
  int64_t total = 0;
  for (int b = 0; b < block_count; b++) {
    if (block_rows[b] < 1)
      return bb_fail(BITBLAS_INVALID_ARGUMENT,
                     "block_rows[%d] = %" PRId64 ": a block must have at least one row", b,
                     block_rows[b]);
    if (block_rows[b] > N - total)
      return bb_fail(BITBLAS_INVALID_ARGUMENT,
                     "block_rows[%d] = %" PRId64 ": the blocks' rows pass N = %" PRId64, b,
                     block_rows[b], N);
    total += block_rows[b];
  }
  if (block_count > 0 && total != N)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "block_rows: %d blocks of %" PRId64
                   " rows in all; they must add up to N = %" PRId64,
                   block_count, total, N);
  return BITBLAS_OK;
}

/* Quantizes rows first .. first + rows - 1, one block. */
static bitblas_status quantize_block(int64_t first, int64_t rows, int64_t K, const float *W,
                                     int8_t *q, float *weight_scale) {
  const float *block = W + first * K;
  const size_t count = (size_t)rows * (size_t)K;
  double sum = 0.0;
  for (size_t i = 0; i < count; i++) {
    if (!isfinite(block[i]))
      return bb_fail(BITBLAS_INVALID_ARGUMENT,
                     "W[%" PRId64 ", %" PRId64 "] = %g: weights must be finite",
                     first + (int64_t)(i / (size_t)K), (int64_t)(i % (size_t)K), (double)block[i]);
    sum += fabs((double)block[i]);
  }
  const double mean = fmax(sum / (double)count, 1e-5);
  const double sw = 1.0 / mean;
  for (size_t i = 0; i < count; i++) {
    const double value = bb_round_half_even((double)block[i] * sw);
    q[first * K + (int64_t)i] = (int8_t)(value > 1.0 ? 1 : value < -1.0 ? -1 : value);
  }
  for (int64_t r = 0; r < rows; r++) weight_scale[first + r] = (float)mean;
  return BITBLAS_OK;
}

bitblas_status bitblas_bitnet_weight_quantize(int64_t N, int64_t K, const float *W, int block_count,
                                              const int64_t *block_rows, int8_t *q,
                                              float *weight_scale) {
  bb_error_clear();
  if (N < 1 || K < 1)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "N = %" PRId64 ", K = %" PRId64 ": both must be at least 1", N, K);
  if (!W || !q || !weight_scale)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "W, q and weight_scale: must not be NULL");
  bitblas_status status = check_blocks(N, block_count, block_rows);
  if (status != BITBLAS_OK) return status;
  int64_t first = 0;
  for (int b = 0; b < (block_count > 0 ? block_count : 1) && status == BITBLAS_OK; b++) {
    const int64_t rows = block_count > 0 ? block_rows[b] : N;
    status = quantize_block(first, rows, K, W, q, weight_scale);
    first += rows;
  }
  return status;
}

/* ---- activations -------------------------------------------------------------------------- */

/* Element i of x as a float (float16/bfloat16 raw 16-bit values, or float32). */
static float activation_read(bitblas_dtype dtype, const void *x, size_t i) {
  if (dtype == BITBLAS_DTYPE_FLOAT16) return bb_half_to_float(((const uint16_t *)x)[i]);
  if (dtype == BITBLAS_DTYPE_BFLOAT16) return bb_bfloat16_to_float(((const uint16_t *)x)[i]);
  return ((const float *)x)[i];
}

/* clamp(rint(value), -128, 127) with ties to even; NaN gives 0 (as cvt.rni.s32.f32 does, and the
 * GPU quantizers, kernel_src/quantize_rows.cu). */
static int8_t quantize_value(float value) {
  if (isnan(value)) return 0;
  if (value >= 127.0f) return 127;
  if (value <= -128.0f) return -128;
  return (int8_t)bb_round_half_even((double)value);
}

bitblas_status bitblas_reference_activation_quantize(bitblas_dtype x_dtype, int64_t m, int64_t K,
                                                     const void *x, int8_t *x_q, float *a_scale) {
  bb_error_clear();
  if (x_dtype != BITBLAS_DTYPE_FLOAT16 && x_dtype != BITBLAS_DTYPE_BFLOAT16 &&
      x_dtype != BITBLAS_DTYPE_FLOAT32)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "x_dtype = %s: activations are float16, bfloat16 or float32",
                   bitblas_dtype_name(x_dtype));
  if (m < 1 || K < 1)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "m = %" PRId64 ", K = %" PRId64 ": both must be at least 1", m, K);
  if (!x || !x_q || !a_scale)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "x, x_q and a_scale: must not be NULL");
  for (int64_t row = 0; row < m; row++) {
    const size_t first = (size_t)row * (size_t)K;
    float largest = 0.0f;
    for (int64_t k = 0; k < K; k++) {
      const float magnitude = fabsf(activation_read(x_dtype, x, first + (size_t)k));
      if (magnitude > largest) largest = magnitude; /* NaN is passed over, as fmaxf does */
    }
    /* Each step is one float32 operation, rounded to nearest, as on the GPU. */
    const float bound = largest > 1e-5f ? largest : 1e-5f;
    const float si = 127.0f / bound;
    a_scale[row] = bound / 127.0f;
    for (int64_t k = 0; k < K; k++) {
      const float scaled = activation_read(x_dtype, x, first + (size_t)k) * si;
      x_q[first + (size_t)k] = quantize_value(scaled);
    }
  }
  return BITBLAS_OK;
}

/* ---- the layer on the GPU ----------------------------------------------------------------- */

static size_t round_up16(size_t bytes) { return (bytes + 15u) & ~(size_t)15u; }

size_t bitblas_bitnet_workspace_bytes(const bitblas_op *op, int64_t m) {
  if (!op || m < 1 || !bb_config_quantizes_rows(bitblas_op_config(op))) return 0;
  const int64_t K = bitblas_op_config(op)->K;
  return round_up16((size_t)m * (size_t)K) + (size_t)m * sizeof(float);
}

static int misaligned(const void *pointer) { return ((uintptr_t)pointer & 15u) != 0; }

/* op is an operator that quantizes its rows. */
static bitblas_status check_op(const bitblas_op *op) {
  if (!op) return bb_fail(BITBLAS_INVALID_ARGUMENT, "op: must not be NULL");
  const bitblas_matmul_config *cfg = bitblas_op_config(op);
  if (!bb_config_quantizes_rows(cfg))
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "op: A_dtype = %s, with_a_scale = %d, out_dtype = %s: the BitNet layer needs an "
                   "operator with int8 A, with_a_scale = 1 and a float out_dtype "
                   "(bitblas_bitnet_config_init)",
                   bitblas_dtype_name(cfg->A_dtype), cfg->with_a_scale,
                   bitblas_dtype_name(cfg->out_dtype));
  return BITBLAS_OK;
}

bitblas_status bitblas_bitnet_activation_quantize(const bitblas_op *op, int64_t m, const void *x,
                                                  int8_t *x_q, float *a_scale,
                                                  struct CUstream_st *stream) {
  bb_error_clear();
  const bitblas_status status = check_op(op);
  if (status != BITBLAS_OK) return status;
  if (m < 1 || m > INT32_MAX)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "m = %" PRId64 ": must be between 1 and %d", m,
                   INT32_MAX);
  if (!x || !x_q || !a_scale)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "x, x_q and a_scale: must not be NULL");
  if (misaligned(x))
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "x: must be 16-byte aligned (cudaMalloc pointers are)");
  if (((uintptr_t)x_q & 7u) != 0 || ((uintptr_t)a_scale & 3u) != 0)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "x_q and a_scale: must be 8- and 4-byte aligned (cudaMalloc pointers are)");
  return bb_op_quantize_rows(op, m, x, x_q, a_scale, stream);
}

bitblas_status bb_bitnet_run_path(const bitblas_op *op, const bitblas_bitnet_args *args,
                                  bb_bitnet_path path, struct CUstream_st *stream) {
  bb_error_clear();
  if (!args) return bb_fail(BITBLAS_INVALID_ARGUMENT, "args: must not be NULL");
  bitblas_status status = check_op(op);
  if (status == BITBLAS_OK) status = bb_op_check_rows(op, args->m);
  if (status != BITBLAS_OK) return status;
  const bitblas_matmul_config *cfg = bitblas_op_config(op);
  const struct {
    const char *name;
    const void *pointer;
    int needed;
  } pointers[] = {{"x", args->x, 1},
                  {"W", args->W, 1},
                  {"y", args->y, 1},
                  {"workspace", args->workspace, 1},
                  {"weight_scale", args->weight_scale, cfg->with_scaling},
                  {"bias", args->bias, cfg->with_bias}};
  for (size_t i = 0; i < sizeof pointers / sizeof pointers[0]; i++)
    if (pointers[i].needed && !pointers[i].pointer)
      return bb_fail(BITBLAS_INVALID_ARGUMENT, "args.%s: must not be NULL for this config",
                     pointers[i].name);
  if (misaligned(args->x) || misaligned(args->W) || misaligned(args->workspace))
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "args.x, args.W and args.workspace: must be 16-byte aligned (cudaMalloc "
                   "pointers are)");
  if (path == BB_BITNET_ONE_KERNEL && !bb_op_fused_layer_runs(op, args->m, 1))
    return bb_fail(BITBLAS_UNSUPPORTED,
                   "args.m = %" PRId64 ": this operator's kernel for it has no one-kernel layer",
                   args->m);
  if (path == BB_BITNET_ONE_KERNEL ||
      (path == BB_BITNET_AUTO && bb_op_fused_layer_runs(op, args->m, 0)))
    return bb_op_run_fused_layer(op, args->m, args->x, args->W, args->weight_scale, args->bias,
                                 args->y, stream);
  int8_t *x_q = args->workspace;
  float *a_scale =
      (float *)((char *)args->workspace + round_up16((size_t)args->m * (size_t)cfg->K));
  status = bb_op_quantize_rows(op, args->m, args->x, x_q, a_scale, stream);
  if (status != BITBLAS_OK) return status;
  const bitblas_matmul_args product = {args->m, x_q,        args->W, args->weight_scale,
                                       NULL,    args->bias, a_scale, args->y};
  return bb_op_run_after_quantizer(op, &product, stream);
}

bitblas_status bitblas_bitnet_run(const bitblas_op *op, const bitblas_bitnet_args *args,
                                  struct CUstream_st *stream) {
  return bb_bitnet_run_path(op, args, BB_BITNET_AUTO, stream);
}
