/* qemu_storage.h: the qemu driver's storage pools and volumes (qemu_pool.c,
 * qemu_volume.c) over a backend table keyed by pool type (storage_dir.c is the
 * only row so far). Pools live behind their own mutex, never taken together
 * with anything but the connection's emit path, so qemu-img runs never stall
 * domain operations. Definitions persist under LIB/storage like domains. */
#pragma once
#include <sys/types.h>
#include "drivers/driver.h"
#include "conf/storage_conf.h"

typedef struct QemuConn QemuConn;

/* One volume as the backend sees it: a file in the pool's target folder. */
typedef struct {
	char *name;
	char *path;
	char *format;       /* raw, qcow2, ... (qemu-img's name) */
	char *backing;      /* backing file, or NULL */
	char *backing_format;
	uint64_t capacity;  /* virtual size */
} QemuVolume;

typedef struct {
	char *name;
	HvPoolDef *def;    /* the live definition while active, else the persistent one */
	HvPoolDef *newdef; /* while active: a redefinition applied at stop */
	HvPoolState state;
	bool autostart;
	GHashTable *vols;  /* name -> QemuVolume* (owned); empty while inactive */
} QemuPool;

/* A backend: what a pool type does to real storage. NULL: not supported.
 * Every method runs with the storage lock held and returns 0 or -errno. */
typedef struct {
	const char *type;
	int (*build)(const QemuPool *p, GError **err);
	int (*check)(const QemuPool *p, GError **err); /* may the pool start? */
	int (*delete)(const QemuPool *p, GError **err);
	/* fills *out (name -> QemuVolume*) with what the storage holds now */
	int (*scan)(const QemuPool *p, GHashTable *out, GError **err);
	void (*sizes)(const QemuPool *p, uint64_t *cap, uint64_t *alloc, uint64_t *avail);
	int (*vol_create)(const QemuPool *p, const HvVolumeDef *def, QemuVolume **out,
			  GError **err);
	int (*vol_delete)(const QemuPool *p, const QemuVolume *v, GError **err);
	int (*vol_resize)(const QemuPool *p, QemuVolume *v, uint64_t bytes, GError **err);
	uint64_t (*vol_allocation)(const QemuVolume *v);
} QemuStorageBackend;

typedef struct {
	char *dir;          /* LIB/storage: NAME.xml, autostart/NAME */
	char *run_dir;      /* RUN/storage: NAME present while the pool is active */
	GMutex lock;
	GHashTable *pools;  /* name -> QemuPool* (owned) */
} QemuStorage;

/* storage_dir.c */
extern const QemuStorageBackend qemu_storage_dir;
void qemu_volume_free(QemuVolume *v);
/* qemu-img info --output=json of path: format, virtual size, backing file. */
int qemu_img_info(const char *path, QemuVolume *v, GError **err);

/* qemu_pool.c */
extern const HvPoolOps qemu_pool_ops;
const QemuStorageBackend *qemu_storage_backend(const char *type);
int qemu_storage_open(QemuConn *qc, const char *lib_dir, const char *run_dir, bool autostart,
		      GError **err);
void qemu_storage_close(QemuConn *qc);
QemuStorage *qemu_storage(HvConn *c);
/* Lock held: the pool, when it exists (ENOENT) and is active (EBUSY). */
QemuPool *qemu_pool_find(QemuStorage *st, const char *name, bool active, GError **err);

/* qemu_volume.c */
extern const HvVolumeOps qemu_volume_ops;
/* For the command line (QemuVolumeResolve): a volume's path and format. */
int qemu_volume_resolve(void *opaque, const char *pool, const char *volume, char **path,
			char **format, GError **err);
