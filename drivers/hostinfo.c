/* hostinfo.c: node info from the host (hostinfo.h), and the URI parameter
 * table reader of the local process drivers. */
#include <string.h>
#include <unistd.h>
#include "drivers/hostinfo.h"

void
hv_host_node_info(HvNodeInfo *out, const char *accels)
{
	g_autofree char *mem = NULL;
	const char *p;

	memset(out, 0, sizeof(*out));
	out->hostname = g_strdup(g_get_host_name());
	out->model = g_strdup("x86_64");
	out->cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	out->nodes = 1;
	out->sockets = 1;
	out->cores = out->cpus;
	out->threads = 1;
	out->accels = g_strdup(accels);
	if (g_file_get_contents("/proc/meminfo", &mem, NULL, NULL)) {
		if ((p = strstr(mem, "MemTotal:")))
			out->memory_kib = g_ascii_strtoull(p + 9, NULL, 10);
		if ((p = strstr(mem, "MemAvailable:")))
			out->free_memory_kib = g_ascii_strtoull(p + 13, NULL, 10);
	}
}

int
hv_uri_params(HvConn *c, const char *const *names, char **out, GError **err)
{
	const char *query = g_uri_get_query(c->uri);
	g_autoptr(GHashTable) kv = NULL;
	GHashTableIter it;
	gpointer k, v;

	if (!query || !*query)
		return 0;
	if (!(kv = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL)))
		return hv_error_set(err, EINVAL, "invalid query in URI '%s'", c->uri_str);
	g_hash_table_iter_init(&it, kv);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		int i = 0;

		while (names[i] && !g_str_equal(names[i], k))
			i++;
		if (!names[i]) {
			g_autofree char *known = g_strjoinv(", ", (char **)names);

			return hv_error_set(err, EINVAL, "unknown parameter '%s' in URI '%s' "
					    "(known: %s)", (char *)k, c->uri_str, known);
		}
		g_free(out[i]);
		out[i] = g_strdup(v);
	}
	return 0;
}
