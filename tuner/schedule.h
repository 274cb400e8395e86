/*
 * schedule.h - a candidate schedule: which kernel family and which tile/unroll parameters.
 * Here: its readable text (stored in the cache and parsed back), its launch dimensions, the
 * candidate list for a config, and the CUDA source the emitter writes for it.
 */
#ifndef BITBLAS_SCHEDULE_H
#define BITBLAS_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

typedef enum bb_family {
  BB_FAMILY_GEMV = 0,        /* kernel_src/gemv.cu: CUDA cores, small M, every format */
  BB_FAMILY_MMA = 1,         /* kernel_src/mma.cu: tensor cores, tiled, float16/bfloat16 A */
  BB_FAMILY_TCGEMV = 2,      /* kernel_src/tcgemv.cu: tensor cores from registers, M <= 64,
                                16-bit float A, integer weights of 1/2/4/8 bits, NF4, FP4 and
                                float8 (bb_tcgemv_fits) */
  BB_FAMILY_TCGEMV_INT8 = 3, /* kernel_src/tcgemv_int8.cu: the same for int8 A, exact int32 */
  BB_FAMILY_WGMMA = 4,       /* kernel_src/wgmma.cu: tensor cores, tiled, warpgroup mma from
                                shared memory; sm_90 only (bb_candidates_enumerate_for) */
  BB_FAMILY_COUNT
} bb_family;

typedef struct bb_schedule {
  bb_family family;
  /* gemv */
  int warps;         /* warps per block */
  int rows_per_warp; /* rows of W per warp */
  int m_tile;        /* rows of A per block */
  int unroll;        /* chunks in flight per lane */
  int chunk_elems;   /* weights per chunk (derived from the config; stored for readability) */
  /* mma and wgmma */
  int block_m, block_n, block_k;
  int warps_m, warps_n;   /* mma: warp grid */
  int groups_m, groups_n; /* wgmma: warpgroup grid (block_m = 64 x groups_m) */
  /* tcgemv and tcgemv_int8 (also use warps and unroll; post_scale is tcgemv's only) */
  int n_tiles;      /* 16-row tiles of W per block */
  int m_tiles;      /* 8-row tiles of A per block */
  int lane_words;   /* 32-bit words of codes per lane, row and segment: 4 or 2 */
  int post_scale;   /* 1: scales and zeros applied to float32 sums after the mma */
  int stages;       /* tcgemv: register pipeline stages, 2 to 4: loads run stages - 1 ahead;
                       mma: tiles of A in shared memory, 2 to 4, or 0 for as many as fit beside
                       the two W tiles in 48 KiB of static shared memory (kernel_src/mma.cu);
                       wgmma: tiles of A in shared memory, 2 to 4 */
  int lane_order;   /* tcgemv: 1 when the four lanes of a row trade words so that each word's
                       activations are one contiguous run (words 2 or 4); 2 when the weights
                       were stored in that order (bb_config_weight_order); 0 the loaded order */
  int min_blocks;   /* tcgemv: blocks per SM that ptxas must fit (the registers it may use follow
                       from it: __launch_bounds__'s second argument); 0: no such bound */
  int given_sums;   /* tcgemv with post_scale: 1 when the activations' sums per group come from a
                       small kernel run before the product (bitblas_act_sums, into a workspace of
                       the run: tuner/launch.h) instead of an mma per block */
  int shared_pairs; /* tcgemv with 4-bit table codes (NF4, FP4): 1 when pairs of codes are
                       looked up in a table of their values in shared memory instead of in
                       registers (kernel_src/tcgemv.cu, BB_SHARED_PAIRS) */
} bb_schedule;

/* Room for the longest candidate list (32 today: M <= 8 with float16 A) and for experiments
 * that time more schedules side by side. */
#define BB_MAX_CANDIDATES 48

/* Readable, parseable text: "gemv warps=4 rows=2 m_tile=1 unroll=2 chunk=32",
 * "mma bm=64 bn=128 bk=32 warps=2x2" (with " stages=N" after it where stages is set) or
 * "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3" or
 * "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=0" (with
 * " sums=given" after it where given_sums is set, " pairs=shared" where shared_pairs is, then
 * " blocks=2" where min_blocks is) or
 * "tcgemv_int8 warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 stages=2".
 * Returns snprintf's count. */
int bb_schedule_format(const bb_schedule *schedule, char *buf, size_t size);

/* Parses bb_schedule_format's text. BITBLAS_INVALID_ARGUMENT on anything else. */
bitblas_status bb_schedule_parse(const char *text, bb_schedule *schedule);

/* Threads per block of a schedule. */
int bb_schedule_threads(const bb_schedule *schedule);

/* Grid for m rows of A and the config's N. */
void bb_schedule_grid(const bb_schedule *schedule, const bitblas_matmul_config *cfg, int64_t m,
                      unsigned grid[3]);

/* The most static shared memory a block may have; an mma schedule's tiles past it are dynamic
 * shared memory. */
#define BB_MMA_STATIC_SHARED_MAX (48 * 1024)

/* The most shared memory an mma schedule's tiles may take per block: what every device from
 * sm_80 on can give a block as dynamic shared memory (sm_86 and sm_89: 99 KiB). */
#define BB_MMA_SHARED_MAX (96 * 1024)

/* The most shared memory a wgmma schedule's tiles may take per block: what sm_90 gives a block
 * (227 KiB). */
#define BB_WGMMA_SHARED_MAX (227 * 1024)

/* The bytes of a wgmma schedule's shared tiles for cfg: its stages of A's tile and two of W's,
 * each row BK activations (2 bytes, or 1 for int8 A), unpadded (kernel_src/wgmma.cu). */
size_t bb_wgmma_shared_bytes(const bb_schedule *schedule, const bitblas_matmul_config *cfg);

/* The bytes of an mma schedule's shared tiles for cfg with `a_stages` tiles of A: those and two
 * tiles of W, each row BK activations (2 bytes, or 1 for int8 A) and 16 bytes of padding
 * (kernel_src/mma.cu). */
size_t bb_mma_shared_bytes(const bb_schedule *schedule, const bitblas_matmul_config *cfg,
                           int a_stages);

/* The dynamic shared memory a launch of the schedule for cfg takes: a wgmma schedule's tiles
 * (bb_wgmma_shared_bytes), and an mma schedule's with its stages set where they take more than
 * 48 KiB (bb_mma_shared_bytes); 0 for every other schedule, whose shared memory is static. */
size_t bb_schedule_dynamic_shared(const bb_schedule *schedule, const bitblas_matmul_config *cfg);

/* The gemv chunk size for a config: the largest power of two <= 128 / bits that divides K and
 * the group and is a multiple of 8. */
int bb_gemv_chunk_elems(const bitblas_matmul_config *cfg);

/* A rough relative measure of NVRTC's work for a schedule (how much of the kernel is unrolled:
 * tiles, segments and words per stage), for starting the longest compiles first. */
int bb_schedule_compile_cost(const bb_schedule *schedule);

/* The order to start compiling `count` schedules in: indices into schedules, highest
 * bb_schedule_compile_cost first, ties in list order. */
void bb_schedules_compile_order(const bb_schedule *schedules, int count, int *order);

/* Fills `out` (room for BB_MAX_CANDIDATES) with the candidate schedules for cfg at static M that
 * every device from sm_80 runs, best guesses first. Returns the count (>= 1 for any valid
 * config). Deterministic. */
int bb_candidates_enumerate(const bitblas_matmul_config *cfg, bb_schedule *out);

/* The same list for a device of compute capability `arch` (major x 10 + minor), followed by the
 * schedules only that device runs: on 9.0 three tiles of the wgmma family (bb_wgmma_fits). The
 * tuner and its worker enumerate the same list for the same device. */
int bb_candidates_enumerate_for(const bitblas_matmul_config *cfg, int arch, bb_schedule *out);

/* Whether the wgmma family can run cfg: float16 or bfloat16 A with weights of 1 to 8 bits (not
 * plain float ones), or int8 A with integer weights and K a multiple of 16. */
int bb_wgmma_fits(const bitblas_matmul_config *cfg);

/* Whether a tcgemv schedule with `lane_words` words per lane (4, 2 or 1), `post_scale` and
 * `lane_order` can run cfg: float16 A with an integer weight format of 1, 2, 4 or 8 bits, or
 * with codes that stand for values (NF4, FP4, float8; without post_scale only), or bfloat16 A
 * with integer codes of 1, 2 or 4 bits or table codes (without post_scale only), K a multiple
 * of the segment (128 * lane_words / b elements), and the group
 *  - in the loaded order (lane_order 0): a multiple of one lane's k (32 * lane_words / b) or,
 *    with post_scale, of the whole segment;
 *  - with traded words (lane_order 1 or 2, lane_words 2 or 4): a multiple of the segment or,
 *    with 4 words per lane, half of it (bb_weight_order_groups_fit). */
int bb_tcgemv_fits(const bitblas_matmul_config *cfg, int lane_words, int post_scale,
                   int lane_order);

/* Whether a tcgemv schedule for cfg may take given sums (given_sums): scales after the mma,
 * groups shorter than the row, and weights whose dequantized value has a term that multiplies
 * the activations' sum per group (zeros, or signed codes, which are stored offset binary). */
int bb_tcgemv_given_sums_fit(const bitblas_matmul_config *cfg, const bb_schedule *schedule);

/* Whether a tcgemv_int8 schedule with `lane_words` words per lane (4 or 2) can run cfg: int8 A,
 * an integer weight format of 1, 2, 4 or 8 bits, K a multiple of the segment
 * (128 * lane_words / b elements). */
int bb_tcgemv_int8_fits(const bitblas_matmul_config *cfg, int lane_words);

/* The default schedule (the first candidate), for "tuned is never slower than default". */
bb_schedule bb_schedule_default(const bitblas_matmul_config *cfg);

/* Fault injection for the tuner's tests: 0 none, 1 trap, 2 spin forever. */
typedef enum bb_fault { BB_FAULT_NONE = 0, BB_FAULT_TRAP = 1, BB_FAULT_HANG = 2 } bb_fault;

/* The complete CUDA source of one candidate (a #define block, common.cuh,
 * kernel_src/quantize_rows.cu where bb_config_quantizes_rows, tile_units.cuh for the tiled
 * families, and the family's file).
 * malloc'd; the caller frees. NULL with BITBLAS_OUT_OF_MEMORY set on failure. */
char *bb_emit_source(const bitblas_matmul_config *cfg, const bb_schedule *schedule, bb_fault fault);

/* The same for the process's setting of dependent runs or not (bb_dependent_launch_enabled,
 * tuner/launch.h) given: with `dependent_launch` the #define block also sets
 * BB_DEPENDENT_LAUNCH (kernel_src/common.cuh). */
char *bb_emit_source_for(const bitblas_matmul_config *cfg, const bb_schedule *schedule,
                         bb_fault fault, int dependent_launch);

/* The kernel's entry point name in every family. */
#define BB_KERNEL_NAME "bitblas_kernel"

/* 16 hex digits hashing every kernel template, the emitter version, the compile options and the
 * process's setting of dependent runs (bb_dependent_launch_enabled): part of every cache key.
 * Computed once. */
const char *bb_source_hash(void);

/* The same hash for the setting given, into out (16 digits and a NUL). */
void bb_source_hash_for(int dependent_launch, char out[17]);

#endif
