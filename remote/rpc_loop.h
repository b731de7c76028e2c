/* rpc_loop.h: the I/O threads that every client connection of the process
 * shares (rpc_loop.c): a few threads, each waiting in epoll(7) on its share
 * of the sockets, instead of a reader thread per connection. A watch is one
 * socket and one deadline; its function runs on its loop's thread when the
 * socket is readable or the deadline has passed. */
#pragma once
#include <glib.h>
#include <stdbool.h>

#define RPC_LOOP_THREADS 4

typedef struct RpcWatch RpcWatch;

/* Runs on the loop thread: readable says whether the socket is readable (or
 * hung up); returns the next deadline (monotonic µs, 0 for none), or -1 to be
 * removed: the watch then never runs again and its owner frees it. Must not
 * wait for anything another watch's function provides, nor free its own
 * watch. */
typedef gint64 (*RpcWatchFunc)(void *opaque, bool readable, gint64 now);

/* Starts watching fd (level-triggered, for reading) with a first deadline
 * (0: none). */
RpcWatch *rpc_watch_add(int fd, gint64 deadline, RpcWatchFunc fn, void *opaque);
/* Runs the function at once on its loop (for a deadline that moved earlier). */
void rpc_watch_kick(RpcWatch *w);
/* Stops watching: when it returns, the function is not running and never
 * runs again. Accepts NULL. */
void rpc_watch_free(RpcWatch *w);
/* The number of loop threads started so far (for tests and the docs). */
unsigned rpc_loop_threads(void);
