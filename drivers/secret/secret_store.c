/* secret_store.c: the local drivers' secrets (secret_store.h): the table, its
 * rules, the files that keep it, and hv_secret_store_ops over c->secrets.
 * One mutex guards the table; events are emitted under it (the tree's
 * callback never calls back into a driver). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "drivers/secret/secret_store.h"
#include "conf/secret_conf.h"
#include "conf/conf_util.h"

typedef struct {
	HvSecretDef *def;
	GBytes *value; /* NULL: none set yet */
} Secret;

struct SecretStore {
	HvConn *conn;  /* where events go */
	char *dir;     /* NULL: memory only */
	GMutex lock;
	GHashTable *by_uuid; /* uuid -> Secret* */
};

static void
wipe_free(gpointer p)
{
	gsize *block = (gsize *)p - 1;

	explicit_bzero(p, block[0]);
	g_free(block);
}

GBytes *
secret_bytes_new(const void *data, size_t len)
{
	gsize *block = g_malloc(sizeof(gsize) + len + 1);

	block[0] = len;
	memcpy(block + 1, data, len);
	return g_bytes_new_with_free_func(block + 1, len, wipe_free, block + 1);
}

static void
secret_free(Secret *s)
{
	if (!s)
		return;
	hv_secret_def_free(s->def);
	g_clear_pointer(&s->value, g_bytes_unref);
	g_free(s);
}

void
hv_secret_info_free(HvSecretInfo *i)
{
	if (!i)
		return;
	g_free(i->uuid);
	g_free(i->usage_id);
	g_free(i);
}

/* The connection's store, or NULL with the refusal of a driver without
 * secrets (a test node without extras=secrets opens none). */
static SecretStore *
store_of(HvConn *c, const char *what, GError **err)
{
	SecretStore *st = c->base ? c->base->secrets : c->secrets;

	if (!st)
		hv_error_set(err, ENOTSUP, "secret %s is not supported by driver '%s'", what,
			     c->driver->name);
	return st;
}

/* ---- files: DIR/UUID.xml and DIR/UUID.base64, 0600 */

static char *
file_of(const SecretStore *st, const char *uuid, const char *ext)
{
	g_autofree char *base = g_strconcat(uuid, ext, NULL);

	return g_build_filename(st->dir, base, NULL);
}

static int
write_private(const char *path, const char *data, size_t len, GError **err)
{
	g_autoptr(GError) e = NULL;

	if (!g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT,
				      0600, &e))
		return hv_error_set(err, EIO, "cannot write '%s': %s", path, e->message);
	return 0;
}

static int
save_def(SecretStore *st, const Secret *s, GError **err)
{
	g_autofree char *path = NULL, *xml = NULL;

	if (!st->dir || s->def->ephemeral)
		return 0;
	path = file_of(st, s->def->uuid, ".xml");
	xml = hv_secret_def_format(s->def);
	return write_private(path, xml, strlen(xml), err);
}

static int
save_value(SecretStore *st, const Secret *s, GError **err)
{
	g_autofree char *path = NULL, *text = NULL;
	gsize len;
	const void *data;
	int r;

	if (!st->dir || s->def->ephemeral || !s->value)
		return 0;
	path = file_of(st, s->def->uuid, ".base64");
	data = g_bytes_get_data(s->value, &len);
	text = g_base64_encode(data, len);
	r = write_private(path, text, strlen(text), err);
	explicit_bzero(text, strlen(text));
	return r;
}

static void
unlink_files(SecretStore *st, const char *uuid)
{
	g_autofree char *x = NULL, *v = NULL;

	if (!st->dir)
		return;
	x = file_of(st, uuid, ".xml");
	v = file_of(st, uuid, ".base64");
	g_unlink(v);
	g_unlink(x);
}

static void
load_one(SecretStore *st, const char *name)
{
	g_autofree char *path = g_build_filename(st->dir, name, NULL);
	g_autofree char *xml = NULL, *vpath = NULL, *text = NULL;
	g_autoptr(GError) e = NULL;
	gsize len;
	Secret *s;
	HvSecretDef *def;

	if (!g_file_get_contents(path, &xml, &len, &e) ||
	    !(def = hv_secret_def_parse(xml, len, &e))) {
		g_debug("secret file '%s' skipped: %s", path, e ? e->message : "empty");
		return;
	}
	s = g_new0(Secret, 1);
	s->def = def;
	if (!def->uuid[0] || g_hash_table_contains(st->by_uuid, def->uuid)) {
		g_debug("secret file '%s' skipped: no uuid, or one seen already", path);
		secret_free(s);
		return;
	}
	vpath = file_of(st, def->uuid, ".base64");
	if (g_file_get_contents(vpath, &text, &len, NULL)) {
		guchar *raw = g_base64_decode(g_strstrip(text), &len);

		s->value = secret_bytes_new(raw, len);
		explicit_bzero(raw, len);
		explicit_bzero(text, strlen(text));
		g_free(raw);
	}
	g_hash_table_insert(st->by_uuid, def->uuid, s);
}

SecretStore *
secret_store_open(HvConn *c, const char *dir, GError **err)
{
	SecretStore *st = g_new0(SecretStore, 1);
	g_autoptr(GDir) d = NULL;
	const char *name;

	st->conn = c;
	st->dir = g_strdup(dir);
	g_mutex_init(&st->lock);
	st->by_uuid = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					    (GDestroyNotify)secret_free);
	if (!dir)
		return st;
	if (g_mkdir_with_parents(dir, 0700) < 0 || chmod(dir, 0700) < 0) {
		int e = errno;

		secret_store_free(st);
		hv_error_set(err, e, "cannot make the secrets folder '%s': %s", dir, g_strerror(e));
		return NULL;
	}
	if ((d = g_dir_open(dir, 0, NULL)))
		while ((name = g_dir_read_name(d)))
			if (g_str_has_suffix(name, ".xml"))
				load_one(st, name);
	return st;
}

void
secret_store_free(SecretStore *st)
{
	if (!st)
		return;
	g_hash_table_destroy(st->by_uuid);
	g_mutex_clear(&st->lock);
	g_free(st->dir);
	g_free(st);
}

/* ---- lookups (lock held) */

static HvSecretInfo *
info_of(const Secret *s)
{
	HvSecretInfo *i = g_new0(HvSecretInfo, 1);

	i->uuid = g_strdup(s->def->uuid);
	i->usage_type = s->def->usage_type;
	i->usage_id = g_strdup(s->def->usage_id ? s->def->usage_id : "");
	i->ephemeral = s->def->ephemeral;
	i->is_private = s->def->is_private;
	i->has_value = s->value != NULL;
	return i;
}

static Secret *
find(SecretStore *st, const char *uuid, GError **err)
{
	char norm[HV_UUID_STRLEN];
	Secret *s = NULL;

	if (uuid && hv_uuid_normalise(uuid, norm) == 0)
		s = g_hash_table_lookup(st->by_uuid, norm);
	if (!s)
		hv_error_set(err, ENOENT, "no secret with matching uuid '%s'", uuid ? uuid : "");
	return s;
}

static Secret *
find_usage(SecretStore *st, int type, const char *id)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, st->by_uuid);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Secret *s = v;

		if (s->def->usage_type == type && type != HV_SECRET_USAGE_NONE &&
		    !g_strcmp0(s->def->usage_id, id))
			return s;
	}
	return NULL;
}

/* ---- the ops */

static int
op_list(HvConn *c, GPtrArray **out, GError **err)
{
	SecretStore *st = store_of(c, "list", err);
	GHashTableIter it;
	gpointer v;

	if (!st)
		return -ENOTSUP;
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_secret_info_free);
	g_mutex_lock(&st->lock);
	g_hash_table_iter_init(&it, st->by_uuid);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(*out, info_of(v));
	g_mutex_unlock(&st->lock);
	return 0;
}

/* What copy makes of the secret uuid, under the lock: 0 or -ENOENT. */
static int
copy_of(HvConn *c, const char *what, const char *uuid, void *(*copy)(const Secret *s),
	void **out, GError **err)
{
	SecretStore *st = store_of(c, what, err);
	Secret *s;

	if (!st)
		return -ENOTSUP;
	g_mutex_lock(&st->lock);
	if ((s = find(st, uuid, err)))
		*out = copy(s);
	g_mutex_unlock(&st->lock);
	return s ? 0 : -ENOENT;
}

static void *info_copy(const Secret *s) { return info_of(s); }
static void *xml_copy(const Secret *s) { return hv_secret_def_format(s->def); }

static int
op_get_info(HvConn *c, const char *uuid, HvSecretInfo **out, GError **err)
{
	return copy_of(c, "get_info", uuid, info_copy, (void **)out, err);
}

static int
op_lookup_usage(HvConn *c, HvSecretUsage type, const char *id, HvSecretInfo **out,
		GError **err)
{
	SecretStore *st = store_of(c, "lookup_usage", err);
	Secret *s;

	if (!st)
		return -ENOTSUP;
	g_mutex_lock(&st->lock);
	if ((s = find_usage(st, type, id)))
		*out = info_of(s);
	g_mutex_unlock(&st->lock);
	return s ? 0 : hv_error_set(err, ENOENT, "no secret with matching usage '%s'",
				    id ? id : "");
}

static int
op_get_xml(HvConn *c, const char *uuid, unsigned flags, char **xml, GError **err)
{
	return copy_of(c, "get_xml", uuid, xml_copy, (void **)xml, err);
}

/* libvirt's rules for a (re)definition; lock held */
static int
check_define(SecretStore *st, HvSecretDef *def, Secret **existing, GError **err)
{
	Secret *same_usage;

	*existing = def->uuid[0] ? g_hash_table_lookup(st->by_uuid, def->uuid) : NULL;
	if (!*existing && g_hash_table_size(st->by_uuid) >= SECRET_STORE_MAX)
		return hv_error_set(err, ENOSPC, "cannot define secret: there are %u already",
				    SECRET_STORE_MAX);
	if (*existing && ((*existing)->def->usage_type != def->usage_type ||
			  g_strcmp0((*existing)->def->usage_id, def->usage_id)))
		return hv_error_set(err, EEXIST, "a secret with UUID %s is already defined for "
				    "use with %s", def->uuid,
				    (*existing)->def->usage_id ? (*existing)->def->usage_id : "none");
	same_usage = find_usage(st, def->usage_type, def->usage_id);
	if (same_usage && same_usage != *existing)
		return hv_error_set(err, EEXIST, "a secret with UUID %s already defined for use "
				    "with %s", same_usage->def->uuid, def->usage_id);
	if (*existing && (*existing)->def->is_private && !def->is_private)
		return hv_error_set(err, EINVAL, "secret '%s': cannot change private flag on "
				    "existing secret", def->uuid);
	if (!def->uuid[0])
		hv_uuid_generate(def->uuid);
	return 0;
}

static int
op_define(HvConn *c, const char *xml, char **uuid_out, GError **err)
{
	SecretStore *st = store_of(c, "define", err);
	g_autoptr(HvSecretDef) def = NULL;
	Secret *s, *existing;
	HvSecretDef *old;
	int r;

	if (!st)
		return -ENOTSUP;
	if (!(def = hv_secret_def_parse(xml, strlen(xml), err)))
		return -EINVAL;
	g_mutex_lock(&st->lock);
	if ((r = check_define(st, def, &existing, err)) < 0)
		goto out;
	s = existing ? existing : g_new0(Secret, 1);
	old = s->def;
	s->def = g_steal_pointer(&def);
	if ((r = save_def(st, s, err)) < 0 || (r = save_value(st, s, err)) < 0) {
		def = s->def;
		s->def = old;
		if (!existing)
			secret_free(s);
		goto out;
	}
	if (old && !old->ephemeral && s->def->ephemeral)
		unlink_files(st, s->def->uuid);
	hv_secret_def_free(old);
	if (!existing)
		g_hash_table_insert(st->by_uuid, s->def->uuid, s);
	if (uuid_out)
		*uuid_out = g_strdup(s->def->uuid);
	hv_conn_emit(st->conn, HV_OBJ_SECRET, NULL, s->def->uuid, "defined",
		     existing ? "updated" : "added");
out:
	g_mutex_unlock(&st->lock);
	return r;
}

static int
op_undefine(HvConn *c, const char *uuid, GError **err)
{
	SecretStore *st = store_of(c, "undefine", err);
	char norm[HV_UUID_STRLEN];
	Secret *s;

	if (!st)
		return -ENOTSUP;
	g_mutex_lock(&st->lock);
	if ((s = find(st, uuid, err))) {
		g_strlcpy(norm, s->def->uuid, sizeof(norm));
		unlink_files(st, norm);
		g_hash_table_remove(st->by_uuid, norm);
		hv_conn_emit(st->conn, HV_OBJ_SECRET, NULL, norm, "undefined", "removed");
	}
	g_mutex_unlock(&st->lock);
	return s ? 0 : -ENOENT;
}

static int
op_set_value(HvConn *c, const char *uuid, GBytes *value, GError **err)
{
	SecretStore *st = store_of(c, "set_value", err);
	GBytes *old;
	Secret *s;
	int r = -ENOENT;

	if (!st)
		return -ENOTSUP;
	if (g_bytes_get_size(value) > SECRET_VALUE_MAX)
		return hv_error_set(err, EINVAL, "secret '%s': a value is at most %u bytes (got %zu)",
				    uuid, SECRET_VALUE_MAX, g_bytes_get_size(value));
	g_mutex_lock(&st->lock);
	if ((s = find(st, uuid, err))) {
		gsize n;
		const void *data = g_bytes_get_data(value, &n);

		old = s->value;
		s->value = secret_bytes_new(data, n); /* our own copy, wiped when it goes */
		if ((r = save_value(st, s, err)) < 0) {
			g_bytes_unref(s->value);
			s->value = old;
		} else {
			g_clear_pointer(&old, g_bytes_unref);
			hv_conn_emit(st->conn, HV_OBJ_SECRET, NULL, s->def->uuid, "value-changed",
				     "-");
		}
	}
	g_mutex_unlock(&st->lock);
	return r;
}

static int
op_get_value(HvConn *c, const char *uuid, GBytes **value, GError **err)
{
	SecretStore *st = store_of(c, "get_value", err);
	Secret *s;
	int r = -ENOENT;

	if (!st)
		return -ENOTSUP;
	g_mutex_lock(&st->lock);
	if ((s = find(st, uuid, err)) && !s->value)
		r = hv_error_set(err, ENOKEY, "secret '%s' has no value", s->def->uuid);
	else if (s) {
		*value = g_bytes_ref(s->value);
		r = 0;
	}
	g_mutex_unlock(&st->lock);
	return r;
}

const HvSecretOps hv_secret_store_ops = {
	.list = op_list,
	.get_info = op_get_info,
	.lookup_usage = op_lookup_usage,
	.get_xml = op_get_xml,
	.define_xml = op_define,
	.undefine = op_undefine,
	.set_value = op_set_value,
	.get_value = op_get_value,
};

int
secret_store_value(void *opaque, const char *usage_type, const char *usage_or_uuid,
		   GBytes **value, GError **err)
{
	SecretStore *st = opaque;
	char norm[HV_UUID_STRLEN];
	int type = hv_secret_usage_type(usage_type);
	Secret *s = NULL;
	int r;

	if (!st)
		return hv_error_set(err, ENOENT, "no secrets on this node (wanted %s secret '%s')",
				    usage_type, usage_or_uuid);
	g_mutex_lock(&st->lock);
	if (usage_or_uuid && hv_uuid_normalise(usage_or_uuid, norm) == 0)
		s = g_hash_table_lookup(st->by_uuid, norm);
	if (!s)
		s = find_usage(st, type, usage_or_uuid);
	if (!s)
		r = hv_error_set(err, ENOENT, "no %s secret '%s' (define it in secrets/)",
				 usage_type, usage_or_uuid ? usage_or_uuid : "");
	else if (!s->value)
		r = hv_error_set(err, ENOKEY, "secret '%s' (%s '%s') has no value: write it to "
				 "secrets/%s/value", s->def->uuid, usage_type,
				 usage_or_uuid, s->def->uuid);
	else {
		*value = g_bytes_ref(s->value);
		r = 0;
	}
	g_mutex_unlock(&st->lock);
	return r;
}
