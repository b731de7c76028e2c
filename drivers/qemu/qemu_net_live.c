/* qemu_net_live.c: <link state> of a running domain's interfaces, changed
 * through config.xml (see qemu_net_live.h). An interface of the new
 * definition is the running one with the same MAC; QEMU's device is net%u
 * after the running definition's order (qemu_command.c). */
#include <string.h>
#include "drivers/qemu/qemu_net_live.h"
#include "drivers/qemu/qemu_monitor.h"
#include "drivers/objstore.h"

typedef struct {
	guint k;   /* the interface in the running definition */
	bool up;
	int r;
} LinkChange;

static const HvDomainNetDef *
by_mac(const HvDomainDef *def, const char *mac)
{
	for (guint j = 0; mac && def->interfaces && j < def->interfaces->len; j++) {
		const HvDomainNetDef *n = def->interfaces->pdata[j];

		if (!g_strcmp0(n->mac, mac))
			return n;
	}
	return NULL;
}

static GArray *
changes_of(const HvDomainDef *live, const HvDomainDef *cfg)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(LinkChange));

	for (guint k = 0; live->interfaces && k < live->interfaces->len; k++) {
		const HvDomainNetDef *n = live->interfaces->pdata[k], *c = by_mac(cfg, n->mac);

		if (c && c->link_down != n->link_down)
			g_array_append_val(a, ((LinkChange){ .k = k, .up = !c->link_down }));
	}
	return a;
}

void
qemu_net_live_changed(HvObjTab *t, HvEntry *o)
{
	QemuDomain *d = qemu_dom(o);
	HvDomainDef *live = o->def.domain;
	g_autoptr(GArray) ch = NULL;
	g_autoptr(QemuMon) m = NULL;
	g_autofree char *xml = NULL;

	if (!o->active || !o->newdef.domain || !d || !d->mon)
		return;
	if (!(ch = changes_of(live, o->newdef.domain))->len)
		return;
	m = qemu_mon_ref(d->mon);
	hv_core_unlock(t->core);
	for (guint k = 0; k < ch->len; k++) {
		LinkChange *c = &g_array_index(ch, LinkChange, k);
		g_autofree char *args = g_strdup_printf("{\"name\":\"net%u\",\"up\":%s}", c->k,
							c->up ? "true" : "false");
		g_autoptr(GError) e = NULL;

		if ((c->r = qemu_mon_command(m, "set_link", args, NULL, &e)) < 0)
			g_debug("domain '%s': set_link net%u: %s", o->name, c->k, e->message);
	}
	hv_core_lock(t->core);
	if (d->mon != m || o->def.domain != live) /* it stopped or restarted meanwhile */
		return;
	for (guint k = 0; k < ch->len; k++) {
		const LinkChange *c = &g_array_index(ch, LinkChange, k);

		if (c->r == 0)
			((HvDomainNetDef *)live->interfaces->pdata[c->k])->link_down = !c->up;
	}
	if ((xml = hv_domain_def_format_status(live)))
		hv_store_write_live(t->store, o->name, xml, NULL);
}
