/*
 * launch.h - one place that loads and launches a bitblas kernel: parameters in the order every
 * family's bitblas_kernel takes them, grid and block from the schedule; and the row quantizer
 * that rides in the modules of int8 operators.
 */
#ifndef BITBLAS_LAUNCH_H
#define BITBLAS_LAUNCH_H

#include "bitblas.h"
#include "cuda_driver.h"
#include "schedule.h"

/* Device pointers (as CUdeviceptr) of one run; given_sums is bb_product_launch's to set (0
 * otherwise). */
typedef struct bb_launch_args {
  CUdeviceptr A, W, scales, zeros, bias, a_scale, C;
  int m;
  CUdeviceptr given_sums;
} bb_launch_args;

/* Loads a cubin as a module and finds its kernel; the context must be current. On failure
 * nothing stays loaded (*module is NULL). Returns the CUresult of the first failing call. */
CUresult bb_function_load(const bb_cuda_api *cu, const void *cubin, CUmodule *module,
                          CUfunction *function);

/* A product's kernel and what its launch needs beside it. */
typedef struct bb_product {
  CUfunction kernel;
  /* schedules with given_sums: the module's bitblas_act_sums and the device's pool
   * (workspace.h); else NULL */
  CUfunction act_sums;
  CUmemoryPool workspace;
  int dependent_launch; /* the device takes programmatic dependent launches (sm_90 and later) */
  int dependent_runs;   /* each run's first kernel is launched as the programmatic dependent of
                           the kernel before it (bb_launch_runs_dependent) */
} bb_product;

/* The kernel that fills a product's given sums (kernel_src/tcgemv.cu), in the same module. */
#define BB_ACT_SUMS_NAME "bitblas_act_sums"

/* Fills *product for `kernel`, loaded from `module` for `schedule` and cfg: lets the kernel take
 * its dynamic shared memory where it has any (bb_schedule_dynamic_shared), finds
 * bitblas_act_sums and the device's workspace pool where the schedule takes given sums, asks the
 * current context's device whether it takes dependent launches, and settles whether runs are
 * launched as dependents (bb_launch_runs_dependent). The context must be current. Returns the
 * first failing CUresult (a device that cannot give the shared memory fails here). */
CUresult bb_product_find(const bb_cuda_api *cu, CUmodule module, CUfunction kernel,
                         const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                         bb_product *product);

/* The rows of A a launch for m rows covers (its blocks along M x the rows of each), which is
 * the rows of its given sums. */
int64_t bb_launch_rows(const bb_schedule *schedule, const bitblas_matmul_config *cfg, int64_t m);

/* The workspace bytes of one run of m rows: float32 sums per group and covered row
 * (bb_launch_rows) where the schedule takes given sums; else 0. */
size_t bb_given_sums_bytes(const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                           int64_t m);

/* Enqueues one product on stream: bb_launch of product->kernel; where the schedule takes given
 * sums, first bitblas_act_sums into workspace memory of this run (product->workspace), taken before
 * it and handed back after the product, the product then launched as its dependent where the device
 * allows. The first kernel is launched as the programmatic dependent of the kernel before it in the
 * stream with after_producer (as bb_launch's; schedules with given sums have none: float16
 * activations come from no quantizer) or product->dependent_runs. The context must be current.
 * Returns the first failing CUresult; the workspace is handed back whatever failed after it was
 * taken. */
CUresult bb_product_launch(const bb_cuda_api *cu, const bb_product *product,
                           const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                           const bb_launch_args *args, CUstream stream, int after_producer);

/* The row quantizer (kernel_src/quantize_rows.cu) that modules of configs with
 * bb_config_quantizes_rows also hold. */
#define BB_ROW_QUANTIZER_NAME "bitblas_quantize_rows"

/* Finds the row quantizer in a loaded module; the context must be current. */
CUresult bb_row_quantizer_find(const bb_cuda_api *cu, CUmodule module, CUfunction *function);

/* Enqueues the row quantizer on stream for m rows: x [m, K] of the config's output type ->
 * x_q [m, K] int8 and a_scale [m] float32; with `programmatic` (the product's dependent_runs) as
 * the dependent of the kernel before it, where the driver can. The context must be current.
 * Returns the CUresult. */
CUresult bb_row_quantizer_launch(const bb_cuda_api *cu, CUfunction function, int m, CUdeviceptr x,
                                 CUdeviceptr x_q, CUdeviceptr a_scale, CUstream stream,
                                 int programmatic);

/* The BitNet layer in one kernel: tcgemv_int8 modules of configs that quantize their rows also
 * hold bitblas_quantize_and_multiply (kernel_src/tcgemv_int8.cu), whose blocks quantize the rows
 * of x they multiply into shared memory themselves: no second kernel, no wait for one. Every
 * block reads its rows of x whole (the largest magnitude needs all of K) before it multiplies,
 * so it pays only while those reads are few (bb_fused_layer_fits). */
#define BB_FUSED_LAYER_NAME "bitblas_quantize_and_multiply"

/* Whether a module of `schedule` for cfg holds the one-kernel layer: a tcgemv_int8 schedule, a
 * config that quantizes its rows, and rows of at least 32 loads of x (K >= 256 for 16-bit
 * activations, 128 for float32), so that the 32 loads of one warp step touch at most two rows. */
int bb_fused_layer_in_module(const bb_schedule *schedule, const bitblas_matmul_config *cfg);

/* The most dynamic shared memory the one-kernel layer may take per block; set on the kernel
 * when its module is loaded (bb_fused_layer_find). */
#define BB_FUSED_LAYER_SHARED_MAX (96 * 1024)

/* The one-kernel layer's dynamic shared memory for m rows: the block's rows of codes,
 * min(m, 8 * m_tiles) of them, K + 16 bytes apart (BB_FUSED_PITCH in quantize_rows.cu). */
size_t bb_fused_layer_shared_bytes(const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                                   int64_t m);

/* Whether the one-kernel layer can run m rows on a kernel of `schedule`: its module holds it
 * (bb_fused_layer_in_module) and the rows' codes fit BB_FUSED_LAYER_SHARED_MAX. */
int bb_fused_layer_can_run(const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                           int64_t m);

/* Whether bitblas_bitnet_run takes the one-kernel layer for m rows on a kernel of `schedule`:
 * one that can run them (bb_fused_layer_can_run), and whose blocks, each quantizing all m rows
 * of x for itself, write at most BB_FUSED_LAYER_AUTO_BYTES of codes in all (blocks along N x m
 * x (K + 16) bytes; each block reads as many rows of x). On an H200 (bench/RESULTS.md,
 * twenty-second section) the one kernel was 0.1-1.0 µs faster than the quantizer and the
 * product up to 1.24 MB of such codes; from 1.58 MB up it was slower, by 0.03-107 µs, and it
 * stayed slower on such layers when each block took several blocks of rows of W in turn
 * (quantizing x once per resident block). */
#define BB_FUSED_LAYER_AUTO_BYTES (1280 * 1024)
int bb_fused_layer_fits(const bb_schedule *schedule, const bitblas_matmul_config *cfg, int64_t m);

/* Finds the one-kernel layer in a loaded module that holds it (bb_fused_layer_in_module) and
 * lets it take BB_FUSED_LAYER_SHARED_MAX bytes of dynamic shared memory; the context must be
 * current. *function stays NULL where the device cannot give that much shared memory (the
 * layer then runs as two kernels); a failed lookup is returned. */
CUresult bb_fused_layer_find(const bb_cuda_api *cu, CUmodule module, CUfunction *function);

/* Enqueues the one-kernel layer on stream: x [m, K] of the config's output type, the product's
 * W, weight scales and bias, y [m, N]; grid and block from the schedule; with `programmatic` (the
 * product's dependent_runs) as the dependent of the kernel before it, where the driver can. The
 * caller has checked that its shared memory is at most BB_FUSED_LAYER_SHARED_MAX. The context
 * must be current. Returns the CUresult. */
CUresult bb_fused_layer_launch(const bb_cuda_api *cu, CUfunction function,
                               const bb_schedule *schedule, const bitblas_matmul_config *cfg, int m,
                               CUdeviceptr x, CUdeviceptr W, CUdeviceptr weight_scale,
                               CUdeviceptr bias, CUdeviceptr y, CUstream stream, int programmatic);

/* Whether a kernel of `schedule` that follows the row quantizer on a device of compute capability
 * `compute_major`.x is launched as the quantizer's programmatic dependent (bb_launch's
 * after_producer): on 9.0 and later, for every family but the tiled ones (mma, wgmma). Their blocks
 * are few and long: launched while the quantizer's blocks still held part of the SMs, they were
 * placed unevenly, and on an H200 at M = 256 five of eight Llama-3 layers took 1.28-1.76 times as
 * long as the quantizer and the product launched one after the other; at M = 1024 and 8192 the
 * dependent launch gained nothing (bench/RESULTS.md, twenty-first section). */
int bb_launch_follows_quantizer(int compute_major, const bb_schedule *schedule);

/* Whether a BITBLAS_DEPENDENT_LAUNCH value turns dependent runs on: "1" only. */
int bb_dependent_launch_setting(const char *value);

/* Dependent runs, the process's setting: BITBLAS_DEPENDENT_LAUNCH as the first call found it
 * (bb_dependent_launch_setting), kept for the life of the process. With it, every kernel the
 * emitter writes waits for the kernels before it and lets the next one launch
 * (BB_DEPENDENT_LAUNCH: kernel_src/common.cuh), and its cache rows are its own (the source
 * hash covers the setting). Off by default: those instructions made some kernels slower when
 * run alone (bench/RESULTS.md, twenty-ninth section). */
int bb_dependent_launch_enabled(void);

/* Whether each run of `schedule`'s kernels on a device of compute capability `compute_major`.x
 * is launched as the programmatic dependent of whatever kernel is before it in the stream:
 * where dependent runs are `enabled`, by the rule of bb_launch_follows_quantizer. Its blocks
 * are then placed, and their launch done, while that kernel ends; on an H200 the four layers of
 * a Llama-3 block run back to back took 1-8 % less time (bench/RESULTS.md, twenty-ninth
 * section). */
int bb_launch_runs_dependent(int enabled, int compute_major, const bb_schedule *schedule);

/* Enqueues the kernel on stream; the context must be current. Returns the CUresult. With
 * `programmatic` (the row quantizer, bitblas_act_sums or, with dependent runs, any kernel just
 * ahead of it in the stream) the kernel is launched as a programmatic dependent of that kernel
 * where the driver can (cuLaunchKernelEx): its blocks start while that kernel runs and wait for
 * it (griddepcontrol.wait) before they read what it writes. */
CUresult bb_launch(const bb_cuda_api *cu, CUfunction function, const bb_schedule *schedule,
                   const bitblas_matmul_config *cfg, const bb_launch_args *args, CUstream stream,
                   int programmatic);

#endif
