/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * procscan.h - is the QEMU process of a VM alive?  Asked when libvirtd
 * cannot be reached or hangs.
 *
 * First libvirt's pid file RUN_DIR/NAME.pid (run_dir is
 * /run/libvirt/qemu for qemu:///system), then, if that gives nothing, every
 * PROC_ROOT/<pid>/cmdline: a live (not zombie) process whose argv[0]
 * contains "qemu" and whose arguments contain the UUID.  Only processes in
 * this process's network namespace count (QEMU shares its libvirtd's), unless
 * the namespace links cannot be read.  Both roots are parameters so tests can
 * use a fake tree.
 */
#ifndef FERRY_AGENT_PROCSCAN_H
#define FERRY_AGENT_PROCSCAN_H

#include <sys/types.h>

#define PROCSCAN_RUN_DIR   "/run/libvirt/qemu"
#define PROCSCAN_PROC_ROOT "/proc"

/* 1 and *ret_pid: found alive; 0: no such process; -errno: could not tell
 * (proc_root unreadable). name may be NULL or empty (pid file skipped). */
int procscan_find(const char *run_dir, const char *proc_root, const char *name, const char *uuid,
                  pid_t *ret_pid);

#endif
