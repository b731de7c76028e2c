/* network_nft.h: the nftables rules of a network, in a table of its own
 * (inet hyperfs_BRIDGE), replaced as a whole in one transaction. */
#pragma once
#include "conf/network_conf.h"

/* Whether def has rules (nat, route, isolated; open has none). */
bool net_nft_wanted(const HvNetworkDef *def);
/* The ruleset (owned): for tests and for the state folder. */
char *net_nft_ruleset(const HvNetworkDef *def);
/* Loads it (from STATE/nftables.rules), replacing a table of the same name
 * atomically. */
int net_nft_apply(const HvNetworkDef *def, const char *state, GError **err);
/* Deletes the table (missing is fine). */
void net_nft_remove(const char *bridge);
