/*
 * check_gpu_graphs.c - runs captured into a CUDA graph, as a decoder that replays one graph per
 * token does: bitblas_op_run under stream capture records its kernels (and a given-sums kernel's
 * workspace, as graph allocation nodes), and every replay of the graph computes right on the
 * activations of that replay. With dependent runs (ctest's check_gpu_graphs_dependent:
 * BITBLAS_DEPENDENT_LAUNCH=1) the captured launches are programmatic dependents, and the graph
 * keeps their order. The BitNet layer is captured both ways (two kernels, one kernel). GPU suite:
 * exits 77 without a device.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitnet.h"
#include "gpu_support.h"
#include "half.h"
#include "op.h"
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

/* Ends the capture on `stream` and instantiates its graph into the returned executable graph
 * (the graph itself into *graph), after asserting that what was enqueued under the capture was
 * accepted: the other library's copy, then the two bitblas runs. bitblas's message is taken
 * before the capture ends, so a refused run is named. */
static CUgraphExec capture_finish(const graph_api *graphs, CUstream stream, CUresult copied,
                                  bitblas_status ran1, bitblas_status ran2, CUgraph *graph) {
  char error[512];
  snprintf(error, sizeof error, "%s", bitblas_last_error());
  const CUresult ended = graphs->end_capture(stream, graph);
  ck_assert_int_eq(copied, 0);
  ck_assert_msg(ran1 == BITBLAS_OK && ran2 == BITBLAS_OK, "under capture: %s", error);
  ck_assert_int_eq(ended, 0);
  CUgraphExec exec = NULL;
  ck_assert_int_eq(graphs->instantiate(&exec, *graph, 0), 0);
  return exec;
}

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
  bb_test_chain chain;
  bb_test_chain_make(&chain, &rng);
  const bb_cuda_api *cu = bb_test_cu();
  const int64_t m = chain.m;
  CUmodule module = NULL;
  CUfunction copy_words = NULL;
  ck_assert_int_eq(bb_test_copy_words_load(&module, &copy_words), 0);
  const size_t a_bytes = chain.host[0].A_bytes, c_bytes = chain.device[0].c_bytes;
  CUdeviceptr source = 0, c1 = 0;
  ck_assert_int_eq(cu->MemAlloc(&source, a_bytes), 0);
  ck_assert_int_eq(cu->MemAlloc(&c1, c_bytes), 0);
  const CUdeviceptr c2 = chain.device[1].C;

  CUstream stream = NULL;
  ck_assert_int_eq(cu->StreamCreate(&stream, BB_CU_STREAM_NON_BLOCKING), 0);
  bitblas_matmul_args first = bb_test_device_args(&chain.device[0], m);
  first.C = (void *)(uintptr_t)c1;
  bitblas_matmul_args second = bb_test_device_args(&chain.device[1], m);
  second.A = (const void *)(uintptr_t)c1;
  ck_assert_int_eq(graphs.begin_capture(stream, CAPTURE_MODE_THREAD_LOCAL), 0);
  const CUresult copied =
      bb_test_copy_words(copy_words, chain.device[0].A, source, a_bytes / 4, stream);
  const bitblas_status ran1 = bitblas_op_run(chain.op[0], &first, stream);
  const bitblas_status ran2 = bitblas_op_run(chain.op[1], &second, stream);
  CUgraph graph = NULL;
  CUgraphExec exec = capture_finish(&graphs, stream, copied, ran1, ran2, &graph);

  void *out1 = malloc(c_bytes), *out2 = malloc(c_bytes);
  ck_assert_ptr_nonnull(out1);
  ck_assert_ptr_nonnull(out2);
  for (int r = 0; r < REPLAYS; r++) {
    ck_assert_int_eq(bb_host_operands_remake_activations(&chain.cfg[0], m, &rng, &chain.host[0]),
                     BITBLAS_OK);
    ck_assert_int_eq(cu->MemcpyHtoD(source, chain.host[0].A, a_bytes), 0);
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, c1, 0x7f817f81u, c_bytes, NULL), 0);
    ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, c2, 0x7f817f81u, c_bytes, NULL), 0);
    ck_assert_int_eq(cu->CtxSynchronize(), 0);
    ck_assert_int_eq(graphs.launch(exec, stream), 0);
    ck_assert_int_eq(cu->StreamSynchronize(stream), 0);
    ck_assert_int_eq(cu->MemcpyDtoH(out1, c1, c_bytes), 0);
    ck_assert_int_eq(cu->MemcpyDtoH(out2, c2, c_bytes), 0);
    bb_test_chain_check(&chain, chain.host[0].A, out1, out2, "replay", r, &rng);
  }
  free(out1);
  free(out2);
  graphs.exec_destroy(exec);
  graphs.destroy(graph);
  cu->StreamDestroy(stream);
  cu->MemFree(source);
  cu->MemFree(c1);
  cu->ModuleUnload(module);
  bb_test_chain_free(&chain);
}
END_TEST

/* A BitNet b1.58 layer (2560 x 2560, m = 1) both ways in one graph: as two kernels (the row
 * quantizer into the workspace, then the product, its programmatic dependent) into y2, and as one
 * kernel into y1. The graph, captured once, is replayed REPLAYS times on fresh activations, the
 * outputs poisoned before each replay. Each replay's y1 and y2 are the bytes of a run of
 * bitblas_bitnet_run outside the graph on the same activations (the layer is exact up to its
 * last rounding, and its two forms have the same bytes), and that run matches the float64
 * reference on the reference quantizer's codes and scales. */
START_TEST(test_captured_bitnet_layer_replays_right) {
  use_fresh_cache("bitnet_graph");
  graph_api graphs;
  ck_assert_msg(graph_api_load(&graphs), "the driver's graph functions were not found");
  const bb_cuda_api *cu = bb_test_cu();
  const int64_t N = 2560, K = 2560, m = 1;
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, N, K);
  bitblas_context *ctx = NULL;
  ck_assert_int_eq(bitblas_context_create(0, &ctx), BITBLAS_OK);
  bitblas_op *op = NULL;
  ck_assert_msg(bitblas_op_get(ctx, &cfg, &op) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_msg(bb_op_fused_layer_runs(op, m, 1), "this layer has no one-kernel form at m = 1");

  /* Weights: ternary codes of random floats, packed and transformed; their scales. */
  float *W = malloc((size_t)(N * K) * sizeof *W);
  int8_t *q = malloc((size_t)(N * K));
  float *weight_scale = malloc((size_t)N * sizeof *weight_scale);
  const size_t packed_bytes = bitblas_weight_bytes(BITBLAS_DTYPE_INT2, N, K);
  void *packed = malloc(packed_bytes);
  ck_assert(W && q && weight_scale && packed);
  for (int64_t i = 0; i < N * K; i++) W[i] = (float)bb_rng_uniform(&rng, -0.02, 0.02);
  ck_assert_int_eq(bitblas_bitnet_weight_quantize(N, K, W, 0, NULL, q, weight_scale), BITBLAS_OK);
  ck_assert_int_eq(bitblas_weight_pack(BITBLAS_DTYPE_INT2, N, K, q, packed), BITBLAS_OK);
  CUdeviceptr W_device = 0, scale_device = 0, source = 0, x = 0, workspace = 0, y[3] = {0, 0, 0};
  ck_assert_int_eq(cu->MemAlloc(&W_device, bitblas_op_weight_bytes(op)), 0);
  ck_assert_msg(bitblas_op_transform_weight(op, packed, (void *)(uintptr_t)W_device, NULL) ==
                    BITBLAS_OK,
                "%s", bitblas_last_error());
  ck_assert_int_eq(cu->MemAlloc(&scale_device, (size_t)N * sizeof(float)), 0);
  ck_assert_int_eq(cu->MemcpyHtoD(scale_device, weight_scale, (size_t)N * sizeof(float)), 0);
  const size_t x_bytes = (size_t)(m * K) * 2, y_bytes = (size_t)(m * N) * 2;
  ck_assert_int_eq(cu->MemAlloc(&source, x_bytes), 0);
  ck_assert_int_eq(cu->MemAlloc(&x, x_bytes), 0);
  ck_assert_int_eq(cu->MemAlloc(&workspace, bitblas_bitnet_workspace_bytes(op, m)), 0);
  for (int i = 0; i < 3; i++) ck_assert_int_eq(cu->MemAlloc(&y[i], y_bytes), 0);

  /* The graph: the other library's copy of this replay's activations, then the layer twice. */
  CUmodule module = NULL;
  CUfunction copy_words = NULL;
  ck_assert_int_eq(bb_test_copy_words_load(&module, &copy_words), 0);
  CUstream stream = NULL;
  ck_assert_int_eq(cu->StreamCreate(&stream, BB_CU_STREAM_NON_BLOCKING), 0);
  bitblas_bitnet_args args = {m,
                              (const void *)(uintptr_t)x,
                              (const void *)(uintptr_t)W_device,
                              (const float *)(uintptr_t)scale_device,
                              NULL,
                              NULL,
                              (void *)(uintptr_t)workspace};
  bitblas_bitnet_args two = args, one = args;
  two.y = (void *)(uintptr_t)y[2];
  one.y = (void *)(uintptr_t)y[1];
  ck_assert_int_eq(graphs.begin_capture(stream, CAPTURE_MODE_THREAD_LOCAL), 0);
  const CUresult copied = bb_test_copy_words(copy_words, x, source, x_bytes / 4, stream);
  const bitblas_status ran2 = bb_bitnet_run_path(op, &two, BB_BITNET_TWO_KERNELS, stream);
  const bitblas_status ran1 = bb_bitnet_run_path(op, &one, BB_BITNET_ONE_KERNEL, stream);
  CUgraph graph = NULL;
  CUgraphExec exec = capture_finish(&graphs, stream, copied, ran1, ran2, &graph);

  uint16_t *x_host = malloc(x_bytes);
  int8_t *x_q = malloc((size_t)(m * K));
  float a_scale[1];
  void *out[3] = {malloc(y_bytes), malloc(y_bytes), malloc(y_bytes)};
  ck_assert(x_host && x_q && out[0] && out[1] && out[2]);
  for (int r = 0; r < REPLAYS; r++) {
    for (int64_t k = 0; k < m * K; k++)
      bb_element_write(BITBLAS_DTYPE_FLOAT16, x_host, (size_t)k, bb_rng_uniform(&rng, -2.0, 2.0));
    ck_assert_int_eq(cu->MemcpyHtoD(source, x_host, x_bytes), 0);
    for (int i = 0; i < 3; i++)
      ck_assert_int_eq(bb_cuda_fill_pattern32_async(cu, y[i], 0x7f817f81u, y_bytes, NULL), 0);
    ck_assert_int_eq(cu->CtxSynchronize(), 0);
    ck_assert_int_eq(graphs.launch(exec, stream), 0);
    /* The same layer outside the graph, after the replay on the same stream (so on its x). */
    bitblas_bitnet_args direct = args;
    direct.y = (void *)(uintptr_t)y[0];
    ck_assert_msg(bitblas_bitnet_run(op, &direct, stream) == BITBLAS_OK, "%s",
                  bitblas_last_error());
    ck_assert_int_eq(cu->StreamSynchronize(stream), 0);
    for (int i = 0; i < 3; i++) ck_assert_int_eq(cu->MemcpyDtoH(out[i], y[i], y_bytes), 0);
    ck_assert_msg(memcmp(out[1], out[0], y_bytes) == 0, "replay %d: one kernel in the graph", r);
    ck_assert_msg(memcmp(out[2], out[0], y_bytes) == 0, "replay %d: two kernels in the graph", r);

    ck_assert_int_eq(
        bitblas_reference_activation_quantize(BITBLAS_DTYPE_FLOAT16, m, K, x_host, x_q, a_scale),
        BITBLAS_OK);
    const bitblas_matmul_args reference = {m, x_q, packed, weight_scale, NULL, NULL, a_scale, NULL};
    const bb_test_check check = bb_test_compare(&cfg, &reference, out[0], &rng);
    ck_assert_msg(check.ran, "replay %d: %s", r, check.message);
    ck_assert_msg(check.relative_error <= bb_test_tolerance(&cfg), "replay %d: relative error %g",
                  r, check.relative_error);
  }
  for (int i = 0; i < 3; i++) {
    free(out[i]);
    cu->MemFree(y[i]);
  }
  free(x_host);
  free(x_q);
  graphs.exec_destroy(exec);
  graphs.destroy(graph);
  cu->StreamDestroy(stream);
  cu->ModuleUnload(module);
  cu->MemFree(W_device);
  cu->MemFree(scale_device);
  cu->MemFree(source);
  cu->MemFree(x);
  cu->MemFree(workspace);
  free(W);
  free(q);
  free(weight_scale);
  free(packed);
  bitblas_op_release(op);
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
  tcase_add_test(tc, test_captured_bitnet_layer_replays_right);
  suite_add_tcase(suite, tc);
  const int failed = bb_test_run_suite_in_process(suite);
  bb_test_remove_tree(temp_dir);
  return failed;
}
