/* qemu_hotplug.c: vCPU counts of the qemu driver, the set-vcpus job's act
 * (one change at a time per domain: the job, drivers/job.h). Live: CPUs are
 * added with device_add of what query-hotpluggable-cpus offers (the guest
 * onlines them) as devices vcpuN; lowering the count device_del's them,
 * newest first, and waits for QEMU's DEVICE_DELETED (the guest must let each
 * go: ACPI eject). vCPUs present at start (-smp) are not devices and cannot
 * be removed. Config: <vcpu> and its current= in the persistent definition,
 * saved at once. */
#include <string.h>
#include "drivers/qemu/qemu_hotplug.h"

#define UNPLUG_WAIT_US (15 * G_USEC_PER_SEC)
#define PERIPHERAL "/machine/peripheral/"

/* device_add arguments for the first CPU slot that is empty, or NULL. */
static char *
free_slot_args(const QJson *slots, unsigned id)
{
	for (guint k = 0; slots && slots->type == QJ_ARR && k < slots->items->len; k++) {
		const QJson *s = slots->items->pdata[k];
		const QJson *props = qjson_get(s, "props");
		const char *type = qjson_get_str(s, "type");
		GString *a;

		if (qjson_get(s, "qom-path") || !type || !props || props->type != QJ_OBJ)
			continue;
		a = g_string_new("{\"driver\":");
		qjson_append_str(a, type);
		g_string_append_printf(a, ",\"id\":\"vcpu%u\"", id);
		for (guint p = 0; p < props->keys->len; p++) {
			const QJson *v = props->items->pdata[p];

			if (v->type != QJ_NUM)
				continue;
			g_string_append_c(a, ',');
			qjson_append_str(a, props->keys->pdata[p]);
			g_string_append_printf(a, ":%" G_GINT64_FORMAT, v->i);
		}
		g_string_append_c(a, '}');
		return g_string_free(a, FALSE);
	}
	return NULL;
}

/* Plugs CPUs until the guest has n; no lock held. */
static int
plug(QemuMon *m, const char *name, unsigned have, unsigned n, GError **err)
{
	for (unsigned id = have; id < n; id++) {
		g_autoptr(QJson) slots = NULL;
		g_autofree char *args = NULL;
		int r = qemu_mon_command(m, "query-hotpluggable-cpus", NULL, &slots, err);

		if (r < 0)
			return r;
		if (!(args = free_slot_args(slots, id)))
			return hv_error_set(err, EBUSY, "domain '%s': QEMU has no free vCPU slot "
					    "for vCPU %u", name, id);
		if ((r = qemu_mon_command(m, "device_add", args, NULL, err)) < 0)
			return r;
	}
	return 0;
}

/* DEVICE_DELETED of a vCPU device being removed (once, whatever number of
 * events QEMU sends for it): the live count goes down. */
void
qemu_vcpu_deleted(QemuConn *qc, QemuDomain *d, const char *id)
{
	HvDomainDef *def = qemu_dom_def(d);
	guint k;

	if (!d->unplugging || !g_ptr_array_find_with_equal_func(d->unplugging, id, g_str_equal, &k))
		return;
	g_ptr_array_remove_index(d->unplugging, k);
	if (qemu_domain_active(d) && def->vcpus > 1) {
		def->vcpus--;
		qemu_emit_num(qc, d->o->name, "vcpus-changed", def->vcpus);
	}
	hv_entry_broadcast(d->o); /* the set-vcpus job waiting in unplug_wait */
}

static gint
id_desc(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	guint64 i = g_ascii_strtoull(x + 4, NULL, 10), j = g_ascii_strtoull(y + 4, NULL, 10);

	return i < j ? 1 : i > j ? -1 : 0;
}

/* No lock held: the ids of the hot-plugged vCPUs, newest first. */
static int
plugged_ids(QemuMon *m, GPtrArray *ids, GError **err)
{
	g_autoptr(QJson) slots = NULL;
	int r;

	if ((r = qemu_mon_command(m, "query-hotpluggable-cpus", NULL, &slots, err)) < 0)
		return r;
	for (guint k = 0; slots && slots->type == QJ_ARR && k < slots->items->len; k++) {
		const char *path = qjson_get_str(slots->items->pdata[k], "qom-path");

		if (path && g_str_has_prefix(path, PERIPHERAL "vcpu"))
			g_ptr_array_add(ids, g_strdup(path + strlen(PERIPHERAL)));
	}
	g_ptr_array_sort(ids, id_desc);
	return 0;
}

/* Lock held on entry and return, the set-vcpus job held: device_del of
 * hot-plugged vCPUs until the guest has n, each noted before it is sent (its
 * DEVICE_DELETED may come at once). */
static int
unplug_send(QemuConn *qc, QemuDomain *d, HvJob *job, QemuMon *m, unsigned have, unsigned n,
	    GError **err)
{
	const char *name = d->o->name;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	int r;

	hv_core_unlock(&qc->core);
	r = plugged_ids(m, ids, err);
	hv_core_lock(&qc->core);
	if (r < 0 || (r = hv_job_check(job, err)) < 0)
		return r;
	if (have - n > ids->len)
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': cannot go down to %u vCPUs: only "
				    "hot-plugged vCPUs can be removed, and %u of its %u are (the "
				    "others were there at start)", name, n, ids->len, have);
	for (unsigned k = 0; k < have - n; k++) {
		g_autoptr(GString) args = g_string_new("{\"id\":");

		if (!d->unplugging)
			d->unplugging = g_ptr_array_new_with_free_func(g_free);
		if (!g_ptr_array_find_with_equal_func(d->unplugging, ids->pdata[k], g_str_equal, NULL))
			g_ptr_array_add(d->unplugging, g_strdup(ids->pdata[k]));
		qjson_append_str(args, ids->pdata[k]);
		g_string_append_c(args, '}');
		hv_core_unlock(&qc->core);
		r = qemu_mon_command(m, "device_del", args->str, NULL, err);
		hv_core_lock(&qc->core);
		if (r < 0 || (r = hv_job_check(job, err)) < 0)
			return r;
	}
	return 0;
}

/* Lock held: DEVICE_DELETED lowers the live count (qemu_vcpu_deleted) until
 * the guest has n, within UNPLUG_WAIT_US. */
static int
unplug_wait(QemuDomain *d, HvJob *job, QemuMon *m, unsigned n, GError **err)
{
	int64_t deadline = g_get_monotonic_time() + UNPLUG_WAIT_US;
	int r = 0;

	while (d->mon == m && qemu_dom_def(d)->vcpus > n && r == 0)
		r = hv_job_wait(job, deadline, err);
	if (r == -ECANCELED)
		return r;
	if (d->mon != m)
		return hv_error_set(err, EIO, "domain '%s' stopped while its vCPUs were removed",
				    d->o->name);
	if (qemu_dom_def(d)->vcpus > n)
		return hv_error_set(err, ETIMEDOUT, "domain '%s': the guest has not released its "
				    "vCPUs within %d s (it has %u; it may still let them go)",
				    d->o->name, (int)(UNPLUG_WAIT_US / G_USEC_PER_SEC),
				    qemu_dom_def(d)->vcpus);
	return 0;
}

/* Lock held: whether a live change to n vCPUs may go ahead (1: none asked). */
static int
live_check(QemuDomain *d, unsigned n, unsigned flags, GError **err)
{
	const HvDomainDef *def = qemu_dom_def(d);
	const char *name = d->o->name;
	int r = qemu_domain_live_change(d, flags, "vCPUs", "", err);

	if (r != 0)
		return r;
	if (n > def->max_vcpus)
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is more than its maximum "
				    "of %u", name, n, def->max_vcpus);
	if (n == 0)
		return hv_error_set(err, EINVAL, "domain '%s': a running guest needs a vCPU", name);
	/* QEMU 7.2's TCG gives each vCPU thread a context of maxcpus, never
	 * reused: one more aborts QEMU (tcg_register_thread assertion) */
	if (n > def->vcpus && def->type && g_str_equal(def->type, "qemu") &&
	    d->vcpu_threads + (n - def->vcpus) > def->max_vcpus)
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': cannot plug a vCPU again after an "
				    "unplug under TCG (QEMU 7.2 runs out of vCPU contexts and "
				    "aborts: %u of %u used since start); restart the domain",
				    name, d->vcpu_threads, def->max_vcpus);
	return 0;
}

/* Lock held, the set-vcpus job held: the live change, one step at a time. */
static int
set_live(QemuConn *qc, QemuDomain *d, HvJob *job, unsigned n, GError **err)
{
	g_autoptr(QemuMon) m = qemu_mon_ref(d->mon);
	unsigned have = qemu_dom_def(d)->vcpus;
	int r = 0;

	if (n > have) {
		hv_core_unlock(&qc->core);
		r = plug(m, d->o->name, have, n, err);
		hv_core_lock(&qc->core);
		if (r == 0)
			r = hv_job_check(job, err);
		if (r == 0)
			d->vcpu_threads += n - have;
	} else if (n < have) {
		r = unplug_send(qc, d, job, m, have, n, err);
		if (r == 0)
			r = unplug_wait(d, job, m, n, err);
	}
	if (r == 0 && d->mon == m && qemu_dom_def(d)->vcpus != n) {
		qemu_dom_def(d)->vcpus = n;
		qemu_emit_num(qc, d->o->name, "vcpus-changed", n);
	}
	return r;
}

int
qemu_set_vcpus(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	QemuConn *qc = t->opaque;
	QemuDomain *d = qemu_dom(o);
	const HvSetArg *a = arg;
	unsigned n = (unsigned)MIN(a->value, G_MAXUINT);
	int r = live_check(d, n, a->flags, err);

	if (r < 0)
		return r;
	if (r == 0 && (r = set_live(qc, d, job, n, err)) < 0)
		return r;
	if (a->flags & HV_AFFECT_CONFIG)
		return qemu_domain_set_count(qc, d, QEMU_COUNT_VCPUS, n, a->flags, err);
	return 0;
}
