/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quick.h - save and restore through the imagestore.
 *
 * Used by stop (on_stop=save), start (restore a saved image) and by quick
 * moves (save here, restore on the target through its libvirt connection,
 * or back here if the target fails: the image is never lost and never
 * restored twice).
 */
#ifndef FERRY_AGENT_QUICK_H
#define FERRY_AGENT_QUICK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmctx.h"
#include "ferry/imagestore.h"
#include "ferry/moverec.h"
#include "virt.h"

/* Opens the VM's store in save_dir.  OCF code (why set on failure). */
int quick_open_store(struct vm_agent *a, struct ocf_reason *why, struct imagestore **ret);

/* A save whose libvirt call may still be stopping the source QEMU. */
struct quick_saving {
	struct virt *v;
	virDomainPtr d;
	const char *part;
	const char *uuid;
	uint64_t gen;
	pthread_t thread;
	bool started; /* the worker runs or has not been joined */
	atomic_bool done;
	int result;       /* virt_save()'s, once done */
	int64_t image_ms; /* pause (save call) -> image complete, -1 unknown */
};

/* Saves the domain.  0, or -errno with the store aborted and the VM left
 * running (resumed if the failed save left it paused); why explains.
 * With pending != NULL it returns as soon as the image is complete and
 * committed, while libvirt may still be stopping the source QEMU: the
 * caller must quick_save_finish(pending) before any copy runs. */
int quick_save(struct vm_agent *a, struct virt *v, virDomainPtr d, struct imagestore *s,
               struct ocf_reason *why, int64_t *ret_ms, int64_t *ret_bytes,
               struct quick_saving *pending);
/* Waits for a pending save's libvirt call: its result (0 or -errno, text in
 * pending->v->err).  NULL or already finished: returns at once. */
int quick_save_finish(struct quick_saving *pending);

/* Judges the image and restores it through v: paused, checked, consumed,
 * resumed; a pending save is finished before the consume (if it failed, the
 * restored copy is destroyed and the image moved aside).  1 restored and running; 0 no restorable
 * image (a refused one was moved aside and a warning logged); -errno restore failed, image kept
 * (unless it was consumed: then why says so). */
int quick_restore(struct vm_agent *a, struct virt *v, struct imagestore *s, struct ocf_reason *why,
                  int64_t *ret_ms, struct quick_saving *pending);

/* migrate_to with move=quick (or a live fallback): saves d (on v), restores
 * on a->p.migrate_target through remote_uri, else back on v.  Fills the
 * quick fields of rec.  OCF code. */
int quick_move(struct vm_agent *a, struct virt *v, virDomainPtr d, struct move_record *rec,
               struct ocf_reason *why);

#endif
