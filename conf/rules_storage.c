/* rules_storage.c: libvirt's normalisation of <pool> and <volume> documents as
 * tables (rules.h). Pool rows come from virStoragePoolDefParseXML,
 * virStoragePoolDefParseSource, virStoragePoolSourceFormat and the
 * per-type options table poolTypeInfo (which source children a type has),
 * volume rows from virStorageVolDefParseXML and virStorageVolDefFormat, all in
 * src/conf/storage_conf.c at v4.0.0. */
#include "conf/rules.h"

/* a scsi_host adapter's PCI parent (virStorageAdapterParseXMLSCSIHost) */
#define PARENTADDR "pool/source/adapter/parentaddr/address"

#define SRC_FORMAT "virStoragePoolSourceFormat"
#define SRC_PARSE "virStoragePoolDefParseSource"
#define POOL_FORMAT "virStoragePoolDefFormatBuf"
#define VOL_PARSE "virStorageVolDefParseXML"
#define VOL_FORMAT "virStorageVolDefFormat"
#define TGT_FORMAT "virStorageVolTargetDefFormat"
#define ALWAYS "auth|vendor|product"

/* The checks virStoragePoolDefParseXML and virStorageAdapterParseValidate
 * (storage_adapter_conf.c) make beyond the grammar. */
const HvXmlCheck hv_pool_checks[] = {
	{ "pool/source/adapter", "@type!=|fc_host|scsi_host", "unknown adapter type",
	  "virStorageAdapterParseXML" },
	{ "pool/source/adapter", "@type=scsi_host @name!= +parentaddr",
	  "a scsi_host adapter takes a name or a <parentaddr>, not both",
	  "virStorageAdapterParseValidateSCSIHost" },
	{ "pool/source/adapter", "@type=scsi_host @name= -parentaddr",
	  "a scsi_host adapter needs a name or a <parentaddr>",
	  "virStorageAdapterParseValidateSCSIHost" },
	/* virStorageAdapterParseXMLLegacy: without type= an adapter is a
	 * scsi_host named by name=, and nothing else */
	{ "pool/source/adapter", "@type= @wwnn!=", "wwnn= needs the adapter's type=",
	  "virStorageAdapterParseXMLLegacy" },
	{ "pool/source/adapter", "@type= @wwpn!=", "wwpn= needs the adapter's type=",
	  "virStorageAdapterParseXMLLegacy" },
	{ "pool/source/adapter", "@type= @parent!=", "parent= needs the adapter's type=",
	  "virStorageAdapterParseXMLLegacy" },
	{ "pool/source/adapter", "@type= +parentaddr", "<parentaddr> needs the adapter's type=",
	  "virStorageAdapterParseXMLLegacy" },
	{ "pool/source/adapter", "@type= @name=", "missing storage pool source adapter",
	  "virStorageAdapterValidate" },
	{ "pool/source/adapter", "@type=fc_host @parent_wwnn!= @parent_wwpn=",
	  "an fc_host adapter's parent_wwnn needs a parent_wwpn", "virStorageAdapterParseValidateFCHost" },
	{ "pool/source/adapter", "@type=fc_host @parent_wwnn= @parent_wwpn!=",
	  "an fc_host adapter's parent_wwpn needs a parent_wwnn", "virStorageAdapterParseValidateFCHost" },
	{ "pool", "@type=netfs|iscsi|rbd|sheepdog|gluster /source-host",
	  "this pool type needs a source <host>", "virStoragePoolDefParseXML" },
	{ "pool", "@type=netfs /source-dir", "a netfs pool needs a source <dir>",
	  "virStoragePoolDefParseXML" },
	{ "pool", "@type=fs|disk /source-device", "this pool type needs a source <device>",
	  "virStoragePoolDefParseXML" },
	{ "pool", "@type=rbd /source-name", "an rbd pool needs a source <name>",
	  "virStoragePoolDefParseSource" },
	{ "pool", "@type=disk|iscsi|scsi|mpath|vstorage /target-path",
	  "missing storage pool target path", "virStoragePoolDefParseXML" },
	{ "pool/source/device", "@part_separator!=|yes|no", "invalid part_separator setting",
	  SRC_PARSE },
	{ "pool/source/adapter", "@managed!=|yes|no|default", "unknown fc_host managed setting",
	  "virStorageAdapterParseXMLFCHost" },
	/* poolTypeInfo[].poolOptions.formatFromString: the format enums (fs also takes
	 * btrfs, which libvirt lacks: hyperfs's fs backend makes and mounts it) */
	{ "pool/source/format", "/@type=fs @type!=|auto|ext2|ext3|ext4|ufs|iso9660|udf|gfs|gfs2|vfat|hfs+|xfs|ocfs2|btrfs",
	  "unknown pool format type", "virStoragePoolFormatFileSystemTypeFromString" },
	{ "pool/source/format", "/@type=netfs @type!=|auto|nfs|glusterfs|cifs",
	  "unknown pool format type", "virStoragePoolFormatFileSystemNetTypeFromString" },
	{ "pool/source/format", "/@type=disk @type!=|unknown|dos|dvh|gpt|mac|bsd|pc98|sun|lvm2",
	  "unknown pool format type", "virStoragePoolFormatDiskTypeFromString" },
	{ "pool/source/format", "/@type=logical @type!=|unknown|lvm2",
	  "unknown pool format type", "virStoragePoolFormatLogicalTypeFromString" },
};
const size_t hv_pool_checks_len = G_N_ELEMENTS(hv_pool_checks);

const HvXmlRule hv_pool_rules[] = {
	/* poolTypeInfo[].poolOptions.flags: the source children each type has */
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, ALWAYS, "/@type=dir",
	  SRC_FORMAT ": dir has no source flags" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "device|format|" ALWAYS, "/@type=fs|disk",
	  SRC_FORMAT ": fs, disk: DEVICE and a format" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "host|dir|format|" ALWAYS, "/@type=netfs",
	  SRC_FORMAT ": netfs: HOST, DIR and a format" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "device|name|format|" ALWAYS, "/@type=logical",
	  SRC_FORMAT ": logical: NAME, DEVICE and a format" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "host|device|initiator|" ALWAYS,
	  "/@type=iscsi", SRC_FORMAT ": iscsi: HOST, DEVICE, INITIATOR_IQN" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "adapter|" ALWAYS, "/@type=scsi",
	  SRC_FORMAT ": scsi: ADAPTER" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, ALWAYS, "/@type=mpath",
	  SRC_FORMAT ": mpath has no source flags" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "host|name|" ALWAYS, "/@type=rbd|sheepdog",
	  SRC_FORMAT ": rbd, sheepdog: HOST, NAME (NETWORK)" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "host|name|dir|" ALWAYS, "/@type=gluster",
	  SRC_FORMAT ": gluster: HOST, NAME, DIR (NETWORK)" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "device|name|" ALWAYS, "/@type=zfs",
	  SRC_FORMAT ": zfs: NAME, DEVICE" },
	{ "pool/source", HV_RULE_KEEP_CHILDREN, NULL, "name|" ALWAYS, "/@type=vstorage",
	  SRC_FORMAT ": vstorage: NAME" },
	{ "pool/source/device", HV_RULE_KEEP_CHILDREN, NULL, "", NULL,
	  SRC_PARSE ": only path= and part_separator= are read (freeExtent is output only)" },
	{ "pool/source/host", HV_RULE_UINT_ATTR, "port", NULL, NULL, SRC_FORMAT ": port='%d'" },
	{ "pool/source/host", HV_RULE_DROP_ATTR, "port", "0", NULL, SRC_FORMAT ": port 0 is unset" },
	{ "pool/source", HV_RULE_ADD_CHILD, "dir", "path=/", "/@type=gluster",
	  SRC_PARSE ": a gluster pool's dir defaults to /" },
	{ "pool/source/adapter", HV_RULE_KEEP_CHILDREN, NULL, "", "@type=fc_host",
	  "virStorageAdapterFormatFCHost: all attributes" },
	{ "pool/source/adapter", HV_RULE_DROP_ATTR, "parent", NULL, "@type=scsi_host",
	  "virStorageAdapterFormatSCSIHost: only name= or <parentaddr>" },
	{ "pool/source/adapter", HV_RULE_DROP_ATTR, "wwnn", NULL, "@type=scsi_host",
	  "virStorageAdapterFormatSCSIHost: only name= or <parentaddr>" },
	{ "pool/source/adapter", HV_RULE_DROP_ATTR, "wwpn", NULL, "@type=scsi_host",
	  "virStorageAdapterFormatSCSIHost: only name= or <parentaddr>" },
	{ "pool/source/adapter", HV_RULE_DROP_ATTR, "name", NULL, "@type=fc_host",
	  "virStorageAdapterFormatFCHost: no name=" },
	{ "pool/source/adapter", HV_RULE_DROP_ATTR, "managed", "default", "@type=fc_host",
	  "virStorageAdapterFormatFCHost: managed= only when yes or no" },
	{ PARENTADDR, HV_RULE_PCI_FULL, NULL, "domain|bus|slot|function", NULL,
	  "virPCIDeviceAddressParseXML, virPCIDeviceAddressFormat: every field written" },
	{ "pool/source/auth", HV_RULE_ATTR_ORDER, NULL, "type|username", NULL, "virStorageAuthDefFormat" },
	{ "pool/source/adapter", HV_RULE_ATTR_ORDER, NULL,
	  "type|name|parent|parent_wwnn|parent_wwpn|parent_fabric_wwn|managed|wwnn|wwpn", NULL,
	  "virStorageAdapterFormat" },
	{ "pool/target", HV_RULE_DROP_SELF, NULL, NULL, "/@type=rbd|sheepdog|gluster",
	  POOL_FORMAT ": network pools have no target" },
	{ "pool/target", HV_RULE_KEEP_CHILDREN, NULL, "path|permissions", NULL,
	  POOL_FORMAT ": <target> is a path and permissions" },
};
const size_t hv_pool_rules_len = G_N_ELEMENTS(hv_pool_rules);

const HvXmlRule hv_volume_rules[] = {
	{ "volume", HV_RULE_ADD_ATTR, "type", "file", NULL,
	  VOL_PARSE ": type= defaults to file (0 of virStorageVolType)" },
	{ "volume/source", HV_RULE_KEEP_CHILDREN, NULL, "", NULL,
	  VOL_FORMAT ": extents are the backend's; none are read" },
	{ "volume", HV_RULE_DROP_CHILD, "physical", NULL, NULL,
	  VOL_FORMAT ": <physical> is display only, never read" },
	{ "volume/target", HV_RULE_KEEP_CHILDREN, NULL,
	  "path|format|permissions|encryption|compat|features", NULL,
	  TGT_FORMAT ": timestamps are never read, nocow is read but not written" },
	{ "volume/target/features", HV_RULE_KEEP_CHILDREN, NULL, "lazy_refcounts", NULL,
	  TGT_FORMAT ": the features of virStorageFileFeature" },
	{ "volume/backingStore", HV_RULE_KEEP_CHILDREN, NULL, "path|format|permissions", NULL,
	  VOL_PARSE ": path (the grammar requires it), format and permissions" },
};
const size_t hv_volume_rules_len = G_N_ELEMENTS(hv_volume_rules);

/* <permissions> of a pool's target and of a volume's target and backing
 * store, applied after each kind's own rows */
const HvXmlRule hv_perms_rules[] = {
	{ "pool|volume/target|backingStore/permissions", HV_RULE_KEEP_CHILDREN, NULL, "mode|owner|group|label",
	  NULL, "virStorageDefParsePerms" },
	{ "pool|volume/target|backingStore/permissions", HV_RULE_DROP_EMPTY, NULL, NULL, NULL,
	  POOL_FORMAT ", " TGT_FORMAT ": no permissions are given, none are written" },
};
const size_t hv_perms_rules_len = G_N_ELEMENTS(hv_perms_rules);
