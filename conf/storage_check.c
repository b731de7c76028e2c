/* storage_check.c: the checks of libvirt's storage parsers (storage_conf.c at
 * v4.0.0) on numbers the rule tables can't compare: permissions
 * (virStorageDefParsePerms: an octal mode of at most 0777, an owner and a
 * group that are a uid_t/gid_t or -1) and pool host ports
 * (virStoragePoolDefParseSource: virStrToLong_i), and a volume's encryption
 * (virStorageEncryptionParseNode). */
#include "conf/storage_priv.h"
#include "conf/normalise.h"
#include <stdlib.h>
#include <string.h>

static int
check_id(xmlNode *perms, const char *el, const char *what, const char *name, GError **err)
{
	g_autofree char *v = hv_xml_child_text(perms, el);
	char *end;
	long long n;

	if (!v)
		return 0;
	n = strtoll(g_strstrip(v), &end, 10);
	if (end == v || *end || (n != -1 && (n < 0 || n > (long long)G_MAXUINT32)))
		return hv_error_set(err, EINVAL, "%s '%s': malformed %s element '%s'", what, name, el, v);
	return 0;
}

static int
check_perms(xmlNode *perms, const char *what, const char *name, GError **err)
{
	g_autofree char *mode = hv_xml_child_text(perms, "mode");

	if (!perms)
		return 0;
	if (mode) {
		char *end;
		long m = strtol(g_strstrip(mode), &end, 8);

		if (end == mode || *end || m < 0 || (m & ~0777))
			return hv_error_set(err, EINVAL, "%s '%s': malformed octal mode '%s'", what, name, mode);
	}
	if (check_id(perms, "owner", what, name, err) < 0 || check_id(perms, "group", what, name, err) < 0)
		return -EINVAL;
	return 0;
}

/* virStorageEncryptionParseNode: an <ivgen> needs a <cipher>, whose size is a
 * number. */
static int
check_encryption(xmlNode *enc, const char *what, const char *name, GError **err)
{
	xmlNode *cipher = hv_xml_child(enc, "cipher");
	g_autofree char *size = hv_xml_prop(cipher, "size");
	char *end;

	if (!enc)
		return 0;
	if (hv_xml_child(enc, "ivgen") && !cipher)
		return hv_error_set(err, EINVAL, "%s '%s': ivgen element found, but cipher is missing", what, name);
	if (size && (strtoul(size, &end, 10), end == size || *end))
		return hv_error_set(err, EINVAL, "%s '%s': cannot parse cipher size '%s'", what, name, size);
	return 0;
}

int
hv_storage_check(xmlNode *root, const char *what, const char *name, GError **err)
{
	static const char *const perm_paths[] = { "target/permissions", "backingStore/permissions", NULL };

	for (size_t i = 0; perm_paths[i]; i++)
		if (check_perms(hv_xml_path(root, perm_paths[i]), what, name, err) < 0)
			return -EINVAL;
	if (check_encryption(hv_xml_path(root, "target/encryption"), what, name, err) < 0)
		return -EINVAL;
	for (xmlNode *h = hv_xml_child(hv_xml_child(root, "source"), "host"); h; h = hv_xml_next_named(h)) {
		g_autofree char *port = hv_xml_prop(h, "port");
		char *end;

		if (port && (strtol(port, &end, 10), end == port || *end))
			return hv_error_set(err, EINVAL, "%s '%s': invalid port number '%s'", what, name, port);
	}
	return 0;
}
