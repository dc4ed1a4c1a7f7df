/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * params.c - OCF_RESKEY_* -> struct vm_params, from one table.
 *
 * params_table has a row for every parameter the agent knows, ferry's own
 * and each of ocf:heartbeat:VirtualDomain's 27: how it is applied, its
 * meta-data and, for VirtualDomain's, what ferry does with it.  Parsing
 * collects the given values by row, applies them in table order (the first
 * problem is the one reported), then builds the URIs VirtualDomain's names
 * ask for and checks combinations.  A name no row knows is kept for the
 * agent's warning: no parameter is ignored silently.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/numparse.h"
#include "params.h"
#include "probe.h"
#include "ferry/macros.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* params_move: movekind.h's names for the kinds, and the one choice */
#define PARAMS_MOVE_AUTO_NAME "auto"

const char *
params_move_name(enum params_move m)
{
	return m == PARAMS_MOVE_AUTO ? PARAMS_MOVE_AUTO_NAME : ferry_move_asked_name((unsigned)m);
}

int
params_move_from_name(const char *s, enum params_move *ret)
{
	enum ferry_move_kind k;

	if (s != NULL && strcmp(s, PARAMS_MOVE_AUTO_NAME) == 0) {
		*ret = PARAMS_MOVE_AUTO;
		return 0;
	}
	if (ferry_move_asked_from_name(s, &k) != 0)
		return -ENOENT;
	*ret = (enum params_move)k;
	return 0;
}

enum ferry_move_kind
params_move_kind(enum params_move m)
{
	return (unsigned)m < FERRY_MOVE_ASKED_MAX ? (enum ferry_move_kind)m : FERRY_MOVE_LIVE;
}

FERRY_ENUM_IMPL(params_on_stop, enum params_on_stop, _PARAMS_ON_STOP_MAX, "shutdown", "save",
                "destroy")
FERRY_ENUM_IMPL(params_vd, enum params_vd, _PARAMS_VD_MAX, "ferry only", "honoured", "translated",
                "refused")
#define PARAMS_NAME_(id, name) #name,
FERRY_ENUM_IMPL(params_id, enum params_id, _PARAMS_ID_MAX, PARAMS_LIST(PARAMS_NAME_))
FERRY_ENUM_IMPL(params_shutdown_mode, enum params_shutdown_mode, _PARAMS_SHUTDOWN_MAX,
                PARAMS_SHUTDOWN_MODES(PARAMS_NAME_))
#undef PARAMS_NAME_
FERRY_ENUM_IMPL(params_data, enum params_data, _PARAMS_DATA_MAX, "plain", "tls", "tunnelled")

struct params_ctx {
	struct vm_params *p;
	struct ocf_reason *why;
	const char *raw[_PARAMS_ID_MAX]; /* given values; NULL: not given (or empty) */
};

static const struct params_def params_table[];

/* ---- value parsers --------------------------------------------------- */

static int
params_parse_bool(const char *text, bool *ret)
{
	static const char *const yes[] = {"1", "yes", "true", "on", "y"};
	static const char *const no[] = {"0", "no", "false", "off", "n"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* No blanks or control characters: one address, host name or word. */
static bool
params_is_one_word(const char *s)
{
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	}
	return true;
}

static int
params_copy(struct ocf_reason *why, const char *name, const char *value, char *dst, size_t len)
{
	if (strlen(value) >= len)
		return ocf_fail(why, OCF_ERR_CONFIGURED,
		                "parameter %s is longer than %zu characters; shorten it", name,
		                len - 1);
	memcpy(dst, value, strlen(value) + 1);
	return OCF_SUCCESS;
}

static int
params_number(struct params_ctx *c, enum params_id id, const char *v, uint32_t *ret)
{
	const struct params_def *d = &params_table[id];
	uint64_t n;

	if (ferry_parse_u64(v, &n) != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is not a whole number; use %u..%u",
		                params_id_name(id), v, d->min, d->max);
	if (n < d->min || n > d->max)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is out of range; use %u..%u", params_id_name(id),
		                v, d->min, d->max);
	*ret = (uint32_t)n;
	return OCF_SUCCESS;
}

static int
params_boolean(struct params_ctx *c, enum params_id id, const char *v, bool *ret)
{
	if (params_parse_bool(v, ret) != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is not a boolean; use true or false",
		                params_id_name(id), v);
	return OCF_SUCCESS;
}

static void *
params_member(struct params_ctx *c, enum params_id id)
{
	return (char *)c->p + params_table[id].off;
}

/* ---- ferry's own parameters ------------------------------------------ */

static int
params_apply_string(struct params_ctx *c, enum params_id id, const char *v)
{
	return params_copy(c->why, params_id_name(id), v, params_member(c, id),
	                   params_table[id].size);
}

static int
params_apply_u32(struct params_ctx *c, enum params_id id, const char *v)
{
	uint32_t n;
	int rc = params_number(c, id, v, &n);

	if (rc == OCF_SUCCESS)
		memcpy(params_member(c, id), &n, sizeof(n));
	return rc;
}

static int
params_apply_bool(struct params_ctx *c, enum params_id id, const char *v)
{
	bool b;
	int rc = params_boolean(c, id, v, &b);

	if (rc == OCF_SUCCESS)
		memcpy(params_member(c, id), &b, sizeof(b));
	return rc;
}

static int
params_apply_path(struct params_ctx *c, enum params_id id, const char *v)
{
	if (v[0] != '/')
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is not an absolute path; give the full path of %s",
		                params_id_name(id), v,
		                id == PARAMS_CONFIG ? "the domain XML" : "a shared directory");
	return params_apply_string(c, id, v);
}

static int
params_apply_move(struct params_ctx *c, enum params_id id, const char *v)
{
	if (params_move_from_name(v, &c->p->move) != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is unknown; use one of live, quick, restart, auto",
		                params_id_name(id), v);
	return OCF_SUCCESS;
}

static int
params_apply_on_stop(struct params_ctx *c, enum params_id id, const char *v)
{
	if (params_on_stop_from_name(v, &c->p->on_stop) != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is unknown; use one of shutdown, save, destroy",
		                params_id_name(id), v);
	return OCF_SUCCESS;
}

static int
params_apply_ledger(struct params_ctx *c, enum params_id id, const char *v)
{
	if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is unknown; use one of on, off",
		                params_id_name(id), v);
	c->p->ledger = strcmp(v, "on") == 0;
	return OCF_SUCCESS;
}

static int
params_apply_downtime_steps(struct params_ctx *c, enum params_id id, const char *v)
{
	struct policy_config tmp = c->p->policy;

	if (strcmp(v, "none") == 0) {
		c->p->policy.n_downtime_steps = 0;
		return OCF_SUCCESS;
	}
	if (policy_parse_steps(v, &tmp) != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is invalid; give up to %d ascending values in ms "
		                "(1..60000) separated by commas, e.g. 50,100,200,400, or none",
		                params_id_name(id), v, POLICY_MAX_STEPS);
	c->p->policy = tmp;
	return OCF_SUCCESS;
}

static int
params_apply_max_downtime(struct params_ctx *c, enum params_id id, const char *v)
{
	return params_number(c, id, v, &c->p->policy.max_downtime_ms);
}

static int
params_apply_postcopy(struct params_ctx *c, enum params_id id, const char *v)
{
	if (policy_postcopy_from_name(v, &c->p->policy.postcopy) != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is unknown; use one of off, after-stall",
		                params_id_name(id), v);
	return OCF_SUCCESS;
}

static int
params_apply_fallback(struct params_ctx *c, enum params_id id, const char *v)
{
	if (policy_fallback_from_name(v, &c->p->policy.fallback) != 0)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is unknown; use one of none, quick",
		                params_id_name(id), v);
	return OCF_SUCCESS;
}

static int
params_apply_probe_address(struct params_ctx *c, enum params_id id, const char *v)
{
	if (!params_is_one_word(v))
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s='%s' contains a space or control character; give one "
		                "IP address or host name of the guest that answers ping, or leave "
		                "it empty",
		                params_id_name(id), v);
	return params_apply_string(c, id, v);
}

/* ---- VirtualDomain's names ------------------------------------------- */

/* A VirtualDomain name and the ferry parameter it becomes are both given
 * and say different things. */
static int
params_disagree(struct params_ctx *c, enum params_id vd, enum params_id ferry)
{
	return ocf_fail(c->why, OCF_ERR_CONFIGURED,
	                "parameters %s=%s (VirtualDomain's name) and %s=%s disagree; remove %s",
	                params_id_name(vd), c->raw[vd], params_id_name(ferry), c->raw[ferry],
	                params_id_name(vd));
}

static int
params_refuse(struct params_ctx *c, enum params_id id, const char *v)
{
	return ocf_fail(c->why, OCF_ERR_CONFIGURED,
	                "VirtualDomain's parameter %s=%s is refused by ocf:ferry:vm. %s",
	                params_id_name(id), v, params_table[id].answer);
}

/* false asks for nothing ferry does not do; true is refused. */
static int
params_refuse_true(struct params_ctx *c, enum params_id id, const char *v)
{
	bool b;
	int rc = params_boolean(c, id, v, &b);

	if (rc != OCF_SUCCESS || !b)
		return rc;
	return params_refuse(c, id, v);
}

/* VirtualDomain's alias of a ferry string parameter (remoteuri, migrateuri). */
static int
params_apply_alias(struct params_ctx *c, enum params_id id, const char *v)
{
	enum params_id ferry = id == PARAMS_VD_REMOTEURI ? PARAMS_REMOTE_URI : PARAMS_MIGRATION_URI;

	if (c->raw[ferry] != NULL && strcmp(c->raw[ferry], v) != 0)
		return params_disagree(c, id, ferry);
	return params_copy(c->why, params_id_name(id), v, params_member(c, ferry),
	                   params_table[ferry].size);
}

static int
params_apply_force_stop(struct params_ctx *c, enum params_id id, const char *v)
{
	bool b;
	int rc = params_boolean(c, id, v, &b);

	if (rc != OCF_SUCCESS || !b)
		return rc;
	if (c->raw[PARAMS_ON_STOP] != NULL && c->p->on_stop != PARAMS_ON_STOP_DESTROY)
		return params_disagree(c, id, PARAMS_ON_STOP);
	c->p->on_stop = PARAMS_ON_STOP_DESTROY;
	return OCF_SUCCESS;
}

/*
 * ssh and the others reach another node's libvirtd (unix and ext do not);
 * tls also encrypts the data (VIR_MIGRATE_TLS), tunnelled sends it through
 * libvirtd's connection and leaves the remote URI alone.
 */
static bool
params_is_tunnelled(const char *v)
{
	return strcmp(v, "tunnelled") == 0 || strcmp(v, "tunneled") == 0;
}

static int
params_apply_transport(struct params_ctx *c, enum params_id id, const char *v)
{
	static const char *const ok[] = {"ssh", "libssh", "libssh2", "tcp", "tls"};

	if (params_is_tunnelled(v)) {
		c->p->migration_data = PARAMS_DATA_TUNNELLED;
		return OCF_SUCCESS;
	}
	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		if (strcmp(v, ok[i]) == 0) {
			c->p->migration_data =
			        strcmp(v, "tls") == 0 ? PARAMS_DATA_TLS : PARAMS_DATA_PLAIN;
			return OCF_SUCCESS;
		}
	}
	return ocf_fail(c->why, OCF_ERR_CONFIGURED,
	                "parameter %s=%s is unknown; use one of ssh, libssh, libssh2, tcp, tls, "
	                "tunnelled, or give the whole URI in remote_uri",
	                params_id_name(id), v);
}

/* monitor_scripts: blank-separated commands, as VirtualDomain splits them. */
static int
params_apply_scripts(struct params_ctx *c, enum params_id id, const char *v)
{
	for (const char *s = v; *s != '\0'; s++) {
		if (iscntrl((unsigned char)*s) && !isspace((unsigned char)*s))
			return ocf_fail(c->why, OCF_ERR_CONFIGURED,
			                "parameter %s contains a control character; give paths of "
			                "executables separated by spaces",
			                params_id_name(id));
	}
	return params_apply_string(c, id, v);
}

/* shutdown_mode: virsh shutdown --mode's list, e.g. "agent,acpi". */
static int
params_apply_shutdown_mode(struct params_ctx *c, enum params_id id, const char *v)
{
	unsigned modes = 0;
	const char *s = v;

	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		char word[16];
		enum params_shutdown_mode m;

		if (len == 0 || len >= sizeof(word))
			goto bad;
		memcpy(word, s, len);
		word[len] = '\0';
		if (params_shutdown_mode_from_name(word, &m) != 0)
			goto bad;
		modes |= 1u << m;
		s += len;
		if (*s == ',' && *++s == '\0')
			goto bad;
	}
	c->p->shutdown_modes = modes;
	return OCF_SUCCESS;
bad:
	return ocf_fail(c->why, OCF_ERR_CONFIGURED,
	                "parameter %s=%s is invalid; give one or more of acpi, agent, initctl, "
	                "signal, paravirt separated by commas (as virsh shutdown --mode), or "
	                "leave it empty for libvirt's default",
	                params_id_name(id), v);
}

/* VirtualDomain ignores a user that does not match ^[a-z][-a-z0-9]*$;
 * ferry refuses it rather than connect as someone else. */
static int
params_apply_user(struct params_ctx *c, enum params_id id, const char *v)
{
	bool ok = v[0] >= 'a' && v[0] <= 'z';

	for (const char *s = v + 1; ok && *s != '\0'; s++)
		ok = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-';
	if (!ok)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is not a user name VirtualDomain would use "
		                "(^[a-z][-a-z0-9]*$); fix it or put the user into remote_uri",
		                params_id_name(id), v);
	return OCF_SUCCESS;
}

static int
params_apply_suffix(struct params_ctx *c, enum params_id id, const char *v)
{
	if (!params_is_one_word(v) || strpbrk(v, "/:@%?#[]") != NULL)
		return ocf_fail(
		        c->why, OCF_ERR_CONFIGURED,
		        "parameter %s='%s' is not a host name suffix; give what follows the "
		        "node name in the migration network's host name, e.g. -mig",
		        params_id_name(id), v);
	return params_copy(c->why, params_id_name(id), v, c->p->network_suffix,
	                   sizeof(c->p->network_suffix));
}

static int
params_apply_migration_downtime(struct params_ctx *c, enum params_id id, const char *v)
{
	uint32_t ms;
	int rc = params_number(c, id, v, &ms);

	if (rc != OCF_SUCCESS || ms == 0) /* 0: VirtualDomain does not set it */
		return rc;
	if (c->raw[PARAMS_MAX_DOWNTIME_MS] != NULL && c->p->policy.max_downtime_ms != ms)
		return params_disagree(c, id, PARAMS_MAX_DOWNTIME_MS);
	c->p->policy.max_downtime_ms = ms;
	return OCF_SUCCESS;
}

static int
params_apply_migration_speed(struct params_ctx *c, enum params_id id, const char *v)
{
	uint32_t mib_s;
	int rc = params_number(c, id, v, &mib_s);

	if (rc != OCF_SUCCESS)
		return rc;
	if (c->raw[PARAMS_BANDWIDTH_MIB_S] != NULL && c->p->bandwidth_mib_s != mib_s)
		return params_disagree(c, id, PARAMS_BANDWIDTH_MIB_S);
	c->p->bandwidth_mib_s = mib_s;
	return OCF_SUCCESS;
}

/* Checked here, used when the URIs are built (params_build_uris). */
static int
params_apply_check_u32(struct params_ctx *c, enum params_id id, const char *v)
{
	uint32_t n;

	return params_number(c, id, v, &n);
}

static int
params_apply_check_bool(struct params_ctx *c, enum params_id id, const char *v)
{
	bool b;

	return params_boolean(c, id, v, &b);
}

static int
params_apply_snapshot(struct params_ctx *c, enum params_id id, const char *v)
{
	bool force = false;

	if (v[0] != '/')
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is not an absolute path; give the full path of a "
		                "directory shared by all nodes",
		                params_id_name(id), v);
	if (c->raw[PARAMS_SAVE_DIR] != NULL && strcmp(c->raw[PARAMS_SAVE_DIR], v) != 0)
		return params_disagree(c, id, PARAMS_SAVE_DIR);
	if (c->raw[PARAMS_ON_STOP] != NULL && c->p->on_stop != PARAMS_ON_STOP_SAVE)
		return params_disagree(c, id, PARAMS_ON_STOP);
	if (c->raw[PARAMS_VD_FORCE_STOP] != NULL &&
	    params_parse_bool(c->raw[PARAMS_VD_FORCE_STOP], &force) == 0 && force)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameters snapshot and force_stop=true cannot be used together "
		                "(as in VirtualDomain); remove one");
	c->p->on_stop = PARAMS_ON_STOP_SAVE;
	return params_copy(c->why, params_id_name(id), v, c->p->save_dir, sizeof(c->p->save_dir));
}

/* ---- the table ------------------------------------------------------- */

#define MEMBER(m) .off = offsetof(struct vm_params, m), .size = sizeof(((struct vm_params *)0)->m)
#define OWN       (PARAMS_F_META | PARAMS_F_RELOADABLE)
/* a VirtualDomain name ferry translates: in the meta-data, marked deprecated */
#define VD_TRANSLATED(to) .vd = PARAMS_VD_TRANSLATED, .instead = (to), .flags = OWN
#define VD_REFUSED        .vd = PARAMS_VD_REFUSED

static const struct params_def params_table[] = {
        [PARAMS_CONFIG] =
                {
                        .type = "string",
                        .flags = PARAMS_F_META | PARAMS_F_REQUIRED | PARAMS_F_UNIQUE,
                        .vd = PARAMS_VD_HONOURED,
                        .shortdesc = "Path to the libvirt domain XML",
                        .longdesc = "Absolute path to the libvirt domain XML. The VM's name and "
                                    "UUID are read from it; the UUID must be fixed. Keep it on "
                                    "storage every node can read.",
                        .answer = "Same name and meaning: the domain XML. ferry runs the VM as a "
                                  "transient domain created from it, and the XML must carry a "
                                  "<uuid>.",
                        .apply = params_apply_path,
                        MEMBER(config),
                },
        [PARAMS_HYPERVISOR] =
                {
                        .type = "string",
                        .def = PARAMS_DEFAULT_HYPERVISOR,
                        .flags = PARAMS_F_META,
                        .vd = PARAMS_VD_HONOURED,
                        .shortdesc = "Local libvirt URI",
                        .longdesc = "libvirt connection URI of this node's hypervisor.",
                        .answer = "Same name and meaning. The default is " PARAMS_DEFAULT_HYPERVISOR
                                  " (VirtualDomain: virsh's default URI).",
                        .apply = params_apply_string,
                        MEMBER(hypervisor),
                },
        [PARAMS_REMOTE_URI] =
                {
                        .type = "string",
                        .def = PARAMS_DEFAULT_REMOTE_URI,
                        .flags = OWN,
                        .shortdesc = "libvirt URI of the target node (%n = node name)",
                        .longdesc = "libvirt URI of a migration target; %n is replaced by the "
                                    "target node's name. The source libvirtd opens it for "
                                    "peer-to-peer migration and the agent for quick moves.",
                        .apply = params_apply_string,
                        MEMBER(remote_uri),
                },
        [PARAMS_MIGRATION_URI] =
                {
                        .type = "string",
                        .def = "",
                        .flags = OWN,
                        .shortdesc = "Migration data URI (%n = node name), optional",
                        .longdesc = "URI of the migration data stream, e.g. tcp://%n-mig; empty "
                                    "lets libvirt choose.",
                        .apply = params_apply_string,
                        MEMBER(migration_uri),
                },
        [PARAMS_MOVE] =
                {
                        .type = "string",
                        .def = "live",
                        .flags = OWN,
                        .shortdesc = "How to move: live, quick, restart or auto",
                        .longdesc =
                                "What migrate_to/migrate_from do: live (pre-copy live "
                                "migration), quick (save memory to save_dir, restore on the "
                                "target), restart (shut down, boot on the target) or auto (needs "
                                "save_dir): before each move, measure the VM (memory, touched "
                                "memory, dirty rate over 1 s), take the migration bandwidth of "
                                "the last live move to the target and the save_dir bandwidth (a "
                                "32 MiB probe, cached 10 min), predict both moves and move live "
                                "when live is predicted to converge within the largest downtime "
                                "limit with a shorter gap than quick, otherwise quick. The choice "
                                "and its reason are logged and recorded in the move record; if "
                                "the VM cannot be measured, live.",
                        .apply = params_apply_move,
                },
        [PARAMS_SAVE_DIR] =
                {
                        .type = "string",
                        .def = "",
                        .flags = OWN,
                        .shortdesc = "Shared directory for memory images",
                        .longdesc = "Directory shared by all nodes where memory images are "
                                    "written. Required for move=quick, move=auto, on_stop=save "
                                    "and fallback=quick.",
                        .apply = params_apply_path,
                        MEMBER(save_dir),
                },
        [PARAMS_ON_STOP] =
                {
                        .type = "string",
                        .def = "shutdown",
                        .flags = OWN,
                        .shortdesc = "What stop does: shutdown, save or destroy",
                        .longdesc = "shutdown: ACPI shutdown, destroy after shutdown_timeout. "
                                    "save: save memory to save_dir so the next start restores "
                                    "it. destroy: power off at once.",
                        .apply = params_apply_on_stop,
                },
        [PARAMS_SHUTDOWN_TIMEOUT] =
                {
                        .type = "integer",
                        .def = STR(PARAMS_DEFAULT_SHUTDOWN_TIMEOUT_S),
                        .flags = OWN,
                        .shortdesc = "Seconds to wait for an ACPI shutdown (1-3600)",
                        .longdesc = "Seconds stop waits for the guest to shut down before "
                                    "destroying it; capped by the stop operation's timeout.",
                        .apply = params_apply_u32,
                        MEMBER(shutdown_timeout_s),
                        .min = 1,
                        .max = 3600,
                },
        [PARAMS_MAX_DOWNTIME_MS] =
                {
                        .type = "integer",
                        .def = STR(PARAMS_DEFAULT_MAX_DOWNTIME_MS),
                        .flags = OWN,
                        .shortdesc = "Initial live-migration downtime limit, ms (1-60000)",
                        .longdesc = "Downtime limit set before the live copy starts; a low limit "
                                    "buys more pre-copy passes and a shorter pause.",
                        .apply = params_apply_max_downtime,
                        .min = 1,
                        .max = 60000,
                },
        [PARAMS_DOWNTIME_STEPS] =
                {
                        .type = "string",
                        .def = PARAMS_DEFAULT_DOWNTIME_STEPS,
                        .flags = OWN,
                        .shortdesc = "Downtime limits to raise through when the copy stalls, ms",
                        .longdesc = "Ascending comma-separated limits in ms (e.g. "
                                    "50,100,200,400), or none.",
                        .apply = params_apply_downtime_steps,
                },
        [PARAMS_BANDWIDTH_MIB_S] =
                {
                        .type = "integer",
                        .def = "0",
                        .flags = OWN,
                        .shortdesc = "Live-migration bandwidth cap, MiB/s (0 = unlimited)",
                        .longdesc = "Maximum migration bandwidth in MiB/s; 0 leaves it "
                                    "unlimited.",
                        .apply = params_apply_u32,
                        MEMBER(bandwidth_mib_s),
                        .min = 0,
                        .max = 1000000,
                },
        [PARAMS_AUTO_CONVERGE] =
                {
                        .type = "boolean",
                        .def = "false",
                        .flags = OWN,
                        .shortdesc = "Throttle the guest's CPUs to make the copy converge",
                        .longdesc = "Passes VIR_MIGRATE_AUTO_CONVERGE: QEMU slows a guest that "
                                    "dirties memory too fast.",
                        .apply = params_apply_bool,
                        MEMBER(auto_converge),
                },
        [PARAMS_POSTCOPY] =
                {
                        .type = "string",
                        .def = "off",
                        .flags = OWN,
                        .shortdesc = "Post-copy: off or after-stall",
                        .longdesc = "after-stall: switch to post-copy when the pre-copy stops "
                                    "making progress after the last downtime step. Post-copy is "
                                    "never aborted once started.",
                        .apply = params_apply_postcopy,
                },
        [PARAMS_PARALLEL_CONNECTIONS] =
                {
                        .type = "integer",
                        .def = "0",
                        .flags = OWN,
                        .shortdesc = "Parallel migration connections (0-64, 0/1 = one)",
                        .longdesc = "Number of multifd connections; 2 or more passes "
                                    "VIR_MIGRATE_PARALLEL.",
                        .apply = params_apply_u32,
                        MEMBER(parallel_connections),
                        .min = 0,
                        .max = 64,
                },
        [PARAMS_SAVE_CHANNELS] =
                {
                        .type = "integer",
                        .def = STR(PARAMS_DEFAULT_SAVE_CHANNELS),
                        .flags = OWN,
                        .shortdesc = "Quick moves' save image: 0 raw, 1 sparse, 2-16 sparse "
                                     "through N channels",
                        .longdesc =
                                "How quick moves write and read the memory image. 0: the "
                                "classic raw image (virDomainSaveFlags), which every libvirt "
                                "reads. 1: a sparse image (QEMU's mapped-ram: pages at fixed "
                                "offsets, written and read with QEMU's own direct I/O). 2-16: a "
                                "sparse image through that many parallel channels. Sparse needs "
                                "libvirt >= 11.2 and QEMU >= 9.0 on both nodes (Debian 13, or "
                                "Debian 12 with bookworm-backports); where either node lacks it "
                                "the raw image is used and the move record says so. Stops with "
                                "on_stop=save always write raw images, so that any node can "
                                "restore them. The default, 1, was the fastest on the 2-core lab "
                                "(doc/bench.md).",
                        .apply = params_apply_u32,
                        MEMBER(save_channels),
                        .min = 0,
                        .max = PARAMS_MAX_SAVE_CHANNELS,
                },
        [PARAMS_COMPLETION_TIMEOUT_S_PER_GIB] =
                {
                        .type = "integer",
                        .def = "0",
                        .flags = OWN,
                        .shortdesc = "Live-copy time allowed per GiB of guest RAM, s (0 = no cap)",
                        .longdesc = "Caps the live attempt at this many seconds per GiB of guest "
                                    "memory, within the migrate_to timeout.",
                        .apply = params_apply_u32,
                        MEMBER(completion_timeout_s_per_gib),
                        .min = 0,
                        .max = 3600,
                },
        [PARAMS_FALLBACK] =
                {
                        .type = "string",
                        .def = "none",
                        .flags = OWN,
                        .shortdesc = "If live cannot finish in time: none or quick",
                        .longdesc = "quick: a live move that cannot finish within its budget is "
                                    "aborted and done by save/restore instead (needs save_dir). "
                                    "none: the move fails, the VM stays.",
                        .apply = params_apply_fallback,
                },
        [PARAMS_AUTOSET_UTILIZATION] =
                {
                        .type = "boolean",
                        .def = "false",
                        .flags = OWN,
                        .shortdesc = "Set Pacemaker utilization cpu and hv_memory from the XML",
                        .longdesc = "On start and migrate_from, set the resource's utilization "
                                    "cpu (vCPUs) and hv_memory (MiB) from the domain XML for "
                                    "placement-strategy=utilization, as VirtualDomain's "
                                    "autoset_utilization_cpu/_hv_memory do; unchanged values are "
                                    "not rewritten.",
                        .apply = params_apply_bool,
                        MEMBER(autoset_utilization),
                },
        [PARAMS_LEDGER] =
                {
                        .type = "string",
                        .def = PARAMS_DEFAULT_LEDGER,
                        .flags = OWN,
                        .shortdesc = "Use ferryd's ownership ledger: on or off",
                        .longdesc = "on: start and restore acquire the VM from ferryd's "
                                    "cluster-wide ledger first (a VM owned or orphaned elsewhere "
                                    "is refused), stop releases it, moves are begun and committed "
                                    "there and save image generations come from it; start is "
                                    "refused when ferryd does not run. Stop and monitor work "
                                    "without ferryd. off: ferryd is not asked; image generations "
                                    "are kept in save_dir's NAME.gen files.",
                        .apply = params_apply_ledger,
                },
        [PARAMS_PROBE_ADDRESS] =
                {
                        .type = "string",
                        .def = "",
                        .flags = OWN,
                        .shortdesc = "Address of the guest to ping during moves, to record the "
                                     "gap its clients see",
                        .longdesc =
                                "An IPv4 or IPv6 address of the guest that answers ping (a host "
                                "name works too; it is resolved at every move). During every live "
                                "or quick migrate_to the source node pings it every " STR(
                                        PROBE_INTERVAL_MS) " ms, from just before the move until "
                                                           "the "
                                                           "first reply after it (at most 10 s "
                                                           "more), and records the "
                                                           "longest gap between two replies as "
                                                           "guest_gap_ms in moves.jsonl, "
                                                           "beside libvirt's downtime_ms: the "
                                                           "guest-visible gap of the move, "
                                                           "to within the ping interval. If the "
                                                           "guest does not answer within "
                                                           "0.5 s before the move, a warning says "
                                                           "so and the move is not "
                                                           "measured; if it is still silent 10 s "
                                                           "after the move, the silence "
                                                           "so far is recorded (a lower bound) "
                                                           "with a warning. The probe "
                                                           "never fails a move. Not probed: "
                                                           "move=restart (the silence begins "
                                                           "and ends in two agents on two nodes) "
                                                           "and paused VMs. Empty: off.",
                        .apply = params_apply_probe_address,
                        MEMBER(probe_address),
                },

        [PARAMS_GUEST_AGENT_CHECK] =
                {
                        .type = "boolean",
                        .def = "false",
                        .flags = OWN,
                        .shortdesc = "Ping the QEMU guest agent in every monitor",
                        .longdesc = "true: every monitor of a running VM also asks the QEMU "
                                    "guest agent in the guest for its host name (libvirt's "
                                    "agent API); no answer fails the monitor (OCF_ERR_GENERIC), "
                                    "and start and migrate_from wait, within their timeout, "
                                    "until it answers. Needs a guest agent channel in the "
                                    "domain XML and qemu-guest-agent running in the guest. "
                                    "Checked before monitor_scripts; recurring monitors then "
                                    "always run the full agent.",
                        .apply = params_apply_bool,
                        MEMBER(guest_agent_check),
                },

        /* VirtualDomain's names (resource-agents heartbeat/VirtualDomain) */
        [PARAMS_VD_FORCE_STOP] =
                {
                        .type = "boolean",
                        VD_TRANSLATED("on_stop=destroy"),
                        .shortdesc = "Always destroy on stop",
                        .answer = "true becomes on_stop=destroy (power off at once); false "
                                  "changes nothing. Refused with another on_stop or with "
                                  "snapshot.",
                        .apply = params_apply_force_stop,
                },
        [PARAMS_VD_MIGRATION_TRANSPORT] =
                {
                        .type = "string",
                        .flags = OWN,
                        .vd = PARAMS_VD_HONOURED,
                        .shortdesc = "Migration transport: ssh, libssh, libssh2, tcp, tls "
                                     "or tunnelled",
                        .longdesc = "How migrations travel. ssh, libssh, libssh2, tcp: the "
                                    "source's libvirtd reaches the target's through "
                                    "remote_uri built from hypervisor "
                                    "(DRIVER+TRANSPORT://%n/PATH), the memory on QEMU's own "
                                    "unencrypted connection. tls: qemu+tls:// and the memory "
                                    "encrypted too (VIR_MIGRATE_TLS; needs libvirt's and QEMU's "
                                    "certificates, checked by validate-all). tunnelled: the "
                                    "memory inside the libvirtd connection "
                                    "(VIR_MIGRATE_TUNNELLED; remote_uri unchanged; no "
                                    "migration URI, post-copy or parallel connections). Unset: "
                                    "remote_uri as given, memory unencrypted.",
                        .answer = "Builds remote_uri as VirtualDomain builds its remote URI, "
                                  "from hypervisor: DRIVER+TRANSPORT://[USER@]%n[:PORT]/PATH "
                                  "(qemu:///system and ssh give qemu+ssh://%n/system). ssh, "
                                  "libssh, libssh2 and tcp choose only how libvirtd reaches the "
                                  "target's libvirtd; the memory travels on QEMU's own, "
                                  "unencrypted connection. ferry adds two values: tls also "
                                  "encrypts the memory (VIR_MIGRATE_TLS; validate-all checks "
                                  "the certificates in /etc/pki/qemu and /etc/pki/libvirt), and "
                                  "tunnelled sends it through libvirtd's connection "
                                  "(VIR_MIGRATE_TUNNELLED; the remote URI stays remote_uri, no "
                                  "migration URI, no post-copy, one connection). Except "
                                  "tunnelled, refused with remote_uri or remoteuri, which give "
                                  "the whole URI.",
                        .apply = params_apply_transport,
                },
        [PARAMS_VD_MIGRATION_USER] =
                {
                        .type = "string",
                        VD_TRANSLATED("remote_uri"),
                        .shortdesc = "User in the remote URI built from hypervisor",
                        .answer = "Adds USER@ to the remote_uri built as for "
                                  "migration_transport. A name VirtualDomain would ignore (not "
                                  "^[a-z][-a-z0-9]*$) is refused. Refused with remote_uri or "
                                  "remoteuri.",
                        .apply = params_apply_user,
                },
        [PARAMS_VD_MIGRATION_DOWNTIME] =
                {
                        .type = "integer",
                        VD_TRANSLATED("max_downtime_ms"),
                        .shortdesc = "Live-migration downtime limit, ms",
                        .answer = "Becomes max_downtime_ms, set before the copy starts "
                                  "(VirtualDomain sets it once the migration runs); 0, "
                                  "VirtualDomain's \"do not set\", keeps ferry's default of " STR(
                                          PARAMS_DEFAULT_MAX_DOWNTIME_MS) " ms. downtime_steps "
                                                                          "still raises the limit "
                                                                          "when the copy stalls "
                                                                          "(downtime_steps=none "
                                                                          "keeps it fixed). "
                                                                          "Refused when "
                                                                          "max_downtime_ms "
                                                                          "disagrees.",
                        .apply = params_apply_migration_downtime,
                        .min = 0,
                        .max = 60000,
                },
        [PARAMS_VD_MIGRATION_SPEED] =
                {
                        .type = "integer",
                        VD_TRANSLATED("bandwidth_mib_s"),
                        .shortdesc = "Live-migration bandwidth cap, MiB/s",
                        .answer = "Becomes bandwidth_mib_s (MiB/s, 0 = unlimited). Refused "
                                  "when bandwidth_mib_s disagrees.",
                        .apply = params_apply_migration_speed,
                        .min = 0,
                        .max = 1000000,
                },
        [PARAMS_VD_MIGRATION_NETWORK_SUFFIX] =
                {
                        .type = "string",
                        VD_TRANSLATED("remote_uri, migration_uri"),
                        .shortdesc = "Migration network host name suffix",
                        .answer = "VirtualDomain's rule: the suffix goes before the first '.' "
                                  "of an FQDN node name (node2.example.com and -mig give "
                                  "node2-mig.example.com), else at the end (node2-mig). It is "
                                  "applied to the target in the remote_uri built from "
                                  "hypervisor (not to a remote_uri or remoteuri you give) and "
                                  "makes the migration URI tcp://NODE-SUFFIX[:migrateport] "
                                  "unless migration_uri or migrateuri is given; in those, %n "
                                  "gets the suffix only when the remote URI is built too, as in "
                                  "VirtualDomain.",
                        .apply = params_apply_suffix,
                },
        [PARAMS_VD_MIGRATEURI] =
                {
                        .type = "string",
                        VD_TRANSLATED("migration_uri"),
                        .shortdesc = "Migration data URI (%n = node name)",
                        .answer = "Becomes migration_uri (%n = target node). Refused when "
                                  "migration_uri disagrees, or with migrateport (put the port "
                                  "into the URI).",
                        .apply = params_apply_alias,
                },
        [PARAMS_VD_MIGRATE_OPTIONS] =
                {
                        .type = "string",
                        VD_REFUSED,
                        .answer = "ferry runs no virsh. Use migration_uri for --migrateuri, "
                                  "auto_converge for --auto-converge, parallel_connections for "
                                  "--parallel, bandwidth_mib_s for --bandwidth and "
                                  "postcopy=after-stall for --postcopy; --live and --p2p are "
                                  "what ferry always does; migration_transport=tls for --tls "
                                  "and =tunnelled for --tunnelled. Compressed migration is not "
                                  "supported yet.",
                        .apply = params_refuse,
                },
        [PARAMS_VD_MONITOR_SCRIPTS] =
                {
                        .type = "string",
                        .def = "",
                        .flags = OWN,
                        .vd = PARAMS_VD_HONOURED,
                        .shortdesc = "Commands that check the guest, run by every monitor",
                        .longdesc = "Executables separated by spaces, run one after another "
                                    "(no arguments, stdout and stderr captured) by every "
                                    "monitor that finds the VM running. The first that exits "
                                    "non-zero fails the monitor (OCF_ERR_GENERIC) with an exit "
                                    "reason naming it, its exit status and its first line of "
                                    "output. start and migrate_from wait until all pass, "
                                    "retrying every second within the operation's timeout. "
                                    "Recurring monitors then always run the full agent.",
                        .answer = "Same name and meaning: run after the domain check, in "
                                  "order, the first failure fails the monitor with "
                                  "OCF_ERR_GENERIC; start and migrate_from wait until they all "
                                  "pass. Unlike VirtualDomain, the wait ends at the "
                                  "operation's timeout with an exit reason naming the script, "
                                  "its exit status and first line of output, each script is "
                                  "killed when the monitor's time is up, and a paused VM's "
                                  "scripts are not run.",
                        .apply = params_apply_scripts,
                        MEMBER(monitor_scripts),
                },
        [PARAMS_VD_AUTOSET_UTILIZATION_CPU] =
                {
                        .type = "boolean",
                        VD_TRANSLATED("autoset_utilization"),
                        .shortdesc = "Set utilization cpu from the XML",
                        .answer = "Becomes autoset_utilization, which sets utilization cpu and "
                                  "hv_memory together at start and migrate_from (VirtualDomain: "
                                  "at every monitor). Refused when autoset_utilization_hv_memory "
                                  "or autoset_utilization says the opposite. VirtualDomain's "
                                  "default is true, ferry's false.",
                        .apply = params_apply_check_bool,
                },
        [PARAMS_VD_AUTOSET_UTILIZATION_HOST_MEMORY] =
                {
                        .type = "boolean",
                        VD_REFUSED,
                        .answer = "Only false is accepted: ferry does not set host_memory "
                                  "(autoset_utilization sets cpu and hv_memory). "
                                  "VirtualDomain's default is true.",
                        .apply = params_refuse_true,
                },
        [PARAMS_VD_AUTOSET_UTILIZATION_HV_MEMORY] =
                {
                        .type = "boolean",
                        VD_TRANSLATED("autoset_utilization"),
                        .shortdesc = "Set utilization hv_memory from the XML",
                        .answer = "As autoset_utilization_cpu: becomes autoset_utilization. "
                                  "VirtualDomain's default is true, ferry's false.",
                        .apply = params_apply_check_bool,
                },
        [PARAMS_VD_UNSET_UTILIZATION_CPU] =
                {
                        .type = "boolean",
                        VD_REFUSED,
                        .answer = "Only false is accepted: ferry never removes utilization; remove "
                                  "it "
                                  "once with crm_resource --resource RSC --utilization "
                                  "--delete-parameter cpu.",
                        .apply = params_refuse_true,
                },
        [PARAMS_VD_UNSET_UTILIZATION_HOST_MEMORY] =
                {
                        .type = "boolean",
                        VD_REFUSED,
                        .answer = "Only false is accepted: ferry never removes utilization; remove "
                                  "it "
                                  "once with crm_resource --resource RSC --utilization "
                                  "--delete-parameter host_memory.",
                        .apply = params_refuse_true,
                },
        [PARAMS_VD_UNSET_UTILIZATION_HV_MEMORY] =
                {
                        .type = "boolean",
                        VD_REFUSED,
                        .answer = "Only false is accepted: ferry never removes utilization; remove "
                                  "it "
                                  "once with crm_resource --resource RSC --utilization "
                                  "--delete-parameter hv_memory.",
                        .apply = params_refuse_true,
                },
        [PARAMS_VD_MIGRATEPORT] =
                {
                        .type = "integer",
                        VD_TRANSLATED("migration_uri"),
                        .shortdesc = "Port of the migration URI",
                        .answer = "Becomes the port of the migration URI ferry builds: "
                                  "tcp://%n:PORT, with migration_network_suffix "
                                  "tcp://NODE-SUFFIX:PORT (VirtualDomain used it only with the "
                                  "suffix and otherwise let libvirt choose). Refused with "
                                  "migration_uri or migrateuri.",
                        .apply = params_apply_check_u32,
                        .min = 1,
                        .max = 65535,
                },
        [PARAMS_VD_REMOTEURI] =
                {
                        .type = "string",
                        VD_TRANSLATED("remote_uri"),
                        .shortdesc = "libvirt URI of the target node (%n = node name)",
                        .answer = "Becomes remote_uri (%n = target node), used for live "
                                  "(peer-to-peer) and quick moves. Refused when remote_uri "
                                  "disagrees.",
                        .apply = params_apply_alias,
                },
        [PARAMS_VD_SAVE_CONFIG_ON_STOP] =
                {
                        .type = "boolean",
                        .def = "false",
                        .flags = OWN,
                        .vd = PARAMS_VD_HONOURED,
                        .shortdesc = "Write the running domain's XML back to config",
                        .longdesc = "true: stop, migrate_to and migrate_from write the "
                                    "running domain's XML (inactive, with security info) to "
                                    "config when it differs, through a temporary file renamed "
                                    "over it. Keep config on storage all nodes share.",
                        .answer = "Same name and meaning: stop (before the shutdown), "
                                  "migrate_to and migrate_from write the domain's inactive XML "
                                  "to config when it changed. Unlike VirtualDomain the file is "
                                  "replaced atomically (a temporary file renamed over it), only "
                                  "when the dump names the same VM, and not at every monitor.",
                        .apply = params_apply_bool,
                        MEMBER(save_config_on_stop),
                },
        [PARAMS_VD_SYNC_CONFIG_ON_STOP] =
                {
                        .type = "boolean",
                        VD_REFUSED,
                        .answer = "Only false is accepted: ferry runs no csync2; keep config on "
                                  "storage all "
                                  "nodes share (save_config_on_stop writes it there) or copy it "
                                  "yourself.",
                        .apply = params_refuse_true,
                },
        [PARAMS_VD_SNAPSHOT] =
                {
                        .type = "string",
                        VD_TRANSLATED("save_dir, on_stop=save"),
                        .shortdesc = "Directory to save the VM's memory to on stop",
                        .answer = "Becomes save_dir=DIR and on_stop=save: stop saves the memory "
                                  "there and the next start restores it. DIR must be shared by "
                                  "all nodes. ferry's images are not VirtualDomain's: a state "
                                  "file VirtualDomain left is not restored. Refused when "
                                  "save_dir or on_stop disagree, or with force_stop=true.",
                        .apply = params_apply_snapshot,
                },
        [PARAMS_VD_BACKINGFILE] =
                {
                        .type = "string",
                        VD_REFUSED,
                        .answer = "Not supported: ferry creates no disk images. Create the "
                                  "qcow2 overlay outside the cluster and point the domain XML at "
                                  "it.",
                        .apply = params_refuse,
                },
        [PARAMS_VD_STATELESS] =
                {
                        .type = "boolean",
                        VD_REFUSED,
                        .answer = "Only false is accepted: true works only with backingfile, "
                                  "which ferry does not support.",
                        .apply = params_refuse_true,
                },
        [PARAMS_VD_COPYINDIRS] =
                {
                        .type = "string",
                        VD_REFUSED,
                        .answer = "Not supported: it works only in stateless mode, and ferry "
                                  "runs no virt-copy-in.",
                        .apply = params_refuse,
                },
        [PARAMS_VD_SHUTDOWN_MODE] =
                {
                        .type = "string",
                        .def = "",
                        .flags = OWN,
                        .vd = PARAMS_VD_HONOURED,
                        .shortdesc = "Shutdown mode(s): acpi, agent, initctl, signal, paravirt",
                        .longdesc = "How stop (on_stop=shutdown) and move=restart ask the "
                                    "guest to shut down, as virsh shutdown --mode: one or more "
                                    "of acpi, agent, initctl, signal, paravirt separated by "
                                    "commas (virDomainShutdownFlags). Empty: libvirt's default.",
                        .answer = "Same name and meaning: the modes become "
                                  "virDomainShutdownFlags' flags (virsh shutdown --mode). "
                                  "Some VirtualDomain versions read it from a misspelt "
                                  "variable (OCF_RESKEY_CRM_shutdown_mode) and so never pass "
                                  "it; ferry does.",
                        .apply = params_apply_shutdown_mode,
                },
        [PARAMS_VD_START_RESOURCES] =
                {
                        .type = "boolean",
                        .def = "false",
                        .flags = OWN,
                        .vd = PARAMS_VD_HONOURED,
                        .shortdesc = "Start the storage pools and networks the VM uses",
                        .longdesc = "true: before start, start every libvirt storage pool "
                                    "(refresh it if it runs) and network the domain XML "
                                    "names (pool='...', network='...'); before a live or quick "
                                    "move, the same on the target node.",
                        .answer = "Same name and meaning: the pools and networks the XML "
                                  "names (pool=, network=) are started, running pools "
                                  "refreshed, on this node before start and on the target "
                                  "before migrate_to; a failure fails the action with an exit "
                                  "reason naming the pool or network.",
                        .apply = params_apply_bool,
                        MEMBER(start_resources),
                },
};
_Static_assert(ELEMENTSOF(params_table) == _PARAMS_ID_MAX, "one row per parameter");

#undef MEMBER
#undef OWN
#undef VD_TRANSLATED
#undef VD_REFUSED

const struct params_def *
params_def(enum params_id id)
{
	if ((unsigned)id >= _PARAMS_ID_MAX)
		return NULL;
	return &params_table[id];
}

/* ---- after every row: what VirtualDomain's names build ---------------- */

/*
 * remote_uri from hypervisor as VirtualDomain builds its remote URI when
 * migration_transport, migration_user or migration_network_suffix is set
 * and remoteuri is not: DRIVER[+TRANSPORT]://[USER@]%n[:PORT]/PATH, where
 * DRIVER, PORT and PATH come from hypervisor.
 */
static int
params_build_remote_uri(struct params_ctx *c)
{
	const char *h = c->p->hypervisor;
	const char *sep = strstr(h, "://");
	const char *transport = c->raw[PARAMS_VD_MIGRATION_TRANSPORT];
	const char *user = c->raw[PARAMS_VD_MIGRATION_USER];
	const char *auth;
	const char *host;
	const char *path;
	const char *port;
	size_t driver_len;
	int n;

	if (transport != NULL && params_is_tunnelled(transport))
		transport = NULL; /* the data's way, not the URI's */
	if (sep == NULL || strchr(sep + 3, '/') == NULL)
		return ocf_fail(
		        c->why, OCF_ERR_CONFIGURED,
		        "cannot build the remote URI for migration_transport, "
		        "migration_user or migration_network_suffix from hypervisor=%s; set "
		        "remote_uri instead, e.g. qemu+ssh://%%n/system",
		        h);
	driver_len = strcspn(h, "+:");
	auth = sep + 3;
	path = strchr(auth, '/');
	/* the port follows the host, which may be an IPv6 address in [] */
	host = memchr(auth, ']', (size_t)(path - auth));
	host = host != NULL ? host : auth;
	port = memchr(host, ':', (size_t)(path - host));
	n = snprintf(c->p->remote_uri, sizeof(c->p->remote_uri), "%.*s%s%s://%s%s%%n%.*s%s",
	             (int)driver_len, h, transport != NULL ? "+" : "",
	             transport != NULL ? transport : "", user != NULL ? user : "",
	             user != NULL ? "@" : "", port != NULL ? (int)(path - port) : 0,
	             port != NULL ? port : "", path);
	if (n < 0 || (size_t)n >= sizeof(c->p->remote_uri))
		return ocf_fail(
		        c->why, OCF_ERR_CONFIGURED,
		        "the remote URI built from hypervisor=%s is too long; set remote_uri", h);
	c->p->remote_uri_suffixed = c->p->network_suffix[0] != '\0';
	return OCF_SUCCESS;
}

static int
params_build_uris(struct params_ctx *c)
{
	const char *const *raw = c->raw;
	bool remote_given = raw[PARAMS_REMOTE_URI] != NULL || raw[PARAMS_VD_REMOTEURI] != NULL;
	bool migration_given =
	        raw[PARAMS_MIGRATION_URI] != NULL || raw[PARAMS_VD_MIGRATEURI] != NULL;
	bool suffix = c->p->network_suffix[0] != '\0';
	const char *port = raw[PARAMS_VD_MIGRATEPORT];
	bool tunnelled = c->p->migration_data == PARAMS_DATA_TUNNELLED;
	int rc;

	if (remote_given) {
		enum params_id parts[] = {PARAMS_VD_MIGRATION_TRANSPORT, PARAMS_VD_MIGRATION_USER};

		for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
			if (raw[parts[i]] != NULL &&
			    !(parts[i] == PARAMS_VD_MIGRATION_TRANSPORT && tunnelled))
				return ocf_fail(
				        c->why, OCF_ERR_CONFIGURED,
				        "parameter %s builds the remote URI, which %s gives "
				        "whole (VirtualDomain ignores it there); put it into "
				        "the URI, e.g. qemu+ssh://user@%%n/system, or remove "
				        "one",
				        params_id_name(parts[i]),
				        raw[PARAMS_REMOTE_URI] != NULL ? "remote_uri"
				                                       : "remoteuri");
		}
	} else if ((raw[PARAMS_VD_MIGRATION_TRANSPORT] != NULL && !tunnelled) ||
	           raw[PARAMS_VD_MIGRATION_USER] != NULL || suffix) {
		rc = params_build_remote_uri(c);
		if (rc != OCF_SUCCESS)
			return rc;
	}

	if (migration_given) {
		if (port != NULL)
			return ocf_fail(
			        c->why, OCF_ERR_CONFIGURED,
			        "parameter migrateport is ignored by VirtualDomain when %s is "
			        "set; put the port into %s and remove migrateport",
			        raw[PARAMS_MIGRATION_URI] != NULL ? "migration_uri" : "migrateuri",
			        raw[PARAMS_MIGRATION_URI] != NULL ? "migration_uri" : "migrateuri");
		c->p->migration_uri_suffixed = c->p->remote_uri_suffixed;
	} else if ((suffix || port != NULL) && !tunnelled) {
		snprintf(c->p->migration_uri, sizeof(c->p->migration_uri), "tcp://%%n%s%s",
		         port != NULL ? ":" : "", port != NULL ? port : "");
		c->p->migration_uri_suffixed = suffix;
	}
	return OCF_SUCCESS;
}

/* autoset_utilization_cpu / _hv_memory: ferry sets both or neither. */
static int
params_build_utilization(struct params_ctx *c)
{
	const char *cpu = c->raw[PARAMS_VD_AUTOSET_UTILIZATION_CPU];
	const char *hv = c->raw[PARAMS_VD_AUTOSET_UTILIZATION_HV_MEMORY];
	bool cpu_on = false;
	bool hv_on = false;
	enum params_id vd;
	bool want;

	if ((cpu != NULL && params_parse_bool(cpu, &cpu_on) != 0) ||
	    (hv != NULL && params_parse_bool(hv, &hv_on) != 0) || (cpu == NULL && hv == NULL))
		return OCF_SUCCESS; /* a bad value is reported by its row */
	if (cpu != NULL && hv != NULL && cpu_on != hv_on)
		return ocf_fail(c->why, OCF_ERR_CONFIGURED,
		                "parameters autoset_utilization_cpu=%s and "
		                "autoset_utilization_hv_memory=%s disagree; ferry sets utilization "
		                "cpu and hv_memory together: use autoset_utilization=true or false",
		                cpu, hv);
	vd = cpu != NULL ? PARAMS_VD_AUTOSET_UTILIZATION_CPU
	                 : PARAMS_VD_AUTOSET_UTILIZATION_HV_MEMORY;
	want = cpu != NULL ? cpu_on : hv_on;
	if (c->raw[PARAMS_AUTOSET_UTILIZATION] != NULL && c->p->autoset_utilization != want)
		return params_disagree(c, vd, PARAMS_AUTOSET_UTILIZATION);
	c->p->autoset_utilization = want;
	return OCF_SUCCESS;
}

/* ---- parsing ---------------------------------------------------------- */

/* Value of KEY in env, NULL if absent or empty (Pacemaker passes unset
 * parameters as absent; an empty value means the same). */
static const char *
params_env(const char *const *env, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=') {
			const char *v = env[i] + klen + 1;
			return v[0] == '\0' ? NULL : v;
		}
	}
	return NULL;
}

static void
params_string(const char *const *env, const char *key, char *dst, size_t len)
{
	const char *v = params_env(env, key);

	if (v != NULL && strlen(v) < len)
		memcpy(dst, v, strlen(v) + 1);
}

static void
params_defaults(struct vm_params *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->hypervisor, sizeof(p->hypervisor), "%s", PARAMS_DEFAULT_HYPERVISOR);
	snprintf(p->remote_uri, sizeof(p->remote_uri), "%s", PARAMS_DEFAULT_REMOTE_URI);
	p->move = PARAMS_MOVE_LIVE;
	p->on_stop = PARAMS_ON_STOP_SHUTDOWN;
	p->shutdown_timeout_s = PARAMS_DEFAULT_SHUTDOWN_TIMEOUT_S;
	policy_config_default(&p->policy);
	p->policy.max_downtime_ms = PARAMS_DEFAULT_MAX_DOWNTIME_MS;
	(void)policy_parse_steps(PARAMS_DEFAULT_DOWNTIME_STEPS, &p->policy);
	snprintf(p->rsctmp, sizeof(p->rsctmp), "%s", PARAMS_DEFAULT_RSCTMP);
	p->save_channels = PARAMS_DEFAULT_SAVE_CHANNELS;
	p->ledger = strcmp(PARAMS_DEFAULT_LEDGER, "on") == 0;
}

/* Pacemaker's own values: never a reason to refuse an action. */
static void
params_meta(const char *const *env, struct vm_params *p)
{
	const char *v;
	uint64_t n;

	v = params_env(env, "OCF_RESKEY_CRM_meta_timeout");
	if (v != NULL && ferry_parse_u64(v, &n) == 0)
		p->op_timeout_ms = n;
	v = params_env(env, "OCF_RESKEY_CRM_meta_interval");
	if (v != NULL && ferry_parse_u64(v, &n) == 0)
		p->op_interval_ms = n;
	params_string(env, "OCF_RESKEY_CRM_meta_migrate_target", p->migrate_target,
	              sizeof(p->migrate_target));
	params_string(env, "OCF_RESKEY_CRM_meta_migrate_source", p->migrate_source,
	              sizeof(p->migrate_source));
	params_string(env, "OCF_RESKEY_CRM_meta_on_node", p->on_node, sizeof(p->on_node));
	params_string(env, "OCF_RESOURCE_INSTANCE", p->resource, sizeof(p->resource));
	params_string(env, "HA_RSCTMP", p->rsctmp, sizeof(p->rsctmp));
}

/* OCF_RESKEY_ names Pacemaker itself passes: not the resource's parameters. */
static bool
params_is_pacemakers(const char *name, size_t len)
{
	return (len >= 9 && strncmp(name, "CRM_meta_", 9) == 0) ||
	       (len == 15 && strncmp(name, "crm_feature_set", 15) == 0);
}

static void
params_note_unknown(struct vm_params *p, const char *name, size_t len)
{
	size_t used = strlen(p->unknown);
	size_t room = sizeof(p->unknown) - used;
	const char *sep = used > 0 ? ", " : "";

	p->n_unknown++;
	if (used >= 3 && strcmp(p->unknown + used - 3, "...") == 0)
		return;
	if (strlen(sep) + len + 6 > room) { /* keep room for ", ..." */
		snprintf(p->unknown + used, room, "%s...", sep);
		return;
	}
	snprintf(p->unknown + used, room, "%s%.*s", sep, (int)len, name);
}

/* Sorts env's OCF_RESKEY_* into c->raw by row; notes unknown names. */
static void
params_collect(const char *const *env, struct params_ctx *c)
{
	static const char prefix[] = "OCF_RESKEY_";
	bool seen[_PARAMS_ID_MAX] = {false};

	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		const char *name = env[i];
		const char *eq;
		char key[64];
		size_t len;
		enum params_id id;

		if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
			continue;
		name += sizeof(prefix) - 1;
		eq = strchr(name, '=');
		if (eq == NULL)
			continue;
		len = (size_t)(eq - name);
		if (len == 0 || params_is_pacemakers(name, len))
			continue;
		if (len >= sizeof(key)) {
			params_note_unknown(c->p, name, len);
			continue;
		}
		memcpy(key, name, len);
		key[len] = '\0';
		if (params_id_from_name(key, &id) != 0) {
			params_note_unknown(c->p, name, len);
			continue;
		}
		if (seen[id])
			continue; /* the first one counts, as getenv */
		seen[id] = true;
		c->raw[id] = eq[1] != '\0' ? eq + 1 : NULL;
	}
}

/* Each row is applied even after a failure so that every good value is
 * applied; the first failure is the one reported. */
int
params_parse(const char *const *env, struct vm_params *p, struct ocf_reason *why)
{
	struct params_ctx c;
	int rc = OCF_SUCCESS;
	int r;

#define KEEP_FIRST(expr)                                                                           \
	do {                                                                                       \
		r = (expr);                                                                        \
		if (r != OCF_SUCCESS && rc == OCF_SUCCESS)                                         \
			rc = r;                                                                    \
	} while (0)

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.why = why;
	params_defaults(p);
	params_meta(env, p);
	params_collect(env, &c);

	if (c.raw[PARAMS_CONFIG] == NULL)
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter config is required; set it to the path of the "
		                    "libvirt domain XML"));
	for (size_t i = 0; i < _PARAMS_ID_MAX; i++) {
		if (c.raw[i] != NULL)
			KEEP_FIRST(params_table[i].apply(&c, (enum params_id)i, c.raw[i]));
	}
	KEEP_FIRST(params_build_uris(&c));
	KEEP_FIRST(params_build_utilization(&c));

	/* combinations */
	if (p->save_dir[0] == '\0') {
		if (p->move == PARAMS_MOVE_QUICK)
			KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
			                    "move=quick needs save_dir; set save_dir to a "
			                    "directory shared by all nodes"));
		if (p->move == PARAMS_MOVE_AUTO)
			KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
			                    "move=auto needs save_dir (it chooses between live "
			                    "and quick); set save_dir to a directory shared by all "
			                    "nodes or use move=live"));
		if (p->on_stop == PARAMS_ON_STOP_SAVE)
			KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
			                    "on_stop=save needs save_dir; set save_dir to a "
			                    "directory shared by all nodes"));
		if (p->policy.fallback == POLICY_FALLBACK_QUICK)
			KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
			                    "fallback=quick needs save_dir; set save_dir to a "
			                    "directory shared by all nodes or use fallback=none"));
	}
	if (p->migration_data == PARAMS_DATA_TUNNELLED) {
		const char *uri = c.raw[PARAMS_MIGRATION_URI] != NULL    ? "migration_uri"
		                  : c.raw[PARAMS_VD_MIGRATEURI] != NULL  ? "migrateuri"
		                  : c.raw[PARAMS_VD_MIGRATEPORT] != NULL ? "migrateport"
		                                                         : NULL;

		if (uri != NULL)
			KEEP_FIRST(
			        ocf_fail(why, OCF_ERR_CONFIGURED,
			                 "migration_transport=tunnelled sends the memory through "
			                 "libvirtd's connection, which %s cannot steer; remove %s "
			                 "or use another migration_transport",
			                 uri, uri));
		if (p->policy.postcopy != POLICY_POSTCOPY_OFF)
			KEEP_FIRST(
			        ocf_fail(why, OCF_ERR_CONFIGURED,
			                 "libvirt does not do post-copy in a tunnelled migration; "
			                 "set postcopy=off or use migration_transport=tls"));
		if (p->parallel_connections >= 2)
			KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
			                    "libvirt refuses parallel connections in a tunnelled "
			                    "migration; set parallel_connections=1 or use "
			                    "migration_transport=tls"));
	}
	if (strstr(p->remote_uri, "%n") == NULL && (p->move != PARAMS_MOVE_RESTART))
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter remote_uri=%s has no %%n; the target node name must "
		                    "appear in it, e.g. qemu+ssh://%%n/system",
		                    p->remote_uri));
#undef KEEP_FIRST
	return rc;
}

/* Every monitor script is an executable file on this node. */
static int
params_check_scripts(const struct vm_params *p, struct ocf_reason *why)
{
	const char *s = p->monitor_scripts;

	while (*s != '\0') {
		size_t len = strcspn(s, " \t\n");
		char path[PARAMS_SCRIPTS_MAX];
		struct stat st;

		if (len > 0) {
			snprintf(path, sizeof(path), "%.*s", (int)len, s);
			if (strchr(path, '/') != NULL &&
			    (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
			     access(path, X_OK) != 0))
				return ocf_fail(
				        why, OCF_ERR_INSTALLED,
				        "monitor script %s is not an executable file on this "
				        "node; install it on every node (chmod +x) or fix "
				        "monitor_scripts",
				        path);
		}
		s += len;
		s += strspn(s, " \t\n");
	}
	return OCF_SUCCESS;
}

int
params_check_host(const struct vm_params *p, struct ocf_reason *why)
{
	struct stat st;
	int rc = params_check_scripts(p, why);

	if (rc != OCF_SUCCESS || p->save_dir[0] == '\0')
		return rc;
	if (stat(p->save_dir, &st) != 0)
		return ocf_fail(
		        why, OCF_ERR_INSTALLED,
		        "save_dir %s: %s; mount the shared directory on this node or create it",
		        p->save_dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ocf_fail(
		        why, OCF_ERR_INSTALLED,
		        "save_dir %s is not a directory; point save_dir at a shared directory",
		        p->save_dir);
	if (access(p->save_dir, W_OK | X_OK) != 0)
		return ocf_fail(why, OCF_ERR_INSTALLED,
		                "save_dir %s is not writable (%s); fix its permissions or mount it "
		                "read-write",
		                p->save_dir, strerror(errno));
	return OCF_SUCCESS;
}

int
params_expand_node(const char *pattern, const char *node, char *buf, size_t len)
{
	size_t o = 0;
	size_t nlen = strlen(node);

	for (const char *c = pattern; *c != '\0'; c++) {
		if (c[0] == '%' && c[1] == 'n') {
			if (o + nlen >= len)
				return -ENAMETOOLONG;
			memcpy(buf + o, node, nlen);
			o += nlen;
			c++;
			continue;
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		buf[o++] = *c;
	}
	if (o >= len)
		return -ENAMETOOLONG;
	buf[o] = '\0';
	return 0;
}

int
params_suffix_node(const char *node, const char *suffix, char *buf, size_t len)
{
	size_t host = strcspn(node, ".");
	int n = snprintf(buf, len, "%.*s%s%s", (int)host, node, suffix, node + host);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int
params_target_uri(const struct vm_params *p, enum params_uri kind, const char *node, char *buf,
                  size_t len)
{
	const char *pattern = kind == PARAMS_URI_REMOTE ? p->remote_uri : p->migration_uri;
	bool suffixed =
	        kind == PARAMS_URI_REMOTE ? p->remote_uri_suffixed : p->migration_uri_suffixed;
	char host[PARAMS_NODE_MAX * 2];

	if (suffixed && p->network_suffix[0] != '\0') {
		if (params_suffix_node(node, p->network_suffix, host, sizeof(host)) != 0)
			return -ENAMETOOLONG;
		node = host;
	}
	return params_expand_node(pattern, node, buf, len);
}

/* Markdown would end the cell at "|", take "<uuid>" for HTML and "*" for
 * emphasis. */
static void
params_print_cell(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '|':
			fputs("\\|", out);
			break;
		case '*':
			fputs("\\*", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

void
params_print_vd_table(FILE *out)
{
	fputs("| VirtualDomain parameter | ferry | what ferry does |\n", out);
	fputs("|---|---|---|\n", out);
	for (size_t i = 0; i < _PARAMS_ID_MAX; i++) {
		const struct params_def *d = &params_table[i];

		if (d->vd == PARAMS_VD_NONE)
			continue;
		fprintf(out, "| `%s` | ", params_id_name((enum params_id)i));
		if (d->vd == PARAMS_VD_HONOURED)
			fputs("honoured", out);
		else if (d->vd == PARAMS_VD_TRANSLATED)
			fprintf(out, "translated: `%s`", d->instead);
		else
			fputs("**refused**", out);
		fputs(" | ", out);
		params_print_cell(out, d->answer);
		fputs(" |\n", out);
	}
}
