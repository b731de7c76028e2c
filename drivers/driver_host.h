/* driver_host.h: the driver API's host-side kinds (part of drivers/driver.h,
 * included by it, never on its own): secrets, node devices, network filters
 * and host interfaces, each an info type and a small ops table. */
#pragma once

/* Secrets (libvirt's virSecret): a value that CHAP and cephx logins, disk
 * encryption and TLS keys use, named by uuid and found by its usage. The
 * usage types are numbered as libvirt's virSecretUsageType. */
typedef enum {
	HV_SECRET_USAGE_NONE = 0,
	HV_SECRET_USAGE_VOLUME = 1,
	HV_SECRET_USAGE_CEPH = 2,
	HV_SECRET_USAGE_ISCSI = 3,
	HV_SECRET_USAGE_TLS = 4,
	HV_SECRET_USAGE_VTPM = 5,
	HV_SECRET_USAGE_LAST
} HvSecretUsage;

/* list_all flags: libvirt's VIR_CONNECT_LIST_SECRETS_* */
enum {
	HV_SECRET_LIST_EPHEMERAL = 1 << 0,
	HV_SECRET_LIST_NO_EPHEMERAL = 1 << 1,
	HV_SECRET_LIST_PRIVATE = 1 << 2,
	HV_SECRET_LIST_NO_PRIVATE = 1 << 3,
};

typedef struct {
	char *uuid;          /* first: it is the secret's name in the tree */
	HvSecretUsage usage_type;
	char *usage_id;      /* "" for usage none */
	bool ephemeral;
	bool is_private;
	bool has_value;
} HvSecretInfo;

void hv_secret_info_free(HvSecretInfo *i);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvSecretInfo, hv_secret_info_free)

/* Secrets are named by their uuid (lower-case text). get_value is for the
 * drivers' own use (a pool's CHAP login, a disk's cephx key) and for
 * callers that libvirt lets read a value: it is never shown in the tree, and
 * the RPC server refuses it for private secrets and on read-only clients. */
typedef struct {
	int (*list)(HvConn *c, GPtrArray **out, GError **err); /* HvSecretInfo* */
	int (*get_info)(HvConn *c, const char *uuid, HvSecretInfo **out, GError **err);
	/* ENOENT: "no secret with matching usage 'ID'" */
	int (*lookup_usage)(HvConn *c, HvSecretUsage type, const char *usage_id,
			    HvSecretInfo **out, GError **err);
	int (*get_xml)(HvConn *c, const char *uuid, unsigned flags, char **xml, GError **err);
	/* Defines or redefines; *uuid_out (optional) gets the uuid (a new one when
	 * the document has none). */
	int (*define_xml)(HvConn *c, const char *xml, char **uuid_out, GError **err);
	int (*undefine)(HvConn *c, const char *uuid, GError **err);
	int (*set_value)(HvConn *c, const char *uuid, GBytes *value, GError **err);
	/* *value owned by the caller; ENOENT when the secret has no value yet */
	int (*get_value)(HvConn *c, const char *uuid, GBytes **value, GError **err);
} HvSecretOps;
/* Node devices (virNodeDevice*): the host's devices in a tree
 * from a root device (parent NULL). caps: the device's capability types as
 * libvirt names them ("system", "pci", "usb_device", "net", "storage", ...). */
typedef struct {
	char *name;
	char *parent;
	GStrv caps;
} HvNodeDevInfo;

void hv_nodedev_info_free(HvNodeDevInfo *i);

typedef struct {
	/* every device, in the driver's order (HvNodeDevInfo*); flags:
	 * libvirt's VIR_CONNECT_LIST_NODE_DEVICES_* (the driver refuses what it
	 * does not know, as libvirt's drivers do) */
	int (*list)(HvConn *c, unsigned flags, GPtrArray **out, GError **err);
	int (*get_xml)(HvConn *c, const char *name, char **xml, GError **err);
	/* A new device (a vHBA) from a document (*name_out, optional: its name), and the
	 * removal of one (virNodeDeviceCreateXML, virNodeDeviceDestroy). */
	int (*create_xml)(HvConn *c, const char *xml, unsigned flags, char **name_out,
			  GError **err);
	int (*destroy)(HvConn *c, const char *name, GError **err);
} HvNodeDevOps;

/* Network filters (virNWFilter*): definitions only (list: HvNwfilterInfo*);
 * a driver that stores them does not enforce them (docs/remote.md). */
typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
} HvNwfilterInfo;

void hv_nwfilter_info_free(HvNwfilterInfo *i);

typedef struct {
	int (*list)(HvConn *c, GPtrArray **out, GError **err);
	int (*get_xml)(HvConn *c, const char *name, char **xml, GError **err);
	int (*define_xml)(HvConn *c, const char *xml, char **name_out, GError **err);
	int (*undefine)(HvConn *c, const char *name, GError **err);
} HvNwfilterOps;

/* Host interfaces (list: HvInterfaceInfo*). The writes are libvirt's
 * virInterface* calls: define (or redefine: the state is kept), undefine,
 * start and stop (EBUSY when it already is, with no message, as libvirt's
 * test driver), and a transaction: change_begin keeps the current set,
 * change_commit drops what it kept, change_rollback goes back to it (EBUSY:
 * one at a time; none running). flags: libvirt's (none yet). */
typedef struct {
	int (*list)(HvConn *c, GPtrArray **out, GError **err);
	int (*get_xml)(HvConn *c, const char *name, unsigned flags, char **xml, GError **err);
	int (*define_xml)(HvConn *c, const char *xml, char **name_out, GError **err);
	int (*undefine)(HvConn *c, const char *name, GError **err);
	int (*start)(HvConn *c, const char *name, GError **err);
	int (*stop)(HvConn *c, const char *name, GError **err);
	int (*change_begin)(HvConn *c, unsigned flags, GError **err);
	int (*change_commit)(HvConn *c, unsigned flags, GError **err);
	int (*change_rollback)(HvConn *c, unsigned flags, GError **err);
} HvInterfaceOps;
