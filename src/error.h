/*
 * error.h - the thread-local error message behind bitblas_last_error(), and the checking
 * macros that turn a CUresult or nvrtcResult into a status with the call, function, file, line.
 */
#ifndef BITBLAS_ERROR_H
#define BITBLAS_ERROR_H

#include "bitblas.h"

#if defined(__GNUC__)
#define BB_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define BB_PRINTF(fmt_index, first_arg)
#endif

/* Sets this thread's message and returns `status`, so callers can `return bb_fail(...)`. */
bitblas_status bb_fail(bitblas_status status, const char *fmt, ...) BB_PRINTF(2, 3);

/* Appends more words (such as an NVRTC log) to this thread's message. */
void bb_error_append(const char *fmt, ...) BB_PRINTF(1, 2);

/* Clears this thread's message; every public entry point calls it first. */
void bb_error_clear(void);

/* The current message (never NULL). */
const char *bb_error_message(void);

/* Logging, silent unless BITBLAS_LOG is "warn", "info" or "debug"; goes to stderr. */
typedef enum { BB_LOG_WARN = 1, BB_LOG_INFO = 2, BB_LOG_DEBUG = 3 } bb_log_level;
int bb_log_enabled(bb_log_level level);
void bb_log(bb_log_level level, const char *fmt, ...) BB_PRINTF(2, 3);

#endif
