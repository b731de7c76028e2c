/* qemu_migration_opts.c: what both ends of a migration read from its
 * parameters (libvirt's typed migration parameters), its tcp: URIs and a
 * free port, and the QEMU migration capabilities and parameters they set
 * (qemu_migration.c runs the phases). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "drivers/qemu/qemu_migration_opts.h"
#include "drivers/qemu/qemu_migration_nbd.h"

#define UNLIMITED_BANDWIDTH ((uint64_t)1 << 40) /* QEMU's own default is 32 MiB/s */

const char *
qemu_mig_param_str(const GArray *ps, const char *field)
{
	const HvParam *p = hv_params_find(ps, field);

	return p && p->type == HV_PARAM_STRING && p->s && *p->s ? p->s : NULL;
}

bool
qemu_mig_param_u64(const GArray *ps, const char *field, uint64_t *out)
{
	const HvParam *p = hv_params_find(ps, field);

	if (!p || p->type == HV_PARAM_STRING || p->type == HV_PARAM_DOUBLE)
		return false;
	*out = (uint64_t)p->i;
	return true;
}

/* The host (and port, 0: none) of a migration URI: tcp:HOST[:PORT] or
 * tcp://HOST[:PORT] (libvirt's forms); [v6] in brackets. */
int
qemu_mig_uri_host(const char *uri, char **host, unsigned *port, GError **err)
{
	const char *h = g_str_has_prefix(uri, "tcp://") ? uri + 6
			: g_str_has_prefix(uri, "tcp:") ? uri + 4 : NULL;
	const char *colon, *end;

	if (!h || !*h)
		return hv_error_set(err, EINVAL, "migration URI '%s' is not tcp:HOST[:PORT] or "
				    "tcp://HOST[:PORT]", uri);
	end = h[0] == '[' ? strchr(h, ']') : NULL;
	colon = strrchr(end ? end : h, ':');
	*port = 0;
	if (colon && colon[1]) {
		guint64 v;

		if (!g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &v, NULL))
			return hv_error_set(err, EINVAL, "migration URI '%s': bad port", uri);
		*port = (unsigned)v;
	}
	*host = g_strndup(h, colon ? (gsize)(colon - h) : strlen(h));
	return 0;
}

/* A free TCP port for QEMU to listen on (the kernel's choice). */
int
qemu_mig_free_port(GError **err)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		r = hv_error_set(err, errno, "no free TCP port for an incoming migration: %s",
				 g_strerror(errno));
	else
		r = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return r;
}

/* ---- the options: one row a QEMU capability, on both sides */

static const struct {
	unsigned flag;
	const char *capability;
} caps[] = {
	{ HV_MIGRATE_AUTO_CONVERGE, "auto-converge" },
	{ HV_MIGRATE_COMPRESSED, "xbzrle" },
	{ HV_MIGRATE_POSTCOPY, "postcopy-ram" },
	{ QEMU_MIG_COPY, "pause-before-switchover" }, /* the mirrors end before the switch */
};

/* No lock held. */
int
qemu_mig_set_caps(QemuMon *m, unsigned flags, GError **err)
{
	g_autoptr(GString) a = g_string_new("{\"capabilities\":[");

	for (size_t k = 0; k < G_N_ELEMENTS(caps); k++)
		g_string_append_printf(a, "%s{\"capability\":\"%s\",\"state\":%s}", k ? "," : "",
				       caps[k].capability, flags & caps[k].flag ? "true" : "false");
	g_string_append(a, "]}");
	return qemu_mon_command(m, "migrate-set-capabilities", a->str, NULL, err);
}

/* No lock held: bandwidth (MiB/s), downtime (ms), the first throttle. */
int
qemu_mig_set_params(QemuMon *m, const GArray *ps, GError **err)
{
	g_autoptr(GString) a = g_string_new("{");
	uint64_t v;

	g_string_append_printf(a, "\"max-bandwidth\":%" G_GUINT64_FORMAT,
			       qemu_mig_param_u64(ps, "bandwidth", &v) && v ? v << 20 : UNLIMITED_BANDWIDTH);
	if (qemu_mig_param_u64(ps, "downtime", &v) && v)
		g_string_append_printf(a, ",\"downtime-limit\":%" G_GUINT64_FORMAT, v);
	if (qemu_mig_param_u64(ps, "auto_converge.initial", &v) && v)
		g_string_append_printf(a, ",\"cpu-throttle-initial\":%" G_GUINT64_FORMAT, v);
	if (qemu_mig_param_u64(ps, "auto_converge.increment", &v) && v)
		g_string_append_printf(a, ",\"cpu-throttle-increment\":%" G_GUINT64_FORMAT, v);
	g_string_append(a, "}");
	return qemu_mon_command(m, "migrate-set-parameters", a->str, NULL, err);
}

