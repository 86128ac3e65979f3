"""The `sitegen` command: parse arguments, run a command, print problems, return the exit code.

Exit codes: 0 built/checked, 1 content errors, 2 usage or configuration errors, 3 a bug in sitegen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import __version__
from .codequality import format_gitlab
from .diagnostics import count, format_github, format_json, format_text, sorted_diagnostics
from .lastbuild import replay, snapshot
from .options import BuildOptions, BuildReport, UsageError
from .scaffold import TEMPLATES, scaffold

if TYPE_CHECKING:
    from .linkcheck import LinkReport

# The build, the preview and the deploy helpers are imported when a command needs them: a build
# with nothing to do is answered from the cache before most of sitegen is loaded (lastbuild.py).

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"sitegen: 参数错误：{message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sitegen",
        description="把 content/ 中的 YAML 与 Markdown 生成政务公开静态网站。",
        epilog="退出码：0 成功；1 内容有错误；2 参数或配置错误；3 sitegen 自身缺陷。",
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    b = commands.add_parser(
        "build", help="生成网站到 output/", description="校验全部内容并生成网站；有错误时不改动已发布的输出。"
    )
    _site_arguments(b)
    b.add_argument("--output", "-o", type=Path, help="输出目录（默认：SITE_DIR/output）")
    b.add_argument("--base-url", help="覆盖 site.yaml 的 base_url，如 https://www.example.gov.cn/zwgk/")
    b.add_argument("--strict", action="store_true", help="把警告当作错误（CI 中推荐）")
    b.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="构建缓存目录（默认：SITE_DIR/.sitegen-cache；CI 中可在两次运行之间保留）")
    b.add_argument("--no-cache", action="store_true", help="不读也不写缓存")
    b.add_argument("--no-search", action="store_true", help="不生成站内搜索索引（/pagefind/），构建更快")

    c = commands.add_parser("check", help="只校验，不写任何文件", description="做 build 的全部校验，但不写任何文件。")
    _site_arguments(c)
    c.add_argument("--format", choices=("text", "json", "github", "gitlab"), default="text",
                   help="问题的输出格式：text（默认）、json（机器可读）、github（GitHub Actions 注释）、"
                        "gitlab（GitLab 代码质量报告）")
    c.add_argument("--output", "-o", type=Path, metavar="DIR",
                   help="同时检查已生成在 DIR 中的网站：站内链接和锚点都要有效，外部链接只列出、不访问")
    c.add_argument("--base-url", help="覆盖 site.yaml 的 base_url")
    c.add_argument("--strict", action="store_true", help="把警告当作错误")
    c.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="build 的缓存目录（默认：SITE_DIR/.sitegen-cache）：只读不写；与上次成功构建相比"
                        "没有变化的页面不再渲染，检查结果相同、更快")
    c.add_argument("--no-cache", action="store_true", help="不读缓存，渲染全部页面")

    s = commands.add_parser("serve", help="本地预览：保存即重新生成，浏览器自动刷新",
                            description="生成网站到临时目录并在本机提供预览；监视 content/ 与 themes/，"
                                        "保存后自动重新生成并刷新浏览器；内容有错误时浏览器中显示错误页面。"
                                        "不会改动 output/。")
    _site_arguments(s)
    s.add_argument("--host", default="127.0.0.1",
                   help="监听地址（默认 127.0.0.1，只有本机能访问；改成其他地址会有警告）")
    s.add_argument("--port", type=int, default=8000, help="端口（默认 8000；0 表示任选一个空闲端口）")

    x = commands.add_parser("nginx", help="输出 nginx 配置（server 块）",
                            description="按 site.yaml 的 base_url 输出发布网站用的 nginx server 块：美化网址、"
                                        "404 页面、缓存、gzip、内容类型和安全响应头。输出到标准输出，不写入 output/。")
    x.add_argument("site_dir", nargs="?", type=Path, default=Path("."), metavar="SITE_DIR",
                   help="站点目录，其中有 content/（默认：当前目录）")
    x.add_argument("--root", metavar="DIR",
                   help="服务器上存放网站文件（output/ 的内容）的绝对路径（默认：SITE_DIR/output 的绝对路径）")
    x.add_argument("--listen", default="80", metavar="PORT", help="监听端口，或 地址:端口（默认 80）")
    x.add_argument("--server-name", metavar="NAME", help="主机名（默认：base_url 中的主机名）")
    x.add_argument("--base-url", help="覆盖 site.yaml 的 base_url")

    n = commands.add_parser("new", help="新建内容文件（带全部必填字段和说明）",
                            description="按内容类型生成新文件，包含全部必填字段、每个字段的说明和可直接通过校验的示例值。")
    n.add_argument("kind", metavar="KIND", help="内容类型：" + " / ".join(TEMPLATES))
    n.add_argument("slug", metavar="SLUG", help="文件名（即网址），只用小写字母、数字和连字符，如 id-card")
    n.add_argument("site_dir", nargs="?", type=Path, default=Path("."), metavar="SITE_DIR",
                   help="站点目录（默认：当前目录）")
    return parser


def _site_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site_dir", nargs="?", type=Path, default=Path("."), metavar="SITE_DIR",
                        help="站点目录，其中有 content/（默认：当前目录）")
    parser.add_argument("--jobs", "-j", type=_jobs, default=0, metavar="N",
                        help="并行进程数（默认：可用的 CPU 核数）；输出与进程数无关")
    parser.add_argument("--build-date", type=_date, metavar="YYYY-MM-DD",
                        help="按此日期生成（区分将来与已过的接访等）；默认取 SOURCE_DATE_EPOCH 或今天")


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"进程数应为正整数，而不是 “{text}”")
    return int(text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD，如 2026-01-28，而不是 “{text}”") from None


def run() -> None:
    """The `sitegen` command itself (console script and `python -m sitegen`): main(), then exit.

    A build leaves its site behind as garbage in reference cycles (the template environment
    and the records it holds); collecting it as Python shuts down took ≈0.25 s of a one-change
    build at 10,000 pages. The process is ending, so the leftovers are frozen instead: the
    last collection skips them and the system takes the memory back. Exit handlers and the
    flushing of output run as usual. `main` itself leaves the collector alone (tests call it).
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return EXIT_USAGE
    try:
        if args.command == "new":
            path = scaffold(args.site_dir, args.kind, args.slug)
            print(f"已创建 {path}：请把示例值改成实际内容", file=sys.stderr)
            return EXIT_OK
        if args.command == "serve":
            return _serve(args, sys.stderr)
        if args.command == "nginx":
            return _nginx(args, sys.stdout, sys.stderr)
        return _run(args, sys.stdout, sys.stderr)
    except UsageError as exc:
        print(f"sitegen: 错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("sitegen: 已中断，已发布的输出未改动", file=sys.stderr)
        return 130
    except Exception:  # a bug in sitegen, never the editor's fault
        print("sitegen: 内部错误——这是 sitegen 的缺陷，不是内容的问题；已发布的输出未改动。"
              "请把以下信息报告给维护者：", file=sys.stderr)
        print(traceback.format_exc(limit=-3), file=sys.stderr)
        return EXIT_BUG


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    site_dir: Path = args.site_dir
    if not (site_dir / "content").is_dir():
        print(f"sitegen: 错误：{site_dir} 下没有 content/ 文件夹——请在站点目录中运行，或指明 SITE_DIR",
              file=err)
        return EXIT_USAGE
    writing = args.command == "build"
    options = BuildOptions(
        site_dir=site_dir,
        # check: the built site it reads links from, and whose last build the cache compares with
        output=args.output or site_dir / "output",
        base_url=args.base_url,
        strict=args.strict,
        build_date=args.build_date,
        write=writing,
        jobs=args.jobs,
        cache_dir=_cache_dir(args, site_dir),
        search=writing and not args.no_search,
    )
    report = None
    if writing and options.cache_dir is not None:  # one stat snapshot, for the shortcut and the build
        theme = _theme_dir(site_dir)
        options = replace(options, snapshot=snapshot(options, theme))
        report = replay(options, theme)
    if report is None:
        from .build import build

        report = build(options)
    links = _links(args, site_dir) if not writing and args.output is not None else None
    if links is not None:
        report = replace(report, diagnostics=tuple(sorted_diagnostics([*report.diagnostics, *links.diagnostics])))
    fmt = getattr(args, "format", "text")
    if fmt == "json":
        print(format_json(report.diagnostics) if links is None else _links_json(report, links), file=out)
    elif fmt == "gitlab":
        print(format_gitlab(report.diagnostics), file=out)
    else:
        for diagnostic in report.diagnostics:
            print(format_github(diagnostic) if fmt == "github" else format_text(diagnostic), file=err)
    if links is not None:
        from .linkcheck import links_summary

        print(links_summary(links), file=err)
    print(_summary(report, writing), file=err)
    return EXIT_OK if report.ok else EXIT_CONTENT


def _theme_dir(site_dir: Path) -> Path:
    from .theme import find_theme

    return find_theme(site_dir)


def _links(args: argparse.Namespace, site_dir: Path) -> LinkReport:
    """`check --output DIR`: the links of the site built in DIR, for the site's base_url."""
    from .deploy import read_config
    from .linkcheck import check_links
    from .write import OutputError

    if not (args.output / "index.html").is_file():
        raise OutputError(f"{args.output} 中没有生成的网站（缺少 index.html）——先运行 sitegen build")
    from .parallel import default_jobs

    config, _ = read_config(site_dir, args.base_url)
    return check_links(args.output, config.base_url if config is not None else "https://invalid.invalid/",
                       args.jobs or default_jobs())


def _links_json(report: BuildReport, links: LinkReport) -> str:
    from .linkcheck import links_json

    return links_json(report.diagnostics, links)


def _nginx(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .deploy import Server, nginx_config, read_config

    if not (args.site_dir / "content").is_dir():
        print(f"sitegen: 错误：{args.site_dir} 下没有 content/ 文件夹——请在站点目录中运行，或指明 SITE_DIR",
              file=err)
        return EXIT_USAGE
    config, problems = read_config(args.site_dir, args.base_url)
    if config is None:
        for diagnostic in problems:
            print(format_text(diagnostic), file=err)
        print("失败：site.yaml 有错误，无法写出 nginx 配置", file=err)
        return EXIT_CONTENT
    root = args.root or str((args.site_dir / "output").resolve())
    print(nginx_config(Server(root, config.base_url, args.listen, args.server_name), config.title), end="", file=out)
    return EXIT_OK


def _serve(args: argparse.Namespace, err: TextIO) -> int:
    from .serve import ServeOptions, serve

    if not (args.site_dir / "content").is_dir():
        print(f"sitegen: 错误：{args.site_dir} 下没有 content/ 文件夹——请在站点目录中运行，或指明 SITE_DIR",
              file=err)
        return EXIT_USAGE
    return serve(ServeOptions(args.site_dir, args.host, args.port, args.build_date, args.jobs or 1), err)


def _cache_dir(args: argparse.Namespace, site_dir: Path) -> Path | None:
    if args.no_cache:
        return None
    return args.cache_dir if args.cache_dir is not None else site_dir / ".sitegen-cache"


def _summary(report: BuildReport, writing: bool) -> str:
    errors, warnings = count(report.diagnostics)
    took = f"用时 {report.seconds:.2f} 秒"
    if not report.ok:
        tail = "已发布的输出未改动" if writing else "未写入任何文件"
        return f"失败：{errors} 个错误，{warnings} 个警告；{tail}。{took}"
    if writing:
        return (f"完成：生成 {report.pages} 个页面（其中 {len(report.rendered)} 个重新渲染；"
                f"写入 {report.written} 个文件，{report.unchanged} 个未变），{warnings} 个警告，{took}")
    if len(report.rendered) < report.pages:  # the cache told which pages read nothing new
        return (f"检查通过：{report.pages} 个页面（其中 {len(report.rendered)} 个重新渲染，"
                f"其余所读内容与上次成功构建时相同），{warnings} 个警告，{took}")
    return f"检查通过：{report.pages} 个页面，{warnings} 个警告，{took}"
