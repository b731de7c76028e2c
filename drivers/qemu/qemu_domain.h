/* qemu_domain.h: the qemu driver's domain objects (libvirt's qemu_domain):
 * QemuDomain (the priv of an entry in the shared domain table, objtab.h) and
 * its console ring, the class hooks (definitions checked, info, XML), counts
 * with a maximum, live XML, state changes and the events they emit.
 * Everything here runs with the core lock (qc->core) held unless it says
 * otherwise, and nothing here talks to QEMU. */
#pragma once
#include <sys/types.h>
#include "conf/domain_conf.h"
#include "drivers/qemu/qemu_conf.h"
#include "drivers/objtab.h"
#include "util/ring.h"

#define QEMU_MAX_VCPUS 255u
#define QEMU_MAX_MEMORY_KIB (1ull << 32) /* 4 TiB */

/* libvirt's reason codes */
enum { QR_BOOTED = 1, QR_UNPAUSED = 5, QR_PAUSED_USER = 1, QR_PAUSED_SHUTTING_DOWN = 7,
       QR_PAUSED_CRASHED = 13, QR_OFF_SHUTDOWN = 1,
       QR_OFF_DESTROYED = 2, QR_OFF_CRASHED = 3, QR_OFF_FAILED = 6, QR_OFF_SAVED = 5, QR_CRASHED_PANICKED = 1,
       QR_SHUTDOWN_USER = 1, QR_CRASHED_UNKNOWN = 0, QR_PAUSED_MIGRATION = 2,
       QR_OFF_MIGRATED = 4, QR_RUNNING_MIGRATED = 2 };

#define QEMU_CONSOLE_RING (256u << 10) /* console bytes kept a domain */

/* The serial console (qemu_console.c): a ring of the last output and the
 * descriptor it comes from while QEMU runs. Positions count every byte since
 * the domain was first started under this connection. */
typedef struct {
	HvRing ring;    /* QEMU_CONSOLE_RING bytes */
	int fd;         /* pty or unix socket client, -1 when none */
	char *pty;      /* the serial's /dev/pts/N while QEMU runs (live.xml), or NULL */
} QemuConsole;

/* A domain's own state beside its entry in the shared table (HvEntry.priv of
 * qc->domains: name, uuid, def/newdef, active, persistent and autostart are
 * the entry's). What a start, a verb or a change is doing is the job that
 * holds the entry (drivers/job.h), not a flag here. */
typedef struct {
	HvEntry *o;          /* the entry this is the priv of */
	HvDomainState state;
	int reason;
	int id;              /* -1 when not running */
	pid_t pid;           /* QEMU (known from spawn on), 0 when not running */
	uint64_t cpu_ns;     /* QEMU's CPU time as last read from /proc, and when: */
	gint64 cpu_ns_at;    /* info (state, memory...) reads it at most every 10 ms */
	pid_t cpu_pid;       /* ... of this process */
	QemuMon *mon;
	int stop_reason;     /* set before the process goes: QR_OFF_* */
	bool reboot_asked;   /* the next RESET is a reboot */
	uint64_t balloon_kib; /* actual, from BALLOON_CHANGE */
	QemuConsole *con;    /* NULL until first started */
	char *error;         /* why QEMU stopped the guest (internal-error), or NULL */
	bool restarting;     /* a lifecycle restart (system_reset + cont) is under way */
	bool bios_reset;     /* after that restart: SeaBIOS's own reset is still to come */
	bool panicked;       /* GUEST_PANICKED came: a stop is `stopped crashed` */
	GPtrArray *unplugging; /* char*: vCPU device ids device_del'ed, not yet gone */
	unsigned vcpu_threads; /* vCPUs QEMU created since start (TCG never reuses one) */
	bool mig_was_running;  /* an outgoing migration began with the guest running */
	pid_t mig_done_pid;    /* the QEMU an incoming migration completed into (0: none), */
	uint64_t mig_done[3];  /* with the source's figures: total ms, downtime ms, RAM bytes */
} QemuDomain;

/* The domain class of qc->domains (qemu_driver.c: its verb rows). */
extern const HvObjClass qemu_domain_class;

static inline QemuDomain *
qemu_dom(const HvEntry *o)
{
	return o->priv;
}

static inline HvDomainDef *
qemu_dom_def(const QemuDomain *d)
{
	return d->o->def.domain;
}

/* ---- the table (its hooks: qemu_domain.c) */
void *qemu_domain_priv_new(HvObjTab *t, HvEntry *o);
void qemu_domain_priv_free(void *priv);
int qemu_domain_prepare(HvObjTab *t, HvEntry *existing, void *def, GError **err);
void *qemu_domain_info(HvObjTab *t, HvEntry *o);
char *qemu_domain_xml(HvObjTab *t, HvEntry *o, unsigned flags);
/* ENOENT naming the domain when absent. */
QemuDomain *qemu_domain_find(QemuConn *qc, const char *name, GError **err);
/* The domain, or NULL. */
QemuDomain *qemu_domain_lookup(QemuConn *qc, const char *name);
/* The domain name as long as its QEMU is still the one behind monitor m
 * (a helper that dropped the lock checks this before acting), or NULL. */
QemuDomain *qemu_domain_of_mon(QemuConn *qc, const char *name, QemuMon *m);
/* The domain whose monitor is m (events), or NULL. */
QemuDomain *qemu_domain_by_mon(QemuConn *qc, QemuMon *m);
HvDomainDef *qemu_domain_config(QemuDomain *d);
bool qemu_domain_active(const QemuDomain *d);
/* The job that holds d is a start between spawn and cont: STOP and RESUME
 * are the driver's own then. */
bool qemu_domain_starting(QemuDomain *d);

/* ---- persistence */
int qemu_domain_save(QemuConn *qc, const HvDomainDef *def, GError **err);
/* The counts a domain has with a maximum: memory (KiB) and vCPUs. */
typedef enum { QEMU_COUNT_MEMORY, QEMU_COUNT_VCPUS } QemuCount;
/* The persistent half of set_memory and set_vcpus: with HV_MAXIMUM the
 * maximum (the current clamped to it), else the current (at most the
 * maximum); saved, reported while shut off (a running domain's files show
 * the live values), undone when the save fails. */
int qemu_domain_set_count(QemuConn *qc, QemuDomain *d, QemuCount kind, uint64_t n,
			  unsigned flags, GError **err);
/* Whether a live change of what ("memory", "vCPUs") may go ahead on d
 * (flags as set_memory's; max_why: why the maximum cannot change live, or
 * ""): 1 when none is asked, 0 when d runs, else EBUSY. */
int qemu_domain_live_change(QemuDomain *d, unsigned flags, const char *what,
			    const char *max_why, GError **err);

/* ---- XML */
/* The runtime facts of live.xml the definition does not hold (the serial's
 * pty, as libvirt shows them). Takes xml; no lock needed. */
char *qemu_domain_live_runtime(char *xml, const char *pty);

/* ---- state and events */
void qemu_emit(QemuConn *qc, const char *name, const char *event, const char *detail);
void qemu_emit_num(QemuConn *qc, const char *name, const char *event, uint64_t n);
void qemu_domain_set_state(QemuConn *qc, QemuDomain *d, HvDomainState s, int reason,
			   const char *event, const char *detail);
/* Closes the monitors of stopped domains; lock NOT held. */
void qemu_reap_monitors(QemuConn *qc);
