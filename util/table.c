/* table.c: finding a row by name in a const table whose rows start with
 * their name (see table.h). Tables here are small: a linear scan. */
#include <string.h>
#include "util/table.h"

const void *
hv_table_find(const void *rows, size_t n, size_t size, const char *name)
{
	for (size_t k = 0; name && k < n; k++) {
		const void *row = (const char *)rows + k * size;
		const char *row_name = *(const char *const *)row;

		if (row_name && strcmp(row_name, name) == 0)
			return row;
	}
	return NULL;
}
