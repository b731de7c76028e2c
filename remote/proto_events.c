/* proto_events.c: the events hyperfsd sends: driver event words as libvirt's
 * domain lifecycle types and details (virDomainEventType) and as network and
 * pool events, both ways, their messages (318, 315, 370, 373 under the
 * callback's id), and the UUIDs objects carry on the wire. */
#include <string.h>
#include "remote/proto_priv.h"

#define S(...) ((const XField[]){ __VA_ARGS__, X_END })

/* Driver event words -> virDomainEventType and its detail. */
static const struct {
	const char *event, *detail;
	int type, code;
} lifecycle[] = {
	{ "defined", "added", 0, 0 },
	{ "defined", "updated", 0, 1 },
	{ "defined", "renamed", 0, 2 },
	{ "undefined", "removed", 1, 0 },
	{ "undefined", "renamed", 1, 1 },
	{ "started", "booted", 2, 0 },
	{ "suspended", "paused", 3, 0 },
	{ "resumed", "unpaused", 4, 0 },
	{ "stopped", "shutdown", 5, 0 },
	{ "stopped", "destroyed", 5, 1 },
	{ "stopped", "crashed", 5, 2 },
	{ "stopped", "failed", 5, 5 },
	{ "shutdown", "finished", 6, 0 },
	{ "crashed", "panicked", 8, 0 },
};

bool
rpc_lifecycle_event(const char *event, const char *detail, int *type, int *code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(lifecycle); i++)
		if (g_str_equal(lifecycle[i].event, event) && g_str_equal(lifecycle[i].detail, detail)) {
			*type = lifecycle[i].type;
			*code = lifecycle[i].code;
			return true;
		}
	return false;
}

/* The other way: virDomainEventType and detail -> driver words. A detail we
 * have no word for keeps the type's word with detail "-". */
bool
rpc_lifecycle_words(int type, int code, const char **event, const char **detail)
{
	static const char *const by_type[] = { "defined", "undefined", "started", "suspended",
					       "resumed", "stopped", "shutdown", "pmsuspended",
					       "crashed" };

	for (size_t i = 0; i < G_N_ELEMENTS(lifecycle); i++)
		if (lifecycle[i].type == type && lifecycle[i].code == code) {
			*event = lifecycle[i].event;
			*detail = lifecycle[i].detail;
			return true;
		}
	if (type < 0 || type >= (int)G_N_ELEMENTS(by_type))
		return false;
	*event = by_type[type];
	*detail = "-";
	return true;
}

void
rpc_lifecycle_message(GByteArray *out, int callback_id, const RpcDom *dom, int type, int detail)
{
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
			RPC_MESSAGE, 0, RPC_OK };
	RpcMsg m = { .num = { callback_id, type, detail }, .dom = *dom };
	size_t start = rpc_frame_begin(out, &h);

	rpc_msg_encode(S(X_INT, X_DOM, X_INT, X_INT), &m, out);
	rpc_frame_end(out, start);
}

static const struct {
	HvObjKind kind;
	const char *event;
	int event_id, type;
} obj_events[] = {
	{ HV_OBJ_NETWORK, "defined", RPC_EVENT_LIFECYCLE, 0 },
	{ HV_OBJ_NETWORK, "undefined", RPC_EVENT_LIFECYCLE, 1 },
	{ HV_OBJ_NETWORK, "started", RPC_EVENT_LIFECYCLE, 2 },
	{ HV_OBJ_NETWORK, "stopped", RPC_EVENT_LIFECYCLE, 3 },
	{ HV_OBJ_POOL, "defined", RPC_EVENT_LIFECYCLE, 0 },
	{ HV_OBJ_POOL, "undefined", RPC_EVENT_LIFECYCLE, 1 },
	{ HV_OBJ_POOL, "started", RPC_EVENT_LIFECYCLE, 2 },
	{ HV_OBJ_POOL, "stopped", RPC_EVENT_LIFECYCLE, 3 },
	{ HV_OBJ_POOL, "built", RPC_EVENT_LIFECYCLE, 4 },   /* VIR_STORAGE_POOL_EVENT_CREATED */
	{ HV_OBJ_POOL, "deleted", RPC_EVENT_LIFECYCLE, 5 },
	{ HV_OBJ_POOL, "refreshed", RPC_EVENT_POOL_REFRESH, 0 },
};

bool
rpc_obj_event(HvObjKind kind, const char *event, int *event_id, int *type)
{
	for (size_t i = 0; i < G_N_ELEMENTS(obj_events); i++)
		if (obj_events[i].kind == kind && g_str_equal(obj_events[i].event, event)) {
			*event_id = obj_events[i].event_id;
			*type = obj_events[i].type;
			return true;
		}
	return false;
}

bool
rpc_obj_event_words(HvObjKind kind, int event_id, int type, const char **event)
{
	for (size_t i = 0; i < G_N_ELEMENTS(obj_events); i++)
		if (obj_events[i].kind == kind && obj_events[i].event_id == event_id &&
		    (event_id == RPC_EVENT_POOL_REFRESH || obj_events[i].type == type)) {
			*event = obj_events[i].event;
			return true;
		}
	return false;
}

void
rpc_obj_event_message(GByteArray *out, HvObjKind kind, int event_id, int callback_id,
		      const RpcNamed *obj, int type)
{
	RpcHeader h = { RPC_PROGRAM, RPC_PROTOCOL_VERSION, 0, RPC_MESSAGE, 0, RPC_OK };
	RpcMsg m = { .num = { callback_id, type, 0 } };
	size_t start;

	if (kind == HV_OBJ_NETWORK) {
		h.proc = PROC_NETWORK_EVENT_LIFECYCLE;
		m.net = *obj;
	} else {
		h.proc = event_id == RPC_EVENT_POOL_REFRESH ? PROC_STORAGE_POOL_EVENT_REFRESH
							    : PROC_STORAGE_POOL_EVENT_LIFECYCLE;
		m.pool = *obj;
	}
	start = rpc_frame_begin(out, &h);
	if (kind == HV_OBJ_NETWORK)
		rpc_msg_encode(S(X_INT, X_NET, X_INT, X_INT), &m, out);
	else if (event_id == RPC_EVENT_POOL_REFRESH)
		rpc_msg_encode(S(X_INT, X_POOL), &m, out);
	else
		rpc_msg_encode(S(X_INT, X_POOL, X_INT, X_INT), &m, out);
	rpc_frame_end(out, start);
}

void
rpc_uuid_parse(const char *s, uint8_t out[16])
{
	int n = 0;

	memset(out, 0, 16);
	for (; s && *s && n < 32; s++) {
		int v = g_ascii_xdigit_value(*s);

		if (v < 0)
			continue;
		out[n / 2] |= (uint8_t)(n % 2 ? v : v << 4);
		n++;
	}
}

void
rpc_uuid_format(const uint8_t in[16], char out[HV_UUID_STRLEN])
{
	g_snprintf(out, HV_UUID_STRLEN,
		   "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		   in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], in[9], in[10],
		   in[11], in[12], in[13], in[14], in[15]);
}
