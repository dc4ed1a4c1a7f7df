/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ledgerlink.c - ask ferryd's ledger before starting, stopping, moving (ledger=on). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ferry/clock.h"
#include "ferry/client.h"
#include "ledgerlink.h"

/* ferryd answers "expected" stops for this long at least. */
#define LEDGERLINK_MIN_EXPECT_MS 10000u

/* Refusals that pass by themselves are asked again, for at most this long
 * (and half the time the action has left): an orphaned VM whose node
 * Pacemaker has just fenced is granted once ferryd's next fencing-history
 * poll (fence_poll_ms, 2 s) saw it; a membership change is synced in moments. */
#define LEDGERLINK_RETRY_MAX_MS  30000u
#define LEDGERLINK_RETRY_STEP_MS 500u
/* kept for the start itself and the action's own reserve */
#define LEDGERLINK_RETRY_RESERVE_MS 5000u

/* How long refusals that pass by themselves are asked again in this action. */
static uint64_t
ledgerlink_retry_ms(const struct vm_agent *a)
{
	uint64_t ms = vmctx_left_ms(a, LEDGERLINK_RETRY_RESERVE_MS) / 2;

	return ms < LEDGERLINK_RETRY_MAX_MS ? ms : LEDGERLINK_RETRY_MAX_MS;
}

/* The ledger has never seen this VM. */
static bool
ledgerlink_unknown_vm(const struct ferry_ipc_vm_rsp *rsp)
{
	return rsp->verdict == FERRY_VERDICT_UNKNOWN_VM;
}

static bool
ledgerlink_transient(uint32_t verdict)
{
	return verdict == FERRY_VERDICT_ORPHANED || verdict == FERRY_VERDICT_NO_QUORUM ||
	       verdict == FERRY_VERDICT_UNAVAILABLE;
}

static bool
ledgerlink_unreachable_errno(int r)
{
	return r == -ECONNREFUSED || r == -ENOENT;
}

/* The connection, opened on first use.  0, or a negative errno (logged). */
static int
ledgerlink_client(struct vm_agent *a, struct ferryclient **ret)
{
	int r;

	if (a->ledger_down)
		return -ENOTCONN;
	if (a->ledger_client == NULL) {
		r = ferryclient_connect(&a->ledger_client);
		if (r != 0) {
			a->ledger_client = NULL;
			a->ledger_down = true;
			if (ledgerlink_unreachable_errno(r))
				vm_log(a, LOG_WARNING,
				       "ledger: ferryd is not running on this node");
			else
				vm_log(a, LOG_ERR, "ledger: cannot connect to ferryd: %s",
				       strerror(-r));
			return r;
		}
	}
	*ret = a->ledger_client;
	return 0;
}

/* A transport-level failure of a call: never ask again in this invocation. */
static void
ledgerlink_lost(struct vm_agent *a, const char *what, int r)
{
	if (r == -EPERM)
		vm_log(a, LOG_ERR,
		       "ledger: %s: ferryd refused it: only root may change VM "
		       "ownership (the agent must run as root)",
		       what);
	else
		vm_log(a, LOG_ERR, "ledger: %s: no answer from ferryd: %s", what, strerror(-r));
	a->ledger_client = ferryclient_free(a->ledger_client);
	a->ledger_down = true;
}

/* The why for ferryd not answering (r < 0 from connect or a call). */
static void
ledgerlink_why_unreachable(struct vm_agent *a, int r, const char *stays, struct ocf_reason *why)
{
	if (ledgerlink_unreachable_errno(r) || r == -ENOTCONN)
		ocf_fail(why, OCF_ERR_GENERIC,
		         "ferryd is not running on this node%s; start it or set ledger=off", stays);
	else
		ocf_fail(why, OCF_ERR_GENERIC,
		         "ferryd did not answer (%s)%s; check that it runs, or set ledger=off",
		         strerror(-r), stays);
	(void)a;
}

/* The why for a refusal: the essential part first (Pacemaker keeps 128 characters). */
static void
ledgerlink_why_refused(struct vm_agent *a, const char *what, const struct ferry_ipc_vm_rsp *rsp,
                       struct ocf_reason *why)
{
	char reason[FERRY_IPC_REASON_LEN];

	snprintf(reason, sizeof(reason), "%.*s", (int)sizeof(reason) - 1, rsp->reason);
	if ((rsp->verdict == FERRY_VERDICT_OWNED || rsp->verdict == FERRY_VERDICT_BAD_STATE) &&
	    strstr(reason, "migrat") != NULL) {
		/* Pacemaker's stops on both ends close a move; an admin only
		 * when they cannot run (review finding 10) */
		ocf_fail(why, OCF_ERR_GENERIC,
		         "%s refused: a move is still open in ferryd's ledger; if neither node "
		         "runs it: ferryctl release --force %s (%s)",
		         what, a->name, reason);
		vm_log(a, LOG_ERR, "ledger: %s", why->text);
		return;
	}
	switch (rsp->verdict) {
	case FERRY_VERDICT_OWNED:
		ocf_fail(why, OCF_ERR_GENERIC,
		         "%s refused: owned by node %" PRIu32 " in ferryd's ledger; run ferryctl "
		         "status to see where it runs (%s)",
		         what, rsp->owner_nodeid, reason);
		break;
	case FERRY_VERDICT_ORPHANED:
		ocf_fail(why, OCF_ERR_GENERIC,
		         "%s refused: orphaned until node %" PRIu32 " is fenced; once sure it is "
		         "down: ferryctl release --force %s (%s)",
		         what, rsp->owner_nodeid, a->name, reason);
		break;
	case FERRY_VERDICT_NO_QUORUM:
		ocf_fail(why, OCF_ERR_GENERIC,
		         "%s refused: this partition has no quorum, ferryd's ledger changes no "
		         "owner here (%s)",
		         what, reason);
		break;
	case FERRY_VERDICT_UNAVAILABLE:
		ocf_fail(
		        why, OCF_ERR_GENERIC,
		        "%s refused: ferryd is not ready (%s); retry once ferryctl status shows it "
		        "synced, or set ledger=off",
		        what, reason);
		break;
	default:
		ocf_fail(why, OCF_ERR_GENERIC,
		         "%s refused by ferryd's ledger (%s: %s); see ferryctl status", what,
		         ferryclient_verdict_name(rsp->verdict), reason);
		break;
	}
	vm_log(a, LOG_ERR, "ledger: %s", why->text);
}

int
ledgerlink_acquire(struct vm_agent *a, bool restore, uint64_t gen, struct ocf_reason *why)
{
	struct ferry_ipc_vm_rsp rsp;
	struct ferryclient *c = NULL;
	int r;

	uint64_t retry_ms = ledgerlink_retry_ms(a);
	uint64_t t0 = ferry_clock_ms();

	for (;;) {
		memset(&rsp, 0, sizeof(rsp));
		r = ledgerlink_client(a, &c);
		if (r == 0) {
			r = ferryclient_acquire(
			        c, a->name, a->uuid, a->p.resource,
			        restore ? FERRY_ACQUIRE_RESTORE : FERRY_ACQUIRE_START, gen, &rsp);
			if (r != 0)
				ledgerlink_lost(a, "acquire", r);
		}
		if (r != 0 || !ledgerlink_transient(rsp.verdict) ||
		    ferry_clock_ms() - t0 + LEDGERLINK_RETRY_STEP_MS > retry_ms)
			break;
		vm_log(a, LOG_INFO, "ledger: %s refused for now (%s: %.*s), asking again",
		       restore ? "restore" : "start", ferryclient_verdict_name(rsp.verdict),
		       (int)sizeof(rsp.reason) - 1, rsp.reason);
		usleep(LEDGERLINK_RETRY_STEP_MS * 1000u);
	}
	if (r != 0) {
		ledgerlink_why_unreachable(a, r, "", why);
		vm_log(a, LOG_ERR, "ledger: %s", why->text);
		return -ENOTCONN;
	}
	if (rsp.verdict == FERRY_VERDICT_GRANTED) {
		vm_log(a, LOG_NOTICE, "ledger: %s granted, generation %" PRIu64,
		       restore ? "restore" : "start", rsp.generation);
		return 0;
	}
	/* an image the ledger has no history for (written with ledger=off, or
	 * before the ledger was started) is never restored: set aside, cold boot */
	if (restore && (rsp.verdict == FERRY_VERDICT_STALE ||
	                rsp.verdict == FERRY_VERDICT_BAD_STATE || ledgerlink_unknown_vm(&rsp))) {
		ocf_fail(why, OCF_ERR_GENERIC,
		         "image generation %" PRIu64
		         " is not restorable per ferryd's ledger (%s: %.*s)",
		         gen, ferryclient_verdict_name(rsp.verdict), (int)sizeof(rsp.reason) - 1,
		         rsp.reason);
		vm_log(a, LOG_WARNING, "ledger: %s", why->text);
		return -ESTALE;
	}
	ledgerlink_why_refused(a, restore ? "restore" : "start", &rsp, why);
	return -EPERM;
}

void
ledgerlink_expect_stop(struct vm_agent *a, uint64_t timeout_ms)
{
	struct ferryclient *c = NULL;
	int r;

	if (timeout_ms < LEDGERLINK_MIN_EXPECT_MS)
		timeout_ms = LEDGERLINK_MIN_EXPECT_MS;
	if (timeout_ms > UINT32_MAX)
		timeout_ms = UINT32_MAX;
	if (ledgerlink_client(a, &c) != 0) {
		vm_log(a, LOG_WARNING,
		       "ledger: cannot announce the stop; ferryd may report it as a failure");
		return;
	}
	r = ferryclient_expect_stop(c, a->name, a->uuid, (uint32_t)timeout_ms);
	if (r != 0)
		ledgerlink_lost(a, "expect_stop", r);
}

/* The release's answer, logged; r from the call. */
static void
ledgerlink_released(struct vm_agent *a, int r, const struct ferry_ipc_vm_rsp *rsp)
{
	if (r != 0) {
		vm_log(a, LOG_WARNING,
		       "ledger: stopped, but ferryd did not answer the release (%s); "
		       "it lists this node as the owner until one",
		       strerror(-r));
		return;
	}
	if (rsp->verdict == FERRY_VERDICT_GRANTED)
		vm_log(a, LOG_INFO, "ledger: released");
	else
		vm_log(a, LOG_INFO, "ledger: release not needed (%s: %.*s), ignoring",
		       ferryclient_verdict_name(rsp->verdict), (int)sizeof(rsp->reason) - 1,
		       rsp->reason);
}

void
ledgerlink_release_apart(struct vm_agent *a)
{
	struct ferry_ipc_vm_rsp rsp;
	struct ferryclient *c = NULL;
	int r;

	if (a->uuid[0] == '\0')
		return;
	memset(&rsp, 0, sizeof(rsp));
	r = ferryclient_connect(&c);
	if (r == 0)
		r = ferryclient_release(c, a->name, a->uuid, &rsp);
	c = ferryclient_free(c);
	ledgerlink_released(a, r, &rsp);
}

void
ledgerlink_release(struct vm_agent *a)
{
	struct ferry_ipc_vm_rsp rsp;
	struct ferryclient *c = NULL;
	int r;

	if (a->uuid[0] == '\0')
		return; /* never started with a known UUID: nothing the ledger knows */
	if (ledgerlink_client(a, &c) != 0) {
		vm_log(a, LOG_WARNING,
		       "ledger: stopped, but ferryd cannot be told; it still lists this node as "
		       "the owner until a release");
		return;
	}
	memset(&rsp, 0, sizeof(rsp));
	r = ferryclient_release(c, a->name, a->uuid, &rsp);
	if (r != 0) {
		ledgerlink_lost(a, "release", r);
		return;
	}
	ledgerlink_released(a, 0, &rsp);
}

/* A VM that runs here but the ledger has never seen (started with
 * ledger=off, or before ferryd ran): register it as running here, so that
 * a save or a move of it can be asked for.  0 if adopted. */
static int
ledgerlink_adopt(struct vm_agent *a, const struct ferry_ipc_vm_rsp *rsp)
{
	struct ocf_reason why = {{0}};

	if (!ledgerlink_unknown_vm(rsp))
		return -ENOENT;
	vm_log(a, LOG_NOTICE, "ledger: runs here but unknown to the ledger, acquiring it first");
	return ledgerlink_acquire(a, false, 0, &why) == 0 ? 0 : -EPERM;
}

int
ledgerlink_save(struct vm_agent *a, uint64_t *ret_gen)
{
	struct ferry_ipc_vm_rsp rsp;
	struct ferryclient *c = NULL;
	int r;

	uint64_t retry_ms = ledgerlink_retry_ms(a);
	uint64_t t0 = ferry_clock_ms();

	r = ledgerlink_client(a, &c);
	if (r != 0)
		return -ENOTCONN;
	memset(&rsp, 0, sizeof(rsp));
	r = ferryclient_save(c, a->name, a->uuid, &rsp);
	if (r == 0 && ledgerlink_adopt(a, &rsp) == 0 && a->ledger_client != NULL) {
		memset(&rsp, 0, sizeof(rsp));
		r = ferryclient_save(a->ledger_client, a->name, a->uuid, &rsp);
	}
	/* the stop after a failed migrate_to whose target was lost: the ledger
	 * keeps the move open until that node is fenced (Pacemaker is doing it
	 * now), then gives the VM back to this node, and the save may go on;
	 * shutting down at once would throw the guest's memory away */
	while (r == 0 && a->ledger_client != NULL && rsp.verdict == FERRY_VERDICT_BAD_STATE &&
	       strstr(rsp.reason, "migration in progress") != NULL &&
	       ferry_clock_ms() - t0 + LEDGERLINK_RETRY_STEP_MS <= retry_ms) {
		vm_log(a, LOG_INFO, "ledger: save waits for the open move to close (%.*s)",
		       (int)sizeof(rsp.reason) - 1, rsp.reason);
		usleep(LEDGERLINK_RETRY_STEP_MS * 1000u);
		memset(&rsp, 0, sizeof(rsp));
		r = ferryclient_save(a->ledger_client, a->name, a->uuid, &rsp);
	}
	if (r != 0) {
		ledgerlink_lost(a, "save", r);
		return -ENOTCONN;
	}
	if (rsp.verdict != FERRY_VERDICT_GRANTED) {
		vm_log(a, LOG_WARNING, "ledger: save refused (%s: %.*s)",
		       ferryclient_verdict_name(rsp.verdict), (int)sizeof(rsp.reason) - 1,
		       rsp.reason);
		return -EPERM;
	}
	vm_log(a, LOG_NOTICE, "ledger: save granted, image generation %" PRIu64, rsp.generation);
	*ret_gen = rsp.generation;
	return 0;
}

int
ledgerlink_migrate_begin(struct vm_agent *a, bool quick, struct ocf_reason *why, uint64_t *ret_gen)
{
	struct ferry_ipc_vm_rsp rsp;
	struct ferryclient *c = NULL;
	char what[PARAMS_NODE_MAX + 16];
	int r;

	memset(&rsp, 0, sizeof(rsp));
	r = ledgerlink_client(a, &c);
	if (r == 0) {
		r = ferryclient_migrate_begin(c, a->name, a->uuid, a->p.migrate_target,
		                              quick ? FERRY_MIGRATE_QUICK : FERRY_MIGRATE_LIVE,
		                              &rsp);
		if (r == 0 && ledgerlink_adopt(a, &rsp) == 0 && a->ledger_client != NULL) {
			memset(&rsp, 0, sizeof(rsp));
			r = ferryclient_migrate_begin(
			        a->ledger_client, a->name, a->uuid, a->p.migrate_target,
			        quick ? FERRY_MIGRATE_QUICK : FERRY_MIGRATE_LIVE, &rsp);
		}
		if (r != 0)
			ledgerlink_lost(a, "migrate_begin", r);
	}
	if (r != 0) {
		ledgerlink_why_unreachable(a, r, " (the VM stays here)", why);
		vm_log(a, LOG_ERR, "ledger: %s", why->text);
		return -ENOTCONN;
	}
	if (rsp.verdict != FERRY_VERDICT_GRANTED) {
		snprintf(what, sizeof(what), "move to %.*s", (int)sizeof(what) - 16,
		         a->p.migrate_target);
		ledgerlink_why_refused(a, what, &rsp, why);
		return -EPERM;
	}
	vm_log(a, LOG_NOTICE, "ledger: move to %s begun, generation %" PRIu64, a->p.migrate_target,
	       rsp.generation);
	*ret_gen = rsp.generation;
	return 0;
}

void
ledgerlink_migrate_end(struct vm_agent *a, bool ok)
{
	struct ferry_ipc_vm_rsp rsp;
	struct ferryclient *c = NULL;
	const char *what = ok ? "commit" : "abort";
	int r;

	if (ledgerlink_client(a, &c) != 0) {
		vm_log(a, LOG_ERR,
		       "ledger: cannot %s the move; ferryctl status will show it "
		       "migrating until ferryd is back",
		       what);
		return;
	}
	memset(&rsp, 0, sizeof(rsp));
	r = ok ? ferryclient_migrate_commit(c, a->name, a->uuid, &rsp)
	       : ferryclient_migrate_abort(c, a->name, a->uuid, &rsp);
	if (r != 0) {
		ledgerlink_lost(a, what, r);
		return;
	}
	if (rsp.verdict == FERRY_VERDICT_GRANTED)
		vm_log(a, LOG_NOTICE,
		       "ledger: move %s, owner node %" PRIu32 ", generation %" PRIu64,
		       ok ? "committed" : "aborted", rsp.owner_nodeid, rsp.generation);
	else
		vm_log(a, LOG_ERR, "ledger: %s of the move refused (%s: %.*s)", what,
		       ferryclient_verdict_name(rsp.verdict), (int)sizeof(rsp.reason) - 1,
		       rsp.reason);
}

int
ledgerlink_restore_end(struct vm_agent *a, bool ran)
{
	struct ferry_ipc_vm_rsp rsp;
	struct ferryclient *c = NULL;
	const char *what = ran ? "restore commit" : "restore abort";
	int r;

	a->ledger_restoring = false;
	r = ledgerlink_client(a, &c);
	if (r != 0) {
		vm_log(a, LOG_ERR,
		       "ledger: cannot send the %s; ferryctl status shows the VM "
		       "restoring until this node stops it or ferryd is back",
		       what);
		return r;
	}
	memset(&rsp, 0, sizeof(rsp));
	r = ran ? ferryclient_restore_commit(c, a->name, a->uuid, &rsp)
	        : ferryclient_restore_abort(c, a->name, a->uuid, &rsp);
	if (r != 0) {
		ledgerlink_lost(a, what, r);
		return r;
	}
	if (rsp.verdict != FERRY_VERDICT_GRANTED) {
		vm_log(a, LOG_ERR, "ledger: %s refused (%s: %.*s)", what,
		       ferryclient_verdict_name(rsp.verdict), (int)sizeof(rsp.reason) - 1,
		       rsp.reason);
		return -EPERM;
	}
	if (ran)
		vm_log(a, LOG_NOTICE, "ledger: restored, image consumed, generation %" PRIu64,
		       rsp.generation);
	else
		vm_log(a, LOG_NOTICE,
		       "ledger: restore given back, image generation %" PRIu64 " stays restorable",
		       rsp.generation);
	return 0;
}

void
ledgerlink_record_move(struct vm_agent *a, const struct move_record *rec)
{
	struct ferry_ipc_move m;
	struct ferryclient *c = NULL;
	int r;

	if (ledgerlink_client(a, &c) != 0) {
		vm_log(a, LOG_WARNING,
		       "ledger: move not replicated (ferryd unreachable), ignoring");
		return;
	}
	memset(&m, 0, sizeof(m));
#define LEDGERLINK_COPY(dst, src) snprintf(dst, sizeof(dst), "%.*s", (int)sizeof(dst) - 1, src)
	LEDGERLINK_COPY(m.vm, rec->vm);
	LEDGERLINK_COPY(m.uuid, rec->uuid);
	LEDGERLINK_COPY(m.from, rec->from);
	LEDGERLINK_COPY(m.to, rec->to);
	LEDGERLINK_COPY(m.mode, rec->mode);
	LEDGERLINK_COPY(m.result, rec->result);
	LEDGERLINK_COPY(m.error, rec->error);
#undef LEDGERLINK_COPY
	m.start_unix_ms = rec->start_unix_ms;
	m.total_ms = rec->total_ms;
	m.downtime_ms = rec->downtime_ms;
	m.guest_gap_ms = rec->guest_gap_ms;
	m.bytes = rec->bytes;
	r = ferryclient_record_move(c, &m);
	if (r != 0)
		ledgerlink_lost(a, "record_move", r);
}

void
ledgerlink_close(struct vm_agent *a)
{
	a->ledger_client = ferryclient_free(a->ledger_client);
}
