/* table.h: the one lookup for const tables whose rows start with their name
 * (a `const char *` first member): verbs, events, buses, models, backends.
 * Exact matches only, never prefixes. */
#pragma once
#include <glib.h>

/* The row of rows[0..n) (each size bytes) named name, or NULL. */
const void *hv_table_find(const void *rows, size_t n, size_t size, const char *name);

#define HV_TABLE_FIND(table, name)                                                      \
	((typeof(&(table)[0]))hv_table_find((table), G_N_ELEMENTS(table), sizeof((table)[0]), \
					    (name)))
