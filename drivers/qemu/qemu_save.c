/* qemu_save.c: managed save (LIB/save/NAME.save, restored by the next
 * start: qemu_process.c), save to a path and restore from one, after
 * libvirt's qemuDomainSaveInternal: the guest is stopped, its memory goes
 * into a save image behind the definition, then QEMU quits and the domain is
 * shut off with reason `saved`. A save that fails leaves the guest as it was. */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_save.h"
#include "drivers/qemu/qemu_process.h"
#include "drivers/qemu/qemu_saveimg.h"

enum { SAVE_RUNNING = 2, SAVE_PAUSED = 4 }; /* VIR_DOMAIN_SAVE_* */

static const HvJobType save_job = { "save", HV_JOB_MODIFY, HV_JOBF_QUERIES };

/* Lock and job held: the memory into path (through path.part), then QEMU
 * quits. */
static int
save_locked(QemuConn *qc, QemuDomain *d, HvJob *job, const char *path, unsigned flags,
	    GError **err)
{
	const char *name = d->o->name;
	g_autofree char *part = g_strconcat(path, ".part", NULL);
	g_autofree char *xml = NULL;
	g_autoptr(QemuMon) m = NULL;
	bool was_running = d->state == HV_DOMAIN_RUNNING || d->state == HV_DOMAIN_BLOCKED;
	bool run_after = flags & SAVE_RUNNING ? true : flags & SAVE_PAUSED ? false : was_running;
	pid_t pid = d->pid;
	int r;

	if (!qemu_domain_active(d) || !d->mon)
		return hv_error_set(err, EBUSY, "cannot save domain '%s': domain is not running",
				    name);
	xml = hv_domain_def_format(qemu_dom_def(d));
	m = qemu_mon_ref(d->mon);
	hv_core_unlock(&qc->core);
	r = hv_saveimg_begin(part, xml, run_after, err);
	if (r == 0)
		r = qemu_saveimg_migrate_out(m, name, part, err);
	if (r < 0) {
		unlink(part);
		if (was_running)
			(void)qemu_mon_command(m, "cont", NULL, NULL, NULL);
	}
	hv_core_lock(&qc->core);
	if (r < 0 || (r = hv_job_check(job, err)) < 0)
		return r;
	d->stop_reason = QR_OFF_SAVED;
	hv_core_unlock(&qc->core);
	(void)qemu_mon_command(m, "quit", NULL, NULL, NULL);
	qemu_process_kill(pid);
	if (rename(part, path) < 0)
		r = hv_error_set(err, errno, "domain '%s': cannot move its save image to '%s': %s",
				 name, path, g_strerror(errno));
	hv_core_lock(&qc->core);
	if (qemu_domain_active(d) && d->pid == pid)
		qemu_process_stopped(qc, d, QR_OFF_SAVED);
	return r;
}

/* Finds the domain, holds the save job and saves into path. */
static int
save_common(HvConn *c, const char *name, const char *path, unsigned flags, bool managed,
	    GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;
	HvJob *job = NULL;
	int r;

	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err))) {
		hv_core_unlock(&qc->core);
		return -ENOENT;
	}
	if (managed && !d->o->persistent)
		r = hv_error_set(err, EINVAL, "cannot do managed save for transient domain '%s'",
				 name);
	else if ((r = hv_job_begin(d->o, &save_job, &job, err)) == 0)
		r = save_locked(qc, d, job, path, flags, err);
	if (r == 0)
		qemu_emit(qc, name, "saved", managed ? "managed" : path);
	hv_job_end(job);
	hv_core_unlock(&qc->core);
	qemu_reap_monitors(qc);
	return r;
}

int
qemu_save_managed(HvConn *c, const char *name, unsigned flags, GError **err)
{
	g_autofree char *path = qemu_managed_save_path(qemu_conn(c), name);

	return save_common(c, name, path, flags, true, err);
}

int
qemu_save_to(HvConn *c, const char *name, const char *path, unsigned flags, GError **err)
{
	if (!path || path[0] != '/')
		return hv_error_set(err, EINVAL, "cannot save domain '%s': '%s' is not an absolute "
				    "path", name, path ? path : "");
	return save_common(c, name, path, flags, false, err);
}

int
qemu_save_has_managed(HvConn *c, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *path = qemu_managed_save_path(qc, name);
	bool found;

	hv_core_lock(&qc->core);
	found = qemu_domain_find(qc, name, err) != NULL;
	hv_core_unlock(&qc->core);
	if (!found)
		return -ENOENT;
	return g_file_test(path, G_FILE_TEST_EXISTS) ? 1 : 0;
}

int
qemu_save_managed_remove(HvConn *c, const char *name, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *path = qemu_managed_save_path(qc, name);
	int r = qemu_save_has_managed(c, name, err);

	if (r < 0)
		return r;
	if (r == 0)
		return hv_error_set(err, ENOENT, "domain '%s' has no managed save image", name);
	if (unlink(path) < 0)
		return hv_error_set(err, errno, "cannot remove the managed save image of domain "
				    "'%s': %s", name, g_strerror(errno));
	hv_core_lock(&qc->core);
	qemu_emit(qc, name, "save-discarded", "-");
	hv_core_unlock(&qc->core);
	return 0;
}

/* The domain the image holds: the one of that name when it is shut off, else
 * a new transient one. Lock held. *added: it was made here. */
static int
restore_target(QemuConn *qc, HvDomainDef *def, bool *added, GError **err)
{
	HvEntry *o = hv_objtab_lookup(qc->domains, def->name);

	*added = false;
	if (o && o->active)
		return hv_error_set(err, EBUSY, "cannot restore domain '%s': domain is already "
				    "running", def->name);
	if (o) {
		hv_domain_def_free(def);
		return 0;
	}
	*added = true;
	return hv_objtab_add(qc->domains, def, HV_ADD_PREPARE, NULL, err);
}

int
qemu_save_restore(HvConn *c, const char *path, unsigned flags, char **name_out, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *name = NULL;
	HvDomainDef *def;
	bool running, added;
	QemuStartArg a = { .image = path, .detail = "restored" };
	HvEntry *o;
	int r;

	if ((r = hv_saveimg_def(path, &def, &running, err)) < 0)
		return r;
	name = g_strdup(def->name);
	a.paused = flags & SAVE_PAUSED ? true : flags & SAVE_RUNNING ? false : !running;
	hv_core_lock(&qc->core);
	r = restore_target(qc, def, &added, err);
	hv_core_unlock(&qc->core);
	if (r < 0)
		return r;
	if ((r = hv_objtab_run(qc->domains, name, HV_VERB_START, &a, err)) < 0) {
		hv_core_lock(&qc->core);
		if (added && (o = hv_objtab_lookup(qc->domains, name)) && !o->active &&
		    !o->persistent)
			hv_objtab_remove(qc->domains, o);
		hv_core_unlock(&qc->core);
		return r;
	}
	if (name_out)
		*name_out = g_steal_pointer(&name);
	return 0;
}
