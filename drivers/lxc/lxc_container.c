/* lxc_container.c: the container's own side of a start, after libvirt's
 * lxc_container.c. The init is cloned into new pid, mount, uts, ipc (and net,
 * user) namespaces and waits until the driver has put it into its cgroups,
 * written its id maps and moved its veths in; then it unshares its cgroup
 * namespace (so /proc/self/cgroup shows '/'), builds its mounts (the root
 * bound on itself, the other filesystems, a small /dev with devpts and the
 * console), pivots into the root, mounts /proc, /sys and its cgroups, and
 * executes <init> on the console. Everything the child runs is prepared
 * before the clone: the parent has threads, so the child only makes system
 * calls. A failure travels back on a pipe as errno and a message. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/lxc/lxc_priv.h"

#define STACK_SIZE (256u << 10)
#define MAX_MOUNTS 64

typedef struct {
	const char *src, *fstype, *data;
	char dst[4096];   /* host path under the root before the pivot */
	unsigned long flags;
	gboolean ro, is_file;
} Mnt;

typedef struct {
	char root[4096];
	Mnt m[MAX_MOUNTS];
	int n;
	const char *hostname;
	const char *init;
	char **argv, **envp;
	const char *initdir;
	int console;
	int go_r, err_w;
	gboolean userns;
	LxcCgLayout layout;
	const char *const *cg_ctrl;
} Child;

typedef struct {
	int err;
	char msg[256];
} ChildErr;

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty",
					  NULL };

static int
child_fail(Child *c, const char *what, const char *path)
{
	ChildErr e = { .err = errno ? errno : EIO };

	snprintf(e.msg, sizeof(e.msg), "%s '%s'", what, path ? path : "");
	if (write(c->err_w, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* mkdir -p of an absolute path (stack only). */
static int
mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void
mount_one(Child *c, const Mnt *m)
{
	if (m->is_file ? touch(m->dst) < 0 : mkdir_p(m->dst) < 0)
		child_fail(c, "cannot make the mount point", m->dst);
	if (mount(m->src, m->dst, m->fstype, m->flags, m->data) < 0)
		child_fail(c, "cannot mount", m->dst);
	if (m->ro && mount(NULL, m->dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		child_fail(c, "cannot make read-only", m->dst);
}

static void
mount_cgroups(Child *c)
{
	char path[256];

	if (c->layout == LXC_CG_V2) {
		mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		return;
	}
	if (mount("cgroup", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0)
		return;
	for (const char *const *ctl = c->cg_ctrl; *ctl; ctl++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", *ctl);
		mkdir(path, 0755);
		mount("cgroup", path, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, *ctl);
	}
}

static int
child_main(void *p)
{
	Child *c = p;
	char path[4200];
	gboolean sys_ok;
	sigset_t none;
	char go;

	/* the driver's thread may block or ignore signals: init starts clean */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);

	if (read(c->go_r, &go, 1) != 1)
		_exit(125); /* the driver gave up */
	close(c->go_r);
	/* raw system calls: glibc's setuid() would wait for threads that were
	 * not cloned */
	if (c->userns && (syscall(SYS_setgid, 0) < 0 || syscall(SYS_setuid, 0) < 0))
		child_fail(c, "cannot become root in the user namespace", "");
	if (unshare(CLONE_NEWCGROUP) < 0)
		child_fail(c, "cannot unshare the cgroup namespace", "");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(c, "cannot make mounts private", "/");
	for (int i = 0; i < c->n; i++)
		mount_one(c, &c->m[i]);
	/* /proc and /sys before the pivot: in a user namespace the kernel only
	 * lets us mount them while a full one is still visible (the host's) */
	snprintf(path, sizeof(path), "%s/proc", c->root);
	mkdir(path, 0555);
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		child_fail(c, "cannot mount", "/proc");
	snprintf(path, sizeof(path), "%s/sys", c->root);
	mkdir(path, 0555);
	sys_ok = mount("sysfs", path, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		       NULL) == 0;
	if (!sys_ok && !c->userns)
		child_fail(c, "cannot mount", "/sys");
	if (chdir(c->root) < 0)
		child_fail(c, "cannot enter the root", c->root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail(c, "cannot pivot into the root", c->root);
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		child_fail(c, "cannot detach the old root", "/");
	if (sys_ok)
		mount_cgroups(c);
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		child_fail(c, "cannot set the hostname", c->hostname);
	if (setsid() < 0 || ioctl(c->console, TIOCSCTTY, 0) < 0)
		child_fail(c, "cannot take the console", "/dev/console");
	if (dup2(c->console, 0) < 0 || dup2(c->console, 1) < 0 || dup2(c->console, 2) < 0)
		child_fail(c, "cannot take the console", "/dev/console");
	if (c->console > 2)
		close(c->console);
	/* nothing of the driver's leaks into the container */
	syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
	if (chdir(c->initdir ? c->initdir : "/") < 0)
		child_fail(c, "cannot enter the init folder", c->initdir);
	execve(c->init, c->argv, c->envp);
	child_fail(c, "cannot execute", c->init);
	return 127;
}

static int
add_mount(Child *c, const char *src, const char *target, const char *fstype,
	  unsigned long flags, const char *data, gboolean ro, gboolean is_file, GError **err)
{
	Mnt *m;

	if (c->n >= MAX_MOUNTS)
		return hv_error_set(err, E2BIG, "more than %d mounts in one container", MAX_MOUNTS);
	m = &c->m[c->n++];
	*m = (Mnt){ .src = src, .fstype = fstype, .flags = flags, .data = data, .ro = ro,
		    .is_file = is_file };
	if (strlen(c->root) + strlen(target) >= sizeof(m->dst))
		return hv_error_set(err, ENAMETOOLONG, "mount point '%s' is too long", target);
	memcpy(m->dst, c->root, strlen(c->root));
	memcpy(m->dst + strlen(c->root), target, strlen(target) + 1);
	return 0;
}

/* Strings that must outlive the clone are kept here (freed after). */
typedef struct {
	GPtrArray *keep;
} Keep;

static const char *
keep(GPtrArray *k, char *s)
{
	g_ptr_array_add(k, s);
	return s;
}

static int
plan_mounts(Child *c, const LxcSpawn *s, GPtrArray *k, GError **err)
{
	const HvFsDef *root = hv_lxc_def_root(s->lxc);
	int r = 0;

	g_strlcpy(c->root, s->root, sizeof(c->root));
	r |= add_mount(c, s->root, "", NULL, MS_BIND | MS_REC, NULL, root->readonly, FALSE, err);
	for (guint i = 0; r == 0 && i < s->lxc->fs->len; i++) {
		const HvFsDef *f = s->lxc->fs->pdata[i];

		if (f == root)
			continue;
		if (f->type == HV_FS_RAM)
			r = add_mount(c, "tmpfs", f->target, "tmpfs", MS_NOSUID | MS_NODEV,
				      f->usage_kib ? keep(k, g_strdup_printf("size=%" G_GUINT64_FORMAT "k",
								       f->usage_kib))
						   : NULL,
				      f->readonly, FALSE, err);
		else if (f->type == HV_FS_MOUNT)
			r = add_mount(c, f->source, f->target, NULL, MS_BIND | MS_REC, NULL,
				      f->readonly, FALSE, err);
		else
			return hv_error_set(err, ENOTSUP, "domain '%s': <filesystem type='%s'> "
					    "(block or file images) is not supported yet", s->name,
					    f->type == HV_FS_BLOCK ? "block" : "file");
	}
	r |= r ? r : add_mount(c, "devfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
			       "mode=755,size=65536k", FALSE, FALSE, err);
	for (const char *const *d = dev_nodes; r == 0 && *d; d++)
		r = add_mount(c, keep(k, g_strdup_printf("/dev/%s", *d)),
			      keep(k, g_strdup_printf("/dev/%s", *d)), NULL, MS_BIND, NULL, FALSE,
			      TRUE, err);
	if (r == 0)
		r = add_mount(c, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			      "newinstance,ptmxmode=0666,mode=0620", FALSE, FALSE, err);
	if (r == 0)
		r = add_mount(c, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
			      "mode=1777,size=65536k", FALSE, FALSE, err);
	if (r == 0)
		r = add_mount(c, s->console_path,
			      "/dev/console", NULL, MS_BIND, NULL, FALSE, TRUE, err);
	return r < 0 ? -EINVAL : 0;
}

static char **
make_env(const LxcSpawn *s)
{
	GPtrArray *env = g_ptr_array_new();

	g_ptr_array_add(env, g_strdup("PATH=/bin:/usr/bin:/sbin:/usr/sbin"));
	g_ptr_array_add(env, g_strdup("container=lxc-libvirt"));
	g_ptr_array_add(env, g_strdup("HOME=/"));
	g_ptr_array_add(env, g_strdup("TERM=linux"));
	g_ptr_array_add(env, g_strdup_printf("LIBVIRT_LXC_NAME=%s", s->name));
	for (guint i = 0; i < s->lxc->initenv->len; i++)
		g_ptr_array_add(env, g_strdup(s->lxc->initenv->pdata[i]));
	g_ptr_array_add(env, NULL);
	return (char **)g_ptr_array_free(env, FALSE);
}

int
lxc_container_clone(const LxcSpawn *s, pid_t *pid, int *go_fd, int *err_fd, GError **err)
{
	g_autoptr(GPtrArray) k = g_ptr_array_new_with_free_func(g_free);
	g_autofree Child *c = g_new0(Child, 1);
	g_autofree char *stack = NULL;
	g_auto(GStrv) argv = NULL, envp = NULL;
	int go[2], ep[2], flags, e;
	GPtrArray *a;

	if (plan_mounts(c, s, k, err) < 0)
		return -EINVAL;
	a = g_ptr_array_new();
	g_ptr_array_add(a, g_strdup(s->lxc->init ? s->lxc->init : "/sbin/init"));
	for (guint i = 0; i < s->lxc->initargs->len; i++)
		g_ptr_array_add(a, g_strdup(s->lxc->initargs->pdata[i]));
	g_ptr_array_add(a, NULL);
	argv = (char **)g_ptr_array_free(a, FALSE);
	envp = make_env(s);
	if (pipe2(go, O_CLOEXEC) < 0)
		return hv_error_set(err, errno, "cannot make a pipe: %s", g_strerror(errno));
	if (pipe2(ep, O_CLOEXEC) < 0) {
		e = errno;
		close(go[0]);
		close(go[1]);
		return hv_error_set(err, e, "cannot make a pipe: %s", g_strerror(e));
	}
	c->hostname = s->name;
	c->init = argv[0];
	c->argv = argv;
	c->envp = envp;
	c->initdir = s->lxc->initdir;
	c->console = s->console_slave;
	c->go_r = go[0];
	c->err_w = ep[1];
	c->userns = s->userns;
	c->layout = s->layout;
	c->cg_ctrl = lxc_cgroup_v1_controllers();
	flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
	if (s->netns)
		flags |= CLONE_NEWNET;
	if (s->userns)
		flags |= CLONE_NEWUSER;
	stack = g_malloc(STACK_SIZE);
	*pid = clone(child_main, stack + STACK_SIZE, flags, c);
	e = errno;
	close(go[0]);
	close(ep[1]);
	if (*pid < 0) {
		close(go[1]);
		close(ep[0]);
		return hv_error_set(err, e, "cannot clone the container of domain '%s': %s",
				    s->name, g_strerror(e));
	}
	*go_fd = go[1];
	*err_fd = ep[0];
	return 0;
}

int
lxc_container_release(pid_t pid, int go_fd, int err_fd, GError **err)
{
	ChildErr ce;
	ssize_t n;

	n = write(go_fd, "g", 1);
	close(go_fd);
	if (n != 1) {
		close(err_fd);
		return hv_error_set(err, EIO, "the container's init (pid %d) died before it "
				    "started", (int)pid);
	}
	do
		n = read(err_fd, &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	close(err_fd);
	if (n == 0)
		return 0; /* exec closed the pipe */
	if (n != (ssize_t)sizeof(ce))
		return hv_error_set(err, EIO, "the container's init (pid %d) failed to start",
				    (int)pid);
	ce.msg[sizeof(ce.msg) - 1] = 0;
	return hv_error_set(err, ce.err, "container: %s: %s", ce.msg, g_strerror(ce.err));
}
