/* Writes the kernel source of one schedule of one config to stdout, for ptxas's register report
 * (nvcc -arch=sm_90 -cubin -Xptxas -v).
 *   emit-one FORMAT M N K SCHEDULE   (FORMAT as bitblas-bench's --formats)
 * Built here against a build tree, from the repo root:
 *   gcc -std=c11 -O1 bench/2026-11-30-h200-c/emit-one.c -Iinclude -Ituner -Isrc -Icache \
 *     -Itools/common build-gpu/libbitblas_tool_common.a build-gpu/libbitblas_static.a \
 *     -lsqlite3 -ldl -lpthread -lm -o build-gpu/emit-one */
#include <stdio.h>
#include <stdlib.h>
#include "bitblas.h"
#include "compile.h"
#include "formats.h"
#include "schedule.h"
int main(int argc, char **argv) {
  if (argc != 6) return 2;
  bb_tool_format format;
  if (bb_tool_format_parse(argv[1], &format) != 0) return 1;
  bitblas_matmul_config cfg;
  bb_tool_format_config(&format, atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), &cfg);
  bb_schedule s;
  if (bb_schedule_parse(argv[5], &s)) return 1;
  char *src = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
  if (!src) return 1;
  fputs(src, stdout);
  free(src);
  return 0;
}
