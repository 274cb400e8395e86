/*
 * workload.c - the shared what-to-run options of the tools and the shape x format list they
 * make (see workload.h). Uses presets.c and formats.c; no GPU.
 */
#include "workload.h"

#include <string.h>

#include "errors.h"
#include "options.h"

int bb_tool_workload_option(int argc, char **argv, int *index, bb_tool_workload_options *options) {
  static const char *const names[] = {"--preset", "--shapes", "--shapes-file", "--m", "--formats"};
  const char **targets[] = {&options->presets, &options->shapes, &options->shapes_file,
                            &options->m_list, &options->formats};
  if (strcmp(argv[*index], "--dynamic-m") == 0) {
    options->dynamic_m = 1;
    return 1;
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    int matched = bb_tool_option_value(argc, argv, index, names[i], targets[i]);
    if (matched != 0) return matched;
  }
  return 0;
}

int bb_tool_workload_build(const bb_tool_workload_options *options, bb_tool_workload *workload) {
  memset(workload, 0, sizeof *workload);
  workload->dynamic_m = options->dynamic_m;
  if (options->m_list && !options->presets && (options->shapes || options->shapes_file))
    return bb_tool_fail("--m applies to --preset shapes; --shapes and --shapes-file entries "
                        "carry their own M (M,N,K)");
  if (options->m_list) {
    if (bb_tool_m_list_parse(options->m_list, workload->m_values, &workload->m_count) != 0)
      return -1;
  } else {
    workload->m_values[0] = 1;
    workload->m_count = 1;
  }
  if (bb_tool_format_list_parse(options->formats ? options->formats : BB_TOOL_DEFAULT_FORMATS,
                                workload->formats, &workload->format_count) != 0)
    return -1;

  const char *presets = options->presets;
  if (!presets && !options->shapes && !options->shapes_file) presets = BB_TOOL_DEFAULT_PRESET;
  if (presets) {
    int64_t largest = workload->m_values[0];
    for (size_t i = 1; i < workload->m_count; i++)
      if (workload->m_values[i] > largest) largest = workload->m_values[i];
    /* With dynamic M one operator serves every m: one entry per shape, M the largest m. */
    const int64_t *m_values = workload->dynamic_m ? &largest : workload->m_values;
    size_t m_count = workload->dynamic_m ? 1 : workload->m_count;
    if (bb_tool_presets_add(presets, m_values, m_count, &workload->shapes) != 0) goto failed;
  }
  if (options->shapes && bb_tool_shapes_parse(options->shapes, "--shapes", &workload->shapes) != 0)
    goto failed;
  if (options->shapes_file &&
      bb_tool_shapes_file_read(options->shapes_file, &workload->shapes) != 0)
    goto failed;
  return 0;
failed:
  bb_tool_workload_free(workload);
  return -1;
}

void bb_tool_workload_free(bb_tool_workload *workload) {
  bb_tool_shape_list_free(&workload->shapes);
  memset(workload, 0, sizeof *workload);
}

void bb_tool_workload_print_options(FILE *out) {
  fprintf(
      out,
      "  --preset NAME[,NAME]  model shape sets (below); default " BB_TOOL_DEFAULT_PRESET
      " when no\n"
      "                        shapes are given\n"
      "  --shapes \"M,N,K;...\"  explicit shapes, each with its own M (K a multiple of 8)\n"
      "  --shapes-file FILE    one M,N,K per line; '#' starts a comment\n"
      "  --m LIST              M values for preset shapes, e.g. 1,4,16 (default 1), or \"all\"\n"
      "                        (1,4,8,16,32,64,128,256,1024,4096,8192)\n"
      "  --formats LIST        comma-separated format names (below; "
      "default " BB_TOOL_DEFAULT_FORMATS ");\n"
      "                        generic formats (\"A=float16,W=uint4,g=64\") go between ';'\n"
      "  --dynamic-m           one operator per shape and format serving any m (one kernel\n"
      "                        per M bucket), for M up to the largest value of --m\n");
}

void bb_tool_workload_print_choices(FILE *out) {
  fprintf(out, "Presets (N x K of each layer):\n");
  for (size_t i = 0; i < bb_tool_preset_count(); i++) {
    const bb_tool_preset *preset = bb_tool_preset_at(i);
    fprintf(out, "  %-16s %s:\n                  ", preset->name, preset->description);
    for (size_t s = 0; s < preset->shape_count; s++)
      fprintf(out, "%s %lldx%lld", s && s % 6 == 0 ? "\n                  " : "",
              (long long)preset->shapes[s].N, (long long)preset->shapes[s].K);
    fputc('\n', out);
  }
  fprintf(out, "Formats:\n");
  for (size_t i = 0; i < bb_tool_format_preset_count(); i++) {
    const bb_tool_format *format = bb_tool_format_preset_at(i);
    fprintf(out, "  %-16s %s\n", format->name, format->description);
  }
  fprintf(out,
          "  NAME+bias        a named format with a bias[N] of its output dtype (w4a16+bias)\n"
          "  A=..,W=..[,g=..][,zeros=..][,scale=0|1][,out=..][,a_scale=0|1][,ternary=0|1]\n"
          "      [,bias=0|1]  any other combination the library accepts (dtype names as\n"
          "                   BitBLAS's; g=-1: one group per row; zeros none, original, rescale,\n"
          "                   quantized); where K is not a multiple of a format's group size,\n"
          "                   the largest multiple of 8 below it that divides K is used\n"
          "                   (shown as format/g<size>)\n");
}
