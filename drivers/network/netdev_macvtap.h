/* netdev_macvtap.h: macvtap devices on a host interface, for
 * <interface type='direct'> and the macvtap network backend: made with the
 * guest's MAC (a macvtap delivers only frames for its own MAC) in one of
 * libvirt's modes, brought up, and opened as a tap descriptor the hypervisor
 * reads and writes (QEMU's -netdev tap,fd=N). Unlike a tap, a macvtap
 * outlives its descriptors: netdev_macvtap_delete removes it. */
#pragma once
#include <stdbool.h>
#include "util/error.h"

typedef struct {
	const char *parent; /* the host interface (<source dev=>, a forward <interface>) */
	const char *mode;   /* vepa (default), bridge, private, passthrough */
	const char *mac;    /* the guest's MAC, or NULL: the kernel's */
	const char *ifname; /* the name asked for, or NULL: the next free macvtapN */
} NetdevMacvtapReq;

/* Whether mode is one of libvirt's four (NULL: vepa). */
bool netdev_macvtap_mode_ok(const char *mode);
/* Creates and opens the macvtap for domain dom: *ifname its name, *fd its
 * descriptor (CLOEXEC). Nothing is left behind on failure. */
int netdev_macvtap_create(const char *dom, const NetdevMacvtapReq *req, char **ifname, int *fd,
			  GError **err);
/* Removes it (best effort: quiet when it is gone already). */
void netdev_macvtap_delete(const char *ifname);
/* A macvlan on req->parent in req->mode (libvirt's <interface type='direct'>
 * of a container: no tap, the device itself goes in), made as req->ifname and
 * moved into the network namespace of pid as inside, in one step. It goes
 * with that namespace; nothing is left behind on failure. */
int netdev_macvlan_into(const char *dom, const NetdevMacvtapReq *req, int pid, const char *inside,
			GError **err);
