/*
 * compile.c - a small pool of threads pulling positions from a shared counter (mapped to
 * candidate indices through an optional start order) and compiling each candidate with NVRTC.
 * NVRTC programs are independent, so no other locking is needed.
 */
#include "compile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "nvrtc_loader.h"

typedef struct compile_job {
  char *const *sources;
  int count;
  int arch;
  const int *order; /* NULL: index order */
  bb_compiled *out;
  int next;
  pthread_mutex_t lock;
} compile_job;

static void *compile_worker(void *argument) {
  compile_job *job = argument;
  for (;;) {
    pthread_mutex_lock(&job->lock);
    const int position = job->next++;
    pthread_mutex_unlock(&job->lock);
    if (position >= job->count) return NULL;
    const int index = job->order ? job->order[position] : position;
    bb_compiled *result = &job->out[index];
    char name[32];
    snprintf(name, sizeof name, "candidate_%d.cu", index);
    if (!job->sources[index]) {
      result->status = BITBLAS_COMPILE_FAILED;
      snprintf(result->message, sizeof result->message, "no source");
      continue;
    }
    result->status = bb_nvrtc_compile(job->sources[index], name, job->arch, NULL, &result->cubin,
                                      &result->cubin_size);
    if (result->status != BITBLAS_OK)
      snprintf(result->message, sizeof result->message, "%s", bb_error_message());
  }
}

static int thread_count(int count) {
  const char *env = getenv("BITBLAS_COMPILE_THREADS");
  long threads = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  if (!env && threads > 16) threads = 16;
  if (threads < 1) threads = 1;
  if (threads > count) threads = count;
  return (int)threads;
}

bitblas_status bb_compile_all(char *const *sources, int count, int arch, bb_compiled *out) {
  return bb_compile_all_ordered(sources, count, arch, NULL, out);
}

bitblas_status bb_compile_all_ordered(char *const *sources, int count, int arch, const int *order,
                                      bb_compiled *out) {
  memset(out, 0, (size_t)count * sizeof *out);
  bitblas_status status = bb_nvrtc_load();
  if (status != BITBLAS_OK) return status;
  if (count <= 0) return BITBLAS_OK;
  compile_job job = {sources, count, arch, order, out, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t threads[64];
  const int wanted = thread_count(count);
  int started = 0;
  for (; started < wanted && started < 64; started++)
    if (pthread_create(&threads[started], NULL, compile_worker, &job) != 0) break;
  if (started == 0) compile_worker(&job); /* no threads available: compile here */
  for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
  return BITBLAS_OK;
}

void bb_compiled_free(bb_compiled *compiled, int count) {
  for (int i = 0; i < count; i++) {
    free(compiled[i].cubin);
    compiled[i].cubin = NULL;
  }
}
