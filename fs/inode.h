/* inode.h: inode numbers, attributes and the versioned-file engine (inode.c),
 * which the name operations (ops.c), open files (io.c, scratch.c), listings
 * (dir.c) and invalidations (inval.c) share. */
#pragma once
#include "fs/fs.h"

/* The object and file index ino names, referenced; NULL when gone. A gone
 * folder's inode means the object of that name now, if there is one. */
HvObj *hv_ino_resolve(HvFs *fs, fuse_ino_t ino, unsigned *idx);
/* The same for a handler: NULL after answering req with ENOENT. */
HvObj *hv_ino_req(fuse_req_t req, fuse_ino_t ino, unsigned *idx);
fuse_ino_t hv_ino_of(HvObj *o, unsigned idx);
/* Attributes of the inode ino of (o, idx): what a getattr answers. */
int hv_ino_attr(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, struct stat *st);
/* An entry for (o, idx), as a lookup, a create or a readdirplus gives it;
 * hv_ino_take counts the kernel's reference once it has it. */
int hv_ino_entry(HvFs *fs, HvObj *o, unsigned idx, struct fuse_entry_param *e);
void hv_ino_take(HvFs *fs, HvObj *o, unsigned idx, const struct stat *st);
/* The kernel forgot n references to ino. Lock held. */
void hv_ino_forget_locked(HvFs *fs, fuse_ino_t ino, uint64_t n);
double hv_ino_timeout(HvFs *fs, HvObj *o, unsigned idx);

/* Versioned files: small files that change with their object get a new inode
 * whenever a lookup finds new content (inode.c has the whole story). */
bool hv_ver_is(HvObj *o, unsigned idx);
/* a read-only open of ino may use the page cache: ino is the current version
 * of (o, idx) and still holds content; *store: the first such open of this
 * inode, which should push content into the inode's page cache */
bool hv_ver_match(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, const GString *content,
		  bool *store);
/* a write open of ino: 0 (counted until hv_ver_close_write), or -ESTALE
 * when the kernel must look the name up again to get a writable version */
int hv_ver_open_write(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino);
void hv_ver_close_write(HvFs *fs, HvObj *o, unsigned idx);
void hv_ver_free(HvObj *o); /* with its object (obj.c) */

/* The static file i of o's table is there (its present() says so). */
bool hv_file_present(HvObj *o, int i);
int hv_file_index(const DirOps *ops, const char *name); /* -1: none */
