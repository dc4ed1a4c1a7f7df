/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* quick.c - save/restore of a VM through the imagestore. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ferry/clock.h"
#include "ledgerlink.h"
#include "quick.h"

/* The target's libvirtd must answer within this. */
#define QUICK_CONNECT_MS 15000
/* How often the image's header is read while libvirt saves. */
#define QUICK_POLL_MS 2

int
quick_open_store(struct vm_agent *a, struct ocf_reason *why, struct imagestore **ret)
{
	int r = imagestore_open(a->p.save_dir, a->name, a->uuid, ret);

	if (r == 0)
		return OCF_SUCCESS;
	vm_log(a, LOG_ERR, "cannot open the image store in %s: %s", a->p.save_dir, strerror(-r));
	if (r == -EUCLEAN)
		return ocf_fail(why, OCF_ERR_CONFIGURED,
		                "%s/%s.gen belongs to another UUID than %s (two VMs named %s?); "
		                "give the VM a unique name or move the stale file away",
		                a->p.save_dir, a->name, a->uuid, a->name);
	return ocf_fail(why, OCF_ERR_INSTALLED,
	                "cannot use save_dir %s: %s; mount it on this node and make it writable",
	                a->p.save_dir, strerror(-r));
}

/*
 * The save's libvirt call runs in a worker thread.  libvirt marks the image
 * complete (its header's final magic) as soon as the last byte of guest
 * state is written, and only then stops the source QEMU, which takes another
 * ~200 ms (libvirt checks the dying process every 200 ms).  A quick move
 * does not wait for that: the restore on the target starts when the image is
 * complete, and the worker is joined before the restored copy is consumed
 * and resumed, so there is never a second running copy.
 */
static void *
quick_save_worker(void *arg)
{
	struct quick_saving *q = arg;

	q->result = virt_save(q->v, q->d, q->part, q->uuid, q->gen);
	atomic_store(&q->done, true);
	return NULL;
}

int
quick_save_finish(struct quick_saving *q)
{
	if (q == NULL)
		return 0;
	if (q->started) {
		(void)pthread_join(q->thread, NULL);
		q->started = false;
	}
	return q->result;
}

int
quick_save(struct vm_agent *a, struct virt *v, virDomainPtr d, struct imagestore *s,
           struct ocf_reason *why, int64_t *ret_ms, int64_t *ret_bytes,
           struct quick_saving *pending)
{
	struct quick_saving local;
	struct quick_saving *q = pending != NULL ? pending : &local;
	const char *part = NULL;
	uint64_t gen = 0;
	uint64_t t0 = ferry_clock_ms();
	bool early = false;
	struct stat st;
	enum virt_state state = VIRT_UNKNOWN;
	int r;

	memset(q, 0, sizeof(*q));
	q->image_ms = -1;
	r = imagestore_save_begin(s, &part, &gen);
	if (r != 0) {
		vm_log(a, LOG_ERR, "cannot begin a save in %s: %s", a->p.save_dir, strerror(-r));
		ocf_fail(why, OCF_ERR_GENERIC, "cannot begin a save in %s: %s; check save_dir",
		         a->p.save_dir, strerror(-r));
		return r;
	}
	if (a->ledger_gen_set) {
		/* ledger=on: the image carries the ledger's generation; the store
		 * keeps its own for the sidecar's local checks */
		vm_log(a, LOG_INFO,
		       "image generation %" PRIu64 " from the ledger (store's %" PRIu64 ")",
		       a->ledger_gen, gen);
		gen = a->ledger_gen;
	}
	vm_log(a, LOG_NOTICE, "saving memory to %s (generation %" PRIu64 ")", part, gen);
	q->v = v;
	q->d = d;
	q->part = part;
	q->uuid = a->uuid;
	q->gen = gen;
	if (pending != NULL && pthread_create(&q->thread, NULL, quick_save_worker, q) == 0) {
		q->started = true;
		while (!atomic_load(&q->done)) {
			if (virt_save_image_complete(part) == 1) {
				early = true;
				break;
			}
			ferry_sleep_ms(QUICK_POLL_MS);
		}
	} else
		(void)quick_save_worker(q);
	q->image_ms = (int64_t)(ferry_clock_ms() - t0);
	if (early)
		vm_log(a, LOG_INFO,
		       "image complete after %" PRIu64 " ms, libvirt still stops "
		       "the source QEMU",
		       ferry_clock_ms() - t0);
	else
		r = quick_save_finish(q);
	if (r == 0 && stat(part, &st) == 0 && ret_bytes != NULL)
		*ret_bytes = (int64_t)st.st_size;
	if (r == 0) {
		r = imagestore_save_commit(s);
		if (r != 0) {
			/* libvirt has stopped (or stops) the domain; the image is
			 * complete but not committed.  Do not lose it: leave it
			 * for the operator, it can never be restored by accident. */
			(void)quick_save_finish(q);
			vm_log(a, LOG_ERR, "saved, but cannot commit the image %s: %s", part,
			       strerror(-r));
			ocf_fail(why, OCF_ERR_GENERIC,
			         "VM was saved to %s but the image could not be committed (%s); "
			         "the VM is stopped, check save_dir",
			         part, strerror(-r));
			return r;
		}
		if (ret_ms != NULL)
			*ret_ms = (int64_t)(ferry_clock_ms() - t0);
		vm_log(a, LOG_NOTICE, "saved in %" PRIu64 " ms", ferry_clock_ms() - t0);
		return 0;
	}
	vm_log(a, LOG_ERR, "save failed: %s", v->err);
	(void)imagestore_save_abort(s);
	/* the VM must keep running */
	if (virt_state(v, d, &state) == 0 && state == VIRT_PAUSED) {
		vm_log(a, LOG_WARNING, "paused after the failed save, resuming");
		(void)virt_resume(v, d);
		(void)virt_state(v, d, &state);
	}
	ocf_fail(why, OCF_ERR_GENERIC, "save to %s failed (%s); the VM is %s on this node; %s",
	         a->p.save_dir, v->err, virt_state_name(state),
	         r == -ENOSPC ? "free space in save_dir" : "check libvirtd's log");
	return r;
}

/* The image's embedded tag must name this VM and the generation judged:
 * with ledger=off the store's (gen); with ledger=on the one the ledger gave
 * for this move, or, for a start, the one the ledger grants a RESTORE of
 * (asked here: the grant is the start's acquire).  0 restorable; 1 refused
 * and moved aside; -errno failed or the ledger refused (why says). */
static int
quick_check_tag(struct vm_agent *a, struct virt *v, struct imagestore *s, const char *path,
                uint64_t gen, struct ocf_reason *why)
{
	char uuid[DOMXML_UUID_LEN + 1];
	uint64_t igen = 0;
	const char *aside = NULL;
	enum image_verdict verdict;
	int r = virt_image_tag(v, path, uuid, &igen);

	if (a->p.ledger && a->ledger_gen_set)
		gen = a->ledger_gen;
	if (r == -ENOENT || r == -EINVAL || r == -EBADMSG)
		verdict = IMAGE_CORRUPT;
	else if (r != 0) {
		ocf_fail(why, OCF_ERR_GENERIC, "cannot read the image %s: %s", path, v->err);
		return r;
	} else if (strcmp(uuid, a->uuid) != 0)
		verdict = IMAGE_WRONG_UUID;
	else if (a->p.ledger && !a->ledger_gen_set) {
		r = ledgerlink_acquire(a, true, igen, why);
		if (r == 0) {
			a->ledger_gen = igen;
			a->ledger_gen_set = true;
			a->ledger_restoring = true; /* commit or abort below */
			return 0;
		}
		if (r != -ESTALE)
			return r; /* refused or unreachable: keep the image, fail the start */
		memset(why, 0, sizeof(*why));
		verdict = IMAGE_STALE;
	} else if (igen != gen)
		verdict = IMAGE_STALE;
	else
		return 0;
	vm_log(a, LOG_WARNING,
	       "image %s carries uuid %s generation %" PRIu64 ", expected %s generation %" PRIu64
	       ": %s",
	       path, r == 0 ? uuid : "?", igen, a->uuid, gen, image_verdict_name(verdict));
	r = imagestore_reject(s, verdict, &aside);
	if (r != 0) {
		ocf_fail(why, OCF_ERR_GENERIC,
		         "image %s is %s but cannot be moved aside (%s); move it away by hand",
		         path, image_verdict_name(verdict), strerror(-r));
		return r;
	}
	vm_log(a, LOG_WARNING, "refused save image (%s), moved aside to %s",
	       image_verdict_name(verdict), aside != NULL ? aside : "?");
	return 1;
}

int
quick_restore(struct vm_agent *a, struct virt *v, struct imagestore *s, struct ocf_reason *why,
              int64_t *ret_ms, struct quick_saving *pending)
{
	enum image_verdict verdict = IMAGE_NONE;
	const char *where = NULL;
	char path[PATH_MAX];
	uint64_t gen = 0;
	uint64_t t0 = ferry_clock_ms();
	uint64_t t_restored;
	virDomainPtr d = NULL;
	int r;

	r = imagestore_restore_check(s, &verdict, &where, &gen);
	if (r != 0) {
		ocf_fail(why, OCF_ERR_GENERIC, "cannot judge the save image in %s: %s",
		         a->p.save_dir, strerror(-r));
		return r;
	}
	if (verdict == IMAGE_NONE)
		return 0;
	if (verdict != IMAGE_VALID) {
		vm_log(a, LOG_WARNING, "refused save image (%s), moved aside to %s",
		       image_verdict_name(verdict), where != NULL ? where : "?");
		return 0;
	}
	snprintf(path, sizeof(path), "%s", where);
	r = quick_check_tag(a, v, s, path, gen, why);
	if (r == 1)
		return 0;
	if (r != 0)
		return r;

	vm_log(a, LOG_NOTICE, "restoring %s (generation %" PRIu64 ") via %s", path, gen, v->uri);
	r = virt_restore_paused(v, path, a->uuid, &d);
	if (r != 0) {
		vm_log(a, LOG_ERR, "restore failed: %s", v->err);
		if (a->ledger_restoring && ledgerlink_restore_end(a, false) != 0) {
			ocf_fail(why, OCF_ERR_GENERIC,
			         "restore of %s via %s failed (%s); the image is kept, but ferryd "
			         "could not be told: ferryctl status shows it restoring here",
			         path, v->uri, v->err);
			return r;
		}
		ocf_fail(why, OCF_ERR_GENERIC,
		         "restore of %s via %s failed (%s); the image is kept and still valid",
		         path, v->uri, v->err);
		return r;
	}
	t_restored = ferry_clock_ms();
	r = quick_save_finish(pending);
	if (r != 0) {
		/* libvirt failed after the image was complete: the source may run
		 * again, so this image must never be restored */
		vm_log(a, LOG_ERR,
		       "the save failed after its image was complete (%s), destroying "
		       "the restored copy",
		       pending->v->err);
		(void)virt_destroy(v, d);
		virDomainFree(d);
		(void)imagestore_reject(s, IMAGE_STALE, &where);
		ocf_fail(why, OCF_ERR_GENERIC,
		         "the save reported a failure after writing %s (%s); the restored copy was "
		         "destroyed and the image moved aside; check where the VM runs",
		         path, pending->v->err);
		return r;
	}
	r = imagestore_restore_consume(s);
	if (r != 0) {
		vm_log(a, LOG_ERR, "cannot mark %s consumed (%s), destroying the paused copy", path,
		       strerror(-r));
		(void)virt_destroy(v, d);
		virDomainFree(d);
		if (a->ledger_restoring)
			(void)ledgerlink_restore_end(a, false); /* the paused copy never ran */
		ocf_fail(why, OCF_ERR_GENERIC,
		         "cannot mark %s consumed (%s); the restored copy was destroyed, the image "
		         "is kept",
		         path, strerror(-r));
		return r;
	}
	/* consumed: from here on the copy on this node is the VM's, run or not.
	 * Unreachable, ferryd still holds the VM restoring here (nobody else is
	 * granted it): resume.  A refusal means the ledger gave the VM away:
	 * the paused copy keeps the memory but must not run. */
	if (a->ledger_restoring && ledgerlink_restore_end(a, true) == -EPERM) {
		virDomainFree(d);
		ocf_fail(why, OCF_ERR_GENERIC,
		         "restored from %s, but ferryd refused the restore commit: the VM is left "
		         "paused here with its memory (the image is consumed); see ferryctl status "
		         "and resume it (virsh resume) only if it runs on no other node",
		         path);
		return -EPERM;
	}
	r = virt_resume(v, d);
	virDomainFree(d);
	if (r != 0) {
		vm_log(a, LOG_ERR, "restored but cannot resume: %s", v->err);
		ocf_fail(why, OCF_ERR_GENERIC,
		         "restored from %s but resume failed (%s); the VM is paused, the image is "
		         "consumed",
		         path, v->err);
		return r;
	}
	if (ret_ms != NULL)
		*ret_ms = (int64_t)(ferry_clock_ms() - t0);
	v->last_restore.resume_ms = (int64_t)(ferry_clock_ms() - t_restored);
	vm_log(a, LOG_NOTICE, "restored and running in %" PRIu64 " ms", ferry_clock_ms() - t0);
	return 1;
}

/* Which image a quick move writes: save_channels lowered to what both ends'
 * stacks can do (virtstack.h); both stacks go into the record. */
static void
quick_plan_image(struct vm_agent *a, struct virt *v, struct virt *target, struct move_record *rec)
{
	char why[160] = "";
	uint32_t n = virt_plan_quick_image(v, target, a->p.save_channels, why, sizeof(why));
	const struct virtstack *st;

	st = virt_stack(v);
	if (st != NULL)
		(void)virtstack_describe(st, rec->stack_from, sizeof(rec->stack_from));
	st = target != NULL ? virt_stack(target) : NULL;
	if (st != NULL)
		(void)virtstack_describe(st, rec->stack_to, sizeof(rec->stack_to));
	if (n < a->p.save_channels)
		vm_log(a, LOG_INFO, "save_channels=%" PRIu32 " lowered to %" PRIu32 ": %s",
		       a->p.save_channels, n, why);
	vm_log(a, LOG_INFO, "quick move image: %s%s (this node %s; %s %s)",
	       n >= 1 ? "sparse" : "raw", n >= 2 ? ", parallel channels" : "", rec->stack_from,
	       a->p.migrate_target, rec->stack_to[0] != '\0' ? rec->stack_to : "not reached");
}

static void
quick_record_restore(const struct virt *target, struct move_record *rec)
{
	rec->qemu_start_ms = target->last_restore.qemu_start_ms;
	rec->restore_read_ms = target->last_restore.read_ms;
	rec->resume_ms = target->last_restore.resume_ms;
}

/* The target's libvirtd must see save_dir, or the image can only come back
 * here after the guest paused for nothing (found by the fault catalogue's
 * save-dir-missing-target).  Asked before the pause by having it read
 * NAME.gen, which the store keeps there: not an image, so any answer but
 * "no such file" will do (libvirtd logs that answer as an error).  0 it
 * sees the file or cannot tell; -ENOMEDIUM it does not (why says). */
static int
quick_target_sees_store(struct vm_agent *a, struct virt *target, struct ocf_reason *why)
{
	char path[PATH_MAX];
	char uuid[DOMXML_UUID_LEN + 1];
	uint64_t gen = 0;
	int n = snprintf(path, sizeof(path), "%s/%s.gen", a->p.save_dir, a->name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	if (virt_image_tag(target, path, uuid, &gen) != -ENOMEDIUM)
		return 0;
	vm_log(a, LOG_ERR, "%s does not see %s: %s", a->p.migrate_target, path, target->err);
	ocf_fail(why, OCF_ERR_GENERIC,
	         "%s does not see save_dir %s (no %s.gen there); mount it on %s before a quick "
	         "move; the VM was not paused and runs on this node",
	         a->p.migrate_target, a->p.save_dir, a->name, a->p.migrate_target);
	return -ENOMEDIUM;
}

int
quick_move(struct vm_agent *a, struct virt *v, virDomainPtr d, struct move_record *rec,
           struct ocf_reason *why)
{
	struct imagestore *s = NULL;
	struct virt *target = NULL;
	struct quick_saving saving = {0};
	struct ocf_reason local_why = {{0}};
	char uri[PARAMS_URI_MAX];
	char err[VIRT_ERR_MAX] = "";
	int64_t save_ms = -1;
	int64_t restore_ms = -1;
	int64_t bytes = -1;
	uint64_t t0;
	int rc;
	int r;

	rc = quick_open_store(a, why, &s);
	if (rc != OCF_SUCCESS) {
		snprintf(rec->error, sizeof(rec->error), "%s", why->text);
		return rc;
	}
	/* the target's libvirtd is reached before the guest pauses */
	t0 = ferry_clock_ms();
	r = params_target_uri(&a->p, PARAMS_URI_REMOTE, a->p.migrate_target, uri, sizeof(uri));
	if (r == 0)
		r = virt_open_within(uri, QUICK_CONNECT_MS, &target, err, sizeof(err));
	rec->connect_ms = (int64_t)(ferry_clock_ms() - t0);
	if (r != 0)
		vm_log(a, LOG_WARNING,
		       "cannot reach %s before the save (%s), trying again after it",
		       a->p.migrate_target, err);
	if (target != NULL && quick_target_sees_store(a, target, why) != 0) {
		snprintf(rec->error, sizeof(rec->error), "%s", why->text);
		rc = OCF_ERR_GENERIC;
		goto cleanup;
	}
	quick_plan_image(a, v, target, rec);

	t0 = ferry_clock_ms();
	r = quick_save(a, v, d, s, why, &save_ms, &bytes, &saving);
	rec->save_ms = save_ms;
	rec->bytes = bytes;
	rec->image_ms = saving.image_ms;
	rec->save_channels = v->save_channels; /* what virt_save used */
	snprintf(rec->image_format, sizeof(rec->image_format), "%s",
	         v->save_channels >= 1 ? "sparse" : "raw");
	if (target != NULL)
		target->save_channels = v->save_channels;
	if (r != 0) {
		snprintf(rec->error, sizeof(rec->error), "%s", why->text);
		rc = OCF_ERR_GENERIC;
		goto cleanup;
	}

	if (target == NULL) {
		r = params_target_uri(&a->p, PARAMS_URI_REMOTE, a->p.migrate_target, uri,
		                      sizeof(uri));
		if (r == 0)
			r = virt_open_within(uri, QUICK_CONNECT_MS, &target, err, sizeof(err));
	}
	if (r == 0) {
		r = quick_restore(a, target, s, &local_why, &restore_ms, &saving);
		quick_record_restore(target, rec);
		if (r == 1) {
			rec->restore_ms = restore_ms;
			rec->downtime_ms = (int64_t)(ferry_clock_ms() - t0);
			vm_log(a, LOG_NOTICE,
			       "quick move to %s done: save %" PRId64 " ms, restore %" PRId64 " ms",
			       a->p.migrate_target, save_ms, restore_ms);
			rc = OCF_SUCCESS;
			goto cleanup;
		}
		snprintf(err, sizeof(err), "%s",
		         local_why.text[0] != '\0' ? local_why.text
		                                   : "no restorable image on the target");
	}
	vm_log(a, LOG_ERR, "restore on %s failed (%s), restoring on this node instead",
	       a->p.migrate_target, err);

	/* the source QEMU must be gone before its name is restored here */
	(void)quick_save_finish(&saving);
	memset(&local_why, 0, sizeof(local_why));
	r = quick_restore(a, v, s, &local_why, &restore_ms, NULL);
	rec->restore_ms = restore_ms;
	if (r == 1) {
		rc = ocf_fail(why, OCF_ERR_GENERIC,
		              "quick move to %s failed (%s); the VM was restored and runs on this "
		              "node again",
		              a->p.migrate_target, err);
	} else {
		/* no copy runs anywhere: the image the move wrote is the VM, and
		 * the ledger must hold it as saved, or the next start would set
		 * it aside as stale and cold boot */
		if (a->p.ledger && a->ledger_gen_set && imagestore_has_image(s) &&
		    ledgerlink_restore_end(a, false) == 0)
			a->ledger_move_ended = true;
		rc = ocf_fail(why, OCF_ERR_GENERIC,
		              "quick move to %s failed (%s) and restore on this node failed too "
		              "(%s); the image stays in %s for the next start",
		              a->p.migrate_target, err,
		              local_why.text[0] != '\0' ? local_why.text : "no restorable image",
		              a->p.save_dir);
	}
	snprintf(rec->error, sizeof(rec->error), "%s", why->text);
cleanup:
	(void)quick_save_finish(&saving);
	virt_close(target);
	imagestore_free(s);
	return rc;
}
