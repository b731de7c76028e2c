/* driver_snapshot.h: the driver API's snapshots and checkpoints (part of
 * drivers/driver.h, included by it, never on its own): a snapshot's info
 * type, libvirt's flags, and the two small ops tables. */
#pragma once

/* One snapshot of a domain (libvirt's virDomainSnapshot), as list and
 * get_info give it; freed with hv_snapshot_info_free. */
typedef struct {
	char *name;
	char *parent;   /* NULL: a root */
	char *state;    /* the domain state it keeps: running, paused, shutoff, disk-snapshot */
	char *kind;     /* internal, external */
	bool memory;    /* it holds the guest's memory */
	bool current;
	unsigned children;
	int64_t creation_time; /* epoch seconds */
} HvSnapshotInfo;

void hv_snapshot_info_free(HvSnapshotInfo *i);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvSnapshotInfo, hv_snapshot_info_free)

/* Snapshot delete flags (libvirt's virDomainSnapshotDeleteFlags). */
enum {
	HV_SNAPSHOT_DELETE_CHILDREN = 1 << 0,
	HV_SNAPSHOT_DELETE_METADATA_ONLY = 1 << 1,
	HV_SNAPSHOT_DELETE_CHILDREN_ONLY = 1 << 2,
};

/* Snapshot create flags used (libvirt's virDomainSnapshotCreateFlags). */
enum {
	HV_SNAPSHOT_CREATE_DISK_ONLY = 1 << 4,
};

/* A domain's snapshots, named by domain and snapshot name. The shapes of
 * list, get_info and get_xml are those of the pooled volume methods. list:
 * HvSnapshotInfo*, parents before children. create_xml takes libvirt's
 * domainsnapshot document ("" or NULL: a default snapshot named by the
 * time); revert flags: VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING 1 / _PAUSED 2. */
typedef struct {
	int (*list)(HvConn *c, const char *domain, GPtrArray **out, GError **err);
	int (*get_info)(HvConn *c, const char *domain, const char *name, HvSnapshotInfo **out,
			GError **err);
	int (*get_xml)(HvConn *c, const char *domain, const char *name, char **xml, GError **err);
	int (*create_xml)(HvConn *c, const char *domain, const char *xml, unsigned flags,
			  char **name_out, GError **err);
	int (*revert)(HvConn *c, const char *domain, const char *name, unsigned flags,
		      GError **err);
	int (*delete)(HvConn *c, const char *domain, const char *name, unsigned flags,
		      GError **err);
} HvSnapshotOps;
/* A driver's HvSnapshotOps over its PFX_list, PFX_get_info, PFX_get_xml,
 * PFX_create, PFX_revert and PFX_delete. */
#define HV_SNAPSHOT_OPS(pfx)                                                                \
	{ .list = pfx##_list, .get_info = pfx##_get_info, .get_xml = pfx##_get_xml,          \
	  .create_xml = pfx##_create, .revert = pfx##_revert, .delete = pfx##_delete }

/* A domain's checkpoints (libvirt's virDomainCheckpoint), named like its
 * snapshots: list (HvSnapshotInfo*, parents first; state and kind NULL),
 * get_xml (flags: libvirt's VIR_DOMAIN_CHECKPOINT_XML_*), create_xml ("" or
 * NULL: a default one named by the time) and delete (its
 * VIR_DOMAIN_CHECKPOINT_DELETE_*). */
typedef struct {
	int (*list)(HvConn *c, const char *domain, GPtrArray **out, GError **err);
	int (*get_xml)(HvConn *c, const char *domain, const char *name, unsigned flags,
		       char **xml, GError **err);
	int (*create_xml)(HvConn *c, const char *domain, const char *xml, unsigned flags,
			  char **name_out, GError **err);
	int (*delete)(HvConn *c, const char *domain, const char *name, unsigned flags,
		      GError **err);
} HvCheckpointOps;
