/* fail.c: how a failure is told. One line on the object's `error` file (and
 * the same on stderr, the log), `<RFC3339 time> <file> <ERRNO>: <message>`:
 * errno names from one table, and whatever a user wrote made one clean line. */
#include <stdio.h>
#include <string.h>
#include "fs/fs.h"

/* The errno the call returned, by name: every errno the drivers and the
 * kernel answer with has its own; an errno missing here is named by the C
 * library (strerrorname_np), never turned into another. */
static const char *
errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EINVAL, "EINVAL" },	    { EBUSY, "EBUSY" },	      { EEXIST, "EEXIST" },
		{ ENOENT, "ENOENT" },	    { EFBIG, "EFBIG" },	      { ERANGE, "ERANGE" },
		{ EROFS, "EROFS" },	    { EPERM, "EPERM" },	      { EACCES, "EACCES" },
		{ ENOTSUP, "ENOTSUP" },	    { EIO, "EIO" },	      { ENOTCONN, "ENOTCONN" },
		{ ENOSPC, "ENOSPC" },	    { EAGAIN, "EAGAIN" },     { ENOTEMPTY, "ENOTEMPTY" },
		{ ENOMEM, "ENOMEM" },	    { EINTR, "EINTR" },	      { ETIMEDOUT, "ETIMEDOUT" },
		{ ESTALE, "ESTALE" },	    { ENOTDIR, "ENOTDIR" },   { EPIPE, "EPIPE" },
		{ EPROTO, "EPROTO" },	    { ECANCELED, "ECANCELED" }, { EMFILE, "EMFILE" },
		{ ECONNREFUSED, "ECONNREFUSED" }, { ECONNRESET, "ECONNRESET" },
		{ EHOSTUNREACH, "EHOSTUNREACH" }, { ENETUNREACH, "ENETUNREACH" },
		{ EISDIR, "EISDIR" },	    { ENAMETOOLONG, "ENAMETOOLONG" },
		{ EBADF, "EBADF" },	    { E2BIG, "E2BIG" },	      { ENODEV, "ENODEV" },
		{ ENXIO, "ENXIO" },	    { EDEADLK, "EDEADLK" },   { ENOSYS, "ENOSYS" },
		{ EOVERFLOW, "EOVERFLOW" }, { EMSGSIZE, "EMSGSIZE" }, { ENODATA, "ENODATA" },
	};
	const char *libc;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (names[i].e == e)
			return names[i].name;
	libc = e > 0 ? strerrorname_np(e) : NULL;
	return libc ? libc : "EIO";
}

/* One clean line whatever a user wrote: control characters, DEL and bytes that
 * are not UTF-8 become \xNN. */
static char *
clean_text(const char *s)
{
	GString *out = g_string_new(NULL);
	const char *end = s + strlen(s);

	while (s < end) {
		gunichar c = g_utf8_get_char_validated(s, end - s);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", (unsigned char)*s++);
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
			g_string_append_printf(out, "\\x%02x", (unsigned)c);
			s = g_utf8_next_char(s);
		} else {
			const char *next = g_utf8_next_char(s);

			g_string_append_len(out, s, next - s);
			s = next;
		}
	}
	return g_string_free(out, FALSE);
}

int
hv_obj_fail(HvObj *o, const char *file, int r, const GError *err)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree char *msg = clean_text(err ? err->message : g_strerror(-r));
	char *line;
	HvFs *fs;

	line = g_strdup_printf("%s %s %s: %s\n", ts, file, errno_name(-r), msg);
	if (o) {
		fs = o->node ? o->node->fs : NULL;
		if (fs)
			g_mutex_lock(&fs->lock);
		g_free(o->error);
		o->error = g_strdup(line);
		if (fs)
			g_mutex_unlock(&fs->lock);
	}
	fprintf(stderr, "hyperfs: %s%s%s: %s", o && o->node ? o->node->name : "",
		o && o->name ? "/" : "", o && o->name ? o->name : "", line);
	g_free(line);
	return r;
}

