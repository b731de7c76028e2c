/* qemu_postparse.c: what libvirt's QEMU driver adds to a domain after the
 * generic parse (src/qemu/qemu_domain.c at v4.0.0), as tables by machine and
 * by device: the default devices of qemuDomainDefAddDefaultDevices (implicit
 * PS/2 inputs, USB controller, SATA, PCI root, memballoon, panic), the device
 * defaults of qemuDomainDeviceDefPostParse (net and video models, serial
 * target types, panic and controller models) and qemuDomainDefPostParse's
 * GIC version, CPU check and nvram path. The qemu driver's capabilities are
 * taken as none (qemuxml2xmltest's NONE), so nothing that needs a capability
 * is added. Addresses follow in qemu_address.c. Internal to conf/. */
#include "conf/qemu_priv.h"
#include "conf/normalise.h"
#include "conf/rules.h"
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

/* ---- machines */

static bool
is_in_set(const char *v, const char *set)
{
	return v && hv_qemu_arch_in(v, set);
}

static bool
has_prefix_in(const char *s, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (g_str_has_prefix(s, set[i]))
			return true;
	return false;
}

static bool
is_i440fx(const char *m)
{
	static const char *const p[] = { "pc-0.", "pc-1.", "pc-i440", "rhel", NULL };

	return !strcmp(m, "pc") || has_prefix_in(m, p);
}

static bool
is_q35(const char *m)
{
	return !strcmp(m, "q35") || g_str_has_prefix(m, "pc-q35");
}

static bool
named_or_versioned(const char *m, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(m, name, n) && (!m[n] || m[n] == '-');
}

/* qemuDomainIsI440FX, qemuDomainIsQ35, qemuDomainIsVirt, qemuDomainIsPSeries */
static const struct {
	HvQemuMachine kind;
	const char *arches; /* '|'-separated, NULL: any */
	bool (*match)(const char *machine);
	const char *name;   /* or a machine name (and its versions, name-...) */
} machine_kinds[] = {
	{ HV_QEMU_ISAPC, "i686|x86_64", NULL, "isapc" },
	{ HV_QEMU_Q35, "i686|x86_64", is_q35, NULL },
	{ HV_QEMU_I440FX, "i686|x86_64", is_i440fx, NULL },
	{ HV_QEMU_VIRT, "armv7l|aarch64", NULL, "virt" },
	{ HV_QEMU_PSERIES, "ppc64|ppc64le", NULL, "pseries" },
	{ HV_QEMU_S390_CCW, "s390|s390x", NULL, "s390-ccw" },
};

bool
hv_qemu_arch_in(const char *arch, const char *set)
{
	g_auto(GStrv) parts = g_strsplit(set, "|", -1);

	for (size_t i = 0; parts[i]; i++)
		if (!strcmp(parts[i], arch))
			return true;
	return false;
}

/* the machine a guest of that arch gets when it names none (the QEMU
 * binary's default, as capabilities report it: the pc alias on x86) */
static const struct {
	const char *arches, *machine;
} default_machines[] = {
	{ "i686|x86_64", "pc" },
	{ "ppc64|ppc64le", "pseries" },
	{ "s390x", "s390-ccw-virtio" },
};

/* virDomainDefParseXML with the driver's capabilities: an HVM guest without
 * arch= is the host's, without machine= the arch's default machine */
static void
default_arch_machine(xmlNode *root)
{
	xmlNode *type = hv_xml_path(root, "os/type");
	g_autofree char *os = type ? hv_xml_text(type) : NULL;
	g_autofree char *arch = hv_xml_prop(type, "arch");
	struct utsname u;

	if (!type || !os || strcmp(g_strstrip(os), "hvm"))
		return;
	if (!arch && uname(&u) == 0) {
		arch = g_strdup(u.machine);
		hv_xml_set_prop(type, "arch", arch);
	}
	for (size_t i = 0; arch && i < G_N_ELEMENTS(default_machines); i++)
		if (hv_qemu_arch_in(arch, default_machines[i].arches))
			hv_xml_default_prop(type, "machine", default_machines[i].machine);
	if (xmlHasProp(type, (const xmlChar *)"machine")) {
		hv_xml_prop_to_front(type, "machine");
		hv_xml_prop_to_front(type, "arch");
	}
}

void
hv_qemu_guest(xmlNode *root, HvQemuGuest *g)
{
	xmlNode *type;
	g_autofree char *arch = NULL;
	g_autofree char *machine = NULL;
	g_autofree char *virt = hv_xml_prop(root, "type");

	default_arch_machine(root);
	type = hv_xml_path(root, "os/type");
	arch = hv_xml_prop(type, "arch");
	machine = hv_xml_prop(type, "machine");

	/* no arch= : the host's (x86_64 here and in libvirt's tests); no
	 * machine= : the default machine, pc on x86 */
	g_strlcpy(g->arch, arch ? arch : "x86_64", sizeof(g->arch));
	g_strlcpy(g->machine, machine ? machine : "", sizeof(g->machine));
	g->tcg = !g_strcmp0(virt, "qemu");
	{
		g_autofree char *os = hv_xml_text(type);

		g->hvm = os && !strcmp(g_strstrip(os), "hvm");
	}
	g->kind = HV_QEMU_OTHER;
	if (!machine && hv_qemu_arch_in(g->arch, "i686|x86_64"))
		g->kind = HV_QEMU_I440FX;
	for (size_t i = 0; machine && i < G_N_ELEMENTS(machine_kinds); i++) {
		if (machine_kinds[i].arches && !hv_qemu_arch_in(g->arch, machine_kinds[i].arches))
			continue;
		if (machine_kinds[i].match ? machine_kinds[i].match(machine)
					   : named_or_versioned(machine, machine_kinds[i].name)) {
			g->kind = machine_kinds[i].kind;
			break;
		}
	}
}

/* qemuDomainDefAddDefaultDevices, by architecture and machine (first match;
 * capabilities none: q35 gets no USB, aarch64 virt no pcie-root). */
static const struct {
	const char *arches; /* NULL: any */
	int kind;           /* an HvQemuMachine, -1: any */
	const char *root;   /* PCI root model, NULL: none */
	bool usb, sata, balloon, usb_inputs;
	const char *panic;  /* a panic device added unless one exists */
} machine_defaults[] = {
	{ "i686|x86_64", HV_QEMU_ISAPC, NULL, false, false, true, false, NULL },
	{ "i686|x86_64", HV_QEMU_Q35, "pcie-root", false, true, true, false, NULL },
	{ "i686|x86_64", HV_QEMU_I440FX, "pci-root", true, false, true, false, NULL },
	{ "i686|x86_64", -1, NULL, true, false, true, false, NULL },
	{ "armv7l|aarch64", -1, NULL, false, false, false, false, NULL },
	{ "ppc64|ppc64le", HV_QEMU_PSERIES, "pci-root", true, false, true, true, "pseries" },
	{ "ppc64|ppc64le", -1, "pci-root", true, false, true, true, NULL },
	{ "alpha|ppc|ppcemb|sh4|sh4eb|sparc|sparc64", -1, "pci-root", true, false, true, false, NULL },
	{ "s390|s390x", -1, NULL, false, false, true, false, "s390" },
	{ NULL, -1, NULL, true, false, true, false, NULL },
};

static xmlNode *
find_device(xmlNode *devs, const char *kind, const char *attr, const char *value, long idx)
{
	for (xmlNode *c = hv_xml_child(devs, kind); c; c = hv_xml_next_named(c)) {
		g_autofree char *v = attr ? hv_xml_prop(c, attr) : NULL;
		g_autofree char *i = idx >= 0 ? hv_xml_prop(c, "index") : NULL;

		if ((!attr || !g_strcmp0(v, value)) && (idx < 0 || (i && strtol(i, NULL, 10) == idx)))
			return c;
	}
	return NULL;
}

static xmlNode *
add_device(xmlNode *devs, const char *kind)
{
	return xmlNewChild(devs, NULL, (const xmlChar *)kind, NULL);
}

/* virDomainDefMaybeAddInput: one of that type on that bus unless there is */
static void
maybe_input(xmlNode *devs, const char *type, const char *bus)
{
	for (xmlNode *c = hv_xml_child(devs, "input"); c; c = hv_xml_next_named(c)) {
		g_autofree char *t = hv_xml_prop(c, "type");
		g_autofree char *b = hv_xml_prop(c, "bus");

		if (!g_strcmp0(t, type) && !g_strcmp0(b, bus))
			return;
	}
	xmlNode *in = add_device(devs, "input");

	hv_xml_set_prop(in, "type", type);
	hv_xml_set_prop(in, "bus", bus);
}

static void
maybe_controller(xmlNode *devs, const char *type, const char *model)
{
	xmlNode *c;

	if (find_device(devs, "controller", "type", type, 0))
		return;
	c = add_device(devs, "controller");
	hv_xml_set_prop(c, "type", type);
	hv_xml_set_prop(c, "index", "0");
	hv_xml_set_prop(c, "model", model);
}

static size_t
defaults_row(const HvQemuGuest *g)
{
	size_t r = 0;

	for (; r < G_N_ELEMENTS(machine_defaults) - 1; r++)
		if ((!machine_defaults[r].arches || hv_qemu_arch_in(g->arch, machine_defaults[r].arches)) &&
		    (machine_defaults[r].kind < 0 || machine_defaults[r].kind == (int)g->kind))
			break;
	return r;
}

/* A virt guest's devices that only QEMU's PCI host (gpex) can take: those
 * qemuDomainAssignARMVirtioMMIOAddresses can't put on virtio-mmio (videos,
 * PCI serial ports, sound, 9p filesystems, non-virtio NICs, PCI host
 * devices and controllers...). The QEMU binary is taken to have what the
 * document asks for, so such a device means gpex, and with it
 * qemuDomainDefAddDefaultDevices adds a pcie-root. */
static const struct {
	const char *kind; /* "*": any device */
	const char *when; /* a rules.h condition on it, NULL: always */
} virt_pci_only[] = {
	{ "*", "address@type=pci" },
	{ "video", NULL },
	{ "graphics", NULL }, /* its implicit video */
	{ "serial", "target@type=pci-serial" },
	{ "sound", NULL },
	{ "filesystem", NULL },
	{ "shmem", NULL },
	{ "watchdog", "@model=i6300esb" },
	{ "hostdev", "@type=pci" },
	{ "controller", "@type=pci|sata|ide" },
	{ "controller", "@type=usb @model!=|none|qusb1|qusb2" },
	{ "interface", "@type!=hostdev +model model@type!=virtio" },
};

static bool
virt_needs_pci(xmlNode *devs)
{
	for (xmlNode *d = devs->children; d; d = d->next)
		for (size_t i = 0; d->type == XML_ELEMENT_NODE && i < G_N_ELEMENTS(virt_pci_only); i++)
			if ((!strcmp(virt_pci_only[i].kind, "*") || !strcmp((const char *)d->name, virt_pci_only[i].kind)) &&
			    hv_rule_when(d, virt_pci_only[i].when))
				return true;
	return false;
}

void
hv_qemu_add_defaults(xmlNode *root, xmlNode *devs, const HvQemuGuest *g)
{
	size_t r = defaults_row(g);

	/* the inputs a user wrote have their bus (virDomainInputDefParseXML)
	 * before any is added */
	for (xmlNode *c = hv_xml_child(devs, "input"); c && g->hvm; c = hv_xml_next_named(c)) {
		g_autofree char *t = hv_xml_prop(c, "type");
		bool ps2 = !g_strcmp0(t, "mouse") || !g_strcmp0(t, "keyboard");

		hv_xml_default_prop(c, "bus", ps2 && hv_qemu_arch_in(g->arch, "i686|x86_64") ? "ps2" : "usb");
	}
	/* qemuDomainDefAddImplicitInputDevice */
	if (hv_qemu_arch_in(g->arch, "i686|x86_64")) {
		maybe_input(devs, "mouse", "ps2");
		maybe_input(devs, "keyboard", "ps2");
	}
	if (machine_defaults[r].usb)
		maybe_controller(devs, "usb", NULL);
	if (machine_defaults[r].sata)
		maybe_controller(devs, "sata", NULL);
	if (machine_defaults[r].root)
		maybe_controller(devs, "pci", machine_defaults[r].root);
	else if (g->kind == HV_QEMU_VIRT && !hv_qemu_has_pcie_root(devs) && virt_needs_pci(devs))
		maybe_controller(devs, "pci", "pcie-root");
	if (machine_defaults[r].balloon && !hv_xml_child(devs, "memballoon"))
		hv_xml_set_prop(add_device(devs, "memballoon"), "model", "virtio");
	if (machine_defaults[r].usb_inputs && hv_xml_child(devs, "graphics")) {
		maybe_input(devs, "keyboard", "usb");
		maybe_input(devs, "mouse", "usb");
	}
	if (machine_defaults[r].panic) {
		bool found = false;

		for (xmlNode *p = hv_xml_child(devs, "panic"); p && !found; p = hv_xml_next_named(p)) {
			g_autofree char *m = hv_xml_prop(p, "model");

			found = !m || !strcmp(m, machine_defaults[r].panic);
		}
		if (!found)
			add_device(devs, "panic");
	}
	(void)root;
}

/* ---- device defaults (qemuDomainDeviceDefPostParse) */

/* qemuDomainChrDefPostParse: a serial port's target type by machine, then
 * its model by target type */
static const struct {
	const char *arches;
	int kind; /* an HvQemuMachine, -1: any of those arches */
	const char *type;
} serial_types[] = {
	{ "i686|x86_64", -1, "isa-serial" },
	{ "ppc64|ppc64le", HV_QEMU_PSERIES, "spapr-vio-serial" },
	{ "armv7l|aarch64", HV_QEMU_VIRT, "system-serial" },
	{ "s390|s390x", -1, "sclp-serial" },
};

static const struct {
	const char *type, *model;
} serial_models[] = {
	{ "isa-serial", "isa-serial" }, { "usb-serial", "usb-serial" },
	{ "pci-serial", "pci-serial" }, { "spapr-vio-serial", "spapr-vty" },
	{ "system-serial", "pl011" },   { "sclp-serial", "sclpconsole" },
};

static void
serial_target(xmlNode *serial, const HvQemuGuest *g)
{
	xmlNode *t = hv_xml_child(serial, "target");
	g_autofree char *type = hv_xml_prop(t, "type");

	if (!t)
		t = xmlNewChild(serial, NULL, (const xmlChar *)"target", NULL);
	if (!type || !strcmp(type, "isa-serial")) {
		g_free(g_steal_pointer(&type));
		for (size_t i = 0; i < G_N_ELEMENTS(serial_types); i++)
			if (hv_qemu_arch_in(g->arch, serial_types[i].arches) &&
			    (serial_types[i].kind < 0 || serial_types[i].kind == (int)g->kind)) {
				type = g_strdup(serial_types[i].type);
				break;
			}
		hv_xml_set_prop(t, "type", type);
		hv_xml_prop_to_front(t, "type");
	}
	for (size_t i = 0; type && i < G_N_ELEMENTS(serial_models); i++)
		if (!strcmp(type, serial_models[i].type) && !hv_xml_child(t, "model"))
			hv_xml_set_prop(xmlNewChild(t, NULL, (const xmlChar *)"model", NULL), "name",
					serial_models[i].model);
}

/* qemuDomainDefaultNetModel (with capabilities none: rtl8139 outside ARM
 * and s390) */
static const char *
net_model(const HvQemuGuest *g)
{
	if (hv_qemu_arch_in(g->arch, "s390|s390x"))
		return "virtio";
	if (hv_qemu_arch_in(g->arch, "armv7l|aarch64"))
		return !strcmp(g->machine, "versatilepb") ? "smc91c111"
		       : g->kind == HV_QEMU_VIRT	  ? "virtio"
							  : "lan9118";
	return "rtl8139";
}

static const char *
video_model(const HvQemuGuest *g)
{
	if (hv_qemu_arch_in(g->arch, "ppc64|ppc64le"))
		return "vga";
	return g->kind == HV_QEMU_VIRT ? "virtio" : "cirrus";
}

/* qemuDomainShmemDefPostParse: 4 MiB unless a doorbell (which has a server
 * and so MSI with ioeventfd) */
static void
shmem_defaults(xmlNode *shm)
{
	g_autofree char *model = hv_xml_child_prop(shm, "model", "type");
	xmlNode *server = hv_xml_child(shm, "server");

	if (g_strcmp0(model, "ivshmem-doorbell") && !hv_xml_child(shm, "size")) {
		xmlNode *size = xmlNewDocNode(shm->doc, NULL, (const xmlChar *)"size",
					      (const xmlChar *)"4");
		xmlNode *after = hv_xml_child(shm, "model");

		hv_xml_set_prop(size, "unit", "M");
		if (after)
			xmlAddNextSibling(after, size);
		else if (shm->children)
			xmlAddPrevSibling(shm->children, size);
		else
			xmlAddChild(shm, size);
	}
	if (!model || !strcmp(model, "ivshmem") || !server)
		return;
	xmlNode *msi = hv_xml_child(shm, "msi");

	if (!msi) {
		msi = xmlNewDocNode(shm->doc, NULL, (const xmlChar *)"msi", NULL);
		xmlAddNextSibling(server, msi);
	}
	hv_xml_default_prop(msi, "ioeventfd", "on");
}

static void
device_defaults(xmlNode *devs, const HvQemuGuest *g)
{
	bool s390 = hv_qemu_arch_in(g->arch, "s390|s390x");

	for (xmlNode *c = hv_xml_child(devs, "interface"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");

		if (g_strcmp0(type, "hostdev") && !hv_xml_child(c, "model")) {
			/* the parser read no virtio tuning without a model
			 * (virDomainNetDefParseXML), whatever the default is */
			hv_xml_remove_children(c, "driver");
			if (hv_xml_child(c, "backend"))
				hv_xml_set_prop(hv_xml_child(c, "backend"), "vhost", NULL);
			hv_xml_set_prop(xmlNewChild(c, NULL, (const xmlChar *)"model", NULL), "type",
					net_model(g));
		}
	}
	for (xmlNode *v = hv_xml_child(devs, "video"); v; v = hv_xml_next_named(v)) {
		xmlNode *m = hv_xml_child(v, "model");
		g_autofree char *type = NULL;

		if (!m)
			m = xmlNewChild(v, NULL, (const xmlChar *)"model", NULL);
		hv_xml_default_prop(m, "type", video_model(g));
		type = hv_xml_prop(m, "type");
		if (!g_strcmp0(type, "qxl"))
			hv_xml_default_prop(m, "vgamem", "16384"); /* QEMU_QXL_VGAMEM_DEFAULT */
	}
	for (xmlNode *p = hv_xml_child(devs, "panic"); p; p = hv_xml_next_named(p))
		hv_xml_default_prop(p, "model", g->kind == HV_QEMU_PSERIES ? "pseries"
						: s390			  ? "s390"
									  : "isa");
	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");

		/* qemuDomainControllerDefPostParse */
		if (s390 && !g_strcmp0(type, "scsi"))
			hv_xml_default_prop(c, "model", "virtio-scsi");
		if (s390 && !g_strcmp0(type, "usb") && !hv_xml_child(c, "address"))
			hv_xml_default_prop(c, "model", "none");
	}
	for (xmlNode *s = hv_xml_child(devs, "serial"); s; s = hv_xml_next_named(s))
		serial_target(s, g);
	for (xmlNode *s = hv_xml_child(devs, "shmem"); s; s = hv_xml_next_named(s))
		shmem_defaults(s);
}

/* ---- the domain (qemuDomainDefPostParse) */

/* qemuDomainDefCPUPostParse: check= by mode (custom CPUs of TCG guests are
 * not compared with the host) */
static void
cpu_check(xmlNode *root, const HvQemuGuest *g)
{
	xmlNode *cpu = hv_xml_child(root, "cpu");
	g_autofree char *mode = hv_xml_prop(cpu, "mode");
	g_autofree char *check = hv_xml_prop(cpu, "check");
	g_autofree char *model = hv_xml_child_text(cpu, "model");
	const char *want = NULL;

	if (!cpu || (check && strcmp(check, "default")))
		return;
	if (!g_strcmp0(mode, "host-passthrough"))
		want = "none";
	else if (!g_strcmp0(mode, "host-model"))
		want = "partial";
	else if ((!mode || !strcmp(mode, "custom")) && model && *g_strstrip(model))
		want = g->tcg ? "none" : "partial"; /* an empty <model/> is none */
	if (want)
		hv_xml_set_prop(cpu, "check", want);
}

/* qemuDomainDefEnableDefaultFeatures: the virt machine always has a GIC;
 * with no usable version known (and v3 never chosen for TCG) it is v2 */
static void
gic_version(xmlNode *root, const HvQemuGuest *g)
{
	xmlNode *gic = hv_xml_path(root, "features/gic");
	g_autofree char *state = hv_xml_prop(gic, "state");

	if (!gic && g->kind == HV_QEMU_VIRT)
		gic = xmlNewChild(hv_xml_ensure_child(root, "features"), NULL, (const xmlChar *)"gic",
				  NULL);
	if (gic && g_strcmp0(state, "off"))
		hv_xml_default_prop(gic, "version", "2");
}

/* qemuDomainDefPostParse: a read-only pflash loader gets its variable
 * store under the driver's nvram folder */
static void
nvram_path(xmlNode *root)
{
	xmlNode *os = hv_xml_child(root, "os");
	xmlNode *loader = hv_xml_child(os, "loader");
	g_autofree char *type = hv_xml_prop(loader, "type");
	g_autofree char *ro = hv_xml_prop(loader, "readonly");
	g_autofree char *name = hv_xml_child_text(root, "name");
	xmlNode *nv = hv_xml_child(os, "nvram");
	g_autofree char *text = nv ? hv_xml_text(nv) : NULL;
	g_autofree char *path = NULL;

	if (g_strcmp0(type, "pflash") || g_strcmp0(ro, "yes") || (text && *g_strstrip(text)))
		return;
	path = g_strdup_printf(HV_QEMU_NVRAM_DIR "/%s_VARS.fd", name ? g_strstrip(name) : "");
	if (!nv)
		nv = xmlNewChild(os, NULL, (const xmlChar *)"nvram", NULL);
	hv_xml_set_text(nv, path);
}

/* qemuDomainDefPostParseBasic: no <emulator> is the arch's QEMU binary
 * (virDomainDefGetDefaultEmulator, from the capabilities) */
static const struct {
	const char *arches, *target;
} emulators[] = {
	{ "i686", "i386" },
	{ "ppc64le", "ppc64" },
	{ "armv7l", "arm" },
};

static void
default_emulator(xmlNode *devs, const HvQemuGuest *g)
{
	const char *target = g->arch;
	g_autofree char *path = NULL;
	xmlNode *el;

	if (hv_xml_child(devs, "emulator"))
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(emulators); i++)
		if (hv_qemu_arch_in(g->arch, emulators[i].arches))
			target = emulators[i].target;
	path = g_strdup_printf("/usr/bin/qemu-system-%s", target);
	el = xmlNewDocNode(devs->doc, NULL, (const xmlChar *)"emulator", (const xmlChar *)path);
	if (devs->children)
		xmlAddPrevSibling(devs->children, el);
	else
		xmlAddChild(devs, el);
}

/* qemuDomainChrDefDropDefaultPath: the driver's channelTargetDir, where
 * it makes the sockets of virtio channels, as qemuxml2xmltest configures
 * it (tests/testutilsqemu.c; the corpus keeps a socket under the privileged
 * driver's /var/lib/libvirt/qemu/channel/target: interface-server) */
static const char *const channel_target_dirs[] = {
	"/tmp/channel",
};

/* qemuDomainChrDefPostParse with PARSE_INACTIVE: a virtio channel's unix
 * socket at a path the driver generates (libvirt's own pattern, with its
 * alternation as written: DIR/NAME. or domain-ID/TARGET at the end) is the
 * driver's to make, so the path goes, and with it the <source> */
void
hv_qemu_drop_channel_paths(xmlNode *devs)
{
	for (xmlNode *c = hv_xml_child(devs, "channel"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");
		g_autofree char *ttype = hv_xml_child_prop(c, "target", "type");
		g_autofree char *name = hv_xml_child_prop(c, "target", "name");
		xmlNode *src = hv_xml_child(c, "source");
		g_autofree char *path = hv_xml_prop(src, "path");

		if (g_strcmp0(type, "unix") || g_strcmp0(ttype, "virtio") || !path || !name)
			continue;
		for (size_t i = 0; i < G_N_ELEMENTS(channel_target_dirs); i++) {
			g_autofree char *dir = g_regex_escape_string(channel_target_dirs[i], -1);
			g_autofree char *tname = g_regex_escape_string(name, -1);
			g_autofree char *re = g_strdup_printf("^%s/([^/]+\\.)|(domain-[^/]+/)%s$", dir, tname);

			if (g_regex_match_simple(re, path, 0, 0)) {
				xmlUnlinkNode(src);
				xmlFreeNode(src);
				break;
			}
		}
	}
}

/* qemuDomainRecheckInternalPaths with PARSE_INACTIVE: a VNC socket under
 * the driver's libDir (qemuxml2xmltest's /tmp/lib, tests/testutilsqemu.c)
 * is the driver's own, so it goes and the listen is an address one; run on
 * the document before its graphics are put in shape */
void
hv_qemu_drop_vnc_sockets(xmlNode *devs)
{
	static const char libdir[] = "/tmp/lib";

	for (xmlNode *g = hv_xml_child(devs, "graphics"); g; g = hv_xml_next_named(g)) {
		g_autofree char *type = hv_xml_prop(g, "type");
		g_autofree char *sock = hv_xml_prop(g, "socket");

		if (g_strcmp0(type, "vnc"))
			continue;
		if (sock && g_str_has_prefix(sock, libdir))
			hv_xml_set_prop(g, "socket", NULL);
		for (xmlNode *l = hv_xml_child(g, "listen"); l; l = hv_xml_next_named(l)) {
			g_autofree char *ltype = hv_xml_prop(l, "type");
			g_autofree char *lsock = hv_xml_prop(l, "socket");

			if (!g_strcmp0(ltype, "socket") && lsock && g_str_has_prefix(lsock, libdir)) {
				hv_xml_set_prop(l, "socket", NULL);
				hv_xml_set_prop(l, "type", "address");
			}
		}
	}
}

/* virSecurityLabelDefsParseXML with the driver's host capabilities, whose
 * one security model is 'none' (no security driver): a lone seclabel
 * without a model that is type none, or dynamic without a baselabel, gets
 * that model, and with it is type none without relabelling */
static void
seclabel_model(xmlNode *root)
{
	xmlNode *l = hv_xml_child(root, "seclabel");
	g_autofree char *type = hv_xml_prop(l, "type");
	bool dynamic = !type || !strcmp(type, "dynamic");

	if (!l || hv_xml_count(root, "seclabel") != 1 || xmlHasProp(l, (const xmlChar *)"model"))
		return;
	if (g_strcmp0(type, "none") && !(dynamic && !hv_xml_child(l, "baselabel")))
		return; /* refused by hv_qemu_check */
	hv_xml_set_prop(l, "type", "none");
	hv_xml_set_prop(l, "model", "none"); /* its labels go (hv_device_rules) */
	hv_xml_set_prop(l, "relabel", NULL);
}

void
hv_qemu_post_parse(xmlNode *root, xmlNode *devs, const HvQemuGuest *g)
{
	seclabel_model(root);
	default_emulator(devs, g);
	/* virDomainDefAddImplicitVideo, before the device defaults and the
	 * addresses (the generic rule table adds it later otherwise) */
	if (hv_xml_child(devs, "graphics") && !hv_xml_child(devs, "video"))
		add_device(devs, "video");
	device_defaults(devs, g);
	cpu_check(root, g);
	gic_version(root, g);
	nvram_path(root);
}

/* ---- checks (qemuDomainDefPostParse, qemuDomainControllerDefPostParse,
 * qemuDomainDefCPUPostParse, qemuDomainDefVerifyFeatures) */

static int
fail(GError **err, const char *msg)
{
	g_set_error_literal(err, HV_ERROR, EINVAL, msg);
	return -EINVAL;
}

/* the PCI roots: at index 0 and the machine's model; a node= within the
 * guest's NUMA cells; expander buses on their chipset */
static int
check_pci(xmlNode *root, xmlNode *devs, const HvQemuGuest *g, GError **err)
{
	unsigned cells = hv_xml_count(hv_xml_path(root, "cpu/numa"), "cell");

	for (xmlNode *c = hv_xml_child(devs, "controller"); c; c = hv_xml_next_named(c)) {
		g_autofree char *type = hv_xml_prop(c, "type");
		g_autofree char *model = hv_xml_prop(c, "model");
		g_autofree char *idx = hv_xml_prop(c, "index");
		g_autofree char *node = hv_xml_child_text(hv_xml_child(c, "target"), "node");
		bool root_model = !g_strcmp0(model, "pci-root") || !g_strcmp0(model, "pcie-root");

		if (g_strcmp0(type, "pci"))
			continue;
		if (idx && (strtol(idx, NULL, 10) > 255 || strtol(idx, NULL, 10) < 0))
			return fail(err, "PCI controller index too high, maximum is 255");
		if (root_model && g_strcmp0(idx, "0") && g->kind != HV_QEMU_PSERIES)
			return fail(err, "pci-root and pcie-root controllers should have index 0");
		if (!g_strcmp0(idx, "0") && machine_defaults[defaults_row(g)].root &&
		    g_strcmp0(model, machine_defaults[defaults_row(g)].root))
			return g_set_error(err, HV_ERROR, EINVAL,
					   "the PCI controller with index='0' must be model='%s' for this machine type, but model='%s' was found instead",
					   machine_defaults[defaults_row(g)].root, model ? model : ""),
			       -EINVAL;
		if (!g_strcmp0(model, "pci-expander-bus") && g->kind != HV_QEMU_I440FX)
			return fail(err, "pci-expander-bus controllers are only supported on 440fx-based machinetypes");
		if (!g_strcmp0(model, "pcie-expander-bus") && g->kind != HV_QEMU_Q35)
			return fail(err, "pcie-expander-bus controllers are only supported on q35-based machinetypes");
		if (node && strtol(node, NULL, 10) >= (long)cells)
			return g_set_error(err, HV_ERROR, EINVAL,
					   "%s with index %s is configured for a NUMA node (%s) not present in the domain's <cpu><numa> array (%u)",
					   model ? model : "pci", idx ? idx : "", g_strstrip(node), cells),
			       -EINVAL;
		if (node && g->kind == HV_QEMU_PSERIES && !g_strcmp0(idx, "0"))
			return fail(err, "the PCI controller with index=0 can't be associated with a NUMA node");
	}
	return 0;
}

/* qemuDomainDefCPUPostParse: what each cache mode allows */
static int
check_cpu_cache(xmlNode *root, const HvQemuGuest *g, GError **err)
{
	xmlNode *cpu = hv_xml_child(root, "cpu");
	xmlNode *cache = hv_xml_child(cpu, "cache");
	g_autofree char *mode = hv_xml_prop(cache, "mode");
	g_autofree char *level = hv_xml_prop(cache, "level");
	g_autofree char *cpu_mode = hv_xml_prop(cpu, "mode");

	if (!cache)
		return 0;
	if (!hv_qemu_arch_in(g->arch, "i686|x86_64"))
		return fail(err, "CPU cache specification is not supported for this architecture");
	if (!g_strcmp0(mode, "emulate") && g_strcmp0(level, "3"))
		return fail(err, "CPU cache mode 'emulate' can only be used with level='3'");
	if (!g_strcmp0(mode, "passthrough") && g_strcmp0(cpu_mode, "host-passthrough"))
		return fail(err, "CPU cache mode 'passthrough' can only be used with 'host-passthrough' CPUs");
	if (is_in_set(mode, "passthrough|disable") && level)
		return fail(err, "unsupported CPU cache level for this mode");
	return 0;
}

/* qemuDomainDefVerifyFeatures */
static int
check_features(xmlNode *root, const HvQemuGuest *g, GError **err)
{
	xmlNode *f = hv_xml_child(root, "features");
	g_autofree char *ioapic = hv_xml_prop(hv_xml_child(f, "ioapic"), "driver");
	xmlNode *hpt = hv_xml_child(f, "hpt");

	if (ioapic && !hv_qemu_arch_in(g->arch, "i686|x86_64"))
		return fail(err, "I/O APIC tuning is not supported for this architecture");
	if (hpt && g->kind != HV_QEMU_PSERIES)
		return fail(err, "HPT tuning is only supported for pSeries guests");
	return 0;
}

/* virDomainDefPostParseMemory: an initial memory (the total less the
 * memory devices) of 0 is refused; left to the qemu driver here, as
 * hyperfs's nodes and test driver define domains without memory */
static int
check_memory_size(xmlNode *root, GError **err)
{
	g_autofree char *m = hv_xml_child_text(root, "memory");
	guint64 total = m ? g_ascii_strtoull(g_strstrip(m), NULL, 10) : 0;

	/* with NUMA cells the total is theirs plus the devices' */
	if (!hv_domain_numa_memory_kib(root) && total <= hv_domain_dimm_memory_kib(root))
		return fail(err, "Memory size must be specified via <memory> or in the <numa> configuration");
	return 0;
}

int
hv_qemu_check(xmlNode *root, xmlNode *devs, const HvQemuGuest *g, GError **err)
{
	if (hv_xml_path(root, "bootloader") || hv_xml_path(root, "bootloader_args"))
		return fail(err, "bootloader is not supported by QEMU");
	if (check_memory_size(root, err) < 0)
		return -EINVAL;
	if (check_pci(root, devs, g, err) < 0 || check_cpu_cache(root, g, err) < 0 ||
	    check_features(root, g, err) < 0)
		return -EINVAL;
	return 0;
}
