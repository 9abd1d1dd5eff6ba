/* owned.c — what yogurt made, so that `down` removes exactly that and `up`
 * can tell its own namespaces and devices from anybody else's with the
 * same names; the lock that keeps two runs from interleaving; and the
 * signals that interrupt a run. phone/RECORDS.md explains the design.
 *
 * /run/yogurt/owned, appended to one line at a time (write, fdatasync),
 * before the object a line names gets that name:
 *     yogurt records 1
 *     netns NAMESPACE MOUNT-POINT-INODE NAMESPACE-INODE
 *     device NAMESPACE HOST-DEVICE HOST-IFINDEX
 * A later line about a namespace replaces what earlier ones said. The file
 * is written whole (a new file renamed over it) at most once per run, when
 * it says more than the ends need. /run is a tmpfs: the records vanish
 * with the namespaces at reboot. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>	/* rename */
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../syscalls/syscalls.h"

#define OWNED_FILE PHONE_STATE_DIR "/owned"
#define OWNED_TEMPORARY PHONE_STATE_DIR "/owned.new"
#define LOCK_FILE PHONE_STATE_DIR "/lock"
#define LOCK_WAIT_MS 10000

/* ---- signals ------------------------------------------------------------ */

#define SIGNAL_BIT(number) (1ull << ((number) - 1))
#define STOPPING_SIGNALS (SIGNAL_BIT(SIGINT) | SIGNAL_BIT(SIGTERM) | SIGNAL_BIT(SIGHUP))

/* SIGINT, SIGTERM, SIGHUP and SIGPIPE are blocked for the run: no handler,
 * no flag, no kernel call interrupted. up asks at each step whether one
 * came (owned_interrupted), stops and rolls back; one coming during the
 * rollback waits, blocked, and changes nothing. A blocked SIGPIPE makes a
 * write to a closed stdout (up | head -1) fail with EPIPE, which yogurt's
 * messages never depend on, instead of killing the run. */
static void block_signals(struct owned *owned)
{
	uint64_t set = STOPPING_SIGNALS | SIGNAL_BIT(SIGPIPE);

	owned->caught_signal = 0;
	sys_sigprocmask(SIG_BLOCK, &set, NULL);
}

/* They stay blocked after the run: a process that exits then (yogurt's
 * commands) never dies of one on its way out, with its line half said.
 * PID 1, which goes on, lets them go here; its init starts unblocked. */
void phone_signals_release(void)
{
	uint64_t set = STOPPING_SIGNALS | SIGNAL_BIT(SIGPIPE);

	while (sys_sigwait(set, 0) > 0)
		;
	sys_sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Waits up to timeout_ms for one of them; 1 when one came (now or before). */
static int wait_for_signal(struct owned *owned, int timeout_ms)
{
	int number = owned->caught_signal ? owned->caught_signal
					  : sys_sigwait(STOPPING_SIGNALS, timeout_ms);

	if (number > 0)
		owned->caught_signal = number;
	return number > 0;
}

const char *owned_interrupted(struct owned *owned)
{
	static const char names[][8] = { "SIGHUP", "SIGINT", "SIGTERM" };

	if (!wait_for_signal(owned, 0))
		return NULL;
	return names[owned->caught_signal == SIGHUP ? 0 : owned->caught_signal == SIGINT ? 1 : 2];
}

/* ---- the lock ----------------------------------------------------------- */

static int make_state_dir(void)
{
	if (mkdir(PHONE_STATE_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Who holds the lock, as its holder wrote it: "pid N, yogurt up". */
static void lock_holder(int fd, char *holder, size_t size)
{
	ssize_t length = pread(fd, holder, size - 1, 0);

	holder[length > 0 ? length : 0] = '\0';
	for (char *end = holder; *end; end++)
		if (*end == '\n')
			*end = '\0';
}

static int lock(struct owned *owned, int *fd, const char *command, struct report *report)
{
	int error = make_state_dir();
	char holder[64];

	if (error < 0)
		return report_error(report, error, "cannot create %s: %s (is /run writable?)",
				    PHONE_STATE_DIR, error_text(-error));
	*fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return report_error(report, -errno, "cannot open %s: %s", LOCK_FILE,
				    error_text(errno));
	/* Another up or down holds it: wait a while, then say so. A holder
	 * that died let go of it with its last descriptor (flock). */
	for (int waited = 0; flock(*fd, LOCK_EX | LOCK_NB) < 0; waited += 50) {
		error = -errno;
		if (error != -EWOULDBLOCK && error != -EINTR) {
			close(*fd);
			return report_error(report, error, "cannot lock %s: %s", LOCK_FILE,
					    error_text(-error));
		}
		/* The wait between two tries is a wait for SIGINT & co. */
		if (waited >= LOCK_WAIT_MS || wait_for_signal(owned, 50)) {
			lock_holder(*fd, holder, sizeof(holder));
			close(*fd);
			return report_error(report, -EBUSY, "another yogurt up or down is still "
					    "running (%s is held%s%s)%s", LOCK_FILE,
					    holder[0] ? " by " : "", holder, owned->caught_signal ?
					    ": stopped waiting, interrupted" :
					    ": try again when it has finished");
		}
	}
	/* For the next waiter's message; the lock is the flock, not this. */
	if (ftruncate(*fd, 0) == 0)
		format_print(*fd, "pid %d, yogurt %s\n", (int)getpid(), command);
	return 0;
}

void owned_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing releases the flock */
}

/* ---- the records: checked against the kernel ----------------------------- */

/* A name under /run/netns: a recorded namespace's is yogurt's when it is the
 * very file yogurt made its mount point (an inode a tmpfs does not reuse,
 * unlike a namespace's). */
static int check_mount_point(const char *name, uint64_t file_inode, void *context)
{
	struct owned_end *entry = owned_find(context, name);

	if (entry)
		entry->netns_state = file_inode == entry->mount_point_inode ? OWNED_NETNS_OURS
									    : OWNED_NETNS_OTHER;
	return 0;
}

static int check_namespaces(struct owned *owned)
{
	int error = netns_list(check_mount_point, owned);

	/* Our mount point, but not (or no longer) our namespace on it. */
	for (size_t index = 0; index < owned->count && error == 0; index++) {
		struct owned_end *entry = &owned->ends[index];

		if (entry->netns_state == OWNED_NETNS_OURS &&
		    netns_inode(entry->netns) != entry->netns_inode)
			entry->netns_state = OWNED_NETNS_HALF;
	}
	return error;
}

int owned_load(struct owned *owned, struct report *report)
{
	uint64_t size = 0;
	void *text = NULL;
	int error;

	/* No file: yogurt owns nothing; the first record makes it. */
	owned->fd = open(OWNED_FILE, O_RDWR | O_APPEND | O_CLOEXEC);
	if (owned->fd < 0 && errno != ENOENT)
		return report_error(report, -errno, "cannot open %s: %s", OWNED_FILE,
				    error_text(errno));
	error = owned->fd < 0 ? 0 : sys_statx(owned->fd, "", NULL, &size);
	/* Any size: the file is mapped, not copied. */
	if (error == 0 && size > 0) {
		text = size < SIZE_MAX ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE,
					      owned->fd, 0) : MAP_FAILED;
		error = text == MAP_FAILED ? -errno : 0;
	}
	if (error == 0 && text) {
		error = owned_parse(owned, text, (size_t)size);
		munmap(text, (size_t)size);
	}
	owned->written = size;
	if (error == 0)
		error = check_namespaces(owned);
	if (error < 0)
		return report_kernel(report, error, NULL, "cannot read %s: %s", OWNED_FILE,
				     error_text(-error));
	owned->loaded = 1;
	if (owned->broken)
		format_print(STDERR_FILENO, "yogurt: %s:%u and %u line(s) in all are not records "
			     "yogurt writes: ignored (what they name is not taken for yogurt's), "
			     "and the file is written again without them\n", OWNED_FILE,
			     owned->first_broken_line, owned->broken);
	return 0;
}

/* ---- the records: writing ------------------------------------------------ */

/* Appends one record line and waits until it is written down. */
static int append(struct owned *owned, const char *line, size_t length, struct report *report)
{
	char text[sizeof(OWNED_HEADER) + OWNED_LINE_MAX];
	size_t header = owned->written ? 0 : sizeof(OWNED_HEADER) - 1;
	ssize_t written;

	if (owned->fd < 0)
		owned->fd = open(OWNED_FILE, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (owned->fd < 0)
		return report_kernel(report, -errno, NULL, "cannot create %s: %s", OWNED_FILE,
				     error_text(errno));
	memcpy(text, OWNED_HEADER, header);
	memcpy(text + header, line, length);
	written = write(owned->fd, text, header + length);
	if (written != (ssize_t)(header + length) || fdatasync(owned->fd) < 0)
		return report_kernel(report, written < 0 ? -errno : -EIO, NULL,
				     "cannot write %s: %s", OWNED_FILE,
				     error_text(written < 0 ? errno : EIO));
	owned->written += (size_t)written;
	owned->lines++;
	return 0;
}

static size_t netns_line(const struct owned_end *entry, char *line, size_t size)
{
	return format_string(line, size, "netns %s %llu %llu\n", entry->netns,
			     (unsigned long long)entry->mount_point_inode,
			     (unsigned long long)entry->netns_inode);
}

static size_t device_line(const struct owned_end *entry, char *line, size_t size)
{
	return format_string(line, size, "device %s %s %u\n", entry->netns, entry->host_device,
			     entry->host_ifindex);
}

int owned_record_netns(struct owned *owned, const struct owned_end *entry,
		       struct report *report)
{
	char line[OWNED_LINE_MAX];

	return append(owned, line, netns_line(entry, line, sizeof(line)), report);
}

int owned_record_device(struct owned *owned, const struct owned_end *entry,
			struct report *report)
{
	char line[OWNED_LINE_MAX];

	return append(owned, line, device_line(entry, line, sizeof(line)), report);
}

/* Whole lines into the file being written: 0, or a negative errno. */
struct rewrite {
	int fd, error;
	size_t length;
	char text[4096];
};

static void rewrite_flush(struct rewrite *rewrite)
{
	for (size_t done = 0; done < rewrite->length && rewrite->error == 0;) {
		ssize_t written = write(rewrite->fd, rewrite->text + done, rewrite->length - done);

		if (written <= 0)
			rewrite->error = written < 0 ? -errno : -EIO;
		else
			done += (size_t)written;
	}
	rewrite->length = 0;
}

static void rewrite_end(struct rewrite *rewrite, const struct owned_end *entry)
{
	if (sizeof(rewrite->text) - rewrite->length < 2 * OWNED_LINE_MAX)
		rewrite_flush(rewrite);
	rewrite->length += netns_line(entry, rewrite->text + rewrite->length,
				      sizeof(rewrite->text) - rewrite->length);
	if (entry->host_device[0])
		rewrite->length += device_line(entry, rewrite->text + rewrite->length,
					       sizeof(rewrite->text) - rewrite->length);
}

/* The file, when it says more than the ends need (ends forgotten, lines
 * replaced, broken lines): a new file renamed over it, once per run. When
 * that fails the appended file stays, and it says no less. */
static int compact(struct owned *owned)
{
	struct rewrite rewrite = { .length = sizeof(OWNED_HEADER) - 1 };
	size_t needed = 0;

	/* Nothing owned: no file, or it would claim what is gone. */
	if (owned->count == 0)
		return unlink(OWNED_FILE) == 0 || errno == ENOENT ? 0 : -errno;
	for (size_t index = 0; index < owned->count; index++)
		needed += 1 + (owned->ends[index].host_device[0] != '\0');
	if (owned->lines == needed && owned->broken == 0)
		return 0;
	rewrite.fd = open(OWNED_TEMPORARY, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (rewrite.fd < 0)
		return 0;
	memcpy(rewrite.text, OWNED_HEADER, rewrite.length);
	for (size_t index = 0; index < owned->count; index++)
		rewrite_end(&rewrite, &owned->ends[index]);
	rewrite_flush(&rewrite);
	if (rewrite.error == 0 && fdatasync(rewrite.fd) < 0)
		rewrite.error = -errno;
	close(rewrite.fd);
	if (rewrite.error < 0 || rename(OWNED_TEMPORARY, OWNED_FILE) < 0)
		unlink(OWNED_TEMPORARY);
	return 0;
}

/* ---- a run of up or down -------------------------------------------------- */

/* What a killed run may have left under the names only yogurt uses: the
 * device it was making (its pair goes with it) and the mount point file
 * of the namespace it was making. */
static void sweep(struct nl_socket *host)
{
	char path[sizeof(NETNS_RUN_DIR "/" NETNS_TEMPORARY)];

	nl_link_delete(host, PHONE_DEVICE_TEMPORARY);
	format_string(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, NETNS_TEMPORARY);
	unlink(path);
}

int owned_start(int needs_bpf, int *lock_fd, struct owned *owned, struct nl_socket *host,
		struct report *report)
{
	int error;

	memset(owned, 0, sizeof(*owned));
	owned->fd = -1;
	host->fd = -1;
	block_signals(owned);
	error = phone_check_capabilities(needs_bpf, report);
	if (error == 0)
		error = lock(owned, lock_fd, needs_bpf ? "up" : "down", report);
	if (error < 0)
		return error;
	error = owned_load(owned, report);
	if (error == 0)
		error = phone_open_rtnetlink(host, report);
	if (error == 0)
		sweep(host);
	if (error < 0) {
		owned->loaded = 0;	/* nothing of the records touched */
		owned_finish(*lock_fd, owned, host, report);
	}
	return error;
}

int owned_finish(int lock, struct owned *owned, struct nl_socket *host, struct report *report)
{
	int error = owned->loaded ? compact(owned) : 0;

	if (error < 0)
		report_kernel(report, error, NULL, "cannot remove %s: %s", OWNED_FILE,
			      error_text(-error));
	if (owned->fd >= 0)
		close(owned->fd);
	owned->fd = -1;
	memory_arena_free(&owned->arena);
	owned->ends = NULL;
	owned->count = owned->capacity = 0;
	nl_close(host);
	owned_unlock(lock);
	return error;
}
