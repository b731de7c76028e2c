/* remote_domain.c: the remote driver's domain ops and its domain cache. An
 * info is built from six pipelined calls (info, state, persistent, autostart,
 * OS type, max vCPUs) and kept until a lifecycle event or a write names that
 * domain; a listing is one list-all call plus the infos not cached, and is
 * itself cached until a domain is defined or undefined (docs/remote.md). */
#include <stddef.h>
#include <string.h>
#include "remote/remote_priv.h"

enum {
	PROC_DOM_CREATE = 9,
	PROC_DOM_DEFINE = 11,
	PROC_DOM_DESTROY = 12,
	PROC_DOM_XML = 14,
	PROC_DOM_GET_AUTOSTART = 15,
	PROC_DOM_INFO = 16,
	PROC_DOM_OS_TYPE = 19,
	PROC_DOM_LOOKUP_NAME = 23,
	PROC_DOM_REBOOT = 27,
	PROC_DOM_RESUME = 28,
	PROC_DOM_SET_AUTOSTART = 29,
	PROC_DOM_ABORT_JOB = 164,
	PROC_DOM_GET_JOB_STATS = 298,
	PROC_DOM_SHUTDOWN = 33,
	PROC_DOM_SUSPEND = 34,
	PROC_DOM_UNDEFINE = 35,
	PROC_DOM_IS_PERSISTENT = 151,
	PROC_DOM_SET_VCPUS = 199,
	PROC_DOM_GET_VCPUS = 200,
	PROC_DOM_SET_MEMORY = 204,
	PROC_DOM_STATE = 212,
	PROC_DOM_RESET = 245,
	PROC_LIST_DOMAINS = 273,
};

#define VIR_DOMAIN_XML_SECURE 1u
#define VIR_DOMAIN_XML_INACTIVE 2u
#define VCPU_MAX_CONFIG 6u /* VIR_DOMAIN_VCPU_MAXIMUM | VIR_DOMAIN_AFFECT_CONFIG */

/* The calls that make one HvDomainInfo, in flight together. */
enum { F_INFO, F_STATE, F_PERSISTENT, F_AUTOSTART, F_OS_TYPE, F_MAX_VCPUS, F_N };
static const struct {
	int32_t proc;
	bool flags; /* takes a flags word after the domain */
	unsigned flag_value;
} fetch_calls[F_N] = {
	[F_INFO] = { PROC_DOM_INFO, false, 0 },
	[F_STATE] = { PROC_DOM_STATE, true, 0 },
	[F_PERSISTENT] = { PROC_DOM_IS_PERSISTENT, false, 0 },
	[F_AUTOSTART] = { PROC_DOM_GET_AUTOSTART, false, 0 },
	[F_OS_TYPE] = { PROC_DOM_OS_TYPE, false, 0 },
	[F_MAX_VCPUS] = { PROC_DOM_GET_VCPUS, true, VCPU_MAX_CONFIG },
};

typedef struct {
	RpcDom dom; /* borrowed */
	RpcCall *calls[F_N];
} Fetch;

static void
fetch_send(RpcClient *cl, const RpcDom *d, Fetch *f)
{
	f->dom = *d;
	for (int i = 0; i < F_N; i++) {
		RpcMsg a = { .dom = *d, .num = { fetch_calls[i].flag_value } };

		f->calls[i] = rpc_client_send(cl, fetch_calls[i].proc, &a, NULL);
	}
}

/* Waits for f's replies; the info call decides success. */
static int
fetch_finish(Fetch *f, HvDomainInfo **out, GError **err)
{
	g_autoptr(HvDomainInfo) i = g_new0(HvDomainInfo, 1);
	RpcMsg r[F_N] = { { { 0 } } };
	bool ok[F_N];
	int rc = 0;

	for (int k = 0; k < F_N; k++) {
		ok[k] = f->calls[k] && rpc_client_wait(f->calls[k], &r[k], k == F_INFO ? err : NULL) == 0;
		if (!f->calls[k] && k == F_INFO)
			rc = hv_error_set(err, ENOTCONN, "domain '%s': the connection is gone", f->dom.name);
	}
	if (!ok[F_INFO] && rc == 0)
		rc = err && *err ? hv_error_errno(*err) : -EIO;
	if (rc == 0) {
		i->name = g_strdup(f->dom.name);
		rpc_uuid_format(f->dom.uuid, i->uuid);
		i->id = f->dom.id;
		i->state = (HvDomainState)r[F_INFO].num[0];
		i->max_memory_kib = (uint64_t)r[F_INFO].num[1];
		i->memory_kib = (uint64_t)r[F_INFO].num[2];
		i->vcpus = (unsigned)r[F_INFO].num[3];
		i->cpu_time_ns = (uint64_t)r[F_INFO].num[4];
		if (ok[F_STATE]) {
			i->state = (HvDomainState)r[F_STATE].num[0];
			i->reason = (int)r[F_STATE].num[1];
		}
		i->persistent = ok[F_PERSISTENT] && r[F_PERSISTENT].num[0];
		i->autostart = ok[F_AUTOSTART] && r[F_AUTOSTART].num[0];
		i->os_type = ok[F_OS_TYPE] ? g_steal_pointer(&r[F_OS_TYPE].str[0]) : NULL;
		i->max_vcpus = ok[F_MAX_VCPUS] ? (unsigned)r[F_MAX_VCPUS].num[0] : i->vcpus;
		*out = g_steal_pointer(&i);
	}
	for (int k = 0; k < F_N; k++)
		rpc_msg_clear(&r[k]);
	return rc;
}

static HvDomainInfo *
info_dup(const HvDomainInfo *i)
{
	HvDomainInfo *d = g_memdup2(i, sizeof(*i));

	d->name = g_strdup(i->name);
	d->os_type = g_strdup(i->os_type);
	d->accel = g_strdup(i->accel);
	return d;
}

void
remote_dom_invalidate(RemotePriv *p, const char *name, bool listing)
{
	g_mutex_lock(&p->lock);
	p->gen++;
	if (name)
		g_hash_table_remove(p->doms, name);
	if (listing)
		p->list_valid = false;
	g_mutex_unlock(&p->lock);
}

void
remote_dom_cache_reset(RemotePriv *p)
{
	g_mutex_lock(&p->lock);
	p->gen++;
	g_hash_table_remove_all(p->doms);
	g_hash_table_remove_all(p->listed);
	p->list_valid = false;
	g_mutex_unlock(&p->lock);
}

/* Stores infos fetched while the cache generation stayed gen. */
static void
cache_store(RemotePriv *p, uint64_t gen, HvDomainInfo *const *infos, guint n, bool listing)
{
	g_mutex_lock(&p->lock);
	if (p->gen == gen) {
		if (listing)
			g_hash_table_remove_all(p->listed);
		for (guint k = 0; k < n; k++) {
			g_hash_table_replace(p->doms, g_strdup(infos[k]->name), info_dup(infos[k]));
			if (listing)
				g_hash_table_add(p->listed, g_strdup(infos[k]->name));
		}
		if (listing)
			p->list_valid = true;
	}
	g_mutex_unlock(&p->lock);
}

int
remote_dom_ref(RemotePriv *p, RpcClient *cl, const char *name, RpcMsg *holder, GError **err)
{
	HvDomainInfo *i;
	int rc = 0;

	g_mutex_lock(&p->lock);
	i = g_hash_table_lookup(p->doms, name);
	if (i) {
		holder->dom.name = g_strdup(name);
		rpc_uuid_parse(i->uuid, holder->dom.uuid);
		holder->dom.id = i->id;
	}
	g_mutex_unlock(&p->lock);
	if (!holder->dom.name) {
		RpcMsg a = { .str = { (char *)name }, .has_str = { true } };

		rc = rpc_client_call(cl, PROC_DOM_LOOKUP_NAME, &a, holder, err);
	}
	return rc;
}

static int
remote_dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 };
	HvDomainInfo *hit;
	uint64_t gen;
	Fetch f;
	int rc = remote_client(p, &cl, err);

	if (rc < 0)
		return rc;
	g_mutex_lock(&p->lock);
	hit = g_hash_table_lookup(p->doms, name);
	*out = hit ? info_dup(hit) : NULL;
	gen = p->gen;
	g_mutex_unlock(&p->lock);
	if (hit)
		return 0;
	{
		RpcMsg a = { .str = { (char *)name }, .has_str = { true } };

		rc = rpc_client_call(cl, PROC_DOM_LOOKUP_NAME, &a, &d, err);
	}
	if (rc == 0)
		rc = remote_same_name(p, HV_OBJ_DOMAIN, name, d.dom.name, err);
	if (rc == 0) {
		fetch_send(cl, &d.dom, &f);
		rc = fetch_finish(&f, out, err);
	}
	if (rc == 0)
		cache_store(p, gen, out, 1, false);
	rpc_msg_clear(&d);
	return rc;
}

/* The listing from the cache: only while it is valid and every listed domain
 * still has its info: an event or a write drops one domain's info, not the
 * listing (listing what doms held then left that domain out: the empty
 * `ls domains` after a write, found by tests/remote/test_netns.py). Otherwise
 * all is left empty and the caller lists. */
static int
list_cached(RemotePriv *p, GPtrArray *all, uint64_t *gen)
{
	GHashTableIter it;
	gpointer k;
	bool valid;

	g_mutex_lock(&p->lock);
	valid = p->list_valid;
	*gen = p->gen;
	g_hash_table_iter_init(&it, p->listed);
	while (valid && g_hash_table_iter_next(&it, &k, NULL)) {
		HvDomainInfo *i = g_hash_table_lookup(p->doms, k);

		if (i)
			g_ptr_array_add(all, info_dup(i));
		else
			valid = false;
	}
	if (!valid)
		g_ptr_array_set_size(all, 0);
	g_mutex_unlock(&p->lock);
	return valid;
}

static int
remote_dom_list(HvConn *c, GPtrArray **out, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_info_free);
	g_autofree Fetch *f = NULL;
	RpcMsg a = { .num = { 1, 0 } }, r = { 0 };
	bool listing = true;
	uint64_t gen;
	int rc = remote_client(p, &cl, err);

	if (rc < 0)
		return rc;
	if (list_cached(p, all, &gen)) {
		*out = g_steal_pointer(&all);
		return 0;
	}
	rc = rpc_client_call(cl, PROC_LIST_DOMAINS, &a, &r, err);
	if (rc == 0) {
		guint sent = r.doms->len;

		remote_names_filter(p, HV_OBJ_DOMAIN, r.doms, G_STRUCT_OFFSET(RpcDom, name), "readdir");
		/* bad names at the prefetch are said again by the first real listing */
		listing = !(p->prefetch && r.doms->len < sent);
		f = g_new0(Fetch, r.doms->len);
		for (guint k = 0; k < r.doms->len; k++) {
			const RpcDom *d = &g_array_index(r.doms, RpcDom, k);
			HvDomainInfo *hit;

			g_mutex_lock(&p->lock);
			hit = g_hash_table_lookup(p->doms, d->name);
			if (hit)
				g_ptr_array_add(all, info_dup(hit));
			g_mutex_unlock(&p->lock);
			if (!hit)
				fetch_send(cl, d, &f[k]);
		}
		for (guint k = 0; k < r.doms->len; k++) {
			g_autoptr(GError) e = NULL;
			HvDomainInfo *i = NULL;

			if (!f[k].dom.name)
				continue; /* taken from the cache */
			/* A domain undefined meanwhile is left out; the connection going is not. */
			if (fetch_finish(&f[k], &i, &e) == 0)
				g_ptr_array_add(all, i);
			else if (rc == 0 && e->code != ENOENT)
				rc = hv_error_errno(e), g_propagate_error(err, g_steal_pointer(&e));
		}
	}
	rpc_msg_clear(&r);
	if (rc < 0)
		return rc;
	cache_store(p, gen, (HvDomainInfo *const *)all->pdata, all->len, listing);
	*out = g_steal_pointer(&all);
	return 0;
}

int
remote_dom_do(HvConn *c, const char *name, int32_t proc, RpcMsg *args, RpcMsg *ret,
	      RemoteInval inval, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 };
	int rc = remote_client(p, &cl, err);

	if (rc == 0)
		rc = remote_dom_ref(p, cl, name, &d, err);
	if (rc == 0) {
		args->dom = d.dom;
		rc = rpc_client_call(cl, proc, args, ret, err);
		args->dom = (RpcDom){ 0 };
	}
	if (inval != REMOTE_INVAL_NONE)
		remote_dom_invalidate(p, name, inval == REMOTE_INVAL_LISTING);
	rpc_msg_clear(&d);
	return rc;
}

/* One call on a named domain: args are the domain then nums; the cache entry
 * is dropped whatever happens (a lifecycle event may or may not follow). */
static int
dom_call(HvConn *c, const char *name, int32_t proc, int64_t n0, int64_t n1, RpcMsg *ret,
	 GError **err)
{
	RpcMsg a = { .num = { n0, n1 } };
	bool query = proc == PROC_DOM_XML || proc == PROC_DOM_GET_JOB_STATS;

	return remote_dom_do(c, name, proc, &a, ret,
			     query ? REMOTE_INVAL_NONE
			     : proc == PROC_DOM_UNDEFINE ? REMOTE_INVAL_LISTING : REMOTE_INVAL_ENTRY,
			     err);
}

/* HV_XML_SECURE asks the peer for secrets; a peer that refuses them (a
 * read-only connection: "virDomainGetXMLDesc with secure flag") is asked
 * again without. */
static int
remote_dom_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	RpcMsg r = { 0 };
	unsigned base = (flags & HV_XML_INACTIVE) ? VIR_DOMAIN_XML_INACTIVE : 0;
	int rc = dom_call(c, name, PROC_DOM_XML,
			  base | ((flags & HV_XML_SECURE) ? VIR_DOMAIN_XML_SECURE : 0), 0, &r, err);

	if (rc == -EACCES && (flags & HV_XML_SECURE)) {
		g_clear_error(err);
		rc = dom_call(c, name, PROC_DOM_XML, base, 0, &r, err);
	}
	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_dom_define(HvConn *c, const char *xml, char **name_out, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)xml }, .has_str = { true } }, r = { 0 };
	int rc = remote_client(p, &cl, err);

	if (rc == 0)
		rc = rpc_client_call(cl, PROC_DOM_DEFINE, &a, &r, err);
	if (rc == 0)
		rc = remote_name_check(p, HV_OBJ_DOMAIN, r.dom.name, err);
	remote_dom_invalidate(p, rc == 0 ? r.dom.name : NULL, true);
	if (rc == 0 && name_out)
		*name_out = g_steal_pointer(&r.dom.name);
	rpc_msg_clear(&r);
	return rc;
}

/* A verb's failure names the verb and the domain, as the local drivers' do:
 * libvirtd's messages often say neither ("domain is not running"). */
static int
verb_failed(int rc, const char *verb, const char *name, GError **err)
{
	g_autofree char *quoted = g_strdup_printf("'%s'", name);

	if (rc < 0 && err && *err && rc != -ENOTCONN &&
	    !(strstr((*err)->message, quoted) && strstr((*err)->message, verb)))
		g_prefix_error(err, "cannot %s domain '%s': ", verb, name);
	return rc;
}

#define DOM_ACTION(fn, proc, verb)                                                   \
	static int fn(HvConn *c, const char *name, GError **err)                      \
	{                                                                             \
		return verb_failed(dom_call(c, name, proc, 0, 0, NULL, err), verb, name, err); \
	}
DOM_ACTION(remote_dom_undefine, PROC_DOM_UNDEFINE, "undefine")
DOM_ACTION(remote_dom_start, PROC_DOM_CREATE, "start")
DOM_ACTION(remote_dom_shutdown, PROC_DOM_SHUTDOWN, "shutdown")
DOM_ACTION(remote_dom_destroy, PROC_DOM_DESTROY, "destroy")
DOM_ACTION(remote_dom_suspend, PROC_DOM_SUSPEND, "suspend")
DOM_ACTION(remote_dom_resume, PROC_DOM_RESUME, "resume")
DOM_ACTION(remote_dom_abort_job, PROC_DOM_ABORT_JOB, "abort the job of")

/* Changes libvirt sends no lifecycle event for: we report them ourselves. */
static int
dom_call_emit(HvConn *c, const char *name, int32_t proc, int64_t n0, int64_t n1,
	      const char *event, const char *detail, GError **err)
{
	int rc = dom_call(c, name, proc, n0, n1, NULL, err);

	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_DOMAIN, NULL, name, event, detail);
	return rc;
}

static int
remote_dom_reboot(HvConn *c, const char *name, GError **err)
{
	return verb_failed(dom_call_emit(c, name, PROC_DOM_REBOOT, 0, 0, "rebooted", "-", err),
			   "reboot", name, err);
}

static int
remote_dom_reset(HvConn *c, const char *name, GError **err)
{
	return verb_failed(dom_call_emit(c, name, PROC_DOM_RESET, 0, 0, "reset", "-", err),
			   "reset", name, err);
}

typedef struct {
	HvConn *c;
	const char *name;
	int32_t proc;
	int64_t n0;
} AffectCall;

static int
affect_one(void *ctx, unsigned flags, GError **err)
{
	AffectCall *a = ctx;

	return dom_call(a->c, a->name, a->proc, a->n0, flags, NULL, err);
}

/* A set with live and config together, one per call where the peer wants it
 * (hv_call_affect_split). */
static int
dom_call_affect(HvConn *c, const char *name, int32_t proc, int64_t n0, unsigned flags,
		const char *event, const char *detail, GError **err)
{
	AffectCall a = { c, name, proc, n0 };
	int rc = hv_call_affect_split(affect_one, &a, flags, err);

	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_DOMAIN, NULL, name, event, detail);
	return rc;
}

/* HV_AFFECT_* and HV_MAXIMUM have libvirt's values for memory and vCPU flags. */
static int
remote_dom_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags, GError **err)
{
	g_autofree char *d = g_strdup_printf("%" G_GUINT64_FORMAT, kib);

	return dom_call_affect(c, name, PROC_DOM_SET_MEMORY, (int64_t)kib, flags,
			       (flags & HV_MAXIMUM) ? "max-memory-changed" : "memory-changed", d, err);
}

static int
remote_dom_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err)
{
	g_autofree char *d = g_strdup_printf("%u", n);

	/* libvirt's API: VIR_DOMAIN_VCPU_MAXIMUM never goes with AFFECT_LIVE; drivers
	 * answer differently (INVALID_ARG, a count check): the tree says EBUSY */
	if ((flags & HV_MAXIMUM) && (flags & HV_AFFECT_LIVE))
		return hv_error_set(err, EBUSY, "cannot set the maximum vCPUs of domain '%s': "
				    "the domain is running", name);
	return dom_call_affect(c, name, PROC_DOM_SET_VCPUS, n, flags,
			       (flags & HV_MAXIMUM) ? "max-vcpus-changed" : "vcpus-changed", d, err);
}

static int
remote_dom_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	return dom_call_emit(c, name, PROC_DOM_SET_AUTOSTART, on, 0, "autostart-changed",
			     on ? "1" : "0", err);
}

/* A parameter the peer sent makes one `key=value` line: no '=' in the key
 * and no control character in either (a newline would forge another line). */
static bool
stat_line_ok(const RpcParam *pa)
{
	const char *parts[] = { pa->field, pa->type == RPC_PARAM_STRING ? pa->s : "" };

	if (!pa->field || !*pa->field || strchr(pa->field, '='))
		return false;
	for (size_t k = 0; k < G_N_ELEMENTS(parts); k++)
		for (const char *c = parts[k]; c && *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return false;
	return true;
}

/* One CONNECT_GET_ALL_DOMAIN_STATS call for this domain (all groups), as
 * `key=value` lines the way virsh domstats prints them. Not cached. */
static int
remote_dom_get_stats(HvConn *c, const char *name, char **text, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 }, a = { 0 }, r = { 0 };
	int rc = remote_client(p, &cl, err);

	if (rc == 0)
		rc = remote_dom_ref(p, cl, name, &d, err);
	if (rc == 0) {
		RpcDom dom = d.dom;

		dom.name = g_strdup(d.dom.name); /* a.doms owns its copy */
		rpc_msg_init_lists(&a);
		g_array_append_val(a.doms, dom);
		rc = rpc_client_call(cl, PROC_CONNECT_GET_ALL_DOMAIN_STATS, &a, &r, err);
	}
	if (rc == 0 && (!r.stats || !r.stats->len))
		rc = hv_error_set(err, ENOENT, "no statistics for domain '%s'", name);
	if (rc == 0) {
		const RpcStats *st = &g_array_index(r.stats, RpcStats, 0);
		GString *s = g_string_new(NULL);

		for (guint i = 0; i < st->params->len; i++) {
			const RpcParam *pa = &g_array_index(st->params, RpcParam, i);

			if (!stat_line_ok(pa))
				continue;
			if (pa->type == RPC_PARAM_STRING)
				g_string_append_printf(s, "%s=%s\n", pa->field, pa->s);
			else if (pa->type == RPC_PARAM_DOUBLE)
				g_string_append_printf(s, "%s=%f\n", pa->field, pa->d);
			else if (pa->type == RPC_PARAM_ULLONG)
				g_string_append_printf(s, "%s=%" G_GUINT64_FORMAT "\n", pa->field,
						       (guint64)pa->i);
			else
				g_string_append_printf(s, "%s=%" G_GINT64_FORMAT "\n", pa->field, pa->i);
		}
		*text = g_string_free(s, FALSE);
	}
	rpc_msg_clear(&a);
	rpc_msg_clear(&d);
	rpc_msg_clear(&r);
	return rc;
}

/* The peer's job (virDomainGetJobStats): its operation names it, its
 * counters fill the snapshot; a peer without job stats has no job to show.
 * With flags VIR_DOMAIN_JOB_STATS_COMPLETED (1), the last completed one. */
#define JOB_STATS_COMPLETED 1u
#define JOB_TYPE_COMPLETED 3 /* virDomainJobType */
static const struct {
	const char *field;
	size_t off;
} job_fields[] = {
	{ "time_elapsed", offsetof(HvJobInfo, elapsed_ms) },
	{ "data_total", offsetof(HvJobInfo, total_bytes) },
	{ "data_processed", offsetof(HvJobInfo, processed_bytes) },
	{ "data_remaining", offsetof(HvJobInfo, remaining_bytes) },
	{ "memory_iteration", offsetof(HvJobInfo, iteration) },
	{ "disk_total", offsetof(HvJobInfo, disk_total) },
	{ "disk_processed", offsetof(HvJobInfo, disk_processed) },
	{ "disk_remaining", offsetof(HvJobInfo, disk_remaining) },
	{ "downtime", offsetof(HvJobInfo, downtime_ms) },
};

/* 0 and *out (type NULL: none), or -errno; *type: the peer's job type. */
static int
job_stats(HvConn *c, const char *name, unsigned flags, HvJobInfo *out, int *type, GError **err)
{
	RpcMsg r = { 0 };
	int rc = dom_call(c, name, PROC_DOM_GET_JOB_STATS, flags, 0, &r, err);
	int operation = 0;

	memset(out, 0, sizeof(*out));
	*type = 0;
	if (rc == -ENOTSUP) { /* an older peer: no job it can show */
		g_clear_error(err);
		rc = 0;
	}
	if (rc < 0 || r.num[0] == 0) {
		rpc_msg_clear(&r);
		return rc;
	}
	*type = (int)r.num[0];
	for (guint i = 0; r.params && i < r.params->len; i++) {
		const RpcParam *pa = &g_array_index(r.params, RpcParam, i);

		if (!pa->field || pa->type == RPC_PARAM_STRING || pa->type == RPC_PARAM_DOUBLE)
			continue;
		if (g_str_equal(pa->field, "operation"))
			operation = (int)pa->i;
		else if (g_str_equal(pa->field, "memory_dirty_rate"))
			out->rate = (uint64_t)pa->i * 4096; /* pages a second */
		for (size_t k = 0; k < G_N_ELEMENTS(job_fields); k++)
			if (g_str_equal(pa->field, job_fields[k].field))
				*(uint64_t *)((char *)out + job_fields[k].off) = (uint64_t)pa->i;
	}
	out->type = g_strdup(rpc_job_type(operation));
	out->modifying = true;
	out->abortable = true; /* the peer answers an abort it cannot do */
	rpc_msg_clear(&r);
	return 0;
}

static int
remote_dom_get_job(HvConn *c, const char *name, HvJobInfo *out, GError **err)
{
	int type;

	return job_stats(c, name, 0, out, &type, err);
}

static int
remote_dom_get_completed_job(HvConn *c, const char *name, HvJobInfo *out, GError **err)
{
	int type, rc = job_stats(c, name, JOB_STATS_COMPLETED, out, &type, err);

	if (rc < 0 || type == JOB_TYPE_COMPLETED)
		return rc < 0 ? rc : 1;
	hv_job_info_clear(out);
	memset(out, 0, sizeof(*out));
	return 0;
}

const HvDomainOps remote_domain_ops = {
	.list = remote_dom_list,
	.get_info = remote_dom_get_info,
	.get_xml = remote_dom_get_xml,
	.define_xml = remote_dom_define,
	.undefine = remote_dom_undefine,
	.start = remote_dom_start,
	.shutdown = remote_dom_shutdown,
	.destroy = remote_dom_destroy,
	.reboot = remote_dom_reboot,
	.reset = remote_dom_reset,
	.suspend = remote_dom_suspend,
	.resume = remote_dom_resume,
	.set_memory = remote_dom_set_memory,
	.set_vcpus = remote_dom_set_vcpus,
	.set_autostart = remote_dom_set_autostart,
	.get_stats = remote_dom_get_stats,
	.get_addresses = remote_dom_get_addresses,
	.get_job = remote_dom_get_job,
	.get_completed_job = remote_dom_get_completed_job,
	.abort_job = remote_dom_abort_job,
	.rename = remote_dom_rename,
	.set_iothread = remote_dom_set_iothread,
	.set_iothread_params = remote_dom_set_iothread_params,
	.get_affinity = remote_dom_get_affinity,
	.set_affinity = remote_dom_set_affinity,
	.screenshot = remote_dom_screenshot,
	REMOTE_MIGRATION_OPS,
};
