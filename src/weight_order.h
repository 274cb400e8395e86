/*
 * weight_order.h - the physical orders kernels read W in, and the host transform into them
 * (bitblas_op_transform_weight). The caller only ever supplies the plain packed layout of SPEC
 * section 2 (src/pack.h); which order an operator's kernels read follows from its config.
 */
#ifndef BITBLAS_WEIGHT_ORDER_H
#define BITBLAS_WEIGHT_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "bitblas.h"

/* The order the kernels of cfg's operator read W in: 0 for the plain packed layout, or L (4 or
 * 2) for traded words: in every segment of 16 * L bytes of a row, word 4w + t of the plain
 * layout is stored at word L * t + w (t < 4, w < L), so that each of the four lanes that share
 * a row in the tensor-core gemv (kernel_src/tcgemv.cu, lane order 2) loads, in one load, words
 * whose activations are contiguous with its neighbours'. Within each traded 32-bit word of 1- or
 * 2-bit codes the codes are split by parity (bb_weight_order_splits): the word's code 2i (of b
 * bits) sits at bits i b and code 2i + 1 at bits 16 + i b, so that the pair of codes one LOP3
 * turns into a float16 pair is two neighbours in k, whose activations are one 32-bit register
 * as loaded (no PRMT to gather them). Rows stay where they are: storing
 * them in blocks of 8, segment by segment, so that one warp's load reads whole 128-byte lines,
 * was 2-14% slower on an H200 (the L2's 256-byte prefetch along a row then fetches nothing
 * new; bench/RESULTS.md, fifth section). Traded for a static M of at most 16
 * with float16 A and 1-, 2- or 4-bit integer weights, or float16 or bfloat16 A and 4-bit table
 * codes (NF4, FP4), when K is whole segments and the group fits them (bb_weight_order_groups_fit;
 * L = 4 where that holds, else 2 from M = 9); plain otherwise, and always for dynamic M, whose
 * larger buckets run families that read the plain layout. */
int bb_config_weight_order(const bitblas_matmul_config *cfg);

/* Whether traded words (`words` per lane, `bits`-bit codes) serve groups of `group` k: whole
 * segments (128 * words / bits k) per group, or, with 4 words per lane, two groups per segment.
 * In the traded order lane t's word w is the segment's word 4w + t, so then every lane meets the
 * segment's first group in its words 0 and 1 and the second in 2 and 3, and the kernels restart
 * their sums at each group. */
int bb_weight_order_groups_fit(int bits, int words, int64_t group);

/* Whether traded words of `bits`-bit codes have their codes split by parity: for 1- and 2-bit
 * codes. The one rule for both sides: the emitter passes it to the kernels (BB_SPLIT_PAIRS). On an
 * H200 the split made the tuned 1-bit kernels 7 % faster at M = 1 and the 2-bit ones 5 %, and
 * gained nothing for 4-bit codes (bench/RESULTS.md, seventeenth section), whose words keep their
 * plain order. */
int bb_weight_order_splits(int bits);

/* Writes `rows` rows of `row_bytes` bytes from `plain` (the plain packed layout) to `out` in the
 * traded order of `words` (2 or 4) for codes of `bits` bits: within each segment of 16 * words
 * bytes, plain 32-bit word 4w + t goes to word words * t + w, with its codes split by parity
 * where bb_weight_order_splits(bits) (bb_weight_order_split_word). row_bytes must be a multiple of
 * 16 * words (the order's rule guarantees it); plain and out must not overlap. Rows may be
 * transformed in pieces. */
void bb_weight_order_trade(const void *plain, void *out, int64_t rows, size_t row_bytes, int words,
                           int bits);

/* The 32-bit word x of `bits`-bit codes (1, 2, 4 or 8; code i at bits i * bits) with its codes
 * split by parity: code 2i at bits i * bits, code 2i + 1 at bits 16 + i * bits. */
uint32_t bb_weight_order_split_word(uint32_t x, int bits);

#endif
