/* conf_util.c: element lookup, units, UUIDs, names and paths for conf/ (see
 * conf_util.h). Sizes follow libvirt's virScaleInteger: a unit is a power
 * letter (k m g t p e) optionally followed by "iB" (1024) or "B" (1000). */
#include "conf/conf_util.h"
#include <string.h>
#include <stdlib.h>
#include <errno.h>

xmlNode *
hv_xml_child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

xmlNode *
hv_xml_next_named(xmlNode *n)
{
	for (xmlNode *c = n->next; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns && xmlStrEqual(c->name, n->name))
			return c;
	return NULL;
}

char *
hv_xml_prop(xmlNode *n, const char *name)
{
	xmlChar *v;
	char *r;

	if (!n)
		return NULL;
	v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	r = g_strdup((const char *)v);
	xmlFree(v);
	return r;
}

char *
hv_xml_text(xmlNode *n)
{
	xmlChar *v;
	char *r;

	if (!n)
		return NULL;
	v = xmlNodeGetContent(n);
	r = g_strdup(v ? (const char *)v : "");
	xmlFree(v);
	return r;
}

char *
hv_xml_child_text(xmlNode *n, const char *child)
{
	return hv_xml_text(hv_xml_child(n, child));
}

char *
hv_xml_child_prop(xmlNode *n, const char *child, const char *attr)
{
	return hv_xml_prop(hv_xml_child(n, child), attr);
}

xmlNode *
hv_xml_path(xmlNode *n, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (char **p = parts; n && *p; p++)
		n = hv_xml_child(n, *p);
	return n;
}

xmlNode *
hv_xml_path_ensure(xmlNode *n, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (char **p = parts; n && *p; p++) {
		xmlNode *c = hv_xml_child(n, *p);

		n = c ? c : xmlNewChild(n, NULL, (const xmlChar *)*p, NULL);
	}
	return n;
}

void
hv_xml_set_prop(xmlNode *n, const char *name, const char *value)
{
	if (value)
		xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)value);
	else
		xmlUnsetProp(n, (const xmlChar *)name);
}

void
hv_xml_set_num(xmlNode *n, const char *name, long value)
{
	char num[24];

	g_snprintf(num, sizeof(num), "%ld", value);
	hv_xml_set_prop(n, name, num);
}

void
hv_xml_set_text(xmlNode *n, const char *text)
{
	/* xmlNodeSetContent parses entity references; set a plain text child */
	while (n->children) {
		xmlNode *c = n->children;

		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
	if (text && *text)
		xmlAddChild(n, xmlNewText((const xmlChar *)text));
}

void
hv_xml_prop_to_front(xmlNode *n, const char *name)
{
	xmlAttr *a = xmlHasNsProp(n, (const xmlChar *)name, NULL);

	if (!a || a == n->properties)
		return;
	if (a->prev)
		a->prev->next = a->next;
	if (a->next)
		a->next->prev = a->prev;
	a->prev = NULL;
	a->next = n->properties;
	n->properties->prev = a;
	n->properties = a;
}

int
hv_conf_parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end = NULL;
	unsigned long long v;

	if (!s)
		return -EINVAL;
	while (g_ascii_isspace(*s))
		s++;
	if (!g_ascii_isdigit(*s))
		return -EINVAL;
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	while (g_ascii_isspace(*end))
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static const struct {
	char letter;
	unsigned power;
} scale_letters[] = {
	{ 'k', 1 }, { 'm', 2 }, { 'g', 3 }, { 't', 4 }, { 'p', 5 }, { 'e', 6 },
};

static int
unit_scale(const char *unit, uint64_t default_scale, uint64_t *scale)
{
	uint64_t base = 1024, s = 1;
	char c;

	if (!unit || !*unit) {
		*scale = default_scale;
		return 0;
	}
	if (!g_ascii_strcasecmp(unit, "b") || !g_ascii_strcasecmp(unit, "byte") ||
	    !g_ascii_strcasecmp(unit, "bytes")) {
		*scale = 1;
		return 0;
	}
	c = g_ascii_tolower(unit[0]);
	if (unit[1] == '\0' || !g_ascii_strcasecmp(unit + 1, "ib"))
		base = 1024;
	else if (!g_ascii_strcasecmp(unit + 1, "b"))
		base = 1000;
	else
		return -EINVAL;
	for (size_t i = 0; i < G_N_ELEMENTS(scale_letters); i++) {
		if (scale_letters[i].letter != c)
			continue;
		for (unsigned p = 0; p < scale_letters[i].power; p++)
			s *= base;
		*scale = s;
		return 0;
	}
	return -EINVAL;
}

int
hv_scaled_parse(const char *num, const char *unit, uint64_t default_scale, uint64_t *bytes,
		const char *what, GError **err)
{
	unsigned long long v;
	uint64_t scale;

	if (unit_scale(unit, default_scale, &scale) < 0)
		return hv_error_set(err, EINVAL, "invalid unit '%s' in <%s>", unit, what);
	if (hv_conf_parse_ull(num, G_MAXUINT64, &v) < 0)
		return hv_error_set(err, EINVAL, "invalid value '%s' in <%s>: expected a number",
				    num ? num : "", what);
	if (scale && v > G_MAXUINT64 / scale)
		return hv_error_set(err, EINVAL, "value '%s' %s in <%s> is too large", num,
				    unit ? unit : "", what);
	*bytes = v * scale;
	return 0;
}

int
hv_xml_scaled(xmlNode *el, uint64_t default_scale, uint64_t *bytes, const char *what,
	      GError **err)
{
	g_autofree char *num = NULL;
	g_autofree char *unit = NULL;

	if (!el)
		return 0;
	num = hv_xml_text(el);
	unit = hv_xml_prop(el, "unit");
	return hv_scaled_parse(num, unit, default_scale, bytes, what, err);
}

int
hv_uuid_normalise(const char *in, char out[37])
{
	char hex[33];
	size_t n = 0;
	const char *p = in;

	if (!in)
		return -EINVAL;
	while (g_ascii_isspace(*p))
		p++;
	for (; *p && !g_ascii_isspace(*p); p++) {
		if (*p == '-')
			continue;
		if (!g_ascii_isxdigit(*p) || n >= 32)
			return -EINVAL;
		hex[n++] = g_ascii_tolower(*p);
	}
	while (g_ascii_isspace(*p))
		p++;
	if (*p || n != 32)
		return -EINVAL;
	hex[32] = '\0';
	g_snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

void
hv_uuid_generate(char out[37])
{
	g_autofree char *u = g_uuid_string_random();

	g_strlcpy(out, u, 37);
}

int
hv_xml_uuid(xmlNode *root, char out[37], const char *what, GError **err)
{
	g_autofree char *u = hv_xml_child_text(root, "uuid");

	out[0] = '\0';
	if (!u)
		return 0;
	if (hv_uuid_normalise(u, out) < 0)
		return hv_error_set(err, EINVAL, "%s <uuid>: '%s' is not a valid UUID", what, u);
	return 0;
}

int
hv_conf_name_check(const char *name, const char *what, GError **err)
{
	g_autofree char *kind = g_strdup_printf("%s <name>:", what);

	return hv_name_check(kind, name, err);
}

int
hv_conf_take_name(xmlNode *root, const char *what, char **name, GError **err)
{
	*name = hv_xml_child_text(root, "name");
	if (*name)
		g_strstrip(*name);
	return hv_conf_name_check(*name, what, err);
}

xmlNode *
hv_conf_root(xmlDoc *doc, const char *element, GError **err)
{
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;

	if (!root || root->ns || strcmp((const char *)root->name, element) != 0) {
		hv_error_set(err, EINVAL, "line %d: expected a <%s> document, not <%s>",
			     root ? root->line : 1, element, root ? (const char *)root->name : "");
		return NULL;
	}
	return root;
}

xmlDoc *
hv_conf_format_copy(xmlDoc *kept, const char *uuid)
{
	xmlDoc *doc = xmlCopyDoc(kept, 1);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *el;

	if (!root || !uuid || !uuid[0])
		return doc;
	if (!(el = hv_xml_child(root, "uuid"))) {
		el = xmlNewDocNode(doc, NULL, (const xmlChar *)"uuid", NULL);
		xmlAddNextSibling(hv_xml_child(root, "name"), el);
	}
	hv_xml_set_text(el, uuid);
	return doc;
}

void
hv_uuid_ensure(char uuid[37])
{
	if (!uuid[0])
		hv_uuid_generate(uuid);
}

char *
hv_path_clean(const char *path)
{
	GString *out;

	if (!path)
		return NULL;
	out = g_string_sized_new(strlen(path));
	/* a leading "//" is valid POSIX and kept; "///" is "/" */
	if (path[0] == '/' && path[1] == '/' && path[2] != '/' && path[2]) {
		g_string_append(out, "//");
		path += 2;
	}
	for (const char *p = path; *p; p++) {
		if (*p == '/' && p[1] == '/')
			continue;
		g_string_append_c(out, *p);
	}
	if (out->len > 1 && out->str[out->len - 1] == '/')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

char *
hv_path_clean_text(const char *text)
{
	char *cur;

	if (!text)
		return NULL;
	cur = g_strstrip(g_strdup(text));
	for (;;) {
		char *next = g_strstrip(hv_path_clean(cur));

		if (!strcmp(next, cur)) {
			g_free(next);
			return cur;
		}
		g_free(cur);
		cur = next;
	}
}

int
hv_str_index(const char *const *table, const char *s)
{
	for (int i = 0; s && table[i]; i++)
		if (!strcmp(table[i], s))
			return i;
	return -1;
}

char *
hv_mac_normalise(const char *mac)
{
	unsigned b[6];
	char tail;

	if (!mac || sscanf(mac, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
			   &tail) != 6)
		return NULL;
	for (int i = 0; i < 6; i++)
		if (b[i] > 0xff)
			return NULL;
	return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}
