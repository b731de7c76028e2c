/* node_domains.c: the <domain>s of a <node> (see node_priv.h). The parser's
 * callback queues each one, inline ones moved into documents of their own;
 * once NODE_THREADS_MIN are queued, up to NODE_THREADS threads (one a core)
 * parse them while the parser reads on, and node_domains_finish waits for them.
 * The caller's thread parses none of them then: what they keep (typed fields,
 * the compact document) is allocated by the workers, away from the node's
 * tree, so freeing the tree leaves whole pages to give back to the system.
 * Domains share nothing (own documents, no dictionary), and the grammar allows
 * concurrent validation. */
#include "conf/node_priv.h"
#include "conf/conf_util.h"
#include "conf/xml.h"
#include <string.h>

#define NODE_THREADS 4u       /* at most */
#define NODE_THREADS_MIN 128u /* queued domains worth starting threads for */

typedef struct {
	xmlDoc *doc; /* an inline domain, moved out of the node */
	char *file;  /* or its file= */
	int line;    /* in the node document */
	guint pos;   /* among the node's elements */
	HvDomainDef *def;
	GError *err;
} NodeDomain;

struct NodeDomains {
	const char *basedir;
	GMutex lock;
	GCond more;
	GPtrArray *queue; /* NodeDomain*, in document order; under lock */
	guint next;       /* the next to parse; under lock */
	bool closed;      /* no more coming; under lock */
	bool stop;        /* parse no more; under lock */
	guint seen;       /* the node's elements so far */
	GThread *threads[NODE_THREADS];
	guint nthreads;
};

static void
node_domain_free(NodeDomain *d)
{
	if (!d)
		return;
	g_clear_pointer(&d->doc, xmlFreeDoc);
	g_free(d->file);
	hv_domain_def_free(d->def);
	g_clear_error(&d->err);
	g_free(d);
}

static NodeDomain *
take_next(NodeDomains *nd)
{
	NodeDomain *d = NULL;

	g_mutex_lock(&nd->lock);
	while (!nd->stop && !nd->closed && nd->next >= nd->queue->len)
		g_cond_wait(&nd->more, &nd->lock);
	if (!nd->stop && nd->next < nd->queue->len)
		d = nd->queue->pdata[nd->next++];
	g_mutex_unlock(&nd->lock);
	return d;
}

static void
parse_one(NodeDomains *nd, NodeDomain *d)
{
	if (d->file) {
		gsize len = 0;
		g_autofree char *buf = node_read_ref(nd->basedir, d->file, &len, &d->err);

		if (buf)
			d->doc = hv_xml_parse(buf, len, "domain", &d->err);
	}
	if (d->doc)
		d->def = hv_domain_def_parse_doc(g_steal_pointer(&d->doc), &d->err);
}

static gpointer
worker(gpointer data)
{
	NodeDomains *nd = data;
	NodeDomain *d;

	while ((d = take_next(nd)))
		parse_one(nd, d);
	return NULL;
}

NodeDomains *
node_domains_new(const char *basedir)
{
	NodeDomains *nd = g_new0(NodeDomains, 1);

	nd->basedir = basedir;
	g_mutex_init(&nd->lock);
	g_cond_init(&nd->more);
	nd->queue = g_ptr_array_new_with_free_func((GDestroyNotify)node_domain_free);
	return nd;
}

static void
start_threads(NodeDomains *nd)
{
	guint want = MIN((guint)g_get_num_processors(), NODE_THREADS);

	while (nd->nthreads < want) {
		GThread *t = g_thread_try_new("hv-node", worker, nd, NULL);

		if (!t)
			break;
		nd->threads[nd->nthreads++] = t;
	}
}

/* The parser's thread: it alone touches the node document. */
void
node_domains_take(xmlNode *child, void *data)
{
	NodeDomains *nd = data;
	NodeDomain *d;
	xmlNode *stub;

	if (child->type != XML_ELEMENT_NODE)
		return;
	nd->seen++;
	if (child->ns || strcmp((const char *)child->name, "domain") || child->parent->ns ||
	    strcmp((const char *)child->parent->name, "node"))
		return;
	d = g_new0(NodeDomain, 1);
	d->line = hv_xml_container_line(child);
	d->pos = nd->seen - 1;
	d->file = hv_xml_prop(child, "file");
	if (!d->file) {
		stub = xmlDocCopyNode(child, child->doc, 2);
		if (stub && xmlAddPrevSibling(child, stub)) {
			stub->_private = child->_private;
			d->doc = hv_xml_detach(child, &d->err);
		} else {
			xmlFreeNode(stub);
			hv_error_set(&d->err, ENOMEM, "domain: out of memory");
		}
	}
	g_mutex_lock(&nd->lock);
	g_ptr_array_add(nd->queue, d);
	g_cond_signal(&nd->more);
	g_mutex_unlock(&nd->lock);
	if (nd->queue->len == NODE_THREADS_MIN)
		start_threads(nd);
}

static void
join(NodeDomains *nd, bool stop)
{
	g_mutex_lock(&nd->lock);
	nd->closed = true;
	nd->stop = nd->stop || stop;
	g_cond_broadcast(&nd->more);
	g_mutex_unlock(&nd->lock);
	if (!stop && nd->nthreads == 0)
		worker(nd); /* few domains, or no threads */
	for (; nd->nthreads > 0; nd->nthreads--)
		g_thread_join(nd->threads[nd->nthreads - 1]);
}

int
node_domains_finish(NodeDomains *nd, GPtrArray *out, int *line, guint *pos, GError **err)
{
	join(nd, false);
	for (guint i = 0; i < nd->queue->len; i++) {
		NodeDomain *d = nd->queue->pdata[i];

		if (d->def)
			continue;
		*line = d->line;
		*pos = d->pos;
		if (d->err)
			g_propagate_error(err, g_steal_pointer(&d->err));
		else
			hv_error_set(err, EINVAL, "invalid domain");
		return -EINVAL;
	}
	for (guint i = 0; i < nd->queue->len; i++)
		g_ptr_array_add(out, g_steal_pointer(&((NodeDomain *)nd->queue->pdata[i])->def));
	g_ptr_array_set_size(nd->queue, 0);
	return 0;
}

void
node_domains_free(NodeDomains *nd)
{
	if (!nd)
		return;
	join(nd, true);
	g_ptr_array_unref(nd->queue);
	g_mutex_clear(&nd->lock);
	g_cond_clear(&nd->more);
	g_free(nd);
}
