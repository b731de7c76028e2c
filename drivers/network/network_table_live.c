/* network_table_live.c: a new config.xml for an ACTIVE network. What
 * libvirt's net-update can apply live is applied now: the running definition
 * takes the new DHCP ranges and hosts (of each <ip> whose address stays) and
 * the DNS hosts, SRV and TXT records, and the backend applies them (dnsmasq's
 * files written again, dnsmasq restarted, leases kept). Everything else
 * waits in the stored definition for the next start; which top-level parts
 * wait is kept per network (HvNetworkInfo.pending) for the `error` file. */
#include <string.h>
#include "drivers/network/network_table.h"
#include "drivers/objstore.h"
#include "drivers/network/network_backend.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

static const char *const dns_live[] = { "host", "srv", "txt", NULL };
static const char *const dhcp_live[] = { "range", "host", NULL };

/* dst's children named in names become src's (copies, in src's order);
 * dst (a child elname of dparent) is made or removed as needed. */
static void
take_children(xmlNode *dparent, xmlNode *sparent, const char *elname, const char *const *names)
{
	xmlNode *dst = hv_xml_child(dparent, elname), *src = hv_xml_child(sparent, elname), *next;

	if (!dst && !src)
		return;
	if (!dst)
		dst = xmlNewChild(dparent, NULL, (const xmlChar *)elname, NULL);
	for (xmlNode *c = dst->children; c; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE && hv_str_index(names, (const char *)c->name) >= 0) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
	for (xmlNode *c = src ? src->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && hv_str_index(names, (const char *)c->name) >= 0)
			xmlAddChild(dst, xmlDocCopyNode(c, dst->doc, 1));
	if (!src && !xmlFirstElementChild(dst) && !dst->properties) {
		xmlUnlinkNode(dst);
		xmlFreeNode(dst);
	}
}

/* The <ip> of cfg with the same address, family, prefix and netmask. */
static xmlNode *
same_ip(xmlNode *croot, xmlNode *ip)
{
	static const char *const keys[] = { "address", "family", "prefix", "netmask" };

	for (xmlNode *c = hv_xml_child(croot, "ip"); c; c = hv_xml_next_named(c)) {
		bool same = true;

		for (size_t k = 0; same && k < G_N_ELEMENTS(keys); k++) {
			g_autofree char *a = hv_xml_prop(ip, keys[k]), *b = hv_xml_prop(c, keys[k]);

			same = !g_strcmp0(a, b);
		}
		if (same)
			return c;
	}
	return NULL;
}

/* The running definition with cfg's live parts. */
static HvNetworkDef *
merged(const HvNetworkDef *live, const HvNetworkDef *cfg, GError **err)
{
	xmlDoc *doc = xmlCopyDoc(live->doc, 1);
	xmlNode *root = xmlDocGetRootElement(doc), *croot = xmlDocGetRootElement(cfg->doc);
	HvNetworkDef *def;

	take_children(root, croot, "dns", dns_live);
	for (xmlNode *ip = hv_xml_child(root, "ip"); ip; ip = hv_xml_next_named(ip)) {
		xmlNode *cip = same_ip(croot, ip);

		if (cip)
			take_children(ip, cip, "dhcp", dhcp_live);
	}
	if ((def = hv_network_def_parse_doc(doc, err)))
		memcpy(def->uuid, live->uuid, sizeof(def->uuid));
	return def;
}

/* Each top-level element of def, serialised: name -> the text of all of
 * that name (owned table). */
static GHashTable *
parts_of(const HvNetworkDef *def)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *text = hv_network_def_format(def);
	g_autoptr(xmlDoc) doc = text ? xmlReadMemory(text, (int)strlen(text), NULL, NULL,
						     XML_PARSE_NONET | XML_PARSE_NOBLANKS) : NULL;

	for (xmlNode *c = doc ? xmlFirstElementChild(xmlDocGetRootElement(doc)) : NULL; c;
	     c = xmlNextElementSibling(c)) {
		g_autoptr(xmlBuffer) b = xmlBufferCreate();
		const char *old = g_hash_table_lookup(h, c->name);

		xmlNodeDump(b, doc, c, 0, 0);
		g_hash_table_insert(h, g_strdup((const char *)c->name),
				    g_strconcat(old ? old : "", (const char *)xmlBufferContent(b), NULL));
	}
	return h;
}

static void
differ(GHashTable *a, GHashTable *b, GPtrArray *out)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *w = g_hash_table_lookup(b, k);
		g_autofree char *tag = g_strdup_printf("<%s>", (char *)k);

		if (g_strcmp0(v, w) && !g_ptr_array_find_with_equal_func(out, tag, g_str_equal, NULL))
			g_ptr_array_add(out, g_steal_pointer(&tag));
	}
}

static gint
by_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The top-level parts in which x and y differ: "<forward>, <ip>" (owned),
 * or NULL when they are the same. */
static char *
pending_parts(const HvNetworkDef *x, const HvNetworkDef *y)
{
	g_autoptr(GHashTable) a = parts_of(x), b = parts_of(y);
	g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func(g_free);
	GString *s;

	differ(a, b, tags);
	differ(b, a, tags);
	if (!tags->len)
		return NULL;
	g_ptr_array_sort(tags, by_str);
	s = g_string_new(NULL);
	for (guint k = 0; k < tags->len; k++)
		g_string_append_printf(s, "%s%s", k ? ", " : "", (char *)tags->pdata[k]);
	return g_string_free(s, false);
}

/* Lock held: o is active and has a stored definition newer than its
 * running one. */
static int
apply_live(HvObjTab *t, HvEntry *o, GError **err)
{
	NetTables *nets = t->opaque;
	const HvNetworkDef *cfg = o->newdef.network;
	g_autoptr(HvNetworkDef) nlive = merged(o->def.network, cfg, err);
	g_autofree char *state = net_table_state_dir(t, o->name), *text = NULL;
	g_autofree char *before = hv_network_def_format(o->def.network), *after = NULL;
	g_autoptr(GString) ignored = g_string_new(NULL);
	NetworkObj n = { .name = o->name, .def = o->def.network, .state_dir = state,
			 .priv = o->priv };
	int r;

	if (!nlive)
		return -EINVAL;
	g_hash_table_replace(nets->pending, g_strdup(o->name), pending_parts(nlive, cfg));
	after = hv_network_def_format(nlive);
	if (!g_strcmp0(before, after))
		return 0; /* nothing that can change live did */
	if (!(n.backend = network_backend_for(nlive, err)))
		return -EOPNOTSUPP;
	if (!n.backend->update)
		return hv_error_set(err, EOPNOTSUPP, "network '%s': its backend cannot change it "
				    "live", o->name);
	if ((r = n.backend->update(&n, nlive, ignored, err)) < 0)
		return r;
	hv_network_def_free(o->def.network);
	o->def.network = g_steal_pointer(&nlive);
	if ((text = hv_network_def_format(o->def.network)))
		hv_store_write_live(t->store, o->name, text, NULL);
	hv_entry_emit(o, "defined", "updated");
	return 0;
}

int
net_table_redefined(HvConn *c, const char *name, GError **err)
{
	HvObjTab *t = c->tables[HV_OBJ_NETWORK];
	NetTables *nets = t->opaque;
	HvEntry *o;
	int r = 0;

	hv_core_lock(t->core);
	if (!(o = hv_objtab_lookup(t, name)) || !o->active || !o->newdef.network)
		g_hash_table_remove(nets->pending, name);
	else if ((r = apply_live(t, o, err)) < 0)
		g_prefix_error(err, "network '%s': the new definition is kept for its next start, "
			       "but cannot be applied live: ", name);
	hv_core_unlock(t->core);
	return r;
}

char *
net_table_pending_locked(HvObjTab *t, const char *name)
{
	return g_strdup(g_hash_table_lookup(((NetTables *)t->opaque)->pending, name));
}

void
net_table_pending_clear_locked(HvObjTab *t, const char *name)
{
	g_hash_table_remove(((NetTables *)t->opaque)->pending, name);
}
