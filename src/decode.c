/*
 * decode.c - the value of one stored weight code for each W_dtype of SPEC section 2 (the table
 * there, code by code). Scales, zeros and packing are elsewhere (reference.c, pack.c).
 */
#include <inttypes.h>
#include <math.h>

#include "error.h"
#include "half.h"
#include "pack.h"

double bb_decode_code(bitblas_dtype W_dtype, uint32_t u) {
  const int bits = bitblas_dtype_bits(W_dtype);
  if (bits < 1 || bits > 16 || u >= (1u << bits)) return NAN;
  switch (W_dtype) {
  case BITBLAS_DTYPE_UINT8:
  case BITBLAS_DTYPE_UINT4:
  case BITBLAS_DTYPE_UINT2:
  case BITBLAS_DTYPE_UINT1:
    return (double)u;
  case BITBLAS_DTYPE_INT8: /* two's complement */
    return (double)(int8_t)(uint8_t)u;
  case BITBLAS_DTYPE_INT4:
  case BITBLAS_DTYPE_INT2: /* offset binary: u - 2^(b-1) */
    return (double)u - (double)(1u << (bits - 1));
  case BITBLAS_DTYPE_INT1: /* 0 -> -1, 1 -> +1 */
    return 2.0 * (double)u - 1.0;
  case BITBLAS_DTYPE_NF4:
    return bb_nf4_to_double((uint8_t)u);
  case BITBLAS_DTYPE_FP4_E2M1:
    return bb_fp4_e2m1_to_double((uint8_t)u);
  case BITBLAS_DTYPE_FLOAT8_E4M3:
    return bb_float8_e4m3_to_double((uint8_t)u);
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    return bb_float8_e5m2_to_double((uint8_t)u);
  case BITBLAS_DTYPE_FLOAT16:
    return bb_half_to_float((uint16_t)u);
  case BITBLAS_DTYPE_BFLOAT16:
    return bb_bfloat16_to_float((uint16_t)u);
  default: /* float32, int32: not weight formats */
    return NAN;
  }
}

double bitblas_weight_decode(bitblas_dtype W_dtype, uint32_t u) {
  bb_error_clear();
  const double value = bb_decode_code(W_dtype, u);
  if (isnan(value)) {
    const int bits = bitblas_dtype_bits(W_dtype);
    if (bits < 1 || bits > 16)
      bb_fail(BITBLAS_INVALID_ARGUMENT, "W_dtype = %s (%d): not a weight format",
              bitblas_dtype_name(W_dtype), (int)W_dtype);
    else if (u >= (1u << bits))
      bb_fail(BITBLAS_INVALID_ARGUMENT, "u = %" PRIu32 ": a %s code is 0..%u", u,
              bitblas_dtype_name(W_dtype), (1u << bits) - 1u);
    /* otherwise the code itself is a NaN of a float format: no error */
  }
  return value;
}
