/* storage_normalise.c: libvirt's canonical shape for pool and volume documents
 * at format time: element order, permissions (octal mode, no -1 owner),
 * per-pool-type defaults (logical VG name, format and /dev path, SCSI adapter
 * type) and volume defaults that depend on the parent pool's type. */
#include "conf/storage_priv.h"
#include "conf/normalise.h"
#include "conf/rules.h"
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

/* A volume's <target><format> by its pool's type: poolTypeInfo[].volOptions
 * in libvirt's storage_conf.c. read: whether the input's format is read
 * (formatFromString); otherwise the formatter writes value 0 of the type's
 * enum. NULL format: the pool's volumes have no <format> (no formatToString). */
static const struct {
	const char *pool;
	const char *format; /* the default, or what is always written */
	bool read;
} vol_formats[] = {
	{ "dir", "raw", true },       { "fs", "raw", true },       { "netfs", "raw", true },
	{ "gluster", "raw", true },   { "vstorage", "raw", true }, { "rbd", "raw", true },
	{ "disk", "none", true },     { "iscsi", "unknown", false }, { "scsi", "unknown", false },
	{ "mpath", "unknown", false }, { "sheepdog", "unknown", false },
	{ "logical", NULL, false },   { "zfs", NULL, false },
};

/* Pool types with a source <name> (VIR_STORAGE_POOL_SOURCE_NAME), which
 * defaults to the pool's name, and the target path made from it. */
static const struct {
	const char *pool;
	const char *target_prefix; /* NULL: the target is the input's */
} name_pools[] = {
	{ "logical", "/dev/" }, { "zfs", "/dev/zvol/" }, { "rbd", NULL },
	{ "sheepdog", NULL },   { "gluster", NULL },     { "vstorage", NULL },
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
	for (size_t i = 0; i < G_N_ELEMENTS(name_pools); i++) {
		xmlNode *name = hv_xml_child(src, "name");
		g_autofree char *vg = NULL;
		g_autofree char *path = NULL;

		if (strcmp(def->type, name_pools[i].pool))
			continue;
		if (!name)
			hv_xml_set_text(name = hv_xml_ensure_child(src, "name"), def->name);
		if (!name_pools[i].target_prefix)
			continue;
		vg = hv_xml_text(name);
		path = g_strdup_printf("%s%s", name_pools[i].target_prefix, g_strstrip(vg));
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
	if ((target = hv_xml_child(root, "target")))
		normalise_perms(hv_xml_child(target, "permissions"));
	hv_xml_apply_rules(root, hv_pool_rules, hv_pool_rules_len);
	hv_xml_apply_rules(root, hv_perms_rules, hv_perms_rules_len);
	hv_xml_reorder(src, pool_source_order);
	if ((target = hv_xml_child(root, "target")))
		hv_xml_reorder(target, target_order);
	hv_xml_reorder(root, pool_order);
}

const char *
hv_volume_default_type(const HvPoolDef *pool)
{
	(void)pool; /* virStorageVolDefParseXML: file, whatever the pool */
	return "file";
}

static int
vol_format_row(const char *pool_type)
{
	for (size_t i = 0; i < G_N_ELEMENTS(vol_formats); i++)
		if (!strcmp(pool_type ? pool_type : "dir", vol_formats[i].pool))
			return (int)i;
	return -1;
}

const char *
hv_volume_default_format(const char *pool_type)
{
	int i = vol_format_row(pool_type);

	return i < 0 ? NULL : vol_formats[i].format;
}

bool
hv_volume_format_is_read(const char *pool_type)
{
	int i = vol_format_row(pool_type);

	return i < 0 || vol_formats[i].read;
}

/* <format> of a target or backing store: the pool type's rule. */
static void
normalise_vol_format(const char *pool_type, xmlNode *target)
{
	int i = vol_format_row(pool_type);
	xmlNode *fmt;

	if (!target || i < 0)
		return;
	if (!vol_formats[i].format) {
		hv_xml_remove_children(target, "format");
		return;
	}
	fmt = hv_xml_ensure_child(target, "format");
	if (!vol_formats[i].read || !xmlHasProp(fmt, (const xmlChar *)"type"))
		hv_xml_set_prop(fmt, "type", vol_formats[i].format);
}

void
hv_volume_normalise(const HvVolumeDef *def, xmlNode *root)
{
	xmlNode *target, *backing;

	hv_xml_ensure_child(root, "source");
	target = hv_xml_child(root, "target");
	backing = hv_xml_child(root, "backingStore");
	/* permissions first, so that the table drops one left empty (no -1
	 * owner or group): virStorageVolTargetDefFormat writes none then (a
	 * fixed-point fuzz finding) */
	normalise_perms(hv_xml_child(target, "permissions"));
	normalise_perms(hv_xml_child(backing, "permissions"));
	hv_xml_apply_rules(root, hv_volume_rules, hv_volume_rules_len);
	hv_xml_apply_rules(root, hv_perms_rules, hv_perms_rules_len);
	target = hv_xml_child(root, "target");
	backing = hv_xml_child(root, "backingStore");
	if (target) {
		/* virStorageVolDefParseXML: <features> implies compat 1.1 */
		if (hv_xml_child(target, "features") && !hv_xml_child(target, "compat"))
			hv_xml_set_text(hv_xml_ensure_child(target, "compat"), "1.1");
		hv_xml_reorder(target, target_order);
	}
	if (backing) {
		normalise_vol_format(def->pool_type, backing);
		hv_xml_reorder(backing, target_order);
	}
	hv_xml_reorder(root, vol_order);
}
