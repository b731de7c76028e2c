/* document.h: any libvirt-format document by kind, detected from its root
 * element: one entry point for tools and the tree to validate (grammar plus
 * semantic checks) and to format a document without knowing its kind. */
#pragma once
#include "conf/schema.h"
#include "util/error.h"

/* The kind of the document in buf, from its root element; -EINVAL if unknown. */
int hv_document_kind(const char *buf, size_t len, GError **err);
/* The grammar alone (no semantic checks); 0 or -EINVAL. */
int hv_document_check_grammar(const char *buf, size_t len, GError **err);
/* Full parse (grammar and checks) of buf as its kind; 0 or -errno. */
int hv_document_validate(const char *buf, size_t len, GError **err);
/* Parses and formats buf as its kind. pool_xml (may be NULL) gives a volume
 * its parent pool's context. */
char *hv_document_format(const char *buf, size_t len, const char *pool_xml, size_t pool_len,
			 GError **err);
