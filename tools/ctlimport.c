/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlimport.c - `ferryctl import`: switch a running VirtualDomain resource to
 * ocf:ferry:vm without restarting the guest.
 *
 * The decisions are importplan.c's; here the cluster is asked and changed
 * with Pacemaker's own tools (cibadmin, crm_resource: CIB_file and
 * CIB_shadow are honoured as by every Pacemaker tool), the agent's
 * validate-all judges the parameters (the one table is agents/params.c),
 * libvirt on this node tells the domain's identity, and ferryd's ledger is
 * told that the VM runs here with the ACQUIRE the agent sends for a VM it
 * finds running but unknown to the ledger (agents/ledgerlink.c, adopt).
 *
 * It runs on the node where the VM runs: libvirt and ferryd are asked there.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "ferry/client.h"
#include "ferry/fileio.h"
#include "ctlimport.h"
#include "ferryctl.h"
#include "importplan.h"

#define CTLIMPORT_OCF_ROOT      "/usr/lib/ocf"
#define CTLIMPORT_AGENT         "resource.d/ferry/vm"
#define CTLIMPORT_DEFAULT_URI   "qemu:///system"
#define CTLIMPORT_QEMU_RUN_DIR  "/run/libvirt/qemu"
#define CTLIMPORT_PROBE_WAIT_S  120
#define CTLIMPORT_SETTLE_WAIT_S 30 /* for the probes of a node that (re)joined */
#define CTLIMPORT_ERR_MAX       (3 * PATH_MAX)

struct ctlimport {
	bool dry_run;
	bool yes;
	bool all;
	char local[FERRY_IPC_NODE_LEN]; /* this node's name, as ferryd knows it */
	struct ferryclient *ferryd;
	char err[CTLIMPORT_ERR_MAX];
};

/* What says the guest never stopped. */
struct ctlimport_ident {
	int dom_id;
	long qemu_pid; /* 0: no pid file readable */
	unsigned long long cpu_ns;
	char uuid[VIR_UUID_STRING_BUFLEN];
};

static void
ctlimport_usage(FILE *f)
{
	fprintf(f, "Usage: ferryctl import RSC [--dry-run] [--yes]\n"
	           "       ferryctl import --all [--dry-run] [--yes]\n");
}

/* ---- running Pacemaker's tools ------------------------------------------- */

/* argv run with the environment (plus extra, may be NULL); its stdout in
 * *out (may be NULL), stderr in *errout (may be NULL).  The exit status, or
 * -1 when it could not run (errout then says why). */
static int
ctlimport_run(char **argv, char **extra_env, char **out, char **errout)
{
	GError *gerr = NULL;
	char **env = g_get_environ();
	char *o = NULL, *e = NULL;
	int status = 0;
	int r;

	for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL; i++) {
		char *eq = strchr(extra_env[i], '=');
		char *name = g_strndup(extra_env[i], (gsize)(eq - extra_env[i]));

		env = g_environ_setenv(env, name, eq + 1, TRUE);
		g_free(name);
	}
	if (!g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &o, &e, &status,
	                  &gerr)) {
		if (errout != NULL)
			*errout = g_strdup_printf("cannot run %s: %s", argv[0], gerr->message);
		g_error_free(gerr);
		g_strfreev(env);
		return -1;
	}
	g_strfreev(env);
	r = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (out != NULL)
		*out = o;
	else
		g_free(o);
	if (errout != NULL)
		*errout = e;
	else
		g_free(e);
	return r;
}

/* A Pacemaker tool that must succeed: 0, or -EIO with ctl->err saying what
 * failed and its own words. */
static int
ctlimport_tool(struct ctlimport *ctl, char **argv, char **out)
{
	char *e = NULL;
	int rc = ctlimport_run(argv, NULL, out, &e);

	if (rc == 0) {
		g_free(e);
		return 0;
	}
	snprintf(ctl->err, sizeof(ctl->err), "%s %s failed (exit %d): %s", argv[0],
	         argv[1] != NULL ? argv[1] : "", rc, e != NULL ? g_strstrip(e) : "");
	g_free(e);
	if (out != NULL) {
		g_free(*out);
		*out = NULL;
	}
	return -EIO;
}

static int
ctlimport_cib(struct ctlimport *ctl, xmlDoc **ret)
{
	char *argv[] = {"cibadmin", "--query", NULL};
	char *out = NULL;
	xmlDoc *doc;
	int r = ctlimport_tool(ctl, argv, &out);

	if (r != 0)
		return r;
	doc = xmlReadMemory(out, (int)strlen(out), "cib.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
	                            XML_PARSE_NOWARNING);
	g_free(out);
	if (doc == NULL) {
		snprintf(ctl->err, sizeof(ctl->err), "cibadmin --query gave no XML");
		return -EBADMSG;
	}
	*ret = doc;
	return 0;
}

/* The nodes Pacemaker says id is active on (crm_resource --locate). */
static int
ctlimport_locate(struct ctlimport *ctl, const char *id, char ***ret, size_t *ret_n)
{
	char *argv[] = {"crm_resource", "--locate",        "--resource",
	                (char *)id,     "--output-as=xml", NULL};
	char *out = NULL;
	xmlDoc *doc;
	xmlXPathContext *xc;
	xmlXPathObject *obj = NULL;
	char **nodes = NULL;
	size_t n = 0;
	int r = ctlimport_tool(ctl, argv, &out);

	if (r != 0)
		return r;
	doc = xmlReadMemory(out, (int)strlen(out), "locate.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	g_free(out);
	xc = doc != NULL ? xmlXPathNewContext(doc) : NULL;
	if (xc != NULL)
		obj = xmlXPathEvalExpression((const xmlChar *)"//nodes/node", xc);
	if (obj == NULL) {
		snprintf(ctl->err, sizeof(ctl->err), "crm_resource --locate gave no node list");
		r = -EBADMSG;
		goto cleanup;
	}
	if (obj->nodesetval != NULL && obj->nodesetval->nodeNr > 0) {
		nodes = calloc((size_t)obj->nodesetval->nodeNr, sizeof(*nodes));
		if (nodes == NULL) {
			r = -ENOMEM;
			goto cleanup;
		}
		for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
			xmlChar *t = xmlNodeGetContent(obj->nodesetval->nodeTab[i]);

			nodes[n++] = strdup(t != NULL ? (const char *)t : "");
			xmlFree(t);
		}
	}
	*ret = nodes;
	*ret_n = n;
cleanup:
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(xc);
	xmlFreeDoc(doc);
	return r;
}

/* ---- the domain ------------------------------------------------------------ */

static void
ctlimport_quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

static const char *
ctlimport_virt_err(void)
{
	const virError *e = virGetLastError();

	return e != NULL && e->message != NULL ? e->message : "unknown libvirt error";
}

/* The config's text, its <name> and <uuid> ("" when absent). */
static int
ctlimport_config(struct ctlimport *ctl, const char *path, char **ret_text, char *name,
                 size_t name_len, char *uuid, size_t uuid_len)
{
	gchar *text = NULL;
	GError *gerr = NULL;
	xmlDoc *doc;
	xmlNode *root;
	int r = 0;

	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		snprintf(ctl->err, sizeof(ctl->err), "cannot read the config %s: %s", path,
		         gerr->message);
		g_error_free(gerr);
		return -EIO;
	}
	doc = xmlReadMemory(text, (int)strlen(text), path, NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || xmlStrcmp(root->name, (const xmlChar *)"domain") != 0) {
		snprintf(ctl->err, sizeof(ctl->err), "the config %s is not a libvirt domain XML",
		         path);
		r = -EBADMSG;
		goto cleanup;
	}
	name[0] = uuid[0] = '\0';
	for (xmlNode *c = root->children; c != NULL; c = c->next) {
		xmlChar *v;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(c->name, (const xmlChar *)"name") != 0 &&
		    xmlStrcmp(c->name, (const xmlChar *)"uuid") != 0)
			continue;
		v = xmlNodeGetContent(c);
		snprintf(xmlStrcmp(c->name, (const xmlChar *)"name") == 0 ? name : uuid,
		         xmlStrcmp(c->name, (const xmlChar *)"name") == 0 ? name_len : uuid_len,
		         "%s", v != NULL ? g_strstrip((char *)v) : "");
		xmlFree(v);
	}
	if (name[0] == '\0') {
		snprintf(ctl->err, sizeof(ctl->err), "the config %s has no <name>", path);
		r = -EBADMSG;
	}
cleanup:
	xmlFreeDoc(doc);
	if (r == 0)
		*ret_text = text;
	else
		g_free(text);
	return r;
}

static long
ctlimport_qemu_pid(const char *name)
{
	char path[512];
	gchar *text = NULL;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/%s.pid", CTLIMPORT_QEMU_RUN_DIR, name);
	if (g_file_get_contents(path, &text, NULL, NULL))
		pid = strtol(text, NULL, 10);
	g_free(text);
	return pid > 0 ? pid : 0;
}

/* The running domain's identity; refuses a domain not running or in a job
 * (a migration libvirt runs). */
static int
ctlimport_ident(struct ctlimport *ctl, virConnectPtr conn, const char *id, const char *name,
                struct ctlimport_ident *ret)
{
	virDomainPtr d = virDomainLookupByName(conn, name);
	virDomainInfo info;
	virDomainJobInfo job;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	memset(&info, 0, sizeof(info));
	if (d == NULL) {
		snprintf(ctl->err, sizeof(ctl->err),
		         "resource %s: libvirt on this node has no domain %s (%s); Pacemaker says "
		         "it runs here: check virsh list and the resource's hypervisor",
		         id, name, ctlimport_virt_err());
		return -ESRCH;
	}
	if (virDomainGetInfo(d, &info) != 0 ||
	    (info.state != VIR_DOMAIN_RUNNING && info.state != VIR_DOMAIN_PAUSED)) {
		snprintf(ctl->err, sizeof(ctl->err),
		         "resource %s: domain %s is not running here (libvirt state %d)", id, name,
		         (int)info.state);
		r = -ESRCH;
		goto cleanup;
	}
	if (virDomainGetJobInfo(d, &job) == 0 && job.type != VIR_DOMAIN_JOB_NONE) {
		snprintf(ctl->err, sizeof(ctl->err),
		         "resource %s: libvirt has a job running on domain %s (a migration or a "
		         "save); wait until virsh domjobinfo %s says None and try again",
		         id, name, name);
		r = -EBUSY;
		goto cleanup;
	}
	ret->dom_id = virDomainGetID(d) == (unsigned int)-1 ? -1 : (int)virDomainGetID(d);
	ret->cpu_ns = info.cpuTime;
	ret->qemu_pid = ctlimport_qemu_pid(name);
	if (virDomainGetUUIDString(d, ret->uuid) != 0) {
		snprintf(ctl->err, sizeof(ctl->err), "resource %s: no UUID for domain %s: %s", id,
		         name, ctlimport_virt_err());
		r = -EIO;
	}
cleanup:
	virDomainFree(d);
	return r;
}

/* ---- the agent's judgement ---------------------------------------------------- */

/* validate-all of the installed ocf:ferry:vm with the primitive's attributes,
 * config replaced by config_path.  0, or -EINVAL with its exit reason. */
static int
ctlimport_validate(struct ctlimport *ctl, const struct importplan *p, const char *config_path)
{
	const char *root = getenv("OCF_ROOT") != NULL ? getenv("OCF_ROOT") : CTLIMPORT_OCF_ROOT;
	char *agent = g_strdup_printf("%s/%s", root, CTLIMPORT_AGENT);
	char *argv[] = {agent, "validate-all", NULL};
	char **env = g_get_environ();
	char **keys = g_listenv();
	char *out = NULL, *e = NULL;
	GError *gerr = NULL;
	int status = 0;
	int r = 0;

	for (size_t i = 0; keys[i] != NULL; i++) /* the caller's OCF_RESKEY_ are not ours */
		if (g_str_has_prefix(keys[i], "OCF_RESKEY_"))
			env = g_environ_unsetenv(env, keys[i]);
	g_strfreev(keys);
	env = g_environ_setenv(env, "OCF_ROOT", root, TRUE);
	env = g_environ_setenv(env, "OCF_RESOURCE_INSTANCE", p->id, TRUE);
	env = g_environ_setenv(env, "OCF_RESOURCE_PROVIDER", "ferry", TRUE);
	env = g_environ_setenv(env, "OCF_RESOURCE_TYPE", "vm", TRUE);
	env = g_environ_setenv(env, "OCF_RESKEY_CRM_meta_timeout", "20000", TRUE);
	env = g_environ_setenv(env, "FERRY_NO_SYSLOG", "1", TRUE);
	for (size_t i = 0; i < p->n_attrs; i++) {
		char *k = g_strdup_printf("OCF_RESKEY_%s", p->attrs[i].name);

		env = g_environ_setenv(env, k,
		                       strcmp(p->attrs[i].name, "config") == 0 ? config_path
		                                                               : p->attrs[i].value,
		                       TRUE);
		g_free(k);
	}
	if (!g_spawn_sync(NULL, argv, env, 0, NULL, NULL, &out, &e, &status, &gerr)) {
		snprintf(ctl->err, sizeof(ctl->err),
		         "cannot run %s (%s): is ferry installed on this node? (OCF_ROOT=%s)",
		         agent, gerr->message, root);
		g_error_free(gerr);
		r = -ENOENT;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *why = e != NULL ? strstr(e, "ocf-exit-reason:") : NULL;
		char *line = g_strdup(why != NULL ? why + strlen("ocf-exit-reason:")
		                                  : (e != NULL ? e : ""));
		char *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		snprintf(
		        ctl->err, sizeof(ctl->err),
		        "resource %s: ocf:ferry:vm refuses its parameters (validate-all exit %d): "
		        "%s; "
		        "change them with pcs resource update (doc/virtualdomain.md) and try again",
		        p->id, WIFEXITED(status) ? WEXITSTATUS(status) : -1, line);
		g_free(line);
		r = -EINVAL;
	}
	if (r == 0 && e != NULL && strstr(e, "unknown to ocf:ferry:vm") != NULL) {
		char *nl;
		char *w = strstr(e, "unknown to ocf:ferry:vm");

		while (w > e && w[-1] != '\n')
			w--;
		nl = strchr(w, '\n');
		if (nl != NULL)
			*nl = '\0';
		fprintf(stderr, "ferryctl: warning: %s\n", w);
	}
	g_free(out);
	g_free(e);
	g_strfreev(env);
	g_free(agent);
	return r;
}

/* ---- the config file -------------------------------------------------------- */

/* path's new text, atomically (a temporary file renamed over it), the old one
 * kept as PATH.pre-ferry (an existing backup is kept: it is older). */
static int
ctlimport_write_config(struct ctlimport *ctl, const char *path, const char *text)
{
	/* PATH.ferry-XXXXXX with the old file's mode, owner and group; file and
	 * directory fsynced */
	const struct fileio_opts o = {.keep_mode = true, .keep_owner = true, .tmp_unique = true};
	char *bak = g_strdup_printf("%s.pre-ferry", path);
	struct stat st;
	int r = 0;

	if (stat(path, &st) != 0 || (link(path, bak) != 0 && errno != EEXIST)) {
		snprintf(ctl->err, sizeof(ctl->err), "cannot keep %s as %s: %s", path, bak,
		         strerror(errno));
		r = -errno;
		goto cleanup;
	}
	r = fileio_write_atomic(path, text, strlen(text), &o);
	if (r < 0)
		snprintf(ctl->err, sizeof(ctl->err), "cannot write %s: %s", path, strerror(-r));
cleanup:
	g_free(bak);
	return r;
}

/* ---- waiting for Pacemaker ---------------------------------------------------- */

/* The probes of ocf:ferry:vm id after the refresh: 1 when every online node
 * has one and the owner's says running (others: not running); 0 not yet;
 * -EEXIST found running elsewhere (ctl->err), -EIO owner's says otherwise. */
static int
ctlimport_probed(struct ctlimport *ctl, xmlDoc *cib, const char *id, const char *owner)
{
	xmlXPathContext *xc = xmlXPathNewContext(cib);
	xmlXPathObject *obj = NULL;
	int r = 1;

	if (xc != NULL)
		obj = xmlXPathEvalExpression(
		        (const xmlChar *)"/cib/status/node_state[@crmd='online']", xc);
	if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0)
		r = 0;
	for (int i = 0; r == 1 && i < obj->nodesetval->nodeNr; i++) {
		xmlNode *ns = obj->nodesetval->nodeTab[i];
		xmlChar *uname = xmlGetProp(ns, (const xmlChar *)"uname");
		bool is_owner = uname != NULL && strcmp((const char *)uname, owner) == 0;
		char *q = g_strdup_printf(
		        "lrm/lrm_resources/lrm_resource[@id='%s'][@provider='ferry']"
		        "[@type='vm']/lrm_rsc_op[@operation='monitor'][@interval='0']"
		        "[@op-status!='-1']",
		        id);
		xmlXPathObject *o2;
		xmlChar *rc = NULL;

		xc->node = ns;
		o2 = xmlXPathEvalExpression((const xmlChar *)q, xc);
		if (o2 == NULL || o2->nodesetval == NULL || o2->nodesetval->nodeNr == 0)
			r = 0;
		else
			rc = xmlGetProp(o2->nodesetval->nodeTab[0], (const xmlChar *)"rc-code");
		if (rc != NULL && is_owner && strcmp((const char *)rc, "0") != 0) {
			snprintf(ctl->err, sizeof(ctl->err),
			         "resource %s: ocf:ferry:vm's probe on %s returned %s, not running",
			         id, owner, (const char *)rc);
			r = -EIO;
		} else if (rc != NULL && !is_owner && strcmp((const char *)rc, "7") != 0) {
			snprintf(ctl->err, sizeof(ctl->err),
			         "resource %s: ocf:ferry:vm's probe on %s returned %s (7 = not "
			         "running was expected)",
			         id, uname != NULL ? (const char *)uname : "?", (const char *)rc);
			r = -EEXIST;
		}
		xmlFree(rc);
		xmlXPathFreeObject(o2);
		xmlFree(uname);
		g_free(q);
	}
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(xc);
	return r;
}

static int
ctlimport_wait_probe(struct ctlimport *ctl, const char *id, const char *owner)
{
	time_t end = time(NULL) + CTLIMPORT_PROBE_WAIT_S;

	for (;;) {
		xmlDoc *cib = NULL;
		int r = ctlimport_cib(ctl, &cib);

		if (r == 0) {
			r = ctlimport_probed(ctl, cib, id, owner);
			xmlFreeDoc(cib);
			if (r != 0)
				return r < 0 ? r : 0;
		}
		if (time(NULL) >= end) {
			snprintf(ctl->err, sizeof(ctl->err),
			         "resource %s: ocf:ferry:vm's probes did not all come back within "
			         "%d s "
			         "(crm_mon -1 --show-detail)",
			         id, CTLIMPORT_PROBE_WAIT_S);
			return -ETIMEDOUT;
		}
		usleep(500 * 1000);
	}
}

/* ---- one resource -------------------------------------------------------------- */

static void
ctlimport_free_nodes(char **nodes, size_t n)
{
	for (size_t i = 0; nodes != NULL && i < n; i++)
		free(nodes[i]);
	free(nodes);
}

static int
ctlimport_managed(struct ctlimport *ctl, const char *id, bool has, const char *value)
{
	char *set[] = {
	        "crm_resource", "--resource",        (char *)id,    "--meta", "--set-parameter",
	        "is-managed",   "--parameter-value", (char *)value, NULL};
	char *del[] = {"crm_resource",       "--resource", (char *)id, "--meta",
	               "--delete-parameter", "is-managed", NULL};

	return ctlimport_tool(ctl, has ? set : del, NULL);
}

static bool
ctlimport_confirm(const char *id, const char *node)
{
	char answer[16];

	fprintf(stderr,
	        "Switch resource %s, running on %s, to ocf:ferry:vm? It stays running; Pacemaker\n"
	        "does not manage it while the agent is replaced.  Type 'yes' to continue: ",
	        id, node);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return false;
	return strcmp(answer, "yes\n") == 0;
}

/* The real import, after everything was checked.  Refusals after the
 * resource was unmanaged leave it unmanaged and say what to do. */
static int
ctlimport_apply(struct ctlimport *ctl, struct importplan *p, const char *domain,
                const struct ctlimport_ident *before, const char *new_config, virConnectPtr conn)
{
	char *replace[] = {"cibadmin",   "--replace", "--scope", "resources",
	                   "--xml-text", NULL,        NULL};
	char *refresh[] = {"crm_resource", "--refresh", "--resource", p->id, NULL};
	struct ferry_ipc_vm_rsp rsp;
	struct ctlimport_ident after;
	xmlDoc *cib = NULL;
	char **nodes = NULL;
	size_t n = 0;
	char *new_xml = NULL;
	int r;

	if (new_config != NULL) {
		r = ctlimport_write_config(ctl, p->config, new_config);
		if (r != 0)
			return r;
		printf("%s: config %s: <uuid>%s</uuid> added (was kept as %s.pre-ferry)\n", p->id,
		       p->config, before->uuid, p->config);
	}
	if (p->ledger) {
		memset(&rsp, 0, sizeof(rsp));
		r = ferryclient_acquire(ctl->ferryd, domain, before->uuid, p->id,
		                        FERRY_ACQUIRE_START, 0, &rsp);
		if (r != 0 || rsp.verdict != FERRY_VERDICT_GRANTED) {
			snprintf(ctl->err, sizeof(ctl->err),
			         "resource %s: ferryd's ledger did not register %s as running "
			         "on %s: %s%s%.*s; nothing in the CIB was changed",
			         p->id, domain, ctl->local,
			         r != 0 ? strerror(-r) : ferryclient_verdict_name(rsp.verdict),
			         r != 0 ? "" : ": ", (int)sizeof(rsp.reason) - 1,
			         r != 0 ? "" : rsp.reason);
			return r != 0 ? r : -EPERM;
		}
		printf("%s: ledger: %s registered as running on %s (generation %" PRIu64 ")\n",
		       p->id, domain, ctl->local, rsp.generation);
	}
	r = ctlimport_managed(ctl, p->id, true, "false");
	if (r != 0)
		return r;
	printf("%s: unmanaged (is-managed=false)\n", p->id);
	/* the primitive as it is now, with is-managed=false, under ferry's agent */
	r = ctlimport_cib(ctl, &cib);
	if (r == 0) {
		xmlXPathContext *xc = xmlXPathNewContext(cib);
		char *q =
		        g_strdup_printf("/cib/configuration/resources//primitive[@id='%s']", p->id);
		xmlXPathObject *o =
		        xc != NULL ? xmlXPathEvalExpression((const xmlChar *)q, xc) : NULL;

		if (o != NULL && o->nodesetval != NULL && o->nodesetval->nodeNr == 1)
			new_xml = importplan_new_xml(o->nodesetval->nodeTab[0]);
		xmlXPathFreeObject(o);
		xmlXPathFreeContext(xc);
		g_free(q);
		xmlFreeDoc(cib);
	}
	if (new_xml == NULL) {
		if (r == 0)
			snprintf(ctl->err, sizeof(ctl->err), "resource %s vanished from the CIB",
			         p->id);
		r = r != 0 ? r : -ENOENT;
		goto unmanaged;
	}
	replace[5] = new_xml;
	r = ctlimport_tool(ctl, replace, NULL);
	free(new_xml);
	if (r != 0)
		goto restore;
	printf("%s: primitive replaced: ocf:ferry:vm\n", p->id);
	r = ctlimport_tool(ctl, refresh, NULL);
	if (r != 0)
		goto unmanaged;
	r = ctlimport_wait_probe(ctl, p->id, ctl->local);
	if (r != 0)
		goto unmanaged;
	printf("%s: ocf:ferry:vm's probe finds it running on %s\n", p->id, ctl->local);
	r = ctlimport_managed(ctl, p->id, p->has_managed, p->managed);
	if (r != 0)
		goto unmanaged;
	printf("%s: managed again (is-managed %s)\n", p->id,
	       p->has_managed ? p->managed : "as before");
	{
		char *wait[] = {"crm_resource", "--wait", "--timeout=120s", NULL};

		(void)ctlimport_run(wait, NULL, NULL, NULL);
	}
	r = ctlimport_locate(ctl, p->id, &nodes, &n);
	if (r == 0 && (n != 1 || strcmp(nodes[0], ctl->local) != 0)) {
		snprintf(ctl->err, sizeof(ctl->err),
		         "resource %s: after the import Pacemaker places it on %s, not on %s: "
		         "look at crm_mon and the guest",
		         p->id, n > 0 ? nodes[0] : "no node", ctl->local);
		r = -EIO;
	}
	ctlimport_free_nodes(nodes, n);
	if (r != 0)
		return r;
	r = ctlimport_ident(ctl, conn, p->id, domain, &after);
	if (r != 0 || after.dom_id != before->dom_id || after.qemu_pid != before->qemu_pid ||
	    after.cpu_ns < before->cpu_ns || strcmp(after.uuid, before->uuid) != 0) {
		fprintf(stderr,
		        "ferryctl: *** resource %s: THE GUEST DID NOT STAY UP: domain id %d -> %d, "
		        "QEMU pid %ld -> %ld, cpu time %llu -> %llu ns%s%s ***\n",
		        p->id, before->dom_id, after.dom_id, before->qemu_pid, after.qemu_pid,
		        before->cpu_ns, after.cpu_ns, r != 0 ? ": " : "", r != 0 ? ctl->err : "");
		snprintf(ctl->err, sizeof(ctl->err),
		         "resource %s: the guest was restarted during the import (see above)",
		         p->id);
		return -EIO;
	}
	printf("%s: imported; the guest kept running (domain id %d, QEMU pid %ld, cpu time "
	       "%.1f s -> %.1f s)\n",
	       p->id, after.dom_id, after.qemu_pid, (double)before->cpu_ns / 1e9,
	       (double)after.cpu_ns / 1e9);
	return 0;
restore:
	/* the primitive was not replaced: give it back to Pacemaker as it was */
	if (ctlimport_managed(ctl, p->id, p->has_managed, p->managed) == 0) {
		fprintf(stderr, "ferryctl: resource %s: unchanged and managed again\n", p->id);
		return r;
	}
unmanaged:
	fprintf(stderr,
	        "ferryctl: resource %s is left UNMANAGED (is-managed=false) so that Pacemaker "
	        "does not stop or start the VM; look at crm_mon, fix what is said below, then "
	        "'crm_resource --resource %s --meta --delete-parameter is-managed'\n",
	        p->id, p->id);
	return r;
}

/* Until no probe of id is in flight (a node that joins, e.g. after its fence,
 * probes every resource): reads the CIB again into *cib, CTLIMPORT_SETTLE_WAIT_S
 * at most, saying once that it waits.  The CIB's other refusals are left to
 * importplan_read.  0, or -EINPROGRESS with ctl->err when the time is up. */
static int
ctlimport_settle(struct ctlimport *ctl, xmlDoc **cib, const char *id)
{
	time_t end = time(NULL) + CTLIMPORT_SETTLE_WAIT_S;
	bool said = false;
	struct importplan p;
	int r;

	for (;;) {
		memset(&p, 0, sizeof(p));
		r = importplan_read(*cib, id, &p, ctl->err, sizeof(ctl->err));
		importplan_clear(&p);
		if (r != -EINPROGRESS)
			return 0;
		if (time(NULL) >= end) {
			size_t l = strlen(ctl->err);

			snprintf(ctl->err + l, sizeof(ctl->err) - l,
			         " and still is after %d s: see crm_mon -1 --operations, and run "
			         "ferryctl import again once it is over",
			         CTLIMPORT_SETTLE_WAIT_S);
			return -EINPROGRESS;
		}
		if (!said) {
			printf("%s; waiting for it (%d s at most)\n", ctl->err,
			       CTLIMPORT_SETTLE_WAIT_S);
			fflush(stdout);
			said = true;
		}
		usleep(500 * 1000);
		xmlDoc *fresh = NULL;
		if (ctlimport_cib(ctl, &fresh) == 0) {
			xmlFreeDoc(*cib);
			*cib = fresh;
		}
	}
}

/* Checks everything, then prints the plan (dry run) or applies it. */
static int
ctlimport_one(struct ctlimport *ctl, xmlDoc *cib, const char *id, virConnectPtr *conn)
{
	struct importplan p;
	struct ctlimport_ident ident;
	char domain[256], uuid[VIR_UUID_STRING_BUFLEN + 8];
	char **nodes = NULL;
	size_t n = 0;
	char *text = NULL, *new_config = NULL;
	char tmpl[] = "/tmp/ferryctl-import-XXXXXX";
	int fd = -1;
	int r;

	r = importplan_read(cib, id, &p, ctl->err, sizeof(ctl->err));
	if (r != 0)
		return r;
	r = ctlimport_locate(ctl, id, &nodes, &n);
	if (r == 0)
		r = importplan_check_nodes(id, (const char *const *)nodes, n, ctl->local, ctl->err,
		                           sizeof(ctl->err));
	ctlimport_free_nodes(nodes, n);
	if (r != 0)
		goto cleanup;
	r = ctlimport_config(ctl, p.config, &text, domain, sizeof(domain), uuid, sizeof(uuid));
	if (r != 0)
		goto cleanup;
	if (*conn == NULL) {
		const char *uri = p.hypervisor[0] != '\0' ? p.hypervisor : CTLIMPORT_DEFAULT_URI;

		*conn = virConnectOpen(uri);
		if (*conn == NULL) {
			snprintf(ctl->err, sizeof(ctl->err),
			         "cannot connect to libvirt (%s): %s; is libvirtd running?", uri,
			         ctlimport_virt_err());
			r = -EIO;
			goto cleanup;
		}
	}
	r = ctlimport_ident(ctl, *conn, id, domain, &ident);
	if (r != 0)
		goto cleanup;
	if (uuid[0] != '\0' && strcasecmp(uuid, ident.uuid) != 0) {
		snprintf(ctl->err, sizeof(ctl->err),
		         "resource %s: the config's <uuid>%s</uuid> is not the running domain's "
		         "(%s); "
		         "ferry would not recognise the VM: put %s into %s",
		         id, uuid, ident.uuid, ident.uuid, p.config);
		r = -EINVAL;
		goto cleanup;
	}
	if (uuid[0] == '\0') {
		r = importplan_add_uuid(text, ident.uuid, &new_config);
		if (r != 0) {
			snprintf(ctl->err, sizeof(ctl->err),
			         "resource %s: cannot add <uuid>%s</uuid> to %s (%s); add it after "
			         "<name> by hand and try again",
			         id, ident.uuid, p.config,
			         r == -EBADMSG ? "no </name>" : strerror(-r));
			goto cleanup;
		}
	}
	/* the agent judges the parameters with the config as it will be */
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0 || write(fd, new_config != NULL ? new_config : text,
	                    strlen(new_config != NULL ? new_config : text)) < 0) {
		snprintf(ctl->err, sizeof(ctl->err), "cannot write %s: %s", tmpl, strerror(errno));
		r = -EIO;
		goto cleanup;
	}
	r = ctlimport_validate(ctl, &p, tmpl);
	if (r != 0)
		goto cleanup;
	if (ctl->dry_run) {
		importplan_print(stdout, &p, ctl->local, domain, ident.uuid, new_config != NULL);
		printf("guest now: domain id %d, QEMU pid %ld\n", ident.dom_id, ident.qemu_pid);
		printf("(dry run: nothing changed)\n");
		goto cleanup;
	}
	if (!ctl->yes) {
		if (isatty(STDIN_FILENO) == 0) {
			snprintf(ctl->err, sizeof(ctl->err),
			         "not a terminal, cannot ask for confirmation: add --yes");
			r = -ECANCELED;
			goto cleanup;
		}
		if (!ctlimport_confirm(id, ctl->local)) {
			snprintf(ctl->err, sizeof(ctl->err), "resource %s: not confirmed", id);
			r = -ECANCELED;
			goto cleanup;
		}
	}
	r = ctlimport_apply(ctl, &p, domain, &ident, new_config, *conn);
cleanup:
	if (fd >= 0) {
		(void)close(fd);
		(void)unlink(tmpl);
	}
	free(new_config);
	g_free(text);
	importplan_clear(&p);
	return r;
}

static int
ctlimport_exit(int r)
{
	switch (r) {
	case 0:
	case -EALREADY:
		return FERRYCTL_OK;
	case -EREMOTE:
		return FERRYCTL_NOT_HERE;
	case -ECANCELED:
		return FERRYCTL_CANCELLED;
	case -ENOTCONN:
		return FERRYCTL_UNREACHABLE;
	case -EPERM:
		return FERRYCTL_REFUSED;
	default:
		return FERRYCTL_ERROR;
	}
}

/* ferryd on every node, and this node's name as ferryd knows it. */
static int
ctlimport_ferryd(struct ctlimport *ctl)
{
	struct ferry_ipc_status_rsp *s = NULL;
	size_t len = 0;
	int r = ferryclient_connect(&ctl->ferryd);

	if (r == 0)
		r = ferryclient_status(ctl->ferryd, &s, &len);
	if (r != 0) {
		snprintf(
		        ctl->err, sizeof(ctl->err),
		        "cannot ask ferryd on this node (%s): ferryd must run on every node before "
		        "an import (ferryctl status)",
		        strerror(-r));
		return r == -EACCES || r == -EPERM ? -EPERM : -ENOTCONN;
	}
	for (uint32_t i = 0; i < s->n_nodes; i++) {
		s->nodes[i].name[FERRY_IPC_NODE_LEN - 1] = '\0';
		if (s->nodes[i].nodeid == s->local_nodeid)
			snprintf(ctl->local, sizeof(ctl->local), "%s", s->nodes[i].name);
	}
	r = importplan_check_ferryd(s, ctl->err, sizeof(ctl->err));
	if (r == 0 && ctl->local[0] == '\0') {
		snprintf(ctl->err, sizeof(ctl->err), "ferryd does not know this node's name yet");
		r = -EAGAIN;
	}
	free(s);
	return r;
}

int
ctlimport_main(int argc, char **argv)
{
	struct ctlimport ctl;
	virConnectPtr conn = NULL;
	xmlDoc *cib = NULL;
	char **ids = NULL;
	size_t n_ids = 0;
	const char *rsc = NULL;
	size_t done = 0, skipped = 0;
	bool seen_cmd = false;
	int r = 0, ret = FERRYCTL_OK;

	memset(&ctl, 0, sizeof(ctl));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			ctl.dry_run = true;
		} else if (strcmp(argv[i], "--yes") == 0) {
			ctl.yes = true;
		} else if (strcmp(argv[i], "--all") == 0) {
			ctl.all = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			ctlimport_usage(stdout);
			return FERRYCTL_OK;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "ferryctl: import: unknown option %s\n", argv[i]);
			ctlimport_usage(stderr);
			return FERRYCTL_USAGE;
		} else if (strcmp(argv[i], "import") == 0 && !seen_cmd) {
			seen_cmd = true;
		} else if (rsc == NULL) {
			rsc = argv[i];
		} else {
			ctlimport_usage(stderr);
			return FERRYCTL_USAGE;
		}
	}
	if ((rsc == NULL) == !ctl.all) {
		ctlimport_usage(stderr);
		return FERRYCTL_USAGE;
	}
	virSetErrorFunc(NULL, ctlimport_quiet);
	xmlInitParser();
	r = ctlimport_cib(&ctl, &cib);
	if (r == 0 && ctl.all)
		r = importplan_select_all(cib, &ids, &n_ids);
	else if (r == 0)
		r = ctlimport_settle(&ctl, &cib, rsc);
	if (r == 0 && !ctl.all) {
		struct importplan p;

		/* the refusals the CIB alone answers, before ferryd is asked */
		memset(&p, 0, sizeof(p));
		r = importplan_read(cib, rsc, &p, ctl.err, sizeof(ctl.err));
		importplan_clear(&p);
	}
	if (r == -EALREADY)
		printf("%s\n", ctl.err);
	else if (r != 0)
		fprintf(stderr, "ferryctl: import: %s\n",
		        ctl.err[0] != '\0' ? ctl.err : strerror(-r));
	if (r != 0) {
		xmlFreeDoc(cib);
		return ctlimport_exit(r);
	}
	if (ctl.all) {
		printf("import --all: %zu ocf:heartbeat:VirtualDomain resource%s in the CIB%s",
		       n_ids, n_ids == 1 ? "" : "s", n_ids > 0 ? ":" : "");
		for (size_t i = 0; i < n_ids; i++)
			printf(" %s", ids[i]);
		printf("\n");
	}
	r = ctlimport_ferryd(&ctl);
	if (r != 0) {
		fprintf(stderr, "ferryctl: import: %s\n", ctl.err);
		ret = ctlimport_exit(r);
		goto cleanup;
	}
	if (!ctl.all) {
		r = ctlimport_one(&ctl, cib, rsc, &conn);
		if (r != 0 && r != -EALREADY)
			fprintf(stderr, "ferryctl: import: %s\n", ctl.err);
		else if (r == -EALREADY)
			printf("%s\n", ctl.err);
		ret = ctlimport_exit(r);
		goto cleanup;
	}
	for (size_t i = 0; i < n_ids; i++) {
		ctl.err[0] = '\0';
		r = ctlimport_settle(&ctl, &cib, ids[i]);
		if (r == 0)
			r = ctlimport_one(&ctl, cib, ids[i], &conn);
		if (r == -EREMOTE || r == -ESRCH) {
			printf("%s: skipped: %s\n", ids[i], ctl.err);
			skipped++;
			continue;
		}
		if (r != 0) {
			fprintf(stderr, "ferryctl: import: %s\n", ctl.err);
			printf("import --all: stopped at %s; %zu imported%s, %zu skipped, %zu not "
			       "tried\n",
			       ids[i], done, ctl.dry_run ? " (dry run)" : "", skipped,
			       n_ids - i - 1);
			ret = ctlimport_exit(r);
			goto cleanup;
		}
		done++;
	}
	printf("import --all: %zu %s, %zu skipped (not running, or running on another node: run "
	       "ferryctl import --all there)\n",
	       done, ctl.dry_run ? "would be imported" : "imported", skipped);
cleanup:
	if (conn != NULL)
		virConnectClose(conn);
	ferryclient_free(ctl.ferryd);
	importplan_ids_free(ids, n_ids);
	xmlFreeDoc(cib);
	return ret;
}
