/* driver_test.h: shared fixture of the test driver's unit tests: a connection
 * with an event recorder, temporary node documents, and assertion helpers.
 * Each driver_test_*.c file registers its cases from a *_register() function. */
#pragma once
#include <glib.h>
#include "drivers/conn.h"

typedef struct {
	HvConn *c;
	GMutex lock;
	GCond cond;
	GPtrArray *events; /* "kind name event detail" lines */
} Fx;

Fx *fx_open(const char *uri);
void fx_close(Fx *fx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fx, fx_close)
/* All events so far, one "kind [parent/]name event detail" per line; clears them. */
char *fx_take_events(Fx *fx);
/* Waits until an event line equal to line arrives (true) or timeout_ms passes. */
bool fx_wait_event(Fx *fx, const char *line, unsigned timeout_ms);

/* A temporary directory removed at exit, and a file written in it. */
const char *fx_tmpdir(void);
char *fx_write_file(const char *name, const char *text);

HvDomainState fx_dom_state(Fx *fx, const char *name);
/* Asserts r == expect, and that a failure came with a message (printed with -v). */
void fx_check(int r, int expect, GError **err);

void fsm_tests_register(void);
void domain_tests_register(void);
void network_tests_register(void);
void storage_tests_register(void);
void node_tests_register(void);
void job_tests_register(void);
