/* domain_conf.c: domain XML -> HvDomainDef and back (see domain_conf.h). The
 * document is the source of truth for everything untyped; parse reads the
 * typed fields out of it and keeps it compact (def->xml), format re-reads it,
 * writes the typed fields back in canonical form (memory in KiB, vcpu
 * current=) and serialises it with hv_xml_format. */
#include "conf/domain_priv.h"
#include "conf/qemu_priv.h"
#include "conf/xml.h"
#include "conf/schema.h"
#include <errno.h>
#include <string.h>

void
hv_domain_def_free(HvDomainDef *def)
{
	if (!def)
		return;
	g_free(def->type);
	g_free(def->name);
	g_free(def->title);
	g_free(def->description);
	g_free(def->os_type);
	g_free(def->arch);
	g_clear_pointer(&def->disks, g_ptr_array_unref);
	g_clear_pointer(&def->interfaces, g_ptr_array_unref);
	hv_domain_extra_free(def);
	g_free(def->xml);
	g_free(def);
}

/* <memory>, <currentMemory>: KiB, rounded up from the unit given. */
static int
parse_memory(HvDomainDef *def, xmlNode *root, GError **err)
{
	static const struct {
		const char *name;
		size_t off;
	} mem[] = {
		{ "memory", G_STRUCT_OFFSET(HvDomainDef, max_memory_kib) },
		{ "currentMemory", G_STRUCT_OFFSET(HvDomainDef, current_memory_kib) },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(mem); i++) {
		uint64_t bytes = 0;
		xmlNode *el = hv_xml_child(root, mem[i].name);

		if (!el)
			continue;
		if (hv_xml_scaled(el, 1024, &bytes, mem[i].name, err) < 0)
			return -EINVAL;
		G_STRUCT_MEMBER(uint64_t, def, mem[i].off) = bytes / 1024 + (bytes % 1024 ? 1 : 0);
	}
	/* virDomainDefPostParseMemory: without <memory>, the guest NUMA cells'
	 * memory and the memory devices' sizes; a <currentMemory> that is absent,
	 * 0 or above the total is the total */
	if (!def->max_memory_kib && hv_domain_numa_memory_kib(root))
		def->max_memory_kib = hv_domain_numa_memory_kib(root) + hv_domain_dimm_memory_kib(root);
	if (!def->current_memory_kib || def->current_memory_kib > def->max_memory_kib)
		def->current_memory_kib = def->max_memory_kib;
	return 0;
}

static int
parse_vcpu(HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *el = hv_xml_child(root, "vcpu");
	g_autofree char *max = hv_xml_text(el);
	g_autofree char *cur = hv_xml_prop(el, "current");
	unsigned long long v;

	def->max_vcpus = def->vcpus = 1;
	if (!el)
		return 0;
	if (hv_conf_parse_ull(max, G_MAXUINT32, &v) < 0)
		return hv_error_set(err, EINVAL, "domain <vcpu>: '%s' is not a valid vCPU count", max);
	def->max_vcpus = def->vcpus = (unsigned)v;
	if (cur) {
		if (hv_conf_parse_ull(cur, G_MAXUINT32, &v) < 0)
			return hv_error_set(err, EINVAL,
					    "domain <vcpu current='%s'>: not a valid vCPU count", cur);
		def->vcpus = (unsigned)v;
	}
	return 0;
}

static int
parse_top(HvDomainDef *def, xmlNode *root, GError **err)
{
	xmlNode *os = hv_xml_child(root, "os");

	def->type = hv_xml_prop(root, "type");
	if (hv_conf_take_name(root, "domain", &def->name, err) < 0)
		return -EINVAL;
	if (hv_xml_uuid(root, def->uuid, "domain", err) < 0)
		return -EINVAL;
	def->title = hv_xml_child_text(root, "title");
	def->description = hv_xml_child_text(root, "description");
	if (def->title && strchr(def->title, '\n'))
		return hv_error_set(err, EINVAL, "domain <title> must not contain newlines");
	def->os_type = hv_xml_child_text(os, "type");
	if (def->os_type)
		g_strstrip(def->os_type);
	def->arch = hv_xml_child_prop(os, "type", "arch");
	if (parse_memory(def, root, err) < 0 || parse_vcpu(def, root, err) < 0)
		return -EINVAL;
	return 0;
}

/* Takes ownership of doc, which is kept as def->xml. */
static HvDomainDef *
domain_from_doc(xmlDoc *doc_in, bool check, GError **err)
{
	g_autoptr(xmlDoc) doc = doc_in;
	g_autoptr(HvDomainDef) def = g_new0(HvDomainDef, 1);
	xmlNode *root = xmlDocGetRootElement(doc);

	def->test_runstate = -1;
	def->disks = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_disk_free);
	def->interfaces = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_net_free);
	if (!hv_conf_root(doc, "domain", err))
		return NULL;
	if (check && hv_schema_validate(HV_SCHEMA_DOMAIN, doc, err) < 0)
		return NULL;
	if (parse_top(def, root, err) < 0 || hv_domain_parse_devices(def, root, err) < 0 ||
	    hv_domain_extra_parse(def, root, err) < 0)
		return NULL;
	if (check && hv_domain_check(def, root, err) < 0)
		return NULL;
	if (!(def->xml = hv_xml_compact(root, NULL))) {
		hv_error_set(err, ENOMEM, "domain '%s': out of memory", def->name);
		return NULL;
	}
	return g_steal_pointer(&def);
}

HvDomainDef *
hv_domain_def_parse(const char *xml, size_t len, GError **err)
{
	xmlDoc *doc = hv_xml_parse(xml, len, "domain", err);

	if (!doc)
		return NULL;
	return domain_from_doc(doc, true, err);
}

HvDomainDef *
hv_domain_def_parse_doc(xmlDoc *doc, GError **err)
{
	return domain_from_doc(doc, true, err);
}

HvDomainDef *
hv_domain_def_parse_own(const char *xml, size_t len, GError **err)
{
	xmlDoc *doc = hv_xml_parse(xml, len, "domain", err);

	return doc ? domain_from_doc(doc, false, err) : NULL;
}

static void write_back(const HvDomainDef *def, xmlNode *root);

/* The kept document with the typed fields written back, or NULL. */
static xmlDoc *
doc_of(const HvDomainDef *def)
{
	xmlDoc *doc;

	if (!def || !def->xml || !(doc = hv_xml_parse_compact(def->xml, strlen(def->xml), NULL)))
		return NULL;
	write_back(def, xmlDocGetRootElement(doc));
	return doc;
}

/* Typed fields a driver changed (memory, vCPUs, a generated uuid or MAC) carry
 * over through the document. */
HvDomainDef *
hv_domain_def_copy(const HvDomainDef *def)
{
	xmlDoc *doc = doc_of(def);
	HvDomainDef *copy;

	if (!doc)
		return NULL;
	copy = domain_from_doc(doc, false, NULL);
	if (copy) {
		memcpy(copy->uuid, def->uuid, sizeof(copy->uuid));
		copy->postparse = def->postparse;
		copy->live_parse = def->live_parse;
	}
	return copy;
}

void
hv_domain_def_ensure_uuid(HvDomainDef *def)
{
	if (def)
		hv_uuid_ensure(def->uuid);
}

/* Returns the element name, created after the last of the given siblings. */
static xmlNode *
ensure_after(xmlNode *root, const char *name, const char *const *after)
{
	xmlNode *el = hv_xml_child(root, name);
	xmlNode *prev = NULL;

	if (el)
		return el;
	for (size_t i = 0; after[i]; i++) {
		xmlNode *c = hv_xml_child(root, after[i]);

		if (c)
			prev = c;
	}
	el = xmlNewDocNode(root->doc, NULL, (const xmlChar *)name, NULL);
	if (prev)
		xmlAddNextSibling(prev, el);
	else if (root->children)
		xmlAddPrevSibling(root->children, el);
	else
		xmlAddChild(root, el);
	return el;
}

static void
format_top(const HvDomainDef *def, xmlNode *root)
{
	static const char *const before_uuid[] = { "name", NULL };
	static const char *const before_cur[] = { "name", "uuid", "title", "description",
						  "metadata", "maxMemory", "memory", NULL };
	xmlNode *el;
	char num[32];

	if (def->name)
		hv_xml_set_text(ensure_after(root, "name", (const char *const[]){ NULL }), def->name);
	if (def->uuid[0])
		hv_xml_set_text(ensure_after(root, "uuid", before_uuid), def->uuid);
	if (def->max_memory_kib && !hv_xml_child(root, "memory"))
		ensure_after(root, "memory", (const char *const[]){ "name", "uuid", "title", "description",
								    "metadata", "maxMemory", NULL });
	if ((el = hv_xml_child(root, "memory"))) {
		g_snprintf(num, sizeof(num), "%" G_GUINT64_FORMAT, def->max_memory_kib);
		hv_xml_set_text(el, num);
		hv_xml_set_prop(el, "unit", "KiB");
	}
	if (hv_xml_child(root, "memory") || hv_xml_child(root, "currentMemory")) {
		el = ensure_after(root, "currentMemory", before_cur);
		g_snprintf(num, sizeof(num), "%" G_GUINT64_FORMAT, def->current_memory_kib);
		hv_xml_set_text(el, num);
		hv_xml_set_prop(el, "unit", "KiB");
	}
	if ((el = hv_xml_child(root, "vcpu"))) {
		g_snprintf(num, sizeof(num), "%u", def->max_vcpus);
		hv_xml_set_text(el, num);
		g_snprintf(num, sizeof(num), "%u", def->vcpus);
		hv_xml_set_prop(el, "current", def->vcpus != def->max_vcpus ? num : NULL);
	}
}

static void
write_back(const HvDomainDef *def, xmlNode *root)
{
	format_top(def, root);
	hv_domain_format_devices(def, root);
}

/* id= right after type=, replacing one the document had. */
static void
set_live_id(xmlNode *root, int id)
{
	char num[16];

	g_snprintf(num, sizeof(num), "%d", id);
	hv_xml_set_prop(root, "id", num);
	hv_xml_prop_to_front(root, "id");
	hv_xml_prop_to_front(root, "type");
}

/* libvirt's parse and format flags for def shown with id: a driver's
 * definition is parsed inactive (the qemu driver's; the generic parse is
 * live, as libvirt's generic xml2xml tests parse), a running domain's (id >= 0:
 * its live definition, libvirt's status) live, and virDomainDefFormatInternal
 * formats inactive whatever it is asked when the definition has no id. */
static unsigned
shape_flags(const HvDomainDef *def, xmlNode *root, int id)
{
	unsigned flags = 0;

	if (def->postparse == HV_DOMAIN_POSTPARSE_QEMU && !def->live_parse && id < 0)
		flags |= HV_SHAPE_PARSE_INACTIVE;
	if (id < 0 && ((flags & HV_SHAPE_PARSE_INACTIVE) || !xmlHasProp(root, (const xmlChar *)"id")))
		flags |= HV_SHAPE_FORMAT_INACTIVE;
	return flags;
}

/* Character devices, graphics and lists in libvirt's shape, before the rest. */
static void
normalise(const HvDomainDef *def, xmlNode *root, unsigned flags)
{
	if (flags & HV_SHAPE_PARSE_INACTIVE)
		hv_qemu_drop_vnc_sockets(hv_xml_child(root, "devices"));
	hv_domain_normalise_chardevs(hv_xml_child(root, "devices"));
	hv_domain_normalise_lists(root, def->max_vcpus);
}

/* def as text; status: as a driver keeps a running domain (neither parsed nor
 * formatted inactive), else with the flags shape_flags gives for id. */
static char *
format_as(const HvDomainDef *def, int id, bool status)
{
	g_autoptr(xmlDoc) doc = doc_of(def);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	unsigned flags;

	if (!root)
		return NULL;
	flags = status ? 0 : shape_flags(def, root, id);
	if (id >= 0)
		set_live_id(root, id);
	normalise(def, root, flags);
	hv_domain_shape(root, def->postparse, flags, NULL);
	return hv_xml_format(root);
}

char *
hv_domain_def_format_live(const HvDomainDef *def, int id)
{
	return format_as(def, id, false);
}

int
hv_domain_def_postparse_check(const HvDomainDef *def, GError **err)
{
	g_autoptr(xmlDoc) doc = doc_of(def);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	g_autoptr(GError) why = NULL;
	unsigned flags;

	if (!root)
		return hv_error_set(err, EINVAL, "domain '%s': cannot read its definition",
				    def->name ? def->name : "");
	flags = shape_flags(def, root, -1);
	normalise(def, root, flags);
	if (hv_domain_shape(root, def->postparse, flags, &why) < 0)
		return hv_error_set(err, EINVAL, "domain '%s': %s", def->name ? def->name : "",
				    why->message);
	return 0;
}

char *
hv_domain_def_format(const HvDomainDef *def)
{
	return hv_domain_def_format_live(def, -1);
}

char *
hv_domain_def_format_status(const HvDomainDef *def)
{
	return format_as(def, -1, true);
}

int
hv_domain_postparse_from_name(const char *name, HvDomainPostParse *out, GError **err)
{
	static const char *const names[] = { "generic", "qemu", NULL };
	int i = hv_str_index(names, name);

	if (i < 0)
		return hv_error_set(err, EINVAL, "unknown driver '%s' (generic or qemu)",
				    name ? name : "");
	*out = (HvDomainPostParse)i;
	return 0;
}
