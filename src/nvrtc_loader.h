/*
 * nvrtc_loader.h - NVRTC, loaded with dlopen on first need (never on a cache hit), and one
 * function that compiles a CUDA source to a cubin for a given sm_XY. No toolkit headers.
 */
#ifndef BITBLAS_NVRTC_LOADER_H
#define BITBLAS_NVRTC_LOADER_H

#include <stddef.h>

#include "bitblas.h"

/* Loads libnvrtc (once, thread-safe): $BITBLAS_LIBNVRTC, else libnvrtc.so.13, .so.12, .so.
 * BITBLAS_OK, or BITBLAS_NO_NVRTC with the paths tried in the message. */
bitblas_status bb_nvrtc_load(void);

/* NVRTC's version as major*1000 + minor*10 (13.0 -> 13000), or -1 when not loaded. */
int bb_nvrtc_version(void);

/* Compiles `source` (named `name` in logs) for sm_<arch> (e.g. 86; 90 is sm_90a, the arch-specific
 * target) with the library's options plus `extra_options` (NULL-terminated, may be NULL). On
 * success *cubin is malloc'd (caller frees) and *cubin_size set. On failure: BITBLAS_COMPILE_FAILED
 * with the NVRTC log and the options in the message; *cubin NULL. */
bitblas_status bb_nvrtc_compile(const char *source, const char *name, int arch,
                                const char *const *extra_options, void **cubin, size_t *cubin_size);

/* The fixed option list used for every compile, space-separated, for hashing into cache keys. */
const char *bb_nvrtc_base_options(void);

#endif
