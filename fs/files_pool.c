/* files_pool.c: pools/, pools/<name>/, and its volumes/<volume>/ folders,
 * through the pool and volume ops. */
#include <inttypes.h>
#include <string.h>
#include "fs/files.h"

static const char *const pool_states[HV_POOL_STATE_LAST] = {
	[HV_POOL_INACTIVE] = "inactive", [HV_POOL_BUILDING] = "building",
	[HV_POOL_RUNNING] = "active",	 [HV_POOL_DEGRADED] = "degraded",
	[HV_POOL_INACCESSIBLE] = "inaccessible",
};

static const HvVerb verbs[] = {
	{ "start", offsetof(HvPoolOps, start) },
	{ "stop", offsetof(HvPoolOps, stop) },
	{ "build", offsetof(HvPoolOps, build) },
	{ "refresh", offsetof(HvPoolOps, refresh) },
	{ "delete", offsetof(HvPoolOps, delete) },
};

static int
pinfo(HvObj *o, HvPoolInfo **out, GError **err)
{
	HvConn *c = o->node->conn;

	return HV_CALL(c, pool, get_info, HV_READS, err, o->name, out);
}

static const char *
pool_state(HvPoolState s)
{
	return s < HV_POOL_STATE_LAST ? pool_states[s] : "inaccessible";
}

#define POOL_READER(fname, fmt, expr)                           \
	static int fname(HvObj *o, GString *out, GError **err)  \
	{                                                       \
		g_autoptr(HvPoolInfo) i = NULL;                  \
		int r = pinfo(o, &i, err);                      \
		if (r < 0)                                      \
			return r;                               \
		g_string_append_printf(out, fmt "\n", expr);    \
		return 0;                                       \
	}

POOL_READER(r_state, "%s", pool_state(i->state))
POOL_READER(r_autostart, "%d", i->autostart ? 1 : 0)
POOL_READER(r_persistent, "%d", i->persistent ? 1 : 0)
POOL_READER(r_uuid, "%s", i->uuid)
POOL_READER(r_capacity, "%" PRIu64, i->capacity)
POOL_READER(r_allocation, "%" PRIu64, i->allocation)
POOL_READER(r_available, "%" PRIu64, i->available)

static int
r_info(HvObj *o, GString *out, GError **err)
{
	g_autoptr(HvPoolInfo) i = NULL;
	int r = pinfo(o, &i, err);

	if (r < 0)
		return r;
	g_string_append_printf(out,
			       "name: %s\nuuid: %s\ntype: %s\nstate: %s\npersistent: %s\n"
			       "autostart: %s\ncapacity: %" PRIu64 "\nallocation: %" PRIu64
			       "\navailable: %" PRIu64 "\ntarget-path: %s\n",
			       i->name, i->uuid, i->type ? i->type : "", pool_state(i->state),
			       hv_bool_word(i->persistent), hv_bool_word(i->autostart), i->capacity,
			       i->allocation, i->available, i->target_path ? i->target_path : "");
	return 0;
}

/* build with libvirt's flags: the verbs that say what to do with what the
 * storage holds */
static const struct {
	const char *verb;
	unsigned flags;
} build_verbs[] = {
	{ "build-overwrite", 8 },    /* VIR_STORAGE_POOL_BUILD_OVERWRITE */
	{ "build-no-overwrite", 4 }, /* VIR_STORAGE_POOL_BUILD_NO_OVERWRITE */
};

static int
w_state(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;

	for (size_t k = 0; k < G_N_ELEMENTS(build_verbs); k++)
		if (strcmp(tok, build_verbs[k].verb) == 0)
			return HV_CALL(c, pool, build_flags, HV_WRITES, err, o->name,
				       build_verbs[k].flags);
	return hv_files_verb(c, c->driver->pool, verbs, G_N_ELEMENTS(verbs), "pool", o->name, tok,
			     err);
}

/* The live definition with the storage's facts now: sizes, a disk's
 * <freeExtent>s (equal to config.xml, sizes aside, while inactive). */
static int
r_live(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *xml = NULL;
	int r = HV_CALL(c, pool, get_xml, HV_READS, err, o->name, 0, &xml);

	if (r < 0)
		return r;
	g_string_append(out, xml);
	return 0;
}

static HvObj *
volumes_dir(HvObj *o)
{
	HvFs *fs = o->node->fs;

	if (!o->volumes)
		o->volumes = hv_obj_new(fs, DK_VOLUMES, o->node, o, "volumes");
	return o->volumes;
}

static const FileDef pool_files[] = {
	{ "config.xml", F_XML | F_SLOW, hv_coll_read_config, NULL, hv_coll_commit_config },
	{ "live.xml", F_SLOW, r_live },
	{ "state", F_WRITE, r_state, w_state },
	{ "autostart", F_WRITE, r_autostart, hv_coll_write_autostart },
	{ "capacity", 0, r_capacity },
	{ "allocation", 0, r_allocation },
	{ "available", 0, r_available },
	{ "persistent", 0, r_persistent },
	{ "uuid", 0, r_uuid },
	{ "info", 0, r_info },
	{ "error", F_VOLATILE, hv_files_error },
	{ "volumes", F_DIR, .subdir = volumes_dir },
};

const DirOps hv_pool_ops = {
	HV_FILES(pool_files),
	.scratch = true,
};

/* pools/: its children come from collection.c */
const DirOps hv_pools_ops = {
	.child_kind = DK_POOL,
	.scratch = true,
};

/* volumes */

static int
vinfo(HvObj *o, HvVolumeInfo **out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *pool = hv_obj_pool_dup(o->node->fs, o);

	return HV_CALL(c, volume, get_info, HV_READS, err, pool, o->name, out);
}

#define VOL_READER(fname, fmt, expr)                            \
	static int fname(HvObj *o, GString *out, GError **err)  \
	{                                                       \
		g_autoptr(HvVolumeInfo) i = NULL;                \
		int r = vinfo(o, &i, err);                      \
		if (r < 0)                                      \
			return r;                               \
		g_string_append_printf(out, fmt "\n", expr);    \
		return 0;                                       \
	}

VOL_READER(r_path, "%s", i->path ? i->path : "")
VOL_READER(r_key, "%s", i->key ? i->key : "")
VOL_READER(r_type, "%s", i->type ? i->type : "")
VOL_READER(r_format, "%s", i->format ? i->format : "")
VOL_READER(r_vcapacity, "%" PRIu64, i->capacity)
VOL_READER(r_vallocation, "%" PRIu64, i->allocation)

static int
r_vinfo(HvObj *o, GString *out, GError **err)
{
	g_autoptr(HvVolumeInfo) i = NULL;
	int r = vinfo(o, &i, err);

	if (r < 0)
		return r;
	g_string_append_printf(out,
			       "name: %s\npool: %s\nkey: %s\npath: %s\ntype: %s\nformat: %s\n"
			       "capacity: %" PRIu64 "\nallocation: %" PRIu64 "\n",
			       i->name, i->pool ? i->pool : "", i->key ? i->key : "",
			       i->path ? i->path : "", i->type ? i->type : "",
			       i->format ? i->format : "", i->capacity, i->allocation);
	return 0;
}

static int
w_vcapacity(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *pool = hv_obj_pool_dup(o->node->fs, o);
	bool shrink = g_str_has_prefix(tok, "shrink ");
	uint64_t bytes;
	int r = hv_parse_bytes(shrink ? tok + 7 : tok, &bytes, err);

	if (r < 0)
		return r;
	if (shrink) /* libvirt's VIR_STORAGE_VOL_RESIZE_SHRINK */
		return HV_CALL(c, volume, resize_flags, HV_WRITES, err, pool, o->name, bytes, 4);
	return HV_CALL(c, volume, resize, HV_WRITES, err, pool, o->name, bytes);
}

static const FileDef volume_files[] = {
	{ "config.xml", F_SLOW, hv_coll_read_config },
	{ "path", 0, r_path },
	{ "key", 0, r_key },
	{ "type", 0, r_type },
	{ "format", 0, r_format },
	{ "capacity", F_WRITE, r_vcapacity, w_vcapacity },
	{ "allocation", 0, r_vallocation },
	{ "info", 0, r_vinfo },
	{ "error", F_VOLATILE, hv_files_error },
	{ "data", F_DATA, .present = hv_vol_has_data },
	{ "job", F_WRITE | F_SLOW | F_VOLATILE, hv_vol_read_job, hv_vol_write_job,
	  .present = hv_vol_has_job },
	{ "wipe", F_WRITE, hv_vol_read_wipe, hv_vol_write_wipe, .present = hv_vol_has_wipe },
	{ "clone", F_WRITE, hv_vol_read_clone, hv_vol_write_clone, .present = hv_vol_has_clone },
};

const DirOps hv_volume_ops = {
	HV_FILES(volume_files),
};

/* volumes/: its children come from collection.c */
const DirOps hv_volumes_ops = {
	.child_kind = DK_VOLUME,
	.scratch = true,
};
