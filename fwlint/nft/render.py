"""Writing an :class:`~fwlint.nft.emitter.NftTable`: nft's block syntax, or libnftables JSON.

Both start by creating the table and deleting it in the same transaction, so that loading the
output replaces an earlier translation atomically (``nft -f`` and ``nft -j -f`` apply a file as
one transaction): ``table ip fwlint`` / ``delete table ip fwlint`` / ``table ip fwlint { ... }``.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from fwlint.nft.emitter import NftChain, NftTable
from fwlint.nft.expr import NftRule, Relation, Statement

FAMILY_PROTO = {4: "ipv4", 6: "ipv6"}


def _family_qualifier(rule: NftRule) -> Relation | None:
    """``meta nfproto ipv4`` for a rule of one family in an inet table, unless one of its parts
    already holds that family only (``ip saddr``: nft adds the test itself)."""
    if rule.family is None:
        return None
    if any(getattr(p, "family", None) == rule.family for p in (*rule.parts, *rule.actions)):
        return None
    from fwlint.nft.expr import Term, Value

    name = FAMILY_PROTO[rule.family]
    return Relation(Term("meta nfproto", {"meta": {"key": "nfproto"}}), "==", Value(name, name))


def rule_parts(rule: NftRule) -> list[Relation | Statement]:
    parts: list[Relation | Statement] = []
    qualifier = _family_qualifier(rule)
    if qualifier is not None:
        parts.append(qualifier)
    parts.extend(rule.parts)
    return parts


def rule_text(rule: NftRule, counters: bool = True) -> str:
    """One rule in block syntax (without indentation)."""
    words = [p.text for p in rule_parts(rule)]
    if rule.counter and counters:
        packets, octets = rule.counters or (0, 0)
        words.append(f"counter packets {packets} bytes {octets}")
    words.extend(a.text for a in rule.actions)
    if rule.comment is not None:
        text = rule.comment.replace('"', "'").replace("\n", " ")
        words.append(f'comment "{text}"')
    return " ".join(words)


def rule_json(rule: NftRule, family: str, table: str, chain: str) -> dict:
    expr: list[Any] = [p.json for p in rule_parts(rule)]
    if rule.counter:
        packets, octets = rule.counters or (0, 0)
        expr.append({"counter": {"packets": packets, "bytes": octets}})
    expr.extend(a.json for a in rule.actions)
    body: dict[str, Any] = {"family": family, "table": table, "chain": chain, "expr": expr}
    if rule.comment is not None:
        body["comment"] = rule.comment
    return {"rule": body}


class RawJson(str):
    """A JSON command already in text (a rule rendered where it was translated)."""


def commented_lines(rule: NftRule) -> list[str]:
    """A rule kept as a comment: why, then its iptables text, every line commented."""
    source = rule.source
    text = source.text if source is not None else ""
    where = f"{source.span.file}:{source.span.line}" if source is not None else ""
    lines = [f"# {where}: {rule.note}"]
    lines.extend(f"# {line}" for line in text.splitlines() or [""])
    return lines


def _chain_header(chain: NftChain) -> str | None:
    if chain.base is None:
        return None
    prio = chain.base.priority_name or str(chain.base.priority)
    return f"type {chain.base.type} hook {chain.base.hook} priority {prio}; policy {chain.policy};"


def to_text(tables: Sequence[NftTable], header: str | None = None,
            origins: list[Any] | None = None) -> str:
    """The tables in nft's block syntax, ready for ``nft -f``.  ``origins``, when given, is
    filled with the iptables rule (:class:`~fwlint.ast.Rule`) each output line comes from, or
    None, one entry per line (``fwlint apply`` points the kernel's errors at the user's line)."""
    out: list[str] = []
    if header:
        out.extend(f"# {line}" for line in header.splitlines())
    for i, table in enumerate(tables):
        if i:
            out.append("")
        if origins is not None:
            origins.extend([None] * (len(out) - len(origins)))
        out.extend(_table_text(table, origins))
    if origins is not None:
        origins.extend([None] * (len(out) - len(origins)))
    return "\n".join(out) + "\n"


def _rendered_as(table: NftTable, form: str) -> None:
    if table.rendered_as not in (None, form):
        raise ValueError(f"the rules of table {table.name} were rendered for --format {table.rendered_as}")


def _table_text(table: NftTable, origins: list[Any] | None = None) -> list[str]:
    """The table's lines; ``origins`` (see :func:`to_text`) gets an entry for each."""
    _rendered_as(table, "nft")
    rule_lines: dict[int, Any] = {}  # (block, line in block) -> the iptables rule, when asked
    out: list[str] = []
    spec = f"{table.family} {table.name}"
    out.append(f"table {spec}")
    out.append(f"delete table {spec}")
    out.append(f"table {spec} {{")
    blocks: list[list[str]] = []
    for helper in table.helpers:
        block = [f"\tct helper {helper.name} {{",
                 f'\t\ttype "{helper.helper}" protocol {helper.protocol}']
        if helper.l3proto:
            block.append(f"\t\tl3proto {helper.l3proto}")
        block.append("\t}")
        blocks.append(block)
    for name, spec, _ in table.limits:
        blocks.append([f"\tlimit {name} {{", f"\t\t{spec}", "\t}"])
    for nft_set in table.sets:
        block = []
        if nft_set.note:
            block.append(f"\t# {nft_set.note}")
        block.append(f"\tset {nft_set.name} {{")
        block.append(f"\t\ttype {nft_set.type}")
        if nft_set.flags:
            block.append(f"\t\tflags {','.join(nft_set.flags)}")
        if nft_set.timeout is not None:
            block.append(f"\t\ttimeout {nft_set.timeout}s")
        if nft_set.size is not None:
            block.append(f"\t\tsize {nft_set.size}")
        if nft_set.elements:
            block.append("\t\telements = { " + ",\n\t\t\t     ".join(nft_set.elements) + " }")
        block.append("\t}")
        blocks.append(block)
    for chain in table.chains:
        block = []
        if chain.note:
            block.append(f"\t# {chain.note}")
        block.append(f"\tchain {chain.name} {{")
        header_line = _chain_header(chain)
        if header_line:
            block.append(f"\t\t{header_line}")
        for rule in chain.rules:
            first = len(block)
            if rule.rendered is not None:
                if rule.text_only:
                    block.extend(f"\t\t{line}" for line in rule.rendered)
                else:
                    block.append(f"\t\t{rule.rendered}")
            elif rule.text_only:
                block.extend(f"\t\t{line}" for line in commented_lines(rule))
            else:
                block.append(f"\t\t{rule_text(rule)}")
            if origins is not None and rule.source is not None:
                for line in range(first, len(block)):
                    rule_lines[(len(blocks), line)] = rule.source
        block.append("\t}")
        blocks.append(block)
    if origins is not None:
        origins.extend([None] * len(out))
    for i, block in enumerate(blocks):
        if i:
            out.append("")
            if origins is not None:
                origins.append(None)
        out.extend(block)
        if origins is not None:
            origins.extend(rule_lines.get((i, line)) for line in range(len(block)))
    out.append("}")
    if origins is not None:
        origins.append(None)
    return out


def to_json_data(tables: Sequence[NftTable]) -> dict:
    """The tables as libnftables JSON (``nft -j -f`` reads it)."""
    items = [json.loads(item) if isinstance(item, RawJson) else item for item in _json_items(tables)]
    return {"nftables": items}


def _json_items(tables: Sequence[NftTable]) -> list[Any]:
    items: list[Any] = [{"metainfo": {"json_schema_version": 1}}]
    for table in tables:
        items.extend(_table_json(table))
    return items


def _table_json(table: NftTable) -> list[dict]:
    _rendered_as(table, "json")
    family, name = table.family, table.name
    items: list[dict] = [{"table": {"family": family, "name": name}},
                         {"delete": {"table": {"family": family, "name": name}}},
                         {"table": {"family": family, "name": name}}]
    for helper in table.helpers:
        body = {"family": family, "table": name, "name": helper.name, "type": helper.helper,
                "protocol": helper.protocol}
        if helper.l3proto:
            body["l3proto"] = helper.l3proto
        items.append({"ct helper": body})
    for limit_name, _, spec_json in table.limits:
        items.append({"limit": {"family": family, "table": name, "name": limit_name, **spec_json}})
    for nft_set in table.sets:
        body: dict[str, Any] = {"family": family, "table": name, "name": nft_set.name,
                                "type": _set_type_json(nft_set.type)}
        if nft_set.flags:
            body["flags"] = list(nft_set.flags)
        if nft_set.timeout is not None:
            body["timeout"] = nft_set.timeout
        if nft_set.size is not None:
            body["size"] = nft_set.size
        if nft_set.elements_json:
            body["elem"] = list(nft_set.elements_json)
        items.append({"set": body})
    for chain in table.chains:
        body = {"family": family, "table": name, "name": chain.name}
        if chain.base is not None:
            body.update({"type": chain.base.type, "hook": chain.base.hook,
                         "prio": chain.base.priority, "policy": chain.policy})
        items.append({"chain": body})
    for chain in table.chains:
        for rule in chain.rules:
            if rule.text_only:
                continue
            if rule.rendered is not None:
                items.append(RawJson(rule.rendered))
            else:
                items.append(rule_json(rule, family, name, chain.name))
    return items


def _set_type_json(type_text: str) -> Any:
    parts = [p.strip() for p in type_text.split(" . ")]
    return parts[0] if len(parts) == 1 else parts


def to_json(tables: Sequence[NftTable]) -> str:
    """The JSON text: one object of the command list a line."""
    items = _json_items(tables)
    lines = ",\n".join("  " + (item if isinstance(item, RawJson) else json.dumps(item, ensure_ascii=False))
                        for item in items)
    return '{"nftables": [\n' + lines + "\n]}\n"
