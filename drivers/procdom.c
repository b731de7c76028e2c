/* procdom.c: the process side of a guest that the process drivers (LXC,
 * UML) share (HvProcDom, drivers/procdrv.h): making and freeing it, its
 * run-state file, waiting for a run to stop, and taking a running guest
 * back after a restart. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/procdrv.h"
#include "drivers/objstore.h"

void
hv_procdom_init(HvProcDom *p)
{
	*p = (HvProcDom){ .state = HV_DOMAIN_SHUTOFF, .pidfd = -1 };
	p->devs = g_ptr_array_new_with_free_func(g_free);
}

void
hv_procdom_clear(HvProcDom *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	g_clear_pointer(&p->con, hv_ptycon_free);
	g_clear_pointer(&p->devs, g_ptr_array_unref);
}

char *
hv_procdom_state_format(const HvProcDom *p, const char *devkey)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "pid=%d\npid_start=%llu\nholder=%d\nholder_start=%llu\n",
			       (int)p->pid, p->pid_start, (int)p->holder, p->holder_start);
	for (guint i = 0; p->devs && i < p->devs->len; i++)
		g_string_append_printf(s, "%s=%s\n", devkey, (char *)p->devs->pdata[i]);
	return g_string_free(s, FALSE);
}

void
hv_procdom_state_parse(HvProcDom *p, const char *text, const char *devkey)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l; l++) {
		char *eq = strchr(*l, '=');
		const char *v = eq ? eq + 1 : NULL;

		if (!eq)
			continue;
		*eq = 0;
		if (g_str_equal(*l, "pid"))
			p->pid = (pid_t)g_ascii_strtoll(v, NULL, 10);
		else if (g_str_equal(*l, "pid_start"))
			p->pid_start = g_ascii_strtoull(v, NULL, 10);
		else if (g_str_equal(*l, "holder"))
			p->holder = (pid_t)g_ascii_strtoll(v, NULL, 10);
		else if (g_str_equal(*l, "holder_start"))
			p->holder_start = g_ascii_strtoull(v, NULL, 10);
		else if (g_str_equal(*l, devkey))
			g_ptr_array_add(p->devs, g_strdup(v));
	}
	p->pidfd = -1;
	p->gen++;
}

bool
hv_procdom_wait_stopped(HvEntry *o, HvJob *job, unsigned gen, int64_t end_us)
{
	const HvProcDom *p = hv_procdom_of(o);

	while (o->active && p->gen == gen && g_get_monotonic_time() < end_us)
		if (hv_job_wait(job, end_us, NULL) == -ECANCELED)
			break;
	return !(o->active && p->gen == gen);
}

int
hv_procdom_reattach(HvProcDrv *pd, const char *name, const char *xml, size_t len,
		    const char *state_file, const char *devkey, HvEntry **o, HvDomainDef **live)
{
	g_autoptr(HvDomainDef) def = hv_domain_def_parse(xml, len, NULL);
	g_autofree char *text = NULL;
	HvProcDom *p;

	if (!def || !g_file_get_contents(state_file, &text, NULL, NULL))
		return -1;
	if (!(*o = hv_objtab_lookup(pd->domains, name)) &&
	    hv_objtab_add(pd->domains, hv_domain_def_copy(def), 0, o, NULL) < 0)
		return -1;
	p = (*o)->priv;
	hv_procdom_state_parse(p, text, devkey);
	if (p->pid <= 0 || hv_pid_starttime(p->pid) != p->pid_start || !hv_pid_alive(p->pid) ||
	    (p->pidfd = hv_pidfd_open(p->pid)) < 0)
		return 0;
	*live = g_steal_pointer(&def);
	return 1;
}

void
hv_procdom_gone(HvProcDrv *pd, HvEntry *o, const char *state_file)
{
	unlink(state_file);
	hv_store_set_running(pd->domains->store, o->name, false, NULL);
	if (!o->persistent)
		hv_objtab_remove(pd->domains, o);
}

void
hv_procdom_adopt(HvEntry *o, HvProcDom *p, HvDomainDef *live, int holder_fd, int reason)
{
	int master = p->holder > 0 && hv_pid_starttime(p->holder) == p->holder_start
			     ? hv_pty_holder_fetch(p->holder, holder_fd, NULL) : -1;

	hv_ptycon_free(p->con);
	p->con = master >= 0 ? hv_ptycon_new(master) : NULL;
	if (o->persistent && !o->newdef.any)
		o->newdef.domain = g_steal_pointer(&o->def.domain);
	hv_domain_def_free(o->def.domain);
	o->def.domain = live;
	p->state = HV_DOMAIN_RUNNING;
	p->reason = reason;
	hv_entry_started(o);
}

void
hv_procdom_running(HvEntry *o, HvProcDom *p, HvStore *store, HvDomainDef **live, int reason,
		   int why)
{
	g_autofree char *xml = NULL;

	p->state = HV_DOMAIN_RUNNING;
	p->reason = reason;
	p->why = why;
	if (!o->newdef.any && o->persistent)
		o->newdef.domain = hv_domain_def_copy(o->def.domain);
	hv_domain_def_free(o->def.domain);
	o->def.domain = g_steal_pointer(live);
	hv_entry_started(o);
	xml = hv_domain_def_format_live(o->def.domain, p->pid);
	if (store)
		hv_store_write_live(store, o->name, xml, NULL);
}

void
hv_procdom_reattach_all(HvProcDrv *pd, HvStoreEach fn, void *data)
{
	hv_core_lock(&pd->core);
	hv_store_each_live(pd->domains->store, fn, data);
	hv_core_unlock(&pd->core);
}

void
hv_procdom_unwatch(HvProcWatch *w, HvProcDom *p)
{
	hv_procwatch_remove(w, p->watch_pid);
	hv_procwatch_remove(w, p->watch_con);
	p->watch_pid = p->watch_con = 0;
}

void
hv_procdom_release(HvProcDom *p)
{
	if (p->holder > 0 && hv_pid_starttime(p->holder) == p->holder_start) {
		kill(p->holder, SIGKILL);
		waitpid(p->holder, NULL, 0);
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	p->pid = p->holder = 0;
	if (p->con && p->con->master >= 0) {
		close(p->con->master);
		p->con->master = -1;
	}
}

void
hv_procdom_free(void *priv)
{
	HvProcDom *p = priv;

	if (!p)
		return;
	hv_procdom_clear(p);
	g_free(p);
}
