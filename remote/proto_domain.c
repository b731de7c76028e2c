/* proto_domain.c: hyperfsd's domain procedures: lists and lookups, state and
 * XML queries, lifecycle verbs and settings, each one driver call through the
 * HV_CALL checkpoint. Domains are addressed by name; libvirt's flag values map
 * onto ours one to one where they overlap (AFFECT_*, MEM/VCPU_MAXIMUM). */
#include <errno.h>
#include <string.h>
#include "conf/domain_conf.h"
#include "remote/proto_priv.h"

#define DOM_XML_SECURE 1u       /* VIR_DOMAIN_XML_SECURE */
#define DOM_XML_INACTIVE 2u     /* VIR_DOMAIN_XML_INACTIVE */
#define VCPU_MAXIMUM 4u         /* VIR_DOMAIN_VCPU_MAXIMUM */
#define AFFECT_MASK 7u          /* LIVE | CONFIG | MAXIMUM */

void
rpc_dom_fill(RpcDom *d, const HvDomainInfo *i)
{
	g_free(d->name);
	d->name = g_strdup(i->name);
	rpc_uuid_parse(i->uuid, d->uuid);
	d->id = i->id;
}

static int
dom_info(RpcClientCtx *c, const char *name, HvDomainInfo **out, GError **err)
{
	return HV_CALL(c->conn, domain, get_info, HV_READS, err, name, out);
}

static bool
dom_active(const HvDomainInfo *i)
{
	return i->state != HV_DOMAIN_SHUTOFF && i->state != HV_DOMAIN_NOSTATE;
}

/* virConnectListAllDomainsFlags: pairs of (flag, its opposite) that each
 * restrict the list when either is given. */
static bool
dom_matches(const HvDomainInfo *i, unsigned f)
{
	bool other = i->state != HV_DOMAIN_RUNNING && i->state != HV_DOMAIN_PAUSED &&
		     i->state != HV_DOMAIN_SHUTOFF;
	const struct {
		unsigned yes, no;
		bool v;
	} pairs[] = {
		{ 1, 2, dom_active(i) },
		{ 4, 8, i->persistent },
		{ 1024, 2048, i->autostart },
		{ 512, 256, true },   /* no managed save images */
		{ 8192, 4096, true }, /* no snapshots */
		{ 32768, 16384, true }, /* no checkpoints */
	};
	unsigned states = f & (16 | 32 | 64 | 128);

	for (size_t k = 0; k < G_N_ELEMENTS(pairs); k++) {
		unsigned want = f & (pairs[k].yes | pairs[k].no);

		if (want && want != (pairs[k].yes | pairs[k].no) &&
		    !!(want & pairs[k].yes) != pairs[k].v)
			return false;
	}
	if (states && !((states & 16 && i->state == HV_DOMAIN_RUNNING) ||
			(states & 32 && i->state == HV_DOMAIN_PAUSED) ||
			(states & 64 && i->state == HV_DOMAIN_SHUTOFF) || (states & 128 && other)))
		return false;
	return true;
}

static int
dom_list(RpcClientCtx *c, GPtrArray **out, GError **err)
{
	return HV_CALL(c->conn, domain, list, HV_READS, err, out);
}

RPC_HANDLER(h_list_all_domains)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = dom_list(c, &l, err);

	if (rc < 0)
		return rc;
	rpc_msg_init_lists(r);
	for (guint k = 0; k < l->len; k++) {
		const HvDomainInfo *i = l->pdata[k];
		RpcDom d = { 0 };

		if (!dom_matches(i, (unsigned)a->num[1]))
			continue;
		if (a->num[0]) {
			rpc_dom_fill(&d, i);
			g_array_append_val(r->doms, d);
		}
		r->num[0]++;
	}
	return 0;
}

static int
count_domains(RpcClientCtx *c, bool active, RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = dom_list(c, &l, err);

	if (rc < 0)
		return rc;
	for (guint k = 0; k < l->len; k++)
		r->num[0] += dom_active(l->pdata[k]) == active;
	return 0;
}

RPC_HANDLER(h_num_of_domains)
{
	return count_domains(c, true, r, err);
}

RPC_HANDLER(h_num_of_defined_domains)
{
	return count_domains(c, false, r, err);
}

/* By id or uuid: one list call and a scan. */
static int
dom_find(RpcClientCtx *c, int id, const uint8_t *uuid, RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	char want[HV_UUID_STRLEN] = "";
	int rc = dom_list(c, &l, err);

	if (rc < 0)
		return rc;
	if (uuid)
		rpc_uuid_format(uuid, want);
	for (guint k = 0; k < l->len; k++) {
		const HvDomainInfo *i = l->pdata[k];

		if (uuid ? g_ascii_strcasecmp(i->uuid, want) == 0 : (id >= 0 && i->id == id)) {
			rpc_dom_fill(&r->dom, i);
			return 0;
		}
	}
	if (uuid)
		return hv_error_set(err, ENOENT, "no domain with matching uuid '%s'", want);
	return hv_error_set(err, ENOENT, "no domain with matching id %d", id);
}

RPC_HANDLER(h_dom_lookup_by_id)
{
	return dom_find(c, (int)a->num[0], NULL, r, err);
}

RPC_HANDLER(h_dom_lookup_by_uuid)
{
	return dom_find(c, -1, a->uuid, r, err);
}

RPC_HANDLER(h_dom_lookup_by_name)
{
	g_autoptr(HvDomainInfo) i = NULL;
	int rc = dom_info(c, a->str[0], &i, err);

	if (rc == 0)
		rpc_dom_fill(&r->dom, i);
	return rc;
}

/* The queries below share one get_info call. */
typedef void (*InfoPick)(const HvDomainInfo *i, RpcMsg *r);

static int
dom_query(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, InfoPick pick, GError **err)
{
	g_autoptr(HvDomainInfo) i = NULL;
	int rc = dom_info(c, a->dom.name, &i, err);

	if (rc == 0)
		pick(i, r);
	return rc;
}

static void
pick_info(const HvDomainInfo *i, RpcMsg *r)
{
	r->num[0] = i->state;
	r->num[1] = (int64_t)i->max_memory_kib;
	r->num[2] = (int64_t)i->memory_kib;
	r->num[3] = i->vcpus;
	r->num[4] = (int64_t)i->cpu_time_ns;
}

static void pick_state(const HvDomainInfo *i, RpcMsg *r) { r->num[0] = i->state; r->num[1] = i->reason; }
static void pick_os(const HvDomainInfo *i, RpcMsg *r) { r->str[0] = g_strdup(i->os_type ? i->os_type : "hvm"); }
static void pick_maxmem(const HvDomainInfo *i, RpcMsg *r) { r->num[0] = (int64_t)i->max_memory_kib; }
static void pick_maxvcpus(const HvDomainInfo *i, RpcMsg *r) { r->num[0] = i->max_vcpus; }
static void pick_autostart(const HvDomainInfo *i, RpcMsg *r) { r->num[0] = i->autostart; }
static void pick_active(const HvDomainInfo *i, RpcMsg *r) { r->num[0] = dom_active(i); }
static void pick_persistent(const HvDomainInfo *i, RpcMsg *r) { r->num[0] = i->persistent; }
static void pick_zero(const HvDomainInfo *i, RpcMsg *r) { r->num[0] = 0; }

RPC_HANDLER(h_dom_get_info) { return dom_query(c, a, r, pick_info, err); }
RPC_HANDLER(h_dom_get_state) { return dom_query(c, a, r, pick_state, err); }
RPC_HANDLER(h_dom_get_os_type) { return dom_query(c, a, r, pick_os, err); }
RPC_HANDLER(h_dom_get_max_memory) { return dom_query(c, a, r, pick_maxmem, err); }
RPC_HANDLER(h_dom_get_max_vcpus) { return dom_query(c, a, r, pick_maxvcpus, err); }
RPC_HANDLER(h_dom_get_autostart) { return dom_query(c, a, r, pick_autostart, err); }
RPC_HANDLER(h_dom_is_active) { return dom_query(c, a, r, pick_active, err); }
RPC_HANDLER(h_dom_is_persistent) { return dom_query(c, a, r, pick_persistent, err); }
RPC_HANDLER(h_dom_is_updated) { return dom_query(c, a, r, pick_zero, err); }
/* A driver without managed save has no image. */
RPC_HANDLER(h_dom_has_managed_save)
{
	int rc;

	if (!c->conn->driver->domain->has_managed_save)
		return dom_query(c, a, r, pick_zero, err);
	rc = HV_CALL(c->conn, domain, has_managed_save, HV_READS, err, a->dom.name);
	if (rc >= 0)
		r->num[0] = rc > 0;
	return rc < 0 ? rc : 0;
}

/* CONFIG of a running domain: the counts of its persistent definition. */
RPC_HANDLER(h_dom_get_vcpus_flags)
{
	g_autoptr(HvDomainInfo) i = NULL;
	g_autoptr(HvDomainDef) def = NULL;
	g_autofree char *xml = NULL;
	bool max = (unsigned)a->num[0] & VCPU_MAXIMUM;
	int rc = dom_info(c, a->dom.name, &i, err);

	if (rc < 0)
		return rc;
	r->num[0] = max ? i->max_vcpus : i->vcpus;
	if (!((unsigned)a->num[0] & HV_AFFECT_CONFIG) || !dom_active(i))
		return 0;
	if ((rc = HV_CALL(c->conn, domain, get_xml, HV_READS, err, a->dom.name, HV_XML_INACTIVE,
			  &xml)) < 0)
		return rc;
	if (!(def = hv_domain_def_parse(xml, strlen(xml), err)))
		return -EINVAL;
	r->num[0] = max ? def->max_vcpus : (def->vcpus ? def->vcpus : def->max_vcpus);
	return 0;
}

int
rpc_secure_xml(bool secure, int rc, char **xml)
{
	if (rc == 0 && !secure && *xml) {
		char *shown = hv_domain_xml_hide_secrets(*xml);

		g_free(*xml);
		*xml = shown;
	}
	return rc;
}

/* Secrets (a graphics passwd) only with VIR_DOMAIN_XML_SECURE, which a
 * read-only client may not ask for (libvirt's virDomainGetXMLDesc). */
RPC_HANDLER(h_dom_get_xml)
{
	unsigned flags = (unsigned)a->num[0];
	unsigned f = ((flags & DOM_XML_INACTIVE) ? HV_XML_INACTIVE : 0) |
		     ((flags & DOM_XML_SECURE) ? HV_XML_SECURE : 0);
	int rc = rpc_check_flags(c, "virDomainGetXMLDesc", flags, err);

	return rc < 0 ? rc
		      : RPC_SECURE_XML(c, "virDomainGetXMLDesc", flags & DOM_XML_SECURE,
				       &r->str[0], err,
				       HV_CALL(c->conn, domain, get_xml, HV_READS, err,
					       a->dom.name, f, &r->str[0]));
}

RPC_HANDLER(h_dom_define)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, domain, define_xml, HV_WRITES, err, a->str[0], &name);

	if (rc < 0)
		return rc;
	return h_dom_lookup_by_name(c, &(RpcMsg){ .str = { name } }, r, err);
}

RPC_HANDLER(h_dom_set_autostart)
{
	return HV_CALL(c->conn, domain, set_autostart, HV_WRITES, err, a->dom.name, a->num[0] != 0);
}

/* The verbs that take a domain and nothing else we use (flags are ignored:
 * the acpi/agent/signal methods all mean "ask the guest" here). */
#define DOM_VERB(fn, method)                                                      \
	RPC_HANDLER(fn)                                                           \
	{                                                                         \
		return HV_CALL(c->conn, domain, method, HV_WRITES, err, a->dom.name); \
	}

DOM_VERB(h_dom_undefine, undefine)
DOM_VERB(h_dom_create, start)
DOM_VERB(h_dom_shutdown, shutdown)
DOM_VERB(h_dom_destroy, destroy)
DOM_VERB(h_dom_reboot, reboot)
DOM_VERB(h_dom_reset, reset)
DOM_VERB(h_dom_suspend, suspend)
DOM_VERB(h_dom_resume, resume)

RPC_HANDLER(h_dom_create_flags)
{
	int rc = rpc_check_flags(c, "virDomainCreateWithFlags", (unsigned)a->num[0], err) ?:
		 h_dom_create(c, a, r, err);

	return rc < 0 ? rc : h_dom_lookup_by_name(c, &(RpcMsg){ .str = { a->dom.name } }, r, err);
}

static int
set_memory(RpcClientCtx *c, RpcMsg *a, unsigned flags, GError **err)
{
	if (flags & ~AFFECT_MASK)
		return hv_error_set(err, ENOTSUP, "memory flags 0x%x are not supported", flags);
	return HV_CALL(c->conn, domain, set_memory, HV_WRITES, err, a->dom.name,
		       (uint64_t)a->num[0], flags);
}

RPC_HANDLER(h_dom_set_memory) { return set_memory(c, a, HV_AFFECT_LIVE, err); }
RPC_HANDLER(h_dom_set_max_memory) { return set_memory(c, a, HV_AFFECT_CONFIG | HV_MAXIMUM, err); }
RPC_HANDLER(h_dom_set_memory_flags) { return set_memory(c, a, (unsigned)a->num[1], err); }

static int
set_vcpus(RpcClientCtx *c, RpcMsg *a, unsigned n, unsigned flags, GError **err)
{
	if (flags & ~AFFECT_MASK)
		return hv_error_set(err, ENOTSUP, "vcpu flags 0x%x are not supported", flags);
	return HV_CALL(c->conn, domain, set_vcpus, HV_WRITES, err, a->dom.name, n, flags);
}

RPC_HANDLER(h_dom_set_vcpus) { return set_vcpus(c, a, (unsigned)a->num[0], HV_AFFECT_LIVE, err); }
RPC_HANDLER(h_dom_set_vcpus_flags)
{
	return set_vcpus(c, a, (unsigned)a->num[0], (unsigned)a->num[1], err);
}

/* virDomainStatsTypes bits and the key prefixes they select. */
static const struct {
	unsigned bit;
	const char *prefix;
} stat_groups[] = {
	{ 1u << 0, "state." },  { 1u << 1, "cpu." },      { 1u << 2, "balloon." },
	{ 1u << 3, "vcpu." },   { 1u << 4, "net." },      { 1u << 5, "block." },
	{ 1u << 6, "perf." },   { 1u << 7, "iothread." }, { 1u << 8, "memory." },
	{ 1u << 9, "dirtyrate." }, { 1u << 10, "vm." },
};

static bool
stat_wanted(const char *key, unsigned stats)
{
	if (!stats)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(stat_groups); i++)
		if (g_str_has_prefix(key, stat_groups[i].prefix))
			return (stats & stat_groups[i].bit) != 0;
	return false;
}

/* One `key=value` line as a typed parameter, typed as libvirt types it:
 * state.* INT, counts, vCPU numbers and IOThread poll-grow and poll-shrink
 * UINT, names and paths STRING, other
 * integers ULLONG (LLONG when negative), decimals DOUBLE. */
static void
stat_add(RpcStats *st, const char *key, const char *val)
{
	char *end = NULL;
	bool is_int = *val && (g_ascii_isdigit(*val) || (*val == '-' && g_ascii_isdigit(val[1])));
	gint64 i = 0;
	double d;

	if (is_int) { /* all 64 bits of an unsigned one too */
		errno = 0;
		i = *val == '-' ? g_ascii_strtoll(val, &end, 10)
				: (gint64)g_ascii_strtoull(val, &end, 10);
		is_int = !*end && !errno;
	}
	if (g_str_has_suffix(key, ".name") || g_str_has_suffix(key, ".path")) {
		rpc_param_add(st, key, RPC_PARAM_STRING, 0, 0, val);
	} else if (is_int && g_str_has_prefix(key, "state.")) {
		rpc_param_add(st, key, RPC_PARAM_INT, i, 0, NULL);
	} else if (is_int && *val != '-' && (guint64)i <= G_MAXUINT32 &&
		   (g_str_has_suffix(key, ".count") || g_str_has_suffix(key, ".poll-grow") ||
		    g_str_has_suffix(key, ".poll-shrink") || g_str_equal(key, "vcpu.current") ||
		    g_str_equal(key, "vcpu.maximum") ||
		    (g_str_has_prefix(key, "vcpu.") && g_str_has_suffix(key, ".state")))) {
		rpc_param_add(st, key, RPC_PARAM_UINT, i, 0, NULL);
	} else if (is_int) {
		rpc_param_add(st, key, *val == '-' ? RPC_PARAM_LLONG : RPC_PARAM_ULLONG, i, 0, NULL);
	} else if (*val && (d = g_ascii_strtod(val, &end), !*end)) {
		rpc_param_add(st, key, RPC_PARAM_DOUBLE, 0, d, NULL);
	} else {
		rpc_param_add(st, key, RPC_PARAM_STRING, 0, 0, val);
	}
}

static int
dom_stats(RpcClientCtx *c, const HvDomainInfo *i, unsigned stats, RpcMsg *r, GError **err)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	RpcDom d = { 0 };
	RpcStats *st;
	int rc = HV_CALL(c->conn, domain, get_stats, HV_READS, err, i->name, &text);

	if (rc < 0)
		return rc;
	rpc_dom_fill(&d, i);
	st = rpc_stats_add(r, &d);
	g_free(d.name);
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		char *eq = strchr(*l, '=');

		if (!eq || eq == *l)
			continue;
		*eq = '\0';
		if (stat_wanted(*l, stats))
			stat_add(st, *l, eq + 1);
	}
	return 0;
}

#define STATS_WHICH 0xffu        /* ACTIVE ... OTHER: which domains */
#define STATS_ENFORCE (1u << 31) /* VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS */

/* The domains given (those gone meanwhile left out), or all of them. */
static int
stats_domains(RpcClientCtx *c, const RpcMsg *a, GPtrArray **l, GError **err)
{
	if (!a->doms || !a->doms->len)
		return dom_list(c, l, err);
	*l = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_info_free);
	for (guint k = 0; k < a->doms->len; k++) {
		g_autoptr(GError) e = NULL;
		HvDomainInfo *i = NULL;
		int rc = dom_info(c, g_array_index(a->doms, RpcDom, k).name, &i, &e);

		if (rc == -ENOENT)
			continue;
		if (rc < 0) {
			g_propagate_error(err, g_steal_pointer(&e));
			return rc;
		}
		g_ptr_array_add(*l, i);
	}
	return 0;
}

/* virConnectGetAllDomainStats and virDomainListGetStats: the domains given
 * (all of them when none is), filtered by the list flags, each with the
 * driver's get_stats lines in the groups asked for (all when stats is 0).
 * ENFORCE_STATS refuses groups the driver does not fill (stats_groups), as
 * libvirt's drivers do; the driver's flag_rules its other flags. */
RPC_HANDLER(h_get_all_domain_stats)
{
	unsigned stats = (unsigned)a->num[0], flags = (unsigned)a->num[1];
	const HvDomainOps *ops = c->conn->driver->domain;
	g_autoptr(GPtrArray) l = NULL;
	unsigned groups;
	int rc;

	if (!ops || !ops->get_stats)
		return hv_error_set(err, ENOTSUP, "domain statistics are not available");
	if ((rc = rpc_check_flags(c, "virConnectGetAllDomainStats", flags, err)) < 0)
		return rc;
	groups = ops->stats_groups ? ops->stats_groups(c->conn) : ~0u;
	if ((flags & STATS_ENFORCE) && (stats & ~groups))
		return hv_error_set(err, ENOPROTOOPT, "Stats types bits 0x%x are not supported by "
				    "this daemon", stats & ~groups);
	if ((rc = stats_domains(c, a, &l, err)) < 0)
		return rc;
	for (guint k = 0; k < l->len; k++) {
		g_autoptr(GError) e = NULL;

		if (!dom_matches(l->pdata[k], flags & STATS_WHICH))
			continue;
		rc = dom_stats(c, l->pdata[k], stats, r, &e);
		if (rc == -ENOENT)
			continue;
		if (rc < 0) {
			g_propagate_error(err, g_steal_pointer(&e));
			return rc;
		}
	}
	return 0;
}
