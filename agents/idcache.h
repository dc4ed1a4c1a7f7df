/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * idcache.h - remembers which VM a resource started on this node.
 *
 * start and migrate_from write RSCTMP/ferry-vm-RESOURCE.id ("NAME\nUUID\n");
 * stop removes it.  RSCTMP (HA_RSCTMP, /run/resource-agents) is emptied at
 * boot, like the VMs.  When the config XML cannot be read, monitor and stop
 * still know the VM's identity from here, so an unreadable config never
 * makes a running VM look stopped.
 */
#ifndef FERRY_AGENT_IDCACHE_H
#define FERRY_AGENT_IDCACHE_H

#include <stddef.h>

int idcache_write(const char *rsctmp, const char *resource, const char *name, const char *uuid);
/* 0, -ENOENT none, -EBADMSG malformed */
int idcache_read(const char *rsctmp, const char *resource, char *ret_name, size_t name_len,
                 char ret_uuid[37]);
int idcache_remove(const char *rsctmp, const char *resource);

#endif
