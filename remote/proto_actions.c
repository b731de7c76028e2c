/* proto_actions.c: hyperfsd's domain actions over the driver's rename,
 * core_dump and set_iothread methods: DomainRename (358), DomainCoreDump
 * (53) and DomainCoreDumpWithFormat (334), DomainAddIOThread (355),
 * DomainDelIOThread (356), DomainPinIOThread (352, the driver's
 * set_affinity of an IOThread), DomainSetIOThreadParams (402) and
 * DomainSendProcessSignal (295). */
#include <errno.h>
#include "remote/proto_priv.h"

#define CPUMAP_MAX 2048 /* REMOTE_CPUMAP_MAX */

/* 358: dom, new_name (optional), flags; reply: retcode */
RPC_HANDLER(h_dom_rename)
{
	int rc;

	if (a->num[0])
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainRename", (unsigned)a->num[0]);
	/* libvirt's client refuses a NULL name before sending; an empty one the
	 * driver refuses as any bad name */
	rc = HV_CALL(c->conn, domain, rename, HV_WRITES, err, a->dom.name,
		     a->str[0] ? a->str[0] : "");
	if (rc == 0)
		r->num[0] = 0;
	return rc;
}

/* 53: dom, to, flags */
RPC_HANDLER(h_dom_core_dump)
{
	return HV_CALL(c->conn, domain, core_dump, HV_WRITES, err, a->dom.name, a->str[0], 0,
		       (unsigned)a->num[0]);
}

/* 334: dom, to, dumpformat, flags */
RPC_HANDLER(h_dom_core_dump_with_format)
{
	return HV_CALL(c->conn, domain, core_dump, HV_WRITES, err, a->dom.name, a->str[0],
		       (unsigned)a->num[0], (unsigned)a->num[1]);
}

/* 355, 356: dom, iothread_id, flags */
RPC_HANDLER(h_dom_add_iothread)
{
	return HV_CALL(c->conn, domain, set_iothread, HV_WRITES, err, a->dom.name,
		       (unsigned)a->num[0], true, (unsigned)a->num[1]);
}

RPC_HANDLER(h_dom_del_iothread)
{
	return HV_CALL(c->conn, domain, set_iothread, HV_WRITES, err, a->dom.name,
		       (unsigned)a->num[0], false, (unsigned)a->num[1]);
}

/* 352: dom, iothreads_id, cpumap, flags */
RPC_HANDLER(h_dom_pin_iothread)
{
	if (!a->bytes || a->bytes->len > CPUMAP_MAX)
		return hv_error_set(err, EINVAL, "a CPU map of 1 to %d bytes is needed", CPUMAP_MAX);
	return HV_CALL(c->conn, domain, set_affinity, HV_WRITES, err, a->dom.name,
		       HV_AFFINITY_IOTHREAD, (unsigned)a->num[0], a->bytes->data, a->bytes->len,
		       (unsigned)a->num[1]);
}

/* 402: dom, iothread_id, params, flags */
RPC_HANDLER(h_dom_set_iothread_params)
{
	g_autoptr(GArray) ps = params_in(a);

	return HV_CALL(c->conn, domain, set_iothread_params, HV_WRITES, err, a->dom.name,
		       (unsigned)a->num[0], ps, (unsigned)a->num[1]);
}

/* 390: dom, type, action, flags */
RPC_HANDLER(h_dom_set_lifecycle_action)
{
	int rc = rpc_check_flags(c, "virDomainSetLifecycleAction", (unsigned)a->num[2], err);

	return rc < 0 ? rc : HV_CALL(c->conn, domain, set_lifecycle, HV_WRITES, err, a->dom.name,
				     (unsigned)a->num[0], (unsigned)a->num[1], (unsigned)a->num[2]);
}

/* 295: dom, pid_value, signum, flags */
RPC_HANDLER(h_dom_send_process_signal)
{
	if (a->num[2])
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x) in function "
				    "testDomainSendProcessSignal", (unsigned)a->num[2]);
	return HV_CALL(c->conn, domain, send_signal, HV_WRITES, err, a->dom.name, a->num[0],
		       (unsigned)a->num[1]);
}
