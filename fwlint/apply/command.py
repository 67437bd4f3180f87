"""``fwlint apply FILE``: see :mod:`fwlint.apply`."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import IO

from fwlint.apply.backup import (
    Backup,
    BackupError,
    default_path,
    make_backup,
    read_backup,
    restore,
    write_backup,
)
from fwlint.apply.kernel import (
    KernelError,
    KernelTable,
    Listing,
    emptying,
    listing,
    replace_prefix,
    run_transaction,
    table_flags,
    tables,
)
from fwlint.apply.nftfile import blanked
from fwlint.apply.source import Prepared, SourceError, prepare
from fwlint.check import UsageError
from fwlint.nft.libnft import Nftables, NftUnavailable, Result, open_nftables

EXIT_REFUSED = 1
EXIT_PREREQUISITE = 2
EXIT_ROLLED_BACK = 3
CAP_NET_ADMIN = 12


def has_net_admin() -> bool:
    """Whether this process may change the kernel's ruleset (root, or CAP_NET_ADMIN)."""
    if os.geteuid() == 0:
        return True
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> CAP_NET_ADMIN & 1)
    except (OSError, ValueError, IndexError):
        return False
    return False


def _connect(command: str, err: IO[str]) -> Nftables | None:
    """libnftables, when this process may use it; else one line for each thing missing."""
    missing = []
    if not has_net_admin():
        missing.append(f"fwlint {command}: needs root (CAP_NET_ADMIN) to read and change the kernel's "
                       f"ruleset: run it as root, e.g. sudo fwlint {command} ...")
    nft = None
    try:
        nft = open_nftables()
    except NftUnavailable as exc:
        missing.append(f"fwlint {command}: {exc}")
    for line in missing:
        print(line, file=err)
    return None if missing else nft


_ERROR_HEAD = re.compile(r"^(?P<file>[^\n:]+):(?P<line>\d+):(?P<col>\d+)(?:-\d+)?: (?P<kind>Error|Warning): "
                         r"(?P<message>.*)$")


def kernel_errors(result: Result, path: str, prefix_lines: int, prepared: Prepared | None) -> list[str]:
    """libnftables' errors, each pointed at the user's line.  After the kernel refuses a rule,
    libnftables may blame the rules behind it too: only the first such error is the cause."""
    out: list[str] = []
    refused_rule = False
    lines = result.error.splitlines()
    for i, raw in enumerate(lines):
        head = _ERROR_HEAD.match(raw)
        if head is None or head["file"] != path:
            if head is None and raw.startswith("Error:"):
                out.append(f"fwlint: libnftables: {raw[len('Error: '):]}")
            continue
        message = head["message"]
        kernel = message.startswith("Could not process rule")
        if kernel and refused_rule:
            continue
        refused_rule = refused_rule or kernel
        line = int(head["line"]) - prefix_lines
        who = "the kernel refuses it" if kernel else "libnftables refuses it"
        if line <= 0 or prepared is None:
            out.append(f"fwlint: {who} (fwlint's own command, line {head['line']}): {message}")
            continue
        where, text = prepared.where(line)
        if prepared.kind == "iptables":
            nft_line = prepared.text.splitlines()[line - 1].strip() if line <= len(prepared.text.splitlines()) else ""
            if text is not None:
                out.append(f"{where}: error: {who}: {message}")
                out.append(f"    {text}")
                out.append(f"    translated to: {nft_line}")
            else:
                out.append(f"{where}: error: {who}: {message}: {nft_line}")
        else:
            column = int(head["col"])
            out.append(f"{where}:{column}: error: {who}: {message}")
            if i + 2 < len(lines) + 1 and text is not None:
                out.append(f"    {text}")
                if i + 2 < len(lines) and set(lines[i + 2].strip()) <= {"^", "~"}:
                    out.append(f"    {lines[i + 2]}")
    if not out and not result.ok:
        out.append(f"fwlint: libnftables refuses it: {result.error.strip() or f'status {result.rc}'}")
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _where(prepared: Prepared, key: tuple[str, str]) -> str:
    """Where the input names the table: its line in an nft file, the files for iptables input."""
    use = prepared.nft.tables[key]
    return f"{prepared.paths[0]}:{use.line}:{use.column}" if prepared.kind == "nft" else " and ".join(prepared.paths)


def _summary(prepared: Prepared, present: dict[tuple[str, str], KernelTable], replaced: list[tuple[str, str]],
             listings: dict[tuple[str, str], Listing], also: list[tuple[str, str]]) -> list[str]:
    out = []
    for key in replaced:
        use = prepared.nft.tables[key]
        after = f"{_count(len(use.chains), 'chain')}, {_count(use.rules, 'rule')}"
        if use.mentions == 0:  # the input only deletes it
            out.append(f"  table {use.spec}: " + ("deleted" if key in listings else "not there (the input deletes it)"))
        elif key in listings:
            chains, rules = listings[key].counts()
            whose = "" if listings[key].owned else " (was not fwlint's: --force)"
            out.append(f"  table {use.spec}: replaced{whose}: {_count(chains, 'chain')}, "
                       f"{_count(rules, 'rule')} now; {after} after")
        else:
            out.append(f"  table {use.spec}: created: {after}")
    for key in also:
        out.append(f"  table {key[0]} {key[1]}: left as it is, and still judging packets the new tables see: an "
                   f"earlier fwlint apply made it (nft delete table {key[0]} {key[1]}, if it is no longer wanted)")
    left = [t.spec for key, t in sorted(present.items()) if key not in prepared.nft.tables and key not in also]
    if left:
        out.append(f"  left as they are: table {', table '.join(left)}")
    return out


def apply_command(sources: Sequence[str], *, force: bool = False, dry_run: bool = False,
                  backup_path: str | None = None, confirm: float | None = None, family: str | None = None,
                  table: str = "fwlint", source_format: str = "auto",
                  stdout: IO[str] | None = None, stderr: IO[str] | None = None,
                  answers: IO[str] | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if confirm is not None and not 1 <= confirm <= 86400:
        raise UsageError(f"--confirm {confirm:g}: expected a number of seconds from 1 to 86400")
    if confirm is not None and dry_run:
        raise UsageError("--confirm and --dry-run contradict each other: a dry run changes nothing")
    if backup_path is not None:
        if not backup_path:
            raise UsageError("--backup: an empty path")
        if os.path.isdir(backup_path):
            raise UsageError(f"--backup {backup_path}: is a directory; give a file name")
        if os.path.exists(backup_path) and not os.path.isfile(backup_path):
            raise UsageError(f"--backup {backup_path}: not a regular file (a backup must be kept to be restored)")
    if answers is None:
        answers = sys.stdin
        if confirm is not None and "-" in sources:  # the ruleset comes on standard input: answer on the terminal
            try:
                answers = open("/dev/tty", encoding="utf-8", errors="replace")
            except OSError:
                raise UsageError("--confirm with the ruleset on standard input needs a terminal to type the "
                                 "answer on (/dev/tty cannot be opened)") from None
    nft = _connect("apply", err)
    if nft is None:
        return EXIT_PREREQUISITE
    try:
        prepared = prepare(sources, force=force, family=family, table=table, source_format=source_format)
    except SourceError as exc:
        for line in exc.lines:
            print(line, file=err)
        return EXIT_REFUSED
    for line in prepared.notes:
        print(line, file=err)
    for d in prepared.overridden:
        from fwlint.report.text import format_line

        print(f"{format_line(d)} (overridden by --force)", file=err)
    try:
        return _apply(nft, prepared, force=force, dry_run=dry_run, backup_path=backup_path, confirm=confirm,
                      out=out, err=err, answers=answers)
    except KernelError as exc:
        print(f"fwlint apply: {exc}", file=err)
        return EXIT_REFUSED


COVERS = {"ip": frozenset({"ip"}), "ip6": frozenset({"ip6"}), "inet": frozenset({"ip", "ip6"})}
"""The families of packets a table of each family sees (an inet table sees both)."""

IPTABLES_NFT = frozenset({*((f, n) for f in ("ip", "ip6") for n in ("filter", "nat", "mangle", "raw", "security")),
                          ("arp", "filter"), *(("bridge", n) for n in ("filter", "nat", "broute"))})


def _covers(family: str) -> frozenset[str]:
    return COVERS.get(family, frozenset({family}))


def iptables_nfts(one: Listing) -> bool:
    """A table of a name iptables-nft (or ebtables-nft, arptables-nft) takes for its own, not
    made by fwlint apply: replaced through nft, iptables-nft would no longer read it back (Docker's
    rules live in ip nat and ip filter, its DOCKER-USER chain too)."""
    return (one.family, one.name) in IPTABLES_NFT and not one.owned


def _also_filtering(nft: Nftables, present: dict[tuple[str, str], KernelTable], named: list[tuple[str, str]]
                    ) -> list[tuple[str, str]]:
    """fwlint's tables the input does not name that see packets the input's tables see (an ip
    fwlint beside a new inet fwlint, a table of an earlier --table name).  They stay (deleting
    one could open the host: it may hold other rules, or the only rules for a family), and the
    summary says that both will judge those packets."""
    covered = frozenset().union(*(_covers(family) for family, _ in named))
    found = []
    for key in present:
        if key in named or not _covers(key[0]) & covered:
            continue
        if Listing(*key, nft.run(f"list table {key[0]} {key[1]}").output).owned:
            found.append(key)
    return found


def _apply(nft: Nftables, prepared: Prepared, *, force: bool, dry_run: bool, backup_path: str | None,
           confirm: float | None, out: IO[str], err: IO[str], answers: IO[str]) -> int:
    present = tables(nft)
    named = list(prepared.nft.tables)
    listings: dict[tuple[str, str], Listing] = {key: listing(nft, *key) for key in named if key in present}
    theirs = [key for key, one in listings.items() if iptables_nfts(one)]
    if theirs:
        for key in theirs:
            print(f"{_where(prepared, key)}: table {key[0]} {key[1]} is in the kernel, and iptables-nft takes a table "
                  "of that name for its own (Docker's rules live in ip nat and ip filter): apply does not replace "
                  "it, even with --force, since iptables-nft could not read it back; give your table another "
                  "name", file=err)
        print("fwlint: nothing applied", file=err)
        return EXIT_REFUSED
    owned = {key: one.owned for key, one in listings.items()}
    foreign = [key for key, mine in owned.items() if not mine]
    if foreign and not force:
        for key in foreign:
            use = prepared.nft.tables[key]
            print(f"{_where(prepared, key)}: table {use.spec} is in the kernel and is not fwlint's (it has no comment "
                  f"\"managed by fwlint\"): another tool's, iptables-nft's or one loaded by hand; apply would "
                  f"replace it (--force does)", file=err)
        print("fwlint: nothing applied", file=err)
        return EXIT_REFUSED
    for key in foreign:
        print(f"fwlint: replacing table {key[0]} {key[1]}, which is not fwlint's (--force)", file=err)
    also = _also_filtering(nft, present, named)
    replaced = named
    prefix = ["# fwlint apply"]
    for key in named:  # fwlint's own tables are emptied in place, the others (re)made with the mark
        flags = prepared.nft.tables[key].flags
        # a table with flags (dormant), now or in the input, is made again: flags are set when it is made
        keep = owned.get(key) and table_flags(listings[key].text) is None and flags is None
        prefix.extend(emptying(listings[key]) if keep else replace_prefix([f"{key[0]} {key[1]}"], flags=flags))
    batch = "\n".join(prefix) + "\n" + blanked(prepared.text, prepared.nft.left_out)
    checked, path = run_transaction(nft, batch, dry_run=True)
    if not checked.ok:
        for line in kernel_errors(checked, path, len(prefix), prepared):
            print(line, file=err)
        print("fwlint: nothing applied (libnftables' check refused it)", file=err)
        return EXIT_REFUSED
    refusal = _lockout(prepared, force, err)
    if refusal:
        return EXIT_REFUSED
    summary = _summary(prepared, present, named, listings, also)
    if dry_run:
        print(f"fwlint apply --dry-run: libnftables accepts it ({nft.binding}); nothing changed. It would do:",
              file=out)
        for line in summary:
            print(line, file=out)
        return 0
    backup = make_backup(replaced, listings, prepared.paths)
    restorable, _ = restore(nft, backup, dry_run=True, now=listings)
    if not restorable.ok:
        print("fwlint: nothing applied: what it would replace cannot be restored from a backup (libnftables "
              f"refuses its own listing of it: {restorable.error.strip()})", file=err)
        return EXIT_REFUSED
    path_written = backup_path or default_path()
    try:
        write_backup(backup, path_written)
    except OSError as exc:
        print(f"fwlint: nothing applied: cannot write the backup {path_written}: {exc.strerror or exc}", file=err)
        return EXIT_REFUSED
    from fwlint.apply.confirm import Watchdog, signals_held

    watchdog = None
    with signals_held():  # from here a signal waits: it cannot cut the apply and the confirmation apart
        if confirm is not None:
            try:
                watchdog = Watchdog(confirm, lambda: restore(open_nftables(), backup)[0].ok,
                                    f"{' and '.join(prepared.paths)} (backup {path_written})")
            except OSError as exc:
                print(f"fwlint: nothing applied: cannot start the process that restores the previous ruleset "
                      f"if fwlint dies before the answer: {exc.strerror or exc}", file=err)
                return EXIT_REFUSED
        applied, path = run_transaction(nft, batch, dry_run=False)
        if not applied.ok:
            if watchdog is not None:
                watchdog.tell(b"d")
                watchdog.close()
            for line in kernel_errors(applied, path, len(prefix), prepared):
                print(line, file=err)
            print("fwlint: nothing applied (the kernel refused the transaction; the ruleset is as it was)", file=err)
            if backup_path is None:  # nothing was replaced: the backup made for it goes
                os.unlink(path_written)
            return EXIT_REFUSED
        if watchdog is not None:
            if watchdog.restored():  # fwlint was held up before its ruleset went in, and the watchdog acted:
                result, _ = restore(nft, backup)  # what fwlint put in since goes too
                _tell(err, "fwlint: fwlint was held up (stopped?) and its watchdog put the previous ruleset back; "
                           + ("so is it now: nothing applied.\n" if result.ok else
                              f"putting it back again FAILED: {result.error.strip()}\n"))
                return EXIT_ROLLED_BACK
            watchdog.tell(b"a")
        # what is printed now must not stop the confirmation (a pipe whose reader is gone)
        _tell(out, f"fwlint: applied {' and '.join(prepared.paths)} in one transaction:\n"
              + "".join(f"{line}\n" for line in summary)
              + f"  what it replaced is saved in {path_written} (fwlint apply --restore {path_written} puts it "
                "back)\n")
        if watchdog is None:
            return 0
        return _confirm(nft, backup, confirm, answers, err, watchdog)


def _confirm(nft: Nftables, backup: Backup, seconds: float, answers: IO[str], err: IO[str], watchdog) -> int:
    """Wait for ``yes`` (signals let through meanwhile); restore without it (signals held)."""
    from fwlint.apply.confirm import wait_for_yes

    kept, why = wait_for_yes(seconds, answers, err)
    if kept:
        watchdog.tell(b"k")
        if watchdog.close():  # it acted first: fwlint was stopped (Ctrl-Z?) past the time
            _tell(err, "fwlint: too late: fwlint was stopped past the time, and its watchdog has put the previous "
                       "ruleset back.\n")
            return EXIT_ROLLED_BACK
        _tell(err, "fwlint: kept.\n")
        return 0
    watchdog.tell(b"r")
    result, _ = restore(nft, backup)
    from fwlint.apply.confirm import SIGNALS, signal

    for number in SIGNALS:  # one that came meanwhile is dropped: the exit status says "rolled back"
        signal.signal(number, signal.SIG_IGN)
    if result.ok:
        watchdog.tell(b"d")
        _tell(err, f"fwlint: {why}: the previous ruleset is restored.\n")
    else:  # the watchdog will try again
        _tell(err, f"fwlint: {why}, and restoring the previous ruleset FAILED: {result.error.strip()}\n")
    watchdog.close()
    return EXIT_ROLLED_BACK


def _tell(err: IO[str], text: str) -> None:
    try:
        err.write(text)
        err.flush()
    except (OSError, ValueError):
        pass  # the terminal is gone (a lost session): the restore happened all the same


def _lockout(prepared: Prepared, force: bool, err: IO[str]) -> bool:
    """Whether the lockout guard refuses the ruleset (SSH_CONNECTION set)."""
    from fwlint.apply import guard

    try:
        session = guard.session_from_environment()
    except guard.GuardError as exc:
        print(f"fwlint: {exc}; the lockout guard cannot run" + (" (--force: applied without it)" if force else
                                                                 " (--force applies without it)"), file=err)
        return not force
    if session is None:
        return False
    try:
        if prepared.kind == "iptables":  # fwlint's evaluator; the kernel, on the translation, where it cannot tell
            def origin(line: int) -> str:
                where, text = prepared.where(line)
                return f"{where}: {text}" if text else where

            found = guard.lockouts_of_translation(prepared.rulesets, prepared.text, session, origin)
        else:
            found = guard.lockouts_of_nft(prepared.text, session,
                                          lines=lambda n: f"{prepared.paths[0]}:{n}: {prepared.where(n)[1] or ''}")
    except guard.GuardUnavailable as exc:
        print(f"fwlint: the lockout guard cannot tell whether this SSH session survives: {exc}"
              + (" (--force: applied without it)" if force else ""), file=err)
        if not force:
            print("fwlint: nothing applied (--force applies without the guard)", file=err)
        return not force
    for lockout in found:
        print(f"fwlint: {lockout.message()}" + (" (overridden by --force)" if force else ""), file=err)
    if found and not force:
        print("fwlint: nothing applied: it would lock this SSH session out (--force applies anyway)", file=err)
        return True
    return False


def restore_command(backup_file: str, *, dry_run: bool = False, stdout: IO[str] | None = None,
                    stderr: IO[str] | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        backup = read_backup(backup_file)
    except BackupError as exc:
        print(f"fwlint: {exc}", file=err)
        return EXIT_REFUSED
    nft = _connect("apply --restore", err)
    if nft is None:
        return EXIT_PREREQUISITE
    result, form = restore(nft, backup, dry_run=dry_run)
    if not result.ok:
        print(f"fwlint: {backup_file}: libnftables refuses to restore it: {result.error.strip()}", file=err)
        print("fwlint: nothing changed", file=err)
        return EXIT_REFUSED
    back = [t for t in backup.tables if t.get("existed")]
    gone = [t for t in backup.tables if not t.get("existed")]
    verb = "would put back" if dry_run else "put back"
    print(f"fwlint: {verb} {backup_file} ({backup.created}) in one transaction"
          + (" (from its JSON)" if form == "json" else "") + ":", file=out)
    for t in back:
        print(f"  table {t['family']} {t['name']}: as it was", file=out)
    for t in gone:
        print(f"  table {t['family']} {t['name']}: deleted (it did not exist before)", file=out)
    return 0
