/* domain_check.c: the semantic checks a grammar can't express (vCPUs above
 * their maximum, duplicate devices). Each message names the
 * element at fault. Run by hv_domain_def_parse after the typed fields are read. */
#include "conf/domain_priv.h"
#include "conf/rules.h"
#include "conf/xml.h"
#include <errno.h>
#include <string.h>

static int
check_resources(const HvDomainDef *def, xmlNode *root, GError **err)
{
	if (def->max_vcpus == 0)
		return hv_error_set(err, EINVAL, "domain <vcpu>: the number of vCPUs must be at least 1");
	if (def->vcpus == 0)
		return hv_error_set(err, EINVAL, "domain <vcpu current='0'>: at least 1 vCPU must be online");
	if (def->vcpus > def->max_vcpus)
		return hv_error_set(err, EINVAL,
				    "domain <vcpu current='%u'> is above the maximum of %u vCPUs",
				    def->vcpus, def->max_vcpus);
	return 0;
}

static int
check_chardevs(const HvDomainDef *def, xmlNode *root, GError **err)
{
	return hv_domain_check_chardevs(hv_xml_child(root, "devices"), err);
}

static int
check_disks(const HvDomainDef *def, xmlNode *root, GError **err)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < def->disks->len; i++) {
		HvDomainDiskDef *d = def->disks->pdata[i];

		if (!d->target_dev)
			continue;
		if (!g_hash_table_add(seen, d->target_dev))
			return hv_error_set(err, EINVAL,
					    "domain <disk>: target '%s' is used by more than one disk",
					    d->target_dev);
	}
	return 0;
}

/* "pci:0:0:5:0" for <address type='pci' domain= bus= slot= function=>, and the
 * like for drive addresses; NULL for kinds that may repeat. */
static char *
address_key(xmlNode *addr)
{
	static const struct {
		const char *type;
		const char *const attrs[5];
	} kinds[] = {
		{ "pci", { "domain", "bus", "slot", "function", NULL } },
		{ "drive", { "controller", "bus", "target", "unit", NULL } },
	};
	g_autofree char *type = hv_xml_prop(addr, "type");
	GString *key;

	for (size_t i = 0; type && i < G_N_ELEMENTS(kinds); i++) {
		if (strcmp(type, kinds[i].type) != 0)
			continue;
		key = g_string_new(type);
		for (size_t a = 0; kinds[i].attrs[a]; a++) {
			g_autofree char *v = hv_xml_prop(addr, kinds[i].attrs[a]);

			g_string_append_printf(key, ":%llu", v ? g_ascii_strtoull(v, NULL, 0) : 0ULL);
		}
		return g_string_free(key, FALSE);
	}
	return NULL;
}

/* Whether a disk without an address (one the post-parse numbers from its
 * name) sits beside an explicit drive address: then the addresses are
 * checked as they will be formatted (a fixed-point fuzz finding: a SCSI
 * hostdev on 0:0:0:0 and disk sda, numbered 0:0:0:0 after the first parse). */
static bool
needs_assigned(xmlNode *devs)
{
	bool unaddressed = false, drive = false;

	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		xmlNode *addr = c->type == XML_ELEMENT_NODE ? hv_xml_child(c, "address") : NULL;
		g_autofree char *type = addr ? hv_xml_prop(addr, "type") : NULL;

		if (c->type == XML_ELEMENT_NODE && !addr && !strcmp((const char *)c->name, "disk"))
			unaddressed = true;
		drive |= type && !strcmp(type, "drive");
	}
	return unaddressed && drive;
}

static int
check_addresses(const HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *devs = hv_xml_child(root, "devices");
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(xmlDoc) assigned = NULL;

	if (needs_assigned(devs)) { /* on a copy with libvirt's disk addresses */
		xmlNode *copy;

		assigned = xmlNewDoc((const xmlChar *)"1.0");
		copy = assigned ? xmlDocCopyNode(root, assigned, 1) : NULL;
		if (!copy)
			return hv_error_set(err, ENOMEM, "domain: out of memory");
		xmlDocSetRootElement(assigned, copy);
		devs = hv_xml_child(copy, "devices");
		hv_domain_add_implicit(devs);
	}

	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		xmlNode *addr = c->type == XML_ELEMENT_NODE ? hv_xml_child(c, "address") : NULL;
		char *key = addr ? address_key(addr) : NULL;
		g_autofree char *bus = hv_xml_child_prop(c, "target", "bus");
		g_autofree char *htype = hv_xml_prop(c, "type");

		/* a SCSI host device's drive address is on the SCSI bus
		 * (virDomainHostdevDefPostParse: "in use by a SCSI disk") */
		if (!strcmp((const char *)c->name, "hostdev") && !g_strcmp0(htype, "scsi") && !bus)
			bus = g_strdup("scsi");

		/* an empty PCI address (virPCIDeviceAddressIsEmpty) is one to be
		 * assigned, not a slot in use (a fixed-point fuzz finding) */
		if (key && g_str_has_prefix(key, "pci:0:0:0:"))
			g_clear_pointer(&key, g_free);
		/* a serial console repeats its serial port's address */
		if (key && !strcmp((const char *)c->name, "console"))
			g_clear_pointer(&key, g_free);
		/* drive addresses are per bus type (ide, scsi, sata, fdc) */
		if (key && g_str_has_prefix(key, "drive")) {
			char *k = g_strdup_printf("%s:%s", key, bus ? bus : "");

			g_free(key);
			key = k;
		}
		if (key && !g_hash_table_add(seen, key))
			return hv_error_set(err, EINVAL,
					    "line %d: domain <%s>: its <address> is already used by another device",
					    addr->line, (const char *)c->name);
	}
	return 0;
}

/* Whether any device has a <boot order=> of its own. */
bool
hv_domain_has_device_boot(xmlNode *root)
{
	xmlNode *devs = hv_xml_child(root, "devices");

	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && hv_xml_child(c, "boot"))
			return true;
	return false;
}

/* virDomainDefPostParseCommon: os/boot and per-device boot don't mix. */
static int
check_boot(const HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *boot = hv_xml_path(root, "os/boot");

	if (boot && hv_domain_has_device_boot(root))
		return hv_error_set(err, EINVAL,
				    "line %d: domain '%s': per-device <boot> elements cannot be used together with <os><boot>",
				    boot->line, def->name ? def->name : "");
	return 0;
}

static int
check_consoles(const HvDomainDef *def, xmlNode *root, GError **err)
{
	if (hv_xml_run_checks(root, hv_domain_checks, hv_domain_checks_len, "domain", def->name,
			      err) < 0)
		return -EINVAL;
	if (hv_domain_check_disk_names(hv_xml_child(root, "devices"), err) < 0)
		return -EINVAL;
	return hv_domain_check_consoles(hv_xml_child(root, "devices"), err);
}

typedef int (*DomainCheck)(const HvDomainDef *def, xmlNode *root, GError **err);

static const DomainCheck checks[] = {
	check_resources,
	check_disks,
	check_chardevs,
	check_addresses,
	check_boot,
	check_consoles,
	hv_domain_validate,
	hv_domain_check_values,
};

int
hv_domain_check(const HvDomainDef *def, xmlNode *root, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(checks); i++)
		if (checks[i](def, root, err) < 0)
			return -EINVAL;
	return 0;
}
