// SPDX-License-Identifier: GPL-2.0
//
// The C++ half of oomcgo: a matrix of 1 MiB rows, each new'd and filled
// from the Go slice, until the OOM killer stops it. After each row it
// writes "cxx KB" (the rows' bytes so far) to stdout, so the test knows
// how much the C++ side held at the kill.
#include <cstdio>
#include <unistd.h>
#include <vector>
#include "matrix.h"

namespace {
const size_t cols = (1 << 20) / sizeof(double);
}

__attribute__((noinline)) void fill_row(double *row, const double *src, size_t n)
{
	for (size_t i = 0; i < cols; i++)
		row[i] = src[i % n] * 2;
}

__attribute__((noinline)) void build_rows(std::vector<double *> &rows, const double *src, size_t n)
{
	char line[32];

	for (;;) {
		double *row = new double[cols];

		fill_row(row, src, n);
		rows.push_back(row);
		int len = snprintf(line, sizeof(line), "cxx %zu\n", rows.size() * (cols * sizeof(double) >> 10));
		if (write(1, line, len) != len)
			return;
	}
}

extern "C" void cxx_build_matrix(const double *src, size_t n)
{
	std::vector<double *> rows;

	build_rows(rows, src, n);
}
