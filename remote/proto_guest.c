/* proto_guest.c: hyperfsd's procedures about what a guest reports: memory
 * counters (tags numbered as virDomainMemoryStatTags), its hostname and
 * clock, disks in error, perf events (365; set: 366), the balloon's period
 * (308), the monitor's state, a disk's sizes, CPU time counters (262), and
 * block and interface counters, which come from the driver's own statistics
 * (get_stats, the text `virsh domstats` prints) so that every driver with
 * statistics answers them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "remote/proto_priv.h"

#define MEMORY_STATS_MAX 1024 /* REMOTE_DOMAIN_MEMORY_STATS_MAX */
#define DISK_ERRORS_MAX 256   /* REMOTE_DOMAIN_DISK_ERRORS_MAX */

static const char *const mem_tags[] = {
	"swap_in", "swap_out", "major_fault", "minor_fault", "unused", "available", "actual",
	"rss", "usable", "last_update", "disk_caches", "hugetlb_pgalloc", "hugetlb_pgfail",
};

RPC_HANDLER(h_dom_memory_stats)
{
	g_autoptr(GArray) ps = NULL;
	int rc;

	if (a->num[0] > MEMORY_STATS_MAX)
		return hv_error_set(err, EINVAL, "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX");
	if ((rc = HV_CALL(c->conn, domain, get_memory_stats, HV_READS, err, a->dom.name, &ps)) < 0)
		return rc;
	rpc_msg_init_lists(r);
	rpc_msg_init_extra(r);
	for (guint k = 0; k < ps->len && r->ints->len < a->num[0]; k++) {
		const HvParam *p = &g_array_index(ps, HvParam, k);

		for (int32_t t = 0; t < (int32_t)G_N_ELEMENTS(mem_tags); t++)
			if (g_str_equal(mem_tags[t], p->field)) {
				guint64 v = (guint64)p->i;

				g_array_append_val(r->ints, t);
				g_array_append_val(r->u64s, v);
			}
	}
	return 0;
}

RPC_HANDLER(h_dom_get_hostname)
{
	return HV_CALL(c->conn, domain, get_hostname, HV_READS, err, a->dom.name, &r->str[0]);
}

RPC_HANDLER(h_dom_get_time)
{
	int64_t sec = 0;
	unsigned nsec = 0;
	int rc = HV_CALL(c->conn, domain, get_time, HV_READS, err, a->dom.name, &sec, &nsec);

	r->num[0] = sec;
	r->num[1] = nsec;
	return rc;
}

RPC_HANDLER(h_dom_get_disk_errors)
{
	g_autoptr(GArray) ps = NULL;
	int rc;

	if (a->num[0] > DISK_ERRORS_MAX)
		return hv_error_set(err, EINVAL, "maxerrors > REMOTE_DOMAIN_DISK_ERRORS_MAX");
	if ((rc = HV_CALL(c->conn, domain, get_disk_errors, HV_READS, err, a->dom.name, &ps)) < 0)
		return rc;
	rpc_msg_init_lists(r);
	rpc_msg_init_extra(r);
	for (guint k = 0; k < ps->len && k < a->num[0]; k++) {
		const HvParam *p = &g_array_index(ps, HvParam, k);
		int32_t code = (int32_t)p->i;

		g_ptr_array_add(r->strs, g_strdup(p->field));
		g_array_append_val(r->ints, code);
	}
	r->num[0] = a->num[0] ? r->ints->len : ps->len;
	return 0;
}

RPC_HANDLER(h_dom_get_perf_events)
{
	g_autoptr(GArray) ps = NULL;
	int rc = HV_CALL(c->conn, domain, get_perf_events, HV_READS, err, a->dom.name,
			 (unsigned)a->num[0], &ps);

	if (rc < 0)
		return rc;
	params_out(r, ps, G_MAXINT64);
	return 0;
}

#define MEMORY_PEEK_MAX (4u << 20) /* REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX */

/* 104: dom, offset, size, flags; reply: the bytes */
RPC_HANDLER(h_dom_memory_peek)
{
	g_autoptr(GByteArray) b = NULL;
	int rc;

	if ((uint64_t)a->num[1] > MEMORY_PEEK_MAX)
		return hv_error_set(err, EPROTO, "size > maximum buffer size");
	rc = HV_CALL(c->conn, domain, memory_peek, HV_WRITES, err, a->dom.name,
		     (uint64_t)a->num[0], (uint32_t)a->num[1], (unsigned)a->num[2], &b);
	if (rc == 0)
		r->bytes = g_steal_pointer(&b);
	return rc;
}

/* 308: dom, period, flags (libvirt's client refuses a negative one) */
RPC_HANDLER(h_dom_set_memory_stats_period)
{
	if (a->num[0] < 0)
		return hv_error_set(err, EINVAL, "period in virDomainSetMemoryStatsPeriod must not "
				    "be negative");
	return HV_CALL(c->conn, domain, set_memory_stats_period, HV_WRITES, err, a->dom.name,
		       (int)a->num[0], (unsigned)a->num[1]);
}

/* 366: dom, params, flags */
RPC_HANDLER(h_dom_set_perf_events)
{
	g_autoptr(GArray) ps = params_in(a);

	return HV_CALL(c->conn, domain, set_perf_events, HV_WRITES, err, a->dom.name, ps,
		       (unsigned)a->num[0]);
}

RPC_HANDLER(h_dom_get_control_info)
{
	unsigned state = 0, details = 0;
	uint64_t since = 0;
	int rc = HV_CALL(c->conn, domain, get_control_info, HV_READS, err, a->dom.name, &state,
			 &details, &since);

	r->num[0] = state;
	r->num[1] = details;
	r->num[2] = (int64_t)since;
	return rc;
}

RPC_HANDLER(h_dom_get_block_info)
{
	uint64_t cap = 0, alloc = 0, phys = 0;
	int rc = HV_CALL(c->conn, domain, get_block_info, HV_READS, err, a->dom.name, a->str[0],
			 &cap, &alloc, &phys);

	r->num[0] = (int64_t)alloc;
	r->num[1] = (int64_t)cap;
	r->num[2] = (int64_t)phys;
	return rc;
}

/* ---- counters from the driver's statistics */

/* The value of KEY in key=value lines, or 0. */
static int64_t
stat_value(const char *text, const char *key)
{
	g_autofree char *want = g_strconcat(key, "=", NULL);
	size_t n = strlen(want);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, want, n) == 0)
			return g_ascii_strtoll(l + n, NULL, 10);
	return 0;
}

/* The index of the device named dev in "PREFIX.N.name=" (or .path=) lines, or -1. */
static int
stat_device(const char *text, const char *prefix, const char *dev)
{
	g_autofree char *ck = g_strconcat(prefix, ".count", NULL);
	int count = (int)stat_value(text, ck);

	for (int i = 0; i < count && i < 4096; i++) {
		g_autofree char *nk = g_strdup_printf("%s.%d.name=%s\n", prefix, i, dev);
		g_autofree char *pk = g_strdup_printf("%s.%d.path=%s\n", prefix, i, dev);

		if (strstr(text, nk) || strstr(text, pk))
			return i;
	}
	return -1;
}

/* The driver's own counters (get_device_stats), which make their checks. */
static int
own_stats(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, HvDeviceKind kind, size_t nkeys,
	  GError **err)
{
	int64_t v[HV_DEV_STATS_MAX] = { 0 };
	int rc = HV_CALL(c->conn, domain, get_device_stats, HV_READS, err, a->dom.name, kind,
			 a->str[0] ? a->str[0] : "", v);

	for (size_t k = 0; rc == 0 && k < nkeys; k++)
		r->num[k] = v[k];
	return rc;
}

static int
device_stats(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const char *prefix,
	     const char *const *keys, size_t nkeys, const char *what, GError **err)
{
	g_autofree char *text = NULL;
	g_autoptr(HvDomainInfo) i = NULL;
	int rc;
	int dev;

	if (c->conn->driver->domain && c->conn->driver->domain->get_device_stats)
		return own_stats(c, a, r, g_str_equal(prefix, "block") ? HV_DEV_BLOCK : HV_DEV_NET,
				 nkeys, err);
	rc = HV_CALL(c->conn, domain, get_info, HV_READS, err, a->dom.name, &i);
	if (rc < 0)
		return rc;
	if (i->state == HV_DOMAIN_SHUTOFF || i->state == HV_DOMAIN_NOSTATE)
		return hv_error_set(err, EBUSY, "domain is not running");
	if ((rc = HV_CALL(c->conn, domain, get_stats, HV_READS, err, a->dom.name, &text)) < 0)
		return rc;
	if ((dev = stat_device(text, prefix, a->str[0])) < 0)
		return hv_error_set(err, EINVAL, "invalid %s: %s", what, a->str[0]);
	for (size_t k = 0; k < nkeys; k++) {
		g_autofree char *key = g_strdup_printf("%s.%d.%s", prefix, dev, keys[k]);

		r->num[k] = stat_value(text, key);
	}
	return 0;
}

RPC_HANDLER(h_dom_block_stats)
{
	static const char *const keys[] = { "rd.reqs", "rd.bytes", "wr.reqs", "wr.bytes", "errs" };

	return device_stats(c, a, r, "block", keys, G_N_ELEMENTS(keys), "path", err);
}

RPC_HANDLER(h_dom_interface_stats)
{
	static const char *const keys[] = { "rx.bytes", "rx.pkts", "rx.errs", "rx.drop",
					    "tx.bytes", "tx.pkts", "tx.errs", "tx.drop" };

	return device_stats(c, a, r, "net", keys, G_N_ELEMENTS(keys), "interface", err);
}

#define FSINFO_MAX 256       /* REMOTE_DOMAIN_FSINFO_MAX */
#define FSINFO_DISKS_MAX 256 /* REMOTE_DOMAIN_FSINFO_DISKS_MAX */

/* reply (X_RAW): remote_domain_fsinfo info<> {mountpoint, name, fstype,
 * dev_aliases<>}, unsigned ret (their count) */
RPC_HANDLER(h_dom_get_fsinfo)
{
	g_autoptr(GPtrArray) fs = NULL;
	int rc;

	if (a->num[0])
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", (unsigned)a->num[0]);
	if ((rc = HV_CALL(c->conn, domain, get_fsinfo, HV_WRITES, err, a->dom.name, &fs)) < 0)
		return rc;
	if (fs->len > FSINFO_MAX)
		return hv_error_set(err, EINVAL, "Too many mountpoints in fsinfo: %u for limit %d",
				    fs->len, FSINFO_MAX);
	r->raw = g_byte_array_new();
	xdr_put_u32(r->raw, fs->len);
	for (guint k = 0; k < fs->len; k++) {
		const HvDomainFsInfo *f = fs->pdata[k];
		guint n = f->devices ? MIN(g_strv_length(f->devices), FSINFO_DISKS_MAX) : 0;

		xdr_put_string(r->raw, f->mountpoint);
		xdr_put_string(r->raw, f->name);
		xdr_put_string(r->raw, f->fstype);
		xdr_put_u32(r->raw, n);
		for (guint d = 0; d < n; d++)
			xdr_put_string(r->raw, f->devices[d]);
	}
	xdr_put_u32(r->raw, fs->len);
	return 0;
}

RPC_HANDLER(h_dom_get_launch_security_info)
{
	g_autoptr(GArray) ps = NULL;
	int rc = HV_CALL(c->conn, domain, get_launch_security, HV_READS, err, a->dom.name,
			 (unsigned)a->num[0], &ps);

	if (rc < 0)
		return rc;
	params_out(r, ps, G_MAXINT64);
	return 0;
}

/* ---- requests to a running guest (the driver's guest_request) */

static int
guest_request(RpcClientCtx *c, const char *name, HvGuestRequest what, const GPtrArray *mounts,
	      RpcMsg *r, GError **err)
{
	g_autoptr(GPtrArray) m = g_ptr_array_new();
	int count = 0, rc;

	for (guint k = 0; mounts && k < mounts->len; k++)
		g_ptr_array_add(m, mounts->pdata[k]);
	g_ptr_array_add(m, NULL);
	rc = HV_CALL(c->conn, domain, guest_request, HV_WRITES, err, name, what,
		     (const char *const *)m->pdata, &count);
	if (r)
		r->num[0] = count;
	return rc;
}

/* Each row's flags, none taken yet: libvirt's "unsupported flags". */
static int
no_flags(int64_t flags, GError **err)
{
	return flags ? hv_error_set(err, EINVAL, "unsupported flags (0x%x)", (unsigned)flags) : 0;
}

RPC_HANDLER(h_dom_inject_nmi)
{
	return no_flags(a->num[0], err) ?: guest_request(c, a->dom.name, HV_GUEST_INJECT_NMI,
							 NULL, NULL, err);
}

/* dom, codeset, holdtime, keycodes<16>, flags */
RPC_HANDLER(h_dom_send_key)
{
	if (a->ints && a->ints->len > 16)
		return hv_error_set(err, EINVAL, "too many keycodes: %u (at most 16)", a->ints->len);
	return no_flags(a->num[2], err) ?: guest_request(c, a->dom.name, HV_GUEST_SEND_KEY,
							 NULL, NULL, err);
}

/* dom, seconds, nseconds, flags (VIR_DOMAIN_TIME_SYNC 1) */
RPC_HANDLER(h_dom_set_time)
{
	if (a->num[2] & ~1)
		return no_flags(a->num[2], err);
	return guest_request(c, a->dom.name, HV_GUEST_SET_TIME, NULL, NULL, err);
}

/* dom, user, password, flags (VIR_DOMAIN_PASSWORD_ENCRYPTED 1) */
RPC_HANDLER(h_dom_set_user_password)
{
	if (a->num[0] & ~1)
		return no_flags(a->num[0], err);
	return guest_request(c, a->dom.name, HV_GUEST_SET_PASSWORD, NULL, NULL, err);
}

/* dom, mountpoint (optional), minimum, flags */
RPC_HANDLER(h_dom_fstrim)
{
	g_autoptr(GPtrArray) one = g_ptr_array_new();

	if (a->str[0])
		g_ptr_array_add(one, a->str[0]);
	return no_flags(a->num[1], err) ?: guest_request(c, a->dom.name, HV_GUEST_FS_TRIM, one,
							 NULL, err);
}

/* dom, mountpoints<256>, flags; reply: the file systems changed */
RPC_HANDLER(h_dom_fsfreeze)
{
	if (a->strs && a->strs->len > 256)
		return hv_error_set(err, EINVAL, "too many mountpoints: %u", a->strs->len);
	return no_flags(a->num[0], err) ?: guest_request(c, a->dom.name, HV_GUEST_FS_FREEZE,
							 a->strs, r, err);
}

RPC_HANDLER(h_dom_fsthaw)
{
	if (a->strs && a->strs->len > 256)
		return hv_error_set(err, EINVAL, "too many mountpoints: %u", a->strs->len);
	return no_flags(a->num[0], err) ?: guest_request(c, a->dom.name, HV_GUEST_FS_THAW,
							 a->strs, r, err);
}

#define CPU_STATS_NPARAMS_MAX 16 /* REMOTE_NODE_CPU_STATS_MAX */
#define CPU_STATS_NCPUS_MAX 128  /* REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX */

/* 262: dom, nparams, start_cpu, ncpus, flags; reply: params<> (each CPU's,
 * CPUs without any left out, as libvirtd sends them), nparams */
RPC_HANDLER(h_dom_get_cpu_stats)
{
	unsigned nparams = (unsigned)a->num[0], ncpus = (unsigned)a->num[2];
	unsigned flags = (unsigned)a->num[3];
	g_autoptr(GArray) ps = NULL;
	int rc;

	if (nparams > CPU_STATS_NPARAMS_MAX)
		return hv_error_set(err, EINVAL, "nparams too large");
	if (ncpus > CPU_STATS_NCPUS_MAX)
		return hv_error_set(err, EINVAL, "ncpus too large");
	if (flags & ~4u) /* VIR_TYPED_PARAM_STRING_OKAY */
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags & ~4u);
	rc = HV_CALL(c->conn, domain, get_cpu_stats, HV_READS, err, a->dom.name, (int)a->num[1],
		     ncpus, nparams, &ps);
	if (rc < 0)
		return rc;
	if (ps)
		params_out(r, ps, G_MAXINT64);
	else
		rpc_msg_init_extra(r);
	r->num[0] = rc;
	return 0;
}
