/* driver.h: the internal driver API that every hypervisor driver implements.
 * A driver is one small ops table per object kind (node, domain, network, pool,
 * volume) bundled with its URI schemes. A NULL method means "not supported".
 * Callers never call the tables directly: they go through the checkpoint in
 * conn.h, which refuses unsupported methods and writes on read-only connections.
 * Objects are named by their name (volumes by pool name + volume name). Every
 * method returns 0 or -errno and fills a GError (util/error.h). */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/error.h"

typedef struct HvConn HvConn;
typedef struct HvDriver HvDriver;

typedef enum {
	HV_OBJ_NODE,
	HV_OBJ_DOMAIN,
	HV_OBJ_NETWORK,
	HV_OBJ_POOL,
	HV_OBJ_VOLUME,
	HV_OBJ_LAST
} HvObjKind;

/* Numbering follows libvirt's virDomainState. */
typedef enum {
	HV_DOMAIN_NOSTATE = 0,
	HV_DOMAIN_RUNNING = 1,
	HV_DOMAIN_BLOCKED = 2,
	HV_DOMAIN_PAUSED = 3,
	HV_DOMAIN_SHUTDOWN = 4,
	HV_DOMAIN_SHUTOFF = 5,
	HV_DOMAIN_CRASHED = 6,
	HV_DOMAIN_PMSUSPENDED = 7,
	HV_DOMAIN_STATE_LAST
} HvDomainState;

/* Numbering follows libvirt's virStoragePoolState. */
typedef enum {
	HV_POOL_INACTIVE = 0,
	HV_POOL_BUILDING = 1,
	HV_POOL_RUNNING = 2, /* shown as "active" */
	HV_POOL_DEGRADED = 3,
	HV_POOL_INACCESSIBLE = 4,
	HV_POOL_STATE_LAST
} HvPoolState;

/* Which definition a change or a query applies to (libvirt's AFFECT flags). */
enum {
	HV_AFFECT_CURRENT = 0,
	HV_AFFECT_LIVE = 1 << 0,
	HV_AFFECT_CONFIG = 1 << 1,
	HV_MAXIMUM = 1 << 2, /* set_memory: <memory>; set_vcpus: the maximum */
};

/* get_xml flags */
enum {
	HV_XML_INACTIVE = 1 << 0, /* the persistent definition, not the live one */
};

#define HV_UUID_STRLEN 37

/* Snapshots: owned by the caller, freed with the matching _free (NULL-safe). */
typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
	char *os_type; /* hvm, linux, exe; may be NULL */
	int id; /* -1 when not running */
	HvDomainState state;
	int reason; /* libvirt's per-state reason code */
	bool persistent;
	bool autostart;
	uint64_t max_memory_kib; /* <memory> */
	uint64_t memory_kib;     /* <currentMemory>, the balloon target */
	unsigned vcpus;
	unsigned max_vcpus;
	uint64_t cpu_time_ns;
	char *accel; /* the accelerator that runs (or would run) it: tcg, kvm; NULL: none to say */
} HvDomainInfo;

typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
	bool active;
	bool persistent;
	bool autostart;
	char *bridge; /* may be NULL */
	char *forward; /* forward mode or NULL for isolated */
} HvNetworkInfo;

typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
	char *type; /* dir, fs, logical, ... */
	HvPoolState state;
	bool persistent;
	bool autostart;
	uint64_t capacity; /* bytes */
	uint64_t allocation;
	uint64_t available;
	char *target_path; /* may be NULL */
} HvPoolInfo;

typedef struct {
	char *name;
	char *pool;
	char *key;
	char *path;
	char *type;   /* file, block, dir, network, netdir, ploop */
	char *format; /* raw, qcow2, ... may be NULL */
	uint64_t capacity; /* bytes */
	uint64_t allocation;
} HvVolumeInfo;

typedef struct {
	char *hostname;
	char *model; /* CPU model, e.g. x86_64 */
	uint64_t memory_kib;
	uint64_t free_memory_kib;
	unsigned cpus;
	unsigned mhz;
	unsigned nodes; /* NUMA cells */
	unsigned sockets;
	unsigned cores;
	unsigned threads;
	char *accels; /* accelerators the node can run guests with ("kvm tcg"), or NULL */
} HvNodeInfo;

/* The job that holds an object (drivers/job.h), as a snapshot: what a `job`
 * file shows. type is NULL when no job runs. Counters are 0 when unknown. */
typedef struct {
	char *type;          /* "start", "set-vcpus", "migration-out", ... (owned) */
	bool modifying;      /* false: only queries run */
	bool destroying;     /* a destroy got through while it ran */
	bool abortable;      /* `abort` may stop it */
	bool abort_requested;
	uint64_t elapsed_ms;
	uint64_t total_bytes;     /* data to move, processed, still to go */
	uint64_t processed_bytes;
	uint64_t remaining_bytes;
	uint64_t rate;       /* bytes per second (migration: the memory dirty rate) */
	uint64_t iteration;  /* migration: the pass over memory */
	unsigned queries;    /* query jobs running */
} HvJobInfo;

void hv_job_info_clear(HvJobInfo *i);
void hv_domain_info_free(HvDomainInfo *i);
void hv_network_info_free(HvNetworkInfo *i);
void hv_pool_info_free(HvPoolInfo *i);
void hv_volume_info_free(HvVolumeInfo *i);
void hv_node_info_clear(HvNodeInfo *i);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvDomainInfo, hv_domain_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvNetworkInfo, hv_network_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvPoolInfo, hv_pool_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvVolumeInfo, hv_volume_info_free)

typedef struct {
	int (*get_info)(HvConn *c, HvNodeInfo *out, GError **err);
	int (*get_capabilities)(HvConn *c, char **xml, GError **err);
	/* Optional (remote driver): 1 while the node is reachable, 0 while it is
	 * not, with *reason (owned) saying why; node/info can show `connected:`.
	 * A NULL method means the node is local and always connected. */
	int (*is_alive)(HvConn *c, char **reason, GError **err);
} HvNodeOps;

/* list: one bulk call; *out is a GPtrArray of HvDomainInfo* with a free func. */
typedef struct {
	int (*list)(HvConn *c, GPtrArray **out, GError **err);
	int (*get_info)(HvConn *c, const char *name, HvDomainInfo **out, GError **err);
	int (*get_xml)(HvConn *c, const char *name, unsigned flags, char **xml, GError **err);
	/* Defines or redefines from a document; *name_out (optional) gets its name. */
	int (*define_xml)(HvConn *c, const char *xml, char **name_out, GError **err);
	int (*undefine)(HvConn *c, const char *name, GError **err);
	int (*start)(HvConn *c, const char *name, GError **err);
	int (*shutdown)(HvConn *c, const char *name, GError **err);
	int (*destroy)(HvConn *c, const char *name, GError **err);
	int (*reboot)(HvConn *c, const char *name, GError **err);
	int (*reset)(HvConn *c, const char *name, GError **err);
	int (*suspend)(HvConn *c, const char *name, GError **err);
	int (*resume)(HvConn *c, const char *name, GError **err);
	int (*set_memory)(HvConn *c, const char *name, uint64_t kib, unsigned flags, GError **err);
	int (*set_vcpus)(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err);
	int (*set_autostart)(HvConn *c, const char *name, bool on, GError **err);
	/* key=value lines as `virsh domstats` prints them, without the header. */
	int (*get_stats)(HvConn *c, const char *name, char **text, GError **err);
	/* The serial console. Positions count every byte it printed; reading
	 * appends at most max bytes from *pos to out and moves *pos past them
	 * (first to the oldest byte kept when *pos is older), returning how many
	 * (0: nothing new yet). New output is reported with the event
	 * `console-output TOTAL`, which wakes readers and is never an events line.
	 * Writing sends input and returns how many bytes went. */
	int (*console_read)(HvConn *c, const char *name, uint64_t *pos, size_t max, GString *out,
			    GError **err);
	int (*console_write)(HvConn *c, const char *name, const char *buf, size_t len,
			     GError **err);
	/* The display as a PNG image (*png owned by the caller). */
	int (*screenshot)(HvConn *c, const char *name, GBytes **png, GError **err);
	/* The job that holds the domain (*out cleared first; type NULL: none). */
	int (*get_job)(HvConn *c, const char *name, HvJobInfo *out, GError **err);
	/* Asks the running job to stop: -EBUSY when it cannot be aborted. */
	int (*abort_job)(HvConn *c, const char *name, GError **err);
} HvDomainOps;

typedef struct {
	int (*list)(HvConn *c, GPtrArray **out, GError **err); /* HvNetworkInfo* */
	int (*get_info)(HvConn *c, const char *name, HvNetworkInfo **out, GError **err);
	int (*get_xml)(HvConn *c, const char *name, unsigned flags, char **xml, GError **err);
	int (*define_xml)(HvConn *c, const char *xml, char **name_out, GError **err);
	int (*undefine)(HvConn *c, const char *name, GError **err);
	int (*start)(HvConn *c, const char *name, GError **err);
	int (*stop)(HvConn *c, const char *name, GError **err);
	int (*set_autostart)(HvConn *c, const char *name, bool on, GError **err);
} HvNetworkOps;

typedef struct {
	int (*list)(HvConn *c, GPtrArray **out, GError **err); /* HvPoolInfo* */
	int (*get_info)(HvConn *c, const char *name, HvPoolInfo **out, GError **err);
	int (*get_xml)(HvConn *c, const char *name, unsigned flags, char **xml, GError **err);
	int (*define_xml)(HvConn *c, const char *xml, char **name_out, GError **err);
	int (*undefine)(HvConn *c, const char *name, GError **err);
	int (*start)(HvConn *c, const char *name, GError **err);
	int (*stop)(HvConn *c, const char *name, GError **err);
	int (*build)(HvConn *c, const char *name, GError **err);
	int (*refresh)(HvConn *c, const char *name, GError **err);
	int (*delete)(HvConn *c, const char *name, GError **err);
	int (*set_autostart)(HvConn *c, const char *name, bool on, GError **err);
} HvPoolOps;

typedef struct {
	int (*list)(HvConn *c, const char *pool, GPtrArray **out, GError **err); /* HvVolumeInfo* */
	int (*get_info)(HvConn *c, const char *pool, const char *name, HvVolumeInfo **out, GError **err);
	int (*get_xml)(HvConn *c, const char *pool, const char *name, char **xml, GError **err);
	int (*create_xml)(HvConn *c, const char *pool, const char *xml, char **name_out, GError **err);
	int (*delete)(HvConn *c, const char *pool, const char *name, GError **err);
	int (*resize)(HvConn *c, const char *pool, const char *name, uint64_t bytes, GError **err);
	/* As for domains: a volume's job (upload, clone, wipe), and aborting it. */
	int (*get_job)(HvConn *c, const char *pool, const char *name, HvJobInfo *out,
		       GError **err);
	int (*abort_job)(HvConn *c, const char *pool, const char *name, GError **err);
} HvVolumeOps;

struct HvDriver {
	const char *name;            /* "test", "qemu", "remote" */
	const char *const *schemes;  /* URI schemes it serves, NULL-terminated */
	int (*open)(HvConn *c, GError **err); /* c->uri is parsed; fill c->priv */
	void (*close)(HvConn *c);
	const HvNodeOps *node;
	const HvDomainOps *domain;
	const HvNetworkOps *network;
	const HvPoolOps *pool;
	const HvVolumeOps *volume;
};

/* One change, as drivers report it. libvirt's vocabulary, extended where a
 * file shows something libvirt has no event for (docs/test-driver.md has the
 * whole table):
 *   domain:  defined added|updated, undefined removed, started booted,
 *            suspended paused, resumed unpaused, shutdown requested|finished,
 *            stopped shutdown|destroyed|crashed|failed, crashed panicked,
 *            rebooted -, reset -, memory-changed KIB, max-memory-changed KIB,
 *            vcpus-changed N, max-vcpus-changed N, autostart-changed 0|1,
 *            console-output TOTAL (not an events line: wakes console readers)
 *   network: defined, undefined, started, stopped, autostart-changed
 *   pool:    defined, undefined, started, stopped, building, built, deleted,
 *            refreshed, autostart-changed
 *   volume:  created, deleted, resized BYTES (parent = the pool)
 * Every change to anything a file shows must be reported: the tree's caches
 * are invalidated from these events, never by polling. */
typedef struct {
	HvObjKind kind;
	const char *name;
	const char *parent; /* pool for volumes, else NULL */
	const char *event;
	const char *detail; /* never NULL; "-" when there is nothing to say */
} HvEvent;

typedef void (*HvEventFunc)(HvConn *c, const HvEvent *ev, void *opaque);

struct HvObjTab;

struct HvConn {
	const HvDriver *driver;
	char *uri_str;
	GUri *uri;
	bool readonly;
	void *priv; /* driver state */
	HvEventFunc event_cb;
	void *event_opaque;
	/* A driver built on the shared object tables (drivers/objtab.h) puts its
	 * domain, network and pool tables here, for the shared ops of
	 * drivers/objops.h (volumes are children of their pool). */
	struct HvObjTab *tables[HV_OBJ_LAST];
};

/* For drivers: report an event (thread-safe; may be called with driver locks held,
 * so the callback must not call back into the driver). */
void hv_conn_emit(HvConn *c, HvObjKind kind, const char *parent, const char *name,
		  const char *event, const char *detail);
