/* objtab.h: the shared object table of every local driver, after libvirt's
 * virdomainobjlist.c / virnetworkobj.c / virstorageobj.c. One table per kind
 * (domains, networks, pools; each pool may carry a child table of volumes)
 * indexes objects by name and uuid in a stable order, and implements what
 * libvirt's drivers share: lookups with libvirt's messages, bulk list
 * snapshots, the persistent/transient/active model with its define, undefine,
 * start, stop and autostart rules, persistence in a folder (objstore.h),
 * per-object jobs (job.h) and ordered events (core.h).
 *
 * The model (libvirt's rules):
 *  - An object is persistent (it has a stored definition) or transient, and
 *    active (running, started, building) or not. def is the live definition
 *    while active, else the persistent one; newdef is the persistent one while
 *    active, when it differs (hv_entry_config gives whichever applies).
 *  - define: a new name adds a persistent inactive object ("defined added");
 *    an existing name redefines it ("defined updated"): a document without a
 *    uuid keeps the object's, a different uuid is EEXIST ("domain 'x' already
 *    exists with uuid U"), as is a new name with a uuid another object has.
 *    Redefining an active object keeps the new definition as its pending
 *    persistent config (applied when it stops) and makes it persistent.
 *  - undefine of an inactive object removes it; of an active one makes it
 *    transient (when the kind allows it: domains, networks; pools refuse with
 *    EBUSY); of a transient one is EBUSY. Autostart is cleared, reported as
 *    "autostart-changed 0" before "undefined removed" when the object goes and
 *    after it when the object stays.
 *  - hv_entry_stopped(): the pending config becomes current; a transient object
 *    is reported "undefined removed" and leaves the table.
 *  - autostart: persistent objects only (EBUSY); setting the same value is a
 *    no-op without an event.
 * Unless a function says it takes the lock, call it with the core lock held. */
#pragma once
#include <sys/types.h>
#include "drivers/core.h"
#include "drivers/job.h"
#include "conf/domain_conf.h"
#include "conf/network_conf.h"
#include "conf/storage_conf.h"

typedef struct HvObjTab HvObjTab;
typedef struct HvObjClass HvObjClass;
typedef struct HvVolDataOps HvVolDataOps; /* voldata.h */
typedef struct HvStore HvStore;

/* A definition of any kind, typed where the kind is known. */
typedef union {
	void *any;
	HvDomainDef *domain;
	HvNetworkDef *network;
	HvPoolDef *pool;
	HvVolumeDef *volume;
} HvDefRef;

/* What a kind of definition is: one const row per kind (objdefs.c). */
typedef struct {
	HvObjKind kind;
	const char *what;        /* in messages: "domain", "network", "storage pool", ... */
	const char *parent_what; /* children: the parent in messages ("pool"), else NULL */
	bool undefine_active;    /* undefine of an active object leaves it transient */
	size_t name_off;         /* offsetof the def's `char *name` */
	ssize_t uuid_off;        /* offsetof its `char uuid[HV_UUID_STRLEN]`; -1: none */
	void *(*parse)(const char *xml, size_t len, GError **err); /* NULL: no define */
	char *(*format)(const void *def);
	void *(*copy)(const void *def);
	void (*free)(void *def);
} HvDefOps;

/* A definition's name, and its uuid buffer (NULL for kinds without one). */
const char *hv_def_name(const HvDefOps *ops, const void *def);
char *hv_def_uuid(const HvDefOps *ops, void *def);
/* Fills an empty uuid with a random (version 4) one. */
void hv_def_ensure_uuid(const HvDefOps *ops, void *def);

extern const HvDefOps hv_domain_defs, hv_network_defs, hv_pool_defs, hv_volume_defs;

struct HvEntry {
	char *name;                /* the index key, never changes */
	char uuid[HV_UUID_STRLEN]; /* the uuid key ("" for kinds without one) */
	HvDefRef def;              /* live while active, else persistent */
	HvDefRef newdef;           /* while active: the pending persistent config, or NULL */
	bool active;
	bool persistent;
	bool autostart;
	bool removed;              /* out of its table; alive while a job holds it */
	void *priv;                /* the driver's state (class priv_new/priv_free) */
	HvObjTab *tab;
	HvObjTab *children;        /* when the class has children (a pool's volumes) */
	unsigned refs;             /* objtab.c and job.c */
	HvJobSlot jobs;            /* job.c */
};

/* The verbs the shared ops (objops.h) dispatch to a class's rows. */
typedef enum {
	HV_VERB_START,
	HV_VERB_SHUTDOWN,
	HV_VERB_DESTROY,
	HV_VERB_REBOOT,
	HV_VERB_RESET,
	HV_VERB_SUSPEND,
	HV_VERB_RESUME,
	HV_VERB_STOP,
	HV_VERB_BUILD,
	HV_VERB_REFRESH,
	HV_VERB_DELETE,
	HV_VERB_SET_MEMORY, /* arg: HvSetArg (KiB, HV_AFFECT_* | HV_MAXIMUM) */
	HV_VERB_SET_VCPUS,  /* arg: HvSetArg */
	HV_VERB_RESIZE,     /* arg: HvSetArg (bytes) */
	HV_VERB_STATS,      /* arg: char ** (the text, owned by the caller) */
	HV_VERB_LAST
} HvVerbId;

typedef struct {
	uint64_t value;
	unsigned flags;
} HvSetArg;

/* Runs with the lock held and the row's job held (job NULL for HV_JOB_NONE).
 * It may release the lock around slow work (hv_core_unlock ... hv_core_lock),
 * then must hv_job_check() before touching the object again. May remove o. */
typedef int (*HvObjAct)(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg,
			GError **err);

enum {
	HV_WHEN_ACTIVE = 1 << 0,   /* the verb applies to an active object */
	HV_WHEN_INACTIVE = 1 << 1, /* ... to an inactive one; 0: the act decides */
};

/* One verb of a class: a row of its verbs[HV_VERB_LAST] table. A row without
 * act means "not supported" (the shared ops answer ENOTSUP). */
typedef struct {
	const char *verb; /* "start": "cannot start domain 'x': why" */
	HvJobType job;    /* .name NULL: the verb; .cls HV_JOB_NONE: no job */
	unsigned when;    /* HV_WHEN_*; checked once the job is held */
	const char *why;  /* the refusal (EBUSY) when `when` does not hold */
	HvObjAct act;
	int code;         /* passed to act: one act may serve several verbs */
} HvObjVerb;

/* A driver's kind: the definition ops, its verbs and hooks. Every hook is
 * optional and runs with the lock held. */
struct HvObjClass {
	const HvDefOps *defs;
	const HvObjVerb *verbs;     /* HV_VERB_LAST rows indexed by HvVerbId, or NULL */
	const HvObjClass *children; /* each object gets a child table of this class */
	/* Checks and completes a definition (define, and add with HV_ADD_PREPARE):
	 * existing is the object it redefines, or NULL. Default: hv_def_ensure_uuid. */
	int (*prepare)(HvObjTab *t, HvEntry *existing, void *def, GError **err);
	void *(*info)(HvObjTab *t, HvEntry *o); /* the Hv*Info of list and get_info */
	GDestroyNotify info_free;
	/* get_xml; default: the format of the config (HV_XML_INACTIVE) or of def */
	char *(*xml)(HvObjTab *t, HvEntry *o, unsigned flags);
	void *(*priv_new)(HvObjTab *t, HvEntry *o);
	void (*priv_free)(void *priv);
	/* After each change define, undefine or autostart made (a fixed clock ticks). */
	void (*changed)(HvObjTab *t, HvEntry *o);
	/* When undefine refuses an active object (!defs->undefine_active): why.
	 * Default "<what> is still active". */
	const char *(*still_active)(HvObjTab *t, HvEntry *o);
	/* May o's children be used? Default: o->active. Else EBUSY "X 'n' is not active". */
	bool (*usable)(HvEntry *o);
	/* Children: makes one from a document in parent (lock held): adds it to t
	 * (hv_objtab_add), reports it, and gives it in *out. */
	int (*create)(HvObjTab *t, HvEntry *parent, const char *xml, HvEntry **out, GError **err);
	/* Volumes: their content (upload, download, clone, wipe; voldata.h), or NULL. */
	const HvVolDataOps *data;
};

typedef struct {
	const HvObjClass *cls;
	HvCore *core;       /* the connection's lock, events and job bound (shared) */
	void *opaque;       /* the driver's connection state, for its hooks */
	const char *parent; /* a child table: its parent's name (copied) */
	HvStore *store;     /* persistence (taken: freed with the table), or NULL */
	bool run_markers;   /* started/stopped keep a run marker in the store */
	bool sorted;        /* lists by name (else in the order objects came) */
} HvObjTabConfig;

struct HvObjTab {
	const HvObjClass *cls;
	HvCore *core;
	void *opaque;
	char *parent;
	HvStore *store;
	bool run_markers;
	bool sorted;
	/* the index: objtab.c only */
	GHashTable *by_name;
	GHashTable *by_uuid;
	GPtrArray *order;
};

HvObjTab *hv_objtab_new(const HvObjTabConfig *cfg);
/* Frees the table and its objects (no job may be running). NULL-safe. */
void hv_objtab_free(HvObjTab *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvObjTab, hv_objtab_free)

/* ---- the index */
HvEntry *hv_objtab_lookup(HvObjTab *t, const char *name);
HvEntry *hv_objtab_lookup_uuid(HvObjTab *t, const char *uuid);
/* The object, or NULL and ENOENT: "domain 'x' not found", "storage volume 'v'
 * not found in pool 'p'". */
HvEntry *hv_objtab_find(HvObjTab *t, const char *name, GError **err);
guint hv_objtab_count(const HvObjTab *t);
HvEntry *hv_objtab_nth(const HvObjTab *t, guint i); /* in order; borrowed */

enum {
	HV_ADD_PERSISTENT = 1 << 0,
	HV_ADD_PREPARE = 1 << 1, /* run the class's prepare hook first */
};
/* Adds an inactive object for def (stolen, freed on failure): EINVAL (name),
 * EEXIST (name or uuid taken, libvirt's wording), or the prepare hook's error.
 * No event, no persistence: the building block of define and of loaders.
 * *out (optional) is the object. */
int hv_objtab_add(HvObjTab *t, void *def, unsigned flags, HvEntry **out, GError **err);
/* Takes o out of the table (its jobs keep it alive until they end). */
void hv_objtab_remove(HvObjTab *t, HvEntry *o);
/* Removes every object, reporting each as `event` (NULL: silently). */
void hv_objtab_clear(HvObjTab *t, const char *event);

void hv_entry_ref(HvEntry *o);
void hv_entry_unref(HvEntry *o);
/* Queues an event about o (its kind, parent and name). */
void hv_entry_emit(HvEntry *o, const char *event, const char *detail);
void hv_entry_emit_u64(HvEntry *o, const char *event, uint64_t value);
/* "domain 'web1'", "storage volume 'v' in pool 'p'" (owned). */
char *hv_entry_describe(const HvEntry *o);

/* A domain's info from its entry (name, uuid, persistence, memory, vCPUs of
 * the current definition) and the driver's state, reason and id; the caller
 * adds the CPU time and what else it knows (objdefs.c). */
HvDomainInfo *hv_entry_domain_info(const HvEntry *o, HvDomainState state, int reason, int id);
/* A network's info from its entry, as an HvObjClass.info (objdefs.c): what
 * every driver's network table shows. */
void *hv_entry_network_info(HvObjTab *t, HvEntry *n);

/* ---- the model (objlife.c) */
/* The persistent config: newdef while it differs from the live def. */
void *hv_entry_config(HvEntry *o);
/* o is now active (a run marker is written when the table keeps them). */
void hv_entry_started(HvEntry *o);
/* o is now inactive: the pending config becomes current; a transient o is
 * reported "undefined removed" and removed (do not touch o after, unless you
 * hold a job on it). Returns whether o is still in the table. */
bool hv_entry_stopped(HvEntry *o);
/* Which definitions libvirt's AFFECT flags select (virDomainObjGetDefs):
 * out[0..1], NULL-padded. CURRENT means LIVE when active, else CONFIG; LIVE
 * of an inactive object and CONFIG of a transient one are EBUSY (what names
 * the setting: "cannot change the live memory of domain 'x': ..."). While
 * active with a shared config, a change to one of the two copies the config
 * first (defs->copy). */
int hv_entry_affect(HvEntry *o, unsigned flags, const char *what, void *out[2], GError **err);

/* Lock held. define steals def; *out (optional) is the object. */
int hv_objtab_define_locked(HvObjTab *t, void *def, HvEntry **out, GError **err);
int hv_objtab_undefine_locked(HvObjTab *t, HvEntry *o, GError **err);
int hv_objtab_autostart_locked(HvObjTab *t, HvEntry *o, bool on, GError **err);
/* Lock held. An inactive persistent object takes the name new_name (libvirt's
 * virDomainRename): a new entry with its definition, uuid, autostart and
 * driver state (priv), stored under the new name; events `undefined renamed`
 * on the old one, then `defined renamed` on the new one (*out, optional).
 * EBUSY when active, transient or the same name, EINVAL for a bad one, EEXIST
 * when taken. */
int hv_objtab_rename_locked(HvObjTab *t, HvEntry *o, const char *new_name, HvEntry **out,
			    GError **err);

/* ---- whole calls: these take the lock */
int hv_objtab_list(HvObjTab *t, GPtrArray **out, GError **err);
int hv_objtab_get_info(HvObjTab *t, const char *name, void **out, GError **err);
int hv_objtab_get_xml(HvObjTab *t, const char *name, unsigned flags, char **xml, GError **err);
int hv_objtab_define_xml(HvObjTab *t, const char *xml, char **name_out, GError **err);
/* A transient object, started (objlife.c): it leaves the table when it stops. */
int hv_objtab_create_xml(HvObjTab *t, const char *xml, char **name_out, GError **err);
int hv_objtab_undefine(HvObjTab *t, const char *name, GError **err);
int hv_objtab_set_autostart(HvObjTab *t, const char *name, bool on, GError **err);
/* Runs the class's row for verb on the named object: find (ENOENT), begin
 * the row's job (EBUSY after the wait bound), check `when` (EBUSY "cannot
 * start domain 'x': why"), act, end the job. -ENOTSUP without a row. */
int hv_objtab_run(HvObjTab *t, const char *name, HvVerbId verb, void *arg, GError **err);
int hv_objtab_get_job(HvObjTab *t, const char *name, HvJobInfo *out, GError **err);
int hv_objtab_abort_job(HvObjTab *t, const char *name, GError **err);

/* Children (a pool's volumes): the same calls through the parent, which must
 * exist (ENOENT) and be usable (EBUSY "storage pool 'p' is not active"). */
int hv_objtab_child_list(HvObjTab *t, const char *parent, GPtrArray **out, GError **err);
int hv_objtab_child_get_info(HvObjTab *t, const char *parent, const char *name, void **out,
			     GError **err);
int hv_objtab_child_get_xml(HvObjTab *t, const char *parent, const char *name, char **xml,
			    GError **err);
int hv_objtab_child_create(HvObjTab *t, const char *parent, const char *xml, char **name_out,
			   GError **err);
int hv_objtab_child_run(HvObjTab *t, const char *parent, const char *name, HvVerbId verb,
			void *arg, GError **err);
int hv_objtab_child_get_job(HvObjTab *t, const char *parent, const char *name,
			    HvJobInfo *out, GError **err);
int hv_objtab_child_abort_job(HvObjTab *t, const char *parent, const char *name,
			      GError **err);

/* ---- persistence (the table's store; objlife.c) */
/* Loads every stored definition as a persistent inactive object with its
 * autostart marker; fn (optional) sees each, with whether its run marker was
 * there (it was active when the driver last ran). Unreadable files, names that
 * do not match their file, and clashes are skipped. Takes the lock; returns
 * how many loaded. */
typedef void (*HvObjLoaded)(HvObjTab *t, HvEntry *o, bool was_active, void *data);
int hv_objtab_load(HvObjTab *t, HvObjLoaded fn, void *data, GError **err);
/* After hv_objtab_load: every live definition the store keeps (RUN/NAME.xml,
 * hv_store_write_live) marks its object active, on that definition, with the
 * stored one as its pending config; one without a stored definition comes
 * back as a transient object. fn sees each (was_active true): the driver
 * re-adopts the process behind it, or calls hv_entry_stopped() when it is
 * gone. No event, no run marker written. Takes the lock; returns how many. */
int hv_objtab_load_live(HvObjTab *t, HvObjLoaded fn, void *data);
/* Names (owned) of the persistent, inactive objects marked autostart, for the
 * driver to start at open. Takes the lock. */
GPtrArray *hv_objtab_autostart_names(HvObjTab *t);
