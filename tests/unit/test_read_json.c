/* test_read_json.c: the JSON reader on realistic advisories (a HIBP domain
 * search, a notification service's objects, a plain array) and on hostile input
 * (syntax errors, nesting, huge strings, escapes).  Run from the source root. */
#include <errno.h>
#include <stdlib.h>

#include "tsink.h"
#include "t.h"

#define FIX "tests/fixtures/json/"

static struct tsink r;

static void t_hibp(void)
{
	struct bg_read_opts o = {.domain = "example.com"};

	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "hibp_domain.json", &o), 0);
	T_EQ_INT(r.nrecord, 5);
	T_EQ_INT(r.naddr, 5);
	T_EQ_INT(r.ninvalid, 0);
	T_EQ_STR(r.addr[0], "alice@example.com");
	T_EQ_INT(r.addr_line[0], 2);
	T_EQ_STR(r.addr[1], "bob@example.com");
	T_EQ_INT(r.addr_line[1], 3);
	T_EQ_STR(r.addr[2], "carol.jones@example.com");
	T_EQ_STR(r.addr[3], "dave@example.com");
	T_EQ_INT(r.addr_line[3], 5);
	T_EQ_STR(r.addr[4], "erin@example.com");
	T_EQ_INT(r.addr_line[4], 9);

	/* --breach keeps the aliases listing it, in any case */
	o.breach = "Gawker";
	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "hibp_domain.json", &o), 0);
	T_EQ_INT(r.nrecord, 5);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[0], "bob@example.com");
	T_EQ_STR(r.addr[1], "erin@example.com");

	o.breach = "Ashley";
	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "hibp_domain.json", &o), -EINVAL);
	T_EQ_STR(r.err, FIX "hibp_domain.json: no alias lists the breach \"Ashley\" "
			    "(breaches seen: Adobe,Gawker,Stratfor,Canva,LinkedIn)");

	o.breach = NULL;
	o.domain = NULL;
	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "hibp_domain.json", &o), -EINVAL);
	T_EQ_STR(r.err, FIX "hibp_domain.json: this looks like a domain search result "
			    "(alias -> breaches); give the domain with --domain");
	T_EQ_INT(r.naddr, 0);

	/* a whole address as the key, an empty one, a member that is no breach list */
	o.domain = "example.org";
	T_EQ_INT(ts_run_str(&r, &bg_reader_json,
			    "{\"a\":[\"X\"],\n\"b@example.net\":[\"X\"],\n\"\":[\"X\"],\n\"d\":3,\n"
			    "\"e\":[]}",
			    &o),
		 0);
	T_EQ_INT(r.nrecord, 5);
	T_EQ_INT(r.naddr, 3);
	T_EQ_STR(r.addr[0], "a@example.org");
	T_EQ_STR(r.addr[1], "b@example.net");
	T_EQ_INT(r.addr_line[1], 2);
	T_EQ_STR(r.addr[2], "e@example.org");
	T_EQ_INT(r.ninvalid, 2);
	T_EQ_STR(r.why[0], "empty alias");
	T_EQ_INT(r.invalid_line[0], 3);
	T_EQ_STR(r.why[1], "alias without a list of breaches");
	T_EQ_INT(r.invalid_line[1], 4);

	/* keyed by whole addresses: no --domain needed; a bare alias then is noted */
	T_EQ_INT(ts_run_str(&r, &bg_reader_json,
			    "{\"f@example.net\":[\"Adobe\"],\n\"g\":[\"Adobe\"]}", NULL),
		 0);
	T_EQ_INT(r.naddr, 1);
	T_EQ_STR(r.addr[0], "f@example.net");
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_STR(r.why[0], "alias without a domain (give --domain)");
	T_EQ_INT(r.invalid_line[0], 2);
}

static void t_objects(void)
{
	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "notify_objects.json", NULL), 0);
	T_EQ_INT(r.nrecord, 5);
	T_EQ_INT(r.naddr, 4);
	T_EQ_STR(r.addr[0], "frank@example.org");
	T_EQ_INT(r.addr_line[0], 6);
	T_EQ_STR(r.addr[1], "grace@example.org"); /* "e-mail" beats "address" */
	T_EQ_INT(r.addr_line[1], 7);
	T_EQ_STR(r.addr[2], "heidi@example.net"); /* one object down */
	T_EQ_INT(r.addr_line[2], 13);
	T_EQ_STR(r.addr[3], "ivan@example.test"); /* the shallower field wins */
	T_EQ_INT(r.addr_line[3], 14);
	T_EQ_INT(r.ninvalid, 2);
	T_EQ_STR(r.why[0], "object holds no address field");
	T_EQ_INT(r.invalid_line[0], 8);
	/* ivan's "alt" address is said, with its field's name, never dropped unsaid */
	T_EQ_STR(r.why[1], "another field of the record holds an address, not imported (--field "
			   "chooses the one read)");
	T_EQ_INT(r.invalid_line[1], 14);
	T_EQ_INT(ts_find(&r, "security@vendor.example.net"), -1);

	/* --field names the member; deeper ones count too */
	{
		struct bg_read_opts o = {.field = "LOGIN"};

		T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "notify_objects.json", &o), 0);
		T_EQ_INT(r.nrecord, 5);
		/* "heidi" holds no address: the tokeniser says so. */
		T_EQ_INT(r.naddr, 0);
		/* four objects without a login, heidi's, and her emailAddress said */
		T_EQ_INT(r.ninvalid, 6);
		{
			int hits = 0;

			for (size_t i = 0; i < r.ninvalid && i < TS_MAX; i++)
				hits += strcmp(r.why[i], "no address in the string") == 0;
			T_EQ_INT(hits, 1);
		}
	}

	/* a wrapper two levels down, an array-valued field */
	T_EQ_INT(ts_run_str(&r, &bg_reader_json,
			    "{\"response\":{\"meta\":{\"n\":2},\"data\":[\n"
			    "{\"emails\":[\"a@example.com\",\"b@example.com\"]},\n"
			    "{\"email\":null}]}}",
			    NULL),
		 0);
	T_EQ_INT(r.nrecord, 2);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[1], "b@example.com");
	T_EQ_INT(r.addr_line[1], 2);
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_INT(r.invalid_line[0], 3);

	/* one object a line (JSON Lines), and a lone object */
	T_EQ_INT(ts_run_str(&r, &bg_reader_json,
			    "{\"email\":\"a@example.com\",\"tags\":[\"x\"]}\n"
			    "{\"user\":{\"mail\":\"b@example.com\"}}\n{\"name\":\"c\"}\n",
			    NULL),
		 0);
	T_EQ_INT(r.nrecord, 3);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[1], "b@example.com");
	T_EQ_INT(r.addr_line[1], 2);
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_INT(r.invalid_line[0], 3);
	T_EQ_STR(r.why[0], "object holds no address field and no list of addresses");

	/* the same member twice: both addresses, never only the last */
	T_EQ_INT(ts_run_str(&r, &bg_reader_json,
			    "[{\"email\":\"a@example.com\",\"mail\":\"x@example.com\","
			    "\"email\":\"b@example.com\"}]",
			    NULL),
		 0);
	T_EQ_INT(r.nrecord, 1);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[0], "a@example.com");
	T_EQ_STR(r.addr[1], "b@example.com");
}

static void t_plain(void)
{
	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "plain_array.json", NULL), 0);
	T_EQ_INT(r.nrecord, 5);
	T_EQ_INT(r.naddr, 3);
	T_EQ_STR(r.addr[0], "judy@example.com");
	T_EQ_INT(r.addr_line[0], 2);
	T_EQ_STR(r.addr[1], "mallory@example.com"); /* the tokeniser drops the name */
	T_EQ_STR(r.addr[2], "niaj@example.com");
	T_EQ_INT(r.addr_line[2], 6);
	T_EQ_INT(r.ninvalid, 2);
	T_EQ_STR(r.why[0], "not an address");
	T_EQ_INT(r.invalid_line[0], 4);
	T_EQ_STR(r.why[1], "empty string");
	T_EQ_INT(r.invalid_line[1], 5);
}

static void t_escapes(void)
{
	T_EQ_INT(ts_run_str(&r, &bg_reader_json,
			    "[\"\\u00e9l\\u00E8ve@example.com\", \"\\ud83d\\ude00@example.test\","
			    " \"a\\/b\\\"c@example.com\", \"\\udc00x@example.com\","
			    " \"\\ud800\\n@example.com\", \"nul\\u0000@example.com\"]",
			    NULL),
		 0);
	/* Through the tokeniser: an emoji separates (the normaliser then refuses
	 * "@example.test"), a glued quote or U+FFFD makes the word invalid, a
	 * line break inside a string splits it. */
	T_EQ_INT(r.naddr, 3);
	T_EQ_STR(r.addr[0], "\xc3\xa9l\xc3\xa8ve@example.com");
	T_EQ_STR(r.addr[1], "@example.test");
	T_EQ_STR(r.addr[2], "@example.com");
	T_EQ_INT(r.ninvalid, 3);
	T_EQ_STR(r.why[2], "string holds a NUL character");
}

static void t_errors(void)
{
	struct {
		const char *in, *err;
	} cases[] = {
	    {"[\"a@example.com\" \"b@example.com\"]",
	     "JSON syntax error at line 1, column 18: expected ',' or ']'"},
	    {"[\n  \"a@example.com\",\n  \"b@example.com\n\"]",
	     "JSON syntax error at line 3, column 17: expected '\"' before the end of the line "
	     "(strings cannot span lines)"},
	    {"[\"a@example.com\"", "JSON syntax error at line 1, column 17: expected ',' or ']'"},
	    {"[\"a@exa", "JSON syntax error at line 1, column 8: expected '\"' closing the string "
			 "(the file ends inside it)"},
	    {"{\"email\" \"x\"}", "JSON syntax error at line 1, column 10: expected ':' after the "
				  "member name"},
	    {"[tru]", "JSON syntax error at line 1, column 5: expected a value (string, number, "
		      "object, array, true, false or null)"},
	    {"[01]",
	     "JSON syntax error at line 1, column 3: expected ',', ']' or '}' after a number"},
	    {"[\"\\x\"]",
	     "JSON syntax error at line 1, column 4: expected an escape (\\\" \\\\ \\/ "
	     "\\b \\f \\n \\r \\t or \\uXXXX) after '\\'"},
	    {"[\"\\u12G4\"]", "JSON syntax error at line 1, column 7: expected four hex digits "
			      "after \\u"},
	    {"[1,]", "JSON syntax error at line 1, column 4: expected a value (string, number, "
		     "object, array, true, false or null)"},
	    {"[] x", "JSON syntax error at line 1, column 4: expected the end of the file, '[' or "
		     "'{'"},
	    {"  \n ", "JSON syntax error at line 2, column 2: expected '[' or '{' (the file holds "
		      "no JSON value)"},
	    {"42", "JSON syntax error at line 1, column 1: expected '[' or '{'"},
	    {"{\"a\":1,}",
	     "JSON syntax error at line 1, column 8: expected a string (member name)"},
	    {"[\"\xc3\xa9\xc3\xa9\" x]",
	     "JSON syntax error at line 1, column 7: expected ',' or ']'"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *colon;

		T_EQ_INT(ts_run_str(&r, &bg_reader_json, cases[i].in, NULL), -EINVAL);
		colon = strstr(r.err, ": ");
		T_EQ_STR(colon ? colon + 2 : r.err, cases[i].err);
	}

	/* the syntax error half-way through a file: fatal, the line named */
	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "syntax_error.json", NULL), -EINVAL);
	T_EQ_STR(r.err, FIX "syntax_error.json: JSON syntax error at line 4, column 3: expected "
			    "',' or ']'");

	/* the sink stops the reader */
	r.stop_after = 1;
	T_EQ_INT(ts_run_file(&r, &bg_reader_json, FIX "plain_array.json", NULL), -125);
	T_EQ_INT(r.naddr, 1);
	r.stop_after = 0;
}

static void t_limits(void)
{
	size_t n = 200 * 1024, i;
	char *big = malloc(n + 64);
	int k = 0;

	/* nesting: 65 levels refused, 64 fine */
	for (i = 0; i < 65; i++)
		big[i] = '[';
	big[i] = '\0';
	T_EQ_INT(ts_run_str(&r, &bg_reader_json, big, NULL), -EINVAL);
	T_CHECK(strstr(r.err, "JSON nesting deeper than 64 levels at line 1, column 65") != NULL);
	for (i = 0; i < 64; i++) {
		big[i] = '[';
		big[64 + i] = ']';
	}
	big[128] = '\0';
	T_EQ_INT(ts_run_str(&r, &bg_reader_json, big, NULL), 0);
	T_EQ_INT(r.nrecord, 1); /* the one element: an array */
	T_EQ_INT(r.ninvalid, 1);

	/* a string past 64 KiB: cut, counted, the reader goes on */
	big[0] = '[';
	big[1] = '"';
	memset(big + 2, 'a', 70000);
	strcpy(big + 70002, "@example.com\", \"z@example.com\"]");
	T_EQ_INT(ts_run_str(&r, &bg_reader_json, big, NULL), 0);
	T_EQ_INT(r.nrecord, 2);
	T_EQ_INT(r.naddr, 1);
	T_EQ_STR(r.addr[0], "z@example.com");
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_STR(r.why[0], "string longer than 64 KiB");

	/* many elements across read chunks: every one, none split */
	i = 0;
	big[i++] = '[';
	while (i < n) {
		i += (size_t)sprintf(big + i, "%s\"u%05d@example.com\"", k ? ",\n" : "", k);
		k++;
	}
	big[i++] = ']';
	T_EQ_INT(ts_run_mem(&r, &bg_reader_json, big, i, NULL), 0);
	T_EQ_INT(r.nrecord, k);
	T_EQ_INT(r.naddr, k);
	T_EQ_INT(r.ninvalid, 0);
	T_EQ_STR(r.addr[TS_MAX - 1], "u00255@example.com");
	T_EQ_INT(r.addr_line[TS_MAX - 1], TS_MAX);
	free(big);
}

static void t_probe(void)
{
	T_CHECK(bg_reader_json.probe("  \n[\"a@b\"]", 10, "-") >= 90);
	T_CHECK(bg_reader_json.probe("{\"a\":1}", 7, "x.txt") >= 90);
	T_CHECK(bg_reader_json.probe("a@example.com\n", 14, "list.json") >= 70);
	T_EQ_INT(bg_reader_json.probe("a@example.com\n", 14, "list.txt"), 0);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(t_hibp);
	T_RUN(t_objects);
	T_RUN(t_plain);
	T_RUN(t_escapes);
	T_RUN(t_errors);
	T_RUN(t_limits);
	T_RUN(t_probe);
	return t_done("read_json");
}
