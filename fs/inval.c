/* inval.c: one driver event -> the kernel cache invalidations it calls for, on
 * the node's own notifier thread. Each node has its own, because a kernel
 * invalidation waits for the lookups in flight in its folder: a lookup stuck
 * in a slow driver call holds up that node's notifier and no other node's.
 * Invalidating asks the driver nothing: an `undefined` (or a volume's
 * `deleted`) event is trusted, the object is unhooked and its name dropped;
 * any other event drops the object's attributes, pages and versioned names, so
 * that the next lookup (on a FUSE worker, calling only what a lookup may call,
 * fs.h) finds what changed. Nothing here holds the tree lock while it talks to
 * the kernel, and readers of `events` have been answered before (events.c).
 * A node's notifier runs only while it has work: an idle node has none. */
#include <string.h>
#include "fs/inode.h"

#define INVAL_MAX 4096 /* events waiting for their invalidations, a node */

typedef struct {
	HvObjKind kind;
	char *parent;
	char *name;
	char *event;
	uint64_t seq;
	bool stop;
	bool all; /* the queue overflowed: everything of the node, at once */
	fuse_ino_t dir; /* set: only name in this folder (hv_inval_name), no event */
} HvInval;

/* One invalidation: an inode's attributes and pages, or (name set) a name in
 * the folder ino: a versioned file's, whose next lookup finds the new version
 * (inode.c), or a child's. Names point into the static file tables or into
 * the strings of the event being handled. */
typedef struct {
	fuse_ino_t ino;
	const char *name;
} Inval;

/* The events after which an object is gone (libvirt's vocabulary). */
static const struct {
	HvObjKind kind;
	const char *event;
} gone_events[] = {
	{ HV_OBJ_DOMAIN, "undefined" },
	{ HV_OBJ_NETWORK, "undefined" },
	{ HV_OBJ_POOL, "undefined" },
	{ HV_OBJ_VOLUME, "deleted" },
	{ HV_OBJ_SECRET, "undefined" },
};

static bool
is_gone(HvObjKind kind, const char *event)
{
	for (size_t i = 0; i < G_N_ELEMENTS(gone_events); i++)
		if (gone_events[i].kind == kind && strcmp(gone_events[i].event, event) == 0)
			return true;
	return false;
}

static void
add(GArray *v, fuse_ino_t ino, const char *name)
{
	Inval one = { ino, name };

	g_array_append_val(v, one);
}

/* Everything of o the kernel may hold. Lock held. */
static void
add_obj(GArray *v, HvObj *o)
{
	const DirOps *ops = hv_dir_ops[o->kind];

	hv_obj_touch(o);
	for (size_t i = 0; i <= ops->nfiles; i++) {
		if (hv_ver_is(o, (unsigned)i))
			add(v, HV_INO(o->id, 0), ops->files[i - 1].name);
		else
			add(v, HV_INO(o->id, i), NULL);
	}
}

/* A child's name in dir, and dir's own attributes. */
static void
add_name(GArray *v, HvObj *dir, const char *name)
{
	add(v, HV_INO(dir->id, 0), name);
	add(v, HV_INO(dir->id, 0), NULL);
}

static HvObj *
collection(HvNode *n, HvObjKind kind, const char *parent, HvObj **pool)
{
	*pool = NULL;
	switch (kind) {
	case HV_OBJ_DOMAIN:
		return n->domains;
	case HV_OBJ_NETWORK:
		return n->networks;
	case HV_OBJ_POOL:
		return n->pools;
	case HV_OBJ_SECRET:
		return n->secrets;
	case HV_OBJ_VOLUME:
		*pool = parent ? g_hash_table_lookup(n->pools->children, parent) : NULL;
		if (*pool && (*pool)->kind == DK_SCRATCH)
			*pool = NULL;
		return *pool ? (*pool)->volumes : NULL;
	default:
		return NULL;
	}
}

/* A pool's change may change its volumes (a stopped pool lists none): their
 * files and their names, so that the next lookup asks again. Lock held. */
static void
add_volumes(GArray *v, HvObj *pool)
{
	GHashTableIter it;
	gpointer k, val;

	if (!pool->volumes)
		return;
	g_hash_table_iter_init(&it, pool->volumes->children);
	while (g_hash_table_iter_next(&it, &k, &val)) {
		if (((HvObj *)val)->kind == DK_SCRATCH)
			continue;
		add_obj(v, val);
		add(v, HV_INO(pool->volumes->id, 0), k);
	}
}

static void
notify(HvFs *fs, GArray *v)
{
	for (guint i = 0; i < v->len; i++) {
		Inval *one = &g_array_index(v, Inval, i);

		if (one->name)
			fuse_lowlevel_notify_inval_entry(fs->se, one->ino, one->name,
							 strlen(one->name));
		else
			fuse_lowlevel_notify_inval_inode(fs->se, one->ino, 0, 0);
	}
}

static void notify_unlock(HvFs *fs, GArray *v);
static GPtrArray *hold(HvFs *fs, GArray *v);
static void notify_release(HvFs *fs, GArray *v, GPtrArray *held);

static void
invalidate(HvNode *n, const HvInval *w)
{
	HvFs *fs = n->fs;
	g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(Inval));
	HvObj *dir, *o = NULL, *pool;

	g_mutex_lock(&fs->lock);
	dir = collection(n, w->kind, w->parent, &pool);
	if (w->kind == HV_OBJ_NODE)
		add_obj(v, n->nodeinfo);
	if (dir)
		o = g_hash_table_lookup(dir->children, w->name);
	if (o && o->kind == DK_SCRATCH)
		o = NULL;
	if (o) {
		add_obj(v, o);
		if (o->kind == DK_POOL)
			add_volumes(v, o);
	}
	if (pool)
		add_obj(v, pool); /* its capacity and allocation follow its volumes */
	if (dir && is_gone(w->kind, w->event)) {
		add_name(v, dir, w->name);
		if (o) { /* what v names stays valid until the kernel is told */
			g_autoptr(GPtrArray) held = hold(fs, v);

			hv_obj_kill(fs, o);
			notify_release(fs, v, held);
			return;
		}
	}
	notify_unlock(fs, v);
}

/* With the lock held: references on every object of v (their names stay
 * valid: names of the static tables, of the event, and of the children that
 * the references keep), then the kernel is told without the lock. */
static GPtrArray *
hold(HvFs *fs, GArray *v)
{
	GPtrArray *held = g_ptr_array_new();

	for (guint i = 0; i < v->len; i++) {
		HvObj *h = hv_obj_get(fs, HV_INO_ID(g_array_index(v, Inval, i).ino));

		if (h) {
			h->refs++;
			g_ptr_array_add(held, h);
		}
	}
	return held;
}

/* The lock held, and the references taken: unlock, tell, let go. A killed
 * object (a pool gone with its volumes, whose names v holds) is freed only
 * here, at its last reference. */
static void
notify_release(HvFs *fs, GArray *v, GPtrArray *held)
{
	g_mutex_unlock(&fs->lock);
	notify(fs, v);
	for (guint i = 0; i < held->len; i++)
		hv_obj_unref(fs, held->pdata[i]);
}

static void
notify_unlock(HvFs *fs, GArray *v)
{
	g_autoptr(GPtrArray) held = hold(fs, v);

	notify_release(fs, v, held);
}

/* After an overflow of the queue (a lookup stuck in a slow driver call holds
 * the notifier up): every object of the node, its attributes, pages and
 * name, so that nothing the dropped events changed stays cached. */
static void
invalidate_all(HvNode *n)
{
	HvFs *fs = n->fs;
	g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(Inval));
	GHashTableIter it;
	gpointer val;

	g_mutex_lock(&fs->lock);
	g_hash_table_iter_init(&it, fs->objs);
	while (g_hash_table_iter_next(&it, NULL, &val)) {
		HvObj *o = val;

		if (o->node != n || o->dead || o->kind == DK_SCRATCH)
			continue;
		add_obj(v, o);
		if (o->parent && o->parent->children && o->kind != DK_NODE)
			add(v, HV_INO(o->parent->id, 0), o->name);
	}
	notify_unlock(fs, v);
}

static void
inval_free(HvInval *w)
{
	g_free(w->parent);
	g_free(w->name);
	g_free(w->event);
	g_free(w);
}

/* A notifier starts with its node's first event and ends after IDLE_US
 * without one, so an idle node of a fleet costs no thread. n->notifier is
 * under n->ev_lock; notifiers run only between hv_inval_start and
 * hv_inval_stop. */
#define IDLE_US (2 * G_TIME_SPAN_SECOND)

static gint notifiers_started;

static gpointer notifier(gpointer data);

/* n->ev_lock held */
static void
notifier_start(HvNode *n)
{
	g_autofree char *what = NULL;

	if (!g_atomic_int_get(&notifiers_started) || n->notifier || !n->inval.length)
		return;
	what = g_strdup_printf("hv-notify-%s", n->name);
	n->notifier = g_thread_new(what, notifier, n);
}

static void
push(HvNode *n, HvInval *w)
{
	g_mutex_lock(&n->ev_lock);
	g_queue_push_tail(&n->inval, w);
	g_cond_signal(&n->inval_cond);
	notifier_start(n);
	g_mutex_unlock(&n->ev_lock);
}

/* The queue is bounded: past INVAL_MAX waiting events, one `all` item takes
 * the place of every event until the notifier reaches it (their lines are in
 * the ring all the same), and node/error says so, once an overflow. */
void
hv_inval_queue(HvNode *n, const HvEvent *ev, uint64_t seq)
{
	g_autoptr(GError) err = NULL;
	HvInval *w;
	bool overflow;

	g_mutex_lock(&n->ev_lock);
	if (n->inval_full) {
		g_mutex_unlock(&n->ev_lock);
		return;
	}
	overflow = n->inval.length >= INVAL_MAX;
	n->inval_full = overflow;
	g_mutex_unlock(&n->ev_lock);
	w = g_new0(HvInval, 1);
	w->seq = seq;
	if (overflow) {
		w->all = true;
	} else {
		w->kind = ev->kind;
		w->parent = g_strdup(ev->parent);
		w->name = g_strdup(ev->name);
		w->event = g_strdup(ev->event);
	}
	push(n, w);
	if (overflow)
		hv_obj_fail(n->nodeinfo, "events", -ENOSPC,
			    (err = g_error_new(HV_ERROR, ENOSPC,
					       "more than %d events wait for their cache "
					       "invalidations (a lookup stuck in a slow driver call "
					       "holds them up): the node's cached files will all be "
					       "dropped at once",
					       INVAL_MAX)));
}

void
hv_inval_name(HvNode *n, fuse_ino_t dir, const char *name)
{
	HvInval *w = g_new0(HvInval, 1);

	w->dir = dir;
	w->name = g_strdup(name);
	push(n, w);
}

/* The next item of n's queue, or NULL once the queue stayed empty for
 * IDLE_US: then the thread has given up n->notifier and must end. */
static HvInval *
next_item(HvNode *n)
{
	gint64 end = g_get_monotonic_time() + IDLE_US;
	HvInval *w;

	g_mutex_lock(&n->ev_lock);
	while (!(w = g_queue_pop_head(&n->inval)))
		if (!g_cond_wait_until(&n->inval_cond, &n->ev_lock, end) && !n->inval.length) {
			/* the next event starts another; n is not touched after this */
			g_thread_unref(g_steal_pointer(&n->notifier));
			break;
		}
	g_mutex_unlock(&n->ev_lock);
	return w;
}

static gpointer
notifier(gpointer data)
{
	HvNode *n = data;

	for (;;) {
		HvInval *w = next_item(n);

		if (!w)
			break;
		if (w->stop) {
			inval_free(w);
			break;
		}
		if (w->dir) { /* no event: the events' progress stays */
			fuse_lowlevel_notify_inval_entry(n->fs->se, w->dir, w->name, strlen(w->name));
			inval_free(w);
			continue;
		}
		if (w->all) {
			g_mutex_lock(&n->ev_lock); /* covers every event seen so far */
			n->inval_full = false;
			w->seq = n->ev_seq;
			g_mutex_unlock(&n->ev_lock);
			invalidate_all(n);
		} else
			invalidate(n, w);
		g_mutex_lock(&n->ev_lock);
		n->inval_seq = w->seq;
		g_cond_broadcast(&n->ev_cond);
		g_mutex_unlock(&n->ev_lock);
		inval_free(w);
	}
	return NULL;
}

void
hv_inval_start(HvFs *fs)
{
	g_atomic_int_set(&notifiers_started, 1);
	for (guint i = 0; i < fs->nodes->len; i++) {
		HvNode *n = fs->nodes->pdata[i];

		g_mutex_lock(&n->ev_lock);
		notifier_start(n);
		g_mutex_unlock(&n->ev_lock);
	}
}

void
hv_inval_stop(HvFs *fs)
{
	g_atomic_int_set(&notifiers_started, 0);
	for (guint i = 0; i < fs->nodes->len; i++) {
		HvNode *n = fs->nodes->pdata[i];
		GThread *t;

		g_mutex_lock(&n->ev_lock);
		t = n->notifier ? g_thread_ref(n->notifier) : NULL;
		if (t) {
			HvInval *w = g_new0(HvInval, 1);

			w->stop = true;
			g_queue_push_tail(&n->inval, w);
			g_cond_signal(&n->inval_cond);
		}
		g_mutex_unlock(&n->ev_lock);
		if (!t)
			continue;
		g_thread_join(t);
		g_mutex_lock(&n->ev_lock);
		g_clear_pointer(&n->notifier, g_thread_unref);
		g_mutex_unlock(&n->ev_lock);
	}
}
