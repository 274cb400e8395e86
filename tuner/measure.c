/*
 * measure.c - the worker's test bench for candidates: fresh random inputs (never zeros), the
 * float64 reference on sampled rows and columns, a two-poison check that every output is
 * written, and event timing with the weights cold in L2: each run reads its own copy of W, scales
 * and zeros, from copies adding up to at least twice the L2 size (an L2 flush by memset where
 * the weights are too small for that: it would leave L2 full of dirty lines that the timed
 * kernel then writes back). The timed runs of a candidate are enqueued behind a stream hold and
 * meet the GPU back to back (stream_hold.h), as bitblas-bench times them. For configs that quantize
 * their rows it also runs the BitNet layer's other kernels in each candidate's module
 * (layer_check.h). Runs only in bitblas-worker.
 */
#include "measure.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "half.h"
#include "launch.h"
#include "layer_check.h"
#include "operands.h"
#include "reference.h"
#include "stream_hold.h"
#include "weight_order.h"

#define BB_MAX_SAMPLE_ROWS 8
#define BB_MAX_SAMPLE_COLS 256
#define BB_WARMUP_RUNS 2
#define BB_MAX_WEIGHT_COPIES 64
enum { BB_COPY_W, BB_COPY_SCALES, BB_COPY_ZEROS, BB_COPY_BUFFERS };

struct bb_measure {
  const bb_cuda_api *cu;
  bitblas_matmul_config cfg;
  CUstream stream;
  bb_stream_hold hold;
  int hold_unusable;                       /* a hold timed out: time without one */
  CUevent events[2 * BB_MEASURE_MAX_RUNS]; /* start and end of each timed run */
  bb_rng rng;
  bb_host_operands host; /* host copies of the inputs */
  /* device buffers */
  CUdeviceptr A, W, scales, zeros, bias, a_scale, C, flush;
  size_t c_bytes, flush_bytes;
  /* W, scales and zeros for timed run i: copies[i % copy_count] (copy 0 is W, scales, zeros) */
  CUdeviceptr copies[BB_MAX_WEIGHT_COPIES][BB_COPY_BUFFERS];
  int copy_count;
  int flush_each_run; /* the copies cannot push each other out of L2: flush it instead */
  /* sampled reference */
  int64_t rows[BB_MAX_SAMPLE_ROWS], cols[BB_MAX_SAMPLE_COLS];
  int64_t row_count, col_count;
  double *reference, *magnitude; /* per sampled output: value and size of its terms */
  void *host_c, *host_c2;
  bb_layer_check *layer; /* configs that quantize their rows: the layer's other kernels */
};

static bitblas_status upload(bb_measure *m, CUdeviceptr *device, const void *host, size_t bytes) {
  if (!bytes) return BITBLAS_OK;
  BB_CU_CHECK(m->cu->MemAlloc(device, bytes));
  BB_CU_CHECK(m->cu->MemcpyHtoD(*device, host, bytes));
  return BITBLAS_OK;
}

/* Uploads the host weights (plain layout) in the order the config's kernels read them. */
static bitblas_status upload_weights(bb_measure *m) {
  const int words = bb_config_weight_order(&m->cfg);
  if (!words) return upload(m, &m->W, m->host.W, m->host.W_bytes);
  void *traded = malloc(m->host.W_bytes);
  if (!traded) return bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for the traded weights");
  bb_weight_order_trade(m->host.W, traded, m->cfg.N, m->host.W_bytes / (size_t)m->cfg.N, words,
                        bitblas_dtype_bits(m->cfg.W_dtype));
  const bitblas_status status = upload(m, &m->W, traded, m->host.W_bytes);
  free(traded);
  return status;
}

/* Makes the weight copies timed runs read in turn: enough that the others add up to twice the L2
 * size, at most BB_MAX_WEIGHT_COPIES (then every run is preceded by a flush instead). */
static bitblas_status make_weight_copies(bb_measure *m, size_t l2_bytes) {
  const CUdeviceptr originals[BB_COPY_BUFFERS] = {m->W, m->scales, m->zeros};
  const size_t bytes[BB_COPY_BUFFERS] = {m->host.W_bytes, m->host.scales_bytes,
                                         m->host.zeros_bytes};
  size_t total = 0;
  for (int b = 0; b < BB_COPY_BUFFERS; b++) {
    m->copies[0][b] = originals[b];
    total += originals[b] ? bytes[b] : 0;
  }
  m->copy_count = 1;
  size_t wanted = total ? (2 * l2_bytes + total - 1) / total + 1 : BB_MAX_WEIGHT_COPIES;
  if (wanted > BB_MAX_WEIGHT_COPIES) wanted = BB_MAX_WEIGHT_COPIES;
  m->flush_each_run = (wanted - 1) * total < 2 * l2_bytes;
  if (m->flush_each_run) return BITBLAS_OK; /* copies would not help */
  for (size_t c = 1; c < wanted; c++) {
    for (int b = 0; b < BB_COPY_BUFFERS; b++) {
      if (!originals[b]) continue;
      BB_CU_CHECK(m->cu->MemAlloc(&m->copies[c][b], bytes[b]));
      BB_CU_CHECK(m->cu->MemcpyDtoDAsync(m->copies[c][b], originals[b], bytes[b], m->stream));
    }
    m->copy_count = (int)c + 1;
  }
  BB_CU_CHECK(m->cu->StreamSynchronize(m->stream));
  return BITBLAS_OK;
}

/* Frees what depends on M: activations, per-row scales, C and their host sides, the reference. */
static void free_activation_side(bb_measure *m) {
  CUdeviceptr buffers[] = {m->A, m->a_scale, m->C};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
    if (buffers[i]) m->cu->MemFree(buffers[i]);
  m->A = m->a_scale = m->C = 0;
  free(m->host_c);
  free(m->host_c2);
  free(m->reference);
  free(m->magnitude);
  m->host_c = m->host_c2 = NULL;
  m->reference = m->magnitude = NULL;
  bb_layer_check_destroy(m->layer);
  m->layer = NULL;
}

/* Uploads the host activations (and per-row scales) of m->cfg.M rows, makes C and its host
 * copies, samples the outputs to check and computes their float64 reference. */
static bitblas_status make_activation_side(bb_measure *m) {
  const bitblas_matmul_config *cfg = &m->cfg;
  const bb_host_operands *host = &m->host;
  bitblas_status status;
  if ((status = upload(m, &m->A, host->A, host->A_bytes)) != BITBLAS_OK ||
      (status = upload(m, &m->a_scale, host->a_scale, host->a_scale_bytes)) != BITBLAS_OK)
    return status;
  m->c_bytes = bb_config_c_bytes(cfg, cfg->M);
  BB_CU_CHECK(m->cu->MemAlloc(&m->C, m->c_bytes));
  m->host_c = malloc(m->c_bytes);
  m->host_c2 = malloc(m->c_bytes);
  m->row_count = bb_sample_indices(cfg->M, BB_MAX_SAMPLE_ROWS, &m->rng, m->rows);
  m->col_count = bb_sample_indices(cfg->N, BB_MAX_SAMPLE_COLS, &m->rng, m->cols);
  m->reference = malloc((size_t)(m->row_count * m->col_count) * sizeof(double));
  m->magnitude = malloc((size_t)(m->row_count * m->col_count) * sizeof(double));
  if (!m->host_c || !m->host_c2 || !m->reference || !m->magnitude)
    return bb_fail(BITBLAS_OUT_OF_MEMORY, "no host memory for the tuning outputs and reference");
  const bitblas_matmul_args host_args = bb_host_operands_args(host);
  status = bb_reference_subset_sized(cfg, &host_args, m->rows, m->row_count, m->cols, m->col_count,
                                     m->reference, m->magnitude);
  if (status == BITBLAS_OK && bb_config_quantizes_rows(cfg))
    status = bb_layer_check_create(m->cu, cfg, m->stream, &m->rng, &m->layer);
  return status;
}

bitblas_status bb_measure_create(const bb_cuda_api *cu, const bitblas_matmul_config *cfg,
                                 int l2_bytes, bb_measure **out) {
  *out = NULL;
  bb_measure *m = calloc(1, sizeof *m);
  if (!m) return bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for the measurement state");
  m->cu = cu;
  m->cfg = *cfg;
  bb_rng_seed(&m->rng, bb_rng_seed_from_clock());
  bitblas_status status = bb_host_operands_make(cfg, cfg->M, 0, &m->rng, &m->host);
  if (status != BITBLAS_OK) {
    bb_measure_destroy(m);
    return status;
  }
  const bb_host_operands *host = &m->host;
  BB_CU_CHECK_GOTO(cu->StreamCreate(&m->stream, BB_CU_STREAM_NON_BLOCKING), status, fail);
  if ((status = bb_stream_hold_create(cu, &m->hold)) != BITBLAS_OK) goto fail;
  for (int i = 0; i < 2 * BB_MEASURE_MAX_RUNS; i++)
    BB_CU_CHECK_GOTO(cu->EventCreate(&m->events[i], BB_CU_EVENT_DEFAULT), status, fail);
  if ((status = upload_weights(m)) != BITBLAS_OK ||
      (status = upload(m, &m->scales, host->scales, host->scales_bytes)) != BITBLAS_OK ||
      (status = upload(m, &m->zeros, host->zeros, host->zeros_bytes)) != BITBLAS_OK ||
      (status = upload(m, &m->bias, host->bias, host->bias_bytes)) != BITBLAS_OK)
    goto fail;
  m->flush_bytes = (size_t)(l2_bytes > 0 ? l2_bytes : 64 << 20) * 2;
  BB_CU_CHECK_GOTO(cu->MemAlloc(&m->flush, m->flush_bytes), status, fail);
  if ((status = make_weight_copies(m, m->flush_bytes / 2)) != BITBLAS_OK ||
      (status = make_activation_side(m)) != BITBLAS_OK)
    goto fail;
  *out = m;
  return BITBLAS_OK;
fail:
  bb_measure_destroy(m);
  return status;
}

/* Key text of cfg's static form at M = 1: every field but M and the bucket fields. */
static void weights_text(const bitblas_matmul_config *cfg, char *text, size_t size) {
  bitblas_matmul_config static_form = *cfg;
  static_form.dynamic_m = 0;
  bb_config_key_text(&static_form, 1, text, size);
}

int bb_measure_shares_weights(const bb_measure *m, const bitblas_matmul_config *cfg) {
  /* The order W is stored in depends on M and on dynamic_m: compared on its own. */
  char mine[512], theirs[512];
  weights_text(&m->cfg, mine, sizeof mine);
  weights_text(cfg, theirs, sizeof theirs);
  return strcmp(mine, theirs) == 0 &&
         bb_config_weight_order(&m->cfg) == bb_config_weight_order(cfg);
}

bitblas_status bb_measure_retarget(bb_measure *m, const bitblas_matmul_config *cfg) {
  const bitblas_status valid = bitblas_matmul_config_validate(cfg);
  if (valid != BITBLAS_OK) return valid;
  if (!bb_measure_shares_weights(m, cfg))
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "retargeting a measurement: the configs differ in more than M");
  free_activation_side(m);
  m->cfg = *cfg;
  bitblas_status status = bb_host_operands_remake_activations(cfg, cfg->M, &m->rng, &m->host);
  return status == BITBLAS_OK ? make_activation_side(m) : status;
}

void bb_measure_destroy(bb_measure *m) {
  if (!m) return;
  const bb_cuda_api *cu = m->cu;
  free_activation_side(m);
  CUdeviceptr buffers[] = {m->W, m->scales, m->zeros, m->bias, m->flush};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
    if (buffers[i]) cu->MemFree(buffers[i]);
  for (int c = 1; c < BB_MAX_WEIGHT_COPIES; c++)
    for (int b = 0; b < BB_COPY_BUFFERS; b++)
      if (m->copies[c][b]) cu->MemFree(m->copies[c][b]);
  for (int i = 0; i < 2 * BB_MEASURE_MAX_RUNS; i++)
    if (m->events[i]) cu->EventDestroy(m->events[i]);
  if (m->hold.cu) bb_stream_hold_destroy(&m->hold);
  if (m->stream) cu->StreamDestroy(m->stream);
  bb_host_operands_free(&m->host);
  free(m);
}

double bb_measure_tolerance(const bitblas_matmul_config *cfg) {
  if (cfg->out_dtype == BITBLAS_DTYPE_INT32) return 0.0;
  /* Weights may be rounded to A's type before the tensor-core product; outputs to out_dtype. */
  if (cfg->A_dtype == BITBLAS_DTYPE_BFLOAT16 || cfg->out_dtype == BITBLAS_DTYPE_BFLOAT16)
    return 1e-2;
  return 2e-3;
}

static const char *result_name(const bb_cuda_api *cu, CUresult result) {
  const char *name = "unknown";
  cu->GetErrorName(result, &name);
  return name ? name : "unknown";
}

bb_candidate_outcome bb_measure_cuda_outcome(const bb_cuda_api *cu, CUresult result,
                                             const char *what, char *message, size_t message_size) {
  if (result == BB_CUDA_SUCCESS) return BB_CANDIDATE_OK;
  snprintf(message, message_size, "%s: %s (%d)", what, result_name(cu, result), result);
  return bb_cuda_error_is_sticky(result) ? BB_CANDIDATE_CRASHED : BB_CANDIDATE_LAUNCH_FAILED;
}

/* One run on the poisoned output; reports the outcome of the launch and the sync. Every byte of
 * C is poisoned, a 16-bit output's odd last element included: C is reused across candidates, so
 * a byte left over from the last one could pass for this one's. */
static bb_candidate_outcome run_once(bb_measure *m, const bb_product *product, const bb_schedule *s,
                                     unsigned poison, char *message, size_t message_size) {
  const bb_cuda_api *cu = m->cu;
  bb_launch_args args = {m->A,       m->W, m->scales,     m->zeros, m->bias,
                         m->a_scale, m->C, (int)m->cfg.M, 0};
  CUresult result = bb_cuda_fill_pattern32_async(cu, m->C, poison, m->c_bytes, m->stream);
  if (result == BB_CUDA_SUCCESS)
    result = bb_product_launch(cu, product, s, &m->cfg, &args, m->stream, 0);
  if (result != BB_CUDA_SUCCESS && !bb_cuda_error_is_sticky(result))
    return bb_measure_cuda_outcome(cu, result, "launch", message, message_size);
  if (result == BB_CUDA_SUCCESS) result = cu->StreamSynchronize(m->stream);
  return bb_measure_cuda_outcome(cu, result, "run", message, message_size);
}

static bb_candidate_outcome check_output(bb_measure *m, char *message, size_t message_size) {
  const bitblas_matmul_config *cfg = &m->cfg;
  if (memcmp(m->host_c, m->host_c2, m->c_bytes) != 0) {
    size_t element = 0, width = (size_t)bitblas_dtype_bits(cfg->out_dtype) / 8;
    while (memcmp((char *)m->host_c + element * width, (char *)m->host_c2 + element * width,
                  width) == 0)
      element++;
    snprintf(message, message_size,
             "output differs between two runs with different poison (first at m=%zu n=%zu): "
             "an element is not written, or written nondeterministically",
             element / (size_t)cfg->N, element % (size_t)cfg->N);
    return BB_CANDIDATE_WRONG;
  }
  bb_error_sum sum = {0, 0, 0};
  for (int64_t i = 0; i < m->row_count; i++) {
    for (int64_t j = 0; j < m->col_count; j++) {
      const double got =
          bb_element_read(cfg->out_dtype, m->host_c, (size_t)(m->rows[i] * cfg->N + m->cols[j]));
      const double want = m->reference[i * m->col_count + j];
      if (isnan(got)) {
        snprintf(message, message_size, "NaN at m=%lld n=%lld (reference %g)",
                 (long long)m->rows[i], (long long)m->cols[j], want);
        return BB_CANDIDATE_WRONG;
      }
      if (cfg->out_dtype == BITBLAS_DTYPE_INT32 && got != want) {
        snprintf(message, message_size, "m=%lld n=%lld: %.0f, reference %.0f (int32 must be exact)",
                 (long long)m->rows[i], (long long)m->cols[j], got, want);
        return BB_CANDIDATE_WRONG;
      }
      bb_error_sum_add(&sum, got, want, m->magnitude[i * m->col_count + j]);
    }
  }
  const double relative = bb_error_sum_relative(&sum, cfg->K);
  const double tolerance = bb_measure_tolerance(cfg);
  if (cfg->out_dtype != BITBLAS_DTYPE_INT32 && !(relative <= tolerance)) {
    snprintf(message, message_size, "relative error %.3g over %lldx%lld sampled outputs > %.1g",
             relative, (long long)m->row_count, (long long)m->col_count, tolerance);
    return BB_CANDIDATE_WRONG;
  }
  return BB_CANDIDATE_OK;
}

static double fastest(const double *times, int count) {
  double best = times[0];
  for (int i = 1; i < count; i++)
    if (times[i] < best) best = times[i];
  return best;
}

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Times `count` runs (numbers first_run .. first_run + count - 1, which pick the weights' copy)
 * into times[]: BB_WARMUP_RUNS untimed runs and the timed ones, each between two events and
 * after an L2 flush where the copies cannot evict each other, all enqueued behind the stream
 * hold (unless one has timed out before) and released together. Returns the first failing
 * CUresult. */
static CUresult time_held(bb_measure *m, const bb_product *product, const bb_schedule *schedule,
                          int first_run, int count, double *times) {
  const bb_cuda_api *cu = m->cu;
  bb_launch_args args = {m->A,       m->W, m->scales,     m->zeros, m->bias,
                         m->a_scale, m->C, (int)m->cfg.M, 0};
  const int held = !m->hold_unusable;
  CUresult result = held ? bb_stream_hold_begin(&m->hold, m->stream) : BB_CUDA_SUCCESS;
  if (result != BB_CUDA_SUCCESS) return result;
  for (int i = -BB_WARMUP_RUNS; i < count && result == BB_CUDA_SUCCESS; i++) {
    const CUdeviceptr *copy = m->copies[(first_run + BB_WARMUP_RUNS + i) % m->copy_count];
    args.W = copy[BB_COPY_W];
    args.scales = copy[BB_COPY_SCALES];
    args.zeros = copy[BB_COPY_ZEROS];
    if (m->flush_each_run)
      result =
          cu->MemsetD32Async(m->flush, (unsigned)(first_run + i), m->flush_bytes / 4, m->stream);
    if (result == BB_CUDA_SUCCESS && i >= 0) result = cu->EventRecord(m->events[2 * i], m->stream);
    if (result == BB_CUDA_SUCCESS)
      result = bb_product_launch(cu, product, schedule, &m->cfg, &args, m->stream, 0);
    if (result == BB_CUDA_SUCCESS && i >= 0)
      result = cu->EventRecord(m->events[2 * i + 1], m->stream);
  }
  /* Released whatever happened, so that the stream can drain. */
  if (held) bb_stream_hold_release(&m->hold);
  const CUresult synchronized = cu->StreamSynchronize(m->stream);
  if (result == BB_CUDA_SUCCESS) result = synchronized;
  /* A hold that gave up waiting (the host launches one kernel at a time, as with
   * CUDA_LAUNCH_BLOCKING=1) cost BB_HOLD_TIMEOUT_NS: later timings go without one. */
  if (held && bb_stream_hold_timed_out(&m->hold)) m->hold_unusable = 1;
  for (int i = 0; i < count && result == BB_CUDA_SUCCESS; i++) {
    float ms = 0.0f;
    result = cu->EventElapsedTime(&ms, m->events[2 * i], m->events[2 * i + 1]);
    times[i] = (double)ms * 1000.0;
  }
  return result;
}

bb_candidate_outcome bb_measure_candidate(bb_measure *m, const void *cubin,
                                          const bb_schedule *schedule, int timed_runs,
                                          double give_up_above_us, double *us, char *message,
                                          size_t message_size) {
  const bb_cuda_api *cu = m->cu;
  *us = 0.0;
  message[0] = '\0';
  CUmodule module = NULL;
  CUfunction function = NULL;
  CUresult result = bb_function_load(cu, cubin, &module, &function);
  if (result != BB_CUDA_SUCCESS)
    return bb_measure_cuda_outcome(cu, result, "module load", message, message_size);
  bb_product product;
  result = bb_product_find(cu, module, function, schedule, &m->cfg, &product);
  if (result != BB_CUDA_SUCCESS) {
    cu->ModuleUnload(module);
    return bb_measure_cuda_outcome(cu, result, "module load", message, message_size);
  }

  bb_candidate_outcome outcome =
      run_once(m, &product, schedule, 0xffffffffu, message, message_size);
  if (outcome == BB_CANDIDATE_OK &&
      (result = cu->MemcpyDtoH(m->host_c, m->C, m->c_bytes)) != BB_CUDA_SUCCESS) {
    snprintf(message, message_size, "copy back: %s", result_name(cu, result));
    outcome = BB_CANDIDATE_CRASHED;
  }
  if (outcome == BB_CANDIDATE_OK)
    outcome = run_once(m, &product, schedule, 0x7f817f81u, message, message_size);
  if (outcome == BB_CANDIDATE_OK &&
      (result = cu->MemcpyDtoH(m->host_c2, m->C, m->c_bytes)) != BB_CUDA_SUCCESS) {
    snprintf(message, message_size, "copy back: %s", result_name(cu, result));
    outcome = BB_CANDIDATE_CRASHED;
  }
  if (outcome == BB_CANDIDATE_OK) outcome = check_output(m, message, message_size);
  if (outcome == BB_CANDIDATE_OK && m->layer) {
    const bb_layer_weights weights = {m->W, m->scales, m->zeros, m->bias};
    outcome =
        bb_layer_check_run(m->layer, module, function, schedule, &weights, message, message_size);
  }

  if (outcome == BB_CANDIDATE_OK) {
    double times[BB_MEASURE_MAX_RUNS];
    if (timed_runs > BB_MEASURE_MAX_RUNS) timed_runs = BB_MEASURE_MAX_RUNS;
    if (timed_runs < 1) timed_runs = 1;
    /* The first runs alone place a candidate that cannot win, or a long one; the rest follow in
     * a second held batch. */
    int done = timed_runs > BB_MEASURE_RACE_RUNS ? BB_MEASURE_RACE_RUNS : timed_runs;
    result = time_held(m, &product, schedule, 0, done, times);
    if (result == BB_CUDA_SUCCESS && done < timed_runs) {
      const double best = fastest(times, done);
      if ((give_up_above_us > 0 && best > give_up_above_us) || best >= BB_MEASURE_LONG_US)
        timed_runs = done; /* it cannot win, or these runs place it: stop here */
      else
        result = time_held(m, &product, schedule, done, timed_runs - done, times + done);
    }
    if (result != BB_CUDA_SUCCESS) {
      outcome = bb_measure_cuda_outcome(cu, result, "timing", message, message_size);
    } else {
      qsort(times, (size_t)timed_runs, sizeof times[0], compare_doubles);
      *us = times[timed_runs / 2];
    }
  }
  if (outcome != BB_CANDIDATE_CRASHED) cu->ModuleUnload(module);
  return outcome;
}
