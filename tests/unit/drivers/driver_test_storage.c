/* driver_test_storage.c: test driver pools and volumes: the default pool and
 * its volumes, every pool verb in every reachable state (table-driven), build
 * through "building", undefine rules, sizes, volume create/delete/resize and
 * their errors. */
#include <stddef.h>
#include <string.h>
#include "tests/unit/drivers/driver_test.h"

#define GiB (1ull << 30)
#define POOL "default-pool"
#define VOL_XML(name, cap, alloc) \
	"<volume><name>" name "</name><capacity unit='bytes'>" cap "</capacity>" \
	"<allocation unit='bytes'>" alloc "</allocation><target><format type='raw'/></target></volume>"

typedef int (*PoolFn)(HvConn *c, const char *name, GError **err);

static const struct {
	const char *name;
	size_t off;
} pverbs[] = {
	{ "start", offsetof(HvPoolOps, start) },     { "stop", offsetof(HvPoolOps, stop) },
	{ "build", offsetof(HvPoolOps, build) },     { "refresh", offsetof(HvPoolOps, refresh) },
	{ "delete", offsetof(HvPoolOps, delete) },
};
enum { START, STOP, BUILD, REFRESH, DELETE };
enum { IN = HV_POOL_INACTIVE, BU = HV_POOL_BUILDING, RU = HV_POOL_RUNNING };

static const struct {
	int verb;
	int from;
	int r;
	int to;
	const char *events;
} pcases[] = {
	{ START, IN, 0, RU, "pool default-pool started -\n" },
	{ START, BU, -EBUSY, BU, "" },
	{ START, RU, -EBUSY, RU, "" },
	{ STOP, IN, -EBUSY, IN, "" },
	{ STOP, BU, -EBUSY, BU, "" },
	{ STOP, RU, 0, IN, "pool default-pool stopped -\n" },
	{ BUILD, IN, 0, BU, "pool default-pool building -\n" },
	{ BUILD, BU, -EBUSY, BU, "" },
	{ BUILD, RU, -EBUSY, RU, "" },
	{ REFRESH, IN, -EBUSY, IN, "" },
	{ REFRESH, BU, -EBUSY, BU, "" },
	{ REFRESH, RU, 0, RU, "pool default-pool refreshed -\n" },
	{ DELETE, IN, 0, IN, "pool default-pool deleted -\n"
			      "volume default-pool/disk1.img deleted -\n"
			      "volume default-pool/disk2.qcow2 deleted -\n" },
	{ DELETE, BU, -EBUSY, BU, "" },
	{ DELETE, RU, -EBUSY, RU, "" },
};

static HvPoolInfo *
pool_info(Fx *fx, const char *name)
{
	g_autoptr(GError) err = NULL;
	HvPoolInfo *i = NULL;

	g_assert_cmpint(HV_CALL(fx->c, pool, get_info, HV_READS, &err, name, &i), ==, 0);
	return i;
}

static void
pool_to(Fx *fx, int state)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *ev = NULL;

	if (state != RU)
		g_assert_cmpint(HV_CALL(fx->c, pool, stop, HV_WRITES, &err, POOL), ==, 0);
	if (state == BU)
		g_assert_cmpint(HV_CALL(fx->c, pool, build, HV_WRITES, &err, POOL), ==, 0);
	ev = fx_take_events(fx);
}

static void
test_pool_verbs(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(pcases); i++) {
		g_autoptr(Fx) fx = fx_open("test:///default?build-delay=600000&extras=volumes");
		g_autoptr(GError) err = NULL;
		g_autoptr(HvPoolInfo) info = NULL;
		g_autofree char *ev = NULL;
		PoolFn fn = *(const PoolFn *)((const char *)fx->c->driver->pool + pverbs[pcases[i].verb].off);

		g_test_message("%s from pool state %d", pverbs[pcases[i].verb].name, pcases[i].from);
		pool_to(fx, pcases[i].from);
		fx_check(fn(fx->c, POOL, &err), pcases[i].r, &err);
		info = pool_info(fx, POOL);
		g_assert_cmpint(info->state, ==, pcases[i].to);
		ev = fx_take_events(fx);
		g_assert_cmpstr(ev, ==, pcases[i].events);
	}
}

static void
test_build_delay(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?build-delay=50&extras=volumes");
	g_autoptr(HvPoolInfo) info = NULL;

	pool_to(fx, BU);
	g_assert_true(fx_wait_event(fx, "pool default-pool built -", 5000));
	info = pool_info(fx, POOL);
	g_assert_cmpint(info->state, ==, HV_POOL_INACTIVE);
}

static void
test_default_pool(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?extras=volumes");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvPoolInfo) p = pool_info(fx, POOL);
	g_autoptr(GPtrArray) vols = NULL;
	g_autoptr(HvVolumeInfo) v = NULL;

	g_assert_cmpstr(p->type, ==, "dir");
	g_assert_cmpstr(p->target_path, ==, "/default-pool");
	g_assert_cmpstr(p->uuid, ==, "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566");
	g_assert_cmpint(p->state, ==, HV_POOL_RUNNING);
	g_assert_cmpuint(p->capacity, ==, 100 * GiB);
	g_assert_cmpuint(p->allocation, ==, GiB + 196624384);
	g_assert_cmpuint(p->available, ==, p->capacity - p->allocation);
	g_assert_cmpint(HV_CALL(fx->c, volume, list, HV_READS, &err, POOL, &vols), ==, 0);
	g_assert_cmpuint(vols->len, ==, 2);
	g_assert_cmpint(HV_CALL(fx->c, volume, get_info, HV_READS, &err, POOL, "disk2.qcow2", &v),
			==, 0);
	g_assert_cmpstr(v->path, ==, "/default-pool/disk2.qcow2");
	g_assert_cmpstr(v->key, ==, "/default-pool/disk2.qcow2");
	g_assert_cmpstr(v->format, ==, "qcow2");
	g_assert_cmpstr(v->type, ==, "file");
	g_assert_cmpstr(v->pool, ==, POOL);
	g_assert_cmpuint(v->capacity, ==, 10 * GiB);
}

static void
test_volumes(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?extras=volumes");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvVolumeInfo) v = NULL;
	g_autoptr(HvPoolInfo) p = NULL;
	g_autofree char *name = NULL;
	g_autofree char *ev = NULL;

	g_assert_cmpint(HV_CALL(fx->c, volume, create_xml, HV_WRITES, &err, POOL,
				VOL_XML("new.img", "2147483648", "1073741824"), &name), ==, 0);
	g_assert_cmpstr(name, ==, "new.img");
	fx_check(HV_CALL(fx->c, volume, create_xml, HV_WRITES, &err, POOL,
			 VOL_XML("new.img", "1024", "0"), NULL), -EEXIST, &err);
	fx_check(HV_CALL(fx->c, volume, create_xml, HV_WRITES, &err, POOL,
			 VOL_XML("huge.img", "1099511627776", "1099511627776"), NULL), -ENOSPC, &err);
	fx_check(HV_CALL(fx->c, volume, create_xml, HV_WRITES, &err, POOL,
			 VOL_XML("a\nb", "1024", "0"), NULL), -EINVAL, &err);
	fx_check(HV_CALL(fx->c, volume, create_xml, HV_WRITES, &err, "nope",
			 VOL_XML("x.img", "1024", "0"), NULL), -ENOENT, &err);
	p = pool_info(fx, POOL);
	g_assert_cmpuint(p->allocation, ==, 2 * GiB + 196624384);
	fx_check(HV_CALL(fx->c, volume, resize, HV_WRITES, &err, POOL, "new.img", GiB), -EINVAL, &err);
	fx_check(HV_CALL(fx->c, volume, resize, HV_WRITES, &err, POOL, "new.img", 0), -EINVAL, &err);
	g_assert_cmpint(HV_CALL(fx->c, volume, resize, HV_WRITES, &err, POOL, "new.img", 4 * GiB),
			==, 0);
	g_assert_cmpint(HV_CALL(fx->c, volume, get_info, HV_READS, &err, POOL, "new.img", &v), ==, 0);
	g_assert_cmpuint(v->capacity, ==, 4 * GiB);
	g_assert_cmpuint(v->allocation, ==, GiB);
	g_assert_cmpint(HV_CALL(fx->c, volume, delete, HV_WRITES, &err, POOL, "new.img"), ==, 0);
	fx_check(HV_CALL(fx->c, volume, delete, HV_WRITES, &err, POOL, "new.img"), -ENOENT, &err);
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "volume default-pool/new.img created -\n"
				"volume default-pool/new.img resized 4294967296\n"
				"volume default-pool/new.img deleted -\n");
}

/* Volumes need an active pool; an active pool can't be undefined. */
static void
test_inactive_pool(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?extras=volumes");
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) vols = NULL;

	fx_check(HV_CALL(fx->c, pool, undefine, HV_WRITES, &err, POOL), -EBUSY, &err);
	pool_to(fx, IN);
	fx_check(HV_CALL(fx->c, volume, list, HV_READS, &err, POOL, &vols), -EBUSY, &err);
	fx_check(HV_CALL(fx->c, volume, get_info, HV_READS, &err, POOL, "disk1.img", NULL), -EBUSY,
		 &err);
	fx_check(HV_CALL(fx->c, volume, create_xml, HV_WRITES, &err, POOL,
			 VOL_XML("x.img", "1024", "0"), NULL), -EBUSY, &err);
	fx_check(HV_CALL(fx->c, volume, delete, HV_WRITES, &err, POOL, "disk1.img"), -EBUSY, &err);
	fx_check(HV_CALL(fx->c, volume, resize, HV_WRITES, &err, POOL, "disk1.img", 2 * GiB), -EBUSY,
		 &err);
	g_assert_cmpint(HV_CALL(fx->c, pool, undefine, HV_WRITES, &err, POOL), ==, 0);
	fx_check(HV_CALL(fx->c, pool, get_info, HV_READS, &err, POOL, NULL), -ENOENT, &err);
}

static void
test_pool_define(void)
{
	g_autoptr(Fx) fx = fx_open("test:///default?extras=volumes");
	g_autoptr(GError) err = NULL;
	g_autoptr(HvPoolInfo) p = NULL;
	g_autofree char *name = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *ev = NULL;
	const char *doc = "<pool type='dir'><name>images</name><capacity unit='GiB'>10</capacity>"
			  "<allocation unit='bytes'>0</allocation>"
			  "<target><path>/var/lib/images</path></target></pool>";

	g_assert_cmpint(HV_CALL(fx->c, pool, define_xml, HV_WRITES, &err, doc, &name), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, pool, define_xml, HV_WRITES, &err, doc, NULL), ==, 0);
	fx_check(HV_CALL(fx->c, pool, define_xml, HV_WRITES, &err,
			 "<pool type='dir'><name>x</name><uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"
			 "</uuid><target><path>/x</path></target></pool>", NULL), -EEXIST, &err);
	p = pool_info(fx, "images");
	g_assert_cmpint(p->state, ==, HV_POOL_INACTIVE);
	g_assert_cmpuint(p->capacity, ==, 10 * GiB);
	g_assert_cmpint(HV_CALL(fx->c, pool, start, HV_WRITES, &err, "images"), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, pool, set_autostart, HV_WRITES, &err, "images", true), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, volume, create_xml, HV_WRITES, &err, "images",
				VOL_XML("v", "1024", "512"), NULL), ==, 0);
	g_assert_cmpint(HV_CALL(fx->c, pool, get_xml, HV_READS, &err, "images", 0, &xml), ==, 0);
	g_assert_nonnull(strstr(xml, "<allocation unit='bytes'>512</allocation>"));
	ev = fx_take_events(fx);
	g_assert_cmpstr(ev, ==, "pool images defined added\npool images defined updated\n"
				"pool images started -\npool images autostart-changed 1\n"
				"volume images/v created -\n");
}

void
storage_tests_register(void)
{
	g_test_add_func("/driver/test/pool/default", test_default_pool);
	g_test_add_func("/driver/test/pool/every-verb-every-state", test_pool_verbs);
	g_test_add_func("/driver/test/pool/build-delay", test_build_delay);
	g_test_add_func("/driver/test/pool/define", test_pool_define);
	g_test_add_func("/driver/test/pool/inactive", test_inactive_pool);
	g_test_add_func("/driver/test/volume/create-delete-resize", test_volumes);
}
