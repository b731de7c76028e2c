/* ops.c: the FUSE low-level handlers for names: lookup, forget, getattr,
 * setattr, readdir(plus), create, unlink, rmdir, mkdir, rename, statfs. Each
 * handler resolves its inode to (object, file index) under the tree lock, takes
 * a reference, drops the lock, calls the driver, and ends in exactly one
 * fuse_reply_*. The handlers for open files are in io.c. */
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include "fs/io.h"
#include "util/names.h"

static HvFs *
fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* A gone object's folder may still be cached by the kernel while an object
 * of the same name was defined again (undefine and define racing a listing).
 * Its inode then means the object of that name now: the files say whether it
 * exists. Temporary files have no successor. Lock held. */
static HvObj *
successor(HvFs *fs, HvObj *o)
{
	HvObj *dir = o->parent;

	if (o->kind == DK_SCRATCH || !dir || dir->dead || !hv_dir_ops[dir->kind]->list ||
	    hv_dir_ops[dir->kind]->child_kind != o->kind)
		return NULL;
	return hv_obj_child(fs, dir, o->kind, o->name);
}

HvObj *
hv_ops_resolve(HvFs *fs, fuse_ino_t ino, unsigned *idx)
{
	HvObj *o;

	g_mutex_lock(&fs->lock);
	o = ino == FUSE_ROOT_ID ? fs->root : hv_obj_get(fs, HV_INO_ID(ino));
	if (o && o->dead)
		o = successor(fs, o);
	if (o) {
		o->refs++;
		*idx = ino == FUSE_ROOT_ID ? 0 : HV_INO_IDX(ino);
		if (*idx > hv_dir_ops[o->kind]->nfiles) {
			o->refs--;
			o = NULL;
		}
	}
	g_mutex_unlock(&fs->lock);
	return o;
}

fuse_ino_t
hv_ops_ino(HvObj *o, unsigned idx)
{
	return o->kind == DK_ROOT ? FUSE_ROOT_ID : HV_INO(o->id, idx);
}

static mode_t
file_mode(HvFs *fs, HvObj *o, unsigned idx)
{
	mode_t m;

	if (o->kind == DK_SCRATCH)
		m = S_IFREG | 0644;
	else if (idx == 0)
		m = S_IFDIR | (hv_dir_ops[o->kind]->scratch ? 0755 : 0555);
	else if (hv_dir_ops[o->kind]->files[idx - 1].flags & (F_WRITE | F_XML))
		m = S_IFREG | 0644;
	else
		m = S_IFREG | 0444;
	if (fs->readonly)
		m &= ~(mode_t)0222;
	return m;
}

/* Versioned files. A small file that changes with its object (state, memory,
 * vcpus, autostart...) gets a new inode each time a lookup finds new content,
 * the way a file replaced by rename(2) does. One inode then always has one
 * content and one size, so the kernel may serve reads from its page cache (a
 * `cat` costs an open and a release, no read) without ever tearing a value:
 * the size it caches and the pages it holds come from the same version, and
 * their attributes never expire. A read-only open of a version that still
 * matches the driver is served from the page cache; any other open reads a
 * snapshot taken at open (direct_io), so no reader sees a value older than its
 * open. Events drop the names (inval.c), so the next open looks up the new
 * version. Every version the kernel still holds keeps its size here until the
 * kernel forgets it, so that a later getattr (fstat) never changes it.
 *
 * Writers must not share an inode with page-cache readers: the kernel itself
 * truncates an inode opened with O_TRUNC and grows its size after a write,
 * under readers' feet. So a write open of a read version fails with ESTALE
 * once, after making a new "writable" version of the same content; the kernel
 * retries the open after a fresh lookup (LOOKUP_REVAL) and lands on it.
 * Readers of a writable version read directly. When its last writer closes,
 * the next lookup makes a clean read version again. */
typedef struct {
	unsigned bits; /* the version's 16 bits in the inode number */
	size_t len;
	struct timespec mtime;
	uint64_t nlookup; /* the kernel's references to this inode */
	bool writable;    /* made for writers: it never has page-cache readers */
} LiveVer;

struct HvVer {
	uint64_t gen; /* 0: not looked up yet */
	char *content;
	size_t len;
	struct timespec mtime;
	bool writable; /* this version takes writers; its readers read directly */
	bool retire;   /* its last writer closed: the next lookup makes a new version */
	int writers;   /* open write handles on this file */
	gint64 wstamp; /* when a writer asked for a writable version */
	GArray *live;  /* LiveVer: the versions the kernel holds */
};

#define VER_ATTR_TIMEOUT (86400.0 * 365) /* a version's attributes never change */
#define VER_PENDING_US G_USEC_PER_SEC     /* a writer that asked but never came back */

bool
hv_ops_versioned(HvObj *o, unsigned idx)
{
	const FileDef *fd;

	if (o->kind == DK_SCRATCH || idx == 0 || idx > hv_dir_ops[o->kind]->nfiles)
		return false;
	fd = &hv_dir_ops[o->kind]->files[idx - 1];
	return fd->read &&
	       !(fd->flags & (F_DIR | F_XML | F_VOLATILE | F_STREAM | F_CACHE | F_CONSOLE));
}

/* the 16 bits of a version that go into the inode number: 1..65535 */
static unsigned
ver_bits(uint64_t gen)
{
	return (unsigned)((gen - 1) % 0xffff) + 1;
}

void
hv_ver_free(HvObj *o)
{
	if (!o->ver)
		return;
	for (size_t i = 0; i < hv_dir_ops[o->kind]->nfiles; i++) {
		g_free(o->ver[i].content);
		if (o->ver[i].live)
			g_array_unref(o->ver[i].live);
	}
	g_free(o->ver);
}

/* Lock held. */
static HvVer *
ver_slot(HvObj *o, unsigned idx)
{
	if (!o->ver)
		o->ver = g_new0(HvVer, hv_dir_ops[o->kind]->nfiles);
	return &o->ver[idx - 1];
}

static LiveVer *
live_find(HvVer *v, unsigned bits)
{
	for (guint i = 0; v->live && i < v->live->len; i++)
		if (g_array_index(v->live, LiveVer, i).bits == bits)
			return &g_array_index(v->live, LiveVer, i);
	return NULL;
}

/* A new current version of v: the next generation whose inode number the
 * kernel does not hold (after 65,535 versions the numbers wrap). */
static void
ver_next(HvVer *v, const char *content, size_t len)
{
	do
		v->gen++;
	while (live_find(v, ver_bits(v->gen)));
	if (content != v->content) {
		g_free(v->content);
		v->content = g_memdup2(content, len + 1);
		v->len = len;
	}
	v->retire = false;
	clock_gettime(CLOCK_REALTIME, &v->mtime);
}

/* The version of (o, idx) whose content is s: the current one, or a new one. */
static uint64_t
ver_update(HvFs *fs, HvObj *o, unsigned idx, const GString *s, struct timespec *mtime)
{
	HvVer *v;
	uint64_t gen;
	bool keep_w;

	g_mutex_lock(&fs->lock);
	v = ver_slot(o, idx);
	keep_w = v->writable &&
		 (v->writers > 0 || g_get_monotonic_time() - v->wstamp < VER_PENDING_US);
	if (!v->gen || v->len != s->len || memcmp(v->content, s->str, s->len) != 0 ||
	    v->retire || (v->writable && !keep_w)) {
		ver_next(v, s->str, s->len);
		v->writable = keep_w;
	}
	gen = v->gen;
	*mtime = v->mtime;
	g_mutex_unlock(&fs->lock);
	return gen;
}

/* The kernel took n references to the inode whose attributes st it was given
 * (a lookup or a readdirplus entry). Lock held by the caller of the _locked
 * forms. */
static void
ver_take_locked(HvObj *o, unsigned idx, const struct stat *st, uint64_t n)
{
	HvVer *v;
	LiveVer *lv;

	if (!hv_ops_versioned(o, idx) || HV_INO_VER(st->st_ino) == 0)
		return;
	v = ver_slot(o, idx);
	lv = live_find(v, HV_INO_VER(st->st_ino));
	if (!lv) {
		LiveVer nv = { HV_INO_VER(st->st_ino), (size_t)st->st_size, st->st_mtim, 0,
			       v->writable && ver_bits(v->gen) == HV_INO_VER(st->st_ino) };

		if (!v->live)
			v->live = g_array_new(FALSE, FALSE, sizeof(LiveVer));
		g_array_append_val(v->live, nv);
		lv = &g_array_index(v->live, LiveVer, v->live->len - 1);
	}
	lv->nlookup += n;
}

void
hv_ops_ver_take(HvFs *fs, HvObj *o, unsigned idx, const struct stat *st)
{
	g_mutex_lock(&fs->lock);
	ver_take_locked(o, idx, st, 1);
	g_mutex_unlock(&fs->lock);
}

/* The kernel forgot n references to version ino. Lock held. */
static void
ver_forget_locked(HvObj *o, unsigned idx, fuse_ino_t ino, uint64_t n)
{
	LiveVer *lv;

	if (!o->ver || !hv_ops_versioned(o, idx) || HV_INO_VER(ino) == 0)
		return;
	lv = live_find(&o->ver[idx - 1], HV_INO_VER(ino));
	if (!lv)
		return;
	lv->nlookup = n >= lv->nlookup ? 0 : lv->nlookup - n;
	if (lv->nlookup == 0)
		g_array_remove_index_fast(o->ver[idx - 1].live,
					  (guint)(lv - &g_array_index(o->ver[idx - 1].live, LiveVer, 0)));
}

bool
hv_ops_ver_match(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, const GString *content)
{
	HvVer *v;
	bool ok;

	if (!hv_ops_versioned(o, idx))
		return false;
	g_mutex_lock(&fs->lock);
	v = o->ver ? &o->ver[idx - 1] : NULL;
	ok = v && v->gen && !v->writable && ver_bits(v->gen) == HV_INO_VER(ino) &&
	     content->len == v->len && memcmp(content->str, v->content, v->len) == 0;
	g_mutex_unlock(&fs->lock);
	return ok;
}

int
hv_ops_ver_open_write(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino)
{
	HvVer *v;
	LiveVer *lv;
	int r = 0;

	if (!hv_ops_versioned(o, idx) || HV_INO_VER(ino) == 0)
		return 0;
	g_mutex_lock(&fs->lock);
	v = ver_slot(o, idx);
	lv = live_find(v, HV_INO_VER(ino));
	/* a writable version, current or not (another writer's action may have
	 * moved the content on since this writer's retry looked it up) */
	if ((v->gen && v->writable && ver_bits(v->gen) == HV_INO_VER(ino)) ||
	    (lv && lv->writable)) {
		v->writers++;
	} else {
		if (!v->writable)
			ver_next(v, v->content ? v->content : "", v->len); /* same content */
		v->writable = true;
		v->wstamp = g_get_monotonic_time();
		r = -ESTALE;
	}
	g_mutex_unlock(&fs->lock);
	return r;
}

void
hv_ops_ver_close_write(HvFs *fs, HvObj *o, unsigned idx)
{
	HvVer *v;

	g_mutex_lock(&fs->lock);
	v = ver_slot(o, idx);
	if (--v->writers == 0)
		v->retire = true;
	g_mutex_unlock(&fs->lock);
}

/* Attributes of (o, idx) as a lookup finds them now: a file's size is the
 * length of what reading it gives, and a versioned file's inode is that of the
 * version holding it (*gen, for the kernel's inode generation). Called without
 * the lock, o referenced. */
static int
attr_now(HvFs *fs, HvObj *o, unsigned idx, struct stat *st, uint64_t *gen)
{
	memset(st, 0, sizeof(*st));
	*gen = 0;
	st->st_ino = hv_ops_ino(o, idx);
	st->st_mode = file_mode(fs, o, idx);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = o->mtime;
	if (o->kind == DK_SCRATCH) {
		g_mutex_lock(&fs->lock);
		st->st_size = (off_t)o->data->len;
		g_mutex_unlock(&fs->lock);
	} else if (idx > 0) {
		const FileDef *fd = &hv_dir_ops[o->kind]->files[idx - 1];

		if (fd->read) {
			g_autoptr(GString) s = g_string_new(NULL);
			g_autoptr(GError) err = NULL;
			int r = fd->read(o, s, &err);

			if (r == -ENOENT)
				return r;
			st->st_size = r < 0 ? 0 : (off_t)s->len;
			if (r >= 0 && hv_ops_versioned(o, idx)) {
				*gen = ver_update(fs, o, idx, s, &st->st_mtim);
				st->st_atim = st->st_ctim = st->st_mtim;
				st->st_ino = HV_INO_V(o->id, idx, ver_bits(*gen));
			}
		}
	}
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

/* Attributes of the inode ino names. A version the kernel holds keeps its own
 * size and time; one it never got (a folder's successor) is looked up now. */
int
hv_ops_attr(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, struct stat *st)
{
	uint64_t gen;
	LiveVer *lv = NULL;

	if (!hv_ops_versioned(o, idx) || HV_INO_VER(ino) == 0)
		return attr_now(fs, o, idx, st, &gen);
	memset(st, 0, sizeof(*st));
	g_mutex_lock(&fs->lock);
	if (o->ver)
		lv = live_find(&o->ver[idx - 1], HV_INO_VER(ino));
	if (lv) {
		st->st_size = (off_t)lv->len;
		st->st_mtim = lv->mtime;
	}
	g_mutex_unlock(&fs->lock);
	if (!lv)
		return attr_now(fs, o, idx, st, &gen);
	st->st_ino = ino;
	st->st_mode = file_mode(fs, o, idx);
	st->st_nlink = 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	st->st_atim = st->st_ctim = st->st_mtim;
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

/* How long the kernel may keep (o, idx)'s attributes: scratch files and files
 * that change without events are never cached, versions forever. */
double
hv_ops_timeout(HvFs *fs, HvObj *o, unsigned idx)
{
	if (o->kind == DK_SCRATCH)
		return 0;
	if (idx > 0 && (hv_dir_ops[o->kind]->files[idx - 1].flags & F_VOLATILE))
		return 0;
	if (hv_ops_versioned(o, idx))
		return VER_ATTR_TIMEOUT;
	return fs->timeout;
}

/* An entry for (o, idx) as a lookup or readdirplus gives it. */
int
hv_ops_entry(HvFs *fs, HvObj *o, unsigned idx, struct fuse_entry_param *e)
{
	uint64_t gen;
	int r = attr_now(fs, o, idx, &e->attr, &gen);

	if (r < 0)
		return r;
	e->ino = e->attr.st_ino;
	e->generation = gen;
	e->attr_timeout = hv_ops_timeout(fs, o, idx);
	/* a scratch file's name is soon renamed over or gone: never cache it */
	e->entry_timeout = o->kind == DK_SCRATCH ? 0 : fs->timeout;
	return 0;
}

/* Replies with an entry for (o, idx) and counts the kernel's reference. */
static void
reply_entry(fuse_req_t req, HvFs *fs, HvObj *o, unsigned idx)
{
	struct fuse_entry_param e = { 0 };
	int r = hv_ops_entry(fs, o, idx, &e);

	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	g_mutex_lock(&fs->lock);
	o->nlookup++;
	ver_take_locked(o, idx, &e.attr, 1);
	g_mutex_unlock(&fs->lock);
	if (fuse_reply_entry(req, &e) != 0) {
		g_mutex_lock(&fs->lock);
		ver_forget_locked(o, idx, e.ino, 1);
		hv_obj_forget(fs, o, 1);
		g_mutex_unlock(&fs->lock);
	}
}

bool
hv_ops_present(HvObj *o, int i)
{
	const FileDef *fd = &hv_dir_ops[o->kind]->files[i];

	return !fd->present || fd->present(o);
}

int
hv_ops_static_index(const DirOps *ops, const char *name)
{
	for (size_t i = 0; i < ops->nfiles; i++)
		if (strcmp(ops->files[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A dynamic child by name: a driver object, else a scratch file. 0 with a
 * referenced *out, -ENOENT, or the driver's error (-ENOTCONN while a remote
 * node is away), so that an outage is never reported as a missing object.
 * Called without the lock; dir referenced. */
static int
find_child(HvFs *fs, HvObj *dir, const char *name, HvObj **out)
{
	const DirOps *ops = hv_dir_ops[dir->kind];
	HvObj *o = NULL;
	int r = -ENOENT;

	*out = NULL;
	if (ops->exists && hv_name_check("", name, NULL) == 0)
		r = ops->exists(dir, name, NULL);
	if (r == 0) {
		g_mutex_lock(&fs->lock);
		o = g_hash_table_lookup(dir->children, name);
		if (!o || o->kind == DK_SCRATCH)
			o = hv_obj_child(fs, dir, ops->child_kind, name);
		o->refs++;
		g_mutex_unlock(&fs->lock);
		*out = o;
		return 0;
	}
	if (dir->children) {
		g_mutex_lock(&fs->lock);
		o = g_hash_table_lookup(dir->children, name);
		if (o && o->kind == DK_SCRATCH) {
			o->refs++;
			*out = o;
			r = 0;
		}
		g_mutex_unlock(&fs->lock);
	}
	return r;
}

static void
op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o;
	const DirOps *ops;
	int i;

	if (!dir || idx != 0 || dir->kind == DK_SCRATCH) {
		fuse_reply_err(req, dir ? ENOTDIR : ENOENT);
		goto out;
	}
	ops = hv_dir_ops[dir->kind];
	i = hv_ops_static_index(ops, name);
	if (i >= 0 && !hv_ops_present(dir, i)) {
		fuse_reply_err(req, ENOENT);
	} else if (i >= 0 && (ops->files[i].flags & F_DIR)) {
		g_mutex_lock(&fs->lock);
		o = ops->files[i].subdir(dir);
		o->refs++;
		g_mutex_unlock(&fs->lock);
		reply_entry(req, fs, o, 0);
		hv_obj_unref(fs, o);
	} else if (i >= 0) {
		reply_entry(req, fs, dir, (unsigned)i + 1);
	} else if ((i = find_child(fs, dir, name, &o)) == 0) {
		reply_entry(req, fs, o, 0);
		hv_obj_unref(fs, o);
	} else {
		fuse_reply_err(req, -i);
	}
out:
	if (dir)
		hv_obj_unref(fs, dir);
}

static void
forget_one(HvFs *fs, fuse_ino_t ino, uint64_t n)
{
	HvObj *o;

	if (ino == FUSE_ROOT_ID)
		return;
	o = hv_obj_get(fs, HV_INO_ID(ino));
	if (o) {
		ver_forget_locked(o, HV_INO_IDX(ino), ino, n);
		hv_obj_forget(fs, o, n);
	}
}

static void
op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n)
{
	HvFs *fs = fs_of(req);

	g_mutex_lock(&fs->lock);
	forget_one(fs, ino, n);
	g_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void
op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	HvFs *fs = fs_of(req);

	g_mutex_lock(&fs->lock);
	for (size_t i = 0; i < count; i++)
		forget_one(fs, f[i].ino, f[i].nlookup);
	g_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *o = hv_ops_resolve(fs, ino, &idx);
	struct stat st;
	int r;

	if (!o) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	r = hv_ops_attr(fs, o, idx, ino, &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, hv_ops_timeout(fs, o, idx));
	hv_obj_unref(fs, o);
}

static void
op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
	   struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *o = hv_ops_resolve(fs, ino, &idx);
	struct stat st;
	int r = 0;

	if (!o) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly)
		r = -EROFS;
	else if (to_set & FUSE_SET_ATTR_SIZE)
		r = hv_io_truncate(fs, o, idx, fi, (size_t)attr->st_size);
	else if ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
		 o->kind != DK_SCRATCH)
		r = -EPERM; /* modes are honest: they say what a file does */
	if (r == 0)
		r = hv_ops_attr(fs, o, idx, ino, &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, hv_ops_timeout(fs, o, idx));
	hv_obj_unref(fs, o);
}

static void
op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = { .f_bsize = 4096, .f_frsize = 4096, .f_namemax = HV_NAME_MAX };

	fuse_reply_statfs(req, &sv);
}

static void
op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	HvFs *fs = fs_of(req);

	fuse_reply_err(req, fs->readonly ? EROFS : EPERM);
}

static void
op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EPERM);
}

static void
op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	g_autoptr(GError) err = NULL;
	int r;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly) {
		r = -EROFS;
	} else if (!hv_dir_ops[dir->kind]->remove) {
		r = hv_ops_static_index(hv_dir_ops[dir->kind], name) >= 0 ? -EPERM : -ENOENT;
	} else if ((r = find_child(fs, dir, name, &o)) < 0) {
		/* r says why: no such object, or the node is away */
	} else if (o->kind == DK_SCRATCH) {
		r = -ENOTDIR;
	} else {
		r = hv_dir_ops[dir->kind]->remove(dir, name, &err);
		if (r < 0)
			hv_obj_fail(o, "rmdir", r, err);
	}
	fuse_reply_err(req, -r);
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	int r = -ENOENT;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly) {
		r = -EROFS;
	} else if (hv_ops_static_index(hv_dir_ops[dir->kind], name) >= 0) {
		r = -EPERM;
	} else if ((r = find_child(fs, dir, name, &o)) == 0) {
		r = o->kind == DK_SCRATCH ? 0 : -EISDIR;
		if (r == 0) {
			g_mutex_lock(&fs->lock);
			hv_obj_kill(fs, o);
			g_mutex_unlock(&fs->lock);
		}
	}
	fuse_reply_err(req, -r);
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	  const char *newname, unsigned int flags)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	int r;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs->readonly)
		r = -EROFS;
	else if (newparent != parent)
		r = -EXDEV;
	else if (flags)
		r = -EINVAL;
	else if (hv_ops_static_index(hv_dir_ops[dir->kind], name) >= 0)
		r = -EPERM;
	else if ((r = find_child(fs, dir, name, &o)) < 0)
		; /* no such file, or the node is away */
	else if (o->kind != DK_SCRATCH)
		r = -EPERM;
	else
		r = hv_io_rename_scratch(fs, dir, o, newname);
	fuse_reply_err(req, -r);
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	  struct fuse_file_info *fi)
{
	HvFs *fs = fs_of(req);
	unsigned idx;
	HvObj *dir = hv_ops_resolve(fs, parent, &idx), *o = NULL;
	struct fuse_entry_param e = { 0 };
	int r;

	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	r = hv_io_create_scratch(fs, dir, name, &o);
	if (r == 0)
		r = hv_io_open_scratch(fs, o, fi);
	if (r == 0)
		r = hv_ops_entry(fs, o, 0, &e);
	if (r < 0) {
		fuse_reply_err(req, -r);
	} else {
		g_mutex_lock(&fs->lock);
		o->nlookup++;
		g_mutex_unlock(&fs->lock);
		fuse_reply_create(req, &e, fi);
	}
	if (o)
		hv_obj_unref(fs, o);
	hv_obj_unref(fs, dir);
}

static void
op_init(void *userdata, struct fuse_conn_info *conn)
{
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
}

const struct fuse_lowlevel_ops hv_fuse_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.statfs = op_statfs,
	.mkdir = op_mkdir,
	.mknod = op_mknod,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = op_rename,
	.create = op_create,
	.open = hv_io_open,
	.read = hv_io_read,
	.write = hv_io_write,
	.flush = hv_io_flush,
	.release = hv_io_release,
	.opendir = hv_io_opendir,
	.readdir = hv_io_readdir,
	.readdirplus = hv_io_readdirplus,
	.releasedir = hv_io_releasedir,
	.poll = hv_io_poll,
};
