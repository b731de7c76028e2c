/* error.h: the one error convention. Functions return 0 (or a count) on success and
 * -errno on failure; the readable reason travels in a GError of domain HV_ERROR whose
 * code is the positive errno. Messages name objects in single quotes. */
#pragma once
#include <glib.h>
#include <errno.h>

#define HV_ERROR (hv_error_quark())
GQuark hv_error_quark(void);

/* Sets *err (if err and *err is NULL) and returns -errnum. */
int hv_error_set(GError **err, int errnum, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Turns any GError into a negative errno: HV_ERROR keeps its code, others give -EIO. */
int hv_error_errno(const GError *err);
