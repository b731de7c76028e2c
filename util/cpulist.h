/* cpulist.h: CPU lists as libvirt writes them (virBitmapFormat: "0-2,5") and
 * as users write them, to and from CPU maps (bit n of byte n / 8: CPU n). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "util/error.h"

/* The list of the set bits of map (len bytes); "" when none is set. */
char *hv_cpulist_format(const uint8_t *map, size_t len);
/* Sets map's bits (len bytes, cleared first) from "N", "N-M" and commas;
 * EINVAL for garbage, a CPU at or past ncpus, or an empty list. */
int hv_cpulist_parse(const char *s, uint8_t *map, size_t len, unsigned ncpus, GError **err);
