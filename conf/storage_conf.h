/* storage_conf.h: libvirt storage pool and volume XML <-> typed defs (see
 * domain_conf.h for the model). Sizes are bytes. A volume is parsed in the
 * context of its pool's type, as libvirt does, because defaults depend on it. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <libxml/tree.h>
#include "util/error.h"

#define HV_UUID_STRLEN 37

typedef struct {
	char *type; /* dir, fs, netfs, logical, disk, iscsi, ... */
	char *name;
	char uuid[HV_UUID_STRLEN];
	uint64_t capacity;
	uint64_t allocation;
	uint64_t available;
	char *target_path; /* or NULL */
	xmlDoc *doc;
} HvPoolDef;

typedef struct {
	char *name;
	char *key;
	char *type;   /* file, block, dir, network, netdir, ploop */
	char *format; /* raw, qcow2, ... or NULL */
	uint64_t capacity;
	uint64_t allocation;
	char *target_path;
	char *backing_path; /* or NULL */
	xmlDoc *doc;
	char *pool_type; /* the parent pool's type when parsed with one, or NULL */
} HvVolumeDef;

HvPoolDef *hv_pool_def_parse(const char *xml, size_t len, GError **err);
/* The same for an already parsed (hv_xml_parse*) document; takes doc. */
HvPoolDef *hv_pool_def_parse_doc(xmlDoc *doc, GError **err);
char *hv_pool_def_format(const HvPoolDef *def);
HvPoolDef *hv_pool_def_copy(const HvPoolDef *def);
void hv_pool_def_free(HvPoolDef *def);
void hv_pool_def_ensure_uuid(HvPoolDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvPoolDef, hv_pool_def_free)

/* pool may be NULL (no context). */
HvVolumeDef *hv_volume_def_parse(const HvPoolDef *pool, const char *xml, size_t len,
				 GError **err);
HvVolumeDef *hv_volume_def_parse_doc(const HvPoolDef *pool, xmlDoc *doc, GError **err);
char *hv_volume_def_format(const HvVolumeDef *def);
HvVolumeDef *hv_volume_def_copy(const HvVolumeDef *def);
void hv_volume_def_free(HvVolumeDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvVolumeDef, hv_volume_def_free)
