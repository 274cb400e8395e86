/*
 * dtype.c - dtype and zeros-mode names, made from BITBLAS_DTYPE_LIST, and their classes.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"

static const char *const dtype_names[] = {
#define BB_DTYPE_NAME_(name, text, bits) text,
    BITBLAS_DTYPE_LIST(BB_DTYPE_NAME_)
#undef BB_DTYPE_NAME_
};

static const int dtype_bits[] = {
#define BB_DTYPE_BITS_(name, text, bits) bits,
    BITBLAS_DTYPE_LIST(BB_DTYPE_BITS_)
#undef BB_DTYPE_BITS_
};

const char *bitblas_dtype_name(bitblas_dtype dtype) {
  if ((int)dtype < 0 || dtype >= BITBLAS_DTYPE_COUNT) return "unknown";
  return dtype_names[dtype];
}

int bitblas_dtype_bits(bitblas_dtype dtype) {
  if ((int)dtype < 0 || dtype >= BITBLAS_DTYPE_COUNT) return 0;
  return dtype_bits[dtype];
}

bitblas_status bitblas_dtype_from_name(const char *name, bitblas_dtype *out) {
  bb_error_clear();
  if (!out) return bb_fail(BITBLAS_INVALID_ARGUMENT, "out: must not be NULL");
  *out = BITBLAS_DTYPE_COUNT;
  if (!name) return bb_fail(BITBLAS_INVALID_ARGUMENT, "name: must not be NULL");
  if (strcmp(name, "e4m3_float8") == 0) name = "float8_e4m3";
  if (strcmp(name, "e5m2_float8") == 0) name = "float8_e5m2";
  for (int i = 0; i < BITBLAS_DTYPE_COUNT; i++) {
    if (strcmp(name, dtype_names[i]) == 0) {
      *out = (bitblas_dtype)i;
      return BITBLAS_OK;
    }
  }
  bb_fail(BITBLAS_INVALID_ARGUMENT, "dtype name \"%s\" is unknown; valid names:", name);
  for (int i = 0; i < BITBLAS_DTYPE_COUNT; i++) bb_error_append(" %s", dtype_names[i]);
  bb_error_append(" (aliases: e4m3_float8, e5m2_float8)");
  return BITBLAS_INVALID_ARGUMENT;
}

static const char *const zeros_names[] = {"none", "original", "rescale", "quantized"};

const char *bitblas_zeros_mode_name(bitblas_zeros_mode mode) {
  if ((int)mode < 0 || (int)mode > BITBLAS_ZEROS_QUANTIZED) return "unknown";
  return zeros_names[mode];
}

bitblas_status bitblas_zeros_mode_from_name(const char *name, bitblas_zeros_mode *out) {
  bb_error_clear();
  if (!out || !name) return bb_fail(BITBLAS_INVALID_ARGUMENT, "name and out: must not be NULL");
  for (int i = 0; i <= (int)BITBLAS_ZEROS_QUANTIZED; i++) {
    if (strcmp(name, zeros_names[i]) == 0) {
      *out = (bitblas_zeros_mode)i;
      return BITBLAS_OK;
    }
  }
  return bb_fail(BITBLAS_INVALID_ARGUMENT,
                 "zeros mode \"%s\" is unknown; valid: none, original, rescale, quantized", name);
}

int bb_dtype_is_float_weight(bitblas_dtype dtype) {
  return dtype == BITBLAS_DTYPE_FLOAT16 || dtype == BITBLAS_DTYPE_BFLOAT16;
}

int bb_dtype_is_integer_weight(bitblas_dtype dtype) {
  switch (dtype) {
  case BITBLAS_DTYPE_INT8:
  case BITBLAS_DTYPE_UINT8:
  case BITBLAS_DTYPE_INT4:
  case BITBLAS_DTYPE_UINT4:
  case BITBLAS_DTYPE_INT2:
  case BITBLAS_DTYPE_UINT2:
  case BITBLAS_DTYPE_INT1:
  case BITBLAS_DTYPE_UINT1:
    return 1;
  default:
    return 0;
  }
}

int bb_dtype_is_table_weight(bitblas_dtype dtype) {
  return dtype == BITBLAS_DTYPE_NF4 || dtype == BITBLAS_DTYPE_FP4_E2M1;
}

int bb_dtype_is_float8_weight(bitblas_dtype dtype) {
  return dtype == BITBLAS_DTYPE_FLOAT8_E4M3 || dtype == BITBLAS_DTYPE_FLOAT8_E5M2;
}
