/* node_conf.c: the test driver's <node> document (see node_conf.h). The node
 * grammar checks only its skeleton; each <domain>, <network>, <pool> and
 * <volume> child, inline or file='...', is then moved into a document of its
 * own and parsed with its kind's parser, so it gets exactly the checks (one
 * grammar pass, semantic checks, lines from 1) a single document would. */
#include "conf/node_conf.h"
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "conf/schema.h"
#include <string.h>
#include <sys/stat.h>

#define NODE_SKELETON_BATCH 256u /* objects per pass of the node grammar */
#define NODE_THREADS 4u           /* at most, parsing domains */
#define NODE_THREADS_MIN 128u     /* domains worth starting a thread for */

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
	if (!(buf = read_ref(basedir, file, &len, err)))
		return NULL;
	return hv_xml_parse(buf, len, what, err);
}

/* A <domain> child in a document of its own, waiting to be parsed. */
typedef struct {
	xmlDoc *doc;
	int line; /* of the child in the node document */
	HvDomainDef *def;
	GError *err;
} NodeDomain;

static void
node_domain_clear(void *p)
{
	NodeDomain *d = p;

	g_clear_pointer(&d->doc, xmlFreeDoc);
	g_clear_pointer(&d->def, hv_domain_def_free);
	g_clear_error(&d->err);
}

typedef struct {
	HvNodeDef *def;
	const char *basedir;
	GArray *domains; /* NodeDomain: queued, parsed by parse_domains */
	gint next;       /* the next queued domain to parse (atomic) */
} NodeLoad;

static int
add_domain(NodeLoad *ld, xmlNode *el, GError **err)
{
	NodeDomain d = { .line = hv_xml_container_line(el) };

	if (!(d.doc = child_doc(el, ld->basedir, "domain", err)))
		return -EINVAL;
	g_array_append_val(ld->domains, d);
	return 0;
}

static gpointer
domain_worker(gpointer data)
{
	NodeLoad *ld = data;
	guint i;

	while ((i = (guint)g_atomic_int_add(&ld->next, 1)) < ld->domains->len) {
		NodeDomain *d = &g_array_index(ld->domains, NodeDomain, i);

		d->def = hv_domain_def_parse_doc(g_steal_pointer(&d->doc), &d->err);
	}
	return NULL;
}

/* Parses the queued domains into def->domains, in order; the first to fail
 * gives the error. They are most of a large node and independent of each
 * other (no shared document or dictionary, and the grammar allows concurrent
 * validation), so up to NODE_THREADS threads take them in turn. */
static int
parse_domains(NodeLoad *ld, GError **err)
{
	GThread *threads[NODE_THREADS];
	guint want = 0, n = 0;
	int r = 0;

	if (ld->domains->len >= NODE_THREADS_MIN)
		want = MIN((guint)g_get_num_processors(), NODE_THREADS) - 1;
	g_atomic_int_set(&ld->next, 0);
	for (; n < want; n++)
		if (!(threads[n] = g_thread_try_new("hv-node", domain_worker, ld, NULL)))
			break;
	domain_worker(ld);
	for (guint i = 0; i < n; i++)
		g_thread_join(threads[i]);
	for (guint i = 0; i < ld->domains->len && r == 0; i++) {
		NodeDomain *d = &g_array_index(ld->domains, NodeDomain, i);

		if (d->def) {
			g_ptr_array_add(ld->def->domains, g_steal_pointer(&d->def));
			continue;
		}
		if (d->err)
			g_propagate_prefixed_error(err, g_steal_pointer(&d->err), "node line %d: ",
						   d->line);
		else
			hv_error_set(err, EINVAL, "node line %d: invalid domain", d->line);
		r = -EINVAL;
	}
	g_array_set_size(ld->domains, 0);
	return r;
}

static int
add_network(NodeLoad *ld, xmlNode *el, GError **err)
{
	xmlDoc *doc = child_doc(el, ld->basedir, "network", err);
	HvNetworkDef *n;

	if (!doc || !(n = hv_network_def_parse_doc(doc, err)))
		return -EINVAL;
	g_ptr_array_add(ld->def->networks, n);
	return 0;
}

/* The volumes' documents first (a file= one's element is dropped), then the
 * pool without them, then each volume in the pool's context. */
static int
add_pool(NodeLoad *ld, xmlNode *el, GError **err)
{
	g_autoptr(GPtrArray) vols = g_ptr_array_new_with_free_func((GDestroyNotify)xmlFreeDoc);
	HvNodePoolDef *p;
	xmlDoc *doc;

	for (xmlNode *v = hv_xml_child(el, "volume"), *next; v; v = next) {
		next = hv_xml_next_named(v);
		if (!(doc = child_doc(v, ld->basedir, "storage volume", err)))
			return -EINVAL;
		g_ptr_array_add(vols, doc);
		if (v->parent == el) {
			xmlUnlinkNode(v);
			xmlFreeNode(v);
		}
	}
	p = g_new0(HvNodePoolDef, 1);
	p->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)hv_volume_def_free);
	g_ptr_array_add(ld->def->pools, p);
	if (!(doc = child_doc(el, ld->basedir, "storage pool", err)) ||
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

static const struct {
	const char *name;
	int (*add)(NodeLoad *ld, xmlNode *el, GError **err);
} node_children[] = {
	{ "domain", add_domain },
	{ "network", add_network },
	{ "pool", add_pool },
};

/* Elements whose content their own grammar checks (node.rng: anyContent). */
static bool
is_object(const xmlNode *el)
{
	static const char *const names[] = { "domain", "network", "pool", "interface", "nodedev" };

	for (size_t i = 0; !el->ns && i < G_N_ELEMENTS(names); i++)
		if (!strcmp((const char *)el->name, names[i]))
			return true;
	return false;
}

/* A copy of the <node> root holding its children in order, but of the objects
 * only those numbered from to to-1, and those by their start tags (a pool's
 * with its children's): their content is left to their own grammars. */
static xmlDoc *
skeleton_new(xmlNode *root, guint from, guint to)
{
	g_autoptr(xmlDoc) skel = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *top = skel ? xmlDocCopyNode(root, skel, 2) : NULL;
	guint i = 0;

	if (!top)
		return NULL;
	xmlDocSetRootElement(skel, top);
	for (xmlNode *c = root->children; c; c = c->next) {
		bool obj = c->type == XML_ELEMENT_NODE && is_object(c);
		xmlNode *copy;

		if (obj) {
			guint at = i++;

			if (at < from || at >= to)
				continue;
		} else if (xmlIsBlankNode(c)) {
			continue;
		}
		copy = xmlDocCopyNode(c, skel, obj ? 2 : 1);
		if (!copy || !xmlAddChild(top, copy))
			return NULL;
		for (xmlNode *v = obj && !strcmp((const char *)c->name, "pool") ? c->children : NULL;
		     v; v = v->next)
			if (v->type == XML_ELEMENT_NODE && !xmlAddChild(copy, xmlDocCopyNode(v, skel, 2)))
				return NULL;
	}
	return g_steal_pointer(&skel);
}

/* The node grammar on the document's skeleton. libxml2 checks an interleave
 * in time quadratic in its children (0.3 s for 10,000 domains), and objects
 * are zeroOrMore in it, so the skeleton goes in batches: every batch has all
 * the other children (host facts, foreign elements) and its share of the
 * objects. */
static int
check_skeleton(xmlNode *root, GError **err)
{
	guint objects = 0;

	for (xmlNode *c = root->children; c; c = c->next)
		objects += c->type == XML_ELEMENT_NODE && is_object(c);
	for (guint from = 0; from == 0 || from < objects; from += NODE_SKELETON_BATCH) {
		g_autoptr(xmlDoc) skel = skeleton_new(root, from, from + NODE_SKELETON_BATCH);

		if (!skel)
			return hv_error_set(err, ENOMEM, "node: out of memory");
		if (hv_schema_validate(HV_SCHEMA_NODE, skel, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Children in order, domains queued; when another child fails, the queued
 * domains are parsed first, since an error of theirs comes before it. */
static int
add_children(HvNodeDef *def, xmlNode *root, const char *basedir, GError **err)
{
	g_autoptr(GArray) domains = g_array_new(FALSE, TRUE, sizeof(NodeDomain));
	NodeLoad ld = { .def = def, .basedir = basedir, .domains = domains };

	g_array_set_clear_func(domains, node_domain_clear);
	for (xmlNode *c = root->children, *next; c; c = next) {
		g_autoptr(GError) cerr = NULL;
		int line = hv_xml_container_line(c);
		size_t i = 0;

		next = c->next;
		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		while (i < G_N_ELEMENTS(node_children) &&
		       strcmp((const char *)c->name, node_children[i].name) != 0)
			i++;
		if (i == G_N_ELEMENTS(node_children) || node_children[i].add(&ld, c, &cerr) == 0)
			continue;
		if (parse_domains(&ld, err) < 0)
			return -EINVAL;
		g_propagate_prefixed_error(err, g_steal_pointer(&cerr), "node line %d: ", line);
		return -EINVAL;
	}
	return parse_domains(&ld, err);
}

HvNodeDef *
hv_node_def_parse(const char *xml, size_t len, const char *basedir, GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse_container(xml, len, HV_NODE_MAX_SIZE, "node", err);
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
	if (check_skeleton(root, err) < 0)
		return NULL;
	def = g_new0(HvNodeDef, 1);
	def->domains = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_def_free);
	def->networks = g_ptr_array_new_with_free_func((GDestroyNotify)hv_network_def_free);
	def->pools = g_ptr_array_new_with_free_func((GDestroyNotify)node_pool_free);
	if (parse_cpu(def, root, err) < 0 || add_children(def, root, basedir, err) < 0)
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
