/* down.c — removes what yogurt made, as its records say: pins, devices,
 * namespaces. A namespace or device that carries a recorded name but is
 * not the one yogurt made is left alone; pieces already gone are fine. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "phone.h"
#include "../format/format.h"
#include "../netns/netns.h"
#include "../nl/nl.h"

static void say(int out, const char *what, const char *name)
{
	if (out >= 0)
		format_print(out, "down: removed %s %s\n", what, name);
}

int phone_remove_pins(const char *host_device)
{
	static const char *const pins[] = { "primary", "peer" };
	char path[256];
	int error = 0;

	for (size_t index = 0; index < 2; index++) {
		format_string(path, sizeof(path), "%s/%s/%s", PHONE_PIN_ROOT, host_device, pins[index]);
		if (unlink(path) < 0 && errno != ENOENT)
			error = -errno;
	}
	format_string(path, sizeof(path), "%s/%s", PHONE_PIN_ROOT, host_device);
	if (rmdir(path) < 0 && errno != ENOENT && error == 0)
		error = -errno;
	return error;
}

int phone_remove_end(struct nl_socket *host, const struct owned_end *record, int out, struct report *report)
{
	struct nl_link_info device;
	uint64_t inode = netns_inode(record->netns);
	int error = phone_remove_pins(record->host_device);

	if (error < 0)
		return report_error(report, error, "removing the pins of %s under %s: %s", record->host_device,
				    PHONE_PIN_ROOT, error_text(-error));
	say(out, "the wire on", record->host_device);
	/* Deleting the host side deletes its peer in the namespace too. */
	if (nl_link_get(host, record->host_device, &device) == 0) {
		if (device.ifindex != record->host_ifindex) {
			if (out >= 0)
				format_print(out, "down: left device %s alone: it is not the one yogurt made\n",
					     record->host_device);
		} else if ((error = nl_link_delete(host, record->host_device)) < 0 && error != -ENODEV) {
			return report_error(report, error, "deleting device %s: %s%s%s", record->host_device,
					    error_text(-error), host->error[0] ? ": " : "", host->error);
		} else {
			say(out, "device", record->host_device);
		}
	}
	if (inode && inode != record->netns_inode) {
		if (out >= 0)
			format_print(out, "down: left namespace %s alone: it is not the one yogurt made\n", record->netns);
	} else if (inode) {
		error = netns_delete(record->netns);
		if (error < 0 && error != -ENOENT)
			return report_error(report, error, "deleting namespace %s: %s", record->netns, error_text(-error));
		say(out, "namespace", record->netns);
	}
	return 0;
}

int phone_down(int out, struct report *report)
{
	struct nl_socket host;
	struct owned owned;
	int lock = -1, error;

	error = phone_check_capabilities(0, report);
	if (error == 0)
		error = owned_lock(&lock, report);
	if (error < 0)
		return error;
	error = owned_load(&owned, report);
	if (error == 0 && (error = nl_open(&host)) < 0)
		report_error(report, error, "opening rtnetlink: %s", error_text(-error));
	if (error < 0) {
		owned_unlock(lock);
		return error;
	}
	while (error == 0 && owned.count > 0) {
		struct owned_end record = owned.ends[owned.count - 1];

		error = phone_remove_end(&host, &record, out, report);
		if (error == 0) {
			owned_forget(&owned, record.netns);
			error = owned_save(&owned, report);
		}
	}
	nl_close(&host);
	/* The pin root goes only when nothing else is pinned there. */
	if (error == 0 && rmdir(PHONE_PIN_ROOT) == 0)
		format_print(out, "down: removed %s\n", PHONE_PIN_ROOT);
	owned_unlock(lock);
	return error;
}
