/* xdr.c: bounds-checked XDR decoding and appending encoders (see xdr.h).
 * Every length a peer sends is checked against what is left in the message and
 * against the caller's limit before a byte is allocated. */
#include <errno.h>
#include <string.h>
#include "remote/xdr.h"

static inline size_t
pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

size_t
xdr_in_left(const XdrIn *in)
{
	return in->bad ? 0 : in->len - in->pos;
}

int
xdr_in_finish(const XdrIn *in)
{
	return (in->bad || in->pos != in->len) ? -EBADMSG : 0;
}

static const uint8_t *
take(XdrIn *in, size_t n)
{
	const uint8_t *p;

	if (in->bad || n > in->len - in->pos) {
		in->bad = true;
		return NULL;
	}
	p = in->p + in->pos;
	in->pos += n;
	return p;
}

uint32_t
xdr_get_u32(XdrIn *in)
{
	const uint8_t *p = take(in, 4);

	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int32_t
xdr_get_i32(XdrIn *in)
{
	return (int32_t)xdr_get_u32(in);
}

uint64_t
xdr_get_u64(XdrIn *in)
{
	uint64_t hi = xdr_get_u32(in);

	return hi << 32 | xdr_get_u32(in);
}

/* As libvirt's decoder (xdr_bool of libtirpc/glibc): any nonzero word is
 * true. Lengths, counts and sizes stay strict. */
bool
xdr_get_bool(XdrIn *in)
{
	return xdr_get_u32(in) != 0;
}

void
xdr_get_fixed(XdrIn *in, void *out, size_t n)
{
	const uint8_t *p = take(in, n + pad4(n));

	if (!n)
		return;
	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

char *
xdr_get_string(XdrIn *in, uint32_t max)
{
	uint32_t n = xdr_get_u32(in);
	const uint8_t *p;

	if (in->bad || n > max || (size_t)n + pad4(n) > in->len - in->pos) {
		in->bad = true;
		return NULL;
	}
	p = take(in, n + pad4(n));
	if (!p || memchr(p, '\0', n)) {
		in->bad = true;
		return NULL;
	}
	return g_strndup((const char *)p, n);
}

char *
xdr_get_opt_string(XdrIn *in, uint32_t max, bool *present)
{
	*present = xdr_get_bool(in);
	return *present ? xdr_get_string(in, max) : NULL;
}

uint32_t
xdr_get_count(XdrIn *in, uint32_t max, size_t min_elem)
{
	uint32_t n = xdr_get_u32(in);

	if (in->bad || n > max || (min_elem && n > (in->len - in->pos) / min_elem)) {
		in->bad = true;
		return 0;
	}
	return n;
}

void
xdr_put_u32(GByteArray *out, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	g_byte_array_append(out, b, 4);
}

void
xdr_put_i32(GByteArray *out, int32_t v)
{
	xdr_put_u32(out, (uint32_t)v);
}

void
xdr_put_u64(GByteArray *out, uint64_t v)
{
	xdr_put_u32(out, v >> 32);
	xdr_put_u32(out, (uint32_t)v);
}

void
xdr_put_fixed(GByteArray *out, const void *p, size_t n)
{
	static const uint8_t zero[4];

	g_byte_array_append(out, p, n);
	g_byte_array_append(out, zero, pad4(n));
}

void
xdr_put_string(GByteArray *out, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	xdr_put_u32(out, (uint32_t)n);
	xdr_put_fixed(out, s ? s : "", n);
}

void
xdr_put_opt_string(GByteArray *out, const char *s)
{
	xdr_put_u32(out, s != NULL);
	if (s)
		xdr_put_string(out, s);
}
