/* unicode.c: UTF-8 checks of our own, and libidn2/libunistring behind dlopen,
 * resolved per use: no state survives a call, nothing is left loaded by us. */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>     /* constants only: the library itself is loaded on demand */
#include <unictype.h> /* the category masks only */
#include <uninorm.h>  /* the uninorm_t type only */

#include "ascii.h"
#include "unicode.h"

size_t bg_utf8_seq(const unsigned char *p, size_t n)
{
	size_t need;
	unsigned cp, min;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 1;
		cp = p[0] & 0x1fu;
		min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 2;
		cp = p[0] & 0x0fu;
		min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3;
		cp = p[0] & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n <= need)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

size_t bg_utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t bg_utf8_prefix(const unsigned char *p, size_t len, size_t *widest)
{
	size_t i = 0, k;

	while (i < len) {
		/* ASCII runs, eight bytes at a time: nearly every line is all ASCII. */
		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i == len)
			break;
		if (p[i] < 0x80) { /* the tail of a run: no call for a byte */
			i++;
			continue;
		}
		if ((k = bg_utf8_seq(p + i, len - i)) == 0)
			return i;
		if (widest && k > *widest)
			*widest = k;
		i += k;
	}
	return len;
}

bool bg_utf8_valid(const char *s, size_t len)
{
	return bg_utf8_prefix((const unsigned char *)s, len, NULL) == len;
}

struct bg_unicode {
	void *idn2, *unistring;
	int (*to_ascii_8z)(const char *in, char **out, int flags);
	void (*idn2_free)(void *p);
	uint8_t *(*casefold)(const uint8_t *s, size_t n, const char *lang, uninorm_t nf,
			     uint8_t *buf, size_t *len);
	uint8_t *(*normalize)(uninorm_t nf, const uint8_t *s, size_t n, uint8_t *buf, size_t *len);
	uninorm_t nfc, nfkc;
	int (*to_unicode_8z8z)(const char *in, char **out, int flags);
	bool (*is_category)(ucs4_t uc, uint32_t mask);
};

int bg_unicode_open(struct bg_unicode **out)
{
	struct bg_unicode *u = calloc(1, sizeof(*u));
	const void *nfc;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->idn2 = dlopen("libidn2.so.0", RTLD_NOW | RTLD_LOCAL);
	u->unistring = dlopen("libunistring.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!u->idn2 || !u->unistring)
		goto fail;
	/* POSIX's way to turn dlsym's object pointer into a function pointer. */
	*(void **)&u->to_ascii_8z = dlsym(u->idn2, "idn2_to_ascii_8z");
	*(void **)&u->idn2_free = dlsym(u->idn2, "idn2_free");
	*(void **)&u->casefold = dlsym(u->unistring, "u8_casefold");
	*(void **)&u->normalize = dlsym(u->unistring, "u8_normalize");
	/* UNINORM_NFC is &uninorm_nfc. */
	nfc = dlsym(u->unistring, "uninorm_nfc");
	u->nfc = nfc;
	nfc = dlsym(u->unistring, "uninorm_nfkc");
	u->nfkc = nfc;
	*(void **)&u->to_unicode_8z8z = dlsym(u->idn2, "idn2_to_unicode_8z8z");
	*(void **)&u->is_category = dlsym(u->unistring, "uc_is_general_category_withtable");
	if (!u->to_ascii_8z || !u->idn2_free || !u->casefold || !u->normalize || !u->nfc ||
	    !u->nfkc || !u->to_unicode_8z8z || !u->is_category)
		goto fail;
	*out = u;
	return 0;
fail:
	bg_unicode_close(u);
	return -ENOSYS;
}

void bg_unicode_close(struct bg_unicode *u)
{
	if (!u)
		return;
	if (u->idn2)
		dlclose(u->idn2);
	if (u->unistring)
		dlclose(u->unistring);
	free(u);
}

int bg_unicode_local(struct bg_unicode *u, const char *s, size_t n, bool fold, char *out,
		     size_t outlen)
{
	uint8_t buf[1024];
	size_t rlen = sizeof(buf);
	uint8_t *r;
	int rc;

	if (!bg_utf8_valid(s, n))
		return -EILSEQ;
	errno = 0;
	if (fold)
		r = u->casefold((const uint8_t *)s, n, NULL, u->nfkc, buf, &rlen);
	else
		r = u->normalize(u->nfkc, (const uint8_t *)s, n, buf, &rlen);
	if (!r)
		return errno == ENOMEM ? -ENOMEM : -EILSEQ;
	if (rlen >= outlen) {
		rc = -ENOSPC;
	} else {
		memcpy(out, r, rlen);
		out[rlen] = '\0';
		rc = (int)rlen;
	}
	if (r != buf)
		free(r);
	return rc;
}

int bg_unicode_domain(struct bg_unicode *u, const char *s, size_t n, char *out, size_t outlen)
{
	char tmp[1024], *ace = NULL;
	size_t len;
	int rc;

	if (n >= sizeof(tmp))
		return -ENOSPC;
	if (!bg_utf8_valid(s, n))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	rc = u->to_ascii_8z(tmp, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = u->to_ascii_8z(tmp, &ace, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	if (rc != IDN2_OK)
		return rc == IDN2_MALLOC ? -ENOMEM : -EINVAL;
	len = strlen(ace);
	if (len >= outlen) {
		u->idn2_free(ace);
		return -ENOSPC;
	}
	for (size_t i = 0; i <= len; i++)
		out[i] = bg_ascii_tolower(ace[i]);
	u->idn2_free(ace);
	return (int)len;
}

bool bg_unicode_is_letter(struct bg_unicode *u, unsigned cp)
{
	return u->is_category(cp, UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M | UC_CATEGORY_MASK_Nd);
}

bool bg_unicode_is_base_letter(struct bg_unicode *u, unsigned cp)
{
	return u->is_category(cp, UC_CATEGORY_MASK_L);
}

int bg_unicode_nfkc(struct bg_unicode *u, const char *s, size_t n, char *out, size_t outlen)
{
	/* bg_unicode_local without the fold is exactly NFKC. */
	return bg_unicode_local(u, s, n, false, out, outlen);
}

int bg_unicode_to_unicode(struct bg_unicode *u, const char *ace, char *out, size_t outlen)
{
	char *r = NULL;
	size_t len;
	int rc;

	rc = u->to_unicode_8z8z(ace, &r, 0);
	if (rc != IDN2_OK || !r)
		return rc == IDN2_MALLOC ? -ENOMEM : -EINVAL;
	len = strlen(r);
	if (len >= outlen) {
		u->idn2_free(r);
		return -ENOSPC;
	}
	memcpy(out, r, len + 1);
	u->idn2_free(r);
	return (int)len;
}
