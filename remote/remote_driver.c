/* remote_driver.c: hv_remote_driver, hyperfs's client of libvirt's RPC protocol
 * (docs/remote.md). Here: URI parsing (driver+transport://host:port/path?params),
 * the session set-up (auth list, open, event registration), lifecycle events
 * turned into hv_conn_emit, one reconnect step with backoff (run by
 * remote_sched.c), and the node ops. Domains are in remote_domain.c, storage and networks in remote_storage.c. */
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include "remote/remote_priv.h"

#define VIR_CONNECT_RO 1u
#define EVENT_ID_LIFECYCLE 0
#define FEATURE_PROGRAM_KEEPALIVE 10
#define FEATURE_MIGRATION_PARAMS 13 /* the peer's driver migrates (v3 with params) */
#define DEFAULT_SOCKET "/run/hyperfs/hyperfs-sock"
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000

enum {
	PROC_AUTH_LIST = 66,
	PROC_SUPPORTS_FEATURE = 60,
	PROC_NODE_GET_INFO = 6,
	PROC_GET_CAPABILITIES = 7,
	PROC_GET_HOSTNAME = 59,
	PROC_NODE_FREE_MEMORY = 102,
	PROC_EVENT_REGISTER_ANY = 316,
	PROC_LIST_NETWORKS = 283,
	PROC_LIST_POOLS = 281,
};

/* Transports: default port, and whether this build speaks it. */
static const struct {
	const char *name;
	int port;
	bool supported;
} transports[] = {
	{ "unix", 0, true },
	{ "tcp", 16509, true },
	{ "tls", 16514, true },
	{ "ssh", 0, true }, /* 0: ssh's own default (22 or ssh_config) */
	{ "libssh2", 22, true },
	{ "libssh", 22, false },
	{ "ext", 0, true },
};

/* Query parameters the remote driver consumes; the others go to the peer. */
static const char *const transport_params[] = {
	"socket", "name", "no_verify", "no_tty", "pkipath", "keyfile", "netcat", "command",
	"mode", "proxy", "known_hosts", "known_hosts_verify", "sshauth",
	"keepalive_interval", "keepalive_count", /* hyperfs's: client.h, docs/remote.md */
	NULL,
};

static int
find_transport(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(transports); i++)
		if (g_ascii_strcasecmp(transports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Splits the query into the transport's params (socket=, name=) and the rest. */
static void
parse_query(RemotePriv *p, const char *query, char **name_out, GString *rest)
{
	g_auto(GStrv) parts = g_strsplit(query ? query : "", "&", -1);

	for (char **kv = parts; *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		g_autofree char *key = eq ? g_strndup(*kv, (gsize)(eq - *kv)) : g_strdup(*kv);
		g_autofree char *val = eq ? g_uri_unescape_string(eq + 1, NULL) : NULL;

		if (!**kv)
			continue;
		if (!g_strv_contains(transport_params, key)) {
			g_string_append_printf(rest, "%s%s", rest->len ? "&" : "", *kv);
			continue;
		}
		if (g_str_equal(key, "socket") && val)
			g_free(g_steal_pointer(&p->target)), p->target = g_steal_pointer(&val);
		else if (g_str_equal(key, "name") && val)
			*name_out = g_steal_pointer(&val);
		else
			g_hash_table_replace(p->tparams, g_steal_pointer(&key),
					     val ? g_steal_pointer(&val) : g_strdup(""));
	}
}

/* keepalive_interval=SECONDS (1..3600, or -1: no pings, as libvirt's -1) and
 * keepalive_count=N (1..100): a silent peer is dead after interval x (N + 1). */
static int
parse_keepalive(RemotePriv *p, GError **err)
{
	static const struct {
		const char *key;
		int min, max;
	} keys[] = { { "keepalive_interval", -1, 3600 }, { "keepalive_count", 1, 100 } };

	for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
		const char *v = g_hash_table_lookup(p->tparams, keys[k].key);
		int64_t n;

		if (!v)
			continue;
		if (!g_ascii_string_to_signed(v, 10, keys[k].min, keys[k].max, &n, NULL) ||
		    (k == 0 && n == 0))
			return hv_error_set(err, EINVAL,
					    "%s='%s' in '%s': want %s", keys[k].key, v,
					    p->conn->uri_str,
					    k == 0 ? "1..3600 seconds, or -1 for no keepalive" : "1..100");
		if (k == 0)
			p->ka_interval = (int)n;
		else
			p->ka_count = (int)n;
	}
	return 0;
}

/* test+unix:///default?socket=S -> transport unix, target S, remote test:///default */
static int
parse_uri(RemotePriv *p, GUri *u, GError **err)
{
	const char *scheme = g_uri_get_scheme(u), *plus = strchr(scheme, '+');
	const char *host = g_uri_get_host(u), *path = g_uri_get_path(u);
	g_autofree char *drv = plus ? g_strndup(scheme, (gsize)(plus - scheme)) : g_strdup(scheme);
	g_autofree char *name = NULL;
	g_autoptr(GString) rest = g_string_new(NULL);
	int t = find_transport(plus ? plus + 1 : (host && *host ? "tls" : "unix"));
	bool ssh;

	if (t < 0)
		return hv_error_set(err, ENOTSUP, "unknown transport in URI scheme '%s'", scheme);
	if (!transports[t].supported)
		return hv_error_set(err, ENOTSUP, "transport '%s' is not supported yet (scheme '%s')",
				    transports[t].name, scheme);
	p->transport = g_strdup(transports[t].name);
	p->port = g_uri_get_port(u) > 0 ? g_uri_get_port(u) : transports[t].port;
	parse_query(p, g_uri_get_query(u), &name, rest);
	p->user = g_strdup(g_uri_get_user(u));
	ssh = g_str_equal(p->transport, "ssh") || g_str_equal(p->transport, "libssh2");
	if (g_str_equal(p->transport, "tcp") || g_str_equal(p->transport, "tls") || ssh) {
		if (ssh && p->target) /* far socket, for netcat= */
			g_hash_table_replace(p->tparams, g_strdup("socket"), g_steal_pointer(&p->target));
		if ((!host || !*host) && !ssh)
			return hv_error_set(err, EINVAL, "URI scheme '%s' needs a host", scheme);
		if (!host || !*host)
			host = "localhost"; /* as libvirt: qemu+ssh:///system */
		g_free(p->target);
		p->target = g_strdup(host);
	} else if (g_str_equal(p->transport, "ext")) {
		if (!g_hash_table_contains(p->tparams, "command"))
			return hv_error_set(err, EINVAL, "URI '%s' needs command= for the ext transport",
					    p->conn->uri_str);
		g_free(p->target);
		p->target = g_strdup(g_hash_table_lookup(p->tparams, "command"));
	} else if (!p->target) {
		p->target = g_strdup(DEFAULT_SOCKET);
	}
	if (name)
		p->remote_uri = g_steal_pointer(&name);
	else
		p->remote_uri = g_strdup_printf("%s://%s%s%s", drv, *path == '/' ? "" : "/", path,
						rest->len ? "?" : "");
	if (!name && rest->len) {
		g_autofree char *base = g_steal_pointer(&p->remote_uri);

		p->remote_uri = g_strconcat(base, rest->str, NULL);
	}
	return parse_keepalive(p, err);
}

static void
emit_node(RemotePriv *p, const char *event)
{
	hv_conn_emit(p->conn, HV_OBJ_NODE, NULL, "node", event, "-");
}

bool
remote_peer_reports(RemotePriv *p, HvObjKind kind, const char *event)
{
	int id, type;

	if (!(kind == HV_OBJ_NETWORK ? p->net_events : kind == HV_OBJ_POOL && p->pool_events))
		return false;
	return rpc_obj_event(kind, event, &id, &type);
}

/* I/O thread: a network or pool lifecycle (or pool refresh) event. */
static void
on_obj_event(RemotePriv *p, int32_t proc, const uint8_t *body, size_t len)
{
	static const XField net_shape[] = { X_INT, X_NET, X_INT, X_INT, X_END };
	static const XField pool_shape[] = { X_INT, X_POOL, X_INT, X_INT, X_END };
	static const XField refresh_shape[] = { X_INT, X_POOL, X_END };
	HvObjKind kind = proc == PROC_NETWORK_EVENT_LIFECYCLE ? HV_OBJ_NETWORK : HV_OBJ_POOL;
	int event_id = proc == PROC_STORAGE_POOL_EVENT_REFRESH ? RPC_EVENT_POOL_REFRESH
							       : RPC_EVENT_LIFECYCLE;
	RpcMsg m = { 0 };
	const char *event, *name;
	XdrIn in;

	xdr_in_init(&in, body, len);
	if (rpc_msg_decode(kind == HV_OBJ_NETWORK ? net_shape
			   : event_id == RPC_EVENT_POOL_REFRESH ? refresh_shape : pool_shape,
			   &in, &m) == 0) {
		name = kind == HV_OBJ_NETWORK ? m.net.name : m.pool.name;
		if (remote_name_ok(p, kind, name, "events") &&
		    rpc_obj_event_words(kind, event_id, (int)m.num[1], &event))
			hv_conn_emit(p->conn, kind, NULL, name, event, "-");
	}
	rpc_msg_clear(&m);
}

/* I/O thread: a lifecycle event -> cache invalidation and hv_conn_emit. */
static void
on_event(RpcClient *cl, int32_t proc, const uint8_t *body, size_t len, void *opaque)
{
	static const XField shape[] = { X_INT, X_DOM, X_INT, X_INT, X_END };
	RemotePriv *p = opaque;
	RpcMsg m = { 0 };
	const char *event, *detail;
	XdrIn in;

	if (proc == PROC_NETWORK_EVENT_LIFECYCLE || proc == PROC_STORAGE_POOL_EVENT_LIFECYCLE ||
	    proc == PROC_STORAGE_POOL_EVENT_REFRESH) {
		on_obj_event(p, proc, body, len);
		return;
	}
	if (proc != PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE)
		return;
	xdr_in_init(&in, body, len);
	if (rpc_msg_decode(shape, &in, &m) == 0 &&
	    remote_name_ok(p, HV_OBJ_DOMAIN, m.dom.name, "events") &&
	    rpc_lifecycle_words((int)m.num[1], (int)m.num[2], &event, &detail)) {
		remote_dom_invalidate(p, m.dom.name,
				      g_str_equal(event, "defined") || g_str_equal(event, "undefined"));
		hv_conn_emit(p->conn, HV_OBJ_DOMAIN, NULL, m.dom.name, event, detail);
	}
	rpc_msg_clear(&m);
}

/* I/O thread: the peer went away; the scheduler cleans up and reconnects. */
static void
on_dead(RpcClient *cl, const char *why, void *opaque)
{
	RemotePriv *p = opaque;

	bool ours;

	g_mutex_lock(&p->lock);
	ours = p->cl == cl;
	if (ours) {
		g_free(p->down);
		p->down = g_strdup(why);
	}
	g_mutex_unlock(&p->lock);
	if (ours)
		remote_sched_at(p, g_get_monotonic_time());
}

/* Connects and sets the session up: auth (none), open, keepalive, events. */
static RpcClient *
session_new(RemotePriv *p, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { 0 }, o1 = { 0 }, r = { 0 };
	RpcCall *c[3];
	bool none = false, stopping;
	int rc;

	const char *nv = g_hash_table_lookup(p->tparams, "no_verify");
	RpcConnectOpts o = {
		.transport = p->transport, .target = p->target, .port = p->port, .user = p->user,
		.pkipath = g_hash_table_lookup(p->tparams, "pkipath"),
		.no_verify = nv && g_strcmp0(nv, "0") != 0,
		.keyfile = g_hash_table_lookup(p->tparams, "keyfile"),
		.known_hosts = g_hash_table_lookup(p->tparams, "known_hosts"),
		.known_hosts_verify = g_hash_table_lookup(p->tparams, "known_hosts_verify"),
		.command = g_hash_table_lookup(p->tparams, "command"),
		.netcat = g_hash_table_lookup(p->tparams, "netcat"),
		.socket = g_hash_table_lookup(p->tparams, "socket"),
		.keepalive_interval = p->ka_interval,
		.keepalive_count = p->ka_count,
		.cancel_fd = p->cancel_fd,
	};

	cl = rpc_client_open(&o, on_event, on_dead, p, err);
	if (!cl)
		return NULL;
	/* remote_close closes it to end the set-up calls at once */
	g_mutex_lock(&p->lock);
	p->connecting = rpc_client_ref(cl);
	stopping = p->stopping;
	g_mutex_unlock(&p->lock);
	if (stopping)
		rpc_client_close(cl);
	/* Two round trips: the auth list, the keepalive feature and the open
	 * together (none depends on another's answer), then the registrations,
	 * which need the open (libvirtd may run one client's calls out of order). */
	a.num[0] = FEATURE_PROGRAM_KEEPALIVE;
	o1 = (RpcMsg){ .str = { p->remote_uri }, .has_str = { true },
		       .num = { p->conn->readonly ? VIR_CONNECT_RO : 0 } };
	c[0] = rpc_client_send(cl, PROC_AUTH_LIST, NULL, err);
	c[1] = c[0] ? rpc_client_send(cl, PROC_SUPPORTS_FEATURE, &a, err) : NULL;
	c[2] = c[1] ? rpc_client_send(cl, PROC_CONNECT_OPEN, &o1, err) : NULL;
	rc = c[0] ? rpc_client_wait(c[0], &r, err) : -ENOTCONN;
	for (guint i = 0; rc == 0 && r.ints && i < r.ints->len; i++)
		none |= g_array_index(r.ints, int32_t, i) == 0;
	if (rc == 0 && r.ints && r.ints->len && !none)
		rc = hv_error_set(err, EACCES, "'%s' asks for authentication (only 'none' is supported)",
				  p->conn->uri_str);
	rpc_msg_clear(&r);
	for (int k = 1; k < 3; k++) {
		if (rc == 0)
			rc = c[k] ? rpc_client_wait(c[k], NULL, err) : -ENOTCONN;
		else
			rpc_call_free(c[k]);
	}
	if (rc == 0) { /* domain events; network and pool events when the peer has them */
		static const struct {
			int32_t proc;
			int id;
		} regs[] = {
			{ PROC_EVENT_REGISTER_ANY, EVENT_ID_LIFECYCLE },
			{ PROC_NETWORK_EVENT_REGISTER_ANY, RPC_EVENT_LIFECYCLE },
			{ PROC_STORAGE_POOL_EVENT_REGISTER_ANY, RPC_EVENT_LIFECYCLE },
			{ PROC_STORAGE_POOL_EVENT_REGISTER_ANY, RPC_EVENT_POOL_REFRESH },
		};
		RpcCall *rc_[G_N_ELEMENTS(regs)], *mig;
		RpcMsg fa = { .num = { FEATURE_MIGRATION_PARAMS } }, fr = { 0 };
		bool ok[G_N_ELEMENTS(regs)];

		for (size_t k = 0; k < G_N_ELEMENTS(regs); k++) {
			RpcMsg ev = { .num = { regs[k].id } };

			rc_[k] = rpc_client_send(cl, regs[k].proc, &ev, k == 0 ? err : NULL);
		}
		mig = rpc_client_send(cl, PROC_SUPPORTS_FEATURE, &fa, NULL);
		for (size_t k = 0; k < G_N_ELEMENTS(regs); k++)
			ok[k] = rc_[k] && rpc_client_wait(rc_[k], NULL, k == 0 ? err : NULL) == 0;
		/* mv's `migrate` file only where the peer's driver migrates */
		g_atomic_int_set(&p->conn->no_migration,
				 !(mig && rpc_client_wait(mig, &fr, NULL) == 0 && fr.num[0]));
		rc = ok[0] ? 0 : err && *err ? hv_error_errno(*err) : -ENOTCONN;
		p->net_events = ok[1];
		p->pool_events = ok[2] && ok[3];
	}
	g_mutex_lock(&p->lock);
	g_clear_pointer(&p->connecting, rpc_client_unref);
	g_mutex_unlock(&p->lock);
	if (rc < 0) {
		rpc_client_close(cl);
		return NULL;
	}
	return g_steal_pointer(&cl);
}

int
remote_client(RemotePriv *p, RpcClient **out, GError **err)
{
	int rc = 0;

	g_mutex_lock(&p->lock);
	if (p->cl && rpc_client_alive(p->cl)) {
		*out = rpc_client_ref(p->cl);
	} else {
		/* p->down is set by on_dead, a moment after the client died */
		g_autofree char *why = p->down || !p->cl ? NULL : rpc_client_why(p->cl);

		rc = hv_error_set(err, ENOTCONN, "node '%s' is not connected (%s); reconnecting",
				  p->conn->uri_str,
				  p->down ? p->down : why ? why : "connection lost");
	}
	g_mutex_unlock(&p->lock);
	return rc;
}

/* After a reconnect: everything may have changed while we were away. */
static void
resync(RemotePriv *p, const GPtrArray *before)
{
	g_autoptr(GPtrArray) doms = NULL, nets = NULL, pools = NULL;
	g_autoptr(GHashTable) now = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GError) derr = NULL, nerr = NULL, perr = NULL;
	int r;

	emit_node(p, "connected");
	if ((r = remote_domain_ops.list(p->conn, &doms, &derr)) < 0)
		hv_conn_warn(p->conn, "resync", r, derr); /* node/error: what was not resynced */
	else
		for (guint i = 0; i < doms->len; i++) {
			HvDomainInfo *d = doms->pdata[i];

			g_hash_table_add(now, d->name);
			hv_conn_emit(p->conn, HV_OBJ_DOMAIN, NULL, d->name, "defined", "updated");
		}
	for (guint i = 0; doms && before && i < before->len; i++)
		if (!g_hash_table_contains(now, before->pdata[i]))
			hv_conn_emit(p->conn, HV_OBJ_DOMAIN, NULL, before->pdata[i], "undefined",
				     "removed");
	if ((r = remote_network_ops.list(p->conn, &nets, &nerr)) < 0)
		hv_conn_warn(p->conn, "resync", r, nerr);
	else
		for (guint i = 0; i < nets->len; i++)
			hv_conn_emit(p->conn, HV_OBJ_NETWORK, NULL,
				     ((HvNetworkInfo *)nets->pdata[i])->name, "defined", "-");
	if ((r = remote_pool_ops.list(p->conn, &pools, &perr)) < 0)
		hv_conn_warn(p->conn, "resync", r, perr);
	else
		for (guint i = 0; i < pools->len; i++)
			hv_conn_emit(p->conn, HV_OBJ_POOL, NULL, ((HvPoolInfo *)pools->pdata[i])->name,
				     "refreshed", "-");
}

/* Names of the cached domains, to tell after a reconnect which ones went away. */
static GPtrArray *
cached_names(RemotePriv *p)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key;

	g_mutex_lock(&p->lock);
	g_hash_table_iter_init(&it, p->doms);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(names, g_strdup(key));
	g_mutex_unlock(&p->lock);
	return names;
}

/* One step of the reconnect scheduler (remote_sched.c): a dead client is
 * cleaned up (disconnected), then connects are tried with backoff 0.2 s ..
 * 5 s; p->lock is held except around network and event calls. */
gint64
remote_supervise(RemotePriv *p)
{
	g_autoptr(GError) e = NULL;
	RpcClient *dead, *cl;
	bool alive;

	g_mutex_lock(&p->lock);
	if (p->stopping || (p->cl && !p->down && rpc_client_alive(p->cl))) {
		g_mutex_unlock(&p->lock);
		return 0;
	}
	if (p->cl) {
		dead = g_steal_pointer(&p->cl);
		if (!p->down) /* before on_dead: it will not set it now */
			p->down = rpc_client_why(dead);
		g_mutex_unlock(&p->lock);
		if (!p->before)
			p->before = cached_names(p);
		remote_dom_cache_reset(p);
		rpc_client_close(dead);
		rpc_client_unref(dead);
		emit_node(p, "disconnected");
		return g_get_monotonic_time() + p->backoff * G_TIME_SPAN_MILLISECOND;
	}
	g_mutex_unlock(&p->lock);
	cl = session_new(p, &e);
	g_mutex_lock(&p->lock);
	if (!cl) {
		p->backoff = MIN(p->backoff * 2, BACKOFF_MAX_MS);
		g_debug("remote: '%s': reconnect failed: %s; next try in %u ms", p->conn->uri_str,
			e ? e->message : "?", p->backoff);
		if (e) { /* node/info shows the latest reason */
			g_free(p->down);
			p->down = g_strdup(e->message);
		}
		g_mutex_unlock(&p->lock);
		return g_get_monotonic_time() + p->backoff * G_TIME_SPAN_MILLISECOND;
	}
	if (p->stopping) { /* remote_close did not see this one */
		g_mutex_unlock(&p->lock);
		rpc_client_close(cl);
		rpc_client_unref(cl);
		return 0;
	}
	p->backoff = BACKOFF_MIN_MS;
	p->cl = cl;
	g_clear_pointer(&p->down, g_free);
	/* on_dead looks at p->cl under p->lock: a death before this line is seen
	 * here, one after it by on_dead */
	alive = rpc_client_alive(cl);
	g_mutex_unlock(&p->lock);
	remote_dom_cache_reset(p);
	resync(p, p->before);
	g_clear_pointer(&p->before, g_ptr_array_unref);
	return alive ? 0 : g_get_monotonic_time();
}

/* Errors that say the peer is not there (yet), by transport, as opposed to a
 * refusal (certificates, host keys, authentication, permissions) or a bad
 * URI. ssh and ext run a command whose failure cannot be told from a refusal:
 * none. A connection closed during the set-up counts only where nothing can
 * refuse us that way (unix, tcp). */
static const struct {
	const char *transport;
	int errnos[10];
} away_errors[] = {
	{ "unix", { ENOENT, ECONNREFUSED, ETIMEDOUT, ENOTCONN, ECONNRESET, EPIPE } },
	{ "tcp", { ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN,
		   ENOTCONN, ECONNRESET, EPIPE } },
	{ "tls", { ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN } },
	{ "libssh2", { ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN } },
};

static bool
peer_away(const RemotePriv *p, const GError *e)
{
	int code = e ? -hv_error_errno(e) : 0;

	for (size_t i = 0; code && i < G_N_ELEMENTS(away_errors); i++) {
		if (!g_str_equal(away_errors[i].transport, p->transport))
			continue;
		for (size_t k = 0; k < G_N_ELEMENTS(away_errors[i].errnos); k++)
			if (away_errors[i].errnos[k] == code)
				return true;
	}
	return false;
}

static void
priv_free(RemotePriv *p)
{
	if (!p)
		return;
	g_free(p->transport);
	g_free(p->target);
	g_free(p->user);
	g_hash_table_unref(p->tparams);
	g_free(p->remote_uri);
	g_free(p->down);
	g_hash_table_unref(p->doms);
	g_hash_table_unref(p->listed);
	if (p->before)
		g_ptr_array_unref(p->before);
	if (p->cancel_fd >= 0)
		close(p->cancel_fd);
	g_mutex_clear(&p->lock);
	g_free(p);
}

static int
remote_open(HvConn *c, GError **err)
{
	RemotePriv *p = g_new0(RemotePriv, 1);
	RpcClient *cl;
	g_autoptr(GError) e = NULL;
	int rc;

	p->conn = c;
	p->backoff = BACKOFF_MIN_MS;
	g_mutex_init(&p->lock);
	p->doms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					(GDestroyNotify)hv_domain_info_free);
	p->listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->tparams = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (parse_uri(p, c->uri, err) < 0) {
		priv_free(p);
		return err && *err ? hv_error_errno(*err) : -EIO;
	}
	cl = session_new(p, &e);
	g_mutex_lock(&p->lock);
	p->cl = cl;
	g_mutex_unlock(&p->lock);
	if (!p->cl && !(c->away_ok && peer_away(p, e))) {
		priv_free(p);
		rc = e ? hv_error_errno(e) : -EIO;
		g_propagate_error(err, g_steal_pointer(&e));
		return rc;
	}
	c->priv = p;
	if (p->cl) {
		g_autoptr(GPtrArray) doms = NULL;

		g_debug("remote: '%s' opened '%s' over %s '%s'", c->uri_str, p->remote_uri,
			p->transport, p->target);
		/* the first listing is served from the cache, kept fresh by events */
		p->prefetch = true;
		remote_domain_ops.list(c, &doms, NULL);
		p->prefetch = false;
		g_mutex_lock(&p->lock);
		if (!rpc_client_alive(p->cl)) /* died before on_dead could see p->cl */
			remote_sched_at(p, g_get_monotonic_time());
		g_mutex_unlock(&p->lock);
	} else { /* away: connects with the backoff, as after a disconnect */
		p->down = g_strdup(e->message);
		remote_sched_at(p, g_get_monotonic_time() + p->backoff * G_TIME_SPAN_MILLISECOND);
	}
	return 0;
}

static void
remote_close(HvConn *c)
{
	RemotePriv *p = c->priv;
	RpcClient *cl, *busy[2];
	uint64_t one = 1;

	if (!p)
		return;
	/* Teardown never waits on the network: the backoff sleep ends on the
	 * broadcast, a connect in progress on cancel_fd, and the calls of a
	 * session set-up or resync fail at once when their client is closed. */
	g_mutex_lock(&p->lock);
	p->stopping = true;
	busy[0] = p->cl ? rpc_client_ref(p->cl) : NULL;
	busy[1] = p->connecting ? rpc_client_ref(p->connecting) : NULL;
	g_mutex_unlock(&p->lock);
	if (p->cancel_fd >= 0 && write(p->cancel_fd, &one, sizeof(one)) < 0) {
		/* already signalled */
	}
	for (int i = 0; i < 2; i++)
		if (busy[i]) {
			rpc_client_close(busy[i]);
			rpc_client_unref(busy[i]);
		}
	remote_sched_cancel(p);
	cl = g_steal_pointer(&p->cl);
	if (cl) {
		rpc_client_close(cl);
		rpc_client_unref(cl);
	}
	priv_free(p);
	c->priv = NULL;
}

static int
remote_node_get_info(HvConn *c, HvNodeInfo *out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcCall *ci, *ch, *cm;
	RpcMsg ri = { 0 }, rh = { 0 }, rm = { 0 };
	int rc = remote_client(c->priv, &cl, err);

	if (rc < 0)
		return rc;
	ci = rpc_client_send(cl, PROC_NODE_GET_INFO, NULL, err);
	ch = rpc_client_send(cl, PROC_GET_HOSTNAME, NULL, NULL);
	cm = rpc_client_send(cl, PROC_NODE_FREE_MEMORY, NULL, NULL);
	rc = ci ? rpc_client_wait(ci, &ri, err) : -ENOTCONN;
	if (ch && rpc_client_wait(ch, &rh, NULL) == 0)
		out->hostname = g_steal_pointer(&rh.str[0]);
	if (cm && rpc_client_wait(cm, &rm, NULL) == 0)
		out->free_memory_kib = (uint64_t)rm.num[0] / 1024;
	if (rc == 0) {
		out->model = g_strdup(ri.model);
		out->memory_kib = (uint64_t)ri.num[0];
		out->cpus = (unsigned)ri.num[1];
		out->mhz = (unsigned)ri.num[2];
		out->nodes = (unsigned)ri.num[3];
		out->sockets = (unsigned)ri.num[4];
		out->cores = (unsigned)ri.num[5];
		out->threads = (unsigned)ri.num[6];
	}
	rpc_msg_clear(&ri);
	rpc_msg_clear(&rh);
	rpc_msg_clear(&rm);
	return rc;
}

static int
remote_node_get_capabilities(HvConn *c, char **xml, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg r = { 0 };
	int rc = remote_client(c->priv, &cl, err);

	if (rc == 0)
		rc = rpc_client_call(cl, PROC_GET_CAPABILITIES, NULL, &r, err);
	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_node_is_alive(HvConn *c, char **reason, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GError) e = NULL;

	if (remote_client(c->priv, &cl, &e) == 0)
		return 1;
	if (reason)
		*reason = g_strdup(e->message);
	return 0;
}

char *
remote_xpath(const char *xml, const char *expr)
{
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr res;
	char *out = NULL;

	if (!xml)
		return NULL;
	doc = xmlReadMemory(xml, (int)strlen(xml), "remote.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return NULL;
	ctx = xmlXPathNewContext(doc);
	res = ctx ? xmlXPathEvalExpression((const xmlChar *)expr, ctx) : NULL;
	if (res && res->nodesetval && res->nodesetval->nodeNr > 0) {
		xmlChar *v = xmlNodeGetContent(res->nodesetval->nodeTab[0]);

		out = g_strdup((const char *)v);
		xmlFree(v);
	}
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return out;
}

bool
remote_xpath_exists(const char *xml, const char *expr)
{
	g_autofree char *v = remote_xpath(xml, expr);

	return v != NULL;
}

static const HvNodeOps remote_node_ops = {
	.get_info = remote_node_get_info,
	.get_capabilities = remote_node_get_capabilities,
	.is_alive = remote_node_is_alive,
};

/* driver+transport schemes are routed here by drivers/conn.c (and any URI with
 * a host); this list is what `hyperfs` documents. */
static const char *const remote_schemes[] = { "remote", NULL };

const HvDriver hv_remote_driver = {
	.name = "remote",
	.schemes = remote_schemes,
	.open = remote_open,
	.close = remote_close,
	.node = &remote_node_ops,
	.domain = &remote_domain_ops,
	.network = &remote_network_ops,
	.pool = &remote_pool_ops,
	.volume = &remote_volume_ops,
	.secret = &remote_secret_ops,
	.iface = &remote_iface_ops,
	.snapshot = &remote_snapshot_ops,
	.nodedev = &remote_nodedev_ops,
};
