/* network_table.h: the virtual networks of a driver whose guests run on this
 * host (qemu, LXC, UML): a network table on the shared plumbing
 * (drivers/objtab.h, served by drivers/objops.h's network ops), persisted
 * under LIB/network (RUN/network while active), run by the backends of
 * drivers/network/. A driver opens it with net_table_open and lists
 * net_table_ops; its domains find a network's bridge through the
 * connection's network ops, never by calling in here. */
#pragma once
#include "drivers/driver.h"
#include "drivers/objtab.h"

/* The network ops of such a driver: the shared ones (objops.h) plus
 * leases and ports. */
extern const HvNetworkOps net_table_ops;

/* Loads the stored networks into c->tables[HV_OBJ_NETWORK], takes back those
 * that were active (their bridge, dnsmasq and rules kept running) and, when
 * autostart, starts those marked so. */
int net_table_open(HvConn *c, const char *lib_dir, const char *run_dir, bool autostart,
		      GError **err);
/* Frees the table; running networks keep running. NULL-safe for a conn
 * without networks. */
void net_table_close(HvConn *c);

/* net_table_ports.c. Lock held: the leases of o (none while inactive),
 * state its state folder. */
int net_table_leases_locked(HvObjTab *t, HvEntry *o, const char *state, GPtrArray **out,
			       GError **err);
/* HvNetworkOps.get_ports and HvDomainOps.get_addresses. */
int net_table_ports(HvConn *c, const char *name, GPtrArray **out, GError **err);
int net_table_dom_addresses(HvConn *c, const char *name, GPtrArray **out, GError **err);

/* The bridge of network (owned) for a domain interface of a driver that
 * listed net_table_ops (or any driver, through c's network ops): the network
 * must exist (ENOENT), be active (EBUSY) and have a bridge (EOPNOTSUPP: a
 * macvtap network). Takes the network lock only: callable under a domain's. */
int net_table_bridge_of(HvConn *c, const char *network, char **bridge, GError **err);

/* The table's opaque. */
typedef struct {
	HvCore core;
	char *state_root; /* RUN/network-state */
	GHashTable *pending; /* name -> what of a redefinition waits for the next start */
} NetTables;

/* RUN/network-state/NAME (owned): a backend's runtime files. */
static inline char *
net_table_state_dir(HvObjTab *t, const char *name)
{
	return g_build_filename(((NetTables *)t->opaque)->state_root, name, NULL);
}
/* net_table_update.c: HvNetworkOps.update (virNetworkUpdate). */
int net_table_update(HvConn *c, const char *name, unsigned command, unsigned section,
			int parent_index, const char *xml, unsigned flags, GError **err);

/* net_table_live.c. After a define of network name: when it is active, what
 * can be applied live of its new definition is (DHCP ranges and hosts, DNS
 * hosts, SRV, TXT), and what waits for its next start is noted. */
int net_table_redefined(HvConn *c, const char *name, GError **err);
/* Lock held: that note ("<forward>, <ip>"; owned, NULL: none), and its end
 * (the network started or stopped). */
char *net_table_pending_locked(HvObjTab *t, const char *name);
void net_table_pending_clear_locked(HvObjTab *t, const char *name);
