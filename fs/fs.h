/* fs.h: the mounted tree. Every folder is an HvObj of some DirKind; each kind
 * has one static table of files ({name, flags, read, write, commit}) plus, for
 * collections, callbacks that list and look up dynamic children through the
 * driver API. An inode number packs (object id, file index) in the Plan 9 /
 * procfs way. Nothing here calls a driver while holding the tree lock. */
#pragma once
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <glib.h>
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
	DK_SCRATCH, /* a temporary file a tool created (sed -i, cp into a folder) */
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
	F_VOLATILE = 1 << 3, /* changes without events (stats): never cached */
	F_STREAM = 1 << 4,   /* the events file */
	F_CACHE = 1 << 5,    /* never changes while mounted: served from the page cache */
	F_CONSOLE = 1 << 6,  /* a domain's serial console (console.c): streamed both ways */
};

typedef struct {
	const char *name;
	unsigned flags;
	int (*read)(HvObj *o, GString *out, GError **err);
	int (*write)(HvObj *o, const char *token, GError **err);
	int (*commit)(HvObj *o, const char *buf, size_t len, GError **err);
	HvObj *(*subdir)(HvObj *o); /* F_DIR */
	bool (*present)(HvObj *o);   /* NULL: always; else whether the node has it */
} FileDef;

typedef struct {
	const FileDef *files;
	size_t nfiles;
	/* collections: children come from the driver */
	DirKind child_kind;
	HvObjKind obj_kind; /* what the children are, for documents copied in */
	int (*list)(HvObj *dir, GPtrArray **names, GError **err);
	int (*exists)(HvObj *dir, const char *name, GError **err); /* 0 or -ENOENT */
	int (*create)(HvObj *dir, const char *xml, GError **err); /* the driver's define */
	int (*remove)(HvObj *dir, const char *name, GError **err); /* rmdir */
	bool scratch; /* tools may create temporary files here */
} DirOps;

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
	GString *data;        /* DK_SCRATCH: the bytes written */
	char *error;          /* last failure line, or NULL */
	struct timespec mtime;
	bool commit_on_close; /* DK_SCRATCH copied into a collection */
	HvVer *ver;           /* versioned files, by file index - 1 (ops.c), or NULL */
};

struct HvNode {
	HvFs *fs;
	char *name; /* folder name */
	HvConn *conn;
	HvObj *obj; /* its folder */
	HvObj *nodeinfo, *domains, *networks, *pools;
	/* events */
	GMutex ev_lock;
	GCond ev_cond;
	GPtrArray *ring; /* char* lines, oldest first */
	uint64_t ring_first; /* sequence number of ring[0] */
	GList *readers;      /* EvReader* with a pending read or poll */
	uint64_t ev_seq;     /* events seen */
	uint64_t inval_seq;  /* events whose invalidations are done */
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
	double timeout; /* entry and attribute cache, seconds */
	GAsyncQueue *inval; /* InvalWork* for the notifier thread */
	GThread *notifier;
	gint64 spin_us;   /* spin.c: how long the spinning receiver stays hot */
	GThread *spinner;
};

extern const DirOps *const hv_dir_ops[DK_LAST];

/* ino <-> (object, file index, version); index 0 is the folder itself. A
 * versioned file (ops.c) gets a new inode whenever its content changes, the
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
/* Records a failure on o (takes the lock) and logs it; returns r. */
int hv_obj_fail(HvObj *o, const char *file, int r, const GError *err);
void hv_obj_touch(HvObj *o);
void hv_obj_free_all(HvFs *fs); /* at exit, once no handler runs */
void hv_ver_free(HvObj *o);     /* ops.c */
/* The object whose driver name is o->name: a domain for DK_DOMAIN, and so on. */
const char *hv_obj_pool_name(HvObj *o); /* DK_VOLUME(S) and DK_POOL */

/* events.c */
void hv_events_init(HvNode *n);
void hv_events_clear(HvNode *n);
void hv_events_on_driver_event(HvConn *c, const HvEvent *ev, void *opaque);
void hv_events_start(HvFs *fs);
void hv_events_stop(HvFs *fs);

/* inval.c: the kernel cache invalidations one event calls for (notifier thread). */
void hv_invalidate(HvFs *fs, HvNode *n, HvObjKind kind, const char *parent, const char *name);
void hv_events_wait_settled(HvNode *n, unsigned ms);
typedef struct EvReader EvReader;
EvReader *hv_events_open(HvNode *n, bool nonblock);
void hv_events_close(EvReader *r);
void hv_events_read(EvReader *r, fuse_req_t req, size_t size);
void hv_events_poll(EvReader *r, fuse_req_t req, struct fuse_pollhandle *ph);

/* spin.c */
void hv_spin_start(HvFs *fs);
void hv_spin_stop(HvFs *fs); /* after fuse_session_unmount() */

/* console.c */
typedef struct ConReader ConReader;
bool hv_console_on_driver_event(HvNode *n, const HvEvent *ev); /* true: it was console output */
ConReader *hv_console_open(HvObj *o, bool nonblock);
void hv_console_close(ConReader *r);
void hv_console_read(ConReader *r, fuse_req_t req, size_t size);
void hv_console_poll(ConReader *r, fuse_req_t req, struct fuse_pollhandle *ph);
int hv_console_write(ConReader *r, HvObj *o, const char *buf, size_t size); /* bytes or -errno */

/* ops.c */
extern const struct fuse_lowlevel_ops hv_fuse_ops;

/* files_*.c: shared helpers */
int hv_files_error(HvObj *o, GString *out, GError **err);
const char *hv_bool_word(bool b); /* yes / no */
