/*
 * gpu_support.c - shared helpers of the GPU suites (see gpu_support.h).
 */
#include "gpu_support.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "config.h"
#include "half.h"
#include "reference.h"
#include "schedule.h"
#include "test_support.h"

static const bb_cuda_api *test_cu;
static int test_arch;

int bb_test_gpu_open(void) {
  bitblas_status status;
  test_cu = bb_cuda_load(&status);
  if (!test_cu) {
    fprintf(stderr, "SKIP: no CUDA device: %s\n", bitblas_last_error());
    return 0;
  }
  CUdevice device;
  CUcontext context;
  int count = 0, major = 0, minor = 0;
  if (test_cu->DeviceGetCount(&count) != 0 || count < 1 || test_cu->DeviceGet(&device, 0) != 0 ||
      test_cu->DevicePrimaryCtxRetain(&context, device) != 0 ||
      test_cu->CtxPushCurrent(context) != 0) {
    fprintf(stderr, "SKIP: no usable CUDA device 0\n");
    return 0;
  }
  test_cu->DeviceGetAttribute(&major, BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, device);
  test_cu->DeviceGetAttribute(&minor, BB_CU_ATTR_COMPUTE_CAPABILITY_MINOR, device);
  test_arch = major * 10 + minor;
  return 1;
}

const bb_cuda_api *bb_test_cu(void) { return test_cu; }

int bb_test_gpu_arch(void) { return test_arch; }

static int upload_one(CUdeviceptr *device, const void *host, size_t bytes) {
  *device = 0;
  if (!bytes) return 0;
  if (test_cu->MemAlloc(device, bytes) != 0) return -1;
  return test_cu->MemcpyHtoD(*device, host, bytes) == 0 ? 0 : -1;
}

int bb_test_gpu_tuning_context(char *dir, size_t dir_size, bitblas_context **ctx) {
  char cache[4200];
  bb_test_temp_dir(dir, dir_size);
  snprintf(cache, sizeof cache, "%s/cache.db", dir);
  setenv("BITBLAS_CACHE", cache, 1);
  setenv("BITBLAS_TUNE_MAX_CANDIDATES", "2", 1);
  if (bitblas_context_create(0, ctx) != BITBLAS_OK) {
    fprintf(stderr, "context: %s\n", bitblas_last_error());
    return 0;
  }
  return 1;
}

int bb_test_upload(const bitblas_matmul_config *cfg, const bb_host_operands *host,
                   bb_test_device_operands *out) {
  memset(out, 0, sizeof *out);
  out->c_bytes = bb_config_c_bytes(cfg, host->m);
  if (upload_one(&out->A, host->A, host->A_bytes) || upload_one(&out->W, host->W, host->W_bytes) ||
      upload_one(&out->scales, host->scales, host->scales_bytes) ||
      upload_one(&out->zeros, host->zeros, host->zeros_bytes) ||
      upload_one(&out->bias, host->bias, host->bias_bytes) ||
      upload_one(&out->a_scale, host->a_scale, host->a_scale_bytes) ||
      test_cu->MemAlloc(&out->C, out->c_bytes) != 0) {
    bb_test_device_free(out);
    return -1;
  }
  return 0;
}

void bb_test_device_free(bb_test_device_operands *device) {
  CUdeviceptr all[] = {device->A,    device->W,       device->scales, device->zeros,
                       device->bias, device->a_scale, device->C};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i]) test_cu->MemFree(all[i]);
  memset(device, 0, sizeof *device);
}

bitblas_matmul_args bb_test_device_args(const bb_test_device_operands *device, int64_t m) {
  bitblas_matmul_args args = {m,
                              (const void *)(uintptr_t)device->A,
                              (const void *)(uintptr_t)device->W,
                              (const void *)(uintptr_t)device->scales,
                              (const void *)(uintptr_t)device->zeros,
                              (const void *)(uintptr_t)device->bias,
                              (const float *)(uintptr_t)device->a_scale,
                              (void *)(uintptr_t)device->C};
  return args;
}

double bb_test_tolerance(const bitblas_matmul_config *cfg) {
  if (cfg->out_dtype == BITBLAS_DTYPE_INT32) return 0.0;
  if (cfg->A_dtype == BITBLAS_DTYPE_BFLOAT16 || cfg->out_dtype == BITBLAS_DTYPE_BFLOAT16)
    return 1e-2;
  return 2e-3;
}

bb_test_check bb_test_run_and_check(const bitblas_op *op, int64_t m, bb_rng *rng) {
  return bb_test_run_and_check_bias_at(op, m, rng, 0);
}

bb_test_check bb_test_run_and_check_bias_at(const bitblas_op *op, int64_t m, bb_rng *rng,
                                            size_t bias_offset) {
  bb_test_check check;
  memset(&check, 0, sizeof check);
  const bitblas_matmul_config *cfg = bitblas_op_config(op);
  bb_host_operands host;
  if (bb_host_operands_make(cfg, m, 0, rng, &host) != BITBLAS_OK) {
    snprintf(check.message, sizeof check.message, "operands: %s", bitblas_last_error());
    return check;
  }
  bb_test_device_operands device;
  const size_t c_bytes = bb_config_c_bytes(cfg, m);
  void *first = malloc(c_bytes), *second = malloc(c_bytes);
  if (!first || !second || bb_test_upload(cfg, &host, &device) != 0) {
    snprintf(check.message, sizeof check.message, "allocation failed");
    goto done;
  }
  /* The weights go in through the library's transform, as a user's would. */
  if (bitblas_op_transform_weight(op, host.W, (void *)(uintptr_t)device.W, NULL) != BITBLAS_OK) {
    snprintf(check.message, sizeof check.message, "transform: %s", bitblas_last_error());
    goto free_device;
  }
  bitblas_matmul_args args = bb_test_device_args(&device, m);
  if (bias_offset) {
    /* A second copy of the bias, bias_offset bytes into its own allocation (freed with the
     * others: it replaces device.bias). */
    CUdeviceptr shifted = 0;
    if (!host.bias || test_cu->MemAlloc(&shifted, host.bias_bytes + bias_offset) != 0 ||
        test_cu->MemcpyHtoD(shifted + bias_offset, host.bias, host.bias_bytes) != 0) {
      if (shifted) test_cu->MemFree(shifted);
      snprintf(check.message, sizeof check.message, "no bias to move, or its copy failed");
      goto free_device;
    }
    test_cu->MemFree(device.bias);
    device.bias = shifted;
    args.bias = (const void *)(uintptr_t)(shifted + bias_offset);
  }
  const unsigned poisons[2] = {0xffffffffu, 0x7f817f81u};
  void *outputs[2] = {first, second};
  for (int run = 0; run < 2; run++) {
    /* Every byte, the tail of an odd count of 16-bit outputs included. */
    bb_cuda_fill_pattern32_async(test_cu, device.C, poisons[run], c_bytes, NULL);
    bitblas_status status = bitblas_op_run(op, &args, NULL);
    CUresult result = test_cu->CtxSynchronize();
    if (status != BITBLAS_OK || result != 0 ||
        test_cu->MemcpyDtoH(outputs[run], device.C, c_bytes) != 0) {
      snprintf(check.message, sizeof check.message, "run %d: %s (sync %d)", run,
               bitblas_last_error(), result);
      goto free_device;
    }
  }
  const bitblas_matmul_args host_args = bb_host_operands_args(&host);
  check = bb_test_compare(cfg, &host_args, first, rng);
  check.poison_differs = memcmp(first, second, c_bytes) != 0;
free_device:
  bb_test_device_free(&device);
done:
  free(first);
  free(second);
  bb_host_operands_free(&host);
  return check;
}

bb_test_check bb_test_compare(const bitblas_matmul_config *cfg,
                              const bitblas_matmul_args *host_args, const void *C, bb_rng *rng) {
  bb_test_check check;
  memset(&check, 0, sizeof check);
  double *reference = malloc(16 * 512 * sizeof(double));
  double *magnitude = malloc(16 * 512 * sizeof(double));
  if (!reference || !magnitude) {
    snprintf(check.message, sizeof check.message, "allocation failed");
    goto done;
  }
  /* The reference on every row and column of small outputs; on large ones on 16 rows (the
   * first, the last, random) and 512 columns alike. */
  int64_t rows[16], cols[512];
  const int64_t row_count = bb_sample_indices(host_args->m, 16, rng, rows);
  const int64_t col_count = bb_sample_indices(cfg->N, 512, rng, cols);
  if (bb_reference_subset_sized(cfg, host_args, rows, row_count, cols, col_count, reference,
                                magnitude) != BITBLAS_OK) {
    snprintf(check.message, sizeof check.message, "reference: %s", bitblas_last_error());
    goto done;
  }
  check.ran = 1;
  bb_error_sum sum = {0, 0, 0};
  for (int64_t i = 0; i < row_count; i++) {
    for (int64_t j = 0; j < col_count; j++) {
      const double got = bb_element_read(cfg->out_dtype, C, (size_t)(rows[i] * cfg->N + cols[j]));
      const double want = reference[i * col_count + j];
      if (cfg->out_dtype == BITBLAS_DTYPE_INT32 && got != want) check.mismatches++;
      bb_error_sum_add(&sum, got, want, magnitude[i * col_count + j]);
    }
  }
  check.relative_error = bb_error_sum_relative(&sum, cfg->K);
done:
  free(reference);
  free(magnitude);
  return check;
}

/* Replaces the schedule and cubin of the newest kernel row of the current cache. */
static void replace_newest_kernel(const char *schedule, const void *cubin, size_t cubin_size) {
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open(getenv("BITBLAS_CACHE"), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt *statement = NULL;
  ck_assert_int_eq(sqlite3_prepare_v2(db,
                                      "UPDATE kernels SET schedule = ?, cubin = ?, cubin_size = ? "
                                      "WHERE id = (SELECT max(id) FROM kernels)",
                                      -1, &statement, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(statement, 1, schedule, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob(statement, 2, cubin, (int)cubin_size, SQLITE_TRANSIENT);
  sqlite3_bind_int64(statement, 3, (sqlite3_int64)cubin_size);
  ck_assert_int_eq(sqlite3_step(statement), SQLITE_DONE);
  ck_assert_int_eq(sqlite3_changes(db), 1);
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

void bb_test_store_given_sums_twin(int ordinal, const bitblas_matmul_config *cfg, char *text,
                                   size_t size) {
  bitblas_context *ctx = NULL;
  ck_assert_msg(bitblas_context_create(ordinal, &ctx) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  bitblas_op_release(op);
  bitblas_context_destroy(ctx);

  CUdevice device;
  int major = 0, minor = 0;
  ck_assert_int_eq(test_cu->DeviceGet(&device, ordinal), 0);
  test_cu->DeviceGetAttribute(&major, BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, device);
  test_cu->DeviceGetAttribute(&minor, BB_CU_ATTR_COMPUTE_CAPABILITY_MINOR, device);

  bb_schedule schedules[BB_MAX_CANDIDATES], twin;
  const int count = bb_candidates_enumerate(cfg, schedules);
  int found = 0;
  for (int i = 0; i < count && !found; i++)
    if (bb_tcgemv_given_sums_fit(cfg, &schedules[i])) twin = schedules[i], found = 1;
  ck_assert(found);
  twin.given_sums = 1;
  bb_schedule_format(&twin, text, size);
  char *source = bb_emit_source(cfg, &twin, BB_FAULT_NONE);
  ck_assert_ptr_nonnull(source);
  bb_compiled compiled[1];
  ck_assert_int_eq(bb_compile_all(&source, 1, major * 10 + minor, compiled), BITBLAS_OK);
  ck_assert_msg(compiled[0].status == BITBLAS_OK, "%s", compiled[0].message);
  replace_newest_kernel(text, compiled[0].cubin, compiled[0].cubin_size);
  bb_compiled_free(compiled, 1);
  free(source);
}

static const char copy_words_ptx[] =
    ".version 7.0\n.target sm_70\n.address_size 64\n"
    ".visible .entry copy_words(.param .u64 dst, .param .u64 src, .param .u32 words)\n{\n"
    "  .reg .pred %p1;\n  .reg .b32 %r<7>;\n  .reg .b64 %rd<6>;\n"
    "  ld.param.u64 %rd1, [dst];\n  ld.param.u64 %rd2, [src];\n  ld.param.u32 %r1, [words];\n"
    "  mov.u32 %r2, %ctaid.x;\n  mov.u32 %r3, %ntid.x;\n  mov.u32 %r4, %tid.x;\n"
    "  mad.lo.u32 %r5, %r2, %r3, %r4;\n  setp.ge.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;\n"
    "  cvta.to.global.u64 %rd1, %rd1;\n  cvta.to.global.u64 %rd2, %rd2;\n"
    "  mul.wide.u32 %rd3, %r5, 4;\n  add.u64 %rd4, %rd2, %rd3;\n  add.u64 %rd5, %rd1, %rd3;\n"
    "  ld.global.u32 %r6, [%rd4];\n  st.global.u32 [%rd5], %r6;\nDONE:\n  ret;\n}\n";

int bb_test_copy_words_load(CUmodule *module, CUfunction *copy_words) {
  *module = NULL;
  *copy_words = NULL;
  if (test_cu->ModuleLoadData(module, copy_words_ptx) != 0) return -1;
  return test_cu->ModuleGetFunction(copy_words, *module, "copy_words") == 0 ? 0 : -1;
}

CUresult bb_test_copy_words(CUfunction copy_words, CUdeviceptr dst, CUdeviceptr src, size_t words,
                            CUstream stream) {
  unsigned count = (unsigned)words;
  void *params[] = {&dst, &src, &count};
  return test_cu->LaunchKernel(copy_words, (count + 255) / 256, 1, 1, 256, 1, 1, 0, stream, params,
                               NULL);
}

void bb_test_chain_make(bb_test_chain *chain, bb_rng *rng) {
  memset(chain, 0, sizeof *chain);
  const int64_t m = 16, n = 2048;
  chain->m = m;
  chain->cfg[0] =
      bb_test_scaled_config(m, n, 32768, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  chain->cfg[1] = bb_test_scaled_config(m, n, n, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL);
  chain->cfg[1].with_bias = 1;
  char text[160];
  bb_test_store_given_sums_twin(0, &chain->cfg[1], text, sizeof text);

  ck_assert_int_eq(bitblas_context_create(0, &chain->ctx), BITBLAS_OK);
  for (int i = 0; i < 2; i++) {
    ck_assert_msg(bitblas_op_get(chain->ctx, &chain->cfg[i], &chain->op[i]) == BITBLAS_OK, "%s",
                  bitblas_last_error());
    ck_assert_int_eq(bb_host_operands_make(&chain->cfg[i], m, 0, rng, &chain->host[i]), BITBLAS_OK);
    ck_assert_int_eq(bb_test_upload(&chain->cfg[i], &chain->host[i], &chain->device[i]), 0);
    ck_assert_int_eq(bitblas_op_transform_weight(chain->op[i], chain->host[i].W,
                                                 (void *)(uintptr_t)chain->device[i].W, NULL),
                     BITBLAS_OK);
  }
  bitblas_op_info info;
  bitblas_op_info_get(chain->op[1], &info);
  ck_assert_str_eq(info.schedule, text);
}

void bb_test_chain_check(const bb_test_chain *chain, const void *A, const void *out1,
                         const void *out2, const char *what, int round, bb_rng *rng) {
  bitblas_matmul_args args[2] = {bb_host_operands_args(&chain->host[0]),
                                 bb_host_operands_args(&chain->host[1])};
  args[0].A = A;
  args[1].A = out1;
  const void *outputs[2] = {out1, out2};
  for (int i = 0; i < 2; i++) {
    const bb_test_check check = bb_test_compare(&chain->cfg[i], &args[i], outputs[i], rng);
    ck_assert_msg(check.ran, "%s %d, op%d: %s", what, round, i + 1, check.message);
    ck_assert_msg(check.relative_error <= bb_test_tolerance(&chain->cfg[i]),
                  "%s %d, op%d: relative error %g", what, round, i + 1, check.relative_error);
  }
}

void bb_test_chain_free(bb_test_chain *chain) {
  for (int i = 0; i < 2; i++) {
    bb_test_device_free(&chain->device[i]);
    bb_host_operands_free(&chain->host[i]);
    bitblas_op_release(chain->op[i]);
  }
  bitblas_context_destroy(chain->ctx);
}
