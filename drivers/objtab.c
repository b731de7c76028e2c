/* objtab.c: the shared object table (objtab.h): the name and uuid index in a
 * stable order, object lifetime (references held by the table and by jobs),
 * libvirt's lookup and clash messages, the whole calls the shared ops make
 * (list snapshots, info, XML), the verb runner, and the same for children (a
 * pool's volumes) through their parent. The lifecycle rules are in objlife.c. */
#include <string.h>
#include "drivers/objtab.h"
#include "drivers/objstore.h"
#include "util/names.h"

HvObjTab *
hv_objtab_new(const HvObjTabConfig *cfg)
{
	HvObjTab *t = g_new0(HvObjTab, 1);

	t->cls = cfg->cls;
	t->core = cfg->core;
	t->opaque = cfg->opaque;
	t->parent = g_strdup(cfg->parent);
	t->store = cfg->store;
	t->run_markers = cfg->run_markers;
	t->sorted = cfg->sorted;
	t->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	if (t->cls->defs->uuid_off >= 0)
		t->by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
	t->order = g_ptr_array_new();
	return t;
}

void
hv_objtab_free(HvObjTab *t)
{
	if (!t)
		return;
	for (guint i = 0; i < t->order->len; i++) {
		HvEntry *o = t->order->pdata[i];

		o->removed = true;
		hv_entry_unref(o);
	}
	g_ptr_array_unref(t->order);
	g_hash_table_unref(t->by_name);
	g_clear_pointer(&t->by_uuid, g_hash_table_unref);
	hv_store_free(t->store);
	g_free(t->parent);
	g_free(t);
}

/* ---- objects */

void
hv_entry_ref(HvEntry *o)
{
	o->refs++;
}

static void
obj_free(HvEntry *o)
{
	const HvObjClass *cls = o->tab->cls;

	if (cls->priv_free && o->priv)
		cls->priv_free(o->priv);
	hv_objtab_free(o->children);
	if (o->def.any)
		cls->defs->free(o->def.any);
	if (o->newdef.any)
		cls->defs->free(o->newdef.any);
	hv_job_slot_clear(&o->jobs);
	g_free(o->name);
	g_free(o);
}

void
hv_entry_unref(HvEntry *o)
{
	g_assert(o->refs > 0);
	if (--o->refs == 0)
		obj_free(o);
}

char *
hv_entry_describe(const HvEntry *o)
{
	const HvDefOps *d = o->tab->cls->defs;

	if (o->tab->parent && d->parent_what)
		return g_strdup_printf("%s '%s' in %s '%s'", d->what, o->name, d->parent_what,
				       o->tab->parent);
	return g_strdup_printf("%s '%s'", d->what, o->name);
}

void
hv_entry_emit(HvEntry *o, const char *event, const char *detail)
{
	hv_core_emit(o->tab->core, o->tab->cls->defs->kind, o->tab->parent, o->name, event,
		     detail);
}

void
hv_entry_emit_u64(HvEntry *o, const char *event, uint64_t value)
{
	hv_core_emit_u64(o->tab->core, o->tab->cls->defs->kind, o->tab->parent, o->name, event,
			 value);
}

/* ---- the index */

HvEntry *
hv_objtab_lookup(HvObjTab *t, const char *name)
{
	return name ? g_hash_table_lookup(t->by_name, name) : NULL;
}

HvEntry *
hv_objtab_lookup_uuid(HvObjTab *t, const char *uuid)
{
	if (!t->by_uuid || !uuid || !*uuid)
		return NULL;
	return g_hash_table_lookup(t->by_uuid, uuid);
}

/* " in pool 'p'" for a child table, else "". */
static char *
where(const HvObjTab *t)
{
	const char *pw = t->cls->defs->parent_what;

	return t->parent && pw ? g_strdup_printf(" in %s '%s'", pw, t->parent) : g_strdup("");
}

HvEntry *
hv_objtab_find(HvObjTab *t, const char *name, GError **err)
{
	HvEntry *o = hv_objtab_lookup(t, name);

	if (!o) {
		g_autofree char *in = where(t);

		hv_error_set(err, ENOENT, "%s '%s' not found%s", t->cls->defs->what,
			     name ? name : "", in);
	}
	return o;
}

guint
hv_objtab_count(const HvObjTab *t)
{
	return t->order->len;
}

HvEntry *
hv_objtab_nth(const HvObjTab *t, guint i)
{
	return i < t->order->len ? t->order->pdata[i] : NULL;
}

static int
exists_error(HvObjTab *t, const HvEntry *other, GError **err)
{
	g_autofree char *in = where(t);

	if (other->uuid[0])
		return hv_error_set(err, EEXIST, "%s '%s' already exists with uuid %s",
				    t->cls->defs->what, other->name, other->uuid);
	return hv_error_set(err, EEXIST, "%s '%s' already exists%s", t->cls->defs->what,
			    other->name, in);
}

static int
prepare(HvObjTab *t, HvEntry *existing, void *def, GError **err)
{
	if (t->cls->prepare)
		return t->cls->prepare(t, existing, def, err);
	hv_def_ensure_uuid(t->cls->defs, def);
	return 0;
}

static HvEntry *
obj_new(HvObjTab *t, void *def, bool persistent)
{
	const HvDefOps *d = t->cls->defs;
	const char *uuid = hv_def_uuid(d, def);
	HvEntry *o = g_new0(HvEntry, 1);

	o->name = g_strdup(hv_def_name(d, def));
	if (uuid)
		g_strlcpy(o->uuid, uuid, HV_UUID_STRLEN);
	o->def.any = def;
	o->persistent = persistent;
	o->tab = t;
	o->refs = 1;
	hv_job_slot_init(&o->jobs);
	if (t->cls->children)
		o->children = hv_objtab_new(&(HvObjTabConfig){
			.cls = t->cls->children,
			.core = t->core,
			.opaque = t->opaque,
			.parent = o->name,
		});
	if (t->cls->priv_new)
		o->priv = t->cls->priv_new(t, o);
	return o;
}

/* May def be added? Completes it (prepare, a uuid) when it may. */
static int
add_check(HvObjTab *t, void *def, unsigned flags, GError **err)
{
	const HvDefOps *d = t->cls->defs;
	const char *name = hv_def_name(d, def);
	char *uuid = hv_def_uuid(d, def);
	HvEntry *o;
	int r;

	if (hv_name_check(d->what, name, err) < 0)
		return -EINVAL;
	if ((o = hv_objtab_lookup(t, name)) || (o = hv_objtab_lookup_uuid(t, uuid)))
		return exists_error(t, o, err);
	if ((flags & HV_ADD_PREPARE) && (r = prepare(t, NULL, def, err)) < 0)
		return r;
	hv_def_ensure_uuid(d, def);
	if ((o = hv_objtab_lookup_uuid(t, uuid))) /* one the preparation chose */
		return exists_error(t, o, err);
	return 0;
}

int
hv_objtab_add(HvObjTab *t, void *def, unsigned flags, HvEntry **out, GError **err)
{
	HvEntry *o;
	int r;

	if ((r = add_check(t, def, flags, err)) < 0) {
		t->cls->defs->free(def);
		return r;
	}
	o = obj_new(t, def, flags & HV_ADD_PERSISTENT);
	g_hash_table_insert(t->by_name, o->name, o);
	if (t->by_uuid && o->uuid[0])
		g_hash_table_insert(t->by_uuid, o->uuid, o);
	g_ptr_array_add(t->order, o);
	if (out)
		*out = o;
	return 0;
}

void
hv_objtab_remove(HvObjTab *t, HvEntry *o)
{
	g_assert(o->tab == t && !o->removed);
	g_hash_table_remove(t->by_name, o->name);
	if (t->by_uuid && o->uuid[0])
		g_hash_table_remove(t->by_uuid, o->uuid);
	g_ptr_array_remove(t->order, o);
	o->removed = true;
	hv_entry_broadcast(o); /* waiters for a job on o give up */
	hv_entry_unref(o);
}

void
hv_objtab_clear(HvObjTab *t, const char *event)
{
	while (t->order->len) {
		HvEntry *o = t->order->pdata[0];

		if (event)
			hv_entry_emit(o, event, "-");
		hv_objtab_remove(t, o);
	}
}

/* ---- whole calls */

/* Moves a local error into err and returns its -errno. */
static int
take(GError **err, GError *local)
{
	int r = local ? hv_error_errno(local) : -EIO;

	if (local)
		g_propagate_error(err, local);
	else
		hv_error_set(err, EIO, "internal error without a message");
	return r;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp((*(HvEntry *const *)a)->name, (*(HvEntry *const *)b)->name);
}

static GPtrArray *
list_locked(HvObjTab *t)
{
	g_autoptr(GPtrArray) objs = g_ptr_array_copy(t->order, NULL, NULL);
	GPtrArray *a = g_ptr_array_new_full(objs->len, t->cls->info_free);

	if (t->sorted)
		g_ptr_array_sort(objs, by_name);
	for (guint i = 0; i < objs->len; i++)
		g_ptr_array_add(a, t->cls->info(t, objs->pdata[i]));
	return a;
}

int
hv_objtab_list(HvObjTab *t, GPtrArray **out, GError **err)
{
	hv_core_lock(t->core);
	*out = list_locked(t);
	hv_core_unlock(t->core);
	return 0;
}

int
hv_objtab_get_info(HvObjTab *t, const char *name, void **out, GError **err)
{
	HvEntry *o;

	hv_core_lock(t->core);
	if ((o = hv_objtab_find(t, name, err)))
		*out = t->cls->info(t, o);
	hv_core_unlock(t->core);
	return o ? 0 : -ENOENT;
}

static int
xml_locked(HvObjTab *t, HvEntry *o, unsigned flags, char **xml, GError **err)
{
	g_autofree char *who = NULL;

	if (t->cls->xml)
		*xml = t->cls->xml(t, o, flags);
	else
		*xml = t->cls->defs->format((flags & HV_XML_INACTIVE) ? hv_entry_config(o) : o->def.any);
	if (*xml)
		return 0;
	who = hv_entry_describe(o);
	return hv_error_set(err, EIO, "cannot format the XML of %s", who);
}

int
hv_objtab_get_xml(HvObjTab *t, const char *name, unsigned flags, char **xml, GError **err)
{
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(t->core);
	if ((o = hv_objtab_find(t, name, err)))
		r = xml_locked(t, o, flags, xml, err);
	hv_core_unlock(t->core);
	return r;
}

int
hv_objtab_define_xml(HvObjTab *t, const char *xml, char **name_out, GError **err)
{
	const HvDefOps *d = t->cls->defs;
	g_autoptr(GError) perr = NULL;
	g_autofree char *name = NULL;
	void *def;
	int r;

	if (!d->parse)
		return hv_error_set(err, ENOTSUP, "%s definitions cannot be defined", d->what);
	if (!(def = d->parse(xml, strlen(xml), &perr)))
		return take(err, g_steal_pointer(&perr));
	name = g_strdup(hv_def_name(d, def));
	hv_core_lock(t->core);
	r = hv_objtab_define_locked(t, def, NULL, err);
	hv_core_unlock(t->core);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

int
hv_objtab_undefine(HvObjTab *t, const char *name, GError **err)
{
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(t->core);
	if ((o = hv_objtab_find(t, name, err)))
		r = hv_objtab_undefine_locked(t, o, err);
	hv_core_unlock(t->core);
	return r;
}

int
hv_objtab_set_autostart(HvObjTab *t, const char *name, bool on, GError **err)
{
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(t->core);
	if ((o = hv_objtab_find(t, name, err)))
		r = hv_objtab_autostart_locked(t, o, on, err);
	hv_core_unlock(t->core);
	return r;
}

/* ---- the verb runner */

static const HvObjVerb *
verb_row(const HvObjClass *cls, HvVerbId verb)
{
	if (!cls->verbs || verb >= HV_VERB_LAST || !cls->verbs[verb].act)
		return NULL;
	return &cls->verbs[verb];
}

static HvJobType
row_job(const HvObjVerb *row)
{
	HvJobType jt = row->job;

	if (!jt.name)
		jt.name = row->verb;
	return jt;
}

static int
run_locked(HvObjTab *t, HvEntry *o, const HvObjVerb *row, void *arg, GError **err)
{
	HvJobType jt = row_job(row);
	HvJob *job = NULL;
	int r;

	if (jt.cls != HV_JOB_NONE &&
	    (r = ((jt.flags & HV_JOBF_TRY) ? hv_job_try_begin : hv_job_begin)(o, &jt, &job, err)) < 0)
		return r;
	if (row->when && !(row->when & (o->active ? HV_WHEN_ACTIVE : HV_WHEN_INACTIVE))) {
		g_autofree char *who = hv_entry_describe(o);

		r = hv_error_set(err, EBUSY, "cannot %s %s: %s", row->verb, who, row->why);
	} else {
		r = row->act(t, o, job, row->code, arg, err);
	}
	hv_job_end(job);
	return r;
}

static int
unsupported(HvObjTab *t, HvVerbId verb, GError **err)
{
	return hv_error_set(err, ENOTSUP, "%s verb %d is not supported", t->cls->defs->what,
			    (int)verb);
}

int
hv_objtab_run(HvObjTab *t, const char *name, HvVerbId verb, void *arg, GError **err)
{
	const HvObjVerb *row = verb_row(t->cls, verb);
	HvEntry *o;
	int r = -ENOENT;

	if (!row)
		return unsupported(t, verb, err);
	hv_core_lock(t->core);
	if ((o = hv_objtab_find(t, name, err)))
		r = run_locked(t, o, row, arg, err);
	hv_core_unlock(t->core);
	return r;
}

int
hv_objtab_get_job(HvObjTab *t, const char *name, HvJobInfo *out, GError **err)
{
	HvEntry *o;

	hv_core_lock(t->core);
	if ((o = hv_objtab_find(t, name, err)))
		hv_job_snapshot(o, out);
	hv_core_unlock(t->core);
	return o ? 0 : -ENOENT;
}

int
hv_objtab_abort_job(HvObjTab *t, const char *name, GError **err)
{
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(t->core);
	if ((o = hv_objtab_find(t, name, err)))
		r = hv_job_abort(o, err);
	hv_core_unlock(t->core);
	return r;
}

/* ---- children, through their parent */

/* The parent when its children may be used: it exists and is usable. */
static HvEntry *
usable_parent(HvObjTab *t, const char *parent, GError **err)
{
	HvEntry *p = hv_objtab_find(t, parent, err);

	g_assert(!p || p->children);
	if (p && !(t->cls->usable ? t->cls->usable(p) : p->active)) {
		g_autofree char *who = hv_entry_describe(p);

		hv_error_set(err, EBUSY, "%s is not active", who);
		return NULL;
	}
	return p;
}

int
hv_objtab_child_list(HvObjTab *t, const char *parent, GPtrArray **out, GError **err)
{
	HvEntry *p;

	hv_core_lock(t->core);
	if ((p = usable_parent(t, parent, err)))
		*out = list_locked(p->children);
	hv_core_unlock(t->core);
	return p ? 0 : (err && *err ? hv_error_errno(*err) : -ENOENT);
}

/* Lock held: the child, in a usable parent. */
static HvEntry *
child_find(HvObjTab *t, const char *parent, const char *name, GError **err)
{
	HvEntry *p = usable_parent(t, parent, err);

	return p ? hv_objtab_find(p->children, name, err) : NULL;
}

static int
child_error(GError **err)
{
	return err && *err ? hv_error_errno(*err) : -ENOENT;
}

int
hv_objtab_child_get_info(HvObjTab *t, const char *parent, const char *name, void **out,
			 GError **err)
{
	g_autoptr(GError) lerr = NULL;
	HvEntry *o;

	hv_core_lock(t->core);
	if ((o = child_find(t, parent, name, &lerr)))
		*out = o->tab->cls->info(o->tab, o);
	hv_core_unlock(t->core);
	return o ? 0 : take(err, g_steal_pointer(&lerr));
}

int
hv_objtab_child_get_xml(HvObjTab *t, const char *parent, const char *name, char **xml,
			GError **err)
{
	g_autoptr(GError) lerr = NULL;
	HvEntry *o;
	int r;

	hv_core_lock(t->core);
	o = child_find(t, parent, name, &lerr);
	r = o ? xml_locked(o->tab, o, 0, xml, &lerr) : child_error(&lerr);
	hv_core_unlock(t->core);
	return r < 0 ? take(err, g_steal_pointer(&lerr)) : 0;
}

/* Work on a child holds a query job on its parent, so the parent cannot stop
 * or be deleted underneath (libvirt's pool asyncjobs). Lock held. */
static int
with_parent(HvObjTab *t, const char *parent, const char *job, HvEntry **pp, HvJob **pj,
	    GError **err)
{
	HvJobType jt = { job, HV_JOB_QUERY, 0 };
	HvEntry *p = hv_objtab_find(t, parent, err);
	int r;

	if (!p)
		return -ENOENT;
	if ((r = hv_job_begin(p, &jt, pj, err)) < 0)
		return r;
	if (!usable_parent(t, parent, err)) {
		hv_job_end(g_steal_pointer(pj));
		return child_error(err);
	}
	*pp = p;
	return 0;
}

int
hv_objtab_child_create(HvObjTab *t, const char *parent, const char *xml, char **name_out,
		       GError **err)
{
	const HvObjClass *cc = t->cls->children;
	g_autoptr(GError) lerr = NULL;
	HvJob *pj = NULL;
	HvEntry *p, *o = NULL;
	int r;

	if (!cc || !cc->create)
		return hv_error_set(err, ENOTSUP, "%s cannot be created", cc ? cc->defs->what : "?");
	hv_core_lock(t->core);
	if ((r = with_parent(t, parent, "create", &p, &pj, &lerr)) == 0) {
		r = cc->create(p->children, p, xml, &o, &lerr);
		if (r == 0 && name_out)
			*name_out = g_strdup(o->name);
		hv_job_end(pj);
	}
	hv_core_unlock(t->core);
	return r < 0 ? take(err, g_steal_pointer(&lerr)) : 0;
}

int
hv_objtab_child_run(HvObjTab *t, const char *parent, const char *name, HvVerbId verb,
		    void *arg, GError **err)
{
	const HvObjVerb *row = t->cls->children ? verb_row(t->cls->children, verb) : NULL;
	g_autoptr(GError) lerr = NULL;
	HvJob *pj = NULL;
	HvEntry *p, *o;
	int r;

	if (!row)
		return unsupported(t, verb, err);
	hv_core_lock(t->core);
	if ((r = with_parent(t, parent, row_job(row).name, &p, &pj, &lerr)) == 0) {
		if ((o = hv_objtab_find(p->children, name, &lerr)))
			r = run_locked(p->children, o, row, arg, &lerr);
		else
			r = -ENOENT;
		hv_job_end(pj);
	}
	hv_core_unlock(t->core);
	return r < 0 ? take(err, g_steal_pointer(&lerr)) : r;
}

int
hv_objtab_child_get_job(HvObjTab *t, const char *parent, const char *name, HvJobInfo *out,
			GError **err)
{
	g_autoptr(GError) lerr = NULL;
	HvEntry *o;

	hv_core_lock(t->core);
	if ((o = child_find(t, parent, name, &lerr)))
		hv_job_snapshot(o, out);
	hv_core_unlock(t->core);
	return o ? 0 : take(err, g_steal_pointer(&lerr));
}

int
hv_objtab_child_abort_job(HvObjTab *t, const char *parent, const char *name, GError **err)
{
	g_autoptr(GError) lerr = NULL;
	HvEntry *o;
	int r;

	hv_core_lock(t->core);
	o = child_find(t, parent, name, &lerr);
	r = o ? hv_job_abort(o, &lerr) : child_error(&lerr);
	hv_core_unlock(t->core);
	return r < 0 ? take(err, g_steal_pointer(&lerr)) : 0;
}
