/* reference-checksums.c - prints a weighted checksum of bitblas_reference_matmul over 43 configs
 * (4 zeros modes x 5 weight formats x 3 group sizes, M = 3, N = 37, K = 1152) on fixed data, to
 * compare two builds of the reference. Build against a build tree's libbitblas_static.a:
 *   gcc -std=c11 -O1 reference-checksums.c -Iinclude -Isrc BUILD/libbitblas_static.a -lsqlite3 -ldl -lpthread -lm */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "bitblas.h"
#include "config.h"
#include "half.h"
#include "reference.h"
int main(void) {
  const bitblas_zeros_mode modes[] = {BITBLAS_ZEROS_NONE, BITBLAS_ZEROS_ORIGINAL, BITBLAS_ZEROS_RESCALE, BITBLAS_ZEROS_QUANTIZED};
  const bitblas_dtype wts[] = {BITBLAS_DTYPE_UINT4, BITBLAS_DTYPE_INT2, BITBLAS_DTYPE_NF4, BITBLAS_DTYPE_FLOAT16, BITBLAS_DTYPE_UINT8};
  for (int mi = 0; mi < 4; mi++) for (int wi = 0; wi < 5; wi++) for (int g = 0; g < 3; g++) {
    bitblas_matmul_config c; bitblas_matmul_config_init(&c);
    c.M = 3; c.N = 37; c.K = 1152; c.W_dtype = wts[wi]; c.group_size = g == 0 ? -1 : g == 1 ? 128 : 384;
    c.zeros_mode = modes[mi]; c.with_scaling = g != 0 || mi != 0; c.with_bias = 1;
    if (bitblas_matmul_config_validate(&c) != BITBLAS_OK) continue;
    srand(7);
    size_t ab = bb_config_a_bytes(&c, c.M), wb = bb_config_w_bytes(&c), sb = bb_config_scales_bytes(&c), zb = bb_config_zeros_bytes(&c);
    uint16_t *A = malloc(ab); uint8_t *W = malloc(wb); uint16_t *S = sb ? malloc(sb) : NULL; uint8_t *Z = zb ? malloc(zb) : NULL; uint16_t bias[37];
    for (size_t i = 0; i < ab / 2; i++) A[i] = bb_float_to_half((float)rand() / RAND_MAX * 2 - 1);
    for (size_t i = 0; i < wb; i++) W[i] = (uint8_t)rand();
    if (c.W_dtype == BITBLAS_DTYPE_FLOAT16) for (size_t i = 0; i < wb / 2; i++) ((uint16_t*)W)[i] = bb_float_to_half((float)rand() / RAND_MAX - 0.5f);
    for (size_t i = 0; S && i < sb / 2; i++) S[i] = bb_float_to_half(0.001f + (float)rand() / RAND_MAX * 0.02f);
    for (size_t i = 0; Z && i < zb; i++) Z[i] = (uint8_t)rand();
    if (Z && c.zeros_mode != BITBLAS_ZEROS_QUANTIZED) for (size_t i = 0; i < zb / 2; i++) ((uint16_t*)Z)[i] = bb_float_to_half((float)rand() / RAND_MAX * 8);
    for (int i = 0; i < 37; i++) bias[i] = bb_float_to_half((float)rand() / RAND_MAX - 0.5f);
    bitblas_matmul_args a = {c.M, A, W, S, Z, bias, NULL, NULL};
    double out[3 * 37];
    bitblas_status st = bitblas_reference_matmul(&c, &a, out);
    double sum = 0; for (int i = 0; i < 3 * 37; i++) sum += out[i] * (i + 1);
    printf("%d %d %d %d %.12e\n", mi, wi, g, st, sum);
    free(A); free(W); free(S); free(Z);
  }
  return 0;
}
