/* network_backend.c: which backend serves a network's forward mode. */
#include <string.h>
#include "drivers/network/network_backend.h"

typedef struct {
	const char *mode;
	const NetworkBackend *backend; /* NULL: refused with why */
	const char *why;
} ModeRow;

static const ModeRow modes[] = {
	{ "none", &network_bridge_backend, NULL },
	{ "nat", &network_bridge_backend, NULL },
	{ "route", &network_bridge_backend, NULL },
	{ "open", &network_bridge_backend, NULL },
	{ "bridge", &network_bridge_backend, NULL }, /* with <bridge name=>; else macvtap */
	{ "vepa", &network_macvtap_backend, NULL },
	{ "private", &network_macvtap_backend, NULL },
	{ "passthrough", &network_macvtap_backend, NULL },
	{ "hostdev", NULL, "SR-IOV virtual functions need hardware this node does not have" },
};

const NetworkBackend *
network_backend_for(const HvNetworkDef *def, GError **err)
{
	const char *mode = def->forward_mode ? def->forward_mode : "none";

	if (!strcmp(mode, "bridge") && !def->bridge)
		mode = "vepa"; /* a pool of forward interfaces: macvtap's bridge mode (the
				* macvtap backend reads the mode from def itself) */
	for (size_t k = 0; k < G_N_ELEMENTS(modes); k++) {
		if (strcmp(modes[k].mode, mode))
			continue;
		if (!modes[k].backend)
			hv_error_set(err, EOPNOTSUPP, "network '%s' <forward mode='%s'>: %s", def->name,
				     def->forward_mode, modes[k].why);
		return modes[k].backend;
	}
	hv_error_set(err, EOPNOTSUPP, "network '%s' <forward mode='%s'>: not a forward mode this "
		     "node knows", def->name, mode);
	return NULL;
}
