/*
 * check_config.c - the config rules (each refusal: its status and the words naming field and
 * rule), dtype and zeros-mode names, status strings, the canonical key text, describe, and the
 * buffer sizes a config implies. Nothing here touches a GPU.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "test_support.h"
#include "weight_order.h"

/* A valid config to start each case from: float16 x uint4, g128, scales and original zeros. */
static bitblas_matmul_config valid_config(void) {
  bitblas_matmul_config cfg;
  bitblas_matmul_config_init(&cfg);
  cfg.M = 16;
  cfg.N = 4096;
  cfg.K = 4096;
  cfg.group_size = 128;
  cfg.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
  return cfg;
}

static bitblas_matmul_config int8_config(void) {
  bitblas_matmul_config cfg = valid_config();
  cfg.A_dtype = BITBLAS_DTYPE_INT8;
  cfg.W_dtype = BITBLAS_DTYPE_INT2;
  cfg.accum_dtype = BITBLAS_DTYPE_INT32;
  cfg.out_dtype = BITBLAS_DTYPE_INT32;
  cfg.group_size = -1;
  cfg.with_scaling = 0;
  cfg.zeros_mode = BITBLAS_ZEROS_NONE;
  return cfg;
}

/* Validates cfg, expects `status`, and every one of the NULL-terminated words in the message. */
static void expect_refusal(const bitblas_matmul_config *cfg, bitblas_status status,
                           const char *const *words) {
  const bitblas_status got = bitblas_matmul_config_validate(cfg);
  const char *message = bitblas_last_error();
  ck_assert_msg(got == status, "status %s, expected %s (message: %s)", bitblas_status_name(got),
                bitblas_status_name(status), message);
  for (const char *const *word = words; *word; word++)
    ck_assert_msg(strstr(message, *word) != NULL, "message \"%s\" lacks \"%s\"", message, *word);
}

#define EXPECT_REFUSAL(cfg, status, ...)                                                           \
  do {                                                                                             \
    const char *const words_[] = {__VA_ARGS__, NULL};                                              \
    expect_refusal(&(cfg), (status), words_);                                                      \
  } while (0)

START_TEST(test_defaults_and_valid_configs) {
  bitblas_matmul_config cfg;
  memset(&cfg, 0x5A, sizeof cfg);
  bitblas_matmul_config_init(&cfg);
  ck_assert_int_eq(cfg.M, 1);
  ck_assert_int_eq(cfg.N, 0);
  ck_assert_int_eq(cfg.K, 0);
  ck_assert_int_eq(cfg.A_dtype, BITBLAS_DTYPE_FLOAT16);
  ck_assert_int_eq(cfg.W_dtype, BITBLAS_DTYPE_UINT4);
  ck_assert_int_eq(cfg.accum_dtype, BITBLAS_DTYPE_FLOAT32);
  ck_assert_int_eq(cfg.out_dtype, BITBLAS_DTYPE_FLOAT16);
  ck_assert_int_eq(cfg.group_size, -1);
  ck_assert_int_eq(cfg.with_scaling, 1);
  ck_assert_int_eq(cfg.zeros_mode, BITBLAS_ZEROS_NONE);
  ck_assert_int_eq(cfg.with_bias, 0);
  ck_assert_int_eq(cfg.dynamic_m, 0);
  ck_assert_int_eq(cfg.m_bucket_count, 0);
  /* The defaults need N and K. */
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_INVALID_ARGUMENT);
  cfg.N = 1;
  cfg.K = 8;
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  ck_assert_str_eq(bitblas_last_error(), "");

  bitblas_matmul_config valid[8];
  valid[0] = valid_config();
  valid[1] = int8_config();
  valid[2] = valid_config();
  valid[2].A_dtype = BITBLAS_DTYPE_BFLOAT16;
  valid[2].out_dtype = BITBLAS_DTYPE_BFLOAT16;
  valid[2].W_dtype = BITBLAS_DTYPE_NF4;
  valid[2].zeros_mode = BITBLAS_ZEROS_RESCALE;
  valid[3] = valid_config();
  valid[3].W_dtype = BITBLAS_DTYPE_FLOAT16;
  valid[3].with_scaling = 0;
  valid[3].zeros_mode = BITBLAS_ZEROS_NONE;
  valid[4] = valid_config();
  valid[4].dynamic_m = 1;
  valid[4].M = 1024;
  valid[5] = int8_config();
  valid[5].with_scaling = 1;
  valid[5].with_a_scale = 1;
  valid[5].with_bias = 1;
  valid[5].out_dtype = BITBLAS_DTYPE_FLOAT16;
  valid[6] = valid_config();
  valid[6].N = 1; /* awkward shapes of SPEC section 6 */
  valid[6].K = 8;
  valid[6].group_size = 8;
  valid[6].zeros_mode = BITBLAS_ZEROS_QUANTIZED;
  valid[7] = valid_config();
  valid[7].N = 7392;
  valid[7].K = 3584;
  valid[7].W_dtype = BITBLAS_DTYPE_FLOAT8_E5M2;
  valid[7].out_dtype = BITBLAS_DTYPE_FLOAT32;
  for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
    char description[512];
    bitblas_matmul_config_describe(&valid[i], description, sizeof description);
    ck_assert_msg(bitblas_matmul_config_validate(&valid[i]) == BITBLAS_OK, "%s refused: %s",
                  description, bitblas_last_error());
  }
}
END_TEST

START_TEST(test_refusals_shape) {
  bitblas_matmul_config cfg = valid_config();
  cfg.K = 4100;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "K = 4100", "multiple of 8");
  cfg = valid_config();
  cfg.K = 0;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "K = 0", "multiple of 8");
  cfg = valid_config();
  cfg.group_size = 96; /* a multiple of 8 that does not divide 4096 */
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "K = 4096", "group_size = 96",
                 "K must be a multiple of group_size");
  cfg = valid_config();
  cfg.group_size = 4;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "group_size = 4", "multiple of 8");
  cfg.group_size = 0;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "group_size = 0");
  cfg = valid_config();
  cfg.N = 0;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "N = 0", "between 1");
  cfg = valid_config();
  cfg.M = 0;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "M = 0", "between 1");
  ck_assert_int_eq(bitblas_matmul_config_validate(NULL), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "NULL"));
}
END_TEST

START_TEST(test_refusals_dtypes) {
  bitblas_matmul_config cfg = int8_config();
  cfg.W_dtype = BITBLAS_DTYPE_NF4;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "A_dtype = int8", "W_dtype = nf4", "integer weights");

  cfg = valid_config();
  cfg.W_dtype = BITBLAS_DTYPE_INT4;
  cfg.zeros_mode = BITBLAS_ZEROS_QUANTIZED;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "zeros_mode = quantized", "W_dtype = int4", "unsigned");

  cfg = valid_config();
  cfg.with_scaling = 0;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "zeros_mode = original", "with_scaling = 0",
                 "zeros need scales");

  cfg = valid_config();
  cfg.out_dtype = BITBLAS_DTYPE_INT32;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "out_dtype = int32", "int8 activations");

  cfg = valid_config();
  cfg.accum_dtype = BITBLAS_DTYPE_INT32;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "accum_dtype = int32", "float32");
  cfg = int8_config();
  cfg.accum_dtype = BITBLAS_DTYPE_FLOAT32;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "accum_dtype = float32", "int32");

  cfg = valid_config();
  cfg.W_dtype = BITBLAS_DTYPE_FLOAT16;
  cfg.zeros_mode = BITBLAS_ZEROS_NONE; /* with_scaling stays 1 */
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "W_dtype = float16", "with_scaling = 1",
                 "no scales or zeros");
  cfg.with_scaling = 0;
  cfg.W_dtype = BITBLAS_DTYPE_BFLOAT16;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "A_dtype = float16", "W_dtype = bfloat16", "match A");

  cfg = valid_config();
  cfg.A_dtype = BITBLAS_DTYPE_UINT4;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "A_dtype = uint4", "float16, bfloat16 or int8");
  cfg = valid_config();
  cfg.W_dtype = BITBLAS_DTYPE_FLOAT32;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "W_dtype = float32", "weight format");
  cfg = valid_config();
  cfg.out_dtype = BITBLAS_DTYPE_INT8;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "out_dtype = int8");

  cfg = valid_config();
  cfg.with_a_scale = 1;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "with_a_scale = 1", "int8 activations");
  cfg = int8_config();
  cfg.with_scaling = 1;
  cfg.out_dtype = BITBLAS_DTYPE_FLOAT16;
  cfg.group_size = 128;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "group_size = 128", "per output column");
  cfg = int8_config();
  cfg.with_a_scale = 1;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "out_dtype = int32", "with_a_scale = 1", "raw sums");
  cfg = int8_config();
  cfg.with_scaling = 1;
  cfg.zeros_mode = BITBLAS_ZEROS_ORIGINAL;
  cfg.out_dtype = BITBLAS_DTYPE_FLOAT16;
  EXPECT_REFUSAL(cfg, BITBLAS_UNSUPPORTED, "A_dtype = int8", "zeros_mode = original");

  cfg = valid_config();
  cfg.zeros_mode = (bitblas_zeros_mode)9;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "zeros_mode = 9");
}
END_TEST

START_TEST(test_refusals_buckets) {
  bitblas_matmul_config cfg = valid_config();
  cfg.dynamic_m = 1;
  cfg.m_bucket_count = 3;
  cfg.m_buckets[0] = 1;
  cfg.m_buckets[1] = 16;
  cfg.m_buckets[2] = 8;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "m_buckets[2] = 8", "ascending");
  cfg.m_buckets[2] = 16;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "m_buckets[2] = 16", "strictly ascending");
  cfg.m_buckets[2] = 64;
  ck_assert_int_eq(bitblas_matmul_config_validate(&cfg), BITBLAS_OK);
  cfg.m_buckets[0] = 0;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "m_buckets[0] = 0");
  cfg.m_buckets[0] = 1;
  cfg.m_bucket_count = BITBLAS_MAX_M_BUCKETS + 1;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "m_bucket_count = 17");
  cfg.m_bucket_count = 3;
  cfg.dynamic_m = 0;
  EXPECT_REFUSAL(cfg, BITBLAS_INVALID_ARGUMENT, "m_bucket_count = 3", "dynamic_m");

  /* Normalizing fills in the default buckets. */
  cfg = valid_config();
  cfg.dynamic_m = 1;
  bitblas_matmul_config normalized;
  ck_assert_int_eq(bb_config_normalize(&cfg, &normalized), BITBLAS_OK);
  ck_assert_int_eq(normalized.m_bucket_count, 8);
  static const int64_t expected[8] = {1, 16, 32, 64, 128, 256, 512, 1024};
  for (int i = 0; i < 8; i++) ck_assert_int_eq(normalized.m_buckets[i], expected[i]);
}
END_TEST

START_TEST(test_dtype_names) {
  for (int i = 0; i < BITBLAS_DTYPE_COUNT; i++) {
    const char *name = bitblas_dtype_name((bitblas_dtype)i);
    bitblas_dtype back = BITBLAS_DTYPE_COUNT;
    ck_assert_int_eq(bitblas_dtype_from_name(name, &back), BITBLAS_OK);
    ck_assert_int_eq(back, i);
    ck_assert_str_eq(bitblas_last_error(), "");
  }
  static const struct {
    bitblas_dtype dtype;
    const char *name;
    int bits;
    const char *weight_kind; /* which of the weight predicates of src/config.h holds, if any */
  } known[] = {
      {BITBLAS_DTYPE_FLOAT16, "float16", 16, "float"},
      {BITBLAS_DTYPE_BFLOAT16, "bfloat16", 16, "float"},
      {BITBLAS_DTYPE_FLOAT32, "float32", 32, ""},
      {BITBLAS_DTYPE_INT32, "int32", 32, ""},
      {BITBLAS_DTYPE_INT8, "int8", 8, "integer"},
      {BITBLAS_DTYPE_UINT8, "uint8", 8, "integer"},
      {BITBLAS_DTYPE_INT4, "int4", 4, "integer"},
      {BITBLAS_DTYPE_UINT4, "uint4", 4, "integer"},
      {BITBLAS_DTYPE_INT2, "int2", 2, "integer"},
      {BITBLAS_DTYPE_UINT2, "uint2", 2, "integer"},
      {BITBLAS_DTYPE_INT1, "int1", 1, "integer"},
      {BITBLAS_DTYPE_UINT1, "uint1", 1, "integer"},
      {BITBLAS_DTYPE_NF4, "nf4", 4, "table"},
      {BITBLAS_DTYPE_FP4_E2M1, "fp4_e2m1", 4, "table"},
      {BITBLAS_DTYPE_FLOAT8_E4M3, "float8_e4m3", 8, "float8"},
      {BITBLAS_DTYPE_FLOAT8_E5M2, "float8_e5m2", 8, "float8"},
  };
  ck_assert_int_eq((int)(sizeof known / sizeof known[0]), BITBLAS_DTYPE_COUNT);
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    ck_assert_str_eq(bitblas_dtype_name(known[i].dtype), known[i].name);
    ck_assert_int_eq(bitblas_dtype_bits(known[i].dtype), known[i].bits);
    const char *kind = known[i].weight_kind;
    ck_assert_int_eq(bb_dtype_is_float_weight(known[i].dtype), strcmp(kind, "float") == 0);
    ck_assert_int_eq(bb_dtype_is_integer_weight(known[i].dtype), strcmp(kind, "integer") == 0);
    ck_assert_int_eq(bb_dtype_is_table_weight(known[i].dtype), strcmp(kind, "table") == 0);
    ck_assert_int_eq(bb_dtype_is_float8_weight(known[i].dtype), strcmp(kind, "float8") == 0);
  }
  bitblas_dtype alias;
  ck_assert_int_eq(bitblas_dtype_from_name("e4m3_float8", &alias), BITBLAS_OK);
  ck_assert_int_eq(alias, BITBLAS_DTYPE_FLOAT8_E4M3);
  ck_assert_int_eq(bitblas_dtype_from_name("e5m2_float8", &alias), BITBLAS_OK);
  ck_assert_int_eq(alias, BITBLAS_DTYPE_FLOAT8_E5M2);

  ck_assert_int_eq(bitblas_dtype_from_name("float7", &alias), BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(alias, BITBLAS_DTYPE_COUNT);
  const char *message = bitblas_last_error();
  ck_assert_ptr_nonnull(strstr(message, "\"float7\""));
  for (int i = 0; i < BITBLAS_DTYPE_COUNT; i++)
    ck_assert_msg(strstr(message, bitblas_dtype_name((bitblas_dtype)i)) != NULL,
                  "message \"%s\" does not list %s", message, bitblas_dtype_name((bitblas_dtype)i));
  ck_assert_ptr_nonnull(strstr(message, "e4m3_float8"));
  ck_assert_int_eq(bitblas_dtype_from_name(NULL, &alias), BITBLAS_INVALID_ARGUMENT);
  ck_assert_int_eq(bitblas_dtype_from_name("uint4", NULL), BITBLAS_INVALID_ARGUMENT);

  ck_assert_str_eq(bitblas_dtype_name(BITBLAS_DTYPE_COUNT), "unknown");
  ck_assert_str_eq(bitblas_dtype_name((bitblas_dtype)-1), "unknown");
  ck_assert_int_eq(bitblas_dtype_bits(BITBLAS_DTYPE_COUNT), 0);

  static const char *const modes[] = {"none", "original", "rescale", "quantized"};
  for (int i = 0; i < 4; i++) {
    bitblas_zeros_mode mode;
    ck_assert_str_eq(bitblas_zeros_mode_name((bitblas_zeros_mode)i), modes[i]);
    ck_assert_int_eq(bitblas_zeros_mode_from_name(modes[i], &mode), BITBLAS_OK);
    ck_assert_int_eq(mode, i);
  }
  bitblas_zeros_mode mode;
  ck_assert_int_eq(bitblas_zeros_mode_from_name("shifted", &mode), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "\"shifted\""));
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "rescale"));
  ck_assert_str_eq(bitblas_zeros_mode_name((bitblas_zeros_mode)7), "unknown");
}
END_TEST

START_TEST(test_status_strings) {
  static const struct {
    bitblas_status status;
    const char *name;
    const char *text;
  } statuses[] = {
#define STATUS_ROW_(name, value, text) {BITBLAS_##name, "BITBLAS_" #name, text},
      BITBLAS_STATUS_LIST(STATUS_ROW_)
#undef STATUS_ROW_
  };
  ck_assert_int_eq((int)(sizeof statuses / sizeof statuses[0]), 15);
  ck_assert_int_eq(BITBLAS_OK, 0);
  for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    ck_assert_str_eq(bitblas_status_name(statuses[i].status), statuses[i].name);
    ck_assert_str_eq(bitblas_status_string(statuses[i].status), statuses[i].text);
    ck_assert(strlen(statuses[i].text) > 0);
    if (i > 0) ck_assert_int_lt(statuses[i].status, 0); /* failures are negative */
  }
  ck_assert_str_eq(bitblas_status_name(BITBLAS_INVALID_ARGUMENT), "BITBLAS_INVALID_ARGUMENT");
  ck_assert_str_eq(bitblas_status_string(BITBLAS_NO_DEVICE), "no CUDA device found");
  ck_assert_str_eq(bitblas_status_string((bitblas_status)-99), "unknown status");
  ck_assert_str_eq(bitblas_status_string((bitblas_status)1), "unknown status");
  ck_assert_str_eq(bitblas_status_name((bitblas_status)-99), "unknown status");
}
END_TEST

START_TEST(test_key_text_round_trip) {
  bitblas_matmul_config configs[4];
  configs[0] = valid_config();
  configs[1] = int8_config();
  configs[1].with_bias = 1;
  configs[2] = valid_config();
  configs[2].A_dtype = BITBLAS_DTYPE_BFLOAT16;
  configs[2].W_dtype = BITBLAS_DTYPE_FLOAT8_E4M3;
  configs[2].out_dtype = BITBLAS_DTYPE_FLOAT32;
  configs[2].zeros_mode = BITBLAS_ZEROS_RESCALE;
  configs[2].group_size = -1;
  configs[3] = int8_config();
  configs[3].with_scaling = 1;
  configs[3].with_a_scale = 1;
  configs[3].out_dtype = BITBLAS_DTYPE_BFLOAT16;
  for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
    char text[512], again[512];
    const int length = bb_config_key_text(&configs[i], 64, text, sizeof text);
    ck_assert_int_eq(length, (int)strlen(text));
    ck_assert_ptr_nonnull(strstr(text, "M=64 "));
    bitblas_matmul_config parsed;
    ck_assert_msg(bb_config_parse_key_text(text, &parsed) == BITBLAS_OK, "%s: %s", text,
                  bitblas_last_error());
    ck_assert_int_eq(parsed.M, 64);
    ck_assert_int_eq(parsed.N, configs[i].N);
    ck_assert_int_eq(parsed.K, configs[i].K);
    ck_assert_int_eq(parsed.A_dtype, configs[i].A_dtype);
    ck_assert_int_eq(parsed.W_dtype, configs[i].W_dtype);
    ck_assert_int_eq(parsed.accum_dtype, configs[i].accum_dtype);
    ck_assert_int_eq(parsed.out_dtype, configs[i].out_dtype);
    ck_assert_int_eq(parsed.group_size, configs[i].group_size);
    ck_assert_int_eq(parsed.with_scaling, configs[i].with_scaling);
    ck_assert_int_eq(parsed.zeros_mode, configs[i].zeros_mode);
    ck_assert_int_eq(parsed.with_bias, configs[i].with_bias);
    ck_assert_int_eq(parsed.with_a_scale, configs[i].with_a_scale);
    bb_config_key_text(&parsed, 64, again, sizeof again);
    ck_assert_str_eq(again, text);
  }
  char text[512];
  bb_config_key_text(&configs[0], 1, text, sizeof text);
  ck_assert_str_eq(text, "M=1 N=4096 K=4096 A=float16 W=uint4 accum=float32 out=float16 "
                         "group=128 scaling=1 zeros=original bias=0 a_scale=0 weights=traded");

  bitblas_matmul_config parsed;
  /* Only the traded-weights suffix may follow, and only where the config trades words. */
  ck_assert_int_eq(bb_config_parse_key_text("M=1 N=8 K=16 A=float16 W=uint4 accum=float32 "
                                            "out=float16 group=-1 scaling=1 zeros=none bias=0 "
                                            "a_scale=0 extra",
                                            &parsed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "\" extra\" after a_scale"));
  ck_assert_int_eq(bb_config_parse_key_text("M=64 N=4096 K=4096 A=float16 W=uint4 accum=float32 "
                                            "out=float16 group=128 scaling=1 zeros=none bias=0 "
                                            "a_scale=0 weights=traded",
                                            &parsed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "plain layout"));
  ck_assert_int_eq(bb_config_parse_key_text("M=1 N=2", &parsed), BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "canonical form"));
  /* Well formed but invalid: the validator's words. */
  ck_assert_int_eq(bb_config_parse_key_text("M=1 N=8 K=12 A=float16 W=uint4 accum=float32 "
                                            "out=float16 group=-1 scaling=1 zeros=none bias=0 "
                                            "a_scale=0",
                                            &parsed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "K = 12"));
  ck_assert_int_eq(bb_config_parse_key_text("M=1 N=8 K=16 A=float16 W=uint3 accum=float32 "
                                            "out=float16 group=-1 scaling=1 zeros=none bias=0 "
                                            "a_scale=0",
                                            &parsed),
                   BITBLAS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "uint3"));
}
END_TEST

/* Which configs read traded words (bb_config_weight_order), and the words per lane. A segment of
 * 16 bytes per lane (512 bits of a row) may hold two groups, not four: 4-bit codes in groups of 64
 * and 2-bit codes in groups of 128 trade, 4-bit codes in groups of 32, 2-bit codes in groups of 64
 * and 1-bit codes in groups of 128 do not; 2-bit codes in groups of 640 fit the 8-byte segments
 * from M = 9, groups of 80 nothing. The 4-bit table codes (NF4, FP4) trade as 4-bit integers do,
 * with float16 and with bfloat16 activations; integer codes with float16 ones only, 8-bit codes
 * never. */
START_TEST(test_weight_order_rule) {
  const struct {
    int64_t M, K, group;
    bitblas_dtype W;
    int words;
  } cases[] = {
      {1, 4096, 128, BITBLAS_DTYPE_UINT4, 4},  {16, 4096, 128, BITBLAS_DTYPE_INT4, 4},
      {17, 4096, 128, BITBLAS_DTYPE_UINT4, 0}, {16, 4096, 128, BITBLAS_DTYPE_UINT2, 4},
      {1, 4096, 256, BITBLAS_DTYPE_INT2, 4},   {1, 4096, -1, BITBLAS_DTYPE_UINT1, 4},
      {8, 4096, -1, BITBLAS_DTYPE_INT1, 4},    {1, 2880, -1, BITBLAS_DTYPE_UINT1, 0},
      {9, 2880, -1, BITBLAS_DTYPE_UINT4, 2},   {1, 2880, 120, BITBLAS_DTYPE_UINT4, 0},
      {8, 2880, -1, BITBLAS_DTYPE_UINT4, 0},   {1, 4096, 128, BITBLAS_DTYPE_UINT2, 4},
      {1, 4096, 32, BITBLAS_DTYPE_UINT4, 0},   {1, 4096, 128, BITBLAS_DTYPE_NF4, 4},
      {1, 4096, 128, BITBLAS_DTYPE_UINT8, 0},  {1, 4096, 128, BITBLAS_DTYPE_FP4_E2M1, 4},
      {16, 4096, 64, BITBLAS_DTYPE_NF4, 4},    {1, 4096, 32, BITBLAS_DTYPE_FP4_E2M1, 0},
      {17, 4096, 64, BITBLAS_DTYPE_NF4, 0},    {1, 4096, 128, BITBLAS_DTYPE_FLOAT8_E4M3, 0},
      {1, 4096, 64, BITBLAS_DTYPE_UINT4, 4},   {16, 4096, 32, BITBLAS_DTYPE_INT4, 0},
      {1, 4096, 64, BITBLAS_DTYPE_INT2, 0},    {1, 4096, 128, BITBLAS_DTYPE_INT1, 0},
      {1, 4096, 256, BITBLAS_DTYPE_UINT1, 4},  {12, 2560, 80, BITBLAS_DTYPE_UINT2, 0},
      {12, 2560, 640, BITBLAS_DTYPE_UINT2, 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bitblas_matmul_config cfg = bb_test_scaled_config(cases[i].M, 4096, cases[i].K, cases[i].W,
                                                      cases[i].group, BITBLAS_ZEROS_NONE);
    ck_assert_msg(bb_config_weight_order(&cfg) == cases[i].words, "case %zu: %d, want %d", i,
                  bb_config_weight_order(&cfg), cases[i].words);
    /* Never for a dynamic operator; with bfloat16 activations for table codes only. */
    cfg.dynamic_m = 1;
    ck_assert_int_eq(bb_config_weight_order(&cfg), 0);
    cfg.dynamic_m = 0;
    cfg.A_dtype = cfg.out_dtype = BITBLAS_DTYPE_BFLOAT16;
    ck_assert_int_eq(bb_config_weight_order(&cfg),
                     bb_dtype_is_table_weight(cases[i].W) ? cases[i].words : 0);
  }
}
END_TEST

/* A dynamic operator's bucket and a static operator of the same M have different keys where
 * only the static one trades words, the same key elsewhere, and each text parses back to a
 * config of the same weight order. */
START_TEST(test_key_text_weight_order) {
  bitblas_matmul_config cfg =
      bb_test_scaled_config(16, 4096, 4096, BITBLAS_DTYPE_UINT4, 128, BITBLAS_ZEROS_ORIGINAL);
  for (int64_t m = 1; m <= 64; m *= 4) {
    char static_text[512], bucket_text[512], again[512];
    cfg.dynamic_m = 0;
    bb_config_key_text(&cfg, m, static_text, sizeof static_text);
    cfg.dynamic_m = 1;
    bb_config_key_text(&cfg, m, bucket_text, sizeof bucket_text);
    const int traded = m <= 16;
    ck_assert_int_eq(strstr(static_text, " weights=traded") != NULL, traded);
    ck_assert_ptr_null(strstr(bucket_text, "weights"));
    ck_assert_int_eq(strcmp(static_text, bucket_text) != 0, traded);
    bitblas_matmul_config parsed;
    ck_assert_int_eq(bb_config_parse_key_text(static_text, &parsed), BITBLAS_OK);
    ck_assert_int_eq(bb_config_weight_order(&parsed), traded ? 4 : 0);
    ck_assert_int_eq(parsed.dynamic_m, 0);
    bb_config_key_text(&parsed, m, again, sizeof again);
    ck_assert_str_eq(again, static_text);
    ck_assert_int_eq(bb_config_parse_key_text(bucket_text, &parsed), BITBLAS_OK);
    ck_assert_int_eq(bb_config_weight_order(&parsed), 0);
    ck_assert_int_eq(parsed.dynamic_m, traded);
    ck_assert_int_eq(parsed.M, m);
    bb_config_key_text(&parsed, m, again, sizeof again);
    ck_assert_str_eq(again, bucket_text);
  }
}
END_TEST

/* The traded order moves word 4w + t of each segment to word L t + w, for L = 4 and 2, in every
 * segment of every row, with the codes of 1- and 2-bit words split by parity and 4-bit words as
 * they were, and nothing else; transforming in pieces of rows gives the same bytes as one
 * transform. */
START_TEST(test_weight_order_trade) {
  enum { ROWS = 11, SEGMENTS = 3, MAX_WORDS = ROWS * SEGMENTS * 16 };
  for (int words = 2; words <= 4; words += 2)
    for (int bits = 1; bits <= 4; bits *= 2) {
      const size_t segment_words = 4 * (size_t)words, row_words = SEGMENTS * segment_words;
      const size_t total = ROWS * row_words;
      uint32_t plain[MAX_WORDS + 1], traded[MAX_WORDS + 1], pieces[MAX_WORDS + 1];
      for (size_t i = 0; i < total; i++) plain[i] = 0x9e3779b9u * (uint32_t)(i + 1);
      memset(traded, 0xff, sizeof traded);
      bb_weight_order_trade(plain, traded, ROWS, row_words * 4, words, bits);
      for (size_t segment = 0; segment < total / segment_words; segment++)
        for (int t = 0; t < 4; t++)
          for (int w = 0; w < words; w++) {
            const uint32_t word = plain[segment * segment_words + (size_t)(4 * w + t)];
            ck_assert_uint_eq(traded[segment * segment_words + (size_t)(words * t + w)],
                              bits <= 2 ? bb_weight_order_split_word(word, bits) : word);
          }
      ck_assert_uint_eq(traded[total], 0xffffffffu); /* nothing past the rows */
      memset(pieces, 0xff, sizeof pieces);
      bb_weight_order_trade(plain, pieces, 3, row_words * 4, words, bits);
      bb_weight_order_trade(plain + 3 * row_words, pieces + 3 * row_words, ROWS - 3, row_words * 4,
                            words, bits);
      ck_assert_int_eq(memcmp(pieces, traded, sizeof traded), 0);
    }
}
END_TEST

/* Splitting a word by parity puts code 2i at bits i b and code 2i + 1 at bits 16 + i b, for
 * codes of 1, 2, 4 and 8 bits: checked code by code. */
START_TEST(test_weight_order_split_word) {
  for (int bits = 1; bits <= 8; bits *= 2) {
    const int codes = 32 / bits;
    const uint32_t mask = (1u << bits) - 1u;
    for (uint32_t seed = 1; seed < 200; seed++) {
      const uint32_t x = seed * 0x9e3779b9u ^ (seed << 7);
      const uint32_t y = bb_weight_order_split_word(x, bits);
      for (int i = 0; i < codes; i++) {
        const int slot = (i % 2) * 16 + (i / 2) * bits;
        ck_assert_uint_eq((y >> slot) & mask, (x >> (i * bits)) & mask);
      }
    }
  }
}
END_TEST

START_TEST(test_describe) {
  bitblas_matmul_config cfg = valid_config();
  char buffer[512];
  const int length = bitblas_matmul_config_describe(&cfg, buffer, sizeof buffer);
  ck_assert_int_eq(length, (int)strlen(buffer));
  ck_assert_ptr_nonnull(strstr(buffer, "N=4096"));
  ck_assert_ptr_nonnull(strstr(buffer, "W=uint4"));
  ck_assert_ptr_nonnull(strstr(buffer, "zeros=original"));
  ck_assert_ptr_null(strstr(buffer, "dynamic"));

  char small[10];
  ck_assert_int_eq(bitblas_matmul_config_describe(&cfg, small, sizeof small), length);
  ck_assert_int_eq((int)strlen(small), 9);
  ck_assert(strncmp(small, buffer, 9) == 0);

  cfg.dynamic_m = 1;
  bitblas_matmul_config_describe(&cfg, buffer, sizeof buffer);
  ck_assert_ptr_nonnull(strstr(buffer, "dynamic_m buckets=default"));
  cfg.m_bucket_count = 3;
  cfg.m_buckets[0] = 1;
  cfg.m_buckets[1] = 16;
  cfg.m_buckets[2] = 256;
  bitblas_matmul_config_describe(&cfg, buffer, sizeof buffer);
  ck_assert_ptr_nonnull(strstr(buffer, "buckets=1,16,256"));
  bitblas_matmul_config_describe(NULL, buffer, sizeof buffer);
  ck_assert_str_eq(buffer, "(null)");
}
END_TEST

START_TEST(test_buffer_sizes) {
  bitblas_matmul_config cfg = valid_config();
  cfg.N = 4;
  cfg.K = 64;
  cfg.group_size = 32;
  ck_assert_uint_eq(bitblas_scales_bytes(&cfg), 4 * 2 * 2); /* [N, K/g] float16 */
  ck_assert_uint_eq(bitblas_zeros_bytes(&cfg), 4 * 2 * 2);
  cfg.zeros_mode = BITBLAS_ZEROS_QUANTIZED;
  ck_assert_uint_eq(bitblas_zeros_bytes(&cfg), 2 * 2); /* [K/g, ceil(N * 4 / 8)] */
  cfg.N = 3;
  ck_assert_uint_eq(bitblas_zeros_bytes(&cfg), 2 * 2); /* 12 bits: 2 bytes per row */
  cfg.W_dtype = BITBLAS_DTYPE_UINT1;
  ck_assert_uint_eq(bitblas_zeros_bytes(&cfg), 2 * 1);
  cfg.zeros_mode = BITBLAS_ZEROS_NONE;
  ck_assert_uint_eq(bitblas_zeros_bytes(&cfg), 0);
  cfg.with_scaling = 0;
  ck_assert_uint_eq(bitblas_scales_bytes(&cfg), 0);
  ck_assert_str_eq(bitblas_last_error(), "");

  cfg = int8_config();
  cfg.N = 10;
  cfg.with_scaling = 1;
  cfg.out_dtype = BITBLAS_DTYPE_FLOAT16;
  ck_assert_uint_eq(bitblas_scales_bytes(&cfg), 10 * 4); /* float32 per column */

  cfg.K = 12; /* invalid: 0, with the reason */
  ck_assert_uint_eq(bitblas_scales_bytes(&cfg), 0);
  ck_assert_ptr_nonnull(strstr(bitblas_last_error(), "K = 12"));
  ck_assert_uint_eq(bitblas_zeros_bytes(NULL), 0);

  ck_assert_uint_eq(bitblas_weight_bytes(BITBLAS_DTYPE_UINT4, 3, 24), 36);
  ck_assert_uint_eq(bitblas_weight_bytes(BITBLAS_DTYPE_UINT1, 2, 8), 2);
  ck_assert_uint_eq(bitblas_weight_bytes(BITBLAS_DTYPE_UINT1, 2, 4), 0);
  ck_assert_uint_eq(bitblas_weight_bytes(BITBLAS_DTYPE_FLOAT16, 2, 8), 32);
  ck_assert_uint_eq(bitblas_weight_bytes(BITBLAS_DTYPE_COUNT, 2, 8), 0);
}
END_TEST

static Suite *config_suite(void) {
  Suite *suite = suite_create("config");
  TCase *rules = tcase_create("rules");
  tcase_add_test(rules, test_defaults_and_valid_configs);
  tcase_add_test(rules, test_refusals_shape);
  tcase_add_test(rules, test_refusals_dtypes);
  tcase_add_test(rules, test_refusals_buckets);
  suite_add_tcase(suite, rules);
  TCase *names = tcase_create("names");
  tcase_add_test(names, test_dtype_names);
  tcase_add_test(names, test_status_strings);
  tcase_add_test(names, test_key_text_round_trip);
  tcase_add_test(names, test_weight_order_rule);
  tcase_add_test(names, test_key_text_weight_order);
  tcase_add_test(names, test_weight_order_trade);
  tcase_add_test(names, test_weight_order_split_word);
  tcase_add_test(names, test_describe);
  tcase_add_test(names, test_buffer_sizes);
  suite_add_tcase(suite, names);
  return suite;
}

int main(void) { return bb_test_run_suite(config_suite()); }
