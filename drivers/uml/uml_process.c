/* uml_process.c: User-Mode Linux guests as processes: the kernel's command
 * line from the definition (mem=, ubdN= for file disks, initrd=, the
 * <cmdline>, con0 on the console pty or a file, umid= and uml_dir= for the
 * mconsole socket), start, the uml_mconsole exchanges, stop (ctrl-alt-del to
 * the guest's init, then halt, then SIGKILL to the process group), the
 * watcher's callbacks, and re-attaching at open. State for re-attaching is in
 * RUN/NAME.uml; the mconsole socket is RUN/uml/NAME/mconsole. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/uml/uml_priv.h"
#include "drivers/objstore.h"
#include "drivers/network/netdev_tap.h"
#include "drivers/network/network_table.h"

enum { R_BOOTED = 1, R_OFF_SHUTDOWN = 1, R_OFF_DESTROYED = 2 };
#define HOLDER_FD 3

static void proc_stopped(HvProcDrv *pd, HvEntry *o) { uml_process_stopped((UmlConn *)pd, o); }
static int
proc_destroy(HvObjTab *t, HvEntry *o, HvJob *job, GError **err)
{
	return uml_process_stop(t, o, job, UML_STOP_DESTROYED, err);
}
static int reattach_one(const char *name, const char *xml, size_t len, void *data);

const HvProcDrvOps uml_proc_ops = {
	.name = "uml", .shutdown_ms = UML_SHUTDOWN_MS,
	.os_type = "uml", .emulator = "/usr/bin/linux.uml",
	.stopped = proc_stopped, .reattach = reattach_one,
	.start = uml_process_start, .destroy = proc_destroy,
	.no_console = "has no console to write to",
};

static char *
run_file(UmlConn *uc, const char *name, const char *ext)
{
	g_autofree char *f = g_strconcat(name, ext, NULL);

	return g_build_filename(uc->pd.run_dir, f, NULL);
}

static char *
sock_path(UmlConn *uc, const char *name)
{
	return g_build_filename(uc->pd.run_dir, "uml", name, "mconsole", NULL);
}

/* ---- the command line */

/* The <console>/<serial> of the definition: its type and, for 'file', path. */
static const HvDomainDeviceDef *
console_dev(const HvDomainDef *def)
{
	for (guint i = 0; def->devices && i < def->devices->len; i++) {
		const HvDomainDeviceDef *dv = def->devices->pdata[i];

		if (g_str_equal(dv->kind, "console") || g_str_equal(dv->kind, "serial"))
			return dv;
	}
	return NULL;
}

static int
build_argv(UmlConn *uc, HvEntry *o, const HvDomainDef *def, GPtrArray *argv, GError **err)
{
	g_ptr_array_add(argv, g_strdup(def->kernel ? def->kernel : "/usr/bin/linux.uml"));
	g_ptr_array_add(argv, g_strdup_printf("mem=%" G_GUINT64_FORMAT "K",
					      def->current_memory_kib));
	g_ptr_array_add(argv, g_strdup_printf("umid=%s", o->name));
	g_ptr_array_add(argv, g_strdup_printf("uml_dir=%s/uml", uc->pd.run_dir));
	for (guint i = 0; def->disks && i < def->disks->len; i++) {
		const HvDomainDiskDef *dk = def->disks->pdata[i];
		const char *t = dk->target_dev;

		if (!t || !g_str_has_prefix(t, "ubd") || strlen(t) != 4 || t[3] < 'a' || t[3] > 'h')
			return hv_error_set(err, EINVAL, "domain '%s': a UML disk's target is ubda "
					    "to ubdh, not '%s'", o->name, t ? t : "");
		if (!dk->source || (dk->type && !g_str_equal(dk->type, "file") &&
				    !g_str_equal(dk->type, "block")))
			return hv_error_set(err, ENOTSUP, "domain '%s': disk '%s' must be a file or "
					    "block device with a source", o->name, t);
		g_ptr_array_add(argv, g_strdup_printf("ubd%d%s=%s", t[3] - 'a',
						      dk->readonly ? "r" : "", dk->source));
	}
	if (def->initrd)
		g_ptr_array_add(argv, g_strdup_printf("initrd=%s", def->initrd));
	g_ptr_array_add(argv, g_strdup("con=null"));
	g_ptr_array_add(argv, g_strdup("ssl=null"));
	g_ptr_array_add(argv, g_strdup("con0=fd:0,fd:1"));
	for (guint i = 0; def->interfaces && i < def->interfaces->len; i++) {
		const HvDomainNetDef *net = def->interfaces->pdata[i];
		UmlDomain *d = uml_dom(o);

		if (!g_str_equal(net->type, "bridge") && !g_str_equal(net->type, "network"))
			return hv_error_set(err, ENOTSUP, "domain '%s': <interface type='%s'> is not "
					    "supported yet (bridge and network are)", o->name,
					    net->type);
		g_autofree char *key = g_strconcat(uc->pd.run_dir, "/", o->name, NULL);

		g_ptr_array_add(d->p.devs, g_strdup_printf("vu%08x.%u", g_str_hash(key), i));
		g_ptr_array_add(argv, g_strdup_printf("vec%u:transport=tap,ifname=%s%s%s", i,
						      (char *)g_ptr_array_index(d->p.devs,
										d->p.devs->len - 1),
						      net->mac ? ",mac=" : "",
						      net->mac ? net->mac : ""));
	}
	if (def->cmdline) {
		g_auto(GStrv) words = g_strsplit_set(def->cmdline, " \t\n", -1);

		for (char **w = words; *w; w++)
			if (**w)
				g_ptr_array_add(argv, g_strdup(*w));
	}
	g_ptr_array_add(argv, NULL);
	return 0;
}

static int
run_ip(const char *const *args, GError **err)
{
	g_autofree char *out = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)args, NULL, G_SPAWN_SEARCH_PATH |
			  G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &out, &status, NULL) ||
	    !g_spawn_check_wait_status(status, NULL))
		return hv_error_set(err, EIO, "'%s %s %s %s' failed: %s", args[0], args[1], args[2],
				    args[3], out ? g_strstrip(out) : "");
	return 0;
}

/* A tap for each interface, on its bridge or its network's. */
static int
make_taps(UmlConn *uc, HvEntry *o, const HvDomainDef *def, GError **err)
{
	UmlDomain *d = uml_dom(o);

	for (guint i = 0; i < d->p.devs->len; i++) {
		const HvDomainNetDef *net = def->interfaces->pdata[i];
		const char *tap = d->p.devs->pdata[i];
		g_autofree char *nbr = NULL;
		const char *bridge = net->source;
		int r;

		if (g_str_equal(net->type, "network") &&
		    (r = net_table_bridge_of(uc->pd.conn, net->source ? net->source : "", &nbr,
					     err)) < 0) {
			g_prefix_error(err, "cannot start domain '%s': interface %u: ", o->name, i);
			return r;
		}
		if (nbr)
			bridge = nbr;
		const char *add[] = { "ip", "tuntap", "add", "dev", tap, "mode", "tap", NULL };
		const char *up[] = { "ip", "link", "set", tap, "master", bridge, "up", NULL };

		if (!bridge || !netdev_exists(bridge))
			return hv_error_set(err, ENODEV, "domain '%s': bridge '%s' does not exist",
					    o->name, bridge ? bridge : "");
		if ((r = run_ip(add, err)) < 0 || (r = run_ip(up, err)) < 0)
			return r;
	}
	return 0;
}

static void
drop_taps(UmlDomain *d)
{
	for (guint i = 0; d->p.devs && i < d->p.devs->len; i++) {
		/* not `ip tuntap del`: that attaches to the tap first, and fails
		 * (EBUSY) while one of the guest's processes still holds it;
		 * a persistent tap left so outlives the guest */
		const char *del[] = { "ip", "link", "del", "dev", d->p.devs->pdata[i], NULL };

		if (netdev_exists(d->p.devs->pdata[i]))
			run_ip(del, NULL);
	}
	/* the kernel unregisters it a moment later */
	if (d->p.devs && d->p.devs->len)
		netdev_wait_gone(d->p.devs, 2000000);
	if (d->p.devs)
		g_ptr_array_set_size(d->p.devs, 0);
}

/* ---- start */

static void
child_setup(gpointer data)
{
	setsid(); /* its own process group: a destroy kills every UML process */
}

static int
spawn(UmlConn *uc, HvEntry *o, char **argv, const char *file_out, UmlDomain *d, GError **err)
{
	g_autofree char *slave_path = NULL;
	g_autoptr(GError) e = NULL;
	int master = -1, in, out, r;
	GPid pid;

	if (file_out) {
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		out = open(file_out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	} else {
		if ((r = hv_pty_open(&master, &slave_path, err)) < 0)
			return r;
		hv_ptycon_free(d->p.con);
		d->p.con = hv_ptycon_new(master);
		in = out = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	}
	if (in < 0 || out < 0)
		return hv_error_set(err, errno, "domain '%s': cannot open its console: %s",
				    o->name, g_strerror(errno));
	if (!g_spawn_async_with_fds(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, child_setup,
				    NULL, &pid, in, out, out, &e)) {
		close(in);
		if (out != in)
			close(out);
		return hv_error_set(err, EIO, "domain '%s': cannot run '%s': %s", o->name, argv[0],
				    e->message);
	}
	close(in);
	if (out != in)
		close(out);
	d->p.pid = pid;
	d->p.pid_start = hv_pid_starttime(pid);
	d->p.pidfd = hv_pidfd_open(pid);
	if (d->p.con && (d->p.holder = hv_pty_holder_spawn(d->p.con->master, err)) < 0) {
		d->p.holder = 0;
		return -EIO;
	}
	d->p.holder_start = d->p.holder ? hv_pid_starttime(d->p.holder) : 0;
	return 0;
}

static void
undo(UmlConn *uc, UmlDomain *d)
{
	hv_procdom_unwatch(uc->pd.watch, &d->p);
	if (d->p.pid > 0 && hv_pid_starttime(d->p.pid) == d->p.pid_start) {
		/* UML's console helper makes a session of its own: the tree, then the group */
		hv_kill_tree(d->p.pid, SIGKILL);
		kill(-d->p.pid, SIGKILL);
		waitpid(d->p.pid, NULL, 0);
	}
	hv_procdom_release(&d->p);
	drop_taps(d);
}

static void
state_write(UmlConn *uc, HvEntry *o)
{
	g_autofree char *path = run_file(uc, o->name, ".uml");
	g_autofree char *text = hv_procdom_state_format(&uml_dom(o)->p, "tap");

	g_file_set_contents(path, text, -1, NULL);
}

int
uml_process_start(HvObjTab *t, HvEntry *o, HvJob *job, GError **err)
{
	UmlConn *uc = uml_tab_conn(t);
	UmlDomain *d = uml_dom(o);
	g_autoptr(HvDomainDef) live = hv_domain_def_copy(o->def.domain);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	const HvDomainDeviceDef *con = console_dev(live);
	g_autofree char *file_out = NULL;
	int r;

	if (con && con->type && g_str_equal(con->type, "file"))
		file_out = g_strdup(con->source);
	else if (con && con->type && !g_str_equal(con->type, "pty"))
		return hv_error_set(err, ENOTSUP, "domain '%s': a UML console is a pty or a file, "
				    "not '%s'", o->name, con->type);
	if (!d->p.devs)
		d->p.devs = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_set_size(d->p.devs, 0);
	if ((r = build_argv(uc, o, live, argv, err)) < 0)
		return r;
	d->p.gen++;
	d->p.pidfd = -1;
	hv_core_unlock(&uc->pd.core);
	r = make_taps(uc, o, live, err);
	if (r == 0)
		r = spawn(uc, o, (char **)argv->pdata, file_out, d, err);
	hv_core_lock(&uc->pd.core);
	if (r == 0)
		r = hv_job_check(job, err);
	if (r < 0) {
		undo(uc, d);
		return r;
	}
	hv_procdom_running(o, &d->p, t->store, &live, R_BOOTED, UML_STOP_SHUTDOWN);
	state_write(uc, o);
	if ((r = hv_procdrv_watch(&uc->pd, o, err)) < 0) {
		uml_process_stopped(uc, o);
		return r;
	}
	hv_entry_emit(o, "started", "booted");
	return 0;
}

void
uml_process_stopped(UmlConn *uc, HvEntry *o)
{
	UmlDomain *d = uml_dom(o);
	g_autofree char *path = run_file(uc, o->name, ".uml");

	if (!o->active)
		return;
	undo(uc, d);
	unlink(path);
	d->p.state = HV_DOMAIN_SHUTOFF;
	d->p.reason = d->p.why == UML_STOP_DESTROYED ? R_OFF_DESTROYED : R_OFF_SHUTDOWN;
	if (d->p.why == UML_STOP_SHUTDOWN)
		hv_entry_emit(o, "shutdown", "finished");
	hv_entry_emit(o, "stopped", d->p.why == UML_STOP_DESTROYED ? "destroyed" : "shutdown");
	hv_entry_broadcast(o);
	hv_entry_stopped(o);
}

/* ---- mconsole */

int
uml_mconsole(UmlConn *uc, const char *name, const char *cmd, char **out, GError **err)
{
	g_autofree char *sock = sock_path(uc, name);
	g_autofree char *o = NULL, *e = NULL;
	const char *argv[] = { "timeout", "5", "uml_mconsole", sock, cmd, NULL };
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &o, &e,
			  &status, NULL))
		return hv_error_set(err, EIO, "domain '%s': cannot run uml_mconsole", name);
	if (!g_spawn_check_wait_status(status, NULL) || (o && strstr(o, "ERR")))
		return hv_error_set(err, EIO, "domain '%s': mconsole '%s' failed: %s", name, cmd,
				    o && *o ? g_strstrip(o) : (e ? g_strstrip(e) : ""));
	if (out)
		*out = g_steal_pointer(&o);
	return 0;
}


int
uml_process_stop(HvObjTab *t, HvEntry *o, HvJob *job, UmlStopWhy why, GError **err)
{
	UmlConn *uc = uml_tab_conn(t);
	UmlDomain *d = uml_dom(o);
	g_autofree char *name = g_strdup(o->name);
	unsigned gen = d->p.gen;
	int r;

	d->p.why = why;
	if (why == UML_STOP_DESTROYED) {
		hv_kill_tree(d->p.pid, SIGKILL);
		kill(-d->p.pid, SIGKILL);
		if (!hv_procdom_wait_stopped(o, job, gen,
					     g_get_monotonic_time() + UML_KILL_MS * 1000ll))
			uml_process_stopped(uc, o);
		return 0;
	}
	d->p.state = HV_DOMAIN_SHUTDOWN;
	hv_entry_emit(o, "shutdown", "requested");
	/* ctrl-alt-del: the guest's init powers it off */
	hv_core_unlock(&uc->pd.core);
	r = uml_mconsole(uc, name, "cad", NULL, err);
	hv_core_lock(&uc->pd.core);
	if (r < 0)
		return r;
	if (hv_procdom_wait_stopped(o, job, gen,
				    g_get_monotonic_time() + uc->pd.shutdown_ms * 1000ll))
		return 0;
	if (o->active && d->p.gen == gen) {
		hv_kill_tree(d->p.pid, SIGKILL);
		kill(-d->p.pid, SIGKILL);
		if (!hv_procdom_wait_stopped(o, job, gen,
					     g_get_monotonic_time() + UML_KILL_MS * 1000ll))
			uml_process_stopped(uc, o);
	}
	return hv_error_set(err, ETIMEDOUT, "domain '%s' did not power off within %u ms: it was "
			    "killed", name, uc->pd.shutdown_ms);
}

/* ---- re-attach */

static int
reattach_one(const char *name, const char *xml, size_t len, void *data)
{
	UmlConn *uc = data;
	g_autofree char *path = run_file(uc, name, ".uml");
	HvDomainDef *live = NULL;
	HvEntry *o;
	int r = hv_procdom_reattach(&uc->pd, name, xml, len, path, "tap", &o, &live);

	if (r < 0)
		return 0;
	if (r == 0) {
		undo(uc, uml_dom(o));
		hv_procdom_gone(&uc->pd, o, path);
		return 0;
	}
	hv_procdom_adopt(o, &uml_dom(o)->p, live, HOLDER_FD, R_BOOTED);
	uml_dom(o)->p.why = UML_STOP_SHUTDOWN;
	hv_procdrv_watch(&uc->pd, o, NULL);
	return 0;
}
