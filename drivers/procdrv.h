/* procdrv.h: what the drivers whose guests run on this host as processes
 * (LXC, UML) share around a running domain: the reference a watcher callback
 * keeps to find its domain again (by name and run number, under the driver's
 * core lock), the two callbacks (the guest's process exited, its console
 * wrote), and the console verbs over the domain's pty ring. A driver
 * describes itself with one small table (HvProcDrvOps) and hands the
 * connection's core and domain table with it (HvProcDrv, by value). */
#pragma once
#include "drivers/objstore.h"
#include "drivers/objtab.h"
#include "drivers/procwatch.h"
#include "drivers/ptycon.h"

typedef struct HvProcDrv HvProcDrv;

/* A guest's process side, the same in every process driver: the first
 * member of its priv (LxcDomain, UmlDomain), made by hv_procdom_init and
 * freed by hv_procdom_clear (drivers/procdom.c). */
typedef struct {
	HvDomainState state;
	int reason;
	pid_t pid;          /* its main process on the host, 0: none */
	unsigned long long pid_start;
	pid_t holder;       /* holds the console master while we are away */
	unsigned long long holder_start;
	int pidfd;
	int watch_pid, watch_con; /* procwatch ids */
	HvPtyCon *con;
	GPtrArray *devs;    /* host-side network devices (veths, taps), char* */
	int why;            /* the driver's: how the next stop is reported */
	unsigned gen;       /* bumped at every start: late callbacks check it */
} HvProcDom;

/* The HvProcDom of a process driver's domain (its priv starts with one). */
static inline HvProcDom *
hv_procdom_of(const HvEntry *o)
{
	return o->priv;
}

void hv_procdom_init(HvProcDom *p);
void hv_procdom_clear(HvProcDom *p);
/* The run-state file of p (pid, holder and their start times, one
 * DEVKEY=name line a device): written and read back (owned text; parse
 * also bumps gen and forgets the pidfd). */
char *hv_procdom_state_format(const HvProcDom *p, const char *devkey);
void hv_procdom_state_parse(HvProcDom *p, const char *text, const char *devkey);
/* Lock held: waits (at most until end_us, or until the job is cancelled)
 * for run gen of o to stop; true when it did. */
bool hv_procdom_wait_stopped(HvEntry *o, HvJob *job, unsigned gen, int64_t end_us);
/* Re-attach, lock held, for each live definition the store keeps (name,
 * xml, len): *o, found or added from it, with its run state read back from
 * state_file (DEVKEY lines). 1: its process still runs (pidfd open; *live
 * the parsed definition, owned); 0: it stopped while we were away (the
 * driver undoes what it left, then hv_procdom_gone); -1: nothing to do.
 * o->priv must start with its HvProcDom. */
int hv_procdom_reattach(HvProcDrv *pd, const char *name, const char *xml, size_t len,
			const char *state_file, const char *devkey, HvEntry **o,
			HvDomainDef **live);
/* It stopped: no state file, no run marker, a transient one goes. */
void hv_procdom_gone(HvProcDrv *pd, HvEntry *o, const char *state_file);
/* It runs: on live (taken; the stored definition waits), with its console
 * from the holder's descriptor holder_fd, running and booted as reason. */
void hv_procdom_adopt(HvEntry *o, HvProcDom *p, HvDomainDef *live, int holder_fd, int reason);
/* It started, lock held: running and booted as reason, the next stop
 * reported as why; on *live (taken: the persistent definition waits as the
 * next one) and its live XML stored in store (NULL: none). */
void hv_procdom_running(HvEntry *o, HvProcDom *p, HvStore *store, HvDomainDef **live,
			int reason, int why);
/* fn for each live definition the store keeps, under the core lock: the
 * driver's re-attach at open (hv_procdom_reattach). */
void hv_procdom_reattach_all(HvProcDrv *pd, HvStoreEach fn, void *data);
/* What every start made and a stop undoes, around the driver's own part:
 * the watches on its process and console (unwatch, first), then (release,
 * after the driver killed its process) the console holder killed, the pidfd
 * closed, no pid, and the console master closed (the ring stays). */
void hv_procdom_unwatch(HvProcWatch *w, HvProcDom *p);
void hv_procdom_release(HvProcDom *p);
/* A domain's priv that is an HvProcDom and nothing else, or the last step of
 * a larger one's free: cleared and freed (NULL is fine). */
void hv_procdom_free(void *priv);

/* The lifecycle verbs of a process driver, rows of its HvObjVerb table that
 * all go to one act (fn) by code: [HV_VERB_START..] = HV_PROCDRV_VERBS(fn). */
enum { HV_PROC_START, HV_PROC_SHUTDOWN, HV_PROC_DESTROY, HV_PROC_REBOOT, HV_PROC_SUSPEND,
       HV_PROC_RESUME };
#define HV_PROC_VERB_(v, k, c, fn) { .verb = (v), .job = { .cls = (k) }, .act = (fn), \
				     .code = (c) }
#define HV_PROCDRV_VERBS(fn)                                                             \
	[HV_VERB_START] = HV_PROC_VERB_("start", HV_JOB_MODIFY, HV_PROC_START, fn),       \
	[HV_VERB_SHUTDOWN] = HV_PROC_VERB_("shutdown", HV_JOB_MODIFY, HV_PROC_SHUTDOWN, fn), \
	[HV_VERB_DESTROY] = HV_PROC_VERB_("destroy", HV_JOB_DESTROY, HV_PROC_DESTROY, fn), \
	[HV_VERB_REBOOT] = HV_PROC_VERB_("reboot", HV_JOB_MODIFY, HV_PROC_REBOOT, fn),    \
	[HV_VERB_SUSPEND] = HV_PROC_VERB_("suspend", HV_JOB_MODIFY, HV_PROC_SUSPEND, fn), \
	[HV_VERB_RESUME] = HV_PROC_VERB_("resume", HV_JOB_MODIFY, HV_PROC_RESUME, fn)

typedef struct {
	const char *name;                            /* "lxc": URI, dirs, thread */
	unsigned shutdown_ms;                        /* default shutdown-timeout */
	const char *os_type, *emulator;              /* for the capabilities */
	const char *(*caps_note)(const HvProcDrv *); /* a comment in them, or NULL */
	/* unused: the domain's priv starts with its HvProcDom (gen, con, pid) */
	unsigned (*gen)(const HvEntry *o);
	HvPtyCon *(*con)(const HvEntry *o);
	void (*stopped)(HvProcDrv *pd, HvEntry *o);  /* lock held: its process is gone */
	HvStoreEach reattach;   /* at open, after loading: each live definition (data: pd) */
	const char *no_console;                      /* console_write's EBUSY reason */
	pid_t (*pid)(const HvEntry *o);              /* unused, as gen */
	int (*start)(HvObjTab *t, HvEntry *o, HvJob *job, GError **err);
	int (*destroy)(HvObjTab *t, HvEntry *o, HvJob *job, GError **err);
} HvProcDrvOps;

struct HvProcDrv {
	const HvProcDrvOps *ops;
	HvConn *conn;
	HvCore core;
	HvObjTab *domains;
	HvProcWatch *watch;
	char *lib_dir, *run_dir;
	unsigned shutdown_ms;
};

/* Open, first half: the URI (its path and parameters) into pd; *root gets
 * the root= parameter (owned, NULL when absent). 0 or -errno. */
int hv_procdrv_configure(HvProcDrv *pd, HvConn *c, const HvProcDrvOps *ops, char **root,
			 GError **err);
/* Open, second half: the store, the domain table of cls, the watcher, the
 * stored definitions, and ops->reattach for each live one. 0 or -errno. */
int hv_procdrv_load(HvProcDrv *pd, const HvObjClass *cls, GError **err);
/* Open, last (c->priv set to the connection): publishes the domain table and
 * starts the autostart domains. */
void hv_procdrv_opened(HvConn *c);
/* Close: what the above made (the watcher first: no callback after it). */
void hv_procdrv_clear(HvProcDrv *pd);

/* The domain class's pieces (t->opaque is the HvProcDrv): a verb refused
 * (EBUSY, "cannot VERB domain 'x': why"); a verb act's common part (start,
 * destroy, and "not running" for the others): its result, or 1 when the
 * driver's act goes on; the info (hv_entry_domain_info with the driver's
 * os type and the process as id) and the XML (live with the id). */
int hv_procdrv_refuse(HvEntry *o, int code, const char *why, GError **err);
int hv_procdrv_act(HvObjTab *t, HvEntry *o, HvJob *job, int code, GError **err);
HvDomainInfo *hv_procdrv_info(HvObjTab *t, HvEntry *o, HvDomainState state, int reason);
char *hv_procdrv_xml(HvObjTab *t, HvEntry *o, unsigned flags);

/* The node and domain ops of a process driver (c->priv starts with an
 * HvProcDrv): the host's node info and capabilities, the shared domain ops
 * over the table, and the console. */
extern const HvNodeOps hv_procdrv_node_ops;
extern const HvDomainOps hv_procdrv_domain_ops;

/* Lock held: watches o's process (its HvProcDom's pidfd) and, when its
 * console is open, the console, on pd's watcher; the watch ids go to its
 * watch_pid and watch_con (0: none). 0 or -errno. */
int hv_procdrv_watch(const HvProcDrv *pd, HvEntry *o, GError **err);

