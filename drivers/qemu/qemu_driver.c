/* qemu_driver.c: the qemu driver (scheme "qemu"): its HvDriver (the shared
 * ops over its tables, drivers/objops.h, plus console and screenshot), the
 * domain class and its verb rows (each with its job: drivers/job.h), the acts
 * of the verbs that are one QMP command (one table of allowed states) and of
 * memory through the balloon; opening a connection (folders, the QMP event
 * callbacks, the storage tables, loading, re-attaching, autostart), closing
 * it, and node info. Calls go down only. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_domain.h"
#include "drivers/qemu/qemu_command.h"
#include "drivers/qemu/qemu_console.h"
#include "drivers/qemu/qemu_events.h"
#include "drivers/qemu/qemu_hotplug.h"
#include "drivers/qemu/qemu_net_live.h"
#include "drivers/network/network_table.h"
#include "drivers/qemu/qemu_migration.h"
#include "drivers/storage/storage_class.h"
#include "drivers/secret/secret_store.h"
#include "drivers/qemu/qemu_process.h"
#include "drivers/qemu/qemu_save.h"
#include "drivers/qemu/qemu_snapshot.h"
#include "drivers/qemu/qemu_stats.h"
#include "drivers/hostinfo.h"
#include "drivers/objops.h"
#include "drivers/objstore.h"
#include "drivers/saveimg.h"

/* ---- verbs that are one QMP command */

#define S(x) (1u << HV_DOMAIN_##x)

typedef struct {
	const char *command;
	unsigned states; /* where the verb applies */
	const char *why; /* otherwise */
	bool reboot;
} QmpVerb;

enum { V_SHUTDOWN, V_REBOOT, V_RESET, V_SUSPEND, V_RESUME };

static const QmpVerb qmp_verbs[] = {
	[V_SHUTDOWN] = { "system_powerdown", S(RUNNING) | S(BLOCKED), "domain is not running" },
	[V_REBOOT] = { "system_reset", S(RUNNING) | S(BLOCKED), "domain is not running", true },
	[V_RESET] = { "system_reset", S(RUNNING) | S(BLOCKED) | S(PAUSED) | S(SHUTDOWN),
		      "domain is not running" },
	[V_SUSPEND] = { "stop", S(RUNNING) | S(BLOCKED), "domain is not running" },
	[V_RESUME] = { "cont", S(PAUSED), "domain is not paused" },
};

static const char *const qmp_verb_names[] = {
	[V_SHUTDOWN] = "shutdown", [V_REBOOT] = "reboot", [V_RESET] = "reset",
	[V_SUSPEND] = "suspend", [V_RESUME] = "resume",
};

/* The act of the QMP verbs' rows: lock and the verb's job held; the command
 * goes with the lock released. */
static int
act_qmp(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	QemuConn *qc = t->opaque;
	const QmpVerb *v = &qmp_verbs[code];
	QemuDomain *d = qemu_dom(o);
	g_autoptr(QemuMon) m = NULL;
	int r;

	if (!qemu_domain_active(d) || !d->mon)
		return hv_error_set(err, EBUSY, "cannot %s domain '%s': domain is not running",
				    qmp_verb_names[code], o->name);
	if (!(v->states & (1u << d->state)))
		return hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", qmp_verb_names[code],
				    o->name, v->why);
	if (v->reboot)
		d->reboot_asked = true;
	m = qemu_mon_ref(d->mon);
	hv_core_unlock(&qc->core);
	r = qemu_mon_command(m, v->command, NULL, NULL, err);
	hv_core_lock(&qc->core);
	return r;
}

/* ---- memory */

/* The set-memory row's act: the balloon (lock released), then the config. */
static int
act_set_memory(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	QemuConn *qc = t->opaque;
	const HvSetArg *a = arg;
	QemuDomain *d = qemu_dom(o);
	uint64_t kib = a->value;
	g_autoptr(QemuMon) m = NULL;
	int r = qemu_domain_live_change(d, a->flags, "memory", " (no memory hot-plug yet)", err);

	if (r < 0)
		return r;
	if (r == 0 && kib > qemu_dom_def(d)->max_memory_kib)
		return hv_error_set(err, EINVAL, "domain '%s': %" G_GUINT64_FORMAT " KiB is more than "
				    "its maximum memory of %" G_GUINT64_FORMAT " KiB", o->name, kib,
				    qemu_dom_def(d)->max_memory_kib);
	if (r == 0) {
		m = qemu_mon_ref(d->mon);
		hv_core_unlock(&qc->core);
		r = qemu_mon_balloon(m, kib, err);
		hv_core_lock(&qc->core);
		if (r == 0)
			r = hv_job_check(job, err);
		if (r < 0)
			return r;
		if (d->mon == m && qemu_dom_def(d)->current_memory_kib != kib) {
			qemu_dom_def(d)->current_memory_kib = kib; /* BALLOON_CHANGE: progress */
			qemu_emit_num(qc, o->name, "memory-changed", kib);
		}
	}
	if (a->flags & HV_AFFECT_CONFIG)
		return qemu_domain_set_count(qc, d, QEMU_COUNT_MEMORY, kib, a->flags, err);
	return 0;
}

/* ---- the domain class: the verb rows and the hooks */

#define MODIFY(v, fn, c) { .verb = (v), .job = { .cls = HV_JOB_MODIFY }, .act = (fn), .code = (c) }

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_START] = MODIFY("start", qemu_process_start, 0),
	[HV_VERB_DESTROY] = { .verb = "destroy", .job = { .cls = HV_JOB_DESTROY },
			      .act = qemu_process_destroy },
	[HV_VERB_SHUTDOWN] = MODIFY("shutdown", act_qmp, V_SHUTDOWN),
	[HV_VERB_REBOOT] = MODIFY("reboot", act_qmp, V_REBOOT),
	[HV_VERB_RESET] = MODIFY("reset", act_qmp, V_RESET),
	[HV_VERB_SUSPEND] = MODIFY("suspend", act_qmp, V_SUSPEND),
	[HV_VERB_RESUME] = MODIFY("resume", act_qmp, V_RESUME),
	[HV_VERB_SET_MEMORY] = MODIFY("set-memory", act_set_memory, 0),
	[HV_VERB_SET_VCPUS] = MODIFY("set-vcpus", qemu_set_vcpus, 0),
	[HV_VERB_STATS] = { .verb = "get-stats",
			    .job = { .name = "stats", .cls = HV_JOB_QUERY, .flags = HV_JOBF_TRY },
			    .act = qemu_domain_stats },
};

const HvObjClass qemu_domain_class = {
	.defs = &hv_domain_defs,
	.verbs = verbs,
	.prepare = qemu_domain_prepare,
	.info = qemu_domain_info,
	.info_free = (GDestroyNotify)hv_domain_info_free,
	.xml = qemu_domain_xml,
	.priv_new = qemu_domain_priv_new,
	.priv_free = qemu_domain_priv_free,
	.changed = qemu_net_live_changed,
};

/* ---- opening and closing */

static void
autostart_all(QemuConn *qc)
{
	g_autoptr(GPtrArray) names = hv_objtab_autostart_names(qc->domains);

	for (guint k = 0; k < names->len; k++) {
		g_autoptr(GError) err = NULL;

		if (hv_objtab_run(qc->domains, names->pdata[k], HV_VERB_START, NULL, &err) < 0)
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

	hv_core_lock(&qc->core);
	for (guint k = 0; k < hv_objtab_count(qc->domains); k++) {
		QemuDomain *d = qemu_dom(hv_objtab_nth(qc->domains, k));

		if (d->mon)
			g_ptr_array_add(qc->dead_mons, g_steal_pointer(&d->mon));
	}
	hv_core_unlock(&qc->core);
	qemu_reap_monitors(qc);
	hv_core_lock(&qc->core);
	if (qc->workers)
		g_debug("closing: waiting for %u helper thread(s) of running domains", qc->workers);
	while (qc->workers && g_cond_wait_until(&qc->cond, &qc->core.mutex, deadline))
		;
	if (qc->workers)
		g_warning("closing: %u helper thread(s) still running after 20 s", qc->workers);
	hv_core_unlock(&qc->core);
}

static void
qemu_conn_free(QemuConn *qc)
{
	if (!qc)
		return;
	qemu_console_stop_thread(qc);
	if (qc->domains)
		close_domains(qc);
	g_clear_pointer(&qc->domains, hv_objtab_free);
	g_clear_pointer(&qc->dead_mons, g_ptr_array_unref);
	g_clear_pointer(&qc->incoming, g_hash_table_unref);
	storage_tables_close(qc->storage);
	net_table_close(qc->conn);
	g_free(qc->lib_dir);
	g_free(qc->run_dir);
	g_free(qc->emulator);
	hv_core_clear(&qc->core);
	g_cond_clear(&qc->cond);
	g_free(qc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuConn, qemu_conn_free)

/* The domains a run/NAME.xml says were running (loaded active on their live
 * definition), re-attached once everything is loaded (monitors start threads
 * that take the lock). */
static void
note_live(HvObjTab *t, HvEntry *o, bool was_active, void *data)
{
	g_ptr_array_add(data, g_strdup(o->name));
}

static int
domains_open(HvConn *c, QemuConn *qc, GError **err)
{
	g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func(g_free);
	HvStore *store = hv_store_open(qc->lib_dir, qc->run_dir, err);

	if (!store)
		return -EIO;
	qc->domains = hv_objtab_new(&(HvObjTabConfig){ .cls = &qemu_domain_class,
						       .core = &qc->core, .opaque = qc,
						       .store = store, .sorted = true });
	c->tables[HV_OBJ_DOMAIN] = qc->domains;
	hv_objtab_load(qc->domains, NULL, NULL, NULL);
	hv_objtab_load_live(qc->domains, note_live, running);
	for (guint k = 0; k < running->len; k++)
		qemu_process_reattach(qc, running->pdata[k]);
	return 0;
}

static int
qemu_open(HvConn *c, GError **err)
{
	g_autoptr(QemuConn) qc = g_new0(QemuConn, 1);
	g_autofree char *secrets_dir = NULL;

	qc->conn = c;
	qc->mon_cb = &qemu_event_callbacks;
	hv_core_init(&qc->core, c);
	g_cond_init(&qc->cond);
	qc->next_id = 1;
	qc->con_wake = -1;
	qc->dead_mons = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_mon_unref);
	qc->incoming = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)g_ptr_array_unref);
	if (qemu_conf_dirs(qc, err) < 0)
		return -EINVAL;
	qc->emulator = g_find_program_in_path("qemu-system-x86_64");
	c->priv = qc;
	if (!(c->secrets = secret_store_open(c, secrets_dir = g_build_filename(qc->lib_dir,
							"secrets", NULL), err))) {
		c->priv = NULL;
		return -EIO;
	}
	/* pools and networks first: an autostarted domain may use their volumes
	 * or be on one */
	if (!(qc->storage = storage_tables_open(c, "qemu", qc->lib_dir, qc->run_dir,
						 !c->readonly, err)) ||
	    net_table_open(c, qc->lib_dir, qc->run_dir, !c->readonly, err) < 0 ||
	    domains_open(c, qc, err) < 0 || qemu_console_start_thread(qc, err) < 0) {
		c->priv = NULL;
		memset(c->tables, 0, sizeof(c->tables));
		g_clear_pointer(&c->secrets, secret_store_free);
		return -EIO;
	}
	if (!c->readonly)
		autostart_all(qc);
	g_steal_pointer(&qc);
	return 0;
}

static void
qemu_close(HvConn *c)
{
	g_clear_pointer((QemuConn **)&c->priv, qemu_conn_free);
	memset(c->tables, 0, sizeof(c->tables));
	g_clear_pointer(&c->secrets, secret_store_free);
}

/* ---- node */

static int
node_get_info(HvConn *c, HvNodeInfo *out, GError **err)
{
	/* KVM when /dev/kvm opens (whether it runs a guest well is another matter:
	 * docs/qemu-driver.md); TCG always */
	hv_host_node_info(out, access("/dev/kvm", R_OK | W_OK) == 0 ? "kvm tcg" : "tcg");
	return 0;
}

/* ---- the tables */

static const HvNodeOps qemu_node_ops = {
	.get_info = node_get_info,
};

static const HvDomainOps qemu_domain_ops = {
	HV_OBJOPS_DOMAIN,
	.console_read = qemu_console_read,
	.console_write = qemu_console_write,
	.screenshot = qemu_domain_screenshot,
	.get_addresses = net_table_dom_addresses,
	QEMU_SAVE_OPS,
	QEMU_MIGRATION_OPS,
};

static const char *const qemu_schemes[] = { "qemu", NULL };

const HvDriver hv_qemu_driver = {
	.name = "qemu",
	.schemes = qemu_schemes,
	.open = qemu_open,
	.close = qemu_close,
	.node = &qemu_node_ops,
	.domain = &qemu_domain_ops,
	.network = &net_table_ops,
	.pool = &hv_objops_pool,
	.volume = &hv_objops_volume,
	.secret = &hv_secret_store_ops,
	.snapshot = &qemu_snapshot_ops,
};
