/* rpc.c: libvirt RPC framing, the header, remote_error and the table-driven
 * body codec (see rpc.h). Limits: 32 MiB frames, 4 MiB strings, list lengths
 * bounded by RPC_LIST_MAX and by the bytes actually present. */
#include <errno.h>
#include <string.h>
#include "remote/rpc_priv.h"

static void
dom_clear(void *p)
{
	RpcDom *d = p;

	g_clear_pointer(&d->name, g_free);
}

static void
named_clear(void *p)
{
	RpcNamed *n = p;

	g_clear_pointer(&n->name, g_free);
}

static void
vol_clear(void *p)
{
	RpcVol *v = p;

	g_clear_pointer(&v->pool, g_free);
	g_clear_pointer(&v->name, g_free);
	g_clear_pointer(&v->key, g_free);
}

void
rpc_param_clear(void *p)
{
	RpcParam *pa = p;

	g_clear_pointer(&pa->field, g_free);
	g_clear_pointer(&pa->s, g_free);
}

static void
stats_clear(void *p)
{
	RpcStats *st = p;

	dom_clear(&st->dom);
	g_clear_pointer(&st->params, g_array_unref);
}

RpcStats *
rpc_stats_add(RpcMsg *m, const RpcDom *dom)
{
	RpcStats st = { 0 };

	if (!m->stats) {
		m->stats = g_array_new(FALSE, TRUE, sizeof(RpcStats));
		g_array_set_clear_func(m->stats, stats_clear);
	}
	st.dom = *dom;
	st.dom.name = g_strdup(dom->name);
	st.params = g_array_new(FALSE, TRUE, sizeof(RpcParam));
	g_array_set_clear_func(st.params, rpc_param_clear);
	g_array_append_val(m->stats, st);
	return &g_array_index(m->stats, RpcStats, m->stats->len - 1);
}

void
rpc_param_add(RpcStats *st, const char *field, int32_t type, int64_t i, double d, const char *s)
{
	RpcParam pa = { .field = g_strdup(field), .type = type, .i = i, .d = d,
			.s = type == RPC_PARAM_STRING ? g_strdup(s ? s : "") : NULL };

	g_array_append_val(st->params, pa);
}

void
rpc_msg_init_lists(RpcMsg *m)
{
	if (!m->doms) {
		m->doms = g_array_new(FALSE, TRUE, sizeof(RpcDom));
		g_array_set_clear_func(m->doms, dom_clear);
	}
	if (!m->nets) {
		m->nets = g_array_new(FALSE, TRUE, sizeof(RpcNamed));
		g_array_set_clear_func(m->nets, named_clear);
	}
	if (!m->pools) {
		m->pools = g_array_new(FALSE, TRUE, sizeof(RpcNamed));
		g_array_set_clear_func(m->pools, named_clear);
	}
	if (!m->vols) {
		m->vols = g_array_new(FALSE, TRUE, sizeof(RpcVol));
		g_array_set_clear_func(m->vols, vol_clear);
	}
	if (!m->ints)
		m->ints = g_array_new(FALSE, TRUE, sizeof(int32_t));
}

void
rpc_msg_clear(RpcMsg *m)
{
	if (!m)
		return;
	for (int i = 0; i < RPC_MAX_STRS; i++)
		g_free(m->str[i]);
	dom_clear(&m->dom);
	named_clear(&m->net);
	named_clear(&m->pool);
	vol_clear(&m->vol);
	g_clear_pointer(&m->doms, g_array_unref);
	g_clear_pointer(&m->nets, g_array_unref);
	g_clear_pointer(&m->pools, g_array_unref);
	g_clear_pointer(&m->vols, g_array_unref);
	g_clear_pointer(&m->ints, g_array_unref);
	g_clear_pointer(&m->stats, g_array_unref);
	g_clear_pointer(&m->strs, g_ptr_array_unref);
	g_clear_pointer(&m->params, g_array_unref);
	g_clear_pointer(&m->bytes, g_byte_array_unref);
	g_clear_pointer(&m->vcpus, g_array_unref);
	g_clear_pointer(&m->iothreads, g_array_unref);
	g_clear_pointer(&m->u64s, g_array_unref);
	g_clear_pointer(&m->raw, g_byte_array_unref);
	memset(m, 0, sizeof(*m));
}

static void
get_dom(XdrIn *in, RpcDom *d)
{
	dom_clear(d); /* a shape may fill the same slot twice */
	d->name = xdr_get_string(in, RPC_STRING_MAX);
	xdr_get_fixed(in, d->uuid, 16);
	d->id = xdr_get_i32(in);
}

static void
get_named(XdrIn *in, RpcNamed *n)
{
	named_clear(n);
	n->name = xdr_get_string(in, RPC_STRING_MAX);
	xdr_get_fixed(in, n->uuid, 16);
}

static void
get_vol(XdrIn *in, RpcVol *v)
{
	vol_clear(v);
	v->pool = xdr_get_string(in, RPC_STRING_MAX);
	v->name = xdr_get_string(in, RPC_STRING_MAX);
	v->key = xdr_get_string(in, RPC_STRING_MAX);
}

/* Smallest wire size of one element, so a forged count fails before allocating. */
static void
get_list(XdrIn *in, XField f, RpcMsg *m)
{
	static const size_t min_size[] = {
		[X_DOM_LIST] = 24, [X_NET_LIST] = 20, [X_POOL_LIST] = 20,
		[X_VOL_LIST] = 12, [X_INT_LIST] = 4,
	};
	uint32_t max = f == X_INT_LIST ? RPC_AUTH_LIST_MAX : RPC_LIST_MAX;
	uint32_t n = xdr_get_count(in, max, min_size[f]);

	rpc_msg_init_lists(m);
	for (uint32_t i = 0; i < n && !in->bad; i++) {
		switch (f) {
		case X_DOM_LIST: {
			RpcDom d = { 0 };
			get_dom(in, &d);
			g_array_append_val(m->doms, d);
			break;
		}
		case X_NET_LIST:
		case X_POOL_LIST: {
			RpcNamed nm = { 0 };
			get_named(in, &nm);
			g_array_append_val(f == X_NET_LIST ? m->nets : m->pools, nm);
			break;
		}
		case X_VOL_LIST: {
			RpcVol v = { 0 };
			get_vol(in, &v);
			g_array_append_val(m->vols, v);
			break;
		}
		default: {
			int32_t v = xdr_get_i32(in);
			g_array_append_val(m->ints, v);
			break;
		}
		}
	}
}

/* One remote_typed_param; an unknown type makes the message bad. */
void
rpc_get_param(XdrIn *in, GArray *params)
{
	RpcParam pa = { 0 };
	uint64_t bits;

	pa.field = xdr_get_string(in, RPC_STRING_MAX);
	pa.type = xdr_get_i32(in);
	switch (pa.type) {
	case RPC_PARAM_INT:
	case RPC_PARAM_BOOLEAN:
		pa.i = xdr_get_i32(in);
		break;
	case RPC_PARAM_UINT:
		pa.i = xdr_get_u32(in);
		break;
	case RPC_PARAM_LLONG:
	case RPC_PARAM_ULLONG:
		pa.i = (int64_t)xdr_get_u64(in);
		break;
	case RPC_PARAM_DOUBLE:
		bits = xdr_get_u64(in);
		memcpy(&pa.d, &bits, sizeof(pa.d));
		break;
	case RPC_PARAM_STRING:
		pa.s = xdr_get_string(in, RPC_STRING_MAX);
		break;
	default:
		in->bad = true;
		break;
	}
	g_array_append_val(params, pa);
}

static void
get_stats_list(XdrIn *in, RpcMsg *m)
{
	uint32_t n = xdr_get_count(in, RPC_LIST_MAX, 28);

	for (uint32_t i = 0; i < n && !in->bad; i++) {
		RpcDom d = { 0 };
		RpcStats *st;
		uint32_t np;

		get_dom(in, &d);
		st = rpc_stats_add(m, &d);
		dom_clear(&d);
		np = xdr_get_count(in, RPC_PARAMS_MAX, 12);
		for (uint32_t j = 0; j < np && !in->bad; j++)
			rpc_get_param(in, st->params);
	}
}

int
rpc_msg_decode(const XField *shape, XdrIn *in, RpcMsg *m)
{
	int nn = 0, ns = 0;

	for (const XField *f = shape; *f != X_END && !in->bad; f++) {
		switch (*f) {
		case X_INT:
		case X_UINT:
		case X_HYPER:
			if (nn >= RPC_MAX_NUMS)
				return -EINVAL;
			m->num[nn++] = *f == X_INT ? (int64_t)xdr_get_i32(in)
				     : *f == X_UINT ? (int64_t)xdr_get_u32(in)
						    : (int64_t)xdr_get_u64(in);
			break;
		case X_STR:
		case X_OPTSTR:
			if (ns >= RPC_MAX_STRS)
				return -EINVAL;
			if (*f == X_STR) {
				m->str[ns] = xdr_get_string(in, RPC_STRING_MAX);
				m->has_str[ns] = true;
			} else {
				m->str[ns] = xdr_get_opt_string(in, RPC_STRING_MAX, &m->has_str[ns]);
			}
			ns++;
			break;
		case X_CHARS: {
			uint32_t n = xdr_get_count(in, 4096, 4);
			GString *str = g_string_sized_new(n);

			if (ns >= RPC_MAX_STRS) {
				g_string_free(str, TRUE);
				return -EINVAL;
			}
			for (uint32_t i = 0; i < n && !in->bad; i++) {
				char ch = (char)xdr_get_i32(in);

				if (ch)
					g_string_append_c(str, ch);
			}
			m->str[ns] = g_string_free(str, FALSE);
			m->has_str[ns++] = true;
			break;
		}
		case X_UUID:
			xdr_get_fixed(in, m->uuid, 16);
			break;
		case X_DOM:
			get_dom(in, &m->dom);
			m->has_dom = true;
			break;
		case X_OPTDOM:
			if ((m->has_dom = xdr_get_bool(in)))
				get_dom(in, &m->dom);
			break;
		case X_NET:
			get_named(in, &m->net);
			break;
		case X_POOL:
			get_named(in, &m->pool);
			break;
		case X_VOL:
			get_vol(in, &m->vol);
			break;
		case X_MODEL32:
			for (int i = 0; i < 32; i++)
				m->model[i] = (char)xdr_get_i32(in);
			m->model[32] = '\0';
			break;
		case X_OPTNET:
			if ((m->has_net = xdr_get_bool(in)))
				get_named(in, &m->net);
			break;
		case X_OPTPOOL:
			if ((m->has_pool = xdr_get_bool(in)))
				get_named(in, &m->pool);
			break;
		case X_STATS_LIST:
			get_stats_list(in, m);
			break;
		case X_RAW: {
			size_t n = xdr_in_left(in);

			m->raw = g_byte_array_sized_new((guint)n);
			g_byte_array_set_size(m->raw, (guint)n);
			xdr_get_fixed(in, m->raw->data, n);
			break;
		}
		default: /* the object lists here, the others' in rpc_extra.c */
			if (rpc_is_extra(*f))
				rpc_get_extra(in, *f, m);
			else
				get_list(in, *f, m);
			break;
		}
	}
	return xdr_in_finish(in);
}

static void
put_dom(GByteArray *out, const RpcDom *d)
{
	xdr_put_string(out, d->name);
	xdr_put_fixed(out, d->uuid, 16);
	xdr_put_i32(out, d->id);
}

static void
put_named(GByteArray *out, const RpcNamed *n)
{
	xdr_put_string(out, n->name);
	xdr_put_fixed(out, n->uuid, 16);
}

static void
put_vol(GByteArray *out, const RpcVol *v)
{
	xdr_put_string(out, v->pool);
	xdr_put_string(out, v->name);
	xdr_put_string(out, v->key);
}

static void
put_list(GByteArray *out, XField f, const RpcMsg *m)
{
	const GArray *a = f == X_DOM_LIST ? m->doms : f == X_NET_LIST ? m->nets
			: f == X_POOL_LIST ? m->pools : f == X_VOL_LIST ? m->vols : m->ints;
	guint n = a ? a->len : 0;

	xdr_put_u32(out, n);
	for (guint i = 0; i < n; i++) {
		switch (f) {
		case X_DOM_LIST: put_dom(out, &g_array_index(a, RpcDom, i)); break;
		case X_NET_LIST:
		case X_POOL_LIST: put_named(out, &g_array_index(a, RpcNamed, i)); break;
		case X_VOL_LIST: put_vol(out, &g_array_index(a, RpcVol, i)); break;
		default: xdr_put_i32(out, g_array_index(a, int32_t, i)); break;
		}
	}
}

void
rpc_put_params(GByteArray *out, const GArray *ps)
{
	guint n = ps ? ps->len : 0;

	xdr_put_u32(out, n);
	for (guint j = 0; j < n; j++) {
		const RpcParam *pa = &g_array_index(ps, RpcParam, j);
		uint64_t bits;

		xdr_put_string(out, pa->field);
		xdr_put_i32(out, pa->type);
		switch (pa->type) {
		case RPC_PARAM_LLONG:
		case RPC_PARAM_ULLONG:
			xdr_put_u64(out, (uint64_t)pa->i);
			break;
		case RPC_PARAM_DOUBLE:
			memcpy(&bits, &pa->d, sizeof(bits));
			xdr_put_u64(out, bits);
			break;
		case RPC_PARAM_STRING:
			xdr_put_string(out, pa->s);
			break;
		default:
			xdr_put_u32(out, (uint32_t)pa->i);
			break;
		}
	}
}

static void
put_stats_list(GByteArray *out, const RpcMsg *m)
{
	guint n = m->stats ? m->stats->len : 0;

	xdr_put_u32(out, n);
	for (guint i = 0; i < n; i++) {
		const RpcStats *st = &g_array_index(m->stats, RpcStats, i);

		put_dom(out, &st->dom);
		rpc_put_params(out, st->params);
	}
}

void
rpc_msg_encode(const XField *shape, const RpcMsg *m, GByteArray *out)
{
	int nn = 0, ns = 0;

	for (const XField *f = shape; *f != X_END; f++) {
		switch (*f) {
		case X_INT:
		case X_UINT:
			xdr_put_u32(out, (uint32_t)m->num[nn++]);
			break;
		case X_HYPER:
			xdr_put_u64(out, (uint64_t)m->num[nn++]);
			break;
		case X_STR:
			xdr_put_string(out, m->str[ns++]);
			break;
		case X_OPTSTR:
			xdr_put_opt_string(out, m->has_str[ns] ? m->str[ns] : NULL);
			ns++;
			break;
		case X_CHARS: {
			const char *str = m->str[ns++];
			size_t n = str ? strlen(str) + 1 : 0;

			xdr_put_u32(out, (uint32_t)n);
			for (size_t i = 0; i < n; i++)
				xdr_put_i32(out, (signed char)str[i]);
			break;
		}
		case X_UUID:
			xdr_put_fixed(out, m->uuid, 16);
			break;
		case X_DOM:
			put_dom(out, &m->dom);
			break;
		case X_OPTDOM:
			xdr_put_u32(out, m->has_dom);
			if (m->has_dom)
				put_dom(out, &m->dom);
			break;
		case X_NET:
			put_named(out, &m->net);
			break;
		case X_POOL:
			put_named(out, &m->pool);
			break;
		case X_VOL:
			put_vol(out, &m->vol);
			break;
		case X_MODEL32:
			for (int i = 0; i < 32; i++)
				xdr_put_i32(out, (signed char)m->model[i]);
			break;
		case X_OPTNET:
			xdr_put_u32(out, m->has_net);
			if (m->has_net)
				put_named(out, &m->net);
			break;
		case X_OPTPOOL:
			xdr_put_u32(out, m->has_pool);
			if (m->has_pool)
				put_named(out, &m->pool);
			break;
		case X_STATS_LIST:
			put_stats_list(out, m);
			break;
		case X_RAW:
			if (m->raw)
				g_byte_array_append(out, m->raw->data, m->raw->len);
			break;
		default:
			if (rpc_is_extra(*f))
				rpc_put_extra(out, *f, m);
			else
				put_list(out, *f, m);
			break;
		}
	}
}

int
rpc_frame_length(const uint8_t word[4], uint32_t max, uint32_t *len)
{
	uint32_t n = (uint32_t)word[0] << 24 | (uint32_t)word[1] << 16 |
		     (uint32_t)word[2] << 8 | word[3];

	if (n < RPC_LEN_SIZE + RPC_HEADER_SIZE)
		return -EBADMSG;
	if (n > max)
		return -EMSGSIZE;
	*len = n;
	return 0;
}

int
rpc_header_decode(XdrIn *in, RpcHeader *h)
{
	h->prog = xdr_get_u32(in);
	h->vers = xdr_get_u32(in);
	h->proc = xdr_get_i32(in);
	h->type = xdr_get_i32(in);
	h->serial = xdr_get_u32(in);
	h->status = xdr_get_i32(in);
	return in->bad ? -EBADMSG : 0;
}

size_t
rpc_frame_begin(GByteArray *out, const RpcHeader *h)
{
	size_t start = out->len;

	xdr_put_u32(out, 0);
	xdr_put_u32(out, h->prog);
	xdr_put_u32(out, h->vers);
	xdr_put_i32(out, h->proc);
	xdr_put_i32(out, h->type);
	xdr_put_u32(out, h->serial);
	xdr_put_i32(out, h->status);
	return start;
}

int
rpc_frame_end(GByteArray *out, size_t start)
{
	size_t n = out->len - start;

	if (n > RPC_MAX_FRAME) {
		g_byte_array_set_size(out, start);
		return -EMSGSIZE;
	}
	out->data[start] = n >> 24;
	out->data[start + 1] = n >> 16;
	out->data[start + 2] = n >> 8;
	out->data[start + 3] = n;
	return 0;
}

void
rpc_error_clear(RpcError *e)
{
	if (!e)
		return;
	g_free(e->message);
	dom_clear(&e->dom);
	g_free(e->str1);
	g_free(e->str2);
	g_free(e->str3);
	named_clear(&e->net);
	memset(e, 0, sizeof(*e));
}

int
rpc_error_decode(XdrIn *in, RpcError *e)
{
	bool present;

	e->code = xdr_get_i32(in);
	e->domain = xdr_get_i32(in);
	e->message = xdr_get_opt_string(in, RPC_STRING_MAX, &present);
	e->level = xdr_get_i32(in);
	if ((e->has_dom = xdr_get_bool(in)))
		get_dom(in, &e->dom);
	e->str1 = xdr_get_opt_string(in, RPC_STRING_MAX, &present);
	e->str2 = xdr_get_opt_string(in, RPC_STRING_MAX, &present);
	e->str3 = xdr_get_opt_string(in, RPC_STRING_MAX, &present);
	e->int1 = xdr_get_i32(in);
	e->int2 = xdr_get_i32(in);
	if ((e->has_net = xdr_get_bool(in)))
		get_named(in, &e->net);
	return xdr_in_finish(in);
}

void
rpc_error_encode(GByteArray *out, const RpcError *e)
{
	xdr_put_i32(out, e->code);
	xdr_put_i32(out, e->domain);
	xdr_put_opt_string(out, e->message);
	xdr_put_i32(out, e->level);
	xdr_put_u32(out, e->has_dom);
	if (e->has_dom)
		put_dom(out, &e->dom);
	xdr_put_opt_string(out, e->str1);
	xdr_put_opt_string(out, e->str2);
	xdr_put_opt_string(out, e->str3);
	xdr_put_i32(out, e->int1);
	xdr_put_i32(out, e->int2);
	xdr_put_u32(out, e->has_net);
	if (e->has_net)
		put_named(out, &e->net);
}
