/* libvirt_console.c: a domain's serial console through libvirt's console
 * stream (virDomainOpenConsole), for hypervisors that have one (libvirt's
 * qemu driver). The stream is opened at the first read or write and kept:
 * libvirt's event thread receives into a ring of the last CONSOLE_KEEP bytes
 * and reports `console-output TOTAL`; readers copy from the ring by position
 * (driver.h). A stream that hangs up (the guest stopped) is dropped and opened
 * again at the next read. */
#include <string.h>
#include "drivers/libvirt/libvirt_priv.h"

#define CONSOLE_KEEP (256 * 1024)

typedef struct {
	LvPriv *p;
	char *name;
	virStreamPtr st;
	GByteArray *ring; /* the last bytes, oldest first */
	uint64_t total;   /* bytes received since the stream opened */
	bool dead;
} LvConsole;

static void
console_free(LvConsole *k)
{
	if (!k)
		return;
	if (k->st) {
		virStreamEventRemoveCallback(k->st);
		virStreamAbort(k->st);
		virStreamFree(k->st);
	}
	g_byte_array_unref(k->ring);
	g_free(k->name);
	g_free(k);
}

/* On libvirt's event thread. */
static void
on_stream(virStreamPtr st, int events, void *opaque)
{
	LvConsole *k = opaque;
	LvPriv *p = k->p;
	char buf[4096];
	uint64_t total = 0;
	bool got = false;
	int n;

	while ((n = virStreamRecv(st, buf, sizeof(buf))) > 0) {
		g_mutex_lock(&p->lock);
		g_byte_array_append(k->ring, (const guint8 *)buf, (guint)n);
		if (k->ring->len > CONSOLE_KEEP)
			g_byte_array_remove_range(k->ring, 0, k->ring->len - CONSOLE_KEEP);
		total = k->total += (uint64_t)n;
		g_mutex_unlock(&p->lock);
		got = true;
	}
	if (n == 0 || n == -1 || (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP))) {
		virStreamEventUpdateCallback(st, 0);
		g_mutex_lock(&p->lock);
		k->dead = true;
		g_mutex_unlock(&p->lock);
		virResetLastError();
	}
	if (got) {
		g_autofree char *d = g_strdup_printf("%" G_GUINT64_FORMAT, total);

		hv_conn_emit(p->c, HV_OBJ_DOMAIN, NULL, k->name, "console-output", d);
	}
}

/* The console of name, opened if needed; returned with p->lock held. */
static int
console_get(LvPriv *p, const char *name, LvConsole **out, GError **err)
{
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virDomain) d = NULL;
	LvConsole *k, *old = NULL;
	int rc;

	g_mutex_lock(&p->lock);
	k = g_hash_table_lookup(p->consoles, name);
	if (k && !k->dead) {
		*out = k;
		return 0;
	}
	g_mutex_unlock(&p->lock);
	rc = lv_conn_get(p, &conn, err);
	if (rc < 0)
		return rc;
	d = virDomainLookupByName(conn, name);
	if (!d)
		return lv_fail(p, conn, err, "domain '%s'", name);
	k = g_new0(LvConsole, 1);
	k->p = p;
	k->name = g_strdup(name);
	k->ring = g_byte_array_new();
	k->st = virStreamNew(conn, VIR_STREAM_NONBLOCK);
	if (!k->st || virDomainOpenConsole(d, NULL, k->st, 0) < 0 ||
	    virStreamEventAddCallback(k->st, VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR |
					      VIR_STREAM_EVENT_HANGUP, on_stream, k, NULL) < 0) {
		rc = lv_fail(p, conn, err, "cannot open the console of domain '%s'", name);
		console_free(k);
		return rc;
	}
	g_mutex_lock(&p->lock);
	if (g_hash_table_lookup_extended(p->consoles, name, NULL, (gpointer *)&old))
		g_hash_table_steal(p->consoles, name);
	g_hash_table_insert(p->consoles, k->name, k);
	*out = k;
	if (old) { /* a dead one: its callback is done with it */
		g_mutex_unlock(&p->lock);
		console_free(old);
		g_mutex_lock(&p->lock);
		k = g_hash_table_lookup(p->consoles, name);
		*out = k;
		if (!k) {
			g_mutex_unlock(&p->lock);
			return hv_error_set(err, EIO, "the console of domain '%s' went away", name);
		}
	}
	return 0;
}

int
lv_console_read(HvConn *c, const char *name, uint64_t *pos, size_t max, GString *out,
		GError **err)
{
	LvPriv *p = c->priv;
	LvConsole *k;
	uint64_t oldest;
	size_t n;
	int rc = console_get(p, name, &k, err);

	if (rc < 0)
		return rc;
	oldest = k->total - k->ring->len;
	if (*pos < oldest || *pos > k->total)
		*pos = oldest;
	n = (size_t)MIN((uint64_t)max, k->total - *pos);
	if (n) /* an empty ring may have no data at all */
		g_string_append_len(out, (const char *)k->ring->data + (*pos - oldest), (gssize)n);
	*pos += n;
	g_mutex_unlock(&p->lock);
	return (int)n;
}

int
lv_console_write(HvConn *c, const char *name, const char *buf, size_t len, GError **err)
{
	LvPriv *p = c->priv;
	LvConsole *k;
	virStreamPtr st;
	int n, rc = console_get(p, name, &k, err);

	if (rc < 0)
		return rc;
	st = k->st;
	virStreamRef(st);
	g_mutex_unlock(&p->lock);
	n = virStreamSend(st, buf, len);
	virStreamFree(st);
	if (n == -2)
		return hv_error_set(err, EAGAIN, "the console of domain '%s' is full", name);
	if (n < 0)
		return lv_fail(p, NULL, err, "cannot write to the console of domain '%s'", name);
	return n;
}

void
lv_consoles_init(LvPriv *p)
{
	p->consoles = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					    (GDestroyNotify)console_free);
}

/* Before the connection closes. */
void
lv_consoles_free(LvPriv *p)
{
	g_clear_pointer(&p->consoles, g_hash_table_unref);
}
