/* fuzz_conv.c: ISO-2022-JP's reader (conv.c).  The first byte says where the
 * input is cut in two and how small the output buffer is; the text decoded in
 * pieces, with a character cut at the first piece's end carried over (EINVAL)
 * and a full buffer emptied (E2BIG), must equal the text decoded whole, be
 * valid UTF-8 but for the '?' an error leaves, and never overrun. */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>

#include "conv.h"
#include "unicode.h"

/* Decodes in[0..n) in at most two calls' worth of input (cut at `cut`) into
 * out through a buffer of `room` bytes; returns the length, or -1 if opening
 * failed (an injected failure). */
static long decode(const uint8_t *in, size_t n, size_t cut, size_t room, char *out, size_t cap)
{
	struct bg_conv *c = bg_conv_open("ISO-2022-JP");
	char *ip = (char *)in;
	size_t il = cut, o = 0, given = cut;

	if (!c)
		return -1;
	for (;;) {
		char buf[64], *op = buf;
		size_t ol = room, r;
		int e;

		r = bg_conv(c, &ip, &il, &op, &ol);
		e = errno;
		if ((size_t)(op - buf) > room || o + (size_t)(op - buf) > cap)
			__builtin_trap();
		memcpy(out + o, buf, (size_t)(op - buf));
		o += (size_t)(op - buf);
		if (r != (size_t)-1 || (e == EINVAL && given < n)) {
			if (given == n)
				break;
			/* The second piece: what was left of the first, then the rest. */
			il += n - given;
			given = n;
			continue;
		}
		if (e == E2BIG)
			continue;
		if (o + 1 > cap)
			__builtin_trap();
		out[o++] = '?'; /* EILSEQ, or a cut at the very end: one byte stepped over */
		ip++;
		il--;
		if (!il && given == n)
			break;
	}
	bg_conv_close(c);
	return (long)o;
}

int fuzz_one(const uint8_t *data, size_t size)
{
	size_t n, cut, room, cap;
	char *a, *b;
	long la, lb;

	if (size < 1 || size > 65536)
		return 0;
	n = size - 1;
	cut = n ? data[0] % (n + 1) : 0;
	room = 4 + data[0] % 32; /* the widest character is 3 bytes of UTF-8 */
	cap = n * 3 + 16;
	a = malloc(cap);
	b = malloc(cap);
	if (a && b) {
		la = decode(data + 1, n, n, 60, a, cap);
		lb = decode(data + 1, n, cut, room, b, cap);
		if (la >= 0 && lb >= 0 && !fuzz_injected()) {
			if (la != lb || memcmp(a, b, (size_t)la) != 0)
				__builtin_trap();
			for (long i = 0; i < la; i++)
				if (a[i] == '?')
					a[i] = 'x';
			if (!bg_utf8_valid(a, (size_t)la))
				__builtin_trap();
		}
	}
	free(a);
	free(b);
	return 0;
}
