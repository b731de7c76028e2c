/* main.c: the hyperfs program. Parses the command line, opens one connection
 * per -c (one folder per node, side by side), builds the fixed folders, and runs the FUSE
 * session multi-threaded until unmounted or signalled.
 *   hyperfs [-f] [-d] [-o OPT[,OPT]...] [-c [NAME=]URI]... [URI] MOUNTPOINT */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fs/fs.h"
#include "util/daemon.h"
#include "util/names.h"

typedef struct {
	GPtrArray *conns; /* "[NAME=]URI" */
	char *mountpoint;
	bool foreground;
	bool debug;
	bool readonly;
	bool strict_nodes; /* -o nodes=strict: a node that cannot be reached fails the mount */
	GPtrArray *fuse_opts;
} Options;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hyperfs [OPTIONS] [URI] MOUNTPOINT\n"
		"Virtualization under a mount point: one folder per node.\n\n"
		"  -c, --connect [NAME=]URI  add a node (repeatable); default test:///default\n"
		"  -f, --foreground          stay in the foreground\n"
		"  -d, --debug               debug log (implies -f)\n"
		"  -o OPT[,OPT...]           mount options: ro, allow_other, timeout=SECONDS\n"
		"                            (attributes, default 1), entry_timeout=SECONDS\n"
		"                            (names, default 86400; events drop them anyway),\n"
		"                            spin=MICROSECONDS (0: off; default 100),\n"
		"                            max_read=BYTES (read requests; default what\n"
		"                            one pipe carries: 1 MiB or 512 KiB),\n"
		"                            nodes=strict (an unreachable node fails the mount),\n"
		"                            others are passed to FUSE\n"
		"  -h, --help                this help\n"
		"  -V, --version             print the version\n\n"
		"See hyperfs(1) for the tree.\n");
}

/* Our own -o options; the rest go to FUSE. */
static int
take_opts(Options *o, HvFs *fs, const char *arg)
{
	g_auto(GStrv) parts = g_strsplit(arg, ",", -1);

	for (char **p = parts; *p; p++) {
		if (!**p)
			continue;
		if (strcmp(*p, "ro") == 0) {
			o->readonly = true;
			g_ptr_array_add(o->fuse_opts, g_strdup(*p));
		} else if (strcmp(*p, "nodes=strict") == 0 || strcmp(*p, "nodes=away") == 0) {
			o->strict_nodes = strcmp(*p, "nodes=strict") == 0;
		} else if (g_str_has_prefix(*p, "timeout=")) {
			fs->timeout = g_ascii_strtod(*p + 8, NULL);
		} else if (g_str_has_prefix(*p, "entry_timeout=")) {
			fs->entry_timeout = g_ascii_strtod(*p + 14, NULL);
		} else if (g_str_has_prefix(*p, "max_read=")) {
			guint64 n;

			if (!g_ascii_string_to_unsigned(*p + 9, 10, 4096, 1u << 30, &n, NULL)) {
				fprintf(stderr, "hyperfs: max_read=%s: bytes from 4096\n", *p + 9);
				return -1;
			}
			fs->max_read = (unsigned)n; /* given to FUSE in session_new */
		} else if (g_str_has_prefix(*p, "spin=")) {
			guint64 us;

			if (!g_ascii_string_to_unsigned(*p + 5, 10, 0, 1000000, &us, NULL)) {
				fprintf(stderr, "hyperfs: spin=%s: microseconds from 0 to 1000000\n",
					*p + 5);
				return -1;
			}
			fs->spin_us = (gint64)us;
		} else if (strcmp(*p, "rw") == 0 || strcmp(*p, "dev") == 0 ||
			   strcmp(*p, "suid") == 0 || strcmp(*p, "nodev") == 0 ||
			   strcmp(*p, "nosuid") == 0 || strcmp(*p, "exec") == 0 ||
			   strcmp(*p, "noexec") == 0 || strcmp(*p, "async") == 0 ||
			   strcmp(*p, "atime") == 0 || strcmp(*p, "noatime") == 0 ||
			   strcmp(*p, "_netdev") == 0 || strcmp(*p, "nofail") == 0 ||
			   strcmp(*p, "defaults") == 0 || strcmp(*p, "auto") == 0 ||
			   strcmp(*p, "noauto") == 0 || strcmp(*p, "user") == 0) {
			/* mount(8) and fstab words that FUSE itself handles or ignores */
		} else {
			g_ptr_array_add(o->fuse_opts, g_strdup(*p));
		}
	}
	return 0;
}

static int
parse_args(int argc, char **argv, Options *o, HvFs *fs)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:fdo:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': g_ptr_array_add(o->conns, g_strdup(optarg)); break;
		case 'f': o->foreground = true; break;
		case 'd': o->debug = o->foreground = true; break;
		case 'o':
			if (take_opts(o, fs, optarg) < 0)
				return -1;
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("hyperfs %s\n", HV_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	/* mount.fuse3 calls "hyperfs SOURCE MOUNTPOINT -o OPTS" */
	if (argc - optind == 2)
		g_ptr_array_add(o->conns, g_strdup(argv[optind++]));
	if (argc - optind != 1) {
		usage(stderr);
		return -1;
	}
	o->mountpoint = g_strdup(argv[optind]);
	if (o->conns->len == 0)
		g_ptr_array_add(o->conns, g_strdup("test:///default"));
	return 0;
}

/* A driver's problem that failed no call (a name a peer sent that cannot be a
 * file name, ...) goes to node/error. */
static void
node_warn(HvConn *c, const char *what, int r, const GError *err, void *opaque)
{
	HvNode *n = opaque;

	hv_obj_fail(n->nodeinfo, what, r, err);
}

/* The URI of "[NAME=]URI", and the name when one is given. */
static const char *
spec_split(const char *spec, char **name)
{
	const char *eq = strchr(spec, '=');
	const char *colon = strstr(spec, "://");

	if (eq && (!colon || eq < colon)) {
		*name = g_strndup(spec, (gsize)(eq - spec));
		return eq + 1;
	}
	return spec;
}

/* A node's folder name: NAME= of its spec, else its URI's host, else
 * "localhost". */
static char *
node_name(const char *uri)
{
	g_autoptr(GUri) u = g_uri_parse(uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, NULL);
	const char *host = u ? g_uri_get_host(u) : NULL;

	return g_strdup(host && *host ? host : "localhost");
}

static void
node_free(HvNode *n)
{
	hv_events_clear(n); /* first: its console waker calls the driver */
	hv_conn_close(n->conn);
	g_clear_pointer(&n->migrate, g_hash_table_unref);
	g_free(n->name);
	g_free(n);
}

/* The node and its folders exist before its connection opens: the driver's
 * threads report into them from the start (the sink is set before they run). */
static HvNode *
node_new(HvFs *fs, const char *spec, GError **err)
{
	g_autofree char *name = NULL;
	const char *uri = spec_split(spec, &name);
	HvNode *n = g_new0(HvNode, 1);

	n->name = name ? g_steal_pointer(&name) : node_name(uri);
	n->fs = fs;
	hv_events_init(n);
	if (hv_name_check("node", n->name, err) < 0) {
		node_free(n);
		return NULL;
	}
	g_mutex_lock(&fs->lock); /* the nodes opened before report already */
	n->obj = hv_obj_new(fs, DK_NODE, n, fs->root, n->name);
	n->nodeinfo = hv_obj_new(fs, DK_NODEINFO, n, n->obj, "node");
	n->domains = hv_obj_new(fs, DK_DOMAINS, n, n->obj, "domains");
	n->networks = hv_obj_new(fs, DK_NETWORKS, n, n->obj, "networks");
	n->pools = hv_obj_new(fs, DK_POOLS, n, n->obj, "pools");
	n->secrets = hv_obj_new(fs, DK_SECRETS, n, n->obj, "secrets");
	n->ifaces = hv_obj_new(fs, DK_IFACES, n, n->obj, "interfaces");
	n->nodedevs = hv_obj_new(fs, DK_NODEDEVS, n, n->nodeinfo, "devices");
	g_mutex_unlock(&fs->lock);
	return n;
}

/* Nodes connect side by side (a fleet of remote nodes is ready in about the
 * time of its slowest node), on at most OPEN_THREADS threads that end before
 * the mount. */
#define OPEN_THREADS 32

typedef struct {
	HvNode *node;
	const char *spec;
	unsigned flags;
	bool done; /* opened already, on the main thread */
	GError *err;
} Opening;

static void
open_one(gpointer data, gpointer unused)
{
	Opening *op = data;
	HvConnSink sink = { hv_events_on_driver_event, op->node, node_warn, op->node };
	g_autofree char *name = NULL;

	op->node->conn = hv_conn_open_sink(spec_split(op->spec, &name), op->flags, &sink,
					   &op->err);
}

typedef struct {
	Opening *ops;
	guint n;
	gint next; /* the next op to take, atomically */
} OpenQueue;

static gpointer
open_worker(gpointer data)
{
	OpenQueue *q = data;
	guint i;

	while ((i = (guint)g_atomic_int_add(&q->next, 1)) < q->n)
		if (!q->ops[i].done)
			open_one(&q->ops[i], NULL);
	return NULL;
}

/* Plain threads, joined (pthread_join orders their work before ours, in a
 * way ThreadSanitizer sees, unlike a GThreadPool's wait). */
static void
open_all(Opening *ops, guint n)
{
	OpenQueue q = { ops, n, 0 };
	guint nt = MIN(n, OPEN_THREADS);
	g_autofree GThread **t = NULL;

	if (n == 1) {
		open_one(&ops[0], NULL);
		return;
	}
	/* local drivers open one after the other, here: they load their own
	 * state (a test node parses its document on workers of its own), and
	 * only nodes that wait on a peer gain from opening side by side */
	for (guint i = 0; i < n; i++) {
		g_autofree char *name = NULL;
		const char *uri = spec_split(ops[i].spec, &name);
		const char *sep = strstr(uri, "://");

		if (sep && !memchr(uri, '+', (size_t)(sep - uri)) && sep[3] == '/') {
			open_one(&ops[i], NULL);
			ops[i].done = true;
		}
	}
	t = g_new0(GThread *, nt);
	for (guint k = 0; k < nt; k++)
		t[k] = g_thread_new("hv-open", open_worker, &q);
	for (guint k = 0; k < nt; k++)
		g_thread_join(t[k]);
}

static int
add_nodes(HvFs *fs, Options *o)
{
	guint n = o->conns->len, i;
	g_autofree Opening *ops = g_new0(Opening, n);
	g_autoptr(GError) err = NULL;
	int rc = 0;

	for (i = 0; i < n; i++) {
		HvNode *node = node_new(fs, o->conns->pdata[i], &err);

		if (!node) {
			fprintf(stderr, "hyperfs: %s\n", err->message);
			return -1;
		}
		g_ptr_array_add(fs->nodes, node); /* fs_clear frees it */
		if (g_hash_table_lookup(fs->root->children, node->name)) {
			fprintf(stderr, "hyperfs: two nodes are named '%s': name them with -c NAME=URI\n",
				node->name);
			return -1;
		}
		g_hash_table_insert(fs->root->children, node->obj->name, node->obj);
		ops[i] = (Opening){ .node = node, .spec = o->conns->pdata[i],
				    .flags = (o->readonly ? HV_CONN_RO : 0) |
					     (o->strict_nodes ? 0 : HV_CONN_AWAY_OK) };
	}
	open_all(ops, n);
	for (i = 0; i < n; i++) {
		if (!ops[i].node->conn && rc == 0) {
			fprintf(stderr, "hyperfs: %s\n", ops[i].err->message);
			rc = -1;
		}
		g_clear_error(&ops[i].err);
	}
	return rc;
}

static struct fuse_session *
session_new(HvFs *fs, Options *o)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	g_autoptr(GString) opts = g_string_new("fsname=hyperfs,subtype=hyperfs");
	struct fuse_session *se;

	for (guint i = 0; i < o->fuse_opts->len; i++)
		g_string_append_printf(opts, ",%s", (char *)o->fuse_opts->pdata[i]);
	if (!fs->max_read)
		fs->max_read = hv_data_max_read();
	g_string_append_printf(opts, ",max_read=%u", fs->max_read); /* op_init says it again */
	fuse_opt_add_arg(&args, "hyperfs");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, opts->str);
	if (o->debug)
		fuse_opt_add_arg(&args, "-d");
	se = fuse_session_new(&args, &hv_fuse_ops, sizeof(hv_fuse_ops), fs);
	fuse_opt_free_args(&args);
	return se;
}

/* Going to the background happens before any node is opened: drivers start
 * threads (RPC readers, QMP monitors of running guests) that a later fork()
 * would lose. The parent waits on a pipe for one status byte, so that errors
 * while connecting and mounting still reach the terminal and the exit status;
 * the child dies or reports, never both. */
static void
daemon_ready(int fd, char status)
{
	if (fd >= 0 && status == 0)
		hv_daemon_detach(false);
	hv_daemon_ready(fd, status);
}

/* A step of the exit that took over a second says so in the log (issue 10's
 * slow exits under load: which step waits). */
static void
exit_step(const char *what, gint64 *t)
{
	gint64 now = g_get_monotonic_time();

	if (now - *t > G_USEC_PER_SEC)
		g_warning("exit: %s took %.1f s", what, (double)(now - *t) / G_USEC_PER_SEC);
	*t = now;
}

static void
fs_clear(HvFs *fs, Options *o, gint64 *t)
{
	for (guint i = 0; i < fs->nodes->len; i++) {
		HvNode *n = fs->nodes->pdata[i];
		g_autofree char *what = g_strdup_printf("closing node '%s'", n->name);

		hv_conn_set_event_cb(n->conn, NULL, NULL);
		node_free(n);
		exit_step(what, t);
	}
	g_ptr_array_unref(fs->nodes);
	hv_obj_free_all(fs);
	g_mutex_clear(&fs->lock);
	g_ptr_array_unref(o->conns);
	g_ptr_array_unref(o->fuse_opts);
	g_free(o->mountpoint);
}

int
main(int argc, char **argv)
{
	Options o = { .conns = g_ptr_array_new_with_free_func(g_free),
		      .fuse_opts = g_ptr_array_new_with_free_func(g_free) };
	HvFs fs = { .timeout = 1.0, .entry_timeout = 86400.0, .next_id = 1, .spin_us = 100 };
	struct fuse_loop_config *cfg;
	int dfd = -1;
	int r = 1;
	gint64 t = g_get_monotonic_time();

	hv_malloc_tune();
	g_mutex_init(&fs.lock);
	fs.objs = g_hash_table_new(g_int64_hash, g_int64_equal);
	fs.nodes = g_ptr_array_new();
	fs.uid = getuid();
	fs.gid = getgid();
	(void)HV_ERROR; /* made before any thread: G_DEFINE_QUARK caches it without a lock */
	/* glib makes its error-domain lock at the first GError: here, before any thread
	 * (two first GErrors at once race in glib's lazy init, ThreadSanitizer says) */
	g_error_free(g_error_new_literal(HV_ERROR, EINVAL, ""));
	(void)g_get_host_name(); /* glib computes it once, lazily: before the nodes open side by side */
	fs.root = hv_obj_new(&fs, DK_ROOT, NULL, NULL, "");
	if (parse_args(argc, argv, &o, &fs) < 0)
		return 2;
	fs.readonly = o.readonly;
	if (!o.foreground && (dfd = hv_daemon_start()) < 0) {
		fprintf(stderr, "hyperfs: cannot go to the background: %s\n", g_strerror(-dfd));
		return 1;
	}
	if (add_nodes(&fs, &o) < 0) {
		daemon_ready(dfd, 1);
		return 1;
	}
	fs.se = session_new(&fs, &o);
	if (!fs.se) {
		daemon_ready(dfd, 1);
		return 1;
	}
	if (fuse_set_signal_handlers(fs.se) != 0)
		goto out_session;
	if (fuse_session_mount(fs.se, o.mountpoint) != 0)
		goto out_signals;
	daemon_ready(dfd, 0);
	dfd = -1;
	hv_inval_start(&fs);
	hv_spin_start(&fs);
	hv_mountwatch_start(&fs, o.mountpoint);
	cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(cfg, 64);
	fuse_loop_cfg_set_idle_threads(cfg, 8);
	r = fuse_session_loop_mt(fs.se, cfg);
	/* unmounted (0) or asked to stop by SIGTERM, SIGINT or SIGHUP: a clean exit */
	r = !(r == 0 || r == SIGTERM || r == SIGINT || r == SIGHUP);
	t = g_get_monotonic_time();
	fuse_loop_cfg_destroy(cfg);
	hv_mountwatch_stop(&fs);
	hv_inval_stop(&fs);
	exit_step("stopping the notifiers", &t);
	hv_spin_stop(&fs); /* the unmount closes the descriptor it replies on */
	fuse_session_unmount(fs.se);
	exit_step("the unmount", &t);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	fuse_session_destroy(fs.se);
	fs_clear(&fs, &o, &t);
	daemon_ready(dfd, 1);
	return r;
}
