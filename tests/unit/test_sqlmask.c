/* test_sqlmask.c: an SQL dump's password columns blanked, and nothing else:
 * named by an INSERT's column list, by the CREATE TABLE before it, or by a
 * COPY; quotes, escapes and nested parentheses inside values; a statement
 * read wrong (a tuple of another arity, a value open at its line's end) is
 * left as it is from there on. */
#include "sqlmask.h"
#include "t.h"

#include <stdlib.h>

/* The lines through one mask, each result as a string; *secrets summed. */
static char out[8][512];

static void masklines(const char *const *lines, int n, unsigned *secrets)
{
	struct bg_sqlmask *m = bg_sqlmask_new();

	*secrets = 0;
	T_CHECK(m != NULL);
	for (int i = 0; i < n && m; i++) {
		unsigned s = 0, g = 0;
		size_t len = strlen(lines[i]);
		const char *r = bg_sqlmask_line(m, lines[i], len, true, &s, &g);

		T_CHECK(r != NULL);
		snprintf(out[i], sizeof(out[i]), "%.*s", (int)len, r ? r : "");
		*secrets += s + g;
	}
	bg_sqlmask_free(m);
}

static void column_list(void)
{
	const char *l[] = {"INSERT INTO users (id,email,`password`) VALUES "
			   "(1,'a@example.jp','p@ss.jp'),(2,'b@example.jp','x,y(z)');"};
	unsigned s;

	masklines(l, 1, &s);
	T_EQ_STR(out[0], "INSERT INTO users (id,email,`password`) VALUES "
			 "(1,'a@example.jp',         ),(2,'b@example.jp',        );");
	T_EQ_INT(s, 1);
}

static void create_table(void)
{
	static const char ins[] = "INSERT INTO `users` VALUES (1,'a@example.jp','it\\'s@x.jp'),"
				  "(2,'o''b@example.jp','q');";
	const char *l[] = {"CREATE TABLE IF NOT EXISTS `db`.`Users` (",
			   "  `id` int(11) NOT NULL,",
			   "  `email` varchar(255),",
			   "  `user_pass` varchar(255) DEFAULT NULL,",
			   "  PRIMARY KEY (`id`), KEY `e` (`email`)",
			   ") ENGINE=InnoDB;",
			   ins};
	unsigned s;

	masklines(l, 7, &s);
	T_EQ_STR(out[6], "INSERT INTO `users` VALUES (1,'a@example.jp',            ),"
			 "(2,'o''b@example.jp',   );");
	T_EQ_INT(s, 1);
}

static void copy_rows(void)
{
	const char *l[] = {"COPY public.accounts (id, mail, password_hash) FROM stdin;",
			   "1\ta@example.jp\tp@ss.jp", "2\tb@example.jp\tsecret", "\\.",
			   "3\tc@example.jp\tp@ss.jp"};
	unsigned s;

	masklines(l, 5, &s);
	T_EQ_STR(out[1], "1\ta@example.jp\t       ");
	T_EQ_STR(out[2], "2\tb@example.jp\t      ");
	T_EQ_STR(out[4], "3\tc@example.jp\tp@ss.jp"); /* after "\." nothing is blanked */
	T_EQ_INT(s, 1);
}

/* pg_dump's standard strings: a backslash is a character. */
static void standard_strings(void)
{
	const char *l[] = {"SET standard_conforming_strings = on;",
			   "INSERT INTO t (a, pw, b) VALUES ('x\\', 'p@q.jp', 'b@example.jp');"};
	unsigned s;

	masklines(l, 2, &s);
	T_EQ_STR(out[1], "INSERT INTO t (a, pw, b) VALUES ('x\\',         , 'b@example.jp');");
	T_EQ_INT(s, 1);
}

/* Read wrong: a tuple with more values than columns stops the mask (an
 * address in a shifted column is never blanked); so does a password value
 * open at its line's end, for the lines after it. */
static void read_wrong(void)
{
	const char *l[] = {
	    "INSERT INTO t (email, password) VALUES ('a@example.jp', 'p', 'c@example.jp');",
	    "INSERT INTO t (email, password) VALUES ('a@example.jp', 'open",
	    "b@example.jp'), ('c@example.jp', 'p@q.jp');"};
	unsigned s;

	masklines(l, 3, &s);
	T_EQ_STR(out[0], l[0]);
	T_EQ_STR(out[2], l[2]);
	T_EQ_INT(s, 0);
}

/* No column names at all (INSERT lines alone): a column whose values with
 * text mostly hold no '@' but some do is a password's; an address column with
 * NULLs and empty strings is not; nothing is blanked before INFER_MIN values. */
static void inferred(void)
{
	const char *l[] = {"INSERT INTO users VALUES (1,'a@example.jp','p1'),(2,NULL,'p2'),"
			   "(3,'','p@3.jp'),(4,'d@example.jp','p4'),(5,'e@example.jp','p5');",
			   "INSERT INTO users VALUES (6,'f@example.jp','x@y.jp');"};
	const char *early[] = {"INSERT INTO t VALUES (1,'a@example.jp','p@1.jp');"};
	unsigned s;

	masklines(l, 2, &s);
	T_EQ_STR(out[0], "INSERT INTO users VALUES (1,'a@example.jp',    ),(2,NULL,    ),"
			 "(3,'',        ),(4,'d@example.jp',    ),(5,'e@example.jp',    );");
	T_EQ_STR(out[1], "INSERT INTO users VALUES (6,'f@example.jp',        );");
	T_EQ_INT(s, 2);
	masklines(early, 1, &s);
	T_EQ_STR(out[0], early[0]);
	T_EQ_INT(s, 0);
}

/* Not SQL: text is returned as it is. */
static void not_sql(void)
{
	const char *l[] = {"Insert into your address book: a@example.jp", "copy to b@example.jp",
			   "replace me@example.jp"};
	struct bg_sqlmask *m = bg_sqlmask_new();
	unsigned s, g;

	for (int i = 0; i < 3; i++)
		T_CHECK(bg_sqlmask_line(m, l[i], strlen(l[i]), true, &s, &g) == l[i] && s + g == 0);
	bg_sqlmask_free(m);
	T_CHECK(bg_sql_password_column("password", 8));
	T_CHECK(bg_sql_password_column("user_pass", 9));
	T_CHECK(bg_sql_password_column("Password_Hash", 13));
	T_CHECK(!bg_sql_password_column("passport_no", 11));
	T_CHECK(!bg_sql_password_column("email", 5));
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(column_list);
	T_RUN(create_table);
	T_RUN(copy_rows);
	T_RUN(standard_strings);
	T_RUN(read_wrong);
	T_RUN(inferred);
	T_RUN(not_sql);
	return t_done("test_sqlmask");
}
