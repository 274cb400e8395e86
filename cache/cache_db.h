/*
 * cache_db.h - private to cache/: the SQLite connection behind a bb_cache, the lock that keeps
 * one transaction at a time on it, and the statement helpers that cache.c, claim.c,
 * cache_list.c and cache_transfer.c share. Nothing outside cache/ includes this file.
 */
#ifndef BITBLAS_CACHE_DB_H
#define BITBLAS_CACHE_DB_H

#include <pthread.h>
#include <sqlite3.h>

#include "cache.h"

/* How long a statement waits for another process's write lock before giving up. */
#define BB_CACHE_BUSY_TIMEOUT_MS 10000

struct bb_cache {
  sqlite3 *db;
  pthread_mutex_t lock; /* held for the whole of every bb_cache_* call, so threads sharing one
                           connection never interleave statements inside a transaction */
  char path[4096];      /* the file, or ":memory:" */
  char host[256];       /* gethostname(), recorded in claims */
};

/* Sets this thread's message to "kernel cache <path>: <what>: <sqlite's message>" and returns
 * BITBLAS_CACHE_ERROR. */
bitblas_status bb_cache_sql_fail(const bb_cache *cache, const char *what);

/* BEGIN IMMEDIATE: takes the database's write lock now (waiting up to the busy timeout), so the
 * transaction never fails half-way for a lock. BITBLAS_OK or BITBLAS_CACHE_ERROR. */
bitblas_status bb_cache_begin_write(bb_cache *cache);

/* COMMIT; on failure the transaction is rolled back and BITBLAS_CACHE_ERROR returned. */
bitblas_status bb_cache_commit(bb_cache *cache);

/* ROLLBACK, when a transaction is open; never fails (there is nothing left to undo if it does). */
void bb_cache_rollback(bb_cache *cache);

/* Prepares sql on the cache's connection; BITBLAS_CACHE_ERROR naming `what` when it fails. */
bitblas_status bb_cache_prepare(bb_cache *cache, const char *sql, sqlite3_stmt **stmt,
                                const char *what);

/* Opens the cache file at `path` (NULL or "": the default location, written into `location`)
 * read-only, without creating it, and checks its schema version. BITBLAS_OK with *db open (the
 * caller closes it), or BITBLAS_CACHE_ERROR with a message that starts with `caller` and names
 * the file (missing, unreadable, another schema version) and *db NULL. */
bitblas_status bb_cache_open_file_readonly(const char *path, const char *caller, sqlite3 **db,
                                           char *location, size_t location_size);

/* Deletes this process's claim on key, inside the caller's transaction if one is open (the
 * store transaction), else on its own; a claim that another connection of this process took is
 * left alone. Takes no cache lock. BITBLAS_OK or BITBLAS_CACHE_ERROR. */
bitblas_status bb_cache_delete_own_claim(bb_cache *cache, const bb_cache_key *key);

/* Forgets the claims cache holds in the process's table of held claims (on closing it; the rows
 * stay, and are taken over by this process's next claim or once the process is gone). */
void bb_cache_forget_claims(const bb_cache *cache);

#endif
