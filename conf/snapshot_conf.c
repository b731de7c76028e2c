/* snapshot_conf.c: the domainsnapshot document (snapshot_conf.h), read
 * through the safe parser (xml.c) and written libvirt's way. Unknown
 * elements are refused by name; the disk and memory modes come from one
 * table each. */
#include <string.h>
#include "conf/snapshot_conf.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

static const char *const memory_modes[] = { "no", "internal", "external", NULL };
static const char *const disk_modes[] = { "no", "internal", "external", NULL };
static const char *const states[] = { "running", "paused", "shutoff", "disk-snapshot",
				      "blocked", "crashed", "pmsuspended", "shutdown",
				      "nostate", NULL };
/* top-level elements libvirt's grammar allows (the rest refused by name) */
static const char *const known[] = { "name", "description", "state", "parent", "creationTime",
				     "memory", "disks", "domain", "active", "inactiveDomain",
				     "cookie", NULL };

static void
disk_free(HvSnapshotDiskDef *d)
{
	if (!d)
		return;
	g_free(d->name);
	g_free(d->snapshot);
	g_free(d->file);
	g_free(d->base);
	g_free(d->format);
	g_free(d);
}

HvSnapshotDiskDef *
hv_snapshot_disk_new(const char *name, const char *snapshot)
{
	HvSnapshotDiskDef *d = g_new0(HvSnapshotDiskDef, 1);

	d->name = g_strdup(name);
	d->snapshot = g_strdup(snapshot);
	return d;
}

void
hv_snapshot_def_free(HvSnapshotDef *def)
{
	if (!def)
		return;
	g_free(def->name);
	g_free(def->description);
	g_free(def->parent);
	g_free(def->state);
	g_free(def->memory);
	g_free(def->memory_file);
	if (def->disks)
		g_ptr_array_unref(def->disks);
	g_free(def->domain_xml);
	g_free(def);
}

static int
check_mode(const char *v, const char *const *table, const char *what, GError **err)
{
	if (v && hv_str_index(table, v) < 0)
		return hv_error_set(err, EINVAL, "snapshot: %s '%s' is not one of no, internal, "
				    "external", what, v);
	return 0;
}

static int
parse_disk(xmlNode *n, HvSnapshotDef *def, GError **err)
{
	g_autofree char *name = hv_xml_prop(n, "name");
	HvSnapshotDiskDef *d;

	if (!name || !*name)
		return hv_error_set(err, EINVAL, "snapshot: a <disk> has no name= (line %d)",
				    n->line);
	for (guint k = 0; k < def->disks->len; k++)
		if (g_str_equal(((HvSnapshotDiskDef *)def->disks->pdata[k])->name, name))
			return hv_error_set(err, EINVAL, "snapshot: disk '%s' is listed twice",
					    name);
	d = hv_snapshot_disk_new(name, NULL);
	g_ptr_array_add(def->disks, d);
	d->snapshot = hv_xml_prop(n, "snapshot");
	d->file = hv_xml_child_prop(n, "source", "file");
	d->base = hv_xml_child_prop(n, "base", "file");
	d->format = hv_xml_child_prop(n, "base", "format");
	if (d->file && !d->snapshot)
		d->snapshot = g_strdup("external");
	if (check_mode(d->snapshot, disk_modes, "disk snapshot mode", err) < 0)
		return -EINVAL;
	if (d->file && d->file[0] != '/')
		return hv_error_set(err, EINVAL, "snapshot: disk '%s': source file '%s' is not an "
				    "absolute path", name, d->file);
	return 0;
}

static int
parse_top(xmlNode *root, HvSnapshotDef *def, GError **err)
{
	for (xmlNode *n = root->children; n; n = n->next) {
		const char *el = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (hv_str_index(known, el) < 0)
			return hv_error_set(err, EINVAL, "snapshot: unknown element <%s> (line %d)",
					    el, n->line);
		if (g_str_equal(el, "disks")) {
			for (xmlNode *k = n->children; k; k = k->next)
				if (k->type == XML_ELEMENT_NODE && parse_disk(k, def, err) < 0)
					return -EINVAL;
		} else if (g_str_equal(el, "domain")) {
			def->domain_xml = hv_xml_format(n);
		}
	}
	return 0;
}

HvSnapshotDef *
hv_snapshot_def_parse(const char *xml, size_t len, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, len, "snapshot", err);
	g_autoptr(HvSnapshotDef) def = g_new0(HvSnapshotDef, 1);
	g_autofree char *ctime = NULL;
	xmlNode *root;

	if (!doc || !(root = hv_conf_root(doc, "domainsnapshot", err)))
		return NULL;
	def->disks = g_ptr_array_new_with_free_func((GDestroyNotify)disk_free);
	if (parse_top(root, def, err) < 0)
		return NULL;
	def->name = hv_xml_child_text(root, "name");
	if (def->name)
		g_strstrip(def->name);
	if (def->name && hv_conf_name_check(def->name, "snapshot", err) < 0)
		return NULL;
	def->description = hv_xml_child_text(root, "description");
	def->state = hv_xml_child_text(root, "state");
	if (def->state && hv_str_index(states, g_strstrip(def->state)) < 0) {
		hv_error_set(err, EINVAL, "snapshot: unknown state '%s'", def->state);
		return NULL;
	}
	def->parent = hv_xml_path(root, "parent/name") ? hv_xml_text(hv_xml_path(root, "parent/name"))
						      : NULL;
	if (def->parent)
		g_strstrip(def->parent);
	if ((ctime = hv_xml_child_text(root, "creationTime")))
		def->creation_time = g_ascii_strtoll(ctime, NULL, 10);
	def->memory = hv_xml_child_prop(root, "memory", "snapshot");
	def->memory_file = hv_xml_child_prop(root, "memory", "file");
	if (def->memory_file && !def->memory)
		def->memory = g_strdup("external");
	if (check_mode(def->memory, memory_modes, "memory snapshot mode", err) < 0)
		return NULL;
	if (def->memory && g_str_equal(def->memory, "external") &&
	    (!def->memory_file || def->memory_file[0] != '/')) {
		hv_error_set(err, EINVAL, "snapshot: external memory needs an absolute file= "
			     "on <memory>");
		return NULL;
	}
	return g_steal_pointer(&def);
}

static void
put_text(GString *s, const char *el, const char *v)
{
	g_autofree char *e = NULL;

	if (!v)
		return;
	e = g_markup_escape_text(v, -1);
	g_string_append_printf(s, "  <%s>%s</%s>\n", el, e, el);
}

static void
put_attr(GString *s, const char *name, const char *v)
{
	g_autofree char *e = NULL;

	if (!v)
		return;
	e = g_markup_escape_text(v, -1);
	g_string_append_printf(s, " %s='%s'", name, e);
}

static void
put_disks(GString *s, const HvSnapshotDef *def)
{
	if (!def->disks || !def->disks->len)
		return;
	g_string_append(s, "  <disks>\n");
	for (guint k = 0; k < def->disks->len; k++) {
		const HvSnapshotDiskDef *d = def->disks->pdata[k];
		bool inner = d->file || d->base;

		g_string_append(s, "    <disk");
		put_attr(s, "name", d->name);
		put_attr(s, "snapshot", d->snapshot);
		if (!inner) {
			g_string_append(s, "/>\n");
			continue;
		}
		g_string_append(s, ">\n");
		if (d->file)
			g_string_append(s, "      <driver type='qcow2'/>\n");
		if (d->file) {
			g_string_append(s, "      <source");
			put_attr(s, "file", d->file);
			g_string_append(s, "/>\n");
		}
		if (d->base) {
			g_string_append(s, "      <base");
			put_attr(s, "file", d->base);
			put_attr(s, "format", d->format);
			g_string_append(s, "/>\n");
		}
		g_string_append(s, "    </disk>\n");
	}
	g_string_append(s, "  </disks>\n");
}

char *
hv_snapshot_def_format(const HvSnapshotDef *def)
{
	GString *s = g_string_new("<domainsnapshot>\n");

	put_text(s, "name", def->name);
	put_text(s, "description", def->description);
	put_text(s, "state", def->state);
	if (def->parent) {
		g_autofree char *e = g_markup_escape_text(def->parent, -1);

		g_string_append_printf(s, "  <parent>\n    <name>%s</name>\n  </parent>\n", e);
	}
	if (def->creation_time)
		g_string_append_printf(s, "  <creationTime>%" G_GINT64_FORMAT "</creationTime>\n",
				       def->creation_time);
	if (def->memory) {
		g_string_append(s, "  <memory");
		put_attr(s, "snapshot", def->memory);
		put_attr(s, "file", def->memory_file);
		g_string_append(s, "/>\n");
	}
	put_disks(s, def);
	if (def->domain_xml) {
		g_auto(GStrv) lines = g_strsplit(def->domain_xml, "\n", -1);

		for (guint k = 0; lines[k]; k++)
			if (*lines[k])
				g_string_append_printf(s, "  %s\n", lines[k]);
	}
	g_string_append(s, "</domainsnapshot>\n");
	return g_string_free(s, FALSE);
}

char *
hv_domain_xml_with_disk_source(const char *xml, const char *target, const char *file,
			       const char *format, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, strlen(xml), "domain", err);
	xmlNode *root, *devices, *n;

	if (!doc || !(root = hv_conf_root(doc, "domain", err)))
		return NULL;
	devices = hv_xml_child(root, "devices");
	for (n = devices ? hv_xml_child(devices, "disk") : NULL; n; n = hv_xml_next_named(n)) {
		g_autofree char *dev = hv_xml_child_prop(n, "target", "dev");
		xmlNode *src, *drv;
		g_autofree char *drv_name = NULL;

		if (!dev || !g_str_equal(dev, target))
			continue;
		src = hv_xml_path_ensure(n, "source");
		hv_xml_set_prop(src, "file", file);
		drv = hv_xml_path_ensure(n, "driver");
		if (!(drv_name = hv_xml_prop(drv, "name")))
			hv_xml_set_prop(drv, "name", "qemu");
		hv_xml_set_prop(drv, "type", format);
		return hv_xml_format(root);
	}
	hv_error_set(err, EINVAL, "domain has no disk '%s'", target);
	return NULL;
}
