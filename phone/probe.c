/* probe.c — small network checks across namespaces: ping, TCP, UDP, and
 * AF_PACKET injection. One process does both ends: a socket belongs to the
 * namespace it was created in, so it is created there and used from home. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "phone.h"
#include "../nl/nl.h"

int probe_socket(int netns_fd, int domain, int type, int protocol)
{
	int home = -1, fd, error;

	if (netns_fd >= 0) {
		home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0)
			home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0)
			return -errno;
		error = netns_enter(netns_fd);
		if (error < 0) {
			close(home);
			return error;
		}
	}
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	error = fd < 0 ? -errno : 0;
	if (home >= 0) {
		if (netns_enter(home) < 0) {
			/* Stranded in the wrong namespace: nothing later is safe. */
			if (fd >= 0)
				close(fd);
			close(home);
			return -EXDEV;
		}
		close(home);
	}
	return error < 0 ? error : fd;
}

static int64_t now_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

/* Milliseconds left until deadline (in microseconds), never negative. */
static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_us();

	return left > 0 ? (int)(left / 1000) : 0;
}

/* Waits for events on fd; -ETIMEDOUT after timeout_ms. */
static int wait_for(int fd, short events, int timeout_ms)
{
	struct pollfd entry = { .fd = fd, .events = events };
	int ready = poll(&entry, 1, timeout_ms);

	if (ready < 0)
		return -errno;
	return ready == 0 ? -ETIMEDOUT : 0;
}

static uint16_t checksum(const void *data, size_t length)
{
	const uint8_t *bytes = data;
	uint32_t sum = 0;

	for (size_t index = 0; index + 1 < length; index += 2)
		sum += (uint32_t)(bytes[index] << 8 | bytes[index + 1]);
	if (length & 1)
		sum += (uint32_t)bytes[length - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

int probe_ping(int netns_fd, struct in_addr to, int timeout_ms, uint64_t *rtt_us)
{
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr = to };
	struct icmphdr request = { .type = ICMP_ECHO };
	uint16_t identifier = (uint16_t)(getpid() ^ now_us());
	int64_t start, deadline;
	int fd, error = 0;

	fd = probe_socket(netns_fd, AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0)
		return fd;
	request.un.echo.id = htons(identifier);
	request.un.echo.sequence = htons(1);
	request.checksum = checksum(&request, sizeof(request));
	start = now_us();
	deadline = start + (int64_t)timeout_ms * 1000;
	if (sendto(fd, &request, sizeof(request), 0, (struct sockaddr *)&address, sizeof(address)) < 0)
		error = -errno;
	while (error == 0) {
		unsigned char packet[1500];
		const struct icmphdr *reply;
		struct ip header;
		ssize_t length;

		error = wait_for(fd, POLLIN, remaining_ms(deadline));
		if (error < 0)
			break;
		length = recv(fd, packet, sizeof(packet), 0);
		if (length < (ssize_t)sizeof(header))
			continue;
		/* A raw socket sees every ICMP message: keep only our reply. */
		memcpy(&header, packet, sizeof(header));
		if (length < (ssize_t)(header.ip_hl * 4 + sizeof(*reply)) || header.ip_src.s_addr != to.s_addr)
			continue;
		reply = (const struct icmphdr *)(packet + header.ip_hl * 4);
		if (reply->type == ICMP_ECHOREPLY && reply->un.echo.id == htons(identifier)) {
			if (rtt_us)
				*rtt_us = (uint64_t)(now_us() - start);
			break;
		}
	}
	close(fd);
	return error;
}

int probe_ping6(int netns_fd, const struct in6_addr *to, int timeout_ms, uint64_t *rtt_us)
{
	struct sockaddr_in6 address = { .sin6_family = AF_INET6, .sin6_addr = *to };
	struct icmp6_hdr request = { .icmp6_type = ICMP6_ECHO_REQUEST };
	uint16_t identifier = (uint16_t)(getpid() ^ now_us());
	int64_t start, deadline;
	int fd, error = 0;

	/* The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket. */
	fd = probe_socket(netns_fd, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0)
		return fd;
	request.icmp6_id = htons(identifier);
	request.icmp6_seq = htons(1);
	start = now_us();
	deadline = start + (int64_t)timeout_ms * 1000;
	if (sendto(fd, &request, sizeof(request), 0, (struct sockaddr *)&address, sizeof(address)) < 0)
		error = -errno;
	while (error == 0) {
		struct icmp6_hdr reply;
		struct sockaddr_in6 from;
		socklen_t from_size = sizeof(from);
		ssize_t length;

		error = wait_for(fd, POLLIN, remaining_ms(deadline));
		if (error < 0)
			break;
		/* Raw ICMPv6 sockets get the message without the IPv6 header. */
		length = recvfrom(fd, &reply, sizeof(reply), 0, (struct sockaddr *)&from, &from_size);
		if (length < (ssize_t)sizeof(reply) || memcmp(&from.sin6_addr, to, sizeof(*to)) != 0)
			continue;
		if (reply.icmp6_type == ICMP6_ECHO_REPLY && reply.icmp6_id == htons(identifier)) {
			if (rtt_us)
				*rtt_us = (uint64_t)(now_us() - start);
			break;
		}
	}
	close(fd);
	return error;
}

int probe_tcp_listen(int netns_fd, struct in_addr address, uint16_t port)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr = address, .sin_port = htons(port) };
	int one = 1, fd = probe_socket(netns_fd, AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 || listen(fd, 4) < 0) {
		int error = -errno;

		close(fd);
		return error;
	}
	return fd;
}

int probe_tcp_connect(int netns_fd, struct in_addr to, uint16_t port, int timeout_ms)
{
	struct sockaddr_in remote = { .sin_family = AF_INET, .sin_addr = to, .sin_port = htons(port) };
	int fd = probe_socket(netns_fd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int error = 0, status = 0;
	socklen_t size = sizeof(status);

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&remote, sizeof(remote)) < 0) {
		if (errno != EINPROGRESS)
			error = -errno;
		else if ((error = wait_for(fd, POLLOUT, timeout_ms)) == 0 &&
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &size) == 0 && status != 0)
			error = -status;
	}
	if (error < 0) {
		close(fd);
		return error;
	}
	return fd;
}

int probe_tcp_accept(int listener, int timeout_ms)
{
	int error = wait_for(listener, POLLIN, timeout_ms), fd;

	if (error < 0)
		return error;
	fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int probe_send_all(int fd, const void *data, size_t length, int timeout_ms)
{
	const unsigned char *bytes = data;

	while (length > 0) {
		ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL | MSG_DONTWAIT);
		int error;

		if (sent > 0) {
			bytes += sent;
			length -= (size_t)sent;
			continue;
		}
		if (sent < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		error = wait_for(fd, POLLOUT, timeout_ms);
		if (error < 0)
			return error;
	}
	return 0;
}

int probe_receive_all(int fd, void *data, size_t length, int timeout_ms)
{
	unsigned char *bytes = data;

	while (length > 0) {
		ssize_t got = recv(fd, bytes, length, MSG_DONTWAIT);
		int error;

		if (got > 0) {
			bytes += got;
			length -= (size_t)got;
			continue;
		}
		if (got == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		error = wait_for(fd, POLLIN, timeout_ms);
		if (error < 0)
			return error;
	}
	return 0;
}

int probe_receive_datagram(int fd, void *data, size_t length, int timeout_ms)
{
	int error = wait_for(fd, POLLIN, timeout_ms);
	ssize_t got;

	if (error < 0)
		return error;
	got = recv(fd, data, length, MSG_DONTWAIT);
	return got < 0 ? -errno : (int)got;
}

int probe_inject_udp(const char *device, struct in_addr from, struct in_addr to, uint16_t port,
		     const void *payload, size_t length)
{
	unsigned char frame[ETH_HLEN + sizeof(struct ip) + sizeof(struct udphdr) + 512];
	struct ip ip = { .ip_v = 4, .ip_hl = 5, .ip_ttl = 64, .ip_p = IPPROTO_UDP, .ip_src = from, .ip_dst = to };
	struct udphdr udp = { .uh_sport = htons(port), .uh_dport = htons(port) };
	struct sockaddr_ll link = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_halen = ETH_ALEN };
	size_t total = ETH_HLEN + sizeof(ip) + sizeof(udp) + length;
	uint16_t ethertype = htons(ETH_P_IP);
	int fd, error = 0;

	if (length > 512)
		return -EMSGSIZE;
	link.sll_ifindex = (int)if_nametoindex(device);
	if (link.sll_ifindex == 0)
		return -ENODEV;
	ip.ip_len = htons((uint16_t)(total - ETH_HLEN));
	ip.ip_sum = checksum(&ip, sizeof(ip));
	udp.uh_ulen = htons((uint16_t)(sizeof(udp) + length));	/* checksum 0: none, fine for IPv4 */
	memset(frame, 0, ETH_HLEN);
	memcpy(frame + 2 * ETH_ALEN, &ethertype, sizeof(ethertype));
	memcpy(frame + ETH_HLEN, &ip, sizeof(ip));
	memcpy(frame + ETH_HLEN + sizeof(ip), &udp, sizeof(udp));
	memcpy(frame + ETH_HLEN + sizeof(ip) + sizeof(udp), payload, length);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, frame, total, 0, (struct sockaddr *)&link, sizeof(link)) < 0)
		error = -errno;
	close(fd);
	return error;
}
