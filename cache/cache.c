/*
 * cache.c - the SQLite kernel cache's connection: where the file lives, opening it (folders,
 * WAL, busy timeout, schema and its version, the in-memory fallback) and the transaction helpers
 * of cache_db.h. Rows are read and written in cache_rows.c, claims in claim.c, listing in
 * cache_list.c, the hash in hash.c.
 */
#include "cache.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_db.h"
#include "error.h"

/* The tables. Columns are readable on their own (names, not enum numbers), so that
 * `sqlite3 cache.db 'select * from kernels_readable'` says what is tuned and how fast.
 * `config` is bb_config_key_text() of the config; the columns after it repeat its fields for
 * people and queries; lookups match on `config`. */
static const char schema_sql[] =
    "CREATE TABLE kernels ("
    "  id INTEGER PRIMARY KEY,"
    "  device_name TEXT NOT NULL,"
    "  compute_capability TEXT NOT NULL," /* "9.0" */
    "  sm_count INTEGER NOT NULL,"
    "  driver_version INTEGER NOT NULL,"
    "  nvrtc_version INTEGER NOT NULL,"
    "  library_version TEXT NOT NULL,"
    "  source_hash TEXT NOT NULL,"
    "  config TEXT NOT NULL,"
    "  M INTEGER, N INTEGER, K INTEGER,"
    "  A_dtype TEXT, W_dtype TEXT, accum_dtype TEXT, out_dtype TEXT,"
    "  group_size INTEGER, with_scaling INTEGER, zeros_mode TEXT, with_bias INTEGER,"
    "  with_a_scale INTEGER,"
    "  schedule TEXT NOT NULL,"
    "  kernel_name TEXT NOT NULL,"
    "  kernel_us REAL,"
    "  candidates_tried INTEGER,"
    "  tuned_at TEXT NOT NULL," /* UTC, ISO 8601 */
    "  cubin_size INTEGER NOT NULL,"
    "  cubin BLOB,"
    "  UNIQUE (device_name, compute_capability, sm_count, driver_version, nvrtc_version,"
    "          library_version, source_hash, config));"
    "CREATE TABLE candidates ("
    "  kernel_id INTEGER NOT NULL REFERENCES kernels(id) ON DELETE CASCADE,"
    "  schedule TEXT NOT NULL,"
    "  outcome TEXT NOT NULL," /* bb_candidate_outcome_name() */
    "  us REAL,"               /* NULL unless outcome is 'ok' */
    "  message TEXT);"
    "CREATE INDEX candidates_by_kernel ON candidates(kernel_id);"
    "CREATE TABLE claims ("
    "  key TEXT PRIMARY KEY," /* bb_cache_key_text() */
    "  pid INTEGER NOT NULL,"
    "  host TEXT NOT NULL,"
    "  claimed_at REAL NOT NULL);" /* seconds since 1970, UTC */
    "CREATE VIEW kernels_readable AS SELECT id, device_name, compute_capability, sm_count,"
    "  driver_version, nvrtc_version, library_version, source_hash, config, schedule,"
    "  kernel_name, kernel_us, candidates_tried, tuned_at, cubin_size FROM kernels;";

/* ---------------------------------------------------------------------------------------- */
/* Statement helpers shared through cache_db.h                                              */
/* ---------------------------------------------------------------------------------------- */

bitblas_status bb_cache_sql_fail(const bb_cache *cache, const char *what) {
  return bb_fail(BITBLAS_CACHE_ERROR, "kernel cache %s: %s: %s", cache->path, what,
                 sqlite3_errmsg(cache->db));
}

bitblas_status bb_cache_prepare(bb_cache *cache, const char *sql, sqlite3_stmt **stmt,
                                const char *what) {
  if (sqlite3_prepare_v2(cache->db, sql, -1, stmt, NULL) != SQLITE_OK) {
    *stmt = NULL;
    return bb_cache_sql_fail(cache, what);
  }
  return BITBLAS_OK;
}

bitblas_status bb_cache_begin_write(bb_cache *cache) {
  if (sqlite3_exec(cache->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return bb_cache_sql_fail(cache, "cannot start a write transaction");
  return BITBLAS_OK;
}

bitblas_status bb_cache_commit(bb_cache *cache) {
  if (sqlite3_exec(cache->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    bitblas_status status = bb_cache_sql_fail(cache, "commit failed");
    bb_cache_rollback(cache);
    return status;
  }
  return BITBLAS_OK;
}

void bb_cache_rollback(bb_cache *cache) {
  if (!sqlite3_get_autocommit(cache->db)) sqlite3_exec(cache->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Location                                                                                 */
/* ---------------------------------------------------------------------------------------- */

void bb_cache_default_path(char *buf, size_t size) {
  if (!buf || size == 0) return;
  const char *explicit_path = getenv("BITBLAS_CACHE");
  const char *xdg_cache = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  if (explicit_path && *explicit_path) {
    snprintf(buf, size, "%s", explicit_path);
  } else if (xdg_cache && *xdg_cache) {
    snprintf(buf, size, "%s/bitblas/cache.db", xdg_cache);
  } else {
    if (!home || !*home) {
      struct passwd *user = getpwuid(getuid());
      home = user ? user->pw_dir : NULL;
    }
    if (home && *home)
      snprintf(buf, size, "%s/.cache/bitblas/cache.db", home);
    else
      buf[0] = '\0'; /* nowhere: bb_cache_open falls back to memory and says why */
  }
}

const char *bb_cache_path(const bb_cache *cache) { return cache ? cache->path : ""; }

/* Writes why the file cannot be used into `reason` (cut to fit: it ends up in one warning). */
static void set_reason(char *reason, size_t reason_size, const char *fmt, ...) BB_PRINTF(3, 4);
static void set_reason(char *reason, size_t reason_size, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(reason, reason_size, fmt, args);
  va_end(args);
}

/* mkdir -p of every folder above the file `path`. 0, or -1 with `reason` written. */
static int make_parent_folders(const char *path, char *reason, size_t reason_size) {
  char folder[4096];
  if (snprintf(folder, sizeof folder, "%s", path) >= (int)sizeof folder) {
    set_reason(reason, reason_size, "path longer than %zu bytes", sizeof folder - 1);
    return -1;
  }
  for (char *slash = strchr(folder + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    struct stat info;
    if (mkdir(folder, 0777) != 0) {
      int mkdir_errno = errno;
      if (mkdir_errno != EEXIST) {
        set_reason(reason, reason_size, "cannot create folder %s: %s", folder,
                   strerror(mkdir_errno));
        return -1;
      }
      if (stat(folder, &info) != 0 || !S_ISDIR(info.st_mode)) {
        set_reason(reason, reason_size, "%s exists and is not a folder", folder);
        return -1;
      }
    }
    *slash = '/';
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Opening                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* Runs a query that returns one integer (a PRAGMA or a count). -1 when it fails. */
static int64_t query_integer(sqlite3 *db, const char *sql) {
  sqlite3_stmt *stmt = NULL;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

/* Whether the file holds this library's schema: 1 for the right user_version and all three
 * tables, 0 when not, -1 when the file cannot be read (never a reason to drop anything). */
static int schema_state(sqlite3 *db) {
  int64_t version = query_integer(db, "PRAGMA user_version");
  int64_t tables = query_integer(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                     " AND name IN ('kernels', 'candidates', 'claims')");
  if (version < 0 || tables < 0) return -1;
  return version == BB_CACHE_SCHEMA_VERSION && tables == 3;
}

/* Drops one view or table of the file (views first: a view over a dropped table would make
 * later statements fail). 1 when one was dropped, 0 when none is left, -1 on error. Dropping
 * while a query over sqlite_master is open is refused by SQLite, hence one at a time. */
static int drop_one_object(sqlite3 *db) {
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table')"
                         " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                         " ORDER BY type = 'table' LIMIT 1",
                         -1, &stmt, NULL) != SQLITE_OK)
    return -1;
  int rc = sqlite3_step(stmt);
  char *drop = NULL;
  if (rc == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(stmt, 0);
    const char *name = (const char *)sqlite3_column_text(stmt, 1);
    drop = sqlite3_mprintf("DROP %s \"%w\"", type && strcmp(type, "view") == 0 ? "VIEW" : "TABLE",
                           name ? name : "");
  }
  sqlite3_finalize(stmt);
  if (rc == SQLITE_DONE) return 0;
  int dropped = drop && sqlite3_exec(db, drop, NULL, NULL, NULL) == SQLITE_OK;
  sqlite3_free(drop);
  return dropped ? 1 : -1;
}

/* Drops every view and table in the file (they are a cache: rebuilding loses nothing that
 * cannot be tuned again) and creates the current schema, in one write transaction that
 * re-checks the version first, so that processes opening an old file at once rebuild it once. */
static int rebuild_schema(sqlite3 *db, char *reason, size_t reason_size) {
  char set_version[64];
  snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d", BB_CACHE_SCHEMA_VERSION);
  int ok = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
  int state = ok ? schema_state(db) : -1;
  ok = state >= 0;
  if (ok && state == 0) {
    int dropped;
    while ((dropped = drop_one_object(db)) > 0) {
    }
    ok = dropped == 0 && sqlite3_exec(db, schema_sql, NULL, NULL, NULL) == SQLITE_OK &&
         sqlite3_exec(db, set_version, NULL, NULL, NULL) == SQLITE_OK;
  }
  if (ok) ok = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
  if (ok) return 0;
  set_reason(reason, reason_size, "cannot set up the schema: %s", sqlite3_errmsg(db));
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

/* PRAGMA journal_mode = WAL. Switching needs an exclusive lock, and SQLite answers "busy" at
 * once, without its busy handler, while another process is setting up the same new file: so
 * retry for as long as the busy timeout. 1 when the journal is WAL. */
static int switch_to_wal(sqlite3 *db) {
  const struct timespec retry_pause = {0, 5 * 1000 * 1000};
  for (int waited_ms = 0;; waited_ms += 5) {
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
    int wal = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const char *mode = (const char *)sqlite3_column_text(stmt, 0);
      wal = mode && strcmp(mode, "wal") == 0;
    }
    sqlite3_finalize(stmt);
    int busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
    if (wal || !busy || waited_ms >= BB_CACHE_BUSY_TIMEOUT_MS) return wal;
    nanosleep(&retry_pause, NULL);
  }
}

/* Sets a fresh connection up: busy timeout, WAL (files only), schema, foreign keys. */
static int configure_connection(sqlite3 *db, int in_memory, char *reason, size_t reason_size) {
  sqlite3_busy_timeout(db, BB_CACHE_BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes(db, 1);
  if (!in_memory) {
    if (!switch_to_wal(db)) {
      set_reason(reason, reason_size, "cannot switch to WAL journaling: %s", sqlite3_errmsg(db));
      return -1;
    }
    /* In WAL mode NORMAL still makes every commit atomic against a killed process; only a
     * power cut may lose the last commits, which a cache can afford. */
    sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  }
  int state = schema_state(db);
  if (state < 0) {
    set_reason(reason, reason_size, "cannot read the schema: %s", sqlite3_errmsg(db));
    return -1;
  }
  if (state == 0 && rebuild_schema(db, reason, reason_size) != 0) return -1;
  if (sqlite3_db_readonly(db, "main") == 1) {
    set_reason(reason, reason_size, "the file is read-only");
    return -1;
  }
  /* Outside any transaction, where this pragma takes effect: deleting a kernel row deletes
   * its candidates. */
  if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
    set_reason(reason, reason_size, "cannot enable foreign keys: %s", sqlite3_errmsg(db));
    return -1;
  }
  return 0;
}

/* Opens and sets up the database at path (":memory:" for memory). NULL with `reason` written
 * when it cannot be used for reading and writing. */
static sqlite3 *open_database(const char *path, char *reason, size_t reason_size) {
  int in_memory = strcmp(path, ":memory:") == 0;
  if (!*path) {
    set_reason(reason, reason_size,
               "no location: none of BITBLAS_CACHE, XDG_CACHE_HOME and HOME is set");
    return NULL;
  }
  if (!in_memory && make_parent_folders(path, reason, reason_size) != 0) return NULL;
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    set_reason(reason, reason_size, "cannot open: %s", db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  if (configure_connection(db, in_memory, reason, reason_size) != 0) {
    sqlite3_close(db);
    return NULL;
  }
  return db;
}

bitblas_status bb_cache_open(const char *path, bb_cache **out, char *warning, size_t warning_size) {
  if (warning && warning_size) warning[0] = '\0';
  if (!out) return bb_fail(BITBLAS_INVALID_ARGUMENT, "bb_cache_open: out is NULL");
  *out = NULL;
  bb_cache *cache = calloc(1, sizeof *cache);
  if (!cache) return bb_fail(BITBLAS_OUT_OF_MEMORY, "bb_cache_open: out of memory");
  if (path && *path)
    snprintf(cache->path, sizeof cache->path, "%s", path);
  else
    bb_cache_default_path(cache->path, sizeof cache->path);
  if (gethostname(cache->host, sizeof cache->host) != 0)
    snprintf(cache->host, sizeof cache->host, "unknown");
  cache->host[sizeof cache->host - 1] = '\0';

  char reason[1024] = "";
  cache->db = open_database(cache->path, reason, sizeof reason);
  if (!cache->db) {
    char message[sizeof cache->path + sizeof reason + 96];
    snprintf(message, sizeof message,
             "kernel cache %s is not usable (%s); using an in-memory cache for this process",
             cache->path[0] ? cache->path : "(none)", reason);
    bb_log(BB_LOG_WARN, "%s", message);
    if (warning && warning_size) snprintf(warning, warning_size, "%s", message);
    snprintf(cache->path, sizeof cache->path, ":memory:");
    char memory_reason[256] = "";
    cache->db = open_database(cache->path, memory_reason, sizeof memory_reason);
    if (!cache->db) {
      free(cache);
      return bb_fail(BITBLAS_CACHE_ERROR, "%s; and the in-memory cache failed too: %s", message,
                     memory_reason);
    }
  }
  if (pthread_mutex_init(&cache->lock, NULL) != 0) {
    sqlite3_close(cache->db);
    free(cache);
    return bb_fail(BITBLAS_CACHE_ERROR, "bb_cache_open: cannot create a mutex");
  }
  *out = cache;
  return BITBLAS_OK;
}

void bb_cache_close(bb_cache *cache) {
  if (!cache) return;
  bb_cache_forget_claims(cache);
  sqlite3_close(cache->db);
  pthread_mutex_destroy(&cache->lock);
  free(cache);
}
