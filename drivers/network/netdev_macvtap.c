/* netdev_macvtap.c: macvtap devices (netdev_macvtap.h). Made with ip(8)
 * (`ip link add link PARENT name N address MAC type macvtap mode M`), then
 * opened through a device node of our own: devtmpfs names /dev/tapN after
 * the ifindex inside the device's network namespace, so two namespaces'
 * macvtaps can share a name there; the device number is read from a sysfs
 * mounted in a private mount namespace of a short-lived child (the /sys of
 * this process shows the namespace of whoever mounted it), and a node with
 * that number is made in a private folder, opened and removed. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "drivers/network/netdev_macvtap.h"
#include "drivers/network/netdev_tap.h"

typedef struct {
	const char *mode; /* libvirt's */
	const char *ip;   /* ip(8)'s */
} ModeRow;

static const ModeRow modes[] = {
	{ "vepa", "vepa" }, { "bridge", "bridge" }, { "private", "private" },
	{ "passthrough", "passthru" },
};

static const char *
ip_mode(const char *mode)
{
	for (size_t k = 0; k < G_N_ELEMENTS(modes); k++)
		if (!strcmp(modes[k].mode, mode ? mode : "vepa"))
			return modes[k].ip;
	return NULL;
}

bool
netdev_macvtap_mode_ok(const char *mode)
{
	return ip_mode(mode) != NULL;
}

/* argv, its stderr as the reason. */
static int
ip_run(const char *dom, const char *what, const char *const *argv, GError **err)
{
	g_autofree char *errout = NULL;
	g_autoptr(GError) e = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH |
			  G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &errout, &status, &e))
		return hv_error_set(err, EIO, "domain '%s': %s: cannot run 'ip': %s", dom, what,
				    e->message);
	if (!g_spawn_check_wait_status(status, NULL))
		return hv_error_set(err, EIO, "domain '%s': %s: 'ip' failed: %s", dom, what,
				    errout ? g_strstrip(errout) : "");
	return 0;
}

/* MAJ:MIN of ifname's tap device, as the sysfs of this network namespace
 * shows it (see the header comment). 0 or -1. */
static int
tap_devnum(const char *ifname, dev_t *out)
{
	char path[128], buf[32] = { 0 };
	int p[2];
	unsigned maj, min;
	ssize_t n;
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%u/dev", ifname,
		 if_nametoindex(ifname));
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) { /* only system calls from here: the parent has threads */
		int fd;

		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0 || (fd = open(path, O_RDONLY)) < 0)
			_exit(1);
		n = read(fd, buf, sizeof(buf) - 1);
		_exit(n > 0 && write(p[1], buf, (size_t)n) == n ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n <= 0 || sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -1;
	*out = makedev(maj, min);
	return 0;
}

/* The descriptor of ifname's tap, through a node in a private folder. */
static int
tap_open(const char *dom, const char *ifname, int *fd, GError **err)
{
	g_autofree char *dir = g_dir_make_tmp("hyperfs-macvtap-XXXXXX", NULL);
	g_autofree char *node = dir ? g_build_filename(dir, "tap", NULL) : NULL;
	dev_t dev;
	int e = 0;

	if (!dir)
		return hv_error_set(err, EIO, "domain '%s': cannot make a folder for macvtap '%s'",
				    dom, ifname);
	if (tap_devnum(ifname, &dev) < 0)
		e = ENODEV;
	else if (mknod(node, S_IFCHR | 0600, dev) < 0 ||
		 (*fd = open(node, O_RDWR | O_CLOEXEC)) < 0)
		e = errno;
	unlink(node);
	rmdir(dir);
	if (e)
		return hv_error_set(err, e, "domain '%s': cannot open the tap device of macvtap "
				    "'%s': %s", dom, ifname, g_strerror(e));
	return 0;
}

static char *
free_name(void)
{
	for (unsigned k = 0; k < 4096; k++) {
		g_autofree char *n = g_strdup_printf("macvtap%u", k);

		if (!netdev_exists(n))
			return g_steal_pointer(&n);
	}
	return NULL;
}

/* The mode in ip(8)'s words, once req's mode and parent are good. */
static int
req_check(const char *dom, const NetdevMacvtapReq *req, const char **mode, GError **err)
{
	if (!(*mode = ip_mode(req->mode)))
		return hv_error_set(err, EINVAL, "domain '%s': macvtap mode '%s' is not one of vepa, "
				    "bridge, private, passthrough", dom, req->mode);
	if (!req->parent || !netdev_exists(req->parent))
		return hv_error_set(err, ENOENT, "domain '%s': host interface '%s' does not exist",
				    dom, req->parent ? req->parent : "");
	return 0;
}

int
netdev_macvtap_create(const char *dom, const NetdevMacvtapReq *req, char **ifname, int *fd,
		      GError **err)
{
	const char *mode;
	g_autofree char *name = NULL;
	int r;

	if ((r = req_check(dom, req, &mode, err)) < 0)
		return r;
	name = req->ifname ? g_strdup(req->ifname) : free_name();
	if (!name || strlen(name) >= IFNAMSIZ)
		return hv_error_set(err, EINVAL, "domain '%s': no usable macvtap name", dom);
	const char *add[] = { "ip", "link", "add", "link", req->parent, "name", name, "type",
			      "macvtap", "mode", mode, NULL };
	const char *mac[] = { "ip", "link", "set", "dev", name, "address", req->mac, NULL };
	const char *up[] = { "ip", "link", "set", "dev", name, "up", NULL };

	if ((r = ip_run(dom, "creating its macvtap", add, err)) < 0)
		return r;
	if ((req->mac && (r = ip_run(dom, "setting the guest's MAC on its macvtap", mac, err)) < 0) ||
	    (r = ip_run(dom, "bringing its macvtap up", up, err)) < 0 ||
	    (r = tap_open(dom, name, fd, err)) < 0) {
		netdev_macvtap_delete(name);
		return r;
	}
	*ifname = g_steal_pointer(&name);
	return 0;
}

void
netdev_macvtap_delete(const char *ifname)
{
	const char *del[] = { "ip", "link", "del", "dev", ifname, NULL };

	if (ifname && netdev_exists(ifname))
		(void)ip_run("-", "removing a macvtap", del, NULL);
}

int
netdev_macvlan_into(const char *dom, const NetdevMacvtapReq *req, int pid, const char *inside,
		    GError **err)
{
	g_autofree char *ns = g_strdup_printf("%d", pid);
	const char *mode;
	int r;

	if ((r = req_check(dom, req, &mode, err)) < 0)
		return r;
	if (!req->ifname || strlen(req->ifname) >= IFNAMSIZ || strlen(inside) >= IFNAMSIZ)
		return hv_error_set(err, EINVAL, "domain '%s': no usable macvlan name", dom);
	const char *add[] = { "ip", "link", "add", "link", req->parent, "name", req->ifname,
			      "type", "macvlan", "mode", mode, NULL };
	const char *mac[] = { "ip", "link", "set", "dev", req->ifname, "address", req->mac, NULL };
	const char *move[] = { "ip", "link", "set", "dev", req->ifname, "netns", ns, "name", inside,
			       NULL };

	if ((r = ip_run(dom, "creating its macvlan", add, err)) < 0)
		return r;
	if ((req->mac && (r = ip_run(dom, "setting its MAC on its macvlan", mac, err)) < 0) ||
	    (r = ip_run(dom, "moving its macvlan into the container", move, err)) < 0) {
		netdev_macvtap_delete(req->ifname);
		return r;
	}
	return 0;
}
