/*
 * check_kernel_sources.c - every candidate source the emitter writes compiles with NVRTC alone
 * (no toolkit headers) for sm_80 and sm_90, for every weight format and activation type, and
 * the schedule text round-trips; the worker's memo hands back what it compiled before. Needs
 * libnvrtc but no GPU; exits 77 where NVRTC is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "cubin_memo.h"
#include "nvrtc_loader.h"
#include "launch.h"
#include "schedule.h"
#include "test_support.h"
#include "weight_order.h"

static const bitblas_dtype activations[] = {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_BFLOAT16,
                                            BITBLAS_DTYPE_INT8};

/* A config for (A, W) with options varied by `variant`; 0 if validation refuses the pair. */
static int make_config(bitblas_dtype A_dtype, bitblas_dtype W_dtype, int variant,
                       bitblas_matmul_config *cfg) {
  bitblas_matmul_config_init(cfg);
  const int int8 = A_dtype == BITBLAS_DTYPE_INT8;
  cfg->A_dtype = A_dtype;
  cfg->W_dtype = W_dtype;
  cfg->accum_dtype = int8 ? BITBLAS_DTYPE_INT32 : BITBLAS_DTYPE_FLOAT32;
  /* 24: the widest tensor-core gemv tiles (4 x 8 rows of A); 256: the large mma tiles; variant 3:
   * one group per row and a K (2880) that only the narrower loads divide. */
  cfg->M = variant == 2 ? 256 : variant == 3 ? 3 : variant ? 24 : 1;
  cfg->N = variant == 2 ? 2880 : 4096;
  cfg->K = variant >= 2 ? 2880 : 4096;
  cfg->group_size = int8 || variant == 3 ? -1 : (variant ? 32 : 128);
  cfg->with_scaling = !(W_dtype == BITBLAS_DTYPE_FLOAT16 || W_dtype == BITBLAS_DTYPE_BFLOAT16);
  cfg->zeros_mode = variant ? BITBLAS_ZEROS_QUANTIZED : BITBLAS_ZEROS_ORIGINAL;
  cfg->out_dtype = int8 && variant ? BITBLAS_DTYPE_INT32 : BITBLAS_DTYPE_FLOAT16;
  cfg->with_bias = 1;
  cfg->with_a_scale = int8 && !variant;
  if (bitblas_matmul_config_validate(cfg) != BITBLAS_OK) {
    cfg->zeros_mode = int8 ? BITBLAS_ZEROS_NONE : BITBLAS_ZEROS_RESCALE;
    if (int8 && variant) cfg->with_scaling = 0;
  }
  return bitblas_matmul_config_validate(cfg) == BITBLAS_OK;
}

START_TEST(test_every_candidate_compiles) {
  const int archs[] = {80, 90};
  int configs = 0, compiled_ok = 0;
  for (int item = 0; item < 4 * 3 * BITBLAS_DTYPE_COUNT; item++) {
    bitblas_matmul_config cfg;
    /* The third variant (M = 256) for float16 and int8 activations: its tiles are the mma
     * family's. */
    if (item / (3 * BITBLAS_DTYPE_COUNT) == 2 && (item / BITBLAS_DTYPE_COUNT) % 3 == 1) continue;
    if (!make_config(activations[(item / BITBLAS_DTYPE_COUNT) % 3],
                     (bitblas_dtype)(item % BITBLAS_DTYPE_COUNT), item / (3 * BITBLAS_DTYPE_COUNT),
                     &cfg))
      continue;
    configs++;
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, schedules);
    ck_assert_int_ge(count, 1);
    char *sources[BB_MAX_CANDIDATES] = {0};
    for (int i = 0; i < count; i++) {
      sources[i] = bb_emit_source(&cfg, &schedules[i], BB_FAULT_NONE);
      ck_assert_ptr_nonnull(sources[i]);
      ck_assert_ptr_null(strstr(sources[i], "#include"));
    }
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++) {
      bb_compiled compiled[BB_MAX_CANDIDATES];
      ck_assert_int_eq(bb_compile_all(sources, count, archs[a], compiled), BITBLAS_OK);
      for (int i = 0; i < count; i++) {
        char text[128], description[512];
        bb_schedule_format(&schedules[i], text, sizeof text);
        bitblas_matmul_config_describe(&cfg, description, sizeof description);
        ck_assert_msg(compiled[i].status == BITBLAS_OK, "sm_%d %s | %s: %s", archs[a], description,
                      text, compiled[i].message);
        ck_assert_uint_gt(compiled[i].cubin_size, 0);
        compiled_ok++;
      }
      bb_compiled_free(compiled, count);
    }
    for (int i = 0; i < count; i++) free(sources[i]);
  }
  fprintf(stderr, "%d configs, %d candidate compiles\n", configs, compiled_ok);
  ck_assert_int_ge(configs, 40);
}
END_TEST

/* Whether a cubin names `symbol` (its symbol table holds the names of its kernels). */
static int cubin_names(const bb_compiled *compiled, const char *symbol) {
  const size_t length = strlen(symbol) + 1; /* with its terminating NUL */
  const char *bytes = compiled->cubin;
  for (size_t i = 0; i + length <= compiled->cubin_size; i++)
    if (memcmp(bytes + i, symbol, length) == 0) return 1;
  return 0;
}

/* The BitNet layer's row quantizer rides in the source of every operator with int8 A, a per-row
 * a_scale and a float output (for float16, bfloat16 and float32 activations alike), and in no
 * other: every candidate of such configs compiles with it for sm_80 and sm_90. */
START_TEST(test_row_quantizer_rides_with_int8_operators) {
  const bitblas_dtype outputs[] = {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_BFLOAT16,
                                   BITBLAS_DTYPE_FLOAT32, BITBLAS_DTYPE_INT32};
  for (size_t o = 0; o < sizeof outputs / sizeof outputs[0]; o++) {
    bitblas_matmul_config cfg;
    bitblas_bitnet_config_init(&cfg, 2880, 2560);
    cfg.dynamic_m = 0;
    cfg.M = 4;
    cfg.out_dtype = outputs[o];
    const int quantizes = outputs[o] != BITBLAS_DTYPE_INT32;
    if (!quantizes) cfg.with_scaling = cfg.with_a_scale = 0;
    ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, schedules);
    char *sources[BB_MAX_CANDIDATES] = {0};
    for (int i = 0; i < count; i++) {
      sources[i] = bb_emit_source(&cfg, &schedules[i], BB_FAULT_NONE);
      ck_assert_ptr_nonnull(sources[i]);
      ck_assert_msg((strstr(sources[i], "bitblas_quantize_rows(") != NULL) == quantizes,
                    "out %s: the quantizer is %s the source", bitblas_dtype_name(outputs[o]),
                    quantizes ? "missing from" : "in");
    }
    const int archs[] = {80, 90};
    for (size_t a = 0; a < 2 && quantizes; a++) {
      bb_compiled compiled[BB_MAX_CANDIDATES];
      ck_assert_int_eq(bb_compile_all(sources, count, archs[a], compiled), BITBLAS_OK);
      for (int i = 0; i < count; i++) {
        ck_assert_msg(compiled[i].status == BITBLAS_OK, "sm_%d out %s candidate %d: %s", archs[a],
                      bitblas_dtype_name(outputs[o]), i, compiled[i].message);
        /* tcgemv_int8 modules also hold the one-kernel layer (tuner/launch.h). */
        const int fused = schedules[i].family == BB_FAMILY_TCGEMV_INT8;
        ck_assert_int_eq(bb_fused_layer_in_module(&schedules[i], &cfg), fused);
        ck_assert_msg(cubin_names(&compiled[i], BB_FUSED_LAYER_NAME) == fused,
                      "sm_%d out %s candidate %d: the one-kernel layer is %s the module", archs[a],
                      bitblas_dtype_name(outputs[o]), i, fused ? "missing from" : "in");
      }
      bb_compiled_free(compiled, count);
    }
    for (int i = 0; i < count; i++) free(sources[i]);
  }
}
END_TEST

START_TEST(test_fault_injection_compiles) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.N = 256;
  cfg.K = 256;
  bb_schedule schedule = bb_schedule_default(&cfg);
  char *sources[2] = {bb_emit_source(&cfg, &schedule, BB_FAULT_TRAP),
                      bb_emit_source(&cfg, &schedule, BB_FAULT_HANG)};
  ck_assert_ptr_nonnull(strstr(sources[0], "#define BB_FAULT 1"));
  ck_assert_ptr_nonnull(strstr(sources[1], "#define BB_FAULT 2"));
  bb_compiled compiled[2];
  ck_assert_int_eq(bb_compile_all(sources, 2, 90, compiled), BITBLAS_OK);
  ck_assert_int_eq(compiled[0].status, BITBLAS_OK);
  ck_assert_int_eq(compiled[1].status, BITBLAS_OK);
  bb_compiled_free(compiled, 2);
  free(sources[0]);
  free(sources[1]);
}
END_TEST

START_TEST(test_compile_error_reports_log) {
  char *sources[1] = {strdup("extern \"C\" __global__ void bitblas_kernel() { undefined_name; }")};
  bb_compiled compiled[1];
  ck_assert_int_eq(bb_compile_all(sources, 1, 90, compiled), BITBLAS_OK);
  ck_assert_int_eq(compiled[0].status, BITBLAS_COMPILE_FAILED);
  ck_assert_ptr_nonnull(strstr(compiled[0].message, "undefined_name"));
  ck_assert_ptr_nonnull(strstr(compiled[0].message, "sm_90"));
  free(sources[0]);
}
END_TEST

/* Every candidate of cfg on sm_90 (whose list has every family) prints as text that parses back
 * to the same schedule; counts the candidates of each family into families[]. */
static void round_trip_candidates(const bitblas_matmul_config *cfg, int families[BB_FAMILY_COUNT]) {
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate_for(cfg, 90, schedules);
  for (int i = 0; i < count; i++) {
    char text[128];
    bb_schedule_format(&schedules[i], text, sizeof text);
    bb_schedule parsed;
    ck_assert_int_eq(bb_schedule_parse(text, &parsed), BITBLAS_OK);
    ck_assert_msg(memcmp(&parsed, &schedules[i], sizeof parsed) == 0,
                  "\"%s\" parses back differently", text);
    families[schedules[i].family]++;
  }
}

START_TEST(test_schedule_text_round_trip) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.M = 16;
  cfg.N = 4096;
  cfg.K = 4096;
  /* A static M of 16 reads traded words: tcgemv only. A dynamic operator's bucket reads the
   * plain layout, where from M = 9 tcgemv replaces gemv and mma stays (16-row tiles; from
   * M = 128 every tile shape). */
  int traded_families[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, traded_families);
  ck_assert_int_ge(traded_families[BB_FAMILY_TCGEMV], 2);
  ck_assert_int_eq(traded_families[BB_FAMILY_GEMV] + traded_families[BB_FAMILY_MMA], 0);
  cfg.dynamic_m = 1;
  int families[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, families);
  ck_assert_int_eq(families[BB_FAMILY_GEMV], 0);
  ck_assert_int_ge(families[BB_FAMILY_MMA], 1);
  ck_assert_int_ge(families[BB_FAMILY_TCGEMV], 2);
  cfg.M = 128;
  int large_families[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, large_families);
  ck_assert_int_ge(large_families[BB_FAMILY_MMA], 8);
  ck_assert_int_eq(large_families[BB_FAMILY_WGMMA], 2); /* 64 and 128 rows of A */
  cfg.M = 4;
  int small_families[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, small_families);
  ck_assert_int_ge(small_families[BB_FAMILY_GEMV], 2);
  cfg.M = 16;
  cfg.dynamic_m = 0;
  /* int8 activations: the int8 tensor-core family, with its own text. */
  cfg.A_dtype = BITBLAS_DTYPE_INT8;
  cfg.W_dtype = BITBLAS_DTYPE_INT2;
  cfg.accum_dtype = BITBLAS_DTYPE_INT32;
  cfg.out_dtype = BITBLAS_DTYPE_INT32;
  cfg.with_scaling = 0;
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  int int8_families[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, int8_families);
  ck_assert_int_ge(int8_families[BB_FAMILY_TCGEMV_INT8], 2);
  ck_assert_int_eq(int8_families[BB_FAMILY_GEMV], 1); /* one CUDA-core fallback */
  ck_assert_int_eq(int8_families[BB_FAMILY_MMA], 0);  /* tiles from M = 32 */
  /* From M = 32 the tiled family too, its k steps whole mma steps of 32 int8 k, and from M = 256
   * alone; not where K is no multiple of 16. */
  cfg.M = 256;
  int int8_large[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, int8_large);
  ck_assert_int_ge(int8_large[BB_FAMILY_MMA], 4);
  ck_assert_int_eq(int8_large[BB_FAMILY_TCGEMV_INT8] + int8_large[BB_FAMILY_GEMV], 0);
  cfg.M = 64;
  int int8_mid[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, int8_mid);
  ck_assert_int_ge(int8_mid[BB_FAMILY_MMA], 2);
  ck_assert_int_ge(int8_mid[BB_FAMILY_TCGEMV_INT8], 2);
  cfg.M = 256;
  bb_schedule int8_list[BB_MAX_CANDIDATES];
  const int int8_count = bb_candidates_enumerate(&cfg, int8_list);
  for (int i = 0; i < int8_count; i++)
    if (int8_list[i].family == BB_FAMILY_MMA) ck_assert_int_eq(int8_list[i].block_k % 64, 0);
  cfg.K = 4096 + 8;
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  int int8_odd_k[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&cfg, int8_odd_k);
  ck_assert_int_eq(int8_odd_k[BB_FAMILY_MMA], 0);
  ck_assert_int_ge(int8_odd_k[BB_FAMILY_GEMV], 1);
  /* Groups of 120 k: tcgemv with 4-byte lane loads ("words=1"). */
  bitblas_matmul_config awkward;
  bitblas_matmul_config_init(&awkward);
  awkward.M = 1;
  awkward.N = 2880;
  awkward.K = 2880;
  awkward.group_size = 120;
  ck_assert_int_eq(bitblas_matmul_config_validate(&awkward), BITBLAS_OK);
  int awkward_families[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&awkward, awkward_families);
  ck_assert_int_ge(awkward_families[BB_FAMILY_TCGEMV], 2);
  bb_schedule parsed;
  ck_assert_int_eq(
      bb_schedule_parse(
          "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=3 post=0 stages=2 order=0", &parsed),
      BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "words=3"));
  /* Traded words need two or four words per lane. */
  ck_assert_int_eq(
      bb_schedule_parse(
          "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=1 post=0 stages=2 order=1", &parsed),
      BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "words=1 post=0 stages=2 order=1"));
  ck_assert_int_eq(
      bb_schedule_parse(
          "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=1 post=0 stages=2 order=2", &parsed),
      BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(
      bb_schedule_parse(
          "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=3", &parsed),
      BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "order=3"));
  /* A bound on blocks per SM: optional, 1 to 32, nothing after it. */
  ck_assert_int_eq(
      bb_schedule_parse("tcgemv warps=8 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 "
                        "order=2 blocks=2",
                        &parsed),
      BITBLAS_OK);
  ck_assert_int_eq(parsed.min_blocks, 2);
  char text[128];
  bb_schedule_format(&parsed, text, sizeof text);
  ck_assert_str_eq(text, "tcgemv warps=8 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 "
                         "order=2 blocks=2");
  static const char *const bad_blocks[] = {"blocks=0", "blocks=33", "blocks=2 x",
                                           "blocks=", "blocks=-1"};
  for (size_t i = 0; i < sizeof bad_blocks / sizeof bad_blocks[0]; i++) {
    char bad[160];
    snprintf(bad, sizeof bad,
             "tcgemv warps=8 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2 %s",
             bad_blocks[i]);
    ck_assert_msg(bb_schedule_parse(bad, &parsed) == BITBLAS_INVALID_ARGUMENT, "%s", bad);
    ck_assert_ptr_nonnull(strstr(bitblas_last_error(), bad_blocks[i]));
  }
  /* 1- and 2-bit codes at M = 16 list bound blocks too; they parse back as they were. */
  const bitblas_dtype bound_codes[] = {BITBLAS_DTYPE_UINT1, BITBLAS_DTYPE_UINT2};
  for (size_t i = 0; i < 2; i++) {
    const bitblas_matmul_config bound =
        bb_test_scaled_config(16, 57344, 8192, bound_codes[i], i == 0 ? -1 : 128,
                              i == 0 ? BITBLAS_ZEROS_NONE : BITBLAS_ZEROS_ORIGINAL);
    int bound_families[BB_FAMILY_COUNT] = {0};
    round_trip_candidates(&bound, bound_families);
    ck_assert_int_ge(bound_families[BB_FAMILY_TCGEMV], 2);
  }
  ck_assert_int_eq(bb_schedule_parse("gemv warps=0", &parsed), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "gemv warps=0"));
  ck_assert_str_eq(bb_source_hash(), bb_source_hash());
  ck_assert_uint_eq(strlen(bb_source_hash()), 16);
}
END_TEST

/* Counts cfg's tcgemv candidates: all, those of each lane order, those deeper than two stages;
 * checks that a config whose weights are stored traded gets nothing but tcgemv with lane order
 * 2 and its words per lane, and that shuffled words (order 1) fit the config. */
typedef struct tcgemv_counts {
  int all, order[3], deep;
} tcgemv_counts;

static tcgemv_counts count_tcgemv(const bitblas_matmul_config *cfg) {
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(cfg, schedules);
  const int weight_words = bb_config_weight_order(cfg);
  tcgemv_counts counts = {0, {0, 0, 0}, 0};
  for (int i = 0; i < count; i++) {
    if (weight_words) {
      ck_assert_int_eq(schedules[i].family, BB_FAMILY_TCGEMV);
      ck_assert_int_eq(schedules[i].lane_order, 2);
      ck_assert_int_eq(schedules[i].lane_words, weight_words);
    }
    if (schedules[i].family != BB_FAMILY_TCGEMV) continue;
    counts.all++;
    counts.order[schedules[i].lane_order]++;
    counts.deep += schedules[i].stages > 2;
    if (schedules[i].lane_order) ck_assert(bb_tcgemv_fits(cfg, schedules[i].lane_words, 1, 1));
  }
  return counts;
}

/* Compiles `count` sources for each of `arch_count` archs, each to a cubin, then frees them. */
static void compile_for_archs(char **sources, int count, const int *archs, size_t arch_count) {
  for (size_t a = 0; count && a < arch_count; a++) {
    bb_compiled compiled[BB_MAX_CANDIDATES];
    ck_assert_int_eq(bb_compile_all(sources, count, archs[a], compiled), BITBLAS_OK);
    for (int i = 0; i < count; i++)
      ck_assert_msg(compiled[i].status == BITBLAS_OK, "sm_%d: %s", archs[a], compiled[i].message);
    bb_compiled_free(compiled, count);
  }
  for (int i = 0; i < count; i++) free(sources[i]);
}

/* compile_for_archs for sm_80 and sm_90. */
static void compile_for_both_archs(char **sources, int count) {
  static const int archs[] = {80, 90};
  compile_for_archs(sources, count, archs, 2);
}

/* A config of int8 activations and int2 codes without scales (the int8 tensor-core family). */
static bitblas_matmul_config int8_codes_config(int64_t M, int64_t N, int64_t K) {
  bitblas_matmul_config cfg =
      bb_test_scaled_config(M, N, K, BITBLAS_DTYPE_INT2, -1, BITBLAS_ZEROS_NONE);
  cfg.A_dtype = BITBLAS_DTYPE_INT8;
  cfg.accum_dtype = BITBLAS_DTYPE_INT32;
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  return cfg;
}

/* The candidates of cfg with blocks of 16 x n_tiles rows (and of `warps` warps, or any where
 * warps is 0), given sums' twins left out (test_given_sums_twins); compiles them for sm_80 and
 * sm_90. */
static int compile_blocks(const bitblas_matmul_config *cfg, int n_tiles, int warps) {
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(cfg, schedules);
  char *sources[BB_MAX_CANDIDATES] = {0};
  int found = 0;
  for (int i = 0; i < count; i++) {
    if (schedules[i].n_tiles != n_tiles || (warps && schedules[i].warps != warps) ||
        schedules[i].given_sums)
      continue;
    ck_assert_int_eq(schedules[i].family, BB_FAMILY_TCGEMV);
    sources[found] = bb_emit_source(cfg, &schedules[i], BB_FAULT_NONE);
    ck_assert_ptr_nonnull(sources[found]);
    found++;
  }
  compile_for_both_archs(sources, found);
  return found;
}

/* Blocks of 48 and 64 rows, offered for float16 activations, for 1-, 2- and 4-bit codes, and
 * they compile:
 *   M = 9-16: 48 rows where N gives them at least 128 blocks (N >= 6144), never 64;
 *   M = 5-8: one shape of 48 rows and one of 64 where N >= 512 x 64 = 32768;
 *   1-bit codes where N >= 8192: up to M = 8 also 64 rows of 4 warps and (unless the M = 5-8
 *   rule gave them) 48 rows of 8 warps, scales after the mma; from M = 9, 64 rows of 4 and 8
 *   warps, scales after the mma, and no blocks of 16 rows;
 *   1-bit codes from M = 9 where N >= 6144: one more of 64 rows, bound to 4 blocks per SM
 *   (test_full_sm_blocks);
 *   none otherwise below those N, at M = 1-4 for 2- and 4-bit codes, from M = 17 (too many
 *   tiles), or for int8 activations. */
START_TEST(test_tall_row_blocks) {
  const bitblas_dtype codes[] = {BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_UINT2, BITBLAS_DTYPE_UINT1};
  /* M, N, and the 48- and 64-row candidates expected (-2: at least two), for 4- and 2-bit codes
   * and for 1-bit codes */
  static const int64_t cases[][6] = {
      {16, 6144, -2, 0, -2, 1}, {16, 6143, 0, 0, 0, 0}, {17, 57344, 0, 0, 0, 0},
      {8, 57344, 1, 1, 1, 2},   {5, 32768, 1, 1, 1, 2}, {5, 32767, 0, 0, 1, 1},
      {4, 57344, 0, 0, 1, 1},   {1, 8192, 0, 0, 1, 1},  {1, 8191, 0, 0, 0, 0},
      {16, 8192, -2, 0, -2, 3},
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const int one_bit = codes[i] == BITBLAS_DTYPE_UINT1;
    const int group = one_bit ? -1 : 128;
    const bitblas_zeros_mode zeros = one_bit ? BITBLAS_ZEROS_NONE : BITBLAS_ZEROS_ORIGINAL;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      const bitblas_matmul_config cfg =
          bb_test_scaled_config(cases[c][0], cases[c][1], 4096, codes[i], group, zeros);
      const int rows48 = compile_blocks(&cfg, 3, 0), rows64 = compile_blocks(&cfg, 4, 0);
      const int64_t want48 = cases[c][one_bit ? 4 : 2], want64 = cases[c][one_bit ? 5 : 3];
      if (want48 < 0)
        ck_assert_msg(rows48 >= -want48, "code %zu case %zu: %d of 48 rows", i, c, rows48);
      else
        ck_assert_msg(rows48 == want48, "code %zu case %zu: %d of 48 rows", i, c, rows48);
      ck_assert_msg(rows64 == want64, "code %zu case %zu: %d of 64 rows", i, c, rows64);
      /* 16-row tcgemv blocks: all but 1-bit codes from M = 9 where N >= 8192 keep them */
      bb_schedule schedules[BB_MAX_CANDIDATES];
      const int count = bb_candidates_enumerate(&cfg, schedules);
      int rows16 = 0;
      for (int s = 0; s < count; s++)
        rows16 += schedules[s].family == BB_FAMILY_TCGEMV && schedules[s].n_tiles == 1;
      if (one_bit && cases[c][0] >= 9 && cases[c][0] <= 16 && cases[c][1] >= 8192)
        ck_assert_msg(rows16 == 0, "code %zu case %zu: %d of 16 rows", i, c, rows16);
      else if (cases[c][0] <= 16)
        ck_assert_msg(rows16 > 0, "code %zu case %zu: no 16-row blocks", i, c);
    }
  }
  bitblas_matmul_config int8 = int8_codes_config(16, 57344, 4096);
  ck_assert_int_eq(compile_blocks(&int8, 3, 0), 0);
  int8.M = 8;
  ck_assert_int_eq(compile_blocks(&int8, 3, 0) + compile_blocks(&int8, 4, 0), 0);
}
END_TEST

/* Blocks bound to 16 warps per SM (min_blocks): from M = 9 to 16 with float16 activations, 1-
 * and 2-bit codes and N >= 6144, two with scales after the mma: 48 rows of 8 warps at 2 blocks
 * per SM, and 64 rows (1-bit) or 48 rows (2-bit) of 4 warps at 4; their sources ask for that
 * bound and compile; none for 4-bit codes, at M = 8 or 17, a smaller N, or int8 activations. */
START_TEST(test_full_sm_blocks) {
  const bitblas_dtype codes[] = {BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_UINT2, BITBLAS_DTYPE_UINT1};
  /* M, N, K, and whether the bound blocks are expected */
  static const int64_t cases[][4] = {
      {16, 57344, 8192, 1}, {9, 6144, 4096, 1},  {16, 8192, 28672, 1},
      {16, 6143, 4096, 0},  {8, 57344, 8192, 0}, {17, 57344, 8192, 0},
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const int bits = bitblas_dtype_bits(codes[i]);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      const bitblas_matmul_config cfg = bb_test_scaled_config(
          cases[c][0], cases[c][1], cases[c][2], codes[i], bits == 1 ? -1 : 128,
          bits == 1 ? BITBLAS_ZEROS_NONE : BITBLAS_ZEROS_ORIGINAL);
      bb_schedule schedules[BB_MAX_CANDIDATES];
      const int count = bb_candidates_enumerate(&cfg, schedules);
      ck_assert_int_lt(count, BB_MAX_CANDIDATES); /* none left out for want of room */
      char *sources[2] = {0};
      int bound = 0;
      for (int s = 0; s < count; s++) {
        if (!schedules[s].min_blocks || schedules[s].given_sums) continue;
        ck_assert_int_lt(bound, 2);
        const bb_schedule *b = &schedules[s];
        ck_assert_int_eq(b->family, BB_FAMILY_TCGEMV);
        ck_assert_int_eq(b->post_scale, 1);
        ck_assert_int_eq(b->warps * b->min_blocks, 16);
        ck_assert_int_eq(b->n_tiles, b->warps == 8 || bits == 2 ? 3 : 4);
        sources[bound] = bb_emit_source(&cfg, b, BB_FAULT_NONE);
        ck_assert_ptr_nonnull(sources[bound]);
        char line[64];
        snprintf(line, sizeof line, "#define BB_MIN_BLOCKS %d\n", b->min_blocks);
        ck_assert_ptr_nonnull(strstr(sources[bound], line));
        bound++;
      }
      const int expected = cases[c][3] && bits <= 2 ? 2 : 0;
      ck_assert_msg(bound == expected, "code %zu case %zu: %d bound blocks", i, c, bound);
      compile_for_both_archs(sources, bound);
    }
  }
  const bitblas_matmul_config int8 = int8_codes_config(16, 57344, 8192);
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(&int8, schedules);
  for (int s = 0; s < count; s++) ck_assert_int_eq(schedules[s].min_blocks, 0);
}
END_TEST

/* Blocks of 2 warps: from M = 9 to 16 with float16 activations, K <= 4096 and N >= 16384, one
 * of 48 rows for each variant (load width and scaling place) of 1-, 2- and 4-bit codes, both
 * scaling places among them, and they compile; none at a longer K, a smaller N, M = 8 or 17, or
 * for int8 activations. */
START_TEST(test_two_warp_blocks) {
  const bitblas_dtype codes[] = {BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_UINT2, BITBLAS_DTYPE_UINT1};
  /* M, N, K, and whether 2-warp candidates are expected */
  static const int64_t cases[][4] = {
      {16, 28672, 4096, 1}, {9, 16384, 2048, 1}, {16, 16383, 4096, 0},
      {16, 28672, 8192, 0}, {8, 28672, 4096, 0}, {17, 28672, 4096, 0},
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const int one_bit = codes[i] == BITBLAS_DTYPE_UINT1;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      const bitblas_matmul_config cfg =
          bb_test_scaled_config(cases[c][0], cases[c][1], cases[c][2], codes[i], one_bit ? -1 : 128,
                                one_bit ? BITBLAS_ZEROS_NONE : BITBLAS_ZEROS_ORIGINAL);
      bb_schedule schedules[BB_MAX_CANDIDATES];
      const int count = bb_candidates_enumerate(&cfg, schedules);
      int two_warps = 0, variants = 0, post[2] = {0, 0};
      for (int s = 0; s < count; s++) {
        if (schedules[s].family != BB_FAMILY_TCGEMV || schedules[s].given_sums) continue;
        /* a variant's first shape: its first wide shape (8 warps, 2 tiles, unroll 1) */
        variants +=
            schedules[s].warps == 8 && schedules[s].n_tiles == 2 && schedules[s].unroll == 1;
        if (schedules[s].warps != 2) continue;
        two_warps++;
        post[schedules[s].post_scale]++;
        ck_assert_int_eq(schedules[s].n_tiles, 3);
      }
      if (cases[c][3]) {
        ck_assert_msg(two_warps == variants, "code %zu case %zu: %d of 2 warps, %d variants", i, c,
                      two_warps, variants);
        /* both scaling places, but 1-bit codes (N >= 8192 here) scale after the mma only */
        ck_assert_msg(post[1] >= 1 && (one_bit ? post[0] == 0 : post[0] >= 1),
                      "code %zu case %zu: %d and %d of 2 warps by scaling place", i, c, post[0],
                      post[1]);
        ck_assert_int_eq(compile_blocks(&cfg, 3, 2), two_warps);
      } else {
        ck_assert_msg(two_warps == 0, "code %zu case %zu: %d of 2 warps", i, c, two_warps);
      }
    }
  }
  const bitblas_matmul_config int8 = int8_codes_config(16, 28672, 4096);
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(&int8, schedules);
  for (int s = 0; s < count; s++) ck_assert_int_ne(schedules[s].warps, 2);
}
END_TEST

/* Which candidates trade words across lanes (kernel_src/tcgemv.cu) and run deeper pipelines.
 * Static M up to 16 with 1-, 2- and 4-bit codes: weights stored traded (order 2), 4 words per
 * lane where a segment of them fits the groups (bb_weight_order_groups_fit: a segment inside a
 * group, or of two groups), else 2 from M = 9. A dynamic operator's buckets (plain weights) and
 * M from 17: shuffled words (order 1) for 1- and 2-bit codes from M = 9 where they fit, never
 * for 4-bit codes or below M = 9. Three- and four-stage pipelines only up to M = 8. int8
 * activations never trade. The traded sources compile for sm_80 and sm_90. */
START_TEST(test_lane_order_and_depth) {
  bitblas_matmul_config one_bit =
      bb_test_scaled_config(16, 4096, 4096, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE);
  tcgemv_counts c = count_tcgemv(&one_bit);
  ck_assert_int_ge(c.all, 8);
  ck_assert_int_eq(c.order[2], c.all);
  ck_assert_int_eq(c.deep, 0);
  /* 2-bit codes in groups of 128: the segments of 16 bytes per lane (256 k) hold two groups. */
  bitblas_matmul_config two_bit =
      bb_test_scaled_config(16, 4096, 4096, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_NONE);
  ck_assert_int_eq(bb_config_weight_order(&two_bit), 4);
  c = count_tcgemv(&two_bit);
  ck_assert_int_ge(c.all, 6);
  ck_assert_int_eq(c.order[2], c.all);
  bitblas_matmul_config two_bit_row = two_bit;
  two_bit_row.M = 1;
  ck_assert_int_eq(bb_config_weight_order(&two_bit_row), 4);
  c = count_tcgemv(&two_bit_row);
  ck_assert_int_eq(c.order[2], c.all);
  ck_assert_int_gt(c.deep, 0);
  /* K = 4224 (33 x 128) is no whole number of 256-k segments: the 8-byte loads' segments
   * (128 k) from M = 9, and up to M = 8 the plain order, so that four words per lane (scales
   * before the mma) remain in the list. */
  bitblas_matmul_config eight_bytes = two_bit;
  eight_bytes.K = 4224;
  ck_assert_int_eq(bb_config_weight_order(&eight_bytes), 2);
  c = count_tcgemv(&eight_bytes);
  ck_assert_int_eq(c.order[2], c.all);
  bitblas_matmul_config odd_k = eight_bytes;
  odd_k.M = 1;
  ck_assert_int_eq(bb_config_weight_order(&odd_k), 0);
  c = count_tcgemv(&odd_k);
  ck_assert_int_eq(c.order[0], c.all);
  bitblas_matmul_config four_bit =
      bb_test_scaled_config(16, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  c = count_tcgemv(&four_bit);
  ck_assert_int_ge(c.all, 6);
  ck_assert_int_eq(c.order[2], c.all);
  /* M = 1 and 8: stored traded too, with the deeper pipelines. */
  const int64_t small_m[] = {1, 8};
  for (int i = 0; i < 2; i++) {
    const bitblas_matmul_config small =
        bb_test_scaled_config(small_m[i], 4096, 4096, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE);
    c = count_tcgemv(&small);
    ck_assert_int_eq(c.order[2], c.all);
    ck_assert_int_gt(c.deep, 0);
  }
  /* The same configs as buckets of a dynamic operator: plain weights. */
  one_bit.dynamic_m = two_bit.dynamic_m = four_bit.dynamic_m = 1;
  c = count_tcgemv(&one_bit);
  ck_assert_int_eq(c.order[1], c.all); /* every variant fits: one group per row */
  c = count_tcgemv(&two_bit);
  ck_assert_int_eq(c.order[1], c.all); /* every variant fits: two groups per 64-byte segment */
  c = count_tcgemv(&four_bit);
  ck_assert_int_eq(c.order[0], c.all);
  bitblas_matmul_config one_row = one_bit;
  one_row.M = 1;
  c = count_tcgemv(&one_row);
  ck_assert_int_eq(c.order[0], c.all);
  ck_assert_int_gt(c.deep, 0);
  /* M = 17 (four m tiles), static: plain weights, shuffled words. */
  const bitblas_matmul_config wide =
      bb_test_scaled_config(17, 4096, 4096, BITBLAS_DTYPE_UINT2, -1, BITBLAS_ZEROS_NONE);
  c = count_tcgemv(&wide);
  ck_assert_int_gt(c.all, 0);
  ck_assert_int_eq(c.order[1], c.all);
  ck_assert_int_eq(c.deep, 0);
  /* int8 activations keep their own family and never trade words. */
  bitblas_matmul_config int8 =
      bb_test_scaled_config(16, 4096, 4096, BITBLAS_DTYPE_INT2, -1, BITBLAS_ZEROS_NONE);
  int8.A_dtype = BITBLAS_DTYPE_INT8;
  int8.accum_dtype = BITBLAS_DTYPE_INT32;
  int8.zeros_mode = BITBLAS_ZEROS_NONE;
  ck_assert_int_eq(bitblas_matmul_config_validate(&int8), BITBLAS_OK);
  ck_assert_int_eq(bb_config_weight_order(&int8), 0);
  bb_schedule int8_schedules[BB_MAX_CANDIDATES];
  const int int8_count = bb_candidates_enumerate(&int8, int8_schedules);
  for (int i = 0; i < int8_count; i++) ck_assert_int_eq(int8_schedules[i].lane_order, 0);
  /* Traded-word texts parse back to the same schedules. */
  one_bit.dynamic_m = 0;
  int families[BB_FAMILY_COUNT] = {0};
  round_trip_candidates(&one_bit, families);
  ck_assert_int_gt(families[BB_FAMILY_TCGEMV], 0);

  /* Compiles: stored traded (1 and 2 bits at M = 16, 16 and 8 bytes per lane), the plain bucket
   * at M = 1 (every tcgemv of it, loaded order), and words traded by shuffles (M = 17). */
  two_bit.dynamic_m = 0;
  const bitblas_matmul_config *compiled_configs[] = {&one_bit, &two_bit, &one_row, &wide,
                                                     &eight_bytes};
  for (int t = 0; t < 5; t++) {
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(compiled_configs[t], schedules);
    char *sources[BB_MAX_CANDIDATES] = {0};
    int compiles = 0;
    for (int i = 0; i < count; i++)
      if (schedules[i].family == BB_FAMILY_TCGEMV && (schedules[i].lane_order || t == 2))
        sources[compiles++] = bb_emit_source(compiled_configs[t], &schedules[i], BB_FAULT_NONE);
    ck_assert_int_gt(compiles, 0);
    for (int arch = 80; arch <= 90; arch += 10) {
      bb_compiled compiled[BB_MAX_CANDIDATES];
      ck_assert_int_eq(bb_compile_all(sources, compiles, arch, compiled), BITBLAS_OK);
      for (int i = 0; i < compiles; i++)
        ck_assert_msg(compiled[i].status == BITBLAS_OK, "sm_%d: %s", arch, compiled[i].message);
      bb_compiled_free(compiled, compiles);
    }
    for (int i = 0; i < compiles; i++) free(sources[i]);
  }
}
END_TEST

/* The kernel template refuses, at compile time, schedules that do not fit the config: K not
 * whole segments, a group not whole lanes' k, a group not whole segments with scales after the
 * mma in the loaded order, and with traded words a group neither whole segments nor whole words
 * of the four lanes (4-bit codes: 32 k). (Traded words with one word per lane have a guard too,
 * but no schedule text with them parses.) */
/* The source of schedule `text` for cfg fails to compile for sm_90 with `error` in the log. */
static void assert_template_refuses(const bitblas_matmul_config *cfg, const char *text,
                                    const char *error) {
  bb_schedule schedule;
  ck_assert_int_eq(bb_schedule_parse(text, &schedule), BITBLAS_OK);
  char *source = bb_emit_source(cfg, &schedule, BB_FAULT_NONE);
  ck_assert_ptr_nonnull(source);
  bb_compiled compiled[1];
  ck_assert_int_eq(bb_compile_all(&source, 1, 90, compiled), BITBLAS_OK);
  ck_assert_int_eq(compiled[0].status, BITBLAS_COMPILE_FAILED);
  ck_assert_msg(strstr(compiled[0].message, error) != NULL, "%s: %s", text, compiled[0].message);
  bb_compiled_free(compiled, 1);
  free(source);
}

START_TEST(test_template_guards_misfits) {
  const struct {
    int64_t K, group;
    int words, post, order;
    const char *error;
  } misfits[] = {
      {4096 + 64, -1, 4, 0, 0, "K must be whole segments"},
      {4096, 64, 4, 1, 0, "whole segments per group"},
      {4096, 16, 4, 0, 2, "whole groups of 4 lanes' words"},
      {4096, 16, 4, 1, 1, "whole groups of 4 lanes' words"},
      {4096, 16, 4, 0, 0, "whole lanes' k"},
  };
  for (size_t i = 0; i < sizeof misfits / sizeof misfits[0]; i++) {
    bitblas_matmul_config cfg = bb_test_scaled_config(16, 256, misfits[i].K, BITBLAS_DTYPE_UINT4,
                                                      misfits[i].group, BITBLAS_ZEROS_NONE);
    cfg.dynamic_m = 1; /* the plain layout: the list would offer none of these */
    char text[160];
    snprintf(text, sizeof text,
             "tcgemv warps=4 n_tiles=1 m_tiles=2 unroll=1 words=%d post=%d stages=2 order=%d",
             misfits[i].words, misfits[i].post, misfits[i].order);
    assert_template_refuses(&cfg, text, misfits[i].error);
  }
}
END_TEST

/* mma schedules may set their tiles of A (" stages=N", 2 to 4). Tiles past 48 KiB take dynamic
 * shared memory, exactly their bytes, which the emitter hands the kernel and the launch gives;
 * the template refuses any other size, and more than BB_MMA_SHARED_MAX. Every mma candidate fits
 * BB_MMA_SHARED_MAX, and at M = 256 some take dynamic shared memory, with float16 and with int8
 * activations. */
START_TEST(test_mma_shared_tiles) {
  bb_schedule s;
  ck_assert_int_eq(bb_schedule_parse("mma bm=128 bn=128 bk=64 warps=2x4 stages=3", &s), BITBLAS_OK);
  ck_assert_int_eq(s.stages, 3);
  char text[128];
  bb_schedule_format(&s, text, sizeof text);
  ck_assert_str_eq(text, "mma bm=128 bn=128 bk=64 warps=2x4 stages=3");
  ck_assert_int_eq(bb_schedule_parse("mma bm=64 bn=64 bk=64 warps=2x2", &s), BITBLAS_OK);
  ck_assert_int_eq(s.stages, 0);
  bb_schedule_format(&s, text, sizeof text);
  ck_assert_str_eq(text, "mma bm=64 bn=64 bk=64 warps=2x2");
  static const char *const refused[] = {
      "mma bm=64 bn=64 bk=64 warps=2x2 stages=1", "mma bm=64 bn=64 bk=64 warps=2x2 stages=5",
      "mma bm=64 bn=64 bk=64 warps=2x2 stages=3 x", "mma bm=64 bn=64 bk=64 warps=2x2 depth=3",
      "mma bm=64 bn=64 bk=64 warps=2x2 stages="};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    ck_assert_int_eq(bb_schedule_parse(refused[i], &s), BITBLAS_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "not a known schedule text"));
  }

  bitblas_matmul_config cfg =
      bb_test_scaled_config(256, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  /* rows of 64 float16 activations and 16 bytes of padding: 144 bytes */
  ck_assert_int_eq(bb_schedule_parse("mma bm=128 bn=128 bk=64 warps=2x4 stages=3", &s), BITBLAS_OK);
  ck_assert_uint_eq(bb_mma_shared_bytes(&s, &cfg, 3), (3 * 128 + 2 * 128) * 144);
  ck_assert_uint_eq(bb_schedule_dynamic_shared(&s, &cfg), 92160);
  char *source = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
  ck_assert_ptr_nonnull(source);
  ck_assert_ptr_nonnull(strstr(source, "#define BB_A_STAGES 3\n"));
  ck_assert_ptr_nonnull(strstr(source, "#define BB_DYNAMIC_SHARED 92160\n"));
  free(source);
  /* within 48 KiB with its stages set, or with them left to the kernel: static */
  ck_assert_int_eq(bb_schedule_parse("mma bm=64 bn=64 bk=32 warps=2x2 stages=2", &s), BITBLAS_OK);
  ck_assert_uint_eq(bb_schedule_dynamic_shared(&s, &cfg), 0);
  source = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
  ck_assert_ptr_nonnull(strstr(source, "#define BB_A_STAGES 2\n"));
  ck_assert_ptr_null(strstr(source, "#define BB_DYNAMIC_SHARED"));
  free(source);
  ck_assert_int_eq(bb_schedule_parse("mma bm=128 bn=128 bk=64 warps=2x4", &s), BITBLAS_OK);
  ck_assert_uint_eq(bb_schedule_dynamic_shared(&s, &cfg), 0);

  /* The template's guards: a size other than the tiles', and tiles past 96 KiB. */
  ck_assert_int_eq(bb_schedule_parse("mma bm=128 bn=128 bk=64 warps=2x4 stages=3", &s), BITBLAS_OK);
  source = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
  char *size = strstr(source, "#define BB_DYNAMIC_SHARED 92160");
  ck_assert_ptr_nonnull(size);
  memcpy(size + strlen("#define BB_DYNAMIC_SHARED "), "92176", 5);
  bb_compiled compiled[1];
  ck_assert_int_eq(bb_compile_all(&source, 1, 90, compiled), BITBLAS_OK);
  ck_assert_int_eq(compiled[0].status, BITBLAS_COMPILE_FAILED);
  ck_assert_msg(strstr(compiled[0].message, "must be the tiles' bytes") != NULL, "%s",
                compiled[0].message);
  bb_compiled_free(compiled, 1);
  free(source);
  assert_template_refuses(&cfg, "mma bm=128 bn=256 bk=64 warps=2x4 stages=4",
                          "at most 96 KiB of shared memory");

  bitblas_matmul_config int8 = cfg;
  int8.A_dtype = BITBLAS_DTYPE_INT8;
  int8.W_dtype = BITBLAS_DTYPE_INT2;
  int8.accum_dtype = BITBLAS_DTYPE_INT32;
  int8.out_dtype = BITBLAS_DTYPE_INT32;
  int8.with_scaling = 0;
  int8.zeros_mode = BITBLAS_ZEROS_NONE;
  ck_assert_int_eq(bitblas_matmul_config_validate(&int8), BITBLAS_OK);
  const bitblas_matmul_config *configs[] = {&cfg, &int8};
  for (size_t c = 0; c < 2; c++) {
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(configs[c], schedules);
    int dynamic = 0;
    for (int i = 0; i < count; i++) {
      if (schedules[i].family != BB_FAMILY_MMA) continue;
      const int stages = schedules[i].stages ? schedules[i].stages : 2;
      ck_assert_uint_le(bb_mma_shared_bytes(&schedules[i], configs[c], stages), BB_MMA_SHARED_MAX);
      dynamic += bb_schedule_dynamic_shared(&schedules[i], configs[c]) > 0;
    }
    ck_assert_int_ge(dynamic, 2);
  }
}
END_TEST

/* The wgmma family (sm_90 only): its schedule text, its shared memory (always dynamic), its place
 * in the candidate list of sm_90 and its absence from every other one, and every candidate of it
 * compiling for sm_90 (sm_90a) across formats, awkward shapes and int8 activations, but not for
 * sm_80. */
START_TEST(test_wgmma_candidates) {
  bb_schedule s;
  ck_assert_int_eq(bb_schedule_parse("wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3", &s),
                   BITBLAS_OK);
  ck_assert_int_eq(s.family, BB_FAMILY_WGMMA);
  ck_assert_int_eq(bb_schedule_threads(&s), 256);
  char text[128];
  bb_schedule_format(&s, text, sizeof text);
  ck_assert_str_eq(text, "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3");
  static const char *const refused[] = {
      "wgmma bm=96 bn=256 bk=64 groups=2x1 stages=3", /* 64 rows per warpgroup */
      "wgmma bm=64 bn=100 bk=64 groups=1x3 stages=3", /* columns shared equally */
      "wgmma bm=64 bn=128 bk=64 groups=1x1 stages=5", /* 2 to 4 stages */
      "wgmma bm=64 bn=128 bk=64 groups=1x1 stages=3 x", "wgmma bm=64 bn=128 bk=64 groups=1x1"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    ck_assert_msg(bb_schedule_parse(refused[i], &s) == BITBLAS_INVALID_ARGUMENT, "%s", refused[i]);
    ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "not a known schedule text"));
  }

  const bitblas_matmul_config cfg =
      bb_test_scaled_config(256, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  ck_assert_int_eq(bb_schedule_parse("wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3", &s),
                   BITBLAS_OK);
  /* unpadded rows of 64 float16 activations: 128 bytes */
  ck_assert_uint_eq(bb_wgmma_shared_bytes(&s, &cfg), (3 * 128 + 2 * 256) * 128);
  ck_assert_uint_eq(bb_schedule_dynamic_shared(&s, &cfg), 114688);
  char *source = bb_emit_source(&cfg, &s, BB_FAULT_NONE);
  ck_assert_ptr_nonnull(source);
  ck_assert_ptr_nonnull(strstr(source, "#define BB_GROUPS_M 2\n#define BB_GROUPS_N 1\n"));
  ck_assert_ptr_nonnull(strstr(source, "#define BB_A_STAGES 3\n"));
  ck_assert_ptr_nonnull(strstr(source, "#define BB_DYNAMIC_SHARED 114688\n"));
  ck_assert_ptr_nonnull(strstr(source, "tile_units.cuh - units of W"));
  /* sm_80 has no wgmma: the template says so rather than compiling something else */
  bb_compiled compiled[BB_MAX_CANDIDATES];
  ck_assert_int_eq(bb_compile_all(&source, 1, 80, compiled), BITBLAS_OK);
  ck_assert_int_eq(compiled[0].status, BITBLAS_COMPILE_FAILED);
  ck_assert_msg(strstr(compiled[0].message, "needs sm_90a") != NULL, "%s", compiled[0].message);
  bb_compiled_free(compiled, 1);
  free(source);

  bitblas_matmul_config bf16_nf4 =
      bb_test_scaled_config(1000, 2880, 3584, BITBLAS_DTYPE_NF4, 128, BITBLAS_ZEROS_NONE);
  bf16_nf4.A_dtype = BITBLAS_DTYPE_BFLOAT16;
  bf16_nf4.out_dtype = BITBLAS_DTYPE_BFLOAT16;
  bitblas_matmul_config fp8 =
      bb_test_scaled_config(48, 7392, 3584, BITBLAS_DTYPE_FLOAT8_E4M3, 128, BITBLAS_ZEROS_NONE);
  bitblas_matmul_config one_bit =
      bb_test_scaled_config(100, 2880, 1000, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE);
  bitblas_matmul_config quantized_zeros =
      bb_test_scaled_config(256, 1000, 1024, BITBLAS_DTYPE_UINT2, 64, BITBLAS_ZEROS_QUANTIZED);
  quantized_zeros.with_bias = 1;
  bitblas_matmul_config int8_uint8 =
      bb_test_scaled_config(1000, 2880, 2560, BITBLAS_DTYPE_UINT8, -1, BITBLAS_ZEROS_NONE);
  int8_uint8.A_dtype = BITBLAS_DTYPE_INT8;
  int8_uint8.accum_dtype = BITBLAS_DTYPE_INT32;
  bitblas_matmul_config bitnet;
  bitblas_bitnet_config_init(&bitnet, 2880, 2560);
  bitnet.dynamic_m = 0;
  bitnet.M = 256;
  bitnet.with_bias = 1;
  const bitblas_matmul_config int8 = int8_codes_config(8192, 4096, 4096);
  const bitblas_matmul_config *configs[] = {
      &cfg, &bf16_nf4, &fp8, &one_bit, &quantized_zeros, &int8_uint8, &bitnet, &int8};
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    ck_assert_int_eq(bitblas_matmul_config_validate(configs[c]), BITBLAS_OK);
    ck_assert(bb_wgmma_fits(configs[c]));
    bb_schedule base[BB_MAX_CANDIDATES], sm80[BB_MAX_CANDIDATES], sm90[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(configs[c], base);
    /* other devices: the list every device runs, as it was */
    ck_assert_int_eq(bb_candidates_enumerate_for(configs[c], 80, sm80), count);
    ck_assert_int_eq(bb_candidates_enumerate_for(configs[c], 89, sm80), count);
    ck_assert(memcmp(base, sm80, (size_t)count * sizeof base[0]) == 0);
    /* sm_90: that list, then wgmma tiles no taller than twice M */
    const int total = bb_candidates_enumerate_for(configs[c], 90, sm90);
    ck_assert(memcmp(base, sm90, (size_t)count * sizeof base[0]) == 0);
    ck_assert_int_eq(total - count, configs[c]->M > 128 ? 3 : configs[c]->M > 64 ? 2 : 1);
    char *sources[BB_MAX_CANDIDATES] = {0};
    for (int i = count; i < total; i++) {
      ck_assert_int_eq(sm90[i].family, BB_FAMILY_WGMMA);
      ck_assert_int_lt(sm90[i].block_m / 2, configs[c]->M);
      ck_assert_uint_le(bb_wgmma_shared_bytes(&sm90[i], configs[c]), BB_WGMMA_SHARED_MAX);
      sources[i - count] = bb_emit_source(configs[c], &sm90[i], BB_FAULT_NONE);
      ck_assert_ptr_nonnull(sources[i - count]);
    }
    static const int sm90_only[] = {90};
    compile_for_archs(sources, total - count, sm90_only, 1);
  }

  /* Not offered: M <= 32 (the tensor-core gemvs' batches), plain float weights, and int8
   * activations where K is not whole 16-byte vectors. */
  bitblas_matmul_config small = cfg;
  small.M = 32;
  bitblas_matmul_config plain = cfg;
  plain.W_dtype = BITBLAS_DTYPE_FLOAT16;
  plain.with_scaling = 0;
  plain.zeros_mode = BITBLAS_ZEROS_NONE;
  plain.group_size = -1;
  bitblas_matmul_config int8_odd_k = int8_codes_config(256, 4096, 1000);
  const bitblas_matmul_config *without[] = {&small, &plain, &int8_odd_k};
  for (size_t c = 0; c < sizeof without / sizeof without[0]; c++) {
    ck_assert_int_eq(bitblas_matmul_config_validate(without[c]), BITBLAS_OK);
    bb_schedule base[BB_MAX_CANDIDATES], sm90[BB_MAX_CANDIDATES];
    ck_assert_int_eq(bb_candidates_enumerate_for(without[c], 90, sm90),
                     bb_candidates_enumerate(without[c], base));
  }
  ck_assert(!bb_wgmma_fits(&plain));
  ck_assert(!bb_wgmma_fits(&int8_odd_k));
}
END_TEST

/* The tcgemv candidates of cfg in schedules (room for BB_MAX_CANDIDATES), each checked to take
 * scales before the mma, without given sums, and in the order the weights are stored in (traded
 * words, lane order 2, where bb_config_weight_order; else the loaded order); returns their
 * count. */
static int tensor_gemvs_scaled_before(const bitblas_matmul_config *cfg, bb_schedule *schedules) {
  const int count = bb_candidates_enumerate(cfg, schedules);
  int tensor = 0;
  for (int i = 0; i < count; i++) {
    if (schedules[i].family != BB_FAMILY_TCGEMV) continue;
    tensor++;
    ck_assert_int_eq(schedules[i].post_scale, 0);
    ck_assert_int_eq(schedules[i].lane_order, bb_config_weight_order(cfg) ? 2 : 0);
    ck_assert_int_eq(schedules[i].given_sums, 0);
  }
  return tensor;
}

/* Codes that stand for values (NF4, FP4, float8 e4m3 and e5m2) with float16 activations get
 * tensor-core gemv candidates from M = 1 to 64, every one with scales before the mma and without
 * given sums (the template refuses scales after the mma for them), NF4 in groups of 64 up to
 * M = 16 in the traded order; with bfloat16 activations too (test_bfloat16_candidates). */
START_TEST(test_value_codes_candidates) {
  const bitblas_dtype codes[] = {BITBLAS_DTYPE_NF4, BITBLAS_DTYPE_FP4_E2M1,
                                 BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT8_E5M2};
  const int64_t sizes_m[] = {1, 4, 16, 64};
  for (size_t w = 0; w < sizeof codes / sizeof codes[0]; w++)
    for (size_t m = 0; m < sizeof sizes_m / sizeof sizes_m[0]; m++) {
      bitblas_matmul_config cfg =
          bb_test_scaled_config(sizes_m[m], 8192, 8192, codes[w], 64, BITBLAS_ZEROS_NONE);
      bb_schedule schedules[BB_MAX_CANDIDATES];
      const int tensor = tensor_gemvs_scaled_before(&cfg, schedules);
      ck_assert_msg(tensor >= 4, "W %d M %lld: %d tcgemv candidates", (int)codes[w],
                    (long long)sizes_m[m], tensor);
      ck_assert_int_eq(schedules[0].family, BB_FAMILY_TCGEMV); /* the default */
      /* 2 words per lane: whole segments per group of 64 (64 k of 4-bit codes, 32 k of 8-bit
       * ones), which the other guards accept */
      assert_template_refuses(&cfg,
                              "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=2 post=1 "
                              "stages=2 order=0",
                              "take scales before the mma");
    }
}
END_TEST

/* bfloat16 activations with 1-, 2-, 4- and 8-bit integer codes and with NF4, FP4 and float8
 * codes get tensor-core gemv candidates from M = 1 to 64, every one with scales before the mma
 * and without given sums, in the plain order but for NF4 and FP4 in groups of 128 up to M = 16
 * (traded). The template refuses scales after the mma for them. */
START_TEST(test_bfloat16_candidates) {
  const bitblas_dtype codes[] = {
      BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_INT2,        BITBLAS_DTYPE_UINT1,
      BITBLAS_DTYPE_NF4,   BITBLAS_DTYPE_FP4_E2M1,    BITBLAS_DTYPE_UINT8,
      BITBLAS_DTYPE_INT8,  BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT8_E5M2};
  const int64_t sizes_m[] = {1, 4, 16, 64};
  for (size_t w = 0; w < sizeof codes / sizeof codes[0]; w++)
    for (size_t m = 0; m < sizeof sizes_m / sizeof sizes_m[0]; m++) {
      const int one_bit = codes[w] == BITBLAS_DTYPE_UINT1;
      bitblas_matmul_config cfg =
          bb_test_scaled_config(sizes_m[m], 8192, 8192, codes[w], one_bit ? -1 : 128,
                                one_bit ? BITBLAS_ZEROS_NONE : BITBLAS_ZEROS_ORIGINAL);
      cfg.A_dtype = cfg.out_dtype = BITBLAS_DTYPE_BFLOAT16;
      ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
      bb_schedule schedules[BB_MAX_CANDIDATES];
      const int tensor = tensor_gemvs_scaled_before(&cfg, schedules);
      ck_assert_msg(tensor >= 4, "W %d M %lld: %d tcgemv candidates", (int)codes[w],
                    (long long)sizes_m[m], tensor);
      ck_assert_int_eq(schedules[0].family, BB_FAMILY_TCGEMV); /* the default */
      /* 2 words per lane: segments of 32 (8-bit), 64 (4-bit), 128 (2-bit) or 256 k (1-bit, one
       * group per row) lie inside a group, which the other guards accept */
      assert_template_refuses(&cfg,
                              "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=2 post=1 "
                              "stages=2 order=0",
                              "scales before the mma");
    }
}
END_TEST

/* Each of `tails` after "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 " is refused as a
 * schedule text, with a message that quotes it. */
static void assert_tcgemv_tails_refused(const char *const *tails, size_t count) {
  for (size_t i = 0; i < count; i++) {
    char text[160];
    bb_schedule parsed;
    snprintf(text, sizeof text, "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 %s", tails[i]);
    ck_assert_msg(bb_schedule_parse(text, &parsed) == BITBLAS_INVALID_ARGUMENT, "%s", text);
    ck_assert_ptr_nonnull(strstr(bitblas_last_error(), tails[i]));
  }
}

/* A twin: `untwinned` (the twin with its option cleared) is `plain`, the twin's text shows
 * `option`, and the text parses back to the twin. */
static void assert_twin(const bb_schedule *twin, const bb_schedule *untwinned,
                        const bb_schedule *plain, const char *option) {
  ck_assert(memcmp(untwinned, plain, sizeof *plain) == 0);
  char text[160];
  bb_schedule_format(twin, text, sizeof text);
  ck_assert_ptr_nonnull(strstr(text, option));
  bb_schedule parsed;
  ck_assert_int_eq(bb_schedule_parse(text, &parsed), BITBLAS_OK);
  ck_assert(memcmp(&parsed, twin, sizeof parsed) == 0);
}

/* Given sums (the activations' sums per group from bitblas_act_sums, before the product): a
 * twin of each tcgemv candidate that may take them (scales after the mma, groups shorter than
 * the row, zeros or signed codes) for codes of at most 2 bits where N x K >= 8192 x 8192, the
 * same schedule but for given_sums, after the plain tcgemv ones; its source asks for them and its
 * cubin holds the sums kernel, for sm_80 and sm_90. None for 4-bit codes, a smaller layer, unsigned
 * codes without zeros, one group per row, or where no candidate scales after the mma. Their text
 * round-trips, and the template refuses them where they do not fit. */
START_TEST(test_given_sums_twins) {
  const struct {
    int64_t M, N, K;
    bitblas_dtype codes;
    int64_t group;
    bitblas_zeros_mode zeros;
    int twins; /* expected: 1 some, 0 none */
  } cases[] = {
      {16, 8192, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL, 1},
      {1, 57344, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL, 1},
      {4, 8192, 28672, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_NONE, 1},
      {17, 8192, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_RESCALE, 1},
      {16, 8192, 8192, BITBLAS_DTYPE_UINT1, 512, BITBLAS_ZEROS_QUANTIZED, 1},
      /* 1-bit codes in groups of 128: no candidate scales after the mma */
      {16, 8192, 8192, BITBLAS_DTYPE_UINT1, 128, BITBLAS_ZEROS_QUANTIZED, 0},
      {16, 8192, 8192, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL, 0},
      {16, 8191, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL, 0},
      {16, 8192, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_NONE, 0},
      {16, 8192, 8192, BITBLAS_DTYPE_INT2, -1, BITBLAS_ZEROS_NONE, 0},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = bb_test_scaled_config(
        cases[c].M, cases[c].N, cases[c].K, cases[c].codes, cases[c].group, cases[c].zeros);
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, schedules);
    ck_assert_int_lt(count, BB_MAX_CANDIDATES); /* none left out for want of room */
    ck_assert_int_eq(schedules[0].given_sums, 0);
    int fitting = 0, twins = 0;
    char *sources[BB_MAX_CANDIDATES] = {0};
    for (int i = 0; i < count; i++) {
      const bb_schedule *s = &schedules[i];
      if (!s->given_sums) {
        /* the twins come after every plain tcgemv candidate (the other families follow) */
        if (s->family == BB_FAMILY_TCGEMV) ck_assert_int_eq(twins, 0);
        fitting += bb_tcgemv_given_sums_fit(&cfg, s);
        continue;
      }
      ck_assert(bb_tcgemv_given_sums_fit(&cfg, s));
      /* the twin of the twins-th fitting plain candidate */
      int seen = -1, plain = -1;
      for (int j = 0; j < i && seen < twins; j++)
        if (!schedules[j].given_sums && bb_tcgemv_given_sums_fit(&cfg, &schedules[j]))
          seen++, plain = j;
      ck_assert_int_ge(plain, 0);
      bb_schedule untwinned = *s;
      untwinned.given_sums = 0;
      assert_twin(s, &untwinned, &schedules[plain], " sums=given");
      /* one of each case's twins is compiled (the last), to keep the test short */
      if (i == count - 1 || !schedules[i + 1].given_sums) {
        sources[0] = bb_emit_source(&cfg, s, BB_FAULT_NONE);
        ck_assert_ptr_nonnull(strstr(sources[0], "#define BB_GIVEN_SUMS 1\n"));
      }
      twins++;
    }
    ck_assert_msg(cases[c].twins ? twins == fitting && twins > 0 : twins == 0,
                  "case %zu: %d twins of %d fitting candidates", c, twins, fitting);
    if (sources[0]) {
      const int archs[] = {80, 90};
      for (size_t a = 0; a < 2; a++) {
        bb_compiled compiled[1];
        ck_assert_int_eq(bb_compile_all(sources, 1, archs[a], compiled), BITBLAS_OK);
        ck_assert_msg(compiled[0].status == BITBLAS_OK, "case %zu sm_%d: %s", c, archs[a],
                      compiled[0].message);
        ck_assert(cubin_names(&compiled[0], BB_ACT_SUMS_NAME));
        bb_compiled_free(compiled, 1);
      }
      free(sources[0]);
    }
  }
  /* Text: " sums=given" after the order and before a bound on blocks; scales after the mma. */
  bb_schedule parsed;
  ck_assert_int_eq(bb_schedule_parse("tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 "
                                     "stages=2 order=2 sums=given blocks=4",
                                     &parsed),
                   BITBLAS_OK);
  ck_assert_int_eq(parsed.given_sums, 1);
  ck_assert_int_eq(parsed.min_blocks, 4);
  static const char *const bad[] = {
      "post=0 stages=2 order=2 sums=given",   "post=1 stages=2 order=2 sums=mma",
      "post=1 stages=2 order=2 sums=given x", "post=1 stages=2 order=2 blocks=4 sums=given",
      "post=1 stages=2 order=2 sums=",        "post=1 stages=2 order=2  sums=given"};
  assert_tcgemv_tails_refused(bad, sizeof bad / sizeof bad[0]);
  /* The template refuses given sums where weights need none, or groups span the row. */
  const struct {
    bitblas_dtype codes;
    int64_t group;
    bitblas_zeros_mode zeros;
    const char *error;
  } misfits[] = {
      {BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_NONE, "a format whose weights need none"},
      {BITBLAS_DTYPE_INT2, -1, BITBLAS_ZEROS_NONE, "groups shorter than the row"},
  };
  for (size_t i = 0; i < sizeof misfits / sizeof misfits[0]; i++) {
    const bitblas_matmul_config cfg =
        bb_test_scaled_config(16, 256, 4096, misfits[i].codes, misfits[i].group, misfits[i].zeros);
    assert_template_refuses(&cfg,
                            "tcgemv warps=4 n_tiles=1 m_tiles=2 unroll=1 words=4 post=1 stages=2 "
                            "order=2 sums=given",
                            misfits[i].error);
  }
}
END_TEST

/* Shared pairs (4-bit table codes looked up two at a time in a table of their values in shared
 * memory): a twin of every tcgemv candidate of NF4 and FP4 codes, float16 and bfloat16
 * activations, traded and plain orders, M = 1 and 16; the same schedule but for shared_pairs,
 * after every other tcgemv candidate; its source asks for the table, and one twin per config
 * compiles for sm_80 and sm_90. None for integer or float8 codes. Their text round-trips (with a
 * bound on blocks after it), and the template refuses the table for codes that index none. */
START_TEST(test_shared_pairs_twins) {
  const struct {
    int64_t M;
    bitblas_dtype codes, activations;
    int64_t group;
    int twins; /* expected: 1 some, 0 none */
  } cases[] = {
      {1, BITBLAS_DTYPE_NF4, BITBLAS_DTYPE_FLOAT16, 64, 1},
      {16, BITBLAS_DTYPE_NF4, BITBLAS_DTYPE_BFLOAT16, 64, 1},
      {1, BITBLAS_DTYPE_FP4_E2M1, BITBLAS_DTYPE_FLOAT16, 32, 1},
      {17, BITBLAS_DTYPE_FP4_E2M1, BITBLAS_DTYPE_BFLOAT16, 128, 1},
      {1, BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_FLOAT16, 128, 0},
      {16, BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT16, -1, 0},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bitblas_matmul_config cfg = bb_test_scaled_config(cases[c].M, 4096, 4096, cases[c].codes,
                                                      cases[c].group, BITBLAS_ZEROS_NONE);
    cfg.A_dtype = cfg.out_dtype = cases[c].activations;
    ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, schedules);
    ck_assert_int_lt(count, BB_MAX_CANDIDATES); /* none left out for want of room */
    ck_assert_int_eq(schedules[0].shared_pairs, 0);
    int plain = 0, twins = 0, last_twin = -1;
    for (int i = 0; i < count; i++) {
      const bb_schedule *s = &schedules[i];
      if (!s->shared_pairs) {
        if (s->family != BB_FAMILY_TCGEMV) continue;
        ck_assert_int_eq(twins, 0); /* the twins come after every plain tcgemv candidate */
        plain++;
        continue;
      }
      /* the twin of the twins-th tcgemv candidate */
      bb_schedule untwinned = *s;
      untwinned.shared_pairs = 0;
      assert_twin(s, &untwinned, &schedules[twins], " pairs=shared");
      twins++;
      last_twin = i;
    }
    ck_assert_msg(cases[c].twins ? twins == plain && twins > 0 : twins == 0,
                  "case %zu: %d twins of %d tcgemv candidates", c, twins, plain);
    if (!twins) continue;
    char *source = bb_emit_source(&cfg, &schedules[last_twin], BB_FAULT_NONE);
    ck_assert_ptr_nonnull(strstr(source, "#define BB_SHARED_PAIRS 1\n"));
    compile_for_both_archs(&source, 1);
  }
  /* Text: " pairs=shared" after " sums=given" and before a bound on blocks; scales before the
   * mma. */
  bb_schedule parsed;
  ck_assert_int_eq(bb_schedule_parse("tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 "
                                     "stages=2 order=2 pairs=shared blocks=4",
                                     &parsed),
                   BITBLAS_OK);
  ck_assert_int_eq(parsed.shared_pairs, 1);
  ck_assert_int_eq(parsed.min_blocks, 4);
  char text[160];
  bb_schedule_format(&parsed, text, sizeof text);
  ck_assert_str_eq(text, "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 "
                         "order=2 pairs=shared blocks=4");
  static const char *const bad[] = {
      "post=1 stages=2 order=2 pairs=shared", "post=0 stages=2 order=2 pairs=registers",
      "post=0 stages=2 order=2 pairs=shared x", "post=0 stages=2 order=2 blocks=4 pairs=shared",
      "post=1 stages=2 order=2 pairs=shared sums=given"};
  assert_tcgemv_tails_refused(bad, sizeof bad / sizeof bad[0]);
  /* The template refuses the table for codes that index none. */
  const bitblas_matmul_config integer =
      bb_test_scaled_config(16, 256, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  assert_template_refuses(&integer,
                          "tcgemv warps=4 n_tiles=1 m_tiles=2 unroll=1 words=4 post=0 stages=2 "
                          "order=2 pairs=shared",
                          "for 4-bit table codes");
}
END_TEST

/* The one-kernel BitNet layer: tcgemv_int8 modules of configs that quantize rows hold it where
 * a row is at least 32 loads of x; bitblas_bitnet_run takes it while the blocks along N, all
 * together, write at most 1.25 MiB of codes (m rows of K + 16 bytes each) and a block's rows of
 * codes fit its shared memory. */
START_TEST(test_one_kernel_layer_rule) {
  bb_schedule one_tile, two_tiles, two_m_tiles, gemv;
  ck_assert_int_eq(bb_schedule_parse("tcgemv_int8 warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 "
                                     "stages=2",
                                     &one_tile),
                   BITBLAS_OK);
  ck_assert_int_eq(bb_schedule_parse("tcgemv_int8 warps=16 n_tiles=2 m_tiles=1 unroll=1 words=4 "
                                     "stages=2",
                                     &two_tiles),
                   BITBLAS_OK);
  ck_assert_int_eq(bb_schedule_parse("tcgemv_int8 warps=8 n_tiles=2 m_tiles=2 unroll=1 words=2 "
                                     "stages=2",
                                     &two_m_tiles),
                   BITBLAS_OK);
  ck_assert_int_eq(bb_schedule_parse("gemv warps=4 rows=1 m_tile=1 unroll=2 chunk=64", &gemv),
                   BITBLAS_OK);
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, 3840, 2560);
  ck_assert(bb_fused_layer_in_module(&one_tile, &cfg));
  ck_assert(!bb_fused_layer_in_module(&gemv, &cfg));
  ck_assert_uint_eq(bb_fused_layer_shared_bytes(&two_tiles, &cfg, 1), 2576);
  ck_assert_uint_eq(bb_fused_layer_shared_bytes(&two_tiles, &cfg, 16), 8 * 2576);
  ck_assert_uint_eq(bb_fused_layer_shared_bytes(&two_m_tiles, &cfg, 16), 16 * 2576);
  /* 120 blocks of 32 rows: 4 rows make 120 x 4 x 2576 = 1236480 bytes, 5 rows more than 1.25 MiB */
  ck_assert(bb_fused_layer_fits(&two_tiles, &cfg, 1));
  ck_assert(bb_fused_layer_fits(&two_tiles, &cfg, 4));
  ck_assert(!bb_fused_layer_fits(&two_tiles, &cfg, 5));
  ck_assert(bb_fused_layer_can_run(&two_tiles, &cfg, 5)); /* runs when asked for */
  ck_assert(!bb_fused_layer_can_run(&gemv, &cfg, 1));
  ck_assert(!bb_fused_layer_fits(&one_tile, &cfg, 4)); /* 240 blocks */
  ck_assert(!bb_fused_layer_fits(&gemv, &cfg, 1));
  cfg.N = 13824; /* 864 blocks of 16 rows */
  ck_assert(!bb_fused_layer_fits(&one_tile, &cfg, 1));
  cfg.N = 2560;
  cfg.K = 6912; /* 160 blocks: 1108480 bytes at m = 1 */
  ck_assert(bb_fused_layer_fits(&one_tile, &cfg, 1));
  ck_assert(!bb_fused_layer_fits(&one_tile, &cfg, 2));
  cfg.N = 16;
  cfg.K = 28672; /* one block, but 16 rows of codes take more shared memory than it is given */
  ck_assert(bb_fused_layer_fits(&two_m_tiles, &cfg, 3));
  ck_assert(!bb_fused_layer_fits(&two_m_tiles, &cfg, 16));
  ck_assert(bb_fused_layer_can_run(&two_m_tiles, &cfg, 3));
  ck_assert(!bb_fused_layer_can_run(&two_m_tiles, &cfg, 16));
  ck_assert_uint_gt(bb_fused_layer_shared_bytes(&two_m_tiles, &cfg, 16), BB_FUSED_LAYER_SHARED_MAX);
  cfg.K = 128; /* 16 loads of 16-bit x per row; float32 x: 32 */
  ck_assert(!bb_fused_layer_in_module(&one_tile, &cfg));
  cfg.out_dtype = BITBLAS_DTYPE_FLOAT32;
  ck_assert(bb_fused_layer_in_module(&one_tile, &cfg));
  cfg.out_dtype = BITBLAS_DTYPE_INT32; /* no quantizer */
  ck_assert(!bb_fused_layer_in_module(&one_tile, &cfg));

  /* K = 128: tcgemv_int8 candidates, but no one-kernel layer in their modules. */
  bitblas_bitnet_config_init(&cfg, 1000, 128);
  cfg.dynamic_m = 0;
  cfg.M = 1;
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(&cfg, schedules);
  int checked = 0;
  for (int i = 0; i < count; i++) {
    if (schedules[i].family != BB_FAMILY_TCGEMV_INT8) continue;
    char *source = bb_emit_source(&cfg, &schedules[i], BB_FAULT_NONE);
    ck_assert_ptr_nonnull(source);
    bb_compiled compiled;
    ck_assert_int_eq(bb_compile_all(&source, 1, 90, &compiled), BITBLAS_OK);
    ck_assert_msg(compiled.status == BITBLAS_OK, "%s", compiled.message);
    ck_assert(!bb_fused_layer_in_module(&schedules[i], &cfg));
    ck_assert(!cubin_names(&compiled, BB_FUSED_LAYER_NAME));
    ck_assert(cubin_names(&compiled, BB_ROW_QUANTIZER_NAME));
    bb_compiled_free(&compiled, 1);
    free(source);
    checked++;
  }
  ck_assert_int_gt(checked, 0);
}
END_TEST

/* The product that follows the row quantizer is its programmatic dependent on compute capability
 * 9.0 and later, unless it is a tile of the mma or wgmma family; never before 9.0. Dependent runs
 * follow the same rule where they are on, and are on only for BITBLAS_DEPENDENT_LAUNCH=1. */
START_TEST(test_dependent_launch_rule) {
  static const char *const texts[] = {
      "gemv warps=4 rows=1 m_tile=1 unroll=2 chunk=64",
      "tcgemv_int8 warps=8 n_tiles=1 m_tiles=4 unroll=2 words=2 stages=2",
      "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=0",
      "mma bm=128 bn=64 bk=64 warps=4x1",
      "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=3",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    bb_schedule schedule;
    ck_assert_int_eq(bb_schedule_parse(texts[i], &schedule), BITBLAS_OK);
    const int tile = schedule.family == BB_FAMILY_MMA || schedule.family == BB_FAMILY_WGMMA;
    ck_assert_int_eq(bb_launch_follows_quantizer(9, &schedule), !tile);
    ck_assert_int_eq(bb_launch_follows_quantizer(10, &schedule), !tile);
    ck_assert_int_eq(bb_launch_follows_quantizer(8, &schedule), 0);
    ck_assert_int_eq(bb_launch_runs_dependent(1, 9, &schedule), !tile);
    ck_assert_int_eq(bb_launch_runs_dependent(1, 10, &schedule), !tile);
    ck_assert_int_eq(bb_launch_runs_dependent(1, 8, &schedule), 0);
    ck_assert_int_eq(bb_launch_runs_dependent(0, 9, &schedule), 0);
  }
  ck_assert_int_eq(bb_dependent_launch_setting("1"), 1);
  const char *const off[] = {NULL, "", "0", "yes", "10", " 1"};
  for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
    ck_assert_int_eq(bb_dependent_launch_setting(off[i]), 0);
}
END_TEST

/* With dependent runs, every family's kernels (the BitNet layer's quantizer and one-kernel layer,
 * and the given-sums pair, included) carry BB_DEPENDENT_LAUNCH and compile for sm_80 and sm_90
 * (wgmma: for sm_90, the only device it is offered on); without, the sources are those of the
 * plain setting. The two settings have their own cache rows: the source hashes differ. */
START_TEST(test_dependent_launch_sources) {
  bitblas_matmul_config bitnet;
  bitblas_bitnet_config_init(&bitnet, 2880, 2560);
  bitnet.dynamic_m = 0;
  bitnet.M = 4;
  const bitblas_matmul_config configs[] = {
      bb_test_scaled_config(1, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL),
      bb_test_scaled_config(16, 8192, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL),
      bb_test_scaled_config(256, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL),
      bitnet,
  };
  int families[BB_FAMILY_COUNT] = {0}, given_sums = 0;
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    ck_assert_int_eq(bitblas_matmul_config_validate(&configs[c]), BITBLAS_OK);
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&configs[c], schedules);
    char *sources[BB_MAX_CANDIDATES] = {0};
    int picked = 0;
    for (int i = 0; i < count; i++) {
      /* the first candidate of each family in this config, and the first given-sums twin */
      int first = 1;
      for (int j = 0; j < i; j++)
        first &= schedules[j].family != schedules[i].family ||
                 schedules[j].given_sums != schedules[i].given_sums;
      if (!first) continue;
      families[schedules[i].family]++;
      given_sums += schedules[i].given_sums;
      char *plain = bb_emit_source_for(&configs[c], &schedules[i], BB_FAULT_NONE, 0);
      sources[picked] = bb_emit_source_for(&configs[c], &schedules[i], BB_FAULT_NONE, 1);
      ck_assert_ptr_nonnull(plain);
      ck_assert_ptr_nonnull(sources[picked]);
      ck_assert_ptr_null(strstr(plain, "#define BB_DEPENDENT_LAUNCH 1\n"));
      ck_assert_ptr_nonnull(strstr(sources[picked], "#define BB_DEPENDENT_LAUNCH 1\n"));
      free(plain);
      picked++;
    }
    compile_for_both_archs(sources, picked);
  }
  bb_schedule sm90[BB_MAX_CANDIDATES];
  const int total = bb_candidates_enumerate_for(&configs[2], 90, sm90);
  ck_assert_int_eq(sm90[total - 1].family, BB_FAMILY_WGMMA);
  char *wgmma_source = bb_emit_source_for(&configs[2], &sm90[total - 1], BB_FAULT_NONE, 1);
  ck_assert_ptr_nonnull(wgmma_source);
  ck_assert_ptr_nonnull(strstr(wgmma_source, "#define BB_DEPENDENT_LAUNCH 1\n"));
  static const int sm90_only[] = {90};
  compile_for_archs(&wgmma_source, 1, sm90_only, 1);
  families[BB_FAMILY_WGMMA]++;
  for (int f = 0; f < BB_FAMILY_COUNT; f++) ck_assert_msg(families[f] > 0, "family %d untried", f);
  ck_assert_int_gt(given_sums, 0);
  char plain_hash[17], dependent_hash[17];
  bb_source_hash_for(0, plain_hash);
  bb_source_hash_for(1, dependent_hash);
  ck_assert_str_ne(plain_hash, dependent_hash);
  ck_assert_str_eq(bb_source_hash(), bb_dependent_launch_enabled() ? dependent_hash : plain_hash);
}
END_TEST

/* Compiles started in a given order still land at their own index, and the cost that orders
 * them follows the unrolled work. */
START_TEST(test_compile_order_keeps_indices) {
  char *sources[3] = {
      strdup("extern \"C\" __global__ void bitblas_kernel() {}"),
      strdup("extern \"C\" __global__ void bitblas_kernel() { first_undefined; }"),
      strdup("extern \"C\" __global__ void bitblas_kernel() { second_undefined; }")};
  const int order[3] = {2, 0, 1};
  bb_compiled compiled[3];
  ck_assert_int_eq(bb_compile_all_ordered(sources, 3, 90, order, compiled), BITBLAS_OK);
  ck_assert_int_eq(compiled[0].status, BITBLAS_OK);
  ck_assert_ptr_nonnull(strstr(compiled[1].message, "first_undefined"));
  ck_assert_ptr_nonnull(strstr(compiled[2].message, "second_undefined"));
  bb_compiled_free(compiled, 3);
  for (int i = 0; i < 3; i++) free(sources[i]);
  /* The cost that orders the worker's compiles grows with what NVRTC unrolls: per schedule of
   * a real list, doubling the unroll, the tiles or the words per lane raises it, and every
   * tcgemv costs more than every mma. */
  bitblas_matmul_config cfg =
      bb_test_scaled_config(1, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_NONE);
  cfg.dynamic_m = 1; /* plain weights: gemv and mma are in the list too */
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(&cfg, schedules);
  int checked = 0, cheapest_tcgemv = 1 << 30, dearest_mma = 0;
  for (int i = 0; i < count; i++) {
    const int cost = bb_schedule_compile_cost(&schedules[i]);
    if (schedules[i].family == BB_FAMILY_MMA && cost > dearest_mma) dearest_mma = cost;
    if (schedules[i].family != BB_FAMILY_TCGEMV) continue;
    if (cost < cheapest_tcgemv) cheapest_tcgemv = cost;
    bb_schedule more = schedules[i];
    more.unroll *= 2;
    ck_assert_int_gt(bb_schedule_compile_cost(&more), cost);
    more = schedules[i];
    more.n_tiles *= 2;
    ck_assert_int_gt(bb_schedule_compile_cost(&more), cost);
    more = schedules[i];
    more.lane_words *= 2;
    ck_assert_int_gt(bb_schedule_compile_cost(&more), cost);
    checked++;
  }
  ck_assert_int_gt(checked, 0);
  ck_assert_int_gt(cheapest_tcgemv, dearest_mma);
  /* The worker's start order: a permutation, costs never rising, ties in list order. */
  int start[BB_MAX_CANDIDATES], seen[BB_MAX_CANDIDATES] = {0};
  bb_schedules_compile_order(schedules, count, start);
  for (int i = 0; i < count; i++) {
    ck_assert_int_ge(start[i], 0);
    ck_assert_int_lt(start[i], count);
    ck_assert_int_eq(seen[start[i]]++, 0);
    if (i == 0) continue;
    const int before = bb_schedule_compile_cost(&schedules[start[i - 1]]);
    const int here = bb_schedule_compile_cost(&schedules[start[i]]);
    ck_assert_int_ge(before, here);
    if (before == here) ck_assert_int_lt(start[i - 1], start[i]);
  }
  ck_assert_int_gt(bb_schedule_compile_cost(&schedules[start[0]]),
                   bb_schedule_compile_cost(&schedules[start[count - 1]]));
}
END_TEST

/* Compiles `count` (at most 3) sources through memo for sm_<arch>, expects every one to compile,
 * and returns how many came from the memo. */
static int compile_through(bb_cubin_memo *memo, char *const *sources, int count, int arch) {
  bb_compiled compiled[3];
  int reused = -1;
  ck_assert_int_le(count, 3);
  ck_assert_int_eq(bb_compile_all_remembered(memo, sources, count, arch, NULL, compiled, &reused),
                   BITBLAS_OK);
  for (int i = 0; i < count; i++) ck_assert_int_eq(compiled[i].status, BITBLAS_OK);
  bb_compiled_free(compiled, count);
  return reused;
}

/* Through the worker's memo, a batch compiled before comes back without compiling: the same
 * cubins, byte for byte, for the same sources and arch, also when emitted for another M; a
 * source changed by one character, the same sources for another arch and a failed compile are
 * compiled again (failures are not remembered). */
START_TEST(test_compile_remembered) {
  bitblas_matmul_config cfg =
      bb_test_scaled_config(16, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(&cfg, schedules);
  ck_assert_int_ge(count, 3);
  char *sources[3];
  for (int i = 0; i < 2; i++) sources[i] = bb_emit_source(&cfg, &schedules[i], BB_FAULT_NONE);
  sources[2] = strdup("extern \"C\" __global__ void bitblas_kernel() { undefined_name; }");
  bb_cubin_memo *memo = bb_cubin_memo_create((size_t)64 << 20);
  bb_compiled first[3], again[3];
  int reused = -1;
  ck_assert_int_eq(bb_compile_all_remembered(memo, sources, 3, 90, NULL, first, &reused),
                   BITBLAS_OK);
  ck_assert_int_eq(reused, 0);
  ck_assert_int_eq(first[0].status, BITBLAS_OK);
  ck_assert_int_eq(first[1].status, BITBLAS_OK);
  ck_assert_int_eq(first[2].status, BITBLAS_COMPILE_FAILED);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 2);
  const int order[3] = {2, 1, 0};
  ck_assert_int_eq(bb_compile_all_remembered(memo, sources, 3, 90, order, again, &reused),
                   BITBLAS_OK);
  ck_assert_int_eq(reused, 2);
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(again[i].status, BITBLAS_OK);
    ck_assert_uint_eq(again[i].cubin_size, first[i].cubin_size);
    ck_assert_int_eq(memcmp(again[i].cubin, first[i].cubin, first[i].cubin_size), 0);
    ck_assert_ptr_ne(again[i].cubin, first[i].cubin); /* each batch owns its cubins */
  }
  ck_assert_int_eq(again[2].status, BITBLAS_COMPILE_FAILED);
  ck_assert_ptr_nonnull(strstr(again[2].message, "undefined_name"));
  bb_compiled_free(again, 3);
  /* Kernels take m at run time: another M with the same weight order (as a dynamic operator's
   * buckets all have) emits the same sources, which the memo hands back. */
  bitblas_matmul_config other_m = cfg;
  other_m.M = 12;
  ck_assert_int_eq(bb_config_weight_order(&other_m), bb_config_weight_order(&cfg));
  char *other_sources[2];
  for (int i = 0; i < 2; i++) {
    other_sources[i] = bb_emit_source(&other_m, &schedules[i], BB_FAULT_NONE);
    ck_assert_str_eq(other_sources[i], sources[i]);
  }
  ck_assert_int_eq(compile_through(memo, other_sources, 2, 90), 2);
  for (int i = 0; i < 2; i++) free(other_sources[i]);
  /* one character more: compiled, and remembered beside the first */
  char *changed = malloc(strlen(sources[0]) + 2);
  sprintf(changed, "%s\n", sources[0]);
  ck_assert_int_eq(compile_through(memo, &changed, 1, 90), 0);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 3);
  /* another arch */
  ck_assert_int_eq(compile_through(memo, sources, 2, 80), 0);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 5);
  /* no memo: everything compiles */
  ck_assert_int_eq(compile_through(NULL, sources, 2, 90), 0);
  bb_compiled_free(first, 3);
  bb_cubin_memo_destroy(memo);
  free(changed);
  for (int i = 0; i < 3; i++) free(sources[i]);
}
END_TEST

int main(void) {
  if (bb_nvrtc_load() != BITBLAS_OK) {
    fprintf(stderr, "SKIP: %s\n", bitblas_last_error());
    return BB_TEST_SKIP;
  }
  Suite *suite = suite_create("kernel_sources");
  TCase *tc = tcase_create("nvrtc");
  tcase_set_timeout(tc, 1200);
  tcase_add_test(tc, test_every_candidate_compiles);
  tcase_add_test(tc, test_row_quantizer_rides_with_int8_operators);
  tcase_add_test(tc, test_one_kernel_layer_rule);
  tcase_add_test(tc, test_fault_injection_compiles);
  tcase_add_test(tc, test_compile_error_reports_log);
  tcase_add_test(tc, test_schedule_text_round_trip);
  tcase_add_test(tc, test_lane_order_and_depth);
  tcase_add_test(tc, test_tall_row_blocks);
  tcase_add_test(tc, test_two_warp_blocks);
  tcase_add_test(tc, test_full_sm_blocks);
  tcase_add_test(tc, test_template_guards_misfits);
  tcase_add_test(tc, test_mma_shared_tiles);
  tcase_add_test(tc, test_wgmma_candidates);
  tcase_add_test(tc, test_value_codes_candidates);
  tcase_add_test(tc, test_bfloat16_candidates);
  tcase_add_test(tc, test_given_sums_twins);
  tcase_add_test(tc, test_shared_pairs_twins);
  tcase_add_test(tc, test_dependent_launch_rule);
  tcase_add_test(tc, test_dependent_launch_sources);
  tcase_add_test(tc, test_compile_order_keeps_indices);
  tcase_add_test(tc, test_compile_remembered);
  suite_add_tcase(suite, tc);
  return bb_test_run_suite(suite);
}
