/*
 * nvrtc_loader.c - loads NVRTC with dlopen and compiles one source to one cubin. Parallelism
 * belongs to the caller (tuner/compile.c); NVRTC programs are independent and thread-safe.
 */
#include "nvrtc_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

typedef struct _nvrtcProgram *nvrtcProgram;
typedef int nvrtcResult;

static struct {
  nvrtcResult (*Version)(int *major, int *minor);
  const char *(*GetErrorString)(nvrtcResult result);
  nvrtcResult (*CreateProgram)(nvrtcProgram *program, const char *source, const char *name,
                               int header_count, const char *const *headers,
                               const char *const *include_names);
  nvrtcResult (*CompileProgram)(nvrtcProgram program, int option_count, const char *const *options);
  nvrtcResult (*GetProgramLogSize)(nvrtcProgram program, size_t *size);
  nvrtcResult (*GetProgramLog)(nvrtcProgram program, char *log);
  nvrtcResult (*GetCUBINSize)(nvrtcProgram program, size_t *size);
  nvrtcResult (*GetCUBIN)(nvrtcProgram program, char *cubin);
  nvrtcResult (*DestroyProgram)(nvrtcProgram *program);
} nvrtc;

static bitblas_status nvrtc_status = BITBLAS_NO_NVRTC;
static char nvrtc_reason[1024];
static int nvrtc_version_number = -1;
static pthread_once_t nvrtc_once = PTHREAD_ONCE_INIT;

#define BB_NVRTC_BASE_OPTIONS_TEXT "--std=c++17 -default-device -w"
static const char *const base_options[] = {"--std=c++17", "-default-device", "-w"};

const char *bb_nvrtc_base_options(void) { return BB_NVRTC_BASE_OPTIONS_TEXT; }

static void *open_first_nvrtc(void) {
  const char *env = getenv("BITBLAS_LIBNVRTC");
  const char *candidates[] = {env, "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so",
                              "/usr/local/cuda/lib64/libnvrtc.so.13"};
  size_t used = 0;
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
    if (!candidates[i] || !*candidates[i]) continue;
    void *library = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    if (library) return library;
    used += (size_t)snprintf(nvrtc_reason + used,
                             used < sizeof nvrtc_reason ? sizeof nvrtc_reason - used : 0, "%s%s",
                             used ? ", " : "tried ", candidates[i]);
    if (used >= sizeof nvrtc_reason) used = sizeof nvrtc_reason - 1;
  }
  return NULL;
}

static void nvrtc_load_once(void) {
  void *library = open_first_nvrtc();
  if (!library) return;
#define BB_NVRTC_SYMBOL_(field, symbol)                                                            \
  *(void **)(&nvrtc.field) = dlsym(library, symbol);                                               \
  if (!nvrtc.field) {                                                                              \
    snprintf(nvrtc_reason, sizeof nvrtc_reason, "libnvrtc has no symbol %s", symbol);              \
    return;                                                                                        \
  }
  BB_NVRTC_SYMBOL_(Version, "nvrtcVersion")
  BB_NVRTC_SYMBOL_(GetErrorString, "nvrtcGetErrorString")
  BB_NVRTC_SYMBOL_(CreateProgram, "nvrtcCreateProgram")
  BB_NVRTC_SYMBOL_(CompileProgram, "nvrtcCompileProgram")
  BB_NVRTC_SYMBOL_(GetProgramLogSize, "nvrtcGetProgramLogSize")
  BB_NVRTC_SYMBOL_(GetProgramLog, "nvrtcGetProgramLog")
  BB_NVRTC_SYMBOL_(GetCUBINSize, "nvrtcGetCUBINSize")
  BB_NVRTC_SYMBOL_(GetCUBIN, "nvrtcGetCUBIN")
  BB_NVRTC_SYMBOL_(DestroyProgram, "nvrtcDestroyProgram")
#undef BB_NVRTC_SYMBOL_
  int major = 0, minor = 0;
  if (nvrtc.Version(&major, &minor) != 0) {
    snprintf(nvrtc_reason, sizeof nvrtc_reason, "nvrtcVersion failed");
    return;
  }
  nvrtc_version_number = major * 1000 + minor * 10;
  nvrtc_status = BITBLAS_OK;
}

bitblas_status bb_nvrtc_load(void) {
  pthread_once(&nvrtc_once, nvrtc_load_once);
  if (nvrtc_status != BITBLAS_OK)
    return bb_fail(nvrtc_status, "NVRTC could not be loaded: %s (set BITBLAS_LIBNVRTC)",
                   nvrtc_reason);
  return BITBLAS_OK;
}

int bb_nvrtc_version(void) { return nvrtc_version_number; }

bitblas_status bb_nvrtc_compile(const char *source, const char *name, int arch,
                                const char *const *extra_options, void **cubin,
                                size_t *cubin_size) {
  *cubin = NULL;
  *cubin_size = 0;
  bitblas_status status = bb_nvrtc_load();
  if (status != BITBLAS_OK) return status;

  const char *options[32];
  int count = 0;
  /* sm_90 builds for sm_90a, its arch-specific target: the wgmma family needs it, and the cubin
   * runs on compute capability 9.0 alone, which the cache key holds. */
  char arch_option[40];
  snprintf(arch_option, sizeof arch_option, "--gpu-architecture=sm_%d%s", arch,
           arch == 90 ? "a" : "");
  options[count++] = arch_option;
  for (size_t i = 0; i < sizeof base_options / sizeof base_options[0]; i++)
    options[count++] = base_options[i];
  for (int i = 0; extra_options && extra_options[i] && count < 32; i++)
    options[count++] = extra_options[i];

  nvrtcProgram program = NULL;
  nvrtcResult result = nvrtc.CreateProgram(&program, source, name, 0, NULL, NULL);
  if (result != 0)
    return bb_fail(BITBLAS_COMPILE_FAILED, "nvrtcCreateProgram(%s): %s", name,
                   nvrtc.GetErrorString(result));
  result = nvrtc.CompileProgram(program, count, options);
  if (result != 0) {
    size_t log_size = 0;
    nvrtc.GetProgramLogSize(program, &log_size);
    char *log = malloc(log_size + 1);
    if (log) {
      log[0] = '\0';
      nvrtc.GetProgramLog(program, log);
      log[log_size] = '\0';
    }
    bb_fail(BITBLAS_COMPILE_FAILED, "NVRTC failed to compile %s for sm_%d (%s); options:", name,
            arch, nvrtc.GetErrorString(result));
    for (int i = 0; i < count; i++) bb_error_append(" %s", options[i]);
    bb_error_append("\nlog:\n%s", log ? log : "(no memory for the log)");
    free(log);
    nvrtc.DestroyProgram(&program);
    return BITBLAS_COMPILE_FAILED;
  }
  size_t size = 0;
  result = nvrtc.GetCUBINSize(program, &size);
  void *image = result == 0 && size ? malloc(size) : NULL;
  if (!image || nvrtc.GetCUBIN(program, image) != 0) {
    free(image);
    nvrtc.DestroyProgram(&program);
    return bb_fail(BITBLAS_COMPILE_FAILED, "NVRTC produced no cubin for %s (sm_%d)", name, arch);
  }
  nvrtc.DestroyProgram(&program);
  *cubin = image;
  *cubin_size = size;
  return BITBLAS_OK;
}
