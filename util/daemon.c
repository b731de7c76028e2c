/* daemon.c: going to the background the way both programs do (hyperfs and
 * hyperfsd): fork, and the parent waits on a pipe for one status byte from
 * the child, so that errors while starting still reach the terminal and the
 * exit status (the child dies or reports, never both; a child that dies
 * without a word makes the parent exit 1). */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>
#include "util/daemon.h"

int
hv_daemon_start(void)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char st = 1;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], &st, 1)) < 0 && errno == EINTR)
			;
		_exit(n == 1 ? st : 1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

int
hv_daemon_detach(bool keep_stderr)
{
	int nul;

	if (chdir("/") < 0)
		return -errno;
	nul = open("/dev/null", O_RDWR);
	if (nul < 0)
		return -errno;
	dup2(nul, 0);
	dup2(nul, 1);
	if (!keep_stderr)
		dup2(nul, 2);
	if (nul > 2)
		close(nul);
	return 0;
}

void
hv_daemon_ready(int fd, char status)
{
	if (fd < 0)
		return;
	if (write(fd, &status, 1) != 1) {
		/* the parent is gone: nothing to tell */
	}
	close(fd);
}

void
hv_malloc_tune(void)
{
	if (!getenv("MALLOC_ARENA_MAX") && !getenv("GLIBC_TUNABLES"))
		mallopt(M_ARENA_MAX, HV_MALLOC_ARENAS);
}
