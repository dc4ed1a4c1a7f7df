/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* front.c - may the front answer a monitor itself?  Pure: no I/O. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"

#define FRONT_LIBVIRT_SYSTEM "qemu:///system"

bool
front_may_answer(const struct front_request *r, const char **ret_why)
{
	const char *why = NULL;

	if (r->action == NULL || strcmp(r->action, "monitor") != 0)
		why = "not a monitor";
	else if (r->interval_ms == 0)
		why = "a probe (interval 0)";
	else if (r->check_level != NULL && strcmp(r->check_level, "0") != 0)
		why = "a deeper check level was asked for";
	else if (r->params_rc != 0)
		why = "the parameters do not parse cleanly";
	else if (r->hypervisor == NULL || strcmp(r->hypervisor, FRONT_LIBVIRT_SYSTEM) != 0)
		why = "hypervisor is not " FRONT_LIBVIRT_SYSTEM;
	else if (r->guest_checks)
		why = "monitor_scripts or guest_agent_check set: the full agent runs them";
	else if (r->resource == NULL || r->resource[0] == '\0')
		why = "no resource name";
	else if (r->since_full_ms < 0 || r->since_full_ms >= FRONT_FULL_EVERY_MS)
		why = "libvirt was not asked recently";
	if (why != NULL) {
		*ret_why = why;
		return false;
	}
	return true;
}

enum front_verdict
front_judge(const struct front_evidence *e, const char **ret_why)
{
	const char *why = NULL;

	if (e->config_rc != 0)
		why = "config unreadable or invalid";
	else if (e->config.uuid[0] == '\0')
		why = "config has no <uuid>: the full agent finds the VM's";
	else if (e->cache_rc != 0 && e->cache_rc != -ENOENT)
		why = "the identity recorded at start is unreadable";
	else if (e->cache_rc == 0 && (strcmp(e->cache_name, e->config.name) != 0 ||
	                              strcmp(e->cache_uuid, e->config.uuid) != 0))
		why = "the config names another VM than the one started here";
	else if (e->status_rc != 0)
		why = "no libvirt status file for the domain";
	else if (strcmp(e->status.state, "running") != 0)
		why = "libvirt's status is not running";
	else if (strcmp(e->status.uuid, e->config.uuid) != 0)
		why = "libvirt's status is for another UUID";
	else if (e->scan_rc != 1)
		why = "no live QEMU process with the UUID";
	else if (e->scan_pid != e->status.pid)
		why = "the QEMU process is not the one libvirt's status names";
	if (why != NULL) {
		*ret_why = why;
		return FRONT_DEFER;
	}
	*ret_why = "libvirt's status says running and its QEMU process lives";
	return FRONT_RUNNING;
}

/* Value of attribute NAME in the start tag [tag, end); 0 or -ENOENT. */
static int
front_attr(const char *tag, const char *end, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name);

	for (const char *p = tag; p + nlen + 2 < end; p++) {
		const char *q;
		const char *v;

		if (!isspace((unsigned char)p[0]) || strncmp(p + 1, name, nlen) != 0 ||
		    p[1 + nlen] != '=')
			continue;
		q = p + 2 + nlen;
		if (*q != '\'' && *q != '"')
			return -ENOENT;
		v = memchr(q + 1, *q, (size_t)(end - q - 1));
		if (v == NULL || (size_t)(v - q - 1) >= len)
			return -ENOENT;
		memcpy(buf, q + 1, (size_t)(v - q - 1));
		buf[v - q - 1] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* Start of element NAME ("<NAME" then a space, '/' or '>') at or after p. */
static const char *
front_element(const char *p, const char *name)
{
	size_t nlen = strlen(name);

	while ((p = strchr(p, '<')) != NULL) {
		if (strncmp(p + 1, name, nlen) == 0 && (isspace((unsigned char)p[1 + nlen]) ||
		                                        p[1 + nlen] == '>' || p[1 + nlen] == '/'))
			return p;
		p++;
	}
	return NULL;
}

int
front_status_parse(const char *xml, struct front_status *ret)
{
	struct front_status st;
	const char *tag = front_element(xml, "domstatus");
	const char *end;
	const char *dom;
	const char *u;
	const char *ue;
	char pid[16];
	char text[64];
	char *pe = NULL;
	long v;

	memset(&st, 0, sizeof(st));
	if (tag == NULL)
		return -EBADMSG;
	end = strchr(tag, '>');
	if (end == NULL)
		return -EBADMSG;
	if (front_attr(tag, end, "state", st.state, sizeof(st.state)) != 0 ||
	    front_attr(tag, end, "pid", pid, sizeof(pid)) != 0)
		return -EBADMSG;
	if (!isdigit((unsigned char)pid[0]))
		return -EBADMSG;
	errno = 0;
	v = strtol(pid, &pe, 10);
	if (errno != 0 || *pe != '\0' || v <= 0 || v > INT_MAX)
		return -EBADMSG;
	st.pid = (pid_t)v;

	dom = front_element(end, "domain");
	if (dom == NULL)
		return -EBADMSG;
	u = front_element(dom, "uuid");
	if (u == NULL || strncmp(u, "<uuid>", 6) != 0)
		return -EBADMSG;
	u += 6;
	ue = strstr(u, "</uuid>");
	if (ue == NULL || (size_t)(ue - u) >= sizeof(text))
		return -EBADMSG;
	memcpy(text, u, (size_t)(ue - u));
	text[ue - u] = '\0';
	if (domxml_uuid_canon(text, st.uuid) != 0)
		return -EBADMSG;
	*ret = st;
	return 0;
}
