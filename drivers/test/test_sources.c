/* test_sources.c: virConnectFindStoragePoolSources as libvirt's test driver
 * answers it: two fixed volume groups for `logical`, one NFS export of the
 * host the <source> names for `netfs`; any other type "does not support
 * source discovery", and `dir` (type 0 in libvirt's enum, which its check
 * takes for none) is an unknown type. Bad flags, a bad <source> document and
 * a netfs search without a host are refused (libvirt crashes on the last). */
#include <string.h>
#include "drivers/test/test_priv.h"
#include "drivers/objops.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

static const char sources_logical[] =
	"<sources>\n"
	"  <source>\n"
	"    <device path='/dev/sda20'/>\n"
	"    <name>testvg1</name>\n"
	"    <format type='lvm2'/>\n"
	"  </source>\n"
	"  <source>\n"
	"    <device path='/dev/sda21'/>\n"
	"    <name>testvg2</name>\n"
	"    <format type='lvm2'/>\n"
	"  </source>\n"
	"</sources>\n";

/* libvirt's pool types (virStoragePoolType), dir first */
static const char *const pool_types[] = {
	"dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath",
	"rbd", "sheepdog", "gluster", "zfs", "vstorage",
};

/* The host a <source> document names (*host NULL: none). */
static int
spec_host(const char *spec, char **host, GError **err)
{
	g_autoptr(xmlDoc) doc = NULL;

	*host = NULL;
	if (!spec)
		return 0;
	if (!(doc = hv_xml_parse(spec, strlen(spec), "storage source specification", err)))
		return -EBADMSG;
	*host = hv_xml_child_prop(xmlDocGetRootElement(doc), "host", "name");
	return 0;
}

static int
find_sources(HvConn *c, const char *type, const char *spec, unsigned flags, char **xml,
	     GError **err)
{
	g_autofree char *host = NULL, *esc = NULL;
	int r;

	if (flags)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testConnectFindStoragePoolSources", flags);
	if (g_str_equal(type, pool_types[0]))
		return hv_error_set(err, EPROTO, "unknown storage pool type %s", type);
	if ((r = spec_host(spec, &host, err)) < 0)
		return r;
	if (g_str_equal(type, "logical")) {
		*xml = g_strdup(sources_logical);
		return 0;
	}
	if (!g_str_equal(type, "netfs"))
		return hv_error_set(err, ENOTSUP, "pool type '%s' does not support source discovery",
				    type);
	if (!host || !*host)
		return hv_error_set(err, EINVAL, "hostname must be specified for netfs sources");
	esc = g_markup_escape_text(host, -1);
	*xml = g_strdup_printf("<sources>\n  <source>\n    <host name='%s'/>\n"
			       "    <dir path='/testshare'/>\n    <format type='nfs'/>\n"
			       "  </source>\n</sources>\n", esc);
	return 0;
}

HvPoolOps test_pool_ops;

void
test_pool_ops_init(void)
{
	test_pool_ops = hv_objops_pool;
	test_pool_ops.find_sources = find_sources;
}
