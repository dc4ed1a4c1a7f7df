/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe.h - probe_address: the guest-visible gap of a move, seen by ICMP echo
 * from the source node.
 *
 * A prober thread sends an echo request to the guest every PROBE_INTERVAL_MS
 * on a raw ICMP (or ICMPv6) socket, with its own identifier and a random
 * cookie in the payload, and notes the time of every matching reply (same
 * identifier, cookie and source address).  The result is the longest gap
 * between two consecutive replies over the whole probe: what a client of the
 * guest saw, to within one interval, beside libvirt's downtime.
 *
 * Needs root or CAP_NET_RAW (the agent runs as root under Pacemaker).
 * Nothing here logs: the caller says what the result means.
 */
#ifndef FERRY_AGENT_PROBE_H
#define FERRY_AGENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_INTERVAL_MS 5 /* an echo request every PROBE_INTERVAL_MS */
#define PROBE_ERR_MAX     512

/* ---- the gap accounting: pure, times in µs of any monotonic clock ----- */

struct probe_gaps {
	bool any;            /* a reply was seen */
	uint64_t first_us;   /* the first reply */
	uint64_t last_us;    /* the latest reply */
	uint64_t longest_us; /* longest interval between two consecutive replies */
	uint64_t replies;
};

void probe_gaps_init(struct probe_gaps *g);
/* A reply at t_us.  A time before the latest reply counts as the latest. */
void probe_gaps_reply(struct probe_gaps *g, uint64_t t_us);
/* The longest gap so far in µs, counting the silence since the last reply
 * up to now_us; -1 when no reply was seen.  *ret_open (may be NULL): that
 * open silence is the longest gap. */
int64_t probe_gaps_longest(const struct probe_gaps *g, uint64_t now_us, bool *ret_open);

/* ---- the prober ------------------------------------------------------- */

struct probe;

struct probe_result {
	int64_t gap_ms;     /* longest gap between consecutive replies, rounded */
	bool lower_bound;   /* the guest was still silent when the grace ran out */
	uint64_t silent_ms; /* lower_bound: silent for that long at the end */
	uint64_t sent;      /* echo requests sent */
	uint64_t replies;   /* matching replies */
	char address[64];   /* the address pinged, numeric */
};

/*
 * Resolves address (IPv4 or IPv6 literal, or a host name: resolved now, the
 * first address wins), opens a raw ICMP socket and starts the prober, then
 * waits up to first_wait_ms for the first reply so that the move begins with
 * the guest known to answer.  Returns 0 when the prober runs (even if no
 * reply came in time: probe_stop() says so); -errno with a message in err
 * naming the address and the problem otherwise (-ENOENT cannot resolve,
 * -EPERM no permission for a raw socket, ...).
 */
int probe_start(const char *address, uint64_t first_wait_ms, struct probe **ret, char *err,
                size_t err_len);

/*
 * The move is over: keeps probing until the first reply after this call
 * (which ends the silence of the move, if any), at most grace_ms, then stops
 * the prober and frees p (NULL: nothing to do, -EINVAL).  Returns 0 with
 * *ret filled, or -ENODATA with a message in err when no reply came before
 * probe_start() returned (none at all: the address is probably wrong; or
 * only later: what happened before is unknown).
 */
int probe_stop(struct probe *p, uint64_t grace_ms, struct probe_result *ret, char *err,
               size_t err_len);

#endif
