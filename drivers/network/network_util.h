/* network_util.h: what the network backends share below their ops: running a
 * host tool (ip, nft, dnsmasq) with its error as the reason, IP addresses
 * and subnets (parse, contains, overlap, format), the checks on values that
 * end up in dnsmasq's files, and the per-network state folder. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "util/error.h"
#include "conf/network_conf.h"

/* Runs argv (no shell; stdin and stdout /dev/null): 0, or -EIO with
 * "network 'NAME': what: 'TOOL' failed: its stderr". */
int net_exec(const char *net, const char *what, const char *const *argv, GError **err);
/* The same for another owner: who is the message's start ("domain 'x'"). */
int net_exec_for(const char *who, const char *what, const char *const *argv, GError **err);
/* The same, quietly: whether it exited 0 (for probes and best-effort undo). */
bool net_exec_ok(const char *const *argv);

typedef struct {
	int family;             /* AF_INET, AF_INET6 */
	unsigned char a[16];
	unsigned prefix;
} NetAddr;

/* "192.168.1.1" (family AF_UNSPEC: either): 0 or -1. */
int net_addr_parse(const char *s, int family, NetAddr *out);
/* An <ip> of a network: its address and prefix (from prefix= or netmask=,
 * else 24 / 64). -EINVAL with the reason. */
int net_ip_of(const char *net, const HvNetworkIpDef *ip, NetAddr *out, GError **err);
bool net_addr_in(const NetAddr *subnet, const NetAddr *a);
bool net_subnets_overlap(const NetAddr *x, const NetAddr *y);
/* "192.168.122.0/24" (owned). */
char *net_subnet_str(const NetAddr *s);
/* "255.255.255.0" for IPv4 (owned). */
char *net_netmask_str(const NetAddr *s);
/* Does the address compare before b? (range order) */
int net_addr_cmp(const NetAddr *x, const NetAddr *y);

/* A DNS name or label list (letters, digits, '-', '_', '.'; 1..253 chars). */
bool net_is_hostname(const char *s);
/* Free text for a TXT record: printable, no quote or backslash. */
bool net_is_txt(const char *s);
/* An interface name the kernel takes (1..15 of [A-Za-z0-9_.-]). */
bool net_is_ifname(const char *s);

/* Removes a network's state folder (flat: files only). */
void net_state_remove(const char *dir);

/* The nftables table of a network's bridge: "hyperfs_BR" ('-' and '.' as '_'). */
char *net_nft_table(const char *bridge);
