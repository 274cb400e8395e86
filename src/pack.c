/*
 * pack.c - bitblas_weight_pack/unpack and the packing of quantized zeros: the plain layout of
 * SPEC section 2 (b-bit codes little-endian within each byte) and the value <-> code rules of each
 * weight dtype. It does not reorder for kernels (bitblas_op_transform_weight does) or decode.
 */
#include "pack.h"

#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "error.h"

int bb_pack_is_packed_weight(bitblas_dtype W_dtype) {
  /* Integer codes, plus the 4- and 8-bit float codes; plain float16/bfloat16 are not packed. */
  return bb_dtype_is_integer_weight(W_dtype) || bb_dtype_is_table_weight(W_dtype) ||
         bb_dtype_is_float8_weight(W_dtype);
}

int bb_pack_value_to_code(bitblas_dtype W_dtype, int8_t value, uint32_t *code) {
  int32_t stored;
  switch (W_dtype) {
  case BITBLAS_DTYPE_INT8:
  case BITBLAS_DTYPE_UINT8:
  case BITBLAS_DTYPE_FLOAT8_E4M3:
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    *code = (uint8_t)value; /* the byte's bit pattern: every value is valid */
    return 0;
  case BITBLAS_DTYPE_INT4:
    stored = value + 8; /* offset binary */
    break;
  case BITBLAS_DTYPE_INT2:
    stored = value + 2;
    break;
  case BITBLAS_DTYPE_INT1:
    if (value != -1 && value != 1) return -1;
    stored = (value + 1) / 2;
    break;
  case BITBLAS_DTYPE_UINT4:
  case BITBLAS_DTYPE_UINT2:
  case BITBLAS_DTYPE_UINT1:
  case BITBLAS_DTYPE_NF4:
  case BITBLAS_DTYPE_FP4_E2M1:
    stored = value;
    break;
  default:
    return -1;
  }
  const int32_t limit = 1 << bitblas_dtype_bits(W_dtype);
  if (stored < 0 || stored >= limit) return -1;
  *code = (uint32_t)stored;
  return 0;
}

int8_t bb_pack_code_to_value(bitblas_dtype W_dtype, uint32_t code) {
  switch (W_dtype) {
  case BITBLAS_DTYPE_INT4:
    return (int8_t)((int32_t)code - 8);
  case BITBLAS_DTYPE_INT2:
    return (int8_t)((int32_t)code - 2);
  case BITBLAS_DTYPE_INT1:
    return (int8_t)(2 * (int32_t)code - 1);
  default: /* unsigned formats, 4-bit codes and bytes: the code itself (a byte as int8_t) */
    return (int8_t)(uint8_t)code;
  }
}

const char *bb_pack_value_range(bitblas_dtype W_dtype) {
  switch (W_dtype) {
  case BITBLAS_DTYPE_INT4:
    return "-8..7";
  case BITBLAS_DTYPE_INT2:
    return "-2..1";
  case BITBLAS_DTYPE_INT1:
    return "-1 or 1";
  case BITBLAS_DTYPE_UINT4:
    return "0..15";
  case BITBLAS_DTYPE_UINT2:
    return "0..3";
  case BITBLAS_DTYPE_UINT1:
    return "0..1";
  case BITBLAS_DTYPE_NF4:
  case BITBLAS_DTYPE_FP4_E2M1:
    return "codes 0..15";
  case BITBLAS_DTYPE_INT8:
    return "-128..127";
  case BITBLAS_DTYPE_UINT8:
    return "0..255 as the byte's bit pattern";
  case BITBLAS_DTYPE_FLOAT8_E4M3:
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    return "any byte (the code as stored)";
  default:
    return "none (not a packed weight format)";
  }
}

/* The checks pack and unpack share: pointers, shape, a packed weight dtype. */
static bitblas_status check_weight_arguments(const char *caller, bitblas_dtype W_dtype, int64_t N,
                                             int64_t K, const void *source, const void *target) {
  if (!source || !target)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "%s: the input and output buffers must not be NULL",
                   caller);
  if (W_dtype == BITBLAS_DTYPE_FLOAT16 || W_dtype == BITBLAS_DTYPE_BFLOAT16)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "%s: W_dtype = %s: 16-bit float weights are not packed; copy the N*K values "
                   "as they are",
                   caller, bitblas_dtype_name(W_dtype));
  if (!bb_pack_is_packed_weight(W_dtype))
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "%s: W_dtype = %s (%d): not a weight format", caller,
                   bitblas_dtype_name(W_dtype), (int)W_dtype);
  if (N < 1)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "%s: N = %" PRId64 ": must be >= 1", caller, N);
  const int bits = bitblas_dtype_bits(W_dtype);
  if (K < 1 || (K * bits) % 8 != 0)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "%s: K = %" PRId64 ": must be positive and fill whole bytes at %d bits per "
                   "weight (a multiple of %d)",
                   caller, K, bits, 8 / bits);
  return BITBLAS_OK;
}

bitblas_status bitblas_weight_pack(bitblas_dtype W_dtype, int64_t N, int64_t K,
                                   const int8_t *values, void *packed) {
  bb_error_clear();
  bitblas_status status =
      check_weight_arguments("bitblas_weight_pack", W_dtype, N, K, values, packed);
  if (status != BITBLAS_OK) return status;
  const int bits = bitblas_dtype_bits(W_dtype);
  const int64_t row_bytes = K * bits / 8;
  uint8_t *out = packed;
  for (int64_t row = 0; row < N; row++) {
    uint8_t *out_row = out + row * row_bytes;
    memset(out_row, 0, (size_t)row_bytes);
    for (int64_t column = 0; column < K; column++) {
      const int8_t value = values[row * K + column];
      uint32_t code;
      if (bb_pack_value_to_code(W_dtype, value, &code) != 0)
        return bb_fail(BITBLAS_INVALID_ARGUMENT,
                       "bitblas_weight_pack: values[row %" PRId64 ", column %" PRId64
                       "] = %d: %s weights must be in %s",
                       row, column, value, bitblas_dtype_name(W_dtype),
                       bb_pack_value_range(W_dtype));
      const int64_t bit = column * bits;
      out_row[bit >> 3] |= (uint8_t)(code << (bit & 7));
    }
  }
  return BITBLAS_OK;
}

bitblas_status bitblas_weight_unpack(bitblas_dtype W_dtype, int64_t N, int64_t K,
                                     const void *packed, int8_t *values) {
  bb_error_clear();
  bitblas_status status =
      check_weight_arguments("bitblas_weight_unpack", W_dtype, N, K, packed, values);
  if (status != BITBLAS_OK) return status;
  const int bits = bitblas_dtype_bits(W_dtype);
  const int64_t row_bytes = K * bits / 8;
  const uint8_t *in = packed;
  for (int64_t row = 0; row < N; row++) {
    const uint8_t *in_row = in + row * row_bytes;
    for (int64_t column = 0; column < K; column++)
      values[row * K + column] =
          bb_pack_code_to_value(W_dtype, bb_pack_code_at(in_row, column, bits));
  }
  return BITBLAS_OK;
}

/* The checks of the quantized-zeros packers. */
static bitblas_status check_qzeros_arguments(const char *caller, bitblas_dtype W_dtype,
                                             int64_t groups, int64_t N, const void *source,
                                             const void *target) {
  if (!source || !target)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "%s: the input and output buffers must not be NULL",
                   caller);
  if (W_dtype != BITBLAS_DTYPE_UINT8 && W_dtype != BITBLAS_DTYPE_UINT4 &&
      W_dtype != BITBLAS_DTYPE_UINT2 && W_dtype != BITBLAS_DTYPE_UINT1)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "%s: W_dtype = %s: quantized zeros need an unsigned integer format (uint8, "
                   "uint4, uint2, uint1)",
                   caller, bitblas_dtype_name(W_dtype));
  if (groups < 1 || N < 1)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "%s: groups = %" PRId64 ", N = %" PRId64 ": both must be >= 1", caller, groups,
                   N);
  return BITBLAS_OK;
}

bitblas_status bb_pack_qzeros(bitblas_dtype W_dtype, int64_t groups, int64_t N,
                              const uint8_t *zeros, uint8_t *packed) {
  bitblas_status status =
      check_qzeros_arguments("bb_pack_qzeros", W_dtype, groups, N, zeros, packed);
  if (status != BITBLAS_OK) return status;
  const int bits = bitblas_dtype_bits(W_dtype);
  const uint32_t limit = 1u << bits;
  const int64_t row_bytes = (N * bits + 7) / 8;
  for (int64_t group = 0; group < groups; group++) {
    uint8_t *out_row = packed + group * row_bytes;
    memset(out_row, 0, (size_t)row_bytes);
    for (int64_t column = 0; column < N; column++) {
      const uint32_t code = zeros[group * N + column];
      if (code >= limit)
        return bb_fail(BITBLAS_INVALID_ARGUMENT,
                       "bb_pack_qzeros: zeros[group %" PRId64 ", column %" PRId64
                       "] = %u: %s zeros must be in 0..%u",
                       group, column, code, bitblas_dtype_name(W_dtype), limit - 1u);
      const int64_t bit = column * bits;
      out_row[bit >> 3] |= (uint8_t)(code << (bit & 7));
    }
  }
  return BITBLAS_OK;
}

bitblas_status bb_unpack_qzeros(bitblas_dtype W_dtype, int64_t groups, int64_t N,
                                const uint8_t *packed, uint8_t *zeros) {
  bitblas_status status =
      check_qzeros_arguments("bb_unpack_qzeros", W_dtype, groups, N, packed, zeros);
  if (status != BITBLAS_OK) return status;
  const int bits = bitblas_dtype_bits(W_dtype);
  const int64_t row_bytes = (N * bits + 7) / 8;
  for (int64_t group = 0; group < groups; group++)
    for (int64_t column = 0; column < N; column++)
      zeros[group * N + column] =
          (uint8_t)bb_pack_code_at(packed + group * row_bytes, column, bits);
  return BITBLAS_OK;
}
