/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctldrain.c - the facts of a maintenance drain (ctldrain_gather()) and
 * `ferryctl drain NODE --plan`.  See ctldrain.h.
 *
 * Pacemaker's own tools are run on files in a private temporary directory:
 *   cibadmin -Q                          the CIB (CIB_file/CIB_shadow honoured)
 *   crm_mon -1 --output-as=xml           nodes and where resources run, on that copy
 *   crm_attribute --node N --name standby --update on   on a second copy
 *   crm_simulate -x COPY -S -O AFTER     Pacemaker's scheduler carries the standby out
 *   crm_mon -1 --output-as=xml           where each resource ended, on AFTER
 * Each is given CIB_file explicitly, so nothing of the cluster is written.
 * The configuration (migration-limit, priority, move, config, constraints,
 * utilization) is read from the copy with libxml2's XPath.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "ferry/client.h"
#include "ctlcib.h"
#include "ctldrain.h"
#include "ctlpredict.h"
#include "ferry/numparse.h"
#include "ferry/predict.h"
#include "ferry/textout.h"
#include "ferry/vmsample.h"
#include "ferryctl.h"

FERRY_ENUM_IMPL(ctldrain_move, enum ctldrain_move, _CTLDRAIN_MOVE_MAX, "resource", "live", "quick",
                "auto");

#define CTLDRAIN_DEFAULT_URI "qemu:///system"
#define CTLDRAIN_FERRY_AGENT "ocf:ferry:vm"
#define CTLDRAIN_PATH_EXTRA  "/usr/sbin:/sbin:/usr/bin:/bin"

/* src into dst, cut to len. */
static void
ctldrain_copy(char *dst, size_t len, const char *src)
{
	if (snprintf(dst, len, "%s", src != NULL ? src : "") < 0 && len > 0)
		dst[0] = '\0';
}

/* Appends "; text" (or text when empty) to buf, cut to its size. */
static void
ctldrain_append(char *buf, size_t len, const char *text)
{
	size_t n = strlen(buf);

	if (n + 1 < len && snprintf(buf + n, len - n, "%s%s", n > 0 ? "; " : "", text) < 0)
		buf[n] = '\0';
}

/* ---- the work directory and the tools ---------------------------------------- */

struct ctldrain_dir {
	char path[PATH_MAX - 32];
};

static int
ctldrain_dir_new(struct ctldrain_dir *d)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(d->path, sizeof(d->path), "%s/ferryctl-drain-XXXXXX",
	         tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(d->path) == NULL) {
		d->path[0] = '\0';
		return -errno;
	}
	return 0;
}

static void
ctldrain_file(const struct ctldrain_dir *d, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", d->path, name);
}

static void
ctldrain_dir_free(struct ctldrain_dir *d)
{
	DIR *dir;
	struct dirent *e;

	if (d->path[0] == '\0' || getenv("FERRY_DRAIN_KEEP_TMP") != NULL)
		return;
	dir = opendir(d->path);
	if (dir != NULL) {
		while ((e = readdir(dir)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				(void)unlinkat(dirfd(dir), e->d_name, 0);
		closedir(dir);
	}
	(void)rmdir(d->path);
	d->path[0] = '\0';
}

/* The first line of a tool's error output, for a message. */
static void
ctldrain_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char line[512];

	buf[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0') {
			ctldrain_copy(buf, len, line);
			break;
		}
	}
	fclose(f);
}

/*
 * Runs argv (no shell) with stdout into out and stderr into a file beside
 * it; cib_path, when not NULL, is its CIB_file (CIB_shadow unset).  0 when
 * it exits 0; else -EIO (-ENOENT when the tool is missing) and err says
 * which tool and its first error line.
 */
/* The tool's absolute path: PATH, then the usual sbin and bin dirs. */
static int
ctldrain_which(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	char *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s%s%s", path != NULL ? path : "", path != NULL ? ":" : "",
	         CTLDRAIN_PATH_EXTRA);
	for (char *dir = strtok_r(dirs, ":", &save); dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] == '\0' || snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
			continue;
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Our environment with CIB_file set to cib_path and CIB_shadow left out
 * (cib_path NULL: our environment as it is).  Freed with free(). */
static char **
ctldrain_env(const char *cib_path, char **own)
{
	extern char **environ;
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (env == NULL)
		return NULL;
	*own = NULL;
	for (size_t i = 0; i < n; i++) {
		if (cib_path != NULL && (strncmp(environ[i], "CIB_file=", 9) == 0 ||
		                         strncmp(environ[i], "CIB_shadow=", 11) == 0))
			continue;
		env[k++] = environ[i];
	}
	if (cib_path != NULL) {
		if (asprintf(own, "CIB_file=%s", cib_path) < 0) {
			free(env);
			return NULL;
		}
		env[k++] = *own;
	}
	return env;
}

/*
 * Runs argv (no shell) with stdout into out and stderr into a file beside
 * it; cib_path, when not NULL, is its CIB_file (CIB_shadow unset).  0 when
 * it exits 0; else -EIO (-ENOENT when the tool is missing) and err says
 * which tool and its first error line.  Everything the child needs is made
 * before fork(): it only redirects and execs.
 */
static int
ctldrain_run(const struct ctldrain_dir *d, const char *const *argv, const char *cib_path,
             const char *out, char *err, size_t err_len)
{
	char errpath[PATH_MAX], tool[PATH_MAX];
	char first[384];
	char *own = NULL;
	char **env;
	int status, fo, fe, fi;
	pid_t pid;

	if (ctldrain_which(argv[0], tool, sizeof(tool)) != 0) {
		textout_msg(err, err_len, "%s is not installed or not in PATH (Pacemaker's tools)",
		            argv[0]);
		return -ENOENT;
	}
	ctldrain_file(d, "tool.err", errpath, sizeof(errpath));
	fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fi = open("/dev/null", O_RDONLY | O_CLOEXEC);
	env = ctldrain_env(cib_path, &own);
	pid = fo >= 0 && fe >= 0 && fi >= 0 && env != NULL ? fork() : -1;
	if (pid == 0) {
		if (dup2(fi, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(126);
		execve(tool, (char *const *)argv, env);
		_exit(126);
	}
	if (pid < 0)
		textout_msg(err, err_len, "cannot run %s: %s", argv[0], strerror(errno));
	if (fo >= 0)
		close(fo);
	if (fe >= 0)
		close(fe);
	if (fi >= 0)
		close(fi);
	free(env);
	free(own);
	if (pid < 0)
		return -EIO;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	ctldrain_first_line(errpath, first, sizeof(first));
	textout_msg(err, err_len, "%s failed (%s %d)%s%s", argv[0],
	            WIFEXITED(status) ? "exit" : "signal",
	            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	            first[0] != '\0' ? ": " : "", first);
	return -EIO;
}

static int
ctldrain_copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int r = 0;
	int fi = open(from, O_RDONLY | O_CLOEXEC);
	int fo = fi >= 0 ? open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;

	if (fi < 0 || fo < 0)
		r = -errno;
	while (r == 0 && (n = read(fi, buf, sizeof(buf))) != 0) {
		if (n < 0 || write(fo, buf, (size_t)n) != n)
			r = n < 0 ? -errno : -EIO;
	}
	if (fi >= 0)
		close(fi);
	if (fo >= 0 && close(fo) != 0 && r == 0)
		r = -errno;
	return r;
}

/* ---- XML ------------------------------------------------------------------ */

static xmlDoc *
ctldrain_xml_read(const char *path)
{
	return xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* The nodes matching expr (relative to ctx, or the document when NULL). */
static xmlXPathObject *
ctldrain_xpath(xmlDoc *doc, xmlNode *ctx, const char *expr)
{
	xmlXPathContext *xc = xmlXPathNewContext(doc);
	xmlXPathObject *o;

	if (xc == NULL)
		return NULL;
	if (ctx != NULL)
		xc->node = ctx;
	o = xmlXPathEvalExpression((const xmlChar *)expr, xc);
	xmlXPathFreeContext(xc);
	if (o != NULL && (o->type != XPATH_NODESET || o->nodesetval == NULL)) {
		xmlXPathFreeObject(o);
		return NULL;
	}
	return o;
}

/* The attribute attr of the first node matching expr, into buf ("" none). */
static bool
ctldrain_xpath_attr(xmlDoc *doc, xmlNode *ctx, const char *expr, const char *attr, char *buf,
                    size_t len)
{
	xmlXPathObject *o = ctldrain_xpath(doc, ctx, expr);
	bool found = false;

	buf[0] = '\0';
	if (o != NULL && o->nodesetval->nodeNr > 0) {
		xmlChar *v = xmlGetProp(o->nodesetval->nodeTab[0], (const xmlChar *)attr);

		if (v != NULL) {
			snprintf(buf, len, "%s", (const char *)v);
			found = true;
		}
		xmlFree(v);
	}
	xmlXPathFreeObject(o);
	return found;
}

static void
ctldrain_prop(xmlNode *x, const char *attr, char *buf, size_t len)
{
	xmlChar *v = xmlGetProp(x, (const xmlChar *)attr);

	snprintf(buf, len, "%s", v != NULL ? (const char *)v : "");
	xmlFree(v);
}

static bool
ctldrain_prop_true(xmlNode *x, const char *attr)
{
	char v[16];

	ctldrain_prop(x, attr, v, sizeof(v));
	return strcmp(v, "true") == 0;
}

/* An id usable inside an XPath string literal ('...'): no quote in it. */
static bool
ctldrain_xpath_safe(const char *s)
{
	return strchr(s, '\'') == NULL && strchr(s, '"') == NULL;
}

/* ---- Pacemaker's view: crm_mon's XML ------------------------------------------ */

struct ctldrain_mon_node {
	char name[DRAIN_NODE_MAX];
	bool online, standby, maintenance;
};

struct ctldrain_mon_rsc {
	char id[DRAIN_ID_MAX];
	char agent[DRAIN_ID_MAX];
	char node[DRAIN_NODE_MAX]; /* "" when not active (or active on several) */
};

#define CTLDRAIN_MON_MAX 512

struct ctldrain_mon {
	struct ctldrain_mon_node nodes[CTLDRAIN_MAX_NODES];
	size_t n_nodes;
	struct ctldrain_mon_rsc rscs[CTLDRAIN_MON_MAX];
	size_t n_rscs;
};

static int
ctldrain_mon_parse(const char *path, struct ctldrain_mon *m, char *err, size_t err_len)
{
	xmlDoc *doc = ctldrain_xml_read(path);
	xmlXPathObject *o;

	memset(m, 0, sizeof(*m));
	if (doc == NULL) {
		textout_msg(err, err_len, "crm_mon's XML cannot be parsed");
		return -EBADMSG;
	}
	o = ctldrain_xpath(doc, NULL, "/pacemaker-result/nodes/node");
	for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
		xmlNode *x = o->nodesetval->nodeTab[i];
		struct ctldrain_mon_node *n;

		if (m->n_nodes == CTLDRAIN_MAX_NODES)
			break;
		n = &m->nodes[m->n_nodes++];
		ctldrain_prop(x, "name", n->name, sizeof(n->name));
		n->online = ctldrain_prop_true(x, "online");
		n->standby = ctldrain_prop_true(x, "standby");
		n->maintenance = ctldrain_prop_true(x, "maintenance");
	}
	xmlXPathFreeObject(o);
	o = ctldrain_xpath(doc, NULL, "/pacemaker-result/resources//resource");
	for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
		xmlNode *x = o->nodesetval->nodeTab[i];
		struct ctldrain_mon_rsc *r;
		int n_on = 0;

		if (m->n_rscs == CTLDRAIN_MON_MAX)
			break;
		r = &m->rscs[m->n_rscs++];
		ctldrain_prop(x, "id", r->id, sizeof(r->id));
		ctldrain_prop(x, "resource_agent", r->agent, sizeof(r->agent));
		if (!ctldrain_prop_true(x, "active"))
			continue;
		for (xmlNode *c = x->children; c != NULL; c = c->next) {
			if (c->type != XML_ELEMENT_NODE ||
			    xmlStrcmp(c->name, (const xmlChar *)"node") != 0)
				continue;
			if (n_on++ == 0)
				ctldrain_prop(c, "name", r->node, sizeof(r->node));
		}
		if (n_on != 1)
			r->node[0] = '\0';
	}
	xmlXPathFreeObject(o);
	xmlFreeDoc(doc);
	return 0;
}

static const struct ctldrain_mon_node *
ctldrain_mon_node(const struct ctldrain_mon *m, const char *name)
{
	for (size_t i = 0; i < m->n_nodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return &m->nodes[i];
	return NULL;
}

static const struct ctldrain_mon_rsc *
ctldrain_mon_rsc(const struct ctldrain_mon *m, const char *id)
{
	for (size_t i = 0; i < m->n_rscs; i++)
		if (strcmp(m->rscs[i].id, id) == 0)
			return &m->rscs[i];
	return NULL;
}

/* ---- the node ----------------------------------------------------------------- */

static void
ctldrain_node_list(const struct ctldrain_mon *m, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < m->n_nodes; i++) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s%s", i > 0 ? ", " : "", m->nodes[i].name);
	}
	if (m->n_nodes == 0)
		snprintf(buf, len, "none");
}

static int
ctldrain_check_node(const char *node, const struct ctldrain_mon *m, char *err, size_t err_len)
{
	const struct ctldrain_mon_node *n = ctldrain_mon_node(m, node);
	char names[512];
	size_t others = 0;

	if (n == NULL) {
		ctldrain_node_list(m, names, sizeof(names));
		textout_msg(err, err_len,
		            "node %s is not in the cluster's configuration; its nodes are: %s",
		            node, names);
		return -ENODEV;
	}
	if (n->standby) {
		textout_msg(err, err_len,
		            "node %s is already in standby: Pacemaker has moved its resources "
		            "away, there is nothing to drain ('pcs node unstandby %s' or "
		            "'ferryctl undrain %s' brings it back)",
		            node, node, node);
		return -EALREADY;
	}
	for (size_t i = 0; i < m->n_nodes; i++)
		if (strcmp(m->nodes[i].name, node) != 0 && m->nodes[i].online &&
		    !m->nodes[i].standby && !m->nodes[i].maintenance)
			others++;
	if (others == 0) {
		textout_msg(err, err_len,
		            "node %s is the last node online and out of standby: its VMs would "
		            "have nowhere to go; bring another node online first",
		            node);
		return -ENOSPC;
	}
	return 0;
}

/* ---- the configuration ---------------------------------------------------------- */

/* An nvpair's value in the block named block (meta_attributes, ...) of
 * element x, "" when unset.  Rules are not evaluated: the first value wins. */
static void
ctldrain_nvpair(xmlDoc *doc, xmlNode *x, const char *block, const char *name, char *buf, size_t len)
{
	char expr[256];

	snprintf(expr, sizeof(expr), "./%s/nvpair[@name='%s']", block, name);
	(void)ctldrain_xpath_attr(doc, x, expr, "value", buf, len);
}

static uint32_t
ctldrain_migration_limit(xmlDoc *cib, char *from, size_t from_len)
{
	char v[32];
	uint32_t n;

	ctldrain_xpath_attr(cib, NULL,
	                    "/cib/configuration/crm_config/cluster_property_set/"
	                    "nvpair[@name='migration-limit']",
	                    "value", v, sizeof(v));
	if (v[0] != '\0' && ferry_parse_u32_range(v, 1, DRAIN_MAX_VMS, &n) == 0) {
		snprintf(from, from_len, "migration-limit=%s in crm_config", v);
		return n;
	}
	if (v[0] != '\0')
		snprintf(from, from_len, "default 1 (migration-limit=%s in crm_config: none)", v);
	else
		snprintf(from, from_len, "default 1 (no migration-limit in crm_config)");
	return 1;
}

/* The primitive with this id (NULL when none, or the id cannot be quoted). */
static xmlNode *
ctldrain_primitive(xmlDoc *cib, const char *id)
{
	char expr[DRAIN_ID_MAX + 64];
	xmlXPathObject *o;
	xmlNode *x = NULL;

	if (!ctldrain_xpath_safe(id))
		return NULL;
	snprintf(expr, sizeof(expr), "/cib/configuration/resources//primitive[@id='%s']", id);
	o = ctldrain_xpath(cib, NULL, expr);
	if (o != NULL && o->nodesetval->nodeNr > 0)
		x = o->nodesetval->nodeTab[0];
	xmlXPathFreeObject(o);
	return x;
}

/* Why Pacemaker would stop resource id (it has no target with node in
 * standby), from the constraints and utilization that can explain it. */
static void
ctldrain_why_stopped(xmlDoc *cib, xmlNode *prim, const char *id, const char *node, char *buf,
                     size_t len)
{
	char why[DRAIN_REASON_MAX * 2] = "";
	char banned[DRAIN_REASON_MAX] = "";
	char expr[DRAIN_ID_MAX + 96];
	char strategy[32], mem[32];
	xmlXPathObject *o;

	snprintf(expr, sizeof(expr), "/cib/configuration/constraints/rsc_location[@rsc='%s']", id);
	o = ctldrain_xpath(cib, NULL, expr);
	for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
		char cid[DRAIN_ID_MAX], cnode[DRAIN_NODE_MAX], score[32], text[DRAIN_REASON_MAX];
		xmlNode *x = o->nodesetval->nodeTab[i];

		ctldrain_prop(x, "id", cid, sizeof(cid));
		ctldrain_prop(x, "node", cnode, sizeof(cnode));
		ctldrain_prop(x, "score", score, sizeof(score));
		if (strcmp(cnode, node) == 0 &&
		    (strcmp(score, "INFINITY") == 0 || strcmp(score, "+INFINITY") == 0)) {
			snprintf(text, sizeof(text), "pinned to %.40s by %.60s", node, cid);
			ctldrain_append(why, sizeof(why), text);
		} else if (cnode[0] != '\0' && strcmp(score, "-INFINITY") == 0) {
			size_t n = strlen(banned);

			if (n + 1 < sizeof(banned) &&
			    snprintf(banned + n, sizeof(banned) - n, "%s%.40s", n > 0 ? ", " : "",
			             cnode) < 0)
				banned[n] = '\0';
		}
	}
	xmlXPathFreeObject(o);
	if (banned[0] != '\0') {
		char text[DRAIN_REASON_MAX];

		snprintf(text, sizeof(text), "banned from %.100s", banned);
		ctldrain_append(why, sizeof(why), text);
	}
	ctldrain_xpath_attr(cib, NULL,
	                    "/cib/configuration/crm_config/cluster_property_set/"
	                    "nvpair[@name='placement-strategy']",
	                    "value", strategy, sizeof(strategy));
	ctldrain_nvpair(cib, prim, "utilization", "memory", mem, sizeof(mem));
	if (why[0] == '\0' && mem[0] != '\0' && strategy[0] != '\0' &&
	    strcmp(strategy, "default") != 0) {
		char text[DRAIN_REASON_MAX];

		snprintf(text, sizeof(text), "utilization memory=%s fits no other node", mem);
		ctldrain_append(why, sizeof(why), text);
	}
	if (why[0] == '\0')
		snprintf(why, sizeof(why), "Pacemaker's scheduler would stop it");
	snprintf(buf, len, "no node can take it (%.*s)", (int)(len > 24 ? len - 24 : 0), why);
}

/* ---- predictions ---------------------------------------------------------------- */

struct ctldrain_libvirt {
	virConnectPtr conn;
	bool tried;
	char why_not[192]; /* why the local libvirt cannot be used */
};

static void
ctldrain_virt_quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static virDomainPtr
ctldrain_local_domain(struct ctldrain_libvirt *lv, const char *uri, const char *name)
{
	virDomainPtr d;
	int state = VIR_DOMAIN_NOSTATE, reason = 0;

	if (!lv->tried) {
		lv->tried = true;
		virSetErrorFunc(NULL, ctldrain_virt_quiet);
		lv->conn = virConnectOpen(uri); /* read-write: the dirty-rate calculation */
		if (lv->conn == NULL) {
			const char *m = virGetLastErrorMessage();

			snprintf(lv->why_not, sizeof(lv->why_not),
			         "no local libvirt (%.60s): %.100s", uri,
			         m != NULL ? m : "cannot connect");
		}
	}
	if (lv->conn == NULL)
		return NULL;
	d = virDomainLookupByName(lv->conn, name);
	if (d != NULL && (virDomainGetState(d, &state, &reason, 0) != 0 ||
	                  (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED))) {
		virDomainFree(d);
		d = NULL;
	}
	return d;
}

/* The kind of move for a resource's move parameter value ("" = the
 * agent's default, live); *is_auto when prediction decides it. */
static int
ctldrain_resource_move(const char *v, enum drain_move *ret, bool *is_auto)
{
	*is_auto = false;
	if (v[0] == '\0')
		*ret = DRAIN_MOVE_LIVE;
	else if (strcmp(v, "auto") == 0) { /* the agent's one choice (agents/params.h) */
		*ret = DRAIN_MOVE_LIVE;
		*is_auto = true;
	} else if (drain_move_from_name(v, ret) != 0)
		return -EINVAL;
	return 0;
}

/* Predicts vm's move (v->move set already, or decided here for auto). */
static void
ctldrain_predict(struct drain_vm *v, bool is_auto, const struct vmsample *s,
                 const struct ctlpredict_policy *pol)
{
	struct predict_input in;
	struct predict_params pp;
	struct predict_result *r = calloc(1, sizeof(*r));
	char why[200] = "", note[DRAIN_NOTE_MAX];
	int rc;

	if (r == NULL) {
		ctldrain_append(v->note, sizeof(v->note), "no prediction: out of memory");
		return;
	}
	ctlpredict_input(pol, s, &in, &pp);
	rc = predict_compute(&in, &pp, r);
	if (rc != 0) {
		snprintf(note, sizeof(note), "no prediction: %s (policy from %.60s)", strerror(-rc),
		         pol->from);
		ctldrain_append(v->note, sizeof(v->note), note);
		free(r);
		return;
	}
	v->memory_bytes = r->in.mem_bytes;
	if (is_auto) {
		v->move = predict_auto(r, why, sizeof(why)) == FERRY_MOVE_QUICK ? DRAIN_MOVE_QUICK
		                                                                : DRAIN_MOVE_LIVE;
		snprintf(note, sizeof(note), "auto: %s", why);
		ctldrain_append(v->note, sizeof(v->note), note);
	}
	switch (v->move) {
	case DRAIN_MOVE_LIVE:
		v->predicted_gap_ms =
		        (uint32_t)(r->live.guest_gap_ms > UINT32_MAX ? UINT32_MAX
		                                                     : r->live.guest_gap_ms);
		v->predicted_duration_ms =
		        (uint32_t)(r->live.total_ms > UINT32_MAX ? UINT32_MAX : r->live.total_ms);
		if (!r->live.converges)
			ctldrain_append(v->note, sizeof(v->note),
			                "live is predicted not to converge: the agent's move=live "
			                "fails over to its steps, then gives up");
		break;
	case DRAIN_MOVE_QUICK:
		v->predicted_gap_ms =
		        (uint32_t)(r->quick.guest_gap_ms > UINT32_MAX ? UINT32_MAX
		                                                      : r->quick.guest_gap_ms);
		v->predicted_duration_ms =
		        (uint32_t)(r->quick.total_ms > UINT32_MAX ? UINT32_MAX : r->quick.total_ms);
		break;
	case DRAIN_MOVE_RESTART:
	case _DRAIN_MOVE_MAX:
		v->predicted_gap_ms =
		        (uint32_t)(r->restart.guest_gap_ms > UINT32_MAX ? UINT32_MAX
		                                                        : r->restart.guest_gap_ms);
		v->predicted_duration_ms =
		        (uint32_t)(r->restart.total_ms > UINT32_MAX ? UINT32_MAX
		                                                    : r->restart.total_ms);
		break;
	}
	free(r);
}

/* Samples (or estimates) one VM and predicts its move. */
static void
ctldrain_vm_predict(struct drain_vm *v, bool is_auto, const char *node, const char *config,
                    uint64_t config_mem, const char *util_mem, const struct ctldrain_opts *o,
                    struct ctldrain_libvirt *lv, struct ctldrain_info *info, char *ret_save_dir,
                    size_t save_dir_len)
{
	const char *uri = o->uri != NULL ? o->uri : CTLDRAIN_DEFAULT_URI;
	struct ctlpredict_policy pol;
	struct vmsample_opts so;
	struct vmsample *s = calloc(1, sizeof(*s));
	virDomainPtr d;
	char err[256] = "", how[192], why[256];
	uint64_t mem = config_mem, mib;
	int rc = -ENODATA;

	if (s == NULL) {
		ctldrain_append(v->note, sizeof(v->note), "no prediction: out of memory");
		return;
	}
	ctlpredict_policy_of(v->resource, &pol);
	ctldrain_copy(ret_save_dir, save_dir_len, pol.save_dir);
	vmsample_opts_default(&so);
	so.node = node;
	so.target = v->target[0] != '\0' ? v->target : NULL;
	so.save_dir = pol.save_dir[0] != '\0' ? pol.save_dir : NULL;
	if (o->dirty_seconds >= 0)
		so.dirty_seconds = (uint32_t)o->dirty_seconds;

	d = ctldrain_local_domain(lv, uri, v->vm);
	if (d != NULL) {
		rc = vmsample_take(d, &so, s, err, sizeof(err));
		virDomainFree(d);
		if (rc == 0)
			info->n_sampled++;
	}
	if (rc != 0) {
		snprintf(why, sizeof(why), "%s",
		         d != NULL          ? err
		         : lv->conn == NULL ? lv->why_not
		                            : "it does not run in this node's libvirt");
		if (mem != 0) {
			snprintf(how, sizeof(how), "configured memory in %.150s", config);
		} else if (util_mem[0] != '\0' && ferry_parse_u64(util_mem, &mib) == 0 && mib > 0 &&
		           mib < UINT64_MAX / PREDICT_MIB) {
			mem = mib * PREDICT_MIB;
			snprintf(how, sizeof(how), "the resource's utilization memory=%s (MiB)",
			         util_mem);
		}
		if (mem != 0)
			rc = vmsample_from_memory(mem, how, why, &so, s);
		if (rc != 0) {
			ctldrain_append(v->note, sizeof(v->note),
			                "no prediction: not sampled here and no configured memory");
			free(s);
			return;
		}
		info->n_estimated++;
		ctldrain_append(v->note, sizeof(v->note), "estimated from configured memory");
	}
	ctldrain_predict(v, is_auto, s, &pol);
	free(s);
}

/* ---- a quick move's save_dir on both ends ------------------------------------------ */

/* A quick move writes the memory image into save_dir on the drained node and
 * restores it from save_dir on the target: both must be able to use it, and
 * it must be the same storage.  Only each node's own ferryd can look, so the
 * local ferryd asks them all (FERRY_IPC_PATH_CHECK), once per save_dir. */
#define CTLDRAIN_MAX_SHARES 16

struct ctldrain_share {
	char dir[PATH_MAX];
	int rc; /* of ferryclient_path_check */
	struct ferry_ipc_path_check_rsp *rsp;
};

struct ctldrain_shares {
	struct ctldrain_share s[CTLDRAIN_MAX_SHARES];
	size_t n;
	struct ferryclient *c;
	int connect_rc; /* 1 not tried yet */
};

/* The answer of the member named node, or NULL. */
static const struct ferry_ipc_path_answer *
ctldrain_share_answer(const struct ferry_ipc_path_check_rsp *rsp, const char *node)
{
	for (uint32_t i = 0; i < rsp->n && i < FERRY_IPC_MAX_NODES; i++)
		if (strcmp(rsp->answers[i].node, node) == 0)
			return &rsp->answers[i];
	return NULL;
}

/* What one end's answer means for v: blocked when that node cannot use dir
 * or it is not the asker's storage there; a note when nobody could tell. */
static void
ctldrain_share_end(struct drain_vm *v, const char *dir, const char *end,
                   const struct ferry_ipc_path_answer *a)
{
	char text[DRAIN_NOTE_MAX];

	if (a == NULL || a->result == -ETIMEDOUT) {
		textout_msg(text, sizeof(text), "save_dir on %s not checked: %s", end,
		            a == NULL ? "its ferryd is not in the group" : a->text);
		ctldrain_append(v->note, sizeof(v->note), text);
		return;
	}
	if (a->result == 0)
		return;
	textout_msg(v->blocked, sizeof(v->blocked), "save_dir %s is not usable on %s: %s%s", dir,
	            end, a->text,
	            a->result == -EXDEV || a->result == -ENOENT
	                    ? "; mount the shared save_dir there"
	                    : "");
}

/* Applies the local ferryd's answer about dir (rc < 0: none) to v, a VM of
 * node: only a quick move with a target and a save_dir is concerned. */
static void
ctldrain_share_apply(struct drain_vm *v, const char *node, const char *dir, int rc,
                     const struct ferry_ipc_path_check_rsp *rsp)
{
	const struct ferry_ipc_path_answer *local;
	char text[DRAIN_NOTE_MAX];

	if (v->move != DRAIN_MOVE_QUICK || v->target[0] == '\0' || v->blocked[0] != '\0' ||
	    dir == NULL || dir[0] == '\0')
		return;
	if (rc < 0 || rsp == NULL) {
		snprintf(text, sizeof(text), "save_dir on the target not checked: %s",
		         rc == -EPERM || rc == -EACCES ? "needs root" : "no ferryd");
		ctldrain_append(v->note, sizeof(v->note), text);
		return;
	}
	if (rsp->result < 0) {
		snprintf(text, sizeof(text), "save_dir on the target not checked: %.100s",
		         rsp->text);
		ctldrain_append(v->note, sizeof(v->note), text);
		return;
	}
	local = rsp->n > 0 ? &rsp->answers[0] : NULL;
	if (local == NULL || local->result != 0) {
		/* the drained node itself writes the image: it must use the dir */
		if (local != NULL && strcmp(local->node, node) == 0) {
			ctldrain_share_end(v, dir, node, local);
			return;
		}
		snprintf(text, sizeof(text),
		         "save_dir not checked: not usable where ferryctl runs%s%.60s",
		         local != NULL ? ": " : "", local != NULL ? local->text : "");
		ctldrain_append(v->note, sizeof(v->note), text);
		return;
	}
	ctldrain_share_end(v, dir, node, ctldrain_share_answer(rsp, node));
	if (v->blocked[0] == '\0')
		ctldrain_share_end(v, dir, v->target, ctldrain_share_answer(rsp, v->target));
}

/* The local ferryd's answer about dir: asked once, then from the cache. */
static void
ctldrain_share_check(struct ctldrain_shares *sh, struct drain_vm *v, const char *node,
                     const char *dir)
{
	struct ctldrain_share *x = NULL;
	size_t len = 0;

	if (v->move != DRAIN_MOVE_QUICK || v->target[0] == '\0' || v->blocked[0] != '\0' ||
	    dir[0] == '\0')
		return;
	for (size_t i = 0; i < sh->n && x == NULL; i++)
		if (strcmp(sh->s[i].dir, dir) == 0)
			x = &sh->s[i];
	if (x == NULL && sh->n == CTLDRAIN_MAX_SHARES) {
		ctldrain_append(v->note, sizeof(v->note),
		                "save_dir on the target not checked: too many save dirs");
		return;
	}
	if (x == NULL) {
		x = &sh->s[sh->n++];
		ctldrain_copy(x->dir, sizeof(x->dir), dir);
		if (sh->connect_rc == 1)
			sh->connect_rc = ferryclient_connect(&sh->c);
		x->rc = sh->connect_rc < 0 ? sh->connect_rc
		                           : ferryclient_path_check(sh->c, dir, &x->rsp, &len);
	}
	ctldrain_share_apply(v, node, dir, x->rc, x->rsp);
}

static void
ctldrain_shares_free(struct ctldrain_shares *sh)
{
	for (size_t i = 0; i < sh->n; i++)
		free(sh->s[i].rsp);
	ferryclient_free(sh->c);
	memset(sh, 0, sizeof(*sh));
}

/* ---- gathering ---------------------------------------------------------------------- */

struct ctldrain_run {
	struct ctldrain_dir dir;
	char cib[PATH_MAX], mon[PATH_MAX], standby[PATH_MAX], after[PATH_MAX], after_mon[PATH_MAX],
	        sim[PATH_MAX], tmp[PATH_MAX];
	struct ctldrain_mon now, then;
	xmlDoc *doc;
	struct ctldrain_shares shares;
};

/* Pacemaker's answers: the CIB, its status now and after the standby. */
static int
ctldrain_ask(struct ctldrain_run *w, const char *node, char *err, size_t err_len)
{
	const char *const q[] = {"cibadmin", "-Q", NULL};
	const char *const mon[] = {"crm_mon", "-1", "--output-as=xml", NULL};
	const char *const attr[] = {"crm_attribute", "--node",   node, "--name",
	                            "standby",       "--update", "on", NULL};
	const char *const sim[] = {"crm_simulate", "-x", w->standby, "-S", "-O", w->after, NULL};
	char e[384];
	int r;

	r = ctldrain_dir_new(&w->dir);
	if (r != 0) {
		textout_msg(err, err_len, "cannot make a temporary directory: %s", strerror(-r));
		return r;
	}
	ctldrain_file(&w->dir, "cib.xml", w->cib, sizeof(w->cib));
	ctldrain_file(&w->dir, "mon.xml", w->mon, sizeof(w->mon));
	ctldrain_file(&w->dir, "standby.xml", w->standby, sizeof(w->standby));
	ctldrain_file(&w->dir, "after.xml", w->after, sizeof(w->after));
	ctldrain_file(&w->dir, "after-mon.xml", w->after_mon, sizeof(w->after_mon));
	ctldrain_file(&w->dir, "simulate.txt", w->sim, sizeof(w->sim));
	ctldrain_file(&w->dir, "attr.txt", w->tmp, sizeof(w->tmp));

	/* the CIB as Pacemaker's tools see it (CIB_file/CIB_shadow of our caller) */
	r = ctldrain_run(&w->dir, q, NULL, w->cib, e, sizeof(e));
	if (r != 0) {
		textout_msg(err, err_len, "cannot read the CIB: %s%s", e,
		            getenv("CIB_file") != NULL ? "; check CIB_file"
		                                       : "; is Pacemaker running on this node, "
		                                         "and are you root or in haclient?");
		return r;
	}
	w->doc = ctldrain_xml_read(w->cib);
	if (w->doc == NULL) {
		textout_msg(err, err_len, "cannot parse the CIB that cibadmin -Q gave");
		return -EBADMSG;
	}
	r = ctldrain_run(&w->dir, mon, w->cib, w->mon, e, sizeof(e));
	if (r == 0)
		r = ctldrain_mon_parse(w->mon, &w->now, e, sizeof(e));
	if (r != 0) {
		textout_msg(err, err_len, "cannot read the cluster's status: %s", e);
		return r;
	}
	r = ctldrain_check_node(node, &w->now, err, err_len);
	if (r != 0)
		return r;
	r = ctldrain_copy_file(w->cib, w->standby);
	if (r == 0)
		r = ctldrain_run(&w->dir, attr, w->standby, w->tmp, e, sizeof(e));
	if (r == 0)
		r = ctldrain_run(&w->dir, sim, w->standby, w->sim, e, sizeof(e));
	if (r == 0)
		r = ctldrain_run(&w->dir, mon, w->after, w->after_mon, e, sizeof(e));
	if (r == 0)
		r = ctldrain_mon_parse(w->after_mon, &w->then, e, sizeof(e));
	if (r != 0) {
		textout_msg(err, err_len,
		            "cannot ask Pacemaker's scheduler where %s's resources would go: %s",
		            node, e[0] != '\0' ? e : strerror(-r));
		return r;
	}
	return 0;
}

/* The priority meta attribute as Pacemaker inherits it: the primitive's,
 * else its group's or clone's, else rsc_defaults'; "" when none sets it. */
static void
ctldrain_priority(xmlDoc *cib, xmlNode *prim, char *buf, size_t len)
{
	for (xmlNode *x = prim; x != NULL && x->type == XML_ELEMENT_NODE; x = x->parent) {
		if (xmlStrcmp(x->name, (const xmlChar *)"resources") == 0)
			break;
		ctldrain_nvpair(cib, x, "meta_attributes", "priority", buf, len);
		if (buf[0] != '\0')
			return;
	}
	(void)ctldrain_xpath_attr(cib, NULL,
	                          "/cib/configuration/rsc_defaults/meta_attributes/"
	                          "nvpair[@name='priority']",
	                          "value", buf, len);
}

static void
ctldrain_fill_vm(struct ctldrain_run *w, const char *node, const struct ctldrain_mon_rsc *now,
                 const struct ctldrain_opts *o, struct ctldrain_libvirt *lv,
                 struct ctldrain_info *info, struct drain_vm *v)
{
	const struct ctldrain_mon_rsc *then = ctldrain_mon_rsc(&w->then, now->id);
	xmlNode *prim = ctldrain_primitive(w->doc, now->id);
	char prio[32] = "", move[32] = "", config[PATH_MAX] = "", util_mem[32] = "";
	char name[DRAIN_ID_MAX], save_dir[PATH_MAX] = "";
	bool is_auto = false;
	uint64_t mem = 0;
	long p;
	char *end;

	memset(v, 0, sizeof(*v));
	ctldrain_copy(v->resource, sizeof(v->resource), now->id);
	ctldrain_copy(v->vm, sizeof(v->vm), now->id);
	if (prim != NULL) {
		ctldrain_priority(w->doc, prim, prio, sizeof(prio));
		ctldrain_nvpair(w->doc, prim, "instance_attributes", "move", move, sizeof(move));
		ctldrain_nvpair(w->doc, prim, "instance_attributes", "config", config,
		                sizeof(config));
		ctldrain_nvpair(w->doc, prim, "utilization", "memory", util_mem, sizeof(util_mem));
	}
	errno = 0;
	p = prio[0] != '\0' ? strtol(prio, &end, 10) : 0;
	if (prio[0] != '\0' && (errno != 0 || *end != '\0' || p < INT32_MIN || p > INT32_MAX)) {
		ctldrain_append(v->note, sizeof(v->note), "priority unreadable, taken as 0");
		p = 0;
	}
	v->priority = (int32_t)p;
	if (config[0] != '\0') {
		int r = ctlcib_domain_read(config, name, sizeof(name), &mem);

		if (r == 0)
			ctldrain_copy(v->vm, sizeof(v->vm), name);
		else
			mem = 0;
	}

	/* the kind of move: --move, else the resource's move parameter */
	if (o->move == CTLDRAIN_MOVE_LIVE || o->move == CTLDRAIN_MOVE_AUTO) {
		v->move = DRAIN_MOVE_LIVE;
		is_auto = o->move == CTLDRAIN_MOVE_AUTO;
	} else if (o->move == CTLDRAIN_MOVE_QUICK) {
		v->move = DRAIN_MOVE_QUICK;
	} else if (ctldrain_resource_move(move, &v->move, &is_auto) != 0) {
		char note[DRAIN_NOTE_MAX];

		snprintf(note, sizeof(note),
		         "move=%.40s is not one the agent takes: planned as live", move);
		ctldrain_append(v->note, sizeof(v->note), note);
		v->move = DRAIN_MOVE_LIVE;
	}

	/* where Pacemaker's scheduler sends it */
	if (then != NULL && then->node[0] != '\0' && strcmp(then->node, node) != 0)
		ctldrain_copy(v->target, sizeof(v->target), then->node);
	else if (then != NULL && strcmp(then->node, node) == 0)
		snprintf(v->blocked, sizeof(v->blocked),
		         "Pacemaker would leave it on %s (unmanaged, or in maintenance?)", node);
	else
		ctldrain_why_stopped(w->doc, prim, now->id, node, v->blocked, sizeof(v->blocked));

	ctldrain_vm_predict(v, is_auto, node, config, mem, util_mem, o, lv, info, save_dir,
	                    sizeof(save_dir));
	ctldrain_share_check(&w->shares, v, node, save_dir);
}

/* The overhead from the local ferryd's drain history: for every finished move of an earlier
 * drain or undrain (not an HA restart), how much longer it took than predicted; their median
 * once there are enough, else the a-priori figure.  A ferryd out of reach counts as no history
 * (a plan needs no ferryd), and the text says so. */
static void
ctldrain_overhead(struct ctldrain_info *inf)
{
	static int64_t excess[DRAIN_MAX_VMS * 4];
	struct ferry_ipc_drain_list_rsp *l = NULL;
	struct ferryclient *c = NULL;
	size_t n = 0, len = 0, n_drains = 0;
	const char *why = "no ferryd to ask for earlier drains";

	if (ferryclient_connect(&c) == 0 && ferryclient_drain_list(c, &l, &len) == 0) {
		const struct ferry_ipc_drain_info *d = (const struct ferry_ipc_drain_info *)(l + 1);

		why = "no earlier drain moves";
		for (uint32_t i = 0; i < l->n; i++) {
			struct ferry_ipc_drain_report_rsp *r = NULL;
			const struct ferry_ipc_drain_step *st;
			size_t rlen = 0;

			if (d[i].end_unix_ms <= 0 ||
			    ferryclient_drain_report(c, d[i].id, &r, &rlen) < 0 || r->found == 0) {
				free(r);
				continue;
			}
			st = (const struct ferry_ipc_drain_step *)(r + 1);
			for (uint32_t k = 0; k < r->info.n_steps; k++) {
				if (strcmp(st[k].state, "done") != 0 ||
				    st[k].kind == DRAIN_MOVE_RESTART || st[k].start_unix_ms <= 0 ||
				    st[k].end_unix_ms < st[k].start_unix_ms ||
				    strcmp(st[k].result, FERRY_IPC_DRAIN_HA_RESTART) == 0)
					continue;
				if (n == sizeof(excess) / sizeof(excess[0])) {
					memmove(excess, excess + 1, (n - 1) * sizeof(excess[0]));
					n--;
				}
				excess[n++] = st[k].end_unix_ms - st[k].start_unix_ms -
				              (int64_t)st[k].pred_duration_ms;
			}
			n_drains++;
			free(r);
		}
	}
	free(l);
	ferryclient_free(c);
	if (drainplan_overhead(excess, n, &inf->overhead_ms) == 0) {
		snprintf(inf->overhead_from, sizeof(inf->overhead_from),
		         "learned: the median of %zu moves of %zu earlier drains beyond their "
		         "prediction",
		         n, n_drains);
		return;
	}
	inf->overhead_ms = CTLDRAIN_OVERHEAD_APRIORI_MS;
	snprintf(inf->overhead_from, sizeof(inf->overhead_from), "a-priori (%s; learned after %d)",
	         n > 0 ? "too few earlier drain moves" : why, DRAIN_OVERHEAD_MIN_SAMPLES);
}

int
ctldrain_gather_info(const char *node, const struct ctldrain_opts *o, struct drain_vm *vms,
                     size_t *n_vms, struct ctldrain_other *others, size_t *n_others,
                     struct ctldrain_info *info, char *err, size_t err_len)
{
	struct ctldrain_run *w = NULL;
	struct ctldrain_libvirt lv = {0};
	struct ctldrain_info inf;
	size_t nv = 0, no = 0;
	int r;

	if (node == NULL || node[0] == '\0' || o == NULL || vms == NULL || n_vms == NULL ||
	    others == NULL || n_others == NULL) {
		textout_msg(err, err_len, "no node given");
		return -EINVAL;
	}
	if (strlen(node) >= DRAIN_NODE_MAX) {
		textout_msg(err, err_len, "node name %s is longer than %d characters", node,
		            DRAIN_NODE_MAX - 1);
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->shares.connect_rc = 1;
	memset(&inf, 0, sizeof(inf));
	xmlInitParser();
	r = ctldrain_ask(w, node, err, err_len);
	if (r != 0)
		goto cleanup;

	for (size_t i = 0; i < w->now.n_nodes && i < CTLDRAIN_MAX_NODES; i++)
		ctldrain_copy(inf.node_names[inf.n_nodes++], DRAIN_NODE_MAX, w->now.nodes[i].name);
	if (o->parallel > 0) {
		inf.parallel = o->parallel;
		snprintf(inf.parallel_from, sizeof(inf.parallel_from), "--parallel");
	} else {
		inf.parallel = ctldrain_migration_limit(w->doc, inf.parallel_from,
		                                        sizeof(inf.parallel_from));
	}

	for (size_t i = 0; i < w->now.n_rscs; i++) {
		const struct ctldrain_mon_rsc *now = &w->now.rscs[i];

		if (strcmp(now->node, node) != 0)
			continue;
		if (strcmp(now->agent, CTLDRAIN_FERRY_AGENT) == 0) {
			if (nv == *n_vms) {
				textout_msg(err, err_len,
				            "node %s runs more than %zu ferry VMs: one drain plans "
				            "at most %zu",
				            node, *n_vms, *n_vms);
				r = -E2BIG;
				goto cleanup;
			}
			ctldrain_fill_vm(w, node, now, o, &lv, &inf, &vms[nv++]);
		} else {
			const struct ctldrain_mon_rsc *then = ctldrain_mon_rsc(&w->then, now->id);
			struct ctldrain_other *x;

			if (no == *n_others) {
				textout_msg(err, err_len,
				            "node %s runs more than %zu other resources", node,
				            *n_others);
				r = -E2BIG;
				goto cleanup;
			}
			x = &others[no++];
			memset(x, 0, sizeof(*x));
			ctldrain_copy(x->resource, sizeof(x->resource), now->id);
			ctldrain_copy(x->agent, sizeof(x->agent), now->agent);
			if (then != NULL)
				ctldrain_copy(x->target, sizeof(x->target), then->node);
		}
	}
	*n_vms = nv;
	*n_others = no;
	ctldrain_overhead(&inf);
	if (info != NULL)
		*info = inf;
	r = 0;
cleanup:
	if (lv.conn != NULL)
		virConnectClose(lv.conn);
	if (w->doc != NULL)
		xmlFreeDoc(w->doc);
	ctldrain_shares_free(&w->shares);
	ctldrain_dir_free(&w->dir);
	free(w);
	return r;
}

int
ctldrain_gather(const char *node, const struct ctldrain_opts *o, struct drain_vm *vms,
                size_t *n_vms, struct ctldrain_other *others, size_t *n_others, char *err,
                size_t err_len)
{
	return ctldrain_gather_info(node, o, vms, n_vms, others, n_others, NULL, err, err_len);
}

/* ---- ferryctl drain NODE --plan --------------------------------------------------- */

struct ctldrain_cmd {
	bool json, plan, force;
	const char *node;
	struct ctldrain_opts o;
};

static void
ctldrain_usage(FILE *f)
{
	fprintf(f,
	        "Usage: ferryctl [--json] drain NODE --plan [--parallel N] [--order ORDER]\n"
	        "                [--move live|quick|auto] [--force]\n"
	        "Plans a maintenance drain of NODE and changes nothing: per VM the target\n"
	        "Pacemaker's scheduler gives it with NODE in standby, the kind of move, the\n"
	        "predicted guest-visible gap and duration, the order and the wave; the VMs that\n"
	        "cannot move; the other resources and where Pacemaker sends them; the totals.\n"
	        "  --parallel N   moves at once, 1..%d (default: migration-limit, else 1)\n"
	        "  --order ORDER  default (priority, then shortest move), priority,\n"
	        "                 smallest-gap-first, largest-first\n"
	        "  --move KIND    live, quick or auto for every VM (default: each resource's "
	        "move)\n"
	        "  --force        plan a drain that leaves the VMs that cannot move behind\n",
	        DRAIN_MAX_VMS);
}

static int
ctldrain_parse(int argc, char **argv, struct ctldrain_cmd *c)
{
	static const struct option opts[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"plan", no_argument, NULL, 'p'},
	        {"force", no_argument, NULL, 'F'},
	        {"parallel", required_argument, NULL, 'P'},
	        {"order", required_argument, NULL, 'o'},
	        {"move", required_argument, NULL, 'm'},
	        {"connect", required_argument, NULL, 'c'},
	        {"dirty-seconds", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *args[2];
	int n = 0, opt;
	uint32_t u;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "jpFP:o:m:c:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c->json = true;
			break;
		case 'p':
			c->plan = true;
			break;
		case 'F':
			c->force = true;
			break;
		case 'P':
			if (ferry_parse_u32_range(optarg, 1, DRAIN_MAX_VMS, &c->o.parallel) != 0) {
				fprintf(stderr,
				        "ferryctl: --parallel %s: give the number of moves at "
				        "once, a "
				        "whole number from 1 to %d\n",
				        optarg, DRAIN_MAX_VMS);
				return -EINVAL;
			}
			break;
		case 'o':
			if (drain_order_from_name(optarg, &c->o.order) != 0) {
				fprintf(stderr,
				        "ferryctl: --order %s: unknown; use default, priority, "
				        "smallest-gap-first or largest-first\n",
				        optarg);
				return -EINVAL;
			}
			break;
		case 'm':
			if (ctldrain_move_from_name(optarg, &c->o.move) != 0 ||
			    c->o.move == CTLDRAIN_MOVE_RESOURCE) {
				fprintf(stderr,
				        "ferryctl: --move %s: unknown; use live, quick or auto (or "
				        "leave it out for each resource's own move)\n",
				        optarg);
				return -EINVAL;
			}
			break;
		case 'c':
			c->o.uri = optarg;
			break;
		case 'd':
			if (ferry_parse_u32_range(optarg, 0, VMSAMPLE_DIRTY_SECONDS_MAX, &u) != 0) {
				fprintf(stderr, "ferryctl: --dirty-seconds %s: use 0..%d\n", optarg,
				        VMSAMPLE_DIRTY_SECONDS_MAX);
				return -EINVAL;
			}
			c->o.dirty_seconds = (int32_t)u;
			break;
		case 'h':
			ctldrain_usage(stdout);
			return 1;
		default:
			ctldrain_usage(stderr);
			return -EINVAL;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (n == 2) {
			fprintf(stderr, "ferryctl: drain takes one node (%s is one too many)\n",
			        argv[i]);
			return -EINVAL;
		}
		args[n++] = argv[i];
	}
	if (n != 2 || strcmp(args[0], "drain") != 0) {
		fprintf(stderr, "ferryctl: drain: name the node to drain\n");
		ctldrain_usage(stderr);
		return -EINVAL;
	}
	c->node = args[1];
	return 0;
}

static void
ctldrain_print_text(const struct ctldrain_cmd *c, const struct ctldrain_info *info,
                    const struct drain_vm *vms, size_t n, const struct ctldrain_other *others,
                    size_t n_others, const struct drain_plan *plan)
{
	printf("drain %s: %zu ferry VM%s; parallel %" PRIu32 " (%s); move: %s\n", c->node, n,
	       n == 1 ? "" : "s", info->parallel, info->parallel_from,
	       c->o.move == CTLDRAIN_MOVE_RESOURCE ? "each resource's own"
	                                           : ctldrain_move_name(c->o.move));
	printf("targets: Pacemaker's scheduler (crm_simulate) with %s in standby; predictions: "
	       "%zu sampled here, %zu estimated from configured memory%s%s%s\n",
	       c->node, info->n_sampled, info->n_estimated,
	       info->n_estimated > 0 ? " (run the plan on " : "",
	       info->n_estimated > 0 ? c->node : "",
	       info->n_estimated > 0 ? " to sample them)" : "");
	drainplan_print(vms, n, plan, stdout, false);
	if (n_others > 0) {
		printf("other resources on %s (Pacemaker moves them as it decides):\n", c->node);
		for (size_t i = 0; i < n_others; i++)
			printf("  %-16s %-28s -> %s\n", others[i].resource, others[i].agent,
			       others[i].target[0] != '\0' ? others[i].target : "stopped");
	}
	if (plan->n_blocked > 0 && !c->force)
		printf("the drain would be refused: %zu VM%s cannot move (above); with --force the "
		       "others are drained and Pacemaker stops %s when %s enters standby\n",
		       plan->n_blocked, plan->n_blocked == 1 ? "" : "s",
		       plan->n_blocked == 1 ? "it" : "them", c->node);
	else if (plan->n_blocked > 0)
		printf("--force: the others are drained and Pacemaker stops the %zu VM%s that "
		       "cannot move when %s enters standby\n",
		       plan->n_blocked, plan->n_blocked == 1 ? "" : "s", c->node);
	printf("this is a plan: nothing was changed\n");
}

static void
ctldrain_print_json(const struct ctldrain_cmd *c, const struct ctldrain_info *info,
                    const struct drain_vm *vms, size_t n, const struct ctldrain_other *others,
                    size_t n_others, const struct drain_plan *plan)
{
	fputs("{\"node\":", stdout);
	drainplan_json_str(c->node, stdout);
	fputs(",\"parallel_from\":", stdout);
	drainplan_json_str(info->parallel_from, stdout);
	printf(",\"move\":\"%s\",\"sampled\":%zu,\"estimated\":%zu,\"plan\":",
	       ctldrain_move_name(c->o.move), info->n_sampled, info->n_estimated);
	drainplan_print_json(vms, n, plan, stdout);
	fputs(",\"others\":[", stdout);
	for (size_t i = 0; i < n_others; i++) {
		printf("%s{\"resource\":", i > 0 ? "," : "");
		drainplan_json_str(others[i].resource, stdout);
		fputs(",\"agent\":", stdout);
		drainplan_json_str(others[i].agent, stdout);
		fputs(",\"target\":", stdout);
		if (others[i].target[0] != '\0')
			drainplan_json_str(others[i].target, stdout);
		else
			fputs("null", stdout);
		fputc('}', stdout);
	}
	printf("],\"force\":%s,\"refused_without_force\":%s,\"changed\":false}\n",
	       c->force ? "true" : "false", plan->n_blocked > 0 ? "true" : "false");
}

int
ctldrain_main(int argc, char **argv)
{
	struct ctldrain_cmd c = {.o = {.order = DRAIN_ORDER_DEFAULT,
	                               .move = CTLDRAIN_MOVE_RESOURCE,
	                               .dirty_seconds = -1}};
	struct drain_vm *vms = calloc(DRAIN_MAX_VMS, sizeof(*vms));
	struct ctldrain_other *others = calloc(CTLDRAIN_MAX_OTHERS, sizeof(*others));
	struct drain_plan *plan = calloc(1, sizeof(*plan));
	struct ctldrain_info info;
	struct drain_opts po;
	size_t n = DRAIN_MAX_VMS, n_others = CTLDRAIN_MAX_OTHERS;
	char err[1024] = "";
	int r, ret;

	if (vms == NULL || others == NULL || plan == NULL) {
		fprintf(stderr, "ferryctl: out of memory\n");
		ret = FERRYCTL_ERROR;
		goto cleanup;
	}
	r = ctldrain_parse(argc, argv, &c);
	if (r != 0) {
		ret = r > 0 ? FERRYCTL_OK : FERRYCTL_USAGE;
		goto cleanup;
	}
	if (!c.plan) {
		fprintf(stderr,
		        "ferryctl: drain %s: this ferryctl only plans a drain: add --plan "
		        "(carrying "
		        "one out is ferryd's, not built here)\n",
		        c.node);
		ret = FERRYCTL_USAGE;
		goto cleanup;
	}
	r = ctldrain_gather_info(c.node, &c.o, vms, &n, others, &n_others, &info, err, sizeof(err));
	if (r != 0) {
		fprintf(stderr, "ferryctl: drain %s: %s\n", c.node,
		        err[0] != '\0' ? err : strerror(-r));
		ret = r == -ENODEV || r == -EALREADY || r == -ENOSPC || r == -EINVAL || r == -E2BIG
		              ? FERRYCTL_USAGE
		              : FERRYCTL_ERROR;
		goto cleanup;
	}
	po.parallel = info.parallel;
	po.order = c.o.order;
	po.overhead_ms = info.overhead_ms;
	po.overhead_from = info.overhead_from;
	r = drainplan_build(vms, n, &po, plan);
	if (r != 0) {
		fprintf(stderr, "ferryctl: drain %s: cannot plan: %s\n", c.node, strerror(-r));
		ret = FERRYCTL_ERROR;
		goto cleanup;
	}
	if (c.json)
		ctldrain_print_json(&c, &info, vms, n, others, n_others, plan);
	else
		ctldrain_print_text(&c, &info, vms, n, others, n_others, plan);
	ret = FERRYCTL_OK;
cleanup:
	free(vms);
	free(others);
	free(plan);
	return ret;
}
