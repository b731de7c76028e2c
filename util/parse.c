/* parse.c: strict parsers for control-file input (see parse.h). Unit names are a
 * table, matched exactly (case-insensitive). */
#include <string.h>
#include "util/parse.h"

char *
hv_parse_token(const char *buf, size_t len, GError **err)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		hv_error_set(err, EINVAL, "empty value");
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\0' || buf[i] == '\n' || buf[i] == '\r') {
			hv_error_set(err, EINVAL, "value must be a single line");
			return NULL;
		}
	}
	return g_strndup(buf, len);
}

typedef struct {
	const char *name;
	unsigned shift; /* power of 1024 */
} Unit;

/* Binary units, as libvirt's virsh reads them. */
static const Unit units[] = {
	{ "", 0 }, /* replaced by the caller's default */
	{ "b", 0 }, { "bytes", 0 },
	{ "k", 1 }, { "kib", 1 }, { "kb", 1 },
	{ "m", 2 }, { "mib", 2 }, { "mb", 2 },
	{ "g", 3 }, { "gib", 3 }, { "gb", 3 },
	{ "t", 4 }, { "tib", 4 }, { "tb", 4 },
	{ "p", 5 }, { "pib", 5 }, { "pb", 5 },
};

/* Parses "<digits><space>*<unit>" into bytes; a unit-less number has shift dflt. */
static int
parse_scaled(const char *s, unsigned dflt, uint64_t *bytes, GError **err)
{
	const char *p = s, *u;
	uint64_t v = 0;
	int shift = -1;

	if (*p < '0' || *p > '9')
		return hv_error_set(err, EINVAL,
				    "'%s' is not a size: expected a number with an optional "
				    "unit (K, M, G, T)", s);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return hv_error_set(err, ERANGE, "'%s' is too large", s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	u = p;
	while (*u == ' ')
		u++;
	if (*u == '\0') {
		shift = (int)dflt;
	} else {
		for (size_t i = 1; i < G_N_ELEMENTS(units); i++)
			if (g_ascii_strcasecmp(units[i].name, u) == 0)
				shift = (int)units[i].shift;
	}
	if (shift < 0)
		return hv_error_set(err, EINVAL, "'%s' has an unknown unit '%s' (use K, M, G or T)",
				    s, u);
	for (int i = 0; i < shift; i++) {
		if (v > UINT64_MAX / 1024)
			return hv_error_set(err, ERANGE, "'%s' is too large", s);
		v *= 1024;
	}
	*bytes = v;
	return 0;
}

int
hv_parse_kib(const char *s, uint64_t *kib, GError **err)
{
	uint64_t bytes;
	int r;

	/* A plain number is KiB: scale it as KiB, then back. */
	r = parse_scaled(s, 1, &bytes, err);
	if (r < 0)
		return r;
	if (bytes % 1024)
		return hv_error_set(err, EINVAL, "'%s' is not a whole number of KiB", s);
	*kib = bytes / 1024;
	return 0;
}

int
hv_parse_bytes(const char *s, uint64_t *bytes, GError **err)
{
	return parse_scaled(s, 0, bytes, err);
}

int
hv_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out, GError **err)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return hv_error_set(err, EINVAL, "'%s' is not a number", s);
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return hv_error_set(err, ERANGE, "'%s' is too large (at most %u)", s, max);
	}
	if (*p)
		return hv_error_set(err, EINVAL, "'%s' is not a number", s);
	if (v < min || v > max)
		return hv_error_set(err, ERANGE, "%s is out of range (%u to %u)", s, min, max);
	*out = (unsigned)v;
	return 0;
}

int
hv_parse_u64(const char *s, uint64_t *out, GError **err)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return hv_error_set(err, EINVAL, "'%s' is not a number", s);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return hv_error_set(err, ERANGE, "'%s' is too large (at most %" G_GUINT64_FORMAT
					    ")", s, (guint64)UINT64_MAX);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p)
		return hv_error_set(err, EINVAL, "'%s' is not a number", s);
	*out = v;
	return 0;
}

static const struct {
	const char *word;
	bool value;
} bools[] = {
	{ "0", false }, { "1", true },   { "no", false },    { "yes", true },
	{ "off", false }, { "on", true }, { "false", false }, { "true", true },
};

int
hv_parse_bool(const char *s, bool *out, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bools); i++) {
		if (g_ascii_strcasecmp(bools[i].word, s) == 0) {
			*out = bools[i].value;
			return 0;
		}
	}
	return hv_error_set(err, EINVAL, "'%s' is not a boolean (use 0/1, yes/no, on/off, true/false)",
			    s);
}
