/* remote_names.c: names that come from a peer. They become folder names and
 * words of `events` lines, so they are held to the rules of local names
 * (util/names.h: no '/', NUL or control character, not '.' or '..' or
 * dot-named, at most HV_NAME_MAX bytes): a listing leaves the bad ones out (and
 * names that came twice), an event naming one is dropped, and node/error says
 * why, with the name escaped. */
#include <string.h>
#include "remote/remote_priv.h"
#include "util/names.h"

#define SHOWN_MAX 64 /* bytes of a bad name shown in a message */

static const char *const kind_words[HV_OBJ_LAST] = {
	[HV_OBJ_NODE] = "node",	     [HV_OBJ_DOMAIN] = "domain", [HV_OBJ_NETWORK] = "network",
	[HV_OBJ_POOL] = "storage pool", [HV_OBJ_VOLUME] = "storage volume",
	[HV_OBJ_SECRET] = "secret",
};

/* The first SHOWN_MAX bytes, control characters and quotes as \xNN. */
static char *
shown(const char *name)
{
	GString *s = g_string_new(NULL);
	size_t n = 0;

	for (const char *c = name; *c && n < SHOWN_MAX; c++, n++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\')
			g_string_append_printf(s, "\\x%02x", (unsigned char)*c);
		else
			g_string_append_c(s, *c);
	}
	if (name[n])
		g_string_append(s, "...");
	return g_string_free(s, FALSE);
}

/* Why hv_name_check refused it, in words that do not repeat the raw name. */
static const char *
why(const char *name)
{
	if (!*name)
		return "it is empty";
	if (strlen(name) > HV_NAME_MAX)
		return "it is longer than " G_STRINGIFY(HV_NAME_MAX) " bytes";
	if (name[0] == '.')
		return "it starts with '.'";
	for (const char *c = name; *c; c++)
		if (*c == '/' || (unsigned char)*c < 0x20 || *c == 0x7f)
			return "it holds '/' or a control character";
	return "it cannot be a file name";
}

#define SHOWN_NAMES 8 /* bad names of one listing shown in its message */

int
remote_name_check(RemotePriv *p, HvObjKind kind, const char *name, GError **err)
{
	g_autofree char *s = NULL;

	if (name && hv_name_check(kind_words[kind], name, NULL) == 0)
		return 0;
	s = shown(name ? name : "");
	return hv_error_set(err, EPROTO, "'%s' sent the %s name \"%s\", which cannot be a file "
			    "name (%s)", p->conn->uri_str, kind_words[kind], s,
			    name ? why(name) : "it is missing");
}

bool
remote_name_ok(RemotePriv *p, HvObjKind kind, const char *name, const char *what)
{
	g_autoptr(GError) e = NULL;

	if (remote_name_check(p, kind, name, &e) == 0)
		return true;
	g_prefix_error(&e, "left out: ");
	hv_conn_warn(p->conn, what, -EPROTO, e);
	return false;
}

/* One message for the whole listing: how many were left out, and why for the
 * first few. */
void
remote_names_filter(RemotePriv *p, HvObjKind kind, GArray *a, size_t name_off,
		    const char *what)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GString) list = g_string_new(NULL);
	g_autoptr(GError) e = NULL;
	size_t elem = g_array_get_element_size(a);
	unsigned bad = 0;

	for (guint i = 0; i < a->len;) {
		const char *name = *(char **)(a->data + i * elem + name_off);
		const char *reason = NULL;

		if (!name || hv_name_check(kind_words[kind], name, NULL) < 0)
			reason = name ? why(name) : "it is missing";
		else if (!g_hash_table_add(seen, (gpointer)name))
			reason = "listed twice";
		if (!reason) {
			i++;
			continue;
		}
		if (bad++ < SHOWN_NAMES) {
			g_autofree char *s = shown(name ? name : "");

			g_string_append_printf(list, "%s\"%s\" (%s)", list->len ? ", " : "", s, reason);
		}
		g_array_remove_index(a, i);
	}
	if (!bad)
		return;
	if (bad > SHOWN_NAMES)
		g_string_append_printf(list, " and %u more", bad - SHOWN_NAMES);
	e = g_error_new(HV_ERROR, EPROTO, "'%s' listed %u %s name%s that cannot be file names, "
			"left out of the listing: %s", p->conn->uri_str, bad, kind_words[kind],
			bad == 1 ? "" : "s", list->str);
	hv_conn_warn(p->conn, what, -EPROTO, e);
}

int
remote_same_name(RemotePriv *p, HvObjKind kind, const char *asked, const char *got,
		 GError **err)
{
	g_autofree char *s = NULL;

	if (g_strcmp0(asked, got) == 0)
		return 0;
	s = shown(got ? got : "");
	return hv_error_set(err, EPROTO, "'%s' answered the lookup of %s '%s' with \"%s\"",
			    p->conn->uri_str, kind_words[kind], asked, s);
}
