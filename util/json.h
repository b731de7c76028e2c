/* json.h: a small JSON reader and writer (QMP messages, qemu-img reports). The
 * reader builds a tree with limits on depth and size (a peer controls both),
 * the writer escapes strings. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define QJSON_MAX_DEPTH 64
#define QJSON_MAX_LEN (4u << 20)

typedef enum { QJ_NULL, QJ_BOOL, QJ_NUM, QJ_STR, QJ_ARR, QJ_OBJ } QJsonType;

typedef struct QJson QJson;
struct QJson {
	QJsonType type;
	bool b;
	double num;
	int64_t i;     /* num, when it is integral */
	char *s;       /* QJ_STR */
	GPtrArray *keys;  /* QJ_OBJ: char* */
	GPtrArray *items; /* QJ_OBJ, QJ_ARR: QJson* */
};

QJson *qjson_parse(const char *text, size_t len, GError **err);
void qjson_free(QJson *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QJson, qjson_free)

/* Borrowed lookups; NULL when absent or j is not an object. */
QJson *qjson_get(const QJson *j, const char *key);
const char *qjson_get_str(const QJson *j, const char *key);
bool qjson_get_int(const QJson *j, const char *key, int64_t *out);
bool qjson_get_bool(const QJson *j, const char *key, bool dflt);

/* Appends s as a JSON string (quoted, escaped). */
void qjson_append_str(GString *out, const char *s);
