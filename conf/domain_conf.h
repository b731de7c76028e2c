/* domain_conf.h: libvirt domain XML <-> HvDomainDef. The typed fields are what
 * drivers act on; everything else in the document is kept as it came (xml, the
 * parsed document serialised compactly: a few hundred bytes where a libxml2
 * tree takes ~10 KB) and written back in its place, so nothing a user wrote is
 * lost. Format re-reads xml and writes the typed fields into it. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <libxml/tree.h>
#include "util/error.h"
#include "conf/bandwidth_conf.h"

#define HV_UUID_STRLEN 37

typedef struct {
	char *device;     /* disk, cdrom, floppy, lun */
	char *type;       /* file, block, network, volume, dir */
	char *source;     /* file or dev path, or NULL */
	char *source_pool;   /* <source pool= volume=/> */
	char *source_volume;
	char *source_protocol; /* a network disk's <source protocol=> (nfs, iscsi, ...) */
	char *source_host;     /* ... and its first <host name= port=>: "NAME[:PORT]" */
	GPtrArray *source_hosts; /* ... every <host>, char* "NAME[:PORT]"; NULL when none */
	char *auth_user;        /* <auth username=> (in <disk> or its <source>), or NULL */
	char *auth_secret_type; /* ... its <secret type=> (ceph, iscsi), or NULL */
	char *auth_secret;      /* ... its <secret uuid=> or, without one, usage= */
	char *driver_type; /* raw, qcow2, ... */
	char *target_dev; /* vda, sda, hdc */
	char *target_bus; /* virtio, scsi, ide, sata */
	bool readonly;
} HvDomainDiskDef;

typedef struct {
	char *type;   /* user, network, bridge, direct, ... */
	char *mac;    /* normalised lower-case, or NULL */
	char *source; /* network or bridge name */
	char *target_dev;
	char *model;
	char *source_mode; /* <source mode=> of a direct interface (vepa, ...), or NULL */
	bool link_down;    /* <link state='down'/> */
	HvBandwidth *bandwidth; /* <bandwidth>, or NULL */
} HvDomainNetDef;

/* Any other device the model types: controller, serial, console, channel,
 * input, graphics, video, memballoon, rng, filesystem, hostdev, watchdog, ... */
typedef struct {
	char *kind;   /* the element name */
	char *type;   /* type= (or NULL) */
	char *model;  /* model= or <model type=> (or NULL) */
	char *source; /* the source's path/dir/host/mode, whichever it names, or NULL */
	char *target; /* <target dev|name|dir|type=>, or NULL */
	int index;    /* controller index=, -1 otherwise */
} HvDomainDeviceDef;

/* Whose post-parse the formatter applies after libvirt's generic one: none,
 * or the QEMU driver's (conf/qemu_postparse.c, qemu_address.c: implicit
 * controllers, default devices, PCI and other addresses), as libvirt's
 * per-driver parser config does. */
typedef enum {
	HV_DOMAIN_POSTPARSE_GENERIC,
	HV_DOMAIN_POSTPARSE_QEMU,
} HvDomainPostParse;

typedef struct {
	char *type;    /* the <domain type=> : test, qemu, kvm, lxc */
	char *name;
	char uuid[HV_UUID_STRLEN]; /* "" when the document has none */
	char *title;
	char *description;
	uint64_t max_memory_kib;     /* <memory> */
	uint64_t current_memory_kib; /* <currentMemory>, defaults to <memory> */
	unsigned vcpus;              /* <vcpu current=>, defaults to max_vcpus */
	unsigned max_vcpus;          /* <vcpu> */
	char *os_type;               /* hvm, linux, exe */
	char *arch;
	GPtrArray *disks;      /* HvDomainDiskDef* */
	GPtrArray *interfaces; /* HvDomainNetDef* */
	char *xml;             /* the whole document as parsed (hv_xml_compact) */
	/* added in phase 2; all NULL/0 when absent */
	uint64_t max_memory_hotplug_kib; /* <maxMemory>, 0 if absent */
	unsigned max_memory_slots;
	char *vcpu_placement;  /* static (default) or auto */
	char *machine;         /* <os><type machine=> */
	GPtrArray *boot_devs;  /* char*: <os><boot dev=> in order */
	char *kernel, *initrd, *cmdline, *loader;
	GPtrArray *features;   /* char*: names of <features> children */
	char *cpu_mode, *cpu_model;
	char *clock_offset;
	char *on_poweroff, *on_reboot, *on_crash; /* defaults destroy, restart, destroy */
	GPtrArray *devices;    /* HvDomainDeviceDef*: devices other than disks/interfaces */
	/* libvirt's test driver namespace (http://libvirt.org/schemas/domain/test/1.0) */
	int test_runstate;     /* <test:runstate>, -1 if absent or not a number */
	bool test_transient;   /* <test:transient/> */
	HvDomainPostParse postparse; /* set by the driver that defines it */
	/* read as a live definition (a status document: libvirt's parse
	 * without VIR_DOMAIN_DEF_PARSE_INACTIVE); a driver's own definitions
	 * are inactive, what the generic parse reads is live */
	bool live_parse;
} HvDomainDef;

/* Parses and validates (grammar and semantic checks). -EINVAL on error. */
HvDomainDef *hv_domain_def_parse(const char *xml, size_t len, GError **err);
/* The same for an already parsed (hv_xml_parse*) document; takes doc. */
HvDomainDef *hv_domain_def_parse_doc(xmlDoc *doc, GError **err);
/* A document a driver formatted itself (a get_xml answer): the typed fields
 * only, without the grammar and semantic checks (still the safe parser). */
HvDomainDef *hv_domain_def_parse_own(const char *xml, size_t len, GError **err);
/* Formats: typed fields first written back into the document (a uuid or an
 * interface's MAC that the driver filled in included). */
char *hv_domain_def_format(const HvDomainDef *def);
/* The live form: id >= 0 goes on the root after type=, as libvirt writes a
 * running domain (<domain type='test' id='1'>); id < 0 is the plain format. */
char *hv_domain_def_format_live(const HvDomainDef *def, int id);
/* A running domain's definition as a driver keeps it to take the domain back
 * after a restart (libvirt's status XML): parsed and formatted live, its
 * runtime names (vnet targets, pty paths, channel state) kept. */
char *hv_domain_def_format_status(const HvDomainDef *def);
HvDomainDef *hv_domain_def_copy(const HvDomainDef *def);
/* def's kept document replaced by the one at root (an edit of a copy of
 * it), compacted; EIO naming def when it cannot be written. */
int hv_domain_def_set_doc(HvDomainDef *def, xmlNode *root, GError **err);
/* A domain document (or a snapshot's or save image's, which hold one) as
 * libvirt formats it without VIR_DOMAIN_XML_SECURE: every <graphics>
 * element's passwd= left out (virDomainGraphicsAuthDefFormatAttr; the
 * passwdValidTo= and connected= beside it stay). A new string. */
char *hv_domain_xml_hide_secrets(const char *xml);
/* The checks of the driver's post-parse (the QEMU driver's address
 * assignment: an address used twice, a chipset controller moved); -EINVAL
 * with the reason. */
int hv_domain_def_postparse_check(const HvDomainDef *def, GError **err);
/* The driver's post-parse by name: "qemu" (or "generic"); -EINVAL otherwise. */
int hv_domain_postparse_from_name(const char *name, HvDomainPostParse *out, GError **err);
void hv_domain_def_free(HvDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvDomainDef, hv_domain_def_free)

/* Fills def->uuid with a random UUID when the document had none. */
void hv_domain_def_ensure_uuid(HvDomainDef *def);

/* A definition's IOThreads (conf/domain_iothreads.c), as libvirt keeps them:
 * <iothreads> counts them, <iothreadids> names them (filled up to the count
 * with the lowest free ids), <cputune><iothreadpin> pins them. */
typedef struct {
	unsigned id;
	char *cpuset; /* the pin's CPU list ("0-3"), or NULL: not pinned */
} HvIOThreadDef;
/* GArray of HvIOThreadDef (cleared with their cpusets), in their order. */
GArray *hv_domain_iothreads(const HvDomainDef *def);
/* EINVAL in libvirt's words: an id in use (add), none such (del, pin). */
int hv_domain_iothread_add(HvDomainDef *def, unsigned id, GError **err);
int hv_domain_iothread_del(HvDomainDef *def, unsigned id, GError **err);
int hv_domain_iothread_pin(HvDomainDef *def, unsigned id, const char *cpuset, GError **err);
