/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - /etc/ferry/ferryd.conf: "key = value" lines, '#' comments.
 *
 * Every key has a default, so an empty or missing file is a working
 * configuration.  Every bad line is an error that names the file, the line,
 * the key and what is allowed; ferryd refuses to start on it rather than
 * guess.  No logging here: the caller prints the message.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ferry/numparse.h"
#include "ferrydconf.h"

static const char *const foreign_vm_names[] = {
        [CONFIG_FOREIGN_PAUSE] = "pause",
        [CONFIG_FOREIGN_DESTROY] = "destroy",
        [CONFIG_FOREIGN_WARN] = "warn",
};
_Static_assert(sizeof(foreign_vm_names) / sizeof(foreign_vm_names[0]) == _CONFIG_FOREIGN_MAX,
               "foreign_vm name table");

static const char *const fail_report_names[] = {
        [CONFIG_FAIL_CONTROLD] = "controld",
        [CONFIG_FAIL_CRM_RESOURCE] = "crm_resource",
        [CONFIG_FAIL_OFF] = "off",
};
_Static_assert(sizeof(fail_report_names) / sizeof(fail_report_names[0]) == _CONFIG_FAIL_MAX,
               "fail_report name table");

static const struct {
	const char *name;
	int priority;
} log_levels[] = {
        {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
        {"info", LOG_INFO}, {"debug", LOG_DEBUG},
};

const char *
config_foreign_vm_name(enum config_foreign_vm v)
{
	if ((unsigned)v >= _CONFIG_FOREIGN_MAX)
		return "?";
	return foreign_vm_names[v];
}

const char *
config_fail_report_name(enum config_fail_report v)
{
	if ((unsigned)v >= _CONFIG_FAIL_MAX)
		return "?";
	return fail_report_names[v];
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->cpg_group, sizeof(c->cpg_group), "%s", "ferry");
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", FERRY_STATE_DIR);
	snprintf(c->libvirt_uri, sizeof(c->libvirt_uri), "%s", "qemu:///system");
	snprintf(c->ipc_group, sizeof(c->ipc_group), "%s", "haclient");
	snprintf(c->log_file, sizeof(c->log_file), "%s", "/var/log/cluster/ferryd.log");
	snprintf(c->decision_log, sizeof(c->decision_log), "%s", FERRY_STATE_DIR "/decisions.log");
	c->log_priority = LOG_NOTICE;
	c->log_syslog = true;
	c->blackbox_kib = 1024;
	c->foreign_vm = CONFIG_FOREIGN_PAUSE;
	c->fail_report = CONFIG_FAIL_CONTROLD;
	c->ipc_max_clients = 32;
	c->ipc_root_reserved = CONFIG_AUTO; /* a quarter of ipc_max_clients */
	c->ipc_max_clients_per_uid = 4;
	c->ipc_idle_timeout_ms = 60000;
	c->history_max = 500;
	c->fence_poll_ms = 2000;
	c->startup_retries = 30;
	c->retry_interval_ms = 1000;
	c->expect_stop_max_ms = 600000;
	snprintf(c->metrics_file, sizeof(c->metrics_file), "%s", CONFIG_METRICS_FILE);
	c->metrics_interval_ms = 1000;
}

static int
set_enum(const char *key, const char *value, const char *const *names, size_t n, int *ret,
         char *err, size_t err_len)
{
	size_t i, off;

	for (i = 0; i < n; i++) {
		if (strcmp(value, names[i]) == 0) {
			*ret = (int)i;
			return 0;
		}
	}
	off = (size_t)snprintf(err, err_len, "%s: bad value '%s' (allowed: ", key, value);
	for (i = 0; i < n && off < err_len; i++)
		off += (size_t)snprintf(err + off, err_len - off, "%s%s", i > 0 ? ", " : "",
		                        names[i]);
	if (off < err_len)
		snprintf(err + off, err_len - off, ")");
	return -EINVAL;
}

static int
set_bool(const char *key, const char *value, bool *ret, char *err, size_t err_len)
{
	static const char *const names[] = {"no", "yes"};
	int v = 0;
	int r;

	if (strcmp(value, "on") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0) {
		*ret = true;
		return 0;
	}
	if (strcmp(value, "off") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0) {
		*ret = false;
		return 0;
	}
	r = set_enum(key, value, names, 2, &v, err, err_len);
	if (r < 0)
		return r;
	*ret = v == 1;
	return 0;
}

static int
set_u32(const char *key, const char *value, uint32_t min, uint32_t max, uint32_t *ret, char *err,
        size_t err_len)
{
	if (ferry_parse_u32_range(value, min, max, ret) == 0)
		return 0;
	snprintf(err, err_len, "%s: bad value '%s' (allowed: an integer from %u to %u)", key, value,
	         min, max);
	return -EINVAL;
}

static int
set_string(const char *key, const char *value, char *dst, size_t dst_len, bool absolute_path,
           bool empty_ok, char *err, size_t err_len)
{
	if (value[0] == '\0' && !empty_ok) {
		snprintf(err, err_len, "%s: empty value (allowed: %s)", key,
		         absolute_path ? "an absolute path" : "a non-empty string");
		return -EINVAL;
	}
	if (absolute_path && value[0] != '\0' && value[0] != '/') {
		snprintf(err, err_len, "%s: bad value '%s' (allowed: an absolute path%s)", key,
		         value, empty_ok ? " or nothing" : "");
		return -EINVAL;
	}
	if (strlen(value) >= dst_len) {
		snprintf(err, err_len, "%s: value too long (allowed: at most %zu characters)", key,
		         dst_len - 1);
		return -EINVAL;
	}
	snprintf(dst, dst_len, "%s", value);
	return 0;
}

static int
set_log_level(const char *key, const char *value, int *ret, char *err, size_t err_len)
{
	const char *names[sizeof(log_levels) / sizeof(log_levels[0])];
	size_t i;
	int idx = 0;
	int r;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		names[i] = log_levels[i].name;
	r = set_enum(key, value, names, i, &idx, err, err_len);
	if (r < 0)
		return r;
	*ret = log_levels[idx].priority;
	return 0;
}

static const char *const known_keys =
        "cpg_group, state_dir, libvirt_uri, ipc_group, ipc_max_clients, ipc_root_reserved, "
        "ipc_max_clients_per_uid, ipc_idle_timeout_ms, log_level, log_file, "
        "decision_log, log_syslog, blackbox_kib, foreign_vm, fail_report, history_max, "
        "fence_poll_ms, "
        "startup_retries, retry_interval_ms, expect_stop_max_ms, metrics_file, metrics_interval_ms";

int
config_set(struct config *c, const char *key, const char *value, char *err, size_t err_len)
{
	int v = 0;
	int r;

	if (strcmp(key, "cpg_group") == 0)
		return set_string(key, value, c->cpg_group, sizeof(c->cpg_group), false, false, err,
		                  err_len);
	if (strcmp(key, "state_dir") == 0)
		return set_string(key, value, c->state_dir, sizeof(c->state_dir), true, false, err,
		                  err_len);
	if (strcmp(key, "libvirt_uri") == 0)
		return set_string(key, value, c->libvirt_uri, sizeof(c->libvirt_uri), false, false,
		                  err, err_len);
	if (strcmp(key, "ipc_group") == 0)
		return set_string(key, value, c->ipc_group, sizeof(c->ipc_group), false, false, err,
		                  err_len);
	if (strcmp(key, "log_file") == 0)
		return set_string(key, value, c->log_file, sizeof(c->log_file), true, true, err,
		                  err_len);
	if (strcmp(key, "decision_log") == 0)
		return set_string(key, value, c->decision_log, sizeof(c->decision_log), true, true,
		                  err, err_len);
	if (strcmp(key, "log_level") == 0)
		return set_log_level(key, value, &c->log_priority, err, err_len);
	if (strcmp(key, "log_syslog") == 0)
		return set_bool(key, value, &c->log_syslog, err, err_len);
	if (strcmp(key, "blackbox_kib") == 0)
		return set_u32(key, value, 0, 65536, &c->blackbox_kib, err, err_len);
	if (strcmp(key, "ipc_max_clients") == 0)
		return set_u32(key, value, 1, 1024, &c->ipc_max_clients, err, err_len);
	if (strcmp(key, "ipc_root_reserved") == 0)
		return set_u32(key, value, 0, 1023, &c->ipc_root_reserved, err, err_len);
	if (strcmp(key, "ipc_max_clients_per_uid") == 0)
		return set_u32(key, value, 1, 1024, &c->ipc_max_clients_per_uid, err, err_len);
	if (strcmp(key, "ipc_idle_timeout_ms") == 0)
		return set_u32(key, value, 1000, 86400000, &c->ipc_idle_timeout_ms, err, err_len);
	if (strcmp(key, "history_max") == 0)
		return set_u32(key, value, 1, 100000, &c->history_max, err, err_len);
	if (strcmp(key, "fence_poll_ms") == 0)
		return set_u32(key, value, 100, 600000, &c->fence_poll_ms, err, err_len);
	if (strcmp(key, "startup_retries") == 0)
		return set_u32(key, value, 0, 1000, &c->startup_retries, err, err_len);
	if (strcmp(key, "retry_interval_ms") == 0)
		return set_u32(key, value, 10, 60000, &c->retry_interval_ms, err, err_len);
	if (strcmp(key, "expect_stop_max_ms") == 0)
		return set_u32(key, value, 1000, 3600000, &c->expect_stop_max_ms, err, err_len);
	if (strcmp(key, "metrics_file") == 0)
		return set_string(key, value, c->metrics_file, sizeof(c->metrics_file), true, true,
		                  err, err_len);
	if (strcmp(key, "metrics_interval_ms") == 0)
		return set_u32(key, value, 100, 3600000, &c->metrics_interval_ms, err, err_len);
	if (strcmp(key, "foreign_vm") == 0) {
		r = set_enum(key, value, foreign_vm_names, _CONFIG_FOREIGN_MAX, &v, err, err_len);
		if (r == 0)
			c->foreign_vm = (enum config_foreign_vm)v;
		return r;
	}
	if (strcmp(key, "fail_report") == 0) {
		r = set_enum(key, value, fail_report_names, _CONFIG_FAIL_MAX, &v, err, err_len);
		if (r == 0)
			c->fail_report = (enum config_fail_report)v;
		return r;
	}
	snprintf(err, err_len, "unknown key '%s' (known keys: %s)", key, known_keys);
	return -EINVAL;
}

uint32_t
config_ipc_root_reserved(const struct config *c)
{
	if (c->ipc_root_reserved == CONFIG_AUTO)
		return c->ipc_max_clients / 4;
	return c->ipc_root_reserved;
}

int
config_check(const struct config *c, char *err, size_t err_len)
{
	if (c->ipc_root_reserved != CONFIG_AUTO && c->ipc_root_reserved >= c->ipc_max_clients) {
		snprintf(err, err_len,
		         "ipc_root_reserved (%u) must be less than ipc_max_clients (%u), or only "
		         "root could connect",
		         c->ipc_root_reserved, c->ipc_max_clients);
		return -EINVAL;
	}
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* One line; returns 0 (also for blank/comment lines) or -EINVAL with err set. */
static int
config_line(struct config *c, char *line, char *err, size_t err_len)
{
	char *hash, *eq, *key, *value;

	hash = strchr(line, '#');
	if (hash != NULL)
		*hash = '\0';
	line = trim(line);
	if (line[0] == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(err, err_len, "expected 'key = value', got '%.64s'", line);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (key[0] == '\0') {
		snprintf(err, err_len, "missing key before '='");
		return -EINVAL;
	}
	return config_set(c, key, value, err, err_len);
}

int
config_load(struct config *c, const char *path, bool missing_ok, char *err, size_t err_len)
{
	char line[1024];
	char msg[768];
	unsigned lineno = 0;
	FILE *f;
	int r = 0;

	f = fopen(path, "re");
	if (f == NULL) {
		r = -errno;
		if (r == -ENOENT && missing_ok)
			return 0;
		snprintf(err, err_len, "%s: %s", path, strerror(-r));
		return r;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, err_len, "%s:%u: line too long (at most %zu characters)",
			         path, lineno, sizeof(line) - 2);
			r = -EINVAL;
			goto cleanup;
		}
		r = config_line(c, line, msg, sizeof(msg));
		if (r < 0) {
			snprintf(err, err_len, "%s:%u: %s", path, lineno, msg);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		r = -EIO;
		snprintf(err, err_len, "%s: read error", path);
		goto cleanup;
	}
	r = config_check(c, msg, sizeof(msg));
	if (r < 0)
		snprintf(err, err_len, "%s: %s", path, msg);
cleanup:
	fclose(f);
	return r;
}
