// tcgemv.cu - the tensor-core family for small batches (M <= 32): integer weights (and the 4-bit
// tables NF4 and FP4, and float8, scales before the mma only) decoded straight from registers
// into mma.sync fragments, float16 activations (or bfloat16, scales before the mma), float32
// accumulators. It computes C^T = W . A^T so that the weights are the 16-row "A" operand and up
// to 8 rows of activations the 8-column "B" operand: no tensor-core work is wasted on padding
// rows at M <= 8.
// (common.cuh comes before this text.) Bit tricks below assume BB_W_BITS in {1, 2, 4, 8}.
//
// Schedule parameters (from the emitter):
//   BB_WARPS       warps per block; they split K and add up through shared memory
//   BB_N_TILES     16-row tiles of W per block (each warp does all of them, sharing activations)
//   BB_M_TILES     8-row tiles of A per block (the W fragments are reused for each)
//   BB_UNROLL      segments per pipeline stage (loaded together)
//   BB_STAGES      pipeline stages (2 to 4): loads run BB_STAGES - 1 stages ahead
//   BB_LANE_WORDS  32-bit words of codes each lane loads per row and segment (4, 2 or 1)
//   BB_POST_SCALE  1: scales and zeros are applied to float32 sums after the mma (below)
//   BB_LANE_ORDER  0: words as loaded; 1: the lanes of a row trade words after loading them;
//                  2: the weights were stored with the words already traded (below)
//   BB_SPLIT_PAIRS 1: the stored words also have their codes split by parity (lane order 2 with
//                  the codes src/weight_order.c splits: bb_weight_order_splits)
//   BB_MIN_BLOCKS  (optional) blocks per SM that ptxas must fit: at most 65536 / (32 x BB_WARPS x
//                  BB_MIN_BLOCKS) registers per thread, whatever that costs in spills
//   BB_SHARED_PAIRS (optional) 1: 4-bit table codes (NF4, FP4) looked up two at a time in a
//                  table of all 256 code pairs' values in shared memory (below), instead of in
//                  registers with PRMT (common.cuh, bb_table_pair)
//   BB_GIVEN_SUMS  (optional) 1: with scales after the mma and groups shorter than the row, the
//                  activations' sums per group come from bitblas_act_sums (end of this file),
//                  run just before the product into a workspace of the run, instead of one more
//                  mma per block and group (tuner/launch.h launches the two)
//
// Weights are in the plain packed layout (lane order 2: with words traded inside each segment,
// below). A "segment" is 128 * BB_LANE_WORDS / b consecutive k of a row: 4 lanes (t = lane % 4)
// each load 4 * BB_LANE_WORDS bytes of it, lane t the t-th quarter. The k order inside the mma
// is free as long as W and A agree, so each lane keeps its own k and we choose which of them
// are the fragment's "k = 2t, 2t+1" pair: the two codes at bits p*b and p*b + 16 of a 32-bit
// word, which one LOP3 turns into a float16 pair (below). In the plain layout those are the
// word's codes p and p + 16/b, whose activations are gathered with one PRMT from the lane's own
// slice of A; with lane order 2, words of 1- and 2-bit codes are stored with their codes split
// by parity (code 2p at bits p*b, 2p + 1 at bits p*b + 16: BB_SPLIT_PAIRS), so the pair's
// activations are one register as loaded.
//
// Lane order: as loaded, lane t's k start 4 * BB_WORD_K * t apart, so each of its loads of A
// (one word's activations) sits in a different part of the row than its three neighbours', and
// at M = 16 those scattered loads of A, not the weights, kept L1 busy. With BB_LANE_ORDER 1 the
// four lanes of a row trade words (shuffles) so that lane t's word w is the segment's word
// 4w + t: the four lanes' activations of word w are then one contiguous run of the row. With
// BB_LANE_ORDER 2 the weights already sit in that order (bitblas_op_transform_weight stores
// word 4w + t of every segment of BB_SEG_BYTES at word BB_LANE_WORDS * t + w, the codes of 1-
// and 2-bit words split by parity: src/weight_order.h), so the loads give each lane its words
// without shuffles. With either, which run of four lanes' words (4 * BB_WORD_K k) lane t's word
// w falls in depends on w alone, so a segment may hold several groups of whole such runs: each
// lane meets them in the same order, BB_SUBGROUP_WORDS words each (below).
//
// Two ways to apply scales and zeros:
//   BB_POST_SCALE 0: each code pair is made the float16 pair 1024 + 2^(jb) u (0x6400 | u is the
//     float16 1024 + u) and dequantized before the mma (one exact subtraction and one FMA per
//     pair); works for any group that is a multiple of a lane's k in the loaded order (traded
//     orders: see above).
//   BB_POST_SCALE 1: the mma multiplies the codes themselves: the masked bits alone, code bits at
//     jb .. jb + b - 1 of a half with a zero exponent, are the float16 subnormal 2^(jb - 24) u,
//     exact (one LOP3 per pair, and the tensor cores take subnormal float16 as it is). Per row
//     and group the weight is w = a u + c, so sum(w x) = a 2^(24 - jb) T_j + c S over the
//     positions j, where T_j is the mma's sum of position j and S the activations' sum, which
//     one more mma with a fragment of ones gives where some row has c != 0. Needs whole
//     segments per group in the loaded order; traded orders also take a segment of 2 or 4 groups
//     (the sums restart at each; the candidate list offers 2, see bb_weight_order_groups_fit).
//     Where one group spans the row, the sums run over the whole row and are scaled once.
// The candidate list only offers schedules that fit the config; the guards below make a misfit
// a compile error rather than wrong sums.
#define BB_THREADS (32 * BB_WARPS)
#define BB_WORD_K (32 / BB_W_BITS)               // k per 32-bit word of codes
#define BB_LANE_K (BB_LANE_WORDS * BB_WORD_K)    // k per lane per segment
#define BB_SEG_K (4 * BB_LANE_K)                 // k per segment
#define BB_SEG_BYTES (16 * BB_LANE_WORDS)        // bytes of a row per segment
#define BB_SEGMENTS (BB_K / BB_SEG_K)
#if BB_K % BB_SEG_K != 0
#error "K must be whole segments"
#endif
// Groups a lane meets in turn within one segment, and its words per group: in the loaded order a
// lane's words are contiguous k (one group, as BB_GROUP % BB_LANE_K == 0); traded, word w of
// every lane lies in the segment's group w / BB_SUBGROUP_WORDS.
#define BB_SUBGROUPS (BB_LANE_ORDER && BB_GROUP < BB_SEG_K ? BB_SEG_K / BB_GROUP : 1)
#define BB_SUBGROUP_WORDS (BB_LANE_WORDS / BB_SUBGROUPS)
#if BB_LANE_ORDER
#if BB_GROUP % BB_SEG_K != 0 && (BB_SEG_K % BB_GROUP != 0 || BB_GROUP % (4 * BB_WORD_K) != 0)
#error "traded words need whole segments per group, or whole groups of 4 lanes' words per segment"
#endif
#else
#if BB_GROUP % BB_LANE_K != 0
#error "a group must be whole lanes' k"
#endif
#if BB_POST_SCALE && BB_GROUP % BB_SEG_K != 0
#error "scales after the mma need whole segments per group in the loaded order"
#endif
#endif
#if BB_LANE_ORDER && BB_LANE_WORDS < 2
#error "traded words need 2 or 4 words per lane"
#endif
#define BB_PAIR_STRIDE (16 / BB_W_BITS)          // the second code of a pair sits 16 bits higher
#if BB_SPLIT_PAIRS && BB_LANE_ORDER != 2
#error "codes split by parity come only with traded words"
#endif
#define BB_CODE_MASK2 (BB_W_MASK * 0x00010001u)
// BB_MAGIC2: the bits a code pair is XORed with before the mma. Scales before it: 0x6400, the
// float16 1024, so that the pair is 1024 + 2^(jb) u; after it: none, a subnormal 2^(jb-24) u.
// int8 codes also flip their sign bit: 2^(jb) (q + 128) is then offset binary, as for int codes.
#if BB_POST_SCALE
#define BB_MAGIC_EXPONENT 0u
#else
#define BB_MAGIC_EXPONENT (BB_CODE_MAGIC * 0x00010001u)  // bfloat16: 128 + 2^(jb) u, 8-bit none
#endif
#if BB_W_KIND == BB_WK_INT8
#define BB_MAGIC2 (BB_MAGIC_EXPONENT | 0x00800080u)  // u ^ 0x80 = q + 128
#elif BB_W_KIND == BB_WK_INT
#define BB_MAGIC2 BB_MAGIC_EXPONENT
#else
#define BB_MAGIC2 BB_MAGIC_EXPONENT  // uint and int1 (q = 2u - 1 below)
#endif
// One group spans the whole row: scales and zeros are the same for every segment of a row.
#define BB_ROW_WISE (BB_GROUP >= BB_K)
#ifndef BB_GIVEN_SUMS
#define BB_GIVEN_SUMS 0
#endif
#if BB_POST_SCALE && BB_W_VALUE_PAIRS
#error "codes that stand for values (NF4, FP4, float8) take scales before the mma"
#endif
// bfloat16 activations: scales before the mma only (the codes after it are float16 subnormals).
#if BB_A_KIND == 1 && BB_POST_SCALE
#error "bfloat16 activations take scales before the mma"
#endif
#if BB_GIVEN_SUMS && (!BB_POST_SCALE || BB_ROW_WISE)
#error "given activation sums are for scales after the mma, in groups shorter than the row"
#endif
#ifndef BB_SHARED_PAIRS
#define BB_SHARED_PAIRS 0
#endif
#if BB_SHARED_PAIRS && !BB_W_TABLE
#error "the shared table of code pairs is for 4-bit table codes"
#endif
// Pair p of a word is its codes 2p and 2p + 1 (k 2p and 2p + 1, one register of A as loaded)
// where the stored codes are split by parity, or where the shared table looks up byte p; else
// its codes p and p + BB_PAIR_STRIDE (k p and p + BB_PAIR_STRIDE).
#define BB_ADJACENT_PAIRS (BB_SPLIT_PAIRS || BB_SHARED_PAIRS)

#if BB_SHARED_PAIRS
// The values of every pair of 4-bit codes, in A's 16-bit type: entry e holds code e & 15's value
// in its low half and code e >> 4's in its high half, so that byte p of a word of codes looks up
// its pair p with one load. 32 copies of each entry side by side (128 bytes), copy l read by
// lane l only: every lane reads its own bank, whatever codes the 32 lanes look up, so a lookup
// is one pass. 32 KiB of static shared memory, which the cross-warp sums take over after the
// main loop. In registers (bb_table_pair) a word's 4 pairs took 25 PRMT and LOP3, about twice an
// integer word's dequantization; here they take 4 loads and 8 integer instructions.
#define BB_PAIR_TABLE_BYTES (256 * 32 * 4)
union bb_pair_memory {
  bb_u32 values[256 * 32];
  float partial[BB_WARPS][BB_N_TILES * 16][BB_M_TILES * 8];  // the cross-warp sums
};
__shared__ __align__(16) bb_pair_memory bb_pair_shared;
#define bb_pair_values (bb_pair_shared.values)

// Fills the table: every thread of the block takes part; the caller synchronizes the block.
__device__ __forceinline__ void bb_pair_values_fill() {
  for (int i = threadIdx.x; i < 256 * 8; i += BB_THREADS) {
    const bb_u32 entry = (bb_u32)i >> 3;  // 8 stores of 4 copies each per entry
    // Codes entry & 15 and entry >> 4 as nibbles 0 and 4 of a word: bb_table_pair's pair 0.
    const bb_u32 pair = bb_table_pair((entry & 15u) | (entry >> 4) << 16, 0);
    *(uint4 *)&bb_pair_values[32 * entry + 4 * (i & 7)] = make_uint4(pair, pair, pair, pair);
  }
}

// The shared-window address of lane `lane`'s copy of entry 0.
__device__ __forceinline__ bb_u32 bb_pair_lane_base(int lane) {
  return bb_shared_address(bb_pair_values) + 4u * (bb_u32)lane;
}

// Pair p of word x (byte p: codes 2p and 2p + 1) as its two values; lane_base from
// bb_pair_lane_base. One PRMT moves byte p down to an entry number, and one LEA adds its offset
// (128 bytes an entry) to lane_base. The load is volatile so that it stays behind the barrier
// after the table's fill.
__device__ __forceinline__ bb_u32 bb_shared_pair(bb_u32 x, int p, bb_u32 lane_base) {
  const bb_u32 entry = bb_prmt(x, 0u, 0x4440u | (bb_u32)p);
  bb_u32 pair;
  asm volatile("ld.shared.u32 %0, [%1];" : "=r"(pair) : "r"(lane_base + (entry << 7)));
  return pair;
}
#else
#define BB_PAIR_TABLE_BYTES 0
#endif

// This lane's codes of one row and segment: 16, 8 or 4 bytes, streamed past L1.
__device__ __forceinline__ void bb_load_codes(bb_u32 (&words)[BB_LANE_WORDS], const bb_u8 *p) {
#if BB_LANE_WORDS == 4
  bb_stream_load16(words, p);
#elif BB_LANE_WORDS == 2
  bb_stream_load8(words, p);
#else
  bb_stream_load4(words, p);
#endif
}

// The codes of one pair p sit at bits p*b and p*b + 16 of a word. Pairs come in positions
// j = p % BB_POSITIONS: position j is read with the mask shifted left by jb (so its float16 is
// 1024 + 2^(jb) u, or 2^(jb - 24) u after the mma, still exact), which saves the shifts of the
// word in between; position j carries a factor 2^(jb) that is taken out later. The next
// BB_POSITIONS pairs need the word shifted by BB_POSITIONS * b.
//   Scales before the mma, and 4- and 8-bit codes: two positions (one for 8-bit, and for 4-bit
//     codes with bfloat16 activations: BB_DEQUANT_POSITIONS), the factor removed by each
//     position's scale (or, after the mma, by each position's own sums).
//   Scales after the mma with 1- and 2-bit codes (BB_PRESCALED_ACTS): every code of a byte is a
//     position of its own (8 or 4), so a word is shifted once, by 8. The activations of
//     position j are multiplied by 2^(-jb) in the B fragment instead, so that all positions sum
//     into one accumulator per tile (below). The shifts were 17 % of the instructions of the
//     1-bit M = 1 kernel on an H200, whose busiest pipe was the integer one (57 %).
//   The shared table of pairs (BB_SHARED_PAIRS): one position, as it looks up values.
#define BB_PRESCALED_ACTS (BB_POST_SCALE && BB_W_BITS <= 2)
#define BB_POSITIONS                                                                         \
  (BB_SHARED_PAIRS  ? 1                                                                      \
   : !BB_POST_SCALE ? BB_DEQUANT_POSITIONS                                                   \
   : BB_W_BITS == 8 ? 1                                                                      \
   : BB_PRESCALED_ACTS ? 8 / BB_W_BITS                                                       \
                       : 2)

// Code pair p of word x as two float16 values: h = 1024 + 2^(jb) u with scales before the mma,
// the subnormal h = 2^(jb - 24) u with scales after it. One LOP3 (and a shift of the word for
// each new run of BB_POSITIONS pairs, shared by the pairs of the run).
__device__ __forceinline__ bb_u32 bb_code_pair(bb_u32 x, int p) {
  const int j = p % BB_POSITIONS;
  const bb_u32 shifted = x >> ((p / BB_POSITIONS) * BB_POSITIONS * BB_W_BITS);
  const bb_u32 mask = BB_CODE_MASK2 << (j * BB_W_BITS);
#if BB_MAGIC2 == 0
  return shifted & mask;
#else
  return bb_and_xor(shifted, mask, BB_MAGIC2);
#endif
}

// The first k of lane t's word w in segment seg.
__device__ __forceinline__ int bb_word_k(int seg, int t, int w) {
#if BB_LANE_ORDER
  return seg * BB_SEG_K + (4 * w + t) * BB_WORD_K;
#else
  return seg * BB_SEG_K + t * BB_LANE_K + w * BB_WORD_K;
#endif
}

#if BB_LANE_ORDER == 1
// Lane order 1: x holds the lane's words of one row as loaded (the segment's words
// BB_LANE_WORDS * t + i); afterwards word w is the segment's word 4w + t.
__device__ __forceinline__ void bb_trade_words(bb_u32 (&x)[BB_LANE_WORDS], int lane) {
  const int t = lane & 3;
#if BB_LANE_WORDS == 4
  // A 4 x 4 transpose over (lane t, word i) in two butterfly steps, one per bit of t: each lane
  // sends its two words whose index differs from t in that bit and gets its partner's two in
  // their place.
#pragma unroll
  for (int bit = 1; bit <= 2; bit <<= 1) {
    const int set = (t & bit) != 0;
#pragma unroll
    for (int pair = 0; pair < 2; pair++) {
      const int low = pair * (3 - bit), high = low + bit;  // indices with the bit clear / set
      const bb_u32 got = __shfl_xor_sync(0xffffffffu, set ? x[low] : x[high], bit);
      if (set)
        x[low] = got;
      else
        x[high] = got;
    }
  }
#elif BB_LANE_WORDS == 2
  // Word w is the segment's word 4w + t: word t % 2 of lane (4w + t) / 2.
  bb_u32 y[2];
#pragma unroll
  for (int w = 0; w < 2; w++) {
    const int source = (lane & ~3) + (4 * w + t) / 2;
    const bb_u32 even = __shfl_sync(0xffffffffu, x[0], source);
    const bb_u32 odd = __shfl_sync(0xffffffffu, x[1], source);
    y[w] = (t & 1) ? odd : even;
  }
  x[0] = y[0];
  x[1] = y[1];
#else
#error "lane order 1 needs 2 or 4 words per lane"
#endif
}
#endif

// One segment's codes as the mma takes them: the stage's words, traded across lanes for lane
// order 1 (lane order 2 loaded them traded).
__device__ __forceinline__ void bb_segment_codes(bb_u32 (&out)[BB_N_TILES][2][BB_LANE_WORDS],
                                                 const bb_u32 (&in)[BB_N_TILES][2][BB_LANE_WORDS],
                                                 int lane) {
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int half = 0; half < 2; half++) {
#pragma unroll
      for (int w = 0; w < BB_LANE_WORDS; w++) out[j][half][w] = in[j][half][w];
#if BB_LANE_ORDER == 1
      bb_trade_words(out[j][half], lane);
#endif
    }
  (void)lane;
}

__device__ __forceinline__ bb_row_params bb_row_params_load(const bb_u16 *scales,
                                                            const void *zeros, int n, int group) {
  bb_row_params r;
  r.scale = BB_PAIR_ONE;  // 1.0
  r.zero = 0;
#if BB_SCALING
  const int index = n * (BB_K / BB_GROUP) + group;
  r.scale = scales[index];
#if BB_ZEROS == 1 || BB_ZEROS == 2
  r.zero = ((const bb_u16 *)zeros)[index];
#elif BB_ZEROS == 3
  const bb_u8 *row = (const bb_u8 *)zeros + (size_t)group * BB_QZ_ROW_BYTES;
  const int bit = n * BB_W_BITS;
  r.zero = (row[bit >> 3] >> (bit & 7)) & BB_W_MASK;
#endif
#endif
  return r;
}

#if BB_POST_SCALE
// ---- scales after the mma -----------------------------------------------------------------
// Per row and group the weight is w = a u + c in the stored code u (u ^ 0x80 for int8):
//   q = kappa u - o (kappa 2 and o 1 for int1; o the code offset otherwise), then
//   none: w = s q;  original: w = (q - z) s;  rescale: w = q s - z;  quantized: w = (q - zq) s.
// The mma gives T_j = sum 2^(jb - 24) u x over position j, and S = sum x, so
//   sum w x = sum_j a 2^(24 - jb) T_j + c S.
// With prescaled activations x' = 2^(-jb) x (exact: a power of two) all positions sum into one
// T = sum 2^(jb - 24) u x' = 2^(-24) sum u x, so sum w x = a 2^24 T + c S.
// Unsigned codes without zeros have c = 0 in every row, and need no S.
#define BB_ACT_SUMS (BB_ZEROS != 0 || BB_CODE_OFFSET != 0 || BB_W_KIND == BB_WK_INT1)
#if BB_GIVEN_SUMS && !BB_ACT_SUMS
#error "given activation sums for a format whose weights need none"
#endif
// S from one more mma per block (else given, or not needed).
#define BB_MMA_ACT_SUMS (BB_ACT_SUMS && !BB_GIVEN_SUMS)
// Positions with sums of their own: one when the activations are prescaled.
#define BB_SUM_POSITIONS (BB_PRESCALED_ACTS ? 1 : BB_POSITIONS)

struct bb_row_coeffs {
  float t[BB_SUM_POSITIONS];  // a 2^(24 - jb); prescaled, a 2^24
  float c;
};

__device__ __forceinline__ bb_row_coeffs bb_row_coeffs_make(const bb_row_params &r) {
  const float scale = bb_half_to_float(r.scale);
#if BB_W_KIND == BB_WK_INT1
  const float a = 2.0f * scale, o = 1.0f;
#else
  const float a = scale, o = (float)BB_CODE_OFFSET;
#endif
  bb_row_coeffs k;
#if BB_ZEROS == 1
  k.c = -scale * (o + bb_half_to_float(r.zero));
#elif BB_ZEROS == 2
  k.c = -scale * o - bb_half_to_float(r.zero);
#elif BB_ZEROS == 3
  k.c = -scale * (o + (float)r.zero);
#else
  k.c = -scale * o;
#endif
#pragma unroll
  for (int j = 0; j < BB_SUM_POSITIONS; j++) k.t[j] = a * (float)(1 << (24 - j * BB_W_BITS));
  return k;
}

// Raw sums of the codes (per n tile, m tile, position) and, where needed, of the activations
// (per m tile: S for column 2t + (e & 1), the same in every row).
struct bb_raw_sums {
  float codes[BB_N_TILES][BB_M_TILES][BB_SUM_POSITIONS][4];
#if BB_MMA_ACT_SUMS
  float acts[BB_M_TILES][4];
#endif
};

__device__ __forceinline__ void bb_raw_sums_clear(bb_raw_sums &r) {
#pragma unroll
  for (int e = 0; e < 4; e++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++) {
#if BB_MMA_ACT_SUMS
      r.acts[i][e] = 0.0f;
#endif
#pragma unroll
      for (int p = 0; p < BB_SUM_POSITIONS; p++)
#pragma unroll
        for (int j = 0; j < BB_N_TILES; j++) r.codes[j][i][p][e] = 0.0f;
    }
}

// The activations' sums S of one group for this lane's columns: s[i][c] for column 8i + 2t + c
// of the block (the same in rows g and g + 8).
struct bb_act_sums {
  float s[BB_M_TILES][2];
};

// S of one group: from the raw sums' mma, or (BB_GIVEN_SUMS) from the run's workspace, which
// bitblas_act_sums filled as [group][row] with BB_SUMS_ROWS rows (rows past M are zeros).
#define BB_SUMS_ROWS (gridDim.y * 8 * BB_M_TILES)
__device__ __forceinline__ bb_act_sums bb_act_sums_get(const bb_raw_sums &r,
                                                       const float *__restrict__ given, int group,
                                                       int m_block, int lane) {
  bb_act_sums a;
#pragma unroll
  for (int i = 0; i < BB_M_TILES; i++) {
#if BB_GIVEN_SUMS
    const float2 pair = *(const float2 *)(given + (size_t)group * BB_SUMS_ROWS + m_block + 8 * i +
                                          2 * (lane & 3));
    a.s[i][0] = pair.x;
    a.s[i][1] = pair.y;
    (void)r;
#elif BB_ACT_SUMS
    a.s[i][0] = r.acts[i][0];
    a.s[i][1] = r.acts[i][1];
    (void)given, (void)group, (void)m_block, (void)lane;
#else
    a.s[i][0] = a.s[i][1] = 0.0f;  // unused: c = 0 in every row
    (void)r, (void)given, (void)group, (void)m_block, (void)lane;
#endif
  }
  return a;
}

// acc += the weights' products, from the raw sums, the activations' sums and each row's
// parameters (rows g and g + 8 of every n tile). acc[j][i][e] is row 16j + g (+8 for e >= 2).
__device__ __forceinline__ void bb_raw_sums_apply(const bb_raw_sums &r, const bb_act_sums &act,
                                                  const bb_row_params (&params)[BB_N_TILES][2],
                                                  float (&acc)[BB_N_TILES][BB_M_TILES][4]) {
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++) {
    const bb_row_coeffs rows[2] = {bb_row_coeffs_make(params[j][0]),
                                   bb_row_coeffs_make(params[j][1])};
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const bb_row_coeffs &k = rows[e >> 1];
        float value = acc[j][i][e];
#pragma unroll
        for (int p = 0; p < BB_SUM_POSITIONS; p++) value = fmaf(k.t[p], r.codes[j][i][p][e], value);
#if BB_ACT_SUMS
        value = fmaf(k.c, act.s[i][e & 1], value);
#endif
        acc[j][i][e] = value;
      }
  }
}
#else
// ---- scales before the mma ----------------------------------------------------------------
// Per row and segment, each pair is dequantized in float16 (bb_row_dequant and bb_dequant_pair,
// common.cuh), whose positions and magic are this file's.
#if !BB_W_VALUE_PAIRS && (BB_POSITIONS != BB_DEQUANT_POSITIONS || BB_MAGIC2 != BB_DEQUANT_MAGIC2)
#error "scales before the mma take the dequantization's positions and magic"
#endif

struct bb_raw_sums {};  // unused: the products land in acc directly
#endif

// Whether each segment needs its rows' scale and zero (not when one group spans the row and
// scales come after the mma: those are loaded once).
#define BB_STAGE_PARAMS (!(BB_POST_SCALE && BB_ROW_WISE))

// Per-segment scales and zeros from shared memory: the block copies its rows' scales and float
// zeros for all of K there once, with coalesced loads. Loaded by each lane per segment instead,
// one 2-byte load per row and parameter touches 8 rows' lines per warp: on an H200 those loads
// were most of the L1 data-pipe wavefronts, the busiest unit of the 4-bit M = 1 kernels.
// Quantized (bit-packed) zeros keep the per-segment loads, as do tables that would not fit in
// 48 KiB of static shared memory beside the cross-warp sums.
#define BB_GROUPS (BB_K / BB_GROUP)
#define BB_TABLE_ARRAYS (BB_ZEROS == 1 || BB_ZEROS == 2 ? 2 : 1)
// Whether the table may travel in 16-byte asynchronous copies (bb_param_table_start): whole
// 16-byte pieces per row, rows of at least 64 groups, and more entries than 2-byte loads bring
// in one trip (up to 4 per thread and array). On an H200 the copy made tuned winners of K = 8192
// and 28672 (64 and 224 groups of 128) 2-16 % faster; at K = 4096 (32 groups) it gained at most
// 1 % and lost up to 6 %, and up to 15 % where the 2-byte loads took one trip, so rows of 32
// groups keep them.
#define BB_TABLE_ASYNC                                                                       \
  (BB_GROUPS % 8 == 0 && BB_GROUPS >= 64 && 16 * BB_N_TILES * BB_GROUPS > 4 * BB_THREADS)
// Row stride in halves, so that the 8 rows of one load fall in 8 different banks: an odd number
// of 4-byte words, or 4 x an odd number where rows must start on 16-byte boundaries for the
// asynchronous copy.
#define BB_TABLE_ROW_WORDS                                                                   \
  (BB_TABLE_ASYNC ? 4 * ((((BB_GROUPS + 1) / 2 + 3) / 4) | 1) : ((BB_GROUPS + 1) / 2) | 1)
#define BB_TABLE_STRIDE (2 * BB_TABLE_ROW_WORDS)
// The static shared memory of the cross-warp sums (end of the kernel), or of the table of pairs
// where that is larger and the sums take its place.
#define BB_CROSS_WARP_BYTES (BB_WARPS * 16 * BB_N_TILES * 8 * BB_M_TILES * 4)
#define BB_SUMS_OR_PAIRS_BYTES                                                               \
  (BB_PAIR_TABLE_BYTES > BB_CROSS_WARP_BYTES ? BB_PAIR_TABLE_BYTES : BB_CROSS_WARP_BYTES)
#define BB_SHARED_PARAMS                                                                     \
  (BB_STAGE_PARAMS && BB_SCALING && BB_ZEROS != 3 &&                                         \
   BB_TABLE_ARRAYS * 16 * BB_N_TILES * BB_TABLE_STRIDE * 2 + BB_SUMS_OR_PAIRS_BYTES <=        \
       48 * 1024)

struct bb_param_table {
#if BB_SHARED_PARAMS
  // scales, zeros; rows on 16-byte boundaries for the asynchronous copy
  __align__(BB_TABLE_ASYNC ? 16 : 2)
      bb_u16 values[BB_TABLE_ARRAYS][16 * BB_N_TILES][BB_TABLE_STRIDE];
#else
  bb_u16 unused;
#endif
};

// Copies the scales (and float zeros) of rows n_block .. n_block + 16 * BB_N_TILES - 1 (rows past
// N: the last row's) into the table, in two steps around the first stages' weight loads; the
// caller synchronizes the block after the second. The block's rows are one contiguous run of
// each array: where BB_TABLE_ASYNC allows and the run lies whole inside the arrays on 16-byte
// boundaries, the first step starts 16-byte asynchronous copies of it, all in flight together
// with the weight loads, and the second waits for them. (2-byte loads, each stored as it came,
// took two trips to memory per block at K = 8192: 17 % of the stall samples of the 4-bit M = 1
// kernel on an H200, whose blocks there run only 8 segments per warp.) Otherwise the second step
// copies it with one 2-byte load per entry. The first step returns whether it started copies.
__device__ __forceinline__ bool bb_param_table_start(bb_param_table &table, const bb_u16 *scales,
                                                     const void *zeros, int n_block) {
  bool async = false;
#if BB_SHARED_PARAMS && BB_TABLE_ASYNC
  const size_t first = (size_t)n_block * BB_GROUPS;
  const bb_u16 *arrays[2] = {scales + first,
                             BB_TABLE_ARRAYS == 2 ? (const bb_u16 *)zeros + first : scales + first};
  const unsigned long long misaligned =
      ((unsigned long long)arrays[0] | (unsigned long long)arrays[1]) & 15u;
  async = n_block + 16 * BB_N_TILES <= BB_N && misaligned == 0;
  if (async) {
    const int pieces = 16 * BB_N_TILES * BB_GROUPS / 8;  // 16 bytes: 8 groups of one row
#pragma unroll
    for (int a = 0; a < BB_TABLE_ARRAYS; a++)
      for (int i = threadIdx.x; i < pieces; i += BB_THREADS)
        bb_copy16_async(&table.values[a][8 * i / BB_GROUPS][8 * i % BB_GROUPS], arrays[a] + 8 * i);
    asm volatile("cp.async.commit_group;" ::: "memory");
  }
#endif
  (void)table, (void)scales, (void)zeros, (void)n_block;
  return async;
}

__device__ __forceinline__ void bb_param_table_finish(bb_param_table &table, bool async,
                                                      const bb_u16 *scales, const void *zeros,
                                                      int n_block) {
#if BB_SHARED_PARAMS
  if (async) {
    asm volatile("cp.async.wait_all;" ::: "memory");
    return;
  }
  for (int i = threadIdx.x; i < 16 * BB_N_TILES * BB_GROUPS; i += BB_THREADS) {
    const int row = i / BB_GROUPS, group = i % BB_GROUPS;
    const int index = min(n_block + row, BB_N - 1) * BB_GROUPS + group;
    table.values[0][row][group] = scales[index];
#if BB_TABLE_ARRAYS == 2
    table.values[1][row][group] = ((const bb_u16 *)zeros)[index];
#endif
  }
#endif
  (void)table, (void)async, (void)scales, (void)zeros, (void)n_block;
}

// One pipeline stage: the codes of BB_UNROLL segments (rows g and g + 8 of every tile), loaded
// together so that all are in flight at once, and their rows' scale and zero for each group of
// a segment where those are loaded per segment (not from the block's table, nor once per row).
struct bb_stage {
  bb_u32 codes[BB_UNROLL][BB_N_TILES][2][BB_LANE_WORDS];
#if BB_STAGE_PARAMS && !BB_SHARED_PARAMS
  bb_row_params params[BB_UNROLL][BB_SUBGROUPS][BB_N_TILES][2];
#endif
};

// The group of lane t's words h * BB_SUBGROUP_WORDS .. (h + 1) * BB_SUBGROUP_WORDS - 1 of segment
// seg (one group: see BB_SUBGROUPS). Both forms equal bb_word_k(seg, t, w) / BB_GROUP for those
// words; the one-group form is written as before several groups were taken, so that those
// kernels compile to the same code.
__device__ __forceinline__ int bb_subgroup(int seg, int t, int h) {
#if BB_SUBGROUPS > 1
  (void)t;
  return seg * BB_SUBGROUPS + h;  // traded: the same group for the four lanes' words
#else
  (void)h;
  return (seg * BB_SEG_K + t * BB_LANE_K) / BB_GROUP;
#endif
}

// Rows past N and segments past K load the last row's and segment's bytes instead, with no
// branch and no zeroing (both cost instructions in the main loop): their products only reach
// outputs that are never stored (rows past N) or are never computed (bb_stage_compute skips
// segments past K).
__device__ __forceinline__ void bb_stage_load(bb_stage &stage, int seg0, const bb_u8 *__restrict__ W,
                                              const bb_u16 *scales, const void *zeros,
                                              int n_block, int g, int t) {
#pragma unroll
  for (int u = 0; u < BB_UNROLL; u++) {
    const int seg = min(seg0 + u * BB_WARPS, BB_SEGMENTS - 1);
#pragma unroll
    for (int j = 0; j < BB_N_TILES; j++) {
#pragma unroll
      for (int half = 0; half < 2; half++) {
        const int n = min(n_block + 16 * j + g + 8 * half, BB_N - 1);
        bb_load_codes(stage.codes[u][j][half],
                      W + (size_t)n * BB_ROW_BYTES + (size_t)seg * BB_SEG_BYTES +
                          t * (4 * BB_LANE_WORDS));
#if BB_STAGE_PARAMS && !BB_SHARED_PARAMS
#pragma unroll
        for (int h = 0; h < BB_SUBGROUPS; h++)
          stage.params[u][h][j][half] =
              bb_row_params_load(scales, zeros, n, bb_subgroup(seg, t, h));
#endif
      }
    }
  }
}
#define BB_ACT_WORDS (BB_WORD_K / 2 > 2 ? BB_WORD_K / 2 : 2)  // registers of A per word

// This word's activations for every m tile: BB_WORD_K halves of row m, as half pairs. Rows past
// M read row M - 1 (no branch): they only feed output columns that are never stored.
__device__ __forceinline__ void bb_word_activations(bb_u32 (&act)[BB_M_TILES][BB_ACT_WORDS],
                                                    const bb_u16 *__restrict__ A, int M,
                                                    int m_block, int g, int k) {
#pragma unroll
  for (int i = 0; i < BB_M_TILES; i++) {
    const int m = min(m_block + 8 * i + g, M - 1);
    const bb_u16 *row = A + (size_t)m * BB_K + k;
#pragma unroll
    for (int v = 0; v < BB_WORD_K / 8; v++) {
      const uint4 value = *(const uint4 *)(row + 8 * v);
      act[i][4 * v + 0] = value.x;
      act[i][4 * v + 1] = value.y;
      act[i][4 * v + 2] = value.z;
      act[i][4 * v + 3] = value.w;
    }
#if BB_WORD_K < 8
    // 8-bit codes: a word holds 4 k, i.e. 4 halves (8 bytes) of A.
    const uint2 small = *(const uint2 *)row;
    act[i][0] = small.x;
    act[i][1] = small.y;
#endif
  }
}

// Pair indices of a word's mma block: p0 gives the fragment's k 2t, 2t+1 and p1 its k 2t+8, 2t+9.
// With two positions they share one (so the word's two shifted copies serve all its pairs and
// the block sums into that position's accumulator); otherwise they are neighbours, and with
// adjacent pairs their B fragment is two neighbouring registers of the activations as loaded,
// which the mma reads where they are.
__device__ __forceinline__ int bb_block_p0(int block) {
  return BB_POSITIONS == 2 ? 4 * (block / 2) + (block % 2) : 2 * block;
}
__device__ __forceinline__ int bb_block_p1(int block) {
  return BB_POSITIONS == 2 ? bb_block_p0(block) + 2 : bb_block_p0(block) + 1;
}

// The activations matching pairs p0 and p1, in one register each: the mma's B fragment. With
// adjacent pairs (BB_ADJACENT_PAIRS), pair p is the word's k 2p and 2p + 1, register p as loaded;
// otherwise it is k p and p + BB_PAIR_STRIDE, gathered with a PRMT.
__device__ __forceinline__ void bb_b_fragment(bb_u32 (&b_frag)[BB_M_TILES][2],
                                              const bb_u32 (&act)[BB_M_TILES][BB_ACT_WORDS],
                                              int p0, int p1) {
#pragma unroll
  for (int i = 0; i < BB_M_TILES; i++) {
#if BB_ADJACENT_PAIRS
    b_frag[i][0] = act[i][p0];
    b_frag[i][1] = act[i][p1];
#else
    b_frag[i][0] = bb_prmt(act[i][p0 >> 1], act[i][(p0 + BB_PAIR_STRIDE) >> 1],
                           (p0 & 1) ? 0x7632u : 0x5410u);
    b_frag[i][1] = bb_prmt(act[i][p1 >> 1], act[i][(p1 + BB_PAIR_STRIDE) >> 1],
                           (p1 & 1) ? 0x7632u : 0x5410u);
#endif
  }
}

// The word loop of a group's mma work: for each of the lane's words of group h of segment seg,
// the activations of every m tile gathered once, then, for each mma block of the word, its pair
// indices and B fragments handed to block_work(w, p0, p1, b_frag), which may change b_frag.
template <typename BlockWork>
__device__ __forceinline__ void bb_for_each_block(int seg, int h, const bb_u16 *__restrict__ A,
                                                  int M, int m_block, int lane,
                                                  BlockWork block_work) {
#pragma unroll
  for (int w = h * BB_SUBGROUP_WORDS; w < (h + 1) * BB_SUBGROUP_WORDS; w++) {
    bb_u32 act[BB_M_TILES][BB_ACT_WORDS];
    bb_word_activations(act, A, M, m_block, lane >> 2, bb_word_k(seg, lane & 3, w));
#pragma unroll
    for (int block = 0; block < BB_PAIR_STRIDE / 2; block++) {
      const int p0 = bb_block_p0(block), p1 = bb_block_p1(block);
      bb_u32 b_frag[BB_M_TILES][2];
      bb_b_fragment(b_frag, act, p0, p1);
      block_work(w, p0, p1, b_frag);
    }
  }
}

// The scale and zero of this lane's rows for group h of segment u of a stage (rows g and g + 8
// of every tile): from the block's table, or loaded with the stage.
__device__ __forceinline__ void bb_segment_params(bb_row_params (&params)[BB_N_TILES][2],
                                                  const bb_stage &stage, int u, int seg, int h,
                                                  const bb_param_table &table, int lane) {
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int half = 0; half < 2; half++) {
#if BB_SHARED_PARAMS
      const int row = 16 * j + (lane >> 2) + 8 * half;
      const int group = bb_subgroup(seg, lane & 3, h);
      params[j][half].scale = table.values[0][row][group];
      params[j][half].zero =
          BB_TABLE_ARRAYS == 2 ? table.values[BB_TABLE_ARRAYS - 1][row][group] : 0;
      (void)stage, (void)u;
#elif BB_STAGE_PARAMS
      params[j][half] = stage.params[u][h][j][half];
      (void)seg, (void)table, (void)lane;
#else
      params[j][half].scale = params[j][half].zero = 0;  // unused: loaded once per row
      (void)stage, (void)u, (void)seg, (void)h, (void)table, (void)lane;
#endif
    }
}

#if BB_POST_SCALE
// The mma work of group h of one segment's codes (the lane's words h * BB_SUBGROUP_WORDS on): raw
// sums of codes and, where needed, activations, added to sums (scales come later).
__device__ __forceinline__ void bb_segment_sums(const bb_u32 (&codes)[BB_N_TILES][2][BB_LANE_WORDS],
                                                int seg, int h, const bb_u16 *__restrict__ A,
                                                int M, int m_block, int lane, bb_raw_sums &sums) {
  bb_for_each_block(seg, h, A, M, m_block, lane,
                    [&](int w, int p0, int p1, bb_u32 (&b_frag)[BB_M_TILES][2]) {
#if BB_MMA_ACT_SUMS
    // S: the activations as loaded, times a fragment of ones.
    const bb_u32 ones[4] = {0x3c003c00u, 0x3c003c00u, 0x3c003c00u, 0x3c003c00u};
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
      bb_mma_16816(sums.acts[i], ones, b_frag[i][0], b_frag[i][1]);
#endif
#if BB_PRESCALED_ACTS
    // Activations of position j times 2^(-jb) (float16 powers of two), so that every position
    // sums into one accumulator per tile.
    const int position = 0;
    const int shift0 = (p0 % BB_POSITIONS) * BB_W_BITS, shift1 = (p1 % BB_POSITIONS) * BB_W_BITS;
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++) {
      if (shift0) b_frag[i][0] = bb_hmul2(b_frag[i][0], bb_dup16((bb_u32)(15 - shift0) << 10));
      if (shift1) b_frag[i][1] = bb_hmul2(b_frag[i][1], bb_dup16((bb_u32)(15 - shift1) << 10));
    }
#else
    const int position = p0 % BB_POSITIONS;  // one position per block
#endif
#pragma unroll
    for (int j = 0; j < BB_N_TILES; j++) {
      bb_u32 a_frag[4];
      a_frag[0] = bb_code_pair(codes[j][0][w], p0);  // row g,     k 2t..
      a_frag[1] = bb_code_pair(codes[j][1][w], p0);  // row g + 8, k 2t..
      a_frag[2] = bb_code_pair(codes[j][0][w], p1);  // row g,     k 2t+8..
      a_frag[3] = bb_code_pair(codes[j][1][w], p1);  // row g + 8, k 2t+8..
#pragma unroll
      for (int i = 0; i < BB_M_TILES; i++)
        bb_mma_16816(sums.codes[j][i][position], a_frag, b_frag[i][0], b_frag[i][1]);
    }
  });
}

// Group h of one segment: its raw sums and, where groups are shorter than the row, their scaled
// contribution to acc. Where one group spans the row, the sums run on over the whole row and
// the kernel scales them once after its main loop (the codes carry no bias that would grow
// with the sum, so float32 keeps its precision).
__device__ __forceinline__ void bb_group_compute(
    const bb_u32 (&codes)[BB_N_TILES][2][BB_LANE_WORDS], const bb_stage &stage, int u, int seg,
    int h, const bb_u16 *__restrict__ A, int M, int m_block, int lane, const bb_param_table &table,
    const float *__restrict__ given_sums, bb_raw_sums &sums,
    float (&acc)[BB_N_TILES][BB_M_TILES][4]) {
#if BB_ROW_WISE
  (void)stage, (void)u, (void)table, (void)given_sums, (void)acc;
  bb_segment_sums(codes, seg, h, A, M, m_block, lane, sums);
#else
  const int group = bb_subgroup(seg, lane & 3, h);
#if BB_GIVEN_SUMS
  // Loaded before the group's mma work, which hides their latency.
  const bb_act_sums act = bb_act_sums_get(sums, given_sums, group, m_block, lane);
#endif
  bb_raw_sums_clear(sums);
  bb_segment_sums(codes, seg, h, A, M, m_block, lane, sums);
  bb_row_params params[BB_N_TILES][2];
  bb_segment_params(params, stage, u, seg, h, table, lane);
#if !BB_GIVEN_SUMS
  const bb_act_sums act = bb_act_sums_get(sums, given_sums, group, m_block, lane);
#endif
  bb_raw_sums_apply(sums, act, params, acc);
#endif
}
#else
// Code pair p of word x as two dequantized weights (common.cuh's bb_dequant_pair; table codes
// looked up in the shared table of pairs where BB_SHARED_PAIRS).
__device__ __forceinline__ bb_u32 bb_tcgemv_dequant_pair(bb_u32 x, int p, const bb_row_dequant &d,
                                                         int lane) {
#if BB_SHARED_PAIRS
  return bb_pair_fma(bb_shared_pair(x, p, bb_pair_lane_base(lane)), d.scale2[0], d.offset2);
#else
  (void)lane;
  return bb_dequant_pair(x, p, d);
#endif
}

// The mma work of group h of one segment's codes, block by block of each word: each tile's codes
// decoded into A fragments, multiplied with the blocks' B fragments.
__device__ __forceinline__ void bb_group_products(
    const bb_u32 (&codes)[BB_N_TILES][2][BB_LANE_WORDS], int seg, int h,
    const bb_row_params (&params)[BB_N_TILES][2], const bb_u16 *__restrict__ A, int M,
    int m_block, int lane, float (&acc)[BB_N_TILES][BB_M_TILES][4]) {
  bb_row_dequant dequant[BB_N_TILES][2];
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++) {
    dequant[j][0] = bb_row_dequant_make(params[j][0]);
    dequant[j][1] = bb_row_dequant_make(params[j][1]);
  }
  bb_for_each_block(seg, h, A, M, m_block, lane,
                    [&](int w, int p0, int p1, bb_u32 (&b_frag)[BB_M_TILES][2]) {
#pragma unroll
    for (int j = 0; j < BB_N_TILES; j++) {
      bb_u32 a_frag[4];
      a_frag[0] = bb_tcgemv_dequant_pair(codes[j][0][w], p0, dequant[j][0], lane);  // row g
      a_frag[1] = bb_tcgemv_dequant_pair(codes[j][1][w], p0, dequant[j][1], lane);  // row g + 8
      a_frag[2] = bb_tcgemv_dequant_pair(codes[j][0][w], p1, dequant[j][0], lane);
      a_frag[3] = bb_tcgemv_dequant_pair(codes[j][1][w], p1, dequant[j][1], lane);
#pragma unroll
      for (int i = 0; i < BB_M_TILES; i++)
        bb_mma_16816(acc[j][i], a_frag, b_frag[i][0], b_frag[i][1]);
    }
  });
}

// Group h of one segment: its scales and zeros, then the products of its dequantized codes.
__device__ __forceinline__ void bb_group_compute(
    const bb_u32 (&codes)[BB_N_TILES][2][BB_LANE_WORDS], const bb_stage &stage, int u, int seg,
    int h, const bb_u16 *__restrict__ A, int M, int m_block, int lane, const bb_param_table &table,
    const float *__restrict__, bb_raw_sums &, float (&acc)[BB_N_TILES][BB_M_TILES][4]) {
  bb_row_params params[BB_N_TILES][2];
  bb_segment_params(params, stage, u, seg, h, table, lane);
  bb_group_products(codes, seg, h, params, A, M, m_block, lane, acc);
}
#endif

// The mma work of one stage: each segment's codes, group by group.
__device__ __forceinline__ void bb_stage_compute(const bb_stage &stage, int seg0,
                                                 const bb_u16 *__restrict__ A, int M, int m_block,
                                                 int lane, const bb_param_table &table,
                                                 const float *__restrict__ given_sums,
                                                 bb_raw_sums &sums,
                                                 float (&acc)[BB_N_TILES][BB_M_TILES][4]) {
#pragma unroll
  for (int u = 0; u < BB_UNROLL; u++) {
    const int seg = seg0 + u * BB_WARPS;
    if (seg >= BB_SEGMENTS) continue;
    bb_u32 codes[BB_N_TILES][2][BB_LANE_WORDS];
    bb_segment_codes(codes, stage.codes[u], lane);
#pragma unroll
    for (int h = 0; h < BB_SUBGROUPS; h++)
      bb_group_compute(codes, stage, u, seg, h, A, M, m_block, lane, table, given_sums, sums,
                       acc);
  }
}

// Given sums (BB_GIVEN_SUMS): the product reads them only in its main loop. Launched while
// bitblas_act_sums still runs (sm_90: programmatic dependent launch, tuner/launch.c), its blocks
// start their first stages' loads of codes and scales, then wait here for the sums' grid to
// finish, its writes visible. Launched the ordinary way, the wait returns at once. (With
// BB_DEPENDENT_LAUNCH the sums' grid itself waited for everything before the run, so nothing
// the product loads before this wait can still be on its way: common.cuh.)
__device__ __forceinline__ void bb_wait_for_act_sums() {
#if BB_GIVEN_SUMS
  bb_wait_for_prior_grids();
#endif
}

#ifdef BB_MIN_BLOCKS
#define BB_LAUNCH_BOUNDS __launch_bounds__(BB_THREADS, BB_MIN_BLOCKS)
#else
#define BB_LAUNCH_BOUNDS __launch_bounds__(BB_THREADS)
#endif
extern "C" __global__ void BB_LAUNCH_BOUNDS
    bitblas_kernel(const void *__restrict__ A_, const bb_u8 *__restrict__ W,
                   const void *__restrict__ scales_, const void *__restrict__ zeros,
                   const void *__restrict__ bias_, const float *__restrict__ a_scale,
                   void *__restrict__ C_, int M, const float *__restrict__ given_sums) {
  bb_fault_point();
#if BB_GIVEN_SUMS && BB_DEPENDENT_LAUNCH
  bb_let_next_grid_launch();  // waits later, for the sums only: bb_wait_for_act_sums
#else
  bb_dependent_start();  // before any load: common.cuh
#endif
  const bb_u16 *A = (const bb_u16 *)A_;
  const bb_u16 *scales = (const bb_u16 *)scales_;
  const bb_out_t *bias = (const bb_out_t *)bias_;
  bb_out_t *C = (bb_out_t *)C_;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int n_block = blockIdx.x * (16 * BB_N_TILES);
  const int m_block = blockIdx.y * (8 * BB_M_TILES);

  float acc[BB_N_TILES][BB_M_TILES][4];
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) acc[j][i][e] = 0.0f;
  bb_raw_sums sums;
#if BB_POST_SCALE && BB_ROW_WISE
  bb_raw_sums_clear(sums);  // the whole row's sums, scaled after the main loop
#endif
  // Each row's scale and zero, loaded once when one group spans the row and scales come after
  // the mma (the stages then carry none).
  bb_row_params row_params[BB_N_TILES][2];
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int half = 0; half < 2; half++) {
#if !BB_STAGE_PARAMS
      const int n = min(n_block + 16 * j + g + 8 * half, BB_N - 1);
      row_params[j][half] = bb_row_params_load(scales, zeros, n, 0);
#else
      row_params[j][half].scale = row_params[j][half].zero = 0;
#endif
    }

  // The scales and zeros of the block's rows, copied while the first stages' codes are on the way.
  __shared__ bb_param_table table;
  const bool table_async = bb_param_table_start(table, scales, zeros, n_block);
  // BB_STAGES stages in turn: while one stage is multiplied, the loads of the next
  // BB_STAGES - 1 are in flight. The inner loop is unrolled, so every stage stays in registers.
  bb_stage stages[BB_STAGES];
  const int step = BB_WARPS * BB_UNROLL;
#pragma unroll
  for (int s = 0; s < BB_STAGES - 1; s++)
    bb_stage_load(stages[s], warp + s * step, W, scales, zeros, n_block, g, t);
  bb_param_table_finish(table, table_async, scales, zeros, n_block);
#if BB_SHARED_PAIRS
  bb_pair_values_fill();
#endif
#if BB_SHARED_PARAMS || BB_SHARED_PAIRS
  __syncthreads();
#endif
  bb_wait_for_act_sums();
  for (int seg0 = warp; seg0 < BB_SEGMENTS; seg0 += BB_STAGES * step) {
#pragma unroll
    for (int s = 0; s < BB_STAGES; s++) {
      const int seg = seg0 + s * step;
      if (seg >= BB_SEGMENTS) break;
      bb_stage_load(stages[(s + BB_STAGES - 1) % BB_STAGES], seg + (BB_STAGES - 1) * step,
                    W, scales, zeros, n_block, g, t);
      bb_stage_compute(stages[s], seg, A, M, m_block, lane, table, given_sums, sums, acc);
    }
  }

#if BB_POST_SCALE && BB_ROW_WISE
  bb_raw_sums_apply(sums, bb_act_sums_get(sums, given_sums, 0, m_block, lane), row_params, acc);
#endif

  // acc[j][i][e]: row n = 16j + g (+8 for e >= 2), column m = 8i + 2t + (e & 1) of the block.
#if BB_WARPS > 1
#if BB_SHARED_PAIRS
  __syncthreads();  // every warp is done with the table of pairs, whose memory takes the sums
  float(&partial)[BB_WARPS][BB_N_TILES * 16][BB_M_TILES * 8] = bb_pair_shared.partial;
#else
  __shared__ float partial[BB_WARPS][BB_N_TILES * 16][BB_M_TILES * 8];
#endif
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++)
        partial[warp][16 * j + g + (e >= 2 ? 8 : 0)][8 * i + 2 * t + (e & 1)] = acc[j][i][e];
  __syncthreads();
  for (int index = threadIdx.x; index < BB_N_TILES * 16 * BB_M_TILES * 8; index += BB_THREADS) {
    const int row = index / (BB_M_TILES * 8), column = index % (BB_M_TILES * 8);
    const int n = n_block + row, m = m_block + column;
    if (n >= BB_N || m >= M) continue;
    float value = 0.0f;
#pragma unroll
    for (int k = 0; k < BB_WARPS; k++) value += partial[k][row][column];
#if BB_BIAS
    value += bb_out_to_float(bias[n]);
#endif
    C[(size_t)m * BB_N + n] = bb_float_to_out(value);
  }
#else
#pragma unroll
  for (int j = 0; j < BB_N_TILES; j++)
#pragma unroll
    for (int i = 0; i < BB_M_TILES; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int n = n_block + 16 * j + g + (e >= 2 ? 8 : 0);
        const int m = m_block + 8 * i + 2 * t + (e & 1);
        if (n >= BB_N || m >= M) continue;
        float value = acc[j][i][e];
#if BB_BIAS
        value += bb_out_to_float(bias[n]);
#endif
        C[(size_t)m * BB_N + n] = bb_float_to_out(value);
      }
#endif
}

#if BB_GIVEN_SUMS
// The activations' sums per group for the product: sums[group][row] = the float32 sum of
// A[row][k] over the group's k, for `rows` rows (the product grid's rows: gridDim.y x 8 x
// BB_M_TILES there), rows at or past M zero. One warp per group and row: its lanes add pairs of
// activations 64 k apart, then one another's sums. It lets the product start at once (sm_90; with
// BB_DEPENDENT_LAUNCH once it has waited for the grids before it); the product waits for this
// grid before it reads the sums (bb_wait_for_act_sums).
#define BB_SUMS_THREADS 256
extern "C" __global__ void __launch_bounds__(BB_SUMS_THREADS)
    bitblas_act_sums(const void *__restrict__ A_, float *__restrict__ sums, int M, int rows) {
  bb_pair_start();
  const int lane = threadIdx.x & 31;
  const int index = blockIdx.x * (BB_SUMS_THREADS / 32) + (threadIdx.x >> 5);
  if (index >= (BB_K / BB_GROUP) * rows) return;  // whole warps
  const int group = index / rows, m = index % rows;
  float sum = 0.0f;
  if (m < M) {
    const bb_u16 *row = (const bb_u16 *)A_ + (size_t)m * BB_K + (size_t)group * BB_GROUP;
    for (int k = 2 * lane; k < BB_GROUP; k += 64) {
      const bb_u32 pair = *(const bb_u32 *)(row + k);
      sum += bb_half_to_float((bb_u16)(pair & 0xffffu)) + bb_half_to_float((bb_u16)(pair >> 16));
    }
  }
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
  if (lane == 0) sums[(size_t)group * rows + m] = sum;
}
#endif
