/* cpulist.c: CPU lists <-> CPU maps (cpulist.h), for the test driver's pins
 * and the tree's files that show or take them. */
#include <errno.h>
#include <string.h>
#include "util/cpulist.h"

static bool
bit(const uint8_t *map, size_t i)
{
	return map[i / 8] & (1u << (i % 8));
}

char *
hv_cpulist_format(const uint8_t *map, size_t len)
{
	GString *s = g_string_new(NULL);
	size_t bits = len * 8;

	for (size_t i = 0; i < bits; i++) {
		size_t j = i;

		if (!bit(map, i))
			continue;
		while (j + 1 < bits && bit(map, j + 1))
			j++;
		g_string_append_printf(s, "%s%zu", s->len ? "," : "", i);
		if (j > i)
			g_string_append_printf(s, "-%zu", j);
		i = j;
	}
	return g_string_free(s, FALSE);
}

int
hv_cpulist_parse(const char *s, uint8_t *map, size_t len, unsigned ncpus, GError **err)
{
	g_auto(GStrv) parts = g_strsplit(s ? s : "", ",", -1);
	unsigned max = MIN(ncpus, (unsigned)(len * 8));
	bool any = false;

	memset(map, 0, len);
	for (char **p = parts; *p; p++) {
		g_auto(GStrv) ab = g_strsplit(*p, "-", 3);
		guint64 a = 0, b = 0;

		if (!max || !ab[0] || (ab[1] && ab[2]) ||
		    !g_ascii_string_to_unsigned(ab[0], 10, 0, max - 1, &a, NULL) ||
		    (ab[1] && !g_ascii_string_to_unsigned(ab[1], 10, a, max - 1, &b, NULL)))
			return hv_error_set(err, EINVAL, "'%s' is not a list of CPUs from 0 to %u "
					    "(such as 0-2,5)", s ? s : "", max ? max - 1 : 0);
		if (!ab[1])
			b = a;
		for (guint64 i = a; i <= b; i++)
			map[i / 8] |= (uint8_t)(1u << (i % 8));
		any = true;
	}
	if (!any)
		return hv_error_set(err, EINVAL, "an empty list of CPUs");
	return 0;
}
