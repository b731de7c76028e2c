/* proto_priv.h: the handlers behind remote/proto.c's table, shared between the
 * handler files (proto_domain.c, proto_node.c, proto_storage.c). */
#pragma once
#include "remote/proto.h"

#define RPC_HANDLER(fn) int fn(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, GError **err)

void rpc_dom_fill(RpcDom *d, const HvDomainInfo *i);

/* proto_secret.c */
RPC_HANDLER(h_num_of_secrets);
RPC_HANDLER(h_list_secrets);
RPC_HANDLER(h_secret_lookup_by_uuid);
RPC_HANDLER(h_secret_lookup_by_usage);
RPC_HANDLER(h_secret_define_xml);
RPC_HANDLER(h_secret_get_xml_desc);
RPC_HANDLER(h_secret_set_value);
RPC_HANDLER(h_secret_get_value);
RPC_HANDLER(h_secret_undefine);
RPC_HANDLER(h_list_all_secrets);
RPC_HANDLER(h_secret_event_register_any);

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
/* proto_network.c */
RPC_HANDLER(h_net_get_dhcp_leases);
RPC_HANDLER(h_dom_interface_addresses);
RPC_HANDLER(h_net_update);
RPC_HANDLER(h_net_list_all_ports);
RPC_HANDLER(h_net_port_lookup_uuid);
RPC_HANDLER(h_net_port_get_xml);
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
RPC_HANDLER(h_find_pool_sources);
RPC_HANDLER(h_dom_set_lifecycle_action);
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

/* proto_lists.c: the older list calls, transient objects, volume copies */
RPC_HANDLER(h_list_domains);
RPC_HANDLER(h_list_defined_domains);
RPC_HANDLER(h_num_of_networks);
RPC_HANDLER(h_num_of_defined_networks);
RPC_HANDLER(h_list_networks);
RPC_HANDLER(h_list_defined_networks);
RPC_HANDLER(h_num_of_pools);
RPC_HANDLER(h_num_of_defined_pools);
RPC_HANDLER(h_list_pools);
RPC_HANDLER(h_list_defined_pools);
RPC_HANDLER(h_pool_list_volumes);
RPC_HANDLER(h_dom_create_xml);
RPC_HANDLER(h_net_create_xml);
RPC_HANDLER(h_pool_create_xml);
RPC_HANDLER(h_vol_create_xml_from);
RPC_HANDLER(h_vol_wipe);
RPC_HANDLER(h_vol_wipe_pattern);

/* proto_snapshot.c: snapshots, managed save, save and restore */
RPC_HANDLER(h_snap_list_all);
RPC_HANDLER(h_snap_list_all_children);
RPC_HANDLER(h_snap_num);
RPC_HANDLER(h_snap_list_names);
RPC_HANDLER(h_snap_num_children);
RPC_HANDLER(h_snap_list_children_names);
RPC_HANDLER(h_snap_lookup_by_name);
RPC_HANDLER(h_snap_has_current);
RPC_HANDLER(h_snap_current);
RPC_HANDLER(h_snap_get_parent);
RPC_HANDLER(h_snap_is_current);
RPC_HANDLER(h_snap_has_metadata);
RPC_HANDLER(h_snap_get_xml);
RPC_HANDLER(h_snap_create);
RPC_HANDLER(h_snap_revert);
RPC_HANDLER(h_snap_delete);
RPC_HANDLER(h_dom_managed_save);
RPC_HANDLER(h_dom_managed_save_remove);
RPC_HANDLER(h_dom_save);
RPC_HANDLER(h_dom_save_flags);
RPC_HANDLER(h_dom_restore);
RPC_HANDLER(h_dom_restore_flags);
RPC_HANDLER(h_dom_save_image_xml);

/* proto_tune.c: vCPUs, affinity, scheduler and tuning parameters */
RPC_HANDLER(h_dom_get_vcpus);
RPC_HANDLER(h_dom_get_vcpu_pin_info);
RPC_HANDLER(h_dom_get_emulator_pin_info);
RPC_HANDLER(h_dom_get_iothread_info);
RPC_HANDLER(h_dom_pin_vcpu);
RPC_HANDLER(h_dom_pin_emulator);
RPC_HANDLER(h_dom_get_scheduler_type);
RPC_HANDLER(h_dom_get_sched_params);
RPC_HANDLER(h_dom_set_sched_params);
RPC_HANDLER(h_dom_get_memory_params);
RPC_HANDLER(h_dom_set_memory_params);
RPC_HANDLER(h_dom_get_blkio_params);
RPC_HANDLER(h_dom_set_blkio_params);
RPC_HANDLER(h_dom_get_numa_params);
RPC_HANDLER(h_dom_set_numa_params);
RPC_HANDLER(h_dom_get_interface_params);
RPC_HANDLER(h_dom_set_interface_params);
RPC_HANDLER(h_dom_get_block_io_tune);
RPC_HANDLER(h_dom_set_block_io_tune);

/* proto_node.c: the host */
RPC_HANDLER(h_node_get_cpu_map);
RPC_HANDLER(h_node_get_cells_free_memory);
RPC_HANDLER(h_get_sysinfo);
RPC_HANDLER(h_node_get_cpu_stats);
RPC_HANDLER(h_node_get_security_model);
RPC_HANDLER(h_dom_get_security_label);

/* proto_guest.c: what a guest reports */
RPC_HANDLER(h_dom_memory_stats);
RPC_HANDLER(h_dom_get_hostname);
RPC_HANDLER(h_dom_get_time);
RPC_HANDLER(h_dom_get_disk_errors);
RPC_HANDLER(h_dom_get_perf_events);
RPC_HANDLER(h_dom_set_perf_events);
RPC_HANDLER(h_dom_memory_peek);
RPC_HANDLER(h_dom_set_memory_stats_period);
RPC_HANDLER(h_dom_get_control_info);
RPC_HANDLER(h_dom_get_block_info);
RPC_HANDLER(h_dom_block_stats);
RPC_HANDLER(h_dom_interface_stats);
RPC_HANDLER(h_dom_get_fsinfo);
RPC_HANDLER(h_dom_get_launch_security_info);
RPC_HANDLER(h_dom_inject_nmi);
RPC_HANDLER(h_dom_send_key);
RPC_HANDLER(h_dom_set_time);
RPC_HANDLER(h_dom_set_user_password);
RPC_HANDLER(h_dom_fstrim);
RPC_HANDLER(h_dom_fsfreeze);
RPC_HANDLER(h_dom_fsthaw);

/* proto_host.c: free pages, CPU models, checkpoints, and "not supported" */
RPC_HANDLER(h_no_support);
/* 0, or libvirt's EINVAL "unsupported flags" when the driver's flag_rules
 * refuse flags for api. */
int rpc_check_flags(RpcClientCtx *c, const char *api, unsigned flags, GError **err);
/* A document that may hold a domain's secrets (a graphics passwd), got by
 * get (its rc): refused before the call when a read-only client asks for
 * them (secure: the call's SECURE flag, libvirt's "API with secure flag"),
 * shown without them when not asked (proto_domain.c). */
int rpc_secure_xml(bool secure, int rc, char **xml);
#define RPC_SECURE_XML(c, api, secure, xml, err, call)                                       \
	((secure) && (c)->readonly                                                          \
		 ? hv_error_set(err, EACCES, "%s with secure flag", api)                    \
		 : rpc_secure_xml(secure, (call), xml))
RPC_HANDLER(h_node_get_free_pages);
RPC_HANDLER(h_get_cpu_model_names);
RPC_HANDLER(h_list_all_checkpoints);
RPC_HANDLER(h_checkpoint_create_xml);
RPC_HANDLER(h_checkpoint_get_xml);
RPC_HANDLER(h_checkpoint_list_all_children);
RPC_HANDLER(h_checkpoint_lookup_by_name);
RPC_HANDLER(h_checkpoint_get_parent);
RPC_HANDLER(h_checkpoint_delete);
RPC_HANDLER(h_dom_rename);
RPC_HANDLER(h_dom_core_dump);
RPC_HANDLER(h_dom_core_dump_with_format);
RPC_HANDLER(h_dom_add_iothread);
RPC_HANDLER(h_dom_del_iothread);
RPC_HANDLER(h_dom_pin_iothread);
RPC_HANDLER(h_dom_set_iothread_params);
RPC_HANDLER(h_baseline_cpu);
RPC_HANDLER(h_dom_get_cpu_stats);
RPC_HANDLER(h_dom_send_process_signal);

/* proto_iface.c: host interfaces */
RPC_HANDLER(h_num_of_ifaces);
RPC_HANDLER(h_num_of_defined_ifaces);
RPC_HANDLER(h_list_ifaces);
RPC_HANDLER(h_list_defined_ifaces);
RPC_HANDLER(h_list_all_ifaces);
RPC_HANDLER(h_iface_lookup_by_name);
RPC_HANDLER(h_iface_lookup_by_mac);
RPC_HANDLER(h_iface_is_active);
RPC_HANDLER(h_iface_get_xml);
RPC_HANDLER(h_iface_define_xml);
RPC_HANDLER(h_iface_undefine);
RPC_HANDLER(h_iface_create);
RPC_HANDLER(h_iface_destroy);
RPC_HANDLER(h_iface_change_begin);
RPC_HANDLER(h_iface_change_commit);
RPC_HANDLER(h_iface_change_rollback);

/* proto_stream.c: procedures answered with a stream; rpc_stream_attach
 * gives s to the call's stream (c->stream_open; ENOTSUP without one), last
 * in a handler. */
int rpc_stream_attach(RpcClientCtx *c, HvDataStream *s, RpcStreamDir dir, GError **err);
RPC_HANDLER(h_vol_upload);
RPC_HANDLER(h_vol_download);
RPC_HANDLER(h_dom_screenshot);
RPC_HANDLER(h_dom_open_console);

/* proto_job.c: domain job queries */
RPC_HANDLER(h_dom_get_job_info);
/* proto_node.c: what the hypervisor can run */
RPC_HANDLER(h_get_domain_capabilities);
/* proto_meta.c: title, description, custom metadata */
RPC_HANDLER(h_dom_set_metadata);
RPC_HANDLER(h_dom_get_metadata);
/* proto_nodedev.c: node devices */
RPC_HANDLER(h_nodedev_num);
RPC_HANDLER(h_nodedev_list);
RPC_HANDLER(h_nodedev_list_all);
RPC_HANDLER(h_nodedev_lookup);
RPC_HANDLER(h_nodedev_get_xml);
RPC_HANDLER(h_nodedev_get_parent);
RPC_HANDLER(h_nodedev_num_caps);
RPC_HANDLER(h_nodedev_list_caps);
RPC_HANDLER(h_nodedev_create_xml);
RPC_HANDLER(h_nodedev_destroy);
/* proto_nwfilter.c: network filter definitions */
RPC_HANDLER(h_nwfilter_lookup_by_name);
RPC_HANDLER(h_nwfilter_lookup_by_uuid);
RPC_HANDLER(h_nwfilter_get_xml);
RPC_HANDLER(h_nwfilter_num);
RPC_HANDLER(h_nwfilter_list);
RPC_HANDLER(h_nwfilter_define);
RPC_HANDLER(h_nwfilter_undefine);
RPC_HANDLER(h_nwfilter_list_all);
RPC_HANDLER(h_nwfilter_bindings);
/* proto_tune.c: the typed parameters of a call */
GArray *params_in(const RpcMsg *a);
/* The reply's typed parameters from ps (HvParam), at most max of them. */
void params_out(RpcMsg *r, const GArray *ps, int64_t max);

/* proto_migrate.c */
int rpc_job_operation(const char *job);
RPC_HANDLER(h_dom_migrate_begin3_params);
RPC_HANDLER(h_dom_migrate_prepare3_params);
RPC_HANDLER(h_dom_migrate_prepare_tunnel3_params);
RPC_HANDLER(h_dom_migrate_perform3_params);
RPC_HANDLER(h_dom_migrate_finish3_params);
RPC_HANDLER(h_dom_migrate_confirm3_params);
RPC_HANDLER(h_dom_get_job_stats);
RPC_HANDLER(h_dom_abort_job);

/* One name of an older listing: counted (max < 0: the NumOf calls) or added
 * while there is room for it (the List calls' maxnames). */
static inline void
rpc_name_out(RpcMsg *r, int64_t max, const char *name)
{
	if (max < 0)
		r->num[0]++;
	else if (r->strs->len < (guint64)max)
		g_ptr_array_add(r->strs, g_strdup(name));
}

/* proto_snapshot.c, for snapshots and checkpoints alike (both listed as
 * HvSnapshotInfo): the one named name (NULL: none), and whether i descends
 * from top (a child of it; with deep, at any depth). */
const HvSnapshotInfo *rpc_snap_find(GPtrArray *l, const char *name);
bool rpc_snap_under(GPtrArray *l, const HvSnapshotInfo *i, const char *top, bool deep);
/* The domain name on the wire (*d; its name owned). 0 or -errno. */
int rpc_snap_dom(RpcClientCtx *c, const char *name, RpcDom *d, GError **err);
/* A list-all reply (snapshots 274/275, checkpoints 413/414; args dom,
 * need_results, flags): the names pick finds of a->dom (under top when
 * given, for flags; owned strings), each with the domain, at most 16384
 * (REMOTE_DOMAIN_{SNAPSHOT,CHECKPOINT}_LIST_MAX) and only when asked, then
 * how many there are. */
typedef int (*RpcSnapPick)(RpcClientCtx *c, RpcMsg *a, const char *top, unsigned flags,
			   GPtrArray **out, GError **err);
int rpc_snap_list_reply(RpcClientCtx *c, RpcMsg *a, RpcMsg *r, const char *top, RpcSnapPick pick,
			GError **err);
