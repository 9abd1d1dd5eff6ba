/* pins.c — taking a device's pinned links away: the one place that does
 * it, for up (a wire made again, a rollback), down and detach. */
#include <errno.h>
#include <unistd.h>

#include "internal.h"
#include "../bpf/bpf.h"

int phone_unpin(const char *directory, enum pin_directory_staying staying)
{
	char path[NETKIT_PIN_PATH_MAX];
	int unpinned = 0, error = 0;

	for (size_t hook = 0; hook < NETKIT_HOOKS; hook++) {
		netkit_pin_path(path, sizeof(path), directory, hook);
		if (unlink(path) == 0)
			unpinned++;
		else if (errno != ENOENT)
			error = -errno;
	}
	if (rmdir(directory) < 0 && errno != ENOENT && staying == PIN_DIRECTORY_MUST_GO &&
	    error == 0)
		error = -errno;
	return error < 0 ? error : unpinned;
}
