/* uml_domain.c: the UML driver's domain class for the shared table
 * (drivers/objtab.h): checking a definition (type 'uml', os type 'uml'), the
 * state beside each domain, its info and live XML, and the verb rows: start,
 * shutdown, destroy (uml_process.c), reboot, suspend and resume through the
 * guest's mconsole (reboot, stop, go); and the console (drivers/ptycon.h). */
#include <string.h>
#include "drivers/uml/uml_priv.h"
#include "util/names.h"

enum { R_UNPAUSED = 5, R_PAUSED_USER = 1 };

static int
prepare(HvObjTab *t, HvEntry *existing, void *p, GError **err)
{
	HvDomainDef *def = p;

	if (hv_name_check("domain", def->name, err) < 0)
		return -EINVAL;
	if (!def->type || !g_str_equal(def->type, "uml"))
		return hv_error_set(err, EINVAL, "domain '%s': the uml driver runs <domain "
				    "type='uml'>, not '%s'", def->name, def->type ? def->type : "");
	if (!def->os_type || !g_str_equal(def->os_type, "uml"))
		return hv_error_set(err, EINVAL, "domain '%s': a UML guest needs <os><type>uml"
				    "</type>, not '%s'", def->name,
				    def->os_type ? def->os_type : "");
	if (def->kernel && !g_path_is_absolute(def->kernel))
		return hv_error_set(err, EINVAL, "domain '%s': <kernel> must be an absolute path",
				    def->name);
	if (def->max_memory_kib < 16384)
		return hv_error_set(err, EINVAL, "domain '%s': a UML guest needs at least 16 MiB "
				    "of <memory>", def->name);
	if (def->current_memory_kib == 0 || def->current_memory_kib > def->max_memory_kib)
		def->current_memory_kib = def->max_memory_kib;
	if (def->max_vcpus == 0)
		def->max_vcpus = 1;
	if (def->max_vcpus != 1)
		return hv_error_set(err, EINVAL, "domain '%s': a UML guest has one vCPU, not %u",
				    def->name, def->max_vcpus);
	def->vcpus = 1;
	hv_def_ensure_uuid(&hv_domain_defs, def);
	return 0;
}

static void *
priv_new(HvObjTab *t, HvEntry *o)
{
	UmlDomain *d = g_new0(UmlDomain, 1);

	hv_procdom_init(&d->p);
	return d;
}

static void *
info_new(HvObjTab *t, HvEntry *o)
{
	UmlDomain *d = uml_dom(o);
	HvDomainInfo *i = hv_procdrv_info(t, o, d->p.state, d->p.reason);

	i->vcpus = i->max_vcpus = 1;
	return i;
}

/* The mconsole verbs: the command and the state it leads to. */
static const struct {
	const char *cmd;
	HvDomainState need, to;
	int reason;
	const char *event, *detail, *why;
} mc_verbs[] = {
	[HV_PROC_REBOOT] = { "reboot", HV_DOMAIN_RUNNING, HV_DOMAIN_RUNNING, 1, "rebooted", NULL,
		       "domain is not running" },
	[HV_PROC_SUSPEND] = { "stop", HV_DOMAIN_RUNNING, HV_DOMAIN_PAUSED, R_PAUSED_USER, "suspended",
			"paused", "domain is not running" },
	[HV_PROC_RESUME] = { "go", HV_DOMAIN_PAUSED, HV_DOMAIN_RUNNING, R_UNPAUSED, "resumed",
		       "unpaused", "domain is not paused" },
};

static int
act_mconsole(HvObjTab *t, HvEntry *o, HvJob *job, int code, GError **err)
{
	UmlConn *uc = uml_tab_conn(t);
	UmlDomain *d = uml_dom(o);
	g_autofree char *name = g_strdup(o->name);
	int r;

	if (d->p.state != mc_verbs[code].need)
		return hv_procdrv_refuse(o, code, mc_verbs[code].why, err);
	hv_core_unlock(&uc->pd.core);
	r = uml_mconsole(uc, name, mc_verbs[code].cmd, NULL, err);
	hv_core_lock(&uc->pd.core);
	if (r == 0)
		r = hv_job_check(job, err);
	if (r < 0)
		return r;
	d->p.state = mc_verbs[code].to;
	d->p.reason = mc_verbs[code].reason;
	hv_entry_emit(o, mc_verbs[code].event, mc_verbs[code].detail);
	return 0;
}

static int
act_state(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	int r;

	if ((r = hv_procdrv_act(t, o, job, code, err)) <= 0)
		return r;
	if (code == HV_PROC_SHUTDOWN)
		return uml_dom(o)->p.state == HV_DOMAIN_SHUTDOWN
			       ? hv_procdrv_refuse(o, code, "domain is already shutting down", err)
			       : uml_process_stop(t, o, job, UML_STOP_SHUTDOWN, err);
	return act_mconsole(t, o, job, code, err);
}

static const HvObjVerb verbs[HV_VERB_LAST] = {
	HV_PROCDRV_VERBS(act_state),
};

const HvObjClass uml_domain_class = {
	.defs = &hv_domain_defs,
	.verbs = verbs,
	.prepare = prepare,
	.info = info_new, .info_free = (GDestroyNotify)hv_domain_info_free,
	.xml = hv_procdrv_xml,
	.priv_new = priv_new, .priv_free = hv_procdom_free,
};
