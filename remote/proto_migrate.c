/* proto_migrate.c: the migration procedures of libvirt's protocol v3 with
 * parameters (DomainMigrateBegin3Params .. Confirm3Params) over the driver's
 * migrate phases (driver.h), so that `virsh migrate` (which runs the phases
 * itself) moves a domain between two hyperfsd nodes; Perform3Params with
 * VIR_MIGRATE_PEER2PEER runs them all from here instead (virsh --p2p:
 * drivers/migrate_p2p.c opens the target), and PrepareTunnel3Params takes a
 * tunnelled migration's stream into the driver's prepare_tunnel; and the
 * job procedures (GetJobStats, AbortJob) over get_job and abort_job: virsh
 * domjobinfo and domjobabort. Cookies go in and out as the driver gives
 * them (the client carries them from phase to phase), with libvirt's
 * terminating NUL: a cookie that is too long or holds another NUL is
 * refused. */
#include "drivers/migrate.h"
#include "remote/proto_priv.h"

/* The request's cookie as text in *held (NULL when empty), or -EINVAL. */
static int
cookie_in(const RpcMsg *a, HvMigCookie *ck, char **held, GError **err)
{
	const GByteArray *b = a->bytes;

	*ck = (HvMigCookie){ 0 };
	if (!b || !b->len || (b->len == 1 && !b->data[0]))
		return 0;
	if (!(*held = hv_mig_cookie_from_wire(b->data, b->len)))
		return hv_error_set(err, EINVAL, "the migration cookie (%u bytes) is not a "
				    "cookie of this node's drivers", b->len);
	ck->in = *held;
	return 0;
}

/* What every phase after begin is given: the parameters, and the cookie
 * (held as text). */
typedef struct {
	GArray *ps;
	HvMigCookie ck;
	char *held;
} Phase;

static int
phase_in(const RpcMsg *a, Phase *p, GError **err)
{
	p->ps = params_in(a);
	return cookie_in(a, &p->ck, &p->held, err);
}

static void
phase_clear(Phase *p)
{
	g_clear_pointer(&p->ps, g_array_unref);
	g_clear_pointer(&p->held, g_free);
	g_clear_pointer(&p->ck.out, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Phase, phase_clear)

/* Every reply has its cookie: what the phase gave, else empty. */
static void
cookie_out(RpcMsg *r, HvMigCookie *ck)
{
	rpc_msg_init_extra(r);
	if (!r->bytes)
		r->bytes = g_byte_array_new();
	hv_mig_cookie_to_wire(r->bytes, ck->out);
	g_clear_pointer(&ck->out, g_free);
}

RPC_HANDLER(h_dom_migrate_begin3_params)
{
	g_autoptr(GArray) ps = params_in(a);
	HvMigCookie ck = { 0 };
	int rc = HV_CALL(c->conn, domain, migrate_begin, HV_WRITES, err, a->dom.name, ps, &ck,
			 (unsigned)a->num[0], &r->str[0]);

	cookie_out(r, &ck);
	return rc;
}

RPC_HANDLER(h_dom_migrate_prepare3_params)
{
	g_auto(Phase) p = { 0 };
	int rc = phase_in(a, &p, err);

	if (rc == 0)
		rc = HV_CALL(c->conn, domain, migrate_prepare, HV_WRITES, err, p.ps, &p.ck,
			     (unsigned)a->num[0], &r->str[0]);
	r->has_str[0] = r->str[0] != NULL;
	cookie_out(r, &p.ck);
	return rc;
}

/* The stream of a tunnelled migration comes in after the reply: its bytes
 * go to what the driver's prepare_tunnel gave. */
RPC_HANDLER(h_dom_migrate_prepare_tunnel3_params)
{
	g_auto(Phase) p = { 0 };
	HvDataStream *st = NULL;
	int rc = phase_in(a, &p, err);

	if (rc == 0)
		rc = HV_CALL(c->conn, domain, migrate_prepare_tunnel, HV_WRITES, err, p.ps, &p.ck,
			     (unsigned)a->num[0], &st);
	cookie_out(r, &p.ck);
	return rc < 0 ? rc : rpc_stream_attach(c, st, RPC_STREAM_IN, err);
}

/* With PEER2PEER (or TUNNELLED, which needs it: refused there, as
 * libvirt's qemu driver routes both) the whole migration runs from here to
 * dconnuri (the cookie is empty both ways); without them dconnuri is
 * ignored, as libvirt. */
RPC_HANDLER(h_dom_migrate_perform3_params)
{
	g_auto(Phase) p = { 0 };
	unsigned flags = (unsigned)a->num[0];
	int rc = phase_in(a, &p, err);

	if (rc == 0 && (flags & (HV_MIGRATE_PEER2PEER | HV_MIGRATE_TUNNELLED)))
		rc = hv_migrate_p2p(c->conn, a->dom.name, a->has_str[0] ? a->str[0] : NULL, p.ps,
				    flags, err);
	else if (rc == 0)
		rc = HV_CALL(c->conn, domain, migrate_perform, HV_WRITES, err, a->dom.name, p.ps,
			     &p.ck, flags);
	cookie_out(r, &p.ck);
	return rc;
}

RPC_HANDLER(h_dom_migrate_finish3_params)
{
	g_auto(Phase) p = { 0 };
	g_autoptr(HvDomainInfo) i = NULL;
	int rc = phase_in(a, &p, err);
	const HvParam *dname = hv_params_find(p.ps, "destination_name");

	if (rc == 0)
		rc = HV_CALL(c->conn, domain, migrate_finish, HV_WRITES, err, p.ps, &p.ck,
			     (unsigned)a->num[0], a->num[1] != 0);
	if (rc == 0 && a->num[1])
		rc = hv_error_set(err, ECANCELED, "the migration was cancelled");
	else if (rc == 0 && !(dname && dname->s))
		rc = hv_error_set(err, EINVAL, "the migration's destination_name is missing");
	else if (rc == 0 && (rc = HV_CALL(c->conn, domain, get_info, HV_READS, err, dname->s,
					  &i)) == 0)
		rpc_dom_fill(&r->dom, i);
	cookie_out(r, &p.ck);
	return rc;
}

RPC_HANDLER(h_dom_migrate_confirm3_params)
{
	g_auto(Phase) p = { 0 };
	int rc = phase_in(a, &p, err);

	if (rc == 0)
		rc = HV_CALL(c->conn, domain, migrate_confirm, HV_WRITES, err, a->dom.name, p.ps,
			     &p.ck, (unsigned)a->num[0], a->num[1] != 0);
	return rc;
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
