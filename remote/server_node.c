/* server_node.c: hyperfsd's nodes and each client's own connection to one.
 * Clients that open the same URI share the node (one driver connection, so
 * they see each other's changes), but each gets its own HvConn view of it with
 * its read-only flag and identity, and its own event registrations. Driver
 * events come in on any thread and are fanned out on the main loop; every
 * write a client calls is logged with who it was. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "remote/server_priv.h"
#include "remote/secret_xdr.h"

#define LIFECYCLE_EVENT_ID 0
#define MAX_EVENT_ID 64
#define MAX_CALLBACKS 256

void
hv_node_free(Node *n)
{
	hv_conn_close(n->conn);
	g_free(n->uri);
	g_free(n);
}

/* ---- identity ---- */

static char *
sockaddr_text(const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		return g_strdup_printf("%s:%u", host, ntohs(in->sin_port));
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		return g_strdup_printf("[%s]:%u", host, ntohs(in6->sin6_port));
	}
	return g_strdup("?");
}

/* unix: the peer's credentials from the kernel (SO_PEERCRED); tcp and tls:
 * its address (tls adds the certificate's DN once the handshake is done). */
char *
hv_peer_identity(int fd, bool unix_sock, const char *kind)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	g_autofree char *addr = NULL;

	if (unix_sock) {
		struct ucred cr = { 0 };
		socklen_t n = sizeof(cr);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) < 0)
			return g_strdup_printf("%s uid=? pid=?", kind);
		return g_strdup_printf("%s uid=%u gid=%u pid=%d", kind, (unsigned)cr.uid,
				       (unsigned)cr.gid, (int)cr.pid);
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return g_strdup_printf("%s ?", kind);
	addr = sockaddr_text(&ss);
	return g_strdup_printf("%s %s", kind, addr);
}

/* ---- event fan-out ---- */

typedef struct {
	guint64 node_id;
	HvObjKind kind;
	char *name, *event, *detail;
} PendingEvent;

static void
pending_free(PendingEvent *p)
{
	g_free(p->name);
	g_free(p->event);
	g_free(p->detail);
	g_free(p);
}

static Node *
node_by_id(HvServer *s, guint64 id)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, s->nodes);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((Node *)v)->id == id)
			return v;
	return NULL;
}

/* The clients of node n (a snapshot: sending may drop a client). */
static GPtrArray *
node_clients(HvServer *s, const Node *n)
{
	GPtrArray *targets = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, s->clients);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((Client *)v)->cc && ((Client *)v)->cc->node == n)
			g_ptr_array_add(targets, v);
	return targets;
}

/* One message to each of cl's callbacks that wants it; false when cl was
 * dropped for not reading its events. */
static bool
client_send_event(Client *cl, HvObjKind kind, int event_id, const char *name,
		  void (*put)(Client *cl, int callback_id, const void *data), const void *data)
{
	GArray *cbs = cl->cc->callbacks;

	for (guint i = 0; i < cbs->len; i++) {
		const Callback *cb = &g_array_index(cbs, Callback, i);

		if (cb->kind != kind || cb->event_id != event_id ||
		    (cb->name && g_strcmp0(cb->name, name)))
			continue;
		if (hv_client_queue_full(cl)) {
			g_message("client %s: not reading its events; dropping it", cl->peer);
			hv_client_free(cl);
			return false;
		}
		put(cl, cb->id, data);
	}
	hv_client_update_watch(cl);
	return true;
}

typedef struct {
	RpcDom dom;
	int type, detail;
} DomEvent;

typedef struct {
	HvObjKind kind;
	int event_id, type;
	RpcNamed obj;
} ObjEvent;

static void
put_dom(Client *cl, int id, const void *data)
{
	const DomEvent *e = data;

	rpc_lifecycle_message(cl->out, id, &e->dom, e->type, e->detail);
}

static void
put_obj(Client *cl, int id, const void *data)
{
	const ObjEvent *e = data;

	rpc_obj_event_message(cl->out, e->kind, e->event_id, id, &e->obj, e->type);
}

/* A network or pool event: its uuid (when the object is still there). */
static void
deliver_obj_event(HvServer *s, Node *n, PendingEvent *p)
{
	const HvDriver *drv = n->conn->driver;
	g_autoptr(GPtrArray) targets = NULL;
	ObjEvent e = { .kind = p->kind, .obj = { .name = p->name } };

	if (!rpc_obj_event(p->kind, p->event, &e.event_id, &e.type))
		return;
	if (p->kind == HV_OBJ_NETWORK && drv->network && drv->network->get_info) {
		g_autoptr(HvNetworkInfo) ni = NULL;

		if (drv->network->get_info(n->conn, p->name, &ni, NULL) == 0)
			rpc_uuid_parse(ni->uuid, e.obj.uuid);
	} else if (p->kind == HV_OBJ_POOL && drv->pool && drv->pool->get_info) {
		g_autoptr(HvPoolInfo) pi = NULL;

		if (drv->pool->get_info(n->conn, p->name, &pi, NULL) == 0)
			rpc_uuid_parse(pi->uuid, e.obj.uuid);
	}
	targets = node_clients(s, n);
	for (guint i = 0; i < targets->len; i++)
		client_send_event(targets->pdata[i], p->kind, e.event_id, p->name, put_obj, &e);
}

static void
deliver_dom_event(HvServer *s, Node *n, PendingEvent *p)
{
	const HvDriver *drv = n->conn->driver;
	g_autoptr(HvDomainInfo) info = NULL;
	g_autoptr(GPtrArray) targets = NULL;
	DomEvent e = { .dom = { .name = p->name, .id = -1 } };

	if (!rpc_lifecycle_event(p->event, p->detail, &e.type, &e.detail))
		return;
	if (drv->domain && drv->domain->get_info &&
	    drv->domain->get_info(n->conn, p->name, &info, NULL) == 0) {
		rpc_uuid_parse(info->uuid, e.dom.uuid);
		e.dom.id = info->id;
	}
	targets = node_clients(s, n);
	for (guint i = 0; i < targets->len; i++)
		client_send_event(targets->pdata[i], HV_OBJ_DOMAIN, LIFECYCLE_EVENT_ID, p->name,
				  put_dom, &e);
}

typedef struct {
	char uuid[HV_UUID_STRLEN];
	int usage_type, event_id, type;
	const char *usage_id;
} SecretEvent;

static void
put_secret(Client *cl, int id, const void *data)
{
	const SecretEvent *e = data;

	rpc_secret_event_message(cl->out, id, e->uuid, e->usage_type, e->usage_id, e->event_id,
				 e->type);
}

/* A secret's event: its usage when it is still there (none once undefined). */
static void
deliver_secret_event(HvServer *s, Node *n, PendingEvent *p)
{
	const HvDriver *drv = n->conn->driver;
	g_autoptr(HvSecretInfo) si = NULL;
	g_autoptr(GPtrArray) targets = NULL;
	SecretEvent e = { .usage_id = "" };

	if (!rpc_secret_event(p->event, &e.event_id, &e.type))
		return;
	g_strlcpy(e.uuid, p->name, sizeof(e.uuid));
	if (drv->secret && drv->secret->get_info &&
	    drv->secret->get_info(n->conn, p->name, &si, NULL) == 0) {
		e.usage_type = si->usage_type;
		e.usage_id = si->usage_id;
	}
	targets = node_clients(s, n);
	for (guint i = 0; i < targets->len; i++)
		client_send_event(targets->pdata[i], HV_OBJ_SECRET, e.event_id, p->name, put_secret,
				  &e);
}

static gboolean
deliver_event(gpointer data)
{
	PendingEvent *p = data;
	HvServer *s = hv_the_server;
	Node *n = s ? node_by_id(s, p->node_id) : NULL;

	if (!n)
		return G_SOURCE_REMOVE;
	if (p->kind == HV_OBJ_NETWORK || p->kind == HV_OBJ_POOL)
		deliver_obj_event(s, n, p);
	else if (p->kind == HV_OBJ_DOMAIN)
		deliver_dom_event(s, n, p);
	else if (p->kind == HV_OBJ_SECRET)
		deliver_secret_event(s, n, p);
	return G_SOURCE_REMOVE;
}

/* Called by drivers, maybe on their own threads, maybe with their locks held. */
static void
on_driver_event(HvConn *c, const HvEvent *ev, void *opaque)
{
	PendingEvent *p = g_new0(PendingEvent, 1);

	p->node_id = GPOINTER_TO_SIZE(opaque);
	p->kind = ev->kind;
	p->name = g_strdup(ev->name);
	p->event = g_strdup(ev->event);
	p->detail = g_strdup(ev->detail);
	g_idle_add_full(G_PRIORITY_DEFAULT, deliver_event, p, (GDestroyNotify)pending_free);
}

/* ---- each client's own connection ---- */

static void
callback_clear(void *p)
{
	g_free(((Callback *)p)->name);
}

void
hv_client_conn_free(ClientConn *cc)
{
	if (!cc)
		return;
	hv_conn_close(cc->view);
	g_array_unref(cc->callbacks);
	if (cc->node)
		cc->node->refs--;
	g_free(cc);
}

/* One node per URI, whatever its spelling: virsh sends root=%2Ftmp%2F...,
 * hyperfs's remote driver root=/tmp/...; two drivers on one root would wait
 * on each other. Escapes are decoded unless they hide a query separator. */
static char *
node_key(const char *uri)
{
	char *k = g_uri_unescape_string(uri, "&=#?");

	return k ? k : g_strdup(uri);
}

static Node *
node_get(HvServer *s, const char *uri_in, GError **err)
{
	g_autofree char *uri = node_key(uri_in);
	Node *n = g_hash_table_lookup(s->nodes, uri);
	HvConn *c;

	if (n)
		return n;
	if (g_hash_table_size(s->nodes) >= MAX_NODES) {
		hv_error_set(err, ENOSPC, "cannot open '%s': %d nodes are open already", uri,
			     MAX_NODES);
		return NULL;
	}
	/* the node itself is read-write: each client's view decides for it */
	c = hv_conn_open(uri, false, err);
	if (!c)
		return NULL;
	n = g_new0(Node, 1);
	n->uri = g_strdup(uri);
	n->conn = c;
	n->id = ++s->next_id;
	hv_conn_set_event_cb(c, on_driver_event, GSIZE_TO_POINTER(n->id));
	g_hash_table_insert(s->nodes, n->uri, n);
	return n;
}

static int
hook_open(RpcClientCtx *ctx, const char *uri, GError **err)
{
	Client *cl = ctx->owner;
	HvServer *s = cl->srv;
	ClientConn *cc;
	Node *n;

	if (!uri || !*uri)
		uri = s->lim.default_uri;
	n = node_get(s, uri, err);
	if (!n)
		return err && *err ? hv_error_errno(*err) : -EIO;
	cc = g_new0(ClientConn, 1);
	cc->node = n;
	n->refs++;
	cc->view = hv_conn_view_new(n->conn, ctx->readonly, cl->identity);
	cc->callbacks = g_array_new(FALSE, TRUE, sizeof(Callback));
	g_array_set_clear_func(cc->callbacks, callback_clear);
	cc->next_cb = 1;
	cl->cc = cc;
	ctx->conn = cc->view;
	g_message("client %s [%s]: opened '%s'%s", cl->peer, cl->identity, uri,
		  ctx->readonly ? " read-only" : "");
	return 0;
}

static void
hook_close(RpcClientCtx *ctx)
{
	Client *cl = ctx->owner;

	ctx->conn = NULL;
	g_clear_pointer(&cl->cc, hv_client_conn_free);
}

static int
hook_register(RpcClientCtx *ctx, HvObjKind kind, int event_id, const char *name, GError **err)
{
	ClientConn *cc = ((Client *)ctx->owner)->cc;
	Callback cb = { .kind = kind, .event_id = event_id };
	/* network, pool, secret: lifecycle and one more */
	int max = kind == HV_OBJ_DOMAIN ? MAX_EVENT_ID : 1;

	if (event_id < 0 || event_id > max)
		return hv_error_set(err, EINVAL, "unsupported event ID %d", event_id);
	if (cc->callbacks->len >= MAX_CALLBACKS)
		return hv_error_set(err, ENOSPC, "too many event callbacks (at most %d)", MAX_CALLBACKS);
	cb.id = cc->next_cb++;
	cb.name = g_strdup(name);
	g_array_append_val(cc->callbacks, cb);
	return cb.id;
}

static int
hook_deregister(RpcClientCtx *ctx, int callback_id, GError **err)
{
	ClientConn *cc = ((Client *)ctx->owner)->cc;

	for (guint i = 0; i < cc->callbacks->len; i++)
		if (g_array_index(cc->callbacks, Callback, i).id == callback_id) {
			g_array_remove_index(cc->callbacks, i);
			return 0;
		}
	return hv_error_set(err, ENOENT, "no event callback %d", callback_id);
}

/* The log line of every write: who, what, on which object, and how it went. */
static void
hook_audit(RpcClientCtx *ctx, const RpcProc *p, const char *target, int rc, const GError *err)
{
	Client *cl = ctx->owner;
	g_autofree char *why = rpc_log_text(err ? err->message : rc < 0 ? g_strerror(-rc) : "");

	if (rc == 0)
		g_message("client %s [%s]: %s %s: done", cl->peer, cl->identity, p->name, target);
	else
		g_message("client %s [%s]: %s %s: %s: %s", cl->peer, cl->identity, p->name, target,
			  rc == -EROFS && ctx->readonly ? "refused" : "failed", why);
}

void
hv_client_ctx_hooks(RpcClientCtx *ctx)
{
	ctx->open = hook_open;
	ctx->close = hook_close;
	ctx->event_register = hook_register;
	ctx->event_deregister = hook_deregister;
	ctx->audit = hook_audit;
}
