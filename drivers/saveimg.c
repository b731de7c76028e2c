/* saveimg.c: the header of save images (saveimg.h), shared by the drivers
 * that save a domain's memory to a file (qemu) or pretend to (test). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "drivers/saveimg.h"

#define ALIGN 4096u
#define HEADER_MAX 128

int
hv_saveimg_begin(const char *path, const char *xml, bool running, GError **err)
{
	g_autofree char *head = g_strdup_printf("%s 1 %zu %s\n", HV_SAVE_MAGIC, strlen(xml),
						running ? "running" : "paused");
	size_t used = strlen(head) + strlen(xml);
	size_t pad = (ALIGN - used % ALIGN) % ALIGN;
	g_autofree char *zeros = g_malloc0(pad + 1);
	g_autofree char *dir = g_path_get_dirname(path);
	FILE *f;
	bool ok;

	g_mkdir_with_parents(dir, 0700);
	if (!(f = fopen(path, "we")))
		return hv_error_set(err, errno, "cannot write save image '%s': %s", path,
				    g_strerror(errno));
	ok = fputs(head, f) >= 0 && fputs(xml, f) >= 0 && fwrite(zeros, 1, pad, f) == pad;
	if (fclose(f) != 0 || !ok)
		return hv_error_set(err, EIO, "cannot write save image '%s'", path);
	return 0;
}

int
hv_saveimg_read(const char *path, char **xml, bool *running, uint64_t *offset, GError **err)
{
	char head[HEADER_MAX + 1] = { 0 };
	char state[16] = { 0 };
	unsigned long long len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t hl, used;
	char *nl;

	if (fd < 0)
		return hv_error_set(err, errno, "cannot read save image '%s': %s", path,
				    g_strerror(errno));
	n = read(fd, head, HEADER_MAX);
	if (n <= 0 || !(nl = memchr(head, '\n', (size_t)n)) ||
	    sscanf(head, HV_SAVE_MAGIC " 1 %llu %15s", &len, state) != 2 || len > (4u << 20)) {
		close(fd);
		return hv_error_set(err, EINVAL, "'%s' is not a save image of hyperfs", path);
	}
	hl = (size_t)(nl - head) + 1;
	used = hl + len;
	if (xml) {
		*xml = g_malloc0(len + 1);
		if (pread(fd, *xml, len, (off_t)hl) != (ssize_t)len) {
			close(fd);
			g_clear_pointer(xml, g_free);
			return hv_error_set(err, EINVAL, "save image '%s' is cut short", path);
		}
	}
	close(fd);
	if (running)
		*running = g_str_equal(state, "running");
	*offset = used + (ALIGN - used % ALIGN) % ALIGN;
	return 0;
}

int
hv_saveimg_def(const char *path, HvDomainDef **def, bool *running, GError **err)
{
	g_autofree char *xml = NULL;
	uint64_t offset;
	int r = hv_saveimg_read(path, &xml, running, &offset, err);

	if (r < 0)
		return r;
	*def = hv_domain_def_parse(xml, strlen(xml), err);
	return *def ? 0 : -EINVAL;
}

int
hv_saveimg_xml(struct HvConn *c, const char *path, char **xml, GError **err)
{
	uint64_t offset;

	(void)c;
	return hv_saveimg_read(path, xml, NULL, &offset, err);
}
