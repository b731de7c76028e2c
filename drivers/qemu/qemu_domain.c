/* qemu_domain.c: the qemu driver's domain ops: bulk list, info (no QMP round
 * trip: state comes from events), XML, define/undefine with persistence, the
 * verbs (QMP commands in one table of allowed states; start and destroy in
 * qemu_process.c), memory through the balloon, autostart and stats. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_priv.h"
#include "drivers/qemu/qemu_command.h"
#include "util/names.h"
#include "conf/xml.h"
#include "conf/conf_util.h"

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

static HvDomainInfo *
info_new(QemuDomain *d)
{
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
	GHashTableIter it;
	gpointer v;
	GPtrArray *a;

	g_mutex_lock(&qc->lock);
	a = g_ptr_array_new_full(g_hash_table_size(qc->domains), (GDestroyNotify)hv_domain_info_free);
	g_hash_table_iter_init(&it, qc->domains);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(a, info_new(v));
	g_mutex_unlock(&qc->lock);
	g_ptr_array_sort(a, info_cmp);
	*out = a;
	return 0;
}

static int
dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;

	g_mutex_lock(&qc->lock);
	if ((d = qemu_domain_find(qc, name, err)))
		*out = info_new(d);
	g_mutex_unlock(&qc->lock);
	return d ? 0 : -ENOENT;
}

/* The runtime facts of the live XML that the definition does not hold: the
 * serial's pty as <source path=> of pty serials and consoles (and tty= on a
 * console), as libvirt shows them. Takes xml. */
static char *
live_runtime(char *xml, const char *pty)
{
	g_autofree char *owned = xml;
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *devs;

	if (!pty || !(doc = hv_xml_parse(xml, strlen(xml), "live XML", NULL)))
		return g_steal_pointer(&owned);
	devs = hv_xml_child(xmlDocGetRootElement(doc), "devices");
	for (xmlNode *n = devs ? devs->children : NULL; n; n = n->next) {
		g_autofree char *type = NULL;
		bool console;
		xmlNode *src;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		console = xmlStrEqual(n->name, (const xmlChar *)"console");
		if (!console && !xmlStrEqual(n->name, (const xmlChar *)"serial"))
			continue;
		if (!(type = hv_xml_prop(n, "type")) || !g_str_equal(type, "pty"))
			continue;
		if (console)
			hv_xml_set_prop(n, "tty", pty);
		if (!(src = hv_xml_child(n, "source"))) {
			src = xmlNewNode(NULL, (const xmlChar *)"source");
			if (n->children)
				xmlAddPrevSibling(hv_xml_child(n, "target") ?: n->children, src);
			else
				xmlAddChild(n, src);
		}
		hv_xml_set_prop(src, "path", pty);
	}
	return hv_xml_format(xmlDocGetRootElement(doc)) ?: g_steal_pointer(&owned);
}

static int
dom_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *pty = NULL;
	QemuDomain *d;

	g_mutex_lock(&qc->lock);
	if ((d = qemu_domain_find(qc, name, err))) {
		*xml = (flags & HV_XML_INACTIVE) ? hv_domain_def_format(qemu_domain_config(d))
						 : hv_domain_def_format_live(d->def, d->id);
		if (!(flags & HV_XML_INACTIVE) && qemu_domain_active(d) && d->con)
			pty = g_strdup(d->con->pty);
	}
	g_mutex_unlock(&qc->lock);
	if (pty && *xml)
		*xml = live_runtime(*xml, pty);
	if (d && !*xml)
		return hv_error_set(err, EIO, "cannot format the XML of domain '%s'", name);
	return d ? 0 : -ENOENT;
}

/* Checks and completes a definition: type, sizes, uuid, MAC addresses. */
static int
prepare_def(HvDomainDef *def, GError **err)
{
	if (hv_name_check("domain", def->name, err) < 0)
		return -EINVAL;
	if (!qemu_command_accel(def))
		return hv_error_set(err, EINVAL, "domain '%s': type '%s' is not served by the qemu "
				    "driver (use 'qemu' or 'kvm')", def->name,
				    def->type ? def->type : "");
	if (def->max_memory_kib < 1024 || def->max_memory_kib > QEMU_MAX_MEMORY_KIB)
		return hv_error_set(err, EINVAL, "domain '%s': memory of %" G_GUINT64_FORMAT
				    " KiB is out of range (1 MiB to 4 TiB)", def->name,
				    def->max_memory_kib);
	if (def->current_memory_kib == 0 || def->current_memory_kib > def->max_memory_kib)
		def->current_memory_kib = def->max_memory_kib;
	if (def->max_vcpus == 0 || def->max_vcpus > QEMU_MAX_VCPUS)
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is out of range (1 to %u)",
				    def->name, def->max_vcpus, QEMU_MAX_VCPUS);
	if (def->vcpus == 0)
		def->vcpus = def->max_vcpus;
	if (def->vcpus > def->max_vcpus)
		return hv_error_set(err, EINVAL, "domain '%s': %u current vCPUs is more than its "
				    "maximum of %u", def->name, def->vcpus, def->max_vcpus);
	hv_domain_def_ensure_uuid(def);
	for (guint k = 0; def->interfaces && k < def->interfaces->len; k++) {
		HvDomainNetDef *n = def->interfaces->pdata[k];

		if (!n->mac)
			n->mac = g_strdup_printf("52:54:00:%02x:%02x:%02x", g_random_int_range(0, 256),
						 g_random_int_range(0, 256), g_random_int_range(0, 256));
	}
	return 0;
}

static QemuDomain *
find_uuid(QemuConn *qc, const char *uuid)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, qc->domains);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (g_str_equal(((QemuDomain *)v)->uuid, uuid))
			return v;
	return NULL;
}

/* Steals def; lock held. */
static int
define_locked(QemuConn *qc, HvDomainDef *def, GError **err)
{
	g_autoptr(HvDomainDef) owned = def;
	QemuDomain *d = g_hash_table_lookup(qc->domains, def->name);
	QemuDomain *other;
	int r;

	if (d && def->uuid[0] && strcmp(def->uuid, d->uuid) != 0)
		return hv_error_set(err, EEXIST, "domain '%s' already exists with uuid %s", d->name,
				    d->uuid);
	if (d)
		memcpy(def->uuid, d->uuid, HV_UUID_STRLEN);
	if ((r = prepare_def(def, err)) < 0)
		return r;
	if (!d && (other = find_uuid(qc, def->uuid)))
		return hv_error_set(err, EEXIST, "domain '%s' already exists with uuid %s",
				    other->name, other->uuid);
	if ((r = qemu_domain_save(qc, def, err)) < 0)
		return r;
	if (!d) {
		d = g_new0(QemuDomain, 1);
		d->name = g_strdup(def->name);
		memcpy(d->uuid, def->uuid, HV_UUID_STRLEN);
		d->def = g_steal_pointer(&owned);
		d->state = HV_DOMAIN_SHUTOFF;
		d->id = -1;
		d->persistent = true;
		g_hash_table_insert(qc->domains, d->name, d);
		qemu_emit(qc, d->name, "defined", "added");
		return 0;
	}
	if (qemu_domain_active(d)) {
		hv_domain_def_free(d->newdef);
		d->newdef = g_steal_pointer(&owned);
	} else {
		hv_domain_def_free(d->def);
		d->def = g_steal_pointer(&owned);
	}
	d->persistent = true;
	qemu_emit(qc, d->name, "defined", "updated");
	return 0;
}

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
	r = define_locked(qc, def, err);
	g_mutex_unlock(&qc->lock);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

static void
unlink_defs(QemuConn *qc, const char *name)
{
	g_autofree char *xml = g_strdup_printf("%s/%s.xml", qc->lib_dir, name);
	g_autofree char *autostart = g_build_filename(qc->lib_dir, "autostart", name, NULL);

	unlink(xml);
	unlink(autostart);
}

static int
dom_undefine(HvConn *c, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;
	int r = 0;

	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err))) {
		r = -ENOENT;
	} else if (!d->persistent) {
		r = hv_error_set(err, EBUSY, "cannot undefine transient domain '%s'", name);
	} else {
		unlink_defs(qc, name);
		qemu_emit(qc, name, "undefined", "removed");
		if (d->autostart) {
			d->autostart = false;
			qemu_emit(qc, name, "autostart-changed", "0");
		}
		if (!qemu_domain_active(d) && !d->busy) {
			g_hash_table_remove(qc->domains, name);
		} else {
			d->persistent = false;
			g_clear_pointer(&d->newdef, hv_domain_def_free);
		}
	}
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

static const QmpVerb qmp_verbs[] = {
	{ "shutdown", "system_powerdown", NULL, S(RUNNING) | S(BLOCKED), "domain is not running" },
	{ "reboot", "system_reset", NULL, S(RUNNING) | S(BLOCKED), "domain is not running", true },
	{ "reset", "system_reset", NULL, S(RUNNING) | S(BLOCKED) | S(PAUSED) | S(SHUTDOWN),
	  "domain is not running" },
	{ "suspend", "stop", NULL, S(RUNNING) | S(BLOCKED), "domain is not running" },
	{ "resume", "cont", NULL, S(PAUSED), "domain is not paused" },
};

static int
run_qmp_verb(HvConn *c, const char *name, const QmpVerb *v, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autoptr(QemuMon) m = NULL;
	QemuDomain *d;
	int r = 0;

	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if (!qemu_domain_active(d) || d->busy || !d->mon)
		r = hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", v->verb, name,
				 qemu_domain_active(d) ? "domain is starting or stopping"
						       : "domain is not running");
	else if (!(v->states & (1u << d->state)))
		r = hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", v->verb, name, v->why);
	else {
		m = qemu_mon_ref(d->mon);
		if (v->reboot)
			d->reboot_asked = true;
	}
	g_mutex_unlock(&qc->lock);
	if (r < 0)
		return r;
	return qemu_mon_command(m, v->command, v->args, NULL, err);
}

static const QmpVerb *
qmp_verb(const char *verb)
{
	for (size_t k = 0; k < G_N_ELEMENTS(qmp_verbs); k++)
		if (g_str_equal(qmp_verbs[k].verb, verb))
			return &qmp_verbs[k];
	g_assert_not_reached();
}

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

static int dom_shutdown(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, qmp_verb("shutdown"), e); }
static int dom_reboot(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, qmp_verb("reboot"), e); }
static int dom_reset(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, qmp_verb("reset"), e); }
static int dom_suspend(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, qmp_verb("suspend"), e); }
static int dom_resume(HvConn *c, const char *n, GError **e) { return run_qmp_verb(c, n, qmp_verb("resume"), e); }

/* ---- memory, autostart (stats: qemu_stats.c) */

static void
emit_kib(QemuConn *qc, const char *name, const char *event, uint64_t kib)
{
	char s[32];

	g_snprintf(s, sizeof(s), "%" G_GUINT64_FORMAT, kib);
	qemu_emit(qc, name, event, s);
}

/* The persistent half of set_memory; lock held. */
static int
set_memory_config(QemuConn *qc, QemuDomain *d, uint64_t kib, unsigned flags, GError **err)
{
	HvDomainDef *cfg = qemu_domain_config(d);
	uint64_t old_cur = cfg->current_memory_kib, old_max = cfg->max_memory_kib;
	int r;

	if (flags & HV_MAXIMUM) {
		if (kib < 1024 || kib > QEMU_MAX_MEMORY_KIB)
			return hv_error_set(err, EINVAL, "domain '%s': memory of %" G_GUINT64_FORMAT
					    " KiB is out of range (1 MiB to 4 TiB)", d->name, kib);
		cfg->max_memory_kib = kib;
		if (cfg->current_memory_kib > kib)
			cfg->current_memory_kib = kib;
	} else if (kib > cfg->max_memory_kib) {
		return hv_error_set(err, EINVAL, "domain '%s': %" G_GUINT64_FORMAT " KiB is more "
				    "than its maximum memory of %" G_GUINT64_FORMAT " KiB", d->name,
				    kib, cfg->max_memory_kib);
	} else {
		cfg->current_memory_kib = kib;
	}
	if (d->persistent && (r = qemu_domain_save(qc, cfg, err)) < 0) {
		cfg->current_memory_kib = old_cur;
		cfg->max_memory_kib = old_max;
		return r;
	}
	if (qemu_domain_active(d))
		return 0; /* the files show the live values */
	if (cfg->max_memory_kib != old_max)
		emit_kib(qc, d->name, "max-memory-changed", cfg->max_memory_kib);
	if (cfg->current_memory_kib != old_cur)
		emit_kib(qc, d->name, "memory-changed", cfg->current_memory_kib);
	return 0;
}

static int
dom_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autoptr(QemuMon) m = NULL;
	g_autofree char *args = NULL;
	QemuDomain *d;
	int r = 0;

	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if ((flags & HV_AFFECT_LIVE) && (flags & HV_MAXIMUM))
		r = hv_error_set(err, EBUSY, "cannot change the maximum memory of running domain "
				 "'%s' (no memory hot-plug yet)", name);
	else if ((flags & HV_AFFECT_LIVE) && (!qemu_domain_active(d) || !d->mon || d->busy))
		r = hv_error_set(err, EBUSY, "cannot change the memory of domain '%s': domain is "
				 "not running", name);
	else if ((flags & HV_AFFECT_LIVE) && kib > d->def->max_memory_kib)
		r = hv_error_set(err, EINVAL, "domain '%s': %" G_GUINT64_FORMAT " KiB is more than "
				 "its maximum memory of %" G_GUINT64_FORMAT " KiB", name, kib,
				 d->def->max_memory_kib);
	else if (flags & HV_AFFECT_LIVE)
		m = qemu_mon_ref(d->mon);
	g_mutex_unlock(&qc->lock);
	if (r < 0)
		return r;
	if (m) {
		args = g_strdup_printf("{\"value\":%" G_GUINT64_FORMAT "}", kib * 1024);
		if ((r = qemu_mon_command(m, "balloon", args, NULL, err)) < 0)
			return r;
	}
	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	if (r == 0 && m && qemu_domain_active(d) && d->def->current_memory_kib != kib) {
		d->def->current_memory_kib = kib; /* the target; BALLOON_CHANGE reports progress */
		emit_kib(qc, name, "memory-changed", kib);
	}
	if (r == 0 && (flags & HV_AFFECT_CONFIG))
		r = set_memory_config(qc, d, kib, flags, err);
	g_mutex_unlock(&qc->lock);
	return r;
}

static int
dom_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *path = g_build_filename(qc->lib_dir, "autostart", name, NULL);
	QemuDomain *d;
	int r = 0;

	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if (!d->persistent)
		r = hv_error_set(err, EBUSY, "cannot set autostart for transient domain '%s'", name);
	else if (d->autostart != on) {
		if (on && !g_file_set_contents(path, "", 0, NULL))
			r = hv_error_set(err, EIO, "cannot write '%s'", path);
		else if (!on && unlink(path) < 0 && errno != ENOENT)
			r = hv_error_set(err, errno, "cannot remove '%s': %s", path, g_strerror(errno));
		if (r == 0) {
			d->autostart = on;
			qemu_emit(qc, name, "autostart-changed", on ? "1" : "0");
		}
	}
	g_mutex_unlock(&qc->lock);
	return r;
}

const HvDomainOps qemu_domain_ops = {
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
