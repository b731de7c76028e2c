/* proto.c: the remote program's procedure table and its dispatcher. One row per
 * procedure, sorted by number, found by bsearch; the row's flags are enforced
 * here once (open connection; a row not marked R is a write and a read-only
 * client is refused it), its shapes decode the arguments and encode the reply,
 * errno values become libvirt errors, and every write is told to the audit hook. */
#include <stdlib.h>
#include <string.h>
#include "remote/proto_priv.h"

#define VIR_FROM_REMOTE 13
#define VIR_ERR_ERROR 2

#define S(...) ((const XField[]){ __VA_ARGS__, X_END })
static const XField S_VOID[] = { X_END };

#define HI RPC_PRIORITY
#define R RPC_READS
#define D HV_OBJ_DOMAIN
#define N HV_OBJ_NETWORK
#define P HV_OBJ_POOL
#define V HV_OBJ_VOLUME
#define X HV_OBJ_NODE
#define I RPC_OBJ_IFACE
#define SE HV_OBJ_SECRET
#define ND RPC_OBJ_NODEDEV
#define NF RPC_OBJ_NWFILTER
#define CK RPC_OBJ_CHECKPOINT

/* Numbers from libvirt's remote_protocol.x; keep sorted by number. */
static const RpcProc procs[] = {
	{ 1, "virConnectOpen", S(X_OPTSTR, X_UINT), S_VOID, h_connect_open, R | RPC_NO_CONN | HI, X },
	{ 2, "virConnectClose", S_VOID, S_VOID, h_connect_close, R | HI, X },
	{ 3, "virConnectGetType", S_VOID, S(X_STR), h_get_type, R | HI, X },
	{ 4, "virConnectGetVersion", S_VOID, S(X_HYPER), h_get_version, R | HI, X },
	{ 5, "virConnectGetMaxVcpus", S(X_OPTSTR), S(X_INT), h_get_max_vcpus, R | HI, X },
	{ 6, "virNodeGetInfo", S_VOID, S(X_MODEL32, X_HYPER, X_INT, X_INT, X_INT, X_INT, X_INT, X_INT),
	  h_node_get_info, R | HI, X },
	{ 7, "virConnectGetCapabilities", S_VOID, S(X_STR), h_get_capabilities, R, X },
	{ 8, "virDomainAttachDevice", S(X_DOM, X_STR), S_VOID, h_no_support, 0, D },
	{ 9, "virDomainCreate", S(X_DOM), S_VOID, h_dom_create, 0, D },
	{ 10, "virDomainCreateXML", S(X_STR, X_UINT), S(X_DOM), h_dom_create_xml, 0, D },
	{ 11, "virDomainDefineXML", S(X_STR), S(X_DOM), h_dom_define, HI, D },
	{ 12, "virDomainDestroy", S(X_DOM), S_VOID, h_dom_destroy, HI, D },
	{ 13, "virDomainDetachDevice", S(X_DOM, X_STR), S_VOID, h_no_support, 0, D },
	{ 14, "virDomainGetXMLDesc", S(X_DOM, X_UINT), S(X_STR), h_dom_get_xml, R, D },
	{ 15, "virDomainGetAutostart", S(X_DOM), S(X_INT), h_dom_get_autostart, R | HI, D },
	{ 16, "virDomainGetInfo", S(X_DOM), S(X_INT, X_HYPER, X_HYPER, X_INT, X_HYPER), h_dom_get_info, R, D },
	{ 17, "virDomainGetMaxMemory", S(X_DOM), S(X_HYPER), h_dom_get_max_memory, R | HI, D },
	{ 18, "virDomainGetMaxVcpus", S(X_DOM), S(X_INT), h_dom_get_max_vcpus, R | HI, D },
	{ 19, "virDomainGetOSType", S(X_DOM), S(X_STR), h_dom_get_os_type, R | HI, D },
	{ 20, "virDomainGetVcpus", S(X_DOM, X_INT, X_INT), S(X_VCPU_LIST, X_OPAQUE), h_dom_get_vcpus, R, D },
	{ 21, "virConnectListDefinedDomains", S(X_INT), S(X_STR_LIST), h_list_defined_domains, R | HI, D },
	{ 22, "virDomainLookupByID", S(X_INT), S(X_DOM), h_dom_lookup_by_id, R | HI, D },
	{ 23, "virDomainLookupByName", S(X_STR), S(X_DOM), h_dom_lookup_by_name, R | HI, D },
	{ 24, "virDomainLookupByUUID", S(X_UUID), S(X_DOM), h_dom_lookup_by_uuid, R | HI, D },
	{ 25, "virConnectNumOfDefinedDomains", S_VOID, S(X_INT), h_num_of_defined_domains, R | HI, D },
	{ 26, "virDomainPinVcpu", S(X_DOM, X_UINT, X_OPAQUE), S_VOID, h_dom_pin_vcpu, 0, D },
	{ 27, "virDomainReboot", S(X_DOM, X_UINT), S_VOID, h_dom_reboot, 0, D },
	{ 28, "virDomainResume", S(X_DOM), S_VOID, h_dom_resume, 0, D },
	{ 29, "virDomainSetAutostart", S(X_DOM, X_INT), S_VOID, h_dom_set_autostart, HI, D },
	{ 30, "virDomainSetMaxMemory", S(X_DOM, X_HYPER), S_VOID, h_dom_set_max_memory, HI, D },
	{ 31, "virDomainSetMemory", S(X_DOM, X_HYPER), S_VOID, h_dom_set_memory, 0, D },
	{ 32, "virDomainSetVcpus", S(X_DOM, X_UINT), S_VOID, h_dom_set_vcpus, 0, D },
	{ 33, "virDomainShutdown", S(X_DOM), S_VOID, h_dom_shutdown, 0, D },
	{ 34, "virDomainSuspend", S(X_DOM), S_VOID, h_dom_suspend, 0, D },
	{ 35, "virDomainUndefine", S(X_DOM), S_VOID, h_dom_undefine, HI, D },
	{ 36, "virConnectListDefinedNetworks", S(X_INT), S(X_STR_LIST), h_list_defined_networks, R | HI, N },
	{ 37, "virConnectListDomains", S(X_INT), S(X_INT_LIST), h_list_domains, R | HI, D },
	{ 38, "virConnectListNetworks", S(X_INT), S(X_STR_LIST), h_list_networks, R | HI, N },
	{ 39, "virNetworkCreate", S(X_NET), S_VOID, h_net_create, 0, N },
	{ 40, "virNetworkCreateXML", S(X_STR), S(X_NET), h_net_create_xml, 0, N },
	{ 41, "virNetworkDefineXML", S(X_STR), S(X_NET), h_net_define, HI, N },
	{ 42, "virNetworkDestroy", S(X_NET), S_VOID, h_net_destroy, HI, N },
	{ 43, "virNetworkGetXMLDesc", S(X_NET, X_UINT), S(X_STR), h_net_get_xml, R | HI, N },
	{ 44, "virNetworkGetAutostart", S(X_NET), S(X_INT), h_net_get_autostart, R | HI, N },
	{ 45, "virNetworkGetBridgeName", S(X_NET), S(X_STR), h_net_get_bridge, R | HI, N },
	{ 46, "virNetworkLookupByName", S(X_STR), S(X_NET), h_net_lookup_by_name, R | HI, N },
	{ 47, "virNetworkLookupByUUID", S(X_UUID), S(X_NET), h_net_lookup_by_uuid, R | HI, N },
	{ 48, "virNetworkSetAutostart", S(X_NET, X_INT), S_VOID, h_net_set_autostart, HI, N },
	{ 49, "virNetworkUndefine", S(X_NET), S_VOID, h_net_undefine, HI, N },
	{ 50, "virConnectNumOfDefinedNetworks", S_VOID, S(X_INT), h_num_of_defined_networks, R | HI, N },
	{ 51, "virConnectNumOfDomains", S_VOID, S(X_INT), h_num_of_domains, R | HI, D },
	{ 52, "virConnectNumOfNetworks", S_VOID, S(X_INT), h_num_of_networks, R | HI, N },
	{ 53, "virDomainCoreDump", S(X_DOM, X_STR, X_UINT), S_VOID, h_dom_core_dump, 0, D },
	{ 54, "virDomainRestore", S(X_STR), S_VOID, h_dom_restore, 0, D },
	{ 55, "virDomainSave", S(X_DOM, X_STR), S_VOID, h_dom_save, 0, D },
	{ 56, "virDomainGetSchedulerType", S(X_DOM), S(X_STR, X_INT), h_dom_get_scheduler_type, R, D },
	{ 57, "virDomainGetSchedulerParameters", S(X_DOM, X_INT), S(X_PARAMS), h_dom_get_sched_params, R, D },
	{ 58, "virDomainSetSchedulerParameters", S(X_DOM, X_PARAMS), S_VOID, h_dom_set_sched_params, 0, D },
	{ 59, "virConnectGetHostname", S_VOID, S(X_STR), h_get_hostname, R | HI, X },
	{ 60, "virConnectSupportsFeature", S(X_INT), S(X_INT), h_supports_feature, R | RPC_NO_CONN | HI, X },
	{ 64, "virDomainBlockStats", S(X_DOM, X_STR), S(X_HYPER, X_HYPER, X_HYPER, X_HYPER, X_HYPER), h_dom_block_stats, R, D },
	{ 65, "virDomainInterfaceStats", S(X_DOM, X_STR), S(X_HYPER, X_HYPER, X_HYPER, X_HYPER, X_HYPER, X_HYPER, X_HYPER, X_HYPER), h_dom_interface_stats, R, D },
	{ 66, "virConnectAuthList", S_VOID, S(X_INT_LIST), h_auth_list, R | RPC_NO_CONN | HI, X },
	{ 71, "virConnectNumOfStoragePools", S_VOID, S(X_INT), h_num_of_pools, R | HI, P },
	{ 72, "virConnectListStoragePools", S(X_INT), S(X_STR_LIST), h_list_pools, R | HI, P },
	{ 73, "virConnectNumOfDefinedStoragePools", S_VOID, S(X_INT), h_num_of_defined_pools, R | HI, P },
	{ 74, "virConnectListDefinedStoragePools", S(X_INT), S(X_STR_LIST), h_list_defined_pools, R | HI, P },
	{ 75, "virConnectFindStoragePoolSources", S(X_STR, X_OPTSTR, X_UINT), S(X_STR), h_find_pool_sources, 0, P },
	{ 76, "virStoragePoolCreateXML", S(X_STR, X_UINT), S(X_POOL), h_pool_create_xml, 0, P },
	{ 77, "virStoragePoolDefineXML", S(X_STR, X_UINT), S(X_POOL), h_pool_define, HI, P },
	{ 78, "virStoragePoolCreate", S(X_POOL, X_UINT), S_VOID, h_pool_create, 0, P },
	{ 79, "virStoragePoolBuild", S(X_POOL, X_UINT), S_VOID, h_pool_build, 0, P },
	{ 80, "virStoragePoolDestroy", S(X_POOL), S_VOID, h_pool_destroy, HI, P },
	{ 81, "virStoragePoolDelete", S(X_POOL, X_UINT), S_VOID, h_pool_delete, 0, P },
	{ 82, "virStoragePoolUndefine", S(X_POOL), S_VOID, h_pool_undefine, HI, P },
	{ 83, "virStoragePoolRefresh", S(X_POOL, X_UINT), S_VOID, h_pool_refresh, 0, P },
	{ 84, "virStoragePoolLookupByName", S(X_STR), S(X_POOL), h_pool_lookup_by_name, R | HI, P },
	{ 85, "virStoragePoolLookupByUUID", S(X_UUID), S(X_POOL), h_pool_lookup_by_uuid, R | HI, P },
	{ 86, "virStoragePoolLookupByVolume", S(X_VOL), S(X_POOL), h_pool_lookup_by_volume, R | HI, P },
	{ 87, "virStoragePoolGetInfo", S(X_POOL), S(X_INT, X_HYPER, X_HYPER, X_HYPER), h_pool_get_info, R | HI, P },
	{ 88, "virStoragePoolGetXMLDesc", S(X_POOL, X_UINT), S(X_STR), h_pool_get_xml, R | HI, P },
	{ 89, "virStoragePoolGetAutostart", S(X_POOL), S(X_INT), h_pool_get_autostart, R | HI, P },
	{ 90, "virStoragePoolSetAutostart", S(X_POOL, X_INT), S_VOID, h_pool_set_autostart, HI, P },
	{ 91, "virStoragePoolNumOfVolumes", S(X_POOL), S(X_INT), h_pool_num_of_volumes, R | HI, P },
	{ 92, "virStoragePoolListVolumes", S(X_POOL, X_INT), S(X_STR_LIST), h_pool_list_volumes, R | HI, P },
	{ 93, "virStorageVolCreateXML", S(X_POOL, X_STR, X_UINT), S(X_VOL), h_vol_create_xml, 0, P },
	{ 94, "virStorageVolDelete", S(X_VOL, X_UINT), S_VOID, h_vol_delete, 0, V },
	{ 95, "virStorageVolLookupByName", S(X_POOL, X_STR), S(X_VOL), h_vol_lookup_by_name, R | HI, V },
	{ 96, "virStorageVolLookupByKey", S(X_STR), S(X_VOL), h_vol_lookup_by_path, R | HI, V },
	{ 97, "virStorageVolLookupByPath", S(X_STR), S(X_VOL), h_vol_lookup_by_path, R | HI, V },
	{ 98, "virStorageVolGetInfo", S(X_VOL), S(X_INT, X_HYPER, X_HYPER), h_vol_get_info, R | HI, V },
	{ 99, "virStorageVolGetXMLDesc", S(X_VOL, X_UINT), S(X_STR), h_vol_get_xml, R | HI, V },
	{ 100, "virStorageVolGetPath", S(X_VOL), S(X_STR), h_vol_get_path, R | HI, V },
	{ 101, "virNodeGetCellsFreeMemory", S(X_INT, X_INT), S(X_U64_LIST), h_node_get_cells_free_memory, R | HI, X },
	{ 102, "virNodeGetFreeMemory", S_VOID, S(X_HYPER), h_node_get_free_memory, R | HI, X },
	{ 104, "virDomainMemoryPeek", S(X_DOM, X_HYPER, X_UINT, X_UINT), S(X_OPAQUE), h_dom_memory_peek, 0, D },
	{ 110, "virConnectGetURI", S_VOID, S(X_STR), h_get_uri, R | HI, X },
	{ 111, "virNodeNumOfDevices", S(X_OPTSTR, X_UINT), S(X_INT), h_nodedev_num, R | HI, ND },
	{ 112, "virNodeListDevices", S(X_OPTSTR, X_INT, X_UINT), S(X_STR_LIST), h_nodedev_list, R | HI, ND },
	{ 113, "virNodeDeviceLookupByName", S(X_STR), S(X_STR), h_nodedev_lookup, R | HI, ND },
	{ 114, "virNodeDeviceGetXMLDesc", S(X_STR, X_UINT), S(X_STR), h_nodedev_get_xml, R | HI, ND },
	{ 115, "virNodeDeviceGetParent", S(X_STR), S(X_OPTSTR), h_nodedev_get_parent, R | HI, ND },
	{ 116, "virNodeDeviceNumOfCaps", S(X_STR), S(X_INT), h_nodedev_num_caps, R | HI, ND },
	{ 117, "virNodeDeviceListCaps", S(X_STR, X_INT), S(X_STR_LIST), h_nodedev_list_caps, R | HI, ND },
	{ 118, "virNodeDeviceDettach", S(X_STR), S_VOID, h_no_support, 0, ND },
	{ 119, "virNodeDeviceReAttach", S(X_STR), S_VOID, h_no_support, 0, ND },
	{ 120, "virNodeDeviceReset", S(X_STR), S_VOID, h_no_support, 0, ND },
	{ 121, "virDomainGetSecurityLabel", S(X_DOM), S(X_CHARS, X_INT), h_dom_get_security_label, R, D },
	{ 122, "virNodeGetSecurityModel", S_VOID, S(X_CHARS, X_CHARS), h_node_get_security_model, R, X },
	{ 123, "virNodeDeviceCreateXML", S(X_STR, X_UINT), S(X_STR), h_nodedev_create_xml, 0, ND },
	{ 124, "virNodeDeviceDestroy", S(X_STR), S_VOID, h_nodedev_destroy, 0, ND },
	{ 125, "virStorageVolCreateXMLFrom", S(X_POOL, X_STR, X_VOL, X_UINT), S(X_VOL), h_vol_create_xml_from, 0, V },
	{ 126, "virConnectNumOfInterfaces", S_VOID, S(X_INT), h_num_of_ifaces, R | HI, I },
	{ 127, "virConnectListInterfaces", S(X_INT), S(X_STR_LIST), h_list_ifaces, R | HI, I },
	{ 128, "virInterfaceLookupByName", S(X_STR), S(X_STR, X_STR), h_iface_lookup_by_name, R | HI, I },
	{ 129, "virInterfaceLookupByMACString", S(X_STR), S(X_STR, X_STR), h_iface_lookup_by_mac, R | HI, I },
	{ 130, "virInterfaceGetXMLDesc", S(X_STR, X_STR, X_UINT), S(X_STR), h_iface_get_xml, R, I },
	{ 131, "virInterfaceDefineXML", S(X_STR, X_UINT), S(X_STR, X_STR), h_iface_define_xml, HI, I },
	{ 132, "virInterfaceUndefine", S(X_STR, X_STR), S_VOID, h_iface_undefine, HI, I },
	{ 133, "virInterfaceCreate", S(X_STR, X_STR, X_UINT), S_VOID, h_iface_create, 0, I },
	{ 134, "virInterfaceDestroy", S(X_STR, X_STR, X_UINT), S_VOID, h_iface_destroy, HI, I },
	{ 135, "virConnectDomainXMLFromNative", S(X_STR, X_STR, X_UINT), S_VOID, h_no_support, 0, X },
	{ 136, "virConnectDomainXMLToNative", S(X_STR, X_STR, X_UINT), S_VOID, h_no_support, 0, X },
	{ 137, "virConnectNumOfDefinedInterfaces", S_VOID, S(X_INT), h_num_of_defined_ifaces, R | HI, I },
	{ 138, "virConnectListDefinedInterfaces", S(X_INT), S(X_STR_LIST), h_list_defined_ifaces, R | HI, I },
	{ 139, "virConnectNumOfSecrets", S_VOID, S(X_INT), h_num_of_secrets, R | HI, SE },
	{ 140, "virConnectListSecrets", S(X_INT), S(X_STR_LIST), h_list_secrets, R | HI, SE },
	{ 141, "virSecretLookupByUUID", S(X_UUID), S(X_RAW), h_secret_lookup_by_uuid, R | HI, SE },
	{ 142, "virSecretDefineXML", S(X_STR, X_UINT), S(X_RAW), h_secret_define_xml, HI, SE },
	{ 143, "virSecretGetXMLDesc", S(X_RAW), S(X_STR), h_secret_get_xml_desc, R | HI, SE },
	{ 144, "virSecretSetValue", S(X_RAW), S_VOID, h_secret_set_value, HI, SE },
	{ 145, "virSecretGetValue", S(X_RAW), S(X_RAW), h_secret_get_value, HI, SE },
	{ 146, "virSecretUndefine", S(X_RAW), S_VOID, h_secret_undefine, HI, SE },
	{ 147, "virSecretLookupByUsage", S(X_INT, X_STR), S(X_RAW), h_secret_lookup_by_usage, R | HI, SE },
	{ 149, "virConnectIsSecure", S_VOID, S(X_INT), h_is_secure, R | HI, X },
	{ 150, "virDomainIsActive", S(X_DOM), S(X_INT), h_dom_is_active, R | HI, D },
	{ 151, "virDomainIsPersistent", S(X_DOM), S(X_INT), h_dom_is_persistent, R | HI, D },
	{ 152, "virNetworkIsActive", S(X_NET), S(X_INT), h_net_is_active, R | HI, N },
	{ 153, "virNetworkIsPersistent", S(X_NET), S(X_INT), h_net_is_persistent, R | HI, N },
	{ 154, "virStoragePoolIsActive", S(X_POOL), S(X_INT), h_pool_is_active, R | HI, P },
	{ 155, "virStoragePoolIsPersistent", S(X_POOL), S(X_INT), h_pool_is_persistent, R | HI, P },
	{ 156, "virInterfaceIsActive", S(X_STR, X_STR), S(X_INT), h_iface_is_active, R | HI, I },
	{ 157, "virConnectGetLibVersion", S_VOID, S(X_HYPER), h_get_lib_version, R | HI, X },
	{ 158, "virConnectCompareCPU", S(X_STR, X_UINT), S_VOID, h_no_support, R, X },
	{ 159, "virDomainMemoryStats", S(X_DOM, X_UINT, X_UINT), S(X_TAG_U64_LIST), h_dom_memory_stats, R, D },
	{ 160, "virDomainAttachDeviceFlags", S(X_DOM, X_STR, X_UINT), S_VOID, h_no_support, 0, D },
	{ 161, "virDomainDetachDeviceFlags", S(X_DOM, X_STR, X_UINT), S_VOID, h_no_support, 0, D },
	{ 162, "virConnectBaselineCPU", S(X_STR_LIST, X_UINT), S(X_STR), h_baseline_cpu, R, X },
	{ 163, "virDomainGetJobInfo", S(X_DOM), S(X_RAW), h_dom_get_job_info, R, D },
	{ 164, "virDomainAbortJob", S(X_DOM), S_VOID, h_dom_abort_job, HI, D },
	{ 165, "virStorageVolWipe", S(X_VOL, X_UINT), S_VOID, h_vol_wipe, 0, V },
	{ 166, "virDomainMigrateSetMaxDowntime", S(X_DOM, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 174, "virDomainUpdateDeviceFlags", S(X_DOM, X_STR, X_UINT), S_VOID, h_no_support, 0, D },
	{ 175, "virNWFilterLookupByName", S(X_STR), S(X_NET), h_nwfilter_lookup_by_name, R | HI, NF },
	{ 176, "virNWFilterLookupByUUID", S(X_UUID), S(X_NET), h_nwfilter_lookup_by_uuid, R | HI, NF },
	{ 177, "virNWFilterGetXMLDesc", S(X_NET, X_UINT), S(X_STR), h_nwfilter_get_xml, R | HI, NF },
	{ 178, "virConnectNumOfNWFilters", S_VOID, S(X_INT), h_nwfilter_num, R | HI, NF },
	{ 179, "virConnectListNWFilters", S(X_INT), S(X_STR_LIST), h_nwfilter_list, R | HI, NF },
	{ 180, "virNWFilterDefineXML", S(X_STR), S(X_NET), h_nwfilter_define, HI, NF },
	{ 181, "virNWFilterUndefine", S(X_NET), S_VOID, h_nwfilter_undefine, HI, NF },
	{ 182, "virDomainManagedSave", S(X_DOM, X_UINT), S_VOID, h_dom_managed_save, 0, D },
	{ 183, "virDomainHasManagedSaveImage", S(X_DOM, X_UINT), S(X_INT), h_dom_has_managed_save, R, D },
	{ 184, "virDomainManagedSaveRemove", S(X_DOM, X_UINT), S_VOID, h_dom_managed_save_remove, 0, D },
	{ 185, "virDomainSnapshotCreateXML", S(X_DOM, X_STR, X_UINT), S(X_STR, X_DOM), h_snap_create, 0, D },
	{ 186, "virDomainSnapshotGetXMLDesc", S(X_STR, X_DOM, X_UINT), S(X_STR), h_snap_get_xml, R, D },
	{ 187, "virDomainSnapshotNum", S(X_DOM, X_UINT), S(X_INT), h_snap_num, R, D },
	{ 188, "virDomainSnapshotListNames", S(X_DOM, X_INT, X_UINT), S(X_STR_LIST), h_snap_list_names, R, D },
	{ 189, "virDomainSnapshotLookupByName", S(X_DOM, X_STR, X_UINT), S(X_STR, X_DOM), h_snap_lookup_by_name, R, D },
	{ 190, "virDomainHasCurrentSnapshot", S(X_DOM, X_UINT), S(X_INT), h_snap_has_current, R, D },
	{ 191, "virDomainSnapshotCurrent", S(X_DOM, X_UINT), S(X_STR, X_DOM), h_snap_current, R, D },
	{ 192, "virDomainRevertToSnapshot", S(X_STR, X_DOM, X_UINT), S_VOID, h_snap_revert, 0, D },
	{ 193, "virDomainSnapshotDelete", S(X_STR, X_DOM, X_UINT), S_VOID, h_snap_delete, 0, D },
	{ 194, "virDomainGetBlockInfo", S(X_DOM, X_STR, X_UINT), S(X_HYPER, X_HYPER, X_HYPER), h_dom_get_block_info, R, D },
	{ 196, "virDomainCreateWithFlags", S(X_DOM, X_UINT), S(X_DOM), h_dom_create_flags, 0, D },
	{ 197, "virDomainSetMemoryParameters", S(X_DOM, X_PARAMS, X_UINT), S_VOID, h_dom_set_memory_params, 0, D },
	{ 198, "virDomainGetMemoryParameters", S(X_DOM, X_INT, X_UINT), S(X_PARAMS, X_INT), h_dom_get_memory_params, R, D },
	{ 199, "virDomainSetVcpusFlags", S(X_DOM, X_UINT, X_UINT), S_VOID, h_dom_set_vcpus_flags, 0, D },
	{ 200, "virDomainGetVcpusFlags", S(X_DOM, X_UINT), S(X_INT), h_dom_get_vcpus_flags, R, D },
	{ 201, "virDomainOpenConsole", S(X_DOM, X_OPTSTR, X_UINT), S_VOID, h_dom_open_console, 0, D },
	{ 202, "virDomainIsUpdated", S(X_DOM), S(X_INT), h_dom_is_updated, R | HI, D },
	{ 203, "virConnectGetSysinfo", S(X_UINT), S(X_STR), h_get_sysinfo, R | HI, X },
	{ 204, "virDomainSetMemoryFlags", S(X_DOM, X_HYPER, X_UINT), S_VOID, h_dom_set_memory_flags, 0, D },
	{ 205, "virDomainSetBlkioParameters", S(X_DOM, X_PARAMS, X_UINT), S_VOID, h_dom_set_blkio_params, 0, D },
	{ 206, "virDomainGetBlkioParameters", S(X_DOM, X_INT, X_UINT), S(X_PARAMS, X_INT), h_dom_get_blkio_params, R, D },
	{ 207, "virDomainMigrateSetMaxSpeed", S(X_DOM, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 208, "virStorageVolUpload", S(X_VOL, X_HYPER, X_HYPER, X_UINT), S_VOID, h_vol_upload, 0, V },
	{ 209, "virStorageVolDownload", S(X_VOL, X_HYPER, X_HYPER, X_UINT), S_VOID, h_vol_download, 0, V },
	{ 210, "virDomainInjectNMI", S(X_DOM, X_UINT), S_VOID, h_dom_inject_nmi, 0, D },
	{ 211, "virDomainScreenshot", S(X_DOM, X_UINT, X_UINT), S(X_OPTSTR), h_dom_screenshot, 0, D },
	{ 212, "virDomainGetState", S(X_DOM, X_UINT), S(X_INT, X_INT), h_dom_get_state, R | HI, D },
	{ 219, "virDomainSetSchedulerParametersFlags", S(X_DOM, X_PARAMS, X_UINT), S_VOID, h_dom_set_sched_params, 0, D },
	{ 220, "virInterfaceChangeBegin", S(X_UINT), S_VOID, h_iface_change_begin, 0, I },
	{ 221, "virInterfaceChangeCommit", S(X_UINT), S_VOID, h_iface_change_commit, 0, I },
	{ 222, "virInterfaceChangeRollback", S(X_UINT), S_VOID, h_iface_change_rollback, 0, I },
	{ 223, "virDomainGetSchedulerParametersFlags", S(X_DOM, X_INT, X_UINT), S(X_PARAMS), h_dom_get_sched_params, R, D },
	{ 225, "virDomainPinVcpuFlags", S(X_DOM, X_UINT, X_OPAQUE, X_UINT), S_VOID, h_dom_pin_vcpu, 0, D },
	{ 226, "virDomainSendKey", S(X_DOM, X_UINT, X_UINT, X_INT_LIST, X_UINT), S_VOID, h_dom_send_key, 0, D },
	{ 227, "virNodeGetCPUStats", S(X_INT, X_INT, X_UINT), S(X_FIELD_U64_LIST, X_INT), h_node_get_cpu_stats, R | HI, X },
	{ 228, "virNodeGetMemoryStats", S(X_INT, X_INT, X_UINT), S_VOID, h_no_support, R | HI, X },
	{ 229, "virDomainGetControlInfo", S(X_DOM, X_UINT), S(X_UINT, X_UINT, X_HYPER), h_dom_get_control_info, R | HI, D },
	{ 230, "virDomainGetVcpuPinInfo", S(X_DOM, X_INT, X_INT, X_UINT), S(X_OPAQUE, X_INT), h_dom_get_vcpu_pin_info, R, D },
	{ 231, "virDomainUndefineFlags", S(X_DOM, X_UINT), S_VOID, h_dom_undefine, HI, D },
	{ 232, "virDomainSaveFlags", S(X_DOM, X_STR, X_OPTSTR, X_UINT), S_VOID, h_dom_save_flags, 0, D },
	{ 233, "virDomainRestoreFlags", S(X_STR, X_OPTSTR, X_UINT), S_VOID, h_dom_restore_flags, 0, D },
	{ 234, "virDomainDestroyFlags", S(X_DOM, X_UINT), S_VOID, h_dom_destroy, HI, D },
	{ 235, "virDomainSaveImageGetXMLDesc", S(X_STR, X_UINT), S(X_STR), h_dom_save_image_xml, R, D },
	{ 237, "virDomainBlockJobAbort", S(X_DOM, X_STR, X_UINT), S_VOID, h_no_support, 0, D },
	{ 238, "virDomainGetBlockJobInfo", S(X_DOM, X_STR, X_UINT), S_VOID, h_no_support, R, D },
	{ 239, "virDomainBlockJobSetSpeed", S(X_DOM, X_STR, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 240, "virDomainBlockPull", S(X_DOM, X_STR, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 242, "virDomainMigrateGetMaxSpeed", S(X_DOM, X_UINT), S_VOID, h_no_support, 0, D },
	{ 243, "virDomainBlockStatsFlags", S(X_DOM, X_STR, X_INT, X_UINT), S_VOID, h_no_support, R, D },
	{ 244, "virDomainSnapshotGetParent", S(X_STR, X_DOM, X_UINT), S(X_STR, X_DOM), h_snap_get_parent, R, D },
	{ 245, "virDomainReset", S(X_DOM, X_UINT), S_VOID, h_dom_reset, 0, D },
	{ 246, "virDomainSnapshotNumChildren", S(X_STR, X_DOM, X_UINT), S(X_INT), h_snap_num_children, R, D },
	{ 247, "virDomainSnapshotListChildrenNames", S(X_STR, X_DOM, X_INT, X_UINT), S(X_STR_LIST), h_snap_list_children_names, R, D },
	{ 250, "virNodeSuspendForDuration", S(X_UINT, X_HYPER, X_UINT), S_VOID, h_no_support, 0, X },
	{ 251, "virDomainBlockResize", S(X_DOM, X_STR, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 252, "virDomainSetBlockIoTune", S(X_DOM, X_STR, X_PARAMS, X_UINT), S_VOID, h_dom_set_block_io_tune, 0, D },
	{ 253, "virDomainGetBlockIoTune", S(X_DOM, X_OPTSTR, X_INT, X_UINT), S(X_PARAMS, X_INT), h_dom_get_block_io_tune, R, D },
	{ 254, "virDomainSetNumaParameters", S(X_DOM, X_PARAMS, X_UINT), S_VOID, h_dom_set_numa_params, 0, D },
	{ 255, "virDomainGetNumaParameters", S(X_DOM, X_INT, X_UINT), S(X_PARAMS, X_INT), h_dom_get_numa_params, R, D },
	{ 256, "virDomainSetInterfaceParameters", S(X_DOM, X_STR, X_PARAMS, X_UINT), S_VOID, h_dom_set_interface_params, 0, D },
	{ 257, "virDomainGetInterfaceParameters", S(X_DOM, X_STR, X_INT, X_UINT), S(X_PARAMS, X_INT), h_dom_get_interface_params, R, D },
	{ 258, "virDomainShutdownFlags", S(X_DOM, X_UINT), S_VOID, h_dom_shutdown, 0, D },
	{ 259, "virStorageVolWipePattern", S(X_VOL, X_UINT, X_UINT), S_VOID, h_vol_wipe_pattern, 0, V },
	{ 260, "virStorageVolResize", S(X_VOL, X_HYPER, X_UINT), S_VOID, h_vol_resize, 0, V },
	{ 261, "virDomainPMSuspendForDuration", S(X_DOM, X_UINT, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 262, "virDomainGetCPUStats", S(X_DOM, X_UINT, X_INT, X_UINT, X_UINT), S(X_PARAMS, X_INT),
	  h_dom_get_cpu_stats, R, D },
	{ 263, "virDomainGetDiskErrors", S(X_DOM, X_UINT, X_UINT), S(X_DISK_ERROR_LIST, X_INT), h_dom_get_disk_errors, R, D },
	{ 264, "virDomainSetMetadata", S(X_DOM, X_INT, X_OPTSTR, X_OPTSTR, X_OPTSTR, X_UINT), S_VOID, h_dom_set_metadata, 0, D },
	{ 265, "virDomainGetMetadata", S(X_DOM, X_INT, X_OPTSTR, X_UINT), S(X_STR), h_dom_get_metadata, R, D },
	{ 266, "virDomainBlockRebase", S(X_RAW), S_VOID, h_no_support, 0, D },
	{ 267, "virDomainPMWakeup", S(X_DOM, X_UINT), S_VOID, h_no_support, 0, D },
	{ 271, "virDomainSnapshotIsCurrent", S(X_STR, X_DOM, X_UINT), S(X_INT), h_snap_is_current, R, D },
	{ 272, "virDomainSnapshotHasMetadata", S(X_STR, X_DOM, X_UINT), S(X_INT), h_snap_has_metadata, R, D },
	{ 273, "virConnectListAllDomains", S(X_INT, X_UINT), S(X_DOM_LIST, X_UINT), h_list_all_domains, R | HI, D },
	{ 274, "virDomainListAllSnapshots", S(X_DOM, X_INT, X_UINT), S(X_RAW), h_snap_list_all, R, D },
	{ 275, "virDomainSnapshotListAllChildren", S(X_STR, X_DOM, X_INT, X_UINT), S(X_RAW), h_snap_list_all_children, R, D },
	{ 277, "virDomainGetHostname", S(X_DOM, X_UINT), S(X_STR), h_dom_get_hostname, R, D },
	{ 278, "virDomainGetSecurityLabelList", S(X_DOM), S_VOID, h_no_support, R, D },
	{ 279, "virDomainPinEmulator", S(X_DOM, X_OPAQUE, X_UINT), S_VOID, h_dom_pin_emulator, 0, D },
	{ 280, "virDomainGetEmulatorPinInfo", S(X_DOM, X_INT, X_UINT), S(X_OPAQUE, X_INT), h_dom_get_emulator_pin_info, R, D },
	{ 281, "virConnectListAllStoragePools", S(X_INT, X_UINT), S(X_POOL_LIST, X_UINT), h_list_all_pools, R | HI, P },
	{ 282, "virStoragePoolListAllVolumes", S(X_POOL, X_INT, X_UINT), S(X_VOL_LIST, X_UINT),
	  h_pool_list_all_volumes, R | HI, P },
	{ 283, "virConnectListAllNetworks", S(X_INT, X_UINT), S(X_NET_LIST, X_UINT), h_list_all_networks, R | HI, N },
	{ 284, "virConnectListAllInterfaces", S(X_INT, X_UINT), S(X_IFACE_LIST, X_UINT), h_list_all_ifaces, R | HI, I },
	{ 285, "virConnectListAllNodeDevices", S(X_INT, X_UINT), S(X_STR_LIST, X_UINT), h_nodedev_list_all, R | HI, ND },
	{ 286, "virConnectListAllNWFilters", S(X_INT, X_UINT), S(X_NET_LIST, X_UINT), h_nwfilter_list_all, R | HI, NF },
	{ 287, "virConnectListAllSecrets", S(X_INT, X_UINT), S(X_RAW), h_list_all_secrets, R | HI, SE },
	{ 288, "virNodeSetMemoryParameters", S(X_PARAMS, X_UINT), S_VOID, h_no_support, HI, X },
	{ 289, "virNodeGetMemoryParameters", S(X_INT, X_UINT), S_VOID, h_no_support, R | HI, X },
	{ 290, "virDomainBlockCommit", S(X_RAW), S_VOID, h_no_support, 0, D },
	{ 291, "virNetworkUpdate", S(X_NET, X_UINT, X_UINT, X_INT, X_STR, X_UINT), S_VOID, h_net_update, 0, N },
	{ 293, "virNodeGetCPUMap", S(X_INT, X_INT, X_UINT), S(X_OPAQUE, X_UINT, X_INT), h_node_get_cpu_map, R | HI, X },
	{ 294, "virDomainFSTrim", S(X_DOM, X_OPTSTR, X_HYPER, X_UINT), S_VOID, h_dom_fstrim, 0, D },
	{ 295, "virDomainSendProcessSignal", S(X_DOM, X_HYPER, X_UINT, X_UINT), S_VOID,
	  h_dom_send_process_signal, 0, D },
	{ 298, "virDomainGetJobStats", S(X_DOM, X_UINT), S(X_INT, X_PARAMS), h_dom_get_job_stats, R | HI, D },
	{ 299, "virDomainMigrateGetCompressionCache", S(X_DOM, X_UINT), S_VOID, h_no_support, R, D },
	{ 300, "virDomainMigrateSetCompressionCache", S(X_DOM, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 301, "virNodeDeviceDetachFlags", S(X_STR, X_OPTSTR, X_UINT), S_VOID, h_no_support, 0, ND },
	{ 302, "virDomainMigrateBegin3Params", S(X_DOM, X_PARAMS, X_UINT), S(X_OPAQUE, X_STR), h_dom_migrate_begin3_params, 0, D },
	{ 303, "virDomainMigratePrepare3Params", S(X_PARAMS, X_OPAQUE, X_UINT), S(X_OPAQUE, X_OPTSTR), h_dom_migrate_prepare3_params, RPC_SLOW, D },
	{ 304, "virDomainMigratePrepareTunnel3Params", S(X_PARAMS, X_OPAQUE, X_UINT), S(X_OPAQUE), h_dom_migrate_prepare_tunnel3_params, RPC_SLOW, D },
	{ 305, "virDomainMigratePerform3Params", S(X_DOM, X_OPTSTR, X_PARAMS, X_OPAQUE, X_UINT), S(X_OPAQUE), h_dom_migrate_perform3_params, RPC_SLOW, D },
	{ 306, "virDomainMigrateFinish3Params", S(X_PARAMS, X_OPAQUE, X_UINT, X_INT), S(X_DOM, X_OPAQUE), h_dom_migrate_finish3_params, RPC_SLOW, D },
	{ 307, "virDomainMigrateConfirm3Params", S(X_DOM, X_PARAMS, X_OPAQUE, X_UINT, X_INT), S_VOID, h_dom_migrate_confirm3_params, RPC_SLOW, D },
	{ 308, "virDomainSetMemoryStatsPeriod", S(X_DOM, X_INT, X_UINT), S_VOID, h_dom_set_memory_stats_period, 0, D },
	{ 309, "virDomainCreateXMLWithFiles", S(X_STR, X_UINT), S(X_DOM), h_dom_create_xml, 0, D },
	{ 310, "virDomainCreateWithFiles", S(X_DOM, X_UINT), S(X_DOM), h_dom_create_flags, 0, D },
	{ 312, "virConnectGetCPUModelNames", S(X_STR, X_INT, X_UINT), S(X_STR_LIST, X_INT), h_get_cpu_model_names, R | HI, X },
	{ 313, "virConnectNetworkEventRegisterAny", S(X_INT, X_OPTNET), S(X_INT), h_net_event_register_any, R | HI, N },
	{ 314, "virConnectNetworkEventDeregisterAny", S(X_INT), S_VOID, h_event_deregister_any, R | HI, N },
	{ 316, "virConnectDomainEventRegisterAny", S(X_INT, X_OPTDOM), S(X_INT), h_event_register_any, R | HI, D },
	{ 317, "virConnectDomainEventDeregisterAny", S(X_INT), S_VOID, h_event_deregister_any, R | HI, D },
	{ 334, "virDomainCoreDumpWithFormat", S(X_DOM, X_STR, X_UINT, X_UINT), S_VOID,
	  h_dom_core_dump_with_format, 0, D },
	{ 335, "virDomainFSFreeze", S(X_DOM, X_STR_LIST, X_UINT), S(X_INT), h_dom_fsfreeze, 0, D },
	{ 336, "virDomainFSThaw", S(X_DOM, X_STR_LIST, X_UINT), S(X_INT), h_dom_fsthaw, 0, D },
	{ 337, "virDomainGetTime", S(X_DOM, X_UINT), S(X_HYPER, X_UINT), h_dom_get_time, R, D },
	{ 338, "virDomainSetTime", S(X_DOM, X_HYPER, X_UINT, X_UINT), S_VOID, h_dom_set_time, 0, D },
	{ 340, "virNodeGetFreePages", S(X_RAW), S(X_U64_LIST), h_node_get_free_pages, R | HI, X },
	{ 341, "virNetworkGetDHCPLeases", S(X_NET, X_OPTSTR, X_INT, X_UINT), S(X_RAW), h_net_get_dhcp_leases, R, N },
	{ 342, "virConnectGetDomainCapabilities", S(X_OPTSTR, X_OPTSTR, X_OPTSTR, X_OPTSTR, X_UINT), S(X_STR), h_get_domain_capabilities, R, X },
	{ 344, "virConnectGetAllDomainStats", S(X_DOM_LIST, X_UINT, X_UINT), S(X_STATS_LIST),
	  h_get_all_domain_stats, R, D },
	{ 347, "virNodeAllocPages", S(X_RAW), S_VOID, h_no_support, 0, X },
	{ 349, "virDomainGetFSInfo", S(X_DOM, X_UINT), S(X_RAW), h_dom_get_fsinfo, 0, D },
	{ 350, "virDomainDefineXMLFlags", S(X_STR, X_UINT), S(X_DOM), h_dom_define, HI, D },
	{ 351, "virDomainGetIOThreadInfo", S(X_DOM, X_UINT), S(X_IOTHREAD_LIST, X_UINT), h_dom_get_iothread_info, R, D },
	{ 352, "virDomainPinIOThread", S(X_DOM, X_UINT, X_OPAQUE, X_UINT), S_VOID, h_dom_pin_iothread, 0, D },
	{ 353, "virDomainInterfaceAddresses", S(X_DOM, X_UINT, X_UINT), S(X_RAW), h_dom_interface_addresses, R, D },
	{ 355, "virDomainAddIOThread", S(X_DOM, X_UINT, X_UINT), S_VOID, h_dom_add_iothread, 0, D },
	{ 356, "virDomainDelIOThread", S(X_DOM, X_UINT, X_UINT), S_VOID, h_dom_del_iothread, 0, D },
	{ 357, "virDomainSetUserPassword", S(X_DOM, X_OPTSTR, X_OPTSTR, X_UINT), S_VOID, h_dom_set_user_password, 0, D },
	{ 358, "virDomainRename", S(X_DOM, X_OPTSTR, X_UINT), S(X_INT), h_dom_rename, 0, D },
	{ 364, "virDomainMigrateStartPostCopy", S(X_DOM, X_UINT), S_VOID, h_no_support, 0, D },
	{ 365, "virDomainGetPerfEvents", S(X_DOM, X_UINT), S(X_PARAMS), h_dom_get_perf_events, R, D },
	{ 366, "virDomainSetPerfEvents", S(X_DOM, X_PARAMS, X_UINT), S_VOID, h_dom_set_perf_events, 0, D },
	{ 368, "virConnectStoragePoolEventRegisterAny", S(X_INT, X_OPTPOOL), S(X_INT),
	  h_pool_event_register_any, R | HI, P },
	{ 369, "virConnectStoragePoolEventDeregisterAny", S(X_INT), S_VOID, h_event_deregister_any, R | HI, P },
	{ 371, "virDomainGetGuestVcpus", S(X_DOM, X_UINT), S_VOID, h_no_support, 0, D },
	{ 372, "virDomainSetGuestVcpus", S(X_DOM, X_STR, X_INT, X_UINT), S_VOID, h_no_support, 0, D },
	{ 380, "virConnectSecretEventRegisterAny", S(X_RAW), S(X_INT), h_secret_event_register_any, R | HI, SE },
	{ 381, "virConnectSecretEventDeregisterAny", S(X_INT), S_VOID, h_event_deregister_any, R | HI, SE },
	{ 384, "virDomainSetVcpu", S(X_DOM, X_STR, X_INT, X_UINT), S_VOID, h_no_support, 0, D },
	{ 386, "virDomainSetBlockThreshold", S(X_DOM, X_STR, X_HYPER, X_UINT), S_VOID, h_no_support, 0, D },
	{ 387, "virDomainMigrateGetMaxDowntime", S(X_DOM, X_UINT), S_VOID, h_no_support, R, D },
	{ 388, "virDomainManagedSaveGetXMLDesc", S(X_DOM, X_UINT), S_VOID, h_no_support, R, D },
	{ 389, "virDomainManagedSaveDefineXML", S(X_DOM, X_OPTSTR, X_UINT), S_VOID, h_no_support, 0, D },
	{ 390, "virDomainSetLifecycleAction", S(X_DOM, X_UINT, X_UINT, X_UINT), S_VOID, h_dom_set_lifecycle_action, 0, D },
	{ 392, "virDomainDetachDeviceAlias", S(X_DOM, X_STR, X_UINT), S_VOID, h_no_support, 0, D },
	{ 393, "virConnectCompareHypervisorCPU", S(X_RAW), S_VOID, h_no_support, R, X },
	{ 394, "virConnectBaselineHypervisorCPU", S(X_RAW), S_VOID, h_no_support, R, X },
	{ 395, "virNodeGetSEVInfo", S(X_INT, X_UINT), S_VOID, h_no_support, R, X },
	{ 396, "virDomainGetLaunchSecurityInfo", S(X_DOM, X_UINT), S(X_PARAMS), h_dom_get_launch_security_info, R, D },
	{ 401, "virConnectListAllNWFilterBindings", S(X_INT, X_UINT), S(X_RAW), h_nwfilter_bindings, R | HI, NF },
	{ 402, "virDomainSetIOThreadParams", S(X_DOM, X_UINT, X_PARAMS, X_UINT), S_VOID, h_dom_set_iothread_params, 0, D },
	{ 403, "virConnectGetStoragePoolCapabilities", S(X_UINT), S_VOID, h_no_support, R, P },
	{ 404, "virNetworkListAllPorts", S(X_NET, X_INT, X_UINT), S(X_RAW), h_net_list_all_ports, R | HI, N },
	{ 405, "virNetworkPortLookupByUUID", S(X_NET, X_UUID), S(X_RAW), h_net_port_lookup_uuid, R | HI, N },
	{ 409, "virNetworkPortGetXMLDesc", S(X_NET, X_UUID, X_UINT), S(X_STR), h_net_port_get_xml, R | HI, N },
	{ 411, "virDomainCheckpointCreateXML", S(X_DOM, X_STR, X_UINT), S(X_STR, X_DOM), h_checkpoint_create_xml, 0, D },
	{ 412, "virDomainCheckpointGetXMLDesc", S(X_STR, X_DOM, X_UINT), S(X_STR), h_checkpoint_get_xml, R, CK },
	{ 413, "virDomainListAllCheckpoints", S(X_DOM, X_INT, X_UINT), S(X_RAW), h_list_all_checkpoints, R, D },
	{ 414, "virDomainCheckpointListAllChildren", S(X_STR, X_DOM, X_INT, X_UINT), S(X_RAW),
	  h_checkpoint_list_all_children, R, CK },
	{ 415, "virDomainCheckpointLookupByName", S(X_DOM, X_STR, X_UINT), S(X_STR, X_DOM),
	  h_checkpoint_lookup_by_name, R, CK },
	{ 416, "virDomainCheckpointGetParent", S(X_STR, X_DOM, X_UINT), S(X_STR, X_DOM), h_checkpoint_get_parent, R, CK },
	{ 417, "virDomainCheckpointDelete", S(X_STR, X_DOM, X_UINT), S_VOID, h_checkpoint_delete, 0, CK },
	{ 418, "virDomainGetGuestInfo", S(X_DOM, X_UINT, X_UINT), S_VOID, h_no_support, 0, D },
	{ 420, "virDomainAgentSetResponseTimeout", S(X_DOM, X_INT, X_UINT), S_VOID, h_no_support, 0, D },
	{ 422, "virDomainBackupGetXMLDesc", S(X_DOM, X_UINT), S_VOID, h_no_support, R, D },
	{ 424, "virDomainAuthorizedSSHKeysGet", S(X_DOM, X_STR, X_UINT), S_VOID, h_no_support, 0, D },
	{ 427, "virDomainStartDirtyRateCalc", S(X_DOM, X_INT, X_UINT), S_VOID, h_no_support, 0, D },
};

const RpcProc *
rpc_procs(size_t *n)
{
	*n = G_N_ELEMENTS(procs);
	return procs;
}

static int
proc_cmp(const void *key, const void *row)
{
	int32_t k = *(const int32_t *)key, p = ((const RpcProc *)row)->proc;

	return (k > p) - (k < p);
}

const RpcProc *
rpc_proc_lookup(int32_t proc)
{
	return bsearch(&proc, procs, G_N_ELEMENTS(procs), sizeof(procs[0]), proc_cmp);
}

bool
rpc_proc_writes(const RpcProc *p)
{
	return !(p->flags & RPC_READS);
}

bool
rpc_proc_slow(const RpcProc *p)
{
	return p && (p->flags & RPC_SLOW);
}

/* errno -> libvirt error code and the prefix libvirt prints for it. */
static void
errno_to_virt(int e, HvObjKind obj, int *code, const char **prefix)
{
	static const struct {
		int code;
		const char *prefix;
	} missing[] = {
		[HV_OBJ_NODE] = { VIR_ERR_OPERATION_FAILED, "operation failed: " },
		[HV_OBJ_DOMAIN] = { VIR_ERR_NO_DOMAIN, "Domain not found: " },
		[HV_OBJ_NETWORK] = { VIR_ERR_NO_NETWORK, "Network not found: " },
		[HV_OBJ_POOL] = { VIR_ERR_NO_STORAGE_POOL, "Storage pool not found: " },
		[HV_OBJ_VOLUME] = { VIR_ERR_NO_STORAGE_VOL, "Storage volume not found: " },
		[RPC_OBJ_IFACE] = { VIR_ERR_NO_INTERFACE, "Interface not found: " },
		[HV_OBJ_SECRET] = { VIR_ERR_NO_SECRET, "Secret not found: " },
		[RPC_OBJ_NODEDEV] = { VIR_ERR_NO_NODE_DEVICE, "Node device not found: " },
		[RPC_OBJ_NWFILTER] = { 62 /* VIR_ERR_NO_NWFILTER */, "Network filter not found: " },
		[RPC_OBJ_CHECKPOINT] = { 103 /* VIR_ERR_NO_DOMAIN_CHECKPOINT */,
					 "Domain checkpoint not found: " },
	};

	/* errno -> libvirt's code and prefix; EINVAL and others below */
	static const struct {
		int e, code;
		const char *prefix;
	} codes[] = {
		{ ENOTSUP, VIR_ERR_NO_SUPPORT, "this function is not supported by the connection driver: " },
		{ EROFS, VIR_ERR_OPERATION_DENIED, "operation forbidden: " },
		{ EACCES, VIR_ERR_OPERATION_DENIED, "operation forbidden: " },
		{ EPERM, VIR_ERR_OPERATION_DENIED, "operation forbidden: " },
		/* a document a driver could not read: libvirt's XML error */
		{ EBADMSG, 27 /* VIR_ERR_XML_ERROR */, "XML error: " },
		/* a setting outside what its object allows: libvirt's config refusal */
		{ EDOM, 67 /* VIR_ERR_CONFIG_UNSUPPORTED */, "unsupported configuration: " },
		/* libvirt's "operation unsupported" (not the driver's lack) */
		{ EPROTONOSUPPORT, 84 /* VIR_ERR_OPERATION_UNSUPPORTED */, "Operation not supported: " },
		/* a parameter the call does not take (virTypedParamsValidate) */
		{ ENOPROTOOPT, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, "argument unsupported: " },
		/* what libvirt's drivers report as internal errors */
		{ EPROTO, VIR_ERR_INTERNAL_ERROR, "internal error: " },
		/* a failure libvirt's driver reports no error for (virErrorGenericFailure) */
		{ ENOMSG, VIR_ERR_INTERNAL_ERROR, "An error occurred, but the cause is unknown: " },
		/* an aborted job: libvirt's "migration out job: canceled by client" */
		{ ECANCELED, 78 /* VIR_ERR_OPERATION_ABORTED */, "operation aborted: " },
		{ ENODATA, 80 /* VIR_ERR_NO_DOMAIN_METADATA */, "metadata not found: " },
		{ EINVAL, VIR_ERR_INVALID_ARG, "invalid argument: " },
		{ ERANGE, VIR_ERR_INVALID_ARG, "invalid argument: " },
		{ EBUSY, VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: " },
		{ EEXIST, VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: " },
		{ EALREADY, VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: " },
		{ EAGAIN, VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: " },
		{ EISCONN, VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: " },
	};

	if (obj == HV_OBJ_SECRET && (e == EPERM || e == ENOKEY)) {
		/* a private value, or none yet: libvirt's VIR_ERR_INVALID_SECRET and
		 * VIR_ERR_NO_SECRET */
		*code = e == EPERM ? VIR_ERR_INVALID_SECRET : VIR_ERR_NO_SECRET;
		*prefix = e == EPERM ? "Invalid secret: " : "Secret not found: ";
		return;
	}
	if (e == ENOENT) {
		*code = missing[obj].code;
		*prefix = missing[obj].prefix;
		return;
	}
	*code = VIR_ERR_OPERATION_FAILED;
	*prefix = "operation failed: ";
	for (size_t k = 0; k < G_N_ELEMENTS(codes); k++)
		if (codes[k].e == e) {
			*code = codes[k].code;
			*prefix = codes[k].prefix;
			return;
		}
}

void
rpc_reply_error(GByteArray *out, const RpcHeader *h, int code, const char *msg)
{
	RpcHeader rh = *h;
	RpcError e = { .code = code, .domain = VIR_FROM_REMOTE, .level = VIR_ERR_ERROR,
		       .message = (char *)msg };
	size_t start;

	rh.type = RPC_REPLY;
	rh.status = RPC_ERROR;
	start = rpc_frame_begin(out, &rh);
	rpc_error_encode(out, &e);
	rpc_frame_end(out, start);
}

static void
reply_errno(GByteArray *out, const RpcHeader *h, const RpcProc *p, int rc, const GError *err)
{
	g_autofree char *msg = NULL;
	const char *prefix;
	int code;

	errno_to_virt(-rc, p->obj, &code, &prefix);
	if (rc == -ENOTSUP && err && strstr(err->message, " is not supported by driver '"))
		/* the checkpoint's refusal: libvirt names the API (virReportUnsupportedError) */
		msg = g_strconcat(prefix, p->name, NULL);
	else if (rc == -EINVAL && err && (g_str_has_prefix(err->message, "unsupported flags (") ||
					  g_str_has_prefix(err->message, "Flags 'VIR_")))
		msg = g_strdup(err->message); /* virCheckFlags, virReportInvalidArg say it bare */
	else if (rc == -ENOMSG || (err && !*err->message)) /* libvirt's error with no detail */
		msg = g_strndup(prefix, strlen(prefix) - 2);
	else
		msg = g_strconcat(prefix, err ? err->message : g_strerror(-rc), NULL);
	rpc_reply_error(out, h, code, msg);
}

/* libvirt's answer to a write on a read-only connection. */
static int
refuse_readonly(const RpcProc *p, GError **err)
{
	return hv_error_set(err, EROFS, "read only access prevents %s", p->name);
}

char *
rpc_log_text(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; s && *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			g_string_append_printf(out, "\\x%02x", (unsigned char)*s);
		else
			g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

/* What a write touched, for the audit line: the first object of the
 * arguments (or of the reply, for a define), names escaped. */
static char *
call_target(const RpcProc *p, const RpcMsg *a, const RpcMsg *r)
{
	static const struct {
		XField f;
		const char *kind;
	} objs[] = { { X_DOM, "domain" }, { X_NET, "network" }, { X_POOL, "pool" },
		     { X_VOL, "volume" } };

	for (int pass = 0; pass < 2; pass++) {
		const XField *shape = pass ? p->ret : p->args;
		const RpcMsg *m = pass ? r : a;

		for (const XField *f = shape; m && *f != X_END; f++)
			for (size_t k = 0; k < G_N_ELEMENTS(objs); k++) {
				const char *name = objs[k].f == X_DOM ? m->dom.name
						 : objs[k].f == X_NET ? m->net.name
						 : objs[k].f == X_POOL ? m->pool.name : m->vol.name;
				g_autofree char *e = NULL, *ep = NULL;

				if (*f != objs[k].f || !name)
					continue;
				e = rpc_log_text(name);
				if (objs[k].f != X_VOL)
					return g_strdup_printf("%s '%s'", objs[k].kind, e);
				ep = rpc_log_text(m->vol.pool);
				return g_strdup_printf("volume '%s/%s'", ep, e);
			}
	}
	return g_strdup("the node");
}

static void
audit(RpcClientCtx *c, const RpcProc *p, const RpcMsg *a, const RpcMsg *r, int rc,
      const GError *err)
{
	g_autofree char *target = NULL;

	if (!c->audit || !rpc_proc_writes(p))
		return;
	target = call_target(p, a, r);
	c->audit(c, p, target, rc, err);
}

void
rpc_dispatch(RpcClientCtx *c, const RpcHeader *h, const uint8_t *body, size_t len,
	     GByteArray *out)
{
	const RpcProc *p = rpc_proc_lookup(h->proc);
	g_autoptr(GError) err = NULL;
	g_autofree char *msg = NULL;
	RpcMsg args = { 0 }, ret = { 0 };
	RpcHeader rh = *h;
	XdrIn in;
	size_t start;
	int rc;

	if (!p) {
		msg = g_strdup_printf("this function is not supported by the connection driver: "
				      "unknown procedure: %d", h->proc);
		rpc_reply_error(out, h, VIR_ERR_NO_SUPPORT, msg);
		return;
	}
	if (!(p->flags & RPC_NO_CONN) && !c->conn) {
		rpc_reply_error(out, h, VIR_ERR_INTERNAL_ERROR, "internal error: connection not open");
		return;
	}
	xdr_in_init(&in, body, len);
	/* refused whatever the arguments are (decoded only to say what it was) */
	if (rpc_proc_writes(p) && c->readonly) {
		rc = refuse_readonly(p, &err);
		reply_errno(out, h, p, rc, err);
		if (rpc_msg_decode(p->args, &in, &args) < 0)
			rpc_msg_clear(&args);
		audit(c, p, &args, NULL, rc, err);
		rpc_msg_clear(&args);
		return;
	}
	if (rpc_msg_decode(p->args, &in, &args) < 0) {
		msg = g_strdup_printf("cannot decode the arguments of %s", p->name);
		rpc_reply_error(out, h, VIR_ERR_RPC, msg);
		rpc_msg_clear(&args);
		return;
	}
	c->call_proc = h->proc;
	c->call_serial = h->serial;
	rc = p->handler(c, &args, &ret, &err);
	if (rc == -EROFS && c->readonly) { /* the driver checkpoint refused it: the same answer */
		g_clear_error(&err);
		refuse_readonly(p, &err);
	}
	if (rc < 0) {
		reply_errno(out, h, p, rc, err);
	} else {
		rh.type = RPC_REPLY;
		rh.status = RPC_OK;
		start = rpc_frame_begin(out, &rh);
		rpc_msg_encode(p->ret, &ret, out);
		if (rpc_frame_end(out, start) < 0) {
			msg = g_strdup_printf("the reply of %s exceeds %u bytes", p->name, RPC_MAX_FRAME);
			rpc_reply_error(out, h, VIR_ERR_RPC, msg);
		}
	}
	audit(c, p, &args, &ret, rc, err);
	rpc_msg_clear(&args);
	rpc_msg_clear(&ret);
}
