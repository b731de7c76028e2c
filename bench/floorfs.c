/* floorfs.c: the FUSE floor. A minimal low-level FUSE file system with one
 * file, /state ("running\n"), opened with keep_cache and served by libfuse's
 * multi-threaded loop the way hyperfs is, and doing nothing else. bench/run
 * times `cat` of its file beside hyperfs's `cat state`: what an open and a
 * release cost on this machine whatever the file system does.
 * With -n N it serves the shape of a hyperfs node instead,
 * /localhost/domains/vm00000/state ... vm(N-1)/state, every name and
 * attribute cached for a day and listed with readdirplus: the cheapest cold
 * pass any FUSE file system can give over that tree (bench/run's cold rows).
 * With -f FILE -r BYTES, /state is FILE's content instead, read as hyperfs
 * reads a volume's `data` (fs/data.c): FILE opened at each open and closed
 * at release (a block device's page cache goes with its last close, for
 * both), direct_io, each read spliced from FILE by libfuse, read requests of
 * BYTES (hyperfs's max_read): the floor of a download (bench/storage).
 *   floorfs [-n N | -f FILE -r BYTES] MOUNTPOINT   (stays in the foreground;
 *   unmount to stop) */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <stdbool.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char content[] = "running\n";

static unsigned ndomains; /* -n: the tree's size; 0: the one-file floor */
static const char *datapath; /* -f: the file /state serves */
static off_t datasize;
static unsigned maxread;  /* -r */

/* Inodes of the tree: 1 /, 2 localhost, 3 domains, then 4 + 2i the folder of
 * domain i and 5 + 2i its state. Without -n, 2 is /state. */
static bool
is_dir(fuse_ino_t ino)
{
	if (!ndomains)
		return ino == 1;
	return ino <= 3 || ino % 2 == 0;
}

static void
attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = is_dir(ino) ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_nlink = is_dir(ino) ? 2 : 1;
	st->st_size = is_dir(ino) ? 0 : datapath ? datasize : (off_t)strlen(content);
}

static fuse_ino_t
child(fuse_ino_t parent, const char *name)
{
	char *end;
	unsigned long i;

	if (!ndomains)
		return parent == 1 && !strcmp(name, "state") ? 2 : 0;
	if (parent == 1)
		return !strcmp(name, "localhost") ? 2 : 0;
	if (parent == 2)
		return !strcmp(name, "domains") ? 3 : 0;
	if (parent == 3) {
		if (strncmp(name, "vm", 2) != 0 || strlen(name) != 7)
			return 0;
		i = strtoul(name + 2, &end, 10);
		return *end || i >= ndomains ? 0 : 4 + 2 * i;
	}
	if (parent >= 4 && parent % 2 == 0 && !strcmp(name, "state"))
		return parent + 1;
	return 0;
}

static void
entry(fuse_ino_t ino, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->attr_timeout = 86400;
	e->entry_timeout = ndomains ? 86400 : 1;
	attr(ino, &e->attr);
}

static void
op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	fuse_ino_t ino = child(parent, name);

	if (!ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	entry(ino, &e);
	fuse_reply_entry(req, &e);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	attr(ino, &st);
	fuse_reply_attr(req, &st, 86400);
}

/* The name of entry k of folder ino (after . and ..), or false at its end. */
static bool
nth(fuse_ino_t ino, off_t k, char *name, size_t size, fuse_ino_t *out)
{
	if (ino == 3 && (unsigned long)k < ndomains) {
		snprintf(name, size, "vm%05lu", (unsigned long)k);
		*out = 4 + 2 * (fuse_ino_t)k;
		return true;
	}
	if (k != 0 || ino == 3)
		return false;
	snprintf(name, size, "%s", !ndomains || ino >= 4 ? "state" : ino == 1 ? "localhost"
								       : "domains");
	*out = child(ino, name);
	return true;
}

/* One page of folder ino from entry off, plain or with each entry's
 * attributes (readdirplus). */
static void
reply_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	char *buf = malloc(size), name[16];
	size_t used = 0, n;
	struct fuse_entry_param e;
	fuse_ino_t c;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (; nth(ino, off, name, sizeof(name), &c); off++) {
		entry(c, &e);
		n = plus ? fuse_add_direntry_plus(req, buf + used, size - used, name, &e, off + 1)
			 : fuse_add_direntry(req, buf + used, size - used, name, &e.attr, off + 1);
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void
op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	reply_dir(req, ino, size, off, true);
}

static void
op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	reply_dir(req, ino, size, off, false);
}

static void
op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd = datapath ? open(datapath, O_RDONLY | O_CLOEXEC) : -1;

	if (datapath && fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = !datapath;
	fi->direct_io = !!datapath;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

static void
op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t len = strlen(content);

	if (datapath) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);

		bv.buf[0] = (struct fuse_buf){ .fd = (int)fi->fh, .pos = off,
					       .flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK,
					       .size = off >= datasize ? 0 : (size_t)(datasize - off) < size
					       ? (size_t)(datasize - off) : size };
		fuse_reply_data(req, &bv, 0);
		return;
	}
	if ((size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, content + off, size < len - (size_t)off ? size : len - (size_t)off);
}

static void
op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (datapath)
		close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void
op_init(void *userdata, struct fuse_conn_info *conn)
{
	if (!datapath)
		return;
	conn->want |= conn->capable & FUSE_CAP_SPLICE_WRITE;
	conn->max_read = maxread;
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.open = op_open,
	.read = op_read,
	.release = op_release,
};

int
main(int argc, char **argv)
{
	char opt[64];
	char *args[] = { argv[0], "-o", opt, NULL };
	struct fuse_args fa = FUSE_ARGS_INIT(1, args);
	struct fuse_session *se;
	struct fuse_loop_config *cfg;
	int r = 1;

	if (argc == 4 && !strcmp(argv[1], "-n")) {
		ndomains = (unsigned)strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	} else if (argc == 6 && !strcmp(argv[1], "-f") && !strcmp(argv[3], "-r")) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || (datasize = lseek(fd, 0, SEEK_END)) < 0) {
			perror(argv[2]);
			return 1;
		}
		close(fd);
		datapath = argv[2];
		maxread = (unsigned)strtoul(argv[4], NULL, 10);
		snprintf(opt, sizeof(opt), "max_read=%u", maxread);
		fa.argc = 3;
		argv += 4;
		argc -= 4;
	}
	if (argc != 2 || ndomains > 99999 || (datapath && maxread < 4096)) {
		fprintf(stderr, "usage: floorfs [-n N | -f FILE -r BYTES] MOUNTPOINT "
			"(N at most 99999, BYTES at least 4096)\n");
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
