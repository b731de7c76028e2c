/* qemu_stats.c: what a running QEMU is asked for, in bulk: `stats` (one round
 * of query-cpus-fast, query-blockstats and query-balloon on one monitor
 * reference, formatted as `virsh domstats` key=value lines, and the QMP
 * command count) and `screenshot.png` (QMP screendump into a file of its own
 * per call, read back and removed). No driver lock is held across QMP; both
 * are query jobs that never wait for a change in progress (EBUSY instead). */
#include <string.h>
#include <unistd.h>
#include "drivers/qemu/qemu_stats.h"
#include "drivers/qemu/qemu_process.h"
#include "drivers/objtab.h"
#include "drivers/network/netdev_tap.h"

const HvJobType qemu_job_screenshot = { "screenshot", HV_JOB_QUERY, HV_JOBF_TRY };

/* What the stats need from the domain, copied under the lock. */
typedef struct {
	HvDomainState state;
	int reason;
	pid_t pid;
	uint64_t cur_kib, max_kib, balloon_kib;
	unsigned vcpus, max_vcpus;
	GPtrArray *disks; /* char*: "target\tpath" */
	GPtrArray *nets;  /* char*: the tap's name, or "" (user networking) */
	QemuMon *mon;     /* a reference, or NULL when not running */
	bool has_qmp;     /* QEMU runs with a monitor: qmp_sent counts its commands */
	uint64_t qmp_sent;
} StatsFacts;

static void
facts_clear(StatsFacts *f)
{
	g_clear_pointer(&f->disks, g_ptr_array_unref);
	g_clear_pointer(&f->nets, g_ptr_array_unref);
	g_clear_pointer(&f->mon, qemu_mon_unref);
}

/* Lock held: the facts of d, and f->mon when QEMU can be asked. */
static void
facts_of(QemuDomain *d, StatsFacts *f)
{
	bool active = qemu_domain_active(d);

	f->state = d->state;
	f->reason = d->reason;
	f->pid = d->pid;
	f->cur_kib = d->o->def.domain->current_memory_kib;
	f->max_kib = d->o->def.domain->max_memory_kib;
	f->balloon_kib = d->balloon_kib;
	f->vcpus = d->o->def.domain->vcpus;
	f->max_vcpus = d->o->def.domain->max_vcpus;
	f->disks = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; d->o->def.domain->disks && k < d->o->def.domain->disks->len; k++) {
		const HvDomainDiskDef *disk = d->o->def.domain->disks->pdata[k];

		g_ptr_array_add(f->disks, g_strdup_printf("%s\t%s", disk->target_dev,
							  disk->source ? disk->source : ""));
	}
	f->nets = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; d->o->def.domain->interfaces && k < d->o->def.domain->interfaces->len; k++) {
		const HvDomainNetDef *n = d->o->def.domain->interfaces->pdata[k];
		bool tap = active && n->type && !g_str_equal(n->type, "user");

		g_ptr_array_add(f->nets, g_strdup(tap && n->target_dev ? n->target_dev : ""));
	}
	if (active && d->mon) { /* before this call's own queries */
		f->has_qmp = true;
		f->qmp_sent = qemu_mon_commands_sent(d->mon);
		f->mon = qemu_mon_ref(d->mon);
	}
}

static int64_t
num(const QJson *j, const char *key)
{
	int64_t v = 0;

	return qjson_get_int(j, key, &v) ? v : 0;
}

/* vcpu.N.state/time from query-cpus-fast: time is the vCPU thread's cpu time
 * (/proc/PID/task/TID/stat: /proc/TID/stat would sum the whole process). */
static void
add_vcpus(GString *s, QemuMon *m, pid_t pid)
{
	g_autoptr(QJson) cpus = NULL;

	if (qemu_mon_command(m, "query-cpus-fast", NULL, &cpus, NULL) < 0 || cpus->type != QJ_ARR)
		return;
	for (guint k = 0; k < cpus->items->len; k++) {
		const QJson *c = cpus->items->pdata[k];
		int64_t idx = num(c, "cpu-index"), tid = num(c, "thread-id");
		g_autofree char *path = g_strdup_printf("/proc/%d/task/%" G_GINT64_FORMAT "/stat",
							(int)pid, tid);

		g_string_append_printf(s, "vcpu.%" G_GINT64_FORMAT ".state=1\n", idx);
		g_string_append_printf(s, "vcpu.%" G_GINT64_FORMAT ".time=%" G_GUINT64_FORMAT "\n",
				       idx, tid > 0 ? qemu_proc_cpu_ns(path) : 0);
	}
}

/* block.N.* from query-blockstats: devices are "drive-TARGET" (qemu_command.c). */
static void
add_blocks(GString *s, QemuMon *m, GPtrArray *disks)
{
	g_autoptr(QJson) blk = NULL;

	g_string_append_printf(s, "block.count=%u\n", disks->len);
	if (m && (qemu_mon_command(m, "query-blockstats", NULL, &blk, NULL) < 0 ||
		  blk->type != QJ_ARR))
		g_clear_pointer(&blk, qjson_free);
	for (guint k = 0; k < disks->len; k++) {
		g_auto(GStrv) tp = g_strsplit(disks->pdata[k], "\t", 2);
		g_autofree char *dev = g_strdup_printf("drive-%s", tp[0]);
		const QJson *st = NULL;

		g_string_append_printf(s, "block.%u.name=%s\n", k, tp[0]);
		if (tp[1] && *tp[1])
			g_string_append_printf(s, "block.%u.path=%s\n", k, tp[1]);
		for (guint b = 0; blk && b < blk->items->len; b++)
			if (!g_strcmp0(qjson_get_str(blk->items->pdata[b], "device"), dev))
				st = qjson_get(blk->items->pdata[b], "stats");
		if (!st)
			continue;
		g_string_append_printf(s,
				       "block.%u.rd.reqs=%" G_GINT64_FORMAT "\n"
				       "block.%u.rd.bytes=%" G_GINT64_FORMAT "\n"
				       "block.%u.wr.reqs=%" G_GINT64_FORMAT "\n"
				       "block.%u.wr.bytes=%" G_GINT64_FORMAT "\n"
				       "block.%u.fl.reqs=%" G_GINT64_FORMAT "\n",
				       k, num(st, "rd_operations"), k, num(st, "rd_bytes"), k,
				       num(st, "wr_operations"), k, num(st, "wr_bytes"), k,
				       num(st, "flush_operations"));
	}
}

/* net.N.* of taps from /proc/net/dev (rx: what the guest received). User
 * networking has no host device and QEMU keeps no counters for it: only the
 * count shows it. */
static void
add_nets(GString *s, GPtrArray *nets)
{
	g_string_append_printf(s, "net.count=%u\n", nets->len);
	for (guint k = 0; k < nets->len; k++) {
		const char *ifname = nets->pdata[k];
		NetdevCounters c;

		if (!*ifname)
			continue;
		g_string_append_printf(s, "net.%u.name=%s\n", k, ifname);
		if (netdev_counters(ifname, &c) < 0)
			continue;
		g_string_append_printf(s,
				       "net.%u.rx.bytes=%" G_GUINT64_FORMAT "\n"
				       "net.%u.rx.pkts=%" G_GUINT64_FORMAT "\n"
				       "net.%u.rx.errs=%" G_GUINT64_FORMAT "\n"
				       "net.%u.rx.drop=%" G_GUINT64_FORMAT "\n"
				       "net.%u.tx.bytes=%" G_GUINT64_FORMAT "\n"
				       "net.%u.tx.pkts=%" G_GUINT64_FORMAT "\n"
				       "net.%u.tx.errs=%" G_GUINT64_FORMAT "\n"
				       "net.%u.tx.drop=%" G_GUINT64_FORMAT "\n",
				       k, c.rx_bytes, k, c.rx_pkts, k, c.rx_errs, k, c.rx_drop,
				       k, c.tx_bytes, k, c.tx_pkts, k, c.tx_errs, k, c.tx_drop);
	}
}

static void
format_stats(GString *s, const StatsFacts *f)
{
	g_autoptr(QJson) bal = NULL;
	uint64_t cur = f->cur_kib;
	int64_t actual;

	g_string_append_printf(s, "state.state=%d\nstate.reason=%d\n", f->state, f->reason);
	g_string_append_printf(s, "cpu.time=%" G_GUINT64_FORMAT "\n",
			       f->pid ? qemu_process_cpu_ns(f->pid) : 0);
	if (f->mon && qemu_mon_command(f->mon, "query-balloon", NULL, &bal, NULL) == 0 &&
	    qjson_get_int(bal, "actual", &actual) && actual > 0)
		cur = (uint64_t)actual / 1024;
	else if (f->balloon_kib)
		cur = f->balloon_kib;
	g_string_append_printf(s, "balloon.current=%" G_GUINT64_FORMAT "\n", cur);
	g_string_append_printf(s, "balloon.maximum=%" G_GUINT64_FORMAT "\n", f->max_kib);
	g_string_append_printf(s, "vcpu.current=%u\nvcpu.maximum=%u\n", f->vcpus, f->max_vcpus);
	if (f->mon)
		add_vcpus(s, f->mon, f->pid);
	add_nets(s, f->nets);
	add_blocks(s, f->mon, f->disks);
	if (f->has_qmp)
		g_string_append_printf(s, "debug.qmp.commands=%" G_GUINT64_FORMAT "\n", f->qmp_sent);
}

/* The get-stats row's act: a query job taken without waiting (a change in
 * progress makes it EBUSY, never a wait); QMP with the lock released. */
int
qemu_domain_stats(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	QemuConn *qc = t->opaque;
	StatsFacts f = { 0 };
	GString *s = g_string_new(NULL);

	facts_of(qemu_dom(o), &f);
	hv_core_unlock(&qc->core);
	format_stats(s, &f);
	facts_clear(&f);
	hv_core_lock(&qc->core);
	*(char **)arg = g_string_free(s, FALSE);
	return 0;
}

#define SCREENSHOT_MAX (64u << 20)

/* screendump into path, read back. */
static int
screendump(QemuMon *m, const char *name, const char *path, GBytes **png, GError **err)
{
	g_autoptr(GString) args = g_string_new("{\"filename\":");
	g_autoptr(GError) ferr = NULL;
	char *data = NULL;
	gsize len;
	int r;

	qjson_append_str(args, path);
	g_string_append(args, ",\"format\":\"png\"}");
	if ((r = qemu_mon_command(m, "screendump", args->str, NULL, err)) < 0) {
		g_prefix_error(err, "cannot take a screenshot of domain '%s': ", name);
		return r;
	}
	if (!g_file_get_contents(path, &data, &len, &ferr))
		return hv_error_set(err, EIO, "cannot take a screenshot of domain '%s': %s", name,
				    ferr->message);
	if (len > SCREENSHOT_MAX) {
		g_free(data);
		return hv_error_set(err, EFBIG, "screenshot of domain '%s' is over 64 MiB", name);
	}
	*png = g_bytes_new_take(data, len);
	return 0;
}

int
qemu_domain_screenshot(HvConn *c, const char *name, GBytes **png, GError **err)
{
	QemuConn *qc = qemu_conn(c);
	g_autofree char *path = NULL;
	StatsFacts f = { 0 };
	HvEntry *o;
	HvJob *job = NULL;
	int r;

	hv_core_lock(&qc->core);
	if (!(o = hv_objtab_find(qc->domains, name, err)))
		r = -ENOENT;
	else if ((r = hv_job_try_begin(o, &qemu_job_screenshot, &job, err)) == 0)
		facts_of(qemu_dom(o), &f);
	hv_core_unlock(&qc->core);
	if (r < 0)
		return r;
	if (!f.mon)
		r = hv_error_set(err, EBUSY, "cannot take a screenshot of domain '%s': domain is "
				 "not running", name);
	else if ((r = qemu_screenshot_file(qc, name, &path, err)) == 0)
		r = screendump(f.mon, name, path, png, err);
	if (path)
		unlink(path);
	facts_clear(&f);
	hv_core_lock(&qc->core);
	hv_job_end(job);
	hv_core_unlock(&qc->core);
	return r;
}
