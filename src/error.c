/*
 * error.c - status strings made from BITBLAS_STATUS_LIST, the thread-local error message, and
 * the opt-in log. Nothing here prints unless BITBLAS_LOG asks for it.
 */
#include "error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BB_ERROR_CAPACITY 16384

static _Thread_local char error_message[BB_ERROR_CAPACITY];

const char *bitblas_status_string(bitblas_status status) {
  switch (status) {
#define BB_STATUS_TEXT_(name, value, text)                                                         \
  case BITBLAS_##name:                                                                             \
    return text;
    BITBLAS_STATUS_LIST(BB_STATUS_TEXT_)
#undef BB_STATUS_TEXT_
  }
  return "unknown status";
}

const char *bitblas_status_name(bitblas_status status) {
  switch (status) {
#define BB_STATUS_NAME_(name, value, text)                                                         \
  case BITBLAS_##name:                                                                             \
    return "BITBLAS_" #name;
    BITBLAS_STATUS_LIST(BB_STATUS_NAME_)
#undef BB_STATUS_NAME_
  }
  return "unknown status";
}

const char *bitblas_last_error(void) { return error_message; }

const char *bb_error_message(void) { return error_message; }

void bb_error_clear(void) { error_message[0] = '\0'; }

bitblas_status bb_fail(bitblas_status status, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(error_message, sizeof error_message, fmt, args);
  va_end(args);
  bb_log(BB_LOG_DEBUG, "%s: %s", bitblas_status_name(status), error_message);
  return status;
}

void bb_error_append(const char *fmt, ...) {
  size_t used = strlen(error_message);
  if (used + 1 >= sizeof error_message) return;
  va_list args;
  va_start(args, fmt);
  vsnprintf(error_message + used, sizeof error_message - used, fmt, args);
  va_end(args);
}

static int log_level_value;
static pthread_once_t log_level_once = PTHREAD_ONCE_INIT;

static void read_log_level(void) {
  const char *env = getenv("BITBLAS_LOG");
  if (env && strcmp(env, "warn") == 0) log_level_value = BB_LOG_WARN;
  if (env && strcmp(env, "info") == 0) log_level_value = BB_LOG_INFO;
  if (env && strcmp(env, "debug") == 0) log_level_value = BB_LOG_DEBUG;
}

static int log_level(void) {
  pthread_once(&log_level_once, read_log_level);
  return log_level_value;
}

int bb_log_enabled(bb_log_level level) { return log_level() >= (int)level; }

void bb_log(bb_log_level level, const char *fmt, ...) {
  if (!bb_log_enabled(level)) return;
  static const char *names[] = {"", "warn", "info", "debug"};
  char line[2048];
  va_list args;
  va_start(args, fmt);
  vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  fprintf(stderr, "bitblas %s: %s\n", names[level], line);
}
