/* hyperfsd.c: the node daemon's main: options and config file, listeners
 * (and TLS credentials from --pki), --stdio,
 * daemonizing with a pidfile, logging, and a clean shutdown on SIGTERM/SIGINT.
 * The protocol lives in proto*.c, the sockets in server.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib-unix.h>
#include "remote/hyperfsd_conf.h"
#include "remote/server.h"
#include "remote/tls.h"
#include "util/daemon.h"

#define DEFAULT_SOCK "/run/hyperfs/hyperfs-sock"
#define DEFAULT_SOCK_RO "/run/hyperfs/hyperfs-sock-ro"
#define DEFAULT_PKI "/etc/pki"
#define DEFAULT_TLS "tls:0.0.0.0:16514"

#include "remote/hyperfsd_paths.h" /* HYPERFSD_CONF, from meson */

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
	gchar *log_file;
	gchar *default_uri; /* from the config file */
	gboolean debug;
	HvServerLimits lim;
} Options;

static gboolean log_debug;

static void
log_handler(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");

	if ((level & G_LOG_LEVEL_DEBUG) && !log_debug)
		return;
	fprintf(stderr, "%s hyperfsd[%d]: %s\n", ts, (int)getpid(), msg);
}

/* The config file's settings, where the command line did not set them. The
 * default file may be missing (then defaults apply); one named by --config
 * must be there. With --stdio (one client for ssh), listen, pidfile and
 * log_file are not taken from the file: they belong to the daemon. */
static int
load_config(Options *o, GError **err)
{
	const char *path = o->config ? o->config : HYPERFSD_CONF;
	HvdConf c;
	int rc;

	hvd_conf_init(&c);
	rc = hvd_conf_load(&c, path, err);
	if (rc == -ENOENT && !o->config) {
		g_clear_error(err);
		return 0;
	}
	if (rc < 0) {
		hvd_conf_clear(&c);
		return rc;
	}
	if (c.max_clients >= 0)
		o->lim.max_clients = (unsigned)c.max_clients;
	if (c.max_client_requests >= 0)
		o->lim.max_requests = (unsigned)c.max_client_requests;
	if (c.max_message_size >= 0)
		o->lim.max_frame = (uint32_t)c.max_message_size;
	if (c.max_queued_bytes >= 0)
		o->lim.max_queued = (size_t)c.max_queued_bytes;
	if (c.keepalive_interval >= 0)
		o->lim.keepalive_interval = (unsigned)c.keepalive_interval;
	if (c.keepalive_count >= 0)
		o->lim.keepalive_count = (unsigned)c.keepalive_count;
	if (c.default_uri) {
		o->default_uri = g_steal_pointer(&c.default_uri);
		o->lim.default_uri = o->default_uri;
	}
	if (!o->listen && !o->stdio)
		o->listen = g_steal_pointer(&c.listen);
	if (!o->pki)
		o->pki = g_steal_pointer(&c.pki_dir);
	if (!o->allowed_dn && c.tls_allowed_dn_list && c.tls_allowed_dn_list[0])
		o->allowed_dn = g_steal_pointer(&c.tls_allowed_dn_list); /* [] means no check */
	if (!o->no_verify_clients && c.tls_no_verify_certificate > 0)
		o->no_verify_clients = TRUE;
	if (!o->pidfile && !o->stdio)
		o->pidfile = g_steal_pointer(&c.pidfile);
	if (!o->log_file && !o->stdio && c.log_file && *c.log_file)
		o->log_file = g_steal_pointer(&c.log_file);
	if (!o->debug && c.log_level && g_str_equal(c.log_level, "debug"))
		o->debug = TRUE;
	hvd_conf_clear(&c);
	return 0;
}

/* Log lines (stderr) go to FILE from now on, appended. */
static int
open_log(const char *path, GError **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	if (fd < 0)
		return hv_error_set(err, errno, "cannot open the log file '%s': %s", path,
				    g_strerror(errno));
	if (dup2(fd, 2) < 0) {
		int e = errno;

		close(fd);
		return hv_error_set(err, e, "cannot log to '%s': %s", path, g_strerror(e));
	}
	close(fd);
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

/* Forks (util/daemon.c); the parent waits until the child says it is ready
 * (its pidfile is written), so `hyperfsd` returning means the daemon serves,
 * as systemd's Type=forking expects. Returns the fd to report readiness on, or
 * -errno. Standard error stays: log lines go there unless --log. */
static int
daemonize(void)
{
	int fd = hv_daemon_start();
	int rc = fd >= 0 ? hv_daemon_detach(true) : fd;

	if (rc < 0 && fd >= 0)
		close(fd);
	return rc < 0 ? rc : fd;
}

int
main(int argc, char **argv)
{
	Options o = { .lim = { .max_clients = 1024, .max_requests = 5, .max_frame = RPC_MAX_FRAME,
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
		{ "log", 0, 0, G_OPTION_ARG_FILENAME, &o.log_file,
		  "Append log lines to FILE instead of standard error", "FILE" },
		{ "debug", 'd', 0, G_OPTION_ARG_NONE, &o.debug, "Log debug lines too", NULL },
		{ "stdio", 0, 0, G_OPTION_ARG_NONE, &o.stdio,
		  "Serve one client on stdin/stdout, then exit (for ssh and ext)", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &o.version, "Print the version", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- serve hyperfs drivers over libvirt's RPC protocol");
	g_autoptr(GError) err = NULL;
	HvServer *s;
	int status = 0, ready = -1;

	hv_malloc_tune();
	g_error_free(g_error_new_literal(HV_ERROR, EINVAL, "")); /* glib's error-domain lock: before any thread */
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
	if (load_config(&o, &err) < 0) {
		fprintf(stderr, "hyperfsd: %s\n", err->message);
		return 2;
	}
	log_debug = o.debug || g_getenv("G_MESSAGES_DEBUG");
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
	if (o.log_file && open_log(o.log_file, &err) < 0) {
		fprintf(stderr, "hyperfsd: %s\n", err->message);
		hv_server_free(s);
		return 1;
	}
	if (!o.foreground && (ready = daemonize()) < 0) {
		fprintf(stderr, "hyperfsd: cannot daemonize: %s\n", g_strerror(-ready));
		hv_server_free(s);
		return 1;
	}
	if (o.pidfile && write_pidfile(o.pidfile, &err) < 0) {
		g_message("%s", err->message);
		hv_server_free(s);
		return 1;
	}
	if (ready >= 0) { /* the parent exits 0 now */
		hv_daemon_ready(ready, 0);
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
	g_free(o.log_file);
	g_strfreev(o.allowed_dn);
	g_free(o.default_uri);
	return status;
}
