/* domain_priv.h: the pieces of the domain model shared by the files that make
 * it up: domain_conf.c (top level, lifecycle), domain_devices.c (device
 * parsers), domain_check.c (semantic checks). Internal to conf/. */
#pragma once
#include "conf/domain_conf.h"
#include "conf/conf_util.h"

int hv_domain_extra_parse(HvDomainDef *def, xmlNode *root, GError **err);
void hv_domain_extra_free(HvDomainDef *def);
int hv_domain_parse_devices(HvDomainDef *def, xmlNode *root, GError **err);
int hv_domain_check(const HvDomainDef *def, xmlNode *root, GError **err);
/* domain_validate.c: scheduler lists, NUMA cells, memnodes and seclabels. */
int hv_domain_validate(const HvDomainDef *def, xmlNode *root, GError **err);
/* domain_values.c: boot menu timeout, sysinfo date and UUID, loadparm,
 * controllers sharing an index. */
int hv_domain_check_values(const HvDomainDef *def, xmlNode *root, GError **err);
/* One panic device per model (virDomainDefRejectDuplicatePanics). */
int hv_domain_check_panics(xmlNode *root, GError **err);
/* domain_lists.c: every CPU and node list parses within 1024 and names one. */
int hv_domain_check_lists(xmlNode *root, GError **err);
/* domain_lists.c: virBitmapParse lists (false when unreadable), and the
 * canonical lists, NUMA cell ids and pin order at format time. */
#define HV_ID_MAX 4096
bool hv_id_list(const char *s, bool set[HV_ID_MAX]);
void hv_domain_normalise_lists(xmlNode *root, unsigned max_vcpus);
/* KiB of the guest NUMA cells' memory, and of the memory devices. */
uint64_t hv_domain_numa_memory_kib(xmlNode *root);
uint64_t hv_domain_dimm_memory_kib(xmlNode *root);
/* domain_shape.c: a <disk>'s bus, given or from its device and target name. */
char *hv_domain_disk_bus(xmlNode *disk);
void hv_domain_disk_free(HvDomainDiskDef *d);
void hv_domain_net_free(HvDomainNetDef *n);
/* Writes typed device fields back into their elements (format and copy). */
void hv_domain_format_devices(const HvDomainDef *def, xmlNode *root);
/* Character devices and graphics (domain_chardev.c). */
int hv_domain_check_chardevs(xmlNode *devs, GError **err);
void hv_domain_normalise_chardevs(xmlNode *devs);
/* A <graphics> in libvirt's shape (domain_graphics.c). */
void hv_domain_normalise_graphics(xmlNode *el);
/* Graphics ports as an inactive definition has them (domain_graphics.c). */
void hv_domain_graphics_inactive(xmlNode *devs);
/* Order, disk buses and sorting, controller indexes, then the rule table
 * (domain_shape.c, rules_domain.c). flags: what libvirt's parse and format
 * flags leave out (rules_inactive.c). */
enum {
	HV_SHAPE_PARSE_INACTIVE = 1 << 0,  /* VIR_DOMAIN_DEF_PARSE_INACTIVE */
	HV_SHAPE_FORMAT_INACTIVE = 1 << 1, /* VIR_DOMAIN_DEF_FORMAT_INACTIVE */
};
int hv_domain_shape(xmlNode *root, HvDomainPostParse postparse, unsigned flags, GError **err);
/* Whether a device has its own <boot> (domain_check.c). */
bool hv_domain_has_device_boot(xmlNode *root);
/* Serial, parallel and console ports and aliases (domain_console.c). */
void hv_domain_shape_chardevs(xmlNode *root, xmlNode *devs);
int hv_domain_check_consoles(xmlNode *devs, GError **err);
/* A live definition's console tty= (domain_console.c). */
void hv_domain_console_tty(xmlNode *devs);
/* virDiskNameToIndex (domain_shape.c): -1 for a name without one. */
long hv_domain_drive_index(const char *dev);
/* Drive addresses and implicit controllers; the disk name check (domain_implicit.c). */
void hv_domain_add_implicit(xmlNode *devs);
int hv_domain_check_disk_names(xmlNode *devs, GError **err);
