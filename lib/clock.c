/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clock.c - the monotonic clock and a sleep that signals do not cut short. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "ferry/clock.h"

uint64_t
ferry_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
ferry_clock_us(void)
{
	return ferry_clock_ns() / 1000u;
}

uint64_t
ferry_clock_ms(void)
{
	return ferry_clock_ns() / 1000000u;
}

void
ferry_sleep_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
	                      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
