/* driver.c: the PAM-stack test driver.  Runs PAM operations for one user and
 * service through the real libpam (under pam_wrapper, via libpamtest) or calls
 * a module's pam_sm_* entry points directly on a real handle, answers prompts
 * from a script and prints a transcript that tests/pam/run.sh asserts on:
 *
 *   conv: info: TEXT            a PAM_TEXT_INFO message
 *   conv: error: TEXT           a PAM_ERROR_MSG message
 *   conv: prompt-off: TEXT      a PAM_PROMPT_ECHO_OFF prompt (answered or not)
 *   conv: prompt-on: TEXT       a PAM_PROMPT_ECHO_ON prompt
 *   result: OP PAM_CODE         what the operation returned
 *
 * With --show the transcript looks like a terminal session instead (the demo).
 * Exit status: 0 every operation returned what was expected, 1 one did not,
 * 2 usage or an internal error. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>

#define MAX_ANSWERS 16
#define MAX_STEPS 16
#define MAX_ARGS 32
#define MAX_MSGS 64

struct code_name {
	int code;
	const char *name;
};

static const struct code_name codes[] = {
    {PAM_SUCCESS, "PAM_SUCCESS"},
    {PAM_OPEN_ERR, "PAM_OPEN_ERR"},
    {PAM_SYMBOL_ERR, "PAM_SYMBOL_ERR"},
    {PAM_SERVICE_ERR, "PAM_SERVICE_ERR"},
    {PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR"},
    {PAM_BUF_ERR, "PAM_BUF_ERR"},
    {PAM_PERM_DENIED, "PAM_PERM_DENIED"},
    {PAM_AUTH_ERR, "PAM_AUTH_ERR"},
    {PAM_CRED_INSUFFICIENT, "PAM_CRED_INSUFFICIENT"},
    {PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL"},
    {PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN"},
    {PAM_MAXTRIES, "PAM_MAXTRIES"},
    {PAM_NEW_AUTHTOK_REQD, "PAM_NEW_AUTHTOK_REQD"},
    {PAM_ACCT_EXPIRED, "PAM_ACCT_EXPIRED"},
    {PAM_SESSION_ERR, "PAM_SESSION_ERR"},
    {PAM_CRED_UNAVAIL, "PAM_CRED_UNAVAIL"},
    {PAM_CRED_EXPIRED, "PAM_CRED_EXPIRED"},
    {PAM_CRED_ERR, "PAM_CRED_ERR"},
    {PAM_NO_MODULE_DATA, "PAM_NO_MODULE_DATA"},
    {PAM_CONV_ERR, "PAM_CONV_ERR"},
    {PAM_AUTHTOK_ERR, "PAM_AUTHTOK_ERR"},
    {PAM_AUTHTOK_RECOVERY_ERR, "PAM_AUTHTOK_RECOVERY_ERR"},
    {PAM_AUTHTOK_LOCK_BUSY, "PAM_AUTHTOK_LOCK_BUSY"},
    {PAM_AUTHTOK_DISABLE_AGING, "PAM_AUTHTOK_DISABLE_AGING"},
    {PAM_TRY_AGAIN, "PAM_TRY_AGAIN"},
    {PAM_IGNORE, "PAM_IGNORE"},
    {PAM_ABORT, "PAM_ABORT"},
    {PAM_AUTHTOK_EXPIRED, "PAM_AUTHTOK_EXPIRED"},
    {PAM_MODULE_UNKNOWN, "PAM_MODULE_UNKNOWN"},
    {PAM_BAD_ITEM, "PAM_BAD_ITEM"},
    {PAM_CONV_AGAIN, "PAM_CONV_AGAIN"},
    {PAM_INCOMPLETE, "PAM_INCOMPLETE"},
};

static const char *code_name(int code)
{
	static char unknown[32];
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	snprintf(unknown, sizeof(unknown), "PAM_CODE_%d", code);
	return unknown;
}

static int code_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, s) == 0)
			return codes[i].code;
	return -1;
}

/* The operations a step may name.  The sm_* ones call the module directly. */
enum op_kind {
	OP_AUTH,
	OP_ACCOUNT,
	OP_CHAUTHTOK,	  /* pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK): a forced change */
	OP_CHAUTHTOK_ALL, /* pam_chauthtok(0): a voluntary change (passwd) */
	OP_OPEN_SESSION,
	OP_SM_ACCT,   /* pam_sm_acct_mgmt */
	OP_SM_PRELIM, /* pam_sm_chauthtok(PAM_PRELIM_CHECK) */
	OP_SM_UPDATE, /* pam_sm_chauthtok(PAM_UPDATE_AUTHTOK) */
};

static const struct {
	const char *name;
	enum op_kind kind;
} ops[] = {
    {"auth", OP_AUTH},
    {"account", OP_ACCOUNT},
    {"chauthtok", OP_CHAUTHTOK},
    {"chauthtok-all", OP_CHAUTHTOK_ALL},
    {"open-session", OP_OPEN_SESSION},
    {"sm-acct", OP_SM_ACCT},
    {"sm-prelim", OP_SM_PRELIM},
    {"sm-update", OP_SM_UPDATE},
};

struct step {
	enum op_kind kind;
	const char *name;
	int expected;
};

struct conv_state {
	const char *answers[MAX_ANSWERS];
	size_t n_answers, next_answer;
	bool show;
};

static void print_line(const char *tag, const char *text)
{
	/* One transcript line per message: a newline inside a message is shown as
	 * "\n" so that the line stays one line. */
	const char *p;

	printf("%s", tag);
	for (p = text ? text : "(null)"; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

/* BG_TEST_GATE=PATH (the store's writer.lock): each conversation message
 * also prints whether a writer could take the gate at that moment
 * ("conv: gate: free" or "conv: gate: held"): the module must not hold it
 * while the user reads. */
static void gate_probe(void)
{
	const char *path = getenv("BG_TEST_GATE");
	int fd;

	if (!path || !*path)
		return;
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		printf("conv: gate: %s\n", strerror(errno));
		return;
	}
	printf("conv: gate: %s\n", flock(fd, LOCK_EX | LOCK_NB) == 0 ? "free" : "held");
	close(fd);
}

static int conv_fn(int num_msg, const struct pam_message **msg, struct pam_response **resp,
		   void *appdata)
{
	struct conv_state *cs = appdata;
	struct pam_response *r;
	int i;

	/* resp may be NULL when no message is a prompt (pam_matrix does that). */
	if (num_msg <= 0 || num_msg > MAX_MSGS)
		return PAM_CONV_ERR;
	r = calloc((size_t)num_msg, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg; i++) {
		const char *text = msg[i]->msg;
		const char *answer = NULL;

		gate_probe();
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
			print_line(cs->show ? "" : "conv: info: ", text);
			break;
		case PAM_ERROR_MSG:
			print_line(cs->show ? "" : "conv: error: ", text);
			break;
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (cs->next_answer < cs->n_answers)
				answer = cs->answers[cs->next_answer++];
			if (cs->show) {
				/* What a terminal shows: the prompt, then the typed answer
				 * (masked when the prompt does not echo). */
				printf("%s%s\n", text ? text : "",
				       answer == NULL ? "   <no answer scripted>"
				       : msg[i]->msg_style == PAM_PROMPT_ECHO_OFF
					   ? "********   (typed, not echoed)"
					   : answer);
			} else {
				print_line(msg[i]->msg_style == PAM_PROMPT_ECHO_OFF
					       ? "conv: prompt-off: "
					       : "conv: prompt-on: ",
					   text);
			}
			if (answer == NULL || resp == NULL)
				goto fail;
			r[i].resp = strdup(answer);
			if (r[i].resp == NULL)
				goto fail;
			break;
		default:
			print_line("conv: unknown-style: ", text);
			goto fail;
		}
	}
	fflush(stdout);
	if (resp != NULL)
		*resp = r;
	else
		free(r);
	return PAM_SUCCESS;
fail:
	fflush(stdout);
	for (i = 0; i < num_msg; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pam_driver [--show] [--silent] [--locale] [--ruser NAME]\n"
		"                  [--answer TEXT]... [--keep SO]...\n"
		"                  [--module SO [--arg ARG]...]\n"
		"                  SERVICE USER OP=PAM_CODE...\n"
		"  OP: auth, account, chauthtok (PAM_CHANGE_EXPIRED_AUTHTOK), chauthtok-all,\n"
		"      open-session; with --module: sm-acct, sm-prelim, sm-update (the module's\n"
		"      entry point called directly with the --arg arguments on a real handle)\n");
}

static int parse_step(const char *s, struct step *st)
{
	const char *eq = strchr(s, '=');
	size_t i, len;

	if (eq == NULL)
		return -1;
	len = (size_t)(eq - s);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strlen(ops[i].name) == len && strncmp(ops[i].name, s, len) == 0) {
			st->kind = ops[i].kind;
			st->name = ops[i].name;
			st->expected = code_parse(eq + 1);
			return st->expected < 0 ? -1 : 0;
		}
	}
	return -1;
}

static void show_result(bool show, const struct step *st, int rv)
{
	if (show)
		printf("   [%s -> %s]\n", st->name, code_name(rv));
	else
		printf("result: %s %s\n", st->name, code_name(rv));
	fflush(stdout);
}

/* Steps through libpam: one handle for all of them, as login does.  Each step
 * is its own libpamtest run that keeps the handle for the next one, so that
 * results appear in the transcript between the conversations they belong to. */
static int run_stack(const char *service, const char *user, struct conv_state *cs,
		     const struct step *steps, size_t n, int silent, const char *ruser)
{
	pam_handle_t *ph = NULL;
	size_t i;

	/* PAM_RUSER (as su and sudo set it) needs the handle before the first step:
	 * make it here and hand it to libpamtest. */
	if (ruser != NULL) {
		struct pam_conv conv = {conv_fn, cs};
		int rv = pam_start(service, user, &conv, &ph);

		if (rv != PAM_SUCCESS || pam_set_item(ph, PAM_RUSER, ruser) != PAM_SUCCESS) {
			fprintf(stderr, "pam_driver: pam_start/PAM_RUSER: %s\n", code_name(rv));
			return 2;
		}
	}

	for (i = 0; i < n; i++) {
		struct pam_testcase tc[2];
		enum pamtest_ops op = PAMTEST_ACCOUNT;
		enum pamtest_err perr;
		size_t ncases = i + 1 < n ? 2 : 1; /* the last step ends the handle */
		int flags = silent;

		switch (steps[i].kind) {
		case OP_AUTH:
			op = PAMTEST_AUTHENTICATE;
			break;
		case OP_ACCOUNT:
			op = PAMTEST_ACCOUNT;
			break;
		case OP_CHAUTHTOK:
			op = PAMTEST_CHAUTHTOK;
			flags |= (int)PAM_CHANGE_EXPIRED_AUTHTOK;
			break;
		case OP_CHAUTHTOK_ALL:
			op = PAMTEST_CHAUTHTOK;
			break;
		case OP_OPEN_SESSION:
			op = PAMTEST_OPEN_SESSION;
			break;
		default:
			fprintf(stderr, "pam_driver: %s needs --module\n", steps[i].name);
			return 2; /* parse order guarantees no handle is open yet */
		}
		memset(tc, 0, sizeof(tc));
		tc[0].pam_operation = op;
		tc[0].expected_rv = steps[i].expected;
		tc[0].flags = flags;
		tc[1].pam_operation = PAMTEST_KEEPHANDLE;
		/* run_pamtest_conv() does not compile with libpamtest 1.1.4 (a
		 * misplaced parenthesis in the macro): call the function behind it.
		 * On a mismatch libpamtest stops and ends the handle itself. */
		perr = _pamtest_conv(service, user, conv_fn, cs, tc, ncases, ph);
		if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE) {
			fprintf(stderr, "pam_driver: %s: pamtest: %s\n", steps[i].name,
				pamtest_strerror(perr));
			return 2;
		}
		show_result(cs->show, &steps[i], tc[0].op_rv);
		if (perr == PAMTEST_ERR_CASE) {
			fprintf(stderr, "pam_driver: %s: expected %s, got %s\n", steps[i].name,
				code_name(steps[i].expected), code_name(tc[0].op_rv));
			for (i++; i < n; i++)
				printf("skipped: %s\n", steps[i].name);
			return 1;
		}
		ph = ncases == 2 ? tc[1].case_out.ph : NULL;
	}
	return 0;
}

typedef int (*sm_fn)(pam_handle_t *pamh, int flags, int argc, const char **argv);

/* Steps straight into the module on a handle made by the real pam_start: the
 * module's own return code, which a stack would fold into its result. */
static int run_direct(const char *service, const char *user, struct conv_state *cs,
		      const struct step *steps, size_t n, int silent, const char *module, int argc,
		      const char **argv, const char *ruser)
{
	struct pam_conv conv = {conv_fn, cs};
	pam_handle_t *pamh = NULL;
	void *dl = NULL;
	sm_fn acct, chauthtok;
	int ret = 0, rv;
	size_t i;

	dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		fprintf(stderr, "pam_driver: dlopen %s: %s\n", module, dlerror());
		return 2;
	}
	*(void **)&acct = dlsym(dl, "pam_sm_acct_mgmt");
	*(void **)&chauthtok = dlsym(dl, "pam_sm_chauthtok");
	if (acct == NULL || chauthtok == NULL) {
		fprintf(stderr, "pam_driver: %s: pam_sm_acct_mgmt/pam_sm_chauthtok missing\n",
			module);
		ret = 2;
		goto out;
	}
	rv = pam_start(service, user, &conv, &pamh);
	if (rv == PAM_SUCCESS && ruser != NULL)
		rv = pam_set_item(pamh, PAM_RUSER, ruser);
	if (rv != PAM_SUCCESS) {
		fprintf(stderr, "pam_driver: pam_start: %s\n", code_name(rv));
		ret = 2;
		goto out;
	}
	for (i = 0; i < n; i++) {
		switch (steps[i].kind) {
		case OP_SM_ACCT:
			rv = acct(pamh, silent, argc, argv);
			break;
		case OP_SM_PRELIM:
			rv = chauthtok(pamh, silent | PAM_PRELIM_CHECK, argc, argv);
			break;
		case OP_SM_UPDATE:
			rv = chauthtok(pamh, silent | PAM_UPDATE_AUTHTOK, argc, argv);
			break;
		default:
			fprintf(stderr, "pam_driver: %s cannot be mixed with --module steps\n",
				steps[i].name);
			ret = 2;
			goto out;
		}
		show_result(cs->show, &steps[i], rv);
		if (rv != steps[i].expected) {
			fprintf(stderr, "pam_driver: %s: expected %s, got %s\n", steps[i].name,
				code_name(steps[i].expected), code_name(rv));
			ret = 1;
			break;
		}
	}
out:
	if (pamh != NULL)
		pam_end(pamh, ret == 0 ? PAM_SUCCESS : PAM_ABORT);
	dlclose(dl);
	return ret;
}

int main(int argc, char **argv)
{
	struct conv_state cs;
	struct step steps[MAX_STEPS];
	const char *margv[MAX_ARGS];
	const char *module = NULL, *ruser = NULL, *service, *user;
	int margc = 0, silent = 0, i;
	size_t n = 0;

	memset(&cs, 0, sizeof(cs));
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--show") == 0) {
			cs.show = true;
		} else if (strcmp(o, "--silent") == 0) {
			silent = PAM_SILENT;
		} else if (strcmp(o, "--locale") == 0) {
			/* What su and passwd do: PAM runs in the caller's locale. */
			if (setlocale(LC_ALL, "") == NULL) {
				fprintf(stderr,
					"pam_driver: --locale: setlocale failed (LC_ALL=%s)\n",
					getenv("LC_ALL") ? getenv("LC_ALL") : "");
				return 2;
			}
		} else if (strcmp(o, "--ruser") == 0 && i + 1 < argc) {
			ruser = argv[++i];
		} else if (strcmp(o, "--answer") == 0 && i + 1 < argc &&
			   cs.n_answers < MAX_ANSWERS) {
			cs.answers[cs.n_answers++] = argv[++i];
		} else if (strcmp(o, "--module") == 0 && i + 1 < argc) {
			module = argv[++i];
		} else if (strcmp(o, "--arg") == 0 && i + 1 < argc && margc < MAX_ARGS) {
			margv[margc++] = argv[++i];
		} else if (strcmp(o, "--keep") == 0 && i + 1 < argc) {
			/* Loaded once more, never unloaded: libpam's dlclose at pam_end
			 * then leaves the module mapped, so that valgrind and ASan
			 * reports name its functions instead of "???". */
			if (dlopen(argv[++i], RTLD_NOW | RTLD_NODELETE) == NULL) {
				fprintf(stderr, "pam_driver: --keep: %s\n", dlerror());
				return 2;
			}
		} else {
			usage();
			return 2;
		}
	}
	if (argc - i < 3) {
		usage();
		return 2;
	}
	service = argv[i++];
	user = argv[i++];
	for (; i < argc; i++) {
		if (n == MAX_STEPS || parse_step(argv[i], &steps[n]) != 0) {
			fprintf(stderr, "pam_driver: bad step \"%s\"\n", argv[i]);
			usage();
			return 2;
		}
		n++;
	}
	if (module != NULL)
		return run_direct(service, user, &cs, steps, n, silent, module, margc, margv,
				  ruser);
	return run_stack(service, user, &cs, steps, n, silent, ruser);
}
