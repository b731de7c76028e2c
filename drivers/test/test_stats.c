/* test_stats.c: `virsh domstats`-style statistics of test driver domains, and
 * one device's counters (virDomainBlockStats, virDomainInterfaceStats). As
 * libvirt's test driver: the `state` and `iothread` groups (the polling of
 * the IOThreads added, while the domain runs), and device counters from the
 * wall clock. With extras=stats, every group, all counters derived from
 * the domain's cpu time (test_fsm.c), so they grow while it runs, stop while
 * it is paused, and are reproducible with clock=fixed. Disks and interfaces
 * come from the live definition. */
#include <string.h>
#include "drivers/test/test_priv.h"

#define KV(s, ...) g_string_append_printf((s), __VA_ARGS__)

static void
stats_cpu(GString *s, uint64_t cpu, const HvDomainDef *def)
{
	unsigned n = def->vcpus ? def->vcpus : 1;

	KV(s, "cpu.time=%" G_GUINT64_FORMAT "\n", cpu);
	KV(s, "cpu.user=%" G_GUINT64_FORMAT "\n", cpu / 10 * 7);
	KV(s, "cpu.system=%" G_GUINT64_FORMAT "\n", cpu / 10 * 2);
	KV(s, "balloon.current=%" G_GUINT64_FORMAT "\n", def->current_memory_kib);
	KV(s, "balloon.maximum=%" G_GUINT64_FORMAT "\n", def->max_memory_kib);
	KV(s, "vcpu.current=%u\n", def->vcpus);
	KV(s, "vcpu.maximum=%u\n", def->max_vcpus);
	for (unsigned i = 0; i < def->vcpus; i++) {
		KV(s, "vcpu.%u.state=1\n", i);
		KV(s, "vcpu.%u.time=%" G_GUINT64_FORMAT "\n", i, cpu / n);
		KV(s, "vcpu.%u.wait=0\n", i);
	}
}

/* The simulated counters of disk or interface i, in get_device_stats' order. */
static void
sim_block(uint64_t cpu, guint i, int64_t v[HV_DEV_STATS_MAX])
{
	uint64_t rd = cpu / 100 / (i + 1), wr = cpu / 250 / (i + 1);

	v[0] = (int64_t)(rd / 4096), v[1] = (int64_t)rd, v[2] = (int64_t)(wr / 4096);
	v[3] = (int64_t)wr, v[4] = 0;
}

static void
sim_net(uint64_t cpu, guint i, int64_t v[HV_DEV_STATS_MAX])
{
	uint64_t rx = cpu / 1000 * (i + 2), tx = cpu / 2000 * (i + 2);

	v[0] = (int64_t)rx, v[1] = (int64_t)(rx / 1000), v[2] = v[3] = 0;
	v[4] = (int64_t)tx, v[5] = (int64_t)(tx / 1000), v[6] = v[7] = 0;
}

/* libvirt's test driver's: "no significance to these numbers" (the wall
 * clock in µs and s, divided). */
static void
wall_block(int64_t us, int64_t v[HV_DEV_STATS_MAX])
{
	v[0] = us / 10, v[1] = us / 20, v[2] = us / 30, v[3] = us / 40, v[4] = us / 1000000 / 2;
}

static void
wall_net(int64_t us, int64_t v[HV_DEV_STATS_MAX])
{
	int64_t sec = us / 1000000;

	v[0] = us / 10, v[1] = us / 100, v[2] = sec, v[3] = sec / 2;
	v[4] = us / 20, v[5] = us / 110, v[6] = sec / 3, v[7] = sec / 4;
}

/* an interface's counters in sim_net's order, as domstats names them */
static const char *const net_fields[] = {
	"rx.bytes", "rx.pkts", "rx.errs", "rx.drop", "tx.bytes", "tx.pkts", "tx.errs", "tx.drop",
};

static void
stats_net(GString *s, uint64_t cpu, const HvDomainDef *def)
{
	KV(s, "net.count=%u\n", def->interfaces ? def->interfaces->len : 0);
	for (guint i = 0; def->interfaces && i < def->interfaces->len; i++) {
		const HvDomainNetDef *net = def->interfaces->pdata[i];
		int64_t v[HV_DEV_STATS_MAX];

		if (net->target_dev)
			KV(s, "net.%u.name=%s\n", i, net->target_dev);
		else
			KV(s, "net.%u.name=vnet%u\n", i, i);
		sim_net(cpu, i, v);
		for (size_t k = 0; k < G_N_ELEMENTS(net_fields); k++)
			KV(s, "net.%u.%s=%" G_GINT64_FORMAT "\n", i, net_fields[k], v[k]);
	}
}

static void
stats_block(GString *s, uint64_t cpu, const HvDomainDef *def, bool active)
{
	guint count = def->disks ? def->disks->len : 0;

	KV(s, "block.count=%u\n", count);
	for (guint i = 0; i < count; i++) {
		const HvDomainDiskDef *disk = def->disks->pdata[i];
		int64_t v[HV_DEV_STATS_MAX];
		uint64_t rd, wr;

		sim_block(cpu, i, v);
		rd = (uint64_t)v[1], wr = (uint64_t)v[3];

		KV(s, "block.%u.name=%s\n", i, disk->target_dev ? disk->target_dev : "-");
		if (disk->source)
			KV(s, "block.%u.path=%s\n", i, disk->source);
		if (!active)
			continue;
		KV(s, "block.%u.rd.reqs=%" G_GUINT64_FORMAT "\n", i, rd / 4096);
		KV(s, "block.%u.rd.bytes=%" G_GUINT64_FORMAT "\n", i, rd);
		KV(s, "block.%u.rd.times=%" G_GUINT64_FORMAT "\n", i, rd / 4096 * 50000);
		KV(s, "block.%u.wr.reqs=%" G_GUINT64_FORMAT "\n", i, wr / 4096);
		KV(s, "block.%u.wr.bytes=%" G_GUINT64_FORMAT "\n", i, wr);
		KV(s, "block.%u.wr.times=%" G_GUINT64_FORMAT "\n", i, wr / 4096 * 80000);
		KV(s, "block.%u.fl.reqs=%" G_GUINT64_FORMAT "\n", i, wr / 65536);
		KV(s, "block.%u.fl.times=%" G_GUINT64_FORMAT "\n", i, wr / 65536 * 200000);
	}
}

/* libvirt's testDomainGetStatsIOThread: nothing when it does not run or
 * has no IOThread added. */
static void
stats_iothread(GString *s, const TestDomain *d)
{
	if (!test_domain_state_active(d->state) || !d->iopolls || !d->iopolls->len)
		return;
	KV(s, "iothread.count=%u\n", d->iopolls->len);
	for (guint k = 0; k < d->iopolls->len; k++) {
		const TestIOPoll *p = &g_array_index(d->iopolls, TestIOPoll, k);

		KV(s, "iothread.%u.poll-max-ns=%" G_GUINT64_FORMAT "\n", p->id, p->max_ns);
		KV(s, "iothread.%u.poll-grow=%u\n", p->id, p->grow);
		KV(s, "iothread.%u.poll-shrink=%u\n", p->id, p->shrink);
	}
}

#define GROUP_STATE 0x1u     /* VIR_DOMAIN_STATS_STATE */
#define GROUP_OURS 0x3eu     /* cpu-total, balloon, vcpu, interface, block */
#define GROUP_IOTHREAD 0x80u /* VIR_DOMAIN_STATS_IOTHREAD */

unsigned
test_dom_stats_groups(HvConn *c)
{
	return GROUP_STATE | GROUP_IOTHREAD |
	       ((test_conn(c)->params.extras & TEST_EXTRA_STATS) ? GROUP_OURS : 0);
}

static char *
stats_new(TestConn *tc, const HvEntry *o)
{
	const HvDomainDef *def = o->def.domain;
	const TestDomain *d = test_dom(o);
	GString *s = g_string_sized_new(1024);
	bool active = test_domain_state_active(d->state);
	uint64_t cpu = test_domain_cpu_ns(tc, o);

	KV(s, "state.state=%d\n", (int)d->state);
	KV(s, "state.reason=%d\n", d->reason);
	if (!(tc->params.extras & TEST_EXTRA_STATS)) {
		stats_iothread(s, d);
		return g_string_free(s, FALSE);
	}
	if (active) {
		stats_cpu(s, cpu, def);
		stats_net(s, cpu, def);
	} else {
		KV(s, "balloon.current=%" G_GUINT64_FORMAT "\n", def->current_memory_kib);
		KV(s, "balloon.maximum=%" G_GUINT64_FORMAT "\n", def->max_memory_kib);
		KV(s, "vcpu.current=%u\n", def->vcpus);
		KV(s, "vcpu.maximum=%u\n", def->max_vcpus);
	}
	stats_block(s, cpu, def, active);
	stats_iothread(s, d);
	return g_string_free(s, FALSE);
}

/* The STATS verb row's act: arg is the char ** to fill. */
int
test_domain_stats(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	*(char **)arg = stats_new(test_tab_conn(t), o);
	return 0;
}

/* The index of the disk (target or source) or interface (target or MAC) dev. */
static int
device_index(const HvDomainDef *def, HvDeviceKind kind, const char *dev)
{
	const GPtrArray *a = kind == HV_DEV_BLOCK ? def->disks : def->interfaces;

	for (guint i = 0; a && i < a->len; i++) {
		const char *x, *y;

		if (kind == HV_DEV_BLOCK) {
			const HvDomainDiskDef *d = a->pdata[i];

			x = d->target_dev, y = d->source;
		} else {
			const HvDomainNetDef *n = a->pdata[i];

			x = n->target_dev, y = n->mac;
		}
		if (g_strcmp0(x, dev) == 0 || (y && g_ascii_strcasecmp(y, dev) == 0))
			return (int)i;
	}
	return -1;
}

int
test_dom_get_device_stats(HvConn *c, const char *name, HvDeviceKind kind, const char *dev,
			  int64_t vals[HV_DEV_STATS_MAX], GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int i, r = 0;

	if (kind == HV_DEV_BLOCK && !*dev) /* libvirt's answer, before anything else */
		return hv_error_set(err, EPROTONOSUPPORT, "summary statistics are not supported yet");
	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if (!test_domain_state_active(test_dom(o)->state))
		r = hv_error_set(err, EBUSY, "domain is not running");
	else if ((i = device_index(o->def.domain, kind, dev)) < 0)
		r = kind == HV_DEV_BLOCK ? hv_error_set(err, EINVAL, "invalid path: %s", dev)
					 : hv_error_set(err, EINVAL, "'%s' is not a known interface", dev);
	else if (tc->params.extras & TEST_EXTRA_STATS)
		(kind == HV_DEV_BLOCK ? sim_block : sim_net)(test_domain_cpu_ns(tc, o), (guint)i, vals);
	else
		(kind == HV_DEV_BLOCK ? wall_block : wall_net)(g_get_real_time(), vals);
	hv_core_unlock(&tc->core);
	return r;
}
