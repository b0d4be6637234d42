#!/usr/bin/env python3
"""genja.py: a Japanese notice's address lines, for bench/guard.sh.

Deterministic for a given (LINES, SEED): the forms the reference breach's
notices set their addresses in (a name and <address>, full-width letters and
'＠', a label and '：', a bullet and a department in full-width brackets, '、'
between addresses), with an inquiry block and a password line now and then, so
that the non-ASCII paths of the reader and the tokeniser run at a notice's share.

usage: genja.py LINES [SEED] > file.txt
"""
import random
import sys

FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村"]
GIVEN = ["太郎", "花子", "次郎", "梅子", "一郎", "幸子"]
ROMAJI = ["taro", "hanako", "jiro", "ume", "ichiro", "sachiko"]
DOMAINS = ["example.co.jp", "example.go.jp", "example.ne.jp", "example.jp"]
DEPTS = ["営業部", "総務課", "情報システム部", "経理課"]


def wide(s):
    """ASCII letters, digits, '@' and '.' as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def main():
    lines = int(sys.argv[1])
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    out = []
    for k in range(lines):
        g = rnd.randrange(len(GIVEN))
        fam = FAMILY[rnd.randrange(len(FAMILY))]
        addr = f"{ROMAJI[g]}.{k}@{DOMAINS[rnd.randrange(len(DOMAINS))]}"
        form = rnd.randrange(100)
        if form < 30:
            out.append(f"{fam} {GIVEN[g]} <{addr}>")
        elif form < 45:
            out.append(wide(addr))
        elif form < 60:
            out.append(f"メールアドレス：{addr}")
        elif form < 72:
            out.append(f"・{addr}（{DEPTS[rnd.randrange(len(DEPTS))]}）")
        elif form < 82:
            other = f"{ROMAJI[(g + 1) % len(ROMAJI)]}.{k}@{DOMAINS[0]}"
            out.append(f"{addr}、{other}")
        elif form < 90:
            out.append(addr.replace("@", "＠"))
        elif form < 94:
            out.append(f"{fam}{GIVEN[g]}様　{addr}")
        elif form < 96:
            out.append(f"パスワード：Pw{k}@2021.jp")
        elif form < 98:
            out.append("【本件に関するお問い合わせ先】")
            out.append(f"情報セキュリティ室 security{k}@example.co.jp")
        else:
            out.append("")
    sys.stdout.write("\n".join(out) + "\n")


main()
