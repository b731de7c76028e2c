/* proto_stream.c: hyperfsd's procedures that answer with a stream
 * (server_stream.c moves the bytes): a volume's data up and down (the
 * driver's HvDataStream), the display as a PNG image (bytes in memory) and
 * the serial console (console_read and console_write as a stream both ways:
 * a read with nothing new yet says -EAGAIN and is tried again). A tunnelled
 * migration's stream is proto_migrate.c's. */
#include <errno.h>
#include <string.h>
#include "remote/proto_priv.h"

#define VOL_SPARSE_STREAM 1u /* VIR_STORAGE_VOL_{UP,DOWN}LOAD_SPARSE_STREAM */
#define CONSOLE_FLAGS 3u     /* VIR_DOMAIN_CONSOLE_FORCE | _SAFE */

/* The daemon moves the bytes; a dispatcher without streams cannot. */
int
rpc_stream_attach(RpcClientCtx *c, HvDataStream *s, RpcStreamDir dir, GError **err)
{
	if (!c->stream_open) {
		s->ops->close(s);
		return hv_error_set(err, ENOTSUP, "streams are not supported on this connection");
	}
	return c->stream_open(c, s, dir, err);
}

static int
check_vol_flags(unsigned flags, GError **err)
{
	if (flags & VOL_SPARSE_STREAM)
		return hv_error_set(err, ENOTSUP, "sparse streams are not supported");
	if (flags & ~VOL_SPARSE_STREAM)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", flags & ~VOL_SPARSE_STREAM);
	return 0;
}

RPC_HANDLER(h_vol_upload)
{
	HvDataStream *s = NULL;
	int rc = check_vol_flags((unsigned)a->num[2], err);

	if (rc == 0)
		rc = HV_CALL(c->conn, volume, upload, HV_WRITES, err, a->vol.pool, a->vol.name,
			     (uint64_t)a->num[0], (uint64_t)a->num[1], (unsigned)a->num[2], &s);
	return rc < 0 ? rc : rpc_stream_attach(c, s, RPC_STREAM_IN, err);
}

RPC_HANDLER(h_vol_download)
{
	HvDataStream *s = NULL;
	int rc = check_vol_flags((unsigned)a->num[2], err);

	if (rc == 0)
		rc = HV_CALL(c->conn, volume, download, HV_READS, err, a->vol.pool, a->vol.name,
			     (uint64_t)a->num[0], (uint64_t)a->num[1], (unsigned)a->num[2], &s);
	return rc < 0 ? rc : rpc_stream_attach(c, s, RPC_STREAM_OUT, err);
}

/* ---- bytes in memory (a screenshot) */

static gssize
bytes_read(HvDataStream *s, void *buf, size_t len, GError **err)
{
	gsize size;
	const uint8_t *data = g_bytes_get_data(s->priv, &size);
	size_t n = MIN(len, size - s->offset);

	memcpy(buf, data + s->offset, n);
	s->offset += n;
	return (gssize)n;
}

static int
bytes_finish(HvDataStream *s, GError **err)
{
	return 0;
}

static void
bytes_close(HvDataStream *s)
{
	g_bytes_unref(s->priv);
	g_free(s);
}

static const HvDataStreamOps bytes_ops = { .read = bytes_read, .finish = bytes_finish,
					   .close = bytes_close };

RPC_HANDLER(h_dom_screenshot)
{
	GBytes *png = NULL;
	HvDataStream *s;
	int rc;

	if (a->num[1])
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)", (unsigned)a->num[1]);
	if (a->num[0])
		return hv_error_set(err, EINVAL, "no screen %u on domain '%s'", (unsigned)a->num[0],
				    a->dom.name);
	rc = HV_CALL(c->conn, domain, screenshot, HV_READS, err, a->dom.name, &png);
	if (rc < 0)
		return rc;
	s = g_new0(HvDataStream, 1);
	s->ops = &bytes_ops;
	s->end = g_bytes_get_size(png);
	s->priv = png;
	r->str[0] = g_strdup("image/png");
	r->has_str[0] = true;
	return rpc_stream_attach(c, s, RPC_STREAM_OUT, err);
}

/* ---- the serial console */

typedef struct {
	HvConn *conn;
	char *name;
} Console;

static gssize
console_read(HvDataStream *s, void *buf, size_t len, GError **err)
{
	Console *con = s->priv;
	g_autoptr(GString) out = g_string_new(NULL);
	int n = HV_CALL(con->conn, domain, console_read, HV_READS, err, con->name, &s->offset, len,
			out);

	if (n < 0)
		return n;
	if (out->len == 0)
		return -EAGAIN; /* nothing new yet: a console never ends by itself */
	memcpy(buf, out->str, out->len);
	return (gssize)out->len;
}

static int
console_write(HvDataStream *s, const void *buf, size_t len, GError **err)
{
	Console *con = s->priv;
	int n = HV_CALL(con->conn, domain, console_write, HV_WRITES, err, con->name, buf, len);

	return n < 0 ? n : 0;
}

static void
console_close(HvDataStream *s)
{
	Console *con = s->priv;

	g_free(con->name);
	g_free(con);
	g_free(s);
}

static const HvDataStreamOps console_ops = { .read = console_read, .write = console_write,
					     .finish = bytes_finish, .close = console_close };

RPC_HANDLER(h_dom_open_console)
{
	g_autoptr(GString) probe = g_string_new(NULL);
	g_autoptr(HvDomainInfo) info = NULL;
	uint64_t pos = 0; /* from the oldest byte the console's ring still holds */
	HvDataStream *s;
	Console *con;
	int rc;

	if ((unsigned)a->num[0] & ~CONSOLE_FLAGS)
		return hv_error_set(err, EINVAL, "unsupported flags (0x%x)",
				    (unsigned)a->num[0] & ~CONSOLE_FLAGS);
	if (a->has_str[0] && a->str[0] && !g_str_equal(a->str[0], "serial0") &&
	    !g_str_equal(a->str[0], "console0"))
		return hv_error_set(err, ENOENT, "cannot find character device %s", a->str[0]);
	/* the domain must run and its driver have a console: asked once, now */
	if ((rc = HV_CALL(c->conn, domain, get_info, HV_READS, err, a->dom.name, &info)) < 0)
		return rc;
	if (info->id < 0)
		return hv_error_set(err, EBUSY, "domain is not running");
	rc = HV_CALL(c->conn, domain, console_read, HV_READS, err, a->dom.name, &pos, 0, probe);
	if (rc < 0)
		return rc;
	pos = 0;
	con = g_new0(Console, 1);
	con->conn = c->conn;
	con->name = g_strdup(a->dom.name);
	s = g_new0(HvDataStream, 1);
	s->ops = &console_ops;
	s->offset = pos;
	s->end = UINT64_MAX;
	s->priv = con;
	return rpc_stream_attach(c, s, RPC_STREAM_OUT | RPC_STREAM_IN, err);
}
