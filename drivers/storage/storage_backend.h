/* storage_backend.h: the pool backend interface, for every driver that has
 * storage pools (qemu now; LXC and UML next). A backend is what one pool type
 * (dir, fs, netfs, disk, iscsi, iscsi-direct, logical, rbd, scsi, mpath) does
 * to real storage: one const table of methods, found by type
 * (storage_backend_find). A NULL method means the type cannot do that; callers
 * go through STORAGE_CALL, which answers EOPNOTSUPP naming the pool, its type
 * and the operation, so no caller repeats that check.
 *
 * The pool objects (StoragePool, StorageVol) and the logic on them that no
 * driver owns (refresh, sizes, volume create/resize/delete checks, volume XML)
 * are in storage_pool.h. The driver keeps the table of pools, their
 * persistence and locking; every method runs with the driver's storage lock
 * held (so a method that runs long, a clone or an upload, gets a job of its
 * own from the driver before it is called). Nothing here includes a driver's
 * private header; what a backend needs from its driver comes through
 * StorageHost. Every method returns 0 (or a count) or -errno with a GError. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "drivers/driver.h"
#include "conf/storage_conf.h"

typedef struct StorageBackend StorageBackend;
typedef struct StoragePool StoragePool;
typedef struct StorageVol StorageVol;
typedef struct StorageStream StorageStream;

/* build flags (libvirt's VIR_STORAGE_POOL_BUILD_*): without either, a backend
 * that would destroy data (mkfs, a new partition table, pvcreate) refuses when
 * it finds some, as with NO_OVERWRITE. */
enum {
	STORAGE_BUILD_OVERWRITE = 1 << 0,    /* make it anew over what is there */
	STORAGE_BUILD_NO_OVERWRITE = 1 << 1, /* refuse when a file system or label exists */
};

/* delete flags (libvirt's VIR_STORAGE_POOL_DELETE_*) */
enum {
	STORAGE_DELETE_ZEROED = 1 << 0, /* zero the storage before letting it go */
};

/* vol_resize flags (libvirt's VIR_STORAGE_VOL_RESIZE_*) */
enum {
	STORAGE_RESIZE_ALLOCATE = 1 << 0, /* allocate the new space now */
	STORAGE_RESIZE_SHRINK = 1 << 1,   /* allowed to shrink (never below allocation) */
};

/* vol_wipe algorithms: libvirt's virStorageVolWipeAlgorithm numbering */
typedef enum {
	STORAGE_WIPE_ZERO = 0,
	STORAGE_WIPE_RANDOM = 8,
	STORAGE_WIPE_TRIM = 9,
} StorageWipeAlgorithm;

/* What a backend asks of the driver that holds the pool; set by the driver
 * when it makes the pool (storage_pool_new). Any method may be NULL. */
typedef struct {
	/* The value of a secret named by the pool's <auth> or <encryption>
	 * (usage type "iscsi", "ceph"; usage id or uuid): *value owned by the
	 * caller, to be wiped after use. */
	int (*secret_value)(void *opaque, const char *usage_type, const char *usage_or_uuid,
			    GBytes **value, GError **err);
	/* How far a long volume job (upload, create_from, wipe) got: a `job` file
	 * shows it. Called without the storage lock. */
	void (*progress)(void *opaque, const char *pool, const char *vol, uint64_t done,
			 uint64_t total);
	void *opaque;
} StorageHost;

/* A pool's sizes in bytes (0 when not known). */
typedef struct {
	uint64_t capacity;
	uint64_t allocation;
	uint64_t available;
} StorageSizes;

/* How a hypervisor reaches a volume: a local file or block device (path), or a
 * network protocol that the hypervisor speaks itself (nfs, iscsi, rbd). */
typedef struct {
	char *type;     /* file, block, network */
	char *path;     /* file or block: the path; network: the image/LUN/export name */
	char *format;   /* raw, qcow2, ... */
	char *protocol; /* network: nfs, iscsi, rbd; else NULL */
	GPtrArray *hosts; /* network: char* "host[:port]" */
	char *auth_user; /* network with authentication: the user, and the secret */
	char *auth_secret_usage; /* ... by usage id (StorageHost.secret_value) */
	GBytes *auth_secret;     /* its value where the caller asked for it
				  * (storage_volume_resolve): the secret store's */
} StorageVolSource;

void storage_vol_source_clear(StorageVolSource *s);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StorageVolSource, storage_vol_source_clear)
/* The URL of a network source for QEMU's block drivers: nfs://HOST/PATH,
 * iscsi://HOST[:PORT]/IQN/LUN (path's leading '/' or not), or NULL for a
 * protocol there is no row for (storage_pool.c). */
char *storage_network_url(const char *protocol, const char *host, const char *path);
/* QEMU's rbd: spec of an rbd source (protocol rbd, path POOL/IMAGE), as
 * libvirt writes it: the cephx user (its key goes in a secret object) or no
 * auth, then the monitors with ':' and the separators escaped:
 * rbd:POOL/IMAGE:id=USER:auth_supported=cephx\;none:mon_host=H\:P\;H2 */
char *storage_rbd_spec(const StorageVolSource *v);

/* A byte stream into (upload) or out of (download) a volume, from offset for
 * length bytes (0: to the end). The driver moves the bytes (a FUSE write, an
 * RPC stream) and calls finish when all came, or abort. The caller may move
 * offset between calls (a reader or writer that seeks: cp --sparse, dd
 * seek=); a stream that cannot follow answers ESPIPE. finish may be called
 * more than once (each close(2) of a descriptor makes the bytes durable);
 * end is UINT64_MAX for an upload that may grow its volume (a file). */
typedef struct {
	/* download: at most len bytes into buf; 0 at the end */
	gssize (*read)(StorageStream *s, void *buf, size_t len, GError **err);
	/* upload: all of buf, or -errno */
	int (*write)(StorageStream *s, const void *buf, size_t len, GError **err);
	/* all bytes came: flush, then the volume's facts are refreshed */
	int (*finish)(StorageStream *s, GError **err);
	/* given up, or after finish: frees the stream */
	void (*close)(StorageStream *s);
	/* upload into a file: cuts it to bytes (a copy that makes the volume
	 * replaces what its creation wrote). NULL: a device, nothing to cut. */
	int (*truncate)(StorageStream *s, uint64_t bytes, GError **err);
	/* a local file or device: HvDataStreamOps.span. NULL: none (a library's
	 * volume: libnfs, librbd, libiscsi). */
	gssize (*span)(StorageStream *s, size_t len, int *fd, off_t *pos, GError **err);
} StorageStreamOps;

struct StorageStream {
	const StorageStreamOps *ops;
	uint64_t offset; /* where the next byte goes to or comes from */
	uint64_t end;    /* where the stream stops */
	void *priv;      /* the backend's: a descriptor, a libnfs or librbd handle */
};

struct StorageBackend {
	const char *type; /* the <pool type=> it serves */
	/* Whether this host serves the type this way (netfs: a kernel mount
	 * where the kernel has NFS, else libnfs). NULL: always. The table's
	 * first available row of a type is the type's backend. */
	bool (*available)(void);

	/* ---- pools */
	/* At define: does the document say what this type needs (a source
	 * device, host, target)? NULL: nothing to check. */
	int (*check_def)(const HvPoolDef *def, GError **err);
	/* mkdir, mkfs, a partition table, pvcreate + vgcreate (flags above) */
	int (*build)(StoragePool *p, unsigned flags, GError **err);
	/* After a restart of the driver, for a pool that was active: is it up
	 * still (mounted, logged in, the VG active)? *active says; p->priv may
	 * be set as start would. NULL: start it again. */
	int (*check)(StoragePool *p, bool *active, GError **err);
	/* Make the pool usable: mount, log in, vgchange -ay; may set p->priv.
	 * All or nothing. */
	int (*start)(StoragePool *p, GError **err);
	/* The reverse of start: unmount, log out; frees p->priv. */
	int (*stop)(StoragePool *p, GError **err);
	/* Remove the pool's storage (rmdir, wipe the label, vgremove). */
	int (*delete)(StoragePool *p, unsigned flags, GError **err);
	/* Fills vols (name -> StorageVol*, owned by the table) with what the
	 * storage holds now. */
	int (*refresh)(StoragePool *p, GHashTable *vols, GError **err);
	/* The pool's sizes now (cheap: called on every info). NULL: zeros. */
	void (*sizes)(StoragePool *p, StorageSizes *out);

	/* ---- volumes (the pool is active) */
	/* A new volume from def (name, capacity, format, backing store). */
	int (*vol_create)(StoragePool *p, const HvVolumeDef *def, StorageVol **out, GError **err);
	/* A new volume from def, filled with the content of src (a volume of
	 * src_pool, which may be p or a pool of another type). */
	int (*vol_create_from)(StoragePool *p, const HvVolumeDef *def, StoragePool *src_pool,
			       StorageVol *src, StorageVol **out, GError **err);
	int (*vol_delete)(StoragePool *p, StorageVol *v, GError **err);
	/* To bytes (flags above); updates v. The caller has checked the flags. */
	int (*vol_resize)(StoragePool *p, StorageVol *v, uint64_t bytes, unsigned flags,
			  GError **err);
	int (*vol_wipe)(StoragePool *p, StorageVol *v, StorageWipeAlgorithm alg, GError **err);
	/* What v takes now (cheap: called on every info). NULL: v->allocation as
	 * of the last refresh. */
	uint64_t (*vol_allocation)(StoragePool *p, const StorageVol *v);
	/* How a domain reaches v. NULL: v->path, a local file (type file) or
	 * device (type block), in v->format. */
	int (*vol_source)(StoragePool *p, const StorageVol *v, StorageVolSource *out,
			  GError **err);
	int (*vol_upload)(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
			  StorageStream **out, GError **err);
	int (*vol_download)(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
			    StorageStream **out, GError **err);
	/* Adds what the live pool document shows of the storage now (a disk's
	 * <freeExtent>s) to src: a copy's <source><device>, else its <source>.
	 * NULL: nothing. */
	void (*source_xml)(StoragePool *p, xmlNode *src);
	/* The driver lets the pool object go (it closes) while the pool stays
	 * active: frees p->priv and touches no storage. NULL: nothing held. */
	void (*release)(StoragePool *p);
};

/* The backend of a pool type, or NULL. */
const StorageBackend *storage_backend_find(const char *type);
/* The types there are backends for, space-separated ("dir"), for messages. */
const char *storage_backend_types(void);
/* May a pool be defined from def? EOPNOTSUPP when no backend serves its type
 * (naming the driver that refuses, "qemu", and the types there are), else the
 * backend's own check of the document. */
int storage_pool_check_def(const HvPoolDef *def, const char *driver, GError **err);

/* -EOPNOTSUPP: pool p's type cannot do what ("build", "volume wipe"...)
 * (storage_pool.c). */
int storage_backend_refuse(const StoragePool *p, const char *what, GError **err);

/* Calls p's backend method, or refuses clearly when the type lacks it:
 *     r = STORAGE_CALL(p, build, "build", err, flags);    */
#define STORAGE_CALL(p, method, what, err, ...)                                          \
	((p)->backend->method ? (p)->backend->method((p), ##__VA_ARGS__, (err))            \
			      : storage_backend_refuse((p), (what), (err)))

/* storage_backend_dir.c */
extern const StorageBackend storage_backend_dir;
/* storage_backend_fs.c */
extern const StorageBackend storage_backend_fs;
/* storage_backend_disk.c */
extern const StorageBackend storage_backend_disk;
/* storage_backend_logical.c */
extern const StorageBackend storage_backend_logical;
/* storage_backend_scsi.c: scsi and mpath (refused where the host lacks them),
 * sheepdog (always refused) */
extern const StorageBackend storage_backend_scsi, storage_backend_mpath,
	storage_backend_sheepdog;
/* storage_backend_iscsi.c (with libiscsi), else storage_backend_none.c's
 * refusal naming the library it was built without: iscsi-direct, and iscsi
 * (libvirt's kernel-initiator type, served through libiscsi here too) */
extern const StorageBackend storage_backend_iscsi_direct, storage_backend_iscsi;
/* storage_backend_netfs.c: netfs mounted with the kernel's NFS client, where
 * there is one (or HYPERFS_NETFS=mount); storage_netfs_libnfs.c (with
 * libnfs, else storage_backend_none.c's refusal): netfs through the
 * userspace libnfs client, everywhere else */
extern const StorageBackend storage_backend_netfs_mount, storage_backend_netfs_libnfs;
/* storage_backend_rbd.c (with librbd and librados), else storage_backend_none.c's
 * refusal */
extern const StorageBackend storage_backend_rbd;
