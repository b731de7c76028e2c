/* migrate.h: one migration of a domain between two connections, the
 * sequence of libvirt's virDomainMigrateVersion3Full over the driver API's
 * phases (driver.h: migrate_begin .. migrate_confirm), so that any two
 * drivers that have them (qemu, and remote nodes through hyperfsd) can move
 * a domain between them. mv between two nodes of one mount uses it. */
#pragma once
#include "drivers/driver.h"

/* Moves name from src to dst: live, or with HV_MIGRATE_OFFLINE its
 * definition only. params (HvParam, may be NULL) and flags as the phases
 * take them; migrate_uri defaults to tcp://HOST of dst's URI when it names
 * a host. On failure the domain is left running on src (confirm cancelled)
 * and err says why; the errno is perform's (or the first that failed). */
int hv_migrate(HvConn *src, HvConn *dst, const char *name, const GArray *params,
	       unsigned flags, GError **err);

/* How hv_migrate_how runs the phases (NULL: as hv_migrate). With
 * HV_MIGRATE_TUNNELLED in flags the guest goes through a stream between
 * prepare_tunnel on dst and perform_tunnel on src (driver.h). */
typedef struct {
	bool watch_dst; /* perform is aborted when dst's is_alive says it went away (EIO) */
} HvMigrateHow;

int hv_migrate_how(HvConn *src, HvConn *dst, const char *name, const GArray *params,
		   unsigned flags, const HvMigrateHow *how, GError **err);

/* A peer-to-peer migration (libvirt's Perform3Params with PEER2PEER, run by
 * the source's daemon; migrate_p2p.c): src's daemon opens dconnuri itself
 * with the remote driver's client settings (the URI's own parameters:
 * pkipath=, keyfile=, known_hosts=, no_verify=, ...) and runs the sequence
 * above between src and it, tunnelled with HV_MIGRATE_TUNNELLED. Refused
 * before anything changes: libvirt's tunnelled rules (no migrate_uri,
 * listen_address or disks_port, no copy-storage, no post-copy, not
 * offline) with EPROTONOSUPPORT (libvirt's "operation unsupported") or
 * EINVAL; a destination that is no other daemon's URI (EINVAL) or would run
 * a command here (ext, command=: EPERM); an open that fails with its errno. */
int hv_migrate_p2p(HvConn *src, const char *name, const char *dconnuri, const GArray *params,
		   unsigned flags, GError **err);
