/* files_secret.c: secrets/ and secrets/<uuid>/ through the secret ops: the
 * document, a write-only `value` (mode 0200: never readable, refused on a
 * read-only mount), and what libvirt shows of a secret without its value. */
#include <string.h>
#include "fs/files.h"
#include "conf/secret_conf.h"

#define VALUE_B64 "base64:" /* a value written as base64:TEXT is decoded */

static int
info(HvObj *o, HvSecretInfo **out, GError **err)
{
	return HV_CALL(o->node->conn, secret, get_info, HV_READS, err, o->name, out);
}

#define SECRET_READER(fname, fmt, ...)                          \
	static int fname(HvObj *o, GString *out, GError **err)  \
	{                                                       \
		g_autoptr(HvSecretInfo) i = NULL;                \
		int r = info(o, &i, err);                       \
		if (r < 0)                                      \
			return r;                               \
		g_string_append_printf(out, fmt "\n", __VA_ARGS__); \
		return 0;                                       \
	}

SECRET_READER(r_usage, "%s %s", hv_secret_usage_word(i->usage_type), i->usage_id)
SECRET_READER(r_private, "%s", hv_bool_word(i->is_private))
SECRET_READER(r_ephemeral, "%s", hv_bool_word(i->ephemeral))

/* The value as written (one line; a trailing newline is dropped like every
 * control file's), or base64:TEXT for bytes a line cannot hold. */
static int
w_value(HvObj *o, const char *tok, GError **err)
{
	g_autoptr(GBytes) v = NULL;
	size_t n = strlen(tok);

	if (g_str_has_prefix(tok, VALUE_B64)) {
		gsize len = 0;
		guchar *raw = g_base64_decode(tok + strlen(VALUE_B64), &len);

		if (len == 0 && strlen(tok) > strlen(VALUE_B64)) {
			g_free(raw);
			return hv_error_set(err, EINVAL, "secret '%s': the value after '%s' is not "
					    "base64", o->name, VALUE_B64);
		}
		v = g_bytes_new_take(raw, len);
	} else
		v = g_bytes_new(tok, n);
	return HV_CALL(o->node->conn, secret, set_value, HV_WRITES, err, o->name, v);
}

static const FileDef secret_files[] = {
	{ "config.xml", F_XML | F_SLOW, hv_coll_read_config, NULL, hv_coll_commit_config },
	{ "value", F_WRITE, NULL, w_value }, /* write-only */
	{ "usage", 0, r_usage },
	{ "private", 0, r_private },
	{ "ephemeral", 0, r_ephemeral },
	{ "error", F_VOLATILE, hv_files_error },
};

const DirOps hv_secret_ops = {
	HV_FILES(secret_files),
	.scratch = true,
};

/* secrets/: its children come from collection.c */
const DirOps hv_secrets_ops = {
	.child_kind = DK_SECRET,
	.scratch = true,
};
