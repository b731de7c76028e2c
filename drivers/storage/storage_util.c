/* storage_util.c: what storage backends share: running qemu-img (create,
 * resize, info) and reading its JSON report into a volume's facts. Used by
 * backends whose volumes are image files (dir now; fs and netfs next). */
#include <string.h>
#include "drivers/storage/storage_util.h"
#include "util/json.h"

#define QEMU_IMG_OUT_MAX (1u << 20)

int
storage_qemu_img(const char *const *args, char **out, const char *what, GError **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *sout = NULL, *serr = NULL;
	g_autoptr(GError) lerr = NULL;
	int status;

	g_ptr_array_add(argv, "qemu-img");
	for (size_t k = 0; args[k]; k++)
		g_ptr_array_add(argv, (char *)args[k]);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
			  &sout, &serr, &status, &lerr))
		return hv_error_set(err, ENOENT, "cannot %s: cannot run qemu-img: %s", what,
				    lerr->message);
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_strstrip(serr);
		return hv_error_set(err, EIO, "cannot %s: qemu-img failed: %s", what,
				    *serr ? serr : "(no message)");
	}
	if (out)
		*out = g_steal_pointer(&sout);
	return 0;
}

int
storage_img_info(const char *path, StorageVol *v, GError **err)
{
	const char *args[] = { "info", "-U", "--output=json", path, NULL };
	g_autofree char *what = g_strdup_printf("inspect '%s'", path);
	g_autofree char *out = NULL;
	g_autoptr(QJson) j = NULL;
	int64_t size = 0;
	int r;

	if ((r = storage_qemu_img(args, &out, what, err)) < 0)
		return r;
	if (strlen(out) > QEMU_IMG_OUT_MAX || !(j = qjson_parse(out, strlen(out), err)))
		return hv_error_set(err, EIO, "cannot %s: unreadable qemu-img output", what);
	if (!qjson_get_str(j, "format") || !qjson_get_int(j, "virtual-size", &size) || size < 0)
		return hv_error_set(err, EIO, "cannot %s: qemu-img gave no format or size", what);
	g_free(v->format);
	v->format = g_strdup(qjson_get_str(j, "format"));
	v->capacity = (uint64_t)size;
	g_free(v->backing);
	v->backing = g_strdup(qjson_get_str(j, "full-backing-filename")
			      ? qjson_get_str(j, "full-backing-filename")
			      : qjson_get_str(j, "backing-filename"));
	g_free(v->backing_format);
	v->backing_format = g_strdup(qjson_get_str(j, "backing-filename-format"));
	return 0;
}
