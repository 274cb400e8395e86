/*
 * formats.h - named operator formats for the tools' --formats option (w4a16, w2a8, nf4, ...),
 * the generic "A=...,W=...,g=...,zeros=..." spelling, and turning a format and a shape into a
 * bitblas_matmul_config. Parsing and config building only; the library validates the result.
 */
#ifndef BITBLAS_TOOL_FORMATS_H
#define BITBLAS_TOOL_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* The largest group size the generic spelling accepts. */
#define BB_TOOL_GROUP_MAX 65536

/* Most formats one --formats list may hold. */
#define BB_TOOL_FORMAT_LIST_MAX 32

/* Everything of a config except the shape. */
typedef struct bb_tool_format {
  char name[96];           /* the preset name, or the generic spelling as given */
  const char *description; /* one line for --help; "" for generic formats */
  bitblas_dtype A_dtype;
  bitblas_dtype W_dtype;
  bitblas_dtype out_dtype;
  int64_t group_size; /* -1: one group per row */
  int with_scaling;
  bitblas_zeros_mode zeros_mode;
  int with_a_scale; /* int8 A: a float32 scale per row of A */
  int ternary;      /* int2 weights restricted to {-1, 0, +1} (BitNet b1.58) */
  int with_bias;    /* a bias[N] of the output dtype is added */
} bb_tool_format;

/* The named formats, in the order --help lists them. */
size_t bb_tool_format_preset_count(void);
const bb_tool_format *bb_tool_format_preset_at(size_t index);

/* Writes the preset names separated by ", " into buf (always terminated when size > 0). */
void bb_tool_format_names(char *buf, size_t size);

/* Parses one format: a preset name ("w4a16") or the generic spelling
 *   A=<dtype>,W=<dtype>[,g=<group>][,zeros=<mode>][,scale=0|1][,out=<dtype>][,a_scale=0|1]
 *   [,ternary=0|1][,bias=0|1]
 * with the defaults g=-1, zeros=none, scale=1 (0 for float16/bfloat16 W), out=float16 (bfloat16
 * for bfloat16 A), a_scale=0, bias=0. A preset name followed by "+bias" ("w4a16+bias") is that
 * preset with a bias. The result is checked with bitblas_matmul_config_validate on a
 * small shape. 0 and *out, or -1 with bb_tool_error() saying what is wrong (an unknown name
 * lists the valid ones). */
int bb_tool_format_parse(const char *text, bb_tool_format *out);

/* Parses a --formats list: parts separated by ';', each either one generic spelling (it contains
 * '=') or comma-separated preset names. "w4a16,w2a16;A=float16,W=int4,g=64" is three formats.
 * Writes up to BB_TOOL_FORMAT_LIST_MAX formats and their number. 0, or -1 with the message. */
int bb_tool_format_list_parse(const char *text, bb_tool_format *formats, size_t *count);

/* The group size the format uses for a given K: its own when K is a multiple of it (or it is
 * -1), else the largest multiple of 8 below it that divides K (K is a multiple of 8, so 8 at
 * worst): the awkward shapes of SPEC section 6 run with the nearest valid grouping. */
int64_t bb_tool_format_group_for(const bb_tool_format *format, int64_t K);

/* Fills cfg for the format and a static shape (M, N, K), the group size adapted as above. */
void bb_tool_format_config(const bb_tool_format *format, int64_t M, int64_t N, int64_t K,
                           bitblas_matmul_config *cfg);

/* The format's name for tables: its name, plus "/g<size>" when the group size was adapted for
 * this K ("w4a16/g64"). */
void bb_tool_format_label(const bb_tool_format *format, int64_t K, char *buf, size_t size);

#endif
