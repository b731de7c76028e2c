/* fs.h: the mounted tree. Every folder is an HvObj of some DirKind; each kind
 * has one static table of files ({name, flags, read, write, commit}), and a
 * collection's children come from the driver through one generic table
 * (collection.c). An inode number packs (object id, file index) in the Plan 9
 * / procfs way (inode.c). Nothing here calls a driver while holding the tree
 * lock. */
#pragma once
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <glib.h>
#include <pthread.h>
#include <stdbool.h>
#include "drivers/conn.h"

typedef enum {
	DK_ROOT,
	DK_NODE,
	DK_NODEINFO, /* node/ */
	DK_DOMAINS,
	DK_NETWORKS,
	DK_POOLS,
	DK_VOLUMES, /* pools/<p>/volumes */
	DK_DOMAIN,
	DK_NETWORK,
	DK_POOL,
	DK_VOLUME,
	DK_SNAPSHOTS, /* domains/<d>/snapshots */
	DK_SNAPSHOT,
	DK_SCRATCH, /* a temporary file a tool created (sed -i, cp into a folder) */
	DK_SECRETS,
	DK_SECRET,
	DK_IFACES, /* interfaces/ */
	DK_IFACE,
	DK_NODEDEVS, /* node/devices/ */
	DK_NODEDEV,
	DK_LAST
} DirKind;

typedef struct HvObj HvObj;
typedef struct HvVer HvVer;
typedef struct HvNode HvNode;
typedef struct HvFs HvFs;

enum {
	F_DIR = 1 << 0,      /* a fixed sub-folder */
	F_WRITE = 1 << 1,    /* writable control file: acts in write(2) */
	F_XML = 1 << 2,      /* writable document: checked and committed at close */
	F_VOLATILE = 1 << 3, /* changes without events (stats): attributes never cached */
	F_STREAM = 1 << 4,   /* the events file (events.c) */
	F_SLOW = 1 << 5,     /* read only at open: see "What a lookup may call" below */
	F_CONSOLE = 1 << 6,  /* a domain's serial console (console.c): streamed both ways */
	F_DATA = 1 << 7,     /* a volume's content (data.c): download and upload streams */
	F_PRIVATE = 1 << 8,  /* may hold secrets (a graphics passwd): its owner's only */
};

/* What a lookup or getattr may call (no FUSE worker waits on a hypervisor).
 * A lookup, a getattr and a readdirplus entry size a file by reading it, so
 * those reads must be cheap: the tree's own state (`error`) or a driver's
 * get_info, which every driver serves from state it holds, without a round
 * trip to the hypervisor (the qemu driver caches a domain's info, the remote
 * driver keeps the infos of a list-all call and events). Every other read
 * (documents through get_xml, which a remote node answers over RPC; stats and
 * screenshot.png, which ask QEMU; node/info; and whatever changes without an
 * event, like a domain's info) is F_SLOW: it is called only by open(2), into
 * that open's own snapshot (so a screenshot is taken once per open, for that
 * reader alone), the file shows size 0 and is read with direct_io, the way
 * /proc files are (cat, cp, tail, less and sed -i read to the end of file). */
typedef struct {
	const char *name;
	unsigned flags;
	int (*read)(HvObj *o, GString *out, GError **err);
	int (*write)(HvObj *o, const char *token, GError **err);
	int (*commit)(HvObj *o, const char *buf, size_t len, GError **err);
	HvObj *(*subdir)(HvObj *o); /* F_DIR */
	bool (*present)(HvObj *o);   /* NULL: always; else whether the node has it */
} FileDef;

/* st_blksize of volume content (F_DATA, and copies into volumes/): the
 * largest FUSE request op_init asks for (fs/ops.c), so cat and cp move that
 * much a call. */
#define HV_DATA_BLKSIZE (1u << 20)

/* The largest read request a splice can answer (a pipe holds the reply's
 * header and its bytes): HV_DATA_BLKSIZE where a pipe grows to twice that,
 * else half the largest pipe (data.c). */
unsigned hv_data_max_read(void);

/* A lookup or getattr may read fd to size it (the rule above). */
static inline bool
hv_file_sized(const FileDef *fd)
{
	return fd->read && !(fd->flags & (F_SLOW | F_DIR | F_STREAM | F_CONSOLE | F_DATA));
}

/* One kind of folder: its static files and, for a collection (child_kind set;
 * DK_ROOT is never a child), children that are the objects of one kind,
 * listed, looked up, defined and removed through collection.c. */
typedef struct {
	const FileDef *files;
	size_t nfiles;
	DirKind child_kind; /* collections: the kind of their children's folders */
	bool scratch;       /* tools may create temporary files here (scratch.c) */
	/* objects of this kind change without events (interfaces, node devices):
	 * the kernel keeps neither their names nor their files' attributes */
	bool uncached;
	/* mkdir NAME in this folder makes a child object (snapshots/); NULL: EPERM */
	int (*mkdir)(HvObj *dir, const char *name, GError **err);
} DirOps;

static inline bool
hv_dir_is_collection(const DirOps *ops)
{
	return ops->child_kind != DK_ROOT;
}

struct HvObj {
	uint64_t id;
	DirKind kind;
	HvNode *node;   /* NULL for the root */
	HvObj *parent;
	char *name;
	int64_t nlookup; /* kernel references, all inodes of this object */
	int refs;        /* in-flight users (open files) */
	bool dead;       /* gone from the driver or unlinked */
	GHashTable *children; /* name -> HvObj*, collections and scratch holders */
	HvObj *volumes;       /* DK_POOL: its volumes/ folder */
	HvObj *snapshots;     /* DK_DOMAIN: its snapshots/ folder */
	GString *data;        /* DK_SCRATCH: the bytes written */
	char *error;          /* last failure line, or NULL */
	struct timespec mtime;
	bool commit_on_close; /* DK_SCRATCH copied into a collection */
	unsigned scratch_n;   /* folders: their temporary files (scratch.c) */
	size_t scratch_bytes; /* and the bytes those hold */
	HvVer *ver;           /* versioned files, by file index - 1 (inode.c), or NULL */
};

/* The parked-read streams of one node (stream.c): its `events` and `console`
 * readers, each with its own cursor. */
typedef struct {
	GMutex lock;        /* the readers list and their parked requests */
	GList *readers;     /* HvStream* */
	GThreadPool *waker; /* answers readers whose source calls the driver */
} HvStreamSet;

struct HvNode {
	HvFs *fs;
	char *name; /* folder name */
	HvConn *conn;
	HvObj *obj; /* its folder */
	HvObj *nodeinfo, *domains, *networks, *pools;
	HvObj *secrets; /* secrets/ (files_secret.c) */
	HvObj *ifaces, *nodedevs; /* interfaces/, node/devices/ (files_iface.c) */
	HvStreamSet streams;
	/* events (events.c) */
	GMutex ev_lock;
	GCond ev_cond;
	GPtrArray *ring;     /* char* lines, oldest first */
	uint64_t ring_first; /* sequence number of ring[0] */
	uint64_t ev_seq;     /* events seen */
	uint64_t inval_seq;  /* events whose invalidations are done */
	bool inval_held;        /* a wait for them timed out, at inval_seq inval_held_at */
	uint64_t inval_held_at;
	/* invalidations (inval.c): this node's own notifier, so that a node whose
	 * invalidations wait (on a lookup stuck in its driver) delays no other */
	GQueue inval;       /* HvInval*, under ev_lock (our lock: ThreadSanitizer sees it) */
	GCond inval_cond;   /* something queued */
	bool inval_full;    /* under ev_lock: the queue overflowed (inval.c) */
	GThread *notifier;
	GHashTable *migrate; /* domain name -> its `migrate` settings (move.c), under fs->lock */
};

struct HvFs {
	struct fuse_session *se;
	GMutex lock; /* the object tables */
	GHashTable *objs; /* id -> HvObj* */
	uint64_t next_id;
	HvObj *root;
	GPtrArray *nodes; /* HvNode* */
	bool readonly;
	uid_t uid;
	gid_t gid;
	double timeout;       /* attribute cache of files that change with events, seconds */
	double entry_timeout; /* names: they change only with events, which drop them */
	gint64 spin_us;   /* spin.c: how long the spinning receiver stays hot */
	unsigned max_read; /* bytes of a FUSE read request (-o max_read; data.c) */
	GThread *spinner;
	GMutex spin_lock; /* spin_tid, spin_ended */
	GCond spin_cond;
	pthread_t spin_tid;
	bool spin_ended;
	gint spin_done; /* atomic: stop */
	/* mountwatch.c: the mount table, watched for our mount going away */
	GThread *mw_thread;
	int mw_fd, mw_stop; /* /proc/self/mountinfo; an eventfd that stops the thread */
	char mw_dev[32];    /* our file system's device, "major:minor" */
	char *mw_path;
	pthread_t mw_main;  /* the thread that runs the session loop */
};

extern const DirOps *const hv_dir_ops[DK_LAST];

/* ino <-> (object, file index, version); index 0 is the folder itself. A
 * versioned file (inode.c) gets a new inode whenever its content changes, the
 * version in the top 16 bits (1..65535; 0 for everything else). */
#define HV_INO(id, idx) (((uint64_t)(id) << 8) | (uint64_t)(idx))
#define HV_INO_ID(ino) (((ino) >> 8) & ((UINT64_C(1) << 40) - 1))
#define HV_INO_IDX(ino) ((unsigned)((ino)&0xff))
#define HV_INO_VER(ino) ((unsigned)((ino) >> 48))
#define HV_INO_V(id, idx, ver) (HV_INO(id, idx) | ((uint64_t)(ver) << 48))

/* obj.c: the object tables. Callers hold fs->lock unless said otherwise. */
HvObj *hv_obj_new(HvFs *fs, DirKind kind, HvNode *node, HvObj *parent, const char *name);
HvObj *hv_obj_get(HvFs *fs, uint64_t id);
HvObj *hv_obj_child(HvFs *fs, HvObj *dir, DirKind kind, const char *name); /* get or make */
void hv_obj_forget(HvFs *fs, HvObj *o, uint64_t n);
void hv_obj_kill(HvFs *fs, HvObj *o);   /* gone: unhook from its parent */
void hv_obj_unref(HvFs *fs, HvObj *o);  /* takes the lock */
void hv_obj_ref(HvFs *fs, HvObj *o);    /* takes the lock */
void hv_obj_touch(HvObj *o);
void hv_obj_free_all(HvFs *fs); /* at exit, once no handler runs */
char *hv_obj_pool_dup(HvFs *fs, HvObj *o); /* DK_VOLUME(S), DK_POOL; takes the lock */

/* fail.c: failures. Records one on o's error file (takes the lock) and logs
 * it; returns r. */
int hv_obj_fail(HvObj *o, const char *file, int r, const GError *err);

/* events.c: driver events in; each node's ring of lines for `events` readers,
 * answered as soon as their line is pushed. */
void hv_events_init(HvNode *n);
void hv_events_clear(HvNode *n);
void hv_events_on_driver_event(HvConn *c, const HvEvent *ev, void *opaque);
/* waits (at most ms) until the invalidations of every event n has seen so
 * far are done, so that `echo 1G > memory; stat memory` sees the new size */
void hv_events_wait_settled(HvNode *n, unsigned ms);
typedef struct HvStream HvStream;
HvStream *hv_events_open(HvNode *n, bool nonblock);

/* inval.c: each node's notifier thread, turning events into kernel cache
 * invalidations without asking the driver anything. */
void hv_inval_queue(HvNode *n, const HvEvent *ev, uint64_t seq);
void hv_inval_start(HvFs *fs); /* once the session exists */
/* A temporary file gone (committed, renamed over, dropped) whose name the
 * kernel may still hold in the folder dir: the name is dropped on the node's
 * notifier, so the kernel forgets the file's inode and its object is freed
 * (never on the worker that made it go: the kernel's invalidation waits for
 * the folder's requests in flight). */
void hv_inval_name(HvNode *n, fuse_ino_t dir, const char *name);
void hv_inval_stop(HvFs *fs);

/* stream.c: parked reads (stream.h has the sources' side) */
void hv_stream_close(HvStream *r);
void hv_stream_read(HvStream *r, fuse_req_t req, size_t size);
void hv_stream_poll(HvStream *r, fuse_req_t req, struct fuse_pollhandle *ph);

/* console.c */
bool hv_console_on_driver_event(HvNode *n, const HvEvent *ev); /* true: it was console output */
HvStream *hv_console_open(HvObj *o, bool nonblock);
int hv_console_write(HvStream *r, HvObj *o, const char *buf, size_t size); /* bytes or -errno */

/* mountwatch.c */
void hv_mountwatch_start(HvFs *fs, const char *mountpoint); /* once mounted, main thread */
void hv_mountwatch_stop(HvFs *fs);

/* spin.c */
void hv_spin_start(HvFs *fs);
void hv_spin_stop(HvFs *fs); /* before fuse_session_unmount(), which closes its fd */

/* ops.c */
extern const struct fuse_lowlevel_ops hv_fuse_ops;

/* files_*.c: shared helpers */
int hv_files_error(HvObj *o, GString *out, GError **err);
const char *hv_bool_word(bool b); /* yes / no */
