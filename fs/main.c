/* main.c: the hyperfs program. Parses the command line, opens one connection
 * per -c (one folder per node), builds the fixed folders, and runs the FUSE
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
#include "util/names.h"

typedef struct {
	GPtrArray *conns; /* "[NAME=]URI" */
	char *mountpoint;
	bool foreground;
	bool debug;
	bool readonly;
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
		"  -o OPT[,OPT...]           mount options: ro, allow_other, timeout=SECONDS,\n"
		"                            spin=MICROSECONDS (0: off; default 100),\n"
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
		} else if (g_str_has_prefix(*p, "timeout=")) {
			fs->timeout = g_ascii_strtod(*p + 8, NULL);
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

static HvNode *
node_new(HvFs *fs, const char *spec, bool readonly, GError **err)
{
	const char *eq = strchr(spec, '=');
	const char *colon = strstr(spec, "://");
	g_autofree char *name = NULL;
	const char *uri = spec;
	HvNode *n;
	HvConn *c;

	if (eq && (!colon || eq < colon)) {
		name = g_strndup(spec, (gsize)(eq - spec));
		uri = eq + 1;
	}
	c = hv_conn_open(uri, readonly, err);
	if (!c)
		return NULL;
	if (!name)
		name = g_strdup(g_uri_get_host(c->uri) && *g_uri_get_host(c->uri)
					? g_uri_get_host(c->uri)
					: "localhost");
	if (hv_name_check("node", name, err) < 0) {
		hv_conn_close(c);
		return NULL;
	}
	n = g_new0(HvNode, 1);
	n->fs = fs;
	n->name = g_steal_pointer(&name);
	n->conn = c;
	hv_events_init(n);
	n->obj = hv_obj_new(fs, DK_NODE, n, fs->root, n->name);
	n->nodeinfo = hv_obj_new(fs, DK_NODEINFO, n, n->obj, "node");
	n->domains = hv_obj_new(fs, DK_DOMAINS, n, n->obj, "domains");
	n->networks = hv_obj_new(fs, DK_NETWORKS, n, n->obj, "networks");
	n->pools = hv_obj_new(fs, DK_POOLS, n, n->obj, "pools");
	hv_conn_set_event_cb(c, hv_events_on_driver_event, n);
	return n;
}

static int
add_nodes(HvFs *fs, Options *o)
{
	for (guint i = 0; i < o->conns->len; i++) {
		g_autoptr(GError) err = NULL;
		HvNode *n = node_new(fs, o->conns->pdata[i], o->readonly, &err);

		if (!n) {
			fprintf(stderr, "hyperfs: %s\n", err->message);
			return -1;
		}
		if (g_hash_table_lookup(fs->root->children, n->name)) {
			fprintf(stderr, "hyperfs: two nodes are named '%s': name them with -c NAME=URI\n",
				n->name);
			return -1;
		}
		g_hash_table_insert(fs->root->children, n->obj->name, n->obj);
		g_ptr_array_add(fs->nodes, n);
	}
	return 0;
}

static struct fuse_session *
session_new(HvFs *fs, Options *o)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	g_autoptr(GString) opts = g_string_new("fsname=hyperfs,subtype=hyperfs");
	struct fuse_session *se;

	for (guint i = 0; i < o->fuse_opts->len; i++)
		g_string_append_printf(opts, ",%s", (char *)o->fuse_opts->pdata[i]);
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
static int
daemon_start(void)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char st = 1;

		close(p[1]);
		if (read(p[0], &st, 1) != 1)
			st = 1;
		_exit(st);
	}
	close(p[0]);
	setsid();
	return p[1];
}

static void
daemon_ready(int fd, char status)
{
	int nul;

	if (fd < 0)
		return;
	if (status == 0 && chdir("/") == 0 && (nul = open("/dev/null", O_RDWR)) >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
	if (write(fd, &status, 1) != 1) {
		/* the parent is gone: nothing to tell */
	}
	close(fd);
}

static void
fs_clear(HvFs *fs, Options *o)
{
	for (guint i = 0; i < fs->nodes->len; i++) {
		HvNode *n = fs->nodes->pdata[i];

		hv_conn_set_event_cb(n->conn, NULL, NULL);
		hv_conn_close(n->conn);
		hv_events_clear(n);
		g_free(n->name);
		g_free(n);
	}
	g_ptr_array_unref(fs->nodes);
	hv_obj_free_all(fs);
	g_async_queue_unref(fs->inval);
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
	HvFs fs = { .timeout = 1.0, .next_id = 1, .spin_us = 100 };
	struct fuse_loop_config *cfg;
	int dfd = -1;
	int r = 1;

	g_mutex_init(&fs.lock);
	fs.objs = g_hash_table_new(g_int64_hash, g_int64_equal);
	fs.nodes = g_ptr_array_new();
	fs.inval = g_async_queue_new();
	fs.uid = getuid();
	fs.gid = getgid();
	fs.root = hv_obj_new(&fs, DK_ROOT, NULL, NULL, "");
	if (parse_args(argc, argv, &o, &fs) < 0)
		return 2;
	fs.readonly = o.readonly;
	if (!o.foreground && (dfd = daemon_start()) < 0) {
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
	hv_events_start(&fs);
	hv_spin_start(&fs);
	cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(cfg, 64);
	fuse_loop_cfg_set_idle_threads(cfg, 8);
	r = fuse_session_loop_mt(fs.se, cfg);
	/* unmounted (0) or asked to stop by SIGTERM, SIGINT or SIGHUP: a clean exit */
	r = !(r == 0 || r == SIGTERM || r == SIGINT || r == SIGHUP);
	fuse_loop_cfg_destroy(cfg);
	hv_events_stop(&fs);
	fuse_session_unmount(fs.se);
	hv_spin_stop(&fs);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	fuse_session_destroy(fs.se);
	fs_clear(&fs, &o);
	daemon_ready(dfd, 1);
	return r;
}
