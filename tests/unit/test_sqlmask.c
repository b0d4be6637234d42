/* test_sqlmask.c: an SQL dump's password columns blanked, and nothing else:
 * named by an INSERT's column list, by the CREATE TABLE before it, or by a
 * COPY; quotes, escapes and nested parentheses inside values; a statement
 * read wrong (a tuple of another arity, a value open at its line's end) is
 * left as it is from there on. */
#include "addrtok.h"
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
	T_CHECK(bg_password_name("password", 8));
	T_CHECK(bg_password_name("user_pass", 9));
	T_CHECK(bg_password_name("Password_Hash", 13));
	T_CHECK(!bg_password_name("passport_no", 11));
	T_CHECK(!bg_password_name("email", 5));
	T_CHECK(bg_password_name("userPassword", 12));
	T_CHECK(bg_password_name("PasswordHash", 12));
	T_CHECK(bg_password_name("pwdHash", 7));
	T_CHECK(bg_password_name("userpwd", 7));
	T_CHECK(bg_password_name("unicodePwd", 10));
	T_CHECK(bg_password_name("sambaNTPassword", 15));
	T_CHECK(bg_password_name("mot_de_passe", 12));
	T_CHECK(bg_password_name("kennwort", 8));
	T_CHECK(bg_password_name("hasło", 6));
	T_CHECK(bg_password_name("passphrase", 10));
	T_CHECK(!bg_password_name("password_reset_email", 20));
	T_CHECK(!bg_password_name("passwordRecoveryMail", 20));
	T_CHECK(!bg_password_name("compass", 7));
	T_CHECK(!bg_password_name("passenger", 9));
	T_CHECK(!bg_password_name("bypass_mail", 11));
	T_CHECK(bg_password_name("login_key", 9));
	T_CHECK(bg_password_name("loginKey", 8));
	T_CHECK(bg_password_name("passwd", 6));
	T_CHECK(bg_password_name("pwd", 3));
	T_CHECK(bg_password_name("hash", 4));
	T_CHECK(bg_password_name("pswd", 4));
	T_CHECK(bg_password_name("userpass", 8));
	T_CHECK(bg_password_name("session_key", 11));
	T_CHECK(!bg_password_name("login", 5));
	T_CHECK(!bg_password_name("login_id", 8));
	T_CHECK(!bg_password_name("keyword", 7));
	T_CHECK(!bg_password_name("session", 7));
}

/* UPDATE ... SET, ON DUPLICATE KEY UPDATE, INSERT ... SET: the values assigned
 * to a password's column; WHERE's address kept. */
static void assignments(void)
{
	const char *l[] = {
	    "UPDATE `users` SET `password`='d2@pw.jp' WHERE `email`='u2@example.jp';",
	    ("INSERT INTO users (id,email,password) VALUES (1,'u1@example.jp','ok') ON DUPLICATE "
	     "KEY UPDATE `password`='d1@pw.jp', email='u1@example.jp';"),
	    "INSERT INTO users SET id=14, email='u14@example.jp', password='d14@pw.jp';",
	    "UPDATE users SET email='u3@example.jp', pass_hash=x@y, note='a = b' WHERE id=3;"};
	unsigned s;

	masklines(l, 4, &s);
	T_EQ_STR(out[0], "UPDATE `users` SET `password`=           WHERE `email`='u2@example.jp';");
	T_EQ_STR(out[1], "INSERT INTO users (id,email,password) VALUES (1,'u1@example.jp',    ) ON "
			 "DUPLICATE KEY UPDATE `password`=          , email='u1@example.jp';");
	T_EQ_STR(out[2],
		 "INSERT INTO users SET id=14, email='u14@example.jp', password=           ;");
	T_EQ_STR(out[3],
		 "UPDATE users SET email='u3@example.jp', pass_hash=   , note='a = b' WHERE "
		 "id=3;");
	T_EQ_INT(s, 4);
}

/* An INSERT's head over several lines, INSERT ... SELECT, a "--" comment after
 * a CREATE TABLE's column (it was read as one more column). */
static void shapes(void)
{
	const char *l[] = {"INSERT INTO users", "  (id, email, password)", "VALUES",
			   "  (4, 'u4@example.jp', 'd4@pw.jp');",
			   ("INSERT INTO users (id, email, password) SELECT 8, 'u8@example.jp', "
			    "'d8@pw.jp';")};
	const char *c[] = {"CREATE TABLE `users` (",
			   "  `id` int NOT NULL,",
			   "  `passwd` varchar(255) NOT NULL, -- bcrypt, (salted)",
			   "  `email` varchar(255)",
			   ");",
			   "INSERT INTO `users` VALUES (1,'p@ss.jp','a@example.jp');"};
	unsigned s;

	masklines(l, 5, &s);
	T_EQ_STR(out[3], "  (4, 'u4@example.jp',           );");
	T_EQ_STR(out[4], "INSERT INTO users (id, email, password) SELECT 8, 'u8@example.jp',"
			 "           ;");
	T_EQ_INT(s, 2);
	masklines(c, 6, &s);
	T_EQ_STR(out[5], "INSERT INTO `users` VALUES (1,         ,'a@example.jp');");
	T_EQ_INT(s, 1);
}

/* A notes column (values with blanks) is no password's, though mostly
 * without an '@': its address is read. */
static void inferred_notes(void)
{
	const char *l[] = {"INSERT INTO `c` VALUES (1,'a@example.jp','vip customer'),(2,NULL,'vip "
			   "customer'),(3,NULL,'new one'),(4,NULL,'forwarded to n@example.org'),(5,"
			   "NULL,'left us')"};
	unsigned s;

	masklines(l, 1, &s);
	T_EQ_STR(out[0], l[0]);
	T_EQ_INT(s, 0);
}

/* A column list one name a line, a comment inside it: the password column
 * masked on the VALUES line; a block comment's ',' shifts no value. */
static void columns_over_lines(void)
{
	const char *l[] = {
	    "INSERT INTO users (", "  id, -- the key", "  email, /* login,",
	    " unique */ password", ") VALUES",	       "(1,'a@example.jp', /* x, y */ 'p@ss.jp');"};
	unsigned s;

	masklines(l, 6, &s);
	T_EQ_STR(out[5], "(1,'a@example.jp',                     );");
	T_EQ_INT(s, 1);
}

/* A comment never closed in an INSERT's head hides no statement for good:
 * the head is followed so many lines at most. */
static void comment_never_closed(void)
{
	struct bg_sqlmask *m = bg_sqlmask_new();
	static const char head[] = "INSERT INTO users /* never closed", filler[] = "x",
			  ins[] =
			      "INSERT INTO t (email,password) VALUES ('a@example.jp','p@x.jp');";
	unsigned s = 0, g = 0;
	const char *r = NULL;

	T_CHECK(m != NULL);
	bg_sqlmask_line(m, head, sizeof(head) - 1, true, &s, &g);
	for (int i = 0; i < 1100; i++)
		bg_sqlmask_line(m, filler, 1, true, &s, &g);
	r = bg_sqlmask_line(m, ins, sizeof(ins) - 1, true, &s, &g);
	T_CHECK(r && memmem(r, sizeof(ins) - 1, "p@x.jp", 6) == NULL);
	T_EQ_INT(s, 1);
	bg_sqlmask_free(m);
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
	T_RUN(assignments);
	T_RUN(shapes);
	T_RUN(inferred_notes);
	T_RUN(columns_over_lines);
	T_RUN(comment_never_closed);
	return t_done("test_sqlmask");
}
