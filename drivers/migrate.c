/* migrate.c: one migration between two connections, libvirt's v3 sequence
 * (virDomainMigrateVersion3Full): begin on the source, prepare on the target,
 * perform on the source, finish on the target (cancelled when perform
 * failed), confirm on the source (cancelled when perform or finish failed).
 * Only the checkpoint (conn.h) is called, so both ends may be any driver.
 * Each phase's cookie goes to the next phase, on the other end, as libvirt's
 * client carries it (Begin -> Prepare -> Perform -> Finish -> Confirm; an
 * offline move gives finish none). The source's phases have
 * CHANGE_PROTECTION, as libvirt's client gives them to a source that has it
 * (a libvirtd's offline confirm needs the job its begin kept). A
 * peer-to-peer migration (migrate_p2p.c) runs the same sequence from the
 * source's daemon, tunnelled or not, and gives perform up when the target
 * goes away. */
#include "drivers/migrate.h"
#include "drivers/conn.h"

/* ps without field, then field = s. */
static void
param_set(GArray *ps, const char *field, const char *s)
{
	for (guint k = ps->len; k-- > 0;)
		if (g_str_equal(g_array_index(ps, HvParam, k).field, field))
			g_array_remove_index(ps, k);
	hv_params_add(ps, field, HV_PARAM_STRING, 0, s);
}

static GArray *
params_copy(const GArray *in)
{
	GArray *ps = hv_params_new();

	for (guint k = 0; in && k < in->len; k++) {
		const HvParam *p = &g_array_index(in, HvParam, k);
		HvParam c = { .field = g_strdup(p->field), .type = p->type, .i = p->i, .d = p->d,
			      .s = g_strdup(p->s) };

		g_array_append_val(ps, c);
	}
	return ps;
}

/* The source's side before prepare: the definition to send, the persistent
 * one (PERSIST_DEST), the name, where the target listens. */
static int
begin(HvConn *src, HvConn *dst, const char *name, GArray *ps, HvMigCookie *ck, unsigned flags,
      GError **err)
{
	const bool tunnel = flags & HV_MIGRATE_TUNNELLED;
	g_autofree char *xml = NULL, *pxml = NULL, *uri = NULL;
	const char *host = dst->uri ? g_uri_get_host(dst->uri) : NULL;
	int r = HV_CALL(src, domain, migrate_begin, HV_WRITES, err, name, ps, ck, flags, &xml);

	if (r < 0)
		return r;
	if (!hv_params_find(ps, "destination_xml"))
		param_set(ps, "destination_xml", xml);
	if ((flags & HV_MIGRATE_PERSIST_DEST) && !(flags & HV_MIGRATE_OFFLINE) &&
	    !hv_params_find(ps, "persistent_xml") &&
	    HV_CALL(src, domain, get_xml, HV_READS, NULL, name, HV_XML_INACTIVE, &pxml) == 0)
		param_set(ps, "persistent_xml", pxml);
	if (!hv_params_find(ps, "destination_name"))
		param_set(ps, "destination_name", name);
	if (!tunnel && !hv_params_find(ps, "migrate_uri") && host && *host) {
		uri = g_strdup_printf(strchr(host, ':') ? "tcp://[%s]" : "tcp://%s", host);
		param_set(ps, "migrate_uri", uri);
	}
	return 0;
}

/* The cookie ck gave becomes the next phase's. */
static void
cookie_pass(HvMigCookie *ck, char **held)
{
	g_free(*held);
	*held = g_steal_pointer(&ck->out);
	ck->in = *held;
}

/* perform, given up (abort_job) as soon as dst is seen gone: a watch
 * thread asks dst's is_alive every WATCH_MS while perform runs. */
#define WATCH_MS 100

typedef struct {
	HvConn *src, *dst;
	const char *name;
	GMutex lock;
	GCond cond;
	bool done, lost;
	char *why;
} Watch;

static gpointer
watch_dst(gpointer data)
{
	Watch *w = data;

	g_mutex_lock(&w->lock);
	while (!w->done) {
		g_autofree char *why = NULL;
		int alive;

		g_mutex_unlock(&w->lock);
		alive = HV_CALL(w->dst, node, is_alive, HV_READS, NULL, &why);
		if (alive == 0)
			(void)HV_CALL(w->src, domain, abort_job, HV_WRITES, NULL, w->name);
		g_mutex_lock(&w->lock);
		if (alive == 0) {
			w->lost = true;
			w->why = g_steal_pointer(&why);
			break;
		}
		(void)g_cond_wait_until(&w->cond, &w->lock,
					g_get_monotonic_time() + WATCH_MS * G_TIME_SPAN_MILLISECOND);
	}
	g_mutex_unlock(&w->lock);
	return NULL;
}

static int
perform(HvConn *src, HvConn *dst, const char *name, GArray *ps, HvMigCookie *ck, unsigned flags,
	const HvMigrateHow *how, HvDataStream *st, GError **err)
{
	Watch w = { .src = src, .dst = dst, .name = name };
	GThread *t = NULL;
	int r;

	if (how && how->watch_dst && dst->driver->node && dst->driver->node->is_alive) {
		g_mutex_init(&w.lock);
		g_cond_init(&w.cond);
		t = g_thread_new("migrate-watch", watch_dst, &w);
	}
	if (st)
		r = HV_CALL(src, domain, migrate_perform_tunnel, HV_WRITES, err, name, ps, ck, flags,
			    st);
	else
		r = HV_CALL(src, domain, migrate_perform, HV_WRITES, err, name, ps, ck, flags);
	if (!t)
		return r;
	g_mutex_lock(&w.lock);
	w.done = true;
	g_cond_signal(&w.cond);
	g_mutex_unlock(&w.lock);
	g_thread_join(t);
	if (w.lost && r < 0) { /* libvirt's "Lost connection to destination host" */
		g_clear_error(err);
		r = hv_error_set(err, EIO, "migration of domain '%s' failed: the connection to the "
				 "destination '%s' was lost (%s)", name, dst->uri_str,
				 w.why ? w.why : "it went away");
	}
	g_free(w.why);
	g_mutex_clear(&w.lock);
	g_cond_clear(&w.cond);
	return r;
}

/* prepare on dst: where the guest goes (*uri), or the stream it goes into. */
static int
prepare(HvConn *dst, GArray *ps, HvMigCookie *ck, unsigned flags, char **uri,
	HvDataStream **st, GError **err)
{
	if (flags & HV_MIGRATE_TUNNELLED)
		return HV_CALL(dst, domain, migrate_prepare_tunnel, HV_WRITES, err, ps, ck, flags,
			       st);
	return HV_CALL(dst, domain, migrate_prepare, HV_WRITES, err, ps, ck, flags, uri);
}

int
hv_migrate(HvConn *src, HvConn *dst, const char *name, const GArray *params, unsigned flags,
	   GError **err)
{
	return hv_migrate_how(src, dst, name, params, flags, NULL, err);
}

int
hv_migrate_how(HvConn *src, HvConn *dst, const char *name, const GArray *params,
	       unsigned flags, const HvMigrateHow *how, GError **err)
{
	g_autoptr(GArray) ps = params_copy(params);
	g_autofree char *uri = NULL, *held = NULL;
	HvDataStream *st = NULL;
	HvMigCookie ck = { 0 };
	unsigned sflags = flags | HV_MIGRATE_CHANGE_PROTECTION; /* the source's phases */
	int r, f;

	r = begin(src, dst, name, ps, &ck, sflags, err);
	cookie_pass(&ck, &held);
	if (r < 0)
		return r;
	r = prepare(dst, ps, &ck, flags, &uri, &st, err);
	cookie_pass(&ck, &held);
	if (r < 0) {
		(void)HV_CALL(src, domain, migrate_confirm, HV_WRITES, NULL, name, ps, &ck, sflags,
			      true);
		g_free(ck.out);
		return r;
	}
	if (!(flags & HV_MIGRATE_OFFLINE)) {
		if (uri)
			param_set(ps, "migrate_uri", uri);
		r = perform(src, dst, name, ps, &ck, sflags, how, st, err);
		cookie_pass(&ck, &held);
	} else { /* as libvirt's client: prepare's cookie is not finish's */
		g_clear_pointer(&held, g_free);
		ck.in = NULL;
	}
	if (st) /* finished by perform, or given up (the target's QEMU then ends) */
		st->ops->close(st);
	f = HV_CALL(dst, domain, migrate_finish, HV_WRITES, r < 0 ? NULL : err, ps, &ck, flags,
		    r < 0);
	cookie_pass(&ck, &held);
	if (r == 0)
		r = f;
	f = HV_CALL(src, domain, migrate_confirm, HV_WRITES, r < 0 ? NULL : err, name, ps, &ck,
		    sflags, r < 0);
	g_free(ck.out);
	return r < 0 ? r : f;
}
