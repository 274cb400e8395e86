/*
 * claim.c - per-key claims in the cache's `claims` table, so that of several processes wanting
 * the same kernel one tunes and the others wait for its row. A claim names a process (host, pid);
 * it is taken over when that process is gone or the claim is too old. No waiting happens here.
 * Within one process, a table of held claims tells this process's connections apart (contexts on
 * two devices have one connection each), so that only one of them tunes a key at a time.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cache_db.h"
#include "error.h"

/* The key of the claims table is bb_cache_key_text(); this holds it for any sane key. */
#define BB_CLAIM_KEY_CAPACITY 1024

/* The claims this process holds, each with the connection that took it. A claim row names only
 * the process; this table says which of its connections (on the same file) holds it. */
typedef struct held_claim {
  struct held_claim *next;
  const bb_cache *holder;
  pid_t pid; /* a forked child inherits the table: entries of another pid are not its own */
  char *path_and_key; /* "<cache path>\n<key text>" */
} held_claim;

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static held_claim *held_claims;

/* The entry for path_and_key taken by this process, or NULL. Needs held_lock. */
static held_claim *held_find(const char *path_and_key) {
  for (held_claim *entry = held_claims; entry; entry = entry->next)
    if (entry->pid == getpid() && strcmp(entry->path_and_key, path_and_key) == 0) return entry;
  return NULL;
}

/* "<path>\n<key>" into out; 0 for an in-memory cache (its rows are its connection's alone, so
 * its claims need no telling apart) or a name that does not fit. */
static int held_name(const bb_cache *cache, const char *key_text, char *out, size_t size) {
  if (strcmp(cache->path, ":memory:") == 0) return 0;
  int length = snprintf(out, size, "%s\n%s", cache->path, key_text);
  return length > 0 && (size_t)length < size;
}

/* Whether another connection of this process holds the claim on key_text. */
static int held_by_other_connection(const bb_cache *cache, const char *key_text) {
  char name[sizeof cache->path + BB_CLAIM_KEY_CAPACITY + 2];
  if (!held_name(cache, key_text, name, sizeof name)) return 0;
  pthread_mutex_lock(&held_lock);
  const held_claim *entry = held_find(name);
  const int other = entry && entry->holder != cache;
  pthread_mutex_unlock(&held_lock);
  return other;
}

/* Records that cache holds the claim on key_text. Without memory the claim is still taken; only
 * the telling apart of this process's connections is lost (two of them may then both tune). */
static void held_add(const bb_cache *cache, const char *key_text) {
  char name[sizeof cache->path + BB_CLAIM_KEY_CAPACITY + 2];
  if (!held_name(cache, key_text, name, sizeof name)) return;
  pthread_mutex_lock(&held_lock);
  if (!held_find(name)) {
    held_claim *entry = malloc(sizeof *entry);
    char *copy = strdup(name);
    if (entry && copy) {
      *entry = (held_claim){held_claims, cache, getpid(), copy};
      held_claims = entry;
    } else {
      free(entry);
      free(copy);
    }
  }
  pthread_mutex_unlock(&held_lock);
}

/* Forgets cache's entries: the one for key_text, or all of them when key_text is NULL. */
static void held_remove(const bb_cache *cache, const char *key_text) {
  char name[sizeof cache->path + BB_CLAIM_KEY_CAPACITY + 2];
  if (key_text && !held_name(cache, key_text, name, sizeof name)) return;
  pthread_mutex_lock(&held_lock);
  for (held_claim **link = &held_claims; *link;) {
    held_claim *entry = *link;
    if (entry->holder == cache && entry->pid == getpid() &&
        (!key_text || strcmp(entry->path_and_key, name) == 0)) {
      *link = entry->next;
      free(entry->path_and_key);
      free(entry);
    } else {
      link = &entry->next;
    }
  }
  pthread_mutex_unlock(&held_lock);
}

void bb_cache_forget_claims(const bb_cache *cache) { held_remove(cache, NULL); }

static double seconds_since_epoch(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* Whether process `pid` of this host is gone. kill(pid, 0) sends nothing: it fails with ESRCH
 * only for a pid that does not exist (EPERM means it lives, under another user). A pid that
 * is not positive cannot be a claimer (and kill would address a process group): gone. */
static int process_is_gone(int64_t pid) {
  if (pid <= 0 || pid != (int64_t)(pid_t)pid) return 1;
  return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

bitblas_status bb_cache_delete_own_claim(bb_cache *cache, const bb_cache_key *key) {
  char key_text[BB_CLAIM_KEY_CAPACITY];
  bb_cache_key_text(key, key_text, sizeof key_text);
  /* The process's claim, but another connection's: that one is tuning the key. */
  if (held_by_other_connection(cache, key_text)) return BITBLAS_OK;
  sqlite3_stmt *stmt = NULL;
  bitblas_status status =
      bb_cache_prepare(cache, "DELETE FROM claims WHERE key = ?1 AND pid = ?2 AND host = ?3", &stmt,
                       "cannot prepare the release of a claim");
  if (status == BITBLAS_OK &&
      (sqlite3_bind_text(stmt, 1, key_text, -1, SQLITE_STATIC) != SQLITE_OK ||
       sqlite3_bind_int64(stmt, 2, (sqlite3_int64)getpid()) != SQLITE_OK ||
       sqlite3_bind_text(stmt, 3, cache->host, -1, SQLITE_STATIC) != SQLITE_OK ||
       sqlite3_step(stmt) != SQLITE_DONE))
    status = bb_cache_sql_fail(cache, "cannot release a claim");
  sqlite3_finalize(stmt);
  if (status == BITBLAS_OK) held_remove(cache, key_text);
  return status;
}

/* Reads the current claim on key_text. 1 and the holder when there is one, 0 when there is
 * none, -1 on an SQLite error (message set). */
static int read_claim(bb_cache *cache, const char *key_text, int64_t *pid, char *host,
                      size_t host_size, double *claimed_at) {
  sqlite3_stmt *stmt = NULL;
  if (bb_cache_prepare(cache, "SELECT pid, host, claimed_at FROM claims WHERE key = ?1", &stmt,
                       "cannot prepare the reading of a claim") != BITBLAS_OK)
    return -1;
  int found = -1;
  if (sqlite3_bind_text(stmt, 1, key_text, -1, SQLITE_STATIC) == SQLITE_OK) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char *holder_host = sqlite3_column_text(stmt, 1);
      *pid = sqlite3_column_int64(stmt, 0);
      snprintf(host, host_size, "%s", holder_host ? (const char *)holder_host : "");
      /* A NULL or non-numeric time reads as 0: as old as can be. */
      *claimed_at = sqlite3_column_double(stmt, 2);
      found = 1;
    } else if (rc == SQLITE_DONE) {
      found = 0;
    }
  }
  if (found < 0) bb_cache_sql_fail(cache, "cannot read a claim");
  sqlite3_finalize(stmt);
  return found;
}

static bitblas_status write_claim(bb_cache *cache, const char *key_text, double now) {
  sqlite3_stmt *stmt = NULL;
  bitblas_status status = bb_cache_prepare(
      cache, "INSERT OR REPLACE INTO claims (key, pid, host, claimed_at) VALUES (?1, ?2, ?3, ?4)",
      &stmt, "cannot prepare the writing of a claim");
  if (status == BITBLAS_OK &&
      (sqlite3_bind_text(stmt, 1, key_text, -1, SQLITE_STATIC) != SQLITE_OK ||
       sqlite3_bind_int64(stmt, 2, (sqlite3_int64)getpid()) != SQLITE_OK ||
       sqlite3_bind_text(stmt, 3, cache->host, -1, SQLITE_STATIC) != SQLITE_OK ||
       sqlite3_bind_double(stmt, 4, now) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE))
    status = bb_cache_sql_fail(cache, "cannot write a claim");
  sqlite3_finalize(stmt);
  return status;
}

/* Inside the claim's write transaction: takes the claim unless a live holder has it. */
static bitblas_status take_claim_if_free(bb_cache *cache, const char *key_text,
                                         double stale_seconds) {
  int64_t holder_pid = 0;
  char holder_host[sizeof cache->host] = "";
  double claimed_at = 0, now = seconds_since_epoch();
  int found =
      read_claim(cache, key_text, &holder_pid, holder_host, sizeof holder_host, &claimed_at);
  if (found < 0) return BITBLAS_CACHE_ERROR;
  if (found) {
    int same_host = strcmp(holder_host, cache->host) == 0;
    int ours = same_host && holder_pid == (int64_t)getpid();
    if (ours && held_by_other_connection(cache, key_text))
      return bb_fail(BITBLAS_TIMEOUT,
                     "kernel cache %s: %s is being tuned by another context of this process "
                     "(claimed %.1f s ago); wait for its row",
                     cache->path, key_text, now - claimed_at);
    int holder_gone = same_host && !ours && process_is_gone(holder_pid);
    int too_old = stale_seconds > 0 && now - claimed_at > stale_seconds;
    if (!ours && !holder_gone && !too_old)
      return bb_fail(BITBLAS_TIMEOUT,
                     "kernel cache %s: %s is being tuned by process %lld on %s (claimed %.1f s "
                     "ago); wait for its row",
                     cache->path, key_text, (long long)holder_pid, holder_host, now - claimed_at);
    if (!ours)
      bb_log(BB_LOG_INFO, "kernel cache %s: taking over the claim of process %lld on %s (%s): %s",
             cache->path, (long long)holder_pid, holder_host,
             holder_gone ? "process gone" : "too old", key_text);
  }
  return write_claim(cache, key_text, now);
}

bitblas_status bb_cache_claim(bb_cache *cache, const bb_cache_key *key, double stale_seconds) {
  if (!cache || !key) return bb_fail(BITBLAS_INVALID_ARGUMENT, "bb_cache_claim: NULL argument");
  char key_text[BB_CLAIM_KEY_CAPACITY];
  bb_cache_key_text(key, key_text, sizeof key_text);
  pthread_mutex_lock(&cache->lock);
  /* Reading and writing the claim under one write lock: two processes cannot both see "free". */
  bitblas_status status = bb_cache_begin_write(cache);
  if (status == BITBLAS_OK) {
    status = take_claim_if_free(cache, key_text, stale_seconds);
    if (status == BITBLAS_OK)
      status = bb_cache_commit(cache);
    else
      bb_cache_rollback(cache);
  }
  if (status == BITBLAS_OK) held_add(cache, key_text);
  pthread_mutex_unlock(&cache->lock);
  return status;
}

void bb_cache_release(bb_cache *cache, const bb_cache_key *key) {
  if (!cache || !key) return;
  pthread_mutex_lock(&cache->lock);
  /* One DELETE is a transaction of its own. */
  if (bb_cache_delete_own_claim(cache, key) != BITBLAS_OK)
    bb_log(BB_LOG_WARN, "%s", bb_error_message());
  pthread_mutex_unlock(&cache->lock);
}
