/* files_node.c: the mount's root (one folder per node), a node's folder, and
 * node/ (info, capabilities.xml, error). Also the table of all folder kinds. */
#include <inttypes.h>
#include "fs/files.h"

/* connected: yes, or no with the reason while a remote node is away (the
 * driver's optional is_alive; local nodes are always connected). */
static void
connected_line(HvConn *c, GString *out)
{
	g_autofree char *reason = NULL;
	const HvNodeOps *ops = c->driver->node;

	if (!ops || !ops->is_alive || ops->is_alive(c, &reason, NULL) > 0)
		g_string_append(out, "connected: yes\n");
	else
		g_string_append_printf(out, "connected: no (%s)\n", reason ? reason : "unreachable");
}

static int
r_info(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	HvNodeInfo i = { 0 };
	int r = HV_CALL(c, node, get_info, HV_READS, err, &i);

	if (r < 0) {
		/* an away node still answers who it is and why it is away */
		g_string_append_printf(out, "uri: %s\ndriver: %s\n", c->uri_str, c->driver->name);
		connected_line(c, out);
		return 0;
	}
	g_string_append_printf(out,
			       "hostname: %s\nuri: %s\ndriver: %s\nmodel: %s\ncpus: %u\nmhz: %u\n"
			       "numa-cells: %u\nsockets: %u\ncores: %u\nthreads: %u\n"
			       "memory-kib: %" PRIu64 "\nfree-memory-kib: %" PRIu64 "\n",
			       i.hostname ? i.hostname : "", c->uri_str, c->driver->name,
			       i.model ? i.model : "", i.cpus, i.mhz, i.nodes, i.sockets, i.cores,
			       i.threads, i.memory_kib, i.free_memory_kib);
	if (i.accels)
		g_string_append_printf(out, "accelerators: %s\n", i.accels);
	connected_line(c, out);
	hv_node_info_clear(&i);
	return 0;
}


static int
r_caps(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *xml = NULL;
	int r = HV_CALL(c, node, get_capabilities, HV_READS, err, &xml);

	if (r < 0)
		return r;
	g_string_append(out, xml);
	return 0;
}

/* node/restore: a save image's path written here runs the domain it holds
 * (virsh restore); reads as empty. */
static int
r_restore(HvObj *o, GString *out, GError **err)
{
	return 0;
}

static int
w_restore(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;

	return HV_CALL(c, domain, restore, HV_WRITES, err, tok, 0, NULL);
}

static bool
has_restore(HvObj *o)
{
	const HvDomainOps *ops = o->node->conn->driver->domain;

	return ops && ops->restore;
}

static HvObj *
sub_nodedevs(HvObj *o)
{
	return o->node->nodedevs;
}

static bool
has_nodedevs(HvObj *o)
{
	return o->node->conn->driver->nodedev != NULL;
}

static const FileDef nodeinfo_files[] = {
	{ "info", F_VOLATILE | F_SLOW, r_info },
	{ "capabilities.xml", F_SLOW, r_caps },
	{ "error", F_VOLATILE, hv_files_error },
	{ "restore", F_WRITE, r_restore, w_restore, .present = has_restore },
	{ "devices", F_DIR, .subdir = sub_nodedevs, .present = has_nodedevs },
};

const DirOps hv_nodeinfo_ops = { HV_FILES(nodeinfo_files) };

static HvObj *
sub_nodeinfo(HvObj *o)
{
	return o->node->nodeinfo;
}

static HvObj *
sub_domains(HvObj *o)
{
	return o->node->domains;
}

static HvObj *
sub_networks(HvObj *o)
{
	return o->node->networks;
}

static HvObj *
sub_pools(HvObj *o)
{
	return o->node->pools;
}

static HvObj *
sub_secrets(HvObj *o)
{
	return o->node->secrets;
}

static bool
has_secrets(HvObj *o)
{
	return o->node->conn->driver->secret != NULL;
}

static HvObj *
sub_ifaces(HvObj *o)
{
	return o->node->ifaces;
}

static bool
has_ifaces(HvObj *o)
{
	return o->node->conn->driver->iface != NULL;
}

static const FileDef node_files[] = {
	{ "events", F_STREAM },
	{ "node", F_DIR, .subdir = sub_nodeinfo },
	{ "domains", F_DIR, .subdir = sub_domains },
	{ "networks", F_DIR, .subdir = sub_networks },
	{ "pools", F_DIR, .subdir = sub_pools },
	{ "secrets", F_DIR, .subdir = sub_secrets, .present = has_secrets },
	{ "interfaces", F_DIR, .subdir = sub_ifaces, .present = has_ifaces },
};

const DirOps hv_node_ops = { HV_FILES(node_files) };

/* The root: its children are the nodes given with -c (collection.c). */
const DirOps hv_root_ops = { .child_kind = DK_NODE };

const DirOps hv_scratch_ops = { 0 };

const DirOps *const hv_dir_ops[DK_LAST] = {
	[DK_ROOT] = &hv_root_ops,
	[DK_NODE] = &hv_node_ops,
	[DK_NODEINFO] = &hv_nodeinfo_ops,
	[DK_DOMAINS] = &hv_domains_ops,
	[DK_NETWORKS] = &hv_networks_ops,
	[DK_POOLS] = &hv_pools_ops,
	[DK_VOLUMES] = &hv_volumes_ops,
	[DK_DOMAIN] = &hv_domain_ops,
	[DK_NETWORK] = &hv_network_ops,
	[DK_POOL] = &hv_pool_ops,
	[DK_VOLUME] = &hv_volume_ops,
	[DK_SNAPSHOTS] = &hv_snapshots_ops,
	[DK_SNAPSHOT] = &hv_snapshot_ops,
	[DK_SCRATCH] = &hv_scratch_ops,
	[DK_SECRETS] = &hv_secrets_ops,
	[DK_SECRET] = &hv_secret_ops,
	[DK_IFACES] = &hv_ifaces_ops,
	[DK_IFACE] = &hv_iface_ops,
	[DK_NODEDEVS] = &hv_nodedevs_ops,
	[DK_NODEDEV] = &hv_nodedev_ops,
};
