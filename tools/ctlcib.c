/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlcib.c - a VM's ocf:ferry:vm resource in the CIB and the move policy it
 * sets (max_downtime_ms, downtime_steps, save_dir), for `ferryctl predict`.
 *
 * Pacemaker does the work: libcib answers an XPath query for the ferry
 * primitives and pe_unpack_nvpairs() reads their instance_attributes the way
 * the scheduler builds the agent's OCF_RESKEY_* (sets by score, rules with
 * the current time; without node attributes, so a set whose rule needs one
 * does not apply).  The values are then checked with the agent's ranges
 * (agents/params.c).  Pacemaker's legacy return codes are converted here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <crm/cib.h>
#include <crm/common/iso8601.h>
#include <crm/common/nvpair.h>
#include <crm/common/results.h>
#include <crm/common/xml.h>
#if __has_include(<crm/common/xml_element.h>)
/* Pacemaker 3.0 moved crm_element_value() here */
#include <crm/common/xml_element.h>
#endif
#include <crm/pengine/rules.h>

#include "ferry/numparse.h"
#include "ferry/textout.h"
#include "ctlcib.h"

/* the agent's range for max_downtime_ms (agents/params.c) */
#define CTLCIB_MAX_DOWNTIME_MIN_MS 1u
#define CTLCIB_MAX_DOWNTIME_MAX_MS 60000u

/* The CIB's element and attribute names, spelled out: Pacemaker 2.1 names
 * them in crm/msg_xml.h (XML_CIB_TAG_RESOURCE, ...), 3.0 removed those for
 * PCMK_XE_* / PCMK_XA_*; the schema's names are the same in both. */
#define CTLCIB_XE_PRIMITIVE "primitive"
#define CTLCIB_XA_ID        "id"
#define CTLCIB_XE_INSTANCE  "instance_attributes"
#define CTLCIB_XPATH                                                                               \
	"/cib/configuration/resources//" CTLCIB_XE_PRIMITIVE                                       \
	"[@class='ocf'][@provider='ferry'][@type='vm']"

static void ctlcib_warn(FILE *warn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ctlcib_warn(FILE *warn, const char *fmt, ...)
{
	va_list ap;

	if (warn == NULL)
		return;
	fputs("ferryctl: warning: ", warn);
	va_start(ap, fmt);
	vfprintf(warn, fmt, ap);
	va_end(ap);
	fputc('\n', warn);
}

/* A failed call's legacy Pacemaker return code (-errno or -pcmk_err_*) as
 * -errno; never 0, never -ENOENT (which means "no such resource" here). */
static int
ctlcib_errno(int legacy_rc)
{
	int rc = pcmk_legacy2rc(legacy_rc);

	return rc > 0 && rc != ENOENT ? -rc : -EIO;
}

/* What to do about a CIB that cannot be reached, by cause. */
static const char *
ctlcib_hint(int legacy_rc)
{
	if (getenv("CIB_file") != NULL || getenv("CIB_shadow") != NULL)
		return "; check CIB_file or CIB_shadow";
	switch (ctlcib_errno(legacy_rc)) {
	case -EACCES:
	case -EPERM:
		return "; run as root or as a member of haclient";
	case -ENOTCONN:
	case -ECONNREFUSED:
		return "; is Pacemaker running on this node?";
	default:
		return "";
	}
}

/* ---- the domain name in a config file -------------------------------------- */

/* A <memory>/<currentMemory> element's size in bytes (libvirt's units; KiB
 * by default); 0 when it cannot be read. */
static uint64_t
ctlcib_mem_bytes(xmlNode *x)
{
	xmlChar *text = xmlNodeGetContent(x);
	xmlChar *unit = xmlGetProp(x, (const xmlChar *)"unit");
	const char *u = unit != NULL ? (const char *)unit : "KiB";
	uint64_t v = 0, mul = 0;

	if (strcmp(u, "b") == 0 || strcmp(u, "bytes") == 0)
		mul = 1;
	else if (strcmp(u, "KiB") == 0 || strcmp(u, "k") == 0)
		mul = 1024;
	else if (strcmp(u, "MiB") == 0 || strcmp(u, "M") == 0)
		mul = 1024 * 1024;
	else if (strcmp(u, "GiB") == 0 || strcmp(u, "G") == 0)
		mul = 1024 * 1024 * 1024;
	else if (strcmp(u, "KB") == 0)
		mul = 1000;
	else if (strcmp(u, "MB") == 0)
		mul = 1000 * 1000;
	else if (strcmp(u, "GB") == 0)
		mul = 1000 * 1000 * 1000;
	if (text == NULL || mul == 0 || ferry_parse_u64((const char *)text, &v) != 0 ||
	    v > UINT64_MAX / mul)
		v = 0;
	xmlFree(text);
	xmlFree(unit);
	return v * mul;
}

int
ctlcib_domain_read(const char *path, char *buf, size_t len, uint64_t *ret_mem_bytes)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	xmlChar *name = NULL;
	uint64_t mem = 0, cur = 0;
	int fd;
	int r = -ENODATA;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	doc = xmlReadFd(fd, path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	(void)close(fd);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || xmlStrcmp(root->name, (const xmlChar *)"domain") != 0) {
		r = -EBADMSG;
		goto cleanup;
	}
	for (xmlNode *c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(c->name, (const xmlChar *)"name") == 0 && name == NULL)
			name = xmlNodeGetContent(c);
		else if (xmlStrcmp(c->name, (const xmlChar *)"memory") == 0)
			mem = ctlcib_mem_bytes(c);
		else if (xmlStrcmp(c->name, (const xmlChar *)"currentMemory") == 0)
			cur = ctlcib_mem_bytes(c);
	}
	if (name == NULL || name[0] == '\0')
		goto cleanup;
	if (strlen((const char *)name) >= len) {
		r = -ENAMETOOLONG;
		goto cleanup;
	}
	memcpy(buf, name, strlen((const char *)name) + 1);
	if (ret_mem_bytes != NULL)
		*ret_mem_bytes = cur != 0 ? cur : mem;
	r = 0;
cleanup:
	xmlFree(name);
	xmlFreeDoc(doc);
	return r;
}

/* <domain><name> of the libvirt domain XML at path: 0, -errno (cannot
 * open), -EBADMSG (not a domain XML), -ENODATA (no name). */
static int
ctlcib_domain_name(const char *path, char *buf, size_t len)
{
	return ctlcib_domain_read(path, buf, len, NULL);
}

const char *
ctlcib_domain_err(int r)
{
	return r == -EBADMSG   ? "not a libvirt domain XML"
	       : r == -ENODATA ? "no <name> in it"
	                       : strerror(-r);
}

/* ---- a primitive's parameters --------------------------------------------- */

/* The primitive's instance attributes as Pacemaker evaluates them now. */
static GHashTable *
ctlcib_attrs(xmlNode *top, xmlNode *prim)
{
	GHashTable *attrs = g_hash_table_new_full(g_str_hash, g_str_equal, free, free);
	crm_time_t *now = crm_time_new(NULL);

	pe_unpack_nvpairs(top, prim, CTLCIB_XE_INSTANCE, NULL, attrs, NULL, FALSE, now, NULL);
	crm_time_free(now);
	return attrs;
}

/* A parameter's value; NULL when unset or empty (the agent reads an empty
 * OCF_RESKEY_ as unset). */
static const char *
ctlcib_attr(GHashTable *attrs, const char *name)
{
	const char *v = g_hash_table_lookup(attrs, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
ctlcib_take(const char *rsc, GHashTable *attrs, struct ctlcib_policy *p, FILE *warn)
{
	const char *v;

	v = ctlcib_attr(attrs, "max_downtime_ms");
	if (v != NULL) {
		if (ferry_parse_u32_range(v, CTLCIB_MAX_DOWNTIME_MIN_MS, CTLCIB_MAX_DOWNTIME_MAX_MS,
		                          &p->max_downtime_ms) == 0)
			p->has_max_downtime = true;
		else
			ctlcib_warn(warn,
			            "resource %s: max_downtime_ms=%s is not a whole number in "
			            "%u..%u, which the agent refuses too; predicting with ferry's "
			            "default instead (fix the resource's max_downtime_ms)",
			            rsc, v, CTLCIB_MAX_DOWNTIME_MIN_MS, CTLCIB_MAX_DOWNTIME_MAX_MS);
	}

	v = ctlcib_attr(attrs, "downtime_steps");
	if (v != NULL) {
		struct policy_config cfg;

		policy_config_default(&cfg);
		if (strcmp(v, "none") == 0) {
			p->has_steps = true;
			p->n_downtime_steps = 0;
		} else if (policy_parse_steps(v, &cfg) == 0) {
			p->has_steps = true;
			memcpy(p->downtime_steps_ms, cfg.downtime_steps_ms,
			       cfg.n_downtime_steps * sizeof(cfg.downtime_steps_ms[0]));
			p->n_downtime_steps = cfg.n_downtime_steps;
		} else {
			ctlcib_warn(
			        warn,
			        "resource %s: downtime_steps=%s is not up to %d ascending "
			        "values in ms (%u..%u) separated by commas, nor none, which the "
			        "agent refuses too; predicting with ferry's default instead "
			        "(fix the resource's downtime_steps)",
			        rsc, v, POLICY_MAX_STEPS, POLICY_STEP_MIN_MS, POLICY_STEP_MAX_MS);
		}
	}

	v = ctlcib_attr(attrs, "save_dir");
	if (v != NULL) {
		if (v[0] == '/' && strlen(v) < sizeof(p->save_dir))
			memcpy(p->save_dir, v, strlen(v) + 1);
		else
			ctlcib_warn(warn,
			            "resource %s: save_dir=%s is not an absolute path, which the "
			            "agent refuses too; predicting without a save dir instead (fix "
			            "the resource's save_dir)",
			            rsc, v);
	}
}

/* ---- which primitive is the VM's -------------------------------------------- */

static bool
ctlcib_is_primitive(const xmlNode *x)
{
	return x != NULL && x->type == XML_ELEMENT_NODE &&
	       xmlStrcmp(x->name, (const xmlChar *)CTLCIB_XE_PRIMITIVE) == 0;
}

/* The next <primitive> sibling from x on (x included); plain libxml2, as
 * Pacemaker 3.0 dropped first_named_child() and crm_next_same_xml(). */
static xmlNode *
ctlcib_primitive_from(xmlNode *x)
{
	while (x != NULL && !ctlcib_is_primitive(x))
		x = x->next;
	return x;
}

/* One match is the primitive itself; several come wrapped in <xpath-query>. */
static xmlNode *
ctlcib_first(xmlNode *answer)
{
	if (ctlcib_is_primitive(answer))
		return answer;
	return ctlcib_primitive_from(answer->children);
}

static xmlNode *
ctlcib_next(const xmlNode *answer, const xmlNode *prim)
{
	return prim == answer ? NULL : ctlcib_primitive_from(prim->next);
}

/* The primitive whose config file's domain is vm.  Several: the first, with
 * a warning.  None: NULL, and why_none says which config could not be read
 * (those could have been it). */
static xmlNode *
ctlcib_by_config(xmlNode *answer, const char *vm, FILE *warn, char *why_none, size_t why_len)
{
	xmlNode *found = NULL;
	size_t n_unread = 0;
	char unread[384] = "";

	for (xmlNode *prim = ctlcib_first(answer); prim != NULL; prim = ctlcib_next(answer, prim)) {
		GHashTable *attrs = ctlcib_attrs(answer, prim);
		const char *config = ctlcib_attr(attrs, "config");
		const char *id = crm_element_value(prim, CTLCIB_XA_ID);
		char name[256];
		int r;

		r = config != NULL ? ctlcib_domain_name(config, name, sizeof(name)) : -ENODATA;
		if (config != NULL && r != 0 && n_unread++ == 0)
			snprintf(unread, sizeof(unread), "the config of %s, %s, cannot be read: %s",
			         id, config, ctlcib_domain_err(r));
		if (r == 0 && strcmp(name, vm) == 0) {
			if (found == NULL)
				found = prim;
			else
				ctlcib_warn(warn,
				            "resources %s and %s both have %s as their config's "
				            "domain; using %s (give each VM one resource)",
				            crm_element_value(found, CTLCIB_XA_ID), id, vm,
				            crm_element_value(found, CTLCIB_XA_ID));
		}
		g_hash_table_destroy(attrs);
	}
	if (found == NULL && n_unread == 1)
		textout_msg(why_none, why_len, " (%s)", unread);
	else if (found == NULL && n_unread > 1)
		textout_msg(why_none, why_len, " (%s; and %zu more)", unread, n_unread - 1);
	return found;
}

static int
ctlcib_pick(xmlNode *answer, const char *vm, struct ctlcib_policy *ret, FILE *warn, char *err,
            size_t err_len)
{
	xmlNode *prim = NULL;
	GHashTable *attrs;
	const char *id;
	char why_none[512] = "";

	for (xmlNode *c = ctlcib_first(answer); c != NULL && prim == NULL;
	     c = ctlcib_next(answer, c))
		if (g_strcmp0(crm_element_value(c, CTLCIB_XA_ID), vm) == 0)
			prim = c;
	if (prim == NULL)
		prim = ctlcib_by_config(answer, vm, warn, why_none, sizeof(why_none));
	if (prim == NULL) {
		textout_msg(err, err_len, "no ocf:ferry:vm resource for %s in the CIB%s", vm,
		            why_none);
		return -ENOENT;
	}
	id = crm_element_value(prim, CTLCIB_XA_ID);
	if (id == NULL || strlen(id) >= sizeof(ret->resource)) {
		textout_msg(err, err_len,
		            "the id of %s's resource is empty or longer than %zu "
		            "characters",
		            vm, sizeof(ret->resource) - 1);
		return -ENAMETOOLONG;
	}
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->resource, id, strlen(id) + 1);
	attrs = ctlcib_attrs(answer, prim);
	ctlcib_take(id, attrs, ret, warn);
	g_hash_table_destroy(attrs);
	return 0;
}

int
ctlcib_policy_read(const char *vm, struct ctlcib_policy *ret, FILE *warn, char *err, size_t err_len)
{
	struct ctlcib_policy p;
	cib_t *cib;
	xmlNode *answer = NULL;
	int rc;
	int r;

	if (vm == NULL || ret == NULL)
		return -EINVAL;
	crm_xml_init(); /* schemas: a CIB_file is validated on sign-on */
	cib = cib_new();
	if (cib == NULL) {
		textout_msg(err, err_len, "cannot read the CIB: out of memory");
		return -ENOMEM;
	}
	rc = cib->cmds->signon(cib, "ferryctl", cib_query);
	if (rc != pcmk_ok) {
		textout_msg(err, err_len, "cannot read the CIB: %s%s", pcmk_strerror(rc),
		            ctlcib_hint(rc));
		r = ctlcib_errno(rc);
		goto cleanup;
	}
	rc = cib->cmds->query(cib, CTLCIB_XPATH, &answer,
	                      cib_xpath | cib_sync_call | cib_scope_local);
	(void)cib->cmds->signoff(cib);
	if (rc == -ENXIO) { /* nothing matched */
		textout_msg(err, err_len, "no ocf:ferry:vm resource for %s in the CIB", vm);
		r = -ENOENT;
		goto cleanup;
	}
	if (rc != pcmk_ok || answer == NULL) {
		textout_msg(err, err_len, "cannot read the CIB: %s",
		            rc != pcmk_ok ? pcmk_strerror(rc) : "empty answer");
		r = rc != pcmk_ok ? ctlcib_errno(rc) : -EIO;
		goto cleanup;
	}
	r = ctlcib_pick(answer, vm, &p, warn, err, err_len);
	if (r == 0)
		*ret = p;
cleanup:
	free_xml(answer);
	cib_delete(cib);
	return r;
}
