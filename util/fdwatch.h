/* fdwatch.h: many file descriptors watched through one epoll(7) set that the
 * GLib main loop polls as a single fd (fdwatch.c). GLib's own fd sources
 * put every fd in each poll(2) of the loop and are made again whenever their
 * conditions change, so a loop with a thousand clients pays for a thousand
 * fds at every wakeup; here a wakeup costs the fds that are ready, and a
 * change of conditions is one epoll_ctl. Level-triggered, as g_unix_fd_add.
 * Main-loop thread only (the default GMainContext). */
#pragma once
#include <glib.h>

typedef struct HvFdWatch HvFdWatch;

/* Called on the main loop with the conditions seen (G_IO_HUP and G_IO_ERR
 * are always watched, as epoll does). It may set or free any watch, its
 * own included. */
typedef void (*HvFdFunc)(int fd, GIOCondition cond, void *data);

/* Watches fd for cond. An fd that epoll refuses (a regular file, /dev/null)
 * is watched through a GLib fd source instead, with the same behaviour. */
HvFdWatch *hv_fd_watch_new(int fd, GIOCondition cond, HvFdFunc fn, void *data);
/* The conditions now wanted (cheap when unchanged). */
void hv_fd_watch_set(HvFdWatch *w, GIOCondition cond);
/* Stops watching; fn is never called again for it. Accepts NULL. */
void hv_fd_watch_free(HvFdWatch *w);
