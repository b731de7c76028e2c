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

typedef enum {
	HV_CONN_RO = 1 << 0,      /* the checkpoint refuses every write */
	/* A remote node whose peer cannot be reached now (refused, no socket,
	 * unreachable, timed out) opens anyway, away, and connects by itself
	 * later; without it such an open fails. Refusals (certificates, host
	 * keys, authentication) and bad URIs fail either way. */
	HV_CONN_AWAY_OK = 1 << 1,
} HvConnFlags;

/* Opens the driver that serves uri's scheme. readonly marks the connection. */
HvConn *hv_conn_open(const char *uri, bool readonly, GError **err);
HvConn *hv_conn_open_flags(const char *uri, unsigned flags, GError **err);
/* Where a connection reports (hv_conn_emit, hv_conn_warn), set before the
 * driver opens, so that no report of its threads is lost or races the set. */
typedef struct {
	HvEventFunc event;
	void *event_opaque;
	HvWarnFunc warn;
	void *warn_opaque;
} HvConnSink;
HvConn *hv_conn_open_sink(const char *uri, unsigned flags, const HvConnSink *sink,
			  GError **err);
/* One client's own handle on base's node (hyperfsd: one per client): the
 * driver and its state are base's, readonly and identity (copied; may be
 * NULL) are the view's, so a read-only view refuses writes at the checkpoint
 * whatever its caller checked. Events of the node go to base's callback.
 * Closing a view leaves base open; base must outlive its views. */
HvConn *hv_conn_view_new(HvConn *base, bool readonly, const char *identity);
/* Closes a connection, or frees a view. */
void hv_conn_close(HvConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvConn, hv_conn_close)

void hv_conn_set_event_cb(HvConn *c, HvEventFunc cb, void *opaque);
/* Where hv_conn_warn goes (the tree: node/error); unset, warnings are only
 * logged at debug level. */
void hv_conn_set_warn_cb(HvConn *c, HvWarnFunc cb, void *opaque);

/* The drivers built in, NULL-terminated. */
const HvDriver *const *hv_drivers(void);

/* A peer's set with libvirt's AFFECT flags (HV_AFFECT_*): a peer that takes
 * one of LIVE and CONFIG per call (libvirt's test driver: "mutually
 * exclusive", INVALID_ARG) is asked again for the running definition first
 * and the persistent one second, as virsh --live and --config would. fn(ctx,
 * flags, err) makes one call; the error is the last call's. */
typedef int (*HvFlagsCall)(void *ctx, unsigned flags, GError **err);
int hv_call_affect_split(HvFlagsCall fn, void *ctx, unsigned flags, GError **err);

/* The checkpoint: 0 when c may call the method, else -errno with a reason. */
int hv_conn_check(HvConn *c, const void *method, const char *kind, const char *what,
		  bool writes, GError **err);

#define HV_CALL(c, kind, method, writes, err, ...)                                        \
	(hv_conn_check((c), (c)->driver->kind ? (const void *)(c)->driver->kind->method : NULL, \
		       #kind, #method, (writes), (err))                                    \
		 ?: (c)->driver->kind->method((c), __VA_ARGS__, (err)))
