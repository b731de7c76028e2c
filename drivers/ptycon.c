/* ptycon.c: a console on a pty for local drivers (ptycon.h): the ring of
 * output, input to the master, and the holder process that keeps the master
 * open across a restart of hyperfs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include "drivers/ptycon.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int
hv_pty_open(int *master, char **slave_path, GError **err)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	char name[64];
	struct termios t;

	if (fd < 0)
		return hv_error_set(err, errno, "cannot open a pseudo-terminal: %s", g_strerror(errno));
	if (grantpt(fd) < 0 || unlockpt(fd) < 0 || ptsname_r(fd, name, sizeof(name)) != 0) {
		int e = errno;

		close(fd);
		return hv_error_set(err, e, "cannot set up a pseudo-terminal: %s", g_strerror(e));
	}
	/* no echo of what we write: console input is not console output */
	if (tcgetattr(fd, &t) == 0) {
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(fd, TCSANOW, &t);
	}
	*master = fd;
	*slave_path = g_strdup(name);
	return 0;
}

HvPtyCon *
hv_ptycon_new(int master)
{
	HvPtyCon *con = g_new0(HvPtyCon, 1);

	con->master = master;
	hv_ring_init(&con->ring, HV_PTYCON_RING);
	return con;
}

void
hv_ptycon_free(HvPtyCon *con)
{
	if (!con)
		return;
	if (con->master >= 0)
		close(con->master);
	hv_ring_clear(&con->ring);
	g_free(con);
}

uint64_t
hv_ptycon_total(const HvPtyCon *con)
{
	return hv_ring_total(&con->ring);
}

void
hv_ptycon_append(HvPtyCon *con, const void *buf, size_t len)
{
	hv_ring_append(&con->ring, buf, len);
}

size_t
hv_ptycon_read(HvPtyCon *con, uint64_t *pos, size_t max, GString *out)
{
	return hv_ring_read(&con->ring, pos, max, out);
}

int
hv_ptycon_write(HvPtyCon *con, const char *buf, size_t len, GError **err)
{
	ssize_t n;

	if (con->master < 0)
		return hv_error_set(err, EIO, "the console is closed");
	n = write(con->master, buf, len);
	if (n < 0)
		return hv_error_set(err, errno, "cannot write to the console: %s", g_strerror(errno));
	return (int)n;
}

pid_t
hv_pty_holder_spawn(int fd, GError **err)
{
	sigset_t all;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return hv_error_set(err, errno, "cannot fork the console holder: %s", g_strerror(errno));
	if (pid > 0)
		return pid;
	/* child: async-signal-safe calls only (the parent has threads) */
	setsid();
	if (fd != 3) {
		dup2(fd, 3);
	}
	fcntl(3, F_SETFD, 0);
	syscall(SYS_close_range, 4u, ~0u, 0);
	close(0);
	close(1);
	close(2);
	prctl(PR_SET_NAME, "hyperfs-pty", 0, 0, 0);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGTERM);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGTERM, SIG_DFL);
	for (;;)
		pause();
}

int
hv_pty_holder_fetch(pid_t pid, int target_fd, GError **err)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), fd;

	if (pfd < 0)
		return hv_error_set(err, errno, "cannot open process %d: %s", (int)pid, g_strerror(errno));
	fd = (int)syscall(SYS_pidfd_getfd, pfd, target_fd, 0);
	close(pfd);
	if (fd < 0)
		return hv_error_set(err, errno, "cannot take the console from process %d: %s",
				    (int)pid, g_strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}
