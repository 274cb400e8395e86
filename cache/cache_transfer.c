/*
 * cache_transfer.c - moving tuned kernels between cache files: bitblas_cache_export writes a
 * copy of a cache into a new file, bitblas_cache_import adds another file's kernels to a cache.
 * Rows are copied as they are; whether a row fits a device is decided when it is looked up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cache_db.h"
#include "error.h"

/* Every column of a kernel row but its id, in one order for reading and writing. */
#define KERNEL_COLUMNS                                                                             \
  "device_name, compute_capability, sm_count, driver_version, nvrtc_version, library_version,"     \
  " source_hash, config, M, N, K, A_dtype, W_dtype, accum_dtype, out_dtype, group_size,"           \
  " with_scaling, zeros_mode, with_bias, with_a_scale, schedule, kernel_name, kernel_us,"          \
  " candidates_tried, tuned_at, cubin_size, cubin"
#define KERNEL_COLUMN_COUNT 27
/* The columns of the kernels table's UNIQUE constraint: a row's cache key. */
#define KERNEL_KEY_COLUMNS                                                                         \
  "device_name, compute_capability, sm_count, driver_version, nvrtc_version, library_version,"     \
  " source_hash, config"

/* ---------------------------------------------------------------------------------------- */
/* Export                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* Takes the claims out of the new file at out_path (they name processes of this machine) and
 * counts its kernels into *exported. */
static bitblas_status finish_copy(const char *out_path, int *exported) {
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  const char *failed = NULL;
  if (sqlite3_open_v2(out_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    failed = "cannot open the copy";
  else if (sqlite3_exec(db, "DELETE FROM claims", NULL, NULL, NULL) != SQLITE_OK)
    failed = "cannot clear the claims of";
  else if (sqlite3_prepare_v2(db, "SELECT count(*) FROM kernels", -1, &stmt, NULL) != SQLITE_OK ||
           sqlite3_step(stmt) != SQLITE_ROW)
    failed = "cannot count the kernels of";
  else
    *exported = sqlite3_column_int(stmt, 0);
  bitblas_status status = BITBLAS_OK;
  if (failed)
    status = bb_fail(BITBLAS_CACHE_ERROR, "bitblas_cache_export: %s %s: %s", failed, out_path,
                     db ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return status;
}

bitblas_status bitblas_cache_export(const char *path, const char *out_path, int *exported) {
  bb_error_clear();
  if (exported) *exported = 0;
  if (!out_path || !*out_path)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "bitblas_cache_export: out_path is NULL or empty");
  char location[4096];
  sqlite3 *db = NULL;
  bitblas_status status =
      bb_cache_open_file_readonly(path, "bitblas_cache_export", &db, location, sizeof location);
  if (status != BITBLAS_OK) return status;
  /* The file is made here, exclusively (never an existing file, nor one through a symbolic
   * link), so that a failure removes only what this call made. VACUUM INTO fills an empty one. */
  const int fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
  if (fd < 0) {
    const int open_errno = errno;
    sqlite3_close(db);
    if (open_errno == EEXIST)
      return bb_fail(BITBLAS_INVALID_ARGUMENT,
                     "bitblas_cache_export: out_path \"%s\" already exists (an export writes a "
                     "new file; it never overwrites one)",
                     out_path);
    return bb_fail(BITBLAS_CACHE_ERROR, "bitblas_cache_export: cannot create %s: %s", out_path,
                   strerror(open_errno));
  }
  close(fd);
  /* VACUUM INTO copies the file as one read transaction sees it: a consistent snapshot even
   * while other processes tune into the cache. */
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_bind_text(stmt, 1, out_path, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_step(stmt) != SQLITE_DONE)
    status = bb_fail(BITBLAS_CACHE_ERROR, "bitblas_cache_export: cannot write %s from %s: %s",
                     out_path, location, sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  int count = 0;
  if (status == BITBLAS_OK) status = finish_copy(out_path, &count);
  if (status != BITBLAS_OK) {
    remove(out_path); /* no half-made file is left behind: this call made it */
    return status;
  }
  if (exported) *exported = count;
  return BITBLAS_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Import                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* Statements of one import: reading the source file, writing the cache. */
typedef struct import_statements {
  sqlite3_stmt *source_kernels, *source_candidates, *insert_kernel, *insert_candidate;
} import_statements;

static void import_statements_finalize(import_statements *s) {
  sqlite3_finalize(s->source_kernels);
  sqlite3_finalize(s->source_candidates);
  sqlite3_finalize(s->insert_kernel);
  sqlite3_finalize(s->insert_candidate);
}

static bitblas_status import_statements_prepare(bb_cache *cache, sqlite3 *source,
                                                const char *source_path, import_statements *s) {
  memset(s, 0, sizeof *s);
  if (sqlite3_prepare_v2(source, "SELECT id, " KERNEL_COLUMNS " FROM kernels ORDER BY id", -1,
                         &s->source_kernels, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(source,
                         "SELECT schedule, outcome, us, message FROM candidates"
                         " WHERE kernel_id = ?1 ORDER BY rowid",
                         -1, &s->source_candidates, NULL) != SQLITE_OK)
    return bb_fail(BITBLAS_CACHE_ERROR, "bitblas_cache_import: cannot read %s: %s", source_path,
                   sqlite3_errmsg(source));
  /* A row whose key is already stored is kept as it is: DO NOTHING on the key only, so that a
   * malformed row (a NULL where the schema forbids one) is an error, not a silent skip. */
  bitblas_status status = bb_cache_prepare(
      cache,
      "INSERT INTO kernels (" KERNEL_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
      " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"
      " ON CONFLICT (" KERNEL_KEY_COLUMNS ") DO NOTHING",
      &s->insert_kernel, "cannot prepare the import of kernels");
  if (status == BITBLAS_OK)
    status = bb_cache_prepare(cache,
                              "INSERT INTO candidates (kernel_id, schedule, outcome, us, message)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)",
                              &s->insert_candidate, "cannot prepare the import of candidates");
  return status;
}

/* Copies the candidates of source kernel `source_id` to cache kernel `kernel_id`. */
static bitblas_status import_candidates(bb_cache *cache, import_statements *s,
                                        const char *source_path, sqlite3 *source,
                                        sqlite3_int64 source_id, sqlite3_int64 kernel_id) {
  sqlite3_reset(s->source_candidates);
  sqlite3_bind_int64(s->source_candidates, 1, source_id);
  int rc;
  while ((rc = sqlite3_step(s->source_candidates)) == SQLITE_ROW) {
    sqlite3_reset(s->insert_candidate);
    int bound = sqlite3_bind_int64(s->insert_candidate, 1, kernel_id) == SQLITE_OK;
    for (int column = 0; column < 4; column++)
      bound &= sqlite3_bind_value(s->insert_candidate, column + 2,
                                  sqlite3_column_value(s->source_candidates, column)) == SQLITE_OK;
    if (!bound || sqlite3_step(s->insert_candidate) != SQLITE_DONE)
      return bb_cache_sql_fail(cache, "cannot import a candidate");
  }
  if (rc != SQLITE_DONE)
    return bb_fail(BITBLAS_CACHE_ERROR,
                   "bitblas_cache_import: cannot read the candidates of %s: %s", source_path,
                   sqlite3_errmsg(source));
  return BITBLAS_OK;
}

/* Every kernel of `source` (and its candidates) into the cache, in one transaction: all of them
 * or, on any error, none. */
static bitblas_status import_rows(bb_cache *cache, sqlite3 *source, const char *source_path,
                                  int *imported, int *skipped) {
  import_statements s;
  bitblas_status status = import_statements_prepare(cache, source, source_path, &s);
  if (status == BITBLAS_OK) status = bb_cache_begin_write(cache);
  if (status != BITBLAS_OK) {
    import_statements_finalize(&s);
    return status;
  }
  int rc = SQLITE_DONE, added = 0, kept = 0;
  while (status == BITBLAS_OK && (rc = sqlite3_step(s.source_kernels)) == SQLITE_ROW) {
    sqlite3_reset(s.insert_kernel);
    int bound = 1; /* a failed bind would leave the previous row's value in place */
    for (int column = 0; column < KERNEL_COLUMN_COUNT; column++)
      bound &= sqlite3_bind_value(s.insert_kernel, column + 1,
                                  sqlite3_column_value(s.source_kernels, column + 1)) == SQLITE_OK;
    if (!bound || sqlite3_step(s.insert_kernel) != SQLITE_DONE) {
      status = bb_cache_sql_fail(cache, "cannot import a kernel row");
    } else if (sqlite3_changes(cache->db) == 0) {
      kept++;
    } else {
      added++;
      status = import_candidates(cache, &s, source_path, source,
                                 sqlite3_column_int64(s.source_kernels, 0),
                                 sqlite3_last_insert_rowid(cache->db));
    }
  }
  if (status == BITBLAS_OK && rc != SQLITE_DONE)
    status = bb_fail(BITBLAS_CACHE_ERROR, "bitblas_cache_import: cannot read the kernels of %s: %s",
                     source_path, sqlite3_errmsg(source));
  import_statements_finalize(&s);
  if (status == BITBLAS_OK) status = bb_cache_commit(cache);
  if (status != BITBLAS_OK) {
    bb_cache_rollback(cache);
    return status;
  }
  *imported = added;
  *skipped = kept;
  return BITBLAS_OK;
}

bitblas_status bitblas_cache_import(const char *path, const char *in_path, int *imported,
                                    int *skipped) {
  bb_error_clear();
  int added = 0, kept = 0;
  if (imported) *imported = 0;
  if (skipped) *skipped = 0;
  if (!in_path || !*in_path)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "bitblas_cache_import: in_path is NULL or empty");
  if (path && strcmp(path, ":memory:") == 0)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bitblas_cache_import: path \":memory:\": an import into a private in-memory "
                   "cache would be lost when the call returns");
  char source_path[4096];
  sqlite3 *source = NULL;
  bitblas_status status = bb_cache_open_file_readonly(in_path, "bitblas_cache_import", &source,
                                                      source_path, sizeof source_path);
  if (status != BITBLAS_OK) return status;
  bb_cache *cache = NULL;
  char warning[1024] = "";
  status = bb_cache_open(path, &cache, warning, sizeof warning);
  if (status == BITBLAS_OK && warning[0])
    /* The cache fell back to memory: an import there would be lost when this call returns. */
    status = bb_fail(BITBLAS_CACHE_ERROR,
                     "bitblas_cache_import: the cache file cannot be written, nothing imported "
                     "(%s)",
                     warning);
  if (status == BITBLAS_OK) {
    pthread_mutex_lock(&cache->lock);
    status = import_rows(cache, source, source_path, &added, &kept);
    pthread_mutex_unlock(&cache->lock);
  }
  bb_cache_close(cache);
  sqlite3_close(source);
  if (status != BITBLAS_OK) return status;
  if (imported) *imported = added;
  if (skipped) *skipped = kept;
  return BITBLAS_OK;
}
