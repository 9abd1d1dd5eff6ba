/* rtnetlink.c — the rtnetlink sockets the commands open, here and inside
 * a phone's namespace. */
#include "internal.h"

int phone_open_rtnetlink(struct nl_socket *socket, struct report *report)
{
	int error = nl_open(socket);

	return error < 0 ? report_kernel(report, error, NULL, "opening rtnetlink: %s",
					 error_text(-error)) : 0;
}

int phone_inside_device(int netns_fd, const char *name, struct nl_socket *inside,
			struct nl_link_info *device)
{
	int error = nl_open_in_netns(inside, netns_fd);

	if (error < 0) {
		inside->fd = -1;
		return error;
	}
	return nl_link_get(inside, name, device);
}
