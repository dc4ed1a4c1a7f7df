/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_policy - the convergence policy: unit tests of the helpers and golden
 * tests of the engine.
 *
 * Golden tests: every tests/lib/policy/NAME.scenario is replayed through the
 * engine and the resulting log must equal NAME.expect byte for byte.  On a
 * mismatch a unified diff is printed; FERRY_GOLDEN_UPDATE=1 rewrites the
 * .expect files instead (review the git diff afterwards).
 *
 * Scenario format, one item per line, '#' starts a comment:
 *   key=value          config: max_downtime_ms, steps, postcopy, fallback,
 *                      stall_samples, deadline_ms (a number, or none = the
 *                      default); all before the samples
 *   ELAPSED_MS REMAINING [ITERATION [BPS [DIRTY_PAGES_S [TOTAL]]]]
 *                      one sample; byte counts take K, M, G (binary) suffixes
 * The log has the config in force (defaults filled in), one line per action
 * other than NONE (t=ELAPSED_MS ACTION [DOWNTIME_MS]), and the end state.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/policy.h"

#define MAX_SCENARIOS 64
#define LOG_MAX       (64 * 1024)

/* ---- a growing text log ---- */

struct log {
	char buf[LOG_MAX];
	size_t len;
};

static void log_add(struct log *l, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void
log_add(struct log *l, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(l->buf) - l->len);
	l->len += (size_t)n;
}

static const char *
errno_name(int err)
{
	switch (err) {
	case EINVAL:
		return "EINVAL";
	case ERANGE:
		return "ERANGE";
	default:
		return "E?";
	}
}

/* ---- scenario parsing ---- */

static int
parse_bytes(const char *t, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(t, &end, 10);
	if (errno != 0 || end == t)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

static int
apply_config(char *line, struct policy_config *cfg, uint64_t *deadline_ms)
{
	char *eq = strchr(line, '=');
	const char *key = line, *val;
	uint64_t v;

	if (eq == NULL)
		return -EINVAL;
	*eq = '\0';
	val = eq + 1;
	if (strcmp(key, "steps") == 0)
		return policy_parse_steps(val, cfg);
	if (strcmp(key, "postcopy") == 0)
		return policy_postcopy_from_name(val, &cfg->postcopy);
	if (strcmp(key, "fallback") == 0)
		return policy_fallback_from_name(val, &cfg->fallback);
	if (strcmp(key, "deadline_ms") == 0 && strcmp(val, "none") == 0) {
		*deadline_ms = UINT64_MAX;
		return 0;
	}
	if (parse_bytes(val, &v) < 0)
		return -EINVAL;
	if (strcmp(key, "max_downtime_ms") == 0 && v <= UINT32_MAX)
		cfg->max_downtime_ms = (uint32_t)v;
	else if (strcmp(key, "stall_samples") == 0 && v <= UINT32_MAX)
		cfg->stall_samples = (uint32_t)v;
	else if (strcmp(key, "deadline_ms") == 0)
		*deadline_ms = v;
	else
		return -EINVAL;
	return 0;
}

static void
log_config(struct log *l, const struct policy_config *cfg, uint64_t deadline_ms)
{
	log_add(l, "config max_downtime_ms=%u steps=", cfg->max_downtime_ms);
	for (size_t i = 0; i < cfg->n_downtime_steps; i++)
		log_add(l, "%s%u", i > 0 ? "," : "", cfg->downtime_steps_ms[i]);
	log_add(l, " postcopy=%s fallback=%s stall_samples=%u deadline_ms=",
	        policy_postcopy_name(cfg->postcopy), policy_fallback_name(cfg->fallback),
	        cfg->stall_samples);
	if (deadline_ms == UINT64_MAX)
		log_add(l, "none\n");
	else
		log_add(l, "%llu\n", (unsigned long long)deadline_ms);
}

/* Replays one scenario file into a log.  Returns 0, or -errno for I/O. */
static int
run_scenario(const char *path, struct log *l)
{
	struct policy_config cfg;
	struct policy p;
	uint64_t deadline_ms = UINT64_MAX;
	bool started = false;
	unsigned lineno = 0, n_samples = 0;
	char line[512];
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	policy_config_default(&cfg);

	while (fgets(line, sizeof(line), f) != NULL) {
		struct policy_sample s;
		struct policy_action a;
		char *fields[6], *save = NULL, *tok, *hash;
		size_t nf = 0;

		lineno++;
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		for (tok = strtok_r(line, " \t", &save); tok != NULL && nf < 6;
		     tok = strtok_r(NULL, " \t", &save))
			fields[nf++] = tok;
		if (nf == 0)
			continue;

		if (strchr(fields[0], '=') != NULL) {
			char copy[512];
			int r;

			if (started) {
				log_add(l, "line %u: config after samples\n", lineno);
				break;
			}
			snprintf(copy, sizeof(copy), "%s", fields[0]);
			r = apply_config(fields[0], &cfg, &deadline_ms);
			if (r < 0) {
				log_add(l, "line %u: config error: %s: %s\n", lineno, copy,
				        errno_name(-r));
				fclose(f);
				return 0;
			}
			continue;
		}

		if (!started) {
			policy_init(&p, &cfg, deadline_ms);
			log_config(l, &p.cfg, deadline_ms);
			started = true;
		}
		memset(&s, 0, sizeof(s));
		if (nf < 2 || parse_bytes(fields[0], &s.elapsed_ms) < 0 ||
		    parse_bytes(fields[1], &s.data_remaining_bytes) < 0 ||
		    (nf > 2 && parse_bytes(fields[2], &s.mem_iteration) < 0) ||
		    (nf > 3 && parse_bytes(fields[3], &s.mem_bps) < 0) ||
		    (nf > 4 && parse_bytes(fields[4], &s.mem_dirty_rate_pages_s) < 0) ||
		    (nf > 5 && parse_bytes(fields[5], &s.data_total_bytes) < 0)) {
			log_add(l, "line %u: bad sample\n", lineno);
			break;
		}
		n_samples++;
		a = policy_step(&p, &s);
		if (a.type == POLICY_ACT_SET_DOWNTIME)
			log_add(l, "t=%llu %s %u\n", (unsigned long long)s.elapsed_ms,
			        policy_action_name(a.type), a.downtime_ms);
		else if (a.type != POLICY_ACT_NONE)
			log_add(l, "t=%llu %s\n", (unsigned long long)s.elapsed_ms,
			        policy_action_name(a.type));
	}
	fclose(f);
	if (!started) {
		policy_init(&p, &cfg, deadline_ms);
		log_config(l, &p.cfg, deadline_ms);
	}
	log_add(l, "end samples=%u stalls=%u downtime_ms=%u postcopy=%s finished=%s\n", n_samples,
	        p.stalls, p.downtime_ms, p.postcopy_started ? "yes" : "no",
	        p.finished ? "yes" : "no");
	return 0;
}

/* ---- golden comparison ---- */

static const char *
srcdir(void)
{
	const char *d = getenv("abs_srcdir");

	return d != NULL && d[0] != '\0' ? d : ".";
}

static int
read_file(const char *path, struct log *out)
{
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return -errno;
	out->len = fread(out->buf, 1, sizeof(out->buf) - 1, f);
	out->buf[out->len] = '\0';
	fclose(f);
	return 0;
}

static int
write_file(const char *path, const struct log *in)
{
	FILE *f = fopen(path, "we");
	int r = 0;

	if (f == NULL)
		return -errno;
	if (fwrite(in->buf, 1, in->len, f) != in->len)
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static void
print_diff(const char *expect_path, const struct log *actual)
{
	char tmpl[] = "/tmp/ferry-policy-actual-XXXXXX";
	char cmd[8192];
	int fd = mkstemp(tmpl);

	if (fd < 0)
		return;
	if (write(fd, actual->buf, actual->len) == (ssize_t)actual->len &&
	    snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | sed 's/^/# /' >&2", expect_path, tmpl) <
	            (int)sizeof(cmd)) {
		if (system(cmd) != 0)
			fprintf(stderr, "# (diff failed)\n");
	}
	close(fd);
	unlink(tmpl);
}

static void
test_golden(void **state)
{
	const char *name = *state;
	char scen[4096], expect[4096];
	struct log *actual = calloc(1, sizeof(*actual));
	struct log *wanted = calloc(1, sizeof(*wanted));
	const char *update = getenv("FERRY_GOLDEN_UPDATE");

	assert_non_null(actual);
	assert_non_null(wanted);
	snprintf(scen, sizeof(scen), "%s/policy/%s.scenario", srcdir(), name);
	snprintf(expect, sizeof(expect), "%s/policy/%s.expect", srcdir(), name);

	assert_int_equal(run_scenario(scen, actual), 0);
	if (update != NULL && strcmp(update, "1") == 0) {
		assert_int_equal(write_file(expect, actual), 0);
	} else {
		if (read_file(expect, wanted) < 0) {
			fprintf(stderr, "# %s: missing (FERRY_GOLDEN_UPDATE=1 creates it)\n",
			        expect);
			fail();
		}
		if (strcmp(actual->buf, wanted->buf) != 0) {
			fprintf(stderr, "# %s: log differs from %s\n", name, expect);
			print_diff(expect, actual);
			fail();
		}
	}
	free(actual);
	free(wanted);
}

/* ---- unit tests ---- */

static void
test_defaults(void **state)
{
	struct policy_config cfg;
	struct policy p;

	(void)state;
	memset(&cfg, 0xaa, sizeof(cfg));
	policy_config_default(&cfg);
	assert_int_equal(cfg.max_downtime_ms, 100);
	assert_int_equal(cfg.n_downtime_steps, 0);
	assert_int_equal(cfg.postcopy, POLICY_POSTCOPY_OFF);
	assert_int_equal(cfg.fallback, POLICY_FALLBACK_NONE);
	assert_int_equal(cfg.stall_samples, 0);
	policy_init(&p, &cfg, 1000);
	assert_int_equal(p.cfg.stall_samples, POLICY_DEFAULT_STALL_SAMPLES);
	assert_int_equal(p.downtime_ms, 100);
	assert_int_equal(p.deadline_ms, 1000);
	assert_false(p.finished);
	assert_false(p.postcopy_started);
}

static void
test_parse_steps_good(void **state)
{
	struct policy_config cfg;

	(void)state;
	policy_config_default(&cfg);
	assert_int_equal(policy_parse_steps("50,100,200,400", &cfg), 0);
	assert_int_equal(cfg.n_downtime_steps, 4);
	assert_int_equal(cfg.downtime_steps_ms[0], 50);
	assert_int_equal(cfg.downtime_steps_ms[3], 400);

	assert_int_equal(policy_parse_steps(" 1 , 60000 ", &cfg), 0);
	assert_int_equal(cfg.n_downtime_steps, 2);
	assert_int_equal(cfg.downtime_steps_ms[1], 60000);

	assert_int_equal(policy_parse_steps("", &cfg), 0);
	assert_int_equal(cfg.n_downtime_steps, 0);

	assert_int_equal(policy_parse_steps("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", &cfg), 0);
	assert_int_equal(cfg.n_downtime_steps, POLICY_MAX_STEPS);
}

static void
test_parse_steps_bad(void **state)
{
	static const char *const bad[] = {
	        "100,50",                                    /* descending */
	        "100,100",                                   /* not strictly ascending */
	        "0",                                         /* below 1 ms */
	        "60001",                                     /* above 60 s */
	        "99999999999999999999999",                   /* overflow */
	        "50,,100",                                   /* empty element */
	        ",50",                                       /* leading comma */
	        "50,",                                       /* trailing comma */
	        "50;100",                                    /* wrong separator */
	        "-50",                                       /* sign */
	        "+50",                                       /* sign */
	        "50ms",                                      /* unit */
	        "0x10",                                      /* hex */
	        "5 0",                                       /* blank inside a number */
	        "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", /* too many */
	        " , ",
	};
	struct policy_config cfg;

	(void)state;
	policy_config_default(&cfg);
	assert_int_equal(policy_parse_steps("10,20", &cfg), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (policy_parse_steps(bad[i], &cfg) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		/* cfg untouched on failure */
		assert_int_equal(cfg.n_downtime_steps, 2);
		assert_int_equal(cfg.downtime_steps_ms[0], 10);
		assert_int_equal(cfg.downtime_steps_ms[1], 20);
	}
	assert_int_equal(policy_parse_steps(NULL, &cfg), -EINVAL);
}

static void
test_names(void **state)
{
	enum policy_postcopy pc;
	enum policy_fallback fb;

	(void)state;
	for (int t = 0; t < _POLICY_ACT_MAX; t++)
		assert_non_null(policy_action_name((enum policy_action_type)t));
	assert_null(policy_action_name(_POLICY_ACT_MAX));
	assert_string_equal(policy_action_name(POLICY_ACT_FALLBACK_QUICK), "fallback_quick");

	for (int v = 0; v < _POLICY_POSTCOPY_MAX; v++) {
		assert_int_equal(policy_postcopy_from_name(
		                         policy_postcopy_name((enum policy_postcopy)v), &pc),
		                 0);
		assert_int_equal(pc, v);
	}
	for (int v = 0; v < _POLICY_FALLBACK_MAX; v++) {
		assert_int_equal(policy_fallback_from_name(
		                         policy_fallback_name((enum policy_fallback)v), &fb),
		                 0);
		assert_int_equal(fb, v);
	}
	assert_null(policy_postcopy_name(_POLICY_POSTCOPY_MAX));
	assert_null(policy_fallback_name(_POLICY_FALLBACK_MAX));
	pc = POLICY_POSTCOPY_AFTER_STALL;
	assert_int_equal(policy_postcopy_from_name("always", &pc), -EINVAL);
	assert_int_equal(policy_postcopy_from_name(NULL, &pc), -EINVAL);
	assert_int_equal(policy_postcopy_from_name("", &pc), -EINVAL);
	assert_int_equal(pc, POLICY_POSTCOPY_AFTER_STALL);
	assert_int_equal(policy_fallback_from_name("Quick", &fb), -EINVAL);
}

static void
test_predict(void **state)
{
	const uint64_t mib = 1024 * 1024, gib = 1024 * mib;

	(void)state;
	assert_int_equal(policy_predict_downtime_ms(0, gib, gib), 0);
	assert_int_equal(policy_predict_downtime_ms(gib, 0, gib), UINT64_MAX);
	/* dirtying 10 % of bandwidth: one pass over 1 GiB leaves 102.4 MiB -> 100 ms */
	assert_int_equal(policy_predict_downtime_ms(gib / 10, gib, gib), 100);
	/* dirtying faster than bandwidth: the whole working set, 512 MiB at 1 GiB/s */
	assert_int_equal(policy_predict_downtime_ms(2 * gib, gib, 512 * mib), 500);
	/* one byte left at 3000 B/s is 0.33 ms: rounded up */
	assert_int_equal(policy_predict_downtime_ms(3000, 3000, 1), 1);
	/* huge values do not overflow */
	assert_int_equal(policy_predict_downtime_ms(UINT64_MAX, 1, UINT64_MAX), UINT64_MAX);
}

/* Hand-driven sequence: the exact moments of the rules, besides the golden files. */
static void
test_rules_direct(void **state)
{
	struct policy_config cfg;
	struct policy p;
	struct policy_sample s = {.mem_bps = 1ull << 30, .mem_iteration = 1};
	struct policy_action a;

	(void)state;
	policy_config_default(&cfg);
	assert_int_equal(policy_parse_steps("200", &cfg), 0);
	cfg.postcopy = POLICY_POSTCOPY_AFTER_STALL;
	cfg.stall_samples = 2;
	policy_init(&p, &cfg, 10000);

	s.elapsed_ms = 200;
	s.data_remaining_bytes = 500ull << 20;
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_NONE); /* first: progress */
	s.elapsed_ms = 400;
	s.mem_iteration = 2;
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_NONE); /* 1 without progress */
	s.elapsed_ms = 600;
	s.mem_iteration = 3;
	a = policy_step(&p, &s); /* 2 without progress, 2 passes: stall */
	assert_int_equal(a.type, POLICY_ACT_SET_DOWNTIME);
	assert_int_equal(a.downtime_ms, 200);
	s.elapsed_ms = 800;
	s.mem_iteration = 4;
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_NONE);
	s.elapsed_ms = 1000;
	s.mem_iteration = 5;
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_START_POSTCOPY);
	/* past the deadline in post-copy: never abort */
	s.elapsed_ms = 20000;
	for (int i = 0; i < 10; i++)
		assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_NONE);
	assert_true(p.postcopy_started);
	assert_false(p.finished);
}

/* Deadline 0 is "already over" (the agent passes live_deadline_ms minus the
 * time it has used, which can reach 0), not "no deadline". */
static void
test_deadline_edges(void **state)
{
	struct policy_config cfg;
	struct policy p;
	struct policy_sample s = {.elapsed_ms = 0, .data_remaining_bytes = 1};

	(void)state;
	policy_config_default(&cfg);
	policy_init(&p, &cfg, 0);
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_ABORT);
	assert_true(p.finished);
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_NONE);

	cfg.fallback = POLICY_FALLBACK_QUICK;
	policy_init(&p, &cfg, 1000);
	s.elapsed_ms = 999;
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_NONE);
	s.elapsed_ms = 1000;
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_FALLBACK_QUICK);

	policy_init(&p, &cfg, UINT64_MAX);
	s.elapsed_ms = UINT64_MAX - 1;
	assert_int_equal(policy_step(&p, &s).type, POLICY_ACT_NONE);
	assert_false(p.finished);
}

/*
 * Properties that hold for any sample sequence: random configs and samples,
 * checked action by action.
 *  - nothing after ABORT/FALLBACK_QUICK; at most one of those, and only at or
 *    after the deadline;
 *  - never ABORT/FALLBACK_QUICK once post-copy started; START_POSTCOPY at most
 *    once and only with postcopy=after-stall, after every step above the
 *    starting limit was used;
 *  - SET_DOWNTIME values are steps, strictly rising, above the starting limit.
 */
static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
test_properties_random(void **state)
{
	uint32_t x = 0x12345678;
	unsigned seen[_POLICY_ACT_MAX] = {0};

	(void)state;
	for (int run = 0; run < 3000; run++) {
		struct policy_config cfg;
		struct policy p;
		uint64_t deadline = 1000 + rnd(&x) % 20000, elapsed = 0, iteration = 1;
		uint32_t last_set = 0;
		size_t steps_above = 0, sets = 0;
		int postcopies = 0, ends = 0;
		bool ended = false, in_postcopy = false;

		policy_config_default(&cfg);
		cfg.max_downtime_ms = 1 + rnd(&x) % 500;
		cfg.n_downtime_steps = rnd(&x) % 6;
		for (size_t i = 0; i < cfg.n_downtime_steps; i++)
			cfg.downtime_steps_ms[i] =
			        (uint32_t)(i == 0 ? 1 : cfg.downtime_steps_ms[i - 1]) + 1 +
			        rnd(&x) % 300;
		for (size_t i = 0; i < cfg.n_downtime_steps; i++)
			if (cfg.downtime_steps_ms[i] > cfg.max_downtime_ms)
				steps_above++;
		cfg.postcopy = (enum policy_postcopy)(rnd(&x) % _POLICY_POSTCOPY_MAX);
		cfg.fallback = (enum policy_fallback)(rnd(&x) % _POLICY_FALLBACK_MAX);
		cfg.stall_samples = rnd(&x) % 8;
		policy_init(&p, &cfg, deadline);

		for (int i = 0; i < 200; i++) {
			struct policy_sample s = {0};
			struct policy_action a;

			elapsed += rnd(&x) % 400;
			if (rnd(&x) % 3 == 0)
				iteration += rnd(&x) % 3;
			s.elapsed_ms = elapsed;
			s.data_remaining_bytes = (uint64_t)(rnd(&x) % 4096) << (rnd(&x) % 24);
			s.mem_iteration = rnd(&x) % 5 == 0 ? 0 : iteration;
			s.mem_bps = (uint64_t)(rnd(&x) % 2048) << 20;
			a = policy_step(&p, &s);
			seen[a.type]++;

			if (ended)
				assert_int_equal(a.type, POLICY_ACT_NONE);
			switch (a.type) {
			case POLICY_ACT_NONE:
				break;
			case POLICY_ACT_SET_DOWNTIME:
				assert_false(in_postcopy);
				assert_true(a.downtime_ms > cfg.max_downtime_ms);
				assert_true(a.downtime_ms > last_set);
				last_set = a.downtime_ms;
				sets++;
				assert_true(elapsed < deadline);
				break;
			case POLICY_ACT_START_POSTCOPY:
				assert_int_equal(cfg.postcopy, POLICY_POSTCOPY_AFTER_STALL);
				assert_int_equal(sets, steps_above);
				assert_true(elapsed < deadline);
				in_postcopy = true;
				postcopies++;
				break;
			case POLICY_ACT_ABORT:
			case POLICY_ACT_FALLBACK_QUICK:
				assert_false(in_postcopy);
				assert_true(elapsed >= deadline);
				assert_int_equal(a.type == POLICY_ACT_FALLBACK_QUICK,
				                 cfg.fallback == POLICY_FALLBACK_QUICK);
				ended = true;
				ends++;
				break;
			default:
				fail_msg("unknown action %d", a.type);
			}
		}
		assert_true(postcopies <= 1);
		assert_true(ends <= 1);
		/* a sequence that reached the deadline ended it, unless in post-copy */
		if (elapsed >= deadline && !in_postcopy)
			assert_true(ended);
	}
	/* the random walk must reach every rule, or it proves nothing */
	for (int t = 0; t < _POLICY_ACT_MAX; t++)
		if (seen[t] < 10)
			fail_msg("action %s seen only %u times", policy_action_name(t), seen[t]);
}

static int
is_scenario(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 9 && strcmp(d->d_name + n - 9, ".scenario") == 0;
}

int
main(void)
{
	static const struct CMUnitTest units[] = {
	        cmocka_unit_test(test_defaults),          cmocka_unit_test(test_parse_steps_good),
	        cmocka_unit_test(test_parse_steps_bad),   cmocka_unit_test(test_names),
	        cmocka_unit_test(test_predict),           cmocka_unit_test(test_rules_direct),
	        cmocka_unit_test(test_properties_random), cmocka_unit_test(test_deadline_edges),
	};
	struct CMUnitTest tests[sizeof(units) / sizeof(units[0]) + MAX_SCENARIOS];
	static char names[MAX_SCENARIOS][256];
	static void *states[MAX_SCENARIOS];
	char dir[4096];
	struct dirent **ents = NULL;
	size_t n = 0;
	int n_ents, r;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		tests[n++] = units[i];

	snprintf(dir, sizeof(dir), "%s/policy", srcdir());
	n_ents = scandir(dir, &ents, is_scenario, alphasort);
	if (n_ents < 0) {
		fprintf(stderr, "Bail out! cannot read %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (n_ents > MAX_SCENARIOS) {
		fprintf(stderr, "Bail out! more than %d scenarios\n", MAX_SCENARIOS);
		return 1;
	}
	for (int i = 0; i < n_ents; i++) {
		size_t len = strlen(ents[i]->d_name) - strlen(".scenario");

		snprintf(names[i], sizeof(names[i]), "%.*s", (int)len, ents[i]->d_name);
		states[i] = names[i];
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = names[i];
		tests[n].test_func = test_golden;
		tests[n].initial_state = states[i];
		n++;
		free(ents[i]);
	}
	free(ents);

	r = _cmocka_run_group_tests("policy", tests, n, NULL, NULL);
	return r;
}
