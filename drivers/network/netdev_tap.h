/* netdev_tap.h: host-side network devices that hypervisor drivers and network
 * backends share: taps on a bridge (TUNSETIFF, not persistent: a tap lives as
 * long as a descriptor of it is open), whether a device exists, and a device's
 * counters from /proc/net/dev (the network namespace of this process, as the
 * taps are; /sys shows that of whoever mounted it). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "util/error.h"

/* A tap to create. */
typedef struct {
	const char *bridge; /* attach it to this bridge (given the bridge's MTU) */
	const char *ifname; /* the name asked for, or NULL: the kernel's next vnet%d */
	const char *mac;    /* the tap's own MAC ("fe:54:00:..."), or NULL */
} NetdevTapReq;

typedef struct {
	uint64_t rx_bytes, rx_pkts, rx_errs, rx_drop; /* as the guest sees them */
	uint64_t tx_bytes, tx_pkts, tx_errs, tx_drop;
} NetdevCounters;

/* Creates the tap for domain dom (named in messages), attaches it to the
 * bridge, brings it up: *ifname its name, *fd its descriptor (CLOEXEC). Nothing
 * is left behind on failure. */
int netdev_tap_create(const char *dom, const NetdevTapReq *req, char **ifname, int *fd,
		      GError **err);
bool netdev_exists(const char *ifname);
/* The kernel unregisters a tap a moment after its last descriptor closed:
 * waits (at most timeout_us) until none of names (char*) exists. */
void netdev_wait_gone(GPtrArray *names, int64_t timeout_us);
/* Counters of ifname, swapped to the guest's view (the host's receive is the
 * guest's transmit, as libvirt shows them); -1: no such device. */
int netdev_counters(const char *ifname, NetdevCounters *c);
