/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virtstack.h - which virtualization stack a libvirt connection leads to, and
 * which of its newer paths ferry uses.
 *
 * ferry is built against Debian 12's libvirt 9.0 headers and runs on either
 * Debian 12's stack (libvirt 9.0, QEMU 7.2) or Debian 13's (libvirt 11.3,
 * QEMU 10.0; also bookworm-backports).  What it uses is decided per
 * connection at run time:
 *
 *   versions  virConnectGetLibVersion (the daemon's libvirt, for a remote
 *             connection too) and virConnectGetVersion (the hypervisor's, QEMU
 *             for the QEMU driver), both major * 1,000,000 + minor * 1,000 +
 *             release, as libvirt documents them;
 *   probing   a restore with the typed parameters of the newer API and a path
 *             that does not exist: a daemon that does not know a parameter or
 *             flag refuses it (VIR_ERR_INVALID_ARG, VIR_ERR_NO_SUPPORT) before
 *             it looks at the file; one that knows them fails on the file.
 *             Nothing is started, nothing is written.
 *
 * The decision from versions and probe results is pure (virtstack_decide) and
 * unit-tested with made-up stacks; virtstack_probe is the libvirt adapter.
 */
#ifndef FERRY_VIRTSTACK_H
#define FERRY_VIRTSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

/* Typed-parameter names the 9.0 header lacks (libvirt-domain.h: "Since: 11.2.0"). */
#ifndef VIR_DOMAIN_SAVE_PARAM_IMAGE_FORMAT
#define VIR_DOMAIN_SAVE_PARAM_IMAGE_FORMAT "image_format"
#endif
#ifndef VIR_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS
#define VIR_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS "parallel.channels"
#endif

#define VIRTSTACK_VERSION(maj, min, rel) ((uint64_t)(maj)*1000000u + (uint64_t)(min)*1000u + (rel))
/* virDomainSaveParams / virDomainRestoreParams (libvirt 8.4.0) */
#define VIRTSTACK_LIBVIRT_SAVE_PARAMS VIRTSTACK_VERSION(8, 4, 0)
/* image_format and parallel.channels save parameters (libvirt 11.2.0) */
#define VIRTSTACK_LIBVIRT_SAVE_FORMAT VIRTSTACK_VERSION(11, 2, 0)
/* QEMU's mapped-ram migration capability, which the "sparse" format is (QEMU 9.0) */
#define VIRTSTACK_QEMU_MAPPED_RAM VIRTSTACK_VERSION(9, 0, 0)
/* QEMU's direct-io migration parameter: BYPASS_CACHE on a sparse image (QEMU 9.1) */
#define VIRTSTACK_QEMU_DIRECT_IO VIRTSTACK_VERSION(9, 1, 0)
/* the most channels ferry asks for */
#define VIRTSTACK_MAX_CHANNELS 16

enum virtstack_feature {
	VIRTSTACK_SAVE_PARAMS = 0, /* virDomainSaveParams / virDomainRestoreParams */
	VIRTSTACK_SAVE_SPARSE,    /* image_format=sparse: QEMU mapped-ram, pages at fixed offsets */
	VIRTSTACK_SAVE_PARALLEL,  /* parallel.channels (sparse images only) */
	VIRTSTACK_SAVE_DIRECT_IO, /* BYPASS_CACHE of a sparse image is QEMU's own O_DIRECT */
	_VIRTSTACK_FEATURE_MAX,
};

/* What the probe restore answered. */
enum virtstack_probe_answer {
	VIRTSTACK_PROBE_NOT_ASKED = 0,
	VIRTSTACK_PROBE_ACCEPTED, /* failed only on the missing file: parameters known */
	VIRTSTACK_PROBE_REFUSED,  /* unknown parameter, flag or API */
	_VIRTSTACK_PROBE_MAX,
};

struct virtstack {
	uint64_t libvirt_version;                   /* the daemon's; 0 unknown */
	uint64_t hypervisor_version;                /* QEMU's for the QEMU driver; 0 unknown */
	char driver[32];                            /* virConnectGetType: "QEMU", "Test", ... */
	enum virtstack_probe_answer probe_params;   /* RestoreParams with FILE */
	enum virtstack_probe_answer probe_channels; /* ... and PARALLEL_CHANNELS */
	bool has[_VIRTSTACK_FEATURE_MAX];
};

const char *virtstack_feature_name(enum virtstack_feature f);

/* Pure: fills s->has[] from the versions, the driver and the probe answers
 * already in s.  A feature needs its libvirt and QEMU versions and no
 * refusal by the probe; a probe not asked leaves the versions to decide. */
void virtstack_decide(struct virtstack *s);

/* "debian12" (libvirt 9.0.x with QEMU 7.2.x), "debian13" (libvirt 11.3.x with
 * QEMU 10.0.x) or "other". */
const char *virtstack_name(const struct virtstack *s);

/* One line for logs and tools, e.g. "debian13: libvirt 11.3.0, QEMU 10.0.2;
 * uses save_params sparse parallel direct_io".  Returns the length or -ENOBUFS. */
int virtstack_describe(const struct virtstack *s, char *buf, size_t len);

/* Features in use as a space-separated list ("none" if none). */
int virtstack_features(const struct virtstack *s, char *buf, size_t len);

/* The adapter: versions, driver and the probe restore through conn, then
 * virtstack_decide.  0, or -errno when the versions cannot be read (the
 * connection is gone); a failed probe is an answer, not an error. */
int virtstack_probe(virConnectPtr conn, struct virtstack *ret);

/* The save channels a quick move from src to dst can use, given the wanted
 * number (save_channels: 0 the classic raw image, 1 a sparse image, N >= 2 a
 * sparse image written and read by N channels): the wanted number lowered to
 * what both ends support (a sparse image must be restorable on the target).
 * Pure.  why gets a short reason when the answer is lower than wanted. */
uint32_t virtstack_save_channels(const struct virtstack *src, const struct virtstack *dst,
                                 uint32_t wanted, char *why, size_t why_len);

#endif
