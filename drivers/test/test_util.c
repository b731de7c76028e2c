/* test_util.c: the test driver's plumbing: ordered object sets, the event queue
 * that is emitted after the lock is released, the clock (real or fixed) and the
 * seeded generators for UUIDs and MAC addresses. */
#include <string.h>
#include "drivers/test/test_priv.h"

void
test_set_init(TestSet *s, bool with_uuid, GDestroyNotify free_obj)
{
	s->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	s->by_uuid = with_uuid ? g_hash_table_new(g_str_hash, g_str_equal) : NULL;
	s->order = g_ptr_array_new_with_free_func(free_obj);
}

void
test_set_clear(TestSet *s)
{
	g_clear_pointer(&s->by_name, g_hash_table_unref);
	g_clear_pointer(&s->by_uuid, g_hash_table_unref);
	g_clear_pointer(&s->order, g_ptr_array_unref);
}

/* name and uuid must live as long as obj (they are its own fields). */
void
test_set_add(TestSet *s, const char *name, const char *uuid, void *obj)
{
	g_hash_table_insert(s->by_name, (char *)name, obj);
	if (s->by_uuid && uuid && *uuid)
		g_hash_table_insert(s->by_uuid, (char *)uuid, obj);
	g_ptr_array_add(s->order, obj);
}

/* Removes and frees obj. */
void
test_set_remove(TestSet *s, const char *name, const char *uuid, void *obj)
{
	g_hash_table_remove(s->by_name, name);
	if (s->by_uuid && uuid && *uuid)
		g_hash_table_remove(s->by_uuid, uuid);
	g_ptr_array_remove(s->order, obj);
}

void *
test_set_lookup(const TestSet *s, const char *name)
{
	return name ? g_hash_table_lookup(s->by_name, name) : NULL;
}

void *
test_set_lookup_uuid(const TestSet *s, const char *uuid)
{
	if (!s->by_uuid || !uuid || !*uuid)
		return NULL;
	return g_hash_table_lookup(s->by_uuid, uuid);
}

static void
test_ev_clear(void *p)
{
	TestEv *ev = p;

	g_free(ev->parent);
	g_free(ev->name);
	g_free(ev->detail);
}

GArray *
test_evq_new(void)
{
	GArray *q = g_array_new(FALSE, TRUE, sizeof(TestEv));

	g_array_set_clear_func(q, test_ev_clear);
	return q;
}

void
test_evq_add(GArray *q, HvObjKind kind, const char *parent, const char *name,
	     const char *event, const char *detail)
{
	TestEv ev = {
		.kind = kind,
		.parent = g_strdup(parent),
		.name = g_strdup(name),
		.event = event,
		.detail = g_strdup(detail ? detail : "-"),
	};

	g_array_append_val(q, ev);
}

void
test_lock(TestConn *tc)
{
	g_mutex_lock(&tc->lock);
}

/* Emits what q holds in order: emit_lock is taken before the state lock is
 * released, so a later change can't overtake these events. */
void
test_unlock(TestConn *tc, GArray *q)
{
	if (!q || q->len == 0) {
		g_mutex_unlock(&tc->lock);
		if (q)
			g_array_unref(q);
		return;
	}
	g_mutex_lock(&tc->emit_lock);
	g_mutex_unlock(&tc->lock);
	for (guint i = 0; i < q->len; i++) {
		TestEv *ev = &g_array_index(q, TestEv, i);

		hv_conn_emit(tc->conn, ev->kind, ev->parent, ev->name, ev->event, ev->detail);
	}
	g_mutex_unlock(&tc->emit_lock);
	g_array_unref(q);
}

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
