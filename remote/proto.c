/* proto.c: the remote program's procedure table and its dispatcher. One row per
 * procedure, sorted by number, found by bsearch; the row's flags are enforced
 * here once (open connection, read-only clients), its shapes decode the
 * arguments and encode the reply, and errno values become libvirt errors. */
#include <stdlib.h>
#include <string.h>
#include "remote/proto_priv.h"

#define VIR_FROM_REMOTE 13
#define VIR_ERR_ERROR 2

#define S(...) ((const XField[]){ __VA_ARGS__, X_END })
static const XField S_VOID[] = { X_END };

#define HI RPC_PRIORITY
#define W RPC_WRITES
#define D HV_OBJ_DOMAIN
#define N HV_OBJ_NETWORK
#define P HV_OBJ_POOL
#define V HV_OBJ_VOLUME
#define X HV_OBJ_NODE

/* Numbers from libvirt's remote_protocol.x; keep sorted by number. */
static const RpcProc procs[] = {
	{ 1, "virConnectOpen", S(X_OPTSTR, X_UINT), S_VOID, h_connect_open, RPC_NO_CONN | HI, X },
	{ 2, "virConnectClose", S_VOID, S_VOID, h_connect_close, HI, X },
	{ 3, "virConnectGetType", S_VOID, S(X_STR), h_get_type, HI, X },
	{ 4, "virConnectGetVersion", S_VOID, S(X_HYPER), h_get_version, HI, X },
	{ 5, "virConnectGetMaxVcpus", S(X_OPTSTR), S(X_INT), h_get_max_vcpus, HI, X },
	{ 6, "virNodeGetInfo", S_VOID, S(X_MODEL32, X_HYPER, X_INT, X_INT, X_INT, X_INT, X_INT, X_INT),
	  h_node_get_info, HI, X },
	{ 7, "virConnectGetCapabilities", S_VOID, S(X_STR), h_get_capabilities, 0, X },
	{ 9, "virDomainCreate", S(X_DOM), S_VOID, h_dom_create, W, D },
	{ 11, "virDomainDefineXML", S(X_STR), S(X_DOM), h_dom_define, W | HI, D },
	{ 12, "virDomainDestroy", S(X_DOM), S_VOID, h_dom_destroy, W | HI, D },
	{ 14, "virDomainGetXMLDesc", S(X_DOM, X_UINT), S(X_STR), h_dom_get_xml, 0, D },
	{ 15, "virDomainGetAutostart", S(X_DOM), S(X_INT), h_dom_get_autostart, HI, D },
	{ 16, "virDomainGetInfo", S(X_DOM), S(X_INT, X_HYPER, X_HYPER, X_INT, X_HYPER), h_dom_get_info, 0, D },
	{ 17, "virDomainGetMaxMemory", S(X_DOM), S(X_HYPER), h_dom_get_max_memory, HI, D },
	{ 18, "virDomainGetMaxVcpus", S(X_DOM), S(X_INT), h_dom_get_max_vcpus, HI, D },
	{ 19, "virDomainGetOSType", S(X_DOM), S(X_STR), h_dom_get_os_type, HI, D },
	{ 22, "virDomainLookupByID", S(X_INT), S(X_DOM), h_dom_lookup_by_id, HI, D },
	{ 23, "virDomainLookupByName", S(X_STR), S(X_DOM), h_dom_lookup_by_name, HI, D },
	{ 24, "virDomainLookupByUUID", S(X_UUID), S(X_DOM), h_dom_lookup_by_uuid, HI, D },
	{ 25, "virConnectNumOfDefinedDomains", S_VOID, S(X_INT), h_num_of_defined_domains, HI, D },
	{ 27, "virDomainReboot", S(X_DOM, X_UINT), S_VOID, h_dom_reboot, W, D },
	{ 28, "virDomainResume", S(X_DOM), S_VOID, h_dom_resume, W, D },
	{ 29, "virDomainSetAutostart", S(X_DOM, X_INT), S_VOID, h_dom_set_autostart, W | HI, D },
	{ 30, "virDomainSetMaxMemory", S(X_DOM, X_HYPER), S_VOID, h_dom_set_max_memory, W | HI, D },
	{ 31, "virDomainSetMemory", S(X_DOM, X_HYPER), S_VOID, h_dom_set_memory, W, D },
	{ 32, "virDomainSetVcpus", S(X_DOM, X_UINT), S_VOID, h_dom_set_vcpus, W, D },
	{ 33, "virDomainShutdown", S(X_DOM), S_VOID, h_dom_shutdown, W, D },
	{ 34, "virDomainSuspend", S(X_DOM), S_VOID, h_dom_suspend, W, D },
	{ 35, "virDomainUndefine", S(X_DOM), S_VOID, h_dom_undefine, W | HI, D },
	{ 39, "virNetworkCreate", S(X_NET), S_VOID, h_net_create, W, N },
	{ 41, "virNetworkDefineXML", S(X_STR), S(X_NET), h_net_define, W | HI, N },
	{ 42, "virNetworkDestroy", S(X_NET), S_VOID, h_net_destroy, W | HI, N },
	{ 43, "virNetworkGetXMLDesc", S(X_NET, X_UINT), S(X_STR), h_net_get_xml, HI, N },
	{ 44, "virNetworkGetAutostart", S(X_NET), S(X_INT), h_net_get_autostart, HI, N },
	{ 45, "virNetworkGetBridgeName", S(X_NET), S(X_STR), h_net_get_bridge, HI, N },
	{ 46, "virNetworkLookupByName", S(X_STR), S(X_NET), h_net_lookup_by_name, HI, N },
	{ 47, "virNetworkLookupByUUID", S(X_UUID), S(X_NET), h_net_lookup_by_uuid, HI, N },
	{ 48, "virNetworkSetAutostart", S(X_NET, X_INT), S_VOID, h_net_set_autostart, W | HI, N },
	{ 49, "virNetworkUndefine", S(X_NET), S_VOID, h_net_undefine, W | HI, N },
	{ 51, "virConnectNumOfDomains", S_VOID, S(X_INT), h_num_of_domains, HI, D },
	{ 59, "virConnectGetHostname", S_VOID, S(X_STR), h_get_hostname, HI, X },
	{ 60, "virConnectSupportsFeature", S(X_INT), S(X_INT), h_supports_feature, RPC_NO_CONN | HI, X },
	{ 66, "virConnectAuthList", S_VOID, S(X_INT_LIST), h_auth_list, RPC_NO_CONN | HI, X },
	{ 77, "virStoragePoolDefineXML", S(X_STR, X_UINT), S(X_POOL), h_pool_define, W | HI, P },
	{ 78, "virStoragePoolCreate", S(X_POOL, X_UINT), S_VOID, h_pool_create, W, P },
	{ 79, "virStoragePoolBuild", S(X_POOL, X_UINT), S_VOID, h_pool_build, W, P },
	{ 80, "virStoragePoolDestroy", S(X_POOL), S_VOID, h_pool_destroy, W | HI, P },
	{ 81, "virStoragePoolDelete", S(X_POOL, X_UINT), S_VOID, h_pool_delete, W, P },
	{ 82, "virStoragePoolUndefine", S(X_POOL), S_VOID, h_pool_undefine, W | HI, P },
	{ 83, "virStoragePoolRefresh", S(X_POOL, X_UINT), S_VOID, h_pool_refresh, W, P },
	{ 84, "virStoragePoolLookupByName", S(X_STR), S(X_POOL), h_pool_lookup_by_name, HI, P },
	{ 85, "virStoragePoolLookupByUUID", S(X_UUID), S(X_POOL), h_pool_lookup_by_uuid, HI, P },
	{ 86, "virStoragePoolLookupByVolume", S(X_VOL), S(X_POOL), h_pool_lookup_by_volume, HI, P },
	{ 87, "virStoragePoolGetInfo", S(X_POOL), S(X_INT, X_HYPER, X_HYPER, X_HYPER), h_pool_get_info, HI, P },
	{ 88, "virStoragePoolGetXMLDesc", S(X_POOL, X_UINT), S(X_STR), h_pool_get_xml, HI, P },
	{ 89, "virStoragePoolGetAutostart", S(X_POOL), S(X_INT), h_pool_get_autostart, HI, P },
	{ 90, "virStoragePoolSetAutostart", S(X_POOL, X_INT), S_VOID, h_pool_set_autostart, W | HI, P },
	{ 91, "virStoragePoolNumOfVolumes", S(X_POOL), S(X_INT), h_pool_num_of_volumes, HI, P },
	{ 93, "virStorageVolCreateXML", S(X_POOL, X_STR, X_UINT), S(X_VOL), h_vol_create_xml, W, P },
	{ 94, "virStorageVolDelete", S(X_VOL, X_UINT), S_VOID, h_vol_delete, W, V },
	{ 95, "virStorageVolLookupByName", S(X_POOL, X_STR), S(X_VOL), h_vol_lookup_by_name, HI, V },
	{ 96, "virStorageVolLookupByKey", S(X_STR), S(X_VOL), h_vol_lookup_by_path, HI, V },
	{ 97, "virStorageVolLookupByPath", S(X_STR), S(X_VOL), h_vol_lookup_by_path, HI, V },
	{ 98, "virStorageVolGetInfo", S(X_VOL), S(X_INT, X_HYPER, X_HYPER), h_vol_get_info, HI, V },
	{ 99, "virStorageVolGetXMLDesc", S(X_VOL, X_UINT), S(X_STR), h_vol_get_xml, HI, V },
	{ 100, "virStorageVolGetPath", S(X_VOL), S(X_STR), h_vol_get_path, HI, V },
	{ 102, "virNodeGetFreeMemory", S_VOID, S(X_HYPER), h_node_get_free_memory, HI, X },
	{ 110, "virConnectGetURI", S_VOID, S(X_STR), h_get_uri, HI, X },
	{ 149, "virConnectIsSecure", S_VOID, S(X_INT), h_is_secure, HI, X },
	{ 150, "virDomainIsActive", S(X_DOM), S(X_INT), h_dom_is_active, HI, D },
	{ 151, "virDomainIsPersistent", S(X_DOM), S(X_INT), h_dom_is_persistent, HI, D },
	{ 152, "virNetworkIsActive", S(X_NET), S(X_INT), h_net_is_active, HI, N },
	{ 153, "virNetworkIsPersistent", S(X_NET), S(X_INT), h_net_is_persistent, HI, N },
	{ 154, "virStoragePoolIsActive", S(X_POOL), S(X_INT), h_pool_is_active, HI, P },
	{ 155, "virStoragePoolIsPersistent", S(X_POOL), S(X_INT), h_pool_is_persistent, HI, P },
	{ 157, "virConnectGetLibVersion", S_VOID, S(X_HYPER), h_get_lib_version, HI, X },
	{ 183, "virDomainHasManagedSaveImage", S(X_DOM, X_UINT), S(X_INT), h_dom_has_managed_save, 0, D },
	{ 196, "virDomainCreateWithFlags", S(X_DOM, X_UINT), S(X_DOM), h_dom_create_flags, W, D },
	{ 199, "virDomainSetVcpusFlags", S(X_DOM, X_UINT, X_UINT), S_VOID, h_dom_set_vcpus_flags, W, D },
	{ 200, "virDomainGetVcpusFlags", S(X_DOM, X_UINT), S(X_INT), h_dom_get_vcpus_flags, 0, D },
	{ 202, "virDomainIsUpdated", S(X_DOM), S(X_INT), h_dom_is_updated, HI, D },
	{ 204, "virDomainSetMemoryFlags", S(X_DOM, X_HYPER, X_UINT), S_VOID, h_dom_set_memory_flags, W, D },
	{ 212, "virDomainGetState", S(X_DOM, X_UINT), S(X_INT, X_INT), h_dom_get_state, HI, D },
	{ 231, "virDomainUndefineFlags", S(X_DOM, X_UINT), S_VOID, h_dom_undefine, W | HI, D },
	{ 234, "virDomainDestroyFlags", S(X_DOM, X_UINT), S_VOID, h_dom_destroy, W | HI, D },
	{ 245, "virDomainReset", S(X_DOM, X_UINT), S_VOID, h_dom_reset, W, D },
	{ 258, "virDomainShutdownFlags", S(X_DOM, X_UINT), S_VOID, h_dom_shutdown, W, D },
	{ 260, "virStorageVolResize", S(X_VOL, X_HYPER, X_UINT), S_VOID, h_vol_resize, W, V },
	{ 273, "virConnectListAllDomains", S(X_INT, X_UINT), S(X_DOM_LIST, X_UINT), h_list_all_domains, HI, D },
	{ 281, "virConnectListAllStoragePools", S(X_INT, X_UINT), S(X_POOL_LIST, X_UINT), h_list_all_pools, HI, P },
	{ 282, "virStoragePoolListAllVolumes", S(X_POOL, X_INT, X_UINT), S(X_VOL_LIST, X_UINT),
	  h_pool_list_all_volumes, HI, P },
	{ 283, "virConnectListAllNetworks", S(X_INT, X_UINT), S(X_NET_LIST, X_UINT), h_list_all_networks, HI, N },
	{ 313, "virConnectNetworkEventRegisterAny", S(X_INT, X_OPTNET), S(X_INT), h_net_event_register_any, HI, N },
	{ 314, "virConnectNetworkEventDeregisterAny", S(X_INT), S_VOID, h_event_deregister_any, HI, N },
	{ 316, "virConnectDomainEventRegisterAny", S(X_INT, X_OPTDOM), S(X_INT), h_event_register_any, HI, D },
	{ 317, "virConnectDomainEventDeregisterAny", S(X_INT), S_VOID, h_event_deregister_any, HI, D },
	{ 344, "virConnectGetAllDomainStats", S(X_DOM_LIST, X_UINT, X_UINT), S(X_STATS_LIST),
	  h_get_all_domain_stats, 0, D },
	{ 350, "virDomainDefineXMLFlags", S(X_STR, X_UINT), S(X_DOM), h_dom_define, W | HI, D },
	{ 368, "virConnectStoragePoolEventRegisterAny", S(X_INT, X_OPTPOOL), S(X_INT),
	  h_pool_event_register_any, HI, P },
	{ 369, "virConnectStoragePoolEventDeregisterAny", S(X_INT), S_VOID, h_event_deregister_any, HI, P },
};

const RpcProc *
rpc_procs(size_t *n)
{
	*n = G_N_ELEMENTS(procs);
	return procs;
}

static int
proc_cmp(const void *key, const void *row)
{
	int32_t k = *(const int32_t *)key, p = ((const RpcProc *)row)->proc;

	return (k > p) - (k < p);
}

const RpcProc *
rpc_proc_lookup(int32_t proc)
{
	return bsearch(&proc, procs, G_N_ELEMENTS(procs), sizeof(procs[0]), proc_cmp);
}

/* errno -> libvirt error code and the prefix libvirt prints for it. */
static void
errno_to_virt(int e, HvObjKind obj, int *code, const char **prefix)
{
	static const struct {
		int code;
		const char *prefix;
	} missing[] = {
		[HV_OBJ_NODE] = { VIR_ERR_OPERATION_FAILED, "operation failed: " },
		[HV_OBJ_DOMAIN] = { VIR_ERR_NO_DOMAIN, "Domain not found: " },
		[HV_OBJ_NETWORK] = { VIR_ERR_NO_NETWORK, "Network not found: " },
		[HV_OBJ_POOL] = { VIR_ERR_NO_STORAGE_POOL, "Storage pool not found: " },
		[HV_OBJ_VOLUME] = { VIR_ERR_NO_STORAGE_VOL, "Storage volume not found: " },
	};

	switch (e) {
	case ENOENT:
		*code = missing[obj].code;
		*prefix = missing[obj].prefix;
		break;
	case ENOTSUP:
		*code = VIR_ERR_NO_SUPPORT;
		*prefix = "this function is not supported by the connection driver: ";
		break;
	case EROFS:
	case EACCES:
	case EPERM:
		*code = VIR_ERR_OPERATION_DENIED;
		*prefix = "operation forbidden: ";
		break;
	case EINVAL:
	case ERANGE:
		*code = VIR_ERR_INVALID_ARG;
		*prefix = "invalid argument: ";
		break;
	case EBUSY:
	case EEXIST:
	case EALREADY:
	case EAGAIN:
	case EISCONN:
		*code = VIR_ERR_OPERATION_INVALID;
		*prefix = "Requested operation is not valid: ";
		break;
	default:
		*code = VIR_ERR_OPERATION_FAILED;
		*prefix = "operation failed: ";
		break;
	}
}

void
rpc_reply_error(GByteArray *out, const RpcHeader *h, int code, const char *msg)
{
	RpcHeader rh = *h;
	RpcError e = { .code = code, .domain = VIR_FROM_REMOTE, .level = VIR_ERR_ERROR,
		       .message = (char *)msg };
	size_t start;

	rh.type = RPC_REPLY;
	rh.status = RPC_ERROR;
	start = rpc_frame_begin(out, &rh);
	rpc_error_encode(out, &e);
	rpc_frame_end(out, start);
}

static void
reply_errno(GByteArray *out, const RpcHeader *h, const RpcProc *p, int rc, const GError *err)
{
	g_autofree char *msg = NULL;
	const char *prefix;
	int code;

	errno_to_virt(-rc, p->obj, &code, &prefix);
	msg = g_strconcat(prefix, err ? err->message : g_strerror(-rc), NULL);
	rpc_reply_error(out, h, code, msg);
}

void
rpc_dispatch(RpcClientCtx *c, const RpcHeader *h, const uint8_t *body, size_t len,
	     GByteArray *out)
{
	const RpcProc *p = rpc_proc_lookup(h->proc);
	g_autoptr(GError) err = NULL;
	g_autofree char *msg = NULL;
	RpcMsg args = { 0 }, ret = { 0 };
	RpcHeader rh = *h;
	XdrIn in;
	size_t start;
	int rc;

	if (!p) {
		msg = g_strdup_printf("this function is not supported by the connection driver: "
				      "unknown procedure: %d", h->proc);
		rpc_reply_error(out, h, VIR_ERR_NO_SUPPORT, msg);
		return;
	}
	if (!(p->flags & RPC_NO_CONN) && !c->conn) {
		rpc_reply_error(out, h, VIR_ERR_INTERNAL_ERROR, "internal error: connection not open");
		return;
	}
	if ((p->flags & RPC_WRITES) && c->readonly) {
		msg = g_strdup_printf("operation forbidden: read only access prevents %s", p->name);
		rpc_reply_error(out, h, VIR_ERR_OPERATION_DENIED, msg);
		return;
	}
	xdr_in_init(&in, body, len);
	if (rpc_msg_decode(p->args, &in, &args) < 0) {
		msg = g_strdup_printf("cannot decode the arguments of %s", p->name);
		rpc_reply_error(out, h, VIR_ERR_RPC, msg);
		rpc_msg_clear(&args);
		return;
	}
	rc = p->handler(c, &args, &ret, &err);
	if (rc < 0) {
		reply_errno(out, h, p, rc, err);
	} else {
		rh.type = RPC_REPLY;
		rh.status = RPC_OK;
		start = rpc_frame_begin(out, &rh);
		rpc_msg_encode(p->ret, &ret, out);
		if (rpc_frame_end(out, start) < 0) {
			msg = g_strdup_printf("the reply of %s exceeds %u bytes", p->name, RPC_MAX_FRAME);
			rpc_reply_error(out, h, VIR_ERR_RPC, msg);
		}
	}
	rpc_msg_clear(&args);
	rpc_msg_clear(&ret);
}

/* Driver event words -> virDomainEventType and its detail. */
static const struct {
	const char *event, *detail;
	int type, code;
} lifecycle[] = {
	{ "defined", "added", 0, 0 },
	{ "defined", "updated", 0, 1 },
	{ "undefined", "removed", 1, 0 },
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
