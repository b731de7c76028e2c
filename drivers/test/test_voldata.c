/* test_voldata.c: the content of the test driver's volumes, kept in memory
 * (each volume's priv), so that `cp`, `cat data`, clone and wipe can be tried
 * on the simulated node. Bytes past what was written read as zeroes up to the
 * capacity; an upload past the capacity grows it (a file volume); at most
 * TEST_VOL_BYTES are kept per volume (ENOSPC past that). */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "drivers/voldata.h"

#define TEST_VOL_BYTES (256u << 20)

typedef struct {
	GByteArray *bytes;
} TestVolData;

void *
test_vol_priv_new(HvObjTab *t, HvEntry *o)
{
	TestVolData *d = g_new0(TestVolData, 1);

	d->bytes = g_byte_array_new();
	return d;
}

void
test_vol_priv_free(void *priv)
{
	TestVolData *d = priv;

	if (!d)
		return;
	g_byte_array_unref(d->bytes);
	g_free(d);
}

typedef struct {
	HvDataStream pub;
	HvCore *core;
	HvEntry *o; /* held by the stream's job */
	bool upload;
} TestStream;

static gssize
ts_read(HvDataStream *s, void *buf, size_t len, GError **err)
{
	TestStream *ts = (TestStream *)s;
	TestVolData *d;
	size_t n, have;

	hv_core_lock(ts->core);
	d = ts->o->priv;
	s->end = MIN(s->end, ts->o->def.volume->capacity);
	n = s->offset >= s->end ? 0 : (size_t)MIN((uint64_t)len, s->end - s->offset);
	have = s->offset < d->bytes->len ? MIN(n, d->bytes->len - (size_t)s->offset) : 0;
	if (have)
		memcpy(buf, d->bytes->data + s->offset, have);
	memset((char *)buf + have, 0, n - have);
	hv_core_unlock(ts->core);
	s->offset += n;
	return (gssize)n;
}

static bool
all_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

static int
ts_write(HvDataStream *s, const void *buf, size_t len, GError **err)
{
	TestStream *ts = (TestStream *)s;
	HvVolumeDef *v;
	TestVolData *d;
	uint64_t end = s->offset + len;
	bool zero;
	int r = 0;

	/* zeroes past what is kept are what a read answers there already: a
	 * clone of a large, never written volume (virt-clone) keeps nothing */
	if (end > TEST_VOL_BYTES && end >= s->offset && end <= s->end && all_zero(buf, len)) {
		hv_core_lock(ts->core);
		d = ts->o->priv;
		zero = s->offset >= d->bytes->len;
		if (zero && end > ts->o->def.volume->capacity)
			ts->o->def.volume->capacity = end;
		hv_core_unlock(ts->core);
		if (zero) {
			s->offset = end;
			return 0;
		}
	}
	if (end > TEST_VOL_BYTES || end < s->offset || end > s->end)
		return hv_error_set(err, ENOSPC, "cannot write %zu bytes at offset %" G_GUINT64_FORMAT
				    " into test volume '%s': the test driver keeps at most %u "
				    "bytes of a volume", len, s->offset, ts->o->name, TEST_VOL_BYTES);
	hv_core_lock(ts->core);
	d = ts->o->priv;
	v = ts->o->def.volume;
	if (end > d->bytes->len) {
		guint old = d->bytes->len;

		g_byte_array_set_size(d->bytes, (guint)end);
		memset(d->bytes->data + old, 0, (guint)end - old);
	}
	memcpy(d->bytes->data + s->offset, buf, len);
	if (end > v->capacity)
		v->capacity = end;
	if (end > v->allocation)
		v->allocation = MIN(end, v->capacity);
	hv_core_unlock(ts->core);
	s->offset = end;
	return r;
}

static int
ts_finish(HvDataStream *s, GError **err)
{
	return 0;
}

static void
ts_close(HvDataStream *s)
{
	g_free(s);
}

static const HvDataStreamOps ts_ops = { ts_read, ts_write, ts_finish, ts_close };

static int
data_open(HvObjTab *t, HvEntry *o, bool upload, uint64_t offset, uint64_t length,
	  unsigned flags, HvDataStream **out, uint64_t *total, GError **err)
{
	TestStream *ts = g_new0(TestStream, 1);
	TestVolData *d = o->priv;
	uint64_t cap = o->def.volume->capacity;

	if (upload && (flags & HV_UPLOAD_REPLACE) && offset < d->bytes->len)
		g_byte_array_set_size(d->bytes, (guint)offset);
	ts->pub.ops = &ts_ops;
	ts->pub.offset = offset;
	ts->pub.end = upload ? UINT64_MAX : cap;
	if (length && offset + length > offset && offset + length < ts->pub.end)
		ts->pub.end = offset + length;
	ts->core = t->core;
	ts->o = o;
	ts->upload = upload;
	*total = ts->pub.end != UINT64_MAX && ts->pub.end > offset ? ts->pub.end - offset : 0;
	*out = &ts->pub;
	return 0;
}

static void
data_done(HvObjTab *t, HvEntry *o)
{
	test_tick(test_tab_conn(t));
	hv_entry_emit_u64(o, "resized", o->def.volume->capacity);
}

static int
data_grow(HvObjTab *t, HvEntry *o, uint64_t bytes, GError **err)
{
	if (bytes > o->def.volume->capacity)
		o->def.volume->capacity = bytes;
	return 0;
}

static int
data_wipe(HvObjTab *t, HvEntry *o, unsigned algorithm, GError **err)
{
	TestVolData *d = o->priv;

	if (algorithm != 0)
		return hv_error_set(err, EOPNOTSUPP, "cannot wipe volume '%s' in pool '%s': the "
				    "test driver only zeroes", o->name, t->parent);
	g_byte_array_set_size(d->bytes, 0); /* reads as zeroes */
	return 0;
}

const HvVolDataOps test_vol_data = {
	.wipe = data_wipe,
	.open = data_open,
	.done = data_done,
	.grow = data_grow,
};
