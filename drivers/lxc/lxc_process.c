/* lxc_process.c: containers as processes: start (the console, the clone,
 * cgroups and limits, id maps, veths, the console holder, the live state in
 * RUN/NAME.xml and RUN/NAME.lxc), stop (signal init and wait with a bound,
 * or kill the whole cgroup), the watcher's exit and console callbacks, and
 * re-attaching at open to what a previous hyperfs left running. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/lxc/lxc_priv.h"
#include "drivers/objstore.h"
#include "drivers/network/netdev_macvtap.h"
#include "drivers/network/netdev_tap.h"
#include "drivers/network/network_table.h"

enum { R_BOOTED = 1, R_OFF_SHUTDOWN = 1, R_OFF_DESTROYED = 2, R_OFF_FAILED = 6 };
#define HOLDER_FD 3 /* where the holder keeps the master */

static void proc_stopped(HvProcDrv *pd, HvEntry *o) { lxc_process_stopped((LxcConn *)pd, o); }
static int
proc_destroy(HvObjTab *t, HvEntry *o, HvJob *job, GError **err)
{
	return lxc_process_stop(t, o, job, LXC_STOP_DESTROYED, err);
}
static const char *proc_caps_note(const HvProcDrv *pd)
{
	return lxc_cgroup_layout_name(((const LxcConn *)pd)->layout);
}
static int reattach_one(const char *name, const char *xml, size_t len, void *data);

const HvProcDrvOps lxc_proc_ops = {
	.name = "lxc", .shutdown_ms = LXC_SHUTDOWN_MS,
	.os_type = "exe", .emulator = "/proc/self/exe",
	.caps_note = proc_caps_note,
	.stopped = proc_stopped, .reattach = reattach_one,
	.start = lxc_process_start, .destroy = proc_destroy,
	.no_console = "is not running",
};

/* ---- the state file RUN/NAME.lxc (what re-attaching needs) */

static char *
state_path(LxcConn *lc, const char *name)
{
	g_autofree char *file = g_strdup_printf("%s.lxc", name);

	return g_build_filename(lc->pd.run_dir, file, NULL);
}

static void
state_write(LxcConn *lc, HvEntry *o)
{
	g_autofree char *path = state_path(lc, o->name);
	g_autofree char *text = hv_procdom_state_format(&lxc_dom(o)->p, "veth");
	g_autoptr(GError) e = NULL;

	if (!g_file_set_contents(path, text, -1, &e))
		g_warning("lxc: %s", e->message);
}

/* ---- pieces of a start */

static int
open_network(LxcConn *lc, HvEntry *o, const HvDomainDef *def, pid_t pid, GError **err)
{
	LxcDomain *d = lxc_dom(o);

	for (guint i = 0; def->interfaces && i < def->interfaces->len; i++) {
		const HvDomainNetDef *net = def->interfaces->pdata[i];
		g_autofree char *host = g_strdup_printf("vl%d.%u", (int)pid, i);
		g_autofree char *peer = g_strdup_printf("eth%u", i);
		g_autofree char *ns = g_strdup_printf("%d", (int)pid);
		g_autofree char *out = NULL;
		g_autofree char *nbr = NULL;
		const char *bridge = net->source;
		int status = 0, r;

		if (g_str_equal(net->type, "direct")) { /* a macvlan on <source dev>, moved in */
			g_autofree char *tmp = g_strdup_printf("vm%d.%u", (int)pid, i);
			NetdevMacvtapReq req = { .parent = net->source, .mode = net->source_mode,
						 .mac = net->mac, .ifname = tmp };

			if ((r = netdev_macvlan_into(o->name, &req, (int)pid, peer, err)) < 0)
				return r;
			continue;
		}
		if (!g_str_equal(net->type, "bridge") && !g_str_equal(net->type, "network"))
			return hv_error_set(err, ENOTSUP, "domain '%s': <interface type='%s'> is "
					    "not supported (bridge, network and direct are)", o->name,
					    net->type);
		if (g_str_equal(net->type, "network") &&
		    (r = net_table_bridge_of(lc->pd.conn, net->source ? net->source : "", &nbr,
					     err)) < 0) {
			g_prefix_error(err, "cannot start domain '%s': interface %u: ", o->name, i);
			return r;
		}
		if (nbr)
			bridge = nbr;
		if (!bridge || !netdev_exists(bridge))
			return hv_error_set(err, ENODEV, "domain '%s': bridge '%s' does not exist",
					    o->name, bridge ? bridge : "");
		const char *add[] = { "ip", "link", "add", host, "type", "veth", "peer", "name", peer,
				      net->mac ? "address" : "netns", net->mac ? net->mac : ns,
				      net->mac ? "netns" : NULL, ns, NULL };
		const char *up[] = { "ip", "link", "set", host, "master", bridge, "up", NULL };

		if (!g_spawn_sync(NULL, (char **)add, NULL, G_SPAWN_SEARCH_PATH |
				  G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &out, &status, NULL) ||
		    !g_spawn_check_wait_status(status, NULL))
			return hv_error_set(err, EIO, "domain '%s': cannot make veth '%s': %s",
					    o->name, host, out ? g_strstrip(out) : "");
		g_ptr_array_add(d->p.devs, g_strdup(host));
		g_clear_pointer(&out, g_free);
		if (!g_spawn_sync(NULL, (char **)up, NULL, G_SPAWN_SEARCH_PATH |
				  G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &out, &status, NULL) ||
		    !g_spawn_check_wait_status(status, NULL))
			return hv_error_set(err, EIO, "domain '%s': cannot put veth '%s' on bridge "
					    "'%s': %s", o->name, host, bridge, out ? g_strstrip(out) : "");
	}
	return 0;
}

static int
write_map(pid_t pid, const char *file, GArray *map, GError **err)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/%s", (int)pid, file);
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) e = NULL;

	for (guint i = 0; i < map->len; i++) {
		const HvIdMap *m = &g_array_index(map, HvIdMap, i);

		g_string_append_printf(s, "%u %u %u\n", m->start, m->target, m->count);
	}
	if (!g_file_set_contents_full(path, s->str, (gssize)s->len, G_FILE_SET_CONTENTS_NONE,
				      0644, &e))
		return hv_error_set(err, EINVAL, "cannot write the id map '%s': %s", path,
				    e->message);
	return 0;
}

/* The limits of a definition, into a fresh cgroup. */
static int
apply_limits(LxcCgroup *cg, const HvDomainDef *def, const HvLxcDef *x, GError **err)
{
	uint64_t mem = x->hard_limit_kib ? x->hard_limit_kib : def->current_memory_kib;
	int r = 0;

	if (mem)
		r = lxc_cgroup_set(cg, LXC_KNOB_MEM_LIMIT, mem * 1024, err);
	if (r == 0 && x->soft_limit_kib)
		r = lxc_cgroup_set(cg, LXC_KNOB_MEM_SOFT, x->soft_limit_kib * 1024, err);
	if (r == 0 && x->swap_hard_limit_kib)
		r = lxc_cgroup_set(cg, LXC_KNOB_SWAP_LIMIT, x->swap_hard_limit_kib * 1024, err);
	if (r == 0 && x->cpu_shares)
		r = lxc_cgroup_set(cg, LXC_KNOB_CPU_SHARES, x->cpu_shares, err);
	if (r == 0 && x->cpu_period_us)
		r = lxc_cgroup_set(cg, LXC_KNOB_CPU_PERIOD, x->cpu_period_us, err);
	if (r == 0 && x->cpu_quota_us > 0)
		r = lxc_cgroup_set(cg, LXC_KNOB_CPU_QUOTA, (uint64_t)x->cpu_quota_us, err);
	return r;
}

/* Everything a start made, undone (lock held or not: o's priv is the job's). */
static void
undo(LxcConn *lc, LxcDomain *d)
{
	hv_procdom_unwatch(lc->pd.watch, &d->p);
	if (d->cg) {
		lxc_cgroup_kill(d->cg, NULL);
		for (int i = 0; i < 100 && lxc_cgroup_count(d->cg) > 0; i++)
			g_usleep(10000);
		lxc_cgroup_remove(d->cg);
		g_clear_pointer(&d->cg, lxc_cgroup_free);
	}
	if (d->p.pid > 0) {
		kill(d->p.pid, SIGKILL);
		waitpid(d->p.pid, NULL, WNOHANG);
	}
	hv_procdom_release(&d->p);
	for (guint i = 0; d->p.devs && i < d->p.devs->len; i++) {
		const char *del[] = { "ip", "link", "del", d->p.devs->pdata[i], NULL };

		if (netdev_exists(d->p.devs->pdata[i]))
			g_spawn_sync(NULL, (char **)del, NULL, G_SPAWN_SEARCH_PATH |
				     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				     NULL, NULL, NULL, NULL, NULL);
	}
	if (d->p.devs)
		g_ptr_array_set_size(d->p.devs, 0);
}

/* The host id that id inside maps to (the console belongs to the container's
 * root); unmapped: the overflow id. */
static uid_t
host_id(GArray *map, uint32_t id)
{
	for (guint i = 0; i < map->len; i++) {
		const HvIdMap *m = &g_array_index(map, HvIdMap, i);

		if (id >= m->start && id - m->start < m->count)
			return m->target + (id - m->start);
	}
	return 65534;
}

/* Outside the lock: the container, up to its exec. */
static int
spawn(LxcConn *lc, HvEntry *o, const HvDomainDef *def, const HvLxcDef *x, LxcDomain *d,
      GError **err)
{
	g_autofree char *slave_path = NULL;
	const HvFsDef *root = hv_lxc_def_root(x);
	int master, slave, go = -1, ef = -1, r;
	LxcSpawn s = { .name = o->name, .lxc = x, .root = root->source, .layout = lc->layout,
		       .userns = x->uidmap->len > 0,
		       .netns = x->privnet || (def->interfaces && def->interfaces->len) };

	if ((r = hv_pty_open(&master, &slave_path, err)) < 0)
		return r;
	d->p.con = d->p.con ? (hv_ptycon_free(d->p.con), hv_ptycon_new(master)) : hv_ptycon_new(master);
	if ((slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return hv_error_set(err, errno, "cannot open '%s': %s", slave_path,
				    g_strerror(errno));
	if (s.userns && fchown(slave, host_id(x->uidmap, 0), host_id(x->gidmap, 0)) < 0)
		g_debug("lxc: cannot hand the console to the container's root: %s",
			g_strerror(errno));
	s.console_slave = slave;
	s.console_path = slave_path;
	r = lxc_container_clone(&s, &d->p.pid, &go, &ef, err);
	close(slave);
	if (r < 0)
		return r;
	d->p.pid_start = hv_pid_starttime(d->p.pid);
	d->p.pidfd = hv_pidfd_open(d->p.pid);
	if (!(d->cg = lxc_cgroup_new(lc->layout, lc->partition, o->name, TRUE, err)))
		r = -EIO;
	if (r == 0)
		r = lxc_cgroup_add(d->cg, d->p.pid, err);
	if (r == 0)
		r = apply_limits(d->cg, def, x, err);
	if (r == 0 && s.userns && (r = write_map(d->p.pid, "uid_map", x->uidmap, err)) == 0)
		r = write_map(d->p.pid, "gid_map", x->gidmap, err);
	if (r == 0)
		r = open_network(lc, o, def, d->p.pid, err);
	if (r < 0) {
		close(go);
		close(ef);
		return r;
	}
	if ((r = lxc_container_release(d->p.pid, go, ef, err)) < 0)
		return r;
	if ((d->p.holder = hv_pty_holder_spawn(d->p.con->master, err)) < 0) {
		d->p.holder = 0;
		return -EIO;
	}
	d->p.holder_start = hv_pid_starttime(d->p.holder);
	return 0;
}

int
lxc_process_start(HvObjTab *t, HvEntry *o, HvJob *job, GError **err)
{
	LxcConn *lc = lxc_tab_conn(t);
	LxcDomain *d = lxc_dom(o);
	g_autoptr(HvDomainDef) live = hv_domain_def_copy(o->def.domain);
	g_autoptr(HvLxcDef) x = NULL;
	int r;

	if (!(x = hv_lxc_def_new(live, err)))
		return -EINVAL;
	if (!hv_lxc_def_root(x))
		return hv_error_set(err, EINVAL, "cannot start domain '%s': it has no "
				    "<filesystem> with <target dir='/'/>", o->name);
	if (!d->p.devs)
		d->p.devs = g_ptr_array_new_with_free_func(g_free);
	d->p.gen++;
	d->p.pidfd = -1;
	hv_core_unlock(&lc->pd.core);
	r = spawn(lc, o, live, x, d, err);
	hv_core_lock(&lc->pd.core);
	if (r == 0)
		r = hv_job_check(job, err);
	if (r < 0) {
		undo(lc, d);
		return r;
	}
	hv_procdom_running(o, &d->p, t->store, &live, R_BOOTED, LXC_STOP_SHUTDOWN);
	state_write(lc, o);
	if ((r = hv_procdrv_watch(&lc->pd, o, err)) < 0) {
		lxc_process_stopped(lc, o);
		return r;
	}
	hv_entry_emit(o, "started", "booted");
	return 0;
}

static const struct {
	const char *detail;
	int reason;
} stop_words[] = {
	[LXC_STOP_SHUTDOWN] = { "shutdown", R_OFF_SHUTDOWN },
	[LXC_STOP_DESTROYED] = { "destroyed", R_OFF_DESTROYED },
	[LXC_STOP_FAILED] = { "failed", R_OFF_FAILED },
};

void
lxc_process_stopped(LxcConn *lc, HvEntry *o)
{
	LxcDomain *d = lxc_dom(o);
	g_autofree char *path = state_path(lc, o->name);

	if (!o->active)
		return;
	undo(lc, d);
	unlink(path);
	d->p.state = HV_DOMAIN_SHUTOFF;
	d->p.reason = stop_words[d->p.why].reason;
	if (d->p.why == LXC_STOP_SHUTDOWN)
		hv_entry_emit(o, "shutdown", "finished");
	hv_entry_emit(o, "stopped", stop_words[d->p.why].detail);
	hv_entry_broadcast(o);
	hv_entry_stopped(o); /* may remove a transient o (our job keeps it alive) */
}

int
lxc_process_stop(HvObjTab *t, HvEntry *o, HvJob *job, LxcStopWhy why, GError **err)
{
	LxcConn *lc = lxc_tab_conn(t);
	LxcDomain *d = lxc_dom(o);
	unsigned gen = d->p.gen;

	if (why == LXC_STOP_DESTROYED) {
		d->p.why = why;
		if (d->cg)
			lxc_cgroup_kill(d->cg, NULL);
		else if (d->p.pid > 0)
			kill(d->p.pid, SIGKILL);
		if (!hv_procdom_wait_stopped(o, job, gen,
					     g_get_monotonic_time() + LXC_KILL_MS * 1000ll))
			lxc_process_stopped(lc, o);
		return 0;
	}
	/* shutdown: SIGTERM to init (busybox init and systemd take it as their
	 * signal to stop); after the bound, the whole cgroup is killed */
	if (d->p.state == HV_DOMAIN_PAUSED && d->cg)
		lxc_cgroup_freeze(d->cg, FALSE, NULL);
	d->p.why = LXC_STOP_SHUTDOWN;
	d->p.state = HV_DOMAIN_SHUTDOWN;
	hv_entry_emit(o, "shutdown", "requested");
	if (kill(d->p.pid, SIGTERM) < 0)
		return hv_error_set(err, errno, "cannot signal the init of domain '%s': %s",
				    o->name, g_strerror(errno));
	if (hv_procdom_wait_stopped(o, job, gen,
				    g_get_monotonic_time() + lc->pd.shutdown_ms * 1000ll))
		return 0;
	if (o->active && d->p.gen == gen) {
		if (d->cg)
			lxc_cgroup_kill(d->cg, NULL);
		if (!hv_procdom_wait_stopped(o, job, gen,
					     g_get_monotonic_time() + LXC_KILL_MS * 1000ll))
			lxc_process_stopped(lc, o);
	}
	return hv_error_set(err, ETIMEDOUT, "domain '%s' did not shut down within %u ms: its "
			    "processes were killed", o->name, lc->pd.shutdown_ms);
}

/* ---- re-attach */

static int
reattach_one(const char *name, const char *xml, size_t len, void *data)
{
	LxcConn *lc = data;
	g_autofree char *path = state_path(lc, name);
	HvDomainDef *live = NULL;
	HvEntry *o;
	LxcDomain *d;
	int r = hv_procdom_reattach(&lc->pd, name, xml, len, path, "veth", &o, &live);

	if (r < 0)
		return 0;
	d = lxc_dom(o);
	d->cg = lxc_cgroup_new(lc->layout, lc->partition, name, FALSE, NULL);
	if (r == 0) { /* it stopped while we were away: clean up what it left */
		undo(lc, d);
		hv_procdom_gone(&lc->pd, o, path);
		return 0;
	}
	hv_procdom_adopt(o, &d->p, live, HOLDER_FD, R_BOOTED);
	d->p.why = LXC_STOP_SHUTDOWN;
	if (d->cg) { /* frozen while we were away */
		g_autofree char *fz = g_build_filename("/sys/fs/cgroup/freezer", d->cg->rel,
						       "freezer.state", NULL);
		g_autofree char *v = NULL;

		if (g_file_get_contents(fz, &v, NULL, NULL) && g_str_has_prefix(v, "FROZEN"))
			d->p.state = HV_DOMAIN_PAUSED;
	}
	hv_procdrv_watch(&lc->pd, o, NULL);
	return 0;
}

void
lxc_domain_free_priv(void *p)
{
	LxcDomain *d = p;

	if (d)
		lxc_cgroup_free(d->cg);
	hv_procdom_free(d);
}
