/* test_outcome.c: the outcome table (pam_breachguard/outcome.c) and the man
 * page's "Outcomes" table (policy/man/pam_breachguard.8) cannot drift: every
 * man page row is parsed and must equal the code's row of the same key
 * (verdict, actions, locked_accounts), with no row missing on either side; the
 * code's rows cover every verdict x action x locked_accounts exactly once; the
 * template expander keeps the admin message's rules.
 * The man page is read from $BG_SRCDIR (default: the working directory, the
 * repository's top as `make unit` runs it). */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "outcome.h"
#include "t.h"

#define N_VERDICTS (BG_V_ENFORCE + 1)
#define N_ACTIONS (BG_ACT_AUDIT + 1)
#define MAX_ROWS 64

/* One row as the man page writes it, texts in the code's template form. */
struct man_row {
	int line;
	int verdict;
	unsigned actions;
	int locked;
	int result;
	int level;
	char log[512], user[512];
	int has_log, has_user, user_error, custom;
};

static const char *const level_names[] = {
    [LOG_ERR] = "LOG_ERR",   [LOG_WARNING] = "LOG_WARNING", [LOG_NOTICE] = "LOG_NOTICE",
    [LOG_INFO] = "LOG_INFO", [LOG_DEBUG] = "LOG_DEBUG",
};

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Drops a trailing " ;" (mdoc punctuation between the parts of a cell). */
static void chop_semicolon(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && strcmp(s + n - 2, " ;") == 0)
		s[n - 2] = '\0';
}

/* The man page's text as the code writes it: roff escapes undone, the
 * placeholder words turned back into the template letters. */
static void man_to_template(const char *in, char *out, size_t len)
{
	static const struct {
		const char *from, *to;
	} subst[] = {{"\\(dq", "\""},	 {"\\&", ""},	 {"\\e", "\\"},	 {"VERDICT", "%v"},
		     {"ADVISORY", "%a"}, {"USER", "%u"}, {"DATE", "%d"}, {"N day(s)", "%n day(s)"}};
	size_t o = 0;

	while (*in && o + 1 < len) {
		size_t i;

		for (i = 0; i < sizeof(subst) / sizeof(subst[0]); i++)
			if (starts(in, subst[i].from))
				break;
		if (i < sizeof(subst) / sizeof(subst[0])) {
			size_t n = strlen(subst[i].to);

			if (o + n + 1 > len)
				break;
			memcpy(out + o, subst[i].to, n);
			o += n;
			in += strlen(subst[i].from);
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

static int verdict_of(const char *name)
{
	for (int v = 0; v < N_VERDICTS; v++)
		if (strcmp(name, bg_verdict_name((enum bg_verdict)v)) == 0)
			return v;
	return -1;
}

static int action_of(const char *name)
{
	for (int a = 0; a < N_ACTIONS; a++)
		if (strcmp(name, bg_action_name((enum bg_action)a)) == 0)
			return a;
	return -1;
}

static int result_of(const char *name)
{
	for (int r = BG_PAM_IGNORE; r <= BG_PAM_PERM_DENIED; r++)
		if (strcmp(name, bg_pam_result_name((enum bg_pam_result)r)) == 0)
			return r;
	return -1;
}

static int level_of(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i] && strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* ".It Sy VERDICT [Pq Cm locked_accounts Ns = Ns Cm WORD] Ta ACTIONS Ta Dv RESULT [;]" */
static int parse_it(char *s, struct man_row *r)
{
	char *c1 = s + strlen(".It "), *c2, *c3, *pq;

	if (!(c2 = strstr(c1, " Ta ")))
		return -1;
	*c2 = '\0';
	c2 += 4;
	if (!(c3 = strstr(c2, " Ta ")))
		return -1;
	*c3 = '\0';
	c3 += 4;
	chop_semicolon(c3);
	r->locked = BG_OUT_LOCKED_ANY;
	if ((pq = strstr(c1, " Pq Cm locked_accounts Ns = Ns Cm "))) {
		const char *w = pq + strlen(" Pq Cm locked_accounts Ns = Ns Cm ");

		*pq = '\0';
		r->locked = strcmp(w, "deny") == 0   ? BG_LOCKED_DENY
			    : strcmp(w, "skip") == 0 ? BG_LOCKED_SKIP
						     : -2;
		if (r->locked == -2)
			return -1;
	}
	if (!starts(c1, "Sy ") || (r->verdict = verdict_of(c1 + 3)) < 0)
		return -1;
	if (strcmp(c2, "any") == 0) {
		r->actions = BG_OUT_ANY;
	} else if (starts(c2, "not Cm ")) {
		int a = action_of(c2 + strlen("not Cm "));

		if (a < 0)
			return -1;
		r->actions = BG_OUT_ANY & ~BG_OUT_ACT(a);
	} else if (starts(c2, "Cm ")) {
		int a = action_of(c2 + 3);

		if (a < 0)
			return -1;
		r->actions = BG_OUT_ACT(a);
	} else {
		return -1;
	}
	if (!starts(c3, "Dv ") || (r->result = result_of(c3 + 3)) < 0)
		return -1;
	return 0;
}

/* Reads the rows of the man page's Outcomes table; returns how many, or -1
 * (a line it cannot read is reported with its number). */
static int read_man(struct man_row *rows, int max)
{
	const char *top = getenv("BG_SRCDIR");
	char path[4096], line[1024];
	FILE *f;
	int n = -1, lineno = 0, in_section = 0, in_table = 0, want = 0; /* 1 log, 2 user */

	snprintf(path, sizeof(path), "%s/policy/man/pam_breachguard.8", top ? top : ".");
	if (!(f = fopen(path, "r"))) {
		T_FAIL_AT();
		fprintf(stderr, "cannot open %s\n", path);
		t_run++, t_failed++;
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct man_row *r = n >= 0 && n < max ? &rows[n] : NULL;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!in_section) {
			in_section = strcmp(line, ".Ss Outcomes") == 0;
			continue;
		}
		if (!in_table) {
			if (starts(line, ".Ss "))
				break;
			in_table = starts(line, ".Bl -column");
			continue;
		}
		if (strcmp(line, ".El") == 0) {
			fclose(f);
			return n + 1; /* n: the index of the last row */
		}
		if (starts(line, ".It Em "))
			continue; /* the header row */
		if (starts(line, ".It ")) {
			if (++n >= max)
				break;
			r = &rows[n];
			memset(r, 0, sizeof(*r));
			r->line = lineno;
			want = 0;
			if (parse_it(line, r) == 0)
				continue;
		} else if (r && starts(line, ".Dv LOG_")) {
			if ((r->level = level_of(line + 4)) >= 0 && !r->has_log) {
				want = 1;
				continue;
			}
		} else if (r && (strcmp(line, ".Dv PAM_TEXT_INFO") == 0 ||
				 strcmp(line, ".Dv PAM_ERROR_MSG") == 0)) {
			if (!r->has_user) {
				r->user_error = strcmp(line, ".Dv PAM_ERROR_MSG") == 0;
				want = 2;
				continue;
			}
		} else if (r && starts(line, ".Ql ") && want) {
			chop_semicolon(line);
			man_to_template(line + 4, want == 1 ? r->log : r->user, sizeof(r->log));
			*(want == 1 ? &r->has_log : &r->has_user) = 1;
			want = 0;
			continue;
		} else if (r && strcmp(line, "or") == 0 && r->has_user && !r->custom) {
			r->custom = -1; /* "or" then ".Cm message" */
			continue;
		} else if (r && strcmp(line, ".Cm message") == 0 && r->custom == -1) {
			r->custom = 1;
			continue;
		}
		T_FAIL_AT();
		fprintf(stderr, "%s:%d: not a line of the Outcomes table: %s\n", path, lineno,
			line);
		t_run++, t_failed++;
		fclose(f);
		return -1;
	}
	T_FAIL_AT();
	fprintf(stderr, "%s: no complete Outcomes table (.Ss Outcomes, .Bl -column ... .El)\n",
		path);
	t_run++, t_failed++;
	fclose(f);
	return -1;
}

static int same_key(const struct bg_outcome *o, const struct man_row *m)
{
	return (int)o->verdict == m->verdict && o->actions == m->actions && o->locked == m->locked;
}

/* Every man page row is the code's row of the same key, field by field, and
 * no row of either is missing from the other. */
static void man_page_agrees(void)
{
	struct man_row rows[MAX_ROWS];
	int n = read_man(rows, MAX_ROWS);
	int used[MAX_ROWS] = {0};

	T_CHECK(n > 0);
	if (n <= 0)
		return;
	for (int i = 0; i < n; i++) {
		const struct man_row *m = &rows[i];
		const struct bg_outcome *o = NULL;
		char want_log[512], want_user[512];
		int before = t_failed;

		for (size_t j = 0; j < bg_n_outcomes && !o; j++)
			if (same_key(&bg_outcomes[j], m)) {
				o = &bg_outcomes[j];
				used[j]++;
			}
		if (!o) {
			T_FAIL_AT();
			fprintf(stderr,
				"man page line %d: row %s x 0x%x x %d is not in outcome.c\n",
				m->line, bg_verdict_name((enum bg_verdict)m->verdict), m->actions,
				m->locked);
			t_run++, t_failed++;
			continue;
		}
		snprintf(want_log, sizeof(want_log), "%s", o->log ? o->log : "");
		snprintf(want_user, sizeof(want_user), "%s", o->user ? o->user : "");
		T_EQ_STR(bg_pam_result_name((enum bg_pam_result)m->result),
			 bg_pam_result_name(o->result));
		T_EQ_INT(m->has_log, o->log != NULL);
		if (o->log) {
			T_EQ_STR(m->has_log ? level_names[m->level] : "-", level_names[o->level]);
			T_EQ_STR(m->log, want_log);
		}
		T_EQ_INT(m->has_user, o->user != NULL);
		T_EQ_STR(m->user, want_user);
		T_EQ_INT(m->user_error, o->user_error);
		T_EQ_INT(m->custom, o->custom);
		if (t_failed > before)
			fprintf(stderr, "  (man page line %d)\n", m->line);
	}
	for (size_t j = 0; j < bg_n_outcomes; j++) {
		if (used[j] == 1)
			continue;
		T_FAIL_AT();
		fprintf(stderr, "outcome.c row %zu (%s x 0x%x x %d) is in the man page %d times\n",
			j, bg_verdict_name(bg_outcomes[j].verdict), bg_outcomes[j].actions,
			bg_outcomes[j].locked, used[j]);
		t_run++, t_failed++;
	}
	T_EQ_INT(n, (long long)bg_n_outcomes);
}

/* Exactly one row for each verdict x action x locked_accounts, and
 * bg_outcome_for finds it. */
static void table_is_a_partition(void)
{
	for (int v = 0; v < N_VERDICTS; v++)
		for (int a = 0; a < N_ACTIONS; a++)
			for (int l = BG_LOCKED_SKIP; l <= BG_LOCKED_DENY; l++) {
				const struct bg_outcome *hit = NULL;
				int n = 0;

				for (size_t j = 0; j < bg_n_outcomes; j++) {
					const struct bg_outcome *o = &bg_outcomes[j];

					if ((int)o->verdict == v && (o->actions & BG_OUT_ACT(a)) &&
					    (o->locked == BG_OUT_LOCKED_ANY || o->locked == l)) {
						n++;
						hit = o;
					}
				}
				if (n != 1)
					fprintf(stderr, "%s x %s x locked %d: %d rows\n",
						bg_verdict_name((enum bg_verdict)v),
						bg_action_name((enum bg_action)a), l, n);
				T_EQ_INT(n, 1);
				T_CHECK(bg_outcome_for((enum bg_verdict)v, (enum bg_action)a,
						       (enum bg_locked)l) == hit);
			}
	/* A user's message is shown only with a syslog line, and only rows that
	 * refuse or inform carry one. */
	for (size_t j = 0; j < bg_n_outcomes; j++) {
		T_CHECK(!bg_outcomes[j].user || bg_outcomes[j].log);
		T_CHECK(!bg_outcomes[j].custom || bg_outcomes[j].user);
	}
}

static void expand_templates(void)
{
	const struct bg_outcome_args all = {"alice", "enforce", "\"A\" (2024-10-04)", "2024-11-01",
					    "3"};
	const struct bg_outcome_args admin = {"alice", NULL, "\"A\" (2024-10-04)", NULL, NULL};
	char out[128];

	bg_outcome_expand("%u %v %a %d %n 100%%", &all, out, sizeof(out));
	T_EQ_STR(out, "alice enforce \"A\" (2024-10-04) 2024-11-01 3 100%");
	/* The admin's message knows %u, %a and %% only; the rest stays as written. */
	bg_outcome_expand("%u: %a %v %d %n %x %% %", &admin, out, sizeof(out));
	T_EQ_STR(out, "alice: \"A\" (2024-10-04) %v %d %n %x % %");
	/* Truncated to the buffer, inside a value too, and always terminated. */
	bg_outcome_expand("user=%u!", &all, out, 8);
	T_EQ_STR(out, "user=al");
	bg_outcome_expand("abcdefghij", &all, out, 4);
	T_EQ_STR(out, "abc");
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(man_page_agrees);
	T_RUN(table_is_a_partition);
	T_RUN(expand_templates);
	return t_done("test_outcome");
}
