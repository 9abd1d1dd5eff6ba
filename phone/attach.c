/* attach.c — your own programs on a netkit device (yogurt attach and
 * detach; main.c parses their arguments into an attach_request).
 *
 * attach loads the object, links its netkit/primary and netkit/peer
 * programs (or the sections or program names given) to the host-side
 * device and pins the links in the pin directory, PHONE_PIN_ROOT/IFNAME
 * unless given (where `yogurt up` pins the wire), so that they stay after
 * yogurt exits. detach unpins them, which detaches them. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../syscalls/syscalls.h"

struct attaching {
	const struct attach_request *request;
	struct bpf_object object;		/* the words of a failure in object.error */
	struct bpf_object_program *programs[NETKIT_HOOKS];	/* NULL: that hook is left alone */
	char pin_directory[NETKIT_PIN_PATH_MAX];
	int kernel_refused;			/* those words are about a kernel call */
};

/* The request's pin directory, or where up pins the wire. */
static void choose_pin_directory(const struct attach_request *request,
				 char path[NETKIT_PIN_PATH_MAX])
{
	if (request->pin_directory)
		format_string(path, NETKIT_PIN_PATH_MAX, "%s", request->pin_directory);
	else
		netkit_pin_directory(path, NETKIT_PIN_PATH_MAX, PHONE_PIN_ROOT, request->device);
}

/* Links and pins the programs found; words in object.error. */
static int link_and_pin(struct attaching *attaching, int out)
{
	const char *device = attaching->request->device;
	uint32_t ifindex = (uint32_t)nl_device_index(device);

	for (size_t hook = 0; hook < NETKIT_HOOKS; hook++) {
		struct bpf_object_program *program = attaching->programs[hook];
		char path[NETKIT_PIN_PATH_MAX];
		int pin_failed, error;

		if (!program)
			continue;
		error = netkit_link_and_pin(program->fd, ifindex, hook, attaching->pin_directory,
					    path, &pin_failed);
		if (error < 0 && !pin_failed)
			return bpf_object_error(&attaching->object, error, "linking %s to %s: %s%s",
						program->name, device, error_text(-error),
						error == -ENXIO ? " (not a netkit device)" :
						error == -EACCES ? " (the peer side: attach to the "
						"host side of the pair)" : "");
		if (error < 0)
			return bpf_object_error(&attaching->object, error, "pinning %s: %s", path,
						error_text(-error));
		format_print(out, "attach: %s on %s %s, pinned at %s\n", program->name, device,
			     netkit_hooks[hook].name, path);
	}
	return 0;
}

/* Reads and parses the object and finds its programs and the device:
 * yogurt's own checks. image (memory_free it) holds the object. */
static int prepare(struct attaching *attaching, void **image)
{
	const struct attach_request *request = attaching->request;
	struct bpf_object *object = &attaching->object;
	uint64_t size = 0;
	int fd = open(request->object, O_RDONLY | O_CLOEXEC), error = fd < 0 ? -errno : 0;

	if (fd >= 0)
		error = sys_statx(fd, "", NULL, &size);
	if (error == 0) {
		/* memory_allocate zeroes: a short read leaves zeros, which parse refuses. */
		*image = memory_allocate((size_t)size);
		error = !*image ? -ENOMEM : read(fd, *image, (size_t)size) < 0 ? -errno : 0;
	}
	if (fd >= 0)
		close(fd);
	if (error < 0)
		return bpf_object_error(object, error, "reading it: %s", error_text(-error));
	error = bpf_object_parse(object, "object", *image, (size_t)size);
	for (size_t hook = 0; hook < NETKIT_HOOKS && error == 0; hook++) {
		const char *wanted = request->programs[hook] ?: netkit_hooks[hook].section;
		struct bpf_object_program *program = bpf_object_find_program(object, wanted);

		attaching->programs[hook] = program;
		if (program)
			program->expected_attach_type = netkit_hooks[hook].attach_type;
		else if (request->programs[hook])
			error = bpf_object_error(object, -ENOENT, "no section or program %s in it",
						 wanted);
	}
	if (error == 0 && !attaching->programs[NETKIT_HOOK_PRIMARY] &&
	    !attaching->programs[NETKIT_HOOK_PEER])
		error = bpf_object_error(object, -ENOENT, "no netkit/primary or netkit/peer "
					 "program: name yours with --primary or --peer");
	if (error == 0 && nl_device_index(request->device) < 0)
		error = bpf_object_error(object, -ENODEV, "no device %s here", request->device);
	return error;
}

/* The pin directory, new: one that is there already holds somebody's
 * links. */
static int make_pin_directory(struct attaching *attaching)
{
	const char *directory = attaching->pin_directory;
	int error = bpffs_mount(PHONE_BPFFS);

	if (error == 0 && mkdir(PHONE_PIN_ROOT, 0700) < 0 && errno != EEXIST)
		error = -errno;
	if (error == 0 && mkdir(directory, 0700) < 0)
		error = -errno;
	if (error == 0)
		return 0;
	attaching->kernel_refused = error != -EEXIST;
	return bpf_object_error(&attaching->object, error, "creating %s: %s%s", directory,
				error_text(-error), error == -EEXIST ? ": something is attached "
				"there: run 'yogurt detach' first" : "");
}

int phone_attach(const struct attach_request *request, int out, struct report *report)
{
	/* free closes btf_fd even when parse never ran (no programs or maps
	 * then): -1, not fd 0. */
	struct attaching attaching = { .request = request, .object = { .btf_fd = -1 } };
	void *image = NULL;
	int error = prepare(&attaching, &image);

	choose_pin_directory(request, attaching.pin_directory);
	if (error == 0)
		error = make_pin_directory(&attaching);
	if (error == 0) {
		/* The directory is ours: on failure, nothing stays attached. */
		attaching.kernel_refused = 1;
		error = bpf_object_load(&attaching.object);
		if (error == 0)
			error = link_and_pin(&attaching, out);
		if (error < 0)
			phone_unpin(attaching.pin_directory, PIN_DIRECTORY_MAY_STAY);
	}
	bpf_object_free(&attaching.object);
	memory_free(image);
	if (error < 0 && attaching.kernel_refused)
		return report_kernel(report, error, NULL, "attach %s: %s", request->object,
				     attaching.object.error);
	if (error < 0)
		return report_error(report, error, "attach %s: %s", request->object,
				    attaching.object.error);
	return 0;
}

int phone_detach(const struct attach_request *request, int out, struct report *report)
{
	char directory[NETKIT_PIN_PATH_MAX];
	int unpinned;

	choose_pin_directory(request, directory);
	/* A directory that stays (other files in it) is fine: the links are gone. */
	unpinned = phone_unpin(directory, PIN_DIRECTORY_MAY_STAY);
	if (unpinned < 0)
		return report_kernel(report, unpinned, NULL, "detach: unpinning %s: %s", directory,
				     error_text(-unpinned));
	if (unpinned == 0)
		return report_error(report, -ENOENT, "nothing is pinned at %s/{primary,peer}",
				    directory);
	format_print(out, "detach: %s: unpinned %s\n", request->device, directory);
	return 0;
}
