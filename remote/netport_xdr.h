/* netport_xdr.h: what both sides share of libvirt's network ports
 * (remote/proto_netport.c): the list bound, the port UUIDs hyperfsd gives,
 * and the <networkport> document. */
#pragma once
#include <stdint.h>
#include "drivers/driver.h"

#define NETPORT_LIST_MAX 16384u /* REMOTE_NETWORK_PORT_LIST_MAX */

/* The stable UUID hyperfsd gives the port of domain and mac on a network. */
void netport_uuid(const char *net_uuid, const char *domain, const char *mac, uint8_t out[16]);
/* libvirt's <networkport> of p (owned): its uuid, owner (name, uuid if known),
 * mac, and the plug onto bridge (type network), or none when bridge is NULL. */
char *netport_xml(const char *uuid, const HvNetworkPort *p, const char *owner_uuid,
		  const char *bridge);
/* The owner's name and the MAC of a <networkport> document (owned), or -EPROTO. */
int netport_parse(const char *xml, char **owner, char **mac, GError **err);
