/*
 * bitblas-bench.c - the benchmark of SPEC sections 4 and 5: bitblas operators (from the cache,
 * or tuned before timing) against cuBLAS float16 (and cuBLAS int8 for int8 activations) on the
 * same activations in the same process, with the device copy bandwidth measured in the same run;
 * prints a table and geometric-mean speedups and writes CSV. It does not tune for its own sake
 * (bitblas-tune) and judges no targets: it reports.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitblas.h"
#include "bitnet.h"
#include "cublas.h"
#include "device.h"
#include "errors.h"
#include "op.h"
#include "options.h"
#include "random_data.h"
#include "reference_check.h"
#include "rotation.h"
#include "table.h"
#include "timing.h"
#include "workload.h"

#define PROGRAM "bitblas-bench"
#define EXIT_FAILED 1
#define EXIT_NO_DEVICE 2
#define EXIT_USAGE 64 /* EX_USAGE of sysexits.h */
#define DEFAULT_RUNS 100
#define COPY_BANDWIDTH_REPEATS 10

typedef struct bench_options {
  bb_tool_workload_options workload;
  int device;
  const char *cache_path;
  int runs;
  int flush_l2; /* 1: --cold-l2 flush; 0: rotate the inputs (the default) */
  int direct;   /* 1: --enqueue direct; 0: runs enqueued behind a hold (the default) */
  const char *csv_path;
  int check;
  int help;
} bench_options;

static void print_usage(FILE *out) {
  fprintf(
      out,
      "usage: " PROGRAM " [--preset NAME[,NAME]] [--shapes \"M,N,K;...\"] [--shapes-file FILE]\n"
      "                     [--m LIST] [--formats LIST] [--dynamic-m] [--runs N] [--csv FILE]\n"
      "                     [--cold-l2 rotate|flush] [--enqueue held|direct] [--check]\n"
      "                     [--device N] [--cache PATH] [--help]\n"
      "\n"
      "Times bitblas operators against cuBLAS float16 (and cuBLAS int8 for int8 activations)\n"
      "on the same activations, in one process, and measures the device copy bandwidth in the\n"
      "same run. Operators come from the kernel cache or are tuned first (tuning is not timed).\n"
      "Timing: CUDA events, %d warm-up runs, a cold L2 for the weights of every run (see\n"
      "--cold-l2), median. The launch floor is an empty kernel timed the same way.\n"
      "Bandwidth: bytes of A + packed W + scales + zeros + bias + a_scale + C over the median\n"
      "time; the floor is those bytes over the copy bandwidth. The read floor is a plain kernel\n"
      "that only reads the same copies of the packed W, scales and zeros, timed the same way: the\n"
      "launch, latency and tail any kernel pays on top of the bytes; the geometric means give\n"
      "cuBLAS float16 over it too: the speedup a kernel that only read would reach.\n"
      "Operators that quantize their activations (int8 A with a per-row a_scale and a float\n"
      "output, as the bitnet format) are also timed as the whole BitNet layer\n"
      "(\"layer µs\": bitblas_bitnet_run from float activations), compared with cuBLAS\n"
      "float16 in the geometric means. The layer runs as one kernel (each block quantizes its\n"
      "rows) where its rows are few and short, else as the row quantizer and the product;\n"
      "\"1 / 2 kernels µs\" times both ways (\"-\" where the kernel has no one-kernel form).\n"
      "\n"
      "What to run:\n",
      BB_TOOL_TIMING_WARMUP_RUNS);
  bb_tool_workload_print_options(out);
  fprintf(
      out,
      "How:\n"
      "  --runs N              timed runs per measurement, at least %d (default %d)\n"
      "  --csv FILE            also write the rows as CSV to FILE\n"
      "  --cold-l2 METHOD      rotate (default): each run reads its own copy of the weights,\n"
      "                        scales and zeros (cuBLAS: of B), from copies adding up to at least\n"
      "                        twice the L2 size (small inputs get many copies)\n"
      "                        flush: a memset of twice the L2 size before every run (it leaves\n"
      "                        L2 full of dirty lines that the timed kernel then writes back)\n"
      "  --enqueue HOW         held (default): after one run on its own, a kernel holds the\n"
      "                        stream until every run of a timing is enqueued, so runs meet\n"
      "                        the GPU back to back, as in a CUDA graph; direct: each run\n"
      "                        starts when the host enqueues it\n"
      "                        (short kernels then include the host's launch time)\n"
      "  --check               compare each operator's output with the CPU reference\n"
      "  --device N            CUDA device ordinal (default 0)\n"
      "  --cache PATH          kernel cache file (default $BITBLAS_CACHE, else\n"
      "                        $XDG_CACHE_HOME/bitblas/cache.db, else ~/.cache/bitblas/cache.db)\n"
      "  --help                print this text and exit\n"
      "\n",
      BB_TOOL_TIMING_MIN_RUNS, DEFAULT_RUNS);
  bb_tool_workload_print_choices(out);
  fprintf(out,
          "\n"
          "Exit status: 0 success; 1 a failure (operator, run, check, CSV); 2 no CUDA device;\n"
          "64 bad arguments.\n");
}

static int usage_error(const char *message) {
  fprintf(stderr, PROGRAM ": %s\n", message);
  fprintf(stderr, "usage: " PROGRAM " [options]; " PROGRAM " --help lists them\n");
  return EXIT_USAGE;
}

/* Parses argv into *options. 0, or -1 with bb_tool_error() set. */
static int parse_arguments(int argc, char **argv, bench_options *options) {
  memset(options, 0, sizeof *options);
  options->runs = DEFAULT_RUNS;
  for (int i = 1; i < argc; i++) {
    const char *value = NULL;
    int64_t number;
    int matched = bb_tool_workload_option(argc, argv, &i, &options->workload);
    if (matched < 0) return -1;
    if (matched > 0) continue;
    if ((matched = bb_tool_option_value(argc, argv, &i, "--device", &value)) != 0) {
      if (matched < 0 || bb_tool_parse_int(value, "--device", 0, 1023, &number) != 0) return -1;
      options->device = (int)number;
    } else if ((matched = bb_tool_option_value(argc, argv, &i, "--runs", &value)) != 0) {
      if (matched < 0 ||
          bb_tool_parse_int(value, "--runs", BB_TOOL_TIMING_MIN_RUNS, 1000000, &number) != 0)
        return -1;
      options->runs = (int)number;
    } else if ((matched = bb_tool_option_value(argc, argv, &i, "--cold-l2", &value)) != 0) {
      if (matched < 0) return -1;
      if (strcmp(value, "rotate") != 0 && strcmp(value, "flush") != 0)
        return bb_tool_fail("--cold-l2 \"%s\": must be rotate or flush", value);
      options->flush_l2 = strcmp(value, "flush") == 0;
    } else if ((matched = bb_tool_option_value(argc, argv, &i, "--enqueue", &value)) != 0) {
      if (matched < 0) return -1;
      if (strcmp(value, "held") != 0 && strcmp(value, "direct") != 0)
        return bb_tool_fail("--enqueue \"%s\": must be held or direct", value);
      options->direct = strcmp(value, "direct") == 0;
    } else if ((matched = bb_tool_option_path(argc, argv, &i, "--cache", &value)) != 0) {
      if (matched < 0) return -1;
      options->cache_path = value;
    } else if ((matched = bb_tool_option_path(argc, argv, &i, "--csv", &value)) != 0) {
      if (matched < 0) return -1;
      options->csv_path = value;
    } else if (strcmp(argv[i], "--check") == 0) {
      options->check = 1;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      options->help = 1;
    } else {
      return bb_tool_fail("unknown option \"%s\"", argv[i]);
    }
  }
  return 0;
}

/* ---- What is timed ------------------------------------------------------------------------ */

/* The rotated inputs of bitblas: W, scales, zeros, bias. The read floor reads the first three:
 * the bias is N values, and its latency is that of the others. */
enum { ROTATED_W, ROTATED_SCALES, ROTATED_ZEROS, ROTATED_BIAS, ROTATED_COUNT };
#define ROTATED_READ ROTATED_BIAS /* buffers the read floor reads */

typedef struct bitblas_launch {
  const bitblas_op *op;
  bitblas_matmul_args args;
  const bb_tool_rotation *weights; /* copies of W, scales, zeros and bias */
} bitblas_launch;

static int launch_bitblas(void *user, CUstream stream, int run) {
  bitblas_launch *launch = user;
  launch->args.W = (const void *)bb_tool_rotation_buffer(launch->weights, run, ROTATED_W);
  launch->args.scales = (const void *)bb_tool_rotation_buffer(launch->weights, run, ROTATED_SCALES);
  launch->args.zeros = (const void *)bb_tool_rotation_buffer(launch->weights, run, ROTATED_ZEROS);
  launch->args.bias = (const void *)bb_tool_rotation_buffer(launch->weights, run, ROTATED_BIAS);
  bitblas_status status = bitblas_op_run(launch->op, &launch->args, stream);
  return status == BITBLAS_OK ? 0 : bb_tool_fail_status("bitblas_op_run", status);
}

typedef struct layer_launch {
  const bitblas_op *op;
  bitblas_bitnet_args args;
  const bb_tool_rotation *weights; /* copies of W, the weight scales and the bias */
  bb_bitnet_path path;
} layer_launch;

static int launch_layer(void *user, CUstream stream, int run) {
  layer_launch *launch = user;
  launch->args.W = (const void *)bb_tool_rotation_buffer(launch->weights, run, ROTATED_W);
  launch->args.weight_scale =
      (const float *)bb_tool_rotation_buffer(launch->weights, run, ROTATED_SCALES);
  launch->args.bias = (const void *)bb_tool_rotation_buffer(launch->weights, run, ROTATED_BIAS);
  bitblas_status status = bb_bitnet_run_path(launch->op, &launch->args, launch->path, stream);
  return status == BITBLAS_OK ? 0 : bb_tool_fail_status("bitblas_bitnet_run", status);
}

typedef struct cublas_launch {
  bb_tool_cublas *cublas;
  int int8;
  int64_t M, N, K;
  CUdeviceptr A, C;
  const bb_tool_rotation *B; /* copies of B */
} cublas_launch;

static int launch_cublas(void *user, CUstream stream, int run) {
  (void)stream; /* the handle is bound to the tools' stream */
  cublas_launch *launch = user;
  const CUdeviceptr B = bb_tool_rotation_buffer(launch->B, run, 0);
  if (launch->int8)
    return bb_tool_cublas_gemm_i8(launch->cublas, launch->M, launch->N, launch->K, launch->A, B,
                                  launch->C);
  return bb_tool_cublas_gemm_f16(launch->cublas, launch->M, launch->N, launch->K, launch->A, B,
                                 launch->C);
}

/* Makes the copies a timing rotates through (none beyond the buffers themselves with
 * --cold-l2 flush); *flush_l2 says whether the timing must flush L2 instead. 0, or -1. */
static int rotation_prepare(const bb_tool_gpu *gpu, const bench_options *options, int count,
                            const CUdeviceptr *buffers, const size_t *bytes,
                            bb_tool_rotation *rotation, int *flush_l2) {
  if (options->flush_l2) {
    bb_tool_rotation_single(count, buffers, bytes, rotation);
    *flush_l2 = 1;
    return 0;
  }
  if (bb_tool_rotation_make(gpu, count, buffers, bytes, rotation) != 0) return -1;
  *flush_l2 = !rotation->evicts_l2;
  return 0;
}

/* ---- Bookkeeping ---------------------------------------------------------------------------- */

/* Shapes that share N, K and label, with the m values to run them at. */
typedef struct shape_group {
  int64_t N, K;
  const char *label;
  int64_t op_M; /* with dynamic M: the operator's largest expected m */
  int64_t ms[BB_TOOL_M_LIST_MAX];
  size_t m_count;
} shape_group;

/* Sums of log speedups per (format, m), for geometric means; log_read_f16 sums cuBLAS float16's
 * time over the read floor's (what a kernel that only reads the weights would reach), over the
 * same count_f16 shapes. */
typedef struct speedup_sum {
  size_t format;
  int64_t m;
  double log_f16, log_i8, log_read_f16;
  double log_layer_f16; /* the whole BitNet layer's speedup over cuBLAS float16 */
  int count_f16, count_i8, count_layer;
} speedup_sum;

typedef struct bench_state {
  const bench_options *options;
  const bb_tool_workload *workload;
  bb_tool_gpu gpu;
  bb_tool_cublas *cublas; /* NULL when cuBLAS could not be loaded */
  bb_tool_timer timer;
  double copy_bandwidth;  /* bytes per second */
  double launch_floor_us; /* an empty kernel, timed as the runs are */
  bb_rng rng;
  bb_tool_table *table;
  bb_tool_table *csv;
  speedup_sum *sums;
  size_t sum_count, sum_capacity;
  int failures;
  int check_failures;
  size_t done, total;
} bench_state;

static speedup_sum *find_sum(bench_state *state, size_t format, int64_t m) {
  for (size_t i = 0; i < state->sum_count; i++)
    if (state->sums[i].format == format && state->sums[i].m == m) return &state->sums[i];
  if (state->sum_count == state->sum_capacity) {
    size_t capacity = state->sum_capacity ? 2 * state->sum_capacity : 16;
    speedup_sum *sums = realloc(state->sums, capacity * sizeof *sums);
    if (!sums) return NULL;
    state->sums = sums;
    state->sum_capacity = capacity;
  }
  speedup_sum *sum = &state->sums[state->sum_count++];
  memset(sum, 0, sizeof *sum);
  sum->format = format;
  sum->m = m;
  return sum;
}

/* Groups the workload's shapes: consecutive entries with the same N, K and label become one
 * group with their Ms (static M), or each entry is a group run at its m values (dynamic M). */
static size_t make_groups(const bb_tool_workload *workload, shape_group *groups) {
  size_t count = 0;
  for (size_t i = 0; i < workload->shapes.count; i++) {
    const bb_tool_shape *shape = &workload->shapes.items[i];
    shape_group *last = count ? &groups[count - 1] : NULL;
    if (!workload->dynamic_m && last && last->N == shape->N && last->K == shape->K &&
        strcmp(last->label, shape->label) == 0 && last->m_count < BB_TOOL_M_LIST_MAX) {
      int seen = 0;
      for (size_t j = 0; j < last->m_count; j++) seen |= last->ms[j] == shape->M;
      if (!seen) last->ms[last->m_count++] = shape->M;
      continue;
    }
    shape_group *group = &groups[count++];
    memset(group, 0, sizeof *group);
    group->N = shape->N;
    group->K = shape->K;
    group->label = shape->label;
    group->op_M = shape->M;
    if (workload->dynamic_m && shape->from_preset) {
      memcpy(group->ms, workload->m_values, workload->m_count * sizeof group->ms[0]);
      group->m_count = workload->m_count;
    } else {
      group->ms[0] = shape->M;
      group->m_count = 1;
    }
  }
  return count;
}

/* Activations of one dtype at one m, shared by cuBLAS and every format that reads that dtype:
 * the very same bytes go to both. C is sized for 4-byte outputs, the largest there is. */
typedef struct activation_slot {
  int ready;
  bb_tool_host_activations host;
  bb_tool_device_activations device;
} activation_slot;

enum { SLOT_FLOAT16, SLOT_BFLOAT16, SLOT_INT8, SLOT_COUNT };

static int slot_index(bitblas_dtype A_dtype) {
  return A_dtype == BITBLAS_DTYPE_BFLOAT16 ? SLOT_BFLOAT16
         : A_dtype == BITBLAS_DTYPE_INT8   ? SLOT_INT8
                                           : SLOT_FLOAT16;
}

static int slot_prepare(bench_state *state, activation_slot *slot, bitblas_dtype A_dtype, int64_t m,
                        int64_t N, int64_t K) {
  if (slot->ready) return 0;
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.M = m;
  cfg.N = N;
  cfg.K = K;
  cfg.A_dtype = A_dtype;
  if (A_dtype == BITBLAS_DTYPE_INT8) { /* as w4a8: int32 sums, column scales, row a_scale */
    cfg.accum_dtype = BITBLAS_DTYPE_INT32;
    cfg.with_a_scale = 1; /* made after A: A is the same either way */
  }
  if (bb_tool_host_activations_make(&cfg, m, &state->rng, &slot->host) != 0) return -1;
  if (bb_tool_device_activations_load(&state->gpu, &slot->host, N, BITBLAS_DTYPE_FLOAT32,
                                      &slot->device) != 0) {
    bb_tool_host_activations_free(&slot->host);
    return -1;
  }
  slot->ready = 1;
  return 0;
}

static void slot_release(bench_state *state, activation_slot *slot) {
  if (!slot->ready) return;
  bb_tool_device_activations_free(&state->gpu, &slot->device);
  bb_tool_host_activations_free(&slot->host);
  slot->ready = 0;
}

/* ---- Measurements ------------------------------------------------------------------------- */

/* Times cuBLAS for m rows on the given A; NAN when cuBLAS is missing or refuses (the reason
 * goes to stderr). */
static double time_cublas(bench_state *state, int int8, int64_t m, int64_t N, int64_t K,
                          CUdeviceptr A, const bb_tool_rotation *B, int flush_l2, CUdeviceptr C) {
  if (!state->cublas) return NAN;
  cublas_launch launch = {state->cublas, int8, m, N, K, A, C, B};
  double us;
  if (bb_tool_timer_median_us(&state->timer, launch_cublas, &launch, state->options->runs, flush_l2,
                              &us) != 0) {
    fprintf(stderr, PROGRAM ": cuBLAS %s M=%lld N=%lld K=%lld: %s\n", int8 ? "int8" : "float16",
            (long long)m, (long long)N, (long long)K, bb_tool_error());
    return NAN;
  }
  return us;
}

/* Times the whole BitNet layer (bitblas_bitnet_run from float activations, along `path`) for m
 * rows of fresh random activations of op's out_dtype, on the product's copies of the weights and
 * bias and into its C; NAN for other operators, or on failure (the reason goes to stderr). */
static double time_bitnet_layer(bench_state *state, const bitblas_op *op,
                                const bitblas_matmul_args *product, const bb_tool_rotation *weights,
                                int flush_l2, bb_bitnet_path path) {
  const int64_t m = product->m;
  const size_t workspace_bytes = bitblas_bitnet_workspace_bytes(op, m); /* 0: no quantizer */
  if (workspace_bytes == 0) return NAN;
  const bitblas_matmul_config *cfg = bitblas_op_config(op);
  const size_t count = (size_t)m * (size_t)cfg->K;
  const size_t x_bytes = count * (size_t)(bitblas_dtype_bits(cfg->out_dtype) / 8);
  CUdeviceptr x = 0, workspace = 0;
  double us = NAN;
  int failed =
      bb_tool_device_alloc(&state->gpu, x_bytes, &x) != 0 ||
      bb_tool_device_fill_random(&state->gpu, cfg->out_dtype, x, count, &state->rng) != 0 ||
      bb_tool_device_alloc(&state->gpu, workspace_bytes, &workspace) != 0;
  if (!failed) {
    layer_launch launch = {op,
                           {m, (const void *)(uintptr_t)x, NULL, NULL, product->bias, product->C,
                            (void *)(uintptr_t)workspace},
                           weights,
                           path};
    failed = bb_tool_timer_median_us(&state->timer, launch_layer, &launch, state->options->runs,
                                     flush_l2, &us) != 0;
  }
  if (failed) {
    fprintf(stderr, PROGRAM ": BitNet layer M=%lld: %s\n", (long long)m, bb_tool_error());
    us = NAN;
  }
  bb_tool_device_free(&state->gpu, &x);
  bb_tool_device_free(&state->gpu, &workspace);
  return us;
}

/* A number, or `gap` where there is none (NAN): "-" in the printed table, "" in the CSV. */
static void cell_or_gap(bb_tool_table *table, const char *fmt, double value, const char *gap) {
  if (isnan(value))
    bb_tool_table_cell(table, "%s", gap);
  else
    bb_tool_table_cell(table, fmt, value);
}

/* One format at one m: get the operator, load its weights, time it, check it, add the row. */
static void bench_one(bench_state *state, const shape_group *group, size_t format_index,
                      const bb_tool_host_weights *host_weights,
                      bb_tool_device_weights *device_weights, bitblas_op *dynamic_op, int64_t m,
                      activation_slot *slot, double cublas_f16_us, double cublas_i8_us) {
  const bb_tool_format *format = &state->workload->formats[format_index];
  char label[128];
  bb_tool_format_label(format, group->K, label, sizeof label);
  fprintf(stderr, "[%zu/%zu] M=%lld N=%lld K=%lld %s: ", ++state->done, state->total, (long long)m,
          (long long)group->N, (long long)group->K, label);
  fflush(stderr);
  bb_tool_table *table = state->table, *csv = state->csv;
  bb_tool_table_row(table);
  bb_tool_table_row(csv);
  bb_tool_table_cell(table, "%lld", (long long)m);
  bb_tool_table_cell(table, "%lld", (long long)group->N);
  bb_tool_table_cell(table, "%lld", (long long)group->K);
  bb_tool_table_cell(table, "%s", group->label[0] ? group->label : "-");
  bb_tool_table_cell(table, "%s", label);
  bb_tool_table_cell(csv, "%s", state->gpu.name);
  bb_tool_table_cell(csv, "%lld", (long long)m);
  bb_tool_table_cell(csv, "%lld", (long long)group->N);
  bb_tool_table_cell(csv, "%lld", (long long)group->K);
  bb_tool_table_cell(csv, "%s", group->label);
  bb_tool_table_cell(csv, "%s", label);

  bitblas_op *op = dynamic_op;
  if (!op) {
    bitblas_matmul_config cfg;
    bb_tool_format_config(format, m, group->N, group->K, &cfg);
    bitblas_status status = bitblas_op_get(state->gpu.context, &cfg, &op);
    if (status != BITBLAS_OK) {
      bb_tool_fail_status("bitblas_op_get", status);
      goto failed;
    }
    if (bb_tool_device_weights_load(&state->gpu, op, host_weights, device_weights) != 0)
      goto failed;
  }
  bitblas_op_info info;
  bitblas_op_info_get(op, &info);
  if (!info.from_cache) fprintf(stderr, "tuned in %.2f s, ", info.tune_seconds);

  bb_tool_rotation weights;
  const CUdeviceptr buffers[ROTATED_COUNT] = {device_weights->W, device_weights->scales,
                                              device_weights->zeros, device_weights->bias};
  const size_t buffer_bytes[ROTATED_COUNT] = {device_weights->W_bytes, device_weights->scales_bytes,
                                              device_weights->zeros_bytes,
                                              device_weights->bias_bytes};
  int flush_l2;
  if (rotation_prepare(&state->gpu, state->options, ROTATED_COUNT, buffers, buffer_bytes, &weights,
                       &flush_l2) != 0)
    goto failed;
  bitblas_launch launch = {op, {0}, &weights};
  bb_tool_matmul_args(device_weights, &slot->device, m, &launch.args);
  bb_tool_rotation read_inputs = weights; /* the same copies, without the bias */
  read_inputs.buffer_count = ROTATED_READ;
  double us, read_us;
  const int timed = bb_tool_timer_median_us(&state->timer, launch_bitblas, &launch,
                                            state->options->runs, flush_l2, &us) != 0 ||
                    bb_tool_timer_read_floor_us(&state->timer, &read_inputs, state->options->runs,
                                                flush_l2, &read_us) != 0;
  /* The layer both ways; bitblas_bitnet_run's own choice is one of them. */
  const double two_kernels_us =
      timed ? NAN
            : time_bitnet_layer(state, op, &launch.args, &weights, flush_l2, BB_BITNET_TWO_KERNELS);
  const double one_kernel_us =
      timed || !bb_op_fused_layer_runs(op, m, 1)
          ? NAN
          : time_bitnet_layer(state, op, &launch.args, &weights, flush_l2, BB_BITNET_ONE_KERNEL);
  const double layer_us = bb_op_fused_layer_runs(op, m, 0) ? one_kernel_us : two_kernels_us;
  bb_tool_rotation_free(&state->gpu, &weights);
  if (timed != 0) goto failed;

  const bitblas_matmul_config *cfg = bitblas_op_config(op);
  double bytes = (double)m * (double)cfg->K * (bitblas_dtype_bits(cfg->A_dtype) / 8) +
                 (double)bitblas_op_weight_bytes(op) + (double)device_weights->scales_bytes +
                 (double)device_weights->zeros_bytes + (double)device_weights->bias_bytes +
                 (cfg->with_a_scale ? (double)m * sizeof(float) : 0.0) +
                 (double)m * (double)cfg->N * (bitblas_dtype_bits(cfg->out_dtype) / 8);
  double bytes_per_second = bytes / (us * 1e-6);
  double percent_of_copy = 100.0 * bytes_per_second / state->copy_bandwidth;
  double floor_us = bytes / state->copy_bandwidth * 1e6;
  int int8 = cfg->A_dtype == BITBLAS_DTYPE_INT8;
  double speedup_f16 = cublas_f16_us / us;
  double speedup_i8 = int8 ? cublas_i8_us / us : NAN;

  char check_text[64] = "";
  if (state->options->check) {
    bb_tool_check_result result;
    if (bb_tool_check_op(&state->gpu, op, host_weights, &slot->host, device_weights, &slot->device,
                         m, &state->rng, &result) != 0) {
      snprintf(check_text, sizeof check_text, "ERROR");
      fprintf(stderr, "check could not run: %s; ", bb_tool_error());
      state->check_failures++;
    } else {
      snprintf(check_text, sizeof check_text, "%s %.1e", result.passed ? "PASS" : "FAIL",
               result.nonfinite ? INFINITY : result.relative_l2_error);
      state->check_failures += !result.passed;
    }
  }
  fprintf(stderr, "%.2f µs", us);
  if (!isnan(cublas_f16_us))
    fprintf(stderr, ", cuBLAS f16 %.2f µs (%.2fx)", cublas_f16_us, speedup_f16);
  if (int8 && !isnan(cublas_i8_us))
    fprintf(stderr, ", cuBLAS int8 %.2f µs (%.2fx)", cublas_i8_us, speedup_i8);
  if (!isnan(layer_us)) fprintf(stderr, ", whole BitNet layer %.2f µs", layer_us);
  fprintf(stderr, ", %.0f%% of copy bandwidth, read floor %.2f µs%s%s\n", percent_of_copy, read_us,
          check_text[0] ? ", " : "", check_text);

  bb_tool_table_cell(table, "%.2f", us);
  cell_or_gap(table, "%.2f", cublas_f16_us, "-");
  cell_or_gap(table, "%.2fx", speedup_f16, "-");
  cell_or_gap(table, "%.2f", int8 ? cublas_i8_us : NAN, "-");
  cell_or_gap(table, "%.2fx", speedup_i8, "-");
  bb_tool_table_cell(table, "%.0f", bytes_per_second / 1e9);
  bb_tool_table_cell(table, "%.1f%%", percent_of_copy);
  bb_tool_table_cell(table, "%.2f", floor_us);
  bb_tool_table_cell(table, "%.2f", read_us);
  cell_or_gap(table, "%.2f", layer_us, "-");
  if (isnan(two_kernels_us))
    bb_tool_table_cell(table, "-");
  else if (isnan(one_kernel_us))
    bb_tool_table_cell(table, "- / %.2f", two_kernels_us);
  else
    bb_tool_table_cell(table, "%.2f / %.2f", one_kernel_us, two_kernels_us);
  if (state->options->check) bb_tool_table_cell(table, "%s", check_text);

  bb_tool_table_cell(csv, "%s", info.schedule);
  bb_tool_table_cell(csv, "%s", info.from_cache ? "cache" : "tuned");
  bb_tool_table_cell(csv, "%.3f", us);
  cell_or_gap(csv, "%.3f", cublas_f16_us, "");
  cell_or_gap(csv, "%.4f", speedup_f16, "");
  cell_or_gap(csv, "%.3f", int8 ? cublas_i8_us : NAN, "");
  cell_or_gap(csv, "%.4f", speedup_i8, "");
  bb_tool_table_cell(csv, "%.0f", bytes);
  bb_tool_table_cell(csv, "%.2f", bytes_per_second / 1e9);
  bb_tool_table_cell(csv, "%.2f", state->copy_bandwidth / 1e9);
  bb_tool_table_cell(csv, "%.2f", percent_of_copy);
  bb_tool_table_cell(csv, "%.3f", floor_us);
  bb_tool_table_cell(csv, "%s", flush_l2 ? "flush" : "rotate");
  bb_tool_table_cell(csv, "%s", state->options->direct ? "direct" : "held");
  bb_tool_table_cell(csv, "%.3f", state->launch_floor_us);
  bb_tool_table_cell(csv, "%.3f", read_us);
  bb_tool_table_cell(csv, "%s", check_text);
  cell_or_gap(csv, "%.3f", layer_us, "");
  cell_or_gap(csv, "%.3f", one_kernel_us, "");
  cell_or_gap(csv, "%.3f", two_kernels_us, "");

  speedup_sum *sum = find_sum(state, format_index, m);
  if (sum && !isnan(speedup_f16)) {
    sum->log_f16 += log(speedup_f16);
    sum->log_read_f16 += log(cublas_f16_us / read_us);
    sum->count_f16++;
  }
  if (sum && !isnan(speedup_i8)) {
    sum->log_i8 += log(speedup_i8);
    sum->count_i8++;
  }
  if (sum && !isnan(layer_us) && !isnan(cublas_f16_us)) {
    sum->log_layer_f16 += log(cublas_f16_us / layer_us);
    sum->count_layer++;
  }
  if (op != dynamic_op) bitblas_op_release(op);
  return;

failed:
  fprintf(stderr, "FAILED: %s\n", bb_tool_error());
  bb_tool_table_cell(table, "FAILED");
  bb_tool_table_cell(csv, "FAILED: %s", bb_tool_error());
  state->failures++;
  if (op != dynamic_op) bitblas_op_release(op);
}

static int needs_int8(const bb_tool_workload *workload) {
  for (size_t f = 0; f < workload->format_count; f++)
    if (workload->formats[f].A_dtype == BITBLAS_DTYPE_INT8) return 1;
  return 0;
}

/* Runs every format at every m of one group of shapes. Returns 0, or -1 when the group could
 * not be run at all (message set; counted as one failure by the caller). */
static int bench_group(bench_state *state, const shape_group *group) {
  const bb_tool_workload *workload = state->workload;
  const bb_tool_gpu *gpu = &state->gpu;
  size_t format_count = workload->format_count;
  bb_tool_host_weights host_weights[BB_TOOL_FORMAT_LIST_MAX];
  bb_tool_device_weights device_weights[BB_TOOL_FORMAT_LIST_MAX];
  bitblas_op *dynamic_ops[BB_TOOL_FORMAT_LIST_MAX];
  memset(host_weights, 0, sizeof host_weights);
  memset(device_weights, 0, sizeof device_weights);
  memset(dynamic_ops, 0, sizeof dynamic_ops);
  activation_slot slots[SLOT_COUNT];
  memset(slots, 0, sizeof slots);
  CUdeviceptr B_f16 = 0, B_i8 = 0;
  bb_tool_rotation B_f16_copies, B_i8_copies;
  memset(&B_f16_copies, 0, sizeof B_f16_copies);
  memset(&B_i8_copies, 0, sizeof B_i8_copies);
  int B_f16_flush = 1, B_i8_flush = 1;
  int failed = 0;

  /* cuBLAS's B: random float16 (and int8) of W's shape [N, K]. */
  if (state->cublas) {
    if (bb_tool_device_alloc(gpu, (size_t)group->N * (size_t)group->K * 2, &B_f16) != 0 ||
        bb_tool_device_fill_random(gpu, BITBLAS_DTYPE_FLOAT16, B_f16,
                                   (size_t)group->N * (size_t)group->K, &state->rng) != 0) {
      failed = -1;
      goto done;
    }
    if (needs_int8(workload) &&
        (bb_tool_device_alloc(gpu, (size_t)group->N * (size_t)group->K, &B_i8) != 0 ||
         bb_tool_device_fill_random(gpu, BITBLAS_DTYPE_INT8, B_i8,
                                    (size_t)group->N * (size_t)group->K, &state->rng) != 0)) {
      failed = -1;
      goto done;
    }
    const size_t f16_bytes = (size_t)group->N * (size_t)group->K * 2;
    if (rotation_prepare(gpu, state->options, 1, &B_f16, &f16_bytes, &B_f16_copies, &B_f16_flush) !=
        0) {
      failed = -1;
      goto done;
    }
    const size_t i8_bytes = (size_t)group->N * (size_t)group->K;
    if (B_i8 && rotation_prepare(gpu, state->options, 1, &B_i8, &i8_bytes, &B_i8_copies,
                                 &B_i8_flush) != 0) {
      failed = -1;
      goto done;
    }
  }
  /* Each format's weights, made once for the group; with dynamic M also its one operator. */
  for (size_t f = 0; f < format_count; f++) {
    const bb_tool_format *format = &workload->formats[f];
    bitblas_matmul_config cfg;
    bb_tool_format_config(format, group->op_M, group->N, group->K, &cfg);
    if (bb_tool_host_weights_make(&cfg, format->ternary, &state->rng, &host_weights[f]) != 0) {
      failed = -1;
      goto done;
    }
    if (workload->dynamic_m) {
      cfg.dynamic_m = 1;
      bitblas_status status = bitblas_op_get(gpu->context, &cfg, &dynamic_ops[f]);
      if (status != BITBLAS_OK) {
        failed = bb_tool_fail_status("bitblas_op_get (dynamic M)", status);
        goto done;
      }
      if (bb_tool_device_weights_load(gpu, dynamic_ops[f], &host_weights[f], &device_weights[f]) !=
          0) {
        failed = -1;
        goto done;
      }
    }
  }

  for (size_t i = 0; i < group->m_count; i++) {
    int64_t m = group->ms[i];
    if (slot_prepare(state, &slots[SLOT_FLOAT16], BITBLAS_DTYPE_FLOAT16, m, group->N, group->K) !=
        0) {
      failed = -1;
      goto done;
    }
    double cublas_f16_us =
        time_cublas(state, 0, m, group->N, group->K, slots[SLOT_FLOAT16].device.A, &B_f16_copies,
                    B_f16_flush, slots[SLOT_FLOAT16].device.C);
    double cublas_i8_us = NAN;
    if (needs_int8(workload)) {
      if (slot_prepare(state, &slots[SLOT_INT8], BITBLAS_DTYPE_INT8, m, group->N, group->K) != 0) {
        failed = -1;
        goto done;
      }
      if (B_i8)
        cublas_i8_us = time_cublas(state, 1, m, group->N, group->K, slots[SLOT_INT8].device.A,
                                   &B_i8_copies, B_i8_flush, slots[SLOT_INT8].device.C);
    }
    for (size_t f = 0; f < format_count; f++) {
      const bb_tool_format *format = &workload->formats[f];
      activation_slot *slot = &slots[slot_index(format->A_dtype)];
      if (slot_prepare(state, slot, format->A_dtype, m, group->N, group->K) != 0) {
        failed = -1;
        goto done;
      }
      bench_one(state, group, f, &host_weights[f], &device_weights[f], dynamic_ops[f], m, slot,
                cublas_f16_us, cublas_i8_us);
    }
    for (int s = 0; s < SLOT_COUNT; s++) slot_release(state, &slots[s]);
  }
done:
  for (int s = 0; s < SLOT_COUNT; s++) slot_release(state, &slots[s]);
  for (size_t f = 0; f < format_count; f++) {
    bitblas_op_release(dynamic_ops[f]);
    bb_tool_device_weights_free(gpu, &device_weights[f]);
    bb_tool_host_weights_free(&host_weights[f]);
  }
  bb_tool_rotation_free(gpu, &B_f16_copies);
  bb_tool_rotation_free(gpu, &B_i8_copies);
  bb_tool_device_free(gpu, &B_f16);
  bb_tool_device_free(gpu, &B_i8);
  return failed;
}

static void print_geomeans(const bench_state *state) {
  const bb_tool_workload *workload = state->workload;
  for (size_t i = 0; i < state->sum_count; i++) {
    const speedup_sum *sum = &state->sums[i];
    if (sum->count_f16 == 0 && sum->count_i8 == 0) continue;
    printf("geomean speedup %-12s M=%-5lld", workload->formats[sum->format].name,
           (long long)sum->m);
    if (sum->count_f16)
      printf("  vs cuBLAS f16 %.2fx (read floor %.2fx)", exp(sum->log_f16 / sum->count_f16),
             exp(sum->log_read_f16 / sum->count_f16));
    if (sum->count_i8) printf("  vs cuBLAS int8 %.2fx", exp(sum->log_i8 / sum->count_i8));
    if (sum->count_layer)
      printf("  whole layer vs cuBLAS f16 %.2fx", exp(sum->log_layer_f16 / sum->count_layer));
    printf("  (%d shape%s)\n", sum->count_f16 ? sum->count_f16 : sum->count_i8,
           (sum->count_f16 ? sum->count_f16 : sum->count_i8) == 1 ? "" : "s");
  }
}

/* clang-format off */
static const char *const table_headers[] = {
    "M", "N", "K", "layer", "format", "bitblas µs", "cuBLAS f16 µs", "speedup", "cuBLAS i8 µs",
    "vs i8", "GB/s", "% copy BW", "floor µs", "read floor µs", "layer µs", "1 / 2 kernels µs",
    "check"};

static const char *const csv_headers[] = {
    "device", "M", "N", "K", "layer", "format", "schedule", "source", "bitblas_us",
    "cublas_f16_us", "speedup_vs_cublas_f16", "cublas_i8_us", "speedup_vs_cublas_i8",
    "bytes_moved", "gb_per_s", "copy_bandwidth_gb_per_s", "percent_of_copy_bandwidth", "floor_us",
    "cold_l2", "enqueue", "launch_floor_us", "read_floor_us", "check", "bitnet_layer_us",
    "bitnet_layer_one_kernel_us", "bitnet_layer_two_kernels_us"};
/* clang-format on */

static int run(const bench_options *options, const bb_tool_workload *workload) {
  if (options->cache_path && setenv("BITBLAS_CACHE", options->cache_path, 1) != 0) {
    fprintf(stderr, PROGRAM ": cannot set BITBLAS_CACHE\n");
    return EXIT_FAILED;
  }
  bench_state state;
  memset(&state, 0, sizeof state);
  state.options = options;
  state.workload = workload;
  bitblas_status open_status;
  if (bb_tool_gpu_open(options->device, &state.gpu, &open_status) != 0) {
    if (open_status == BITBLAS_NO_DRIVER || open_status == BITBLAS_NO_DEVICE) {
      fprintf(stderr, PROGRAM ": no CUDA device found: %s\n", bb_tool_error());
      return EXIT_NO_DEVICE;
    }
    fprintf(stderr, PROGRAM ": cannot open CUDA device %d: %s\n", options->device, bb_tool_error());
    return EXIT_FAILED;
  }
  int exit_status = EXIT_FAILED;
  FILE *csv_file = NULL;
  shape_group *groups = NULL;
  bb_rng_seed(&state.rng, bb_rng_seed_from_clock());
  if (options->csv_path && !(csv_file = fopen(options->csv_path, "w"))) {
    fprintf(stderr, PROGRAM ": cannot write %s: %s\n", options->csv_path, strerror(errno));
    goto done;
  }
  size_t columns = sizeof table_headers / sizeof table_headers[0];
  state.table =
      bb_tool_table_create(options->check ? columns : columns - 1 /* no "check" */, table_headers);
  state.csv = bb_tool_table_create(sizeof csv_headers / sizeof csv_headers[0], csv_headers);
  groups = calloc(workload->shapes.count ? workload->shapes.count : 1, sizeof *groups);
  if (!state.table || !state.csv || !groups) {
    fprintf(stderr, PROGRAM ": out of memory\n");
    goto done;
  }
  if (bb_tool_timer_create(&state.gpu, !options->direct, &state.timer) != 0) {
    fprintf(stderr, PROGRAM ": %s\n", bb_tool_error());
    goto done;
  }
  state.cublas = bb_tool_cublas_open(state.gpu.stream);
  if (!state.cublas)
    fprintf(stderr, PROGRAM ": warning: %s; the cuBLAS columns stay empty\n", bb_tool_error());
  if (bb_tool_copy_bandwidth(&state.gpu, BB_TOOL_COPY_BANDWIDTH_BYTES, COPY_BANDWIDTH_REPEATS,
                             &state.copy_bandwidth) != 0) {
    fprintf(stderr, PROGRAM ": measuring the copy bandwidth: %s\n", bb_tool_error());
    goto done;
  }
  printf("device: %s (sm_%d%d, %d SMs, L2 %d MiB), copy bandwidth %.0f GB/s "
         "(median of %d copies of %zu MiB, read + write)\n",
         state.gpu.name, state.gpu.compute_major, state.gpu.compute_minor, state.gpu.sm_count,
         state.gpu.l2_bytes >> 20, state.copy_bandwidth / 1e9, COPY_BANDWIDTH_REPEATS,
         BB_TOOL_COPY_BANDWIDTH_BYTES >> 20);
  if (bb_tool_timer_launch_floor_us(&state.timer, options->runs, options->flush_l2,
                                    &state.launch_floor_us) != 0) {
    fprintf(stderr, PROGRAM ": timing the empty kernel: %s\n", bb_tool_error());
    goto done;
  }
  printf("cuBLAS: %s; timing: median of %d runs after %d warm-up runs, %s, %s\n",
         state.cublas ? bb_tool_cublas_describe(state.cublas) : "not available", options->runs,
         BB_TOOL_TIMING_WARMUP_RUNS,
         options->flush_l2 ? "L2 flushed (memset of twice its size) before each"
                           : "weights rotated through copies of at least twice the L2 size",
         options->direct ? "each run enqueued as the GPU goes (host launch time included)"
                         : "one run alone, then all runs enqueued behind a hold and released");
  printf("launch floor: %.2f µs (median of an empty kernel, timed the same way)\n",
         state.launch_floor_us);
  printf("cache: %s\n", bitblas_context_cache_path(state.gpu.context));
  if (bitblas_context_cache_warning(state.gpu.context)[0])
    fprintf(stderr, PROGRAM ": warning: %s\n", bitblas_context_cache_warning(state.gpu.context));
  fflush(stdout);

  size_t group_count = make_groups(workload, groups);
  for (size_t g = 0; g < group_count; g++)
    state.total += groups[g].m_count * workload->format_count;
  for (size_t g = 0; g < group_count; g++) {
    if (bench_group(&state, &groups[g]) != 0) {
      fprintf(stderr, PROGRAM ": N=%lld K=%lld: %s\n", (long long)groups[g].N,
              (long long)groups[g].K, bb_tool_error());
      state.failures++;
    }
  }

  printf("\n");
  bb_tool_table_print(state.table, stdout);
  printf("\n");
  print_geomeans(&state);
  if (options->check)
    printf("check: %s (%d failed)\n", state.check_failures ? "FAIL" : "PASS", state.check_failures);
  if (state.timer.holds_timed_out) {
    fflush(stdout); /* the table first, where both go to one file */
    fprintf(stderr,
            PROGRAM ": warning: %d timing(s) took the host longer than %.1f s to enqueue; "
                    "their later runs may include host launch time\n",
            state.timer.holds_timed_out, BB_HOLD_TIMEOUT_NS / 1e9);
  }
  exit_status = state.failures || state.check_failures ? EXIT_FAILED : 0;
  if (csv_file) {
    if (bb_tool_table_write_csv(state.csv, csv_file) != 0) {
      fprintf(stderr, PROGRAM ": %s: %s\n", options->csv_path, bb_tool_error());
      exit_status = EXIT_FAILED;
    } else {
      printf("CSV written to %s\n", options->csv_path);
    }
  }
done:
  if (csv_file && fclose(csv_file) != 0) exit_status = EXIT_FAILED;
  free(groups);
  free(state.sums);
  bb_tool_table_destroy(state.table);
  bb_tool_table_destroy(state.csv);
  bb_tool_cublas_close(state.cublas);
  bb_tool_timer_destroy(&state.timer);
  bb_tool_gpu_close(&state.gpu);
  return exit_status;
}

int main(int argc, char **argv) {
  bench_options options;
  if (parse_arguments(argc, argv, &options) != 0) return usage_error(bb_tool_error());
  if (options.help) {
    print_usage(stdout);
    return 0;
  }
  bb_tool_workload workload;
  if (bb_tool_workload_build(&options.workload, &workload) != 0)
    return usage_error(bb_tool_error());
  int status = run(&options, &workload);
  bb_tool_workload_free(&workload);
  return status;
}
