/* test_snapshot.c: the test driver's simulated snapshots, managed save and
 * save images, as libvirt's test driver has them (so that virsh clients work
 * against test:///default): a snapshot keeps the domain's state and
 * definition; revert puts the state back through the state machine; delete
 * moves its children to its parent. Nothing survives the connection (the test
 * node lives in memory). A save image is a real file in the format of
 * drivers/saveimg.h with no memory behind its header. */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "drivers/objops.h"
#include "drivers/saveimg.h"
#include "conf/snapshot_conf.h"

static const char *const state_words[HV_DOMAIN_STATE_LAST] = {
	[HV_DOMAIN_NOSTATE] = "nostate",   [HV_DOMAIN_RUNNING] = "running",
	[HV_DOMAIN_BLOCKED] = "blocked",   [HV_DOMAIN_PAUSED] = "paused",
	[HV_DOMAIN_SHUTDOWN] = "shutdown", [HV_DOMAIN_SHUTOFF] = "shutoff",
	[HV_DOMAIN_CRASHED] = "crashed",   [HV_DOMAIN_PMSUSPENDED] = "pmsuspended",
};

void
test_snapshot_domain_free(TestDomain *d)
{
	g_clear_pointer(&d->snaps, g_ptr_array_unref);
	g_clear_pointer(&d->snap_current, g_free);
}

/* Lock held: the domain's entry, or NULL and ENOENT. */
static HvEntry *
dom_find(TestConn *tc, const char *dom, GError **err)
{
	HvEntry *o = hv_objtab_find(tc->domains, dom, err);

	if (o && !test_dom(o)->snaps)
		test_dom(o)->snaps = g_ptr_array_new_with_free_func(
			(GDestroyNotify)hv_snapshot_def_free);
	return o;
}

static HvSnapshotDef *
snap_find(HvEntry *o, const char *name, GError **err)
{
	GPtrArray *s = test_dom(o)->snaps;

	for (guint k = 0; k < s->len; k++)
		if (g_str_equal(((HvSnapshotDef *)s->pdata[k])->name, name))
			return s->pdata[k];
	hv_error_set(err, ENOENT, "no snapshot '%s' of domain '%s'", name, o->name);
	return NULL;
}

static HvSnapshotInfo *
info_of(HvEntry *o, const HvSnapshotDef *def)
{
	HvSnapshotInfo *i = g_new0(HvSnapshotInfo, 1);
	GPtrArray *s = test_dom(o)->snaps;

	i->name = g_strdup(def->name);
	i->parent = g_strdup(def->parent);
	i->state = g_strdup(def->state);
	i->kind = g_strdup("internal");
	i->memory = def->memory && g_str_equal(def->memory, "internal");
	i->current = g_strcmp0(test_dom(o)->snap_current, def->name) == 0;
	i->creation_time = def->creation_time;
	for (guint k = 0; k < s->len; k++)
		if (g_strcmp0(((HvSnapshotDef *)s->pdata[k])->parent, def->name) == 0)
			i->children++;
	return i;
}

static int
snap_list(HvConn *c, const char *dom, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err))) {
		*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_snapshot_info_free);
		for (guint k = 0; k < test_dom(o)->snaps->len; k++)
			g_ptr_array_add(*out, info_of(o, test_dom(o)->snaps->pdata[k]));
	}
	hv_core_unlock(&tc->core);
	return o ? 0 : -ENOENT;
}

/* fn on one snapshot of a domain, under the lock. */
typedef void (*SnapFn)(HvEntry *o, HvSnapshotDef *def, void *out);

static int
with_snap(HvConn *c, const char *dom, const char *name, SnapFn fn, void *out, GError **err)
{
	TestConn *tc = test_conn(c);
	HvSnapshotDef *def = NULL;
	HvEntry *o;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err)) && (def = snap_find(o, name, err)))
		fn(o, def, out);
	hv_core_unlock(&tc->core);
	return def ? 0 : -ENOENT;
}

static void
put_info(HvEntry *o, HvSnapshotDef *def, void *out)
{
	*(HvSnapshotInfo **)out = info_of(o, def);
}

static void
put_xml(HvEntry *o, HvSnapshotDef *def, void *out)
{
	*(char **)out = hv_snapshot_def_format(def);
}

static int
snap_get_info(HvConn *c, const char *dom, const char *name, HvSnapshotInfo **out, GError **err)
{
	return with_snap(c, dom, name, put_info, out, err);
}

static int
snap_get_xml(HvConn *c, const char *dom, const char *name, char **xml, GError **err)
{
	return with_snap(c, dom, name, put_xml, xml, err);
}

static bool
is_external(const HvSnapshotDef *def)
{
	if (def->memory && g_str_equal(def->memory, "external"))
		return true;
	for (guint k = 0; def->disks && k < def->disks->len; k++)
		if (g_strcmp0(((HvSnapshotDiskDef *)def->disks->pdata[k])->snapshot, "external") == 0)
			return true;
	return false;
}

static int
create_locked(TestConn *tc, HvEntry *o, HvSnapshotDef *def, unsigned flags, GError **err)
{
	TestDomain *d = test_dom(o);

	if (d->cps && d->cps->len)
		return hv_error_set(err, EPROTONOSUPPORT, "cannot create snapshot while checkpoint "
				    "exists");
	if (!def->name)
		def->name = g_strdup_printf("%" G_GINT64_FORMAT, test_clock_ns(tc) / 1000000000);
	if (snap_find(o, def->name, NULL))
		return hv_error_set(err, EEXIST, "snapshot '%s' of domain '%s' already exists",
				    def->name, o->name);
	if (is_external(def) || (flags & HV_SNAPSHOT_CREATE_DISK_ONLY))
		return hv_error_set(err, EOPNOTSUPP, "snapshot '%s': the test driver keeps "
				    "internal snapshots only", def->name);
	test_tick(tc);
	g_free(def->state);
	def->state = g_strdup(state_words[d->state]);
	g_free(def->memory);
	def->memory = g_strdup(test_domain_state_active(d->state) ? "internal" : "no");
	def->creation_time = test_clock_ns(tc) / 1000000000;
	g_free(def->parent);
	def->parent = g_strdup(d->snap_current);
	g_free(def->domain_xml);
	def->domain_xml = hv_domain_def_format(o->def.domain);
	g_free(d->snap_current);
	d->snap_current = g_strdup(def->name);
	g_ptr_array_add(d->snaps, def);
	hv_entry_emit(o, "snapshot-created", def->name);
	return 0;
}

static int
snap_create(HvConn *c, const char *dom, const char *xml, unsigned flags, char **name_out,
	    GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(HvSnapshotDef) def = NULL;
	HvEntry *o;
	int r = -ENOENT;

	def = xml && *xml ? hv_snapshot_def_parse(xml, strlen(xml), err) : g_new0(HvSnapshotDef, 1);
	if (!def)
		return -EINVAL;
	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err))) {
		if (name_out)
			*name_out = NULL;
		HvSnapshotDef *d = g_steal_pointer(&def);

		if ((r = create_locked(tc, o, d, flags, err)) < 0)
			hv_snapshot_def_free(d);
		else if (name_out)
			*name_out = g_strdup(d->name);
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* The verbs that bring a domain from one state to another (lock held). */
static int
fsm(HvEntry *o, TestVerb v, GError **err)
{
	return test_domain_fsm(o->tab, o, NULL, v, NULL, err);
}

static int
to_state(HvEntry *o, HvDomainState want, GError **err)
{
	HvDomainState now = test_dom(o)->state;
	bool active = test_domain_state_active(now);
	int r = 0;

	if (want == HV_DOMAIN_SHUTOFF || !test_domain_state_active(want))
		return active ? fsm(o, TEST_VERB_DESTROY, err) : 0;
	if (!active && (r = fsm(o, TEST_VERB_START, err)) < 0)
		return r;
	now = test_dom(o)->state;
	if (want == HV_DOMAIN_PAUSED && now != HV_DOMAIN_PAUSED)
		return fsm(o, TEST_VERB_SUSPEND, err);
	if (want != HV_DOMAIN_PAUSED && now == HV_DOMAIN_PAUSED)
		return fsm(o, TEST_VERB_RESUME, err);
	return 0;
}

static HvDomainState
state_of(const char *word)
{
	for (int k = 0; k < HV_DOMAIN_STATE_LAST; k++)
		if (g_strcmp0(state_words[k], word) == 0)
			return (HvDomainState)k;
	return HV_DOMAIN_SHUTOFF;
}

static int
snap_revert(HvConn *c, const char *dom, const char *name, unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	HvSnapshotDef *def = NULL;
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err)) && (def = snap_find(o, name, err))) {
		HvDomainState want = state_of(def->state);

		if (flags & 1) /* REVERT_RUNNING */
			want = HV_DOMAIN_RUNNING;
		if (flags & 2) /* REVERT_PAUSED */
			want = HV_DOMAIN_PAUSED;
		if ((r = to_state(o, want, err)) == 0) {
			g_free(test_dom(o)->snap_current);
			test_dom(o)->snap_current = g_strdup(name);
			hv_entry_emit(o, "snapshot-reverted", name);
		}
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* Removes name; its children move to its parent, and so does current. */
static void
delete_one(HvEntry *o, const char *name)
{
	TestDomain *d = test_dom(o);
	HvSnapshotDef *def = snap_find(o, name, NULL);
	g_autofree char *gone = g_strdup(name);

	if (!def)
		return;
	for (guint k = 0; k < d->snaps->len; k++) {
		HvSnapshotDef *s = d->snaps->pdata[k];

		if (g_strcmp0(s->parent, gone) == 0) {
			g_free(s->parent);
			s->parent = g_strdup(def->parent);
		}
	}
	if (g_strcmp0(d->snap_current, gone) == 0) {
		g_free(d->snap_current);
		d->snap_current = g_strdup(def->parent);
	}
	g_ptr_array_remove(d->snaps, def);
	hv_entry_emit(o, "snapshot-deleted", gone);
}

static void
descendants(GPtrArray *snaps, const char *name, GPtrArray *out)
{
	for (guint k = 0; k < snaps->len; k++) {
		const HvSnapshotDef *s = snaps->pdata[k];

		if (g_strcmp0(s->parent, name) == 0) {
			descendants(snaps, s->name, out);
			g_ptr_array_add(out, g_strdup(s->name));
		}
	}
}

static int
snap_delete(HvConn *c, const char *dom, const char *name, unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func(g_free);
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err)) && snap_find(o, name, err)) {
		if (flags & (HV_SNAPSHOT_DELETE_CHILDREN | HV_SNAPSHOT_DELETE_CHILDREN_ONLY))
			descendants(test_dom(o)->snaps, name, doomed);
		if (!(flags & HV_SNAPSHOT_DELETE_CHILDREN_ONLY))
			g_ptr_array_add(doomed, g_strdup(name));
		for (guint k = 0; k < doomed->len; k++)
			delete_one(o, doomed->pdata[k]);
		r = 0;
	}
	hv_core_unlock(&tc->core);
	return r;
}

const HvSnapshotOps test_snapshot_ops = HV_SNAPSHOT_OPS(snap);

/* ---- managed save, save and restore */

enum { SAVE_RUNNING = 2, SAVE_PAUSED = 4 };

/* Lock held: o stops, keeping the state it comes back in. */
static int
save_locked(HvEntry *o, unsigned flags, HvDomainState *kept, GError **err)
{
	HvDomainState s = test_dom(o)->state;

	if (!test_domain_state_active(s))
		return hv_error_set(err, EBUSY, "cannot save domain '%s': domain is not running",
				    o->name);
	*kept = flags & SAVE_RUNNING ? HV_DOMAIN_RUNNING
		: flags & SAVE_PAUSED ? HV_DOMAIN_PAUSED
		: s == HV_DOMAIN_PAUSED ? HV_DOMAIN_PAUSED : HV_DOMAIN_RUNNING;
	return fsm(o, TEST_VERB_DESTROY, err);
}

static int
managed_save(HvConn *c, const char *name, unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	HvDomainState kept;
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, name, err)) && !o->persistent)
		r = hv_error_set(err, EINVAL, "cannot do managed save for transient domain '%s'",
				 name);
	else if (o && (r = save_locked(o, flags, &kept, err)) == 0) {
		test_dom(o)->saved = kept;
		hv_entry_emit(o, "saved", "managed");
	}
	hv_core_unlock(&tc->core);
	return r;
}

static int
has_managed_save(HvConn *c, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r;

	hv_core_lock(&tc->core);
	o = dom_find(tc, name, err);
	r = o ? test_dom(o)->saved != HV_DOMAIN_NOSTATE : -ENOENT;
	hv_core_unlock(&tc->core);
	return r;
}

static int
managed_save_remove(HvConn *c, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r = -ENOENT;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, name, err)) && test_dom(o)->saved == HV_DOMAIN_NOSTATE)
		r = hv_error_set(err, ENOENT, "domain '%s' has no managed save image", name);
	else if (o) {
		test_dom(o)->saved = HV_DOMAIN_NOSTATE;
		hv_entry_emit(o, "save-discarded", "-");
		r = 0;
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* start: a managed save image brings the domain back in its saved state. */
static int
dom_start(HvConn *c, const char *name, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r = hv_objops_dom_start(c, name, err);

	if (r < 0)
		return r;
	hv_core_lock(&tc->core);
	if ((o = hv_objtab_lookup(tc->domains, name)) && test_dom(o)->saved) {
		if (test_dom(o)->saved == HV_DOMAIN_PAUSED)
			r = fsm(o, TEST_VERB_SUSPEND, err);
		test_dom(o)->saved = HV_DOMAIN_NOSTATE;
		hv_entry_emit(o, "save-discarded", "restored");
	}
	hv_core_unlock(&tc->core);
	return r;
}

static int
save_to(HvConn *c, const char *name, const char *path, unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autofree char *xml = NULL;
	HvDomainState kept;
	HvEntry *o;
	int r = -ENOENT;

	if (!path || path[0] != '/')
		return hv_error_set(err, EINVAL, "cannot save domain '%s': '%s' is not an absolute "
				    "path", name, path ? path : "");
	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, name, err))) {
		xml = hv_domain_def_format(o->def.domain);
		if ((r = save_locked(o, flags, &kept, err)) == 0 &&
		    (r = hv_saveimg_begin(path, xml, kept == HV_DOMAIN_RUNNING, err)) == 0)
			hv_conn_emit(c, HV_OBJ_DOMAIN, NULL, name, "saved", path);
	}
	hv_core_unlock(&tc->core);
	return r;
}

static int
restore(HvConn *c, const char *path, unsigned flags, char **name_out, GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(HvDomainDef) def = NULL;
	bool running;
	HvEntry *o;
	int r;

	if ((r = hv_saveimg_def(path, &def, &running, err)) < 0)
		return r;
	hv_core_lock(&tc->core);
	o = hv_objtab_lookup(tc->domains, def->name);
	if (o && test_domain_state_active(test_dom(o)->state))
		r = hv_error_set(err, EBUSY, "cannot restore domain '%s': domain is already "
				 "running", def->name);
	else if (!o && (r = hv_objtab_add(tc->domains, g_steal_pointer(&def), HV_ADD_PREPARE, &o,
					  err)) < 0)
		o = NULL;
	if (o && r == 0) {
		r = to_state(o, flags & SAVE_PAUSED ? HV_DOMAIN_PAUSED
				: flags & SAVE_RUNNING || running ? HV_DOMAIN_RUNNING
				: HV_DOMAIN_PAUSED, err);
		if (r == 0 && name_out)
			*name_out = g_strdup(o->name);
	}
	hv_core_unlock(&tc->core);
	return r;
}

void
test_snapshot_domain_ops(HvDomainOps *ops)
{
	ops->start = dom_start;
	ops->managed_save = managed_save;
	ops->has_managed_save = has_managed_save;
	ops->managed_save_remove = managed_save_remove;
	ops->save = save_to;
	ops->restore = restore;
	ops->save_image_xml = hv_saveimg_xml;
}
