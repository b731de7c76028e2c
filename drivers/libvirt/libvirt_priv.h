/* libvirt_priv.h: the libvirt driver's state, shared by its files. The driver
 * (docs/drivers.md) links libvirt's client library and serves any URI libvirt
 * can open, spelled `libvirt:` + libvirt's URI. Layers, top down (calls go
 * down only): libvirt_driver.c; libvirt_events.c; libvirt_domain.c,
 * libvirt_network.c, libvirt_storage.c, libvirt_console.c; libvirt_objects.c;
 * libvirt_conn.c;
 * libvirt_cache.c, libvirt_words.c. */
#pragma once
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "drivers/driver.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, virNetworkFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStoragePool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)

/* What the driver holds of one kind of object: infos by name (volumes by
 * "pool/name"), kept until an event or a write names the object; and the
 * listing, kept until an object comes or goes. gen counts invalidations, so a
 * fetch that raced one is not stored. */
typedef struct {
	GHashTable *infos;  /* name -> info (owned) */
	GHashTable *listed; /* names of the last listing */
	bool list_valid;
	uint64_t gen;
	void *(*dup)(const void *info);
	GDestroyNotify free;
} LvCache;

enum { LV_DOMAINS, LV_NETWORKS, LV_POOLS, LV_VOLUMES, LV_CACHE_LAST };

typedef struct LvPriv LvPriv;
struct LvPriv {
	GMutex lock;
	HvConn *c;           /* the connection this state belongs to (events) */
	char *lv_uri;        /* libvirt's URI: the text after "libvirt:" */
	unsigned flags;      /* VIR_CONNECT_RO */
	virConnectPtr conn;  /* NULL while away */
	char *away;          /* why the node is away (owned), NULL while connected */
	LvCache cache[LV_CACHE_LAST];
	/* reconnecting */
	GThread *thread;
	GCond cond;
	bool closing;
	bool lost;           /* the close callback fired: the thread reconnects */
	/* run on each new connection, unlocked (libvirt_events.c registers) */
	/* before: the domain names cached until a reconnect (NULL at the first
	 * connect), so the hook can tell which went away meanwhile */
	void (*on_connect)(LvPriv *p, virConnectPtr conn, GPtrArray *before);
	void (*on_disconnect)(LvPriv *p, virConnectPtr conn); /* before a clean close */
	int cb_ids[4];       /* event callback ids on conn (-1: none) */
	GHashTable *consoles; /* domain name -> its console stream (libvirt_console.c) */
};

/* Whether libvirt sends lifecycle events of this kind on the connection
 * (cb_ids: domain, network, pool): a driver without them (libvirt's esx) gets
 * our writes reported by us instead. */
static inline bool
lv_reports(LvPriv *p, HvObjKind kind)
{
	int i = kind == HV_OBJ_DOMAIN ? 0 : kind == HV_OBJ_NETWORK ? 1 : 2;
	bool on;

	g_mutex_lock(&p->lock);
	on = p->cb_ids[i] >= 0;
	g_mutex_unlock(&p->lock);
	return on;
}

/* Reports event unless libvirt does (then its own event comes). */
static inline void
lv_emit_unreported(LvPriv *p, HvObjKind kind, const char *parent, const char *name,
		   const char *event, const char *detail)
{
	if (event && !lv_reports(p, kind))
		hv_conn_emit(p->c, kind, parent, name, event, detail);
}

/* One kind of top-level object (domains, networks, pools) as
 * libvirt_objects.c handles it: libvirt's calls for it, its cache, and what
 * the messages call it. */
typedef struct {
	int cache;             /* LV_DOMAINS, LV_NETWORKS or LV_POOLS */
	int also_drop;         /* a cache a call on one drops whole (pools: volumes), or -1 */
	HvObjKind kind;
	const char *what;      /* "domain", "network", "storage pool" */
	const char *defined_detail; /* of the `defined` event we report */
	void *(*lookup)(virConnectPtr conn, const char *name);
	int (*list_all)(virConnectPtr conn, void ***objs);
	const char *(*name)(void *obj);
	void (*free)(void *obj);
	char *(*xml)(void *obj, unsigned flags); /* HV_XML_* */
	void *(*define)(virConnectPtr conn, const char *xml, unsigned flags);
	int (*info_of)(LvPriv *p, virConnectPtr conn, void *obj, void **out, GError **err);
	GDestroyNotify info_free;
	const char *(*key)(const void *info, char **tmp);
} LvKind;

/* libvirt's call on one object, with an argument and flags when it takes them. */
typedef int (*LvCall)(void *obj, unsigned long long arg, unsigned flags);

/* A verb, one row: libvirt's call, the event we always report (libvirt has
 * none for reboot and reset) and the one we report only when libvirt sends no
 * lifecycle events on this connection. */
typedef struct {
	const LvKind *k;
	const char *verb;
	LvCall call;
	const char *ours;
	const char *unreported;
	const char *detail;
} LvVerb;

#define LV_VERB(fn, ...)                                                    \
	static int fn(HvConn *c, const char *name, GError **err)            \
	{                                                                   \
		static const LvVerb v = { __VA_ARGS__ };                    \
		return lv_obj_verb(c, &v, name, err);                       \
	}

/* libvirt_objects.c */
int lv_obj_lookup(LvPriv *p, const LvKind *k, virConnectPtr conn, const char *name, void **out,
		  GError **err);
/* What a call on one object starts with: a referenced connection (*conn)
 * and the object name on it (*obj, NULL on failure), looked up by lookup
 * ("WHAT 'name'" when it is not there). 0 or -errno. */
int lv_obj_open(LvPriv *p, void *(*lookup)(virConnectPtr conn, const char *name), const char *what,
		const char *name, virConnectPtr *conn, void **obj, GError **err);
/* What making one starts with: a referenced connection (*conn) and a new
 * object from xml by make (libvirt's define or create, with flags) in *obj;
 * "cannot VERB the WHAT" when make fails. 0 or -errno. */
int lv_obj_new(LvPriv *p, void *(*make)(virConnectPtr conn, const char *xml, unsigned flags),
	       const char *xml, unsigned flags, const char *verb, const char *what,
	       virConnectPtr *conn, void **obj, GError **err);
int lv_obj_get_info(HvConn *c, const LvKind *k, const char *name, void **out, GError **err);
/* The cached info under name, else fetch's (ctx is fetch's), then cached. */
typedef int (*LvFetch)(LvPriv *p, virConnectPtr conn, const void *ctx, void **out, GError **err);
int lv_cache_info(LvPriv *p, int kind, const char *name, LvFetch fetch, const void *ctx,
		  void **out, GError **err);
int lv_obj_list(HvConn *c, const LvKind *k, GPtrArray **out, GError **err);
int lv_obj_get_xml(HvConn *c, const LvKind *k, const char *name, unsigned flags, char **xml,
		   GError **err);
int lv_obj_define(HvConn *c, const LvKind *k, const char *xml, char **name_out, GError **err);
/* One call on a named object; its cache entry and the listing are dropped
 * whatever happens. */
int lv_obj_call(HvConn *c, const LvKind *k, const char *name, const char *verb, LvCall fn,
		unsigned long long arg, unsigned flags, GError **err);
int lv_obj_verb(HvConn *c, const LvVerb *v, const char *name, GError **err);
int lv_obj_set_autostart(HvConn *c, const LvKind *k, LvCall fn, const char *name, bool on,
			 GError **err);

/* libvirt_conn.c */
void lv_global_init(void);
int lv_connect(LvPriv *p, GError **err);
void lv_disconnect(LvPriv *p);
/* A referenced connection for one call, or -ENOTCONN at once while away. */
int lv_conn_get(LvPriv *p, virConnectPtr *out, GError **err);
/* libvirt's last error -> -errno with its message, prefixed by what failed;
 * a connection that died answers ENOTCONN and starts the reconnect. */
int lv_fail(LvPriv *p, virConnectPtr conn, GError **err, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
void lv_uuid_copy(char *dst, const unsigned char *raw);
char *lv_xml_value(const char *xml, const char *xpath);

/* libvirt_cache.c */
void lv_cache_init(LvCache *k, void *(*dup)(const void *), GDestroyNotify free_fn);
void lv_cache_clear(LvCache *k);
/* Drops one object's info (name NULL: none) and, with listing, the listing. */
void lv_cache_drop(LvPriv *p, int kind, const char *name, bool listing);
uint64_t lv_cache_gen(LvPriv *p, int kind);
/* The names a kind's cache holds (owned strings). */
GPtrArray *lv_cache_names(LvPriv *p, int kind);
void lv_cache_drop_all(LvPriv *p, int kind);
void lv_cache_reset(LvPriv *p);
/* A copy of the cached info, or NULL; *gen gets the generation. */
void *lv_cache_get(LvPriv *p, int kind, const char *name, uint64_t *gen);
void lv_cache_put(LvPriv *p, int kind, uint64_t gen, const char *name, const void *info);
/* The cached listing as copies (TRUE), or FALSE with *gen for a fresh one. */
bool lv_cache_list(LvPriv *p, int kind, GPtrArray *out, uint64_t *gen);
void lv_cache_put_list(LvPriv *p, int kind, uint64_t gen, GPtrArray *infos,
		       const char *(*key)(const void *info, char **tmp));

/* Infos copied (libvirt_cache.c) */
void *lv_domain_info_dup(const void *i);
void *lv_network_info_dup(const void *i);
void *lv_pool_info_dup(const void *i);
void *lv_volume_info_dup(const void *i);

/* libvirt_console.c */
int lv_console_read(HvConn *c, const char *name, uint64_t *pos, size_t max, GString *out,
		    GError **err);
int lv_console_write(HvConn *c, const char *name, const char *buf, size_t len, GError **err);
void lv_consoles_init(LvPriv *p);
void lv_consoles_free(LvPriv *p);

extern const HvDomainOps lv_domain_ops;
extern const HvNetworkOps lv_network_ops;
extern const HvPoolOps lv_pool_ops;
extern const HvVolumeOps lv_volume_ops;
/* libvirt_host.c */
extern const HvInterfaceOps lv_iface_ops;
extern const HvNodeDevOps lv_nodedev_ops;
