/* test_actions.c: the domain actions of libvirt 9.0's test driver beyond the
 * lifecycle: a screenshot (a fixed PNG of our own, whatever the state, as
 * libvirt sends its fixed test-screenshot.png), a core dump (a 15-byte file,
 * libvirt's "TestGuestMagic" header; VIR_DUMP_CRASH stops the domain as
 * crashed), a rename (shut off and persistent only: objlife.c's rename) and
 * IOThreads added, removed and pinned in the live or the persistent
 * definition (conf/domain_iothreads.c), the polling of those added (kept
 * beside the definition, as libvirt's test driver keeps it), lifecycle
 * actions (on_poweroff,
 * on_reboot, on_crash) set there the same way, and process signals (to pid
 * 1 only, which does nothing), refused in libvirt's words. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "drivers/test/test_priv.h"
#include "util/cpulist.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

#define DUMP_CRASH 1u           /* VIR_DUMP_CRASH, the one flag libvirt's test driver takes */
#define R_OFF_CRASHED 3         /* VIR_DOMAIN_SHUTOFF_CRASHED */
#define AFFECT_LIVE 1u
#define AFFECT_CONFIG 2u

/* 64 x 48 grey checks with a band across: what every test domain shows. */
static const uint8_t screen_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x30,
	0x08, 0x00, 0x00, 0x00, 0x00, 0x84, 0x20, 0x23, 0xc3, 0x00, 0x00, 0x00,
	0x3b, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xb8, 0x00, 0x05, 0x06,
	0x50, 0x40, 0x2a, 0x9f, 0x61, 0xd4, 0x80, 0x61, 0x61, 0x00, 0xb9, 0x1a,
	0x61, 0xfc, 0x51, 0x03, 0x86, 0x87, 0x01, 0xa3, 0x79, 0xc1, 0x80, 0xa1,
	0x81, 0x42, 0x30, 0x6a, 0xc0, 0xf0, 0x30, 0x60, 0xb4, 0x3c, 0x18, 0x2d,
	0x0f, 0x46, 0x0d, 0x18, 0x6d, 0x1f, 0x8c, 0x1a, 0x00, 0xe7, 0x03, 0x00,
	0x30, 0xbe, 0x00, 0x5b, 0x6d, 0xe8, 0xbf, 0xfc, 0x00, 0x00, 0x00, 0x00,
	0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* What libvirt's test driver writes as a guest's memory (TEST_SAVE_MAGIC). */
static const char dump_magic[15] = "TestGuestMagic";

int
test_dom_screenshot(HvConn *c, const char *name, GBytes **png, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;

	hv_core_lock(&tc->core);
	o = hv_objtab_find(tc->domains, name, err);
	hv_core_unlock(&tc->core);
	if (!o)
		return -ENOENT;
	*png = g_bytes_new_static(screen_png, sizeof(screen_png));
	return 0;
}

static int
dump_write(const char *name, const char *path, GError **err)
{
	int fd, e;

	if (!path || path[0] != '/')
		return hv_error_set(err, EINVAL, "domain '%s' coredump: '%s' is not an absolute path",
				    name, path ? path : "");
	if ((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600)) < 0)
		return hv_error_set(err, errno, "domain '%s' coredump: failed to open %s: %s", name,
				    path, g_strerror(errno));
	if (write(fd, dump_magic, sizeof(dump_magic)) != (ssize_t)sizeof(dump_magic)) {
		e = errno ? errno : EIO;
		close(fd);
		return hv_error_set(err, e, "domain '%s' coredump: failed to write header to %s: %s",
				    name, path, g_strerror(e));
	}
	if (close(fd) < 0)
		return hv_error_set(err, errno, "domain '%s' coredump: write failed: %s", name, path);
	return 0;
}

/* The guest crashed on purpose (lock held; a transient domain goes). */
static void
crash(TestConn *tc, HvEntry *o)
{
	TestDomain *d = test_dom(o);

	test_tick(tc);
	test_domain_settle_cpu(tc, o);
	d->state = HV_DOMAIN_SHUTOFF;
	d->reason = R_OFF_CRASHED;
	d->gen++;
	d->id = -1;
	hv_entry_emit(o, "stopped", "crashed");
	hv_entry_stopped(o);
}

int
test_dom_core_dump(HvConn *c, const char *name, const char *path, unsigned format,
		   unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r;

	if (flags & ~DUMP_CRASH)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainCoreDumpWithFormat", flags & ~DUMP_CRASH);
	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if (!test_domain_state_active(test_dom(o)->state))
		r = hv_error_set(err, EBUSY, "domain is not running");
	else if ((r = dump_write(name, path, err)) < 0)
		;
	else if (format != 0) /* the file is written first, as libvirt's is */
		r = hv_error_set(err, EPROTONOSUPPORT, "kdump-compressed format is not supported here");
	else if (flags & DUMP_CRASH)
		crash(tc, o);
	hv_core_unlock(&tc->core);
	return r;
}

int
test_dom_rename(HvConn *c, const char *name, const char *new_name, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int r;

	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if (strchr(new_name, '/')) /* libvirt's words, before the rules of a name */
		r = hv_error_set(err, EBADMSG, "name %s cannot contain '/'", new_name);
	else if (test_dom(o)->state != HV_DOMAIN_SHUTOFF && !test_domain_state_active(test_dom(o)->state))
		r = hv_error_set(err, EBUSY, "domain has to be shutoff before renaming");
	else if ((r = hv_objtab_rename_locked(tc->domains, o, new_name, NULL, err)) == 0)
		test_tick(tc);
	hv_core_unlock(&tc->core);
	return r;
}

/* Lock held: the definitions flags name, refused as virDomainObjGetDefs does. */
static int
iothread_defs(HvEntry *o, unsigned flags, HvDomainDef *defs[2], GError **err)
{
	unsigned affect = flags & (AFFECT_LIVE | AFFECT_CONFIG);

	if (flags & ~(AFFECT_LIVE | AFFECT_CONFIG))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)",
				    flags & ~(AFFECT_LIVE | AFFECT_CONFIG));
	if (affect == 0)
		affect = o->active ? AFFECT_LIVE : AFFECT_CONFIG;
	if ((affect & AFFECT_LIVE) && !o->active)
		return hv_error_set(err, EBUSY, "domain is not running");
	if ((affect & AFFECT_CONFIG) && !o->persistent)
		return hv_error_set(err, EBUSY, "transient domains do not have any persistent config");
	return hv_entry_affect(o, affect, "IOThreads", (void **)defs, err);
}

/* One change of a definition: id and arg are the edit's own. */
typedef int (*DefEdit)(HvDomainDef *def, unsigned id, const char *arg, GError **err);

static int
do_add(HvDomainDef *def, unsigned id, const char *cpuset, GError **err)
{
	return hv_domain_iothread_add(def, id, err);
}

static int
do_del(HvDomainDef *def, unsigned id, const char *cpuset, GError **err)
{
	return hv_domain_iothread_del(def, id, err);
}

static int
do_pin(HvDomainDef *def, unsigned id, const char *cpuset, GError **err)
{
	return hv_domain_iothread_pin(def, id, cpuset, err);
}

/* One edit on every definition flags name: all checked on copies first;
 * then event (ID) is reported. */
static int
def_edit(TestConn *tc, const char *name, DefEdit fn, unsigned id, const char *cpuset,
	 unsigned flags, const char *event, GError **err)
{
	HvDomainDef *defs[2] = { NULL, NULL };
	HvDomainDef *tries[2] = { NULL, NULL };
	HvEntry *o;
	int r = 0;

	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else
		r = iothread_defs(o, flags, defs, err);
	for (int i = 0; r == 0 && i < 2 && defs[i]; i++)
		if (!(tries[i] = hv_domain_def_copy(defs[i])))
			r = hv_error_set(err, EIO, "domain '%s': cannot copy its definition", name);
		else
			r = fn(tries[i], id, cpuset, err);
	for (int i = 0; r == 0 && i < 2 && defs[i]; i++)
		r = fn(defs[i], id, cpuset, err);
	if (r == 0) {
		test_tick(tc);
		hv_entry_emit_u64(o, event, id);
	}
	hv_core_unlock(&tc->core);
	for (int i = 0; i < 2; i++)
		g_clear_pointer(&tries[i], hv_domain_def_free);
	return r;
}

#define POLL_MAX_NS 32768 /* an added IOThread's poll-max-ns in libvirt's test driver */

/* Lock held: the first polling entry of IOThread id, or NULL. */
static TestIOPoll *
poll_find(TestDomain *d, unsigned id, guint *at)
{
	for (guint k = 0; d->iopolls && k < d->iopolls->len; k++)
		if (g_array_index(d->iopolls, TestIOPoll, k).id == id) {
			*at = k;
			return &g_array_index(d->iopolls, TestIOPoll, k);
		}
	return NULL;
}

/* As libvirt's: every IOThread added gets an entry (so one added to the
 * definition only has one too), a removal drops the first one. */
static void
polls_note(TestConn *tc, const char *name, unsigned id, bool add)
{
	TestIOPoll fresh = { id, POLL_MAX_NS, 0, 0 };
	TestDomain *d;
	HvEntry *o;
	guint at;

	hv_core_lock(&tc->core);
	if ((o = hv_objtab_find(tc->domains, name, NULL))) {
		d = test_dom(o);
		if (add && !d->iopolls)
			d->iopolls = g_array_new(FALSE, TRUE, sizeof(TestIOPoll));
		if (add)
			g_array_append_val(d->iopolls, fresh);
		else if (poll_find(d, id, &at))
			g_array_remove_index(d->iopolls, at);
	}
	hv_core_unlock(&tc->core);
}

int
test_dom_set_iothread(HvConn *c, const char *name, unsigned id, bool add, unsigned flags,
		      GError **err)
{
	int r = def_edit(test_conn(c), name, add ? do_add : do_del, id, NULL, flags,
			 "iothreads-changed", err);

	if (r == 0)
		polls_note(test_conn(c), name, id, add);
	return r;
}

/* virDomainSetIOThreadParams' names (VIR_DOMAIN_IOTHREAD_POLL_*) */
static const HvParamSpec poll_specs[] = {
	{ "poll_max_ns", HV_PARAM_ULLONG },
	{ "poll_grow", HV_PARAM_UINT },
	{ "poll_shrink", HV_PARAM_UINT },
};

/* Lock held: IOThread id must be in the definition flags picks (libvirt's
 * virDomainObjGetOneDef: the running one unless it is shut off). */
static int
iothread_in_def(HvEntry *o, unsigned id, unsigned flags, GError **err)
{
	g_autoptr(GArray) ts = NULL;

	if ((flags & AFFECT_LIVE) && !o->active)
		return hv_error_set(err, EBUSY, "domain is not running");
	ts = hv_domain_iothreads(o->def.domain);
	for (guint k = 0; k < ts->len; k++)
		if (g_array_index(ts, HvIOThreadDef, k).id == id)
			return 0;
	return hv_error_set(err, EINVAL, "cannot find IOThread '%u' in iothreadids", id);
}

/* Lock held: the parameters given replace those values of p. */
static void
polls_apply(TestIOPoll *p, const GArray *params)
{
	const HvParam *v;

	if ((v = hv_params_find(params, "poll_max_ns")))
		p->max_ns = (uint64_t)v->i;
	if ((v = hv_params_find(params, "poll_grow")))
		p->grow = (unsigned)v->i;
	if ((v = hv_params_find(params, "poll_shrink")))
		p->shrink = (unsigned)v->i;
}

int
test_dom_set_iothread_params(HvConn *c, const char *name, unsigned id, const GArray *params,
			     unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	TestIOPoll *p;
	HvEntry *o;
	guint at;
	int r;

	if (flags & ~AFFECT_LIVE)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainSetIOThreadParams", flags & ~AFFECT_LIVE);
	if (id == 0)
		return hv_error_set(err, EINVAL, "invalid value of 0 for iothread_id");
	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if ((r = iothread_in_def(o, id, flags, err)) < 0)
		;
	else if (!(p = poll_find(test_dom(o), id, &at)))
		r = hv_error_set(err, ENOMSG, "IOThread %u of domain '%s' has no polling "
				 "parameters: only the IOThreads added to it have them", id, name);
	else if ((r = hv_params_validate(params, poll_specs, G_N_ELEMENTS(poll_specs), err)) == 0) {
		polls_apply(p, params);
		test_tick(tc);
		hv_entry_emit_u64(o, "iothreads-changed", id);
	}
	hv_core_unlock(&tc->core);
	return r;
}

int
test_iothread_pin(TestConn *tc, const char *name, unsigned id, const uint8_t *map, size_t len,
		  unsigned flags, GError **err)
{
	g_autofree char *cpuset = hv_cpulist_format(map, MIN(len, (size_t)HV_CPUMAP_BYTES));

	if (!*cpuset)
		return hv_error_set(err, EINVAL, "Empty iothread cpumap list for pinning");
	return def_edit(tc, name, do_pin, id, cpuset, flags, "iothreads-changed", err);
}

/* ---- lifecycle actions: virDomainSetLifecycleAction's numbers */

static const char *const lc_types[] = { "poweroff", "reboot", "crash" };
static const char *const lc_actions[] = { "destroy",  "restart",	  "rename-restart",
					  "preserve", "coredump-destroy", "coredump-restart" };

/* <on_TYPE>ACTION</on_TYPE> in the document and its typed field. */
static int
do_lifecycle(HvDomainDef *def, unsigned type, const char *action, GError **err)
{
	g_autofree char *el = g_strconcat("on_", lc_types[type], NULL);
	char **field = type == 0 ? &def->on_poweroff : type == 1 ? &def->on_reboot : &def->on_crash;
	g_autoptr(xmlDoc) doc = def->xml ? hv_xml_parse_compact(def->xml, strlen(def->xml), err)
					 : NULL;
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *n;
	char *xml;

	if (!root)
		return hv_error_set(err, EIO, "domain '%s': cannot read its definition",
				    def->name ? def->name : "");
	if (!(n = hv_xml_child(root, el)))
		n = xmlNewChild(root, NULL, (const xmlChar *)el, NULL);
	hv_xml_set_text(n, action);
	if (!(xml = hv_xml_compact(root, NULL)))
		return hv_error_set(err, EIO, "domain '%s': cannot write its definition", def->name);
	g_free(def->xml);
	def->xml = xml;
	g_free(*field);
	*field = g_strdup(action);
	return 0;
}

int
test_dom_set_lifecycle(HvConn *c, const char *name, unsigned type, unsigned action,
		       unsigned flags, GError **err)
{
	if (type >= G_N_ELEMENTS(lc_types))
		return hv_error_set(err, EINVAL, "invalid lifecycle type '%u'", type);
	if (action >= G_N_ELEMENTS(lc_actions))
		return hv_error_set(err, EINVAL, "invalid lifecycle action '%u'", action);
	if (type != 2 && action >= 4) /* virDomainDefLifecycleActionAllowed */
		return hv_error_set(err, EDOM, "Lifecycle event '%s' doesn't support '%s' action",
				    lc_types[type], lc_actions[action]);
	return def_edit(test_conn(c), name, do_lifecycle, type, lc_actions[action], flags,
			"lifecycle-changed", err);
}

/* Lock held: the IOThreads of o's definition flags picks (GArray of HvCpuMap). */
GArray *
test_iothread_maps(HvEntry *o, unsigned flags, unsigned ncpus)
{
	HvDomainDef *def = (flags & AFFECT_CONFIG) ? hv_entry_config(o) : o->def.domain;
	g_autoptr(GArray) ts = hv_domain_iothreads(def);
	GArray *out = g_array_new(FALSE, TRUE, sizeof(HvCpuMap));
	/* unpinned: libvirt's test driver covers as many CPUs as the vCPUs */
	unsigned all = MIN(def->vcpus ? def->vcpus : 1, ncpus);

	for (guint k = 0; k < ts->len; k++) {
		const HvIOThreadDef *t = &g_array_index(ts, HvIOThreadDef, k);
		HvCpuMap m = { .id = t->id };

		if (!t->cpuset || hv_cpulist_parse(t->cpuset, m.map, sizeof(m.map), ncpus, NULL) < 0)
			for (unsigned i = 0; i < all; i++)
				m.map[i / 8] |= 1u << (i % 8);
		g_array_append_val(out, m);
	}
	return out;
}

#define PROCESS_SIGNAL_LAST 65 /* VIR_DOMAIN_PROCESS_SIGNAL_LAST */

int
test_dom_send_signal(HvConn *c, const char *name, int64_t pid, unsigned signum, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;

	if (pid != 1)
		return hv_error_set(err, EINVAL, "only sending a signal to pid 1 is supported");
	if (signum >= PROCESS_SIGNAL_LAST)
		return hv_error_set(err, EINVAL, "signum value %u is out of range", signum);
	hv_core_lock(&tc->core);
	o = hv_objtab_find(tc->domains, name, err);
	hv_core_unlock(&tc->core);
	return o ? 0 : -ENOENT;
}
