/* test_pin.c: CPU pinning on the test node, as libvirt 9.0's test driver
 * keeps it: a running domain's vCPU pins last until it stops (PinVcpuFlags
 * takes no flags: the current, live state), the emulator has a live pin (gone
 * at the next start) and a config pin (kept); a map of no CPU, or a vCPU the
 * domain lacks, is refused in libvirt's words. Maps are TEST_NODE_CPUS bits. */
#include <errno.h>
#include <string.h>
#include "drivers/test/test_priv.h"

#define AFFECT_LIVE 1u
#define AFFECT_CONFIG 2u

static guint16
map_bits(const uint8_t *map, size_t len)
{
	guint16 v = 0;

	for (size_t b = 0; b < len && b < sizeof(v); b++)
		v |= (guint16)map[b] << (8 * b);
	return v;
}

/* Lock held. The map to show for kind/id (0 when none is pinned: all). */
guint16
test_pin_get(const HvEntry *o, HvAffinityKind kind, unsigned id, unsigned flags)
{
	const TestDomain *d = test_dom(o);
	bool live = test_domain_state_active(d->state) && !(flags & AFFECT_CONFIG);

	if (kind == HV_AFFINITY_VCPU)
		return live && d->pins && d->pins_id == d->id && id < TEST_MAX_VCPUS ? d->pins[id] : 0;
	if (kind == HV_AFFINITY_EMULATOR)
		return live && d->emu_live_id == d->id && d->emu_live ? d->emu_live : d->emu_config;
	return 0;
}

static int
pin_vcpu(TestDomain *d, const HvDomainDef *def, unsigned id, guint16 bits, unsigned flags,
	 GError **err)
{
	if (flags)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainPinVcpuFlags", flags);
	if (!test_domain_state_active(d->state))
		return hv_error_set(err, EBUSY, "cannot pin vcpus on an inactive domain");
	if (id >= (def->vcpus ? def->vcpus : 1))
		return hv_error_set(err, EINVAL, "requested vcpu '%u' is not present in the domain",
				    id);
	if (!d->pins || d->pins_id != d->id) {
		g_free(d->pins);
		d->pins = g_new0(guint16, TEST_MAX_VCPUS);
		d->pins_id = d->id;
	}
	d->pins[id] = bits;
	return 0;
}

static int
pin_emulator(TestDomain *d, guint16 bits, unsigned flags, GError **err)
{
	bool active = test_domain_state_active(d->state);

	if (flags & ~(AFFECT_LIVE | AFFECT_CONFIG))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainPinEmulator", flags & ~(AFFECT_LIVE | AFFECT_CONFIG));
	if (!(flags & AFFECT_CONFIG) && !active)
		return hv_error_set(err, EBUSY, "domain is not running");
	if (flags & AFFECT_CONFIG)
		d->emu_config = bits;
	if (!(flags & AFFECT_CONFIG) || (flags & AFFECT_LIVE)) {
		d->emu_live = bits;
		d->emu_live_id = d->id;
	}
	return 0;
}

int
test_dom_set_affinity(HvConn *c, const char *name, HvAffinityKind kind, unsigned id,
		      const uint8_t *map, size_t len, unsigned flags, GError **err)
{
	TestConn *tc = test_conn(c);
	guint16 bits = map_bits(map, len);
	HvEntry *o;
	int r;

	if (kind == HV_AFFINITY_IOTHREAD)
		return test_iothread_pin(tc, name, id, map, len, flags, err);
	hv_core_lock(&tc->core);
	if (!(o = hv_objtab_find(tc->domains, name, err)))
		r = -ENOENT;
	else if (!bits)
		r = hv_error_set(err, EINVAL, "Empty cpu list for pinning");
	else if (kind == HV_AFFINITY_VCPU)
		r = pin_vcpu(test_dom(o), o->def.domain, id, bits, flags, err);
	else if (kind == HV_AFFINITY_EMULATOR)
		r = pin_emulator(test_dom(o), bits, flags, err);
	else
		r = hv_error_set(err, EINVAL, "no CPU affinity of kind %d", (int)kind);
	if (r == 0)
		test_tick(tc);
	hv_core_unlock(&tc->core);
	return r;
}
