/*
 * errors.h - the tools' own failure message: one per thread, set where a step fails and printed
 * by the program. Covers tool-side failures (parsing, cuBLAS, driver calls made by the tools);
 * library failures are copied in from bitblas_last_error() by whoever called the library.
 */
#ifndef BITBLAS_TOOL_ERRORS_H
#define BITBLAS_TOOL_ERRORS_H

#include "bitblas.h"
#include "cuda_driver.h"

#if defined(__GNUC__)
#define BB_TOOL_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define BB_TOOL_PRINTF(fmt_index, first_arg)
#endif

/* Sets this thread's message (printf format) and returns -1, so callers can
 * `return bb_tool_fail(...)`. The message is truncated at 2 KiB. */
int bb_tool_fail(const char *fmt, ...) BB_TOOL_PRINTF(1, 2);

/* Sets the message to "<what>: <status name>: <bitblas_last_error()>" after a failed library
 * call and returns -1. */
int bb_tool_fail_status(const char *what, bitblas_status status);

/* The message of this thread's last bb_tool_fail; "" when none. Never NULL. */
const char *bb_tool_error(void);

/* Sets the message for a failed driver call `call` (its text), naming the CUDA error, the file
 * and the line, and returns -1. `cu` may be NULL (the error is then given by number only). */
int bb_tool_fail_cuda(const bb_cuda_api *cu, CUresult result, const char *call, const char *file,
                      int line);

/* Evaluates a driver call through the table `cu`; on failure returns -1 with the message set. */
#define BB_TOOL_CU(cu, call)                                                                       \
  do {                                                                                             \
    CUresult bb_tool_result_ = (call);                                                             \
    if (bb_tool_result_ != BB_CUDA_SUCCESS)                                                        \
      return bb_tool_fail_cuda((cu), bb_tool_result_, #call, __FILE__, __LINE__);                  \
  } while (0)

/* Like BB_TOOL_CU but sets `failed` to -1 and jumps to `label` instead of returning. */
#define BB_TOOL_CU_GOTO(cu, call, failed, label)                                                   \
  do {                                                                                             \
    CUresult bb_tool_result_ = (call);                                                             \
    if (bb_tool_result_ != BB_CUDA_SUCCESS) {                                                      \
      (failed) = bb_tool_fail_cuda((cu), bb_tool_result_, #call, __FILE__, __LINE__);              \
      goto label;                                                                                  \
    }                                                                                              \
  } while (0)

#endif
