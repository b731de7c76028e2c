/* hyperfsd_conf.c: the parser of hyperfsd.conf (see hyperfsd_conf.h and
 * man/hyperfsd.8). One pass over the text with a line counter; every error
 * names FILE:LINE. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "remote/hyperfsd_conf.h"
#include "remote/rpc.h"
#include "util/error.h"

#define CONF_MAX_SIZE (1u << 20)
#define CONF_LIST_MAX 256

typedef enum { T_INT, T_BOOL, T_STR, T_LIST } ValType;

typedef struct {
	const char *key;
	ValType type;
	size_t off;
	int64_t min, max;
} Key;

#define O(f) offsetof(HvdConf, f)
static const Key keys[] = {
	{ "listen", T_LIST, O(listen), 0, 0 },
	{ "pki_dir", T_STR, O(pki_dir), 0, 0 },
	{ "tls_allowed_dn_list", T_LIST, O(tls_allowed_dn_list), 0, 0 },
	{ "tls_no_verify_certificate", T_BOOL, O(tls_no_verify_certificate), 0, 1 },
	{ "max_clients", T_INT, O(max_clients), 1, 100000 },
	{ "max_client_requests", T_INT, O(max_client_requests), 1, 10000 },
	{ "max_message_size", T_INT, O(max_message_size), 4096, RPC_MAX_FRAME },
	{ "max_queued_bytes", T_INT, O(max_queued_bytes), 65536, INT64_C(1) << 32 },
	{ "keepalive_interval", T_INT, O(keepalive_interval), 0, 3600 },
	{ "keepalive_count", T_INT, O(keepalive_count), 1, 100 },
	{ "default_uri", T_STR, O(default_uri), 0, 0 },
	{ "pidfile", T_STR, O(pidfile), 0, 0 },
	{ "log_file", T_STR, O(log_file), 0, 0 },
	{ "log_level", T_STR, O(log_level), 0, 0 },
};

void
hvd_conf_init(HvdConf *c)
{
	memset(c, 0, sizeof(*c));
	c->tls_no_verify_certificate = -1;
	c->max_clients = c->max_client_requests = c->max_message_size = -1;
	c->max_queued_bytes = c->keepalive_interval = c->keepalive_count = -1;
}

void
hvd_conf_clear(HvdConf *c)
{
	g_strfreev(c->listen);
	g_free(c->pki_dir);
	g_strfreev(c->tls_allowed_dn_list);
	g_free(c->default_uri);
	g_free(c->pidfile);
	g_free(c->log_file);
	g_free(c->log_level);
	hvd_conf_init(c);
}

typedef struct {
	const char *file;
	const char *p, *end;
	unsigned line;
	GError **err;
} Lexer;

static int G_GNUC_PRINTF(2, 3)
fail(Lexer *lx, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return hv_error_set(lx->err, EINVAL, "%s:%u: %s", lx->file, lx->line, msg);
}

/* Skips blanks and a comment on this line (newlines too when multiline). */
static void
skip_ws(Lexer *lx, bool multiline)
{
	while (lx->p < lx->end) {
		char ch = *lx->p;

		if (ch == ' ' || ch == '\t' || ch == '\r') {
			lx->p++;
		} else if (ch == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (ch == '\n' && multiline) {
			lx->line++;
			lx->p++;
		} else {
			break;
		}
	}
}

static int
lex_string(Lexer *lx, char **out)
{
	char q = *lx->p++;
	const char *start = lx->p;

	while (lx->p < lx->end && *lx->p != q && *lx->p != '\n')
		lx->p++;
	if (lx->p >= lx->end || *lx->p != q)
		return fail(lx, "unterminated string (a string ends on its line with %c)", q);
	*out = g_strndup(start, (gsize)(lx->p - start));
	lx->p++;
	return 0;
}

static int
lex_int(Lexer *lx, int64_t *out)
{
	const char *start = lx->p;
	g_autofree char *s = NULL;
	char *endp;

	if (lx->p < lx->end && (*lx->p == '-' || *lx->p == '+'))
		lx->p++;
	while (lx->p < lx->end && g_ascii_isalnum(*lx->p))
		lx->p++;
	s = g_strndup(start, (gsize)(lx->p - start));
	errno = 0;
	*out = g_ascii_strtoll(s, &endp, 10);
	if (!*s || *endp || errno)
		return fail(lx, "'%s' is not a number", s);
	return 0;
}

static int
lex_list(Lexer *lx, GPtrArray *items)
{
	lx->p++; /* [ */
	for (;;) {
		char *s = NULL;

		skip_ws(lx, true);
		if (lx->p >= lx->end)
			return fail(lx, "unterminated list (missing ']')");
		if (*lx->p == ']') {
			lx->p++;
			return 0;
		}
		if (*lx->p != '"' && *lx->p != '\'')
			return fail(lx, "a list holds \"strings\", separated by commas");
		if (lex_string(lx, &s) < 0)
			return -EINVAL;
		if (items->len >= CONF_LIST_MAX) {
			g_free(s);
			return fail(lx, "too many list items (at most %d)", CONF_LIST_MAX);
		}
		g_ptr_array_add(items, s);
		skip_ws(lx, true);
		if (lx->p < lx->end && *lx->p == ',')
			lx->p++;
		else if (lx->p < lx->end && *lx->p != ']')
			return fail(lx, "expected ',' or ']' in the list");
	}
}

static const char *
type_name(ValType t)
{
	switch (t) {
	case T_INT:
		return "a number";
	case T_BOOL:
		return "0 or 1";
	case T_STR:
		return "a \"string\"";
	default:
		return "a [ \"list\", \"of strings\" ]";
	}
}

/* Checks that make sense with a line number: listen addresses, log level. */
static int
check_value(Lexer *lx, const Key *k, char *s, char **list)
{
	if (g_str_equal(k->key, "listen"))
		for (char **a = list; *a; a++)
			if (!g_str_has_prefix(*a, "unix:") && !g_str_has_prefix(*a, "unix-ro:") &&
			    !g_str_has_prefix(*a, "tcp:") && !g_str_has_prefix(*a, "tls:"))
				return fail(lx, "listen address '%s' must be unix:PATH, unix-ro:PATH, "
					    "tcp:HOST:PORT or tls:HOST:PORT", *a);
	if (g_str_equal(k->key, "log_level") && !g_str_equal(s, "info") && !g_str_equal(s, "debug"))
		return fail(lx, "log_level must be \"info\" or \"debug\", not \"%s\"", s);
	if (k->type == T_STR && !*s && !g_str_equal(k->key, "log_file"))
		return fail(lx, "%s must not be empty", k->key);
	return 0;
}

static int
parse_value(Lexer *lx, HvdConf *c, const Key *k)
{
	char *field = (char *)c + k->off;
	int64_t n;

	if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == '#')
		return fail(lx, "%s has no value (expected %s)", k->key, type_name(k->type));
	if (*lx->p == '[') {
		g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
		char **list;

		if (k->type != T_LIST)
			return fail(lx, "%s must be %s, not a list", k->key, type_name(k->type));
		if (lex_list(lx, items) < 0)
			return -EINVAL;
		g_ptr_array_add(items, NULL);
		list = (char **)g_ptr_array_steal(items, NULL);
		if (check_value(lx, k, NULL, list) < 0) {
			g_strfreev(list);
			return -EINVAL;
		}
		*(char ***)field = list;
		return 0;
	}
	if (*lx->p == '"' || *lx->p == '\'') {
		char *s = NULL;

		if (k->type != T_STR)
			return fail(lx, "%s must be %s, not a string", k->key, type_name(k->type));
		if (lex_string(lx, &s) < 0)
			return -EINVAL;
		if (check_value(lx, k, s, NULL) < 0) {
			g_free(s);
			return -EINVAL;
		}
		*(char **)field = s;
		return 0;
	}
	if (k->type != T_INT && k->type != T_BOOL)
		return fail(lx, "%s must be %s", k->key, type_name(k->type));
	if (lex_int(lx, &n) < 0)
		return -EINVAL;
	if (n < k->min || n > k->max)
		return fail(lx, "%s must be %s from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
			    ", not %" G_GINT64_FORMAT, k->key, type_name(T_INT), k->min, k->max, n);
	if (k->type == T_BOOL)
		*(int *)field = (int)n;
	else
		*(int64_t *)field = n;
	return 0;
}

int
hvd_conf_parse(HvdConf *c, const char *file, const char *text, size_t len, GError **err)
{
	Lexer lx = { .file = file, .p = text, .end = text + len, .line = 1, .err = err };
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	if (memchr(text, '\0', len))
		return fail(&lx, "the file holds a NUL byte");
	for (;;) {
		const char *start;
		g_autofree char *name = NULL;
		const Key *k = NULL;
		unsigned first;

		skip_ws(&lx, true);
		if (lx.p >= lx.end)
			return 0;
		start = lx.p;
		while (lx.p < lx.end && (g_ascii_isalnum(*lx.p) || *lx.p == '_'))
			lx.p++;
		if (lx.p == start)
			return fail(&lx, "expected a setting name, found '%c'", *lx.p);
		name = g_strndup(start, (gsize)(lx.p - start));
		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
			if (g_str_equal(keys[i].key, name))
				k = &keys[i];
		if (!k)
			return fail(&lx, "unknown setting '%s'", name);
		first = GPOINTER_TO_UINT(g_hash_table_lookup(seen, k->key));
		if (first)
			return fail(&lx, "%s is set twice (first on line %u)", name, first);
		g_hash_table_insert(seen, (gpointer)k->key, GUINT_TO_POINTER(lx.line));
		skip_ws(&lx, false);
		if (lx.p >= lx.end || *lx.p != '=')
			return fail(&lx, "expected '=' after %s", name);
		lx.p++;
		skip_ws(&lx, false);
		if (parse_value(&lx, c, k) < 0)
			return -EINVAL;
		skip_ws(&lx, false);
		if (lx.p < lx.end && *lx.p != '\n')
			return fail(&lx, "unexpected text after the value of %s", name);
	}
}

int
hvd_conf_load(HvdConf *c, const char *path, GError **err)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, &e)) {
		int code = e->code == G_FILE_ERROR_NOENT ? ENOENT : EIO;

		return hv_error_set(err, code, "cannot read the config file: %s", e->message);
	}
	if (len > CONF_MAX_SIZE)
		return hv_error_set(err, EFBIG, "%s: the config file is larger than %u bytes", path,
				    CONF_MAX_SIZE);
	return hvd_conf_parse(c, path, text, len, err);
}
