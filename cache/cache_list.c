/*
 * cache_list.c - the readable listing of stored kernels: bb_cache_list on an open cache and the
 * public bitblas_cache_list, which reads a cache file without creating or changing it; and the
 * read-only opening of a cache file that listing, export and import share.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "cache_db.h"
#include "error.h"

/* Writes one line per kernel row of db, newest first, to fn. BITBLAS_OK or a CACHE_ERROR that
 * names `path`. */
static bitblas_status list_rows(sqlite3 *db, const char *path, bb_cache_row_fn fn, void *user) {
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT device_name, compute_capability, sm_count, config, schedule,"
                         " kernel_us, candidates_tried, tuned_at FROM kernels"
                         " ORDER BY tuned_at DESC, id DESC",
                         -1, &stmt, NULL) != SQLITE_OK)
    return bb_fail(BITBLAS_CACHE_ERROR, "kernel cache %s: cannot list kernels: %s", path,
                   sqlite3_errmsg(db));
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *text[8];
    for (int column = 0; column < 8; column++) {
      const unsigned char *value = sqlite3_column_text(stmt, column);
      text[column] = value ? (const char *)value : "";
    }
    char line[2048];
    snprintf(line, sizeof line, "%s (sm %s, %d SMs) | %s | %s | %.3f us | %d candidates | %s",
             text[0], text[1], sqlite3_column_int(stmt, 2), text[3], text[4],
             sqlite3_column_double(stmt, 5), sqlite3_column_int(stmt, 6), text[7]);
    fn(user, line);
  }
  bitblas_status status = BITBLAS_OK;
  if (rc != SQLITE_DONE)
    status = bb_fail(BITBLAS_CACHE_ERROR, "kernel cache %s: listing kernels failed: %s", path,
                     sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  return status;
}

bitblas_status bb_cache_list(bb_cache *cache, bb_cache_row_fn fn, void *user) {
  if (!cache || !fn) return bb_fail(BITBLAS_INVALID_ARGUMENT, "bb_cache_list: NULL argument");
  pthread_mutex_lock(&cache->lock);
  bitblas_status status = list_rows(cache->db, cache->path, fn, user);
  pthread_mutex_unlock(&cache->lock);
  return status;
}

bitblas_status bb_cache_open_file_readonly(const char *path, const char *caller, sqlite3 **db,
                                           char *location, size_t location_size) {
  *db = NULL;
  if (path && *path)
    snprintf(location, location_size, "%s", path);
  else
    bb_cache_default_path(location, location_size);
  struct stat info;
  if (!location[0] || stat(location, &info) != 0 || !S_ISREG(info.st_mode))
    return bb_fail(BITBLAS_CACHE_ERROR, "%s: no cache file at \"%s\"", caller, location);
  /* Read-only: this never creates a file, rebuilds a schema or takes a write lock. */
  if (sqlite3_open_v2(location, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    bitblas_status status = bb_fail(BITBLAS_CACHE_ERROR, "%s: cannot open %s: %s", caller, location,
                                    *db ? sqlite3_errmsg(*db) : "out of memory");
    sqlite3_close(*db);
    *db = NULL;
    return status;
  }
  sqlite3_busy_timeout(*db, BB_CACHE_BUSY_TIMEOUT_MS);
  bitblas_status status = BITBLAS_OK;
  sqlite3_stmt *stmt = NULL;
  int version = -1;
  if (sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  if (version < 0)
    status = bb_fail(BITBLAS_CACHE_ERROR, "%s: cannot read %s: %s", caller, location,
                     sqlite3_errmsg(*db));
  else if (version != BB_CACHE_SCHEMA_VERSION)
    status = bb_fail(BITBLAS_CACHE_ERROR,
                     "%s: %s has cache schema version %d, this library reads "
                     "version %d (the file is rebuilt the next time it is opened for tuning)",
                     caller, location, version, BB_CACHE_SCHEMA_VERSION);
  if (status != BITBLAS_OK) {
    sqlite3_close(*db);
    *db = NULL;
  }
  return status;
}

bitblas_status bitblas_cache_list(const char *path, void (*fn)(void *user, const char *line),
                                  void *user) {
  bb_error_clear();
  if (!fn) return bb_fail(BITBLAS_INVALID_ARGUMENT, "bitblas_cache_list: fn is NULL");
  char location[4096];
  sqlite3 *db = NULL;
  bitblas_status status =
      bb_cache_open_file_readonly(path, "bitblas_cache_list", &db, location, sizeof location);
  if (status != BITBLAS_OK) return status;
  status = list_rows(db, location, fn, user);
  sqlite3_close(db);
  return status;
}
