/* libvirt_driver.c: the driver that reaches every hypervisor libvirt's own
 * client library can open (docs/drivers.md): `libvirt:` followed by
 * libvirt's URI (libvirt:esx://host/?no_verify=1, libvirt:test:///default),
 * and, through drivers/conn.c, a plain URI of a libvirt hypervisor that no
 * driver of ours serves (esx://, vbox:///, xen:///, ...). The top of the
 * driver: open and close, the node ops and the HvDriver table. */
#include <string.h>
#include "drivers/libvirt/libvirt_events.h"

#define PREFIX "libvirt:"

/* The schemes of libvirt's hypervisor drivers we have no native driver for:
 * drivers/conn.c sends them here (with or without a host) when no driver
 * claims the scheme first. */
const char *const hv_libvirt_fallback_schemes[] = {
	"esx", "vpx", "gsx", "vmwarews", "vmwareplayer", "vmwarefusion", "hyperv", "phyp",
	"vbox", "xen", "openvz", "vz", "parallels", "bhyve", "ch", "lxc", NULL,
};

static void
priv_free(LvPriv *p)
{
	if (!p)
		return;
	lv_consoles_free(p);
	for (int i = 0; i < LV_CACHE_LAST; i++)
		lv_cache_clear(&p->cache[i]);
	g_free(p->lv_uri);
	g_free(p->away);
	g_mutex_clear(&p->lock);
	g_cond_clear(&p->cond);
	g_free(p);
}

/* Consoles and event callbacks go before the connection does. */
static void
before_close(LvPriv *p, virConnectPtr conn)
{
	lv_consoles_free(p);
	lv_events_deregister(p, conn);
}

/* A new connection: events on it, and after a reconnect everything may have
 * changed while the node was away: each object is reported once (as the
 * remote driver's resync does), and the domains that went are undefined. */
static void
connected(LvPriv *p, virConnectPtr conn, GPtrArray *before)
{
	g_autoptr(GPtrArray) doms = NULL, nets = NULL, pools = NULL;
	g_autoptr(GHashTable) now = g_hash_table_new(g_str_hash, g_str_equal);

	lv_events_register(p, conn);
	if (!before)
		return;
	hv_conn_emit(p->c, HV_OBJ_NODE, NULL, "node", "connected", "-");
	if (lv_domain_ops.list(p->c, &doms, NULL) == 0)
		for (guint i = 0; i < doms->len; i++) {
			const char *name = ((HvDomainInfo *)doms->pdata[i])->name;

			g_hash_table_add(now, (gpointer)name);
			hv_conn_emit(p->c, HV_OBJ_DOMAIN, NULL, name, "defined", "updated");
		}
	for (guint i = 0; doms && i < before->len; i++)
		if (!g_hash_table_contains(now, before->pdata[i]))
			hv_conn_emit(p->c, HV_OBJ_DOMAIN, NULL, before->pdata[i], "undefined", "removed");
	if (lv_network_ops.list(p->c, &nets, NULL) == 0)
		for (guint i = 0; i < nets->len; i++)
			hv_conn_emit(p->c, HV_OBJ_NETWORK, NULL, ((HvNetworkInfo *)nets->pdata[i])->name,
				     "defined", "-");
	if (lv_pool_ops.list(p->c, &pools, NULL) == 0)
		for (guint i = 0; i < pools->len; i++)
			hv_conn_emit(p->c, HV_OBJ_POOL, NULL, ((HvPoolInfo *)pools->pdata[i])->name,
				     "refreshed", "-");
}

static int
lv_open(HvConn *c, GError **err)
{
	LvPriv *p;
	const char *uri = c->uri_str;
	int rc;

	if (g_ascii_strncasecmp(uri, PREFIX, strlen(PREFIX)) == 0)
		uri += strlen(PREFIX);
	if (!*uri)
		return hv_error_set(err, EINVAL, "URI '%s' names no libvirt URI after '%s'",
				    c->uri_str, PREFIX);
	lv_global_init();
	p = g_new0(LvPriv, 1);
	g_mutex_init(&p->lock);
	g_cond_init(&p->cond);
	p->c = c;
	p->lv_uri = g_strdup(uri);
	p->flags = c->readonly ? VIR_CONNECT_RO : 0;
	for (size_t i = 0; i < G_N_ELEMENTS(p->cb_ids); i++)
		p->cb_ids[i] = -1;
	lv_cache_init(&p->cache[LV_DOMAINS], lv_domain_info_dup, (GDestroyNotify)hv_domain_info_free);
	lv_cache_init(&p->cache[LV_NETWORKS], lv_network_info_dup,
		      (GDestroyNotify)hv_network_info_free);
	lv_cache_init(&p->cache[LV_POOLS], lv_pool_info_dup, (GDestroyNotify)hv_pool_info_free);
	lv_cache_init(&p->cache[LV_VOLUMES], lv_volume_info_dup,
		      (GDestroyNotify)hv_volume_info_free);
	lv_consoles_init(p);
	p->on_connect = connected;
	p->on_disconnect = before_close;
	c->priv = p;
	rc = lv_connect(p, err);
	if (rc < 0) {
		priv_free(p);
		c->priv = NULL;
	}
	return rc;
}

static void
lv_close(HvConn *c)
{
	LvPriv *p = c->priv;

	if (!p)
		return;
	lv_disconnect(p);
	priv_free(p);
	c->priv = NULL;
}

static int
lv_node_get_info(HvConn *c, HvNodeInfo *out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	virNodeInfo ni;
	unsigned long long free_bytes;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if (virNodeGetInfo(conn, &ni) < 0)
		return lv_fail(p, conn, err, "cannot read the node info of '%s'", p->lv_uri);
	out->hostname = virConnectGetHostname(conn);
	out->model = g_strdup(ni.model);
	out->memory_kib = ni.memory;
	out->cpus = ni.cpus;
	out->mhz = ni.mhz;
	out->nodes = ni.nodes;
	out->sockets = ni.sockets;
	out->cores = ni.cores;
	out->threads = ni.threads;
	free_bytes = virNodeGetFreeMemory(conn);
	out->free_memory_kib = free_bytes / 1024;
	virResetLastError(); /* hostname and free memory are optional */
	return 0;
}

static int
lv_node_get_capabilities(HvConn *c, char **xml, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	*xml = virConnectGetCapabilities(conn);
	return *xml ? 0 : lv_fail(p, conn, err, "cannot read the capabilities of '%s'", p->lv_uri);
}

static int
lv_node_is_alive(HvConn *c, char **reason, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(GError) e = NULL;

	(void)err;
	if (lv_conn_get(p, &conn, &e) == 0)
		return 1;
	if (reason)
		*reason = g_strdup(e->message);
	return 0;
}

static const HvNodeOps lv_node_ops = {
	.get_info = lv_node_get_info,
	.get_capabilities = lv_node_get_capabilities,
	.is_alive = lv_node_is_alive,
};

static const char *const lv_schemes[] = { "libvirt", NULL };

const HvDriver hv_libvirt_driver = {
	.name = "libvirt",
	.schemes = lv_schemes,
	.open = lv_open,
	.close = lv_close,
	.node = &lv_node_ops,
	.domain = &lv_domain_ops,
	.network = &lv_network_ops,
	.pool = &lv_pool_ops,
	.volume = &lv_volume_ops,
	.iface = &lv_iface_ops,
	.nodedev = &lv_nodedev_ops,
};
