// common.cuh - what every bitblas kernel shares: fixed-width types, float16/bfloat16
// conversions in inline PTX (NVRTC has no cuda_fp16.h), the weight decoders of SPEC section 2,
// the group dequantization w = q * scale + offset (in float32, and for the tensor-core families
// in float16 pairs), weight loads, asynchronous copies to shared memory, the mma, and the wait
// of a product launched behind the row quantizer. No kernel lives here.
//
// The emitter (tuner/emit.c) puts a block of #defines before this file:
//   BB_N, BB_K, BB_GROUP           shape and group size (BB_GROUP = K for one group per row)
//   BB_A_KIND                      0 float16, 1 bfloat16, 2 int8
//   BB_W_KIND, BB_W_BITS           weight format (BB_WK_* below) and bits per stored value
//   BB_SCALING, BB_ZEROS           1 if scales; 0 none, 1 original, 2 rescale, 3 quantized
//   BB_BIAS, BB_A_SCALE            1 if a bias[N] / a float32 scale per row of A is given
//   BB_OUT_KIND                    0 float16, 1 bfloat16, 2 float32, 3 int32
//   BB_QZ_ROW_BYTES                bytes per row of packed quantized zeros (ceil(N*b/8))
//   BB_FAULT                       0, or 1 trap / 2 spin: fault injection for the tuner's tests

typedef unsigned char bb_u8;
typedef unsigned short bb_u16;
typedef unsigned int bb_u32;
typedef unsigned long long bb_u64;
typedef signed char bb_i8;

#define BB_WK_UINT 0   // u
#define BB_WK_INT 1    // u - 2^(b-1), offset binary (int4, int2)
#define BB_WK_INT8 2   // two's complement byte
#define BB_WK_INT1 3   // 2u - 1
#define BB_WK_NF4 4    // QLoRA table
#define BB_WK_FP4 5    // OCP E2M1
#define BB_WK_E4M3 6   // OCP float8 e4m3
#define BB_WK_E5M2 7   // OCP float8 e5m2
#define BB_WK_F16 8    // plain float16 weights
#define BB_WK_BF16 9   // plain bfloat16 weights

#define BB_W_MASK ((1u << BB_W_BITS) - 1u)
#define BB_ROW_BYTES ((BB_K * BB_W_BITS) / 8)  // bytes per packed row of W: K is a multiple of 8

// ---- float16 / bfloat16 ----------------------------------------------------------------------

__device__ __forceinline__ float bb_half_to_float(bb_u16 h) {
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
  return f;
}

__device__ __forceinline__ bb_u16 bb_float_to_half(float f) {
  bb_u16 h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
  return h;
}

__device__ __forceinline__ float bb_bfloat16_to_float(bb_u16 b) {
  return __uint_as_float(((bb_u32)b) << 16);
}

__device__ __forceinline__ bb_u16 bb_float_to_bfloat16(float f) {
  bb_u16 b;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(b) : "f"(f));
  return b;
}

// Scales and float zeros are stored in A's float type (float32 for int8 A).
#if BB_A_KIND == 2
typedef float bb_scale_t;
__device__ __forceinline__ float bb_scale_to_float(float s) { return s; }
#else
typedef bb_u16 bb_scale_t;
__device__ __forceinline__ float bb_scale_to_float(bb_u16 s) {
#if BB_A_KIND == 0
  return bb_half_to_float(s);
#else
  return bb_bfloat16_to_float(s);
#endif
}
#endif

// A 16-bit activation (float16 or bfloat16 as A) to float.
__device__ __forceinline__ float bb_activation_to_float(bb_u16 a) {
#if BB_A_KIND == 1
  return bb_bfloat16_to_float(a);
#else
  return bb_half_to_float(a);
#endif
}

// ---- weight decoding: stored code u (0 .. 2^b - 1) to its value ------------------------------

// 4-bit codes that index a table of values (NF4, FP4) instead of standing for integers.
#define BB_W_TABLE (BB_W_KIND == BB_WK_NF4 || BB_W_KIND == BB_WK_FP4)
// 8-bit float codes (OCP float8 e4m3 and e5m2).
#define BB_W_FLOAT8 (BB_W_KIND == BB_WK_E4M3 || BB_W_KIND == BB_WK_E5M2)

#if BB_W_TABLE
// The values of the 16 codes, in code order: the NF4 levels of QLoRA, or OCP FP4 (E2M1). The
// lanes of a warp decode different codes at once, and constant memory serves one address per
// pass: NF4 read from here took up to 16 passes per warp. So each kernel first copies the table
// into shared memory (bb_decode_setup), where its 16 entries lie in 16 distinct banks and any
// mix of codes is one pass. FP4 takes the same table: built through a float16 instead (a few
// instructions per code), its float32 path took 152 us on 57344 x 8192 at M = 1 on an H200, NF4's
// 110 us (bench/RESULTS.md, thirty-first section).
__constant__ float bb_table_values[16] = {
#if BB_W_KIND == BB_WK_NF4
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f
#else
    0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f,
    -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f
#endif
};
__shared__ float bb_table_shared[16];
#endif

// Readies what bb_decode reads: a table's values in shared memory; nothing for other formats.
// Every thread of the block calls it once, before any thread may leave (it holds a barrier).
__device__ __forceinline__ void bb_decode_setup() {
#if BB_W_TABLE
  if (threadIdx.x < 16) bb_table_shared[threadIdx.x] = bb_table_values[threadIdx.x];
  __syncthreads();
#endif
}

// Value of a stored code as float. Integer formats are exact in float32.
__device__ __forceinline__ float bb_decode(bb_u32 u) {
#if BB_W_KIND == BB_WK_UINT
  return (float)u;
#elif BB_W_KIND == BB_WK_INT
  return (float)((int)u - (1 << (BB_W_BITS - 1)));
#elif BB_W_KIND == BB_WK_INT8
  return (float)(int)(bb_i8)u;
#elif BB_W_KIND == BB_WK_INT1
  return (float)(2 * (int)u - 1);
#elif BB_W_TABLE
  return bb_table_shared[u];  // bb_decode_setup filled it
#elif BB_W_KIND == BB_WK_E4M3
  // OCP e4m3: S.EEEE.MMM, bias 7, no infinities; S.1111.111 is NaN. Moved into a float16 as its
  // sign, the low four bits of its exponent (bias 15) and the top three bits of its mantissa, the
  // code reads 2^-8 times its value, the subnormals too; conversion and scaling are exact.
  if ((u & 0x7fu) == 0x7fu) return __uint_as_float(0x7fc00000u);
  return bb_half_to_float((bb_u16)(((u & 0x7fu) << 7) | ((u & 0x80u) << 8))) * 256.0f;
#elif BB_W_KIND == BB_WK_E5M2
  // e5m2 is the top byte of a float16.
  return bb_half_to_float((bb_u16)(u << 8));
#elif BB_W_KIND == BB_WK_F16
  return bb_half_to_float((bb_u16)u);
#elif BB_W_KIND == BB_WK_BF16
  return bb_bfloat16_to_float((bb_u16)u);
#else
#error "unknown BB_W_KIND"
#endif
}

// Integer value of a stored code, for the exact int8-activation path.
__device__ __forceinline__ int bb_decode_int(bb_u32 u) {
#if BB_W_KIND == BB_WK_UINT
  return (int)u;
#elif BB_W_KIND == BB_WK_INT
  return (int)u - (1 << (BB_W_BITS - 1));
#elif BB_W_KIND == BB_WK_INT8
  return (int)(bb_i8)u;
#elif BB_W_KIND == BB_WK_INT1
  return 2 * (int)u - 1;
#else
  return 0;  // unreachable: validation allows only integer weights with int8 activations
#endif
}

// ---- group dequantization ---------------------------------------------------------------------
// Every zeros mode is one multiply-add on the decoded value q: w = q * scale + offset.
//   none: scale 1 (or s), offset 0; original: (q - z) s = q s - z s; rescale: q s - z;
//   quantized: (u - qz) s = u s - qz s, and q == u for the unsigned formats it is allowed with.
struct bb_group_affine {
  float scale, offset;
};

// A group's scale and zero as stored, loaded apart from the arithmetic that uses them, so that a
// kernel can load them early and finish the affine later (mma.cu loads the next tile's while it
// multiplies the current one).
struct bb_group_raw {
  bb_scale_t scale, zero;  // zero: a float zero (modes 1 and 2)
  bb_u32 quantized_zero;   // mode 3
};

__device__ __forceinline__ bb_group_raw bb_load_group_raw(const bb_scale_t *scales,
                                                          const void *zeros, int n, int group) {
  bb_group_raw raw;
  raw.scale = raw.zero = 0;
  raw.quantized_zero = 0;
#if BB_SCALING
  const int index = n * (BB_K / BB_GROUP) + group;
  raw.scale = scales[index];
#if BB_ZEROS == 1 || BB_ZEROS == 2
  raw.zero = ((const bb_scale_t *)zeros)[index];
#elif BB_ZEROS == 3
  // Packed b-bit zeros along N: row `group`, element n at bit n*b of that row.
  const bb_u8 *row = (const bb_u8 *)zeros + (size_t)group * BB_QZ_ROW_BYTES;
  const int bit = n * BB_W_BITS;
  raw.quantized_zero = (row[bit >> 3] >> (bit & 7)) & BB_W_MASK;
#endif
#endif
  (void)scales, (void)zeros, (void)n, (void)group;
  return raw;
}

__device__ __forceinline__ bb_group_affine bb_group_affine_make(const bb_group_raw &raw) {
  bb_group_affine affine;
  affine.scale = 1.0f;
  affine.offset = 0.0f;
#if BB_SCALING
  affine.scale = bb_scale_to_float(raw.scale);
#if BB_ZEROS == 1
  affine.offset = -bb_scale_to_float(raw.zero) * affine.scale;
#elif BB_ZEROS == 2
  affine.offset = -bb_scale_to_float(raw.zero);
#elif BB_ZEROS == 3
  affine.offset = -(float)raw.quantized_zero * affine.scale;
#endif
#endif
  (void)raw;
  return affine;
}

__device__ __forceinline__ bb_group_affine bb_load_group_affine(const bb_scale_t *scales,
                                                                 const void *zeros, int n,
                                                                 int group) {
  return bb_group_affine_make(bb_load_group_raw(scales, zeros, n, group));
}

// ---- weight loads and byte moves --------------------------------------------------------------

// Weights are read once per block: these loads stream them past L1 (16, 8 or 4 bytes into words)
// and ask L2 to fetch 256 bytes around each miss (the other warps of the block read the rest of
// those bytes next: 1-3% faster on the large Llama-3 layers on an H100).
__device__ __forceinline__ void bb_stream_load16(bb_u32 *words, const bb_u8 *p) {
  asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 {%0, %1, %2, %3}, [%4];"
               : "=r"(words[0]), "=r"(words[1]), "=r"(words[2]), "=r"(words[3])
               : "l"(p));
}

__device__ __forceinline__ void bb_stream_load8(bb_u32 *words, const bb_u8 *p) {
  asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v2.u32 {%0, %1}, [%2];"
               : "=r"(words[0]), "=r"(words[1])
               : "l"(p));
}

__device__ __forceinline__ void bb_stream_load4(bb_u32 *words, const bb_u8 *p) {
  asm volatile("ld.global.nc.L1::no_allocate.L2::256B.u32 %0, [%1];" : "=r"(words[0]) : "l"(p));
}

// Four bytes picked from the eight of (a, b) by the selector's nibbles (PTX prmt).
__device__ __forceinline__ bb_u32 bb_prmt(bb_u32 a, bb_u32 b, bb_u32 selector) {
  bb_u32 d;
  asm("prmt.b32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(selector));
  return d;
}

// ---- shared memory -----------------------------------------------------------------------------

// The 32-bit shared-window address of a generic pointer into shared memory (for cp.async and
// ldmatrix).
__device__ __forceinline__ bb_u32 bb_shared_address(const void *pointer) {
  bb_u32 address;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }"
      : "=r"(address)
      : "l"(pointer));
  return address;
}

// 16 bytes from global to shared memory, asynchronously (through L2 only, no registers). No
// L2::cache_hint: CUDA 13's ptxas can drop its createpolicy on sm_90 (SPEC section 5).
__device__ __forceinline__ void bb_copy16_async(void *shared_destination, const void *source) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(
                   bb_shared_address(shared_destination)),
               "l"(source)
               : "memory");
}

// The same to a shared-window address, or 16 zero bytes where `valid` is false (then nothing is
// read from `source`).
__device__ __forceinline__ void bb_copy16_async_or_zero(bb_u32 shared_destination,
                                                        const void *source, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(shared_destination),
               "l"(source), "r"(valid ? 16 : 0)
               : "memory");
}

// ---- float16 / bfloat16 pairs: codes dequantized in registers --------------------------------
// For 16-bit float activations (the tensor-core families; bfloat16 in the tensor-core gemv only).
// Tables and float8 codes: further below (bb_value_pair). A pair of integer codes is turned into
// the pair 1024 + 2^(jb) u by masking them into the mantissas of 0x6400 (float16; 0x4300,
// 128 + 2^(jb) u, for bfloat16: one LOP3, bb_and_xor), and dequantized with one exact
// subtraction and one FMA (bb_row_dequant).
// Position j (0 or 1) is the bit offset jb of the codes inside each half.

// Offset of the stored code u from the integer q it stands for (q = u - offset; int1: 2u - 1).
#if BB_W_KIND == BB_WK_INT8
#define BB_CODE_OFFSET 128  // the code is u ^ 0x80 (kernels flip the sign bit): offset binary
#elif BB_W_KIND == BB_WK_INT
#define BB_CODE_OFFSET (1 << (BB_W_BITS - 1))  // offset binary: q = u - 2^(b-1)
#else
#define BB_CODE_OFFSET 0
#endif
// 8-bit codes with bfloat16 activations: 128 + u would need 9 significant bits, one more than
// bfloat16 has, so their pairs take no magic. The code bits alone in a half are the bfloat16
// u 2^-133 (a subnormal below 128; from 128 on, bit 7 is the exponent's 1 that the subnormals'
// step continues: exact for every u), and one FMA by 2^127 with -(offset + zero) 2^-6 as the term
// leaves (u - offset - zero) 2^-6, exact; the scale carries the 2^6 (bb_row_dequant_make). This
// needs subnormal bfloat16 operands, which fma.rn.bf16x2 takes as they are (it has no .ftz).
#define BB_WIDE_BFLOAT16 (BB_A_KIND == 1 && BB_W_BITS == 8)

// Positions of a dequantized pair: codes at bit 0 and, below 8 bits, also at bit b of a half.
// bfloat16 has 7 mantissa bits, so 4-bit codes are read at bit 0 only (2^4 u would reach the
// exponent).
#define BB_DEQUANT_POSITIONS (BB_W_BITS < 8 && !(BB_A_KIND == 1 && BB_W_BITS == 4) ? 2 : 1)

__device__ __forceinline__ bb_u32 bb_hsub2(bb_u32 a, bb_u32 b) {
  bb_u32 d;
  asm("sub.f16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
  return d;
}

__device__ __forceinline__ bb_u32 bb_hadd2(bb_u32 a, bb_u32 b) {
  bb_u32 d;
  asm("add.f16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
  return d;
}

__device__ __forceinline__ bb_u32 bb_hmul2(bb_u32 a, bb_u32 b) {
  bb_u32 d;
  asm("mul.f16x2 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b));
  return d;
}

__device__ __forceinline__ bb_u32 bb_hfma2(bb_u32 a, bb_u32 b, bb_u32 c) {
  bb_u32 d;
  asm("fma.rn.f16x2 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}

// Pairs in A's 16-bit type: float16, or bfloat16 (BB_A_KIND 1), whose pairs the dequantization
// below builds for the tensor-core gemv. bfloat16 pairs take fma.rn.bf16x2 (sm_80; its add, sub
// and mul came with sm_90), with 1 or -0 as the other factor or term.
#if BB_A_KIND == 1
#define BB_PAIR_ONE 0x3f80u         // 1.0
#define BB_PAIR_MAGIC 0x4300u       // 128.0: mantissa bits 0-6 hold u, read 128 + u
#define BB_PAIR_POWER(e) ((bb_u32)(127 + (e)) << 7)  // 2^e
#define BB_CODE_MAGIC (BB_WIDE_BFLOAT16 ? 0u : BB_PAIR_MAGIC)  // what integer code pairs read
__device__ __forceinline__ bb_u32 bb_pair_fma(bb_u32 a, bb_u32 b, bb_u32 c) {
  bb_u32 d;
  asm("fma.rn.bf16x2 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}
__device__ __forceinline__ bb_u32 bb_pair_mul(bb_u32 a, bb_u32 b) {
  return bb_pair_fma(a, b, 0x80008000u);
}
__device__ __forceinline__ bb_u32 bb_pair_add(bb_u32 a, bb_u32 b) {
  return bb_pair_fma(a, 0x3f803f80u, b);
}
__device__ __forceinline__ bb_u32 bb_pair_sub(bb_u32 a, bb_u32 b) {
  return bb_pair_fma(a, 0x3f803f80u, b ^ 0x80008000u);
}
#else
#define BB_PAIR_ONE 0x3c00u         // 1.0
#define BB_PAIR_MAGIC 0x6400u       // 1024.0: mantissa bits 0-9 hold u, read 1024 + u
#define BB_PAIR_POWER(e) ((bb_u32)(15 + (e)) << 10)  // 2^e
#define BB_CODE_MAGIC BB_PAIR_MAGIC
__device__ __forceinline__ bb_u32 bb_pair_fma(bb_u32 a, bb_u32 b, bb_u32 c) {
  return bb_hfma2(a, b, c);
}
__device__ __forceinline__ bb_u32 bb_pair_mul(bb_u32 a, bb_u32 b) { return bb_hmul2(a, b); }
__device__ __forceinline__ bb_u32 bb_pair_add(bb_u32 a, bb_u32 b) { return bb_hadd2(a, b); }
__device__ __forceinline__ bb_u32 bb_pair_sub(bb_u32 a, bb_u32 b) { return bb_hsub2(a, b); }
#endif

// (x & mask) ^ magic as one LOP3. Written as C with both constants, the compiler emits two
// instructions (a SASS instruction carries one 32-bit immediate): an AND and an OR per pair,
// which were 31% of the 4-bit M = 1 kernels' main loop (sm_90 SASS).
__device__ __forceinline__ bb_u32 bb_and_xor(bb_u32 x, bb_u32 mask, bb_u32 magic) {
  bb_u32 d;
  asm("lop3.b32 %0, %1, %2, %3, 0x6a;" : "=r"(d) : "r"(x), "r"(mask), "r"(magic));  // (a & b) ^ c
  return d;
}

__device__ __forceinline__ bb_u32 bb_dup16(bb_u32 h) { return h | (h << 16); }

#define BB_WIDE_UNIT2 (BB_PAIR_POWER(127) * 0x00010001u)  // 2^127, both halves (bfloat16 only)

// A row's scale and zero for one group, as stored (used after the loads land).
struct bb_row_params {
  bb_u16 scale, zero;  // float16 bits (zero: float zero, or the quantized zero in the low bits)
};

// Per row and group, per position: w = (h - base) * scale + offset, with h = 1024 + 2^(jb) u.
//   base   1024 + 2^(jb) (code offset + quantized zero): an exact integer, removed exactly
//   scale  s * 2^(-jb) (times 2 for int1, whose q = 2u - 1)
//   offset -z s (original), -z (rescale), 0; for int1 also the -1 of 2u - 1, times s
struct bb_row_dequant {
  bb_u32 base2[BB_DEQUANT_POSITIONS];
  bb_u32 scale2[BB_DEQUANT_POSITIONS];
  bb_u32 offset2;
};

// Codes that stand for values, not integers (tables and float8): a pair of them is made the pair
// of their values in A's 16-bit type (bb_value_pair), then scaled with one FMA.
#define BB_W_VALUE_PAIRS (BB_W_TABLE || BB_W_FLOAT8)

#if BB_W_VALUE_PAIRS
// Built in pair arithmetic of A's type: w = v * scale + offset for the code's value v. Only
// scale2[0] and offset2 are read (no subtraction, one position).
__device__ __forceinline__ bb_row_dequant bb_row_dequant_make(const bb_row_params &r) {
  bb_row_dequant d;
  const bb_u32 s2 = bb_dup16(r.scale);
  d.scale2[0] = s2;
  const bb_u32 minus_zero2 = bb_dup16(r.zero ^ 0x8000u);
#if BB_ZEROS == 1
  d.offset2 = bb_pair_mul(minus_zero2, s2);  // -z s
#elif BB_ZEROS == 2
  d.offset2 = minus_zero2;  // -z
#else
  d.offset2 = 0;  // (quantized zeros are for unsigned integer codes only)
#endif
  (void)minus_zero2;
  return d;
}

#if BB_W_TABLE
// The 16 values in A's 16-bit type, in byte planes for PRMT: LO<i> holds the low bytes of entries
// 4i .. 4i + 3, HI<i> their high bytes. NF4's levels are rounded to float16 (relative error at
// most 3.3e-4) or to bfloat16 (at most 3.2e-3); FP4's are exact in both.
#if BB_W_KIND == BB_WK_NF4 && BB_A_KIND == 1
#define BB_TABLE_LO0 0xca063280u
#define BB_TABLE_LO1 0x00ba3d92u
#define BB_TABLE_LO2 0xad7c25a3u
#define BB_TABLE_LO3 0x803910e2u
#define BB_TABLE_HI0 0xbebfbfbfu
#define BB_TABLE_HI1 0x00bdbebeu
#define BB_TABLE_HI2 0x3e3e3e3du
#define BB_TABLE_HI3 0x3f3f3f3eu
#elif BB_W_KIND == BB_WK_NF4
#define BB_TABLE_LO0 0x52339200u
#define BB_TABLE_LO1 0x00d4ea8du
#define BB_TABLE_LO2 0x68e02618u
#define BB_TABLE_LO3 0x00c9800du
#define BB_TABLE_HI0 0xb6b8b9bcu
#define BB_TABLE_HI1 0x00adb1b4u
#define BB_TABLE_HI2 0x3533312du
#define BB_TABLE_HI3 0x3c393837u
#elif BB_A_KIND == 1  // FP4 (OCP E2M1): 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives
#define BB_TABLE_LO0 0xc0800000u
#define BB_TABLE_LO1 0xc0804000u
#define BB_TABLE_LO2 0xc0800000u
#define BB_TABLE_LO3 0xc0804000u
#define BB_TABLE_HI0 0x3f3f3f00u
#define BB_TABLE_HI1 0x40404040u
#define BB_TABLE_HI2 0xbfbfbf80u
#define BB_TABLE_HI3 0xc0c0c0c0u
#else  // FP4 in float16, where every low byte is 0
#define BB_TABLE_LO0 0u
#define BB_TABLE_LO1 0u
#define BB_TABLE_LO2 0u
#define BB_TABLE_LO3 0u
#define BB_TABLE_HI0 0x3e3c3800u
#define BB_TABLE_HI1 0x46444240u
#define BB_TABLE_HI2 0xbebcb880u
#define BB_TABLE_HI3 0xc6c4c2c0u
#endif

// The values of a word's 8 codes as its 4 pairs in A's type: pair p holds codes p and p + 4
// (bits 4p and 4p + 16), as bb_dequant_pair numbers them. A PRMT looks up 4 codes at once in 8
// bytes: with a code's low 3 bits as selectors, one PRMT takes the bytes of entries 0-7 and one
// those of entries 8-15, and a third keeps, per code, the one its bit 3 asks for. 25 instructions
// per word, shared by its 4 pairs: ptxas merges the repeated lookups of one word (an NF4 tcgemv
// kernel's sm_90 code is 22 % longer than the same schedule's for uint4 codes with zeros, not 4
// times the lookups).
__device__ __forceinline__ bb_u32 bb_table_pair(bb_u32 x, int p) {
  const bb_u32 index = x & 0x77777777u;
  const bb_u32 choose = ((x >> 1) & 0x44444444u) | 0x32103210u;  // byte i, or 4 + i if bit 3
  bb_u32 low[2], high[2];  // [h]: byte i is that byte of code 4h + i's value
#pragma unroll
  for (int h = 0; h < 2; h++) {
    const bb_u32 i = index >> (16 * h), c = choose >> (16 * h);
    low[h] = __byte_perm(__byte_perm(BB_TABLE_LO0, BB_TABLE_LO1, i),
                         __byte_perm(BB_TABLE_LO2, BB_TABLE_LO3, i), c);
    high[h] = __byte_perm(__byte_perm(BB_TABLE_HI0, BB_TABLE_HI1, i),
                          __byte_perm(BB_TABLE_HI2, BB_TABLE_HI3, i), c);
  }
  // Codes 2q and 2q + 1, and 2q + 4 and 2q + 5, as 16-bit pairs; then pair p's two values.
  const int q = (p >> 1) & 1;
  const bb_u32 first = __byte_perm(low[0], high[0], q ? 0x7362u : 0x5140u);
  const bb_u32 second = __byte_perm(low[1], high[1], q ? 0x7362u : 0x5140u);
  return __byte_perm(first, second, (p & 1) ? 0x7632u : 0x5410u);
}

// Code pair p of word x as its pair of values: codes p and p + 4 (bits 4p and 4p + 16).
__device__ __forceinline__ bb_u32 bb_value_pair(bb_u32 x, int p) { return bb_table_pair(x, p); }
#else  // float8
// Whether e4m3 codes are converted by the hardware (cvt from e4m3x2, sm_89 and later) or by the
// bit moves below (sm_80). The tests also run the bit moves on newer GPUs, with this line
// rewritten to 0.
#define BB_FLOAT8_CONVERT (__CUDA_ARCH__ >= 890)

// Codes i and j (bytes of x) as the float16 pair of their values, code i in the low half. Every
// float8 e4m3 and e5m2 value is a float16, so this is exact (NaN stays NaN, e5m2's infinities
// infinite).
__device__ __forceinline__ bb_u32 bb_float8_pair(bb_u32 x, int i, int j) {
#if BB_W_KIND == BB_WK_E4M3 && BB_FLOAT8_CONVERT
  const bb_u16 codes = (bb_u16)__byte_perm(x, 0u, (bb_u32)(i | (j << 4)));
  bb_u32 d;
  asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(d) : "h"(codes));
  return d;
#else
  // Each code as the high byte of its half, the low byte zero.
  const bb_u32 t = __byte_perm(x, 0u, 0x0404u | ((bb_u32)i << 4) | ((bb_u32)j << 12));
#if BB_W_KIND == BB_WK_E5M2
  return t;  // an e5m2 code is the top byte of a float16
#else
  // e4m3 S.EEEE.MMM (bias 7) moved to float16 as S at bit 15 and EEEEMMM at bits 7-13 (bias 15)
  // reads 2^-8 times its value, subnormals too; a NaN code (EEEEMMM all ones) also gets bit 14,
  // which makes the exponent all ones. Then an exact multiplication by 256.
  const bb_u32 magnitude = (t >> 1) & 0x3f803f80u;
  const bb_u32 nan_bit = (magnitude + 0x00800080u) & 0x40004000u;
  return bb_hmul2(magnitude | nan_bit | (t & 0x80008000u), 0x5c005c00u);
#endif
#endif
}

#if BB_A_KIND == 1
// A float16 pair of float8 values (normal, zero, infinite or NaN) as the bfloat16 pair of the
// same values, through float32: exact, as every float8 value is a bfloat16 too.
__device__ __forceinline__ bb_u32 bb_half_pair_to_bfloat16(bb_u32 h) {
  const float low = bb_half_to_float((bb_u16)h), high = bb_half_to_float((bb_u16)(h >> 16));
  bb_u32 d;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(d) : "f"(high), "f"(low));  // high half first
  return d;
}
#endif

// Codes i and j (bytes of x) as the pair of their values in A's 16-bit type, code i in the low
// half.
__device__ __forceinline__ bb_u32 bb_float8_values(bb_u32 x, int i, int j) {
#if BB_A_KIND == 1
  return bb_half_pair_to_bfloat16(bb_float8_pair(x, i, j));
#else
  return bb_float8_pair(x, i, j);
#endif
}

// Code pair p of word x as the pair of its values in A's 16-bit type: codes p and p + 2 (bytes p
// and p + 2).
__device__ __forceinline__ bb_u32 bb_value_pair(bb_u32 x, int p) {
  return bb_float8_values(x, p, p + 2);
}
#endif

// Code pair p of word x (as bb_value_pair numbers them) as two dequantized weights in A's type.
__device__ __forceinline__ bb_u32 bb_dequant_pair(bb_u32 x, int p, const bb_row_dequant &d) {
  return bb_pair_fma(bb_value_pair(x, p), d.scale2[0], d.offset2);
}
#else
// Built in pair arithmetic of A's type, a handful of instructions per row and group.
__device__ __forceinline__ bb_row_dequant bb_row_dequant_make(const bb_row_params &r) {
  bb_row_dequant d;
  const bb_u32 s2 = bb_dup16(r.scale);
#if BB_W_KIND == BB_WK_INT1
  const bb_u32 q_scale_s2 = bb_pair_mul(s2, bb_dup16(BB_PAIR_POWER(1)));  // q = 2u - 1: 2s per step
  const bb_u32 q_offset2 = bb_dup16(BB_PAIR_ONE | 0x8000u);               // and -1
  const int integer_offset = 0;
#else
  const bb_u32 q_scale_s2 = s2;
  const bb_u32 q_offset2 = 0;
  int integer_offset = BB_CODE_OFFSET;  // q = u - offset
#if BB_ZEROS == 3
  integer_offset += r.zero;  // an integer zero joins the exact subtraction
#endif
#endif
#if BB_WIDE_BFLOAT16
  // -(offset + zero) 2^-6: its code bits (at most 255), negative, read as above and times 2^127
  d.base2[0] = bb_pair_mul(bb_dup16(0x8000u | (bb_u32)integer_offset), BB_WIDE_UNIT2);
  d.scale2[0] = bb_pair_mul(q_scale_s2, bb_dup16(BB_PAIR_POWER(6)));  // s 2^6
#else
  d.base2[0] = bb_dup16(BB_CODE_MAGIC + (bb_u32)integer_offset);
  d.scale2[0] = q_scale_s2;
#endif
#if BB_DEQUANT_POSITIONS == 2
  d.base2[1] = bb_dup16(BB_CODE_MAGIC + ((bb_u32)integer_offset << BB_W_BITS));
  d.scale2[1] = bb_pair_mul(q_scale_s2, bb_dup16(BB_PAIR_POWER(-BB_W_BITS)));  // times 2^-b
#endif
  const bb_u32 minus_zero2 = bb_dup16(r.zero ^ 0x8000u);
#if BB_ZEROS == 1
  d.offset2 = bb_pair_mul(bb_pair_add(q_offset2, minus_zero2), s2);  // (q_offset - z) s
#elif BB_ZEROS == 2
  d.offset2 = bb_pair_fma(q_offset2, s2, minus_zero2);  // q_offset s - z
#else
  d.offset2 = bb_pair_mul(q_offset2, s2);  // q_offset s
#endif
  (void)minus_zero2;
  return d;
}

// Code pair p of word x as two dequantized weights in A's type. Pairs come in runs of
// BB_DEQUANT_POSITIONS: pair p is read at position j = p % BB_DEQUANT_POSITIONS of the word
// shifted by the runs before it, its codes at bits jb and 16 + jb; one LOP3 makes them the pair
// magic + 2^(jb) u (1024 + 2^(jb) u in float16, 128 + 2^(jb) u in bfloat16; int8 codes also flip
// their sign bit: offset binary), then one exact subtraction and one FMA.
#define BB_DEQUANT_MAGIC2                                                                    \
  (BB_CODE_MAGIC * 0x00010001u | (BB_W_KIND == BB_WK_INT8 ? 0x00800080u : 0u))
__device__ __forceinline__ bb_u32 bb_dequant_pair(bb_u32 x, int p, const bb_row_dequant &d) {
  const int j = p % BB_DEQUANT_POSITIONS;
  const bb_u32 shifted = x >> ((p / BB_DEQUANT_POSITIONS) * BB_DEQUANT_POSITIONS * BB_W_BITS);
  const bb_u32 h =
      bb_and_xor(shifted, (BB_W_MASK * 0x00010001u) << (j * BB_W_BITS), BB_DEQUANT_MAGIC2);
#if BB_WIDE_BFLOAT16
  // Exact: (u - offset - zero) 2^-6 (BB_WIDE_BFLOAT16 above).
  return bb_pair_fma(bb_pair_fma(h, BB_WIDE_UNIT2, d.base2[j]), d.scale2[j], d.offset2);
#else
  // The subtraction is exact: 2^(jb) (u - offset).
  return bb_pair_fma(bb_pair_sub(h, d.base2[j]), d.scale2[j], d.offset2);
#endif
}
#endif

// ---- tensor cores ----------------------------------------------------------------------------

// c += a * b on one m16n8k16 tile: a (16x16, row) and b (16x8, col) in A's 16-bit type, c float32.
__device__ __forceinline__ void bb_mma_16816(float (&c)[4], const bb_u32 (&a)[4], bb_u32 b0,
                                             bb_u32 b1) {
#if BB_A_KIND == 1
  asm(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#else
  asm(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

// c += a * b on one m16n8k32 tile: a (16x32, row) and b (32x8, col) of bytes, each operand's
// bytes unsigned (u8) or signed (s8) as its flag says; c exact int32.
#define BB_IMMA_16832_ASM(types)                                                                \
  asm("mma.sync.aligned.m16n8k32.row.col.s32." types ".s32 {%0, %1, %2, %3}, "                 \
      "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"                                           \
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])                                          \
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1))
template <bool A_UNSIGNED, bool B_UNSIGNED>
__device__ __forceinline__ void bb_imma_16832(int (&c)[4], const bb_u32 (&a)[4], bb_u32 b0,
                                              bb_u32 b1) {
  if (A_UNSIGNED && B_UNSIGNED)
    BB_IMMA_16832_ASM("u8.u8");
  else if (A_UNSIGNED)
    BB_IMMA_16832_ASM("u8.s8");
  else if (B_UNSIGNED)
    BB_IMMA_16832_ASM("s8.u8");
  else
    BB_IMMA_16832_ASM("s8.s8");
}

// ---- output -----------------------------------------------------------------------------------

#if BB_OUT_KIND == 0 || BB_OUT_KIND == 1
typedef bb_u16 bb_out_t;
#elif BB_OUT_KIND == 2
typedef float bb_out_t;
#else
typedef int bb_out_t;
#endif

__device__ __forceinline__ float bb_out_to_float(bb_out_t v) {
#if BB_OUT_KIND == 0
  return bb_half_to_float(v);
#elif BB_OUT_KIND == 1
  return bb_bfloat16_to_float(v);
#else
  return (float)v;
#endif
}

__device__ __forceinline__ bb_out_t bb_float_to_out(float v) {
#if BB_OUT_KIND == 0
  return bb_float_to_half(v);
#elif BB_OUT_KIND == 1
  return bb_float_to_bfloat16(v);
#elif BB_OUT_KIND == 2
  return v;
#else
  return (int)v;
#endif
}

#if BB_A_KIND == 2
// The factors that turn the exact sum of output element (n, m) of int8 activations into C: the
// weight row's scale and bias (by n) and the activation row's a_scale (by m), where the config
// has them. Split from the store so that a kernel can load them long before it has the sum.
struct bb_row_factors {
  float scale;
  bb_out_t bias;
};

__device__ __forceinline__ bb_row_factors bb_row_factors_load(int n, const void *scales_,
                                                              const bb_out_t *bias) {
  bb_row_factors f;
  f.scale = 1.0f;
  f.bias = 0;
#if BB_OUT_KIND != 3 && BB_SCALING
  f.scale = ((const float *)scales_)[n];
#endif
#if BB_BIAS
  f.bias = bias[n];
#endif
  (void)n, (void)scales_, (void)bias;
  return f;
}

__device__ __forceinline__ float bb_column_factor_load(int m, const float *a_scale) {
#if BB_OUT_KIND != 3 && BB_A_SCALE
  return a_scale[m];
#else
  (void)m, (void)a_scale;
  return 1.0f;
#endif
}

// Output element (n, m) from its exact sum and its factors: int32 as is (plus the bias), or
// through the weight row's scale, the activation row's a_scale and the bias.
__device__ __forceinline__ void bb_store_with_factors(bb_out_t *C, int n, int m, int value,
                                                      const bb_row_factors &row, float a_scale) {
#if BB_OUT_KIND == 3
#if BB_BIAS
  value += row.bias;
#endif
  C[(size_t)m * BB_N + n] = value;
  (void)a_scale;
#else
  float out = (float)value;
#if BB_SCALING
  out *= row.scale;
#endif
#if BB_A_SCALE
  out *= a_scale;
#endif
#if BB_BIAS
  out += bb_out_to_float(row.bias);
#endif
  C[(size_t)m * BB_N + n] = bb_float_to_out(out);
  (void)row, (void)a_scale;
#endif
}

// The same with the factors loaded here (the gemv and mma families).
__device__ __forceinline__ void bb_store_exact_sum(bb_out_t *C, int n, int m, int value,
                                                   const void *scales_, const float *a_scale,
                                                   const bb_out_t *bias) {
  bb_store_with_factors(C, n, m, value, bb_row_factors_load(n, scales_, bias),
                        bb_column_factor_load(m, a_scale));
}
#endif

// ---- programmatic dependent launch (sm_90) ------------------------------------------------------

// Two uses, both on sm_90 and later:
//   - Inside one run: the product after the row quantizer (int8 activations from it: a per-row
//     a_scale and a float output, bb_config_quantizes_rows; bitblas_bitnet_run) and the product
//     after bitblas_act_sums (tcgemv.cu) are launched as the first kernel's programmatic
//     dependents: their blocks are resident when it ends. The first kernel lets them launch
//     (bb_let_next_grid_launch) and they wait for it (bb_wait_for_prior_grids) before they read
//     what it writes.
//   - Between runs, with BB_DEPENDENT_LAUNCH (the emitter sets it where the process runs with
//     BITBLAS_DEPENDENT_LAUNCH=1: tuner/launch.h): every run's first kernel is launched as the
//     programmatic dependent of the kernel before it in the stream, whatever that kernel is. So
//     every kernel starts with bb_dependent_start: it waits for the grids before it to finish,
//     their writes visible, before any load (A, and in principle the weights, may come from the
//     kernel just before), then lets the next kernel launch.
// The waits sit before any load: the asm's memory clobber holds back every load after it, and a
// wait placed after the first weight loads made ordinary launches 2-5 % slower at M = 16
// (bench/RESULTS.md, twentieth section). A grid launched the ordinary way has nothing to wait
// for, and the wait returns at once. The instructions are left out where neither use needs them:
// kernels that hold them were slower at times even when launched the ordinary way
// (bench/RESULTS.md, twenty-ninth section).
#ifndef BB_DEPENDENT_LAUNCH
#define BB_DEPENDENT_LAUNCH 0
#endif
#define BB_AFTER_QUANTIZER (BB_A_KIND == 2 && BB_A_SCALE && BB_OUT_KIND != 3)

__device__ __forceinline__ void bb_wait_for_prior_grids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void bb_let_next_grid_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
}

// The first step of every kernel (but the given-sums product: tcgemv.cu) with BB_DEPENDENT_LAUNCH.
__device__ __forceinline__ void bb_dependent_start() {
#if BB_DEPENDENT_LAUNCH
  bb_wait_for_prior_grids();
  bb_let_next_grid_launch();
#endif
}

// The first step of the first kernel of a run's pair (the row quantizer, bitblas_act_sums): it
// lets the product behind it launch at once, having first waited with BB_DEPENDENT_LAUNCH.
__device__ __forceinline__ void bb_pair_start() {
#if BB_DEPENDENT_LAUNCH
  bb_dependent_start();
#else
  bb_let_next_grid_launch();
#endif
}

// The product after the row quantizer: A (and a_scale) may still be on their way. Without
// BB_DEPENDENT_LAUNCH only; with it, bb_dependent_start has waited.
__device__ __forceinline__ void bb_wait_for_quantizer() {
#if BB_AFTER_QUANTIZER && !BB_DEPENDENT_LAUNCH
  bb_wait_for_prior_grids();
#endif
}

// Fault injection for the tuner's own tests (a candidate that traps or hangs must cost the
// caller nothing). Compiled out (BB_FAULT 0) in every real candidate.
#if BB_FAULT == 2
__device__ int bb_fault_release = 0;  // never written: the spin below never ends
#endif
__device__ __forceinline__ void bb_fault_point() {
#if BB_FAULT == 1
  asm volatile("trap;");
#elif BB_FAULT == 2
  // A volatile global load each round: a side effect the compiler may not remove.
  while (*(volatile int *)&bb_fault_release == 0) {
  }
#endif
}
