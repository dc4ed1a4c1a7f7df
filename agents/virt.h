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

#include "ferry/virtstack.h"
#include "params.h"

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
	/* the stack behind conn (virtstack.h), probed on first use by virt_stack() */
	struct virtstack stack;
	bool stack_known;
	/* how virt_save writes and virt_restore_paused reads images: 0 the classic
	 * raw image (virDomainSaveFlags, any libvirt), 1 a sparse (mapped-ram)
	 * image, N >= 2 a sparse image through N parallel channels.  Set by the
	 * caller from virtstack_save_channels(); virt_save writes back what it used. */
	uint32_t save_channels;
	/* the last virt_restore_paused: the call, split by restorewatch.h into
	 * QEMU start and image read (-1 when the target's QEMU was not seen);
	 * resume_ms is the caller's (consume + resume) */
	struct {
		int64_t call_ms;
		int64_t qemu_start_ms;
		int64_t read_ms;
		int64_t resume_ms;
	} last_restore;
};

/* Why a domain is in its state, as far as a migration's outcome goes: libvirt's
 * virDomainGetState reason, converted in virt.c only. */
enum virt_why {
	VIRT_WHY_OTHER = 0,       /* booted, resumed, migrated in, paused by a user or an error */
	VIRT_WHY_MIGRATION,       /* paused by a migration before its switchover
	                           * (PAUSED_MIGRATION), or an incoming copy not started
	                           * yet (PAUSED_STARTING_UP) */
	VIRT_WHY_POSTCOPY,        /* in post-copy: the target runs the guest and fetches the
	                           * pages it lacks from the paused source */
	VIRT_WHY_POSTCOPY_FAILED, /* post-copy broke off: the guest's memory is split between
	                           * both nodes */
	_VIRT_WHY_MAX,
};

/* Format of a libvirt QEMU save image, from its header. */
enum virt_image_format {
	VIRT_IMAGE_UNKNOWN = 0, /* not a complete libvirt QEMU save image */
	VIRT_IMAGE_RAW,
	VIRT_IMAGE_COMPRESSED, /* gzip, bzip2, xz, lzop, zstd */
	VIRT_IMAGE_SPARSE,     /* QEMU mapped-ram: pages at fixed offsets */
	_VIRT_IMAGE_FORMAT_MAX,
};

const char *virt_state_name(enum virt_state s);

const char *virt_image_format_name(enum virt_image_format f);

const char *virt_why_name(enum virt_why w);
/* The one conversion of libvirt's (state, reason) pairs into enum virt_why. */
enum virt_why virt_why_of(int state, int reason);

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
/* virt_state and why the domain is in it (VIRT_WHY_OTHER when absent). */
int virt_state_why(struct virt *v, virDomainPtr d, enum virt_state *ret, enum virt_why *ret_why);
/* lookup + state; VIRT_ABSENT when not found */
int virt_query(struct virt *v, const char *uuid, const char *name, enum virt_state *ret);
/* lookup + virt_state_why; VIRT_ABSENT (VIRT_WHY_OTHER) when not found */
int virt_query_why(struct virt *v, const char *uuid, const char *name, enum virt_state *ret,
                   enum virt_why *ret_why);
/* Polls every 100 ms until the domain is in want (VIRT_ABSENT also accepts
 * SHUTOFF) or timeout_ms passes (-ETIMEDOUT). */
int virt_wait(struct virt *v, const char *uuid, const char *name, enum virt_state want,
              uint64_t timeout_ms);

/* The stack behind the connection, probed once (virtstack_probe); NULL if it
 * cannot be read (the connection is gone). */
const struct virtstack *virt_stack(struct virt *v);

int virt_create(struct virt *v, const char *xml, virDomainPtr *ret);
int virt_destroy(struct virt *v, virDomainPtr d);
/* A clean shutdown request: modes is params.h's shutdown_modes (bits of
 * enum params_shutdown_mode, VIR_DOMAIN_SHUTDOWN_* here); 0 = default. */
int virt_shutdown(struct virt *v, virDomainPtr d, unsigned modes);
/* Asks the QEMU guest agent for the guest's host name: 0 when it answered,
 * -ETIMEDOUT when it did not, another -errno when there is none. */
int virt_agent_ping(struct virt *v, virDomainPtr d);
/* The domain's XML as it would be defined (INACTIVE | SECURE); free() it. */
int virt_inactive_xml(struct virt *v, virDomainPtr d, char **ret);
/* start_resources: starts the storage pool (refreshes it when it runs) or
 * the network called name; *ret_started says whether it was off. */
int virt_start_pool(struct virt *v, const char *name, bool *ret_started);
int virt_start_network(struct virt *v, const char *name, bool *ret_started);
int virt_suspend(struct virt *v, virDomainPtr d);
int virt_resume(struct virt *v, virDomainPtr d);
int virt_memory_bytes(struct virt *v, virDomainPtr d, uint64_t *ret);

/* Tags the running domain with <ferry:image uuid generation> metadata and
 * saves it to path (bypassing the page cache).  -ENOSPC when the disk is full.
 * With v->save_channels >= 1 the image is sparse (virDomainSaveParams); if the
 * daemon refuses that before it starts (and the domain still runs), the
 * classic image is written instead and v->save_channels set to 0. */
int virt_save(struct virt *v, virDomainPtr d, const char *path, const char *uuid,
              uint64_t generation);

/* Whether libvirt has finished writing the QEMU save image at path: 1 when
 * its header carries libvirt's final magic (written after the last byte of
 * guest state and before libvirt stops the source QEMU), 0 while it is
 * missing, short or still marked partial, -errno if it cannot be read.
 * Any other format (the test driver's) stays 0: callers wait for the save
 * call to return instead. */
int virt_save_image_complete(const char *path);
/* A quick move's image: the channels wanted (save_channels) lowered to what
 * both connections' stacks can do (virtstack_save_channels), set on both.
 * Returns the channels used; why says why fewer (or is empty). */
uint32_t virt_plan_quick_image(struct virt *src, struct virt *dst, uint32_t wanted, char *why,
                               size_t why_len);

/* The format recorded in a complete image's header (libvirt's virQEMUSaveHeader:
 * magic, version, data_len, was_running, format).  -errno if unreadable. */
int virt_save_image_format(const char *path, enum virt_image_format *ret);
/* UUID and generation embedded in a save image's XML.  -ENOENT no tag;
 * -ENOMEDIUM this libvirtd has no such file (its save_dir not mounted?),
 * which says nothing about the image itself. */
int virt_image_tag(struct virt *v, const char *path, char ret_uuid[37], uint64_t *ret_gen);
/* Restores path into a paused domain (bypassing the page cache) and looks it
 * up by uuid.  A sparse image is restored with virDomainRestoreParams (through
 * v->save_channels channels when >= 2); a daemon that cannot read it gets
 * -EPROTONOSUPPORT before anything starts, and the image stays valid. */
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
	enum params_data data; /* migration_transport: TLS or TUNNELLED flags */
};

int virt_set_max_downtime(struct virt *v, virDomainPtr d, uint32_t ms);
int virt_set_max_speed(struct virt *v, virDomainPtr d, uint32_t mib_s);
int virt_job_stats(struct virt *v, virDomainPtr d, bool completed, struct virt_job *ret);
int virt_abort_job(struct virt *v, virDomainPtr d);
int virt_start_postcopy(struct virt *v, virDomainPtr d);
int virt_migrate(struct virt *v, virDomainPtr d, const struct virt_migrate_opts *o);

#endif
