/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt.h - the agent's libvirt adapter.
 *
 * Every libvirt call of the agent goes through here; libvirt errors are
 * converted to -errno in one place (virt_fail) and their text is kept in the
 * connection for the caller to put into a log line or an exit reason.
 * Nothing here is bounded in time by itself: callers run it under
 * bounded_run() or within a deadline they check.
 */
#ifndef FERRY_AGENT_VIRT_H
#define FERRY_AGENT_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#define VIRT_ERR_MAX 512

enum virt_state {
	VIRT_ABSENT = 0, /* no such domain (transient domains vanish when stopped) */
	VIRT_RUNNING,    /* running, blocked, shutting down, pm-suspended */
	VIRT_PAUSED,
	VIRT_SHUTOFF,
	VIRT_CRASHED,
	VIRT_UNKNOWN,
	_VIRT_STATE_MAX,
};

struct virt {
	virConnectPtr conn;
	char uri[512];
	char err[VIRT_ERR_MAX]; /* text of the last failure */
};

const char *virt_state_name(enum virt_state s);

/* Silences libvirt's default error printing (once per process). */
void virt_init(void);

int virt_open(const char *uri, struct virt **ret, char *err, size_t err_len);
/* virt_open() given up on after timeout_ms (-ETIMEDOUT): for a peer node
 * whose libvirtd or network may hang. */
int virt_open_within(const char *uri, uint64_t timeout_ms, struct virt **ret, char *err,
                     size_t err_len);
struct virt *virt_close(struct virt *v);

/* By UUID if uuid is non-empty, else by name.  -ENOENT if there is none. */
int virt_lookup(struct virt *v, const char *uuid, const char *name, virDomainPtr *ret);
/* The domain called name, if any, and its UUID.  -ENOENT if none. */
int virt_uuid_of_name(struct virt *v, const char *name, char ret_uuid[37]);
int virt_state(struct virt *v, virDomainPtr d, enum virt_state *ret);
/* lookup + state; VIRT_ABSENT when not found */
int virt_query(struct virt *v, const char *uuid, const char *name, enum virt_state *ret);
/* Polls every 100 ms until the domain is in want (VIRT_ABSENT also accepts
 * SHUTOFF) or timeout_ms passes (-ETIMEDOUT). */
int virt_wait(struct virt *v, const char *uuid, const char *name, enum virt_state want,
              uint64_t timeout_ms);

int virt_create(struct virt *v, const char *xml, virDomainPtr *ret);
int virt_destroy(struct virt *v, virDomainPtr d);
int virt_shutdown(struct virt *v, virDomainPtr d);
int virt_suspend(struct virt *v, virDomainPtr d);
int virt_resume(struct virt *v, virDomainPtr d);
int virt_memory_bytes(struct virt *v, virDomainPtr d, uint64_t *ret);

/* Tags the running domain with <ferry:image uuid generation> metadata and
 * saves it to path (bypassing the page cache).  -ENOSPC when the disk is full. */
int virt_save(struct virt *v, virDomainPtr d, const char *path, const char *uuid,
              uint64_t generation);

/* Whether libvirt has finished writing the QEMU save image at path: 1 when
 * its header carries libvirt's final magic (written after the last byte of
 * guest state and before libvirt stops the source QEMU), 0 while it is
 * missing, short or still marked partial, -errno if it cannot be read.
 * Any other format (the test driver's) stays 0: callers wait for the save
 * call to return instead. */
int virt_save_image_complete(const char *path);
/* UUID and generation embedded in a save image's XML.  -ENOENT no tag. */
int virt_image_tag(struct virt *v, const char *path, char ret_uuid[37], uint64_t *ret_gen);
/* Restores path into a paused domain (bypassing the page cache) and looks it
 * up by uuid. */
int virt_restore_paused(struct virt *v, const char *path, const char *uuid, virDomainPtr *ret);

/* migration */
struct virt_job {
	bool active; /* a job is running */
	uint64_t elapsed_ms;
	uint64_t data_total;
	uint64_t data_processed;
	uint64_t data_remaining;
	uint64_t mem_iteration;
	uint64_t mem_dirty_rate; /* pages/s */
	uint64_t mem_bps;
	int64_t downtime_ms; /* -1 unknown */
};

struct virt_migrate_opts {
	const char *dconnuri;      /* target libvirtd, opened by the source libvirtd */
	const char *migration_uri; /* NULL or empty: libvirt's choice */
	uint32_t parallel_connections;
	bool auto_converge;
	bool postcopy;
};

int virt_set_max_downtime(struct virt *v, virDomainPtr d, uint32_t ms);
int virt_set_max_speed(struct virt *v, virDomainPtr d, uint32_t mib_s);
int virt_job_stats(struct virt *v, virDomainPtr d, bool completed, struct virt_job *ret);
int virt_abort_job(struct virt *v, virDomainPtr d);
int virt_start_postcopy(struct virt *v, virDomainPtr d);
int virt_migrate(struct virt *v, virDomainPtr d, const struct virt_migrate_opts *o);

#endif
