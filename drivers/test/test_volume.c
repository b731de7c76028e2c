/* test_volume.c: the test driver's storage volume class: the children of a
 * pool in the shared tables, and the pool's sizes they make up (libvirt
 * refuses volume operations on an inactive pool: the shared code answers
 * EBUSY). A volume's path and key are the pool's
 * target path plus its name; creating one needs its allocation free in the
 * pool (-ENOSPC); a resize may only grow it (-EINVAL) unless asked to shrink,
 * and never below its allocation. Content is in test_voldata.c. */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "util/names.h"

/* Capacity from the definition (libvirt's test default when it has none),
 * allocation the sum of the volumes'. */
void
test_pool_sizes(const HvEntry *p, uint64_t *cap, uint64_t *alloc, uint64_t *avail)
{
	uint64_t c = p->def.pool->capacity ? p->def.pool->capacity : TEST_POOL_DEFAULT_CAPACITY;
	uint64_t a = 0;

	for (guint i = 0; i < hv_objtab_count(p->children); i++)
		a += hv_objtab_nth(p->children, i)->def.volume->allocation;
	*cap = c;
	*alloc = a;
	*avail = a < c ? c - a : 0;
}

/* Lock held. Steals vol. Also used by the node loader. */
int
test_pool_add_volume(HvEntry *p, HvVolumeDef *vol, HvEntry **out, GError **err)
{
	g_autoptr(HvVolumeDef) owned = vol;
	uint64_t cap, alloc, avail;
	const char *dir = p->def.pool->target_path ? p->def.pool->target_path : "";

	if (hv_name_check("storage volume", vol->name, err) < 0)
		return -EINVAL;
	if (hv_objtab_lookup(p->children, vol->name))
		return hv_error_set(err, EEXIST, "storage volume '%s' already exists in pool '%s'",
				    vol->name, p->name);
	if (vol->allocation > vol->capacity)
		vol->allocation = vol->capacity;
	test_pool_sizes(p, &cap, &alloc, &avail);
	if (vol->allocation > avail)
		return hv_error_set(err, ENOSPC, "not enough free space in pool '%s' for volume "
				    "'%s': %" G_GUINT64_FORMAT " bytes needed, %" G_GUINT64_FORMAT
				    " available", p->name, vol->name, vol->allocation, avail);
	g_free(vol->target_path);
	vol->target_path = g_strdup_printf("%s/%s", dir, vol->name);
	g_free(vol->key);
	vol->key = g_strdup(vol->target_path);
	if (!vol->type)
		vol->type = g_strdup("file");
	return hv_objtab_add(p->children, g_steal_pointer(&owned), 0, out, err);
}

/* The children's create hook: the document is read in the pool's context. */
static int
create(HvObjTab *t, HvEntry *p, const char *xml, HvEntry **out, GError **err)
{
	g_autoptr(GError) perr = NULL;
	HvVolumeDef *v;
	int r;

	if (!(v = hv_volume_def_parse(p->def.pool, xml, strlen(xml), &perr)))
		return test_error_take(err, g_steal_pointer(&perr));
	if ((r = test_pool_add_volume(p, v, out, err)) < 0)
		return r;
	test_tick(test_tab_conn(t));
	hv_entry_emit(*out, "created", "-");
	return 0;
}

static void *
info_new(HvObjTab *t, HvEntry *o)
{
	const HvVolumeDef *v = o->def.volume;
	HvVolumeInfo *i = g_new0(HvVolumeInfo, 1);

	i->name = g_strdup(v->name);
	i->pool = g_strdup(t->parent);
	i->key = g_strdup(v->key);
	i->path = g_strdup(v->target_path);
	i->type = g_strdup(v->type);
	i->format = g_strdup(v->format);
	i->capacity = v->capacity;
	i->allocation = v->allocation;
	return i;
}

static int
act_delete(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	test_tick(test_tab_conn(t));
	hv_entry_emit(o, "deleted", "-");
	hv_objtab_remove(t, o);
	return 0;
}

static int
act_resize(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	uint64_t bytes = ((const HvSetArg *)arg)->value;
	bool shrink = ((const HvSetArg *)arg)->flags & 4; /* VIR_STORAGE_VOL_RESIZE_SHRINK */
	HvVolumeDef *v = o->def.volume;

	if (bytes == 0)
		return hv_error_set(err, EINVAL, "cannot resize volume '%s' in pool '%s' to 0 bytes",
				    o->name, t->parent);
	if (bytes < v->capacity && shrink && bytes < v->allocation)
		return hv_error_set(err, EINVAL, "cannot shrink volume '%s' in pool '%s' below its "
				    "allocation of %" G_GUINT64_FORMAT " bytes", o->name, t->parent,
				    v->allocation);
	if (bytes < v->capacity && !shrink)
		return hv_error_set(err, EINVAL, "cannot shrink volume '%s' in pool '%s' from %"
				    G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " bytes", o->name,
				    t->parent, v->capacity, bytes);
	if (bytes == v->capacity)
		return 0;
	test_tick(test_tab_conn(t));
	v->capacity = bytes;
	hv_entry_emit_u64(o, "resized", bytes);
	return 0;
}

static const HvObjVerb verbs[HV_VERB_LAST] = {
	[HV_VERB_DELETE] = { "delete", { .cls = HV_JOB_MODIFY }, 0, NULL, act_delete },
	[HV_VERB_RESIZE] = { "resize", { .cls = HV_JOB_MODIFY }, 0, NULL, act_resize },
};

const HvObjClass test_volume_class = {
	.defs = &hv_volume_defs,
	.verbs = verbs,
	.info = info_new,
	.info_free = (GDestroyNotify)hv_volume_info_free,
	.create = create,
	.priv_new = test_vol_priv_new,
	.priv_free = test_vol_priv_free,
	.data = &test_vol_data,
};
