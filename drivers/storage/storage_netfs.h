/* storage_netfs.h: what the two ways of serving a netfs pool share
 * (storage_backend_netfs.c mounts the export with the kernel's NFS client,
 * storage_netfs_libnfs.c reaches it through libnfs): the pool's <source> as
 * one struct, checked once, and the choice of way. */
#pragma once
#include "drivers/storage/storage_util.h"

/* What a netfs pool's <source> says:
 *     <source><host name='HOST'/><dir path='/DIR'/><format type='nfs'/>
 *       <protocol ver='4'/></source> */
typedef struct {
	char *host;
	char *port;   /* <host port=>, or NULL */
	char *dir;    /* absolute, without a trailing slash (but "/") */
	char *format; /* auto, nfs, glusterfs, cifs ("auto" when absent) */
	unsigned version; /* <protocol ver=>: 3 or 4 (NFS only); 0 when absent */
} NetfsSource;

void netfs_source_clear(NetfsSource *s);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NetfsSource, netfs_source_clear)
/* def's source, or EINVAL naming what is missing or wrong (a host, an
 * absolute dir, a known format, an NFS version 3 or 4 for NFS only). */
int netfs_source_of(const HvPoolDef *def, NetfsSource *s, GError **err);

/* Whether this host mounts netfs pools with its kernel: HYPERFS_NETFS=mount
 * or =libnfs in the environment decide; else the kernel has an NFS client
 * (`nfs` or `nfs4` in /proc/filesystems). Read once. */
bool netfs_kernel_mounts(void);

/* storage_netfs_nfs.c (built with libnfs): the plumbing of the libnfs way */
struct nfs_context;
/* A libnfs context with s's export mounted (NFSv3, or NFSv4 for version 4),
 * or -errno: ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT (the server's portmapper,
 * or for NFSv4 its NFS port, does not answer), ENOENT (not exported), or the
 * server's refusal. */
int netfs_nfs_connect(const char *pool, const NetfsSource *s, struct nfs_context **out,
		      GError **err);
/* The errno of libnfs's result r (< 0) and its words why: the server's own
 * errno, or for a failure on the wire (libnfs's EFAULT, EIO) ETIMEDOUT,
 * ECONNREFUSED, ECONNRESET or EIO. */
int netfs_nfs_errno(int r, const char *why);
/* Whether err is no answer of the server's (ENOENT, EEXIST, EACCES, ...) but
 * a failure of the connection, after which the context is dropped. */
bool netfs_nfs_wire_failure(int err);
/* Volume name's content (url for messages) as a stream over a context of
 * its own (storage_backend.h's StorageStream; upload: it may grow). */
int netfs_nfs_stream_open(const char *pool, const NetfsSource *src, const char *name,
			  const char *url, bool upload, uint64_t offset, uint64_t length,
			  StorageStream **out, GError **err);
