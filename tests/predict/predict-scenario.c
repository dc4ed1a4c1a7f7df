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
 * applied after the file.  Exit 0 with the prediction; 2 with "error: ..."
 * on stdout when the engine refuses the input (golden files record that too).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/predict.h"

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
apply(struct predict_input *in, struct predict_params *p, const char *where, unsigned line,
      char *name, char *value)
{
	int rc = predict_set(in, p, trim(name), trim(value));

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
	char buf[512];
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

int
main(int argc, char **argv)
{
	struct predict_input in;
	struct predict_params p;
	struct predict_result r;
	bool json = false;
	size_t need;
	char *out;
	int i = 1, rc;

	predict_input_default(&in);
	predict_params_default(&p);

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
		rc = read_file(f, strrchr(argv[i], '/') != NULL ? strrchr(argv[i], '/') + 1 : argv[i],
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
			fprintf(stderr, "usage: predict-scenario [--json] [FILE|-] [NAME=VALUE ...]\n");
			return 1;
		}
		*eq = '\0';
		if (apply(&in, &p, "argv", (unsigned)i, argv[i], eq + 1) < 0)
			return 2;
	}

	rc = predict_compute(&in, &p, &r);
	if (rc < 0) {
		printf("error: %s\n", strerror(-rc));
		return 2;
	}
	need = json ? predict_format_json(&r, &p, NULL, 0) : predict_format(&r, &p, NULL, 0);
	out = calloc(1, need + 1);
	if (out == NULL)
		return 1;
	if (json)
		predict_format_json(&r, &p, out, need + 1);
	else
		predict_format(&r, &p, out, need + 1);
	fputs(out, stdout);
	free(out);
	return 0;
}
