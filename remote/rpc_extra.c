/* rpc_extra.c: the codec's list shapes beyond objects (rpc.h): names
 * (X_STR_LIST), typed parameters (X_PARAMS), cpumaps (X_OPAQUE), vCPU and
 * IOThread infos, unsigned hyper lists, node CPU stats, memory stats, disk
 * errors and interfaces; every count checked against the bytes present and a
 * bound before anything is allocated. */
#include <string.h>
#include "remote/rpc_priv.h"

static void
iothread_clear(void *p)
{
	RpcIOThread *t = p;

	g_clear_pointer(&t->map, g_byte_array_unref);
}

void
rpc_msg_init_extra(RpcMsg *m)
{
	if (!m->strs)
		m->strs = g_ptr_array_new_with_free_func(g_free);
	if (!m->params) {
		m->params = g_array_new(FALSE, TRUE, sizeof(RpcParam));
		g_array_set_clear_func(m->params, rpc_param_clear);
	}
	if (!m->bytes)
		m->bytes = g_byte_array_new();
	if (!m->vcpus)
		m->vcpus = g_array_new(FALSE, TRUE, sizeof(RpcVcpu));
	if (!m->u64s)
		m->u64s = g_array_new(FALSE, TRUE, sizeof(guint64));
	if (!m->iothreads) {
		m->iothreads = g_array_new(FALSE, TRUE, sizeof(RpcIOThread));
		g_array_set_clear_func(m->iothreads, iothread_clear);
	}
}

void
rpc_msg_param_add(RpcMsg *m, const char *field, int32_t type, int64_t i, double d, const char *s)
{
	RpcParam pa = { .field = g_strdup(field), .type = type, .i = i, .d = d,
			.s = type == RPC_PARAM_STRING ? g_strdup(s ? s : "") : NULL };

	rpc_msg_init_extra(m);
	g_array_append_val(m->params, pa);
}


static GByteArray *
get_opaque(XdrIn *in, uint32_t max)
{
	uint32_t n = xdr_get_count(in, max, 1);
	GByteArray *b = g_byte_array_new();

	if (in->bad)
		return b;
	g_byte_array_set_size(b, n);
	xdr_get_fixed(in, b->data, n); /* and its padding */
	return b;
}

/* The shapes this file codes. */
static const XField extras[] = {
	X_STR_LIST, X_PARAMS, X_OPAQUE, X_VCPU_LIST, X_IOTHREAD_LIST, X_U64_LIST,
	X_FIELD_U64_LIST, X_TAG_U64_LIST, X_DISK_ERROR_LIST, X_IFACE_LIST,
};

bool
rpc_is_extra(XField f)
{
	for (size_t k = 0; k < G_N_ELEMENTS(extras); k++)
		if (extras[k] == f)
			return true;
	return false;
}

/* The lists of the tuning and old list calls. */
void
rpc_get_extra(XdrIn *in, XField f, RpcMsg *m)
{
	uint32_t n;

	rpc_msg_init_extra(m);
	switch (f) {
	case X_STR_LIST:
		n = xdr_get_count(in, RPC_LIST_MAX, 4);
		for (uint32_t i = 0; i < n && !in->bad; i++)
			g_ptr_array_add(m->strs, xdr_get_string(in, RPC_STRING_MAX));
		break;
	case X_IFACE_LIST:
		n = xdr_get_count(in, RPC_LIST_MAX, 8);
		for (uint32_t i = 0; i < 2 * n && !in->bad; i++)
			g_ptr_array_add(m->strs, xdr_get_string(in, RPC_STRING_MAX));
		break;
	case X_PARAMS:
		n = xdr_get_count(in, RPC_TUNE_PARAMS_MAX, 12);
		for (uint32_t i = 0; i < n && !in->bad; i++)
			rpc_get_param(in, m->params);
		break;
	case X_OPAQUE:
		g_byte_array_unref(m->bytes);
		m->bytes = get_opaque(in, RPC_CPUMAPS_MAX);
		break;
	case X_VCPU_LIST:
		n = xdr_get_count(in, RPC_LIST_MAX, 20);
		for (uint32_t i = 0; i < n && !in->bad; i++) {
			RpcVcpu v;

			v.number = xdr_get_u32(in);
			v.state = xdr_get_i32(in);
			v.cpu_time = xdr_get_u64(in);
			v.cpu = xdr_get_i32(in);
			g_array_append_val(m->vcpus, v);
		}
		break;
	case X_U64_LIST:
		n = xdr_get_count(in, RPC_LIST_MAX, 8);
		for (uint32_t i = 0; i < n && !in->bad; i++) {
			guint64 v = xdr_get_u64(in);

			g_array_append_val(m->u64s, v);
		}
		break;
	case X_FIELD_U64_LIST:
		n = xdr_get_count(in, RPC_TUNE_PARAMS_MAX, 12);
		for (uint32_t i = 0; i < n && !in->bad; i++) {
			RpcParam pa = { .type = RPC_PARAM_ULLONG };

			pa.field = xdr_get_string(in, RPC_STRING_MAX);
			pa.i = (int64_t)xdr_get_u64(in);
			g_array_append_val(m->params, pa);
		}
		break;
	case X_TAG_U64_LIST:
	case X_DISK_ERROR_LIST:
		if (!m->ints)
			m->ints = g_array_new(FALSE, TRUE, sizeof(int32_t));
		n = xdr_get_count(in, RPC_LIST_MAX, f == X_TAG_U64_LIST ? 12 : 8);
		for (uint32_t i = 0; i < n && !in->bad; i++) {
			int32_t v;
			guint64 u;

			if (f == X_TAG_U64_LIST) {
				v = xdr_get_i32(in);
				u = xdr_get_u64(in);
				g_array_append_val(m->u64s, u);
			} else {
				g_ptr_array_add(m->strs, xdr_get_string(in, RPC_STRING_MAX));
				v = xdr_get_i32(in);
			}
			g_array_append_val(m->ints, v);
		}
		break;
	default: /* X_IOTHREAD_LIST */
		n = xdr_get_count(in, RPC_LIST_MAX, 8);
		for (uint32_t i = 0; i < n && !in->bad; i++) {
			RpcIOThread t;

			t.id = xdr_get_u32(in);
			t.map = get_opaque(in, RPC_CPUMAPS_MAX);
			g_array_append_val(m->iothreads, t);
		}
		break;
	}
}


static void
put_opaque(GByteArray *out, const GByteArray *b)
{
	guint n = b ? b->len : 0;

	xdr_put_u32(out, n);
	if (n)
		xdr_put_fixed(out, b->data, n);
}

void
rpc_put_extra(GByteArray *out, XField f, const RpcMsg *m)
{
	const GArray *a = f == X_VCPU_LIST ? m->vcpus : m->iothreads;

	switch (f) {
	case X_STR_LIST:
		xdr_put_u32(out, m->strs ? m->strs->len : 0);
		for (guint i = 0; m->strs && i < m->strs->len; i++)
			xdr_put_string(out, m->strs->pdata[i]);
		break;
	case X_IFACE_LIST:
		xdr_put_u32(out, m->strs ? m->strs->len / 2 : 0);
		for (guint i = 0; m->strs && i < m->strs->len / 2 * 2; i++)
			xdr_put_string(out, m->strs->pdata[i]);
		break;
	case X_PARAMS:
		rpc_put_params(out, m->params);
		break;
	case X_OPAQUE:
		put_opaque(out, m->bytes);
		break;
	case X_VCPU_LIST:
		xdr_put_u32(out, a ? a->len : 0);
		for (guint i = 0; a && i < a->len; i++) {
			const RpcVcpu *v = &g_array_index(a, RpcVcpu, i);

			xdr_put_u32(out, v->number);
			xdr_put_i32(out, v->state);
			xdr_put_u64(out, v->cpu_time);
			xdr_put_i32(out, v->cpu);
		}
		break;
	case X_U64_LIST:
		xdr_put_u32(out, m->u64s ? m->u64s->len : 0);
		for (guint i = 0; m->u64s && i < m->u64s->len; i++)
			xdr_put_u64(out, g_array_index(m->u64s, guint64, i));
		break;
	case X_FIELD_U64_LIST:
		xdr_put_u32(out, m->params ? m->params->len : 0);
		for (guint i = 0; m->params && i < m->params->len; i++) {
			xdr_put_string(out, g_array_index(m->params, RpcParam, i).field);
			xdr_put_u64(out, (uint64_t)g_array_index(m->params, RpcParam, i).i);
		}
		break;
	case X_TAG_U64_LIST:
	case X_DISK_ERROR_LIST: {
		guint n = m->ints ? m->ints->len : 0;

		xdr_put_u32(out, n);
		for (guint i = 0; i < n; i++) {
			if (f == X_TAG_U64_LIST) {
				xdr_put_i32(out, g_array_index(m->ints, int32_t, i));
				xdr_put_u64(out, g_array_index(m->u64s, guint64, i));
			} else {
				xdr_put_string(out, m->strs->pdata[i]);
				xdr_put_i32(out, g_array_index(m->ints, int32_t, i));
			}
		}
		break;
	}
	default: /* X_IOTHREAD_LIST */
		xdr_put_u32(out, a ? a->len : 0);
		for (guint i = 0; a && i < a->len; i++) {
			xdr_put_u32(out, g_array_index(a, RpcIOThread, i).id);
			put_opaque(out, g_array_index(a, RpcIOThread, i).map);
		}
		break;
	}
}

