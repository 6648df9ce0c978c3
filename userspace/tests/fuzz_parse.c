// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the parser must never crash, leak or overrun. */
#include <stddef.h>
#include <stdint.h>

#include "fsparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_doc doc;
	char err[256];

	if (fs_parse((const char *)data, size, &doc, err, sizeof(err)) == 0)
		fs_free(&doc);
	return 0;
}
