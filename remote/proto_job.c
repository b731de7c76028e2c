/* proto_job.c: hyperfsd's domain job queries, virDomainGetJobInfo (163) and
 * virDomainGetJobStats (298), over the driver's get_job (the `job` file's
 * snapshot): no job is VIR_DOMAIN_JOB_NONE with every counter 0; a job whose
 * total is known is BOUNDED, else UNBOUNDED, with its elapsed time and data
 * counters (memory ones for a migration, whose engine fills them in; disk
 * ones while it copies disks, data being memory and disks as in libvirt;
 * GetJobInfo's file counters are the disks', as libvirt's qemu driver has
 * them); with VIR_DOMAIN_JOB_STATS_COMPLETED the domain's completed job
 * (get_completed_job: an incoming migration and its downtime). */
#include <errno.h>
#include <string.h>
#include "remote/proto_priv.h"
#include "remote/xdr.h"

enum { JOB_NONE = 0, JOB_BOUNDED = 1, JOB_UNBOUNDED = 2, JOB_COMPLETED = 3 }; /* virDomainJobType */
#define JOB_STATS_COMPLETED 1u /* VIR_DOMAIN_JOB_STATS_COMPLETED */
#define JOB_STATS_KEEP 2u      /* VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED */

static int
job_of(RpcClientCtx *c, const char *name, HvJobInfo *j, GError **err)
{
	memset(j, 0, sizeof(*j));
	return HV_CALL(c->conn, domain, get_job, HV_READS, err, name, j);
}

static int
job_type(const HvJobInfo *j)
{
	/* a migration is unbounded, as libvirt's qemu driver reports it */
	return !j->type ? JOB_NONE
	       : j->total_bytes && !g_str_has_prefix(j->type, "migration") ? JOB_BOUNDED
							      : JOB_UNBOUNDED;
}

RPC_HANDLER(h_dom_get_job_info)
{
	HvJobInfo j;
	int rc = job_of(c, a->dom.name, &j, err);
	bool mig = j.type && g_str_has_prefix(j.type, "migration");

	if (rc < 0)
		return rc;
	r->raw = g_byte_array_new();
	xdr_put_i32(r->raw, job_type(&j));
	xdr_put_u64(r->raw, j.elapsed_ms);
	xdr_put_u64(r->raw, 0); /* timeRemaining: not known */
	xdr_put_u64(r->raw, j.total_bytes + j.disk_total); /* data: memory and disks */
	xdr_put_u64(r->raw, j.processed_bytes + j.disk_processed);
	xdr_put_u64(r->raw, j.remaining_bytes + j.disk_remaining);
	xdr_put_u64(r->raw, mig ? j.total_bytes : 0);
	xdr_put_u64(r->raw, mig ? j.processed_bytes : 0);
	xdr_put_u64(r->raw, mig ? j.remaining_bytes : 0);
	xdr_put_u64(r->raw, j.disk_total); /* file: the disks a migration copies, as libvirt */
	xdr_put_u64(r->raw, j.disk_processed);
	xdr_put_u64(r->raw, j.disk_remaining);
	hv_job_info_clear(&j);
	return 0;
}

static void
ull(RpcMsg *r, const char *field, uint64_t v)
{
	rpc_msg_param_add(r, field, RPC_PARAM_ULLONG, (int64_t)v, 0, NULL);
}

/* The completed job (JOB_STATS_COMPLETED): an incoming migration with the
 * source QEMU's figures (downtime as libvirt has it, in ms); a driver that
 * keeps none, or none kept, is JOB_NONE. */
static int
completed_stats(RpcClientCtx *c, const char *name, RpcMsg *r, GError **err)
{
	const HvDomainOps *ops = c->conn->driver->domain;
	HvJobInfo j;
	int rc;

	r->num[0] = JOB_NONE;
	if (!ops || !ops->get_completed_job)
		return 0;
	if ((rc = HV_CALL(c->conn, domain, get_completed_job, HV_READS, err, name, &j)) <= 0)
		return rc;
	r->num[0] = JOB_COMPLETED;
	rpc_msg_param_add(r, "operation", RPC_PARAM_INT, rpc_job_operation(j.type), 0, NULL);
	ull(r, "time_elapsed", j.elapsed_ms);
	ull(r, "downtime", j.downtime_ms);
	ull(r, "data_total", j.total_bytes);
	ull(r, "data_processed", j.processed_bytes);
	ull(r, "data_remaining", 0);
	ull(r, "memory_total", j.total_bytes);
	ull(r, "memory_processed", j.processed_bytes);
	ull(r, "memory_remaining", 0);
	hv_job_info_clear(&j);
	return 0;
}

RPC_HANDLER(h_dom_get_job_stats)
{
	unsigned flags = (unsigned)a->num[0];
	HvJobInfo j;
	int rc;

	if (flags & ~(JOB_STATS_COMPLETED | JOB_STATS_KEEP))
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)",
				    flags & ~(JOB_STATS_COMPLETED | JOB_STATS_KEEP));
	rpc_msg_init_extra(r);
	if (flags & JOB_STATS_COMPLETED)
		return completed_stats(c, a->dom.name, r, err);
	if ((rc = job_of(c, a->dom.name, &j, err)) < 0)
		return rc;
	r->num[0] = job_type(&j);
	if (j.type) {
		bool mig = g_str_has_prefix(j.type, "migration");

		rpc_msg_param_add(r, "operation", RPC_PARAM_INT, rpc_job_operation(j.type), 0, NULL);

		ull(r, "time_elapsed", j.elapsed_ms);
		ull(r, "data_total", j.total_bytes + j.disk_total); /* memory and disks */
		ull(r, "data_processed", j.processed_bytes + j.disk_processed);
		ull(r, "data_remaining", j.remaining_bytes + j.disk_remaining);
		if (j.disk_total) {
			ull(r, "disk_total", j.disk_total);
			ull(r, "disk_processed", j.disk_processed);
			ull(r, "disk_remaining", j.disk_remaining);
		}
		if (mig) {
			ull(r, "memory_total", j.total_bytes);
			ull(r, "memory_processed", j.processed_bytes);
			ull(r, "memory_remaining", j.remaining_bytes);
			ull(r, "memory_dirty_rate", j.rate / 4096); /* pages (4 KiB) a second */
			ull(r, "memory_iteration", j.iteration);
		}
	}
	hv_job_info_clear(&j);
	return 0;
}
