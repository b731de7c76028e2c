/* client.h: one client connection to a libvirt-protocol peer (hyperfsd or
 * libvirtd) over a unix or TCP socket. Calls are pipelined: rpc_client_send
 * writes a CALL and returns at once, a reader thread matches REPLY frames to
 * waiting calls by serial, and rpc_client_wait waits with a deadline. The
 * argument and reply shapes come from proto.c's procedure table, so the client
 * and hyperfsd share one codec. The reader also answers keepalive PINGs, pings
 * a quiet peer, hands MESSAGE frames (events) to a callback, and when the peer
 * goes away fails every waiting call with -ENOTCONN and reports it once. */
#pragma once
#include "remote/rpc.h"

/* libvirt's virErrorNumber (and its message, for codes that say too little)
 * -> a positive errno: the one table for every libvirt peer and library. */
int rpc_errno_of_virt(int code, const char *message);

typedef struct RpcClient RpcClient;
typedef struct RpcCall RpcCall;

/* Runs on the reader thread: must not call the client and wait. */
typedef void (*RpcClientEventFunc)(RpcClient *cl, int32_t proc, const uint8_t *body, size_t len,
				   void *opaque);
typedef void (*RpcClientDeadFunc)(RpcClient *cl, const char *why, void *opaque);

/* Bounds (docs/remote.md, "Failure and reconnect"): a call fails with
 * ETIMEDOUT when no reply came within RPC_CLIENT_TIMEOUT_MS of its send (calls
 * in flight together share that deadline), and so does a TCP connect. A peer
 * silent for the keepalive interval is pinged, once per interval; when it
 * stays silent for interval x (count + 1) (5 s by default) it is declared
 * dead and every call in flight fails with ENOTCONN. */
#define RPC_CLIENT_TIMEOUT_MS 5000
/* A call of an RPC_SLOW row (proto.h: a migration's phases) waits this long
 * instead; keepalive still finds a dead peer within 5 s. */
#define RPC_CLIENT_SLOW_TIMEOUT_MS (6 * 3600 * 1000)
#define RPC_KEEPALIVE_INTERVAL_S 1
#define RPC_KEEPALIVE_COUNT 4

/* Where and how to connect (docs/remote.md, "Transports"). */
typedef struct {
	const char *transport;   /* unix, tcp, tls, ssh, libssh2, ext */
	const char *target;      /* unix: socket path; tcp, tls, ssh, libssh2: host */
	int port;                /* tcp, tls, libssh2; ssh: 0 leaves it to ssh */
	const char *user;        /* ssh -l; libssh2 (default: the local user) */
	const char *pkipath;     /* tls: cacert.pem, clientcert.pem, clientkey.pem */
	bool no_verify;          /* tls: skip the server check; ssh: accept unknown host keys */
	const char *keyfile;     /* ssh -i; libssh2: the private key */
	const char *known_hosts; /* ssh -o UserKnownHostsFile=; libssh2: the file */
	const char *known_hosts_verify; /* libssh2: normal (default), auto, ignore */
	const char *command;     /* ext: the command (sh -c); ssh: the ssh binary;
				  * libssh2: the far command (default hyperfsd --stdio) */
	const char *netcat;      /* ssh, libssh2: run NETCAT -U SOCKET far side, not hyperfsd --stdio */
	const char *socket;      /* ssh with netcat: the far socket */
	int keepalive_interval;  /* seconds; 0: RPC_KEEPALIVE_INTERVAL_S; < 0: no pings */
	int keepalive_count;     /* 0: RPC_KEEPALIVE_COUNT */
	int cancel_fd;           /* > 0: a TCP connect gives up (ECANCELED) once it is readable */
} RpcConnectOpts;

/* Connects as o says; the reader starts at once; the callbacks may be NULL.
 * ssh and ext run a child process on one end of a socketpair; libssh2 runs
 * an in-process session pumped onto one (ssh2.c). */
RpcClient *rpc_client_open(const RpcConnectOpts *o, RpcClientEventFunc on_event,
			   RpcClientDeadFunc on_dead, void *opaque, GError **err);
/* Connects: unix (target = socket path) or tcp (target = host, port). */
RpcClient *rpc_client_connect(const char *transport, const char *target, int port,
			      RpcClientEventFunc on_event, RpcClientDeadFunc on_dead,
			      void *opaque, GError **err);
RpcClient *rpc_client_ref(RpcClient *cl);
/* Drops a reference; the last one closes the socket and joins the reader. */
void rpc_client_unref(RpcClient *cl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RpcClient, rpc_client_unref)
/* Shuts the socket down (the reader then fails every call). No callback runs
 * after it returns. */
void rpc_client_close(RpcClient *cl);
bool rpc_client_alive(RpcClient *cl);
/* Why it died (a copy), or NULL while it is alive. */
char *rpc_client_why(RpcClient *cl);
/* Calls sent since connect (for tests and docs: "no RPC when unchanged"). */
uint64_t rpc_client_calls(RpcClient *cl);

/* Sends proc with args (NULL for none). NULL on failure (err set). */
RpcCall *rpc_client_send(RpcClient *cl, int32_t proc, const RpcMsg *args, GError **err);
/* Waits for the reply and decodes it into ret (may be NULL when the reply is
 * void); frees call. A libvirt error becomes -errno with the peer's message:
 * ENOENT for a missing object, ENOTSUP, EACCES, EINVAL, EBUSY, else EIO;
 * ETIMEDOUT RPC_CLIENT_TIMEOUT_MS after the send (then a keepalive PING
 * probes the peer); ENOTCONN when the peer went away. */
int rpc_client_wait(RpcCall *call, RpcMsg *ret, GError **err);
/* Frees a call whose reply nobody wants. */
void rpc_call_free(RpcCall *call);
/* send + wait */
int rpc_client_call(RpcClient *cl, int32_t proc, const RpcMsg *args, RpcMsg *ret, GError **err);

/* Streams (libvirt's VIR_NET_STREAM packets; remote/client_data.c builds
 * HvDataStream on them). Runs on the reader thread: must not call and wait. */
typedef void (*RpcClientStreamFunc)(RpcClient *cl, const RpcHeader *h, const uint8_t *body,
				    size_t len, void *opaque);
/* rpc_client_send, with every STREAM packet of the call (its serial) going to
 * fn from before the call is sent until rpc_client_stream_end; *serial says
 * which. */
RpcCall *rpc_client_send_stream(RpcClient *cl, int32_t proc, const RpcMsg *args,
				RpcClientStreamFunc fn, void *opaque, uint32_t *serial,
				GError **err);
/* No packet reaches the stream's function after it returns. */
void rpc_client_stream_end(RpcClient *cl, uint32_t serial);
/* Sends one STREAM packet: status RPC_CONTINUE with data, RPC_OK (finish) or
 * RPC_ERROR (abort) empty. 0, or -errno with err set. */
int rpc_client_stream_send(RpcClient *cl, int32_t proc, uint32_t serial, int status,
			   const void *buf, size_t len, GError **err);
