/* conf_util.h: small helpers shared by the conf/ parsers and formatters:
 * element/attribute lookup, scaled sizes with unit=, UUIDs, names, paths and
 * string <-> enum tables. Internal to conf/. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <glib.h>
#include <libxml/tree.h>
#include "util/error.h"
#include "util/names.h"


/* First element child called name (any namespace-less element), or NULL. */
xmlNode *hv_xml_child(xmlNode *n, const char *name);
/* Next element sibling with the same name as n, or NULL. */
xmlNode *hv_xml_next_named(xmlNode *n);
/* Borrowed-free copies: attribute or text, g_free'd by the caller, NULL if absent. */
char *hv_xml_prop(xmlNode *n, const char *name);
char *hv_xml_text(xmlNode *n);
char *hv_xml_child_text(xmlNode *n, const char *child);
char *hv_xml_child_prop(xmlNode *n, const char *child, const char *attr);
/* Returns the element at a '/'-separated path of child names, or NULL. */
xmlNode *hv_xml_path(xmlNode *n, const char *path);
/* Creates missing elements on the path (appended at the end). */
xmlNode *hv_xml_path_ensure(xmlNode *n, const char *path);
/* Sets (value non-NULL) or removes (NULL) an attribute. */
void hv_xml_set_prop(xmlNode *n, const char *name, const char *value);
/* Sets an attribute to a number in decimal. */
void hv_xml_set_num(xmlNode *n, const char *name, long value);
void hv_xml_set_text(xmlNode *n, const char *text);
/* Moves attribute name to be the first/after another so output order is stable. */
void hv_xml_prop_to_front(xmlNode *n, const char *name);

/* Parses "N" with unit= (libvirt's units, case-insensitive: b, bytes, k, KiB,
 * KB, M, MiB, MB, ... E) into bytes. default_scale applies without a unit. */
int hv_scaled_parse(const char *num, const char *unit, uint64_t default_scale,
		    uint64_t *bytes, const char *what, GError **err);
/* Reads element el (text plus unit=) into bytes; absent elements leave *bytes. */
int hv_xml_scaled(xmlNode *el, uint64_t default_scale, uint64_t *bytes, const char *what,
		  GError **err);
int hv_conf_parse_ull(const char *s, unsigned long long max, unsigned long long *out);

/* Parses a UUID with or without dashes into the canonical lower-case dashed form. */
int hv_uuid_normalise(const char *in, char out[37]);
void hv_uuid_generate(char out[37]);
/* Reads <uuid> of root into out ("" if absent). */
int hv_xml_uuid(xmlNode *root, char out[37], const char *what, GError **err);

/* A name usable as a file name: util/names.h's rule, message naming <name>. */
int hv_conf_name_check(const char *name, const char *what, GError **err);
/* The <name> of root, stripped, into *name (NULL when absent), and checked as
 * the name of a `what`. */
int hv_conf_take_name(xmlNode *root, const char *what, char **name, GError **err);
/* The root element of doc when it is <element> in no namespace; otherwise
 * NULL, with EINVAL naming the line and what the document holds instead. */
xmlNode *hv_conf_root(xmlDoc *doc, const char *element, GError **err);
/* A copy of a kept document to format from, with its <uuid> (made after
 * <name> when missing) set to uuid unless uuid is empty. */
xmlDoc *hv_conf_format_copy(xmlDoc *kept, const char *uuid);
/* Generates uuid when it is empty. */
void hv_uuid_ensure(char uuid[37]);
/* Cleans a path as libvirt does: collapses '//' and drops a trailing '/'. */
char *hv_path_clean(const char *path);
/* Strips surrounding blanks and cleans, until stable (a fixed point). */
char *hv_path_clean_text(const char *text);

/* String tables: NULL-terminated arrays; returns index or -1. */
int hv_str_index(const char *const *table, const char *s);
char *hv_mac_normalise(const char *mac);
