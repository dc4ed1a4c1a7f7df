/*
 * hbtrack: bookkeeping of a heartbeat stream "<boot_id> <counter>", shared
 * by hbwatch (serial log) and hbclient (TCP).  Times are host
 * CLOCK_MONOTONIC nanoseconds taken when a line arrived.
 */
#ifndef FERRY_HBTRACK_H
#define FERRY_HBTRACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HBTRACK_MAX_GAPS       64
#define HBTRACK_DEFAULT_GAP_MS 100

#define HBTRACK_MAX_RESETS 8

struct hbtrack_gap {
	int64_t gap_ns;
	int64_t end_ns; /* arrival of the line that ended the gap */
	uint64_t counter_before;
	uint64_t counter_after;
};

/* A reset, and whether the stream went on from it: a stale memory image goes back and
 * stays back; one damaged line (a serial byte lost: 12345 -> 1245) or a second copy
 * writing one line goes back for that line only. */
struct hbtrack_reset {
	int64_t at_ns; /* arrival of the line that went back */
	uint64_t counter_before;
	uint64_t counter_after;
	bool new_boot;   /* the boot_id changed */
	int stayed_back; /* the next line went on from it: 1, went on from before it: 0, none yet:
	                    -1 */
};

struct hbtrack {
	int64_t start_ns;
	int64_t gap_threshold_ns;
	bool have_line;
	char boot_id[17];
	uint64_t lines;
	uint64_t first_counter;
	uint64_t last_counter;
	int64_t last_ns;
	uint64_t resets;    /* boot_id changed or counter went back */
	uint64_t skipped;   /* counter values missing within one boot */
	char before_id[17]; /* the line before the last one */
	uint64_t before_counter;
	unsigned n_resets; /* resets, the first HBTRACK_MAX_RESETS kept in reset_list */
	struct hbtrack_reset reset_list[HBTRACK_MAX_RESETS];
	struct hbtrack_gap longest_gap;
	unsigned n_gaps; /* gaps >= threshold, the first HBTRACK_MAX_GAPS kept */
	struct hbtrack_gap gaps[HBTRACK_MAX_GAPS];
};

int64_t hbtrack_now_ns(void);
void hbtrack_init(struct hbtrack *t, int64_t now_ns, int64_t gap_threshold_ns);
/* Account one line "<boot_id> <counter>"; -EINVAL if it is not one. */
int hbtrack_line(struct hbtrack *t, int64_t now_ns, const char *line);
/* Print the common JSON members (no braces), each preceded by a comma. */
void hbtrack_json_members(const struct hbtrack *t, int64_t now_ns, FILE *f);
/* Print s as a JSON string. */
void hbtrack_json_string(FILE *f, const char *s);
/* Write text to path atomically (temp file + rename). */
int hbtrack_write_atomic(const char *path, const char *text, size_t len);
/* Close a tool's JSON object opened with open_memstream(bufp, ...): the common
 * members, "}\n", fclose.  Returns *bufp (valid only after the fclose), or
 * NULL (freed) on failure. */
char *hbtrack_json_finish(const struct hbtrack *t, int64_t now_ns, FILE *f, char **bufp);
/* Write json (may be NULL) to status_path atomically, saying on stderr,
 * prefixed by tool, when that fails; frees json. */
void hbtrack_publish(const char *tool, const char *status_path, char *json, size_t len);
/* Parse a non-negative number of seconds ("2", "0.5"); -EINVAL on junk. */
int hbtrack_parse_seconds(const char *s, int64_t *ret_ns);

#endif
