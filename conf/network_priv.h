/* network_priv.h: shared between network_conf.c (identity, lifecycle) and
 * network_parts.c (typed parts, checks, canonical shape) and network_check.c
 * (address and number checks). Internal to conf/. */
#pragma once
#include "conf/network_conf.h"
#include "conf/conf_util.h"

void hv_network_parts_init(HvNetworkDef *def);
void hv_network_parts_free(HvNetworkDef *def);
int hv_network_parts_parse(HvNetworkDef *def, xmlNode *root, GError **err);
int hv_network_check(const HvNetworkDef *def, GError **err);
/* network_check.c: libvirt's checks on addresses, ranges and numbers. */
int hv_network_check_addresses(const char *name, xmlNode *root, GError **err);
void hv_network_normalise(const HvNetworkDef *def, xmlNode *root);
