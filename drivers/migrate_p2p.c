/* migrate_p2p.c: peer-to-peer migration, libvirt's Perform3Params with
 * VIR_MIGRATE_PEER2PEER as its qemu driver runs it
 * (qemuMigrationSrcPerformPeer2Peer3): the source's daemon opens the target
 * itself (hv_conn_open: the remote driver, with the URI's own client
 * settings) and runs the v3 sequence of migrate.c between its node and it:
 * begin here, prepare there (PrepareTunnel3Params with a stream when
 * tunnelled), perform here (given up when the target goes away), finish
 * there, confirm here. hyperfsd's Perform3Params with a dconnuri calls it. */
#include <string.h>
#include "drivers/conn.h"
#include "drivers/migrate.h"

/* libvirt's refusals of a tunnelled migration: any of flags, or param.
 * EPROTONOSUPPORT is libvirt's "operation unsupported" on the wire (not
 * ENOTSUP, "not supported by the connection driver"). */
static const struct {
	unsigned flags;
	const char *param;
	int err;
	const char *what;
} tunnel_refusals[] = {
	{ 0, "migrate_uri", EPROTONOSUPPORT, "a migration URI" },
	{ 0, "listen_address", EPROTONOSUPPORT, "a listen address" },
	{ 0, "disks_port", EPROTONOSUPPORT, "a disk port" },
	{ 0, "disks_uri", EPROTONOSUPPORT, "a disk URI" },
	{ HV_MIGRATE_NON_SHARED_DISK | HV_MIGRATE_NON_SHARED_INC, NULL, EPROTONOSUPPORT,
	  "copy-storage (non-shared disks)" },
	{ HV_MIGRATE_POSTCOPY, NULL, EPROTONOSUPPORT, "post-copy" },
	{ HV_MIGRATE_OFFLINE, NULL, EINVAL, "an offline migration" },
};

static int
check_tunnel(const char *name, const GArray *params, unsigned flags, GError **err)
{
	if (!(flags & HV_MIGRATE_TUNNELLED))
		return 0;
	for (size_t k = 0; k < G_N_ELEMENTS(tunnel_refusals); k++) {
		const HvParam *p = tunnel_refusals[k].param
					   ? hv_params_find(params, tunnel_refusals[k].param)
					   : NULL;

		if ((flags & tunnel_refusals[k].flags) ||
		    (p && (p->type != HV_PARAM_STRING || (p->s && *p->s))))
			return hv_error_set(err, tunnel_refusals[k].err, "cannot migrate domain '%s': "
					    "%s is not supported by tunnelled migration", name,
					    tunnel_refusals[k].what);
	}
	return 0;
}

/* The target must be another daemon: a URI the remote driver takes (a
 * host, or DRIVER+TRANSPORT), never a driver of this process; and one that
 * runs no command of the client's choosing here (ext, command=). */
static const char *const refused_uri_parts[] = { "+ext:", "?command=", "&command=" };

static int
check_dconnuri(const char *name, const char *uri, GError **err)
{
	g_autoptr(GUri) u = NULL;
	g_autofree char *low = NULL;
	const char *host;

	if (!uri || !*uri || strpbrk(uri, "\n\r") || strlen(uri) > 4096)
		return hv_error_set(err, EINVAL, "cannot migrate domain '%s' peer-to-peer: the "
				    "destination URI is empty, too long or not one line", name);
	if (!(u = g_uri_parse(uri, G_URI_FLAGS_NONE, NULL)))
		return hv_error_set(err, EINVAL, "cannot migrate domain '%s' peer-to-peer: '%s' is "
				    "not a URI", name, uri);
	host = g_uri_get_host(u);
	low = g_ascii_strdown(uri, -1);
	if (!strchr(g_uri_get_scheme(u), '+') && !(host && *host))
		return hv_error_set(err, EINVAL, "cannot migrate domain '%s' peer-to-peer: '%s' "
				    "names no other node (a host, or DRIVER+TRANSPORT)", name, uri);
	for (size_t k = 0; k < G_N_ELEMENTS(refused_uri_parts); k++)
		if (strstr(low, refused_uri_parts[k]))
			return hv_error_set(err, EPERM, "cannot migrate domain '%s' peer-to-peer: the "
					    "destination '%s' would run a command here (ext "
					    "transport, command=)", name, uri);
	return 0;
}

int
hv_migrate_p2p(HvConn *src, const char *name, const char *dconnuri, const GArray *params,
	       unsigned flags, GError **err)
{
	const HvMigrateHow how = { .watch_dst = true };
	g_autoptr(HvConn) dst = NULL;
	g_autoptr(GError) e = NULL;
	int r;

	if ((flags & HV_MIGRATE_TUNNELLED) && !(flags & HV_MIGRATE_PEER2PEER))
		return hv_error_set(err, EINVAL, "cannot migrate domain '%s': a tunnelled "
				    "migration needs the peer-to-peer flag", name);
	if ((r = check_dconnuri(name, dconnuri, err)) < 0 ||
	    (r = check_tunnel(name, params, flags, err)) < 0)
		return r;
	if (!(dst = hv_conn_open(dconnuri, false, &e)))
		return hv_error_set(err, e ? -hv_error_errno(e) : EIO,
				    "cannot migrate domain '%s': cannot connect to the destination "
				    "'%s': %s", name, dconnuri, e ? e->message : "no reason given");
	if (g_atomic_int_get(&dst->no_migration))
		return hv_error_set(err, ENOTSUP, "cannot migrate domain '%s': the destination '%s' "
				    "does not migrate with libvirt's protocol v3 with parameters",
				    name, dconnuri);
	return hv_migrate_how(src, dst, name, params, flags, &how, err);
}
