/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtwatch.h - libvirt lifecycle events on this node: unexpected stops of
 * owned VMs are reported to Pacemaker, foreign starts are paused.  An
 * adapter: what it must know about the ledger and the cluster, and where it
 * keeps its file, it asks through struct virtwatch_events; it knows no
 * other module of ferryd.
 */
#ifndef VIRTWATCH_H
#define VIRTWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "ferrydconf.h"

/* What virtwatch asks whoever started it (ferryd.c); every callback gets ctx. */
struct virtwatch_events {
	/* who owns this VM in the ledger (0 none), its state (FERRY_VM_*) and
	 * migration peer; -ENOENT unknown, another -errno if no ledger yet */
	int (*vm_lookup)(void *ctx, const char *uuid, uint32_t *ret_owner, uint32_t *ret_state,
	                 uint32_t *ret_peer);
	uint32_t (*local_nodeid)(void *ctx);                  /* 0 before corosync is joined */
	const char *(*local_name)(void *ctx);                 /* Pacemaker's name of this node */
	const char *(*node_name)(void *ctx, uint32_t nodeid); /* NULL unknown */
	bool (*ready)(void *ctx); /* the daemon has been up (for log levels) */
	/* virtwatch's own file under the state directory (atomic write) */
	int (*file_write)(void *ctx, const char *name, const void *buf, size_t len);
	int (*file_read)(void *ctx, const char *name, size_t max_len, void **ret_buf,
	                 size_t *ret_len);
};

struct virtwatch;

/* Watches cfg->libvirt_uri (reconnecting by itself if libvirtd is not up);
 * cfg and events must outlive the watcher. */
int virtwatch_start(qb_loop_t *loop, const struct config *cfg,
                    const struct virtwatch_events *events, void *ctx, struct virtwatch **ret);
/* Accepts NULL; returns NULL. */
struct virtwatch *virtwatch_stop(struct virtwatch *w);
/* Tells virtwatch that the local agent will stop this VM within timeout_ms:
 * its stop is not an unexpected failure.  uuid: a NUL-terminated canonical
 * UUID.  w may be NULL (not started: nothing to remember). */
void virtwatch_expect_stop(struct virtwatch *w, const char *uuid, uint32_t timeout_ms);
/* Remembers the Pacemaker resource id of a VM (from ACQUIRE).  w may be NULL. */
void virtwatch_set_rsc(struct virtwatch *w, const char *uuid, const char *rsc);
/* Looks for running VMs this node does not own (after a ledger change). */
void virtwatch_scan(struct virtwatch *w);
/* The migration job of VM vm (a domain name) on this node: memory left to copy
 * and in all.  -EAGAIN no such job (yet), -ENOENT no such domain, -ENOTCONN
 * libvirtd not connected.  Asks libvirtd (a query job, allowed beside the
 * migration): call it at most about once a second. */
int virtwatch_job_progress(struct virtwatch *w, const char *vm, uint64_t *ret_left_bytes,
                           uint64_t *ret_total_bytes);

#endif
