/* libvirt_conn.c: the bottom of the libvirt driver: libvirt's event loop on a
 * thread of its own (one per process), the connection and its reconnect
 * thread, and libvirt's errors turned into -errno through the table the
 * remote client uses (remote/client.h). A node whose connection died answers
 * ENOTCONN at once until the thread has opened it again. */
#include <string.h>
#include "drivers/libvirt/libvirt_priv.h"
#include <libxml/xpath.h>
#include "conf/xml.h"
#include "remote/client.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define KEEPALIVE_INTERVAL_S 2
#define KEEPALIVE_COUNT 3

/* libvirt prints every error on stderr unless told otherwise: ours travel in
 * GErrors. */
static void
quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	g_debug("libvirt: %s", e && e->message ? e->message : "error");
}

static gpointer
event_loop(gpointer data)
{
	(void)data;
	for (;;)
		if (virEventRunDefaultImpl() < 0)
			g_usleep(10000); /* only when libvirt's loop itself fails */
	return NULL;
}

void
lv_global_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		/* libvirt logs warnings on stderr (the esx driver a screenful per
		 * connect); ours travel in GErrors. LIBVIRT_LOG_OUTPUTS still wins. */
		g_setenv("LIBVIRT_LOG_OUTPUTS", "4:file:/dev/null", FALSE);
		virInitialize();
		virSetErrorFunc(NULL, quiet);
		virEventRegisterDefaultImpl();
		g_thread_unref(g_thread_new("libvirt-events", event_loop, NULL));
		g_once_init_leave(&once, 1);
	}
}

void
lv_uuid_copy(char *dst, const unsigned char *raw)
{
	char s[VIR_UUID_STRING_BUFLEN];

	snprintf(s, sizeof(s),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9],
		 raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]);
	g_strlcpy(dst, s, HV_UUID_STRLEN);
}

/* Runs on libvirt's event thread when the connection closes under us. */
static void
closed(virConnectPtr conn, int reason, void *opaque)
{
	LvPriv *p = opaque;

	(void)reason;
	g_mutex_lock(&p->lock);
	if (p->conn == conn) {
		p->lost = true;
		g_cond_broadcast(&p->cond);
	}
	g_mutex_unlock(&p->lock);
}

/* Open failures that mean "not there (yet)": the node is away and the
 * thread keeps trying. libvirt's esx and hyperv drivers report a refused
 * connection as an internal error with curl's words. */
static const char *const away_words[] = {
	"couldn't connect to server", "connection refused", "failed to connect socket",
	"no route to host", "timed out",
};

static bool
open_failure_is_away(int code, const char *message)
{
	g_autofree char *low = message ? g_ascii_strdown(message, -1) : NULL;

	if (code == VIR_ERR_NO_CONNECT || code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_RPC)
		return true;
	for (size_t i = 0; low && i < G_N_ELEMENTS(away_words); i++)
		if (strstr(low, away_words[i]))
			return true;
	return false;
}

/* Credentials come from libvirt's auth.conf (LIBVIRT_AUTH_FILE, or
 * ~/.config/libvirt/auth.conf), which libvirt's drivers read before asking:
 * a mount never prompts on a terminal, so asking fails. */
static int
no_prompt(virConnectCredentialPtr cred, unsigned int ncred, void *opaque)
{
	(void)cred;
	(void)ncred;
	(void)opaque;
	return -1;
}

static int cred_types[] = {
	VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE, VIR_CRED_ECHOPROMPT, VIR_CRED_NOECHOPROMPT,
};
static virConnectAuth auth = { cred_types, G_N_ELEMENTS(cred_types), no_prompt, NULL };

static int
open_once(LvPriv *p, virConnectPtr *out, GError **err)
{
	virConnectPtr conn = virConnectOpenAuth(p->lv_uri, &auth, p->flags);

	if (!conn) {
		const virError *e = virGetLastError();
		const char *msg = e && e->message ? e->message : "unknown error";
		int code = e ? rpc_errno_of_virt(e->code, e->message) : EIO;

		if (open_failure_is_away(e ? e->code : 0, msg))
			code = ENOTCONN;
		return hv_error_set(err, code, "cannot open libvirt URI '%s': %s", p->lv_uri, msg);
	}
	/* remote URIs: notice a dead daemon; in-process drivers say no, harmlessly */
	if (virConnectSetKeepAlive(conn, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT) < 0)
		virResetLastError();
	if (virConnectRegisterCloseCallback(conn, closed, p, NULL) < 0)
		virResetLastError();
	*out = conn;
	return 0;
}

/* Installs a new connection and lets the upper layers register on it (and,
 * after a reconnect, tell the tree what may have changed meanwhile). */
static void
install(LvPriv *p, virConnectPtr conn, bool again)
{
	g_autoptr(GPtrArray) before = again ? lv_cache_names(p, LV_DOMAINS) : NULL;

	g_mutex_lock(&p->lock);
	p->conn = conn;
	p->lost = false;
	g_clear_pointer(&p->away, g_free);
	g_mutex_unlock(&p->lock);
	lv_cache_reset(p);
	if (p->on_connect)
		p->on_connect(p, conn, before);
}

/* Drops a dead connection (never from libvirt's event thread: closing waits
 * for it), then opens again with backoff until it works or the node closes. */
static gpointer
reconnect_thread(gpointer data)
{
	LvPriv *p = data;
	guint wait_ms = BACKOFF_MIN_MS;

	g_mutex_lock(&p->lock);
	while (!p->closing) {
		virConnectPtr dead = NULL, conn = NULL;
		g_autoptr(GError) e = NULL;

		if (!p->lost && p->conn) {
			g_cond_wait(&p->cond, &p->lock);
			continue;
		}
		if (p->conn) {
			dead = g_steal_pointer(&p->conn);
			if (!p->away)
				p->away = g_strdup("the connection to libvirt closed");
		}
		g_mutex_unlock(&p->lock);
		if (dead) {
			virConnectUnregisterCloseCallback(dead, closed);
			virConnectClose(dead);
			hv_conn_emit(p->c, HV_OBJ_NODE, NULL, "node", "disconnected", "-");
			wait_ms = BACKOFF_MIN_MS;
		}
		if (open_once(p, &conn, &e) == 0) {
			install(p, conn, true);
			wait_ms = BACKOFF_MIN_MS;
			g_mutex_lock(&p->lock);
			continue;
		}
		g_mutex_lock(&p->lock);
		g_free(p->away);
		p->away = g_strdup(e->message);
		g_cond_wait_until(&p->cond, &p->lock, g_get_monotonic_time() + wait_ms * 1000);
		wait_ms = MIN(wait_ms * 2, BACKOFF_MAX_MS);
	}
	g_mutex_unlock(&p->lock);
	return NULL;
}

/* The first open: a failure fails the open, unless the caller accepts a
 * node that is away (c->away_ok) and the peer is just not there. */
int
lv_connect(LvPriv *p, GError **err)
{
	virConnectPtr conn = NULL;
	g_autoptr(GError) e = NULL;
	int rc = open_once(p, &conn, &e);

	if (rc == 0)
		install(p, conn, false);
	else if (rc == -ENOTCONN && p->c->away_ok) {
		p->away = g_strdup(e->message);
		p->lost = true;
	} else {
		g_propagate_error(err, g_steal_pointer(&e));
		return rc;
	}
	p->thread = g_thread_new("libvirt-reconnect", reconnect_thread, p);
	return 0;
}

void
lv_disconnect(LvPriv *p)
{
	virConnectPtr conn;

	g_mutex_lock(&p->lock);
	p->closing = true;
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->lock);
	if (p->thread)
		g_thread_join(g_steal_pointer(&p->thread));
	conn = g_steal_pointer(&p->conn);
	if (conn) {
		if (p->on_disconnect)
			p->on_disconnect(p, conn);
		virConnectUnregisterCloseCallback(conn, closed);
		virConnectClose(conn);
	}
}

int
lv_conn_get(LvPriv *p, virConnectPtr *out, GError **err)
{
	int rc = 0;

	g_mutex_lock(&p->lock);
	if (p->conn && !p->lost) {
		virConnectRef(p->conn);
		*out = p->conn;
	} else
		rc = hv_error_set(err, ENOTCONN, "libvirt URI '%s' is away: %s", p->lv_uri,
				  p->away ? p->away : "the connection closed");
	g_mutex_unlock(&p->lock);
	return rc;
}

int
lv_fail(LvPriv *p, virConnectPtr conn, GError **err, const char *fmt, ...)
{
	const virError *e = virGetLastError();
	int vcode = e ? e->code : VIR_ERR_INTERNAL_ERROR;
	g_autofree char *msg = g_strdup(e && e->message ? e->message : "libvirt reported no reason");
	g_autofree char *what = NULL;
	va_list ap;
	int code;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	code = rpc_errno_of_virt(vcode, msg);
	/* virConnectIsAlive resets the last error: it was copied above */
	if (conn && virConnectIsAlive(conn) == 0) {
		code = ENOTCONN;
		g_mutex_lock(&p->lock);
		if (p->conn == conn) {
			p->lost = true;
			g_free(p->away);
			p->away = g_strdup(msg);
			g_cond_broadcast(&p->cond);
		}
		g_mutex_unlock(&p->lock);
	}
	return hv_error_set(err, code, "%s: %s", what, msg);
}

/* One value of a document libvirt gave us (a network's bridge, a pool's
 * type), through the one XML parser (conf/xml.h); NULL when absent. */
char *
lv_xml_value(const char *xml, const char *xpath)
{
	g_autoptr(GError) e = NULL;
	xmlDoc *doc = xml ? hv_xml_parse(xml, strlen(xml), "libvirt document", &e) : NULL;
	xmlXPathContext *ctx = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObject *o = ctx ? xmlXPathEvalExpression((const xmlChar *)xpath, ctx) : NULL;
	char *out = NULL;

	if (o && o->type == XPATH_NODESET && o->nodesetval && o->nodesetval->nodeNr > 0) {
		xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);

		out = g_strdup((const char *)v);
		xmlFree(v);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return out;
}
