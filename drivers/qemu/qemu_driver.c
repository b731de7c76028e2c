/* qemu_driver.c: the qemu driver (scheme "qemu"), its API entry points and
 * tables: opening a connection (folders, the QMP event callbacks, storage,
 * loading, re-attaching, autostart) and closing it, node info, and the domain
 * ops: list and info (no QMP round trip: state comes from events), XML,
 * define/undefine, the verbs that are one QMP command (one table of allowed
 * states), memory through the balloon, autostart. Calls go down only. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_domain.h"
#include "drivers/qemu/qemu_command.h"
#include "drivers/qemu/qemu_console.h"
#include "drivers/qemu/qemu_events.h"
#include "drivers/qemu/qemu_hotplug.h"
#include "drivers/qemu/qemu_pool.h"
#include "drivers/qemu/qemu_process.h"
#include "drivers/qemu/qemu_stats.h"

/* ---- list and info */

/* QEMU's CPU time, read from /proc at most every 10 ms: every file of a
 * domain folder (state, memory...) comes from the same info, and a `cat state`
 * loop must not pay a /proc read each time. Lock held. */
static uint64_t
cpu_ns(QemuDomain *d)
{
	gint64 now = g_get_monotonic_time();

	if (!d->pid)
		return 0;
	if (d->cpu_pid != d->pid || now - d->cpu_ns_at >= 10000 || now < d->cpu_ns_at) {
		d->cpu_ns = qemu_process_cpu_ns(d->pid);
		d->cpu_ns_at = now;
		d->cpu_pid = d->pid;
	}
	return d->cpu_ns;
}

static gpointer
info_new(gpointer obj)
{
	QemuDomain *d = obj;
	HvDomainInfo *i = g_new0(HvDomainInfo, 1);

	i->name = g_strdup(d->name);
	i->os_type = g_strdup(d->def->os_type ? d->def->os_type : "hvm");
	memcpy(i->uuid, d->uuid, HV_UUID_STRLEN);
	i->id = d->id;
	i->state = d->state;
	i->reason = d->reason;
	i->persistent = d->persistent;
	i->autostart = d->autostart;
	i->max_memory_kib = d->def->max_memory_kib;
	i->memory_kib = d->def->current_memory_kib;
	i->vcpus = d->def->vcpus;
	i->max_vcpus = d->def->max_vcpus;
	i->cpu_time_ns = cpu_ns(d);
	i->accel = g_strdup(qemu_command_accel(d->def));
	return i;
}

static gint
info_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp((*(HvDomainInfo *const *)a)->name, (*(HvDomainInfo *const *)b)->name);
}

static int
dom_list(HvConn *c, GPtrArray **out, GError **err)
{
	QemuConn *qc = qemu_conn(c);

	*out = qemu_list_infos(&qc->lock, qc->domains, info_new,
			       (GDestroyNotify)hv_domain_info_free);
	g_ptr_array_sort(*out, info_cmp);
	return 0;
}

static int
dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	QemuConn *qc = qemu_conn(c);

	return qemu_info_of(&qc->lock, qc->domains, "domain", name, info_new, out, err);
}

static int
dom_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *pty = NULL;
	QemuDomain *d;

	g_mutex_lock(&qc->lock);
	if ((d = qemu_domain_find(qc, name, err)))
		*xml = qemu_domain_format(d, flags, &pty);
	g_mutex_unlock(&qc->lock);
	if (pty && *xml)
		*xml = qemu_domain_live_runtime(*xml, pty);
	if (d && !*xml)
		return hv_error_set(err, EIO, "cannot format the XML of domain '%s'", name);
	return d ? 0 : -ENOENT;
}

/* ---- define, undefine, autostart */

static int
dom_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	HvDomainDef *def;
	g_autofree char *name = NULL;
	int r;

	if (!(def = hv_domain_def_parse(xml, strlen(xml), err)))
		return -EINVAL;
	name = g_strdup(def->name);
	g_mutex_lock(&qc->lock);
	r = qemu_domain_define(qc, def, err);
	g_mutex_unlock(&qc->lock);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

static int
dom_undefine(HvConn *c, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	int r;

	g_mutex_lock(&qc->lock);
	r = qemu_domain_undefine(qc, name, err);
	g_mutex_unlock(&qc->lock);
	return r;
}

static int
dom_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	int r;

	g_mutex_lock(&qc->lock);
	r = qemu_domain_set_autostart(qc, name, on, err);
	g_mutex_unlock(&qc->lock);
	return r;
}

/* ---- verbs that are one QMP command */

#define S(x) (1u << HV_DOMAIN_##x)

typedef struct {
	const char *verb;
	const char *command;
	const char *args;
	unsigned states; /* where the verb applies */
	const char *why; /* otherwise */
	bool reboot;
} QmpVerb;

enum { V_SHUTDOWN, V_REBOOT, V_RESET, V_SUSPEND, V_RESUME };

static const QmpVerb qmp_verbs[] = {
	[V_SHUTDOWN] = { "shutdown", "system_powerdown", NULL, S(RUNNING) | S(BLOCKED),
			 "domain is not running" },
	[V_REBOOT] = { "reboot", "system_reset", NULL, S(RUNNING) | S(BLOCKED),
		       "domain is not running", true },
	[V_RESET] = { "reset", "system_reset", NULL,
		      S(RUNNING) | S(BLOCKED) | S(PAUSED) | S(SHUTDOWN), "domain is not running" },
	[V_SUSPEND] = { "suspend", "stop", NULL, S(RUNNING) | S(BLOCKED), "domain is not running" },
	[V_RESUME] = { "resume", "cont", NULL, S(PAUSED), "domain is not paused" },
};

/* Lock held: may the verb run on d now? */
static int
verb_check(QemuDomain *d, void *opaque, GError **err)
{
	const QmpVerb *v = opaque;

	if (!qemu_domain_active(d) || d->busy || !d->mon)
		return hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", v->verb, d->name,
				    qemu_domain_active(d) ? "domain is starting or stopping"
							  : "domain is not running");
	if (!(v->states & (1u << d->state)))
		return hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", v->verb, d->name,
				    v->why);
	if (v->reboot)
		d->reboot_asked = true;
	return 0;
}

static int
run_qmp_verb(HvConn *c, const char *name, int verb, GError **err)
{
	const QmpVerb *v = &qmp_verbs[verb];
	g_autoptr(QemuMon) m = NULL;
	int r = qemu_domain_get_mon(qemu_conn(c), name, verb_check, (void *)v, &m, err);

	return r < 0 ? r : qemu_mon_command(m, v->command, v->args, NULL, err);
}

static int dom_shutdown(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, V_SHUTDOWN, e); }
static int dom_reboot(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, V_REBOOT, e); }
static int dom_reset(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, V_RESET, e); }
static int dom_suspend(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, V_SUSPEND, e); }
static int dom_resume(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, V_RESUME, e); }

static int
dom_start(HvConn *c, const char *n, GError **e)
{
	return qemu_process_start(qemu_conn(c), n, e);
}

static int
dom_destroy(HvConn *c, const char *n, GError **e)
{
	return qemu_process_destroy(qemu_conn(c), n, e);
}

/* ---- memory */

typedef struct {
	uint64_t kib;
	unsigned flags;
} MemoryChange;

/* Lock held: whether a live change may go ahead (1: none asked). */
static int
memory_check(QemuDomain *d, void *opaque, GError **err)
{
	const MemoryChange *mc = opaque;
	int r = qemu_domain_live_change(d, mc->flags, "memory", " (no memory hot-plug yet)", err);

	if (r != 0)
		return r;
	if (mc->kib > d->def->max_memory_kib)
		return hv_error_set(err, EINVAL, "domain '%s': %" G_GUINT64_FORMAT " KiB is more than "
				    "its maximum memory of %" G_GUINT64_FORMAT " KiB", d->name,
				    mc->kib, d->def->max_memory_kib);
	return 0;
}

static int
dom_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	MemoryChange mc = { kib, flags };
	g_autoptr(QemuMon) m = NULL;
	QemuDomain *d;
	int r;

	if ((r = qemu_domain_get_mon(qc, name, memory_check, &mc, &m, err)) < 0)
		return r;
	if (m && (r = qemu_mon_balloon(m, kib, err)) < 0)
		return r;
	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	if (r == 0 && m && qemu_domain_active(d) && d->def->current_memory_kib != kib) {
		d->def->current_memory_kib = kib; /* the target; BALLOON_CHANGE reports progress */
		qemu_emit_num(qc, name, "memory-changed", kib);
	}
	if (r == 0 && (flags & HV_AFFECT_CONFIG))
		r = qemu_domain_set_count(qc, d, QEMU_COUNT_MEMORY, kib, flags, err);
	g_mutex_unlock(&qc->lock);
	return r;
}

/* ---- opening and closing */

static void
autostart_all(QemuConn *qc)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer v;

	g_mutex_lock(&qc->lock);
	g_hash_table_iter_init(&it, qc->domains);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((QemuDomain *)v)->autostart && !qemu_domain_active(v))
			g_ptr_array_add(names, g_strdup(((QemuDomain *)v)->name));
	g_mutex_unlock(&qc->lock);
	for (guint k = 0; k < names->len; k++) {
		g_autoptr(GError) err = NULL;

		if (qemu_process_start(qc, names->pdata[k], &err) < 0)
			g_warning("autostart of domain '%s' failed: %s", (char *)names->pdata[k],
				  err->message);
	}
}

/* Running domains keep running: only our monitors go, and the helper threads
 * that use them (their monitors closed, they end soon). */
static void
close_domains(QemuConn *qc)
{
	int64_t deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	GHashTableIter it;
	gpointer v;

	g_mutex_lock(&qc->lock);
	g_hash_table_iter_init(&it, qc->domains);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((QemuDomain *)v)->mon)
			g_ptr_array_add(qc->dead_mons, g_steal_pointer(&((QemuDomain *)v)->mon));
	g_mutex_unlock(&qc->lock);
	qemu_reap_monitors(qc);
	g_mutex_lock(&qc->lock);
	while (qc->workers && g_cond_wait_until(&qc->cond, &qc->lock, deadline))
		;
	g_mutex_unlock(&qc->lock);
	g_hash_table_unref(qc->domains);
}

static void
qemu_conn_free(QemuConn *qc)
{
	if (!qc)
		return;
	qemu_console_stop_thread(qc);
	if (qc->domains)
		close_domains(qc);
	g_clear_pointer(&qc->dead_mons, g_ptr_array_unref);
	qemu_storage_close(qc);
	g_free(qc->lib_dir);
	g_free(qc->run_dir);
	g_free(qc->emulator);
	g_mutex_clear(&qc->lock);
	g_cond_clear(&qc->cond);
	g_free(qc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuConn, qemu_conn_free)

static int
qemu_open(HvConn *c, GError **err)
{
	g_autoptr(QemuConn) qc = g_new0(QemuConn, 1);
	g_autoptr(GPtrArray) running = NULL;

	qc->conn = c;
	qc->mon_cb = &qemu_event_callbacks;
	g_mutex_init(&qc->lock);
	g_cond_init(&qc->cond);
	qc->next_id = 1;
	qc->con_wake = -1;
	qc->dead_mons = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_mon_unref);
	qc->domains = qemu_domain_table_new();
	if (qemu_conf_dirs(qc, err) < 0)
		return -EINVAL;
	if (qemu_console_start_thread(qc, err) < 0)
		return -EIO;
	qc->emulator = g_find_program_in_path("qemu-system-x86_64");
	c->priv = qc;
	/* pools first: an autostarted domain may use their volumes */
	if (qemu_storage_open(qc, qc->lib_dir, qc->run_dir, !c->readonly, err) < 0) {
		c->priv = NULL;
		return -EIO;
	}
	running = qemu_domain_load_all(qc);
	for (guint k = 0; k < running->len; k++)
		qemu_process_reattach(qc, running->pdata[k]);
	if (!c->readonly)
		autostart_all(qc);
	g_steal_pointer(&qc);
	return 0;
}

static void
qemu_close(HvConn *c)
{
	g_clear_pointer((QemuConn **)&c->priv, qemu_conn_free);
}

/* ---- node */

static int
node_get_info(HvConn *c, HvNodeInfo *out, GError **err)
{
	g_autofree char *mem = NULL;
	const char *p;

	memset(out, 0, sizeof(*out));
	out->hostname = g_strdup(g_get_host_name());
	out->model = g_strdup("x86_64");
	out->cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	out->nodes = 1;
	out->sockets = 1;
	out->cores = out->cpus;
	out->threads = 1;
	/* KVM when /dev/kvm opens (whether it runs a guest well is another matter:
	 * docs/qemu-driver.md); TCG always */
	out->accels = g_strdup(access("/dev/kvm", R_OK | W_OK) == 0 ? "kvm tcg" : "tcg");
	if (g_file_get_contents("/proc/meminfo", &mem, NULL, NULL)) {
		if ((p = strstr(mem, "MemTotal:")))
			out->memory_kib = g_ascii_strtoull(p + 9, NULL, 10);
		if ((p = strstr(mem, "MemAvailable:")))
			out->free_memory_kib = g_ascii_strtoull(p + 13, NULL, 10);
	}
	return 0;
}

/* ---- the tables */

static const HvNodeOps qemu_node_ops = {
	.get_info = node_get_info,
};

static const HvDomainOps qemu_domain_ops = {
	.list = dom_list,
	.get_info = dom_get_info,
	.get_xml = dom_get_xml,
	.define_xml = dom_define_xml,
	.undefine = dom_undefine,
	.start = dom_start,
	.shutdown = dom_shutdown,
	.destroy = dom_destroy,
	.reboot = dom_reboot,
	.reset = dom_reset,
	.suspend = dom_suspend,
	.resume = dom_resume,
	.set_memory = dom_set_memory,
	.set_vcpus = qemu_set_vcpus,
	.set_autostart = dom_set_autostart,
	.get_stats = qemu_domain_stats,
	.console_read = qemu_console_read,
	.console_write = qemu_console_write,
	.screenshot = qemu_domain_screenshot,
};

static const char *const qemu_schemes[] = { "qemu", NULL };

const HvDriver hv_qemu_driver = {
	.name = "qemu",
	.schemes = qemu_schemes,
	.open = qemu_open,
	.close = qemu_close,
	.node = &qemu_node_ops,
	.domain = &qemu_domain_ops,
	.pool = &qemu_pool_ops,
	.volume = &qemu_volume_ops,
};
