/* libvirt_events.c: libvirt's events in, ours out. On every new connection
 * (libvirt_conn.c runs the hook) it registers for domain, network and pool
 * lifecycle events and pool refreshes; libvirt delivers them on its event
 * thread, where each drops what the cache holds of the object and is then
 * reported with hv_conn_emit, in libvirt's order. The words come from the
 * table hyperfsd uses the other way (libvirt_words.c). */
#include <string.h>
#include "drivers/libvirt/libvirt_events.h"
#include "drivers/libvirt/libvirt_words.h"

enum { CB_DOMAIN, CB_NETWORK, CB_POOL, CB_POOL_REFRESH };

static int
domain_lifecycle(virConnectPtr conn, virDomainPtr d, int type, int code, void *opaque)
{
	LvPriv *p = opaque;
	const char *event, *detail, *name = virDomainGetName(d);

	(void)conn;
	/* defined, undefined and a transient domain stopping change the listing */
	lv_cache_drop(p, LV_DOMAINS, name, true);
	if (lv_domain_event_words(type, code, &event, &detail))
		hv_conn_emit(p->c, HV_OBJ_DOMAIN, NULL, name, event, detail);
	return 0;
}

static void
network_lifecycle(virConnectPtr conn, virNetworkPtr n, int type, int code, void *opaque)
{
	LvPriv *p = opaque;
	const char *event, *name = virNetworkGetName(n);

	(void)conn;
	(void)code;
	lv_cache_drop(p, LV_NETWORKS, name, true);
	if (lv_obj_event_words(HV_OBJ_NETWORK, false, type, &event))
		hv_conn_emit(p->c, HV_OBJ_NETWORK, NULL, name, event, "-");
}

static void
pool_event(LvPriv *p, virStoragePoolPtr sp, bool refresh, int type)
{
	const char *event, *name = virStoragePoolGetName(sp);

	lv_cache_drop(p, LV_POOLS, name, true);
	lv_cache_drop_all(p, LV_VOLUMES);
	if (lv_obj_event_words(HV_OBJ_POOL, refresh, type, &event))
		hv_conn_emit(p->c, HV_OBJ_POOL, NULL, name, event, "-");
}

static void
pool_lifecycle(virConnectPtr conn, virStoragePoolPtr sp, int type, int code, void *opaque)
{
	(void)conn;
	(void)code;
	pool_event(opaque, sp, false, type);
}

static void
pool_refresh(virConnectPtr conn, virStoragePoolPtr sp, void *opaque)
{
	(void)conn;
	pool_event(opaque, sp, true, 0);
}

/* A driver without events (some of libvirt's hypervisor drivers) still
 * serves the node: its changes are seen only through our own writes. */
void
lv_events_register(LvPriv *p, virConnectPtr conn)
{
	int ids[G_N_ELEMENTS(p->cb_ids)];

	/* libvirt's virConnect<Kind>EventRegisterAny for event EV of every object */
#define REGISTER(Kind, KIND, EV, cb)                                                        \
	virConnect##Kind##EventRegisterAny(conn, NULL, VIR_##KIND##_EVENT_ID_##EV,          \
					   VIR_##KIND##_EVENT_CALLBACK(cb), p, NULL)
	ids[CB_DOMAIN] = REGISTER(Domain, DOMAIN, LIFECYCLE, domain_lifecycle);
	ids[CB_NETWORK] = REGISTER(Network, NETWORK, LIFECYCLE, network_lifecycle);
	ids[CB_POOL] = REGISTER(StoragePool, STORAGE_POOL, LIFECYCLE, pool_lifecycle);
	ids[CB_POOL_REFRESH] = REGISTER(StoragePool, STORAGE_POOL, REFRESH, pool_refresh);
#undef REGISTER
	virResetLastError();
	g_mutex_lock(&p->lock); /* lv_reports() reads them */
	memcpy(p->cb_ids, ids, sizeof(ids));
	g_mutex_unlock(&p->lock);
}

/* Before the connection is closed (a dead one needs none of this). */
void
lv_events_deregister(LvPriv *p, virConnectPtr conn)
{
	if (p->cb_ids[CB_DOMAIN] >= 0)
		virConnectDomainEventDeregisterAny(conn, p->cb_ids[CB_DOMAIN]);
	if (p->cb_ids[CB_NETWORK] >= 0)
		virConnectNetworkEventDeregisterAny(conn, p->cb_ids[CB_NETWORK]);
	for (int i = CB_POOL; i <= CB_POOL_REFRESH; i++)
		if (p->cb_ids[i] >= 0)
			virConnectStoragePoolEventDeregisterAny(conn, p->cb_ids[i]);
	g_mutex_lock(&p->lock);
	for (size_t i = 0; i < G_N_ELEMENTS(p->cb_ids); i++)
		p->cb_ids[i] = -1;
	g_mutex_unlock(&p->lock);
	virResetLastError();
}
