/* rpc.h: libvirt's RPC framing (virnetprotocol): the 4-byte length that counts
 * itself, the 24-byte header, the error structure, and a table-driven codec for
 * message bodies. A body's layout is a shape: a list of XField, one per member,
 * in wire order; decoded members land in RpcMsg slots in order (integers in
 * num[], strings in str[]), so one decoder and one encoder serve every
 * procedure, on the server and the client side alike. */
#pragma once
#include "remote/xdr.h"

#define RPC_PROGRAM 0x20008086u
#define RPC_PROTOCOL_VERSION 1u
#define RPC_KEEPALIVE_PROGRAM 0x6b656570u
#define RPC_KEEPALIVE_VERSION 1u
#define RPC_KEEPALIVE_PING 1
#define RPC_KEEPALIVE_PONG 2

#define RPC_MAX_FRAME (32u << 20)  /* whole message, length word included */
#define RPC_STRING_MAX (4u << 20)
#define RPC_LEN_SIZE 4u
#define RPC_HEADER_SIZE 24u
#define RPC_LIST_MAX 65536u        /* objects in one list reply */
#define RPC_AUTH_LIST_MAX 20u
#define RPC_MAX_NUMS 8
#define RPC_MAX_STRS 4

enum { RPC_CALL = 0, RPC_REPLY = 1, RPC_MESSAGE = 2, RPC_STREAM = 3,
       RPC_CALL_WITH_FDS = 4, RPC_REPLY_WITH_FDS = 5, RPC_STREAM_HOLE = 6 };
enum { RPC_OK = 0, RPC_ERROR = 1, RPC_CONTINUE = 2 };

typedef struct {
	uint32_t prog;
	uint32_t vers;
	int32_t proc;
	int32_t type;
	uint32_t serial;
	int32_t status;
} RpcHeader;

typedef struct {
	char *name;
	uint8_t uuid[16];
	int32_t id;
} RpcDom;

typedef struct {
	char *name;
	uint8_t uuid[16];
} RpcNamed; /* network, storage pool */

typedef struct {
	char *pool;
	char *name;
	char *key;
} RpcVol;

typedef enum {
	X_END = 0,
	X_INT,      /* int, and char/u_char/u_short (XDR widens them to 4 bytes) */
	X_UINT,     /* unsigned int */
	X_HYPER,    /* (unsigned) hyper */
	X_STR,      /* remote_nonnull_string */
	X_OPTSTR,   /* remote_string */
	X_UUID,     /* remote_uuid */
	X_DOM,      /* remote_nonnull_domain */
	X_OPTDOM,   /* remote_domain */
	X_NET,      /* remote_nonnull_network */
	X_POOL,     /* remote_nonnull_storage_pool */
	X_VOL,      /* remote_nonnull_storage_vol */
	X_MODEL32,  /* char model[32]: 32 XDR ints */
	X_DOM_LIST, /* remote_nonnull_domain<> */
	X_NET_LIST,
	X_POOL_LIST,
	X_VOL_LIST,
	X_INT_LIST, /* remote_auth_type<> */
	X_OPTNET,   /* remote_network (optional) */
	X_OPTPOOL,  /* remote_storage_pool (optional) */
	X_STATS_LIST, /* remote_domain_stats_record<>: a domain and its typed parameters */
	X_STR_LIST, /* remote_nonnull_string<> (the old list calls' names) */
	X_PARAMS,   /* remote_typed_param<> */
	X_OPAQUE,   /* opaque<> (cpumaps) */
	X_VCPU_LIST, /* remote_vcpu_info<> */
	X_IOTHREAD_LIST, /* remote_domain_iothread_info<> */
	X_U64_LIST, /* unsigned hyper<> (cells' free memory) */
	X_FIELD_U64_LIST, /* remote_node_get_cpu_stats<>: {field, unsigned hyper} (in params) */
	X_TAG_U64_LIST, /* remote_domain_memory_stat<>: {int tag, unsigned hyper} (ints, u64s) */
	X_DISK_ERROR_LIST, /* remote_domain_disk_error<>: {string disk, int error} (strs, ints) */
	X_IFACE_LIST, /* remote_nonnull_interface<>: {name, mac} pairs in strs */
	X_CHARS,    /* char<>: a NUL-terminated string, each char widened to 4 bytes (a str slot) */
	X_RAW,      /* a reply the handler encoded itself (RpcMsg.raw), last in a shape */
} XField;

#define RPC_TUNE_PARAMS_MAX 64u  /* typed parameters of one tuning call */
#define RPC_CPUMAPS_MAX 8388608u /* REMOTE_CPUMAPS_MAX */

/* virTypedParameterType, and remote_typed_param. */
enum { RPC_PARAM_INT = 1, RPC_PARAM_UINT, RPC_PARAM_LLONG, RPC_PARAM_ULLONG, RPC_PARAM_DOUBLE,
       RPC_PARAM_BOOLEAN, RPC_PARAM_STRING };
#define RPC_PARAMS_MAX 262144u /* REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX */

typedef struct {
	char *field;
	int32_t type;
	int64_t i;  /* INT, UINT, LLONG, ULLONG (as bits), BOOLEAN */
	double d;   /* DOUBLE */
	char *s;    /* STRING */
} RpcParam;

typedef struct {
	RpcDom dom;
	GArray *params; /* RpcParam */
} RpcStats;

typedef struct {
	uint32_t number;
	int32_t state;
	uint64_t cpu_time;
	int32_t cpu;
} RpcVcpu; /* remote_vcpu_info */

typedef struct {
	uint32_t id;
	GByteArray *map;
} RpcIOThread; /* remote_domain_iothread_info */

typedef struct {
	int64_t num[RPC_MAX_NUMS];
	char *str[RPC_MAX_STRS];
	bool has_str[RPC_MAX_STRS];
	uint8_t uuid[16];
	RpcDom dom;
	bool has_dom;
	RpcNamed net;
	RpcNamed pool;
	RpcVol vol;
	char model[33];
	GArray *doms;  /* RpcDom */
	GArray *nets;  /* RpcNamed */
	GArray *pools; /* RpcNamed */
	GArray *vols;  /* RpcVol */
	GArray *ints;  /* int32_t */
	bool has_net, has_pool; /* X_OPTNET, X_OPTPOOL */
	GArray *stats; /* RpcStats (X_STATS_LIST) */
	GPtrArray *strs;  /* char * (X_STR_LIST) */
	GArray *params;   /* RpcParam (X_PARAMS) */
	GByteArray *bytes; /* X_OPAQUE */
	GArray *vcpus;    /* RpcVcpu */
	GArray *iothreads; /* RpcIOThread */
	GArray *u64s;     /* guint64 (X_U64_LIST) */
	GByteArray *raw; /* X_RAW: XDR bytes, appended as they are (decoded: the rest) */
} RpcMsg;

/* X_PARAMS, X_STR_LIST, X_OPAQUE, X_VCPU_LIST and X_IOTHREAD_LIST: the
 * members made ready to fill (freed with the msg). */
void rpc_msg_init_extra(RpcMsg *m);
/* Adds one parameter to m->params (string copied). */
void rpc_msg_param_add(RpcMsg *m, const char *field, int32_t type, int64_t i, double d,
		       const char *s);

/* A stats record's parameter list, ready for rpc_param_add (freed with the msg). */
RpcStats *rpc_stats_add(RpcMsg *m, const RpcDom *dom);
/* Adds one parameter (type and value from the caller; strings copied). */
void rpc_param_add(RpcStats *st, const char *field, int32_t type, int64_t i, double d,
		   const char *s);

/* Frees what m owns and zeroes it (NULL-safe, works on a half-decoded m). */
void rpc_msg_clear(RpcMsg *m);
void rpc_msg_init_lists(RpcMsg *m); /* before filling lists to encode */
int rpc_msg_decode(const XField *shape, XdrIn *in, RpcMsg *m);
void rpc_msg_encode(const XField *shape, const RpcMsg *m, GByteArray *out);

/* The length word: 0 and *len, or -EMSGSIZE/-EBADMSG outside [28, max]. */
int rpc_frame_length(const uint8_t word[4], uint32_t max, uint32_t *len);
int rpc_header_decode(XdrIn *in, RpcHeader *h);
/* Starts a frame in out (length word left blank); returns its offset. */
size_t rpc_frame_begin(GByteArray *out, const RpcHeader *h);
/* Patches the length word: 0, or -EMSGSIZE (frame dropped from out). */
int rpc_frame_end(GByteArray *out, size_t start);

/* libvirt's remote_error. */
typedef struct {
	int32_t code;
	int32_t domain;
	char *message;
	int32_t level;
	RpcDom dom;
	bool has_dom;
	char *str1, *str2, *str3;
	int32_t int1, int2;
	RpcNamed net;
	bool has_net;
} RpcError;

void rpc_error_clear(RpcError *e);
int rpc_error_decode(XdrIn *in, RpcError *e);
void rpc_error_encode(GByteArray *out, const RpcError *e);
