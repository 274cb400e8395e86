/*
 * check_tune_protocol.c - the caller's side of tuning (tuner/tune.c) against a fake worker that
 * speaks the worker's line protocol without a GPU (tests/support/fake_worker.sh): the fastest
 * correct candidate wins and its cubin comes back; a worker that dies (silently or after reporting
 * a lost context) or stops answering while a candidate runs costs that candidate only and a new
 * worker finishes the rest; the input setup has a time limit of its own; all-wrong, a refused
 * request and a missing worker are clear errors; no child is left behind; the worker gets no
 * descriptor but its stdio; a worker that ended between calls is replaced; the worker is looked
 * for beside the library before the build tree. Then the real bitblas-worker, without a GPU:
 * it closes what it inherits, and it does not outlive the process that started it.
 */
#include <errno.h>
#include <fcntl.h>
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
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "launch.h"
#include "test_support.h"
#include "tune.h"

#define FAKE_WORKER BITBLAS_TEST_SOURCE_DIR "/tests/support/fake_worker.sh"
#define REAL_WORKER BITBLAS_TEST_BINARY_DIR "/bitblas-worker"

extern char **environ;

static char temp_dir[4096];

static bitblas_matmul_config small_config(void) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.N = 64;
  cfg.K = 64;
  return cfg;
}

/* Points the tuner at the fake worker in `mode`, from a fresh state, with a 1 s run limit. */
static void use_fake_worker(const char *mode) {
  char state[4200];
  snprintf(state, sizeof state, "%s/state-%s", temp_dir, mode);
  remove(state);
  setenv("FAKE_WORKER_MODE", mode, 1);
  setenv("FAKE_WORKER_STATE", state, 1);
  setenv("BITBLAS_WORKER", FAKE_WORKER, 1);
  setenv("BITBLAS_TUNE_TIMEOUT", "1", 1);
  setenv("TMPDIR", temp_dir, 1);
}

/* Runs bb_tune with the fake worker in `mode`, from a fresh state. */
static bitblas_status tune_with(const char *mode, bb_tune_result *result) {
  use_fake_worker(mode);
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  const bitblas_matmul_config cfg = small_config();
  bitblas_status status = bb_tune(&worker, 0, 80, &cfg, result);
  bb_worker_stop(&worker);
  ck_assert_int_eq(worker.pid, 0);
  /* Every worker started was reaped: this process has no children left. */
  ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
  ck_assert_int_eq(errno, ECHILD);
  return status;
}

START_TEST(test_fastest_correct_candidate_wins) {
  bb_tune_result result;
  ck_assert_msg(tune_with("ok", &result) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_int_eq(result.winner, 2);
  ck_assert_uint_eq(result.cubin_size, strlen("cubin-2"));
  ck_assert_int_eq(memcmp(result.cubin, "cubin-2", result.cubin_size), 0);
  ck_assert_double_eq_tol(result.us, 8.0, 1e-9);
  ck_assert_int_eq(result.nvrtc_version, 13000);
  ck_assert_int_eq(result.workers_started, 1);
  for (int i = 0; i < 3; i++) ck_assert_int_eq(result.results[i].outcome, BB_CANDIDATE_OK);
  ck_assert_int_gt(result.candidate_count, 3);
  ck_assert_int_eq(result.results[3].outcome, BB_CANDIDATE_NOT_RUN);
  ck_assert_ptr_nonnull(strstr(result.results[3].message, "not run"));
  bb_tune_result_free(&result);
}
END_TEST

/* Tuning in `mode` loses candidate `lost` only (with `outcome` and `words` in its message),
 * starts a second worker for the rest, and still picks candidate 2. */
static void assert_one_candidate_lost(const char *mode, int lost, bb_candidate_outcome outcome,
                                      const char *words) {
  bb_tune_result result;
  ck_assert_msg(tune_with(mode, &result) == BITBLAS_OK, "%s", bitblas_last_error());
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(result.results[i].outcome, i == lost ? outcome : BB_CANDIDATE_OK);
  ck_assert_ptr_nonnull(strstr(result.results[lost].message, words));
  ck_assert_int_eq(result.winner, 2);
  ck_assert_int_eq(result.workers_started, 2);
  bb_tune_result_free(&result);
}

START_TEST(test_crash_costs_one_candidate) {
  assert_one_candidate_lost("crash", 0, BB_CANDIDATE_CRASHED, "worker");
}
END_TEST

START_TEST(test_reported_crash_costs_one_candidate) {
  assert_one_candidate_lost("trap", 0, BB_CANDIDATE_CRASHED, "ILLEGAL_INSTRUCTION");
}
END_TEST

START_TEST(test_hang_costs_one_candidate) {
  assert_one_candidate_lost("hang", 1, BB_CANDIDATE_HUNG, "BITBLAS_TUNE_TIMEOUT");
}
END_TEST

START_TEST(test_all_wrong_is_an_error_listing_them) {
  bb_tune_result result;
  ck_assert_int_eq(tune_with("wrong", &result), BITBLAS_NO_VALID_CANDIDATE);
  ck_assert_int_eq(result.winner, -1);
  ck_assert_ptr_null(result.cubin);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "wrong relative error"));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "not run"));
  bb_tune_result_free(&result);
}
END_TEST

START_TEST(test_refused_request_passes_the_status_on) {
  bb_tune_result result;
  ck_assert_int_eq(tune_with("error", &result), BITBLAS_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "no CUDA device (fake)"));
  bb_tune_result_free(&result);
}
END_TEST

START_TEST(test_missing_worker_is_a_clear_error) {
  setenv("BITBLAS_WORKER", "/nonexistent/bitblas-worker", 1);
  setenv("TMPDIR", temp_dir, 1);
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  bb_tune_result result;
  const bitblas_matmul_config cfg = small_config();
  ck_assert_int_eq(bb_tune(&worker, 0, 80, &cfg, &result), BITBLAS_WORKER_FAILED);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "BITBLAS_WORKER=/nonexistent/bitblas-worker"));
  ck_assert_int_eq(worker.pid, 0);
  bb_tune_result_free(&result);
}
END_TEST

START_TEST(test_slow_setup_is_not_a_hang) {
  /* The setup takes 2 s, twice the run limit: it has a limit of its own (default 60 s). */
  bb_tune_result result;
  ck_assert_msg(tune_with("slow-setup", &result) == BITBLAS_OK, "%s", bitblas_last_error());
  for (int i = 0; i < 3; i++) ck_assert_int_eq(result.results[i].outcome, BB_CANDIDATE_OK);
  ck_assert_int_eq(result.winner, 2);
  ck_assert_int_eq(result.workers_started, 1);
  bb_tune_result_free(&result);
}
END_TEST

START_TEST(test_setup_hang_ends_at_the_setup_limit) {
  setenv("BITBLAS_TUNE_SETUP_TIMEOUT", "2", 1);
  bb_tune_result result;
  const double started = bb_test_now_seconds();
  const bitblas_status status = tune_with("hang-setup", &result);
  const double waited = bb_test_now_seconds() - started;
  unsetenv("BITBLAS_TUNE_SETUP_TIMEOUT");
  ck_assert_int_eq(status, BITBLAS_WORKER_FAILED);
  ck_assert_msg(strstr(bitblas_last_error(), "setting up the test inputs") != NULL &&
                    strstr(bitblas_last_error(), "BITBLAS_TUNE_SETUP_TIMEOUT") != NULL,
                "%s", bitblas_last_error());
  /* The setup limit (2 s) applied, not the run limit (1 s) nor the compile limit (300 s). */
  ck_assert_msg(waited >= 1.9 && waited < 20.0, "waited %.2f s", waited);
  bb_tune_result_free(&result);
}
END_TEST

START_TEST(test_run_limit_is_per_candidate) {
  /* Three candidates of 0.6 s each: 1.8 s in all, each under the 1 s limit. */
  setenv("FAKE_WORKER_RUN_SECONDS", "0.6", 1);
  bb_tune_result result;
  const bitblas_status status = tune_with("slow", &result);
  unsetenv("FAKE_WORKER_RUN_SECONDS");
  ck_assert_msg(status == BITBLAS_OK, "%s", bitblas_last_error());
  for (int i = 0; i < 3; i++) ck_assert_int_eq(result.results[i].outcome, BB_CANDIDATE_OK);
  ck_assert_int_eq(result.workers_started, 1);
  bb_tune_result_free(&result);
}
END_TEST

/* Whether the report's descriptor lines (after its "args" line) list fd. */
static int report_lists_fd(const char *report, int fd) {
  const char *line = strchr(report, '\n');
  while (line) {
    line++;
    char *end;
    const long value = strtol(line, &end, 10);
    if (end != line && (*end == '\n' || *end == '\0') && value == fd) return 1;
    line = strchr(line, '\n');
  }
  return 0;
}

static void read_text(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  const size_t n = fread(buf, 1, size - 1, f);
  buf[n] = '\0';
  fclose(f);
}

START_TEST(test_worker_gets_stdio_only) {
  /* A descriptor of the caller's without close-on-exec must not reach the worker. */
  const int caller_fd = open("/dev/null", O_RDONLY);
  ck_assert_int_gt(caller_fd, 2);
  char report_path[4200], report[8192];
  snprintf(report_path, sizeof report_path, "%s/fd-report", temp_dir);
  setenv("FAKE_WORKER_REPORT", report_path, 1);
  use_fake_worker("ok");
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  bb_tune_result result;
  const bitblas_matmul_config cfg = small_config();
  ck_assert_msg(bb_tune(&worker, 0, 80, &cfg, &result) == BITBLAS_OK, "%s", bitblas_last_error());
  const int caller_end = worker.to_worker;
  bb_worker_stop(&worker);
  unsetenv("FAKE_WORKER_REPORT");
  bb_tune_result_free(&result);
  close(caller_fd);

  read_text(report_path, report, sizeof report);
  for (int fd = 0; fd <= 2; fd++) ck_assert_msg(report_lists_fd(report, fd), "%s", report);
  ck_assert_msg(!report_lists_fd(report, caller_fd), "fd %d inherited:\n%s", caller_fd, report);
  ck_assert_msg(!report_lists_fd(report, caller_end), "the caller's end (fd %d) inherited:\n%s",
                caller_end, report);
  /* The worker is told who its parent is (it dies with it: worker_main.c). */
  char parent[64];
  snprintf(parent, sizeof parent, "--device 0 --parent-pid %d\n", (int)getpid());
  ck_assert_msg(strstr(report, parent) != NULL, "%s", report);
}
END_TEST

START_TEST(test_worker_that_ended_is_replaced) {
  use_fake_worker("ok");
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  bb_tune_result result;
  const bitblas_matmul_config cfg = small_config();
  ck_assert_msg(bb_tune(&worker, 0, 80, &cfg, &result) == BITBLAS_OK, "%s", bitblas_last_error());
  bb_tune_result_free(&result);
  /* The worker ends between two calls (as when the thread that started it ends). */
  const pid_t first = worker.pid;
  ck_assert_int_gt(first, 0);
  kill(first, SIGKILL);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  ck_assert_int_eq(waitid(P_PID, (id_t)first, &info, WEXITED | WNOWAIT), 0);
  ck_assert_msg(bb_tune(&worker, 0, 80, &cfg, &result) == BITBLAS_OK, "%s", bitblas_last_error());
  ck_assert_int_eq(result.workers_started, 1);
  ck_assert_int_eq(result.winner, 2);
  ck_assert_int_ne(worker.pid, first);
  bb_tune_result_free(&result);
  bb_worker_stop(&worker);
  ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
}
END_TEST

static void make_executable(const char *path) {
  FILE *f = fopen(path, "w");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  fputs("#!/bin/sh\n", f);
  fclose(f);
  ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(test_worker_of_the_library_comes_before_the_build_tree) {
  unsetenv("BITBLAS_WORKER");
  /* The build tree's worker is there (built before this suite), and must lose. */
  ck_assert_int_eq(access(BITBLAS_WORKER_BUILD_PATH, X_OK), 0);
  char prefix[4200], lib[4300], libexec[4400], library[4400], installed[4400], beside[4400];
  char found[8192], want[8192];
  snprintf(prefix, sizeof prefix, "%s/prefix", temp_dir);
  snprintf(lib, sizeof lib, "%s/lib", prefix);
  snprintf(library, sizeof library, "%s/libbitblas.so.0", lib);
  ck_assert_int_eq(mkdir(prefix, 0755), 0);
  ck_assert_int_eq(mkdir(lib, 0755), 0);
  /* An installed library: its libexec, relative to it. */
  snprintf(installed, sizeof installed, "%s/%s", lib, BITBLAS_WORKER_FROM_LIBDIR);
  snprintf(libexec, sizeof libexec, "%s", installed);
  *strrchr(libexec, '/') = '\0';
  ck_assert_int_eq(mkdir(libexec, 0755), 0);
  make_executable(installed);
  ck_assert_msg(bb_worker_path_for_library(library, found, sizeof found) == BITBLAS_OK, "%s",
                bitblas_last_error());
  ck_assert_str_eq(found, installed);
  /* $BITBLAS_WORKER comes first of all. */
  setenv("BITBLAS_WORKER", FAKE_WORKER, 1);
  ck_assert_int_eq(bb_worker_path_for_library(library, found, sizeof found), BITBLAS_OK);
  ck_assert_str_eq(found, FAKE_WORKER);
  unsetenv("BITBLAS_WORKER");
  /* A build tree's library: the worker beside it. */
  ck_assert_int_eq(remove(installed), 0);
  snprintf(beside, sizeof beside, "%s/bitblas-worker", lib);
  make_executable(beside);
  ck_assert_int_eq(bb_worker_path_for_library(library, found, sizeof found), BITBLAS_OK);
  ck_assert_str_eq(found, beside);
  /* Neither: the configured install path, else this build tree's. */
  ck_assert_int_eq(remove(beside), 0);
  ck_assert_int_eq(bb_worker_path_for_library(library, found, sizeof found), BITBLAS_OK);
  snprintf(want, sizeof want, "%s",
           access(BITBLAS_WORKER_INSTALL_PATH, X_OK) == 0 ? BITBLAS_WORKER_INSTALL_PATH
                                                          : BITBLAS_WORKER_BUILD_PATH);
  ck_assert_str_eq(found, want);
}
END_TEST

/* The real worker, started as tune.c would, but with every descriptor of this process let
 * through (no close-on-exec, no closing): stdin and stdout are `worker_end`. No GPU is used:
 * the worker is pointed at a driver that is not there and only answers "error". Its pid, or -1.
 * No assertions: it also runs in a forked child. */
static pid_t start_real_worker(int worker_end, const char *parent_pid) {
  setenv("BITBLAS_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return -1;
  posix_spawn_file_actions_adddup2(&actions, worker_end, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, worker_end, STDOUT_FILENO);
  char *argv[] = {REAL_WORKER, "--device", "0", "--parent-pid", (char *)parent_pid, NULL};
  pid_t pid = 0;
  const int error = posix_spawn(&pid, REAL_WORKER, &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

/* Sends a malformed request; 1 when the worker refuses it as such (it is past its start then).
 * No assertions: it also runs in a forked child. */
static int answers_requests(int fd) {
  if (write(fd, "hello\n", 6) != 6) return 0;
  char reply[256];
  const ssize_t n = read(fd, reply, sizeof reply - 1);
  if (n <= 0) return 0;
  reply[n] = '\0';
  return strstr(reply, "malformed request") != NULL;
}

/* Waits up to `seconds` for child `pid` to end; its wait status, or -1 if it did not. */
static int wait_at_most(pid_t pid, double seconds) {
  const double deadline = bb_test_now_seconds() + seconds;
  int wait_status = 0;
  while (bb_test_now_seconds() < deadline) {
    if (waitpid(pid, &wait_status, WNOHANG) == pid) return wait_status;
    bb_test_sleep_seconds(0.02);
  }
  return -1;
}

START_TEST(test_real_worker_closes_what_it_inherits) {
  int pair[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0); /* not close-on-exec */
  const int extra = open("/dev/null", O_RDONLY);
  ck_assert_int_gt(extra, 2);
  char parent[32];
  snprintf(parent, sizeof parent, "%d", (int)getpid());
  const pid_t worker = start_real_worker(pair[1], parent);
  ck_assert_int_gt(worker, 0);
  close(pair[1]);
  ck_assert(answers_requests(pair[0]));
  char fd_path[128];
  snprintf(fd_path, sizeof fd_path, "/proc/%d/fd/%d", (int)worker, extra);
  ck_assert_msg(access(fd_path, F_OK) != 0, "the worker kept inherited fd %d", extra);
  snprintf(fd_path, sizeof fd_path, "/proc/%d/fd/%d", (int)worker, pair[0]);
  ck_assert_msg(access(fd_path, F_OK) != 0, "the worker kept our end (fd %d)", pair[0]);
  /* So closing our end is the end of its input: it exits at once. */
  close(pair[0]);
  const int wait_status = wait_at_most(worker, 10.0);
  if (wait_status < 0) kill(worker, SIGKILL), waitpid(worker, NULL, 0);
  ck_assert_msg(wait_status >= 0 && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0,
                "the worker did not exit when its input closed (status %d)", wait_status);
  close(extra);
}
END_TEST

/* Sends `request` and returns the worker's reply line in `reply` (empty on failure). */
static void ask(int fd, const char *request, char *reply, size_t size) {
  reply[0] = '\0';
  const size_t length = strlen(request);
  if (write(fd, request, length) != (ssize_t)length) return;
  size_t used = 0;
  while (used + 1 < size && (used == 0 || reply[used - 1] != '\n')) {
    const ssize_t n = read(fd, reply + used, 1);
    if (n <= 0) break;
    used += (size_t)n;
  }
  reply[used] = '\0';
}

/* A worker of another build (other kernel sources) refuses a tuning request, naming both
 * hashes; with the library's own hash the request gets past that check (to the missing
 * device, here). */
START_TEST(test_real_worker_refuses_other_sources) {
  int pair[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  char parent[32];
  snprintf(parent, sizeof parent, "%d", (int)getpid());
  const pid_t worker = start_real_worker(pair[1], parent);
  ck_assert_int_gt(worker, 0);
  close(pair[1]);
  const char *config = "M=1 N=64 K=64 A=float16 W=uint4 accum=float32 out=float16 group=-1 "
                       "scaling=1 zeros=none bias=0 a_scale=0";
  char request[sizeof temp_dir + 512], reply[512];
  snprintf(request, sizeof request, "tune\t0123456789abcdef\t-\t-\t%s\t%s\n", temp_dir, config);
  ask(pair[0], request, reply, sizeof reply);
  ck_assert_msg(strstr(reply, "error -11 ") == reply, "%s", reply);
  ck_assert_ptr_nonnull(strstr(reply, "hash 0123456789abcdef"));
  ck_assert_ptr_nonnull(strstr(reply, bb_source_hash()));
  snprintf(request, sizeof request, "tune\t%s\t-\t-\t%s\t%s\n", bb_source_hash(), temp_dir, config);
  ask(pair[0], request, reply, sizeof reply);
  ck_assert_msg(strstr(reply, "error ") == reply && strstr(reply, "device 0") != NULL, "%s", reply);
  close(pair[0]);
  const int wait_status = wait_at_most(worker, 10.0);
  if (wait_status < 0) kill(worker, SIGKILL), waitpid(worker, NULL, 0);
}
END_TEST

/* The worker gets this process's setting of dependent runs (kept from its first use:
 * tuner/launch.h), whatever BITBLAS_DEPENDENT_LAUNCH says when the worker starts: it then emits
 * our sources, and our request gets past its hash check (to the missing device, here) instead of
 * being refused for another hash. */
START_TEST(test_worker_gets_our_dependent_launch_setting) {
  const int ours = bb_dependent_launch_enabled();
  setenv("BITBLAS_DEPENDENT_LAUNCH", ours ? "0" : "1", 1);
  setenv("BITBLAS_WORKER", REAL_WORKER, 1);
  setenv("TMPDIR", temp_dir, 1);
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  bb_tune_result result;
  const bitblas_matmul_config cfg = small_config();
  const bitblas_status status = bb_tune(&worker, 0, 80, &cfg, &result);
  bb_worker_stop(&worker);
  unsetenv("BITBLAS_DEPENDENT_LAUNCH");
  ck_assert_int_ne(status, BITBLAS_OK);
  ck_assert_msg(strstr(bitblas_last_error(), "device") != NULL, "%s", bitblas_last_error());
  ck_assert_msg(strstr(bitblas_last_error(), "hash") == NULL, "%s", bitblas_last_error());
}
END_TEST

/* With no environment at all (environ NULL, as after clearenv()), the worker still starts and
 * answers: our request gets to its missing device. */
START_TEST(test_worker_starts_with_no_environment) {
  bb_worker worker;
  memset(&worker, 0, sizeof worker);
  bb_tune_result result;
  const bitblas_matmul_config cfg = small_config();
  char **saved = environ;
  environ = NULL;
  const bitblas_status status = bb_tune(&worker, 0, 80, &cfg, &result);
  environ = saved;
  bb_worker_stop(&worker);
  ck_assert_int_ne(status, BITBLAS_OK);
  ck_assert_msg(strstr(bitblas_last_error(), "device") != NULL, "%s", bitblas_last_error());
}
END_TEST

START_TEST(test_real_worker_started_for_another_parent_exits) {
  /* Told that its parent is process 1 (as when the real parent died before the worker could
   * ask to die with it), the worker leaves at once although its input stays open. */
  int pair[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  const pid_t worker = start_real_worker(pair[1], "1");
  ck_assert_int_gt(worker, 0);
  close(pair[1]);
  const int wait_status = wait_at_most(worker, 10.0);
  if (wait_status < 0) kill(worker, SIGKILL), waitpid(worker, NULL, 0);
  close(pair[0]);
  ck_assert_msg(wait_status >= 0 && WIFEXITED(wait_status), "the worker stayed");
}
END_TEST

#if defined(__linux__)
START_TEST(test_real_worker_dies_with_its_parent) {
  /* This process adopts orphans, to see how the worker ends. */
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int pair[2], pid_pipe[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  ck_assert_int_eq(pipe(pid_pipe), 0);
  const pid_t parent = fork();
  ck_assert_int_ge(parent, 0);
  if (parent == 0) {
    /* The worker's parent: starts it, waits until it is up, tells its pid, and ends. */
    char self[32];
    snprintf(self, sizeof self, "%d", (int)getpid());
    const pid_t worker = start_real_worker(pair[1], self);
    if (worker < 0 || !answers_requests(pair[0])) _exit(2);
    if (write(pid_pipe[1], &worker, sizeof worker) != (ssize_t)sizeof worker) _exit(3);
    _exit(0);
  }
  close(pair[1]);
  close(pid_pipe[1]);
  pid_t worker = 0;
  const ssize_t got = read(pid_pipe[0], &worker, sizeof worker);
  close(pid_pipe[0]);
  int parent_status = -1;
  ck_assert_int_eq(waitpid(parent, &parent_status, 0), parent);
  ck_assert_msg(WIFEXITED(parent_status) && WEXITSTATUS(parent_status) == 0 &&
                    got == (ssize_t)sizeof worker,
                "the worker's parent could not start it (status %d)", parent_status);
  /* We still hold the worker's input open: only the parent-death signal can end it. */
  const int wait_status = wait_at_most(worker, 10.0);
  if (wait_status < 0) kill(worker, SIGKILL), waitpid(worker, NULL, 0);
  close(pair[0]);
  ck_assert_msg(wait_status >= 0 && WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL,
                "the worker outlived its parent (status %d)", wait_status);
}
END_TEST
#endif

int main(void) {
  bb_test_temp_dir(temp_dir, sizeof temp_dir);
  Suite *suite = suite_create("tune_protocol");
  TCase *tc = tcase_create("protocol");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_fastest_correct_candidate_wins);
  tcase_add_test(tc, test_crash_costs_one_candidate);
  tcase_add_test(tc, test_reported_crash_costs_one_candidate);
  tcase_add_test(tc, test_hang_costs_one_candidate);
  tcase_add_test(tc, test_all_wrong_is_an_error_listing_them);
  tcase_add_test(tc, test_refused_request_passes_the_status_on);
  tcase_add_test(tc, test_missing_worker_is_a_clear_error);
  tcase_add_test(tc, test_slow_setup_is_not_a_hang);
  tcase_add_test(tc, test_setup_hang_ends_at_the_setup_limit);
  tcase_add_test(tc, test_run_limit_is_per_candidate);
  tcase_add_test(tc, test_worker_gets_stdio_only);
  tcase_add_test(tc, test_worker_that_ended_is_replaced);
  tcase_add_test(tc, test_worker_of_the_library_comes_before_the_build_tree);
  suite_add_tcase(suite, tc);
  TCase *real = tcase_create("real_worker");
  tcase_set_timeout(real, 60);
  tcase_add_test(real, test_real_worker_closes_what_it_inherits);
  tcase_add_test(real, test_real_worker_refuses_other_sources);
  tcase_add_test(real, test_worker_gets_our_dependent_launch_setting);
  tcase_add_test(real, test_worker_starts_with_no_environment);
  tcase_add_test(real, test_real_worker_started_for_another_parent_exits);
#if defined(__linux__)
  tcase_add_test(real, test_real_worker_dies_with_its_parent);
#endif
  suite_add_tcase(suite, real);
  const int failed = bb_test_run_suite(suite);
  bb_test_remove_tree(temp_dir);
  return failed;
}
