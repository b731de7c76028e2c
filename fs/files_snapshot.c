/* files_snapshot.c: domains/<d>/snapshots/ and snapshots/<name>/, through
 * the snapshot ops of the node's driver (docs/moving-and-keeping.md).
 * mkdir NAME makes a default snapshot, a domainsnapshot document copied in
 * makes the one it describes, rmdir deletes one (its children go to its
 * parent; an external one is merged back), and its `state` takes revert,
 * revert-running, revert-paused and forget (drop the metadata only). */
#include <string.h>
#include "fs/files.h"
#include "conf/snapshot_conf.h"

/* ---- snapshots/ (the collection row of collection.c calls these) */

int
hv_snapshot_doc_name(const char *buf, size_t len, char **name, GError **err)
{
	g_autoptr(HvSnapshotDef) def = hv_snapshot_def_parse(buf, len, err);

	if (!def)
		return -EINVAL;
	if (!def->name)
		return hv_error_set(err, EINVAL, "snapshot document has no <name>: the folder "
				    "name comes from it (or use mkdir snapshots/NAME)");
	*name = g_strdup(def->name);
	return 0;
}

static int
create(HvObj *dir, const char *xml, GError **err)
{
	HvConn *c = dir->node->conn;
	g_autofree char *dom = hv_obj_pool_dup(dir->node->fs, dir);

	return HV_CALL(c, snapshot, create_xml, HV_WRITES, err, dom, xml, 0, NULL);
}

int
hv_snapshot_define(HvObj *dir, const char *xml, GError **err)
{
	return create(dir, xml, err);
}

int
hv_snapshot_remove(HvObj *dir, const char *name, GError **err)
{
	HvConn *c = dir->node->conn;
	g_autofree char *dom = hv_obj_pool_dup(dir->node->fs, dir);

	return HV_CALL(c, snapshot, delete, HV_WRITES, err, dom, name, 0);
}

/* mkdir snapshots/NAME: the default snapshot of that name. */
static int
mkdir_snapshot(HvObj *dir, const char *name, GError **err)
{
	g_autofree char *esc = g_markup_escape_text(name, -1);
	g_autofree char *xml = g_strdup_printf("<domainsnapshot><name>%s</name></domainsnapshot>",
					       esc);

	return create(dir, xml, err);
}

const DirOps hv_snapshots_ops = {
	.child_kind = DK_SNAPSHOT,
	.scratch = true,
	.mkdir = mkdir_snapshot,
};

/* ---- snapshots/<name>/ */

static int
sinfo(HvObj *o, HvSnapshotInfo **out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *dom = hv_obj_pool_dup(o->node->fs, o);

	return HV_CALL(c, snapshot, get_info, HV_READS, err, dom, o->name, out);
}

#define SNAP_READER(fname, fmt, expr)                                   \
	static int fname(HvObj *o, GString *out, GError **err)          \
	{                                                               \
		g_autoptr(HvSnapshotInfo) i = NULL;                      \
		int r = sinfo(o, &i, err);                              \
		if (r < 0)                                              \
			return r;                                       \
		g_string_append_printf(out, fmt, expr);                 \
		return 0;                                               \
	}

SNAP_READER(r_state, "%s\n", i->state)
SNAP_READER(r_parent, "%s", i->parent ? i->parent : "")
SNAP_READER(r_current, "%s\n", hv_bool_word(i->current))
SNAP_READER(r_kind, "%s\n", i->kind)

static int
r_info(HvObj *o, GString *out, GError **err)
{
	g_autoptr(HvSnapshotInfo) i = NULL;
	int r = sinfo(o, &i, err);

	if (r < 0)
		return r;
	g_string_append_printf(out, "name: %s\nparent: %s\nstate: %s\nkind: %s\nmemory: %s\n"
			       "current: %s\nchildren: %u\ncreation-time: %" G_GINT64_FORMAT "\n",
			       i->name, i->parent ? i->parent : "", i->state, i->kind,
			       hv_bool_word(i->memory), hv_bool_word(i->current), i->children,
			       i->creation_time);
	return 0;
}

/* parent shows a name without a newline, like a symlink's target; one is
 * added for a reader that wants lines */
static int
r_parent_line(HvObj *o, GString *out, GError **err)
{
	int r = r_parent(o, out, err);

	if (r == 0 && out->len)
		g_string_append_c(out, '\n');
	return r;
}

typedef enum { W_REVERT, W_DELETE } WAct;

static const struct {
	const char *verb;
	WAct act;
	unsigned flags;
} state_verbs[] = {
	{ "revert", W_REVERT, 0 },
	{ "revert-running", W_REVERT, 1 }, /* VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING */
	{ "revert-paused", W_REVERT, 2 },  /* _PAUSED */
	{ "forget", W_DELETE, HV_SNAPSHOT_DELETE_METADATA_ONLY },
};

static int
w_state(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *dom = hv_obj_pool_dup(o->node->fs, o);

	for (size_t k = 0; k < G_N_ELEMENTS(state_verbs); k++) {
		if (strcmp(tok, state_verbs[k].verb) != 0)
			continue;
		if (state_verbs[k].act == W_REVERT)
			return HV_CALL(c, snapshot, revert, HV_WRITES, err, dom, o->name,
				       state_verbs[k].flags);
		return HV_CALL(c, snapshot, delete, HV_WRITES, err, dom, o->name,
			       state_verbs[k].flags);
	}
	return hv_error_set(err, EINVAL, "unknown verb '%s' for snapshot '%s' of domain '%s' "
			    "(use revert, revert-running, revert-paused, forget)", tok, o->name,
			    dom);
}

/* Everything here reads the driver's metadata (a round trip on a remote
 * node) and changes with the tree of snapshots: F_SLOW and F_VOLATILE. */
static const FileDef snapshot_files[] = {
	{ "config.xml", F_SLOW | F_PRIVATE, hv_coll_read_config },
	{ "state", F_WRITE | F_SLOW | F_VOLATILE, r_state, w_state },
	{ "parent", F_SLOW | F_VOLATILE, r_parent_line },
	{ "current", F_SLOW | F_VOLATILE, r_current },
	{ "kind", F_SLOW | F_VOLATILE, r_kind },
	{ "info", F_SLOW | F_VOLATILE, r_info },
	{ "error", F_VOLATILE, hv_files_error },
};

/* uncached: a remote node's snapshots have no events (libvirt has none), so
 * the kernel keeps no snapshot's name; each lookup asks */
const DirOps hv_snapshot_ops = {
	HV_FILES(snapshot_files),
	.uncached = true,
};
