/* driver_extra.h: small types of the driver API (driver.h includes it): a
 * guest's mounted file systems, the requests a running guest takes, and the
 * flags a driver refuses where libvirt's driver of its kind does. */
#pragma once
#include <glib.h>

/* One file system a guest has mounted (libvirt's virDomainFSInfo). */
typedef struct {
	char *mountpoint;
	char *name;     /* the guest's device: vda1 */
	char *fstype;
	GStrv devices;  /* the disks under it, by target: vda */
} HvDomainFsInfo;

void hv_domain_fsinfo_free(HvDomainFsInfo *f);

/* Requests to a running guest that change nothing a file shows (libvirt's
 * virDomainSendKey, InjectNMI, SetTime, SetUserPassword, FSFreeze, FSThaw,
 * FSTrim): HvDomainOps.guest_request. */
typedef enum {
	HV_GUEST_SEND_KEY,
	HV_GUEST_INJECT_NMI,
	HV_GUEST_SET_TIME,
	HV_GUEST_SET_PASSWORD,
	HV_GUEST_FS_FREEZE,
	HV_GUEST_FS_THAW,
	HV_GUEST_FS_TRIM,
} HvGuestRequest;

/* The flags of a libvirt API that a driver takes, where libvirt's driver of
 * the same kind refuses the others (hyperfsd answers "unsupported flags (0x4)
 * in function testDomainGetXMLDesc", rpc_check_flags). A table ends with a
 * NULL api. */
typedef struct {
	const char *api;      /* "virDomainGetXMLDesc" */
	unsigned accepted;
	const char *function; /* libvirt's driver function that refuses them */
} HvFlagRule;
