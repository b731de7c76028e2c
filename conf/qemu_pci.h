/* qemu_pci.h: the PCI address set of the QEMU driver's address assignment
 * (src/conf/domain_addr.c at v4.0.0): connect flags, the bus models and
 * what each accepts, the set of buses with their used functions, and which
 * devices plug into PCI and how (qemu_pci_bus.c), shared with the pass over
 * the devices (qemu_pci.c). Internal to conf/. */
#pragma once
#include "conf/qemu_priv.h"

/* virDomainPCIConnectFlags */
enum {
	F_HOTPLUG = 1 << 0,
	F_PCI = 1 << 1,
	F_PCIE = 1 << 2,
	F_ROOT_PORT = 1 << 3,
	F_SW_UP = 1 << 4,
	F_SW_DOWN = 1 << 5,
	F_DMI = 1 << 6,
	F_PXB = 1 << 7,
	F_PXB_PCIE = 1 << 8,
	F_BRIDGE = 1 << 9,
	F_AGGREGATE = 1 << 10,
	F_TYPES = F_PCI | F_PCIE | F_ROOT_PORT | F_SW_UP | F_SW_DOWN | F_DMI | F_PXB | F_PXB_PCIE |
		  F_BRIDGE,
};
#define PCI_FLAGS (F_PCI | F_HOTPLUG)

/* a PCI controller model as a bus: what plugs in downstream (bus_flags,
 * min_slot..max_slot), how it plugs in upstream (connect), its <model name=> */
typedef struct {
	const char *model;
	unsigned bus_flags;
	int min_slot, max_slot;
	unsigned connect;
	const char *name;
} HvPciBusModel;

extern const HvPciBusModel hv_pci_bus_models[];
extern const size_t hv_pci_bus_models_len;

typedef struct {
	int model; /* row of hv_pci_bus_models */
	guint8 functions[32];
	bool aggregate[32];
} Bus;

typedef struct {
	GArray *buses; /* Bus */
	bool dry;
	bool multi_root; /* pSeries: more PHBs (pci-root) instead of bridges */
	GError *error; /* the first address used twice, or a fixed one elsewhere */
} AddrSet;

typedef struct {
	unsigned bus, slot, function;
	unsigned domain; /* 0, the only one QEMU has (read from config) */
} PciAddr;

typedef struct {
	unsigned pci, pcie, virtio;
} Flavours;

/* The row of hv_pci_bus_models for a model= value, or -1. */
int hv_pci_bus_model(const char *model);
Bus *hv_pci_bus_at(AddrSet *s, unsigned i);
void hv_pci_add_buses(AddrSet *s, int model, unsigned n);
bool hv_pci_slot_in_use(AddrSet *s, PciAddr a);
/* Marks a function used (a dry run adds the buses it needs first); a
 * function used twice is the set's error. */
void hv_pci_reserve(AddrSet *s, PciAddr a, unsigned flags);
/* virDomainPCIAddressValidate for an address from the configuration: a
 * bus that exists, accepts the device's connection and has that slot;
 * else the set's error. */
void hv_pci_validate_config(AddrSet *s, PciAddr a, unsigned flags);
/* The first completely free slot a device with those flags fits (function
 * -1: any), reserved; false when there is none (a dry run adds buses). */
bool hv_pci_reserve_next(AddrSet *s, unsigned flags, int function, PciAddr *out);
/* How a device plugs into PCI (0: it does not). */
unsigned hv_pci_kind_flags(xmlNode *d, const Flavours *f);
/* A device's <address type='pci'>, whether it has a non-empty one (and
 * which), whether it wants one, and setting it. */
xmlNode *hv_pci_pci_address(xmlNode *dev);
bool hv_pci_addr_present(xmlNode *dev, PciAddr *out);
bool hv_pci_addr_wanted(xmlNode *dev);
void hv_pci_set_addr(xmlNode *dev, PciAddr a, const char *multi);
