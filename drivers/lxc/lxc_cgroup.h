/* lxc_cgroup.h: a container's control groups, on whichever layout the host
 * has: cgroup v1 (one hierarchy per controller: memory, cpu, cpuacct, pids,
 * freezer, as on this host, whose v2 mount carries only hugetlb) or the v2
 * unified hierarchy. One table of knobs maps each setting to its file on
 * each layout. The group of container NAME is PARTITION/NAME under each
 * hierarchy's root. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/error.h"

typedef enum { LXC_CG_V1, LXC_CG_V2 } LxcCgLayout;

typedef enum {
	LXC_KNOB_MEM_LIMIT,  /* bytes */
	LXC_KNOB_MEM_SOFT,   /* bytes */
	LXC_KNOB_SWAP_LIMIT, /* bytes (v1: memory+swap) */
	LXC_KNOB_CPU_SHARES, /* v1 shares (v2: converted to a weight) */
	LXC_KNOB_CPU_PERIOD, /* us */
	LXC_KNOB_CPU_QUOTA,  /* us */
	LXC_KNOB_LAST
} LxcKnob;

typedef struct {
	LxcCgLayout layout;
	char *rel;   /* PARTITION/NAME */
	char *paths[8]; /* v1: one per controller (lxc_cgroup.c's table); v2: paths[0] */
	guint n;
	uint64_t cpu_quota, cpu_period; /* v2 cpu.max takes both at once */
} LxcCgroup;

/* The host's layout: -ENOTSUP when it has no usable memory controller. */
int lxc_cgroup_detect(LxcCgLayout *out, GError **err);
const char *lxc_cgroup_layout_name(LxcCgLayout l);
/* The controllers the container mounts inside (v1), NULL-terminated. */
const char *const *lxc_cgroup_v1_controllers(void);

/* Makes (or, for a re-attach, opens) the group. */
LxcCgroup *lxc_cgroup_new(LxcCgLayout layout, const char *partition, const char *name,
			  gboolean create, GError **err);
void lxc_cgroup_free(LxcCgroup *cg); /* frees the handle, not the group */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LxcCgroup, lxc_cgroup_free)

int lxc_cgroup_add(LxcCgroup *cg, pid_t pid, GError **err);
int lxc_cgroup_set(LxcCgroup *cg, LxcKnob knob, uint64_t value, GError **err);
int lxc_cgroup_freeze(LxcCgroup *cg, gboolean frozen, GError **err);
/* Processes still in the group (0: empty). */
guint lxc_cgroup_count(LxcCgroup *cg);
/* SIGKILL to every process of the group (frozen first, so none forks away). */
int lxc_cgroup_kill(LxcCgroup *cg, GError **err);
/* Removes the (empty) group from every hierarchy. */
void lxc_cgroup_remove(LxcCgroup *cg);
/* Counters: cpu time (ns) and memory in use (bytes); 0 when unknown. */
uint64_t lxc_cgroup_cpu_ns(LxcCgroup *cg);
uint64_t lxc_cgroup_mem_bytes(LxcCgroup *cg);
uint64_t lxc_cgroup_mem_limit(LxcCgroup *cg);
