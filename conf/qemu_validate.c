/* qemu_validate.c: the QEMU driver's validation of a post-parsed domain
 * (qemuDomainDefValidate, qemuDomainDeviceDefValidate, src/qemu/qemu_domain.c
 * at v4.0.0): the rows of hv_qemu_checks (rules_qemu.c) for the guest's
 * machine and arch, and the checks that count (vCPU hotplug granularity, the
 * vCPU limit without EIM, video memory sizes, NIC queue sizes). -EINVAL with libvirt's reason. */
#include "conf/qemu_priv.h"
#include "conf/rules.h"
#include "conf/normalise.h"
#include <errno.h>
#include <limits.h>
#include <string.h>

/* the machine kinds by the names a row's guest filter uses */
static const struct {
	HvQemuMachine kind;
	const char *name;
} kind_names[] = {
	{ HV_QEMU_I440FX, "i440fx" }, { HV_QEMU_Q35, "q35" },	      { HV_QEMU_ISAPC, "isapc" },
	{ HV_QEMU_VIRT, "virt" },     { HV_QEMU_PSERIES, "pseries" }, { HV_QEMU_S390_CCW, "s390-ccw" },
};

/* arch groups (ARCH_IS_X86, ARCH_IS_S390) */
static const struct {
	const char *name, *arches;
} arch_groups[] = {
	{ "x86", "i686|x86_64" },
	{ "s390", "s390|s390x" },
};

static bool
tag_holds(const char *tag, const HvQemuGuest *g)
{
	if (*tag == '=')
		return !strcmp(tag + 1, g->machine);
	for (size_t i = 0; i < G_N_ELEMENTS(kind_names); i++)
		if (!strcmp(tag, kind_names[i].name))
			return g->kind == kind_names[i].kind;
	for (size_t i = 0; i < G_N_ELEMENTS(arch_groups); i++)
		if (!strcmp(tag, arch_groups[i].name))
			return hv_qemu_arch_in(g->arch, arch_groups[i].arches);
	return !strcmp(tag, g->arch);
}

/* whether a row's guest filter (rules.h, HvQemuCheck) names this guest */
static bool
guest_holds(const char *filter, const HvQemuGuest *g)
{
	bool neg, any = false;
	g_auto(GStrv) tags = NULL;

	if (!filter)
		return true;
	neg = *filter == '!';
	tags = g_strsplit(filter + neg, "|", -1);
	for (size_t i = 0; tags[i] && !any; i++)
		any = tag_holds(tags[i], g);
	return any != neg;
}

static int
fail(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static int
fail(GError **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_propagate_error(err, g_error_new_valist(HV_ERROR, EINVAL, fmt, ap));
	va_end(ap);
	return -EINVAL;
}

static unsigned long
uattr(xmlNode *el, const char *attr, unsigned long def)
{
	g_autofree char *v = hv_xml_prop(el, attr);

	return v ? strtoul(v, NULL, 10) : def;
}

/* qemuDomainDefValidate: vCPU hotplug granularity (a pSeries guest plugs
 * whole cores: the threads of one) and the limit without EIM */
static int
check_vcpus(xmlNode *root, const HvQemuGuest *g, GError **err)
{
	xmlNode *vcpu = hv_xml_child(root, "vcpu");
	xmlNode *topo = hv_xml_path(root, "cpu/topology");
	g_autofree char *text = vcpu ? hv_xml_text(vcpu) : NULL;
	unsigned long max = text ? strtoul(g_strstrip(text), NULL, 10) : 1;
	unsigned long cur = uattr(vcpu, "current", max);
	unsigned long threads = uattr(topo, "threads", 0);
	g_autofree char *eim = hv_xml_child_prop(hv_xml_path(root, "devices/iommu"), "driver", "eim");

	if (topo && uattr(topo, "sockets", 0) && g->kind == HV_QEMU_PSERIES && threads && cur % threads)
		return fail(err, "vCPUs count must be a multiple of the vCPU hotplug granularity (%lu)",
			    threads);
	if (hv_qemu_arch_in(g->arch, "i686|x86_64") && max > 255) {
		if (g->kind != HV_QEMU_Q35)
			return fail(err, "more than 255 vCPUs are only supported on q35-based machine types");
		if (g_strcmp0(eim, "on"))
			return fail(err, "more than 255 vCPUs require extended interrupt mode enabled on the iommu device");
	}
	return 0;
}

/* qemuDomainDefValidateVideo, qemuDomainDeviceDefValidateVideo: the sizes
 * (KiB) each video type takes */
static int
check_video_sizes(xmlNode *devs, GError **err)
{
	for (xmlNode *v = hv_xml_child(devs, "video"); v; v = hv_xml_next_named(v)) {
		xmlNode *m = hv_xml_child(v, "model");
		g_autofree char *type = hv_xml_prop(m, "type");
		unsigned long vram = uattr(m, "vram", 0), vgamem = uattr(m, "vgamem", 0);

		if (!g_strcmp0(type, "qxl")) {
			if (vram > UINT_MAX / 1024)
				return fail(err, "value for 'vram' must be less than '%u'", UINT_MAX / 1024);
			if (uattr(m, "ram", 0) > UINT_MAX / 1024)
				return fail(err, "value for 'ram' must be less than '%u'", UINT_MAX / 1024);
			if (vgamem && vgamem < 1024)
				return fail(err, "value for 'vgamem' must be at least 1 MiB (1024 KiB)");
			if (vgamem & (vgamem - 1))
				return fail(err, "value for 'vgamem' must be power of two");
		}
		if (hv_qemu_in(type, "vga|vmvga") && vram && vram < 1024)
			return fail(err, "value for 'vram' must be at least 1 MiB (1024 KiB)");
	}
	return 0;
}

/* qemuDomainDeviceDefValidateNetwork: a virtio NIC's queue sizes are
 * powers of two */
static int
check_queue_sizes(xmlNode *devs, GError **err)
{
	static const char *const attrs[] = { "rx_queue_size", "tx_queue_size" };

	for (xmlNode *n = hv_xml_child(devs, "interface"); n; n = hv_xml_next_named(n)) {
		g_autofree char *model = hv_xml_child_prop(n, "model", "type");
		xmlNode *drv = hv_xml_child(n, "driver");

		for (size_t i = 0; !g_strcmp0(model, "virtio") && drv && i < G_N_ELEMENTS(attrs); i++) {
			unsigned long v = uattr(drv, attrs[i], 0);

			if (v & (v - 1))
				return fail(err, "%s has to be a power of two", attrs[i]);
		}
	}
	return 0;
}

int
hv_qemu_validate(xmlNode *root, xmlNode *devs, const HvQemuGuest *g, GError **err)
{
	for (size_t i = 0; i < hv_qemu_checks_len; i++) {
		const HvQemuCheck *r = &hv_qemu_checks[i];
		HvXmlCheck c = { r->path, r->when, r->message, r->origin };

		if (guest_holds(r->guest, g) && hv_xml_check_hit(root, &c))
			return fail(err, "%s", r->message);
	}
	if (check_vcpus(root, g, err) < 0 || check_video_sizes(devs, err) < 0 ||
	    check_queue_sizes(devs, err) < 0)
		return -EINVAL;
	return 0;
}
