/* proto_tune.c: hyperfsd's vCPU and tuning procedures: GetVcpus and the
 * affinity queries (cpumaps in libvirt's packed layout: maplen bytes per
 * entity, bit n for host CPU n), the scheduler, and the typed-parameter
 * groups (memory, blkio, NUMA, interface, block I/O). A Get call with
 * nparams 0 answers how many there are, as libvirt's daemon does; the
 * VIR_TYPED_PARAM_STRING_OKAY flag is the client's business, not a driver's. */
#include <errno.h>
#include <string.h>
#include "remote/proto_priv.h"

#define VCPUINFO_MAX 16384     /* REMOTE_VCPUINFO_MAX */
#define CPUMAP_MAX 2048        /* REMOTE_CPUMAP_MAX */
#define STRING_OKAY (1u << 2)  /* VIR_TYPED_PARAM_STRING_OKAY */

/* maplen bytes of m (host CPUs beyond ncpus cleared) onto out. */
static void
put_map(GByteArray *out, const HvCpuMap *m, int maplen, unsigned ncpus)
{
	guint at = out->len;

	g_byte_array_set_size(out, at + (guint)maplen);
	memset(out->data + at, 0, (size_t)maplen);
	for (unsigned cpu = 0; cpu < ncpus && cpu / 8 < (unsigned)maplen && cpu / 8 < HV_CPUMAP_BYTES;
	     cpu++)
		if (m->map[cpu / 8] & (1u << (cpu % 8)))
			out->data[at + cpu / 8] |= (uint8_t)(1u << (cpu % 8));
}

static int
check_maps(int64_t n, int64_t maplen, GError **err)
{
	if (n < 0 || n > VCPUINFO_MAX)
		return hv_error_set(err, EINVAL, "maxinfo > REMOTE_VCPUINFO_MAX");
	if (maplen <= 0 || maplen > CPUMAP_MAX || n * maplen > RPC_CPUMAPS_MAX)
		return hv_error_set(err, EINVAL, "maxinfo * maplen > REMOTE_CPUMAPS_MAX");
	return 0;
}

static int
affinity(RpcClientCtx *c, const char *name, HvAffinityKind kind, unsigned flags,
	 unsigned *ncpus, GArray **maps, GError **err)
{
	return HV_CALL(c->conn, domain, get_affinity, HV_READS, err, name, kind, flags, ncpus, maps);
}

RPC_HANDLER(h_dom_get_vcpus)
{
	g_autoptr(GArray) info = NULL, maps = NULL;
	unsigned ncpus = 0;
	int rc = check_maps(a->num[0], a->num[1], err);

	if (rc < 0 || (rc = HV_CALL(c->conn, domain, get_vcpus, HV_READS, err, a->dom.name, &info)) < 0 ||
	    (rc = affinity(c, a->dom.name, HV_AFFINITY_VCPU, 0, &ncpus, &maps, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < info->len && k < a->num[0]; k++) {
		const HvVcpuInfo *v = &g_array_index(info, HvVcpuInfo, k);
		RpcVcpu w = { v->number, v->state, v->cpu_time_ns, v->cpu };
		HvCpuMap none = { 0 };

		g_array_append_val(r->vcpus, w);
		put_map(r->bytes, k < maps->len ? &g_array_index(maps, HvCpuMap, k) : &none,
			(int)a->num[1], ncpus);
	}
	return 0;
}

RPC_HANDLER(h_dom_get_vcpu_pin_info)
{
	g_autoptr(GArray) maps = NULL;
	unsigned ncpus = 0;
	int rc = check_maps(a->num[0], a->num[1], err);

	if (rc < 0 || (rc = affinity(c, a->dom.name, HV_AFFINITY_VCPU, (unsigned)a->num[2] & 3u,
				     &ncpus, &maps, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < maps->len && k < a->num[0]; k++, r->num[0]++)
		put_map(r->bytes, &g_array_index(maps, HvCpuMap, k), (int)a->num[1], ncpus);
	return 0;
}

RPC_HANDLER(h_dom_get_emulator_pin_info)
{
	g_autoptr(GArray) maps = NULL;
	unsigned ncpus = 0;
	int rc = check_maps(1, a->num[0], err);

	if (rc < 0 || (rc = affinity(c, a->dom.name, HV_AFFINITY_EMULATOR, (unsigned)a->num[1] & 3u,
				     &ncpus, &maps, err)) < 0)
		return rc;
	rpc_msg_init_extra(r);
	if (maps->len) {
		put_map(r->bytes, &g_array_index(maps, HvCpuMap, 0), (int)a->num[0], ncpus);
		r->num[0] = 1;
	}
	return 0;
}


static int
pin(RpcClientCtx *c, const RpcMsg *a, HvAffinityKind kind, unsigned id, unsigned flags,
    GError **err)
{
	if (!a->bytes || a->bytes->len > CPUMAP_MAX)
		return hv_error_set(err, EINVAL, "a CPU map of 1 to %d bytes is needed", CPUMAP_MAX);
	return HV_CALL(c->conn, domain, set_affinity, HV_WRITES, err, a->dom.name, kind, id,
		       a->bytes->data, a->bytes->len, flags);
}

/* PinVcpu (26) and PinVcpuFlags (225): dom, vcpu, cpumap[, flags] */
RPC_HANDLER(h_dom_pin_vcpu)
{
	return pin(c, a, HV_AFFINITY_VCPU, (unsigned)a->num[0], (unsigned)a->num[1], err);
}

/* PinEmulator (279): dom, cpumap, flags */
RPC_HANDLER(h_dom_pin_emulator)
{
	return pin(c, a, HV_AFFINITY_EMULATOR, 0, (unsigned)a->num[0], err);
}

RPC_HANDLER(h_dom_get_iothread_info)
{
	g_autoptr(GArray) maps = NULL;
	unsigned ncpus = 0;
	int rc = affinity(c, a->dom.name, HV_AFFINITY_IOTHREAD, (unsigned)a->num[0] & 3u, &ncpus,
			  &maps, err);

	if (rc < 0)
		return rc;
	rpc_msg_init_extra(r);
	for (guint k = 0; k < maps->len; k++) {
		const HvCpuMap *m = &g_array_index(maps, HvCpuMap, k);
		RpcIOThread t = { m->id, g_byte_array_new() };

		put_map(t.map, m, (int)((ncpus + 7) / 8), ncpus);
		g_array_append_val(r->iothreads, t);
	}
	r->num[0] = maps->len;
	return 0;
}

/* ---- typed parameters */

void
params_out(RpcMsg *r, const GArray *ps, int64_t max)
{
	rpc_msg_init_extra(r);
	for (guint k = 0; k < ps->len && k < max; k++) {
		const HvParam *p = &g_array_index(ps, HvParam, k);

		rpc_msg_param_add(r, p->field, (int32_t)p->type, p->i, p->d, p->s);
	}
}

GArray *
params_in(const RpcMsg *a)
{
	GArray *ps = hv_params_new();

	for (guint k = 0; a->params && k < a->params->len; k++) {
		const RpcParam *p = &g_array_index(a->params, RpcParam, k);

		hv_params_add(ps, p->field, (HvParamType)p->type, p->i, p->s);
		g_array_index(ps, HvParam, k).d = p->d;
	}
	return ps;
}

static int
get_tune(RpcClientCtx *c, const char *name, HvTuneKind kind, const char *dev, unsigned flags,
	 GArray **ps, GError **err)
{
	return HV_CALL(c->conn, domain, get_tune, HV_READS, err, name, kind, dev,
		       flags & ~STRING_OKAY, ps);
}

RPC_HANDLER(h_dom_get_scheduler_type)
{
	g_autoptr(GArray) ps = NULL;
	int rc = HV_CALL(c->conn, domain, get_scheduler_type, HV_READS, err, a->dom.name, &r->str[0]);

	if (rc < 0 || (rc = get_tune(c, a->dom.name, HV_TUNE_SCHED, NULL, 0, &ps, err)) < 0)
		return rc;
	r->num[0] = ps->len;
	return 0;
}

/* GetSchedulerParameters[Flags]: nparams in, the list out (the driver's
 * flag_rules may refuse the Flags variant's flags, as libvirt's test driver
 * refuses VIR_TYPED_PARAM_STRING_OKAY there). */
RPC_HANDLER(h_dom_get_sched_params)
{
	g_autoptr(GArray) ps = NULL;
	int rc = rpc_check_flags(c, "virDomainGetSchedulerParametersFlags", (unsigned)a->num[1],
				 err);

	if (rc == 0)
		rc = get_tune(c, a->dom.name, HV_TUNE_SCHED, NULL, (unsigned)a->num[1], &ps, err);

	if (rc == 0)
		params_out(r, ps, a->num[0]);
	return rc;
}

/* The Get*Parameters with (nparams, flags) in and (params, nparams) out. */
static int
get_group(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, HvTuneKind kind, const char *dev, int64_t n,
	  unsigned flags, GError **err)
{
	g_autoptr(GArray) ps = NULL;
	int rc = get_tune(c, a->dom.name, kind, dev, flags, &ps, err);

	if (rc < 0)
		return rc;
	params_out(r, ps, n);
	r->num[0] = n == 0 ? ps->len : r->params->len;
	return 0;
}

RPC_HANDLER(h_dom_get_memory_params) { return get_group(c, a, r, HV_TUNE_MEMORY, NULL, a->num[0], (unsigned)a->num[1], err); }
RPC_HANDLER(h_dom_get_blkio_params) { return get_group(c, a, r, HV_TUNE_BLKIO, NULL, a->num[0], (unsigned)a->num[1], err); }
RPC_HANDLER(h_dom_get_numa_params) { return get_group(c, a, r, HV_TUNE_NUMA, NULL, a->num[0], (unsigned)a->num[1], err); }
RPC_HANDLER(h_dom_get_interface_params) { return get_group(c, a, r, HV_TUNE_INTERFACE, a->str[0], a->num[0], (unsigned)a->num[1], err); }

RPC_HANDLER(h_dom_get_block_io_tune)
{
	if (!a->has_str[0] && a->num[0]) /* no disk: only how many parameters there are */
		return hv_error_set(err, EINVAL, "domain '%s': a disk must be named", a->dom.name);
	return get_group(c, a, r, HV_TUNE_BLOCK_IO, a->str[0], a->num[0], (unsigned)a->num[1], err);
}

static int
set_group(RpcClientCtx *c, RpcMsg *a, HvTuneKind kind, const char *dev, unsigned flags,
	  GError **err)
{
	g_autoptr(GArray) ps = params_in(a);

	return HV_CALL(c->conn, domain, set_tune, HV_WRITES, err, a->dom.name, kind, dev, ps,
		       flags & ~STRING_OKAY);
}

RPC_HANDLER(h_dom_set_sched_params) { return set_group(c, a, HV_TUNE_SCHED, NULL, (unsigned)a->num[0], err); }
RPC_HANDLER(h_dom_set_memory_params) { return set_group(c, a, HV_TUNE_MEMORY, NULL, (unsigned)a->num[0], err); }
RPC_HANDLER(h_dom_set_blkio_params) { return set_group(c, a, HV_TUNE_BLKIO, NULL, (unsigned)a->num[0], err); }
RPC_HANDLER(h_dom_set_numa_params) { return set_group(c, a, HV_TUNE_NUMA, NULL, (unsigned)a->num[0], err); }
RPC_HANDLER(h_dom_set_interface_params) { return set_group(c, a, HV_TUNE_INTERFACE, a->str[0], (unsigned)a->num[0], err); }
RPC_HANDLER(h_dom_set_block_io_tune) { return set_group(c, a, HV_TUNE_BLOCK_IO, a->str[0], (unsigned)a->num[0], err); }

/* ---- security */

RPC_HANDLER(h_dom_get_security_label)
{
	bool enforcing = false;
	int rc = HV_CALL(c->conn, domain, get_security_label, HV_READS, err, a->dom.name,
			 &r->str[0], &enforcing);

	r->num[0] = enforcing;
	return rc;
}

