/* qemu_hotplug.c: vCPU counts of the qemu driver. Live: CPUs are added with
 * device_add of what query-hotpluggable-cpus offers (the guest onlines them);
 * removing live vCPUs is not done yet. Config: <vcpu> and its current= in the
 * persistent definition, saved at once. */
#include <string.h>
#include "drivers/qemu/qemu_priv.h"

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

static void
emit_n(QemuConn *qc, const char *name, const char *event, unsigned n)
{
	char s[16];

	g_snprintf(s, sizeof(s), "%u", n);
	qemu_emit(qc, name, event, s);
}

/* The persistent half; lock held. */
static int
set_config(QemuConn *qc, QemuDomain *d, unsigned n, unsigned flags, GError **err)
{
	HvDomainDef *cfg = qemu_domain_config(d);
	unsigned old_cur = cfg->vcpus, old_max = cfg->max_vcpus;
	int r;

	if (flags & HV_MAXIMUM) {
		if (n > QEMU_MAX_VCPUS)
			return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is out of range "
					    "(1 to %u)", d->name, n, QEMU_MAX_VCPUS);
		cfg->max_vcpus = n;
		cfg->vcpus = MIN(cfg->vcpus, n);
	} else if (n > cfg->max_vcpus) {
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is more than its maximum "
				    "of %u", d->name, n, cfg->max_vcpus);
	} else {
		cfg->vcpus = n;
	}
	if (d->persistent && (r = qemu_domain_save(qc, cfg, err)) < 0) {
		cfg->vcpus = old_cur;
		cfg->max_vcpus = old_max;
		return r;
	}
	if (qemu_domain_active(d))
		return 0; /* the files show the live values */
	if (cfg->max_vcpus != old_max)
		emit_n(qc, d->name, "max-vcpus-changed", cfg->max_vcpus);
	if (cfg->vcpus != old_cur)
		emit_n(qc, d->name, "vcpus-changed", cfg->vcpus);
	return 0;
}

/* Whether a live change may go ahead; lock held. */
static int
live_check(QemuDomain *d, unsigned n, unsigned flags, GError **err)
{
	if (flags & HV_MAXIMUM)
		return hv_error_set(err, EBUSY, "cannot change the maximum vCPUs of running domain "
				    "'%s'", d->name);
	if (!qemu_domain_active(d) || !d->mon || d->busy)
		return hv_error_set(err, EBUSY, "cannot change the vCPUs of domain '%s': domain is "
				    "not running", d->name);
	if (n > d->def->max_vcpus)
		return hv_error_set(err, EINVAL, "domain '%s': %u vCPUs is more than its maximum "
				    "of %u", d->name, n, d->def->max_vcpus);
	if (n < d->def->vcpus)
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': removing vCPUs from a running "
				    "guest is not supported yet (it has %u)", d->name, d->def->vcpus);
	return 0;
}

int
qemu_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autoptr(QemuMon) m = NULL;
	QemuDomain *d;
	unsigned have = 0;
	int r = 0;

	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if ((flags & HV_AFFECT_LIVE) && (r = live_check(d, n, flags, err)) == 0) {
		m = qemu_mon_ref(d->mon);
		have = d->def->vcpus;
	}
	g_mutex_unlock(&qc->lock);
	if (r < 0)
		return r;
	if (m && n > have && (r = plug(m, name, have, n, err)) < 0)
		return r;
	g_mutex_lock(&qc->lock);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	if (r == 0 && m && qemu_domain_active(d) && d->def->vcpus != n) {
		d->def->vcpus = n;
		emit_n(qc, name, "vcpus-changed", n);
	}
	if (r == 0 && (flags & HV_AFFECT_CONFIG))
		r = set_config(qc, d, n, flags, err);
	g_mutex_unlock(&qc->lock);
	return r;
}
