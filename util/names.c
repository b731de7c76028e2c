/* names.c: object names that can be file names (see names.h). */
#include <string.h>
#include "util/names.h"

int
hv_name_check(const char *kind, const char *name, GError **err)
{
	size_t len;

	if (!name || !*name)
		return hv_error_set(err, EINVAL, "%s name is empty", kind);
	len = strlen(name);
	if (len > HV_NAME_MAX)
		return hv_error_set(err, EINVAL, "%s name is longer than %d bytes", kind,
				    HV_NAME_MAX);
	if (name[0] == '.')
		return hv_error_set(err, EINVAL,
				    "%s name '%s' cannot be used as a file name (leading '.')",
				    kind, name);
	for (const char *p = name; *p; p++) {
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return hv_error_set(err, EINVAL,
					    "%s name '%s' cannot be used as a file name "
					    "(holds '/' or a control character)",
					    kind, name);
	}
	return 0;
}
