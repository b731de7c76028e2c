/* objdefs.c: what the object tables need to know about each kind of
 * definition (conf/): its name and uuid fields, parse, format, copy and free,
 * and libvirt's undefine rule for the kind (objtab.h, HvDefOps); a domain's
 * and a network's info from its entry. */
#include <stddef.h>
#include <string.h>
#include "drivers/objtab.h"
#include "conf/conf_util.h"

HvDomainInfo *
hv_entry_domain_info(const HvEntry *o, HvDomainState state, int reason, int id)
{
	const HvDomainDef *def = o->def.domain;
	HvDomainInfo *i = g_new0(HvDomainInfo, 1);

	i->name = g_strdup(o->name);
	i->os_type = g_strdup(def->os_type);
	memcpy(i->uuid, o->uuid, HV_UUID_STRLEN);
	i->id = id;
	i->state = state;
	i->reason = reason;
	i->persistent = o->persistent;
	i->autostart = o->autostart;
	i->max_memory_kib = def->max_memory_kib;
	i->memory_kib = def->current_memory_kib;
	i->vcpus = def->vcpus;
	i->max_vcpus = def->max_vcpus;
	return i;
}

void *
hv_entry_network_info(HvObjTab *t, HvEntry *n)
{
	HvNetworkInfo *i = g_new0(HvNetworkInfo, 1);

	(void)t;
	i->name = g_strdup(n->name);
	memcpy(i->uuid, n->def.network->uuid, HV_UUID_STRLEN);
	i->active = n->active;
	i->persistent = n->persistent;
	i->autostart = n->autostart;
	i->bridge = g_strdup(n->def.network->bridge);
	i->forward = g_strdup(n->def.network->forward_mode);
	return i;
}

static void *dom_parse(const char *x, size_t n, GError **e) { return hv_domain_def_parse(x, n, e); }
static void *net_parse(const char *x, size_t n, GError **e) { return hv_network_def_parse(x, n, e); }
static void *pool_parse(const char *x, size_t n, GError **e) { return hv_pool_def_parse(x, n, e); }

static char *dom_format(const void *d) { return hv_domain_def_format(d); }
static char *net_format(const void *d) { return hv_network_def_format(d); }
static char *pool_format(const void *d) { return hv_pool_def_format(d); }
static char *vol_format(const void *d) { return hv_volume_def_format(d); }

static void *dom_copy(const void *d) { return hv_domain_def_copy(d); }
static void *net_copy(const void *d) { return hv_network_def_copy(d); }
static void *pool_copy(const void *d) { return hv_pool_def_copy(d); }
static void *vol_copy(const void *d) { return hv_volume_def_copy(d); }

static void dom_free(void *d) { hv_domain_def_free(d); }
static void net_free(void *d) { hv_network_def_free(d); }
static void pool_free(void *d) { hv_pool_def_free(d); }
static void vol_free(void *d) { hv_volume_def_free(d); }

const HvDefOps hv_domain_defs = {
	.kind = HV_OBJ_DOMAIN,
	.what = "domain",
	.undefine_active = true,
	.name_off = offsetof(HvDomainDef, name),
	.uuid_off = offsetof(HvDomainDef, uuid),
	.parse = dom_parse,
	.format = dom_format,
	.copy = dom_copy,
	.free = dom_free,
};

const HvDefOps hv_network_defs = {
	.kind = HV_OBJ_NETWORK,
	.what = "network",
	.undefine_active = true,
	.name_off = offsetof(HvNetworkDef, name),
	.uuid_off = offsetof(HvNetworkDef, uuid),
	.parse = net_parse,
	.format = net_format,
	.copy = net_copy,
	.free = net_free,
};

/* libvirt refuses to undefine an active pool (virStoragePoolUndefine). */
const HvDefOps hv_pool_defs = {
	.kind = HV_OBJ_POOL,
	.what = "storage pool",
	.undefine_active = false,
	.name_off = offsetof(HvPoolDef, name),
	.uuid_off = offsetof(HvPoolDef, uuid),
	.parse = pool_parse,
	.format = pool_format,
	.copy = pool_copy,
	.free = pool_free,
};

/* Volumes are made in the context of their pool (the class's create hook). */
const HvDefOps hv_volume_defs = {
	.kind = HV_OBJ_VOLUME,
	.what = "storage volume",
	.parent_what = "pool",
	.name_off = offsetof(HvVolumeDef, name),
	.uuid_off = -1,
	.format = vol_format,
	.copy = vol_copy,
	.free = vol_free,
};

const char *
hv_def_name(const HvDefOps *ops, const void *def)
{
	return *(char *const *)((const char *)def + ops->name_off);
}

char *
hv_def_uuid(const HvDefOps *ops, void *def)
{
	return ops->uuid_off < 0 ? NULL : (char *)def + ops->uuid_off;
}

void
hv_def_ensure_uuid(const HvDefOps *ops, void *def)
{
	char *uuid = hv_def_uuid(ops, def);

	if (uuid && !uuid[0])
		hv_uuid_generate(uuid);
}
