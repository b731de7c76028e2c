/* uml_driver.c: the UML driver, User-Mode Linux guests on this host (the
 * seed's UML driver, which libvirt dropped in 5.0): the driver table (scheme
 * "uml": the process drivers' shared node and domain ops, drivers/procdrv.h),
 * and opening a connection (uml:///system, ?root=DIR keeps every file under
 * DIR, ?shutdown-timeout=MS bounds a shutdown): the shared open (loading,
 * re-attaching, autostart) with the mconsole sockets' folder RUN/uml. */
#include <string.h>
#include "drivers/uml/uml_priv.h"
#include "drivers/network/network_table.h"

static void
uml_conn_free(UmlConn *uc)
{
	if (!uc)
		return;
	hv_procdrv_clear(&uc->pd);
	g_free(uc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UmlConn, uml_conn_free)

/* The process drivers' domain ops, and a guest's addresses from the leases
 * of its networks (network_table.h). */
static HvDomainOps uml_domain_ops;

static gpointer
domain_ops_init(gpointer unused)
{
	uml_domain_ops = hv_procdrv_domain_ops;
	uml_domain_ops.get_addresses = net_table_dom_addresses;
	return NULL;
}

static int
uml_open(HvConn *c, GError **err)
{
	static GOnce once = G_ONCE_INIT;
	g_autoptr(UmlConn) uc = g_new0(UmlConn, 1);
	g_autofree char *root = NULL, *sockets = NULL;

	g_once(&once, domain_ops_init, NULL);
	if (hv_procdrv_configure(&uc->pd, c, &uml_proc_ops, &root, err) < 0)
		return -EINVAL;
	sockets = g_build_filename(uc->pd.run_dir, "uml", NULL);
	g_mkdir_with_parents(sockets, 0700);
	/* networks first: an autostarted domain may be on one */
	if (net_table_open(c, uc->pd.lib_dir, uc->pd.run_dir, !c->readonly, err) < 0)
		return -EIO;
	if (hv_procdrv_load(&uc->pd, &uml_domain_class, err) < 0) {
		net_table_close(c);
		return -EIO;
	}
	c->priv = g_steal_pointer(&uc);
	hv_procdrv_opened(c);
	return 0;
}

static void
uml_close(HvConn *c)
{
	net_table_close(c); /* running networks stay too */
	/* running guests stay: the next open re-attaches them */
	g_clear_pointer((UmlConn **)&c->priv, uml_conn_free);
	memset(c->tables, 0, sizeof(c->tables));
}

const HvDriver hv_uml_driver = {
	.name = "uml",
	.schemes = (const char *const[]){ "uml", NULL },
	.open = uml_open,
	.close = uml_close,
	.node = &hv_procdrv_node_ops,
	.domain = &uml_domain_ops,
	.network = &net_table_ops,
};
