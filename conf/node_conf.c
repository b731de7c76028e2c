/* node_conf.c: the test driver's <node> document (see node_conf.h). Each
 * <domain>, <network>, <pool> and <volume> child, inline or file='...', is
 * serialised on its own and parsed with its kind's parser, so a node document
 * gets exactly the checks a single document would. */
#include "conf/node_conf.h"
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "conf/schema.h"
#include <string.h>
#include <sys/stat.h>

static void
node_pool_free(HvNodePoolDef *p)
{
	if (!p)
		return;
	hv_pool_def_free(p->def);
	g_clear_pointer(&p->volumes, g_ptr_array_unref);
	g_free(p);
}

void
hv_node_def_free(HvNodeDef *def)
{
	if (!def)
		return;
	g_free(def->model);
	g_clear_pointer(&def->domains, g_ptr_array_unref);
	g_clear_pointer(&def->networks, g_ptr_array_unref);
	g_clear_pointer(&def->pools, g_ptr_array_unref);
	g_free(def);
}

static char *
read_ref(const char *basedir, const char *file, gsize *len, GError **err)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) gerr = NULL;
	char *buf = NULL;
	struct stat st;

	if (!basedir) {
		hv_error_set(err, EPERM, "node: file='%s' references are not allowed here", file);
		return NULL;
	}
	path = g_path_is_absolute(file) ? g_strdup(file) : g_build_filename(basedir, file, NULL);
	if (stat(path, &st) == 0 && st.st_size > HV_XML_MAX_SIZE) {
		hv_error_set(err, EFBIG, "node: '%s' is larger than %u bytes", path, HV_XML_MAX_SIZE);
		return NULL;
	}
	if (!g_file_get_contents(path, &buf, len, &gerr)) {
		hv_error_set(err, gerr->domain == G_FILE_ERROR ? ENOENT : EIO,
			     "node: cannot read '%s': %s", path, gerr->message);
		return NULL;
	}
	return buf;
}

/* The XML text of a node child: its file= target, or the element itself in a
 * document of its own (namespaces reconciled, <volume> children dropped). */
static char *
child_text(xmlNode *el, const char *basedir, gsize *len, GError **err)
{
	g_autofree char *file = hv_xml_prop(el, "file");
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *copy;
	char *s;

	if (file)
		return read_ref(basedir, file, len, err);
	doc = xmlNewDoc((const xmlChar *)"1.0");
	copy = xmlDocCopyNode(el, doc, 1);
	xmlDocSetRootElement(doc, copy);
	xmlReconciliateNs(doc, copy);
	for (xmlNode *c = copy->children, *next; c; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)"volume") &&
		    xmlStrEqual(copy->name, (const xmlChar *)"pool")) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
	s = hv_xml_format(copy);
	*len = strlen(s);
	return s;
}

static int
add_domain(HvNodeDef *def, xmlNode *el, const char *basedir, GError **err)
{
	gsize len = 0;
	g_autofree char *xml = child_text(el, basedir, &len, err);
	HvDomainDef *d;

	if (!xml || !(d = hv_domain_def_parse(xml, len, err)))
		return -EINVAL;
	hv_domain_def_ensure_uuid(d);
	g_ptr_array_add(def->domains, d);
	return 0;
}

static int
add_network(HvNodeDef *def, xmlNode *el, const char *basedir, GError **err)
{
	gsize len = 0;
	g_autofree char *xml = child_text(el, basedir, &len, err);
	HvNetworkDef *n;

	if (!xml || !(n = hv_network_def_parse(xml, len, err)))
		return -EINVAL;
	hv_network_def_ensure_uuid(n);
	g_ptr_array_add(def->networks, n);
	return 0;
}

static int
add_pool(HvNodeDef *def, xmlNode *el, const char *basedir, GError **err)
{
	gsize len = 0;
	g_autofree char *xml = child_text(el, basedir, &len, err);
	HvNodePoolDef *p;

	if (!xml)
		return -EINVAL;
	p = g_new0(HvNodePoolDef, 1);
	p->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)hv_volume_def_free);
	g_ptr_array_add(def->pools, p);
	if (!(p->def = hv_pool_def_parse(xml, len, err)))
		return -EINVAL;
	hv_pool_def_ensure_uuid(p->def);
	for (xmlNode *v = hv_xml_child(el, "volume"); v; v = hv_xml_next_named(v)) {
		g_autofree char *vx = child_text(v, basedir, &len, err);
		HvVolumeDef *vol;

		if (!vx || !(vol = hv_volume_def_parse(p->def, vx, len, err)))
			return -EINVAL;
		g_ptr_array_add(p->volumes, vol);
	}
	return 0;
}

static int
parse_cpu(HvNodeDef *def, xmlNode *root, GError **err)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "nodes", G_STRUCT_OFFSET(HvNodeDef, nodes) },
		{ "sockets", G_STRUCT_OFFSET(HvNodeDef, sockets) },
		{ "cores", G_STRUCT_OFFSET(HvNodeDef, cores) },
		{ "threads", G_STRUCT_OFFSET(HvNodeDef, threads) },
		{ "active", G_STRUCT_OFFSET(HvNodeDef, active) },
		{ "mhz", G_STRUCT_OFFSET(HvNodeDef, mhz) },
	};
	xmlNode *cpu = hv_xml_child(root, "cpu");
	uint64_t mem = 0;

	for (size_t i = 0; cpu && i < G_N_ELEMENTS(fields); i++) {
		g_autofree char *s = hv_xml_child_text(cpu, fields[i].name);
		unsigned long long v;

		if (!s)
			continue;
		if (hv_conf_parse_ull(s, G_MAXUINT32, &v) < 0)
			return hv_error_set(err, EINVAL, "node <cpu><%s>: '%s' is not a valid number",
					    fields[i].name, s);
		G_STRUCT_MEMBER(unsigned, def, fields[i].off) = (unsigned)v;
	}
	def->model = hv_xml_child_text(cpu, "model");
	if (def->model)
		g_strstrip(def->model);
	if (hv_xml_scaled(hv_xml_child(root, "memory"), 1024, &mem, "memory", err) < 0)
		return -EINVAL;
	def->memory_kib = mem / 1024;
	return 0;
}

static const struct {
	const char *name;
	int (*add)(HvNodeDef *def, xmlNode *el, const char *basedir, GError **err);
} node_children[] = {
	{ "domain", add_domain },
	{ "network", add_network },
	{ "pool", add_pool },
};

HvNodeDef *
hv_node_def_parse(const char *xml, size_t len, const char *basedir, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, len, "node", err);
	g_autoptr(HvNodeDef) def = NULL;
	xmlNode *root;

	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (root->ns || strcmp((const char *)root->name, "node") != 0) {
		hv_error_set(err, EINVAL, "line %d: expected a <node> document, not <%s>", root->line,
			     (const char *)root->name);
		return NULL;
	}
	if (hv_schema_validate(HV_SCHEMA_NODE, doc, err) < 0)
		return NULL;
	def = g_new0(HvNodeDef, 1);
	def->domains = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_def_free);
	def->networks = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_def_free);
	def->pools = g_ptr_array_new_with_free_func((GDestroyNotify)node_pool_free);
	if (parse_cpu(def, root, err) < 0)
		return NULL;
	for (xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		for (size_t i = 0; i < G_N_ELEMENTS(node_children); i++) {
			if (strcmp((const char *)c->name, node_children[i].name) != 0)
				continue;
			if (node_children[i].add(def, c, basedir, err) < 0) {
				g_prefix_error(err, "node line %d: ", c->line);
				return NULL;
			}
		}
	}
	return g_steal_pointer(&def);
}

HvNodeDef *
hv_node_def_parse_file(const char *path, GError **err)
{
	g_autofree char *buf = NULL;
	g_autofree char *dir = NULL;
	g_autoptr(GError) gerr = NULL;
	gsize len = 0;
	struct stat st;

	if (stat(path, &st) == 0 && st.st_size > HV_XML_MAX_SIZE) {
		hv_error_set(err, EFBIG, "node '%s' is larger than %u bytes", path, HV_XML_MAX_SIZE);
		return NULL;
	}
	if (!g_file_get_contents(path, &buf, &len, &gerr)) {
		hv_error_set(err, ENOENT, "cannot read node '%s': %s", path, gerr->message);
		return NULL;
	}
	dir = g_path_get_dirname(path);
	return hv_node_def_parse(buf, len, dir, err);
}
