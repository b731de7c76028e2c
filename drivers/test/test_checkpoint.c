/* test_checkpoint.c: the test driver's checkpoints, as libvirt 9.0's test
 * driver keeps them: only for a running domain without snapshots (and no
 * snapshot while one exists), named by the time unless the document names
 * it, the child of the current one, with a bitmap per disk; deleting one
 * moves its children to its parent (or takes them along). Metadata only,
 * in memory, like the rest of the test node. */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"
#include "conf/checkpoint_conf.h"

enum {
	CREATE_REDEFINE = 1 << 0, CREATE_QUIESCE = 1 << 1,             /* ..._CREATE_* */
	XML_SECURE = 1 << 0, XML_NO_DOMAIN = 1 << 1, XML_SIZE = 1 << 2, /* ..._XML_* */
	DEL_CHILDREN = 1 << 0, DEL_METADATA_ONLY = 1 << 1, DEL_CHILDREN_ONLY = 1 << 2,
};

void
test_checkpoint_domain_free(TestDomain *d)
{
	g_clear_pointer(&d->cps, g_ptr_array_unref);
	g_clear_pointer(&d->cp_current, g_free);
}

/* Lock held: the domain, its list made on first use. */
static HvEntry *
dom_find(TestConn *tc, const char *dom, GError **err)
{
	HvEntry *o = hv_objtab_find(tc->domains, dom, err);

	if (o && !test_dom(o)->cps)
		test_dom(o)->cps = g_ptr_array_new_with_free_func(
			(GDestroyNotify)hv_checkpoint_def_free);
	return o;
}

static HvCheckpointDef *
cp_find(HvEntry *o, const char *name, GError **err)
{
	GPtrArray *l = test_dom(o)->cps;

	for (guint k = 0; k < l->len; k++)
		if (g_str_equal(((HvCheckpointDef *)l->pdata[k])->name, name))
			return l->pdata[k];
	hv_error_set(err, ENOENT, "no domain checkpoint with matching name '%s'", name);
	return NULL;
}

static int
cp_list(HvConn *c, const char *dom, GPtrArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;

	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err))) {
		GPtrArray *l = test_dom(o)->cps;

		*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_snapshot_info_free);
		for (guint k = 0; k < l->len; k++) {
			const HvCheckpointDef *def = l->pdata[k];
			HvSnapshotInfo *i = g_new0(HvSnapshotInfo, 1);

			i->name = g_strdup(def->name);
			i->parent = g_strdup(def->parent);
			i->current = g_strcmp0(test_dom(o)->cp_current, def->name) == 0;
			i->creation_time = def->creation_time;
			for (guint j = 0; j < l->len; j++)
				if (g_strcmp0(((HvCheckpointDef *)l->pdata[j])->parent, def->name) == 0)
					i->children++;
			g_ptr_array_add(*out, i);
		}
	}
	hv_core_unlock(&tc->core);
	return o ? 0 : -ENOENT;
}

static int
cp_get_xml(HvConn *c, const char *dom, const char *name, unsigned flags, char **xml,
	   GError **err)
{
	TestConn *tc = test_conn(c);
	unsigned known = XML_SECURE | XML_NO_DOMAIN | XML_SIZE;
	HvCheckpointDef *def = NULL;
	HvEntry *o;
	int r = -ENOENT;

	if (flags & ~known)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainCheckpointGetXMLDesc", flags & ~known);
	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err)) && (def = cp_find(o, name, err))) {
		if ((flags & XML_SIZE) && !test_domain_state_active(test_dom(o)->state))
			r = hv_error_set(err, EBUSY, "domain is not running");
		else if ((*xml = hv_checkpoint_def_format(def, flags & XML_NO_DOMAIN)))
			r = 0;
		else
			r = hv_error_set(err, EIO, "cannot format checkpoint '%s'", name);
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* Lock held: libvirt's refusals, then def (stolen) joins o's checkpoints. */
static int
create_locked(TestConn *tc, HvEntry *o, HvCheckpointDef *def, GError **err)
{
	TestDomain *d = test_dom(o);
	const GPtrArray *disks = o->def.domain->disks;

	if (d->snaps && d->snaps->len)
		return hv_error_set(err, EPROTONOSUPPORT, "cannot create checkpoint while snapshot "
				    "exists");
	if (!test_domain_state_active(d->state))
		return hv_error_set(err, EPROTONOSUPPORT, "cannot create checkpoint for inactive "
				    "domain");
	test_tick(tc);
	/* the wall clock, as libvirt's (clock=fixed: the virtual one) */
	def->creation_time = tc->params.fixed_clock ? test_clock_ns(tc) / 1000000000
						    : g_get_real_time() / G_USEC_PER_SEC;
	if (!def->name)
		def->name = g_strdup_printf("%" G_GINT64_FORMAT, def->creation_time);
	if (cp_find(o, def->name, NULL))
		return hv_error_set(err, EIO, "domain moment %s already exists", def->name);
	def->parent = g_strdup(d->cp_current);
	def->disks = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; disks && k < disks->len; k++) {
		const HvDomainDiskDef *disk = disks->pdata[k];

		if (disk->target_dev && g_strcmp0(disk->device, "disk") == 0 && !disk->readonly)
			g_ptr_array_add(def->disks, g_strdup(disk->target_dev));
	}
	def->domain_xml = hv_domain_def_format(o->def.domain);
	g_free(d->cp_current);
	d->cp_current = g_strdup(def->name);
	g_ptr_array_add(d->cps, def);
	hv_entry_emit(o, "checkpoint-created", def->name);
	return 0;
}

static int
cp_create(HvConn *c, const char *dom, const char *xml, unsigned flags, char **name_out,
	  GError **err)
{
	TestConn *tc = test_conn(c);
	g_autoptr(HvCheckpointDef) def = NULL;
	HvEntry *o;
	int r = -ENOENT;

	if (flags & ~(CREATE_REDEFINE | CREATE_QUIESCE))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainCheckpointCreateXML",
				    flags & ~(CREATE_REDEFINE | CREATE_QUIESCE));
	if (flags & CREATE_REDEFINE)
		return hv_error_set(err, EPROTONOSUPPORT, "the test node does not redefine "
				    "checkpoints");
	def = xml && *xml ? hv_checkpoint_def_parse(xml, strlen(xml), err)
			  : g_new0(HvCheckpointDef, 1);
	if (!def)
		return -EINVAL;
	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err))) {
		HvCheckpointDef *d = g_steal_pointer(&def);

		if ((r = create_locked(tc, o, d, err)) < 0)
			hv_checkpoint_def_free(d);
		else if (name_out)
			*name_out = g_strdup(d->name);
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* Whether def descends from top. */
static bool
descends(HvEntry *o, const HvCheckpointDef *def, const char *top)
{
	for (unsigned n = 0; def && def->parent && n <= test_dom(o)->cps->len; n++) {
		if (g_str_equal(def->parent, top))
			return true;
		def = cp_find(o, def->parent, NULL);
	}
	return false;
}

/* Lock held: def goes (its children to its parent), or its descendants do. */
static void
delete_locked(HvEntry *o, HvCheckpointDef *def, unsigned flags)
{
	TestDomain *d = test_dom(o);
	GPtrArray *l = d->cps;
	g_autofree char *name = g_strdup(def->name), *parent = g_strdup(def->parent);
	bool all = flags & (DEL_CHILDREN | DEL_CHILDREN_ONLY);

	for (guint k = 0; k < l->len; k++) {
		HvCheckpointDef *c = l->pdata[k];

		if (all && descends(o, c, name)) {
			if (g_strcmp0(d->cp_current, c->name) == 0)
				g_free(g_steal_pointer(&d->cp_current));
			hv_entry_emit(o, "checkpoint-deleted", c->name);
			g_ptr_array_remove_index(l, k--);
		} else if (!all && g_strcmp0(c->parent, name) == 0) {
			g_free(c->parent);
			c->parent = g_strdup(parent);
		}
	}
	if (flags & DEL_CHILDREN_ONLY) {
		if (!d->cp_current)
			d->cp_current = g_strdup(name);
		return;
	}
	if (!d->cp_current || g_str_equal(d->cp_current, name)) {
		g_free(d->cp_current);
		d->cp_current = g_strdup(parent);
	}
	g_ptr_array_remove(l, cp_find(o, name, NULL));
	hv_entry_emit(o, "checkpoint-deleted", name);
}

static int
cp_delete(HvConn *c, const char *dom, const char *name, unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	unsigned known = DEL_CHILDREN | DEL_METADATA_ONLY | DEL_CHILDREN_ONLY;
	HvCheckpointDef *def = NULL;
	HvEntry *o;

	if (flags & ~known)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainCheckpointDelete", flags & ~known);
	hv_core_lock(&tc->core);
	if ((o = dom_find(tc, dom, err)) && (def = cp_find(o, name, err))) {
		test_tick(tc);
		delete_locked(o, def, flags);
	}
	hv_core_unlock(&tc->core);
	return def ? 0 : -ENOENT;
}

const HvCheckpointOps test_checkpoint_ops = {
	.list = cp_list,
	.get_xml = cp_get_xml,
	.create_xml = cp_create,
	.delete = cp_delete,
};
