/* yogurt — builds a "yogurt phone": network namespaces wired point-to-point
 * by netkit pairs and an eBPF wire. main.c turns the command line into a
 * topology and a command; as PID 1 it hands over to boot.c. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "phone/phone.h"
#include "phone/attach.h"
#include "format/format.h"

#ifndef YOGURT_VERSION
#define YOGURT_VERSION "dev"
#endif

static const char usage[] =
	"usage: yogurt [-c FILE] [COMMAND]   (no command: up)\n"
	"Namespaces paired by netkit devices and an eBPF wire no host process can\n"
	"tap or join. The phones: FILE's, /etc/yogurt.conf's or yogurt-1 <-> yogurt-2.\n"
	"\n"
	"  up [--no-wire]   build or repair the phones (--no-wire: attach your own)\n"
	"  down             remove what up made, and nothing else\n"
	"  status [-j]      the phones as the kernel has them (-j: JSON)\n"
	"  check            check the configuration, change nothing\n"
	"  call             ping, TCP and a host injection across the first phone\n"
	"  watch [SECONDS]  each second, what each wire passed and dropped\n"
	"  attach OBJECT.o --dev IFNAME [--primary SECTION] [--peer SECTION] [--pin DIR]\n"
	"  detach --dev IFNAME [--pin DIR]\n"
	"  help [config] | version\n"
	"\n"
	"As PID 1: mounts, up, then runs yogurt.init= or /sbin/init (see README).\n"
	"Exit status: 0 success, 1 usage or configuration error, 2 refused by the kernel.\n";

enum { EXIT_OK = 0, EXIT_FAILURE_ = 1, EXIT_KERNEL = 2 };

/* Every command gets its own arguments (argv[0] is the command) and the
 * topology; it reports through report and returns 0 or a negative errno. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv, const struct topology *topology, struct report *report);
	int needs_topology;
};

static int usage_error(struct report *report, const char *argument)
{
	return report_error(report, -EINVAL, "unexpected argument \"%s\": see 'yogurt help'", argument);
}

static int command_up(int argc, char **argv, const struct topology *topology, struct report *report)
{
	struct topology without_wire;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--no-wire") != 0))
		return usage_error(report, argv[argc - 1]);
	if (argc == 1)
		return phone_up(topology, STDOUT_FILENO, report, NULL);
	without_wire = *topology;
	without_wire.without_wire = 1;
	return phone_up(&without_wire, STDOUT_FILENO, report, NULL);
}

static int command_down(int argc, char **argv, const struct topology *topology, struct report *report)
{
	if (argc > 1)
		return usage_error(report, argv[1]);
	(void)topology;
	return phone_down(STDOUT_FILENO, report);
}

static int command_status(int argc, char **argv, const struct topology *topology, struct report *report)
{
	int json = argc == 2 && (strcmp(argv[1], "-j") == 0 || strcmp(argv[1], "--json") == 0);
	int error;

	if (argc > 1 + json)
		return usage_error(report, argv[1 + json]);
	error = phone_status(topology, json, STDOUT_FILENO, report);
	return error < 0 || json ? error : phone_list_netkit(STDOUT_FILENO, report);
}

static int command_call(int argc, char **argv, const struct topology *topology, struct report *report)
{
	if (argc > 1)
		return usage_error(report, argv[1]);
	return phone_call(topology, STDOUT_FILENO, report);
}

static int command_watch(int argc, char **argv, const struct topology *topology, struct report *report)
{
	unsigned seconds = 0;

	if (argc > 2)
		return usage_error(report, argv[2]);
	if (argc == 2) {
		/* Digits only; strtoul would bring musl's scanf machinery along. */
		const char *digit = argv[1];

		for (; *digit >= '0' && *digit <= '9' && seconds <= 86400; digit++)
			seconds = seconds * 10 + (unsigned)(*digit - '0');
		if (*digit || digit == argv[1] || seconds > 86400)
			return report_error(report, -EINVAL, "watch: \"%s\" is not a number of seconds (0 to 86400)",
					    argv[1]);
	}
	return phone_watch(topology, seconds, STDOUT_FILENO, report);
}

static int command_check(int argc, char **argv, const struct topology *topology, struct report *report)
{
	if (argc > 1)
		return usage_error(report, argv[1]);
	for (size_t index = 0; index < topology->count; index++) {
		const struct phone *phone = &topology->phones[index];

		format_print(STDOUT_FILENO, "check: phone %s%s%s <-> %s\n", phone->name, phone->name[0] ? ": " : "",
			     phone->ends[0].netns, phone->ends[1].netns);
	}
	format_print(STDOUT_FILENO, "check: %zu phone%s, nothing wrong\n", topology->count,
		     topology->count == 1 ? "" : "s");
	return 0;
}

static int command_help(int argc, char **argv, const struct topology *topology, struct report *report)
{
	(void)topology;
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "config") != 0))
		return usage_error(report, argv[argc - 1]);
	format_write(STDOUT_FILENO, argc == 2 ? config_help : usage);
	return 0;
}

static int command_version(int argc, char **argv, const struct topology *topology, struct report *report)
{
	(void)argc, (void)argv, (void)topology, (void)report;
	format_print(STDOUT_FILENO, "yogurt %s\n", YOGURT_VERSION);
	return 0;
}

/* The commands that act on the configured phones read the configuration
 * first; down works from yogurt's records alone, so a broken file never
 * keeps it from cleaning up. */
static const struct command commands[] = {
	{ "up", command_up, 1 },
	{ "down", command_down, 0 },
	{ "status", command_status, 1 },
	{ "check", command_check, 1 },
	{ "call", command_call, 1 },
	{ "watch", command_watch, 1 },
	{ "attach", phone_attach, 0 },
	{ "detach", phone_detach, 0 },
	{ "help", command_help, 0 },
	{ "-h", command_help, 0 },
	{ "--help", command_help, 0 },
	{ "version", command_version, 0 },
	{ "--version", command_version, 0 },
};

/* Takes "-c FILE" (or --config FILE) out of argv, wherever it is. */
static int take_config_option(int *argc, char **argv, const char **path, struct report *report)
{
	for (int index = 1; index < *argc; index++) {
		if (strcmp(argv[index], "-c") != 0 && strcmp(argv[index], "--config") != 0)
			continue;
		if (index + 1 == *argc)
			return report_error(report, -EINVAL, "%s needs a file name: see 'yogurt help'", argv[index]);
		*path = argv[index + 1];
		*argc -= 2;
		memmove(argv + index, argv + index + 2, (size_t)(*argc - index + 1) * sizeof(*argv));
		index--;
	}
	return 0;
}

static int run_command(int argc, char **argv, struct report *report)
{
	static char *default_arguments[] = { "yogurt", "up", NULL };
	struct topology topology = { .count = 0 };
	const char *config_path = NULL;
	int error = take_config_option(&argc, argv, &config_path, report);

	if (error)
		return error;
	if (argc < 2) {
		argc = 2;
		argv = default_arguments;	/* no command: up */
	}
	for (size_t index = 0; index < sizeof(commands) / sizeof(commands[0]); index++) {
		if (strcmp(argv[1], commands[index].name) != 0)
			continue;
		if (commands[index].needs_topology)
			error = config_load(&topology, config_path, report);
		return error ? error : commands[index].run(argc - 1, argv + 1, &topology, report);
	}
	return report_error(report, -EINVAL, "unknown command \"%s\": see 'yogurt help'", argv[1]);
}

int main(int argc, char **argv)
{
	struct report report = { .message = "" };

	if (getpid() == 1)
		return boot_main(argc, argv);
	if (run_command(argc, argv, &report) >= 0)
		return EXIT_OK;
	format_print(STDERR_FILENO, "yogurt: %s\n", report.message);
	return report.kernel_refused ? EXIT_KERNEL : EXIT_FAILURE_;
}
