/* daemon.h: the process set-up of hyperfs and hyperfsd (daemon.c): the
 * background start and the allocator's arenas. */
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
/* glibc gives each thread that allocates while another holds an arena a new
 * one, up to 8 per CPU; a long-running daemon whose worker threads come and go
 * (libfuse's pool) ends up with memory spread over arenas it never returns.
 * Caps them at HV_MALLOC_ARENAS (bench/run at 10,000 domains: 2 arenas 100-114
 * MiB, 4 arenas 79-80 MiB, glibc's own 16 about 82 MiB) unless MALLOC_ARENA_MAX or GLIBC_TUNABLES
 * says otherwise. */
#define HV_MALLOC_ARENAS 4
void hv_malloc_tune(void);
