/* domain_lxc.c: container parts of a domain document (domain_lxc.h), read
 * from the document the definition kept. Values are checked here, so a
 * driver only ever sees a complete, consistent HvLxcDef. */
#include <string.h>
#include "conf/domain_lxc.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

static void
fs_free(HvFsDef *f)
{
	if (!f)
		return;
	g_free(f->source);
	g_free(f->target);
	g_free(f->format);
	g_free(f);
}

void
hv_lxc_def_free(HvLxcDef *d)
{
	if (!d)
		return;
	g_free(d->init);
	g_free(d->initdir);
	g_clear_pointer(&d->initargs, g_ptr_array_unref);
	g_clear_pointer(&d->initenv, g_ptr_array_unref);
	g_clear_pointer(&d->fs, g_ptr_array_unref);
	g_clear_pointer(&d->uidmap, g_array_unref);
	g_clear_pointer(&d->gidmap, g_array_unref);
	g_free(d);
}

static const char *const fs_types[] = { "mount", "ram", "block", "file", NULL };

static int
parse_fs(const char *dom, xmlNode *el, HvLxcDef *d, GError **err)
{
	g_autofree char *type = hv_xml_prop(el, "type");
	g_autofree char *usage = hv_xml_child_prop(el, "source", "usage");
	g_autofree char *unit = hv_xml_child_prop(el, "source", "units");
	HvFsDef *f = g_new0(HvFsDef, 1);
	int t = hv_str_index(fs_types, type ? type : "mount");
	uint64_t bytes = 0;

	g_ptr_array_add(d->fs, f);
	if (t < 0)
		return hv_error_set(err, ENOTSUP, "domain '%s': <filesystem type='%s'> is not "
				    "supported (mount, ram, block, file)", dom, type);
	f->type = (HvFsType)t;
	f->target = hv_xml_child_prop(el, "target", "dir");
	f->readonly = hv_xml_child(el, "readonly") != NULL;
	f->format = hv_xml_child_prop(el, "driver", "format");
	if (f->type == HV_FS_MOUNT)
		f->source = hv_xml_child_prop(el, "source", "dir");
	else if (f->type == HV_FS_BLOCK)
		f->source = hv_xml_child_prop(el, "source", "dev");
	else if (f->type == HV_FS_FILE)
		f->source = hv_xml_child_prop(el, "source", "file");
	if (!f->target || f->target[0] != '/' || strstr(f->target, ".."))
		return hv_error_set(err, EINVAL, "domain '%s': a <filesystem> needs an absolute "
				    "<target dir=> without '..'", dom);
	if (f->type != HV_FS_RAM && (!f->source || f->source[0] != '/'))
		return hv_error_set(err, EINVAL, "domain '%s': <filesystem> for '%s' needs an "
				    "absolute source", dom, f->target);
	if (usage && hv_scaled_parse(usage, unit, 1024, &bytes, "filesystem usage", err) < 0)
		return -EINVAL;
	f->usage_kib = bytes / 1024;
	return 0;
}

static int
parse_idmap(const char *dom, xmlNode *idmap, HvLxcDef *d, GError **err)
{
	for (xmlNode *n = idmap ? idmap->children : NULL; n; n = n->next) {
		const char *what = (const char *)n->name;
		unsigned long long v[3];
		static const char *const keys[] = { "start", "target", "count" };
		HvIdMap m;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!g_str_equal(what, "uid") && !g_str_equal(what, "gid"))
			return hv_error_set(err, EINVAL, "domain '%s': <idmap> holds <%s>: only "
					    "<uid> and <gid>", dom, what);
		for (int i = 0; i < 3; i++) {
			g_autofree char *s = hv_xml_prop(n, keys[i]);

			if (!s || hv_conf_parse_ull(s, G_MAXUINT32, &v[i]) < 0)
				return hv_error_set(err, EINVAL, "domain '%s': <idmap><%s> needs "
						    "a number %s= (0 to 4294967295)", dom, what,
						    keys[i]);
		}
		if (v[2] == 0)
			return hv_error_set(err, EINVAL, "domain '%s': <idmap><%s> count= must "
					    "not be 0", dom, what);
		m = (HvIdMap){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2] };
		g_array_append_val(g_str_equal(what, "uid") ? d->uidmap : d->gidmap, m);
	}
	if ((d->uidmap->len == 0) != (d->gidmap->len == 0))
		return hv_error_set(err, EINVAL, "domain '%s': <idmap> needs both <uid> and <gid>",
				    dom);
	return 0;
}

static int
parse_tune(const char *dom, xmlNode *root, HvLxcDef *d, GError **err)
{
	static const struct {
		const char *path;
		size_t off;
	} mem[] = {
		{ "memtune/hard_limit", offsetof(HvLxcDef, hard_limit_kib) },
		{ "memtune/soft_limit", offsetof(HvLxcDef, soft_limit_kib) },
		{ "memtune/swap_hard_limit", offsetof(HvLxcDef, swap_hard_limit_kib) },
	};
	g_autofree char *shares = NULL, *period = NULL, *quota = NULL;
	unsigned long long v;

	for (size_t i = 0; i < G_N_ELEMENTS(mem); i++) {
		uint64_t bytes = 0;

		if (hv_xml_scaled(hv_xml_path(root, mem[i].path), 1024, &bytes, mem[i].path,
				  err) < 0)
			return -EINVAL;
		*(uint64_t *)((char *)d + mem[i].off) = bytes / 1024;
	}
	shares = hv_xml_child_text(hv_xml_child(root, "cputune"), "shares");
	period = hv_xml_child_text(hv_xml_child(root, "cputune"), "period");
	quota = hv_xml_child_text(hv_xml_child(root, "cputune"), "quota");
	if (shares) {
		if (hv_conf_parse_ull(shares, 262144, &v) < 0 || v < 2)
			return hv_error_set(err, EINVAL, "domain '%s': <cputune><shares> must be "
					    "2 to 262144, not '%s'", dom, shares);
		d->cpu_shares = v;
	}
	if (period) {
		if (hv_conf_parse_ull(period, 1000000, &v) < 0 || v < 1000)
			return hv_error_set(err, EINVAL, "domain '%s': <cputune><period> must be "
					    "1000 to 1000000, not '%s'", dom, period);
		d->cpu_period_us = v;
	}
	if (quota && !g_str_equal(quota, "-1")) {
		if (hv_conf_parse_ull(quota, 17592186044415ull, &v) < 0 || v < 1000)
			return hv_error_set(err, EINVAL, "domain '%s': <cputune><quota> must be "
					    "-1 or 1000 to 17592186044415, not '%s'", dom, quota);
		d->cpu_quota_us = (int64_t)v;
	}
	return 0;
}

static int
parse_os(xmlNode *os, HvLxcDef *d)
{
	for (xmlNode *n = os ? os->children : NULL; n; n = n->next) {
		const char *what = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (g_str_equal(what, "init")) {
			g_free(d->init);
			d->init = hv_xml_text(n);
		} else if (g_str_equal(what, "initdir")) {
			g_free(d->initdir);
			d->initdir = hv_xml_text(n);
		} else if (g_str_equal(what, "initarg")) {
			g_ptr_array_add(d->initargs, hv_xml_text(n));
		} else if (g_str_equal(what, "initenv")) {
			g_autofree char *k = hv_xml_prop(n, "name");
			g_autofree char *v = hv_xml_text(n);

			if (k && *k && !strchr(k, '='))
				g_ptr_array_add(d->initenv, g_strdup_printf("%s=%s", k, v ? v : ""));
		}
	}
	return 0;
}

HvLxcDef *
hv_lxc_def_new(const HvDomainDef *def, GError **err)
{
	g_autoptr(HvLxcDef) d = g_new0(HvLxcDef, 1);
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root, *devs;

	d->initargs = g_ptr_array_new_with_free_func(g_free);
	d->initenv = g_ptr_array_new_with_free_func(g_free);
	d->fs = g_ptr_array_new_with_free_func((GDestroyNotify)fs_free);
	d->uidmap = g_array_new(FALSE, FALSE, sizeof(HvIdMap));
	d->gidmap = g_array_new(FALSE, FALSE, sizeof(HvIdMap));
	if (!def->xml || !(doc = hv_xml_parse_compact(def->xml, strlen(def->xml), err)))
		return NULL;
	root = xmlDocGetRootElement(doc);
	parse_os(hv_xml_child(root, "os"), d);
	if (d->init && d->init[0] != '/') {
		hv_error_set(err, EINVAL, "domain '%s': <init> must be an absolute path, not '%s'",
			     def->name, d->init);
		return NULL;
	}
	devs = hv_xml_child(root, "devices");
	for (xmlNode *n = devs ? devs->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && g_str_equal((const char *)n->name, "filesystem") &&
		    parse_fs(def->name, n, d, err) < 0)
			return NULL;
	if (parse_idmap(def->name, hv_xml_child(root, "idmap"), d, err) < 0 ||
	    parse_tune(def->name, root, d, err) < 0)
		return NULL;
	d->privnet = hv_xml_path(root, "features/privnet") != NULL;
	return g_steal_pointer(&d);
}

const HvFsDef *
hv_lxc_def_root(const HvLxcDef *d)
{
	for (guint i = 0; i < d->fs->len; i++) {
		const HvFsDef *f = d->fs->pdata[i];

		if (g_str_equal(f->target, "/"))
			return f;
	}
	return NULL;
}
