/* console.c: domains/<name>/console, a domain's serial console as a stream
 * (stream.c). A reader starts at the oldest byte the driver keeps and follows
 * new output like `events`: a read with nothing new is parked and answered
 * when the driver reports `console-output` (on the node's waker thread, since
 * taking the output calls the driver, which reports with its locks held).
 * Writes go to the guest's serial port. A driver without console_read shows
 * an empty file (end of file at once); writing to it fails with EOPNOTSUPP.
 * So does a domain whose hypervisor has no console (console_read -ENOTSUP:
 * the libvirt driver on a hypervisor without console streams). */
#include <poll.h>
#include <string.h>
#include "fs/stream.h"

/* A failed read of a domain's console goes to that domain's error file. */
static int
console_fail(HvStream *r, int n, const GError *err)
{
	HvFs *fs = r->n->fs;
	HvObj *o = NULL;

	g_mutex_lock(&fs->lock);
	if (r->n->domains)
		o = g_hash_table_lookup(r->n->domains->children, r->name);
	if (o && o->kind == DK_DOMAIN)
		o->refs++;
	else
		o = NULL;
	g_mutex_unlock(&fs->lock);
	if (!o)
		return hv_obj_fail(r->n->nodeinfo, "console", n, err);
	hv_obj_fail(o, "console", n, err);
	hv_obj_unref(fs, o);
	return n;
}

/* What is new from the reader's position, at most size bytes. */
static int
fetch_output(HvStream *r, size_t size, GString *out, bool peek)
{
	HvConn *c = r->n->conn;
	const HvDomainOps *ops = c->driver->domain;
	g_autoptr(GError) err = NULL;
	uint64_t pos = r->pos;
	int n;

	if (!ops || !ops->console_read)
		return 1; /* no console: end of file */
	n = HV_CALL(c, domain, console_read, HV_READS, &err, r->name, &pos, size, out);
	if (n == -ENOTSUP)
		return 1; /* this hypervisor has no console: end of file */
	if (n > 0 && !peek)
		r->pos = pos;
	if (n < 0)
		return console_fail(r, n, err);
	return n > 0;
}

static const HvStreamSource console_source = {
	.fetch = fetch_output,
	.deferred = true,
	.ready = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM,
	.idle = POLLOUT | POLLWRNORM,
};

bool
hv_console_on_driver_event(HvNode *n, const HvEvent *ev)
{
	if (ev->kind != HV_OBJ_DOMAIN || strcmp(ev->event, "console-output") != 0)
		return false;
	hv_stream_wake(n, &console_source, ev->name);
	return true;
}

HvStream *
hv_console_open(HvObj *o, bool nonblock)
{
	return hv_stream_open(o->node, &console_source, o->name, 0, nonblock);
}

int
hv_console_write(HvStream *r, HvObj *o, const char *buf, size_t size)
{
	HvConn *c = o->node->conn;
	g_autoptr(GError) err = NULL;
	int n = HV_CALL(c, domain, console_write, HV_WRITES, &err, r->name, buf, size);

	return n < 0 ? hv_obj_fail(o, "console", n, err) : n;
}
