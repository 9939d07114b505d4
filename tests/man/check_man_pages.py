#!/usr/bin/env python3
"""The man pages against the programs: every flag a program's --help lists is
described in its page and every flag a page describes is in --help (for
etcfsctl, command by command); mount.etcfs(8) describes exactly the -o options
mount.etcfs takes; etcfsd(8) names every --mount-options option; and each page
renders with `man -l` without a warning.

    check_man_pages.py MAN_DIR ETCFSD ETCFSCTL MOUNT_ETCFS
"""
import os
import re
import subprocess
import sys

failures = []


def fail(msg):
    failures.append(msg)


def run(cmd, env=None):
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


# ---- --help, as CLI11 prints it

def help_of(cmd):
    out = run(cmd + ["--help"])
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} --help failed: {out.stderr}")
    flags, subcommands, descriptions = set(), [], {}
    section, names = None, []
    for line in out.stdout.splitlines():
        if line in ("Options:", "Subcommands:", "Positionals:"):
            section = line
            continue
        if section == "Options:" and re.match(r"^  -", line):
            names = line.split()[0].split(",")
            names = [n for n in names if n not in ("-h", "--help")]
            flags.update(names)
            for n in names:
                descriptions[n] = line
        elif section == "Options:" and names and line.startswith("      "):
            for n in names:
                descriptions[n] += " " + line.strip()
        elif section == "Subcommands:" and re.match(r"^  \S", line):
            subcommands.append(line.split()[0])
    return flags, subcommands, descriptions


def option_list(description, after):
    """The names in a "...(page): a=, b, c=, and ..." help text."""
    text = description.split(after, 1)[1]
    names = set()
    for piece in text.split(","):
        m = re.match(r"^\s*([a-z_]+=?)", piece)
        if m and m.group(1) != "and":
            names.add(m.group(1))
    return names


# ---- the pages' groff source

def plain(line):
    line = re.sub(r"^\.(B|I|BI|BR|IB|IR|RB|RI)\s+", "", line)
    line = re.sub(r"\\f[BIRP]", "", line).replace("\\-", "-").replace("\\(em", "-").replace("\\e", "\\")
    return line.replace('"', "")


def tags(page):
    """(section, subsection, tag line) for every .TP tag of the page."""
    out, section, subsection, take = [], None, None, False
    for line in open(page, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith(".SH "):
            section, subsection = plain(line[4:]).strip(), None
        elif line.startswith(".SS "):
            subsection = plain(line[4:]).strip()
        elif line == ".TP":
            take = True
            continue
        elif take:
            out.append((section, subsection, plain(line)))
        take = False
    return out


def flags_in(text):
    return set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", text))


def compare(what, in_help, in_page):
    for f in sorted(in_help - in_page):
        fail(f"{what}: {f} is in --help but not described in the man page")
    for f in sorted(in_page - in_help):
        fail(f"{what}: the man page describes {f}, which --help does not list")


def main():
    man_dir, etcfsd, etcfsctl, mount_etcfs = sys.argv[1:5]
    pages = {p: os.path.join(man_dir, p) for p in ("etcfsd.8", "etcfsctl.1", "mount.etcfs.8", "etcfs.5")}

    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    for name, page in pages.items():
        r = run(["man", "--warnings", "-E", "UTF-8", "-l", page], env)
        if r.returncode != 0 or r.stderr.strip() or len(r.stdout) < 500:
            fail(f"{name} does not render cleanly with man -l (exit {r.returncode}): {r.stderr.strip()}")

    # etcfsd(8)
    flags, _, desc = help_of([etcfsd])
    compare("etcfsd(8)", flags,
            set().union(*(flags_in(t) for s, _, t in tags(pages["etcfsd.8"]) if s == "OPTIONS")))
    page_text = plain(open(pages["etcfsd.8"], encoding="utf-8").read())
    for opt in option_list(desc["--mount-options"], "(etcfs(5)): "):
        if opt not in page_text:
            fail(f"etcfsd(8) does not name the mount option {opt}")

    # mount.etcfs(8)
    flags, _, desc = help_of([mount_etcfs])
    page_tags = tags(pages["mount.etcfs.8"])
    compare("mount.etcfs(8)", flags, set().union(*(flags_in(t) for s, _, t in page_tags if s == "OPTIONS")))
    documented = set()
    for s, _, t in page_tags:
        if s == "MOUNT OPTIONS":
            for piece in t.split(","):
                m = re.match(r"^\s*([a-z_]+=?)", piece)
                if m:
                    documented.add(m.group(1))
    compare("mount.etcfs(8) mount options", option_list(desc["-o"], "(mount.etcfs(8)): "), documented)

    # etcfsctl(1): command by command
    in_help, leaves = {}, set()

    def walk(path):
        flags, subcommands, _ = help_of([etcfsctl] + path)
        in_help[" ".join(path)] = flags
        if not subcommands:
            leaves.add(" ".join(path))
        for sub in subcommands:
            walk(path + [sub])
    walk([])
    in_page = {}
    for s, ss, t in tags(pages["etcfsctl.1"]):
        key = "" if ss == "etcfsctl" else ss
        in_page.setdefault(key, set()).update(flags_in(t))
    sections = set()
    for line in open(pages["etcfsctl.1"], encoding="utf-8"):
        if line.startswith(".SS "):
            sections.add(plain(line[4:]).strip())
    sections = {"" if s == "etcfsctl" else s for s in sections}
    for command, flags in sorted(in_help.items()):
        if command not in sections and (flags or command in leaves):
            fail(f"etcfsctl(1) has no section for the command '{command}'")
        compare(f"etcfsctl(1) '{command or 'global options'}'", flags, in_page.get(command, set()))
    for s in sorted(sections - set(in_help)):
        fail(f"etcfsctl(1) describes '{s}', which is not an etcfsctl command")

    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print(f"PASS: 4 pages render without warnings; {sum(len(f) for f in in_help.values())} etcfsctl flags over "
          f"{len(in_help)} commands, etcfsd's and mount.etcfs's flags and mount options match their pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
