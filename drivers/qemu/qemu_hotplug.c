/* qemu_hotplug.c: vCPU counts of the qemu driver. Live: CPUs are added with
 * device_add of what query-hotpluggable-cpus offers (the guest onlines them)
 * as devices vcpuN; lowering the count device_del's them, newest first, and
 * waits for QEMU's DEVICE_DELETED (the guest must let each go: ACPI eject).
 * vCPUs present at start (-smp) are not devices and cannot be removed.
 * Config: <vcpu> and its current= in the persistent definition, saved at once. */
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
	guint k;

	if (!d->unplugging || !g_ptr_array_find_with_equal_func(d->unplugging, id, g_str_equal, &k))
		return;
	g_ptr_array_remove_index(d->unplugging, k);
	if (qemu_domain_active(d) && d->def->vcpus > 1) {
		d->def->vcpus--;
		qemu_emit_num(qc, d->name, "vcpus-changed", d->def->vcpus);
	}
	g_cond_broadcast(&qc->cond);
}

static gint
id_desc(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	guint64 i = g_ascii_strtoull(x + 4, NULL, 10), j = g_ascii_strtoull(y + 4, NULL, 10);

	return i < j ? 1 : i > j ? -1 : 0;
}

/* Removes hot-plugged vCPUs until the guest has n; no lock held. */
static int
unplug(QemuConn *qc, QemuMon *m, const char *name, unsigned have, unsigned n, GError **err)
{
	g_autoptr(QJson) slots = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	int64_t deadline;
	QemuDomain *d;
	int r;

	if ((r = qemu_mon_command(m, "query-hotpluggable-cpus", NULL, &slots, err)) < 0)
		return r;
	for (guint k = 0; slots && slots->type == QJ_ARR && k < slots->items->len; k++) {
		const char *path = qjson_get_str(slots->items->pdata[k], "qom-path");

		if (path && g_str_has_prefix(path, PERIPHERAL "vcpu"))
			g_ptr_array_add(ids, g_strdup(path + strlen(PERIPHERAL)));
	}
	if (have - n > ids->len)
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': cannot go down to %u vCPUs: only "
				    "hot-plugged vCPUs can be removed, and %u of its %u are (the "
				    "others were there at start)", name, n, ids->len, have);
	g_ptr_array_sort(ids, id_desc);
	for (unsigned k = 0; k < have - n; k++) {
		g_autoptr(GString) args = g_string_new("{\"id\":");

		g_mutex_lock(&qc->lock);
		if ((d = qemu_domain_of_mon(qc, name, m))) {
			if (!d->unplugging)
				d->unplugging = g_ptr_array_new_with_free_func(g_free);
			if (!g_ptr_array_find_with_equal_func(d->unplugging, ids->pdata[k],
							      g_str_equal, NULL))
				g_ptr_array_add(d->unplugging, g_strdup(ids->pdata[k]));
		}
		g_mutex_unlock(&qc->lock);
		qjson_append_str(args, ids->pdata[k]);
		g_string_append_c(args, '}');
		if ((r = qemu_mon_command(m, "device_del", args->str, NULL, err)) < 0)
			return r;
	}
	/* DEVICE_DELETED lowers the live count (qemu_vcpu_deleted) */
	deadline = g_get_monotonic_time() + UNPLUG_WAIT_US;
	g_mutex_lock(&qc->lock);
	while ((d = qemu_domain_of_mon(qc, name, m)) && d->def->vcpus > n)
		if (!g_cond_wait_until(&qc->cond, &qc->lock, deadline))
			break;
	r = 0;
	if (!d)
		r = hv_error_set(err, EIO, "domain '%s' stopped while its vCPUs were removed", name);
	else if (d->def->vcpus > n)
		r = hv_error_set(err, ETIMEDOUT, "domain '%s': the guest has not released its vCPUs "
				 "within %d s (it has %u; it may still let them go)", name,
				 (int)(UNPLUG_WAIT_US / G_USEC_PER_SEC), d->def->vcpus);
	g_mutex_unlock(&qc->lock);
	return r;
}

typedef struct {
	unsigned n, flags;
	unsigned have; /* out: the live count */
} VcpuChange;

/* Lock held: whether a live change may go ahead (1: none asked). */
static int
live_check(QemuDomain *d, void *opaque, GError **err)
{
	VcpuChange *vc = opaque;
	unsigned n = vc->n;
	int r = qemu_domain_live_change(d, vc->flags, "vCPUs", "", err);

	if (r != 0)
		return r;
	if (n > d->def->max_vcpus)
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is more than its maximum "
				    "of %u", d->name, n, d->def->max_vcpus);
	if (n == 0)
		return hv_error_set(err, EINVAL, "domain '%s': a running guest needs a vCPU", d->name);
	/* QEMU 7.2's TCG gives each vCPU thread a context of maxcpus, never
	 * reused: one more aborts QEMU (tcg_register_thread assertion) */
	if (n > d->def->vcpus && d->def->type && g_str_equal(d->def->type, "qemu") &&
	    d->vcpu_threads + (n - d->def->vcpus) > d->def->max_vcpus)
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': cannot plug a vCPU again after an "
				    "unplug under TCG (QEMU 7.2 runs out of vCPU contexts and "
				    "aborts: %u of %u used since start); restart the domain",
				    d->name, d->vcpu_threads, d->def->max_vcpus);
	vc->have = d->def->vcpus;
	return 0;
}

int
qemu_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	VcpuChange vc = { .n = n, .flags = flags };
	g_autoptr(QemuMon) m = NULL;
	QemuDomain *d;
	unsigned have;
	int r;

	if ((r = qemu_domain_get_mon(qc, name, live_check, &vc, &m, err)) < 0)
		return r;
	have = vc.have;
	if (m && n > have && (r = plug(m, name, have, n, err)) < 0)
		return r;
	if (m && n > have) {
		g_mutex_lock(&qc->lock);
		if ((d = qemu_domain_of_mon(qc, name, m)))
			d->vcpu_threads += n - have;
		g_mutex_unlock(&qc->lock);
	}
	if (m && n < have && (r = unplug(qc, m, name, have, n, err)) < 0)
		return r;
	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	if (r == 0 && m && qemu_domain_active(d) && d->def->vcpus != n) {
		d->def->vcpus = n;
		qemu_emit_num(qc, name, "vcpus-changed", n);
	}
	if (r == 0 && (flags & HV_AFFECT_CONFIG))
		r = qemu_domain_set_count(qc, d, QEMU_COUNT_VCPUS, n, flags, err);
	g_mutex_unlock(&qc->lock);
	return r;
}
