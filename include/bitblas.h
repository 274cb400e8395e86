/*
 * bitblas.h - the public interface of bitblas: mixed-precision matrix products
 *   C[M, N] = A[M, K] . dequant(W)[N, K]^T (+ bias[N])
 * with low-bit weights, run by kernels that bitblas writes, compiles with NVRTC, tunes on the
 * GPU in front of it and keeps in an SQLite cache. This header is also the reference manual:
 * every function states what it needs, what it returns, who owns what and what happens on error.
 *
 * Conventions:
 *  - Every call that can fail returns a bitblas_status; BITBLAS_OK is 0, failures are negative.
 *    bitblas_last_error() then holds the words (field, value, rule; NVRTC log; CUDA call).
 *  - Outputs come last; a pointer output is set to NULL on failure.
 *  - Releasing or destroying NULL is a harmless no-op.
 *  - The library never prints unless BITBLAS_LOG=warn|info|debug is set, and never exits or
 *    aborts.
 *  - Contexts and operators belong to the process that made them: do not use them in a child
 *    after fork().
 */
#ifndef BITBLAS_H
#define BITBLAS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BITBLAS_BUILDING) && defined(__GNUC__)
#define BITBLAS_API __attribute__((visibility("default")))
#else
#define BITBLAS_API
#endif

/* ---------------------------------------------------------------------------------------- */
/* Version                                                                                  */
/* ---------------------------------------------------------------------------------------- */

#define BITBLAS_VERSION_MAJOR 0
#define BITBLAS_VERSION_MINOR 2
#define BITBLAS_VERSION_PATCH 0
#define BITBLAS_VERSION_STRING "0.2.0"
#define BITBLAS_VERSION_NUMBER                                                                     \
  (BITBLAS_VERSION_MAJOR * 1000000 + BITBLAS_VERSION_MINOR * 1000 + BITBLAS_VERSION_PATCH)

/* The version of the library actually loaded, as "MAJOR.MINOR.PATCH". Compare with
 * BITBLAS_VERSION_STRING to check that a program runs with the header it was built against. */
BITBLAS_API const char *bitblas_version(void);

/* The same version as a number, equal to BITBLAS_VERSION_NUMBER of the loaded library. */
BITBLAS_API int bitblas_version_number(void);

/* ---------------------------------------------------------------------------------------- */
/* Status and errors                                                                        */
/* ---------------------------------------------------------------------------------------- */

/* X(name, value, description): one list from which the enum and its strings are made. */
#define BITBLAS_STATUS_LIST(X)                                                                     \
  X(OK, 0, "success")                                                                              \
  X(INVALID_ARGUMENT, -1, "invalid argument")                                                      \
  X(UNSUPPORTED, -2, "unsupported combination")                                                    \
  X(NO_DRIVER, -3, "CUDA driver (libcuda.so.1) not available")                                     \
  X(NO_DEVICE, -4, "no CUDA device found")                                                         \
  X(NO_NVRTC, -5, "NVRTC (libnvrtc.so) not available")                                             \
  X(COMPILE_FAILED, -6, "kernel compilation failed")                                               \
  X(CUDA_ERROR, -7, "CUDA driver call failed")                                                     \
  X(NO_VALID_CANDIDATE, -8, "no candidate schedule compiled, ran and computed correctly")          \
  X(CACHE_ERROR, -9, "kernel cache error")                                                         \
  X(OUT_OF_MEMORY, -10, "out of memory")                                                           \
  X(WORKER_FAILED, -11, "tuning worker process failed")                                            \
  X(NOT_FOUND, -12, "not found")                                                                   \
  X(TIMEOUT, -13, "timed out")                                                                     \
  X(IO_ERROR, -14, "input/output error")

typedef enum bitblas_status {
#define BITBLAS_STATUS_ENUM_(name, value, text) BITBLAS_##name = value,
  BITBLAS_STATUS_LIST(BITBLAS_STATUS_ENUM_)
#undef BITBLAS_STATUS_ENUM_
} bitblas_status;

/* A constant English description of a status ("invalid argument"); "unknown status" for a
 * value that is not in the list. Never NULL. */
BITBLAS_API const char *bitblas_status_string(bitblas_status status);

/* The symbolic name of a status ("BITBLAS_INVALID_ARGUMENT"). Never NULL. */
BITBLAS_API const char *bitblas_status_name(bitblas_status status);

/* The message of the last failed call made by this thread: which field, which value, which
 * rule; the NVRTC log of a failed compile; the CUDA call, file and line of a driver error.
 * Empty ("") when the last call succeeded. The string belongs to the library and stays valid
 * until this thread's next bitblas call. Never NULL. */
BITBLAS_API const char *bitblas_last_error(void);

/* ---------------------------------------------------------------------------------------- */
/* Data types                                                                               */
/* ---------------------------------------------------------------------------------------- */

/* Names are BitBLAS's. See SPEC section 2 and the README's table for what each decodes to. */
#define BITBLAS_DTYPE_LIST(X)                                                                      \
  X(FLOAT16, "float16", 16)                                                                        \
  X(BFLOAT16, "bfloat16", 16)                                                                      \
  X(FLOAT32, "float32", 32)                                                                        \
  X(INT32, "int32", 32)                                                                            \
  X(INT8, "int8", 8)                                                                               \
  X(UINT8, "uint8", 8)                                                                             \
  X(INT4, "int4", 4)                                                                               \
  X(UINT4, "uint4", 4)                                                                             \
  X(INT2, "int2", 2)                                                                               \
  X(UINT2, "uint2", 2)                                                                             \
  X(INT1, "int1", 1)                                                                               \
  X(UINT1, "uint1", 1)                                                                             \
  X(NF4, "nf4", 4)                                                                                 \
  X(FP4_E2M1, "fp4_e2m1", 4)                                                                       \
  X(FLOAT8_E4M3, "float8_e4m3", 8)                                                                 \
  X(FLOAT8_E5M2, "float8_e5m2", 8)

typedef enum bitblas_dtype {
#define BITBLAS_DTYPE_ENUM_(name, text, bits) BITBLAS_DTYPE_##name,
  BITBLAS_DTYPE_LIST(BITBLAS_DTYPE_ENUM_)
#undef BITBLAS_DTYPE_ENUM_
      BITBLAS_DTYPE_COUNT
} bitblas_dtype;

/* Looks a dtype up by its name ("uint4", "float16", ...). BitBLAS's aliases "e4m3_float8" and
 * "e5m2_float8" are accepted too. On an unknown name returns BITBLAS_INVALID_ARGUMENT with a
 * message that lists the valid names. */
BITBLAS_API bitblas_status bitblas_dtype_from_name(const char *name, bitblas_dtype *out);

/* The canonical name of a dtype, or "unknown" for a value outside the enum. Never NULL. */
BITBLAS_API const char *bitblas_dtype_name(bitblas_dtype dtype);

/* Bits a value of this dtype occupies in memory (1 to 32); 0 for a value outside the enum. */
BITBLAS_API int bitblas_dtype_bits(bitblas_dtype dtype);

/* How zeros enter the dequantization of a weight w from its decoded value q and scale s:
 *   NONE       w = q * s        (or q, without scaling)
 *   ORIGINAL   w = (q - z) * s  z float [N, K/g]
 *   RESCALE    w = q * s - z    z float [N, K/g]
 *   QUANTIZED  w = (u - qz) * s qz packed b-bit along N: [K/g, N*b/8] bytes; unsigned formats */
typedef enum bitblas_zeros_mode {
  BITBLAS_ZEROS_NONE = 0,
  BITBLAS_ZEROS_ORIGINAL,
  BITBLAS_ZEROS_RESCALE,
  BITBLAS_ZEROS_QUANTIZED
} bitblas_zeros_mode;

/* The mode's name ("none", "original", "rescale", "quantized"); "unknown" otherwise. */
BITBLAS_API const char *bitblas_zeros_mode_name(bitblas_zeros_mode mode);

/* Looks a zeros mode up by name; BITBLAS_INVALID_ARGUMENT on an unknown name. */
BITBLAS_API bitblas_status bitblas_zeros_mode_from_name(const char *name, bitblas_zeros_mode *out);

/* ---------------------------------------------------------------------------------------- */
/* The operator's description                                                               */
/* ---------------------------------------------------------------------------------------- */

#define BITBLAS_MAX_M_BUCKETS 16

/* One matrix product. Layout "nt": A row-major [M, K]; W as N rows of K weights, packed along K
 * (element k of a row in byte k*b/8 at bit (k*b) mod 8); C row-major [M, N]. Start from
 * bitblas_matmul_config_init() and set what differs; bitblas_op_get() validates the whole. */
typedef struct bitblas_matmul_config {
  int64_t M;                 /* rows of A; with dynamic_m, the largest m expected (a hint) */
  int64_t N;                 /* output features, >= 1 */
  int64_t K;                 /* input features, a multiple of 8 and of group_size */
  bitblas_dtype A_dtype;     /* float16, bfloat16 or int8 */
  bitblas_dtype W_dtype;     /* any weight format of SPEC section 2 */
  bitblas_dtype accum_dtype; /* float32 for float A, int32 for int8 A */
  bitblas_dtype out_dtype;   /* float16, bfloat16, float32 or int32 (int8 A only) */
  int64_t group_size;        /* weights per scale along K; -1: one group per row */
  int with_scaling;          /* 1: scales S[N, K/g] (A's float type; float32 for int8 A) */
  bitblas_zeros_mode zeros_mode;
  int with_bias;      /* 1: bias[N] in out_dtype is added */
  int with_a_scale;   /* int8 A only: 1: a float32 scale per row of A multiplies C */
  int dynamic_m;      /* 0: one kernel tuned for M; 1: one per bucket */
  int m_bucket_count; /* with dynamic_m; 0 means the default 1,16,...,1024 */
  int64_t m_buckets[BITBLAS_MAX_M_BUCKETS]; /* ascending */
} bitblas_matmul_config;

/* Fills cfg with the defaults: M=1, N=K=0 (must be set), A float16, W uint4, accum float32,
 * out float16, group_size -1, with_scaling 1, zeros none, no bias, static M. */
BITBLAS_API void bitblas_matmul_config_init(bitblas_matmul_config *cfg);

/* Checks a config against every rule without touching a GPU. BITBLAS_OK, or
 * BITBLAS_INVALID_ARGUMENT / BITBLAS_UNSUPPORTED with a message naming the field(s), the value
 * and the rule. */
BITBLAS_API bitblas_status bitblas_matmul_config_validate(const bitblas_matmul_config *cfg);

/* Writes a one-line readable description of cfg into buf (always NUL-terminated when size > 0),
 * e.g. "M=1 N=4096 K=4096 A=float16 W=uint4 accum=float32 out=float16 g=128 scale zeros=original".
 * Returns the length the full description needs, like snprintf. */
BITBLAS_API int bitblas_matmul_config_describe(const bitblas_matmul_config *cfg, char *buf,
                                               size_t size);

/* ---------------------------------------------------------------------------------------- */
/* Context: one CUDA device                                                                 */
/* ---------------------------------------------------------------------------------------- */

typedef struct bitblas_context bitblas_context;
typedef struct bitblas_op bitblas_op;
struct CUstream_st;

/* Opens device `device_ordinal` (as CUDA numbers them) through its primary context, so device
 * pointers from the CUDA runtime API work with it, and opens the kernel cache. Loads libcuda.so.1
 * on first use. Errors: BITBLAS_NO_DRIVER (no libcuda), BITBLAS_NO_DEVICE (no such device),
 * BITBLAS_UNSUPPORTED (compute capability below 8.0), BITBLAS_CUDA_ERROR, BITBLAS_OUT_OF_MEMORY,
 * BITBLAS_CACHE_ERROR (not even an in-memory cache could be opened). The cache location is
 * $BITBLAS_CACHE, else $XDG_CACHE_HOME/bitblas/cache.db, else ~/.cache/bitblas/cache.db; an
 * unwritable location falls back to an in-memory cache: bitblas_context_cache_path() then says
 * ":memory:", bitblas_context_cache_warning() says why, and the warning is logged once
 * (BITBLAS_LOG). On failure *out is NULL. */
BITBLAS_API bitblas_status bitblas_context_create(int device_ordinal, bitblas_context **out);

/* Releases the context, its tuning worker, its cache connection and every operator obtained from
 * it (they must not be used afterwards). NULL is a no-op. */
BITBLAS_API void bitblas_context_destroy(bitblas_context *ctx);

/* The device's name ("NVIDIA H100 80GB HBM3"), owned by the context. */
BITBLAS_API const char *bitblas_context_device_name(const bitblas_context *ctx);

/* The path of the cache file in use, or ":memory:" after a fallback. Owned by the context. */
BITBLAS_API const char *bitblas_context_cache_path(const bitblas_context *ctx);

/* Why the cache fell back to memory ("" when it did not). Owned by the context. */
BITBLAS_API const char *bitblas_context_cache_warning(const bitblas_context *ctx);

/* ---------------------------------------------------------------------------------------- */
/* Operators                                                                                */
/* ---------------------------------------------------------------------------------------- */

/* How an operator came to be, reported by bitblas_op_info(). */
/* It describes the call that made the operator; a later bitblas_op_get that returns the same
 * operator from the memo returns the same description. */
typedef struct bitblas_op_info {
  int from_cache;       /* 1: every kernel came from the SQLite cache or the memo */
  int tuned_now;        /* kernels tuned by this call */
  int candidates_tried; /* over every kernel tuned by this call */
  double tune_seconds;  /* wall time of tuning in this call */
  double kernel_us;     /* measured time of the (first bucket's) winner when tuned */
  char schedule[128];   /* the (first bucket's) winning schedule, readable */
} bitblas_op_info;

/* Returns a ready operator for cfg on ctx's device. Memo hit: the same operator's reference is
 * returned. Cache hit: the stored cubin is loaded; NVRTC is never called. Miss: candidate
 * schedules are written, compiled with NVRTC and timed in a separate worker process (so a
 * candidate that traps cannot harm this process), the fastest correct one is checked against a
 * CPU reference, stored and returned. With dynamic_m every bucket gets its own kernel.
 * Thread-safe. A memo hit never waits for a tuning; tunings on one context run one at a time
 * (it has one worker), and threads asking at once for the same config tune it once. The
 * worker opens a CUDA context of its own on the same device, so tuning needs a compute mode that
 * allows two processes (not EXCLUSIVE_PROCESS); cache hits do not. When another process is
 * tuning the same config, this call waits for its row (BITBLAS_CLAIM_WAIT seconds at most).
 * Errors: BITBLAS_INVALID_ARGUMENT / BITBLAS_UNSUPPORTED (config), BITBLAS_NO_NVRTC,
 * BITBLAS_WORKER_FAILED, BITBLAS_NO_VALID_CANDIDATE (every candidate's outcome in the message),
 * BITBLAS_TIMEOUT (the wait above), BITBLAS_IO_ERROR (temporary files), BITBLAS_OUT_OF_MEMORY,
 * BITBLAS_CUDA_ERROR, and NO_DRIVER / NO_DEVICE / COMPILE_FAILED as the worker reports them.
 * A cached kernel that this device refuses (a bad or foreign image) is tuned again; one that
 * fails to load for another reason (out of memory, a context error) stays in the cache and the
 * failure is returned (BITBLAS_OUT_OF_MEMORY / BITBLAS_CUDA_ERROR).
 * On failure *out is NULL. Release with bitblas_op_release(). */
BITBLAS_API bitblas_status bitblas_op_get(bitblas_context *ctx, const bitblas_matmul_config *cfg,
                                          bitblas_op **out);

/* Drops the caller's reference. The context keeps every operator it made until it is destroyed
 * (a later bitblas_op_get of the same config returns it at once), so this frees nothing by
 * itself. NULL is a no-op. */
BITBLAS_API void bitblas_op_release(bitblas_op *op);

/* The operator's config (normalized: default buckets filled in). */
BITBLAS_API const bitblas_matmul_config *bitblas_op_config(const bitblas_op *op);

/* How the operator was obtained; see bitblas_op_info. */
BITBLAS_API void bitblas_op_info_get(const bitblas_op *op, bitblas_op_info *info);

/* Device pointers for one run. All are device memory owned by the caller.
 *   A        [m, K] of A_dtype, row-major
 *   W        transformed weights: bitblas_op_weight_bytes() bytes (see transform below)
 *   scales   [N, K/g] (float16/bfloat16 as A; float32 for int8 A), when with_scaling
 *   zeros    [N, K/g] as scales (original, rescale) or [K/g, N*b/8] bytes (quantized)
 *   bias     [N] of out_dtype, when with_bias
 *   a_scale  [m] float32, when with_a_scale (int8 A)
 *   C        [m, N] of out_dtype, row-major */
typedef struct bitblas_matmul_args {
  int64_t m;
  const void *A;
  const void *W;
  const void *scales;
  const void *zeros;
  const void *bias;
  const float *a_scale;
  void *C;
} bitblas_matmul_args;

/* Enqueues C = A . dequant(W)^T (+ bias) on `stream` (NULL: the legacy default stream) and
 * returns without waiting. m must be >= 1; for a static operator m must not exceed M; a dynamic
 * operator takes any m, running the kernel of the smallest bucket >= m (the top one above it).
 * A and W must be 16-byte aligned (cudaMalloc pointers are). Safe to call from several threads on
 * different streams. Everything it enqueues is stream-ordered work on `stream`, so it may be
 * captured into a CUDA graph and replayed. A kernel whose schedule reads " sums=given"
 * (bitblas_op_info's schedule) enqueues two kernels, and takes 4 bytes per group of K and row of
 * its launch (a few KiB) of device memory for the run from a stream-ordered pool of bitblas's own,
 * handed back on `stream` after the run (the pool keeps up to 64 MiB reserved per device; under
 * stream capture the driver records the taking and the handing back as graph allocation and free
 * nodes).
 * Dependent runs: where the process runs with BITBLAS_DEPENDENT_LAUNCH=1 (read once, at the
 * library's first use), on compute capability 9.0 and later each run's first kernel (but those of
 * the large-batch tiled family) is launched as the programmatic dependent of the kernel before it
 * in the stream, whatever that kernel is: its blocks may be placed while that kernel ends, and
 * every bitblas kernel then waits for the kernels before it to finish, their writes visible, before
 * it reads anything (so A, or the weights, may come from the kernel just before the run), and lets
 * the next kernel launch the same way. Those kernels are compiled and cached apart from the others.
 * Off by default. Set the variable before the process's first bitblas call: the setting read then
 * holds for the whole process, and tuning workers started later are given it, whatever the variable
 * says by then. Errors: BITBLAS_INVALID_ARGUMENT (a NULL pointer the config needs, a misaligned A
 * or W, m out of range, or more rows than one launch of the kernel covers), BITBLAS_OUT_OF_MEMORY
 * (the run's memory could not be had), BITBLAS_CUDA_ERROR (the launch failed). */
BITBLAS_API bitblas_status bitblas_op_run(const bitblas_op *op, const bitblas_matmul_args *args,
                                          struct CUstream_st *stream);

/* ---------------------------------------------------------------------------------------- */
/* Weights                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* Bytes of the plain packed weights of a dtype: N * K * bits / 8. 0 if K*bits is not a
 * multiple of 8 or the dtype is unknown. */
BITBLAS_API size_t bitblas_weight_bytes(bitblas_dtype W_dtype, int64_t N, int64_t K);

/* Packs N*K weights given one int8_t per weight (row-major [N, K]) into the plain layout of
 * SPEC section 2. Each value is the weight's integer for integer formats (int4: -8..7, uint2: 0..3,
 * int1: -1 or +1; uint8's 0..255 as the byte's bit pattern, (int8_t)(uint8_t)v) and its code
 * for nf4, fp4_e2m1 and float8 (the byte/nibble as stored).
 * `packed` must hold bitblas_weight_bytes() bytes. Errors: BITBLAS_INVALID_ARGUMENT naming the
 * first value out of range (row, column, value, valid range). float16/bfloat16 weights are not
 * packed (copy them as they are). */
BITBLAS_API bitblas_status bitblas_weight_pack(bitblas_dtype W_dtype, int64_t N, int64_t K,
                                               const int8_t *values, void *packed);

/* The inverse of bitblas_weight_pack: packed plain layout -> one int8_t per weight. */
BITBLAS_API bitblas_status bitblas_weight_unpack(bitblas_dtype W_dtype, int64_t N, int64_t K,
                                                 const void *packed, int8_t *values);

/* Bytes of device memory the operator's kernels read as W. For this version it equals
 * bitblas_weight_bytes() (float16/bfloat16 weights: N*K*2): transformed weights cost no more
 * than their bits. */
BITBLAS_API size_t bitblas_op_weight_bytes(const bitblas_op *op);

/* Copies host weights in the plain packed layout (bitblas_weight_pack's output, or N*K 16-bit
 * values for float16/bfloat16 W) into `device_W` in the order the operator's kernels read,
 * enqueued on `stream` and completed before return. Operators of a static M up to 16 with
 * float16 A and 1-, 2- or 4-bit integer weights (K whole pieces of 512 bits per row, or from
 * M = 9 of 256 bits, and the group's codes whole pieces, or half of a 512-bit piece) read
 * "traded words": in every 64-byte (32-byte) piece of a row, 32-bit word 4w + t of the plain
 * layout is stored at word 4t + w (2t + w), so that each lane's one load holds words whose
 * activations lie next to its neighbours', and within each word of 1- or 2-bit codes the codes
 * are split by parity (of b-bit codes, code 2i at bits i b and code 2i + 1 at bits 16 + i b), so
 * that each pair of codes the kernel decodes together is two neighbours in k. Every other
 * operator reads the plain layout and the transform is a copy. Weights transformed for one
 * operator are only valid for operators of the same order: transform them for each operator
 * that reads them.
 * device_W must hold bitblas_op_weight_bytes(op) bytes; host_packed is read, never changed. */
BITBLAS_API bitblas_status bitblas_op_transform_weight(const bitblas_op *op,
                                                       const void *host_packed, void *device_W,
                                                       struct CUstream_st *stream);

/* The reference quantizer: float32 weights W[N, K] (row-major) to the values that
 * bitblas_weight_pack takes, plus the scales and zeros cfg asks for, per group of group_size
 * along K. Integer formats: scale = range / levels per group (min/max for zeros modes, absmax
 * for none); nf4/fp4/float8: absmax scaling to the format's largest magnitude and the nearest
 * code. scales/zeros are host buffers of bitblas_scales_bytes(cfg) / bitblas_zeros_bytes(cfg)
 * bytes (A's float type, float32 for int8 A; quantized zeros packed [K/g, ceil(N*b/8)]); either
 * may be NULL when cfg has none. Errors:
 * BITBLAS_INVALID_ARGUMENT / BITBLAS_UNSUPPORTED for a config that fails validation or a
 * combination without a quantizer (then the message says which). */
BITBLAS_API bitblas_status bitblas_weight_quantize(const bitblas_matmul_config *cfg, const float *W,
                                                   int8_t *values, void *scales, void *zeros);

/* Bytes of the host/device scale and zero buffers cfg needs (0 when it has none). */
BITBLAS_API size_t bitblas_scales_bytes(const bitblas_matmul_config *cfg);
BITBLAS_API size_t bitblas_zeros_bytes(const bitblas_matmul_config *cfg);

/* ---------------------------------------------------------------------------------------- */
/* BitNet b1.58 linear layer (SPEC section 2): float activations in, float outputs out        */
/* ---------------------------------------------------------------------------------------- */

/* Fills cfg for a BitNet b1.58 layer of N outputs and K inputs, as bitblas_op_get takes it:
 * int8 A (the quantized activations) x int2 W holding the ternary weights -1, 0, +1, int32
 * accumulation, one float32 weight scale per row of W (group_size -1), a float32 scale per row
 * of A (with_a_scale), float16 output, no bias, dynamic M over the default buckets. Change
 * out_dtype (bfloat16 or float32: the activations x then have that type too), with_bias, or M
 * and dynamic_m as needed. Any operator with int8 A, with_a_scale = 1 and a float out_dtype
 * serves the functions below, whatever its weight format. */
BITBLAS_API void bitblas_bitnet_config_init(bitblas_matmul_config *cfg, int64_t N, int64_t K);

/* The BitNet b1.58 weight quantizer, on the host. W [N, K] float32 (row-major) is taken as
 * blocks of consecutive rows: block_rows[0] rows, then block_rows[1], ... (for instance the q, k
 * and v projections of a fused qkv layer, each with a scale of its own); block_count 0 means one
 * block of all N rows. Per block, in float64: mean = max(mean |W|, 1e-5), sw = 1 / mean, and
 * q = clamp(round(W * sw), -1, 1), rounded half to even. Writes q [N, K] as int8 values -1, 0,
 * +1 (pack them with bitblas_weight_pack and BITBLAS_DTYPE_INT2, then transform them for the
 * operator) and weight_scale [N] float32, each row's block's mean (1 / sw): the scales of an
 * operator made from bitblas_bitnet_config_init. Errors: BITBLAS_INVALID_ARGUMENT naming the
 * field and the rule (N or K below 1, a NULL pointer, block_count below 0, a block of fewer than
 * one row, blocks that do not add up to N, a weight that is not finite). */
BITBLAS_API bitblas_status bitblas_bitnet_weight_quantize(int64_t N, int64_t K, const float *W,
                                                          int block_count,
                                                          const int64_t *block_rows, int8_t *q,
                                                          float *weight_scale);

/* Bytes of device workspace bitblas_bitnet_run needs for m rows: the quantized activations
 * [m, K] int8, then (at the next multiple of 16 bytes) their scales [m] float32. 0 when op is
 * NULL, does not quantize rows (see bitblas_bitnet_activation_quantize), or m is below 1. */
BITBLAS_API size_t bitblas_bitnet_workspace_bytes(const bitblas_op *op, int64_t m);

/* Enqueues the activation quantizer on `stream`: x [m, K] (device, op's out_dtype, 16-byte
 * aligned) to x_q [m, K] int8 and a_scale [m] float32 (device), per row exactly as
 * bitblas_reference_activation_quantize computes them (the same bytes). op must quantize rows
 * (int8 A, with_a_scale = 1, a float out_dtype: bitblas_bitnet_config_init). m: 1 ..
 * 2^31 - 1. Errors: BITBLAS_INVALID_ARGUMENT (such an op, a NULL or misaligned pointer, m out of
 * range), BITBLAS_CUDA_ERROR (the launch failed). */
BITBLAS_API bitblas_status bitblas_bitnet_activation_quantize(const bitblas_op *op, int64_t m,
                                                              const void *x, int8_t *x_q,
                                                              float *a_scale,
                                                              struct CUstream_st *stream);

/* Device pointers of one BitNet layer run, all owned by the caller.
 *   x            [m, K] activations in op's out_dtype, 16-byte aligned
 *   W            weights transformed for op (bitblas_op_transform_weight)
 *   weight_scale [N] float32 (bitblas_bitnet_weight_quantize), when op's config has scales
 *   bias         [N] of out_dtype, when with_bias
 *   y            [m, N] of out_dtype
 *   workspace    bitblas_bitnet_workspace_bytes(op, m) bytes, 16-byte aligned; a stream's runs
 *                may share one, runs that can overlap (other streams) need their own */
typedef struct bitblas_bitnet_args {
  int64_t m;
  const void *x;
  const void *W;
  const float *weight_scale;
  const void *bias;
  void *y;
  void *workspace;
} bitblas_bitnet_args;

/* The whole layer from float activations to float outputs in one call: enqueues on `stream`
 * the activation quantizer (x -> workspace) and the int8 product, so that
 *   y[i, n] = a_scale[i] * weight_scale[n] * sum_k x_q[i, k] q[n, k]  (+ bias[n])
 * with the exact int32 sum (a_scale = 1 / si, weight_scale = 1 / sw), and returns without
 * waiting. Where the layer is small (the small-batch kernel's blocks along N, each quantizing
 * the m rows for itself, would write at most 1.25 MiB of codes in all) one kernel does both
 * instead: each block quantizes its rows into shared memory with the quantizer's steps, so y has
 * the same bytes; the workspace is then left alone. m as bitblas_op_run takes it. Errors:
 * BITBLAS_INVALID_ARGUMENT (an op that does not quantize rows, a NULL pointer the config needs,
 * a misaligned x, W or workspace, m out of range), BITBLAS_CUDA_ERROR (a launch failed). */
BITBLAS_API bitblas_status bitblas_bitnet_run(const bitblas_op *op, const bitblas_bitnet_args *args,
                                              struct CUstream_st *stream);

/* ---------------------------------------------------------------------------------------- */
/* Cache contents                                                                           */
/* ---------------------------------------------------------------------------------------- */

/* Calls fn(user, line) once per stored kernel with a readable one-line description (device,
 * config, schedule, microseconds, candidates, when tuned), newest first. path NULL: the default
 * location. The file is opened read-only and never created. Errors: BITBLAS_INVALID_ARGUMENT
 * (fn is NULL), BITBLAS_CACHE_ERROR (no file there, it cannot be read, or it has another schema
 * version). */
BITBLAS_API bitblas_status bitblas_cache_list(const char *path,
                                              void (*fn)(void *user, const char *line), void *user);

/* Writes a copy of the cache at `path` (NULL or "": the default location) into a new file at
 * out_path, to ship tuned kernels to other machines: every stored kernel with its candidates'
 * timings, as one read transaction saw them (other processes may tune meanwhile), without the
 * claims of tunings in progress. The copy is a cache file itself: usable as $BITBLAS_CACHE, by
 * bitblas_cache_import, or with sqlite3. *exported (may be NULL) is the number of kernels
 * copied. The source is opened read-only. out_path is created exclusively: never an existing
 * file, nor through a symbolic link. Errors: BITBLAS_INVALID_ARGUMENT (out_path NULL, empty or
 * existing), BITBLAS_CACHE_ERROR (no cache file at path, unreadable, another schema version, or
 * out_path cannot be created or written; a file this call created is removed again). */
BITBLAS_API bitblas_status bitblas_cache_export(const char *path, const char *out_path,
                                                int *exported);

/* Adds every kernel of the cache file at in_path (with its candidates' timings) to the cache at
 * `path` (NULL or "": the default location), in one transaction: all rows or, on an error, none.
 * The cache is opened as a context opens it: the file is created if missing (and stays, empty,
 * if the import then fails), and a file of another schema version is rebuilt, its rows dropped.
 * A kernel whose key (device, compute capability, SM count, driver, NVRTC and library versions,
 * source hash, config) is already stored keeps the stored row. Rows of other devices or
 * versions are added too; like any row, one is used only by a context whose key it matches, and
 * a row that fails a check on loading is a miss (deleted and tuned again). *imported and
 * *skipped (may be NULL) count the kernels added and those already stored. Errors:
 * BITBLAS_INVALID_ARGUMENT (in_path NULL or empty; path ":memory:"), BITBLAS_CACHE_ERROR (no
 * cache file at in_path, unreadable, another schema version; the cache cannot be written),
 * BITBLAS_OUT_OF_MEMORY. */
BITBLAS_API bitblas_status bitblas_cache_import(const char *path, const char *in_path,
                                                int *imported, int *skipped);

/* ---------------------------------------------------------------------------------------- */
/* CPU reference                                                                            */
/* ---------------------------------------------------------------------------------------- */

/* The whole operation on the host in float64, for tests and checks: out[m, n] for every
 * m < rows and n < N. Buffers as in bitblas_matmul_args but in host memory, with W in the plain
 * packed layout; float16/bfloat16 data as raw 16-bit values. out is [rows, N] doubles (before
 * rounding to out_dtype). Errors: BITBLAS_INVALID_ARGUMENT for a config that fails validation
 * or a NULL pointer the config needs. */
BITBLAS_API bitblas_status bitblas_reference_matmul(const bitblas_matmul_config *cfg,
                                                    const bitblas_matmul_args *host_args,
                                                    double *out);

/* The activation quantizer of the BitNet b1.58 layer on the host, the reference of
 * bitblas_bitnet_activation_quantize: x [m, K] of x_dtype (float16 or bfloat16 as raw 16-bit
 * values, or float32) to x_q [m, K] int8 and a_scale [m] float32. Per row, each step a float32
 * operation rounded to nearest: bound = max(max |x|, 1e-5), si = 127 / bound,
 * x_q = clamp(rint(x * si), -128, 127) with rint rounding half to even (NaN gives 0), and
 * a_scale = bound / 127. Errors: BITBLAS_INVALID_ARGUMENT (x_dtype, m or K below 1, a NULL
 * pointer). */
BITBLAS_API bitblas_status bitblas_reference_activation_quantize(bitblas_dtype x_dtype, int64_t m,
                                                                 int64_t K, const void *x,
                                                                 int8_t *x_q, float *a_scale);

/* Decodes one stored weight code u (the unsigned bit pattern, 0 .. 2^bits-1) of a weight
 * dtype to its value: int4 u-8, int1 2u-1, nf4 table, fp4_e2m1 OCP, float8 OCP, ... An unknown
 * dtype or a code out of range returns NaN and sets bitblas_last_error(); the NaN codes of
 * float8/float16 decode to NaN without an error. */
BITBLAS_API double bitblas_weight_decode(bitblas_dtype W_dtype, uint32_t u);

#ifdef __cplusplus
}
#endif
#endif /* BITBLAS_H */
