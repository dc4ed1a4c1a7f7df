/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qmp.h - ask a VM's QEMU itself, over its QMP monitor socket, when libvirtd
 * is gone.
 *
 * libvirt hands QEMU a listening UNIX socket for its monitor; once libvirtd
 * has died, QEMU accepts the next client on it.  The agent asks only one
 * thing: query-status, to tell an incoming migration that never completed
 * ("inmigrate": no guest ever ran in that process) from a guest that did.
 * While libvirtd holds the monitor (hung, not dead) QEMU does not greet a
 * second client and the call times out: the answer stays unknown.
 *
 * The socket is found from the process: one of QEMU's fds is the listening
 * socket, and PROC_ROOT/net/unix names its path.  Both roots are parameters
 * so tests can use a fake tree.
 */
#ifndef FERRY_AGENT_QMP_H
#define FERRY_AGENT_QMP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QMP_STATUS_MAX 32

/* 0 and ret_path: the path of the listening socket of pid whose name ends
 * in "monitor.sock"; -ENOENT: none; -errno: /proc unreadable. */
int qmp_find_monitor(const char *proc_root, pid_t pid, char *ret_path, size_t len);

/* 0 and ret_status (QEMU's run state: "running", "paused", "inmigrate", ...)
 * within timeout_ms; -ETIMEDOUT, -EPROTO or another -errno otherwise. */
int qmp_query_status(const char *path, uint64_t timeout_ms, char *ret_status, size_t len);

#endif
