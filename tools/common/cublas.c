/*
 * cublas.c - cuBLAS through dlopen for the benchmark's baselines (see cublas.h). The few types
 * and constants below are cuBLAS's and CUDA's stable ABI values (cublas_api.h, library_types.h),
 * declared here so that building needs no CUDA toolkit.
 *
 * Layout: bitblas computes row-major C[M, N] = A[M, K] . B[N, K]^T. cuBLAS is column-major, and a
 * row-major [R, C] matrix is a column-major [C, R] one, so we ask cuBLAS for the column-major
 * C^T[N, M] = op(B) . op(A) with op(B) = transpose of B seen as column-major [K, N] (lda = K) and
 * op(A) = A seen as column-major [K, M] (ldb = K): transa = T, transb = N, m = N, n = M, k = K,
 * ldc = N. This "TN" form is also the one cuBLAS's int8 path requires.
 */
#include "cublas.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

typedef int cublas_status;                   /* cublasStatus_t */
typedef struct cublasContext *cublas_handle; /* cublasHandle_t */

enum {
  CUBLAS_STATUS_SUCCESS_ = 0,
  CUBLAS_OP_N_ = 0,
  CUBLAS_OP_T_ = 1,
  CUDA_R_16F_ = 2,
  CUDA_R_8I_ = 3,
  CUDA_R_32I_ = 10,
  CUBLAS_COMPUTE_32F_ = 68,
  CUBLAS_COMPUTE_32I_ = 72,
  CUBLAS_GEMM_DEFAULT_ = -1,
};

typedef cublas_status (*cublas_create_fn)(cublas_handle *handle);
typedef cublas_status (*cublas_destroy_fn)(cublas_handle handle);
typedef cublas_status (*cublas_set_stream_fn)(cublas_handle handle, CUstream stream);
typedef cublas_status (*cublas_get_version_fn)(cublas_handle handle, int *version);
typedef const char *(*cublas_status_string_fn)(cublas_status status);
typedef cublas_status (*cublas_gemm_ex_fn)(cublas_handle handle, int transa, int transb, int m,
                                           int n, int k, const void *alpha, const void *A,
                                           int A_type, int lda, const void *B, int B_type, int ldb,
                                           const void *beta, void *C, int C_type, int ldc,
                                           int compute_type, int algorithm);

struct bb_tool_cublas {
  void *library;
  cublas_handle handle;
  cublas_create_fn create;
  cublas_destroy_fn destroy;
  cublas_set_stream_fn set_stream;
  cublas_get_version_fn get_version;
  cublas_status_string_fn status_string; /* may be NULL on old versions */
  cublas_gemm_ex_fn gemm_ex;
  char description[128];
};

static const char *status_text(const bb_tool_cublas *cublas, cublas_status status) {
  const char *text = cublas->status_string ? cublas->status_string(status) : NULL;
  return text ? text : "unknown cuBLAS status";
}

static void *load_symbol(void *library, const char *name, const char *path, int *failed) {
  void *symbol = dlsym(library, name);
  if (!symbol && !*failed) *failed = bb_tool_fail("%s has no symbol %s", path, name);
  return symbol;
}

bb_tool_cublas *bb_tool_cublas_open(CUstream stream) {
  const char *override = getenv("BITBLAS_LIBCUBLAS");
  const char *candidates[] = {override && *override ? override : NULL, "libcublas.so.13",
                              "libcublas.so.12", "libcublas.so"};
  char tried[1024] = "";
  size_t used = 0;
  void *library = NULL;
  const char *path = NULL;
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && !library; i++) {
    if (!candidates[i]) continue;
    library = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    if (library) {
      path = candidates[i];
    } else if (used < sizeof tried) {
      const char *why = dlerror();
      used += (size_t)snprintf(tried + used, sizeof tried - used, "%s%s", used ? "; " : "",
                               why ? why : candidates[i]);
    }
  }
  if (!library) {
    bb_tool_fail("cuBLAS not available: %s", tried);
    return NULL;
  }
  bb_tool_cublas *cublas = calloc(1, sizeof *cublas);
  if (!cublas) {
    dlclose(library);
    bb_tool_fail("out of memory");
    return NULL;
  }
  cublas->library = library;
  int failed = 0;
  *(void **)&cublas->create = load_symbol(library, "cublasCreate_v2", path, &failed);
  *(void **)&cublas->destroy = load_symbol(library, "cublasDestroy_v2", path, &failed);
  *(void **)&cublas->set_stream = load_symbol(library, "cublasSetStream_v2", path, &failed);
  *(void **)&cublas->get_version = load_symbol(library, "cublasGetVersion_v2", path, &failed);
  *(void **)&cublas->gemm_ex = load_symbol(library, "cublasGemmEx", path, &failed);
  *(void **)&cublas->status_string = dlsym(library, "cublasGetStatusString");
  if (failed) goto fail;

  cublas_status status = cublas->create(&cublas->handle);
  if (status != CUBLAS_STATUS_SUCCESS_) {
    bb_tool_fail("cublasCreate failed: %s (%d)", status_text(cublas, status), status);
    cublas->handle = NULL;
    goto fail;
  }
  status = cublas->set_stream(cublas->handle, stream);
  if (status != CUBLAS_STATUS_SUCCESS_) {
    bb_tool_fail("cublasSetStream failed: %s (%d)", status_text(cublas, status), status);
    goto fail;
  }
  int version = 0;
  cublas->get_version(cublas->handle, &version);
  snprintf(cublas->description, sizeof cublas->description, "%s (version %d)", path, version);
  return cublas;
fail:
  bb_tool_cublas_close(cublas);
  return NULL;
}

void bb_tool_cublas_close(bb_tool_cublas *cublas) {
  if (!cublas) return;
  if (cublas->handle) cublas->destroy(cublas->handle);
  if (cublas->library) dlclose(cublas->library);
  free(cublas);
}

const char *bb_tool_cublas_describe(const bb_tool_cublas *cublas) { return cublas->description; }

static int check_sizes(const char *what, int64_t M, int64_t N, int64_t K) {
  if (M < 1 || N < 1 || K < 1 || M > INT_MAX || N > INT_MAX || K > INT_MAX)
    return bb_tool_fail("%s: M=%lld N=%lld K=%lld: each must be between 1 and %d", what,
                        (long long)M, (long long)N, (long long)K, INT_MAX);
  return 0;
}

int bb_tool_cublas_gemm_f16(bb_tool_cublas *cublas, int64_t M, int64_t N, int64_t K, CUdeviceptr A,
                            CUdeviceptr B, CUdeviceptr C) {
  if (check_sizes("cuBLAS float16 GEMM", M, N, K) != 0) return -1;
  const float alpha = 1.0f, beta = 0.0f;
  cublas_status status =
      cublas->gemm_ex(cublas->handle, CUBLAS_OP_T_, CUBLAS_OP_N_, (int)N, (int)M, (int)K, &alpha,
                      (const void *)(uintptr_t)B, CUDA_R_16F_, (int)K, (const void *)(uintptr_t)A,
                      CUDA_R_16F_, (int)K, &beta, (void *)(uintptr_t)C, CUDA_R_16F_, (int)N,
                      CUBLAS_COMPUTE_32F_, CUBLAS_GEMM_DEFAULT_);
  if (status != CUBLAS_STATUS_SUCCESS_)
    return bb_tool_fail("cublasGemmEx (float16, M=%lld N=%lld K=%lld) failed: %s (%d)",
                        (long long)M, (long long)N, (long long)K, status_text(cublas, status),
                        status);
  return 0;
}

int bb_tool_cublas_gemm_i8(bb_tool_cublas *cublas, int64_t M, int64_t N, int64_t K, CUdeviceptr A,
                           CUdeviceptr B, CUdeviceptr C) {
  if (check_sizes("cuBLAS int8 GEMM", M, N, K) != 0) return -1;
  if (K % 4 != 0 || N % 4 != 0)
    return bb_tool_fail("cuBLAS int8 GEMM: K=%lld and N=%lld must be multiples of 4", (long long)K,
                        (long long)N);
  const int32_t alpha = 1, beta = 0;
  cublas_status status =
      cublas->gemm_ex(cublas->handle, CUBLAS_OP_T_, CUBLAS_OP_N_, (int)N, (int)M, (int)K, &alpha,
                      (const void *)(uintptr_t)B, CUDA_R_8I_, (int)K, (const void *)(uintptr_t)A,
                      CUDA_R_8I_, (int)K, &beta, (void *)(uintptr_t)C, CUDA_R_32I_, (int)N,
                      CUBLAS_COMPUTE_32I_, CUBLAS_GEMM_DEFAULT_);
  if (status != CUBLAS_STATUS_SUCCESS_)
    return bb_tool_fail("cublasGemmEx (int8, M=%lld N=%lld K=%lld) failed: %s (%d)", (long long)M,
                        (long long)N, (long long)K, status_text(cublas, status), status);
  return 0;
}
