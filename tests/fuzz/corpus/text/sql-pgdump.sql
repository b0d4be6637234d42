SET standard_conforming_strings = on;
CREATE TABLE public.accounts (
    id integer NOT NULL,
    mail text,
    password_hash text,
    note text
);
COPY public.accounts (id, mail, password_hash, note) FROM stdin;
1	taro@example.jp	P@ssw0rd.jp	a\b
2	hanako@example.jp	x@y.com	\N
\.
INSERT INTO public.accounts VALUES (3, 'jiro@example.jp', 'ji@ro.com', 'back\');
INSERT INTO public.accounts (id, mail, password_hash, note) VALUES (4, 'saburo@example.jp', 'sa@bu.ro', 'x');
