/*
 * cubin_memo.c - a first-in, first-out list of (source, arch, cubin) entries, searched by a
 * 64-bit hash of the source and then the whole text. A worker holds a few hundred entries at
 * most, so a linear search costs nothing beside a compile.
 */
#include "cubin_memo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

typedef struct memo_entry {
  struct memo_entry *next; /* the next younger entry */
  uint64_t hash;
  int arch;
  char *source;
  size_t source_bytes; /* with its terminator */
  void *cubin;
  size_t cubin_size;
} memo_entry;

struct bb_cubin_memo {
  memo_entry *oldest, *youngest;
  int count;
  size_t bytes, max_bytes;
};

static uint64_t source_hash(const char *text) { return bb_hash64(text, strlen(text), 0); }

static size_t entry_bytes(const memo_entry *entry) {
  return entry->source_bytes + entry->cubin_size;
}

static void entry_free(memo_entry *entry) {
  free(entry->source);
  free(entry->cubin);
  free(entry);
}

static const memo_entry *entry_find(const bb_cubin_memo *memo, const char *source, int arch,
                                    uint64_t hash) {
  for (const memo_entry *entry = memo->oldest; entry; entry = entry->next)
    if (entry->hash == hash && entry->arch == arch && strcmp(entry->source, source) == 0)
      return entry;
  return NULL;
}

bb_cubin_memo *bb_cubin_memo_create(size_t max_bytes) {
  bb_cubin_memo *memo = calloc(1, sizeof *memo);
  if (memo) memo->max_bytes = max_bytes;
  return memo;
}

void bb_cubin_memo_destroy(bb_cubin_memo *memo) {
  if (!memo) return;
  while (memo->oldest) {
    memo_entry *next = memo->oldest->next;
    entry_free(memo->oldest);
    memo->oldest = next;
  }
  free(memo);
}

int bb_cubin_memo_find(const bb_cubin_memo *memo, const char *source, int arch, void **cubin,
                       size_t *size) {
  *cubin = NULL;
  *size = 0;
  const memo_entry *entry = entry_find(memo, source, arch, source_hash(source));
  if (!entry || !(*cubin = malloc(entry->cubin_size))) return 0;
  memcpy(*cubin, entry->cubin, entry->cubin_size);
  *size = entry->cubin_size;
  return 1;
}

void bb_cubin_memo_add(bb_cubin_memo *memo, const char *source, int arch, const void *cubin,
                       size_t size) {
  const uint64_t hash = source_hash(source);
  const size_t source_bytes = strlen(source) + 1;
  if (source_bytes + size > memo->max_bytes || entry_find(memo, source, arch, hash)) return;
  memo_entry *entry = calloc(1, sizeof *entry);
  if (!entry) return;
  entry->hash = hash;
  entry->arch = arch;
  entry->source_bytes = source_bytes;
  entry->cubin_size = size;
  entry->source = malloc(source_bytes);
  entry->cubin = malloc(size ? size : 1);
  if (!entry->source || !entry->cubin) {
    entry_free(entry);
    return;
  }
  memcpy(entry->source, source, source_bytes);
  memcpy(entry->cubin, cubin, size);
  while (memo->oldest && memo->bytes + entry_bytes(entry) > memo->max_bytes) {
    memo_entry *oldest = memo->oldest;
    memo->oldest = oldest->next;
    if (!memo->oldest) memo->youngest = NULL;
    memo->bytes -= entry_bytes(oldest);
    memo->count--;
    entry_free(oldest);
  }
  if (memo->youngest)
    memo->youngest->next = entry;
  else
    memo->oldest = entry;
  memo->youngest = entry;
  memo->bytes += entry_bytes(entry);
  memo->count++;
}

int bb_cubin_memo_count(const bb_cubin_memo *memo) { return memo->count; }

size_t bb_cubin_memo_bytes(const bb_cubin_memo *memo) { return memo->bytes; }

bitblas_status bb_compile_all_remembered(bb_cubin_memo *memo, char *const *sources, int count,
                                         int arch, const int *order, bb_compiled *out,
                                         int *reused) {
  if (reused) *reused = 0;
  if (!memo || count <= 0) return bb_compile_all_ordered(sources, count, arch, order, out);
  /* What is left to compile, and the cubins found, by index. */
  char **missing = calloc((size_t)count, sizeof *missing);
  bb_compiled *found = calloc((size_t)count, sizeof *found);
  if (!missing || !found) {
    free(missing);
    free(found);
    return bb_compile_all_ordered(sources, count, arch, order, out);
  }
  int found_count = 0;
  for (int i = 0; i < count; i++) {
    if (sources[i] &&
        bb_cubin_memo_find(memo, sources[i], arch, &found[i].cubin, &found[i].cubin_size))
      found_count++;
    else
      missing[i] = sources[i];
  }
  const bitblas_status status = bb_compile_all_ordered(missing, count, arch, order, out);
  for (int i = 0; i < count; i++) {
    if (found[i].cubin) {
      /* compile_all marked this index "no source": it is the memo's cubin instead */
      if (status == BITBLAS_OK) {
        out[i] = found[i];
        out[i].status = BITBLAS_OK;
      } else {
        free(found[i].cubin);
      }
    } else if (status == BITBLAS_OK && missing[i] && out[i].status == BITBLAS_OK) {
      bb_cubin_memo_add(memo, missing[i], arch, out[i].cubin, out[i].cubin_size);
    }
  }
  if (reused && status == BITBLAS_OK) *reused = found_count;
  free(missing);
  free(found);
  return status;
}
