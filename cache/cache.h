/*
 * cache.h - the SQLite store of tuned kernels: one row per (device, toolchain, source, config)
 * with the winning cubin and readable columns, the timings of every candidate tried, and
 * per-key claims so that several processes tune a shape once. Knows nothing of CUDA.
 */
#ifndef BITBLAS_CACHE_H
#define BITBLAS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* Bumped whenever the schema changes; stored in PRAGMA user_version. A file with another
 * version is rebuilt (its rows are dropped: they are a cache, not data). */
#define BB_CACHE_SCHEMA_VERSION 1

typedef struct bb_cache bb_cache;

/* Everything that makes a stored binary valid. Every field takes part in the lookup, except
 * nvrtc_version when it is -1 (NVRTC not loaded: a hit never loads it; the newest row wins). */
typedef struct bb_cache_key {
  char device_name[256];
  int compute_major, compute_minor;
  int sm_count;
  int driver_version; /* cuDriverGetVersion, e.g. 13000 */
  int nvrtc_version;  /* major*1000+minor*10, or -1 for "any" on lookup */
  char library_version[32];
  char source_hash[17];         /* 16 hex digits: kernel templates + emitter + compile options */
  bitblas_matmul_config config; /* static M (one bucket); dynamic_m and buckets ignored */
} bb_cache_key;

/* The key as one line, every field joined by '|':
 * "device|9.0|sm_count|driver|nvrtc|library_version|source_hash|<bb_config_key_text>".
 * It names a claim in the claims table and the key in log messages. Returns the length the
 * full text needs, like snprintf (the config text alone is under 256 characters). */
int bb_cache_key_text(const bb_cache_key *key, char *buf, size_t size);

/* How one candidate fared while tuning. */
typedef enum bb_candidate_outcome {
  BB_CANDIDATE_OK = 0,
  BB_CANDIDATE_COMPILE_FAILED,
  BB_CANDIDATE_LAUNCH_FAILED, /* too many registers / too much shared memory, ... */
  BB_CANDIDATE_WRONG,         /* ran, but disagreed with the reference */
  BB_CANDIDATE_CRASHED,       /* trapped or faulted: the worker's context died */
  BB_CANDIDATE_HUNG,          /* exceeded the time limit; the worker was killed */
  BB_CANDIDATE_NOT_RUN,
  BB_CANDIDATE_SKIPPED /* not tried: beyond BITBLAS_TUNE_MAX_CANDIDATES */
} bb_candidate_outcome;

/* "ok", "compile_failed", "launch_failed", "wrong", "crashed", "hung", "not_run", "skipped";
 * "unknown" for a value outside the enum. Never NULL. */
const char *bb_candidate_outcome_name(bb_candidate_outcome outcome);

typedef struct bb_candidate_result {
  char schedule[128];
  bb_candidate_outcome outcome;
  double us;         /* median time, when outcome is OK; else 0 */
  char message[256]; /* why it failed, or "" */
} bb_candidate_result;

/* A stored winner. cubin is malloc'd by bb_cache_lookup and freed by bb_cache_entry_free. */
typedef struct bb_cache_entry {
  char schedule[128]; /* readable and parseable (tuner/schedule.h) */
  char kernel_name[64];
  void *cubin;
  size_t cubin_size;
  double kernel_us;
  int candidates_tried;
  int nvrtc_version;
  char tuned_at[32]; /* UTC, ISO 8601 */
} bb_cache_entry;

/* Frees entry->cubin and zeroes the entry. NULL is a no-op. */
void bb_cache_entry_free(bb_cache_entry *entry);

/* Opens (creating folders, file and schema as needed) the cache at `path`, or at the default
 * location when path is NULL or "": $BITBLAS_CACHE, else $XDG_CACHE_HOME/bitblas/cache.db, else
 * $HOME/.cache/bitblas/cache.db. ":memory:" opens a private in-memory cache without a warning.
 * WAL journal, busy timeout, schema version checked. If the file
 * cannot be opened or written, opens an in-memory cache instead and writes one warning into
 * `warning` (else warning[0] = '\0'), also logged at BB_LOG_WARN. warning may be NULL.
 * Fails only if not even memory works (BITBLAS_CACHE_ERROR, *out NULL).
 * Every bb_cache_* call on one cache is serialized by a lock, so threads may share it; a cache
 * must not be used by a child after fork() (the child opens its own). */
bitblas_status bb_cache_open(const char *path, bb_cache **out, char *warning, size_t warning_size);

/* Closes the connection and frees the cache. NULL is a no-op. */
void bb_cache_close(bb_cache *cache);

/* The file in use, or ":memory:". */
const char *bb_cache_path(const bb_cache *cache);

/* The default location (as above), written into buf. */
void bb_cache_default_path(char *buf, size_t size);

/* Finds the row for key. BITBLAS_OK and *entry filled, or BITBLAS_NOT_FOUND (entry zeroed).
 * With key->nvrtc_version -1 the most recently tuned row of any NVRTC version is taken.
 * A row whose blob is missing or whose size disagrees with its cubin_size column is deleted
 * and reported as NOT_FOUND. BITBLAS_CACHE_ERROR when SQLite fails. */
bitblas_status bb_cache_lookup(bb_cache *cache, const bb_cache_key *key, bb_cache_entry *entry);

/* Stores (replacing any row for the same key) a winner with the results of all candidates,
 * in one transaction that also drops this process's claim on the key. entry->cubin must hold
 * cubin_size > 0 bytes; key->nvrtc_version must be a real version (not -1). entry->tuned_at is
 * kept when set (an imported row), else the current UTC time is written. The cache copies
 * everything; the caller keeps ownership. BITBLAS_INVALID_ARGUMENT or BITBLAS_CACHE_ERROR. */
bitblas_status bb_cache_store(bb_cache *cache, const bb_cache_key *key, const bb_cache_entry *entry,
                              const bb_candidate_result *candidates, int candidate_count);

/* Deletes the row for key (a cubin that no longer loads); with nvrtc_version -1, the rows of
 * every NVRTC version. Deleting nothing is BITBLAS_OK. BITBLAS_CACHE_ERROR when SQLite fails. */
bitblas_status bb_cache_remove(bb_cache *cache, const bb_cache_key *key);

/* Claims: one tuner per key across processes.
 * bb_cache_claim tries to take the claim on key for this process. BITBLAS_OK: ours (tune, then
 * bb_cache_store and bb_cache_release). BITBLAS_TIMEOUT: another live process holds it; poll
 * bb_cache_lookup until its row appears, then retry. A claim is stale, and taken over, when its
 * process is gone (same host) or it is older than stale_seconds.
 * Details: a claim row names a process (host name and pid). Within the process the claim
 * belongs to the connection (bb_cache) that took it: claiming again through that connection
 * returns BITBLAS_OK (and renews its time), so threads sharing one connection must agree among
 * themselves who tunes; another connection of this process on the same file (a context on
 * another device) gets BITBLAS_TIMEOUT, as another process would. stale_seconds <= 0 means
 * age alone never makes a claim stale. A claim from another host is taken over only by age.
 * Claiming does not look at the kernels table: look up before claiming, and again once the
 * claim is yours (another process may have stored the row in between).
 * Errors besides TIMEOUT: BITBLAS_CACHE_ERROR. */
bitblas_status bb_cache_claim(bb_cache *cache, const bb_cache_key *key, double stale_seconds);

/* Drops this connection's claim on key, if it holds one; another process's claim, or another
 * connection's of this process, is left alone.
 * bb_cache_store already drops it; calling both is harmless. Failures are only logged. */
void bb_cache_release(bb_cache *cache, const bb_cache_key *key);

/* Lists rows, one readable line each, newest first, to the callback (for bitblas-tune --list):
 * "<device> (sm <cc>, <n> SMs) | <config> | <schedule> | <us> us | <n> candidates | <tuned_at>".
 * The line is valid only during the call. BITBLAS_CACHE_ERROR when SQLite fails. */
typedef void (*bb_cache_row_fn)(void *user, const char *line);
bitblas_status bb_cache_list(bb_cache *cache, bb_cache_row_fn fn, void *user);

/* A 64-bit FNV-1a hash, also used for source hashes: the FNV offset basis XOR seed, then
 * for each byte b: h = (h ^ b) * 0x100000001b3. Seed 0 gives plain FNV-1a. */
uint64_t bb_hash64(const void *data, size_t size, uint64_t seed);

#endif
