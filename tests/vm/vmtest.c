/* vmtest — the VM test suite. Runs as PID 1 in a test initramfs on a kernel
 * with netkit: /init is yogurt, which mounts, brings the phone up and then
 * executes this program (yogurt.init=/bin/vmtest). It checks the phone from
 * the host side, drives /bin/yogurt as a user would, prints KTAP-style
 * lines, and powers the machine off. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/reboot.h>

#include "bpf/bpf.h"
#include "format/format.h"
#include "nl/nl.h"
#include "phone/phone.h"
#include "syscalls/syscalls.h"

#define YOGURT "/bin/yogurt"
#define BULK_BYTES (8u << 20)

struct suite {
	int number, failed;
	struct topology topology;
};

static void check(struct suite *suite, int ok, const char *name, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

/* One KTAP line; format (may be NULL) explains a failure. */
static void check(struct suite *suite, int ok, const char *name, const char *format, ...)
{
	va_list arguments;

	suite->number++;
	suite->failed += !ok;
	printf("%sok %d - %s\n", ok ? "" : "not ", suite->number, name);
	if (!ok && format) {
		printf("# ");
		va_start(arguments, format);
		vprintf(format, arguments);
		va_end(arguments);
		printf("\n");
	}
	fflush(stdout);
}

/* Runs /bin/yogurt with one argument; its stdout and stderr land in output.
 * Returns the exit status (or -1 if it did not exit normally). */
static int run_yogurt(const char *command, char *output, size_t size)
{
	int pipe_fds[2], status = 0;
	size_t length = 0;
	pid_t child;

	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		dup2(pipe_fds[1], 1);
		dup2(pipe_fds[1], 2);
		execl(YOGURT, YOGURT, command, (char *)NULL);
		_exit(127);
	}
	close(pipe_fds[1]);
	for (;;) {
		ssize_t got = read(pipe_fds[0], output + length, size - 1 - length);

		if (got <= 0)
			break;
		length += (size_t)got;
		if (length == size - 1)
			break;
	}
	output[length] = '\0';
	close(pipe_fds[0]);
	if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int count_lines(const char *text)
{
	int lines = 0;

	for (; *text; text++)
		lines += *text == '\n';
	return lines;
}

/* First line of text, for failure comments. */
static const char *first_line(const char *text, char *line, size_t size)
{
	size_t length = strcspn(text, "\n");

	if (length >= size)
		length = size - 1;
	memcpy(line, text, length);
	line[length] = '\0';
	return line;
}

static int path_exists(const char *path)
{
	struct stat status;

	return stat(path, &status) == 0;
}

struct netkit_count {
	int netkit;
	int named_yg;
};

static int count_link(const struct nl_link_info *link, void *context)
{
	struct netkit_count *count = context;

	count->netkit += strcmp(link->kind, "netkit") == 0;
	count->named_yg += strncmp(link->name, "yg", 2) == 0;
	return 0;
}

/* What of the phone is on the machine: namespaces, devices, pins. */
struct leftovers {
	int namespaces, devices, pins;
};

static struct leftovers look_for_leftovers(void)
{
	struct leftovers found = { 0, 0, 0 };
	struct netkit_count count = { 0, 0 };
	struct nl_socket host;
	DIR *directory = opendir(NETNS_RUN_DIR);
	struct dirent *entry;

	while (directory && (entry = readdir(directory)))
		found.namespaces += strncmp(entry->d_name, "yogurt-", 7) == 0;
	if (directory)
		closedir(directory);
	if (nl_open(&host) == 0) {
		nl_link_list(&host, count_link, &count);
		nl_close(&host);
	}
	found.devices = count.netkit + count.named_yg;
	found.pins = path_exists(PHONE_PIN_ROOT);
	return found;
}

static int attached(const char *device, uint32_t attach_type)
{
	uint32_t ids[4], count = 0;
	unsigned int ifindex = if_nametoindex(device);

	if (ifindex == 0 || bpf_netkit_query(ifindex, attach_type, ids, 4, &count) < 0)
		return -1;
	return (int)count;
}

static uint64_t gate_drops(const char *device)
{
	struct wire_count counters[WIRE_COUNTER_MAX];
	unsigned int ifindex = if_nametoindex(device);

	if (ifindex == 0 || wire_read_counters(ifindex, counters) < 0)
		return 0;
	return counters[WIRE_DROPPED_NOT_WIRE].packets;
}

static void test_boot(struct suite *suite)
{
	const struct phone *phone = &suite->topology.phones[0];
	char output[4096], line[200];
	int status, all = 1;

	for (int side = 0; side < 2; side++) {
		char path[128];

		format_string(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, phone->ends[side].netns);
		all &= path_exists(path) && if_nametoindex(phone->ends[side].host_device) != 0;
		format_string(path, sizeof(path), "%s/%s/primary", PHONE_PIN_ROOT, phone->ends[side].host_device);
		all &= path_exists(path);
		format_string(path, sizeof(path), "%s/%s/peer", PHONE_PIN_ROOT, phone->ends[side].host_device);
		all &= path_exists(path);
	}
	check(suite, all, "boot: yogurt as PID 1 built namespaces, devices and pins", "something is missing");
	all = 1;
	for (int side = 0; side < 2; side++)
		all &= attached(phone->ends[side].host_device, BPF_NETKIT_PRIMARY) == 1 &&
		       attached(phone->ends[side].host_device, BPF_NETKIT_PEER) == 1;
	check(suite, all, "boot: one primary and one peer program on each host-side device", NULL);
	status = run_yogurt("status", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "wire_primary") && strstr(output, "wire_peer") &&
		     strstr(output, "state: up") && strstr(output, "10.42.0.2/24"),
	      "status reads the phone back from the kernel", "exit %d: %s", status, first_line(output, line, sizeof(line)));
	if (suite->failed)
		printf("%s", output);
}

static void test_ping(struct suite *suite, int from, const char *name)
{
	const struct phone *phone = &suite->topology.phones[0];
	int netns = netns_open(phone->ends[from].netns);
	int error = netns < 0 ? netns : probe_ping(netns, phone->ends[!from].address, 3000, NULL);

	check(suite, error == 0, name, "%s", strerror(-error));
	if (netns >= 0)
		close(netns);
}

static uint64_t fnv1a(uint64_t hash, const unsigned char *data, size_t length)
{
	for (size_t index = 0; index < length; index++)
		hash = (hash ^ data[index]) * 0x100000001b3ull;
	return hash;
}

/* Child side of a bulk transfer: reads bytes, answers with their hash. */
static void bulk_receiver(int listener, size_t total)
{
	unsigned char buffer[65536];
	uint64_t hash = 0xcbf29ce484222325ull;
	int connection = probe_tcp_accept(listener, 10000);
	size_t received = 0;

	if (connection < 0)
		_exit(2);
	while (received < total) {
		struct pollfd entry = { .fd = connection, .events = POLLIN };
		ssize_t got;

		if (poll(&entry, 1, 10000) <= 0)
			_exit(3);
		got = recv(connection, buffer, sizeof(buffer), 0);
		if (got <= 0 && errno != EAGAIN)
			_exit(4);
		if (got > 0) {
			hash = fnv1a(hash, buffer, (size_t)got);
			received += (size_t)got;
		}
	}
	_exit(probe_send_all(connection, &hash, sizeof(hash), 10000) == 0 ? 0 : 5);
}

/* Sends BULK_BYTES of pseudo-random data from one end to the other over TCP
 * and compares the hash the receiver computed with the sender's. */
static void test_bulk(struct suite *suite, int from, uint16_t port, const char *name)
{
	const struct phone *phone = &suite->topology.phones[0];
	int netns_from = netns_open(phone->ends[from].netns), netns_to = netns_open(phone->ends[!from].netns);
	int listener = probe_tcp_listen(netns_to, phone->ends[!from].address, port), connection = -1, status = -1;
	uint64_t hash = 0xcbf29ce484222325ull, answer = 0, state = 0x9e3779b97f4a7c15ull;
	static unsigned char chunk[65536];
	int error = listener < 0 ? listener : 0;
	pid_t child = -1;

	if (error == 0 && (child = fork()) == 0)
		bulk_receiver(listener, BULK_BYTES);
	if (error == 0)
		error = connection = probe_tcp_connect(netns_from, phone->ends[!from].address, port, 5000);
	for (size_t sent = 0; error >= 0 && sent < BULK_BYTES; sent += sizeof(chunk)) {
		for (size_t index = 0; index < sizeof(chunk); index += 8) {
			state ^= state << 13, state ^= state >> 7, state ^= state << 17;
			memcpy(chunk + index, &state, 8);
		}
		hash = fnv1a(hash, chunk, sizeof(chunk));
		error = probe_send_all(connection, chunk, sizeof(chunk), 10000);
	}
	if (error >= 0)
		error = probe_receive_all(connection, &answer, sizeof(answer), 10000);
	if (child > 0)
		waitpid(child, &status, 0);
	check(suite, error >= 0 && answer == hash, name, "error %d, receiver status %d, hashes %llx/%llx", error, status,
	      (unsigned long long)hash, (unsigned long long)answer);
	for (int *fd = (int[]){ netns_from, netns_to, listener, connection, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
}

/* The host gets an address and a route onto yogurt-2's host-side device and
 * tries to reach yogurt-2: ping, TCP, UDP. None of it may get through. */
static void test_host_cannot_reach(struct suite *suite)
{
	const struct phone_end *target = &suite->topology.phones[0].ends[1];
	struct in_addr host_address = { .s_addr = htonl(0x0a2a0064u) };	/* 10.42.0.100 */
	struct sockaddr_in udp_target = { .sin_family = AF_INET, .sin_addr = target->address, .sin_port = htons(5001) };
	uint64_t drops_before = gate_drops(target->host_device);
	int netns = netns_open(target->netns), listener, udp_listener, sender, error, connected;
	struct sockaddr_in udp_local = udp_target;
	struct nl_socket host;
	char buffer[64];

	error = nl_open(&host);
	if (error == 0)
		error = nl_address_add(&host, if_nametoindex(target->host_device), AF_INET, &host_address, 24);
	check(suite, error == 0, "host: address 10.42.0.100/24 and its route on yg2-host", "%s %s", strerror(-error),
	      host.error);
	error = probe_ping(-1, target->address, 1500, NULL);
	check(suite, error == -ETIMEDOUT, "host: ping to yogurt-2 gets no answer", "ping returned %d (%s)", error,
	      strerror(-error));
	listener = probe_tcp_listen(netns, target->address, 5000);
	connected = probe_tcp_connect(-1, target->address, 5000, 1500);
	error = listener < 0 ? listener : probe_tcp_accept(listener, 200);
	check(suite, connected < 0 && error == -ETIMEDOUT, "host: TCP to yogurt-2 does not connect",
	      "connect %d, accept %d", connected, error);
	udp_listener = probe_socket(netns, AF_INET, SOCK_DGRAM, 0);
	bind(udp_listener, (struct sockaddr *)&udp_local, sizeof(udp_local));
	sender = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sendto(sender, "host", 4, 0, (struct sockaddr *)&udp_target, sizeof(udp_target));
	error = probe_receive_datagram(udp_listener, buffer, sizeof(buffer), 500);
	check(suite, error == -ETIMEDOUT, "host: UDP to yogurt-2 is not delivered", "received %d bytes", error);
	check(suite, gate_drops(target->host_device) > drops_before, "host: the gate counted the host's packets as drops",
	      "drops %llu -> %llu", (unsigned long long)drops_before, (unsigned long long)gate_drops(target->host_device));
	for (int *fd = (int[]){ netns, listener, connected, udp_listener, sender, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	nl_close(&host);
}

static void test_lifecycle(struct suite *suite)
{
	char output[4096], line[300];
	struct leftovers left;
	int status;

	status = run_yogurt("call", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "7 of 7 steps passed"), "yogurt call passes", "exit %d", status);
	if (status != 0)
		printf("%s", output);
	status = run_yogurt("up", output, sizeof(output));
	check(suite, status != 0 && count_lines(output) == 1 && strstr(output, "already exists"),
	      "up on a phone that is up fails in one line", "exit %d: %s", status, output);
	test_ping(suite, 0, "the phone still works after the refused second up");
	status = run_yogurt("down", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, status == 0 && left.namespaces == 0 && left.devices == 0 && left.pins == 0,
	      "down leaves no namespace, device or pin", "exit %d, left: %d namespaces, %d devices, pins %d", status,
	      left.namespaces, left.devices, left.pins);
	status = run_yogurt("down", output, sizeof(output));
	check(suite, status == 0, "down with nothing up succeeds", "exit %d: %s", status, first_line(output, line, sizeof(line)));
	status = run_yogurt("up", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "ready in"), "up as a process exits 0", "exit %d: %s", status,
	      first_line(output, line, sizeof(line)));
	test_ping(suite, 0, "after up exited: ping yogurt-1 -> yogurt-2");
	test_ping(suite, 1, "after up exited: ping yogurt-2 -> yogurt-1");
	status = run_yogurt("call", output, sizeof(output));
	check(suite, status == 0, "after up exited: yogurt call passes", "exit %d", status);
	run_yogurt("down", output, sizeof(output));
}

/* A namespace named like the second yogurt exists (not ours): up must fail
 * in one line, remove everything it made, and leave that namespace alone. */
static void test_rollback(struct suite *suite)
{
	char output[4096];
	struct leftovers left;
	int status, error = netns_add("yogurt-2");

	status = run_yogurt("up", output, sizeof(output));
	left = look_for_leftovers();
	check(suite, error == 0 && status != 0 && count_lines(output) == 1 && strstr(output, "yogurt-2"),
	      "up with yogurt-2 taken fails in one line naming it", "exit %d: %s", status, output);
	check(suite, left.namespaces == 1 && left.devices == 0 && left.pins == 0 && path_exists(NETNS_RUN_DIR "/yogurt-2"),
	      "the failed up rolled back and left the foreign yogurt-2 alone",
	      "left: %d namespaces, %d devices, pins %d", left.namespaces, left.devices, left.pins);
	netns_delete("yogurt-2");
}

/* vmtest.bench=N on the kernel command line: instead of the tests, run
 * `yogurt down` + `yogurt up` N times and print what up reports. */
static int bench_rounds(void)
{
	char command_line[2048];
	const char *found;
	ssize_t length = -1;
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		length = read(fd, command_line, sizeof(command_line) - 1);
		close(fd);
	}
	if (length <= 0)
		return 0;
	command_line[length] = '\0';
	found = strstr(command_line, "vmtest.bench=");
	return found ? atoi(found + strlen("vmtest.bench=")) : 0;
}

static void bench(int rounds)
{
	char output[4096], line[200];

	for (int round = 1; round <= rounds; round++) {
		run_yogurt("down", output, sizeof(output));
		run_yogurt("up", output, sizeof(output));
		printf("bench: round %d: %s\n", round, first_line(output, line, sizeof(line)));
	}
}

int main(void)
{
	struct suite suite = { 0 };
	int rounds = bench_rounds();

	topology_default(&suite.topology);
	if (rounds > 0) {
		bench(rounds);
		printf("vmtest: done\n");
		fflush(stdout);
		sys_reboot(LINUX_REBOOT_CMD_POWER_OFF);
	}
	printf("KTAP version 1\n# vmtest on the phone that yogurt (PID 1) built\n");
	test_boot(&suite);
	test_ping(&suite, 0, "ping yogurt-1 -> yogurt-2");
	test_ping(&suite, 1, "ping yogurt-2 -> yogurt-1");
	test_bulk(&suite, 0, 4300, "TCP 8 MiB yogurt-1 -> yogurt-2, checksum matches");
	test_bulk(&suite, 1, 4301, "TCP 8 MiB yogurt-2 -> yogurt-1, checksum matches");
	test_host_cannot_reach(&suite);
	test_lifecycle(&suite);
	test_rollback(&suite);
	printf("# vmtest: %d passed, %d failed\n", suite.number - suite.failed, suite.failed);
	printf("vmtest: done\n");
	fflush(stdout);
	sync();
	sys_reboot(LINUX_REBOOT_CMD_POWER_OFF);
	for (;;)
		pause();
}
