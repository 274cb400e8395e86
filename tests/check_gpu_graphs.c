/*
 * check_gpu_graphs.c - runs captured into a CUDA graph, as a decoder that replays one graph per
 * token does: bitblas_op_run under stream capture records its kernels (and a given-sums kernel's
 * workspace, as graph allocation nodes), and every replay of the graph computes right on the
 * activations of that replay. With dependent runs (ctest's check_gpu_graphs_dependent:
 * BITBLAS_DEPENDENT_LAUNCH=1) the captured launches are programmatic dependents, and the graph
 * keeps their order. GPU suite: exits 77 without a device.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_support.h"
#include "test_support.h"

static char temp_dir[4096];
static bb_rng rng;

/* The driver's graph functions (bitblas itself needs none of them), from the libcuda that
 * bb_test_gpu_open loaded. */
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;
typedef struct graph_api {
  CUresult (*begin_capture)(CUstream stream, int mode);
  CUresult (*end_capture)(CUstream stream, CUgraph *graph);
  CUresult (*instantiate)(CUgraphExec *exec, CUgraph graph, unsigned long long flags);
  CUresult (*launch)(CUgraphExec exec, CUstream stream);
  CUresult (*exec_destroy)(CUgraphExec exec);
  CUresult (*destroy)(CUgraph graph);
} graph_api;

#define CAPTURE_MODE_THREAD_LOCAL 1 /* CU_STREAM_CAPTURE_MODE_THREAD_LOCAL */

static int graph_api_load(graph_api *api) {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!library) return 0;
  /* Object pointers to function pointers: POSIX guarantees the conversion dlsym relies on. */
  *(void **)&api->begin_capture = dlsym(library, "cuStreamBeginCapture_v2");
  *(void **)&api->end_capture = dlsym(library, "cuStreamEndCapture");
  *(void **)&api->instantiate = dlsym(library, "cuGraphInstantiateWithFlags");
  *(void **)&api->launch = dlsym(library, "cuGraphLaunch");
  *(void **)&api->exec_destroy = dlsym(library, "cuGraphExecDestroy");
  *(void **)&api->destroy = dlsym(library, "cuGraphDestroy");
  return api->begin_capture && api->end_capture && api->instantiate && api->launch &&
         api->exec_destroy && api->destroy;
}

static void use_fresh_cache(const char *name) {
  char path[4300];
  snprintf(path, sizeof path, "%s/%s.db", temp_dir, name);
  setenv("BITBLAS_CACHE", path, 1);
}

#define REPLAYS 4

/* One graph, captured once on a stream of its own and replayed REPLAYS times: a kernel of another
 * library copies this replay's activations into A; op1 (4-bit codes, rows of K = 32768) reads A
 * and writes C1; op2 (2-bit codes, a given-sums kernel: two kernels and a workspace from
 * bitblas's pool) reads C1 as its activations and writes C2. Before each replay the host puts
 * fresh activations in the graph's source buffer and poisons C1 and C2; after it, both match the
 * float64 reference on the activations of that replay. */
START_TEST(test_captured_runs_replay_right) {
  use_fresh_cache("graph");
  graph_api graphs;
  ck_assert_msg(graph_api_load(&graphs), "the driver's graph functions were not found");
  const int64_t m = 16, n = 2048;
  bitblas_matmul_config cfg1 =
      bb_test_scaled_config(m, n, 32768, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  bitblas_matmul_config cfg2 =
      bb_test_scaled_config(m, n, n, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL);
  cfg2.with_bias = 1;
  char text[160];
  bb_test_store_given_sums_twin(0, &cfg2, text, sizeof text);

  const bb_cuda_api *cu = bb_test_cu();
  bitblas_context *ctx = NULL;
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  const bitblas_matmul_config *cfgs[2] = {&cfg1, &cfg2};
  bitblas_op *ops[2] = {NULL, NULL};
  bb_host_operands host[2];
  bb_test_device_operands device[2];
  for (int i = 0; i < 2; i++) {
    ck_assert_msg(bitblas_op_get(ctx, cfgs[i], &ops[i]) == BITBLAS_OK, "%s", bitblas_last_error());
    ck_assert_int_eq(bb_host_operands_make(cfgs[i], m, 0, &rng, &host[i]), BITBLAS_OK);
    ck_assert_int_eq(bb_test_upload(cfgs[i], &host[i], &device[i]), 0);
    ck_assert_int_eq(
        bitblas_op_transform_weight(ops[i], host[i].W, (void *)(uintptr_t)device[i].W, NULL),
        BITBLAS_OK);
  }
  bitblas_op_info info;
  bitblas_op_info_get(ops[1], &info);
  ck_assert_str_eq(info.schedule, text);

  CUmodule module = NULL;
  CUfunction copy_words = NULL;
  ck_assert_int_eq(bb_test_copy_words_load(&module, &copy_words), 0);
  const size_t a_bytes = host[0].A_bytes, c_bytes = device[0].c_bytes;
  CUdeviceptr source = 0, c1 = 0;
  ck_assert_int_eq(cu->MemAlloc(&source, a_bytes), 0);
  ck_assert_int_eq(cu->MemAlloc(&c1, c_bytes), 0);
  const CUdeviceptr c2 = device[1].C;

  CUstream stream = NULL;
  ck_assert_int_eq(cu->StreamCreate(&stream, BB_CU_STREAM_NON_BLOCKING), 0);
  bitblas_matmul_args first = bb_test_device_args(&device[0], m);
  first.C = (void *)(uintptr_t)c1;
  bitblas_matmul_args second = bb_test_device_args(&device[1], m);
  second.A = (const void *)(uintptr_t)c1;
  ck_assert_int_eq(graphs.begin_capture(stream, CAPTURE_MODE_THREAD_LOCAL), 0);
  const CUresult copied = bb_test_copy_words(copy_words, device[0].A, source, a_bytes / 4, stream);
  const bitblas_status ran1 = bitblas_op_run(ops[0], &first, stream);
  const bitblas_status ran2 = bitblas_op_run(ops[1], &second, stream);
  char error[512];
  snprintf(error, sizeof error, "%s", bitblas_last_error());
  CUgraph graph = NULL;
  const CUresult ended = graphs.end_capture(stream, &graph);
  ck_assert_int_eq(copied, 0);
  ck_assert_msg(ran1 == BITBLAS_OK && ran2 == BITBLAS_OK, "under capture: %s", error);
  ck_assert_int_eq(ended, 0);
  CUgraphExec exec = NULL;
  ck_assert_int_eq(graphs.instantiate(&exec, graph, 0), 0);

  void *out1 = malloc(c_bytes), *out2 = malloc(c_bytes);
  ck_assert_ptr_nonnull(out1);
  ck_assert_ptr_nonnull(out2);
  for (int r = 0; r < REPLAYS; r++) {
    ck_assert_int_eq(bb_host_operands_remake_activations(&cfg1, m, &rng, &host[0]), BITBLAS_OK);
    ck_assert_int_eq(cu->MemcpyHtoD(source, host[0].A, a_bytes), 0);
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, c1, 0x7f817f81u, c_bytes, NULL), 0);
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, c2, 0x7f817f81u, c_bytes, NULL), 0);
    ck_assert_int_eq(cu->CtxSynchronize(), 0);
    ck_assert_int_eq(graphs.launch(exec, stream), 0);
    ck_assert_int_eq(cu->StreamSynchronize(stream), 0);
    ck_assert_int_eq(cu->MemcpyDtoH(out1, c1, c_bytes), 0);
    ck_assert_int_eq(cu->MemcpyDtoH(out2, c2, c_bytes), 0);
    bitblas_matmul_args args1 = bb_host_operands_args(&host[0]);
    bitblas_matmul_args args2 = bb_host_operands_args(&host[1]);
    args2.A = out1;
    const bb_test_check checks[2] = {bb_test_compare(&cfg1, &args1, out1, &rng),
                                     bb_test_compare(&cfg2, &args2, out2, &rng)};
    for (int i = 0; i < 2; i++) {
      ck_assert_msg(checks[i].ran, "replay %d, op%d: %s", r, i + 1, checks[i].message);
      ck_assert_msg(checks[i].relative_error <= bb_test_tolerance(cfgs[i]),
                    "replay %d, op%d: relative error %g", r, i + 1, checks[i].relative_error);
    }
  }
  free(out1);
  free(out2);
  graphs.exec_destroy(exec);
  graphs.destroy(graph);
  cu->StreamDestroy(stream);
  cu->MemFree(source);
  cu->MemFree(c1);
  cu->ModuleUnload(module);
  for (int i = 0; i < 2; i++) {
    bb_test_device_free(&device[i]);
    bb_host_operands_free(&host[i]);
    bitblas_op_release(ops[i]);
  }
  bitblas_context_destroy(ctx);
}
END_TEST

int main(void) {
  if (!bb_test_gpu_open()) return BB_TEST_SKIP;
  bb_test_temp_dir(temp_dir, sizeof temp_dir);
  bb_test_rng_seed(&rng);
  setenv("BITBLAS_WORKER", BITBLAS_TEST_BINARY_DIR "/bitblas-worker", 1);
  Suite *suite = suite_create("gpu_graphs");
  TCase *tc = tcase_create("graphs");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_captured_runs_replay_right);
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite_in_process(suite);
  bb_test_remove_tree(temp_dir);
  return failed;
}
