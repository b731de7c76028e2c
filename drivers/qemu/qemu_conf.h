/* qemu_conf.h: the qemu driver's connection (QemuConn, libvirt's
 * virQEMUDriver): its folders from the URI, the domain table (drivers/objtab.h)
 * behind the core lock (drivers/core.h), the monitors, the console thread, the
 * storage tables, and the callbacks that lower layers call upward, registered
 * at open (qemu_driver.c). Helpers for the folders, the files kept in them,
 * and /proc. */
#pragma once
#include "drivers/core.h"
#include "drivers/qemu/qemu_monitor.h"

typedef struct StorageTables StorageTables;

typedef struct QemuConn {
	HvConn *conn;
	char *lib_dir;  /* definitions: NAME.xml, autostart/NAME */
	char *run_dir;  /* runtime: NAME.pid, NAME.qmp, NAME.log, NAME.xml (live) */
	char *emulator; /* qemu-system-x86_64, or NULL when missing */
	/* QMP events of every monitor (qemu_events.c): set at open, so that the
	 * process layer that opens monitors never calls up into the events */
	const QemuMonCallbacks *mon_cb;
	HvCore core;    /* the lock over what follows, and the queue of events */
	GCond cond;     /* (with core.mutex) signalled when a helper ends */
	struct HvObjTab *domains; /* the shared table (QemuDomain: qemu_domain.h) */
	GPtrArray *dead_mons; /* monitors of stopped domains, closed outside the lock */
	int next_id;
	GThread *con_thread; /* qemu_console.c */
	int con_wake;        /* eventfd: the set of consoles changed */
	bool con_quit;
	StorageTables *storage; /* pools and volumes (drivers/storage/storage_class.h) */
	unsigned workers;     /* helper threads running (faults, restarts, quits): under lock */
	/* incoming migrations with copy-storage (qemu_migration.c): domain name ->
	 * GPtrArray of "POOL/VOLUME" made for it, kept here and not in the
	 * domain, which goes when its QEMU dies mid-way */
	GHashTable *incoming;
} QemuConn;

static inline QemuConn *
qemu_conn(HvConn *c)
{
	return c->priv;
}

/* lib_dir and run_dir from the URI (qemu:///system, qemu:///session,
 * ?root=DIR), created with their autostart folder. */
int qemu_conf_dirs(QemuConn *qc, GError **err);
/* RUN/NAME.EXT */
char *qemu_run_path(QemuConn *qc, const char *name, const char *ext);
/* A new empty file RUN/screenshots/NAME.XXXXXX for one screenshot: each call
 * gets its own, so concurrent screenshots never share one (*path owned). */
int qemu_screenshot_file(QemuConn *qc, const char *name, char **path, GError **err);
/* Removes what screenshots of name left behind (hyperfs ended mid-call). */
void qemu_screenshot_leftovers(QemuConn *qc, const char *name);
/* cpu time of a running QEMU, from /proc */
uint64_t qemu_process_cpu_ns(pid_t pid);
uint64_t qemu_proc_cpu_ns(const char *stat_path); /* utime + stime of a /proc stat file */
bool qemu_pid_alive(pid_t pid); /* alive and not a zombie */
