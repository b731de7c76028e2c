/* ptycon.h: a console on a pseudo-terminal, for drivers whose guest writes to
 * a pty slave (LXC containers, UML guests): the master's output kept in a ring
 * with absolute positions (HvDomainOps.console_read's contract), input written
 * to the master, and a "holder" process that keeps the master open while
 * hyperfs is not running, so that the guest's console survives a restart and
 * the master is taken back with pidfd_getfd(2) when the driver re-attaches.
 * The ring is the caller's to lock (the driver's core lock). */
#pragma once
#include <glib.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/error.h"
#include "util/ring.h"

#define HV_PTYCON_RING (256u << 10) /* bytes of console output kept */

typedef struct {
	int master;        /* O_NONBLOCK, O_CLOEXEC; -1 once closed */
	HvRing ring;       /* HV_PTYCON_RING bytes of output */
} HvPtyCon;

/* A new pty: *master (O_NONBLOCK|O_CLOEXEC) and the slave's path (owned). */
int hv_pty_open(int *master, char **slave_path, GError **err);

HvPtyCon *hv_ptycon_new(int master); /* takes master */
void hv_ptycon_free(HvPtyCon *con);  /* NULL-safe; closes the master */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvPtyCon, hv_ptycon_free)

uint64_t hv_ptycon_total(const HvPtyCon *con);
void hv_ptycon_append(HvPtyCon *con, const void *buf, size_t len);
/* console_read: at most max bytes from *pos (moved to the oldest kept byte
 * when older) appended to out; returns how many. */
size_t hv_ptycon_read(HvPtyCon *con, uint64_t *pos, size_t max, GString *out);
/* console_write: input to the guest; -EIO once the master is closed, -EAGAIN
 * when the terminal's input queue is full. */
int hv_ptycon_write(HvPtyCon *con, const char *buf, size_t len, GError **err);

/* Forks a holder that keeps fd open and does nothing else until it is killed
 * (by its pid). Returns its pid, or -errno. */
pid_t hv_pty_holder_spawn(int fd, GError **err);
/* fd number target_fd of process pid, as a new descriptor of ours (O_CLOEXEC). */
int hv_pty_holder_fetch(pid_t pid, int target_fd, GError **err);
