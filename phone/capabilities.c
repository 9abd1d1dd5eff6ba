/* capabilities.c — say up front which capabilities are missing, instead of
 * failing halfway with a bare EPERM from whichever call came first. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Bits of CapEff (include/uapi/linux/capability.h). */
#define CAPABILITY_NET_ADMIN 12
#define CAPABILITY_SYS_ADMIN 21
#define CAPABILITY_BPF 39		/* Linux 5.8 */

/* The effective capability set, from /proc/self/status; a negative errno
 * when there is none to read (-ENOENT without /proc), -EINVAL when CapEff
 * is not a hexadecimal number. */
static int effective_capabilities(uint64_t *set)
{
	char text[4096];
	const char *line, *end;
	long length = format_read_file("/proc/self/status", text, sizeof(text));

	if (length <= 0)
		return length < 0 ? (int)length : -EIO;
	for (line = text; *line && strncmp(line, "CapEff:\t", 8) != 0;) {
		line = memchr(line, '\n', strlen(line));
		line = line ? line + 1 : "";
	}
	if (!*line)
		return -ENOENT;
	line += 8;
	for (end = line; *end && *end != '\n'; end++)
		continue;
	return format_parse_unsigned(line, (size_t)(end - line), 16, UINT64_MAX, set);
}

int phone_check_capabilities(int needs_bpf, struct report *report)
{
	uint64_t set = 0;	/* always set when read; gcc 12 with LTO cannot tell */
	int net_admin, sys_admin, bpf;
	const char *missing;

	/* Without /proc, or with a CapEff yogurt cannot read, there is nothing
	 * to go by: let the kernel answer. */
	if (effective_capabilities(&set) < 0)
		return 0;
	net_admin = (set >> CAPABILITY_NET_ADMIN) & 1;
	sys_admin = (set >> CAPABILITY_SYS_ADMIN) & 1;
	bpf = (set >> CAPABILITY_BPF) & 1;
	if (!net_admin && needs_bpf && !bpf && !sys_admin)
		missing = "capabilities CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN)";
	else if (!net_admin)
		missing = "capability CAP_NET_ADMIN (devices, addresses)";
	else if (!sys_admin)
		missing = needs_bpf ? "capability CAP_SYS_ADMIN (namespace bind mounts, bpffs)"
				    : "capability CAP_SYS_ADMIN (namespace bind mounts)";
	else
		return 0;
	/* What the kernel would refuse, said before it does. */
	return report_kernel(report, -EPERM, NULL, "missing %s: run yogurt as root", missing);
}
