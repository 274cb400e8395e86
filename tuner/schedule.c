/*
 * schedule.c - schedule text (format/parse), launch dimensions, and the candidate space per
 * config. Writing CUDA source is emit.c's job; timing candidates is measure.c's.
 */
#include "schedule.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "weight_order.h"

/* The most blocks per SM a schedule may ask ptxas to fit (an SM holds at most 32). */
#define BB_MAX_MIN_BLOCKS 32

int bb_schedule_format(const bb_schedule *s, char *buf, size_t size) {
  if (s->family == BB_FAMILY_TCGEMV) {
    const int length = snprintf(
        buf, size,
        "tcgemv warps=%d n_tiles=%d m_tiles=%d unroll=%d words=%d post=%d stages=%d order=%d",
        s->warps, s->n_tiles, s->m_tiles, s->unroll, s->lane_words, s->post_scale, s->stages,
        s->lane_order);
    if (length < 0) return length;
    int total = length;
    if (s->given_sums) {
      const size_t used = (size_t)total < size ? (size_t)total : size;
      total += snprintf(buf + used, size - used, " sums=given");
    }
    if (s->shared_pairs) {
      const size_t used = (size_t)total < size ? (size_t)total : size;
      total += snprintf(buf + used, size - used, " pairs=shared");
    }
    if (s->min_blocks) {
      const size_t used = (size_t)total < size ? (size_t)total : size;
      total += snprintf(buf + used, size - used, " blocks=%d", s->min_blocks);
    }
    return total;
  }
  if (s->family == BB_FAMILY_TCGEMV_INT8)
    return snprintf(buf, size,
                    "tcgemv_int8 warps=%d n_tiles=%d m_tiles=%d unroll=%d words=%d stages=%d",
                    s->warps, s->n_tiles, s->m_tiles, s->unroll, s->lane_words, s->stages);
  if (s->family == BB_FAMILY_WGMMA)
    return snprintf(buf, size, "wgmma bm=%d bn=%d bk=%d groups=%dx%d stages=%d", s->block_m,
                    s->block_n, s->block_k, s->groups_m, s->groups_n, s->stages);
  if (s->family == BB_FAMILY_GEMV)
    return snprintf(buf, size, "gemv warps=%d rows=%d m_tile=%d unroll=%d chunk=%d", s->warps,
                    s->rows_per_warp, s->m_tile, s->unroll, s->chunk_elems);
  const int length = snprintf(buf, size, "mma bm=%d bn=%d bk=%d warps=%dx%d", s->block_m,
                              s->block_n, s->block_k, s->warps_m, s->warps_n);
  if (length < 0 || !s->stages) return length;
  const size_t used = (size_t)length < size ? (size_t)length : size;
  return length + snprintf(buf + used, size - used, " stages=%d", s->stages);
}

/* What may follow a tcgemv text's order: " sums=given" (into s->given_sums), " pairs=shared"
 * (into s->shared_pairs), then " blocks=N" (1 <= N <= BB_MAX_MIN_BLOCKS, into s->min_blocks),
 * each optional, nothing after them. 0 where anything else follows. */
static int tcgemv_options_parse(const char *rest, bb_schedule *s) {
  if (strncmp(rest, " sums=given", 11) == 0) {
    s->given_sums = 1;
    rest += 11;
  }
  if (strncmp(rest, " pairs=shared", 13) == 0) {
    s->shared_pairs = 1;
    rest += 13;
  }
  if (*rest == '\0') return 1;
  int length = 0;
  return sscanf(rest, " blocks=%d%n", &s->min_blocks, &length) == 1 && rest[length] == '\0' &&
         s->min_blocks >= 1 && s->min_blocks <= BB_MAX_MIN_BLOCKS;
}

/* What may follow an mma text's warps: nothing, or " stages=N" (2 <= N <= 4, into s->stages).
 * 0 where anything else follows. */
static int mma_options_parse(const char *rest, bb_schedule *s) {
  if (*rest == '\0') return 1;
  int length = 0;
  return sscanf(rest, " stages=%d%n", &s->stages, &length) == 1 && rest[length] == '\0' &&
         s->stages >= 2 && s->stages <= 4;
}

bitblas_status bb_schedule_parse(const char *text, bb_schedule *s) {
  memset(s, 0, sizeof *s);
  if (sscanf(text, "gemv warps=%d rows=%d m_tile=%d unroll=%d chunk=%d", &s->warps,
             &s->rows_per_warp, &s->m_tile, &s->unroll, &s->chunk_elems) == 5 &&
      s->warps > 0 && s->rows_per_warp > 0 && s->m_tile > 0 && s->unroll > 0 &&
      s->chunk_elems > 0) {
    s->family = BB_FAMILY_GEMV;
    return BITBLAS_OK;
  }
  int length = 0;
  if (sscanf(text,
             "tcgemv warps=%d n_tiles=%d m_tiles=%d unroll=%d words=%d post=%d stages=%d "
             "order=%d%n",
             &s->warps, &s->n_tiles, &s->m_tiles, &s->unroll, &s->lane_words, &s->post_scale,
             &s->stages, &s->lane_order, &length) == 8 &&
      tcgemv_options_parse(text + length, s) && s->warps > 0 && s->n_tiles > 0 &&
      (s->post_scale || !s->given_sums) && !(s->post_scale && s->shared_pairs) && s->m_tiles > 0 &&
      s->unroll > 0 && (s->lane_words == 1 || s->lane_words == 2 || s->lane_words == 4) &&
      (s->post_scale == 0 || s->post_scale == 1) && s->stages >= 2 && s->stages <= 4 &&
      (s->lane_order == 0 || (s->lane_order <= 2 && s->lane_order >= 1 && s->lane_words >= 2))) {
    s->family = BB_FAMILY_TCGEMV;
    return BITBLAS_OK;
  }
  if (sscanf(text, "tcgemv_int8 warps=%d n_tiles=%d m_tiles=%d unroll=%d words=%d stages=%d",
             &s->warps, &s->n_tiles, &s->m_tiles, &s->unroll, &s->lane_words, &s->stages) == 6 &&
      s->warps > 0 && s->n_tiles > 0 && s->m_tiles > 0 && s->unroll > 0 &&
      (s->lane_words == 2 || s->lane_words == 4) && s->stages >= 2 && s->stages <= 4) {
    s->family = BB_FAMILY_TCGEMV_INT8;
    return BITBLAS_OK;
  }
  length = 0;
  if (sscanf(text, "mma bm=%d bn=%d bk=%d warps=%dx%d%n", &s->block_m, &s->block_n, &s->block_k,
             &s->warps_m, &s->warps_n, &length) == 5 &&
      mma_options_parse(text + length, s) && s->block_m > 0 && s->block_n > 0 && s->block_k > 0 &&
      s->warps_m > 0 && s->warps_n > 0) {
    s->family = BB_FAMILY_MMA;
    return BITBLAS_OK;
  }
  memset(s, 0, sizeof *s);
  length = 0;
  if (sscanf(text, "wgmma bm=%d bn=%d bk=%d groups=%dx%d stages=%d%n", &s->block_m, &s->block_n,
             &s->block_k, &s->groups_m, &s->groups_n, &s->stages, &length) == 6 &&
      text[length] == '\0' && s->groups_m > 0 && s->groups_n > 0 &&
      s->block_m == 64 * s->groups_m && s->block_n > 0 && s->block_n % s->groups_n == 0 &&
      s->block_k > 0 && s->stages >= 2 && s->stages <= 4) {
    s->family = BB_FAMILY_WGMMA;
    return BITBLAS_OK;
  }
  memset(s, 0, sizeof *s);
  return bb_fail(BITBLAS_INVALID_ARGUMENT, "schedule \"%s\": not a known schedule text", text);
}

int bb_schedule_threads(const bb_schedule *s) {
  if (s->family == BB_FAMILY_WGMMA) return 128 * s->groups_m * s->groups_n;
  return s->family == BB_FAMILY_MMA ? 32 * s->warps_m * s->warps_n : 32 * s->warps;
}

int bb_schedule_compile_cost(const bb_schedule *s) {
  switch (s->family) {
  case BB_FAMILY_TCGEMV:
  case BB_FAMILY_TCGEMV_INT8:
    return s->n_tiles * s->m_tiles * s->unroll * s->lane_words * (2 + s->stages);
  case BB_FAMILY_GEMV:
    return s->rows_per_warp * s->m_tile * s->unroll * 4;
  default:
    return 1; /* mma: a fixed loop, compiled in well under 0.1 s */
  }
}

void bb_schedules_compile_order(const bb_schedule *schedules, int count, int *order) {
  for (int i = 0; i < count; i++) { /* insertion sort: stable, and lists are short */
    const int cost = bb_schedule_compile_cost(&schedules[i]);
    int j = i;
    for (; j > 0 && bb_schedule_compile_cost(&schedules[order[j - 1]]) < cost; j--)
      order[j] = order[j - 1];
    order[j] = i;
  }
}

static unsigned ceil_div(int64_t a, int64_t b) { return (unsigned)((a + b - 1) / b); }

void bb_schedule_grid(const bb_schedule *s, const bitblas_matmul_config *cfg, int64_t m,
                      unsigned grid[3]) {
  if (s->family == BB_FAMILY_GEMV) {
    grid[0] = ceil_div(cfg->N, (int64_t)s->warps * s->rows_per_warp);
    grid[1] = ceil_div(m, s->m_tile);
  } else if (s->family == BB_FAMILY_TCGEMV || s->family == BB_FAMILY_TCGEMV_INT8) {
    grid[0] = ceil_div(cfg->N, 16 * (int64_t)s->n_tiles);
    grid[1] = ceil_div(m, 8 * (int64_t)s->m_tiles);
  } else {
    grid[0] = ceil_div(cfg->N, s->block_n);
    grid[1] = ceil_div(m, s->block_m);
  }
  grid[2] = 1;
}

/* The bytes of a tiled schedule's `a_stages` tiles of A and two tiles of W, each row BK
 * activations (1 byte for int8 A, else 2) and `padding` bytes. */
static size_t tiles_bytes(const bb_schedule *s, const bitblas_matmul_config *cfg, int a_stages,
                          size_t padding) {
  const size_t row = (size_t)s->block_k * (cfg->A_dtype == BITBLAS_DTYPE_INT8 ? 1 : 2) + padding;
  return ((size_t)a_stages * (size_t)s->block_m + 2 * (size_t)s->block_n) * row;
}

size_t bb_mma_shared_bytes(const bb_schedule *s, const bitblas_matmul_config *cfg, int a_stages) {
  return tiles_bytes(s, cfg, a_stages, 16);
}

size_t bb_wgmma_shared_bytes(const bb_schedule *s, const bitblas_matmul_config *cfg) {
  return tiles_bytes(s, cfg, s->stages, 0);
}

size_t bb_schedule_dynamic_shared(const bb_schedule *s, const bitblas_matmul_config *cfg) {
  if (s->family == BB_FAMILY_WGMMA) return bb_wgmma_shared_bytes(s, cfg);
  if (s->family != BB_FAMILY_MMA || !s->stages) return 0;
  const size_t bytes = bb_mma_shared_bytes(s, cfg, s->stages);
  return bytes > BB_MMA_STATIC_SHARED_MAX ? bytes : 0;
}

int bb_gemv_chunk_elems(const bitblas_matmul_config *cfg) {
  const int bits = bitblas_dtype_bits(cfg->W_dtype);
  const int64_t group = bb_config_group(cfg);
  int elems = 128 / bits;
  while (elems > 8 && (cfg->K % elems != 0 || group % elems != 0)) elems /= 2;
  return elems;
}

static bb_schedule gemv(const bitblas_matmul_config *cfg, int warps, int rows, int m_tile,
                        int unroll) {
  bb_schedule s;
  memset(&s, 0, sizeof s);
  s.family = BB_FAMILY_GEMV;
  s.warps = warps;
  s.rows_per_warp = rows;
  s.m_tile = m_tile;
  s.unroll = unroll;
  s.chunk_elems = bb_gemv_chunk_elems(cfg);
  return s;
}

/* An mma schedule; `stages` 0 leaves the tiles of A to the kernel (as many as fit 48 KiB). */
static bb_schedule mma(int block_m, int block_n, int block_k, int warps_m, int warps_n,
                       int stages) {
  bb_schedule s;
  memset(&s, 0, sizeof s);
  s.family = BB_FAMILY_MMA;
  s.block_m = block_m;
  s.block_n = block_n;
  s.block_k = block_k;
  s.warps_m = warps_m;
  s.warps_n = warps_n;
  s.stages = stages;
  return s;
}

/* A wgmma schedule: `groups_m` x `groups_n` warpgroups, 64 rows of the tile each. */
static bb_schedule wgmma(int block_n, int block_k, int groups_m, int groups_n, int stages) {
  bb_schedule s;
  memset(&s, 0, sizeof s);
  s.family = BB_FAMILY_WGMMA;
  s.block_m = 64 * groups_m;
  s.block_n = block_n;
  s.block_k = block_k;
  s.groups_m = groups_m;
  s.groups_n = groups_n;
  s.stages = stages;
  return s;
}

/* Whether cfg's weights are codes that stand for values, not integers: 4-bit codes that index a
 * table (NF4, FP4) and float8 codes. The tensor-core gemv takes them with scales before the mma
 * (kernel_src/common.cuh, bb_value_pair). */
static int value_codes(const bitblas_matmul_config *cfg) {
  return bb_dtype_is_table_weight(cfg->W_dtype) || bb_dtype_is_float8_weight(cfg->W_dtype);
}

/* The bits per weight when the tensor-core gemvs can take cfg's weights with activations of
 * `A_dtype` (float16 standing for both 16-bit float types): an integer format of 1, 2, 4 or 8
 * bits, or (16-bit float A) value codes; else 0. */
static int tensor_gemv_weight_bits(const bitblas_matmul_config *cfg, bitblas_dtype A_dtype) {
  const int bits = bitblas_dtype_bits(cfg->W_dtype);
  const int bfloat16 = cfg->A_dtype == BITBLAS_DTYPE_BFLOAT16 && A_dtype == BITBLAS_DTYPE_FLOAT16;
  if (cfg->A_dtype != A_dtype && !bfloat16) return 0;
  if (value_codes(cfg)) return A_dtype == BITBLAS_DTYPE_FLOAT16 ? bits : 0;
  return bb_dtype_is_integer_weight(cfg->W_dtype) ? bits : 0; /* 1, 2, 4 or 8 bits */
}

int bb_tcgemv_fits(const bitblas_matmul_config *cfg, int lane_words, int post_scale,
                   int lane_order) {
  const int bits = tensor_gemv_weight_bits(cfg, BITBLAS_DTYPE_FLOAT16);
  /* Scales after the mma read the codes as float16 subnormals: integer codes, float16 A. */
  if (!bits || (post_scale && (value_codes(cfg) || cfg->A_dtype != BITBLAS_DTYPE_FLOAT16)))
    return 0;
  const int64_t lane_k = 32 * (int64_t)lane_words / bits, segment_k = 4 * lane_k;
  const int64_t group = bb_config_group(cfg);
  if (cfg->K % segment_k != 0) return 0;
  if (lane_order) return lane_words >= 2 && bb_weight_order_groups_fit(bits, lane_words, group);
  return group % (post_scale ? segment_k : lane_k) == 0;
}

int bb_tcgemv_given_sums_fit(const bitblas_matmul_config *cfg, const bb_schedule *s) {
  const int offset_codes = cfg->W_dtype == BITBLAS_DTYPE_INT8 ||
                           cfg->W_dtype == BITBLAS_DTYPE_INT4 ||
                           cfg->W_dtype == BITBLAS_DTYPE_INT2 || cfg->W_dtype == BITBLAS_DTYPE_INT1;
  return s->family == BB_FAMILY_TCGEMV && s->post_scale && bb_config_group(cfg) < cfg->K &&
         (cfg->zeros_mode != BITBLAS_ZEROS_NONE || offset_codes);
}

int bb_tcgemv_int8_fits(const bitblas_matmul_config *cfg, int lane_words) {
  const int bits = tensor_gemv_weight_bits(cfg, BITBLAS_DTYPE_INT8);
  return bits && cfg->K % (128 * (int64_t)lane_words / bits) == 0;
}

static bb_schedule tcgemv(int warps, int n_tiles, int m_tiles, int unroll, int lane_words,
                          int post_scale, int stages, int lane_order) {
  bb_schedule s;
  memset(&s, 0, sizeof s);
  s.family = BB_FAMILY_TCGEMV;
  s.warps = warps;
  s.n_tiles = n_tiles;
  s.m_tiles = m_tiles;
  s.unroll = unroll;
  s.lane_words = lane_words;
  s.post_scale = post_scale;
  s.stages = stages;
  s.lane_order = lane_order;
  return s;
}

/* The tensor-core gemv shapes: warps, n_tiles, unroll; the first ones are the likelier winners.
 * Up to M = 8 (one m tile) the weights are nearly all the bytes and many small blocks keep the
 * most of them in flight. */
static const int tensor_gemv_shapes[][3] = {{16, 1, 1}, {8, 1, 2}, {8, 2, 1}, {16, 2, 1},
                                            {4, 1, 2},  {8, 2, 2}, {8, 1, 4}, {4, 2, 2}};

/* From M = 9 (two or more m tiles), every block reads all of A's rows over its K range through
 * L1: at M = 16 that is 32 bytes per k against 8 per k of 4-bit weights per 16 rows, so blocks
 * of 32 rows read twice the activation bytes they read weight bytes, and each warp's 16-byte
 * loads of A touch 8 rows, twice the L1 cycles of contiguous loads (though on an H200 taking
 * either away made the largest layer at most 5 % faster: bench/RESULTS.md, twelfth section).
 * Blocks of 64 rows (n_tiles = 4) share those reads among more rows, but they need 180-196
 * registers; once 1- and 2-bit codes traded words across lanes they won no layer on an H100
 * (about 100 winners over four runs) and took the longest to compile, so they are not tried
 * from M = 9 (M = 5-8: below).
 * Blocks of 48 rows (n_tiles = 3, the last two shapes, 128-145 registers with scales before the
 * mma) won 7 of 24 Llama-3 layers at M = 16 on an H200, by up to 16 % (1-bit 57344 x 8192), all
 * where N gives them at least 128 blocks (bench/RESULTS.md, ninth section); with fewer they
 * never won. They are offered for float16 activations only (tcgemv_int8 was not measured with
 * them). */
static const int tensor_gemv_wide_shapes[][3] = {{8, 2, 1}, {4, 2, 2},  {16, 2, 1}, {8, 2, 2},
                                                 {8, 1, 2}, {16, 1, 1}, {4, 3, 1},  {8, 3, 1}};
#define BB_WIDE_48_ROW_MIN_N (128 * 48)

/* From M = 5 to 8 (one m tile), blocks of 48 rows with scales after the mma and of 64 rows with
 * scales before it, where N gives them at least 512 blocks of 64 rows. Each load of A then
 * serves more rows. On an H200, 4-bit codes at M = 8: 57344 x 8192 was 5-6 % faster than the
 * tuned winner with them (83.7 and 84.5 against 88.7 us; bench/RESULTS.md, thirteenth section);
 * on 28672 x 4096, 8192 x 28672 and 4096 x 14336 the best of them was 5-20 % slower, and at
 * M = 4 on 57344 x 8192 2 % slower. Tuned, 1-bit codes on 57344 x 8192 gained 8 % too. */
#define BB_TALL_ROW_MIN_M 5
#define BB_TALL_ROW_MIN_N (512 * 64)

/* 1-bit codes where N >= 8192, float16 activations, scales after the mma: up to M = 8, blocks
 * of 64 rows of 4 warps and of 48 rows of 8 warps; from M = 9 to 16, blocks of 64 rows of 4 and
 * of 8 warps, in place of the 16-row wide shapes (both scaling places). Each block's activation
 * work (B fragments, their prescaling, the sums' mma) then serves 3 or 4 tiles of codes. On an
 * H200 (schedule timer, 2 rounds; bench/RESULTS.md, sixteenth section):
 *   M = 1: 57344 x 8192 took 43.5-44.3 us with 64 rows against 48.2-48.6 us for the tuned
 *   winner, 10240 x 8192 14.9-15.3 us with 48 rows against 15.7-17.2 us; 8192 x 28672 and
 *   28672 x 4096 tied or lost, and 2- and 4-bit codes won nothing;
 *   M = 16: 57344 x 8192 71.9-72.1 us (4 warps) against 84.7-85.3 us, 8192 x 28672 38.1-38.3
 *   us (8 warps) against 46.7-48.5 us; 28672 x 4096 tied, 10240 x 8192 lost 8 %; 64 rows with
 *   scales before the mma lost everywhere. 16-row blocks were 1.44-1.88 times the best of
 *   every such layer at M = 16 (1.23 and more at N = 4096).
 * From M = 9 such layers get no variant with scales before the mma where one with scales after
 * it fits: in two tunings of the five Llama-3 layers with N >= 8192 at M = 16 (bench/RESULTS.md,
 * eighteenth and twenty-fourth sections), the best of them took 1.21-1.41 times the winner.
 * They are also the slowest candidates to compile (up to 2.1 s each at K = 28672), which had
 * made that layer's first op_get take 3.61 s. */
#define BB_ONE_BIT_TALL_MIN_N 8192

/* From M = 9 to 16 with float16 activations, where K is short and N large: blocks of 48 rows of
 * 2 warps, for each scaling place. Each warp then runs twice the segments of a 4-warp block's,
 * and twice the blocks fit an SM at the same registers. On an H200 (schedule timer, 2 rounds;
 * bench/RESULTS.md, eighteenth section) 28672 x 4096 at M = 16 took 35.2-35.5 us with them
 * against 37.3-38.2 us for the best 4-warp block (4-bit), and 23.9 against 26.9-27.2 us
 * (1-bit); 57344 x 8192 (4-bit) gained 1 %. They lost at K >= 14336, at N <= 14336 (up to
 * 2.3x on 8192 x 28672), and at M = 1-8: up to 1.5x on 57344 x 8192 (4-bit), 5-20 % on 28672 x
 * 4096 (1- and 2-bit). */
#define BB_TWO_WARP_MAX_K 4096
#define BB_TWO_WARP_MIN_N 16384

/* From M = 9 to 16 with float16 activations and 1- or 2-bit codes, where N takes blocks of 48
 * rows: two blocks with scales after the mma for which ptxas must fit 16 warps per SM
 * (min_blocks), i.e. at most 128 registers: 48 rows of 8 warps at 2 blocks per SM, and 64 rows
 * (1-bit) or 48 rows (2-bit) of 4 warps at 4. Without the bound those blocks take 98-254
 * registers, most of them 8-12 warps per SM. On an H200 (schedule timer, 3 rounds;
 * bench/RESULTS.md, twenty-sixth section) 1-bit 57344 x 8192 at M = 16 took 55.1 us with 64 rows
 * of 4 warps at 4 blocks against 66.2 us for the tuned winner, and 28672 x 4096 21.3 against
 * 22.5; 2-bit 10240 x 8192 took 22.2 us with 48 rows of 8 warps at 2 blocks against 24.1, and
 * 57344 x 8192 85.7 against 90.7. On the other layers the best bound shape was at most 3.5 %
 * slower than the best unbound one tried (single shapes up to 1.85x). 4-bit codes (two sums per
 * code position) lost on 7 of 8 shapes tried, and int8 activations on 9 of 10. */
#define BB_FULL_SM_WARPS 16

/* Whether a tensor-core gemv keeps its state in registers: at most 8 tiles (n x m), at most 96
 * accumulators (sums per n tile, m tile and code position, plus the activations' sums) and at
 * most 160 registers of accumulators and pipelined weight words together. */
static int tensor_gemv_registers_fit(const bitblas_matmul_config *cfg, const bb_schedule *s) {
  const int bits = bitblas_dtype_bits(cfg->W_dtype);
  const int tiles = s->n_tiles * s->m_tiles;
  int accumulators = 4 * tiles;
  if (s->family == BB_FAMILY_TCGEMV_INT8)
    accumulators = 4 * tiles * (8 / bits) + 4 * s->m_tiles;
  else if (s->post_scale) {
    /* sums per code position: one for 8-bit codes and for 1- and 2-bit ones (prescaled
     * activations), two for 4-bit codes; and the activations' sums, counted per position here
     * although the kernels keep one set, or none for unsigned codes without zeros (an upper
     * bound: the candidate lists were measured with it) */
    const int positions = bits == 4 ? 2 : 1;
    accumulators = 4 * tiles * (1 + positions) + 4 * s->m_tiles * positions;
  }
  const int pipelined = s->stages * s->unroll * s->n_tiles * 2 * s->lane_words;
  /* More than 8 tiles of float16 activations and codes spill (ptxas -v, sm_90). */
  return tiles <= 8 && accumulators <= 96 && accumulators + pipelined <= 160;
}

/* The lane order of a tcgemv variant (see kernel_src/tcgemv.cu). Weights stored in traded order
 * (bb_config_weight_order) take order 2. Otherwise traded words by shuffles (order 1) paid off
 * on an H100 from M = 9 for 1- and 2-bit codes, whose words carry the most activations each:
 * at M = 16 on the 8 Llama-3 shapes, 1 bit was faster on all (by 8-24% on 7), 2 bits up to 10%
 * faster on 7 (2% slower on one). 4-bit codes were 0-16% slower at M = 16, and every width was
 * slower at M = 1 (4 bits by 12-21%): the shuffles cost more than the contiguous loads of A
 * saved. */
static int tensor_gemv_lane_order(const bitblas_matmul_config *cfg, int m_tiles, int words) {
  if (bb_config_weight_order(cfg)) return 2; /* the weights were stored traded */
  return m_tiles >= 2 && bitblas_dtype_bits(cfg->W_dtype) <= 2 && bb_tcgemv_fits(cfg, words, 1, 1);
}

/* Adds the tensor-core gemv candidates (tcgemv for float16 A, tcgemv_int8 for int8 A): each
 * shape in the first load width / scaling place that fits the config (16-byte loads before
 * 8-byte ones; scales after the mma, fewer instructions per weight, before scales in float16),
 * with a two-stage pipeline; up to M = 8 the first four shapes also three stages deep and the
 * first two four deep (more bytes in flight per warp, more registers); the next two fitting
 * variants get the first four shapes, two stages deep. From M = 9 every fitting variant gets the
 * wide shapes, two stages deep (the 48-row ones for float16 A where N >= 128 x 48). At M = 5-8
 * with float16 A and N >= 512 x 64, the variants of 16-byte loads (or of the traded words) end
 * with one tall shape each: 48 rows with scales after the mma, 64 with scales before it. 1-bit
 * codes with N >= 8192 add two tall shapes with scales after the mma (BB_ONE_BIT_TALL_MIN_N), and
 * from M = 9 leave out the wide shapes of 16 rows and the variants with scales before the mma. From
 * M = 9 with float16 A, K <= 4096 and N >= 16384, each variant adds a block of 48 rows of 2 warps
 * (BB_TWO_WARP_MAX_K). From M = 9 with float16 A, 1- and 2-bit codes and N >= 128 x 48, the first
 * variant, where it scales after the mma, adds two blocks bound to 16 warps per SM
 * (BB_FULL_SM_WARPS). Weights in traded order allow only variants of their words per lane. */
static int add_tensor_core_gemvs(const bitblas_matmul_config *cfg, bb_schedule *out, int count) {
  const int m_tiles = cfg->M <= 8 ? 1 : cfg->M <= 16 ? 2 : 4;
  const int(*shapes)[3] = m_tiles == 1 ? tensor_gemv_shapes : tensor_gemv_wide_shapes;
  const int wide_count = (int)(sizeof tensor_gemv_wide_shapes / sizeof tensor_gemv_wide_shapes[0]);
  const int int8 = cfg->A_dtype == BITBLAS_DTYPE_INT8;
  /* Weights stored with traded words fix the words per lane. */
  const int traded_words = bb_config_weight_order(cfg);
  /* words, post; 4-byte loads only for float16 A, where nothing wider fits (groups of 40 or 120
   * k of 4-bit codes, such as K = 2880 in groups of 120) */
  static const int variants[][2] = {{4, 1}, {2, 1}, {4, 0}, {2, 0}, {1, 0}};
  /* M = 5-8: one tall shape per scaling place, in 16-byte loads (or the traded words) */
  const int tall =
      !int8 && m_tiles == 1 && cfg->M >= BB_TALL_ROW_MIN_M && cfg->N >= BB_TALL_ROW_MIN_N;
  const int tall_words = traded_words ? traded_words : 4;
  const int one_bit_rows = !int8 && m_tiles <= 2 && bitblas_dtype_bits(cfg->W_dtype) == 1 &&
                           cfg->N >= BB_ONE_BIT_TALL_MIN_N;
  const int two_warp_rows =
      !int8 && m_tiles == 2 && cfg->K <= BB_TWO_WARP_MAX_K && cfg->N >= BB_TWO_WARP_MIN_N;
  const int bits = bitblas_dtype_bits(cfg->W_dtype);
  const int full_sm_rows = !int8 && m_tiles == 2 && bits <= 2 && cfg->N >= BB_WIDE_48_ROW_MIN_N;
  /* 1-bit codes with N >= 8192 from M = 9: scales after the mma only, where a variant of them
   * fits (groups shorter than a segment in the plain order allow none) */
  int after_only = 0;
  for (int v = 0; v < 5 && one_bit_rows && m_tiles == 2; v++) {
    const int words = variants[v][0];
    after_only |= variants[v][1] && !(traded_words && words != traded_words) &&
                  bb_tcgemv_fits(cfg, words, 1, tensor_gemv_lane_order(cfg, m_tiles, words));
  }
  int used = 0;
  for (int v = 0; v < 5 && used < 3; v++) {
    const int words = variants[v][0], post = variants[v][1];
    if (after_only && !post) continue;
    const int order = int8 ? 0 : tensor_gemv_lane_order(cfg, m_tiles, words);
    if (int8 ? post == 0 || words == 1 || !bb_tcgemv_int8_fits(cfg, words)
             : !bb_tcgemv_fits(cfg, words, post, order) || (words == 1 && used > 0) ||
                   (traded_words && words != traded_words))
      continue;
    const int first = used++ == 0;
    /* Deeper pipelines: up to M = 8 only (from M = 9, 101 of the 102 tcgemv winners of four
     * H100 runs were two stages deep; see bench/RESULTS.md, fourth section). */
    for (int stages = 2; stages <= (first && m_tiles == 1 ? 4 : 2); stages++) {
      const int shape_count = m_tiles > 1   ? wide_count
                              : !first      ? 4
                              : stages == 2 ? 8
                              : stages == 3 ? 4
                                            : 2;
      for (int i = 0; i < shape_count && count < BB_MAX_CANDIDATES; i++) {
        if (shapes[i][1] == 3 && (int8 || cfg->N < BB_WIDE_48_ROW_MIN_N)) continue;
        if (shapes[i][1] == 1 && one_bit_rows && m_tiles == 2) continue; /* 64 rows instead */
        bb_schedule s = tcgemv(shapes[i][0], shapes[i][1], m_tiles, shapes[i][2], words,
                               int8 ? 0 : post, stages, order);
        if (int8) s.family = BB_FAMILY_TCGEMV_INT8;
        /* The cross-warp sum needs warps x 16 n_tiles x 8 m_tiles words of static shared
         * memory. */
        const int shared_bytes = s.warps * 16 * s.n_tiles * 8 * m_tiles * 4;
        if (shared_bytes <= 48 * 1024 && tensor_gemv_registers_fit(cfg, &s)) out[count++] = s;
      }
    }
    if (two_warp_rows && count < BB_MAX_CANDIDATES) {
      const bb_schedule s = tcgemv(2, 3, m_tiles, 1, words, post, 2, order);
      if (tensor_gemv_registers_fit(cfg, &s)) out[count++] = s;
    }
    if (full_sm_rows && first && post) {
      bb_schedule full_sm[2] = {tcgemv(8, 3, m_tiles, 1, words, 1, 2, order),
                                tcgemv(4, bits == 1 ? 4 : 3, m_tiles, 1, words, 1, 2, order)};
      for (int i = 0; i < 2 && count < BB_MAX_CANDIDATES; i++) {
        full_sm[i].min_blocks = BB_FULL_SM_WARPS / full_sm[i].warps;
        if (tensor_gemv_registers_fit(cfg, &full_sm[i])) out[count++] = full_sm[i];
      }
    }
    if (tall && words == tall_words && count < BB_MAX_CANDIDATES) {
      /* 48 rows with scales after the mma, 64 with scales before it */
      const bb_schedule s = tcgemv(8, post ? 3 : 4, 1, 1, words, post, 2, order);
      if (tensor_gemv_registers_fit(cfg, &s)) out[count++] = s;
    }
    if (one_bit_rows && post && (m_tiles == 2 || words == tall_words)) {
      /* Up to M = 8: 64 rows of 4 warps, and 48 of 8 unless the rule above offered them; from
       * M = 9: 64 rows of 4 and of 8 warps. */
      const bb_schedule shapes_1bit[2] = {tcgemv(4, 4, m_tiles, 1, words, 1, 2, order),
                                          m_tiles == 2 ? tcgemv(8, 4, 2, 1, words, 1, 2, order)
                                                       : tcgemv(8, 3, 1, 1, words, 1, 2, order)};
      for (int i = 0; i < (tall ? 1 : 2) && count < BB_MAX_CANDIDATES; i++)
        if (tensor_gemv_registers_fit(cfg, &shapes_1bit[i])) out[count++] = shapes_1bit[i];
    }
  }
  return count;
}

/* Given sums (the activations' sums per group from a small kernel before the product, instead
 * of one more mma per block: kernel_src/tcgemv.cu): a twin of every tensor-core gemv candidate
 * that may take them, for codes of at most 2 bits where N x K is at least 8192 x 8192. On an H200
 * (bench/RESULTS.md, twenty-eighth section), each candidate's two forms timed in turn, the best
 * twin of 2-bit codes with zeros against the best plain candidate took 0.84-0.95x at M = 16 on
 * 8192 x 8192, 57344 x 8192 and 8192 x 28672, 0.88-0.99x at M = 4 and 0.97x at M = 1 on the
 * last two, and 1.03-1.26x on every smaller layer and on 10240 x 8192 (the sums kernel and the
 * workspace cost 1.4-3 us a run). Tuned, the twins won 7 of the 24 2-bit Llama-3 layers, 1-13 %
 * faster than before. 4-bit codes gained nowhere by more than 0.5 %. */
#define BB_GIVEN_SUMS_MAX_BITS 2
#define BB_GIVEN_SUMS_MIN_WEIGHTS ((int64_t)8192 * 8192)

static int add_given_sums_twins(const bitblas_matmul_config *cfg, bb_schedule *out, int count) {
  if (bitblas_dtype_bits(cfg->W_dtype) > BB_GIVEN_SUMS_MAX_BITS ||
      cfg->N * cfg->K < BB_GIVEN_SUMS_MIN_WEIGHTS)
    return count;
  const int plain = count;
  for (int i = 0; i < plain && count < BB_MAX_CANDIDATES; i++) {
    if (!bb_tcgemv_given_sums_fit(cfg, &out[i])) continue;
    out[count] = out[i];
    out[count++].given_sums = 1;
  }
  return count;
}

/* Shared pairs (4-bit table codes looked up two at a time in a table of their values in shared
 * memory: kernel_src/tcgemv.cu, BB_SHARED_PAIRS): a twin of every tensor-core gemv candidate of
 * NF4 or FP4 codes. On an H200 (bench/RESULTS.md, thirty-third section), tuning float16 x NF4,
 * float16 x FP4 and bfloat16 x NF4 on the Llama-3 sets at M = 1 and 16, a twin won 45 of the 48
 * layers in the plain order and 47 in the traded one, and the tuned times fell by up to 26 % at
 * M = 1 (where the CUDA-core gemv had won 15 of the 16 layers) and at M = 16. The register
 * lookups stay candidates for the layers they still won. */
static int add_shared_pairs_twins(const bitblas_matmul_config *cfg, bb_schedule *out, int count) {
  if (!bb_dtype_is_table_weight(cfg->W_dtype)) return count;
  const int plain = count;
  for (int i = 0; i < plain && count < BB_MAX_CANDIDATES; i++) {
    if (out[i].family != BB_FAMILY_TCGEMV) continue;
    out[count] = out[i];
    out[count++].shared_pairs = 1;
  }
  return count;
}

int bb_candidates_enumerate(const bitblas_matmul_config *cfg, bb_schedule *out) {
  int count = 0;
  const int64_t M = cfg->M;
  const int float_a = cfg->A_dtype != BITBLAS_DTYPE_INT8;
  /* The tiled mma family for int8 A: from M = 32 (where tcgemv_int8's blocks of 32 rows of A
   * begin to read W again and again), where K is whole 16-byte vectors. From M = 256 it is the
   * only family offered: on an H200 it won all 24 Llama-3 layers at M = 256, 1024 and 8192 (2-5x
   * faster than tcgemv_int8), and the other families' slow runs made the tuning of a large shape
   * take seconds more (bench/RESULTS.md, twenty-first section). */
  const int int8_mma = !float_a && M >= 32 && cfg->K % 16 == 0;
  const int int8_tiles_only = int8_mma && M >= 256;
  /* Tensor-core gemvs first where they apply: float16 A up to M = 64, int8 A at any M (grid
   * rows of 32) short of the rule above. */
  if ((M <= 64 || !float_a) && !int8_tiles_only)
    count = add_shared_pairs_twins(
        cfg, out, add_given_sums_twins(cfg, out, add_tensor_core_gemvs(cfg, out, 0)));
  /* Weights in traded order: only the tensor-core gemv reads them (lane order 2). */
  if (bb_config_weight_order(cfg)) return count;
  const int gemv_first = M <= 8 || !float_a;

  /* gemv: for M up to 64 (for int8 A up to the tiles-only rule above). From M = 9
   * with float A it is left out where tcgemv applies: at M = 16 on an H100 the best gemv was
   * 1.2-9.3x slower than the best tcgemv (1.2x only at N = 1), and it added compile time to the
   * first op_get (mma stays as the fallback). */
  const int float_tensor = float_a && count > 0;
  if (((M <= 64 && (M <= 8 || !float_tensor)) || !float_a) && !int8_tiles_only) {
    const int m_tile = M >= 4 ? 4 : (M >= 2 ? 2 : 1);
    const int max_m_tile = !float_a && M > 64 ? 8 : m_tile;
    const bb_schedule gemvs[] = {
        gemv(cfg, 4, 2, m_tile, 2),     gemv(cfg, 4, 1, m_tile, 4), gemv(cfg, 8, 1, m_tile, 2),
        gemv(cfg, 4, 4, m_tile, 1),     gemv(cfg, 8, 2, m_tile, 1), gemv(cfg, 2, 2, m_tile, 2),
        gemv(cfg, 4, 2, max_m_tile, 1), gemv(cfg, 4, 1, 1, 2),
    };
    /* int8 activations with tcgemv_int8 candidates: only the last gemv, one row of A per block,
     * as a fallback (they did not win a shape of the benchmark sets on an H100, and with 4 rows
     * per block an int8 gemv takes NVRTC 1-2 s, which was the whole of the tuning's wall time
     * at M = 4 and 16). */
    const int int8_tensor = !float_a && count > 0;
    const int first_gemv = int8_tensor ? 7 : 0, end_gemv = int8_tensor || gemv_first ? 8 : 4;
    for (int i = first_gemv; i < end_gemv && count < BB_MAX_CANDIDATES; i++) {
      int duplicate = 0;
      for (int j = 0; j < count; j++) duplicate |= memcmp(&out[j], &gemvs[i], sizeof gemvs[i]) == 0;
      if (!duplicate) out[count++] = gemvs[i];
    }
  }
  /* mma: every M for float A (correct for all; fastest from a few rows up). Tiles whose A stages
   * and two W tiles fit 48 KiB of static shared memory (kernel_src/mma.cu), and three whose
   * stages are set and take dynamic shared memory (up to BB_MMA_SHARED_MAX). On an H200 at
   * M = 64-1024 (bench/RESULTS.md, nineteenth section) 64 x 64 x 64 won most Llama-3 layers,
   * 128 x 64 and 128 x 128 of 4 warps the largest. Against those (thirty-seventh section, float16
   * x uint4): 128 x 128 x 64 on 8 warps took 21 % less at M = 256 on 8192 x 8192 and 4 % less at
   * M = 1024; 128 x 128 x 32 on 8 warps with 4 stages (it had 2, all that fit 48 KiB) 6 % and 4 %
   * less than on 4 warps on 28672 x 4096 at M = 256 and 1024; 64 x 128 x 64 with 4 stages 12 % less
   * at M = 64 on 57344 x 8192. For int8 A (int8_mma above) the same tiles with k steps twice as
   * long, which are the same bytes per tile row. */
  if (float_a || int8_mma) {
    bb_schedule mmas[] = {
        mma(16, 64, 64, 1, 4, 0),   mma(32, 64, 64, 1, 4, 0),  mma(64, 64, 32, 2, 2, 0),
        mma(64, 128, 32, 2, 2, 0),  mma(128, 64, 32, 4, 1, 0), mma(128, 128, 32, 2, 4, 4),
        mma(128, 128, 32, 2, 2, 0), mma(64, 64, 64, 2, 2, 0),  mma(128, 128, 64, 2, 4, 3),
        mma(64, 128, 64, 2, 2, 4),
    };
    for (size_t i = 0; i < sizeof mmas / sizeof mmas[0] && count < BB_MAX_CANDIDATES; i++) {
      /* Skip tiles far taller than M: they only add padded rows. */
      if (mmas[i].block_m > 16 && mmas[i].block_m / 2 >= M) continue;
      if (!float_a) mmas[i].block_k *= 2;
      out[count++] = mmas[i];
    }
  }
  if (!gemv_first && count > 1 && out[0].family == BB_FAMILY_GEMV) {
    /* Put an mma candidate first for mid-size M, so the default is the likelier winner. */
    for (int i = 1; i < count; i++) {
      if (out[i].family == BB_FAMILY_MMA) {
        bb_schedule first = out[i];
        memmove(&out[1], &out[0], (size_t)i * sizeof out[0]);
        out[0] = first;
        break;
      }
    }
  }
  return count;
}

int bb_wgmma_fits(const bitblas_matmul_config *cfg) {
  if (cfg->A_dtype == BITBLAS_DTYPE_INT8)
    return bb_dtype_is_integer_weight(cfg->W_dtype) && cfg->K % 16 == 0;
  return (cfg->A_dtype == BITBLAS_DTYPE_FLOAT16 || cfg->A_dtype == BITBLAS_DTYPE_BFLOAT16) &&
         bitblas_dtype_bits(cfg->W_dtype) <= 8;
}

int bb_candidates_enumerate_for(const bitblas_matmul_config *cfg, int arch, bb_schedule *out) {
  int count = bb_candidates_enumerate(cfg, out);
  /* wgmma (sm_90a): from M = 33, where the tiled families take over from the tensor-core gemvs,
   * for the weights in the plain layout. Tiles of 64, 128 and 256 rows of A, one warpgroup per 64
   * rows; for int8 A the same tiles with k steps twice as long, the same bytes per tile row. On
   * an H200 (bench/RESULTS.md, thirty-eighth section) 128 x 256 won every Llama-3 layer of
   * float16 x uint4 at M = 1024-8192 and 3 of 8 at M = 256, and half of int8 x int2's at
   * M = 1024-8192; 64 x 256 on 2 warpgroups won one at M = 256, 256 x 128 one of int8 x int2 at
   * M = 8192; 64 x 128 and 128 x 128 won none (the mma tiles kept the other layers), and the
   * list leaves them out: each candidate adds to the first op_get's tuning, which took 3.08 s
   * on int8 x int2 57344 x 8192 at M = 1024 with them, and at most 2.55 s on the Llama-3 layers
   * at M = 1024 without them (thirty-ninth section). */
  if (arch != 90 || cfg->M <= 32 || !bb_wgmma_fits(cfg) || bb_config_weight_order(cfg))
    return count;
  bb_schedule wgmmas[] = {wgmma(256, 64, 1, 2, 4), wgmma(256, 64, 2, 1, 4),
                          wgmma(128, 64, 4, 1, 4)};
  for (size_t i = 0; i < sizeof wgmmas / sizeof wgmmas[0] && count < BB_MAX_CANDIDATES; i++) {
    if (wgmmas[i].block_m / 2 >= cfg->M) continue; /* mostly padded rows */
    if (cfg->A_dtype == BITBLAS_DTYPE_INT8) wgmmas[i].block_k *= 2;
    if (bb_wgmma_shared_bytes(&wgmmas[i], cfg) > BB_WGMMA_SHARED_MAX) continue;
    out[count++] = wgmmas[i];
  }
  return count;
}

bb_schedule bb_schedule_default(const bitblas_matmul_config *cfg) {
  bb_schedule all[BB_MAX_CANDIDATES];
  bb_candidates_enumerate(cfg, all);
  return all[0];
}
