/* qemu_driver.c: the qemu driver (scheme "qemu"): opening a connection
 * (qemu:///system, qemu:///session, ?root=DIR), its folders, loading the
 * persistent definitions and re-attaching to running QEMU processes,
 * persistence (one XML file a domain, written atomically), and node info.
 * Storage pools and volumes are in qemu_pool.c and qemu_volume.c. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "drivers/qemu/qemu_priv.h"
#include "util/names.h"

static void
domain_free(QemuDomain *d)
{
	if (!d)
		return;
	g_free(d->name);
	hv_domain_def_free(d->def);
	hv_domain_def_free(d->newdef);
	qemu_mon_unref(d->mon);
	qemu_console_free(d->con);
	g_free(d->error);
	if (d->unplugging)
		g_ptr_array_unref(d->unplugging);
	g_free(d);
}

QemuDomain *
qemu_domain_find(QemuConn *qc, const char *name, GError **err)
{
	QemuDomain *d = name ? g_hash_table_lookup(qc->domains, name) : NULL;

	if (!d)
		hv_error_set(err, ENOENT, "domain '%s' not found", name ? name : "");
	return d;
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

char *
qemu_run_path(QemuConn *qc, const char *name, const char *ext)
{
	return g_strdup_printf("%s/%s.%s", qc->run_dir, name, ext);
}

void
qemu_emit(QemuConn *qc, const char *name, const char *event, const char *detail)
{
	hv_conn_emit(qc->conn, HV_OBJ_DOMAIN, NULL, name, event, detail);
}

/* Written to a temporary file in the same folder and renamed over the old one. */
int
qemu_domain_save(QemuConn *qc, const HvDomainDef *def, GError **err)
{
	g_autofree char *xml = hv_domain_def_format(def);
	g_autofree char *path = g_strdup_printf("%s/%s.xml", qc->lib_dir, def->name);
	g_autoptr(GError) lerr = NULL;

	if (!xml)
		return hv_error_set(err, EIO, "cannot format domain '%s'", def->name);
	if (!g_file_set_contents_full(path, xml, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &lerr))
		return hv_error_set(err, EIO, "cannot save domain '%s' to '%s': %s", def->name, path,
				    lerr->message);
	return 0;
}

void
qemu_worker_end(QemuConn *qc)
{
	g_mutex_lock(&qc->lock);
	qc->workers--;
	g_cond_broadcast(&qc->cond);
	g_mutex_unlock(&qc->lock);
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

/* ---- opening */

static int
dirs_from_uri(HvConn *c, QemuConn *qc, GError **err)
{
	const char *path = g_uri_get_path(c->uri);
	const char *query = g_uri_get_query(c->uri);
	g_autoptr(GHashTable) kv = NULL;
	const char *root = NULL;
	GHashTableIter it;
	gpointer k, v;

	if (query && *query) {
		if (!(kv = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL)))
			return hv_error_set(err, EINVAL, "invalid query in URI '%s'", c->uri_str);
		g_hash_table_iter_init(&it, kv);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			if (!g_str_equal(k, "root"))
				return hv_error_set(err, EINVAL, "unknown parameter '%s' in URI '%s' "
						    "(known: root)", (char *)k, c->uri_str);
			root = v;
		}
	}
	if (g_uri_get_host(c->uri) && *g_uri_get_host(c->uri))
		return hv_error_set(err, ENOTSUP, "URI '%s' names a remote host: the qemu driver is "
				    "local only", c->uri_str);
	if (root && !g_path_is_absolute(root))
		return hv_error_set(err, EINVAL, "URI '%s': root '%s' is not an absolute path",
				    c->uri_str, root);
	if (g_strcmp0(path, "/system") == 0) {
		qc->lib_dir = root ? g_build_filename(root, "lib", NULL) : g_strdup("/var/lib/hyperfs/qemu");
		qc->run_dir = root ? g_build_filename(root, "run", NULL) : g_strdup("/run/hyperfs/qemu");
	} else if (g_strcmp0(path, "/session") == 0) {
		qc->lib_dir = root ? g_build_filename(root, "lib", NULL)
				   : g_build_filename(g_get_user_config_dir(), "hyperfs", "qemu", NULL);
		qc->run_dir = root ? g_build_filename(root, "run", NULL)
				   : g_build_filename(g_get_user_runtime_dir(), "hyperfs", "qemu", NULL);
	} else {
		return hv_error_set(err, EINVAL, "URI '%s' names no qemu node: use qemu:///system or "
				    "qemu:///session", c->uri_str);
	}
	return 0;
}

static int
make_dirs(QemuConn *qc, GError **err)
{
	g_autofree char *autostart = g_build_filename(qc->lib_dir, "autostart", NULL);
	const char *dirs[] = { qc->lib_dir, autostart, qc->run_dir };

	for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++)
		if (g_mkdir_with_parents(dirs[k], 0700) < 0)
			return hv_error_set(err, errno, "cannot create folder '%s': %s", dirs[k],
					    g_strerror(errno));
	return 0;
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

static HvDomainDef *
load_file(const char *path)
{
	g_autofree char *xml = NULL;
	gsize len;

	if (!g_file_get_contents(path, &xml, &len, NULL))
		return NULL;
	return hv_domain_def_parse(xml, len, NULL);
}

/* Every lib/NAME.xml is a persistent domain; run/NAME.xml marks a running one
 * (its live definition), re-attached through run/NAME.pid and run/NAME.qmp
 * once everything is loaded (monitors start threads that take the lock). */
static void
load_domains(QemuConn *qc)
{
	const char *dirs[] = { qc->lib_dir, qc->run_dir };
	g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func(g_free);

	g_mutex_lock(&qc->lock);
	for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++) {
		g_autoptr(GDir) dir = g_dir_open(dirs[k], 0, NULL);
		const char *f;

		while (dir && (f = g_dir_read_name(dir))) {
			g_autofree char *path = g_build_filename(dirs[k], f, NULL);
			g_autofree char *auto_path = NULL;
			HvDomainDef *def;
			QemuDomain *d;

			if (!g_str_has_suffix(f, ".xml") || !(def = load_file(path)))
				continue;
			if (!def->name || !g_str_has_prefix(f, def->name) ||
			    strlen(f) != strlen(def->name) + 4) {
				hv_domain_def_free(def);
				continue;
			}
			d = g_hash_table_lookup(qc->domains, def->name);
			if (k == 0) {
				d = domain_add(qc, def, true);
				auto_path = g_build_filename(qc->lib_dir, "autostart", def->name, NULL);
				d->autostart = g_file_test(auto_path, G_FILE_TEST_EXISTS);
				continue;
			}
			if (!d) {
				domain_add(qc, def, false);
			} else {
				d->newdef = d->def;
				d->def = def;
			}
			g_ptr_array_add(running, g_strdup(def->name));
		}
	}
	g_mutex_unlock(&qc->lock);
	for (guint k = 0; k < running->len; k++)
		qemu_process_reattach(qc, running->pdata[k]);
}

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

static void
qemu_conn_free(QemuConn *qc)
{
	if (!qc)
		return;
	qemu_console_stop_thread(qc);
	if (qc->domains) {
		GHashTableIter it;
		gpointer v;

		/* running domains keep running: only our monitors go */
		g_mutex_lock(&qc->lock);
		g_hash_table_iter_init(&it, qc->domains);
		while (g_hash_table_iter_next(&it, NULL, &v))
			if (((QemuDomain *)v)->mon)
				g_ptr_array_add(qc->dead_mons,
						g_steal_pointer(&((QemuDomain *)v)->mon));
		g_mutex_unlock(&qc->lock);
		qemu_reap_monitors(qc);
		/* helper threads use qc: their monitors are closed, so they end soon */
		g_mutex_lock(&qc->lock);
		{
			int64_t deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

			while (qc->workers && g_cond_wait_until(&qc->cond, &qc->lock, deadline))
				;
		}
		g_mutex_unlock(&qc->lock);
		g_hash_table_unref(qc->domains);
	}
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

	qc->conn = c;
	g_mutex_init(&qc->lock);
	g_cond_init(&qc->cond);
	qc->next_id = 1;
	qc->con_wake = -1;
	qc->dead_mons = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_mon_unref);
	qc->domains = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					    (GDestroyNotify)domain_free);
	if (dirs_from_uri(c, qc, err) < 0 || make_dirs(qc, err) < 0)
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
	load_domains(qc);
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

static const HvNodeOps qemu_node_ops = {
	.get_info = node_get_info,
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
