/* job.h: per-object jobs, after libvirt's model (src/qemu/qemu_domainjob.c,
 * src/hypervisor/domain_job.c). A job is what an operation holds on one object
 * (a domain, a network, a pool, a volume) while it works on it, possibly with
 * the driver lock released (a QMP exchange, a process start, a copy).
 *
 * The rules, all enforced here, all under the connection's lock (core.h):
 *  - QUERY jobs run side by side: any number at once. They wait while a
 *    MODIFY job holds the object (unless that job allows queries, below), while
 *    a DESTROY job holds it, and while a modifier waits (so a stream of
 *    queries cannot starve a change).
 *  - MODIFY jobs: one per object at a time. A second waits until the first
 *    ends, and for running queries to end (unless it allows queries).
 *  - HV_JOBF_QUERIES on a MODIFY job (long work: migration, upload, save):
 *    queries run beside it in both directions, so its progress can be read.
 *  - Waiting is bounded: core->job_wait_ms (30 s, libvirt's bound; a driver
 *    may lower it per connection, e.g. from a URI parameter). Then -EBUSY with
 *    "domain 'web1' is busy: job 'set-vcpus' has held it for 30 s".
 *    hv_job_try_begin() never waits.
 *  - DESTROY always gets through: it never waits for a query or a modifying
 *    job, only for another destroy. When it begins while a MODIFY job holds
 *    the object, that job is marked interrupted (and asked to abort), its
 *    notify callback runs, and every waiter on the object wakes. The holder
 *    notices in three ways: its hypervisor calls fail (the destroy killed the
 *    process), hv_job_check() returns -ECANCELED once it re-takes the lock,
 *    and hv_job_wait() returns -ECANCELED. A holder must call hv_job_check()
 *    after every step done without the lock, before it changes the object.
 *  - Abort: hv_job_abort() asks an HV_JOBF_ABORTABLE modifying job to stop
 *    (echo abort > job); the holder polls hv_job_stop_requested() or gets its
 *    notify callback, and ends with -ECANCELED. Other jobs: -EBUSY.
 *  - A job keeps its object alive (a reference): an object removed from its
 *    table meanwhile (a transient domain that stopped) is freed at the last
 *    hv_job_end(). A waiter whose object was removed gets -ENOENT.
 *  - hv_job_snapshot() shows the job that holds an object: type, elapsed
 *    time, progress counters, the abort flag (HvJobInfo in driver.h).
 * Every function here is called with the core lock held unless it says not. */
#pragma once
#include "drivers/driver.h"

typedef struct HvEntry HvEntry;
typedef struct HvJob HvJob;

typedef enum {
	HV_JOB_NONE = 0, /* no job: the work is done under the lock at once */
	HV_JOB_QUERY,
	HV_JOB_MODIFY,
	HV_JOB_DESTROY,
} HvJobClass;

enum {
	HV_JOBF_ABORTABLE = 1 << 0, /* hv_job_abort() may ask it to stop */
	HV_JOBF_QUERIES = 1 << 1,   /* a MODIFY job that lets queries run beside it */
	HV_JOBF_TRY = 1 << 2,       /* the verb runner (objtab.h) begins it without waiting:
				     * a query that answers EBUSY rather than wait for a change */
};

/* What a job is. name is what messages and the job file call it ("start",
 * "set-vcpus", "migration-out"); it must be a static string. */
typedef struct {
	const char *name;
	HvJobClass cls;
	unsigned flags;
} HvJobType;

/* The jobs the shared glue (objtab.h) takes. */
extern const HvJobType hv_job_define, hv_job_undefine, hv_job_autostart, hv_job_destroy,
	hv_job_query;

/* Progress of a long job, set by its holder (hv_job_set_progress). */
typedef struct {
	uint64_t total_bytes;
	uint64_t processed_bytes;
	uint64_t remaining_bytes;
	uint64_t rate;      /* bytes per second */
	uint64_t iteration;
	uint64_t disk_total; /* disks being copied (a migration's copy-storage) */
	uint64_t disk_processed;
	uint64_t disk_remaining;
} HvJobProgress;

typedef void (*HvJobNotify)(HvJob *job, void *data);

/* The jobs of one object (embedded in HvEntry; job.c owns the fields). */
typedef struct {
	HvJob *modify;  /* the MODIFY job, or NULL */
	HvJob *destroy; /* the DESTROY job, or NULL */
	GQueue queries; /* HvJob*: the QUERY jobs, oldest first */
	unsigned modifiers_waiting; /* waiting MODIFY jobs that keep queries out */
	GCond cond;     /* job ends, removal, interruption, hv_entry_broadcast */
} HvJobSlot;

void hv_job_slot_init(HvJobSlot *s);
void hv_job_slot_clear(HvJobSlot *s);

/* Begins a job of type on o, waiting (with the lock released) at most the
 * core's job_wait_ms. 0 and *out, or -EBUSY (timed out: names the job that
 * holds o and for how long), -ENOENT (o was removed meanwhile). */
int hv_job_begin(HvEntry *o, const HvJobType *type, HvJob **out, GError **err);
/* The same without waiting. */
int hv_job_try_begin(HvEntry *o, const HvJobType *type, HvJob **out, GError **err);
/* Ends the job (NULL-safe): wakes the waiters, drops the object reference
 * (which may free a removed object: do not touch it after). */
void hv_job_end(HvJob *job);

HvEntry *hv_job_entry(const HvJob *job);
const char *hv_job_name(const HvJob *job);
/* Any thread, lock or not: a destroy got through or an abort was asked. */
bool hv_job_stop_requested(const HvJob *job);
/* 0 while the job may go on, else -ECANCELED saying why (destroyed, aborted). */
int hv_job_check(const HvJob *job, GError **err);
/* Waits on the object's condition (the lock is released meanwhile) until
 * hv_entry_broadcast(), end_us (g_get_monotonic_time) or a stop request:
 * 0 woken (check what you wait for, and loop), -ETIMEDOUT, -ECANCELED. */
int hv_job_wait(HvJob *job, int64_t end_us, GError **err);
void hv_job_set_progress(HvJob *job, const HvJobProgress *p);
/* fn runs under the lock when the job is asked to stop (destroy or abort): it
 * must not block nor take the lock (write an eventfd, set a flag). */
void hv_job_set_notify(HvJob *job, HvJobNotify fn, void *data);

/* Wakes whatever waits on o (hv_job_wait, and waiters for a job). */
void hv_entry_broadcast(HvEntry *o);
/* Asks o's modifying job to stop: -EBUSY (none, or not abortable). */
int hv_job_abort(HvEntry *o, GError **err);
/* Fills *out (cleared first) with the job holding o: the modifying job, else
 * the destroy, else the oldest query. Returns whether there is one. */
bool hv_job_snapshot(HvEntry *o, HvJobInfo *out);
