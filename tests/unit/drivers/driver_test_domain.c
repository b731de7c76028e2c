/* driver_test_domain.c: test driver domains: define/undefine and transient
 * domains, uuid and name rules, memory and vCPU limits with the AFFECT flags,
 * live vs persistent XML, autostart, statistics and determinism (clock=fixed,
 * seed=N). */
#include <string.h>
#include "tests/unit/drivers/driver_test.h"

#define VM_XML(name, uuid_elem) \
	"<domain type='test'><name>" name "</name>" uuid_elem \
	"<memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os>" \
	"<devices><interface type='network'><source network='default'/></interface>" \
	"</devices></domain>"
#define UUID_A "<uuid>11111111-2222-3333-4444-555555555555</uuid>"
#define UUID_B "<uuid>aaaaaaaa-2222-3333-4444-555555555555</uuid>"

static int
define(Fx *fx, const char *xml, GError **err)
{
	g_autofree char *name = NULL;

	return HV_CALL(fx->c, domain, define_xml, HV_WRITES, err, xml, &name);
}

static void
test_define_undefine(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) info = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autofree char *name = NULL;
	g_autofree char *ev = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, define_xml, HV_WRITES, &err, VM_XML("web1", UUID_A),
				&name), ==, 0);
	g_assert_cmpstr(name, ==, "web1");
	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "web1", &info), ==, 0);
	g_assert_cmpint(info->state, ==, HV_DOMAIN_SHUTOFF);
	g_assert_cmpint(info->id, ==, -1);
	g_assert_true(info->persistent);
	g_assert_cmpstr(info->uuid, ==, "11111111-2222-3333-4444-555555555555");
	/* same name without uuid: an update that keeps the uuid */
	g_assert_cmpint(define(fx, VM_XML("web1", ""), &err), ==, 0);
	/* same name, other uuid; other name, same uuid */
	fx_check(define(fx, VM_XML("web1", UUID_B), &err), -EEXIST, &err);
	fx_check(define(fx, VM_XML("web2", UUID_A), &err), -EEXIST, &err);
	g_assert_cmpint(HV_CALL(fx->c, domain, list, HV_READS, &err, &list), ==, 0);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpint(HV_CALL(fx->c, domain, undefine, HV_WRITES, &err, "web1"), ==, 0);
	fx_check(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "web1", &info), -ENOENT, &err);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "domain web1 defined added\n"
				"domain web1 defined updated\n"
				"domain web1 undefined removed\n");
}

static void
test_bad_names(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	static const char *const bad[] = {
		VM_XML("a/b", ""), VM_XML(".hidden", ""), VM_XML("..", ""),
		VM_XML("tab\tname", ""),
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		fx_check(define(fx, bad[i], &err), -EINVAL, &err);
	fx_check(define(fx, "<domain><name>x</name>", &err), -EINVAL, &err);
	fx_check(define(fx, "", &err), -EINVAL, &err);
}

/* Undefining a running domain makes it transient; it vanishes when it stops. */
static void
test_transient(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) info = NULL;
	g_autofree char *ev = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, set_autostart, HV_WRITES, &err, "test", true), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, undefine, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "test", &info), ==, 0);
	g_assert_false(info->persistent);
	g_assert_false(info->autostart);
	g_assert_cmpint(info->state, ==, HV_DOMAIN_RUNNING);
	fx_check(HV_CALL(fx->c, domain, undefine, HV_WRITES, &err, "test"), -EBUSY, &err);
	fx_check(HV_CALL(fx->c, domain, set_autostart, HV_WRITES, &err, "test", true), -EBUSY, &err);
	fx_check(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1024,
			 HV_AFFECT_CONFIG), -EBUSY, &err);
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	fx_check(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "test", NULL), -ENOENT, &err);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "domain test autostart-changed 1\n"
				"domain test undefined removed\n"
				"domain test autostart-changed 0\n"
				"domain test stopped destroyed\n"
				"domain test undefined removed\n");
}

/* Redefining a transient running domain makes it persistent again. */
static void
test_redefine_transient(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) info = NULL;
	g_autofree char *xml = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, get_xml, HV_READS, &err, "test", HV_XML_INACTIVE,
				&xml), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, undefine, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(define(fx, xml, &err), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, "test", &info), ==, 0);
	g_assert_true(info->persistent);
	g_assert_cmpint(info->state, ==, HV_DOMAIN_SHUTOFF);
}

static HvDomainInfo *
info_of(Fx *fx, const char *name)
{
	g_autoptr(GError) err = NULL;
	HvDomainInfo *info = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, get_info, HV_READS, &err, name, &info), ==, 0);
	return info;
}

static void
test_memory(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) i1 = NULL;
	g_autoptr(HvDomainInfo) i2 = NULL;
	g_autofree char *ev = NULL;
	const unsigned lc = HV_AFFECT_LIVE | HV_AFFECT_CONFIG;

	g_assert_cmpint(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 4194304, lc), ==, 0);
	fx_check(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 8388609, lc), -EINVAL, &err);
	fx_check(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 0, lc), -EINVAL, &err);
	/* the maximum can't change while running, but can in the config */
	fx_check(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1 << 20,
			 lc | HV_MAXIMUM), -EBUSY, &err);
	fx_check(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1 << 20,
			 HV_MAXIMUM), -EBUSY, &err);
	i1 = info_of(fx, "test");
	g_assert_cmpuint(i1->memory_kib, ==, 4194304);
	g_assert_cmpuint(i1->max_memory_kib, ==, 8388608);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "domain test memory-changed 4194304\n");
	/* shut off: lowering the maximum below current lowers current too */
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	fx_check(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1024, HV_AFFECT_LIVE),
		 -EBUSY, &err);
	g_assert_cmpint(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1 << 20,
				HV_AFFECT_CONFIG | HV_MAXIMUM), ==, 0);
	fx_check(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1ull << 41,
			 HV_MAXIMUM), -EINVAL, &err);
	i2 = info_of(fx, "test");
	g_assert_cmpuint(i2->memory_kib, ==, 1 << 20);
	g_assert_cmpuint(i2->max_memory_kib, ==, 1 << 20);
}

static void
test_vcpus(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvDomainInfo) i1 = NULL;
	g_autoptr(HvDomainInfo) i2 = NULL;
	const unsigned lc = HV_AFFECT_LIVE | HV_AFFECT_CONFIG;

	g_assert_cmpint(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 1, lc), ==, 0);
	fx_check(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 3, lc), -EINVAL, &err);
	fx_check(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 0, lc), -EINVAL, &err);
	fx_check(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 4, lc | HV_MAXIMUM),
		 -EBUSY, &err);
	i1 = info_of(fx, "test");
	g_assert_cmpuint(i1->vcpus, ==, 1);
	g_assert_cmpuint(i1->max_vcpus, ==, 2);
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 8,
				HV_AFFECT_CONFIG | HV_MAXIMUM), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 6,
				HV_AFFECT_CONFIG), ==, 0);
	fx_check(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 256,
			 HV_MAXIMUM), -EINVAL, &err);
	g_assert_cmpint(HV_CALL(fx->c, domain, set_vcpus, HV_WRITES, &err, "test", 4,
				HV_MAXIMUM), ==, 0);
	i2 = info_of(fx, "test");
	g_assert_cmpuint(i2->vcpus, ==, 4);
	g_assert_cmpuint(i2->max_vcpus, ==, 4);
}

/* LIVE-only and CONFIG-only changes split the live and persistent definitions;
 * the config becomes current again when the domain stops. */
static void
test_live_vs_config(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(GError) err = NULL;
	g_autofree char *live = NULL;
	g_autofree char *conf = NULL;
	g_autoptr(HvDomainInfo) i1 = NULL;
	g_autoptr(HvDomainInfo) i2 = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 1048576,
				HV_AFFECT_LIVE), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, set_memory, HV_WRITES, &err, "test", 3145728,
				HV_AFFECT_CONFIG), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, get_xml, HV_READS, &err, "test", 0, &live), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, get_xml, HV_READS, &err, "test", HV_XML_INACTIVE,
				&conf), ==, 0);
	g_assert_nonnull(strstr(live, "<currentMemory unit='KiB'>1048576</currentMemory>"));
	g_assert_nonnull(strstr(conf, "<currentMemory unit='KiB'>3145728</currentMemory>"));
	i1 = info_of(fx, "test");
	g_assert_cmpuint(i1->memory_kib, ==, 1048576);
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	i2 = info_of(fx, "test");
	g_assert_cmpuint(i2->memory_kib, ==, 3145728);
}

static char *
stats_of(Fx *fx, const char *name)
{
	g_autoptr(GError) err = NULL;
	char *text = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, get_stats, HV_READS, &err, name, &text), ==, 0);
	return text;
}

static char *
scripted_run(const char *uri)
{
	g_autoptr(Fx) fx = fx_open(uri);
	g_autoptr(GError) err = NULL;
	g_autofree char *s1 = NULL;
	g_autofree char *s2 = NULL;
	g_autofree char *xml = NULL;

	s1 = stats_of(fx, "test");
	g_assert_cmpint(define(fx, VM_XML("gen", ""), &err), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, suspend, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, resume, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, reboot, HV_WRITES, &err, "test"), ==, 0);
	s2 = stats_of(fx, "test");
	g_assert_cmpint(HV_CALL(fx->c, domain, get_xml, HV_READS, &err, "gen", 0, &xml), ==, 0);
	return g_strconcat(s1, "--\n", s2, "--\n", xml, NULL);
}

/* clock=fixed and seed=N: the same actions give the same stats, uuids, MACs. */
static void
test_deterministic(void)
{
	g_autofree char *a = scripted_run("test:///default?clock=fixed&seed=42&extras=stats");
	g_autofree char *b = scripted_run("test:///default?clock=fixed&seed=42&extras=stats");
	g_autofree char *c = scripted_run("test:///default?clock=fixed&seed=43&extras=stats");

	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(a, !=, c);
	g_assert_nonnull(strstr(a, "cpu.time=0\n"));
	/* define, suspend: 2 s at 2 vCPUs half busy; paused for 1 s; reboot: 1 s more */
	g_assert_nonnull(strstr(a, "cpu.time=3000000000\n"));
	g_assert_nonnull(strstr(a, "<uuid>")); /* generated from the seed */
	g_test_message("%s", a);
}

/* Stats advance while running, not while paused, and list the devices. */
static void
test_stats(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?clock=fixed&extras=stats");
	g_autoptr(GError) err = NULL;
	g_autofree char *s1 = NULL;
	g_autofree char *s2 = NULL;
	g_autofree char *s3 = NULL;

	g_assert_cmpint(HV_CALL(fx->c, domain, set_autostart, HV_WRITES, &err, "test", true), ==, 0);
	s1 = stats_of(fx, "test");
	g_assert_nonnull(strstr(s1, "state.state=1\nstate.reason=0\ncpu.time=1000000000\n"));
	g_assert_nonnull(strstr(s1, "balloon.current=2097152\nballoon.maximum=8388608\n"));
	g_assert_nonnull(strstr(s1, "vcpu.current=2\nvcpu.maximum=2\nvcpu.0.state=1\n"));
	g_assert_nonnull(strstr(s1, "vcpu.1.time=500000000\n"));
	g_assert_nonnull(strstr(s1, "net.count=1\nnet.0.name=testnet0\n"));
	g_assert_nonnull(strstr(s1, "block.count=1\nblock.0.name=vda\n"
				    "block.0.path=/guest/diskimage1\n"));
	g_assert_cmpint(HV_CALL(fx->c, domain, suspend, HV_WRITES, &err, "test"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, domain, set_autostart, HV_WRITES, &err, "test", false), ==, 0);
	s2 = stats_of(fx, "test");
	g_assert_nonnull(strstr(s2, "state.state=3\nstate.reason=1\ncpu.time=2000000000\n"));
	g_assert_cmpint(HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, "test"), ==, 0);
	s3 = stats_of(fx, "test");
	g_assert_cmpstr(s3, ==, "state.state=5\nstate.reason=2\nballoon.current=2097152\n"
				"balloon.maximum=8388608\nvcpu.current=2\nvcpu.maximum=2\n"
				"block.count=1\nblock.0.name=vda\nblock.0.path=/guest/diskimage1\n");
}

/* With the real clock, cpu time grows by itself. */
static void
test_real_clock(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default");
	g_autoptr(HvDomainInfo) a = info_of(fx, "test");
	g_autoptr(HvDomainInfo) b = NULL;

	g_usleep(20000);
	b = info_of(fx, "test");
	g_assert_cmpuint(b->cpu_time_ns, >, a->cpu_time_ns);
}

static gpointer
hammer(gpointer data)
{
	Fx *fx = data;
	static const char *const ops[] = { "start", "shutdown", "destroy", "suspend", "resume" };

	for (int i = 0; i < 2000; i++) {
		g_autoptr(GError) err = NULL;
		g_autofree char *name = g_strdup_printf("vm%d", g_random_int_range(0, 8));
		const char *op = ops[g_random_int_range(0, G_N_ELEMENTS(ops))];
		g_autoptr(GPtrArray) list = NULL;
		g_autofree char *s = NULL;

		if (g_str_equal(op, "start"))
			HV_CALL(fx->c, domain, start, HV_WRITES, &err, name);
		else if (g_str_equal(op, "shutdown"))
			HV_CALL(fx->c, domain, shutdown, HV_WRITES, &err, name);
		else if (g_str_equal(op, "destroy"))
			HV_CALL(fx->c, domain, destroy, HV_WRITES, &err, name);
		else if (g_str_equal(op, "suspend"))
			HV_CALL(fx->c, domain, suspend, HV_WRITES, &err, name);
		else
			HV_CALL(fx->c, domain, resume, HV_WRITES, &err, name);
		g_clear_error(&err);
		HV_CALL(fx->c, domain, list, HV_READS, &err, &list);
		HV_CALL(fx->c, domain, get_stats, HV_READS, &err, name, &s);
	}
	return NULL;
}

/* Many threads at once, with shutdowns finishing on the timer meanwhile. */
static void
test_concurrency(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?shutdown-delay=1&extras=stats");
	g_autoptr(GError) err = NULL;
	GThread *t[6];

	for (int i = 0; i < 8; i++) {
		g_autofree char *xml = g_strdup_printf(
			"<domain type='test'><name>vm%d</name><memory>1024</memory><vcpu>1</vcpu>"
			"<os><type>hvm</type></os></domain>", i);

		g_assert_cmpint(define(fx, xml, &err), ==, 0);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("hammer", hammer, fx);
	for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
		g_thread_join(t[i]);
}

void
domain_tests_register(void)
{
	g_test_add_func("/driver/test/domain/define-undefine", test_define_undefine);
	g_test_add_func("/driver/test/domain/bad-names", test_bad_names);
	g_test_add_func("/driver/test/domain/transient", test_transient);
	g_test_add_func("/driver/test/domain/redefine-transient", test_redefine_transient);
	g_test_add_func("/driver/test/domain/memory", test_memory);
	g_test_add_func("/driver/test/domain/vcpus", test_vcpus);
	g_test_add_func("/driver/test/domain/live-vs-config", test_live_vs_config);
	g_test_add_func("/driver/test/domain/deterministic", test_deterministic);
	g_test_add_func("/driver/test/domain/stats", test_stats);
	g_test_add_func("/driver/test/domain/real-clock", test_real_clock);
	g_test_add_func("/driver/test/domain/concurrency", test_concurrency);
}
