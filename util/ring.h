/* ring.h: the last bytes of a stream with absolute positions (ring.c), for
 * consoles: every byte ever appended has a position; the ring keeps the last
 * cap of them, and a reader behind the ring restarts at its oldest byte. The
 * caller locks. */
#pragma once
#include <glib.h>
#include <stdint.h>

typedef struct {
	GByteArray *buf;
	uint64_t start; /* position of buf->data[0] */
	size_t cap;     /* bytes kept */
} HvRing;

void hv_ring_init(HvRing *r, size_t cap);
void hv_ring_clear(HvRing *r);
/* the position after the last byte */
uint64_t hv_ring_total(const HvRing *r);
void hv_ring_append(HvRing *r, const void *buf, size_t len);
/* Empties the ring; positions go on from where they were. */
void hv_ring_restart(HvRing *r);
/* At most max bytes from *pos (moved to the oldest kept byte when it is lost
 * from the ring, or past its end) appended to out; *pos moves past them;
 * returns how many. */
size_t hv_ring_read(const HvRing *r, uint64_t *pos, size_t max, GString *out);
