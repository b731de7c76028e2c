/* rules.c: the engine behind the rule tables (rules.h): finds the elements a
 * row's path names, checks its condition and applies its operation. Formatters
 * call it on a copy of the kept document, so input is never changed. */
#include "conf/rules.h"
#include "conf/conf_util.h"
#include "conf/normalise.h"
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* Whether v is one of the '|'-separated set of n bytes (an empty member
 * matches ""); no allocation: it runs for every element a rule looks at. */
static bool
in_set_n(const char *v, const char *set, size_t n)
{
	size_t vlen = strlen(v);
	const char *end = set + n;

	for (const char *p = set;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t len = (size_t)((bar ? bar : end) - p);

		if (len == vlen && !strncmp(p, v, len))
			return true;
		if (!bar)
			return false;
		p = bar + 1;
	}
}

static bool
in_set(const char *v, const char *set)
{
	return in_set_n(v, set, strlen(set));
}

/* Whether c is an element called name (n bytes): '*' is any, 'a|b' either. */
static bool
is_el_n(const xmlNode *c, const char *name, size_t n)
{
	return c->type == XML_ELEMENT_NODE && !c->ns &&
	       ((n == 1 && *name == '*') || in_set_n((const char *)c->name, name, n));
}

static bool
is_el(const xmlNode *c, const char *name)
{
	return is_el_n(c, name, strlen(name));
}

/* A rule's path, read in place: the length of the segment at p, and the
 * segment after it (NULL after the last). */
static size_t
seg_len(const char *p)
{
	const char *slash = strchr(p, '/');

	return slash ? (size_t)(slash - p) : strlen(p);
}

static const char *
seg_next(const char *p)
{
	const char *slash = strchr(p, '/');

	return slash ? slash + 1 : NULL;
}

/* A PCI address's fields: virPCIDeviceAddressParseXML reads each in any C
 * base, virPCIDeviceAddressFormat writes 0x%.4x, 0x%.2x, 0x%.2x and 0x%x. */
static const struct {
	const char *name, *style, *zero;
} pci_fields[] = {
	{ "domain", "0:x4", "0x0000" },
	{ "bus", "0:x2", "0x00" },
	{ "slot", "0:x2", "0x00" },
	{ "function", "0:x1", "0x0" },
};

/* Whether v begins with one of the '|'-separated prefixes. */
static bool
has_prefix(const char *v, const char *set)
{
	g_auto(GStrv) parts = g_strsplit(set, "|", -1);

	for (size_t i = 0; parts[i]; i++)
		if (*parts[i] && g_str_has_prefix(v, parts[i]))
			return true;
	return false;
}

static xmlNode *
root_of(xmlNode *el)
{
	while (el->parent && el->parent->type == XML_ELEMENT_NODE)
		el = el->parent;
	return el;
}

static xmlNode *
term_target(xmlNode *el, const char **t)
{
	const char *s = *t;

	if (*s == '^') {
		size_t n;

		while (*s == '^') {
			el = el && el->parent && el->parent->type == XML_ELEMENT_NODE ? el->parent : NULL;
			s++;
		}
		/* ^A/B: the element at that path of first children under the
		 * ancestor (a sibling: ^driver) */
		n = strcspn(s, "@+-#");
		if (n && el) {
			g_autofree char *path = g_strndup(s, n);

			el = hv_xml_path(el, path);
		}
		*t = s + n;
		return el;
	}
	if (g_ascii_isalpha(*s)) { /* A/B: the element at that path under this one */
		size_t n = strcspn(s, "@+-#");
		g_autofree char *path = g_strndup(s, n);

		*t = s + n;
		return hv_xml_path(el, path);
	}
	if (*s == '/') { /* the root, or the element at a path of names under it */
		size_t n = strcspn(s + 1, "@+-#");
		g_autofree char *path = g_strndup(s + 1, n);

		*t = s + 1 + n;
		return n ? hv_xml_path(root_of(el), path) : root_of(el);
	}
	return el;
}

static bool
term_holds(xmlNode *el, const char *term)
{
	xmlNode *t = term_target(el, &term);

	if (term[0] == '+' && term[1] == '+') /* ++CHILD: two or more of them */
		return t && hv_xml_count(t, term + 2) >= 2;
	if (*term == '+' || *term == '-')
		return (t && hv_xml_child(t, term + 1)) == (*term == '+');
	if (*term == '#') { /* #=V1|V2 (#!=V1|V2): the element's text, without surrounding blanks */
		g_autofree char *text = t ? hv_xml_text(t) : NULL;
		bool neg = term[1] == '!';

		return term[1 + neg] == '=' && in_set(text ? g_strstrip(text) : "", term + 2 + neg) != neg;
	}
	if (*term == '@') {
		const char *eq = strchr(term, '=');
		/* @ATTR^=P1|P2: the value begins with one of them */
		bool prefix = eq && eq > term + 1 && eq[-1] == '^';
		const char *op = prefix ? eq - 1 : eq;
		bool neg = op && op > term && op[-1] == '!';
		g_autofree char *attr = g_strndup(term + 1, op ? (size_t)(op - term - 1 - neg) : 0);
		g_autofree char *v = t ? hv_xml_prop(t, attr) : NULL;

		if (!eq)
			return false;
		if (prefix)
			return has_prefix(v ? v : "", eq + 1) != neg;
		return in_set(v ? v : "", eq + 1) != neg;
	}
	return false;
}

bool
hv_rule_when(xmlNode *el, const char *when)
{
	g_auto(GStrv) terms = NULL;

	if (!when || !*when)
		return true;
	terms = g_strsplit(when, " ", -1);
	for (size_t i = 0; terms[i]; i++)
		if (*terms[i] && !term_holds(el, terms[i]))
			return false;
	return true;
}

/* While hv_xml_apply_rules runs, dropped nodes are only unlinked and freed at
 * its end: an element collected for a rule may sit under one that an earlier
 * element's row dropped (found by fuzz/fuzz_network.c). */
static __thread GPtrArray *dropped;

static void
drop(xmlNode *n)
{
	xmlUnlinkNode(n);
	if (dropped)
		g_ptr_array_add(dropped, n);
	else
		xmlFreeNode(n);
}

static void
canon_ip(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	unsigned char bin[16];
	char out[INET6_ADDRSTRLEN];
	int af = v && strchr(v, ':') ? AF_INET6 : AF_INET;

	if (v && inet_pton(af, v, bin) == 1 && inet_ntop(af, bin, out, sizeof(out)))
		hv_xml_set_prop(el, attr, out);
}

static void
canon_uint(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	unsigned long long n;
	char out[24];

	if (v && hv_conf_parse_ull(v, G_MAXUINT64, &n) == 0) {
		g_snprintf(out, sizeof(out), "%llu", n);
		hv_xml_set_prop(el, attr, out);
	}
}

/* A number as virStrToLong_uip/ull reads it in base spec[0..':'] and as the
 * formatter's printf writes it (the style after ':'). */
static void
canon_num(xmlNode *el, const char *attr, const char *spec)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	const char *style = strchr(spec, ':');
	unsigned int base = (unsigned int)g_ascii_strtoull(spec, NULL, 10);
	char *end = NULL;
	unsigned long long n;
	char out[40];
	int width;

	if (!v || !style || !*v || g_ascii_isspace(*v) || *v == '-' || *v == '+')
		return;
	errno = 0;
	n = g_ascii_strtoull(v, &end, base);
	if (errno || *end || end == v)
		return;
	style++;
	if (*style == 'd') {
		g_snprintf(out, sizeof(out), "%llu", n);
	} else {
		width = style[1] ? (int)(style[1] - '0') : 1;
		g_snprintf(out, sizeof(out), *style == 'X' ? "0x%0*llX" : "0x%0*llx", width, n);
	}
	hv_xml_set_prop(el, attr, out);
}

/* virDomainRedirFilterUSBVersionHelper: JJ.M is JJ.M0, each part below 100;
 * virDomainRedirFilterDefFormat writes %d.%02d. */
static void
canon_usb_version(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	char *dot, *end = NULL;
	unsigned long major, minor;
	char out[16];

	if (!v || !g_ascii_isdigit(*v) || !(dot = strchr(v, '.')) || !g_ascii_isdigit(dot[1]))
		return;
	major = strtoul(v, &end, 10);
	if (end != dot)
		return;
	minor = strtoul(dot + 1, &end, 10);
	if (*end || major >= 100 || minor >= 100)
		return;
	if (strlen(dot + 1) == 1)
		minor *= 10;
	g_snprintf(out, sizeof(out), "%lu.%02lu", major, minor);
	hv_xml_set_prop(el, attr, out);
}

/* virDomainParseScaledValue with scale 1024: bytes rounded up to KiB; the
 * unit is in unit= unless unit_attr names another attribute. */
static void
canon_kib(xmlNode *el, const char *attr, const char *unit_attr)
{
	const char *ua = unit_attr ? unit_attr : "unit";
	g_autofree char *v = attr ? hv_xml_prop(el, attr) : hv_xml_text(el);
	g_autofree char *unit = hv_xml_prop(el, ua);
	uint64_t bytes;
	char out[24];

	if (!v || hv_scaled_parse(g_strstrip(v), unit, 1024, &bytes, "size", NULL) < 0)
		return;
	g_snprintf(out, sizeof(out), "%" G_GUINT64_FORMAT, bytes / 1024 + (bytes % 1024 ? 1 : 0));
	if (attr)
		hv_xml_set_prop(el, attr, out);
	else
		hv_xml_set_text(el, out);
	hv_xml_set_prop(el, ua, "KiB");
}

/* VIR_ROUND_UP_POWER_OF_TWO on a decimal attribute */
static void
canon_pow2(xmlNode *el, const char *attr)
{
	g_autofree char *v = hv_xml_prop(el, attr);
	guint64 n = 0, p = 1;
	char num[24];

	if (!v || !g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT32, &n, NULL) || !n)
		return;
	while (p < n)
		p <<= 1;
	g_snprintf(num, sizeof(num), "%" G_GUINT64_FORMAT, p);
	hv_xml_set_prop(el, attr, num);
}

static void
add_text(xmlNode *el, const char *text)
{
	g_autofree char *t = hv_xml_text(el);

	if (!t || !*g_strstrip(t))
		hv_xml_set_text(el, text);
}

static bool
has_content(xmlNode *el)
{
	if (el->properties)
		return true;
	for (xmlNode *c = el->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE ||
		    (c->type == XML_TEXT_NODE && !xmlIsBlankNode(c)))
			return true;
	return false;
}

/* When only blanks are left in el, it closes itself (<el/>). */
static void
close_if_blank(xmlNode *el)
{
	for (xmlNode *c = el->children; c; c = c->next)
		if (c->type != XML_TEXT_NODE || !xmlIsBlankNode(c))
			return;
	while (el->children)
		drop(el->children);
}

static void
apply_child_ops(xmlNode *el, const HvXmlRule *r)
{
	xmlNode *c, *next;

	for (c = el->children; c; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (r->op == HV_RULE_DROP_CHILD && is_el(c, r->name))
			drop(c);
		else if (r->op == HV_RULE_KEEP_CHILDREN &&
			 (c->ns || !in_set((const char *)c->name, r->value)))
			drop(c);
	}
	close_if_blank(el);
}

static void
add_child(xmlNode *el, const HvXmlRule *r)
{
	xmlNode *c = hv_xml_child(el, r->name);
	const char *eq = r->value ? strchr(r->value, '=') : NULL;

	if (c)
		return;
	c = xmlNewChild(el, NULL, (const xmlChar *)r->name, NULL);
	if (r->value && *r->value == '#')
		hv_xml_set_text(c, r->value + 1);
	else if (eq) {
		g_autofree char *a = g_strndup(r->value, eq - r->value);

		hv_xml_set_prop(c, a, eq + 1);
	}
}

/* The attributes order lists ("a|b|c") first, in that order. */
static void
attr_order(xmlNode *el, const char *order)
{
	g_auto(GStrv) names = g_strsplit(order, "|", -1);

	for (int i = (int)g_strv_length(names) - 1; i >= 0; i--)
		hv_xml_prop_to_front(el, names[i]);
}

/* Applies r to el; returns false when el itself was removed. */
static bool
apply_one(xmlNode *el, const HvXmlRule *r)
{
	g_autofree char *v = NULL;

	switch (r->op) {
	case HV_RULE_DROP_ATTR:
		v = hv_xml_prop(el, r->name);
		if (v && (!r->value || in_set(v, r->value)))
			hv_xml_set_prop(el, r->name, NULL);
		break;
	case HV_RULE_ADD_ATTR:
		hv_xml_default_prop(el, r->name, r->value);
		break;
	case HV_RULE_SET_ATTR:
		hv_xml_set_prop(el, r->name, r->value);
		break;
	case HV_RULE_LOWER_ATTR:
		if ((v = hv_xml_prop(el, r->name))) {
			g_autofree char *low = g_ascii_strdown(v, -1);

			hv_xml_set_prop(el, r->name, low);
		}
		break;
	case HV_RULE_YESNO_ATTR:
		if ((v = hv_xml_prop(el, r->name)))
			hv_xml_set_prop(el, r->name, g_ascii_strcasecmp(v, "yes") ? "no" : "yes");
		break;
	case HV_RULE_IP_ATTR:
		canon_ip(el, r->name);
		break;
	case HV_RULE_KIB_TEXT:
		canon_kib(el, NULL, r->value);
		break;
	case HV_RULE_KIB_ATTR:
		canon_kib(el, r->name, r->value);
		break;
	case HV_RULE_UINT_ATTR:
		canon_uint(el, r->name);
		break;
	case HV_RULE_NUM_ATTR:
		canon_num(el, r->name, r->value);
		break;
	case HV_RULE_USBVER_ATTR:
		canon_usb_version(el, r->name);
		break;
	case HV_RULE_PCI_NUM:
	case HV_RULE_PCI_FULL:
		for (size_t i = 0; i < G_N_ELEMENTS(pci_fields); i++) {
			canon_num(el, pci_fields[i].name, pci_fields[i].style);
			if (r->op == HV_RULE_PCI_FULL)
				hv_xml_default_prop(el, pci_fields[i].name, pci_fields[i].zero);
		}
		if (r->op == HV_RULE_PCI_FULL)
			attr_order(el, r->value);
		break;
	case HV_RULE_POW2_ATTR:
		canon_pow2(el, r->name);
		break;
	case HV_RULE_ADD_TEXT:
		add_text(el, r->value);
		break;
	case HV_RULE_CHILD_ORDER: {
		g_auto(GStrv) names = g_strsplit(r->value, "|", -1);

		hv_xml_reorder(el, (const char *const *)names);
		break;
	}
	case HV_RULE_DROP_CHILD:
	case HV_RULE_KEEP_CHILDREN:
		apply_child_ops(el, r);
		break;
	case HV_RULE_ADD_CHILD:
		add_child(el, r);
		break;
	case HV_RULE_ATTR_ORDER:
		attr_order(el, r->value);
		break;
	case HV_RULE_DROP_EMPTY:
		if (has_content(el))
			break;
		/* fall through */
	case HV_RULE_DROP_SELF:
		if (el->parent && el->parent->type == XML_ELEMENT_NODE) {
			xmlNode *parent = el->parent;

			drop(el);
			close_if_blank(parent);
			return false;
		}
		break;
	}
	return true;
}

/* Collects the elements under el that match the path segments from seg on
 * (NULL: el itself). */
static void
collect(xmlNode *el, const char *seg, GPtrArray *out)
{
	size_t n;

	if (!seg) {
		g_ptr_array_add(out, el);
		return;
	}
	n = seg_len(seg);
	if (n == 2 && !strncmp(seg, "**", 2)) { /* any depth, this one included */
		collect(el, seg_next(seg), out);
		for (xmlNode *c = el->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE && !c->ns)
				collect(c, seg, out);
		return;
	}
	for (xmlNode *c = el->children; c; c = c->next)
		if (is_el_n(c, seg, n))
			collect(c, seg_next(seg), out);
}

/* The elements of the document at root that path names (its first segment
 * the root's name). */
static void
collect_path(xmlNode *root, const char *path, GPtrArray *out)
{
	if (root && *path && in_set_n((const char *)root->name, path, seg_len(path)))
		collect(root, seg_next(path), out);
}

/* Debug output (G_MESSAGES_DEBUG=hv-rules) naming each row that applied to an
 * element, for the rule-coverage test (tests/xml/test_rules.py). */
static bool
tracing(void)
{
	static gsize once;
	static bool on;

	if (g_once_init_enter(&once)) {
		const char *d = g_getenv("G_MESSAGES_DEBUG");

		on = d && (strstr(d, "hv-rules") || strstr(d, "all"));
		g_once_init_leave(&once, 1);
	}
	return on;
}

static void
trace_hit(xmlNode *el, const HvXmlRule *r)
{
	bool attr_op = r->op == HV_RULE_DROP_ATTR || r->op == HV_RULE_LOWER_ATTR ||
		       r->op == HV_RULE_YESNO_ATTR || r->op == HV_RULE_IP_ATTR ||
		       r->op == HV_RULE_UINT_ATTR || r->op == HV_RULE_KIB_ATTR ||
		       r->op == HV_RULE_NUM_ATTR || r->op == HV_RULE_USBVER_ATTR ||
		       r->op == HV_RULE_POW2_ATTR;

	if (!tracing() || (attr_op && !xmlHasProp(el, (const xmlChar *)r->name)))
		return;
	if (r->op == HV_RULE_DROP_CHILD && !hv_xml_child(el, r->name))
		return;
	g_log("hv-rules", G_LOG_LEVEL_DEBUG, "rule %s|%d|%s|%s|%s", r->path, (int)r->op,
	      r->name ? r->name : "", r->value ? r->value : "", r->when ? r->when : "");
}

void
hv_xml_apply_rules(xmlNode *root, const HvXmlRule *rules, size_t n)
{
	GPtrArray *outer = dropped;

	dropped = g_ptr_array_new_with_free_func((GDestroyNotify)xmlFreeNode);
	for (size_t i = 0; root && i < n; i++) {
		const HvXmlRule *r = &rules[i];
		g_autoptr(GPtrArray) els = g_ptr_array_new();

		collect_path(root, r->path, els);
		for (guint k = 0; k < els->len; k++)
			if (hv_rule_when(els->pdata[k], r->when)) {
				trace_hit(els->pdata[k], r);
				apply_one(els->pdata[k], r);
			}
	}
	g_ptr_array_unref(dropped);
	dropped = outer;
}

xmlNode *
hv_xml_check_hit(xmlNode *root, const HvXmlCheck *check)
{
	g_autoptr(GPtrArray) els = g_ptr_array_new();

	collect_path(root, check->path, els);
	for (guint k = 0; k < els->len; k++)
		if (hv_rule_when(els->pdata[k], check->when)) {
			g_log("hv-rules", G_LOG_LEVEL_DEBUG, "check %s|%s", check->path,
			      check->when ? check->when : "");
			return els->pdata[k];
		}
	return NULL;
}

int
hv_xml_run_checks(xmlNode *root, const HvXmlCheck *checks, size_t n, const char *what,
		  const char *name, GError **err)
{
	for (size_t i = 0; root && i < n; i++) {
		xmlNode *hit = hv_xml_check_hit(root, &checks[i]);

		if (hit)
			return hv_error_set(err, EINVAL, "line %d: %s '%s': %s", hit->line, what,
					    name ? name : "", checks[i].message);
	}
	return 0;
}
