/*
 * bitblas-tune.c - the warm-up tool of SPEC section 4: gets (tuning on a cache miss) one operator
 * per shape, format and M, shows progress, prints what won, and optionally checks each operator
 * against the CPU reference; --list prints the cache, --export and --import move its kernels
 * between files. It does not time against cuBLAS (that is bitblas-bench).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bitblas.h"
#include "cache.h"
#include "device.h"
#include "errors.h"
#include "options.h"
#include "random_data.h"
#include "reference_check.h"
#include "table.h"
#include "workload.h"

#define PROGRAM "bitblas-tune"
#define EXIT_FAILED 1
#define EXIT_NO_DEVICE 2
#define EXIT_USAGE 64 /* EX_USAGE of sysexits.h */

typedef struct tune_options {
  bb_tool_workload_options workload;
  int device;
  const char *cache_path;
  int list;
  const char *export_path; /* --export FILE */
  const char *import_path; /* --import FILE */
  int check;
  int help;
} tune_options;

static void print_usage(FILE *out) {
  fprintf(out,
          "usage: " PROGRAM
          " [--preset NAME[,NAME]] [--shapes \"M,N,K;...\"] [--shapes-file FILE]\n"
          "                    [--m LIST] [--formats LIST] [--dynamic-m] [--device N]\n"
          "                    [--cache PATH] [--check] [--list] [--export FILE]\n"
          "                    [--import FILE] [--help]\n"
          "\n"
          "Gets one bitblas operator per shape, format and M: from the kernel cache, or tuned on\n"
          "this GPU and stored there on a miss. Prints a progress line per operator, then a table\n"
          "of the winners.\n"
          "\n"
          "What to tune:\n");
  bb_tool_workload_print_options(out);
  fprintf(
      out,
      "Where:\n"
      "  --device N            CUDA device ordinal (default 0)\n"
      "  --cache PATH          kernel cache file (default $BITBLAS_CACHE, else\n"
      "                        $XDG_CACHE_HOME/bitblas/cache.db, else ~/.cache/bitblas/cache.db)\n"
      "Actions:\n"
      "  --check               run each operator on random data and compare with the CPU\n"
      "                        reference (sampled rows and columns); exit 1 on a failure\n"
      "  --list                print the kernels stored in the cache and exit (no GPU needed)\n"
      "  --export FILE         copy the cache's kernels into the new cache file FILE (to ship\n"
      "                        to other machines) and exit (no GPU needed)\n"
      "  --import FILE         add the kernels of the cache file FILE that the cache lacks, and\n"
      "                        exit (no GPU needed; kernels it has are kept)\n"
      "  --help                print this text and exit\n"
      "\n");
  bb_tool_workload_print_choices(out);
  fprintf(out, "\n"
               "Exit status: 0 success; 1 a tuning or check failure; 2 no CUDA device; 64 bad "
               "arguments.\n");
}

static int usage_error(const char *message) {
  fprintf(stderr, PROGRAM ": %s\n", message);
  fprintf(stderr, "usage: " PROGRAM " [options]; " PROGRAM " --help lists them\n");
  return EXIT_USAGE;
}

/* Parses argv into *options. 0, or -1 with bb_tool_error() set. */
static int parse_arguments(int argc, char **argv, tune_options *options) {
  memset(options, 0, sizeof *options);
  for (int i = 1; i < argc; i++) {
    const char *value = NULL;
    int matched = bb_tool_workload_option(argc, argv, &i, &options->workload);
    if (matched < 0) return -1;
    if (matched > 0) continue;
    if ((matched = bb_tool_option_value(argc, argv, &i, "--device", &value)) != 0) {
      int64_t device;
      if (matched < 0 || bb_tool_parse_int(value, "--device", 0, 1023, &device) != 0) return -1;
      options->device = (int)device;
    } else if ((matched = bb_tool_option_path(argc, argv, &i, "--cache", &value)) != 0) {
      if (matched < 0) return -1;
      options->cache_path = value;
    } else if ((matched = bb_tool_option_path(argc, argv, &i, "--export", &value)) != 0) {
      if (matched < 0) return -1;
      options->export_path = value;
    } else if ((matched = bb_tool_option_path(argc, argv, &i, "--import", &value)) != 0) {
      if (matched < 0) return -1;
      options->import_path = value;
    } else if (strcmp(argv[i], "--list") == 0) {
      options->list = 1;
    } else if (strcmp(argv[i], "--check") == 0) {
      options->check = 1;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      options->help = 1;
    } else {
      return bb_tool_fail("unknown option \"%s\"", argv[i]);
    }
  }
  if (!!options->list + !!options->export_path + !!options->import_path > 1)
    return bb_tool_fail("--list, --export and --import are separate actions: give one of them");
  return 0;
}

/* The cache file bitblas would use: the option, else the library's default rule. */
static void resolve_cache_path(const char *option, char *buf, size_t size) {
  if (option)
    snprintf(buf, size, "%s", option);
  else
    bb_cache_default_path(buf, size);
}

typedef struct list_state {
  FILE *out;
  int lines;
} list_state;

static void print_cache_line(void *user, const char *line) {
  list_state *state = user;
  fprintf(state->out, "%s\n", line);
  state->lines++;
}

static int list_cache(const char *cache_option) {
  char path[4096];
  resolve_cache_path(cache_option, path, sizeof path);
  struct stat info;
  if (stat(path, &info) != 0) {
    printf("cache %s: no cache file yet (nothing tuned)\n", path);
    return 0;
  }
  list_state state = {stdout, 0};
  bitblas_status status = bitblas_cache_list(path, print_cache_line, &state);
  if (status != BITBLAS_OK) {
    fprintf(stderr, PROGRAM ": cannot list %s: %s: %s\n", path, bitblas_status_name(status),
            bitblas_last_error());
    return EXIT_FAILED;
  }
  if (state.lines == 0)
    printf("cache %s: no kernels stored\n", path);
  else
    printf("cache %s: %d kernel%s\n", path, state.lines, state.lines == 1 ? "" : "s");
  return 0;
}

/* --export: the cache's kernels into a new file. */
static int export_cache(const char *cache_option, const char *file) {
  char path[4096];
  resolve_cache_path(cache_option, path, sizeof path);
  int exported = 0;
  bitblas_status status = bitblas_cache_export(path, file, &exported);
  if (status != BITBLAS_OK) {
    fprintf(stderr, PROGRAM ": cannot export %s: %s: %s\n", path, bitblas_status_name(status),
            bitblas_last_error());
    return EXIT_FAILED;
  }
  printf("exported %d kernel%s from %s into %s\n", exported, exported == 1 ? "" : "s", path, file);
  return 0;
}

/* --import: another cache file's kernels into the cache. */
static int import_cache(const char *cache_option, const char *file) {
  char path[4096];
  resolve_cache_path(cache_option, path, sizeof path);
  int imported = 0, skipped = 0;
  bitblas_status status = bitblas_cache_import(path, file, &imported, &skipped);
  if (status != BITBLAS_OK) {
    fprintf(stderr, PROGRAM ": cannot import %s: %s: %s\n", file, bitblas_status_name(status),
            bitblas_last_error());
    return EXIT_FAILED;
  }
  printf("imported %d kernel%s from %s into %s (%d already stored, kept)\n", imported,
         imported == 1 ? "" : "s", file, path, skipped);
  return 0;
}

/* The m values an operator of `shape` runs (and is checked) at: the --m list for a preset
 * shape with dynamic M, else the shape's own M. */
static size_t run_m_values(const bb_tool_workload *workload, const bb_tool_shape *shape,
                           const int64_t **values) {
  if (workload->dynamic_m && shape->from_preset) {
    *values = workload->m_values;
    return workload->m_count;
  }
  *values = &shape->M;
  return 1;
}

/* Checks `op` at each m of ms on fresh random operands. Writes a table cell text into summary
 * and sets *passed. 0 when the checks were made, -1 (message set) when they could not be. */
static int check_operator(const bb_tool_gpu *gpu, const bitblas_op *op,
                          const bb_tool_format *format, const int64_t *ms, size_t m_count,
                          bb_rng *rng, char *summary, size_t summary_size, int *passed) {
  const bitblas_matmul_config *cfg = bitblas_op_config(op);
  int64_t rows = 1;
  for (size_t i = 0; i < m_count; i++)
    if (ms[i] > rows) rows = ms[i];
  bb_tool_host_weights host_weights;
  bb_tool_host_activations host_activations;
  bb_tool_device_weights device_weights;
  bb_tool_device_activations device_activations;
  memset(&host_weights, 0, sizeof host_weights);
  memset(&host_activations, 0, sizeof host_activations);
  memset(&device_weights, 0, sizeof device_weights);
  memset(&device_activations, 0, sizeof device_activations);
  int failed = 0;
  double worst_error = 0.0;
  *passed = 1;
  if (bb_tool_host_weights_make(cfg, format->ternary, rng, &host_weights) != 0 ||
      bb_tool_host_activations_make(cfg, rows, rng, &host_activations) != 0 ||
      bb_tool_device_weights_load(gpu, op, &host_weights, &device_weights) != 0 ||
      bb_tool_device_activations_load(gpu, &host_activations, cfg->N, cfg->out_dtype,
                                      &device_activations) != 0) {
    failed = -1;
    goto done;
  }
  for (size_t i = 0; i < m_count; i++) {
    bb_tool_check_result result;
    if (bb_tool_check_op(gpu, op, &host_weights, &host_activations, &device_weights,
                         &device_activations, ms[i], rng, &result) != 0) {
      failed = -1;
      goto done;
    }
    fprintf(stderr,
            "  check m=%lld: relative error %.2e (max %.2e of max |ref|, tolerance %.1e) over "
            "%lld x %lld outputs%s: %s\n",
            (long long)ms[i], result.relative_l2_error, result.max_error_ratio, result.tolerance,
            (long long)result.rows_checked, (long long)result.columns_checked,
            result.nonfinite ? " with non-finite values" : "", result.passed ? "PASS" : "FAIL");
    double error = result.nonfinite ? INFINITY : result.relative_l2_error;
    if (error > worst_error) worst_error = error;
    if (!result.passed) *passed = 0;
  }
  snprintf(summary, summary_size, "%s %.1e", *passed ? "PASS" : "FAIL", worst_error);
done:
  bb_tool_device_activations_free(gpu, &device_activations);
  bb_tool_device_weights_free(gpu, &device_weights);
  bb_tool_host_activations_free(&host_activations);
  bb_tool_host_weights_free(&host_weights);
  return failed;
}

static const char *const table_headers[] = {
    "M", "N", "K", "layer", "format", "schedule", "µs", "candidates", "source", "tune s", "check"};

static int run(const tune_options *options, const bb_tool_workload *workload) {
  if (options->cache_path && setenv("BITBLAS_CACHE", options->cache_path, 1) != 0) {
    fprintf(stderr, PROGRAM ": cannot set BITBLAS_CACHE\n");
    return EXIT_FAILED;
  }
  bb_tool_gpu gpu;
  bitblas_status open_status;
  if (bb_tool_gpu_open(options->device, &gpu, &open_status) != 0) {
    if (open_status == BITBLAS_NO_DRIVER || open_status == BITBLAS_NO_DEVICE) {
      fprintf(stderr, PROGRAM ": no CUDA device found: %s\n", bb_tool_error());
      return EXIT_NO_DEVICE;
    }
    fprintf(stderr, PROGRAM ": cannot open CUDA device %d: %s\n", options->device, bb_tool_error());
    return EXIT_FAILED;
  }
  fprintf(stderr, PROGRAM ": %s (sm_%d%d, %d SMs), cache %s\n", gpu.name, gpu.compute_major,
          gpu.compute_minor, gpu.sm_count, bitblas_context_cache_path(gpu.context));
  if (bitblas_context_cache_warning(gpu.context)[0])
    fprintf(stderr, PROGRAM ": warning: %s\n", bitblas_context_cache_warning(gpu.context));

  size_t columns = sizeof table_headers / sizeof table_headers[0];
  if (!options->check) columns--; /* the last column, "check" */
  bb_tool_table *table = bb_tool_table_create(columns, table_headers);
  if (!table) {
    fprintf(stderr, PROGRAM ": %s\n", bb_tool_error());
    bb_tool_gpu_close(&gpu);
    return EXIT_FAILED;
  }
  bb_rng rng;
  bb_rng_seed(&rng, bb_rng_seed_from_clock());
  size_t total = workload->shapes.count * workload->format_count, done = 0;
  int failures = 0, check_failures = 0, tuned = 0, cached = 0;
  double tune_seconds = 0.0;
  char buckets_note[256] = "";

  for (size_t s = 0; s < workload->shapes.count; s++) {
    const bb_tool_shape *shape = &workload->shapes.items[s];
    for (size_t f = 0; f < workload->format_count; f++) {
      const bb_tool_format *format = &workload->formats[f];
      char label[128];
      bb_tool_format_label(format, shape->K, label, sizeof label);
      bitblas_matmul_config cfg;
      bb_tool_format_config(format, shape->M, shape->N, shape->K, &cfg);
      cfg.dynamic_m = workload->dynamic_m;
      if (workload->dynamic_m)
        fprintf(stderr, "[%zu/%zu] dynamic M N=%lld K=%lld", ++done, total, (long long)shape->N,
                (long long)shape->K);
      else
        fprintf(stderr, "[%zu/%zu] M=%lld N=%lld K=%lld", ++done, total, (long long)shape->M,
                (long long)shape->N, (long long)shape->K);
      fprintf(stderr, " %s%s%s%s: ", label, shape->label[0] ? " (" : "", shape->label,
              shape->label[0] ? ")" : "");
      fflush(stderr);

      bb_tool_table_row(table);
      if (workload->dynamic_m)
        bb_tool_table_cell(table, "dyn");
      else
        bb_tool_table_cell(table, "%lld", (long long)shape->M);
      bb_tool_table_cell(table, "%lld", (long long)shape->N);
      bb_tool_table_cell(table, "%lld", (long long)shape->K);
      bb_tool_table_cell(table, "%s", shape->label[0] ? shape->label : "-");
      bb_tool_table_cell(table, "%s", label);

      bitblas_op *op = NULL;
      bitblas_status status = bitblas_op_get(gpu.context, &cfg, &op);
      if (status != BITBLAS_OK) {
        fprintf(stderr, "FAILED: %s: %s\n", bitblas_status_name(status), bitblas_last_error());
        bb_tool_table_cell(table, "FAILED: %s", bitblas_status_name(status));
        failures++;
        continue;
      }
      bitblas_op_info info;
      bitblas_op_info_get(op, &info);
      if (info.from_cache) {
        cached++;
        fprintf(stderr, "from cache, ");
      } else {
        tuned++;
        tune_seconds += info.tune_seconds;
        fprintf(stderr, "tuned in %.2f s (%d candidates), ", info.tune_seconds,
                info.candidates_tried);
      }
      if (info.kernel_us > 0.0) fprintf(stderr, "%.2f µs, ", info.kernel_us);
      fprintf(stderr, "%s\n", info.schedule);
      bb_tool_table_cell(table, "%s", info.schedule);
      if (info.kernel_us > 0.0)
        bb_tool_table_cell(table, "%.2f", info.kernel_us);
      else
        bb_tool_table_cell(table, "-");
      if (info.from_cache)
        bb_tool_table_cell(table, "-");
      else
        bb_tool_table_cell(table, "%d", info.candidates_tried);
      bb_tool_table_cell(table, "%s", info.from_cache ? "cache" : "tuned");
      if (info.from_cache)
        bb_tool_table_cell(table, "-");
      else
        bb_tool_table_cell(table, "%.2f", info.tune_seconds);

      const bitblas_matmul_config *op_cfg = bitblas_op_config(op);
      if (workload->dynamic_m && buckets_note[0] == '\0') {
        size_t used = (size_t)snprintf(buckets_note, sizeof buckets_note, "dyn: M buckets ");
        for (int b = 0; b < op_cfg->m_bucket_count && used < sizeof buckets_note; b++)
          used += (size_t)snprintf(buckets_note + used, sizeof buckets_note - used, "%s%lld",
                                   b ? "," : "", (long long)op_cfg->m_buckets[b]);
      }
      if (options->check) {
        const int64_t *ms;
        size_t m_count = run_m_values(workload, shape, &ms);
        char summary[64];
        int passed = 0;
        if (check_operator(&gpu, op, format, ms, m_count, &rng, summary, sizeof summary, &passed) !=
            0) {
          fprintf(stderr, "  check could not run: %s\n", bb_tool_error());
          bb_tool_table_cell(table, "ERROR");
          check_failures++;
        } else {
          bb_tool_table_cell(table, "%s", summary);
          check_failures += !passed;
        }
      }
      bitblas_op_release(op);
    }
  }

  printf("%s, cache %s\n", gpu.name, bitblas_context_cache_path(gpu.context));
  bb_tool_table_print(table, stdout);
  if (buckets_note[0]) printf("%s\n", buckets_note);
  printf("%zu operator%s: %d tuned (%.1f s tuning), %d from the cache, %d failed\n", total,
         total == 1 ? "" : "s", tuned, tune_seconds, cached, failures);
  if (options->check)
    printf("check: %s (%d failed)\n", check_failures ? "FAIL" : "PASS", check_failures);
  bb_tool_table_destroy(table);
  bb_tool_gpu_close(&gpu);
  return failures || check_failures ? EXIT_FAILED : 0;
}

int main(int argc, char **argv) {
  tune_options options;
  if (parse_arguments(argc, argv, &options) != 0) return usage_error(bb_tool_error());
  if (options.help) {
    print_usage(stdout);
    return 0;
  }
  if (options.list) return list_cache(options.cache_path);
  if (options.export_path) return export_cache(options.cache_path, options.export_path);
  if (options.import_path) return import_cache(options.cache_path, options.import_path);
  bb_tool_workload workload;
  if (bb_tool_workload_build(&options.workload, &workload) != 0)
    return usage_error(bb_tool_error());
  int status = run(&options, &workload);
  bb_tool_workload_free(&workload);
  return status;
}
