/* stream.h: the sources' side of stream.c, the parked-read streams that
 * `events` (events.c) and `console` (console.c) are. A source says how to take
 * what is new for one reader; stream.c does the rest: parking a read that has
 * nothing yet, answering it when the source wakes its readers, poll(2),
 * O_NONBLOCK, interrupts and the reader's lifetime. */
#pragma once
#include "fs/fs.h"

typedef struct {
	/* Appends to out what is new for r, at most max bytes, and moves r->pos
	 * past it (unless peek): 1 to answer with out (empty: end of file), 0
	 * when there is nothing yet (the read parks), or -errno. */
	int (*fetch)(HvStream *r, size_t max, GString *out, bool peek);
	/* fetch calls the driver: wake-ups are answered on the node's waker
	 * thread, never inside the driver's event callback (which may hold the
	 * driver's locks); otherwise they are answered at once */
	bool deferred;
	short ready; /* poll(2) bits when a read would not block */
	short idle;  /* and when it would */
} HvStreamSource;

struct HvStream {
	HvNode *n;
	const HvStreamSource *src;
	char *name;   /* whose stream (a domain's console), or NULL */
	/* the reader's cursor, under read_lock, which whoever takes from the
	 * source holds (a read, a poll, the waker answering a parked read) */
	GMutex read_lock;
	uint64_t pos;
	GString *rest; /* taken but not yet read: the tail of a line a short read cut */
	bool nonblock;
	/* under n->streams.lock: */
	int refs;   /* the open file, a wake-up in flight */
	bool open;
	bool queued;  /* on the waker */
	uint64_t gen; /* wake-ups seen */
	fuse_req_t req; /* a parked read, or NULL */
	size_t size;
	struct fuse_pollhandle *ph;
};

void hv_streams_init(HvNode *n);
void hv_streams_clear(HvNode *n); /* every reader closed */
/* A new reader of src on n, starting at pos; closed with hv_stream_close. */
HvStream *hv_stream_open(HvNode *n, const HvStreamSource *src, const char *name, uint64_t pos,
			 bool nonblock);
/* Something new for the readers of src (of name, when given): answers their
 * parked reads and polls. Never calls the driver itself. */
void hv_stream_wake(HvNode *n, const HvStreamSource *src, const char *name);
