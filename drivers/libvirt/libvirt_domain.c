/* libvirt_domain.c: the libvirt driver's domain ops. An info is built from a
 * handful of in-process libvirt calls and kept in the domain cache
 * (libvirt_cache.c) until an event or one of our writes names the domain; a
 * listing is one virConnectListAllDomains plus the infos not cached. Changes
 * libvirt has no event for (memory, vCPUs, autostart, reboot, reset) are
 * reported here, after the call. */
#include <string.h>
#include "drivers/conn.h"
#include "drivers/libvirt/libvirt_priv.h"
#include "util/names.h"

static int
info_of(LvPriv *p, virConnectPtr conn, virDomainPtr d, HvDomainInfo **out, GError **err)
{
	g_autoptr(HvDomainInfo) i = g_new0(HvDomainInfo, 1);
	unsigned char raw[VIR_UUID_BUFLEN];
	virDomainInfo vi;
	int state, reason, n, autostart = 0;
	unsigned id;

	i->name = g_strdup(virDomainGetName(d));
	if (virDomainGetInfo(d, &vi) < 0)
		return lv_fail(p, conn, err, "cannot read the info of domain '%s'", i->name);
	if (virDomainGetUUID(d, raw) == 0)
		lv_uuid_copy(i->uuid, raw);
	i->state = vi.state < HV_DOMAIN_STATE_LAST ? (HvDomainState)vi.state : HV_DOMAIN_NOSTATE;
	if (virDomainGetState(d, &state, &reason, 0) == 0 && state < HV_DOMAIN_STATE_LAST) {
		i->state = (HvDomainState)state;
		i->reason = reason;
	}
	id = virDomainGetID(d);
	i->id = id == (unsigned)-1 ? -1 : (int)id;
	i->max_memory_kib = vi.maxMem;
	i->memory_kib = vi.memory;
	i->vcpus = vi.nrVirtCpu;
	i->cpu_time_ns = vi.cpuTime;
	i->persistent = virDomainIsPersistent(d) == 1;
	i->autostart = virDomainGetAutostart(d, &autostart) == 0 && autostart;
	i->os_type = virDomainGetOSType(d); /* malloc'd by libvirt: g_free is free here */
	n = virDomainGetVcpusFlags(d, VIR_DOMAIN_VCPU_MAXIMUM);
	i->max_vcpus = n > 0 ? (unsigned)n : i->vcpus;
	virResetLastError(); /* the optional ones may have failed */
	*out = g_steal_pointer(&i);
	return 0;
}

static void *dom_lookup(virConnectPtr c, const char *name) { return virDomainLookupByName(c, name); }
static const char *dom_name(void *d) { return virDomainGetName(d); }
static void dom_free(void *d) { virDomainFree(d); }
static void *dom_define(virConnectPtr c, const char *xml, unsigned flags)
{
	return virDomainDefineXML(c, xml);
}

static int
dom_list_all(virConnectPtr c, void ***objs)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(c, &doms, 0);

	*objs = (void **)doms;
	return n;
}

static char *
dom_xml(void *d, unsigned flags)
{
	return virDomainGetXMLDesc(d, ((flags & HV_XML_INACTIVE) ? VIR_DOMAIN_XML_INACTIVE : 0) |
				      ((flags & HV_XML_SECURE) ? VIR_DOMAIN_XML_SECURE : 0));
}

static int
dom_info(LvPriv *p, virConnectPtr conn, void *d, void **out, GError **err)
{
	HvDomainInfo *i = NULL;
	int rc = info_of(p, conn, d, &i, err);

	*out = i;
	return rc;
}

static const char *
dom_key(const void *info, char **tmp)
{
	(void)tmp;
	return ((const HvDomainInfo *)info)->name;
}

static const LvKind dom_kind = {
	.cache = LV_DOMAINS, .also_drop = -1, .kind = HV_OBJ_DOMAIN, .what = "domain",
	.defined_detail = "added", .lookup = dom_lookup, .list_all = dom_list_all,
	.name = dom_name, .free = dom_free, .xml = dom_xml, .define = dom_define,
	.info_of = dom_info, .info_free = (GDestroyNotify)hv_domain_info_free, .key = dom_key,
};

static int
lookup(LvPriv *p, virConnectPtr conn, const char *name, virDomainPtr *out, GError **err)
{
	void *d = NULL;
	int rc = lv_obj_lookup(p, &dom_kind, conn, name, &d, err);

	*out = d;
	return rc;
}

static int
lv_dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	return lv_obj_get_info(c, &dom_kind, name, (void **)out, err);
}

static int
lv_dom_list(HvConn *c, GPtrArray **out, GError **err)
{
	return lv_obj_list(c, &dom_kind, out, err);
}

static int
lv_dom_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return lv_obj_get_xml(c, &dom_kind, name, flags, xml, err);
}

static int
lv_dom_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return lv_obj_define(c, &dom_kind, xml, name_out, err);
}

static int
dom_call(HvConn *c, const char *name, const char *verb, LvCall fn, unsigned long long arg,
	 unsigned flags, GError **err)
{
	return lv_obj_call(c, &dom_kind, name, verb, fn, arg, flags, err);
}

#define CALL0(fn, api)                                                               \
	static int fn(void *d, unsigned long long arg, unsigned flags)       \
	{                                                                            \
		(void)arg;                                                           \
		(void)flags;                                                         \
		return api(d);                                                       \
	}
CALL0(call_undefine, virDomainUndefine)
CALL0(call_create, virDomainCreate)
CALL0(call_shutdown, virDomainShutdown)
CALL0(call_destroy, virDomainDestroy)
CALL0(call_suspend, virDomainSuspend)
CALL0(call_resume, virDomainResume)

static int
call_reboot(void *d, unsigned long long arg, unsigned flags)
{
	return virDomainReboot(d, 0);
}

static int
call_reset(void *d, unsigned long long arg, unsigned flags)
{
	return virDomainReset(d, 0);
}

static int
call_memory(void *d, unsigned long long arg, unsigned flags)
{
	return virDomainSetMemoryFlags(d, (unsigned long)arg, flags);
}

static int
call_vcpus(void *d, unsigned long long arg, unsigned flags)
{
	return virDomainSetVcpusFlags(d, (unsigned)arg, flags);
}

static int
call_autostart(void *d, unsigned long long arg, unsigned flags)
{
	return virDomainSetAutostart(d, (int)arg);
}

/* The verbs, one row each (LvVerb) */
LV_VERB(lv_dom_undefine, &dom_kind, "undefine", call_undefine, NULL, "undefined", "removed")
LV_VERB(lv_dom_start, &dom_kind, "start", call_create, NULL, "started", "booted")
LV_VERB(lv_dom_shutdown, &dom_kind, "shutdown", call_shutdown, NULL, "shutdown", "requested")
LV_VERB(lv_dom_destroy, &dom_kind, "destroy", call_destroy, NULL, "stopped", "destroyed")
LV_VERB(lv_dom_suspend, &dom_kind, "suspend", call_suspend, NULL, "suspended", "paused")
LV_VERB(lv_dom_resume, &dom_kind, "resume", call_resume, NULL, "resumed", "unpaused")
LV_VERB(lv_dom_reboot, &dom_kind, "reboot", call_reboot, "rebooted", NULL, "-")
LV_VERB(lv_dom_reset, &dom_kind, "reset", call_reset, "reset", NULL, "-")

typedef struct {
	HvConn *c;
	const char *name, *verb;
	LvCall fn;
	unsigned long long arg;
} SetCall;

static int
set_one(void *ctx, unsigned flags, GError **err)
{
	SetCall *a = ctx;

	return dom_call(a->c, a->name, a->verb, a->fn, a->arg, flags, err);
}

/* A set with live and config together, one per call where the driver wants it
 * (hv_call_affect_split); drivers that take no AFFECT flags at all (libvirt's
 * esx: "unsupported flags (0x3)") have one definition: the current one.
 * HV_AFFECT_* and HV_MAXIMUM have libvirt's values. */
static int
dom_set(HvConn *c, const char *name, const char *verb, LvCall fn, unsigned long long arg,
	unsigned flags, const char *event, GError **err)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *detail = g_strdup_printf("%llu", arg);
	SetCall a = { c, name, verb, fn, arg };
	int rc = hv_call_affect_split(set_one, &a, flags, &e);

	if (rc == -EINVAL && (flags & (HV_AFFECT_LIVE | HV_AFFECT_CONFIG)) &&
	    strstr(e->message, "unsupported flags")) {
		g_clear_error(&e);
		rc = dom_call(c, name, verb, fn, arg, flags & HV_MAXIMUM, &e);
	}
	if (rc < 0) {
		g_propagate_error(err, g_steal_pointer(&e));
		return rc;
	}
	hv_conn_emit(c, HV_OBJ_DOMAIN, NULL, name, event, detail);
	return 0;
}

static int
lv_dom_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags, GError **err)
{
	return dom_set(c, name, "set the memory of", call_memory, kib, flags,
		       (flags & HV_MAXIMUM) ? "max-memory-changed" : "memory-changed", err);
}

static int
lv_dom_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err)
{
	/* libvirt's API: VIR_DOMAIN_VCPU_MAXIMUM never goes with AFFECT_LIVE */
	if ((flags & HV_MAXIMUM) && (flags & HV_AFFECT_LIVE))
		return hv_error_set(err, EBUSY, "cannot set the maximum vCPUs of domain '%s': "
				    "the domain is running", name);
	return dom_set(c, name, "set the vCPUs of", call_vcpus, n, flags,
		       (flags & HV_MAXIMUM) ? "max-vcpus-changed" : "vcpus-changed", err);
}

static int
lv_dom_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	return lv_obj_set_autostart(c, &dom_kind, call_autostart, name, on, err);
}

/* virsh domstats' lines for one domain, every group the driver has. */
static int
lv_dom_get_stats(HvConn *c, const char *name, char **text, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virDomain) d = NULL;
	virDomainStatsRecordPtr *recs = NULL;
	int rc = lv_conn_get(p, &conn, err);
	GString *s;

	if (rc == 0)
		rc = lookup(p, conn, name, &d, err);
	if (rc < 0)
		return rc;
	{
		virDomainPtr one[] = { d, NULL };

		if (virDomainListGetStats(one, 0, &recs, 0) < 0)
			return lv_fail(p, conn, err, "cannot read the statistics of domain '%s'", name);
	}
	s = g_string_new(NULL);
	for (int k = 0; recs && recs[0] && k < recs[0]->nparams; k++) {
		const virTypedParameter *t = &recs[0]->params[k];

		if (strchr(t->field, '='))
			continue;
		switch (t->type) {
		case VIR_TYPED_PARAM_INT: g_string_append_printf(s, "%s=%d\n", t->field, t->value.i); break;
		case VIR_TYPED_PARAM_UINT: g_string_append_printf(s, "%s=%u\n", t->field, t->value.ui); break;
		case VIR_TYPED_PARAM_LLONG: g_string_append_printf(s, "%s=%lld\n", t->field, t->value.l); break;
		case VIR_TYPED_PARAM_ULLONG: g_string_append_printf(s, "%s=%llu\n", t->field, t->value.ul); break;
		case VIR_TYPED_PARAM_DOUBLE: g_string_append_printf(s, "%s=%f\n", t->field, t->value.d); break;
		case VIR_TYPED_PARAM_BOOLEAN: g_string_append_printf(s, "%s=%d\n", t->field, t->value.b); break;
		case VIR_TYPED_PARAM_STRING:
			if (!strpbrk(t->value.s, "\n\r"))
				g_string_append_printf(s, "%s=%s\n", t->field, t->value.s);
			break;
		}
	}
	virDomainStatsRecordListFree(recs);
	*text = g_string_free(s, FALSE);
	return 0;
}

const HvDomainOps lv_domain_ops = {
	.list = lv_dom_list,
	.get_info = lv_dom_get_info,
	.get_xml = lv_dom_get_xml,
	.define_xml = lv_dom_define,
	.undefine = lv_dom_undefine,
	.start = lv_dom_start,
	.shutdown = lv_dom_shutdown,
	.destroy = lv_dom_destroy,
	.reboot = lv_dom_reboot,
	.reset = lv_dom_reset,
	.suspend = lv_dom_suspend,
	.resume = lv_dom_resume,
	.set_memory = lv_dom_set_memory,
	.set_vcpus = lv_dom_set_vcpus,
	.set_autostart = lv_dom_set_autostart,
	.get_stats = lv_dom_get_stats,
	.console_read = lv_console_read,
	.console_write = lv_console_write,
};
