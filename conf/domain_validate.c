/* domain_validate.c: the checks of libvirt's domain parser (domain_conf.c,
 * numa_conf.c at v4.0.0) on numbers, ID lists and labels that the rule
 * tables can't express: <vcpusched>/<iothreadsched> lists inside the domain's
 * vCPUs and IOThreads and not overlapping, guest NUMA cells numbered 0..N-1
 * with disjoint vCPU sets within <vcpu>, <numatune><memnode> cells that
 * exist, security labels with distinct models, no USB devices under a
 * 'none' USB controller and disks on addresses their bus can have. One function each, run
 * in libvirt's parse order. */
#include "conf/domain_priv.h"
#include "conf/normalise.h"
#include <stdlib.h>
#include <string.h>

#define FAIL(...) hv_error_set(err, EINVAL, __VA_ARGS__)
#define ID_MAX HV_ID_MAX
#define id_list hv_id_list

/* virDomainIOThreadIDDefParse + virDomainIOThreadIDDefArrayInit: the
 * <iothreadids> given, filled up to <iothreads> with the lowest free IDs. */
static void
iothread_ids(xmlNode *root, bool ids[ID_MAX])
{
	g_autofree char *count = hv_xml_child_text(root, "iothreads");
	unsigned long want = count ? strtoul(count, NULL, 10) : 0, have = 0;

	memset(ids, 0, ID_MAX * sizeof(bool));
	for (xmlNode *t = hv_xml_child(hv_xml_child(root, "iothreadids"), "iothread"); t;
	     t = hv_xml_next_named(t)) {
		g_autofree char *id = hv_xml_prop(t, "id");
		unsigned long n = id ? strtoul(id, NULL, 10) : 0;

		if (n > 0 && n < ID_MAX && !ids[n]) {
			ids[n] = true;
			have++;
		}
	}
	for (unsigned long n = 1; n < ID_MAX && have < want; n++)
		if (!ids[n]) {
			ids[n] = true;
			have++;
		}
}

/* virDomainThreadSchedParseHelper: each listed thread exists (vCPUs below
 * <vcpu>, IOThreads by ID) and has one scheduler. */
static int
check_sched(const HvDomainDef *def, xmlNode *root, GError **err)
{
	static const struct {
		const char *el, *attr;
	} kinds[] = { { "vcpusched", "vcpus" }, { "iothreadsched", "iothreads" } };
	xmlNode *tune = hv_xml_child(root, "cputune");
	bool exists[ID_MAX], taken[ID_MAX], set[ID_MAX];

	for (size_t k = 0; tune && k < G_N_ELEMENTS(kinds); k++) {
		memset(taken, 0, sizeof(taken));
		if (k == 0)
			for (unsigned i = 0; i < ID_MAX; i++)
				exists[i] = i < def->max_vcpus;
		else
			iothread_ids(root, exists);
		for (xmlNode *s = hv_xml_child(tune, kinds[k].el); s; s = hv_xml_next_named(s)) {
			g_autofree char *list = hv_xml_prop(s, kinds[k].attr);

			if (!id_list(list, set))
				continue;
			for (unsigned i = 0; i < ID_MAX; i++) {
				if (!set[i])
					continue;
				if (!exists[i])
					return FAIL("line %d: domain <%s %s='%s'>: %s %u is not in the domain",
						    s->line, kinds[k].el, kinds[k].attr, list,
						    k ? "IOThread" : "vCPU", i);
				if (taken[i])
					return FAIL("line %d: domain <%s>: %s attributes '%s' must not overlap",
						    s->line, kinds[k].el, kinds[k].el, kinds[k].attr);
				taken[i] = true;
			}
		}
	}
	return 0;
}

/* virDomainNumaDefCPUParseXML and virDomainDefParseXML: cells numbered
 * 0..N-1 once each, each with vCPUs, none shared, all below <vcpu>. */
static int
check_numa(const HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *numa = hv_xml_path(root, "cpu/numa");
	unsigned n = hv_xml_count(numa, "cell"), i = 0, total = 0, top = 0;
	g_autofree bool *owner_set = g_new0(bool, n ? n : 1);
	g_autofree int *owner = g_new0(int, ID_MAX);
	bool set[ID_MAX];

	if (!numa)
		return 0;
	if (!n)
		return FAIL("domain <cpu><numa>: NUMA topology defined without NUMA cells");
	for (xmlNode *c = hv_xml_child(numa, "cell"); c; c = hv_xml_next_named(c), i++) {
		g_autofree char *id = hv_xml_prop(c, "id");
		g_autofree char *cpus = hv_xml_prop(c, "cpus");
		unsigned cell = id ? (unsigned)strtoul(id, NULL, 10) : i;
		bool any = false;

		if (cell >= n)
			return FAIL("line %d: domain <cell id='%u'>: exactly one 'cell' element per guest NUMA "
				    "cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed",
				    c->line, cell);
		if (owner_set[cell])
			return FAIL("line %d: domain <cell>: duplicate NUMA cell info for cell id '%u'", c->line, cell);
		owner_set[cell] = true;
		if (!id_list(cpus, set))
			continue;
		for (unsigned k = 0; k < ID_MAX; k++) {
			if (!set[k])
				continue;
			if (owner[k])
				return FAIL("line %d: domain <cell>: NUMA cells %u and %d have overlapping vCPU ids",
					    c->line, cell, owner[k] - 1);
			owner[k] = (int)cell + 1;
			any = true;
			total++;
			top = MAX(top, k);
		}
		if (!any)
			return FAIL("line %d: domain <cell>: NUMA cell %u has no vCPUs assigned", c->line, cell);
	}
	if (total > def->max_vcpus)
		return FAIL("domain <cpu><numa>: the number of CPUs in <numa> exceeds the <vcpu> count");
	if (total && top >= def->max_vcpus)
		return FAIL("domain <cpu><numa>: CPU IDs in <numa> exceed the <vcpu> count");
	return 0;
}

/* virDomainNumatuneNodeParseXML: a <memnode> names an existing guest NUMA
 * cell, once. */
static int
check_memnodes(const HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *tune = hv_xml_child(root, "numatune");
	unsigned cells = hv_xml_count(hv_xml_path(root, "cpu/numa"), "cell");
	g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);

	for (xmlNode *m = hv_xml_child(tune, "memnode"); m; m = hv_xml_next_named(m)) {
		g_autofree char *id = hv_xml_prop(m, "cellid");
		unsigned long cell = id ? strtoul(id, NULL, 10) : 0;

		if (!cells)
			return FAIL("line %d: domain <memnode>: element 'memnode' is invalid without any guest NUMA cells",
				    m->line);
		if (cell >= cells)
			return FAIL("line %d: domain <memnode cellid='%lu'>: argument 'cellid' in memnode element "
				    "must correspond to existing guest's NUMA cell", m->line, cell);
		if (!g_hash_table_add(seen, GUINT_TO_POINTER(cell + 1)))
			return FAIL("line %d: domain <memnode>: multiple memnode elements with cellid %lu", m->line, cell);
	}
	return 0;
}

/* virSecurityLabelDefsParseXML: models differ, and with more than one label
 * each names its model; virSecurityDeviceLabelDefParseXML: a device's labels
 * differ in model, and override only a domain label that relabels. */
static int
check_labels(xmlNode *parent, xmlNode *root, bool device, GError **err)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	unsigned n = hv_xml_count(parent, "seclabel");

	for (xmlNode *l = hv_xml_child(parent, "seclabel"); l; l = hv_xml_next_named(l)) {
		g_autofree char *model = hv_xml_prop(l, "model");

		if (!model && !device && n > 1)
			return FAIL("line %d: domain <seclabel>: missing security model when using multiple labels",
				    l->line);
		if (model && g_hash_table_contains(seen, model))
			return FAIL("line %d: domain <seclabel>: seclabel for model %s is already provided", l->line,
				    model);
		if (model && device)
			for (xmlNode *d = hv_xml_child(root, "seclabel"); d; d = hv_xml_next_named(d)) {
				g_autofree char *dm = hv_xml_prop(d, "model");
				g_autofree char *type = hv_xml_prop(d, "type");
				g_autofree char *relabel = hv_xml_prop(d, "relabel");
				bool relabels = relabel ? !strcmp(relabel, "yes") : g_strcmp0(type, "static") &&
											g_strcmp0(type, "none");

				if (!g_strcmp0(dm, model) && !relabels)
					return FAIL("line %d: domain <seclabel model='%s'>: label overrides require "
						    "relabeling to be enabled at the domain level", l->line, model);
			}
		if (model)
			g_hash_table_add(seen, g_steal_pointer(&model));
	}
	return 0;
}

static void
device_sources(xmlNode *el, GPtrArray *out)
{
	for (xmlNode *c = el->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		if (!strcmp((const char *)c->name, "source"))
			g_ptr_array_add(out, c);
		else if (!strcmp((const char *)c->name, "backingStore") || !strcmp((const char *)c->name, "backend"))
			device_sources(c, out);
	}
}

static int
check_seclabels(const HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *devs = hv_xml_child(root, "devices");
	g_autoptr(GPtrArray) sources = g_ptr_array_new();

	if (check_labels(root, root, false, err) < 0)
		return -EINVAL;
	for (xmlNode *d = devs ? devs->children : NULL; d; d = d->next)
		if (d->type == XML_ELEMENT_NODE && !d->ns)
			device_sources(d, sources);
	for (guint i = 0; i < sources->len; i++)
		if (check_labels(sources->pdata[i], root, true, err) < 0)
			return -EINVAL;
	return 0;
}

/* virDomainDiskDefParseXML and virDomainDiskDefParseValidate: a floppy is
 * named fd* and is on fdc, nothing else is; a disk or lun is named
 * hd/sd/vd/xvd/ubd*; event_idx= and ioeventfd= are virtio's. */
static int
check_disk_parse(xmlNode *d, const char *bus, GError **err)
{
	static const char *const disk_prefixes[] = { "hd", "sd", "vd", "xvd", "ubd", NULL };
	g_autofree char *device = hv_xml_prop(d, "device");
	g_autofree char *dev = hv_xml_child_prop(d, "target", "dev");
	xmlNode *drv = hv_xml_child(d, "driver");
	bool floppy = !g_strcmp0(device, "floppy");
	bool disk = !device || !strcmp(device, "disk") || !strcmp(device, "lun");
	bool named = false;

	for (size_t i = 0; dev && disk_prefixes[i]; i++)
		named |= g_str_has_prefix(dev, disk_prefixes[i]);
	if (floppy && dev && !g_str_has_prefix(dev, "fd"))
		return FAIL("line %d: domain <disk>: invalid floppy device name: %s", d->line, dev);
	if (disk && dev && !named)
		return FAIL("line %d: domain <disk>: invalid harddisk device name: %s", d->line, dev);
	if (g_strcmp0(bus, "virtio") && drv && (xmlHasProp(drv, (const xmlChar *)"event_idx") ||
						xmlHasProp(drv, (const xmlChar *)"ioeventfd")))
		return FAIL("line %d: domain <disk>: disk event_idx and ioeventfd modes are supported only for virtio bus",
			    d->line);
	if (floppy && bus && strcmp(bus, "fdc"))
		return FAIL("line %d: domain <disk>: invalid bus type '%s' for floppy disk", d->line, bus);
	if (!floppy && !g_strcmp0(bus, "fdc"))
		return FAIL("line %d: domain <disk>: invalid bus type 'fdc' for disk", d->line);
	return 0;
}

/* virDomainDiskDefValidate: an ide, fdc, scsi or sata disk sits on a drive
 * address (virDomainDiskAddressDiskBusCompatibility); queues= is virtio's. */
static int
check_disk_buses(const HvDomainDef *def, xmlNode *root, GError **err)
{
	static const char *const drive_buses[] = { "ide", "fdc", "scsi", "sata", NULL };
	xmlNode *devs = hv_xml_child(root, "devices");

	for (xmlNode *d = hv_xml_child(devs, "disk"); d; d = hv_xml_next_named(d)) {
		g_autofree char *bus = hv_domain_disk_bus(d);
		g_autofree char *atype = hv_xml_child_prop(d, "address", "type");
		g_autofree char *queues = hv_xml_child_prop(d, "driver", "queues");

		if (bus && atype && hv_str_index(drive_buses, bus) >= 0 && strcmp(atype, "drive"))
			return FAIL("line %d: domain <disk>: invalid address type '%s' for a disk on bus '%s'",
				    d->line, atype, bus);
		if (queues && strtoul(queues, NULL, 10) && g_strcmp0(bus, "virtio"))
			return FAIL("line %d: domain <disk>: queues attribute in disk driver element is only "
				    "supported by virtio-blk", d->line);
		if (check_disk_parse(d, bus, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* virDomainDefParseXML: with a <controller type='usb' model='none'> the
 * domain has no USB: no other USB controller, USB input, USB hub or USB host
 * device (virDomainInputDefParseXML's bus default: usb for an HVM input but an
 * x86 mouse or keyboard);
 * virDomainRedirdevDefValidate: no USB redirection either. */
static int
check_usb_none(const HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *devs = hv_xml_child(root, "devices");
	g_autofree char *os = hv_xml_child_text(hv_xml_child(root, "os"), "type");
	g_autofree char *arch = hv_xml_prop(hv_xml_path(root, "os/type"), "arch");
	bool hvm = !g_strcmp0(os ? g_strstrip(os) : NULL, "hvm");
	bool x86 = !arch || !strcmp(arch, "i686") || !strcmp(arch, "x86_64");
	unsigned usb = 0;
	bool none = false;

	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");
		g_autofree char *model = hv_xml_prop(c, "model");

		if (!g_strcmp0(type, "usb")) {
			usb++;
			none |= !g_strcmp0(model, "none");
		}
	}
	if (!none)
		return 0;
	if (usb > 1)
		return FAIL("domain <controller type='usb' model='none'>: can't add another USB controller: "
			    "USB is disabled for this domain");
	for (xmlNode *c = devs->children; c; c = c->next) {
		g_autofree char *bus = c->type == XML_ELEMENT_NODE ? hv_xml_prop(c, "bus") : NULL;
		g_autofree char *type = c->type == XML_ELEMENT_NODE ? hv_xml_prop(c, "type") : NULL;
		const char *name = (const char *)c->name;
		bool uses = false;

		if (c->type != XML_ELEMENT_NODE || c->ns)
			continue;
		if (!strcmp(name, "input"))
			uses = !g_strcmp0(bus, "usb") || (!bus && hvm && !(x86 && (!g_strcmp0(type, "mouse") ||
										  !g_strcmp0(type, "keyboard"))));
		else if (!strcmp(name, "hub") || !strcmp(name, "hostdev"))
			uses = !g_strcmp0(type, "usb");
		else if (!strcmp(name, "redirdev"))
			uses = !g_strcmp0(bus, "usb");
		if (uses)
			return FAIL("line %d: domain <%s>: can't add a USB device: USB is disabled for this domain",
				    c->line, name);
	}
	return 0;
}

/* virNetDevVlanParse for each interface's <vlan> */
static int
check_vlans(const HvDomainDef *def, xmlNode *root, GError **err)
{
	return hv_vlan_check_all(hv_xml_child(root, "devices") ? hv_xml_child(root, "devices") : root, "domain", err);
}

/* virDomainDefPostParseMemory: memory devices within <memory> (when no NUMA
 * cells give it), <maxMemory> with its slots and not below it. */
static int
check_memory(const HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *maxm = hv_xml_child(root, "maxMemory");
	uint64_t dimms = hv_domain_dimm_memory_kib(root);
	uint64_t max_kib = 0;

	/* without <memory> the total is the cells' and the devices' (a fuzz
	 * finding: <maxMemory> was then left unchecked) */
	bool from_numa = !hv_xml_child(root, "memory") && hv_domain_numa_memory_kib(root);

	if (!from_numa && dimms > def->max_memory_kib)
		return FAIL("domain <devices><memory>: total size of memory devices exceeds the total memory size");
	/* libvirt also refuses a domain with no memory at all ("Memory size must
	 * be specified"); hyperfs's nodes and the test driver define such
	 * domains, so that is left out */
	if (maxm) {
		g_autofree char *num = hv_xml_text(maxm);
		g_autofree char *unit = hv_xml_prop(maxm, "unit");
		uint64_t bytes = 0;

		if (num && hv_scaled_parse(g_strstrip(num), unit, 1024, &bytes, "maxMemory", NULL) == 0)
			max_kib = bytes / 1024 + (bytes % 1024 ? 1 : 0);
		if (!xmlHasProp(maxm, (const xmlChar *)"slots") || !max_kib)
			return FAIL("domain <maxMemory>: both maximum memory size and memory slot count must be specified");
		if (max_kib < def->max_memory_kib)
			return FAIL("domain <maxMemory>: maximum memory size must be equal or greater than the actual memory size");
	}
	return 0;
}

/* virDomainDiskDefIotuneParse: a total and a read or write limit of the same
 * kind are not both set (0 is unset). */
static int
check_iotune(const HvDomainDef *def, xmlNode *root, GError **err)
{
	static const char *const kinds[] = { "bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max", NULL };
	xmlNode *devs = hv_xml_child(root, "devices");

	for (xmlNode *d = hv_xml_child(devs, "disk"); d; d = hv_xml_next_named(d)) {
		xmlNode *tune = hv_xml_child(d, "iotune");

		for (size_t k = 0; tune && kinds[k]; k++) {
			bool set[3];

			for (int i = 0; i < 3; i++) {
				g_autofree char *el = g_strdup_printf("%s_%s", (const char *[]){ "total", "read", "write" }[i],
								      kinds[k]);
				g_autofree char *v = hv_xml_child_text(tune, el);

				set[i] = v && strtoull(v, NULL, 10) != 0;
			}
			if (set[0] && (set[1] || set[2]))
				return FAIL("line %d: domain <disk><iotune>: total and read/write %s cannot be set at the same time",
					    tune->line, kinds[k]);
		}
	}
	return 0;
}

typedef int (*ValidateCheck)(const HvDomainDef *def, xmlNode *root, GError **err);

static const ValidateCheck validate_checks[] = {
	check_memory,
	check_seclabels,
	check_sched,
	check_numa,
	check_memnodes,
	check_usb_none,
	check_disk_buses,
	check_vlans,
	check_iotune,
};

int
hv_domain_validate(const HvDomainDef *def, xmlNode *root, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(validate_checks); i++)
		if (validate_checks[i](def, root, err) < 0)
			return -EINVAL;
	return 0;
}
