/* move.c: `mv mnt/a/domains/web1 mnt/b/domains/` moves a domain between two
 * nodes of one mount (drivers/migrate.h: live when it runs, its definition
 * when it is shut off), the domain's `migrate` settings file that says how,
 * and its `job` file (what holds it: a migration's progress; `abort`);
 * `mv domains/a domains/b` within one node renames it (virDomainRename).
 * ops.c's rename calls hv_move_domain; the file rows are in files_domain.c. */
#include <inttypes.h>
#include <string.h>
#include "drivers/migrate.h"
#include "fs/files.h"
#include "fs/move.h"
#include "util/parse.h"
#include "util/table.h"

/* ---- the settings: one row a key, shown in this order */

typedef enum { K_BOOL, K_UINT, K_STRING, K_WORD } KeyKind;

/* A K_WORD key's words and the flags each sets. */
typedef struct {
	const char *name;
	unsigned flags;
} WordRow;

static const WordRow copy_words[] = {
	{ "no", 0 },
	{ "all", HV_MIGRATE_NON_SHARED_DISK },  /* libvirt's --copy-storage-all */
	{ "inc", HV_MIGRATE_NON_SHARED_INC },   /* --copy-storage-inc: the top image only */
};

typedef struct {
	const char *name;
	KeyKind kind;
	const char *dflt;
	unsigned flag;     /* K_BOOL: the VIR_MIGRATE_* flag it sets */
	const char *param; /* K_UINT, K_STRING: the migration parameter it gives */
	unsigned max;
	const WordRow *words; /* K_WORD */
	size_t n_words;
} SettingRow;

static const SettingRow settings[] = {
	{ "keep-source", K_BOOL, "no" },
	{ "bandwidth", K_UINT, "0", .param = "bandwidth", .max = 1u << 20 },   /* MiB/s, 0: no limit */
	{ "downtime", K_UINT, "0", .param = "downtime", .max = 3600000 },      /* ms, 0: QEMU's 300 */
	{ "compression", K_BOOL, "no", HV_MIGRATE_COMPRESSED },
	{ "auto-converge", K_BOOL, "no", HV_MIGRATE_AUTO_CONVERGE },
	{ "post-copy", K_BOOL, "no", HV_MIGRATE_POSTCOPY },
	{ "paused", K_BOOL, "no", HV_MIGRATE_PAUSED },
	{ "uri", K_STRING, "", .param = "migrate_uri" },
	{ "copy-storage", K_WORD, "no", .words = copy_words, .n_words = G_N_ELEMENTS(copy_words) },
};

#define URI_MAX 1024

/* The settings of a domain of n (key -> value, owned), created on first use.
 * fs->lock held. */
static GHashTable *
settings_of(HvNode *n, const char *name)
{
	GHashTable *s;

	if (!n->migrate)
		n->migrate = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						   (GDestroyNotify)g_hash_table_unref);
	if (!(s = g_hash_table_lookup(n->migrate, name))) {
		s = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		g_hash_table_insert(n->migrate, g_strdup(name), s);
	}
	return s;
}

static const char *
value_of(GHashTable *s, const SettingRow *row)
{
	const char *v = g_hash_table_lookup(s, row->name);

	return v ? v : row->dflt;
}

int
hv_move_read_settings(HvObj *o, GString *out, GError **err)
{
	HvFs *fs = o->node->fs;
	GHashTable *s;

	g_mutex_lock(&fs->lock);
	s = settings_of(o->node, o->name);
	for (size_t k = 0; k < G_N_ELEMENTS(settings); k++)
		g_string_append_printf(out, "%s=%s\n", settings[k].name, value_of(s, &settings[k]));
	g_mutex_unlock(&fs->lock);
	return 0;
}

/* One KEY=VALUE, checked: the value as it is kept (owned), or NULL. */
static char *
check_setting(HvObj *o, const char *pair, const SettingRow **row, GError **err)
{
	const char *eq = strchr(pair, '=');
	g_autofree char *key = g_strndup(pair, eq ? (gsize)(eq - pair) : strlen(pair));
	unsigned v;
	bool b;

	*row = HV_TABLE_FIND(settings, key);
	if (!eq || !*row) {
		hv_error_set(err, EINVAL, "migrate settings of domain '%s': '%s' is not KEY=VALUE "
			     "with a KEY of keep-source, bandwidth, downtime, compression, "
			     "auto-converge, post-copy, paused, uri, copy-storage", o->name, pair);
		return NULL;
	}
	eq++;
	switch ((*row)->kind) {
	case K_BOOL:
		if (hv_parse_bool(eq, &b, err) < 0)
			return NULL;
		return g_strdup(b ? "yes" : "no");
	case K_UINT:
		if (hv_parse_uint(eq, 0, (*row)->max, &v, err) < 0)
			return NULL;
		return g_strdup_printf("%u", v);
	case K_STRING:
		if (strlen(eq) > URI_MAX || (*eq && !g_str_has_prefix(eq, "tcp:"))) {
			hv_error_set(err, EINVAL, "migrate settings of domain '%s': uri '%s' is not "
				     "tcp:HOST[:PORT] or tcp://HOST[:PORT]", o->name, eq);
			return NULL;
		}
		return g_strdup(eq);
	case K_WORD:
		for (size_t k = 0; k < (*row)->n_words; k++)
			if (g_str_equal((*row)->words[k].name, eq))
				return g_strdup(eq);
		hv_error_set(err, EINVAL, "migrate settings of domain '%s': %s '%s' is not no, all "
			     "or inc", o->name, (*row)->name, eq);
		return NULL;
	}
	return NULL;
}

/* `echo 'bandwidth=10 post-copy=yes' > migrate`: every pair is checked first,
 * so a bad one changes nothing; `default` puts every key back. */
int
hv_move_write_settings(HvObj *o, const char *tok, GError **err)
{
	HvFs *fs = o->node->fs;
	g_auto(GStrv) pairs = g_strsplit_set(tok, " \t", -1);
	g_autoptr(GPtrArray) vals = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) rows = g_ptr_array_new();
	bool reset = g_str_equal(tok, "default");
	GHashTable *s;

	for (guint k = 0; !reset && pairs[k]; k++) {
		const SettingRow *row;
		char *v;

		if (!*pairs[k])
			continue;
		if (!(v = check_setting(o, pairs[k], &row, err)))
			return -EINVAL;
		g_ptr_array_add(vals, v);
		g_ptr_array_add(rows, (gpointer)row);
	}
	g_mutex_lock(&fs->lock);
	s = settings_of(o->node, o->name);
	if (reset)
		g_hash_table_remove_all(s);
	for (guint k = 0; k < vals->len; k++)
		g_hash_table_replace(s, g_strdup(((const SettingRow *)rows->pdata[k])->name),
				     g_strdup(vals->pdata[k]));
	g_mutex_unlock(&fs->lock);
	return 0;
}

/* The settings as migration parameters and flags. fs->lock NOT held. */
static GArray *
settings_params(HvObj *o, unsigned *flags, bool *keep)
{
	HvFs *fs = o->node->fs;
	GArray *ps = hv_params_new();
	GHashTable *s;

	g_mutex_lock(&fs->lock);
	s = settings_of(o->node, o->name);
	for (size_t k = 0; k < G_N_ELEMENTS(settings); k++) {
		const SettingRow *row = &settings[k];
		const char *v = value_of(s, row);

		if (row->kind == K_BOOL && g_str_equal(v, "yes"))
			*flags |= row->flag;
		else if (row->kind == K_UINT && !g_str_equal(v, "0"))
			hv_params_add(ps, row->param, HV_PARAM_ULLONG,
				      (int64_t)g_ascii_strtoull(v, NULL, 10), NULL);
		else if (row->kind == K_STRING && *v)
			hv_params_add(ps, row->param, HV_PARAM_STRING, 0, v);
		for (size_t w = 0; row->kind == K_WORD && w < row->n_words; w++)
			if (g_str_equal(row->words[w].name, v))
				*flags |= row->words[w].flags;
	}
	*keep = g_str_equal(value_of(s, &settings[0]), "yes");
	g_mutex_unlock(&fs->lock);
	return ps;
}

/* ---- the job file */

/* After the running job (or type: none), the last job that completed on the
 * running domain, when its driver keeps one (an incoming migration, with the
 * source QEMU's figures): completed-* lines. Best effort: a query that
 * fails leaves them out, the running job's lines stand. */
static void
read_completed(HvObj *o, GString *out)
{
	HvConn *c = o->node->conn;
	const HvDomainOps *ops = c->driver->domain;
	HvJobInfo j = { 0 };
	int r;

	if (!ops || !ops->get_completed_job ||
	    (r = HV_CALL(c, domain, get_completed_job, HV_READS, NULL, o->name, &j)) <= 0)
		return;
	g_string_append_printf(out,
			       "completed: %s\ncompleted-elapsed-ms: %" PRIu64
			       "\ncompleted-downtime-ms: %" PRIu64 "\ncompleted-data-total: %" PRIu64
			       "\ncompleted-data-processed: %" PRIu64 "\n",
			       j.type ? j.type : "job", j.elapsed_ms, j.downtime_ms, j.total_bytes,
			       j.processed_bytes);
	hv_job_info_clear(&j);
}

int
hv_move_read_job(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	HvJobInfo j = { 0 };
	int r = HV_CALL(c, domain, get_job, HV_READS, err, o->name, &j);

	if (r < 0)
		return r;
	if (!j.type) {
		g_string_append(out, "type: none\n");
		read_completed(o, out);
		return 0;
	}
	g_string_append_printf(out,
			       "type: %s\nelapsed-ms: %" PRIu64 "\ndata-total: %" PRIu64
			       "\ndata-processed: %" PRIu64 "\ndata-remaining: %" PRIu64
			       "\ndirty-rate: %" PRIu64 "\niteration: %" PRIu64
			       "\nabortable: %s\nabort-requested: %s\n",
			       j.type, j.elapsed_ms, j.total_bytes, j.processed_bytes,
			       j.remaining_bytes, j.rate, j.iteration, hv_bool_word(j.abortable),
			       hv_bool_word(j.abort_requested));
	if (j.disk_total) /* a migration copying disks */
		g_string_append_printf(out, "disk-total: %" PRIu64 "\ndisk-processed: %" PRIu64
				       "\ndisk-remaining: %" PRIu64 "\n", j.disk_total,
				       j.disk_processed, j.disk_remaining);
	hv_job_info_clear(&j);
	read_completed(o, out);
	return 0;
}

int
hv_move_write_job(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;

	if (!g_str_equal(tok, "abort"))
		return hv_error_set(err, EINVAL, "job of domain '%s': '%s' is not a job verb (abort)",
				    o->name, tok);
	return HV_CALL(c, domain, abort_job, HV_WRITES, err, o->name);
}

bool
hv_move_has_job(HvObj *o)
{
	const HvDomainOps *ops = o->node->conn->driver->domain;

	return ops && ops->get_job;
}

bool
hv_move_has_migrate(HvObj *o)
{
	HvConn *c = o->node->conn;
	const HvDomainOps *ops = c->driver->domain;

	return ops && ops->migrate_begin && !g_atomic_int_get(&c->no_migration);
}

/* ---- mv */

/* Whether rename(dir/name, to/name) is a move between nodes: both domains/
 * folders, of two nodes, the name kept. */
int
hv_move_check(HvObj *dir, HvObj *to, const char *name, const char *newname)
{
	if (!dir || !to || dir->kind != DK_DOMAINS || to->kind != DK_DOMAINS ||
	    dir->node == to->node)
		return -EXDEV;
	return strcmp(name, newname) == 0 ? 0 : -EPERM; /* a move keeps the name */
}

/* o (a domain of dir's node) goes to `to`'s node. Lock NOT held. */
int
hv_move_domain(HvObj *o, HvObj *to, GError **err)
{
	HvConn *src = o->node->conn, *dst = to->node->conn;
	g_autoptr(HvDomainInfo) i = NULL;
	g_autoptr(GArray) ps = NULL;
	unsigned flags = 0;
	bool keep = false;
	int r = HV_CALL(src, domain, get_info, HV_READS, err, o->name, &i);

	if (r < 0)
		return r;
	ps = settings_params(o, &flags, &keep);
	if (i->state == HV_DOMAIN_SHUTOFF) /* nothing runs: no disk copy either; defined
					     * there (libvirtd refuses OFFLINE without PERSIST_DEST) */
		flags = HV_MIGRATE_OFFLINE | HV_MIGRATE_PERSIST_DEST |
			(keep ? 0 : HV_MIGRATE_UNDEFINE_SOURCE);
	else
		flags |= HV_MIGRATE_LIVE | (i->persistent ? HV_MIGRATE_PERSIST_DEST : 0) |
			 (i->persistent && !keep ? HV_MIGRATE_UNDEFINE_SOURCE : 0);
	return hv_migrate(src, dst, o->name, ps, flags, err);
}

/* o's folder is `to`'s child `name` now (lock NOT held): what hv_move_done
 * and hv_rename_done share. */
static void
rehome(HvObj *o, HvObj *to, const char *name)
{
	HvFs *fs = to->node->fs;
	HvObj *old;
	uint64_t seq;

	g_mutex_lock(&fs->lock);
	if (o->parent && o->parent->children && g_hash_table_lookup(o->parent->children, o->name) == o)
		g_hash_table_remove(o->parent->children, o->name);
	if (name != o->name) {
		g_free(o->name);
		o->name = g_strdup(name);
	}
	if ((old = g_hash_table_lookup(to->children, o->name)) && old != o)
		hv_obj_kill(fs, old);
	o->dead = false; /* the source's `undefined` may have come first */
	o->parent = to;
	o->node = to->node;
	g_hash_table_insert(to->children, o->name, o);
	g_clear_pointer(&o->error, g_free);
	hv_obj_touch(o);
	g_mutex_unlock(&fs->lock);
	/* what the kernel keeps of its files came from before: dropped as
	 * after any change (inval.c) */
	g_mutex_lock(&to->node->ev_lock);
	seq = to->node->ev_seq;
	g_mutex_unlock(&to->node->ev_lock);
	hv_inval_queue(to->node, &(HvEvent){ .kind = HV_OBJ_DOMAIN, .name = o->name,
					     .event = "moved", .detail = "-" }, seq);
}

/* After a move: the kernel moved the folder's inode to `to`, so o is now
 * that folder there (lock NOT held). */
void
hv_move_done(HvObj *o, HvObj *to)
{
	rehome(o, to, o->name);
}

/* ---- mv within a node: a rename */

int
hv_rename_check(HvObj *dir, HvObj *o)
{
	const HvDomainOps *ops = dir->node ? dir->node->conn->driver->domain : NULL;

	if (dir->kind != DK_DOMAINS || o->kind != DK_DOMAIN)
		return -EPERM;
	return ops && ops->rename ? 0 : -EPERM;
}

int
hv_rename_domain(HvObj *o, const char *newname, GError **err)
{
	return HV_CALL(o->node->conn, domain, rename, HV_WRITES, err, o->name, newname);
}

void
hv_rename_done(HvObj *o, const char *newname)
{
	rehome(o, o->parent, newname);
}
