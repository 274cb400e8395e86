/*
 * options.c - "--name VALUE" option matching and checked integer parsing for the tools (see
 * options.h). Knows no option of either program.
 */
#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

int bb_tool_option_value(int argc, char **argv, int *index, const char *name, const char **value) {
  const char *argument = argv[*index];
  size_t length = strlen(name);
  if (strncmp(argument, name, length) != 0) return 0;
  if (argument[length] == '=') {
    *value = argument + length + 1;
    return 1;
  }
  if (argument[length] != '\0') return 0;
  if (*index + 1 >= argc) return bb_tool_fail("option %s needs a value", name);
  *index += 1;
  *value = argv[*index];
  return 1;
}

int bb_tool_option_path(int argc, char **argv, int *index, const char *name, const char **value) {
  const int matched = bb_tool_option_value(argc, argv, index, name, value);
  if (matched > 0 && !**value) return bb_tool_fail("%s: the path is empty", name);
  return matched;
}

int bb_tool_parse_int(const char *text, const char *what, int64_t min, int64_t max, int64_t *out) {
  char *end = NULL;
  errno = 0;
  long long parsed = strtoll(text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE || text[0] == ' ' || text[0] == '\t')
    return bb_tool_fail("%s = \"%s\": not an integer", what, text);
  if (parsed < min || parsed > max)
    return bb_tool_fail("%s = %lld: must be between %" PRId64 " and %" PRId64, what, parsed, min,
                        max);
  *out = (int64_t)parsed;
  return 0;
}
