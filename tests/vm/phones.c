/* phones.c — configured phones, checked piece by piece on the machine.
 *
 * The tests read an end's key=value words with their own few lines and
 * libc's inet_pton, not with yogurt's parser: a mistake in that parser then
 * shows up as a phone that is not what the words say. Only well-formed words
 * are read here; the broken ones are yogurt's to refuse. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "suite.h"
#include "format/format.h"
#include "netns/netns.h"
#include "nl/nl.h"

#define DEFAULT_MTU 1500

static int read_address(struct phone_end *end, char *text)
{
	char *slash = strchr(text, '/');
	struct phone_address *address;
	int family;

	if (!slash)
		return -EINVAL;
	*slash = '\0';
	family = strchr(text, ':') ? AF_INET6 : AF_INET;
	address = &end->addresses[phone_family_index(family)];
	address->prefix_length = (uint8_t)atoi(slash + 1);
	return inet_pton(family, text, address->bytes) == 1 ? 0 : -EINVAL;
}

int end_from_words(struct phone_end *end, const char *words, const char *separators)
{
	char copy[512], *save = NULL;

	memset(end, 0, sizeof(*end));
	end->mode = NETKIT_L3;
	format_string(copy, sizeof(copy), "%s", words);
	for (char *word = strtok_r(copy, separators, &save); word; word = strtok_r(NULL, separators, &save)) {
		char *value = strchr(word, '=');

		if (!value)
			return -EINVAL;
		*value++ = '\0';
		if (strcmp(word, "netns") == 0)
			format_string(end->netns, sizeof(end->netns), "%s", value);
		else if (strcmp(word, "host") == 0)
			format_string(end->host_device, sizeof(end->host_device), "%s", value);
		else if (strcmp(word, "device") == 0)
			format_string(end->device, sizeof(end->device), "%s", value);
		else if (strcmp(word, "address") == 0) {
			if (read_address(end, value) < 0)
				return -EINVAL;
		} else if (strcmp(word, "mtu") == 0)
			end->mtu = (uint32_t)atoi(value);
		else if (strcmp(word, "mode") == 0)
			end->mode = strcmp(value, "l2") == 0 ? NETKIT_L2 : NETKIT_L3;
		else
			return -EINVAL;
	}
	return end->netns[0] && end->host_device[0] && end->device[0] ? 0 : -EINVAL;
}

int phone_from_words(struct phone *phone, const char *first, const char *second, const char *separators)
{
	memset(phone, 0, sizeof(*phone));
	if (end_from_words(&phone->ends[0], first, separators) < 0)
		return -EINVAL;
	return end_from_words(&phone->ends[1], second, separators);
}

int write_text_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t length = strlen(text);
	int ok = fd >= 0 && write(fd, text, length) == (ssize_t)length;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -EIO;
}

/* A problem found: the first one is kept for the failure message. */
struct findings {
	char *why;
	size_t size;
	int problems;
};

static void found(struct findings *findings, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void found(struct findings *findings, const char *format, ...)
{
	va_list arguments;

	if (findings->problems++ == 0) {
		va_start(arguments, format);
		format_string_list(findings->why, findings->size, format, arguments);
		va_end(arguments);
	}
}

/* One device of a pair: netkit, the right side, mode, up, MTU. */
static void check_device(struct findings *findings, struct nl_socket *socket, const struct phone_end *end,
			 const char *name, int primary)
{
	uint32_t mtu = end->mtu ? end->mtu : DEFAULT_MTU;
	/* netkit clears IFF_NOARP in L2 mode only: a witness of the mode that
	 * does not depend on reading IFLA_NETKIT_MODE (L2 is 0, like a missing value). */
	uint32_t noarp = end->mode == NETKIT_L2 ? 0 : IFF_NOARP;
	struct nl_link_info link;

	if (nl_link_get(socket, name, &link) < 0)
		found(findings, "device %s is missing", name);
	else if (strcmp(link.kind, "netkit") != 0 || link.netkit_primary != primary || link.netkit_mode != end->mode ||
		 (link.flags & IFF_NOARP) != noarp)
		found(findings, "device %s: kind \"%s\", primary %d, mode %u, flags 0x%x; expected netkit, primary %d, "
		      "mode %u, NOARP %s", name, link.kind, link.netkit_primary, link.netkit_mode, link.flags, primary,
		      end->mode, noarp ? "set" : "clear");
	else if (!(link.flags & IFF_UP) || link.mtu != mtu)
		found(findings, "device %s: %s, MTU %u; expected up, MTU %u", name, link.flags & IFF_UP ? "up" : "down",
		      link.mtu, mtu);
}

struct address_count {
	const struct phone_end *end;
	int configured, others;
};

static int count_address(const struct nl_address *address, void *context)
{
	struct address_count *count = context;
	const struct phone_end *end = count->end;

	if (address->scope != RT_SCOPE_UNIVERSE)
		return 0;	/* the kernel's own link-local addresses */
	if (phone_end_has_address(end, address->family, address->address, address->prefix_length))
		count->configured++;
	else
		count->others++;
	return 0;
}

/* Inside the end's namespace: its device, and exactly its addresses. */
static void check_inside(struct findings *findings, const struct phone_end *end)
{
	struct address_count count = { .end = end };
	int wanted = !!end->addresses[PHONE_IPV4].prefix_length +
		     !!end->addresses[PHONE_IPV6].prefix_length;
	int netns = netns_open(end->netns);
	struct nl_link_info link;
	struct nl_socket inside;

	if (netns < 0 || nl_open_in_netns(&inside, netns) < 0) {
		found(findings, "namespace %s cannot be entered", end->netns);
		if (netns >= 0)
			close(netns);
		return;
	}
	close(netns);
	check_device(findings, &inside, end, end->device, 0);
	if (nl_link_get(&inside, end->device, &link) == 0 &&
	    (nl_address_list(&inside, link.ifindex, count_address, &count) < 0 || count.configured != wanted ||
	     count.others != 0))
		found(findings, "%s in %s: %d of %d configured addresses, %d others", end->device, end->netns,
		      count.configured, wanted, count.others);
	nl_close(&inside);
}

int configured_phone_present(const struct phone *phone, char *why, size_t size)
{
	struct findings findings = { why, size, 0 };
	struct nl_socket host;

	why[0] = '\0';
	if (nl_open(&host) < 0)
		return 0;
	for (int side = 0; side < 2; side++) {
		const struct phone_end *end = &phone->ends[side];
		char path[256];

		format_string(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, end->netns);
		if (!path_exists(path)) {
			found(&findings, "namespace %s is missing", end->netns);
			continue;
		}
		check_device(&findings, &host, end, end->host_device, 1);
		check_inside(&findings, end);
		for (int hook = 0; hook < 2; hook++) {
			format_string(path, sizeof(path), "%s/%s/%s", PHONE_PIN_ROOT, end->host_device,
				      hook ? "peer" : "primary");
			if (!path_exists(path))
				found(&findings, "pin %s is missing", path);
		}
	}
	nl_close(&host);
	return findings.problems == 0;
}

int configured_phone_gone(const struct phone *phone, char *why, size_t size)
{
	struct findings findings = { why, size, 0 };

	why[0] = '\0';
	for (int side = 0; side < 2; side++) {
		const struct phone_end *end = &phone->ends[side];
		char path[256];

		format_string(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, end->netns);
		if (path_exists(path))
			found(&findings, "namespace %s is still there", end->netns);
		if (if_nametoindex(end->host_device) != 0)
			found(&findings, "device %s is still there", end->host_device);
		format_string(path, sizeof(path), "%s/%s", PHONE_PIN_ROOT, end->host_device);
		if (path_exists(path))
			found(&findings, "pin directory %s is still there", path);
	}
	return findings.problems == 0;
}

int ping_across(const struct phone *phone, char *why, size_t size)
{
	struct findings findings = { why, size, 0 };
	int pings = 0;

	why[0] = '\0';
	for (int from = 0; from < 2; from++) {
		const struct phone_end *end = &phone->ends[from], *other = &phone->ends[!from];
		int netns = netns_open(end->netns);

		for (int family = 0; family < PHONE_FAMILIES; family++) {
			const void *to = other->addresses[family].bytes;
			int error;

			if (!end->addresses[family].prefix_length)
				continue;
			error = netns < 0 ? netns : probe_ping(netns, phone_families[family].family, to, 56, 3000,
							       NULL);
			pings++;
			if (error < 0)
				found(&findings, "ping%s %s -> %s: %s", family == PHONE_IPV6 ? "6" : "", end->netns,
				      other->netns, strerror(-error));
		}
		if (netns >= 0)
			close(netns);
	}
	if (pings == 0)
		found(&findings, "no address to ping");
	return findings.problems == 0;
}

uint32_t device_mtu(const char *netns_name, const char *device)
{
	struct nl_link_info link = { .mtu = 0 };
	struct nl_socket socket;
	int netns = netns_name ? netns_open(netns_name) : -1, error;

	if (netns_name && netns < 0)
		return 0;
	error = netns_name ? nl_open_in_netns(&socket, netns) : nl_open(&socket);
	if (netns >= 0)
		close(netns);
	if (error < 0)
		return 0;
	nl_link_get(&socket, device, &link);
	nl_close(&socket);
	return link.mtu;
}
