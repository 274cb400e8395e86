/*
 * worker_main.c - bitblas-worker, the process in which untried candidates run. The library
 * starts one per context (tune.c) as `bitblas-worker --device N --parent-pid P` and talks to it
 * over stdin/stdout, one request per line:
 *
 *   request:  tune <TAB> source-hash <TAB> skip-list|- <TAB> fault|- <TAB> out-dir <TAB>
 *             canonical config text
 *   replies:  begin <candidates> <nvrtc-version>
 *             reused <n> compiled before               (for the debug log: sources not compiled
 *                                                       again, see cubin_memo.h)
 *             compiled
 *             result <i> <outcome> <us> <message>      (compile failures, then each run)
 *             ready                                    (test inputs and reference made)
 *             run <i>                                  (before candidate i touches the GPU)
 *             crash <i> <message>                      (then the worker exits: context dead)
 *             done | error <status> <message>
 *
 * The caller's time limits follow these lines: compiling until "compiled", setting up until
 * "ready", and each candidate from its "run" line. The cubin of every correct candidate is
 * written to <out-dir>/candidate_<i>.cubin. A fault spec "trap:<i>" or "hang:<i>" compiles
 * candidate i with a trap or an endless loop (tests). The source hash is the library's
 * bb_source_hash(): a worker of another build (other kernel templates, or another meaning of a
 * config text, such as the order the weights are stored in) refuses the request rather than
 * tune kernels that the library would run on data laid out for others.
 * The worker keeps no descriptor but stdio, and dies with the process that started it. Between
 * requests it keeps what it compiled (cubin_memo.h) and, for WORKER_KEEP_MEASURE_MS, the last
 * request's test bench: a request that differs in M alone reuses its weights.
 */
#define _DEFAULT_SOURCE /* closefrom */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "compile.h"
#include "config.h"
#include "cubin_memo.h"
#include "cuda_driver.h"
#include "error.h"
#include "measure.h"
#include "nvrtc_loader.h"
#include "schedule.h"

#define TIMED_RUNS 25
/* A candidate stops after BB_MEASURE_RACE_RUNS timed runs when each took longer than this many
 * times the best median so far. Two tunings in two processes, on other random data, timed one
 * candidate 0.89-1.19x apart (bench/RESULTS.md, fifteenth section); within one tuning, 3 runs
 * all beyond 1.25x mean the candidate cannot win. */
#define RACE_MARGIN 1.25

typedef struct worker_device {
  const bb_cuda_api *cu;
  CUdevice device;
  CUcontext context;
  int arch;
  int l2_bytes;
  bb_cubin_memo *memo; /* cubins compiled for earlier requests (NULL: compile every time) */
  bb_measure *measure; /* the last request's test bench, kept for the next while it comes soon */
} worker_device;

/* How long the worker keeps the last request's test bench (its device buffers) for a request
 * with the same weights: the buckets of a dynamic operator come back to back; an idle worker
 * holds no device memory beyond its context. */
#define WORKER_KEEP_MEASURE_MS 2000

/* What the memo of compiled cubins may hold: about a thousand candidates' sources and cubins. */
#define WORKER_MEMO_BYTES ((size_t)64 << 20)

/* Replies are single lines: newlines and tabs in messages become spaces. */
static void reply(const char *fmt, ...) BB_PRINTF(1, 2);
static void reply(const char *fmt, ...) {
  char line[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  for (char *c = line; *c; c++)
    if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

static bitblas_status open_device(int ordinal, worker_device *out) {
  bitblas_status status;
  out->cu = bb_cuda_load(&status);
  if (!out->cu) return status;
  const bb_cuda_api *cu = out->cu;
  BB_CU_CHECK(cu->DeviceGet(&out->device, ordinal));
  BB_CU_CHECK(cu->DevicePrimaryCtxRetain(&out->context, out->device));
  BB_CU_CHECK(cu->CtxPushCurrent(out->context));
  int major = 0, minor = 0;
  BB_CU_CHECK(cu->DeviceGetAttribute(&major, BB_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, out->device));
  BB_CU_CHECK(cu->DeviceGetAttribute(&minor, BB_CU_ATTR_COMPUTE_CAPABILITY_MINOR, out->device));
  BB_CU_CHECK(cu->DeviceGetAttribute(&out->l2_bytes, BB_CU_ATTR_L2_CACHE_SIZE, out->device));
  out->arch = major * 10 + minor;
  return BITBLAS_OK;
}

static int in_list(const char *list, int index) {
  if (!list || strcmp(list, "-") == 0) return 0;
  const char *p = list;
  while (*p) {
    char *end;
    long value = strtol(p, &end, 10);
    if (end == p) return 0;
    if (value == index) return 1;
    p = *end == ',' ? end + 1 : end;
  }
  return 0;
}

static bb_fault fault_for(const char *spec, int index) {
  int target = -1;
  if (spec && sscanf(spec, "trap:%d", &target) == 1 && target == index) return BB_FAULT_TRAP;
  if (spec && sscanf(spec, "hang:%d", &target) == 1 && target == index) return BB_FAULT_HANG;
  return BB_FAULT_NONE;
}

static int write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(data, 1, size, f) == size;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Makes device->measure the test bench for cfg: the last one retargeted when it holds the same
 * weights (bb_measure_retarget refuses other weights and then changes nothing), else a new one. */
static bitblas_status ready_measure(worker_device *device, const bitblas_matmul_config *cfg) {
  if (device->measure && bb_measure_retarget(device->measure, cfg) == BITBLAS_OK) return BITBLAS_OK;
  bb_measure_destroy(device->measure);
  device->measure = NULL;
  return bb_measure_create(device->cu, cfg, device->l2_bytes, &device->measure);
}

static void tune_request(worker_device *device, char *skip, char *fault, char *dir,
                         char *config_text) {
  bitblas_matmul_config cfg;
  bitblas_status status = bb_config_parse_key_text(config_text, &cfg);
  if (status != BITBLAS_OK) {
    reply("error %d %s", (int)status, bb_error_message());
    return;
  }
  if ((status = bb_nvrtc_load()) != BITBLAS_OK) {
    reply("error %d %s", (int)status, bb_error_message());
    return;
  }
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate_for(&cfg, device->arch, schedules);
  reply("begin %d %d", count, bb_nvrtc_version());

  char *sources[BB_MAX_CANDIDATES] = {0};
  int wanted[BB_MAX_CANDIDATES] = {0};
  for (int i = 0; i < count; i++) {
    wanted[i] = !in_list(skip, i);
    if (wanted[i]) sources[i] = bb_emit_source(&cfg, &schedules[i], fault_for(fault, i));
  }
  int order[BB_MAX_CANDIDATES];
  bb_schedules_compile_order(schedules, count, order);
  bb_compiled compiled[BB_MAX_CANDIDATES];
  int reused = 0;
  status = bb_compile_all_remembered(device->memo, sources, count, device->arch, order, compiled,
                                     &reused);
  for (int i = 0; i < count; i++) free(sources[i]);
  if (status != BITBLAS_OK) {
    reply("error %d %s", (int)status, bb_error_message());
    return;
  }
  reply("reused %d compiled before", reused); /* for the debug log only */
  reply("compiled");
  for (int i = 0; i < count; i++)
    if (wanted[i] && compiled[i].status != BITBLAS_OK)
      reply("result %d compile_failed 0 %.600s", i, compiled[i].message);

  status = ready_measure(device, &cfg);
  if (status != BITBLAS_OK) {
    bb_compiled_free(compiled, count);
    reply("error %d %s", (int)status, bb_error_message());
    return;
  }
  bb_measure *measure = device->measure;
  reply("ready");     /* the setup is done: from here each candidate is timed on its own */
  double best_us = 0; /* the fastest correct candidate so far (0: none yet) */
  for (int i = 0; i < count; i++) {
    if (!wanted[i] || compiled[i].status != BITBLAS_OK) continue;
    reply("run %d", i);
    double us = 0;
    char message[512];
    const bb_candidate_outcome outcome =
        bb_measure_candidate(measure, compiled[i].cubin, &schedules[i], TIMED_RUNS,
                             RACE_MARGIN * best_us, &us, message, sizeof message);
    if (outcome == BB_CANDIDATE_CRASHED) {
      reply("crash %d %s", i, message);
      /* The context is poisoned; the library starts a fresh worker. _exit, not exit: the
       * driver's exit-time teardown of a dead context can block, and nothing is left to flush. */
      _exit(3);
    }
    if (outcome == BB_CANDIDATE_OK) {
      char path[4096];
      snprintf(path, sizeof path, "%s/candidate_%d.cubin", dir, i);
      if (write_file(path, compiled[i].cubin, compiled[i].cubin_size) != 0) {
        reply("result %d launch_failed 0 could not write %s", i, path);
        continue;
      }
      reply("result %d ok %.3f -", i, us);
      if (best_us == 0 || us < best_us) best_us = us;
    } else {
      reply("result %d %s 0 %s", i, bb_candidate_outcome_name(outcome), message);
    }
  }
  bb_compiled_free(compiled, count);
  reply("done");
}

/* Closes every descriptor above stderr: whatever the starting process let through (its files,
 * sockets, other workers' pairs) must not be held open, or kept from closing, by a worker. */
static void close_inherited_descriptors(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  closefrom(STDERR_FILENO + 1);
#else
  DIR *fds = opendir("/proc/self/fd");
  if (fds) {
    struct dirent *entry;
    while ((entry = readdir(fds))) {
      char *end;
      const long fd = strtol(entry->d_name, &end, 10);
      if (end != entry->d_name && *end == '\0' && fd > STDERR_FILENO && fd != dirfd(fds))
        close((int)fd);
    }
    closedir(fds);
    return;
  }
  long limit = sysconf(_SC_OPEN_MAX);
  if (limit < 0 || limit > 65536) limit = 65536;
  for (long fd = STDERR_FILENO + 1; fd < limit; fd++) close((int)fd);
#endif
}

/* Makes the worker die with its parent even while busy (a compile, a running kernel), when its
 * stdin would not tell it (Linux; elsewhere only the check below). PR_SET_PDEATHSIG fires when
 * the *thread* that started the worker ends; tune.c then starts another worker. A parent that
 * died before prctl took effect sends no signal, but we have been reparented already: getppid()
 * is no longer `parent_pid` (0: not given, nothing to check). Returns 0 to go on, -1 when the
 * parent is gone. */
static int die_with_parent(long long parent_pid) {
#if defined(__linux__)
  prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
  return parent_pid > 0 && (long long)getppid() != parent_pid ? -1 : 0;
}

/* Whether stdin has input (or end of file) within `ms` milliseconds; a failed poll counts as
 * input, so that the caller goes on to read (and meets the error or the end there). */
static int input_within(int ms) {
  struct pollfd input = {STDIN_FILENO, POLLIN, 0};
  int ready;
  while ((ready = poll(&input, 1, ms)) < 0 && errno == EINTR) {
  }
  return ready != 0;
}

static int usage(void) {
  fprintf(stderr,
          "usage: bitblas-worker --device N [--parent-pid P]\n"
          "  Started by the bitblas library to tune candidates in a process of their own;\n"
          "  reads requests on stdin (see tuner/worker_main.c). With --parent-pid it exits\n"
          "  when process P is no longer its parent.\n");
  return 64;
}

int main(int argc, char **argv) {
  close_inherited_descriptors();
  int ordinal = 0;
  long long parent_pid = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
      ordinal = atoi(argv[++i]);
    else if (strcmp(argv[i], "--parent-pid") == 0 && i + 1 < argc)
      parent_pid = atoll(argv[++i]);
    else
      return usage();
  }
  if (die_with_parent(parent_pid) != 0) return 0; /* the parent is gone: nobody to serve */
  worker_device device;
  memset(&device, 0, sizeof device);
  bitblas_status device_status = open_device(ordinal, &device);
  device.memo = bb_cubin_memo_create(WORKER_MEMO_BYTES);
  char line[4096];
  /* Unbuffered, so that poll() on the descriptor sees every request that has not been read. */
  setvbuf(stdin, NULL, _IONBF, 0);
  for (;;) {
    if (device.measure && !input_within(WORKER_KEEP_MEASURE_MS)) {
      bb_measure_destroy(device.measure);
      device.measure = NULL;
    }
    if (!fgets(line, sizeof line, stdin)) break;
    line[strcspn(line, "\n")] = '\0';
    char *fields[6] = {0};
    char *cursor = line;
    int n = 0;
    for (; n < 6 && cursor; n++) {
      fields[n] = cursor;
      cursor = n < 5 ? strchr(cursor, '\t') : NULL;
      if (cursor) *cursor++ = '\0';
    }
    if (n != 6 || strcmp(fields[0], "tune") != 0) {
      reply("error %d malformed request", (int)BITBLAS_INVALID_ARGUMENT);
      continue;
    }
    if (strcmp(fields[1], bb_source_hash()) != 0) {
      reply("error %d this worker's kernel sources (hash %s) are not the library's (hash %s): "
            "BITBLAS_WORKER names the worker of another build",
            (int)BITBLAS_WORKER_FAILED, bb_source_hash(), fields[1]);
      continue;
    }
    if (device_status != BITBLAS_OK) {
      reply("error %d device %d: %s", (int)device_status, ordinal, bb_error_message());
      continue;
    }
    tune_request(&device, fields[2], fields[3], fields[4], fields[5]);
  }
  bb_measure_destroy(device.measure);
  bb_cubin_memo_destroy(device.memo);
  return 0;
}
