/* test_fdwatch.c: util/fdwatch.c on the default main context with real
 * pipes: readiness reaches the right watch, a changed condition takes
 * effect, a watch freed by another's callback in the same batch is never
 * called (ASan sees a use after free otherwise), a hang-up is reported
 * though only HUP is watched, and an fd epoll refuses (a regular file)
 * still works through GLib's own source. */
#include <stdbool.h>
#include <unistd.h>
#include <glib.h>
#include "util/fdwatch.h"

typedef struct {
	int calls;
	GIOCondition last;
	HvFdWatch **victim; /* freed (and cleared) by this one's callback */
	HvFdWatch **self;   /* freed by its own callback */
} Seen;

static void
seen_cb(int fd, GIOCondition cond, void *data)
{
	Seen *s = data;

	(void)fd;
	s->calls++;
	s->last = cond;
	if (s->victim)
		hv_fd_watch_free(g_steal_pointer(s->victim));
	if (s->self)
		hv_fd_watch_free(g_steal_pointer(s->self));
}

/* runs the loop until done() or a 10 s bound */
static bool
spin_until(bool (*done)(void *), void *arg)
{
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	while (!done(arg) && g_get_monotonic_time() < end)
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	return done(arg);
}

static bool
called(void *arg)
{
	return ((Seen *)arg)->calls > 0;
}

static void
test_ready_and_set(void)
{
	int p[2];
	Seen s = { 0 };
	HvFdWatch *w;

	g_assert_cmpint(pipe(p), ==, 0);
	w = hv_fd_watch_new(p[0], G_IO_IN, seen_cb, &s);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpint(s.calls, ==, 0); /* nothing to read */
	g_assert_cmpint(write(p[1], "x", 1), ==, 1);
	g_assert_true(spin_until(called, &s));
	g_assert_true(s.last & G_IO_IN);
	/* no longer wanted: a readable fd is not reported */
	hv_fd_watch_set(w, 0);
	s.calls = 0;
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpint(s.calls, ==, 0);
	hv_fd_watch_set(w, G_IO_IN);
	g_assert_true(spin_until(called, &s));
	/* the writer gone: HUP though nothing is asked */
	hv_fd_watch_set(w, 0);
	close(p[1]);
	s.calls = 0;
	g_assert_true(spin_until(called, &s));
	g_assert_true(s.last & G_IO_HUP);
	hv_fd_watch_free(w);
	close(p[0]);
}

static void
test_freed_in_batch(void)
{
	int a[2], b[2];
	Seen sa = { 0 }, sb = { 0 };
	HvFdWatch *wa, *wb;

	g_assert_cmpint(pipe(a), ==, 0);
	g_assert_cmpint(pipe(b), ==, 0);
	wa = hv_fd_watch_new(a[0], G_IO_IN, seen_cb, &sa);
	wb = hv_fd_watch_new(b[0], G_IO_IN, seen_cb, &sb);
	/* both ready in one batch: whichever runs first frees the other */
	sa.victim = &wb;
	sb.victim = &wa;
	sa.self = &wa;
	sb.self = &wb;
	g_assert_cmpint(write(a[1], "x", 1), ==, 1);
	g_assert_cmpint(write(b[1], "x", 1), ==, 1);
	while (!sa.calls && !sb.calls)
		g_main_context_iteration(NULL, TRUE);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpint(sa.calls + sb.calls, ==, 1);
	g_assert_null(wa);
	g_assert_null(wb);
	for (int k = 0; k < 2; k++)
		close(a[k]), close(b[k]);
}

static void
test_regular_file(void)
{
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("fdwatch-XXXXXX", &path, NULL);
	Seen s = { 0 };
	HvFdWatch *w;

	g_assert_cmpint(fd, >=, 0);
	w = hv_fd_watch_new(fd, G_IO_IN, seen_cb, &s); /* epoll: EPERM */
	g_assert_true(spin_until(called, &s)); /* a file is always readable */
	s.self = &w;
	s.calls = 0;
	g_assert_true(spin_until(called, &s));
	g_assert_null(w);
	close(fd);
	unlink(path);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fdwatch/ready-and-set", test_ready_and_set);
	g_test_add_func("/fdwatch/freed-in-batch", test_freed_in_batch);
	g_test_add_func("/fdwatch/regular-file", test_regular_file);
	return g_test_run();
}
