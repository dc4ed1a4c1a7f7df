/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * predict-scenario - run the prediction engine on a scenario file and print
 * what it predicts (text, or --json).  Used by the golden tests and by
 * scripts/bench-moves; ferryctl predict prints the same text.
 *
 *   predict-scenario [--json] [FILE|-] [NAME=VALUE ...]
 *
 * A scenario file holds "NAME VALUE" lines (names: predict_set() in
 * include/ferry/predict.h); '#' starts a comment.  NAME=VALUE arguments are
 * applied after the file.  A move history calibrates the constants first
 * (include/ferry/calibrate.h), as ferryctl predict and move=auto do:
 *   from NODE          the move's source node
 *   to NODE            its target
 *   move {JSON}        one moves.jsonl record (oldest first, as in the log)
 *   moves_log PATH     every record of a moves.jsonl file
 * With any of them, the calibration is printed before the prediction (and
 * is the "calibration" key of the JSON).  Exit 0 with the prediction; 2 with "error: ..."
 * on stdout when the engine refuses the input (golden files record that too).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/calibrate.h"
#include "ferry/moverec.h"
#include "ferry/predict.h"

/* The move history given in the scenario: records go through moverec_read(),
 * the same reader ferryctl predict and the agent use. */
struct history {
	bool on;
	char from[128];
	char to[128];
	char *log; /* the records as moves.jsonl text */
	size_t log_len;
	FILE *w; /* open_memstream() on log */
};

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
history_add_file(struct history *h, const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, h->w);
	fclose(f);
	fputc('\n', h->w);
	return 0;
}

/* 1 a history name was handled, 0 not one, -errno failed. */
static int
history_set(struct history *h, const char *name, const char *value)
{
	if (strcmp(name, "from") == 0)
		snprintf(h->from, sizeof(h->from), "%s", value);
	else if (strcmp(name, "to") == 0)
		snprintf(h->to, sizeof(h->to), "%s", value);
	else if (strcmp(name, "move") == 0)
		fprintf(h->w, "%s\n", value);
	else if (strcmp(name, "moves_log") == 0) {
		int rc = history_add_file(h, value);

		if (rc < 0)
			return rc;
	} else
		return 0;
	h->on = true;
	return 1;
}

static struct history hist;

static int
apply(struct predict_input *in, struct predict_params *p, const char *where, unsigned line,
      char *name0, char *value0)
{
	char *name = trim(name0), *value = trim(value0);
	int rc = history_set(&hist, name, value);

	if (rc > 0)
		return 0;
	if (rc < 0) {
		printf("error: %s:%u: %s %s: %s\n", where, line, name, value, strerror(-rc));
		return rc;
	}
	rc = predict_set(in, p, name, value);
	if (rc < 0) {
		printf("error: %s:%u: %s %s: %s\n", where, line, name, value,
		       rc == -ENOENT ? "unknown name" : "bad value");
		return rc;
	}
	return 0;
}

static int
read_file(FILE *f, const char *where, struct predict_input *in, struct predict_params *p)
{
	char buf[MOVEREC_MAX_LINE * 2 + 64];
	unsigned line = 0;

	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *s, *hash, *sp;

		line++;
		hash = strchr(buf, '#');
		if (hash != NULL)
			*hash = '\0';
		s = trim(buf);
		if (*s == '\0')
			continue;
		sp = strpbrk(s, " \t=");
		if (sp == NULL) {
			printf("error: %s:%u: expected NAME VALUE\n", where, line);
			return -EINVAL;
		}
		*sp = '\0';
		if (apply(in, p, where, line, s, sp + 1) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Calibrates p from the history given (nothing when none was). */
static int
calibrate(struct predict_params *p, struct calibration *ret)
{
	struct move_record *recs = NULL;
	size_t n = 0;
	FILE *f;
	int rc;

	fclose(hist.w);
	hist.w = NULL;
	if (!hist.on)
		return 0;
	if (hist.log_len > 0) {
		f = fmemopen(hist.log, hist.log_len, "r");
		if (f == NULL) {
			printf("error: history: %s\n", strerror(errno));
			return -errno;
		}
		rc = moverec_read(f, MOVEREC_READ_MAX, &recs, &n, NULL);
		fclose(f);
		if (rc < 0) {
			printf("error: history: %s\n", strerror(-rc));
			return rc;
		}
	}
	rc = calibrate_compute(recs, n, hist.from, hist.to, p, ret);
	free(recs);
	if (rc < 0) {
		printf("error: calibration: %s\n", strerror(-rc));
		return rc;
	}
	calibrate_apply(ret, p);
	return 0;
}

int
main(int argc, char **argv)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;
	struct calibration cal;
	bool json = false;
	size_t need;
	char *out;
	int i = 1, rc;

	predict_input_default(&in);
	predict_params_default(&p);
	hist.w = open_memstream(&hist.log, &hist.log_len);
	if (hist.w == NULL)
		return 1;

	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = true;
		i++;
	}
	if (i < argc && strchr(argv[i], '=') == NULL) {
		FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "re");

		if (f == NULL) {
			fprintf(stderr, "predict-scenario: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		rc = read_file(f,
		               strrchr(argv[i], '/') != NULL ? strrchr(argv[i], '/') + 1 : argv[i],
		               &in, &p);
		if (f != stdin)
			fclose(f);
		if (rc < 0)
			return 2;
		i++;
	}
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL) {
			fprintf(stderr,
			        "usage: predict-scenario [--json] [FILE|-] [NAME=VALUE ...]\n");
			return 1;
		}
		*eq = '\0';
		if (apply(&in, &p, "argv", (unsigned)i, argv[i], eq + 1) < 0)
			return 2;
	}

	if (calibrate(&p, &cal) < 0)
		return 2;
	rc = predict_compute(&in, &p, &r);
	if (rc < 0) {
		printf("error: %s\n", strerror(-rc));
		return 2;
	}
	if (hist.on && !json) {
		need = calibrate_format(&cal, NULL, 0);
		out = calloc(1, need + 1);
		if (out == NULL)
			return 1;
		calibrate_format(&cal, out, need + 1);
		fputs(out, stdout);
		free(out);
	}
	need = json ? predict_format_json(&r, &p, NULL, 0) : predict_format(&r, &p, NULL, 0);
	out = calloc(1, need + 1);
	if (out == NULL)
		return 1;
	if (json)
		predict_format_json(&r, &p, out, need + 1);
	else
		predict_format(&r, &p, out, need + 1);
	if (hist.on && json) {
		/* one more key in the prediction's object: {...,"calibration":{...}} */
		char *c;

		need = strlen(out);
		while (need > 0 && out[need - 1] == '\n')
			out[--need] = '\0';
		if (need > 0 && out[need - 1] == '}')
			out[--need] = '\0';
		c = calloc(1, calibrate_format_json(&cal, NULL, 0) + 1);
		if (c == NULL)
			return 1;
		calibrate_format_json(&cal, c, calibrate_format_json(&cal, NULL, 0) + 1);
		printf("%s,\"calibration\":%s}\n", out, c);
		free(c);
	} else {
		fputs(out, stdout);
	}
	free(out);
	return 0;
}
