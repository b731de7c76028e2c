/* storage_class.h: storage pools and volumes for any local driver (qemu now;
 * LXC and UML next): the pool class of the shared tables (drivers/objtab.h:
 * define, undefine, autostart, persistence in LIB/storage/NAME.xml with
 * autostart/NAME, RUN/storage/NAME while active, per-pool jobs), its verbs
 * start, stop, build, refresh and delete through the pool's backend
 * (storage_backend.h), and the volume class (a pool's children: create,
 * delete, resize through storage_pool.h). A driver opens the tables at
 * connect (they go into c->tables[HV_OBJ_POOL]) and lists hv_objops_pool and
 * hv_objops_volume in its HvDriver. The tables have a core (lock, events)
 * of their own, so that backend work never stalls the driver's domains; a
 * driver may take it inside its own lock (a domain start resolving a volume),
 * never the reverse. */
#pragma once
#include "drivers/objtab.h"
#include "drivers/storage/storage_pool.h"

typedef struct StorageTables StorageTables;

extern const HvObjClass storage_pool_class;

/* The pool table of c under lib_dir/storage and run_dir/storage (made when
 * missing): stored pools loaded, those that were active re-adopted (the
 * backend's check) and, with autostart, the autostart ones started. driver
 * names the driver in messages ("qemu": "storage pool type 'x' is not
 * supported by the qemu driver"). Sets c->tables[HV_OBJ_POOL]. */
StorageTables *storage_tables_open(HvConn *c, const char *driver, const char *lib_dir,
				   const char *run_dir, bool autostart, GError **err);
/* NULL-safe; clears c->tables[HV_OBJ_POOL]. Pools stay as they are. */
void storage_tables_close(StorageTables *st);

/* A domain disk's <source pool= volume=/> as what a command line needs
 * (opaque: the StorageTables), in *out (cleared by the caller): a local file
 * or device (type file, block: path), or a network volume (protocol nfs,
 * iscsi, rbd; path the export's file, IQN/LUN or POOL/IMAGE; hosts), with
 * auth_user and auth_secret the CHAP or cephx user and the value of the
 * secret the pool's <auth> names. Takes the tables' lock. ENOENT (pool,
 * volume, the secret), ENOKEY (a secret without a value), EBUSY (pool not
 * active), EOPNOTSUPP (authentication over another protocol). */
int storage_volume_resolve(void *opaque, const char *pool, const char *volume,
			   StorageVolSource *out, GError **err);

