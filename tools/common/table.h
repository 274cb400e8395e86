/*
 * table.h - result tables of the tools: rows of text cells, printed with aligned columns
 * (numbers right-aligned, widths counted in characters, so "µs" aligns) or written as CSV
 * (RFC 4180 quoting). Cells are formatted by the caller; no arithmetic here.
 */
#ifndef BITBLAS_TOOL_TABLE_H
#define BITBLAS_TOOL_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "errors.h"

typedef struct bb_tool_table bb_tool_table;

/* A table with `columns` columns named by `headers` (copied). NULL with bb_tool_error() set when
 * out of memory. */
bb_tool_table *bb_tool_table_create(size_t columns, const char *const *headers);

/* Frees the table; NULL is a no-op. */
void bb_tool_table_destroy(bb_tool_table *table);

/* Starts a new row; its cells are then added left to right with bb_tool_table_cell. Cells not
 * added print empty. 0, or -1 when out of memory. */
int bb_tool_table_row(bb_tool_table *table);

/* Appends one printf-formatted cell (at most 255 bytes) to the current row. Extra cells beyond
 * the column count are ignored. 0, or -1 when out of memory or with no row started. */
int bb_tool_table_cell(bb_tool_table *table, const char *fmt, ...) BB_TOOL_PRINTF(2, 3);

/* Number of rows added. */
size_t bb_tool_table_rows(const bb_tool_table *table);

/* Prints the header, a rule and the rows, columns separated by two spaces, no line ending in
 * blanks; a column of numbers ("12.5", "3.1x", "85%", with "-" or "" for gaps) is
 * right-aligned. */
void bb_tool_table_print(const bb_tool_table *table, FILE *out);

/* Writes the header and rows as CSV. 0, or -1 with the message on a write error. */
int bb_tool_table_write_csv(const bb_tool_table *table, FILE *out);

#endif
