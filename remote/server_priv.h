/* server_priv.h: hyperfsd's server state, shared by server.c (listeners,
 * accept, --stdio, keepalive, the server's life), server_client.c (one
 * client's framing, output queue and back-pressure) and server_node.c (nodes
 * shared by URI, each client's own connection to one, event fan-out, the log
 * line of every write). Everything runs on the server's one GMainLoop. */
#pragma once
#include "util/fdwatch.h"
#include "remote/server.h"
#include "remote/tls.h"

#define MAX_NODES 64 /* distinct URIs open at once */

/* A node: one driver connection per distinct URI, shared by the clients that
 * open it (as libvirtd shares its nodes); open until the daemon exits. */
typedef struct {
	char *uri;
	HvConn *conn;
	guint64 id;
	int refs;
} Node;

typedef struct {
	int id;
	HvObjKind kind; /* domain, network or pool */
	int event_id;
	char *name; /* NULL: every object of its kind */
} Callback;

/* One client's own connection to a node: a view of the node's HvConn with the
 * client's read-only flag and identity (so the driver checkpoint refuses its
 * writes even if a table row is wrong), and its event registrations. */
typedef struct {
	Node *node;
	HvConn *view;
	GArray *callbacks; /* Callback */
	int next_cb;
} ClientConn;

typedef struct Client {
	HvServer *srv;
	guint64 id;
	int fd;
	int wfd;      /* fd, or stdout for the --stdio client */
	HvFdWatch *watch;  /* on fd (and wfd when it is fd) */
	HvFdWatch *wwatch; /* on wfd when it is not fd, while there is output */
	GIOCondition cond; /* what the watches wait for */
	HvTls *tls;
	bool handshaking;
	bool hs_write; /* the handshake waits to write */
	bool stdio;    /* the daemon ends with it */
	char *peer;     /* "#3 (ro)": the label of its log lines */
	char *identity; /* who it is: "unix uid=0 gid=0 pid=42", "tls 10.0.0.2:5000 dn='...'" */
	RpcClientCtx ctx;
	ClientConn *cc; /* NULL until CONNECT_OPEN */
	uint8_t word[4];
	size_t word_have;
	uint32_t frame_len; /* 0: reading the length word */
	GByteArray *in;
	GByteArray *out;
	size_t out_pos;
	GArray *reply_ends; /* size_t: where each unsent reply ends in out */
	bool throttled;     /* max_requests replies wait: not read */
	gint64 last_rx;
	unsigned pings;
	GPtrArray *streams; /* ServerStream* (server_stream.c), at most max_streams */
	unsigned async; /* slow calls running on their threads (server_async.c) */
	bool gone;      /* disconnected while one ran: freed when the last ends */
} Client;

struct HvServer {
	HvServerLimits lim;
	GMainLoop *loop;
	GHashTable *clients; /* id -> Client* */
	GHashTable *nodes;   /* uri -> Node* */
	GPtrArray *listeners;
	guint64 next_id;
	guint keepalive_timer;
	HvTlsServer *tls; /* for tls: listeners */
};

/* server.c: the one server, for driver event callbacks (server_node.c) */
extern HvServer *hv_the_server;

/* server_client.c */
Client *hv_client_new(HvServer *s, int fd, int wfd, bool readonly, bool secure, const char *kind,
		      const char *identity);
void hv_client_free(Client *cl);
void hv_client_update_watch(Client *cl);
bool hv_client_queue_full(const Client *cl);
bool hv_client_write(Client *cl);
void hv_client_send_keepalive(Client *cl, int proc);
/* server_async.c: a CALL of an RPC_SLOW row, dispatched on its own thread;
 * the reply is queued on the main loop. */
void hv_client_dispatch_slow(Client *cl, const RpcHeader *h, const uint8_t *body, size_t len);

/* server_stream.c: the client's streams (libvirt's VIR_NET_STREAM packets) */
/* ctx->stream_open, for hv_client_new */
int hv_stream_open(RpcClientCtx *ctx, HvDataStream *s, RpcStreamDir dir, GError **err);
/* A STREAM or STREAM_HOLE frame from the client (header decoded, body after it). */
void hv_stream_packet(Client *cl, const RpcHeader *h, const uint8_t *body, size_t len);
/* Queues the next data packet of each outgoing stream once the client has
 * taken everything queued before (one packet in flight, as libvirtd). */
void hv_stream_pump(Client *cl);
/* Ends every stream of a client that goes (as an abort). */
void hv_stream_close_all(Client *cl);

/* server_node.c */
void hv_node_free(Node *n);
/* The client's hooks: open (its own connection), close, event registration,
 * and the audit line of every write. */
void hv_client_ctx_hooks(RpcClientCtx *ctx);
void hv_client_conn_free(ClientConn *cc);
/* Who is at the other end of an accepted socket, for its identity. */
char *hv_peer_identity(int fd, bool unix_sock, const char *kind);
