/* network_backend.h: the virtual network backend interface, for every driver
 * that has networks (qemu first, then LXC and UML); network_backend_for()
 * picks the one of a forward mode (network_bridge.c is the first).
 *
 * README. A backend runs one family of libvirt forward modes on the host:
 *   - "bridge": isolated (no <forward>), nat, route and open networks: a
 *     bridge of our own (the XML's name or the next free virbrN), its IPv4 and
 *     IPv6 addresses, one dnsmasq (DHCP, DNS) with its own config, pid and
 *     lease files under the network's state folder, and nftables rules in a
 *     table of our own (masquerade, forwarding, ip_forward); and <forward
 *     mode='bridge'> onto an existing host bridge (nothing to start but a check);
 *   - "macvtap": vepa, bridge, private and passthrough over a pool of host
 *     interfaces (<forward dev=><interface dev=/></forward>).
 * The driver keeps the network objects (definitions, persistence, autostart,
 * events, the `ports` and `leases` files) and its lock; a backend gets the
 * live definition and a folder for its runtime files, and keeps its own state
 * in NetworkObj.priv. start is all or nothing: what it made is undone before
 * it fails. A running network survives a restart of the driver: adopt finds
 * the bridge, dnsmasq and rules again from the state folder. Ports are what a
 * domain interface gets (<interface type='network'>, and 'direct' through the
 * macvtap backend with an implicit network): a tap on the bridge or a
 * macvtap, opened, handed back as descriptors the hypervisor driver passes to
 * its process; the host-side tap itself is made with drivers/network/
 * netdev_tap.h, which the qemu driver uses for <interface type='bridge'> today.
 * Every method returns 0 (or a count) or -errno with a GError naming the
 * network; a NULL method means the backend cannot do that (the caller says
 * so: EOPNOTSUPP). Methods run with the driver's network lock held, never
 * with a domain lock (a port is allocated before the domain's start takes
 * its own). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "drivers/driver.h"
#include "conf/network_conf.h"

typedef struct NetworkBackend NetworkBackend;

/* One network as a backend sees it. */
typedef struct {
	const char *name;
	const HvNetworkDef *def; /* the live definition */
	const char *state_dir;   /* RUN/network/NAME/: dnsmasq.conf, .pid, .leases, rules */
	const NetworkBackend *backend;
	void *priv;              /* the backend's runtime state while active */
} NetworkObj;

typedef enum {
	NETWORK_PORT_TAP,     /* a tap on the network's bridge */
	NETWORK_PORT_MACVTAP, /* a macvtap on one of the network's host interfaces */
} NetworkPortKind;

/* What a domain interface asks for. */
typedef struct {
	const char *domain;   /* the owner: `ports` shows it, adopt finds it again */
	const char *mac;      /* the guest's MAC (the driver fills 52:54:00:... when absent) */
	const char *ifname;   /* <target dev=> asked for, or NULL: vnetN / macvtapN */
	const char *portgroup; /* or NULL */
	bool link_down;       /* <link state='down'/> */
	bool vnet_hdr;        /* the hypervisor wants IFF_VNET_HDR (vhost-net) */
	unsigned queues;      /* descriptors wanted (multiqueue), 0 or 1: one */
	/* <bandwidth>, KiB/s and KiB, 0 for none; applied with tc on the device */
	uint64_t in_average, in_peak, in_burst;
	uint64_t out_average, out_peak, out_burst;
} NetworkPortReq;

/* What the hypervisor driver gets back. */
typedef struct {
	NetworkPortKind kind;
	char *ifname;   /* the host device */
	char *bridge;   /* tap: the bridge it is on; macvtap: NULL */
	char *parent;   /* macvtap: the host interface, and its mode: */
	char *mode;     /* vepa, bridge, private, passthrough */
	char *mac;      /* the host side's MAC (fe:... for a tap) */
	int *fds;       /* open descriptors (CLOEXEC) to hand to the hypervisor, owned */
	unsigned nfds;
} NetworkPort;

/* One DHCP lease (the `leases` file: MAC IP HOSTNAME EXPIRY): driver.h's. */
typedef HvNetworkLease NetworkLease;

struct NetworkBackend {
	const char *name; /* "bridge", "macvtap" */
	/* the <forward mode=> values it serves, NULL-terminated; "none" is an
	 * isolated network (no <forward>) */
	const char *const *modes;

	/* At define, and again at start against what runs then: refuses
	 * overlapping subnets, a bridge name in use, ranges outside their subnet,
	 * a missing forward device, hostile values in <dns>/<host> (newlines,
	 * dnsmasq options). others: HvNetworkDef* of the other networks. */
	int (*check_def)(const HvNetworkDef *def, GPtrArray *others, GError **err);
	/* Bridge, addresses, dnsmasq, nftables, ip_forward: all or nothing. */
	int (*start)(NetworkObj *n, GError **err);
	/* Removes every trace: no bridge, dnsmasq or table is left. */
	int (*stop)(NetworkObj *n, GError **err);
	/* After a restart of the driver, for a network that was active: takes the
	 * running bridge, dnsmasq and rules back; *alive false when they are gone
	 * (the driver then starts it again or marks it inactive). */
	int (*adopt)(NetworkObj *n, bool *alive, GError **err);
	/* A new definition for an active network: applies live what can be
	 * (DHCP hosts and ranges, DNS hosts, srv, txt: libvirt's net-update) and
	 * appends to pending, one line each, what waits for the next start. */
	int (*update)(NetworkObj *n, const HvNetworkDef *newdef, GString *pending, GError **err);

	/* A device for a domain interface, made and opened; *out owned. */
	int (*port_alloc)(NetworkObj *n, const NetworkPortReq *req, NetworkPort **out,
			  GError **err);
	/* The domain let it go (or was never started): the device goes. */
	int (*port_release)(NetworkObj *n, const NetworkPort *port, GError **err);
	/* <link state=> of a running domain changed. */
	int (*port_set_link)(NetworkObj *n, const NetworkPort *port, bool up, GError **err);
	/* *out: NetworkLease*, from dnsmasq's lease file. */
	int (*leases)(NetworkObj *n, GPtrArray **out, GError **err);
};

extern const NetworkBackend network_bridge_backend;
extern const NetworkBackend network_macvtap_backend;

/* network_macvtap.c: the host interface a new macvtap of def goes on (the
 * first of its pool that exists) and the mode, both owned; ENOENT when none. */
int network_macvtap_pick(const HvNetworkDef *def, char **parent, char **mode, GError **err);

/* The backend that serves def's forward mode, or NULL with EOPNOTSUPP saying
 * why (hostdev needs SR-IOV hardware). */
const NetworkBackend *network_backend_for(const HvNetworkDef *def, GError **err);
