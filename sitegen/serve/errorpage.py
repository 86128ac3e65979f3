"""The page a browser tab shows while the site does not build: every problem, where and how to fix it."""

from __future__ import annotations

from html import escape

from ..diagnostics import Diagnostic, Severity, count

_STYLE = """\
body{margin:0;font:16px/1.6 system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
color:#1a1a1a;background:#fff8f6}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.5rem;color:#a4000f;margin:.5rem 0}
ol{padding-left:1.5rem}
li{background:#fff;border:1px solid #e5c4c0;border-left:6px solid #a4000f;border-radius:4px;
padding:.75rem 1rem;margin:0 0 1rem}
li.warning{border-left-color:#8a5a00}
.where{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:bold;word-break:break-all}
.label{display:inline-block;padding:0 .4rem;margin-right:.4rem;border-radius:3px;color:#fff;
background:#a4000f;font-size:.85rem}
li.warning .label{background:#8a5a00}
mark{background:#ffd54f;outline:1px solid #a4000f}
pre{background:#f4f4f4;padding:.5rem .75rem;overflow-x:auto;margin:.5rem 0}
.hint{color:#0b4a8b}
"""


def error_page(problems: tuple[Diagnostic, ...], fatal: str, reload_tag: bytes) -> bytes:
    """An HTML page listing every problem; everything from the content is escaped."""
    errors, warnings = count(problems)
    if fatal:
        errors += 1
    items = [_fatal_item(fatal)] if fatal else []
    ordered = sorted(problems, key=lambda d: (not d.is_error, *d.sort_key()))
    items.extend(_item(d) for d in ordered)
    summary = f"{errors} 个错误" + (f"，{warnings} 个警告" if warnings else "")
    page = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>内容有错误（{summary}）- sitegen 预览</title>
<style>{_STYLE}</style>
{reload_tag.decode("ascii")}
</head>
<body>
<main>
<h1>内容有错误，网站暂未更新</h1>
<p>共 {summary}。按提示改正文件并保存后，本页会自动刷新；正式发布的网站不受影响。</p>
<ol>
{"".join(items)}</ol>
</main>
</body>
</html>
"""
    return page.encode("utf-8")


def _item(d: Diagnostic) -> str:
    label = "错误" if d.severity is Severity.ERROR else "警告"
    parts = [
        f'<li class="{d.severity.value}">',
        f'<p><span class="label">{label}</span><span class="where">{escape(str(d.location))}</span></p>',
        f"<p>{escape(d.message)}</p>",
    ]
    if d.source_line.strip():
        parts.append(f"<pre><code>{_marked(d.source_line.rstrip(), d.location.column)}</code></pre>")
    if d.hint:
        parts.append(f'<p class="hint">提示：{escape(d.hint)}</p>')
    parts.append("</li>\n")
    return "".join(parts)


def _marked(line: str, column: int) -> str:
    """The source line with the character at `column` highlighted (a caret would misalign under
    Chinese text)."""
    if not 1 <= column <= len(line):
        return escape(line)
    at = column - 1
    return f"{escape(line[:at])}<mark>{escape(line[at])}</mark>{escape(line[at + 1:])}"


def _fatal_item(message: str) -> str:
    return f'<li class="error"><p><span class="label">错误</span></p><p>{escape(message)}</p></li>\n'
