/* objlife.c: libvirt's persistent/transient/active model on the shared object
 * tables (rules in objtab.h): define, undefine and autostart with their jobs,
 * persistence and events, start and stop (the pending config, transient
 * objects vanishing), AFFECT flags, and loading a table from its store. */
#include <string.h>
#include "drivers/objtab.h"
#include "drivers/objstore.h"
#include "util/names.h"

void *
hv_entry_config(HvEntry *o)
{
	return o->newdef.any ? o->newdef.any : o->def.any;
}

static void
run_marker(HvEntry *o, bool on)
{
	g_autoptr(GError) err = NULL;

	if (o->tab->run_markers && o->tab->store &&
	    hv_store_set_running(o->tab->store, o->name, on, &err) < 0)
		g_debug("%s", err->message); /* a missing marker only costs a restart its state */
}

void
hv_entry_started(HvEntry *o)
{
	o->active = true;
	run_marker(o, true);
}

bool
hv_entry_stopped(HvEntry *o)
{
	const HvDefOps *d = o->tab->cls->defs;

	o->active = false;
	if (o->newdef.any) {
		d->free(o->def.any);
		o->def.any = g_steal_pointer(&o->newdef.any);
	}
	run_marker(o, false);
	if (o->persistent)
		return true;
	hv_entry_emit(o, "undefined", "removed");
	hv_objtab_remove(o->tab, o);
	return false;
}

int
hv_entry_affect(HvEntry *o, unsigned flags, const char *what, void *out[2], GError **err)
{
	const HvDefOps *d = o->tab->cls->defs;
	unsigned affect = flags & (HV_AFFECT_LIVE | HV_AFFECT_CONFIG);
	g_autofree char *who = hv_entry_describe(o);

	if (affect == HV_AFFECT_CURRENT)
		affect = o->active ? HV_AFFECT_LIVE : HV_AFFECT_CONFIG;
	if ((affect & HV_AFFECT_LIVE) && !o->active)
		return hv_error_set(err, EBUSY, "cannot change the live %s of %s: %s is not running",
				    what, who, d->what);
	if ((affect & HV_AFFECT_CONFIG) && !o->persistent)
		return hv_error_set(err, EBUSY, "cannot change the persistent %s of transient %s",
				    what, who);
	out[0] = out[1] = NULL;
	if (!o->active) {
		out[0] = o->def.any;
		return 0;
	}
	if (affect != (HV_AFFECT_LIVE | HV_AFFECT_CONFIG) && !o->newdef.any && o->persistent)
		o->newdef.any = d->copy(o->def.any);
	if (affect & HV_AFFECT_LIVE)
		out[0] = o->def.any;
	if ((affect & HV_AFFECT_CONFIG) && o->newdef.any)
		out[out[0] ? 1 : 0] = o->newdef.any;
	return 0;
}

/* ---- define */

static int
persist(HvObjTab *t, const void *def, GError **err)
{
	const HvDefOps *d = t->cls->defs;
	g_autofree char *xml = NULL;

	if (!t->store)
		return 0;
	if (!(xml = d->format(def)))
		return hv_error_set(err, EIO, "cannot format %s '%s'", d->what, hv_def_name(d, def));
	return hv_store_write(t->store, hv_def_name(d, def), xml, err);
}

static void
changed(HvObjTab *t, HvEntry *o)
{
	if (t->cls->changed)
		t->cls->changed(t, o);
}

/* A new name: a persistent, inactive object. Steals def. */
static int
define_new(HvObjTab *t, void *def, HvEntry **out, GError **err)
{
	HvEntry *o;
	int r;

	if ((r = hv_objtab_add(t, def, HV_ADD_PERSISTENT | HV_ADD_PREPARE, &o, err)) < 0)
		return r;
	if ((r = persist(t, o->def.any, err)) < 0) {
		hv_objtab_remove(t, o);
		return r;
	}
	hv_entry_emit(o, "defined", "added");
	changed(t, o);
	if (out)
		*out = o;
	return 0;
}

/* An existing one, its define job held: the new persistent config. Steals def. */
static int
redefine(HvObjTab *t, HvEntry *o, void *def, GError **err)
{
	const HvDefOps *d = t->cls->defs;
	char *uuid = hv_def_uuid(d, def);
	int r;

	if (uuid)
		memcpy(uuid, o->uuid, HV_UUID_STRLEN);
	if (t->cls->prepare && (r = t->cls->prepare(t, o, def, err)) < 0)
		goto fail;
	if ((r = persist(t, def, err)) < 0)
		goto fail;
	if (o->active) {
		if (o->newdef.any)
			d->free(o->newdef.any);
		o->newdef.any = def;
	} else {
		d->free(o->def.any);
		o->def.any = def;
	}
	o->persistent = true;
	hv_entry_emit(o, "defined", "updated");
	changed(t, o);
	return 0;
fail:
	d->free(def);
	return r;
}

int
hv_objtab_define_locked(HvObjTab *t, void *def, HvEntry **out, GError **err)
{
	const HvDefOps *d = t->cls->defs;
	const char *name = hv_def_name(d, def);
	const char *uuid = hv_def_uuid(d, def);
	g_autoptr(GError) lerr = NULL;
	HvEntry *o;
	HvJob *job;
	int r;

	if (hv_name_check(d->what, name, err) < 0) {
		d->free(def);
		return -EINVAL;
	}
	for (;;) {
		HvEntry *clash = NULL;

		o = hv_objtab_lookup(t, name);
		if (o && uuid && uuid[0] && strcmp(uuid, o->uuid) != 0)
			clash = o;
		else if (!o)
			clash = hv_objtab_lookup_uuid(t, uuid);
		if (clash) {
			d->free(def);
			return hv_error_set(err, EEXIST, "%s '%s' already exists with uuid %s", d->what,
					    clash->name, clash->uuid);
		}
		if (!o)
			return define_new(t, def, out, err);
		if ((r = hv_job_begin(o, &hv_job_define, &job, &lerr)) == 0)
			break;
		if (r != -ENOENT) {
			d->free(def);
			g_propagate_error(err, g_steal_pointer(&lerr));
			return r;
		}
		g_clear_error(&lerr); /* it went away while we waited: define it anew */
	}
	r = redefine(t, o, def, err);
	if (r == 0 && out)
		*out = o;
	hv_job_end(job);
	return r;
}

/* ---- undefine, autostart */

static const char *
still_active(HvObjTab *t, HvEntry *o, char buf[64])
{
	if (t->cls->still_active)
		return t->cls->still_active(t, o);
	g_snprintf(buf, 64, "%s is still active", t->cls->defs->what);
	return buf;
}

static int
undefine_job_held(HvObjTab *t, HvEntry *o, GError **err)
{
	g_autofree char *who = hv_entry_describe(o);
	bool stays = o->active, was_auto = o->autostart;
	char buf[64];
	int r;

	if (!o->persistent)
		return hv_error_set(err, EBUSY, "cannot undefine transient %s", who);
	if (o->active && !t->cls->defs->undefine_active)
		return hv_error_set(err, EBUSY, "cannot undefine %s: %s", who, still_active(t, o, buf));
	if (t->store && (r = hv_store_remove(t->store, o->name, err)) < 0)
		return r;
	o->persistent = false;
	o->autostart = false;
	if (o->newdef.any)
		t->cls->defs->free(g_steal_pointer(&o->newdef.any));
	if (was_auto && !stays)
		hv_entry_emit(o, "autostart-changed", "0");
	hv_entry_emit(o, "undefined", "removed");
	if (was_auto && stays)
		hv_entry_emit(o, "autostart-changed", "0");
	changed(t, o);
	if (!stays)
		hv_objtab_remove(t, o);
	return 0;
}

int
hv_objtab_undefine_locked(HvObjTab *t, HvEntry *o, GError **err)
{
	HvJob *job;
	int r;

	if ((r = hv_job_begin(o, &hv_job_undefine, &job, err)) < 0)
		return r;
	r = undefine_job_held(t, o, err);
	hv_job_end(job);
	return r;
}

/* The checks of a rename, before anything changes. */
static int
rename_check(HvObjTab *t, HvEntry *o, const char *new_name, GError **err)
{
	const char *what = t->cls->defs->what;
	HvEntry *other;

	if (o->active)
		return hv_error_set(err, EBUSY, "cannot rename active %s", what);
	if (!o->persistent)
		return hv_error_set(err, EBUSY, "cannot rename a transient %s", what);
	if (hv_name_check(what, new_name, err) < 0)
		return -EINVAL;
	if (g_str_equal(new_name, o->name))
		return hv_error_set(err, EBUSY, "Can't rename %s to itself", what);
	if ((other = hv_objtab_lookup(t, new_name)))
		return hv_error_set(err, EEXIST, "%s with name '%s' already exists", what,
				    new_name);
	return 0;
}

/* Steals def: under o's place in the table, with o's state. */
static int
rename_swap(HvObjTab *t, HvEntry *o, void *def, HvEntry **out, GError **err)
{
	HvEntry *n;
	void *priv;
	int r;

	hv_entry_emit(o, "undefined", "renamed");
	hv_entry_ref(o);
	hv_objtab_remove(t, o);
	if ((r = hv_objtab_add(t, def, HV_ADD_PERSISTENT, &n, err)) < 0) {
		hv_entry_unref(o);
		return r;
	}
	priv = n->priv;
	n->priv = o->priv;
	o->priv = priv;
	n->autostart = o->autostart;
	hv_entry_unref(o);
	hv_entry_emit(n, "defined", "renamed");
	changed(t, n);
	if (out)
		*out = n;
	return 0;
}

int
hv_objtab_rename_locked(HvObjTab *t, HvEntry *o, const char *new_name, HvEntry **out,
			GError **err)
{
	const HvDefOps *d = t->cls->defs;
	g_autofree char *old_name = g_strdup(o->name);
	HvJob *job;
	char **name;
	void *def;
	int r;

	if ((r = hv_job_begin(o, &hv_job_undefine, &job, err)) < 0)
		return r;
	if ((r = rename_check(t, o, new_name, err)) < 0)
		goto done;
	def = d->copy(o->def.any);
	name = (char **)((char *)def + d->name_off);
	g_free(*name);
	*name = g_strdup(new_name);
	if ((r = persist(t, def, err)) < 0) {
		d->free(def);
		goto done;
	}
	if (t->store && hv_store_remove(t->store, old_name, NULL) < 0)
		g_debug("rename: the old definition of '%s' stays in the store", old_name);
	r = rename_swap(t, o, def, out, err);
done:
	hv_job_end(job);
	return r;
}

int
hv_objtab_autostart_locked(HvObjTab *t, HvEntry *o, bool on, GError **err)
{
	g_autofree char *who = NULL;
	HvJob *job;
	int r;

	if ((r = hv_job_begin(o, &hv_job_autostart, &job, err)) < 0)
		return r;
	if (!o->persistent) {
		who = hv_entry_describe(o);
		r = hv_error_set(err, EBUSY, "cannot set autostart for transient %s", who);
	} else if (o->autostart != on &&
		   (!t->store || (r = hv_store_set_autostart(t->store, o->name, on, err)) == 0)) {
		o->autostart = on;
		hv_entry_emit(o, "autostart-changed", on ? "1" : "0");
		changed(t, o);
	}
	hv_job_end(job);
	return r;
}

/* ---- loading */

typedef struct {
	HvObjTab *t;
	HvObjLoaded fn;
	void *data;
	int count;
} LoadCtx;

/* A stored document of name (what: "definition", "live state"), or NULL
 * when it does not parse or names another object. */
static void *
stored_def(HvObjTab *t, const char *what, const char *name, const char *xml, size_t len)
{
	const HvDefOps *d = t->cls->defs;
	g_autoptr(GError) err = NULL;
	void *def;

	if (!(def = d->parse(xml, len, &err))) {
		g_debug("%s '%s': stored %s skipped: %s", d->what, name, what, err->message);
		return NULL;
	}
	if (g_strcmp0(hv_def_name(d, def), name) != 0) {
		g_debug("%s '%s': stored %s names '%s': skipped", d->what, name, what,
			hv_def_name(d, def));
		d->free(def);
		return NULL;
	}
	return def;
}

static int
load_one(const char *name, const char *xml, size_t len, void *data)
{
	LoadCtx *ctx = data;
	HvObjTab *t = ctx->t;
	g_autoptr(GError) err = NULL;
	HvEntry *o;
	void *def;

	if (!(def = stored_def(t, "definition", name, xml, len)))
		return 0;
	if (hv_objtab_add(t, def, HV_ADD_PERSISTENT, &o, &err) < 0) {
		g_debug("%s", err->message);
		return 0;
	}
	o->autostart = hv_store_autostart(t->store, name);
	ctx->count++;
	if (ctx->fn)
		ctx->fn(t, o, hv_store_running(t->store, name), ctx->data);
	return 0;
}

int
hv_objtab_load(HvObjTab *t, HvObjLoaded fn, void *data, GError **err)
{
	LoadCtx ctx = { t, fn, data, 0 };

	if (!t->store || !t->cls->defs->parse)
		return hv_error_set(err, ENOTSUP, "%s table has no store to load from",
				    t->cls->defs->what);
	hv_core_lock(t->core);
	hv_store_each(t->store, load_one, &ctx);
	hv_core_unlock(t->core);
	return ctx.count;
}

/* One RUN/NAME.xml: the object was active when the driver last ran. */
static int
load_live_one(const char *name, const char *xml, size_t len, void *data)
{
	LoadCtx *ctx = data;
	HvObjTab *t = ctx->t;
	const HvDefOps *d = t->cls->defs;
	g_autoptr(GError) err = NULL;
	HvEntry *o;
	void *def;

	if (!(def = stored_def(t, "live state", name, xml, len)))
		return 0;
	if ((o = hv_objtab_lookup(t, name))) {
		const char *uuid = hv_def_uuid(d, def);

		if (o->active || (uuid && uuid[0] && strcmp(uuid, o->uuid) != 0)) {
			d->free(def);
			return 0;
		}
		if (o->persistent)
			o->newdef.any = o->def.any;
		else
			d->free(o->def.any);
		o->def.any = def;
	} else if (hv_objtab_add(t, def, 0, &o, &err) < 0) {
		g_debug("%s", err->message);
		return 0;
	}
	o->active = true;
	ctx->count++;
	if (ctx->fn)
		ctx->fn(t, o, true, ctx->data);
	return 0;
}

int
hv_objtab_load_live(HvObjTab *t, HvObjLoaded fn, void *data)
{
	LoadCtx ctx = { t, fn, data, 0 };

	if (!t->store || !t->cls->defs->parse)
		return 0;
	hv_core_lock(t->core);
	hv_store_each_live(t->store, load_live_one, &ctx);
	hv_core_unlock(t->core);
	return ctx.count;
}

GPtrArray *
hv_objtab_autostart_names(HvObjTab *t)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

	hv_core_lock(t->core);
	for (guint i = 0; i < hv_objtab_count(t); i++) {
		HvEntry *o = hv_objtab_nth(t, i);

		if (o->persistent && o->autostart && !o->active)
			g_ptr_array_add(names, g_strdup(o->name));
	}
	hv_core_unlock(t->core);
	return names;
}

/* A transient object from a document, started at once (libvirt's
 * virDomainCreateXML, virNetworkCreateXML, virStoragePoolCreateXML): added
 * without persistence, then the class's start row runs; when it fails, the
 * object goes again. It leaves the table when it stops (hv_entry_stopped). */
int
hv_objtab_create_xml(HvObjTab *t, const char *xml, char **name_out, GError **err)
{
	const HvDefOps *d = t->cls->defs;
	g_autofree char *name = NULL;
	g_autoptr(GError) perr = NULL;
	HvEntry *o;
	void *def;
	int r;

	if (!d->parse || !t->cls->verbs || !t->cls->verbs[HV_VERB_START].act)
		return hv_error_set(err, ENOTSUP, "%s objects cannot be created", d->what);
	if (!(def = d->parse(xml, strlen(xml), &perr))) {
		r = -perr->code;
		g_propagate_error(err, g_steal_pointer(&perr));
		return r;
	}
	name = g_strdup(hv_def_name(d, def));
	hv_core_lock(t->core);
	r = hv_objtab_add(t, def, HV_ADD_PREPARE, NULL, err);
	hv_core_unlock(t->core);
	if (r < 0)
		return r;
	if ((r = hv_objtab_run(t, name, HV_VERB_START, NULL, err)) < 0) {
		hv_core_lock(t->core);
		if ((o = hv_objtab_lookup(t, name)) && !o->active && !o->persistent)
			hv_objtab_remove(t, o);
		hv_core_unlock(t->core);
		return r;
	}
	if (name_out)
		*name_out = g_steal_pointer(&name);
	return 0;
}
