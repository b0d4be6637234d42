/* test_trust_a.c: issue 10 items 5 and 6 at the verdict and config level, with
 * an injected shadow source against a real store (the account under test is
 * root, exempt_users and min_uid cleared: vsetup.h).
 *   5: an empty hash ("passwd -d") is no rotation, by any evidence;
 *   6: config words do not change under tr_TR.UTF-8. */
#include <locale.h>

#include "ascii.h"
#include "identity.h"
#include "vsetup.h"

static void empty_hash_is_no_rotation(void)
{
	struct fake_shadow fs = {1, now_day - 400, 0, "$y$j9T$salt$hash1", 0};
	struct bg_result r;
	struct bg_ctx ctx;

	vs_begin("trust-a", 0);
	vs_add_advisory("a-empty", "root@example.com", (now_day - 10) * DAY, (now_day - 10) * DAY,
			-1);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	T_CHECK(r.record_fp);
	/* The fingerprint of the exposed hash, as the module records it. */
	vs_ctx(&ctx, &fs, 0, VS_NOW);
	T_EQ_INT(bg_ctx_writable(&ctx), 0);
	T_EQ_INT(bg_rotation_write(ctx.store, "root", &r.fp_record), 0);
	bg_ctx_close(&ctx);
	/* passwd -d: the hash is now empty and the last change is today, a day
	 * after the exposure: neither is a rotation. */
	fs.hash = "";
	fs.lastchg = now_day;
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	T_CHECK(r.shadow_empty);
	T_CHECK(!r.record_fp);
	/* ... and the password stack records none either. */
	vs_ctx(&ctx, &fs, 0, VS_NOW);
	T_EQ_INT(bg_record_rotation(&ctx, "root", BG_ROT_PASSWORD), -EALREADY);
	bg_ctx_close(&ctx);
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ENFORCE);
	/* A real new password afterwards is one. */
	fs.hash = "$y$j9T$salt$hash2";
	T_EQ_INT(vs_verdict(&fs, &r), BG_V_ROTATED);
	vs_end();
}

/* Under tr_TR.UTF-8 (when this host has it: LOCPATH may name a private
 * copy) tolower('I') is 'I'.  Config words must read as in the C locale. */
static void config_words_under_tr_TR(void)
{
	struct bg_config c;
	char err[256];

	if (!setlocale(LC_ALL, "tr_TR.UTF-8")) {
		printf("test_trust_a: tr_TR.UTF-8 not available here; the Turkish case is "
		       "covered by tests/pam/run.sh and the e2e su test\n");
		return;
	}
	T_EQ_INT(bg_ascii_tolower('I'), 'i');
	T_EQ_INT(bg_ascii_strcasecmp("YES", "yes"), 0);
	T_CHECK(bg_ascii_strcasecmp("I", "i") == 0);
	bg_config_defaults(&c);
	T_EQ_INT(bg_config_set(&c, "gecos_email", "YES", err, sizeof(err)), 0);
	T_CHECK(c.gecos_email);
	T_EQ_INT(bg_config_set(&c, "fold_case", "Off", err, sizeof(err)), 0);
	T_CHECK(!c.fold_case);
	T_EQ_INT(bg_config_set(&c, "root_su", "enforce", err, sizeof(err)), 0);
	T_EQ_INT(c.root_su, BG_ROOT_SU_ENFORCE);
	T_EQ_INT(bg_config_set(&c, "root_su", "sometimes", err, sizeof(err)), -EINVAL);
	setlocale(LC_ALL, "C");
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(empty_hash_is_no_rotation);
	T_RUN(config_words_under_tr_TR);
	return t_done("test_trust_a");
}
