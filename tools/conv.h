/* conv.h: a text encoding to UTF-8, with iconv(3)'s contract.
 *
 * Every decoding of the tool goes through here (the input stream, a mail part,
 * an encoded word, the encoding guess), so that one name reads the same
 * everywhere.  It is iconv, except for ISO-2022-JP, which glibc reads as the
 * standard has it, JIS X 0208 alone: the NEC row 13 (①, ㈱, №) and the IBM
 * rows that Japanese mailers (Outlook, Thunderbird, Becky!) put in the same
 * shift, as Microsoft's CP50220/50221 do, were undecodable, and a seven-bit
 * file holding one was not taken for ISO-2022-JP at all.  Here ISO-2022-JP is
 * read as those mailers write it: JIS X 0208 with the CP932 extensions, the
 * JIS X 0201 kana (ESC ( I, SO/SI) and JIS-Roman as ASCII; it decodes as CP932
 * would decode the same text (U+FF5E for 〜, U+FF0D for －). */
#ifndef BG_CONV_H
#define BG_CONV_H

#include <stddef.h>

struct bg_conv;

/* From the encoding `from` (iconv's name; ISO-2022-JP, CSISO2022JP,
 * ISO-2022-JP-MS and CP50220/1/2 read as above) to UTF-8.  NULL with errno
 * EINVAL when neither knows it, ENOMEM. */
struct bg_conv *bg_conv_open(const char *from);

/* iconv(3): converts from *ip to *op as far as both go and returns 0, or
 * (size_t)-1 with errno E2BIG (no room), EINVAL (a character cut at the end of
 * the input) or EILSEQ (at a byte that is no character: the caller steps over
 * one byte and goes on, as with iconv).  ip == NULL resets the shift state. */
size_t bg_conv(struct bg_conv *c, char **ip, size_t *il, char **op, size_t *ol);

void bg_conv_close(struct bg_conv *c);

#endif
