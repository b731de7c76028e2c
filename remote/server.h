/* server.h: hyperfsd's listeners and clients on one GMainLoop. Each client gets
 * an RpcClientCtx; clients that open the same URI share one HvConn (as libvirtd
 * shares test:///default), so they see each other's changes and events. */
#pragma once
#include "remote/proto.h"

typedef struct {
	unsigned max_clients;       /* connections at once */
	uint32_t max_frame;         /* bytes, at most RPC_MAX_FRAME */
	size_t max_queued;          /* reply bytes waiting for a client before it is not read */
	unsigned keepalive_interval; /* seconds; 0 disables pings */
	unsigned keepalive_count;   /* unanswered pings before a client is dropped */
	const char *default_uri;    /* when a client opens with no URI */
} HvServerLimits;

typedef struct HvServer HvServer;

HvServer *hv_server_new(const HvServerLimits *lim);
/* ADDR: unix:PATH, unix-ro:PATH or tcp:HOST:PORT. */
int hv_server_listen(HvServer *s, const char *addr, GError **err);
void hv_server_run(HvServer *s);
void hv_server_quit(HvServer *s);
void hv_server_free(HvServer *s);
