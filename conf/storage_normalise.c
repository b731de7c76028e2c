/* storage_normalise.c: libvirt's canonical shape for pool and volume documents
 * at format time: element order, permissions (octal mode, no -1 owner),
 * per-pool-type defaults (logical VG name, format and /dev path, SCSI adapter
 * type) and volume defaults that depend on the parent pool's type. */
#include "conf/storage_priv.h"
#include "conf/normalise.h"
#include <string.h>

static const char *const pool_order[] = {
	"name", "uuid", "capacity", "allocation", "available", "source", "target", NULL,
};
static const char *const pool_source_order[] = {
	"host", "device", "dir", "adapter", "name", "format", "initiator", "auth", "vendor",
	"product", NULL,
};
static const char *const target_order[] = {
	"path", "format", "permissions", "timestamps", "encryption", "compat", "features", NULL,
};
static const char *const perms_order[] = { "mode", "owner", "group", "label", NULL };
static const char *const vol_order[] = {
	"name", "key", "source", "capacity", "allocation", "physical", "target", "backingStore",
	NULL,
};

/* Default <source><format type=> per pool type. */
static const struct {
	const char *pool;
	const char *format;
} pool_formats[] = {
	{ "fs", "auto" }, { "netfs", "auto" }, { "logical", "lvm2" }, { "disk", "unknown" },
};

/* The type a volume gets from its pool when it names none. */
static const struct {
	const char *pool;
	const char *vol_type;
	const char *format; /* default <target><format>, or NULL */
} pool_vol_defaults[] = {
	{ "dir", "file", "raw" },        { "fs", "file", "raw" },     { "netfs", "file", "raw" },
	{ "logical", "block", NULL },    { "disk", "block", "none" }, { "iscsi", "block", NULL },
	{ "iscsi-direct", "network", NULL }, { "scsi", "block", NULL }, { "mpath", "block", NULL },
	{ "rbd", "network", NULL },      { "sheepdog", "network", NULL },
	{ "gluster", "network", "raw" }, { "zfs", "block", NULL },    { "vstorage", "file", "raw" },
};

static void
normalise_perms(xmlNode *perms)
{
	static const char *const ids[] = { "owner", "group" };
	xmlNode *mode = hv_xml_child(perms, "mode");

	if (!perms)
		return;
	if (mode) {
		g_autofree char *m = hv_xml_text(mode);
		char buf[16];

		g_snprintf(buf, sizeof(buf), "0%o", (unsigned)g_ascii_strtoull(g_strstrip(m), NULL, 8));
		hv_xml_set_text(mode, buf);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
		xmlNode *el = hv_xml_child(perms, ids[i]);
		g_autofree char *v = hv_xml_text(el);
		gint64 n;
		char buf[24];

		if (!el)
			continue;
		n = g_ascii_strtoll(g_strstrip(v), NULL, 10);
		if (n < 0) {
			xmlUnlinkNode(el);
			xmlFreeNode(el);
			continue;
		}
		g_snprintf(buf, sizeof(buf), "%" G_GINT64_FORMAT, n);
		hv_xml_set_text(el, buf);
	}
	hv_xml_reorder(perms, perms_order);
}

static void
pool_type_defaults(const HvPoolDef *def, xmlNode *root, xmlNode *src)
{
	xmlNode *adapter = hv_xml_child(src, "adapter");

	for (size_t i = 0; i < G_N_ELEMENTS(pool_formats); i++)
		if (!strcmp(def->type, pool_formats[i].pool))
			hv_xml_default_prop(hv_xml_ensure_child(src, "format"), "type",
					    pool_formats[i].format);
	if (!strcmp(def->type, "logical")) {
		xmlNode *name = hv_xml_child(src, "name");
		g_autofree char *vg = NULL;
		g_autofree char *path = NULL;

		if (!name)
			hv_xml_set_text(name = hv_xml_ensure_child(src, "name"), def->name);
		vg = hv_xml_text(name);
		path = g_strdup_printf("/dev/%s", g_strstrip(vg));
		hv_xml_set_text(hv_xml_ensure_child(hv_xml_ensure_child(root, "target"), "path"), path);
	}
	if (adapter && !xmlHasProp(adapter, (const xmlChar *)"type"))
		hv_xml_set_prop(adapter, "type",
				xmlHasProp(adapter, (const xmlChar *)"wwpn") ? "fc_host" : "scsi_host");
}

void
hv_pool_normalise(const HvPoolDef *def, xmlNode *root)
{
	xmlNode *src = hv_xml_ensure_child(root, "source");
	xmlNode *target;

	pool_type_defaults(def, root, src);
	hv_xml_reorder(src, pool_source_order);
	if ((target = hv_xml_child(root, "target"))) {
		normalise_perms(hv_xml_child(target, "permissions"));
		hv_xml_reorder(target, target_order);
	}
	hv_xml_reorder(root, pool_order);
}

const char *
hv_volume_default_type(const HvPoolDef *pool)
{
	for (size_t i = 0; pool && pool->type && i < G_N_ELEMENTS(pool_vol_defaults); i++)
		if (!strcmp(pool->type, pool_vol_defaults[i].pool))
			return pool_vol_defaults[i].vol_type;
	return "file";
}

const char *
hv_volume_default_format(const char *pool_type)
{
	for (size_t i = 0; pool_type && i < G_N_ELEMENTS(pool_vol_defaults); i++)
		if (!strcmp(pool_type, pool_vol_defaults[i].pool))
			return pool_vol_defaults[i].format;
	return NULL;
}

void
hv_volume_normalise(const HvVolumeDef *def, xmlNode *root)
{
	xmlNode *src = hv_xml_ensure_child(root, "source");
	xmlNode *target = hv_xml_child(root, "target");
	xmlNode *backing = hv_xml_child(root, "backingStore");

	hv_xml_remove_children(src, "device"); /* extents are the pool's to report */
	if (target) {
		hv_xml_remove_children(target, "timestamps");
		hv_xml_remove_children(target, "nocow");
		normalise_perms(hv_xml_child(target, "permissions"));
		hv_xml_reorder(target, target_order);
	}
	if (backing) {
		normalise_perms(hv_xml_child(backing, "permissions"));
		hv_xml_reorder(backing, target_order);
	}
	hv_xml_reorder(root, vol_order);
}
