/* netdev_bandwidth.c: tc htb shaping on a device's transmit side and an
 * nftables policer on its receive side (netdev_bandwidth.h). */
#include <string.h>
#include "drivers/network/netdev_bandwidth.h"
#include "drivers/network/network_util.h"

#define MTU 1500

static char *
bw_table(const char *ifname)
{
	char *t = g_strdup_printf("hyperfs_bw_%s", ifname);

	g_strcanon(t, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "_", '_'); /* nft's names */
	return t;
}

void
netdev_bandwidth_clear(const char *ifname)
{
	g_autofree char *table = bw_table(ifname);
	const char *tc[] = { "tc", "qdisc", "del", "dev", ifname, "root", NULL };
	const char *nft[] = { "nft", "delete", "table", "netdev", table, NULL };

	net_exec_ok(tc);
	net_exec_ok(nft);
}

/* libvirt's quantum: the rate in MTU-sized packets, at least 1. */
static char *
quantum(const HvBandwidthRate *r)
{
	uint64_t q = r->average * 1024 / 8 / MTU;

	return g_strdup_printf("%" G_GUINT64_FORMAT, q ? q : 1);
}

#define KBPS(v) g_strdup_printf("%" G_GUINT64_FORMAT "kbps", (guint64)(v))

static int
shape(const char *who, const char *dev, const HvBandwidthRate *r, bool hier, GError **err)
{
	g_autofree char *avg = KBPS(r->average), *ceil = KBPS(r->peak ? r->peak : r->average);
	g_autofree char *burst = g_strdup_printf("%" G_GUINT64_FORMAT "kb", (guint64)r->burst);
	g_autofree char *q = quantum(r);
	const char *root[] = { "tc", "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb",
			       "default", hier ? "2" : "1", NULL };
	const char *top[] = { "tc", "class", "add", "dev", dev, "parent", "1:", "classid", "1:1",
			      "htb", "rate", avg, "ceil", ceil, "quantum", q, NULL };
	/* the class the traffic goes to: its optional words at the end */
	const char *cls[20] = { "tc", "class", "add", "dev", dev, "parent", hier ? "1:1" : "1:",
				"classid", hier ? "1:2" : "1:1", "htb", "rate", avg, "quantum", q };
	const char *sfq[] = { "tc", "qdisc", "add", "dev", dev, "parent", hier ? "1:2" : "1:1",
			      "handle", "2:", "sfq", "perturb", "10", NULL };
	int k = 14, e;

	if (r->peak)
		cls[k++] = "ceil", cls[k++] = ceil;
	if (r->burst)
		cls[k++] = "burst", cls[k++] = burst;
	cls[k] = NULL;
	if ((e = net_exec_for(who, "shaping its inbound rate", root, err)) < 0 ||
	    (hier && (e = net_exec_for(who, "shaping its inbound rate", top, err)) < 0) ||
	    (e = net_exec_for(who, "shaping its inbound rate", cls, err)) < 0)
		return e;
	net_exec_ok(sfq); /* fairness between flows where the kernel has sch_sfq */
	return 0;
}

/* One nft command line: one transaction that replaces the table. Units as
 * tc's, which libvirt's numbers are: "kbps" is 1000 bytes a second, "kb"
 * 1024 bytes (nftables' kbytes are 1024 for both). */
static int
police(const char *who, const char *dev, const HvBandwidthRate *r, GError **err)
{
	g_autofree char *table = bw_table(dev);
	g_autofree char *rules = g_strdup_printf(
		"add table netdev %s; delete table netdev %s; add table netdev %s { chain police { "
		"type filter hook ingress device \"%s\" priority filter; policy accept; "
		"limit rate over %" G_GUINT64_FORMAT " bytes/second burst %" G_GUINT64_FORMAT
		" bytes drop; }; }", table, table, table, dev, (guint64)r->average * 1000,
		(guint64)(r->burst ? r->burst : r->average) * 1024);
	const char *argv[] = { "nft", rules, NULL };

	return net_exec_for(who, "policing its outbound rate", argv, err);
}

int
netdev_bandwidth_set(const char *who, const char *ifname, const HvBandwidth *bw,
		     bool swapped, bool hierarchical, GError **err)
{
	const HvBandwidthRate *tx = swapped ? &bw->in : &bw->out;
	const HvBandwidthRate *rx = swapped ? &bw->out : &bw->in;
	int r = 0;

	netdev_bandwidth_clear(ifname);
	if (tx->average)
		r = shape(who, ifname, tx, hierarchical, err);
	if (r == 0 && rx->average)
		r = police(who, ifname, rx, err);
	if (r < 0)
		netdev_bandwidth_clear(ifname);
	return r;
}
