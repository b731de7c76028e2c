/* shared_test.h: fixture of the unit tests for the shared driver plumbing
 * (drivers/core, objtab, objstore, job): a bare connection that records the
 * events a core delivers, a table of networks (the simplest documents) with a
 * small class, and helpers. Each shared_*.c registers its cases. */
#pragma once
#include <glib.h>
#include "drivers/objtab.h"
#include "drivers/objstore.h"

typedef struct {
	HvConn conn;      /* only its event callback is used */
	HvCore core;
	HvObjTab *nets;
	GPtrArray *events; /* "kind name event detail" lines, under core.emit */
	unsigned changes;  /* calls of the class's changed hook */
} Tx;

/* A fresh fixture; store_dir (may be NULL) keeps the definitions. */
Tx *tx_new(const char *store_dir);
void tx_free(Tx *tx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Tx, tx_free)
/* The events so far, one line each; clears them. */
char *tx_events(Tx *tx);

/* <network> with that name and uuid (uuid may be NULL). */
char *net_xml(const char *name, const char *uuid);
/* Defines name (uuid may be NULL): asserts success. */
void tx_define(Tx *tx, const char *name, const char *uuid);
/* The entry (lock taken and released: for single-threaded tests). */
HvEntry *tx_entry(Tx *tx, const char *name);

/* A temporary folder, removed (with what is in it) at exit. */
const char *tx_tmpdir(void);

/* Asserts r == expect, and that a failure came with a message. */
void tx_check(int r, int expect, GError **err);

void objtab_tests_register(void);
void objstore_tests_register(void);
void job_tests_register(void);
