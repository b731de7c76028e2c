/* lxc_driver.c: the LXC driver, native containers on this host: the driver
 * table (scheme "lxc": the process drivers' shared node and domain ops,
 * drivers/procdrv.h), and opening a connection (lxc:///system, ?root=DIR
 * keeps every file under DIR, ?shutdown-timeout=MS bounds a shutdown): the
 * cgroup layout and partition on top of the shared open (loading,
 * re-attaching running containers, autostart). */
#include <string.h>
#include "drivers/lxc/lxc_priv.h"
#include "drivers/network/network_table.h"

static void
lxc_conn_free(LxcConn *lc)
{
	if (!lc)
		return;
	hv_procdrv_clear(&lc->pd);
	g_free(lc->partition);
	g_free(lc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LxcConn, lxc_conn_free)

/* The process drivers' domain ops, and a guest's addresses from the leases
 * of its networks (network_table.h). */
static HvDomainOps lxc_domain_ops;

static gpointer
domain_ops_init(gpointer unused)
{
	lxc_domain_ops = hv_procdrv_domain_ops;
	lxc_domain_ops.get_addresses = net_table_dom_addresses;
	return NULL;
}

static int
lxc_open(HvConn *c, GError **err)
{
	static GOnce once = G_ONCE_INIT;
	g_autoptr(LxcConn) lc = g_new0(LxcConn, 1);
	g_autofree char *root = NULL;

	g_once(&once, domain_ops_init, NULL);
	if (hv_procdrv_configure(&lc->pd, c, &lxc_proc_ops, &root, err) < 0 ||
	    lxc_cgroup_detect(&lc->layout, err) < 0)
		return -EINVAL;
	if (root) {
		g_autofree char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, root, -1);

		lc->partition = g_strdup_printf("hyperfs.lxc-%.10s", h);
	} else {
		lc->partition = g_strdup("hyperfs.lxc");
	}
	/* networks first: an autostarted domain may be on one */
	if (net_table_open(c, lc->pd.lib_dir, lc->pd.run_dir, !c->readonly, err) < 0)
		return -EIO;
	if (hv_procdrv_load(&lc->pd, &lxc_domain_class, err) < 0) {
		net_table_close(c);
		return -EIO;
	}
	c->priv = g_steal_pointer(&lc);
	hv_procdrv_opened(c);
	return 0;
}

static void
lxc_close(HvConn *c)
{
	net_table_close(c); /* running networks stay too */
	/* running containers stay: the next open re-attaches them */
	g_clear_pointer((LxcConn **)&c->priv, lxc_conn_free);
	memset(c->tables, 0, sizeof(c->tables));
}

const HvDriver hv_lxc_driver = {
	.name = "lxc",
	.schemes = (const char *const[]){ "lxc", NULL },
	.open = lxc_open,
	.close = lxc_close,
	.node = &hv_procdrv_node_ops,
	.domain = &lxc_domain_ops,
	.network = &net_table_ops,
};
