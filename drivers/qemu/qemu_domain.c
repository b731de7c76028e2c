/* qemu_domain.c: the qemu driver's domain objects in the shared table
 * (drivers/objtab.h: lookups, define/undefine/autostart, persistence in
 * LIB/NAME.xml): QemuDomain beside each entry, the class hooks (definitions
 * checked and completed, info, the XML of config.xml and live.xml), counts
 * with a maximum, and state changes with the events they emit. Nothing here
 * talks to QEMU. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_domain.h"
#include "drivers/qemu/qemu_command.h"
#include "util/names.h"
#include "conf/xml.h"
#include "conf/conf_util.h"
#include "drivers/objstore.h"

static void
console_free(QemuConsole *con)
{
	if (!con)
		return;
	if (con->fd >= 0)
		close(con->fd);
	hv_ring_clear(&con->ring);
	g_free(con->pty);
	g_free(con);
}

void *
qemu_domain_priv_new(HvObjTab *t, HvEntry *o)
{
	QemuDomain *d = g_new0(QemuDomain, 1);

	d->o = o;
	d->state = HV_DOMAIN_SHUTOFF;
	d->id = -1;
	return d;
}

void
qemu_domain_priv_free(void *priv)
{
	QemuDomain *d = priv;

	if (!d)
		return;
	qemu_mon_unref(d->mon);
	console_free(d->con);
	g_free(d->error);
	if (d->unplugging)
		g_ptr_array_unref(d->unplugging);
	g_free(d);
}

QemuDomain *
qemu_domain_find(QemuConn *qc, const char *name, GError **err)
{
	HvEntry *o = hv_objtab_find(qc->domains, name ? name : "", err);

	return o ? qemu_dom(o) : NULL;
}

QemuDomain *
qemu_domain_lookup(QemuConn *qc, const char *name)
{
	HvEntry *o = hv_objtab_lookup(qc->domains, name);

	return o ? qemu_dom(o) : NULL;
}

QemuDomain *
qemu_domain_of_mon(QemuConn *qc, const char *name, QemuMon *m)
{
	HvEntry *o = hv_objtab_lookup(qc->domains, name);

	return o && qemu_dom(o)->mon == m ? qemu_dom(o) : NULL;
}

QemuDomain *
qemu_domain_by_mon(QemuConn *qc, QemuMon *m)
{
	for (guint k = 0; k < hv_objtab_count(qc->domains); k++) {
		QemuDomain *d = qemu_dom(hv_objtab_nth(qc->domains, k));

		if (d->mon == m)
			return d;
	}
	return NULL;
}

HvDomainDef *
qemu_domain_config(QemuDomain *d)
{
	return hv_entry_config(d->o);
}

bool
qemu_domain_active(const QemuDomain *d)
{
	return d->o->active;
}

bool
qemu_domain_starting(QemuDomain *d)
{
	return d->o->jobs.modify && g_str_equal(hv_job_name(d->o->jobs.modify), "start");
}

/* ---- persistence */

int
qemu_domain_save(QemuConn *qc, const HvDomainDef *def, GError **err)
{
	g_autofree char *xml = hv_domain_def_format(def);

	if (!xml)
		return hv_error_set(err, EIO, "cannot format domain '%s'", def->name);
	return hv_store_write(qc->domains->store, def->name, xml, err);
}

/* ---- the class hooks */

/* Checks and completes a definition: type, sizes, uuid, MAC addresses, NIC
 * models, and the qemu post-parse of the formatter with its checks. */
int
qemu_domain_prepare(HvObjTab *t, HvEntry *existing, void *p, GError **err)
{
	HvDomainDef *def = p;

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
		/* the NIC this driver gives QEMU (qemu_command.c), shown as such */
		if (!n->model && g_strcmp0(n->type, "hostdev"))
			n->model = g_strdup(QEMU_DEFAULT_NIC_MODEL);
	}
	/* what libvirt's qemu driver adds after parsing: implicit controllers,
	 * default devices, addresses (conf/qemu_postparse.c) */
	def->postparse = HV_DOMAIN_POSTPARSE_QEMU;
	return hv_domain_def_postparse_check(def, err);
}

/* QEMU's CPU time, read from /proc at most every 10 ms: every file of a
 * domain folder (state, memory...) comes from the same info, and a `cat state`
 * loop must not pay a /proc read each time. */
static uint64_t
cpu_ns(QemuDomain *d)
{
	gint64 now = g_get_monotonic_time();

	if (!d->pid || !qemu_domain_active(d))
		return 0;
	if (d->cpu_pid != d->pid || now - d->cpu_ns_at >= 10000 || now < d->cpu_ns_at) {
		d->cpu_ns = qemu_process_cpu_ns(d->pid);
		d->cpu_ns_at = now;
		d->cpu_pid = d->pid;
	}
	return d->cpu_ns;
}

/* No QMP round trip: the state comes from events. */
void *
qemu_domain_info(HvObjTab *t, HvEntry *o)
{
	QemuDomain *d = qemu_dom(o);
	HvDomainInfo *i = hv_entry_domain_info(o, d->state, d->reason, d->id);

	if (!i->os_type)
		i->os_type = g_strdup("hvm");
	i->cpu_time_ns = cpu_ns(d);
	i->accel = g_strdup(qemu_command_accel(o->def.domain));
	return i;
}

/* config.xml (HV_XML_INACTIVE) or live.xml, with the serial's pty. */
char *
qemu_domain_xml(HvObjTab *t, HvEntry *o, unsigned flags)
{
	QemuDomain *d = qemu_dom(o);
	char *xml;

	if (flags & HV_XML_INACTIVE)
		return hv_domain_def_format(hv_entry_config(o));
	xml = hv_domain_def_format_live(o->def.domain, d->id);
	if (xml && qemu_domain_active(d) && d->con && d->con->pty)
		xml = qemu_domain_live_runtime(xml, d->con->pty);
	return xml;
}

/* ---- counts with a maximum */

static const struct {
	const char *event, *max_event;
	uint64_t max_lo, max_hi; /* the range of the maximum */
} counts[] = {
	[QEMU_COUNT_MEMORY] = { "memory-changed", "max-memory-changed", 1024, QEMU_MAX_MEMORY_KIB },
	[QEMU_COUNT_VCPUS] = { "vcpus-changed", "max-vcpus-changed", 0, QEMU_MAX_VCPUS },
};

/* n refused: out of the maximum's range, or above the maximum max. */
static int
count_refused(QemuDomain *d, QemuCount kind, bool range, uint64_t n, uint64_t max,
	      GError **err)
{
	if (kind == QEMU_COUNT_MEMORY && range)
		return hv_error_set(err, EINVAL, "domain '%s': memory of %" G_GUINT64_FORMAT
				    " KiB is out of range (1 MiB to 4 TiB)", d->o->name, n);
	if (kind == QEMU_COUNT_MEMORY)
		return hv_error_set(err, EINVAL, "domain '%s': %" G_GUINT64_FORMAT " KiB is more "
				    "than its maximum memory of %" G_GUINT64_FORMAT " KiB", d->o->name,
				    n, max);
	if (range)
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is out of range (1 to %u)",
				    d->o->name, (unsigned)n, QEMU_MAX_VCPUS);
	return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is more than its maximum of %u",
			    d->o->name, (unsigned)n, (unsigned)max);
}

static void
count_store(HvDomainDef *cfg, QemuCount kind, uint64_t cur, uint64_t max)
{
	if (kind == QEMU_COUNT_MEMORY) {
		cfg->current_memory_kib = cur;
		cfg->max_memory_kib = max;
	} else {
		cfg->vcpus = (unsigned)cur;
		cfg->max_vcpus = (unsigned)max;
	}
}

int
qemu_domain_set_count(QemuConn *qc, QemuDomain *d, QemuCount kind, uint64_t n, unsigned flags,
		      GError **err)
{
	HvDomainDef *cfg = qemu_domain_config(d);
	bool mem = kind == QEMU_COUNT_MEMORY;
	uint64_t cur = mem ? cfg->current_memory_kib : cfg->vcpus;
	uint64_t max = mem ? cfg->max_memory_kib : cfg->max_vcpus;
	uint64_t new_cur = n, new_max = max;
	int r;

	if ((flags & HV_MAXIMUM) && (n < counts[kind].max_lo || n > counts[kind].max_hi))
		return count_refused(d, kind, true, n, max, err);
	if (flags & HV_MAXIMUM) {
		new_max = n;
		new_cur = MIN(cur, n);
	} else if (n > max) {
		return count_refused(d, kind, false, n, max, err);
	}
	count_store(cfg, kind, new_cur, new_max);
	if (d->o->persistent && (r = qemu_domain_save(qc, cfg, err)) < 0) {
		count_store(cfg, kind, cur, max);
		return r;
	}
	if (qemu_domain_active(d))
		return 0; /* the files show the live values */
	if (new_max != max)
		qemu_emit_num(qc, d->o->name, counts[kind].max_event, new_max);
	if (new_cur != cur)
		qemu_emit_num(qc, d->o->name, counts[kind].event, new_cur);
	return 0;
}

int
qemu_domain_live_change(QemuDomain *d, unsigned flags, const char *what, const char *max_why,
			GError **err)
{
	if (!(flags & HV_AFFECT_LIVE))
		return 1;
	if (flags & HV_MAXIMUM)
		return hv_error_set(err, EBUSY, "cannot change the maximum %s of running domain "
				    "'%s'%s", what, d->o->name, max_why);
	if (!qemu_domain_active(d) || !d->mon)
		return hv_error_set(err, EBUSY, "cannot change the %s of domain '%s': domain is "
				    "not running", what, d->o->name);
	return 0;
}

/* The serial's pty as <source path=> of pty serials and consoles (and tty=
 * on a console), as libvirt shows them. */
char *
qemu_domain_live_runtime(char *xml, const char *pty)
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

/* ---- state and events */

void
qemu_emit(QemuConn *qc, const char *name, const char *event, const char *detail)
{
	hv_core_emit(&qc->core, HV_OBJ_DOMAIN, NULL, name, event, detail);
}

void
qemu_emit_num(QemuConn *qc, const char *name, const char *event, uint64_t n)
{
	hv_core_emit_u64(&qc->core, HV_OBJ_DOMAIN, NULL, name, event, n);
}

void
qemu_domain_set_state(QemuConn *qc, QemuDomain *d, HvDomainState s, int reason,
		      const char *event, const char *detail)
{
	d->state = s;
	d->reason = reason;
	qemu_emit(qc, d->o->name, event, detail);
}

void
qemu_reap_monitors(QemuConn *qc)
{
	g_autoptr(GPtrArray) dead = NULL;

	hv_core_lock(&qc->core);
	dead = g_steal_pointer(&qc->dead_mons);
	qc->dead_mons = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_mon_unref);
	hv_core_unlock(&qc->core);
	for (guint k = 0; k < dead->len; k++)
		qemu_mon_close(dead->pdata[k]);
}
