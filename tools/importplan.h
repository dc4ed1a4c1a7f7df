/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * importplan.h - what `ferryctl import` would change, decided from data only:
 * the CIB (a parsed document), where Pacemaker says the resource runs,
 * ferryd's status answer.  No I/O here; ctlimport.c asks the cluster, the
 * agent and libvirt and applies the plan.
 *
 * The translation keeps every instance attribute under its own name: the
 * agent (agents/params.c) honours or translates VirtualDomain's names and
 * refuses the others in validate-all, which ctlimport.c runs on the result.
 * There is no second table of parameters here.
 */
#ifndef FERRY_TOOLS_IMPORTPLAN_H
#define FERRY_TOOLS_IMPORTPLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <libxml/tree.h>

#include <ferry/ipcproto.h>

#define IMPORTPLAN_ID_MAX    256
#define IMPORTPLAN_ATTRS_MAX 64

struct importplan_attr {
	char *name;
	char *value;
};

struct importplan {
	char id[IMPORTPLAN_ID_MAX];
	char parent[IMPORTPLAN_ID_MAX]; /* the group it is in, or "" */
	char config[PATH_MAX];
	char hypervisor[PATH_MAX]; /* "" when unset */
	bool ledger;               /* the resource leaves ledger=on (ferry's default) */
	bool has_managed;          /* the primitive sets is-managed itself */
	char managed[16];          /* its value then */
	size_t n_attrs;            /* instance attributes, in CIB order, first wins */
	struct importplan_attr attrs[IMPORTPLAN_ATTRS_MAX];
	char *old_xml; /* the primitive as it is (malloc'd) */
	char *new_xml; /* the same under ocf:ferry:vm (malloc'd) */
};

/*
 * The plan for primitive id in cib (the whole CIB: configuration and status).
 * 0; otherwise err says why, naming the resource and what to do:
 * -ENOENT no such primitive; -EALREADY it is ocf:ferry:vm already;
 * -EINVAL another agent; -ENOTSUP in a clone or bundle, or instance
 * attributes with rules; -EBUSY an operation (a migration) is pending;
 * -EINPROGRESS only probes are pending (they end in seconds: wait and read again);
 * -E2BIG too many attributes; -ENOMEM.
 */
int importplan_read(xmlDoc *cib, const char *id, struct importplan *ret, char *err, size_t err_len);
void importplan_clear(struct importplan *p); /* frees what importplan_read allocated */

/* The same primitive under ocf:ferry:vm, from prim as it is now (the real
 * import rebuilds it after setting is-managed=false).  malloc'd, NULL on
 * failure. */
char *importplan_new_xml(xmlNode *prim);

/*
 * Where Pacemaker says it runs (nodes, n) against the node ferryctl runs on
 * (local).  0 when it runs on exactly local; -ESRCH not running; -EBUSY on
 * several nodes; -EREMOTE on another node only.  err says why and what to do.
 */
int importplan_check_nodes(const char *id, const char *const *nodes, size_t n, const char *local,
                           char *err, size_t err_len);

/* ferryd on every node: the status answer (its strings terminated) says
 * quorate, synced and every node a member.  0, or -EAGAIN with err. */
int importplan_check_ferryd(const struct ferry_ipc_status_rsp *s, char *err, size_t err_len);

/*
 * xml (a domain XML's text) with <uuid>uuid</uuid> put after its </name>,
 * everything else byte for byte.  0 and *ret (malloc'd); -EEXIST it has a
 * <uuid>; -EBADMSG no </name> in it.
 */
int importplan_add_uuid(const char *xml, const char *uuid, char **ret);

/* The ids of every ocf:heartbeat:VirtualDomain primitive, in CIB order:
 * *ret is a malloc'd array of n malloc'd strings (importplan_ids_free). */
int importplan_select_all(xmlDoc *cib, char ***ret, size_t *ret_n);
void importplan_ids_free(char **ids, size_t n);

/* What a dry run prints: the old and new primitive, the config change, the
 * ledger registration and the steps. uuid_added: the UUID written into the
 * config, or NULL when it has one. */
void importplan_print(FILE *f, const struct importplan *p, const char *node, const char *domain,
                      const char *uuid, bool uuid_added);

#endif
