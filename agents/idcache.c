/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* idcache.c - the identity of the VM this node runs for a resource. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int
idcache_write(const char *rsctmp, const char *resource, const char *name, const char *uuid)
{
	char path[PATH_MAX];
	char tmp[PATH_MAX + 8];
	char buf[DOMXML_NAME_MAX + 64];
	int fd;
	int n;
	int r = idcache_path(rsctmp, resource, path, sizeof(path));

	if (r != 0)
		return r;
	(void)mkdir(rsctmp, 0755);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(buf, sizeof(buf), "%s\n%s\n", name, uuid);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n) {
		r = -EIO;
		close(fd);
		unlink(tmp);
		return r;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		r = -errno;
		unlink(tmp);
	}
	return r;
}

int
idcache_read(const char *rsctmp, const char *resource, char *ret_name, size_t name_len,
             char ret_uuid[37])
{
	char path[PATH_MAX];
	char buf[DOMXML_NAME_MAX + 64];
	char uuid[DOMXML_UUID_LEN + 1];
	char *nl;
	char *nl2;
	ssize_t n;
	int fd;
	int r = idcache_path(rsctmp, resource, path, sizeof(path));

	if (r != 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EBADMSG;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl == NULL)
		return -EBADMSG;
	*nl = '\0';
	nl2 = strchr(nl + 1, '\n');
	if (nl2 != NULL)
		*nl2 = '\0';
	if (buf[0] == '\0' || strlen(buf) >= name_len || domxml_uuid_canon(nl + 1, uuid) != 0)
		return -EBADMSG;
	snprintf(ret_name, name_len, "%s", buf);
	memcpy(ret_uuid, uuid, sizeof(uuid));
	return 0;
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
