/* qemu_migration.c: live and offline migration of qemu domains, the five
 * phases of libvirt's protocol v3 (driver.h: migrate_begin .. migrate_confirm;
 * drivers/migrate.c runs them between two nodes, virsh runs them through
 * hyperfsd). The target starts QEMU paused with -incoming tcp:HOST:PORT; the
 * source sends the guest with QMP `migrate` and watches query-migrate as the
 * domain's abortable job (migration-out), whose counters the `job` file
 * shows. Disks are used where they are (shared storage), or copied with
 * copy-storage (qemu_migration_nbd.c: NBD and drive-mirror). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "drivers/qemu/qemu_migration.h"
#include "drivers/qemu/qemu_migration_nbd.h"
#include "drivers/qemu/qemu_migration_opts.h"
#include "drivers/qemu/qemu_process.h"

static const HvJobType job_out = { "migration-out", HV_JOB_MODIFY,
				   HV_JOBF_ABORTABLE | HV_JOBF_QUERIES };
static const HvJobType job_in = { "migration-in", HV_JOB_MODIFY, HV_JOBF_QUERIES };
static const HvJobType job_gone = { "migration-confirm", HV_JOB_DESTROY, 0 };

#define POLL_US (50 * 1000)           /* query-migrate, while a migration runs */
#define FINISH_WAIT_US (60 * G_USEC_PER_SEC) /* the target's last pages, after the source's end */

/* ---- begin (source) */

int
qemu_migrate_begin(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		   unsigned flags, char **xml, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_auto(QemuMigCookie) mc = { 0 };
	g_autofree char *uuid = NULL;
	QemuDomain *d;
	int r = 0;

	qemu_mig_cookie_init(&mc);
	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if ((flags & HV_MIGRATE_OFFLINE) && !d->o->persistent)
		r = hv_error_set(err, EINVAL, "cannot migrate domain '%s' offline: it is not "
				 "persistent", name);
	else if (!(flags & HV_MIGRATE_OFFLINE) && !qemu_domain_active(d))
		r = hv_error_set(err, EINVAL, "cannot migrate domain '%s': domain is not running "
				 "(an offline migration moves its definition)", name);
	else if ((flags & QEMU_MIG_COPY) && (flags & HV_MIGRATE_OFFLINE))
		r = hv_error_set(err, EINVAL, "cannot migrate domain '%s' offline with "
				 "copy-storage: its disks are copied only while it runs", name);
	else if ((flags & QEMU_MIG_COPY) && !d->mon)
		r = hv_error_set(err, EINVAL, "cannot migrate domain '%s': domain is not running",
				 name);
	else
		*xml = qemu_domain_xml(qc->domains, d->o,
				       flags & HV_MIGRATE_OFFLINE ? HV_XML_INACTIVE : 0);
	if (r == 0)
		uuid = g_strdup(qemu_dom_def(d)->uuid);
	/* last: it lets the lock go, and d with it */
	if (r == 0 && (flags & QEMU_MIG_COPY) && (r = qemu_nbd_begin(qc, d, params, &mc, err)) < 0)
		g_clear_pointer(xml, g_free);
	hv_core_unlock(&qc->core);
	if (r == 0)
		ck->out = qemu_mig_cookie_format(&mc, name, uuid);
	return r;
}

/* ---- prepare (target) */

/* Lock held: a transient entry for def, QEMU started on it listening at
 * incoming, the capabilities set. The entry goes again on failure. */
typedef struct {
	const QemuMigCookie *in; /* copy-storage: the disks to serve, else NULL */
	const char *listen;
	unsigned nbd_port;
	GPtrArray *created;      /* volumes made for them (given to the domain) */
	QemuMigCookie *out;      /* prepare's cookie: the NBD port and exports */
} Incoming;

static int
prepare_incoming(QemuConn *qc, HvDomainDef *def, const char *incoming, unsigned flags,
		 Incoming *nbd, GError **err)
{
	g_autofree char *name = g_strdup(def->name);
	g_autoptr(QemuMon) m = NULL;
	HvEntry *o;
	HvJob *job = NULL;
	int r;

	if ((r = hv_objtab_add(qc->domains, def, HV_ADD_PREPARE, &o, err)) < 0)
		return r;
	if ((r = hv_job_begin(o, &job_in, &job, err)) == 0 &&
	    (r = qemu_process_start(qc->domains, o, job, 0, &(QemuStartArg){ .incoming = incoming }, err)) == 0) {
		m = qemu_mon_ref(qemu_dom(o)->mon);
		hv_core_unlock(&qc->core);
		r = qemu_mig_set_caps(m, flags, err);
		if (r == 0 && nbd->in)
			r = qemu_nbd_serve(m, nbd->in, nbd->listen, nbd->nbd_port, nbd->out, err);
		hv_core_lock(&qc->core);
		if (r == 0)
			qemu_emit(qc, name, "started", "migrated");
		if (r == 0 && nbd->created) /* until finish: kept, or removed */
			g_hash_table_replace(qc->incoming, g_strdup(name),
					     g_steal_pointer(&nbd->created));
	}
	hv_job_end(job);
	if (r < 0 && (o = hv_objtab_lookup(qc->domains, name)) && qemu_domain_active(qemu_dom(o))) {
		hv_core_unlock(&qc->core);
		(void)hv_objtab_run(qc->domains, name, HV_VERB_DESTROY, NULL, NULL);
		hv_core_lock(&qc->core);
	}
	if (r < 0 && (o = hv_objtab_lookup(qc->domains, name)) && !o->active && !o->persistent)
		hv_objtab_remove(qc->domains, o);
	return r;
}

/* A free port for the NBD server, not the migration's (which the kernel
 * may give again). */
static int
nbd_port(unsigned mig_port, GError **err)
{
	for (int tries = 0; tries < 8; tries++) {
		int r = qemu_mig_free_port(err);

		if (r < 0 || (unsigned)r != mig_port)
			return r;
	}
	return hv_error_set(err, EADDRINUSE, "no free TCP port for the NBD server of an incoming "
			    "migration");
}

int
qemu_migrate_prepare(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags, char **uri,
		     GError **err)
{
	QemuConn *qc = qemu_conn(c);
	const char *xml = qemu_mig_param_str(params, "destination_xml");
	const char *given = qemu_mig_param_str(params, "migrate_uri");
	const char *listen = qemu_mig_param_str(params, "listen_address");
	g_autofree char *host = NULL, *incoming = NULL;
	g_autoptr(GError) perr = NULL;
	g_auto(QemuMigCookie) mc = { 0 }, out = { 0 };
	Incoming nbd = { .listen = listen ? listen : "0.0.0.0", .out = &out };
	g_autofree char *name = NULL;
	char uuid[HV_UUID_STRLEN];
	HvDomainDef *def;
	unsigned port = 0;
	int r;

	*uri = NULL;
	if (!xml)
		return hv_error_set(err, EINVAL, "a migration needs the domain's definition "
				    "(destination_xml)");
	if (flags & HV_MIGRATE_OFFLINE)
		return 0; /* the definition comes at finish */
	if (given && qemu_mig_uri_host(given, &host, &port, err) < 0)
		return -EINVAL;
	if (!port && (r = qemu_mig_free_port(err)) < 0)
		return r;
	port = port ? port : (unsigned)r;
	if (!host)
		host = g_strdup(g_get_host_name());
	if ((flags & QEMU_MIG_COPY) && (r = qemu_mig_cookie_parse(ck->in, &mc, err)) < 0)
		return r;
	if ((flags & QEMU_MIG_COPY) && mc.disks->len && mc.from_libvirt)
		return hv_error_set(err, EPROTO, "cannot copy the disks of domain '%s' from a "
				    "libvirtd: copy-storage works between hyperfs nodes only (its "
				    "cookie gives no disk formats, its mirrors other export names)",
				    mc.name ? mc.name : "");
	if ((flags & QEMU_MIG_COPY) && mc.disks->len) {
		if ((r = nbd_port(port, err)) < 0)
			return r;
		nbd.nbd_port = (unsigned)r;
		nbd.in = &mc;
	}
	if (!(def = hv_domain_defs.parse(xml, strlen(xml), &perr))) {
		r = -perr->code;
		g_propagate_error(err, g_steal_pointer(&perr));
		return r;
	}
	qemu_mig_cookie_init(&out);
	name = g_strdup(def->name);
	g_strlcpy(uuid, def->uuid, sizeof(uuid));
	if (nbd.in && (r = qemu_nbd_precreate(qc, def, nbd.in, flags, &nbd.created, err)) < 0) {
		hv_domain_def_free(def);
		return r;
	}
	incoming = g_strdup_printf("tcp:%s:%u", listen ? listen : "0.0.0.0", port);
	hv_core_lock(&qc->core);
	r = prepare_incoming(qc, def, incoming, flags, &nbd, err);
	hv_core_unlock(&qc->core);
	qemu_nbd_remove(qc, g_steal_pointer(&nbd.created)); /* what prepare did not hand on */
	if (r == 0) {
		*uri = g_strdup_printf("tcp:%s:%u", host, port);
		ck->out = qemu_mig_cookie_format(&out, name, uuid);
	}
	return r;
}

int
qemu_migrate_prepare_at(HvConn *c, const GArray *params, unsigned flags, const char *incoming,
			GError **err)
{
	QemuConn *qc = qemu_conn(c);
	const char *xml = qemu_mig_param_str(params, "destination_xml");
	g_autoptr(GError) perr = NULL;
	Incoming none = { 0 };
	HvDomainDef *def;
	int r;

	if (!xml)
		return hv_error_set(err, EINVAL, "a migration needs the domain's definition "
				    "(destination_xml)");
	if (!(def = hv_domain_defs.parse(xml, strlen(xml), &perr))) {
		r = -perr->code;
		g_propagate_error(err, g_steal_pointer(&perr));
		return r;
	}
	hv_core_lock(&qc->core);
	r = prepare_incoming(qc, def, incoming, flags, &none, err);
	hv_core_unlock(&qc->core);
	return r;
}

static int confirm_cancelled(QemuConn *qc, QemuDomain *d, GError **err);

/* ---- perform (source) */

/* The counters of a query-migrate answer into the job. */
static void
note_progress(HvJob *job, const QJson *reply, const QemuMirrors *mir)
{
	const QJson *ram = qjson_get(reply, "ram");
	int64_t total = 0, done = 0, left = 0, rate = 0, page = 4096, iter = 0;
	HvJobProgress p;

	if (ram)
		qjson_get_int(ram, "total", &total);
	if (!ram && !mir->started)
		return;
	qjson_get_int(ram, "transferred", &done);
	qjson_get_int(ram, "remaining", &left);
	qjson_get_int(ram, "dirty-pages-rate", &rate);
	qjson_get_int(ram, "page-size", &page);
	qjson_get_int(ram, "dirty-sync-count", &iter);
	p = (HvJobProgress){ .total_bytes = (uint64_t)total, .processed_bytes = (uint64_t)done,
			     .remaining_bytes = (uint64_t)left,
			     .rate = (uint64_t)rate * (uint64_t)page, .iteration = (uint64_t)iter };
	qemu_mirrors_progress(mir, &p);
	hv_job_set_progress(job, &p);
}

/* QEMU's figures of a completed migration, from its last query-migrate:
 * perform's cookie takes them to the target (the completed job there). */
typedef struct {
	int64_t total_ms, downtime_ms, ram_bytes;
} MigDone;

static void
note_done(const QJson *reply, MigDone *done)
{
	const QJson *ram = qjson_get(reply, "ram");

	*done = (MigDone){ 0 };
	qjson_get_int(reply, "total-time", &done->total_ms);
	qjson_get_int(reply, "downtime", &done->downtime_ms);
	if (ram)
		qjson_get_int(ram, "transferred", &done->ram_bytes);
}

/* Lock held on entry and return: polls query-migrate until the migration
 * ends; an abort (or destroy) cancels it. 0 when completed (*done: QEMU's
 * figures). */
/* No lock held: paused before the switch-over (pause-before-switchover,
 * with copy-storage): the mirrors end, then the migration goes on. */
static int
switch_over(QemuMon *m, const char *name, QemuMirrors *mir, GError **err)
{
	int r = qemu_mirrors_end(m, name, mir, false, err);

	return r < 0 ? r : qemu_mon_command(m, "migrate-continue", "{\"state\":\"pre-switchover\"}",
					    NULL, err);
}

static int
watch(QemuConn *qc, QemuDomain *d, HvJob *job, QemuMon *m, unsigned flags, QemuMirrors *mir,
      MigDone *done, GError **err)
{
	const char *name = d->o->name;
	bool cancelled = false, postcopy = false;

	for (;;) {
		g_autoptr(QJson) reply = NULL;
		bool stop = hv_job_stop_requested(job), to_postcopy = false;
		const char *st;
		int r;

		hv_core_unlock(&qc->core);
		if (stop && !cancelled)
			cancelled = qemu_mon_command(m, "migrate_cancel", NULL, NULL, NULL) == 0;
		r = qemu_mon_command(m, "query-migrate", NULL, &reply, err);
		st = r == 0 ? qjson_get_str(reply, "status") : NULL;
		if (r == 0 && mir->started && !cancelled)
			r = qemu_mirrors_poll(m, name, mir, err) < 0 ? -EIO : 0;
		if (r == 0 && st && g_str_equal(st, "pre-switchover") && !cancelled)
			r = switch_over(m, name, mir, err);
		hv_core_lock(&qc->core);
		if (r < 0)
			return hv_job_check(job, NULL) < 0 ? (g_clear_error(err), hv_job_check(job, err))
							   : r;
		note_progress(job, reply, mir);
		if (st && g_str_equal(st, "completed")) {
			note_done(reply, done);
			return 0;
		}
		if (st && g_str_equal(st, "cancelled"))
			return hv_error_set(err, ECANCELED, "migration of domain '%s' was aborted",
					    name);
		if (st && g_str_equal(st, "failed"))
			return hv_error_set(err, EIO, "migration of domain '%s' failed: %s", name,
					    qjson_get_str(reply, "error-desc") ?: "QEMU gives no reason");
		if ((flags & HV_MIGRATE_POSTCOPY) && !postcopy && st && g_str_equal(st, "active")) {
			int64_t iter = 0;
			const QJson *ram = qjson_get(reply, "ram");

			to_postcopy = ram && qjson_get_int(ram, "dirty-sync-count", &iter) && iter >= 2;
		}
		if (to_postcopy) {
			hv_core_unlock(&qc->core);
			postcopy = qemu_mon_command(m, "migrate-start-postcopy", NULL, NULL, err) == 0;
			hv_core_lock(&qc->core);
			if (!postcopy)
				return -EIO;
		}
		if (stop) {
			hv_core_unlock(&qc->core);
			g_usleep(POLL_US / 5);
			hv_core_lock(&qc->core);
		} else {
			(void)hv_job_wait(job, g_get_monotonic_time() + POLL_US, NULL);
		}
	}
}

/* Lock held on entry and return: until every mirror is ready (the job shows
 * their progress); an abort (or destroy) ends the wait. */
static int
mirrors_ready(QemuConn *qc, HvJob *job, QemuMon *m, const char *name, QemuMirrors *mir,
	      GError **err)
{
	for (;;) {
		HvJobProgress p = { 0 };
		int r;

		if (hv_job_stop_requested(job)) /* abort, or a destroy */
			return hv_error_set(err, ECANCELED, "migration of domain '%s' was aborted",
					    name);
		hv_core_unlock(&qc->core);
		r = qemu_mirrors_poll(m, name, mir, err);
		hv_core_lock(&qc->core);
		if (r < 0)
			return hv_job_check(job, NULL) < 0 ? (g_clear_error(err), hv_job_check(job, err))
							   : r;
		qemu_mirrors_progress(mir, &p);
		hv_job_set_progress(job, &p);
		if (r == 1)
			return 0;
		(void)hv_job_wait(job, g_get_monotonic_time() + POLL_US, NULL);
	}
}

/* Lock held, the job held, the monitor m: the options, the disk copies when
 * asked, the migration and its watch. */
static int
send_guest(QemuConn *qc, QemuDomain *d, HvJob *job, QemuMon *m, const char *args,
	   const char *host, const GArray *params, HvMigCookie *ck, unsigned flags, MigDone *done,
	   GError **err)
{
	g_auto(QemuMigCookie) mc = { 0 };
	g_auto(QemuMirrors) mir = { 0 };
	g_autofree char *name = g_strdup(d->o->name);
	g_autoptr(GPtrArray) wanted = qemu_nbd_wanted(qemu_dom_def(d), params);
	uint64_t mib = 0;
	int r;

	(void)qemu_mig_param_u64(params, "bandwidth", &mib);
	hv_core_unlock(&qc->core);
	r = (flags & QEMU_MIG_COPY) ? qemu_mig_cookie_parse(ck->in, &mc, err) : 0;
	if (r == 0 && (r = qemu_mig_set_caps(m, flags, err)) == 0 && (r = qemu_mig_set_params(m, params, err)) == 0 &&
	    (flags & QEMU_MIG_COPY))
		r = qemu_mirrors_start(m, name, host, &mc, wanted, flags, mib << 20, &mir, err);
	hv_core_lock(&qc->core);
	if (r == 0 && mir.started)
		r = mirrors_ready(qc, job, m, name, &mir, err);
	if (r == 0) {
		hv_core_unlock(&qc->core);
		r = qemu_mon_command(m, "migrate", args, NULL, err);
		hv_core_lock(&qc->core);
	}
	if (r == 0 && (r = watch(qc, d, job, m, flags, &mir, done, err)) < 0) {
		/* a mirror failed mid-way, or the switch-over: the memory stays too
		 * (harmless when QEMU's migration has ended already) */
		hv_core_unlock(&qc->core);
		(void)qemu_mon_command(m, "migrate_cancel", NULL, NULL, NULL);
		hv_core_lock(&qc->core);
	}
	if (r < 0 && mir.started) { /* the copy is given up: the guest stays here */
		hv_core_unlock(&qc->core);
		(void)qemu_mirrors_end(m, name, &mir, true, NULL);
		hv_core_lock(&qc->core);
	}
	return r;
}

/* Lock held: perform's cookie (owned), QEMU's figures in it. */
static char *
perform_cookie(QemuDomain *d, const MigDone *done)
{
	g_auto(QemuMigCookie) mc = { 0 };

	qemu_mig_cookie_init(&mc);
	mc.stats = true;
	mc.total_ms = (uint64_t)done->total_ms;
	mc.downtime_ms = (uint64_t)done->downtime_ms;
	mc.ram_bytes = (uint64_t)done->ram_bytes;
	return qemu_mig_cookie_format(&mc, d->o->name, qemu_dom_def(d)->uuid);
}

int
qemu_migrate_send(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		  unsigned flags, const char *target, const char *host, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *args = NULL;
	g_autoptr(GString) quoted = g_string_new(NULL);
	g_autoptr(QemuMon) m = NULL;
	QemuDomain *d;
	HvJob *job = NULL;
	MigDone done = { 0 };
	int r;

	qjson_append_str(quoted, target);
	args = g_strdup_printf("{\"uri\":%s}", quoted->str);
	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if ((r = hv_job_begin(d->o, &job_out, &job, err)) < 0)
		;
	else if (!qemu_domain_active(d) || !d->mon)
		r = hv_error_set(err, EINVAL, "cannot migrate domain '%s': domain is not running",
				 name);
	else
		m = qemu_mon_ref(d->mon);
	if (m) {
		d->mig_was_running = d->state == HV_DOMAIN_RUNNING;
		r = send_guest(qc, d, job, m, args, host, params, ck, flags, &done, err);
		if (r == 0)
			ck->out = perform_cookie(d, &done);
		/* libvirt's clients confirm only a perform that succeeded: a
		 * failed one leaves the guest as it was, here */
		if (r < 0 && d->mon == m)
			(void)confirm_cancelled(qc, d, NULL);
	}
	hv_job_end(job);
	hv_core_unlock(&qc->core);
	return r;
}

int
qemu_migrate_perform(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		     unsigned flags, GError **err)
{
	const char *uri = qemu_mig_param_str(params, "migrate_uri");
	g_autofree char *host = NULL, *target = NULL;
	unsigned port;

	if (!uri)
		return hv_error_set(err, EINVAL, "migration of domain '%s' needs a target URI "
				    "(migrate_uri)", name);
	if (qemu_mig_uri_host(uri, &host, &port, err) < 0)
		return -EINVAL;
	if (!port)
		return hv_error_set(err, EINVAL, "migration URI '%s' has no port", uri);
	target = g_strdup_printf("tcp:%s:%u", host, port);
	return qemu_migrate_send(c, name, params, ck, flags, target, host, err);
}

/* ---- finish (target) */

/* No lock held: the last of the guest has come (query-migrate on the target). */
static int
wait_arrived(QemuMon *m, const char *name, GError **err)
{
	int64_t end = g_get_monotonic_time() + FINISH_WAIT_US;

	for (;;) {
		g_autoptr(QJson) reply = NULL;
		const char *st;

		if (qemu_mon_command(m, "query-migrate", NULL, &reply, err) < 0)
			return -EIO;
		st = qjson_get_str(reply, "status");
		if (st && g_str_equal(st, "completed"))
			return 0;
		if (st && g_str_equal(st, "failed"))
			return hv_error_set(err, EIO, "incoming migration of domain '%s' failed: %s",
					    name, qjson_get_str(reply, "error-desc") ?: "QEMU gives "
					    "no reason");
		if (g_get_monotonic_time() > end)
			return hv_error_set(err, ETIMEDOUT, "incoming migration of domain '%s' did not "
					    "end in %d s", name, (int)(FINISH_WAIT_US / G_USEC_PER_SEC));
		g_usleep(POLL_US / 5);
	}
}

/* Lock held: the source's figures in perform's cookie become the domain's
 * completed job (a cookie without them, or not ours: none). */
static void
note_completed(QemuDomain *d, const char *cookie)
{
	g_auto(QemuMigCookie) mc = { 0 };

	d->mig_done_pid = 0;
	if (qemu_mig_cookie_parse(cookie, &mc, NULL) < 0 || !mc.stats)
		return;
	d->mig_done_pid = d->pid;
	d->mig_done[0] = mc.total_ms;
	d->mig_done[1] = mc.downtime_ms;
	d->mig_done[2] = mc.ram_bytes;
}

int
qemu_migrate_completed(HvConn *c, const char *name, HvJobInfo *out, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;
	int r = 0;

	memset(out, 0, sizeof(*out));
	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if (d->mig_done_pid && d->mig_done_pid == d->pid) { /* the same QEMU still runs */
		*out = (HvJobInfo){ .type = g_strdup("migration-in"), .elapsed_ms = d->mig_done[0],
				    .downtime_ms = d->mig_done[1], .total_bytes = d->mig_done[2],
				    .processed_bytes = d->mig_done[2] };
		r = 1;
	}
	hv_core_unlock(&qc->core);
	return r;
}

/* The domain's name: destination_name, else the one in destination_xml. */
static char *
finish_name(const GArray *params, HvDomainDef **def, GError **err)
{
	const char *xml = qemu_mig_param_str(params, "persistent_xml") ?: qemu_mig_param_str(params, "destination_xml");
	const char *name = qemu_mig_param_str(params, "destination_name");

	if (!xml) {
		hv_error_set(err, EINVAL, "a migration needs the domain's definition "
			     "(destination_xml)");
		return NULL;
	}
	if (!(*def = hv_domain_defs.parse(xml, strlen(xml), err)))
		return NULL;
	return g_strdup(name ? name : (*def)->name);
}

/* Lock held, the job held: the guest runs here (unless PAUSED). */
static int
finish_live(QemuConn *qc, QemuDomain *d, HvJob *job, unsigned flags, GError **err)
{
	g_autoptr(QemuMon) m = qemu_mon_ref(d->mon);
	const char *name = d->o->name;
	bool nbd = g_hash_table_contains(qc->incoming, name);
	int r;

	hv_core_unlock(&qc->core);
	r = wait_arrived(m, name, err);
	if (r == 0 && nbd)
		qemu_nbd_stop(m); /* the disks came before the memory's end */
	if (r == 0 && !(flags & HV_MIGRATE_PAUSED))
		r = qemu_mon_command(m, "cont", NULL, NULL, err);
	hv_core_lock(&qc->core);
	if (r == 0)
		r = hv_job_check(job, err);
	if (r < 0)
		return r;
	if (!(flags & HV_MIGRATE_PAUSED))
		qemu_domain_set_state(qc, d, HV_DOMAIN_RUNNING, QR_RUNNING_MIGRATED, "resumed",
				      "migrated");
	return 0;
}

/* No lock held: the incoming guest name is destroyed and the volumes its
 * prepare made are removed. */
static void
finish_abandon(QemuConn *qc, const char *name)
{
	g_autoptr(GPtrArray) created = NULL;
	gpointer key = NULL;

	hv_core_lock(&qc->core);
	if (g_hash_table_steal_extended(qc->incoming, name, &key, (gpointer *)&created))
		g_free(key);
	hv_core_unlock(&qc->core);
	(void)hv_objtab_run(qc->domains, name, HV_VERB_DESTROY, NULL, NULL);
	if (created)
		qemu_nbd_remove(qc, g_steal_pointer(&created));
}

int
qemu_migrate_finish(HvConn *c, const GArray *params, HvMigCookie *ck, unsigned flags,
		    bool cancelled, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autoptr(HvDomainDef) def = NULL;
	g_autofree char *name = finish_name(params, &def, err);
	g_autoptr(GPtrArray) created = NULL;
	gpointer key = NULL;
	QemuDomain *d;
	HvJob *job = NULL;
	int r;

	if (!name) { /* a definition it cannot take: the guest that came goes */
		if (!(flags & HV_MIGRATE_OFFLINE) && qemu_mig_param_str(params, "destination_name"))
			finish_abandon(qc, qemu_mig_param_str(params, "destination_name"));
		return -EINVAL;
	}
	if (flags & HV_MIGRATE_OFFLINE) {
		if (cancelled)
			return 0;
		hv_core_lock(&qc->core);
		r = hv_objtab_define_locked(qc->domains, g_steal_pointer(&def), NULL, err);
		hv_core_unlock(&qc->core);
		return r;
	}
	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if (cancelled)
		r = 0;
	else if ((r = hv_job_begin(d->o, &job_in, &job, err)) == 0 && !d->mon)
		r = hv_error_set(err, EIO, "domain '%s' stopped during its incoming migration", name);
	else if (r == 0)
		r = finish_live(qc, d, job, flags, err);
	if (r == 0 && !cancelled)
		note_completed(d, ck->in);
	hv_job_end(job); /* before the define, which takes a job of its own */
	if (r == 0 && !cancelled && (flags & HV_MIGRATE_PERSIST_DEST))
		r = hv_objtab_define_locked(qc->domains, g_steal_pointer(&def), NULL, err);
	/* the copies stay, or go with the guest (also when it went by itself) */
	if (g_hash_table_steal_extended(qc->incoming, name, &key, (gpointer *)&created))
		g_free(key);
	hv_core_unlock(&qc->core);
	if ((cancelled || r < 0) && d)
		(void)hv_objtab_run(qc->domains, name, HV_VERB_DESTROY, NULL, NULL);
	if ((cancelled || r < 0) && created)
		qemu_nbd_remove(qc, g_steal_pointer(&created));
	return r;
}

/* ---- confirm (source) */

/* Lock held: the guest goes on here, running again if it was. */
static int
confirm_cancelled(QemuConn *qc, QemuDomain *d, GError **err)
{
	g_autoptr(QemuMon) m = NULL;
	int r;

	if (!qemu_domain_active(d) || !d->mon || !d->mig_was_running)
		return 0;
	m = qemu_mon_ref(d->mon);
	hv_core_unlock(&qc->core);
	r = qemu_mon_command(m, "cont", NULL, NULL, err);
	hv_core_lock(&qc->core);
	if (r == 0 && d->mon == m && d->state != HV_DOMAIN_RUNNING)
		qemu_domain_set_state(qc, d, HV_DOMAIN_RUNNING, QR_RUNNING_MIGRATED, "resumed",
				      "migrated");
	return r;
}

int
qemu_migrate_confirm(HvConn *c, const char *name, const GArray *params, HvMigCookie *ck,
		     unsigned flags, bool cancelled, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	QemuDomain *d;
	HvJob *job = NULL;
	int r = 0;

	hv_core_lock(&qc->core);
	if (!(d = qemu_domain_find(qc, name, err)))
		r = -ENOENT;
	else if (cancelled && !(flags & HV_MIGRATE_OFFLINE))
		r = confirm_cancelled(qc, d, err);
	else if (!cancelled && qemu_domain_active(d) && (r = hv_job_begin(d->o, &job_gone, &job,
									       err)) == 0)
		r = qemu_process_destroy(qc->domains, d->o, job, QR_OFF_MIGRATED, NULL, err);
	hv_job_end(job);
	hv_core_unlock(&qc->core);
	if (r == 0 && !cancelled && (flags & HV_MIGRATE_UNDEFINE_SOURCE)) {
		g_autoptr(GError) uerr = NULL;

		/* a transient domain is gone already */
		if (hv_objtab_undefine(qc->domains, name, &uerr) < 0 && uerr->code != ENOENT) {
			r = -uerr->code;
			g_propagate_error(err, g_steal_pointer(&uerr));
		}
	}
	return r;
}
