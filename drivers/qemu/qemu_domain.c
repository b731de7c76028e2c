/* qemu_domain.c: the qemu driver's domain objects: the table of QemuDomain
 * by name (behind qc->lock), definitions checked and completed, persistence
 * (one XML file a domain, written atomically; autostart markers; loading at
 * open), redefinition while running, the XML of config.xml and live.xml, and
 * state changes with the events they emit. Nothing here talks to QEMU. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_domain.h"
#include "drivers/qemu/qemu_command.h"
#include "util/names.h"
#include "conf/xml.h"
#include "conf/conf_util.h"

static void
console_free(QemuConsole *con)
{
	if (!con)
		return;
	if (con->fd >= 0)
		close(con->fd);
	g_byte_array_unref(con->ring);
	g_free(con->pty);
	g_free(con);
}

static void
domain_free(QemuDomain *d)
{
	if (!d)
		return;
	g_free(d->name);
	hv_domain_def_free(d->def);
	hv_domain_def_free(d->newdef);
	qemu_mon_unref(d->mon);
	console_free(d->con);
	g_free(d->error);
	if (d->unplugging)
		g_ptr_array_unref(d->unplugging);
	g_free(d);
}

GHashTable *
qemu_domain_table_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)domain_free);
}

QemuDomain *
qemu_domain_find(QemuConn *qc, const char *name, GError **err)
{
	QemuDomain *d = name ? g_hash_table_lookup(qc->domains, name) : NULL;

	if (!d)
		hv_error_set(err, ENOENT, "domain '%s' not found", name ? name : "");
	return d;
}

QemuDomain *
qemu_domain_of_mon(QemuConn *qc, const char *name, QemuMon *m)
{
	QemuDomain *d = g_hash_table_lookup(qc->domains, name);

	return d && d->mon == m ? d : NULL;
}

QemuDomain *
qemu_domain_by_mon(QemuConn *qc, QemuMon *m)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, qc->domains);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((QemuDomain *)v)->mon == m)
			return v;
	return NULL;
}

HvDomainDef *
qemu_domain_config(QemuDomain *d)
{
	return d->newdef ? d->newdef : d->def;
}

bool
qemu_domain_active(const QemuDomain *d)
{
	return d->id >= 0;
}

static QemuDomain *
domain_add(QemuConn *qc, HvDomainDef *def, bool persistent)
{
	QemuDomain *d = g_new0(QemuDomain, 1);

	d->name = g_strdup(def->name);
	memcpy(d->uuid, def->uuid, HV_UUID_STRLEN);
	d->def = def;
	d->state = HV_DOMAIN_SHUTOFF;
	d->id = -1;
	d->persistent = persistent;
	g_hash_table_insert(qc->domains, d->name, d);
	return d;
}

/* ---- persistence */

int
qemu_domain_save(QemuConn *qc, const HvDomainDef *def, GError **err)
{
	return qemu_save_def(qc->lib_dir, "domain", def->name, hv_domain_def_format(def), err);
}

static HvDomainDef *
load_file(const char *path)
{
	g_autofree char *xml = NULL;
	gsize len;

	if (!g_file_get_contents(path, &xml, &len, NULL))
		return NULL;
	return hv_domain_def_parse(xml, len, NULL);
}

/* One definition file of dir k (0: lib, 1: run); its name must be NAME.xml. */
static void
load_one(QemuConn *qc, size_t k, const char *path, const char *f, GPtrArray *running)
{
	g_autofree char *auto_path = NULL;
	HvDomainDef *def;
	QemuDomain *d;

	if (!g_str_has_suffix(f, ".xml") || !(def = load_file(path)))
		return;
	if (!def->name || !g_str_has_prefix(f, def->name) || strlen(f) != strlen(def->name) + 4) {
		hv_domain_def_free(def);
		return;
	}
	d = g_hash_table_lookup(qc->domains, def->name);
	if (k == 0) {
		d = domain_add(qc, def, true);
		auto_path = g_build_filename(qc->lib_dir, "autostart", def->name, NULL);
		d->autostart = g_file_test(auto_path, G_FILE_TEST_EXISTS);
		return;
	}
	if (!d) {
		domain_add(qc, def, false);
	} else {
		d->newdef = d->def;
		d->def = def;
	}
	g_ptr_array_add(running, g_strdup(def->name));
}

/* Every lib/NAME.xml is a persistent domain; run/NAME.xml marks a running one
 * (its live definition), re-attached by the caller once everything is loaded
 * (monitors start threads that take the lock). */
GPtrArray *
qemu_domain_load_all(QemuConn *qc)
{
	const char *dirs[] = { qc->lib_dir, qc->run_dir };
	GPtrArray *running = g_ptr_array_new_with_free_func(g_free);

	g_mutex_lock(&qc->lock);
	for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++) {
		g_autoptr(GDir) dir = g_dir_open(dirs[k], 0, NULL);
		const char *f;

		while (dir && (f = g_dir_read_name(dir))) {
			g_autofree char *path = g_build_filename(dirs[k], f, NULL);

			load_one(qc, k, path, f, running);
		}
	}
	g_mutex_unlock(&qc->lock);
	return running;
}

/* ---- definitions */

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

int
qemu_domain_define(QemuConn *qc, HvDomainDef *def, GError **err)
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
		domain_add(qc, g_steal_pointer(&owned), true);
		qemu_emit(qc, def->name, "defined", "added");
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

static void
unlink_defs(QemuConn *qc, const char *name)
{
	g_autofree char *xml = g_strdup_printf("%s/%s.xml", qc->lib_dir, name);
	g_autofree char *autostart = g_build_filename(qc->lib_dir, "autostart", name, NULL);

	unlink(xml);
	unlink(autostart);
}

int
qemu_domain_undefine(QemuConn *qc, const char *name, GError **err)
{
	QemuDomain *d = qemu_domain_find(qc, name, err);

	if (!d)
		return -ENOENT;
	if (!d->persistent)
		return hv_error_set(err, EBUSY, "cannot undefine transient domain '%s'", name);
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
	return 0;
}

int
qemu_domain_set_autostart(QemuConn *qc, const char *name, bool on, GError **err)
{
	g_autofree char *path = g_build_filename(qc->lib_dir, "autostart", name, NULL);
	QemuDomain *d = qemu_domain_find(qc, name, err);
	int r = 0;

	if (!d)
		return -ENOENT;
	if (!d->persistent)
		return hv_error_set(err, EBUSY, "cannot set autostart for transient domain '%s'",
				    name);
	if (d->autostart == on)
		return 0;
	if (on && !g_file_set_contents(path, "", 0, NULL))
		r = hv_error_set(err, EIO, "cannot write '%s'", path);
	else if (!on && unlink(path) < 0 && errno != ENOENT)
		r = hv_error_set(err, errno, "cannot remove '%s': %s", path, g_strerror(errno));
	if (r == 0) {
		d->autostart = on;
		qemu_emit(qc, name, "autostart-changed", on ? "1" : "0");
	}
	return r;
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
				    " KiB is out of range (1 MiB to 4 TiB)", d->name, n);
	if (kind == QEMU_COUNT_MEMORY)
		return hv_error_set(err, EINVAL, "domain '%s': %" G_GUINT64_FORMAT " KiB is more "
				    "than its maximum memory of %" G_GUINT64_FORMAT " KiB", d->name,
				    n, max);
	if (range)
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is out of range (1 to %u)",
				    d->name, (unsigned)n, QEMU_MAX_VCPUS);
	return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is more than its maximum of %u",
			    d->name, (unsigned)n, (unsigned)max);
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
	if (d->persistent && (r = qemu_domain_save(qc, cfg, err)) < 0) {
		count_store(cfg, kind, cur, max);
		return r;
	}
	if (qemu_domain_active(d))
		return 0; /* the files show the live values */
	if (new_max != max)
		qemu_emit_num(qc, d->name, counts[kind].max_event, new_max);
	if (new_cur != cur)
		qemu_emit_num(qc, d->name, counts[kind].event, new_cur);
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
				    "'%s'%s", what, d->name, max_why);
	if (!qemu_domain_active(d) || !d->mon || d->busy)
		return hv_error_set(err, EBUSY, "cannot change the %s of domain '%s': domain is "
				    "not running", what, d->name);
	return 0;
}

int
qemu_domain_get_mon(QemuConn *qc, const char *name, QemuDomainCheck check, void *opaque,
		    QemuMon **m, GError **err)
{
	QemuDomain *d;
	int r;

	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if ((r = check ? check(d, opaque, err) : 0) == 0 && d->mon)
		*m = qemu_mon_ref(d->mon);
	g_mutex_unlock(&qc->lock);
	return r < 0 ? r : 0;
}

/* ---- XML */

char *
qemu_domain_format(QemuDomain *d, unsigned flags, char **pty)
{
	if (flags & HV_XML_INACTIVE)
		return hv_domain_def_format(qemu_domain_config(d));
	if (qemu_domain_active(d) && d->con)
		*pty = g_strdup(d->con->pty);
	return hv_domain_def_format_live(d->def, d->id);
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
	hv_conn_emit(qc->conn, HV_OBJ_DOMAIN, NULL, name, event, detail);
}

void
qemu_emit_num(QemuConn *qc, const char *name, const char *event, uint64_t n)
{
	char s[32];

	g_snprintf(s, sizeof(s), "%" G_GUINT64_FORMAT, n);
	qemu_emit(qc, name, event, s);
}

void
qemu_domain_set_state(QemuConn *qc, QemuDomain *d, HvDomainState s, int reason,
		      const char *event, const char *detail)
{
	d->state = s;
	d->reason = reason;
	qemu_emit(qc, d->name, event, detail);
}

void
qemu_reap_monitors(QemuConn *qc)
{
	g_autoptr(GPtrArray) dead = NULL;

	g_mutex_lock(&qc->lock);
	dead = g_steal_pointer(&qc->dead_mons);
	qc->dead_mons = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_mon_unref);
	g_mutex_unlock(&qc->lock);
	for (guint k = 0; k < dead->len; k++)
		qemu_mon_close(dead->pdata[k]);
}
