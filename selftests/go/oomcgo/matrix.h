/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOMCGO_MATRIX_H
#define OOMCGO_MATRIX_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
void cxx_build_matrix(const double *src, size_t n);
#ifdef __cplusplus
}
#endif
#endif
