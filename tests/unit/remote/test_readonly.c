/* test_readonly.c: the read-only socket tried from the procedure table itself, so a
 * new row is covered without anyone writing a test: each row's valid arguments are
 * found on fresh read-write nodes, then a read-only client of a real server calls
 * it; a write must get libvirt's "read only access" answer and leave every object's
 * XML and state as it was, a read must work and change nothing. Each defence is also
 * tried alone (docs/remote.md). */
#include <string.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "remote/server.h"
#include "remote/secret_xdr.h"
#include "drivers/saveimg.h"
#include "tests/unit/remote/ro_peer.h"

#define MAX_FIELDS 8
#define MAX_CANDS 32

#define DOM_XML(name, uuid)                                                                   \
	"<domain type='test'><name>" name "</name><uuid>" uuid "</uuid>"                      \
	"<memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>"
#define NET_XML(name, uuid, bridge)                                                            \
	"<network><name>" name "</name><uuid>" uuid "</uuid><bridge name='" bridge "'/></network>"
#define POOL_XML(name, uuid)                                                                   \
	"<pool type='dir'><name>" name "</name><uuid>" uuid "</uuid><target><path>/" name        \
	"</path></target></pool>"
#define SECRET_UUID "11111111-2222-3333-4444-555555555505"
#define SECRET_USAGE "/default-pool/disk1.img" /* usage volume (1): an X_STR candidate */
#define SECRET_XML(uuid)                                                                       \
	"<secret private='no'><uuid>" uuid "</uuid><usage type='volume'><volume>"               \
	SECRET_USAGE "</volume></usage></secret>"
static const char VOL_XML[] =
	"<volume><name>new.img</name><capacity unit='bytes'>1048576</capacity></volume>";

/* ---- the node: seeded with objects in every state a verb needs ---- */

static void
define(Peer *p, int proc, const char *xml)
{
	RpcMsg a = { .str = { (char *)xml }, .has_str = { true } }, r = { 0 };

	must(p, proc, &a, &r);
	rpc_msg_clear(&r);
}

/* Beside test:///default's running 'test', network 'default' and pool
 * 'default-pool' (active, with disk1.img and disk2.qcow2): 'off' (shut off),
 * 'paused', an inactive network 'net2' and an inactive pool 'pool2'. */
static void
seed(Peer *p)
{
	RpcMsg a = { 0 };

	define(p, 11, DOM_XML("off", "11111111-2222-3333-4444-555555555501"));
	define(p, 11, DOM_XML("paused", "11111111-2222-3333-4444-555555555502"));
	a.dom.name = "paused";
	must(p, 9, &a, NULL);
	must(p, 34, &a, NULL);
	define(p, 41, NET_XML("net2", "11111111-2222-3333-4444-555555555503", "virbr9"));
	define(p, 77, POOL_XML("pool2", "11111111-2222-3333-4444-555555555504"));
	define(p, 142, SECRET_XML(SECRET_UUID));
	a = (RpcMsg){ .raw = g_byte_array_new() }; /* its value, so that GetValue answers */
	rpc_secret_put(a.raw, SECRET_UUID, HV_SECRET_USAGE_VOLUME, SECRET_USAGE);
	xdr_put_u32(a.raw, 3);
	xdr_put_fixed(a.raw, "abc", 3);
	xdr_put_u32(a.raw, 0);
	must(p, 144, &a, NULL);
	g_byte_array_unref(a.raw);
	/* snapshots of `test` named like string candidates: default, and vda under it */
	a = (RpcMsg){ .dom = { .name = "test" } };
	a.str[0] = "<domainsnapshot><name>default</name></domainsnapshot>";
	a.has_str[0] = true;
	must(p, 185, &a, NULL);
	a.str[0] = "<domainsnapshot><name>vda</name></domainsnapshot>";
	must(p, 185, &a, NULL);
	/* checkpoints of `paused` (running, no snapshots): default, and vda under it */
	a = (RpcMsg){ .dom = { .name = "paused" } };
	a.str[0] = "<domaincheckpoint><name>default</name></domaincheckpoint>";
	a.has_str[0] = true;
	must(p, 411, &a, NULL);
	a.str[0] = "<domaincheckpoint><name>vda</name></domaincheckpoint>";
	must(p, 411, &a, NULL);
}

/* Every object's state and XML, as text, read through p. */
static char *
dump(Peer *p)
{
	GString *s = g_string_new(NULL);
	RpcMsg la = { .num = { 1, 0 } }, l = { 0 };

	must(p, 273, &la, &l);
	for (guint i = 0; i < l.doms->len; i++) {
		RpcMsg a = { .dom = g_array_index(l.doms, RpcDom, i) }, r[6] = { { { 0 } } };
		static const int procs[] = { 16, 212, 15, 151, 14, 14 };

		for (int k = 0; k < 6; k++) {
			a.num[0] = k == 5 ? 2 /* INACTIVE */ : 0;
			must(p, procs[k], &a, &r[k]);
		}
		g_string_append_printf(s, "domain %s id %d state %d/%d mem %" G_GINT64_FORMAT
				       "/%" G_GINT64_FORMAT " vcpus %" G_GINT64_FORMAT
				       " autostart %d persistent %d\n%s\n%s\n",
				       a.dom.name, a.dom.id, (int)r[1].num[0], (int)r[1].num[1],
				       r[0].num[2], r[0].num[1], r[0].num[3], (int)r[2].num[0],
				       (int)r[3].num[0], r[4].str[0], r[5].str[0]);
		for (int k = 0; k < 6; k++)
			rpc_msg_clear(&r[k]);
	}
	rpc_msg_clear(&l);
	must(p, 283, &la, &l);
	for (guint i = 0; i < l.nets->len; i++) {
		RpcMsg a = { .net = g_array_index(l.nets, RpcNamed, i) }, r[4] = { { { 0 } } };
		static const int procs[] = { 152, 153, 44, 43 };

		for (int k = 0; k < 4; k++)
			must(p, procs[k], &a, &r[k]);
		g_string_append_printf(s, "network %s active %d persistent %d autostart %d\n%s\n",
				       a.net.name, (int)r[0].num[0], (int)r[1].num[0],
				       (int)r[2].num[0], r[3].str[0]);
		for (int k = 0; k < 4; k++)
			rpc_msg_clear(&r[k]);
	}
	rpc_msg_clear(&l);
	must(p, 281, &la, &l);
	for (guint i = 0; i < l.pools->len; i++) {
		RpcMsg a = { .pool = g_array_index(l.pools, RpcNamed, i), .num = { 1, 0 } };
		RpcMsg r[5] = { { { 0 } } };
		static const int procs[] = { 87, 88, 89, 155, 282 };

		for (int k = 0; k < 4; k++) {
			a.num[0] = procs[k] == 88 ? 0 : 1; /* the test driver takes no XML flags */
			must(p, procs[k], &a, &r[k]);
		}
		if (call_msg(p, procs[4], &a, &r[4], NULL) < 0) /* an inactive pool: none */
			rpc_msg_init_lists(&r[4]);
		g_string_append_printf(s, "pool %s state %d cap %" G_GINT64_FORMAT " alloc %"
				       G_GINT64_FORMAT " autostart %d persistent %d\n%s\n",
				       a.pool.name, (int)r[0].num[0], r[0].num[1], r[0].num[2],
				       (int)r[2].num[0], (int)r[3].num[0], r[1].str[0]);
		for (guint v = 0; v < r[4].vols->len; v++) {
			RpcMsg va = { .vol = g_array_index(r[4].vols, RpcVol, v) }, vi = { 0 }, vx = { 0 };

			must(p, 98, &va, &vi);
			must(p, 99, &va, &vx);
			g_string_append_printf(s, "volume %s/%s cap %" G_GINT64_FORMAT " alloc %"
					       G_GINT64_FORMAT "\n%s\n", va.vol.pool, va.vol.name,
					       vi.num[1], vi.num[2], vx.str[0]);
			rpc_msg_clear(&vi);
			rpc_msg_clear(&vx);
		}
		for (int k = 0; k < 5; k++)
			rpc_msg_clear(&r[k]);
	}
	rpc_msg_clear(&l);
	return g_string_free(s, FALSE);
}

/* ---- candidate arguments, by field kind ---- */

typedef struct {
	RpcMsg m[MAX_CANDS]; /* each candidate in the slot it fills */
	int n;
} Cands;

static Cands cands[X_RAW + 1];

static void
cand_num(XField f, const int64_t *v, int n)
{
	g_assert_cmpint(cands[f].n + n, <=, MAX_CANDS);
	for (int i = 0; i < n; i++)
		cands[f].m[cands[f].n++].num[0] = v[i];
}

static void
cand_str(XField f, const char *s)
{
	RpcMsg *m;

	g_assert_cmpint(cands[f].n, <, MAX_CANDS);
	m = &cands[f].m[cands[f].n++];

	m->str[0] = g_strdup(s);
	m->has_str[0] = s != NULL;
}

/* The secret procedures' raw arguments (secret_xdr.h): the seeded secret, then
 * nothing (Undefine), flags (GetXMLDesc, GetValue) or a value and flags
 * (SetValue); its uuid for LookupByUUID and a new document for DefineXML. */
static void
secret_candidates(void)
{
	for (int k = 0; k < 3; k++) {
		GByteArray *b = g_byte_array_new();

		rpc_secret_put(b, SECRET_UUID, HV_SECRET_USAGE_VOLUME, SECRET_USAGE);
		if (k == 2) {
			xdr_put_u32(b, 3);
			xdr_put_fixed(b, "abc", 3);
		}
		if (k > 0)
			xdr_put_u32(b, 0);
		cands[X_RAW].m[cands[X_RAW].n++].raw = b;
	}
	{ /* virConnectSecretEventRegisterAny: lifecycle, every secret */
		GByteArray *b = g_byte_array_new();

		xdr_put_i32(b, 0);
		xdr_put_u32(b, 0);
		cands[X_RAW].m[cands[X_RAW].n++].raw = b;
	}
	{ /* virNodeGetFreePages: pages [4 KiB], cell 0, 1 cell, no flags */
		GByteArray *b = g_byte_array_new();

		xdr_put_u32(b, 1);
		xdr_put_u32(b, 4);
		xdr_put_i32(b, 0);
		xdr_put_u32(b, 1);
		xdr_put_u32(b, 0);
		cands[X_RAW].m[cands[X_RAW].n++].raw = b;
	}
	rpc_uuid_parse(SECRET_UUID, cands[X_UUID].m[cands[X_UUID].n++].uuid);
	cand_str(X_STR, SECRET_XML("11111111-2222-3333-4444-555555555506"));
}

static char save_image[128];

static void
save_image_remove(void)
{
	g_unlink(save_image);
}

/* Looked up on a seeded node, so uuids, ids and keys are the real ones. */
static void
candidates_init(void)
{
	/* uints 3 and 10: virNetworkUpdate's add-last of a dns-host */
	static const int64_t ints[] = { 0, 1, -1 }, uints[] = { 0, 1, 10, 3 },
			     hypers[] = { 1048576, 2147483648 };
	static bool done;
	Peer *p;
	RpcMsg a = { 0 }, r = { 0 };

	if (done)
		return;
	done = true;
	p = peer_local();
	open_conn(p, false);
	seed(p);
	cand_num(X_INT, ints, 3);
	cand_num(X_UINT, uints, 4);
	cand_num(X_HYPER, hypers, 2);
	for (const char *const *s = (const char *const[]){ "test", "default", "default-pool",
							   "disk1.img", "/default-pool/disk1.img", "testnet0", "vda", "eth1", "aa:bb:cc:dd:ee:ff", "computer",
							   "x86_64", NULL }; *s; s++)
		cand_str(X_STR, *s);
	cand_str(X_STR, "<domain type='test'><name>new-dom</name><memory>1048576</memory>"
			"<os><type>hvm</type></os></domain>");
	cand_str(X_STR, "<network><name>new-net</name><bridge name='virbr7'/></network>");
	cand_str(X_STR, "<pool type='dir'><name>new-pool</name><target><path>/new-pool</path>"
			"</target></pool>");
	cand_str(X_STR, VOL_XML);
	{ /* a save image (drivers/saveimg.h) for virDomainSaveImageGetXMLDesc */
		char *path = save_image;

		g_snprintf(save_image, sizeof(save_image), "%s/hyperfs-readonly-%d.save", g_get_tmp_dir(),
			   (int)getpid());
		g_assert_cmpint(hv_saveimg_begin(path, DOM_XML("saved", "11111111-2222-3333-4444-"
							       "555555555505"), true, NULL), ==, 0);
		cand_str(X_STR, path);
		atexit(save_image_remove);
	}
	cand_str(X_STR, "<host ip='192.168.122.9'><hostname>db</hostname></host>");
	cand_str(X_OPTSTR, NULL);
	cand_str(X_OPTSTR, URI);
	cands[X_OPTDOM].n = cands[X_OPTNET].n = cands[X_OPTPOOL].n = 1; /* absent */
	rpc_msg_init_extra(&cands[X_PARAMS].m[cands[X_PARAMS].n++]); /* no parameters */
	{ /* keycodes: KEY_A (linux codeset); mount points: none (all of them) */
		GArray *keys = g_array_new(FALSE, FALSE, sizeof(int32_t));
		int32_t key_a = 30;

		g_array_append_val(keys, key_a);
		cands[X_INT_LIST].m[cands[X_INT_LIST].n++].ints = keys;
		cands[X_STR_LIST].m[cands[X_STR_LIST].n++].strs = g_ptr_array_new();
	}
	{ /* one CPU for virConnectBaselineCPU */
		GPtrArray *cpus = g_ptr_array_new_with_free_func(g_free);

		g_ptr_array_add(cpus, g_strdup("<cpu><arch>x86_64</arch><model>Haswell</model></cpu>"));
		cands[X_STR_LIST].m[cands[X_STR_LIST].n++].strs = cpus;
	}
	rpc_msg_init_extra(&cands[X_OPAQUE].m[cands[X_OPAQUE].n++]); /* an empty migration cookie */
	rpc_msg_param_add(&cands[X_PARAMS].m[cands[X_PARAMS].n++], "weight", RPC_PARAM_UINT, 10, 0,
			  NULL);
	for (const char *const *s = (const char *const[]){ "test", "off", "paused", NULL }; *s; s++) {
		RpcMsg *m = &cands[X_DOM].m[cands[X_DOM].n++];

		a = (RpcMsg){ .str = { (char *)*s }, .has_str = { true } };
		must(p, 23, &a, &r);
		m->dom = r.dom;
		r.dom.name = NULL;
		if (g_str_equal(*s, "test")) {
			RpcMsg *o = &cands[X_OPTDOM].m[cands[X_OPTDOM].n++];
			RpcMsg *l = &cands[X_DOM_LIST].m[cands[X_DOM_LIST].n++];
			RpcDom d = m->dom;

			o->dom = m->dom;
			o->dom.name = g_strdup(m->dom.name);
			o->has_dom = true;
			memcpy(cands[X_UUID].m[cands[X_UUID].n++].uuid, m->dom.uuid, 16);
			rpc_msg_init_lists(l);
			d.name = g_strdup(d.name);
			g_array_append_val(l->doms, d);
		}
		rpc_msg_clear(&r);
	}
	rpc_msg_init_lists(&cands[X_DOM_LIST].m[cands[X_DOM_LIST].n++]); /* empty: all */
	for (const char *const *s = (const char *const[]){ "default", "net2", NULL }; *s; s++) {
		a = (RpcMsg){ .str = { (char *)*s }, .has_str = { true } };
		must(p, 46, &a, &r);
		cands[X_NET].m[cands[X_NET].n++].net = r.net;
		if (g_str_equal(*s, "default")) {
			cands[X_OPTNET].m[cands[X_OPTNET].n].net = r.net;
			cands[X_OPTNET].m[cands[X_OPTNET].n].net.name = g_strdup(r.net.name);
			cands[X_OPTNET].m[cands[X_OPTNET].n++].has_net = true;
			memcpy(cands[X_UUID].m[cands[X_UUID].n++].uuid, r.net.uuid, 16);
		}
		r.net.name = NULL;
		rpc_msg_clear(&r);
	}
	for (const char *const *s = (const char *const[]){ "default-pool", "pool2", NULL }; *s; s++) {
		a = (RpcMsg){ .str = { (char *)*s }, .has_str = { true } };
		must(p, 84, &a, &r);
		cands[X_POOL].m[cands[X_POOL].n++].pool = r.pool;
		if (g_str_equal(*s, "default-pool")) {
			cands[X_OPTPOOL].m[cands[X_OPTPOOL].n].pool = r.pool;
			cands[X_OPTPOOL].m[cands[X_OPTPOOL].n].pool.name = g_strdup(r.pool.name);
			cands[X_OPTPOOL].m[cands[X_OPTPOOL].n++].has_pool = true;
			memcpy(cands[X_UUID].m[cands[X_UUID].n++].uuid, r.pool.uuid, 16);
		}
		r.pool.name = NULL;
		rpc_msg_clear(&r);
	}
	secret_candidates();
	a = (RpcMsg){ .pool = cands[X_POOL].m[0].pool, .str = { "disk1.img" }, .has_str = { true } };
	must(p, 95, &a, &r);
	cands[X_VOL].m[cands[X_VOL].n++].vol = r.vol;
	memset(&r.vol, 0, sizeof(r.vol));
	rpc_msg_clear(&r);
	peer_free(p);
}

/* An error reply saying that the driver has no such method (the checkpoint's
 * ENOTSUP, whatever the arguments). */
static bool
unsupported(const GByteArray *reply)
{
	RpcError e = { 0 };
	XdrIn in;
	bool r;

	xdr_in_init(&in, reply->data, reply->len);
	r = rpc_error_decode(&in, &e) == 0 && e.code == VIR_ERR_NO_SUPPORT;
	rpc_error_clear(&e);
	return r;
}

/* Fills m's slots for shape from the candidates chosen by pick[]. */
static void
compose(const XField *shape, const int *pick, RpcMsg *m)
{
	int nn = 0, ns = 0;

	memset(m, 0, sizeof(*m));
	for (int i = 0; shape[i] != X_END; i++) {
		const RpcMsg *c = &cands[shape[i]].m[pick[i]];

		switch (shape[i]) {
		case X_INT: case X_UINT: case X_HYPER: m->num[nn++] = c->num[0]; break;
		case X_STR: case X_OPTSTR:
			m->str[ns] = c->str[0];
			m->has_str[ns++] = c->has_str[0];
			break;
		case X_UUID: memcpy(m->uuid, c->uuid, 16); break;
		case X_DOM: case X_OPTDOM: m->dom = c->dom; m->has_dom = c->has_dom || shape[i] == X_DOM; break;
		case X_NET: case X_OPTNET: m->net = c->net; m->has_net = c->has_net; break;
		case X_POOL: case X_OPTPOOL: m->pool = c->pool; m->has_pool = c->has_pool; break;
		case X_VOL: m->vol = c->vol; break;
		case X_DOM_LIST: m->doms = c->doms; break;
		case X_PARAMS: m->params = c->params; break;
		case X_RAW: m->raw = c->raw; break;
		case X_OPAQUE: m->bytes = c->bytes; break;
		case X_INT_LIST: m->ints = c->ints; break;
		case X_STR_LIST: m->strs = c->strs; break;
		default: g_assert_not_reached();
		}
	}
}

/* The arguments of the first combination of candidates that a read-write
 * client on a fresh seeded node gets an OK for, encoded; NULL if none does.
 * *changed: whether that call changed the node (known for open calls). */
static GByteArray *
find_args(const RpcProc *row, bool *changed, int *tried)
{
	int n = 0, pick[MAX_FIELDS] = { 0 };

	for (; row->args[n] != X_END; n++) {
		g_assert_cmpint(n, <, MAX_FIELDS);
		if (cands[row->args[n]].n == 0) {
			g_test_message("%s: no candidate values for argument %d (field kind %d): "
				       "add some to candidates_init()", row->name, n, row->args[n]);
			return NULL;
		}
	}
	for (;;) {
		g_autoptr(GByteArray) body = g_byte_array_new();
		g_autoptr(GByteArray) reply = NULL;
		g_autofree char *before = NULL;
		Peer *p = peer_local();
		bool opened = !(row->flags & RPC_NO_CONN);
		RpcMsg m;
		int st, i;

		if (opened) {
			open_conn(p, false);
			seed(p);
			before = dump(p);
		}
		compose(row->args, pick, &m);
		rpc_msg_encode(row->args, &m, body);
		st = peer_call(p, row->proc, body, &reply);
		(*tried)++;
		if (st == RPC_OK) {
			g_autofree char *after = p->ctx.conn && before ? dump(p) : NULL;

			*changed = after && strcmp(before, after) != 0;
			peer_free(p);
			return g_steal_pointer(&body);
		}
		peer_free(p);
		if (unsupported(reply)) /* the driver lacks it: no arguments would do */
			return NULL;
		for (i = n - 1; i >= 0; i--) { /* the next combination */
			if (++pick[i] < cands[row->args[i]].n)
				break;
			pick[i] = 0;
		}
		if (i < 0)
			return NULL;
	}
}

/* The first combination of candidates, encoded: for a write the test driver
 * does not support (no arguments get an OK), which a read-only client must be
 * refused all the same. */
static GByteArray *
first_args(const RpcProc *row)
{
	int pick[MAX_FIELDS] = { 0 };
	GByteArray *body = g_byte_array_new();
	RpcMsg m;

	compose(row->args, pick, &m);
	rpc_msg_encode(row->args, &m, body);
	return body;
}

/* ---- the server, on its own thread ---- */

typedef struct {
	HvServer *srv;
	GThread *thread;
	char *dir, *rw, *ro;
} Server;

static gpointer
server_main(gpointer data)
{
	hv_server_run(data);
	return NULL;
}

static void
server_start(Server *s)
{
	HvServerLimits lim = { .max_clients = 64, .max_requests = 5, .max_frame = RPC_MAX_FRAME,
			       .max_queued = RPC_MAX_FRAME, .default_uri = URI };
	g_autofree char *l1 = NULL, *l2 = NULL;
	g_autoptr(GError) err = NULL;

	s->dir = g_dir_make_tmp("hv-ro-XXXXXX", &err);
	g_assert_no_error(err);
	s->rw = g_build_filename(s->dir, "sock", NULL);
	s->ro = g_build_filename(s->dir, "sock-ro", NULL);
	l1 = g_strconcat("unix:", s->rw, NULL);
	l2 = g_strconcat("unix-ro:", s->ro, NULL);
	s->srv = hv_server_new(&lim);
	g_assert_cmpint(hv_server_listen(s->srv, l1, &err), ==, 0);
	g_assert_cmpint(hv_server_listen(s->srv, l2, &err), ==, 0);
	s->thread = g_thread_new("server", server_main, s->srv);
}

static void
server_stop(Server *s)
{
	hv_server_quit(s->srv);
	g_thread_join(s->thread);
	hv_server_free(s->srv);
	g_rmdir(s->dir);
	g_free(s->dir);
	g_free(s->rw);
	g_free(s->ro);
}

/* ---- the tests ---- */

static void
expect_denied(const RpcProc *row, int st, GByteArray *reply)
{
	g_autofree char *want = g_strdup_printf("operation forbidden: read only access prevents %s",
						row->name);
	RpcError e = { 0 };
	XdrIn in;

	if (st != RPC_ERROR)
		g_error("%s (%d) is a write but a read-only client got OK", row->name, row->proc);
	xdr_in_init(&in, reply->data, reply->len);
	g_assert_cmpint(rpc_error_decode(&in, &e), ==, 0);
	if (e.code != VIR_ERR_OPERATION_DENIED || g_strcmp0(e.message, want) != 0)
		g_error("%s (%d): a read-only client got error %d '%s', not '%s'", row->name,
			row->proc, e.code, e.message, want);
	rpc_error_clear(&e);
}

/* The code of the error peer p answers to row with args, or 0 for OK. */
static int
error_code(Peer *p, const RpcProc *row, GByteArray *args)
{
	g_autoptr(GByteArray) reply = NULL;
	RpcError e = { 0 };
	XdrIn in;
	int st = peer_call(p, row->proc, args, &reply), code;

	if (st == RPC_OK)
		return 0;
	xdr_in_init(&in, reply->data, reply->len);
	g_assert_cmpint(rpc_error_decode(&in, &e), ==, 0);
	code = e.code;
	rpc_error_clear(&e);
	return code;
}

/* Every row through the read-only socket of a real server. */
static void
test_every_procedure(void)
{
	Server s = { 0 };
	Peer *rw;
	g_autofree char *start = NULL;
	size_t n;
	const RpcProc *rows = rpc_procs(&n);
	int writes = 0, reads = 0, tried = 0, unsupported = 0;

	candidates_init();
	server_start(&s);
	rw = peer_socket(s.rw);
	open_conn(rw, false);
	seed(rw);
	start = dump(rw);
	for (size_t i = 0; i < n; i++) {
		const RpcProc *row = &rows[i];
		bool changed = false;
		g_autoptr(GByteArray) args = find_args(row, &changed, &tried);
		g_autoptr(GByteArray) reply = NULL;
		g_autofree char *after = NULL;
		Peer *ro;
		int st;

		if (!args && rpc_proc_writes(row))
			args = first_args(row);
		if (!args) {
			g_autoptr(GByteArray) first = first_args(row);

			int code = error_code(rw, row, first);

			/* a read the test driver has not, or with nothing to show on the
			 * test node (no metadata): read-only clients hear the same */
			/* ... or no network port to name: the test node has none
			 * (PortLookupByUUID 405, PortGetXMLDesc 409: NO_NETWORK) */
			if (code == VIR_ERR_NO_SUPPORT || code == 80 /* NO_DOMAIN_METADATA */ ||
			    ((row->proc == 405 || row->proc == 409) && code == 43)) {
				ro = peer_socket(s.ro);
				open_conn(ro, true);
				if (error_code(ro, row, first) != code)
					g_error("%s (%d): not supported read-write, but a read-only "
						"client got another answer", row->name, row->proc);
				peer_free(ro);
				unsupported++;
				continue;
			}
		}
		if (!args)
			g_error("%s (%d): no valid arguments found: the table-driven read-only test "
				"needs candidates for it", row->name, row->proc);
		ro = peer_socket(s.ro);
		if (!(row->flags & RPC_NO_CONN))
			open_conn(ro, true);
		st = peer_call(ro, row->proc, args, &reply);
		if (rpc_proc_writes(row)) {
			expect_denied(row, st, reply);
			g_clear_pointer(&reply, g_byte_array_unref);
			/* the dispatcher refuses before it decodes: even without arguments */
			st = peer_call(ro, row->proc, NULL, &reply);
			expect_denied(row, st, reply);
			writes++;
		} else {
			if (st != RPC_OK)
				g_error("%s (%d) is marked read-only (R) but a read-only client was "
					"refused it: is it a write?", row->name, row->proc);
			if (changed)
				g_error("%s (%d) is marked read-only (R) but changed the node", row->name,
					row->proc);
			reads++;
		}
		peer_free(ro);
		after = dump(rw);
		if (strcmp(start, after) != 0)
			g_error("%s (%d) from the read-only socket changed the node:\n--- before\n%s"
				"--- after\n%s", row->name, row->proc, start, after);
	}
	g_test_message("read-only socket: %zu procedures tried (%d writes refused, %d reads "
		       "allowed), %d read-write calls to find their arguments", n, writes, reads,
		       tried);
	g_print("# read-only socket: %zu procedures, %d writes refused, %d reads allowed, %d reads "
		"without an answer on the test node\n", n, writes, reads, unsupported);
	g_assert_cmpint(writes, >, 30);
	peer_free(rw);
	server_stop(&s);
}

/* The second defence alone: every write handler, called as if its row were
 * marked read-only, on a read-only connection: the checkpoint refuses it. */
static void
test_checkpoint_alone(void)
{
	size_t n;
	const RpcProc *rows = rpc_procs(&n);

	candidates_init();
	for (size_t i = 0; i < n; i++) {
		const RpcProc *row = &rows[i];
		bool changed = false, unsupported;
		int tried = 0;
		g_autoptr(GByteArray) args = NULL;
		g_autoptr(GError) err = NULL;
		g_autofree char *before = NULL, *after = NULL;
		Peer *rw, *ro;
		RpcMsg a = { 0 }, r = { 0 };
		XdrIn in;
		int rc;

		if (!rpc_proc_writes(row))
			continue;
		args = find_args(row, &changed, &tried);
		/* a write the test driver lacks: its checkpoint answers ENOTSUP first */
		if ((unsupported = !args))
			args = first_args(row);
		rw = peer_local();
		open_conn(rw, false);
		seed(rw);
		before = dump(rw);
		ro = peer_local();
		ro->ctx.readonly = true;
		ro->ctx.conn = hv_conn_view_new(rw->base, true, "test");
		xdr_in_init(&in, args->data, args->len);
		g_assert_cmpint(rpc_msg_decode(row->args, &in, &a), ==, 0);
		rc = row->handler(&ro->ctx, &a, &r, &err);
		if (rc != -EROFS && !(unsupported && rc == -ENOTSUP))
			g_error("%s (%d) called on a read-only connection returned %d (%s), not EROFS",
				row->name, row->proc, rc, err ? err->message : "no error");
		after = dump(rw);
		g_assert_cmpstr(before, ==, after);
		rpc_msg_clear(&a);
		rpc_msg_clear(&r);
		g_clear_pointer(&ro->ctx.conn, hv_conn_close);
		ro->ctx.close = NULL;
		peer_free(ro);
		peer_free(rw);
	}
}

/* The server's log lines (one per client and per write) are not for the test output. */
static void
quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_handler(NULL, G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, quiet,
			  NULL);
	g_test_add_func("/remote/readonly/every-procedure", test_every_procedure);
	g_test_add_func("/remote/readonly/checkpoint-alone", test_checkpoint_alone);
	return g_test_run();
}
