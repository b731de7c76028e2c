/* node_conf.c: the test driver's <node> document (see node_conf.h). The node
 * grammar checks only its skeleton; each <domain>, <network>, <pool> and
 * <volume> child, inline or file='...', is moved into a document of its own
 * and parsed with its kind's parser, so it gets exactly the checks (one
 * grammar pass, semantic checks, lines from 1) a single document would.
 * Domains, most of a large node, go as the parser reads them (node_domains.c). */
#include "conf/node_conf.h"
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "conf/schema.h"
#include "conf/node_priv.h"
#include <string.h>
#include <sys/stat.h>

#define NODE_SKELETON_BATCH 256u /* objects per pass of the node grammar */

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

char *
node_read_ref(const char *basedir, const char *file, gsize *len, GError **err)
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

/* The document of a node child: its file= target, or the element itself moved
 * out of the node document (a pool's <volume>s already moved out). */
static xmlDoc *
child_doc(xmlNode *el, const char *basedir, const char *what, GError **err)
{
	g_autofree char *file = hv_xml_prop(el, "file");
	g_autofree char *buf = NULL;
	gsize len = 0;

	if (!file)
		return hv_xml_detach(el, err);
	if (!(buf = node_read_ref(basedir, file, &len, err)))
		return NULL;
	return hv_xml_parse(buf, len, what, err);
}

static int
add_network(HvNodeDef *def, xmlNode *el, const char *basedir, GError **err)
{
	xmlDoc *doc = child_doc(el, basedir, "network", err);
	HvNetworkDef *n;

	if (!doc || !(n = hv_network_def_parse_doc(doc, err)))
		return -EINVAL;
	g_ptr_array_add(def->networks, n);
	return 0;
}

/* The volumes' documents first (a file= one's element is dropped), then the
 * pool without them, then each volume in the pool's context. */
static int
add_pool(HvNodeDef *def, xmlNode *el, const char *basedir, GError **err)
{
	g_autoptr(GPtrArray) vols = g_ptr_array_new_with_free_func((GDestroyNotify)xmlFreeDoc);
	HvNodePoolDef *p;
	xmlDoc *doc;

	for (xmlNode *v = hv_xml_child(el, "volume"), *next; v; v = next) {
		next = hv_xml_next_named(v);
		if (!(doc = child_doc(v, basedir, "storage volume", err)))
			return -EINVAL;
		g_ptr_array_add(vols, doc);
		if (v->parent == el) {
			xmlUnlinkNode(v);
			xmlFreeNode(v);
		}
	}
	p = g_new0(HvNodePoolDef, 1);
	p->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)hv_volume_def_free);
	g_ptr_array_add(def->pools, p);
	if (!(doc = child_doc(el, basedir, "storage pool", err)) ||
	    !(p->def = hv_pool_def_parse_doc(doc, err)))
		return -EINVAL;
	for (guint i = 0; i < vols->len; i++) {
		HvVolumeDef *vol = hv_volume_def_parse_doc(p->def, g_steal_pointer(&vols->pdata[i]),
							   err);

		if (!vol)
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

/* <domain>s are node_domains_take's. */
static const struct {
	const char *name;
	int (*add)(HvNodeDef *def, xmlNode *el, const char *basedir, GError **err);
} node_children[] = {
	{ "network", add_network },
	{ "pool", add_pool },
};

/* Children that node.rng allows any number of, in any order, and whose content
 * it does not check (anyContent): the objects, which their own grammars check,
 * and foreign elements. */
static bool
is_batched(const xmlNode *el)
{
	static const char *const names[] = { "domain", "network", "pool", "interface", "nodedev" };

	if (el->type != XML_ELEMENT_NODE)
		return false;
	if (el->ns)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (!strcmp((const char *)el->name, names[i]))
			return true;
	return false;
}

/* A copy of the <node> root holding its other children and of the batched
 * ones those numbered from to to-1, by their start tags (a pool's with its
 * children's). The grammar is an interleave: the order does not matter. */
static xmlDoc *
skeleton_new(xmlNode *root, GPtrArray *others, GPtrArray *batched, guint from, guint to)
{
	g_autoptr(xmlDoc) skel = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *top = skel ? xmlDocCopyNode(root, skel, 2) : NULL;

	if (!top)
		return NULL;
	xmlDocSetRootElement(skel, top);
	for (guint k = 0; k < others->len; k++) {
		xmlNode *copy = xmlDocCopyNode(others->pdata[k], skel, 1);

		if (!copy || !xmlAddChild(top, copy))
			return NULL;
	}
	for (guint k = from; k < to && k < batched->len; k++) {
		xmlNode *c = batched->pdata[k];
		xmlNode *copy = xmlDocCopyNode(c, skel, 2);

		if (!copy || !xmlAddChild(top, copy))
			return NULL;
		for (xmlNode *v = !c->ns && !strcmp((const char *)c->name, "pool") ? c->children
										   : NULL;
		     v; v = v->next)
			if (v->type == XML_ELEMENT_NODE && !xmlAddChild(copy, xmlDocCopyNode(v, skel, 2)))
				return NULL;
	}
	return g_steal_pointer(&skel);
}

/* The node grammar on the document's skeleton, in batches: libxml2 checks an
 * interleave in time quadratic in its children (0.3 s for 10,000 domains).
 * Every batch has all the other children (<cpu>, <memory>: at most one each)
 * and its share of the batched ones; the children are sorted out once. */
static int
check_skeleton(xmlNode *root, GError **err)
{
	g_autoptr(GPtrArray) others = g_ptr_array_new();
	g_autoptr(GPtrArray) batched = g_ptr_array_new();

	for (xmlNode *c = root->children; c; c = c->next)
		if (is_batched(c))
			g_ptr_array_add(batched, c);
		else if (!xmlIsBlankNode(c))
			g_ptr_array_add(others, c);
	for (guint from = 0; from == 0 || from < batched->len; from += NODE_SKELETON_BATCH) {
		g_autoptr(xmlDoc) skel = skeleton_new(root, others, batched, from,
						      from + NODE_SKELETON_BATCH);

		if (!skel)
			return hv_error_set(err, ENOMEM, "node: out of memory");
		if (hv_schema_validate(HV_SCHEMA_NODE, skel, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* The networks and pools, in order; on failure, *line and *pos (among the
 * node's elements) are the child's. */
static int
add_children(HvNodeDef *def, xmlNode *root, const char *basedir, int *line, guint *pos,
	     GError **err)
{
	*pos = 0;
	for (xmlNode *c = root->children, *next; c; c = next) {
		size_t i = 0;

		next = c->next; /* c may move out */
		if (c->type != XML_ELEMENT_NODE)
			continue;
		while (!c->ns && i < G_N_ELEMENTS(node_children) &&
		       strcmp((const char *)c->name, node_children[i].name) != 0)
			i++;
		*line = hv_xml_container_line(c);
		if (!c->ns && i < G_N_ELEMENTS(node_children) &&
		    node_children[i].add(def, c, basedir, err) < 0)
			return -EINVAL;
		(*pos)++;
	}
	return 0;
}

/* Everything but the domains, then the domains; of two failures the first in
 * the document is told. */
static int
add_all(HvNodeDef *def, xmlNode *root, NodeDomains *nd, const char *basedir, GError **err)
{
	g_autoptr(GError) cerr = NULL;
	g_autoptr(GError) derr = NULL;
	int cline = 0, dline = 0;
	guint cpos = 0, dpos = 0;
	int c = add_children(def, root, basedir, &cline, &cpos, &cerr);
	int d = node_domains_finish(nd, def->domains, &dline, &dpos, &derr);

	if (c == 0 && d == 0)
		return 0;
	if (d < 0 && (c == 0 || dpos < cpos))
		g_propagate_prefixed_error(err, g_steal_pointer(&derr), "node line %d: ", dline);
	else
		g_propagate_prefixed_error(err, g_steal_pointer(&cerr), "node line %d: ", cline);
	return -EINVAL;
}

HvNodeDef *
hv_node_def_parse(const char *xml, size_t len, const char *basedir, GError **err)
{
	g_autoptr(NodeDomains) nd = node_domains_new(basedir);
	g_autoptr(xmlDoc) doc = hv_xml_parse_container(xml, len, HV_NODE_MAX_SIZE,
						       node_domains_take, nd, "node", err);
	g_autoptr(HvNodeDef) def = NULL;
	xmlNode *root;

	if (!doc)
		return NULL;
	if (!(root = hv_conf_root(doc, "node", err)))
		return NULL;
	if (check_skeleton(root, err) < 0)
		return NULL;
	def = g_new0(HvNodeDef, 1);
	def->domains = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_def_free);
	def->networks = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_def_free);
	def->pools = g_ptr_array_new_with_free_func((GDestroyNotify)node_pool_free);
	if (parse_cpu(def, root, err) < 0 || add_all(def, root, nd, basedir, err) < 0)
		return NULL;
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

	if (stat(path, &st) == 0 && st.st_size > HV_NODE_MAX_SIZE) {
		hv_error_set(err, EFBIG, "node '%s' is larger than %u bytes", path, HV_NODE_MAX_SIZE);
		return NULL;
	}
	if (!g_file_get_contents(path, &buf, &len, &gerr)) {
		hv_error_set(err, ENOENT, "cannot read node '%s': %s", path, gerr->message);
		return NULL;
	}
	dir = g_path_get_dirname(path);
	return hv_node_def_parse(buf, len, dir, err);
}
