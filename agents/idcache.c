/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* idcache.c - the identity of the VM this node runs for a resource. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/fileio.h"

#include "domxml.h"
#include "idcache.h"

static int
idcache_path(const char *rsctmp, const char *resource, char *buf, size_t len)
{
	if (resource == NULL || resource[0] == '\0' || strchr(resource, '/') != NULL)
		return -EINVAL;
	if (snprintf(buf, len, "%s/ferry-vm-%s.id", rsctmp, resource) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* rsctmp is a tmpfs (/run/resource-agents): emptied at boot, nothing to fsync */
int
idcache_write(const char *rsctmp, const char *resource, const char *name, const char *uuid)
{
	const struct fileio_opts o = {
	        .mode = 0644, .umask_applies = true, .no_fsync_file = true, .no_fsync_dir = true};
	char path[PATH_MAX];
	char buf[DOMXML_NAME_MAX + 64];
	int n;
	int r = idcache_path(rsctmp, resource, path, sizeof(path));

	if (r != 0)
		return r;
	(void)mkdir(rsctmp, 0755);
	n = snprintf(buf, sizeof(buf), "%s\n%s\n", name, uuid);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	return fileio_write_atomic(path, buf, (size_t)n, &o);
}

int
idcache_read(const char *rsctmp, const char *resource, char *ret_name, size_t name_len,
             char ret_uuid[37])
{
	char path[PATH_MAX];
	char uuid[DOMXML_UUID_LEN + 1];
	void *text = NULL;
	size_t len = 0;
	char *buf;
	char *nl;
	char *nl2;
	int r = idcache_path(rsctmp, resource, path, sizeof(path));

	if (r != 0)
		return r;
	r = fileio_read_all(path, DOMXML_NAME_MAX + 63, &text, &len);
	if (r == -EFBIG || r == -EINVAL)
		return -EBADMSG; /* too long to be ours, not a file */
	if (r < 0)
		return r;
	buf = text;
	r = -EBADMSG;
	nl = strchr(buf, '\n');
	if (nl == NULL)
		goto cleanup;
	*nl = '\0';
	nl2 = strchr(nl + 1, '\n');
	if (nl2 != NULL)
		*nl2 = '\0';
	if (buf[0] == '\0' || strlen(buf) >= name_len || domxml_uuid_canon(nl + 1, uuid) != 0)
		goto cleanup;
	snprintf(ret_name, name_len, "%s", buf);
	memcpy(ret_uuid, uuid, sizeof(uuid));
	r = 0;
cleanup:
	free(text);
	return r;
}

int
idcache_remove(const char *rsctmp, const char *resource)
{
	char path[PATH_MAX];
	int r = idcache_path(rsctmp, resource, path, sizeof(path));

	if (r != 0)
		return r;
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}
