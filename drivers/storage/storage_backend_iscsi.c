/* storage_backend_iscsi.c: the iscsi-direct and iscsi pool types through the
 * userspace libiscsi initiator (this kernel has no iSCSI initiator): the pool
 * is one target on one portal, its volumes are the target's LUNs (unit:0:0:N,
 * sized by READ CAPACITY 16), their content streams over READ 16 / WRITE 16,
 * and a domain reaches one as iscsi://HOST:PORT/IQN/N. CHAP takes its
 * password from the secret the pool's <auth> names (StorageHost.secret_value).
 * Each operation (and each stream) logs in and out again; nothing is kept
 * while the pool is active. */
#include <stdlib.h>
#include <string.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include "drivers/storage/storage_pool.h"
#include "conf/conf_util.h"
#include "conf/xml.h"

#define DEFAULT_PORT 3260
#define DEFAULT_INITIATOR "iqn.2024-01.org.hyperfs:initiator"
#define REPORTLUNS_MAX 16384

/* What the pool's <source> says. */
typedef struct {
	char *host;
	unsigned port;
	char *target;    /* <device path='IQN'/> */
	char *initiator; /* <initiator><iqn name=.../></initiator> */
	char *auth_type; /* chap, or NULL */
	char *user;
	char *secret;    /* usage id or uuid */
} Source;

static void
source_clear(Source *s)
{
	g_free(s->host);
	g_free(s->target);
	g_free(s->initiator);
	g_free(s->auth_type);
	g_free(s->user);
	g_free(s->secret);
}

static int
source_of(const HvPoolDef *def, Source *s, GError **err)
{
	xmlNode *root = def->doc ? xmlDocGetRootElement(def->doc) : NULL;
	xmlNode *host = root ? hv_xml_path(root, "source/host") : NULL;
	xmlNode *auth = root ? hv_xml_path(root, "source/auth") : NULL;
	g_autofree char *port = host ? hv_xml_prop(host, "port") : NULL;

	memset(s, 0, sizeof(*s));
	s->host = host ? hv_xml_prop(host, "name") : NULL;
	s->target = root ? hv_xml_prop(hv_xml_path(root, "source/device"), "path") : NULL;
	s->initiator = root ? hv_xml_prop(hv_xml_path(root, "source/initiator/iqn"), "name")
			    : NULL;
	s->port = port ? (unsigned)g_ascii_strtoull(port, NULL, 10) : DEFAULT_PORT;
	if (auth) {
		xmlNode *sec = hv_xml_path(auth, "secret");

		s->auth_type = hv_xml_prop(auth, "type");
		s->user = hv_xml_prop(auth, "username");
		s->secret = sec ? hv_xml_prop(sec, "usage") : NULL;
		if (sec && !s->secret)
			s->secret = hv_xml_prop(sec, "uuid");
	}
	if (!s->host || !s->target)
		return hv_error_set(err, EINVAL, "storage pool '%s': type %s needs <source><host "
				    "name=.../> and <device path='IQN'/>", def->name, def->type);
	if (!s->port || s->port > 65535)
		return hv_error_set(err, EINVAL, "storage pool '%s': port '%s' is not a TCP port",
				    def->name, port);
	if (s->auth_type && (strcmp(s->auth_type, "chap") || !s->user || !s->secret))
		return hv_error_set(err, EINVAL, "storage pool '%s': <auth> must be type 'chap' "
				    "with a username and a <secret usage=.../> or uuid", def->name);
	return 0;
}

static int
iscsi_check_def(const HvPoolDef *def, GError **err)
{
	Source s;
	int r = source_of(def, &s, err);

	source_clear(&s);
	return r;
}

/* libiscsi's words -> errno: a refused login (CHAP) is EACCES, a portal
 * that is not there ECONNREFUSED / EHOSTUNREACH, the rest EIO. */
static int
login_errno(const char *msg)
{
	static const struct {
		const char *words;
		int err;
	} table[] = {
		{ "uthentication", EACCES }, { "CHAP", EACCES }, { "ogin", EACCES },
		{ "refused", ECONNREFUSED }, { "nreachable", EHOSTUNREACH },
		{ "reconnect", ECONNREFUSED }, /* libiscsi 1.19's words for a portal not there */
		{ "timed out", ETIMEDOUT },
	};

	for (size_t k = 0; msg && k < G_N_ELEMENTS(table); k++)
		if (strstr(msg, table[k].words))
			return table[k].err;
	return EIO;
}

/* Logged in to the pool's target (lun: the one to check) in *out, or -errno. */
static int
login(StoragePool *p, const Source *s, int lun, struct iscsi_context **out, GError **err)
{
	struct iscsi_context *c = iscsi_create_context(s->initiator ? s->initiator
								   : DEFAULT_INITIATOR);
	g_autofree char *portal = g_strdup_printf("%s:%u", s->host, s->port);
	g_autoptr(GBytes) pw = NULL;
	g_autofree char *pwtext = NULL;
	int r;

	if (!c)
		return hv_error_set(err, ENOMEM, "storage pool '%s': no iSCSI context", p->name);
	if (s->auth_type) {
		gsize n;
		const char *d;

		if (!p->host || !p->host->secret_value) {
			r = hv_error_set(err, ENOENT, "storage pool '%s': this driver has no "
					 "secrets for CHAP", p->name);
			goto fail;
		}
		if ((r = p->host->secret_value(p->host->opaque, "iscsi", s->secret, &pw, err)) < 0)
			goto fail;
		d = g_bytes_get_data(pw, &n);
		pwtext = g_strndup(d, n);
		iscsi_set_initiator_username_pwd(c, s->user, pwtext);
		explicit_bzero(pwtext, n);
	}
	iscsi_set_targetname(c, s->target);
	iscsi_set_session_type(c, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(c, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (iscsi_full_connect_sync(c, portal, lun) != 0) {
		const char *why = iscsi_get_error(c);

		r = hv_error_set(err, login_errno(why), "storage pool '%s': cannot log in to '%s' "
				 "on %s%s: %s", p->name, s->target, portal,
				 s->auth_type ? " with CHAP" : "", why);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	iscsi_destroy_context(c);
	return r;
}

static void
logout(struct iscsi_context *c)
{
	iscsi_logout_sync(c);
	iscsi_destroy_context(c);
}

static int
iscsi_start(StoragePool *p, GError **err)
{
	Source s;
	struct iscsi_context *c = NULL;
	int r = source_of(p->def, &s, err);

	if (r == 0)
		r = login(p, &s, 0, &c, err);
	if (c)
		logout(c);
	source_clear(&s);
	return r;
}

static int
iscsi_stop(StoragePool *p, GError **err)
{
	return 0;
}

/* READ CAPACITY 16 of lun; the first command a LUN sees after a login gets a
 * UNIT ATTENTION (power on, reset), so one CHECK CONDITION is retried. */
static struct scsi_task *
read_capacity(struct iscsi_context *c, int lun)
{
	struct scsi_task *t = iscsi_readcapacity16_sync(c, lun);

	if (t && t->status == SCSI_STATUS_CHECK_CONDITION) {
		scsi_free_scsi_task(t);
		t = iscsi_readcapacity16_sync(c, lun);
	}
	return t;
}

static StorageVol *
lun_vol(struct iscsi_context *c, const Source *s, int lun)
{
	struct scsi_task *t = read_capacity(c, lun);
	struct scsi_readcapacity16 *rc = t && t->status == SCSI_STATUS_GOOD
						 ? scsi_datain_unmarshall(t) : NULL;
	g_autofree char *name = g_strdup_printf("unit:0:0:%d", lun);
	g_autofree char *path = g_strdup_printf("%s/%d", s->target, lun);
	StorageVol *v = NULL;

	if (rc) {
		v = storage_vol_new(name, path);
		g_free(v->type);
		v->type = g_strdup("network");
		g_free(v->format);
		v->format = g_strdup("raw");
		v->capacity = (rc->returned_lba + 1) * (uint64_t)rc->block_length;
		v->allocation = v->capacity;
	}
	if (t)
		scsi_free_scsi_task(t);
	return v;
}

static int
iscsi_refresh(StoragePool *p, GHashTable *out, GError **err)
{
	Source s;
	struct iscsi_context *c = NULL;
	struct scsi_task *t = NULL;
	struct scsi_reportluns_list *l;
	int r = source_of(p->def, &s, err);

	if (r < 0)
		goto out;
	if ((r = login(p, &s, 0, &c, err)) < 0)
		goto out;
	t = iscsi_reportluns_sync(c, 0, REPORTLUNS_MAX);
	if (!t || t->status != SCSI_STATUS_GOOD || !(l = scsi_datain_unmarshall(t))) {
		r = hv_error_set(err, EIO, "storage pool '%s': REPORT LUNS failed: %s", p->name,
				 iscsi_get_error(c));
		goto out;
	}
	for (uint32_t k = 0; k < l->num; k++) {
		StorageVol *v = lun_vol(c, &s, l->luns[k]);

		if (v)
			g_hash_table_insert(out, v->name, v);
	}
out:
	if (t)
		scsi_free_scsi_task(t);
	if (c)
		logout(c);
	source_clear(&s);
	return r;
}

static int
iscsi_vol_source(StoragePool *p, const StorageVol *v, StorageVolSource *out, GError **err)
{
	Source s;
	int r = source_of(p->def, &s, err);

	if (r < 0) {
		source_clear(&s);
		return r;
	}
	out->type = g_strdup("network");
	out->protocol = g_strdup("iscsi");
	out->path = g_strdup(v->path);
	out->format = g_strdup("raw");
	out->hosts = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(out->hosts, g_strdup_printf("%s:%u", s.host, s.port));
	out->auth_user = g_strdup(s.user);
	out->auth_secret_usage = g_strdup(s.secret);
	source_clear(&s);
	return 0;
}

/* ---- a LUN's content: READ 16 / WRITE 16 on a session of the stream's own */

#define IO_MAX (1u << 20) /* bytes a command moves at most */

typedef struct {
	StorageStream pub;
	struct iscsi_context *c;
	int lun;
	uint32_t bs; /* the LUN's block size */
	char *what;  /* "LUN N of pool 'P'", for messages */
} IscsiStream;

/* A command's task, or -EIO naming what failed; frees a task that failed. */
static int
task_ok(IscsiStream *is, struct scsi_task *t, const char *op, GError **err)
{
	if (t && t->status == SCSI_STATUS_GOOD)
		return 0;
	if (t)
		scsi_free_scsi_task(t);
	return hv_error_set(err, EIO, "cannot %s %s: %s", op, is->what, iscsi_get_error(is->c));
}

/* The blocks [lba, lba + n) into buf (n * bs bytes). */
static int
read_blocks(IscsiStream *is, uint64_t lba, uint32_t n, void *buf, GError **err)
{
	struct scsi_task *t = iscsi_read16_sync(is->c, is->lun, lba, n * is->bs, (int)is->bs, 0, 0,
						0, 0, 0);
	int r = task_ok(is, t, "read", err);

	if (r < 0)
		return r;
	if (t->datain.size < (int)(n * is->bs)) {
		scsi_free_scsi_task(t);
		return hv_error_set(err, EIO, "cannot read %s: a short READ 16", is->what);
	}
	memcpy(buf, t->datain.data, n * is->bs);
	scsi_free_scsi_task(t);
	return 0;
}

static int
write_blocks(IscsiStream *is, uint64_t lba, uint32_t n, const void *buf, GError **err)
{
	struct scsi_task *t = iscsi_write16_sync(is->c, is->lun, lba, (unsigned char *)buf,
						 n * is->bs, (int)is->bs, 0, 0, 0, 0, 0);
	int r = task_ok(is, t, "write", err);

	if (r == 0)
		scsi_free_scsi_task(t);
	return r;
}

static gssize
iscsi_stream_read(StorageStream *s, void *buf, size_t len, GError **err)
{
	IscsiStream *is = (IscsiStream *)s;
	uint64_t lba = s->offset / is->bs, skip = s->offset % is->bs;
	uint32_t n;
	g_autofree char *tmp = NULL;
	int r;

	if (s->offset >= s->end)
		return 0;
	len = (size_t)MIN((uint64_t)MIN(len, IO_MAX), s->end - s->offset);
	n = (uint32_t)((skip + len + is->bs - 1) / is->bs);
	tmp = g_malloc((size_t)n * is->bs);
	if ((r = read_blocks(is, lba, n, tmp, err)) < 0)
		return r;
	memcpy(buf, tmp + skip, len);
	s->offset += len;
	return (gssize)len;
}

/* Whole blocks go as they are; a part of a block is read, changed, written. */
static int
iscsi_stream_write(StorageStream *s, const void *buf, size_t len, GError **err)
{
	IscsiStream *is = (IscsiStream *)s;
	const char *p = buf;
	int r;

	if (s->offset + len > s->end || s->offset + len < s->offset)
		return hv_error_set(err, ENOSPC, "cannot write %s: %zu bytes at offset %"
				    G_GUINT64_FORMAT " go past its end (%" G_GUINT64_FORMAT
				    " bytes)", is->what, len, s->offset, s->end);
	while (len > 0) {
		uint64_t lba = s->offset / is->bs, in = s->offset % is->bs;
		size_t n;

		if (in == 0 && len >= is->bs) {
			n = MIN(len - len % is->bs, IO_MAX);
			r = write_blocks(is, lba, (uint32_t)(n / is->bs), p, err);
		} else {
			g_autofree char *blk = g_malloc(is->bs);

			n = MIN(len, is->bs - in);
			if ((r = read_blocks(is, lba, 1, blk, err)) == 0) {
				memcpy(blk + in, p, n);
				r = write_blocks(is, lba, 1, blk, err);
			}
		}
		if (r < 0)
			return r;
		p += n;
		len -= n;
		s->offset += n;
	}
	return 0;
}

/* SYNCHRONIZE CACHE: what the target holds is on its storage. */
static int
iscsi_stream_finish(StorageStream *s, GError **err)
{
	IscsiStream *is = (IscsiStream *)s;
	struct scsi_task *t = iscsi_synchronizecache10_sync(is->c, is->lun, 0, 0, 0, 0);
	int r = task_ok(is, t, "flush", err);

	if (r == 0)
		scsi_free_scsi_task(t);
	return r;
}

static void
iscsi_stream_close(StorageStream *s)
{
	IscsiStream *is = (IscsiStream *)s;

	if (!s)
		return;
	logout(is->c);
	g_free(is->what);
	g_free(is);
}

static const StorageStreamOps iscsi_stream_ops = {
	.read = iscsi_stream_read,
	.write = iscsi_stream_write,
	.finish = iscsi_stream_finish,
	.close = iscsi_stream_close,
	/* no truncate: a LUN keeps its size */
};

/* A stream over the LUN of v (path IQN/N), logged in for the stream's life. */
static int
iscsi_stream_open(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		  StorageStream **out, GError **err)
{
	const char *slash = strrchr(v->path, '/');
	int lun = slash ? atoi(slash + 1) : 0;
	struct iscsi_context *c = NULL;
	struct scsi_task *t = NULL;
	struct scsi_readcapacity16 *rc;
	IscsiStream *is;
	Source s;
	int r = source_of(p->def, &s, err);

	if (r == 0)
		r = login(p, &s, lun, &c, err);
	source_clear(&s);
	if (r < 0)
		return r;
	t = read_capacity(c, lun);
	if (!t || t->status != SCSI_STATUS_GOOD || !(rc = scsi_datain_unmarshall(t)) ||
	    !rc->block_length) {
		r = hv_error_set(err, EIO, "storage pool '%s': READ CAPACITY of LUN %d failed: %s",
				 p->name, lun, iscsi_get_error(c));
		if (t)
			scsi_free_scsi_task(t);
		logout(c);
		return r;
	}
	is = g_new0(IscsiStream, 1);
	is->c = c;
	is->lun = lun;
	is->bs = rc->block_length;
	is->what = g_strdup_printf("LUN %d of pool '%s'", lun, p->name);
	is->pub.ops = &iscsi_stream_ops;
	is->pub.offset = offset;
	is->pub.end = (rc->returned_lba + 1) * (uint64_t)rc->block_length;
	if (length && offset + length > offset && offset + length < is->pub.end)
		is->pub.end = offset + length;
	scsi_free_scsi_task(t);
	*out = &is->pub;
	return 0;
}

static int
iscsi_vol_upload(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		 StorageStream **out, GError **err)
{
	return iscsi_stream_open(p, v, offset, length, out, err);
}

static int
iscsi_vol_download(StoragePool *p, StorageVol *v, uint64_t offset, uint64_t length,
		   StorageStream **out, GError **err)
{
	return iscsi_stream_open(p, v, offset, length, out, err);
}

/* iscsi-direct and iscsi (libvirt's kernel-initiator type: this host's
 * kernel has no iSCSI initiator nor SCSI layer, so it is served the same way,
 * by libiscsi, on every host; docs/storage.md) take the same methods. */
#define ISCSI_METHODS                                                                  \
	.check_def = iscsi_check_def, .start = iscsi_start, .stop = iscsi_stop,          \
	.refresh = iscsi_refresh, .vol_source = iscsi_vol_source,                        \
	.vol_upload = iscsi_vol_upload, .vol_download = iscsi_vol_download

const StorageBackend storage_backend_iscsi_direct = {
	.type = "iscsi-direct",
	ISCSI_METHODS,
};

const StorageBackend storage_backend_iscsi = {
	.type = "iscsi",
	ISCSI_METHODS,
};
