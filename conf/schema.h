/* schema.h: validation of a parsed document against hyperfs's own RelaxNG
 * grammars (the .rng files in schema/, compiled in). Each grammar is compiled once and
 * shared; every call gets its own validation context, so any thread may call. */
#pragma once
#include <libxml/tree.h>
#include "util/error.h"

typedef enum {
	HV_SCHEMA_DOMAIN,
	HV_SCHEMA_NETWORK,
	HV_SCHEMA_POOL,
	HV_SCHEMA_VOLUME,
	HV_SCHEMA_CAPABILITIES,
	HV_SCHEMA_NODE,
	HV_SCHEMA_SECRET,
	HV_SCHEMA_LAST
} HvSchemaKind;

/* 0 when doc is valid; -EINVAL with "line N: <element>: reason" otherwise. */
int hv_schema_validate(HvSchemaKind kind, xmlDoc *doc, GError **err);
/* The kind whose root element is root's name, or -1. */
int hv_schema_kind_for_root(const char *root);
const char *hv_schema_kind_name(HvSchemaKind kind);
