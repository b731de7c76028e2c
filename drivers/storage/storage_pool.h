/* storage_pool.h: storage pools and volumes as the backends see them, and
 * what is done to them whatever the driver: start and stop through the
 * backend, refresh (with the volume events it implies), sizes, infos, the
 * volume XML, and volume create, resize and delete with their checks. A
 * StoragePool is the priv of a pool in a shared table (storage_class.h keeps
 * the table, its persistence, autostart and jobs; its core lock is held
 * around every call here); volume events are queued here on that core. */
#pragma once
#include "drivers/storage/storage_backend.h"
#include "drivers/core.h"

/* One volume as a backend reports it. */
struct StorageVol {
	char *name;
	char *key;            /* unique on the node: the path for files and devices */
	char *path;           /* where it is: a file, a device, an export or image name */
	char *type;           /* libvirt's volume type: file, block, dir, network, netdir */
	char *format;         /* raw, qcow2, ... (qemu-img's names) */
	char *backing;        /* backing file, or NULL */
	char *backing_format;
	uint64_t capacity;    /* virtual size */
	uint64_t allocation;  /* as of the last refresh (see vol_allocation) */
};

struct StoragePool {
	char *name;
	HvPoolDef *def;        /* the entry's current definition (borrowed: storage_class.c
				* points it at the entry's def before every call) */
	HvPoolState state;
	GHashTable *vols;      /* name -> StorageVol* (owned); empty while inactive */
	const StorageBackend *backend; /* of def->type */
	const StorageHost *host;       /* the driver's services (may be NULL) */
	void *priv;            /* the backend's state while active */
};

StorageVol *storage_vol_new(const char *name, const char *path);
void storage_vol_free(StorageVol *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StorageVol, storage_vol_free)
/* An empty volume table (name -> StorageVol*). */
GHashTable *storage_vol_table_new(void);

/* def is borrowed; backend: storage_backend_find(def->type), once
 * storage_pool_check_def accepted def. */
StoragePool *storage_pool_new(HvPoolDef *def, const StorageBackend *backend,
			      const StorageHost *host);
void storage_pool_free(StoragePool *p);

/* inactive -> active: the backend's start (or, when re-adopting after a
 * restart, its check), then a refresh. */
int storage_pool_start(StoragePool *p, HvCore *core, bool readopt, GError **err);
/* active -> inactive: the backend's stop; forgets the volumes (not reported:
 * an inactive pool lists none). */
int storage_pool_stop(StoragePool *p, GError **err);
/* Replaces the volume table with what the storage holds; volumes that came
 * or went are reported (created/deleted) so the tree's caches follow. */
int storage_pool_refresh(StoragePool *p, HvCore *core, GError **err);
void storage_pool_sizes(StoragePool *p, StorageSizes *out); /* zeros while inactive */
/* Without persistent and autostart (the table's). */
HvPoolInfo *storage_pool_info(StoragePool *p);
/* def formatted; p's own def (the live one) with its sizes now. */
char *storage_pool_xml(StoragePool *p, HvPoolDef *def);

/* Borrowed; ENOENT naming the pool when absent. */
StorageVol *storage_vol_find(StoragePool *p, const char *name, GError **err);
HvVolumeInfo *storage_vol_info(StoragePool *p, const StorageVol *v);
int storage_vol_xml(StoragePool *p, const StorageVol *v, char **xml, GError **err);
/* From a volume document; *name (owned) gets its name. Event `created`. */
int storage_vol_create(StoragePool *p, HvCore *core, const char *xml, char **name, GError **err);
/* A new volume from a document, cloned from volume src of the same pool the
 * backend's own way (vol_create_from: an RBD clone): 1 when it did (event
 * `created`), 0 when the backend has no such way (the caller copies the
 * bytes), -errno. */
int storage_vol_create_from(StoragePool *p, HvCore *core, const char *xml, const char *src,
			    char **name, GError **err);
/* Event `deleted`. */
int storage_vol_delete(StoragePool *p, HvCore *core, const char *name, GError **err);
/* Growing only unless STORAGE_RESIZE_SHRINK; event `resized BYTES`. */
int storage_vol_resize(StoragePool *p, HvCore *core, const char *name, uint64_t bytes,
		       unsigned flags, GError **err);
/* What a domain disk <source pool= volume=> becomes. */
int storage_vol_source(StoragePool *p, const char *name, StorageVolSource *out, GError **err);
