/* domain_extra.c: the rest of the typed domain model: maxMemory, vcpu
 * placement, os (machine, boot order, kernel, initrd, cmdline, loader),
 * features, cpu, clock, on_* actions, and every other device as a generic
 * HvDomainDeviceDef, and libvirt's test driver hints (<test:runstate>,
 * <test:transient/>). Read-only views of the document: format keeps them. */
#include "conf/domain_priv.h"
#include <string.h>

static void
device_free(HvDomainDeviceDef *d)
{
	if (!d)
		return;
	g_free(d->kind);
	g_free(d->type);
	g_free(d->model);
	g_free(d->source);
	g_free(d->target);
	g_free(d);
}

void
hv_domain_extra_free(HvDomainDef *def)
{
	g_free(def->vcpu_placement);
	g_free(def->machine);
	g_clear_pointer(&def->boot_devs, g_ptr_array_unref);
	g_free(def->kernel);
	g_free(def->initrd);
	g_free(def->cmdline);
	g_free(def->loader);
	g_clear_pointer(&def->features, g_ptr_array_unref);
	g_free(def->cpu_mode);
	g_free(def->cpu_model);
	g_free(def->clock_offset);
	g_free(def->on_poweroff);
	g_free(def->on_reboot);
	g_free(def->on_crash);
	g_clear_pointer(&def->devices, g_ptr_array_unref);
}

static char *
text_or(xmlNode *parent, const char *child, const char *dflt)
{
	char *t = hv_xml_child_text(parent, child);

	if (t)
		return g_strstrip(t);
	return g_strdup(dflt);
}

static const char *const source_attrs[] = { "path", "dir", "file", "dev", "host", "mode", NULL };
static const char *const target_attrs[] = { "dev", "name", "dir", "type", NULL };
static const char *const untyped_here[] = { "disk", "interface", "emulator", NULL };

static char *
first_prop(xmlNode *n, const char *const *attrs)
{
	for (size_t i = 0; n && attrs[i]; i++) {
		char *v = hv_xml_prop(n, attrs[i]);

		if (v)
			return v;
	}
	return NULL;
}

static void
parse_device(HvDomainDef *def, xmlNode *el)
{
	HvDomainDeviceDef *d = g_new0(HvDomainDeviceDef, 1);
	g_autofree char *index = hv_xml_prop(el, "index");

	d->kind = g_strdup((const char *)el->name);
	d->type = hv_xml_prop(el, "type");
	d->model = hv_xml_prop(el, "model");
	if (!d->model)
		d->model = hv_xml_child_prop(el, "model", "type");
	d->source = first_prop(hv_xml_child(el, "source"), source_attrs);
	if (!d->source && hv_xml_child(el, "backend"))
		d->source = g_strstrip(hv_xml_child_text(el, "backend"));
	d->target = first_prop(hv_xml_child(el, "target"), target_attrs);
	d->index = index ? (int)g_ascii_strtoll(index, NULL, 10) : -1;
	g_ptr_array_add(def->devices, d);
}

/* libvirt's test driver namespace; the form without "/1.0" is accepted too */
#define TEST_NS "http://libvirt.org/schemas/domain/test/1.0"
#define TEST_NS_OLD "http://libvirt.org/schemas/domain/test"

static void
parse_test_hints(HvDomainDef *def, xmlNode *root)
{
	for (xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || !n->ns || !n->ns->href ||
		    (strcmp((const char *)n->ns->href, TEST_NS) != 0 &&
		     strcmp((const char *)n->ns->href, TEST_NS_OLD) != 0))
			continue;
		if (strcmp((const char *)n->name, "transient") == 0) {
			def->test_transient = true;
		} else if (strcmp((const char *)n->name, "runstate") == 0) {
			g_autofree char *s = (char *)xmlNodeGetContent(n);
			guint64 v;

			if (s && g_ascii_string_to_unsigned(g_strstrip(s), 10, 0, G_MAXINT, &v, NULL))
				def->test_runstate = (int)v;
		}
	}
}

int
hv_domain_extra_parse(HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *os = hv_xml_child(root, "os");
	xmlNode *maxmem = hv_xml_child(root, "maxMemory");
	xmlNode *devs = hv_xml_child(root, "devices");
	g_autofree char *slots = hv_xml_prop(maxmem, "slots");
	uint64_t bytes = 0;

	def->boot_devs = g_ptr_array_new_with_free_func(g_free);
	def->features = g_ptr_array_new_with_free_func(g_free);
	def->devices = g_ptr_array_new_with_free_func((GDestroyNotify)device_free);
	if (hv_xml_scaled(maxmem, 1024, &bytes, "maxMemory", err) < 0)
		return -EINVAL;
	def->max_memory_hotplug_kib = bytes / 1024 + (bytes % 1024 ? 1 : 0);
	def->max_memory_slots = slots ? (unsigned)g_ascii_strtoull(slots, NULL, 10) : 0;
	def->vcpu_placement = hv_xml_child_prop(root, "vcpu", "placement");
	if (!def->vcpu_placement)
		def->vcpu_placement = g_strdup("static");
	def->machine = hv_xml_child_prop(os, "type", "machine");
	for (xmlNode *b = hv_xml_child(os, "boot"); b; b = hv_xml_next_named(b))
		g_ptr_array_add(def->boot_devs, hv_xml_prop(b, "dev"));
	def->kernel = text_or(os, "kernel", NULL);
	def->initrd = text_or(os, "initrd", NULL);
	def->cmdline = hv_xml_child_text(os, "cmdline");
	def->loader = text_or(os, "loader", NULL);
	for (xmlNode *f = hv_xml_child(root, "features") ? hv_xml_child(root, "features")->children : NULL;
	     f; f = f->next)
		if (f->type == XML_ELEMENT_NODE)
			g_ptr_array_add(def->features, g_strdup((const char *)f->name));
	def->cpu_mode = hv_xml_child_prop(root, "cpu", "mode");
	def->cpu_model = hv_xml_text(hv_xml_path(root, "cpu/model"));
	if (def->cpu_model)
		g_strstrip(def->cpu_model);
	def->clock_offset = hv_xml_child_prop(root, "clock", "offset");
	def->on_poweroff = text_or(root, "on_poweroff", "destroy");
	def->on_reboot = text_or(root, "on_reboot", "restart");
	def->on_crash = text_or(root, "on_crash", "destroy");
	for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns &&
		    hv_str_index(untyped_here, (const char *)c->name) < 0)
			parse_device(def, c);
	parse_test_hints(def, root);
	return 0;
}
