/*
 * compile.h - compiles a batch of candidate sources with NVRTC on a bounded pool of threads.
 */
#ifndef BITBLAS_COMPILE_H
#define BITBLAS_COMPILE_H

#include <stddef.h>

#include "bitblas.h"

typedef struct bb_compiled {
  bitblas_status status; /* BITBLAS_OK or why the compile failed */
  void *cubin;           /* malloc'd on success */
  size_t cubin_size;
  char message[1024]; /* the start of NVRTC's log on failure */
} bb_compiled;

/* Compiles sources[i] (NULL entries are skipped and marked failed) for sm_<arch> into out[i],
 * using at most $BITBLAS_COMPILE_THREADS (default: online CPUs, at most 16) threads. Returns
 * BITBLAS_OK when the batch ran (individual results are in out), or BITBLAS_NO_NVRTC. */
bitblas_status bb_compile_all(char *const *sources, int count, int arch, bb_compiled *out);

/* bb_compile_all, starting the compiles in the order of `order` (a permutation of 0..count-1;
 * NULL: in index order). Starting the longest first keeps one late long compile from setting
 * the batch's wall time. Results still land in out[i] for sources[i]. */
bitblas_status bb_compile_all_ordered(char *const *sources, int count, int arch, const int *order,
                                      bb_compiled *out);

/* Frees the cubins of a batch. */
void bb_compiled_free(bb_compiled *compiled, int count);

#endif
