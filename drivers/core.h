/* core.h: a driver connection's core: the one lock over its objects, the
 * events queued while it is held, and the bound a job waits for an object.
 *
 * Events are reported in the order the changes happened, and never with the
 * lock held: hv_core_emit() queues, hv_core_unlock() releases the lock and
 * then delivers the queue (an emit mutex, taken before the release, keeps a
 * later change from overtaking). Whoever unlocks delivers everything queued
 * so far, so a thread that waits on a condition with the lock released (a job
 * waiting for an object) never strands its events. */
#pragma once
#include "drivers/driver.h"

#define HV_JOB_WAIT_MS 30000u /* libvirt's bound on waiting for a job (QEMU_JOB_WAIT_TIME) */

typedef struct {
	GMutex mutex;    /* guards the driver's objects */
	GMutex emit;     /* orders deliveries between release and callback */
	HvConn *conn;    /* where events go (hv_conn_emit) */
	GArray *queue;   /* HvCoreEvent, queued while the lock is held */
	unsigned job_wait_ms; /* how long a job waits for an object (HV_JOB_WAIT_MS) */
} HvCore;

void hv_core_init(HvCore *core, HvConn *conn);
void hv_core_clear(HvCore *core); /* drops undelivered events */

void hv_core_lock(HvCore *core);
/* Releases the lock, then delivers what was queued, in order. */
void hv_core_unlock(HvCore *core);
/* Lock held: delivers what is queued now (the lock is released meanwhile, so
 * anything read before may have changed after). */
void hv_core_flush(HvCore *core);

/* Lock held: queues one event (see driver.h for the vocabulary). detail NULL
 * means "-". */
void hv_core_emit(HvCore *core, HvObjKind kind, const char *parent, const char *name,
		  const char *event, const char *detail);
/* The same with a number as the detail (KiB, counts, bytes). */
void hv_core_emit_u64(HvCore *core, HvObjKind kind, const char *parent, const char *name,
		      const char *event, uint64_t value);
