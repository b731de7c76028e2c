/* normalise.h: table-driven rewriting of a document copy into libvirt's
 * canonical shape at format time: element order, defaults, dropped elements.
 * Elements a table doesn't name keep their relative order after the named ones,
 * so nothing is lost. Internal to conf/. */
#pragma once
#include <glib.h>
#include <libxml/tree.h>

/* Stable-sorts parent's element children by their index in order (NULL-ended);
 * unnamed elements follow, comments travel with the element after them. */
void hv_xml_reorder(xmlNode *parent, const char *const *order);
/* The first child called name, created (empty, at the end) when missing. */
xmlNode *hv_xml_ensure_child(xmlNode *parent, const char *name);
/* Removes every child element called name. */
void hv_xml_remove_children(xmlNode *parent, const char *name);
/* Sets attr to value only when it is absent. */
void hv_xml_default_prop(xmlNode *n, const char *attr, const char *value);
/* Number of element children called name. */
unsigned hv_xml_count(xmlNode *parent, const char *name);

/* network_check.c: virNetDevVlanParse's checks on one <vlan>, and on every
 * <vlan> under root (networks, portgroups, domain interfaces); what names the
 * document in the message. */
int hv_vlan_check(xmlNode *vlan, const char *what, GError **err);
int hv_vlan_check_all(xmlNode *root, const char *what, GError **err);
