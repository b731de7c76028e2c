/* remote_secret.c: the remote driver's secret ops over the secret procedures
 * (secret_xdr.h). A secret on the wire is {uuid, usage}; its flags come from
 * its document. Nothing is cached; each successful write reports its own
 * event, as for networks and pools. */
#include <string.h>
#include "remote/remote_priv.h"
#include "remote/secret_xdr.h"
#include "conf/conf_util.h"

static int
connected(HvConn *c, RpcClient **cl, GError **err)
{
	return remote_client(c->priv, cl, err);
}

/* One remote_nonnull_secret out of a reply's raw bytes. */
static int
take_secret(RpcMsg *r, RpcSecret *s, GError **err)
{
	XdrIn in;

	xdr_in_init(&in, r->raw ? r->raw->data : NULL, r->raw ? r->raw->len : 0);
	rpc_secret_get(&in, s);
	if (xdr_in_finish(&in) < 0) {
		g_clear_pointer(&s->usage_id, g_free);
		return hv_error_set(err, EBADMSG, "the peer sent a secret that cannot be decoded");
	}
	return 0;
}

static int
lookup(RpcClient *cl, const char *uuid, RpcSecret *s, GError **err)
{
	RpcMsg a = { 0 }, r = { 0 };
	char norm[HV_UUID_STRLEN];
	int rc;

	if (hv_uuid_normalise(uuid, norm) < 0) /* a name in secrets/ that is no uuid */
		return hv_error_set(err, ENOENT, "no secret with matching uuid '%s'", uuid);
	rpc_uuid_parse(norm, a.uuid);
	rc = rpc_client_call(cl, PROC_SECRET_LOOKUP_BY_UUID, &a, &r, err);
	if (rc == 0)
		rc = take_secret(&r, s, err);
	rpc_msg_clear(&r);
	return rc;
}

/* A call whose arguments are a secret, then extra (value<>, flags...). */
static int
secret_call(RpcClient *cl, int32_t proc, const RpcSecret *s, const GByteArray *extra, RpcMsg *r,
	    GError **err)
{
	RpcMsg a = { 0 };
	int rc;

	a.raw = g_byte_array_new();
	rpc_secret_put(a.raw, s->uuid, s->usage_type, s->usage_id);
	if (extra)
		g_byte_array_append(a.raw, extra->data, extra->len);
	rc = rpc_client_call(cl, proc, &a, r, err);
	g_byte_array_unref(a.raw);
	return rc;
}

static void
flags_only(GByteArray *b, uint32_t flags)
{
	xdr_put_u32(b, flags);
}

static int
get_xml_of(RpcClient *cl, const RpcSecret *s, char **xml, GError **err)
{
	g_autoptr(GByteArray) extra = g_byte_array_new();
	RpcMsg r = { 0 };
	int rc;

	flags_only(extra, 0);
	rc = secret_call(cl, PROC_SECRET_GET_XML_DESC, s, extra, &r, err);
	if (rc == 0)
		*xml = g_steal_pointer(&r.str[0]);
	rpc_msg_clear(&r);
	return rc;
}

static HvSecretInfo *
info_new(const RpcSecret *s, const char *xml)
{
	HvSecretInfo *i = g_new0(HvSecretInfo, 1);
	g_autofree char *priv = remote_xpath(xml, "/secret/@private");
	g_autofree char *eph = remote_xpath(xml, "/secret/@ephemeral");

	i->uuid = g_strdup(s->uuid);
	i->usage_type = s->usage_type >= 0 && s->usage_type < HV_SECRET_USAGE_LAST
				? (HvSecretUsage)s->usage_type : HV_SECRET_USAGE_NONE;
	i->usage_id = g_strdup(s->usage_id ? s->usage_id : "");
	i->is_private = !g_strcmp0(priv, "yes");
	i->ephemeral = !g_strcmp0(eph, "yes");
	return i;
}

static int
info_of(RpcClient *cl, const RpcSecret *s, HvSecretInfo **out, GError **err)
{
	g_autofree char *xml = NULL;
	int rc = get_xml_of(cl, s, &xml, err);

	if (rc == 0)
		*out = info_new(s, xml);
	return rc;
}

static int
remote_secret_list(HvConn *c, GPtrArray **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .num = { 1, 0 } }, r = { 0 };
	XdrIn in;
	uint32_t n;
	int rc = connected(c, &cl, err);

	if (rc == 0)
		rc = rpc_client_call(cl, PROC_LIST_ALL_SECRETS, &a, &r, err);
	if (rc < 0) {
		rpc_msg_clear(&r);
		return rc;
	}
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_secret_info_free);
	xdr_in_init(&in, r.raw ? r.raw->data : NULL, r.raw ? r.raw->len : 0);
	n = xdr_get_count(&in, RPC_SECRET_LIST_MAX, 24);
	for (uint32_t k = 0; k < n && !in.bad; k++) {
		RpcSecret s = { 0 };
		g_autofree char *xml = NULL;

		rpc_secret_get(&in, &s);
		if (!in.bad && remote_name_ok(c->priv, HV_OBJ_SECRET, s.uuid, "readdir") &&
		    get_xml_of(cl, &s, &xml, NULL) == 0)
			g_ptr_array_add(*out, info_new(&s, xml));
		g_free(s.usage_id);
	}
	rpc_msg_clear(&r);
	return 0;
}

static int
remote_secret_get_info(HvConn *c, const char *uuid, HvSecretInfo **out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcSecret s = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0 && (rc = lookup(cl, uuid, &s, err)) == 0)
		rc = info_of(cl, &s, out, err);
	g_free(s.usage_id);
	return rc;
}

static int
remote_secret_lookup_usage(HvConn *c, HvSecretUsage type, const char *id, HvSecretInfo **out,
			   GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .num = { type }, .str = { (char *)id }, .has_str = { true } }, r = { 0 };
	RpcSecret s = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0 && (rc = rpc_client_call(cl, PROC_SECRET_LOOKUP_BY_USAGE, &a, &r, err)) == 0 &&
	    (rc = take_secret(&r, &s, err)) == 0)
		rc = info_of(cl, &s, out, err);
	g_free(s.usage_id);
	rpc_msg_clear(&r);
	return rc;
}

static int
remote_secret_get_xml(HvConn *c, const char *uuid, unsigned flags, char **xml, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcSecret s = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0 && (rc = lookup(cl, uuid, &s, err)) == 0)
		rc = get_xml_of(cl, &s, xml, err);
	g_free(s.usage_id);
	return rc;
}

static int
remote_secret_define(HvConn *c, const char *xml, char **uuid_out, GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcMsg a = { .str = { (char *)xml }, .has_str = { true } }, r = { 0 };
	RpcSecret s = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0 && (rc = rpc_client_call(cl, PROC_SECRET_DEFINE_XML, &a, &r, err)) == 0 &&
	    (rc = take_secret(&r, &s, err)) == 0) {
		hv_conn_emit(c, HV_OBJ_SECRET, NULL, s.uuid, "defined", "-");
		if (uuid_out)
			*uuid_out = g_strdup(s.uuid);
	}
	g_free(s.usage_id);
	rpc_msg_clear(&r);
	return rc;
}

/* Looks the secret up, then one call on it with extra arguments. */
static int
on_secret(HvConn *c, const char *uuid, int32_t proc, const GByteArray *extra, RpcMsg *r,
	  GError **err)
{
	g_autoptr(RpcClient) cl = NULL;
	RpcSecret s = { 0 };
	int rc = connected(c, &cl, err);

	if (rc == 0 && (rc = lookup(cl, uuid, &s, err)) == 0)
		rc = secret_call(cl, proc, &s, extra, r, err);
	g_free(s.usage_id);
	return rc;
}

static int
remote_secret_undefine(HvConn *c, const char *uuid, GError **err)
{
	RpcMsg r = { 0 };
	int rc = on_secret(c, uuid, PROC_SECRET_UNDEFINE, NULL, &r, err);

	rpc_msg_clear(&r);
	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_SECRET, NULL, uuid, "undefined", "removed");
	return rc;
}

static int
remote_secret_set_value(HvConn *c, const char *uuid, GBytes *value, GError **err)
{
	g_autoptr(GByteArray) extra = g_byte_array_new();
	RpcMsg r = { 0 };
	gsize n;
	const void *p = g_bytes_get_data(value, &n);
	int rc;

	if (n > RPC_SECRET_VALUE_MAX)
		return hv_error_set(err, EINVAL, "secret '%s': a value is at most %u bytes", uuid,
				    RPC_SECRET_VALUE_MAX);
	xdr_put_u32(extra, (uint32_t)n);
	xdr_put_fixed(extra, p, n);
	flags_only(extra, 0);
	rc = on_secret(c, uuid, PROC_SECRET_SET_VALUE, extra, &r, err);
	explicit_bzero(extra->data, extra->len);
	rpc_msg_clear(&r);
	if (rc == 0)
		hv_conn_emit(c, HV_OBJ_SECRET, NULL, uuid, "value-changed", "-");
	return rc;
}

static int
remote_secret_get_value(HvConn *c, const char *uuid, GBytes **value, GError **err)
{
	g_autoptr(GByteArray) extra = g_byte_array_new();
	RpcMsg r = { 0 };
	XdrIn in;
	uint32_t n;
	int rc;

	flags_only(extra, 0);
	rc = on_secret(c, uuid, PROC_SECRET_GET_VALUE, extra, &r, err);
	if (rc == 0) {
		g_autofree uint8_t *buf = NULL;

		xdr_in_init(&in, r.raw ? r.raw->data : NULL, r.raw ? r.raw->len : 0);
		n = xdr_get_count(&in, RPC_SECRET_VALUE_MAX, 1);
		buf = g_malloc(n ? n : 1);
		xdr_get_fixed(&in, buf, n);
		if (xdr_in_finish(&in) < 0)
			rc = hv_error_set(err, EBADMSG, "secret '%s': the peer's value cannot be "
					  "decoded", uuid);
		else
			*value = g_bytes_new(buf, n);
		explicit_bzero(buf, n);
	}
	if (r.raw)
		explicit_bzero(r.raw->data, r.raw->len);
	rpc_msg_clear(&r);
	return rc;
}

const HvSecretOps remote_secret_ops = {
	.list = remote_secret_list,
	.get_info = remote_secret_get_info,
	.lookup_usage = remote_secret_lookup_usage,
	.get_xml = remote_secret_get_xml,
	.define_xml = remote_secret_define,
	.undefine = remote_secret_undefine,
	.set_value = remote_secret_set_value,
	.get_value = remote_secret_get_value,
};
