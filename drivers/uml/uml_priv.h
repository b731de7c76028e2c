/* uml_priv.h: the UML driver's state, shared by the files of drivers/uml/.
 * Domains live in the shared table (drivers/objtab.h) behind the
 * connection's core lock; beside each (UmlDomain, HvEntry.priv) is the
 * guest's kernel process, its pidfd, its console (a pty, or a file) and the
 * holder that keeps the console while hyperfs is away. Files: uml_driver.c
 * (the driver table, open, node), uml_domain.c (the class and verb rows),
 * uml_process.c (the command line, start, mconsole, stop, re-attach). */
#pragma once
#include <sys/types.h>
#include "drivers/objtab.h"
#include "drivers/procdrv.h"

#define UML_SHUTDOWN_MS 30000u /* shutdown: how long the guest has to power off */
#define UML_KILL_MS 5000u

typedef enum { UML_STOP_SHUTDOWN, UML_STOP_DESTROYED } UmlStopWhy;

/* p.pid is the kernel's main process (its process group), p.devs the host
 * taps made for its interfaces, p.why an UmlStopWhy. */
typedef struct {
	HvProcDom p; /* first */
} UmlDomain;

/* Starts with the process drivers' shared part (drivers/procdrv.h). */
typedef struct {
	HvProcDrv pd; /* first: HvConn.priv and the table's opaque are both */
} UmlConn;

static inline UmlConn *uml_tab_conn(HvObjTab *t) { return t->opaque; }
static inline UmlDomain *uml_dom(const HvEntry *o) { return o->priv; }

extern const HvObjClass uml_domain_class;
extern const HvProcDrvOps uml_proc_ops; /* uml_process.c */

int uml_process_start(HvObjTab *t, HvEntry *o, HvJob *job, GError **err);
int uml_process_stop(HvObjTab *t, HvEntry *o, HvJob *job, UmlStopWhy why, GError **err);
void uml_process_stopped(UmlConn *uc, HvEntry *o);
/* One mconsole command (lock released by the caller): 0 or -errno, reply in *out. */
int uml_mconsole(UmlConn *uc, const char *name, const char *cmd, char **out, GError **err);
