/* load.c — PID 1 loads the modules packed into its initramfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "modules.h"
#include "format/format.h"
#include "syscalls/syscalls.h"

#define MODULES_ROOT "/lib/modules"
/* The packer's modules.dep lists only what it packed: a few lines. */
#define MODULES_DEP_SIZE 16384

/* What to do when the kernel refuses a module, by its errno. */
static const char *refusal_advice(int error)
{
	if (error == ENOEXEC)
		return "not an uncompressed module of this kernel: pack this kernel's";
	if (error == EPERM)
		return "module loading is off (kernel.modules_disabled, lockdown)";
	if (error == ENOSYS)
		return "no module support (CONFIG_MODULES): build it in";
	if (error == EKEYREJECTED)
		return "unsigned for this kernel (module.sig_enforce): pack signed ones";
	return "the kernel's log says why (dmesg, or boot without quiet)";
}

/* Loads the module at path; name is how modules.dep calls it. */
static void load_module(const char *path, const char *name)
{
	int module = open(path, O_RDONLY | O_CLOEXEC);
	int error = module < 0 ? -errno : sys_finit_module(module, "", 0);

	if (module >= 0)
		close(module);
	if (error == 0)
		format_print(STDOUT_FILENO, "yogurt: module %s loaded\n", name);
	else if (error != -EEXIST)
		format_print(STDERR_FILENO, "yogurt: module %s not loaded: %s: %s\n", name,
			     error_text(-error), module < 0 ? "not in the initramfs: pack the "
			     "modules again" : refusal_advice(-error));
}

void modules_load(void)
{
	struct utsname kernel;
	struct modules_plan plan;
	/* "/lib/modules/RELEASE/", then the file: modules.dep or a module. */
	char path[sizeof(MODULES_ROOT) + sizeof(kernel.release) + MODULES_PATH_MAX + 1];
	char text[MODULES_DEP_SIZE];
	size_t directory;
	long length;
	int error;

	uname(&kernel);
	directory = format_string(path, sizeof(path), "%s/%s/", MODULES_ROOT, kernel.release);
	memcpy(path + directory, "modules.dep", sizeof("modules.dep"));
	length = format_read_file(path, text, sizeof(text));
	if (length == -ENOENT && access(MODULES_ROOT, F_OK) < 0)
		return;		/* nothing packed */
	plan.line = 0;
	error = length < 0 ? (int)length : length >= MODULES_DEP_SIZE - 1 ? -EFBIG
		: modules_plan(text, (size_t)length, &plan);
	if (error < 0) {
		format_print(STDERR_FILENO, "yogurt: %s:%zu: %s: no module loaded (pack those of "
			     "the kernel that boots)\n", path, plan.line,
			     error == -EFBIG ? "over 16 KiB" : error_text(-error));
		return;
	}
	for (size_t index = 0; index < plan.count; index++) {
		memcpy(path + directory, text + plan.paths[index].offset, plan.paths[index].length);
		path[directory + plan.paths[index].length] = '\0';
		load_module(path, path + directory);
	}
}
