/* named.c — named network namespaces, kept alive by bind mounts like ip(8). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/fs.h>	/* RENAME_NOREPLACE */

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

int netns_check_name(const char *name)
{
	char path[NETNS_PATH_MAX];

	return netns_path(path, name);
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

int netns_new(uint64_t *inode)
{
	int netns = netns_make(NETNS_NEW, netns_open_current, NULL), error;

	if (netns < 0 || !inode)
		return netns;
	error = sys_statx(netns, "", inode, NULL);
	if (error < 0) {
		close(netns);
		return error;
	}
	return netns;
}

int netns_mount_point(uint64_t *inode)
{
	char path[NETNS_PATH_MAX];
	int fd, error;

	netns_path(path, NETNS_TEMPORARY);
	error = run_dir_prepare();
	if (error < 0)
		return error;
	/* A leftover of a run that was killed is yogurt's by its name. */
	unlink(path);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	error = sys_statx(fd, "", inode, NULL);
	close(fd);
	if (error < 0)
		unlink(path);
	return error;
}

int netns_name(const char *name, int netns_fd)
{
	char temporary[NETNS_PATH_MAX], path[NETNS_PATH_MAX], source[32];
	int error = netns_path(path, name);

	netns_path(temporary, NETNS_TEMPORARY);
	/* Never over a name somebody else has: RENAME_NOREPLACE. */
	if (error == 0)
		error = sys_renameat2(temporary, path, RENAME_NOREPLACE);
	if (error < 0) {
		unlink(temporary);
		return error;
	}
	/* The descriptor's /proc link names the namespace as its ns/net does. */
	format_string(source, sizeof(source), "/proc/self/fd/%d", netns_fd);
	error = sys_mount(source, path, "none", MS_BIND, NULL);
	if (error < 0)
		unlink(path);
	return error;
}

void netns_mount_point_remove(void)
{
	char path[NETNS_PATH_MAX];

	netns_path(path, NETNS_TEMPORARY);
	unlink(path);
}

int netns_add(const char *name)
{
	uint64_t inode;
	int netns, error;

	error = netns_check_name(name);
	if (error < 0)
		return error;
	netns = netns_new(&inode);
	if (netns < 0)
		return netns;
	error = netns_mount_point(&inode);
	if (error == 0)
		error = netns_name(name, netns);
	close(netns);
	return error;
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

int netns_list(int (*visit)(const char *name, uint64_t file_inode, void *context), void *context)
{
	_Alignas(8) char buffer[4096];
	int directory = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC), error = 0;

	if (directory < 0)
		return errno == ENOENT ? 0 : -errno;
	/* getdents64 tells the inode each name has in /run/netns itself, not
	 * the namespace mounted on it (musl's readdir would bring malloc). */
	while (error == 0) {
		long length = sys_getdents64(directory, buffer, sizeof(buffer));

		if (length <= 0) {
			error = (int)length;
			break;
		}
		for (long offset = 0; offset < length && error == 0;) {
			const struct netns_dirent {
				uint64_t inode;
				int64_t offset;
				unsigned short length;
				unsigned char type;
				char name[];
			} *entry = (const void *)(buffer + offset);

			if (entry->name[0] != '.')
				error = visit(entry->name, entry->inode, context);
			offset += entry->length;
		}
	}
	close(directory);
	return error;
}
