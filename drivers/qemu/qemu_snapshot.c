/* qemu_snapshot.c: snapshots of qemu domains (libvirt's qemu_snapshot.c):
 *  - internal: every writable disk qcow2; a running guest through HMP
 *    savevm/loadvm/delvm (memory and disks in the qcow2 images), a shut-off
 *    one through qemu-img snapshot -c/-a/-d;
 *  - external: each disk gets a qcow2 overlay over its image
 *    (blockdev-snapshot-sync, or qemu-img create -b while shut off) and the
 *    domain moves onto it; with <memory snapshot='external' file=...> the
 *    guest's memory goes into a save image (qemu_saveimg.h) at that instant.
 *    Revert makes the overlay empty again (and restores the memory); delete
 *    merges the overlay back into its image (block-commit, or qemu-img
 *    commit) unless only the metadata is to go.
 * Each call holds a job on the domain; metadata: qemu_snapmeta.h. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_snapshot.h"
#include "drivers/qemu/qemu_process.h"
#include "drivers/qemu/qemu_saveimg.h"
#include "drivers/qemu/qemu_snapmeta.h"
#include "drivers/objstore.h"

#define BLOCK_JOB_DEADLINE_US (300 * G_USEC_PER_SEC)
#define HMP_TIMEOUT_MS 120000

static const HvJobType create_job = { "snapshot-create", HV_JOB_MODIFY, 0 };
static const HvJobType revert_job = { "snapshot-revert", HV_JOB_MODIFY, 0 };
static const HvJobType delete_job = { "snapshot-delete", HV_JOB_MODIFY, 0 };

typedef struct {
	QemuConn *qc;
	QemuDomain *d;
	HvJob *job;
	const char *name;   /* the snapshot */
	HvSnapshotDef *def; /* create: the new one */
	unsigned flags;
	char **name_out;
} SnapCall;

typedef int (*SnapAct)(SnapCall *s, GError **err);

/* ---- plumbing: tools, HMP, QMP, the disks */

static int
run_tool(const char *const *argv, GError **err)
{
	g_autofree char *out = NULL, *errs = NULL;
	g_autoptr(GError) e = NULL;
	int status;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errs,
			  &status, &e))
		return hv_error_set(err, ENOENT, "cannot run '%s': %s", argv[0], e->message);
	if (!g_spawn_check_wait_status(status, NULL))
		return hv_error_set(err, EIO, "%s %s failed: %s", argv[0], argv[1],
				    g_strstrip(errs));
	return 0;
}

/* One monitor exchange with the lock released; then the job must still hold. */
static int
mon(SnapCall *s, const char *cmd, const char *args, QJson **reply, int timeout_ms,
    GError **err)
{
	g_autoptr(QemuMon) m = NULL;
	int r;

	if (!s->d->mon)
		return hv_error_set(err, EBUSY, "domain '%s' is not running", s->d->o->name);
	m = qemu_mon_ref(s->d->mon);
	hv_core_unlock(&s->qc->core);
	if (timeout_ms)
		qemu_mon_set_timeout(m, timeout_ms);
	r = qemu_mon_command(m, cmd, args, reply, err);
	if (timeout_ms)
		qemu_mon_set_timeout(m, QEMU_MON_TIMEOUT_MS);
	hv_core_lock(&s->qc->core);
	return r < 0 ? r : hv_job_check(s->job, err);
}

/* An HMP line (savevm, loadvm, delvm): its output is an error when not empty. */
static int
hmp(SnapCall *s, const char *verb, GError **err)
{
	g_autofree char *line = g_strdup_printf("%s %s", verb, s->name);
	g_autoptr(GString) args = g_string_new("{\"command-line\":");
	g_autoptr(QJson) reply = NULL;
	int r;

	qjson_append_str(args, line);
	g_string_append_c(args, '}');
	if ((r = mon(s, "human-monitor-command", args->str, &reply, HMP_TIMEOUT_MS, err)) < 0)
		return r;
	if (reply && reply->type == QJ_STR && reply->s && *g_strstrip(reply->s))
		return hv_error_set(err, EIO, "domain '%s': %s of snapshot '%s' failed: %s",
				    s->d->o->name, verb, s->name, reply->s);
	return 0;
}

static bool
disk_writable(const HvDomainDiskDef *k)
{
	return k->source && !k->readonly && !(k->device && g_str_equal(k->device, "cdrom"));
}

static const HvDomainDiskDef *
disk_of(const HvDomainDef *def, const char *target)
{
	for (guint k = 0; def->disks && k < def->disks->len; k++) {
		const HvDomainDiskDef *d = def->disks->pdata[k];

		if (g_str_equal(d->target_dev, target))
			return d;
	}
	return NULL;
}

/* The domain's disk `target` now reads file (format fmt): its live
 * definition (and run/NAME.xml) and its persistent one. */
static int
retarget(SnapCall *s, const char *target, const char *file, const char *fmt, GError **err)
{
	HvEntry *o = s->d->o;
	HvDefRef *refs[2] = { &o->def, o->newdef.domain ? &o->newdef : NULL };

	for (int k = 0; k < 2 && refs[k]; k++) {
		bool live = k == 0 && qemu_domain_active(s->d);
		g_autofree char *xml = live ? hv_domain_def_format_status(refs[k]->domain)
					    : hv_domain_def_format(refs[k]->domain);
		g_autofree char *moved = xml ? hv_domain_xml_with_disk_source(xml, target, file, fmt,
									      err) : NULL;
		HvDomainDef *def = moved ? hv_domain_def_parse(moved, strlen(moved), err) : NULL;
		int r = 0;

		if (!def)
			return -EINVAL;
		def->postparse = refs[k]->domain->postparse; /* still the qemu driver's */
		hv_domain_def_free(refs[k]->domain);
		refs[k]->domain = def;
		if (live)
			r = hv_store_write_live(o->tab->store, o->name, moved, err);
		else if (o->persistent)
			r = qemu_domain_save(s->qc, def, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- create */

static char *
default_overlay(const char *src, const char *snap)
{
	g_autofree char *dir = g_path_get_dirname(src);
	g_autofree char *base = g_path_get_basename(src);
	char *dot = strrchr(base, '.');
	g_autofree char *file = NULL;

	if (dot && dot != base)
		*dot = '\0';
	file = g_strdup_printf("%s.%s", base, snap);
	return g_build_filename(dir, file, NULL);
}

/* The disks a snapshot takes: every writable disk of the domain, in the
 * mode the document asks (or mode), each refused when it cannot be done. */
static int
plan_disks(SnapCall *s, const char *mode, GError **err)
{
	const HvDomainDef *dom = qemu_dom_def(s->d);
	HvSnapshotDef *def = s->def;

	for (guint k = 0; def->disks && k < def->disks->len; k++)
		if (!disk_of(dom, ((HvSnapshotDiskDef *)def->disks->pdata[k])->name))
			return hv_error_set(err, EINVAL, "snapshot '%s': domain '%s' has no disk "
					    "'%s'", s->name, s->d->o->name,
					    ((HvSnapshotDiskDef *)def->disks->pdata[k])->name);
	for (guint k = 0; dom->disks && k < dom->disks->len; k++) {
		const HvDomainDiskDef *dd = dom->disks->pdata[k];
		HvSnapshotDiskDef *sd = NULL;

		for (guint j = 0; j < def->disks->len && !sd; j++)
			if (g_str_equal(((HvSnapshotDiskDef *)def->disks->pdata[j])->name,
					dd->target_dev))
				sd = def->disks->pdata[j];
		if (!disk_writable(dd)) {
			if (sd && sd->snapshot && !g_str_equal(sd->snapshot, "no"))
				return hv_error_set(err, EINVAL, "snapshot '%s': disk '%s' is read-only "
						    "or has no source file", s->name, dd->target_dev);
			continue;
		}
		if (!sd)
			g_ptr_array_add(def->disks, (sd = hv_snapshot_disk_new(dd->target_dev, NULL)));
		if (!sd->snapshot)
			sd->snapshot = g_strdup(mode);
		if (g_str_equal(sd->snapshot, "no"))
			continue;
		if (!g_str_equal(sd->snapshot, mode))
			return hv_error_set(err, EOPNOTSUPP, "snapshot '%s': disk '%s' is %s while the "
					    "snapshot is %s: mixed snapshots are not supported",
					    s->name, dd->target_dev, sd->snapshot, mode);
		if (g_str_equal(mode, "internal") &&
		    !(dd->driver_type && g_str_equal(dd->driver_type, "qcow2")))
			return hv_error_set(err, EOPNOTSUPP, "internal snapshot '%s': disk '%s' is "
					    "not qcow2 (use an external snapshot, <disk "
					    "snapshot='external'/>)", s->name, dd->target_dev);
		if (g_str_equal(mode, "external")) {
			if (!sd->file)
				sd->file = default_overlay(dd->source, s->name);
			if (g_file_test(sd->file, G_FILE_TEST_EXISTS))
				return hv_error_set(err, EEXIST, "external snapshot '%s': overlay '%s' "
						    "of disk '%s' already exists", s->name, sd->file,
						    dd->target_dev);
			sd->base = g_strdup(dd->source);
			sd->format = g_strdup(dd->driver_type ? dd->driver_type : "raw");
		}
	}
	return 0;
}

/* Each disk of def in mode `mode`, with what it needs. */
#define EACH_DISK(def, mode, sd)                                                     \
	for (guint _k = 0; (def)->disks && _k < (def)->disks->len; _k++)             \
		for (HvSnapshotDiskDef *sd = (def)->disks->pdata[_k]; sd;                \
		     sd = NULL)                                                      \
			if (sd->snapshot && g_str_equal(sd->snapshot, mode))

static int
create_internal(SnapCall *s, bool active, GError **err)
{
	const HvDomainDef *dom = qemu_dom_def(s->d);
	int r = 0;

	if (active)
		return hmp(s, "savevm", err);
	EACH_DISK(s->def, "internal", sd) {
		const char *argv[] = { "qemu-img", "snapshot", "-c", s->name,
				       disk_of(dom, sd->name)->source, NULL };

		if ((r = run_tool(argv, err)) < 0)
			return r;
	}
	return r;
}

static int
overlay_create(const HvSnapshotDiskDef *sd, GError **err)
{
	const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", sd->base,
			       "-F", sd->format, sd->file, NULL };

	return run_tool(argv, err);
}

static int
overlay_live(SnapCall *s, const HvSnapshotDiskDef *sd, GError **err)
{
	g_autofree char *dev = g_strdup_printf("drive-%s", sd->name);
	g_autoptr(GString) a = g_string_new("{\"device\":");

	qjson_append_str(a, dev);
	g_string_append(a, ",\"snapshot-file\":");
	qjson_append_str(a, sd->file);
	g_string_append(a, ",\"format\":\"qcow2\"}");
	return mon(s, "blockdev-snapshot-sync", a->str, NULL, 0, err);
}

static int
overlays_create(SnapCall *s, bool active, GError **err)
{
	int r;

	EACH_DISK(s->def, "external", sd) {
		if ((r = active ? overlay_live(s, sd, err) : overlay_create(sd, err)) < 0 ||
		    (r = retarget(s, sd->name, sd->file, "qcow2", err)) < 0)
			return r;
	}
	return 0;
}

/* The guest paused, its disks onto overlays, then its memory (the same
 * instant), then it runs on. */
static int
create_external(SnapCall *s, bool active, bool running, GError **err)
{
	HvSnapshotDef *def = s->def;
	bool memory = def->memory && g_str_equal(def->memory, "external");
	int r = 0;

	if (memory && !active)
		return hv_error_set(err, EINVAL, "snapshot '%s': domain '%s' is not running: it "
				    "has no memory to keep", s->name, s->d->o->name);
	if (active && (r = mon(s, "stop", NULL, NULL, 0, err)) < 0)
		return r;
	r = overlays_create(s, active, err);
	if (r == 0 && memory) {
		g_autofree char *xml = hv_domain_def_format(qemu_dom_def(s->d));
		g_autoptr(QemuMon) m = qemu_mon_ref(s->d->mon);

		hv_core_unlock(&s->qc->core);
		r = hv_saveimg_begin(def->memory_file, xml, running, err);
		if (r == 0)
			r = qemu_saveimg_migrate_out(m, s->d->o->name, def->memory_file, err);
		hv_core_lock(&s->qc->core);
		if (r == 0)
			r = hv_job_check(s->job, err);
	}
	if (active && running && s->d->mon)
		(void)mon(s, "cont", NULL, NULL, 0, NULL);
	return r;
}

static const char *const state_words[HV_DOMAIN_STATE_LAST] = {
	[HV_DOMAIN_NOSTATE] = "nostate",   [HV_DOMAIN_RUNNING] = "running",
	[HV_DOMAIN_BLOCKED] = "blocked",   [HV_DOMAIN_PAUSED] = "paused",
	[HV_DOMAIN_SHUTDOWN] = "shutdown", [HV_DOMAIN_SHUTOFF] = "shutoff",
	[HV_DOMAIN_CRASHED] = "crashed",   [HV_DOMAIN_PMSUSPENDED] = "pmsuspended",
};

static int
act_create(SnapCall *s, GError **err)
{
	HvSnapshotDef *def = s->def;
	bool active = qemu_domain_active(s->d);
	bool running = active && s->d->state == HV_DOMAIN_RUNNING;
	bool external = qemu_snapmeta_external(def) || (s->flags & HV_SNAPSHOT_CREATE_DISK_ONLY);
	int r;

	if (qemu_snapmeta_exists(s->qc, s->d->o->name, s->name))
		return hv_error_set(err, EEXIST, "snapshot '%s' of domain '%s' already exists",
				    s->name, s->d->o->name);
	if (external && !def->memory)
		def->memory = g_strdup("no");
	if (!external && !def->memory)
		def->memory = g_strdup(active ? "internal" : "no");
	if (!external && active && g_str_equal(def->memory, "no"))
		return hv_error_set(err, EOPNOTSUPP, "snapshot '%s': an internal snapshot of running "
				    "domain '%s' keeps its memory (ask for an external disk-only "
				    "snapshot instead)", s->name, s->d->o->name);
	if ((r = plan_disks(s, external ? "external" : "internal", err)) < 0)
		return r;
	g_free(def->domain_xml);
	def->domain_xml = hv_domain_def_format(qemu_dom_def(s->d));
	if ((r = external ? create_external(s, active, running, err)
			  : create_internal(s, active, err)) < 0)
		return r;
	g_free(def->state);
	def->state = g_strdup(external && g_str_equal(def->memory, "no") && active
				      ? "disk-snapshot" : state_words[s->d->state]);
	def->creation_time = g_get_real_time() / G_USEC_PER_SEC;
	g_free(def->parent);
	def->parent = qemu_snapmeta_current(s->qc, s->d->o->name);
	if ((r = qemu_snapmeta_store(s->qc, s->d->o->name, def, err)) < 0 ||
	    (r = qemu_snapmeta_set_current(s->qc, s->d->o->name, s->name, err)) < 0)
		return r;
	qemu_emit(s->qc, s->d->o->name, "snapshot-created", s->name);
	return 0;
}

/* ---- revert */

static int
stop_guest(SnapCall *s, GError **err)
{
	HvEntry *o = s->d->o;

	if (!qemu_domain_active(s->d))
		return 0;
	return qemu_process_destroy(o->tab, o, s->job, 0, NULL, err);
}

static int
start_from(SnapCall *s, const HvSnapshotDef *def, const char *image, const char *loadvm,
	   GError **err)
{
	HvEntry *o = s->d->o;
	QemuStartArg a = { .image = image, .loadvm = loadvm, .detail = "from-snapshot",
			   .paused = (def->state && g_str_equal(def->state, "paused")) ||
				   (s->flags & 2) };

	if (s->flags & 1)
		a.paused = false;
	return qemu_process_start(o->tab, o, s->job, 0, &a, err);
}

static int
revert_internal(SnapCall *s, const HvSnapshotDef *def, GError **err)
{
	const HvDomainDef *dom;
	int r;

	if (def->memory && g_str_equal(def->memory, "internal")) {
		if (!qemu_domain_active(s->d))
			return start_from(s, def, NULL, s->name, err);
		if ((r = hmp(s, "loadvm", err)) < 0)
			return r;
		if (g_str_equal(def->state, "paused") && s->d->state != HV_DOMAIN_PAUSED)
			return mon(s, "stop", NULL, NULL, 0, err);
		if (!g_str_equal(def->state, "paused") && s->d->state == HV_DOMAIN_PAUSED)
			return mon(s, "cont", NULL, NULL, 0, err);
		return 0;
	}
	if ((r = stop_guest(s, err)) < 0)
		return r;
	dom = qemu_dom_def(s->d);
	EACH_DISK(def, "internal", sd) {
		const HvDomainDiskDef *dd = disk_of(dom, sd->name);
		const char *argv[] = { "qemu-img", "snapshot", "-a", s->name,
				       dd ? dd->source : "", NULL };

		if ((r = run_tool(argv, err)) < 0)
			return r;
	}
	return 0;
}

static int
revert_external(SnapCall *s, const HvSnapshotDef *def, GError **err)
{
	g_autoptr(GPtrArray) all = qemu_snapmeta_all(s->qc, s->d->o->name);
	g_autoptr(HvSnapshotInfo) i = qemu_snapmeta_info(def, all, NULL);
	int r;

	if (i->children)
		return hv_error_set(err, EOPNOTSUPP, "cannot revert to external snapshot '%s' of "
				    "domain '%s': it has snapshots after it (delete them first)",
				    s->name, s->d->o->name);
	if ((r = stop_guest(s, err)) < 0)
		return r;
	EACH_DISK(def, "external", sd) {
		unlink(sd->file);
		if ((r = overlay_create(sd, err)) < 0 ||
		    (r = retarget(s, sd->name, sd->file, "qcow2", err)) < 0)
			return r;
	}
	if (def->memory && g_str_equal(def->memory, "external"))
		return start_from(s, def, def->memory_file, NULL, err);
	return 0;
}

static int
act_revert(SnapCall *s, GError **err)
{
	g_autoptr(HvSnapshotDef) def = qemu_snapmeta_load(s->qc, s->d->o->name, s->name, err);
	int r;

	if (!def)
		return -ENOENT;
	r = qemu_snapmeta_external(def) ? revert_external(s, def, err)
					: revert_internal(s, def, err);
	if (r == 0 && (r = qemu_snapmeta_set_current(s->qc, s->d->o->name, s->name, err)) == 0)
		qemu_emit(s->qc, s->d->o->name, "snapshot-reverted", s->name);
	return r;
}

/* ---- delete */

/* Waits until the block job id is ready (then completes it) and gone. */
static int
commit_wait(SnapCall *s, const char *id, GError **err)
{
	int64_t deadline = g_get_monotonic_time() + BLOCK_JOB_DEADLINE_US;
	g_autoptr(GString) a = g_string_new("{\"device\":");
	bool completed = false;

	qjson_append_str(a, id);
	g_string_append_c(a, '}');
	for (;;) {
		g_autoptr(QJson) jobs = NULL;
		const QJson *mine = NULL;
		int r = mon(s, "query-block-jobs", NULL, &jobs, 0, err);

		if (r < 0)
			return r;
		for (guint k = 0; jobs && jobs->items && k < jobs->items->len; k++) {
			const char *dev = qjson_get_str(jobs->items->pdata[k], "device");

			if (dev && g_str_equal(dev, id))
				mine = jobs->items->pdata[k];
		}
		if (!mine)
			return 0;
		if (!completed && qjson_get_bool(mine, "ready", false)) {
			if ((r = mon(s, "block-job-complete", a->str, NULL, 0, err)) < 0)
				return r;
			completed = true;
		}
		if (g_get_monotonic_time() > deadline)
			return hv_error_set(err, ETIMEDOUT, "domain '%s': block commit '%s' did not "
					    "end", s->d->o->name, id);
		hv_core_unlock(&s->qc->core);
		g_usleep(20000);
		hv_core_lock(&s->qc->core);
		if ((r = hv_job_check(s->job, err)) < 0)
			return r;
	}
}

static int
merge_disk(SnapCall *s, const HvSnapshotDiskDef *sd, GError **err)
{
	const HvDomainDiskDef *dd = disk_of(qemu_dom_def(s->d), sd->name);
	int r;

	if (!dd || !dd->source || !g_str_equal(dd->source, sd->file))
		return hv_error_set(err, EOPNOTSUPP, "cannot merge external snapshot '%s' of domain "
				    "'%s': disk '%s' is no longer on its overlay '%s' (only the "
				    "newest external snapshot merges; write forget to its state "
				    "to drop its metadata)", s->name, s->d->o->name, sd->name,
				    sd->file);
	if (qemu_domain_active(s->d)) {
		g_autofree char *dev = g_strdup_printf("drive-%s", sd->name);
		g_autofree char *id = g_strdup_printf("commit-%s", sd->name);
		g_autoptr(GString) a = g_string_new("{\"device\":");

		qjson_append_str(a, dev);
		g_string_append(a, ",\"job-id\":");
		qjson_append_str(a, id);
		g_string_append_c(a, '}');
		if ((r = mon(s, "block-commit", a->str, NULL, 0, err)) < 0 ||
		    (r = commit_wait(s, id, err)) < 0)
			return r;
	} else {
		const char *argv[] = { "qemu-img", "commit", "-q", sd->file, NULL };

		if ((r = run_tool(argv, err)) < 0)
			return r;
	}
	if ((r = retarget(s, sd->name, sd->base, sd->format, err)) < 0)
		return r;
	unlink(sd->file);
	return 0;
}

static int
delete_data(SnapCall *s, const HvSnapshotDef *def, GError **err)
{
	const HvDomainDef *dom = qemu_dom_def(s->d);
	int r = 0;

	if (qemu_snapmeta_external(def)) {
		EACH_DISK(def, "external", sd) {
			if ((r = merge_disk(s, sd, err)) < 0)
				return r;
		}
		if (def->memory_file)
			unlink(def->memory_file);
		return 0;
	}
	if (qemu_domain_active(s->d))
		return hmp(s, "delvm", err);
	EACH_DISK(def, "internal", sd) {
		const HvDomainDiskDef *dd = disk_of(dom, sd->name);
		const char *argv[] = { "qemu-img", "snapshot", "-d", s->name,
				       dd ? dd->source : "", NULL };

		if (dd && (r = run_tool(argv, err)) < 0)
			return r;
	}
	return 0;
}

/* One snapshot goes: its data (unless metadata only), its metadata; its
 * children move to its parent, and so does `current`. */
static int
delete_one(SnapCall *s, const char *name, GError **err)
{
	const char *dom = s->d->o->name;
	g_autoptr(HvSnapshotDef) def = qemu_snapmeta_load(s->qc, dom, name, err);
	g_autoptr(GPtrArray) all = NULL;
	g_autofree char *current = NULL;
	const char *saved = s->name;
	int r;

	if (!def)
		return -ENOENT;
	s->name = name;
	r = s->flags & HV_SNAPSHOT_DELETE_METADATA_ONLY ? 0 : delete_data(s, def, err);
	s->name = saved;
	if (r < 0)
		return r;
	all = qemu_snapmeta_all(s->qc, dom);
	for (guint k = 0; k < all->len; k++) {
		HvSnapshotDef *c = all->pdata[k];

		if (!c->parent || !g_str_equal(c->parent, name))
			continue;
		g_free(c->parent);
		c->parent = g_strdup(def->parent);
		if ((r = qemu_snapmeta_store(s->qc, dom, c, err)) < 0)
			return r;
	}
	current = qemu_snapmeta_current(s->qc, dom);
	if (current && g_str_equal(current, name) &&
	    (r = qemu_snapmeta_set_current(s->qc, dom, def->parent, err)) < 0)
		return r;
	if ((r = qemu_snapmeta_remove(s->qc, dom, name, err)) < 0)
		return r;
	qemu_emit(s->qc, dom, "snapshot-deleted", name);
	return 0;
}

/* The descendants of name, deepest first. */
static void
descendants(GPtrArray *all, const char *name, GPtrArray *out)
{
	for (guint k = 0; k < all->len; k++) {
		const HvSnapshotDef *c = all->pdata[k];

		if (c->parent && g_str_equal(c->parent, name)) {
			descendants(all, c->name, out);
			g_ptr_array_add(out, g_strdup(c->name));
		}
	}
}

static int
act_delete(SnapCall *s, GError **err)
{
	const char *dom = s->d->o->name;
	g_autoptr(GPtrArray) all = qemu_snapmeta_all(s->qc, dom);
	g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func(g_free);
	int r = 0;

	if (!qemu_snapmeta_exists(s->qc, dom, s->name))
		return hv_error_set(err, ENOENT, "no snapshot '%s' of domain '%s'", s->name, dom);
	if (s->flags & (HV_SNAPSHOT_DELETE_CHILDREN | HV_SNAPSHOT_DELETE_CHILDREN_ONLY))
		descendants(all, s->name, doomed);
	if (!(s->flags & HV_SNAPSHOT_DELETE_CHILDREN_ONLY))
		g_ptr_array_add(doomed, g_strdup(s->name));
	for (guint k = 0; k < doomed->len && r == 0; k++)
		r = delete_one(s, doomed->pdata[k], err);
	return r;
}

/* ---- the ops: find the domain, hold the job, act */

static int
with_job(HvConn *c, const char *dom, const HvJobType *type, SnapAct act, SnapCall *s,
	 GError **err)
{
	QemuConn *qc = qemu_conn(c);
	int r;

	s->qc = qc;
	hv_core_lock(&qc->core);
	if (!(s->d = qemu_domain_find(qc, dom, err))) {
		hv_core_unlock(&qc->core);
		return -ENOENT;
	}
	if ((r = hv_job_begin(s->d->o, type, &s->job, err)) == 0)
		r = act(s, err);
	hv_job_end(s->job);
	hv_core_unlock(&qc->core);
	qemu_reap_monitors(qc);
	return r;
}

static int
snap_create(HvConn *c, const char *dom, const char *xml, unsigned flags, char **name_out,
	    GError **err)
{
	g_autoptr(HvSnapshotDef) def = NULL;
	SnapCall s = { .flags = flags };
	int r;

	if (xml && *xml) {
		if (!(def = hv_snapshot_def_parse(xml, strlen(xml), err)))
			return -EINVAL;
	} else {
		def = g_new0(HvSnapshotDef, 1);
	}
	if (!def->disks)
		def->disks = g_ptr_array_new();
	if (!def->name)
		def->name = g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / G_USEC_PER_SEC);
	s.def = def;
	s.name = def->name;
	if ((r = with_job(c, dom, &create_job, act_create, &s, err)) == 0 && name_out)
		*name_out = g_strdup(def->name);
	return r;
}

static int
snap_revert(HvConn *c, const char *dom, const char *name, unsigned flags, GError **err)
{
	SnapCall s = { .name = name, .flags = flags };

	return with_job(c, dom, &revert_job, act_revert, &s, err);
}

static int
snap_delete(HvConn *c, const char *dom, const char *name, unsigned flags, GError **err)
{
	SnapCall s = { .name = name, .flags = flags };

	return with_job(c, dom, &delete_job, act_delete, &s, err);
}

/* Reads: the metadata under the lock. */
static int
snap_list(HvConn *c, const char *dom, GPtrArray **out, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autoptr(GPtrArray) all = NULL;
	g_autofree char *current = NULL;

	hv_core_lock(&qc->core);
	if (!qemu_domain_find(qc, dom, err)) {
		hv_core_unlock(&qc->core);
		return -ENOENT;
	}
	all = qemu_snapmeta_all(qc, dom);
	current = qemu_snapmeta_current(qc, dom);
	hv_core_unlock(&qc->core);
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_snapshot_info_free);
	for (guint k = 0; k < all->len; k++)
		g_ptr_array_add(*out, qemu_snapmeta_info(all->pdata[k], all, current));
	return 0;
}

static int
snap_get_info(HvConn *c, const char *dom, const char *name, HvSnapshotInfo **out, GError **err)
{
	g_autoptr(GPtrArray) all = NULL;
	int r = snap_list(c, dom, &all, err);

	if (r < 0)
		return r;
	for (guint k = 0; k < all->len; k++)
		if (g_str_equal(((HvSnapshotInfo *)all->pdata[k])->name, name)) {
			*out = g_ptr_array_steal_index(all, k);
			return 0;
		}
	return hv_error_set(err, ENOENT, "no snapshot '%s' of domain '%s'", name, dom);
}

static int
snap_get_xml(HvConn *c, const char *dom, const char *name, char **xml, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autoptr(HvSnapshotDef) def = NULL;

	hv_core_lock(&qc->core);
	if (qemu_domain_find(qc, dom, err))
		def = qemu_snapmeta_load(qc, dom, name, err);
	hv_core_unlock(&qc->core);
	if (!def)
		return -ENOENT;
	*xml = hv_snapshot_def_format(def);
	return 0;
}

const HvSnapshotOps qemu_snapshot_ops = HV_SNAPSHOT_OPS(snap);
