/* network_check.h: the checks of a network definition before anything is
 * built (network_backend.h check_def), and those against the host at start. */
#pragma once
#include "conf/network_conf.h"

/* The definition alone and against others (HvNetworkDef*): EEXIST for an
 * overlapping subnet or a bridge another network has, EINVAL for ranges
 * outside their subnet and hostile values (anything that is not an address,
 * a name or plain text where dnsmasq reads it), EOPNOTSUPP for hostdev. */
int net_check_def(const HvNetworkDef *def, GPtrArray *others, GError **err);
/* At start, against what the host has: the bridge of a routed network must
 * not exist yet (EEXIST), that of a bridge-mode network must (ENOENT), and
 * so must each forward device (ENOENT). */
int net_check_host(const HvNetworkDef *def, bool own_bridge, GError **err);
