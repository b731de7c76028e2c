/* conn.c: the driver registry, URI dispatch and the central checkpoint. */
#include <string.h>
#include "drivers/conn.h"

extern const HvDriver hv_test_driver;
extern const HvDriver hv_qemu_driver;
extern const HvDriver hv_remote_driver;

static const HvDriver *const drivers[] = {
	&hv_test_driver,
	&hv_qemu_driver,
	&hv_remote_driver,
	NULL,
};

/* The transports of libvirt's DRIVER+TRANSPORT:// schemes: all of them go to
 * the remote driver, which says which ones it speaks (docs/remote.md). */
static const char *const remote_transports[] = {
	"unix", "tcp", "tls", "ssh", "libssh2", "libssh", "ext", NULL,
};

const HvDriver *const *
hv_drivers(void)
{
	return drivers;
}

/* "test" and "qemu" are served locally; "qemu+ssh" (any DRIVER+TRANSPORT with a
 * transport from the table) and any URI naming a host go to the remote driver. */
static const HvDriver *
driver_for_uri(GUri *u)
{
	const char *scheme = g_uri_get_scheme(u), *plus = strchr(scheme, '+');
	const char *host = g_uri_get_host(u);

	if (plus) {
		for (const char *const *t = remote_transports; *t; t++)
			if (g_ascii_strcasecmp(*t, plus + 1) == 0)
				return &hv_remote_driver;
		return NULL;
	}
	if (host && *host)
		return &hv_remote_driver;
	for (const HvDriver *const *d = drivers; *d; d++)
		for (const char *const *s = (*d)->schemes; *s; s++)
			if (g_ascii_strcasecmp(*s, scheme) == 0)
				return *d;
	return NULL;
}

HvConn *
hv_conn_open(const char *uri, bool readonly, GError **err)
{
	g_autoptr(GUri) u = NULL;
	g_autoptr(GError) perr = NULL;
	const HvDriver *drv;
	HvConn *c;

	u = g_uri_parse(uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, &perr);
	if (!u) {
		hv_error_set(err, EINVAL, "invalid URI '%s': %s", uri, perr->message);
		return NULL;
	}
	drv = driver_for_uri(u);
	if (!drv) {
		hv_error_set(err, ENOTSUP, "no driver serves URI '%s' (scheme '%s')", uri,
			     g_uri_get_scheme(u));
		return NULL;
	}
	c = g_new0(HvConn, 1);
	c->driver = drv;
	c->uri_str = g_strdup(uri);
	c->uri = g_steal_pointer(&u);
	c->readonly = readonly;
	if (drv->open(c, err) < 0) {
		g_uri_unref(c->uri);
		g_free(c->uri_str);
		g_free(c);
		return NULL;
	}
	return c;
}

void
hv_conn_close(HvConn *c)
{
	if (!c)
		return;
	if (c->driver->close)
		c->driver->close(c);
	g_uri_unref(c->uri);
	g_free(c->uri_str);
	g_free(c);
}

void
hv_conn_set_event_cb(HvConn *c, HvEventFunc cb, void *opaque)
{
	c->event_cb = cb;
	c->event_opaque = opaque;
}

void
hv_conn_emit(HvConn *c, HvObjKind kind, const char *parent, const char *name,
	     const char *event, const char *detail)
{
	HvEvent ev = {
		.kind = kind,
		.name = name,
		.parent = parent,
		.event = event,
		.detail = detail ? detail : "-",
	};

	if (c->event_cb)
		c->event_cb(c, &ev, c->event_opaque);
}

int
hv_conn_check(HvConn *c, const void *method, const char *kind, const char *what,
	      bool writes, GError **err)
{
	if (!method)
		return hv_error_set(err, ENOTSUP, "%s %s is not supported by driver '%s'",
				    kind, what, c->driver->name);
	if (writes && c->readonly)
		return hv_error_set(err, EROFS,
				    "%s %s refused: the connection to '%s' is read-only", kind,
				    what, c->uri_str);
	return 0;
}

void
hv_job_info_clear(HvJobInfo *i)
{
	if (!i)
		return;
	g_free(i->type);
	memset(i, 0, sizeof(*i));
}

void
hv_domain_info_free(HvDomainInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->os_type);
	g_free(i->accel);
	g_free(i);
}

void
hv_network_info_free(HvNetworkInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->bridge);
	g_free(i->forward);
	g_free(i);
}

void
hv_pool_info_free(HvPoolInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->type);
	g_free(i->target_path);
	g_free(i);
}

void
hv_volume_info_free(HvVolumeInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->pool);
	g_free(i->key);
	g_free(i->path);
	g_free(i->type);
	g_free(i->format);
	g_free(i);
}

void
hv_node_info_clear(HvNodeInfo *i)
{
	if (!i)
		return;
	g_free(i->hostname);
	g_free(i->model);
	g_free(i->accels);
	memset(i, 0, sizeof(*i));
}
