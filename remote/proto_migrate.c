/* proto_migrate.c: the migration procedures of libvirt's protocol v3 with
 * parameters (DomainMigrateBegin3Params .. Confirm3Params) over the driver's
 * migrate phases (driver.h), so that `virsh migrate` (which runs the phases
 * itself, non-peer-to-peer) moves a domain between two hyperfsd nodes; and
 * the job procedures (GetJobStats, AbortJob) over get_job and abort_job:
 * virsh domjobinfo and domjobabort. Cookies are sent empty and not read: the
 * peers here need none (the tunnelled variant, which needs RPC streams, is
 * not served). */
#include "remote/proto_priv.h"

/* Every reply has its cookie: empty. */
static void
no_cookie(RpcMsg *r)
{
	rpc_msg_init_extra(r);
	if (!r->bytes)
		r->bytes = g_byte_array_new();
}

RPC_HANDLER(h_dom_migrate_begin3_params)
{
	g_autoptr(GArray) ps = params_in(a);
	int rc = HV_CALL(c->conn, domain, migrate_begin, HV_WRITES, err, a->dom.name, ps,
			 (unsigned)a->num[0], &r->str[0]);

	no_cookie(r);
	return rc;
}

RPC_HANDLER(h_dom_migrate_prepare3_params)
{
	g_autoptr(GArray) ps = params_in(a);
	int rc = HV_CALL(c->conn, domain, migrate_prepare, HV_WRITES, err, ps, (unsigned)a->num[0],
			 &r->str[0]);

	r->has_str[0] = r->str[0] != NULL;
	no_cookie(r);
	return rc;
}

RPC_HANDLER(h_dom_migrate_perform3_params)
{
	g_autoptr(GArray) ps = params_in(a);
	int rc;

	if (a->has_str[0] && a->str[0])
		return hv_error_set(err, ENOTSUP, "cannot migrate domain '%s': peer-to-peer "
				    "migration (to '%s') is not supported", a->dom.name, a->str[0]);
	rc = HV_CALL(c->conn, domain, migrate_perform, HV_WRITES, err, a->dom.name, ps,
		     (unsigned)a->num[0]);
	no_cookie(r);
	return rc;
}

RPC_HANDLER(h_dom_migrate_finish3_params)
{
	g_autoptr(GArray) ps = params_in(a);
	g_autoptr(HvDomainInfo) i = NULL;
	const HvParam *dname = hv_params_find(ps, "destination_name");
	int rc = HV_CALL(c->conn, domain, migrate_finish, HV_WRITES, err, ps, (unsigned)a->num[0],
			 a->num[1] != 0);

	if (rc == 0 && a->num[1])
		return hv_error_set(err, ECANCELED, "the migration was cancelled");
	if (rc == 0 && !(dname && dname->s))
		return hv_error_set(err, EINVAL, "the migration's destination_name is missing");
	if (rc == 0 && (rc = HV_CALL(c->conn, domain, get_info, HV_READS, err, dname->s, &i)) == 0)
		rpc_dom_fill(&r->dom, i);
	no_cookie(r);
	return rc;
}

RPC_HANDLER(h_dom_migrate_confirm3_params)
{
	g_autoptr(GArray) ps = params_in(a);

	return HV_CALL(c->conn, domain, migrate_confirm, HV_WRITES, err, a->dom.name, ps,
		       (unsigned)a->num[0], a->num[1] != 0);
}

/* ---- jobs */

/* virDomainJobOperation of our job names. */
static const struct {
	const char *name;
	int operation;
} operations[] = {
	{ "start", 1 },		{ "save", 2 },		   { "migration-in", 4 },
	{ "migration-out", 5 }, { "snapshot-create", 6 }, { "snapshot-revert", 7 },
};

/* virDomainJobOperation of a job type (proto_job.c's GetJobStats) */
int
rpc_job_operation(const char *job)
{
	for (size_t k = 0; k < G_N_ELEMENTS(operations); k++)
		if (g_str_equal(operations[k].name, job))
			return operations[k].operation;
	return 0;
}

/* ... and back, for the remote driver's `job` file: "job" when not ours */
const char *
rpc_job_type(int operation)
{
	for (size_t k = 0; k < G_N_ELEMENTS(operations); k++)
		if (operations[k].operation == operation)
			return operations[k].name;
	return "job";
}

RPC_HANDLER(h_dom_abort_job)
{
	return HV_CALL(c->conn, domain, abort_job, HV_WRITES, err, a->dom.name);
}
