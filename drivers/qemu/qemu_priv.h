/* qemu_priv.h: the qemu driver's private state, shared by drivers/qemu/.
 * One QemuConn per connection: its folders, the domain table behind one
 * mutex, and the monitors of running domains. State changes come from QMP
 * events (qemu_process.c) and are emitted with the lock held, in order. */
#pragma once
#include <sys/types.h>
#include "drivers/driver.h"
#include "conf/domain_conf.h"
#include "drivers/qemu/qemu_monitor.h"
#include "drivers/qemu/qemu_storage.h"

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

struct QemuConn {
	HvConn *conn;
	char *lib_dir;  /* definitions: NAME.xml, autostart/NAME */
	char *run_dir;  /* runtime: NAME.pid, NAME.qmp, NAME.log, NAME.xml (live) */
	char *emulator; /* qemu-system-x86_64, or NULL when missing */
	GMutex lock;    /* guards what follows */
	GCond cond;     /* signalled when a domain stops */
	GHashTable *domains; /* name -> QemuDomain* (owned) */
	GPtrArray *dead_mons; /* monitors of stopped domains, closed outside the lock */
	int next_id;
	GThread *con_thread; /* qemu_console.c */
	int con_wake;        /* eventfd: the set of consoles changed */
	bool con_quit;
	QemuStorage *storage; /* pools and volumes (qemu_pool.c), own lock */
	unsigned workers;     /* helper threads running (faults, restarts, quits): under lock */
};

static inline QemuConn *
qemu_conn(HvConn *c)
{
	return c->priv;
}

/* qemu_driver.c */
QemuDomain *qemu_domain_find(QemuConn *qc, const char *name, GError **err);
HvDomainDef *qemu_domain_config(QemuDomain *d);
bool qemu_domain_active(const QemuDomain *d);
int qemu_domain_save(QemuConn *qc, const HvDomainDef *def, GError **err);
char *qemu_run_path(QemuConn *qc, const char *name, const char *ext);
void qemu_emit(QemuConn *qc, const char *name, const char *event, const char *detail);
void qemu_reap_monitors(QemuConn *qc); /* closes dead monitors; lock NOT held */
/* A helper thread is done (lock NOT held); qc->workers++ (lock held) when one
 * starts. The connection waits for them before it goes. */
void qemu_worker_end(QemuConn *qc);

/* qemu_process.c */
extern const QemuMonCallbacks qemu_mon_callbacks;
int qemu_process_start(QemuConn *qc, const char *name, GError **err);
int qemu_process_destroy(QemuConn *qc, const char *name, GError **err);
/* The process is gone: state shutoff with reason, events, runtime files
 * removed, persistent config restored. Lock held; may free d (transient). */
void qemu_process_stopped(QemuConn *qc, QemuDomain *d, int reason);
/* A domain with a run/NAME.xml: attach to its QEMU, or clean up. No lock held. */
void qemu_process_reattach(QemuConn *qc, const char *name);
/* cpu time of a running QEMU, from /proc */
uint64_t qemu_process_cpu_ns(pid_t pid);
uint64_t qemu_proc_cpu_ns(const char *stat_path); /* utime + stime of a /proc stat file */
bool qemu_pid_alive(pid_t pid);

/* qemu_console.c */
int qemu_console_start_thread(QemuConn *qc, GError **err);
void qemu_console_stop_thread(QemuConn *qc);
void qemu_console_free(QemuConsole *con);
/* After QMP is up (no lock held): opens charserial0; fresh: a new boot (an
 * empty ring), else a re-attach (the ring starts with the log's tail). */
void qemu_console_attach(QemuConn *qc, const char *name, QemuMon *m, bool fresh);
void qemu_console_detach(QemuConn *qc, QemuDomain *d); /* lock held */
int qemu_console_read(HvConn *c, const char *name, uint64_t *pos, size_t max, GString *out,
		      GError **err);
int qemu_console_write(HvConn *c, const char *name, const char *buf, size_t len,
		       GError **err);

/* qemu_net.c: taps and their counters */
struct QemuTap;
typedef struct {
	uint64_t rx_bytes, rx_pkts, rx_errs, rx_drop; /* as the guest sees them */
	uint64_t tx_bytes, tx_pkts, tx_errs, tx_drop;
} QemuNetCounters;
/* Creates the tap (non-persistent), attaches it to t->bridge, brings it up:
 * *ifname its name, *fd its descriptor (CLOEXEC). */
int qemu_tap_create(const char *dom, const struct QemuTap *t, char **ifname, int *fd,
		    GError **err);
bool qemu_tap_exists(const char *ifname);
void qemu_taps_wait_gone(GPtrArray *names, int64_t timeout_us);
GPtrArray *qemu_taps_of(const HvDomainDef *def); /* char*: tap names of a live definition */
int qemu_net_counters(const char *ifname, QemuNetCounters *c); /* -1: no such device */

/* qemu_hotplug.c */
void qemu_vcpu_deleted(QemuConn *qc, QemuDomain *d, const char *device); /* lock held */
int qemu_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err);

/* qemu_stats.c */
int qemu_domain_stats(HvConn *c, const char *name, char **text, GError **err);
int qemu_domain_screenshot(HvConn *c, const char *name, GBytes **png, GError **err);

/* qemu_domain.c */
extern const HvDomainOps qemu_domain_ops;
