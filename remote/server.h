/* server.h: hyperfsd's listeners and clients on one GMainLoop. Each client gets
 * an RpcClientCtx; clients that open the same URI share one HvConn (as libvirtd
 * shares test:///default), so they see each other's changes and events. */
#pragma once
#include "remote/proto.h"

typedef struct {
	unsigned max_clients;       /* connections at once */
	unsigned max_requests;      /* calls of one client read but not yet answered on the wire */
	uint32_t max_frame;         /* bytes, at most RPC_MAX_FRAME */
	size_t max_queued;          /* reply bytes waiting for a client before it is not read */
	unsigned keepalive_interval; /* seconds; 0 disables pings */
	unsigned keepalive_count;   /* unanswered pings before a client is dropped */
	const char *default_uri;    /* when a client opens with no URI */
} HvServerLimits;

typedef struct HvServer HvServer;

HvServer *hv_server_new(const HvServerLimits *lim);
typedef struct HvTlsServer HvTlsServer;
/* Takes tls (certificates and client policy) for tls: listeners. */
void hv_server_set_tls(HvServer *s, HvTlsServer *tls);
/* ADDR: unix:PATH, unix-ro:PATH, tcp:HOST:PORT or tls:HOST:PORT (after set_tls). */
int hv_server_listen(HvServer *s, const char *addr, GError **err);
/* One read-write client on stdin/stdout (ssh, ext); the loop ends with it. */
int hv_server_serve_stdio(HvServer *s, GError **err);
void hv_server_run(HvServer *s);
void hv_server_quit(HvServer *s);
void hv_server_free(HvServer *s);
