/* objstore.h: definitions kept in a folder, the way libvirt keeps them:
 *     DIR/NAME.xml         one persistent definition per object
 *     DIR/autostart/NAME   present while the object is marked autostart
 *     RUN/NAME             present while it is active (optional run folder)
 *     RUN/NAME.xml         its live state, for drivers that keep one
 * Writes are atomic: the text goes to a temporary file in the same folder
 * (.tmp-XXXXXX), is fsync'ed, renamed over NAME.xml, and the folder is
 * fsync'ed, so a crash leaves either the old file or the new one, never a
 * torn one. The run folder's files are renamed the same way but not synced
 * (they do not outlive a reboot; a crash of the process keeps them). Temporaries a crash left behind are removed when the store opens
 * and are never loaded. Names are checked by the callers (util/names.h). */
#pragma once
#include "util/error.h"
#include <stdbool.h>

typedef struct HvStore HvStore;

/* Opens (making them, mode 0700) dir, dir/autostart and run_dir (may be NULL). */
HvStore *hv_store_open(const char *dir, const char *run_dir, GError **err);
void hv_store_free(HvStore *s); /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvStore, hv_store_free)

const char *hv_store_dir(const HvStore *s);
const char *hv_store_run_dir(const HvStore *s); /* or NULL */

/* DIR/NAME.xml, atomically. */
int hv_store_write(HvStore *s, const char *name, const char *xml, GError **err);
/* The two halves of a write, for drivers that commit several files together
 * and for tests: the text in a synced temporary file (*tmp, its path)... */
int hv_store_write_temp(HvStore *s, const char *data, size_t len, char **tmp, GError **err);
/* ... renamed over DIR/NAME.xml (the folder synced). */
int hv_store_commit(HvStore *s, const char *tmp, const char *name, GError **err);
/* NAME.xml and the autostart marker go (missing is fine). */
int hv_store_remove(HvStore *s, const char *name, GError **err);
/* Reads DIR/NAME.xml (owned), or NULL with ENOENT/EIO. */
char *hv_store_read(HvStore *s, const char *name, size_t *len, GError **err);
/* fn sees every NAME.xml (name without ".xml"); a nonzero return stops. */
typedef int (*HvStoreEach)(const char *name, const char *xml, size_t len, void *data);
int hv_store_each(HvStore *s, HvStoreEach fn, void *data);

int hv_store_set_autostart(HvStore *s, const char *name, bool on, GError **err);
bool hv_store_autostart(HvStore *s, const char *name);

/* RUN/NAME: present while active (no run folder: no-ops, never present). */
int hv_store_set_running(HvStore *s, const char *name, bool on, GError **err);
bool hv_store_running(HvStore *s, const char *name);
/* RUN/NAME.xml, atomically (a running object's live definition); removed with
 * hv_store_set_running(..., false). */
int hv_store_write_live(HvStore *s, const char *name, const char *xml, GError **err);
char *hv_store_read_live(HvStore *s, const char *name, size_t *len, GError **err);
/* fn sees every RUN/NAME.xml: what was running, transient objects included. */
int hv_store_each_live(HvStore *s, HvStoreEach fn, void *data);
