/* rules_inactive.c: what libvirt leaves out of an inactive definition, as two
 * rule tables (rules.h). hv_domain_parse_inactive_rules is what the parser
 * does not read with VIR_DOMAIN_DEF_PARSE_INACTIVE (the qemu driver's
 * definitions, qemuxml2xml's inactive outputs); hv_domain_format_inactive_rules
 * is what virDomainDefFormat leaves out with VIR_DOMAIN_DEF_FORMAT_INACTIVE,
 * which it sets itself for a definition without an id (virDomainDefFormatInternal:
 * def->id == -1), so it holds for every document without <domain id=> that is
 * not shown as a running domain. Each row from src/conf/domain_conf.c at
 * v4.0.0. Run by hv_domain_shape before hv_domain_rules (domain_shape.c). */
#include "conf/rules.h"

#define DEVSECLABEL "domain/devices/**/seclabel"

const HvXmlRule hv_domain_parse_inactive_rules[] = {
	/* the qemu driver has VIR_DOMAIN_DEF_FEATURE_USER_ALIAS: only a user's
	 * alias (ua-...) is read from an inactive definition */
	{ "domain/devices/*/alias", HV_RULE_DROP_SELF, NULL, NULL, "@name!^=ua-",
	  "virDomainDeviceInfoParseXML: an inactive definition keeps only user aliases (ua-)" },
	{ "domain/seclabel/label", HV_RULE_DROP_SELF, NULL, NULL, "^@type!=static",
	  "virSecurityLabelDefParseXML: an inactive definition reads a label only when static" },
	{ "domain/seclabel/imagelabel", HV_RULE_DROP_SELF, NULL, NULL, NULL,
	  "virSecurityLabelDefParseXML: an imagelabel is read only from live XML" },
	{ DEVSECLABEL, HV_RULE_DROP_ATTR, "labelskip", NULL, NULL,
	  "virSecurityDeviceLabelDefParseXML: labelskip is only parsed on live images" },
	{ "domain/devices/interface/target", HV_RULE_DROP_SELF, NULL, NULL,
	  "^@type=direct @dev^=macvtap|macvlan",
	  "virDomainNetDefParseXML: a generated macvtap/macvlan name is blanked out" },
};
const size_t hv_domain_parse_inactive_rules_len = G_N_ELEMENTS(hv_domain_parse_inactive_rules);

const HvXmlRule hv_domain_format_inactive_rules[] = {
	{ "domain", HV_RULE_DROP_ATTR, "id", NULL, NULL,
	  "virDomainDefFormatInternal: id= only for a live definition" },
	{ DEVSECLABEL, HV_RULE_DROP_SELF, NULL, NULL, "-label @relabel!=no",
	  "virSecurityDeviceLabelDefFormat: offline, a relabelling override without a label is skipped" },
	{ "domain/devices/disk", HV_RULE_DROP_CHILD, "backingStore", NULL, NULL,
	  "virDomainDiskDefFormat: no backingStore in inactive XML" },
	{ "domain/devices/disk", HV_RULE_DROP_CHILD, "mirror", NULL, NULL,
	  "virDomainDiskDefFormat: a block job's mirror only in live XML" },
	{ "domain/devices/interface/target", HV_RULE_DROP_SELF, NULL, NULL, "@dev^=vnet",
	  "virDomainNetDefFormat: an auto-generated target name (vnet) is skipped for inactive config" },
	{ "domain/devices/**/source", HV_RULE_DROP_ATTR, "path", NULL, "^@type=pty",
	  "virDomainChrSourceDefFormat: a pty's path only in live XML" },
	{ "domain/devices/**/source", HV_RULE_DROP_EMPTY, NULL, NULL, "^@type=pty",
	  "virDomainChrSourceDefFormat: virXMLFormatElement writes no empty <source>" },
	{ "domain/devices/console", HV_RULE_DROP_ATTR, "tty", NULL, NULL,
	  "virDomainChrDefFormat: tty= (the pty's path) only in live XML" },
	{ "domain/devices/channel/target", HV_RULE_DROP_ATTR, "state", NULL, NULL,
	  "virDomainChrDefFormat: a virtio channel's state only in live XML" },
	{ "domain/devices/graphics/listen", HV_RULE_DROP_ATTR, "address", NULL, "@type=network",
	  "virDomainGraphicsListenDefFormat: a network listen's address only in live XML" },
	{ "domain/devices/graphics", HV_RULE_DROP_ATTR, "listen", NULL, "listen@type=network",
	  "virDomainGraphicsListenDefFormatAddr: no listen= from a network listen offline" },
	{ "domain/devices/graphics", HV_RULE_SET_ATTR, "port", "-1", "@type=vnc @autoport=yes @port!=",
	  "virDomainGraphicsDefFormat: offline, an automatic VNC port is -1" },
};
const size_t hv_domain_format_inactive_rules_len = G_N_ELEMENTS(hv_domain_format_inactive_rules);
