/* test_parse.c: the strict control-file parsers (util/parse.c) and name checks
 * (util/names.c), table-driven: each row is an input and what must come out. */
#include <glib.h>
#include "util/names.h"
#include "util/parse.h"

static const struct {
	const char *in;
	int r;
	uint64_t kib;
} kib_rows[] = {
	{ "2048", 0, 2048 },	      { "2048K", 0, 2048 },	 { "512M", 0, 524288 },
	{ "4G", 0, 4194304 },	      { "4GiB", 0, 4194304 },	 { "4 GiB", 0, 4194304 },
	{ "1T", 0, 1073741824 },      { "1tib", 0, 1073741824 }, { "1024b", 0, 1 },
	{ "", -EINVAL, 0 },	      { "-1", -EINVAL, 0 },	 { "+1", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },	      { "1Q", -EINVAL, 0 },	 { "0x10", -EINVAL, 0 },
	{ " 1G", -EINVAL, 0 },	      { "1G 2G", -EINVAL, 0 },	 { "G", -EINVAL, 0 },
	{ "1000b", -EINVAL, 0 },      { "99999999999999999999", -ERANGE, 0 },
	{ "99999999999T", -ERANGE, 0 },
};

static void
test_kib(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kib_rows); i++) {
		g_autoptr(GError) err = NULL;
		uint64_t v = 0;
		int r = hv_parse_kib(kib_rows[i].in, &v, &err);

		g_test_message("'%s'", kib_rows[i].in);
		g_assert_cmpint(r, ==, kib_rows[i].r);
		if (r == 0)
			g_assert_cmpuint(v, ==, kib_rows[i].kib);
		else
			g_assert_nonnull(err);
	}
}

static void
test_uint_bool_token(void)
{
	g_autoptr(GError) e1 = NULL;
	unsigned u;
	bool b;
	char *t;

	g_assert_cmpint(hv_parse_uint("4", 1, 8, &u, NULL), ==, 0);
	g_assert_cmpuint(u, ==, 4);
	g_assert_cmpint(hv_parse_uint("0", 1, 8, &u, NULL), ==, -ERANGE);
	g_assert_cmpint(hv_parse_uint("9", 1, 8, &u, NULL), ==, -ERANGE);
	g_assert_cmpint(hv_parse_uint("4x", 1, 8, &u, NULL), ==, -EINVAL);
	g_assert_cmpint(hv_parse_uint("-1", 1, 8, &u, &e1), ==, -EINVAL);
	g_assert_cmpint(hv_parse_uint("99999999999", 1, 8, &u, NULL), ==, -ERANGE);
	for (const char *const *w = (const char *const[]){ "1", "yes", "ON", "true", NULL }; *w; w++) {
		g_assert_cmpint(hv_parse_bool(*w, &b, NULL), ==, 0);
		g_assert_true(b);
	}
	g_assert_cmpint(hv_parse_bool("2", &b, NULL), ==, -EINVAL);
	t = hv_parse_token("start\n", 6, NULL);
	g_assert_cmpstr(t, ==, "start");
	g_free(t);
	g_assert_null(hv_parse_token("\n", 1, NULL));
	g_assert_null(hv_parse_token("a\nb\n", 4, NULL));
	g_assert_null(hv_parse_token("a\0b", 3, NULL));
}

static void
test_names(void)
{
	static const char *const bad[] = { "", ".", "..", ".hidden", "a/b", "a\nb", NULL };

	g_assert_cmpint(hv_name_check("domain", "web1", NULL), ==, 0);
	g_assert_cmpint(hv_name_check("domain", "web 1:x", NULL), ==, 0);
	for (const char *const *n = bad; *n; n++)
		g_assert_cmpint(hv_name_check("domain", *n, NULL), ==, -EINVAL);
	{
		g_autofree char *longname = g_strnfill(256, 'a');

		g_assert_cmpint(hv_name_check("domain", longname, NULL), ==, -EINVAL);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/parse/kib", test_kib);
	g_test_add_func("/parse/uint-bool-token", test_uint_bool_token);
	g_test_add_func("/names/check", test_names);
	return g_test_run();
}
