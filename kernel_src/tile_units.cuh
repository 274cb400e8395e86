// tile_units.cuh - units of W for the tiled families (mma.cu, wgmma.cu): the BB_VEC_K weights of
// a row that fill one 16-byte vector of a shared tile once dequantized into A's type (for int8 A:
// the integers the codes stand for, as bytes), how a unit is loaded, and how it is dequantized.
// Not the tiles' layouts or pipelines: each family has its own. (common.cuh first.)

#define BB_INT8_A (BB_A_KIND == 2)
#define BB_A_BYTES (BB_INT8_A ? 1 : 2)  // bytes per activation, and per dequantized weight
#define BB_VEC_K (16 / BB_A_BYTES)      // k per 16-byte vector of a tile row
#define BB_MMA_K (32 / BB_A_BYTES)      // k per mma: 16 (float16/bfloat16) or 32 (int8)

// A unit of W: the BB_VEC_K weights that fill one 16-byte vector of a tile once dequantized.
#define BB_UNIT_BYTES (BB_VEC_K * BB_W_BITS / 8)
#define BB_UNIT_WORDS (BB_UNIT_BYTES >= 4 ? BB_UNIT_BYTES / 4 : 1)

// Stores 16 bytes (a dequantized unit) at a shared-window address.
__device__ __forceinline__ void bb_store_shared16(bb_u32 shared_address, const bb_u32 (&v)[4]) {
  asm volatile("st.shared.v4.b32 [%0], {%1, %2, %3, %4};" ::"r"(shared_address), "r"(v[0]),
               "r"(v[1]), "r"(v[2]), "r"(v[3])
               : "memory");
}

// Loads a unit of packed weights (BB_UNIT_BYTES, aligned to that size) as little-endian words.
__device__ __forceinline__ void bb_load_unit(bb_u32 (&word)[BB_UNIT_WORDS], const bb_u8 *p) {
#if BB_UNIT_BYTES == 16
  const uint4 v = *(const uint4 *)p;
  word[0] = v.x; word[1] = v.y; word[2] = v.z; word[3] = v.w;
#elif BB_UNIT_BYTES == 8
  const uint2 v = *(const uint2 *)p;
  word[0] = v.x; word[1] = v.y;
#elif BB_UNIT_BYTES == 4
  word[0] = *(const bb_u32 *)p;
#elif BB_UNIT_BYTES == 2
  word[0] = *(const bb_u16 *)p;
#else
  word[0] = *p;
#endif
}

#if BB_INT8_A
// The unit's 16 codes in k order as the bytes of the integers they stand for (int8 and uint8
// codes are those bytes already; the mma reads uint8 ones as unsigned).
__device__ __forceinline__ void bb_unit_dequant(bb_u32 (&out)[4],
                                                const bb_u32 (&word)[BB_UNIT_WORDS],
                                                const bb_group_raw &) {
#if BB_W_BITS == 8
#pragma unroll
  for (int j = 0; j < 4; j++) out[j] = word[j];
#else
#pragma unroll
  for (int j = 0; j < 4; j++) out[j] = 0;
#pragma unroll
  for (int j = 0; j < 16; j++) {
    const int bit = j * BB_W_BITS;
    const int code = (int)((word[bit >> 5] >> (bit & 31)) & BB_W_MASK);
#if BB_W_KIND == BB_WK_INT
    const int q = code - (1 << (BB_W_BITS - 1));
#elif BB_W_KIND == BB_WK_INT1
    const int q = 2 * code - 1;
#else
    const int q = code;
#endif
    out[j >> 2] |= ((bb_u32)q & 0xffu) << (8 * (j & 3));
  }
#endif
}
#elif BB_W_KIND == BB_WK_F16 || BB_W_KIND == BB_WK_BF16
// Plain float weights are A's type already and unscaled (the config's rule): the unit's 8
// weights as loaded.
__device__ __forceinline__ void bb_unit_dequant(bb_u32 (&out)[4],
                                                const bb_u32 (&word)[BB_UNIT_WORDS],
                                                const bb_group_raw &) {
#pragma unroll
  for (int j = 0; j < 4; j++) out[j] = word[j];
}
#else
// The unit's 8 weights in k order as 4 pairs of A's type, float16 or bfloat16: integer codes of
// 1, 2, 4 and 8 bits by one LOP3, one exact subtraction (or FMA) and one FMA per pair
// (bb_row_dequant in common.cuh), NF4 and FP4 codes by a table lookup in PRMTs and one FMA, and
// float8 codes converted, then one FMA. Float8 codes are the unit's 8 bytes in k order, each pair
// two neighbours. 8-bit integer codes too, once one PRMT per word has put its bytes 0 and 1 at
// bytes 0 and 2 (the pair bb_dequant_pair reads at p = 0) and its bytes 2 and 3 at 1 and 3
// (p = 1). Otherwise x holds codes p and p + 4 at bits p*b and 16 + p*b (p < 4), so pair p of x
// (bb_dequant_pair) is y[p] = (w_p, w_(p+4)), and four PRMTs put them in k order.
#if BB_W_BITS > 8
#error "codes of more than 8 bits are plain float weights"
#endif
__device__ __forceinline__ void bb_unit_dequant(bb_u32 (&out)[4],
                                                const bb_u32 (&word)[BB_UNIT_WORDS],
                                                const bb_group_raw &raw) {
  bb_row_params r;
  r.scale = BB_SCALING ? raw.scale : BB_PAIR_ONE;  // 1.0 without scales
  r.zero = BB_ZEROS == 3 ? (bb_u16)raw.quantized_zero : raw.zero;
  const bb_row_dequant d = bb_row_dequant_make(r);
#if BB_W_FLOAT8
#pragma unroll
  for (int j = 0; j < 4; j++) {
    const int i = 2 * (j & 1);  // bytes i and i + 1 of word j / 2
    out[j] = bb_pair_fma(bb_float8_values(word[j >> 1], i, i + 1), d.scale2[0], d.offset2);
  }
#elif BB_W_BITS == 8
#pragma unroll
  for (int w = 0; w < 2; w++) {
    const bb_u32 x = bb_prmt(word[w], 0u, 0x3120u);  // bytes 0, 2, 1, 3
    out[2 * w] = bb_dequant_pair(x, 0, d);          // weights 4w and 4w + 1
    out[2 * w + 1] = bb_dequant_pair(x, 1, d);      // weights 4w + 2 and 4w + 3
  }
#else
#if BB_W_BITS == 4
  const bb_u32 x = word[0];
#elif BB_W_BITS == 2
  const bb_u32 x = bb_prmt(word[0], 0u, 0x1110u);  // bytes 0, 1, 1, 1: codes 4-7 also at bit 16
#else
  const bb_u32 x = word[0] | (word[0] << 12);  // codes 4-7 also at bits 16-19
#endif
  bb_u32 y[4];
#pragma unroll
  for (int p = 0; p < 4; p++) y[p] = bb_dequant_pair(x, p, d);
  out[0] = bb_prmt(y[0], y[1], 0x5410u);  // w0, w1
  out[1] = bb_prmt(y[2], y[3], 0x5410u);  // w2, w3
  out[2] = bb_prmt(y[0], y[1], 0x7632u);  // w4, w5
  out[3] = bb_prmt(y[2], y[3], 0x7632u);  // w6, w7
#endif
}
#endif
