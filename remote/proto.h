/* proto.h: libvirt's remote program (0x20008086 v1) as hyperfsd serves it: one
 * const table, one row per procedure {number, name, args shape, reply shape,
 * handler, flags}. The dispatcher enforces the row flags (a row is a write
 * unless it is marked RPC_READS, and read-only clients are refused writes; most
 * rows need an open connection) and answers an unknown procedure with libvirt's
 * VIR_ERR_NO_SUPPORT so clients degrade. */
#pragma once
#include "drivers/conn.h"
#include "remote/rpc.h"

/* Procedure numbers, from libvirt's remote_protocol.x (stable). */
enum {
	PROC_CONNECT_OPEN = 1,
	PROC_CONNECT_CLOSE = 2,
	PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE = 318,
	PROC_NETWORK_EVENT_REGISTER_ANY = 313,
	PROC_NETWORK_EVENT_DEREGISTER_ANY = 314,
	PROC_NETWORK_EVENT_LIFECYCLE = 315,
	PROC_CONNECT_GET_ALL_DOMAIN_STATS = 344,
	PROC_STORAGE_POOL_EVENT_REGISTER_ANY = 368,
	PROC_STORAGE_POOL_EVENT_DEREGISTER_ANY = 369,
	PROC_STORAGE_POOL_EVENT_LIFECYCLE = 370,
	PROC_STORAGE_POOL_EVENT_REFRESH = 373,
	/* the secrets' (their structures are coded in secret_xdr.h) */
	PROC_NUM_OF_SECRETS = 139,
	PROC_LIST_SECRETS = 140,
	PROC_SECRET_LOOKUP_BY_UUID = 141,
	PROC_SECRET_DEFINE_XML = 142,
	PROC_SECRET_GET_XML_DESC = 143,
	PROC_SECRET_SET_VALUE = 144,
	PROC_SECRET_GET_VALUE = 145,
	PROC_SECRET_UNDEFINE = 146,
	PROC_SECRET_LOOKUP_BY_USAGE = 147,
	PROC_LIST_ALL_SECRETS = 287,
	PROC_SECRET_EVENT_REGISTER_ANY = 380,
	PROC_SECRET_EVENT_DEREGISTER_ANY = 381,
	PROC_SECRET_EVENT_LIFECYCLE = 382,
	PROC_SECRET_EVENT_VALUE_CHANGED = 383,
};

/* Event IDs: VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_NETWORK_EVENT_ID_LIFECYCLE,
 * VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE and _REFRESH. */
enum { RPC_EVENT_LIFECYCLE = 0, RPC_EVENT_POOL_REFRESH = 1 };

/* libvirt's virErrorNumber values we send. */
enum {
	VIR_ERR_INTERNAL_ERROR = 1,
	VIR_ERR_NO_SUPPORT = 3,
	VIR_ERR_INVALID_ARG = 8,
	VIR_ERR_OPERATION_FAILED = 9,
	VIR_ERR_XML_ERROR = 27,
	VIR_ERR_OPERATION_DENIED = 29,
	VIR_ERR_RPC = 39,
	VIR_ERR_NO_DOMAIN = 42,
	VIR_ERR_NO_NETWORK = 43,
	VIR_ERR_NO_STORAGE_POOL = 49,
	VIR_ERR_NO_STORAGE_VOL = 50,
	VIR_ERR_NO_INTERFACE = 57,
	VIR_ERR_NO_NODE_DEVICE = 53,
	VIR_ERR_OPERATION_INVALID = 55,
	VIR_ERR_NO_CONNECT = 5,
	VIR_ERR_RESOURCE_BUSY = 87, /* 83 is BLOCK_COPY_ACTIVE */
	VIR_ERR_INVALID_SECRET = 65,
	VIR_ERR_NO_SECRET = 66,
};

/* Default-deny: a row without RPC_READS is a write, refused on read-only
 * clients (and their driver connections are read-only too, so a read row that
 * does write is refused by the driver checkpoint all the same). */
typedef enum {
	RPC_READS = 1 << 0,     /* changes nothing: allowed on read-only clients */
	RPC_NO_CONN = 1 << 1,   /* allowed before CONNECT_OPEN */
	RPC_PRIORITY = 1 << 2,  /* libvirt's priority:high (never blocks) */
	RPC_SLOW = 1 << 3,      /* may take minutes: hyperfsd runs it on a thread of its own */
} RpcProcFlags;

/* RpcProc.obj for host interfaces, which have no HvObjKind (no tree folder yet). */
#define RPC_OBJ_IFACE ((HvObjKind)HV_OBJ_LAST)
/* ... and for node devices. */
#define RPC_OBJ_NODEDEV ((HvObjKind)(HV_OBJ_LAST + 1))
#define RPC_OBJ_NWFILTER ((HvObjKind)(HV_OBJ_LAST + 2))
/* ... and for a domain's checkpoints (the domain's name comes with them). */
#define RPC_OBJ_CHECKPOINT ((HvObjKind)(HV_OBJ_LAST + 3))

typedef struct RpcClientCtx RpcClientCtx;

/* Which way a stream's bytes go (libvirt's VIR_NET_STREAM packets). */
typedef enum {
	RPC_STREAM_OUT = 1 << 0, /* the daemon sends (download, screenshot, console output) */
	RPC_STREAM_IN = 1 << 1,  /* the client sends (upload, console input) */
} RpcStreamDir;

/* Largest data packet of a stream (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX). */
#define RPC_STREAM_CHUNK 262120u
typedef struct RpcProc RpcProc;

/* What a handler sees of its client; the daemon fills the hooks. */
struct RpcClientCtx {
	HvConn *conn;      /* NULL until CONNECT_OPEN */
	bool readonly;     /* read-only socket, or VIR_CONNECT_RO at open */
	bool secure;       /* unix socket (libvirt's virConnectIsSecure) */
	bool keepalive;    /* the client asked about the keepalive program */
	void *owner;
	int (*open)(RpcClientCtx *c, const char *uri, GError **err);
	void (*close)(RpcClientCtx *c);
	/* Returns a callback id >= 0, or -errno. kind: HV_OBJ_DOMAIN, _NETWORK or
	 * _POOL; name: only that object's events (NULL: all). */
	int (*event_register)(RpcClientCtx *c, HvObjKind kind, int event_id, const char *name,
			      GError **err);
	int (*event_deregister)(RpcClientCtx *c, int callback_id, GError **err);
	/* Optional: told of every write call, refused or not, once it is answered:
	 * target says what it touched ("domain 'web1'", escaped), rc and err how
	 * it went. */
	void (*audit)(RpcClientCtx *c, const RpcProc *p, const char *target, int rc,
		      const GError *err);
	/* The call being handled (set by rpc_dispatch for the handler). */
	int32_t call_proc;
	uint32_t call_serial;
	/* Attaches a stream to the call being handled (remote/server_stream.c):
	 * once the reply is out the daemon moves the bytes as libvirt's stream
	 * packets and ends with s->ops->finish or close. Takes s, also on
	 * failure. A handler attaches last (nothing may fail after it).
	 * A read of s returning -EAGAIN means "nothing yet" (a console). */
	int (*stream_open)(RpcClientCtx *c, HvDataStream *s, RpcStreamDir dir, GError **err);
};

typedef int (*RpcHandler)(RpcClientCtx *c, RpcMsg *args, RpcMsg *ret, GError **err);

struct RpcProc {
	int32_t proc;
	const char *name;      /* libvirt API name, used in messages */
	const XField *args;
	const XField *ret;
	RpcHandler handler;
	unsigned flags;        /* RpcProcFlags */
	HvObjKind obj;         /* what ENOENT means: no domain, network, ... */
};

const RpcProc *rpc_proc_lookup(int32_t proc);
const RpcProc *rpc_procs(size_t *n);
/* Whether a read-only client is refused p (every row not marked RPC_READS). */
bool rpc_proc_writes(const RpcProc *p);
/* Whether p (may be NULL) is RPC_SLOW. */
bool rpc_proc_slow(const RpcProc *p);

/* Handles one CALL (header already checked for program and type) and appends
 * exactly one REPLY frame to out. */
void rpc_dispatch(RpcClientCtx *c, const RpcHeader *h, const uint8_t *body, size_t len,
		  GByteArray *out);
/* Appends an error REPLY for h with libvirt error code and message. */
void rpc_reply_error(GByteArray *out, const RpcHeader *h, int code, const char *msg);

/* Maps a driver event onto virDomainEventType/detail; false if none. */
bool rpc_lifecycle_event(const char *event, const char *detail, int *type, int *code);
/* virDomainEventType/detail -> driver event words (static); false if unknown. */
bool rpc_lifecycle_words(int type, int code, const char **event, const char **detail);
/* Appends a REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE message. */
void rpc_lifecycle_message(GByteArray *out, int callback_id, const RpcDom *dom, int type,
			   int detail);

/* Network and pool events: driver words <-> (event ID, virNetworkEventLifecycleType
 * or virStoragePoolEventLifecycleType); the detail is always 0 on the wire. */
bool rpc_obj_event(HvObjKind kind, const char *event, int *event_id, int *type);
bool rpc_obj_event_words(HvObjKind kind, int event_id, int type, const char **event);
/* Appends NETWORK_EVENT_LIFECYCLE, STORAGE_POOL_EVENT_LIFECYCLE or _REFRESH. */
void rpc_obj_event_message(GByteArray *out, HvObjKind kind, int event_id, int callback_id,
			   const RpcNamed *obj, int type);

/* s with control characters and backslashes as \xNN, for one log line (owned). */
char *rpc_log_text(const char *s);

/* uuid text <-> 16 bytes; text "" gives zeroes. */
void rpc_uuid_parse(const char *s, uint8_t out[16]);
void rpc_uuid_format(const uint8_t in[16], char out[HV_UUID_STRLEN]);

/* Our job name of a virDomainJobOperation ("job" when not one of ours). */
const char *rpc_job_type(int operation);
