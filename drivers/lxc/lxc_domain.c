/* lxc_domain.c: the LXC driver's domain class for the shared table
 * (drivers/objtab.h): checking a definition (type 'lxc', os type 'exe', its
 * container parts), the state beside each domain, its info and live XML, and
 * the verb rows: start, shutdown, destroy, reboot (lxc_process.c), suspend and
 * resume (the freezer), live memory (the cgroup limit), statistics (cgroup
 * counters, veth counters); and the console (drivers/ptycon.h). */
#include <string.h>
#include "drivers/lxc/lxc_priv.h"
#include "drivers/network/netdev_tap.h"
#include "util/names.h"

enum { R_UNPAUSED = 5, R_PAUSED_USER = 1 };

static int
prepare(HvObjTab *t, HvEntry *existing, void *p, GError **err)
{
	HvDomainDef *def = p;
	g_autoptr(HvLxcDef) x = NULL;

	if (hv_name_check("domain", def->name, err) < 0)
		return -EINVAL;
	if (!def->type || !g_str_equal(def->type, "lxc"))
		return hv_error_set(err, EINVAL, "domain '%s': the lxc driver runs <domain "
				    "type='lxc'>, not '%s'", def->name, def->type ? def->type : "");
	if (!def->os_type || !g_str_equal(def->os_type, "exe"))
		return hv_error_set(err, EINVAL, "domain '%s': a container needs <os><type>exe"
				    "</type>, not '%s'", def->name,
				    def->os_type ? def->os_type : "");
	if (def->max_memory_kib == 0)
		return hv_error_set(err, EINVAL, "domain '%s': a container needs <memory>",
				    def->name);
	if (def->current_memory_kib == 0 || def->current_memory_kib > def->max_memory_kib)
		def->current_memory_kib = def->max_memory_kib;
	if (def->max_vcpus == 0)
		def->max_vcpus = 1;
	if (def->vcpus == 0 || def->vcpus > def->max_vcpus)
		def->vcpus = def->max_vcpus;
	if (!(x = hv_lxc_def_new(def, err)))
		return -EINVAL;
	if (!hv_lxc_def_root(x))
		return hv_error_set(err, EINVAL, "domain '%s': a container needs a <filesystem> "
				    "with <target dir='/'/>", def->name);
	hv_def_ensure_uuid(&hv_domain_defs, def);
	return 0;
}

static void *
priv_new(HvObjTab *t, HvEntry *o)
{
	LxcDomain *d = g_new0(LxcDomain, 1);

	hv_procdom_init(&d->p);
	return d;
}

static void *
info_new(HvObjTab *t, HvEntry *o)
{
	LxcDomain *d = lxc_dom(o);
	HvDomainInfo *i = hv_procdrv_info(t, o, d->p.state, d->p.reason);

	i->cpu_time_ns = o->active && d->cg ? lxc_cgroup_cpu_ns(d->cg) : 0;
	return i;
}

static int
act_state(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	LxcDomain *d = lxc_dom(o);
	int r;

	if ((r = hv_procdrv_act(t, o, job, code, err)) <= 0)
		return r;
	switch (code) {
	case HV_PROC_SHUTDOWN:
		if (d->p.state == HV_DOMAIN_SHUTDOWN)
			return hv_procdrv_refuse(o, code, "domain is already shutting down", err);
		return lxc_process_stop(t, o, job, LXC_STOP_SHUTDOWN, err);
	case HV_PROC_REBOOT:
		if (d->p.state != HV_DOMAIN_RUNNING)
			return hv_procdrv_refuse(o, code, "domain is not running", err);
		hv_entry_ref(o);
		r = lxc_process_stop(t, o, job, LXC_STOP_SHUTDOWN, err);
		if (r == 0 && !o->removed) {
			hv_entry_emit(o, "rebooted", NULL);
			r = lxc_process_start(t, o, job, err);
		}
		hv_entry_unref(o);
		return r;
	case HV_PROC_SUSPEND:
		if (d->p.state == HV_DOMAIN_PAUSED)
			return hv_procdrv_refuse(o, code, "domain is already paused", err);
		if ((r = lxc_cgroup_freeze(d->cg, TRUE, err)) < 0) {
			lxc_cgroup_freeze(d->cg, FALSE, NULL);
			return r;
		}
		d->p.state = HV_DOMAIN_PAUSED;
		d->p.reason = R_PAUSED_USER;
		hv_entry_emit(o, "suspended", "paused");
		return 0;
	case HV_PROC_RESUME:
		if (d->p.state != HV_DOMAIN_PAUSED)
			return hv_procdrv_refuse(o, code, "domain is not paused", err);
		if ((r = lxc_cgroup_freeze(d->cg, FALSE, err)) < 0)
			return r;
		d->p.state = HV_DOMAIN_RUNNING;
		d->p.reason = R_UNPAUSED;
		hv_entry_emit(o, "resumed", "unpaused");
		return 0;
	}
	return -ENOTSUP;
}

/* Memory: the live value is the cgroup's limit; the maximum changes in the
 * persistent config only. */
static int
act_memory(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	const HvSetArg *a = arg;
	bool max = a->flags & HV_MAXIMUM;
	HvDomainDef *defs[2];
	int r;

	if (a->value == 0)
		return hv_error_set(err, EINVAL, "cannot set the memory of domain '%s' to 0 KiB",
				    o->name);
	if (max && o->active && !(a->flags & HV_AFFECT_CONFIG))
		return hv_error_set(err, EBUSY, "cannot change the maximum memory of domain '%s' "
				    "while it is running", o->name);
	if ((r = hv_entry_affect(o, a->flags, max ? "maximum memory" : "memory", (void **)defs,
				 err)) < 0)
		return r;
	for (int i = 0; i < 2 && defs[i]; i++)
		if (!max && a->value > defs[i]->max_memory_kib)
			return hv_error_set(err, EINVAL, "cannot set the memory of domain '%s' to %"
					    G_GUINT64_FORMAT " KiB: more than its maximum of %"
					    G_GUINT64_FORMAT " KiB", o->name, a->value,
					    defs[i]->max_memory_kib);
	if (!max && o->active && defs[0] == o->def.domain &&
	    (r = lxc_cgroup_set(lxc_dom(o)->cg, LXC_KNOB_MEM_LIMIT, a->value * 1024, err)) < 0)
		return r;
	for (int i = 0; i < 2 && defs[i]; i++) {
		if (max) {
			defs[i]->max_memory_kib = a->value;
			if (defs[i]->current_memory_kib > a->value)
				defs[i]->current_memory_kib = a->value;
		} else {
			defs[i]->current_memory_kib = a->value;
		}
	}
	if (max)
		hv_entry_emit_u64(o, "max-memory-changed", a->value);
	hv_entry_emit_u64(o, "memory-changed", defs[0]->current_memory_kib);
	return 0;
}

#define KV(s, ...) g_string_append_printf((s), __VA_ARGS__)

static int
act_stats(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	const HvDomainDef *def = o->def.domain;
	LxcDomain *d = lxc_dom(o);
	GString *s = g_string_new(NULL);
	guint n = o->active && d->p.devs ? d->p.devs->len : 0;

	KV(s, "state.state=%d\nstate.reason=%d\n", d->p.state, d->p.reason);
	KV(s, "cpu.time=%" G_GUINT64_FORMAT "\n", o->active && d->cg ? lxc_cgroup_cpu_ns(d->cg) : 0);
	KV(s, "balloon.current=%" G_GUINT64_FORMAT "\n", def->current_memory_kib);
	KV(s, "balloon.maximum=%" G_GUINT64_FORMAT "\n", def->max_memory_kib);
	if (o->active && d->cg)
		KV(s, "balloon.rss=%" G_GUINT64_FORMAT "\n", lxc_cgroup_mem_bytes(d->cg) / 1024);
	KV(s, "vcpu.current=%u\nvcpu.maximum=%u\n", def->vcpus, def->max_vcpus);
	KV(s, "net.count=%u\n", n);
	for (guint i = 0; i < n; i++) {
		NetdevCounters c = { 0 };

		netdev_counters(d->p.devs->pdata[i], &c);
		KV(s, "net.%u.name=%s\n", i, (char *)d->p.devs->pdata[i]);
		KV(s, "net.%u.rx.bytes=%" G_GUINT64_FORMAT "\nnet.%u.rx.pkts=%" G_GUINT64_FORMAT
		   "\n", i, c.rx_bytes, i, c.rx_pkts);
		KV(s, "net.%u.tx.bytes=%" G_GUINT64_FORMAT "\nnet.%u.tx.pkts=%" G_GUINT64_FORMAT
		   "\n", i, c.tx_bytes, i, c.tx_pkts);
	}
	*(char **)arg = g_string_free(s, FALSE);
	return 0;
}

static const HvObjVerb verbs[HV_VERB_LAST] = {
	HV_PROCDRV_VERBS(act_state),
	[HV_VERB_SET_MEMORY] = { .verb = "set-memory", .job = { .cls = HV_JOB_MODIFY },
				 .act = act_memory },
	[HV_VERB_STATS] = { .verb = "get-stats", .job = { .cls = HV_JOB_QUERY },
			    .act = act_stats },
};

const HvObjClass lxc_domain_class = {
	.defs = &hv_domain_defs,
	.verbs = verbs,
	.prepare = prepare,
	.info = info_new, .info_free = (GDestroyNotify)hv_domain_info_free,
	.xml = hv_procdrv_xml,
	.priv_new = priv_new, .priv_free = lxc_domain_free_priv,
};
