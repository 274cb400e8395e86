/*
 * options.h - the small command-line helpers both tools share: "--name VALUE" / "--name=VALUE"
 * options and checked integer parsing. No getopt (it is not in C11/POSIX with long options);
 * the programs keep their own option tables and usage text.
 */
#ifndef BITBLAS_TOOL_OPTIONS_H
#define BITBLAS_TOOL_OPTIONS_H

#include <stdint.h>

/* Matches argv[*index] against the option `name` ("--shapes"). Returns 0 when it is another
 * option. When it matches, *value is the text after '=' ("--shapes=1,2,8") or the next argument
 * ("--shapes 1,2,8"), *index is advanced past what was used (to the last argument consumed), and
 * 1 is returned; a matching option without a value returns -1 with bb_tool_error() set. */
int bb_tool_option_value(int argc, char **argv, int *index, const char *name, const char **value);

/* bb_tool_option_value for an option whose value is a file path: an empty one is refused too
 * (-1, "<name>: the path is empty"). */
int bb_tool_option_path(int argc, char **argv, int *index, const char *name, const char **value);

/* Parses all of `text` as a decimal integer in [min, max]. Returns 0 and *out, or -1 with
 * bb_tool_error() naming `what`, the text and the range. */
int bb_tool_parse_int(const char *text, const char *what, int64_t min, int64_t max, int64_t *out);

#endif
