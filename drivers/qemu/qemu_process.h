/* qemu_process.h: QEMU processes (qemu_process.c): start, destroy, the end
 * of a process, re-attach after a restart of hyperfs, the fault check of a
 * stopped guest, and what /proc says about a process. */
#pragma once
#include "drivers/qemu/qemu_domain.h"

/* No lock held. */
int qemu_process_start(QemuConn *qc, const char *name, GError **err);
int qemu_process_destroy(QemuConn *qc, const char *name, GError **err);
/* A domain with a run/NAME.xml: attach to its QEMU, or clean up. */
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

/* cpu time of a running QEMU, from /proc */
uint64_t qemu_process_cpu_ns(pid_t pid);
uint64_t qemu_proc_cpu_ns(const char *stat_path); /* utime + stime of a /proc stat file */
bool qemu_pid_alive(pid_t pid);
