/* appliance_tests.c — yogurt in firmware: up converges (repairs what was
 * changed by hand, changes nothing when all is in place), down removes only
 * what yogurt made, two runs at once do not trip over each other, and a
 * failure halfway leaves the machine exactly as it was before the run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include "suite.h"
#include "format/format.h"
#include "netns/netns.h"
#include "nl/nl.h"

/* The audit architecture seccomp reports for this build's system calls. */
#if defined(__x86_64__)
#define AUDIT_ARCH_THIS AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_THIS AUDIT_ARCH_AARCH64
#else
#error "which AUDIT_ARCH_* is this architecture's?"
#endif

/* Seccomp filters for run_yogurt_prepared: BPF_PROG_LOAD fails as a
 * refusing verifier would make it, or mount fails as on a locked-down
 * system. */
static int install_filter(int deny_program_load, int deny_mount)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_THIS, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mount, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, deny_mount ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bpf, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BPF_PROG_LOAD, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, deny_program_load ? SECCOMP_RET_ERRNO | EACCES : SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog program = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) < 0)
		return -errno;
	return 0;
}

int deny_program_load(void)
{
	return install_filter(1, 0);
}

static int deny_mount(void)
{
	return install_filter(0, 1);
}

static int has_address(const char *netns, const char *device, const char *text)
{
	char output[8192], needle[64];

	(void)netns, (void)device;
	if (run_yogurt("status -v", output, sizeof(output)) != 0)
		return 0;
	format_string(needle, sizeof(needle), " %s", text);
	return strstr(output, needle) != NULL;
}

static void test_repairs(struct suite *suite)
{
	const struct phone *phone = &suite->topology.phones[0];
	struct in_addr other = { htonl(0x0a2a0009u) };	/* 10.42.0.9 */
	char output[4096], line[300], path[256];
	struct nl_socket host, inside;
	uint32_t ifindex;
	int status, netns, call;

	run_yogurt("up", output, sizeof(output));
	nl_open(&host);
	nl_link_delete(&host, phone->ends[0].host_device);
	nl_close(&host);
	status = run_yogurt("up", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "devices") && phone_works(suite) == 0,
	      "up after a host-side device was deleted by hand makes it again, and the phone works",
	      "exit %d: %s", status, first_line(output, line, sizeof(line)));

	format_string(path, sizeof(path), "%s/%s/peer", PHONE_PIN_ROOT, phone->ends[1].host_device);
	unlink(path);
	status = run_yogurt("up", output, sizeof(output));
	first_line(output, line, sizeof(line));
	call = run_yogurt("call", output, sizeof(output));
	check(suite, status == 0 && strstr(line, "wire") && path_exists(path) && call == 0,
	      "up after a pin was removed attaches the wire again, gate and all", "up exit %d: %s\ncall exit %d: %s",
	      status, line, call, output);

	netns = netns_open(phone->ends[0].netns);
	if (nl_open_in_netns(&inside, netns) == 0) {
		nl_link_index(&inside, phone->ends[0].device, &ifindex);
		nl_address_delete(&inside, ifindex, AF_INET, phone->ends[0].addresses[PHONE_IPV4].bytes,
				  phone->ends[0].addresses[PHONE_IPV4].prefix_length);
		nl_address_add(&inside, ifindex, AF_INET, &other, 24);
		nl_close(&inside);
	}
	close(netns);
	status = run_yogurt("up", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "addresses") && has_address("yogurt-1", "yg1-cont", "10.42.0.1/24") &&
		     !has_address("yogurt-1", "yg1-cont", "10.42.0.9/24") && phone_works(suite) == 0,
	      "up after an address was changed by hand puts the configured one back", "exit %d: %s", status,
	      first_line(output, line, sizeof(line)));
	status = run_yogurt("up", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "already up, nothing changed"), "and the next up changes nothing",
	      "exit %d: %s", status, first_line(output, line, sizeof(line)));
}

/* Somebody replaces yogurt-1 with a namespace of their own: down must
 * remove the rest and leave theirs alone. */
static void test_foreign_namespace(struct suite *suite)
{
	char output[4096];
	int status;

	netns_delete("yogurt-1");
	netns_add("yogurt-1");
	status = run_yogurt("down", output, sizeof(output));
	check(suite, status == 0 && strstr(output, "left namespace yogurt-1 alone") && path_exists("/run/netns/yogurt-1") &&
		     !path_exists("/run/netns/yogurt-2") && if_nametoindex("yg2-host") == 0,
	      "down leaves a namespace with yogurt's name that yogurt did not make", "exit %d: %s", status, output);
	netns_delete("yogurt-1");
}

static void test_concurrent(struct suite *suite)
{
	char output[2][4096];
	struct leftovers left;
	int status[2], pipes[2][2];
	pid_t children[2];

	/* Two ups at once: the lock makes one wait for the other. */
	for (int run = 0; run < 2; run++) {
		pipe2(pipes[run], O_CLOEXEC);
		children[run] = fork();
		if (children[run] == 0) {
			dup2(pipes[run][1], 1);
			dup2(pipes[run][1], 2);
			execl(YOGURT, YOGURT, "up", (char *)NULL);
			_exit(127);
		}
		close(pipes[run][1]);
	}
	for (int run = 0; run < 2; run++) {
		size_t length = 0;

		for (ssize_t got; length < sizeof(output[run]) - 1 &&
				  (got = read(pipes[run][0], output[run] + length, sizeof(output[run]) - 1 - length)) > 0;)
			length += (size_t)got;
		output[run][length] = '\0';
		close(pipes[run][0]);
		waitpid(children[run], &status[run], 0);
	}
	left = look_for_leftovers();
	check(suite, WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 0 && WIFEXITED(status[1]) &&
		     WEXITSTATUS(status[1]) == 0 && left.namespaces == 2 && left.devices == 2 && phone_works(suite) == 0,
	      "two ups at once: both succeed, one phone, working", "%s | %s", output[0], output[1]);
}

static void expect_rollback(struct suite *suite, const char *name, int status, const char *output,
			    const char *before, const char *expected_words)
{
	char after[SNAPSHOT_SIZE];

	snapshot(after);
	check(suite, status != 0 && count_lines(output) == 1 && strstr(output, expected_words) &&
		     strcmp(before, after) == 0, name, "exit %d: %s; before:\n%s# after:\n%s", status, output, before, after);
}

static void test_rollbacks(struct suite *suite)
{
	struct topology three;
	struct phone phones[3];
	struct report report = { .message = "" };
	char before[SNAPSHOT_SIZE], output[4096];
	struct netkit_pair squatter = {
		.primary_name = "yg6-host", .peer_name = "squatter", .policy = NETKIT_PASS,
		.peer_policy = NETKIT_PASS, .mode = NETKIT_L3, .peer_netns_fd = -1,
	};
	struct nl_socket host;
	int status, error;

	/* Three phones; the third one's host device name is already taken. */
	three = suite->topology;
	three.phones = phones;
	three.count = 3;
	phones[0] = suite->topology.phones[0];
	for (int index = 1; index < 3; index++)
		for (int side = 0; side < 2; side++) {
			struct phone_end *end = &three.phones[index].ends[side];
			int number = 2 * index + side + 1;

			*end = three.phones[0].ends[side];
			format_string(end->netns, sizeof(end->netns), "yogurt-%d", number);
			format_string(end->host_device, sizeof(end->host_device), "yg%d-host", number);
			format_string(end->device, sizeof(end->device), "yg%d-cont", number);
			end->addresses[PHONE_IPV4].bytes[2] = (uint8_t)index;	/* 10.42.INDEX.1, .2 */
			end->addresses[PHONE_IPV6].bytes[3] = (uint8_t)index;
		}
	nl_open(&host);
	nl_netkit_create(&host, &squatter);
	snapshot(before);
	error = phone_up(&three, -1, &report, NULL);
	format_string(output, sizeof(output), "%s\n", report.message);
	expect_rollback(suite, "up of three phones, the third's device name taken: everything rolled back",
			error < 0 ? 1 : 0, output, before, "yg6-host");
	nl_link_delete(&host, "yg6-host");
	nl_close(&host);

	/* A multicast address on the second end (the config check would refuse
	 * it first; this goes straight to the kernel, which says no). */
	three = suite->topology;
	three.phones = phones;
	three.count = 1;
	phones[0] = suite->topology.phones[0];
	three.phones[0].ends[1].addresses[PHONE_IPV6].bytes[0] = 0xff;
	snapshot(before);
	error = phone_up(&three, -1, &report, NULL);
	format_string(output, sizeof(output), "%s\n", report.message);
	expect_rollback(suite, "the kernel refuses an address: one line with its words, everything rolled back",
			error < 0 ? 1 : 0, output, before, "kernel:");

	snapshot(before);
	status = run_yogurt_prepared("up", deny_program_load, output, sizeof(output));
	expect_rollback(suite, "the kernel refuses to load the wire: one line, everything rolled back", status, output,
			before, "refused");

	umount2(PHONE_BPFFS, MNT_DETACH);
	snapshot(before);
	status = run_yogurt_prepared("up", deny_mount, output, sizeof(output));
	expect_rollback(suite, "bpffs missing and not mountable: one line naming it, nothing left behind", status, output,
			before, "bpffs");
	mount("bpf", PHONE_BPFFS, "bpf", 0, "mode=0700");
}

void test_appliance(struct suite *suite)
{
	char output[4096];

	test_repairs(suite);
	test_foreign_namespace(suite);
	run_yogurt("down", output, sizeof(output));
	test_concurrent(suite);
	run_yogurt("down", output, sizeof(output));
	test_rollbacks(suite);
}
