/* down.c — removes what yogurt made, as its records say: pins, devices,
 * namespaces. A namespace or device that carries a recorded name but is
 * not the one yogurt made is left alone; pieces already gone are fine.
 * The records are written once, at the end (owned_finish): a down killed
 * halfway leaves records of pieces already gone, which the next run finds
 * gone (phone/RECORDS.md). SIGINT, SIGTERM and SIGHUP do not stop it:
 * removing is what they would ask for. */
#include <errno.h>
#include <unistd.h>

#include "internal.h"
#include "../bpf/bpf.h"

static void say(int out, const char *what, const char *name)
{
	format_print(out, "down: removed %s %s\n", what, name);
}

static void leave_alone(int out, const char *what, const char *name)
{
	format_print(out, "down: left %s %s alone: it is not the one yogurt made\n", what, name);
}

int phone_remove_end(struct nl_socket *host, const struct owned_end *record, int out,
		     struct report *report)
{
	const char *device_name = record->host_device, *netns = record->netns;
	struct nl_link_info device;
	char pin_directory[NETKIT_PIN_PATH_MAX];
	int error = 0;

	/* No device recorded: killed before it had its name. */
	if (device_name[0]) {
		netkit_pin_directory(pin_directory, sizeof(pin_directory), PHONE_PIN_ROOT,
				     device_name);
		error = phone_unpin(pin_directory, PIN_DIRECTORY_MUST_GO);
		if (error < 0)
			return report_kernel(report, error, NULL, "removing the pins of %s under "
					     "%s: %s", device_name, PHONE_PIN_ROOT,
					     error_text(-error));
		if (error > 0)
			say(out, "the wire on", device_name);
		/* Deleting the host side deletes its peer in the namespace too. */
		error = nl_link_get(host, device_name, &device);
	} else {
		error = -ENODEV;
	}
	if (error == 0 && device.ifindex != record->host_ifindex) {
		leave_alone(out, "device", device_name);
	} else if (error == 0) {
		error = nl_link_delete(host, device_name);
		if (error < 0 && error != -ENODEV)
			return report_kernel(report, error, host->error, "deleting device %s: %s",
					     device_name, error_text(-error));
		say(out, "device", device_name);
	} else if (error != -ENODEV) {
		return report_kernel(report, error, host->error, "reading device %s: %s",
				     device_name, error_text(-error));
	}
	if (record->netns_state == OWNED_NETNS_OTHER) {
		leave_alone(out, "namespace", netns);
	} else if (record->netns_state != OWNED_NETNS_GONE) {
		error = netns_delete(netns);
		if (error < 0 && error != -ENOENT)
			return report_kernel(report, error, NULL, "deleting namespace %s: %s",
					     netns, error_text(-error));
		say(out, "namespace", netns);
	}
	return 0;
}

int phone_down(int out, struct report *report)
{
	struct nl_socket host;
	struct owned owned;
	struct report ignored;
	int lock = -1, error;

	error = owned_start(0, &lock, &owned, &host, report);
	if (error < 0)
		return error;
	while (error == 0 && owned.count > 0) {
		struct owned_end record = owned.ends[owned.count - 1];

		error = phone_remove_end(&host, &record, out, report);
		if (error == 0)
			owned_forget(&owned, record.netns);
	}
	/* The pin root goes only when nothing else is pinned there. */
	if (error == 0 && rmdir(PHONE_PIN_ROOT) == 0)
		format_print(out, "down: removed %s\n", PHONE_PIN_ROOT);
	/* The first failure is the one to tell. */
	if (error < 0)
		owned_finish(lock, &owned, &host, &ignored);
	else
		error = owned_finish(lock, &owned, &host, report);
	return error;
}
