/* test_caps.c: the test node's host facts as libvirt 9.0's test driver gives
 * them: its capabilities document (an i686 host with pae/nonpae and four page
 * sizes, no IOMMU, the cells below, the test security model, and i686 guests
 * of os types hvm and xen run by /usr/bin/test-hv), text for text; its NUMA
 * cells (test:///default: two, 8 CPUs each, cell n with (n + 1) x 2 GiB of
 * which (n + 1) MiB are free; a node document: none); free pages; CPU models
 * and a baseline of CPUs of one model. */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"
#include "drivers/cpu_models.h"
#include "conf/cpu_conf.h"

#define TEST_CELL_CPUS 8u

static const unsigned page_sizes[] = { 4, 8, 2048, 1048576 }; /* KiB */

/* libvirt builds cells for its default node only. */
unsigned
test_cells(const TestConn *tc)
{
	const char *path = g_uri_get_path(tc->conn->uri);

	return path && g_str_equal(path, "/default") ? 2 : 0;
}

/* Bytes free in cell n (libvirt's cell freeMem). */
uint64_t
test_cell_free(unsigned n)
{
	return (uint64_t)(n + 1) * 1024 * 1024;
}

static void
caps_cell(GString *s, unsigned n)
{
	uint64_t kib = (uint64_t)(n + 1) * 2048 * 1024;

	g_string_append_printf(s, "        <cell id='%u'>\n"
			       "          <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n",
			       n, kib);
	/* the cell's own base page size (4 KiB, 8 KiB, ...), then the huge ones */
	g_string_append_printf(s, "          <pages unit='KiB' size='%u'>%" G_GUINT64_FORMAT
			       "</pages>\n", page_sizes[n % 2], kib / page_sizes[n % 2]);
	for (size_t p = 2; p < G_N_ELEMENTS(page_sizes); p++)
		g_string_append_printf(s, "          <pages unit='KiB' size='%u'>0</pages>\n",
				       page_sizes[p]);
	g_string_append_printf(s, "          <cpus num='%u'>\n", TEST_CELL_CPUS);
	for (unsigned i = 0; i < TEST_CELL_CPUS; i++) {
		unsigned id = n * TEST_CELL_CPUS + i;

		g_string_append_printf(s, "            <cpu id='%u' socket_id='%u' die_id='0' "
				       "core_id='%u' siblings='%u'/>\n", id, n, i, id);
	}
	g_string_append(s, "          </cpus>\n        </cell>\n");
}

static void
caps_guest(GString *s, const char *os_type)
{
	g_string_append_printf(s, "  <guest>\n    <os_type>%s</os_type>\n"
			       "    <arch name='i686'>\n      <wordsize>32</wordsize>\n"
			       "      <emulator>/usr/bin/test-hv</emulator>\n"
			       "      <domain type='test'/>\n    </arch>\n"
			       "    <features>\n      <pae/>\n      <nonpae/>\n    </features>\n"
			       "  </guest>\n\n", os_type);
}

char *
test_capabilities_new(const TestConn *tc)
{
	GString *s = g_string_new("<capabilities>\n\n  <host>\n    <cpu>\n"
				  "      <arch>i686</arch>\n"
				  "      <features>\n        <pae/>\n        <nonpae/>\n"
				  "      </features>\n");
	unsigned cells = test_cells(tc);

	for (size_t p = 0; p < G_N_ELEMENTS(page_sizes); p++)
		g_string_append_printf(s, "      <pages unit='KiB' size='%u'/>\n", page_sizes[p]);
	g_string_append_printf(s, "    </cpu>\n    <power_management/>\n"
			       "    <iommu support='no'/>\n    <topology>\n"
			       "      <cells num='%u'>\n", cells);
	for (unsigned n = 0; n < cells; n++)
		caps_cell(s, n);
	g_string_append(s, "      </cells>\n    </topology>\n    <secmodel>\n"
			"      <model>testSecurity</model>\n      <doi></doi>\n"
			"    </secmodel>\n  </host>\n\n");
	caps_guest(s, "hvm");
	caps_guest(s, "xen");
	g_string_append(s, "</capabilities>\n");
	return g_string_free(s, FALSE);
}

/* libvirt's test driver makes the counts up: 19, 45, 97, 201, ... in order
 * (each twice the last plus 7, from 6), whatever the sizes and cells. */
int
test_node_get_free_pages(HvConn *c, const unsigned *pages, unsigned npages, int start,
			 unsigned count, GArray **out, GError **err)
{
	guint64 x = 6;

	*out = g_array_new(FALSE, TRUE, sizeof(guint64));
	for (unsigned i = 0; i < count; i++)
		for (unsigned j = 0; j < npages; j++) {
			x = x * 2 + 7;
			g_array_append_val(*out, x);
		}
	return 0;
}

int
test_node_get_cpu_models(HvConn *c, const char *arch, GStrv *out, GError **err)
{
	return hv_cpu_models(arch, out, err);
}

/* Whether model is one of arch's (libvirt: "Unknown CPU model NAME"). */
static int
known_model(const char *arch, const char *model, GError **err)
{
	g_auto(GStrv) models = NULL;
	int r = hv_cpu_models(arch, &models, err);

	if (r < 0)
		return r;
	if (!g_strv_contains((const char *const *)models, model))
		return hv_error_set(err, EPROTO, "Unknown CPU model %s", model);
	return 0;
}

/* libvirt's test driver: virCPUBaseline over the documents. Here: one model
 * (the same for all), the vendor they share, the features all require. */
int
test_node_baseline_cpu(HvConn *c, const char *const *xmls, unsigned flags, char **out,
		       GError **err)
{
	g_autoptr(HvCpuDef) base = NULL;
	int r;

	if (flags & ~1u)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testConnectBaselineCPU", flags & ~1u);
	if (flags & 1u) /* VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES */
		return hv_error_set(err, EPROTONOSUPPORT, "the test node cannot expand a model's "
				    "features");
	if (!xmls || !xmls[0])
		return hv_error_set(err, EINVAL, "nonzero ncpus is required");
	for (size_t i = 0; xmls[i]; i++) {
		g_autoptr(HvCpuDef) cpu = hv_cpu_def_parse(xmls[i], strlen(xmls[i]), err);

		if (!cpu)
			return -(err && *err ? (*err)->code : EINVAL);
		if ((r = known_model(cpu->arch, cpu->model, err)) < 0)
			return r;
		if (!base) {
			base = g_steal_pointer(&cpu);
			continue;
		}
		if (!g_str_equal(base->arch, cpu->arch))
			return hv_error_set(err, EINVAL, "CPUs are incompatible");
		if (!g_str_equal(base->model, cpu->model))
			return hv_error_set(err, EPROTONOSUPPORT, "the test node's baseline needs one "
					    "CPU model, not '%s' and '%s'", base->model, cpu->model);
		if (g_strcmp0(base->vendor, cpu->vendor))
			g_clear_pointer(&base->vendor, g_free);
		for (guint k = 0; k < base->features->len; k++)
			if (!g_ptr_array_find_with_equal_func(cpu->features, base->features->pdata[k],
							      g_str_equal, NULL))
				g_ptr_array_remove_index(base->features, k--);
	}
	*out = hv_cpu_def_format(base);
	return 0;
}
