/* yogurt — builds a "yogurt phone": network namespaces wired point-to-point
 * by netkit pairs and an eBPF wire. main.c turns the command line into a
 * topology and a command, and the command's report into the exit status;
 * as PID 1 it hands over to boot.c. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "phone/phone.h"
#include "selftest/selftest.h"
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
	"  status [-v] [-j] [PHONE...]  the phones as the kernel has them: a line\n"
	"                   each; PHONE (name or namespace) or all (-v) in detail; JSON\n"
	"  check            check the configuration, change nothing\n"
	"  call             ping, TCP and a host injection across the first phone\n"
	"  watch [SECONDS]  each second, what each wire passed and dropped\n"
	"  attach OBJECT.o --dev IFNAME [--primary SECTION] [--peer SECTION] [--pin DIR]\n"
	"  detach --dev IFNAME [--pin DIR]\n"
	"  selftest         netkit and BPF conformance of this kernel, in KTAP\n"
	"  help [config] | version\n"
	"\n"
	"As PID 1: mounts, loads /lib/modules, up, then runs yogurt.init= or /sbin/init\n"
	"(see yogurt(8)).\n"
	"Exit status: 0 success, 1 usage or configuration error, 2 refused by the kernel;\n"
	"selftest: 0 passed, 1 a check failed, 4 all skipped (kselftest's).\n";

/* The exit status, as the README and the usage promise: what the kernel
 * refused (report_kernel marked it) is 2, whatever else failed is 1. */
enum { EXIT_SUCCEEDED = 0, EXIT_FAILED = 1, EXIT_KERNEL_REFUSED = 2 };

static int exit_status(int error, const struct report *report)
{
	if (error >= 0)
		return report->kselftest_status ? report->kselftest_status : EXIT_SUCCEEDED;
	return report->kernel_refused ? EXIT_KERNEL_REFUSED : EXIT_FAILED;
}

/* Every command gets its own arguments (argv[0] is the command) and the
 * topology; it reports through report and returns 0 or a negative errno. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv, const struct topology *topology, struct report *report);
};

/* A command line yogurt cannot follow: exit 1. */
#define usage_error(report, ...) \
	format_error((report)->message, -EINVAL, __VA_ARGS__)

static int unexpected_argument(struct report *report, const char *argument)
{
	return usage_error(report, "unexpected argument \"%s\": see 'yogurt help'", argument);
}

static int command_up(int argc, char **argv, const struct topology *topology,
		      struct report *report)
{
	struct topology without_wire;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--no-wire") != 0))
		return unexpected_argument(report, argv[argc - 1]);
	if (argc == 1)
		return phone_up(topology, STDOUT_FILENO, report, NULL);
	without_wire = *topology;
	without_wire.without_wire = 1;
	return phone_up(&without_wire, STDOUT_FILENO, report, NULL);
}

static int command_down(int argc, char **argv, const struct topology *topology,
			struct report *report)
{
	if (argc > 1)
		return unexpected_argument(report, argv[1]);
	(void)topology;
	return phone_down(STDOUT_FILENO, report);
}

static int command_status(int argc, char **argv, const struct topology *topology,
			  struct report *report)
{
	struct status_request request = { 0 };
	int index = 1;

	for (; index < argc && argv[index][0] == '-'; index++) {
		if (strcmp(argv[index], "-j") == 0 || strcmp(argv[index], "--json") == 0)
			request.json = 1;
		else if (strcmp(argv[index], "-v") == 0 || strcmp(argv[index], "--verbose") == 0)
			request.detail = 1;
		else
			return unexpected_argument(report, argv[index]);
	}
	request.names = argv + index;
	request.name_count = argc - index;
	request.detail |= request.name_count > 0;
	return phone_status(topology, &request, STDOUT_FILENO, report);
}

static int command_call(int argc, char **argv, const struct topology *topology,
			struct report *report)
{
	if (argc > 1)
		return unexpected_argument(report, argv[1]);
	return phone_call(topology, STDOUT_FILENO, report);
}

static int command_watch(int argc, char **argv, const struct topology *topology,
			 struct report *report)
{
	uint64_t seconds = 0;

	if (argc > 2)
		return unexpected_argument(report, argv[2]);
	if (argc == 2 && format_parse_unsigned(argv[1], strlen(argv[1]), 10, 86400, &seconds) < 0)
		return usage_error(report, "watch: \"%s\" is not a number of seconds (0 to 86400)",
				   argv[1]);
	return phone_watch(topology, (unsigned)seconds, STDOUT_FILENO, report);
}

static int command_check(int argc, char **argv, const struct topology *topology,
			 struct report *report)
{
	if (argc > 1)
		return unexpected_argument(report, argv[1]);
	for (size_t index = 0; index < topology->count; index++) {
		const struct phone *phone = &topology->phones[index];

		format_print(STDOUT_FILENO, "check: phone %s%s%s <-> %s\n", phone->name,
			     phone->name[0] ? ": " : "", phone->ends[0].netns,
			     phone->ends[1].netns);
	}
	format_print(STDOUT_FILENO, "check: %zu phone%s, nothing wrong\n", topology->count,
		     topology->count == 1 ? "" : "s");
	return 0;
}

/* attach OBJECT.o --dev IFNAME [--primary SECTION] [--peer SECTION]
 * [--pin DIR], or detach --dev IFNAME [--pin DIR]. */
static int command_attach(int argc, char **argv, const struct topology *topology,
			  struct report *report)
{
	static const char *const options[] = { "--dev", "--pin", "--primary", "--peer" };
	struct attach_request request = { .object = NULL };
	const char **values[] = {
		&request.device, &request.pin_directory, &request.programs[0], &request.programs[1],
	};
	int attaching = strcmp(argv[0], "attach") == 0, index;
	size_t known = attaching ? 4 : 2;

	(void)topology;
	for (index = 1; index < argc; index++) {
		size_t option = 0;

		while (option < known && strcmp(argv[index], options[option]) != 0)
			option++;
		if (option < known && index + 1 < argc)
			*values[option] = argv[++index];
		else if (attaching && !request.object && argv[index][0] != '-')
			request.object = argv[index];
		else
			break;
	}
	if (index < argc || !request.device || (attaching && !request.object))
		return usage_error(report, "%s: unexpected or missing arguments: see 'yogurt help'",
				   argv[0]);
	if (attaching)
		return phone_attach(&request, STDOUT_FILENO, report);
	return phone_detach(&request, STDOUT_FILENO, report);
}

static int command_selftest(int argc, char **argv, const struct topology *topology,
			    struct report *report)
{
	(void)topology;
	if (argc > 1)
		return unexpected_argument(report, argv[1]);
	report->kselftest_status = selftest_run(STDOUT_FILENO);
	return 0;
}

static int command_help(int argc, char **argv, const struct topology *topology,
			struct report *report)
{
	(void)topology;
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "config") != 0))
		return unexpected_argument(report, argv[argc - 1]);
	format_write(STDOUT_FILENO, argc == 2 ? config_help : usage);
	return 0;
}

static int command_version(int argc, char **argv, const struct topology *topology,
			   struct report *report)
{
	(void)argc, (void)argv, (void)topology, (void)report;
	format_print(STDOUT_FILENO, "yogurt %s\n", YOGURT_VERSION);
	return 0;
}

/* The commands that act on the configured phones come first, each at its
 * index below PHONE_COMMANDS: they read the configuration before they run.
 * An entry slipped in among them without an index would be overwritten by
 * down's, which -Woverride-init (in -Wextra) refuses. */
enum { COMMAND_UP, COMMAND_STATUS, COMMAND_CHECK, COMMAND_CALL, COMMAND_WATCH, PHONE_COMMANDS };
static const struct command commands[] = {
	[COMMAND_UP] = { "up", command_up },
	[COMMAND_STATUS] = { "status", command_status },
	[COMMAND_CHECK] = { "check", command_check },
	[COMMAND_CALL] = { "call", command_call },
	[COMMAND_WATCH] = { "watch", command_watch },
	/* down works from yogurt's records alone, so a broken file never
	 * keeps it from cleaning up. */
	[PHONE_COMMANDS] = { "down", command_down },
	{ "attach", command_attach },
	{ "detach", command_attach },
	{ "selftest", command_selftest },
	{ "help", command_help },
	{ "-h", command_help },
	{ "--help", command_help },
	{ "version", command_version },
	{ "--version", command_version },
};

/* Takes "-c FILE" (or --config FILE) out of argv, wherever it is. */
static int take_config_option(int *argc, char **argv, const char **path, struct report *report)
{
	for (int index = 1; index < *argc; index++) {
		if (strcmp(argv[index], "-c") != 0 && strcmp(argv[index], "--config") != 0)
			continue;
		if (index + 1 == *argc)
			return usage_error(report, "%s needs a file name: see 'yogurt help'",
					   argv[index]);
		*path = argv[index + 1];
		*argc -= 2;
		memmove(argv + index, argv + index + 2,
			(size_t)(*argc - index + 1) * sizeof(*argv));
		index--;
	}
	return 0;
}

static int run_command(int argc, char **argv, struct report *report)
{
	static char *default_arguments[] = { "yogurt", "up", NULL };
	struct topology topology = { 0 };
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
		if (index < PHONE_COMMANDS)
			error = config_load(&topology, config_path, report);
		return error ? error : commands[index].run(argc - 1, argv + 1, &topology, report);
	}
	return usage_error(report, "unknown command \"%s\": see 'yogurt help'", argv[1]);
}

int main(int argc, char **argv)
{
	struct report report = { .message = "" };
	int error;

	if (getpid() == 1)
		return boot_main(argc, argv);
	error = run_command(argc, argv, &report);
	if (error < 0)
		format_print(STDERR_FILENO, "yogurt: %s\n", report.message);
	return exit_status(error, &report);
}
