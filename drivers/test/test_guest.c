/* test_guest.c: what the test node's guests report, the values libvirt 9.0's
 * test driver gives: fixed memory counters, the hostname "NAMEhost", a clock
 * at 627319920 s, memory whose bytes count up from the address (peek), every
 * disk in "unspecified error", a monitor that is ok, 1 TiB disks holding a little less, the first disk's / and /boot,
 * made-up interface addresses, no launch security, and guest requests (keys,
 * NMI, time, password, file system freeze, thaw, trim) that need it running.
 * Each answer needs the domain (ENOENT) and, where libvirt's does, a running
 * one (EBUSY with libvirt's message). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "drivers/test/test_priv.h"

#define TEST_GUEST_TIME 627319920ll
#define TEST_DISK_BYTES (1ull << 40)

/* The domain under the lock (*o), running when why is given: 0, or -errno
 * with the lock not kept. */
static int
guest(TestConn *tc, const char *name, const char *why, HvEntry **o, GError **err)
{
	hv_core_lock(&tc->core);
	*o = hv_objtab_find(tc->domains, name, err);
	if (*o && why && !test_domain_state_active(test_dom(*o)->state)) {
		hv_error_set(err, EBUSY, "%s", why);
		*o = NULL;
	}
	if (*o)
		return 0;
	hv_core_unlock(&tc->core);
	return -(err && *err ? (*err)->code : ENOENT);
}

/* As guest, for its definition (*def). */
static int
guest_def(TestConn *tc, const char *name, const char *why, const HvDomainDef **def,
	  GError **err)
{
	HvEntry *o;
	int rc = guest(tc, name, why, &o, err);

	*def = rc == 0 ? o->def.domain : NULL;
	return rc;
}

/* As guest, the lock not kept: 0 or -errno. */
static int
guest_there(TestConn *tc, const char *name, const char *why, GError **err)
{
	HvEntry *o;
	int rc = guest(tc, name, why, &o, err);

	if (rc == 0)
		hv_core_unlock(&tc->core);
	return rc;
}

int
test_dom_get_memory_stats(HvConn *c, const char *name, GArray **out, GError **err)
{
	TestConn *tc = test_conn(c);
	const HvDomainDef *def;
	uint64_t cur;
	int rc = guest_def(tc, name, "domain is not running", &def, err);

	if (rc < 0)
		return rc;
	cur = def->current_memory_kib;
	hv_core_unlock(&tc->core);
	*out = hv_params_new();
	hv_params_add(*out, "actual", HV_PARAM_ULLONG, (int64_t)cur, NULL);
	hv_params_add(*out, "swap_in", HV_PARAM_ULLONG, 0, NULL);
	hv_params_add(*out, "swap_out", HV_PARAM_ULLONG, 0, NULL);
	hv_params_add(*out, "major_fault", HV_PARAM_ULLONG, 0, NULL);
	hv_params_add(*out, "minor_fault", HV_PARAM_ULLONG, 0, NULL);
	hv_params_add(*out, "unused", HV_PARAM_ULLONG, (int64_t)(cur / 2), NULL);
	hv_params_add(*out, "available", HV_PARAM_ULLONG, (int64_t)cur, NULL);
	hv_params_add(*out, "usable", HV_PARAM_ULLONG, (int64_t)(cur / 2), NULL);
	hv_params_add(*out, "last_update", HV_PARAM_ULLONG, TEST_GUEST_TIME, NULL);
	hv_params_add(*out, "disk_caches", HV_PARAM_ULLONG, (int64_t)(cur / 8), NULL);
	hv_params_add(*out, "hugetlb_pgalloc", HV_PARAM_ULLONG, 0, NULL);
	hv_params_add(*out, "hugetlb_pgfail", HV_PARAM_ULLONG, 0, NULL);
	hv_params_add(*out, "rss", HV_PARAM_ULLONG, (int64_t)(cur / 2), NULL);
	return 0;
}

int
test_dom_get_hostname(HvConn *c, const char *name, char **hostname, GError **err)
{
	int rc = guest_there(test_conn(c), name, "domain is not running", err);

	if (rc < 0)
		return rc;
	*hostname = g_strdup_printf("%shost", name);
	return 0;
}

#define MEMORY_VIRTUAL 1u  /* VIR_MEMORY_VIRTUAL */
#define MEMORY_PHYSICAL 2u /* VIR_MEMORY_PHYSICAL */

/* libvirt's test driver's memory: each byte the low byte of its address. */
int
test_dom_memory_peek(HvConn *c, const char *name, uint64_t start, uint32_t size,
		     unsigned flags, GByteArray **out, GError **err)
{
	int rc;

	if (flags & ~(MEMORY_VIRTUAL | MEMORY_PHYSICAL))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainMemoryPeek", flags & ~(MEMORY_VIRTUAL | MEMORY_PHYSICAL));
	if (flags != MEMORY_VIRTUAL && flags != MEMORY_PHYSICAL)
		return hv_error_set(err, EINVAL, "flags parameter must be VIR_MEMORY_VIRTUAL or "
				    "VIR_MEMORY_PHYSICAL");
	if ((rc = guest_there(test_conn(c), name, "domain is not running", err)) < 0)
		return rc;
	*out = g_byte_array_sized_new(size);
	for (uint32_t i = 0; i < size; i++) {
		guint8 b = (guint8)(start + i);

		g_byte_array_append(*out, &b, 1);
	}
	return 0;
}

int
test_dom_get_time(HvConn *c, const char *name, int64_t *seconds, unsigned *nseconds,
		  GError **err)
{
	int rc = guest_there(test_conn(c), name, "domain is not running", err);

	if (rc < 0)
		return rc;
	*seconds = TEST_GUEST_TIME;
	*nseconds = 0;
	return 0;
}

/* fn for each disk of the domain (running when why is given), under the
 * lock, until it returns false: 0 or -errno. */
typedef bool (*DiskFn)(const HvDomainDiskDef *d, guint i, void *data);

static int
each_disk(TestConn *tc, const char *name, const char *why, DiskFn fn, void *data, GError **err)
{
	const HvDomainDef *def;
	int rc = guest_def(tc, name, why, &def, err);

	if (rc < 0)
		return rc;
	for (guint i = 0; def->disks && i < def->disks->len; i++)
		if (!fn(def->disks->pdata[i], i, data))
			break;
	hv_core_unlock(&tc->core);
	return 0;
}

static bool
disk_error(const HvDomainDiskDef *d, guint i, void *data)
{
	/* VIR_DOMAIN_DISK_ERROR_UNSPEC, then NO_SPACE, in turn */
	hv_params_add(data, d->target_dev ? d->target_dev : "", HV_PARAM_INT, 1 + i % 2, NULL);
	return true;
}

int
test_dom_get_disk_errors(HvConn *c, const char *name, GArray **out, GError **err)
{
	g_autoptr(GArray) all = hv_params_new();
	int rc = each_disk(test_conn(c), name, "domain is not running", disk_error, all, err);

	if (rc == 0)
		*out = g_steal_pointer(&all);
	return rc;
}

int
test_dom_get_control_info(HvConn *c, const char *name, unsigned *state, unsigned *details,
			  uint64_t *since_ms, GError **err)
{
	int rc = guest_there(test_conn(c), name, "domain is not running", err);

	if (rc < 0)
		return rc;
	*state = 0; /* VIR_DOMAIN_CONTROL_OK */
	*details = 0;
	*since_ms = 0;
	return 0;
}

typedef struct {
	const char *path;
	bool found;
} DiskPath;

static bool
disk_is(const HvDomainDiskDef *d, guint i, void *data)
{
	DiskPath *p = data;

	p->found = g_strcmp0(d->target_dev, p->path) == 0 || g_strcmp0(d->source, p->path) == 0;
	return !p->found;
}

int
test_dom_get_block_info(HvConn *c, const char *name, const char *path, uint64_t *capacity,
			uint64_t *allocation, uint64_t *physical, GError **err)
{
	DiskPath p = { path, false };
	int rc = each_disk(test_conn(c), name, NULL, disk_is, &p, err);

	if (rc < 0)
		return rc;
	if (!p.found)
		return hv_error_set(err, EINVAL, "invalid path %s not assigned to domain", path);
	*capacity = 1099506450432ull; /* libvirt's test driver: a little under 1 TiB */
	*allocation = TEST_DISK_BYTES;
	*physical = TEST_DISK_BYTES;
	return 0;
}

/* The first disk's two partitions, / and /boot, as libvirt's test driver
 * makes up for a running guest. */
static bool
disk_fsinfo(const HvDomainDiskDef *d, guint i, void *data)
{
	static const char *const mounts[] = { "/", "/boot" };

	if (g_strcmp0(d->device, "disk") || !d->target_dev)
		return true;
	for (size_t m = 0; m < G_N_ELEMENTS(mounts); m++) {
		HvDomainFsInfo *f = g_new0(HvDomainFsInfo, 1);

		f->mountpoint = g_strdup(mounts[m]);
		f->name = g_strdup_printf("%s%zu", d->target_dev, m + 1);
		f->fstype = g_strdup("ext4");
		f->devices = g_strdupv((char *[]){ d->target_dev, NULL });
		g_ptr_array_add(data, f);
	}
	return false;
}

int
test_dom_get_fsinfo(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	g_autoptr(GPtrArray) all =
		g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_fsinfo_free);
	int rc = each_disk(test_conn(c), name, "domain is not running", disk_fsinfo, all, err);

	if (rc == 0)
		*out = g_steal_pointer(&all);
	return rc;
}

/* An interface on network N gets the address of N's first DHCP range start
 * moved on by (id - 1) x 20 + its index + 1, any other 192.168.0.(index + 1),
 * always /24 unless the network says otherwise; names as the live XML's, the
 * unnamed ones testnet0, testnet1, ... (libvirt's test driver). */
static void
iface_address(TestConn *tc, const HvDomainNetDef *n, int id, guint idx, GString *ip,
	      unsigned *prefix)
{
	const HvEntry *net = g_strcmp0(n->type, "network") || !n->source ? NULL
			   : hv_objtab_find(tc->networks, n->source, NULL);
	const HvNetworkDef *nd = net ? net->def.network : NULL;
	const HvNetworkIpDef *ipd = nd && nd->ips && nd->ips->len ? nd->ips->pdata[0] : NULL;
	unsigned a[4];

	*prefix = 24;
	if (ipd && ipd->ranges && ipd->ranges->len &&
	    sscanf(ipd->ranges->pdata[0], "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]) == 4) {
		guint32 v = (a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]) +
			    (guint32)((id - 1) * 20) + idx + 1;
		guint32 mask = 0;

		if (ipd->prefix)
			*prefix = ipd->prefix;
		else if (ipd->netmask && sscanf(ipd->netmask, "%u.%u.%u.%u", &a[0], &a[1], &a[2],
						&a[3]) == 4) {
			mask = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
			*prefix = (unsigned)__builtin_popcount(mask);
		}
		g_string_printf(ip, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
				v & 255);
		return;
	}
	g_string_printf(ip, "192.168.0.%u", idx + 1);
}

int
test_dom_addresses(HvConn *c, const char *name, GPtrArray **out, GError **err)
{
	static const char *const sources[] = { "lease", "arp", "agent" };
	TestConn *tc = test_conn(c);
	const HvDomainDef *def;
	unsigned unnamed = 0;
	HvEntry *o;
	int rc = guest(tc, name, NULL, &o, err);

	if (rc < 0)
		return rc;
	def = o->def.domain;
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hv_domain_address_free);
	/* a guest that is not running has none (libvirt's API refuses to ask) */
	for (guint i = 0; test_domain_state_active(test_dom(o)->state) && def->interfaces && i < def->interfaces->len; i++) {
		const HvDomainNetDef *n = def->interfaces->pdata[i];
		g_autoptr(GString) ip = g_string_new(NULL);
		g_autofree char *dev = n->target_dev ? g_strdup(n->target_dev)
						     : g_strdup_printf("testnet%u", unnamed++);
		unsigned prefix;

		iface_address(tc, n, test_dom(o)->id, i, ip, &prefix);
		for (size_t s = 0; s < G_N_ELEMENTS(sources); s++) {
			HvDomainAddress *x = g_new0(HvDomainAddress, 1);

			x->device = g_strdup(dev);
			x->mac = g_strdup(n->mac);
			x->family = g_strdup("ipv4");
			x->ip = g_strdup_printf("%s/%u", ip->str, prefix);
			x->source = g_strdup(sources[s]);
			g_ptr_array_add(*out, x);
		}
	}
	hv_core_unlock(&tc->core);
	return 0;
}

/* No launch security: libvirt's test driver takes no flags, and the client's
 * library adds VIR_TYPED_PARAM_STRING_OKAY (4) when the server has typed
 * string parameters. */
int
test_dom_get_launch_security(HvConn *c, const char *name, unsigned flags, GArray **out,
			     GError **err)
{
	int rc = guest_there(test_conn(c), name, NULL, err);

	if (rc < 0)
		return rc;
	if (flags)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainGetLaunchSecurityInfo", flags);
	*out = hv_params_new();
	return 0;
}

/* Lock held. The bits of the guest's file systems (/ and /boot) that mounts
 * names (all of them when it names none); -EBUSY for one it lacks. */
static int
fs_bits(const char *const *mounts, guint8 *bits, GError **err)
{
	static const char *const fs[] = { "/", "/boot" };

	*bits = mounts && *mounts ? 0 : 3;
	for (; mounts && *mounts; mounts++) {
		size_t k = 0;

		while (k < G_N_ELEMENTS(fs) && strcmp(fs[k], *mounts))
			k++;
		if (k == G_N_ELEMENTS(fs))
			return hv_error_set(err, EBUSY, "mount point not found: %s", *mounts);
		*bits |= (guint8)(1u << k);
	}
	return 0;
}

/* Every request needs a running guest; freeze and thaw count the file
 * systems they changed, as libvirt's test driver does. */
int
test_dom_guest_request(HvConn *c, const char *name, HvGuestRequest what,
		       const char *const *mounts, int *count, GError **err)
{
	TestConn *tc = test_conn(c);
	HvEntry *o;
	TestDomain *d;
	guint8 bits = 0;
	int r = guest(tc, name, "domain is not running", &o, err);

	if (r < 0)
		return r;
	d = test_dom(o);
	*count = 0;
	if (what >= HV_GUEST_FS_FREEZE && (r = fs_bits(mounts, &bits, err)) < 0)
		goto out;
	if (what == HV_GUEST_FS_FREEZE || what == HV_GUEST_FS_THAW) {
		guint8 change = what == HV_GUEST_FS_FREEZE ? bits & ~d->frozen : bits & d->frozen;

		*count = __builtin_popcount(change);
		d->frozen ^= change;
	}
out:
	hv_core_unlock(&tc->core);
	return r;
}

#define TEST_TOTAL_CPUTIME 48772617035ll /* libvirt's test driver's fixed figures */

/* libvirt's test driver: fixed totals, or each host CPU's share of them
 * (its cores count the CPUs), with the vCPU time 1234567890 ns less. */
int
test_dom_get_cpu_stats(HvConn *c, const char *name, int start_cpu, unsigned ncpus,
		       unsigned nparams, GArray **out, GError **err)
{
	static const char *const totals[] = { "cpu_time", "user_time", "system_time" };
	const int64_t total_vals[] = { TEST_TOTAL_CPUTIME, 5540000000ll, 6460000000ll };
	TestConn *tc = test_conn(c);
	HvEntry *o;
	int cpus, n;
	int rc = guest(tc, name, "domain is not running", &o, err);

	if (rc < 0)
		return rc;
	cpus = tc->node.cores ? (int)tc->node.cores : 1;
	hv_core_unlock(&tc->core);
	*out = NULL;
	if (start_cpu == -1) {
		if (nparams == 0)
			return 3;
		n = (int)MIN(nparams, 3u);
		*out = hv_params_new();
		for (int k = 0; k < n; k++)
			hv_params_add(*out, totals[k], HV_PARAM_ULLONG, total_vals[k], NULL);
		return n;
	}
	if (nparams == 0 && ncpus != 0)
		return 2;
	if (ncpus == 0)
		return cpus;
	if (start_cpu < 0 || start_cpu >= cpus)
		return hv_error_set(err, EINVAL, "start_cpu %d larger than maximum of %d", start_cpu,
				    cpus - 1);
	n = (int)MIN(nparams, 2u);
	*out = hv_params_new();
	for (int i = start_cpu; i < cpus && i < start_cpu + (int)MIN(ncpus, 128u); i++) {
		int64_t t = TEST_TOTAL_CPUTIME / cpus + i;

		hv_params_add(*out, "cpu_time", HV_PARAM_ULLONG, t, NULL);
		if (n > 1)
			hv_params_add(*out, "vcpu_time", HV_PARAM_ULLONG, t - 1234567890, NULL);
	}
	return n;
}
