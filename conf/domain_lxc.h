/* domain_lxc.h: the parts of libvirt's domain XML that container drivers act
 * on and HvDomainDef does not type: <os><init>, <initarg>, <initenv>,
 * <initdir>; <devices><filesystem> (mount, ram, block, file); <idmap>;
 * <features><privnet/>; <memtune> and <cputune>. Read from a parsed
 * definition's kept document (HvDomainDef.xml); nothing is written back. */
#pragma once
#include "conf/domain_conf.h"

typedef enum { HV_FS_MOUNT, HV_FS_RAM, HV_FS_BLOCK, HV_FS_FILE } HvFsType;

typedef struct {
	HvFsType type;
	char *source; /* dir, device or image path; NULL for ram */
	char *target; /* absolute path in the container ("/" is the root) */
	char *format; /* <driver format=> (file, block), or NULL */
	bool readonly;
	uint64_t usage_kib; /* ram: <source usage=> (0: the kernel's default) */
} HvFsDef;

typedef struct {
	uint32_t start, target, count; /* <uid start= target= count=> */
} HvIdMap;

typedef struct {
	char *init;          /* <os><init>, NULL: /sbin/init */
	GPtrArray *initargs; /* char* */
	GPtrArray *initenv;  /* char* "NAME=value" */
	char *initdir;
	GPtrArray *fs;       /* HvFsDef* */
	GArray *uidmap, *gidmap; /* HvIdMap */
	bool privnet;
	/* 0 when absent */
	uint64_t hard_limit_kib, soft_limit_kib, swap_hard_limit_kib;
	uint64_t cpu_shares, cpu_period_us;
	int64_t cpu_quota_us; /* <= 0: none */
} HvLxcDef;

HvLxcDef *hv_lxc_def_new(const HvDomainDef *def, GError **err);
void hv_lxc_def_free(HvLxcDef *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvLxcDef, hv_lxc_def_free)
/* The <filesystem> mounted at target '/', or NULL. */
const HvFsDef *hv_lxc_def_root(const HvLxcDef *d);
