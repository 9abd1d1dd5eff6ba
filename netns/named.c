/* named.c — named network namespaces, kept alive by bind mounts like ip(8). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "internal.h"
#include "../syscalls/syscalls.h"
#include "../format/format.h"

#define NETNS_NAME_MAX 64
#define NETNS_PATH_MAX (sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX)

/* /run/netns/NAME into path (NETNS_PATH_MAX bytes, so it always fits): the
 * one place that writes such a path. -EINVAL for a name that is not one
 * file name. */
static int netns_path(char path[NETNS_PATH_MAX], const char *name)
{
	/* memchr, not strchr: that would bring musl's strchrnul along. */
	if (!name || name[0] == '\0' || memchr(name, '/', strlen(name)) ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strnlen(name, NETNS_NAME_MAX) >= NETNS_NAME_MAX)
		return -EINVAL;
	format_string(path, NETNS_PATH_MAX, "%s/%s", NETNS_RUN_DIR, name);
	return 0;
}

/* /run/netns must be a shared mount point, so that a namespace mounted
 * there is seen by every mount namespace that shares it (as ip(8) does). */
static int run_dir_prepare(void)
{
	int err;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	err = sys_mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL);
	if (err != -EINVAL)
		return err;
	/* Not a mount point yet: make it one by binding it onto itself. */
	err = sys_mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL);
	if (err < 0)
		return err;
	return sys_mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL);
}

/* Binds a new namespace onto path: it lives as long as the mount. */
static int pin_new(const char *path)
{
	char source[32];
	int netns, err;

	netns = netns_new();
	if (netns < 0)
		return netns;
	/* The descriptor's /proc link names the namespace as its ns/net does. */
	format_string(source, sizeof(source), "/proc/self/fd/%d", netns);
	err = sys_mount(source, path, "none", MS_BIND, NULL);
	close(netns);
	return err;
}

int netns_add(const char *name)
{
	char path[NETNS_PATH_MAX];
	int fd, err;

	err = netns_path(path, name);
	if (err < 0)
		return err;
	err = run_dir_prepare();
	if (err < 0)
		return err;
	/* The mount point; O_EXCL so that we never take over a name. */
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	err = pin_new(path);
	if (err < 0)
		unlink(path);
	return err;
}

int netns_delete(const char *name)
{
	char path[NETNS_PATH_MAX];
	int err = netns_path(path, name);

	if (err < 0)
		return err;
	/* Its failure (not mounted, or already gone) is told by unlink. */
	sys_umount2(path, MNT_DETACH);
	if (unlink(path) < 0)
		return -errno;
	return 0;
}

int netns_open(const char *name)
{
	char path[NETNS_PATH_MAX];
	int fd = netns_path(path, name);

	if (fd < 0)
		return fd;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

uint64_t netns_inode(const char *name)
{
	char path[NETNS_PATH_MAX];
	uint64_t inode = 0;

	if (netns_path(path, name) < 0 || sys_statx(AT_FDCWD, path, &inode, NULL) < 0)
		return 0;
	return inode;
}
