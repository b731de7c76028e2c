/* domain_priv.h: the pieces of the domain model shared by the files that make
 * it up: domain_conf.c (top level, lifecycle), domain_devices.c (device
 * parsers), domain_check.c (semantic checks). Internal to conf/. */
#pragma once
#include "conf/domain_conf.h"
#include "conf/conf_util.h"

int hv_domain_extra_parse(HvDomainDef *def, xmlNode *root, GError **err);
void hv_domain_extra_free(HvDomainDef *def);
int hv_domain_parse_devices(HvDomainDef *def, xmlNode *root, GError **err);
int hv_domain_check(const HvDomainDef *def, xmlNode *root, GError **err);
void hv_domain_disk_free(HvDomainDiskDef *d);
void hv_domain_net_free(HvDomainNetDef *n);
/* Writes typed device fields back into their elements (format and copy). */
void hv_domain_format_devices(const HvDomainDef *def, xmlNode *root);
/* Character devices and graphics (domain_chardev.c). */
int hv_domain_check_chardevs(xmlNode *devs, GError **err);
void hv_domain_normalise_chardevs(xmlNode *devs);
