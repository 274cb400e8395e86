/*
 * tune.c - the caller's half of tuning: starts bitblas-worker over a socket pair, asks it to
 * tune a config, follows its progress lines, restarts it when a candidate kills it (marking
 * that candidate crashed or hung), and picks the fastest correct candidate.
 * The worker's half is worker_main.c; the line protocol is documented there.
 */
#define _GNU_SOURCE /* dladdr */
#include "tune.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "error.h"

extern char **environ;

#define BB_COMPILE_TIMEOUT_S 300.0
#define BB_DEFAULT_RUN_TIMEOUT_S 60.0

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int is_executable(const char *path) { return *path && access(path, X_OK) == 0; }

bitblas_status bb_worker_path(char *buf, size_t size) {
  const char *env = getenv("BITBLAS_WORKER");
  if (env && *env) {
    if (!is_executable(env))
      return bb_fail(BITBLAS_WORKER_FAILED, "BITBLAS_WORKER=%s: not an executable file", env);
    snprintf(buf, size, "%s", env);
    return BITBLAS_OK;
  }
  const char *fixed[] = {BITBLAS_WORKER_INSTALL_PATH, BITBLAS_WORKER_BUILD_PATH};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    if (is_executable(fixed[i])) {
      snprintf(buf, size, "%s", fixed[i]);
      return BITBLAS_OK;
    }
  }
  Dl_info info;
  if (dladdr((void *)bb_worker_path, &info) && info.dli_fname) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", info.dli_fname);
    char *slash = strrchr(dir, '/');
    if (slash) {
      *slash = '\0';
      snprintf(buf, size, "%s/../libexec/bitblas-worker", dir);
      if (is_executable(buf)) return BITBLAS_OK;
      snprintf(buf, size, "%s/bitblas-worker", dir);
      if (is_executable(buf)) return BITBLAS_OK;
    }
  }
  return bb_fail(BITBLAS_WORKER_FAILED,
                 "bitblas-worker not found (tried $BITBLAS_WORKER, %s, %s, and beside the "
                 "library): tuning needs it; set BITBLAS_WORKER to its path",
                 BITBLAS_WORKER_INSTALL_PATH, BITBLAS_WORKER_BUILD_PATH);
}

static bitblas_status worker_start(bb_worker *worker, int device_ordinal) {
  char path[PATH_MAX];
  bitblas_status status = bb_worker_path(path, sizeof path);
  if (status != BITBLAS_OK) return status;
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) != 0)
    return bb_fail(BITBLAS_WORKER_FAILED, "socketpair: %s", strerror(errno));
  fcntl(sockets[0], F_SETFD, FD_CLOEXEC);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], STDOUT_FILENO);
  if (!bb_log_enabled(BB_LOG_INFO))
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&actions, sockets[1]);
  char ordinal[16];
  snprintf(ordinal, sizeof ordinal, "%d", device_ordinal);
  char *argv[] = {path, "--device", ordinal, NULL};
  pid_t pid = 0;
  int error = posix_spawn(&pid, path, &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(sockets[1]);
  if (error != 0) {
    close(sockets[0]);
    return bb_fail(BITBLAS_WORKER_FAILED, "could not start %s: %s", path, strerror(error));
  }
  worker->pid = pid;
  worker->to_worker = sockets[0];
  worker->from_worker = sockets[0];
  worker->buffered = 0;
  bb_log(BB_LOG_INFO, "started tuning worker %s (pid %d) for device %d", path, (int)pid,
         device_ordinal);
  return BITBLAS_OK;
}

void bb_worker_stop(bb_worker *worker) {
  if (!worker || worker->pid <= 0) return;
  shutdown(worker->to_worker, SHUT_RDWR);
  close(worker->to_worker);
  int exited = 0;
  for (int i = 0; i < 200 && !exited; i++) {
    if (waitpid(worker->pid, NULL, WNOHANG) == worker->pid)
      exited = 1;
    else
      usleep(10000);
  }
  if (!exited) {
    kill(worker->pid, SIGKILL);
    waitpid(worker->pid, NULL, 0);
  }
  worker->pid = 0;
  worker->buffered = 0;
}

/* Kills a worker that is stuck or whose context died; returns how it ended, for messages. */
static void worker_kill(bb_worker *worker, char *how, size_t how_size) {
  int wait_status = 0;
  snprintf(how, how_size, "worker ended");
  if (worker->pid <= 0) return;
  if (waitpid(worker->pid, &wait_status, WNOHANG) != worker->pid) {
    kill(worker->pid, SIGKILL);
    waitpid(worker->pid, &wait_status, 0);
    snprintf(how, how_size, "worker killed");
  } else if (WIFSIGNALED(wait_status)) {
    snprintf(how, how_size, "worker died of signal %d", WTERMSIG(wait_status));
  } else if (WIFEXITED(wait_status)) {
    snprintf(how, how_size, "worker exited with status %d", WEXITSTATUS(wait_status));
  }
  close(worker->to_worker);
  worker->pid = 0;
  worker->buffered = 0;
}

static int worker_send(bb_worker *worker, const char *line) {
  size_t length = strlen(line), sent = 0;
  while (sent < length) {
    ssize_t n = send(worker->to_worker, line + sent, length - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    sent += (size_t)n;
  }
  return 0;
}

/* Reads one line (without its newline) into line. 1: a line; 0: timed out; -1: worker gone. */
static int worker_read_line(bb_worker *worker, char *line, size_t size, double timeout_s) {
  const double deadline = now_seconds() + timeout_s;
  for (;;) {
    char *newline = memchr(worker->buffer, '\n', worker->buffered);
    if (newline) {
      size_t length = (size_t)(newline - worker->buffer);
      snprintf(line, size, "%.*s", (int)(length < size ? length : size - 1), worker->buffer);
      worker->buffered -= length + 1;
      memmove(worker->buffer, newline + 1, worker->buffered);
      return 1;
    }
    if (worker->buffered == sizeof worker->buffer) worker->buffered = 0; /* overlong: drop */
    const double left = deadline - now_seconds();
    if (left <= 0) return 0;
    struct pollfd poll_fd = {worker->from_worker, POLLIN, 0};
    int ready = poll(&poll_fd, 1, (int)(left * 1000) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return 0;
    ssize_t n = recv(worker->from_worker, worker->buffer + worker->buffered,
                     sizeof worker->buffer - worker->buffered, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    worker->buffered += (size_t)n;
  }
}

static double run_timeout(void) {
  const char *env = getenv("BITBLAS_TUNE_TIMEOUT");
  double seconds = env ? strtod(env, NULL) : BB_DEFAULT_RUN_TIMEOUT_S;
  return seconds > 0 ? seconds : BB_DEFAULT_RUN_TIMEOUT_S;
}

static bb_candidate_outcome outcome_from_name(const char *name) {
  for (int i = 0; i <= BB_CANDIDATE_NOT_RUN; i++)
    if (strcmp(name, bb_candidate_outcome_name((bb_candidate_outcome)i)) == 0)
      return (bb_candidate_outcome)i;
  return BB_CANDIDATE_NOT_RUN;
}

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *entry;
    char path[PATH_MAX + 256];
    while ((entry = readdir(d))) {
      if (entry->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

static bitblas_status read_file(const char *path, void **data, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return bb_fail(BITBLAS_IO_ERROR, "cannot open %s: %s", path, strerror(errno));
  fseek(f, 0, SEEK_END);
  long length = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buffer = length > 0 ? malloc((size_t)length) : NULL;
  if (!buffer || fread(buffer, 1, (size_t)length, f) != (size_t)length) {
    free(buffer);
    fclose(f);
    return bb_fail(BITBLAS_IO_ERROR, "cannot read %s", path);
  }
  fclose(f);
  *data = buffer;
  *size = (size_t)length;
  return BITBLAS_OK;
}

/* Handles one line of the worker's reply. Returns 0 to read on, 1 when the request is done, 2
 * when the worker reported a crash and is exiting (the round ends; a new worker resumes). */
static int handle_line(const char *line, bb_tune_result *out, int *running,
                       bitblas_status *status) {
  int index = -1;
  char word[32] = "";
  double us = 0;
  int consumed = 0;
  if (sscanf(line, "begin %d %d", &index, &out->nvrtc_version) == 2) return 0;
  if (strcmp(line, "done") == 0) return 1;
  if (sscanf(line, "run %d", &index) == 1) {
    *running = index;
    return 0;
  }
  if (sscanf(line, "result %d %31s %lf %n", &index, word, &us, &consumed) == 3 && index >= 0 &&
      index < out->candidate_count) {
    bb_candidate_result *result = &out->results[index];
    result->outcome = outcome_from_name(word);
    result->us = us;
    snprintf(result->message, sizeof result->message, "%s", line + consumed);
    if (*running == index) *running = -1;
    return 0;
  }
  if (sscanf(line, "crash %d %n", &index, &consumed) == 1 && index >= 0 &&
      index < out->candidate_count) {
    out->results[index].outcome = BB_CANDIDATE_CRASHED;
    snprintf(out->results[index].message, sizeof out->results[index].message, "%s",
             line + consumed);
    *running = -1;
    return 2; /* the worker exits after a crash: end this round */
  }
  int code = 0;
  if (sscanf(line, "error %d %n", &code, &consumed) == 1) {
    *status = bb_fail((bitblas_status)code, "tuning worker: %s", line + consumed);
    return 1;
  }
  return 0;
}

bitblas_status bb_tune(bb_worker *worker, int device_ordinal, const bitblas_matmul_config *cfg,
                       bb_tune_result *out) {
  memset(out, 0, sizeof *out);
  out->winner = -1;
  out->nvrtc_version = -1;
  const double started = now_seconds();
  out->candidate_count = bb_candidates_enumerate(cfg, out->schedules);
  /* BITBLAS_TUNE_MAX_CANDIDATES limits tuning to the first candidates (quick tuning). */
  const char *limit_env = getenv("BITBLAS_TUNE_MAX_CANDIDATES");
  const int limit = limit_env && atoi(limit_env) > 0 ? atoi(limit_env) : BB_MAX_CANDIDATES;
  for (int i = 0; i < out->candidate_count; i++) {
    bb_schedule_format(&out->schedules[i], out->results[i].schedule,
                       sizeof out->results[i].schedule);
    out->results[i].outcome = i < limit ? BB_CANDIDATE_NOT_RUN : BB_CANDIDATE_SKIPPED;
    if (i >= limit)
      snprintf(out->results[i].message, sizeof out->results[i].message,
               "beyond BITBLAS_TUNE_MAX_CANDIDATES=%d", limit);
  }
  char dir[PATH_MAX];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/bitblas-tune-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return bb_fail(BITBLAS_IO_ERROR, "mkdtemp(%s): %s", dir, strerror(errno));

  char config_text[512];
  bb_config_key_text(cfg, cfg->M, config_text, sizeof config_text);
  const char *fault = getenv("BITBLAS_FAULT_INJECT");
  bitblas_status status = BITBLAS_OK;
  /* Each round resolves at least one candidate, or gives up. */
  for (int round = 0; round <= out->candidate_count && status == BITBLAS_OK; round++) {
    char skip[4 * BB_MAX_CANDIDATES + 2] = "";
    size_t used = 0;
    int pending = 0;
    for (int i = 0; i < out->candidate_count; i++) {
      if (out->results[i].outcome != BB_CANDIDATE_NOT_RUN)
        used += (size_t)snprintf(skip + used, sizeof skip - used, "%s%d", used ? "," : "", i);
      else
        pending++;
    }
    if (pending == 0) break;
    if (worker->pid <= 0) {
      if ((status = worker_start(worker, device_ordinal)) != BITBLAS_OK) break;
      out->workers_started++;
    }
    char request[PATH_MAX + 1024];
    snprintf(request, sizeof request, "%s\t%s\t%s\t%s\t%s\n", BB_WORKER_REQUEST_TUNE,
             used ? skip : "-", fault && *fault ? fault : "-", dir, config_text);
    int running = -1, finished = 0, compiled = 0;
    if (worker_send(worker, request) == 0) {
      char line[2048];
      for (;;) {
        const double timeout = compiled ? run_timeout() : BB_COMPILE_TIMEOUT_S;
        int got = worker_read_line(worker, line, sizeof line, timeout);
        if (got <= 0) {
          char how[128];
          worker_kill(worker, how, sizeof how);
          if (running >= 0) {
            bb_candidate_result *r = &out->results[running];
            r->outcome = got == 0 ? BB_CANDIDATE_HUNG : BB_CANDIDATE_CRASHED;
            snprintf(r->message, sizeof r->message, "%s while running it%s", how,
                     got == 0 ? " (time limit; BITBLAS_TUNE_TIMEOUT)" : "");
          } else {
            status = bb_fail(BITBLAS_WORKER_FAILED,
                             "tuning worker stopped outside a candidate (%s)", how);
          }
          break;
        }
        if (strcmp(line, "compiled") == 0) compiled = 1;
        bb_log(BB_LOG_DEBUG, "worker: %s", line);
        const int handled = handle_line(line, out, &running, &status);
        if (handled == 2) {
          char how[128];
          worker_kill(worker, how, sizeof how);
          break;
        }
        if (handled == 1) {
          finished = 1;
          break;
        }
      }
    } else {
      char how[128];
      worker_kill(worker, how, sizeof how);
      status =
          bb_fail(BITBLAS_WORKER_FAILED, "could not send a request to the tuning worker (%s)", how);
    }
    if (finished && status == BITBLAS_OK) {
      /* A finished request leaves nothing pending; anything left was not run. */
      for (int i = 0; i < out->candidate_count; i++)
        if (out->results[i].outcome == BB_CANDIDATE_NOT_RUN)
          snprintf(out->results[i].message, sizeof out->results[i].message,
                   "not run by the worker");
      break;
    }
  }

  if (status == BITBLAS_OK) {
    for (int i = 0; i < out->candidate_count; i++)
      if (out->results[i].outcome == BB_CANDIDATE_OK &&
          (out->winner < 0 || out->results[i].us < out->results[out->winner].us))
        out->winner = i;
    if (out->winner < 0) {
      status = bb_fail(BITBLAS_NO_VALID_CANDIDATE,
                       "no candidate of %d for %s worked:", out->candidate_count, config_text);
      for (int i = 0; i < out->candidate_count; i++)
        bb_error_append("\n  [%d] %s: %s %s", i, out->results[i].schedule,
                        bb_candidate_outcome_name(out->results[i].outcome),
                        out->results[i].message);
    } else {
      char path[PATH_MAX + 32];
      snprintf(path, sizeof path, "%s/candidate_%d.cubin", dir, out->winner);
      status = read_file(path, &out->cubin, &out->cubin_size);
      out->us = out->results[out->winner].us;
    }
  }
  remove_dir(dir);
  out->seconds = now_seconds() - started;
  return status;
}

void bb_tune_result_free(bb_tune_result *result) {
  if (!result) return;
  free(result->cubin);
  result->cubin = NULL;
}
