/* io.h: the FUSE handlers for open files (io.c), temporary files (scratch.c)
 * and folders (dir.c). */
#pragma once
#include "fs/fs.h"

typedef struct HvDataHandle HvDataHandle; /* data.c */

/* An open file (io.c): the handle behind fi->fh. */
typedef struct {
	HvObj *o;
	unsigned idx;
	const FileDef *fd; /* NULL for scratch files */
	GString *content;  /* read snapshot, taken at open */
	GString *wbuf;     /* F_XML writes */
	bool dirty;
	bool committed;
	bool oversize;   /* a write failed (past a limit): never commit */
	int wfail;       /* scratch files: that write's -errno */
	bool ver_writer; /* counted as a writer of a versioned file (inode.c) */
	HvStream *stream; /* F_STREAM, F_CONSOLE */
	HvDataHandle *data; /* F_DATA, and a copy of content into volumes/ (data.c) */
	bool doc;           /* a copy into volumes/ that is a document */
} FileHandle;

void hv_io_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void hv_io_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi);
void hv_io_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		struct fuse_pollhandle *ph);
int hv_io_truncate(HvFs *fs, HvObj *o, unsigned idx, struct fuse_file_info *fi, size_t size);
/* Writes into a document buffer at an offset, within the document limit. */
int hv_io_buf_write(GString *b, const char *buf, size_t size, off_t off);
/* Commits a document to o's config.xml; the failure goes to o's error file. */
int hv_io_commit_config(HvObj *o, const char *buf, size_t len);

/* scratch.c: temporary files (sed -i, cp into a folder) */
int hv_scratch_create(HvFs *fs, HvObj *dir, const char *name, HvObj **out);
int hv_scratch_open(HvFs *fs, HvObj *o, struct fuse_file_info *fi);
int hv_scratch_rename(HvFs *fs, HvObj *dir, HvObj *o, const char *newname);
int hv_scratch_write(HvFs *fs, FileHandle *h, const char *buf, size_t size, off_t off);
int hv_scratch_flush(HvFs *fs, FileHandle *h);
void hv_scratch_release(HvFs *fs, FileHandle *h);
int hv_scratch_truncate(HvFs *fs, HvObj *o, size_t size);

/* data.c: volume content (`data`, and copies of content into volumes/) */
int hv_data_open(HvFs *fs, HvObj *o, const char *file, struct fuse_file_info *fi,
		 FileHandle *h);
int hv_data_is_content(const char *buf, size_t size, off_t off);
int hv_data_make(HvObj *dir, const char *name, const char *buf, size_t size,
		 HvDataHandle **out);
void hv_data_read(fuse_req_t req, HvDataHandle *d, size_t size, off_t off);
int hv_data_write(HvDataHandle *d, const char *buf, size_t size, off_t off);
int hv_data_truncate(HvDataHandle *d, uint64_t size);
int hv_data_flush(HvDataHandle *d);
void hv_data_close(HvDataHandle *d);

void hv_io_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void hv_io_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi);
void hv_io_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi);
void hv_io_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
