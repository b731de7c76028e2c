/* lxc_cgroup.c: container control groups on cgroup v1 or v2 (lxc_cgroup.h):
 * the layout probe, the knob table, freezing, killing and counters. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "drivers/lxc/lxc_cgroup.h"

#define CG_ROOT "/sys/fs/cgroup"

/* v1 hierarchies a container gets a group in; the first one holds the
 * process list that counts and kills. */
enum { V1_FREEZER, V1_MEMORY, V1_CPU, V1_CPUACCT, V1_PIDS, V1_LAST };
static const char *const v1_ctrl[] = { "freezer", "memory", "cpu", "cpuacct", "pids", NULL };

typedef struct {
	int v1;            /* the v1 controller (V1_*) */
	const char *file1; /* v1 file, NULL: none */
	const char *file2; /* v2 file, NULL: none */
} Knob;

static const Knob knobs[LXC_KNOB_LAST] = {
	[LXC_KNOB_MEM_LIMIT] = { V1_MEMORY, "memory.limit_in_bytes", "memory.max" },
	[LXC_KNOB_MEM_SOFT] = { V1_MEMORY, "memory.soft_limit_in_bytes", "memory.low" },
	[LXC_KNOB_SWAP_LIMIT] = { V1_MEMORY, "memory.memsw.limit_in_bytes", "memory.swap.max" },
	[LXC_KNOB_CPU_SHARES] = { V1_CPU, "cpu.shares", "cpu.weight" },
	[LXC_KNOB_CPU_PERIOD] = { V1_CPU, "cpu.cfs_period_us", "cpu.max" },
	[LXC_KNOB_CPU_QUOTA] = { V1_CPU, "cpu.cfs_quota_us", "cpu.max" },
};

const char *const *
lxc_cgroup_v1_controllers(void)
{
	return v1_ctrl;
}

const char *
lxc_cgroup_layout_name(LxcCgLayout l)
{
	return l == LXC_CG_V1 ? "v1" : "v2";
}

static gboolean
v2_has(const char *ctrl)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) words = NULL;

	if (!g_file_get_contents(CG_ROOT "/cgroup.controllers", &text, NULL, NULL))
		return FALSE;
	words = g_strsplit_set(g_strstrip(text), " \n", -1);
	return g_strv_contains((const char *const *)words, ctrl);
}

int
lxc_cgroup_detect(LxcCgLayout *out, GError **err)
{
	if (g_file_test(CG_ROOT "/memory/memory.limit_in_bytes", G_FILE_TEST_EXISTS)) {
		*out = LXC_CG_V1;
		return 0;
	}
	if (v2_has("memory")) {
		*out = LXC_CG_V2;
		return 0;
	}
	return hv_error_set(err, ENOTSUP, "no memory controller on this host: neither cgroup "
			    "v1 (%s/memory) nor v2 (%s/cgroup.controllers)", CG_ROOT, CG_ROOT);
}

static int
write_file(const char *dir, const char *file, const char *value, GError **err)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	int fd = open(path, O_WRONLY | O_CLOEXEC), e;
	ssize_t n;

	if (fd < 0) {
		e = errno;
		return hv_error_set(err, e, "cannot open '%s': %s", path, g_strerror(e));
	}
	n = write(fd, value, strlen(value));
	e = errno;
	close(fd);
	if (n < 0)
		return hv_error_set(err, e, "cannot write '%s' to '%s': %s", value, path,
				    g_strerror(e));
	return 0;
}

static uint64_t
read_u64(const char *dir, const char *file, const char *key)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	g_autofree char *text = NULL;
	const char *p;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	if (!key)
		return g_ascii_strtoull(text, NULL, 10);
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (g_str_has_prefix(p, key) && p[strlen(key)] == ' ')
			return g_ascii_strtoull(p + strlen(key) + 1, NULL, 10);
	return 0;
}

void
lxc_cgroup_free(LxcCgroup *cg)
{
	if (!cg)
		return;
	for (guint i = 0; i < cg->n; i++)
		g_free(cg->paths[i]);
	g_free(cg->rel);
	g_free(cg);
}

LxcCgroup *
lxc_cgroup_new(LxcCgLayout layout, const char *partition, const char *name, gboolean create,
	       GError **err)
{
	g_autoptr(LxcCgroup) cg = g_new0(LxcCgroup, 1);

	cg->layout = layout;
	cg->rel = g_build_filename(partition, name, NULL);
	if (layout == LXC_CG_V2) {
		cg->paths[cg->n++] = g_build_filename(CG_ROOT, cg->rel, NULL);
		if (create) {
			g_autofree char *top = g_build_filename(CG_ROOT, partition, NULL);

			if (g_mkdir_with_parents(top, 0755) < 0 ||
			    write_file(top, "cgroup.subtree_control", "+memory +cpu +pids", NULL) < 0)
				g_debug("lxc: cgroup v2 partition '%s' has no controllers", top);
		}
	} else {
		for (int i = 0; i < V1_LAST; i++)
			cg->paths[cg->n++] = g_build_filename(CG_ROOT, v1_ctrl[i], cg->rel, NULL);
	}
	for (guint i = 0; create && i < cg->n; i++) {
		if (g_mkdir_with_parents(cg->paths[i], 0755) < 0) {
			int e = errno;

			hv_error_set(err, e, "cannot create cgroup '%s': %s", cg->paths[i],
				     g_strerror(e));
			lxc_cgroup_remove(cg);
			return NULL;
		}
	}
	if (!create && !g_file_test(cg->paths[0], G_FILE_TEST_IS_DIR)) {
		hv_error_set(err, ENOENT, "cgroup '%s' is gone", cg->paths[0]);
		return NULL;
	}
	return g_steal_pointer(&cg);
}

int
lxc_cgroup_add(LxcCgroup *cg, pid_t pid, GError **err)
{
	char v[32];

	snprintf(v, sizeof(v), "%d", (int)pid);
	for (guint i = 0; i < cg->n; i++) {
		int r = write_file(cg->paths[i], "cgroup.procs", v, err);

		if (r < 0)
			return r;
	}
	return 0;
}

/* v1 shares (2..262144, 1024 the default) as a v2 weight (1..10000, 100). */
static uint64_t
shares_to_weight(uint64_t shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

int
lxc_cgroup_set(LxcCgroup *cg, LxcKnob knob, uint64_t value, GError **err)
{
	const Knob *k = &knobs[knob];
	char v[64];

	if (cg->layout == LXC_CG_V1) {
		snprintf(v, sizeof(v), "%" G_GUINT64_FORMAT, value);
		return write_file(cg->paths[k->v1], k->file1, v, err);
	}
	if (knob == LXC_KNOB_CPU_SHARES)
		value = shares_to_weight(value);
	if (knob == LXC_KNOB_CPU_PERIOD || knob == LXC_KNOB_CPU_QUOTA) {
		*(knob == LXC_KNOB_CPU_PERIOD ? &cg->cpu_period : &cg->cpu_quota) = value;
		if (cg->cpu_quota)
			snprintf(v, sizeof(v), "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
				 cg->cpu_quota, cg->cpu_period ? cg->cpu_period : 100000);
		else
			snprintf(v, sizeof(v), "max %" G_GUINT64_FORMAT,
				 cg->cpu_period ? cg->cpu_period : 100000);
	} else {
		snprintf(v, sizeof(v), "%" G_GUINT64_FORMAT, value);
	}
	return write_file(cg->paths[0], k->file2, v, err);
}

/* Whether the group reached the state a freeze or thaw asked for. */
static gboolean
freeze_done(LxcCgroup *cg, gboolean frozen)
{
	g_autofree char *path = NULL, *text = NULL;

	if (cg->layout == LXC_CG_V2)
		return (read_u64(cg->paths[0], "cgroup.events", "frozen") != 0) == frozen;
	path = g_build_filename(cg->paths[V1_FREEZER], "freezer.state", NULL);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return FALSE;
	return g_str_has_prefix(text, frozen ? "FROZEN" : "THAWED");
}

int
lxc_cgroup_freeze(LxcCgroup *cg, gboolean frozen, GError **err)
{
	int r;

	if (cg->layout == LXC_CG_V2)
		r = write_file(cg->paths[0], "cgroup.freeze", frozen ? "1" : "0", err);
	else
		r = write_file(cg->paths[V1_FREEZER], "freezer.state",
			       frozen ? "FROZEN" : "THAWED", err);
	if (r < 0)
		return r;
	/* the kernel freezes task by task (FREEZING): wait for the whole group */
	for (int i = 0; i < 200 && !freeze_done(cg, frozen); i++)
		g_usleep(5000);
	if (!freeze_done(cg, frozen))
		return hv_error_set(err, EBUSY, "cgroup '%s' did not %s within a second",
				    cg->paths[0], frozen ? "freeze" : "thaw");
	return 0;
}

static GArray *
procs(LxcCgroup *cg)
{
	g_autofree char *path = g_build_filename(cg->paths[0], "cgroup.procs", NULL);
	g_autofree char *text = NULL;
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return pids;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		pid_t p = (pid_t)g_ascii_strtoll(*l, NULL, 10);

		if (p > 0)
			g_array_append_val(pids, p);
	}
	return pids;
}

guint
lxc_cgroup_count(LxcCgroup *cg)
{
	g_autoptr(GArray) p = procs(cg);

	return p->len;
}

int
lxc_cgroup_kill(LxcCgroup *cg, GError **err)
{
	g_autoptr(GArray) p = NULL;

	if (cg->layout == LXC_CG_V2 &&
	    write_file(cg->paths[0], "cgroup.kill", "1", NULL) == 0)
		return 0;
	lxc_cgroup_freeze(cg, TRUE, NULL);
	p = procs(cg);
	for (guint i = 0; i < p->len; i++)
		kill(g_array_index(p, pid_t, i), SIGKILL);
	/* a frozen task dies once thawed */
	return lxc_cgroup_freeze(cg, FALSE, err);
}

void
lxc_cgroup_remove(LxcCgroup *cg)
{
	for (guint i = 0; i < cg->n; i++)
		if (rmdir(cg->paths[i]) < 0 && errno != ENOENT)
			g_debug("lxc: cannot remove cgroup '%s': %s", cg->paths[i],
				g_strerror(errno));
	for (guint i = 0; i < cg->n; i++) {
		g_autofree char *top = g_path_get_dirname(cg->paths[i]);

		rmdir(top); /* the partition, once its last group went */
	}
}

uint64_t
lxc_cgroup_cpu_ns(LxcCgroup *cg)
{
	if (cg->layout == LXC_CG_V2)
		return read_u64(cg->paths[0], "cpu.stat", "usage_usec") * 1000;
	return read_u64(cg->paths[V1_CPUACCT], "cpuacct.usage", NULL);
}

uint64_t
lxc_cgroup_mem_bytes(LxcCgroup *cg)
{
	if (cg->layout == LXC_CG_V2)
		return read_u64(cg->paths[0], "memory.current", NULL);
	return read_u64(cg->paths[V1_MEMORY], "memory.usage_in_bytes", NULL);
}

uint64_t
lxc_cgroup_mem_limit(LxcCgroup *cg)
{
	if (cg->layout == LXC_CG_V2)
		return read_u64(cg->paths[0], "memory.max", NULL);
	return read_u64(cg->paths[V1_MEMORY], "memory.limit_in_bytes", NULL);
}
