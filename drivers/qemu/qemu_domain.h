/* qemu_domain.h: the qemu driver's domain objects (libvirt's qemu_domain):
 * QemuDomain and its console ring, the table of them in QemuConn (behind
 * qc->lock), their persistence, definitions and live XML, state changes and
 * the events they emit. Everything here runs with qc->lock held unless it
 * says otherwise, and nothing here talks to QEMU. */
#pragma once
#include <sys/types.h>
#include "conf/domain_conf.h"
#include "drivers/qemu/qemu_conf.h"

#define QEMU_MAX_VCPUS 255u
#define QEMU_MAX_MEMORY_KIB (1ull << 32) /* 4 TiB */

/* libvirt's reason codes */
enum { QR_BOOTED = 1, QR_UNPAUSED = 5, QR_PAUSED_USER = 1, QR_PAUSED_SHUTTING_DOWN = 7,
       QR_PAUSED_CRASHED = 13, QR_OFF_SHUTDOWN = 1,
       QR_OFF_DESTROYED = 2, QR_OFF_CRASHED = 3, QR_OFF_FAILED = 6, QR_CRASHED_PANICKED = 1,
       QR_SHUTDOWN_USER = 1, QR_CRASHED_UNKNOWN = 0 };

#define QEMU_CONSOLE_RING (256u << 10) /* console bytes kept a domain */

/* The serial console (qemu_console.c): a ring of the last output and the
 * descriptor it comes from while QEMU runs. Positions count every byte since
 * the domain was first started under this connection. */
typedef struct {
	GByteArray *ring;
	uint64_t start; /* position of ring->data[0] */
	int fd;         /* pty or unix socket client, -1 when none */
	char *pty;      /* the serial's /dev/pts/N while QEMU runs (live.xml), or NULL */
} QemuConsole;

typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
	HvDomainDef *def;    /* the live definition while active, else the persistent one */
	HvDomainDef *newdef; /* while active: the persistent config when it differs */
	HvDomainState state;
	int reason;
	int id;              /* -1 when not running */
	bool persistent;
	bool autostart;
	pid_t pid;           /* QEMU, 0 when not running */
	uint64_t cpu_ns;     /* QEMU's CPU time as last read from /proc, and when: */
	gint64 cpu_ns_at;    /* info (state, memory...) reads it at most every 10 ms */
	pid_t cpu_pid;       /* ... of this process */
	QemuMon *mon;
	bool busy;           /* a start or a stop in progress */
	bool starting;       /* between spawn and cont: STOP/RESUME are ours */
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
} QemuDomain;

/* ---- the table */
GHashTable *qemu_domain_table_new(void);
/* ENOENT naming the domain when absent. */
QemuDomain *qemu_domain_find(QemuConn *qc, const char *name, GError **err);
/* The domain name as long as its QEMU is still the one behind monitor m
 * (a helper that dropped the lock checks this before acting), or NULL. */
QemuDomain *qemu_domain_of_mon(QemuConn *qc, const char *name, QemuMon *m);
/* The domain whose monitor is m (events), or NULL. */
QemuDomain *qemu_domain_by_mon(QemuConn *qc, QemuMon *m);
HvDomainDef *qemu_domain_config(QemuDomain *d);
bool qemu_domain_active(const QemuDomain *d);

/* ---- persistence */
int qemu_domain_save(QemuConn *qc, const HvDomainDef *def, GError **err);
/* Reads LIB/NAME.xml (persistent) and RUN/NAME.xml (running: the live
 * definition); returns the names of the running ones, to re-attach. Takes
 * the lock. */
GPtrArray *qemu_domain_load_all(QemuConn *qc);
/* Defines or redefines from a parsed definition (taken). */
int qemu_domain_define(QemuConn *qc, HvDomainDef *def, GError **err);
int qemu_domain_undefine(QemuConn *qc, const char *name, GError **err);
int qemu_domain_set_autostart(QemuConn *qc, const char *name, bool on, GError **err);
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
/* For a QMP exchange: under the lock, the domain named (ENOENT) and
 * check(d, opaque, err), which may note what it needs from d and returns
 * <0 (refused), 0 (go: *m gets a reference to the monitor) or 1 (go without
 * QEMU: *m stays NULL). No lock held; NULL check: the monitor, if any. */
typedef int (*QemuDomainCheck)(QemuDomain *d, void *opaque, GError **err);
int qemu_domain_get_mon(QemuConn *qc, const char *name, QemuDomainCheck check, void *opaque,
			QemuMon **m, GError **err);

/* ---- XML */
/* config.xml (HV_XML_INACTIVE) or live.xml; *pty (owned) the console's pty
 * for qemu_domain_live_runtime, outside the lock. */
char *qemu_domain_format(QemuDomain *d, unsigned flags, char **pty);
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
