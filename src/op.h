/*
 * op.h - what the context needs of operators: freeing the ones its memo holds when it is
 * destroyed. The public operator API is in bitblas.h; its implementation in op.c.
 */
#ifndef BITBLAS_OP_H
#define BITBLAS_OP_H

#include "bitblas.h"

/* Unloads an operator's modules and frees it, whatever its reference count (context teardown). */
void bb_op_destroy_from_memo(bitblas_op *op);

#endif
