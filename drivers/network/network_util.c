/* network_util.c: running host tools, IP arithmetic and value checks for the
 * network backends (network_util.h). */
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/mman.h>
#include "drivers/network/network_util.h"
#include "util/files.h"

/* stderr of the tool goes to a memfd (a daemon that keeps it open, as
 * dnsmasq does, blocks nobody), stdout to /dev/null; and no signal is
 * blocked in it (FUSE's worker threads, where we run, block them all, and a
 * mask survives exec: dnsmasq would never see its SIGTERM). */
static void
child_stderr(gpointer data)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (GPOINTER_TO_INT(data) >= 0)
		dup2(GPOINTER_TO_INT(data), 2);
}

static int
run(const char *const *argv, char **errout, GError **gerr)
{
	int fd = memfd_create("hyperfs-net-stderr", MFD_CLOEXEC);
	int status = 0;
	char buf[1024];
	ssize_t n;
	bool ok;

	ok = g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
				  (fd < 0 ? G_SPAWN_STDERR_TO_DEV_NULL : 0),
			  child_stderr, GINT_TO_POINTER(fd), NULL, NULL, &status,
			  gerr);
	if (fd >= 0 && errout && (n = pread(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = 0;
		*errout = g_strdup(buf);
	}
	if (fd >= 0)
		close(fd);
	if (!ok)
		return -1;
	return g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

int
net_exec_for(const char *who, const char *what, const char *const *argv, GError **err)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *msg = NULL;
	int r = run(argv, &msg, &e);

	if (r < 0)
		return hv_error_set(err, EIO, "%s: %s: cannot run '%s': %s", who, what, argv[0],
				    e ? e->message : "");
	if (r > 0)
		return hv_error_set(err, EIO, "%s: %s: '%s' failed: %s", who, what, argv[0],
				    msg ? g_strstrip(msg) : "");
	return 0;
}

int
net_exec(const char *net, const char *what, const char *const *argv, GError **err)
{
	g_autofree char *who = g_strdup_printf("network '%s'", net);

	return net_exec_for(who, what, argv, err);
}

bool
net_exec_ok(const char *const *argv)
{
	return run(argv, NULL, NULL) == 0;
}

int
net_addr_parse(const char *s, int family, NetAddr *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	if ((family == AF_UNSPEC || family == AF_INET) && inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
		return 0;
	}
	if ((family == AF_UNSPEC || family == AF_INET6) && inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
		return 0;
	}
	return -1;
}

static int
mask_prefix(const char *mask, unsigned *prefix)
{
	NetAddr m;
	unsigned n = 0;

	if (net_addr_parse(mask, AF_INET, &m) < 0)
		return -1;
	for (unsigned k = 0; k < 32; k++) {
		bool bit = m.a[k / 8] & (0x80 >> (k % 8));

		if (bit && n != k)
			return -1; /* not contiguous */
		n += bit;
	}
	*prefix = n;
	return 0;
}

int
net_ip_of(const char *net, const HvNetworkIpDef *ip, NetAddr *out, GError **err)
{
	int family = g_strcmp0(ip->family, "ipv6") == 0 ? AF_INET6 : AF_INET;
	unsigned max = family == AF_INET ? 32 : 128;

	if (net_addr_parse(ip->address, family, out) < 0)
		return hv_error_set(err, EINVAL, "network '%s' <ip address='%s'>: not an %s address",
				    net, ip->address ? ip->address : "", ip->family);
	out->prefix = family == AF_INET ? 24 : 64;
	if (ip->prefix)
		out->prefix = ip->prefix;
	if (ip->netmask && (family != AF_INET || mask_prefix(ip->netmask, &out->prefix) < 0))
		return hv_error_set(err, EINVAL, "network '%s' <ip netmask='%s'>: not a netmask",
				    net, ip->netmask);
	if (out->prefix == 0 || out->prefix > max - 1)
		return hv_error_set(err, EINVAL, "network '%s' <ip prefix='%u'>: out of range",
				    net, out->prefix);
	return 0;
}

static bool
same_prefix(const unsigned char *x, const unsigned char *y, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(x, y, full) != 0)
		return false;
	return !rest || ((x[full] ^ y[full]) & (0xff00 >> rest)) == 0;
}

bool
net_addr_in(const NetAddr *subnet, const NetAddr *a)
{
	return subnet->family == a->family && same_prefix(subnet->a, a->a, subnet->prefix);
}

bool
net_subnets_overlap(const NetAddr *x, const NetAddr *y)
{
	return x->family == y->family && same_prefix(x->a, y->a, MIN(x->prefix, y->prefix));
}

int
net_addr_cmp(const NetAddr *x, const NetAddr *y)
{
	return memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

char *
net_subnet_str(const NetAddr *s)
{
	NetAddr n = *s;
	char buf[INET6_ADDRSTRLEN];

	for (unsigned k = s->prefix; k < (s->family == AF_INET ? 32u : 128u); k++)
		n.a[k / 8] &= (unsigned char)~(0x80 >> (k % 8));
	inet_ntop(s->family, n.a, buf, sizeof(buf));
	return g_strdup_printf("%s/%u", buf, s->prefix);
}

char *
net_netmask_str(const NetAddr *s)
{
	uint32_t m = s->prefix ? htonl(~0u << (32 - s->prefix)) : 0;
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &m, buf, sizeof(buf));
	return g_strdup(buf);
}

static bool
all_of(const char *s, const char *extra, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr(extra, *s))
			return false;
	return true;
}

bool
net_is_hostname(const char *s)
{
	return all_of(s, "-_.", 253) && s[0] != '-' && s[0] != '.';
}

bool
net_is_txt(const char *s)
{
	if (!s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\')
			return false;
	return true;
}

bool
net_is_ifname(const char *s)
{
	return all_of(s, "-_.", 15) && strcmp(s, ".") && strcmp(s, "..");
}

char *
net_nft_table(const char *bridge)
{
	char *t = g_strdup_printf("hyperfs_%s", bridge);

	g_strdelimit(t + 8, "-.", '_');
	return t;
}

void
net_state_remove(const char *dir)
{
	hv_remove_flat_dir(dir);
}
