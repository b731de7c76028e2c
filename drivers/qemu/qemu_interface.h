/* qemu_interface.h: the host side of a domain's network interfaces (libvirt's
 * qemu_interface): which interfaces get a tap and on which bridge (asked by
 * the command-line builder), the taps made before QEMU is spawned (through
 * drivers/network/netdev_tap.h, which network backends share), their names
 * in the live definition, and their end with QEMU. All of the qemu driver's
 * tap code is here. */
#pragma once
#include "conf/domain_conf.h"

/* Where an <interface type='network'> goes: a bridge (a tap on it), or for a
 * macvtap network a host interface and mode (a macvtap on it). Owned. */
typedef struct {
	char *bridge;
	char *parent, *mode;
} QemuNetTarget;

/* An <interface type='network'>: where that network puts it, or -errno with
 * a message. */
typedef int (*QemuNetworkResolve)(void *opaque, const char *network, QemuNetTarget *out,
				  GError **err);

/* A tap the process layer creates before spawning QEMU (TUNSETIFF), attaches
 * to bridge and hands over as descriptor fd (numbered from QEMU_TAP_FD_BASE,
 * in interface order). */
typedef struct QemuTap {
	unsigned iface; /* index in def->interfaces */
	char *bridge;   /* a tap on it, or NULL: a macvtap on parent: */
	char *parent, *mode;
	char *guest_mac; /* a macvtap has the guest's own MAC */
	char *ifname;   /* <target dev=> asked for, or NULL: vnet%d */
	char *mac;      /* the tap's own MAC: the guest's with 0xfe first, as libvirt */
	int fd;         /* the number QEMU gets */
} QemuTap;

#define QEMU_TAP_FD_BASE 3

void qemu_tap_free(QemuTap *t);

/* Whether interface n is a tap (bridge, network, direct: a macvtap is read
 * as a tap); user is QEMU's own. */
bool qemu_interface_is_tap(const HvDomainNetDef *n);
/* Interface k (a tap) of def: its bridge (resolve_network for a network; NULL
 * refuses them, saying there is no network backend), one more QemuTap in
 * taps (NULL: taps refused), *fd the number QEMU will know it by. */
int qemu_interface_plan_tap(const HvDomainDef *def, guint k, const HvDomainNetDef *n,
			    GPtrArray *taps, QemuNetworkResolve resolve_network, void *opaque,
			    int *fd, GError **err);
/* QemuNetworkResolve through the connection's own network ops (opaque: the
 * HvConn): the network must be active and have a bridge, or be a macvtap
 * network (drivers/network/network_macvtap.c picks its interface). Called under the
 * domain lock: a network backend must not take it. */
int qemu_interface_resolve_network(void *opaque, const char *network, QemuNetTarget *out,
				   GError **err);

/* Creates the taps planned (QemuTap*) for domain dom: fds (int) gets their
 * descriptors in order, live's interfaces their names (<target dev=>). On
 * failure no tap is left. */
int qemu_interface_open_taps(const char *dom, HvDomainDef *live, GPtrArray *taps, GArray *fds,
			     GError **err);
void qemu_interface_close_fds(GArray *fds);
/* The taps of a running domain's live definition (char*, owned). */
GPtrArray *qemu_interface_taps_of(const HvDomainDef *def);
/* The set_link arguments (JSON, owned) of the interfaces of def whose
 * <link state='down'/>: sent before the guest first runs, so it never sees
 * a carrier there. */
GPtrArray *qemu_interface_links_down(const HvDomainDef *def);
/* QEMU is gone: its macvtaps go (a tap goes with its last descriptor, a
 * macvtap does not), and so do the policers of <bandwidth> (an nftables
 * table outlives its device). */
void qemu_interface_release(const HvDomainDef *def);
/* After QEMU is gone: waits (at most 2 s) until the kernel dropped them, so
 * a script that destroyed the domain sees no tap. */
void qemu_interface_wait_gone(GPtrArray *taps);
