/* netdev_bandwidth.h: <bandwidth> on a host device, after libvirt's
 * virNetDevBandwidthSet: the device's transmit side is shaped with an htb
 * class (rate average, ceil peak, burst; an sfq leaf where the kernel has
 * sch_sfq), its receive side policed (average, burst: what comes faster is
 * dropped). libvirt polices with tc's act_police; this kernel has neither
 * act_police nor cls_fw, so the policer is an nftables netdev ingress chain
 * in a table of its own, `netdev hyperfs_bw_DEV` (limit rate over ...
 * drop), which netdev_bandwidth_clear() removes (nftables keeps a table after
 * its device has gone). */
#pragma once
#include <stdbool.h>
#include "conf/bandwidth_conf.h"
#include "util/error.h"

/* Applies bw on ifname, replacing what was there. swapped: the device's
 * transmit is the guest's receive (a tap: inbound is shaped on transmit,
 * outbound policed on receive); not swapped: a macvtap, which shares the
 * host's view. hierarchical: a network's bridge (libvirt's class 1:1 for the
 * whole rate over a default class 1:2). who starts messages ("domain 'x'"). */
int netdev_bandwidth_set(const char *who, const char *ifname, const HvBandwidth *bw,
			 bool swapped, bool hierarchical, GError **err);
/* Removes both, quietly (for a device that may be gone already). */
void netdev_bandwidth_clear(const char *ifname);
