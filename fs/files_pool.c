/* files_pool.c: pools/, pools/<name>/, and its volumes/<volume>/ folders,
 * through the pool and volume ops. */
#include <inttypes.h>
#include "fs/files.h"
#include "util/parse.h"

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

static int
r_config(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *xml = NULL;
	int r = HV_CALL(c, pool, get_xml, HV_READS, err, o->name, HV_XML_INACTIVE, &xml);

	if (r < 0)
		return r;
	g_string_append(out, xml);
	return 0;
}

static int
c_config(HvObj *o, const char *buf, size_t len, GError **err)
{
	HvConn *c = o->node->conn;
	int r = hv_files_same_name(HV_OBJ_POOL, o, buf, len, err);

	if (r < 0)
		return r;
	return HV_CALL(c, pool, define_xml, HV_WRITES, err, buf, NULL);
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

static int
w_state(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;

	return hv_files_verb(c, c->driver->pool, verbs, G_N_ELEMENTS(verbs), "pool", o->name, tok,
			     err);
}

static int
w_autostart(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	bool on;
	int r = hv_parse_bool(tok, &on, err);

	if (r < 0)
		return r;
	return HV_CALL(c, pool, set_autostart, HV_WRITES, err, o->name, on);
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
	{ "config.xml", F_XML, r_config, NULL, c_config },
	{ "state", F_WRITE, r_state, w_state },
	{ "autostart", F_WRITE, r_autostart, w_autostart },
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

static int
list_pools(HvObj *dir, GPtrArray **names, GError **err)
{
	g_autoptr(GPtrArray) all = NULL;
	int r = HV_CALL(dir->node->conn, pool, list, HV_READS, err, &all);

	return r < 0 ? r : hv_files_names_of(all, names);
}

static int
pool_exists(HvObj *dir, const char *name, GError **err)
{
	g_autoptr(HvPoolInfo) i = NULL;

	return HV_CALL(dir->node->conn, pool, get_info, HV_READS, err, name, &i);
}

static int
create_pool(HvObj *dir, const char *xml, GError **err)
{
	return HV_CALL(dir->node->conn, pool, define_xml, HV_WRITES, err, xml, NULL);
}

static int
remove_pool(HvObj *dir, const char *name, GError **err)
{
	HvConn *c = dir->node->conn;
	g_autoptr(HvPoolInfo) i = NULL;
	int r = HV_CALL(c, pool, get_info, HV_READS, err, name, &i);

	if (r < 0)
		return r;
	if (i->state != HV_POOL_INACTIVE)
		return hv_error_set(err, EBUSY, "pool '%s' is active: write stop to its state first",
				    name);
	return HV_CALL(c, pool, undefine, HV_WRITES, err, name);
}

const DirOps hv_pools_ops = {
	.child_kind = DK_POOL,
	.obj_kind = HV_OBJ_POOL,
	.list = list_pools,
	.exists = pool_exists,
	.create = create_pool,
	.remove = remove_pool,
	.scratch = true,
};

/* volumes */

static int
vinfo(HvObj *o, HvVolumeInfo **out, GError **err)
{
	HvConn *c = o->node->conn;

	return HV_CALL(c, volume, get_info, HV_READS, err, hv_obj_pool_name(o), o->name, out);
}

static int
r_vconfig(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *xml = NULL;
	int r = HV_CALL(c, volume, get_xml, HV_READS, err, hv_obj_pool_name(o), o->name, &xml);

	if (r < 0)
		return r;
	g_string_append(out, xml);
	return 0;
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
	uint64_t bytes;
	int r = hv_parse_bytes(tok, &bytes, err);

	if (r < 0)
		return r;
	return HV_CALL(c, volume, resize, HV_WRITES, err, hv_obj_pool_name(o), o->name, bytes);
}

static const FileDef volume_files[] = {
	{ "config.xml", 0, r_vconfig },
	{ "path", 0, r_path },
	{ "key", 0, r_key },
	{ "type", 0, r_type },
	{ "format", 0, r_format },
	{ "capacity", F_WRITE, r_vcapacity, w_vcapacity },
	{ "allocation", 0, r_vallocation },
	{ "info", 0, r_vinfo },
	{ "error", F_VOLATILE, hv_files_error },
};

const DirOps hv_volume_ops = {
	HV_FILES(volume_files),
};

static int
list_vols(HvObj *dir, GPtrArray **names, GError **err)
{
	g_autoptr(GPtrArray) all = NULL;
	int r = HV_CALL(dir->node->conn, volume, list, HV_READS, err, hv_obj_pool_name(dir), &all);

	return r < 0 ? r : hv_files_names_of(all, names);
}

static int
vol_exists(HvObj *dir, const char *name, GError **err)
{
	g_autoptr(HvVolumeInfo) i = NULL;

	return HV_CALL(dir->node->conn, volume, get_info, HV_READS, err, hv_obj_pool_name(dir),
		       name, &i);
}

static int
create_vol(HvObj *dir, const char *xml, GError **err)
{
	return HV_CALL(dir->node->conn, volume, create_xml, HV_WRITES, err, hv_obj_pool_name(dir),
		       xml, NULL);
}

static int
remove_vol(HvObj *dir, const char *name, GError **err)
{
	HvConn *c = dir->node->conn;

	return HV_CALL(c, volume, delete, HV_WRITES, err, hv_obj_pool_name(dir), name);
}

const DirOps hv_volumes_ops = {
	.child_kind = DK_VOLUME,
	.obj_kind = HV_OBJ_VOLUME,
	.list = list_vols,
	.exists = vol_exists,
	.create = create_vol,
	.remove = remove_vol,
	.scratch = true,
};
