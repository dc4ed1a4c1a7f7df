/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * importplan.c - `ferryctl import`'s decisions from data (see importplan.h).
 * Pure: plain libxml2 on a parsed CIB, no Pacemaker library, no I/O.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "ferry/textout.h"
#include "importplan.h"

#define IMPORTPLAN_PENDING "-1" /* lrm_rsc_op op-status of an operation in flight */

static bool
importplan_is(const xmlNode *x, const char *name)
{
	return x != NULL && x->type == XML_ELEMENT_NODE &&
	       xmlStrcmp(x->name, (const xmlChar *)name) == 0;
}

/* An attribute's value or "" (libxml2's own storage: no copy). */
static const char *
importplan_prop(const xmlNode *x, const char *name)
{
	const xmlAttr *a = xmlHasProp((xmlNode *)x, (const xmlChar *)name);

	if (a == NULL || a->children == NULL || a->children->content == NULL)
		return "";
	return (const char *)a->children->content;
}

static bool
importplan_copy(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return false;
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

static xmlNodeSet *
importplan_xpath(xmlDoc *doc, const char *expr, xmlXPathObject **ret_obj)
{
	xmlXPathContext *ctx = xmlXPathNewContext(doc);
	xmlXPathObject *obj = NULL;

	if (ctx != NULL)
		obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlXPathFreeContext(ctx);
	*ret_obj = obj;
	return obj != NULL ? obj->nodesetval : NULL;
}

static bool
importplan_is_vd(const xmlNode *prim)
{
	return strcmp(importplan_prop(prim, "class"), "ocf") == 0 &&
	       strcmp(importplan_prop(prim, "provider"), "heartbeat") == 0 &&
	       strcmp(importplan_prop(prim, "type"), "VirtualDomain") == 0;
}

static xmlNode *
importplan_find(xmlDoc *cib, const char *id)
{
	xmlXPathObject *obj = NULL;
	xmlNodeSet *set;
	xmlNode *found = NULL;

	set = importplan_xpath(cib, "/cib/configuration/resources//primitive", &obj);
	for (int i = 0; set != NULL && i < set->nodeNr && found == NULL; i++)
		if (strcmp(importplan_prop(set->nodeTab[i], "id"), id) == 0)
			found = set->nodeTab[i];
	xmlXPathFreeObject(obj);
	return found;
}

char *
importplan_new_xml(xmlNode *prim)
{
	xmlNode *copy = xmlCopyNode(prim, 1);
	xmlBuffer *buf = NULL;
	char *out = NULL;

	if (copy == NULL)
		return NULL;
	xmlSetProp(copy, (const xmlChar *)"class", (const xmlChar *)"ocf");
	xmlSetProp(copy, (const xmlChar *)"provider", (const xmlChar *)"ferry");
	xmlSetProp(copy, (const xmlChar *)"type", (const xmlChar *)"vm");
	buf = xmlBufferCreate();
	if (buf != NULL && xmlNodeDump(buf, prim->doc, copy, 0, 1) >= 0)
		out = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeNode(copy);
	return out;
}

static char *
importplan_dump(xmlNode *prim)
{
	xmlBuffer *buf = xmlBufferCreate();
	char *out = NULL;

	if (buf != NULL && xmlNodeDump(buf, prim->doc, prim, 0, 1) >= 0)
		out = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return out;
}

/* An operation of id still in flight on some node: -EBUSY with err; or, when
 * all that is in flight are probes (a one-time monitor: what a node that joins
 * runs for every resource, seconds long), -EINPROGRESS with err. */
static int
importplan_pending(xmlDoc *cib, const char *id, char *err, size_t err_len)
{
	xmlXPathObject *obj = NULL;
	xmlNodeSet *set;
	int r = 0;

	set = importplan_xpath(
	        cib, "/cib/status/node_state/lrm/lrm_resources/lrm_resource/lrm_rsc_op", &obj);
	for (int i = 0; set != NULL && i < set->nodeNr && r != -EBUSY; i++) {
		xmlNode *op = set->nodeTab[i];
		xmlNode *state = op->parent != NULL && op->parent->parent != NULL &&
		                                 op->parent->parent->parent != NULL
		                         ? op->parent->parent->parent->parent
		                         : NULL;
		const char *what = importplan_prop(op, "operation");
		const char *node = state != NULL ? importplan_prop(state, "uname") : "a node";

		if (strcmp(importplan_prop(op->parent, "id"), id) != 0 ||
		    strcmp(importplan_prop(op, "op-status"), IMPORTPLAN_PENDING) != 0)
			continue;
		if (strcmp(what, "monitor") == 0 &&
		    strcmp(importplan_prop(op, "interval"), "0") == 0) {
			if (r == 0)
				textout_msg(
				        err, err_len,
				        "resource %s: its probe is in progress on %s (a node that "
				        "joins checks every resource)",
				        id, node);
			r = -EINPROGRESS;
			continue;
		}
		r = -EBUSY;
		textout_msg(err, err_len,
		            "resource %s: %s%s is in progress on %s; wait until it is over "
		            "(crm_mon) and run ferryctl import again",
		            id, what, strncmp(what, "migrate_", 8) == 0 ? " (a migration)" : "",
		            node);
	}
	xmlXPathFreeObject(obj);
	return r;
}

static int
importplan_attrs(struct importplan *p, xmlNode *prim, char *err, size_t err_len)
{
	for (xmlNode *set = prim->children; set != NULL; set = set->next) {
		if (!importplan_is(set, "instance_attributes"))
			continue;
		for (xmlNode *nv = set->children; nv != NULL; nv = nv->next) {
			const char *name;
			bool seen = false;

			if (importplan_is(nv, "rule")) {
				textout_msg(err, err_len,
				            "resource %s: its instance attributes %s have a rule; "
				            "ferryctl import translates plain values only: change "
				            "the resource by hand (doc/virtualdomain.md)",
				            p->id, importplan_prop(set, "id"));
				return -ENOTSUP;
			}
			if (!importplan_is(nv, "nvpair"))
				continue;
			name = importplan_prop(nv, "name");
			for (size_t i = 0; i < p->n_attrs && !seen; i++)
				seen = strcmp(p->attrs[i].name, name) == 0;
			if (seen || name[0] == '\0')
				continue;
			if (p->n_attrs == IMPORTPLAN_ATTRS_MAX) {
				textout_msg(err, err_len,
				            "resource %s: more than %d instance attributes", p->id,
				            IMPORTPLAN_ATTRS_MAX);
				return -E2BIG;
			}
			p->attrs[p->n_attrs].name = strdup(name);
			p->attrs[p->n_attrs].value = strdup(importplan_prop(nv, "value"));
			if (p->attrs[p->n_attrs].name == NULL ||
			    p->attrs[p->n_attrs].value == NULL) {
				free(p->attrs[p->n_attrs].name);
				free(p->attrs[p->n_attrs].value);
				return -ENOMEM;
			}
			p->n_attrs++;
		}
	}
	return 0;
}

static const char *
importplan_attr(const struct importplan *p, const char *name)
{
	for (size_t i = 0; i < p->n_attrs; i++)
		if (strcmp(p->attrs[i].name, name) == 0)
			return p->attrs[i].value;
	return NULL;
}

static void
importplan_meta(struct importplan *p, xmlNode *prim)
{
	for (xmlNode *set = prim->children; set != NULL; set = set->next) {
		if (!importplan_is(set, "meta_attributes"))
			continue;
		for (xmlNode *nv = set->children; nv != NULL; nv = nv->next)
			if (importplan_is(nv, "nvpair") && !p->has_managed &&
			    strcmp(importplan_prop(nv, "name"), "is-managed") == 0 &&
			    importplan_copy(p->managed, sizeof(p->managed),
			                    importplan_prop(nv, "value")))
				p->has_managed = true;
	}
}

void
importplan_clear(struct importplan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_attrs; i++) {
		free(p->attrs[i].name);
		free(p->attrs[i].value);
	}
	free(p->old_xml);
	free(p->new_xml);
	memset(p, 0, sizeof(*p));
}

int
importplan_read(xmlDoc *cib, const char *id, struct importplan *ret, char *err, size_t err_len)
{
	struct importplan p;
	xmlNode *prim;
	const char *v;
	int r;

	memset(&p, 0, sizeof(p));
	if (cib == NULL || id == NULL || ret == NULL)
		return -EINVAL;
	prim = importplan_find(cib, id);
	if (prim == NULL) {
		textout_msg(err, err_len,
		            "no primitive %s in the CIB's resources; see pcs resource status", id);
		return -ENOENT;
	}
	if (!importplan_copy(p.id, sizeof(p.id), id))
		return -ENAMETOOLONG;
	if (strcmp(importplan_prop(prim, "class"), "ocf") == 0 &&
	    strcmp(importplan_prop(prim, "provider"), "ferry") == 0 &&
	    strcmp(importplan_prop(prim, "type"), "vm") == 0) {
		textout_msg(err, err_len, "resource %s is ocf:ferry:vm already; nothing to do", id);
		return -EALREADY;
	}
	if (!importplan_is_vd(prim)) {
		textout_msg(err, err_len,
		            "resource %s is %s:%s%s%s, not ocf:heartbeat:VirtualDomain; "
		            "ferryctl import switches VirtualDomain resources only",
		            id, importplan_prop(prim, "class"), importplan_prop(prim, "provider"),
		            importplan_prop(prim, "provider")[0] != '\0' ? ":" : "",
		            importplan_prop(prim, "type"));
		return -EINVAL;
	}
	if (importplan_is(prim->parent, "group"))
		(void)importplan_copy(p.parent, sizeof(p.parent),
		                      importplan_prop(prim->parent, "id"));
	else if (!importplan_is(prim->parent, "resources")) {
		textout_msg(err, err_len,
		            "resource %s is inside %s %s: a VM runs once, ferryctl import "
		            "switches primitives and members of groups only",
		            id, (const char *)prim->parent->name,
		            importplan_prop(prim->parent, "id"));
		return -ENOTSUP;
	}
	r = importplan_pending(cib, id, err, err_len);
	if (r != 0)
		return r;
	r = importplan_attrs(&p, prim, err, err_len);
	if (r != 0)
		goto fail;
	v = importplan_attr(&p, "config");
	if (v == NULL || v[0] != '/' || !importplan_copy(p.config, sizeof(p.config), v)) {
		textout_msg(err, err_len,
		            "resource %s: its config is %s%s%s; it must be the absolute path "
		            "of the domain XML",
		            id, v == NULL ? "not set" : "\"", v == NULL ? "" : v,
		            v == NULL ? "" : "\"");
		r = -EINVAL;
		goto fail;
	}
	v = importplan_attr(&p, "hypervisor");
	(void)importplan_copy(p.hypervisor, sizeof(p.hypervisor), v != NULL ? v : "");
	v = importplan_attr(&p, "ledger");
	p.ledger = v == NULL || strcmp(v, "off") != 0;
	importplan_meta(&p, prim);
	p.old_xml = importplan_dump(prim);
	p.new_xml = importplan_new_xml(prim);
	if (p.old_xml == NULL || p.new_xml == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	importplan_clear(&p);
	return r;
}

int
importplan_check_nodes(const char *id, const char *const *nodes, size_t n, const char *local,
                       char *err, size_t err_len)
{
	if (n == 0) {
		textout_msg(err, err_len,
		            "resource %s is not running: ferryctl import switches a running "
		            "VM without restarting it; for a stopped one change the agent "
		            "with pcs resource update or start it first",
		            id);
		return -ESRCH;
	}
	if (n > 1) {
		textout_msg(err, err_len,
		            "resource %s is active on %zu nodes (%s, %s%s): resolve that first "
		            "(crm_mon, pcs resource cleanup)",
		            id, n, nodes[0], nodes[1], n > 2 ? ", ..." : "");
		return -EBUSY;
	}
	if (local == NULL || strcmp(nodes[0], local) != 0) {
		textout_msg(err, err_len,
		            "resource %s runs on %s, not here (%s): run ferryctl import on %s, "
		            "where libvirt and ferryd know the running VM",
		            id, nodes[0], local != NULL ? local : "?", nodes[0]);
		return -EREMOTE;
	}
	return 0;
}

int
importplan_check_ferryd(const struct ferry_ipc_status_rsp *s, char *err, size_t err_len)
{
	char missing[256] = "";
	size_t n_missing = 0;

	for (uint32_t i = 0; i < s->n_nodes; i++) {
		if (s->nodes[i].member)
			continue;
		if (n_missing++ == 0)
			textout_msg(missing, sizeof(missing), "%s",
			            s->nodes[i].name[0] != '\0' ? s->nodes[i].name : "?");
		else if (strlen(missing) + strlen(s->nodes[i].name) + 3 < sizeof(missing)) {
			strcat(missing, ", ");
			strcat(missing, s->nodes[i].name);
		}
	}
	if (n_missing > 0) {
		textout_msg(err, err_len,
		            "ferryd is not running on every node (not a member: %s): start it "
		            "there (its clone in Pacemaker) and check ferryctl status",
		            missing);
		return -EAGAIN;
	}
	if (!s->quorate || !s->synced) {
		textout_msg(err, err_len,
		            "ferryd's ledger is %s: wait until ferryctl status shows quorum "
		            "and \"synced\"",
		            !s->quorate ? "without quorum" : "still syncing");
		return -EAGAIN;
	}
	if (s->n_nodes == 0) {
		textout_msg(err, err_len, "ferryd knows no nodes yet: check ferryctl status");
		return -EAGAIN;
	}
	return 0;
}

int
importplan_add_uuid(const char *xml, const char *uuid, char **ret)
{
	const char *end;
	const char *line;
	size_t indent = 0;
	size_t head;
	char *out;

	if (strstr(xml, "<uuid>") != NULL || strstr(xml, "<uuid ") != NULL ||
	    strstr(xml, "<uuid/>") != NULL)
		return -EEXIST;
	end = strstr(xml, "</name>");
	if (end == NULL)
		return -EBADMSG;
	/* the indentation of the line that holds <name> */
	line = end;
	while (line > xml && line[-1] != '\n')
		line--;
	while (line[indent] == ' ' || line[indent] == '\t')
		indent++;
	head = (size_t)(end - xml) + strlen("</name>");
	out = calloc(1, strlen(xml) + indent + strlen(uuid) + 32);
	if (out == NULL)
		return -ENOMEM;
	memcpy(out, xml, head);
	strcat(out, "\n");
	strncat(out, line, indent);
	strcat(out, "<uuid>");
	strcat(out, uuid);
	strcat(out, "</uuid>");
	strcat(out, xml + head);
	*ret = out;
	return 0;
}

void
importplan_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; ids != NULL && i < n; i++)
		free(ids[i]);
	free(ids);
}

int
importplan_select_all(xmlDoc *cib, char ***ret, size_t *ret_n)
{
	xmlXPathObject *obj = NULL;
	xmlNodeSet *set;
	char **ids = NULL;
	size_t n = 0;

	set = importplan_xpath(cib, "/cib/configuration/resources//primitive", &obj);
	if (set != NULL && set->nodeNr > 0) {
		ids = calloc((size_t)set->nodeNr, sizeof(*ids));
		if (ids == NULL) {
			xmlXPathFreeObject(obj);
			return -ENOMEM;
		}
	}
	for (int i = 0; set != NULL && i < set->nodeNr; i++) {
		if (!importplan_is_vd(set->nodeTab[i]))
			continue;
		ids[n] = strdup(importplan_prop(set->nodeTab[i], "id"));
		if (ids[n] == NULL) {
			importplan_ids_free(ids, n);
			xmlXPathFreeObject(obj);
			return -ENOMEM;
		}
		n++;
	}
	xmlXPathFreeObject(obj);
	*ret = ids;
	*ret_n = n;
	return 0;
}

void
importplan_print(FILE *f, const struct importplan *p, const char *node, const char *domain,
                 const char *uuid, bool uuid_added)
{
	fprintf(f,
	        "resource %s: ocf:heartbeat:VirtualDomain -> ocf:ferry:vm, VM %s running on %s\n",
	        p->id, domain, node);
	if (p->parent[0] != '\0')
		fprintf(f, "  member of group %s (its place in the group is kept)\n", p->parent);
	fprintf(f, "  instance attributes: kept under their names; ocf:ferry:vm validate-all "
	           "accepts them (doc/virtualdomain.md)\n");
	fprintf(f, "--- primitive now\n%s\n+++ primitive after\n%s\n", p->old_xml, p->new_xml);
	if (uuid_added)
		fprintf(f,
		        "config %s: <uuid>%s</uuid> added after </name> (the running domain's "
		        "UUID); "
		        "the file as it was is kept as %s.pre-ferry\n",
		        p->config, uuid, p->config);
	else
		fprintf(f, "config %s: unchanged (has <uuid>%s</uuid>)\n", p->config, uuid);
	if (p->ledger)
		fprintf(f, "ledger: register %s (%s) as running on %s, resource %s\n", domain, uuid,
		        node, p->id);
	else
		fprintf(f, "ledger: nothing to register (ledger=off)\n");
	fprintf(f,
	        "steps: is-managed=false, replace the primitive, crm_resource --refresh -r %s, "
	        "wait for the probe to find it on %s, is-managed=%s\n",
	        p->id, node, p->has_managed ? p->managed : "(removed: as before)");
}
