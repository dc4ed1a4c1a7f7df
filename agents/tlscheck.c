/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tlscheck.c - the TLS files migration_transport=tls needs (tlscheck.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlscheck.h"

const char *const tlscheck_files[] = {
        /* libvirt: qemu+tls:// between the libvirtds (client and server) */
        "/etc/pki/CA/cacert.pem",
        "/etc/pki/libvirt/clientcert.pem",
        "/etc/pki/libvirt/private/clientkey.pem",
        "/etc/pki/libvirt/servercert.pem",
        "/etc/pki/libvirt/private/serverkey.pem",
        /* QEMU: the migration data (source = client, target = server) */
        "/etc/pki/qemu/ca-cert.pem",
        "/etc/pki/qemu/server-cert.pem",
        "/etc/pki/qemu/server-key.pem",
        "/etc/pki/qemu/client-cert.pem",
        "/etc/pki/qemu/client-key.pem",
        NULL,
};

int
tlscheck_missing(const char *root, char *buf, size_t len)
{
	const char *r = root != NULL && strcmp(root, "/") != 0 ? root : "";

	for (size_t i = 0; tlscheck_files[i] != NULL; i++) {
		char path[PATH_MAX];
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%s%s", r, tlscheck_files[i]);
		if (stat(path, &st) != 0) {
			int e = errno;

			snprintf(buf, len, "%s: %s", tlscheck_files[i], strerror(e));
			return -e;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(buf, len, "%s: not a regular file", tlscheck_files[i]);
			return -EINVAL;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			snprintf(buf, len, "%s: cannot be read (%s)", tlscheck_files[i],
			         strerror(e));
			return -e;
		}
		close(fd);
	}
	return 0;
}
