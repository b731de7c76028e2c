/* proto_secret.c: hyperfsd's secret procedures (139-147, 287) over the
 * driver's secret ops, and the remote_nonnull_secret codec both sides use
 * (secret_xdr.h). GetValue follows libvirt: a write row (refused on
 * read-only clients) that never gives out a private secret's value. */
#include <string.h>
#include "remote/proto_priv.h"
#include "remote/secret_xdr.h"

void
rpc_secret_put(GByteArray *out, const char *uuid, int usage_type, const char *usage_id)
{
	uint8_t raw[16];

	rpc_uuid_parse(uuid, raw);
	xdr_put_fixed(out, raw, 16);
	xdr_put_i32(out, usage_type);
	xdr_put_string(out, usage_id ? usage_id : "");
}

void
rpc_secret_put_info(GByteArray *out, const HvSecretInfo *i)
{
	rpc_secret_put(out, i->uuid, i->usage_type, i->usage_id);
}

void
rpc_secret_get(XdrIn *in, RpcSecret *s)
{
	uint8_t raw[16] = { 0 };

	xdr_get_fixed(in, raw, 16);
	rpc_uuid_format(raw, s->uuid);
	s->usage_type = xdr_get_i32(in);
	s->usage_id = xdr_get_string(in, RPC_STRING_MAX);
}

/* The raw arguments: a secret first, then what the procedure adds. */
typedef struct {
	RpcSecret s;
	GBytes *value;  /* SetValue */
	uint32_t flags;
} SecretArgs;

static void
args_clear(SecretArgs *x)
{
	g_free(x->s.usage_id);
	if (x->value) {
		gsize n;
		void *p = (void *)g_bytes_get_data(x->value, &n);

		if (p)
			explicit_bzero(p, n);
		g_bytes_unref(x->value);
	}
}

static int
args_of(const RpcMsg *a, bool with_value, bool with_flags, SecretArgs *out, GError **err)
{
	XdrIn in;

	memset(out, 0, sizeof(*out));
	xdr_in_init(&in, a->raw ? a->raw->data : NULL, a->raw ? a->raw->len : 0);
	rpc_secret_get(&in, &out->s);
	if (with_value) {
		uint32_t n = xdr_get_count(&in, RPC_SECRET_VALUE_MAX, 1);
		g_autofree uint8_t *buf = in.bad ? NULL : g_malloc(n ? n : 1);

		if (buf) {
			xdr_get_fixed(&in, buf, n);
			out->value = g_bytes_new_take(g_steal_pointer(&buf), n);
		}
	}
	if (with_flags)
		out->flags = xdr_get_u32(&in);
	if (xdr_in_finish(&in) < 0) {
		args_clear(out);
		memset(out, 0, sizeof(*out));
		return hv_error_set(err, EBADMSG, "cannot decode the secret arguments");
	}
	return 0;
}

static int
reply_secret(HvConn *c, const char *uuid, RpcMsg *r, GError **err)
{
	g_autoptr(HvSecretInfo) i = NULL;
	int rc = HV_CALL(c, secret, get_info, HV_READS, err, uuid, &i);

	if (rc < 0)
		return rc;
	r->raw = g_byte_array_new();
	rpc_secret_put_info(r->raw, i);
	return 0;
}

RPC_HANDLER(h_num_of_secrets)
{
	g_autoptr(GPtrArray) all = NULL;
	int rc = HV_CALL(c->conn, secret, list, HV_READS, err, &all);

	if (rc < 0)
		return rc;
	r->num[0] = all->len;
	return 0;
}

/* args: maxuuids; ret: uuids<> */
RPC_HANDLER(h_list_secrets)
{
	g_autoptr(GPtrArray) all = NULL;
	int rc = HV_CALL(c->conn, secret, list, HV_READS, err, &all);

	if (rc < 0)
		return rc;
	if (a->num[0] < 0 || a->num[0] > RPC_SECRET_LIST_MAX)
		return hv_error_set(err, EINVAL, "maxuuids %lld out of range (at most %u)",
				    (long long)a->num[0], RPC_SECRET_LIST_MAX);
	rpc_msg_init_extra(r);
	for (guint k = 0; k < all->len && k < (guint)a->num[0]; k++)
		g_ptr_array_add(r->strs, g_strdup(((HvSecretInfo *)all->pdata[k])->uuid));
	return 0;
}

RPC_HANDLER(h_secret_lookup_by_uuid)
{
	char uuid[HV_UUID_STRLEN];

	rpc_uuid_format(a->uuid, uuid);
	return reply_secret(c->conn, uuid, r, err);
}

/* args: usageType, usageID */
RPC_HANDLER(h_secret_lookup_by_usage)
{
	g_autoptr(HvSecretInfo) i = NULL;
	int rc = HV_CALL(c->conn, secret, lookup_usage, HV_READS, err, (HvSecretUsage)a->num[0],
			 a->str[0], &i);

	if (rc < 0)
		return rc;
	r->raw = g_byte_array_new();
	rpc_secret_put_info(r->raw, i);
	return 0;
}

/* args: xml, flags */
RPC_HANDLER(h_secret_define_xml)
{
	g_autofree char *uuid = NULL;
	int rc = HV_CALL(c->conn, secret, define_xml, HV_WRITES, err, a->str[0], &uuid);

	return rc < 0 ? rc : reply_secret(c->conn, uuid, r, err);
}

/* args: secret, flags */
RPC_HANDLER(h_secret_get_xml_desc)
{
	SecretArgs x;
	int rc = args_of(a, false, true, &x, err);

	if (rc == 0)
		rc = HV_CALL(c->conn, secret, get_xml, HV_READS, err, x.s.uuid, 0, &r->str[0]);
	args_clear(&x);
	return rc;
}

/* args: secret, value<>, flags */
RPC_HANDLER(h_secret_set_value)
{
	SecretArgs x;
	int rc = args_of(a, true, true, &x, err);

	if (rc == 0)
		rc = HV_CALL(c->conn, secret, set_value, HV_WRITES, err, x.s.uuid, x.value);
	args_clear(&x);
	return rc;
}

/* args: secret, flags; ret: value<>. Never for a private secret. */
RPC_HANDLER(h_secret_get_value)
{
	g_autoptr(HvSecretInfo) i = NULL;
	g_autoptr(GBytes) v = NULL;
	SecretArgs x;
	gsize n;
	const void *p;
	int rc = args_of(a, false, true, &x, err);

	if (rc == 0)
		rc = HV_CALL(c->conn, secret, get_info, HV_READS, err, x.s.uuid, &i);
	if (rc == 0 && i->is_private)
		rc = hv_error_set(err, EPERM, "secret is private");
	if (rc == 0)
		rc = HV_CALL(c->conn, secret, get_value, HV_WRITES, err, x.s.uuid, &v);
	args_clear(&x);
	if (rc < 0)
		return rc;
	p = g_bytes_get_data(v, &n);
	r->raw = g_byte_array_new();
	xdr_put_u32(r->raw, (uint32_t)n);
	xdr_put_fixed(r->raw, p, n);
	return 0;
}

RPC_HANDLER(h_secret_undefine)
{
	SecretArgs x;
	int rc = args_of(a, false, false, &x, err);

	if (rc == 0)
		rc = HV_CALL(c->conn, secret, undefine, HV_WRITES, err, x.s.uuid);
	args_clear(&x);
	return rc;
}

static bool
wanted(const HvSecretInfo *i, unsigned flags)
{
	if ((flags & (HV_SECRET_LIST_EPHEMERAL | HV_SECRET_LIST_NO_EPHEMERAL)) &&
	    !((flags & HV_SECRET_LIST_EPHEMERAL && i->ephemeral) ||
	      (flags & HV_SECRET_LIST_NO_EPHEMERAL && !i->ephemeral)))
		return false;
	if ((flags & (HV_SECRET_LIST_PRIVATE | HV_SECRET_LIST_NO_PRIVATE)) &&
	    !((flags & HV_SECRET_LIST_PRIVATE && i->is_private) ||
	      (flags & HV_SECRET_LIST_NO_PRIVATE && !i->is_private)))
		return false;
	return true;
}

/* args: need_results, flags; ret: secrets<>, ret */
RPC_HANDLER(h_list_all_secrets)
{
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) sel = g_ptr_array_new();
	int rc = HV_CALL(c->conn, secret, list, HV_READS, err, &all);

	if (rc < 0)
		return rc;
	for (guint k = 0; k < all->len && sel->len < RPC_SECRET_LIST_MAX; k++)
		if (wanted(all->pdata[k], (unsigned)a->num[1]))
			g_ptr_array_add(sel, all->pdata[k]);
	r->raw = g_byte_array_new();
	xdr_put_u32(r->raw, a->num[0] ? sel->len : 0);
	for (guint k = 0; a->num[0] && k < sel->len; k++)
		rpc_secret_put_info(r->raw, sel->pdata[k]);
	xdr_put_u32(r->raw, sel->len);
	return 0;
}

/* ---- events: registration (380, 381) and the messages (382, 383) */

static const struct {
	const char *event;
	int event_id, type;
} secret_events[] = {
	{ "defined", RPC_SECRET_EVENT_LIFECYCLE, 0 },   /* VIR_SECRET_EVENT_DEFINED */
	{ "undefined", RPC_SECRET_EVENT_LIFECYCLE, 1 }, /* VIR_SECRET_EVENT_UNDEFINED */
	{ "value-changed", RPC_SECRET_EVENT_VALUE_CHANGED, 0 },
};

bool
rpc_secret_event(const char *event, int *event_id, int *type)
{
	for (size_t i = 0; i < G_N_ELEMENTS(secret_events); i++)
		if (g_str_equal(secret_events[i].event, event)) {
			*event_id = secret_events[i].event_id;
			*type = secret_events[i].type;
			return true;
		}
	return false;
}

void
rpc_secret_event_message(GByteArray *out, int callback_id, const char *uuid, int usage_type,
			 const char *usage_id, int event_id, int type)
{
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION,
			event_id == RPC_SECRET_EVENT_LIFECYCLE ? PROC_SECRET_EVENT_LIFECYCLE
							       : PROC_SECRET_EVENT_VALUE_CHANGED,
			RPC_MESSAGE, 0, RPC_OK };
	size_t start = rpc_frame_begin(out, &h);

	xdr_put_i32(out, callback_id);
	rpc_secret_put(out, uuid, usage_type, usage_id);
	if (event_id == RPC_SECRET_EVENT_LIFECYCLE) {
		xdr_put_i32(out, type);
		xdr_put_i32(out, 0);
	}
	rpc_frame_end(out, start);
}

/* args (X_RAW): int eventID, remote_secret *secret (optional) */
RPC_HANDLER(h_secret_event_register_any)
{
	XdrIn in;
	RpcSecret s = { 0 };
	int32_t event_id;
	bool one;
	int id;

	xdr_in_init(&in, a->raw->data, a->raw->len);
	event_id = xdr_get_i32(&in);
	if ((one = xdr_get_bool(&in)))
		rpc_secret_get(&in, &s);
	if (in.bad || xdr_in_left(&in)) {
		g_free(s.usage_id);
		return hv_error_set(err, EINVAL, "cannot decode the arguments of "
				    "virConnectSecretEventRegisterAny");
	}
	g_free(s.usage_id);
	id = c->event_register(c, HV_OBJ_SECRET, event_id, one ? s.uuid : NULL, err);
	if (id < 0)
		return id;
	r->num[0] = id;
	return 0;
}
