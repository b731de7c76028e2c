/* json.c: a recursive-descent JSON reader (RFC 8259, depth and size limited)
 * and a string escaper, for what peers and tools speak in JSON: QMP replies and
 * events (drivers/qemu), qemu-img's reports (drivers/storage). */
#include <string.h>
#include "util/json.h"
#include "util/error.h"

typedef struct {
	const char *start, *p, *end;
	int depth;
	GError **err;
} Reader;

static QJson *parse_value(Reader *r);

void
qjson_free(QJson *j)
{
	if (!j)
		return;
	g_free(j->s);
	if (j->keys)
		g_ptr_array_unref(j->keys);
	if (j->items)
		g_ptr_array_unref(j->items);
	g_free(j);
}

static QJson *
fail(Reader *r, const char *what)
{
	hv_error_set(r->err, EPROTO, "bad JSON from QEMU at byte %td: %s", r->p - r->start,
		     what);
	return NULL;
}

static void
skip_ws(Reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static QJson *
node_new(QJsonType t)
{
	QJson *j = g_new0(QJson, 1);

	j->type = t;
	return j;
}

static int
hex4(Reader *r, gunichar *out)
{
	gunichar v = 0;

	if (r->end - r->p < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int d = g_ascii_xdigit_value(r->p[k]);

		if (d < 0)
			return -1;
		v = v * 16 + (gunichar)d;
	}
	r->p += 4;
	*out = v;
	return 0;
}

static int
parse_escape(Reader *r, GString *s)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	gunichar u, lo;
	char buf[8];

	if (r->p >= r->end)
		return -1;
	if (*r->p != 'u') {
		if (!(k = strchr(from, *r->p)) || !*r->p)
			return -1;
		g_string_append_c(s, to[k - from]);
		r->p++;
		return 0;
	}
	r->p++;
	if (hex4(r, &u) < 0)
		return -1;
	if (u >= 0xd800 && u < 0xdc00) {
		if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
			return -1;
		r->p += 2;
		if (hex4(r, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return -1;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (u == 0)
		return -1; /* no NULs inside C strings */
	g_string_append_len(s, buf, g_unichar_to_utf8(u, buf));
	return 0;
}

static char *
parse_string(Reader *r)
{
	g_autoptr(GString) s = g_string_new(NULL);

	r->p++; /* the opening quote */
	while (r->p < r->end && *r->p != '"') {
		if ((unsigned char)*r->p < 0x20)
			return NULL;
		if (*r->p == '\\') {
			r->p++;
			if (parse_escape(r, s) < 0)
				return NULL;
			continue;
		}
		g_string_append_c(s, *r->p++);
	}
	if (r->p >= r->end)
		return NULL;
	r->p++;
	if (!g_utf8_validate(s->str, (gssize)s->len, NULL))
		return NULL;
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static QJson *
parse_number(Reader *r)
{
	char buf[64];
	size_t n = 0;
	char *end;
	QJson *j;

	while (r->p + n < r->end && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", r->p[n]))
		n++;
	memcpy(buf, r->p, n);
	buf[n] = '\0';
	j = node_new(QJ_NUM);
	j->num = g_ascii_strtod(buf, &end);
	if (n == 0 || *end) {
		qjson_free(j);
		return fail(r, "bad number");
	}
	j->i = (int64_t)g_ascii_strtoll(buf, &end, 10);
	if (*end)
		j->i = (int64_t)j->num;
	r->p += n;
	return j;
}

static QJson *
parse_container(Reader *r, bool obj)
{
	g_autoptr(QJson) j = node_new(obj ? QJ_OBJ : QJ_ARR);
	char close = obj ? '}' : ']';

	if (++r->depth > QJSON_MAX_DEPTH)
		return fail(r, "nested too deeply");
	j->items = g_ptr_array_new_with_free_func((GDestroyNotify)qjson_free);
	if (obj)
		j->keys = g_ptr_array_new_with_free_func(g_free);
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		r->depth--;
		return g_steal_pointer(&j);
	}
	for (;;) {
		QJson *v;

		skip_ws(r);
		if (obj) {
			char *k;

			if (r->p >= r->end || *r->p != '"' || !(k = parse_string(r)))
				return fail(r, "bad object key");
			g_ptr_array_add(j->keys, k);
			skip_ws(r);
			if (r->p >= r->end || *r->p++ != ':')
				return fail(r, "missing ':'");
		}
		if (!(v = parse_value(r)))
			return NULL;
		g_ptr_array_add(j->items, v);
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return g_steal_pointer(&j);
		}
		return fail(r, obj ? "missing ',' or '}'" : "missing ',' or ']'");
	}
}

static QJson *
parse_word(Reader *r, const char *word, QJsonType t, bool b)
{
	size_t n = strlen(word);
	QJson *j;

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r, "unexpected character");
	r->p += n;
	j = node_new(t);
	j->b = b;
	return j;
}

static QJson *
parse_value(Reader *r)
{
	QJson *j;
	char *s;

	skip_ws(r);
	if (r->p >= r->end)
		return fail(r, "unexpected end");
	switch (*r->p) {
	case '{':
		return parse_container(r, true);
	case '[':
		return parse_container(r, false);
	case '"':
		if (!(s = parse_string(r)))
			return fail(r, "bad string");
		j = node_new(QJ_STR);
		j->s = s;
		return j;
	case 't':
		return parse_word(r, "true", QJ_BOOL, true);
	case 'f':
		return parse_word(r, "false", QJ_BOOL, false);
	case 'n':
		return parse_word(r, "null", QJ_NULL, false);
	default:
		return parse_number(r);
	}
}

QJson *
qjson_parse(const char *text, size_t len, GError **err)
{
	Reader r = { .start = text, .p = text, .end = text + len, .err = err };
	g_autoptr(QJson) j = NULL;

	if (len > QJSON_MAX_LEN) {
		hv_error_set(err, EFBIG, "QMP message of %zu bytes is over the %u byte limit", len,
			     QJSON_MAX_LEN);
		return NULL;
	}
	if (!(j = parse_value(&r)))
		return NULL;
	skip_ws(&r);
	if (r.p != r.end)
		return fail(&r, "trailing characters");
	return g_steal_pointer(&j);
}

QJson *
qjson_get(const QJson *j, const char *key)
{
	if (!j || j->type != QJ_OBJ)
		return NULL;
	for (guint k = 0; k < j->keys->len; k++)
		if (strcmp(j->keys->pdata[k], key) == 0)
			return j->items->pdata[k];
	return NULL;
}

const char *
qjson_get_str(const QJson *j, const char *key)
{
	QJson *v = qjson_get(j, key);

	return v && v->type == QJ_STR ? v->s : NULL;
}

bool
qjson_get_int(const QJson *j, const char *key, int64_t *out)
{
	QJson *v = qjson_get(j, key);

	if (!v || v->type != QJ_NUM)
		return false;
	*out = v->i;
	return true;
}

bool
qjson_get_bool(const QJson *j, const char *key, bool dflt)
{
	QJson *v = qjson_get(j, key);

	return v && v->type == QJ_BOOL ? v->b : dflt;
}

void
qjson_append_str(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if (*p < 0x20)
			g_string_append_printf(out, "\\u%04x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	g_string_append_c(out, '"');
}
