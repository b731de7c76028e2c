/* remote_domain_acts.c: the remote driver's domain actions beyond the
 * lifecycle verbs, so a mount of a hyperfsd or libvirtd node has the files a
 * local test node has: `mv domains/a domains/b` (virDomainRename, 358), the
 * `iothreads` file (GetIOThreadInfo 351, Add/Del 355/356, Pin 352,
 * SetIOThreadParams 402) and
 * screenshot.png (virDomainScreenshot, 211, over the stream of client_data.c).
 * The peer's lifecycle events (undefined/defined renamed) reach `events` as
 * every other; the domain cache forgets what each call may have changed. */
#include <string.h>
#include "remote/remote_priv.h"
#include "remote/client_data.h"
#include "util/names.h"

enum {
	PROC_DOM_SCREENSHOT = 211,
	PROC_DOM_GET_IOTHREAD_INFO = 351,
	PROC_DOM_PIN_IOTHREAD = 352,
	PROC_DOM_ADD_IOTHREAD = 355,
	PROC_DOM_DEL_IOTHREAD = 356,
	PROC_DOM_RENAME = 358,
	PROC_DOM_SET_IOTHREAD_PARAMS = 402,
};

#define SCREENSHOT_MAX (64u << 20) /* a PNG of the largest display, with room */

/* args: the domain (by its wire name) then args' numbers, strings and bytes;
 * a call that changes the domain drops its cache entry (a rename its name). */
static int
acts_call(HvConn *c, const char *name, int32_t proc, RpcMsg *args, RpcMsg *ret, bool changes,
	  GError **err)
{
	return remote_dom_do(c, name, proc, args, ret,
			     !changes ? REMOTE_INVAL_NONE
			     : proc == PROC_DOM_RENAME ? REMOTE_INVAL_LISTING : REMOTE_INVAL_ENTRY,
			     err);
}

int
remote_dom_rename(HvConn *c, const char *name, const char *new_name, GError **err)
{
	RpcMsg a = { .str = { (char *)new_name }, .has_str = { true } }, r = { 0 };
	int rc;

	if ((rc = hv_name_check("domain", new_name, err)) < 0) /* as a local node's rename */
		return rc;
	rc = acts_call(c, name, PROC_DOM_RENAME, &a, &r, true, err);
	remote_dom_invalidate(c->priv, new_name, true);
	rpc_msg_clear(&r);
	return rc;
}

int
remote_dom_set_iothread(HvConn *c, const char *name, unsigned id, bool add, unsigned flags,
			GError **err)
{
	RpcMsg a = { .num = { id, flags } };

	return acts_call(c, name, add ? PROC_DOM_ADD_IOTHREAD : PROC_DOM_DEL_IOTHREAD, &a, NULL,
			 true, err);
}

int
remote_dom_set_iothread_params(HvConn *c, const char *name, unsigned id, const GArray *params,
			       unsigned flags, GError **err)
{
	RpcMsg a = { .num = { id, flags } };
	int rc;

	rpc_msg_init_extra(&a);
	for (guint k = 0; params && k < params->len; k++) {
		const HvParam *p = &g_array_index(params, HvParam, k);

		rpc_msg_param_add(&a, p->field, (int32_t)p->type, p->i, p->d, p->s);
	}
	rc = acts_call(c, name, PROC_DOM_SET_IOTHREAD_PARAMS, &a, NULL, true, err);
	rpc_msg_clear(&a);
	return rc;
}

/* The peer's IOThreads only: vCPU and emulator pins have no file of a remote
 * node yet. */
static int
iothreads_only(HvAffinityKind kind, const char *what, GError **err)
{
	if (kind == HV_AFFINITY_IOTHREAD)
		return 0;
	return hv_error_set(err, ENOTSUP, "domain %s of vCPUs and the emulator is not "
			    "supported by driver 'remote'", what);
}

int
remote_dom_get_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned flags,
			unsigned *ncpus, GArray **out, GError **err)
{
	RpcMsg a = { .num = { flags } }, r = { 0 };
	unsigned maplen = 0;
	int rc = iothreads_only(kind, "get_affinity", err);

	if (rc == 0)
		rc = acts_call(c, name, PROC_DOM_GET_IOTHREAD_INFO, &a, &r, false, err);
	if (rc < 0)
		goto out;
	*out = g_array_new(FALSE, TRUE, sizeof(HvCpuMap));
	for (guint k = 0; r.iothreads && k < r.iothreads->len; k++) {
		const RpcIOThread *t = &g_array_index(r.iothreads, RpcIOThread, k);
		HvCpuMap m = { .id = t->id };
		guint n = t->map ? MIN(t->map->len, (guint)sizeof(m.map)) : 0;

		if (n)
			memcpy(m.map, t->map->data, n);
		maplen = MAX(maplen, n);
		g_array_append_val(*out, m);
	}
	*ncpus = maplen * 8; /* libvirt's maps hold the host's CPUs, rounded up to a byte */
out:
	rpc_msg_clear(&r);
	return rc;
}

int
remote_dom_set_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned id,
			const uint8_t *map, size_t len, unsigned flags, GError **err)
{
	RpcMsg a = { .num = { id, flags } };
	int rc = iothreads_only(kind, "set_affinity", err);
	size_t used = len;

	if (rc < 0)
		return rc;
	while (used > 1 && !map[used - 1]) /* as libvirt's client: only the bytes that count */
		used--;
	a.bytes = g_byte_array_sized_new((guint)used);
	g_byte_array_append(a.bytes, map, (guint)used);
	rc = acts_call(c, name, PROC_DOM_PIN_IOTHREAD, &a, NULL, true, err);
	g_byte_array_unref(a.bytes);
	return rc;
}

/* Screen 0's image: the stream's bytes (at most SCREENSHOT_MAX). */
int
remote_dom_screenshot(HvConn *c, const char *name, GBytes **png, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	g_autoptr(GByteArray) buf = NULL;
	HvDataStream *s = NULL;
	RpcMsg d = { 0 };
	int rc = remote_client(p, &cl, err);

	if (rc == 0)
		rc = remote_dom_ref(p, cl, name, &d, err);
	if (rc == 0) {
		RpcMsg a = { .dom = d.dom, .num = { 0, 0 } }; /* screen 0, flags 0 */

		rc = rpc_data_open(cl, PROC_DOM_SCREENSHOT, &a, 0, 0, &s, err);
	}
	rpc_msg_clear(&d);
	if (rc < 0)
		return rc;
	buf = g_byte_array_new();
	for (;;) {
		uint8_t chunk[65536];
		gssize n = s->ops->read(s, chunk, sizeof(chunk), err);

		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n == 0)
			break;
		if (buf->len + (size_t)n > SCREENSHOT_MAX) {
			rc = hv_error_set(err, EFBIG, "the screenshot of domain '%s' is over %u bytes",
					  name, SCREENSHOT_MAX);
			break;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
	if (rc == 0)
		rc = s->ops->finish(s, err);
	s->ops->close(s);
	if (rc == 0)
		*png = g_byte_array_free_to_bytes(g_steal_pointer(&buf));
	return rc;
}
