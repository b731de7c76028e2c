/* test_default.c: the node behind test:///default, as a node document in the
 * format of libvirt's test driver (the objects and uuids of libvirt's own
 * default, plus two volumes), and the capabilities XML the test node reports,
 * built from its node facts. */
#include "drivers/test/test_priv.h"
#include "conf/xml.h"

const char test_default_node_xml[] =
	"<node>\n"
	"  <cpu>\n"
	"    <nodes>2</nodes>\n"
	"    <sockets>2</sockets>\n"
	"    <cores>2</cores>\n"
	"    <threads>2</threads>\n"
	"    <active>16</active>\n"
	"    <mhz>1400</mhz>\n"
	"    <model>i686</model>\n"
	"  </cpu>\n"
	"  <memory>3145728</memory>\n"
	"  <domain type='test'>\n"
	"    <name>test</name>\n"
	"    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
	"    <memory unit='KiB'>8388608</memory>\n"
	"    <currentMemory unit='KiB'>2097152</currentMemory>\n"
	"    <vcpu placement='static'>2</vcpu>\n"
	"    <os>\n"
	"      <type arch='i686'>hvm</type>\n"
	"      <boot dev='hd'/>\n"
	"    </os>\n"
	"    <clock offset='utc'/>\n"
	"    <on_poweroff>destroy</on_poweroff>\n"
	"    <on_reboot>restart</on_reboot>\n"
	"    <on_crash>destroy</on_crash>\n"
	"    <devices>\n"
	"      <disk type='file' device='disk'>\n"
	"        <source file='/guest/diskimage1'/>\n"
	"        <target dev='vda' bus='virtio'/>\n"
	"        <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n"
	"      </disk>\n"
	"      <interface type='network'>\n"
	"        <mac address='aa:bb:cc:dd:ee:ff'/>\n"
	"        <source network='default'/>\n"
	"        <target dev='testnet0'/>\n"
	"        <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>\n"
	"      </interface>\n"
	"      <memballoon model='virtio'>\n"
	"        <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>\n"
	"      </memballoon>\n"
	"    </devices>\n"
	"  </domain>\n"
	"  <network>\n"
	"    <name>default</name>\n"
	"    <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\n"
	"    <forward mode='nat'/>\n"
	"    <bridge name='virbr0'/>\n"
	"    <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
	"      <dhcp>\n"
	"        <range start='192.168.122.2' end='192.168.122.254'/>\n"
	"      </dhcp>\n"
	"    </ip>\n"
	"  </network>\n"
	"  <pool type='dir'>\n"
	"    <name>default-pool</name>\n"
	"    <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>\n"
	"    <target>\n"
	"      <path>/default-pool</path>\n"
	"    </target>\n"
	"    <volume type='file'>\n"
	"      <name>disk1.img</name>\n"
	"      <capacity unit='bytes'>1073741824</capacity>\n"
	"      <allocation unit='bytes'>1073741824</allocation>\n"
	"      <target>\n"
	"        <format type='raw'/>\n"
	"      </target>\n"
	"    </volume>\n"
	"    <volume type='file'>\n"
	"      <name>disk2.qcow2</name>\n"
	"      <capacity unit='bytes'>10737418240</capacity>\n"
	"      <allocation unit='bytes'>196624384</allocation>\n"
	"      <target>\n"
	"        <format type='qcow2'/>\n"
	"      </target>\n"
	"    </volume>\n"
	"  </pool>\n"
	"</node>\n";

static xmlNode *
child(xmlNode *parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void
prop_u(xmlNode *n, const char *name, unsigned v)
{
	char buf[16];

	g_snprintf(buf, sizeof(buf), "%u", v);
	xmlNewProp(n, BAD_CAST name, BAD_CAST buf);
}

/* <topology>: the node's cells, each with its share of memory and CPUs; sockets,
 * cores and threads count per cell, as in libvirt's node info. */
static void
caps_topology(xmlNode *host, const HvNodeInfo *ni)
{
	unsigned cells = ni->nodes ? ni->nodes : 1;
	unsigned per_cell = ni->cpus / cells ? ni->cpus / cells : 1;
	unsigned threads = ni->threads ? ni->threads : 1;
	unsigned cores = ni->cores ? ni->cores : 1;
	unsigned sockets = ni->sockets ? ni->sockets : 1;
	xmlNode *cs = xmlNewChild(xmlNewChild(host, NULL, BAD_CAST "topology", NULL), NULL,
				  BAD_CAST "cells", NULL);

	prop_u(cs, "num", cells);
	for (unsigned c = 0; c < cells; c++) {
		xmlNode *cell = xmlNewChild(cs, NULL, BAD_CAST "cell", NULL);
		g_autofree char *mem = g_strdup_printf("%" G_GUINT64_FORMAT, ni->memory_kib / cells);
		xmlNode *cpus;

		prop_u(cell, "id", c);
		xmlNewProp(child(cell, "memory", mem), BAD_CAST "unit", BAD_CAST "KiB");
		cpus = xmlNewChild(cell, NULL, BAD_CAST "cpus", NULL);
		prop_u(cpus, "num", per_cell);
		for (unsigned i = 0; i < per_cell; i++) {
			xmlNode *cpu = xmlNewChild(cpus, NULL, BAD_CAST "cpu", NULL);
			unsigned id = c * per_cell + i;
			unsigned first = id - id % threads;
			g_autofree char *sib = threads > 1 ? g_strdup_printf("%u-%u", first,
									      first + threads - 1)
							   : g_strdup_printf("%u", id);

			prop_u(cpu, "id", id);
			prop_u(cpu, "socket_id", c * sockets + i / (threads * cores));
			prop_u(cpu, "core_id", (i / threads) % cores);
			xmlNewProp(cpu, BAD_CAST "siblings", BAD_CAST sib);
		}
	}
}

static void
caps_guest(xmlNode *root, const char *arch, unsigned wordsize)
{
	xmlNode *g = xmlNewChild(root, NULL, BAD_CAST "guest", NULL);
	xmlNode *a;

	child(g, "os_type", "hvm");
	a = xmlNewChild(g, NULL, BAD_CAST "arch", NULL);
	xmlNewProp(a, BAD_CAST "name", BAD_CAST arch);
	child(a, "wordsize", wordsize == 64 ? "64" : "32");
	xmlNewProp(xmlNewChild(a, NULL, BAD_CAST "domain", NULL), BAD_CAST "type",
		   BAD_CAST "test");
	if (wordsize == 32) {
		xmlNode *f = xmlNewChild(g, NULL, BAD_CAST "features", NULL);

		xmlNewChild(f, NULL, BAD_CAST "pae", NULL);
		xmlNewChild(f, NULL, BAD_CAST "nonpae", NULL);
	}
}

/* The host's CPU architecture is the node's model when it names one. */
char *
test_capabilities_new(const TestConn *tc)
{
	const HvNodeInfo *ni = &tc->node;
	const char *arch = ni->model && (g_str_equal(ni->model, "i686") ||
					 g_str_equal(ni->model, "x86_64"))
				   ? ni->model : "x86_64";
	g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *root = xmlNewNode(NULL, BAD_CAST "capabilities");
	xmlNode *host, *cpu;

	xmlDocSetRootElement(doc, root);
	host = xmlNewChild(root, NULL, BAD_CAST "host", NULL);
	cpu = xmlNewChild(host, NULL, BAD_CAST "cpu", NULL);
	child(cpu, "arch", arch);
	xmlNewChild(host, NULL, BAD_CAST "power_management", NULL);
	caps_topology(host, ni);
	caps_guest(root, "i686", 32);
	caps_guest(root, "x86_64", 64);
	return hv_xml_format(root);
}
