/* domain_devices.c: the domain's <devices> children -> typed device defs, and
 * their canonical values written back at format time. One parser per element
 * name, found in a table; devices the model doesn't type stay in the document. */
#include "conf/domain_priv.h"
#include <string.h>

void
hv_domain_disk_free(HvDomainDiskDef *d)
{
	if (!d)
		return;
	g_free(d->device);
	g_free(d->type);
	g_free(d->source);
	g_free(d->source_pool);
	g_free(d->source_volume);
	g_free(d->source_protocol);
	g_free(d->source_host);
	if (d->source_hosts)
		g_ptr_array_unref(d->source_hosts);
	g_free(d->auth_user);
	g_free(d->auth_secret_type);
	g_free(d->auth_secret);
	g_free(d->driver_type);
	g_free(d->target_dev);
	g_free(d->target_bus);
	g_free(d);
}

void
hv_domain_net_free(HvDomainNetDef *n)
{
	if (!n)
		return;
	g_free(n->type);
	g_free(n->mac);
	g_free(n->source);
	g_free(n->target_dev);
	g_free(n->model);
	g_free(n->source_mode);
	g_free(n->bandwidth);
	g_free(n);
}

/* <source> attributes that name a disk's source, by disk type. */
static const char *const disk_source_attrs[] = { "file", "dev", "dir", "name", NULL };

/* A network disk's <auth username=><secret type= uuid=|usage=/></auth>, in
 * <source> (libvirt since 3.9) or in <disk> (before); the rules
 * (rules_domain.c) refuse both at once and a secret type the protocol does
 * not take. */
static int
parse_disk_auth(HvDomainDiskDef *d, xmlNode *el, xmlNode *src, GError **err)
{
	xmlNode *a = src ? hv_xml_child(src, "auth") : NULL;
	xmlNode *outer = hv_xml_child(el, "auth");
	xmlNode *sec;

	if (!(a = a ? a : outer))
		return 0;
	sec = hv_xml_child(a, "secret");
	d->auth_user = hv_xml_prop(a, "username");
	d->auth_secret_type = sec ? hv_xml_prop(sec, "type") : NULL;
	d->auth_secret = sec ? hv_xml_prop(sec, "uuid") : NULL;
	if (sec && !d->auth_secret)
		d->auth_secret = hv_xml_prop(sec, "usage");
	if (!d->auth_user || !*d->auth_user || !d->auth_secret || !*d->auth_secret)
		return hv_error_set(err, EINVAL, "line %d: domain <disk> <auth>: needs a username= "
				    "and a <secret uuid=.../> or usage=", a->line);
	return 0;
}

static int
parse_disk(HvDomainDef *def, xmlNode *el, GError **err)
{
	HvDomainDiskDef *d = g_new0(HvDomainDiskDef, 1);
	xmlNode *src = hv_xml_child(el, "source");

	g_ptr_array_add(def->disks, d);
	d->type = hv_xml_prop(el, "type");
	d->device = hv_xml_prop(el, "device");
	if (!d->device)
		d->device = g_strdup("disk");
	for (size_t i = 0; src && !d->source && disk_source_attrs[i]; i++)
		d->source = hv_xml_prop(src, disk_source_attrs[i]);
	if (d->source && d->source[0] == '/') {
		char *clean = hv_path_clean(d->source);

		g_free(d->source);
		d->source = clean;
	}
	d->source_pool = hv_xml_prop(src, "pool");
	d->source_volume = hv_xml_prop(src, "volume");
	d->source_protocol = hv_xml_prop(src, "protocol");
	for (xmlNode *h = src ? src->children : NULL; h; h = h->next) {
		g_autofree char *host = NULL, *port = NULL;

		if (h->type != XML_ELEMENT_NODE || strcmp((const char *)h->name, "host"))
			continue;
		host = hv_xml_prop(h, "name");
		port = hv_xml_prop(h, "port");
		if (!d->source_hosts)
			d->source_hosts = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(d->source_hosts, port ? g_strdup_printf("%s:%s", host ? host : "", port)
						      : g_strdup(host ? host : ""));
	}
	if (d->source_hosts)
		d->source_host = g_strdup(d->source_hosts->pdata[0]);
	if (parse_disk_auth(d, el, src, err) < 0)
		return -EINVAL;
	d->driver_type = hv_xml_child_prop(el, "driver", "type");
	d->target_dev = hv_xml_child_prop(el, "target", "dev");
	d->target_bus = hv_xml_child_prop(el, "target", "bus");
	d->readonly = hv_xml_child(el, "readonly") != NULL;
	if (!d->target_dev)
		return hv_error_set(err, EINVAL, "line %d: domain <disk>: missing <target dev=>",
				    el->line);
	return 0;
}

/* <source> attribute that names an interface's source, by interface type. */
static const char *const net_source_attrs[] = { "network", "bridge", "dev", "name", NULL };

static int
parse_interface(HvDomainDef *def, xmlNode *el, GError **err)
{
	HvDomainNetDef *n = g_new0(HvDomainNetDef, 1);
	xmlNode *src = hv_xml_child(el, "source");
	g_autofree char *mac = hv_xml_child_prop(el, "mac", "address");

	g_ptr_array_add(def->interfaces, n);
	n->type = hv_xml_prop(el, "type");
	for (size_t i = 0; src && !n->source && net_source_attrs[i]; i++)
		n->source = hv_xml_prop(src, net_source_attrs[i]);
	n->target_dev = hv_xml_child_prop(el, "target", "dev");
	n->model = hv_xml_child_prop(el, "model", "type");
	n->source_mode = src ? hv_xml_prop(src, "mode") : NULL;
	{
		g_autofree char *link = hv_xml_child_prop(el, "link", "state");

		n->link_down = !g_strcmp0(link, "down");
	}
	{
		g_autofree char *what = g_strdup_printf("line %d: domain <interface>", el->line);
		int r = hv_bandwidth_parse(el, what, &n->bandwidth, err);

		if (r < 0)
			return r;
	}
	if (mac) {
		n->mac = hv_mac_normalise(mac);
		if (!n->mac)
			return hv_error_set(err, EINVAL,
					    "line %d: domain <interface> <mac address='%s'>: not a valid MAC address",
					    el->line, mac);
	}
	return 0;
}

static const struct {
	const char *name;
	int (*parse)(HvDomainDef *def, xmlNode *el, GError **err);
} device_parsers[] = {
	{ "disk", parse_disk },
	{ "interface", parse_interface },
};

int
hv_domain_parse_devices(HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *devs = hv_xml_child(root, "devices");

	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		for (size_t i = 0; i < G_N_ELEMENTS(device_parsers); i++)
			if (!strcmp((const char *)c->name, device_parsers[i].name) &&
			    device_parsers[i].parse(def, c, err) < 0)
				return -EINVAL;
	}
	return 0;
}

void
hv_domain_format_devices(const HvDomainDef *def, xmlNode *root)
{
	xmlNode *devs = hv_xml_child(root, "devices");
	guint ndisk = 0, nnet = 0;

	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		if (!strcmp((const char *)c->name, "disk") && ndisk < def->disks->len) {
			HvDomainDiskDef *d = def->disks->pdata[ndisk++];
			xmlNode *src = hv_xml_child(c, "source");

			for (size_t i = 0; src && d->source && disk_source_attrs[i]; i++)
				if (xmlHasProp(src, (const xmlChar *)disk_source_attrs[i])) {
					hv_xml_set_prop(src, disk_source_attrs[i], d->source);
					break;
				}
		} else if (!strcmp((const char *)c->name, "interface") && nnet < def->interfaces->len) {
			HvDomainNetDef *n = def->interfaces->pdata[nnet++];
			xmlNode *mac = hv_xml_child(c, "mac");

			if (!mac && n->mac) {
				/* generated: libvirt writes it first */
				mac = xmlNewDocNode(c->doc, NULL, (const xmlChar *)"mac", NULL);
				if (c->children)
					xmlAddPrevSibling(c->children, mac);
				else
					xmlAddChild(c, mac);
			}
			if (mac && n->mac)
				hv_xml_set_prop(mac, "address", n->mac);
			/* a model the driver chose (the qemu driver's default NIC) */
			if (n->model && !hv_xml_child(c, "model"))
				hv_xml_set_prop(xmlNewChild(c, NULL, (const xmlChar *)"model", NULL),
						"type", n->model);
			/* <link state>, which a driver may change live */
			{
				xmlNode *l = hv_xml_child(c, "link");

				if (!l && n->link_down)
					l = xmlNewChild(c, NULL, (const xmlChar *)"link", NULL);
				if (l && (n->link_down || xmlHasProp(l, (const xmlChar *)"state")))
					hv_xml_set_prop(l, "state", n->link_down ? "down" : "up");
			}
			/* a driver's device name (the qemu driver's taps) */
			if (n->target_dev) {
				xmlNode *t = hv_xml_child(c, "target");

				if (!t)
					t = xmlNewChild(c, NULL, (const xmlChar *)"target", NULL);
				hv_xml_set_prop(t, "dev", n->target_dev);
			}
		}
	}
}
