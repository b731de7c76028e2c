/* libvirt_cache.c: what the libvirt driver holds, so that get_info (which a
 * lookup calls: fs/fs.h) answers without a round trip: one cache per kind of
 * object, filled by bulk listings and single fetches, dropped per object by
 * events and by our own writes. */
#include "drivers/libvirt/libvirt_priv.h"

void
lv_cache_init(LvCache *k, void *(*dup)(const void *), GDestroyNotify free_fn)
{
	k->infos = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_fn);
	k->listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	k->dup = dup;
	k->free = free_fn;
}

void
lv_cache_clear(LvCache *k)
{
	g_clear_pointer(&k->infos, g_hash_table_unref);
	g_clear_pointer(&k->listed, g_hash_table_unref);
}

void
lv_cache_drop(LvPriv *p, int kind, const char *name, bool listing)
{
	LvCache *k = &p->cache[kind];

	g_mutex_lock(&p->lock);
	k->gen++;
	if (name)
		g_hash_table_remove(k->infos, name);
	if (listing)
		k->list_valid = false;
	g_mutex_unlock(&p->lock);
}

static void
drop_all(LvCache *k)
{
	k->gen++;
	g_hash_table_remove_all(k->infos);
	g_hash_table_remove_all(k->listed);
	k->list_valid = false;
}

void
lv_cache_drop_all(LvPriv *p, int kind)
{
	g_mutex_lock(&p->lock);
	drop_all(&p->cache[kind]);
	g_mutex_unlock(&p->lock);
}

void
lv_cache_reset(LvPriv *p)
{
	g_mutex_lock(&p->lock);
	for (int i = 0; i < LV_CACHE_LAST; i++)
		drop_all(&p->cache[i]);
	g_mutex_unlock(&p->lock);
}

uint64_t
lv_cache_gen(LvPriv *p, int kind)
{
	uint64_t g;

	g_mutex_lock(&p->lock);
	g = p->cache[kind].gen;
	g_mutex_unlock(&p->lock);
	return g;
}

GPtrArray *
lv_cache_names(LvPriv *p, int kind)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key;

	g_mutex_lock(&p->lock);
	g_hash_table_iter_init(&it, p->cache[kind].infos);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(names, g_strdup(key));
	g_mutex_unlock(&p->lock);
	return names;
}

void *
lv_cache_get(LvPriv *p, int kind, const char *name, uint64_t *gen)
{
	LvCache *k = &p->cache[kind];
	void *hit;

	g_mutex_lock(&p->lock);
	hit = g_hash_table_lookup(k->infos, name);
	hit = hit ? k->dup(hit) : NULL;
	*gen = k->gen;
	g_mutex_unlock(&p->lock);
	return hit;
}

void
lv_cache_put(LvPriv *p, int kind, uint64_t gen, const char *name, const void *info)
{
	LvCache *k = &p->cache[kind];

	g_mutex_lock(&p->lock);
	if (k->gen == gen)
		g_hash_table_replace(k->infos, g_strdup(name), k->dup(info));
	g_mutex_unlock(&p->lock);
}

/* Valid only while every listed object still has its info: an event drops
 * one object's info, not the listing. */
bool
lv_cache_list(LvPriv *p, int kind, GPtrArray *out, uint64_t *gen)
{
	LvCache *k = &p->cache[kind];
	GHashTableIter it;
	gpointer key;
	bool valid;

	g_mutex_lock(&p->lock);
	valid = k->list_valid;
	*gen = k->gen;
	g_hash_table_iter_init(&it, k->listed);
	while (valid && g_hash_table_iter_next(&it, &key, NULL)) {
		void *i = g_hash_table_lookup(k->infos, key);

		if (i)
			g_ptr_array_add(out, k->dup(i));
		else
			valid = false;
	}
	if (!valid)
		g_ptr_array_set_size(out, 0);
	g_mutex_unlock(&p->lock);
	return valid;
}

void
lv_cache_put_list(LvPriv *p, int kind, uint64_t gen, GPtrArray *infos,
		  const char *(*key)(const void *info, char **tmp))
{
	LvCache *k = &p->cache[kind];

	g_mutex_lock(&p->lock);
	if (k->gen == gen) {
		g_hash_table_remove_all(k->listed);
		for (guint i = 0; i < infos->len; i++) {
			g_autofree char *tmp = NULL;
			const char *name = key(infos->pdata[i], &tmp);

			g_hash_table_replace(k->infos, g_strdup(name), k->dup(infos->pdata[i]));
			g_hash_table_add(k->listed, g_strdup(name));
		}
		k->list_valid = true;
	}
	g_mutex_unlock(&p->lock);
}

void *
lv_domain_info_dup(const void *src)
{
	const HvDomainInfo *i = src;
	HvDomainInfo *d = g_memdup2(i, sizeof(*i));

	d->name = g_strdup(i->name);
	d->os_type = g_strdup(i->os_type);
	d->accel = g_strdup(i->accel);
	return d;
}

void *
lv_network_info_dup(const void *src)
{
	const HvNetworkInfo *i = src;
	HvNetworkInfo *d = g_memdup2(i, sizeof(*i));

	d->name = g_strdup(i->name);
	d->bridge = g_strdup(i->bridge);
	d->forward = g_strdup(i->forward);
	return d;
}

void *
lv_pool_info_dup(const void *src)
{
	const HvPoolInfo *i = src;
	HvPoolInfo *d = g_memdup2(i, sizeof(*i));

	d->name = g_strdup(i->name);
	d->type = g_strdup(i->type);
	d->target_path = g_strdup(i->target_path);
	return d;
}

void *
lv_volume_info_dup(const void *src)
{
	const HvVolumeInfo *i = src;
	HvVolumeInfo *d = g_memdup2(i, sizeof(*i));

	d->name = g_strdup(i->name);
	d->pool = g_strdup(i->pool);
	d->key = g_strdup(i->key);
	d->path = g_strdup(i->path);
	d->type = g_strdup(i->type);
	d->format = g_strdup(i->format);
	return d;
}
