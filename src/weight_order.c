/*
 * weight_order.c - which physical order an operator's kernels read W in, and the host-side
 * transform from the plain packed layout into it.
 */
#include "weight_order.h"

#include <string.h>

#include "config.h"

int bb_weight_order_groups_fit(int bits, int words, int64_t group) {
  const int64_t segment_k = 128 * (int64_t)words / bits;
  /* Two groups per 64-byte segment (16 bytes per lane), not four: on an H200, 4-bit codes in
   * groups of 32 read that way were 13 % slower at M = 1 than in the plain order (up to 1.8x
   * where K = 28672 puts the scales outside shared memory), while groups of 64 tied at M = 1 and
   * were 10 % faster at M = 16, and 2-bit codes in groups of 128 4-8 % faster (bench/RESULTS.md,
   * twelfth section). FP4 in groups of 32 confirmed it (thirty-fourth section): four groups per
   * 64-byte segment were up to 38 % slower at M = 1 and 11.5 % at M = 16 on the large layers,
   * and two per 32-byte segment 1.9-18.5 % slower at M = 16. So 32-byte segments keep one group
   * each. */
  return group % segment_k == 0 || (words == 4 && segment_k == 2 * group);
}

int bb_config_weight_order(const bitblas_matmul_config *cfg) {
  const int bits = bitblas_dtype_bits(cfg->W_dtype);
  /* Table codes: on an H200 the tuned NF4 kernels (g64, Llama-3 sets) were 2-3 % faster at M = 1
   * and 8 % at M = 16 in the traded order, float16 and bfloat16 activations alike: each load of
   * activations then reads one contiguous run for the four lanes of a row (bench/RESULTS.md,
   * thirty-third section). */
  const int table = bb_dtype_is_table_weight(cfg->W_dtype);
  const int integer =
      bb_dtype_is_integer_weight(cfg->W_dtype) && (bits == 1 || bits == 2 || bits == 4);
  const int activations =
      cfg->A_dtype == BITBLAS_DTYPE_FLOAT16 || (table && cfg->A_dtype == BITBLAS_DTYPE_BFLOAT16);
  if (cfg->dynamic_m || cfg->M > 16 || !activations || !(integer || table)) return 0;
  const int64_t group = bb_config_group(cfg);
  /* Two words per lane only from M = 9: at M = 1 on an H200 they were up to 14% slower than
   * four words per lane in the plain order, which codes whose group fits no 64-byte segment
   * (such as 2-bit codes in groups of 128 when K = 4224) can still use with scales applied
   * before the mma (bench/RESULTS.md, fifth section). */
  for (int words = 4; words >= (cfg->M >= 9 ? 2 : 4); words -= 2) {
    const int64_t segment_k = 128 * (int64_t)words / bits;
    if (cfg->K % segment_k == 0 && bb_weight_order_groups_fit(bits, words, group)) return words;
  }
  return 0;
}

int bb_weight_order_splits(int bits) { return bits <= 2; }

uint32_t bb_weight_order_split_word(uint32_t x, int bits) {
  /* The outer unshuffle of the word's bits, in delta swaps: each step with stride s moves the
   * odd halves of runs of 4s bits up into the even halves' place. Codes of b bits are whole
   * runs of b bits, so their steps start at stride b. */
  static const uint32_t masks[4] = {0x22222222u, 0x0c0c0c0cu, 0x00f000f0u, 0x0000ff00u};
  for (int step = 0, stride = 1; step < 4; step++, stride <<= 1) {
    if (stride < bits) continue;
    const uint32_t t = (x ^ (x >> stride)) & masks[step];
    x ^= t ^ (t << stride);
  }
  return x;
}

void bb_weight_order_trade(const void *plain, void *out, int64_t rows, size_t row_bytes, int words,
                           int bits) {
  const size_t segment_bytes = 16 * (size_t)words;
  const int split = bb_weight_order_splits(bits);
  const uint8_t *from = plain;
  uint8_t *to = out;
  for (size_t offset = 0; offset < (size_t)rows * row_bytes; offset += segment_bytes)
    for (int t = 0; t < 4; t++)
      for (int w = 0; w < words; w++) {
        uint32_t word;
        memcpy(&word, from + offset + 4 * (size_t)(4 * w + t), 4);
        if (split) word = bb_weight_order_split_word(word, bits);
        memcpy(to + offset + 4 * (size_t)(words * t + w), &word, 4);
      }
}
