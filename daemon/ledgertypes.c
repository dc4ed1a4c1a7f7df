/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledgertypes.c - the names of the ledger's values (one table per enum, its
 * size checked at compile time, "(out-of-range)" for anything else) and the
 * rules for a VM's name and UUID.  See ledgertypes.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ledgertypes.h"

/* ---- names ---- */

static const char *const vm_state_names[] = {
        [LEDGER_VM_STOPPED] = "stopped",     [LEDGER_VM_RUNNING] = "running",
        [LEDGER_VM_MIGRATING] = "migrating", [LEDGER_VM_SAVED] = "saved",
        [LEDGER_VM_RESTORING] = "restoring",
};
_Static_assert(sizeof(vm_state_names) / sizeof(vm_state_names[0]) == _LEDGER_VM_STATE_MAX,
               "vm state names");

static const char *const op_names[] = {
        [LEDGER_OP_ACQUIRE] = "acquire",
        [LEDGER_OP_RESTORE] = "restore",
        [LEDGER_OP_RELEASE] = "release",
        [LEDGER_OP_MIGRATE_BEGIN] = "migrate-begin",
        [LEDGER_OP_MIGRATE_COMMIT] = "migrate-commit",
        [LEDGER_OP_MIGRATE_ABORT] = "migrate-abort",
        [LEDGER_OP_SAVE] = "save",
        [LEDGER_OP_FORCE_RELEASE] = "force-release",
        [LEDGER_OP_RESTORE_COMMIT] = "restore-commit",
        [LEDGER_OP_RESTORE_ABORT] = "restore-abort",
        [LEDGER_OP_FENCE] = "fence",
        [LEDGER_OP_DRAIN] = "drain",
};
_Static_assert(sizeof(op_names) / sizeof(op_names[0]) == _LEDGER_OP_MAX, "op names");

static const char *const verdict_names[] = {
        [LEDGER_GRANTED] = "granted",
        [LEDGER_REFUSED] = "refused",
};
_Static_assert(sizeof(verdict_names) / sizeof(verdict_names[0]) == _LEDGER_VERDICT_MAX,
               "verdict names");

static const char *const reason_names[] = {
        [LEDGER_R_OK] = "ok",
        [LEDGER_R_ALREADY] = "already",
        [LEDGER_R_SYNCING] = "syncing",
        [LEDGER_R_NOT_QUORATE] = "not-quorate",
        [LEDGER_R_NOT_MEMBER] = "not-member",
        [LEDGER_R_UNKNOWN_VM] = "unknown-vm",
        [LEDGER_R_INVALID] = "invalid",
        [LEDGER_R_NAME_MISMATCH] = "name-mismatch",
        [LEDGER_R_NAME_IN_USE] = "name-in-use",
        [LEDGER_R_TOO_MANY_VMS] = "too-many-vms",
        [LEDGER_R_OWNED_ELSEWHERE] = "owned-elsewhere",
        [LEDGER_R_ORPHANED] = "orphaned",
        [LEDGER_R_NOT_OWNER] = "not-owner",
        [LEDGER_R_BAD_STATE] = "bad-state",
        [LEDGER_R_TARGET_LOST] = "target-lost",
        [LEDGER_R_STALE_GENERATION] = "stale-generation",
        [LEDGER_R_UNKNOWN_GENERATION] = "unknown-generation",
};
_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == _LEDGER_REASON_MAX,
               "reason names");

FERRY_ENUM_IMPL(ledger_drain_kind, enum ledger_drain_kind, _LEDGER_DRAIN_KIND_MAX, "drain",
                "undrain")
FERRY_ENUM_IMPL(ledger_drain_state, enum ledger_drain_state, _LEDGER_DRAIN_STATE_MAX, "scheduled",
                "running", "done", "cancelled", "stopped-by-window")
FERRY_ENUM_IMPL(ledger_step_state, enum ledger_step_state, _LEDGER_STEP_STATE_MAX, "pending",
                "running", "done", "failed", "skipped")
FERRY_ENUM_IMPL(ledger_drain_op, enum ledger_drain_op, _LEDGER_DOP_MAX, "submit", "start",
                "step-begin", "step-end", "finish", "cancel")

#define NAME_OF(table, v, max) ((unsigned)(v) < (unsigned)(max) ? (table)[v] : "(out-of-range)")

const char *
ledger_vm_state_name(enum ledger_vm_state s)
{
	return NAME_OF(vm_state_names, s, _LEDGER_VM_STATE_MAX);
}

/* the kinds and results of moves are named once, in movekind.h's tables */
const char *
ledger_mode_name(enum ledger_mode m)
{
	if ((unsigned)m >= (unsigned)_LEDGER_MODE_MAX)
		return "(out-of-range)";
	return ferry_move_kind_name((enum ferry_move_kind)m);
}

const char *
ledger_op_name(enum ledger_op op)
{
	return NAME_OF(op_names, op, _LEDGER_OP_MAX);
}

const char *
ledger_verdict_name(enum ledger_verdict v)
{
	return NAME_OF(verdict_names, v, _LEDGER_VERDICT_MAX);
}

const char *
ledger_reason_name(enum ledger_reason r)
{
	return NAME_OF(reason_names, r, _LEDGER_REASON_MAX);
}

const char *
ledger_move_result_name(enum ledger_move_result r)
{
	if ((unsigned)r >= (unsigned)_LEDGER_MOVE_RESULT_MAX)
		return "(out-of-range)";
	return ferry_move_result_name((enum ferry_move_result)r);
}

int
ledger_mode_from_name(const char *s)
{
	enum ferry_move_kind k;

	if (ferry_move_kind_from_name(s, &k) != 0 || (unsigned)k >= (unsigned)_LEDGER_MODE_MAX)
		return -EINVAL;
	return (int)k;
}

int
ledger_move_result_from_name(const char *s)
{
	enum ferry_move_result r;

	if (ferry_move_result_from_name(s, &r) != 0)
		return -EINVAL;
	return (int)r;
}

/* ---- the rules for names and UUIDs ---- */

bool
ledger_valid_name(const char *s)
{
	size_t n = strnlen(s, LEDGER_NAME_MAX);

	if (n == 0 || n >= LEDGER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '+' ||
		          c == ':' || c == '@';
		if (!ok)
			return false;
	}
	return true;
}

bool
ledger_valid_uuid(const char *s)
{
	if (strnlen(s, LEDGER_UUID_MAX) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}
