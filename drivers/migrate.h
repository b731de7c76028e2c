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
