/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlpredict.c - `ferryctl predict VM`: sample the VM where it runs
 * (vmsample.h), predict live, quick, restart and HA restart (predict.h) and
 * print them side by side with how every input was obtained.
 *
 * Runs on the node where the VM runs (local libvirt, qemu:///system unless
 * --connect says otherwise).  When the VM does not run here, ferryd's ledger
 * is asked where it does.
 *
 * The model's constants are calibrated from this node's moves log (the
 * same read as the bandwidth, calibrate.h); the output says, per constant,
 * whether it came from history or is the a-priori value.
 *
 * The move policy (max_downtime_ms, downtime_steps, save_dir) is the one the
 * agent uses: each flag given, else the VM's ocf:ferry:vm resource in the CIB
 * (ctlcib.h), else ferry's defaults; the output says which.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "ferry/client.h"
#include "ctlcib.h"
#include "ctlstack.h"
#include "ferry/calibrate.h"
#include "ferry/predict.h"
#include "ferry/textout.h"
#include "ferry/vmsample.h"
#include "ctlpredict.h"
#include "ferryctl.h"

#define CTLPREDICT_DEFAULT_URI "qemu:///system"
#define CTLPREDICT_OUT_MAX     16384

_Static_assert(PREDICT_MAX_STEPS == POLICY_MAX_STEPS, "a resource's steps fit the engine");

struct ctlpredict {
	bool json;
	const char *vm;
	const char *uri;
	const char *target;
	const char *save_dir;
	const char *max_downtime;
	const char *steps;
	uint32_t dirty_seconds;
	/* --max-downtime and --downtime-steps as parsed */
	uint32_t max_downtime_ms;
	uint32_t downtime_steps_ms[PREDICT_MAX_STEPS];
	size_t n_downtime_steps;
	struct ctlpredict_policy policy;
	char node[256];  /* this node */
	char stack[256]; /* ctlstack_line(): libvirt/QEMU here and what ferry uses */
};

static void
ctlpredict_usage(FILE *f)
{
	fprintf(f,
	        "Usage: ferryctl [--json] predict VM [--target NODE] [--save-dir DIR]\n"
	        "                [--dirty-seconds N] [--max-downtime MS] [--downtime-steps LIST]\n"
	        "                [--connect URI]\n"
	        "Samples VM on this node and predicts live migration (ferry's policy and "
	        "libvirt's\n"
	        "defaults), quick migration, restart and HA restart side by side.\n"
	        "  --target NODE        the migration target (its last live move gives the "
	        "bandwidth)\n"
	        "  --save-dir DIR       probe DIR for write/read bandwidth\n"
	        "                       (default: the resource's save_dir)\n"
	        "  --dirty-seconds N    dirty-rate measurement, 1..%d s (default %d; 0 = assume "
	        "idle)\n"
	        "  --max-downtime MS    ferry's first downtime limit\n"
	        "                       (default: the resource's max_downtime_ms, else 100)\n"
	        "  --downtime-steps L   limits raised through when the copy stalls, or none\n"
	        "                       (default: the resource's downtime_steps, else "
	        "200,400,800)\n"
	        "  --connect URI        libvirt URI (default %s)\n"
	        "What no flag gives comes from VM's ocf:ferry:vm resource in the CIB, as the\n"
	        "agent's move=auto takes it, else from ferry's defaults; the output says which.\n",
	        VMSAMPLE_DIRTY_SECONDS_MAX, VMSAMPLE_DIRTY_SECONDS, CTLPREDICT_DEFAULT_URI);
}

static void
ctlpredict_quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static const char *
ctlpredict_virt_err(void)
{
	const char *m = virGetLastErrorMessage();

	return m != NULL ? m : "unknown libvirt error";
}

static void
ctlpredict_json_str(const char *s)
{
	json_fputs_str(s, stdout);
}

/* ---- where does it run? -------------------------------------------------- */

static const char *
ctlpredict_node_name(const struct ferry_ipc_status_rsp *s, uint32_t nodeid, char *buf, size_t len)
{
	for (uint32_t i = 0; i < s->n_nodes && i < FERRY_IPC_MAX_NODES; i++)
		if (s->nodes[i].nodeid == nodeid && s->nodes[i].name[0] != '\0') {
			snprintf(buf, len, "%.*s (%" PRIu32 ")", FERRY_IPC_NODE_LEN - 1,
			         s->nodes[i].name, nodeid);
			return buf;
		}
	snprintf(buf, len, "node %" PRIu32, nodeid);
	return buf;
}

/* The VM is not running here: say where it is, if ferryd's ledger knows. */
static int
ctlpredict_not_here(const struct ctlpredict *ctl, const char *state)
{
	struct ferryclient *c = NULL;
	struct ferry_ipc_status_rsp *s = NULL;
	const struct ferry_ipc_vm_info *v;
	char owner[96];
	size_t len = 0;
	int r;

	fprintf(stderr, "ferryctl: %s is %s on this node (%s), so it cannot be sampled here.\n",
	        ctl->vm, state, ctl->node);
	r = ferryclient_connect(&c);
	if (r == 0)
		r = ferryclient_status(c, &s, &len);
	ferryclient_free(c);
	if (r < 0) {
		fprintf(stderr,
		        "ferryd does not answer (%s), so where it runs is unknown: run "
		        "'ferryctl predict %s' on the node where it runs (pcs status or "
		        "crm_resource --locate tell).\n",
		        strerror(-r), ctl->vm);
		return FERRYCTL_NOT_HERE;
	}
	v = (const struct ferry_ipc_vm_info *)(s + 1);
	for (uint32_t i = 0; i < s->n_vms; i++) {
		if (strncmp(v[i].vm, ctl->vm, sizeof(v[i].vm)) != 0 &&
		    strncmp(v[i].uuid, ctl->vm, sizeof(v[i].uuid)) != 0)
			continue;
		if (v[i].owner_nodeid != 0 && v[i].owner_nodeid != s->local_nodeid &&
		    (v[i].state == FERRY_VM_RUNNING || v[i].state == FERRY_VM_MIGRATING))
			fprintf(stderr,
			        "ferryd's ledger says it runs on %s: run 'ferryctl predict %s' "
			        "there.\n",
			        ctlpredict_node_name(s, v[i].owner_nodeid, owner, sizeof(owner)),
			        ctl->vm);
		else
			fprintf(stderr,
			        "ferryd's ledger has it %s%s%s: start it first, then run 'ferryctl "
			        "predict %s' where it runs.\n",
			        ferryclient_state_name(v[i].state),
			        v[i].owner_nodeid != 0 ? " on " : "",
			        v[i].owner_nodeid != 0 ? ctlpredict_node_name(s, v[i].owner_nodeid,
			                                                      owner, sizeof(owner))
			                               : "",
			        ctl->vm);
		free(s);
		return FERRYCTL_NOT_HERE;
	}
	fprintf(stderr,
	        "ferryd's ledger does not know it (ledger=off?): run 'ferryctl predict %s' on the "
	        "node where it runs (pcs status or crm_resource --locate tell).\n",
	        ctl->vm);
	free(s);
	return FERRYCTL_NOT_HERE;
}

/* ---- output ---------------------------------------------------------------- */

static void
ctlpredict_fmt_value(char *buf, size_t len, const struct vmsample *s, enum vmsample_field f)
{
	uint64_t v = vmsample_value(s, f);
	bool rate = f != VMSAMPLE_MEM && f != VMSAMPLE_TOUCHED;

	if (v == PREDICT_UNKNOWN)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " MiB%s", v / PREDICT_MIB,
		         (v % PREDICT_MIB) * 10 / PREDICT_MIB, rate ? "/s" : "");
}

static const char *const ctlpredict_labels[_VMSAMPLE_FIELD_MAX] = {
        [VMSAMPLE_MEM] = "memory",
        [VMSAMPLE_TOUCHED] = "touched",
        [VMSAMPLE_DIRTY] = "dirty rate",
        [VMSAMPLE_NET] = "migration bw",
        [VMSAMPLE_SAVE_WRITE] = "save write bw",
        [VMSAMPLE_SAVE_READ] = "save read bw",
};

static void
ctlpredict_print_policy_text(const struct ctlpredict_policy *pol)
{
	printf("policy: max_downtime_ms=%" PRIu32 " downtime_steps=", pol->max_downtime_ms);
	if (pol->n_downtime_steps == 0)
		printf("none");
	for (size_t i = 0; i < pol->n_downtime_steps; i++)
		printf("%s%" PRIu32, i > 0 ? "," : "", pol->downtime_steps_ms[i]);
	printf(" save_dir=%s (%s)\n", pol->save_dir[0] != '\0' ? pol->save_dir : "none", pol->from);
}

static void
ctlpredict_print_policy_json(const struct ctlpredict_policy *pol)
{
	printf(",\"policy\":{\"max_downtime_ms\":%" PRIu32 ",\"downtime_steps\":[",
	       pol->max_downtime_ms);
	for (size_t i = 0; i < pol->n_downtime_steps; i++)
		printf("%s%" PRIu32, i > 0 ? "," : "", pol->downtime_steps_ms[i]);
	printf("],\"save_dir\":");
	if (pol->save_dir[0] != '\0')
		ctlpredict_json_str(pol->save_dir);
	else
		printf("null");
	printf(",\"resource\":");
	if (pol->resource[0] != '\0')
		ctlpredict_json_str(pol->resource);
	else
		printf("null");
	printf(",\"from\":");
	ctlpredict_json_str(pol->from);
	putchar('}');
}

static void
ctlpredict_print_text(const struct ctlpredict *ctl, const struct vmsample *s, const char *uuid,
                      const char *prediction)
{
	char cal[2048];
	char val[48];

	printf("vm %s (uuid %s) on %s, target %s, via %s\n", ctl->vm, uuid, ctl->node,
	       ctl->target != NULL ? ctl->target : "any node", ctl->uri);
	printf("stack %s\n", ctl->stack);
	ctlpredict_print_policy_text(&ctl->policy);
	printf("sampled\n");
	for (int f = 0; f < _VMSAMPLE_FIELD_MAX; f++) {
		ctlpredict_fmt_value(val, sizeof(val), s, (enum vmsample_field)f);
		printf("  %-16s %-14s %-8s %s\n", ctlpredict_labels[f], val,
		       vmsample_source_name(s->how[f].source), s->how[f].text);
	}
	printf("history: %s\n", s->history);
	(void)calibrate_format(&s->cal, cal, sizeof(cal));
	fputs(cal, stdout);
	fputs(prediction, stdout);
}

static void
ctlpredict_print_json(const struct ctlpredict *ctl, const struct vmsample *s, const char *uuid,
                      const char *prediction)
{
	size_t n = strlen(prediction);
	char cal[4096];

	printf("{\"vm\":");
	ctlpredict_json_str(ctl->vm);
	printf(",\"uuid\":");
	ctlpredict_json_str(uuid);
	printf(",\"node\":");
	ctlpredict_json_str(ctl->node);
	printf(",\"target\":");
	if (ctl->target != NULL)
		ctlpredict_json_str(ctl->target);
	else
		printf("null");
	printf(",\"uri\":");
	ctlpredict_json_str(ctl->uri);
	printf(",\"stack\":");
	ctlpredict_json_str(ctl->stack);
	ctlpredict_print_policy_json(&ctl->policy);
	printf(",\"sampled\":{");
	for (int f = 0; f < _VMSAMPLE_FIELD_MAX; f++) {
		uint64_t v = vmsample_value(s, (enum vmsample_field)f);

		printf("%s\"%s\":{\"value\":", f > 0 ? "," : "",
		       vmsample_field_name((enum vmsample_field)f));
		if (v == PREDICT_UNKNOWN)
			printf("null");
		else
			printf("%" PRIu64, v);
		printf(",\"source\":\"%s\",\"how\":", vmsample_source_name(s->how[f].source));
		ctlpredict_json_str(s->how[f].text);
		putchar('}');
	}
	printf("},\"history\":");
	ctlpredict_json_str(s->history);
	(void)calibrate_format_json(&s->cal, cal, sizeof(cal));
	printf(",\"calibration\":%s", cal);
	while (n > 0 && prediction[n - 1] == '\n')
		n--;
	printf(",\"prediction\":%.*s}\n", (int)n, prediction);
}

/* ---- the command ------------------------------------------------------------ */

static int
ctlpredict_parse(int argc, char **argv, struct ctlpredict *ctl)
{
	static const struct option opts[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"target", required_argument, NULL, 't'},
	        {"save-dir", required_argument, NULL, 's'},
	        {"dirty-seconds", required_argument, NULL, 'd'},
	        {"max-downtime", required_argument, NULL, 'm'},
	        {"downtime-steps", required_argument, NULL, 'S'},
	        {"connect", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *args[2];
	int n = 0;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "jt:s:d:m:S:c:h", opts, NULL)) != -1) {
		char *end = NULL;
		unsigned long v;

		switch (opt) {
		case 'j':
			ctl->json = true;
			break;
		case 't':
			ctl->target = optarg;
			break;
		case 's':
			ctl->save_dir = optarg;
			break;
		case 'd':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    v > VMSAMPLE_DIRTY_SECONDS_MAX) {
				fprintf(stderr, "ferryctl: --dirty-seconds %s: use 0..%d\n", optarg,
				        VMSAMPLE_DIRTY_SECONDS_MAX);
				return -EINVAL;
			}
			ctl->dirty_seconds = (uint32_t)v;
			break;
		case 'm':
			ctl->max_downtime = optarg;
			break;
		case 'S':
			ctl->steps = optarg;
			break;
		case 'c':
			ctl->uri = optarg;
			break;
		case 'h':
			ctlpredict_usage(stdout);
			return 1;
		default:
			ctlpredict_usage(stderr);
			return -EINVAL;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (n == 2) {
			ctlpredict_usage(stderr);
			return -EINVAL;
		}
		args[n++] = argv[i];
	}
	if (n != 2 || strcmp(args[0], "predict") != 0) {
		ctlpredict_usage(stderr);
		return -EINVAL;
	}
	ctl->vm = args[1];
	if (ctl->save_dir != NULL && ctl->save_dir[0] != '/') {
		fprintf(stderr, "ferryctl: --save-dir %s: give an absolute path\n", ctl->save_dir);
		return -EINVAL;
	}
	return 0;
}

/* --max-downtime and --downtime-steps, checked before a second is spent
 * sampling or reading the CIB. */
static int
ctlpredict_parse_limits(struct ctlpredict *ctl)
{
	struct predict_input in;
	struct predict_params pp;

	predict_input_default(&in);
	predict_params_default(&pp);
	if (ctl->max_downtime != NULL) {
		if (predict_set(&in, &pp, "max_downtime_ms", ctl->max_downtime) != 0 ||
		    in.max_downtime_ms == 0) {
			fprintf(stderr, "ferryctl: --max-downtime %s: give milliseconds > 0\n",
			        ctl->max_downtime);
			return -EINVAL;
		}
		ctl->max_downtime_ms = in.max_downtime_ms;
	}
	if (ctl->steps != NULL) {
		if (predict_set(&in, &pp, "downtime_steps_ms", ctl->steps) != 0) {
			fprintf(stderr,
			        "ferryctl: --downtime-steps %s: give ascending ms separated by "
			        "commas, or none\n",
			        ctl->steps);
			return -EINVAL;
		}
		memcpy(ctl->downtime_steps_ms, in.downtime_steps_ms,
		       sizeof(ctl->downtime_steps_ms));
		ctl->n_downtime_steps = in.n_downtime_steps;
	}
	return 0;
}

/* ferry's defaults, then VM name's resource in the CIB; base says which. */
static void
ctlpredict_policy_base(const char *name, bool read_cib, struct ctlpredict_policy *pol, char *base,
                       size_t base_len)
{
	struct predict_input def;
	struct ctlcib_policy cib;
	char err[448] = "";

	memset(pol, 0, sizeof(*pol));
	predict_input_default(&def);
	pol->max_downtime_ms = def.max_downtime_ms;
	memcpy(pol->downtime_steps_ms, def.downtime_steps_ms, sizeof(pol->downtime_steps_ms));
	pol->n_downtime_steps = def.n_downtime_steps;
	if (!read_cib)
		return;
	if (ctlcib_policy_read(name, &cib, stderr, err, sizeof(err)) == 0) {
		snprintf(pol->resource, sizeof(pol->resource), "%s", cib.resource);
		snprintf(base, base_len, "resource %s in the CIB", cib.resource);
		if (cib.has_max_downtime)
			pol->max_downtime_ms = cib.max_downtime_ms;
		if (cib.has_steps) {
			memcpy(pol->downtime_steps_ms, cib.downtime_steps_ms,
			       cib.n_downtime_steps * sizeof(cib.downtime_steps_ms[0]));
			pol->n_downtime_steps = cib.n_downtime_steps;
		}
		snprintf(pol->save_dir, sizeof(pol->save_dir), "%s", cib.save_dir);
	} else {
		snprintf(base, base_len, "ferry's defaults: %s", err);
	}
}

/* the agent raises the limit only through steps above it (lib/policy.c) */
static void
ctlpredict_policy_steps(struct ctlpredict_policy *pol)
{
	size_t n = 0;

	for (size_t i = 0; i < pol->n_downtime_steps; i++)
		if (pol->downtime_steps_ms[i] > pol->max_downtime_ms)
			pol->downtime_steps_ms[n++] = pol->downtime_steps_ms[i];
	memset(pol->downtime_steps_ms + n, 0, (PREDICT_MAX_STEPS - n) * sizeof(uint32_t));
	pol->n_downtime_steps = n;
}

void
ctlpredict_policy_of(const char *name, struct ctlpredict_policy *ret)
{
	char base[512] = "";

	ctlpredict_policy_base(name, true, ret, base, sizeof(base));
	ctlpredict_policy_steps(ret);
	snprintf(ret->from, sizeof(ret->from), "%s", base);
}

/* The policy the agent would use for domain name: each flag given, else
 * the resource's value, else ferry's default.  The CIB is read only for what
 * the flags leave open; not reading it is no error: the defaults apply and
 * policy.from says why. */
static void
ctlpredict_policy(struct ctlpredict *ctl, const char *name)
{
	struct ctlpredict_policy *pol = &ctl->policy;
	char flags[64] = "";
	char base[512] = "";

	ctlpredict_policy_base(
	        name, ctl->max_downtime == NULL || ctl->steps == NULL || ctl->save_dir == NULL, pol,
	        base, sizeof(base));

	if (ctl->max_downtime != NULL) {
		pol->max_downtime_ms = ctl->max_downtime_ms;
		snprintf(flags, sizeof(flags), "--max-downtime");
	}
	if (ctl->steps != NULL) {
		memcpy(pol->downtime_steps_ms, ctl->downtime_steps_ms,
		       sizeof(pol->downtime_steps_ms));
		pol->n_downtime_steps = ctl->n_downtime_steps;
		snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), "%s--downtime-steps",
		         flags[0] != '\0' ? ", " : "");
	}
	if (ctl->save_dir != NULL) {
		snprintf(pol->save_dir, sizeof(pol->save_dir), "%s", ctl->save_dir);
		snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), "%s--save-dir",
		         flags[0] != '\0' ? ", " : "");
	}
	ctlpredict_policy_steps(pol);

	if (base[0] == '\0')
		snprintf(pol->from, sizeof(pol->from), "%s", flags);
	else if (flags[0] == '\0')
		snprintf(pol->from, sizeof(pol->from), "%s", base);
	else
		snprintf(pol->from, sizeof(pol->from), "%s; otherwise %s", flags, base);
}

void
ctlpredict_input(const struct ctlpredict_policy *pol, const struct vmsample *s,
                 struct predict_input *in, struct predict_params *pp)
{
	predict_params_default(pp);
	calibrate_apply(&s->cal, pp);
	*in = s->in;
	in->max_downtime_ms = pol->max_downtime_ms;
	memcpy(in->downtime_steps_ms, pol->downtime_steps_ms, sizeof(in->downtime_steps_ms));
	in->n_downtime_steps = pol->n_downtime_steps;
}

static int
ctlpredict_run(struct ctlpredict *ctl, virDomainPtr d, const char *uuid)
{
	struct vmsample_opts o;
	struct vmsample s;
	struct predict_input in;
	struct predict_params pp;
	struct predict_result *r = NULL;
	char err[256] = "";
	char *out = NULL;
	int rc;

	vmsample_opts_default(&o);
	o.target = ctl->target;
	o.node = ctl->node;
	o.save_dir = ctl->policy.save_dir[0] != '\0' ? ctl->policy.save_dir : NULL;
	o.dirty_seconds = ctl->dirty_seconds;
	if (!ctl->json && ctl->dirty_seconds > 0)
		fprintf(stderr, "ferryctl: measuring %s for about %" PRIu32 " s...\n", ctl->vm,
		        ctl->dirty_seconds);
	rc = vmsample_take(d, &o, &s, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ferryctl: cannot sample %s: %s\n", ctl->vm,
		        err[0] != '\0' ? err : strerror(-rc));
		return FERRYCTL_ERROR;
	}
	ctlpredict_input(&ctl->policy, &s, &in, &pp);
	r = calloc(1, sizeof(*r));
	out = calloc(1, CTLPREDICT_OUT_MAX);
	if (r == NULL || out == NULL) {
		free(r);
		free(out);
		fprintf(stderr, "ferryctl: out of memory\n");
		return FERRYCTL_ERROR;
	}
	rc = predict_compute(&in, &pp, r);
	if (rc != 0) {
		fprintf(stderr,
		        "ferryctl: cannot predict %s from what was sampled and the policy "
		        "max_downtime_ms=%" PRIu32 " (%s): %s; check --max-downtime and "
		        "--downtime-steps, or the resource's parameters\n",
		        ctl->vm, ctl->policy.max_downtime_ms, ctl->policy.from, strerror(-rc));
		free(r);
		free(out);
		return FERRYCTL_ERROR;
	}
	if (ctl->json) {
		(void)predict_format_json(r, &pp, out, CTLPREDICT_OUT_MAX);
		ctlpredict_print_json(ctl, &s, uuid, out);
	} else {
		(void)predict_format(r, &pp, out, CTLPREDICT_OUT_MAX);
		ctlpredict_print_text(ctl, &s, uuid, out);
	}
	free(r);
	free(out);
	return FERRYCTL_OK;
}

int
ctlpredict_main(int argc, char **argv)
{
	struct ctlpredict ctl = {.uri = CTLPREDICT_DEFAULT_URI,
	                         .dirty_seconds = VMSAMPLE_DIRTY_SECONDS};
	char uuid[VIR_UUID_STRING_BUFLEN] = "";
	virConnectPtr conn;
	virDomainPtr d;
	const char *name;
	int state = VIR_DOMAIN_NOSTATE;
	int reason = 0;
	int r;

	r = ctlpredict_parse(argc, argv, &ctl);
	if (r != 0)
		return r > 0 ? FERRYCTL_OK : FERRYCTL_USAGE;
	/* bad limits are a usage error before a second is spent sampling */
	if (ctlpredict_parse_limits(&ctl) != 0)
		return FERRYCTL_USAGE;
	if (gethostname(ctl.node, sizeof(ctl.node) - 1) != 0)
		snprintf(ctl.node, sizeof(ctl.node), "this node");
	virSetErrorFunc(NULL, ctlpredict_quiet);
	conn = virConnectOpen(ctl.uri);
	if (conn == NULL) {
		fprintf(stderr,
		        "ferryctl: cannot connect to libvirt (%s): %s; is libvirtd running?\n",
		        ctl.uri, ctlpredict_virt_err());
		return FERRYCTL_ERROR;
	}
	d = virDomainLookupByName(conn, ctl.vm);
	if (d == NULL)
		d = virDomainLookupByUUIDString(conn, ctl.vm);
	if (d != NULL && virDomainGetState(d, &state, &reason, 0) != 0)
		state = VIR_DOMAIN_NOSTATE;
	if (d == NULL || (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED)) {
		if (d != NULL)
			virDomainFree(d);
		virConnectClose(conn);
		return ctlpredict_not_here(&ctl, d == NULL ? "not defined" : "not running");
	}
	(void)virDomainGetUUIDString(d, uuid);
	ctlstack_line(conn, ctl.stack, sizeof(ctl.stack));
	name = virDomainGetName(d);
	ctlpredict_policy(&ctl, name != NULL ? name : ctl.vm);
	r = ctlpredict_run(&ctl, d, uuid);
	virDomainFree(d);
	virConnectClose(conn);
	return r;
}
