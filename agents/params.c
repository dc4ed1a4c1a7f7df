/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* params.c - OCF_RESKEY_* -> struct vm_params, with range checks. */
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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const params_move_names[] = {
        [PARAMS_MOVE_LIVE] = "live",
        [PARAMS_MOVE_QUICK] = "quick",
        [PARAMS_MOVE_RESTART] = "restart",
        [PARAMS_MOVE_AUTO] = "auto",
};
_Static_assert(ARRAY_SIZE(params_move_names) == _PARAMS_MOVE_MAX, "move names");

static const char *const params_ledger_names[] = {"off", "on"};

static const char *const params_on_stop_names[] = {
        [PARAMS_ON_STOP_SHUTDOWN] = "shutdown",
        [PARAMS_ON_STOP_SAVE] = "save",
        [PARAMS_ON_STOP_DESTROY] = "destroy",
};
_Static_assert(ARRAY_SIZE(params_on_stop_names) == _PARAMS_ON_STOP_MAX, "on_stop names");

const char *
params_move_name(enum params_move m)
{
	if ((unsigned)m >= ARRAY_SIZE(params_move_names))
		return "unknown";
	return params_move_names[m];
}

const char *
params_on_stop_name(enum params_on_stop s)
{
	if ((unsigned)s >= ARRAY_SIZE(params_on_stop_names))
		return "unknown";
	return params_on_stop_names[s];
}

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

static const char *
params_reskey(const char *const *env, const char *name)
{
	char key[128];

	snprintf(key, sizeof(key), "OCF_RESKEY_%s", name);
	return params_env(env, key);
}

static int
params_parse_bool(const char *text, bool *ret)
{
	static const char *const yes[] = {"1", "yes", "true", "on", "y"};
	static const char *const no[] = {"0", "no", "false", "off", "n"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
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
params_u32(const char *const *env, struct ocf_reason *why, const char *name, uint32_t min,
           uint32_t max, uint32_t *dst)
{
	const char *v = params_reskey(env, name);
	uint64_t n;

	if (v == NULL)
		return OCF_SUCCESS;
	if (ferry_parse_u64(v, &n) != 0)
		return ocf_fail(why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is not a whole number; use %u..%u", name, v, min,
		                max);
	if (n < min || n > max)
		return ocf_fail(why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is out of range; use %u..%u", name, v, min, max);
	*dst = (uint32_t)n;
	return OCF_SUCCESS;
}

static int
params_bool(const char *const *env, struct ocf_reason *why, const char *name, bool *dst)
{
	const char *v = params_reskey(env, name);

	if (v == NULL)
		return OCF_SUCCESS;
	if (params_parse_bool(v, dst) != 0)
		return ocf_fail(why, OCF_ERR_CONFIGURED,
		                "parameter %s=%s is not a boolean; use true or false", name, v);
	return OCF_SUCCESS;
}

static int
params_enum(const char *const *env, struct ocf_reason *why, const char *name,
            const char *const *names, size_t n, const char *choices, int *dst)
{
	const char *v = params_reskey(env, name);

	if (v == NULL)
		return OCF_SUCCESS;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*dst = (int)i;
			return OCF_SUCCESS;
		}
	}
	return ocf_fail(why, OCF_ERR_CONFIGURED, "parameter %s=%s is unknown; use one of %s", name,
	                v, choices);
}

/* No blanks or control characters: one address or host name. */
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
params_string(const char *const *env, struct ocf_reason *why, const char *key, const char *name,
              char *dst, size_t len)
{
	const char *v = params_env(env, key);

	if (v == NULL)
		return OCF_SUCCESS;
	return params_copy(why, name, v, dst, len);
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
	(void)params_string(env, NULL, "OCF_RESKEY_CRM_meta_migrate_target", "migrate_target",
	                    p->migrate_target, sizeof(p->migrate_target));
	(void)params_string(env, NULL, "OCF_RESKEY_CRM_meta_migrate_source", "migrate_source",
	                    p->migrate_source, sizeof(p->migrate_source));
	(void)params_string(env, NULL, "OCF_RESKEY_CRM_meta_on_node", "on_node", p->on_node,
	                    sizeof(p->on_node));
	(void)params_string(env, NULL, "OCF_RESOURCE_INSTANCE", "resource", p->resource,
	                    sizeof(p->resource));
	(void)params_string(env, NULL, "HA_RSCTMP", "HA_RSCTMP", p->rsctmp, sizeof(p->rsctmp));
}

/* Each check runs even after a failure so that every good value is applied;
 * the first failure is the one reported. */
int
params_parse(const char *const *env, struct vm_params *p, struct ocf_reason *why)
{
	int rc = OCF_SUCCESS;
	int r;
	int e;
	const char *v;

#define KEEP_FIRST(expr)                                                                           \
	do {                                                                                       \
		r = (expr);                                                                        \
		if (r != OCF_SUCCESS && rc == OCF_SUCCESS)                                         \
			rc = r;                                                                    \
	} while (0)

	params_defaults(p);
	params_meta(env, p);

	v = params_reskey(env, "config");
	if (v == NULL)
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter config is required; set it to the path of the "
		                    "libvirt domain XML"));
	else if (v[0] != '/')
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter config=%s is not an absolute path; give the full "
		                    "path of the domain XML",
		                    v));
	else
		KEEP_FIRST(params_copy(why, "config", v, p->config, sizeof(p->config)));

	KEEP_FIRST(params_string(env, why, "OCF_RESKEY_hypervisor", "hypervisor", p->hypervisor,
	                         sizeof(p->hypervisor)));
	KEEP_FIRST(params_string(env, why, "OCF_RESKEY_remote_uri", "remote_uri", p->remote_uri,
	                         sizeof(p->remote_uri)));
	KEEP_FIRST(params_string(env, why, "OCF_RESKEY_migration_uri", "migration_uri",
	                         p->migration_uri, sizeof(p->migration_uri)));

	v = params_reskey(env, "save_dir");
	if (v != NULL && v[0] != '/')
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter save_dir=%s is not an absolute path; give the full "
		                    "path of a shared directory",
		                    v));
	else
		KEEP_FIRST(params_string(env, why, "OCF_RESKEY_save_dir", "save_dir", p->save_dir,
		                         sizeof(p->save_dir)));

	e = (int)p->move;
	KEEP_FIRST(params_enum(env, why, "move", params_move_names, ARRAY_SIZE(params_move_names),
	                       "live, quick, restart, auto", &e));
	p->move = (enum params_move)e;
	e = (int)p->on_stop;
	KEEP_FIRST(params_enum(env, why, "on_stop", params_on_stop_names,
	                       ARRAY_SIZE(params_on_stop_names), "shutdown, save, destroy", &e));
	p->on_stop = (enum params_on_stop)e;

	KEEP_FIRST(params_u32(env, why, "shutdown_timeout", 1, 3600, &p->shutdown_timeout_s));
	KEEP_FIRST(params_u32(env, why, "max_downtime_ms", 1, 60000, &p->policy.max_downtime_ms));
	v = params_reskey(env, "downtime_steps");
	if (v != NULL) {
		struct policy_config tmp = p->policy;

		if (strcmp(v, "none") == 0) {
			p->policy.n_downtime_steps = 0;
		} else if (policy_parse_steps(v, &tmp) != 0) {
			KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
			                    "parameter downtime_steps=%s is invalid; give up to %d "
			                    "ascending values in ms (1..60000) separated by "
			                    "commas, e.g. 50,100,200,400, or none",
			                    v, POLICY_MAX_STEPS));
		} else {
			p->policy = tmp;
		}
	}
	KEEP_FIRST(params_u32(env, why, "bandwidth_mib_s", 0, 1000000, &p->bandwidth_mib_s));
	KEEP_FIRST(params_bool(env, why, "auto_converge", &p->auto_converge));
	v = params_reskey(env, "postcopy");
	if (v != NULL && policy_postcopy_from_name(v, &p->policy.postcopy) != 0)
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter postcopy=%s is unknown; use one of off, after-stall",
		                    v));
	KEEP_FIRST(params_u32(env, why, "parallel_connections", 0, 64, &p->parallel_connections));
	KEEP_FIRST(params_u32(env, why, "save_channels", 0, PARAMS_MAX_SAVE_CHANNELS,
	                      &p->save_channels));
	KEEP_FIRST(params_u32(env, why, "completion_timeout_s_per_gib", 0, 3600,
	                      &p->completion_timeout_s_per_gib));
	v = params_reskey(env, "fallback");
	if (v != NULL && policy_fallback_from_name(v, &p->policy.fallback) != 0)
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter fallback=%s is unknown; use one of none, quick", v));
	KEEP_FIRST(params_bool(env, why, "autoset_utilization", &p->autoset_utilization));
	e = p->ledger ? 1 : 0;
	KEEP_FIRST(params_enum(env, why, "ledger", params_ledger_names,
	                       ARRAY_SIZE(params_ledger_names), "on, off", &e));
	p->ledger = e == 1;
	v = params_reskey(env, "probe_address");
	if (v != NULL && !params_is_one_word(v))
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter probe_address='%s' contains a space or control "
		                    "character; give one IP address or host name of the guest "
		                    "that answers ping, or leave it empty",
		                    v));
	else
		KEEP_FIRST(params_string(env, why, "OCF_RESKEY_probe_address", "probe_address",
		                         p->probe_address, sizeof(p->probe_address)));

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
	if (strstr(p->remote_uri, "%n") == NULL && (p->move != PARAMS_MOVE_RESTART))
		KEEP_FIRST(ocf_fail(why, OCF_ERR_CONFIGURED,
		                    "parameter remote_uri=%s has no %%n; the target node name must "
		                    "appear in it, e.g. qemu+ssh://%%n/system",
		                    p->remote_uri));
#undef KEEP_FIRST
	return rc;
}

int
params_check_host(const struct vm_params *p, struct ocf_reason *why)
{
	struct stat st;

	if (p->save_dir[0] == '\0')
		return OCF_SUCCESS;
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
