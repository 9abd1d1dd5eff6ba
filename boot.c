/* boot.c — yogurt as PID 1. Whatever happens, PID 1 never exits (that would
 * panic the kernel): it hands over to the real init or powers off. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/reboot.h>

#include "boot.h"
#include "modules/modules.h"
#include "phone/phone.h"
#include "selftest/selftest.h"
#include "syscalls/syscalls.h"
#include "format/format.h"

struct boot_options {
	char command_line[4096];	/* /proc/cmdline */
	char init[256];			/* yogurt.init=, "" if not given */
	char mode[32];			/* yogurt.mode= */
	char strict[8];			/* yogurt.strict=1: power off if setup fails */
};

/* Where the real init may be when yogurt.init= does not say, in the order
 * the kernel itself tries them. */
static const char *const init_fallbacks[] = { "/sbin/init", "/etc/init", "/bin/init", "/bin/sh" };

/* Pseudo file systems: the source of each is its type's name, as
 * /proc/mounts shows them. */
static const struct boot_mount {
	const char *type, *target;
	unsigned long flags;
	const char *data;
} boot_mounts[] = {
	{ "proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", MS_NOSUID, "mode=0755" },
	{ "tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755" },
	{ "bpf", PHONE_BPFFS, MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700" },
};

static void mount_all(void)
{
	for (size_t index = 0; index < sizeof(boot_mounts) / sizeof(boot_mounts[0]); index++) {
		const struct boot_mount *file_system = &boot_mounts[index];
		int error;

		mkdir(file_system->target, 0755);
		error = sys_mount(file_system->type, file_system->target, file_system->type,
				  file_system->flags, file_system->data);
		if (error < 0 && error != -EBUSY)
			format_print(STDERR_FILENO, "yogurt: mounting %s on %s: %s\n",
				     file_system->type, file_system->target, error_text(-error));
	}
}

static void read_options(struct boot_options *options)
{
	memset(options, 0, sizeof(*options));
	if (format_read_file("/proc/cmdline", options->command_line,
			     sizeof(options->command_line)) <= 0)
		return;
	config_command_line_value(options->command_line, "yogurt.init", options->init,
				  sizeof(options->init));
	config_command_line_value(options->command_line, "yogurt.mode", options->mode,
				  sizeof(options->mode));
	config_command_line_value(options->command_line, "yogurt.strict", options->strict,
				  sizeof(options->strict));
}

static __attribute__((noreturn)) void power_off(void)
{
	sync();
	sys_reboot(LINUX_REBOOT_CMD_POWER_OFF);
	/* Not allowed to power off: never exit all the same. */
	for (;;)
		pause();
}

/* Hands over to the real init, passing PID 1's arguments on; never returns. */
static __attribute__((noreturn)) void run_init(const struct boot_options *options, char **argv)
{
	size_t fallback_count = sizeof(init_fallbacks) / sizeof(init_fallbacks[0]);

	if (options->init[0]) {
		argv[0] = (char *)options->init;
		execv(options->init, argv);
		format_print(STDERR_FILENO, "yogurt: cannot execute yogurt.init=%s: %s; trying the "
			     "usual places\n", options->init, error_text(errno));
	}
	for (size_t index = 0; index < fallback_count; index++) {
		argv[0] = (char *)init_fallbacks[index];
		execv(init_fallbacks[index], argv);
	}
	format_print(STDERR_FILENO, "yogurt: no init to hand over to (yogurt.init=, /sbin/init, "
		     "/etc/init, /bin/init, /bin/sh): powering off\n");
	power_off();
}

/* Each netkit attach waits for an RCU grace period (bpf_mprog_commit() calls
 * synchronize_rcu() on 6.12), four per phone. As PID 1 nothing else runs
 * yet, so expedited grace periods cost nobody anything; the previous
 * setting is put back before the real init starts. */
#define RCU_EXPEDITED "/sys/kernel/rcu_expedited"

static char set_rcu_expedited(char value)
{
	char previous = '0';
	int fd = open(RCU_EXPEDITED, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return value;
	if (read(fd, &previous, 1) != 1)
		previous = value;
	if (pwrite(fd, &value, 1, 0) != 1)
		previous = value;
	close(fd);
	return previous;
}

/* The phones of yogurt.conf= and yogurt.phone= on the kernel command line;
 * without either, those of /etc/yogurt.conf or the default phone. */
static int read_topology(const struct boot_options *options, struct topology *topology,
			 struct report *report)
{
	int found;
	int error = config_from_command_line(topology, options->command_line, &found, report);

	return found ? error : config_load(topology, NULL, report);
}

int boot_main(int argc, char **argv)
{
	struct boot_options options;
	struct topology topology = { 0 };
	struct report report = { .message = "" };
	char rcu_expedited;
	int error;

	(void)argc;
	mount_all();
	/* First: netkit, or a device a phone uses, may be one of them. */
	modules_load();
	read_options(&options);
	/* MODULES: kernel modules packed into the image would be loaded here,
	 * before anything needs what they provide. */
	if (strcmp(options.mode, "selftest") == 0) {
		/* No phones: the kernel's conformance, its verdict as the last
		 * line for the script that booted it (make selftest). */
		rcu_expedited = set_rcu_expedited('1');
		error = selftest_run(STDOUT_FILENO);
		set_rcu_expedited(rcu_expedited);
		format_print(STDOUT_FILENO, "yogurt: selftest exit %d\n", error);
		power_off();
	}
	error = read_topology(&options, &topology, &report);
	if (error == 0) {
		rcu_expedited = set_rcu_expedited('1');
		error = phone_up(&topology, STDOUT_FILENO, &report, NULL);
		phone_signals_release();
		set_rcu_expedited(rcu_expedited);
	}
	if (error < 0)
		format_print(STDERR_FILENO, "yogurt: %s\n", report.message);
	if (error < 0 && strcmp(options.strict, "1") == 0) {
		format_print(STDERR_FILENO, "yogurt: the phones could not be set up and "
			     "yogurt.strict=1: powering off\n");
		power_off();
	}
	if (strcmp(options.mode, "call") == 0) {
		if (error == 0)
			error = phone_call(&topology, STDOUT_FILENO, &report);
		if (error < 0)
			format_print(STDERR_FILENO, "yogurt: %s\n", report.message);
		format_print(STDOUT_FILENO, "yogurt: call %s\n", error == 0 ? "passed" : "FAILED");
		power_off();
	}
	/* The real init runs even with a broken phone: the machine must boot. */
	run_init(&options, argv);
}
