/*
 * consumer.c - a program built against an installed bitblas (tools/test.sh builds it through
 * pkg-config and through find_package): the header and the library must agree on the version.
 */
#include <bitblas.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (bitblas_version_number() != BITBLAS_VERSION_NUMBER ||
      strcmp(bitblas_version(), BITBLAS_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", BITBLAS_VERSION_STRING, bitblas_version());
    return 1;
  }
  printf("bitblas %s installed and linked\n", bitblas_version());
  return 0;
}
