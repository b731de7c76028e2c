/* domain_check.c: the semantic checks a grammar can't express (memory above
 * its maximum, vCPUs above theirs, duplicate devices). Each message names the
 * element at fault. Run by hv_domain_def_parse after the typed fields are read. */
#include "conf/domain_priv.h"
#include <string.h>

static int
check_resources(const HvDomainDef *def, GError **err)
{
	if (def->max_memory_kib && def->current_memory_kib > def->max_memory_kib)
		return hv_error_set(err, EINVAL,
				    "domain <currentMemory> (%" G_GUINT64_FORMAT " KiB) is above <memory> (%" G_GUINT64_FORMAT " KiB)",
				    def->current_memory_kib, def->max_memory_kib);
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
check_disks(const HvDomainDef *def, GError **err)
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

typedef int (*DomainCheck)(const HvDomainDef *def, GError **err);

static const DomainCheck checks[] = {
	check_resources,
	check_disks,
};

int
hv_domain_check(const HvDomainDef *def, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(checks); i++)
		if (checks[i](def, err) < 0)
			return -EINVAL;
	return 0;
}
