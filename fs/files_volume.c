/* files_volume.c: the files of a volume's folder that move or change its
 * content (files_pool.c has the table): `data` (data.c), `job` (the upload,
 * download, clone or wipe in progress, and `abort`), `wipe` (an algorithm
 * name), `clone` (a new volume with this one's content: NAME or POOL/NAME). */
#include <inttypes.h>
#include <string.h>
#include "fs/files.h"

/* libvirt's virStorageVolWipeAlgorithm, by name */
static const char *const wipe_algs[] = {
	"zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33",
	"random", "trim",
};

/* Only drivers that can do what a file does show it. */
bool
hv_vol_has_job(HvObj *o)
{
	const HvVolumeOps *ops = o->node->conn->driver->volume;

	return ops && ops->get_job;
}

bool
hv_vol_has_data(HvObj *o)
{
	const HvVolumeOps *ops = o->node->conn->driver->volume;

	return ops && (ops->download || ops->upload);
}

bool
hv_vol_has_wipe(HvObj *o)
{
	const HvVolumeOps *ops = o->node->conn->driver->volume;

	return ops && ops->wipe;
}

bool
hv_vol_has_clone(HvObj *o)
{
	const HvVolumeOps *ops = o->node->conn->driver->volume;

	return ops && ops->clone_xml;
}

int
hv_vol_read_job(HvObj *o, GString *out, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *pool = hv_obj_pool_dup(o->node->fs, o);
	HvJobInfo j = { 0 };
	int r = HV_CALL(c, volume, get_job, HV_READS, err, pool, o->name, &j);

	if (r < 0)
		return r;
	if (!j.type) { /* as a domain's job file says it */
		g_string_append(out, "type: none\n");
		return 0;
	}
	g_string_append_printf(out,
			       "type: %s\nelapsed-ms: %" PRIu64 "\nprocessed: %" PRIu64
			       "\ntotal: %" PRIu64 "\nremaining: %" PRIu64 "\nrate: %" PRIu64
			       "\nabortable: %s\nabort-requested: %s\n",
			       j.type, j.elapsed_ms, j.processed_bytes, j.total_bytes,
			       j.remaining_bytes, j.rate, hv_bool_word(j.abortable),
			       hv_bool_word(j.abort_requested));
	hv_job_info_clear(&j);
	return 0;
}

int
hv_vol_write_job(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *pool = hv_obj_pool_dup(o->node->fs, o);

	if (strcmp(tok, "abort") != 0)
		return hv_error_set(err, EINVAL, "unknown job verb '%s' (abort)", tok);
	return HV_CALL(c, volume, abort_job, HV_WRITES, err, pool, o->name);
}

int
hv_vol_read_wipe(HvObj *o, GString *out, GError **err)
{
	for (size_t k = 0; k < G_N_ELEMENTS(wipe_algs); k++)
		g_string_append_printf(out, "%s%s", k ? " " : "", wipe_algs[k]);
	g_string_append_c(out, '\n');
	return 0;
}

int
hv_vol_write_wipe(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *pool = hv_obj_pool_dup(o->node->fs, o);

	for (unsigned k = 0; k < G_N_ELEMENTS(wipe_algs); k++)
		if (strcmp(tok, wipe_algs[k]) == 0)
			return HV_CALL(c, volume, wipe, HV_WRITES, err, pool, o->name, k);
	return hv_error_set(err, EINVAL, "unknown wipe algorithm '%s' (cat wipe lists them)", tok);
}

int
hv_vol_read_clone(HvObj *o, GString *out, GError **err)
{
	g_string_append(out, "write NAME (or POOL/NAME): a new volume with this one's content\n");
	return 0;
}

/* A clone takes the source's format and capacity. */
int
hv_vol_write_clone(HvObj *o, const char *tok, GError **err)
{
	HvConn *c = o->node->conn;
	g_autofree char *pool = hv_obj_pool_dup(o->node->fs, o);
	g_auto(GStrv) parts = g_strsplit(tok, "/", 3);
	g_autoptr(HvVolumeInfo) si = NULL;
	g_autofree char *doc = NULL, *ename = NULL, *made = NULL;
	const char *dpool = parts[1] ? parts[0] : pool, *dname = parts[1] ? parts[1] : parts[0];
	int r;

	if (!dname || !*dname || !*dpool || (parts[1] && parts[2]))
		return hv_error_set(err, EINVAL, "cannot clone volume '%s': write NAME or POOL/NAME "
				    "(got '%s')", o->name, tok);
	if ((r = HV_CALL(c, volume, get_info, HV_READS, err, pool, o->name, &si)) < 0)
		return r;
	ename = g_markup_escape_text(dname, -1);
	doc = g_strdup_printf("<volume><name>%s</name><capacity unit='bytes'>%" PRIu64
			      "</capacity><target><format type='%s'/></target></volume>",
			      ename, si->capacity, si->format ? si->format : "raw");
	return HV_CALL(c, volume, clone_xml, HV_WRITES, err, dpool, doc, pool, o->name, &made);
}
