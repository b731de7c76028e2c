/* qemu_migration.h: the migration phases of the qemu driver (qemu_migration.c),
 * its domain ops migrate_begin .. migrate_confirm (driver.h). No lock held. */
#pragma once
#include "drivers/qemu/qemu_domain.h"

int qemu_migrate_begin(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		       unsigned flags, char **xml, GError **err);
int qemu_migrate_prepare(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			 char **uri, GError **err);
int qemu_migrate_perform(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
			 unsigned flags, GError **err);
int qemu_migrate_finish(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			bool cancelled, GError **err);
int qemu_migrate_confirm(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
			 unsigned flags, bool cancelled, GError **err);
int qemu_migrate_completed(HvConn *c, const char *name, HvJobInfo *out, GError **err);
/* For the tunnel (qemu_migration_tunnel.c): prepare with QEMU receiving at
 * incoming (a QEMU -incoming URI), no disks copied; and perform sending to
 * target (a QEMU migration URI; host: the NBD mirrors' host, or NULL). */
int qemu_migrate_prepare_at(HvConn *c, const GArray *params, unsigned flags,
			    const char *incoming, GError **err);
int qemu_migrate_send(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		      unsigned flags, const char *target, const char *host, GError **err);
int qemu_migrate_prepare_tunnel(HvConn *c, const GArray *params, HvMigCookie *ck,
				unsigned flags, HvDataStream **st, GError **err);
int qemu_migrate_perform_tunnel(HvConn *c, const char *name, const GArray *params,
				HvMigCookie *ck, unsigned flags, HvDataStream *st, GError **err);

#define QEMU_MIGRATION_OPS                              \
	.migrate_begin = qemu_migrate_begin,            \
	.migrate_prepare = qemu_migrate_prepare,        \
	.migrate_perform = qemu_migrate_perform,        \
	.migrate_finish = qemu_migrate_finish,          \
	.migrate_confirm = qemu_migrate_confirm,        \
	.get_completed_job = qemu_migrate_completed,     \
	.migrate_prepare_tunnel = qemu_migrate_prepare_tunnel, \
	.migrate_perform_tunnel = qemu_migrate_perform_tunnel
