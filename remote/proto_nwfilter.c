/* proto_nwfilter.c: hyperfsd's network filter procedures over the driver's
 * nwfilter ops: lookups (175, 176), the XML (177), counts and names (178,
 * 179), define and undefine (180, 181), list all (286). A filter on the wire
 * is {name, uuid}, the layout of a network. Filter bindings (401) are not
 * kept by any driver: answered as libvirt's drivers without them answer.
 * Definitions are stored, never enforced (docs/remote.md). */
#include <errno.h>
#include <string.h>
#include "remote/proto_priv.h"

#define NWFILTER_LIST_MAX 16384 /* REMOTE_NWFILTER_LIST_MAX */

static int
filters(RpcClientCtx *c, GPtrArray **l, GError **err)
{
	return HV_CALL(c->conn, nwfilter, list, HV_READS, err, l);
}

static void
fill(RpcNamed *out, const HvNwfilterInfo *i)
{
	out->name = g_strdup(i->name);
	rpc_uuid_parse(i->uuid, out->uuid);
}

/* The filter named name, or with uuid (name NULL), into r->net. */
static int
lookup(RpcClientCtx *c, const char *name, const uint8_t *uuid, RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	char text[HV_UUID_STRLEN];
	int rc = filters(c, &l, err);

	if (rc < 0)
		return rc;
	if (!name)
		rpc_uuid_format(uuid, text);
	for (guint k = 0; k < l->len; k++) {
		const HvNwfilterInfo *i = l->pdata[k];

		if (name ? g_str_equal(i->name, name) : g_ascii_strcasecmp(i->uuid, text) == 0) {
			fill(&r->net, i);
			return 0;
		}
	}
	return name ? hv_error_set(err, ENOENT, "no nwfilter with matching name '%s'", name)
		    : hv_error_set(err, ENOENT, "no nwfilter with matching uuid '%s'", text);
}

RPC_HANDLER(h_nwfilter_lookup_by_name)
{
	return lookup(c, a->str[0], NULL, r, err);
}

RPC_HANDLER(h_nwfilter_lookup_by_uuid)
{
	return lookup(c, NULL, a->uuid, r, err);
}

RPC_HANDLER(h_nwfilter_get_xml)
{
	return HV_CALL(c->conn, nwfilter, get_xml, HV_READS, err, a->net.name, &r->str[0]);
}

static int
names(RpcClientCtx *c, int64_t max, RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc;

	if (max > NWFILTER_LIST_MAX)
		return hv_error_set(err, EINVAL, "too many nwfilter names requested: %lld",
				    (long long)max);
	if ((rc = filters(c, &l, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len; k++) {
		rpc_name_out(r, max, ((HvNwfilterInfo *)l->pdata[k])->name);
	}
	return 0;
}

RPC_HANDLER(h_nwfilter_num)
{
	return names(c, -1, r, err);
}

RPC_HANDLER(h_nwfilter_list)
{
	return names(c, a->num[0] < 0 ? 0 : a->num[0], r, err);
}

RPC_HANDLER(h_nwfilter_list_all)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc;

	if (a->num[1])
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", (unsigned)a->num[1]);
	if ((rc = filters(c, &l, err)) < 0)
		return rc;
	rpc_msg_init_lists(r);
	for (guint k = 0; k < l->len; k++) {
		RpcNamed n = { 0 };

		fill(&n, l->pdata[k]);
		if (a->num[0])
			g_array_append_val(r->nets, n);
		else
			g_free(n.name);
	}
	r->num[0] = l->len;
	return 0;
}

RPC_HANDLER(h_nwfilter_define)
{
	g_autofree char *name = NULL;
	int rc = HV_CALL(c->conn, nwfilter, define_xml, HV_WRITES, err, a->str[0], &name);

	return rc < 0 ? rc : lookup(c, name, NULL, r, err);
}

RPC_HANDLER(h_nwfilter_undefine)
{
	return HV_CALL(c->conn, nwfilter, undefine, HV_WRITES, err, a->net.name);
}

RPC_HANDLER(h_nwfilter_bindings)
{
	return hv_error_set(err, ENOTSUP, "nwfilter bindings is not supported by driver '%s'",
			    c->conn->driver->name);
}
