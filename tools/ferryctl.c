/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ferryctl - look at and (rarely) override ferryd's ledger.
 *
 *   ferryctl [--json] status            membership, quorum, every VM
 *   ferryctl [--json] history [VM]      cluster-wide move records
 *   ferryctl [--json] ledger            the raw replicated ledger
 *   ferryctl release --force [--yes] VM give up ownership of an orphaned VM
 *   ferryctl predict VM [options]       what each move would cost it (ctlpredict.c)
 *   ferryctl drain NODE --plan [options] a maintenance drain's plan (ctldrain.c)
 *   ferryctl import RSC [--dry-run]     VirtualDomain -> ocf:ferry:vm, guest kept running
 *   ferryctl import --all               ... every VirtualDomain resource (ctlimport.c)
 *
 * Exit codes (stable, for scripts): see enum ferryctl_exit and ferryctl(8).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ferry/client.h"
#include "ctlconn.h"
#include "ctldrain.h"
#include "ctldrun.h"
#include "ctlimport.h"
#include "ctlstack.h"
#include "ferryctl.h"
#include "ferry/movekind.h"
#include "ferry/textout.h"

struct ferryctl {
	bool json;
	bool force;
	bool yes;
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "Usage: ferryctl [--json] status\n"
	        "       ferryctl [--json] history [VM]\n"
	        "       ferryctl [--json] ledger\n"
	        "       ferryctl release --force [--yes] VM\n"
	        "       ferryctl [--json] predict VM [--target NODE] [--save-dir DIR]\n"
	        "                [--dirty-seconds N] [--max-downtime MS] [--downtime-steps LIST]\n"
	        "                [--connect URI]\n"
	        "       ferryctl [--json] drain NODE --plan [--parallel N] [--order ORDER]\n"
	        "                [--move live|quick|auto] [--force]\n"
	        "       ferryctl [--json] drain NODE [--yes] [--force] [--parallel N] [--order O]\n"
	        "                [--move M] [--at \"YYYY-MM-DD HH:MM\" [--window 2h]]\n"
	        "       ferryctl [--json] drain --list | --cancel ID | --report [ID]\n"
	        "       ferryctl [--json] undrain NODE [--parallel N]\n"
	        "       ferryctl import RSC [--dry-run] [--yes]\n"
	        "       ferryctl import --all [--dry-run] [--yes]\n"
	        "Exit codes: 0 ok, 1 error, 2 usage, 3 ferryd unreachable, 4 permission denied,\n"
	        "            5 refused by the ledger, 6 not confirmed, 7 VM not running here.\n");
}

/* ---- output helpers ---------------------------------------------------- */

static void
json_str(const char *s)
{
	json_fputs_str(s, stdout);
}

/* A migrating VM's mode (enum ferry_ipc_migrate_mode), by movekind.h's names */
static const char *
migrate_mode_name(uint32_t mode)
{
	return ferry_move_kind_name(mode == FERRY_MIGRATE_QUICK ? FERRY_MOVE_QUICK
	                                                        : FERRY_MOVE_LIVE);
}

static const char *
node_name(const struct ferry_ipc_status_rsp *s, uint32_t nodeid)
{
	uint32_t i;

	for (i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].nodeid == nodeid && s->nodes[i].name[0] != '\0')
			return s->nodes[i].name;
	return NULL;
}

static void
fmt_node(const struct ferry_ipc_status_rsp *s, uint32_t nodeid, char *buf, size_t len)
{
	const char *n = node_name(s, nodeid);

	if (nodeid == 0)
		snprintf(buf, len, "-");
	else if (n != NULL)
		snprintf(buf, len, "%s (%" PRIu32 ")", n, nodeid);
	else
		snprintf(buf, len, "node %" PRIu32, nodeid);
}

static void
terminate_strings(struct ferry_ipc_status_rsp *s, size_t len)
{
	struct ferry_ipc_vm_info *v = (struct ferry_ipc_vm_info *)(s + 1);
	uint32_t i;

	(void)len;
	for (i = 0; i < s->n_nodes; i++)
		s->nodes[i].name[FERRY_IPC_NODE_LEN - 1] = '\0';
	s->note[sizeof(s->note) - 1] = '\0';
	for (i = 0; i < s->n_vms; i++) {
		v[i].vm[sizeof(v[i].vm) - 1] = '\0';
		v[i].uuid[sizeof(v[i].uuid) - 1] = '\0';
		v[i].last_move[sizeof(v[i].last_move) - 1] = '\0';
	}
}

/* ---- commands ---------------------------------------------------------- */

static int
cmd_status(struct ferryctl *ctl, struct ferryclient *c)
{
	struct ferry_ipc_status_rsp *s = NULL;
	struct ferry_ipc_vm_info *v;
	char owner[96], peer[96], when[32], state[160];
	char stack[256];
	size_t len = 0;
	uint32_t i;
	int r;

	r = ferryclient_status(c, &s, &len);
	if (r < 0) {
		fprintf(stderr, "ferryctl: status failed: %s\n", strerror(-r));
		return ctlconn_exit(r);
	}
	terminate_strings(s, len);
	v = (struct ferry_ipc_vm_info *)(s + 1);
	/* this node's libvirt, asked directly: ferryd's reply does not carry it */
	ctlstack_line(NULL, stack, sizeof(stack));
	if (ctl->json) {
		printf("{\"stack\":");
		json_str(stack);
		printf(",\"local_nodeid\":%" PRIu32
		       ",\"quorate\":%s,\"synced\":%s,\"config_id\":%" PRIu64
		       ",\"ring\":{\"nodeid\":%" PRIu32 ",\"seq\":%" PRIu64 "},\"nodes\":[",
		       s->local_nodeid, s->quorate ? "true" : "false", s->synced ? "true" : "false",
		       s->config_id, s->ring_nodeid, s->ring_seq);
		for (i = 0; i < s->n_nodes; i++) {
			printf("%s{\"nodeid\":%" PRIu32 ",\"name\":", i > 0 ? "," : "",
			       s->nodes[i].nodeid);
			json_str(s->nodes[i].name);
			printf(",\"member\":%s}", s->nodes[i].member ? "true" : "false");
		}
		printf("],\"note\":");
		json_str(s->note);
		printf(",\"truncated\":%s,\"vms\":[", s->truncated ? "true" : "false");
		for (i = 0; i < s->n_vms; i++) {
			printf("%s{\"name\":", i > 0 ? "," : "");
			json_str(v[i].vm);
			printf(",\"uuid\":");
			json_str(v[i].uuid);
			printf(",\"state\":\"%s\",\"owner\":%" PRIu32 ",\"target\":%" PRIu32
			       ",\"mode\":\"%s\",\"generation\":%" PRIu64
			       ",\"orphaned\":%s,\"changed_unix_ms\":%" PRId64 ",\"last_move\":",
			       ferryclient_state_name(v[i].state), v[i].owner_nodeid,
			       v[i].peer_nodeid, migrate_mode_name(v[i].mode), v[i].generation,
			       (v[i].flags & FERRY_VMF_ORPHANED) ? "true" : "false",
			       v[i].changed_unix_ms);
			json_str(v[i].last_move);
			putchar('}');
		}
		printf("]}\n");
		free(s);
		return FERRYCTL_OK;
	}
	fmt_node(s, s->local_nodeid, owner, sizeof(owner));
	printf("Stack: %s\n", stack);
	printf("This node: %s   quorum: %s   ledger: %s (configuration %" PRIu64 ".%" PRIu64
	       ")   ring: %" PRIu32 "/%" PRIu64 "\n\n",
	       owner, s->quorate ? "yes" : "NO", s->synced ? "synced" : "SYNCING",
	       s->config_id >> 20, s->config_id & 0xfffff, s->ring_nodeid, s->ring_seq);
	if (s->note[0] != '\0')
		printf("The ledger decides nothing now: %s\n\n", s->note);
	printf("%-8s %-24s %s\n", "NODEID", "NAME", "MEMBER");
	for (i = 0; i < s->n_nodes; i++)
		printf("%-8" PRIu32 " %-24s %s\n", s->nodes[i].nodeid,
		       s->nodes[i].name[0] != '\0' ? s->nodes[i].name : "-",
		       s->nodes[i].member ? "yes" : "no");
	printf("\n%-20s %-20s %-34s %-6s %-19s %s\n", "VM", "OWNER", "STATE", "GEN", "CHANGED",
	       "LAST MOVE");
	for (i = 0; i < s->n_vms; i++) {
		fmt_node(s, v[i].owner_nodeid, owner, sizeof(owner));
		if (v[i].state == FERRY_VM_MIGRATING) {
			fmt_node(s, v[i].peer_nodeid, peer, sizeof(peer));
			snprintf(state, sizeof(state), "migrating -> %s (%s)", peer,
			         migrate_mode_name(v[i].mode));
		} else {
			snprintf(state, sizeof(state), "%s", ferryclient_state_name(v[i].state));
		}
		if (v[i].flags & FERRY_VMF_ORPHANED)
			strncat(state, ", ORPHANED", sizeof(state) - strlen(state) - 1);
		textout_clock(v[i].changed_unix_ms, when, sizeof(when));
		printf("%-20s %-20s %-34s %-6" PRIu64 " %-19s %s\n", v[i].vm, owner, state,
		       v[i].generation, when, v[i].last_move[0] != '\0' ? v[i].last_move : "-");
	}
	if (s->n_vms == 0)
		printf("(no VMs in the ledger)\n");
	if (s->truncated)
		printf("(more VMs than fit in one answer; see ferryctl --json ledger)\n");
	free(s);
	return FERRYCTL_OK;
}

static void
fmt_ms(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRId64, v);
}

static int
cmd_history(struct ferryctl *ctl, struct ferryclient *c, const char *vm)
{
	struct ferry_ipc_history_rsp *h = NULL;
	struct ferry_ipc_move *m;
	char when[32], total[24], down[24], gap[24];
	size_t len = 0;
	uint32_t i;
	int r;

	r = ferryclient_history(c, vm, 0, &h, &len);
	if (r < 0) {
		fprintf(stderr, "ferryctl: history failed: %s\n", strerror(-r));
		return ctlconn_exit(r);
	}
	m = (struct ferry_ipc_move *)(h + 1);
	for (i = 0; i < h->n; i++) {
		m[i].vm[sizeof(m[i].vm) - 1] = m[i].uuid[sizeof(m[i].uuid) - 1] = '\0';
		m[i].from[sizeof(m[i].from) - 1] = m[i].to[sizeof(m[i].to) - 1] = '\0';
		m[i].mode[sizeof(m[i].mode) - 1] = m[i].result[sizeof(m[i].result) - 1] = '\0';
		m[i].error[sizeof(m[i].error) - 1] = '\0';
	}
	if (ctl->json) {
		printf("{\"total\":%" PRIu32 ",\"moves\":[", h->total);
		for (i = 0; i < h->n; i++) {
			printf("%s{\"vm\":", i > 0 ? "," : "");
			json_str(m[i].vm);
			printf(",\"uuid\":");
			json_str(m[i].uuid);
			printf(",\"from\":");
			json_str(m[i].from);
			printf(",\"to\":");
			json_str(m[i].to);
			printf(",\"mode\":");
			json_str(m[i].mode);
			printf(",\"result\":");
			json_str(m[i].result);
			printf(",\"error\":");
			json_str(m[i].error);
			printf(",\"start_unix_ms\":%" PRId64 ",\"total_ms\":%" PRId64
			       ",\"downtime_ms\":%" PRId64 ",\"guest_gap_ms\":%" PRId64
			       ",\"bytes\":%" PRId64 "}",
			       m[i].start_unix_ms, m[i].total_ms, m[i].downtime_ms,
			       m[i].guest_gap_ms, m[i].bytes);
		}
		printf("]}\n");
		free(h);
		return FERRYCTL_OK;
	}
	printf("%-19s %-20s %-12s %-12s %-12s %-8s %9s %11s %9s %s\n", "START", "VM", "FROM", "TO",
	       "MODE", "RESULT", "TOTAL_MS", "DOWNTIME_MS", "GAP_MS", "ERROR");
	for (i = 0; i < h->n; i++) {
		textout_clock(m[i].start_unix_ms, when, sizeof(when));
		fmt_ms(m[i].total_ms, total, sizeof(total));
		fmt_ms(m[i].downtime_ms, down, sizeof(down));
		fmt_ms(m[i].guest_gap_ms, gap, sizeof(gap));
		printf("%-19s %-20s %-12s %-12s %-12s %-8s %9s %11s %9s %s\n", when, m[i].vm,
		       m[i].from, m[i].to, m[i].mode, m[i].result, total, down, gap, m[i].error);
	}
	if (h->n == 0)
		printf("(no moves recorded%s%s)\n", vm != NULL ? " for " : "",
		       vm != NULL ? vm : "");
	else if (h->total > h->n)
		printf("(%" PRIu32 " older records not shown)\n", h->total - h->n);
	free(h);
	return FERRYCTL_OK;
}

static int
cmd_ledger(struct ferryctl *ctl, struct ferryclient *c)
{
	struct ferry_ipc_dump_rsp *d = NULL;
	char *blob;
	size_t len = 0;
	int r;

	r = ferryclient_dump(c, &d, &len);
	if (r < 0) {
		fprintf(stderr, "ferryctl: ledger dump failed: %s\n", strerror(-r));
		return ctlconn_exit(r);
	}
	blob = calloc(1, (size_t)d->blob_len + 1);
	if (blob == NULL) {
		free(d);
		return FERRYCTL_ERROR;
	}
	memcpy(blob, d + 1, d->blob_len);
	if (ctl->json) {
		printf("{\"vms\":%" PRIu32 ",\"bytes\":%" PRIu32 ",\"ledger\":", d->n_vms,
		       d->blob_len);
		json_str(blob);
		printf("}\n");
	} else {
		fwrite(blob, 1, d->blob_len, stdout);
		if (d->blob_len > 0 && blob[d->blob_len - 1] != '\n')
			putchar('\n');
	}
	free(blob);
	free(d);
	return FERRYCTL_OK;
}

static bool
confirm(const char *vm)
{
	char answer[16];

	fprintf(stderr,
	        "Force-release VM %s?\n"
	        "Its owner will be cleared and another node may start it.  Do this only when you\n"
	        "know the VM is not running on its owner (node powered off or fenced by hand).\n"
	        "Type 'yes' to continue: ",
	        vm);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return false;
	return strcmp(answer, "yes\n") == 0;
}

static int
cmd_release(struct ferryctl *ctl, struct ferryclient **c, const char *vm)
{
	struct ferry_ipc_vm_rsp rsp;
	int r;

	if (!ctl->force) {
		fprintf(stderr,
		        "ferryctl: release needs --force (the agent releases VMs itself)\n");
		return FERRYCTL_USAGE;
	}
	if (!ctl->yes) {
		if (isatty(STDIN_FILENO) == 0) {
			fprintf(stderr, "ferryctl: not a terminal, cannot ask for confirmation: "
			                "add --yes\n");
			return FERRYCTL_USAGE;
		}
		if (!confirm(vm))
			return FERRYCTL_CANCELLED;
	}
	r = ctlconn_open(c);
	if (r < 0)
		return ctlconn_exit(r);
	r = ferryclient_force_release(*c, vm, &rsp);
	if (r < 0) {
		if (r == -EPERM)
			fprintf(stderr,
			        "ferryctl: ferryd refused the release: only root may change "
			        "VM ownership; run 'ferryctl release --force' as root\n");
		else
			fprintf(stderr, "ferryctl: release failed: %s\n", strerror(-r));
		return ctlconn_exit(r);
	}
	if (ctl->json) {
		printf("{\"vm\":");
		json_str(vm);
		printf(",\"verdict\":\"%s\",\"generation\":%" PRIu64 ",\"reason\":",
		       ferryclient_verdict_name(rsp.verdict), rsp.generation);
		json_str(rsp.reason);
		printf("}\n");
	} else {
		printf("%s: %s (%s)\n", vm, ferryclient_verdict_name(rsp.verdict), rsp.reason);
	}
	return rsp.verdict == FERRY_VERDICT_GRANTED ? FERRYCTL_OK : FERRYCTL_REFUSED;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"json", no_argument, NULL, 'j'},    {"force", no_argument, NULL, 'F'},
	        {"yes", no_argument, NULL, 'y'},     {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	struct ferryctl ctl = {0};
	struct ferryclient *c = NULL;
	const char *cmd;
	int opt, r, ret;

	/* predict and drain have options of their own, anywhere on the line: it parses all */
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (strcmp(argv[i], "predict") == 0)
			return ctlpredict_main(argc, argv);
		if (strcmp(argv[i], "drain") == 0 || strcmp(argv[i], "undrain") == 0)
			return ctldrun_main(argc, argv); /* --plan: ctldrain_main */
		if (strcmp(argv[i], "import") == 0)
			return ctlimport_main(argc, argv);
		break;
	}
	while ((opt = getopt_long(argc, argv, "jFyhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctl.json = true;
			break;
		case 'F':
			ctl.force = true;
			break;
		case 'y':
			ctl.yes = true;
			break;
		case 'h':
			usage(stdout);
			return FERRYCTL_OK;
		case 'V':
			printf("ferryctl %s\n", PACKAGE_VERSION);
			return FERRYCTL_OK;
		default:
			usage(stderr);
			return FERRYCTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return FERRYCTL_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "release") == 0) {
		if (argc - optind != 1) {
			usage(stderr);
			return FERRYCTL_USAGE;
		}
		ret = cmd_release(&ctl, &c, argv[optind]);
		ferryclient_free(c);
		return ret;
	}
	if ((strcmp(cmd, "status") == 0 || strcmp(cmd, "ledger") == 0) && argc - optind != 0) {
		usage(stderr);
		return FERRYCTL_USAGE;
	}
	if (strcmp(cmd, "history") == 0 && argc - optind > 1) {
		usage(stderr);
		return FERRYCTL_USAGE;
	}
	if (strcmp(cmd, "status") != 0 && strcmp(cmd, "ledger") != 0 &&
	    strcmp(cmd, "history") != 0) {
		fprintf(stderr, "ferryctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return FERRYCTL_USAGE;
	}
	r = ctlconn_open(&c);
	if (r < 0)
		return ctlconn_exit(r);
	if (strcmp(cmd, "status") == 0)
		ret = cmd_status(&ctl, c);
	else if (strcmp(cmd, "ledger") == 0)
		ret = cmd_ledger(&ctl, c);
	else
		ret = cmd_history(&ctl, c, optind < argc ? argv[optind] : NULL);
	ferryclient_free(c);
	return ret;
}
