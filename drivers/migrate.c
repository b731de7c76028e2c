/* migrate.c: one migration between two connections, libvirt's v3 sequence
 * (virDomainMigrateVersion3Full): begin on the source, prepare on the target,
 * perform on the source, finish on the target (cancelled when perform
 * failed), confirm on the source (cancelled when perform or finish failed).
 * Only the checkpoint (conn.h) is called, so both ends may be any driver.
 * Each phase's cookie goes to the next phase, on the other end, as libvirt's
 * client carries it (Begin -> Prepare -> Perform -> Finish -> Confirm; an
 * offline move gives finish none). The source's phases have
 * CHANGE_PROTECTION, as libvirt's client gives them to a source that has it
 * (a libvirtd's offline confirm needs the job its begin kept). */
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
	if (!hv_params_find(ps, "migrate_uri") && host && *host) {
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

int
hv_migrate(HvConn *src, HvConn *dst, const char *name, const GArray *params, unsigned flags,
	   GError **err)
{
	g_autoptr(GArray) ps = params_copy(params);
	g_autofree char *uri = NULL, *held = NULL;
	HvMigCookie ck = { 0 };
	unsigned sflags = flags | HV_MIGRATE_CHANGE_PROTECTION; /* the source's phases */
	int r, f;

	r = begin(src, dst, name, ps, &ck, sflags, err);
	cookie_pass(&ck, &held);
	if (r < 0)
		return r;
	r = HV_CALL(dst, domain, migrate_prepare, HV_WRITES, err, ps, &ck, flags, &uri);
	cookie_pass(&ck, &held);
	if (r < 0) {
		(void)HV_CALL(src, domain, migrate_confirm, HV_WRITES, NULL, name, ps, &ck, sflags,
			      true);
		g_free(ck.out);
		return r;
	}
	if (!(flags & HV_MIGRATE_OFFLINE)) {
		param_set(ps, "migrate_uri", uri);
		r = HV_CALL(src, domain, migrate_perform, HV_WRITES, err, name, ps, &ck, sflags);
		cookie_pass(&ck, &held);
	} else { /* as libvirt's client: prepare's cookie is not finish's */
		g_clear_pointer(&held, g_free);
		ck.in = NULL;
	}
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
