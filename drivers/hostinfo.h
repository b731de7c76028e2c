/* hostinfo.h: the node info of a local driver whose guests run on this host
 * as processes (LXC, UML): hostname, CPUs and memory from the kernel. */
#pragma once
#include "drivers/driver.h"

void hv_host_node_info(HvNodeInfo *out, const char *accels);
/* Parses URI query parameters against a table of names: each known key's
 * value goes to out[i] (owned); an unknown key is EINVAL naming the known
 * ones. */
int hv_uri_params(HvConn *c, const char *const *names, char **out, GError **err);
