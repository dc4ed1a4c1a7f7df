/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* metadata.c - the OCF 1.1 meta-data of ocf:ferry:vm, from two tables. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>

#include "agent.h"
#include "probe.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x)       #x
#define STR(x)        STR_(x)

struct metadata_param {
	const char *name;
	const char *type; /* string, integer, boolean */
	const char *def;  /* NULL: no default */
	bool required;
	bool unique;
	bool reloadable;
	const char *shortdesc;
	const char *longdesc;
};

static const struct metadata_param metadata_params[] = {
        {"config", "string", NULL, true, true, false, "Path to the libvirt domain XML",
         "Absolute path to the libvirt domain XML. The VM's name and UUID are read from it; the "
         "UUID must be fixed. Keep it on storage every node can read."},
        {"hypervisor", "string", PARAMS_DEFAULT_HYPERVISOR, false, false, false,
         "Local libvirt URI", "libvirt connection URI of this node's hypervisor."},
        {"remote_uri", "string", PARAMS_DEFAULT_REMOTE_URI, false, false, true,
         "libvirt URI of the target node (%n = node name)",
         "libvirt URI of a migration target; %n is replaced by the target node's name. The "
         "source libvirtd opens it for peer-to-peer migration and the agent for quick moves."},
        {"migration_uri", "string", "", false, false, true,
         "Migration data URI (%n = node name), optional",
         "URI of the migration data stream, e.g. tcp://%n-mig; empty lets libvirt choose."},
        {"move", "string", "live", false, false, true,
         "How to move: live, quick, restart or auto",
         "What migrate_to/migrate_from do: live (pre-copy live migration), quick (save memory "
         "to save_dir, restore on the target), restart (shut down, boot on the target) or auto "
         "(needs save_dir): before each move, measure the VM (memory, touched memory, dirty "
         "rate over 1 s), take the migration bandwidth of the last live move to the target "
         "and the save_dir bandwidth (a 32 MiB probe, cached 10 min), predict both moves and "
         "move live when live is predicted to converge within the largest downtime limit "
         "with a shorter gap than quick, otherwise quick. The choice and its reason are "
         "logged and recorded in the move record; if the VM cannot be measured, live."},
        {"save_dir", "string", "", false, false, true, "Shared directory for memory images",
         "Directory shared by all nodes where memory images are written. Required for "
         "move=quick, move=auto, on_stop=save and fallback=quick."},
        {"on_stop", "string", "shutdown", false, false, true,
         "What stop does: shutdown, save or destroy",
         "shutdown: ACPI shutdown, destroy after shutdown_timeout. save: save memory to "
         "save_dir so the next start restores it. destroy: power off at once."},
        {"shutdown_timeout", "integer", STR(PARAMS_DEFAULT_SHUTDOWN_TIMEOUT_S), false, false, true,
         "Seconds to wait for an ACPI shutdown (1-3600)",
         "Seconds stop waits for the guest to shut down before destroying it; capped by the "
         "stop operation's timeout."},
        {"max_downtime_ms", "integer", STR(PARAMS_DEFAULT_MAX_DOWNTIME_MS), false, false, true,
         "Initial live-migration downtime limit, ms (1-60000)",
         "Downtime limit set before the live copy starts; a low limit buys more pre-copy "
         "passes and a shorter pause."},
        {"downtime_steps", "string", PARAMS_DEFAULT_DOWNTIME_STEPS, false, false, true,
         "Downtime limits to raise through when the copy stalls, ms",
         "Ascending comma-separated limits in ms (e.g. 50,100,200,400), or none."},
        {"bandwidth_mib_s", "integer", "0", false, false, true,
         "Live-migration bandwidth cap, MiB/s (0 = unlimited)",
         "Maximum migration bandwidth in MiB/s; 0 leaves it unlimited."},
        {"auto_converge", "boolean", "false", false, false, true,
         "Throttle the guest's CPUs to make the copy converge",
         "Passes VIR_MIGRATE_AUTO_CONVERGE: QEMU slows a guest that dirties memory too fast."},
        {"postcopy", "string", "off", false, false, true, "Post-copy: off or after-stall",
         "after-stall: switch to post-copy when the pre-copy stops making progress after the "
         "last downtime step. Post-copy is never aborted once started."},
        {"parallel_connections", "integer", "0", false, false, true,
         "Parallel migration connections (0-64, 0/1 = one)",
         "Number of multifd connections; 2 or more passes VIR_MIGRATE_PARALLEL."},
        {"save_channels", "integer", "1", false, false, true,
         "Quick moves' save image: 0 raw, 1 sparse, 2-16 sparse through N channels",
         "How quick moves write and read the memory image. 0: the classic raw image "
         "(virDomainSaveFlags), which every libvirt reads. 1: a sparse image (QEMU's mapped-ram: "
         "pages at fixed offsets, written and read with QEMU's own direct I/O). 2-16: a sparse "
         "image through that many parallel channels. Sparse needs libvirt >= 11.2 and QEMU >= "
         "9.0 on both nodes (Debian 13, or Debian 12 with bookworm-backports); where either "
         "node lacks it the raw image is used and the move record says so. Stops with "
         "on_stop=save always write raw images, so that any node can restore them. The "
         "default, 1, was the fastest on the 2-core lab (doc/bench.md)."},
        {"completion_timeout_s_per_gib", "integer", "0", false, false, true,
         "Live-copy time allowed per GiB of guest RAM, s (0 = no cap)",
         "Caps the live attempt at this many seconds per GiB of guest memory, within the "
         "migrate_to timeout."},
        {"fallback", "string", "none", false, false, true,
         "If live cannot finish in time: none or quick",
         "quick: a live move that cannot finish within its budget is aborted and done by "
         "save/restore instead (needs save_dir). none: the move fails, the VM stays."},
        {"autoset_utilization", "boolean", "false", false, false, true,
         "Set Pacemaker utilization cpu and hv_memory from the XML",
         "On start and migrate_from, set the resource's utilization cpu (vCPUs) and "
         "hv_memory (MiB) from the domain XML for placement-strategy=utilization, as "
         "VirtualDomain's autoset_utilization_cpu/_hv_memory do; unchanged values are not "
         "rewritten."},
        {"ledger", "string", PARAMS_DEFAULT_LEDGER, false, false, true,
         "Use ferryd's ownership ledger: on or off",
         "on: start and restore acquire the VM from ferryd's cluster-wide ledger first (a VM "
         "owned or orphaned elsewhere is refused), stop releases it, moves are begun and "
         "committed there and save image generations come from it; start is refused when "
         "ferryd does not run. Stop and monitor work without ferryd. off: ferryd is not "
         "asked; image generations are kept in save_dir's NAME.gen files."},
        {"probe_address", "string", "", false, false, true,
         "Address of the guest to ping during moves, to record the gap its clients see",
         "An IPv4 or IPv6 address of the guest that answers ping (a host name works too; it is "
         "resolved at every move). During every live or quick migrate_to the source node "
         "pings it every " STR(PROBE_INTERVAL_MS) " ms, from just before the move until the "
         "first reply after it (at most 10 s more), and records the longest gap between two "
         "replies as guest_gap_ms in moves.jsonl, beside libvirt's downtime_ms: the "
         "guest-visible gap of the move, to within the ping interval. If the guest does not "
         "answer within 0.5 s before the move, a warning says so and the move is not "
         "measured; if it is still silent 10 s after the move, the silence so far is recorded "
         "(a lower bound) with a warning. The probe never fails a move. Not probed: move=restart (the "
         "silence begins and ends in two agents on two nodes) and paused VMs. Empty: off."},
};

static void
metadata_escape(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

void
metadata_print(FILE *out, const struct agent_action *actions, size_t n)
{
	/*
	 * resource-agents' ra-api-1.dtd predates OCF 1.1; the internal subset
	 * declares the 1.1 additions we use (reloadable, unique-group,
	 * reload-agent) so ocf-tester's `xmllint --valid` accepts the document.
	 */
	fprintf(out,
	        "<?xml version=\"1.0\"?>\n"
	        "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\" [\n"
	        "<!ATTLIST parameter reloadable (1|0) \"0\" unique-group CDATA #IMPLIED>\n"
	        "<!ATTLIST action name (start|stop|recover|monitor|restart|migrate_to|"
	        "migrate_from|promote|demote|notify|status|reload|reload-agent|meta-data|"
	        "usage|methods|validate-all) #REQUIRED>\n"
	        "]>\n"
	        "<resource-agent name=\"vm\" version=\"%s\">\n"
	        "<version>1.1</version>\n"
	        "<longdesc lang=\"en\">\n"
	        "Manages one KVM/QEMU virtual machine through libvirt (C API, no virsh). The VM "
	        "is a transient domain created from the config XML. With allow-migrate=true, "
	        "Pacemaker moves it live (pre-copy with a convergence policy that finishes or "
	        "aborts before the operation timeout), quick (save memory to a shared "
	        "directory, restore on the target) or by restart. Save images carry the VM's "
	        "UUID and a generation number and are never restored stale or twice.\n"
	        "</longdesc>\n"
	        "<shortdesc lang=\"en\">Manages a libvirt VM (live, quick and restart "
	        "moves)</shortdesc>\n"
	        "<parameters>\n",
	        PACKAGE_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(metadata_params); i++) {
		const struct metadata_param *m = &metadata_params[i];

		fprintf(out, "<parameter name=\"%s\"", m->name);
		if (m->required)
			fputs(" required=\"1\"", out);
		if (m->unique)
			fprintf(out, " unique=\"1\" unique-group=\"%s\"", m->name);
		if (m->reloadable)
			fputs(" reloadable=\"1\"", out);
		fputs(">\n<longdesc lang=\"en\">", out);
		metadata_escape(out, m->longdesc);
		fputs("</longdesc>\n<shortdesc lang=\"en\">", out);
		metadata_escape(out, m->shortdesc);
		fprintf(out, "</shortdesc>\n<content type=\"%s\"", m->type);
		if (m->def != NULL) {
			fputs(" default=\"", out);
			metadata_escape(out, m->def);
			fputs("\"", out);
		}
		fputs("/>\n</parameter>\n", out);
	}
	fputs("</parameters>\n<actions>\n", out);
	for (size_t i = 0; i < n; i++) {
		if (actions[i].timeout_s == 0)
			continue; /* usage: not an OCF action */
		fprintf(out, "<action name=\"%s\" timeout=\"%us\"", actions[i].name,
		        actions[i].timeout_s);
		if (actions[i].interval_s != 0)
			fprintf(out, " interval=\"%us\" depth=\"0\"", actions[i].interval_s);
		fputs("/>\n", out);
	}
	fputs("</actions>\n</resource-agent>\n", out);
}
