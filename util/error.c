/* error.c: -errno plus GError helpers (see error.h). */
#include "util/error.h"

G_DEFINE_QUARK(hv-error-quark, hv_error)

int
hv_error_set(GError **err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (errnum < 0)
		errnum = -errnum;
	if (err && !*err) {
		va_start(ap, fmt);
		*err = g_error_new_valist(HV_ERROR, errnum, fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

int
hv_error_errno(const GError *err)
{
	if (!err)
		return -EIO;
	if (err->domain == HV_ERROR && err->code > 0)
		return -err->code;
	return -EIO;
}
