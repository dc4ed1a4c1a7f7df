/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * clock.h - the monotonic clock and a sleep that signals do not cut short.
 *
 * Durations and deadlines in ferry are measured on CLOCK_MONOTONIC, which
 * NTP steps and date changes do not move.  Wall-clock times (the ledger's
 * time_ms, a probe's at_unix_s) are not for this header.
 */
#ifndef FERRY_CLOCK_H
#define FERRY_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC now, in ns, µs and ms (truncated). */
uint64_t ferry_clock_ns(void);
uint64_t ferry_clock_us(void);
uint64_t ferry_clock_ms(void);

/* Sleeps ms milliseconds; a signal's EINTR resumes the sleep for the rest. */
void ferry_sleep_ms(uint64_t ms);

#endif
