/*
 * presets.c - SPEC section 6's shape sets and the parsers of --preset, --shapes, --shapes-file
 * and M lists (see presets.h). Pure parsing; sizes are checked here, formats elsewhere.
 */
#include "presets.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "options.h"

static const bb_tool_preset_shape llama3_8b_shapes[] = {
    {6144, 4096, "qkv"}, {4096, 4096, "o"}, {28672, 4096, "gate|up"}, {4096, 14336, "down"}};

static const bb_tool_preset_shape llama3_70b_shapes[] = {
    {10240, 8192, "qkv"}, {8192, 8192, "o"}, {57344, 8192, "gate|up"}, {8192, 28672, "down"}};

static const bb_tool_preset_shape bitblas_shapes[] = {
    {16384, 16384, ""}, {43008, 14336, ""}, {14336, 14336, ""}, {57344, 14336, ""},
    {14336, 57344, ""}, {9216, 9216, ""},   {36864, 9216, ""},  {9216, 36864, ""},
    {22016, 8192, ""},  {8192, 22016, ""},  {8192, 8192, ""},   {28672, 8192, ""},
    {8192, 28672, ""}};

static const bb_tool_preset_shape bitnet_2b_shapes[] = {
    {3840, 2560, "qkv"}, {2560, 2560, "o"}, {13824, 2560, "gate|up"}, {2560, 6912, "down"}};

static const bb_tool_preset_shape awkward_shapes[] = {{2880, 2880, "K%128!=0"},
                                                      {7392, 3584, "N%64!=0"},
                                                      {1000, 1024, "N%16!=0"},
                                                      {1, 4096, "N=1"},
                                                      {4096, 8, "K=8"}};

#define PRESET(name, description, shapes)                                                          \
  { name, description, shapes, sizeof shapes / sizeof shapes[0] }

static const bb_tool_preset presets[] = {
    PRESET("llama-3-8b", "Llama-3-8B linear layers", llama3_8b_shapes),
    PRESET("llama-3-70b", "Llama-3-70B linear layers", llama3_70b_shapes),
    PRESET("bitblas", "BitBLAS's own benchmark set", bitblas_shapes),
    PRESET("bitnet-b1.58-2b", "BitNet b1.58 2B linear layers", bitnet_2b_shapes),
    PRESET("awkward", "shapes other libraries refuse (N=1, K=8, odd multiples)", awkward_shapes),
};

static const int64_t spec_m_values[] = {1, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 8192};

size_t bb_tool_preset_count(void) { return sizeof presets / sizeof presets[0]; }

const bb_tool_preset *bb_tool_preset_at(size_t index) {
  return index < bb_tool_preset_count() ? &presets[index] : NULL;
}

const bb_tool_preset *bb_tool_preset_find(const char *name) {
  for (size_t i = 0; i < bb_tool_preset_count(); i++)
    if (strcmp(presets[i].name, name) == 0) return &presets[i];
  return NULL;
}

void bb_tool_preset_names(char *buf, size_t size) {
  if (size == 0) return;
  buf[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; i < bb_tool_preset_count() && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", presets[i].name);
}

int bb_tool_shape_list_add(bb_tool_shape_list *list, const bb_tool_shape *shape) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? list->capacity * 2 : 16;
    bb_tool_shape *items = realloc(list->items, capacity * sizeof *items);
    if (!items) return bb_tool_fail("out of memory growing a shape list to %zu entries", capacity);
    list->items = items;
    list->capacity = capacity;
  }
  list->items[list->count++] = *shape;
  return 0;
}

void bb_tool_shape_list_free(bb_tool_shape_list *list) {
  free(list->items);
  list->items = NULL;
  list->count = list->capacity = 0;
}

/* Copies text[0, length) without surrounding blanks into buf (truncating at size - 1). */
static void copy_trimmed(const char *text, size_t length, char *buf, size_t size) {
  while (length > 0 && isspace((unsigned char)*text)) text++, length--;
  while (length > 0 && isspace((unsigned char)text[length - 1])) length--;
  if (length >= size) length = size - 1;
  memcpy(buf, text, length);
  buf[length] = '\0';
}

int bb_tool_presets_add(const char *names, const int64_t *m_values, size_t m_count,
                        bb_tool_shape_list *list) {
  size_t first_new = list->count;
  const char *cursor = names;
  for (;;) {
    const char *comma = strchr(cursor, ',');
    size_t length = comma ? (size_t)(comma - cursor) : strlen(cursor);
    char name[64];
    copy_trimmed(cursor, length, name, sizeof name);
    const bb_tool_preset *preset = bb_tool_preset_find(name);
    if (!preset) {
      char valid[256];
      bb_tool_preset_names(valid, sizeof valid);
      list->count = first_new;
      return bb_tool_fail("unknown preset \"%s\"; valid presets: %s", name, valid);
    }
    for (size_t s = 0; s < preset->shape_count; s++) {
      for (size_t m = 0; m < m_count; m++) {
        bb_tool_shape shape = {m_values[m], preset->shapes[s].N, preset->shapes[s].K, "", 1};
        snprintf(shape.label, sizeof shape.label, "%s%s%s", preset->name,
                 preset->shapes[s].label[0] ? " " : "", preset->shapes[s].label);
        if (bb_tool_shape_list_add(list, &shape) != 0) {
          list->count = first_new;
          return -1;
        }
      }
    }
    if (!comma) break;
    cursor = comma + 1;
  }
  return 0;
}

/* Parses one "M,N,K" entry (already trimmed) into *shape. */
static int parse_shape_entry(const char *entry, const char *origin, bb_tool_shape *shape) {
  const char *names[3] = {"M", "N", "K"};
  int64_t values[3];
  int fields = 1;
  for (const char *c = entry; *c; c++) fields += *c == ',';
  if (fields != 3)
    return bb_tool_fail("%s: \"%s\" is not M,N,K: it has %d field%s, expected 3", origin, entry,
                        fields, fields == 1 ? "" : "s");
  const char *cursor = entry;
  for (int i = 0; i < 3; i++) {
    const char *comma = strchr(cursor, ',');
    size_t length = comma ? (size_t)(comma - cursor) : strlen(cursor);
    char number[32];
    if (length >= sizeof number) length = sizeof number - 1;
    copy_trimmed(cursor, length, number, sizeof number);
    char what[96];
    snprintf(what, sizeof what, "%s: %s in \"%s\"", origin, names[i], entry);
    if (bb_tool_parse_int(number, what, 1, BB_TOOL_DIMENSION_MAX, &values[i]) != 0) return -1;
    cursor = comma ? comma + 1 : cursor + length;
  }
  if (values[2] % 8 != 0)
    return bb_tool_fail("%s: K = %" PRId64 " in \"%s\": K must be a multiple of 8", origin,
                        values[2], entry);
  shape->M = values[0];
  shape->N = values[1];
  shape->K = values[2];
  shape->label[0] = '\0';
  shape->from_preset = 0;
  return 0;
}

int bb_tool_shapes_parse(const char *text, const char *origin, bb_tool_shape_list *list) {
  size_t first_new = list->count;
  const char *cursor = text;
  int entries = 0;
  for (;;) {
    const char *semicolon = strchr(cursor, ';');
    size_t length = semicolon ? (size_t)(semicolon - cursor) : strlen(cursor);
    char entry[128];
    if (length >= sizeof entry) {
      list->count = first_new;
      return bb_tool_fail("%s: entry \"%.40s...\" is too long to be M,N,K", origin, cursor);
    }
    copy_trimmed(cursor, length, entry, sizeof entry);
    if (entry[0] != '\0') {
      bb_tool_shape shape;
      if (parse_shape_entry(entry, origin, &shape) != 0 ||
          bb_tool_shape_list_add(list, &shape) != 0) {
        list->count = first_new;
        return -1;
      }
      entries++;
    } else if (semicolon == NULL && entries == 0) {
      return bb_tool_fail("%s: no shapes given (expected \"M,N,K;M,N,K...\")", origin);
    } else if (semicolon != NULL) {
      /* an empty entry between two ';' is a typo worth reporting, a trailing one is not */
      const char *rest = semicolon + 1;
      while (isspace((unsigned char)*rest)) rest++;
      if (*rest != '\0') {
        list->count = first_new;
        return bb_tool_fail("%s: empty entry before \"%s\" (expected \"M,N,K;M,N,K...\")", origin,
                            rest);
      }
    }
    if (!semicolon) break;
    cursor = semicolon + 1;
  }
  return 0;
}

int bb_tool_shapes_file_read(const char *path, bb_tool_shape_list *list) {
  FILE *file = fopen(path, "r");
  if (!file) return bb_tool_fail("--shapes-file %s: %s", path, strerror(errno));
  size_t first_new = list->count;
  char line[512];
  int line_number = 0;
  int entries = 0;
  int failed = 0;
  while (fgets(line, sizeof line, file)) {
    line_number++;
    size_t length = strlen(line);
    if (length == sizeof line - 1 && line[length - 1] != '\n' && !feof(file)) {
      failed = bb_tool_fail("%s:%d: line too long to be M,N,K", path, line_number);
      break;
    }
    char *comment = strchr(line, '#');
    if (comment) *comment = '\0';
    char entry[sizeof line];
    copy_trimmed(line, strlen(line), entry, sizeof entry);
    if (entry[0] == '\0') continue;
    char origin[600];
    snprintf(origin, sizeof origin, "%s:%d", path, line_number);
    bb_tool_shape shape;
    if (parse_shape_entry(entry, origin, &shape) != 0 ||
        bb_tool_shape_list_add(list, &shape) != 0) {
      failed = -1;
      break;
    }
    entries++;
  }
  if (!failed && ferror(file)) failed = bb_tool_fail("--shapes-file %s: read error", path);
  fclose(file);
  if (!failed && entries == 0)
    failed = bb_tool_fail("--shapes-file %s: no shapes in the file (one M,N,K per line)", path);
  if (failed) list->count = first_new;
  return failed;
}

int bb_tool_m_list_parse(const char *text, int64_t *values, size_t *count) {
  *count = 0;
  char trimmed[16];
  copy_trimmed(text, strlen(text), trimmed, sizeof trimmed);
  if (strcmp(trimmed, "all") == 0) {
    size_t n = sizeof spec_m_values / sizeof spec_m_values[0];
    memcpy(values, spec_m_values, sizeof spec_m_values);
    *count = n;
    return 0;
  }
  const char *cursor = text;
  for (;;) {
    const char *comma = strchr(cursor, ',');
    size_t length = comma ? (size_t)(comma - cursor) : strlen(cursor);
    char number[32];
    if (length >= sizeof number) length = sizeof number - 1;
    copy_trimmed(cursor, length, number, sizeof number);
    int64_t m;
    if (bb_tool_parse_int(number, "--m value", 1, BB_TOOL_DIMENSION_MAX, &m) != 0) {
      *count = 0;
      return -1;
    }
    int seen = 0;
    for (size_t i = 0; i < *count; i++) seen |= values[i] == m;
    if (!seen) {
      if (*count == BB_TOOL_M_LIST_MAX) {
        *count = 0;
        return bb_tool_fail("--m: more than %d values", BB_TOOL_M_LIST_MAX);
      }
      values[(*count)++] = m;
    }
    if (!comma) break;
    cursor = comma + 1;
  }
  return 0;
}
