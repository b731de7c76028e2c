/* storage_rbd.h: what the rbd backend's two files share
 * (storage_backend_rbd.c: the pool and its images; storage_rbd_stream.c:
 * image content as streams): one connection to the cluster, counted, so a
 * stream keeps it while the pool stops or is let go under it. */
#pragma once
#include <rados/librados.h>
#include <rbd/librbd.h>
#include "drivers/storage/storage_pool.h"

typedef struct {
	gatomicrefcount refs;
	rados_t cluster;
	rados_ioctx_t io; /* the pool's <source><name> */
	char *pool;       /* <source><name> */
	char *mon_host;   /* host[:port],... as librados takes it */
	char *user;       /* cephx user without "client.", or NULL: auth none */
} RbdConn;

RbdConn *rbd_conn_ref(RbdConn *c);
void rbd_conn_unref(RbdConn *c);

/* librbd's -errno r (or a failed call) as our -errno with what failed
 * ("open image 'rbd/x'") and why (librbd's strerror). */
int rbd_fail(const char *pool, int r, GError **err, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* Image name's content as a stream (storage_backend.h's StorageStream); an
 * upload may grow the image (end UINT64_MAX) and cuts what it grew past the
 * last byte written at finish. */
int rbd_stream_open(const char *pool, RbdConn *c, const char *name, bool upload,
		    uint64_t offset, uint64_t length, StorageStream **out, GError **err);
