/* qemu_command.c: the QEMU command line of a domain, x86_64 only: machine
 * pc/q35 with TCG or KVM, memory with a virtio balloon, vCPUs with hot-plug
 * room, direct kernel boot, file disks (raw, qcow2) on virtio/ide/sata/scsi,
 * user networking and taps (bridge, network), serial consoles with a log,
 * virtio-rng, pvpanic, lifecycle actions (-action), and the runtime plumbing
 * (-S, QMP socket, pidfile). Each part is one row of builders[]; the disks
 * are qemu_command_disk.c's, the shared helpers qemu_command_util.c's. */
#include <string.h>
#include "drivers/qemu/qemu_command.h"
#include "util/table.h"
#include "drivers/storage/storage_backend.h"

#include "drivers/qemu/qemu_command_priv.h"

const char *
qemu_command_accel(const HvDomainDef *def)
{
	if (def->type && g_str_equal(def->type, "qemu"))
		return "tcg";
	if (def->type && g_str_equal(def->type, "kvm"))
		return "kvm";
	return NULL;
}

static int
b_domain(Cmd *c, GError **err)
{
	const HvDomainDef *d = c->def;

	if (!qemu_command_accel(d))
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': <domain type='%s'> is not supported "
				    "by the qemu driver (use 'qemu' or 'kvm')", d->name,
				    d->type ? d->type : "");
	if (d->os_type && !g_str_equal(d->os_type, "hvm"))
		return qcmd_unsupported(c, err, "<os><type> other than 'hvm'");
	if (d->arch && !g_str_equal(d->arch, "x86_64"))
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': <os><type arch='%s'> is not "
				    "supported by the qemu driver (only x86_64)", d->name, d->arch);
	qcmd_arg2(c, "-name", g_strdup_printf("guest=%s", d->name));
	if (d->uuid[0])
		qcmd_arg2(c, "-uuid", g_strdup(d->uuid));
	qcmd_arg(c, "-nodefaults");
	qcmd_arg(c, "-no-user-config");
	return 0;
}

/* pc, q35 and their versioned names (pc-i440fx-7.2, pc-q35-7.2). */
static int
b_machine(Cmd *c, GError **err)
{
	const char *m = c->def->machine ? c->def->machine : "pc";
	bool acpi = false;

	if (g_str_equal(m, "q35") || g_str_has_prefix(m, "pc-q35-"))
		c->q35 = true;
	else if (!g_str_equal(m, "pc") && !g_str_has_prefix(m, "pc-i440fx-"))
		return hv_error_set(err, EOPNOTSUPP, "domain '%s': <os><type machine='%s'> is not "
				    "supported by the qemu driver (use pc or q35)", c->def->name, m);
	for (guint k = 0; c->def->features && k < c->def->features->len; k++)
		acpi |= g_str_equal(c->def->features->pdata[k], "acpi");
	qcmd_arg2(c, "-machine", g_strdup_printf("%s,accel=%s,acpi=%s", m, qemu_command_accel(c->def),
					    acpi ? "on" : "off"));
	return 0;
}

static int
b_features(Cmd *c, GError **err)
{
	static const char *const known[] = { "acpi", "apic", "pae", NULL };

	for (guint k = 0; c->def->features && k < c->def->features->len; k++)
		if (qcmd_str_in(c->def->features->pdata[k], known) < 0)
			return qcmd_unsupported(c, err, "<features><%s/>",
					   (char *)c->def->features->pdata[k]);
	return 0;
}

static int
b_cpu(Cmd *c, GError **err)
{
	const char *mode = c->def->cpu_mode;
	bool kvm = g_str_equal(qemu_command_accel(c->def), "kvm");

	if (!mode && !c->def->cpu_model)
		return 0;
	if (mode && g_str_equal(mode, "host-passthrough")) {
		if (!kvm)
			return qcmd_unsupported(c, err, "<cpu mode='host-passthrough'> without KVM");
		qcmd_arg2(c, "-cpu", g_strdup("host"));
		return 0;
	}
	if ((!mode || g_str_equal(mode, "custom")) && c->def->cpu_model) {
		qcmd_arg2(c, "-cpu", qcmd_esc(c->def->cpu_model));
		return 0;
	}
	return qcmd_unsupported(c, err, "this <cpu> mode");
}

static int
b_memory(Cmd *c, GError **err)
{
	if (c->def->max_memory_hotplug_kib)
		return qcmd_unsupported(c, err, "<maxMemory> (memory hot-plug)");
	qcmd_arg2(c, "-m", g_strdup_printf("size=%" G_GUINT64_FORMAT "k", c->def->max_memory_kib));
	return 0;
}

static int
b_vcpu(Cmd *c, GError **err)
{
	unsigned max = c->def->max_vcpus ? c->def->max_vcpus : 1;
	unsigned cur = c->def->vcpus ? c->def->vcpus : max;

	qcmd_arg2(c, "-smp", g_strdup_printf("%u,maxcpus=%u,sockets=%u,cores=1,threads=1", cur, max, max));
	return 0;
}

static int
b_os(Cmd *c, GError **err)
{
	static const char *const devs[] = { "hd", "cdrom", "network", "fd", NULL };
	static const char letters[] = "cdna";
	const HvDomainDef *d = c->def;
	char order[8] = "";

	if (d->loader)
		return qcmd_unsupported(c, err, "<os><loader> (firmware)");
	if (d->kernel)
		qcmd_arg2(c, "-kernel", g_strdup(d->kernel));
	if (d->initrd)
		qcmd_arg2(c, "-initrd", g_strdup(d->initrd));
	if (d->cmdline && *d->cmdline)
		qcmd_arg2(c, "-append", g_strdup(d->cmdline));
	if ((d->initrd || d->cmdline) && !d->kernel)
		return qcmd_unsupported(c, err, "<os><initrd> or <cmdline> without <kernel>");
	for (guint k = 0; d->boot_devs && k < d->boot_devs->len && k < sizeof(order) - 1; k++) {
		int i = qcmd_str_in(d->boot_devs->pdata[k], devs);

		if (i < 0)
			return qcmd_unsupported(c, err, "<os><boot dev='%s'>",
					   (char *)d->boot_devs->pdata[k]);
		order[strlen(order)] = letters[i];
	}
	if (order[0] && !d->kernel)
		qcmd_arg2(c, "-boot", g_strdup_printf("order=%s", order));
	return 0;
}

/* One row per lifecycle element: its default and, for each value the driver
 * honours, what QEMU is told. NULL: that value is refused by name. */
typedef struct {
	const char *value;
	const char *qemu; /* -action value of that element's event */
} ActionRow;

static const ActionRow poweroff_rows[] = {
	{ "destroy", "poweroff" }, { "restart", "pause" }, { "preserve", "pause" }, { NULL, NULL },
};
static const ActionRow reboot_rows[] = {
	{ "restart", "reset" }, { "destroy", "shutdown" }, { "preserve", "shutdown" }, { NULL, NULL },
};
static const ActionRow crash_rows[] = {
	{ "destroy", "shutdown" }, { "restart", "pause" }, { "preserve", "pause" }, { NULL, NULL },
};

static const char *
action_of(const HvDomainDef *def, const char *elem, const char *value, const char *dflt,
	  const ActionRow *rows, const char **qemu, GError **err)
{
	const char *v = value ? value : dflt;

	for (const ActionRow *r = rows; r->value; r++)
		if (g_str_equal(r->value, v)) {
			*qemu = r->qemu;
			return r->value;
		}
	hv_error_set(err, EOPNOTSUPP, "domain '%s': <%s>%s</%s> is not supported by the qemu "
		     "driver (destroy, restart and preserve are)", def->name, elem, v, elem);
	return NULL;
}

int
qemu_command_actions(const HvDomainDef *def, QemuActions *a, GError **err)
{
	memset(a, 0, sizeof(*a));
	if (!(a->on_poweroff = action_of(def, "on_poweroff", def->on_poweroff, "destroy",
					 poweroff_rows, &a->shutdown, err)) ||
	    !(a->on_reboot = action_of(def, "on_reboot", def->on_reboot, "restart", reboot_rows,
				       &a->reboot, err)) ||
	    !(a->on_crash = action_of(def, "on_crash", def->on_crash, "destroy", crash_rows,
				      &a->panic, err)))
		return -EOPNOTSUPP;
	/* a preserved reboot keeps QEMU: its reboot becomes a shutdown that pauses,
	 * and the driver ends QEMU itself when the guest powers off */
	if (g_str_equal(a->on_reboot, "preserve"))
		a->shutdown = "pause";
	return 0;
}

/* -action: QEMU acts alone where it can (destroy, restart on reboot), so a
 * guest behaves the same while hyperfs is not running; otherwise QEMU pauses
 * and the driver acts on the event (qemu_events.c). */
static int
b_lifecycle(Cmd *c, GError **err)
{
	QemuActions a;
	int r;

	if ((r = qemu_command_actions(c->def, &a, err)) < 0)
		return r;
	qcmd_arg2(c, "-action", g_strdup_printf("reboot=%s,shutdown=%s,panic=%s", a.reboot, a.shutdown,
					   a.panic));
	return 0;
}

static int
b_clock(Cmd *c, GError **err)
{
	const char *o = c->def->clock_offset;

	if (!o)
		return 0;
	if (!g_str_equal(o, "utc") && !g_str_equal(o, "localtime"))
		return qcmd_unsupported(c, err, "<clock offset> other than 'utc' or 'localtime'");
	qcmd_arg2(c, "-rtc", g_strdup_printf("base=%s", o));
	return 0;
}

/* ---- device models: one row per model QEMU is given for an element, NIC
 * models (<interface><model type=>) and display devices (<video><model
 * type=>: screendump needs one) */

static const struct {
	const char *element;
	const char *model;
	const char *device;
} models[] = {
	{ "interface", "virtio", "virtio-net-pci" },
	{ "interface", "e1000", "e1000" },
	{ "interface", "e1000e", "e1000e" },
	{ "interface", "rtl8139", "rtl8139" },
	{ "video", "bochs", "bochs-display" },
	{ "video", "cirrus", "cirrus-vga" },
	{ "video", "vga", "VGA" },
	{ "video", "virtio", "virtio-vga" },
};

static const char *
model_device(const char *element, const char *model)
{
	for (size_t k = 0; k < G_N_ELEMENTS(models); k++)
		if (g_str_equal(models[k].element, element) && g_str_equal(models[k].model, model))
			return models[k].device;
	return NULL;
}

/* ---- interfaces */


/* user: QEMU's slirp; bridge and network: a tap (qemu_interface.c). */
static int
netdev(Cmd *c, guint k, const HvDomainNetDef *n, GError **err)
{
	int fd, r;

	if (n->type && g_str_equal(n->type, "user")) {
		qcmd_arg2(c, "-netdev", g_strdup_printf("user,id=hostnet%u", k));
		return 0;
	}
	if (qemu_interface_is_tap(n)) {
		if ((r = qemu_interface_plan_tap(c->def, k, n, c->paths->taps,
						 c->paths->resolve_network, c->paths->network_opaque,
						 &fd, err)) < 0)
			return r;
		qcmd_arg2(c, "-netdev", g_strdup_printf("tap,id=hostnet%u,fd=%d", k, fd));
		return 0;
	}
	return qcmd_unsupported(c, err, "<interface type='%s'> (user, bridge, network and direct are)",
			   n->type ? n->type : "");
}

static int
b_interfaces(Cmd *c, GError **err)
{
	for (guint k = 0; c->def->interfaces && k < c->def->interfaces->len; k++) {
		const HvDomainNetDef *n = c->def->interfaces->pdata[k];
		const char *model = n->model ? n->model : QEMU_DEFAULT_NIC_MODEL;
		const char *dev = model_device("interface", model);
		int r;

		if (!dev)
			return qcmd_unsupported(c, err, "<interface><model type='%s'>", model);
		if ((r = netdev(c, k, n, err)) < 0)
			return r;
		g_autofree char *key = g_strdup_printf("interface:%u", k);

		qcmd_arg2(c, "-device", g_strdup_printf("%s,netdev=hostnet%u,id=net%u%s%s%s", dev, k, k,
						   n->mac ? ",mac=" : "", n->mac ? n->mac : "",
						   qcmd_pci(c, key)));
	}
	return 0;
}

/* ---- other devices: one row per element */

typedef int (*DevBuild)(Cmd *c, const HvDomainDeviceDef *d, GError **err);

static int
chardev_serial(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	const char *type = d->type ? d->type : "pty";
	g_autofree char *log = qcmd_esc(c->paths->log);
	g_autofree char *backend = NULL;
	unsigned n = c->serials;

	if (n > 0)
		return qcmd_unsupported(c, err, "a second <serial>");
	if (g_str_equal(type, "pty")) {
		backend = g_strdup("pty");
	} else if (g_str_equal(type, "unix")) {
		g_autofree char *p = qcmd_esc(d->source ? d->source : c->paths->console);

		backend = g_strdup_printf("socket,path=%s,server=on,wait=off", p);
	} else if (g_str_equal(type, "file") && d->source) {
		g_autofree char *p = qcmd_esc(d->source);

		backend = g_strdup_printf("file,path=%s", p);
	} else if (g_str_equal(type, "null")) {
		backend = g_strdup("null");
	} else
		return qcmd_unsupported(c, err, "<%s type='%s'>", d->kind, type);
	qcmd_arg2(c, "-chardev", g_strdup_printf("%s,id=charserial%u,logfile=%s,logappend=off", backend,
					    n, log));
	qcmd_arg2(c, "-device", g_strdup_printf("isa-serial,chardev=charserial%u,id=serial%u", n, n));
	c->serials++;
	return 0;
}

static int
d_serial(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	return chardev_serial(c, d, err);
}

/* A console on the serial port is serial0 itself when there is one. */
static int
d_console(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	if (d->target && !g_str_equal(d->target, "serial"))
		return qcmd_unsupported(c, err, "<console><target type='%s'>", d->target);
	for (guint k = 0; k < c->def->devices->len; k++)
		if (g_str_equal(((HvDomainDeviceDef *)c->def->devices->pdata[k])->kind, "serial"))
			return 0;
	return chardev_serial(c, d, err);
}

static int
d_memballoon(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	if (d->model && g_str_equal(d->model, "none")) {
		c->balloon_off = true;
		return 0;
	}
	if (d->model && !g_str_equal(d->model, "virtio"))
		return qcmd_unsupported(c, err, "<memballoon> model other than 'virtio' or 'none'");
	return 0; /* added once by b_balloon */
}

static int
d_controller(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	static const char *const implicit[] = { "pci", "ide", "sata", "usb", NULL };
	const char *type = d->type ? d->type : "";

	if (g_str_equal(type, "usb") && d->model && !g_str_equal(d->model, "none") &&
	    !g_str_equal(d->model, "piix3-uhci"))
		return qcmd_unsupported(c, err, "a <controller type='usb'> other than model "
					"'piix3-uhci' or 'none'");
	if (g_str_equal(type, "scsi") && (!d->model || g_str_equal(d->model, "virtio-scsi")))
		return 0; /* added with the first scsi disk */
	if (qcmd_str_in(type, implicit) >= 0)
		return 0;
	return qcmd_unsupported(c, err, "<controller type='%s'%s%s>", type, d->model ? " model=" : "",
			   d->model ? d->model : "");
}

static int
d_rng(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	const char *src = d->source ? d->source : "/dev/urandom";
	g_autofree char *p = qcmd_esc(src);

	if (d->model && !g_str_equal(d->model, "virtio"))
		return qcmd_unsupported(c, err, "<rng> model other than 'virtio'");
	if (d->type && !g_str_equal(d->type, "random"))
		return qcmd_unsupported(c, err, "<rng><backend> other than 'random'");
	qcmd_arg2(c, "-object", g_strdup_printf("rng-random,id=objrng0,filename=%s", p));
	qcmd_arg2(c, "-device", g_strdup_printf("virtio-rng-pci,rng=objrng0,id=rng0%s",
						qcmd_pci(c, "rng")));
	return 0;
}

static int
d_input(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	/* PS/2 mouse and keyboard come with pc and q35 */
	if (d->type && (g_str_equal(d->type, "mouse") || g_str_equal(d->type, "keyboard")))
		return 0;
	return qcmd_unsupported(c, err, "this <input> (only the built-in PS/2 mouse and keyboard)");
}


static int
d_video(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	const char *model = d->model ? d->model : "vga";
	const char *dev;

	if (g_str_equal(model, "none"))
		return 0;
	if (c->video)
		return qcmd_unsupported(c, err, "a second <video>");
	if (!(dev = model_device("video", model)))
		return qcmd_unsupported(c, err, "<video> model '%s'", model);
	qcmd_arg2(c, "-device", g_strdup_printf("%s,id=video0%s", dev, qcmd_pci(c, "video")));
	c->video = true;
	return 0;
}

/* <graphics type='vnc'>: a VNC server on run/NAME.vnc (a unix socket; no TCP
 * port is opened). A domain with no <video> gets a VGA, as in libvirt. */
static int
d_graphics(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	g_autofree char *path = NULL;

	if (!d->type || !g_str_equal(d->type, "vnc") || !c->paths->vnc)
		return qcmd_unsupported(c, err, "<graphics type='%s'> (only vnc)",
				   d->type ? d->type : "");
	if (c->graphics)
		return qcmd_unsupported(c, err, "a second <graphics>");
	c->graphics = true;
	path = qcmd_esc(c->paths->vnc);
	qcmd_arg2(c, "-vnc", g_strdup_printf("unix:%s", path));
	for (guint k = 0; k < c->def->devices->len; k++)
		if (g_str_equal(((HvDomainDeviceDef *)c->def->devices->pdata[k])->kind, "video"))
			return 0;
	qcmd_arg2(c, "-device", g_strdup_printf("VGA,id=video0%s", qcmd_pci(c, "video")));
	c->video = true;
	return 0;
}

/* <panic>: the pvpanic device, through which the guest reports a panic
 * (GUEST_PANICKED, then <on_crash>). isa (the x86 default) or pvpanic (PCI). */
static int
d_panic(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	const char *model = d->model ? d->model : "isa";

	if (c->panic)
		return qcmd_unsupported(c, err, "a second <panic>");
	if (g_str_equal(model, "isa"))
		qcmd_arg2(c, "-device", g_strdup("pvpanic,id=panic0"));
	else if (g_str_equal(model, "pvpanic"))
		qcmd_arg2(c, "-device", g_strdup_printf("pvpanic-pci,id=panic0%s",
							qcmd_pci(c, "panic")));
	else
		return qcmd_unsupported(c, err, "<panic model='%s'> (isa and pvpanic are)", model);
	c->panic = true;
	return 0;
}

/* <audio type='none'> (libvirt 7.2 and later write one): no sound device,
 * so nothing for QEMU. */
static int
d_audio(Cmd *c, const HvDomainDeviceDef *d, GError **err)
{
	if (d->type && !g_str_equal(d->type, "none"))
		return qcmd_unsupported(c, err, "<audio type='%s'> (only none)", d->type);
	return 0;
}

static const struct {
	const char *kind;
	DevBuild build;
} dev_table[] = {
	{ "audio", d_audio },
	{ "console", d_console },
	{ "controller", d_controller },
	{ "graphics", d_graphics },
	{ "input", d_input },
	{ "memballoon", d_memballoon },
	{ "panic", d_panic },
	{ "rng", d_rng },
	{ "serial", d_serial },
	{ "video", d_video },
};

static int
b_devices(Cmd *c, GError **err)
{
	for (guint k = 0; c->def->devices && k < c->def->devices->len; k++) {
		const HvDomainDeviceDef *d = c->def->devices->pdata[k];
		const typeof(dev_table[0]) *row = HV_TABLE_FIND(dev_table, d->kind);
		int r;

		if (!row)
			return qcmd_unsupported(c, err, "<devices><%s>", d->kind);
		if ((r = row->build(c, d, err)) < 0)
			return r;
	}
	return 0;
}

static int
b_balloon(Cmd *c, GError **err)
{
	if (!c->balloon_off)
		qcmd_arg2(c, "-device", g_strdup_printf("virtio-balloon-pci,id=balloon0%s",
							qcmd_pci(c, "memballoon")));
	return 0;
}

static int
b_runtime(Cmd *c, GError **err)
{
	g_autofree char *qmp = qcmd_esc(c->paths->qmp);

	if (!c->graphics)
		qcmd_arg2(c, "-display", g_strdup("none"));
	qcmd_arg2(c, "-qmp", g_strdup_printf("unix:%s,server=on,wait=off", qmp));
	qcmd_arg2(c, "-pidfile", g_strdup(c->paths->pidfile));
	qcmd_arg(c, "-S");
	if (c->paths->incoming)
		qcmd_arg2(c, "-incoming", g_strdup(c->paths->incoming));
	return 0;
}

/* The parts of the command line, in order. */
static const Builder builders[] = {
	b_domain, b_machine, b_features, b_cpu, b_memory, b_vcpu, b_os, b_lifecycle, b_clock,
	qcmd_layout_load, qemu_command_disks, b_interfaces, b_devices, qcmd_usb, b_balloon,
	b_runtime,
};

int
qemu_command_build(const HvDomainDef *def, const char *emulator, const QemuPaths *paths,
		   char ***argv, GError **err)
{
	g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
	Cmd c = { .argv = a, .def = def, .paths = paths };
	int r = 0;

	g_ptr_array_add(a, g_strdup(emulator));
	for (guint k = 0; k < G_N_ELEMENTS(builders); k++)
		if ((r = builders[k](&c, err)) < 0)
			break;
	g_clear_pointer(&c.pci, g_hash_table_unref);
	if (r < 0)
		return r;
	g_ptr_array_add(a, NULL);
	g_ptr_array_set_free_func(a, NULL);
	*argv = (char **)g_ptr_array_free(g_steal_pointer(&a), FALSE);
	return 0;
}
