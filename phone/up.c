/* up.c — brings the configured phones into being, and keeps them so: a
 * piece already in place (and made by yogurt) is left alone, a missing or
 * changed one is made again, and ends yogurt made that are no longer
 * configured are removed. Every piece this run creates goes into an undo
 * journal, so a failure halfway (or SIGINT, SIGTERM, SIGHUP) removes exactly
 * what this run made; and into the records before it gets its name, so a
 * run killed at any instant leaves nothing the next run cannot tell is
 * yogurt's (phone/RECORDS.md). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../wire/wire.h"
#include "../syscalls/syscalls.h"

enum undo_kind { UNDO_NETNS, UNDO_DEVICE, UNDO_PIN_DIR, UNDO_PIN_ROOT };

struct undo {
	enum undo_kind kind;
	char name[PHONE_NAME_MAX];	/* a namespace, a device or a pin directory */
};

/* up's pin directories, PHONE_PIN_ROOT/<host device>, fit into a name. */
_Static_assert(sizeof(PHONE_PIN_ROOT "/") + PHONE_DEVICE_MAX - 1 <= PHONE_NAME_MAX,
	       "the journal takes a pin directory as a name");

struct up_context {
	const struct topology *topology;
	struct report *report;
	int out;
	struct nl_socket host;			/* rtnetlink in the caller's namespace */
	struct bpf_object wire;
	struct owned owned;
	/* Per end at most: a namespace, a device, a pin directory; and the
	 * pin root once (sized from the topology). */
	struct undo *journal;
	size_t journal_length, journal_capacity;
	unsigned changes;			/* what this phone needed: CHANGE_* */
};

enum { CHANGE_NAMESPACE = 1, CHANGE_DEVICES = 2, CHANGE_ADDRESSES = 4, CHANGE_WIRE = 8 };

static void remember(struct up_context *context, enum undo_kind kind, const char *name)
{
	struct undo *entry;

	if (context->journal_length == context->journal_capacity)
		return;	/* cannot happen: sized for the topology */
	entry = &context->journal[context->journal_length++];

	entry->kind = kind;
	format_string(entry->name, sizeof(entry->name), "%s", name);
}

/* The changes in words, for the one line up prints per phone. */
static const char *change_words(unsigned changes, char *words, size_t size)
{
	static const char *const names[] = { "namespaces", "devices", "addresses", "wire" };
	size_t length = 0;

	words[0] = '\0';
	for (unsigned bit = 0; bit < 4; bit++)
		if (changes & (1u << bit))
			length += format_string(words + length, size - length, "%s%s",
						length ? ", " : "", names[bit]);
	return words;
}

/* A signal between two kernel calls does its work here: rolled back like
 * an error. */
static void roll_back(struct up_context *context)
{
	while (context->journal_length > 0) {
		struct undo *entry = &context->journal[--context->journal_length];

		switch (entry->kind) {
		case UNDO_NETNS:
			netns_delete(entry->name);
			owned_forget(&context->owned, entry->name);
			break;
		case UNDO_DEVICE:
			nl_link_delete(&context->host, entry->name);
			break;
		case UNDO_PIN_DIR:
			phone_unpin(entry->name, PIN_DIRECTORY_MAY_STAY);
			break;
		case UNDO_PIN_ROOT:
			rmdir(entry->name);
			break;
		}
	}
}

/* A kernel call for `what` failed: its words, when it gave some, after ours. */
static int kernel_error(struct up_context *context, int error, const char *words, const char *what)
{
	return report_kernel(context->report, error, words, "%s: %s", what, error_text(-error));
}

static int namespace_taken(struct up_context *context, const char *netns)
{
	return report_error(context->report, -EEXIST,
			    "namespace %s already exists and yogurt did not make it: "
			    "remove it (ip netns delete %s) or configure another name", netns,
			    netns);
}

static int namespace_error(struct up_context *context, const char *netns, int error)
{
	if (error == -EEXIST)
		return namespace_taken(context, netns);
	return report_kernel(context->report, error, NULL, "creating namespace %s under %s: %s%s",
			     netns, NETNS_RUN_DIR, error_text(-error),
			     error == -EPERM || error == -EACCES ? " (needs root in the "
			     "host's user namespace, and " NETNS_RUN_DIR " writable)" : "");
}

/* A new namespace, recorded before it gets its name: made anonymous, its
 * mount point made under the temporary name, both inodes recorded, then
 * the mount point renamed (never over another name) and the namespace
 * bound onto it. Returns the namespace's fd. */
static int make_namespace(struct up_context *context, const char *netns,
			  struct owned_end **record)
{
	uint64_t netns_inode, mount_point_inode;
	int netns_fd = netns_new(&netns_inode), error;

	if (netns_fd < 0)
		return namespace_error(context, netns, netns_fd);
	error = netns_mount_point(&mount_point_inode);
	if (error < 0) {
		close(netns_fd);
		return namespace_error(context, netns, error);
	}
	*record = owned_remember(&context->owned, netns);
	if (!*record)
		error = report_error(context->report, -ENOMEM, "no memory for the records");
	if (error == 0) {
		(*record)->mount_point_inode = mount_point_inode;
		(*record)->netns_inode = netns_inode;
		(*record)->netns_state = OWNED_NETNS_OURS;
		/* A new namespace: the pair is made anew. */
		(*record)->host_device[0] = '\0';
		(*record)->host_ifindex = 0;
		error = owned_record_netns(&context->owned, *record, context->report);
	}
	if (error == 0) {
		error = netns_name(netns, netns_fd);
		if (error < 0)
			error = namespace_error(context, netns, error);
	}
	if (error < 0) {
		owned_forget(&context->owned, netns);
		netns_mount_point_remove();
		close(netns_fd);
		return error;
	}
	remember(context, UNDO_NETNS, netns);
	context->changes |= CHANGE_NAMESPACE;
	return netns_fd;
}

/* The namespace: ours already, or new; somebody else's is an error.
 * Returns its fd. */
static int ensure_namespace(struct up_context *context, const struct phone_end *end,
			    struct owned_end **record)
{
	int netns_fd;

	*record = owned_find(&context->owned, end->netns);
	if (*record && (*record)->netns_state == OWNED_NETNS_HALF) {
		/* The mount point yogurt made, without its namespace. */
		netns_delete(end->netns);
		(*record)->netns_state = OWNED_NETNS_GONE;
	}
	if (!*record || (*record)->netns_state != OWNED_NETNS_OURS) {
		/* Not ours: a name that is there is somebody else's. */
		if (netns_inode(end->netns))
			return namespace_taken(context, end->netns);
		return make_namespace(context, end->netns, record);
	}
	netns_fd = netns_open(end->netns);
	if (netns_fd < 0)
		return report_kernel(context->report, netns_fd, NULL, "opening namespace %s: %s",
				     end->netns, error_text(-netns_fd));
	return netns_fd;
}

/* A device of that name is there, and yogurt did not make it. */
static int device_taken(struct up_context *context, const char *device)
{
	return report_error(context->report, -EEXIST, "device %s already exists and yogurt did not "
			    "make it: delete it or configure another name", device);
}

/* A new pair, recorded before its host side gets its name: made under the
 * temporary name (peer already in its namespace), its ifindex recorded,
 * then renamed, never over another device. */
static int create_pair(struct up_context *context, const struct phone_end *end, int netns_fd,
		       struct owned_end *record, uint32_t *ifindex)
{
	struct netkit_pair pair = {
		.primary_name = PHONE_DEVICE_TEMPORARY,
		.peer_name = end->device,
		.policy = NETKIT_DROP,		/* blackhole: only the wire speaks */
		.peer_policy = NETKIT_DROP,
		.mode = end->mode,
		.peer_netns_fd = netns_fd,
		.mtu = end->mtu,
	};
	int error = nl_netkit_create(&context->host, &pair);
	const char *words = context->host.error;

	if (error == -EOPNOTSUPP)
		return report_kernel(context->report, error, words[0] ? words : error_text(-error),
				     "this kernel has no netkit devices: yogurt needs Linux >= 6.7 "
				     "built with CONFIG_NETKIT=y");
	if (error == -EPERM)
		return report_kernel(context->report, error, NULL, "creating netkit devices needs "
				     "CAP_NET_ADMIN: run yogurt as root");
	if (error == -EEXIST)	/* the temporary name is swept first: the peer's */
		return report_error(context->report, error, "device %s already exists in namespace "
				    "%s: delete it or configure another name", end->device,
				    end->netns);
	if (error < 0) {
		/* The kernel may have made it all the same (its answer lost). */
		nl_link_delete(&context->host, PHONE_DEVICE_TEMPORARY);
		return report_kernel(context->report, error, words,
				     "creating netkit pair %s/%s: %s", end->host_device,
				     end->device, error_text(-error));
	}
	error = nl_link_index(&context->host, PHONE_DEVICE_TEMPORARY, ifindex);
	if (error < 0) {
		nl_link_delete(&context->host, PHONE_DEVICE_TEMPORARY);
		return kernel_error(context, error, words, "reading back the new device");
	}
	record->host_ifindex = *ifindex;
	format_string(record->host_device, sizeof(record->host_device), "%s", end->host_device);
	error = owned_record_device(&context->owned, record, context->report);
	if (error == 0) {
		error = nl_link_rename(&context->host, *ifindex, end->host_device);
		if (error == -EEXIST)
			error = device_taken(context, end->host_device);
		else if (error < 0)
			error = kernel_error(context, error, words, "naming the new device");
	}
	if (error < 0) {
		/* By ifindex: a rename whose answer was lost may have happened. */
		nl_link_delete_index(&context->host, *ifindex);
		return error;
	}
	remember(context, UNDO_DEVICE, end->host_device);
	context->changes |= CHANGE_DEVICES;
	return 0;
}

/* Is the namespace side of the pair there, as configured? */
static int inside_matches(int netns_fd, const struct phone_end *end)
{
	struct nl_socket inside;
	struct nl_link_info device;
	int matches = phone_inside_device(netns_fd, end->device, &inside, &device) == 0 &&
		      device.netkit_primary == 0 && device.netkit_mode == end->mode;

	nl_close(&inside);
	return matches;
}

/* The netkit pair: ours and as configured, or (re)made. *fresh says it was. */
static int ensure_pair(struct up_context *context, const struct phone_end *end, int netns_fd,
		       struct owned_end *record, uint32_t *ifindex, int *fresh)
{
	struct nl_link_info host;
	int error = nl_link_get(&context->host, end->host_device, &host);

	*fresh = 0;
	if (error == 0) {
		if (host.ifindex != record->host_ifindex ||
		    strcmp(record->host_device, end->host_device) != 0)
			return device_taken(context, end->host_device);
		if (host.netkit_primary == 1 && host.netkit_mode == end->mode &&
		    inside_matches(netns_fd, end)) {
			*ifindex = host.ifindex;
			return 0;
		}
		/* Changed behind yogurt's back (or its mode changed): make it again. */
		nl_link_delete(&context->host, end->host_device);
	} else if (error != -ENODEV) {
		return kernel_error(context, error, context->host.error, "reading device state");
	}
	*fresh = 1;
	return create_pair(context, end, netns_fd, record, ifindex);
}

#define STRAY_ADDRESSES_MAX 16

/* What a device's addresses look like next to the configured ones. The
 * strays are deleted after the dump: a request sent on the socket while
 * the kernel is still dumping would take the dump's replies for its own. */
struct address_sync {
	const struct phone_end *end;
	int found[PHONE_FAMILIES];
	struct nl_address strays[STRAY_ADDRESSES_MAX];
	size_t stray_count;
};

/* Notes configured addresses found, and global ones that are not configured. */
static int sync_address(const struct nl_address *address, void *context)
{
	struct address_sync *sync = context;
	const struct phone_end *end = sync->end;

	if (address->scope != RT_SCOPE_UNIVERSE)
		return 0;	/* link-local addresses are the kernel's own */
	if (phone_end_has_address(end, address->family, address->address, address->prefix_length)) {
		sync->found[phone_family_index(address->family)] = 1;
		return 0;
	}
	if (sync->stray_count < STRAY_ADDRESSES_MAX)
		sync->strays[sync->stray_count++] = *address;
	return 0;
}

/* Inside the namespace: lo and the device up, exactly the configured
 * addresses, the configured MTU. */
static int configure_inside(struct up_context *context, const struct phone_end *end, int netns_fd)
{
	struct address_sync sync = { .end = end };
	struct nl_link_info device;
	struct nl_socket inside;
	uint32_t lo = 0;	/* set when error is 0; gcc cannot always tell */
	int missing = 0;
	int error;

	error = phone_inside_device(netns_fd, end->device, &inside, &device);
	if (inside.fd < 0)
		return report_kernel(context->report, error, NULL, "entering namespace %s: %s",
				     end->netns, error_text(-error));
	if (error == 0)
		error = nl_link_index(&inside, "lo", &lo);
	if (error == 0)
		error = nl_link_set_up(&inside, lo);
	/* A dump the kernel's table changed under is read again, a few times. */
	for (int attempt = 0; error == 0 || (error == -EAGAIN && attempt < 3); attempt++) {
		memset(sync.found, 0, sizeof(sync.found));
		sync.stray_count = 0;
		error = nl_address_list(&inside, device.ifindex, sync_address, &sync);
		if (error == 0)
			break;
	}
	for (size_t index = 0; index < sync.stray_count && error == 0; index++) {
		const struct nl_address *stray = &sync.strays[index];

		error = nl_address_delete(&inside, device.ifindex, stray->family, stray->address,
					  stray->prefix_length);
	}
	for (int family = 0; family < PHONE_FAMILIES; family++) {
		const struct phone_address *address = &end->addresses[family];

		if (!address->prefix_length || sync.found[family])
			continue;
		missing = 1;
		if (error == 0)
			error = nl_address_add(&inside, device.ifindex,
					       phone_families[family].family, address->bytes,
					       address->prefix_length);
	}
	if (error == 0 && end->mtu && device.mtu != end->mtu)
		error = nl_link_set_mtu(&inside, device.ifindex, end->mtu);
	if (error == 0 && !(device.flags & IFF_UP))
		error = nl_link_set_up(&inside, device.ifindex);
	if (error == 0 && (sync.stray_count || missing))
		context->changes |= CHANGE_ADDRESSES;
	if (error < 0)
		error = report_kernel(context->report, error, inside.error,
				      "configuring %s in %s: %s", end->device, end->netns,
				      error_text(-error));
	nl_close(&inside);
	return error;
}

static int ensure_end(struct up_context *context, const struct phone_end *end, uint32_t *ifindex,
		      int *fresh)
{
	struct owned_end *record;
	struct nl_link_info host;
	int netns_fd, error;

	netns_fd = ensure_namespace(context, end, &record);
	if (netns_fd < 0)
		return netns_fd;
	error = ensure_pair(context, end, netns_fd, record, ifindex, fresh);
	if (error == 0)
		error = configure_inside(context, end, netns_fd);
	close(netns_fd);
	if (error < 0)
		return error;
	error = nl_link_get(&context->host, end->host_device, &host);
	if (error == 0 && end->mtu && host.mtu != end->mtu)
		error = nl_link_set_mtu(&context->host, host.ifindex, end->mtu);
	if (error == 0 && !(host.flags & IFF_UP))
		error = nl_link_set_up(&context->host, host.ifindex);
	if (error < 0)
		return report_kernel(context->report, error, context->host.error,
				     "bringing up %s: %s", end->host_device, error_text(-error));
	return 0;
}

static int prepare_pins(struct up_context *context)
{
	int error = bpffs_mount(PHONE_BPFFS);

	if (error < 0)
		return report_kernel(context->report, error, NULL, "bpffs is not mounted on %s "
				     "and mounting it failed: %s (needs CAP_SYS_ADMIN and a kernel "
				     "with CONFIG_BPF_SYSCALL)", PHONE_BPFFS, error_text(-error));
	if (mkdir(PHONE_PIN_ROOT, 0700) == 0)
		remember(context, UNDO_PIN_ROOT, PHONE_PIN_ROOT);
	else if (errno != EEXIST)
		return report_kernel(context->report, -errno, NULL, "creating %s: %s",
				     PHONE_PIN_ROOT, error_text(errno));
	return 0;
}

/* Both pins there, and the wire's programs attached at both hooks? The
 * wire names its programs "wire_" and the hook's name (wire.bpf.c). */
static int wire_in_place(const char *pin_directory, uint32_t ifindex)
{
	for (size_t hook = 0; hook < NETKIT_HOOKS; hook++) {
		struct hook_program programs[HOOK_PROGRAMS_MAX];
		uint32_t count = phone_hook_programs(ifindex, hook, programs, HOOK_PROGRAMS_MAX);
		char path[NETKIT_PIN_PATH_MAX];
		int found = 0;

		netkit_pin_path(path, sizeof(path), pin_directory, hook);
		for (uint32_t index = 0; index < count; index++)
			found |= strncmp(programs[index].name, "wire_", 5) == 0 &&
				 strcmp(programs[index].name + 5, netkit_hooks[hook].name) == 0;
		if (!found || access(path, F_OK) < 0)
			return 0;
	}
	return 1;
}

/* The gate's secret, from the kernel's CRNG: GATE.md says why it must be
 * unpredictable, so nothing weaker will do. Until the CRNG is seeded (early
 * boot on a machine with no CPU or virtio RNG) getrandom blocks, a second
 * or more under emulation: say so first. */
static int gate_secret(struct up_context *context, uint32_t secret[WIRE_SECRET_WORDS])
{
	size_t size = WIRE_SECRET_WORDS * sizeof(secret[0]);
	long got = sys_getrandom(secret, size, GRND_NONBLOCK);

	if (got == -EAGAIN) {
		if (context->out >= 0)
			format_print(context->out, "up: waiting for the kernel's random numbers to "
				     "be seeded (no CPU or virtio RNG: see yogurt(8))\n");
		got = sys_getrandom(secret, size, 0);
	}
	if (got == (long)size)
		return 0;
	return report_kernel(context->report, got < 0 ? (int)got : -EIO, NULL,
			     "no random numbers for the wire's gate secret: %s",
			     error_text(got < 0 ? (int)-got : EIO));
}

/* The wire: left alone when both ends have it; otherwise both ends get a
 * fresh instance with a fresh secret (the two must share one). */
static int ensure_wire(struct up_context *context, const struct phone *phone,
		       const uint32_t ifindex[PHONE_ENDS], const int fresh[PHONE_ENDS])
{
	char pin_directories[PHONE_ENDS][NETKIT_PIN_PATH_MAX];
	uint32_t secret[WIRE_SECRET_WORDS];
	int in_place = 1, error;

	for (int side = 0; side < PHONE_ENDS; side++) {
		netkit_pin_directory(pin_directories[side], NETKIT_PIN_PATH_MAX, PHONE_PIN_ROOT,
				     phone->ends[side].host_device);
		in_place = in_place && !fresh[side] &&
			   wire_in_place(pin_directories[side], ifindex[side]);
	}
	if (in_place)
		return 0;
	error = gate_secret(context, secret);
	if (error < 0)
		return error;
	for (int side = 0; side < PHONE_ENDS; side++)
		phone_unpin(pin_directories[side], PIN_DIRECTORY_MAY_STAY);
	for (int side = 0; side < PHONE_ENDS; side++) {
		const char *device = phone->ends[side].host_device;

		error = wire_attach(&context->wire, ifindex[side], ifindex[!side], secret,
				    pin_directories[side]);
		if (error < 0)
			return report_kernel(context->report, error, NULL, "wire on %s: %s%s",
					     device, context->wire.error, error == -EPERM ?
					     ": loading and attaching BPF programs needs CAP_BPF "
					     "and CAP_NET_ADMIN (or CAP_SYS_ADMIN)" : "");
		remember(context, UNDO_PIN_DIR, pin_directories[side]);
	}
	memset(secret, 0, sizeof(secret));
	context->changes |= CHANGE_WIRE;
	return 0;
}

/* Ends yogurt made that the configuration no longer has: the records'
 * namespaces looked up in an index of the configuration's. */
static int remove_unconfigured(struct up_context *context)
{
	const struct topology *topology = context->topology;
	struct end_index configured = { 0 };
	struct end_clash clash;
	int error = 0;

	for (size_t end = 0; end < topology->count * PHONE_ENDS && error == 0; end++) {
		error = end_index_add(&configured, topology, end, &clash);
		/* A clash was refused when the configuration was read. */
		if (error == -EEXIST)
			error = 0;
	}
	if (error < 0) {
		end_index_free(&configured);
		return report_error(context->report, error, "no memory for an index of %zu phones",
				    topology->count);
	}
	for (size_t index = context->owned.count; index-- > 0 && error == 0;) {
		struct owned_end record = context->owned.ends[index];

		if (end_index_find(&configured, topology, END_NETNS, record.netns) >= 0)
			continue;
		error = phone_remove_end(&context->host, &record, context->out, context->report);
		if (error == 0)
			owned_forget(&context->owned, record.netns);
	}
	end_index_free(&configured);
	return error;
}

/* SIGINT, SIGTERM or SIGHUP came: stop here, and roll back as for an error. */
static int interrupted(struct up_context *context)
{
	const char *signal = owned_interrupted(&context->owned);

	if (!signal)
		return 0;
	return report_error(context->report, -EINTR, "up interrupted by %s: removed again what "
			    "this run had made", signal);
}

/* "up: phone A <-> B ready in N.NNN ms (made: …)" or "… already up". */
static void print_ready(const struct phone *phone, const char *changes, uint64_t elapsed_us,
			int out)
{
	const char *first = phone->ends[0].netns, *second = phone->ends[1].netns;
	unsigned long long milliseconds = elapsed_us / 1000, fraction = elapsed_us % 1000;

	/* One line, one write: concurrent runs never interleave halves. */
	if (changes[0])
		format_print(out, "up: phone %s <-> %s ready in %llu.%03llu ms (made: %s)\n", first,
			     second, milliseconds, fraction, changes);
	else
		format_print(out, "up: phone %s <-> %s already up, nothing changed "
			     "(%llu.%03llu ms)\n", first, second, milliseconds, fraction);
}

static int bring_up(struct up_context *context, uint64_t start)
{
	int error = prepare_pins(context);

	for (size_t index = 0; index < context->topology->count && error == 0; index++) {
		const struct phone *phone = &context->topology->phones[index];
		uint32_t ifindex[PHONE_ENDS];
		int fresh[PHONE_ENDS];
		char words[64];

		context->changes = 0;
		for (int side = 0; side < PHONE_ENDS && error == 0; side++) {
			error = interrupted(context);
			if (error == 0)
				error = ensure_end(context, &phone->ends[side], &ifindex[side],
						   &fresh[side]);
		}
		if (error == 0)
			error = interrupted(context);
		if (error == 0 && !context->topology->without_wire)
			error = ensure_wire(context, phone, ifindex, fresh);
		if (error == 0 && context->out >= 0)
			print_ready(phone, change_words(context->changes, words, sizeof(words)),
				    monotonic_us() - start, context->out);
	}
	if (error == 0)
		error = remove_unconfigured(context);
	if (error == 0)
		error = interrupted(context);
	return error;
}

int phone_up(const struct topology *topology, int out, struct report *report,
	     uint64_t *elapsed_us)
{
	struct up_context context = { .topology = topology, .report = report, .out = out };
	struct report ignored;
	uint64_t start = monotonic_us();
	size_t image_size;
	const void *image = wire_object_image(&image_size);
	int lock = -1, error;

	error = owned_start(1, &lock, &context.owned, &context.host, report);
	if (error < 0)
		return error;
	context.journal_capacity = topology->count * PHONE_ENDS * 3 + 1;
	context.journal = memory_allocate(context.journal_capacity * sizeof(*context.journal));
	error = context.journal ? bpf_object_parse(&context.wire, "wire", image, image_size)
				: -ENOMEM;
	if (error == -ENOMEM && !context.journal) {
		report_error(report, error, "no memory for up's journal");
	} else if (error < 0) {
		report_error(report, error, "the embedded wire object is broken: %s",
			     context.wire.error);
	} else {
		error = bring_up(&context, start);
		if (error < 0)
			roll_back(&context);
		bpf_object_free(&context.wire);
	}
	memory_free(context.journal);
	/* After a failure its words stand; otherwise nothing can be left
	 * unremoved (something is owned). */
	owned_finish(lock, &context.owned, &context.host, &ignored);
	if (elapsed_us)
		*elapsed_us = monotonic_us() - start;
	return error;
}
