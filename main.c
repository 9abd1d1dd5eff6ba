/* yogurt — builds a "yogurt phone": network namespaces wired point-to-point
 * by netkit pairs and an eBPF wire. main.c turns the command line into a
 * topology and a command; as PID 1 it hands over to boot.c. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "phone/phone.h"
#include "format/format.h"

#ifndef YOGURT_VERSION
#define YOGURT_VERSION "dev"
#endif

static const char usage[] =
	"usage: yogurt [COMMAND]\n"
	"\n"
	"Builds a yogurt phone: network namespaces yogurt-1 and yogurt-2, each reached\n"
	"by a netkit pair in blackhole mode, wired together by an eBPF wire that no\n"
	"host process can listen in on or barge in to.\n"
	"\n"
	"commands:\n"
	"  up        build the phone (default when no command is given); it stays\n"
	"            up after yogurt exits\n"
	"  down      remove the namespaces, devices and pins that up created\n"
	"  status [-j|--json]\n"
	"            show the phone as the kernel has it: namespaces, devices,\n"
	"            addresses, attached programs, pins, wire counters (sent,\n"
	"            passed, dropped and why); -j prints it as JSON\n"
	"  call      call across the phone: ICMP and ICMPv6 echo both ways, a TCP message each\n"
	"            way, and a host-side injection that must not get through\n"
	"  help      this text (also -h, --help)\n"
	"  version   the version (also --version)\n"
	"\n"
	"default phone:\n"
	"  yogurt-1 [yg1-cont 10.42.0.1/24 fd42::1/64] = yg1-host ~wire~\n"
	"           yg2-host = [yg2-cont 10.42.0.2/24 fd42::2/64] yogurt-2\n"
	"  links pinned under " PHONE_PIN_ROOT "/<host device>/{primary,peer}\n"
	"\n"
	"As PID 1 (the /init of an initramfs) yogurt mounts /proc, /sys, /dev, /run and\n"
	"bpffs, brings the phone up and executes yogurt.init=PATH (default /sbin/init);\n"
	"with yogurt.mode=call on the kernel command line it calls across the phone,\n"
	"prints the transcript and powers the machine off.\n"
	"\n"
	"exit status: 0 success, 1 usage or failure, 2 refused by the kernel\n";

enum { EXIT_OK = 0, EXIT_FAILURE_ = 1, EXIT_KERNEL = 2 };

static int finish(int error, const struct report *report)
{
	if (error >= 0)
		return EXIT_OK;
	format_print(stderr, "yogurt: %s\n", report->message);
	return report->kernel_refused ? EXIT_KERNEL : EXIT_FAILURE_;
}

int main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : "up";
	struct topology topology;
	struct report report = { .message = "" };
	uint64_t elapsed_us = 0;
	int error;

	if (getpid() == 1)
		return boot_main(argc, argv);
	if (argc > 2 && !(argc == 3 && strcmp(command, "status") == 0 &&
			  (strcmp(argv[2], "-j") == 0 || strcmp(argv[2], "--json") == 0))) {
		format_print(stderr, "yogurt: unexpected argument \"%s\": see 'yogurt help'\n", argv[2]);
		return EXIT_FAILURE_;
	}
	topology_default(&topology);
	if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
		format_print(stdout, "yogurt %s\n", YOGURT_VERSION);
		return EXIT_OK;
	}
	if (strcmp(command, "up") == 0) {
		error = phone_up(&topology, &report, &elapsed_us);
		if (error == 0)
			phone_print_ready(&topology, elapsed_us, stdout);
		return finish(error, &report);
	}
	if (strcmp(command, "down") == 0)
		return finish(phone_down(&topology, stdout, &report), &report);
	if (strcmp(command, "status") == 0)
		return finish(phone_status(&topology, argc == 3, stdout, &report), &report);
	if (strcmp(command, "call") == 0)
		return finish(phone_call(&topology, stdout, &report), &report);
	format_print(stderr, "yogurt: unknown command \"%s\": see 'yogurt help'\n", command);
	return EXIT_FAILURE_;
}
