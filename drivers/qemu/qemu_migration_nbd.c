/* qemu_migration_nbd.c: the disks of a migration with copy-storage (libvirt's
 * VIR_MIGRATE_NON_SHARED_DISK and _INC), as libvirt's qemu driver does it:
 * begin lists the disks with their sizes in the cookie; the target creates
 * what it lacks in its pools, starts QEMU -incoming and an NBD server that
 * exports each disk (block-export-add); the source mirrors each disk there
 * (drive-mirror into the existing export) until every mirror is ready, then
 * migrates memory and, paused before the switch-over, ends the mirrors
 * (block-job-cancel after ready); the target stops its NBD server. What
 * the ends tell each other goes in the cookie (qemu_migcookie.c). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include "drivers/conn.h"
#include "drivers/qemu/qemu_migration_nbd.h"

#define MIRROR_END_US (60 * G_USEC_PER_SEC) /* the last writes after a cancel */

/* ---- begin (source) */

/* BOOTID:DEV:INO of a file, "-" when it cannot be known. */
static char *
file_id(const char *path)
{
	g_autofree char *boot = NULL;
	struct stat st;

	if (!path || stat(path, &st) < 0 ||
	    !g_file_get_contents("/proc/sys/kernel/random/boot_id", &boot, NULL, NULL))
		return g_strdup("-");
	return g_strdup_printf("%s:%" PRIu64 ":%" PRIu64, g_strstrip(boot), (uint64_t)st.st_dev,
			       (uint64_t)st.st_ino);
}

static bool
asked(const GArray *params, const char *target)
{
	bool any = false;

	for (guint k = 0; params && k < params->len; k++) {
		const HvParam *p = &g_array_index(params, HvParam, k);

		if (g_str_equal(p->field, "migrate_disks") && p->s) {
			if (g_str_equal(p->s, target))
				return true;
			any = true;
		}
	}
	return !any;
}

GPtrArray *
qemu_nbd_wanted(const HvDomainDef *def, const GArray *params)
{
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);

	for (guint k = 0; def->disks && k < def->disks->len; k++) {
		const HvDomainDiskDef *dd = def->disks->pdata[k];

		if (g_str_equal(dd->device, "disk") && !dd->readonly &&
		    g_strcmp0(dd->type, "network") != 0 && (dd->source || dd->source_pool) &&
		    asked(params, dd->target_dev))
			g_ptr_array_add(want, g_strdup(dd->target_dev));
	}
	return want;
}

int
qemu_nbd_begin(QemuConn *qc, QemuDomain *d, const GArray *params, QemuMigCookie *out,
	       GError **err)
{
	const HvDomainDef *def = qemu_dom_def(d);
	g_autoptr(GPtrArray) want = qemu_nbd_wanted(def, params);
	g_autoptr(QemuMon) m = qemu_mon_ref(d->mon);
	g_autoptr(QJson) blocks = NULL;
	g_autofree char *name = g_strdup(def->name);
	int r;

	hv_core_unlock(&qc->core);
	r = want->len ? qemu_mon_command(m, "query-block", NULL, &blocks, err) : 0;
	hv_core_lock(&qc->core);
	if (r < 0)
		return r;
	for (guint k = 0; k < want->len; k++) {
		g_autofree char *dev = g_strdup_printf("drive-%s", (char *)want->pdata[k]);
		const QJson *ins = NULL, *img;
		g_autofree char *id = NULL;
		int64_t size = 0;

		for (guint b = 0; blocks && blocks->items && b < blocks->items->len; b++)
			if (g_strcmp0(qjson_get_str(blocks->items->pdata[b], "device"), dev) == 0)
				ins = qjson_get(blocks->items->pdata[b], "inserted");
		if (!ins || !(img = qjson_get(ins, "image")) ||
		    !qjson_get_int(img, "virtual-size", &size) || !qjson_get_str(ins, "drv"))
			return hv_error_set(err, EIO, "cannot copy disk '%s' of domain '%s': QEMU "
					    "does not show it", (char *)want->pdata[k], name);
		id = file_id(qjson_get_str(ins, "file"));
		qemu_mig_cookie_add_disk(out, want->pdata[k], (uint64_t)size,
					 qjson_get_str(ins, "drv"), id);
	}
	return 0;
}

/* ---- prepare (target) */

static const HvDomainDiskDef *
disk_of(const HvDomainDef *def, const char *target)
{
	for (guint k = 0; def->disks && k < def->disks->len; k++)
		if (g_strcmp0(((HvDomainDiskDef *)def->disks->pdata[k])->target_dev, target) == 0)
			return def->disks->pdata[k];
	return NULL;
}

/* The pool whose target path is dir (owned), or NULL. */
static char *
pool_at(HvConn *c, const char *dir)
{
	g_autoptr(GPtrArray) pools = NULL;

	if (HV_CALL(c, pool, list, HV_READS, NULL, &pools) < 0)
		return NULL;
	for (guint k = 0; k < pools->len; k++) {
		HvPoolInfo *p = pools->pdata[k];

		if (p->state == HV_POOL_RUNNING && p->target_path && g_str_equal(p->target_path, dir))
			return g_strdup(p->name);
	}
	return NULL;
}

static int
make_volume(HvConn *c, const char *pool, const char *vol, const QemuMigDisk *md,
	    GPtrArray *created, GError **err)
{
	g_autofree char *xml = g_strdup_printf("<volume><name>%s</name><capacity unit='bytes'>%"
					       PRIu64 "</capacity><target><format type='%s'/>"
					       "</target></volume>", vol, md->capacity, md->format);
	g_autofree char *made = NULL;
	int r = HV_CALL(c, volume, create_xml, HV_WRITES, err, pool, xml, &made);

	if (r == 0)
		g_ptr_array_add(created, g_strdup_printf("%s/%s", pool, made));
	return r;
}

/* The file already there is used, unless it is the source's own. */
static int
need_existing(const QemuMigDisk *md, const char *name, const char *what, GError **err)
{
	return hv_error_set(err, ENOENT, "cannot copy disk '%s' of domain '%s' with "
			    "copy-storage=inc: '%s' does not exist here (create it over its "
			    "backing files first, or use copy-storage=all)", md->target, name, what);
}

static int
check_existing(const char *path, const QemuMigDisk *md, const char *name, GError **err)
{
	g_autofree char *id = file_id(path);

	if (!g_str_equal(md->id, "-") && g_str_equal(id, md->id))
		return hv_error_set(err, EBUSY, "cannot copy disk '%s' of domain '%s': '%s' is "
				    "the source's own image, in use there (shared storage: migrate "
				    "without copy-storage)", md->target, name, path);
	return 0;
}

/* inc: a missing image is refused (only its top would come). */
static int
precreate_one(HvConn *c, const HvDomainDef *def, const QemuMigDisk *md, bool inc,
	      GPtrArray *created, GError **err)
{
	const HvDomainDiskDef *dd = disk_of(def, md->target);
	g_autoptr(HvVolumeInfo) vi = NULL;
	g_autoptr(GError) lerr = NULL;
	g_autofree char *dir = NULL, *base = NULL, *pool = NULL;

	if (!dd)
		return hv_error_set(err, EINVAL, "cannot copy disk '%s' of domain '%s': the "
				    "domain's definition has no such disk", md->target, def->name);
	if (dd->source_pool) {
		if (HV_CALL(c, volume, get_info, HV_READS, &lerr, dd->source_pool,
			    dd->source_volume, &vi) == 0)
			return check_existing(vi->path, md, def->name, err);
		if (lerr->code != ENOENT || !dd->source_volume) {
			int code = lerr->code;

			g_prefix_error(&lerr, "cannot copy disk '%s' of domain '%s': ", md->target,
				       def->name);
			g_propagate_error(err, g_steal_pointer(&lerr));
			return -code;
		}
		if (inc)
			return need_existing(md, def->name, dd->source_volume, err);
		return make_volume(c, dd->source_pool, dd->source_volume, md, created, err);
	}
	if (g_file_test(dd->source, G_FILE_TEST_EXISTS))
		return check_existing(dd->source, md, def->name, err);
	if (g_strcmp0(dd->type, "block") == 0)
		return hv_error_set(err, ENOENT, "cannot copy disk '%s' of domain '%s': device '%s' "
				    "does not exist here", md->target, def->name, dd->source);
	if (inc)
		return need_existing(md, def->name, dd->source, err);
	dir = g_path_get_dirname(dd->source);
	base = g_path_get_basename(dd->source);
	if (!(pool = pool_at(c, dir)))
		return hv_error_set(err, ENOENT, "cannot copy disk '%s' of domain '%s': no active "
				    "storage pool here has the target path '%s' (define one, or "
				    "create '%s')", md->target, def->name, dir, dd->source);
	return make_volume(c, pool, base, md, created, err);
}

int
qemu_nbd_precreate(QemuConn *qc, const HvDomainDef *def, const QemuMigCookie *in,
		   unsigned flags, GPtrArray **created, GError **err)
{
	*created = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; k < in->disks->len; k++) {
		int r = precreate_one(qc->conn, def, in->disks->pdata[k],
				      !(flags & HV_MIGRATE_NON_SHARED_DISK), *created, err);

		if (r < 0) {
			qemu_nbd_remove(qc, g_steal_pointer(created));
			return r;
		}
	}
	return 0;
}

void
qemu_nbd_remove(QemuConn *qc, GPtrArray *created)
{
	for (guint k = 0; created && k < created->len; k++) {
		g_auto(GStrv) pv = g_strsplit(created->pdata[k], "/", 2);

		(void)HV_CALL(qc->conn, volume, delete, HV_WRITES, NULL, pv[0], pv[1]);
	}
	if (created)
		g_ptr_array_unref(created);
}

/* The node QEMU has for drive-TARGET (owned), from query-block. */
static char *
node_of(const QJson *blocks, const char *target)
{
	g_autofree char *dev = g_strdup_printf("drive-%s", target);

	for (guint b = 0; blocks && blocks->items && b < blocks->items->len; b++)
		if (g_strcmp0(qjson_get_str(blocks->items->pdata[b], "device"), dev) == 0)
			return g_strdup(qjson_get_str(qjson_get(blocks->items->pdata[b], "inserted"),
						      "node-name"));
	return NULL;
}

int
qemu_nbd_serve(QemuMon *m, const QemuMigCookie *in, const char *listen, unsigned port,
	       QemuMigCookie *out, GError **err)
{
	g_autoptr(GString) a = g_string_new("{\"addr\":{\"type\":\"inet\",\"data\":{\"host\":");
	g_autoptr(QJson) blocks = NULL;
	int r;

	qjson_append_str(a, listen);
	g_string_append_printf(a, ",\"port\":\"%u\"}}}", port);
	if ((r = qemu_mon_command(m, "query-block", NULL, &blocks, err)) < 0 ||
	    (r = qemu_mon_command(m, "nbd-server-start", a->str, NULL, err)) < 0)
		return r;
	out->nbd_port = port;
	for (guint k = 0; k < in->disks->len; k++) {
		const QemuMigDisk *md = in->disks->pdata[k];
		g_autofree char *node = node_of(blocks, md->target);
		g_autoptr(GString) e = g_string_new("{\"type\":\"nbd\",\"writable\":true,\"id\":");
		g_autofree char *name = g_strdup_printf("drive-%s", md->target);

		if (!node)
			return hv_error_set(err, EIO, "cannot copy disk '%s': the target's QEMU does "
					    "not show it", md->target);
		qjson_append_str(e, name);
		g_string_append(e, ",\"name\":");
		qjson_append_str(e, name);
		g_string_append(e, ",\"node-name\":");
		qjson_append_str(e, node);
		g_string_append_c(e, '}');
		if ((r = qemu_mon_command(m, "block-export-add", e->str, NULL, err)) < 0)
			return r;
		g_ptr_array_add(out->exports, g_strdup(md->target));
	}
	return 0;
}

void
qemu_nbd_stop(QemuMon *m)
{
	(void)qemu_mon_command(m, "nbd-server-stop", NULL, NULL, NULL);
}

/* ---- perform (source) */

void
qemu_mirrors_clear(QemuMirrors *mir)
{
	g_clear_pointer(&mir->exports, g_ptr_array_unref);
	*mir = (QemuMirrors){ 0 };
}

static char *
job_id(const char *target)
{
	return g_strdup_printf("migrate-%s", target);
}

int
qemu_mirrors_start(QemuMon *m, const char *name, const char *host, const QemuMigCookie *in,
		   const GPtrArray *wanted, unsigned flags, uint64_t speed, QemuMirrors *mir,
		   GError **err)
{
	bool v6 = strchr(host, ':') && host[0] != '[';

	mir->exports = g_ptr_array_new_with_free_func(g_free);
	if (wanted->len && in->from_libvirt)
		return hv_error_set(err, EPROTO, "cannot copy the disks of domain '%s' to a "
				    "libvirtd: copy-storage works between hyperfs nodes only (it "
				    "names its NBD exports otherwise and does not list them)", name);
	for (guint k = 0; k < wanted->len; k++) /* never a move that leaves a disk behind */
		if (!g_ptr_array_find_with_equal_func(in->exports, wanted->pdata[k], g_str_equal,
						      NULL))
			return hv_error_set(err, EPROTO, "cannot copy disk '%s' of domain '%s': the "
					    "target does not serve it", (char *)wanted->pdata[k],
					    name);
	if (in->exports->len && !in->nbd_port)
		return hv_error_set(err, EINVAL, "cannot copy the disks of domain '%s': the target "
				    "gave no NBD port", name);
	for (guint k = 0; k < in->exports->len; k++) {
		const char *t = in->exports->pdata[k];
		g_autofree char *id = job_id(t);
		g_autofree char *url = g_strdup_printf("nbd://%s%s%s:%u/drive-%s", v6 ? "[" : "",
						       host, v6 ? "]" : "", in->nbd_port, t);
		g_autofree char *dev = g_strdup_printf("drive-%s", t);
		g_autoptr(GString) a = g_string_new("{\"job-id\":");
		int r;

		qjson_append_str(a, id);
		g_string_append(a, ",\"device\":");
		qjson_append_str(a, dev);
		g_string_append(a, ",\"target\":");
		qjson_append_str(a, url);
		g_string_append_printf(a, ",\"sync\":\"%s\",\"mode\":\"existing\",\"format\":\"raw\"",
				       flags & HV_MIGRATE_NON_SHARED_DISK ? "full" : "top");
		if (speed) /* bytes a second, as the migration's bandwidth */
			g_string_append_printf(a, ",\"speed\":%" PRIu64, speed);
		g_string_append_c(a, '}');
		if ((r = qemu_mon_command(m, "drive-mirror", a->str, NULL, err)) < 0) {
			g_prefix_error(err, "cannot copy disk '%s' of domain '%s': ", t, name);
			return r;
		}
		g_ptr_array_add(mir->exports, g_strdup(t));
		mir->started = true;
	}
	return 0;
}

/* Our jobs among query-block-jobs: *found of them, *ready ready. */
static int
look(QemuMon *m, QemuMirrors *mir, guint *found, guint *ready, const char **gone, GError **err)
{
	g_autoptr(QJson) jobs = NULL;
	int r = qemu_mon_command(m, "query-block-jobs", NULL, &jobs, err);

	*found = *ready = 0;
	*gone = NULL;
	if (r < 0)
		return r;
	mir->total = mir->processed = 0;
	for (guint k = 0; mir->exports && k < mir->exports->len; k++) {
		g_autofree char *id = job_id(mir->exports->pdata[k]);
		const QJson *j = NULL;
		int64_t len = 0, off = 0;

		for (guint i = 0; jobs && jobs->items && i < jobs->items->len; i++)
			if (g_strcmp0(qjson_get_str(jobs->items->pdata[i], "device"), id) == 0)
				j = jobs->items->pdata[i];
		if (!j) {
			*gone = mir->exports->pdata[k];
			continue;
		}
		qjson_get_int(j, "len", &len);
		qjson_get_int(j, "offset", &off);
		mir->total += (uint64_t)len;
		mir->processed += (uint64_t)off;
		(*found)++;
		*ready += qjson_get_bool(j, "ready", false);
	}
	return 0;
}

int
qemu_mirrors_poll(QemuMon *m, const char *name, QemuMirrors *mir, GError **err)
{
	const char *gone;
	guint found, ready;
	int r = look(m, mir, &found, &ready, &gone, err);

	if (r < 0)
		return r;
	if (gone)
		return hv_error_set(err, EIO, "migration of domain '%s' failed: copying disk '%s' "
				    "to the target stopped (the target or its NBD server went away)",
				    name, gone);
	return ready == found;
}

int
qemu_mirrors_end(QemuMon *m, const char *name, QemuMirrors *mir, bool force, GError **err)
{
	int64_t end = g_get_monotonic_time() + MIRROR_END_US;
	guint found, ready;
	const char *gone;
	int r;

	if (!mir->started)
		return 0;
	for (guint k = 0; k < mir->exports->len; k++) {
		g_autofree char *id = job_id(mir->exports->pdata[k]);
		g_autoptr(GString) a = g_string_new("{\"device\":");

		qjson_append_str(a, id);
		g_string_append_printf(a, ",\"force\":%s}", force ? "true" : "false");
		(void)qemu_mon_command(m, "block-job-cancel", a->str, NULL, NULL);
	}
	while ((r = look(m, mir, &found, &ready, &gone, err)) == 0 && found) {
		if (g_get_monotonic_time() > end)
			return hv_error_set(err, ETIMEDOUT, "domain '%s': the disk copies did not end "
					    "in %d s", name, (int)(MIRROR_END_US / G_USEC_PER_SEC));
		g_usleep(20000);
	}
	mir->started = r < 0;
	return r;
}

void
qemu_mirrors_progress(const QemuMirrors *mir, HvJobProgress *p)
{
	p->disk_total = mir->total;
	p->disk_processed = mir->processed;
	p->disk_remaining = mir->total - MIN(mir->processed, mir->total);
}
