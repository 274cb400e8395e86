/*
 * config.h - what the runtime derives from a matmul config: validation rules, the normalized
 * form (buckets filled in), sizes of every buffer, the scale type, and the canonical key text.
 */
#ifndef BITBLAS_CONFIG_H
#define BITBLAS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* Validated copy with defaults filled in (m_buckets for dynamic M). */
bitblas_status bb_config_normalize(const bitblas_matmul_config *cfg, bitblas_matmul_config *out);

/* The group size in effect: K when group_size is -1. */
int64_t bb_config_group(const bitblas_matmul_config *cfg);

/* Groups per row of W: K / group. */
int64_t bb_config_groups(const bitblas_matmul_config *cfg);

/* The dtype of scales and float zeros: A's type for float A, float32 for int8 A. */
bitblas_dtype bb_config_scale_dtype(const bitblas_matmul_config *cfg);

/* Whether the weights are plain float16/bfloat16 (no decode). */
int bb_dtype_is_float_weight(bitblas_dtype dtype);

/* Whether a weight dtype decodes to integers (int/uint formats). */
int bb_dtype_is_integer_weight(bitblas_dtype dtype);

/* Whether a weight dtype is 4-bit codes that index a table of 16 values: NF4 and FP4. */
int bb_dtype_is_table_weight(bitblas_dtype dtype);

/* Whether a weight dtype is float8 codes (e4m3 or e5m2). */
int bb_dtype_is_float8_weight(bitblas_dtype dtype);

/* Bytes of each buffer for m rows. */
size_t bb_config_a_bytes(const bitblas_matmul_config *cfg, int64_t m);
size_t bb_config_w_bytes(const bitblas_matmul_config *cfg);
size_t bb_config_scales_bytes(const bitblas_matmul_config *cfg);
size_t bb_config_zeros_bytes(const bitblas_matmul_config *cfg);
size_t bb_config_c_bytes(const bitblas_matmul_config *cfg, int64_t m);
size_t bb_config_bias_bytes(const bitblas_matmul_config *cfg);

/* Whether the operator's kernels come with the row quantizer (kernel_src/quantize_rows.cu) that
 * bitblas_bitnet_run launches: int8 A with a per-row a_scale and a float output, whose type the
 * activations then have. */
int bb_config_quantizes_rows(const bitblas_matmul_config *cfg);

/* Bytes per row of packed quantized zeros: ceil(N * bits / 8). */
int64_t bb_config_qzeros_row_bytes(const bitblas_matmul_config *cfg);

/* Canonical, parseable text of the config with M replaced by `m` (no bucket fields):
 * "M=1 N=4096 K=4096 A=float16 W=uint4 accum=float32 out=float16 group=128 scaling=1
 *  zeros=original bias=0 a_scale=0", followed by " weights=traded" when the weight order at
 * that M is traded. A dynamic operator's bucket whose static twin would trade words has no
 * such suffix, so the two never share a kernel. */
int bb_config_key_text(const bitblas_matmul_config *cfg, int64_t m, char *buf, size_t size);

/* Parses bb_config_key_text's output: a static config, or, for a config text without
 * " weights=traded" whose static form would trade words, a dynamic_m config (no buckets) so
 * that bb_config_weight_order gives the plain layout the text names. */
bitblas_status bb_config_parse_key_text(const char *text, bitblas_matmul_config *out);

#endif
