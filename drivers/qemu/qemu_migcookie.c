/* qemu_migcookie.c: the qemu driver's migration cookie (qemu_migcookie.h):
 * written as libvirt's <qemu-migration> XML, with <name>, <uuid>,
 * <hostname> and <hostuuid> (which libvirt's parser requires), <nbd> and
 * <statistics> in libvirt's own form, and hyperfs's disk details in a
 * <hyperfs> element libvirt does not look at; read back from that XML
 * (libvirtd's too: its <nbd port=>, <nbd><disk>, <statistics>) or from the
 * older text form, one "KEY ARG..." a line after "hyperfs-migration 1". */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "conf/conf_util.h"
#include "conf/xml.h"
#include "drivers/qemu/qemu_migcookie.h"

#define TEXT_MAGIC "hyperfs-migration 1"
#define HYPERFS_VERSION "1"

static void
mig_disk_free(QemuMigDisk *d)
{
	if (!d)
		return;
	g_free(d->target);
	g_free(d->format);
	g_free(d->id);
	g_free(d);
}

void
qemu_mig_cookie_init(QemuMigCookie *mc)
{
	*mc = (QemuMigCookie){ g_ptr_array_new_with_free_func((GDestroyNotify)mig_disk_free),
			       g_ptr_array_new_with_free_func(g_free), 0 };
}

void
qemu_mig_cookie_clear(QemuMigCookie *mc)
{
	g_clear_pointer(&mc->disks, g_ptr_array_unref);
	g_clear_pointer(&mc->exports, g_ptr_array_unref);
	g_clear_pointer(&mc->name, g_free);
	g_clear_pointer(&mc->uuid, g_free);
	g_clear_pointer(&mc->hostname, g_free);
	g_clear_pointer(&mc->hostuuid, g_free);
	*mc = (QemuMigCookie){ 0 };
}

void
qemu_mig_cookie_add_disk(QemuMigCookie *mc, const char *target, uint64_t capacity,
			 const char *format, const char *id)
{
	QemuMigDisk *d = g_new0(QemuMigDisk, 1);

	*d = (QemuMigDisk){ g_strdup(target), capacity, g_strdup(format), g_strdup(id) };
	g_ptr_array_add(mc->disks, d);
}

/* ---- the checks both forms share */

static bool
word_ok(const char *w)
{
	return w && *w && strlen(w) <= 255 && !strchr(w, '/');
}

static int
take_disk(QemuMigCookie *mc, const char *target, const char *cap, const char *format,
	  const char *id, GError **err)
{
	guint64 v;

	if (!word_ok(target) || !cap || !g_ascii_string_to_unsigned(cap, 10, 0, G_MAXUINT64, &v,
								    NULL) ||
	    !format || (!g_str_equal(format, "raw") && !g_str_equal(format, "qcow2")) || !id ||
	    strlen(id) > 128)
		return hv_error_set(err, EINVAL, "migration cookie: bad disk line 'disk %s %s %s "
				    "%s'", target ?: "", cap ?: "", format ?: "", id ?: "");
	qemu_mig_cookie_add_disk(mc, target, v, format, id);
	return 0;
}

static int
take_port(QemuMigCookie *mc, const char *s, GError **err)
{
	guint64 port;

	if (!s || !g_ascii_string_to_unsigned(s, 10, 1, 65535, &port, NULL))
		return hv_error_set(err, EINVAL, "migration cookie: bad NBD port '%s'", s ?: "");
	mc->nbd_port = (unsigned)port;
	return 0;
}

static int
take_export(QemuMigCookie *mc, const char *target, GError **err)
{
	if (!word_ok(target))
		return hv_error_set(err, EINVAL, "migration cookie: bad export '%s'", target ?: "");
	g_ptr_array_add(mc->exports, g_strdup(target));
	return 0;
}

static int
take_stats(QemuMigCookie *mc, const char *const a[3], GError **err)
{
	uint64_t *to[] = { &mc->total_ms, &mc->downtime_ms, &mc->ram_bytes };

	for (size_t k = 0; k < G_N_ELEMENTS(to); k++)
		if (a[k] && !g_ascii_string_to_unsigned(a[k], 10, 0, G_MAXINT64, to[k], NULL))
			return hv_error_set(err, EINVAL, "migration cookie: bad stats line "
					    "'stats %s %s %s'", a[0] ?: "", a[1] ?: "", a[2] ?: "");
	mc->stats = true;
	return 0;
}

static int
check_count(const QemuMigCookie *mc, GError **err)
{
	if (mc->disks->len > QEMU_MIG_COOKIE_MAX_DISKS ||
	    mc->exports->len > QEMU_MIG_COOKIE_MAX_DISKS)
		return hv_error_set(err, EINVAL, "migration cookie: more than %d disks",
				    QEMU_MIG_COOKIE_MAX_DISKS);
	return 0;
}

/* ---- the old text form */

static int
key_disk(QemuMigCookie *mc, char **a, GError **err)
{
	return take_disk(mc, a[0], a[1], a[2], a[3], err);
}

static int
key_nbd(QemuMigCookie *mc, char **a, GError **err)
{
	return take_port(mc, a[0], err);
}

static int
key_export(QemuMigCookie *mc, char **a, GError **err)
{
	return take_export(mc, a[0], err);
}

static int
key_stats(QemuMigCookie *mc, char **a, GError **err)
{
	const char *const s[3] = { a[0], a[1], a[2] };

	return take_stats(mc, s, err);
}

static const struct {
	const char *key;
	guint args;
	int (*take)(QemuMigCookie *mc, char **args, GError **err);
} keys[] = {
	{ "disk", 4, key_disk },	 /* begin: TARGET CAPACITY FORMAT ID */
	{ "nbd", 1, key_nbd },		 /* prepare: PORT */
	{ "export", 1, key_export },	 /* prepare: TARGET */
	{ "stats", 3, key_stats },	 /* perform: TOTAL_MS DOWNTIME_MS RAM_BYTES */
};

static int
parse_text(const char *text, QemuMigCookie *mc, GError **err)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint k = 1; lines[k]; k++) {
		g_auto(GStrv) w = g_strsplit(lines[k], " ", -1);
		size_t row = 0;
		int r;

		if (!w[0])
			continue;
		while (row < G_N_ELEMENTS(keys) && !g_str_equal(keys[row].key, w[0]))
			row++;
		if (row == G_N_ELEMENTS(keys))
			continue; /* a later version's key */
		if (g_strv_length(w) != keys[row].args + 1)
			return hv_error_set(err, EINVAL, "migration cookie: '%s' needs %u words",
					    w[0], keys[row].args);
		if ((r = keys[row].take(mc, w + 1, err)) < 0 || (r = check_count(mc, err)) < 0)
			return r;
	}
	return 0;
}

/* ---- libvirt's XML */

/* <nbd port='P'><disk target='vda' capacity='N'/></nbd>: libvirt's own
 * (its disks have no format: raw until <hyperfs> says more). */
static int
xml_nbd(xmlNode *nbd, QemuMigCookie *mc, GError **err)
{
	g_autofree char *port = hv_xml_prop(nbd, "port");
	int r = port ? take_port(mc, port, err) : 0;

	for (xmlNode *d = hv_xml_child(nbd, "disk"); r == 0 && d; d = hv_xml_next_named(d)) {
		g_autofree char *target = hv_xml_prop(d, "target");
		g_autofree char *cap = hv_xml_prop(d, "capacity");

		if ((r = take_disk(mc, target, cap, "raw", "-", err)) == 0)
			r = check_count(mc, err);
	}
	return r;
}

/* <statistics>: libvirt's names (time_elapsed and downtime in ms). */
static int
xml_stats(xmlNode *st, QemuMigCookie *mc, GError **err)
{
	g_autofree char *t = hv_xml_child_text(st, "time_elapsed");
	g_autofree char *d = hv_xml_child_text(st, "downtime");
	g_autofree char *m = hv_xml_child_text(st, "memory_processed");
	const char *const a[3] = { t ? g_strstrip(t) : NULL, d ? g_strstrip(d) : NULL,
				   m ? g_strstrip(m) : NULL };

	return take_stats(mc, a, err);
}

/* <hyperfs version='1'>: the disks with format and identity, the exports. */
static int
xml_hyperfs(xmlNode *h, QemuMigCookie *mc, GError **err)
{
	g_autofree char *version = hv_xml_prop(h, "version");
	int r = 0;

	if (g_strcmp0(version, HYPERFS_VERSION) != 0)
		return 0; /* another version's data: libvirt's part still holds */
	g_ptr_array_set_size(mc->disks, 0); /* the same disks, told in full */
	for (xmlNode *d = h->children; r == 0 && d; d = d->next) {
		g_autofree char *target = NULL, *cap = NULL, *format = NULL, *id = NULL;

		if (d->type != XML_ELEMENT_NODE)
			continue;
		target = hv_xml_prop(d, "target");
		if (g_str_equal((const char *)d->name, "disk")) {
			cap = hv_xml_prop(d, "capacity");
			format = hv_xml_prop(d, "format");
			id = hv_xml_prop(d, "id");
			r = take_disk(mc, target, cap, format, id, err);
		} else if (g_str_equal((const char *)d->name, "export")) {
			r = take_export(mc, target, err);
		}
		if (r == 0)
			r = check_count(mc, err);
	}
	return r;
}

static int
parse_xml(const char *text, QemuMigCookie *mc, GError **err)
{
	g_autoptr(GError) perr = NULL;
	g_autoptr(xmlDoc) doc = hv_xml_parse(text, strlen(text), "migration cookie", &perr);
	xmlNode *root = doc ? hv_conf_root(doc, "qemu-migration", &perr) : NULL, *el;
	int r = 0;

	if (!root)
		return hv_error_set(err, EINVAL, "the migration cookie is neither libvirt's "
				    "<qemu-migration> nor hyperfs's text: %s", perr->message);
	mc->name = hv_xml_child_text(root, "name");
	mc->uuid = hv_xml_child_text(root, "uuid");
	mc->hostname = hv_xml_child_text(root, "hostname");
	mc->hostuuid = hv_xml_child_text(root, "hostuuid");
	if ((el = hv_xml_child(root, "nbd")))
		r = xml_nbd(el, mc, err);
	if (r == 0 && (el = hv_xml_child(root, "statistics")))
		r = xml_stats(el, mc, err);
	mc->from_libvirt = !(el = hv_xml_child(root, "hyperfs"));
	if (r == 0 && el)
		r = xml_hyperfs(el, mc, err);
	return r;
}

int
qemu_mig_cookie_parse(const char *text, QemuMigCookie *mc, GError **err)
{
	qemu_mig_cookie_init(mc);
	if (!text || !*text)
		return 0;
	if (g_str_has_prefix(text, TEXT_MAGIC "\n") || g_str_equal(text, TEXT_MAGIC))
		return parse_text(text, mc, err);
	if (g_str_has_prefix(text, "hyperfs-migration "))
		return hv_error_set(err, EINVAL, "the migration cookie is not a hyperfs cookie "
				    "(its first line is not '" TEXT_MAGIC "')");
	return parse_xml(text, mc, err);
}

/* ---- writing */

static void
add_text(GString *s, const char *indent, const char *el, const char *value)
{
	g_autofree char *v = g_markup_escape_text(value, -1);

	g_string_append_printf(s, "%s<%s>%s</%s>\n", indent, el, v, el);
}

static void
add_u64(GString *s, const char *el, uint64_t v)
{
	g_string_append_printf(s, "    <%s>%" PRIu64 "</%s>\n", el, v, el);
}

static void
add_libvirt_parts(GString *s, const QemuMigCookie *mc)
{
	if (mc->nbd_port || mc->disks->len) {
		g_string_append(s, "  <nbd");
		if (mc->nbd_port)
			g_string_append_printf(s, " port='%u'", mc->nbd_port);
		g_string_append(s, mc->disks->len ? ">\n" : "/>\n");
		for (guint k = 0; k < mc->disks->len; k++) {
			const QemuMigDisk *d = mc->disks->pdata[k];
			g_autofree char *t = g_markup_escape_text(d->target, -1);

			g_string_append_printf(s, "    <disk target='%s' capacity='%" PRIu64 "'/>\n",
					       t, d->capacity);
		}
		if (mc->disks->len)
			g_string_append(s, "  </nbd>\n");
	}
	if (mc->stats) {
		g_string_append(s, "  <statistics>\n");
		add_u64(s, "time_elapsed", mc->total_ms);
		add_u64(s, "downtime", mc->downtime_ms);
		add_u64(s, "memory_processed", mc->ram_bytes);
		g_string_append(s, "  </statistics>\n");
	}
}

static void
add_hyperfs_part(GString *s, const QemuMigCookie *mc)
{
	if (!mc->disks->len && !mc->exports->len)
		return;
	g_string_append(s, "  <hyperfs version='" HYPERFS_VERSION "'>\n");
	for (guint k = 0; k < mc->disks->len; k++) {
		const QemuMigDisk *d = mc->disks->pdata[k];
		g_autofree char *t = g_markup_escape_text(d->target, -1);
		g_autofree char *id = g_markup_escape_text(d->id ? d->id : "-", -1);

		g_string_append_printf(s, "    <disk target='%s' capacity='%" PRIu64 "' format='%s' "
				       "id='%s'/>\n", t, d->capacity, d->format, id);
	}
	for (guint k = 0; k < mc->exports->len; k++) {
		g_autofree char *t = g_markup_escape_text(mc->exports->pdata[k], -1);

		g_string_append_printf(s, "    <export target='%s'/>\n", t);
	}
	g_string_append(s, "  </hyperfs>\n");
}

char *
qemu_mig_cookie_format(const QemuMigCookie *mc, const char *name, const char *uuid)
{
	GString *s = g_string_new("<qemu-migration>\n");

	add_text(s, "  ", "name", name);
	add_text(s, "  ", "uuid", uuid);
	add_text(s, "  ", "hostname", g_get_host_name());
	add_text(s, "  ", "hostuuid", qemu_mig_host_uuid());
	add_libvirt_parts(s, mc);
	add_hyperfs_part(s, mc);
	g_string_append(s, "</qemu-migration>\n");
	return g_string_free(s, FALSE);
}

/* /etc/machine-id (32 hex digits) as a dashed UUID, else the boot id. */
static char *
read_host_uuid(void)
{
	g_autofree char *id = NULL;
	char out[37];

	if (g_file_get_contents("/etc/machine-id", &id, NULL, NULL) &&
	    hv_uuid_normalise(g_strstrip(id), out) == 0)
		return g_strdup(out);
	g_clear_pointer(&id, g_free);
	if (g_file_get_contents("/proc/sys/kernel/random/boot_id", &id, NULL, NULL) &&
	    hv_uuid_normalise(g_strstrip(id), out) == 0)
		return g_strdup(out);
	return g_strdup("00000000-0000-4000-8000-000000000001");
}

const char *
qemu_mig_host_uuid(void)
{
	static gsize once;
	static char *uuid;

	if (g_once_init_enter(&once)) {
		uuid = read_host_uuid();
		g_once_init_leave(&once, 1);
	}
	return uuid;
}
