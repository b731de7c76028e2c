/* storage_loop.c: loop devices for pools whose source is an image file (fs,
 * disk): a free one from /dev/loop-control (LOOP_CTL_GET_FREE), bound to the
 * file with LOOP_CONFIGURE (LOOP_SET_FD on older kernels), auto-cleared, so
 * the kernel lets it go at the last close or unmount; and device nodes made
 * from sysfs where no udev makes them (a loop device's partitions); and the
 * check that a pool's source is a block device or an image file. */
#include <fcntl.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "drivers/storage/storage_util.h"

#define LOOP_TRIES 8 /* another process may take the free device first */

int
storage_node_ensure(const char *dev, GError **err)
{
	g_autofree char *base = g_path_get_basename(dev);
	g_autofree char *sys = NULL, *txt = NULL;
	unsigned maj, min;

	if (g_file_test(dev, G_FILE_TEST_EXISTS))
		return 0;
	sys = g_strdup_printf("/sys/class/block/%s/dev", base);
	if (!g_file_get_contents(sys, &txt, NULL, NULL) || sscanf(txt, "%u:%u", &maj, &min) != 2)
		return hv_error_set(err, ENOENT, "device '%s' does not exist (no %s)", dev, sys);
	if (mknod(dev, S_IFBLK | 0660, makedev(maj, min)) < 0 && errno != EEXIST)
		return hv_error_set(err, errno, "cannot make device node '%s': %s", dev,
				    g_strerror(errno));
	return 0;
}

static int
bind_loop(int lfd, int ffd, bool partscan)
{
	struct loop_config cfg = { .fd = (unsigned)ffd };

	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (partscan ? LO_FLAGS_PARTSCAN : 0);
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	if (ioctl(lfd, LOOP_SET_FD, ffd) < 0)
		return -errno;
	if (ioctl(lfd, LOOP_SET_STATUS64, &cfg.info) < 0) {
		int e = errno;

		ioctl(lfd, LOOP_CLR_FD, 0);
		return -e;
	}
	return 0;
}

int
storage_loop_attach(const char *file, bool partscan, char **dev, int *fd_out, GError **err)
{
	int ffd = open(file, O_RDWR | O_CLOEXEC), cfd, r = -EBUSY;

	if (ffd < 0)
		return hv_error_set(err, errno, "cannot open image '%s': %s", file, g_strerror(errno));
	if ((cfd = open("/dev/loop-control", O_RDWR | O_CLOEXEC)) < 0) {
		r = -errno;
		close(ffd);
		return hv_error_set(err, -r, "cannot attach '%s' to a loop device: "
				    "/dev/loop-control: %s", file, g_strerror(-r));
	}
	for (int k = 0; k < LOOP_TRIES && r == -EBUSY; k++) {
		int n = ioctl(cfd, LOOP_CTL_GET_FREE), lfd;
		g_autofree char *path = NULL;

		if (n < 0) {
			r = -errno;
			break;
		}
		path = g_strdup_printf("/dev/loop%d", n);
		if (storage_node_ensure(path, NULL) < 0 ||
		    (lfd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
			r = -ENOENT;
			break;
		}
		if ((r = bind_loop(lfd, ffd, partscan)) == 0) {
			*dev = g_steal_pointer(&path);
			if (fd_out)
				*fd_out = lfd;
			else
				close(lfd); /* auto-cleared at the last close: a mount holds it */
		} else
			close(lfd);
	}
	close(cfd);
	close(ffd);
	if (r < 0)
		return hv_error_set(err, -r, "cannot attach '%s' to a loop device: %s", file,
				    g_strerror(-r));
	return 0;
}

char *
storage_loop_find(const char *file)
{
	g_autofree char *real = realpath(file, NULL);
	g_autoptr(GDir) d = g_dir_open("/sys/block", 0, NULL);
	const char *n;

	while (real && d && (n = g_dir_read_name(d))) {
		g_autofree char *bf = g_strdup_printf("/sys/block/%s/loop/backing_file", n);
		g_autofree char *txt = NULL;

		if (g_str_has_prefix(n, "loop") && g_file_get_contents(bf, &txt, NULL, NULL) &&
		    g_str_equal(g_strstrip(txt), real))
			return g_strdup_printf("/dev/%s", n);
	}
	return NULL;
}

int
storage_need_device(const StoragePool *p, const char *dev, const char *verb, GError **err)
{
	struct stat st;

	if (stat(dev, &st) < 0)
		return hv_error_set(err, ENOENT, "cannot %s storage pool '%s': device '%s' does not "
				    "exist", verb, p->name, dev);
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return hv_error_set(err, EINVAL, "cannot %s storage pool '%s': '%s' is neither a "
				    "block device nor an image file", verb, p->name, dev);
	return 0;
}
