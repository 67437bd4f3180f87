"""Every translation fwlint writes loads into the kernel: nft checks it (``nft -c -f``, block syntax
and JSON) in a throwaway network namespace, and loads it (``nft -f``).

* corpus/NAME.nft, the recorded translation of each corpus ruleset;
* the translation of each iptables-save file of ../shared/corpus/real whose rules all translate;
  the files that do not are listed below with their FW601 findings (why they do not).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from fwlint.nft.command import translate_command
from tests.kernel.conftest import require_root_and

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
REAL = ROOT.parent / "shared" / "corpus" / "real"
SOURCES = REAL / "SOURCES.tsv"


def _write(netns, path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _nft_accepts(netns, path: Path, json_input: bool = False) -> None:
    check = netns.run("nft", *(("-j",) if json_input else ()), "-c", "-f", str(path))
    assert check.returncode == 0, f"nft -c refused {path}:\n{check.stderr}"
    load = netns.run("nft", *(("-j",) if json_input else ()), "-f", str(path))
    assert load.returncode == 0, f"nft -f refused {path}:\n{load.stderr}"
    netns.run("nft", "flush", "ruleset", check=True)


CORPUS_TRANSLATIONS = sorted(CORPUS.glob("*.nft"))


@pytest.mark.parametrize("path", CORPUS_TRANSLATIONS, ids=lambda p: p.name)
def test_corpus_translation_loads(path, netns):
    require_root_and("nft")
    _nft_accepts(netns, path)


def _translate(source: str, output_format: str = "nft", family: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = translate_command([source], output_format=output_format, family=family, quiet=True,
                               stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", [p.name for p in CORPUS.iterdir()
                                  if p.suffix not in (".expected", ".nft") and p.name != "README.md"])
def test_corpus_json_translation_loads(name, netns, tmp_path):
    require_root_and("nft")
    out, err = io.StringIO(), io.StringIO()
    translate_command([str(CORPUS / name)], output_format="json", allow_partial=True, quiet=True,
                      stdout=out, stderr=err)
    _nft_accepts(netns, _write(netns, tmp_path / "t.json", out.getvalue()), json_input=True)


UNTRANSLATABLE = {
    # file: (how many FW601 findings, the first of them) -- why the file does not translate
    "8none1__multipathrouting__iptables.save": (2, "34:56 voip.canonical.com is a host name: nft would look "
                                                   "it up once, with the loading host's DNS, when the rules "
                                                   "are loaded, so what the translation means would depend "
                                                   "on DNS then; write the address, or translate with "
                                                   "--resolve to look it up now"),
    "ustclug__liimstrap__etc__iptables__rules.v4": (16, "7:10 pxe.ustc.edu.cn is a host name: nft would look "
                                                        "it up once, with the loading host's DNS, when the "
                                                        "rules are loaded, so what the translation means "
                                                        "would depend on DNS then; write the address, or "
                                                        "translate with --resolve to look it up now"),
    # ufw's partial files jump to chains other files declare: iptables-restore refuses each alone
    # (and this one counts recent hits, --hitcount 20, which nft's sets cannot)
    "akcryptoguy__vps-harden__etc__ufw__before.rules": (4, "32:1 iptables refuses this rule (FW106 -j "
                                                           "ufw-logging-deny: no chain ufw-logging-deny in "
                                                           "*filter and no target of that name)"),
    "noraworld__ufw-conf__etc__ufw__after.rules": (7, "19:1 iptables refuses this rule (FW106 -j "
                                                      "ufw-skip-to-policy-input: no chain "
                                                      "ufw-skip-to-policy-input in *filter and no target "
                                                      "of that name)"),
    "noraworld__ufw-conf__etc__ufw__before6.rules": (1, "39:1 iptables refuses this rule (FW106 -j "
                                                        "ufw6-logging-deny: no chain ufw6-logging-deny in "
                                                        "*filter and no target of that name)"),
    # a Jinja2 template, not a ruleset yet (one finding a line: a rule on a line iptables-restore
    # refuses is that line's finding)
    "chickencordonbleu__RHEL7-CIS__templates__iptables.j2": (8, "11:1 iptables-restore refuses this line: "
                                                                "template syntax '{%': render the template "
                                                                "before linting it"),
}


def _real_save_files() -> list:
    if not SOURCES.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"{SOURCES} is absent (the real-world corpus sits beside the clone in CI)"))]
    with SOURCES.open(newline="", encoding="utf-8") as f:
        return [row["filename"] for row in csv.DictReader(f, delimiter="\t") if row["format"] == "save"]


@pytest.mark.parametrize("name", _real_save_files())
def test_real_ruleset_translates_and_loads(name, netns, tmp_path):
    require_root_and("nft")
    source = str(REAL / name)
    status, text, err = _translate(source)
    findings = [line.split(" FW601 [error] ") for line in err.splitlines() if " FW601 " in line]
    findings = [":".join(where.rstrip(":").rsplit(":", 2)[1:]) + f" {message}" for where, message in findings]
    if name in UNTRANSLATABLE:
        count, first = UNTRANSLATABLE[name]
        assert status == 1 and text == ""
        assert (len(findings), findings[0]) == (count, first)
        return
    assert status == 0, err
    assert findings == []
    _nft_accepts(netns, _write(netns, tmp_path / "t.nft", text))
    status, data, _ = _translate(source, "json")
    assert status == 0
    _nft_accepts(netns, _write(netns, tmp_path / "t.json", data), json_input=True)
    # an IPv4 file and an IPv6 file with -4/-6 lines: both families in one inet table too
    status, merged, _ = _translate(source, family="inet")
    assert status == 0
    _nft_accepts(netns, _write(netns, tmp_path / "inet.nft", merged))
