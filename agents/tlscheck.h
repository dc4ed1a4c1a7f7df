/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tlscheck.h - migration_transport=tls: are the certificates there?
 *
 * A TLS move needs two sets on every node, each node being source and
 * target in turn: libvirt's, for the qemu+tls:// connection between the
 * libvirtds (libvirt's default paths, /etc/pki/CA and /etc/pki/libvirt), and
 * QEMU's, for the migration data (VIR_MIGRATE_TLS; qemu.conf's default
 * default_tls_x509_cert_dir /etc/pki/qemu).  validate-all and migrate_to
 * check that each file exists and can be read; they cannot check that the
 * certificates match each other or the host names.
 */
#ifndef FERRY_AGENT_TLSCHECK_H
#define FERRY_AGENT_TLSCHECK_H

#include <stddef.h>

/* The files checked, relative to root ("" or "/" = the real one). */
extern const char *const tlscheck_files[];

/* 0 when every file under root is a readable regular file; else -errno of
 * the first that is not, and its path and the problem in buf. */
int tlscheck_missing(const char *root, char *buf, size_t len);

#endif
