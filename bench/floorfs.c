/* floorfs.c: the FUSE floor. A minimal low-level FUSE file system with one
 * file, /state ("running\n"), opened with keep_cache and served by libfuse's
 * multi-threaded loop the way hyperfs is, and doing nothing else. bench/run
 * times `cat` of its file beside hyperfs's `cat state`: what an open and a
 * release cost on this machine whatever the file system does.
 *   floorfs MOUNTPOINT   (stays in the foreground; unmount to stop) */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char content[] = "running\n";

static void
attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = ino == 1 ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_nlink = ino == 1 ? 2 : 1;
	st->st_size = ino == 1 ? 0 : (off_t)strlen(content);
}

static void
op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { .ino = 2, .attr_timeout = 86400, .entry_timeout = 1 };

	if (parent != 1 || strcmp(name, "state") != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	attr(2, &e.attr);
	fuse_reply_entry(req, &e);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	attr(ino, &st);
	fuse_reply_attr(req, &st, 86400);
}

static void
op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fi->keep_cache = 1;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

static void
op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t len = strlen(content);

	if ((size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, content + off, size < len - (size_t)off ? size : len - (size_t)off);
}

static void
op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.open = op_open,
	.read = op_read,
	.release = op_release,
};

int
main(int argc, char **argv)
{
	char *args[] = { argv[0], NULL };
	struct fuse_args fa = FUSE_ARGS_INIT(1, args);
	struct fuse_session *se;
	struct fuse_loop_config *cfg;
	int r = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: floorfs MOUNTPOINT\n");
		return 2;
	}
	se = fuse_session_new(&fa, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) == 0 && fuse_session_mount(se, argv[1]) == 0) {
		cfg = fuse_loop_cfg_create();
		fuse_loop_cfg_set_max_threads(cfg, 64);
		fuse_loop_cfg_set_idle_threads(cfg, 8);
		r = fuse_session_loop_mt(se, cfg) != 0;
		fuse_loop_cfg_destroy(cfg);
		fuse_session_unmount(se);
	}
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	return r;
}
