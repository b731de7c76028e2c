/* mountwatch.c: the session ends when hyperfs's mount is gone from its own
 * mount namespace. A copy of the mount in another namespace (one that
 * `unshare -m` or `ip netns exec` made while hyperfs was mounted, on a host
 * where mounts are private) keeps the FUSE connection alive after
 * `fusermount3 -u`: the kernel then never tells the daemon, which would go on
 * serving that copy until the namespace's last process ends. The mount table
 * does tell: poll(2) on /proc/self/mountinfo reports every change of it with
 * POLLPRI, and once no mount of our file system (its device number) is left
 * here, the main thread gets SIGTERM, as from `kill`, and exits cleanly. */
#include "fs/fs.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <unistd.h>

/* mountinfo (fd, read again from its start), whole; NULL when unreadable. */
static GString *
table(int fd)
{
	GString *s = g_string_new(NULL);
	char buf[8192];
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		g_string_append_len(s, buf, n);
		off += n;
	}
	if (n < 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return s;
}

/* The device ("maj:min") of the last mount at path in fd's table (the one on
 * top), or whether (dev given) any mount of that device is left there. The
 * table's mount points are escaped as the kernel writes them (\040 a space). */
static bool
find(int fd, const char *path, char dev[32])
{
	g_autoptr(GString) s = table(fd);
	g_autoptr(GString) esc = g_string_new(NULL);
	bool found = false;

	if (!s)
		return !!*dev; /* unreadable: nothing is concluded */
	for (const char *c = path; path && *c; c++)
		if (strchr(" \t\n\\", *c))
			g_string_append_printf(esc, "\\%03o", (unsigned char)*c);
		else
			g_string_append_c(esc, *c);
	for (char *l = s->str; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned id, parent;
		char d[32], at[4096];

		if (sscanf(l, "%u %u %31s %*s %4095s", &id, &parent, d, at) != 4)
			continue;
		if (*dev && !path && !strcmp(d, dev))
			return true;
		if (path && !strcmp(at, esc->str)) {
			g_strlcpy(dev, d, 32);
			found = true;
		}
	}
	return found;
}

static gpointer
watch_main(gpointer data)
{
	HvFs *fs = data;
	struct pollfd p[2] = { { .fd = fs->mw_fd, .events = POLLPRI },
			       { .fd = fs->mw_stop, .events = POLLIN } };

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if ((p[0].revents & (POLLPRI | POLLERR)) && !find(fs->mw_fd, NULL, fs->mw_dev)) {
			g_message("%s is no longer mounted here: ending the session",
				  fs->mw_path);
			pthread_kill(fs->mw_main, SIGTERM);
			break;
		}
	}
	return NULL;
}

void
hv_mountwatch_start(HvFs *fs, const char *mountpoint)
{
	/* the folder the mount point is in, resolved; the mount point itself
	 * is not looked at (that would ask our own, not yet served, root) */
	g_autofree char *dir = g_path_get_dirname(mountpoint);
	g_autofree char *base = g_path_get_basename(mountpoint);
	g_autofree char *rdir = realpath(dir, NULL);
	g_autofree char *path = rdir ? g_build_filename(rdir, base, NULL) : NULL;

	fs->mw_dev[0] = 0;
	fs->mw_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	fs->mw_stop = eventfd(0, EFD_CLOEXEC);
	if (!path || fs->mw_fd < 0 || fs->mw_stop < 0 || !find(fs->mw_fd, path, fs->mw_dev)) {
		g_warning("%s: its mount is not found in /proc/self/mountinfo: an unmount is "
			  "seen only when the kernel ends the session", mountpoint);
		hv_mountwatch_stop(fs);
		return;
	}
	fs->mw_path = g_steal_pointer(&path);
	fs->mw_main = pthread_self();
	fs->mw_thread = g_thread_new("hv-mountwatch", watch_main, fs);
}

void
hv_mountwatch_stop(HvFs *fs)
{
	uint64_t one = 1;

	if (fs->mw_thread) {
		if (write(fs->mw_stop, &one, sizeof(one)) < 0)
			g_warning("mountwatch: cannot stop its thread: %s", g_strerror(errno));
		g_thread_join(g_steal_pointer(&fs->mw_thread));
	}
	if (fs->mw_fd >= 0)
		close(fs->mw_fd);
	if (fs->mw_stop >= 0)
		close(fs->mw_stop);
	fs->mw_fd = fs->mw_stop = -1;
	g_clear_pointer(&fs->mw_path, g_free);
}
