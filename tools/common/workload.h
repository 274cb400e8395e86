/*
 * workload.h - the options both tools share for choosing what to run (--preset, --shapes,
 * --shapes-file, --m, --formats, --dynamic-m) and the list of shapes and formats they make.
 * Parsing and combining only; the programs run the work.
 */
#ifndef BITBLAS_TOOL_WORKLOAD_H
#define BITBLAS_TOOL_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "formats.h"
#include "presets.h"

/* The preset and format used when none is given. */
#define BB_TOOL_DEFAULT_PRESET "llama-3-8b"
#define BB_TOOL_DEFAULT_FORMATS "w4a16"

/* The option texts as given (NULL: not given). */
typedef struct bb_tool_workload_options {
  const char *presets;
  const char *shapes;
  const char *shapes_file;
  const char *m_list;
  const char *formats;
  int dynamic_m;
} bb_tool_workload_options;

/* Matches argv[*index] against the shared options and stores its text in *options. Returns 1
 * when it was one of them (advancing *index past its value), 0 when it was not, -1 (message
 * set) when it lacks its value. */
int bb_tool_workload_option(int argc, char **argv, int *index, bb_tool_workload_options *options);

/* What to run. With dynamic_m, each shape appears once and its M is the largest m expected
 * (the --m list's largest value for preset shapes, the given M for --shapes entries). */
typedef struct bb_tool_workload {
  bb_tool_shape_list shapes;
  int64_t m_values[BB_TOOL_M_LIST_MAX]; /* the --m list; {1} by default */
  size_t m_count;
  bb_tool_format formats[BB_TOOL_FORMAT_LIST_MAX];
  size_t format_count;
  int dynamic_m;
} bb_tool_workload;

/* Builds the workload: preset shapes (the given presets, or BB_TOOL_DEFAULT_PRESET when no
 * shapes at all are given) once per M of the list, then the --shapes entries, then the
 * --shapes-file entries, each with its own M; formats from --formats or BB_TOOL_DEFAULT_FORMATS.
 * --m without any preset (only --shapes/--shapes-file) is refused: those entries carry their
 * own M. 0, or -1 with a message fit for a usage error; on failure nothing is left allocated. */
int bb_tool_workload_build(const bb_tool_workload_options *options, bb_tool_workload *workload);

void bb_tool_workload_free(bb_tool_workload *workload);

/* Prints the help text of the shared options (--preset ... --dynamic-m), defaults included. */
void bb_tool_workload_print_options(FILE *out);

/* Prints the help text's lists of presets (with their N x K shapes) and formats (with what each
 * means), for --help. */
void bb_tool_workload_print_choices(FILE *out);

#endif
