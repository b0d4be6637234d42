/* ascii.h: character classes and case folding by the ASCII rules, whatever the
 * process's locale.  su and passwd run PAM in the caller's locale (setlocale
 * LC_ALL ""): under tr_TR.UTF-8, tolower('I') is 'I' and strcasecmp("I", "i")
 * is not 0, so <ctype.h> and <strings.h> must not touch user, address or
 * configuration data. */
#ifndef BG_ASCII_H
#define BG_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline bool bg_ascii_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool bg_ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* The value of a hex digit, or -1. */
static inline int bg_ascii_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool bg_ascii_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool bg_ascii_isalnum(int c)
{
	return bg_ascii_isalpha(c) || bg_ascii_isdigit(c);
}

static inline char bg_ascii_tolower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* strncasecmp by the ASCII rules; bytes >= 0x80 compare as they are. */
static inline int bg_ascii_strncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)bg_ascii_tolower(a[i]);
		unsigned char y = (unsigned char)bg_ascii_tolower(b[i]);

		if (x != y || x == '\0')
			return (int)x - (int)y;
	}
	return 0;
}

static inline int bg_ascii_strcasecmp(const char *a, const char *b)
{
	return bg_ascii_strncasecmp(a, b, (size_t)-1);
}

/* Whether the n bytes at s start with lit, ASCII case ignored. */
static inline bool bg_ascii_starts_ci(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && bg_ascii_strncasecmp(s, lit, l) == 0;
}

/* Whether the n bytes at s are one of names (NULL ends the list), ASCII case
 * ignored: a format's attribute or property name. */
static inline bool bg_ascii_one_of(const char *s, size_t n, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && bg_ascii_strncasecmp(s, names[i], n) == 0)
			return true;
	return false;
}

/* Whether the string s ends with suffix, ASCII case ignored (a file name's
 * extension: the locale must not change which file is which). */
static inline bool bg_ascii_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && bg_ascii_strcasecmp(s + n - m, suffix) == 0;
}

#endif
