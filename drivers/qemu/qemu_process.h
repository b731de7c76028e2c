/* qemu_process.h: QEMU processes (qemu_process.c): start, destroy, the end
 * of a process, re-attach after a restart of hyperfs, the fault check of a
 * stopped guest, and what /proc says about a process. */
#pragma once
#include "drivers/qemu/qemu_domain.h"

/* How a start begins (the start row's arg; NULL: a plain boot, or the
 * restore of a managed save image when one exists): from a save image's
 * memory (-incoming), or from an internal snapshot (-loadvm); paused leaves
 * the guest paused; incoming makes a migration target. */
typedef struct {
	const char *image;  /* a save image (qemu_saveimg.h), or NULL */
	const char *loadvm; /* an internal snapshot's name, or NULL */
	bool paused;
	const char *detail; /* of the `started` event: booted, restored, from-snapshot */
	const char *incoming; /* a migration target's -incoming URI (qemu_migration.c), or NULL */
} QemuStartArg;

/* The start and destroy verb rows' acts (objtab.h: lock and job held). */
int qemu_process_start(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err);
int qemu_process_destroy(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg,
			 GError **err);
/* No lock held. A domain loaded active from run/NAME.xml: attach to its
 * QEMU, or clean up (back to its persistent definition, or gone). */
void qemu_process_reattach(QemuConn *qc, const char *name);
/* SIGTERM, then SIGKILL, waiting (bounded) for the process to go. */
void qemu_process_kill(pid_t pid);
/* The run state of QEMU when it is a fault (internal-error, guest-panicked,
 * io-error), as an error message naming QEMU's last log line; else NULL. */
char *qemu_process_fault(QemuConn *qc, const char *name, QemuMon *m);

/* Lock held. */
/* The process is gone: state shutoff with reason, events, runtime files
 * removed, persistent config restored. May free d (transient). */
void qemu_process_stopped(QemuConn *qc, QemuDomain *d, int reason);
/* The guest is dead in the water (msg, taken, goes to d->error): crashed;
 * QEMU stays for inspection. */
void qemu_process_set_fault(QemuConn *qc, QemuDomain *d, char *msg);
