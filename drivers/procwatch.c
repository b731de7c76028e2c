/* procwatch.c: the descriptor watcher of local process drivers (procwatch.h):
 * poll(2) over the watched duplicates and an eventfd that wakes it when the
 * set changes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "drivers/procwatch.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

typedef struct {
	int id;
	int fd; /* our duplicate */
	HvWatchFunc fn;
	void *data;
	GDestroyNotify destroy;
	gboolean removed;
	gboolean busy; /* its callback runs now */
} Watch;

struct HvProcWatch {
	GMutex lock;
	GCond idle;
	GPtrArray *watches; /* Watch* */
	int wake;           /* eventfd */
	int next_id;
	gboolean quit;
	GThread *thread;
};

static void
watch_free(Watch *x)
{
	if (x->destroy)
		x->destroy(x->data);
	close(x->fd);
	g_free(x);
}

/* Lock held: frees removed watches whose callback is not running. */
static void
reap(HvProcWatch *w)
{
	for (guint i = 0; i < w->watches->len;) {
		Watch *x = w->watches->pdata[i];

		if (x->removed && !x->busy) {
			g_ptr_array_remove_index(w->watches, i);
			watch_free(x);
		} else {
			i++;
		}
	}
}

static gpointer
watch_thread(gpointer p)
{
	HvProcWatch *w = p;
	g_autofree struct pollfd *fds = NULL;
	g_autofree int *ids = NULL;
	guint cap = 0;

	g_mutex_lock(&w->lock);
	while (!w->quit) {
		guint n = 1;
		int r;

		reap(w);
		if (w->watches->len + 1 > cap) {
			cap = w->watches->len + 16;
			fds = g_renew(struct pollfd, fds, cap);
			ids = g_renew(int, ids, cap);
		}
		fds[0] = (struct pollfd){ .fd = w->wake, .events = POLLIN };
		for (guint i = 0; i < w->watches->len; i++) {
			Watch *x = w->watches->pdata[i];

			fds[n] = (struct pollfd){ .fd = x->fd, .events = POLLIN };
			ids[n++] = x->id;
		}
		g_mutex_unlock(&w->lock);
		r = poll(fds, n, -1);
		g_mutex_lock(&w->lock);
		if (r < 0)
			continue;
		if (fds[0].revents) {
			uint64_t v;

			if (read(w->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
		for (guint i = 1; i < n && !w->quit; i++) {
			Watch *x = NULL;
			gboolean keep;

			if (!fds[i].revents)
				continue;
			for (guint j = 0; j < w->watches->len && !x; j++)
				if (((Watch *)w->watches->pdata[j])->id == ids[i])
					x = w->watches->pdata[j];
			if (!x || x->removed)
				continue;
			x->busy = TRUE;
			g_mutex_unlock(&w->lock);
			keep = x->fn(x->fd, fds[i].revents, x->data);
			g_mutex_lock(&w->lock);
			x->busy = FALSE;
			if (!keep)
				x->removed = TRUE;
			g_cond_broadcast(&w->idle);
		}
	}
	g_mutex_unlock(&w->lock);
	return NULL;
}

HvProcWatch *
hv_procwatch_new(const char *name, GError **err)
{
	HvProcWatch *w = g_new0(HvProcWatch, 1);

	w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake < 0) {
		hv_error_set(err, errno, "cannot make an eventfd: %s", g_strerror(errno));
		g_free(w);
		return NULL;
	}
	g_mutex_init(&w->lock);
	g_cond_init(&w->idle);
	w->watches = g_ptr_array_new();
	w->next_id = 1;
	w->thread = g_thread_new(name, watch_thread, w);
	return w;
}

static void
wake(HvProcWatch *w)
{
	uint64_t one = 1;

	if (write(w->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
		g_debug("procwatch: wake: %s", g_strerror(errno));
}

void
hv_procwatch_free(HvProcWatch *w)
{
	if (!w)
		return;
	g_mutex_lock(&w->lock);
	w->quit = TRUE;
	wake(w);
	g_mutex_unlock(&w->lock);
	g_thread_join(w->thread);
	for (guint i = 0; i < w->watches->len; i++)
		watch_free(w->watches->pdata[i]);
	g_ptr_array_unref(w->watches);
	close(w->wake);
	g_mutex_clear(&w->lock);
	g_cond_clear(&w->idle);
	g_free(w);
}

int
hv_procwatch_add(HvProcWatch *w, int fd, HvWatchFunc fn, void *data, GDestroyNotify destroy,
		 GError **err)
{
	Watch *x;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (dup_fd < 0) {
		int e = errno;

		if (destroy)
			destroy(data);
		return hv_error_set(err, e, "cannot watch descriptor %d: %s", fd, g_strerror(e));
	}
	x = g_new0(Watch, 1);
	x->fd = dup_fd;
	x->fn = fn;
	x->data = data;
	x->destroy = destroy;
	g_mutex_lock(&w->lock);
	x->id = w->next_id++;
	g_ptr_array_add(w->watches, x);
	wake(w);
	g_mutex_unlock(&w->lock);
	return x->id;
}

void
hv_procwatch_remove(HvProcWatch *w, int id)
{
	if (!w || id <= 0)
		return;
	g_mutex_lock(&w->lock);
	for (guint i = 0; i < w->watches->len; i++) {
		Watch *x = w->watches->pdata[i];

		if (x->id == id)
			x->removed = TRUE;
	}
	wake(w);
	g_mutex_unlock(&w->lock);
}

int
hv_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

unsigned long long
hv_pid_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (!(p = strrchr(buf, ')')))
		return 0;
	/* after ") ": field 3 (state) ... field 22 (starttime) */
	if (sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %llu", &v) != 1)
		return 0;
	return v;
}

gboolean
hv_pid_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || !(f = fopen(path, "re")))
		return FALSE;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Lists every process whose parent chain reaches pid (one pass over /proc;
 * parents come before children in pid order often enough, so it loops until
 * no new descendant turns up). */
static GArray *
descendants(pid_t pid)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(pid_t));
	g_autoptr(GHashTable) ppid = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_autoptr(GDir) dir = g_dir_open("/proc", 0, NULL);
	const char *e;
	gboolean more = TRUE;

	g_array_append_val(out, pid);
	while (dir && (e = g_dir_read_name(dir))) {
		char path[64], buf[512], *p;
		pid_t q = (pid_t)g_ascii_strtoll(e, NULL, 10), pp;
		FILE *f;
		size_t n;

		if (q <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)q);
		if (!(f = fopen(path, "re")))
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		if (!(p = strrchr(buf, ')')) || sscanf(p + 2, "%*c %d", &pp) != 1)
			continue;
		g_hash_table_insert(ppid, GINT_TO_POINTER(q), GINT_TO_POINTER(pp));
	}
	while (more) {
		GHashTableIter it;
		gpointer k, v;

		more = FALSE;
		g_hash_table_iter_init(&it, ppid);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			for (guint i = 0; i < out->len; i++) {
				if (g_array_index(out, pid_t, i) == GPOINTER_TO_INT(v)) {
					pid_t c = GPOINTER_TO_INT(k);

					g_array_append_val(out, c);
					g_hash_table_iter_remove(&it);
					more = TRUE;
					break;
				}
			}
		}
	}
	return out;
}

void
hv_kill_tree(pid_t pid, int sig)
{
	g_autoptr(GArray) all = NULL;

	if (pid <= 0)
		return;
	all = descendants(pid);
	for (guint i = all->len; i > 0; i--)
		kill(g_array_index(all, pid_t, i - 1), sig);
}
