/*
 * emit.c - writes the CUDA source of one candidate: a block of #defines naming the config and
 * the schedule, then kernel_src/common.cuh, then for configs whose operator quantizes its
 * activations (bb_config_quantizes_rows) kernel_src/quantize_rows.cu, then the family's
 * template (tcgemv_int8.cu builds its one-kernel BitNet layer on the quantizer's helpers).
 * No string fragments of kernel code live here; the templates are plain CUDA, readable on
 * their own.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "config.h"
#include "error.h"
#include "kernel_sources.h"
#include "launch.h"
#include "nvrtc_loader.h"
#include "schedule.h"
#include "weight_order.h"

/* Bump when the meaning of the #define block changes without a template changing. */
#define BB_EMITTER_VERSION 1

const char *bb_kernel_source_find(const char *name) {
  for (const bb_kernel_source *s = bb_kernel_sources; s->name; s++)
    if (strcmp(s->name, name) == 0) return s->text;
  return NULL;
}

/* BB_WK_* of common.cuh for a weight dtype. */
static int weight_kind(bitblas_dtype dtype) {
  switch (dtype) {
  case BITBLAS_DTYPE_UINT8:
  case BITBLAS_DTYPE_UINT4:
  case BITBLAS_DTYPE_UINT2:
  case BITBLAS_DTYPE_UINT1:
    return 0;
  case BITBLAS_DTYPE_INT4:
  case BITBLAS_DTYPE_INT2:
    return 1;
  case BITBLAS_DTYPE_INT8:
    return 2;
  case BITBLAS_DTYPE_INT1:
    return 3;
  case BITBLAS_DTYPE_NF4:
    return 4;
  case BITBLAS_DTYPE_FP4_E2M1:
    return 5;
  case BITBLAS_DTYPE_FLOAT8_E4M3:
    return 6;
  case BITBLAS_DTYPE_FLOAT8_E5M2:
    return 7;
  case BITBLAS_DTYPE_FLOAT16:
    return 8;
  case BITBLAS_DTYPE_BFLOAT16:
    return 9;
  default:
    return -1;
  }
}

static int activation_kind(bitblas_dtype dtype) {
  return dtype == BITBLAS_DTYPE_FLOAT16 ? 0 : dtype == BITBLAS_DTYPE_BFLOAT16 ? 1 : 2;
}

static int output_kind(bitblas_dtype dtype) {
  switch (dtype) {
  case BITBLAS_DTYPE_FLOAT16:
    return 0;
  case BITBLAS_DTYPE_BFLOAT16:
    return 1;
  case BITBLAS_DTYPE_FLOAT32:
    return 2;
  default:
    return 3;
  }
}

char *bb_emit_source(const bitblas_matmul_config *cfg, const bb_schedule *s, bb_fault fault) {
  return bb_emit_source_for(cfg, s, fault, bb_dependent_launch_enabled());
}

char *bb_emit_source_for(const bitblas_matmul_config *cfg, const bb_schedule *s, bb_fault fault,
                         int dependent_launch) {
  const char *common = bb_kernel_source_find("common.cuh");
  static const char *const family_files[BB_FAMILY_COUNT] = {"gemv.cu", "mma.cu", "tcgemv.cu",
                                                            "tcgemv_int8.cu", "wgmma.cu"};
  const char *family = bb_kernel_source_find(family_files[s->family]);
  /* The tiled families share their units of W (tile_units.cuh). */
  const int tiled = s->family == BB_FAMILY_MMA || s->family == BB_FAMILY_WGMMA;
  const char *units = tiled ? bb_kernel_source_find("tile_units.cuh") : "";
  if (!common || !family || !units) {
    bb_fail(BITBLAS_NOT_FOUND, "kernel template missing from the build (common.cuh, %s%s)",
            family_files[s->family], tiled ? ", tile_units.cuh" : "");
    return NULL;
  }
  char schedule_text[128];
  bb_schedule_format(s, schedule_text, sizeof schedule_text);
  /* The config without its leading "M=<m>": kernels take m at run time, so the M buckets of an
   * operator emit the same source for the same schedule, and the worker compiles it once
   * (cubin_memo.h). */
  char config_text[512];
  bb_config_key_text(cfg, cfg->M, config_text, sizeof config_text);
  const char *space = strchr(config_text, ' ');
  const char *shape_text = strncmp(config_text, "M=", 2) == 0 && space ? space + 1 : config_text;

  char defines[2048];
  int used = snprintf(
      defines, sizeof defines,
      "// bitblas candidate: %s\n// config: %s (m at run time)\n"
      "#define BB_N %" PRId64 "\n#define BB_K %" PRId64 "\n#define BB_GROUP %" PRId64 "\n"
      "#define BB_A_KIND %d\n#define BB_W_KIND %d\n#define BB_W_BITS %d\n"
      "#define BB_SCALING %d\n#define BB_ZEROS %d\n#define BB_BIAS %d\n#define BB_A_SCALE %d\n"
      "#define BB_OUT_KIND %d\n#define BB_QZ_ROW_BYTES %" PRId64 "\n#define BB_FAULT %d\n",
      schedule_text, shape_text, cfg->N, cfg->K, bb_config_group(cfg),
      activation_kind(cfg->A_dtype), weight_kind(cfg->W_dtype), bitblas_dtype_bits(cfg->W_dtype),
      cfg->with_scaling ? 1 : 0, (int)cfg->zeros_mode, cfg->with_bias ? 1 : 0,
      cfg->with_a_scale ? 1 : 0, output_kind(cfg->out_dtype), bb_config_qzeros_row_bytes(cfg),
      (int)fault);
  if (s->family == BB_FAMILY_GEMV)
    used += snprintf(defines + used, sizeof defines - (size_t)used,
                     "#define BB_WARPS %d\n#define BB_ROWS_PER_WARP %d\n#define BB_M_TILE %d\n"
                     "#define BB_UNROLL %d\n#define BB_CHUNK_ELEMS %d\n",
                     s->warps, s->rows_per_warp, s->m_tile, s->unroll, s->chunk_elems);
  else if (s->family == BB_FAMILY_TCGEMV || s->family == BB_FAMILY_TCGEMV_INT8)
    used +=
        snprintf(defines + used, sizeof defines - (size_t)used,
                 "#define BB_WARPS %d\n#define BB_N_TILES %d\n#define BB_M_TILES %d\n"
                 "#define BB_UNROLL %d\n#define BB_LANE_WORDS %d\n#define BB_POST_SCALE %d\n"
                 "#define BB_STAGES %d\n#define BB_LANE_ORDER %d\n#define BB_SPLIT_PAIRS %d\n",
                 s->warps, s->n_tiles, s->m_tiles, s->unroll, s->lane_words, s->post_scale,
                 s->stages, s->lane_order,
                 s->lane_order == 2 && bb_weight_order_splits(bitblas_dtype_bits(cfg->W_dtype)));
  else if (s->family == BB_FAMILY_WGMMA)
    used += snprintf(defines + used, sizeof defines - (size_t)used,
                     "#define BB_BM %d\n#define BB_BN %d\n#define BB_BK %d\n"
                     "#define BB_GROUPS_M %d\n#define BB_GROUPS_N %d\n",
                     s->block_m, s->block_n, s->block_k, s->groups_m, s->groups_n);
  else
    used += snprintf(defines + used, sizeof defines - (size_t)used,
                     "#define BB_BM %d\n#define BB_BN %d\n#define BB_BK %d\n"
                     "#define BB_WARPS_M %d\n#define BB_WARPS_N %d\n",
                     s->block_m, s->block_n, s->block_k, s->warps_m, s->warps_n);
  if (tiled && s->stages)
    used += snprintf(defines + used, sizeof defines - (size_t)used, "#define BB_A_STAGES %d\n",
                     s->stages);
  const size_t dynamic_shared = bb_schedule_dynamic_shared(s, cfg);
  if (dynamic_shared)
    used += snprintf(defines + used, sizeof defines - (size_t)used,
                     "#define BB_DYNAMIC_SHARED %zu\n", dynamic_shared);
  if (s->family == BB_FAMILY_TCGEMV && s->given_sums)
    used += snprintf(defines + used, sizeof defines - (size_t)used, "#define BB_GIVEN_SUMS 1\n");
  if (s->family == BB_FAMILY_TCGEMV && s->shared_pairs)
    used += snprintf(defines + used, sizeof defines - (size_t)used, "#define BB_SHARED_PAIRS 1\n");
  if (s->family == BB_FAMILY_TCGEMV && s->min_blocks)
    used += snprintf(defines + used, sizeof defines - (size_t)used, "#define BB_MIN_BLOCKS %d\n",
                     s->min_blocks);
  if (dependent_launch)
    used +=
        snprintf(defines + used, sizeof defines - (size_t)used, "#define BB_DEPENDENT_LAUNCH 1\n");

  /* The BitNet layer's row quantizer rides in the same module (kernel_src/quantize_rows.cu). */
  const char *quantizer = "";
  if (bb_config_quantizes_rows(cfg)) {
    quantizer = bb_kernel_source_find("quantize_rows.cu");
    if (!quantizer) {
      bb_fail(BITBLAS_NOT_FOUND, "kernel template missing from the build (quantize_rows.cu)");
      return NULL;
    }
  }
  const size_t size =
      strlen(defines) + strlen(common) + strlen(quantizer) + strlen(units) + strlen(family) + 6;
  char *source = malloc(size);
  if (!source) {
    bb_fail(BITBLAS_OUT_OF_MEMORY, "no memory for a %zu-byte kernel source", size);
    return NULL;
  }
  snprintf(source, size, "%s%s\n%s%s%s%s%s", defines, common, quantizer, *quantizer ? "\n" : "",
           units, *units ? "\n" : "", family);
  return source;
}

static char source_hash_text[17];
static pthread_once_t source_hash_once = PTHREAD_ONCE_INIT;

void bb_source_hash_for(int dependent_launch, char out[17]) {
  uint64_t hash = bb_hash64("bitblas-emitter", 15, 0);
  const int version = BB_EMITTER_VERSION;
  hash = bb_hash64(&version, sizeof version, hash);
  for (const bb_kernel_source *s = bb_kernel_sources; s->name; s++) {
    hash = bb_hash64(s->name, strlen(s->name), hash);
    hash = bb_hash64(s->text, strlen(s->text), hash);
  }
  const char *options = bb_nvrtc_base_options();
  hash = bb_hash64(options, strlen(options), hash);
  if (dependent_launch) hash = bb_hash64("dependent launch", 16, hash);
  snprintf(out, 17, "%016" PRIx64, hash);
}

static void compute_source_hash(void) {
  bb_source_hash_for(bb_dependent_launch_enabled(), source_hash_text);
}

const char *bb_source_hash(void) {
  pthread_once(&source_hash_once, compute_source_hash);
  return source_hash_text;
}
