/* hvloop.c: the in-process timing loop behind bench/run. Repeats stat(2) or
 * open+read+close ("cat") on one path or cycles through a list of paths, and
 * prints the mean cost of one operation, so that no process start-up is timed.
 *   hvloop stat|cat [-n OPS] [-w WARMUP] (PATH | -l LISTFILE)
 * Output, one line: "<ns per op> ns/op <ops> ops <seconds> s". Exit 1 on any
 * failed call (the path and errno go to stderr). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { MODE_STAT, MODE_CAT };

static const struct {
	const char *name;
	int mode;
} modes[] = {
	{ "stat", MODE_STAT },
	{ "cat", MODE_CAT },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: hvloop stat|cat [-n OPS] [-w WARMUP] (PATH | -l LISTFILE)\n"
		   "  -n OPS     operations to time (default 100000 for one path,\n"
		   "             one pass for a list)\n"
		   "  -w WARMUP  untimed operations first (default 0)\n"
		   "  -l FILE    cycle through the paths in FILE, one a line\n");
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One operation; 0 or -errno. "cat" reads to end of file, as cat(1) does. */
static int
one_op(int mode, const char *path)
{
	char buf[65536];
	struct stat st;
	ssize_t n;
	int fd;

	if (mode == MODE_STAT)
		return stat(path, &st) < 0 ? -errno : 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n > 0);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return close(fd) < 0 ? -errno : 0;
}

/* Reads LISTFILE into a NULL-terminated array of paths; count in *np. */
static char **
read_list(const char *file, size_t *np)
{
	FILE *f = fopen(file, "r");
	char **v = NULL, *line = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	ssize_t len;

	if (!f) {
		fprintf(stderr, "hvloop: cannot open '%s': %s\n", file, strerror(errno));
		return NULL;
	}
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[n++] = strdup(line);
	}
	free(line);
	fclose(f);
	if (!n) {
		fprintf(stderr, "hvloop: '%s' lists no paths\n", file);
		free(v);
		return NULL;
	}
	v[n] = NULL;
	*np = n;
	return v;
}

static int
run(int mode, char **paths, size_t npaths, long warmup, long ops)
{
	double t0, t1;
	size_t k = 0;
	int r;

	for (long i = 0; i < warmup; i++, k = (k + 1) % npaths)
		if ((r = one_op(mode, paths[k])) < 0)
			goto fail;
	k = 0;
	t0 = now_ns();
	for (long i = 0; i < ops; i++, k = (k + 1) % npaths)
		if ((r = one_op(mode, paths[k])) < 0)
			goto fail;
	t1 = now_ns();
	printf("%.1f ns/op %ld ops %.6f s\n", (t1 - t0) / (double)ops, ops, (t1 - t0) / 1e9);
	return 0;
fail:
	fprintf(stderr, "hvloop: %s '%s': %s\n", modes[mode].name, paths[k], strerror(-r));
	return 1;
}

int
main(int argc, char **argv)
{
	const char *list = NULL;
	long ops = -1, warmup = 0;
	char **paths, *one[2] = { NULL, NULL };
	size_t npaths = 1;
	int mode = -1, c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			mode = modes[i].mode;
	if (mode < 0) {
		usage(strcmp(argv[1], "-h") == 0 ? stdout : stderr);
		return strcmp(argv[1], "-h") == 0 ? 0 : 2;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "n:w:l:h")) != -1) {
		switch (c) {
		case 'n': ops = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		case 'l': list = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((list != NULL) == (optind < argc) || argc - optind > 1 || ops == 0 || warmup < 0) {
		usage(stderr);
		return 2;
	}
	if (list) {
		paths = read_list(list, &npaths);
		if (!paths)
			return 1;
	} else {
		one[0] = argv[optind];
		paths = one;
	}
	if (ops < 0)
		ops = list ? (long)npaths : 100000;
	return run(mode, paths, npaths, warmup, ops);
}
