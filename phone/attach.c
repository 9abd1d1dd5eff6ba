/* attach.c — your own programs on a netkit device:
 *
 *   yogurt attach OBJECT.o --dev IFNAME [--primary SECTION] [--peer SECTION] [--pin DIR]
 *   yogurt detach --dev IFNAME [--pin DIR]
 *
 * attach loads the object, links its netkit/primary and netkit/peer
 * programs (or the sections or program names given) to the host-side
 * device IFNAME and pins the links as DIR/primary and DIR/peer (DIR is
 * PHONE_PIN_ROOT/IFNAME unless given: where `yogurt up` pins the wire), so
 * that they stay after yogurt exits. detach unpins them, which detaches
 * them. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "../syscalls/syscalls.h"
#include "../nl/nl.h"
#include "attach.h"
#include "../bpf/bpf.h"
#include "../format/format.h"

/* Options; the primary side first, as the wire does: a gate before a
 * sender. */
enum { OPTION_DEVICE, OPTION_PIN, OPTION_PRIMARY, OPTION_PEER, OPTIONS };
static const char *const option_names[OPTIONS] = { "--dev", "--pin", "--primary", "--peer" };
static const char *const hook_sections[] = { "netkit/primary", "netkit/peer" };
static const char *const hook_pins[] = { "primary", "peer" };
static const uint32_t hook_types[] = { BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER };

struct attach_options {
	const char *values[OPTIONS];	/* NULL: not given */
	const char *object;
	char pin_dir[200];
};

/* Options after the command; attach takes the object and the program
 * options as well. */
static int parse_options(int argc, char **argv, int attaching, struct attach_options *options, struct report *report)
{
	int index;

	memset(options, 0, sizeof(*options));
	for (index = 1; index < argc; index++) {
		size_t option = 0;

		while (option < 2u + 2u * attaching && strcmp(argv[index], option_names[option]) != 0)
			option++;
		if (option < 2u + 2u * attaching && index + 1 < argc)
			options->values[option] = argv[++index];
		else if (attaching && !options->object && argv[index][0] != '-')
			options->object = argv[index];
		else
			break;
	}
	if (index < argc || !options->values[OPTION_DEVICE] || (attaching && !options->object))
		return report_error(report, -EINVAL, "%s: unexpected or missing arguments: see 'yogurt help'", argv[0]);
	if (options->values[OPTION_PIN])
		format_string(options->pin_dir, sizeof(options->pin_dir), "%s", options->values[OPTION_PIN]);
	else
		format_string(options->pin_dir, sizeof(options->pin_dir), PHONE_PIN_ROOT "/%s", options->values[OPTION_DEVICE]);
	return 0;
}

/* Unpins what is pinned in pin_dir and removes it; returns how many links
 * were unpinned (unpinning the last reference detaches a link). */
static int unpin(const char *pin_dir)
{
	int removed = 0;

	for (size_t hook = 0; hook < 2; hook++) {
		char path[256];

		format_string(path, sizeof(path), "%s/%s", pin_dir, hook_pins[hook]);
		removed += unlink(path) == 0;
	}
	rmdir(pin_dir);
	return removed;
}

/* Links and pins the programs found; words in object->error. */
static int link_and_pin(struct bpf_object *object, struct bpf_object_program *programs[2], const struct attach_options *options)
{
	uint32_t ifindex = (uint32_t)nl_device_index(options->values[OPTION_DEVICE]);

	for (size_t hook = 0; hook < 2; hook++) {
		char path[256];
		int link, error;

		if (!programs[hook])
			continue;
		link = bpf_netkit_link_create(programs[hook]->fd, ifindex, hook_types[hook]);
		if (link < 0)
			return bpf_object_error(object, link, "linking %s to %s: %s%s", programs[hook]->name, options->values[OPTION_DEVICE],
						error_text(-link),
						link == -ENXIO ? " (not a netkit device)" :
						link == -EACCES ? " (the peer side: attach to the host side of the pair)" : "");
		format_string(path, sizeof(path), "%s/%s", options->pin_dir, hook_pins[hook]);
		error = bpf_pin(link, path);
		close(link);	/* the pin holds the link now */
		if (error < 0)
			return bpf_object_error(object, error, "pinning %s: %s", path, error_text(-error));
		format_print(STDOUT_FILENO, "attach: %s on %s %s, pinned at %s\n", programs[hook]->name, options->values[OPTION_DEVICE],
			     hook_pins[hook], path);
	}
	return 0;
}

/* Loads the object from options->object and attaches it; words in
 * object->error. */
static int attach(struct bpf_object *object, const struct attach_options *options)
{
	struct bpf_object_program *programs[2] = { NULL, NULL };
	uint64_t size = 0;
	void *image = NULL;
	int fd = open(options->object, O_RDONLY | O_CLOEXEC), error = -errno;

	/* memory_allocate zeroes: a short read leaves zeros, which parse refuses. */
	if (fd >= 0 && (error = sys_statx(fd, "", NULL, &size)) == 0 && (image = memory_allocate((size_t)size)))
		error = read(fd, image, (size_t)size) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (error < 0 || !image)
		return bpf_object_error(object, error ?: -ENOMEM, "reading it: %s", error_text(-error ?: ENOMEM));
	error = bpf_object_parse(object, "object", image, (size_t)size);
	for (size_t hook = 0; hook < 2 && error == 0; hook++) {
		const char *wanted = options->values[OPTION_PRIMARY + hook] ?: hook_sections[hook];

		programs[hook] = bpf_object_find_program(object, wanted);
		if (programs[hook])
			programs[hook]->expected_attach_type = hook_types[hook];
		else if (options->values[OPTION_PRIMARY + hook])
			error = bpf_object_error(object, -ENOENT, "no section or program %s in it", wanted);
	}
	if (error == 0 && !programs[0] && !programs[1])
		error = bpf_object_error(object, -ENOENT, "no netkit/primary or netkit/peer program: name yours with --primary or --peer");
	if (error == 0 && nl_device_index(options->values[OPTION_DEVICE]) < 0)
		error = bpf_object_error(object, -ENODEV, "no device %s here", options->values[OPTION_DEVICE]);
	if (error == 0 && (error = bpffs_mount(PHONE_BPFFS)) == 0 && mkdir(PHONE_PIN_ROOT, 0700) < 0 && errno != EEXIST)
		error = -errno;
	if (error == 0 && mkdir(options->pin_dir, 0700) < 0)
		error = -errno;
	if (error < 0 && !object->error[0])
		bpf_object_error(object, error, "creating %s: %s%s", options->pin_dir, error_text(-error),
				 error == -EEXIST ? ": something is attached there: run 'yogurt detach' first" : "");
	else if (error == 0) {
		/* The directory is ours: on failure, nothing stays attached. */
		error = bpf_object_load(object);
		if (error == 0)
			error = link_and_pin(object, programs, options);
		if (error < 0)
			unpin(options->pin_dir);
	}
	bpf_object_free(object);
	memory_free(image);
	return error;
}

int phone_attach(int argc, char **argv, const struct topology *topology, struct report *report)
{
	struct attach_options options;
	struct bpf_object object = { .error = "" };
	int error = parse_options(argc, argv, 1, &options, report);

	(void)topology;
	if (error == 0)
		error = attach(&object, &options);
	if (error < 0 && object.error[0]) {
		report->kernel_refused = error != -ENOENT && error != -ENODEV && error != -EEXIST;
		report_error(report, error, "attach %s: %s", options.object, object.error);
	}
	return error;
}

int phone_detach(int argc, char **argv, const struct topology *topology, struct report *report)
{
	struct attach_options options;
	int error = parse_options(argc, argv, 0, &options, report);

	(void)topology;
	if (error == 0 && unpin(options.pin_dir) == 0)
		return report_error(report, -ENOENT, "nothing is pinned at %s/{primary,peer}", options.pin_dir);
	if (error == 0)
		format_print(STDOUT_FILENO, "detach: %s: unpinned %s\n", options.values[OPTION_DEVICE], options.pin_dir);
	return error;
}
