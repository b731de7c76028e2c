/* parse.h: strict parsers for what users write into control files: sizes with
 * units, counts, booleans. Whole-string matches only: no prefixes, no trailing
 * garbage, no sign. One trailing newline is accepted (echo adds it). */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include "util/error.h"

/* Strips one trailing "\n" (or "\r\n") and refuses embedded NULs and any other
 * newline. Returns the token as a new string or NULL with -EINVAL. */
char *hv_parse_token(const char *buf, size_t len, GError **err);

/* "2048", "2048K", "512M", "4G", "1T", "4GiB", "4 GiB": a size in KiB.
 * -EINVAL for garbage or a sign, -ERANGE for overflow. */
int hv_parse_kib(const char *s, uint64_t *kib, GError **err);

/* Like hv_parse_kib but a plain number is bytes, and B/K/M/G/T/P suffixes. */
int hv_parse_bytes(const char *s, uint64_t *bytes, GError **err);

/* A decimal count in [min, max]. */
int hv_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out, GError **err);

/* A decimal number of 64 bits (0 to 18446744073709551615). */
int hv_parse_u64(const char *s, uint64_t *out, GError **err);

/* 0/1, yes/no, on/off, true/false (case-insensitive). */
int hv_parse_bool(const char *s, bool *out, GError **err);
