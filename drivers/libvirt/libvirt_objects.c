/* libvirt_objects.c: what the libvirt driver does the same way for domains,
 * networks and storage pools, over one LvKind row each (libvirt_priv.h):
 * lookup, the cached info, the listing (one ListAll call plus the infos not
 * cached, bad names skipped with a warning), the XML, define, and one call on a
 * named object that drops its cache entry whatever happens (an event may or may
 * not follow). */
#include "drivers/libvirt/libvirt_priv.h"
#include "util/names.h"

int
lv_obj_lookup(LvPriv *p, const LvKind *k, virConnectPtr conn, const char *name, void **out,
	      GError **err)
{
	*out = k->lookup(conn, name);
	return *out ? 0 : lv_fail(p, conn, err, "%s '%s'", k->what, name);
}

int
lv_obj_open(LvPriv *p, void *(*lookup)(virConnectPtr conn, const char *name), const char *what,
	    const char *name, virConnectPtr *conn, void **obj, GError **err)
{
	int rc = lv_conn_get(p, conn, err);

	*obj = NULL;
	if (rc < 0)
		return rc;
	*obj = lookup(*conn, name);
	return *obj ? 0 : lv_fail(p, *conn, err, "%s '%s'", what, name);
}

int
lv_obj_new(LvPriv *p, void *(*make)(virConnectPtr conn, const char *xml, unsigned flags),
	   const char *xml, unsigned flags, const char *verb, const char *what,
	   virConnectPtr *conn, void **obj, GError **err)
{
	int rc = lv_conn_get(p, conn, err);

	*obj = NULL;
	if (rc < 0)
		return rc;
	*obj = make(*conn, xml, flags);
	return *obj ? 0 : lv_fail(p, *conn, err, "cannot %s the %s", verb, what);
}

int
lv_cache_info(LvPriv *p, int kind, const char *name, LvFetch fetch, const void *ctx, void **out,
	      GError **err)
{
	g_autoptr(virConnect) conn = NULL;
	uint64_t gen;
	int rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	*out = lv_cache_get(p, kind, name, &gen);
	if (*out)
		return 0;
	rc = fetch(p, conn, ctx, out, err);
	if (rc == 0)
		lv_cache_put(p, kind, gen, name, *out);
	return rc;
}

typedef struct {
	const LvKind *k;
	const char *name;
} ObjRef;

static int
obj_fetch(LvPriv *p, virConnectPtr conn, const void *ctx, void **out, GError **err)
{
	const ObjRef *r = ctx;
	void *obj = NULL;
	int rc = lv_obj_lookup(p, r->k, conn, r->name, &obj, err);

	if (rc == 0)
		rc = r->k->info_of(p, conn, obj, out, err);
	if (obj)
		r->k->free(obj);
	return rc;
}

int
lv_obj_get_info(HvConn *c, const LvKind *k, const char *name, void **out, GError **err)
{
	ObjRef r = { k, name };

	return lv_cache_info(c->priv, k->cache, name, obj_fetch, &r, out, err);
}

int
lv_obj_list(HvConn *c, const LvKind *k, GPtrArray **out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(k->info_free);
	void **objs = NULL;
	uint64_t gen;
	int n, rc = lv_conn_get(p, &conn, err);

	if (rc < 0)
		return rc;
	if (lv_cache_list(p, k->cache, all, &gen)) {
		*out = g_steal_pointer(&all);
		return 0;
	}
	n = k->list_all(conn, &objs);
	if (n < 0)
		return lv_fail(p, conn, err, "cannot list the %ss", k->what);
	for (int i = 0; i < n; i++) {
		g_autoptr(GError) e = NULL;
		const char *name = k->name(objs[i]);
		void *info = NULL;
		uint64_t g;

		if (hv_name_check(k->what, name, &e) < 0)
			hv_conn_warn(c, "readdir", -EINVAL, e);
		else if ((info = lv_cache_get(p, k->cache, name, &g)) ||
			 k->info_of(p, conn, objs[i], &info, &e) == 0)
			g_ptr_array_add(all, info);
		else if (rc == 0 && e->code != ENOENT) /* gone meanwhile: left out */
			rc = -e->code, g_propagate_error(err, g_steal_pointer(&e));
		k->free(objs[i]);
	}
	free(objs);
	if (rc < 0)
		return rc;
	lv_cache_put_list(p, k->cache, gen, all, k->key);
	*out = g_steal_pointer(&all);
	return 0;
}

int
lv_obj_get_xml(HvConn *c, const LvKind *k, const char *name, unsigned flags, char **xml,
	       GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	void *obj = NULL;
	int rc = lv_obj_open(p, k->lookup, k->what, name, &conn, &obj, err);

	if (rc < 0)
		return rc;
	*xml = k->xml(obj, flags & (HV_XML_INACTIVE | HV_XML_SECURE));
	/* secrets refused (a read-only connection): asked for again without */
	if (!*xml && (flags & HV_XML_SECURE) && virGetLastErrorCode() == VIR_ERR_OPERATION_DENIED)
		*xml = k->xml(obj, flags & HV_XML_INACTIVE);
	/* libvirt's test driver takes no flags for networks and pools
	 * ("unsupported flags"): it keeps one document, asked for again plainly */
	if (!*xml && (flags & HV_XML_INACTIVE) && virGetLastErrorCode() == VIR_ERR_INVALID_ARG)
		*xml = k->xml(obj, 0);
	k->free(obj);
	return *xml ? 0 : lv_fail(p, conn, err, "cannot read the XML of %s '%s'", k->what, name);
}

int
lv_obj_define(HvConn *c, const LvKind *k, const char *xml, char **name_out, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	void *obj;
	int rc = lv_obj_new(p, k->define, xml, 0, "define", k->what, &conn, &obj, err);

	if (conn) /* connected: defined or not, the listing may have changed */
		lv_cache_drop(p, k->cache, obj ? k->name(obj) : NULL, true);
	if (rc < 0)
		return rc;
	lv_emit_unreported(p, k->kind, NULL, k->name(obj), "defined", k->defined_detail);
	if (name_out)
		*name_out = g_strdup(k->name(obj));
	k->free(obj);
	return 0;
}

int
lv_obj_call(HvConn *c, const LvKind *k, const char *name, const char *verb, LvCall fn,
	    unsigned long long arg, unsigned flags, GError **err)
{
	LvPriv *p = c->priv;
	g_autoptr(virConnect) conn = NULL;
	void *obj = NULL;
	int rc = lv_obj_open(p, k->lookup, k->what, name, &conn, &obj, err);

	if (rc == 0 && fn(obj, arg, flags) < 0)
		rc = lv_fail(p, conn, err, "cannot %s %s '%s'", verb, k->what, name);
	if (obj)
		k->free(obj);
	/* undefine, or stopping a transient object, takes it out of the listing */
	lv_cache_drop(p, k->cache, name, true);
	if (k->also_drop >= 0)
		lv_cache_drop_all(p, k->also_drop);
	return rc;
}

int
lv_obj_verb(HvConn *c, const LvVerb *v, const char *name, GError **err)
{
	int rc = lv_obj_call(c, v->k, name, v->verb, v->call, 0, 0, err);

	if (rc == 0 && v->ours)
		hv_conn_emit(c, v->k->kind, NULL, name, v->ours, "-");
	if (rc == 0)
		lv_emit_unreported(c->priv, v->k->kind, NULL, name, v->unreported, v->detail);
	return rc;
}

int
lv_obj_set_autostart(HvConn *c, const LvKind *k, LvCall fn, const char *name, bool on,
		     GError **err)
{
	int rc = lv_obj_call(c, k, name, "set autostart of", fn, on, 0, err);

	if (rc == 0)
		hv_conn_emit(c, k->kind, NULL, name, "autostart-changed", on ? "1" : "0");
	return rc;
}
