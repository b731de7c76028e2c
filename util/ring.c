/* ring.c: the last bytes of a stream with absolute positions (ring.h). */
#include "util/ring.h"

void
hv_ring_init(HvRing *r, size_t cap)
{
	r->buf = g_byte_array_new();
	r->start = 0;
	r->cap = cap;
}

void
hv_ring_clear(HvRing *r)
{
	g_clear_pointer(&r->buf, g_byte_array_unref);
}

uint64_t
hv_ring_total(const HvRing *r)
{
	return r->start + r->buf->len;
}

void
hv_ring_append(HvRing *r, const void *buf, size_t len)
{
	g_byte_array_append(r->buf, buf, (guint)len);
	if (r->buf->len > r->cap) {
		guint drop = r->buf->len - (guint)r->cap;

		g_byte_array_remove_range(r->buf, 0, drop);
		r->start += drop;
	}
}

void
hv_ring_restart(HvRing *r)
{
	r->start = hv_ring_total(r);
	g_byte_array_set_size(r->buf, 0);
}

size_t
hv_ring_read(const HvRing *r, uint64_t *pos, size_t max, GString *out)
{
	size_t n;

	if (*pos < r->start || *pos > hv_ring_total(r))
		*pos = r->start;
	n = (size_t)MIN((uint64_t)max, hv_ring_total(r) - *pos);
	if (n > 0) /* an empty ring has no data pointer */
		g_string_append_len(out, (const char *)r->buf->data + (*pos - r->start), (gssize)n);
	*pos += n;
	return n;
}
