/* netdev_tap.c: host-side taps, shared by the qemu driver and (next) the
 * network backends' ports. A tap is made with TUNSETIFF on /dev/net/tun (not
 * persistent: it goes with its last descriptor, so with the hypervisor however
 * that ends), given its MAC (0xfe first for a guest's, as libvirt) and the
 * bridge's MTU, attached (SIOCBRADDIF) and brought up. Counters come from
 * /proc/net/dev. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include "drivers/network/netdev_tap.h"

static int
parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];

	if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int k = 0; k < 6; k++)
		mac[k] = (unsigned char)v[k];
	return 0;
}

static int
ifreq_name(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	if (strlen(name) >= IFNAMSIZ)
		return -1;
	memcpy(ifr->ifr_name, name, strlen(name));
	return 0;
}

/* The tap's MAC (when asked) on socket s. */
static int
set_mac(int s, const char *dom, const char *ifname, const char *want, GError **err)
{
	struct ifreq ifr;
	unsigned char mac[6];

	if (!want || parse_mac(want, mac) < 0)
		return 0;
	ifreq_name(&ifr, ifname);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
		return hv_error_set(err, errno, "domain '%s': cannot set the MAC of tap '%s': %s",
				    dom, ifname, g_strerror(errno));
	return 0;
}

/* The bridge's MTU (best effort, as libvirt), then onto the bridge. */
static int
attach(int s, const char *dom, const char *ifname, const char *bridge, GError **err)
{
	struct ifreq ifr;
	int mtu, e;

	ifreq_name(&ifr, bridge);
	if (ioctl(s, SIOCGIFMTU, &ifr) < 0)
		return hv_error_set(err, errno == ENODEV ? ENOENT : errno, "cannot start domain "
				    "'%s': bridge '%s' %s", dom, bridge, errno == ENODEV ?
				    "does not exist" : g_strerror(errno));
	mtu = ifr.ifr_mtu;
	ifreq_name(&ifr, ifname);
	ifr.ifr_mtu = mtu;
	(void)ioctl(s, SIOCSIFMTU, &ifr);
	ifreq_name(&ifr, bridge);
	ifr.ifr_ifindex = (int)if_nametoindex(ifname);
	if (ioctl(s, SIOCBRADDIF, &ifr) == 0)
		return 0;
	e = errno;
	return hv_error_set(err, e, "cannot start domain '%s': cannot attach tap '%s' to bridge "
			    "'%s': %s", dom, ifname, bridge,
			    e == EOPNOTSUPP || e == EINVAL ? "not a bridge" : g_strerror(e));
}

static int
bring_up(int s, const char *dom, const char *ifname, GError **err)
{
	struct ifreq ifr;

	ifreq_name(&ifr, ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return hv_error_set(err, errno, "domain '%s': cannot bring tap '%s' up: %s", dom,
				    ifname, g_strerror(errno));
	return 0;
}

int
netdev_tap_create(const char *dom, const NetdevTapReq *t, char **ifname, int *fd_out,
		  GError **err)
{
	struct ifreq ifr;
	int fd = -1, s = -1, r = 0;
	const char *want = t->ifname ? t->ifname : "vnet%d";

	if (ifreq_name(&ifr, want) < 0 || (t->bridge && strlen(t->bridge) >= IFNAMSIZ))
		return hv_error_set(err, EINVAL, "domain '%s': interface name '%s' or bridge '%s' is "
				    "longer than %d bytes", dom, want, t->bridge, IFNAMSIZ - 1);
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
		return hv_error_set(err, errno, "domain '%s': cannot open /dev/net/tun: %s", dom,
				    g_strerror(errno));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = hv_error_set(err, errno, "domain '%s': cannot create tap '%s': %s", dom, want,
				 g_strerror(errno));
		goto out;
	}
	*ifname = g_strndup(ifr.ifr_name, IFNAMSIZ);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		r = hv_error_set(err, errno, "socket: %s", g_strerror(errno));
		goto out;
	}
	if ((r = set_mac(s, dom, *ifname, t->mac, err)) < 0 ||
	    (r = attach(s, dom, *ifname, t->bridge, err)) < 0 ||
	    (r = bring_up(s, dom, *ifname, err)) < 0)
		goto out;
	*fd_out = fd;
	fd = -1;
out:
	if (s >= 0)
		close(s);
	if (fd >= 0)
		close(fd); /* the tap goes with it */
	if (r < 0)
		g_clear_pointer(ifname, g_free);
	return r;
}

bool
netdev_exists(const char *ifname)
{
	return ifname && if_nametoindex(ifname) != 0;
}

void
netdev_wait_gone(GPtrArray *names, int64_t timeout_us)
{
	int64_t deadline = g_get_monotonic_time() + timeout_us;

	for (guint k = 0; names && k < names->len; k++)
		while (netdev_exists(names->pdata[k]) && g_get_monotonic_time() < deadline)
			g_usleep(5000);
}

int
netdev_counters(const char *ifname, NetdevCounters *c)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	memset(c, 0, sizeof(*c));
	if (!ifname || !g_file_get_contents("/proc/net/dev", &text, NULL, NULL))
		return -1;
	lines = g_strsplit(text, "\n", -1);
	for (guint k = 2; lines[k]; k++) {
		char *colon = strchr(lines[k], ':');
		guint64 v[16] = { 0 };
		char *p, *end;
		int n = 0;

		if (!colon)
			continue;
		*colon = '\0';
		if (!g_str_equal(g_strstrip(lines[k]), ifname))
			continue;
		for (p = colon + 1; n < 16; n++, p = end) {
			v[n] = g_ascii_strtoull(p, &end, 10);
			if (end == p)
				break;
		}
		if (n < 12)
			return -1;
		/* the host's receive is the guest's transmit: swapped, as libvirt */
		c->tx_bytes = v[0], c->tx_pkts = v[1], c->tx_errs = v[2], c->tx_drop = v[3];
		c->rx_bytes = v[8], c->rx_pkts = v[9], c->rx_errs = v[10], c->rx_drop = v[11];
		return 0;
	}
	return -1;
}
