/*
 * tune.c - the caller's half of tuning: starts bitblas-worker over a socket pair, asks it to
 * tune a config, follows its progress lines, restarts it when a candidate kills it (marking
 * that candidate crashed or hung), and picks the fastest correct candidate.
 * The worker's half is worker_main.c; the line protocol is documented there.
 */
#define _GNU_SOURCE /* dladdr, posix_spawn_file_actions_addclosefrom_np */
#include "tune.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
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
#include "launch.h"

extern char **environ;

/* Time limits, each per reply of the worker (see request_phase). */
#define BB_COMPILE_TIMEOUT_S 300.0
#define BB_DEFAULT_RUN_TIMEOUT_S 60.0
/* The worker's input setup (random operands, the float64 CPU reference on sampled outputs) grows
 * with the shape, not with any candidate, so it has a limit of its own:
 * $BITBLAS_TUNE_SETUP_TIMEOUT, else the larger of 60 s and 4 run limits. */
#define BB_MIN_SETUP_TIMEOUT_S 60.0
#define BB_SETUP_TIMEOUT_RUN_LIMITS 4.0

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int is_executable(const char *path) { return *path && access(path, X_OK) == 0; }

/* Whether dir/relative is an executable file; its path is left in buf either way. */
static int is_executable_at(const char *dir, const char *relative, char *buf, size_t size) {
  const int length = snprintf(buf, size, "%s/%s", dir, relative);
  return length > 0 && (size_t)length < size && is_executable(buf);
}

/* The worker that belongs to the library file `library_file`: the installed layout (libexec
 * relative to the library's folder) or the build tree's (side by side). 1 and its path in buf,
 * else 0. */
static int worker_of_library(const char *library_file, char *buf, size_t size) {
  char dir[PATH_MAX];
  if (!library_file || snprintf(dir, sizeof dir, "%s", library_file) >= (int)sizeof dir) return 0;
  char *slash = strrchr(dir, '/');
  if (!slash) return 0;
  *slash = '\0';
  return is_executable_at(dir, BITBLAS_WORKER_FROM_LIBDIR, buf, size) ||
         is_executable_at(dir, "bitblas-worker", buf, size);
}

bitblas_status bb_worker_path_for_library(const char *library_file, char *buf, size_t size) {
  const char *env = getenv("BITBLAS_WORKER");
  if (env && *env) {
    if (!is_executable(env))
      return bb_fail(BITBLAS_WORKER_FAILED, "BITBLAS_WORKER=%s: not an executable file", env);
    snprintf(buf, size, "%s", env);
    return BITBLAS_OK;
  }
  if (worker_of_library(library_file, buf, size)) return BITBLAS_OK;
  const char *fixed[] = {BITBLAS_WORKER_INSTALL_PATH, BITBLAS_WORKER_BUILD_PATH};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    if (is_executable(fixed[i])) {
      snprintf(buf, size, "%s", fixed[i]);
      return BITBLAS_OK;
    }
  }
  return bb_fail(BITBLAS_WORKER_FAILED,
                 "bitblas-worker not found (tried $BITBLAS_WORKER, %s relative to %s and beside "
                 "it, %s, %s): tuning needs it; set BITBLAS_WORKER to its path",
                 BITBLAS_WORKER_FROM_LIBDIR, library_file ? library_file : "the library",
                 BITBLAS_WORKER_INSTALL_PATH, BITBLAS_WORKER_BUILD_PATH);
}

bitblas_status bb_worker_path(char *buf, size_t size) {
  Dl_info info;
  const char *library_file = NULL;
  if (dladdr((void *)bb_worker_path, &info) && info.dli_fname) library_file = info.dli_fname;
  return bb_worker_path_for_library(library_file, buf, size);
}

/* Gives fd a number above stdio (still close-on-exec), so that the worker's dup2 onto stdin and
 * stdout never copies a descriptor onto itself. Returns the descriptor, or -1 (fd closed). */
static int move_above_stdio(int fd) {
  if (fd > STDERR_FILENO) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  close(fd);
  return moved;
}

/* Adds to `actions` the closing, in the child, of every descriptor above stderr, close-on-exec
 * or not: the caller's files and sockets, and the pairs of other contexts' workers. */
static int add_close_above_stdio(posix_spawn_file_actions_t *actions) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  return posix_spawn_file_actions_addclosefrom_np(actions, STDERR_FILENO + 1);
#else
  /* Older C libraries: one close per descriptor open now (the worker also closes, at start). */
  DIR *fds = opendir("/proc/self/fd");
  if (!fds) return 0;
  int error = 0;
  struct dirent *entry;
  while (!error && (entry = readdir(fds))) {
    char *end;
    const long fd = strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && fd > STDERR_FILENO && fd != dirfd(fds))
      error = posix_spawn_file_actions_addclose(actions, (int)fd);
  }
  closedir(fds);
  return error;
#endif
}

/* The worker's environment: this process's (none where environ is NULL, as after clearenv()),
 * with BITBLAS_DEPENDENT_LAUNCH=1 where this process has kept dependent runs on since its first
 * use of the setting (bb_dependent_launch_enabled), and without the variable where it kept them
 * off, whatever the variable says now: the worker must emit the same sources, and its source hash
 * must match ours. malloc'd array of environ's strings and one static string; NULL when out of
 * memory. */
static char **worker_environment(void) {
  size_t count = 0;
  while (environ && environ[count]) count++;
  char **env = malloc((count + 2) * sizeof *env);
  if (!env) return NULL;
  static const char name[] = "BITBLAS_DEPENDENT_LAUNCH=";
  size_t used = 0;
  for (size_t i = 0; i < count; i++)
    if (strncmp(environ[i], name, sizeof name - 1) != 0) env[used++] = environ[i];
  static char on[] = "BITBLAS_DEPENDENT_LAUNCH=1";
  if (bb_dependent_launch_enabled()) env[used++] = on;
  env[used] = NULL;
  return env;
}

/* What the worker's descriptors are: its end of the pair as stdin and stdout, stderr (ours, or
 * /dev/null when logging is off), and nothing else. dup2 clears close-on-exec on the copies, so
 * the pair, made close-on-exec, reaches the worker through them alone. Returns an errno. */
static int worker_file_actions(posix_spawn_file_actions_t *actions, int worker_end) {
  int error = posix_spawn_file_actions_adddup2(actions, worker_end, STDIN_FILENO);
  if (!error) error = posix_spawn_file_actions_adddup2(actions, worker_end, STDOUT_FILENO);
  if (!error && !bb_log_enabled(BB_LOG_INFO))
    error = posix_spawn_file_actions_addopen(actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  if (!error) error = add_close_above_stdio(actions);
  return error;
}

static bitblas_status worker_start(bb_worker *worker, int device_ordinal) {
  char path[PATH_MAX];
  bitblas_status status = bb_worker_path(path, sizeof path);
  if (status != BITBLAS_OK) return status;
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
    return bb_fail(BITBLAS_WORKER_FAILED, "socketpair: %s", strerror(errno));
  const int ours = sockets[0], theirs = move_above_stdio(sockets[1]);
  if (theirs < 0) {
    close(ours);
    return bb_fail(BITBLAS_WORKER_FAILED, "fcntl(F_DUPFD_CLOEXEC): %s", strerror(errno));
  }

  /* The worker checks that this process is its parent: see worker_main.c. */
  char ordinal[16], parent[32];
  snprintf(ordinal, sizeof ordinal, "%d", device_ordinal);
  snprintf(parent, sizeof parent, "%lld", (long long)getpid());
  char *argv[] = {path, "--device", ordinal, "--parent-pid", parent, NULL};
  pid_t pid = 0;
  char **env = worker_environment();
  posix_spawn_file_actions_t actions;
  int error = env ? posix_spawn_file_actions_init(&actions) : ENOMEM;
  if (!error) {
    error = worker_file_actions(&actions, theirs);
    if (!error) error = posix_spawn(&pid, path, &actions, NULL, argv, env);
    posix_spawn_file_actions_destroy(&actions);
  }
  free(env);
  close(theirs);
  if (error != 0) {
    close(ours);
    return bb_fail(BITBLAS_WORKER_FAILED, "could not start %s: %s", path, strerror(error));
  }
  worker->pid = pid;
  worker->to_worker = ours;
  worker->from_worker = ours;
  worker->buffered = 0;
  bb_log(BB_LOG_INFO, "started tuning worker %s (pid %d) for device %d", path, (int)pid,
         device_ordinal);
  return BITBLAS_OK;
}

/* Forgets a worker that ended between requests (killed, or its parent-death signal fired because
 * the thread that started it ended: see worker_main.c), so that a fresh one is started. */
static void worker_forget_if_exited(bb_worker *worker) {
  if (worker->pid <= 0 || waitpid(worker->pid, NULL, WNOHANG) != worker->pid) return;
  bb_log(BB_LOG_INFO, "tuning worker (pid %d) had ended; starting another", (int)worker->pid);
  close(worker->to_worker);
  worker->pid = 0;
  worker->buffered = 0;
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

/* poll()'s timeout for `left` seconds: whole milliseconds rounded up, at least 1, at most
 * INT_MAX (a longer wait polls again: the caller loops to its deadline). */
static int poll_timeout_ms(double left) {
  const double ms = ceil(left * 1000.0);
  if (!(ms >= 1.0)) return 1;
  return ms < (double)INT_MAX ? (int)ms : INT_MAX;
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
    int ready = poll(&poll_fd, 1, poll_timeout_ms(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return 0;
    ssize_t n = recv(worker->from_worker, worker->buffer + worker->buffered,
                     sizeof worker->buffer - worker->buffered, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    worker->buffered += (size_t)n;
  }
}

/* $name as a positive number of seconds, else `fallback`. */
static double env_seconds(const char *name, double fallback) {
  const char *env = getenv(name);
  const double seconds = env ? strtod(env, NULL) : fallback;
  return seconds > 0 ? seconds : fallback;
}

static double run_timeout(void) {
  return env_seconds("BITBLAS_TUNE_TIMEOUT", BB_DEFAULT_RUN_TIMEOUT_S);
}

static double setup_timeout(void) {
  const double runs = BB_SETUP_TIMEOUT_RUN_LIMITS * run_timeout();
  return env_seconds("BITBLAS_TUNE_SETUP_TIMEOUT",
                     runs > BB_MIN_SETUP_TIMEOUT_S ? runs : BB_MIN_SETUP_TIMEOUT_S);
}

/* Where the worker is in a request. Each phase limits the wait for each reply in it. */
typedef enum request_phase {
  PHASE_COMPILING,  /* from the request to "compiled": BB_COMPILE_TIMEOUT_S */
  PHASE_SETTING_UP, /* from "compiled" to "ready" (inputs, reference): setup_timeout() */
  PHASE_RUNNING     /* each candidate from its "run" line to its result: run_timeout() */
} request_phase;

static double phase_limit_seconds(request_phase phase) {
  if (phase == PHASE_COMPILING) return BB_COMPILE_TIMEOUT_S;
  return phase == PHASE_SETTING_UP ? setup_timeout() : run_timeout();
}

static const char *phase_words(request_phase phase) {
  if (phase == PHASE_COMPILING) return "compiling the candidates";
  return phase == PHASE_SETTING_UP ? "setting up the test inputs" : "between candidates";
}

/* The setting that changes a phase's limit ("" for the fixed compile limit). */
static const char *phase_limit_setting(request_phase phase) {
  if (phase == PHASE_COMPILING) return "";
  return phase == PHASE_SETTING_UP ? "; BITBLAS_TUNE_SETUP_TIMEOUT" : "; BITBLAS_TUNE_TIMEOUT";
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

/* The worker ended, or sent nothing for `limit_s` (timed_out), during a request: it is killed
 * and reaped. A candidate it was running is charged with it (crashed or hung); outside a
 * candidate the request fails. */
static void worker_lost(bb_worker *worker, bb_tune_result *out, int running, request_phase phase,
                        int timed_out, double limit_s, bitblas_status *status) {
  char how[128];
  worker_kill(worker, how, sizeof how);
  if (running >= 0) {
    bb_candidate_result *r = &out->results[running];
    r->outcome = timed_out ? BB_CANDIDATE_HUNG : BB_CANDIDATE_CRASHED;
    snprintf(r->message, sizeof r->message, "%s while running it%s", how,
             timed_out ? " (time limit; BITBLAS_TUNE_TIMEOUT)" : "");
  } else if (timed_out) {
    *status = bb_fail(BITBLAS_WORKER_FAILED,
                      "tuning worker stopped outside a candidate, while %s (no reply in %.0f s%s; "
                      "%s)",
                      phase_words(phase), limit_s, phase_limit_setting(phase), how);
  } else {
    *status =
        bb_fail(BITBLAS_WORKER_FAILED, "tuning worker stopped outside a candidate, while %s (%s)",
                phase_words(phase), how);
  }
}

/* Sends one request and follows its replies. 1 when the worker finished it (*status may hold
 * its error); 0 when the worker is gone (a crashed or hung candidate is marked and the caller
 * starts another round) or could not be reached (*status set). */
static int run_request(bb_worker *worker, const char *request, bb_tune_result *out,
                       bitblas_status *status) {
  if (worker_send(worker, request) != 0) {
    char how[128];
    worker_kill(worker, how, sizeof how);
    *status =
        bb_fail(BITBLAS_WORKER_FAILED, "could not send a request to the tuning worker (%s)", how);
    return 0;
  }
  request_phase phase = PHASE_COMPILING;
  int running = -1;
  char line[2048];
  for (;;) {
    /* Read per reply, so a candidate's time counts from its own "run" line. */
    const double limit_s = phase_limit_seconds(phase);
    const int got = worker_read_line(worker, line, sizeof line, limit_s);
    if (got <= 0) {
      worker_lost(worker, out, running, phase, got == 0, limit_s, status);
      return 0;
    }
    bb_log(BB_LOG_DEBUG, "worker: %s", line);
    if (strcmp(line, "compiled") == 0) phase = PHASE_SETTING_UP;
    if (strcmp(line, "ready") == 0) phase = PHASE_RUNNING;
    const int handled = handle_line(line, out, &running, status);
    if (handled == 2) {
      char how[128];
      worker_kill(worker, how, sizeof how);
      return 0;
    }
    if (handled == 1) return 1;
  }
}

/* Writes the indices of the candidates already decided into `skip` ("-" when none), for the
 * request; returns how many are still pending. */
static int skip_list(const bb_tune_result *out, char *skip, size_t size) {
  size_t used = 0;
  int pending = 0;
  skip[0] = '\0';
  for (int i = 0; i < out->candidate_count; i++) {
    if (out->results[i].outcome == BB_CANDIDATE_NOT_RUN)
      pending++;
    else if (used < size)
      used += (size_t)snprintf(skip + used, size - used, "%s%d", used ? "," : "", i);
  }
  if (!used) snprintf(skip, size, "-");
  return pending;
}

bitblas_status bb_tune(bb_worker *worker, int device_ordinal, int arch,
                       const bitblas_matmul_config *cfg, bb_tune_result *out) {
  memset(out, 0, sizeof *out);
  out->winner = -1;
  out->nvrtc_version = -1;
  const double started = now_seconds();
  out->candidate_count = bb_candidates_enumerate_for(cfg, arch, out->schedules);
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
    char skip[4 * BB_MAX_CANDIDATES + 2];
    if (skip_list(out, skip, sizeof skip) == 0) break;
    worker_forget_if_exited(worker);
    if (worker->pid <= 0) {
      if ((status = worker_start(worker, device_ordinal)) != BITBLAS_OK) break;
      out->workers_started++;
    }
    char request[PATH_MAX + 1024];
    snprintf(request, sizeof request, "%s\t%s\t%s\t%s\t%s\t%s\n", BB_WORKER_REQUEST_TUNE,
             bb_source_hash(), skip, fault && *fault ? fault : "-", dir, config_text);
    if (run_request(worker, request, out, &status) && status == BITBLAS_OK) {
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
