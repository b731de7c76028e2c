/* xml.h: the one safe way to read XML that a user or a peer sent us, and the one
 * formatter that writes XML the way libvirt does (single quotes, 2-space indent,
 * self-closed empty elements). Parsing never touches the network, never loads
 * external entities, refuses DTDs and entity declarations outright, and enforces
 * size and depth limits. Errors are -EINVAL (-EFBIG for size) with line numbers. */
#pragma once
#include <glib.h>
#include <libxml/tree.h>
#include "util/error.h"

#define HV_XML_MAX_SIZE (4u << 20) /* 4 MiB: the largest document we accept */
#define HV_XML_MAX_DEPTH 64

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* what: the kind of document, for messages ("domain", "network", ...). */
xmlDoc *hv_xml_parse(const char *buf, size_t len, const char *what, GError **err);
/* A container of up to max bytes (a <node>) whose top-level children are
 * documents in their own right: each is held to HV_XML_MAX_SIZE. Its elements
 * remember their real lines (hv_xml_container_line) so that a child detached
 * with hv_xml_detach is numbered from 1, as if it had been parsed alone.
 * Whitespace between elements is dropped (hv_xml_format re-indents it anyway).
 * The same refusals and depth limit apply to the whole document. done (may be
 * NULL) is called with each top-level child as soon as it is read, while no
 * error has been found: it may detach the child (leaving something in its
 * place or not) but not touch the rest of the document. */
typedef void (*HvXmlChildFunc)(xmlNode *child, void *data);
xmlDoc *hv_xml_parse_container(const char *buf, size_t len, size_t max, HvXmlChildFunc done,
			       void *data, const char *what, GError **err);
int hv_xml_container_line(const xmlNode *el);
/* Moves el and its subtree out of its document into a new one of which it is
 * the root (names copied, namespaces it uses declared on it). */
xmlDoc *hv_xml_detach(xmlNode *el, GError **err);

/* A document kept between uses: root and its subtree serialised as they are
 * (no indentation added, nothing dropped), in a buffer of exactly its size;
 * *len (may be NULL) gets its length. hv_xml_parse_compact reads it back into
 * the same tree (line numbers aside). */
char *hv_xml_compact(xmlNode *root, size_t *len);
xmlDoc *hv_xml_parse_compact(const char *buf, size_t len, GError **err);

/* Formats an element and its subtree, libvirt style, ending in a newline. */
char *hv_xml_format(xmlNode *root);
