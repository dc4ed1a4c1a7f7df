/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virtstack.c - the virtualization stack behind a libvirt connection (virtstack.h). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "ferry/macros.h"
#include "ferry/virtstack.h"

/* A path no daemon can open: the probe restore must fail on it. */
#define VIRTSTACK_PROBE_PATH "/nonexistent/ferry-virtstack-probe.save"

static const char *const virtstack_feature_names[] = {
        [VIRTSTACK_SAVE_PARAMS] = "save_params",
        [VIRTSTACK_SAVE_SPARSE] = "sparse",
        [VIRTSTACK_SAVE_PARALLEL] = "parallel",
        [VIRTSTACK_SAVE_DIRECT_IO] = "direct_io",
};
_Static_assert(ELEMENTSOF(virtstack_feature_names) == _VIRTSTACK_FEATURE_MAX,
               "virtstack feature names");

const char *
virtstack_feature_name(enum virtstack_feature f)
{
	if ((unsigned)f >= ELEMENTSOF(virtstack_feature_names))
		return "invalid";
	return virtstack_feature_names[f];
}

void
virtstack_decide(struct virtstack *s)
{
	bool qemu = strcmp(s->driver, "QEMU") == 0;
	bool params = s->libvirt_version >= VIRTSTACK_LIBVIRT_SAVE_PARAMS &&
	              s->probe_params != VIRTSTACK_PROBE_REFUSED;
	bool format = params && qemu && s->libvirt_version >= VIRTSTACK_LIBVIRT_SAVE_FORMAT &&
	              s->hypervisor_version >= VIRTSTACK_QEMU_MAPPED_RAM;

	memset(s->has, 0, sizeof(s->has));
	s->has[VIRTSTACK_SAVE_PARAMS] = params;
	s->has[VIRTSTACK_SAVE_SPARSE] = format;
	s->has[VIRTSTACK_SAVE_PARALLEL] = format && s->probe_channels != VIRTSTACK_PROBE_REFUSED;
	s->has[VIRTSTACK_SAVE_DIRECT_IO] =
	        format && s->hypervisor_version >= VIRTSTACK_QEMU_DIRECT_IO;
}

static bool
virtstack_is(uint64_t v, unsigned maj, unsigned min)
{
	return v / 1000u == (uint64_t)maj * 1000u + min;
}

const char *
virtstack_name(const struct virtstack *s)
{
	if (strcmp(s->driver, "QEMU") != 0)
		return "other";
	if (virtstack_is(s->libvirt_version, 9, 0) && virtstack_is(s->hypervisor_version, 7, 2))
		return "debian12";
	if (virtstack_is(s->libvirt_version, 11, 3) && virtstack_is(s->hypervisor_version, 10, 0))
		return "debian13";
	return "other";
}

static int virtstack_add(char *buf, size_t len, size_t *pos, const char *f, ...)
        __attribute__((format(printf, 4, 5)));

static int
virtstack_add(char *buf, size_t len, size_t *pos, const char *f, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return -ENOBUFS;
	va_start(ap, f);
	n = vsnprintf(buf + *pos, len - *pos, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return -ENOBUFS;
	*pos += (size_t)n;
	return 0;
}

static int
virtstack_version_text(uint64_t v, char *buf, size_t len)
{
	int n;

	if (v == 0)
		n = snprintf(buf, len, "?");
	else
		n = snprintf(buf, len, "%" PRIu64 ".%" PRIu64 ".%" PRIu64, v / 1000000u,
		             v / 1000u % 1000u, v % 1000u);
	return n < 0 || (size_t)n >= len ? -ENOBUFS : 0;
}

int
virtstack_features(const struct virtstack *s, char *buf, size_t len)
{
	size_t pos = 0;
	bool any = false;
	int r = 0;

	if (len == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (size_t i = 0; i < _VIRTSTACK_FEATURE_MAX && r == 0; i++) {
		if (!s->has[i])
			continue;
		r = virtstack_add(buf, len, &pos, "%s%s", any ? " " : "",
		                  virtstack_feature_name((enum virtstack_feature)i));
		any = true;
	}
	if (r == 0 && !any)
		r = virtstack_add(buf, len, &pos, "none");
	return r != 0 ? r : (int)pos;
}

int
virtstack_describe(const struct virtstack *s, char *buf, size_t len)
{
	char lv[32];
	char hv[32];
	char feats[128];
	size_t pos = 0;
	int r;

	(void)virtstack_version_text(s->libvirt_version, lv, sizeof(lv));
	(void)virtstack_version_text(s->hypervisor_version, hv, sizeof(hv));
	r = virtstack_features(s, feats, sizeof(feats));
	if (r < 0)
		return r;
	r = virtstack_add(buf, len, &pos, "%s: libvirt %s, %s %s; uses %s", virtstack_name(s), lv,
	                  strcmp(s->driver, "QEMU") == 0 ? "QEMU"
	                  : s->driver[0] != '\0'         ? s->driver
	                                                 : "hypervisor",
	                  hv, feats);
	return r != 0 ? r : (int)pos;
}

uint32_t
virtstack_save_channels(const struct virtstack *src, const struct virtstack *dst, uint32_t wanted,
                        char *why, size_t why_len)
{
	const struct virtstack *ends[2] = {src, dst};
	const char *end_names[2] = {"this node", "the target"};
	uint32_t got = wanted > VIRTSTACK_MAX_CHANNELS ? VIRTSTACK_MAX_CHANNELS : wanted;

	if (why != NULL && why_len > 0)
		why[0] = '\0';
	for (size_t i = 0; i < 2 && got > 0; i++) {
		if (ends[i] == NULL || !ends[i]->has[VIRTSTACK_SAVE_SPARSE]) {
			got = 0;
			if (why != NULL)
				snprintf(why, why_len,
				         "%s cannot %s sparse images (needs libvirt >= 11.2 and "
				         "QEMU >= 9.0)",
				         end_names[i], i == 0 ? "write" : "restore");
		} else if (got >= 2 && !ends[i]->has[VIRTSTACK_SAVE_PARALLEL]) {
			got = 1;
			if (why != NULL)
				snprintf(why, why_len, "%s has no parallel save channels",
				         end_names[i]);
		}
	}
	return got;
}

/* The probe restore's answer: refused when the daemon does not know what it
 * was given, accepted when it failed for any other reason (the file). */
static enum virtstack_probe_answer
virtstack_probe_restore(virConnectPtr conn, bool channels)
{
	virTypedParameterPtr params = NULL;
	int n = 0;
	int max = 0;
	enum virtstack_probe_answer a = VIRTSTACK_PROBE_REFUSED;
	virErrorPtr e;
	int r;

	if (virTypedParamsAddString(&params, &n, &max, VIR_DOMAIN_SAVE_PARAM_FILE,
	                            VIRTSTACK_PROBE_PATH) != 0 ||
	    (channels && virTypedParamsAddInt(&params, &n, &max,
	                                      VIR_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS, 2) != 0)) {
		virTypedParamsFree(params, n);
		virResetLastError();
		return VIRTSTACK_PROBE_NOT_ASKED;
	}
	r = virDomainRestoreParams(conn, params, n, VIR_DOMAIN_SAVE_PAUSED);
	e = virGetLastError();
	if (r == 0) {
		a = VIRTSTACK_PROBE_ACCEPTED; /* cannot happen: the path does not exist */
	} else if (e != NULL) {
		switch (e->code) {
		case VIR_ERR_INVALID_ARG:
		case VIR_ERR_NO_SUPPORT:
		case VIR_ERR_ARGUMENT_UNSUPPORTED:
		case VIR_ERR_RPC: /* an old daemon without the procedure */
			a = VIRTSTACK_PROBE_REFUSED;
			break;
		case VIR_ERR_OPERATION_DENIED: /* a read-only connection: no answer */
		case VIR_ERR_AUTH_FAILED:
			a = VIRTSTACK_PROBE_NOT_ASKED;
			break;
		default:
			a = VIRTSTACK_PROBE_ACCEPTED;
			break;
		}
	}
	virResetLastError();
	virTypedParamsFree(params, n);
	return a;
}

int
virtstack_probe(virConnectPtr conn, struct virtstack *ret)
{
	struct virtstack s;
	unsigned long lib = 0;
	unsigned long hv = 0;
	const char *type;

	memset(&s, 0, sizeof(s));
	if (virConnectGetLibVersion(conn, &lib) != 0) {
		virResetLastError();
		return -ECONNREFUSED;
	}
	s.libvirt_version = lib;
	if (virConnectGetVersion(conn, &hv) == 0)
		s.hypervisor_version = hv;
	virResetLastError();
	type = virConnectGetType(conn);
	snprintf(s.driver, sizeof(s.driver), "%s", type != NULL ? type : "");
	virResetLastError();
	if (s.libvirt_version >= VIRTSTACK_LIBVIRT_SAVE_PARAMS) {
		s.probe_params = virtstack_probe_restore(conn, false);
		if (s.probe_params == VIRTSTACK_PROBE_ACCEPTED &&
		    s.libvirt_version >= VIRTSTACK_LIBVIRT_SAVE_FORMAT)
			s.probe_channels = virtstack_probe_restore(conn, true);
	}
	virtstack_decide(&s);
	*ret = s;
	return 0;
}
