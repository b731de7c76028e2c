/* bandwidth_conf.h: libvirt's <bandwidth> of a domain interface or a network
 * (<inbound>/<outbound> average, peak, burst) -> HvBandwidth. Rates are
 * libvirt's kilobytes per second (tc's "kbps"), bursts kilobytes ("kb").
 * drivers/network/netdev_bandwidth.h applies one with tc and nftables. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <libxml/tree.h>
#include "util/error.h"

typedef struct {
	uint64_t average; /* KiB/s; 0: no limit in this direction */
	uint64_t peak;    /* KiB/s, 0 for none */
	uint64_t burst;   /* KiB, 0 for none */
} HvBandwidthRate;

typedef struct {
	HvBandwidthRate in;  /* to the guest (into the network) */
	HvBandwidthRate out; /* from the guest (out of the network) */
} HvBandwidth;

/* The largest rate or burst taken: 2^32 - 1 KiB/s (tc's own limit of 32-bit
 * byte rates is 4 GiB/s). */
#define HV_BANDWIDTH_MAX 4294967295ULL

/* The <bandwidth> child of parent (an <interface> or <network>), checked as
 * libvirt does: *out NULL when there is none (or it limits nothing), else
 * owned. what names the owner in messages ("domain 'x' interface 0").
 * -EINVAL for a missing average (average='0' is there: no limit that way), a
 * value that is not a number or above the maximum, two <inbound>;
 * -EOPNOTSUPP for a floor other than 0 (guaranteed rates need the network's
 * class tree, which is not built here; conf/rules_network.c refuses a
 * network's floor first, with libvirt's message). */
int hv_bandwidth_parse(xmlNode *parent, const char *what, HvBandwidth **out, GError **err);
/* Whether any direction is limited. */
bool hv_bandwidth_any(const HvBandwidth *bw);
