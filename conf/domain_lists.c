/* domain_lists.c: CPU and node lists (cpuset=, nodeset=, cpus=) as libvirt
 * reads them (virBitmapParse: "0-3,^2,7") and writes them (virBitmapFormat:
 * "0-1,3,7"), and the elements libvirt keeps in arrays indexed by number and
 * writes in that order: guest NUMA cells by id (virDomainNumaDefCPUFormatXML,
 * every cell with its id=), <vcpupin> by vCPU, a pin of a vCPU the domain
 * lacks being ignored (virDomainVcpuPinDefParseXML); and the memory sizes of
 * NUMA cells and memory devices (virDomainDefPostParseMemory); <metadata>
 * with one element per namespace (virXMLNodeSanitizeNamespaces). */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include "util/cpulist.h"
#include <stdlib.h>
#include <string.h>

bool
hv_id_list(const char *s, bool set[HV_ID_MAX])
{
	g_auto(GStrv) parts = s ? g_strsplit(s, ",", -1) : NULL;

	memset(set, 0, HV_ID_MAX * sizeof(bool));
	for (size_t i = 0; parts && parts[i]; i++) {
		char *p = g_strstrip(parts[i]), *end;
		bool neg = *p == '^';
		unsigned long a, b;

		p += neg;
		a = b = strtoul(p, &end, 10);
		if (end == p)
			return false;
		if (*end == '-') {
			char *q = end + 1;

			b = strtoul(q, &end, 10);
			if (end == q || b < a)
				return false;
		}
		if (*end || b >= HV_ID_MAX)
			return false;
		for (unsigned long k = a; k <= b; k++)
			set[k] = !neg;
	}
	return true;
}

/* virBitmapFormat (hv_cpulist_format): runs as "a-b", single bits as "a",
 * comma separated. */
static char *
format_ids(const bool set[HV_ID_MAX])
{
	uint8_t map[HV_ID_MAX / 8] = { 0 };

	for (unsigned i = 0; i < HV_ID_MAX; i++)
		if (set[i])
			map[i / 8] |= 1u << (i % 8);
	return hv_cpulist_format(map, sizeof(map));
}

static void
canon_list(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	g_autofree bool *set = g_new0(bool, HV_ID_MAX);
	g_autofree char *out = NULL;

	if (!v || !hv_id_list(v, set))
		return;
	out = format_ids(set);
	if (*out)
		hv_xml_set_prop(el, attr, out);
}

/* The lists virBitmapFormat writes back. */
static const struct {
	const char *path; /* from the root; the last part repeats */
	const char *attr;
} lists[] = {
	{ "vcpu", "cpuset" },
	{ "cputune/vcpupin", "cpuset" },
	{ "cputune/emulatorpin", "cpuset" },
	{ "cputune/iothreadpin", "cpuset" },
	{ "numatune/memory", "nodeset" },
	{ "numatune/memnode", "nodeset" },
	{ "memoryBacking/hugepages/page", "nodeset" },
	{ "cpu/numa/cell", "cpus" },
};

static long
num_attr(xmlNode *el, const char *attr, long dflt)
{
	g_autofree char *v = hv_xml_prop(el, attr);

	return v ? strtol(v, NULL, 10) : dflt;
}

static gint
by_num(gconstpointer a, gconstpointer b, gpointer attr)
{
	long x = num_attr(*(xmlNode **)a, attr, 0), y = num_attr(*(xmlNode **)b, attr, 0);

	return x < y ? -1 : x > y;
}

/* The children called name in the order of their numeric attr (stable). */
static void
sort_by(xmlNode *parent, const char *name, const char *attr)
{
	g_autoptr(GPtrArray) els = g_ptr_array_new();
	xmlNode *anchor;

	for (xmlNode *c = hv_xml_child(parent, name); c; c = hv_xml_next_named(c))
		g_ptr_array_add(els, c);
	if (els->len < 2)
		return;
	g_ptr_array_sort_with_data(els, by_num, (gpointer)attr);
	anchor = xmlNewDocNode(parent->doc, NULL, (const xmlChar *)"anchor", NULL);
	xmlAddPrevSibling(els->pdata[0], anchor);
	for (guint i = 0; i < els->len; i++) {
		xmlUnlinkNode(els->pdata[i]);
		xmlAddPrevSibling(anchor, els->pdata[i]);
	}
	xmlUnlinkNode(anchor);
	xmlFreeNode(anchor);
}

/* virXMLNodeSanitizeNamespaces (from virDomainDefPostParseCommon): in
 * <metadata> an element without a namespace goes, and of the elements that
 * share a namespace URI only the first stays. */
static void
sanitize_metadata(xmlNode *meta)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (xmlNode *c = meta ? meta->children : NULL, *next; c; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (c->ns && c->ns->href && g_hash_table_add(seen, g_strdup((const char *)c->ns->href)))
			continue;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

void
hv_domain_normalise_lists(xmlNode *root, unsigned max_vcpus)
{
	xmlNode *numa = hv_xml_path(root, "cpu/numa");
	xmlNode *tune = hv_xml_child(root, "cputune");
	unsigned i = 0;
	char num[16];

	sanitize_metadata(hv_xml_child(root, "metadata"));
	for (xmlNode *c = hv_xml_child(numa, "cell"); c; c = hv_xml_next_named(c), i++) {
		g_snprintf(num, sizeof(num), "%u", i);
		hv_xml_default_prop(c, "id", num);
	}
	sort_by(numa, "cell", "id");
	for (xmlNode *p = hv_xml_child(tune, "vcpupin"), *next; p; p = next) {
		next = hv_xml_next_named(p);
		if (num_attr(p, "vcpu", 0) >= (long)max_vcpus) {
			xmlUnlinkNode(p);
			xmlFreeNode(p);
		}
	}
	sort_by(tune, "vcpupin", "vcpu");
	for (size_t k = 0; k < G_N_ELEMENTS(lists); k++) {
		const char *last = strrchr(lists[k].path, '/');
		g_autofree char *parent = last ? g_strndup(lists[k].path, last - lists[k].path) : NULL;
		xmlNode *up = parent ? hv_xml_path(root, parent) : root;

		for (xmlNode *el = hv_xml_child(up, last ? last + 1 : lists[k].path); el; el = hv_xml_next_named(el))
			canon_list(el, lists[k].attr);
	}
}

/* virBitmapParse with VIR_DOMAIN_CPUMASK_LEN, then virBitmapIsAllClear: each
 * list names CPUs or nodes below 1024, at least one. */
#define CPUMASK_LEN 1024

int
hv_domain_check_lists(xmlNode *root, GError **err)
{
	g_autofree bool *set = g_new0(bool, HV_ID_MAX);

	for (size_t k = 0; k < G_N_ELEMENTS(lists); k++) {
		const char *last = strrchr(lists[k].path, '/');
		g_autofree char *parent = last ? g_strndup(lists[k].path, last - lists[k].path) : NULL;
		xmlNode *up = parent ? hv_xml_path(root, parent) : root;

		for (xmlNode *el = hv_xml_child(up, last ? last + 1 : lists[k].path); el; el = hv_xml_next_named(el)) {
			g_autofree char *v = hv_xml_prop(el, lists[k].attr);
			bool any = false, over = false;

			if (!v)
				continue;
			if (hv_id_list(v, set))
				for (unsigned i = 0; i < HV_ID_MAX; i++) {
					any = any || set[i];
					over = over || (set[i] && i >= CPUMASK_LEN);
				}
			else
				over = true;
			if (over)
				return hv_error_set(err, EINVAL, "line %d: domain <%s>: Failed to parse bitmap '%s'",
						    el->line, (const char *)el->name, v);
			if (!any)
				return hv_error_set(err, EINVAL, "line %d: domain <%s>: Invalid value of '%s': %s",
						    el->line, (const char *)el->name, lists[k].attr, v);
		}
	}
	return 0;
}

static uint64_t
kib_of(const char *num, const char *unit)
{
	uint64_t bytes = 0;

	if (!num || hv_scaled_parse(num, unit, 1024, &bytes, "size", NULL) < 0)
		return 0;
	return bytes / 1024 + (bytes % 1024 ? 1 : 0);
}

uint64_t
hv_domain_numa_memory_kib(xmlNode *root)
{
	uint64_t kib = 0;

	for (xmlNode *c = hv_xml_child(hv_xml_path(root, "cpu/numa"), "cell"); c; c = hv_xml_next_named(c)) {
		g_autofree char *mem = hv_xml_prop(c, "memory");
		g_autofree char *unit = hv_xml_prop(c, "unit");

		kib += kib_of(mem, unit);
	}
	return kib;
}

uint64_t
hv_domain_dimm_memory_kib(xmlNode *root)
{
	uint64_t kib = 0;

	for (xmlNode *m = hv_xml_child(hv_xml_child(root, "devices"), "memory"); m; m = hv_xml_next_named(m)) {
		xmlNode *size = hv_xml_path(m, "target/size");
		g_autofree char *num = hv_xml_text(size);
		g_autofree char *unit = hv_xml_prop(size, "unit");

		kib += kib_of(num ? g_strstrip(num) : NULL, unit);
	}
	return kib;
}
