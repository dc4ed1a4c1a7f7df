/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guestcheck.h - monitor_scripts: the admin's commands that check the guest.
 *
 * As VirtualDomain: the list is split at blanks and each word run as a
 * command, without arguments, one after another; the first that exits
 * non-zero decides.  Unlike VirtualDomain, each runs in its own process
 * group with stdin from /dev/null, and is killed (the whole group) when the
 * caller's time is up.
 */
#ifndef FERRY_AGENT_GUESTCHECK_H
#define FERRY_AGENT_GUESTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "ferry/ocf.h"

struct vm_agent;
struct virt;

/* Runs the scripts within timeout_ms altogether.  0: all passed (or there
 * are none); 1: one failed and why says "monitor script PATH exited N:
 * FIRST LINE" (or was killed, or did not finish in time); -errno when a
 * script cannot be run at all (why says so too). */
int guestcheck_scripts(const char *scripts, uint64_t timeout_ms, char *why, size_t why_len);

/* The first line of out (len bytes, not NUL-terminated), without trailing
 * blanks, into buf; "(no output)" when there is none. */
void guestcheck_first_line(const char *out, size_t len, char *buf, size_t buf_len);

/* Whether a has guest checks at all (guest_agent_check, monitor_scripts). */
bool guestcheck_wanted(const struct vm_agent *a);

/* One round on the running domain d: the guest agent (guest_agent_check),
 * then the scripts, within timeout_ms.  OCF_SUCCESS or OCF_ERR_GENERIC with
 * the reason in why. */
int guestcheck_run(struct vm_agent *a, struct virt *v, virDomainPtr d, uint64_t timeout_ms,
                   struct ocf_reason *why);

/* start and migrate_from: rounds every second until one passes or
 * timeout_ms is over; then OCF_ERR_GENERIC, why saying what failed last. */
int guestcheck_wait(struct vm_agent *a, struct virt *v, virDomainPtr d, uint64_t timeout_ms,
                    struct ocf_reason *why);

#endif
