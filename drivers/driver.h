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
#include "drivers/driver_extra.h"

typedef struct HvConn HvConn;
typedef struct HvDriver HvDriver;
typedef struct HvDataStream HvDataStream;

typedef enum {
	HV_OBJ_NODE,
	HV_OBJ_DOMAIN,
	HV_OBJ_NETWORK,
	HV_OBJ_POOL,
	HV_OBJ_VOLUME,
	HV_OBJ_SECRET,
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
	/* secrets included (a graphics passwd): only the remote driver reads it,
	 * asking its peer for VIR_DOMAIN_XML_SECURE; every other driver always
	 * includes them, and the callers (the tree on a read-only mount,
	 * hyperfsd without the flag) leave them out (hv_domain_xml_hide_secrets) */
	HV_XML_SECURE = 1 << 1,
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
	/* what of a new definition of the active network waits for its next start
	 * ("<forward>, <ip>"), or NULL: the `error` file says it */
	char *pending;
} HvNetworkInfo;

/* One DHCP lease of a network: the `leases` line MAC IP HOSTNAME EXPIRY. */
typedef struct {
	char *mac;
	char *ip;       /* with its prefix: 192.168.122.10/24 */
	char *hostname; /* or NULL */
	int64_t expiry; /* epoch seconds, 0: none */
} HvNetworkLease;

/* One domain interface on a network: the `ports` line DOMAIN MAC DEVICE. */
typedef struct {
	char *domain;
	char *mac;
	char *device; /* the host side (vnet0), or NULL while unknown */
} HvNetworkPort;

/* One guest address: the `addresses` line DEVICE MAC FAMILY IP/PREFIX SOURCE. */
typedef struct {
	char *device;  /* the host side of the interface (vnet0) */
	char *mac;
	char *family;  /* ipv4, ipv6 */
	char *ip;      /* with its prefix */
	char *source;  /* lease, arp */
} HvDomainAddress;

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
	uint64_t disk_total; /* migration with copy-storage: disk bytes to copy, */
	uint64_t disk_processed; /* copied, still to go (0 when no disk is copied) */
	uint64_t disk_remaining;
	uint64_t downtime_ms; /* a completed migration: QEMU's downtime (0: unknown) */
} HvJobInfo;

/* A typed parameter (libvirt's virTypedParameter; types numbered as its
 * virTypedParameterType): tuning groups and their settings. */
typedef enum {
	HV_PARAM_INT = 1,
	HV_PARAM_UINT,
	HV_PARAM_LLONG,
	HV_PARAM_ULLONG,
	HV_PARAM_DOUBLE,
	HV_PARAM_BOOLEAN,
	HV_PARAM_STRING,
} HvParamType;

typedef struct {
	char *field;
	HvParamType type;
	int64_t i;  /* every integer type and BOOLEAN (ULLONG as bits) */
	double d;
	char *s;    /* STRING */
} HvParam;

/* libvirt's migration cookie between two phases of one migration: opaque
 * to whoever carries it (drivers/migrate.c, virsh through hyperfsd). in:
 * what the peer's previous phase gave (NULL or "" when none); out: what
 * this phase gives the next (owned by the carrier afterwards; may stay
 * NULL). The qemu driver's text is in docs/moving-and-keeping.md. */
typedef struct {
	const char *in;
	char *out;
} HvMigCookie;

#define HV_MIG_COOKIE_MAX (64u << 10) /* bytes a peer's cookie may have */
/* A cookie on libvirt's wire is its text and a terminating NUL (libvirtd
 * refuses one without). from_wire: the text (owned), the NUL optional;
 * NULL when empty, too long or holding another NUL (the caller says
 * which error). to_wire: appends text and its NUL (nothing for NULL or ""). */
char *hv_mig_cookie_from_wire(const guint8 *data, guint len);
void hv_mig_cookie_to_wire(GByteArray *b, const char *text);

/* A GArray of HvParam that frees its members. */
GArray *hv_params_new(void);
void hv_params_add(GArray *ps, const char *field, HvParamType type, int64_t i, const char *s);
const HvParam *hv_params_find(const GArray *ps, const char *field);

/* A parameter a setting takes, and its type. */
typedef struct {
	const char *field;
	HvParamType type;
} HvParamSpec;

/* 0, or libvirt's refusal (virTypedParamsValidate, in its order: by name)
 * of the first parameter of ps that specs lacks (ENOPROTOOPT, "parameter 'X'
 * not supported"), has another type or comes twice (EINVAL). */
int hv_params_validate(const GArray *ps, const HvParamSpec *specs, size_t n, GError **err);

/* A domain's tuning groups (virsh schedinfo, memtune, blkiotune, numatune,
 * domiftune DEVICE, blkdeviotune DEVICE). */
typedef enum {
	HV_TUNE_SCHED,
	HV_TUNE_MEMORY,
	HV_TUNE_BLKIO,
	HV_TUNE_NUMA,
	HV_TUNE_INTERFACE,
	HV_TUNE_BLOCK_IO,
	HV_TUNE_LAST
} HvTuneKind;

/* One vCPU as virDomainGetVcpus shows it. */
typedef struct {
	unsigned number;
	int state;  /* virVcpuState: 0 offline, 1 running, 2 blocked */
	uint64_t cpu_time_ns;
	int cpu;    /* host CPU it runs on, -1: none */
} HvVcpuInfo;

/* A domain's device whose counters get_device_stats gives. */
typedef enum { HV_DEV_BLOCK, HV_DEV_NET } HvDeviceKind;
#define HV_DEV_STATS_MAX 8

/* CPU affinity: whose (one map per vCPU, one for the emulator, one per
 * IOThread), as bitmaps of host CPUs. */
typedef enum { HV_AFFINITY_VCPU, HV_AFFINITY_EMULATOR, HV_AFFINITY_IOTHREAD } HvAffinityKind;
#define HV_CPUMAP_BYTES 128 /* up to 1024 host CPUs */
typedef struct {
	unsigned id;  /* vCPU number, IOThread id; 0 for the emulator */
	uint8_t map[HV_CPUMAP_BYTES];
} HvCpuMap;

/* A host network interface (libvirt's virInterface). */
typedef struct {
	char *name;
	char *mac;
	bool active;
} HvInterfaceInfo;

void hv_interface_info_free(HvInterfaceInfo *i);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvInterfaceInfo, hv_interface_info_free)

void hv_job_info_clear(HvJobInfo *i);
void hv_domain_info_free(HvDomainInfo *i);
void hv_network_info_free(HvNetworkInfo *i);
void hv_network_lease_free(HvNetworkLease *l);
void hv_network_port_free(HvNetworkPort *p);
void hv_domain_address_free(HvDomainAddress *a);
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
	/* Host CPUs: how many are present (returned), the online ones in map
	 * (bit n: CPU n) and their count. */
	int (*get_cpu_map)(HvConn *c, uint8_t map[HV_CPUMAP_BYTES], unsigned *online,
			   GError **err);
	/* Free memory in bytes of NUMA cells start.. (at most max; GArray of
	 * guint64); EINVAL when start is not a cell. */
	int (*get_cells_free_memory)(HvConn *c, int start, int max, GArray **out, GError **err);
	/* The host's SMBIOS data, libvirt's <sysinfo> document. */
	int (*get_sysinfo)(HvConn *c, char **xml, GError **err);
	/* CPU time counters (ns) of one host CPU, or of all with cpu -1 (GArray
	 * of HvParam, ULLONG: user, kernel, idle, iowait...). */
	int (*get_cpu_stats)(HvConn *c, int cpu, GArray **out, GError **err);
	/* The hypervisor's version (major * 1000000 + minor * 1000 + micro) and
	 * the most vCPUs a guest of type (NULL: the default) may have. */
	int (*get_version)(HvConn *c, uint64_t *version, GError **err);
	int (*get_max_vcpus)(HvConn *c, const char *type, unsigned *max, GError **err);
	/* The security driver's model and DOI ("" when none). */
	int (*get_security_model)(HvConn *c, char **model, char **doi, GError **err);
	/* What the hypervisor can run for an emulator, arch, machine and virt
	 * type (each NULL: the default), libvirt's <domainCapabilities>. */
	int (*get_domain_capabilities)(HvConn *c, const char *emulator, const char *arch,
				       const char *machine, const char *virttype, char **xml,
				       GError **err);
	/* Free pages of each of the npages sizes (KiB) in cells start ..
	 * start + count - 1, cell after cell (GArray of guint64: count x npages). */
	int (*get_free_pages)(HvConn *c, const unsigned *pages, unsigned npages, int start,
			      unsigned count, GArray **out, GError **err);
	/* The CPU model names the hypervisor knows for arch (libvirt's names:
	 * x86_64, ppc64le, ...), *out owned (drivers/cpu_models.h has libvirt's). */
	int (*get_cpu_models)(HvConn *c, const char *arch, GStrv *out, GError **err);
	/* The CPU that every one of the <cpu> documents xmls (NULL-terminated)
	 * can run as (virConnectBaselineCPU; flags its VIR_CONNECT_BASELINE_CPU_*). */
	int (*baseline_cpu)(HvConn *c, const char *const *xmls, unsigned flags, char **out,
			    GError **err);
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
	/* The virDomainStatsTypes groups (bits) get_stats fills, all of them when
	 * this is NULL: what virConnectGetAllDomainStats' ENFORCE_STATS holds to. */
	unsigned (*stats_groups)(HvConn *c);
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
	/* Starts a transient domain from a document (libvirt's virDomainCreateXML;
	 * flags: VIR_DOMAIN_START_PAUSED = 1); it leaves when it stops. */
	int (*create_xml)(HvConn *c, const char *xml, unsigned flags, char **name_out,
			  GError **err);
	/* vCPUs of a running domain (GArray of HvVcpuInfo), and CPU affinity
	 * (GArray of HvCpuMap; *ncpus: host CPUs the maps cover). */
	int (*get_vcpus)(HvConn *c, const char *name, GArray **out, GError **err);
	int (*get_affinity)(HvConn *c, const char *name, HvAffinityKind kind, unsigned flags,
			    unsigned *ncpus, GArray **out, GError **err);
	/* Pins vCPU id (or the emulator, an IOThread) to the CPUs of map (len
	 * bytes, bit n: CPU n); flags: libvirt's AFFECT_* (virDomainPinVcpuFlags,
	 * virDomainPinEmulator). */
	int (*set_affinity)(HvConn *c, const char *name, HvAffinityKind kind, unsigned id,
			    const uint8_t *map, size_t len, unsigned flags, GError **err);
	/* The scheduler's name ("fair", "posix") and its parameters. */
	int (*get_scheduler_type)(HvConn *c, const char *name, char **type, GError **err);
	/* A tuning group (GArray of HvParam, hv_params_new); device names the
	 * interface or disk of HV_TUNE_INTERFACE and _BLOCK_IO, else NULL.
	 * flags: HV_AFFECT_*. */
	int (*get_tune)(HvConn *c, const char *name, HvTuneKind kind, const char *device,
			unsigned flags, GArray **out, GError **err);
	int (*set_tune)(HvConn *c, const char *name, HvTuneKind kind, const char *device,
			const GArray *params, unsigned flags, GError **err);
	/* What the guest reports: memory counters (GArray of HvParam, ULLONG,
	 * fields named as virsh dommemstat prints them: actual, swap_in, rss...),
	 * its hostname, its clock, the disks in error (HvParam INT: disk name and
	 * virDomainDiskErrorCode) and the perf events (HvParam BOOLEAN). */
	int (*get_memory_stats)(HvConn *c, const char *name, GArray **out, GError **err);
	int (*get_hostname)(HvConn *c, const char *name, char **hostname, GError **err);
	/* virDomainMemoryPeek: size bytes of the guest's memory from start
	 * (flags: libvirt's VIR_MEMORY_VIRTUAL 1 or _PHYSICAL 2). */
	int (*memory_peek)(HvConn *c, const char *name, uint64_t start, uint32_t size,
			   unsigned flags, GByteArray **out, GError **err);
	int (*get_time)(HvConn *c, const char *name, int64_t *seconds, unsigned *nseconds,
			GError **err);
	int (*get_disk_errors)(HvConn *c, const char *name, GArray **out, GError **err);
	int (*get_perf_events)(HvConn *c, const char *name, unsigned flags, GArray **out,
			       GError **err);
	/* virDomainSetPerfEvents: the events given (HvParam BOOLEAN, named as
	 * get_perf_events names them) on or off, in the definition flags
	 * (HV_AFFECT_*) pick. */
	int (*set_perf_events)(HvConn *c, const char *name, const GArray *params, unsigned flags,
			       GError **err);
	/* virDomainSetMemoryStatsPeriod: the balloon's collection period in
	 * seconds (0: none), in the definition flags (HV_AFFECT_*) pick. */
	int (*set_memory_stats_period)(HvConn *c, const char *name, int period, unsigned flags,
				       GError **err);
	/* The monitor's state (virDomainControlState), its detail and for how
	 * long (ms) it has been in it. */
	int (*get_control_info)(HvConn *c, const char *name, unsigned *state, unsigned *details,
				uint64_t *since_ms, GError **err);
	/* A disk's sizes in bytes (path: its target or source). */
	int (*get_block_info)(HvConn *c, const char *name, const char *path, uint64_t *capacity,
			      uint64_t *allocation, uint64_t *physical, GError **err);
	/* The domain's security label and whether it is enforced. */
	int (*get_security_label)(HvConn *c, const char *name, char **label, bool *enforcing,
				  GError **err);
	/* The guest's addresses (HvDomainAddress*), from its networks' DHCP
	 * leases and the host's neighbour table: `addresses`, virsh domifaddr. */
	int (*get_addresses)(HvConn *c, const char *name, GPtrArray **out, GError **err);
	/* Migration, libvirt's protocol v3 with parameters (virDomainMigrate*3Params;
	 * drivers/migrate.h runs the phases between two connections): params are
	 * libvirt's VIR_MIGRATE_PARAM_* (HvParam: "migrate_uri", "destination_xml",
	 * "destination_name", "persistent_xml", "bandwidth" MiB/s, "compression",
	 * "auto_converge.initial", ... and "downtime" ms, ours), flags its
	 * VIR_MIGRATE_* (HV_MIGRATE_* below). ck carries libvirt's migration
	 * cookie from phase to phase (HvMigCookie above: never NULL).
	 * begin (source): the definition to send (*xml owned).
	 * prepare (target): makes ready to receive destination_xml; *uri (owned,
	 * NULL offline) is where the source sends the guest.
	 * perform (source): sends it to params' migrate_uri, as the domain's job
	 * (get_job shows it, abort_job cancels it: -ECANCELED).
	 * finish (target): after perform; cancelled: perform failed, undo the
	 * prepare; else the guest runs here (defined when PERSIST_DEST).
	 * confirm (source): cancelled: the guest runs on here as before; else
	 * its process ends (stopped migrated), undefined with UNDEFINE_SOURCE. */
	int (*migrate_begin)(HvConn *c, const char *name, const GArray *params,
			     HvMigCookie *ck, unsigned flags, char **xml, GError **err);
	int (*migrate_prepare)(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			       char **uri, GError **err);
	int (*migrate_perform)(HvConn *c, const char *name, const GArray *params,
			       HvMigCookie *ck, unsigned flags, GError **err);
	int (*migrate_finish)(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			      bool cancelled, GError **err);
	int (*migrate_confirm)(HvConn *c, const char *name, const GArray *params,
			       HvMigCookie *ck, unsigned flags, bool cancelled, GError **err);
	/* Save and restore (docs/moving-and-keeping.md). managed_save: the
	 * memory goes to an image the driver keeps and the domain stops; the
	 * next start restores it. has_managed_save: 1 when an image exists,
	 * else 0; managed_save_remove discards it (ENOENT when none). save: the
	 * memory and definition to path, the domain stops; restore: runs the
	 * domain a save image at path holds (*name_out optional). flags:
	 * libvirt's VIR_DOMAIN_SAVE_RUNNING 2 / _PAUSED 4. save_image_xml: the
	 * definition a save image holds. */
	int (*managed_save)(HvConn *c, const char *name, unsigned flags, GError **err);
	int (*has_managed_save)(HvConn *c, const char *name, GError **err);
	int (*managed_save_remove)(HvConn *c, const char *name, GError **err);
	int (*save)(HvConn *c, const char *name, const char *path, unsigned flags, GError **err);
	int (*restore)(HvConn *c, const char *path, unsigned flags, char **name_out, GError **err);
	int (*save_image_xml)(HvConn *c, const char *path, char **xml, GError **err);
	/* The guest's mounted file systems (HvDomainFsInfo*): virsh domfsinfo. */
	int (*get_fsinfo)(HvConn *c, const char *name, GPtrArray **out, GError **err);
	/* Launch security (SEV) facts of a running domain (GArray of HvParam);
	 * flags: libvirt's, as the client sent them. */
	int (*get_launch_security)(HvConn *c, const char *name, unsigned flags, GArray **out,
				   GError **err);
	/* A guest request (HvGuestRequest); mounts (NULL-terminated, NULL or
	 * empty: all) for the file system ones; *count: how many file systems
	 * the freeze or thaw changed. */
	int (*guest_request)(HvConn *c, const char *name, HvGuestRequest what,
			     const char *const *mounts, int *count, GError **err);
	/* A shut-off persistent domain takes the name new_name (libvirt's
	 * virDomainRename): events `undefined renamed` under the old name, then
	 * `defined renamed` under the new one. */
	int (*rename)(HvConn *c, const char *name, const char *new_name, GError **err);
	/* The guest's memory into the file path (virDomainCoreDumpWithFormat:
	 * format 0 raw, flags libvirt's VIR_DUMP_*). */
	int (*core_dump)(HvConn *c, const char *name, const char *path, unsigned format,
			 unsigned flags, GError **err);
	/* Adds (add) or removes IOThread id; flags HV_AFFECT_*. get_affinity and
	 * set_affinity with HV_AFFINITY_IOTHREAD show and pin them. */
	int (*set_iothread)(HvConn *c, const char *name, unsigned id, bool add, unsigned flags,
			    GError **err);
	/* virDomainSetIOThreadParams: IOThread id's polling (params: HvParam
	 * "poll-max-ns" ULLONG, "poll-grow" and "poll-shrink" UINT, as libvirt
	 * names them; flags HV_AFFECT_*). ENOMSG: libvirt's driver fails here
	 * without saying why (the message says it for the tree). */
	int (*set_iothread_params)(HvConn *c, const char *name, unsigned id, const GArray *params,
				   unsigned flags, GError **err);
	/* virDomainGetCPUStats of a running domain: the total (start_cpu -1:
	 * cpu_time, user_time, system_time) or per host CPU from start_cpu
	 * (cpu_time, vcpu_time), at most nparams each. Returns libvirt's answer:
	 * with nparams 0 how many there are (per CPU), with ncpus 0 how many host
	 * CPUs, else how many each CPU got, *out holding that many per CPU (CPUs
	 * past the last left out). */
	int (*get_cpu_stats)(HvConn *c, const char *name, int start_cpu, unsigned ncpus,
			     unsigned nparams, GArray **out, GError **err);
	/* virDomainSendProcessSignal: signal signum (libvirt's
	 * virDomainProcessSignal numbers) to the guest's process pid. */
	int (*send_signal)(HvConn *c, const char *name, int64_t pid, unsigned signum,
			   GError **err);
	/* The last job that completed on the running domain (libvirt's
	 * VIR_DOMAIN_JOB_STATS_COMPLETED: an incoming migration, with QEMU's
	 * figures): 1 and *out, 0 when none is kept. */
	int (*get_completed_job)(HvConn *c, const char *name, HvJobInfo *out, GError **err);
	/* The counters of one disk (HV_DEV_BLOCK: dev its target or source; rd_req,
	 * rd_bytes, wr_req, wr_bytes, errs) or interface (HV_DEV_NET: its target
	 * or MAC; rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets,
	 * tx_errs, tx_drop) of a running domain, in that order, as
	 * virDomainBlockStats and virDomainInterfaceStats give them. Optional:
	 * without it they are read from get_stats' block.N and net.N lines. */
	int (*get_device_stats)(HvConn *c, const char *name, HvDeviceKind kind, const char *dev,
				int64_t vals[HV_DEV_STATS_MAX], GError **err);
	/* virDomainSetLifecycleAction: what event type (0 poweroff, 1 reboot, 2
	 * crash) does (0 destroy, 1 restart, 2 rename-restart, 3 preserve, 4
	 * coredump-destroy, 5 coredump-restart), in the definitions flags
	 * (HV_AFFECT_*) name; the event `lifecycle-changed TYPE`. */
	int (*set_lifecycle)(HvConn *c, const char *name, unsigned type, unsigned action,
			     unsigned flags, GError **err);
	/* Tunnelled migration (HV_MIGRATE_TUNNELLED, libvirt's
	 * PrepareTunnel3Params; drivers/migrate.c): the guest's migration
	 * stream goes through the two connections instead of QEMU's own.
	 * prepare_tunnel (target): as migrate_prepare, but *st (owned by the
	 * caller) takes the stream: write it, then finish, then close; close
	 * without finish gives it up. perform_tunnel (source): as
	 * migrate_perform, the guest written into st and st finished when all
	 * of it is there (the caller closes st). */
	int (*migrate_prepare_tunnel)(HvConn *c, const GArray *params, HvMigCookie *ck,
				      unsigned flags, HvDataStream **st, GError **err);
	int (*migrate_perform_tunnel)(HvConn *c, const char *name, const GArray *params,
				      HvMigCookie *ck, unsigned flags, HvDataStream *st,
				      GError **err);
} HvDomainOps;

/* libvirt's virDomainMigrateFlags (the same numbers, sent as they are). */
enum {
	HV_MIGRATE_LIVE = 1 << 0,
	HV_MIGRATE_PEER2PEER = 1 << 1,
	HV_MIGRATE_TUNNELLED = 1 << 2,
	HV_MIGRATE_PERSIST_DEST = 1 << 3,
	HV_MIGRATE_UNDEFINE_SOURCE = 1 << 4,
	HV_MIGRATE_PAUSED = 1 << 5,
	HV_MIGRATE_NON_SHARED_DISK = 1 << 6,
	HV_MIGRATE_NON_SHARED_INC = 1 << 7,
	HV_MIGRATE_CHANGE_PROTECTION = 1 << 8, /* the source keeps its job from begin to confirm */
	HV_MIGRATE_OFFLINE = 1 << 10,
	HV_MIGRATE_COMPRESSED = 1 << 11,
	HV_MIGRATE_ABORT_ON_ERROR = 1 << 12,
	HV_MIGRATE_AUTO_CONVERGE = 1 << 13,
	HV_MIGRATE_POSTCOPY = 1 << 15,
};


#include "drivers/driver_snapshot.h" /* snapshots and checkpoints */

typedef struct {
	int (*list)(HvConn *c, GPtrArray **out, GError **err); /* HvNetworkInfo* */
	int (*get_info)(HvConn *c, const char *name, HvNetworkInfo **out, GError **err);
	int (*get_xml)(HvConn *c, const char *name, unsigned flags, char **xml, GError **err);
	int (*define_xml)(HvConn *c, const char *xml, char **name_out, GError **err);
	int (*undefine)(HvConn *c, const char *name, GError **err);
	int (*start)(HvConn *c, const char *name, GError **err);
	int (*stop)(HvConn *c, const char *name, GError **err);
	int (*set_autostart)(HvConn *c, const char *name, bool on, GError **err);
	/* Starts a transient network from a document; it leaves when it stops. */
	int (*create_xml)(HvConn *c, const char *xml, char **name_out, GError **err);
	/* The DHCP leases of an active network (HvNetworkLease*): `leases`. */
	int (*get_leases)(HvConn *c, const char *name, GPtrArray **out, GError **err);
	/* The domain interfaces on it (HvNetworkPort*): `ports`. */
	int (*get_ports)(HvConn *c, const char *name, GPtrArray **out, GError **err);
	/* virNetworkUpdate: command (modify 1, delete 2, add-last 3, add-first 4)
	 * of one element of section (libvirt's numbers) under parent_index (-1:
	 * the first), flags HV_AFFECT_*. */
	int (*update)(HvConn *c, const char *name, unsigned command, unsigned section,
		      int parent_index, const char *xml, unsigned flags, GError **err);
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
	/* Starts a transient pool from a document; it leaves when it stops. */
	int (*create_xml)(HvConn *c, const char *xml, unsigned flags, char **name_out,
			  GError **err);
	/* build with libvirt's VIR_STORAGE_POOL_BUILD_* flags (NO_OVERWRITE 4:
	 * refuse when the storage holds a file system or label; OVERWRITE 8: make
	 * it anew). Plain build refuses as NO_OVERWRITE does. */
	int (*build_flags)(HvConn *c, const char *name, unsigned flags, GError **err);
	/* virConnectFindStoragePoolSources: a <sources> document of the pools of
	 * type that could be made here (spec: a <source> narrowing the search, or
	 * NULL). Optional. */
	int (*find_sources)(HvConn *c, const char *type, const char *spec, unsigned flags,
			    char **xml, GError **err);
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
	/* A new volume in pool from a document, with the content of src_pool/src
	 * (libvirt's virStorageVolCreateXMLFrom). */
	int (*clone_xml)(HvConn *c, const char *pool, const char *xml, const char *src_pool,
			 const char *src, char **name_out, GError **err);
	/* Overwrites the content (algorithm: virStorageVolWipeAlgorithm). */
	int (*wipe)(HvConn *c, const char *pool, const char *name, unsigned algorithm,
		    GError **err);
	/* The volume's content from offset for length bytes (0: to the end) as
	 * a stream (virStorageVolUpload / virStorageVolDownload; flags: libvirt's
	 * VIR_STORAGE_VOL_UPLOAD_* / DOWNLOAD_*). An upload may run as the
	 * volume's job (get_job shows bytes done and total). */
	int (*upload)(HvConn *c, const char *pool, const char *name, uint64_t offset,
		      uint64_t length, unsigned flags, HvDataStream **out, GError **err);
	int (*download)(HvConn *c, const char *pool, const char *name, uint64_t offset,
			uint64_t length, unsigned flags, HvDataStream **out, GError **err);
	/* resize with libvirt's VIR_STORAGE_VOL_RESIZE_* flags (SHRINK 4: may
	 * shrink, never below the allocation) */
	int (*resize_flags)(HvConn *c, const char *pool, const char *name, uint64_t bytes,
			    unsigned flags, GError **err);
} HvVolumeOps;

/* A byte stream into (upload) or out of (download) a volume, as libvirt's
 * virStreamPtr under virStorageVolUpload/Download: whoever opened it moves the
 * bytes (a FUSE read or write of `data`, an RPC stream) and ends it with
 * finish (all bytes came: flush, the volume's facts are refreshed) or close
 * alone (given up: nothing more is written). close always frees it. */
typedef struct {
	/* download: at most len bytes into buf; 0 at the end, or -errno */
	gssize (*read)(HvDataStream *s, void *buf, size_t len, GError **err);
	/* upload: all of buf, or -errno */
	int (*write)(HvDataStream *s, const void *buf, size_t len, GError **err);
	int (*finish)(HvDataStream *s, GError **err);
	void (*close)(HvDataStream *s);
	/* optional, a download over a local file or device: where its next at
	 * most len bytes are, as a descriptor and a position in it, for the
	 * caller to move them itself (FUSE splices them, fs/data.c); counted as
	 * read, offset past them. How many (0 at the end), -errno, or -ENOTSUP
	 * (this stream has no descriptor: read them). */
	gssize (*span)(HvDataStream *s, size_t len, int *fd, off_t *pos, GError **err);
} HvDataStreamOps;

struct HvDataStream {
	const HvDataStreamOps *ops;
	uint64_t offset; /* where the next byte goes to or comes from */
	uint64_t end;    /* where the stream stops (UINT64_MAX: the volume's end) */
	void *priv;      /* the driver's */
};

#include "drivers/driver_host.h" /* secrets, node devices, filters, interfaces */

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
	const HvInterfaceOps *iface; /* may be NULL: no interfaces */
	const HvSecretOps *secret;   /* may be NULL: no secrets */
	const HvNodeDevOps *nodedev; /* may be NULL: no node devices */
	const HvNwfilterOps *nwfilter; /* may be NULL: no network filters */
	const HvSnapshotOps *snapshot; /* may be NULL: no snapshots */
	const HvFlagRule *flag_rules;  /* may be NULL: every flag the API has */
	const HvCheckpointOps *checkpoint; /* may be NULL: no checkpoints */
};

/* One change, as drivers report it. libvirt's vocabulary, extended where a
 * file shows something libvirt has no event for (docs/test-driver.md has the
 * whole table):
 *   domain:  defined added|updated, undefined removed, started booted,
 *            suspended paused, resumed unpaused, shutdown requested|finished,
 *            stopped shutdown|destroyed|crashed|failed, crashed panicked,
 *            rebooted -, reset -, memory-changed KIB, max-memory-changed KIB,
 *            vcpus-changed N, max-vcpus-changed N, autostart-changed 0|1,
 *            console-output TOTAL (not an events line: wakes console readers),
 *            snapshot-created NAME, snapshot-reverted NAME, snapshot-deleted NAME,
 *            saved managed|PATH, save-discarded -, defined renamed and
 *            undefined renamed (a rename: the new name, the old one),
 *            iothreads-changed N, checkpoint-created NAME, checkpoint-deleted NAME,
 *            lifecycle-changed TYPE (0 poweroff, 1 reboot, 2 crash)
 *   network: defined, undefined, started, stopped, autostart-changed
 *   pool:    defined, undefined, started, stopped, building, built, deleted,
 *            refreshed, autostart-changed
 *   volume:  created, deleted, resized BYTES (parent = the pool)
 *   secret:  defined, undefined, value-changed (name = the uuid)
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
/* A problem that failed no call (an object a peer sent that had to be left
 * out, ...): what it concerns ("readdir", "events"), -errno and why. */
typedef void (*HvWarnFunc)(HvConn *c, const char *what, int r, const GError *err, void *opaque);

struct HvObjTab;

struct HvConn {
	const HvDriver *driver;
	char *uri_str;
	GUri *uri;
	bool readonly;
	bool away_ok; /* HV_CONN_AWAY_OK (conn.h): a remote node may open while away */
	void *priv; /* driver state */
	HvEventFunc event_cb;
	void *event_opaque;
	/* A driver built on the shared object tables (drivers/objtab.h) puts its
	 * domain, network and pool tables here, for the shared ops of
	 * drivers/objops.h (volumes are children of their pool). */
	struct HvObjTab *tables[HV_OBJ_LAST];
	/* A view (hv_conn_view_new) is one client's handle on base's node: the
	 * driver state above is base's, readonly and identity are its own.
	 * NULL for a connection a driver opened. */
	HvConn *base;
	char *identity; /* who uses it, for log lines ("unix uid=0 pid=12"); may be NULL */
	HvWarnFunc warn_cb;
	void *warn_opaque;
	/* A local driver's secrets (drivers/secret/secret_store.h), for the
	 * shared hv_secret_store_ops; NULL when it has none. A view shares base's. */
	struct SecretStore *secrets;
	/* A driver with the migrate phases whose node cannot migrate now (a
	 * remote peer that says no to migration with params): no `migrate`
	 * file. Read and set atomically. */
	gint no_migration;
};

/* For drivers: report an event (thread-safe; may be called with driver locks held,
 * so the callback must not call back into the driver). */
void hv_conn_emit(HvConn *c, HvObjKind kind, const char *parent, const char *name,
		  const char *event, const char *detail);
/* For drivers: report a problem that fails no call (the same rules as emit). */
void hv_conn_warn(HvConn *c, const char *what, int r, const GError *err);
