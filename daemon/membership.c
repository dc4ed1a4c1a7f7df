/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * membership.c - queries on a membership value (membership.h).  Pure.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "membership.h"

bool
membership_is_member(const struct membership *m, uint32_t nodeid)
{
	size_t i;

	for (i = 0; i < m->n_members; i++)
		if (m->members[i] == nodeid)
			return true;
	return false;
}

const char *
membership_node_name(const struct membership *m, uint32_t nodeid)
{
	size_t i;

	for (i = 0; i < m->n_names; i++)
		if (m->names[i].nodeid == nodeid)
			return m->names[i].name;
	return NULL;
}

int
membership_nodeid_by_name(const struct membership *m, const char *name, uint32_t *ret_nodeid)
{
	size_t i;

	for (i = 0; i < m->n_names; i++) {
		if (strcmp(m->names[i].name, name) == 0) {
			*ret_nodeid = m->names[i].nodeid;
			return 0;
		}
	}
	return -ENOENT;
}

uint32_t
membership_two_node_peer(const struct membership *m)
{
	size_t i;

	if (!m->two_node || m->n_names != 2)
		return 0;
	for (i = 0; i < m->n_names; i++)
		if (m->names[i].nodeid != m->local_nodeid)
			return m->names[i].nodeid;
	return 0;
}

bool
membership_in_view(const struct membership *m, uint32_t nodeid)
{
	size_t i;

	for (i = 0; i < m->n_view; i++)
		if (m->view[i] == nodeid)
			return true;
	return false;
}
