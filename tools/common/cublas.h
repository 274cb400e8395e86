/*
 * cublas.h - cuBLAS as the baseline of the benchmark, loaded with dlopen at run time (no cuBLAS
 * headers or library at build time): the float16 GEMM with float32 compute and the int8 GEMM
 * with int32 results, both in bitblas's "nt" layout. Nothing else of cuBLAS is wrapped.
 */
#ifndef BITBLAS_TOOL_CUBLAS_H
#define BITBLAS_TOOL_CUBLAS_H

#include <stdint.h>

#include "cuda_driver.h"

typedef struct bb_tool_cublas bb_tool_cublas;

/* Loads cuBLAS ($BITBLAS_LIBCUBLAS, else libcublas.so.13, libcublas.so.12, libcublas.so) and
 * creates a handle bound to `stream`. The CUDA context the handle should use (the device's
 * primary context) must be current on the calling thread, and stay current for every call.
 * Returns the handle, or NULL with bb_tool_error() naming what was tried and why it failed. */
bb_tool_cublas *bb_tool_cublas_open(CUstream stream);

/* Destroys the handle and unloads the library. NULL is a no-op. */
void bb_tool_cublas_close(bb_tool_cublas *cublas);

/* The file that was loaded and cuBLAS's version, e.g. "libcublas.so.13 (version 130100)". */
const char *bb_tool_cublas_describe(const bb_tool_cublas *cublas);

/* Enqueues C[M, N] = A[M, K] . B[N, K]^T with A, B, C float16 row-major device matrices and
 * float32 accumulation (cublasGemmEx, CUBLAS_COMPUTE_32F). Returns without waiting. 0, or -1
 * with the message (cuBLAS's status string). M, N, K must fit an int. */
int bb_tool_cublas_gemm_f16(bb_tool_cublas *cublas, int64_t M, int64_t N, int64_t K, CUdeviceptr A,
                            CUdeviceptr B, CUdeviceptr C);

/* As bb_tool_cublas_gemm_f16 with A, B int8 and C int32 (CUBLAS_COMPUTE_32I, exact sums).
 * cuBLAS's int8 path needs K (the leading dimension of A and B) and N (that of C) to be multiples
 * of 4; other shapes return -1 with a message saying so, without calling cuBLAS. */
int bb_tool_cublas_gemm_i8(bb_tool_cublas *cublas, int64_t M, int64_t N, int64_t K, CUdeviceptr A,
                           CUdeviceptr B, CUdeviceptr C);

#endif
