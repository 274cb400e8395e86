/*
 * kernel_sources.h - the CUDA templates of kernel_src/, embedded at build time by
 * cmake/embed_sources.cmake. The table ends with a {NULL, NULL} entry.
 */
#ifndef BITBLAS_KERNEL_SOURCES_H
#define BITBLAS_KERNEL_SOURCES_H

typedef struct bb_kernel_source {
  const char *name; /* file name in kernel_src/, e.g. "gemv.cu" */
  const char *text;
} bb_kernel_source;

extern const bb_kernel_source bb_kernel_sources[];

/* The text of kernel_src/<name>, or NULL. */
const char *bb_kernel_source_find(const char *name);

#endif
