/* daemon.h: the background start of hyperfs and hyperfsd (daemon.c). */
#pragma once
#include <stdbool.h>

/* Forks. In the child: a new session, and the fd to report on (or -errno);
 * the parent never returns: it exits with the status byte the child reports. */
int hv_daemon_start(void);
/* The working folder becomes /, standard input and output (and error unless
 * keep_stderr) /dev/null. */
int hv_daemon_detach(bool keep_stderr);
/* Tells the waiting parent: 0 ready, else the exit status. fd < 0: nothing. */
void hv_daemon_ready(int fd, char status);
