/*
 * errors.c - the tools' thread-local failure message (see errors.h). Formatting only: it never
 * prints and never exits; the programs decide what to do with a failure.
 */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char tool_message[2048];

int bb_tool_fail(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(tool_message, sizeof tool_message, fmt, args);
  va_end(args);
  return -1;
}

int bb_tool_fail_status(const char *what, bitblas_status status) {
  const char *detail = bitblas_last_error();
  return bb_tool_fail("%s: %s%s%s", what, bitblas_status_name(status), *detail ? ": " : "",
                      *detail ? detail : bitblas_status_string(status));
}

const char *bb_tool_error(void) { return tool_message; }

int bb_tool_fail_cuda(const bb_cuda_api *cu, CUresult result, const char *call, const char *file,
                      int line) {
  const char *name = NULL;
  const char *text = NULL;
  if (cu && cu->GetErrorName) cu->GetErrorName(result, &name);
  if (cu && cu->GetErrorString) cu->GetErrorString(result, &text);
  return bb_tool_fail("%s failed with CUDA error %d (%s: %s) at %s:%d", call, (int)result,
                      name ? name : "unknown", text ? text : "", file, line);
}
