/* inode.c: inode numbers, attributes and versions. An inode number packs
 * (object id, file index, version), so resolving one is a hash lookup; a
 * file's attributes are what reading it gives, read only where a lookup may
 * read (fs.h: cheap files are sized, F_SLOW ones show 0); and small files that
 * change with their object are versioned, below. The name operations that use
 * all this are in ops.c, listings in dir.c. */
#include <string.h>
#include <sys/stat.h>
#include "fs/inode.h"

/* A gone object's folder may still be cached by the kernel while an object
 * of the same name was defined again (undefine and define racing a listing).
 * Its inode then means the object of that name now: the files say whether it
 * exists. Temporary files have no successor. Lock held. */
static HvObj *
successor(HvFs *fs, HvObj *o)
{
	HvObj *dir = o->parent;

	if (o->kind == DK_SCRATCH || !dir || dir->dead ||
	    hv_dir_ops[dir->kind]->child_kind != o->kind)
		return NULL;
	return hv_obj_child(fs, dir, o->kind, o->name);
}

HvObj *
hv_ino_resolve(HvFs *fs, fuse_ino_t ino, unsigned *idx)
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

HvObj *
hv_ino_req(fuse_req_t req, fuse_ino_t ino, unsigned *idx)
{
	HvObj *o = hv_ino_resolve(fuse_req_userdata(req), ino, idx);

	if (!o)
		fuse_reply_err(req, ENOENT);
	return o;
}

fuse_ino_t
hv_ino_of(HvObj *o, unsigned idx)
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
	else if (!hv_dir_ops[o->kind]->files[idx - 1].read &&
		 (hv_dir_ops[o->kind]->files[idx - 1].flags & (F_WRITE | F_CONSOLE)) == F_WRITE)
		m = S_IFREG | 0200; /* write-only: a secret's value */
	else if (hv_dir_ops[o->kind]->files[idx - 1].flags & (F_WRITE | F_XML | F_DATA))
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
	bool stored;      /* its content was pushed into this inode's page cache */
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
hv_ver_is(HvObj *o, unsigned idx)
{
	const FileDef *fd;

	if (o->kind == DK_SCRATCH || idx == 0 || idx > hv_dir_ops[o->kind]->nfiles)
		return false;
	fd = &hv_dir_ops[o->kind]->files[idx - 1];
	return hv_file_sized(fd) && !(fd->flags & (F_XML | F_VOLATILE));
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

	if (!hv_ver_is(o, idx) || HV_INO_VER(st->st_ino) == 0)
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
hv_ino_take(HvFs *fs, HvObj *o, unsigned idx, const struct stat *st)
{
	g_mutex_lock(&fs->lock);
	o->nlookup++;
	ver_take_locked(o, idx, st, 1);
	g_mutex_unlock(&fs->lock);
}

/* The kernel forgot n references to version ino. Lock held. */
static void
ver_forget_locked(HvObj *o, unsigned idx, fuse_ino_t ino, uint64_t n)
{
	LiveVer *lv;

	if (!o->ver || !hv_ver_is(o, idx) || HV_INO_VER(ino) == 0)
		return;
	lv = live_find(&o->ver[idx - 1], HV_INO_VER(ino));
	if (!lv)
		return;
	lv->nlookup = n >= lv->nlookup ? 0 : lv->nlookup - n;
	if (lv->nlookup == 0)
		g_array_remove_index_fast(o->ver[idx - 1].live,
					  (guint)(lv - &g_array_index(o->ver[idx - 1].live, LiveVer, 0)));
}

void
hv_ino_forget_locked(HvFs *fs, fuse_ino_t ino, uint64_t n)
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

bool
hv_ver_match(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, const GString *content,
	     bool *store)
{
	HvVer *v;
	LiveVer *lv;
	bool ok;

	*store = false;
	if (!hv_ver_is(o, idx))
		return false;
	g_mutex_lock(&fs->lock);
	v = o->ver ? &o->ver[idx - 1] : NULL;
	ok = v && v->gen && !v->writable && ver_bits(v->gen) == HV_INO_VER(ino) &&
	     content->len == v->len && memcmp(content->str, v->content, v->len) == 0;
	/* the first page-cache open of this inode pushes its pages (io.c); later
	 * ones find them, or read them in if the kernel dropped them */
	if (ok && content->len > 0 && (lv = live_find(v, HV_INO_VER(ino))) && !lv->stored)
		*store = lv->stored = true;
	g_mutex_unlock(&fs->lock);
	return ok;
}

int
hv_ver_open_write(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino)
{
	HvVer *v;
	LiveVer *lv;
	int r = 0;

	if (!hv_ver_is(o, idx) || HV_INO_VER(ino) == 0)
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
hv_ver_close_write(HvFs *fs, HvObj *o, unsigned idx)
{
	HvVer *v;

	g_mutex_lock(&fs->lock);
	v = ver_slot(o, idx);
	if (--v->writers == 0)
		v->retire = true;
	g_mutex_unlock(&fs->lock);
}

/* Attributes of (o, idx) as a lookup finds them now: a sized file's size is
 * the length of what reading it gives (fs.h says which files are sized), and
 * a versioned file's inode is that of the version holding it (*gen, for the
 * kernel's inode generation). Called without the lock, o referenced. */
static int
attr_now(HvFs *fs, HvObj *o, unsigned idx, struct stat *st, uint64_t *gen)
{
	memset(st, 0, sizeof(*st));
	*gen = 0;
	st->st_ino = hv_ino_of(o, idx);
	st->st_mode = file_mode(fs, o, idx);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	g_mutex_lock(&fs->lock); /* the notifier touches it (inval.c) */
	st->st_atim = st->st_mtim = st->st_ctim = o->mtime;
	g_mutex_unlock(&fs->lock);
	if (o->kind == DK_SCRATCH) {
		g_mutex_lock(&fs->lock);
		st->st_size = (off_t)o->data->len;
		g_mutex_unlock(&fs->lock);
	} else if (idx > 0) {
		const FileDef *fd = &hv_dir_ops[o->kind]->files[idx - 1];

		/* only a file a lookup may read is sized (fs.h); the others show 0 */
		if (hv_file_sized(fd)) {
			g_autoptr(GString) s = g_string_new(NULL);
			g_autoptr(GError) err = NULL;
			int r = fd->read(o, s, &err);

			if (r == -ENOENT)
				return r;
			st->st_size = r < 0 ? 0 : (off_t)s->len;
			if (r >= 0 && hv_ver_is(o, idx)) {
				*gen = ver_update(fs, o, idx, s, &st->st_mtim);
				st->st_atim = st->st_ctim = st->st_mtim;
				st->st_ino = HV_INO_V(o->id, idx, ver_bits(*gen));
			}
		}
	}
	/* a volume's content and a copy coming into volumes/: tools that size
	 * their buffer by st_blksize (cat, cp, dd's default is its own) move 1
	 * MiB a request, the largest op_init asks for, not 128 KiB */
	if (o->kind == DK_SCRATCH || (idx > 0 && hv_dir_ops[o->kind]->files[idx - 1].flags & F_DATA))
		st->st_blksize = HV_DATA_BLKSIZE;
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

/* Attributes of the inode ino names. A version the kernel holds keeps its own
 * size and time; one it never got (a folder's successor) is looked up now. */
int
hv_ino_attr(HvFs *fs, HvObj *o, unsigned idx, fuse_ino_t ino, struct stat *st)
{
	uint64_t gen;
	LiveVer *lv = NULL;

	if (!hv_ver_is(o, idx) || HV_INO_VER(ino) == 0)
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
hv_ino_timeout(HvFs *fs, HvObj *o, unsigned idx)
{
	if (o->kind == DK_SCRATCH)
		return 0;
	if (idx > 0 && (hv_dir_ops[o->kind]->files[idx - 1].flags & F_VOLATILE))
		return 0;
	if (hv_ver_is(o, idx))
		return VER_ATTR_TIMEOUT;
	return fs->timeout;
}

/* An entry for (o, idx) as a lookup or readdirplus gives it. */
int
hv_ino_entry(HvFs *fs, HvObj *o, unsigned idx, struct fuse_entry_param *e)
{
	uint64_t gen;
	int r = attr_now(fs, o, idx, &e->attr, &gen);

	if (r < 0)
		return r;
	e->ino = e->attr.st_ino;
	e->generation = gen;
	e->attr_timeout = hv_ino_timeout(fs, o, idx);
	/* Every name in the tree changes only with an event, and every event drops
	 * the names it changes (inval.c), so names are kept long: a 10,000-file
	 * pass must not look names up again that expired mid-pass. A scratch file's
	 * name is soon renamed over or gone, and an uncached kind's object changes
	 * without events: never cache those. No negative entries
	 * are given (an ENOENT is not cached), so a name that appears through an
	 * event is found at once. */
	e->entry_timeout = o->kind == DK_SCRATCH || hv_dir_ops[o->kind]->uncached
				   ? 0 : fs->entry_timeout;
	return 0;
}

bool
hv_file_present(HvObj *o, int i)
{
	const FileDef *fd = &hv_dir_ops[o->kind]->files[i];

	return !fd->present || fd->present(o);
}

int
hv_file_index(const DirOps *ops, const char *name)
{
	for (size_t i = 0; i < ops->nfiles; i++)
		if (strcmp(ops->files[i].name, name) == 0)
			return (int)i;
	return -1;
}
