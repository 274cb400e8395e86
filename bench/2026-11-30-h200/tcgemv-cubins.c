/* tcgemv-cubins.c - prints a hash of every tcgemv candidate's sm_90 cubin over 10 configs, to
 * compare the machine code of two builds of kernel_src/tcgemv.cu. Build against a
 * build tree's libbitblas_static.a (DUMP=dir also writes each source):
 *   gcc -std=c11 -O1 tcgemv-cubins.c -Iinclude -Ituner -Isrc -Icache BUILD/libbitblas_static.a -lsqlite3 -ldl -lpthread -lm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bitblas.h"
#include "compile.h"
#include "schedule.h"
static unsigned long long fnv(const unsigned char *p, size_t n) {
  unsigned long long h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
  return h;
}
int main(void) {
  static const struct { int64_t M, N, K; bitblas_dtype W; int64_t g; bitblas_zeros_mode z; int dyn; } cs[] = {
    {1, 57344, 8192, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL, 0},
    {16, 57344, 8192, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL, 0},
    {8, 4096, 4096, BITBLAS_DTYPE_INT4, 64, BITBLAS_ZEROS_RESCALE, 0},
    {1, 4096, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL, 0},
    {16, 4096, 14336, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE, 0},
    {17, 2880, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_QUANTIZED, 0},
    {16, 28672, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL, 1},
    {32, 28672, 4096, BITBLAS_DTYPE_UINT4, 32, BITBLAS_ZEROS_ORIGINAL, 1},
    {4, 8192, 8192, BITBLAS_DTYPE_UINT8, 128, BITBLAS_ZEROS_NONE, 0},
    {1, 256, 4096, BITBLAS_DTYPE_UINT1, 256, BITBLAS_ZEROS_ORIGINAL, 0},
  };
  for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
    bitblas_matmul_config cfg; bitblas_matmul_config_init(&cfg);
    cfg.M = cs[c].M; cfg.N = cs[c].N; cfg.K = cs[c].K; cfg.W_dtype = cs[c].W; cfg.group_size = cs[c].g;
    cfg.zeros_mode = cs[c].z; cfg.dynamic_m = cs[c].dyn;
    bb_schedule s[BB_MAX_CANDIDATES]; int n = bb_candidates_enumerate(&cfg, s);
    char *src[BB_MAX_CANDIDATES] = {0}; int k = 0; int idx[BB_MAX_CANDIDATES];
    for (int i = 0; i < n; i++) if (s[i].family == BB_FAMILY_TCGEMV) { src[k] = bb_emit_source(&cfg, &s[i], BB_FAULT_NONE); idx[k++] = i; }
    bb_compiled out[BB_MAX_CANDIDATES];
    if (bb_compile_all(src, k, 90, out) != BITBLAS_OK) { printf("compile_all failed\n"); return 1; }
    for (int j = 0; j < k; j++) {
      char name[128]; bb_schedule_format(&s[idx[j]], name, sizeof name);
      if (getenv("DUMP")) { char p[256]; snprintf(p, sizeof p, "%s/%zu_%d.cu", getenv("DUMP"), c, idx[j]); FILE *f = fopen(p, "w"); fputs(src[j], f); fclose(f); }
      printf("%zu %s %s %016llx\n", c, name, out[j].status == BITBLAS_OK ? "ok" : "FAIL",
             out[j].status == BITBLAS_OK ? fnv(out[j].cubin, out[j].cubin_size) : 0ull);
      free(src[j]);
    }
    bb_compiled_free(out, k);
  }
  return 0;
}
