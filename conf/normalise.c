/* normalise.c: element order, defaults and removal helpers used by the
 * formatters to write libvirt's canonical shape (see normalise.h). */
#include "conf/normalise.h"
#include "conf/conf_util.h"
#include <string.h>

typedef struct {
	GPtrArray *nodes; /* comments, then the element (if any) */
	int rank;
	unsigned pos;
} Group;

static int
group_cmp(gconstpointer a, gconstpointer b)
{
	const Group *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static int
rank_of(xmlNode *el, const char *const *order)
{
	int n = 0;

	for (; order[n]; n++)
		if (!el->ns && !strcmp((const char *)el->name, order[n]))
			return n;
	return n;
}

static void
group_clear(gpointer p)
{
	Group *g = p;

	g_ptr_array_unref(g->nodes);
}

void
hv_xml_reorder(xmlNode *parent, const char *const *order)
{
	g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(Group));
	Group cur = { 0 };

	if (!parent)
		return;
	g_array_set_clear_func(groups, group_clear);
	for (xmlNode *c = parent->children; c; c = c->next)
		if (c->type == XML_TEXT_NODE && !xmlIsBlankNode(c))
			return; /* mixed content: leave it as it is */
	for (xmlNode *c = parent->children, *next; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		if (c->type == XML_TEXT_NODE) {
			xmlFreeNode(c);
			continue;
		}
		if (!cur.nodes)
			cur.nodes = g_ptr_array_new();
		g_ptr_array_add(cur.nodes, c);
		if (c->type != XML_ELEMENT_NODE)
			continue;
		cur.rank = rank_of(c, order);
		cur.pos = groups->len;
		g_array_append_val(groups, cur);
		memset(&cur, 0, sizeof(cur));
	}
	if (cur.nodes) {
		cur.rank = G_MAXINT;
		cur.pos = groups->len;
		g_array_append_val(groups, cur);
	}
	g_array_sort(groups, group_cmp);
	for (guint i = 0; i < groups->len; i++) {
		Group *g = &g_array_index(groups, Group, i);

		for (guint k = 0; k < g->nodes->len; k++)
			xmlAddChild(parent, g->nodes->pdata[k]);
	}
}

xmlNode *
hv_xml_ensure_child(xmlNode *parent, const char *name)
{
	xmlNode *c = hv_xml_child(parent, name);

	return c ? c : xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

void
hv_xml_remove_children(xmlNode *parent, const char *name)
{
	xmlNode *c = parent ? parent->children : NULL;

	while (c) {
		xmlNode *next = c->next;

		if (c->type == XML_ELEMENT_NODE && !c->ns && !strcmp((const char *)c->name, name)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		c = next;
	}
}

void
hv_xml_default_prop(xmlNode *n, const char *attr, const char *value)
{
	if (n && value && !xmlHasProp(n, (const xmlChar *)attr))
		xmlSetProp(n, (const xmlChar *)attr, (const xmlChar *)value);
}

unsigned
hv_xml_count(xmlNode *parent, const char *name)
{
	unsigned n = 0;

	for (xmlNode *c = hv_xml_child(parent, name); c; c = hv_xml_next_named(c))
		n++;
	return n;
}
