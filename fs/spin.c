/* spin.c: one extra receiver beside libfuse's worker threads that, after
 * serving a request, keeps polling /dev/fuse for a short while (-o spin=US,
 * 100 µs by default; 0 turns it off) instead of sleeping. A request that
 * arrives meanwhile is taken at once instead of waiting for the kernel to wake
 * a sleeping worker: on this kind of machine a wakeup is most of a FUSE round
 * trip, so `cat state` (an OPEN and a RELEASE) costs about a third less. Idle,
 * it waits in poll(2) like the workers, waking every 100 ms to see whether the
 * session ended. It processes requests with the same handlers and replies on
 * the same descriptor as the workers; a request a worker took first leaves it
 * in a blocking read, i.e. one more worker, until the next request. It is
 * stopped before the unmount, which closes the descriptor it reads and replies
 * on: a signal ends its blocking read (EINTR) and it sees the session end. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include "fs/fs.h"

#define SPIN_STOP_SIGNAL SIGURG /* ignored by default; here it only ends a read */

static void
on_stop_signal(int sig)
{
	(void)sig;
}

static gpointer
spin_main(gpointer data)
{
	HvFs *fs = data;
	struct fuse_buf buf = { 0 };
	int fd = fuse_session_fd(fs->se);
	gint64 last = 0;

	g_mutex_lock(&fs->spin_lock);
	fs->spin_tid = pthread_self();
	g_mutex_unlock(&fs->spin_lock);
	while (!fuse_session_exited(fs->se) && !g_atomic_int_get(&fs->spin_done)) {
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
	g_mutex_lock(&fs->spin_lock);
	fs->spin_ended = true;
	g_cond_broadcast(&fs->spin_cond);
	g_mutex_unlock(&fs->spin_lock);
	return NULL;
}

void
hv_spin_start(HvFs *fs)
{
	struct sigaction sa = { .sa_handler = on_stop_signal }; /* no SA_RESTART */

	g_mutex_init(&fs->spin_lock);
	g_cond_init(&fs->spin_cond);
	if (fs->spin_us <= 0)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(SPIN_STOP_SIGNAL, &sa, NULL);
	fs->spinner = g_thread_new("hv-spin", spin_main, fs);
}

/* Before fuse_session_unmount(): signalled until it has left its loop (a
 * signal that comes just before its read begins is not enough). */
void
hv_spin_stop(HvFs *fs)
{
	if (fs->spinner) {
		g_atomic_int_set(&fs->spin_done, 1);
		g_mutex_lock(&fs->spin_lock);
		while (!fs->spin_ended) {
			if (fs->spin_tid)
				pthread_kill(fs->spin_tid, SPIN_STOP_SIGNAL);
			g_cond_wait_until(&fs->spin_cond, &fs->spin_lock,
					  g_get_monotonic_time() + 10 * G_TIME_SPAN_MILLISECOND);
		}
		g_mutex_unlock(&fs->spin_lock);
		g_thread_join(g_steal_pointer(&fs->spinner));
	}
	g_cond_clear(&fs->spin_cond);
	g_mutex_clear(&fs->spin_lock);
}
