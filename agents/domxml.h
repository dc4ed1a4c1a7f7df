/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * domxml.h - the few facts the agent needs from a libvirt domain XML.
 *
 * A small, strict scanner (well-formedness: matching tags, quoted
 * attributes, one root) instead of a full XML library: the agent reads the
 * domain's name, UUID, memory and vCPUs, and the ferry image tag that a save
 * embeds in <metadata>.  libvirt itself validates the rest at create time.
 */
#ifndef FERRY_AGENT_DOMXML_H
#define FERRY_AGENT_DOMXML_H

#include <stdint.h>

#define DOMXML_NAME_MAX  256
#define DOMXML_UUID_LEN  36
#define DOMXML_MAX_BYTES (4u * 1024 * 1024) /* refuse larger files */

/* Namespace of the tag a save embeds: <ferry:image uuid=".." generation=".."/> */
#define DOMXML_IMAGE_NS      "https://ferry.invalid/xmlns/image/1"
#define DOMXML_IMAGE_PREFIX  "ferry"
#define DOMXML_IMAGE_ELEMENT "image"

struct domxml_info {
	char name[DOMXML_NAME_MAX];
	char uuid[DOMXML_UUID_LEN + 1]; /* canonical lower-case, dashed */
	uint64_t memory_kib;            /* <currentMemory>, else <memory>; 0 unknown */
	uint32_t vcpus;                 /* 0 unknown */
};

/* 0, -EBADMSG not well-formed or not a <domain>, -ENODATA no <name>,
 * -EINVAL malformed UUID or number.  msg (may be NULL) receives a short
 * description of the problem.  Without a <uuid>, ret->uuid is empty: the
 * agent takes the UUID of the domain of that name (actions_identify). */
int domxml_parse(const char *xml, struct domxml_info *ret, char *msg, size_t msg_len);

/* Finds the image tag in a domain XML (as returned for a save image).
 * 0 and uuid+generation; -ENOENT no tag; -EBADMSG/-EINVAL malformed. */
int domxml_image_tag(const char *xml, char ret_uuid[DOMXML_UUID_LEN + 1], uint64_t *ret_gen);

/* Text of the tag for virDomainSetMetadata (element without namespace). */
int domxml_format_image_tag(const char *uuid, uint64_t generation, char *buf, size_t len);

/* Canonical form of a UUID (dashed, lower case) or -EINVAL. */
int domxml_uuid_canon(const char *in, char out[DOMXML_UUID_LEN + 1]);

/* xml with <uuid>uuid</uuid> inserted after the <domain ...> start tag, in
 * a new string the caller frees.  -EINVAL no such tag. */
int domxml_add_uuid(const char *xml, const char *uuid, char **ret);

/* start_resources: the distinct values of every attribute attr ("pool",
 * "network") in xml, as VirtualDomain finds them (a text scan).  -E2BIG
 * when there are more than max. */
int domxml_attr_values(const char *xml, const char *attr, char names[][DOMXML_NAME_MAX], size_t max,
                       size_t *ret_n);

/* Reads a whole file (<= DOMXML_MAX_BYTES) into a NUL-terminated buffer the
 * caller frees.  -errno on failure, -EFBIG if too large. */
int domxml_read_file(const char *path, char **ret);

#endif
