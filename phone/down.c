/* down.c — removes what up built: pins, devices, namespaces. Pieces that are
 * already gone are fine; anything else that fails is reported. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "phone.h"
#include "../nl/nl.h"
#include "../format/format.h"

static void say(FILE *out, const char *what, const char *name)
{
	if (out)
		format_print(out, "down: removed %s %s\n", what, name);
}

static int remove_pins(const struct phone_end *end, FILE *out, struct report *report)
{
	static const char *const pins[] = { "primary", "peer" };
	char path[256];

	for (size_t index = 0; index < 2; index++) {
		format_string(path, sizeof(path), "%s/%s/%s", PHONE_PIN_ROOT, end->host_device, pins[index]);
		if (unlink(path) == 0)
			say(out, "pin", path);
		else if (errno != ENOENT)
			return report_error(report, -errno, "removing %s: %s", path, strerror(errno));
	}
	format_string(path, sizeof(path), "%s/%s", PHONE_PIN_ROOT, end->host_device);
	if (rmdir(path) < 0 && errno != ENOENT)
		return report_error(report, -errno, "removing %s: %s", path, strerror(errno));
	return 0;
}

static int remove_end(struct nl_socket *host, const struct phone_end *end, FILE *out, struct report *report)
{
	int error = remove_pins(end, out, report);

	if (error < 0)
		return error;
	/* Deleting the host side deletes its peer in the namespace too. */
	error = nl_link_delete(host, end->host_device);
	if (error == 0)
		say(out, "device", end->host_device);
	else if (error != -ENODEV)
		return report_error(report, error, "deleting device %s: %s%s%s", end->host_device, strerror(-error),
				    host->error[0] ? ": " : "", host->error);
	error = netns_delete(end->netns);
	if (error == 0)
		say(out, "namespace", end->netns);
	else if (error != -ENOENT)
		return report_error(report, error, "deleting namespace %s: %s", end->netns, strerror(-error));
	return 0;
}

int phone_down(const struct topology *topology, FILE *out, struct report *report)
{
	struct nl_socket host;
	int error = nl_open(&host);

	if (error < 0)
		return report_error(report, error, "opening rtnetlink: %s", strerror(-error));
	for (size_t index = 0; index < topology->count && error == 0; index++)
		for (int side = 0; side < 2 && error == 0; side++)
			error = remove_end(&host, &topology->phones[index].ends[side], out, report);
	nl_close(&host);
	/* The pin root goes only when no other phone still uses it. */
	if (error == 0 && rmdir(PHONE_PIN_ROOT) == 0)
		say(out, "pin directory", PHONE_PIN_ROOT);
	return error;
}
