/* spin.c: one extra receiver beside libfuse's worker threads that, after
 * serving a request, keeps polling /dev/fuse for a short while (-o spin=US,
 * 100 µs by default; 0 turns it off) instead of sleeping. A request that
 * arrives meanwhile is taken at once instead of waiting for the kernel to wake
 * a sleeping worker: on this kind of machine a wakeup is most of a FUSE round
 * trip, so `cat state` (an OPEN and a RELEASE) costs about a third less. Idle,
 * it waits in poll(2) like the workers, waking every 100 ms to see whether the
 * session ended. It processes requests with the same handlers and replies on
 * the same descriptor as the workers; a request a worker took first leaves it
 * in a blocking read, i.e. one more worker, until the next request. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include "fs/fs.h"

static gpointer
spin_main(gpointer data)
{
	HvFs *fs = data;
	struct fuse_buf buf = { 0 };
	int fd = fuse_session_fd(fs->se);
	gint64 last = 0;

	while (!fuse_session_exited(fs->se)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		bool hot = g_get_monotonic_time() - last < fs->spin_us;
		int n = poll(&p, 1, hot ? 0 : 100);
		int r;

		if (n <= 0)
			continue;
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
			break;
		r = fuse_session_receive_buf(fs->se, &buf);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0)
			break; /* unmounted: the workers end the session */
		fuse_session_process_buf(fs->se, &buf);
		last = g_get_monotonic_time();
	}
	free(buf.mem);
	return NULL;
}

void
hv_spin_start(HvFs *fs)
{
	if (fs->spin_us > 0)
		fs->spinner = g_thread_new("hv-spin", spin_main, fs);
}

/* After fuse_session_unmount(): a spinner in a blocking read gets ENODEV. */
void
hv_spin_stop(HvFs *fs)
{
	if (fs->spinner)
		g_thread_join(g_steal_pointer(&fs->spinner));
}
