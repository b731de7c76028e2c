/* domain_conf.h: libvirt domain XML <-> HvDomainDef. The typed fields are what
 * drivers act on; everything else in the document is kept as it came (doc) and
 * written back in its place, so nothing a user wrote is lost. Format writes the
 * typed fields back into their elements. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <libxml/tree.h>
#include "util/error.h"

#define HV_UUID_STRLEN 37

typedef struct {
	char *device;     /* disk, cdrom, floppy, lun */
	char *type;       /* file, block, network, volume, dir */
	char *source;     /* file or dev path, or NULL */
	char *source_pool;   /* <source pool= volume=/> */
	char *source_volume;
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
} HvDomainNetDef;

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
	xmlDoc *doc;           /* the whole document as parsed */
} HvDomainDef;

/* Parses and validates (grammar and semantic checks). -EINVAL on error. */
HvDomainDef *hv_domain_def_parse(const char *xml, size_t len, GError **err);
/* Formats: typed fields first written back into the document. */
char *hv_domain_def_format(const HvDomainDef *def);
HvDomainDef *hv_domain_def_copy(const HvDomainDef *def);
void hv_domain_def_free(HvDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvDomainDef, hv_domain_def_free)

/* Fills def->uuid with a random UUID when the document had none. */
void hv_domain_def_ensure_uuid(HvDomainDef *def);
