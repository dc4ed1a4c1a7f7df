/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgerlink.h - the agent's adapter to ferryd's VM-ownership ledger
 * (tools/client.h), used when the resource has ledger=on.
 *
 * The ledger is the authority on who may run a VM and on which memory image
 * may be restored: an image written with ledger=on carries the generation the
 * ledger answered (SAVE: the new one; MIGRATE_BEGIN: the current one, which
 * the commit of a quick move consumes), and a start restores it only after
 * the ledger granted RESTORE of exactly that generation.  The imagestore
 * files (NAME.gen, sidecar: UUID, size, checksums, consumed) stay as the
 * local check in both modes, and are the only generation with ledger=off.
 *
 * Every call runs in the action's bounded worker and logs its own failures
 * ("vm NAME: ledger ...").  One connection per invocation (a->ledger_client),
 * opened on first use; once ferryd was found unreachable it is not asked
 * again in this invocation (a->ledger_down).
 *
 * Returns: 0 granted; -EPERM refused (why says by whom and what to do);
 * -ESTALE refused because the image generation is not the ledger's (restore
 * only; the image must be set aside); -ENOTCONN ferryd unreachable or not
 * answering (why says so).
 */
#ifndef FERRY_AGENT_LEDGERLINK_H
#define FERRY_AGENT_LEDGERLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "vmctx.h"
#include "ferry/moverec.h"

/* Acquire before a start: cold boot (restore = false) or restore of image
 * generation gen.  Refusals and an unreachable ferryd fill why: start must
 * not go on. */
int ledgerlink_acquire(struct vm_agent *a, bool restore, uint64_t gen, struct ocf_reason *why);

/* After a restore the ledger granted (a->ledger_restoring): ran = true once
 * the restored copy exists here (the image is consumed), false when the
 * restore failed before any copy ran (the image stays restorable).  Also,
 * with ran = false, during a quick move from this node whose image was
 * restored nowhere: the VM goes back to "saved" with the move's image.
 * 0, or a negative errno (logged). */
int ledgerlink_restore_end(struct vm_agent *a, bool ran);

/* Announce a stop on purpose (stop, migrate_to) within timeout_ms.  Logged. */
void ledgerlink_expect_stop(struct vm_agent *a, uint64_t timeout_ms);

/* The VM is stopped on this node.  Refusals are logged, never fatal. */
void ledgerlink_release(struct vm_agent *a);

/* The same on a connection of its own: for main() after a worker that may
 * still hold a->ledger_client was given up on (libvirtd hung). */
void ledgerlink_release_apart(struct vm_agent *a);

/* A save image is about to be written: 0 and *ret_gen = the generation the
 * image must carry; otherwise logged (the caller must not save). */
int ledgerlink_save(struct vm_agent *a, uint64_t *ret_gen);

/* Before a live or quick move to a->p.migrate_target: 0 and *ret_gen = the
 * current generation (the one a quick image carries). */
int ledgerlink_migrate_begin(struct vm_agent *a, bool quick, struct ocf_reason *why,
                             uint64_t *ret_gen);

/* After the move: commit (ok) or abort.  Logged, never fatal. */
void ledgerlink_migrate_end(struct vm_agent *a, bool ok);

/* Replicate a finished move to every node's history.  Logged. */
void ledgerlink_record_move(struct vm_agent *a, const struct move_record *rec);

/* Closes the connection (agent_clear). */
void ledgerlink_close(struct vm_agent *a);

#endif
