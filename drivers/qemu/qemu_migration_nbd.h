/* qemu_migration_nbd.h: copying a domain's disks while it migrates
 * (libvirt's --copy-storage-all and --copy-storage-inc), the parts of
 * qemu_migration.c's phases that do it (qemu_migration_nbd.c); what the two
 * ends tell each other goes in the migration cookie (qemu_migcookie.h). */
#pragma once
#include "drivers/qemu/qemu_domain.h"
#include "drivers/job.h"
#include "drivers/qemu/qemu_migcookie.h"

#define QEMU_MIG_COPY (HV_MIGRATE_NON_SHARED_DISK | HV_MIGRATE_NON_SHARED_INC)

/* The disk targets copy-storage copies (char*, owned): the writable disks
 * with a source, or those params' migrate_disks names. */
GPtrArray *qemu_nbd_wanted(const HvDomainDef *def, const GArray *params);

/* begin (source), lock held, d running: the disks to copy into out (an
 * initialised cookie): the writable disks with a source (params' migrate_disks, when
 * given, names them), with their sizes and formats from QEMU. */
int qemu_nbd_begin(QemuConn *qc, QemuDomain *d, const GArray *params, QemuMigCookie *out,
		   GError **err);

/* prepare (target), no lock held: each disk the cookie lists is there, in
 * def's place for it: an existing file or volume is used as it is (unless
 * it is the source's own file: shared storage), else a volume is created,
 * same size and format, in the pool named by <source pool=> or the pool
 * whose target path holds the file; with copy-storage-inc (flags) only the
 * top image moves, so a missing one is refused (ENOENT): it needs its
 * backing files, made by hand. *created gets "POOL/VOLUME" of each volume
 * made (owned; qemu_nbd_remove removes them). */
int qemu_nbd_precreate(QemuConn *qc, const HvDomainDef *def, const QemuMigCookie *in,
		       unsigned flags, GPtrArray **created, GError **err);
/* Deletes the volumes precreate made (NULL-safe; errors ignored). */
void qemu_nbd_remove(QemuConn *qc, GPtrArray *created);

/* prepare (target), no lock held, QEMU started -incoming: an NBD server on
 * listen:port exporting each disk of in, writable; out (an initialised
 * cookie) gets the port and the exports. */
int qemu_nbd_serve(QemuMon *m, const QemuMigCookie *in, const char *listen, unsigned port,
		   QemuMigCookie *out, GError **err);
/* finish (target), no lock held: the NBD server stops. */
void qemu_nbd_stop(QemuMon *m);

/* perform (source): the mirrors of one outgoing migration. */
typedef struct {
	GPtrArray *exports; /* char*: disk targets mirrored */
	uint64_t total, processed;
	bool started;
} QemuMirrors;

void qemu_mirrors_clear(QemuMirrors *mir);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QemuMirrors, qemu_mirrors_clear)
/* No lock held: drive-mirror of each export to nbd://host:port/drive-TARGET
 * (sync full for copy-storage-all, top for -inc, into the existing image),
 * at most speed bytes a second each (0: no limit). EPROTO when a disk of
 * wanted (qemu_nbd_wanted) is not among the exports. */
int qemu_mirrors_start(QemuMon *m, const char *name, const char *host, const QemuMigCookie *in,
		       const GPtrArray *wanted, unsigned flags, uint64_t speed,
		       QemuMirrors *mir, GError **err);
/* No lock held: one look at the mirrors (totals into mir); 1 when every one
 * is ready, 0 when not yet, -EIO when one vanished (it failed). */
int qemu_mirrors_poll(QemuMon *m, const char *name, QemuMirrors *mir, GError **err);
/* No lock held: ends every mirror (block-job-cancel; force: the copy is
 * given up) and waits until QEMU has none of them. */
int qemu_mirrors_end(QemuMon *m, const char *name, QemuMirrors *mir, bool force, GError **err);
/* The disk counters of mir into p. */
void qemu_mirrors_progress(const QemuMirrors *mir, HvJobProgress *p);
