/* remote_migrate.c: the remote driver's side of a migration, the phases of
 * driver.h over libvirt's v3-with-parameters procedures (Begin3Params 302
 * on the source, Prepare3Params 303 on the target, Perform3Params 305,
 * Finish3Params 306, Confirm3Params 307), with the cookie each phase gives
 * carried to the next as libvirt's own client does. drivers/migrate.c runs
 * them, so `mv a/domains/web1 b/domains/` works between two nodes that
 * hyperfs reaches through hyperfsd, and hyperfsd's peer-to-peer migration
 * reaches its target; the tunnelled one prepares with PrepareTunnel3Params
 * (304), whose stream (client_data.c) carries the guest. */
#include <string.h>
#include "remote/client_data.h"
#include "remote/remote_priv.h"

enum {
	PROC_BEGIN = 302,
	PROC_PREPARE = 303,
	PROC_PREPARE_TUNNEL = 304,
	PROC_PERFORM = 305,
	PROC_FINISH = 306,
	PROC_CONFIRM = 307,
};

/* The arguments' parameters and cookie (ck->in, may be NULL). */
static void
args_fill(RpcMsg *a, const GArray *ps, const HvMigCookie *ck)
{
	rpc_msg_init_extra(a);
	if (!a->bytes)
		a->bytes = g_byte_array_new();
	for (guint k = 0; ps && k < ps->len; k++) {
		const HvParam *p = &g_array_index(ps, HvParam, k);

		rpc_msg_param_add(a, p->field, (int32_t)p->type, p->i, p->d, p->s);
	}
	if (ck)
		hv_mig_cookie_to_wire(a->bytes, ck->in);
}

/* The reply's cookie into ck->out: text (its terminating NUL, as libvirt
 * sends it, dropped), at most HV_MIG_COOKIE_MAX bytes (else EPROTO). */
static int
cookie_take(RpcMsg *r, HvMigCookie *ck, const char *what, GError **err)
{
	const GByteArray *b = r->bytes;

	g_clear_pointer(&ck->out, g_free);
	if (!b || !b->len || (b->len == 1 && !b->data[0]))
		return 0;
	if (!(ck->out = hv_mig_cookie_from_wire(b->data, b->len)))
		return hv_error_set(err, EPROTO, "%s: the peer's migration cookie (%u bytes) is "
				    "not text", what, b->len);
	return 0;
}

/* One phase: the domain (when named) first, then args as a gives them. */
static int
phase(HvConn *c, const char *name, int32_t proc, RpcMsg *a, RpcMsg *r, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg d = { 0 };
	int rc = remote_client(p, &cl, err);

	if (rc == 0 && name && (rc = remote_dom_ref(p, cl, name, &d, err)) == 0)
		a->dom = d.dom;
	if (rc == 0)
		rc = rpc_client_call(cl, proc, a, r, err);
	a->dom = (RpcDom){ 0 };
	rpc_msg_clear(&d);
	remote_dom_invalidate(p, name, true); /* the domain comes, goes, or changes */
	return rc;
}

int
remote_migrate_begin(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		     unsigned flags, char **xml, GError **err)
{
	RpcMsg a = { .num = { flags } }, r = { 0 };
	int rc;

	args_fill(&a, params, NULL);
	if ((rc = phase(c, name, PROC_BEGIN, &a, &r, err)) == 0 &&
	    (rc = cookie_take(&r, ck, "begin", err)) == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&a);
	rpc_msg_clear(&r);
	return rc;
}

int
remote_migrate_prepare(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
		       char **uri, GError **err)
{
	RpcMsg a = { .num = { flags } }, r = { 0 };
	int rc;

	*uri = NULL;
	args_fill(&a, params, ck);
	if ((rc = phase(c, NULL, PROC_PREPARE, &a, &r, err)) == 0 &&
	    (rc = cookie_take(&r, ck, "prepare", err)) == 0 && r.has_str[0])
		*uri = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&a);
	rpc_msg_clear(&r);
	return rc;
}

int
remote_migrate_perform(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		       unsigned flags, GError **err)
{
	RpcMsg a = { .num = { flags } }, r = { 0 }; /* no dconnuri: not peer-to-peer */
	int rc;

	args_fill(&a, params, ck);
	if ((rc = phase(c, name, PROC_PERFORM, &a, &r, err)) == 0)
		rc = cookie_take(&r, ck, "perform", err);
	rpc_msg_clear(&a);
	rpc_msg_clear(&r);
	return rc;
}

int
remote_migrate_finish(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
		      bool cancelled, GError **err)
{
	RpcMsg a = { .num = { flags, cancelled } }, r = { 0 };
	int rc;

	args_fill(&a, params, ck);
	rc = phase(c, NULL, PROC_FINISH, &a, &r, err);
	if (rc == 0)
		rc = cookie_take(&r, ck, "finish", err);
	else if (cancelled) /* libvirt's finish of a cancelled migration answers an error */
		g_clear_error(err), rc = 0;
	rpc_msg_clear(&a);
	rpc_msg_clear(&r);
	return rc;
}

int
remote_migrate_confirm(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		       unsigned flags, bool cancelled, GError **err)
{
	RpcMsg a = { .num = { flags, cancelled } };
	int rc;

	args_fill(&a, params, ck);
	rc = phase(c, name, PROC_CONFIRM, &a, NULL, err);
	rpc_msg_clear(&a);
	return rc;
}

int
remote_migrate_prepare_tunnel(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			      HvDataStream **st, GError **err)
{
	RemotePriv *p = c->priv;
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .num = { flags } }, r = { 0 };
	int rc = remote_client(p, &cl, err);

	*st = NULL;
	args_fill(&a, params, ck);
	if (rc == 0 && (rc = rpc_data_open_ret(cl, PROC_PREPARE_TUNNEL, &a, &r, 0, 0, st,
					       err)) == 0 &&
	    (rc = cookie_take(&r, ck, "prepare", err)) < 0) {
		(*st)->ops->close(*st); /* an abort: the target's QEMU ends */
		*st = NULL;
	}
	rpc_msg_clear(&a);
	rpc_msg_clear(&r);
	return rc;
}
