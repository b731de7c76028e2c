/* qemu_snapmeta.h: the snapshot metadata of the qemu driver
 * (qemu_snapmeta.c), after libvirt's LIB/qemu/snapshot/DOMAIN/NAME.xml: one
 * domainsnapshot document a snapshot, written atomically (temp file, fsync,
 * rename), and DOMAIN/current naming the current one. The tree of parents
 * and children is read back from the files, so it survives a restart. Lock
 * held by the callers (the files change only under it). */
#pragma once
#include "conf/snapshot_conf.h"
#include "drivers/qemu/qemu_conf.h"

/* The snapshot, or NULL and ENOENT naming it. */
HvSnapshotDef *qemu_snapmeta_load(QemuConn *qc, const char *dom, const char *name,
				  GError **err);
bool qemu_snapmeta_exists(QemuConn *qc, const char *dom, const char *name);
int qemu_snapmeta_store(QemuConn *qc, const char *dom, const HvSnapshotDef *def, GError **err);
int qemu_snapmeta_remove(QemuConn *qc, const char *dom, const char *name, GError **err);
/* Every snapshot of dom (HvSnapshotDef*), parents before children. */
GPtrArray *qemu_snapmeta_all(QemuConn *qc, const char *dom);
/* The current snapshot's name (owned), or NULL. */
char *qemu_snapmeta_current(QemuConn *qc, const char *dom);
int qemu_snapmeta_set_current(QemuConn *qc, const char *dom, const char *name, GError **err);
/* What list and get_info show of def among all. */
HvSnapshotInfo *qemu_snapmeta_info(const HvSnapshotDef *def, GPtrArray *all,
				   const char *current);
/* Whether def keeps anything outside the disks' own images. */
bool qemu_snapmeta_external(const HvSnapshotDef *def);
/* The domain's folder of snapshot metadata goes (undefine). */
void qemu_snapmeta_forget_domain(QemuConn *qc, const char *dom);
