/* qemu_conf.h: the qemu driver's connection (QemuConn, libvirt's
 * virQEMUDriver): its folders from the URI, the domain table behind one
 * mutex, the monitors, the console thread, the storage, and the callbacks
 * that lower layers call upward, registered at open (qemu_driver.c). Helpers
 * for the folders and for the files kept in them. */
#pragma once
#include "drivers/driver.h"
#include "drivers/qemu/qemu_monitor.h"

typedef struct QemuStorage QemuStorage;

typedef struct QemuConn {
	HvConn *conn;
	char *lib_dir;  /* definitions: NAME.xml, autostart/NAME */
	char *run_dir;  /* runtime: NAME.pid, NAME.qmp, NAME.log, NAME.xml (live) */
	char *emulator; /* qemu-system-x86_64, or NULL when missing */
	/* QMP events of every monitor (qemu_events.c): set at open, so that the
	 * process layer that opens monitors never calls up into the events */
	const QemuMonCallbacks *mon_cb;
	GMutex lock;    /* guards what follows */
	GCond cond;     /* signalled when a domain stops, a helper ends, a vCPU goes */
	GHashTable *domains; /* name -> QemuDomain* (owned, qemu_domain.c) */
	GPtrArray *dead_mons; /* monitors of stopped domains, closed outside the lock */
	int next_id;
	GThread *con_thread; /* qemu_console.c */
	int con_wake;        /* eventfd: the set of consoles changed */
	bool con_quit;
	QemuStorage *storage; /* pools and volumes (qemu_pool.c), own lock */
	unsigned workers;     /* helper threads running (faults, restarts, quits): under lock */
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
/* DIR/NAME.xml, written to a temporary file and renamed over the old one;
 * takes xml (NULL: the definition could not be formatted). kind names the
 * object in messages ("domain", "storage pool"). */
int qemu_save_def(const char *dir, const char *kind, const char *name, char *xml, GError **err);
/* info(object) of the object named name in table, under lock: 0, or
 * ENOENT naming it as a kind ("domain", "storage pool"). */
int qemu_info_of(GMutex *lock, GHashTable *table, const char *kind, const char *name,
		 gpointer (*info)(gpointer obj), gpointer out, GError **err);
/* One info per object of table, made by info(object) under lock: the bulk
 * list of a kind. */
GPtrArray *qemu_list_infos(GMutex *lock, GHashTable *table, gpointer (*info)(gpointer obj),
			   GDestroyNotify free_info);
