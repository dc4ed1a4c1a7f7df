/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cfgsave.h - save_config_on_stop: the running domain's XML back to config.
 *
 * As VirtualDomain: the domain's inactive XML with security info, written
 * only when it differs from the file.  Unlike VirtualDomain, the dump must
 * name the same VM (name and UUID) and the file is replaced atomically: a
 * temporary file in the same directory, fsync, rename.
 */
#ifndef FERRY_AGENT_CFGSAVE_H
#define FERRY_AGENT_CFGSAVE_H

#include <stddef.h>

/* Writes xml to path unless the file already holds exactly it.  1 written,
 * 0 unchanged, -errno (err says what failed). */
int cfgsave_write(const char *path, const char *xml, char *err, size_t err_len);

#endif
