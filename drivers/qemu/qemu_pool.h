/* qemu_pool.h: the qemu driver's storage pools and volumes (qemu_pool.c,
 * qemu_volume.c): the table of pools behind their own mutex (never taken
 * with anything but the connection's emit path, so backend work never stalls
 * domain operations; a domain's start takes it inside the domain lock to
 * resolve a volume, never the reverse), their persistence under LIB/storage,
 * and the ops tables. Pools and volumes themselves are drivers/storage/'s. */
#pragma once
#include "drivers/qemu/qemu_conf.h"
#include "drivers/storage/storage_pool.h"

struct QemuStorage {
	char *dir;          /* LIB/storage: NAME.xml, autostart/NAME */
	char *run_dir;      /* RUN/storage: NAME present while the pool is active */
	GMutex lock;
	GHashTable *pools;  /* name -> StoragePool* (owned) */
};

extern const HvPoolOps qemu_pool_ops;
extern const HvVolumeOps qemu_volume_ops;

int qemu_storage_open(QemuConn *qc, const char *lib_dir, const char *run_dir, bool autostart,
		      GError **err);
void qemu_storage_close(QemuConn *qc);
QemuStorage *qemu_storage(HvConn *c);
/* Lock held: the pool, when it exists (ENOENT) and is active (EBUSY). */
StoragePool *qemu_pool_find(QemuStorage *st, const char *name, bool active, GError **err);
/* For the command line (QemuVolumeResolve, opaque: the QemuStorage): a
 * volume's path and format. */
int qemu_volume_resolve(void *opaque, const char *pool, const char *volume, char **path,
			char **format, GError **err);
