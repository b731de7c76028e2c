/* remote_priv.h: the remote driver's state, shared by remote_driver.c (open,
 * reconnect, events, node ops), remote_domain.c (domains and their cache) and
 * remote_storage.c (networks, pools, volumes). */
#pragma once
#include "drivers/conn.h"
#include "remote/client.h"
#include "remote/proto.h"

typedef struct {
	HvConn *conn;
	char *transport;  /* unix, tcp, tls, ssh, ext */
	char *target;     /* socket path or host */
	int port;
	char *user;       /* ssh */
	GHashTable *tparams; /* the transport's query params (pkipath=, keyfile=, ...) */
	char *remote_uri; /* what CONNECT_OPEN asks the peer for */

	GMutex lock;      /* everything below */
	GCond cond;
	RpcClient *cl;    /* NULL or dead while disconnected */
	char *down;       /* why, while disconnected */
	bool stopping;
	GThread *supervisor;
	RpcClient *connecting; /* the session being set up (a reference), for remote_close */
	int cancel_fd;    /* an eventfd: readable once closing, ends a connect in progress */
	int ka_interval, ka_count; /* keepalive_interval=, keepalive_count= (0: defaults) */

	/* The domain cache (docs/remote.md): fresh infos by name, valid until an
	 * event or a write on that domain; list_valid while no domain came or went. */
	GHashTable *doms;  /* name -> HvDomainInfo* */
	GHashTable *listed; /* the names of the last listing (a set); doms may lack some */
	bool list_valid;
	uint64_t gen;      /* bumped by every invalidation */

	/* The peer sends network / pool lifecycle events (registered at session
	 * set-up): then the driver does not emit those words itself. */
	bool net_events, pool_events;
} RemotePriv;

/* Whether the peer reports this network or pool event itself. */
bool remote_peer_reports(RemotePriv *p, HvObjKind kind, const char *event);

/* A live client (a reference) or -ENOTCONN with the reason. */
int remote_client(RemotePriv *p, RpcClient **out, GError **err);

/* Domain cache, for the event path and reconnect. */
void remote_dom_invalidate(RemotePriv *p, const char *name, bool listing);
void remote_dom_cache_reset(RemotePriv *p);

/* Small helpers for remote_*.c */
char *remote_xpath(const char *xml, const char *expr); /* first match's text, or NULL */
bool remote_xpath_exists(const char *xml, const char *expr);
int remote_lookup_pool(RpcClient *cl, const char *name, RpcNamed *out, GError **err);

extern const HvDomainOps remote_domain_ops;
extern const HvNetworkOps remote_network_ops;
extern const HvPoolOps remote_pool_ops;
extern const HvVolumeOps remote_volume_ops;
