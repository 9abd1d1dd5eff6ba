/* harness.c — the VM test suite's PID 1: runs the suites (or, with
 * vmtest.bench=N on the kernel command line, times `yogurt up`), prints
 * KTAP-style lines and powers the machine off. /init (yogurt) built the
 * default phone before handing over to this program. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/reboot.h>
#include <linux/veth.h>

#include "suite.h"
#include "bpf/bpf.h"
#include "wire/wire.h"
#include "format/format.h"
#include "netns/netns.h"
#include "nl/nl.h"
#include "syscalls/syscalls.h"

void read_output(int fd, char *output, size_t size)
{
	size_t length = 0;

	while (length < size - 1) {
		ssize_t got = read(fd, output + length, size - 1 - length);

		if (got <= 0)
			break;
		length += (size_t)got;
	}
	output[length] = '\0';
	close(fd);
}

int run_program(char *const arguments[], int (*prepare)(void), char *output, size_t size)
{
	int pipe_fds[2], status = 0;
	pid_t child;

	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		dup2(pipe_fds[1], 1);
		dup2(pipe_fds[1], 2);
		if (prepare && prepare() < 0)
			_exit(126);
		execv(arguments[0], arguments);
		_exit(127);
	}
	close(pipe_fds[1]);
	read_output(pipe_fds[0], output, size);
	if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int run_yogurt_prepared(const char *command, int (*prepare)(void), char *output, size_t size)
{
	char words[256], *arguments[8] = { YOGURT };
	int count = 1;

	/* The command line is split on spaces: no quoting needed here. */
	format_string(words, sizeof(words), "%s", command);
	for (char *word = strtok(words, " "); word && count < 7; word = strtok(NULL, " "))
		arguments[count++] = word;
	arguments[count] = NULL;
	return run_program(arguments, prepare, output, size);
}

int run_yogurt(const char *command, char *output, size_t size)
{
	return run_yogurt_prepared(command, NULL, output, size);
}

int occurrences(const char *text, const char *needle)
{
	int count = 0;

	for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
		count++;
	return count;
}

int count_lines(const char *text)
{
	int lines = 0;

	for (; *text; text++)
		lines += *text == '\n';
	return lines;
}

const char *first_line(const char *text, char *line, size_t size)
{
	size_t length = strcspn(text, "\n");

	if (length >= size)
		length = size - 1;
	memcpy(line, text, length);
	line[length] = '\0';
	return line;
}

int path_exists(const char *path)
{
	struct stat status;

	return stat(path, &status) == 0;
}

static int count_link(const struct nl_link_info *link, void *context)
{
	int *devices = context;

	*devices += strcmp(link->kind, "netkit") == 0 || strncmp(link->name, "yg", 2) == 0;
	return 0;
}

struct leftovers look_for_leftovers(void)
{
	struct leftovers found = { 0, 0, 0 };
	struct nl_socket host;
	DIR *directory = opendir(NETNS_RUN_DIR);
	struct dirent *entry;

	while (directory && (entry = readdir(directory)))
		found.namespaces += strncmp(entry->d_name, "yogurt-", 7) == 0;
	if (directory)
		closedir(directory);
	if (nl_open(&host) == 0) {
		nl_link_list(&host, count_link, &found.devices);
		nl_close(&host);
	}
	found.pins = path_exists(PHONE_PIN_ROOT);
	return found;
}

static uint64_t wire_counter(const char *device, enum wire_counter counter)
{
	struct wire_count counters[WIRE_COUNTER_MAX];
	unsigned int ifindex = if_nametoindex(device);

	if (ifindex == 0 || wire_read_counters(ifindex, counters) < 0)
		return 0;
	return counters[counter].packets;
}

uint64_t gate_drops(const char *device)
{
	return wire_counter(device, WIRE_DROPPED_NOT_WIRE);
}

uint64_t wire_passed(const char *device)
{
	return wire_counter(device, WIRE_PASSED);
}

int phone_works(struct suite *suite)
{
	const struct phone *phone = &suite->topology.phones[0];
	int netns = netns_open(phone->ends[0].netns), error;

	if (netns < 0)
		return netns;
	error = probe_ping(netns, AF_INET, phone->ends[1].addresses[PHONE_IPV4].bytes, 0, 2000, NULL);
	close(netns);
	return error;
}

int veth_pair_create(struct nl_socket *host, const char *name, const char *peer_name)
{
	_Alignas(struct nlmsghdr) char buffer[1024];
	struct nl_message message;
	struct ifinfomsg *header, *peer;
	struct nlattr *info, *data, *peer_info;

	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	header = nl_put_header(&message, sizeof(*header));
	nl_put_string(&message, IFLA_IFNAME, name);
	info = nl_nest_start(&message, IFLA_LINKINFO);
	nl_put_string(&message, IFLA_INFO_KIND, "veth");
	data = nl_nest_start(&message, IFLA_INFO_DATA);
	peer_info = nl_nest_start(&message, VETH_INFO_PEER);
	peer = nl_put_header(&message, sizeof(*peer));
	nl_put_string(&message, IFLA_IFNAME, peer_name);
	nl_nest_end(&message, peer_info);
	nl_nest_end(&message, data);
	nl_nest_end(&message, info);
	if (!header || !peer)
		return -EMSGSIZE;
	return nl_request(host, &message);
}

const char *command_line(void)
{
	static char text[2048];
	static int read_already;
	ssize_t length = -1;
	int fd;

	if (read_already)
		return text;
	read_already = 1;
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		length = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[length > 0 ? length : 0] = '\0';
	return text;
}

/* The value of `key` (which ends in '=') on the kernel command line, up to
 * the next space; "" if it is not there. */
static const char *command_line_word(const char *key, char *value, size_t size)
{
	const char *found = strstr(command_line(), key);
	size_t length = found ? strcspn(found + strlen(key), " \n") : 0;

	if (length >= size)
		length = size - 1;
	memcpy(value, found ? found + strlen(key) : "", length);
	value[length] = '\0';
	return value;
}

/* The number after `key` on the kernel command line, 0 if it is not there.
 * vmtest.bench=N: figures instead of tests, with N rounds of `yogurt down`
 * + `yogurt up` (bench.c); vmtest.no_netkit=1: a kernel without netkit;
 * vmtest.modules=1: modules packed into the image (modules_tests.c). */
static int command_line_number(const char *key)
{
	const char *found = strstr(command_line(), key);

	return found ? atoi(found + strlen(key)) : 0;
}

/* The main boot's suites, in the order they run: each leaves the phone
 * PID 1 built as it found it. */
static const struct {
	const char *name;
	void (*run)(struct suite *suite);
} suites[] = {
	{ "phone", test_phone }, { "traffic", test_traffic }, { "attach", test_attach },
	{ "attacks", test_attacks }, { "lifecycle", test_lifecycle },
	{ "appliance", test_appliance }, { "crashes", test_crashes },
	{ "init_script", test_init_script }, { "config", test_config }, { "many", test_many },
	{ "selftest", test_selftest },
};

/* Every suite, or those only names (vmtest.only=many,selftest: a quicker
 * loop while working on them). */
static void run_suites(struct suite *suite, const char *only)
{
	for (size_t index = 0; index < sizeof(suites) / sizeof(suites[0]); index++) {
		size_t length = strlen(suites[index].name);
		int wanted = !only[0];

		for (const char *word = only; *word && !wanted; word += strcspn(word, ",")) {
			word += *word == ',';
			wanted = strncmp(word, suites[index].name, length) == 0 &&
				 (word[length] == ',' || word[length] == '\0');
		}
		if (wanted)
			suites[index].run(suite);
	}
}

static void print_tally(const struct suite *suite)
{
	printf("# vmtest: %d passed, %d failed\n", suite->ktap.number - suite->ktap.failed,
	       suite->ktap.failed);
}

int main(int argc, char **argv)
{
	struct suite suite = { 0 };
	int rounds = command_line_number("vmtest.bench="), repeat;
	char config_mode[32], scale[64], only[256];

	/* The kernel's floor, run by bench_scale as a process of its own. */
	if (argc > 1 && strcmp(argv[1], "floor") == 0)
		return floor_main(argc, argv);

	topology_default(&suite.topology);
	/* vmtest.config=two|broken: what PID 1 made of yogurt.conf= and
	 * yogurt.phone= on the kernel command line (config_boot_tests.c). */
	command_line_word("vmtest.config=", config_mode, sizeof(config_mode));
	/* vmtest.scale=1,10,100 [vmtest.trace=10]: bench_scale.c. */
	command_line_word("vmtest.scale=", scale, sizeof(scale));
	if (scale[0]) {
		bench_scale(scale, command_line_number("vmtest.trace="));
	} else if (rounds > 0) {
		bench(&suite, rounds);
	} else if (config_mode[0]) {
		printf("KTAP version 1\n# vmtest on the phones of the kernel command line (vmtest.config=%s)\n",
		       config_mode);
		test_config_boot(&suite, config_mode);
		print_tally(&suite);
	} else if (command_line_number("vmtest.modules=")) {
		printf("KTAP version 1\n# vmtest on the modules PID 1 loaded from the initramfs\n");
		test_modules(&suite);
	} else if (command_line_number("vmtest.no_netkit=")) {
		printf("KTAP version 1\n# vmtest on a kernel without netkit\n");
		test_no_netkit(&suite);
		print_tally(&suite);
	} else {
		printf("KTAP version 1\n# vmtest on the phone that yogurt (PID 1) built\n");
		command_line_word("vmtest.only=", only, sizeof(only));
		/* vmtest.repeat=N: the suites N times over, to catch a flake. */
		repeat = command_line_number("vmtest.repeat=");
		for (int round = 0; round < (repeat > 1 ? repeat : 1); round++)
			run_suites(&suite, only);
		print_tally(&suite);
	}
	printf("vmtest: done\n");
	fflush(stdout);
	sync();
	sys_reboot(LINUX_REBOOT_CMD_POWER_OFF);
	for (;;)
		pause();
}
