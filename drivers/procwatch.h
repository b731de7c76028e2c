/* procwatch.h: one thread per driver connection that waits on descriptors
 * (a process's pidfd, a console's pty master) and calls back when one is
 * ready, for local drivers whose guests are processes (LXC, UML). The
 * watcher keeps its own duplicate of each descriptor, so the owner may close
 * its copy whenever it likes; callbacks run on the watcher's thread with no
 * watcher lock held (they take the driver's lock). */
#pragma once
#include <glib.h>
#include <sys/types.h>
#include "util/error.h"

typedef struct HvProcWatch HvProcWatch;

/* Return false to stop watching fd (a process that exited, a console that
 * hung up). */
typedef gboolean (*HvWatchFunc)(int fd, short revents, void *data);

HvProcWatch *hv_procwatch_new(const char *name, GError **err);
void hv_procwatch_free(HvProcWatch *w); /* stops the thread; NULL-safe */

/* Watches a duplicate of fd for POLLIN; data is freed with destroy when the
 * watch ends. Returns a watch id (> 0) or -errno. */
int hv_procwatch_add(HvProcWatch *w, int fd, HvWatchFunc fn, void *data,
		     GDestroyNotify destroy, GError **err);
/* Ends a watch (no callback runs for it after its current one, if any). */
void hv_procwatch_remove(HvProcWatch *w, int id);

/* A pidfd for pid (O_CLOEXEC), or -errno. */
int hv_pidfd_open(pid_t pid);
/* Sends sig to pid and every process descended from it, by pid (children
 * that left pid's process group or session included). */
void hv_kill_tree(pid_t pid, int sig);
/* Alive and not a zombie. */
gboolean hv_pid_alive(pid_t pid);
/* The process's start time in clock ticks since boot (field 22 of
 * /proc/PID/stat), 0 when it is gone: with the pid it names one process. */
unsigned long long hv_pid_starttime(pid_t pid);
