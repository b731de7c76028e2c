/* hyperfsd.c: the node daemon's main: options and config file, listeners
 * (and TLS credentials from --pki), --stdio,
 * daemonizing with a pidfile, logging, and a clean shutdown on SIGTERM/SIGINT.
 * The protocol lives in proto*.c, the sockets in server.c. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib-unix.h>
#include "remote/server.h"
#include "remote/tls.h"

#define DEFAULT_SOCK "/run/hyperfs/hyperfs-sock"
#define DEFAULT_SOCK_RO "/run/hyperfs/hyperfs-sock-ro"
#define DEFAULT_PKI "/etc/pki"
#define DEFAULT_TLS "tls:0.0.0.0:16514"

typedef struct {
	gboolean foreground;
	gchar **listen;
	gchar *config;
	gchar *pidfile;
	gboolean version;
	gboolean stdio;
	gchar *pki;
	gchar **allowed_dn;
	gboolean no_verify_clients;
	HvServerLimits lim;
} Options;

static void
log_handler(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");

	if (level & G_LOG_LEVEL_DEBUG)
		return;
	fprintf(stderr, "%s hyperfsd[%d]: %s\n", ts, (int)getpid(), msg);
}

/* [hyperfsd] keys: listen (list), max-clients, max-frame, max-queued,
 * keepalive-interval, keepalive-count, default-uri, pki, tls-allowed-dn-list
 * (list), tls-no-verify-certificate. The command line wins. */
static int
load_config(Options *o, GError **err)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	static const struct {
		const char *key;
		size_t off;
		guint64 min, max;
	} nums[] = {
		{ "max-clients", G_STRUCT_OFFSET(HvServerLimits, max_clients), 1, 100000 },
		{ "keepalive-interval", G_STRUCT_OFFSET(HvServerLimits, keepalive_interval), 0, 3600 },
		{ "keepalive-count", G_STRUCT_OFFSET(HvServerLimits, keepalive_count), 1, 100 },
		{ "max-frame", G_STRUCT_OFFSET(HvServerLimits, max_frame), 4096, RPC_MAX_FRAME },
	};

	if (!g_key_file_load_from_file(kf, o->config, G_KEY_FILE_NONE, err))
		return -EINVAL;
	for (size_t i = 0; i < G_N_ELEMENTS(nums); i++) {
		g_autoptr(GError) e = NULL;
		guint64 v = g_key_file_get_uint64(kf, "hyperfsd", nums[i].key, &e);

		if (e && e->code == G_KEY_FILE_ERROR_KEY_NOT_FOUND)
			continue;
		if (e || v < nums[i].min || v > nums[i].max)
			return hv_error_set(err, EINVAL, "'%s': %s must be a number from %" G_GUINT64_FORMAT
					    " to %" G_GUINT64_FORMAT, o->config, nums[i].key,
					    nums[i].min, nums[i].max);
		*(unsigned *)((char *)&o->lim + nums[i].off) = (unsigned)v;
	}
	if (g_key_file_has_key(kf, "hyperfsd", "max-queued", NULL))
		o->lim.max_queued = g_key_file_get_uint64(kf, "hyperfsd", "max-queued", NULL);
	if (g_key_file_has_key(kf, "hyperfsd", "default-uri", NULL))
		o->lim.default_uri = g_key_file_get_string(kf, "hyperfsd", "default-uri", NULL);
	if (!o->listen)
		o->listen = g_key_file_get_string_list(kf, "hyperfsd", "listen", NULL, NULL);
	if (!o->pki)
		o->pki = g_key_file_get_string(kf, "hyperfsd", "pki", NULL);
	if (!o->allowed_dn)
		o->allowed_dn = g_key_file_get_string_list(kf, "hyperfsd", "tls-allowed-dn-list", NULL,
							   NULL);
	if (!o->no_verify_clients)
		o->no_verify_clients = g_key_file_get_boolean(kf, "hyperfsd",
							      "tls-no-verify-certificate", NULL);
	return 0;
}

static gboolean
on_signal(gpointer data)
{
	g_message("shutting down");
	hv_server_quit(data);
	return G_SOURCE_CONTINUE;
}

static int
write_pidfile(const char *path, GError **err)
{
	g_autofree char *s = g_strdup_printf("%d\n", (int)getpid());

	if (!g_file_set_contents(path, s, -1, err))
		return -EIO;
	return 0;
}

static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	Options o = { .lim = { .max_clients = 1024, .max_frame = RPC_MAX_FRAME,
			       .max_queued = RPC_MAX_FRAME + (1u << 20), .keepalive_interval = 5,
			       .keepalive_count = 6, .default_uri = "test:///default" } };
	GOptionEntry entries[] = {
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &o.foreground, "Stay in the foreground", NULL },
		{ "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &o.listen,
		  "Listen on ADDR: unix:PATH, unix-ro:PATH, tcp:HOST:PORT or tls:HOST:PORT (repeatable)", "ADDR" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config, "Read settings from FILE", "FILE" },
		{ "pidfile", 'p', 0, G_OPTION_ARG_FILENAME, &o.pidfile, "Write the pid to FILE", "FILE" },
		{ "pki", 0, 0, G_OPTION_ARG_FILENAME, &o.pki,
		  "TLS files in DIR: CA/cacert.pem, libvirt/servercert.pem, "
		  "libvirt/private/serverkey.pem (default /etc/pki)", "DIR" },
		{ "tls-allowed-dn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.allowed_dn,
		  "Accept only TLS clients whose DN matches PATTERN (fnmatch; repeatable)", "PATTERN" },
		{ "stdio", 0, 0, G_OPTION_ARG_NONE, &o.stdio,
		  "Serve one client on stdin/stdout, then exit (for ssh and ext)", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &o.version, "Print the version", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- serve hyperfs drivers over libvirt's RPC protocol");
	g_autoptr(GError) err = NULL;
	HvServer *s;
	int status = 0;

	g_log_set_default_handler(log_handler, NULL);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "hyperfsd: %s\n", err->message);
		return 2;
	}
	if (o.version) {
		printf("hyperfsd " HV_VERSION "\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "hyperfsd: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (o.config && load_config(&o, &err) < 0) {
		fprintf(stderr, "hyperfsd: %s\n", err->message);
		return 2;
	}
	if ((!o.listen || !o.listen[0]) && !o.stdio) {
		static char *defaults[] = { "unix:" DEFAULT_SOCK, "unix-ro:" DEFAULT_SOCK_RO,
					    DEFAULT_TLS, NULL };

		g_mkdir_with_parents("/run/hyperfs", 0755);
		g_strfreev(o.listen);
		o.listen = g_strdupv(defaults);
		if (!hv_tls_server_has_certs(o.pki ? o.pki : DEFAULT_PKI)) /* TLS when certificates are there */
			g_clear_pointer(&o.listen[2], g_free);
	}
	if (o.stdio)
		o.foreground = TRUE;
	signal(SIGPIPE, SIG_IGN);
	s = hv_server_new(&o.lim);
	for (gchar **a = o.listen; a && *a; a++) {
		HvTlsServer *tls;

		if (!g_str_has_prefix(*a, "tls:"))
			continue;
		tls = hv_tls_server_new(o.pki ? o.pki : DEFAULT_PKI, o.allowed_dn, !o.no_verify_clients,
					&err);
		if (!tls) {
			fprintf(stderr, "hyperfsd: %s\n", err->message);
			hv_server_free(s);
			return 1;
		}
		hv_server_set_tls(s, tls);
		break;
	}
	if (o.stdio && hv_server_serve_stdio(s, &err) < 0) {
		fprintf(stderr, "hyperfsd: %s\n", err->message);
		hv_server_free(s);
		return 1;
	}
	for (gchar **a = o.listen; a && *a; a++)
		if (hv_server_listen(s, *a, &err) < 0) {
			fprintf(stderr, "hyperfsd: %s\n", err->message);
			hv_server_free(s);
			return 1;
		}
	if (!o.foreground && daemonize() < 0) {
		fprintf(stderr, "hyperfsd: cannot daemonize: %s\n", g_strerror(errno));
		hv_server_free(s);
		return 1;
	}
	if (o.pidfile && write_pidfile(o.pidfile, &err) < 0) {
		g_message("%s", err->message);
		hv_server_free(s);
		return 1;
	}
	g_unix_signal_add(SIGTERM, on_signal, s);
	g_unix_signal_add(SIGINT, on_signal, s);
	if (!o.stdio)
		g_message("hyperfsd " HV_VERSION " ready");
	hv_server_run(s);
	hv_server_free(s);
	if (o.pidfile)
		unlink(o.pidfile);
	g_strfreev(o.listen);
	g_free(o.config);
	g_free(o.pidfile);
	g_free(o.pki);
	g_strfreev(o.allowed_dn);
	return status;
}
