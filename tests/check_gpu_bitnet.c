/*
 * check_gpu_bitnet.c - the BitNet b1.58 layer on the GPU (src/bitnet.c, kernel_src/
 * quantize_rows.cu): the activation quantizer gives the host reference's bytes exactly, and the
 * whole layer (bitblas_bitnet_run) matches y = a_scale * weight_scale * (exact int32 sum) + bias
 * to within the output type's rounding, on fresh random data with y poisoned twice, for float16,
 * bfloat16 and float32 outputs, static and dynamic operators, and shapes that are not multiples
 * of any tile. The workspace is poisoned before each run too: on Hopper the product starts
 * while the quantizer still runs and must wait for it. Where the layer also runs as one kernel
 * (each block quantizing its own rows) both paths give the same bytes, and the one-kernel form of
 * every tcgemv_int8 candidate passes the same check. GPU suite: exits 77 without a device.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitnet.h"
#include "compile.h"
#include "gpu_support.h"
#include "half.h"
#include "launch.h"
#include "op.h"
#include "schedule.h"
#include "test_support.h"

static bitblas_context *ctx;
static bb_rng rng;
static int one_kernel_layers; /* runs of check_layer that also ran the layer as one kernel */

static size_t dtype_bytes(bitblas_dtype dtype) { return dtype == BITBLAS_DTYPE_FLOAT32 ? 4 : 2; }

/* Half an ulp relative to the value, for a result rounded once to `dtype`. */
static double rounding_of(bitblas_dtype dtype) {
  return dtype == BITBLAS_DTYPE_FLOAT16    ? ldexp(1.0, -11)
         : dtype == BITBLAS_DTYPE_BFLOAT16 ? ldexp(1.0, -8)
                                           : ldexp(1.0, -24);
}

/* Random activations of m rows: mostly uniform in [-range, range] with the range varying by
 * row, one row of zeros where m > 2, a large outlier in the last row, and exact ties of the
 * quantizer's rounding (value * si = j + 1/2) in the first row. */
static void *random_activations(bitblas_dtype dtype, int64_t m, int64_t K) {
  const size_t count = (size_t)m * (size_t)K;
  void *x = malloc(count * dtype_bytes(dtype));
  ck_assert_ptr_nonnull(x);
  for (int64_t row = 0; row < m; row++) {
    const double range = ldexp(1.0, (int)(row % 9) - 4);
    for (int64_t k = 0; k < K; k++) {
      double value = bb_rng_uniform(&rng, -range, range);
      if (m > 2 && row == 1) value = 0.0;
      if (row == m - 1 && k == K / 2) value = 40.0 * range;
      /* Row 0: max |x| is 127 (k = 0), so si = 1 and halves are ties. */
      if (row == 0) value = k == 0 ? 127.0 : (double)((k % 21) - 10) + 0.5;
      bb_element_write(dtype, x, (size_t)row * (size_t)K + (size_t)k, value);
    }
  }
  return x;
}

static CUdeviceptr device_copy(const void *host, size_t bytes) {
  CUdeviceptr pointer = 0;
  ck_assert_int_eq(bb_test_cu()->MemAlloc(&pointer, bytes), 0);
  if (host) ck_assert_int_eq(bb_test_cu()->MemcpyHtoD(pointer, host, bytes), 0);
  return pointer;
}

static void *host_copy(CUdeviceptr device, size_t bytes) {
  void *host = malloc(bytes);
  ck_assert_ptr_nonnull(host);
  ck_assert_int_eq(bb_test_cu()->MemcpyDtoH(host, device, bytes), 0);
  return host;
}

/* A layer: weights quantized by the library (in `blocks` row blocks), packed, transformed. */
typedef struct layer {
  bitblas_op *op;
  bitblas_matmul_config cfg;
  int8_t *q;           /* [N, K] ternary */
  float *weight_scale; /* [N] */
  void *bias_host;     /* [N] of out_dtype, when with_bias */
  CUdeviceptr W, weight_scale_device, bias_device;
} layer;

static void layer_make(layer *l, const bitblas_matmul_config *cfg, int blocks) {
  memset(l, 0, sizeof *l);
  l->cfg = *cfg;
  ck_assert_msg(bitblas_op_get(ctx, cfg, &l->op) == BITBLAS_OK, "%s", bitblas_last_error());
  const int64_t N = cfg->N, K = cfg->K;
  float *W = malloc((size_t)N * (size_t)K * sizeof *W);
  l->q = malloc((size_t)N * (size_t)K);
  l->weight_scale = malloc((size_t)N * sizeof(float));
  ck_assert(W && l->q && l->weight_scale);
  int64_t rows[3] = {N, 0, 0};
  if (blocks == 3) {
    rows[0] = N - 2 * (N / 4);
    rows[1] = rows[2] = N / 4;
  }
  for (int64_t n = 0; n < N; n++) {
    const int block = n < rows[0] ? 0 : n < rows[0] + rows[1] ? 1 : 2;
    const double spread = 0.02 * (1 + block); /* each block a scale of its own */
    for (int64_t k = 0; k < K; k++) W[n * K + k] = (float)bb_rng_uniform(&rng, -spread, spread);
  }
  ck_assert_msg(bitblas_bitnet_weight_quantize(N, K, W, blocks == 3 ? 3 : 0, rows, l->q,
                                               l->weight_scale) == BITBLAS_OK,
                "%s", bitblas_last_error());
  free(W);
  const size_t packed_bytes = bitblas_weight_bytes(BITBLAS_DTYPE_INT2, N, K);
  void *packed = malloc(packed_bytes);
  ck_assert_ptr_nonnull(packed);
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT2, N, K, l->q, packed), BITBLAS_OK);
  l->W = device_copy(NULL, bitblas_op_weight_bytes(l->op));
  ck_assert_msg(bitblas_op_transform_weight(l->op, packed, (void *)(uintptr_t)l->W, NULL) ==
                    BITBLAS_OK,
                "%s", bitblas_last_error());
  free(packed);
  l->weight_scale_device = device_copy(l->weight_scale, (size_t)N * sizeof(float));
  if (cfg->with_bias) {
    l->bias_host = malloc((size_t)N * dtype_bytes(cfg->out_dtype));
    ck_assert_ptr_nonnull(l->bias_host);
    for (int64_t n = 0; n < N; n++)
      bb_element_write(cfg->out_dtype, l->bias_host, (size_t)n, bb_rng_uniform(&rng, -1.0, 1.0));
    l->bias_device = device_copy(l->bias_host, (size_t)N * dtype_bytes(cfg->out_dtype));
  }
}

static void layer_free(layer *l) {
  const bb_cuda_api *cu = bb_test_cu();
  cu->MemFree(l->W);
  cu->MemFree(l->weight_scale_device);
  if (l->bias_device) cu->MemFree(l->bias_device);
  free(l->q);
  free(l->weight_scale);
  free(l->bias_host);
  bitblas_op_release(l->op);
}

/* Checks y [m, N] (host, of l's out_dtype) against a_scale * weight_scale * (exact int32 sum of
 * want_q and l's codes) + bias; prints up to 10 failures under `what`. Returns the failures and
 * sets *worst to the largest error over its allowance. */
static int count_output_errors(const layer *l, int64_t m, const int8_t *want_q,
                               const float *want_scale, const void *y, const char *what,
                               double *worst_out) {
  const bitblas_matmul_config *cfg = &l->cfg;
  const int64_t N = cfg->N, K = cfg->K;
  const bitblas_dtype dtype = cfg->out_dtype;
  int failures = 0;
  const double rounding = rounding_of(dtype);
  double worst = 0.0;
  for (int64_t i = 0; i < m; i++)
    for (int64_t n = 0; n < N; n++) {
      int64_t sum = 0, magnitude = 0;
      for (int64_t k = 0; k < K; k++) {
        const int64_t product = (int64_t)want_q[i * K + k] * l->q[n * K + k];
        sum += product;
        magnitude += product < 0 ? -product : product;
      }
      const double scale = (double)want_scale[i] * (double)l->weight_scale[n];
      const double bias = cfg->with_bias ? bb_element_read(dtype, l->bias_host, (size_t)n) : 0.0;
      const double want = scale * (double)sum + bias;
      const double got = bb_element_read(dtype, y, (size_t)(i * N + n));
      /* The output's own rounding, plus float32 steps on the way (the scales' product, the
       * bias) of at most a few float32 ulps of the terms, plus float16's subnormal spacing. */
      const double allowed = rounding * (1 + ldexp(1.0, -20)) * fabs(want) +
                             4 * ldexp(1.0, -24) * (scale * (double)magnitude + fabs(bias)) +
                             ldexp(1.0, -25);
      const double error = fabs(got - want);
      if (!(error <= allowed)) {
        if (failures++ < 10)
          fprintf(stderr, "FAIL %s m=%lld: y[%lld, %lld] = %.9g, want %.9g (allowed %.3g)\n", what,
                  (long long)m, (long long)i, (long long)n, got, want, allowed);
      }
      if (allowed > 0 && error / allowed > worst) worst = error / allowed;
    }
  *worst_out = worst;
  return failures;
}

/* Runs the quantizer alone and the whole layer on the m rows of x (host, of l's out_dtype), both
 * paths of the layer where they run; the outputs of the first `checked` rows are checked against
 * the reference. Returns the failures. */
static int check_layer_on(const layer *l, int64_t m, const void *x, int64_t checked) {
  const bitblas_matmul_config *cfg = &l->cfg;
  const bb_cuda_api *cu = bb_test_cu();
  const int64_t N = cfg->N, K = cfg->K;
  const bitblas_dtype dtype = cfg->out_dtype;
  const size_t x_bytes = (size_t)m * (size_t)K * dtype_bytes(dtype);
  const size_t y_bytes = (size_t)m * (size_t)N * dtype_bytes(dtype);
  int8_t *want_q = malloc((size_t)m * (size_t)K);
  float *want_scale = malloc((size_t)m * sizeof(float));
  ck_assert(want_q && want_scale);
  ck_assert_int_eq(bitblas_reference_activation_quantize(dtype, m, K, x, want_q, want_scale),
                   BITBLAS_OK);
  const CUdeviceptr x_device = device_copy(x, x_bytes);
  const CUdeviceptr q_device = device_copy(NULL, (size_t)m * (size_t)K);
  const CUdeviceptr scale_device = device_copy(NULL, (size_t)m * sizeof(float));
  const size_t workspace_bytes = bitblas_bitnet_workspace_bytes(l->op, m);
  ck_assert_uint_ge(workspace_bytes, (size_t)m * (size_t)K + (size_t)m * sizeof(float));
  const CUdeviceptr workspace = device_copy(NULL, workspace_bytes);
  const CUdeviceptr y_device = device_copy(NULL, y_bytes);
  int failures = 0;
  char text[512];
  bitblas_matmul_config_describe(cfg, text, sizeof text);

  /* The quantizer alone, into buffers poisoned first: the reference's bytes exactly. */
  ck_assert_int_eq(cu->MemsetD8(q_device, 0x5A, (size_t)m * (size_t)K), 0);
  ck_assert_int_eq(cu->MemsetD8(scale_device, 0xFF, (size_t)m * sizeof(float)), 0);
  ck_assert_msg(bitblas_bitnet_activation_quantize(
                    l->op, m, (const void *)(uintptr_t)x_device, (int8_t *)(uintptr_t)q_device,
                    (float *)(uintptr_t)scale_device, NULL) == BITBLAS_OK,
                "%s", bitblas_last_error());
  ck_assert_int_eq(cu->CtxSynchronize(), 0);
  int8_t *got_q = host_copy(q_device, (size_t)m * (size_t)K);
  float *got_scale = host_copy(scale_device, (size_t)m * sizeof(float));
  for (int64_t i = 0; i < m * K; i++)
    if (got_q[i] != want_q[i]) {
      if (failures++ < 5)
        fprintf(stderr, "FAIL %s m=%lld: x_q[%lld, %lld] = %d, want %d\n", text, (long long)m,
                (long long)(i / K), (long long)(i % K), got_q[i], want_q[i]);
    }
  for (int64_t i = 0; i < m; i++)
    if (memcmp(&got_scale[i], &want_scale[i], sizeof(float)) != 0 && failures++ < 10)
      fprintf(stderr, "FAIL %s m=%lld: a_scale[%lld] = %.9g, want %.9g\n", text, (long long)m,
              (long long)i, got_scale[i], want_scale[i]);

  /* The whole layer, twice, y poisoned differently each time. */
  const bitblas_bitnet_args args = {m,
                                    (const void *)(uintptr_t)x_device,
                                    (const void *)(uintptr_t)l->W,
                                    (const float *)(uintptr_t)l->weight_scale_device,
                                    (const void *)(uintptr_t)l->bias_device,
                                    (void *)(uintptr_t)y_device,
                                    (void *)(uintptr_t)workspace};
  void *y[2];
  const unsigned poisons[2] = {0xFFFFFFFFu, 0x7F817F81u};
  for (int run = 0; run < 2; run++) {
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, y_device, poisons[run], y_bytes, NULL), 0);
    /* A product that read the workspace before the quantizer wrote it (on Hopper it starts
     * while the quantizer runs) would read these bytes. */
    ck_assert_int_eq(cu->MemsetD8Async(workspace, 0x7F, workspace_bytes, NULL), 0);
    ck_assert_msg(bitblas_bitnet_run(l->op, &args, NULL) == BITBLAS_OK, "%s", bitblas_last_error());
    ck_assert_int_eq(cu->CtxSynchronize(), 0);
    y[run] = host_copy(y_device, y_bytes);
  }
  if (memcmp(y[0], y[1], y_bytes) != 0) {
    failures++;
    fprintf(stderr, "FAIL %s m=%lld: outputs differ between poisons (unwritten)\n", text,
            (long long)m);
  }
  double worst = 0.0;
  failures += count_output_errors(l, checked, want_q, want_scale, y[0], text, &worst);

  /* Each path on its own (bitblas_bitnet_run took one of them): the same bytes. */
  const bb_bitnet_path paths[2] = {BB_BITNET_TWO_KERNELS, BB_BITNET_ONE_KERNEL};
  for (int p = 0; p < 2; p++) {
    if (paths[p] == BB_BITNET_ONE_KERNEL && !bb_op_fused_layer_runs(l->op, m, 1)) {
      ck_assert_int_eq(bb_bitnet_run_path(l->op, &args, paths[p], NULL), BITBLAS_UNSUPPORTED);
      continue;
    }
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, y_device, poisons[p], y_bytes, NULL), 0);
    ck_assert_int_eq(cu->MemsetD8Async(workspace, 0x7F, workspace_bytes, NULL), 0);
    ck_assert_msg(bb_bitnet_run_path(l->op, &args, paths[p], NULL) == BITBLAS_OK, "%s",
                  bitblas_last_error());
    ck_assert_int_eq(cu->CtxSynchronize(), 0);
    void *y_path = host_copy(y_device, y_bytes);
    if (memcmp(y_path, y[0], y_bytes) != 0) {
      failures++;
      fprintf(stderr, "FAIL %s m=%lld: the %s layer's y differs from bitblas_bitnet_run's\n", text,
              (long long)m, p == 0 ? "two-kernel" : "one-kernel");
    }
    if (paths[p] == BB_BITNET_ONE_KERNEL) one_kernel_layers++;
    free(y_path);
  }
  fprintf(stderr, "%s %s m=%lld: quantizer exact, worst error %.2f of allowed\n",
          failures ? "FAIL" : "ok  ", text, (long long)m, worst);
  free(y[0]);
  free(y[1]);
  free(got_q);
  free(got_scale);
  free(want_q);
  free(want_scale);
  const CUdeviceptr all[] = {x_device, q_device, scale_device, workspace, y_device};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) cu->MemFree(all[i]);
  return failures;
}

/* check_layer_on with m fresh random rows, every one checked. */
static int check_layer(const layer *l, int64_t m) {
  void *x = random_activations(l->cfg.out_dtype, m, l->cfg.K);
  const int failures = check_layer_on(l, m, x, m);
  free(x);
  return failures;
}

/* Four rows of K values with the quantizer's special cases:
 *   row 0: random, with NaN in two places, -0, +0 and values below float16's smallest normal;
 *   row 1: every magnitude below 1e-5, so the row's bound is that floor;
 *   row 2: random with one +inf: the bound is inf and si 0, so every code is 0 (inf * 0 is NaN,
 *          which quantizes to 0) and a_scale is inf;
 *   row 3: random with -inf and a NaN, the same. */
static void *special_activations(bitblas_dtype dtype, int64_t K) {
  void *x = malloc(4 * (size_t)K * dtype_bytes(dtype));
  ck_assert_ptr_nonnull(x);
  for (int64_t row = 0; row < 4; row++)
    for (int64_t k = 0; k < K; k++) {
      double value = row == 1 ? bb_rng_uniform(&rng, -9e-6, 9e-6) : bb_rng_uniform(&rng, -3.0, 3.0);
      if (row == 0 && (k == 5 || k == K - 3)) value = NAN;
      if (row == 0 && k % 97 == 1) value = k % 2 ? -0.0 : 0.0;
      if (row == 0 && k % 89 == 2) value = bb_rng_uniform(&rng, -6e-5, 6e-5);
      if (row == 2 && k == K / 3) value = INFINITY;
      if (row == 3 && k == 0) value = -INFINITY;
      if (row == 3 && k == K - 1) value = NAN;
      bb_element_write(dtype, x, (size_t)row * (size_t)K + (size_t)k, value);
    }
  return x;
}

/* The layer and its quantizer on special_activations: the quantizer's bytes are the reference's,
 * both paths give the same bytes, and the two rows with a finite a_scale are checked. */
static int check_special_values(const layer *l) {
  void *x = special_activations(l->cfg.out_dtype, l->cfg.K);
  const int failures = check_layer_on(l, 4, x, 2);
  free(x);
  return failures;
}

/* The one-kernel layer of every tcgemv_int8 candidate of l's config (compiled and loaded here,
 * as the tuner would), at each m of ms on fresh rows, and with `special` also on the four rows
 * of special_activations (the two with a finite a_scale checked), y poisoned each time; returns
 * the failures. */
static int check_one_kernel_candidates(const layer *l, const int64_t *ms, size_t m_count,
                                       int special) {
  const bitblas_matmul_config *cfg = &l->cfg;
  const bb_cuda_api *cu = bb_test_cu();
  bb_schedule all[BB_MAX_CANDIDATES], schedules[BB_MAX_CANDIDATES];
  char *sources[BB_MAX_CANDIDATES] = {0};
  const int all_count = bb_candidates_enumerate(cfg, all);
  int count = 0;
  for (int i = 0; i < all_count; i++)
    if (all[i].family == BB_FAMILY_TCGEMV_INT8) {
      schedules[count] = all[i];
      sources[count++] = bb_emit_source(cfg, &all[i], BB_FAULT_NONE);
    }
  ck_assert_int_gt(count, 0);
  bb_compiled compiled[BB_MAX_CANDIDATES];
  ck_assert_int_eq(bb_compile_all(sources, count, bb_test_gpu_arch(), compiled), BITBLAS_OK);
  char text[512];
  bitblas_matmul_config_describe(cfg, text, sizeof text);
  const bitblas_dtype dtype = cfg->out_dtype;
  int failures = 0;
  for (size_t mi = 0; mi < m_count + (special ? 1 : 0); mi++) {
    const int64_t m = mi < m_count ? ms[mi] : 4, checked = mi < m_count ? m : 2;
    void *x =
        mi < m_count ? random_activations(dtype, m, cfg->K) : special_activations(dtype, cfg->K);
    int8_t *want_q = malloc((size_t)m * (size_t)cfg->K);
    float *want_scale = malloc((size_t)m * sizeof(float));
    ck_assert(want_q && want_scale);
    ck_assert_int_eq(bitblas_reference_activation_quantize(dtype, m, cfg->K, x, want_q, want_scale),
                     BITBLAS_OK);
    const size_t y_bytes = (size_t)m * (size_t)cfg->N * dtype_bytes(dtype);
    const CUdeviceptr x_device = device_copy(x, (size_t)m * (size_t)cfg->K * dtype_bytes(dtype));
    const CUdeviceptr y_device = device_copy(NULL, y_bytes);
    for (int i = 0; i < count; i++) {
      char schedule[128], what[700];
      bb_schedule_format(&schedules[i], schedule, sizeof schedule);
      snprintf(what, sizeof what, "%s | %s (one kernel)", text, schedule);
      ck_assert_msg(compiled[i].status == BITBLAS_OK, "%s: %s", what, compiled[i].message);
      ck_assert_uint_le(bb_fused_layer_shared_bytes(&schedules[i], cfg, m),
                        BB_FUSED_LAYER_SHARED_MAX);
      CUmodule module = NULL;
      CUfunction fused = NULL;
      ck_assert_int_eq(cu->ModuleLoadData(&module, compiled[i].cubin), 0);
      ck_assert_int_eq(bb_fused_layer_find(cu, module, &fused), 0);
      ck_assert_msg(fused != NULL, "%s: the module has no one-kernel layer", what);
      ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, y_device, 0xFFFFFFFFu, y_bytes, NULL), 0);
      ck_assert_int_eq(bb_fused_layer_launch(cu, fused, &schedules[i], cfg, (int)m, x_device, l->W,
                                             l->weight_scale_device, l->bias_device, y_device, NULL,
                                             0),
                       0);
      ck_assert_int_eq(cu->CtxSynchronize(), 0);
      void *y = host_copy(y_device, y_bytes);
      double worst = 0.0;
      const int failed = count_output_errors(l, checked, want_q, want_scale, y, what, &worst);
      if (failed) fprintf(stderr, "FAIL %s m=%lld: %d outputs\n", what, (long long)m, failed);
      failures += failed;
      free(y);
      ck_assert_int_eq(cu->ModuleUnload(module), 0);
    }
    fprintf(stderr, "%s %s m=%lld%s: one-kernel layer of %d candidates\n",
            failures ? "FAIL" : "ok  ", text, (long long)m, mi < m_count ? "" : " (special values)",
            count);
    cu->MemFree(x_device);
    cu->MemFree(y_device);
    free(x);
    free(want_q);
    free(want_scale);
  }
  for (int i = 0; i < count; i++) free(sources[i]);
  bb_compiled_free(compiled, count);
  return failures;
}

START_TEST(test_one_kernel_every_candidate) {
  /* Static operators at M = 1, 4 and 13: float16 with bias, bfloat16, and float32 with K = 1024
   * (4 values per load of x); N not a multiple of any block; rows past M in the last block. */
  const struct {
    int64_t M, N, K;
    bitblas_dtype out;
    int bias;
    int64_t ms[2];
  } cases[] = {{1, 1000, 2560, BITBLAS_DTYPE_FLOAT16, 1, {1, 1}},
               {4, 2560, 6912, BITBLAS_DTYPE_BFLOAT16, 0, {4, 3}},
               {13, 1000, 2560, BITBLAS_DTYPE_FLOAT16, 0, {13, 5}},
               {13, 72, 1024, BITBLAS_DTYPE_FLOAT32, 1, {13, 9}}};
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bitblas_matmul_config cfg;
    bitblas_bitnet_config_init(&cfg, cases[c].N, cases[c].K);
    cfg.out_dtype = cases[c].out;
    cfg.dynamic_m = 0;
    cfg.M = cases[c].M;
    cfg.with_bias = cases[c].bias;
    layer l;
    layer_make(&l, &cfg, 0);
    failures += check_one_kernel_candidates(
        &l, cases[c].ms, cases[c].ms[0] == cases[c].ms[1] ? 1 : 2, cases[c].M >= 4);
    layer_free(&l);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(test_special_values) {
  /* Through bitblas_bitnet_run and each path where it runs (test_one_kernel_every_candidate
   * runs these rows through every candidate's one-kernel layer). */
  const bitblas_dtype dtypes[3] = {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_BFLOAT16,
                                   BITBLAS_DTYPE_FLOAT32};
  int failures = 0;
  for (int d = 0; d < 3; d++) {
    bitblas_matmul_config cfg;
    bitblas_bitnet_config_init(&cfg, 1000, 2560);
    cfg.out_dtype = dtypes[d];
    cfg.dynamic_m = 0;
    cfg.M = 4;
    cfg.with_bias = d == 1;
    layer l;
    layer_make(&l, &cfg, 0);
    failures += check_special_values(&l);
    layer_free(&l);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(test_static_float16_with_bias) {
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, 2560, 6912);
  cfg.dynamic_m = 0;
  cfg.M = 17;
  cfg.with_bias = 1;
  layer l;
  layer_make(&l, &cfg, 0);
  int failures = 0;
  const int64_t ms[] = {1, 3, 17};
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) failures += check_layer(&l, ms[i]);
  layer_free(&l);
  ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(test_fused_qkv_blocks) {
  /* BitNet 2B's q|k|v: 3840 rows in three blocks, each with a scale of its own. */
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, 3840, 2560);
  cfg.dynamic_m = 0;
  cfg.M = 1;
  layer l;
  layer_make(&l, &cfg, 3);
  ck_assert(l.weight_scale[0] != l.weight_scale[3839]);
  /* Its kernel at m = 1 is a tcgemv_int8 one (the first candidates): the layer also runs, and is
   * compared, as one kernel. */
  const int before = one_kernel_layers;
  const int failures = check_layer(&l, 1);
  ck_assert_int_gt(one_kernel_layers, before);
  layer_free(&l);
  ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(test_dynamic_bfloat16) {
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, 2880, 2880);
  cfg.out_dtype = BITBLAS_DTYPE_BFLOAT16;
  cfg.M = 1000;
  cfg.m_bucket_count = 2;
  cfg.m_buckets[0] = 1;
  cfg.m_buckets[1] = 16;
  layer l;
  layer_make(&l, &cfg, 0);
  int failures = 0;
  const int64_t ms[] = {1, 3, 16, 17, 1000};
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) failures += check_layer(&l, ms[i]);
  layer_free(&l);
  ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(test_float32_one_output_and_short_rows) {
  int failures = 0;
  const int64_t shapes[][3] = {{1000, 1, 3584}, {5, 7392, 8}};
  for (size_t s = 0; s < 2; s++) {
    bitblas_matmul_config cfg;
    bitblas_bitnet_config_init(&cfg, shapes[s][1], shapes[s][2]);
    cfg.out_dtype = BITBLAS_DTYPE_FLOAT32;
    cfg.dynamic_m = 0;
    cfg.M = shapes[s][0];
    cfg.with_bias = (int)s;
    layer l;
    layer_make(&l, &cfg, 0);
    failures += check_layer(&l, shapes[s][0]);
    failures += check_layer(&l, 2);
    layer_free(&l);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

int main(void) {
  if (!bb_test_gpu_open()) return BB_TEST_SKIP;
  char dir[4096];
  if (!bb_test_gpu_tuning_context(dir, sizeof dir, &ctx)) return 1;
  bb_test_rng_seed(&rng);
  Suite *suite = suite_create("gpu_bitnet");
  TCase *tc = tcase_create("bitnet");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_static_float16_with_bias);
  tcase_add_test(tc, test_fused_qkv_blocks);
  tcase_add_test(tc, test_dynamic_bfloat16);
  tcase_add_test(tc, test_float32_one_output_and_short_rows);
  tcase_add_test(tc, test_one_kernel_every_candidate);
  tcase_add_test(tc, test_special_values);
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite_in_process(suite);
  bitblas_context_destroy(ctx);
  bb_test_remove_tree(dir);
  return failed;
}
