/* collection.c: the folders whose children are objects of one kind (domains/,
 * networks/, pools/, pools/<p>/volumes/, and the root, whose children are the
 * mount's nodes) through one table, a row per kind naming the driver methods
 * that list, look up, define and remove them, and the ones that read and
 * commit an object's config.xml and set its autostart. A row's methods are
 * ops-table offsets, called through the checkpoint like HV_CALL; volumes take
 * their pool's name first. */
#include <stddef.h>
#include <string.h>
#include "conf/domain_conf.h"
#include "fs/files.h"
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "util/names.h"

typedef void (*AnyFn)(void);
/* the two shapes of each method: by name, or by pool and name (volumes) */
typedef int (*ListFn)(HvConn *c, GPtrArray **out, GError **err);
typedef int (*PListFn)(HvConn *c, const char *pool, GPtrArray **out, GError **err);
typedef int (*XmlFn)(HvConn *c, const char *name, unsigned flags, char **xml, GError **err);
typedef int (*PXmlFn)(HvConn *c, const char *pool, const char *name, char **xml, GError **err);
typedef int (*DefineFn)(HvConn *c, const char *xml, char **name_out, GError **err);
typedef int (*PDefineFn)(HvConn *c, const char *pool, const char *xml, char **name_out,
			 GError **err);
typedef int (*NameFn)(HvConn *c, const char *name, GError **err);
typedef int (*PNameFn)(HvConn *c, const char *pool, const char *name, GError **err);
typedef int (*AutostartFn)(HvConn *c, const char *name, bool on, GError **err);

typedef struct {
	size_t off; /* offset in the ops table + 1; 0: the kind has none */
	const char *name;
} Method;

typedef struct {
	HvObjKind kind;
	const char *word;  /* "domain": in messages and at the checkpoint */
	size_t ops;        /* offsetof(HvDriver, domain) + 1; 0: the mount's own nodes */
	bool pooled;       /* every call takes the pool's name first */
	Method list, get_xml, define, remove, autostart;
	/* get_info of the child name of dir: whether it exists, and (refuse_active
	 * rows) whether it is active, which rmdir refuses */
	int (*info)(HvObj *dir, const char *name, bool *busy, GError **err);
	bool refuse_active;
	/* Kinds whose documents and removal take more than the shapes above
	 * (snapshots): the name a document declares, defining from it in the
	 * collection dir, and removing dir's child name. */
	int (*doc_name)(const char *buf, size_t len, char **name, GError **err);
	int (*define_doc)(HvObj *dir, const char *xml, GError **err);
	int (*remove_child)(HvObj *dir, const char *name, GError **err);
	/* a listing whose call takes more than the shapes above (node devices) */
	int (*list_all)(HvConn *c, GPtrArray **out, GError **err);
} Coll;

#define M(T, m) { offsetof(T, m) + 1, #m }
#define OPS(k) (offsetof(HvDriver, k) + 1)

/* The get_info of each kind (the info types differ, so one function each). */
static int
domain_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	g_autoptr(HvDomainInfo) i = NULL;

	return HV_CALL(dir->node->conn, domain, get_info, HV_READS, err, name, &i);
}

static int
network_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	g_autoptr(HvNetworkInfo) i = NULL;
	int r = HV_CALL(dir->node->conn, network, get_info, HV_READS, err, name, &i);

	*busy = r == 0 && i->active;
	return r;
}

static int
pool_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	g_autoptr(HvPoolInfo) i = NULL;
	int r = HV_CALL(dir->node->conn, pool, get_info, HV_READS, err, name, &i);

	*busy = r == 0 && i->state != HV_POOL_INACTIVE;
	return r;
}

static int
volume_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	g_autoptr(HvVolumeInfo) i = NULL;
	g_autofree char *pool = hv_obj_pool_dup(dir->node->fs, dir);

	return HV_CALL(dir->node->conn, volume, get_info, HV_READS, err, pool, name, &i);
}

static int
secret_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	g_autoptr(HvSecretInfo) i = NULL;

	return HV_CALL(dir->node->conn, secret, get_info, HV_READS, err, name, &i);
}

static const Coll nodes = { HV_OBJ_NODE, "node" };

static const Coll domains = {
	HV_OBJ_DOMAIN, "domain", OPS(domain), false,
	M(HvDomainOps, list), M(HvDomainOps, get_xml), M(HvDomainOps, define_xml),
	M(HvDomainOps, undefine), M(HvDomainOps, set_autostart), domain_info,
};

static const Coll networks = {
	HV_OBJ_NETWORK, "network", OPS(network), false,
	M(HvNetworkOps, list), M(HvNetworkOps, get_xml), M(HvNetworkOps, define_xml),
	M(HvNetworkOps, undefine), M(HvNetworkOps, set_autostart), network_info, true,
};

static const Coll pools = {
	HV_OBJ_POOL, "pool", OPS(pool), false,
	M(HvPoolOps, list), M(HvPoolOps, get_xml), M(HvPoolOps, define_xml),
	M(HvPoolOps, undefine), M(HvPoolOps, set_autostart), pool_info, true,
};

static const Coll volumes = {
	HV_OBJ_VOLUME, "volume", OPS(volume), true,
	M(HvVolumeOps, list), M(HvVolumeOps, get_xml), M(HvVolumeOps, create_xml),
	M(HvVolumeOps, delete), { 0 }, volume_info,
};

static const Coll secrets = {
	HV_OBJ_SECRET, "secret", OPS(secret), false,
	M(HvSecretOps, list), M(HvSecretOps, get_xml), M(HvSecretOps, define_xml),
	M(HvSecretOps, undefine), { 0 }, secret_info,
};

static int
snapshot_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	g_autoptr(HvSnapshotInfo) i = NULL;
	g_autofree char *dom = hv_obj_pool_dup(dir->node->fs, dir);

	return HV_CALL(dir->node->conn, snapshot, get_info, HV_READS, err, dom, name, &i);
}

static const Coll snapshots = {
	HV_OBJ_DOMAIN, "snapshot", OPS(snapshot), true,
	M(HvSnapshotOps, list), M(HvSnapshotOps, get_xml), { 0 }, { 0 }, { 0 }, snapshot_info,
	false, hv_snapshot_doc_name, hv_snapshot_define, hv_snapshot_remove,
};

/* Interfaces and node devices: neither kind has a get_info or events, and
 * their documents are not parsed by conf/ (a name is all they need here). */
static int
iface_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	g_autoptr(HvInterfaceInfo) i = NULL;
	int r = hv_iface_find(dir, name, &i, err);

	*busy = r == 0 && i->active;
	return r;
}

/* The name attribute of the root element root, or the text of its child
 * child (node devices: <device><name>, absent for a vHBA to be made). */
static int
doc_name_of(const char *root, const char *child, const char *buf, size_t len, char **name,
	    GError **err)
{
	g_autoptr(xmlDoc) doc = hv_xml_parse(buf, len, root, err);
	xmlNode *el;

	if (!doc)
		return err && *err ? hv_error_errno(*err) : -EINVAL;
	el = xmlDocGetRootElement(doc);
	*name = child ? hv_xml_child_text(el, child) : hv_xml_prop(el, "name");
	if (!*name && !child)
		return hv_error_set(err, EINVAL, "the %s document has no name", root);
	if (!*name)
		*name = g_strdup("");
	if (**name && hv_name_check(root, *name, err) < 0)
		return -EINVAL;
	return 0;
}

static int
iface_doc_name(const char *buf, size_t len, char **name, GError **err)
{
	return doc_name_of("interface", NULL, buf, len, name, err);
}

static const Coll ifaces = {
	HV_OBJ_NODE, "interface", OPS(iface), false,
	M(HvInterfaceOps, list), M(HvInterfaceOps, get_xml), M(HvInterfaceOps, define_xml),
	M(HvInterfaceOps, undefine), { 0 }, iface_info, false, iface_doc_name,
};

static int
nodedev_info(HvObj *dir, const char *name, bool *busy, GError **err)
{
	HvNodeDevInfo *d = NULL;
	int r = hv_nodedev_find(dir, name, &d, err);

	hv_nodedev_info_free(d);
	return r;
}

static int
nodedev_doc_name(const char *buf, size_t len, char **name, GError **err)
{
	return doc_name_of("device", "name", buf, len, name, err);
}

static int
nodedev_create(HvObj *dir, const char *xml, GError **err)
{
	g_autofree char *name = NULL;

	return HV_CALL(dir->node->conn, nodedev, create_xml, HV_WRITES, err, xml, 0, &name);
}

static int
nodedev_destroy(HvObj *dir, const char *name, GError **err)
{
	return HV_CALL(dir->node->conn, nodedev, destroy, HV_WRITES, err, name);
}

static int
nodedev_list_all(HvConn *c, GPtrArray **out, GError **err)
{
	return HV_CALL(c, nodedev, list, HV_READS, err, 0, out);
}

static const Coll nodedevs = {
	HV_OBJ_NODE, "node device", OPS(nodedev), false,
	{ 0 }, { 0 }, { 0 }, { 0 }, { 0 }, nodedev_info, false, nodedev_doc_name,
	nodedev_create, nodedev_destroy, nodedev_list_all,
};

/* The row of a collection folder, and of the objects in one. */
static const Coll *const by_dir[DK_LAST] = {
	[DK_ROOT] = &nodes,	  [DK_DOMAINS] = &domains, [DK_DOMAIN] = &domains,
	[DK_NETWORKS] = &networks, [DK_NETWORK] = &networks, [DK_POOLS] = &pools,
	[DK_POOL] = &pools,	  [DK_VOLUMES] = &volumes, [DK_VOLUME] = &volumes,
	[DK_SECRETS] = &secrets,  [DK_SECRET] = &secrets,
	[DK_SNAPSHOTS] = &snapshots, [DK_SNAPSHOT] = &snapshots,
	[DK_IFACES] = &ifaces,	  [DK_IFACE] = &ifaces,
	[DK_NODEDEVS] = &nodedevs,   [DK_NODEDEV] = &nodedevs,
};

/* The method m of o's driver, or NULL; 0 when o's connection may call it,
 * else -errno with the checkpoint's reason. */
static int
method(HvObj *o, const Coll *k, const Method *m, bool writes, AnyFn *fn, GError **err)
{
	HvConn *c = o->node->conn;
	const void *table = NULL;

	*fn = NULL;
	if (k->ops)
		memcpy(&table, (const char *)c->driver + k->ops - 1, sizeof(table));
	if (table && m->off)
		memcpy(fn, (const char *)table + m->off - 1, sizeof(*fn));
	return hv_conn_check(c, (const void *)*fn, k->word, m->name ? m->name : "?", writes, err);
}

/* The driver's name for the pool of o (volumes), else NULL; owned. */
static char *
pool_of(HvObj *o, const Coll *k)
{
	return k->pooled ? hv_obj_pool_dup(o->node->fs, o) : NULL;
}

/* The names out of a bulk listing of Hv*Info (each starts with its name). */
static void
names_of(GPtrArray *infos, GPtrArray **names)
{
	*names = g_ptr_array_new_full(infos->len, g_free);
	for (guint i = 0; i < infos->len; i++)
		g_ptr_array_add(*names, g_steal_pointer((char **)infos->pdata[i]));
}

/* The root: the nodes given with -c never change while mounted, so its
 * children table is read without the lock. */
static int
node_names(HvObj *dir, GPtrArray **names)
{
	GHashTableIter it;
	gpointer k;

	*names = g_ptr_array_new_with_free_func(g_free);
	g_hash_table_iter_init(&it, dir->children);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(*names, g_strdup(k));
	return 0;
}

int
hv_coll_list(HvObj *dir, GPtrArray **names, GError **err)
{
	const Coll *k = by_dir[dir->kind];
	g_autoptr(GPtrArray) all = NULL;
	g_autofree char *pool = NULL;
	AnyFn fn;
	int r;

	if (!k->ops)
		return node_names(dir, names);
	if (k->list_all)
		r = k->list_all(dir->node->conn, &all, err);
	else if ((r = method(dir, k, &k->list, HV_READS, &fn, err)) < 0)
		return r;
	pool = pool_of(dir, k);
	if (!k->list_all)
		r = k->pooled ? ((PListFn)fn)(dir->node->conn, pool, &all, err)
		      : ((ListFn)fn)(dir->node->conn, &all, err);
	if (r < 0)
		return r;
	names_of(all, names);
	return 0;
}

int
hv_coll_exists(HvObj *dir, const char *name, GError **err)
{
	const Coll *k = by_dir[dir->kind];
	bool busy;

	if (!k->ops)
		return g_hash_table_lookup(dir->children, name)
			       ? 0
			       : hv_error_set(err, ENOENT, "no node '%s'", name);
	return k->info(dir, name, &busy, err);
}

bool
hv_coll_defines(HvObj *dir)
{
	return by_dir[dir->kind]->define.off != 0 || by_dir[dir->kind]->define_doc;
}

bool
hv_coll_removes(HvObj *dir)
{
	return by_dir[dir->kind]->remove.off != 0 || by_dir[dir->kind]->remove_child;
}

/* xml defines an object of o's kind: into the collection o, or for the object
 * o itself (its config.xml). */
static int
define(HvObj *o, const Coll *k, const char *xml, GError **err)
{
	g_autofree char *pool = pool_of(o, k);
	AnyFn fn;
	int r = method(o, k, &k->define, HV_WRITES, &fn, err);

	if (r < 0)
		return r;
	return k->pooled ? ((PDefineFn)fn)(o->node->conn, pool, xml, NULL, err)
			 : ((DefineFn)fn)(o->node->conn, xml, NULL, err);
}

int
hv_coll_define(HvObj *dir, const char *buf, size_t len, GError **err)
{
	const Coll *k = by_dir[dir->kind];
	g_autofree char *what = g_strdup_printf("%s document", k->word);
	g_autofree char *name = NULL;
	int r = hv_files_check_len(what, len, err);

	if (r < 0 || (r = k->doc_name ? k->doc_name(buf, len, &name, err)
				     : hv_files_doc_name(k->kind, buf, len, &name, err)) < 0)
		return r;
	if (*name && hv_coll_exists(dir, name, NULL) == 0)
		return hv_error_set(err, EEXIST, "%s '%s' already exists", k->word, name);
	if (k->define_doc) {
		g_autofree char *xml = g_strndup(buf, len);

		return k->define_doc(dir, xml, err);
	}
	return define(dir, k, buf, err);
}

int
hv_coll_remove(HvObj *dir, const char *name, GError **err)
{
	const Coll *k = by_dir[dir->kind];
	g_autofree char *pool = pool_of(dir, k);
	AnyFn fn;
	bool busy = false;
	int r;

	if (k->refuse_active && (r = k->info(dir, name, &busy, err)) < 0)
		return r;
	if (busy)
		return hv_error_set(err, EBUSY, "%s '%s' is active: write stop to its state first",
				    k->word, name);
	if (k->remove_child)
		return k->remove_child(dir, name, err);
	if ((r = method(dir, k, &k->remove, HV_WRITES, &fn, err)) < 0)
		return r;
	return k->pooled ? ((PNameFn)fn)(dir->node->conn, pool, name, err)
			 : ((NameFn)fn)(dir->node->conn, name, err);
}

int
hv_coll_read_config(HvObj *o, GString *out, GError **err)
{
	const Coll *k = by_dir[o->kind];
	g_autofree char *xml = NULL;
	g_autofree char *pool = pool_of(o, k);
	AnyFn fn;
	int r = method(o, k, &k->get_xml, HV_READS, &fn, err);

	if (r < 0)
		return r;
	r = k->pooled ? ((PXmlFn)fn)(o->node->conn, pool, o->name, &xml, err)
		      : ((XmlFn)fn)(o->node->conn, o->name,
				    HV_XML_INACTIVE | hv_doc_secure_flag(o), &xml, err);
	if (r < 0)
		return r;
	hv_doc_append(o, out, xml);
	return 0;
}

unsigned
hv_doc_secure_flag(HvObj *o)
{
	return o->kind == DK_DOMAIN && !o->node->fs->readonly ? HV_XML_SECURE : 0;
}

/* A read-only mount shows no secret (a graphics passwd), as libvirt shows
 * none to a read-only connection; a read-write mount shows them in files
 * only their owner reads (F_PRIVATE). Only domain documents hold any (a
 * snapshot's through the domain inside it). */
void
hv_doc_append(HvObj *o, GString *out, const char *xml)
{
	g_autofree char *shown = o->node->fs->readonly ? hv_domain_xml_hide_secrets(xml) : NULL;

	g_string_append(out, shown ? shown : xml);
}

/* A config.xml of a kind conf/ does not parse: the name it declares must be o's. */
static int
same_doc_name(const Coll *k, HvObj *o, const char *buf, size_t len, GError **err)
{
	g_autofree char *name = NULL;
	int r = hv_files_check_len("config.xml", len, err);

	if (r < 0 || (r = k->doc_name(buf, len, &name, err)) < 0)
		return r;
	if (strcmp(name, o->name) != 0)
		return hv_error_set(err, EINVAL, "the document names '%s', not '%s': copy it into "
				    "the folder above to define a new object", name, o->name);
	return 0;
}

int
hv_coll_commit_config(HvObj *o, const char *buf, size_t len, GError **err)
{
	const Coll *k = by_dir[o->kind];
	int r = k->doc_name ? same_doc_name(k, o, buf, len, err)
			    : hv_files_same_name(k->kind, o, buf, len, err);

	return r < 0 ? r : define(o, k, buf, err);
}

int
hv_coll_write_autostart(HvObj *o, const char *tok, GError **err)
{
	const Coll *k = by_dir[o->kind];
	AnyFn fn;
	bool on;
	int r = hv_parse_bool(tok, &on, err);

	if (r < 0 || (r = method(o, k, &k->autostart, HV_WRITES, &fn, err)) < 0)
		return r;
	return ((AutostartFn)fn)(o->node->conn, o->name, on, err);
}
