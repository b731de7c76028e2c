/* domain_values.c: the value checks of libvirt's domain parser (domain_conf.c
 * at v4.0.0) that the rule tables can't express because they read numbers,
 * dates or UUIDs: the boot menu timeout, the BIOS date and system UUID of
 * <sysinfo>, a device's boot loadparm, controllers of one type sharing an
 * index, two panics of one model, a second primary video, an alias used
 * twice. One function each,
 * run in libvirt's parse order. */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include <stdlib.h>
#include <string.h>

#define FAIL(...) hv_error_set(err, EINVAL, __VA_ARGS__)

/* virDomainDefParseBootXML: a boot menu's timeout (read only when it is
 * enabled) is 0-65535 */
static int
check_bootmenu(xmlNode *root, GError **err)
{
	xmlNode *bm = hv_xml_path(root, "os/bootmenu");
	g_autofree char *enable = hv_xml_prop(bm, "enable");
	g_autofree char *t = hv_xml_prop(bm, "timeout");
	char *end = NULL;
	unsigned long long v;

	if (!t || g_strcmp0(enable, "yes"))
		return 0;
	v = g_ascii_strtoull(t, &end, 0);
	if (!*t || *end || *t == '-' || v > 65535)
		return FAIL("line %d: domain <bootmenu>: invalid value for boot menu timeout, must be in range [0,65535]",
			    bm->line);
	return 0;
}

static char *
sysinfo_entry(xmlNode *block, const char *name)
{
	for (xmlNode *e = hv_xml_child(block, "entry"); e; e = hv_xml_next_named(e)) {
		g_autofree char *n = hv_xml_prop(e, "name");

		if (!g_strcmp0(n, name)) {
			char *text = hv_xml_text(e);

			return text ? g_strstrip(text) : g_strdup("");
		}
	}
	return NULL;
}

/* virSysinfoBIOSParseXML: mm/dd/yy or mm/dd/yyyy (from 1900) */
static bool
bios_date_ok(const char *d)
{
	char *p = NULL;
	long month = strtol(d, &p, 10), day, year;

	if (p == d || *p != '/')
		return false;
	day = strtol(d = p + 1, &p, 10);
	if (p == d || *p != '/')
		return false;
	year = strtol(d = p + 1, &p, 10);
	if (p == d || *p)
		return false;
	return month >= 1 && month <= 12 && day >= 1 && day <= 31 && year >= 0 &&
	       (year < 100 || year >= 1900);
}

/* the 16 bytes of a UUID as virUUIDParse reads it (hex digits, dashes
 * anywhere between them), false when it isn't one */
static bool
uuid_bytes(const char *s, guint8 out[16])
{
	unsigned n = 0;

	for (; *s && g_ascii_isspace(*s); s++)
		;
	for (; *s && n < 32; s++) {
		if (*s == '-')
			continue;
		if (!g_ascii_isxdigit(*s))
			return false;
		if (n % 2 == 0)
			out[n / 2] = (guint8)(g_ascii_xdigit_value(*s) << 4);
		else
			out[n / 2] |= (guint8)g_ascii_xdigit_value(*s);
		n++;
	}
	for (; *s && g_ascii_isspace(*s); s++)
		;
	return n == 32 && !*s;
}

/* virSysinfoBIOSParseXML, virSysinfoSystemParseXML: the BIOS date's format
 * and a system UUID equal to the domain's */
static int
check_sysinfo(xmlNode *root, GError **err)
{
	xmlNode *si = hv_xml_child(root, "sysinfo");
	g_autofree char *date = sysinfo_entry(hv_xml_child(si, "bios"), "date");
	g_autofree char *suuid = sysinfo_entry(hv_xml_child(si, "system"), "uuid");
	g_autofree char *duuid = hv_xml_child_text(root, "uuid");
	guint8 a[16], b[16];

	if (date && !bios_date_ok(date))
		return FAIL("line %d: domain <sysinfo>: Invalid BIOS 'date' format", si->line);
	if (suuid && duuid && uuid_bytes(suuid, a) && uuid_bytes(duuid, b) && memcmp(a, b, 16))
		return FAIL("line %d: domain <sysinfo>: UUID mismatch between <uuid> and <sysinfo>", si->line);
	return 0;
}

/* virDomainDeviceBootParseXML, virDomainDeviceLoadparmIsValid: a loadparm
 * is upper-cased, then 1-8 of A-Z, 0-9, '.' and ' ' */
static int
check_loadparm(xmlNode *root, GError **err)
{
	xmlNode *devs = hv_xml_child(root, "devices");

	for (xmlNode *d = devs ? devs->children : NULL; d; d = d->next) {
		xmlNode *boot = d->type == XML_ELEMENT_NODE ? hv_xml_child(d, "boot") : NULL;
		g_autofree char *lp = hv_xml_prop(boot, "loadparm");

		if (!lp)
			continue;
		if (!*lp)
			return FAIL("line %d: domain <boot>: loadparm cannot be an empty string", boot->line);
		if (strlen(lp) > 8)
			return FAIL("line %d: domain <boot>: loadparm '%s' exceeds 8 characters", boot->line, lp);
		for (const char *c = lp; *c; c++)
			if (!g_ascii_isalnum(*c) && *c != '.' && *c != ' ')
				return FAIL("line %d: domain <boot>: invalid loadparm char '%c', expecting chars in set of [a-zA-Z0-9.] and blank spaces",
					    boot->line, *c);
	}
	return 0;
}

/* virDomainDefRejectDuplicateControllers: one controller of a type per
 * index (USB controllers aside: a USB2 group shares one) */
static int
check_duplicate_controllers(xmlNode *root, GError **err)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (xmlNode *c = hv_xml_child(hv_xml_child(root, "devices"), "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");
		g_autofree char *idx = hv_xml_prop(c, "index");
		char *end = NULL;
		long n = idx ? strtol(idx, &end, 10) : -1;

		if (!type || !strcmp(type, "usb") || !idx || *end || n < 0)
			continue;
		if (!g_hash_table_add(seen, g_strdup_printf("%s/%ld", type, n)))
			return FAIL("line %d: domain <controller>: Multiple '%s' controllers with index '%ld'", c->line,
				    type, n);
	}
	return 0;
}

/* virDomainDefRejectDuplicatePanics: one panic device per model (no
 * model= is the default model; after a driver's post-parse, its default:
 * domain_shape.c runs it again for the qemu driver) */
int
hv_domain_check_panics(xmlNode *root, GError **err)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (xmlNode *p = hv_xml_child(hv_xml_child(root, "devices"), "panic"); p; p = hv_xml_next_named(p)) {
		g_autofree char *model = hv_xml_prop(p, "model");

		if (!g_hash_table_add(seen, g_strdup(model ? model : "default")))
			return FAIL("line %d: domain <panic>: Multiple panic devices with model '%s'", p->line,
				    model ? model : "default");
	}
	return 0;
}

/* virDomainDefParseXML: "Only one primary video device is supported" */
static int
check_primary_video(xmlNode *root, GError **err)
{
	bool seen = false;

	for (xmlNode *v = hv_xml_child(hv_xml_child(root, "devices"), "video"); v; v = hv_xml_next_named(v)) {
		g_autofree char *p = hv_xml_child_prop(v, "model", "primary");

		if (g_strcmp0(p, "yes"))
			continue;
		if (seen)
			return FAIL("line %d: domain <video>: Only one primary video device is supported", v->line);
		seen = true;
	}
	return 0;
}

/* virDomainDefValidateAliases: device aliases are unique, but for the
 * first console that is the first serial port's compat copy (the same
 * alias, virDomainDeviceDefValidateAliasesIterator) */
static int
check_aliases(xmlNode *root, GError **err)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	xmlNode *devs = hv_xml_child(root, "devices");
	xmlNode *console0 = hv_xml_child(devs, "console");
	g_autofree char *serial0 = hv_xml_child_prop(hv_xml_child(devs, "serial"), "alias", "name");
	g_autofree char *ctype = hv_xml_child_prop(console0, "target", "type");

	for (xmlNode *d = devs ? devs->children : NULL; d; d = d->next) {
		g_autofree char *alias = d->type == XML_ELEMENT_NODE ? hv_xml_child_prop(d, "alias", "name") : NULL;

		if (!alias || (d == console0 && (!ctype || !strcmp(ctype, "serial")) &&
			       !g_strcmp0(alias, serial0)))
			continue;
		if (!g_hash_table_add(seen, g_strdup(alias)))
			return FAIL("line %d: domain <%s>: non unique alias detected: %s", d->line,
				    (const char *)d->name, alias);
	}
	return 0;
}

int
hv_domain_check_values(const HvDomainDef *def, xmlNode *root, GError **err)
{
	(void)def;
	if (check_bootmenu(root, err) < 0 || check_sysinfo(root, err) < 0 || check_loadparm(root, err) < 0 ||
	    check_duplicate_controllers(root, err) < 0 || hv_domain_check_panics(root, err) < 0 ||
	    check_primary_video(root, err) < 0 ||
	    check_aliases(root, err) < 0 || hv_domain_check_lists(root, err) < 0)
		return -EINVAL;
	return 0;
}
