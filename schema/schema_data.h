/* schema_data.h: hyperfs's RelaxNG grammars, compiled in (see embed.py and
 * conf/schema.c, which compiles and caches them). One entry per top-level
 * grammar, includes already resolved; the table ends with { NULL, NULL }. */
#pragma once
#include <stddef.h>

typedef struct {
	const char *kind; /* domain, network, storagepool, storagevol, capabilities, node */
	const char *text;
} HvSchemaText;

extern const HvSchemaText hv_schema_texts[];
