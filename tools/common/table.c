/*
 * table.c - aligned text tables and CSV output for the tools (see table.h). Cells are strings;
 * the only judgement made here is whether a column reads as numbers (for alignment).
 */
#include "table.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct bb_tool_table {
  size_t columns;
  char **headers;
  char **cells; /* rows x columns, NULL for a cell not added */
  size_t rows;
  size_t capacity;    /* rows allocated */
  size_t next_column; /* of the current row */
};

static char *duplicate(const char *text) {
  size_t length = strlen(text);
  char *copy = malloc(length + 1);
  if (copy) memcpy(copy, text, length + 1);
  return copy;
}

bb_tool_table *bb_tool_table_create(size_t columns, const char *const *headers) {
  bb_tool_table *table = calloc(1, sizeof *table);
  if (!table) goto out_of_memory;
  table->columns = columns;
  table->headers = calloc(columns, sizeof *table->headers);
  if (!table->headers) goto out_of_memory;
  for (size_t c = 0; c < columns; c++)
    if (!(table->headers[c] = duplicate(headers[c]))) goto out_of_memory;
  return table;
out_of_memory:
  bb_tool_table_destroy(table);
  bb_tool_fail("out of memory creating a table");
  return NULL;
}

void bb_tool_table_destroy(bb_tool_table *table) {
  if (!table) return;
  if (table->headers)
    for (size_t c = 0; c < table->columns; c++) free(table->headers[c]);
  if (table->cells)
    for (size_t i = 0; i < table->rows * table->columns; i++) free(table->cells[i]);
  free(table->headers);
  free(table->cells);
  free(table);
}

int bb_tool_table_row(bb_tool_table *table) {
  if (table->rows == table->capacity) {
    size_t capacity = table->capacity ? table->capacity * 2 : 32;
    char **cells = realloc(table->cells, capacity * table->columns * sizeof *cells);
    if (!cells) return bb_tool_fail("out of memory growing a table to %zu rows", capacity);
    table->cells = cells;
    table->capacity = capacity;
  }
  memset(table->cells + table->rows * table->columns, 0, table->columns * sizeof *table->cells);
  table->rows++;
  table->next_column = 0;
  return 0;
}

int bb_tool_table_cell(bb_tool_table *table, const char *fmt, ...) {
  if (table->rows == 0) return bb_tool_fail("bb_tool_table_cell before bb_tool_table_row");
  if (table->next_column >= table->columns) return 0;
  char text[256];
  va_list args;
  va_start(args, fmt);
  vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  char *copy = duplicate(text);
  if (!copy) return bb_tool_fail("out of memory for a table cell");
  table->cells[(table->rows - 1) * table->columns + table->next_column++] = copy;
  return 0;
}

size_t bb_tool_table_rows(const bb_tool_table *table) { return table->rows; }

static const char *cell(const bb_tool_table *table, size_t row, size_t column) {
  const char *text = table->cells[row * table->columns + column];
  return text ? text : "";
}

/* Characters (UTF-8 code points) in text, which is what a terminal column counts. */
static size_t display_width(const char *text) {
  size_t width = 0;
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) width += (*c & 0xC0) != 0x80;
  return width;
}

/* Numbers, possibly signed, with a decimal point, an exponent, or a unit suffix such as "x" or
 * "%"; "-" and "" (no value) also count, so a column of numbers with gaps still aligns right
 * (a column of nothing but gaps does not). */
static int looks_numeric(const char *text) {
  if (text[0] == '\0' || strcmp(text, "-") == 0) return 1;
  const char *c = text;
  if (*c == '-' || *c == '+') c++;
  if (!isdigit((unsigned char)*c)) return 0;
  while (isdigit((unsigned char)*c) || *c == '.' || *c == 'e' || *c == 'E' ||
         ((*c == '-' || *c == '+') && (c[-1] == 'e' || c[-1] == 'E')))
    c++;
  return strcmp(c, "") == 0 || strcmp(c, "x") == 0 || strcmp(c, "%") == 0;
}

/* Writes blanks lazily: they are only printed when text follows them on the same line, so no
 * line ends in blanks. */
typedef struct line_writer {
  FILE *out;
  size_t pending_blanks;
} line_writer;

static void write_text(line_writer *line, const char *text) {
  if (!*text) return;
  for (; line->pending_blanks > 0; line->pending_blanks--) fputc(' ', line->out);
  fputs(text, line->out);
}

static void write_cell(line_writer *line, const char *text, size_t width, int right) {
  size_t pad = width - display_width(text);
  if (right) line->pending_blanks += pad;
  write_text(line, text);
  if (!right) line->pending_blanks += pad;
}

static void end_line(line_writer *line) {
  line->pending_blanks = 0;
  fputc('\n', line->out);
}

void bb_tool_table_print(const bb_tool_table *table, FILE *out) {
  size_t *widths = calloc(table->columns, sizeof *widths);
  int *right = calloc(table->columns, sizeof *right);
  if (!widths || !right) {
    free(widths);
    free(right);
    fputs("(out of memory printing a table)\n", out);
    return;
  }
  for (size_t c = 0; c < table->columns; c++) {
    widths[c] = display_width(table->headers[c]);
    int numbers = 0, others = 0;
    for (size_t r = 0; r < table->rows; r++) {
      const char *text = cell(table, r, c);
      size_t width = display_width(text);
      if (width > widths[c]) widths[c] = width;
      if (!looks_numeric(text))
        others++;
      else if (text[0] != '\0' && strcmp(text, "-") != 0)
        numbers++;
    }
    right[c] = numbers > 0 && others == 0;
  }
  line_writer line = {out, 0};
  size_t total = 0;
  for (size_t c = 0; c < table->columns; c++) {
    if (c) line.pending_blanks += 2;
    write_cell(&line, table->headers[c], widths[c], right[c]);
    total += widths[c] + (c ? 2 : 0);
  }
  end_line(&line);
  for (size_t i = 0; i < total; i++) fputc('-', out);
  end_line(&line);
  for (size_t r = 0; r < table->rows; r++) {
    for (size_t c = 0; c < table->columns; c++) {
      if (c) line.pending_blanks += 2;
      write_cell(&line, cell(table, r, c), widths[c], right[c]);
    }
    end_line(&line);
  }
  free(widths);
  free(right);
}

static void write_csv_field(FILE *out, const char *text) {
  if (strpbrk(text, ",\"\n\r") == NULL) {
    fputs(text, out);
    return;
  }
  fputc('"', out);
  for (const char *c = text; *c; c++) {
    if (*c == '"') fputc('"', out);
    fputc(*c, out);
  }
  fputc('"', out);
}

int bb_tool_table_write_csv(const bb_tool_table *table, FILE *out) {
  for (size_t c = 0; c < table->columns; c++) {
    if (c) fputc(',', out);
    write_csv_field(out, table->headers[c]);
  }
  fputc('\n', out);
  for (size_t r = 0; r < table->rows; r++) {
    for (size_t c = 0; c < table->columns; c++) {
      if (c) fputc(',', out);
      write_csv_field(out, cell(table, r, c));
    }
    fputc('\n', out);
  }
  if (fflush(out) != 0 || ferror(out)) return bb_tool_fail("writing CSV failed");
  return 0;
}
