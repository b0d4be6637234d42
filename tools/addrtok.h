/* addrtok.h: the one address tokeniser.  Every reader (text lines, CSV cells,
 * JSON strings, e-mail text and HTML bodies, workbook cells) hands its text here
 * and gets clean candidate addresses on its sink; no reader splits text itself.
 *
 * What it does, in order (breachguard(8), "How addresses are found"):
 *  - characters by Unicode class: every space (U+3000 and NBSP included) and
 *    control separates; punctuation and symbols of any script separate (CJK
 *    brackets and commas, typographic quotes, bullets, ※, numbering like ① and
 *    ⑴); format characters (zero-width spaces and joiners, U+2060, U+FEFF, soft
 *    hyphen, bidi marks) are removed; full-width forms count as their ASCII
 *    letter, and the token is put in NFKC;
 *  - defanged forms decoded: [at] (at) {at} <at> [@] (@), [dot] (dot) [.] (.),
 *    any case, with or without blanks around them, and a lone " @ ";
 *  - edges: a label glued before an address in a script written without spaces
 *    (メールa@x.jp), a full-width numbering (１．a@x.jp), an honorific after it
 *    (a@x.jp様, さん, 殿, 御中, 宛), trailing ASCII punctuation, mailto: and its
 *    ?query are cut off;
 *  - what cannot be separated cleanly (two '@', an undecodable byte or unknown
 *    character inside, a URL's user part, a token too long to be an address)
 *    is reported invalid with its line and the full reason, never passed on;
 *  - wrapped cells (a PDF table whose long address continues on the next line
 *    in the same column) are rejoined when only one reading gives addresses,
 *    and reported when both readings would (see bg_addrtok_line).
 * The sink's normaliser has the last word on what is an address. */
#ifndef BG_ADDRTOK_H
#define BG_ADDRTOK_H

#include <stdbool.h>
#include <stddef.h>

#include "reader.h"

/* Tokens longer than this (bytes) are not addresses. */
#define BG_TOK_MAX 1024

struct bg_addrtok;

/* A tokeniser that gives its candidates to sink (sink->address, ->invalid and,
 * when set, ->defanged).  0 or -ENOMEM. */
int bg_addrtok_new(struct bg_addrtok **out, struct bg_sink *sink);
void bg_addrtok_free(struct bg_addrtok *t);
/* What the tokeniser gives to from now on (a reader that starts to filter
 * its addresses part way: read_text.c's senders). */
void bg_addrtok_sink(struct bg_addrtok *t, struct bg_sink *sink);
/* Lines that hold no candidate once wrapping is decided are reported invalid
 * with this reason (the text reader: "no address on the line"); NULL (the
 * default): the caller judges from bg_addrtok_line's count. */
void bg_addrtok_empty(struct bg_addrtok *t, const char *why);

/* One line of a text (no line break inside; one found ends the line there and
 * the rest is read as the next line with the same number).  Candidates of the
 * line are held until the next line (or bg_addrtok_flush) decides whether a
 * wrapped cell continues there: a token on the next line that starts in the
 * same column as one of this line's is joined to it when exactly one reading
 * yields addresses (one half alone is a fragment: "x@example" + ".co.jp",
 * "yamada." + "admin@example.jp"); when both readings would, and the next
 * line is a continuation line (indented, the token its first), both are
 * reported invalid.  A blank line ends a block like bg_addrtok_flush.
 * Returns the number of address candidates the line holds (given, held,
 * joined into the line above, or reported invalid), or the sink's negative
 * errno. */
int bg_addrtok_line(struct bg_addrtok *t, const char *s, size_t n, unsigned long line);

/* Off by default.  On: a line byte-identical to the one before, on the next
 * line number, costs a comparison when tokenising it again would give exactly
 * the calls the previous copy gave (nothing held back for a wrapped cell,
 * nothing joined: see struct rep in addrtok.c): those calls are replayed with
 * the new line number.  Anything else is tokenised as usual. */
void bg_addrtok_repeats(struct bg_addrtok *t, bool on);

/* A combolist's separator ('|', ';', ',', '\t' or ' '; 0, the default: none): the
 * word after an address and a glued SEP (with field, only to the next SEP) is
 * its password, as after ':', never imported nor shown.  read_text.c tells it from the file's head
 * (bg_combo_sep).  Without it, a word after an address and a glued one of
 * these that is no address is reported without its text (a password?). */
void bg_addrtok_combo(struct bg_addrtok *t, char sep, bool field);

/* Off by default.  On: a line that is a password's label alone with its mark
 * ("Password:", "【パスワード】") makes the next line's first word its
 * value, never imported nor shown.  For the lines of a text, not the cells of
 * a table (a cell "pass=" is no label of the next row). */
void bg_addrtok_label_lines(struct bg_addrtok *t, bool on);
/* Lines from..to (numbers) were blank.  A marked label's value is looked for
 * over blank lines right below it, BG_LABEL_REACH of them at most
 * ("Password:", a blank line, "Pw@2021.jp"); then only a value alone on its
 * line.  Blank lines handed to bg_addrtok_line count so by themselves; a
 * reader whose input skips them (bg_input_skip_blank) says them here.  Any
 * other line between (one the reader notes without tokenising it) ends the
 * label's reach. */
#define BG_LABEL_REACH 2
void bg_addrtok_blank(struct bg_addrtok *t, unsigned long from, unsigned long to);

/* The separator of a combolist ("taro@x.jp|hunter2") in the first lines of
 * head, or 0: most lines start with an address glued to one and the same
 * separator, and most of the fields after it hold no '@' (passwords, not
 * a second address column).  *field: a later field holds an address on some
 * line ("a@x.jp|pass|b@x.jp"): the password ends at the next separator.
 * ' ': most lines are an address, a blank and one word ("a@x.jp hunter2"). */
char bg_combo_sep(const char *head, size_t len, bool *field);
/* The same, the separators a Japanese keyboard types counted too ('，' '；' '｜'
 * as their ASCII ones, '、' '／' and '・' on their own); *cp: U+3001, U+FF0F or
 * U+30FB when the separator is one of these three (the result is then '|', and
 * bg_addrtok_combo_cp(t, *cp) makes the tokeniser read that character as it),
 * else 0. */
char bg_combo_sep_cp(const char *head, size_t len, bool *field, uint32_t *cp);
/* After bg_addrtok_combo: the character (U+3001 '、', U+FF0F '／', U+30FB '・') a line
 * holds for the combolist's separator. */
void bg_addrtok_combo_cp(struct bg_addrtok *t, uint32_t cp);

/* On by default.  Off: a plain ASCII line is cut by classing every byte
 * instead of going from separator to separator (the same tokens: for
 * tests/unit/test_fastpath.c). */
void bg_addrtok_fastpath(struct bg_addrtok *t, bool on);
/* Whether the fast path must look at byte c: a control or non-ASCII byte, a
 * separator, a bracket, '@' or '%'; and which of the 16 bytes at p are such
 * (bit k: p[k]; SSE2 where there is, exported for tests/unit/test_fastpath.c). */
bool bg_addrtok_special(unsigned char c);
unsigned bg_addrtok_special16(const char *p);

/* Ends a block of lines (end of file, of a cell, of a MIME part): what is held
 * goes to the sink.  0 or the sink's negative errno. */
int bg_addrtok_flush(struct bg_addrtok *t);

/* A self-contained text (a CSV or workbook cell, a JSON string): its lines
 * (LF, CRLF, CR) from number `line` on, then a flush.  Returns the number of
 * candidates, or the sink's negative errno. */
int bg_addr_scan(struct bg_addrtok *t, const char *s, size_t n, unsigned long line);

/* Whether s (n bytes) is a password's label or column name: "Password",
 * "pass", "pwd", "パスワード", "密码", "пароль" ... (case aside). */
bool bg_password_label(const char *s, size_t n);

/* Whether s (n bytes) is a pair label, an account's name and a password's
 * joined by '/', '／', '・' or ',' ("ID/PW", "ID／PW", "アカウント/パスワード",
 * "ID・PW"; case and width aside): a column of account/password pairs. */
bool bg_pair_label(const char *s, size_t n);

/* When the first line of head (a file's head or one line; a BOM and blank
 * lines aside) is a pair label: its joiner, '/' (an ASCII slash), '\x02' ('／'), '\x03' ('・') or
 * ','
 * (',' or '，'); else 0.  Its rows are account/password pairs however few. */
char bg_head_pair_label(const char *head, size_t len);

/* A row below a pair label (bg_head_pair_label on the line above): its first
 * word an address, then blanks, a joiner ('/', '／', ',', '，', '・', '、') or
 * both, then the password ("taro@x.jp/Tr9pw@evil.jp", "taro@x.jp　pw",
 * "taro@x.jp , pw").  Returns where the account ends, the password word's
 * start and end in *pw and *pe; 0 when the row is not so (no '@' and '.' in
 * the first word, or a ':' in it: a URL, a label). */
size_t bg_pair_row(const char *s, size_t n, size_t *pw, size_t *pe);

/* Whether a key, a header's label or a column name names a message's id
 * (message-id, Message-ID, In-Reply-To, References, msgid ...), never a
 * mailbox. */
bool bg_msgid_name(const char *s, size_t n);
/* A line that opens with an inquiry heading ("お問い合わせ：", "【本件に関する
 * お問合せ先】", "■問い合わせ窓口 ..."), marks and blanks before it: its
 * addresses are the sender's contacts, not exposed accounts. */
bool bg_inquiry_line_at(const char *s, size_t n);
static inline bool bg_inquiry_line(const char *s, size_t n)
{
	unsigned char c = n ? (unsigned char)s[0] : 0;

	/* Asked of every line of a list, which opens with a letter, a digit or
	 * a quote: none of the marks or words a heading opens with. */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '"' || n == 0)
		return false;
	return bg_inquiry_line_at(s, n);
}
/* A line of a body that quotes a mail header's label ("From:", "> Cc：",
 * "＞宛先：", "Received:", any "X-...:"; with msgid, "References:" and the other
 * message ids' too). */
bool bg_header_line(const char *s, size_t n, bool msgid);
/* bg_header_line(), or an attribution ("... wrote:", "... <a@x>:",
 * "...さんは書きました:"): its addresses are the senders' and recipients'. */
bool bg_quoted_header(const char *s, size_t n);
/* A sender's header line ("From: Name <a@x.jp>", "> Sender:", "差出人：a@x.jp",
 * "送信者:", quoted or not): the length of its address, *addr set to it
 * (the one in angle brackets, else the word with the '@'); 0 for any other
 * line, or one without an address. */
size_t bg_sender_header(const char *s, size_t n, const char **addr);
/* The same test for plain text, narrower, in two halves: bg_header_line()
 * (bg_header_fold keeps that answer: see header), or this: a line ending as
 * only an attribution does ("wrote:", "writes:", "...のメッセージ:",
 * "...さんは書きました:"), or a dated one ending "<a@x>:" ("2021年5月26日(水)
 * 10:00 山田 <a@x>:", Gmail's).  Not any line ending ">:": in text that is as
 * often a changelog's "* patch by Martin <m@x>:" or an advisory's "山田太郎
 * <yamada@example.jp>:" above the details, whose address is the point. */
bool bg_text_attribution_end(const char *s, size_t n);
/* The quote marks opening a line (">", ">>", "| ", "＞"): how many; *at is
 * where the text after them and one blank after each starts. */
unsigned bg_quote_marks(const char *s, size_t n, size_t *at);
/* Where a body stands in a quoted header block, for bg_header_fold. */
struct bg_hdr_fold {
	bool in_hdr;	 /* the line before is a header's (bg_header_line) or folded from one */
	bool rcpt;	 /* ... of a recipients' header (To:, Cc:, Bcc:, 宛先:) */
	bool open;	 /* ... that ends with ',' or ';' (or '，' '；' '、') */
	unsigned quotes; /* the header line's quote marks */
	bool colon;	 /* the line bg_header_fold saw last holds a ':' or '：' (every
			  * label and attribution ends at one) */
	bool header;	 /* ... and, unless it was folded, opens with a header's label:
			  * bg_header_line(s, n, false), asked once a line */
};
/* Whether line s (each line of a body in turn) is folded from the quoted
 * header on the line before, its addresses the header's: as many quote
 * marks, then a blank, then text (RFC 5322 folding: "> Cc: a@x," then ">
 * b@x"); or, below a To:/Cc: line (or one folded from it) that ends with ','
 * or ';', as many quote marks and addresses and separators only (a mail
 * client's hard wrap: "> To: a@x; b@x;" then "> c@x").  Updates f. */
bool bg_header_fold(struct bg_hdr_fold *f, const char *s, size_t n);
/* The same, told whether s holds a ':' or '：' (bg_line_marks). */
bool bg_header_fold_colon(struct bg_hdr_fold *f, const char *s, size_t n, bool colon);
/* What the text reader asks of every line, in one pass: BG_MARK_HASH a '#',
 * BG_MARK_COLON a ':' or '：'; *at the first '@' (NULL: none). */
#define BG_MARK_HASH 1u
#define BG_MARK_COLON 2u
unsigned bg_line_marks(const char *s, size_t n, const char **at);
/* NFKC of a word of ASCII, full-width ASCII forms (U+FF01..U+FF5E: each its
 * ASCII character), kana (U+3041..U+3096, U+30A1..U+30FA, U+30FC) and CJK
 * ideographs (U+4E00..U+9FFF), which NFKC leaves as they are: the words of a
 * Japanese notice, without libunistring.  Into out (cap bytes), *outlen its
 * length; *letters: every non-ASCII character of the result is a letter.
 * False for any other word, or one that does not fit: u8_normalize decides. */
bool bg_nfkc_fast(const char *s, size_t n, char *out, size_t cap, size_t *outlen, bool *letters);
/* A line the reader does not hand bg_header_fold (an empty one it skipped)
 * ends the header block. */
void bg_header_fold_end(struct bg_hdr_fold *f);
extern const char bg_inquiry_why[]; /* the note on such a line */
/* An inquiry heading alone on its line, naming the contact point (先, 窓口):
 * "【本件に関するお問い合わせ先】", "■お問い合わせ窓口". */
bool bg_inquiry_head(const char *s, size_t n);
/* How much of a line a note on it shows: up to the end of the word of its
 * first '@' (what follows may be a password: "お問い合わせ: a@x pw: y"). */
size_t bg_shown_to_address(const char *s, size_t n);

/* Whether a column name or a key names a password: a label above, whole or as
 * one of its parts ("user_pass", "pwdHash", "mot_de_passe"), or holding
 * "password" ("userPassword", "PasswordHash"); never a name whose last part
 * names an address ("password_reset_email"). */
bool bg_password_name(const char *s, size_t n);

/* Whether text may hold an address as the tokeniser reads it: an '@', a
 * full-width '＠' (U+FF20), or a defanged "[at]" "(at)" "{@}" "<at>" (ASCII or
 * full-width brackets).  The readers' test before they tokenise a line or pick
 * a column: an ASCII-only memchr(s, '@', n) loses a Japanese notice's
 * "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ" and "taro[at]example.jp" without a word. */
bool bg_addr_maybe(const char *s, size_t n);

/* What a mailto: link's shown text (an HTML <a>'s, a workbook cell's) says of
 * the link's address a: no address at all (a label, a name: the link gives
 * its address), the address itself (NFKC, so full-width forms; ASCII case;
 * blanks, line breaks and the characters the tokeniser removes, such as the
 * U+2063 an inline tag leaves; a "mailto:" before it: all aside; or a text in
 * which the tokeniser reads that address and nothing else: "Taro
 * <taro@x.jp>", a defanged "taro[at]x.jp"), or another one (one of the two
 * is nobody's, which cannot be told: the readers import neither and say
 * so).  One decision for every reader with links. */
enum bg_link_text { BG_LINK_LABEL, BG_LINK_SAME, BG_LINK_OTHER };
enum bg_link_text bg_link_text(const char *s, size_t n, const char *a, size_t al);

#endif
