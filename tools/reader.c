/* reader.c: the reader registry and format detection.  Detection refuses what is
 * plainly not an advisory list (empty, a workbook, a PDF, binary data) with a
 * message that says what to do, then lets the readers' probes bid on the head. */
#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define HEAD_MAX (64 * 1024)
/* Binary checks look at this much of the head: enough to be sure, cheap to scan. */
#define BINARY_SCAN 4096

static const struct bg_reader *const readers[] = {
    &bg_reader_text,
    &bg_reader_csv,
    &bg_reader_json,
    &bg_reader_eml,
};

const struct bg_reader *bg_reader_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		if (strcmp(readers[i]->name, name) == 0)
			return readers[i];
	}
	return NULL;
}

static bool starts(const char *head, size_t len, const char *magic, size_t mlen)
{
	return len >= mlen && memcmp(head, magic, mlen) == 0;
}

/* Bytes no text list holds: NUL and C0 controls other than the white space ones,
 * and bytes that cannot be part of UTF-8 or a legacy 8-bit text at that rate. */
static bool looks_binary(const char *head, size_t len)
{
	const unsigned char *p = (const unsigned char *)head;
	size_t n = len < BINARY_SCAN ? len : BINARY_SCAN, i, ctrl = 0, bad8 = 0, k;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == 0 ||
		    (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
		     c != 0x1a) ||
		    c == 0x7f) {
			ctrl++;
			continue;
		}
		if (c < 0x80)
			continue;
		/* Count bytes of sequences that are not UTF-8. */
		k = 1;
		while (k < 4 && i + k < n && (p[i + k] & 0xc0) == 0x80)
			k++;
		if (bg_utf8_valid(head + i, k) || i + k == n) {
			i += k - 1;
			continue;
		}
		bad8++;
	}
	if (ctrl >= 4 && ctrl * 10 > n)
		return true;
	/* Latin-1 text is still mostly ASCII; random data is half high bytes. */
	return bad8 >= 32 && bad8 * 4 > n;
}

const struct bg_reader *bg_reader_detect(struct bg_input *in, const char *path, char *err,
					 size_t errlen)
{
	const struct bg_reader *best = NULL;
	const char *head = NULL, *name = bg_input_name(in);
	char dummy;
	long got;
	size_t len, i;
	int score, best_score = -1;

	got = bg_input_peek(in, &head, HEAD_MAX);
	if (got < 0) {
		/* The input keeps its error sticky; a zero-length read returns it
		 * with the message. */
		if (bg_input_read(in, &dummy, 0, err, errlen) >= 0)
			snprintf(err, errlen, "%s: %s", name, strerror((int)-got));
		return NULL;
	}
	len = (size_t)got;
	if (!path)
		path = "-";
	if (len == 0) {
		snprintf(err, errlen, "%s: empty file, no addresses", name);
		goto out;
	}
	if (starts(head, len, "PK\x03\x04", 4) || starts(head, len, "PK\x05\x06", 4)) {
		snprintf(err, errlen,
			 "%s: looks like a spreadsheet workbook (zip); export it as CSV", name);
		goto out;
	}
	if (starts(head, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
		snprintf(err, errlen,
			 "%s: looks like an old Excel workbook (.xls, OLE2); export it as CSV",
			 name);
		goto out;
	}
	if (starts(head, len, "%PDF", 4)) {
		snprintf(err, errlen,
			 "%s: looks like a PDF document; export the list as text or CSV", name);
		goto out;
	}
	if (looks_binary(head, len)) {
		snprintf(err, errlen, "%s: binary data, not an advisory list", name);
		goto out;
	}
	/* Readers in registry order with a strict "greater than": text wins ties. */
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		score = readers[i]->probe(head, len, path);
		if (score > best_score) {
			best_score = score;
			best = readers[i];
		}
	}
out:
	return best;
}
