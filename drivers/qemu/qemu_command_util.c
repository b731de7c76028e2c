/* qemu_command_util.c: the helpers every builder of the QEMU command line
 * uses (qemu_command_priv.h): adding arguments, QEMU's comma escaping, the
 * EOPNOTSUPP message, a set lookup. */
#include <string.h>
#include "drivers/qemu/qemu_command_priv.h"

void
qcmd_arg(Cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(c->argv, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

void
qcmd_arg2(Cmd *c, const char *opt, char *value /* stolen */)
{
	g_ptr_array_add(c->argv, g_strdup(opt));
	g_ptr_array_add(c->argv, value);
}

char *
qcmd_esc(const char *s)
{
	g_auto(GStrv) parts = g_strsplit(s, ",", -1);

	return g_strjoinv(",,", parts);
}

int
qcmd_unsupported(Cmd *c, GError **err, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return hv_error_set(err, EOPNOTSUPP, "domain '%s': %s is not supported by the qemu driver",
			    c->def->name, what);
}

int
qcmd_str_in(const char *s, const char *const *set)
{
	for (int k = 0; set[k]; k++)
		if (s && g_str_equal(s, set[k]))
			return k;
	return -1;
}
