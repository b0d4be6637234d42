/* gen.c: synthetic breach lists for the benchmark.  Deterministic for a given
 * (lines, first, seed): identity k is "given.familyK@domain(k)"; each line is a
 * new identity (90%) or a repeat of an earlier one of this list (10%), written
 * in one of the forms advisories use: plain, Upper+tag, "Display Name" <addr>,
 * mailto:.  About 0.2% carry an IDN domain and 0.1% are junk (invalid lines), so
 * the normaliser's slow and error paths run at their real share.
 *
 * usage: gen LINES [FIRST [SEED]] > file.txt
 *   FIRST: the first identity index (a second advisory overlapping the first:
 *   FIRST = half the first list's identities).
 * Prints "lines identities" to stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const given[] = {
    "anna",    "ben",	"carla", "david", "eva",  "felix",  "greta",  "hans",
    "ines",    "jonas", "kim",	 "lena",  "max",  "nina",   "oskar",  "paula",
    "quentin", "rosa",	"sven",	 "tina",  "ulf",  "vera",   "walter", "xenia",
    "yusuf",   "zoe",	"akira", "bruno", "chen", "dmitri", "elif",   "fatima",
};
static const char *const family[] = {
    "mueller", "schmidt", "tanaka",   "suzuki", "smith", "jones",  "garcia", "martin",
    "rossi",   "novak",	  "kowalski", "nguyen", "silva", "dubois", "jensen", "larsen",
};
static const char *const common_domains[] = {
    "gmail.com", "yahoo.com",	"hotmail.com",	 "outlook.com", "web.de",
    "gmx.de",	 "fujitsu.com", "example.co.jp", "mail.ru",	"orange.fr",
};
static const char *const tags[] = {"news", "shop", "work", "x", "2021", "portal"};

static uint64_t rng_state;

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* The domain of identity k: a few big providers, then a long tail of companies. */
static void domain_of(uint64_t k, char *out, size_t len, int idn)
{
	uint64_t h = mix(k);

	if (idn)
		snprintf(out, len,
			 "b\xc3\xbc"
			 "cher%u.example",
			 (unsigned)(h % 97));
	else if (h % 100 < 60)
		snprintf(out, len, "%s", common_domains[(h >> 8) % 10]);
	else
		snprintf(out, len, "corp%u.example.com", (unsigned)((h >> 8) % 5000));
}

static void upper_first(char *s)
{
	if (*s >= 'a' && *s <= 'z')
		*s = (char)(*s - 'a' + 'A');
}

static void upper_all(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

int main(int argc, char **argv)
{
	uint64_t lines, first = 0, made = 0, seed = 1;
	char dom[64], g[16], f[16];
	static char buf[1 << 16];

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: gen LINES [FIRST [SEED]]\n");
		return 2;
	}
	lines = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		first = strtoull(argv[2], NULL, 10);
	if (argc > 3)
		seed = strtoull(argv[3], NULL, 10);
	rng_state = seed * 0x2545f4914f6cdd1dULL + first;
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	for (uint64_t i = 0; i < lines; i++) {
		uint64_t r = rnd(), k;
		unsigned form = (unsigned)((r >> 8) % 100);
		int idn;

		if ((r & 0x3ff) == 0) { /* ~0.1% junk */
			printf("record %llu: contact removed\n", (unsigned long long)i);
			continue;
		}
		if (made && (r >> 40) % 10 == 0)
			k = first + (rnd() % made); /* a repeat, usually in another form */
		else
			k = first + made++;
		idn = mix(k ^ 0x5555) % 500 == 0;
		domain_of(k, dom, sizeof(dom), idn);
		snprintf(g, sizeof(g), "%s", given[k % 32]);
		snprintf(f, sizeof(f), "%s", family[(k / 32) % 16]);
		if (form < 45) {
			printf("%s.%s%llu@%s\n", g, f, (unsigned long long)k, dom);
		} else if (form < 65) {
			char d2[64];

			snprintf(d2, sizeof(d2), "%s", dom);
			if (!idn)
				upper_all(d2);
			upper_first(g);
			upper_first(f);
			printf("%s.%s%llu+%s@%s\n", g, f, (unsigned long long)k,
			       tags[(r >> 20) % 6], d2);
		} else if (form < 85) {
			char G[16], F[16];

			snprintf(G, sizeof(G), "%s", g);
			snprintf(F, sizeof(F), "%s", f);
			upper_first(G);
			upper_first(F);
			printf("\"%s %s\" <%s.%s%llu@%s>\n", G, F, g, f, (unsigned long long)k,
			       dom);
		} else {
			printf("mailto:%s.%s%llu@%s\n", g, f, (unsigned long long)k, dom);
		}
	}
	if (fflush(stdout) != 0) {
		perror("gen: write");
		return 1;
	}
	fprintf(stderr, "%llu %llu\n", (unsigned long long)lines, (unsigned long long)made);
	return 0;
}
