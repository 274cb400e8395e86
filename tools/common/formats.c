/*
 * formats.c - the named formats of --formats and the generic "A=...,W=..." spelling (see
 * formats.h). The library's config rules decide what is valid; this file only spells configs.
 */
#include "formats.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "options.h"

/* One named format; dtypes and the zeros mode by their enum suffixes. */
#define FORMAT(name, A, W, out, group, scaling, zeros, a_scale, ternary, description)              \
  {                                                                                                \
    name, description, BITBLAS_DTYPE_##A, BITBLAS_DTYPE_##W, BITBLAS_DTYPE_##out, group, scaling,  \
        BITBLAS_ZEROS_##zeros, a_scale, ternary, 0                                                 \
  }

/* clang-format off */
static const bb_tool_format format_presets[] = {
  /*     name          A         W            out       group scale zeros    a_scale ternary */
  FORMAT("w4a16",      FLOAT16,  UINT4,       FLOAT16,   128, 1, ORIGINAL,  0, 0,
         "A float16 x W uint4, g128 scales + zeros (original) -> float16"),
  FORMAT("w4a16-int4", FLOAT16,  INT4,        FLOAT16,   128, 1, NONE,      0, 0,
         "A float16 x W int4, g128 scales, no zeros -> float16"),
  FORMAT("w4a16-gptq", FLOAT16,  UINT4,       FLOAT16,   128, 1, QUANTIZED, 0, 0,
         "A float16 x W uint4, g128 scales + quantized zeros (GPTQ) -> float16"),
  FORMAT("w4a16-bf16", BFLOAT16, UINT4,       BFLOAT16,  128, 1, ORIGINAL,  0, 0,
         "A bfloat16 x W uint4, g128 scales + zeros (original) -> bfloat16"),
  FORMAT("w8a16",      FLOAT16,  UINT8,       FLOAT16,   128, 1, ORIGINAL,  0, 0,
         "A float16 x W uint8, g128 scales + zeros (original) -> float16"),
  FORMAT("w8a16-bf16", BFLOAT16, UINT8,       BFLOAT16,  128, 1, ORIGINAL,  0, 0,
         "A bfloat16 x W uint8, g128 scales + zeros (original) -> bfloat16"),
  FORMAT("w2a16",      FLOAT16,  UINT2,       FLOAT16,   128, 1, ORIGINAL,  0, 0,
         "A float16 x W uint2, g128 scales + zeros (original) -> float16"),
  FORMAT("w2a16-int2", FLOAT16,  INT2,        FLOAT16,   128, 1, NONE,      0, 0,
         "A float16 x W int2, g128 scales, no zeros -> float16"),
  FORMAT("w1a16",      FLOAT16,  UINT1,       FLOAT16,    -1, 1, NONE,      0, 0,
         "A float16 x W uint1, one scale per row -> float16"),
  FORMAT("w1a16-int1", FLOAT16,  INT1,        FLOAT16,    -1, 1, NONE,      0, 0,
         "A float16 x W int1 (+-1), one scale per row -> float16"),
  FORMAT("nf4",        FLOAT16,  NF4,         FLOAT16,    64, 1, NONE,      0, 0,
         "A float16 x W nf4 (QLoRA), g64 scales -> float16"),
  FORMAT("nf4-bf16",   BFLOAT16, NF4,         BFLOAT16,   64, 1, NONE,      0, 0,
         "A bfloat16 x W nf4 (QLoRA), g64 scales -> bfloat16"),
  FORMAT("fp4",        FLOAT16,  FP4_E2M1,    FLOAT16,    32, 1, NONE,      0, 0,
         "A float16 x W fp4_e2m1 (OCP MX), g32 scales -> float16"),
  FORMAT("fp8",        FLOAT16,  FLOAT8_E4M3, FLOAT16,    -1, 1, NONE,      0, 0,
         "A float16 x W float8_e4m3, one scale per row -> float16"),
  FORMAT("fp8-bf16",   BFLOAT16, FLOAT8_E4M3, BFLOAT16,   -1, 1, NONE,      0, 0,
         "A bfloat16 x W float8_e4m3, one scale per row -> bfloat16"),
  FORMAT("w4a8",       INT8,     INT4,        FLOAT16,    -1, 1, NONE,      1, 0,
         "A int8 x W int4, int32 sums x column scale x row a_scale -> float16"),
  FORMAT("w2a8",       INT8,     INT2,        FLOAT16,    -1, 1, NONE,      1, 0,
         "A int8 x W int2, int32 sums x column scale x row a_scale -> float16"),
  FORMAT("bitnet",     INT8,     INT2,        FLOAT16,    -1, 1, NONE,      1, 1,
         "BitNet b1.58: A int8 x W ternary (int2 in {-1,0,1}), scales as w2a8"),
  FORMAT("w16a16",     FLOAT16,  FLOAT16,     FLOAT16,    -1, 0, NONE,      0, 0,
         "A float16 x W float16, plain (no quantization) -> float16"),
};
/* clang-format on */

size_t bb_tool_format_preset_count(void) {
  return sizeof format_presets / sizeof format_presets[0];
}

const bb_tool_format *bb_tool_format_preset_at(size_t index) {
  return index < bb_tool_format_preset_count() ? &format_presets[index] : NULL;
}

void bb_tool_format_names(char *buf, size_t size) {
  if (size == 0) return;
  buf[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; i < bb_tool_format_preset_count() && used < size; i++)
    used +=
        (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", format_presets[i].name);
}

/* Copies text[0, length) without surrounding blanks into buf (truncating at size - 1). */
static void copy_trimmed(const char *text, size_t length, char *buf, size_t size) {
  while (length > 0 && isspace((unsigned char)*text)) text++, length--;
  while (length > 0 && isspace((unsigned char)text[length - 1])) length--;
  if (length >= size) length = size - 1;
  memcpy(buf, text, length);
  buf[length] = '\0';
}

static int parse_dtype(const char *key, const char *value, bitblas_dtype *out) {
  bitblas_status status = bitblas_dtype_from_name(value, out);
  if (status != BITBLAS_OK) return bb_tool_fail("format field %s: %s", key, bitblas_last_error());
  return 0;
}

static int parse_flag(const char *key, const char *value, int *out) {
  if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
    return bb_tool_fail("format field %s = \"%s\": must be 0 or 1", key, value);
  *out = value[0] == '1';
  return 0;
}

/* Parses the generic spelling "A=...,W=...,..." (text already trimmed). */
static int parse_generic(const char *text, bb_tool_format *out) {
  bb_tool_format format;
  memset(&format, 0, sizeof format);
  format.description = "";
  format.group_size = -1;
  format.zeros_mode = BITBLAS_ZEROS_NONE;
  int have_a = 0, have_w = 0, have_out = 0, have_scale = 0;
  const char *cursor = text;
  for (;;) {
    const char *comma = strchr(cursor, ',');
    size_t length = comma ? (size_t)(comma - cursor) : strlen(cursor);
    char field[64];
    copy_trimmed(cursor, length, field, sizeof field);
    char *equals = strchr(field, '=');
    if (!equals)
      return bb_tool_fail("format \"%s\": field \"%s\" is not key=value (keys: A, W, g, zeros, "
                          "scale, out, a_scale, ternary, bias)",
                          text, field);
    *equals = '\0';
    const char *key = field;
    const char *value = equals + 1;
    int failed = 0;
    if (strcmp(key, "A") == 0) {
      failed = parse_dtype("A", value, &format.A_dtype);
      have_a = 1;
    } else if (strcmp(key, "W") == 0) {
      failed = parse_dtype("W", value, &format.W_dtype);
      have_w = 1;
    } else if (strcmp(key, "out") == 0) {
      failed = parse_dtype("out", value, &format.out_dtype);
      have_out = 1;
    } else if (strcmp(key, "g") == 0 || strcmp(key, "group") == 0) {
      failed =
          bb_tool_parse_int(value, "format field g", -1, BB_TOOL_GROUP_MAX, &format.group_size);
      if (!failed && format.group_size == 0)
        failed = bb_tool_fail("format field g = 0: must be -1 (one group per row) or positive");
    } else if (strcmp(key, "zeros") == 0) {
      if (bitblas_zeros_mode_from_name(value, &format.zeros_mode) != BITBLAS_OK)
        failed = bb_tool_fail("format field zeros: %s", bitblas_last_error());
    } else if (strcmp(key, "scale") == 0) {
      failed = parse_flag("scale", value, &format.with_scaling);
      have_scale = 1;
    } else if (strcmp(key, "a_scale") == 0) {
      failed = parse_flag("a_scale", value, &format.with_a_scale);
    } else if (strcmp(key, "ternary") == 0) {
      failed = parse_flag("ternary", value, &format.ternary);
    } else if (strcmp(key, "bias") == 0) {
      failed = parse_flag("bias", value, &format.with_bias);
    } else {
      failed = bb_tool_fail("format \"%s\": unknown key \"%s\" (keys: A, W, g, zeros, scale, out, "
                            "a_scale, ternary, bias)",
                            text, key);
    }
    if (failed) return -1;
    if (!comma) break;
    cursor = comma + 1;
  }
  if (!have_a || !have_w) return bb_tool_fail("format \"%s\": needs at least A= and W=", text);
  if (!have_out)
    format.out_dtype =
        format.A_dtype == BITBLAS_DTYPE_BFLOAT16 ? BITBLAS_DTYPE_BFLOAT16 : BITBLAS_DTYPE_FLOAT16;
  if (!have_scale)
    format.with_scaling =
        !(format.W_dtype == BITBLAS_DTYPE_FLOAT16 || format.W_dtype == BITBLAS_DTYPE_BFLOAT16);
  if (format.ternary && format.W_dtype != BITBLAS_DTYPE_INT2)
    return bb_tool_fail("format \"%s\": ternary=1 needs W=int2", text);
  snprintf(format.name, sizeof format.name, "%.*s", (int)sizeof format.name - 1, text);

  /* Check the combination now, on a shape that only the group size constrains. */
  bitblas_matmul_config cfg;
  int64_t K = (format.group_size > 0 ? format.group_size : 1) * 8;
  bb_tool_format_config(&format, 1, 8, K, &cfg);
  cfg.group_size = format.group_size; /* unadapted: report a bad group as given */
  bitblas_status status = bitblas_matmul_config_validate(&cfg);
  if (status != BITBLAS_OK)
    return bb_tool_fail("format \"%s\" is not valid: %s", text, bitblas_last_error());
  *out = format;
  return 0;
}

int bb_tool_format_parse(const char *text, bb_tool_format *out) {
  char trimmed[256];
  copy_trimmed(text, strlen(text), trimmed, sizeof trimmed);
  if (strchr(trimmed, '=')) return parse_generic(trimmed, out);
  static const char bias_suffix[] = "+bias";
  size_t length = strlen(trimmed);
  const int with_bias = length > strlen(bias_suffix) &&
                        strcmp(trimmed + length - strlen(bias_suffix), bias_suffix) == 0;
  if (with_bias) length -= strlen(bias_suffix);
  for (size_t i = 0; i < bb_tool_format_preset_count(); i++) {
    if (strlen(format_presets[i].name) == length &&
        strncmp(format_presets[i].name, trimmed, length) == 0) {
      *out = format_presets[i];
      if (with_bias) {
        out->with_bias = 1;
        snprintf(out->name, sizeof out->name, "%.*s", (int)sizeof out->name - 1, trimmed);
      }
      return 0;
    }
  }
  char valid[512];
  bb_tool_format_names(valid, sizeof valid);
  return bb_tool_fail("unknown format \"%s\"; valid formats: %s, each optionally followed by "
                      "+bias (or A=...,W=...,g=...,zeros=...)",
                      trimmed, valid);
}

/* Appends one parsed format unless the list is full. */
static int append_format(const char *text, bb_tool_format *formats, size_t *count) {
  if (*count == BB_TOOL_FORMAT_LIST_MAX)
    return bb_tool_fail("--formats: more than %d formats", BB_TOOL_FORMAT_LIST_MAX);
  if (bb_tool_format_parse(text, &formats[*count]) != 0) return -1;
  (*count)++;
  return 0;
}

int bb_tool_format_list_parse(const char *text, bb_tool_format *formats, size_t *count) {
  *count = 0;
  const char *part = text;
  for (;;) {
    const char *semicolon = strchr(part, ';');
    size_t part_length = semicolon ? (size_t)(semicolon - part) : strlen(part);
    char buffer[512];
    if (part_length >= sizeof buffer) {
      *count = 0;
      return bb_tool_fail("--formats: part \"%.40s...\" is too long", part);
    }
    copy_trimmed(part, part_length, buffer, sizeof buffer);
    if (strchr(buffer, '=')) {
      if (append_format(buffer, formats, count) != 0) goto failed;
    } else if (buffer[0] != '\0') {
      const char *name = buffer;
      for (;;) {
        const char *comma = strchr(name, ',');
        size_t length = comma ? (size_t)(comma - name) : strlen(name);
        char one[128];
        copy_trimmed(name, length, one, sizeof one);
        if (append_format(one, formats, count) != 0) goto failed;
        if (!comma) break;
        name = comma + 1;
      }
    }
    if (!semicolon) break;
    part = semicolon + 1;
  }
  if (*count == 0) return bb_tool_fail("--formats: no format given");
  return 0;
failed:
  *count = 0;
  return -1;
}

int64_t bb_tool_format_group_for(const bb_tool_format *format, int64_t K) {
  int64_t group = format->group_size;
  if (group <= 0 || K % group == 0) return group;
  for (int64_t candidate = group - group % 8; candidate >= 8; candidate -= 8)
    if (K % candidate == 0) return candidate;
  return 8;
}

void bb_tool_format_config(const bb_tool_format *format, int64_t M, int64_t N, int64_t K,
                           bitblas_matmul_config *cfg) {
  bitblas_matmul_config_init(cfg);
  cfg->M = M;
  cfg->N = N;
  cfg->K = K;
  cfg->A_dtype = format->A_dtype;
  cfg->W_dtype = format->W_dtype;
  cfg->accum_dtype =
      format->A_dtype == BITBLAS_DTYPE_INT8 ? BITBLAS_DTYPE_INT32 : BITBLAS_DTYPE_FLOAT32;
  cfg->out_dtype = format->out_dtype;
  cfg->group_size = bb_tool_format_group_for(format, K);
  cfg->with_scaling = format->with_scaling;
  cfg->zeros_mode = format->zeros_mode;
  cfg->with_a_scale = format->with_a_scale;
  cfg->with_bias = format->with_bias;
}

void bb_tool_format_label(const bb_tool_format *format, int64_t K, char *buf, size_t size) {
  int64_t group = bb_tool_format_group_for(format, K);
  if (group == format->group_size)
    snprintf(buf, size, "%s", format->name);
  else
    snprintf(buf, size, "%s/g%" PRId64, format->name, group);
}
