/* owned.c — what yogurt made, so that `down` removes exactly that and `up`
 * can tell its own namespaces and devices from anybody else's with the
 * same names; and the lock that keeps two runs from interleaving.
 *
 * /run/yogurt/owned holds one line per phone end:
 *     end NAMESPACE NAMESPACE-INODE HOST-DEVICE HOST-IFINDEX
 * /run is a tmpfs: the records vanish with the namespaces at reboot. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>	/* rename */
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "internal.h"

#define OWNED_FILE PHONE_STATE_DIR "/owned"
#define OWNED_TEMPORARY PHONE_STATE_DIR "/owned.new"
#define LOCK_FILE PHONE_STATE_DIR "/lock"
#define LOCK_WAIT_MS 10000

static int make_state_dir(void)
{
	if (mkdir(PHONE_STATE_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int owned_lock(int *fd, struct report *report)
{
	int error = make_state_dir();

	if (error < 0)
		return report_error(report, error, "cannot create %s: %s (is /run writable?)",
				    PHONE_STATE_DIR, error_text(-error));
	*fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return report_error(report, -errno, "cannot open %s: %s", LOCK_FILE,
				    error_text(errno));
	/* Another up or down holds it: wait a while, then say so. */
	for (int waited = 0; flock(*fd, LOCK_EX | LOCK_NB) < 0; waited += 50) {
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			close(*fd);
			return report_error(report, -EBUSY, "another yogurt up or down is still "
					    "running (%s is locked): try again when it has "
					    "finished", LOCK_FILE);
		}
		poll(NULL, 0, 50);
	}
	return 0;
}

void owned_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing releases the flock */
}

/* The next space-separated word of line, bounded by end. */
static const char *next_word(const char *line, const char *end, char *word, size_t size)
{
	size_t length = 0;

	while (line < end && *line == ' ')
		line++;
	while (line < end && *line != ' ' && *line != '\n') {
		if (length + 1 < size)
			word[length++] = *line;
		line++;
	}
	word[length] = '\0';
	return line;
}

static int parse_number(const char *word, uint64_t maximum, uint64_t *value)
{
	return format_parse_unsigned(word, strlen(word), 10, maximum, value);
}

static int parse_line(struct owned *owned, const char *line, const char *end)
{
	char words[5][PHONE_NAME_MAX];
	struct owned_end *entry;
	uint64_t inode, ifindex;

	for (int index = 0; index < 5; index++)
		line = next_word(line, end, words[index], sizeof(words[index]));
	if (strcmp(words[0], "end") != 0 || !words[1][0] ||
	    parse_number(words[2], UINT64_MAX, &inode) < 0 || !words[3][0] ||
	    strlen(words[3]) >= PHONE_DEVICE_MAX ||
	    parse_number(words[4], UINT32_MAX, &ifindex) < 0 || owned->count == OWNED_MAX)
		return -EINVAL;
	entry = &owned->ends[owned->count++];
	memcpy(entry->netns, words[1], sizeof(entry->netns));
	entry->netns_inode = inode;
	memcpy(entry->host_device, words[3], sizeof(entry->host_device));
	entry->host_ifindex = (uint32_t)ifindex;
	return 0;
}

int owned_load(struct owned *owned, struct report *report)
{
	char text[OWNED_MAX * 160];
	ssize_t length;
	int fd = open(OWNED_FILE, O_RDONLY | O_CLOEXEC), line = 1;

	memset(owned, 0, sizeof(*owned));
	if (fd < 0)
		return errno == ENOENT ? 0 : report_error(report, -errno, "cannot read %s: %s",
							   OWNED_FILE, error_text(errno));
	length = read(fd, text, sizeof(text));
	close(fd);
	if (length < 0 || (size_t)length == sizeof(text))
		return report_error(report, -EINVAL, "cannot read %s: %s", OWNED_FILE,
				    length < 0 ? error_text(errno) : "too large");
	for (const char *start = text, *end = text + length; start < end; line++) {
		const char *stop = memchr(start, '\n', (size_t)(end - start));

		if (!stop)
			stop = end;
		if (stop > start && parse_line(owned, start, stop) < 0)
			return report_error(report, -EINVAL, "%s:%d is not a record yogurt wrote: "
					    "remove the file (yogurt then owns nothing) or fix the "
					    "line", OWNED_FILE, line);
		start = stop + 1;
	}
	return 0;
}

int owned_save(const struct owned *owned, struct report *report)
{
	char text[OWNED_MAX * 160];
	size_t length = 0;
	int fd, error = make_state_dir();

	if (error == 0 && owned->count == 0)
		return unlink(OWNED_FILE) == 0 || errno == ENOENT ? 0
			: report_error(report, -errno, "cannot remove %s: %s", OWNED_FILE,
				       error_text(errno));
	for (size_t index = 0; index < owned->count; index++) {
		const struct owned_end *entry = &owned->ends[index];

		length += format_string(text + length, sizeof(text) - length, "end %s %llu %s %u\n",
					entry->netns, (unsigned long long)entry->netns_inode,
					entry->host_device, entry->host_ifindex);
	}
	/* A new file renamed over the old: a crash never leaves half a record. */
	fd = error < 0 ? error
		       : open(OWNED_TEMPORARY, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, length) != (ssize_t)length || close(fd) < 0 ||
	    rename(OWNED_TEMPORARY, OWNED_FILE) < 0)
		return report_error(report, fd < 0 ? fd : -errno, "cannot write %s: %s", OWNED_FILE,
				    error_text(fd < 0 ? -fd : errno));
	return 0;
}

struct owned_end *owned_find(struct owned *owned, const char *netns)
{
	for (size_t index = 0; index < owned->count; index++)
		if (strcmp(owned->ends[index].netns, netns) == 0)
			return &owned->ends[index];
	return NULL;
}

void owned_forget(struct owned *owned, const char *netns)
{
	struct owned_end *entry = owned_find(owned, netns);

	if (!entry)
		return;
	*entry = owned->ends[--owned->count];
}

struct owned_end *owned_remember(struct owned *owned, const char *netns)
{
	struct owned_end *entry = owned_find(owned, netns);

	if (entry)
		return entry;
	if (owned->count == OWNED_MAX)
		return NULL;
	entry = &owned->ends[owned->count++];
	memset(entry, 0, sizeof(*entry));
	format_string(entry->netns, sizeof(entry->netns), "%s", netns);
	return entry;
}

int owned_start(int needs_bpf, int *lock, struct owned *owned, struct nl_socket *host,
		struct report *report)
{
	int error = phone_check_capabilities(needs_bpf, report);

	if (error == 0)
		error = owned_lock(lock, report);
	if (error < 0)
		return error;
	error = owned_load(owned, report);
	if (error == 0)
		error = phone_open_rtnetlink(host, report);
	if (error < 0)
		owned_unlock(*lock);
	return error;
}

void owned_finish(int lock, struct nl_socket *host)
{
	nl_close(host);
	owned_unlock(lock);
}
