/* network_table_update.c: libvirt's virNetworkUpdate (virsh net-update) on the
 * networks of network_table.h: the edit is conf/network_update.c's; here the
 * backend's checks again, then the live definition (the backend applies it:
 * dnsmasq) and/or the persistent one. */
#include <string.h>
#include "drivers/network/network_table.h"
#include "drivers/objstore.h"
#include "drivers/network/network_backend.h"

/* def with the change (conf/network_update.c), checked by the backend too. */
static HvNetworkDef *
updated(HvObjTab *t, HvEntry *o, const HvNetworkDef *def, unsigned section, unsigned cmd,
	int index, const char *xml, GError **err)
{
	g_autoptr(HvNetworkDef) nd = hv_network_def_update(def, cmd, section, index, xml, err);
	g_autoptr(GPtrArray) others = NULL;
	const NetworkBackend *b;

	if (!nd || !(b = network_backend_for(nd, err)))
		return NULL;
	others = g_ptr_array_new();
	for (guint k = 0; k < hv_objtab_count(t); k++) {
		HvEntry *x = hv_objtab_nth(t, k);

		if (x != o)
			g_ptr_array_add(others, x->def.network);
	}
	if (b->check_def && b->check_def(nd, others, err) < 0)
		return NULL;
	return g_steal_pointer(&nd);
}

static int
apply(HvObjTab *t, HvEntry *o, unsigned section, unsigned cmd, int index, const char *xml,
      unsigned flags, GError **err)
{
	bool live = flags & HV_AFFECT_LIVE, config = flags & HV_AFFECT_CONFIG;
	g_autoptr(HvNetworkDef) nlive = NULL, ncfg = NULL;
	g_autofree char *state = net_table_state_dir(t, o->name), *text = NULL;
	int r;

	if (!live && !config)
		*(o->active ? &live : &config) = true;
	if (live && !o->active)
		return hv_error_set(err, EBUSY, "cannot update network '%s' live: it is not active",
				    o->name);
	if (config && !o->persistent)
		return hv_error_set(err, EBUSY, "cannot update the configuration of network '%s': "
				    "it is transient", o->name);
	if ((live && !(nlive = updated(t, o, o->def.network, section, cmd, index, xml, err))) ||
	    (config && !(ncfg = updated(t, o, hv_entry_config(o), section, cmd, index, xml, err))))
		return err && *err ? hv_error_errno(*err) : -EINVAL;
	if (nlive) {
		NetworkObj n = { .name = o->name, .def = o->def.network, .state_dir = state,
				 .priv = o->priv, .backend = network_backend_for(nlive, NULL) };
		g_autoptr(GString) pending = g_string_new(NULL);

		if (!n.backend->update)
			return hv_error_set(err, EOPNOTSUPP, "cannot update network '%s' live: its "
					    "backend cannot", o->name);
		if ((r = n.backend->update(&n, nlive, pending, err)) < 0)
			return r;
		if (!o->newdef.network && !ncfg && o->persistent)
			o->newdef.network = o->def.network; /* the config stays as it was */
		else
			hv_network_def_free(o->def.network);
		o->def.network = g_steal_pointer(&nlive);
		if ((text = hv_network_def_format(o->def.network)))
			hv_store_write_live(t->store, o->name, text, NULL);
	}
	if (ncfg) {
		g_autofree char *x = hv_network_def_format(ncfg);

		if ((r = hv_store_write(t->store, o->name, x, err)) < 0)
			return r;
		if (o->active) {
			hv_network_def_free(o->newdef.network);
			o->newdef.network = g_steal_pointer(&ncfg);
		} else {
			hv_network_def_free(o->def.network);
			o->def.network = g_steal_pointer(&ncfg);
		}
	}
	hv_entry_emit(o, "defined", "updated");
	return 0;
}

int
net_table_update(HvConn *c, const char *name, unsigned command, unsigned section,
		    int parent_index, const char *xml, unsigned flags, GError **err)
{
	HvObjTab *t = c->tables[HV_OBJ_NETWORK];
	HvEntry *o;
	int r;

	hv_core_lock(t->core);
	r = (o = hv_objtab_find(t, name, err)) ? apply(t, o, section, command, parent_index, xml, flags,
						       err)
					       : -ENOENT;
	hv_core_unlock(t->core);
	return r;
}
