/* proto_host.c: hyperfsd's procedures about what the host and hypervisor
 * offer beyond node info: free pages per cell (340), CPU model names (312),
 * CPU baselines (162), the flags a driver refuses as libvirt's does
 * (rpc_check_flags), and the
 * one answer of every procedure no hyperfs driver implements (node memory
 * stats and parameters, SEV, pool capabilities, network ports, guest vCPUs
 * and info, managed save XML...): libvirt's "not supported" for the
 * driver, naming the API. */
#include <errno.h>
#include "remote/proto_priv.h"
#include "remote/xdr.h"

#define NODE_MAX_CELLS 1024u        /* REMOTE_NODE_MAX_CELLS */
#define CPU_MODELS_MAX 8192u        /* REMOTE_CONNECT_CPU_MODELS_MAX */

/* The checkpoint's refusal, which the dispatcher words as libvirt does for a
 * driver without the method ("this function is not supported by the
 * connection driver: virNodeGetMemoryStats"). */
RPC_HANDLER(h_no_support)
{
	return hv_error_set(err, ENOTSUP, "the method is not supported by driver '%s'",
			    c->conn->driver->name);
}

int
rpc_check_flags(RpcClientCtx *c, const char *api, unsigned flags, GError **err)
{
	for (const HvFlagRule *f = c->conn->driver->flag_rules; f && f->api; f++)
		if (g_str_equal(f->api, api) && (flags & ~f->accepted))
			return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function %s",
					    flags & ~f->accepted, f->function);
	return 0;
}

/* args (X_RAW): unsigned pages<>, int startCell, unsigned cellCount, flags */
RPC_HANDLER(h_node_get_free_pages)
{
	g_autofree unsigned *pages = NULL;
	g_autoptr(GArray) counts = NULL;
	uint32_t npages, count, flags;
	int32_t start;
	XdrIn in;
	int rc;

	xdr_in_init(&in, a->raw->data, a->raw->len);
	npages = xdr_get_count(&in, NODE_MAX_CELLS, 4);
	pages = g_new0(unsigned, npages + 1);
	for (uint32_t k = 0; k < npages; k++)
		pages[k] = xdr_get_u32(&in);
	start = xdr_get_i32(&in);
	count = xdr_get_u32(&in);
	flags = xdr_get_u32(&in);
	if (in.bad || xdr_in_left(&in))
		return hv_error_set(err, EINVAL, "cannot decode the arguments of virNodeGetFreePages");
	if (flags)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags);
	if ((uint64_t)npages * count > NODE_MAX_CELLS)
		return hv_error_set(err, EINVAL, "the result won't fit into REMOTE_NODE_MAX_CELLS");
	rc = HV_CALL(c->conn, node, get_free_pages, HV_READS, err, pages, npages, start, count,
		     &counts);
	if (rc < 0)
		return rc;
	rpc_msg_init_extra(r);
	g_array_append_vals(r->u64s, counts->data, counts->len);
	return 0;
}

/* args: arch, need_results, flags; reply: models<>, their count */
RPC_HANDLER(h_get_cpu_model_names)
{
	g_auto(GStrv) models = NULL;
	int rc;

	if (a->num[1])
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", (unsigned)a->num[1]);
	rc = HV_CALL(c->conn, node, get_cpu_models, HV_READS, err, a->str[0], &models);
	if (rc < 0)
		return rc;
	if (g_strv_length(models) > CPU_MODELS_MAX)
		return hv_error_set(err, EINVAL, "Too many CPU models '%u' for limit '%u'",
				    g_strv_length(models), CPU_MODELS_MAX);
	rpc_msg_init_extra(r);
	for (char **m = models; a->num[0] && *m; m++)
		g_ptr_array_add(r->strs, g_strdup(*m));
	r->num[0] = g_strv_length(models);
	return 0;
}

#define CPU_BASELINE_MAX 256u /* REMOTE_CPU_BASELINE_MAX */

/* 162: xmlCPUs<>, flags; reply: the baseline <cpu> */
RPC_HANDLER(h_baseline_cpu)
{
	g_autoptr(GPtrArray) xmls = g_ptr_array_new();

	if (!a->strs || a->strs->len > CPU_BASELINE_MAX)
		return hv_error_set(err, EINVAL, "at most %u CPUs for a baseline", CPU_BASELINE_MAX);
	for (guint k = 0; k < a->strs->len; k++)
		g_ptr_array_add(xmls, a->strs->pdata[k]);
	g_ptr_array_add(xmls, NULL);
	return HV_CALL(c->conn, node, baseline_cpu, HV_READS, err,
		       (const char *const *)xmls->pdata, (unsigned)a->num[0], &r->str[0]);
}
