/* conn.h: opening a connection by URI, and the one checkpoint every driver call
 * passes. HV_CALL refuses a method the driver lacks (-ENOTSUP) and a write on a
 * read-only connection (-EROFS) before the driver sees it, so drivers never
 * repeat those checks. Usage:
 *     r = HV_CALL(c, domain, start, HV_WRITES, err, name);
 * calls c->driver->domain->start(c, name, err). */
#pragma once
#include "drivers/driver.h"

#define HV_READS false
#define HV_WRITES true

/* Opens the driver that serves uri's scheme. readonly marks the connection. */
HvConn *hv_conn_open(const char *uri, bool readonly, GError **err);
void hv_conn_close(HvConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvConn, hv_conn_close)

void hv_conn_set_event_cb(HvConn *c, HvEventFunc cb, void *opaque);

/* The drivers built in, NULL-terminated. */
const HvDriver *const *hv_drivers(void);

/* The checkpoint: 0 when c may call the method, else -errno with a reason. */
int hv_conn_check(HvConn *c, const void *method, const char *kind, const char *what,
		  bool writes, GError **err);

#define HV_CALL(c, kind, method, writes, err, ...)                                        \
	(hv_conn_check((c), (c)->driver->kind ? (const void *)(c)->driver->kind->method : NULL, \
		       #kind, #method, (writes), (err))                                    \
		 ?: (c)->driver->kind->method((c), __VA_ARGS__, (err)))
