/* domain_iothreads.c: a domain definition's IOThreads in its document, the
 * way libvirt's virDomainIOThreadIDAdd/Del and the iothreadpin list keep
 * them: <iothreads> is their count, <iothreadids> lists every id once one is
 * added or removed (ids a count alone implies are the lowest free ones),
 * <cputune><iothreadpin iothread= cpuset=> pins one. The typed fields of the
 * definition are not touched: only def->xml changes. */
#include <errno.h>
#include <string.h>
#include "conf/domain_priv.h"
#include "conf/xml.h"

#define IOTHREADS_MAX 4096u /* ids are below HV_ID_MAX */

static void
iothread_clear(gpointer p)
{
	g_free(((HvIOThreadDef *)p)->cpuset);
}

static unsigned
id_of(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	guint64 n = 0;

	if (!v || !g_ascii_string_to_unsigned(v, 10, 1, HV_ID_MAX - 1, &n, NULL))
		return 0;
	return (unsigned)n;
}

/* The ids of root in their order: listed, then implied up to <iothreads>. */
static GArray *
ids_of(xmlNode *root)
{
	g_autofree char *count = hv_xml_child_text(root, "iothreads");
	g_autofree bool *used = g_new0(bool, HV_ID_MAX);
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(unsigned));
	guint64 want = 0;

	for (xmlNode *t = hv_xml_child(hv_xml_child(root, "iothreadids"), "iothread"); t;
	     t = hv_xml_next_named(t)) {
		unsigned id = id_of(t, "id");

		if (id && !used[id]) {
			used[id] = true;
			g_array_append_val(ids, id);
		}
	}
	if (count)
		g_ascii_string_to_unsigned(g_strstrip(count), 10, 0, IOTHREADS_MAX, &want, NULL);
	for (unsigned id = 1; ids->len < want && id < HV_ID_MAX; id++)
		if (!used[id]) {
			used[id] = true;
			g_array_append_val(ids, id);
		}
	return ids;
}

static xmlNode *
pin_of(xmlNode *root, unsigned id)
{
	for (xmlNode *p = hv_xml_child(hv_xml_child(root, "cputune"), "iothreadpin"); p;
	     p = hv_xml_next_named(p))
		if (id_of(p, "iothread") == id)
			return p;
	return NULL;
}

GArray *
hv_domain_iothreads(const HvDomainDef *def)
{
	g_autoptr(xmlDoc) doc = def->xml ? hv_xml_parse_compact(def->xml, strlen(def->xml), NULL)
					 : NULL;
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	g_autoptr(GArray) ids = root ? ids_of(root) : g_array_new(FALSE, FALSE, sizeof(unsigned));
	GArray *out = g_array_new(FALSE, TRUE, sizeof(HvIOThreadDef));

	g_array_set_clear_func(out, iothread_clear);
	for (guint k = 0; k < ids->len; k++) {
		HvIOThreadDef t = { g_array_index(ids, unsigned, k), NULL };
		xmlNode *pin = pin_of(root, t.id);

		t.cpuset = pin ? hv_xml_prop(pin, "cpuset") : NULL;
		g_array_append_val(out, t);
	}
	return out;
}

static bool
has_id(const GArray *ids, unsigned id)
{
	for (guint k = 0; k < ids->len; k++)
		if (g_array_index(ids, unsigned, k) == id)
			return true;
	return false;
}

static void
drop(xmlNode *el)
{
	if (el) {
		xmlUnlinkNode(el);
		xmlFreeNode(el);
	}
}

/* <iothreads> and <iothreadids> written for ids (both gone when none). */
static void
write_ids(xmlNode *root, const GArray *ids)
{
	xmlNode *list;
	char num[16];

	drop(hv_xml_child(root, "iothreadids"));
	if (!ids->len) {
		drop(hv_xml_child(root, "iothreads"));
		return;
	}
	g_snprintf(num, sizeof(num), "%u", ids->len);
	hv_xml_set_text(hv_xml_path_ensure(root, "iothreads"), num);
	list = xmlNewChild(root, NULL, (const xmlChar *)"iothreadids", NULL);
	for (guint k = 0; k < ids->len; k++) {
		xmlNode *t = xmlNewChild(list, NULL, (const xmlChar *)"iothread", NULL);

		g_snprintf(num, sizeof(num), "%u", g_array_index(ids, unsigned, k));
		hv_xml_set_prop(t, "id", num);
	}
}

typedef int (*Edit)(xmlNode *root, GArray *ids, unsigned id, const char *cpuset, GError **err);

static int
edit_add(xmlNode *root, GArray *ids, unsigned id, const char *cpuset, GError **err)
{
	if (!id || id >= HV_ID_MAX)
		return hv_error_set(err, EINVAL, "invalid IOThread id '%u'", id);
	if (has_id(ids, id))
		return hv_error_set(err, EINVAL, "an IOThread is already using iothread_id '%u'", id);
	if (ids->len >= IOTHREADS_MAX)
		return hv_error_set(err, EINVAL, "at most %u IOThreads", IOTHREADS_MAX);
	g_array_append_val(ids, id);
	write_ids(root, ids);
	return 0;
}

static int
edit_del(xmlNode *root, GArray *ids, unsigned id, const char *cpuset, GError **err)
{
	xmlNode *tune;

	if (!has_id(ids, id))
		return hv_error_set(err, EINVAL, "cannot find IOThread '%u' in iothreadids list", id);
	for (guint k = 0; k < ids->len; k++)
		if (g_array_index(ids, unsigned, k) == id)
			g_array_remove_index(ids, k--);
	write_ids(root, ids);
	drop(pin_of(root, id));
	if ((tune = hv_xml_child(root, "cputune")) && !xmlFirstElementChild(tune))
		drop(tune);
	return 0;
}

static int
edit_pin(xmlNode *root, GArray *ids, unsigned id, const char *cpuset, GError **err)
{
	xmlNode *pin;
	char num[16];

	if (!has_id(ids, id))
		return hv_error_set(err, EINVAL, "iothreadid %u not found", id);
	if (!(pin = pin_of(root, id))) {
		pin = xmlNewChild(hv_xml_path_ensure(root, "cputune"), NULL,
				  (const xmlChar *)"iothreadpin", NULL);
		g_snprintf(num, sizeof(num), "%u", id);
		hv_xml_set_prop(pin, "iothread", num);
	}
	hv_xml_set_prop(pin, "cpuset", cpuset);
	return 0;
}

static int
edit(HvDomainDef *def, Edit fn, unsigned id, const char *cpuset, GError **err)
{
	g_autoptr(xmlDoc) doc = def->xml ? hv_xml_parse_compact(def->xml, strlen(def->xml), err)
					 : NULL;
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	g_autoptr(GArray) ids = NULL;
	int r;

	if (!root)
		return hv_error_set(err, EIO, "domain '%s': cannot read its definition",
				    def->name ? def->name : "");
	ids = ids_of(root);
	if ((r = fn(root, ids, id, cpuset, err)) < 0)
		return r;
	return hv_domain_def_set_doc(def, root, err);
}

int
hv_domain_iothread_add(HvDomainDef *def, unsigned id, GError **err)
{
	return edit(def, edit_add, id, NULL, err);
}

int
hv_domain_iothread_del(HvDomainDef *def, unsigned id, GError **err)
{
	return edit(def, edit_del, id, NULL, err);
}

int
hv_domain_iothread_pin(HvDomainDef *def, unsigned id, const char *cpuset, GError **err)
{
	return edit(def, edit_pin, id, cpuset, err);
}

int
hv_domain_def_set_doc(HvDomainDef *def, xmlNode *root, GError **err)
{
	char *xml = hv_xml_compact(root, NULL);

	if (!xml)
		return hv_error_set(err, EIO, "domain '%s': cannot write its definition", def->name);
	g_free(def->xml);
	def->xml = xml;
	return 0;
}
