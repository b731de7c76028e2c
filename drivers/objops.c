/* objops.c: the driver API over a connection's object tables (objops.h).
 * Each method finds the table of its kind in c->tables and makes one whole
 * call on it (objtab.c); verbs go to the class's rows, and a verb without a
 * row is refused here with the checkpoint's own ENOTSUP message. */
#include "drivers/objops.h"
#include "drivers/conn.h"
#include "drivers/voldata.h"

static const char *const kind_words[HV_OBJ_LAST] = {
	[HV_OBJ_NODE] = "node",	    [HV_OBJ_DOMAIN] = "domain", [HV_OBJ_NETWORK] = "network",
	[HV_OBJ_POOL] = "pool",	    [HV_OBJ_VOLUME] = "volume",
};

/* The driver method each verb stands for, as HV_CALL names it. */
static const char *const methods[HV_VERB_LAST] = {
	[HV_VERB_START] = "start",	 [HV_VERB_SHUTDOWN] = "shutdown",
	[HV_VERB_DESTROY] = "destroy",	 [HV_VERB_REBOOT] = "reboot",
	[HV_VERB_RESET] = "reset",	 [HV_VERB_SUSPEND] = "suspend",
	[HV_VERB_RESUME] = "resume",	 [HV_VERB_STOP] = "stop",
	[HV_VERB_BUILD] = "build",	 [HV_VERB_REFRESH] = "refresh",
	[HV_VERB_DELETE] = "delete",	 [HV_VERB_SET_MEMORY] = "set_memory",
	[HV_VERB_SET_VCPUS] = "set_vcpus", [HV_VERB_RESIZE] = "resize",
	[HV_VERB_STATS] = "get_stats",
};

static bool
has_verb(const HvObjClass *cls, HvVerbId v)
{
	return cls && cls->verbs && cls->verbs[v].act;
}

/* A verb on a domain, network or pool. */
static int
verb(HvConn *c, HvObjKind kind, HvVerbId v, const char *name, void *arg, GError **err)
{
	HvObjTab *t = c->tables[kind];

	if (!has_verb(t->cls, v))
		return hv_conn_check(c, NULL, kind_words[kind], methods[v], false, err);
	return hv_objtab_run(t, name, v, arg, err);
}

/* A verb on a volume, through its pool. */
static int
vol_verb(HvConn *c, HvVerbId v, const char *pool, const char *name, void *arg, GError **err)
{
	HvObjTab *t = c->tables[HV_OBJ_POOL];

	if (!has_verb(t->cls->children, v))
		return hv_conn_check(c, NULL, "volume", methods[v], false, err);
	return hv_objtab_child_run(t, pool, name, v, arg, err);
}

#define DOMS(c) ((c)->tables[HV_OBJ_DOMAIN])

/* ---- domains */

int
hv_objops_dom_list(HvConn *c, GPtrArray **out, GError **err)
{
	return hv_objtab_list(DOMS(c), out, err);
}

int
hv_objops_dom_get_info(HvConn *c, const char *name, HvDomainInfo **out, GError **err)
{
	return hv_objtab_get_info(DOMS(c), name, (void **)out, err);
}

int
hv_objops_dom_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return hv_objtab_get_xml(DOMS(c), name, flags, xml, err);
}

int
hv_objops_dom_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return hv_objtab_define_xml(DOMS(c), xml, name_out, err);
}

int
hv_objops_dom_undefine(HvConn *c, const char *name, GError **err)
{
	return hv_objtab_undefine(DOMS(c), name, err);
}

int
hv_objops_dom_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	return hv_objtab_set_autostart(DOMS(c), name, on, err);
}

int hv_objops_dom_start(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_DOMAIN, HV_VERB_START, n, NULL, e); }
int hv_objops_dom_shutdown(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_DOMAIN, HV_VERB_SHUTDOWN, n, NULL, e); }
int hv_objops_dom_destroy(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_DOMAIN, HV_VERB_DESTROY, n, NULL, e); }
int hv_objops_dom_reboot(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_DOMAIN, HV_VERB_REBOOT, n, NULL, e); }
int hv_objops_dom_reset(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_DOMAIN, HV_VERB_RESET, n, NULL, e); }
int hv_objops_dom_suspend(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_DOMAIN, HV_VERB_SUSPEND, n, NULL, e); }
int hv_objops_dom_resume(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_DOMAIN, HV_VERB_RESUME, n, NULL, e); }

int
hv_objops_dom_set_memory(HvConn *c, const char *name, uint64_t kib, unsigned flags,
			 GError **err)
{
	HvSetArg a = { kib, flags };

	return verb(c, HV_OBJ_DOMAIN, HV_VERB_SET_MEMORY, name, &a, err);
}

int
hv_objops_dom_set_vcpus(HvConn *c, const char *name, unsigned n, unsigned flags, GError **err)
{
	HvSetArg a = { n, flags };

	return verb(c, HV_OBJ_DOMAIN, HV_VERB_SET_VCPUS, name, &a, err);
}

int
hv_objops_dom_get_stats(HvConn *c, const char *name, char **text, GError **err)
{
	return verb(c, HV_OBJ_DOMAIN, HV_VERB_STATS, name, text, err);
}

int
hv_objops_dom_get_job(HvConn *c, const char *name, HvJobInfo *out, GError **err)
{
	return hv_objtab_get_job(DOMS(c), name, out, err);
}

int
hv_objops_dom_abort_job(HvConn *c, const char *name, GError **err)
{
	return hv_objtab_abort_job(DOMS(c), name, err);
}

/* A transient domain; START_PAUSED (1) suspends it once it runs. */
int
hv_objops_dom_create_xml(HvConn *c, const char *xml, unsigned flags, char **name_out,
			 GError **err)
{
	g_autofree char *name = NULL;
	int r = hv_objtab_create_xml(DOMS(c), xml, &name, err);

	if (r == 0 && (flags & 1) && (r = hv_objops_dom_suspend(c, name, err)) < 0)
		hv_objops_dom_destroy(c, name, NULL);
	if (r == 0 && name_out)
		*name_out = g_steal_pointer(&name);
	return r;
}

const HvDomainOps hv_objops_domain = { HV_OBJOPS_DOMAIN };

/* ---- networks and pools: the same calls on their own tables */

static int
net_list(HvConn *c, GPtrArray **out, GError **err)
{
	return hv_objtab_list(c->tables[HV_OBJ_NETWORK], out, err);
}

static int
net_get_info(HvConn *c, const char *name, HvNetworkInfo **out, GError **err)
{
	return hv_objtab_get_info(c->tables[HV_OBJ_NETWORK], name, (void **)out, err);
}

static int
net_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return hv_objtab_get_xml(c->tables[HV_OBJ_NETWORK], name, flags, xml, err);
}

static int
net_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return hv_objtab_define_xml(c->tables[HV_OBJ_NETWORK], xml, name_out, err);
}

static int
net_undefine(HvConn *c, const char *name, GError **err)
{
	return hv_objtab_undefine(c->tables[HV_OBJ_NETWORK], name, err);
}

static int
net_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	return hv_objtab_set_autostart(c->tables[HV_OBJ_NETWORK], name, on, err);
}

static int
net_create_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return hv_objtab_create_xml(c->tables[HV_OBJ_NETWORK], xml, name_out, err);
}

static int net_start(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_NETWORK, HV_VERB_START, n, NULL, e); }
static int net_stop(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_NETWORK, HV_VERB_STOP, n, NULL, e); }

const HvNetworkOps hv_objops_network = {
	.list = net_list,
	.get_info = net_get_info,
	.get_xml = net_get_xml,
	.define_xml = net_define_xml,
	.undefine = net_undefine,
	.start = net_start,
	.stop = net_stop,
	.set_autostart = net_set_autostart,
	.create_xml = net_create_xml,
};

static int
pool_list(HvConn *c, GPtrArray **out, GError **err)
{
	return hv_objtab_list(c->tables[HV_OBJ_POOL], out, err);
}

static int
pool_get_info(HvConn *c, const char *name, HvPoolInfo **out, GError **err)
{
	return hv_objtab_get_info(c->tables[HV_OBJ_POOL], name, (void **)out, err);
}

static int
pool_get_xml(HvConn *c, const char *name, unsigned flags, char **xml, GError **err)
{
	return hv_objtab_get_xml(c->tables[HV_OBJ_POOL], name, flags, xml, err);
}

static int
pool_define_xml(HvConn *c, const char *xml, char **name_out, GError **err)
{
	return hv_objtab_define_xml(c->tables[HV_OBJ_POOL], xml, name_out, err);
}

static int
pool_undefine(HvConn *c, const char *name, GError **err)
{
	return hv_objtab_undefine(c->tables[HV_OBJ_POOL], name, err);
}

static int
pool_set_autostart(HvConn *c, const char *name, bool on, GError **err)
{
	return hv_objtab_set_autostart(c->tables[HV_OBJ_POOL], name, on, err);
}

static int
pool_create_xml(HvConn *c, const char *xml, unsigned flags, char **name_out, GError **err)
{
	return hv_objtab_create_xml(c->tables[HV_OBJ_POOL], xml, name_out, err);
}

static int pool_start(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_POOL, HV_VERB_START, n, NULL, e); }
static int pool_stop(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_POOL, HV_VERB_STOP, n, NULL, e); }
static int pool_build(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_POOL, HV_VERB_BUILD, n, NULL, e); }
static int pool_refresh(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_POOL, HV_VERB_REFRESH, n, NULL, e); }
static int pool_delete(HvConn *c, const char *n, GError **e) { return verb(c, HV_OBJ_POOL, HV_VERB_DELETE, n, NULL, e); }

/* build with libvirt's VIR_STORAGE_POOL_BUILD_* flags (arg: HvSetArg.flags) */
static int
pool_build_flags(HvConn *c, const char *name, unsigned flags, GError **err)
{
	HvSetArg a = { 0, flags };

	return verb(c, HV_OBJ_POOL, HV_VERB_BUILD, name, &a, err);
}

const HvPoolOps hv_objops_pool = {
	.list = pool_list,
	.get_info = pool_get_info,
	.get_xml = pool_get_xml,
	.define_xml = pool_define_xml,
	.undefine = pool_undefine,
	.start = pool_start,
	.stop = pool_stop,
	.build = pool_build,
	.build_flags = pool_build_flags,
	.refresh = pool_refresh,
	.delete = pool_delete,
	.set_autostart = pool_set_autostart,
	.create_xml = pool_create_xml,
};

/* ---- volumes: children of their pool */

static int
vol_list(HvConn *c, const char *pool, GPtrArray **out, GError **err)
{
	return hv_objtab_child_list(c->tables[HV_OBJ_POOL], pool, out, err);
}

static int
vol_get_info(HvConn *c, const char *pool, const char *name, HvVolumeInfo **out, GError **err)
{
	return hv_objtab_child_get_info(c->tables[HV_OBJ_POOL], pool, name, (void **)out, err);
}

static int
vol_get_xml(HvConn *c, const char *pool, const char *name, char **xml, GError **err)
{
	return hv_objtab_child_get_xml(c->tables[HV_OBJ_POOL], pool, name, xml, err);
}

static int
vol_create_xml(HvConn *c, const char *pool, const char *xml, char **name_out, GError **err)
{
	return hv_objtab_child_create(c->tables[HV_OBJ_POOL], pool, xml, name_out, err);
}

static int
vol_delete(HvConn *c, const char *pool, const char *name, GError **err)
{
	return vol_verb(c, HV_VERB_DELETE, pool, name, NULL, err);
}

static int
vol_resize(HvConn *c, const char *pool, const char *name, uint64_t bytes, GError **err)
{
	HvSetArg a = { bytes, 0 };

	return vol_verb(c, HV_VERB_RESIZE, pool, name, &a, err);
}

static int
vol_resize_flags(HvConn *c, const char *pool, const char *name, uint64_t bytes, unsigned flags,
		 GError **err)
{
	HvSetArg a = { bytes, flags };

	return vol_verb(c, HV_VERB_RESIZE, pool, name, &a, err);
}

static int
vol_get_job(HvConn *c, const char *pool, const char *name, HvJobInfo *out, GError **err)
{
	return hv_objtab_child_get_job(c->tables[HV_OBJ_POOL], pool, name, out, err);
}

static int
vol_abort_job(HvConn *c, const char *pool, const char *name, GError **err)
{
	return hv_objtab_child_abort_job(c->tables[HV_OBJ_POOL], pool, name, err);
}

/* A copy of src_pool/src: with a class that keeps content (voldata.h), a
 * new volume filled with the source's bytes as its job "clone"; else the
 * source must exist and the new volume is made from its own document (the
 * simulated content is its allocation). */
static int
vol_clone_xml(HvConn *c, const char *pool, const char *xml, const char *src_pool,
	      const char *src, char **name_out, GError **err)
{
	g_autoptr(HvVolumeInfo) si = NULL;
	HvObjTab *t = c->tables[HV_OBJ_POOL];
	int r;

	if (t->cls->children && t->cls->children->data)
		return hv_voldata_clone(t, pool, xml, src_pool, src, name_out, err);
	r = vol_get_info(c, src_pool, src, &si, err);
	return r < 0 ? r : vol_create_xml(c, pool, xml, name_out, err);
}

static int
vol_wipe(HvConn *c, const char *pool, const char *name, unsigned algorithm, GError **err)
{
	return hv_voldata_wipe(c->tables[HV_OBJ_POOL], pool, name, algorithm, err);
}

static int
vol_upload(HvConn *c, const char *pool, const char *name, uint64_t offset, uint64_t length,
	   unsigned flags, HvDataStream **out, GError **err)
{
	return hv_voldata_open(c->tables[HV_OBJ_POOL], pool, name, true, offset, length, flags,
			       out, err);
}

static int
vol_download(HvConn *c, const char *pool, const char *name, uint64_t offset, uint64_t length,
	     unsigned flags, HvDataStream **out, GError **err)
{
	return hv_voldata_open(c->tables[HV_OBJ_POOL], pool, name, false, offset, length, flags,
			       out, err);
}

const HvVolumeOps hv_objops_volume = {
	.list = vol_list,
	.get_info = vol_get_info,
	.get_xml = vol_get_xml,
	.create_xml = vol_create_xml,
	.delete = vol_delete,
	.resize = vol_resize,
	.get_job = vol_get_job,
	.abort_job = vol_abort_job,
	.clone_xml = vol_clone_xml,
	.wipe = vol_wipe,
	.upload = vol_upload,
	.download = vol_download,
	.resize_flags = vol_resize_flags,
};
