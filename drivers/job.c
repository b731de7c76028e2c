/* job.c: per-object jobs (rules in job.h): who may begin a job on an object
 * and who waits, with a bound, for whom; destroy getting through and telling
 * the holder; abort requests; the snapshot a `job` file shows. Everything runs
 * under the connection's core lock; waiters sleep on the object's condition. */
#include <string.h>
#include "drivers/objtab.h"

enum {
	STOP_ABORT = 1 << 0,     /* hv_job_abort asked */
	STOP_DESTROYED = 1 << 1, /* a destroy got through */
};

struct HvJob {
	HvJobType type; /* copied: name is static */
	HvEntry *obj;     /* referenced while the job runs */
	int64_t started_us;
	HvJobProgress progress;
	gint stop;      /* STOP_*, atomic: read without the lock */
	const char *stopped_by; /* the job that got through (static) */
	HvJobNotify notify;
	void *notify_data;
	GList *link;    /* a query's node in the slot's queue */
};

const HvJobType hv_job_define = { "define", HV_JOB_MODIFY, 0 };
const HvJobType hv_job_undefine = { "undefine", HV_JOB_MODIFY, 0 };
const HvJobType hv_job_autostart = { "autostart", HV_JOB_MODIFY, 0 };
const HvJobType hv_job_destroy = { "destroy", HV_JOB_DESTROY, 0 };
const HvJobType hv_job_query = { "query", HV_JOB_QUERY, 0 };

void
hv_job_slot_init(HvJobSlot *s)
{
	memset(s, 0, sizeof(*s));
	g_queue_init(&s->queries);
	g_cond_init(&s->cond);
}

void
hv_job_slot_clear(HvJobSlot *s)
{
	g_assert(!s->modify && !s->destroy && g_queue_is_empty(&s->queries));
	g_cond_clear(&s->cond);
}

/* Does a waiting job of this type keep new queries out (writer preference)? */
static bool
keeps_queries_out(const HvJobType *t)
{
	return t->cls == HV_JOB_MODIFY && !(t->flags & HV_JOBF_QUERIES);
}

/* The job a job of type t would wait for, or NULL when t may begin now. */
static HvJob *
blocker(HvJobSlot *s, const HvJobType *t)
{
	HvJob *oldest_query = g_queue_peek_head(&s->queries);

	switch (t->cls) {
	case HV_JOB_QUERY:
		if (s->destroy)
			return s->destroy;
		if (s->modify && keeps_queries_out(&s->modify->type))
			return s->modify;
		if (s->modifiers_waiting)
			return s->modify ? s->modify : oldest_query;
		return NULL;
	case HV_JOB_MODIFY:
		if (s->destroy)
			return s->destroy;
		if (s->modify)
			return s->modify;
		return keeps_queries_out(t) ? oldest_query : NULL;
	case HV_JOB_DESTROY:
		return s->destroy;
	case HV_JOB_NONE:
		break;
	}
	g_assert_not_reached();
}

static uint64_t
elapsed_ms(const HvJob *j)
{
	int64_t d = g_get_monotonic_time() - j->started_us;

	return d > 0 ? (uint64_t)d / 1000 : 0;
}

static int
busy_error(HvEntry *o, const HvJob *holder, GError **err)
{
	g_autofree char *who = hv_entry_describe(o);
	uint64_t ms = elapsed_ms(holder);

	if (ms >= 1000)
		return hv_error_set(err, EBUSY, "%s is busy: job '%s' has held it for %" G_GUINT64_FORMAT
				    " s", who, holder->type.name, ms / 1000);
	return hv_error_set(err, EBUSY, "%s is busy: job '%s' has held it for %" G_GUINT64_FORMAT
			    " ms", who, holder->type.name, ms);
}

static void
ask_stop(HvJob *j, int why, const char *by)
{
	if (by && !j->stopped_by)
		j->stopped_by = by;
	g_atomic_int_or(&j->stop, why);
	if (j->notify)
		j->notify(j, j->notify_data);
	g_cond_broadcast(&j->obj->jobs.cond);
}

static HvJob *
admit(HvEntry *o, const HvJobType *type)
{
	HvJobSlot *s = &o->jobs;
	HvJob *j = g_new0(HvJob, 1);

	j->type = *type;
	j->obj = o;
	j->started_us = g_get_monotonic_time();
	switch (type->cls) {
	case HV_JOB_QUERY:
		g_queue_push_tail(&s->queries, j);
		j->link = s->queries.tail;
		break;
	case HV_JOB_MODIFY:
		s->modify = j;
		break;
	case HV_JOB_DESTROY:
		s->destroy = j;
		if (s->modify)
			ask_stop(s->modify, STOP_DESTROYED, type->name);
		break;
	case HV_JOB_NONE:
		g_assert_not_reached();
	}
	return j;
}

static int
begin(HvEntry *o, const HvJobType *type, bool wait, HvJob **out, GError **err)
{
	HvJobSlot *s = &o->jobs;
	HvCore *core = o->tab->core;
	int64_t end = g_get_monotonic_time() + (int64_t)core->job_wait_ms * 1000;
	bool counted = false;
	HvJob *b = NULL;
	int r = 0;

	g_assert(type->cls != HV_JOB_NONE && type->name);
	hv_entry_ref(o);
	for (;;) {
		g_autofree char *who = NULL;

		if (o->removed) {
			who = hv_entry_describe(o);
			r = hv_error_set(err, ENOENT, "%s went away while job '%s' waited for it", who,
					 type->name);
			break;
		}
		if (!(b = blocker(s, type)))
			break;
		if (!wait || g_get_monotonic_time() >= end) {
			r = busy_error(o, b, err);
			break;
		}
		if (!counted && keeps_queries_out(type)) {
			s->modifiers_waiting++;
			counted = true;
		}
		g_cond_wait_until(&s->cond, &core->mutex, end);
	}
	if (counted) {
		s->modifiers_waiting--;
		g_cond_broadcast(&s->cond); /* queries held back by this waiter */
	}
	if (r < 0) {
		hv_entry_unref(o);
		return r;
	}
	*out = admit(o, type);
	return 0;
}

int
hv_job_begin(HvEntry *o, const HvJobType *type, HvJob **out, GError **err)
{
	return begin(o, type, true, out, err);
}

int
hv_job_try_begin(HvEntry *o, const HvJobType *type, HvJob **out, GError **err)
{
	return begin(o, type, false, out, err);
}

void
hv_job_end(HvJob *j)
{
	HvJobSlot *s;
	HvEntry *o;

	if (!j)
		return;
	o = j->obj;
	s = &o->jobs;
	switch (j->type.cls) {
	case HV_JOB_QUERY:
		g_queue_delete_link(&s->queries, j->link);
		break;
	case HV_JOB_MODIFY:
		s->modify = NULL;
		break;
	case HV_JOB_DESTROY:
		s->destroy = NULL;
		break;
	case HV_JOB_NONE:
		g_assert_not_reached();
	}
	g_cond_broadcast(&s->cond);
	g_free(j);
	hv_entry_unref(o);
}

HvEntry *
hv_job_entry(const HvJob *j)
{
	return j->obj;
}

const char *
hv_job_name(const HvJob *j)
{
	return j->type.name;
}

bool
hv_job_stop_requested(const HvJob *j)
{
	return g_atomic_int_get(&((HvJob *)j)->stop) != 0;
}

int
hv_job_check(const HvJob *j, GError **err)
{
	int stop = g_atomic_int_get(&((HvJob *)j)->stop);
	g_autofree char *who = NULL;

	if (!stop)
		return 0;
	who = hv_entry_describe(j->obj);
	if (stop & STOP_DESTROYED)
		return hv_error_set(err, ECANCELED, "job '%s' on %s was interrupted by '%s'",
				    j->type.name, who, j->stopped_by);
	return hv_error_set(err, ECANCELED, "job '%s' on %s was aborted", j->type.name, who);
}

int
hv_job_wait(HvJob *j, int64_t end_us, GError **err)
{
	HvEntry *o = j->obj;
	g_autofree char *who = NULL;

	if (hv_job_stop_requested(j))
		return hv_job_check(j, err);
	if (!g_cond_wait_until(&o->jobs.cond, &o->tab->core->mutex, end_us)) {
		if (hv_job_stop_requested(j))
			return hv_job_check(j, err);
		who = hv_entry_describe(o);
		return hv_error_set(err, ETIMEDOUT, "job '%s' on %s timed out", j->type.name, who);
	}
	return hv_job_stop_requested(j) ? hv_job_check(j, err) : 0;
}

void
hv_job_set_progress(HvJob *j, const HvJobProgress *p)
{
	j->progress = *p;
}

void
hv_job_set_notify(HvJob *j, HvJobNotify fn, void *data)
{
	j->notify = fn;
	j->notify_data = data;
}

void
hv_entry_broadcast(HvEntry *o)
{
	g_cond_broadcast(&o->jobs.cond);
}

int
hv_job_abort(HvEntry *o, GError **err)
{
	HvJob *j = o->jobs.modify;
	g_autofree char *who = hv_entry_describe(o);

	if (!j)
		return hv_error_set(err, EBUSY, "no job to abort on %s", who);
	if (!(j->type.flags & HV_JOBF_ABORTABLE))
		return hv_error_set(err, EBUSY, "job '%s' on %s cannot be aborted", j->type.name, who);
	ask_stop(j, STOP_ABORT, NULL);
	return 0;
}

bool
hv_job_snapshot(HvEntry *o, HvJobInfo *out)
{
	HvJobSlot *s = &o->jobs;
	HvJob *j = s->modify ? s->modify : s->destroy ? s->destroy : g_queue_peek_head(&s->queries);

	memset(out, 0, sizeof(*out));
	out->queries = g_queue_get_length(&s->queries);
	if (!j)
		return false;
	out->type = g_strdup(j->type.name);
	out->modifying = j->type.cls != HV_JOB_QUERY;
	out->destroying = s->destroy != NULL;
	out->abortable = j->type.flags & HV_JOBF_ABORTABLE;
	out->abort_requested = g_atomic_int_get(&j->stop) & STOP_ABORT;
	out->elapsed_ms = elapsed_ms(j);
	out->total_bytes = j->progress.total_bytes;
	out->processed_bytes = j->progress.processed_bytes;
	out->remaining_bytes = j->progress.remaining_bytes;
	out->rate = j->progress.rate;
	out->iteration = j->progress.iteration;
	out->disk_total = j->progress.disk_total;
	out->disk_processed = j->progress.disk_processed;
	out->disk_remaining = j->progress.disk_remaining;
	return true;
}
