/* rules.h: libvirt's normalisation rules as data. A row names an element by
 * its path from the root, what libvirt's parser or formatter does to it (an
 * attribute default added or dropped, a value re-cased, a child filled in or
 * ignored), an optional condition and the libvirt function the rule comes
 * from, so a reviewer can hold each row against libvirt's code. The tables
 * are per kind (rules_network.c, rules_storage.c, rules_domain.c) and are
 * listed in docs/xml.md. Internal to conf/. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <libxml/tree.h>

typedef enum {
	HV_RULE_DROP_ATTR,     /* remove attribute name; with value, only when it is one of value */
	HV_RULE_ADD_ATTR,      /* name=value when the attribute is absent */
	HV_RULE_SET_ATTR,      /* name=value, replacing what was there */
	HV_RULE_LOWER_ATTR,    /* the attribute's value in lower case */
	HV_RULE_YESNO_ATTR,    /* 'yes' (any case) becomes yes, anything else no */
	HV_RULE_IP_ATTR,       /* an IP address in inet_ntop's form (2001:DB8::0:1 -> 2001:db8::1) */
	HV_RULE_UINT_ATTR,     /* a decimal number written as %llu (007 -> 7) */
	HV_RULE_DROP_CHILD,    /* remove every child element called name */
	HV_RULE_ADD_CHILD,     /* child name created (at the end) when missing; value "a=v" sets
				* attribute a, "#text" its text */
	HV_RULE_KIB_TEXT,      /* a size in the text with unit=: written in KiB, rounded up */
	HV_RULE_KIB_ATTR,      /* a size in attribute name with unit=: likewise (value, when
				* given, names the unit attribute instead: units=) */
	HV_RULE_KEEP_CHILDREN, /* remove the child elements not listed in value ("a|b|c") */
	HV_RULE_ATTR_ORDER,    /* the attributes listed in value ("a|b|c") first, in that order */
	HV_RULE_DROP_EMPTY,    /* remove the element when it has no attribute, child or text */
	HV_RULE_DROP_SELF,     /* remove the element (the condition says when) */
	HV_RULE_NUM_ATTR,      /* a number read in base B and written in style S, value "B:S":
				* B is 0 (C rules: 0x hex, 0 octal), 10 or 16; S is d (%u),
				* x (0x%x), x1, x2, x4 (0x%.Nx) or X2, X4 (0x%.NX);
				* unreadable values stay */
	HV_RULE_CHILD_ORDER,   /* the child elements in the order value ("a|b|c") lists, others
				* after them in their order */
	HV_RULE_USBVER_ATTR,   /* a USB version JJ.MM: a one-digit minor is tenths (2.1 is
				* 2.10), written %d.%02d; unreadable values stay */
	HV_RULE_PCI_NUM,       /* a PCI address's domain, bus, slot and function read in any C
				* base and written 0x%.4x, 0x%.2x, 0x%.2x, 0x%x */
	HV_RULE_PCI_FULL,      /* HV_RULE_PCI_NUM, and every field written (0 when absent), the
				* attributes in the order value lists ("type|domain|...") */
	HV_RULE_POW2_ATTR,     /* a decimal number rounded up to a power of two (10000 ->
				* 16384, VIR_ROUND_UP_POWER_OF_TWO); 0 and unreadable values stay */
	HV_RULE_ADD_TEXT,      /* the element's text is value when it has none */
} HvRuleOp;

/* when: NULL (always) or space-separated terms, all of which must hold. A term
 * is a target then a test. Target: nothing (the element), ^ (its parent; ^^
 * its grandparent, and so on; ^A/B the element at that path of first
 * children under it, ^driver a sibling), /
 * (the root), /A/B (the element at that path of first children under the
 * root) or A/B (that path under the element itself). Test: @ATTR=V1|V2 (an absent attribute, or target, reads as the
 * empty string, so @a= means "absent"), @ATTR!=V1|V2, @ATTR^=P1|P2 (begins with one
 * of them; @ATTR!^=P1|P2 with none), #=V1|V2 (the text; #!=V1|V2),
 * +CHILD (has such a child), ++CHILD (two or more) or -CHILD (has none). */
typedef struct {
	const char *path; /* element names from the root, '/'-separated; '*' is any
			   * one element, '**' any number of levels, 'a|b' either */
	HvRuleOp op;
	const char *name;
	const char *value;
	const char *when;
	const char *origin; /* the libvirt v4.0.0 function the rule comes from */
} HvXmlRule;

/* A semantic check as data: the document is refused when an element at path
 * satisfies when (same language as above). */
typedef struct {
	const char *path;
	const char *when;
	const char *message; /* what is wrong, after "KIND 'NAME': " */
	const char *origin;
} HvXmlCheck;

/* A check of the QEMU driver's (qemuDomainDefValidate, qemuDomainDeviceDefValidate
 * and their helpers in src/qemu/qemu_domain.c), run on the post-parsed copy,
 * for the guests guest names: '|'-separated machine kinds (i440fx, q35,
 * isapc, virt, pseries, s390-ccw), =NAME (that machine= exactly), arches, or
 * x86 (i686, x86_64) and s390 (s390, s390x); NULL is every guest, and a
 * leading '!' every guest but those. */
typedef struct {
	const char *guest;
	const char *path;
	const char *when;
	const char *message;
	const char *origin;
} HvQemuCheck;

extern const HvQemuCheck hv_qemu_checks[];
extern const size_t hv_qemu_checks_len;

/* The first element at check's path for which its condition holds, or NULL. */
xmlNode *hv_xml_check_hit(xmlNode *root, const HvXmlCheck *check);
/* The first check that fails, as -EINVAL with "what 'name': message (line N)". */
int hv_xml_run_checks(xmlNode *root, const HvXmlCheck *checks, size_t n, const char *what,
		      const char *name, GError **err);

/* Applies rules in order to every element each row's path names. */
void hv_xml_apply_rules(xmlNode *root, const HvXmlRule *rules, size_t n);
/* Whether when holds for el (exposed for the unit tests). */
bool hv_rule_when(xmlNode *el, const char *when);

/* The tables, one per kind. */
extern const HvXmlCheck hv_network_checks[];
extern const size_t hv_network_checks_len;
extern const HvXmlRule hv_network_rules[];
extern const size_t hv_network_rules_len;
extern const HvXmlCheck hv_pool_checks[];
extern const size_t hv_pool_checks_len;
extern const HvXmlRule hv_pool_rules[];
extern const size_t hv_pool_rules_len;
extern const HvXmlRule hv_volume_rules[];
extern const size_t hv_volume_rules_len;
extern const HvXmlRule hv_perms_rules[];
extern const size_t hv_perms_rules_len;
extern const HvXmlCheck hv_domain_checks[];
extern const size_t hv_domain_checks_len;
extern const HvXmlRule hv_domain_rules[];
extern const size_t hv_domain_rules_len;
extern const HvXmlRule hv_device_rules[];
extern const size_t hv_device_rules_len;
/* rules_inactive.c: what an inactive parse and an inactive format leave out. */
extern const HvXmlRule hv_domain_parse_inactive_rules[];
extern const size_t hv_domain_parse_inactive_rules_len;
extern const HvXmlRule hv_domain_format_inactive_rules[];
extern const size_t hv_domain_format_inactive_rules_len;
