/* network_update.c: libvirt's virNetworkUpdate on a network document: one
 * row per section that can change (DHCP hosts and ranges, DNS hosts, TXT
 * and SRV records: what a running dnsmasq can take), the edit (add first or
 * last, delete, modify; an element is found by the row's key attributes),
 * and the result parsed and checked as a define would be. */
#include <string.h>
#include "conf/network_priv.h"
#include "conf/xml.h"

/* virNetworkUpdateCommand and virNetworkUpdateSection */
enum { CMD_MODIFY = 1, CMD_DELETE = 2, CMD_ADD_LAST = 3, CMD_ADD_FIRST = 4 };

typedef struct {
	unsigned section;
	const char *name;   /* in messages, as virsh spells it */
	bool in_ip;         /* under <ip><dhcp>, else under <dns> */
	const char *child;  /* the element it adds, deletes or modifies */
	const char *keys[3]; /* attributes that identify one (any equal: the same) */
} UpdateRow;

static const UpdateRow rows[] = {
	{ 4, "ip-dhcp-host", true, "host", { "mac", "ip", "name" } },
	{ 5, "ip-dhcp-range", true, "range", { "start", NULL } },
	{ 10, "dns-host", false, "host", { "ip", NULL } },
	{ 11, "dns-txt", false, "txt", { "name", NULL } },
	{ 12, "dns-srv", false, "srv", { "service", NULL } },
};

static const UpdateRow *
row_of(unsigned section)
{
	for (size_t k = 0; k < G_N_ELEMENTS(rows); k++)
		if (rows[k].section == section)
			return &rows[k];
	return NULL;
}

static xmlNode *
child_or_new(xmlNode *parent, const char *name)
{
	xmlNode *c = hv_xml_child(parent, name);

	return c ? c : xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

/* The element the row's children live in, made when missing. */
static xmlNode *
parent_of(const UpdateRow *row, xmlNode *root, int index, const char *net, GError **err)
{
	int k = 0;

	if (!row->in_ip)
		return child_or_new(root, "dns");
	for (xmlNode *ip = hv_xml_child(root, "ip"); ip; ip = hv_xml_next_named(ip), k++) {
		g_autofree char *fam = hv_xml_prop(ip, "family");

		if (index == k || (index < 0 && g_strcmp0(fam, "ipv6")))
			return child_or_new(ip, "dhcp");
	}
	hv_error_set(err, ENOENT, "cannot update network '%s': it has no <ip> %d", net, index);
	return NULL;
}

static bool
same(const UpdateRow *row, xmlNode *a, xmlNode *b)
{
	for (int k = 0; k < 3 && row->keys[k]; k++) {
		g_autofree char *x = hv_xml_prop(a, row->keys[k]), *y = hv_xml_prop(b, row->keys[k]);

		if (x && y && !g_ascii_strcasecmp(x, y))
			return true;
	}
	return false;
}

static xmlNode *
find(const UpdateRow *row, xmlNode *parent, xmlNode *want)
{
	for (xmlNode *c = hv_xml_child(parent, row->child); c; c = hv_xml_next_named(c))
		if (same(row, c, want))
			return c;
	return NULL;
}

/* The edited document of def (owned), or NULL with the reason. */
static xmlDoc *
edit(const HvNetworkDef *def, const UpdateRow *row, unsigned cmd, int index, const char *xml,
     GError **err)
{
	g_autoptr(xmlDoc) doc = xmlCopyDoc(def->doc, 1);
	g_autoptr(xmlDoc) frag = hv_xml_parse(xml, strlen(xml), "network update", err);
	xmlNode *root = xmlDocGetRootElement(doc), *el, *parent, *old, *copy;

	if (!frag)
		return NULL;
	el = xmlDocGetRootElement(frag);
	if (strcmp((const char *)el->name, row->child))
		return hv_error_set(err, EINVAL, "cannot update network '%s': section %s takes a "
				    "<%s>, not <%s>", def->name, row->name, row->child, el->name),
		       NULL;
	if (!(parent = parent_of(row, root, index, def->name, err)))
		return NULL;
	old = find(row, parent, el);
	if ((cmd == CMD_ADD_LAST || cmd == CMD_ADD_FIRST) && old)
		return hv_error_set(err, EEXIST, "cannot update network '%s': there is already such "
				    "a <%s> in %s", def->name, row->child, row->name), NULL;
	if ((cmd == CMD_DELETE || cmd == CMD_MODIFY) && !old)
		return hv_error_set(err, ENOENT, "cannot update network '%s': no matching <%s> in %s",
				    def->name, row->child, row->name), NULL;
	copy = cmd == CMD_DELETE ? NULL : xmlDocCopyNode(el, doc, 1);
	if (cmd == CMD_ADD_FIRST && hv_xml_child(parent, row->child))
		xmlAddPrevSibling(hv_xml_child(parent, row->child), copy);
	else if (cmd == CMD_ADD_FIRST || cmd == CMD_ADD_LAST)
		xmlAddChild(parent, copy);
	else if (cmd == CMD_MODIFY)
		xmlReplaceNode(old, copy);
	if (cmd == CMD_DELETE || cmd == CMD_MODIFY) {
		if (cmd == CMD_DELETE)
			xmlUnlinkNode(old);
		xmlFreeNode(old);
	}
	return g_steal_pointer(&doc);
}

HvNetworkDef *
hv_network_def_update(const HvNetworkDef *def, unsigned command, unsigned section,
		      int parent_index, const char *xml, GError **err)
{
	const UpdateRow *row = row_of(section);
	g_autoptr(xmlDoc) doc = NULL;
	g_autofree char *text = NULL;
	HvNetworkDef *nd;

	if (!row)
		return hv_error_set(err, EOPNOTSUPP, "cannot update network '%s': section %u cannot "
				    "be changed (ip-dhcp-host, ip-dhcp-range, dns-host, dns-txt and "
				    "dns-srv can)", def->name, section), NULL;
	if (command < CMD_MODIFY || command > CMD_ADD_FIRST)
		return hv_error_set(err, EINVAL, "cannot update network '%s': unknown command %u",
				    def->name, command), NULL;
	if (!xml || !(doc = edit(def, row, command, parent_index, xml, err)))
		return NULL;
	text = hv_xml_format(xmlDocGetRootElement(doc));
	if ((nd = hv_network_def_parse(text, strlen(text), err)))
		memcpy(nd->uuid, def->uuid, HV_UUID_STRLEN);
	return nd;
}
