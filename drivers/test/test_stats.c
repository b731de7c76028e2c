/* test_stats.c: `virsh domstats`-style statistics of test driver domains. All
 * counters are derived from the domain's cpu time (test_fsm.c), so they grow
 * while it runs, stop while it is paused, and are reproducible with
 * clock=fixed. Disks and interfaces come from the live definition. */
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

static void
stats_net(GString *s, uint64_t cpu, const HvDomainDef *def)
{
	guint count = def->interfaces ? def->interfaces->len : 0;

	KV(s, "net.count=%u\n", count);
	for (guint i = 0; i < count; i++) {
		const HvDomainNetDef *net = def->interfaces->pdata[i];
		uint64_t rx = cpu / 1000 * (i + 2), tx = cpu / 2000 * (i + 2);

		if (net->target_dev)
			KV(s, "net.%u.name=%s\n", i, net->target_dev);
		else
			KV(s, "net.%u.name=vnet%u\n", i, i);
		KV(s, "net.%u.rx.bytes=%" G_GUINT64_FORMAT "\n", i, rx);
		KV(s, "net.%u.rx.pkts=%" G_GUINT64_FORMAT "\n", i, rx / 1000);
		KV(s, "net.%u.rx.errs=0\nnet.%u.rx.drop=0\n", i, i);
		KV(s, "net.%u.tx.bytes=%" G_GUINT64_FORMAT "\n", i, tx);
		KV(s, "net.%u.tx.pkts=%" G_GUINT64_FORMAT "\n", i, tx / 1000);
		KV(s, "net.%u.tx.errs=0\nnet.%u.tx.drop=0\n", i, i);
	}
}

static void
stats_block(GString *s, uint64_t cpu, const HvDomainDef *def, bool active)
{
	guint count = def->disks ? def->disks->len : 0;

	KV(s, "block.count=%u\n", count);
	for (guint i = 0; i < count; i++) {
		const HvDomainDiskDef *disk = def->disks->pdata[i];
		uint64_t rd = cpu / 100 / (i + 1), wr = cpu / 250 / (i + 1);

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
	return g_string_free(s, FALSE);
}

/* The STATS verb row's act: arg is the char ** to fill. */
int
test_domain_stats(HvObjTab *t, HvEntry *o, HvJob *job, int code, void *arg, GError **err)
{
	*(char **)arg = stats_new(test_tab_conn(t), o);
	return 0;
}
