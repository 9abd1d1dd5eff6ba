/*
 * mkcpio — write a "newc" (070701) cpio archive, the format the kernel
 * unpacks as an initramfs.
 *
 *   mkcpio OUTPUT ENTRY...      entries as arguments
 *   mkcpio OUTPUT -             entries one per line on stdin
 *
 * ENTRY is one of
 *   dir   PATH MODE
 *   file  PATH MODE SOURCE            (copies host file SOURCE)
 *   nod   PATH MODE c|b MAJOR MINOR   (device node)
 *   slink PATH MODE TARGET
 *
 * We write our own instead of using cpio(1) because cpio can only archive
 * what exists on disk, and creating device nodes there needs root.  Owner,
 * group and mtime are always 0 so that the same inputs give the same bytes.
 * In line mode fields are separated by blanks (so paths cannot contain
 * spaces); blank lines and lines starting with '#' are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NEWC_HEADER_LEN 110  /* "070701" and 13 fields of 8 hex digits */
#define MAX_FIELDS 6        /* "nod PATH MODE c|b MAJOR MINOR" is the longest entry */
#define MAX_NAME_LEN 4095   /* the kernel's unpacker rejects names of PATH_MAX or more */
#define MAX_MAJOR 4095      /* Linux dev_t: 12 bits of major, 20 bits of minor */
#define MAX_MINOR 1048575

/* One line of input (or one group of arguments) naming one archive member. */
struct entry {
	const char *origin;        /* "line" or "argument", for error messages */
	unsigned long origin_no;   /* line number or argv index of the type word */
	int nfields;
	char *fields[MAX_FIELDS + 1];  /* [0] is the type: dir, file, nod, slink;
					  +1 holds the rest of an overlong line */
};

struct archive {
	FILE *out;
	const char *path;
	int remove_on_error;       /* only if OUTPUT is a regular file, never e.g. /dev/full */
	unsigned long offset;      /* bytes written so far: newc aligns to the stream */
	uint32_t next_ino;
};

/* What goes into one newc header; its numeric fields are all 32 bits. */
struct member {
	const char *name;          /* without the leading '/' */
	uint32_t ino;
	uint32_t mode;             /* file type bits | permission bits */
	uint32_t nlink;
	uint32_t size;
	uint32_t rdev_major;
	uint32_t rdev_minor;
};

/* Prints `mkcpio: line 3: "file /init 0755 x": <message>` and returns -1. */
static int entry_error(const struct entry *e, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkcpio: %s %lu: \"", e->origin, e->origin_no);
	for (int i = 0; i < e->nfields; i++)
		fprintf(stderr, "%s%s", i ? " " : "", e->fields[i]);
	fputs("\": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int archive_error(const struct archive *a)
{
	fprintf(stderr, "mkcpio: %s: %s\n", a->path, strerror(errno));
	return -1;
}

static int write_bytes(struct archive *a, const void *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, a->out) != len)
		return archive_error(a);
	a->offset += len;
	return 0;
}

/* Header+name and data each end on a 4-byte boundary of the whole archive. */
static int write_padding(struct archive *a)
{
	static const char zeros[3];

	return write_bytes(a, zeros, (4 - a->offset % 4) % 4);
}

/* Writes the ASCII header, then the NUL-terminated name, padded. */
static int write_header(struct archive *a, const struct member *m)
{
	char header[NEWC_HEADER_LEN + 1];
	uint32_t namesize = (uint32_t)strlen(m->name) + 1;   /* <= MAX_NAME_LEN + 1 */

	/* uid, gid, mtime and the archive's own device number are always 0;
	   the last field (check) is only used by the "070702" variant. */
	snprintf(header, sizeof(header),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 m->ino, m->mode, 0, 0, m->nlink, 0, m->size, 0, 0,
		 m->rdev_major, m->rdev_minor, namesize, 0);
	if (write_bytes(a, header, NEWC_HEADER_LEN) < 0 || write_bytes(a, m->name, namesize) < 0)
		return -1;
	return write_padding(a);
}

/* Archive names are relative; insisting on a leading '/' in the entry
   catches swapped arguments such as "file build/yogurt 0755 /init". */
static int parse_path(const struct entry *e, const char **name)
{
	const char *path = e->fields[1];

	if (path[0] != '/')
		return entry_error(e, "path \"%s\" must start with '/'", path);
	while (*path == '/')
		path++;
	if (!*path)
		return entry_error(e, "the root directory cannot be an entry");
	if (strlen(path) > MAX_NAME_LEN)
		return entry_error(e, "path is longer than %d bytes", MAX_NAME_LEN);
	*name = path;
	return 0;
}

static int parse_number(const struct entry *e, const char *what, const char *text,
			int base, uint32_t max, uint32_t *value)
{
	unsigned long parsed;
	char *end;

	errno = 0;
	parsed = strtoul(text, &end, base);
	if (!*text || *end || text[0] == '-' || errno || parsed > max)
		return entry_error(e, base == 8 ? "bad %s \"%s\" (want octal 0..%#o)"
						: "bad %s \"%s\" (want 0..%u)", what, text, max);
	*value = (uint32_t)parsed;
	return 0;
}

/* Fills in everything a member needs from "TYPE PATH MODE ...". */
static int start_member(struct archive *a, const struct entry *e,
			uint32_t type, struct member *m)
{
	uint32_t perm;

	memset(m, 0, sizeof(*m));
	if (parse_path(e, &m->name) < 0 ||
	    parse_number(e, "mode", e->fields[2], 8, 07777, &perm) < 0)
		return -1;
	m->ino = a->next_ino++;
	m->mode = type | perm;
	m->nlink = type == S_IFDIR ? 2 : 1;
	return 0;
}

static int add_dir(struct archive *a, const struct entry *e)
{
	struct member m;

	if (start_member(a, e, S_IFDIR, &m) < 0)
		return -1;
	return write_header(a, &m);
}

static int add_nod(struct archive *a, const struct entry *e)
{
	const char *kind = e->fields[3];
	struct member m;

	if (strcmp(kind, "c") && strcmp(kind, "b"))
		return entry_error(e, "device kind \"%s\" must be c or b", kind);
	if (start_member(a, e, kind[0] == 'c' ? S_IFCHR : S_IFBLK, &m) < 0 ||
	    parse_number(e, "major", e->fields[4], 10, MAX_MAJOR, &m.rdev_major) < 0 ||
	    parse_number(e, "minor", e->fields[5], 10, MAX_MINOR, &m.rdev_minor) < 0)
		return -1;
	return write_header(a, &m);
}

/* A symlink's data is its target, without a terminating NUL. */
static int add_slink(struct archive *a, const struct entry *e)
{
	const char *target = e->fields[3];
	struct member m;

	if (start_member(a, e, S_IFLNK, &m) < 0)
		return -1;
	if (strlen(target) > MAX_NAME_LEN)
		return entry_error(e, "target is longer than %d bytes", MAX_NAME_LEN);
	m.size = (uint32_t)strlen(target);
	if (write_header(a, &m) < 0 || write_bytes(a, target, m.size) < 0)
		return -1;
	return write_padding(a);
}

/* Streams exactly `size` bytes; a file that changes size meanwhile is an error
   because the header already promised that size. */
static int copy_file_data(struct archive *a, const struct entry *e, FILE *in,
			  const char *source, uint32_t size)
{
	char buf[65536];
	uint64_t copied = 0;
	size_t n;

	for (;;) {
		n = fread(buf, 1, sizeof(buf), in);
		if (n == 0 || copied + n > size)
			break;
		if (write_bytes(a, buf, n) < 0)
			return -1;
		copied += n;
	}
	if (ferror(in))
		return entry_error(e, "%s: %s", source, strerror(errno));
	if (copied != size || n > 0)
		return entry_error(e, "%s: file changed size while being copied", source);
	return write_padding(a);
}

static int add_file(struct archive *a, const struct entry *e)
{
	const char *source = e->fields[3];
	struct member m;
	struct stat st;
	FILE *in;
	int rc = -1;

	if (start_member(a, e, S_IFREG, &m) < 0)
		return -1;
	in = fopen(source, "rb");
	if (!in)
		return entry_error(e, "%s: %s", source, strerror(errno));
	if (fstat(fileno(in), &st) < 0)
		entry_error(e, "%s: %s", source, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		entry_error(e, "%s: not a regular file", source);
	else if ((uintmax_t)st.st_size > UINT32_MAX)
		entry_error(e, "%s: larger than the 4 GiB newc limit", source);
	else {
		m.size = (uint32_t)st.st_size;
		if (write_header(a, &m) == 0)
			rc = copy_file_data(a, e, in, source, m.size);
	}
	fclose(in);
	return rc;
}

struct entry_type {
	const char *name;
	int nargs;              /* fields after the type word */
	const char *usage;
	int (*add)(struct archive *, const struct entry *);
};

static const struct entry_type entry_types[] = {
	{ "dir",   2, "dir PATH MODE",                 add_dir },
	{ "file",  3, "file PATH MODE SOURCE",         add_file },
	{ "nod",   5, "nod PATH MODE c|b MAJOR MINOR", add_nod },
	{ "slink", 3, "slink PATH MODE TARGET",        add_slink },
};

static const struct entry_type *find_entry_type(const char *name)
{
	for (size_t i = 0; i < sizeof(entry_types) / sizeof(entry_types[0]); i++)
		if (!strcmp(entry_types[i].name, name))
			return &entry_types[i];
	return NULL;
}

static int add_entry(struct archive *a, const struct entry *e)
{
	const struct entry_type *type = find_entry_type(e->fields[0]);

	if (!type)
		return entry_error(e, "unknown entry type \"%s\" (want dir, file, nod or slink)",
				   e->fields[0]);
	if (e->nfields != 1 + type->nargs)
		return entry_error(e, "wrong number of fields, want: %s", type->usage);
	return type->add(a, e);
}

/* Argument mode: the type word says how many of the following arguments
   belong to the entry. */
static int add_entries_from_args(struct archive *a, int argc, char **argv, int first)
{
	for (int i = first; i < argc;) {
		const struct entry_type *type = find_entry_type(argv[i]);
		struct entry e = { .origin = "argument", .origin_no = (unsigned long)i };
		int want = type ? 1 + type->nargs : 1;

		while (e.nfields < want && i < argc)
			e.fields[e.nfields++] = argv[i++];
		if (add_entry(a, &e) < 0)
			return -1;
	}
	return 0;
}

/* Splits a line in place into blank-separated fields.  Past MAX_FIELDS the
   rest of the line stays one field: add_entry() rejects the count and the
   error message then shows the whole line. */
static void split_fields(char *line, struct entry *e)
{
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	e->nfields = 0;
	while (*(p += strspn(p, " \t"))) {
		e->fields[e->nfields++] = p;
		if (e->nfields == MAX_FIELDS + 1)
			break;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
}

static int add_entries_from_stream(struct archive *a, FILE *in)
{
	struct entry e = { .origin = "line" };
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	while (rc == 0 && getline(&line, &cap, in) != -1) {
		e.origin_no++;
		split_fields(line, &e);
		if (e.nfields > 0 && e.fields[0][0] != '#')
			rc = add_entry(a, &e);
	}
	if (rc == 0 && ferror(in)) {
		fprintf(stderr, "mkcpio: stdin: %s\n", strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
}

/* The end-of-archive marker is an empty member named TRAILER!!!. */
static int write_trailer(struct archive *a)
{
	const struct member trailer = { .name = "TRAILER!!!", .nlink = 1 };

	return write_header(a, &trailer);
}

int main(int argc, char **argv)
{
	struct archive a = { .next_ino = 1 };
	struct stat st;
	int rc;

	if (argc < 3) {
		fputs("usage: mkcpio OUTPUT ENTRY...   or   mkcpio OUTPUT - < LIST\n"
		      "  ENTRY: dir PATH MODE | file PATH MODE SOURCE |\n"
		      "         nod PATH MODE c|b MAJOR MINOR | slink PATH MODE TARGET\n",
		      stderr);
		return 2;
	}
	a.path = argv[1];
	a.out = fopen(a.path, "wb");
	if (!a.out) {
		archive_error(&a);
		return 1;
	}
	a.remove_on_error = fstat(fileno(a.out), &st) == 0 && S_ISREG(st.st_mode);
	if (argc == 3 && !strcmp(argv[2], "-"))
		rc = add_entries_from_stream(&a, stdin);
	else
		rc = add_entries_from_args(&a, argc, argv, 2);
	if (rc == 0)
		rc = write_trailer(&a);
	if (fclose(a.out) != 0 && rc == 0)
		rc = archive_error(&a);
	if (rc < 0) {
		if (a.remove_on_error)
			unlink(a.path);   /* a truncated archive would boot into confusion */
		return 1;
	}
	return 0;
}
