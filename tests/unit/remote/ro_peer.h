/* ro_peer.h: peers of the read-only test (ro_peer.c). */
#pragma once
#include "remote/server.h"

#define URI "test:///default?clock=fixed&shutdown-delay=0&extras=all" /* every extra: more to refuse */

typedef struct {
	RpcClientCtx ctx; /* in-process when fd < 0 */
	HvConn *base;     /* in-process: the node */
	int fd;
	uint32_t serial;
	int next_cb;      /* in-process event callbacks: ids 1 .. next_cb - 1 */
	GArray *cbs;      /* int */
} Peer;

/* The dispatcher in-process, on its own node (opened by CONNECT_OPEN). */
Peer *peer_local(void);
/* A client of the server listening at path. */
Peer *peer_socket(const char *path);
void peer_free(Peer *p);
/* One call: RPC_OK or RPC_ERROR, and the reply body. */
int peer_call(Peer *p, int proc, const GByteArray *body, GByteArray **reply);
/* A call by row: 0, or the libvirt error code (negative) with *msg. */
int call_msg(Peer *p, int proc, const RpcMsg *a, RpcMsg *r, char **msg);
/* call_msg that must succeed. */
void must(Peer *p, int proc, const RpcMsg *a, RpcMsg *r);
/* Opens the connection and registers one callback of each kind (ids 1-3). */
void open_conn(Peer *p, bool readonly);
