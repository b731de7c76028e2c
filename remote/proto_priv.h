/* proto_priv.h: the handlers behind remote/proto.c's table, shared between the
 * handler files (proto_domain.c, proto_node.c, proto_storage.c). */
#pragma once
#include "remote/proto.h"

#define RPC_HANDLER(fn) int fn(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, GError **err)

void rpc_dom_fill(RpcDom *d, const HvDomainInfo *i);

/* proto_node.c */
RPC_HANDLER(h_connect_open);
RPC_HANDLER(h_connect_close);
RPC_HANDLER(h_get_type);
RPC_HANDLER(h_get_version);
RPC_HANDLER(h_get_lib_version);
RPC_HANDLER(h_get_max_vcpus);
RPC_HANDLER(h_node_get_info);
RPC_HANDLER(h_get_capabilities);
RPC_HANDLER(h_get_hostname);
RPC_HANDLER(h_supports_feature);
RPC_HANDLER(h_auth_list);
RPC_HANDLER(h_get_uri);
RPC_HANDLER(h_is_secure);
RPC_HANDLER(h_node_get_free_memory);
RPC_HANDLER(h_event_register_any);
RPC_HANDLER(h_event_deregister_any);
RPC_HANDLER(h_net_event_register_any);
RPC_HANDLER(h_pool_event_register_any);

/* proto_domain.c */
RPC_HANDLER(h_list_all_domains);
RPC_HANDLER(h_num_of_domains);
RPC_HANDLER(h_num_of_defined_domains);
RPC_HANDLER(h_dom_lookup_by_id);
RPC_HANDLER(h_dom_lookup_by_name);
RPC_HANDLER(h_dom_lookup_by_uuid);
RPC_HANDLER(h_dom_get_info);
RPC_HANDLER(h_dom_get_state);
RPC_HANDLER(h_dom_get_xml);
RPC_HANDLER(h_dom_get_os_type);
RPC_HANDLER(h_dom_get_max_memory);
RPC_HANDLER(h_dom_get_max_vcpus);
RPC_HANDLER(h_dom_get_autostart);
RPC_HANDLER(h_dom_set_autostart);
RPC_HANDLER(h_dom_is_active);
RPC_HANDLER(h_dom_is_persistent);
RPC_HANDLER(h_dom_is_updated);
RPC_HANDLER(h_dom_has_managed_save);
RPC_HANDLER(h_dom_define);
RPC_HANDLER(h_dom_undefine);
RPC_HANDLER(h_dom_create);
RPC_HANDLER(h_dom_create_flags);
RPC_HANDLER(h_dom_shutdown);
RPC_HANDLER(h_dom_destroy);
RPC_HANDLER(h_dom_reboot);
RPC_HANDLER(h_dom_reset);
RPC_HANDLER(h_dom_suspend);
RPC_HANDLER(h_dom_resume);
RPC_HANDLER(h_dom_set_memory);
RPC_HANDLER(h_dom_set_max_memory);
RPC_HANDLER(h_dom_set_memory_flags);
RPC_HANDLER(h_dom_set_vcpus);
RPC_HANDLER(h_dom_set_vcpus_flags);
RPC_HANDLER(h_dom_get_vcpus_flags);
RPC_HANDLER(h_get_all_domain_stats);

/* proto_storage.c: networks, pools, volumes */
RPC_HANDLER(h_list_all_networks);
RPC_HANDLER(h_net_lookup_by_name);
RPC_HANDLER(h_net_lookup_by_uuid);
RPC_HANDLER(h_net_get_xml);
RPC_HANDLER(h_net_get_autostart);
RPC_HANDLER(h_net_set_autostart);
RPC_HANDLER(h_net_is_active);
RPC_HANDLER(h_net_is_persistent);
RPC_HANDLER(h_net_get_bridge);
RPC_HANDLER(h_net_create);
RPC_HANDLER(h_net_destroy);
RPC_HANDLER(h_net_undefine);
RPC_HANDLER(h_net_define);
RPC_HANDLER(h_list_all_pools);
RPC_HANDLER(h_pool_lookup_by_name);
RPC_HANDLER(h_pool_lookup_by_uuid);
RPC_HANDLER(h_pool_lookup_by_volume);
RPC_HANDLER(h_pool_get_info);
RPC_HANDLER(h_pool_get_xml);
RPC_HANDLER(h_pool_get_autostart);
RPC_HANDLER(h_pool_set_autostart);
RPC_HANDLER(h_pool_is_active);
RPC_HANDLER(h_pool_is_persistent);
RPC_HANDLER(h_pool_create);
RPC_HANDLER(h_pool_destroy);
RPC_HANDLER(h_pool_build);
RPC_HANDLER(h_pool_refresh);
RPC_HANDLER(h_pool_delete);
RPC_HANDLER(h_pool_undefine);
RPC_HANDLER(h_pool_define);
RPC_HANDLER(h_pool_num_of_volumes);
RPC_HANDLER(h_pool_list_all_volumes);
RPC_HANDLER(h_vol_lookup_by_name);
RPC_HANDLER(h_vol_lookup_by_path);
RPC_HANDLER(h_vol_get_info);
RPC_HANDLER(h_vol_get_xml);
RPC_HANDLER(h_vol_get_path);
RPC_HANDLER(h_vol_create_xml);
RPC_HANDLER(h_vol_delete);
RPC_HANDLER(h_vol_resize);
