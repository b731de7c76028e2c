/* procdrv.c: what the process drivers (LXC, UML) share (procdrv.h): the
 * watcher callbacks, the console verbs, opening and closing a connection,
 * and the node ops. */
#include <errno.h>
#include <unistd.h>
#include "drivers/procdrv.h"
#include "drivers/hostinfo.h"
#include "drivers/objops.h"
#include "drivers/objstore.h"
#include "conf/domain_conf.h"

/* What a watcher callback needs to find its domain again. */
typedef struct {
	HvProcDrv *pd; /* the connection: it ends every watch before it goes */
	char *name;
	unsigned gen;
} ProcRef;

static void
ref_free(void *p)
{
	ProcRef *w = p;

	g_free(w->name);
	g_free(w);
}

static ProcRef *
ref_new(const HvProcDrv *pd, HvEntry *o)
{
	ProcRef *w = g_new0(ProcRef, 1);

	w->pd = (HvProcDrv *)pd;
	w->name = g_strdup(o->name);
	w->gen = hv_procdom_of(o)->gen;
	return w;
}

/* Lock held: the domain the callback is about, if it is still that run. */
static HvEntry *
ref_entry(ProcRef *w)
{
	HvEntry *o = hv_objtab_lookup(w->pd->domains, w->name);

	return o && o->active && hv_procdom_of(o)->gen == w->gen ? o : NULL;
}

/* Lock held: output read from the console's master kept in its ring. */
static void
console_took(HvEntry *o, const char *buf, ssize_t n)
{
	HvPtyCon *con = hv_procdom_of(o)->con;

	if (n > 0 && con) {
		hv_ptycon_append(con, buf, (size_t)n);
		hv_entry_emit_u64(o, "console-output", hv_ptycon_total(con));
	}
}

/* Lock held: what the guest wrote before it ended, read before its end is
 * handled. The pidfd can be seen before the pty, and the guest's last words
 * may still be in the terminal's buffer (a read pushes them through); the
 * master answers EIO once they are read and every writer is gone. */
static void
console_drain(HvEntry *o)
{
	HvPtyCon *con = hv_procdom_of(o)->con;
	char buf[8192];
	ssize_t n;

	while (con && con->master >= 0 && (n = read(con->master, buf, sizeof(buf))) > 0)
		console_took(o, buf, n);
}

static gboolean
on_proc_exit(int fd, short revents, void *data)
{
	ProcRef *w = data;
	HvEntry *o;

	hv_core_lock(&w->pd->core);
	if ((o = ref_entry(w))) {
		console_drain(o);
		w->pd->ops->stopped(w->pd, o);
	}
	hv_core_unlock(&w->pd->core);
	return FALSE;
}

static gboolean
on_console(int fd, short revents, void *data)
{
	ProcRef *w = data;
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));
	HvEntry *o;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TRUE;
	hv_core_lock(&w->pd->core);
	if ((o = ref_entry(w)))
		console_took(o, buf, n);
	hv_core_unlock(&w->pd->core);
	return n > 0; /* EIO: every writer closed the slave */
}

int
hv_procdrv_watch(const HvProcDrv *pd, HvEntry *o, GError **err)
{
	HvProcDom *p = hv_procdom_of(o);
	int r;

	if ((r = hv_procwatch_add(pd->watch, p->pidfd, on_proc_exit, ref_new(pd, o), ref_free,
				  err)) < 0)
		return r;
	p->watch_pid = r;
	if (p->con && p->con->master >= 0 &&
	    (r = hv_procwatch_add(pd->watch, p->con->master, on_console, ref_new(pd, o), ref_free,
				  NULL)) > 0)
		p->watch_con = r;
	return 0;
}

static int
console_read(HvConn *c, const char *name, uint64_t *pos, size_t max, GString *out,
	     GError **err)
{
	HvProcDrv *pd = c->priv;
	HvPtyCon *con;
	HvEntry *o;
	int n = 0;

	hv_core_lock(&pd->core);
	if (!(o = hv_objtab_find(pd->domains, name, err)))
		n = -ENOENT;
	else if ((con = hv_procdom_of(o)->con))
		n = (int)hv_ptycon_read(con, pos, max, out);
	hv_core_unlock(&pd->core);
	return n;
}

static int
console_write(HvConn *c, const char *name, const char *buf, size_t len, GError **err)
{
	HvProcDrv *pd = c->priv;
	HvPtyCon *con = NULL;
	HvEntry *o;
	int r;

	hv_core_lock(&pd->core);
	if (!(o = hv_objtab_find(pd->domains, name, err)))
		r = -ENOENT;
	else if (!o->active || !(con = hv_procdom_of(o)->con))
		r = hv_error_set(err, EBUSY, "domain '%s' %s", name, pd->ops->no_console);
	else
		r = hv_ptycon_write(con, buf, len, err);
	hv_core_unlock(&pd->core);
	return r;
}

/* ---- opening and closing */

enum { P_ROOT, P_SHUTDOWN, P_LAST };
static const char *const param_names[] = { "root", "shutdown-timeout", NULL };

int
hv_procdrv_configure(HvProcDrv *pd, HvConn *c, const HvProcDrvOps *ops, char **root,
		     GError **err)
{
	const char *path = g_uri_get_path(c->uri);
	char *p[P_LAST + 1] = { 0 };
	guint64 ms = ops->shutdown_ms;
	int r;

	pd->ops = ops;
	pd->conn = c;
	hv_core_init(&pd->core, c);
	*root = NULL;
	if (!path || !g_str_equal(path, "/system"))
		return hv_error_set(err, EINVAL, "URI '%s': the %s driver serves %s:///system",
				    c->uri_str, ops->name, ops->name);
	if ((r = hv_uri_params(c, param_names, p, err)) == 0) {
		if (p[P_ROOT] && !g_path_is_absolute(p[P_ROOT]))
			r = hv_error_set(err, EINVAL, "URI '%s': root '%s' is not an absolute "
					 "path", c->uri_str, p[P_ROOT]);
		else if (p[P_SHUTDOWN] &&
			 !g_ascii_string_to_unsigned(p[P_SHUTDOWN], 10, 1, 3600000, &ms, NULL))
			r = hv_error_set(err, EINVAL, "URI parameter 'shutdown-timeout' must be 1 "
					 "to 3600000 ms, not '%s'", p[P_SHUTDOWN]);
	}
	if (r == 0) {
		g_autofree char *lib = g_strdup_printf("/var/lib/hyperfs/%s", ops->name);
		g_autofree char *run = g_strdup_printf("/run/hyperfs/%s", ops->name);

		pd->shutdown_ms = (unsigned)ms;
		pd->lib_dir = p[P_ROOT] ? g_build_filename(p[P_ROOT], "lib", NULL)
					: g_steal_pointer(&lib);
		pd->run_dir = p[P_ROOT] ? g_build_filename(p[P_ROOT], "run", NULL)
					: g_steal_pointer(&run);
		*root = g_steal_pointer(&p[P_ROOT]);
	}
	for (int i = 0; i < P_LAST; i++)
		g_free(p[i]);
	return r;
}

int
hv_procdrv_load(HvProcDrv *pd, const HvObjClass *cls, GError **err)
{
	g_autofree char *thread = g_strdup_printf("%s-watch", pd->ops->name);
	HvStore *store;

	if (!(store = hv_store_open(pd->lib_dir, pd->run_dir, err)))
		return -EIO;
	pd->domains = hv_objtab_new(&(HvObjTabConfig){ .cls = cls, .core = &pd->core,
						       .opaque = pd, .store = store,
						       .run_markers = true, .sorted = true });
	if (!(pd->watch = hv_procwatch_new(thread, err)) ||
	    hv_objtab_load(pd->domains, NULL, NULL, err) < 0)
		return -EIO;
	hv_procdom_reattach_all(pd, pd->ops->reattach, pd);
	return 0;
}

void
hv_procdrv_opened(HvConn *c)
{
	HvProcDrv *pd = c->priv;
	g_autoptr(GPtrArray) names = hv_objtab_autostart_names(pd->domains);

	c->tables[HV_OBJ_DOMAIN] = pd->domains;
	for (guint i = 0; i < names->len; i++) {
		g_autoptr(GError) e = NULL;

		if (hv_objtab_run(pd->domains, names->pdata[i], HV_VERB_START, NULL, &e) < 0)
			hv_conn_warn(c, "autostart", hv_error_errno(e), e);
	}
}

void
hv_procdrv_clear(HvProcDrv *pd)
{
	hv_procwatch_free(pd->watch); /* no callback after this */
	hv_objtab_free(pd->domains);
	hv_core_clear(&pd->core);
	g_free(pd->lib_dir);
	g_free(pd->run_dir);
}

/* ---- the domain class's pieces */

static const char *const verb_names[] = { "start", "shutdown", "destroy", "reboot", "suspend",
					  "resume" };

int
hv_procdrv_refuse(HvEntry *o, int code, const char *why, GError **err)
{
	return hv_error_set(err, EBUSY, "cannot %s domain '%s': %s", verb_names[code], o->name,
			    why);
}

int
hv_procdrv_act(HvObjTab *t, HvEntry *o, HvJob *job, int code, GError **err)
{
	const HvProcDrvOps *ops = ((HvProcDrv *)t->opaque)->ops;

	if (code == HV_PROC_START)
		return o->active ? hv_procdrv_refuse(o, code, "domain is already running", err)
				 : ops->start(t, o, job, err);
	if (!o->active)
		return hv_procdrv_refuse(o, code, "domain is not running", err);
	return code == HV_PROC_DESTROY ? ops->destroy(t, o, job, err) : 1;
}

HvDomainInfo *
hv_procdrv_info(HvObjTab *t, HvEntry *o, HvDomainState state, int reason)
{
	const HvProcDrvOps *ops = ((HvProcDrv *)t->opaque)->ops;
	HvDomainInfo *i = hv_entry_domain_info(o, state, reason,
					       o->active ? (int)hv_procdom_of(o)->pid : -1);

	g_free(i->os_type);
	i->os_type = g_strdup(ops->os_type);
	return i;
}

char *
hv_procdrv_xml(HvObjTab *t, HvEntry *o, unsigned flags)
{
	if (flags & HV_XML_INACTIVE)
		return hv_domain_def_format(hv_entry_config(o));
	return hv_domain_def_format_live(o->def.domain, o->active ? (int)hv_procdom_of(o)->pid : -1);
}

/* ---- the node and domain ops */

static int
node_get_info(HvConn *c, HvNodeInfo *out, GError **err)
{
	hv_host_node_info(out, NULL);
	return 0;
}

static int
node_get_capabilities(HvConn *c, char **xml, GError **err)
{
	HvProcDrv *pd = c->priv;
	const HvProcDrvOps *ops = pd->ops;
	g_autofree char *note = ops->caps_note ? g_strdup_printf("  <!-- %s -->\n",
								 ops->caps_note(pd))
					       : g_strdup("");

	*xml = g_strdup_printf("<capabilities>\n  <host>\n    <cpu>\n      <arch>x86_64</arch>\n"
			       "    </cpu>\n  </host>\n  <guest>\n    <os_type>%s</os_type>\n"
			       "    <arch name='x86_64'>\n      <wordsize>64</wordsize>\n"
			       "      <emulator>%s</emulator>\n"
			       "      <domain type='%s'/>\n    </arch>\n  </guest>\n"
			       "%s</capabilities>\n",
			       ops->os_type, ops->emulator, ops->name, note);
	return 0;
}

const HvNodeOps hv_procdrv_node_ops = {
	.get_info = node_get_info,
	.get_capabilities = node_get_capabilities,
};

const HvDomainOps hv_procdrv_domain_ops = {
	HV_OBJOPS_DOMAIN,
	.console_read = console_read,
	.console_write = console_write,
};
