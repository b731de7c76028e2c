/* fuzz_check.h: the property every harness checks on an input that parses:
 * formatting is a fixed point (format(parse(format(x))) == format(x)) and the
 * formatted document parses again. Each fuzz_KIND.c supplies parse/format. */
#pragma once
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#define HV_FUZZ_FIXED_POINT(format1, reparse_format)                            \
	do {                                                                    \
		g_autofree char *once_ = (format1);                             \
		g_autofree char *twice_ = NULL;                                 \
		if (!once_)                                                     \
			abort();                                                \
		twice_ = reparse_format(once_);                                 \
		if (!twice_ || strcmp(once_, twice_) != 0)                      \
			abort();                                                \
	} while (0)
