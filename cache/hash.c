/*
 * hash.c - bb_hash64, the 64-bit FNV-1a hash with a seed that names kernel sources in the cache
 * key. Not a cryptographic hash: it tells versions apart, it does not resist forgery.
 */
#include "cache.h"

#define BB_FNV64_OFFSET_BASIS 0xcbf29ce484222325ull
#define BB_FNV64_PRIME 0x100000001b3ull

uint64_t bb_hash64(const void *data, size_t size, uint64_t seed) {
  const unsigned char *bytes = data;
  uint64_t hash = BB_FNV64_OFFSET_BASIS ^ seed;
  for (size_t i = 0; i < size; i++) {
    hash ^= bytes[i];
    hash *= BB_FNV64_PRIME;
  }
  return hash;
}
