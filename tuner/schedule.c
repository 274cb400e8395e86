/*
 * schedule.c - schedule text (format/parse), launch dimensions, and the candidate space per
 * config. Writing CUDA source is emit.c's job; timing candidates is measure.c's.
 */
#include "schedule.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"

int bb_schedule_format(const bb_schedule *s, char *buf, size_t size) {
  if (s->family == BB_FAMILY_TCGEMV)
    return snprintf(buf, size, "tcgemv warps=%d n_tiles=%d m_tiles=%d unroll=%d", s->warps,
                    s->n_tiles, s->m_tiles, s->unroll);
  if (s->family == BB_FAMILY_GEMV)
    return snprintf(buf, size, "gemv warps=%d rows=%d m_tile=%d unroll=%d chunk=%d", s->warps,
                    s->rows_per_warp, s->m_tile, s->unroll, s->chunk_elems);
  return snprintf(buf, size, "mma bm=%d bn=%d bk=%d warps=%dx%d", s->block_m, s->block_n,
                  s->block_k, s->warps_m, s->warps_n);
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
  if (sscanf(text, "tcgemv warps=%d n_tiles=%d m_tiles=%d unroll=%d", &s->warps, &s->n_tiles,
             &s->m_tiles, &s->unroll) == 4 &&
      s->warps > 0 && s->n_tiles > 0 && s->m_tiles > 0 && s->unroll > 0) {
    s->family = BB_FAMILY_TCGEMV;
    return BITBLAS_OK;
  }
  if (sscanf(text, "mma bm=%d bn=%d bk=%d warps=%dx%d", &s->block_m, &s->block_n, &s->block_k,
             &s->warps_m, &s->warps_n) == 5 &&
      s->block_m > 0 && s->block_n > 0 && s->block_k > 0 && s->warps_m > 0 && s->warps_n > 0) {
    s->family = BB_FAMILY_MMA;
    return BITBLAS_OK;
  }
  return bb_fail(BITBLAS_INVALID_ARGUMENT, "schedule \"%s\": not a known schedule text", text);
}

int bb_schedule_threads(const bb_schedule *s) {
  return s->family == BB_FAMILY_MMA ? 32 * s->warps_m * s->warps_n : 32 * s->warps;
}

static unsigned ceil_div(int64_t a, int64_t b) { return (unsigned)((a + b - 1) / b); }

void bb_schedule_grid(const bb_schedule *s, const bitblas_matmul_config *cfg, int64_t m,
                      unsigned grid[3]) {
  if (s->family == BB_FAMILY_GEMV) {
    grid[0] = ceil_div(cfg->N, (int64_t)s->warps * s->rows_per_warp);
    grid[1] = ceil_div(m, s->m_tile);
  } else if (s->family == BB_FAMILY_TCGEMV) {
    grid[0] = ceil_div(cfg->N, 16 * (int64_t)s->n_tiles);
    grid[1] = ceil_div(m, 8 * (int64_t)s->m_tiles);
  } else {
    grid[0] = ceil_div(cfg->N, s->block_n);
    grid[1] = ceil_div(m, s->block_m);
  }
  grid[2] = 1;
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

static bb_schedule mma(int block_m, int block_n, int block_k, int warps_m, int warps_n) {
  bb_schedule s;
  memset(&s, 0, sizeof s);
  s.family = BB_FAMILY_MMA;
  s.block_m = block_m;
  s.block_n = block_n;
  s.block_k = block_k;
  s.warps_m = warps_m;
  s.warps_n = warps_n;
  return s;
}

int bb_tcgemv_eligible(const bitblas_matmul_config *cfg) {
  const int bits = bitblas_dtype_bits(cfg->W_dtype);
  if (cfg->A_dtype != BITBLAS_DTYPE_FLOAT16 || !bb_dtype_is_integer_weight(cfg->W_dtype)) return 0;
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8) return 0;
  return cfg->K % (512 / bits) == 0 && bb_config_group(cfg) % (128 / bits) == 0;
}

static bb_schedule tcgemv(int warps, int n_tiles, int m_tiles, int unroll) {
  bb_schedule s;
  memset(&s, 0, sizeof s);
  s.family = BB_FAMILY_TCGEMV;
  s.warps = warps;
  s.n_tiles = n_tiles;
  s.m_tiles = m_tiles;
  s.unroll = unroll;
  return s;
}

int bb_candidates_enumerate(const bitblas_matmul_config *cfg, bb_schedule *out) {
  int count = 0;
  /* tcgemv first where it applies (M <= 32): weights straight into tensor-core fragments. */
  if (cfg->M <= 32 && bb_tcgemv_eligible(cfg)) {
    const int m_tiles = cfg->M <= 8 ? 1 : cfg->M <= 16 ? 2 : 4;
    const bb_schedule tcgemvs[] = {tcgemv(8, 1, m_tiles, 2), tcgemv(16, 1, m_tiles, 1),
                                   tcgemv(8, 2, m_tiles, 1), tcgemv(16, 2, m_tiles, 1),
                                   tcgemv(4, 1, m_tiles, 2), tcgemv(8, 2, m_tiles, 2),
                                   tcgemv(8, 1, m_tiles, 4), tcgemv(4, 2, m_tiles, 2)};
    for (size_t i = 0; i < sizeof tcgemvs / sizeof tcgemvs[0]; i++) {
      /* The cross-warp sum needs warps x 16 n_tiles x 8 m_tiles floats of static shared memory. */
      const int shared_bytes = tcgemvs[i].warps * 16 * tcgemvs[i].n_tiles * 8 * m_tiles * 4;
      if (shared_bytes <= 48 * 1024) out[count++] = tcgemvs[i];
    }
  }
  const int64_t M = cfg->M;
  const int float_a = cfg->A_dtype != BITBLAS_DTYPE_INT8;
  const int gemv_first = M <= 8 || !float_a;

  /* gemv: for M up to 64 (all M for int8 A, whose only family it is). */
  if (M <= 64 || !float_a) {
    const int m_tile = M >= 4 ? 4 : (M >= 2 ? 2 : 1);
    const int max_m_tile = !float_a && M > 64 ? 8 : m_tile;
    bb_schedule gemvs[] = {
        gemv(cfg, 4, 2, m_tile, 2),     gemv(cfg, 4, 1, m_tile, 4), gemv(cfg, 8, 1, m_tile, 2),
        gemv(cfg, 4, 4, m_tile, 1),     gemv(cfg, 8, 2, m_tile, 1), gemv(cfg, 2, 2, m_tile, 2),
        gemv(cfg, 4, 2, max_m_tile, 1), gemv(cfg, 4, 1, 1, 2),
    };
    const int n_gemv = gemv_first ? 8 : 4;
    for (int i = 0; i < n_gemv && count < BB_MAX_CANDIDATES; i++) {
      int duplicate = 0;
      for (int j = 0; j < count; j++) duplicate |= memcmp(&out[j], &gemvs[i], sizeof gemvs[i]) == 0;
      if (!duplicate) out[count++] = gemvs[i];
    }
  }
  /* mma: every M for float A (correct for all; fastest from a few rows up). */
  if (float_a) {
    bb_schedule mmas[] = {
        mma(16, 64, 64, 1, 4),   mma(16, 128, 32, 1, 4), mma(32, 64, 64, 1, 4),
        mma(64, 64, 32, 2, 2),   mma(64, 128, 32, 2, 2), mma(128, 64, 32, 4, 1),
        mma(128, 128, 32, 2, 4), mma(64, 128, 64, 2, 4),
    };
    for (size_t i = 0; i < sizeof mmas / sizeof mmas[0] && count < BB_MAX_CANDIDATES; i++) {
      /* Skip tiles far taller than M: they only add padded rows. */
      if (mmas[i].block_m > 16 && mmas[i].block_m / 2 >= M) continue;
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

bb_schedule bb_schedule_default(const bitblas_matmul_config *cfg) {
  bb_schedule all[BB_MAX_CANDIDATES];
  bb_candidates_enumerate(cfg, all);
  return all[0];
}
