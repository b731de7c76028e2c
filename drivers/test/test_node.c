/* test_node.c: the test node's host answers beside node/info: the CPU map,
 * free memory per NUMA cell, SMBIOS data and CPU time counters, the values
 * libvirt 9.0's test driver gives (8 CPUs present, 0, 2 and 4 online; cell n
 * answers (n + 1) * 2 MiB free, of test_caps.c's cells; fixed counters; a
 * fixed <sysinfo>). */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"

#define TEST_CPUS_PRESENT 8u

int
test_node_get_cpu_map(HvConn *c, uint8_t map[HV_CPUMAP_BYTES], unsigned *online, GError **err)
{
	memset(map, 0, HV_CPUMAP_BYTES);
	map[0] = 0x15; /* CPUs 0, 2 and 4 */
	*online = 3;
	return (int)TEST_CPUS_PRESENT;
}

int
test_node_get_cells_free_memory(HvConn *c, int start, int max, GArray **out, GError **err)
{
	int cells = (int)test_cells(test_conn(c));

	if (start < 0 || start >= cells || max < 0)
		return hv_error_set(err, EINVAL, "Range exceeds available cells");
	*out = g_array_new(FALSE, TRUE, sizeof(guint64));
	for (int i = start; i < cells && i - start < max; i++) {
		guint64 free = (guint64)(i + 1) * 2048 * 1024;

		g_array_append_val(*out, free);
	}
	return 0;
}

static const char sysinfo[] =
	"<sysinfo type='smbios'>\n"
	"  <bios>\n"
	"    <entry name='vendor'>LENOVO</entry>\n"
	"    <entry name='version'>G4ETA1WW (2.61 )</entry>\n"
	"    <entry name='date'>05/07/2014</entry>\n"
	"    <entry name='release'>2.61</entry>\n"
	"  </bios>\n"
	"</sysinfo>\n";

int
test_node_get_sysinfo(HvConn *c, char **xml, GError **err)
{
	*xml = g_strdup(sysinfo);
	return 0;
}

int
test_node_get_cpu_stats(HvConn *c, int cpu, GArray **out, GError **err)
{
	static const struct {
		const char *field;
		int64_t ns;
	} counters[] = {
		{ "user", 9797400000ll }, { "kernel", 34678723400000ll },
		{ "idle", 87264900000ll }, { "iowait", 763600000ll },
	};

	*out = hv_params_new();
	for (size_t k = 0; k < G_N_ELEMENTS(counters); k++)
		hv_params_add(*out, counters[k].field, HV_PARAM_ULLONG, counters[k].ns, NULL);
	return 0;
}

int
test_node_get_security_model(HvConn *c, char **model, char **doi, GError **err)
{
	*model = g_strdup("testSecurity");
	*doi = g_strdup("");
	return 0;
}

/* Every domain, running or not, carries the test security driver's label. */
int
test_dom_get_security_label(HvConn *c, const char *name, char **label, bool *enforcing,
			    GError **err)
{
	TestConn *tc = test_conn(c);
	int r = -ENOENT;

	HvEntry *o;

	hv_core_lock(&tc->core);
	if ((o = hv_objtab_find(tc->domains, name, err))) {
		/* libvirt's test driver labels a running domain only */
		bool active = test_domain_state_active(test_dom(o)->state);

		*label = g_strdup(active ? "libvirt-test" : "");
		*enforcing = active;
		r = 0;
	}
	hv_core_unlock(&tc->core);
	return r;
}

/* libvirt's test driver: version 0.0.2, 32 vCPUs. */
int
test_node_get_version(HvConn *c, uint64_t *version, GError **err)
{
	*version = 2;
	return 0;
}

int
test_node_get_max_vcpus(HvConn *c, const char *type, unsigned *max, GError **err)
{
	*max = 32;
	return 0;
}
