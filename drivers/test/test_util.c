/* test_util.c: what the test driver's files share beyond the shared tables:
 * the clock (real, or fixed: one second per successful change), the seeded
 * generators for UUIDs and MAC addresses, and moving a local error out. */
#include "drivers/test/test_priv.h"

/* Nanoseconds: monotonic time, or the virtual clock with clock=fixed. */
int64_t
test_clock_ns(TestConn *tc)
{
	if (tc->params.fixed_clock)
		return tc->vclock_ns;
	return g_get_monotonic_time() * 1000;
}

/* One successful action happened: the fixed clock moves one step. */
void
test_tick(TestConn *tc)
{
	if (tc->params.fixed_clock)
		tc->vclock_ns += TEST_FIXED_TICK_NS;
}

void
test_changed(HvObjTab *t, HvEntry *o)
{
	test_tick(test_tab_conn(t));
}

/* A random (version 4) UUID from the connection's generator. */
void
test_uuid_generate(TestConn *tc, char out[HV_UUID_STRLEN])
{
	guint8 b[16];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (guint8)g_rand_int_range(tc->rand, 0, 256);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	g_snprintf(out, HV_UUID_STRLEN,
		   "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		   b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		   b[12], b[13], b[14], b[15]);
}

/* A MAC in QEMU's locally administered range 52:54:00, as libvirt picks. */
char *
test_mac_generate(TestConn *tc)
{
	return g_strdup_printf("52:54:00:%02x:%02x:%02x", g_rand_int_range(tc->rand, 0, 256),
			       g_rand_int_range(tc->rand, 0, 256),
			       g_rand_int_range(tc->rand, 0, 256));
}

int
test_error_take(GError **err, GError *local)
{
	int r = hv_error_errno(local);

	if (!local)
		return hv_error_set(err, EIO, "internal error without a message");
	g_propagate_error(err, local);
	return r;
}

int
test_extra_check(HvConn *c, unsigned extra, const char *kind, const char *what, GError **err)
{
	if (test_conn(c)->params.extras & extra)
		return 0;
	/* the words of hv_conn_check's refusal, which hyperfsd answers as libvirt's
	 * "this function is not supported by the connection driver: API" */
	return hv_error_set(err, ENOTSUP, "%s %s is not supported by driver 'test' (an addition "
			    "of hyperfs's test node: URI parameter extras=)", kind, what);
}
