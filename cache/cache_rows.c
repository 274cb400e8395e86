/*
 * cache_rows.c - the kernel rows of the cache: lookup (with the deletion of rows that fail their
 * checks), store with the candidates' results, remove, and the key's text. The connection and
 * the schema are set up in cache.c; claims are in claim.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "cache_db.h"
#include "config.h"
#include "error.h"

/* The key columns, matched by every statement that finds rows by key: ?1 .. ?8 bound by
 * bind_key(). nvrtc_version -1 matches any version. */
#define BB_KEY_MATCH                                                                               \
  "device_name = ?1 AND compute_capability = ?2 AND sm_count = ?3 AND "                            \
  "driver_version = ?4 AND (?5 < 0 OR nvrtc_version = ?5) AND library_version = ?6 AND "           \
  "source_hash = ?7 AND config = ?8"

/* A row that cannot be trusted: no blob, or one whose length disagrees with cubin_size. */
#define BB_BAD_ROW                                                                                 \
  "(cubin IS NULL OR typeof(cubin) != 'blob' OR cubin_size IS NULL OR cubin_size <= 0 "            \
  "OR length(cubin) != cubin_size)"

/* ---------------------------------------------------------------------------------------- */
/* Names and key text                                                                       */
/* ---------------------------------------------------------------------------------------- */

const char *bb_candidate_outcome_name(bb_candidate_outcome outcome) {
  switch (outcome) {
  case BB_CANDIDATE_OK:
    return "ok";
  case BB_CANDIDATE_COMPILE_FAILED:
    return "compile_failed";
  case BB_CANDIDATE_LAUNCH_FAILED:
    return "launch_failed";
  case BB_CANDIDATE_WRONG:
    return "wrong";
  case BB_CANDIDATE_CRASHED:
    return "crashed";
  case BB_CANDIDATE_HUNG:
    return "hung";
  case BB_CANDIDATE_NOT_RUN:
    return "not_run";
  case BB_CANDIDATE_SKIPPED:
    return "skipped";
  }
  return "unknown";
}

/* Length of a fixed-size text field that a caller may have filled to the brim. */
#define BB_FIELD_LENGTH(field) ((int)strnlen((field), sizeof(field)))

int bb_cache_key_text(const bb_cache_key *key, char *buf, size_t size) {
  char config_text[512];
  bb_config_key_text(&key->config, key->config.M, config_text, sizeof config_text);
  return snprintf(buf, size, "%.*s|%d.%d|%d|%d|%d|%.*s|%.*s|%s", BB_FIELD_LENGTH(key->device_name),
                  key->device_name, key->compute_major, key->compute_minor, key->sm_count,
                  key->driver_version, key->nvrtc_version, BB_FIELD_LENGTH(key->library_version),
                  key->library_version, BB_FIELD_LENGTH(key->source_hash), key->source_hash,
                  config_text);
}

void bb_cache_entry_free(bb_cache_entry *entry) {
  if (!entry) return;
  free(entry->cubin);
  memset(entry, 0, sizeof *entry);
}

/* ---------------------------------------------------------------------------------------- */
/* Rows                                                                                     */
/* ---------------------------------------------------------------------------------------- */

/* Binds the key to ?1 .. ?8 of BB_KEY_MATCH (and of the INSERT, which uses the same order). */
static int bind_key(sqlite3_stmt *stmt, const bb_cache_key *key) {
  char compute_capability[32];
  char config_text[512];
  snprintf(compute_capability, sizeof compute_capability, "%d.%d", key->compute_major,
           key->compute_minor);
  bb_config_key_text(&key->config, key->config.M, config_text, sizeof config_text);
  int rc = SQLITE_OK;
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 1, key->device_name, BB_FIELD_LENGTH(key->device_name),
                           SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(stmt, 2, compute_capability, -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(stmt, 3, key->sm_count);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(stmt, 4, key->driver_version);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(stmt, 5, key->nvrtc_version);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 6, key->library_version, BB_FIELD_LENGTH(key->library_version),
                           SQLITE_TRANSIENT);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 7, key->source_hash, BB_FIELD_LENGTH(key->source_hash),
                           SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(stmt, 8, config_text, -1, SQLITE_TRANSIENT);
  return rc;
}

/* Copies a text column into a fixed buffer ("" for NULL), truncating if it must. */
static void copy_text_column(sqlite3_stmt *stmt, int column, char *buf, size_t size) {
  const unsigned char *text = sqlite3_column_text(stmt, column);
  snprintf(buf, size, "%s", text ? (const char *)text : "");
}

/* Deletes row `id` if it is still bad (another process may have replaced it meanwhile). */
static bitblas_status delete_bad_row(bb_cache *cache, int64_t id) {
  sqlite3_stmt *stmt = NULL;
  bitblas_status status = bb_cache_begin_write(cache);
  if (status != BITBLAS_OK) return status;
  status = bb_cache_prepare(cache, "DELETE FROM kernels WHERE id = ?1 AND " BB_BAD_ROW, &stmt,
                            "cannot prepare the deletion of a bad row");
  if (status == BITBLAS_OK) {
    sqlite3_bind_int64(stmt, 1, id);
    if (sqlite3_step(stmt) != SQLITE_DONE)
      status = bb_cache_sql_fail(cache, "cannot delete a bad row");
  }
  sqlite3_finalize(stmt);
  if (status == BITBLAS_OK) return bb_cache_commit(cache);
  bb_cache_rollback(cache);
  return status;
}

bitblas_status bb_cache_lookup(bb_cache *cache, const bb_cache_key *key, bb_cache_entry *entry) {
  if (!entry) return bb_fail(BITBLAS_INVALID_ARGUMENT, "bb_cache_lookup: entry is NULL");
  memset(entry, 0, sizeof *entry);
  if (!cache || !key) return bb_fail(BITBLAS_INVALID_ARGUMENT, "bb_cache_lookup: NULL argument");
  pthread_mutex_lock(&cache->lock);
  sqlite3_stmt *stmt = NULL;
  int64_t bad_row_id = -1;
  bitblas_status status = bb_cache_prepare(
      cache,
      "SELECT id, schedule, kernel_name, kernel_us, candidates_tried, nvrtc_version, tuned_at,"
      " cubin, " BB_BAD_ROW " FROM kernels WHERE " BB_KEY_MATCH
      " ORDER BY tuned_at DESC, id DESC LIMIT 1",
      &stmt, "cannot prepare a lookup");
  if (status == BITBLAS_OK && bind_key(stmt, key) != SQLITE_OK)
    status = bb_cache_sql_fail(cache, "cannot bind a lookup key");
  if (status == BITBLAS_OK) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
      status = BITBLAS_NOT_FOUND;
    } else if (rc != SQLITE_ROW) {
      status = bb_cache_sql_fail(cache, "lookup failed");
    } else if (sqlite3_column_int(stmt, 8)) {
      bad_row_id = sqlite3_column_int64(stmt, 0);
      status = BITBLAS_NOT_FOUND;
    } else {
      size_t size = (size_t)sqlite3_column_bytes(stmt, 7);
      const void *blob = sqlite3_column_blob(stmt, 7);
      entry->cubin = blob ? malloc(size) : NULL;
      if (!entry->cubin) {
        status = bb_fail(BITBLAS_OUT_OF_MEMORY, "kernel cache: cannot hold a %zu-byte cubin", size);
      } else {
        memcpy(entry->cubin, blob, size);
        entry->cubin_size = size;
        copy_text_column(stmt, 1, entry->schedule, sizeof entry->schedule);
        copy_text_column(stmt, 2, entry->kernel_name, sizeof entry->kernel_name);
        entry->kernel_us = sqlite3_column_double(stmt, 3);
        entry->candidates_tried = sqlite3_column_int(stmt, 4);
        entry->nvrtc_version = sqlite3_column_int(stmt, 5);
        copy_text_column(stmt, 6, entry->tuned_at, sizeof entry->tuned_at);
      }
    }
  }
  sqlite3_finalize(stmt);
  if (bad_row_id >= 0) {
    char key_text[1024];
    bb_cache_key_text(key, key_text, sizeof key_text);
    bb_log(BB_LOG_WARN, "kernel cache %s: deleting a row whose cubin is missing or truncated: %s",
           cache->path, key_text);
    bitblas_status delete_status = delete_bad_row(cache, bad_row_id);
    if (delete_status != BITBLAS_OK) status = delete_status;
  }
  if (status == BITBLAS_NOT_FOUND) {
    char key_text[1024];
    bb_cache_key_text(key, key_text, sizeof key_text);
    status =
        bb_fail(BITBLAS_NOT_FOUND, "kernel cache %s: no usable row for %s", cache->path, key_text);
  }
  if (status != BITBLAS_OK) bb_cache_entry_free(entry);
  pthread_mutex_unlock(&cache->lock);
  return status;
}

/* The current time as UTC ISO 8601, "2025-01-31T12:34:56Z". */
static void format_utc_now(char *buf, size_t size) {
  time_t now = time(NULL);
  struct tm utc;
  if (gmtime_r(&now, &utc))
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &utc);
  else
    snprintf(buf, size, "1970-01-01T00:00:00Z");
}

/* Inserts the kernel row (the old row for the key is already gone); its id in *id. */
static bitblas_status insert_kernel_row(bb_cache *cache, const bb_cache_key *key,
                                        const bb_cache_entry *entry, int64_t *id) {
  const bitblas_matmul_config *config = &key->config;
  char tuned_at[sizeof entry->tuned_at];
  if (entry->tuned_at[0])
    snprintf(tuned_at, sizeof tuned_at, "%.*s", BB_FIELD_LENGTH(entry->tuned_at), entry->tuned_at);
  else
    format_utc_now(tuned_at, sizeof tuned_at);
  sqlite3_stmt *stmt = NULL;
  bitblas_status status = bb_cache_prepare(
      cache,
      "INSERT INTO kernels (device_name, compute_capability, sm_count, driver_version,"
      " nvrtc_version, library_version, source_hash, config, M, N, K, A_dtype, W_dtype,"
      " accum_dtype, out_dtype, group_size, with_scaling, zeros_mode, with_bias, with_a_scale,"
      " schedule, kernel_name, kernel_us, candidates_tried, tuned_at, cubin_size, cubin)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
      " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
      &stmt, "cannot prepare the insertion of a kernel");
  if (status != BITBLAS_OK) return status;
  int rc = bind_key(stmt, key);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(stmt, 9, config->M);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(stmt, 10, config->N);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(stmt, 11, config->K);
  const bitblas_dtype dtypes[4] = {config->A_dtype, config->W_dtype, config->accum_dtype,
                                   config->out_dtype};
  for (int i = 0; i < 4 && rc == SQLITE_OK; i++) /* A_dtype, W_dtype, accum_dtype, out_dtype */
    rc = sqlite3_bind_text(stmt, 12 + i, bitblas_dtype_name(dtypes[i]), -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(stmt, 16, config->group_size);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(stmt, 17, config->with_scaling ? 1 : 0);
  if (rc == SQLITE_OK)
    rc =
        sqlite3_bind_text(stmt, 18, bitblas_zeros_mode_name(config->zeros_mode), -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(stmt, 19, config->with_bias ? 1 : 0);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(stmt, 20, config->with_a_scale ? 1 : 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 21, entry->schedule, BB_FIELD_LENGTH(entry->schedule),
                           SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 22, entry->kernel_name, BB_FIELD_LENGTH(entry->kernel_name),
                           SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_double(stmt, 23, entry->kernel_us);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(stmt, 24, entry->candidates_tried);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(stmt, 25, tuned_at, -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(stmt, 26, (sqlite3_int64)entry->cubin_size);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_blob64(stmt, 27, entry->cubin, (sqlite3_uint64)entry->cubin_size,
                             SQLITE_STATIC);
  if (rc != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE)
    status = bb_cache_sql_fail(cache, "cannot insert a kernel row");
  else
    *id = sqlite3_last_insert_rowid(cache->db);
  sqlite3_finalize(stmt);
  return status;
}

static bitblas_status insert_candidate_rows(bb_cache *cache, int64_t kernel_id,
                                            const bb_candidate_result *candidates,
                                            int candidate_count) {
  sqlite3_stmt *stmt = NULL;
  bitblas_status status =
      bb_cache_prepare(cache,
                       "INSERT INTO candidates (kernel_id, schedule, outcome, us, message)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
                       &stmt, "cannot prepare the insertion of candidates");
  for (int i = 0; status == BITBLAS_OK && i < candidate_count; i++) {
    const bb_candidate_result *candidate = &candidates[i];
    sqlite3_reset(stmt);
    int rc = sqlite3_bind_int64(stmt, 1, kernel_id);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_text(stmt, 2, candidate->schedule, BB_FIELD_LENGTH(candidate->schedule),
                             SQLITE_STATIC);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_text(stmt, 3, bb_candidate_outcome_name(candidate->outcome), -1,
                             SQLITE_STATIC);
    if (rc == SQLITE_OK)
      rc = candidate->outcome == BB_CANDIDATE_OK ? sqlite3_bind_double(stmt, 4, candidate->us)
                                                 : sqlite3_bind_null(stmt, 4);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_text(stmt, 5, candidate->message, BB_FIELD_LENGTH(candidate->message),
                             SQLITE_STATIC);
    if (rc != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE)
      status = bb_cache_sql_fail(cache, "cannot insert a candidate row");
  }
  sqlite3_finalize(stmt);
  return status;
}

/* Runs a DELETE whose WHERE is BB_KEY_MATCH, inside the caller's transaction. */
static bitblas_status delete_by_key(bb_cache *cache, const bb_cache_key *key, const char *sql,
                                    const char *what) {
  sqlite3_stmt *stmt = NULL;
  bitblas_status status = bb_cache_prepare(cache, sql, &stmt, what);
  if (status == BITBLAS_OK &&
      (bind_key(stmt, key) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE))
    status = bb_cache_sql_fail(cache, what);
  sqlite3_finalize(stmt);
  return status;
}

bitblas_status bb_cache_store(bb_cache *cache, const bb_cache_key *key, const bb_cache_entry *entry,
                              const bb_candidate_result *candidates, int candidate_count) {
  if (!cache || !key || !entry)
    return bb_fail(BITBLAS_INVALID_ARGUMENT, "bb_cache_store: NULL argument");
  if (!entry->cubin || entry->cubin_size == 0)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bb_cache_store: entry has no cubin (cubin %p, cubin_size %zu); a stored "
                   "kernel needs a non-empty cubin",
                   entry->cubin, entry->cubin_size);
  if (key->nvrtc_version < 0)
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bb_cache_store: key nvrtc_version %d; -1 means \"any\" for lookups only, a "
                   "stored row needs the version that compiled it",
                   key->nvrtc_version);
  if (candidate_count < 0 || (candidate_count > 0 && !candidates))
    return bb_fail(BITBLAS_INVALID_ARGUMENT,
                   "bb_cache_store: candidate_count %d with candidates %p; need count >= 0 and "
                   "an array when count > 0",
                   candidate_count, (const void *)candidates);
  pthread_mutex_lock(&cache->lock);
  int64_t kernel_id = -1;
  bitblas_status status = bb_cache_begin_write(cache);
  /* nvrtc_version is >= 0 here, so BB_KEY_MATCH matches exactly this key's row. */
  if (status == BITBLAS_OK)
    status = delete_by_key(cache, key, "DELETE FROM kernels WHERE " BB_KEY_MATCH,
                           "cannot delete the old row of a key");
  if (status == BITBLAS_OK) status = insert_kernel_row(cache, key, entry, &kernel_id);
  if (status == BITBLAS_OK)
    status = insert_candidate_rows(cache, kernel_id, candidates, candidate_count);
  if (status == BITBLAS_OK) status = bb_cache_delete_own_claim(cache, key);
  if (status == BITBLAS_OK)
    status = bb_cache_commit(cache);
  else
    bb_cache_rollback(cache);
  pthread_mutex_unlock(&cache->lock);
  return status;
}

bitblas_status bb_cache_remove(bb_cache *cache, const bb_cache_key *key) {
  if (!cache || !key) return bb_fail(BITBLAS_INVALID_ARGUMENT, "bb_cache_remove: NULL argument");
  pthread_mutex_lock(&cache->lock);
  bitblas_status status = bb_cache_begin_write(cache);
  if (status == BITBLAS_OK)
    status =
        delete_by_key(cache, key, "DELETE FROM kernels WHERE " BB_KEY_MATCH, "cannot delete a row");
  if (status == BITBLAS_OK)
    status = bb_cache_commit(cache);
  else
    bb_cache_rollback(cache);
  pthread_mutex_unlock(&cache->lock);
  return status;
}
