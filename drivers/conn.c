/* conn.c: the driver registry, URI dispatch and the central checkpoint that
 * every driver call passes (HV_CALL), connection views (one client's own
 * read-only flag and identity on a shared node), and the event and warning
 * sinks drivers report to. */
#include <string.h>
#include "drivers/conn.h"

extern const HvDriver hv_test_driver;
extern const HvDriver hv_qemu_driver;
extern const HvDriver hv_remote_driver;
extern const HvDriver hv_lxc_driver;
extern const HvDriver hv_uml_driver;
#ifdef HV_WITH_LIBVIRT
/* drivers/libvirt/ (docs/drivers.md): libvirt: URIs, and the fallback for
 * the schemes of libvirt hypervisors that no driver here serves. */
extern const HvDriver hv_libvirt_driver;
extern const char *const hv_libvirt_fallback_schemes[];
#endif

static const HvDriver *const drivers[] = {
	&hv_test_driver,
	&hv_qemu_driver,
	&hv_lxc_driver,
	&hv_uml_driver,
	&hv_remote_driver,
#ifdef HV_WITH_LIBVIRT
	&hv_libvirt_driver,
#endif
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

static const HvDriver *
native_driver(const char *scheme)
{
	for (const HvDriver *const *d = drivers; *d; d++)
		for (const char *const *s = (*d)->schemes; *s; s++)
			if (g_ascii_strcasecmp(*s, scheme) == 0)
				return *d;
	return NULL;
}

/* The libvirt driver, when it is built and scheme is one of libvirt's
 * hypervisors that no driver here serves (esx, vbox, xen, ...). */
static const HvDriver *
libvirt_fallback(const char *scheme)
{
#ifdef HV_WITH_LIBVIRT
	for (const char *const *s = hv_libvirt_fallback_schemes; *s; s++)
		if (g_ascii_strcasecmp(*s, scheme) == 0)
			return &hv_libvirt_driver;
#endif
	(void)scheme;
	return NULL;
}

/* "test" and "qemu" are served locally; "qemu+ssh" (any DRIVER+TRANSPORT with a
 * transport from the table) and any URI naming a host go to the remote driver,
 * except a libvirt hypervisor scheme no driver here serves (esx://host/), which
 * goes to the libvirt driver, as does any "libvirt:" URI. */
static const HvDriver *
driver_for_uri(GUri *u)
{
	const char *scheme = g_uri_get_scheme(u), *plus = strchr(scheme, '+');
	const char *host = g_uri_get_host(u);
	const HvDriver *native;

	if (plus) {
		for (const char *const *t = remote_transports; *t; t++)
			if (g_ascii_strcasecmp(*t, plus + 1) == 0)
				return &hv_remote_driver;
		return NULL;
	}
	native = native_driver(scheme);
	if (host && *host && (native || !libvirt_fallback(scheme)))
		return &hv_remote_driver;
	return native ? native : libvirt_fallback(scheme);
}

HvConn *
hv_conn_open(const char *uri, bool readonly, GError **err)
{
	return hv_conn_open_flags(uri, readonly ? HV_CONN_RO : 0, err);
}

HvConn *
hv_conn_open_flags(const char *uri, unsigned flags, GError **err)
{
	return hv_conn_open_sink(uri, flags, NULL, err);
}

HvConn *
hv_conn_open_sink(const char *uri, unsigned flags, const HvConnSink *sink, GError **err)
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
	c->readonly = (flags & HV_CONN_RO) != 0;
	c->away_ok = (flags & HV_CONN_AWAY_OK) != 0;
	if (sink) { /* before the driver starts any thread that reports */
		c->event_cb = sink->event;
		c->event_opaque = sink->event_opaque;
		c->warn_cb = sink->warn;
		c->warn_opaque = sink->warn_opaque;
	}
	if (drv->open(c, err) < 0) {
		g_uri_unref(c->uri);
		g_free(c->uri_str);
		g_free(c);
		return NULL;
	}
	return c;
}

HvConn *
hv_conn_view_new(HvConn *base, bool readonly, const char *identity)
{
	HvConn *v = g_new0(HvConn, 1);

	base = base->base ? base->base : base;
	v->driver = base->driver;
	v->uri_str = g_strdup(base->uri_str);
	v->uri = g_uri_ref(base->uri);
	v->readonly = readonly || base->readonly;
	v->priv = base->priv;
	memcpy(v->tables, base->tables, sizeof(v->tables));
	v->secrets = base->secrets;
	v->base = base;
	v->identity = g_strdup(identity);
	return v;
}

void
hv_conn_close(HvConn *c)
{
	if (!c)
		return;
	if (!c->base && c->driver->close)
		c->driver->close(c);
	g_uri_unref(c->uri);
	g_free(c->uri_str);
	g_free(c->identity);
	g_free(c);
}

void
hv_conn_set_event_cb(HvConn *c, HvEventFunc cb, void *opaque)
{
	/* drivers' threads may be reporting: the opaque first, published by the
	 * callback's store; unsetting keeps the opaque for a report in flight */
	if (cb)
		c->event_opaque = opaque;
	g_atomic_pointer_set(&c->event_cb, cb);
}

void
hv_conn_set_warn_cb(HvConn *c, HvWarnFunc cb, void *opaque)
{
	if (cb)
		c->warn_opaque = opaque;
	g_atomic_pointer_set(&c->warn_cb, cb);
}

void
hv_conn_warn(HvConn *c, const char *what, int r, const GError *err)
{
	HvWarnFunc cb;

	if (c->base)
		c = c->base;
	if ((cb = g_atomic_pointer_get(&c->warn_cb)))
		cb(c, what, r, err, c->warn_opaque);
	else
		g_debug("'%s': %s: %s", c->uri_str, what, err ? err->message : g_strerror(-r));
}

void
hv_conn_emit(HvConn *c, HvObjKind kind, const char *parent, const char *name,
	     const char *event, const char *detail)
{
	HvEventFunc cb;
	HvEvent ev;

	if (c->base) /* a driver that emits on a caller's view: the node's sink */
		c = c->base;
	ev = (HvEvent){
		.kind = kind,
		.name = name,
		.parent = parent,
		.event = event,
		.detail = detail ? detail : "-",
	};

	if ((cb = g_atomic_pointer_get(&c->event_cb)))
		cb(c, &ev, c->event_opaque);
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
hv_nwfilter_info_free(HvNwfilterInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i);
}

void
hv_nodedev_info_free(HvNodeDevInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->parent);
	g_strfreev(i->caps);
	g_free(i);
}

void
hv_interface_info_free(HvInterfaceInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->mac);
	g_free(i);
}

void
hv_network_lease_free(HvNetworkLease *l)
{
	if (!l)
		return;
	g_free(l->mac);
	g_free(l->ip);
	g_free(l->hostname);
	g_free(l);
}

void
hv_network_port_free(HvNetworkPort *p)
{
	if (!p)
		return;
	g_free(p->domain);
	g_free(p->mac);
	g_free(p->device);
	g_free(p);
}

void
hv_domain_fsinfo_free(HvDomainFsInfo *f)
{
	if (!f)
		return;
	g_free(f->mountpoint);
	g_free(f->name);
	g_free(f->fstype);
	g_strfreev(f->devices);
	g_free(f);
}

void
hv_domain_address_free(HvDomainAddress *a)
{
	if (!a)
		return;
	g_free(a->device);
	g_free(a->mac);
	g_free(a->family);
	g_free(a->ip);
	g_free(a->source);
	g_free(a);
}

void
hv_network_info_free(HvNetworkInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->bridge);
	g_free(i->forward);
	g_free(i->pending);
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
hv_snapshot_info_free(HvSnapshotInfo *i)
{
	if (!i)
		return;
	g_free(i->name);
	g_free(i->parent);
	g_free(i->state);
	g_free(i->kind);
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

static void
param_clear(void *p)
{
	HvParam *pa = p;

	g_free(pa->field);
	g_free(pa->s);
}

GArray *
hv_params_new(void)
{
	GArray *ps = g_array_new(FALSE, TRUE, sizeof(HvParam));

	g_array_set_clear_func(ps, param_clear);
	return ps;
}

void
hv_params_add(GArray *ps, const char *field, HvParamType type, int64_t i, const char *s)
{
	HvParam pa = { .field = g_strdup(field), .type = type, .i = i,
		       .s = type == HV_PARAM_STRING ? g_strdup(s ? s : "") : NULL };

	g_array_append_val(ps, pa);
}

const HvParam *
hv_params_find(const GArray *ps, const char *field)
{
	for (guint k = 0; ps && k < ps->len; k++)
		if (g_str_equal(g_array_index(ps, HvParam, k).field, field))
			return &g_array_index(ps, HvParam, k);
	return NULL;
}

char *
hv_mig_cookie_from_wire(const guint8 *data, guint len)
{
	if (len && !data[len - 1]) /* libvirt counts the terminating NUL */
		len--;
	if (!len || len > HV_MIG_COOKIE_MAX || memchr(data, 0, len))
		return NULL;
	return g_strndup((const char *)data, len);
}

void
hv_mig_cookie_to_wire(GByteArray *b, const char *text)
{
	if (text && *text)
		g_byte_array_append(b, (const guint8 *)text, (guint)strlen(text) + 1);
}

int
hv_call_affect_split(HvFlagsCall fn, void *ctx, unsigned flags, GError **err)
{
	g_autoptr(GError) e = NULL;
	unsigned both = HV_AFFECT_LIVE | HV_AFFECT_CONFIG;
	int rc = fn(ctx, flags, &e);

	if (rc == -EINVAL && (flags & both) == both && strstr(e->message, "mutually exclusive")) {
		g_clear_error(&e);
		rc = fn(ctx, flags & ~HV_AFFECT_CONFIG, &e);
		if (rc == 0)
			rc = fn(ctx, flags & ~HV_AFFECT_LIVE, &e);
	}
	if (rc < 0)
		g_propagate_error(err, g_steal_pointer(&e));
	return rc;
}

static int
spec_cmp(const void *a, const void *b)
{
	return strcmp(((const HvParamSpec *)a)->field, ((const HvParamSpec *)b)->field);
}

static int
param_cmp(const void *a, const void *b)
{
	return strcmp((*(const HvParam *const *)a)->field, (*(const HvParam *const *)b)->field);
}

/* virTypedParameterType's names, by HvParamType. */
static const char *const param_type_names[] = { "unknown", "int",    "uint",    "llong",
						"ullong",  "double", "boolean", "string" };

static const char *
param_type_name(HvParamType t)
{
	return (unsigned)t < G_N_ELEMENTS(param_type_names) ? param_type_names[t] : "unknown";
}

/* The walk of libvirt's virTypedParamsValidate: both lists sorted by name,
 * a spec skipped when it does not match, so what no spec takes is reported
 * after the type and repeat errors of the names before it. */
int
hv_params_validate(const GArray *ps, const HvParamSpec *specs, size_t n, GError **err)
{
	guint np = ps ? ps->len : 0, i = 0;
	g_autofree const HvParam **sorted = g_new0(const HvParam *, np + 1);
	g_autofree HvParamSpec *keys = g_memdup2(specs, sizeof(*specs) * (n ? n : 1));
	size_t j = 0;

	for (guint k = 0; k < np; k++)
		sorted[k] = &g_array_index(ps, HvParam, k);
	qsort(sorted, np, sizeof(*sorted), param_cmp);
	qsort(keys, n, sizeof(*keys), spec_cmp);
	while (i < np && j < n) {
		if (!g_str_equal(sorted[i]->field, keys[j].field)) {
			j++;
			continue;
		}
		if (i > 0 && g_str_equal(sorted[i - 1]->field, sorted[i]->field))
			return hv_error_set(err, EINVAL, "parameter '%s' occurs multiple times",
					    sorted[i]->field);
		if (sorted[i]->type != keys[j].type)
			return hv_error_set(err, EINVAL,
					    "invalid type '%s' for parameter '%s', expected '%s'",
					    param_type_name(sorted[i]->type), sorted[i]->field,
					    param_type_name(keys[j].type));
		i++;
	}
	if (i < np)
		return hv_error_set(err, ENOPROTOOPT, "parameter '%s' not supported",
				    sorted[i]->field);
	return 0;
}
