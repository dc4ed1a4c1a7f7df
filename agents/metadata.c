/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * metadata.c - the OCF 1.1 meta-data of ocf:ferry:vm, from two tables: the
 * parameters (params.c) and the actions (agent.c).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>

#include "agent.h"

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

/*
 * A VirtualDomain name ferry translates is listed, its shortdesc marked
 * "(deprecated: use X)" as resource-agents mark theirs: OCF 1.1's
 * <deprecated> element would fail ocf-tester, which validates against
 * ra-api-1.dtd, and an internal subset cannot redeclare <parameter>.
 */
static void
metadata_param(FILE *out, enum params_id id)
{
	const struct params_def *d = params_def(id);

	if ((d->flags & PARAMS_F_META) == 0)
		return;
	fprintf(out, "<parameter name=\"%s\"", params_id_name(id));
	if (d->flags & PARAMS_F_REQUIRED)
		fputs(" required=\"1\"", out);
	if (d->flags & PARAMS_F_UNIQUE)
		fprintf(out, " unique=\"1\" unique-group=\"%s\"", params_id_name(id));
	if (d->flags & PARAMS_F_RELOADABLE)
		fputs(" reloadable=\"1\"", out);
	fputs(">\n<longdesc lang=\"en\">", out);
	metadata_escape(out, d->vd == PARAMS_VD_TRANSLATED ? d->answer : d->longdesc);
	fputs("</longdesc>\n<shortdesc lang=\"en\">", out);
	metadata_escape(out, d->shortdesc);
	if (d->vd == PARAMS_VD_TRANSLATED) {
		fputs(" (deprecated: use ", out);
		metadata_escape(out, d->instead);
		fputs(")", out);
	}
	fprintf(out, "</shortdesc>\n<content type=\"%s\"", d->type);
	if (d->def != NULL) {
		fputs(" default=\"", out);
		metadata_escape(out, d->def);
		fputs("\"", out);
	}
	fputs("/>\n</parameter>\n", out);
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
	for (size_t i = 0; i < _PARAMS_ID_MAX; i++)
		metadata_param(out, (enum params_id)i);
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
