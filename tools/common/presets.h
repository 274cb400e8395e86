/*
 * presets.h - the shape sets of SPEC section 6 as named lists of (N, K), and the parsers of the
 * tools' shape options: --preset, --shapes "M,N,K;...", --shapes-file and M lists ("1,4,16").
 * Parsing and lists only: nothing here touches a GPU or builds an operator.
 */
#ifndef BITBLAS_TOOL_PRESETS_H
#define BITBLAS_TOOL_PRESETS_H

#include <stddef.h>
#include <stdint.h>

/* The largest M, N or K the parsers accept (the library's limit). */
#define BB_TOOL_DIMENSION_MAX INT32_MAX

/* Most values an M list may hold. */
#define BB_TOOL_M_LIST_MAX 64

/* One layer's weight shape in a preset. */
typedef struct bb_tool_preset_shape {
  int64_t N;
  int64_t K;
  const char *label; /* the layer ("qkv", "down") or what makes it awkward ("N=1"); never NULL */
} bb_tool_preset_shape;

typedef struct bb_tool_preset {
  const char *name;        /* "llama-3-8b" */
  const char *description; /* one line for --help */
  const bb_tool_preset_shape *shapes;
  size_t shape_count;
} bb_tool_preset;

/* The presets, in the order --help lists them. */
size_t bb_tool_preset_count(void);
const bb_tool_preset *bb_tool_preset_at(size_t index);

/* The preset called `name`, or NULL. */
const bb_tool_preset *bb_tool_preset_find(const char *name);

/* One problem to run: a full M, N, K with where it came from. */
typedef struct bb_tool_shape {
  int64_t M;
  int64_t N;
  int64_t K;
  char label[48];  /* "llama-3-8b qkv" for preset shapes, "" for shapes given by the user */
  int from_preset; /* 1: a preset's (N, K) with M from the M list; 0: M,N,K given as is */
} bb_tool_shape;

/* A growable list; start from {0} and free with bb_tool_shape_list_free. */
typedef struct bb_tool_shape_list {
  bb_tool_shape *items;
  size_t count;
  size_t capacity;
} bb_tool_shape_list;

/* Appends a copy of *shape. 0, or -1 (out of memory) with bb_tool_error() set. */
int bb_tool_shape_list_add(bb_tool_shape_list *list, const bb_tool_shape *shape);

/* Frees the items and empties the list; a zeroed list is fine. */
void bb_tool_shape_list_free(bb_tool_shape_list *list);

/* Parses a comma-separated list of preset names ("llama-3-8b,llama-3-70b") and appends every
 * shape of each, once per value of m_values (preset order, then M order). An unknown name fails
 * with -1 and a message that lists the valid names; nothing is appended then. */
int bb_tool_presets_add(const char *names, const int64_t *m_values, size_t m_count,
                        bb_tool_shape_list *list);

/* Parses "M,N,K;M,N,K" (spaces allowed around numbers; a trailing ';' is fine) and appends the
 * shapes. Each entry must have exactly three integers, 1 <= M, N, K <= BB_TOOL_DIMENSION_MAX, K a
 * multiple of 8. On a malformed entry returns -1 with a message quoting the entry and saying what
 * is wrong; nothing is appended then. `origin` names the source in messages ("--shapes"). */
int bb_tool_shapes_parse(const char *text, const char *origin, bb_tool_shape_list *list);

/* Reads a file of one "M,N,K" per line; '#' starts a comment, blank lines are skipped. Errors
 * (unreadable file, malformed line with its number) return -1 with the message set; nothing is
 * appended then. */
int bb_tool_shapes_file_read(const char *path, bb_tool_shape_list *list);

/* Parses an M list: comma-separated positive integers ("1,4,16"), or "all" for the M values of
 * SPEC section 6 (1, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 8192). Duplicates are dropped, order
 * is kept. Writes at most BB_TOOL_M_LIST_MAX values into values and their number into *count.
 * -1 with a message on anything else. */
int bb_tool_m_list_parse(const char *text, int64_t *values, size_t *count);

/* Writes the preset names separated by ", " into buf (always terminated when size > 0). */
void bb_tool_preset_names(char *buf, size_t size);

#endif
