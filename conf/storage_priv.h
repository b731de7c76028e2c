/* storage_priv.h: helpers shared by the pool and volume halves of the storage
 * model (storage_conf.c, volume_conf.c). Internal to conf/. */
#pragma once
#include "conf/storage_conf.h"
#include "conf/conf_util.h"

/* Writes bytes into el as text with unit='bytes'. */
void hv_storage_set_bytes(xmlNode *el, uint64_t bytes);
/* libvirt's canonical shape, applied to a document copy at format time. */
void hv_pool_normalise(const HvPoolDef *def, xmlNode *root);
void hv_volume_normalise(const HvVolumeDef *def, xmlNode *root);
/* Volume defaults that depend on the parent pool's type (pool may be NULL). */
const char *hv_volume_default_type(const HvPoolDef *pool);
const char *hv_volume_default_format(const char *pool_type);
/* Whether a volume in a pool of this type has its input <format> read. */
bool hv_volume_format_is_read(const char *pool_type);
/* storage_check.c: libvirt's checks on permissions and host ports of a pool
 * or volume document (what: "storage pool" or "storage volume"). */
int hv_storage_check(xmlNode *root, const char *what, const char *name, GError **err);
