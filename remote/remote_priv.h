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
	RpcClient *cl;    /* NULL or dead while disconnected */
	char *down;       /* why, while disconnected */
	bool stopping;
	unsigned backoff; /* ms before the next connect attempt */
	GPtrArray *before; /* the domains cached when the connection went, for resync */
	RpcClient *connecting; /* the session being set up (a reference), for remote_close */
	int cancel_fd;    /* an eventfd: readable once closing, ends a connect in progress */
	int ka_interval, ka_count; /* keepalive_interval=, keepalive_count= (0: defaults) */

	/* The domain cache (docs/remote.md): fresh infos by name, valid until an
	 * event or a write on that domain; list_valid while no domain came or went. */
	GHashTable *doms;  /* name -> HvDomainInfo* */
	GHashTable *listed; /* the names of the last listing (a set); doms may lack some */
	bool list_valid;
	bool prefetch;     /* the listing remote_open makes, before anyone hears warnings */
	uint64_t gen;      /* bumped by every invalidation */

	/* The peer sends network / pool lifecycle events (registered at session
	 * set-up): then the driver does not emit those words itself. */
	bool net_events, pool_events;

	/* remote_sched.c's, under its lock */
	gint64 sched_due;
	bool sched_queued, sched_running, sched_cancelled;
} RemotePriv;

/* Reconnects (remote_sched.c): runs remote_supervise(p) on a worker at when
 * (monotonic µs; an earlier request wins). */
void remote_sched_at(RemotePriv *p, gint64 when);
/* No step runs after it returns (a running one is waited for). */
void remote_sched_cancel(RemotePriv *p);
/* One step (remote_driver.c): a dead connection's clean-up or one connect
 * attempt; returns when to run again (0: not until a death is reported). */
gint64 remote_supervise(RemotePriv *p);

/* Whether the peer reports this network or pool event itself. */
bool remote_peer_reports(RemotePriv *p, HvObjKind kind, const char *event);

/* A live client (a reference) or -ENOTCONN with the reason. */
int remote_client(RemotePriv *p, RpcClient **out, GError **err);

/* The wire name of a domain: the cached uuid, else a lookup (libvirtd finds
 * domains by uuid). holder->dom.name is owned by the caller's RpcMsg. */
int remote_dom_ref(RemotePriv *p, RpcClient *cl, const char *name, RpcMsg *holder, GError **err);
/* What a call on a domain leaves of its cache entry: nothing changed, the
 * entry dropped, or the listing too (the domain's name went). */
typedef enum { REMOTE_INVAL_NONE, REMOTE_INVAL_ENTRY, REMOTE_INVAL_LISTING } RemoteInval;
/* proc with args (their dom is set here: the domain's wire name, then args'
 * numbers, strings and bytes); the cache entry dropped as inval says,
 * whatever happens. */
int remote_dom_do(HvConn *c, const char *name, int32_t proc, RpcMsg *args, RpcMsg *ret,
		  RemoteInval inval, GError **err);

/* remote_migrate.c: the migration phases over the v3-with-params procedures
 * (302, 303, 305, 306, 307; 304 with a stream, tunnelled), for
 * drivers/migrate.c (mv between nodes, and hyperfsd's peer-to-peer). */
int remote_migrate_begin(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
			 unsigned flags, char **xml, GError **err);
int remote_migrate_prepare(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			   char **uri, GError **err);
int remote_migrate_perform(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
			   unsigned flags, GError **err);
int remote_migrate_finish(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
			  bool cancelled, GError **err);
int remote_migrate_confirm(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
			   unsigned flags, bool cancelled, GError **err);
int remote_migrate_prepare_tunnel(HvConn *c, const GArray *params, HvMigCookie *ck,
				  unsigned flags, HvDataStream **st, GError **err);
#define REMOTE_MIGRATION_OPS                              \
	.migrate_begin = remote_migrate_begin,            \
	.migrate_prepare = remote_migrate_prepare,        \
	.migrate_perform = remote_migrate_perform,        \
	.migrate_finish = remote_migrate_finish,          \
	.migrate_confirm = remote_migrate_confirm,        \
	.migrate_prepare_tunnel = remote_migrate_prepare_tunnel

/* Domain cache, for the event path and reconnect. */
void remote_dom_invalidate(RemotePriv *p, const char *name, bool listing);
void remote_dom_cache_reset(RemotePriv *p);

/* Names a peer sends are held to the rules of local names (util/names.h):
 * true when name can be a file name; otherwise the object is left out and
 * node/error says why (hv_conn_warn, what: "readdir", "events", ...), with
 * the name escaped so that no newline reaches an events line or a log. */
bool remote_name_ok(RemotePriv *p, HvObjKind kind, const char *name, const char *what);
/* The same check for a name a reply carries (a define's): 0, or -EPROTO
 * saying why in err. */
int remote_name_check(RemotePriv *p, HvObjKind kind, const char *name, GError **err);
/* Drops from a listing (elements of elem bytes, the name at name_off) every
 * element whose name is bad or came before, saying why for each. */
void remote_names_filter(RemotePriv *p, HvObjKind kind, GArray *a, size_t name_off,
			 const char *what);
/* A lookup answered for another name than the one asked: -EPROTO. */
int remote_same_name(RemotePriv *p, HvObjKind kind, const char *asked, const char *got,
		     GError **err);

/* Small helpers for remote_*.c */
char *remote_xpath(const char *xml, const char *expr); /* first match's text, or NULL */
bool remote_xpath_exists(const char *xml, const char *expr);
int remote_lookup_pool(RpcClient *cl, const char *name, RpcNamed *out, GError **err);

/* remote_netinfo.c: leases (341), addresses (353), net-update (291). */
int remote_net_get_leases(HvConn *c, const char *name, GPtrArray **out, GError **err);
/* remote_netport.c: the `ports` file (404, 409). */
int remote_net_get_ports(HvConn *c, const char *name, GPtrArray **out, GError **err);
int remote_dom_get_addresses(HvConn *c, const char *name, GPtrArray **out, GError **err);
int remote_net_update(HvConn *c, const char *name, unsigned command, unsigned section,
		      int parent_index, const char *xml, unsigned flags, GError **err);

/* remote_domain_acts.c: rename (358), IOThreads (351, 352, 355, 356, 402) and the
 * screenshot (211) of a peer's domain. */
int remote_dom_rename(HvConn *c, const char *name, const char *new_name, GError **err);
int remote_dom_set_iothread(HvConn *c, const char *name, unsigned id, bool add, unsigned flags,
			    GError **err);
int remote_dom_set_iothread_params(HvConn *c, const char *name, unsigned id,
				   const GArray *params, unsigned flags, GError **err);
int remote_dom_get_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned flags,
			    unsigned *ncpus, GArray **out, GError **err);
int remote_dom_set_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned id,
			    const uint8_t *map, size_t len, unsigned flags, GError **err);
int remote_dom_screenshot(HvConn *c, const char *name, GBytes **png, GError **err);

extern const HvDomainOps remote_domain_ops;
extern const HvNetworkOps remote_network_ops;
extern const HvPoolOps remote_pool_ops;
extern const HvVolumeOps remote_volume_ops;
extern const HvSecretOps remote_secret_ops;
/* remote_iface.c */
extern const HvInterfaceOps remote_iface_ops;
extern const HvSnapshotOps remote_snapshot_ops;
extern const HvNodeDevOps remote_nodedev_ops;
