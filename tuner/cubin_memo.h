/*
 * cubin_memo.h - the tuning worker's memory of the cubins it compiled. The same source compiled
 * for the same architecture gives the same cubin, and kernels take m at run time, so the M
 * buckets of one dynamic operator share most of their candidates' sources (on the Llama-3-8B
 * shapes, 65-71 distinct sources among 111-117 candidates over the 8 default buckets), as do
 * operators of one shape. A source the worker compiled before is not compiled again.
 */
#ifndef BITBLAS_CUBIN_MEMO_H
#define BITBLAS_CUBIN_MEMO_H

#include <stddef.h>

#include "bitblas.h"
#include "compile.h"

typedef struct bb_cubin_memo bb_cubin_memo;

/* An empty memo that holds at most max_bytes of sources and cubins together (the oldest entries
 * leave first); NULL when out of memory. */
bb_cubin_memo *bb_cubin_memo_create(size_t max_bytes);

/* Frees the memo and everything it holds; NULL is ignored. */
void bb_cubin_memo_destroy(bb_cubin_memo *memo);

/* Whether the memo holds a cubin of `source` (compared whole) for sm_<arch>. If so, *cubin gets
 * a malloc'd copy of it and *size its size; returns 0 (and *cubin NULL) when it holds none or
 * the copy cannot be allocated. */
int bb_cubin_memo_find(const bb_cubin_memo *memo, const char *source, int arch, void **cubin,
                       size_t *size);

/* Remembers `cubin` as the compile of `source` for sm_<arch>, dropping the oldest entries until
 * everything fits max_bytes. Nothing is added when the entry alone exceeds max_bytes, when the
 * memo already holds the source for arch, or when memory runs out. */
void bb_cubin_memo_add(bb_cubin_memo *memo, const char *source, int arch, const void *cubin,
                       size_t size);

/* Entries held, and the bytes of sources and cubins they take. */
int bb_cubin_memo_count(const bb_cubin_memo *memo);
size_t bb_cubin_memo_bytes(const bb_cubin_memo *memo);

/* bb_compile_all_ordered over the sources that `memo` does not hold for arch; the others get a
 * copy of the remembered cubin (status BITBLAS_OK). Sources that compile join the memo; failed
 * compiles do not. *reused (when not NULL) is how many sources came from the memo. With memo
 * NULL every source is compiled. */
bitblas_status bb_compile_all_remembered(bb_cubin_memo *memo, char *const *sources, int count,
                                         int arch, const int *order, bb_compiled *out, int *reused);

#endif
