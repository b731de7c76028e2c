/* voldata.c: volume content streams for the shared volume ops (voldata.h).
 * An open stream holds the volume's job (upload, clone, wipe: a modifying job
 * that lets queries run beside it and may be aborted; download: a query job)
 * and a query job on its pool until it is closed; it counts the bytes it moves
 * into the job's progress, which `job` shows. Clone and wipe are copies
 * between two such streams (or from zeroes), done here once for every class. */
#include <string.h>
#include "drivers/voldata.h"
#include "drivers/job.h"

#define COPY_CHUNK (1u << 20)
#define PROGRESS_EVERY (4u << 20) /* bytes between progress updates */

static const HvJobType job_upload = { "upload", HV_JOB_MODIFY,
				      HV_JOBF_ABORTABLE | HV_JOBF_QUERIES };
static const HvJobType job_download = { "download", HV_JOB_QUERY, 0 };
static const HvJobType job_clone = { "clone", HV_JOB_MODIFY,
				     HV_JOBF_ABORTABLE | HV_JOBF_QUERIES };
static const HvJobType job_wipe = { "wipe", HV_JOB_MODIFY, HV_JOBF_ABORTABLE | HV_JOBF_QUERIES };

typedef struct {
	HvDataStream pub;
	HvObjTab *vols; /* the pool's children */
	HvCore *core;
	HvEntry *vol;
	HvJob *pj, *job;
	HvDataStream *inner;
	const HvVolDataOps *ops;
	bool upload;
	bool ended;
	uint64_t total, done, reported;
	gint64 t0;
} VolStream;

static const HvDataStreamOps vs_ops;

/* Lock held: the volume's pool, usable, with a query job on it. */
static HvEntry *
pool_begin(HvObjTab *pools, const char *pool, HvJob **pj, GError **err)
{
	HvJobType jt = { "volume-data", HV_JOB_QUERY, 0 };
	HvEntry *p = hv_objtab_find(pools, pool, err);

	if (!p || hv_job_begin(p, &jt, pj, err) < 0)
		return NULL;
	if (!(pools->cls->usable ? pools->cls->usable(p) : p->active)) {
		g_autofree char *who = hv_entry_describe(p);

		hv_job_end(g_steal_pointer(pj));
		hv_error_set(err, EBUSY, "%s is not active", who);
		return NULL;
	}
	return p;
}

static void
progress(VolStream *vs, bool force)
{
	HvJobProgress p = { .total_bytes = vs->total, .processed_bytes = vs->done };
	gint64 us = g_get_monotonic_time() - vs->t0;

	/* every PROGRESS_EVERY bytes, and at the first and the last (a stream
	 * shorter than that shows its bytes too) */
	if (!force && vs->done - vs->reported < PROGRESS_EVERY && vs->reported &&
	    !(vs->total && vs->done >= vs->total))
		return;
	vs->reported = vs->done;
	p.remaining_bytes = vs->total > vs->done ? vs->total - vs->done : 0;
	p.rate = us > 0 ? (uint64_t)((double)vs->done * 1e6 / (double)us) : 0;
	hv_core_lock(vs->core);
	hv_job_set_progress(vs->job, &p);
	hv_core_unlock(vs->core);
}

/* Lock held: the stream of o, with job (taken) held on o. */
static int
open_locked(HvObjTab *vols, HvEntry *o, HvJob *job, HvJob *pj, bool upload, uint64_t offset,
	    uint64_t length, unsigned flags, HvDataStream **out, GError **err)
{
	const HvVolDataOps *ops = vols->cls->data;
	HvDataStream *inner = NULL;
	uint64_t total = 0;
	VolStream *vs;
	int r;

	r = ops->open(vols, o, upload, offset, length, flags, &inner, &total, err);
	if (r < 0)
		return r;
	vs = g_new(VolStream, 1);
	*vs = (VolStream){
		.pub = { .ops = &vs_ops, .offset = offset, .end = inner->end },
		.inner = inner, .total = total, .vols = vols, .core = vols->core, .vol = o,
		.job = job, .pj = pj, .ops = ops, .upload = upload, .t0 = g_get_monotonic_time(),
	};
	*out = &vs->pub;
	return 0;
}

int
hv_voldata_open(HvObjTab *pools, const char *pool, const char *name, bool upload,
		uint64_t offset, uint64_t length, unsigned flags, HvDataStream **out, GError **err)
{
	const HvObjClass *cc = pools->cls->children;
	HvJob *pj = NULL, *job = NULL;
	HvEntry *p, *o = NULL;
	int r = -ENOENT;

	if (!cc || !cc->data)
		return hv_error_set(err, ENOTSUP, "volume %s is not supported by this driver",
				    upload ? "upload" : "download");
	hv_core_lock(pools->core);
	if ((p = pool_begin(pools, pool, &pj, err)) && (o = hv_objtab_find(p->children, name, err)))
		r = hv_job_begin(o, upload ? &job_upload : &job_download, &job, err);
	else if (p)
		r = -ENOENT;
	else
		r = err && *err ? hv_error_errno(*err) : -ENOENT;
	if (r == 0 && (r = open_locked(p->children, o, job, pj, upload, offset, length, flags, out,
				       err)) < 0)
		hv_job_end(job);
	if (r < 0)
		hv_job_end(pj);
	hv_core_unlock(pools->core);
	return r;
}

static int
check_stop(VolStream *vs, GError **err)
{
	g_autofree char *who = NULL;

	if (!hv_job_stop_requested(vs->job))
		return 0;
	hv_core_lock(vs->core);
	who = hv_entry_describe(vs->vol);
	hv_core_unlock(vs->core);
	return hv_error_set(err, ECANCELED, "%s of %s was aborted", hv_job_name(vs->job), who);
}

static gssize
vs_read(HvDataStream *s, void *buf, size_t len, GError **err)
{
	VolStream *vs = (VolStream *)s;
	gssize n;

	if (check_stop(vs, err) < 0)
		return -ECANCELED;
	vs->inner->offset = s->offset;
	if ((n = vs->inner->ops->read(vs->inner, buf, len, err)) > 0) {
		s->offset += (uint64_t)n;
		vs->done += (uint64_t)n;
		progress(vs, false);
	}
	return n;
}

static int
vs_write(HvDataStream *s, const void *buf, size_t len, GError **err)
{
	VolStream *vs = (VolStream *)s;
	int r;

	if (check_stop(vs, err) < 0)
		return -ECANCELED;
	vs->inner->offset = s->offset;
	if ((r = vs->inner->ops->write(vs->inner, buf, len, err)) < 0)
		return r;
	s->offset += len;
	vs->done += len;
	progress(vs, false);
	return 0;
}

/* A download's descriptor span, counted as the bytes read (the caller
 * moves them). */
static gssize
vs_span(HvDataStream *s, size_t len, int *fd, off_t *pos, GError **err)
{
	VolStream *vs = (VolStream *)s;
	gssize n;

	if (!vs->inner->ops->span || vs->upload)
		return -ENOTSUP;
	if (check_stop(vs, err) < 0)
		return -ECANCELED;
	vs->inner->offset = s->offset;
	if ((n = vs->inner->ops->span(vs->inner, len, fd, pos, err)) > 0) {
		s->offset += (uint64_t)n;
		vs->done += (uint64_t)n;
		progress(vs, false);
	}
	return n;
}

/* The end of the jobs; the facts of an upload's volume again. */
static void
vs_end(VolStream *vs, bool changed)
{
	if (vs->ended)
		return;
	vs->ended = true;
	hv_core_lock(vs->core);
	if (changed && !vs->vol->removed && vs->ops->done)
		vs->ops->done(vs->vols, vs->vol);
	hv_job_end(vs->job);
	hv_job_end(vs->pj);
	hv_core_unlock(vs->core);
}

static int
vs_finish(HvDataStream *s, GError **err)
{
	VolStream *vs = (VolStream *)s;
	int r = check_stop(vs, err);

	if (r == 0 && vs->inner->ops->finish)
		r = vs->inner->ops->finish(vs->inner, err);
	progress(vs, true);
	vs_end(vs, vs->upload);
	return r;
}

int
hv_voldata_sync(HvDataStream *s, GError **err)
{
	VolStream *vs = (VolStream *)s;
	int r;

	if (s->ops != &vs_ops || vs->ended)
		return hv_error_set(err, EINVAL, "not an open volume stream");
	if ((r = check_stop(vs, err)) == 0 && vs->inner->ops->finish)
		r = vs->inner->ops->finish(vs->inner, err);
	progress(vs, true);
	if (r == 0 && vs->upload) {
		hv_core_lock(vs->core);
		if (!vs->vol->removed && vs->ops->done)
			vs->ops->done(vs->vols, vs->vol);
		hv_core_unlock(vs->core);
	}
	return r;
}

static void
vs_close(HvDataStream *s)
{
	VolStream *vs = (VolStream *)s;

	if (!s)
		return;
	vs->inner->ops->close(vs->inner);
	vs_end(vs, vs->upload); /* given up: what was written is there */
	g_free(vs);
}

static const HvDataStreamOps vs_ops = {
	.read = vs_read,
	.write = vs_write,
	.finish = vs_finish,
	.close = vs_close,
	.span = vs_span,
};

int
hv_voldata_grow(HvDataStream *s, uint64_t bytes, GError **err)
{
	VolStream *vs = (VolStream *)s;
	int r;

	if (s->ops != &vs_ops || !vs->upload)
		return hv_error_set(err, EINVAL, "only an upload can grow its volume");
	if (!vs->ops->grow)
		return hv_error_set(err, ENOTSUP, "this driver cannot grow a volume while uploading");
	hv_core_lock(vs->core);
	r = vs->ops->grow(vs->vols, vs->vol, bytes, err);
	hv_core_unlock(vs->core);
	return r;
}

/* ---- copies: clone and wipe */

static int
copy(HvDataStream *from, HvDataStream *to, GError **err)
{
	g_autofree char *buf = g_malloc(COPY_CHUNK);
	gssize n;
	int r;

	while ((n = from->ops->read(from, buf, COPY_CHUNK, err)) > 0)
		if ((r = to->ops->write(to, buf, (size_t)n, err)) < 0)
			return r;
	return n < 0 ? (int)n : 0;
}

/* Sets the job of an open stream (clone, wipe name theirs). */
static void
rename_job(HvDataStream *s, const HvJobType *type)
{
	VolStream *vs = (VolStream *)s;
	HvEntry *o = vs->vol;
	HvJob *job = NULL;

	/* the upload job becomes the named one: end it and take the other at
	 * once, under the same lock, so nothing slips between */
	hv_core_lock(vs->core);
	hv_job_end(vs->job);
	if (hv_job_try_begin(o, type, &job, NULL) == 0)
		vs->job = job;
	else
		vs->job = NULL;
	hv_core_unlock(vs->core);
}

/* What a zero wipe covers: a raw volume's capacity. Zeroes over an image
 * format would destroy its header. */
static int
raw_size(HvDataStream *s, uint64_t *out, GError **err)
{
	VolStream *vs = (VolStream *)s;
	HvVolumeInfo *i = NULL;
	int r = 0;

	hv_core_lock(vs->core);
	if (vs->vols->cls->info)
		i = vs->vols->cls->info(vs->vols, vs->vol);
	if (!i)
		r = hv_error_set(err, EIO, "cannot wipe volume '%s': its size is not known",
				 vs->vol->name);
	else if (i->format && strcmp(i->format, "raw") && strcmp(i->format, "none"))
		r = hv_error_set(err, EOPNOTSUPP, "cannot wipe volume '%s': zeroes would destroy "
				 "its %s header (wipe works on raw volumes)", vs->vol->name,
				 i->format);
	else
		*out = s->end != UINT64_MAX ? MIN(i->capacity, s->end - s->offset) : i->capacity;
	if (i)
		vs->vols->cls->info_free(i);
	hv_core_unlock(vs->core);
	return r;
}

int
hv_voldata_wipe(HvObjTab *pools, const char *pool, const char *name, unsigned algorithm,
		GError **err)
{
	g_autofree char *zero = NULL;
	HvDataStream *s = NULL;
	uint64_t left = 0;
	int r;

	if ((r = hv_voldata_open(pools, pool, name, true, 0, 0, 0, &s, err)) < 0)
		return r;
	rename_job(s, &job_wipe);
	if (!((VolStream *)s)->job) {
		s->ops->close(s);
		return hv_error_set(err, EBUSY, "volume '%s' in pool '%s' is busy", name, pool);
	}
	if (((VolStream *)s)->ops->wipe) {
		VolStream *vs = (VolStream *)s;

		hv_core_lock(vs->core);
		r = vs->ops->wipe(vs->vols, vs->vol, algorithm, err);
		hv_core_unlock(vs->core);
		if (r <= 0) {
			if (r == 0)
				r = s->ops->finish(s, err);
			s->ops->close(s);
			return r;
		}
		r = 0; /* no way of its own for this volume: zeroes, below */
	}
	if (algorithm != 0) {
		s->ops->close(s);
		return hv_error_set(err, EOPNOTSUPP, "cannot wipe volume '%s' in pool '%s': only "
				    "the zero algorithm is supported", name, pool);
	}
	if ((r = raw_size(s, &left, err)) < 0) {
		s->ops->close(s);
		return r;
	}
	zero = g_malloc0(COPY_CHUNK);
	((VolStream *)s)->total = left;
	while (r == 0 && left > 0) {
		size_t n = (size_t)MIN(left, (uint64_t)COPY_CHUNK);

		r = s->ops->write(s, zero, n, err);
		left -= n;
	}
	if (r == 0)
		r = s->ops->finish(s, err);
	s->ops->close(s);
	return r;
}

/* A clone within src's pool its class's own way: 1 done, 0 not its way. */
static int
clone_within(HvObjTab *pools, const char *pool, const char *xml, const char *src,
	     char **name, GError **err)
{
	const HvObjClass *cc = pools->cls->children;
	HvJob *pj = NULL, *job = NULL;
	HvEntry *p, *o;
	int r = -ENOENT;

	if (!cc || !cc->data || !cc->data->clone)
		return 0;
	hv_core_lock(pools->core);
	if ((p = pool_begin(pools, pool, &pj, err)) && (o = hv_objtab_find(p->children, src, err)) &&
	    (r = hv_job_begin(o, &job_download, &job, err)) == 0) {
		r = cc->data->clone(p->children, o, xml, name, err);
		hv_job_end(job);
	}
	hv_job_end(pj);
	hv_core_unlock(pools->core);
	return r;
}

int
hv_voldata_clone(HvObjTab *pools, const char *pool, const char *xml, const char *src_pool,
		 const char *src, char **name_out, GError **err)
{
	g_autofree char *name = NULL;
	HvDataStream *in = NULL, *out = NULL;
	int r;

	if (g_strcmp0(pool, src_pool) == 0 &&
	    (r = clone_within(pools, pool, xml, src, &name, err)) != 0) {
		if (r > 0 && name_out)
			*name_out = g_steal_pointer(&name);
		return r < 0 ? r : 0;
	}
	if ((r = hv_objtab_child_create(pools, pool, xml, &name, err)) < 0)
		return r;
	if ((r = hv_voldata_open(pools, src_pool, src, false, 0, 0, 0, &in, err)) == 0 &&
	    (r = hv_voldata_open(pools, pool, name, true, 0, 0, HV_UPLOAD_REPLACE, &out, err)) == 0) {
		rename_job(out, &job_clone);
		((VolStream *)out)->total = ((VolStream *)in)->total;
		r = ((VolStream *)out)->job ? copy(in, out, err)
					    : hv_error_set(err, EBUSY, "volume '%s' is busy", name);
		if (r == 0)
			r = out->ops->finish(out, err);
	}
	if (in)
		in->ops->close(in);
	if (out)
		out->ops->close(out);
	if (r < 0) {
		hv_objtab_child_run(pools, pool, name, HV_VERB_DELETE, NULL, NULL);
		return r;
	}
	if (name_out)
		*name_out = g_steal_pointer(&name);
	return 0;
}
