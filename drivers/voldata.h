/* voldata.h: a volume's content, for the shared volume ops (objops.c):
 * upload and download streams that hold the volume's job from open to close
 * (with a query job on its pool, so the pool cannot stop underneath), so the
 * volume's `job` file shows bytes done and total and `abort` stops them; and,
 * over two such streams, clone (virStorageVolCreateXMLFrom) and wipe. A
 * volume class gives its content through one HvVolDataOps (HvObjClass.data). */
#pragma once
#include "drivers/objtab.h"

/* upload flags of our own, above libvirt's VIR_STORAGE_VOL_UPLOAD_* bits */
enum {
	/* the upload makes the volume's whole content: a file volume is cut to
	 * the stream's offset first (a `cp` that makes a volume) */
	HV_UPLOAD_REPLACE = 1u << 16,
};

struct HvVolDataOps {
	/* Lock held, o's job held: a stream of o's content (upload: into it)
	 * from offset for length bytes (0: to the end); *total the bytes it will
	 * move, 0 when not known. Its read, write and finish run without the
	 * lock; the caller may move s->offset between calls (a seek): a stream
	 * that cannot follow answers ESPIPE. */
	int (*open)(HvObjTab *t, HvEntry *o, bool upload, uint64_t offset, uint64_t length,
		    unsigned flags, HvDataStream **out, uint64_t *total, GError **err);
	/* Lock held, after an upload or a wipe: o's facts again (size, format,
	 * allocation), reporting what changed. */
	void (*done)(HvObjTab *t, HvEntry *o);
	/* Lock held, o's job held: makes o's capacity at least bytes (a copy
	 * whose last bytes are a hole, `cp` ending with ftruncate). NULL: ENOTSUP. */
	int (*grow)(HvObjTab *t, HvEntry *o, uint64_t bytes, GError **err);
	/* Lock held, o's wipe job held: wipes o its own way (the backend's
	 * algorithm, or dropping simulated bytes): 0, -errno, or 1 when it has no
	 * way of its own for o. NULL or 1: zeroes are written through an upload
	 * stream over the whole volume. */
	int (*wipe)(HvObjTab *t, HvEntry *o, unsigned algorithm, GError **err);
	/* Lock held, a query job held on src: makes a new volume of src's own
	 * table from xml as a clone of src, its own way (an RBD clone of a
	 * protected snapshot), *name (owned) its name. 1 when it did, 0 when it
	 * has no way of its own for src (its bytes are copied instead), -errno.
	 * NULL: always copied. */
	int (*clone)(HvObjTab *t, HvEntry *src, const char *xml, char **name, GError **err);
};

/* The stream of volume pool/name (pools: the pool table). Takes the lock. */
int hv_voldata_open(HvObjTab *pools, const char *pool, const char *name, bool upload,
		    uint64_t offset, uint64_t length, unsigned flags, HvDataStream **out,
		    GError **err);
/* An open stream's bytes made durable (the backend's finish) and, for an
 * upload, the volume's facts read again; the stream and its job stay (a
 * close(2) of one of several descriptors: more writes may come). */
int hv_voldata_sync(HvDataStream *s, GError **err);
/* An open upload's volume made at least bytes long (ftruncate of a copy). */
int hv_voldata_grow(HvDataStream *s, uint64_t bytes, GError **err);
/* Overwrites pool/name with zeroes (algorithm 0; others EOPNOTSUPP), as its
 * job "wipe". */
int hv_voldata_wipe(HvObjTab *pools, const char *pool, const char *name, unsigned algorithm,
		    GError **err);
/* A new volume of pool from xml with the content of src_pool/src, copied as
 * the new volume's job "clone"; on failure the new volume is deleted again. */
int hv_voldata_clone(HvObjTab *pools, const char *pool, const char *xml, const char *src_pool,
		     const char *src, char **name_out, GError **err);
