/* xdr.h: the XDR primitives libvirt's RPC protocol is built from (RFC 4506):
 * big-endian 32-bit units, 64-bit hypers, length-prefixed strings and opaques
 * padded to 4 bytes. Decoding is bounds-checked against the bytes that are
 * really there and against the caller's limit BEFORE anything is allocated; the
 * first failure is sticky (XdrIn.bad), so a decoder can read a whole structure
 * and check once. Encoding appends to a GByteArray. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
	const uint8_t *p;
	size_t len;
	size_t pos;
	bool bad;
} XdrIn;

static inline void
xdr_in_init(XdrIn *in, const void *p, size_t len)
{
	in->p = p;
	in->len = len;
	in->pos = 0;
	in->bad = false;
}

/* 0 when nothing failed and every byte was consumed, else -EBADMSG. */
int xdr_in_finish(const XdrIn *in);
size_t xdr_in_left(const XdrIn *in);

uint32_t xdr_get_u32(XdrIn *in);
int32_t xdr_get_i32(XdrIn *in);
uint64_t xdr_get_u64(XdrIn *in);
bool xdr_get_bool(XdrIn *in); /* 0 is false, any other word true (as libvirt) */
void xdr_get_fixed(XdrIn *in, void *out, size_t n); /* opaque[n] */
/* string<max>: owned, NUL-terminated, no embedded NUL; NULL when bad. */
char *xdr_get_string(XdrIn *in, uint32_t max);
/* string<max> * (optional): *present says whether one was sent. */
char *xdr_get_opt_string(XdrIn *in, uint32_t max, bool *present);
/* Array length: at most max, and at least min_elem bytes left per element. */
uint32_t xdr_get_count(XdrIn *in, uint32_t max, size_t min_elem);

void xdr_put_u32(GByteArray *out, uint32_t v);
void xdr_put_i32(GByteArray *out, int32_t v);
void xdr_put_u64(GByteArray *out, uint64_t v);
void xdr_put_fixed(GByteArray *out, const void *p, size_t n);
void xdr_put_string(GByteArray *out, const char *s); /* NULL encodes as "" */
void xdr_put_opt_string(GByteArray *out, const char *s); /* NULL: absent */
