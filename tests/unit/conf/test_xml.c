/* test_xml.c: unit tests for conf/xml.c and conf/xml_format.c: hostile input
 * (DTDs, entities, size, depth, garbage) and the libvirt-style formatter. */
#include "conf/xml.h"
#include <string.h>

static void
expect_fail(const char *xml, int code, const char *needle)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, strlen(xml), "test", &err);

	g_assert_null(doc);
	g_assert_nonnull(err);
	g_assert_cmpint(err->code, ==, code);
	if (needle && !strstr(err->message, needle))
		g_error("message '%s' lacks '%s'", err->message, needle);
}

static void
test_refuse_dtd(void)
{
	expect_fail("<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", EINVAL,
		    "DTDs and entities are not allowed");
	expect_fail("<!DOCTYPE x SYSTEM 'http://example.com/x.dtd'><x/>", EINVAL,
		    "DTDs and entities are not allowed");
	expect_fail("<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", EINVAL,
		    "DTDs and entities are not allowed");
	expect_fail("<x>&undefined;</x>", EINVAL, "line 1:");
}

static void
test_limits(void)
{
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autofree char *big = g_malloc(HV_XML_MAX_SIZE + 2);
	g_autoptr(GError) err = NULL;

	for (int i = 0; i < HV_XML_MAX_DEPTH + 5; i++)
		g_string_append(deep, "<a>");
	for (int i = 0; i < HV_XML_MAX_DEPTH + 5; i++)
		g_string_append(deep, "</a>");
	expect_fail(deep->str, EINVAL, "deeper");
	memset(big, ' ', HV_XML_MAX_SIZE + 1);
	g_assert_null(hv_xml_parse(big, HV_XML_MAX_SIZE + 1, "test", &err));
	g_assert_cmpint(err->code, ==, EFBIG);
	expect_fail("", EINVAL, NULL);
	expect_fail("<a>\n<b>\n</a>", EINVAL, "line 3:");
	expect_fail("garbage", EINVAL, "line 1:");
}

static void
test_predefined_entities_ok(void)
{
	const char *xml = "<a x=\"it's &amp; &lt;\">a &gt; b &#65;</a>";
	g_autoptr(GError) err = NULL;
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, strlen(xml), "test", &err);
	g_autofree char *out = NULL;

	g_assert_no_error(err);
	out = hv_xml_format(xmlDocGetRootElement(doc));
	g_assert_cmpstr(out, ==, "<a x='it&apos;s &amp; &lt;'>a &gt; b A</a>\n");
}

static void
test_format(void)
{
	const char *xml =
		"<domain type=\"kvm\" xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\">\n"
		"    <name>x</name><!-- note -->\n"
		"  <empty></empty><e2>  </e2>\n"
		"  <metadata><app:foo xmlns:app=\"http://app/1\" a=\"1\"><app:bar/></app:foo></metadata>\n"
		"  <qemu:commandline><qemu:arg value='-x'/></qemu:commandline>\n"
		"</domain>";
	const char *want =
		"<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
		"  <name>x</name>\n"
		"  <!-- note -->\n"
		"  <empty/>\n"
		"  <e2>  </e2>\n"
		"  <metadata>\n"
		"    <app:foo xmlns:app='http://app/1' a='1'>\n"
		"      <app:bar/>\n"
		"    </app:foo>\n"
		"  </metadata>\n"
		"  <qemu:commandline>\n"
		"    <qemu:arg value='-x'/>\n"
		"  </qemu:commandline>\n"
		"</domain>\n";
	g_autoptr(GError) err = NULL;
	g_autoptr(xmlDoc) doc = hv_xml_parse(xml, strlen(xml), "test", &err);
	g_autofree char *out = NULL;

	g_assert_no_error(err);
	out = hv_xml_format(xmlDocGetRootElement(doc));
	g_assert_cmpstr(out, ==, want);
}

static gpointer
parse_many(gpointer data)
{
	for (int i = 0; i < 200; i++) {
		g_autoptr(GError) err = NULL;
		g_autoptr(xmlDoc) bad = hv_xml_parse("<a><b></a>", 10, "t", &err);
		g_autoptr(xmlDoc) good = hv_xml_parse("<a><b/></a>", 11, "t", NULL);

		g_assert_null(bad);
		g_assert_nonnull(err);
		g_assert_nonnull(good);
	}
	return NULL;
}

static void
test_threads(void)
{
	GThread *t[8];

	for (int i = 0; i < 8; i++)
		t[i] = g_thread_new("p", parse_many, NULL);
	for (int i = 0; i < 8; i++)
		g_thread_join(t[i]);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/xml/refuse-dtd", test_refuse_dtd);
	g_test_add_func("/conf/xml/limits", test_limits);
	g_test_add_func("/conf/xml/predefined-entities", test_predefined_entities_ok);
	g_test_add_func("/conf/xml/format", test_format);
	g_test_add_func("/conf/xml/threads", test_threads);
	return g_test_run();
}
