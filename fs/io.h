/* io.h: the FUSE handlers for open files and folders (io.c, dir.c) and the
 * helpers ops.c shares with them. */
#pragma once
#include "fs/fs.h"

HvObj *hv_ops_resolve(HvFs *fs, fuse_ino_t ino, unsigned *idx); /* referenced, or NULL */
fuse_ino_t hv_ops_ino(HvObj *o, unsigned idx);
int hv_ops_attr(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, struct stat *st);
int hv_ops_entry(HvFs *fs, HvObj *o, unsigned idx, struct fuse_entry_param *e);
bool hv_ops_versioned(HvObj *o, unsigned idx);
/* a read-only open of ino may use the page cache: ino is the current version
 * of (o, idx) and still holds content */
bool hv_ops_ver_match(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, const GString *content);
/* a write open of ino: 0 (counted until hv_ops_ver_close_write), or -ESTALE
 * when the kernel must look the name up again to get a writable version */
int hv_ops_ver_open_write(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino);
void hv_ops_ver_close_write(HvFs *fs, HvObj *o, unsigned idx);
/* a readdirplus entry with attributes st handed the kernel a reference */
void hv_ops_ver_take(HvFs *fs, HvObj *o, unsigned idx, const struct stat *st);
int hv_ops_static_index(const DirOps *ops, const char *name);
bool hv_ops_present(HvObj *o, int i); /* file i of o's table is there */
double hv_ops_timeout(HvFs *fs, HvObj *o, unsigned idx);

void hv_io_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void hv_io_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi);
void hv_io_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		struct fuse_pollhandle *ph);
int hv_io_truncate(HvFs *fs, HvObj *o, unsigned idx, struct fuse_file_info *fi, size_t size);

int hv_io_create_scratch(HvFs *fs, HvObj *dir, const char *name, HvObj **out);
int hv_io_open_scratch(HvFs *fs, HvObj *o, struct fuse_file_info *fi);
int hv_io_rename_scratch(HvFs *fs, HvObj *dir, HvObj *o, const char *newname);

void hv_io_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi);
void hv_io_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi);
void hv_io_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
