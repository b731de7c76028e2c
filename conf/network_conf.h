/* network_conf.h: libvirt network XML <-> HvNetworkDef (see domain_conf.h for
 * the model: typed fields plus the document, nothing lost). */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <libxml/tree.h>
#include "util/error.h"
#include "conf/bandwidth_conf.h"

#define HV_UUID_STRLEN 37

typedef struct {
	char *mac;
	char *name;
	char *ip;
} HvNetworkDhcpHostDef;

typedef struct {
	char *family;  /* ipv4 (default) or ipv6 */
	char *address;
	char *netmask; /* or NULL */
	unsigned prefix; /* 0 when not given */
	GPtrArray *ranges; /* char*: "start-end" */
	GPtrArray *hosts;  /* HvNetworkDhcpHostDef* */
	char *tftp_root;
	char *bootp_file;
} HvNetworkIpDef;

typedef struct {
	char *ip;
	GPtrArray *hostnames; /* char* */
} HvNetworkDnsHostDef;

typedef struct {
	char *name;
	char uuid[HV_UUID_STRLEN];
	char *bridge;       /* <bridge name=>, or NULL */
	char *forward_mode; /* nat, route, bridge, ... or NULL for isolated */
	xmlDoc *doc;
	char *mac;          /* <mac address=>, lower-case, or NULL */
	char *domain_name;  /* <domain name=> (DNS domain), or NULL */
	GPtrArray *forward_devs; /* char*: <forward dev=> then each <interface dev=> */
	GPtrArray *ips;     /* HvNetworkIpDef* */
	GPtrArray *dns_hosts; /* HvNetworkDnsHostDef* */
	GPtrArray *dns_forwarders; /* char*: <dns><forwarder addr= or domain=> */
	HvBandwidth *bandwidth; /* <bandwidth> on the bridge, or NULL */
} HvNetworkDef;

HvNetworkDef *hv_network_def_parse(const char *xml, size_t len, GError **err);
/* The same for an already parsed (hv_xml_parse*) document; takes doc. */
HvNetworkDef *hv_network_def_parse_doc(xmlDoc *doc, GError **err);
char *hv_network_def_format(const HvNetworkDef *def);
HvNetworkDef *hv_network_def_copy(const HvNetworkDef *def);
void hv_network_def_free(HvNetworkDef *def);
void hv_network_def_ensure_uuid(HvNetworkDef *def);
/* virNetworkUpdate on a copy of def: command (modify 1, delete 2, add-last 3,
 * add-first 4) of one element of section (ip-dhcp-host 4, ip-dhcp-range 5,
 * dns-host 10, dns-txt 11, dns-srv 12; others EOPNOTSUPP) under <ip>
 * parent_index (-1: the first IPv4 one). The new definition, checked as a
 * define is, or NULL (EEXIST: already there; ENOENT: nothing matches). */
HvNetworkDef *hv_network_def_update(const HvNetworkDef *def, unsigned command, unsigned section,
				    int parent_index, const char *xml, GError **err);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HvNetworkDef, hv_network_def_free)
