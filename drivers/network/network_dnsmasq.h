/* network_dnsmasq.h: one dnsmasq per network (DHCP and DNS on its bridge),
 * its files in the network's state folder: dnsmasq.conf, .hostsfile (static
 * DHCP hosts), .addnhosts (DNS hosts), .pid, .leases. */
#pragma once
#include <sys/types.h>
#include "conf/network_conf.h"

/* Whether def needs one (it has an <ip>). */
bool net_dnsmasq_wanted(const HvNetworkDef *def);
/* Writes the files for def on bridge (atomically each). */
int net_dnsmasq_write(const char *state, const HvNetworkDef *def, GError **err);
/* Starts it (it forks into the background and writes its pid file). */
int net_dnsmasq_start(const char *state, const HvNetworkDef *def, GError **err);
/* Its pid when it runs (pid file, /proc and its command line agree), else 0. */
pid_t net_dnsmasq_pid(const char *state);
/* Stops it and waits (at most 5 s) until it is gone. */
void net_dnsmasq_stop(const char *state);
/* The leases (NetworkLease*, network_backend.h) of dnsmasq.leases, each IP
 * with the prefix of the <ip> it falls in. */
GPtrArray *net_dnsmasq_leases(const char *state, const HvNetworkDef *def);
