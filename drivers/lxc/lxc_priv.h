/* lxc_priv.h: the LXC driver's state, shared by the files of drivers/lxc/.
 * Domains live in the shared table (drivers/objtab.h) behind the
 * connection's core lock; what is the driver's own sits beside each domain
 * (LxcDomain, HvEntry.priv): the container's init, its pidfd, its cgroup, its
 * console and the process that holds the console while hyperfs is away.
 * Files: lxc_driver.c (the driver table, open, node), lxc_domain.c (the
 * class, verbs, console), lxc_process.c (start, stop, exit, re-attach),
 * lxc_container.c (the container's own side of a start), lxc_cgroup.c. */
#pragma once
#include <sys/types.h>
#include "drivers/objtab.h"
#include "drivers/procdrv.h"
#include "drivers/lxc/lxc_cgroup.h"
#include "conf/domain_lxc.h"

#define LXC_SHUTDOWN_MS 20000u /* shutdown: how long init has to exit */
#define LXC_KILL_MS 5000u      /* destroy: how long the killed init has */

typedef enum { LXC_STOP_SHUTDOWN, LXC_STOP_DESTROYED, LXC_STOP_FAILED } LxcStopWhy;

/* p.pid is the container's init, p.devs its host-side veths, p.why an
 * LxcStopWhy. */
typedef struct {
	HvProcDom p; /* first */
	LxcCgroup *cg;
} LxcDomain;

/* Starts with the process drivers' shared part (drivers/procdrv.h). */
typedef struct {
	HvProcDrv pd; /* first: HvConn.priv and the table's opaque are both */
	char *partition;    /* cgroup partition: hyperfs.lxc[-HASH] */
	LxcCgLayout layout;
} LxcConn;

static inline LxcConn *lxc_tab_conn(HvObjTab *t) { return t->opaque; }
static inline LxcDomain *lxc_dom(const HvEntry *o) { return o->priv; }

extern const HvObjClass lxc_domain_class;
extern const HvProcDrvOps lxc_proc_ops; /* lxc_process.c */

/* What a start hands to the container's own side (lxc_container.c). */
typedef struct {
	const char *name;
	const HvLxcDef *lxc;
	const char *root;        /* the root filesystem's source */
	int console_slave;
	const char *console_path; /* its /dev/pts/N, bound on /dev/console */
	LxcCgLayout layout;
	gboolean userns, netns;
} LxcSpawn;

/* Clones the container (its init waits for go), 0 with *pid, or -errno. */
int lxc_container_clone(const LxcSpawn *s, pid_t *pid, int *go_fd, int *err_fd,
			GError **err);
/* Lets it go and waits for its exec: 0, or -errno with the container's reason. */
int lxc_container_release(pid_t pid, int go_fd, int err_fd, GError **err);

/* lxc_process.c: the verb acts and the process side. */
int lxc_process_start(HvObjTab *t, HvEntry *o, HvJob *job, GError **err);
int lxc_process_stop(HvObjTab *t, HvEntry *o, HvJob *job, LxcStopWhy why, GError **err);
/* Lock held: the container is gone: cleans up and reports it. */
void lxc_process_stopped(LxcConn *lc, HvEntry *o);
/* The domain class's priv_free: the cgroup, then the HvProcDom part. */
void lxc_domain_free_priv(void *p);
