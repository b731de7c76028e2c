/* node_priv.h: inside the <node> parser (node_conf.c): its <domain>s, taken
 * out of the document as soon as the parser has read each one and parsed as
 * domain documents on a few threads while the rest of the node is still being
 * read (node_domains.c). */
#pragma once
#include "conf/domain_conf.h"

typedef struct NodeDomains NodeDomains;

/* The text of a file= reference, held to HV_XML_MAX_SIZE (basedir NULL:
 * references are refused). */
char *node_read_ref(const char *basedir, const char *file, gsize *len, GError **err);

/* basedir resolves file= references (NULL: refused). */
NodeDomains *node_domains_new(const char *basedir);
/* An HvXmlChildFunc: queues a top-level <domain> of a <node>; an inline one
 * moves out of the document, leaving a copy of its start tag in its place. */
void node_domains_take(xmlNode *child, void *nd);
/* Waits for them all. 0: the domains, in document order, moved to out. Else
 * -EINVAL with the first failure in document order, its line in *line and
 * its place among the node's elements in *pos. */
int node_domains_finish(NodeDomains *nd, GPtrArray *out, int *line, guint *pos, GError **err);
/* Stops the parsing (what is under way finishes) and frees everything. */
void node_domains_free(NodeDomains *nd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NodeDomains, node_domains_free)
