/* proto_nodedev.c: hyperfsd's node device procedures: counts and names by
 * capability (111, 112), lookup (113), the XML (114), the parent (115),
 * capabilities (116, 117), list all with libvirt's capability filter (285),
 * create (123) and destroy (124). A node device on the wire is its name. */
#include <errno.h>
#include "remote/proto_priv.h"

#define NODEDEV_LIST_MAX 65536 /* REMOTE_NODE_DEVICE_LIST_MAX */
#define NODEDEV_CAPS_MAX 65536 /* REMOTE_NODE_DEVICE_CAPS_LIST_MAX */

/* VIR_CONNECT_LIST_NODE_DEVICES_CAP_* bit by libvirt's capability name */
static const char *const cap_bits[] = {
	"system", "pci", "usb_device", "usb", "net", "scsi_host", "scsi_target", "scsi",
	"storage", "fc_host", "vports", "scsi_generic", "drm", "mdev_types", "mdev", "ccw",
	"css", "vdpa", "ap_card", "ap_queue", "ap_matrix", "vpd",
};

static bool
has_cap(const HvNodeDevInfo *i, const char *cap)
{
	return !cap || (i->caps && g_strv_contains((const char *const *)i->caps, cap));
}

static bool
has_cap_flags(const HvNodeDevInfo *i, unsigned flags)
{
	unsigned want = flags & ((1u << G_N_ELEMENTS(cap_bits)) - 1);

	if (!want)
		return true;
	for (size_t b = 0; b < G_N_ELEMENTS(cap_bits); b++)
		if ((want & (1u << b)) && has_cap(i, cap_bits[b]))
			return true;
	return false;
}

static int
devices(RpcClientCtx *c, unsigned flags, GPtrArray **l, GError **err)
{
	return HV_CALL(c->conn, nodedev, list, HV_READS, err, flags, l);
}

static const HvNodeDevInfo *
find(GPtrArray *l, const char *name, GError **err)
{
	for (guint k = 0; k < l->len; k++)
		if (g_str_equal(((HvNodeDevInfo *)l->pdata[k])->name, name))
			return l->pdata[k];
	hv_error_set(err, ENOENT, "no node device with matching name '%s'", name);
	return NULL;
}

/* Counted (max < 0) or named, those with capability cap (NULL: all). */
static int
names(RpcClientCtx *c, const char *cap, int64_t max, unsigned flags, RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc;

	if (flags)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags);
	if (max > NODEDEV_LIST_MAX)
		return hv_error_set(err, EINVAL, "too many node device names requested: %lld",
				    (long long)max);
	if ((rc = devices(c, 0, &l, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len; k++) {
		const HvNodeDevInfo *i = l->pdata[k];

		if (!has_cap(i, cap))
			continue;
		rpc_name_out(r, max, i->name);
	}
	return 0;
}

RPC_HANDLER(h_nodedev_num)
{
	return names(c, a->str[0], -1, (unsigned)a->num[0], r, err);
}

RPC_HANDLER(h_nodedev_list)
{
	return names(c, a->str[0], a->num[0] < 0 ? 0 : a->num[0], (unsigned)a->num[1], r, err);
}

RPC_HANDLER(h_nodedev_list_all)
{
	g_autoptr(GPtrArray) l = NULL;
	int rc = devices(c, (unsigned)a->num[1], &l, err);

	if (rc < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < l->len; k++)
		if (has_cap_flags(l->pdata[k], (unsigned)a->num[1])) {
			if (a->num[0])
				g_ptr_array_add(r->strs, g_strdup(((HvNodeDevInfo *)l->pdata[k])->name));
			r->num[0]++;
		}
	return 0;
}

/* The device named in the arguments, for the handlers below. */
#define WITH_DEVICE(i)                                                \
	g_autoptr(GPtrArray) l = NULL;                                \
	const HvNodeDevInfo *i;                                       \
	int rc = devices(c, 0, &l, err);                              \
	if (rc < 0)                                                   \
		return rc;                                            \
	if (!(i = find(l, a->str[0], err)))                           \
		return -ENOENT

RPC_HANDLER(h_nodedev_lookup)
{
	WITH_DEVICE(i);
	r->str[0] = g_strdup(i->name);
	return 0;
}

RPC_HANDLER(h_nodedev_get_xml)
{
	return HV_CALL(c->conn, nodedev, get_xml, HV_READS, err, a->str[0], &r->str[0]);
}

RPC_HANDLER(h_nodedev_get_parent)
{
	WITH_DEVICE(i);
	r->str[0] = g_strdup(i->parent);
	r->has_str[0] = i->parent != NULL;
	return 0;
}

RPC_HANDLER(h_nodedev_num_caps)
{
	WITH_DEVICE(i);
	r->num[0] = i->caps ? g_strv_length(i->caps) : 0;
	return 0;
}

RPC_HANDLER(h_nodedev_list_caps)
{
	WITH_DEVICE(i);
	if (a->num[0] > NODEDEV_CAPS_MAX)
		return hv_error_set(err, EINVAL, "too many capabilities requested: %lld",
				    (long long)a->num[0]);
	rpc_msg_init_extra(r);
	for (guint k = 0; i->caps && i->caps[k] && k < a->num[0]; k++)
		g_ptr_array_add(r->strs, g_strdup(i->caps[k]));
	return 0;
}

RPC_HANDLER(h_nodedev_create_xml)
{
	return HV_CALL(c->conn, nodedev, create_xml, HV_WRITES, err, a->str[0], (unsigned)a->num[0],
		       &r->str[0]);
}

RPC_HANDLER(h_nodedev_destroy)
{
	return HV_CALL(c->conn, nodedev, destroy, HV_WRITES, err, a->str[0]);
}
