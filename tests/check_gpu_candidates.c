/*
 * check_gpu_candidates.c - every candidate of every kernel family, compiled and run in this
 * process on fresh random data, must match the float64 reference and write each output once,
 * over the core shape matrix: M 1..1000, N 1..4096, K 128..7168, group -1/128, zeros none/original,
 * bias on/off, uint4 and int4 weights; 1- and 2-bit rows of 28672 k with one group per row;
 * groups of 120 k; rows of 64 groups and more (the scale table's asynchronous copy); traded
 * words (stored traded for 1-, 2- and 4-bit codes at M = 1, 9, 13, 16, 16 and 8 bytes per lane,
 * traded by shuffles at M = 17; every zeros mode); segments of two groups; and a dynamic
 * operator's plain buckets at M = 1 and 16; blocks of 48 and 64 rows at M = 5-8, traded and
 * plain; blocks of 2 warps at M = 9-16; the tiled mma family where K is not whole k steps, and
 * with int8 activations for every integer weight format and output; given activation sums (a
 * kernel of their own before the product, with a workspace); the BitNet layer's other
 * kernels in a module checked by the measurement (a wrong row quantizer or one-kernel layer is
 * caught); one measurement retargeted from bucket to bucket, and timing that stops early; bias
 * with partial last blocks; the stream hold the timing runs behind; NF4, FP4 and float8 codes
 * through the tensor-core families, and every float8 code's float16 in the kernels' decoder.
 * GPU suite: exits 77 without a device.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "half.h"
#include "measure.h"
#include "gpu_support.h"
#include "schedule.h"
#include "stream_hold.h"
#include "test_support.h"
#include "weight_order.h"

static const int64_t sizes_m[] = {1, 3, 16, 17, 128, 1000};
static const int64_t sizes_n[] = {1, 8, 2880, 4096};
static const int64_t sizes_k[] = {128, 4096, 7168};

/* Replaces the first `from` in source (malloc'd) by `to`, in place; the test fails if absent. */
static char *replaced(char *source, const char *from, const char *to) {
  char *at = strstr(source, from);
  ck_assert_msg(at != NULL, "\"%s\" is not in the kernel source", from);
  const size_t before = (size_t)(at - source), from_length = strlen(from), to_length = strlen(to);
  char *out = malloc(strlen(source) - from_length + to_length + 1);
  ck_assert_ptr_nonnull(out);
  memcpy(out, source, before);
  memcpy(out + before, to, to_length);
  strcpy(out + before + to_length, at + from_length);
  free(source);
  return out;
}

/* Checks `count` schedules of cfg on `measure` (made for cfg, or retargeted to it), timing each
 * over `timed_runs` runs with bb_measure_candidate's `give_up_above_us`, each source as emitted
 * or, where `from` is not NULL, with its first `from` replaced by `to`; returns the number that
 * failed, printing each. */
static int check_rewritten_schedules_on(bb_measure *measure, const bitblas_matmul_config *cfg,
                                        const bb_schedule *schedules, int count, int timed_runs,
                                        double give_up_above_us, const char *from, const char *to) {
  char *sources[BB_MAX_CANDIDATES] = {0};
  for (int i = 0; i < count; i++) {
    sources[i] = bb_emit_source(cfg, &schedules[i], BB_FAULT_NONE);
    if (from) sources[i] = replaced(sources[i], from, to);
  }
  bb_compiled compiled[BB_MAX_CANDIDATES];
  ck_assert_int_eq(bb_compile_all(sources, count, bb_test_gpu_arch(), compiled), BITBLAS_OK);
  char text[512];
  bitblas_matmul_config_describe(cfg, text, sizeof text);
  int failures = 0;
  for (int i = 0; i < count; i++) {
    char schedule[128], message[512] = "";
    bb_schedule_format(&schedules[i], schedule, sizeof schedule);
    bb_candidate_outcome outcome = BB_CANDIDATE_COMPILE_FAILED;
    double us = 0;
    if (compiled[i].status == BITBLAS_OK)
      outcome = bb_measure_candidate(measure, compiled[i].cubin, &schedules[i], timed_runs,
                                     give_up_above_us, &us, message, sizeof message);
    else
      snprintf(message, sizeof message, "%.400s", compiled[i].message);
    if (outcome == BB_CANDIDATE_OK && !(us > 0)) {
      outcome = BB_CANDIDATE_WRONG;
      snprintf(message, sizeof message, "timed at %g us", us);
    }
    if (outcome != BB_CANDIDATE_OK) {
      failures++;
      fprintf(stderr, "FAIL %s | %s: %s %s\n", text, schedule, bb_candidate_outcome_name(outcome),
              message);
    }
    ck_assert_msg(outcome != BB_CANDIDATE_CRASHED, "candidate crashed; stopping: %s", message);
    free(sources[i]);
  }
  bb_compiled_free(compiled, count);
  return failures;
}

/* check_rewritten_schedules_on with every source as emitted. */
static int check_schedules_on(bb_measure *measure, const bitblas_matmul_config *cfg,
                              const bb_schedule *schedules, int count, int timed_runs,
                              double give_up_above_us) {
  return check_rewritten_schedules_on(measure, cfg, schedules, count, timed_runs, give_up_above_us,
                                      NULL, NULL);
}

/* check_schedules_on for every candidate of cfg on this device (the wgmma family too on sm_90). */
static int check_candidates_on(bb_measure *measure, const bitblas_matmul_config *cfg,
                               int timed_runs, double give_up_above_us) {
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate_for(cfg, bb_test_gpu_arch(), schedules);
  return check_schedules_on(measure, cfg, schedules, count, timed_runs, give_up_above_us);
}

static bb_measure *measure_for(const bitblas_matmul_config *cfg) {
  bb_measure *measure = NULL;
  ck_assert_msg(bb_measure_create(bb_test_cu(), cfg, 50 << 20, &measure) == BITBLAS_OK, "%s",
                bitblas_last_error());
  return measure;
}

/* Checks every candidate of cfg on a measurement of its own (one run each); returns the number
 * that failed. */
static int check_all_candidates(const bitblas_matmul_config *cfg) {
  bb_measure *measure = measure_for(cfg);
  const int failures = check_candidates_on(measure, cfg, 1, 0);
  bb_measure_destroy(measure);
  return failures;
}

/* One config of a case table: bb_test_scaled_config's arguments. */
typedef struct scaled_case {
  int64_t M, N, K;
  bitblas_dtype W_dtype;
  int64_t group;
  bitblas_zeros_mode zeros;
} scaled_case;

static bitblas_matmul_config scaled_case_config(const scaled_case *c) {
  return bb_test_scaled_config(c->M, c->N, c->K, c->W_dtype, c->group, c->zeros);
}

/* A case's config as a static operator's, or as a dynamic operator's bucket (plain weights). */
static bitblas_matmul_config bucket_case_config(const scaled_case *c, int dynamic) {
  bitblas_matmul_config cfg = scaled_case_config(c);
  cfg.dynamic_m = dynamic;
  return cfg;
}

/* How many of cfg's candidates on this device `wanted(schedule, arg)` picks. */
static int count_candidates(const bitblas_matmul_config *cfg,
                            int (*wanted)(const bb_schedule *s, int arg), int arg) {
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate_for(cfg, bb_test_gpu_arch(), schedules);
  int picked = 0;
  for (int i = 0; i < count; i++) picked += wanted(&schedules[i], arg) != 0;
  return picked;
}

static int tcgemv_with_n_tiles(const bb_schedule *s, int n_tiles) {
  return s->family == BB_FAMILY_TCGEMV && s->n_tiles == n_tiles;
}

static int tcgemv_with_warps(const bb_schedule *s, int warps) {
  return s->family == BB_FAMILY_TCGEMV && s->warps == warps;
}

static int of_family(const bb_schedule *s, int family) { return (int)s->family == family; }

static int with_given_sums(const bb_schedule *s, int given) { return s->given_sums == given; }

static int with_shared_pairs(const bb_schedule *s, int shared) {
  return s->family == BB_FAMILY_TCGEMV && s->shared_pairs == shared;
}

/* Checks every candidate of cfg, case c of a table, which must include at least two tcgemv ones;
 * returns the number that failed. */
static int check_tensor_gemv_case(const bitblas_matmul_config *cfg, size_t c) {
  const int tensor = count_candidates(cfg, of_family, BB_FAMILY_TCGEMV);
  ck_assert_msg(tensor >= 2, "case %zu: %d tcgemv candidates", c, tensor);
  return check_all_candidates(cfg);
}

/* Checks every candidate of each case; returns the number that failed. */
static int check_cases(const scaled_case *cases, size_t count) {
  int failures = 0;
  for (size_t c = 0; c < count; c++) {
    const bitblas_matmul_config cfg = scaled_case_config(&cases[c]);
    failures += check_all_candidates(&cfg);
  }
  return failures;
}

START_TEST(test_core_shape_matrix) {
  int index = 0, failures = 0, configs = 0;
  for (size_t mi = 0; mi < sizeof sizes_m / sizeof sizes_m[0]; mi++) {
    for (size_t ni = 0; ni < sizeof sizes_n / sizeof sizes_n[0]; ni++) {
      for (size_t ki = 0; ki < sizeof sizes_k / sizeof sizes_k[0]; ki++, index++) {
        bitblas_matmul_config cfg;
        bitblas_matmul_config_init(&cfg);
        cfg.M = sizes_m[mi];
        cfg.N = sizes_n[ni];
        cfg.K = sizes_k[ki];
        /* Walk the other four two-valued factors so that every pair of values meets. */
        cfg.group_size = (index & 1) ? 128 : -1;
        cfg.zeros_mode = (index >> 1) & 1 ? BITBLAS_ZEROS_ORIGINAL : BITBLAS_ZEROS_NONE;
        cfg.with_bias = (index >> 2) & 1;
        cfg.W_dtype = ((index + (index >> 3)) & 1) ? BITBLAS_DTYPE_INT4 : BITBLAS_DTYPE_UINT4;
        cfg.with_scaling = 1;
        ck_assert_msg(bitblas_matmul_config_validate(&cfg) == BITBLAS_OK, "%s",
                      bitblas_last_error());
        /* On sm_90 the wgmma family is among them from M = 33. */
        if (bb_test_gpu_arch() == 90 && cfg.M > 32)
          ck_assert_int_ge(count_candidates(&cfg, of_family, BB_FAMILY_WGMMA), 1);
        failures += check_all_candidates(&cfg);
        configs++;
      }
    }
  }
  fprintf(stderr, "core shape matrix: %d configs, %d failing candidates\n", configs, failures);
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Given sums (sums=given: bitblas_act_sums into a workspace of the run, then the product, as
 * bitblas_op_run enqueues them): every candidate that may take them, made to, on layers the
 * list does not offer them for: N of 1, 5, 1000 and 2880, M of 1, 3, 13, 16, 17 and 64 (1, 2 and
 * 4 tiles of rows, rows past M), 1-, 2- and 4-bit codes, every zeros mode and signed codes,
 * groups of 64 (two per segment), 128 and 512, weights stored traded and plain (a dynamic
 * operator's bucket). And every candidate of a layer the list offers them for, twins included. */
START_TEST(test_given_sums) {
  static const struct {
    scaled_case config;
    int dynamic;
  } cases[] = {
      {{1, 2880, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL}, 0},
      {{3, 1000, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL}, 0},
      {{17, 1, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_RESCALE}, 0},
      {{13, 5, 2048, BITBLAS_DTYPE_INT4, 128, BITBLAS_ZEROS_NONE}, 0},
      {{16, 2880, 4096, BITBLAS_DTYPE_UINT1, 512, BITBLAS_ZEROS_QUANTIZED}, 0},
      {{16, 1000, 4096, BITBLAS_DTYPE_UINT4, 64, BITBLAS_ZEROS_ORIGINAL}, 0},
      {{64, 2880, 4096, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_NONE}, 0},
      {{16, 2880, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL}, 1},
  };
  int failures = 0, made = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = bucket_case_config(&cases[c].config, cases[c].dynamic);
    bb_schedule listed[BB_MAX_CANDIDATES], twins[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, listed);
    int twin_count = 0;
    for (int i = 0; i < count; i++) {
      ck_assert_int_eq(listed[i].given_sums, 0); /* layers too small for the list's twins */
      if (!bb_tcgemv_given_sums_fit(&cfg, &listed[i])) continue;
      twins[twin_count] = listed[i];
      twins[twin_count++].given_sums = 1;
    }
    ck_assert_msg(twin_count > 0, "case %zu: no candidate may take given sums", c);
    made += twin_count;
    bb_measure *measure = measure_for(&cfg);
    failures += check_schedules_on(measure, &cfg, twins, twin_count, 1, 0);
    bb_measure_destroy(measure);
  }
  const bitblas_matmul_config listed =
      bb_test_scaled_config(16, 8192, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL);
  ck_assert_int_gt(count_candidates(&listed, with_given_sums, 1), 0);
  failures += check_all_candidates(&listed);
  fprintf(stderr, "given sums: %d schedules made to take them, %d failing\n", made, failures);
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Long rows of 1- and 2-bit codes with one group per row: the tensor-core gemvs that apply
 * scales after the mma sum biased codes, whose float32 sums must not lose the row's products
 * over 28672 k. */
START_TEST(test_long_rows_low_bits) {
  static const bitblas_dtype weights[] = {BITBLAS_DTYPE_UINT1, BITBLAS_DTYPE_UINT2};
  static const int64_t sizes_m_long[] = {1, 16};
  int failures = 0;
  for (size_t wi = 0; wi < sizeof weights / sizeof weights[0]; wi++) {
    for (size_t mi = 0; mi < sizeof sizes_m_long / sizeof sizes_m_long[0]; mi++) {
      const bitblas_matmul_config cfg =
          bb_test_scaled_config(sizes_m_long[mi], 256, 28672, weights[wi], -1,
                                wi ? BITBLAS_ZEROS_ORIGINAL : BITBLAS_ZEROS_NONE);
      failures += check_all_candidates(&cfg);
    }
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Groups of 120 k of 4-bit codes (K = 2880): only 4-byte lane loads fit a whole number of lanes
 * into a group, which is the one shape of the tensor-core gemv that loads them. */
START_TEST(test_groups_of_120) {
  static const int64_t sizes_m_awkward[] = {1, 16};
  int failures = 0, four_byte_candidates = 0;
  for (size_t mi = 0; mi < sizeof sizes_m_awkward / sizeof sizes_m_awkward[0]; mi++) {
    const bitblas_matmul_config cfg = bb_test_scaled_config(
        sizes_m_awkward[mi], 2880, 2880, BITBLAS_DTYPE_UINT4, 120, BITBLAS_ZEROS_ORIGINAL);
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, schedules);
    for (int i = 0; i < count; i++)
      four_byte_candidates +=
          schedules[i].family == BB_FAMILY_TCGEMV && schedules[i].lane_words == 1;
    failures += check_all_candidates(&cfg);
  }
  ck_assert_int_gt(four_byte_candidates, 0);
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Traded words: stored traded (lane order 2, static M up to 16: 1-, 2- and 4-bit codes; 16 and,
 * where K = 4224 fits no 256-k segment, 8 bytes per lane) and traded by shuffles (lane order 1,
 * M = 17); N of 5, 72, 1000, 1003 and 2880 rows;
 * signed and unsigned codes, one group per row and groups of 128, every zeros mode, rows of A
 * not a multiple of 8. Every candidate runs on weights uploaded in the order the config's
 * kernels read. */
START_TEST(test_traded_words) {
  static const struct {
    scaled_case config;
    int order;
  } cases[] = {
      {{16, 1003, 4096, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 2},
      {{9, 72, 7168, BITBLAS_DTYPE_INT1, -1, BITBLAS_ZEROS_RESCALE}, 2},
      {{17, 2880, 4096, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_ORIGINAL}, 1},
      {{16, 1000, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_QUANTIZED}, 2},
      /* K = 4224: 8 bytes per lane */
      {{16, 1000, 4224, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL}, 2},
      {{1, 1003, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL}, 2},
      {{13, 5, 2048, BITBLAS_DTYPE_INT4, 128, BITBLAS_ZEROS_RESCALE}, 2},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = scaled_case_config(&cases[c].config);
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, schedules);
    int traded = 0;
    for (int i = 0; i < count; i++) traded += schedules[i].lane_order == cases[c].order;
    ck_assert_int_gt(traded, 0);
    failures += check_all_candidates(&cfg);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Rows of at least 64 groups: the tensor-core gemvs copy the block's scales and float zeros into
 * shared memory with 16-byte asynchronous copies where the block's rows lie whole inside N (N
 * of 1003 and 2880 end in a block that does not: it takes the 2-byte loads), with one array
 * (no zeros) or two, groups of 64 and 128, K up to 16384. */
START_TEST(test_scale_table_copies) {
  static const scaled_case cases[] = {
      {1, 1003, 8192, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL},
      {16, 2880, 8192, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_RESCALE},
      {1, 512, 4096, BITBLAS_DTYPE_UINT4, 64, BITBLAS_ZEROS_NONE},
      {5, 256, 16384, BITBLAS_DTYPE_INT4, 128, BITBLAS_ZEROS_ORIGINAL},
  };
  ck_assert_int_eq(check_cases(cases, sizeof cases / sizeof cases[0]), 0);
}
END_TEST

/* A bias added to outputs of every float dtype, where the last block of rows is partial: N of
 * 1003 ends in a block of 11 rows (blocks of 16 and 32 rows), N = 8 in one of 8. float16,
 * float32 and bfloat16 outputs; every candidate, tensor-core gemvs among them. */
START_TEST(test_bias_partial_blocks) {
  static const scaled_case cases[] = {
      {1, 1003, 1024, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL},
      {16, 1003, 2048, BITBLAS_DTYPE_INT4, 128, BITBLAS_ZEROS_NONE},
      {3, 1003, 1024, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_RESCALE},
      {5, 8, 4096, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE},
  };
  static const bitblas_dtype outputs[] = {BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_FLOAT32,
                                          BITBLAS_DTYPE_BFLOAT16, BITBLAS_DTYPE_FLOAT16};
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bitblas_matmul_config cfg = scaled_case_config(&cases[c]);
    cfg.with_bias = 1;
    cfg.out_dtype = outputs[c]; /* float16 activations: the tensor-core gemv's */
    ck_assert_msg(bitblas_matmul_config_validate(&cfg) == BITBLAS_OK, "case %zu: %s", c,
                  bitblas_last_error());
    ck_assert_int_gt(count_candidates(&cfg, of_family, BB_FAMILY_TCGEMV), 0);
    failures += check_all_candidates(&cfg);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Segments of two groups: with traded words and 16 bytes per lane a segment may hold two whole
 * groups, and the kernels restart their sums, or change their dequantization, at the second.
 * 2-bit codes in groups of 128 (segments of 256 k), 4-bit codes in groups of 64 (128 k), 1-bit
 * codes in groups of 256 (512 k); scales from the block's table (2-byte loads and 16-byte
 * copies) and with the stages (quantized zeros); every zeros mode; stored traded (order 2) and,
 * at M = 17, traded by shuffles (order 1). Every config has candidates of both scaling places
 * whose segments hold two groups. */
START_TEST(test_groups_inside_segments) {
  static const scaled_case cases[] = {
      {1, 1003, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL},
      {1, 2880, 8192, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_RESCALE},
      {3, 72, 4096, BITBLAS_DTYPE_UINT4, 64, BITBLAS_ZEROS_QUANTIZED},
      {16, 520, 4096, BITBLAS_DTYPE_INT4, 64, BITBLAS_ZEROS_NONE},
      {1, 256, 4096, BITBLAS_DTYPE_UINT1, 256, BITBLAS_ZEROS_ORIGINAL},
      {8, 100, 2048, BITBLAS_DTYPE_INT1, 256, BITBLAS_ZEROS_NONE},
      {17, 2880, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_QUANTIZED},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = scaled_case_config(&cases[c]);
    const int bits = bitblas_dtype_bits(cfg.W_dtype);
    bb_schedule schedules[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, schedules);
    int split[2] = {0, 0}; /* candidates whose segments hold several groups, per post_scale */
    for (int i = 0; i < count; i++) {
      const bb_schedule *s = &schedules[i];
      const int64_t segment_k = 128 * (int64_t)s->lane_words / bits;
      if (s->family == BB_FAMILY_TCGEMV && s->lane_order && segment_k > cases[c].group)
        split[s->post_scale]++;
    }
    ck_assert_msg(split[0] > 0 && split[1] > 0, "case %zu: %d / %d candidates", c, split[0],
                  split[1]);
  }
  ck_assert_int_eq(check_cases(cases, sizeof cases / sizeof cases[0]), 0);
}
END_TEST

/* Blocks of 48 and 64 rows at M = 5-8 (offered where N >= 32768), and for 1-bit codes up to
 * M = 16 (where N >= 8192): N ending in a part of a block; 4-, 2- and 1-bit codes; groups of 32,
 * 128 and 256 and one per row; weights stored traded, and plain (groups of 32, and dynamic
 * operators' buckets of M = 8, 1 and 16). Every candidate of each config runs against the
 * reference, the tall ones among them. */
START_TEST(test_tall_blocks_small_m) {
  static const struct {
    scaled_case config;
    int dynamic;        /* 1: a dynamic operator's bucket (plain weights) */
    int rows48, rows64; /* tall candidates expected */
  } cases[] = {
      {{8, 32784, 512, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL}, 0, 1, 1},
      {{5, 32800, 1024, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_RESCALE}, 0, 1, 1},
      {{7, 32776, 1024, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 0, 1, 2},
      /* scales after the mma need whole segments per group: 64 rows only */
      {{6, 32784, 512, BITBLAS_DTYPE_UINT4, 32, BITBLAS_ZEROS_QUANTIZED}, 0, 0, 1},
      {{8, 32784, 512, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL}, 1, 1, 1},
      /* 1-bit codes up to M = 8: 64 rows of 4 warps, 48 of 8 (scales after the mma) */
      {{1, 8200, 1024, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 0, 1, 1},
      {{3, 10256, 2048, BITBLAS_DTYPE_UINT1, 256, BITBLAS_ZEROS_ORIGINAL}, 0, 1, 1},
      {{1, 8200, 1024, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 1, 1, 1},
      /* 1-bit codes from M = 9: 64 rows of 4 and 8 warps per variant, beside the wide 48-row
       * shapes, all with scales after the mma (one variant static, two for a dynamic bucket);
       * and the first variant's two blocks bound to 16 warps per SM, one of 48 rows and one of
       * 64 */
      {{16, 8200, 1024, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 0, 3, 3},
      {{13, 10256, 2048, BITBLAS_DTYPE_UINT1, 256, BITBLAS_ZEROS_ORIGINAL}, 0, 3, 3},
      {{16, 8200, 1024, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 1, 5, 5},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = bucket_case_config(&cases[c].config, cases[c].dynamic);
    const int rows48 = count_candidates(&cfg, tcgemv_with_n_tiles, 3);
    const int rows64 = count_candidates(&cfg, tcgemv_with_n_tiles, 4);
    ck_assert_msg(rows48 == cases[c].rows48 && rows64 == cases[c].rows64,
                  "case %zu: %d and %d tall candidates", c, rows48, rows64);
    failures += check_all_candidates(&cfg);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

static int tcgemv_bound_to_blocks(const bb_schedule *s, int unused) {
  (void)unused;
  return s->family == BB_FAMILY_TCGEMV && s->min_blocks > 0;
}

/* Blocks bound to 16 warps per SM (offered from M = 9 to 16 for 1- and 2-bit codes where N >=
 * 6144, two for the first variant): N ending in a part of a block, M no multiple of 8; groups of
 * 128 and 256 and one per row; weights stored traded, and plain (a dynamic operator's bucket of
 * M = 16). Every candidate of each config runs against the reference, the bound ones among them. */
START_TEST(test_full_sm_blocks) {
  static const struct {
    scaled_case config;
    int dynamic; /* 1: a dynamic operator's bucket (plain weights) */
  } cases[] = {
      {{16, 6160, 2048, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL}, 0},
      {{11, 8200, 1024, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 0},
      {{14, 6152, 2048, BITBLAS_DTYPE_INT1, 256, BITBLAS_ZEROS_RESCALE}, 0},
      {{16, 6160, 2048, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL}, 1},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = bucket_case_config(&cases[c].config, cases[c].dynamic);
    const int bound = count_candidates(&cfg, tcgemv_bound_to_blocks, 0);
    ck_assert_msg(bound == 2, "case %zu: %d candidates bound to blocks per SM", c, bound);
    failures += check_all_candidates(&cfg);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Blocks of 2 warps (offered from M = 9 to 16 where K <= 4096 and N >= 16384): N ending in a
 * part of a 48-row block, M no multiple of 8; 4-, 2- and 1-bit codes; groups of 128 and one per
 * row; weights stored traded, and plain (a dynamic operator's bucket of M = 16). Every
 * candidate of each config runs against the reference, the 2-warp ones among them. */
START_TEST(test_two_warp_blocks) {
  static const struct {
    scaled_case config;
    int dynamic; /* 1: a dynamic operator's bucket (plain weights) */
  } cases[] = {
      {{13, 16400, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL}, 0},
      {{16, 16424, 2048, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_RESCALE}, 0},
      {{9, 16392, 1024, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE}, 0},
      {{16, 16400, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL}, 1},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = bucket_case_config(&cases[c].config, cases[c].dynamic);
    /* one per variant: 1-bit codes with N >= 8192 have those with scales after the mma only */
    const int two_warps = count_candidates(&cfg, tcgemv_with_warps, 2);
    const int least = cases[c].config.W_dtype == BITBLAS_DTYPE_UINT1 ? 1 : 2;
    ck_assert_msg(two_warps >= least, "case %zu: %d candidates of 2 warps", c, two_warps);
    failures += check_all_candidates(&cfg);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Asserts that case c's config has at least two mma candidates, then runs every candidate of it
 * against the reference (check_all_candidates); returns the failures. */
static int check_mma_candidates(const bitblas_matmul_config *cfg, size_t c) {
  const int mma = count_candidates(cfg, of_family, BB_FAMILY_MMA);
  ck_assert_msg(mma >= 2, "case %zu: %d mma candidates", c, mma);
  return check_all_candidates(cfg);
}

/* The tiled mma family where K is not a whole number of its k steps (K = 1000 and 2888: part of
 * the last step lies past K and must read as zeros), with rows past M and N in the last tiles;
 * groups of 8 (a scale per 8-weight unit) and one per row; every zeros mode; 1-, 2-, 4- and
 * 8-bit integer codes, NF4, FP4 and float8 dequantized as pairs of A's type, float16 or
 * bfloat16. Every config has mma candidates, and every candidate runs against the reference. */
START_TEST(test_mma_partial_k_steps) {
  static const struct {
    scaled_case config;
    int bfloat16;
  } cases[] = {
      {{17, 72, 1000, BITBLAS_DTYPE_UINT4, 8, BITBLAS_ZEROS_ORIGINAL}, 0},
      {{128, 1003, 2888, BITBLAS_DTYPE_INT4, -1, BITBLAS_ZEROS_NONE}, 0},
      {{33, 200, 1000, BITBLAS_DTYPE_UINT2, 8, BITBLAS_ZEROS_QUANTIZED}, 0},
      {{100, 72, 2888, BITBLAS_DTYPE_INT1, -1, BITBLAS_ZEROS_RESCALE}, 0},
      {{40, 96, 2888, BITBLAS_DTYPE_UINT4, 8, BITBLAS_ZEROS_RESCALE}, 1},
      {{17, 72, 1000, BITBLAS_DTYPE_NF4, 8, BITBLAS_ZEROS_NONE}, 0},
      {{33, 200, 1000, BITBLAS_DTYPE_FP4_E2M1, 8, BITBLAS_ZEROS_ORIGINAL}, 1},
      {{33, 200, 1000, BITBLAS_DTYPE_UINT2, 8, BITBLAS_ZEROS_QUANTIZED}, 1},
      {{128, 1003, 2888, BITBLAS_DTYPE_INT4, -1, BITBLAS_ZEROS_NONE}, 1},
      {{100, 72, 2888, BITBLAS_DTYPE_INT1, -1, BITBLAS_ZEROS_RESCALE}, 1},
      {{17, 72, 1000, BITBLAS_DTYPE_NF4, 8, BITBLAS_ZEROS_NONE}, 1},
      {{33, 200, 2888, BITBLAS_DTYPE_FLOAT8_E4M3, -1, BITBLAS_ZEROS_NONE}, 1},
      {{40, 96, 1000, BITBLAS_DTYPE_FLOAT8_E5M2, 8, BITBLAS_ZEROS_ORIGINAL}, 1},
      {{40, 96, 1000, BITBLAS_DTYPE_UINT8, 8, BITBLAS_ZEROS_ORIGINAL}, 1},
      {{17, 72, 2888, BITBLAS_DTYPE_UINT8, 8, BITBLAS_ZEROS_QUANTIZED}, 0},
      {{33, 200, 1000, BITBLAS_DTYPE_INT8, -1, BITBLAS_ZEROS_NONE}, 0},
      {{128, 1003, 2888, BITBLAS_DTYPE_UINT8, -1, BITBLAS_ZEROS_RESCALE}, 0},
      {{100, 72, 2888, BITBLAS_DTYPE_INT8, 8, BITBLAS_ZEROS_RESCALE}, 1},
      {{33, 200, 1000, BITBLAS_DTYPE_UINT8, 8, BITBLAS_ZEROS_QUANTIZED}, 1},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bitblas_matmul_config cfg = scaled_case_config(&cases[c].config);
    if (cases[c].bfloat16) {
      cfg.A_dtype = cfg.out_dtype = BITBLAS_DTYPE_BFLOAT16;
      ck_assert_msg(bitblas_matmul_config_validate(&cfg) == BITBLAS_OK, "%s", bitblas_last_error());
    }
    failures += check_mma_candidates(&cfg, c);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Plain float16 and bfloat16 weights (A's type, unscaled) through the tiled mma family, which
 * stores them into its shared tiles as loaded: K not whole k steps (1000, 2888), rows past M and
 * N in the last tiles. Every config has mma candidates, and every candidate runs against the
 * reference. */
START_TEST(test_mma_plain_float_weights) {
  static const struct {
    int64_t M, N, K;
    bitblas_dtype type;
  } cases[] = {
      {17, 72, 1000, BITBLAS_DTYPE_FLOAT16},
      {128, 1003, 2888, BITBLAS_DTYPE_FLOAT16},
      {33, 200, 2888, BITBLAS_DTYPE_BFLOAT16},
      {100, 1003, 1000, BITBLAS_DTYPE_BFLOAT16},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bitblas_matmul_config cfg;
    bitblas_matmul_config_init(&cfg);
    cfg.M = cases[c].M;
    cfg.N = cases[c].N;
    cfg.K = cases[c].K;
    cfg.A_dtype = cfg.W_dtype = cfg.out_dtype = cases[c].type;
    cfg.with_scaling = 0;
    ck_assert_msg(bitblas_matmul_config_validate(&cfg) == BITBLAS_OK, "%s", bitblas_last_error());
    failures += check_mma_candidates(&cfg, c);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Codes that index a table (NF4, FP4) through the tensor-core gemv (float16 pairs looked up in
 * PRMTs, or two codes at a time in the shared table of pairs: each candidate both ways; scales
 * before the mma): M of 1, 3, 16 and 17 (one, two and four m tiles, rows past M); N of 1, 1000,
 * 2880 (rows past N in the last block) and 4096; groups of 32 (FP4's MX blocks), 64, 128 and one
 * per row; no zeros, original and rescaled zeros; K of 4096, 2880 (only narrower loads fit) and
 * 1024; weights in the traded order (M <= 16, NF4 here) and in the plain one. Every config has
 * tcgemv candidates, and every candidate runs against the reference. */
START_TEST(test_table_codes) {
  static const scaled_case cases[] = {
      {1, 2880, 4096, BITBLAS_DTYPE_NF4, 64, BITBLAS_ZEROS_NONE},
      {16, 1000, 4096, BITBLAS_DTYPE_FP4_E2M1, 32, BITBLAS_ZEROS_NONE},
      {3, 1, 4096, BITBLAS_DTYPE_NF4, 128, BITBLAS_ZEROS_ORIGINAL},
      {17, 2880, 2880, BITBLAS_DTYPE_FP4_E2M1, -1, BITBLAS_ZEROS_RESCALE},
      {16, 4096, 1024, BITBLAS_DTYPE_NF4, -1, BITBLAS_ZEROS_NONE},
  };
  int failures = 0;
  int traded = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = scaled_case_config(&cases[c]);
    const int shared = count_candidates(&cfg, with_shared_pairs, 1);
    ck_assert_msg(shared > 0 && shared == count_candidates(&cfg, with_shared_pairs, 0),
                  "case %zu: %d shared-pair twins", c, shared);
    traded += bb_config_weight_order(&cfg) != 0;
    failures += check_tensor_gemv_case(&cfg, c);
  }
  ck_assert_int_ge(traded, 2);
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* The line of kernel_src/common.cuh that picks how e4m3 codes become float16, and the same line
 * rewritten to the bit moves that GPUs before sm_89 take. */
static const char float8_convert_line[] = "#define BB_FLOAT8_CONVERT (__CUDA_ARCH__ >= 890)";
static const char float8_bit_moves_line[] = "#define BB_FLOAT8_CONVERT 0";

/* Float8 codes (e4m3, e5m2) through the tensor-core gemv and the tiled mma family as float16
 * pairs of their values, scales before the mma: M of 1, 3, 16, 17 and 128; N of 1, 1000, 2880
 * and 4096; one scale per row, groups of 64 and 128; no zeros, original and rescaled zeros; K of
 * 4096, 2880, 2048 and 1024. Every config up to M = 64 has tcgemv candidates, and every candidate
 * runs against the reference; for e4m3 the tensor-core candidates also run with the bit moves in
 * place of the hardware conversion. */
START_TEST(test_float8_codes) {
  static const scaled_case cases[] = {
      {1, 2880, 4096, BITBLAS_DTYPE_FLOAT8_E4M3, -1, BITBLAS_ZEROS_NONE},
      {16, 1000, 4096, BITBLAS_DTYPE_FLOAT8_E5M2, 128, BITBLAS_ZEROS_ORIGINAL},
      {3, 1, 2048, BITBLAS_DTYPE_FLOAT8_E4M3, 64, BITBLAS_ZEROS_RESCALE},
      {17, 2880, 2880, BITBLAS_DTYPE_FLOAT8_E4M3, -1, BITBLAS_ZEROS_ORIGINAL},
      {16, 4096, 1024, BITBLAS_DTYPE_FLOAT8_E4M3, 128, BITBLAS_ZEROS_NONE},
      {128, 1000, 1024, BITBLAS_DTYPE_FLOAT8_E4M3, 64, BITBLAS_ZEROS_RESCALE},
      {1, 4096, 2048, BITBLAS_DTYPE_FLOAT8_E5M2, -1, BITBLAS_ZEROS_NONE},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const bitblas_matmul_config cfg = scaled_case_config(&cases[c]);
    failures += cfg.M <= 64 ? check_tensor_gemv_case(&cfg, c) : check_all_candidates(&cfg);
    if (cfg.W_dtype != BITBLAS_DTYPE_FLOAT8_E4M3) continue;
    bb_schedule all[BB_MAX_CANDIDATES], picked[BB_MAX_CANDIDATES];
    const int count = bb_candidates_enumerate(&cfg, all);
    int picked_count = 0;
    for (int i = 0; i < count; i++)
      if (all[i].family == BB_FAMILY_TCGEMV || all[i].family == BB_FAMILY_MMA)
        picked[picked_count++] = all[i];
    ck_assert_msg(picked_count >= 2, "case %zu: %d tensor-core candidates", c, picked_count);
    bb_measure *measure = measure_for(&cfg);
    failures += check_rewritten_schedules_on(measure, &cfg, picked, picked_count, 1, 0,
                                             float8_convert_line, float8_bit_moves_line);
    bb_measure_destroy(measure);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* Runs `kernel` (one thread per code, 256 threads, writing `words` words each into `out`),
 * appended to the source emitted for cfg's first tcgemv candidate, with the source's `from` line
 * rewritten to `to` where from is not NULL. */
static void run_code_kernel(const bitblas_matmul_config *cfg, const char *kernel, const char *name,
                            uint32_t *out, int words, const char *from, const char *to) {
  const bb_cuda_api *cu = bb_test_cu();
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(cfg, schedules);
  int chosen = -1;
  for (int i = 0; i < count && chosen < 0; i++)
    if (schedules[i].family == BB_FAMILY_TCGEMV) chosen = i;
  ck_assert_int_ge(chosen, 0);
  char *emitted = bb_emit_source(cfg, &schedules[chosen], BB_FAULT_NONE);
  ck_assert_ptr_nonnull(emitted);
  if (from) emitted = replaced(emitted, from, to);
  char *source = malloc(strlen(emitted) + strlen(kernel) + 1);
  ck_assert_ptr_nonnull(source);
  strcpy(source, emitted);
  strcat(source, kernel);
  free(emitted);
  bb_compiled compiled;
  ck_assert_int_eq(bb_compile_all(&source, 1, bb_test_gpu_arch(), &compiled), BITBLAS_OK);
  ck_assert_msg(compiled.status == BITBLAS_OK, "%s", compiled.message);
  CUmodule module = NULL;
  CUfunction function = NULL;
  CUdeviceptr device_out = 0;
  const size_t bytes = 256 * (size_t)words * sizeof *out;
  ck_assert_int_eq(cu->ModuleLoadData(&module, compiled.cubin), 0);
  ck_assert_int_eq(cu->ModuleGetFunction(&function, module, name), 0);
  ck_assert_int_eq(cu->MemAlloc(&device_out, bytes), 0);
  void *params[] = {&device_out};
  ck_assert_int_eq(cu->LaunchKernel(function, 1, 1, 1, 256, 1, 1, 0, NULL, params, NULL), 0);
  ck_assert_int_eq(cu->CtxSynchronize(), 0);
  ck_assert_int_eq(cu->MemcpyDtoH(out, device_out, bytes), 0);
  cu->MemFree(device_out);
  cu->ModuleUnload(module);
  bb_compiled_free(&compiled, 1);
  free(source);
}

/* Every float8 code through bb_float8_pair and bb_value_pair (kernel_src/common.cuh), in a kernel
 * of its own appended to an emitted source: each half is the float16 (bb_value_pair with bfloat16
 * activations: the bfloat16) of its code's value, bit for bit (zeros keep their sign), and NaN
 * codes are NaN. e4m3 by the hardware conversion and by the bit moves, and e5m2. The random
 * weights of the other tests hold no NaN code. */
START_TEST(test_float8_every_code) {
  static const char kernel[] =
      "extern \"C\" __global__ void float8_codes(unsigned *out) {\n"
      "  const unsigned c = threadIdx.x;\n"
      "  const unsigned x = c | (c ^ 0x55u) << 8 | (255u - c) << 16 | (c ^ 0xaau) << 24;\n"
      "  out[4 * c] = bb_value_pair(x, 0);\n"
      "  out[4 * c + 1] = bb_value_pair(x, 1);\n"
      "  out[4 * c + 2] = bb_float8_pair(x, 0, 1);\n"
      "  out[4 * c + 3] = bb_float8_pair(x, 2, 3);\n"
      "}\n";
  static const struct {
    bitblas_dtype dtype, A_dtype;
    int bit_moves;
  } variants[] = {{BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT16, 0},
                  {BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_FLOAT16, 1},
                  {BITBLAS_DTYPE_FLOAT8_E5M2, BITBLAS_DTYPE_FLOAT16, 0},
                  {BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_BFLOAT16, 0},
                  {BITBLAS_DTYPE_FLOAT8_E4M3, BITBLAS_DTYPE_BFLOAT16, 1},
                  {BITBLAS_DTYPE_FLOAT8_E5M2, BITBLAS_DTYPE_BFLOAT16, 0}};
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
    bitblas_matmul_config cfg =
        bb_test_scaled_config(1, 256, 4096, variants[v].dtype, -1, BITBLAS_ZEROS_NONE);
    cfg.A_dtype = cfg.out_dtype = variants[v].A_dtype;
    const int bfloat16 = variants[v].A_dtype == BITBLAS_DTYPE_BFLOAT16;
    uint32_t pairs[4 * 256];
    run_code_kernel(&cfg, kernel, "float8_codes", pairs, 4,
                    variants[v].bit_moves ? float8_convert_line : NULL, float8_bit_moves_line);
    int nan_codes = 0;
    for (unsigned c = 0; c < 256; c++) {
      const unsigned bytes[4] = {c, c ^ 0x55u, 255u - c, c ^ 0xaau};
      const unsigned halves[4][2] = {{0, 2}, {1, 3}, {0, 1}, {2, 3}}; /* the bytes of each pair */
      for (int p = 0; p < 4; p++)
        for (int h = 0; h < 2; h++) {
          const unsigned code = bytes[halves[p][h]];
          const uint16_t got = (uint16_t)(pairs[4 * c + (unsigned)p] >> (16 * h));
          const int as_bfloat16 = bfloat16 && p < 2; /* bb_float8_pair is float16 always */
          const float value = as_bfloat16 ? bb_bfloat16_to_float(got) : bb_half_to_float(got);
          const double want = bitblas_weight_decode(variants[v].dtype, code);
          if (isnan(want)) {
            nan_codes += p == 2 && h == 0;
            ck_assert_msg(isnan(value), "variant %zu code 0x%02x: 0x%04x, not NaN", v, code, got);
          } else {
            const uint16_t bits =
                as_bfloat16 ? bb_float_to_bfloat16((float)want) : bb_float_to_half((float)want);
            ck_assert_msg(got == bits, "variant %zu code 0x%02x (pair %d half %d): 0x%04x, want %g",
                          v, code, p, h, got, want);
          }
        }
    }
    /* e4m3 has two NaN codes; e5m2 six (its infinities are codes of their own) */
    ck_assert_int_eq(nan_codes, variants[v].dtype == BITBLAS_DTYPE_FLOAT8_E4M3 ? 2 : 6);
  }
}
END_TEST

/* Every 8-bit integer code with bfloat16 activations through bb_row_dequant_make and
 * bb_dequant_pair (kernel_src/common.cuh: the code bits read as subnormals, an exact subtraction,
 * then the scale): each weight is s (q - z) rounded once to bfloat16, where q is the integer the
 * code stands for. uint8 with quantized zeros (z = 37, and 0, 255), int8 without zeros; scales
 * 1, 3, 2^-20 and 1000 (with 3 and 1000 most products round). */
START_TEST(test_bfloat16_wide_codes_every_code) {
  static const char kernel_format[] =
      "extern \"C\" __global__ void wide_codes(unsigned *out) {\n"
      "  const unsigned c = threadIdx.x;\n"
      "  const unsigned x = c | (c ^ 0x55u) << 8 | (255u - c) << 16 | (c ^ 0xaau) << 24;\n"
      "  bb_row_params r;\n"
      "  r.scale = 0x%04xu;\n"
      "  r.zero = %du;\n"
      "  const bb_row_dequant d = bb_row_dequant_make(r);\n"
      "  out[2 * c] = bb_dequant_pair(x, 0, d);\n"
      "  out[2 * c + 1] = bb_dequant_pair(x, 1, d);\n"
      "}\n";
  static const struct {
    bitblas_dtype dtype;
    bitblas_zeros_mode zeros;
    int zero;
  } variants[] = {{BITBLAS_DTYPE_UINT8, BITBLAS_ZEROS_QUANTIZED, 37},
                  {BITBLAS_DTYPE_UINT8, BITBLAS_ZEROS_QUANTIZED, 0},
                  {BITBLAS_DTYPE_UINT8, BITBLAS_ZEROS_QUANTIZED, 255},
                  {BITBLAS_DTYPE_INT8, BITBLAS_ZEROS_NONE, 0}};
  static const float scales[] = {1.0f, 3.0f, 0x1p-20f, 1000.0f};
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
      bitblas_matmul_config cfg =
          bb_test_scaled_config(1, 256, 4096, variants[v].dtype, 128, variants[v].zeros);
      cfg.A_dtype = cfg.out_dtype = BITBLAS_DTYPE_BFLOAT16;
      const uint16_t scale = bb_float_to_bfloat16(scales[k]);
      char kernel[sizeof kernel_format + 32];
      snprintf(kernel, sizeof kernel, kernel_format, scale, variants[v].zero);
      uint32_t pairs[2 * 256];
      run_code_kernel(&cfg, kernel, "wide_codes", pairs, 2, NULL, NULL);
      for (unsigned c = 0; c < 256; c++) {
        const unsigned bytes[4] = {c, c ^ 0x55u, 255u - c, c ^ 0xaau};
        for (int p = 0; p < 2; p++)
          for (int h = 0; h < 2; h++) {
            const unsigned code = bytes[p + 2 * h]; /* pair p: bytes p and p + 2 */
            const int q = variants[v].dtype == BITBLAS_DTYPE_INT8 ? (int)(int8_t)code : (int)code;
            const double want = (double)bb_bfloat16_to_float(scale) * (q - variants[v].zero);
            const uint16_t got = (uint16_t)(pairs[2 * c + (unsigned)p] >> (16 * h));
            ck_assert_msg(got == bb_double_to_bfloat16(want),
                          "variant %zu scale %g code 0x%02x: 0x%04x (%g), want %g", v,
                          (double)scales[k], code, got, (double)bb_bfloat16_to_float(got), want);
          }
      }
    }
}
END_TEST

/* bfloat16 activations through the tensor-core gemv (pairs 128 + 2^(jb) u, 8-bit codes as
 * subnormals, NF4 / FP4 values looked up as bfloat16, float8 converted; scales before the mma,
 * bfloat16 FMA): 1-, 2-, 4- and 8-bit integer codes, signed and unsigned, NF4, FP4, float8 e4m3
 * and e5m2; every zeros mode; groups of 32, 64, 128 and one per row; M of 1, 3, 16 and 17 (rows
 * past M), N of 1, 1000, 2880 and 7392 (rows past N); bfloat16 and float32 outputs. Every config
 * has tcgemv candidates, and every candidate runs against the reference. */
START_TEST(test_bfloat16_activations) {
  static const struct {
    scaled_case config;
    bitblas_dtype out;
  } cases[] = {
      {{1, 2880, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL}, BITBLAS_DTYPE_BFLOAT16},
      {{16, 1000, 4096, BITBLAS_DTYPE_INT4, 64, BITBLAS_ZEROS_NONE}, BITBLAS_DTYPE_BFLOAT16},
      {{3, 1, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_QUANTIZED}, BITBLAS_DTYPE_FLOAT32},
      {{17, 2880, 2048, BITBLAS_DTYPE_INT2, 128, BITBLAS_ZEROS_RESCALE}, BITBLAS_DTYPE_BFLOAT16},
      {{16, 2880, 4096, BITBLAS_DTYPE_UINT2, 128, BITBLAS_ZEROS_ORIGINAL}, BITBLAS_DTYPE_BFLOAT16},
      {{1, 1000, 4096, BITBLAS_DTYPE_INT1, -1, BITBLAS_ZEROS_NONE}, BITBLAS_DTYPE_FLOAT32},
      {{16, 4096, 2048, BITBLAS_DTYPE_UINT4, 64, BITBLAS_ZEROS_QUANTIZED}, BITBLAS_DTYPE_BFLOAT16},
      {{16, 2880, 4096, BITBLAS_DTYPE_NF4, 64, BITBLAS_ZEROS_NONE}, BITBLAS_DTYPE_BFLOAT16},
      {{1, 1000, 2048, BITBLAS_DTYPE_FP4_E2M1, 32, BITBLAS_ZEROS_NONE}, BITBLAS_DTYPE_FLOAT32},
      {{17, 1, 4096, BITBLAS_DTYPE_NF4, -1, BITBLAS_ZEROS_ORIGINAL}, BITBLAS_DTYPE_BFLOAT16},
      {{3, 4096, 1024, BITBLAS_DTYPE_FP4_E2M1, 128, BITBLAS_ZEROS_RESCALE}, BITBLAS_DTYPE_BFLOAT16},
      {{1, 2880, 4096, BITBLAS_DTYPE_UINT8, 128, BITBLAS_ZEROS_ORIGINAL}, BITBLAS_DTYPE_BFLOAT16},
      {{16, 1000, 4096, BITBLAS_DTYPE_INT8, -1, BITBLAS_ZEROS_NONE}, BITBLAS_DTYPE_FLOAT32},
      {{17, 1, 2048, BITBLAS_DTYPE_UINT8, 64, BITBLAS_ZEROS_QUANTIZED}, BITBLAS_DTYPE_BFLOAT16},
      {{3, 7392, 2048, BITBLAS_DTYPE_INT8, 128, BITBLAS_ZEROS_RESCALE}, BITBLAS_DTYPE_BFLOAT16},
      {{1, 1000, 4096, BITBLAS_DTYPE_FLOAT8_E4M3, -1, BITBLAS_ZEROS_NONE}, BITBLAS_DTYPE_BFLOAT16},
      {{16, 2880, 2048, BITBLAS_DTYPE_FLOAT8_E5M2, -1, BITBLAS_ZEROS_NONE}, BITBLAS_DTYPE_FLOAT32},
      {{17, 1000, 4096, BITBLAS_DTYPE_FLOAT8_E4M3, 128, BITBLAS_ZEROS_ORIGINAL},
       BITBLAS_DTYPE_BFLOAT16},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bitblas_matmul_config cfg = scaled_case_config(&cases[c].config);
    cfg.A_dtype = BITBLAS_DTYPE_BFLOAT16;
    cfg.out_dtype = cases[c].out;
    ck_assert_msg(bitblas_matmul_config_validate(&cfg) == BITBLAS_OK, "%s", bitblas_last_error());
    failures += check_tensor_gemv_case(&cfg, c);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* The tiled mma family with int8 activations (M >= 32): every integer weight format, exact int32
 * sums as they are (bit-exact against the reference) and through column scales, per-row
 * activation scales and bias into float16, bfloat16 and float32; K that is not whole k steps of
 * 64 or 128 (1008, 2880), N ending inside a tile (1, 72, 1003), M = 33, 128 and 1000. */
START_TEST(test_mma_int8) {
  static const struct {
    int64_t M, N, K;
    bitblas_dtype W_dtype, out_dtype;
    int scaled; /* column scales, a per-row a_scale and a bias */
  } cases[] = {
      {33, 72, 1008, BITBLAS_DTYPE_INT2, BITBLAS_DTYPE_INT32, 0},
      {128, 1003, 2880, BITBLAS_DTYPE_INT2, BITBLAS_DTYPE_FLOAT16, 1},
      {1000, 1, 1008, BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_INT32, 0},
      {128, 72, 4096, BITBLAS_DTYPE_INT8, BITBLAS_DTYPE_INT32, 0},
      {33, 200, 2880, BITBLAS_DTYPE_UINT8, BITBLAS_DTYPE_INT32, 0},
      {128, 1003, 1008, BITBLAS_DTYPE_INT1, BITBLAS_DTYPE_BFLOAT16, 1},
      {1000, 72, 2880, BITBLAS_DTYPE_UINT1, BITBLAS_DTYPE_INT32, 0},
      {33, 2880, 1008, BITBLAS_DTYPE_INT4, BITBLAS_DTYPE_FLOAT32, 1},
      {128, 200, 4096, BITBLAS_DTYPE_UINT2, BITBLAS_DTYPE_INT32, 0},
  };
  int failures = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    bitblas_matmul_config cfg;
    bitblas_matmul_config_init(&cfg);
    cfg.M = cases[c].M;
    cfg.N = cases[c].N;
    cfg.K = cases[c].K;
    cfg.A_dtype = BITBLAS_DTYPE_INT8;
    cfg.W_dtype = cases[c].W_dtype;
    cfg.accum_dtype = BITBLAS_DTYPE_INT32;
    cfg.out_dtype = cases[c].out_dtype;
    cfg.group_size = -1;
    cfg.with_scaling = cases[c].scaled;
    cfg.with_a_scale = cases[c].scaled;
    cfg.with_bias = cases[c].scaled || c % 2 == 0;
    ck_assert_msg(bitblas_matmul_config_validate(&cfg) == BITBLAS_OK, "case %zu: %s", c,
                  bitblas_last_error());
    failures += check_mma_candidates(&cfg, c);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* The measurement also runs the BitNet layer's other kernels of a module (tuner/layer_check.h):
 * a candidate whose row quantizer, or whose one-kernel layer, was changed to scale by 126 instead
 * of 127 is WRONG, and says which; the same candidate as written passes. */
START_TEST(test_layer_kernels_are_checked) {
  bitblas_matmul_config cfg;
  bitblas_bitnet_config_init(&cfg, 1000, 2560);
  cfg.dynamic_m = 0;
  cfg.M = 4;
  cfg.with_bias = 1;
  bb_schedule schedules[BB_MAX_CANDIDATES];
  const int count = bb_candidates_enumerate(&cfg, schedules);
  int chosen = -1;
  for (int i = 0; i < count && chosen < 0; i++)
    if (schedules[i].family == BB_FAMILY_TCGEMV_INT8) chosen = i;
  ck_assert_int_ge(chosen, 0);
  const bb_schedule *schedule = &schedules[chosen];
  char *sources[3];
  for (int v = 0; v < 3; v++) sources[v] = bb_emit_source(&cfg, schedule, BB_FAULT_NONE);
  sources[1] = replaced(sources[1], "const float si = __fdiv_rn(127.0f, bound);",
                        "const float si = __fdiv_rn(126.0f, bound);");
  sources[2] = replaced(
      sources[2], "row_scale[r] = __fdiv_rn(bb_qr_bound(__uint_as_float(row_bits[r])), 127.0f);",
      "row_scale[r] = __fdiv_rn(bb_qr_bound(__uint_as_float(row_bits[r])), 126.0f);");
  bb_compiled compiled[3];
  ck_assert_int_eq(bb_compile_all(sources, 3, bb_test_gpu_arch(), compiled), BITBLAS_OK);
  const bb_candidate_outcome want[3] = {BB_CANDIDATE_OK, BB_CANDIDATE_WRONG, BB_CANDIDATE_WRONG};
  const char *const says[3] = {"", "row quantizer", "one-kernel layer"};
  for (int v = 0; v < 3; v++) {
    ck_assert_msg(compiled[v].status == BITBLAS_OK, "variant %d: %s", v, compiled[v].message);
    /* A measurement of its own: the quantizer's bytes are checked on its first candidate. */
    bb_measure *measure = measure_for(&cfg);
    char message[512] = "";
    double us = 0;
    const bb_candidate_outcome outcome = bb_measure_candidate(measure, compiled[v].cubin, schedule,
                                                              1, 0, &us, message, sizeof message);
    bb_measure_destroy(measure);
    fprintf(stderr, "variant %d: %s %s\n", v, bb_candidate_outcome_name(outcome), message);
    ck_assert_int_eq(outcome, want[v]);
    ck_assert_msg(strstr(message, says[v]) != NULL, "variant %d: \"%s\"", v, message);
    free(sources[v]);
  }
  bb_compiled_free(compiled, 3);
}
END_TEST

/* A dynamic operator's buckets read the plain layout at M = 1 and 16, where a static operator
 * would trade words: every candidate of theirs (gemv, mma, tcgemv in the loaded order and with
 * words traded by shuffles) is correct on plain weights. */
START_TEST(test_plain_buckets) {
  bitblas_matmul_config cfgs[2] = {
      bb_test_scaled_config(1, 1000, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL),
      bb_test_scaled_config(16, 72, 4096, BITBLAS_DTYPE_UINT1, -1, BITBLAS_ZEROS_NONE)};
  int failures = 0;
  for (int c = 0; c < 2; c++) {
    cfgs[c].dynamic_m = 1;
    ck_assert_int_eq(bb_config_weight_order(&cfgs[c]), 0);
    failures += check_all_candidates(&cfgs[c]);
  }
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* One measurement serves a dynamic operator's buckets in turn (the worker keeps its weights
 * from bucket to bucket): after each retarget every candidate of the new M is correct on fresh
 * activations, with N and K that are no multiple of a tile. A config with other weights, or an
 * invalid one, is refused and leaves the measurement as it was. */
START_TEST(test_measure_retarget) {
  static const int64_t bucket_m[] = {16, 1, 1000, 3, 64};
  bitblas_matmul_config cfg = bb_test_scaled_config(bucket_m[0], 2880, 4224, BITBLAS_DTYPE_UINT4,
                                                    128, BITBLAS_ZEROS_ORIGINAL);
  cfg.dynamic_m = 1;
  bb_measure *measure = measure_for(&cfg);
  int failures = 0;
  for (size_t b = 0; b < sizeof bucket_m / sizeof bucket_m[0]; b++) {
    cfg.M = bucket_m[b];
    ck_assert(bb_measure_shares_weights(measure, &cfg));
    if (b > 0)
      ck_assert_msg(bb_measure_retarget(measure, &cfg) == BITBLAS_OK, "%s", bitblas_last_error());
    failures += check_candidates_on(measure, &cfg, 1, 0);
  }
  bitblas_matmul_config other = cfg;
  other.N = 2881;
  ck_assert(!bb_measure_shares_weights(measure, &other));
  ck_assert_int_eq(bb_measure_retarget(measure, &other), BITBLAS_INVALID_ARGUMENT);
  other = cfg;
  other.dynamic_m = 0; /* a static M = 32 operator stores them plain too: a bucket parses so */
  other.M = 32;
  ck_assert_int_eq(bb_config_weight_order(&other), 0);
  ck_assert(bb_measure_shares_weights(measure, &other));
  other.M = 1; /* a static M = 1 operator stores its weights traded */
  ck_assert_int_ne(bb_config_weight_order(&other), 0);
  ck_assert(!bb_measure_shares_weights(measure, &other));
  other = cfg;
  other.M = 0; /* invalid: refused before anything is freed */
  ck_assert_int_eq(bb_measure_retarget(measure, &other), BITBLAS_INVALID_ARGUMENT);
  failures += check_candidates_on(measure, &cfg, 1, 0); /* still at the last bucket */
  bb_measure_destroy(measure);
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* A candidate that stops timing early (every run slower than the bound) is still checked first
 * and reports a time; so does one timed in full. */
START_TEST(test_measure_race) {
  const bitblas_matmul_config cfg =
      bb_test_scaled_config(16, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  bb_measure *measure = measure_for(&cfg);
  const int failures =
      check_candidates_on(measure, &cfg, 15, 1e-3) + check_candidates_on(measure, &cfg, 15, 1e9);
  bb_measure_destroy(measure);
  ck_assert_int_eq(failures, 0);
}
END_TEST

/* The stream hold the tuner times behind: work enqueued after it waits until it is released,
 * then runs; a hold never released gives up after BB_HOLD_TIMEOUT_NS and says so. */
START_TEST(test_stream_hold) {
  const bb_cuda_api *cu = bb_test_cu();
  bb_stream_hold hold;
  ck_assert_msg(bb_stream_hold_create(cu, &hold) == BITBLAS_OK, "%s", bitblas_last_error());
  CUstream stream = NULL;
  CUdeviceptr word = 0;
  unsigned value = 1;
  ck_assert_int_eq(cu->StreamCreate(&stream, BB_CU_STREAM_NON_BLOCKING), 0);
  ck_assert_int_eq(cu->MemAlloc(&word, sizeof value), 0);
  ck_assert_int_eq(cu->MemsetD32Async(word, 0, 1, stream), 0);
  ck_assert_int_eq(cu->StreamSynchronize(stream), 0);

  ck_assert_int_eq(bb_stream_hold_begin(&hold, stream), 0);
  ck_assert_int_eq(cu->MemsetD32Async(word, 7, 1, stream), 0);
  const struct timespec pause = {0, 50 * 1000 * 1000};
  nanosleep(&pause, NULL);
  ck_assert_int_eq(cu->MemcpyDtoH(&value, word, sizeof value), 0); /* not ordered after the hold */
  ck_assert_uint_eq(value, 0);
  bb_stream_hold_release(&hold);
  ck_assert_int_eq(cu->StreamSynchronize(stream), 0);
  ck_assert_int_eq(cu->MemcpyDtoH(&value, word, sizeof value), 0);
  ck_assert_uint_eq(value, 7);
  ck_assert_int_eq(bb_stream_hold_timed_out(&hold), 0);

  ck_assert_int_eq(bb_stream_hold_begin(&hold, stream), 0);
  ck_assert_int_eq(cu->MemsetD32Async(word, 9, 1, stream), 0);
  ck_assert_int_eq(cu->StreamSynchronize(stream), 0); /* after the hold's timeout */
  ck_assert_int_eq(cu->MemcpyDtoH(&value, word, sizeof value), 0);
  ck_assert_uint_eq(value, 9);
  ck_assert_int_eq(bb_stream_hold_timed_out(&hold), 1);
  bb_stream_hold_release(&hold); /* late: harmless */

  cu->MemFree(word);
  cu->StreamDestroy(stream);
  bb_stream_hold_destroy(&hold);
}
END_TEST

static Suite *candidates_suite(void) {
  Suite *suite = suite_create("gpu_candidates");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 1200);
  tcase_add_test(tc, test_core_shape_matrix);
  tcase_add_test(tc, test_given_sums);
  tcase_add_test(tc, test_long_rows_low_bits);
  tcase_add_test(tc, test_groups_of_120);
  tcase_add_test(tc, test_traded_words);
  tcase_add_test(tc, test_scale_table_copies);
  tcase_add_test(tc, test_bias_partial_blocks);
  tcase_add_test(tc, test_groups_inside_segments);
  tcase_add_test(tc, test_tall_blocks_small_m);
  tcase_add_test(tc, test_two_warp_blocks);
  tcase_add_test(tc, test_full_sm_blocks);
  tcase_add_test(tc, test_mma_partial_k_steps);
  tcase_add_test(tc, test_mma_plain_float_weights);
  tcase_add_test(tc, test_table_codes);
  tcase_add_test(tc, test_float8_codes);
  tcase_add_test(tc, test_float8_every_code);
  tcase_add_test(tc, test_bfloat16_wide_codes_every_code);
  tcase_add_test(tc, test_bfloat16_activations);
  tcase_add_test(tc, test_mma_int8);
  tcase_add_test(tc, test_layer_kernels_are_checked);
  tcase_add_test(tc, test_plain_buckets);
  tcase_add_test(tc, test_measure_retarget);
  tcase_add_test(tc, test_measure_race);
  tcase_add_test(tc, test_stream_hold);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) {
  if (!bb_test_gpu_open()) return BB_TEST_SKIP;
  return bb_test_run_suite_in_process(candidates_suite());
}
