/*
 * check_cubin_memo.c - the tuning worker's memory of compiled cubins (tuner/cubin_memo.c): a
 * source is found only by its whole text and arch, a found cubin is a copy, the oldest entries
 * leave first when the bound is reached, and nothing larger than the bound or already held is
 * added. Nothing here compiles (check_kernel_sources compiles through the memo with NVRTC).
 */
#include <stdlib.h>
#include <string.h>

#include "cubin_memo.h"
#include "test_support.h"

/* Whether the memo holds `source` for arch with exactly `cubin` as its cubin. */
static int holds(const bb_cubin_memo *memo, const char *source, int arch, const char *cubin) {
  void *found = NULL;
  size_t size = 0;
  if (!bb_cubin_memo_find(memo, source, arch, &found, &size)) {
    ck_assert_ptr_null(found);
    ck_assert_uint_eq(size, 0);
    return 0;
  }
  const int same = size == strlen(cubin) && memcmp(found, cubin, size) == 0;
  free(found);
  return same;
}

START_TEST(test_found_by_whole_text_and_arch) {
  bb_cubin_memo *memo = bb_cubin_memo_create(1 << 20);
  ck_assert_ptr_nonnull(memo);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 0);
  ck_assert(!holds(memo, "kernel a", 90, "cubin a"));
  bb_cubin_memo_add(memo, "kernel a", 90, "cubin a", 7);
  bb_cubin_memo_add(memo, "kernel a", 80, "cubin a80", 9);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 2);
  ck_assert(holds(memo, "kernel a", 90, "cubin a"));
  ck_assert(holds(memo, "kernel a", 80, "cubin a80"));
  /* another arch, a prefix, a longer text, one changed character: not held */
  ck_assert(!holds(memo, "kernel a", 75, "cubin a"));
  ck_assert(!holds(memo, "kernel ", 90, "cubin a"));
  ck_assert(!holds(memo, "kernel ab", 90, "cubin a"));
  ck_assert(!holds(memo, "kernel b", 90, "cubin a"));
  /* the same source and arch again: the first cubin stays, nothing is added */
  bb_cubin_memo_add(memo, "kernel a", 90, "other", 5);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 2);
  ck_assert(holds(memo, "kernel a", 90, "cubin a"));
  /* sources with their terminators, and cubins */
  ck_assert_uint_eq(bb_cubin_memo_bytes(memo), 2 * 9 + 7 + 9);
  bb_cubin_memo_destroy(memo);
  bb_cubin_memo_destroy(NULL);
}
END_TEST

START_TEST(test_found_cubin_is_a_copy) {
  bb_cubin_memo *memo = bb_cubin_memo_create(1 << 20);
  char cubin[] = "original";
  bb_cubin_memo_add(memo, "kernel", 90, cubin, 8);
  cubin[0] = 'X'; /* the caller's buffer changes after the add */
  void *found = NULL;
  size_t size = 0;
  ck_assert(bb_cubin_memo_find(memo, "kernel", 90, &found, &size));
  ck_assert_uint_eq(size, 8);
  ck_assert_int_eq(memcmp(found, "original", 8), 0);
  memset(found, 'Y', size); /* and the copy handed out changes */
  free(found);
  ck_assert(holds(memo, "kernel", 90, "original"));
  bb_cubin_memo_destroy(memo);
}
END_TEST

START_TEST(test_oldest_leave_first) {
  /* Each entry takes 8 bytes of source ("sourceN" and its terminator) and 10 of cubin: 18. A
   * bound of 60 holds three. */
  bb_cubin_memo *memo = bb_cubin_memo_create(60);
  const char *sources[5] = {"source0", "source1", "source2", "source3", "source4"};
  const char *cubins[5] = {"cubin00000", "cubin11111", "cubin22222", "cubin33333", "cubin44444"};
  for (int i = 0; i < 3; i++) bb_cubin_memo_add(memo, sources[i], 90, cubins[i], 10);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 3);
  ck_assert_uint_eq(bb_cubin_memo_bytes(memo), 54);
  bb_cubin_memo_add(memo, sources[3], 90, cubins[3], 10);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 3);
  ck_assert(!holds(memo, sources[0], 90, cubins[0]));
  for (int i = 1; i < 4; i++) ck_assert(holds(memo, sources[i], 90, cubins[i]));
  /* a find does not make an entry younger: the order is the order of adding */
  ck_assert(holds(memo, sources[1], 90, cubins[1]));
  bb_cubin_memo_add(memo, sources[4], 90, cubins[4], 10);
  ck_assert(!holds(memo, sources[1], 90, cubins[1]));
  for (int i = 2; i < 5; i++) ck_assert(holds(memo, sources[i], 90, cubins[i]));
  /* an entry as large as the bound empties the memo; one larger is not added */
  char big[52];
  memset(big, 'b', sizeof big);
  bb_cubin_memo_add(memo, "source5", 90, big, 52);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 1);
  ck_assert_uint_eq(bb_cubin_memo_bytes(memo), 60);
  bb_cubin_memo_add(memo, "source6", 90, big, 53);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 1);
  void *found = NULL;
  size_t size = 0;
  ck_assert(!bb_cubin_memo_find(memo, "source6", 90, &found, &size));
  ck_assert(bb_cubin_memo_find(memo, "source5", 90, &found, &size));
  ck_assert_uint_eq(size, 52);
  free(found);
  /* after everything left, adding starts the list again */
  bb_cubin_memo_add(memo, sources[0], 90, cubins[0], 10);
  ck_assert_int_eq(bb_cubin_memo_count(memo), 1);
  ck_assert(holds(memo, sources[0], 90, cubins[0]));
  bb_cubin_memo_destroy(memo);
}
END_TEST

static Suite *cubin_memo_suite(void) {
  Suite *suite = suite_create("cubin_memo");
  TCase *tc = tcase_create("memo");
  tcase_add_test(tc, test_found_by_whole_text_and_arch);
  tcase_add_test(tc, test_found_cubin_is_a_copy);
  tcase_add_test(tc, test_oldest_leave_first);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return bb_test_run_suite(cubin_memo_suite()); }
